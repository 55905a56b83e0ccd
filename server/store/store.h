/*
 * The store: everything shenbao keeps, behind one narrow interface.
 *
 * No SQL exists outside server/store/.  Callers see plain structs and
 * functions, one per query.  Two engines stand behind it, chosen by the
 * target store_open() is given: an SQLite file (the default) or a
 * PostgreSQL database (a postgresql:// URI, for several servers on one
 * database); every function behaves the same on both (docs/POSTGRESQL.md).
 *
 * SQLite: one writer connection, shared and serialised by a mutex; every
 * change runs inside store_write(), in a BEGIN IMMEDIATE transaction that
 * concurrent changes share (group commit, one savepoint each).  Reads run
 * on a per-thread read connection opened on first use (WAL lets them
 * proceed while the writer writes).  When a thread ends, its reader goes
 * back to a pool that later threads take from; store_free() closes them
 * all and must come after every other thread that used the store has
 * ended.  Statements are prepared once per connection and cached.
 * Durability: WAL with synchronous=FULL, so a committed write is on disk
 * before the caller answers 2xx.
 *
 * PostgreSQL: a pool of writer connections, each write one serializable
 * transaction that runs again after a serialization failure or a deadlock
 * (so a store_write() callback may run more than once: it must leave
 * nothing behind but its writes), and a read connection per thread.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "materials.h"
#include "text.h"

enum store_rc {
    STORE_OK = 0,
    STORE_NOT_FOUND, /* no such row */
    STORE_CONFLICT,  /* unique key taken, or a version precondition failed */
    STORE_ERROR,     /* anything else; logged by the store with the engine's message */
};

struct store;    /* opaque */
struct store_tx; /* an open write transaction, valid only inside store_write() */

/* Opens the database `path` names: a postgresql:// (or postgres://) URI is
 * a PostgreSQL database (libpq's URI; it must be UTF-8 with collation C),
 * anything else an SQLite file, created if needed, with the pragmas above.
 * Does not migrate.  On failure returns NULL and writes a one-line reason
 * into err. */
struct store *store_open(const char *path, char *err, size_t errlen);

/* Opens an existing database only to read it (audits, key look-ups): no
 * pragma is changed and nothing is written, so a backup stays as it is (on
 * PostgreSQL: read-only sessions).  store_write() fails on it. */
struct store *store_open_readonly(const char *path, char *err, size_t errlen);

/* Whether s is on PostgreSQL. */
bool store_is_postgresql(const struct store *s);
/* Whether a target names a PostgreSQL database (a postgresql:// or
 * postgres:// URI) rather than an SQLite file. */
bool store_target_postgresql(const char *target);
/* The target as it may be shown (logs, messages): a password a URI
 * carries (user:password@, password=) written as "***".  out holds cap
 * bytes. */
void store_target_shown(const char *target, char *out, size_t cap);

/* Closes every connection (writer and per-thread readers) and frees s. */
void store_free(struct store *s);

/* Applies the migrations compiled into the binary (migrations/NNNN_*.sql)
 * that the database has not applied yet, in order, each in its own
 * transaction, recording each applied version.  *applied (may be NULL)
 * receives how many were applied now.  Returns 0 or -1 with err set. */
int store_migrate(struct store *s, int *applied, char *err, size_t errlen);

/* The highest applied migration version (0 for a new database), or -1. */
int store_schema_version(struct store *s);

/* Runs fn inside a BEGIN IMMEDIATE transaction on the writer connection:
 * commits when fn returns STORE_OK, rolls fn's writes back otherwise, and
 * returns fn's result (or STORE_ERROR when BEGIN/COMMIT fail after retries
 * on SQLITE_BUSY).  It returns only once the commit is on disk.
 *
 * Group commit: concurrent calls share one transaction.  The first caller
 * to find the writer free runs the callbacks queued meanwhile (up to the
 * batch size, store_set_batch()), each inside a savepoint of its own, in
 * the order they came, and commits them with one fsync; each sees what the
 * ones before it wrote, and one that fails is rolled back to its savepoint
 * alone.  A lone call runs at once, without a savepoint.  So fn may run on
 * another thread than its caller's (it must not depend on the caller's
 * thread), and until store_write() returns its writes may still be rolled
 * back (when the commit fails, every write of the batch fails with
 * STORE_ERROR).  fn must not call store_write() again. */
typedef enum store_rc (*store_tx_fn)(struct store_tx *tx, void *ctx);
enum store_rc store_write(struct store *s, store_tx_fn fn, void *ctx);

/* store_write() for a write that appends to the event log
 * (store_event_last() then store_event_insert()).  On PostgreSQL such
 * writes run one at a time among every server on the database (an
 * advisory lock taken before the transaction begins), so that each reads
 * the head the last one committed instead of colliding and running again;
 * on SQLite, where every write is one at a time, it is store_write(). */
enum store_rc store_write_log(struct store *s, store_tx_fn fn, void *ctx);

/* Work that one server at a time does, of those sharing the database. */
enum store_lock {
    STORE_LOCK_CLOCK = 1, /* the transitions that fall due on the clock */
};

/* Runs fn(ctx) unless another server is running the work of `lock` now,
 * and returns whether it ran.  On PostgreSQL a session advisory lock is
 * tried, never waited for, and given up after fn (or lost with a server
 * that dies); on SQLite, one server's file, fn always runs. */
bool store_alone(struct store *s, enum store_lock lock, void (*fn)(void *ctx), void *ctx);

