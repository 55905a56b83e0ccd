/*
 * The database layer on PostgreSQL through libpq.
 *
 * Statements are named prepared statements of the extended protocol
 * (PQprepare once per connection, PQexecPrepared per run), their SQL
 * translated from ?N to $N and their parameter types inferred by the
 * server.  Parameters go as text (integers in decimal, which the server
 * parses by the inferred type) except blobs, which go in binary format:
 * bytea's binary form is the bytes themselves, so nothing is escaped.
 * Results are read whole (PQexecPrepared) in text format; bytea columns
 * arrive as hex and are decoded when read.  A result is held in memory
 * until db_done(), so a query's rows must be bounded (listings have
 * LIMIT; walks over a whole table read in pages of ids, see
 * docs/POSTGRESQL.md), and a value too large for one result (a material)
 * is streamed in pieces through db_blob_*.
 *
 * SQLSTATEs: 23505 (unique_violation) is DB_CONFLICT; 40001
 * (serialization_failure) and 40P01 (deadlock_detected) are DB_RETRY.
 */
#include "db_impl.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type oids (pg_type.h's BYTEAOID and TEXTOID, fixed since PostgreSQL 7). */
#define PG_BYTEA_OID 17
#define PG_TEXT_OID  25

struct pg_db {
    struct db base;
    PGconn *conn;
    unsigned next_name; /* statements are named s1, s2, … */
    char msg[512];      /* the last error's message */
};

struct pg_stmt {
    struct db_stmt base;
    char name[16];
    int nparams;
    const char **values;
    int *lengths;
    int *formats;
    char (*nums)[24]; /* integers bound, as text */
    PGresult *res;
    int row; /* the current row, -1 before the first */
    int nrows;
    int ncols;
    unsigned char **decoded; /* bytea columns of the current row, decoded */
    size_t *decoded_len;
};

struct pg_blob {
    struct db_blob base;
    char sql[200]; /* writing: the insert of a piece; reading: the read of one */
    int64_t id;
    int64_t size;
    int64_t done; /* written so far */
    unsigned char *buf;
    size_t fill;
    bool writing;
    bool own_tx; /* a reader's snapshot transaction, ended by close */
};

static const struct db_backend *const backend = &db_pg_backend;

static struct pg_db *pgd(struct db *d)
{
    return (struct pg_db *)d;
}

static struct pg_stmt *pgs(struct db_stmt *st)
{
    return (struct pg_stmt *)st;
}

/* Keeps the message of a failure on one line (the server's runs over
 * several: ERROR, DETAIL, LINE and a caret). */
static void keep_msg(struct pg_db *d, const char *m)
{
    size_t n = 0;

    for (; m != NULL && *m && n + 1 < sizeof d->msg; m++) {
        char c = *m == '\n' || *m == '\t' ? ' ' : *m;
        if (c == ' ' && (n == 0 || d->msg[n - 1] == ' '))
            continue;
        d->msg[n++] = c;
    }
    while (n > 0 && d->msg[n - 1] == ' ')
        n--;
    d->msg[n] = '\0';
}

/* The layer's code for a result (NULL: no result at all, the connection's
 * message says why). */
static enum db_rc result_rc(struct pg_db *d, const PGresult *res)
{
    const char *state;

    if (res == NULL) {
        keep_msg(d, PQerrorMessage(d->conn));
        return DB_ERROR;
    }
    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
        return DB_OK;
    default:
        break;
    }
    keep_msg(d, PQresultErrorMessage(res));
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL)
        return DB_ERROR;
    if (strcmp(state, "23505") == 0)
        return DB_CONFLICT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return DB_RETRY;
    return DB_ERROR;
}

