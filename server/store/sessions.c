/*
 * Web sign-in: passwords (as Argon2id hashes) and browser sessions.
 */
#include "db.h"

#include <sodium.h>
#include <string.h>

#define SESSION_ACCOUNT_COLUMNS ACCOUNT_COLUMNS_OF("a.")
#define NEXT                    ACCOUNT_NEXT_COLUMN

enum store_rc store_account_set_password(struct store_tx *tx, int64_t id, const char *hash)
{
    static const char sql[] = "UPDATE accounts SET password_hash = ?2 WHERE id = ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t changed = 0;
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, hash);
    rc = db_store_rc(db_exec_changes(st, &changed));
    return rc == STORE_OK && changed != 1 ? STORE_NOT_FOUND : rc;
}

enum store_rc store_account_by_email(struct store *s, const char *email, struct account *out,
                                     char *hash_out, size_t cap)
{
    static const char sql[] = "SELECT " SESSION_ACCOUNT_COLUMNS ", a.password_hash"
                              " FROM accounts a WHERE a.email = ?1 AND a.disabled = 0";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, email);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        store_account_from_row(st, out);
        db_col_text_copy(st, NEXT, hash_out, cap);
    }
    db_done(st);
    return rc;
}

enum store_rc store_account_uscc_taken(struct store_tx *tx, const char *uscc, bool *taken)
{
    static const char sql[] = "SELECT EXISTS (SELECT 1 FROM accounts WHERE uscc = ?1)";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    int64_t n = 0;
    enum store_rc rc;

    if (st != NULL)
        db_bind_text(st, 1, uscc);
    rc = db_store_rc(db_one_int64(st, &n));
    *taken = n != 0;
    return rc;
}

enum store_rc store_session_add(struct store_tx *tx, int64_t account_id,
                                const unsigned char token_hash[TOKEN_HASH_LEN], const char *csrf,
                                const char *created_at, const char *expires_at)
{
    static const char sql[] = "INSERT INTO sessions (account_id, token_hash, csrf, created_at,"
                              " expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, account_id);
    db_bind_blob(st, 2, token_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 3, csrf);
    db_bind_text(st, 4, created_at);
    db_bind_text(st, 5, expires_at);
    return db_store_rc(db_exec(st));
}

enum store_rc store_session_find(struct store *s, const unsigned char token_hash[TOKEN_HASH_LEN],
                                 const char *now, struct account *out, char *csrf_out)
{
    static const char sql[] =
        "SELECT " SESSION_ACCOUNT_COLUMNS ", s.csrf, s.token_hash FROM sessions s"
        " JOIN accounts a ON a.id = s.account_id"
        " WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2"
        " AND a.disabled = 0";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;
    const void *stored;
    size_t n = 0;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 2, now);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        /* As for bearer tokens: decide on a constant-time comparison. */
        stored = db_col_blob(st, NEXT + 1, &n);
        if (stored == NULL || n != TOKEN_HASH_LEN ||
            sodium_memcmp(stored, token_hash, TOKEN_HASH_LEN) != 0) {
            rc = STORE_NOT_FOUND;
        } else {
            store_account_from_row(st, out);
            db_col_text_copy(st, NEXT, csrf_out, 64);
        }
    }
    db_done(st);
    return rc;
}

enum store_rc store_session_revoke(struct store_tx *tx,
                                   const unsigned char token_hash[TOKEN_HASH_LEN], const char *at)
{
    static const char sql[] =
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 2, at);
    return db_store_rc(db_exec(st));
}