/* The batch bounds: at most `max` writes per transaction (1 turns group
 * commit off; at most STORE_BATCH_MAX), and how long the caller leading a
 * batch waits for it to fill before committing (0, the default, never
 * waits: the batch is what queued while the commit before it ran, so a
 * lone write is not delayed; at most STORE_BATCH_WAIT_MAX_US). */
#define STORE_BATCH_MAX         256
#define STORE_BATCH_MAX_DEFAULT 64
#define STORE_BATCH_WAIT_MAX_US 100000
void store_set_batch(struct store *s, unsigned max, unsigned wait_us);

/* What group commit did so far: transactions committed, the writes they
 * held, and the largest batch taken; how long the writer was busy, running
 * the writes' statements and committing (writing and syncing the log, and
 * a checkpoint at its limit); and the checkpoints of the write-ahead log
 * (walckpt.h): run by their own thread, and run by the writer because the
 * log had reached its limit. */
struct store_write_stats {
    uint64_t commits;
    uint64_t writes;
    uint64_t largest_batch;
    uint64_t statements_ns;
    uint64_t commit_ns;
    uint64_t checkpoints;
    uint64_t checkpoints_on_writer;
};
struct store_write_stats store_write_stats(struct store *s);

/* True when the database answers a trivial query on this thread's reader. */
bool store_ping(struct store *s);
/* True when a write transaction can begin (and is rolled back at once); on
 * PostgreSQL, when the server is a primary (a standby, or an old primary
 * that came back as one, is not). */
bool store_writable(struct store *s);

/* Copies the live database at path `db` into the new file `to` through
 * SQLite's online backup API (one consistent snapshot; writers go on),
 * checks the copy's integrity, and only then gives it its name.  Refuses to
 * overwrite.  On PostgreSQL (`db` a URI) the copy is pg_dump's custom
 * format, checked with pg_restore.  0, or -1 with err. */
int store_backup(const char *db, const char *to, char *err, size_t errlen);

/* Replaces the database at `db` with the backup `from` after checking that
 * backup's integrity and that its schema version is at most known_version.
 * The caller makes sure no server uses `db`.  On PostgreSQL the backup is
 * restored with pg_restore, in one transaction, into an empty database
 * only (a database that holds anything is refused, with what to do).  0,
 * or -1 with err. */
int store_restore(const char *db, const char *from, int known_version, char *err, size_t errlen);

/* The highest migration version compiled into this binary. */
int store_known_version(void);

/* ---- figures for monitoring --------------------------------------------- */

/* Calls fn with the number of applications of each kind and status. */
enum store_rc store_count_applications(struct store *s,
                                       void (*fn)(const char *kind, const char *status, int64_t n,
                                                  void *ctx),
                                       void *ctx);
/* Objections still open. */
enum store_rc store_count_open_objections(struct store *s, int64_t *n);
/* The size of the database on disk: main file and write-ahead log (on
 * PostgreSQL, pg_database_size). */
int64_t store_bytes(struct store *s);

/* Where the store reports its errors: fn gets one line of text (no
 * newline).  NULL, the default, writes {"level":"error","msg":...} as one
 * JSON line on stderr.  Set it before any thread uses a store. */
typedef void (*store_log_fn)(const char *msg);
void store_set_log(store_log_fn fn);

/*
 * Client text is kept whole.  Free text (names, contacts, reasons,
 * opinions) is a string the struct owns, as long as it is; the few texts
 * held in a buffer (identifiers that are compared and copied around) get a
 * buffer that holds the longest text validation admits: TEXT_BYTES() of the
 * character limits below, which the request tables use as their maximum.
 * Text read back that does not fit (written by another program) is cut at a
 * character, and text that is not valid UTF-8 (an older version cut a text
 * inside a character) reads with U+FFFD in place of the broken bytes; the
 * store logs both.
 */
#define UNIT_ID_CHARS       79  /* "soe:<group name>" */
#define UNIT_NAME_CHARS     80  /* name_zh, name_en */
#define ACCOUNT_NAME_CHARS  200 /* a person, an office, an organisation */
#define ACCOUNT_EMAIL_CHARS 254 /* RFC 5321's longest path */
#define UNIT_ID_LEN         TEXT_BYTES(UNIT_ID_CHARS)
#define UNIT_NAME_LEN       TEXT_BYTES(UNIT_NAME_CHARS)
#define ACCOUNT_NAME_LEN    TEXT_BYTES(ACCOUNT_NAME_CHARS)
#define ACCOUNT_EMAIL_LEN   TEXT_BYTES(ACCOUNT_EMAIL_CHARS)

/* ---- review units ---------------------------------------------------- */

struct unit {
    char id[UNIT_ID_LEN]; /* "110108", "etdz", "soe:首旅集团" */
    char name_zh[UNIT_NAME_LEN];
    char name_en[UNIT_NAME_LEN];
    char kind[24]; /* "district", "development_area", "soe", "hq" */
};

/* Inserts or updates a unit (by id). */
enum store_rc store_unit_put(struct store_tx *tx, const struct unit *u);
/* Inserts a unit; STORE_CONFLICT when the id exists. */
enum store_rc store_unit_add(struct store_tx *tx, const struct unit *u);
enum store_rc store_unit_get(struct store *s, const char *id, struct unit *out);
/* Calls fn for every unit ordered by id; stops early when fn returns false. */
enum store_rc store_unit_each(struct store *s, bool (*fn)(const struct unit *u, void *ctx),
                              void *ctx);

/* ---- accounts -------------------------------------------------------- */

#define TOKEN_HASH_LEN 32