/* Notices ("relation already exists, skipping") are not errors. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

struct db *db_pg_open(const char *uri, unsigned flags, char *err, size_t errlen)
{
    /* The URI says everything; the name only shows in pg_stat_activity
     * when the URI gives none. */
    static const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *values[] = {uri, "shenbao", NULL};
    struct pg_db *d = NULL;
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    PGresult *res = NULL;

    if (conn == NULL) {
        snprintf(err, errlen, "out of memory connecting to PostgreSQL");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
        goto fail;
    }
    PQsetNoticeProcessor(conn, quiet, NULL);
    if (PQsetClientEncoding(conn, "UTF8") != 0) {
        snprintf(err, errlen, "PostgreSQL: cannot use UTF-8: %s", PQerrorMessage(conn));
        goto fail;
    }
    res = PQexec(conn, (flags & DB_READONLY) ? "SET TIME ZONE 'UTC';"
                                               " SET default_transaction_read_only = on"
                                             : "SET TIME ZONE 'UTC'");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "PostgreSQL: cannot set up the session: %s", PQerrorMessage(conn));
        goto fail;
    }
    PQclear(res);
    res = NULL;
    d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    db_init(&d->base, backend);
    d->conn = conn;
    return &d->base;
fail:
    PQclear(res);
    PQfinish(conn);
    return NULL;
}

static void pg_close(struct db *d)
{
    db_cache_clear(d);
    PQfinish(pgd(d)->conn);
    free(d);
}

/* ---- statements -------------------------------------------------------- */

static void clear_row(struct pg_stmt *s)
{
    if (s->decoded == NULL)
        return;
    for (int i = 0; i < s->ncols; i++) {
        PQfreemem(s->decoded[i]);
        s->decoded[i] = NULL;
    }
}

static void pg_finalize(struct db_stmt *st)
{
    struct pg_stmt *s = pgs(st);

    clear_row(s);
    PQclear(s->res);
    free(s->decoded);
    free(s->decoded_len);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->nums);
    free(s);
}

static struct db_stmt *pg_prepare(struct db *base, const char *sql)
{
    struct pg_db *d = pgd(base);
    size_t len = strlen(sql);
    char *text = malloc(len + 1); /* "?N" and "$N" are as long */
    struct pg_stmt *s = calloc(1, sizeof *s);
    unsigned char *used = calloc(DB_PG_PARAMS_MAX / 8, 1);
    Oid *types = NULL;
    PGresult *res = NULL;
    int n = 0;

    if (text == NULL || s == NULL) {
        keep_msg(d, "out of memory");
        goto fail;
    }
    if (used == NULL || db_pg_translate(sql, text, len + 1, &n, used) != 0) {
        keep_msg(d, used ? "a placeholder is not ?1 … ?65535" : "out of memory");
        goto fail;
    }
    s->nparams = n;
    s->row = -1;
    if (n > 0) {
        s->values = calloc((size_t)n, sizeof *s->values);
        s->lengths = calloc((size_t)n, sizeof *s->lengths);
        s->formats = calloc((size_t)n, sizeof *s->formats);
        s->nums = calloc((size_t)n, sizeof *s->nums);
        if (!s->values || !s->lengths || !s->formats || !s->nums) {
            keep_msg(d, "out of memory");
            goto fail;
        }
    }
    /* A parameter the text never uses (a query that ignores one of the
     * row its caller binds) would have no type the server could infer:
     * it is declared text, bound and ignored. */
    if (n > 0) {
        types = calloc((size_t)n, sizeof *types);
        if (types == NULL) {
            keep_msg(d, "out of memory");
            goto fail;
        }
        for (int i = 0; i < n; i++)
            types[i] = used[i / 8] & (1u << (i % 8)) ? 0 : PG_TEXT_OID;
    }
    snprintf(s->name, sizeof s->name, "s%u", ++d->next_name);
    res = PQprepare(d->conn, s->name, text, n, types);
    if (result_rc(d, res) != DB_OK)
        goto fail;
    PQclear(res);
    free(text);
    free(used);
    free(types);
    return &s->base;
fail:
    PQclear(res);
    free(text);
    free(used);
    free(types);
    if (s != NULL)
        pg_finalize(&s->base);
    return NULL;
}

static int param(struct db_stmt *st, int i)
{
    return i >= 1 && i <= pgs(st)->nparams ? i - 1 : -1;
}

static int pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    struct pg_stmt *s = pgs(st);
    int k = param(st, i);

    if (k < 0)
        return -1;
    snprintf(s->nums[k], sizeof s->nums[k], "%lld", (long long)v);
    s->values[k] = s->nums[k];
    s->formats[k] = 0;
    return 0;
}

