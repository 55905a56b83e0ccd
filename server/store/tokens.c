/*
 * Tokens (each a row with a name, an optional last day and a revocation
 * time), disabling an account, and the fingerprint of the token key.
 * Finding the account of a token is store_account_by_token() in
 * accounts.c, beside the other account queries.
 */
#include "store_impl.h"

#include <string.h>

enum store_rc store_token_add(struct store_tx *tx, struct token_row *t,
                              const unsigned char token_hash[TOKEN_HASH_LEN])
{
    static const char sql[] = "INSERT INTO tokens (account_id, name, token_hash, created_at,"
                              " expires_on) VALUES (?1, ?2, ?3, ?4, ?5)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, t->account_id) | store_bind_text(st, 2, t->name) |
         sqlite3_bind_blob(st, 3, token_hash, TOKEN_HASH_LEN, SQLITE_STATIC) |
         store_bind_text(st, 4, t->created_at) | store_bind_opt(st, 5, t->expires_on)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK)
        t->id = sqlite3_last_insert_rowid(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

enum store_rc store_tokens_of(struct store *s, int64_t account_id,
                              void (*fn)(const struct token_row *t, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT id, name, created_at, expires_on FROM tokens"
                              " WHERE account_id = ?1 AND revoked_at IS NULL ORDER BY id";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_OK;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct token_row t = {
            .id = sqlite3_column_int64(st, 0),
            .account_id = account_id,
            .name = (const char *)sqlite3_column_text(st, 1),
            .created_at = (const char *)sqlite3_column_text(st, 2),
            .expires_on = (const char *)sqlite3_column_text(st, 3),
        };
        if (t.name == NULL || t.created_at == NULL) {
            rc = store_rc(c, SQLITE_NOMEM, sql);
            goto out;
        }
        fn(&t, ctx);
    }
    if (step != SQLITE_DONE)
        rc = store_rc(c, step, sql);
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_tokens_count(struct store_tx *tx, int64_t account_id, int64_t *n)
{
    static const char sql[] =
        "SELECT count(*) FROM tokens WHERE account_id = ?1 AND revoked_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    return store_one_int(c, st, sql, st ? sqlite3_bind_int64(st, 1, account_id) : SQLITE_OK, n);
}

/* Runs an UPDATE whose parameters are an id, a time (unless `at` is NULL)
 * and another id (unless `other` is 0); *changed (may be NULL) receives how
 * many rows it changed. */
static enum store_rc update_rows(struct conn *c, const char *sql, int64_t id, const char *at,
                                 int64_t other, int *changed)
{
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, id) | (at ? store_bind_text(st, 2, at) : SQLITE_OK) |
         (other ? sqlite3_bind_int64(st, 3, other) : SQLITE_OK)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && changed)
        *changed = sqlite3_changes(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

enum store_rc store_token_revoke(struct store_tx *tx, int64_t account_id, int64_t id,
                                 const char *at)
{
    static const char sql[] = "UPDATE tokens SET revoked_at = ?2"
                              " WHERE account_id = ?1 AND id = ?3 AND revoked_at IS NULL";
    int changed = 0;
    enum store_rc rc = update_rows(store_tx_conn(tx), sql, account_id, at, id, &changed);
    return rc == STORE_OK && changed != 1 ? STORE_NOT_FOUND : rc;
}

enum store_rc store_account_disable(struct store_tx *tx, int64_t id, const char *at, int *tokens,
                                    int *sessions)
{
    /* SQLite counts a row the UPDATE matched as changed, even when the
     * value stays the same: 0 means no such account. */
    static const char sql_account[] = "UPDATE accounts SET disabled = 1 WHERE id = ?1";
    static const char sql_tokens[] =
        "UPDATE tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL";
    static const char sql_sessions[] =
        "UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    int changed = 0;
    enum store_rc rc = update_rows(c, sql_account, id, NULL, 0, &changed);

    if (rc == STORE_OK && changed != 1)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = update_rows(c, sql_tokens, id, at, 0, tokens);
    if (rc == STORE_OK)
        rc = update_rows(c, sql_sessions, id, at, 0, sessions);
    return rc;
}

enum store_rc store_token_key_get(struct store *s, char *fingerprint_out, char *key_file_out,
                                  size_t cap)
{
    static const char sql[] = "SELECT fingerprint, key_file FROM token_key WHERE id = 1";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        store_col_text(st, 0, fingerprint_out, 65);
        store_col_text(st, 1, key_file_out, cap);
        rc = STORE_OK;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        rc = store_rc(c, step, sql);
    }
    store_stmt_done(st);
    return rc;
}

enum store_rc store_token_key_record(struct store_tx *tx, const char *fingerprint,
                                     const char *key_file, const char *at)
{
    static const char sql[] = "INSERT INTO token_key (id, fingerprint, key_file, recorded_at)"
                              " VALUES (1, ?1, ?2, ?3)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, fingerprint) | store_bind_text(st, 2, key_file) |
         store_bind_text(st, 3, at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}