struct account {
    int64_t id;
    char role[24];       /* applicant, district_reviewer, municipal_reviewer, auditor, admin */
    char name[801];      /* a person, an office, or (applicant) its organisation */
    char uscc[24];       /* applicant: its organisation's USCC; else "" */
    char unit[317];      /* district_reviewer: its review unit; else "" */
    char authority[24];  /* municipal_reviewer: its authority; else "" */
    char email[1017];    /* signs in on the web with it; else "" */
    char created_at[40]; /* RFC 3339 */
    bool direct;         /* applicant: directly under the ministry or the municipal bureau
                          * (407号 第十三条), so its USCC may carry a national division code */
};

/* Inserts the account; sets a->id.  Its tokens are rows of their own
 * (store_token_add). */
enum store_rc store_account_add(struct store_tx *tx, struct account *a);
/* The account of the live token that hashes to token_hash: not revoked,
 * not past its last day (expires_on >= today, "YYYY-MM-DD"), its account
 * not disabled; else STORE_NOT_FOUND.  The store finds the row by the hash
 * and compares it again in constant time. */
enum store_rc store_account_by_token(struct store *s,
                                     const unsigned char token_hash[TOKEN_HASH_LEN],
                                     const char *today, struct account *out);
/* The account with this id, disabled or not (history still names it). */
enum store_rc store_account_get(struct store *s, int64_t id, struct account *out);
/* Whether any account exists. */
enum store_rc store_account_any(struct store *s, bool *any);

/* Sets the Argon2id hash (crypto_pwhash_str) of the account's password. */
enum store_rc store_account_set_password(struct store_tx *tx, int64_t id, const char *hash);
/* The account with this e-mail and its password hash (hash_out, cap bytes;
 * "" when it has no password). */
enum store_rc store_account_by_email(struct store *s, const char *email, struct account *out,
                                     char *hash_out, size_t cap);
/* Whether an account of this organisation exists. */
enum store_rc store_account_uscc_taken(struct store_tx *tx, const char *uscc, bool *taken);

/* Disables the account and revokes, at `at`, every token and session it
 * has; *tokens and *sessions (may be NULL) receive how many were live.
 * Disabling a disabled account again changes nothing and is STORE_OK.
 * STORE_NOT_FOUND when no account has this id. */
enum store_rc store_account_disable(struct store_tx *tx, int64_t id, const char *at, int *tokens,
                                    int *sessions);

/* ---- tokens ----------------------------------------------------------- */

/* A token as listed: no hash.  The strings live as long as the call to the
 * listing's fn. */
struct token_row {
    int64_t id;
    int64_t account_id;
    const char *name;
    const char *created_at; /* RFC 3339 */
    const char *expires_on; /* "YYYY-MM-DD", the last day it works; NULL: no end */
};

/* Inserts a token of the account by the hash of its text; t->id is set.
 * t->expires_on may be NULL. */
enum store_rc store_token_add(struct store_tx *tx, struct token_row *t,
                              const unsigned char token_hash[TOKEN_HASH_LEN]);
/* Calls fn for every token of the account that is not revoked, expired
 * ones included, oldest first. */
enum store_rc store_tokens_of(struct store *s, int64_t account_id,
                              void (*fn)(const struct token_row *t, void *ctx), void *ctx);
/* How many tokens of the account are not revoked. */
enum store_rc store_tokens_count(struct store_tx *tx, int64_t account_id, int64_t *n);
/* Revokes token `id` of the account at `at`.  STORE_NOT_FOUND when the
 * account has no such token that is not revoked already. */
enum store_rc store_token_revoke(struct store_tx *tx, int64_t account_id, int64_t id,
                                 const char *at);

/* The fingerprint of the database's token key (TOKEN_FINGERPRINT_LEN hex
 * characters) and the file it was first read from; STORE_NOT_FOUND while
 * none is recorded.  fingerprint_out holds 65 bytes, key_file_out cap. */
enum store_rc store_token_key_get(struct store *s, char *fingerprint_out, char *key_file_out,
                                  size_t cap);
/* Records the token key's fingerprint; STORE_CONFLICT when one is recorded
 * already (then nothing changes). */
enum store_rc store_token_key_record(struct store_tx *tx, const char *fingerprint,
                                     const char *key_file, const char *at);

/* ---- browser sessions ------------------------------------------------- */

enum store_rc store_session_add(struct store_tx *tx, int64_t account_id,
                                const unsigned char token_hash[TOKEN_HASH_LEN], const char *csrf,
                                const char *created_at, const char *expires_at);
/* The account of a live session (not revoked, expires_at > now) and its CSRF
 * token (csrf_out, 64 bytes). */
enum store_rc store_session_find(struct store *s, const unsigned char token_hash[TOKEN_HASH_LEN],
                                 const char *now, struct account *out, char *csrf_out);
enum store_rc store_session_revoke(struct store_tx *tx,
                                   const unsigned char token_hash[TOKEN_HASH_LEN], const char *at);

/* ---- passwords and their resets (resets.c) ----------------------------- */

/* The live account with this e-mail: its id, and whether it has a
 * password.  STORE_NOT_FOUND when there is none (or it is disabled). */
enum store_rc store_account_by_email_any(struct store *s, const char *email, int64_t *id,
                                         bool *has_password);
/* The password hash of live account id (cap bytes to out); STORE_NOT_FOUND
 * when it is disabled or has no password. */
enum store_rc store_password_hash_of(struct store *s, int64_t account_id, char *out, size_t cap);
/* A reset code of the account by its hash, valid until expires_at; the
 * account's older codes stop working. */
