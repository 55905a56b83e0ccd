/*
 * Web sign-in: passwords (as Argon2id hashes) and browser sessions.
 */
#include "store_impl.h"

#include <sodium.h>
#include <string.h>

#define SESSION_ACCOUNT_COLUMNS                                                                    \
    "a.id, a.role, a.name, a.uscc, a.unit, a.authority, a.created_at, a.email, a.direct"
/* The first column after them. */
#define NEXT 9

static void account_cols(sqlite3_stmt *st, struct account *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, a->role, sizeof a->role);
    store_col_text(st, 2, a->name, sizeof a->name);
    store_col_text(st, 3, a->uscc, sizeof a->uscc);
    store_col_text(st, 4, a->unit, sizeof a->unit);
    store_col_text(st, 5, a->authority, sizeof a->authority);
    store_col_text(st, 6, a->created_at, sizeof a->created_at);
    store_col_text(st, 7, a->email, sizeof a->email);
    a->direct = sqlite3_column_int(st, 8) != 0;
}

enum store_rc store_account_set_password(struct store_tx *tx, int64_t id, const char *hash)
{
    static const char sql[] = "UPDATE accounts SET password_hash = ?2 WHERE id = ?1";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, id) | store_bind_text(st, 2, hash)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK && sqlite3_changes(store_conn_db(c)) != 1)
        rc = STORE_NOT_FOUND;
    store_stmt_done(st);
    return rc;
}

enum store_rc store_account_by_email(struct store *s, const char *email, struct account *out,
                                     char *hash_out, size_t cap)
{
    static const char sql[] = "SELECT " SESSION_ACCOUNT_COLUMNS ", a.password_hash"
                              " FROM accounts a WHERE a.email = ?1 AND a.disabled = 0";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (store_bind_text(st, 1, email) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        account_cols(st, out);
        store_col_text(st, NEXT, hash_out, cap);
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

enum store_rc store_account_uscc_taken(struct store_tx *tx, const char *uscc, bool *taken)
{
    static const char sql[] = "SELECT EXISTS (SELECT 1 FROM accounts WHERE uscc = ?1)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    int64_t n = 0;
    enum store_rc rc = store_one_int(c, st, sql, st ? store_bind_text(st, 1, uscc) : SQLITE_OK, &n);
    *taken = n != 0;
    return rc;
}

enum store_rc store_session_add(struct store_tx *tx, int64_t account_id,
                                const unsigned char token_hash[TOKEN_HASH_LEN], const char *csrf,
                                const char *created_at, const char *expires_at)
{
    static const char sql[] = "INSERT INTO sessions (account_id, token_hash, csrf, created_at,"
                              " expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_int64(st, 1, account_id) |
         sqlite3_bind_blob(st, 2, token_hash, TOKEN_HASH_LEN, SQLITE_STATIC) |
         store_bind_text(st, 3, csrf) | store_bind_text(st, 4, created_at) |
         store_bind_text(st, 5, expires_at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}

enum store_rc store_session_find(struct store *s, const unsigned char token_hash[TOKEN_HASH_LEN],
                                 const char *now, struct account *out, char *csrf_out)
{
    static const char sql[] =
        "SELECT " SESSION_ACCOUNT_COLUMNS ", s.csrf, s.token_hash FROM sessions s"
        " JOIN accounts a ON a.id = s.account_id"
        " WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2"
        " AND a.disabled = 0";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_NOT_FOUND;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN, SQLITE_STATIC) |
         store_bind_text(st, 2, now)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        /* As for bearer tokens: decide on a constant-time comparison. */
        const void *stored = sqlite3_column_blob(st, NEXT + 1);
        if (stored && sqlite3_column_bytes(st, NEXT + 1) == TOKEN_HASH_LEN &&
            sodium_memcmp(stored, token_hash, TOKEN_HASH_LEN) == 0) {
            account_cols(st, out);
            store_col_text(st, NEXT, csrf_out, 64);
            rc = STORE_OK;
        }
    } else if (step != SQLITE_DONE) {
        rc = store_rc(c, step, sql);
    }
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_session_revoke(struct store_tx *tx,
                                   const unsigned char token_hash[TOKEN_HASH_LEN], const char *at)
{
    static const char sql[] =
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN, SQLITE_STATIC) |
         store_bind_text(st, 2, at)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    store_stmt_done(st);
    return rc;
}