static int pg_bind_text(struct db_stmt *st, int i, const char *text)
{
    struct pg_stmt *s = pgs(st);
    int k = param(st, i);

    if (k < 0)
        return -1;
    s->values[k] = text;
    s->formats[k] = 0;
    return 0;
}

static int pg_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    struct pg_stmt *s = pgs(st);
    int k = param(st, i);

    if (k < 0 || n > (size_t)INT32_MAX)
        return -1;
    s->values[k] = n ? p : ""; /* NULL would be SQL NULL */
    s->lengths[k] = (int)n;
    s->formats[k] = 1;
    return 0;
}

static int pg_bind_null(struct db_stmt *st, int i)
{
    return pg_bind_text(st, i, NULL);
}

static enum db_rc pg_step(struct db_stmt *st)
{
    struct pg_stmt *s = pgs(st);
    struct pg_db *d = pgd(st->d);
    enum db_rc rc;

    clear_row(s);
    if (s->res == NULL) {
        s->res = PQexecPrepared(d->conn, s->name, s->nparams, s->values, s->lengths, s->formats, 0);
        rc = result_rc(d, s->res);
        if (rc != DB_OK) {
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
        s->nrows = PQntuples(s->res);
        s->row = -1;
        if (PQnfields(s->res) > s->ncols) {
            int n = PQnfields(s->res);
            unsigned char **dec = realloc(s->decoded, (size_t)n * sizeof *dec);
            size_t *len;
            if (dec == NULL)
                goto oom;
            s->decoded = dec;
            len = realloc(s->decoded_len, (size_t)n * sizeof *len);
            if (len == NULL)
                goto oom;
            s->decoded_len = len;
            for (int i = s->ncols; i < n; i++)
                s->decoded[i] = NULL;
            s->ncols = n;
        }
    }
    if (s->row + 1 >= s->nrows) {
        s->row = s->nrows;
        return DB_OK;
    }
    s->row++;
    return DB_ROW;
oom:
    keep_msg(d, "out of memory");
    return DB_ERROR;
}

static bool on_row(struct pg_stmt *s, int i)
{
    return s->res != NULL && s->row >= 0 && s->row < s->nrows && i >= 0 && i < PQnfields(s->res);
}

static bool pg_col_null(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pgs(st);

    return !on_row(s, i) || PQgetisnull(s->res, s->row, i);
}

static int64_t pg_col_int64(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pgs(st);
    const char *v;

    if (pg_col_null(st, i))
        return 0;
    v = PQgetvalue(s->res, s->row, i);
    /* A boolean (EXISTS, a comparison) reads as SQLite's 0 or 1. */
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pgs(st);

    if (pg_col_null(st, i))
        return NULL;
    return PQgetvalue(s->res, s->row, i);
}

static const void *pg_col_blob(struct db_stmt *st, int i, size_t *n);

static size_t pg_col_bytes(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pgs(st);
    size_t n = 0;

    if (pg_col_null(st, i))
        return 0;
    if (PQftype(s->res, i) == PG_BYTEA_OID) {
        pg_col_blob(st, i, &n);
        return n;
    }
    return (size_t)PQgetlength(s->res, s->row, i);
}

static const void *pg_col_blob(struct db_stmt *st, int i, size_t *n)
{
    struct pg_stmt *s = pgs(st);

    *n = 0;
    if (pg_col_null(st, i))
        return NULL;
    if (PQftype(s->res, i) != PG_BYTEA_OID) {
        *n = (size_t)PQgetlength(s->res, s->row, i);
        return PQgetvalue(s->res, s->row, i);
    }
    if (s->decoded[i] == NULL) {
        s->decoded[i] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i),
                                        &s->decoded_len[i]);
        if (s->decoded[i] == NULL) {
            db_log(NULL, "out of memory reading a bytea column");
            return NULL;
        }
    }
    *n = s->decoded_len[i];
    return s->decoded[i];
}

static const char *pg_col_name(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pgs(st);

    return s->res != NULL && i < PQnfields(s->res) ? PQfname(s->res, i) : NULL;
}

static int64_t pg_changes(struct db_stmt *st)
{
    struct pg_stmt *s = pgs(st);
    const char *n = s->res ? PQcmdTuples(s->res) : "";

    return n[0] ? strtoll(n, NULL, 10) : 0;
}