enum store_rc store_reset_add(struct store_tx *tx, int64_t account_id,
                              const unsigned char code_hash[TOKEN_HASH_LEN], const char *created_at,
                              const char *expires_at);
/* Uses the code that hashes to code_hash, once: *account_id is its
 * account.  STORE_NOT_FOUND for an unknown, used, replaced or expired code,
 * or a disabled account. */
enum store_rc store_reset_take(struct store_tx *tx, const unsigned char code_hash[TOKEN_HASH_LEN],
                               const char *now, int64_t *account_id);
/* Sets the account's password hash and ends, at `at`, every session of it
 * but `keep` (NULL: all); *sessions (may be NULL): how many ended. */
enum store_rc store_password_replace(struct store_tx *tx, int64_t account_id, const char *hash,
                                     const unsigned char keep[TOKEN_HASH_LEN], const char *at,
                                     int *sessions);

/* ---- applications ---------------------------------------------------- */

struct application {
    int64_t id;
    char kind[24];
    int round;
    char review_unit[UNIT_ID_LEN];
    char *applicant_name; /* owned */
    char applicant_uscc[24];
    char status[24];
    int64_t version;     /* 1 on creation, +1 on every change */
    int64_t created_by;  /* account id */
    char created_at[40]; /* RFC 3339 UTC */
    char updated_at[40];
    char submitted_at[40]; /* "" until first submitted */
    char status_at[40];    /* when it entered its status (its waiting starts) */
    char decided_at[40];   /* when it was approved or rejected; "" until then */
    int64_t granted_fen;   /* what its decision granted; -1 (null) until approved */
    int64_t refund_fen;    /* what a revocation asked back; -1 (null) when none */
    char *data_json;       /* the kind's `data`, compact JSON; owned */
    char *facts_json;      /* what reviewers and rankings fixed, a JSON object; owned;
                            * NULL on insert means "{}" */
};

/* Frees what an application owns (applicant_name, data_json, facts_json),
 * not the struct. */
void application_release(struct application *a);

/* A copy of from that owns its own text (release it); -1 when memory runs
 * out (to then owns nothing). */
int application_copy(struct application *to, const struct application *from);

/* Inserts a new application; sets a->id.  Caller fills every other field
 * (version 1, timestamps, status "draft"). */
enum store_rc store_app_insert(struct store_tx *tx, struct application *a);

/* Reads one application by id on this thread's reader.  Caller releases. */
enum store_rc store_app_get(struct store *s, int64_t id, struct application *out);
/* The same inside a write transaction (sees the transaction's own writes). */
enum store_rc store_app_get_tx(struct store_tx *tx, int64_t id, struct application *out);
/* The row without its data and facts (data_json and facts_json NULL): what
 * deciding who may see it, and whether a rendering of it is current, need. */
enum store_rc store_app_head(struct store *s, int64_t id, struct application *out);

/* Writes review_unit, applicant_name, status, version, updated_at,
 * submitted_at, status_at, decided_at, granted_fen, refund_fen, data_json and facts_json (when
 * not NULL) of row a->id, but only while the stored version is still expected_version:
 * STORE_CONFLICT otherwise, STORE_NOT_FOUND when there is no such row.  a->version must be
 * expected_version + 1. */
enum store_rc store_app_update(struct store_tx *tx, const struct application *a,
                               int64_t expected_version);

/* Whom a listing is for: the filters the caller's role implies. */
enum app_scope {
    SCOPE_ORGANISATION, /* applicant_uscc = scope_value */
    SCOPE_UNIT,         /* review_unit = scope_value, submitted at least once */
    SCOPE_SUBMITTED,    /* every application submitted at least once */
};

/* The orders of a listing (CONTRACT.md "Lists"), each with the id as the
 * tie-breaker in the same direction. */
enum app_sort {
    SORT_SUBMITTED_DESC = 0, /* last submitted first (a draft: by its creation) */
    SORT_SUBMITTED_ASC,      /* first submitted first */
    SORT_WAITING,            /* longest in its current status first (status_at) */
};

#define APP_FILTER_STATUSES 9 /* every status (workflow_statuses) */
#define APP_FILTER_KINDS    8

struct app_filter {
    enum app_scope scope;
    const char *scope_value;
    const char *kind;                          /* NULL = any */
    const char *statuses[APP_FILTER_STATUSES]; /* any of these; all NULL = any */
    int round;                                 /* 0 = any */
    const char *review_unit;                   /* NULL = any */
    /* Only these kinds (the ones the scope allows; the rest NULL); all NULL:
     * any kind. */
    const char *kinds_in[APP_FILTER_KINDS];
    const char *submitted_from;   /* RFC 3339 UTC: submitted at or after; NULL = any */
    const char *submitted_before; /* RFC 3339 UTC: submitted before; NULL = any */
    const char *updated_since;    /* RFC 3339 UTC: changed at or after; NULL = any */
    const char *q; /* a substring (ASCII lower-cased) of the applicant's name or USCC, a
                    * brand or a store's name; NULL = any */
    enum app_sort sort;
    /* Where the page starts: after the row whose sort key (store_app_sort_key)
     * is after_key and whose id is after_id; after_key NULL: from the start. */
    const char *after_key;
    int64_t after_id;
    int limit; /* 1..200 */
    /* Rows without their data and facts (NULL), for a caller that reads
     * them only for the rows it needs them of (store_app_get()). */
    bool heads;
};

/* The sort key of row a in order `sort`: what a filter's after_key takes to
 * continue after it.  Points into a. */
const char *store_app_sort_key(const struct application *a, enum app_sort sort);

