/*
 * Accounts.  A bearer token is kept only as its hash (in tokens, see
 * tokens.c); finding an account by token is an indexed lookup on that
 * hash, confirmed in constant time.
 */
#include "db.h"

#include <sodium.h>
#include <string.h>

/* Columns read by every query below, in this order.  uscc, unit and
 * authority are NULL unless the role binds them; the struct says "". */
#define ACCOUNT_COLUMNS ACCOUNT_COLUMNS_OF("")

void store_account_from_row(struct db_stmt *st, struct account *a)
{
    memset(a, 0, sizeof *a);
    a->id = db_col_int64(st, 0);
    db_col_text_copy(st, 1, a->role, sizeof a->role);
    db_col_text_copy(st, 2, a->name, sizeof a->name);
    db_col_text_copy(st, 3, a->uscc, sizeof a->uscc);
    db_col_text_copy(st, 4, a->unit, sizeof a->unit);
    db_col_text_copy(st, 5, a->authority, sizeof a->authority);
    db_col_text_copy(st, 6, a->created_at, sizeof a->created_at);
    db_col_text_copy(st, 7, a->email, sizeof a->email);
    a->direct = db_col_int64(st, 8) != 0;
}

enum store_rc store_account_add(struct store_tx *tx, struct account *a)
{
    /* token_hash is a column of the first schema that nothing reads any
     * more (migration 0006): random bytes no token hashes to, made here so
     * that one text serves both dialects. */
    static const char sql[] =
        "INSERT INTO accounts (role, name, uscc, unit, authority, token_hash, created_at, email,"
        " direct) VALUES (?1, ?2, ?3, ?4, ?5, ?8, ?6, ?7, ?9) RETURNING id";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);
    unsigned char filler[TOKEN_HASH_LEN];

    if (st == NULL)
        return STORE_ERROR;
    randombytes_buf(filler, sizeof filler);
    db_bind_text(st, 1, a->role);
    db_bind_text(st, 2, a->name);
    db_bind_opt(st, 3, a->uscc);
    db_bind_opt(st, 4, a->unit);
    db_bind_opt(st, 5, a->authority);
    db_bind_text(st, 6, a->created_at);
    db_bind_opt(st, 7, a->email);
    db_bind_blob(st, 8, filler, sizeof filler);
    db_bind_int64(st, 9, a->direct ? 1 : 0);
    return db_store_rc(db_one_int64(st, &a->id));
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
        "       AND (expires_on IS NULL OR expires_on >= ?2)) AS live ON account_id = id"
        " WHERE disabled = 0";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;
    const void *stored;
    size_t n = 0;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_blob(st, 1, token_hash, TOKEN_HASH_LEN);
    db_bind_text(st, 2, today);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK) {
        /* The index lookup compared with memcmp, whose timing depends on
         * where the bytes differ; decide on a comparison that does not. */
        stored = db_col_blob(st, ACCOUNT_NEXT_COLUMN, &n);
        if (stored == NULL || n != TOKEN_HASH_LEN ||
            sodium_memcmp(stored, token_hash, TOKEN_HASH_LEN) != 0)
            rc = STORE_NOT_FOUND;
        else
            store_account_from_row(st, out);
    }
    db_done(st);
    return rc;
}

enum store_rc store_account_get(struct store *s, int64_t id, struct account *out)
{
    static const char sql[] = "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1";
    struct db_stmt *st = db_prepare(store_db(s), sql);
    enum store_rc rc;

    if (st == NULL)
        return STORE_ERROR;
    db_bind_int64(st, 1, id);
    rc = db_row_rc(db_step(st));
    if (rc == STORE_OK)
        store_account_from_row(st, out);
    db_done(st);
    return rc;
}