static void pg_reset(struct db_stmt *st)
{
    struct pg_stmt *s = pgs(st);

    clear_row(s);
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    for (int k = 0; k < s->nparams; k++) {
        s->values[k] = NULL;
        s->lengths[k] = 0;
        s->formats[k] = 0;
    }
}

static enum db_rc pg_exec_script(struct db *base, const char *sql)
{
    PGresult *res = PQexec(pgd(base)->conn, sql);
    enum db_rc rc = result_rc(pgd(base), res);

    PQclear(res);
    return rc;
}

static const char *pg_errmsg(struct db *d)
{
    return pgd(d)->msg;
}

static bool pg_in_transaction(struct db *d)
{
    PGTransactionStatusType t = PQtransactionStatus(pgd(d)->conn);

    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static bool pg_alive(struct db *d)
{
    return PQstatus(pgd(d)->conn) == CONNECTION_OK;
}

/* ---- large values, in pieces ----------------------------------------- */

/* Runs one parameterised command outside the statement cache (the piece
 * tables' names are made at run time). */
static PGresult *run(struct pg_blob *b, int n, const char *const *values, const int *lengths,
                     const int *formats, int result_format)
{
    return PQexecParams(pgd(b->base.d)->conn, b->sql, n, NULL, values, lengths, formats,
                        result_format);
}

static struct db_blob *pg_blob_create(struct db *d, const char *table, const char *column,
                                      int64_t id, int64_t size)
{
    struct pg_blob *b = calloc(1, sizeof *b);

    if (b == NULL || (b->buf = malloc(DB_BLOB_PIECE)) == NULL) {
        free(b);
        db_log(NULL, "out of memory writing a blob");
        return NULL;
    }
    b->base.d = d;
    b->writing = true;
    b->id = id;
    b->size = size;
    snprintf(b->sql, sizeof b->sql, "INSERT INTO %s_%s (owner, seq, data) VALUES ($1, $2, $3)",
             table, column);
    return &b->base;
}

/* Writes the buffered piece as row number done / DB_BLOB_PIECE. */
static enum db_rc flush(struct pg_blob *b)
{
    char owner[24], seq[24];
    const char *values[3] = {owner, seq, (const char *)b->buf};
    int lengths[3] = {0, 0, (int)b->fill};
    int formats[3] = {0, 0, 1};
    PGresult *res;
    enum db_rc rc;

    snprintf(owner, sizeof owner, "%lld", (long long)b->id);
    snprintf(seq, sizeof seq, "%lld", (long long)((b->done - (int64_t)b->fill) / DB_BLOB_PIECE));
    res = run(b, 3, values, lengths, formats, 0);
    rc = result_rc(pgd(b->base.d), res);
    PQclear(res);
    if (rc == DB_ERROR || rc == DB_CONFLICT)
        db_log(b->base.d, "writing a piece of a blob");
    b->fill = 0;
    return rc;
}

static enum db_rc pg_blob_write(struct db_blob *base, const void *p, size_t n)
{
    struct pg_blob *b = (struct pg_blob *)base;
    const unsigned char *from = p;

    if (!b->writing || n > (size_t)(b->size - b->done)) {
        db_log(NULL, "a blob is written past its size");
        return DB_ERROR;
    }
    while (n > 0) {
        size_t take = DB_BLOB_PIECE - b->fill;
        if (take > n)
            take = n;
        memcpy(b->buf + b->fill, from, take);
        b->fill += take;
        b->done += (int64_t)take;
        from += take;
        n -= take;
        if (b->fill == DB_BLOB_PIECE) {
            enum db_rc rc = flush(b);
            if (rc != DB_OK)
                return rc;
        }
    }
    return DB_OK;
}

static struct db_blob *pg_blob_open(struct db *d, const char *table, const char *column, int64_t id,
                                    int64_t *size)
{
    struct pg_blob *b = calloc(1, sizeof *b);
    char owner[24];
    const char *values[1] = {owner};
    PGresult *res = NULL;

    if (b == NULL) {
        db_log(NULL, "out of memory reading a blob");
        return NULL;
    }
    b->base.d = d;
    b->id = id;
    /* Every piece from one snapshot, as SQLite's blob handle reads. */
    if (!pg_in_transaction(d)) {
        if (pg_exec_script(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != DB_OK) {
            db_log(d, "opening a blob");
            goto fail;
        }
        b->own_tx = true;
    }
    snprintf(owner, sizeof owner, "%lld", (long long)id);
    snprintf(b->sql, sizeof b->sql,
             "SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1),"
             " (SELECT coalesce(sum(length(data)), 0) FROM %s_%s WHERE owner = $1)",
             table, table, column);
    res = run(b, 1, values, NULL, NULL, 0);
    if (result_rc(pgd(d), res) != DB_OK || PQntuples(res) != 1) {
        db_log(d, "opening a blob");
        goto fail;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        goto fail; /* no such row: *size stays -1 */
    b->size = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    *size = b->size;
    PQclear(res);
    snprintf(b->sql, sizeof b->sql,
             "SELECT substring(data FROM $3 FOR $4) FROM %s_%s WHERE owner = $1 AND seq = $2",
             table, column);
    return &b->base;
fail:
    PQclear(res);
    if (b->own_tx)
        pg_exec_script(d, "ROLLBACK");
    free(b);
    return NULL;
}

static enum db_rc pg_blob_read(struct db_blob *base, int64_t offset, void *p, size_t n)
{
    struct pg_blob *b = (struct pg_blob *)base;
    unsigned char *to = p;

    if (b->writing || offset < 0 || offset > b->size || n > (size_t)(b->size - offset)) {
        db_log(NULL, "a blob is read past its end");
        return DB_ERROR;
    }
    while (n > 0) {
        int64_t seq = offset / DB_BLOB_PIECE;
        int64_t within = offset % DB_BLOB_PIECE;
        size_t take = (size_t)(DB_BLOB_PIECE - within);
        char owner[24], nseq[24], from[24], count[24];
        const char *values[4] = {owner, nseq, from, count};
        PGresult *res;
        bool ok;

        if (take > n)
            take = n;
        snprintf(owner, sizeof owner, "%lld", (long long)b->id);
        snprintf(nseq, sizeof nseq, "%lld", (long long)seq);
        snprintf(from, sizeof from, "%lld", (long long)within + 1);
        snprintf(count, sizeof count, "%zu", take);
        /* Binary results: the piece arrives as its bytes, not as hex. */
        res = run(b, 4, values, NULL, NULL, 1);
        ok = result_rc(pgd(base->d), res) == DB_OK && PQntuples(res) == 1 &&
             (size_t)PQgetlength(res, 0, 0) == take;
        if (ok)
            memcpy(to, PQgetvalue(res, 0, 0), take);
        PQclear(res);
        if (!ok) {
            db_log(base->d, "reading a piece of a blob");
            return DB_ERROR;
        }
        to += take;
        offset += (int64_t)take;
        n -= take;
    }
    return DB_OK;
}

static enum db_rc pg_blob_close(struct db_blob *base)
{
    struct pg_blob *b = (struct pg_blob *)base;
    enum db_rc rc = DB_OK;

    if (b->writing) {
        if (b->fill > 0)
            rc = flush(b);
        if (rc == DB_OK && b->done != b->size) {
            db_log(NULL, "a blob was closed before all of it was written");
            rc = DB_ERROR;
        }
    }
    if (b->own_tx && pg_exec_script(base->d, "COMMIT") != DB_OK) {
        db_log(base->d, "ending a blob's snapshot");
        rc = DB_ERROR;
    }
    free(b->buf);
    free(b);
    return rc;
}

const struct db_backend db_pg_backend = {
    .engine = DB_POSTGRESQL,
    .name = "PostgreSQL",
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_int64 = pg_col_int64,
    .col_text = pg_col_text,
    .col_bytes = pg_col_bytes,
    .col_blob = pg_col_blob,
    .col_name = pg_col_name,
    .changes = pg_changes,
    .reset = pg_reset,
    .exec_script = pg_exec_script,
    .errmsg = pg_errmsg,
    .in_transaction = pg_in_transaction,
    .alive = pg_alive,
    .sql_begin = "BEGIN ISOLATION LEVEL SERIALIZABLE",
    .blob_create = pg_blob_create,
    .blob_open = pg_blob_open,
    .blob_write = pg_blob_write,
    .blob_read = pg_blob_read,
    .blob_close = pg_blob_close,
};