/* Calls fn for each application matching f, in f's order, at most f->limit
 * of them.  The application passed to fn is released after fn returns.
 * *more (may be NULL) says whether further rows exist past the last one
 * passed. */
enum store_rc store_app_list(struct store *s, const struct app_filter *f,
                             void (*fn)(const struct application *a, void *ctx), void *ctx,
                             bool *more);

/* How many applications match f (its order, start and limit aside). */
enum store_rc store_app_count(struct store *s, const struct app_filter *f, int64_t *n);

/* Calls fn, inside the transaction, for every application of organisation
 * `uscc`, `kind` and `round` other than `except`, lowest id first; as
 * store_app_each_tx(). */
enum store_rc store_app_each_of_org_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                       int round, int64_t except,
                                       bool (*fn)(struct application *a, void *ctx), void *ctx);

/* Calls fn, inside the transaction, for every application of `kind` in year
 * `round`, lowest id first.  The application passed to fn is released after
 * fn returns; fn returning false stops the walk (STORE_OK). */
enum store_rc store_app_each_tx(struct store_tx *tx, const char *kind, int round,
                                bool (*fn)(struct application *a, void *ctx), void *ctx);

/* Calls fn, inside the transaction, for every application of organisation
 * `uscc` and `kind`, lowest id first; as store_app_each_tx(). */
enum store_rc store_app_each_of_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                   bool (*fn)(struct application *a, void *ctx), void *ctx);

/* Calls fn, inside the transaction, for every application in `status`,
 * lowest id first; as store_app_each_tx().  The second reads on this
 * thread's reader. */
enum store_rc store_app_each_status_tx(struct store_tx *tx, const char *status,
                                       bool (*fn)(struct application *a, void *ctx), void *ctx);
enum store_rc store_app_each_status(struct store *s, const char *status,
                                    bool (*fn)(struct application *a, void *ctx), void *ctx);

/* The version of application id, in the transaction; STORE_NOT_FOUND when
 * there is none. */
enum store_rc store_app_version_tx(struct store_tx *tx, int64_t id, int64_t *version);

/* ---- events: the append-only, chained history -------------------------- */

#define EVENT_HASH_LEN 32

struct event {
    int64_t id; /* 1, 2, 3, … over the whole log */
    int64_t application_id;
    char at[40];          /* RFC 3339 UTC */
    char action[40];      /* "create", "edit", or a workflow action */
    char from_status[24]; /* "" when none (creation) */
    char to_status[24];
    int64_t actor_account; /* 0 when no account acted (the public, the clock) */
    char actor_role[24];   /* a role, "public" or "system" */
    char *opinion;         /* owned; NULL when none */
    char request_id[40];   /* "" when not from a request */
    char *details_json;    /* owned; a JSON object, "{}" when nothing more */
    unsigned char prev_hash[EVENT_HASH_LEN];
    unsigned char hash[EVENT_HASH_LEN];
    /* The actor as it was (format 2 on; hashed): its name (owned; NULL when
     * none), review unit and authority ("" when none).  Format 1 events,
     * written before these were kept, read the account's name as it is now
     * into actor_name (store_events_of only; not hashed). */
    int format;       /* 1 or 2: how the event is encoded for its hash (chain.h) */
    char *actor_name; /* owned */
    char actor_unit[UNIT_ID_LEN];
    char actor_authority[24];
};

/* Frees what an event owns. */
void event_release(struct event *e);

/* The id and hash of the newest event; STORE_NOT_FOUND when there is none. */
enum store_rc store_event_last(struct store_tx *tx, int64_t *id,
                               unsigned char hash[EVENT_HASH_LEN]);
/* Appends e as given (id, hashes and all). */
enum store_rc store_event_insert(struct store_tx *tx, const struct event *e);
/* Calls fn for each event of one application, oldest first. */
enum store_rc store_events_of(struct store *s, int64_t application_id,
                              void (*fn)(const struct event *e, void *ctx), void *ctx);
/* Calls fn for every event of the log in id order; stops when fn returns
 * false. */
enum store_rc store_events_each(struct store *s, bool (*fn)(const struct event *e, void *ctx),
                                void *ctx);
/* The same for the events whose ids lie in [first, last]: on this thread's
 * reader, or inside a write transaction. */
enum store_rc store_events_range(struct store *s, int64_t first, int64_t last,
                                 bool (*fn)(const struct event *e, void *ctx), void *ctx);
enum store_rc store_events_range_tx(struct store_tx *tx, int64_t first, int64_t last,
                                    bool (*fn)(const struct event *e, void *ctx), void *ctx);

/* ---- versions: every stored version of an application ------------------- */

#define VERSION_SHA256_LEN 32

struct app_version {
    int64_t application_id;
    int64_t version;
    char status[24];
    char at[40];    /* RFC 3339 UTC: when it was written */
    char *envelope; /* owned: the canonical envelope text */
    unsigned char sha256[VERSION_SHA256_LEN];
};

void app_version_release(struct app_version *v);

/* Keeps version v->version of an application (written once). */
enum store_rc store_version_add(struct store_tx *tx, const struct app_version *v);
/* Reads version `version` of the application; caller releases. */
enum store_rc store_version_get(struct store *s, int64_t application_id, int64_t version,
                                struct app_version *out);

/* ---- materials: the files of an application -------------------------------- */

#define MATERIAL_SHA256_LEN 32

struct material {
    int64_t id;
    int64_t application_id;
    char type[MATERIAL_TYPE_LEN];
    char *filename; /* owned */
    char content_type[MEDIA_TYPE_LEN];
    int64_t bytes;
    unsigned char sha256[MATERIAL_SHA256_LEN];
    char uploaded_at[40];
    int64_t uploaded_by;
    bool submitted;      /* it was part of a submission: kept when deleted */
    char deleted_at[40]; /* "" unless deleted */
};

