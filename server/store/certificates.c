/*
 * Signing keys (public halves) and the certificates they signed.
 */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys ------------------------------------------------------------------ */

#define KEY_COLUMNS "kid, x, created_at, retired_at"

static void key_from_row(sqlite3_stmt *st, struct key_row *k)
{
    store_col_text(st, 0, k->kid, sizeof k->kid);
    store_col_text(st, 1, k->x, sizeof k->x);
    store_col_text(st, 2, k->created_at, sizeof k->created_at);
    store_col_text(st, 3, k->retired_at, sizeof k->retired_at);
}

enum store_rc store_key_rotate(struct store_tx *tx, const struct key_row *k)
{
    static const char retire[] = "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL";
    static const char add[] = "INSERT INTO signing_keys (kid, x, created_at) VALUES (?1, ?2, ?3)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, retire);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if (store_bind_text(st, 1, k->created_at) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, retire);
    else
        rc = store_rc(c, sqlite3_step(st), retire);
    store_stmt_done(st);
    if (rc != STORE_OK)
        return rc;
    st = store_stmt(c, add);
    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, k->kid) | store_bind_text(st, 2, k->x) |
         store_bind_text(st, 3, k->created_at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, add);
    else
        rc = store_rc(c, sqlite3_step(st), add);
    store_stmt_done(st);
    return rc;
}

/* One key by a query with at most one text parameter. */
static enum store_rc key_one(struct store *s, const char *sql, const char *param,
                             struct key_row *out)
{
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (param && store_bind_text(st, 1, param) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        key_from_row(st, out);
        rc = STORE_OK;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step, sql);
    }
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_key_active(struct store *s, struct key_row *out)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM signing_keys WHERE retired_at IS NULL";
    return key_one(s, sql, NULL, out);
}

enum store_rc store_key_get(struct store *s, const char *kid, struct key_row *out)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM signing_keys WHERE kid = ?1";
    return key_one(s, sql, kid, out);
}

enum store_rc store_keys_each(struct store *s, void (*fn)(const struct key_row *k, void *ctx),
                              void *ctx)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM signing_keys ORDER BY created_at, kid";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct key_row k;
        key_from_row(st, &k);
        fn(&k, ctx);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
    store_stmt_done(st);
    return rc;
}

/* ---- certificates ------------------------------------------------------------ */

#define CERT_COLUMNS                                                                               \
    "serial, application_id, kind, kid, issued_on, valid_until, document, jws, revoked_at,"        \
    " revocation_reason, revocation_ground, refund_fen, revocation_effective_on"

void certificate_release(struct certificate_row *c)
{
    if (!c)
        return;
    free(c->document_json);
    free(c->jws);
    free(c->revocation_reason);
    c->document_json = c->jws = c->revocation_reason = NULL;
}

static enum store_rc cert_from_row(sqlite3_stmt *st, struct certificate_row *c)
{
    memset(c, 0, sizeof *c);
    store_col_text(st, 0, c->serial, sizeof c->serial);
    c->application_id = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, c->kind, sizeof c->kind);
    store_col_text(st, 3, c->kid, sizeof c->kid);
    store_col_text(st, 4, c->issued_on, sizeof c->issued_on);
    store_col_text(st, 5, c->valid_until, sizeof c->valid_until);
    store_col_text(st, 8, c->revoked_at, sizeof c->revoked_at);
    store_col_text(st, 10, c->revocation_ground, sizeof c->revocation_ground);
    c->refund_fen = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 11);
    store_col_text(st, 12, c->revocation_effective_on, sizeof c->revocation_effective_on);
    if (store_col_dup(st, 6, "{}", &c->document_json) != 0 ||
        store_col_dup(st, 7, "", &c->jws) != 0 ||
        store_col_dup(st, 9, NULL, &c->revocation_reason) != 0) {
        certificate_release(c);
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_cert_insert(struct store_tx *tx, const struct certificate_row *r)
{
    static const char sql[] =
        "INSERT INTO certificates (serial, application_id, kind, kid, issued_on, valid_until,"
        " document, jws) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, r->serial) | sqlite3_bind_int64(st, 2, r->application_id) |
         store_bind_text(st, 3, r->kind) | store_bind_text(st, 4, r->kid) |
         store_bind_text(st, 5, r->issued_on) | store_bind_opt(st, 6, r->valid_until) |
         store_bind_text(st, 7, r->document_json) | store_bind_text(st, 8, r->jws)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

static enum store_rc cert_one_on(struct conn *c, const char *sql, const char *text, int64_t id,
                                 struct certificate_row *out)
{
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((text ? store_bind_text(st, 1, text) : sqlite3_bind_int64(st, 1, id)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = cert_from_row(st, out);
    else if (step == SQLITE_DONE)
        rc = STORE_NOT_FOUND;
    else
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

static enum store_rc cert_one(struct store *s, const char *sql, const char *text, int64_t id,
                              struct certificate_row *out)
{
    return cert_one_on(store_reader(s), sql, text, id, out);
}

enum store_rc store_cert_get(struct store *s, const char *serial, struct certificate_row *out)
{
    static const char sql[] = "SELECT " CERT_COLUMNS " FROM certificates WHERE serial = ?1";
    return cert_one(s, sql, serial, 0, out);
}

enum store_rc store_cert_of_app(struct store *s, int64_t application_id,
                                struct certificate_row *out)
{
    static const char sql[] = "SELECT " CERT_COLUMNS " FROM certificates WHERE application_id = ?1";
    return cert_one(s, sql, NULL, application_id, out);
}

enum store_rc store_cert_of_app_tx(struct store_tx *tx, int64_t application_id,
                                   struct certificate_row *out)
{
    static const char sql[] = "SELECT " CERT_COLUMNS " FROM certificates WHERE application_id = ?1";
    return cert_one_on(store_tx_conn(tx), sql, NULL, application_id, out);
}

enum store_rc store_cert_revoke(struct store_tx *tx, const char *serial, const char *at,
                                const char *reason, const char *ground, int64_t refund_fen,
                                const char *effective_on)
{
    static const char sql[] =
        "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3, revocation_ground = ?4,"
        " refund_fen = ?5, revocation_effective_on = ?6 WHERE serial = ?1 AND revoked_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, serial) | store_bind_text(st, 2, at) |
         store_bind_text(st, 3, reason) | store_bind_opt(st, 4, ground) |
         (refund_fen >= 0 ? sqlite3_bind_int64(st, 5, refund_fen) : sqlite3_bind_null(st, 5)) |
         store_bind_opt(st, 6, effective_on)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && sqlite3_changes(store_conn_db(c)) != 1)
        rc = STORE_CONFLICT;
    store_stmt_done(st);
    return rc;
}
