/*
 * Idempotency keys: the first answer to a request sent with a key, kept
 * under the key and the caller for a retry.  On the database layer (db.h),
 * so on SQLite and PostgreSQL alike: the upsert below is both dialects'.
 */
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void idem_answer_release(struct idem_answer *answer)
{
    free(answer->body);
    answer->body = NULL;
    answer->body_len = 0;
}

#define IDEM_FIND_SQL                                                                              \
    "SELECT fingerprint, status, started_at, content_type, location, etag, body"                   \
    " FROM idempotency_keys WHERE scope = ?1 AND key = ?2 AND expires_at > ?3"

/* Runs st (IDEM_FIND_SQL) for q at now and says what the row found means;
 * gives st back. */
static enum store_rc find_on(struct db_stmt *st, const struct idem_request *q, const char *now,
                             const char *stale_before, enum idem_found *found,
                             struct idem_answer *answer)
{
    enum store_rc rc = STORE_OK;

    *found = IDEM_NONE;
    db_bind_text(st, 1, q->scope);
    db_bind_text(st, 2, q->key);
    db_bind_text(st, 3, now);
    enum db_rc step = db_step(st);
    if (step != DB_ROW) {
        rc = step == DB_OK ? STORE_OK : db_store_rc(step);
        goto out;
    }
    size_t n = 0;
    const void *fp = db_col_blob(st, 0, &n);
    if (!fp || n != IDEM_FINGERPRINT_LEN ||
        sodium_memcmp(fp, q->fingerprint, IDEM_FINGERPRINT_LEN) != 0) {
        *found = IDEM_OTHER;
        goto out;
    }
    if (db_col_null(st, 1)) {
        char started[40];
        db_col_text_copy(st, 2, started, sizeof started);
        /* Running, unless it began so long ago that its server must have
         * stopped before answering: then the key is free again. */
        *found = strcmp(started, stale_before) > 0 ? IDEM_RUNNING : IDEM_NONE;
        goto out;
    }
    memset(answer, 0, sizeof *answer);
    answer->status = (unsigned)db_col_int64(st, 1);
    db_col_text_copy(st, 3, answer->content_type, sizeof answer->content_type);
    db_col_text_copy(st, 4, answer->location, sizeof answer->location);
    db_col_text_copy(st, 5, answer->etag, sizeof answer->etag);
    const void *body = db_col_blob(st, 6, &n);
    answer->body = malloc(n + 1);
    if (!answer->body) {
        db_log(NULL, "idempotency: out of memory reading an answer");
        rc = STORE_ERROR;
        goto out;
    }
    if (n > 0)
        memcpy(answer->body, body, n);
    answer->body[n] = '\0';
    answer->body_len = n;
    *found = IDEM_ANSWERED;
out:
    db_done(st);
    return rc;
}

enum store_rc store_idem_find(struct store *s, const struct idem_request *q, const char *now,
                              const char *stale_before, enum idem_found *found,
                              struct idem_answer *answer)
{
    static const char sql[] = IDEM_FIND_SQL;
    struct db_stmt *st = db_prepare(store_db(s), sql);

    *found = IDEM_NONE;
    if (st == NULL)
        return STORE_ERROR;
    return find_on(st, q, now, stale_before, found, answer);
}

enum store_rc store_idem_claim(struct store_tx *tx, const struct idem_request *q, const char *now,
                               const char *stale_before, const char *expires_at,
                               enum idem_found *found, struct idem_answer *answer)
{
    static const char find[] = IDEM_FIND_SQL;
    /* An expired record, or a running one whose server stopped, gives way. */
    static const char claim[] =
        "INSERT INTO idempotency_keys (scope, key, fingerprint, started_at, expires_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint,"
        " started_at = excluded.started_at, expires_at = excluded.expires_at, status = NULL,"
        " content_type = NULL, location = NULL, etag = NULL, body = NULL";
    struct db *d = store_tx_db(tx);
    struct db_stmt *st = db_prepare(d, find);

    *found = IDEM_NONE;
    if (st == NULL)
        return STORE_ERROR;
    enum store_rc rc = find_on(st, q, now, stale_before, found, answer);
    if (rc != STORE_OK || *found != IDEM_NONE)
        return rc;

    st = db_prepare(d, claim);
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, q->scope);
    db_bind_text(st, 2, q->key);
    db_bind_blob(st, 3, q->fingerprint, IDEM_FINGERPRINT_LEN);
    db_bind_text(st, 4, now);
    db_bind_text(st, 5, expires_at);
    return db_store_rc(db_exec(st));
}

enum store_rc store_idem_answer(struct store_tx *tx, const struct idem_request *q,
                                const struct idem_answer *a)
{
    static const char sql[] =
        "UPDATE idempotency_keys SET status = ?4, content_type = ?5, location = ?6, etag = ?7,"
        " body = ?8 WHERE scope = ?1 AND key = ?2 AND fingerprint = ?3 AND status IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, q->scope);
    db_bind_text(st, 2, q->key);
    db_bind_blob(st, 3, q->fingerprint, IDEM_FINGERPRINT_LEN);
    db_bind_int64(st, 4, a->status);
    db_bind_text(st, 5, a->content_type);
    db_bind_opt(st, 6, a->location);
    db_bind_opt(st, 7, a->etag);
    db_bind_blob(st, 8, a->body ? a->body : "", a->body_len);
    enum db_rc step = db_step(st);
    int64_t changed = step == DB_OK ? db_changes(st) : 0;
    db_done(st);
    if (step != DB_OK)
        return db_store_rc(step);
    /* No row: another server took the key over meanwhile, taking this
     * request for one that had stopped.  Its answer stands. */
    return changed == 1 ? STORE_OK : STORE_NOT_FOUND;
}

enum store_rc store_idem_release(struct store_tx *tx, const struct idem_request *q)
{
    static const char sql[] = "DELETE FROM idempotency_keys"
                              " WHERE scope = ?1 AND key = ?2 AND fingerprint = ?3"
                              " AND status IS NULL";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, q->scope);
    db_bind_text(st, 2, q->key);
    db_bind_blob(st, 3, q->fingerprint, IDEM_FINGERPRINT_LEN);
    return db_store_rc(db_exec(st));
}

enum store_rc store_idem_purge(struct store_tx *tx, const char *now, int64_t *n)
{
    static const char sql[] = "DELETE FROM idempotency_keys WHERE expires_at <= ?1";
    struct db_stmt *st = db_prepare(store_tx_db(tx), sql);

    if (n)
        *n = 0;
    if (st == NULL)
        return STORE_ERROR;
    db_bind_text(st, 1, now);
    enum db_rc step = db_step(st);
    if (step == DB_OK && n)
        *n = db_changes(st);
    db_done(st);
    return db_store_rc(step);
}