void material_release(struct material *m);

/* Inserts m (id set) with its m->bytes bytes read from src, copied into the
 * row piece by piece (SQLite's incremental blob I/O): never more than a
 * small buffer in memory, whatever the file's size. */
enum store_rc store_material_add(struct store_tx *tx, struct material *m,
                                 const struct byte_source *src);
/* The files of an application that are not deleted, oldest first; fn gets
 * each (released after it returns). */
enum store_rc store_materials_of(struct store *s, int64_t application_id,
                                 void (*fn)(const struct material *m, void *ctx), void *ctx);
enum store_rc store_materials_of_tx(struct store_tx *tx, int64_t application_id,
                                    void (*fn)(const struct material *m, void *ctx), void *ctx);
/* File id of the application, deleted or not; caller releases. */
enum store_rc store_material_get(struct store *s, int64_t application_id, int64_t id,
                                 struct material *out);
/* The bytes of the application's files that are not deleted. */
enum store_rc store_materials_bytes(struct store_tx *tx, int64_t application_id, int64_t *total);
/* Deletes file id of the application: removed when it was never part of a
 * submission, else marked deleted at `at` and kept.  STORE_NOT_FOUND when
 * there is no such file that is not deleted. */
enum store_rc store_material_delete(struct store_tx *tx, int64_t application_id, int64_t id,
                                    const char *at);
/* Marks every file of the application that is not deleted as submitted. */
enum store_rc store_materials_submitted(struct store_tx *tx, int64_t application_id);
/* Reads len bytes at off of file id's content on this thread's reader, in
 * a read of its own (a download reads piece by piece, each piece short). */
enum store_rc store_material_read(struct store *s, int64_t id, int64_t off, void *buf, size_t len);

/* ---- objections --------------------------------------------------------- */

struct objection {
    int64_t id;
    int64_t application_id;
    char *name;    /* owned */
    char *contact; /* owned */
    char *reason;  /* owned */
    char filed_at[40];
    char client_addr[64];
    char status[16];      /* open, upheld, dismissed */
    char resolved_at[40]; /* "" while open */
    int64_t resolved_by;  /* 0 while open */
    char *opinion;        /* owned; NULL while open */
};

void objection_release(struct objection *o);

/* Inserts an open objection; sets o->id. */
enum store_rc store_objection_add(struct store_tx *tx, struct objection *o);
enum store_rc store_objection_get_tx(struct store_tx *tx, int64_t id, struct objection *out);
/* Resolves an open objection; STORE_CONFLICT when it is no longer open. */
enum store_rc store_objection_resolve(struct store_tx *tx, int64_t id, const char *status,
                                      const char *resolved_at, int64_t resolved_by,
                                      const char *opinion);
/* How many objections to the application are open. */
enum store_rc store_objections_open(struct store_tx *tx, int64_t application_id, int *count);
/* The same on this thread's reader. */
enum store_rc store_objections_open_of(struct store *s, int64_t application_id, int *count);
/* How many objections were filed from client address addr at or after
 * `since` (RFC 3339 UTC, as filed_at is written). */
enum store_rc store_objections_from(struct store_tx *tx, const char *addr, const char *since,
                                    int64_t *count);
/* Calls fn for each objection to the application, oldest first. */
enum store_rc store_objections_of(struct store *s, int64_t application_id,
                                  void (*fn)(const struct objection *o, void *ctx), void *ctx);

/* ---- signing keys and certificates ----------------------------------- */

struct key_row {
    char kid[48];
    char x[48];
    char created_at[40];
    char retired_at[40]; /* "" while active */
};

/* Retires the active key (if any) at `at` and adds k as the active one. */
enum store_rc store_key_rotate(struct store_tx *tx, const struct key_row *k);
/* The active key; STORE_NOT_FOUND when there is none. */
enum store_rc store_key_active(struct store *s, struct key_row *out);
enum store_rc store_key_get(struct store *s, const char *kid, struct key_row *out);
/* Calls fn for every key, oldest first. */
enum store_rc store_keys_each(struct store *s, void (*fn)(const struct key_row *k, void *ctx),
                              void *ctx);

struct certificate_row {
    char serial[48];
    int64_t application_id;
    char kind[24];
    char kid[48];
    char issued_on[11];
    char valid_until[11];    /* "" when it does not expire */
    char *document_json;     /* owned */
    char *jws;               /* owned */
    char revoked_at[40];     /* "" unless revoked */
    char *revocation_reason; /* owned; NULL unless revoked */
    char revocation_ground[48];
    int64_t refund_fen;               /* -1 when none */
    char revocation_effective_on[11]; /* "" unless revoked: the day it took effect */
};

void certificate_release(struct certificate_row *c);

enum store_rc store_cert_insert(struct store_tx *tx, const struct certificate_row *c);
enum store_rc store_cert_get(struct store *s, const char *serial, struct certificate_row *out);
enum store_rc store_cert_of_app(struct store *s, int64_t application_id,
                                struct certificate_row *out);
enum store_rc store_cert_of_app_tx(struct store_tx *tx, int64_t application_id,
                                   struct certificate_row *out);
/* Marks the certificate revoked at `at`, taking effect on effective_on
 * ("YYYY-MM-DD"); STORE_CONFLICT when it already is. */
enum store_rc store_cert_revoke(struct store_tx *tx, const char *serial, const char *at,
                                const char *reason, const char *ground, int64_t refund_fen,
                                const char *effective_on);

