/*
 * Tokens (each a row with a name, an optional last day and a revocation
 * time), disabling an account, and the fingerprint of the token key.
 * Finding the account of a token is store_account_by_token() in
 * accounts.c, beside the other account queries.
 */
#include "db.h"

#include <string.h>

enum store_rc store_token_add(struct store_tx *tx, struct token_row *t,
                              const unsigned char token_hash[TOKEN_HASH_LEN])
{
    static const char sql[] = "INSERT INTO tokens (account_id, name, token_hash, created_at,"
                              " expires_on) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, t->account_id);
    db_bind_text(st, 2, t->name);
    db_bind_blob(st, 3, token_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 4, t->created_at);
    db_bind_opt(st, 5, t->expires_on);
    return db_store_rc(db_one_int64(st, &t->id));
}

enum store_rc store_tokens_of(struct store *s, int64_t account_id,
                              void (*fn)(const struct token_row *t, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT id, name, created_at, expires_on FROM tokens"
                              " WHERE account_id = ?1 AND revoked_at IS NULL ORDER BY id";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum db_rc step;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    while ((step = db_step(st)) == DB_ROW) {
        struct token_row t = {
            .id = db_col_int64(st, 0),
            .account_id = account_id,
            .name = db_col_text(st, 1),
            .created_at = db_col_text(st, 2),
            .expires_on = db_col_text(st, 3),
        };
        if (t.name == NULL || t.created_at == NULL) {
            db_log(NULL, "tokens: a row without its name or creation time");
            step = DB_ERROR;
            break;
        }
        fn(&t, ctx);
    }
    db_done(st);
    return db_store_rc(step);
}

enum store_rc store_tokens_count(struct store_tx *tx, int64_t account_id, int64_t *n)
{
    static const char sql[] =
        "SELECT count(*) FROM tokens WHERE account_id = ?1 AND revoked_at IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st != NULL)
        db_bind_int64(st, 1, account_id);
    return db_store_rc(db_one_int64(st, n));
}

/* Runs an UPDATE whose parameters are an id, a time (unless `at` is NULL)
 * and another id (unless `other` is 0); *changed (may be NULL) receives how
 * many rows it changed. */
static enum store_rc update_rows(struct db *d, const char *sql, int64_t id, const char *at,
                                 int64_t other, int *changed)
{
    struct db_stmt *st = db_prepare(d, sql);
    int64_t n = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    if (at != NULL)
        db_bind_text(st, 2, at);
    if (other != 0)
        db_bind_int64(st, 3, other);
    rc = db_store_rc(db_exec_changes(st, &n));
    if (rc == STORE_OK && changed != NULL)
        *changed = (int)n;
    return rc;
}

enum store_rc store_token_revoke(struct store_tx *tx, int64_t account_id, int64_t id,
                                 const char *at)
{
    static const char sql[] = "UPDATE tokens SET revoked_at = ?2"
                              " WHERE account_id = ?1 AND id = ?3 AND revoked_at IS NULL";
    int changed = 0;
    enum store_rc rc = update_rows(store_tx_db(tx), sql, account_id, at, id, &changed);
    return rc == STORE_OK && changed != 1 ? STORE_NOT_FOUND : rc;
}

enum store_rc store_account_disable(struct store_tx *tx, int64_t id, const char *at, int *tokens,
                                    int *sessions)
{
    /* Both engines count a row the UPDATE matched as changed, even when the
     * value stays the same: 0 means no such account. */
    static const char sql_account[] = "UPDATE accounts SET disabled = 1 WHERE id = ?1";
    static const char sql_tokens[] =
        "UPDATE tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL";
    static const char sql_sessions[] =
        "UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL";
    struct db *d = store_tx_db(tx);
    int changed = 0;
    enum store_rc rc = update_rows(d, sql_account, id, NULL, 0, &changed);

    if (rc == STORE_OK && changed != 1)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = update_rows(d, sql_tokens, id, at, 0, tokens);
    if (rc == STORE_OK)
        rc = update_rows(d, sql_sessions, id, at, 0, sessions);
    return rc;
}

enum store_rc store_token_key_get(struct store *s, char *fingerprint_out, char *key_file_out,
                                  size_t cap)
{
    static const char sql[] = "SELECT fingerprint, key_file FROM token_key WHERE id = 1";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        db_col_text_copy(st, 0, fingerprint_out, 65);
        db_col_text_copy(st, 1, key_file_out, cap);
    }
    db_done(st);
    return rc;
}

/* A recorded key is an answer (STORE_CONFLICT) inside a transaction that
 * goes on: DO NOTHING keeps it usable on PostgreSQL. */
enum store_rc store_token_key_record(struct store_tx *tx, const char *fingerprint,
                                     const char *key_file, const char *at)
{
    static const char sql[] = "INSERT INTO token_key (id, fingerprint, key_file, recorded_at)"
                              " VALUES (1, ?1, ?2, ?3) ON CONFLICT DO NOTHING";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t changed = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, fingerprint);
    db_bind_text(st, 2, key_file);
    db_bind_text(st, 3, at);
    rc = db_store_rc(db_exec_changes(st, &changed));
    return rc == STORE_OK && changed != 1 ? STORE_CONFLICT : rc;
}
