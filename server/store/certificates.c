/*
 * Signing keys (public halves) and the certificates they signed.
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys ------------------------------------------------------------------ */

#define KEY_COLUMNS "kid, x, created_at, retired_at"

static void key_from_row(struct db_stmt *st, struct key_row *k)
{
    db_col_text_copy(st, 0, k->kid, sizeof k->kid);
    db_col_text_copy(st, 1, k->x, sizeof k->x);
    db_col_text_copy(st, 2, k->created_at, sizeof k->created_at);
    db_col_text_copy(st, 3, k->retired_at, sizeof k->retired_at);
}

enum store_rc store_key_rotate(struct store_tx *tx, const struct key_row *k)
{
    static const char retire[] = "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL";
    static const char add[] = "INSERT INTO signing_keys (kid, x, created_at) VALUES (?1, ?2, ?3)";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st = db_prepare(d, retire);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, k->created_at);
    rc = db_store_rc(db_exec(st));
    if (rc != STORE_OK)
        return rc;
    st = db_prepare(d, add);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, k->kid);
    db_bind_text(st, 2, k->x);
    db_bind_text(st, 3, k->created_at);
    return db_store_rc(db_exec(st));
}

/* One key by a query with at most one text parameter. */
static enum store_rc key_one(struct store *s, const char *sql, const char *param,
                             struct key_row *out)
{
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if (param != NULL)
        db_bind_text(st, 1, param);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        key_from_row(st, out);
    db_done(st);
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
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    while ((step = db_step(st)) == DB_ROW) {
        struct key_row k;
        key_from_row(st, &k);
        fn(&k, ctx);
    }
    db_done(st);
    return db_store_rc(step);
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

static enum store_rc cert_from_row(struct db_stmt *st, struct certificate_row *c)
{
    memset(c, 0, sizeof *c);
    db_col_text_copy(st, 0, c->serial, sizeof c->serial);
    c->application_id = db_col_int64(st, 1);
    db_col_text_copy(st, 2, c->kind, sizeof c->kind);
    db_col_text_copy(st, 3, c->kid, sizeof c->kid);
    db_col_text_copy(st, 4, c->issued_on, sizeof c->issued_on);
    db_col_text_copy(st, 5, c->valid_until, sizeof c->valid_until);
    db_col_text_copy(st, 8, c->revoked_at, sizeof c->revoked_at);
    db_col_text_copy(st, 10, c->revocation_ground, sizeof c->revocation_ground);
    c->refund_fen = db_col_null(st, 11) ? -1 : db_col_int64(st, 11);
    db_col_text_copy(st, 12, c->revocation_effective_on, sizeof c->revocation_effective_on);
    if (db_col_text_dup(st, 6, "{}", &c->document_json) != 0 ||
        db_col_text_dup(st, 7, "", &c->jws) != 0 ||
        db_col_text_dup(st, 9, NULL, &c->revocation_reason) != 0) {
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
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, r->serial);
    db_bind_int64(st, 2, r->application_id);
    db_bind_text(st, 3, r->kind);
    db_bind_text(st, 4, r->kid);
    db_bind_text(st, 5, r->issued_on);
    db_bind_opt(st, 6, r->valid_until);
    db_bind_text(st, 7, r->document_json);
    db_bind_text(st, 8, r->jws);
    return db_store_rc(db_exec(st));
}

static enum store_rc cert_one_on(struct db *d, const char *sql, const char *text, int64_t id,
                                 struct certificate_row *out)
{
    struct db_stmt *st = d ? db_prepare(d, sql) : NULL;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if (text != NULL)
        db_bind_text(st, 1, text);
    else
        db_bind_int64(st, 1, id);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        rc = cert_from_row(st, out);
    db_done(st);
    return rc;
}

static enum store_rc cert_one(struct store *s, const char *sql, const char *text, int64_t id,
                              struct certificate_row *out)
{
    return cert_one_on(store_db(s), sql, text, id, out);
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
    return cert_one_on(store_tx_db(tx), sql, NULL, application_id, out);
}

enum store_rc store_cert_revoke(struct store_tx *tx, const char *serial, const char *at,
                                const char *reason, const char *ground, int64_t refund_fen,
                                const char *effective_on)
{
    static const char sql[] =
        "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3, revocation_ground = ?4,"
        " refund_fen = ?5, revocation_effective_on = ?6 WHERE serial = ?1 AND revoked_at IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t changed = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, serial);
    db_bind_text(st, 2, at);
    db_bind_text(st, 3, reason);
    db_bind_opt(st, 4, ground);
    db_bind_opt(st, 6, effective_on);
    if (refund_fen >= 0)
        db_bind_int64(st, 5, refund_fen);
    else
        db_bind_null(st, 5);
    rc = db_store_rc(db_exec_changes(st, &changed));
    return rc == STORE_OK && changed != 1 ? STORE_CONFLICT : rc;
}