/* ---- rankings ---------------------------------------------------------- */

struct ranking_row {
    char kind[24];
    int year;
    char computed_at[40];
    int64_t computed_by;
    char *result_json; /* owned */
};

/* Stores (replacing) the ranking of kind and year. */
enum store_rc store_ranking_put(struct store_tx *tx, const struct ranking_row *r);
/* STORE_OK when the ranking of kind and year has been stored, else
 * STORE_NOT_FOUND; in the transaction. */
enum store_rc store_ranking_exists_tx(struct store_tx *tx, const char *kind, int year);
/* Reads it; caller frees out->result_json. */
enum store_rc store_ranking_get(struct store *s, const char *kind, int year,
                                struct ranking_row *out);

/* STORE_OK when the stored ranking of kind and year lists application
 * application_id (ranked or left out as not eligible), else
 * STORE_NOT_FOUND; in the transaction. */
enum store_rc store_ranking_has_tx(struct store_tx *tx, const char *kind, int year,
                                   int64_t application_id);

/* ---- rounds --------------------------------------------------------------- */

struct round_row {
    char kind[24];
    int round;
    char opens_on[11]; /* "YYYY-MM-DD", inclusive */
    char closes_on[11];
    int64_t set_by;
    char set_at[40];
};

/* Stores (replacing) the window of r->kind's r->round. */
enum store_rc store_round_put(struct store_tx *tx, const struct round_row *r);
/* The window of kind's round; STORE_NOT_FOUND when none is defined. */
enum store_rc store_round_get_tx(struct store_tx *tx, const char *kind, int round,
                                 struct round_row *out);
enum store_rc store_round_get(struct store *s, const char *kind, int round, struct round_row *out);
/* Calls fn for every window, by kind and round. */
enum store_rc store_rounds_each(struct store *s, void (*fn)(const struct round_row *r, void *ctx),
                                void *ctx);

/* ---- opinion templates ------------------------------------------------------ */

/* A reviewer's template; the strings live as long as the call it is passed
 * to. */
struct opinion_template {
    int64_t id;
    int64_t account_id;
    const char *title;
    const char *text;
    const char *created_at;
};

/* Inserts t; sets t->id. */
enum store_rc store_template_add(struct store_tx *tx, struct opinion_template *t);
/* How many templates the account has. */
enum store_rc store_templates_count(struct store_tx *tx, int64_t account_id, int64_t *n);
/* Calls fn for every template of the account, oldest first (fn must not use
 * the store). */
enum store_rc store_templates_of(struct store *s, int64_t account_id,
                                 void (*fn)(const struct opinion_template *t, void *ctx),
                                 void *ctx);
/* Deletes template id of the account; STORE_NOT_FOUND when it has none. */
enum store_rc store_template_delete(struct store_tx *tx, int64_t account_id, int64_t id);

/* The latest approval (district or municipal) by account_id of an
 * application of `kind`: its application, instant, action and details
 * (caller frees *details_json).  STORE_NOT_FOUND when there is none. */
enum store_rc store_last_approval(struct store *s, int64_t account_id, const char *kind,
                                  int64_t *application_id, char *at, size_t at_cap, char *action,
                                  size_t action_cap, char **details_json);

/* ---- bans --------------------------------------------------------------- */

/* Records that `uscc` may not apply for `kind` from starts_on until the day
 * before until_on (dates "YYYY-MM-DD"). */
enum store_rc store_ban_add(struct store_tx *tx, const char *uscc, const char *kind,
                            const char *starts_on, const char *until_on, const char *reason);
/* The latest until_on of a ban of uscc for kind in force on `day`
 * ("YYYY-MM-DD": starts_on <= day < until_on) into until_out (11 bytes);
 * STORE_NOT_FOUND when none is. */
enum store_rc store_ban_find_tx(struct store_tx *tx, const char *uscc, const char *kind,
                                const char *day, char *until_out);

/* ---- duties after approval and reports (RULES.md §8) ------------------- */

struct report {
    int64_t id;
    int64_t application_id;
    char type[16];   /* annual, change, closure */
    char period[24]; /* "2021"; the day of the change or closure */
    char *body_json; /* owned: the report as filed */
    char filed_at[40];
    int64_t filed_by;
};

void report_release(struct report *r);

/* Inserts r; sets r->id. */
enum store_rc store_report_add(struct store_tx *tx, struct report *r);
/* Calls fn for each report of the application, oldest first. */
enum store_rc store_reports_of(struct store *s, int64_t application_id,
                               void (*fn)(const struct report *r, void *ctx), void *ctx);
/* Calls fn, in the transaction, for each report of `type` of the application. */
enum store_rc store_reports_of_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                  void (*fn)(const struct report *r, void *ctx), void *ctx);

struct duty {
    int64_t id;
    int64_t application_id;
    char type[24];       /* annual_report, change_report, recheck, operating_year, refund */
    char period[24];     /* "2021", or a date */
    char nominal_on[11]; /* the day the rule gives */
    char due_on[11];     /* moved off days off, or set by a reminder; "" until known */
    char status[16];     /* duties.h */
    char created_at[40];
    char updated_at[40];
    char reminded_at[40];   /* "" unless reminded */
    char missed_at[40];     /* "" unless missed */
    char filed_at[40];      /* "" unless filed */
    int64_t report_id;      /* 0: none */
    int64_t amount_fen;     /* a refund's amount; -1: none */
    char *result_json;      /* owned: what the authority recorded; NULL: nothing */
    char prompt_ground[48]; /* a revocation prompt it raised: its ground; "" none */
    char prompt_state[12];  /* open, dismissed, acted; "" none */
    char prompt_at[40];
    int64_t prompt_refund_fen; /* -1: none */
    /* Listings add the application's: */
    char kind[24];
    char app_status[24];
    char review_unit[UNIT_ID_LEN];
    char applicant_uscc[24];
    char *applicant_name; /* owned */
};

