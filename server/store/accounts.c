/*
 * Accounts.  A bearer token is kept only as its hash (in tokens, see
 * tokens.c); finding an account by token is an indexed lookup on that
 * hash, confirmed in constant time.
 */
#include "store_impl.h"

#include <sodium.h>

/* Columns read by every query below, in this order.  uscc, unit and
 * authority are NULL unless the role binds them; the struct says "". */
#define ACCOUNT_COLUMNS "id, role, name, uscc, unit, authority, created_at, email, direct"
/* The column after them in a query that selects more. */
#define ACCOUNT_NEXT_COLUMN 9

static void account_from_row(sqlite3_stmt *st, struct account *a)
{
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

enum store_rc store_account_add(struct store_tx *tx, struct account *a)
{
    /* token_hash is a column of the first schema that nothing reads any
     * more (migration 0006): random bytes no token hashes to. */
    static const char sql[] =
        "INSERT INTO accounts (role, name, uscc, unit, authority, token_hash, created_at, email,"
        " direct) VALUES (?1, ?2, ?3, ?4, ?5, randomblob(32), ?6, ?7, ?8)";
    struct conn *c = store_tx_conn(tx);
    sqlite3_stmt *st = store_stmt(c, sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    if ((store_bind_text(st, 1, a->role) | store_bind_text(st, 2, a->name) |
         store_bind_opt(st, 3, a->uscc) | store_bind_opt(st, 4, a->unit) |
         store_bind_opt(st, 5, a->authority) | store_bind_text(st, 6, a->created_at) |
         store_bind_opt(st, 7, a->email) | sqlite3_bind_int(st, 8, a->direct)) != SQLITE_OK)
        rc = store_rc(c, SQLITE_ERROR, sql);
    else
        rc = store_rc(c, sqlite3_step(st), sql);
    if (rc == STORE_OK)
        a->id = sqlite3_last_insert_rowid(store_conn_db(c));
    store_stmt_done(st);
    return rc;
}

enum store_rc store_account_by_token(struct store *s,
                                     const unsigned char token_hash[TOKEN_HASH_LEN],
                                     const char *today, struct account *out)
{
    /* The subquery names only its own columns, so ACCOUNT_COLUMNS stay
     * the account's. */
    static const char sql[] =
        "SELECT " ACCOUNT_COLUMNS ", live_hash FROM accounts"
        " JOIN (SELECT account_id, token_hash AS live_hash FROM tokens"
        "       WHERE token_hash = ?1 AND revoked_at IS NULL"
        "       AND (expires_on IS NULL OR expires_on >= ?2)) ON account_id = id"
        " WHERE disabled = 0";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc = STORE_NOT_FOUND;
    const void *stored;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if ((sqlite3_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN, SQLITE_STATIC) |
         store_bind_text(st, 2, today)) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        goto out;
    if (step != SQLITE_ROW) {
        rc = store_rc(c, step, sql);
        goto out;
    }
    /* The index lookup compared with memcmp, whose timing depends on where
     * the bytes differ; decide on a comparison that does not. */
    stored = sqlite3_column_blob(st, ACCOUNT_NEXT_COLUMN);
    if (stored == NULL || sqlite3_column_bytes(st, ACCOUNT_NEXT_COLUMN) != TOKEN_HASH_LEN ||
        sodium_memcmp(stored, token_hash, TOKEN_HASH_LEN) != 0)
        goto out;
    account_from_row(st, out);
    rc = STORE_OK;
out:
    store_stmt_done(st);
    return rc;
}

enum store_rc store_account_get(struct store *s, int64_t id, struct account *out)
{
    static const char sql[] = "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1";
    struct conn *c = store_reader(s);
    sqlite3_stmt *st = c ? store_stmt(c, sql) : NULL;
    enum store_rc rc;
    int step;

    if (st == NULL)
        return STORE_ERROR;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
        rc = store_rc(c, SQLITE_ERROR, sql);
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        account_from_row(st, out);
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
