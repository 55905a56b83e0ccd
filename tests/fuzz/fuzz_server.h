/*
 * The whole server inside a fuzzer process.
 *
 * fuzz_server_init() does once what `shenbao serve` does at start (config,
 * store_open and migrate, review units, calendar, token key, a signing key
 * in a temporary directory) and adds what a fuzzer needs to get past the
 * front door: an account of every role with a token known in advance (see
 * FUZZ_TOKEN_*), and applications in every status made through the API
 * itself.  The database as it is then is kept as a template.
 *
 * Requests go through the real libmicrohttpd: each exchange is one
 * connection, a socketpair handed to an in-process daemon that this thread
 * runs (no other thread), so every input is decoded exactly as one from the
 * network would be.
 *
 * Between inputs nothing is kept but what the database keeps, and the
 * database is put back to the template after every input that changed it:
 * the random generator is reseeded, the clock stands still, and the
 * per-address rate limits see a new window for every input (see the
 * link-time wraps in fuzz_server.c).  So an input that crashes does so on
 * its own, run alone.
 *
 * Oracles besides the sanitizers: a 5xx answer (other than 503) aborts,
 * since nothing a client sends may cause one (FUZZ_ALLOW_5XX=1 turns that
 * off); so does an answer whose JSON document could not be built, and a
 * stored application or objection missing from its list.
 */
#ifndef SB_FUZZ_SERVER_H
#define SB_FUZZ_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The applications fuzz_server_init() makes, by what they show. */
struct fuzz_fixtures {
    int64_t draft;            /* incubator, applicant_a */
    int64_t district_review;  /* incubator, submitted */
    int64_t municipal_review; /* first_store, approved by the district */
    int64_t returned;         /* tourism_award, returned by the district */
    int64_t tourism_a;        /* tourism_award in municipal review, applicant_a (110108) */
    int64_t tourism_b;        /* tourism_award in municipal review, applicant_b (110105) */
    int64_t approved;         /* incubator, approved with a certificate */
    int64_t notice;           /* first_store in public notice, one open objection */
    int64_t notice_clean;     /* incubator in public notice, no objection */
    int64_t withdrawn;
    int64_t last; /* the highest id made */
    char serial[48];
    char *certificate; /* GET /v1/applications/{approved}/certificate: {certificate, jws} */
    char *jwks;        /* GET /.well-known/jwks.json */
};

/* The fixed tokens: "sb_" and the base64url of 32 bytes all equal to the
 * account's number (1 for admin, …), so a dictionary can hold them. */
enum fuzz_account {
    FUZZ_ADMIN = 1,
    FUZZ_APPLICANT_A,
    FUZZ_APPLICANT_B,
    FUZZ_DISTRICT_110108,
    FUZZ_DISTRICT_110105,
    FUZZ_MUNICIPAL_SCIENCE_TECH,
    FUZZ_MUNICIPAL_COMMERCE,
    FUZZ_MUNICIPAL_CULTURE_TOURISM,
    FUZZ_AUDITOR,
    FUZZ_ACCOUNTS = FUZZ_AUDITOR,
};

/* The account that signs in with a password on the web. */
#define FUZZ_EMAIL    "fuzz@example.cn"
#define FUZZ_PASSWORD "fuzz-password-1"

/* Sets everything up; exits with a message on failure.  When the
 * environment has FUZZ_DUMP=FILE, writes the fixtures as JSON to FILE (for
 * tests/fuzz/gen_corpus.py) and exits. */
void fuzz_server_init(void);

const struct fuzz_fixtures *fuzz_fixtures(void);
const char *fuzz_token(enum fuzz_account a);
/* The server's database and key directory (for `shenbao verify --db`). */
const char *fuzz_db_path(void);
/* A file holding the JWKS. */
const char *fuzz_jwks_path(void);
/* A scratch file name in the temporary directory. */
const char *fuzz_scratch_path(void);
struct store *fuzz_store(void);

/* Brackets one input: reseeds, opens new rate-limit windows; at the end,
 * when the input changed the database, renders what is stored (every list,
 * as every role) and puts the database back. */
void fuzz_input_begin(void);
void fuzz_input_end(void);
/* Whether a request of this input changed something (a method other than
 * GET answered below 400). */
bool fuzz_input_wrote(void);

/* Sends len bytes on a new connection, closes the sending side, runs the
 * daemon until it closes the connection; returns what it answered (caller
 * frees; NUL-terminated, *out_len without the NUL). */
char *fuzz_exchange(const void *req, size_t len, size_t *out_len);

/* One request with a JSON body (or none) as the account `who` (0: none).
 * Returns the status; *body (may be NULL) gets the parsed JSON answer. */
unsigned fuzz_call(const char *method, const char *path, enum fuzz_account who, const char *body,
                   json_t **answer);

/* Whether a list answer ({"items": [...]}) has an item with this id. */
bool fuzz_list_has(const json_t *answer, int64_t id);
/* Reports a broken property of the server and aborts (a finding). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