void duty_release(struct duty *d);

/* Inserts d (created_at, updated_at, and everything it says); sets d->id.
 * STORE_CONFLICT when the application has a duty of that type and period. */
enum store_rc store_duty_add(struct store_tx *tx, struct duty *d);
/* Writes what may change of duty d->id: due_on, status, updated_at,
 * reminded_at, missed_at, filed_at, report_id, amount_fen, result and the
 * prompt. */
enum store_rc store_duty_update(struct store_tx *tx, const struct duty *d);
enum store_rc store_duty_get_tx(struct store_tx *tx, int64_t id, struct duty *out);
/* The duty of the application with this type and period. */
enum store_rc store_duty_find_tx(struct store_tx *tx, int64_t application_id, const char *type,
                                 const char *period, struct duty *out);
/* Calls fn for each duty of the application, by nominal date (then id);
 * the duty passed is released after fn returns. */
enum store_rc store_duties_of(struct store *s, int64_t application_id,
                              void (*fn)(const struct duty *d, void *ctx), void *ctx);
enum store_rc store_duties_of_tx(struct store_tx *tx, int64_t application_id,
                                 void (*fn)(const struct duty *d, void *ctx), void *ctx);

/* What the clock has to look at on `today` ("YYYY-MM-DD"): duties due,
 * reminded or rectifying whose due date is on or before today, and those
 * whose due date is not known yet; lowest id first.  fn may not use the
 * store's writer; the duty passed is released after it returns. */
enum store_rc store_duties_pending(struct store *s, const char *today,
                                   void (*fn)(const struct duty *d, void *ctx), void *ctx);

/* The reviewers' worklist. */
struct duty_filter {
    const char *kinds_in[4]; /* the kinds the caller may see (all NULL: any) */
    const char *review_unit; /* NULL: any */
    const char *status;      /* NULL: any */
    const char *type;        /* NULL: any */
    const char *kind;        /* NULL: any */
    bool prompt_open;        /* only duties with an open revocation prompt */
    int64_t before_id;       /* 0: from the newest */
    int limit;               /* 1..200 */
};

/* Calls fn for each duty matching f, newest first (with the application's
 * kind, status, unit and holder); *more says whether there are more. */
enum store_rc store_duties_list(struct store *s, const struct duty_filter *f,
                                void (*fn)(const struct duty *d, void *ctx), void *ctx, bool *more);
/* ---- idempotency keys ----------------------------------------------------- */

/*
 * A request sent with an Idempotency-Key keeps its first answer under the
 * key and the caller, so that a retry gets that answer again and changes
 * nothing.  Times are RFC 3339 UTC text, so that text order is time order.
 */
#define IDEM_KEY_CHARS       255
#define IDEM_FINGERPRINT_LEN 32

struct idem_request {
    const char *scope; /* whose key: "account:12", "address:203.0.113.5" */
    const char *key;   /* the key as sent, 1–IDEM_KEY_CHARS printable ASCII */
    unsigned char fingerprint[IDEM_FINGERPRINT_LEN]; /* of the request it came with */
};

/* An answer as kept.  store_idem_find() allocates body (caller frees). */
struct idem_answer {
    unsigned status;
    char content_type[64];
    char location[512]; /* "" when the answer had none */
    char etag[64];      /* "" when the answer had none */
    char *body;
    size_t body_len;
};

enum idem_found {
    IDEM_NONE,     /* no live record of the key: the request may run */
    IDEM_ANSWERED, /* answered before: the answer is filled in */
    IDEM_RUNNING,  /* the first request with the key has not answered yet */
    IDEM_OTHER,    /* the key came with another request (another fingerprint) */
};

/* What is known of q's key at `now`: a record counts until its expires_at,
 * and one still running only while it started after stale_before (a
 * request that never answered: its server stopped).  On IDEM_ANSWERED,
 * *answer is filled (answer->body owned by the caller).  Reads on this
 * thread's reader; store_idem_claim() decides again in its transaction. */
enum store_rc store_idem_find(struct store *s, const struct idem_request *q, const char *now,
                              const char *stale_before, enum idem_found *found,
                              struct idem_answer *answer);
/* The same inside a write transaction, and when the key is free
 * (IDEM_NONE) records it as running from `now` until `expires_at`, so that
 * the caller holds it: one request at a time, whichever server takes it. */
enum store_rc store_idem_claim(struct store_tx *tx, const struct idem_request *q, const char *now,
                               const char *stale_before, const char *expires_at,
                               enum idem_found *found, struct idem_answer *answer);
/* Keeps the answer of the request that holds q's key. */
enum store_rc store_idem_answer(struct store_tx *tx, const struct idem_request *q,
                                const struct idem_answer *a);
/* Lets go of a key whose request gave no answer worth keeping (a 5xx, a
 * 429): the next retry runs it again. */
enum store_rc store_idem_release(struct store_tx *tx, const struct idem_request *q);
/* Deletes the records expired at `now`; *n (may be NULL) gets how many. */
enum store_rc store_idem_purge(struct store_tx *tx, const char *now, int64_t *n);
/* Frees answer->body. */
void idem_answer_release(struct idem_answer *answer);

#endif
