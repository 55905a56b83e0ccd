/*
 * Passwords and their resets on the database layer (db.h): the same
 * queries on SQLite and PostgreSQL.  A reset code is kept only as its
 * keyed hash (as a token is); it works once, until its expiry, for an
 * account that is not disabled.
 */
#include "db.h"

#include <string.h>

enum store_rc store_account_by_email_any(struct store *s, const char *email, int64_t *id,
                                         bool *has_password)
{
    static const char sql[] =
        "SELECT id, CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END FROM accounts"
        " WHERE email = ?1 AND disabled = 0";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum db_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, email);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_int64(st, 0);
        *has_password = db_col_int64(st, 1) != 0;
    }
    db_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_OK ? STORE_NOT_FOUND : db_store_rc(rc);
}

enum store_rc store_password_hash_of(struct store *s, int64_t account_id, char *out, size_t cap)
{
    static const char sql[] = "SELECT password_hash FROM accounts"
                              " WHERE id = ?1 AND disabled = 0 AND password_hash IS NOT NULL";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum db_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    rc = db_step(st);
    if (rc == DB_ROW)
        db_col_text_copy(st, 0, out, cap);
    db_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_OK ? STORE_NOT_FOUND : db_store_rc(rc);
}

enum store_rc store_reset_add(struct store_tx *tx, int64_t account_id,
                              const unsigned char code_hash[TOKEN_HASH_LEN], const char *created_at,
                              const char *expires_at)
{
    /* A newer code replaces the account's older ones. */
    static const char sql_old[] = "UPDATE password_resets SET used_at = ?2"
                                  " WHERE account_id = ?1 AND used_at IS NULL";
    static const char sql[] = "INSERT INTO password_resets (account_id, code_hash, created_at,"
                              " expires_at) VALUES (?1, ?2, ?3, ?4)";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st = db_prepare(d, sql_old);
    enum db_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_text(st, 2, created_at);
    rc = db_exec(st);
    if (rc != DB_OK)
        return db_store_rc(rc);
    if ((st = db_prepare(d, sql)) == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_blob(st, 2, code_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 3, created_at);
    db_bind_text(st, 4, expires_at);
    return db_store_rc(db_exec(st));
}

enum store_rc store_reset_take(struct store_tx *tx, const unsigned char code_hash[TOKEN_HASH_LEN],
                               const char *now, int64_t *account_id)
{
    static const char sql[] =
        "UPDATE password_resets SET used_at = ?2"
        " WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2"
        " AND account_id IN (SELECT id FROM accounts WHERE disabled = 0) RETURNING account_id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    enum db_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_blob(st, 1, code_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 2, now);
    rc = db_step(st);
    if (rc == DB_ROW)
        *account_id = db_col_int64(st, 0);
    db_done(st);
    return rc == DB_ROW ? STORE_OK : rc == DB_OK ? STORE_NOT_FOUND : db_store_rc(rc);
}

enum store_rc store_password_replace(struct store_tx *tx, int64_t account_id, const char *hash,
                                     const unsigned char keep[TOKEN_HASH_LEN], const char *at,
                                     int *sessions)
{
    static const char sql_pw[] = "UPDATE accounts SET password_hash = ?2 WHERE id = ?1";
    static const char sql_end[] = "UPDATE sessions SET revoked_at = ?2"
                                  " WHERE account_id = ?1 AND revoked_at IS NULL";
    static const char sql_end_but[] = "UPDATE sessions SET revoked_at = ?2"
                                      " WHERE account_id = ?1 AND revoked_at IS NULL"
                                      " AND token_hash <> ?3";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st = db_prepare(d, sql_pw);
    enum db_rc rc;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_text(st, 2, hash);
    rc = db_exec(st);
    if (rc != DB_OK)
        return db_store_rc(rc);
    if ((st = db_prepare(d, keep ? sql_end_but : sql_end)) == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_text(st, 2, at);
    if (keep)
        db_bind_blob(st, 3, keep, TOKEN_HASH_LEN);
    rc = db_step(st);
    int64_t n = rc == DB_OK ? db_changes(st) : 0;
    db_done(st);
    if (rc != DB_OK)
        return db_store_rc(rc);
    if (sessions)
        *sessions = (int)n;
    return STORE_OK;
}
