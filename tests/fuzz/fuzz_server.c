/*
 * The whole server inside a fuzzer process: see fuzz_server.h.
 */
#include "fuzz_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "embedded.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "password.h"
#include "ratelimit.h"
#include "sign.h"
#include "spec.h"
#include "store.h"
#include "token.h"

/* tests/api/examples/, compiled in by meson (tools/embed.c). */
extern const struct embedded_file fuzz_examples[];

/* The instant the server's clock shows, always: a weekday of round 2020
 * (the README's tour starts there too). */
#define FUZZ_NOW_TEXT "2020-09-29T10:00:00+08:00"
/* After the 5th working day of a notice that began then, across the National
 * Day holiday: when the fixture's notice has ended. */
#define FUZZ_TICK_TEXT "2020-10-13T00:00:00+08:00"

static struct {
    char dir[512];
    char db[600], template_db[600], keys[600], jwks[600], scratch[600];
    struct config cfg;
    struct server srv;
    struct calendar *calendar;
    struct signing_key key;
    struct daemon *daemon;
    struct fuzz_fixtures fx;
    char tokens[FUZZ_ACCOUNTS + 1][TOKEN_TEXT_LEN + 1];
    int64_t now;
    uint64_t input_no;
    bool wrote;
    bool allow_5xx;
    bool ready; /* init done: the oracles apply */
} fz;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- a random generator that repeats itself ---------------------------- */

/* ChaCha20 keyed by a seed, one nonce per call: the same seed gives the
 * same tokens, serials, request ids and keys, so an input replays exactly. */
static unsigned char rng_key[crypto_stream_chacha20_ietf_KEYBYTES];
static uint64_t rng_calls;

static void rng_seed(const char *tag)
{
    crypto_generichash(rng_key, sizeof rng_key, (const unsigned char *)tag, strlen(tag), NULL, 0);
    rng_calls = 0;
}

static void rng_buf(void *buf, size_t size)
{
    unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};
    uint64_t n = rng_calls++;
    for (size_t i = 0; i < sizeof n; i++)
        nonce[i] = (unsigned char)(n >> (8 * i));
    crypto_stream_chacha20_ietf(buf, size, nonce, rng_key);
}

static uint32_t rng_random(void)
{
    uint32_t v;
    rng_buf(&v, sizeof v);
    return v;
}

static const char *rng_name(void)
{
    return "fuzz-repeatable";
}

static struct randombytes_implementation rng = {
    .implementation_name = rng_name,
    .random = rng_random,
    .buf = rng_buf,
};

/* ---- link-time wraps (tests/fuzz/meson.build: -Wl,--wrap=…) ------------ */

int64_t __wrap_clock_now(void);
int64_t __wrap_clock_now_ms(void);
bool __real_ratelimit_take(struct ratelimit *rl, const char *key, int64_t now, unsigned limit,
                           unsigned *retry_after);
bool __wrap_ratelimit_take(struct ratelimit *rl, const char *key, int64_t now, unsigned limit,
                           unsigned *retry_after);
void __real_reply_json(struct request *r, unsigned status, json_t *body);
void __wrap_reply_json(struct request *r, unsigned status, json_t *body);
int __wrap_crypto_pwhash_str(char out[crypto_pwhash_STRBYTES], const char *const passwd,
                             unsigned long long passwdlen, unsigned long long opslimit,
                             size_t memlimit);

/* The clock stands still: every input sees the same instant. */
int64_t __wrap_clock_now(void)
{
    return fz.now;
}

int64_t __wrap_clock_now_ms(void)
{
    return fz.now * 1000;
}

/* Each input counts in windows of its own (a week apart: a multiple of
 * every window, so Retry-After stays what the server would say), so limits
 * act within an input and never carry over to the next. */
#define RATE_EPOCH (7 * 86400)

bool __wrap_ratelimit_take(struct ratelimit *rl, const char *key, int64_t now, unsigned limit,
                           unsigned *retry_after)
{
    return __real_ratelimit_take(rl, key, now + (int64_t)fz.input_no * RATE_EPOCH, limit,
                                 retry_after);
}

/* Answers a request as the server does, and sees the answer: notes
 * changes, and stops at a 5xx. */
static void answer(void *ctx, struct request *r)
{
    api_answer(ctx, r);
    if (strcmp(r->method, "GET") != 0 && r->status < 400)
        fz.wrote = true;
    if (fz.ready && !fz.allow_5xx && r->status >= 500 && r->status != 503) {
        fprintf(stderr, "fuzz: %s answered %u: nothing a client sends may cause a 5xx\n",
                r->route_name ? r->route_name : "unmatched", r->status);
        abort();
    }
}

/* A handler whose answer could not be built (json_pack() refuses text that
 * is not UTF-8, say) would send an empty 2xx: a finding. */
void __wrap_reply_json(struct request *r, unsigned status, json_t *body)
{
    if (fz.ready && !body)
        fuzz_fail("%s answered %u with no document: building its JSON failed",
                  r->route_name ? r->route_name : "unmatched", status);
    __real_reply_json(r, status, body);
}

/* Argon2id at its lowest cost: the interactive cost (tens of milliseconds)
 * would make every sign-in input a thousand times slower than the rest. */
int __wrap_crypto_pwhash_str(char out[crypto_pwhash_STRBYTES], const char *const passwd,
                             unsigned long long passwdlen, unsigned long long opslimit,
                             size_t memlimit)
{
    (void)opslimit;
    (void)memlimit;
    return crypto_pwhash_argon2id_str(out, passwd, passwdlen, crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                      crypto_pwhash_argon2id_MEMLIMIT_MIN);
}

/* ---- exchanges ---------------------------------------------------------- */

struct buf {
    char *data;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data)
            die("out of memory");
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        die("request line too long");
    buf_add(b, line, (size_t)n);
}

char *fuzz_exchange(const void *req, size_t len, size_t *out_len)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair: %s", strerror(errno));
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!daemon_add_connection(fz.daemon, sv[1], (const struct sockaddr *)&peer, sizeof peer))
        die("libmicrohttpd refused a connection: %s", strerror(errno));

    struct buf got = {0};
    const char *p = req;
    size_t sent = 0;
    bool sending = true;
    unsigned idle = 0;
    if (len == 0) {
        shutdown(sv[0], SHUT_WR);
        sending = false;
    }
    for (;;) {
        bool progress = false;
        if (sending) {
            ssize_t n = send(sv[0], p + sent, len - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += (size_t)n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                sending = false; /* the server closed early (a refused body) */
            }
            if (sent == len) {
                shutdown(sv[0], SHUT_WR);
                sending = false;
            }
        }
        daemon_run(fz.daemon);
        bool closed = false;
        for (;;) {
            char chunk[16384];
            ssize_t n = recv(sv[0], chunk, sizeof chunk, 0);
            if (n > 0) {
                buf_add(&got, chunk, (size_t)n);
                progress = true;
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR))
                closed = true;
            break;
        }
        if (closed)
            break;
        /* The daemon may need several turns for one request (and this
         * thread is the only one that gives it any); only when nothing has
         * moved for many turns, wait a little rather than spin: the input's
         * time limit catches a real hang. */
        idle = progress ? 0 : idle + 1;
        if (idle > 1000) {
            struct pollfd pfd = {.fd = sv[0], .events = POLLIN | (sending ? POLLOUT : 0)};
            poll(&pfd, 1, 1);
        }
    }
    close(sv[0]);
    if (!got.data)
        buf_add(&got, "", 0);
    *out_len = got.len;
    return got.data;
}

unsigned fuzz_call(const char *method, const char *path, enum fuzz_account who, const char *body,
                   json_t **answer)
{
    struct buf req = {0};
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n", method, path);
    if (who)
        buf_printf(&req, "Authorization: Bearer %s\r\n", fz.tokens[who]);
    if (body)
        buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
    buf_add(&req, "\r\n", 2);
    if (body)
        buf_add(&req, body, strlen(body));
    size_t n;
    char *reply = fuzz_exchange(req.data, req.len, &n);
    free(req.data);
    unsigned status = 0;
    if (sscanf(reply, "HTTP/1.1 %u", &status) != 1)
        status = 0;
    if (answer) {
        const char *start = strstr(reply, "\r\n\r\n");
        *answer = start ? json_loads(start + 4, 0, NULL) : NULL;
    }
    free(reply);
    return status;
}

/* ---- set-up --------------------------------------------------------------- */

static void store_log_quiet(const char *msg)
{
    log_msg(LOG_ERROR, "%s", msg);
}

static enum store_rc tx_units(struct store_tx *tx, void *ctx)
{
    size_t i;
    json_t *u;
    json_array_foreach((json_t *)ctx, i, u)
    {
        struct unit row = {0};
        snprintf(row.id, sizeof row.id, "%s", json_string_value(json_object_get(u, "id")));
        snprintf(row.name_zh, sizeof row.name_zh, "%s",
                 json_string_value(json_object_get(u, "name_zh")));
        snprintf(row.name_en, sizeof row.name_en, "%s",
                 json_string_value(json_object_get(u, "name_en")));
        snprintf(row.kind, sizeof row.kind, "%s", json_string_value(json_object_get(u, "kind")));
        enum store_rc rc = store_unit_put(tx, &row);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static const struct embedded_file *embedded(const struct embedded_file *table, const char *name)
{
    const struct embedded_file *f = embedded_find(table, name);
    if (!f)
        die("%s is not compiled in", name);
    return f;
}

static void load_units(void)
{
    const struct embedded_file *f = embedded(embedded_config, "review-units.json");
    json_t *doc = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, NULL);
    if (!doc ||
        store_write(fz.srv.engine.store, tx_units, json_object_get(doc, "units")) != STORE_OK)
        die("the review units could not be stored");
    json_decref(doc);
}

struct fixed_account {
    const char *role, *name, *uscc, *unit, *authority, *email;
};

static const struct fixed_account fixed_accounts[FUZZ_ACCOUNTS + 1] = {
    [FUZZ_ADMIN] = {"admin", "测试管理员"},
    [FUZZ_APPLICANT_A] = {"applicant", "北京示例孵化器有限公司", "91110108551385082Q",
                          .email = FUZZ_EMAIL},
    [FUZZ_APPLICANT_B] = {"applicant", "北京市测试旅游集团有限公司", "91110000802100433B"},
    [FUZZ_DISTRICT_110108] = {"district_reviewer", "海淀区初审员", .unit = "110108"},
    [FUZZ_DISTRICT_110105] = {"district_reviewer", "朝阳区初审员", .unit = "110105"},
    [FUZZ_MUNICIPAL_SCIENCE_TECH] = {"municipal_reviewer", "市科委复审员",
                                     .authority = "science_tech"},
    [FUZZ_MUNICIPAL_COMMERCE] = {"municipal_reviewer", "市商务局复审员", .authority = "commerce"},
    [FUZZ_MUNICIPAL_CULTURE_TOURISM] = {"municipal_reviewer", "市文旅局复审员",
                                        .authority = "culture_tourism"},
    [FUZZ_AUDITOR] = {"auditor", "审计员"},
};

struct accounts_ctx {
    struct account rows[FUZZ_ACCOUNTS + 1];
    unsigned char hashes[FUZZ_ACCOUNTS + 1][TOKEN_HASH_BYTES];
    char password[PASSWORD_HASH_LEN];
};

static enum store_rc tx_accounts(struct store_tx *tx, void *ctx)
{
    struct accounts_ctx *c = ctx;
    for (int i = 1; i <= FUZZ_ACCOUNTS; i++) {
        enum store_rc rc = store_account_add(tx, &c->rows[i]);
        struct token_row t = {
            .account_id = c->rows[i].id, .name = "initial", .created_at = c->rows[i].created_at};
        if (rc == STORE_OK)
            rc = store_token_add(tx, &t, c->hashes[i]);
        if (rc == STORE_OK && fixed_accounts[i].email)
            rc = store_account_set_password(tx, c->rows[i].id, c->password);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static void make_accounts(void)
{
    static struct accounts_ctx c;
    for (int i = 1; i <= FUZZ_ACCOUNTS; i++) {
        const struct fixed_account *f = &fixed_accounts[i];
        unsigned char raw[32];
        memset(raw, i, sizeof raw);
        memcpy(fz.tokens[i], TOKEN_PREFIX, 3);
        sodium_bin2base64(fz.tokens[i] + 3, sizeof fz.tokens[i] - 3, raw, sizeof raw,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        if (token_hash(c.hashes[i], fz.tokens[i], fz.srv.token_key) != 0)
            die("token %d is not shaped like a token", i);
        json_t *body = json_pack("{s:s, s:s}", "role", f->role, "name", f->name);
        if (f->uscc)
            json_object_set_new(body, "uscc", json_string(f->uscc));
        if (f->unit)
            json_object_set_new(body, "unit", json_string(f->unit));
        if (f->authority)
            json_object_set_new(body, "authority", json_string(f->authority));
        struct spec_errors errs;
        spec_errors_init(&errs);
        account_from_json(fz.srv.engine.store, body, fz.now, &c.rows[i], &errs);
        if (errs.count > 0)
            die("account %s: %s %s", f->name, errs.items[0].pointer, errs.items[0].detail);
        spec_errors_release(&errs);
        json_decref(body);
        if (f->email)
            snprintf(c.rows[i].email, sizeof c.rows[i].email, "%s", f->email);
    }
    if (password_hash(c.password, FUZZ_PASSWORD) != PASSWORD_OK)
        die("the password could not be hashed");
    if (store_write(fz.srv.engine.store, tx_accounts, &c) != STORE_OK)
        die("the accounts could not be stored");
}

static enum store_rc tx_rotate(struct store_tx *tx, void *ctx)
{
    return store_key_rotate(tx, ctx);
}

static void make_signing_key(void)
{
    char err[512];
    unsigned char pk[SIGN_PUBLIC_LEN];
    struct key_row row = {0};
    rng_seed("signing key");
    if (sign_keygen(fz.keys, row.kid, pk, err, sizeof err) != 0)
        die("%s", err);
    sign_x(row.x, pk);
    clock_format_rfc3339(clock_now(), row.created_at);
    if (store_write(fz.srv.engine.store, tx_rotate, &row) != STORE_OK)
        die("the signing key could not be recorded");
    if (sign_key_load(&fz.key, fz.keys, row.kid, err, sizeof err) != 0)
        die("%s", err);
    atomic_store(&fz.srv.engine.key, &fz.key);
}

static void open_store(void)
{
    char err[512];
    fz.srv.engine.store = store_open(fz.db, err, sizeof err);
    if (!fz.srv.engine.store)
        die("%s", err);
}

/* ---- fixtures, made through the API ------------------------------------- */

static const char *example(const char *kind)
{
    char name[64];
    snprintf(name, sizeof name, "%s.json", kind);
    return embedded(fuzz_examples, name)->data;
}

static void expect(unsigned got, unsigned want, const char *what, json_t *answer)
{
    if (got == want)
        return;
    char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    die("fixture: %s answered %u, not %u: %s", what, got, want, text ? text : "(no JSON)");
}

/* The smallest file a type takes: a PDF, by its magic bytes. */
static const char tiny_pdf[] = "%PDF-1.4\n% a fixture's material\n";

/* Uploads a file of every type application id still needs, so that it can
 * be submitted. */
static void attach_materials(int64_t id, enum fuzz_account who)
{
    char path[128];
    json_t *doc = NULL, *type;
    size_t i;
    snprintf(path, sizeof path, "/v1/applications/%lld/materials", (long long)id);
    expect(fuzz_call("GET", path, who, NULL, &doc), 200, path, doc);
    json_array_foreach(json_object_get(doc, "missing"), i, type)
    {
        struct buf req = {0};
        size_t n;
        unsigned status = 0;
        buf_printf(&req,
                   "POST %s?type=%s HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: application/pdf\r\n"
                   "Content-Length: %zu\r\n\r\n",
                   path, json_string_value(type), fz.tokens[who], sizeof tiny_pdf - 1);
        buf_add(&req, tiny_pdf, sizeof tiny_pdf - 1);
        char *reply = fuzz_exchange(req.data, req.len, &n);
        free(req.data);
        if (sscanf(reply, "HTTP/1.1 %u", &status) != 1 || status != 201)
            die("fixture: uploading %s to application %lld answered %.200s",
                json_string_value(type), (long long)id, reply);
        free(reply);
    }
    json_decref(doc);
}

static int64_t create_with(enum fuzz_account who, const char *body)
{
    json_t *a = NULL;
    unsigned st = fuzz_call("POST", "/v1/applications", who, body, &a);
    expect(st, 201, "create", a);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(a);
    attach_materials(id, who);
    if (id > fz.fx.last)
        fz.fx.last = id;
    return id;
}

static int64_t create(enum fuzz_account who, const char *kind)
{
    return create_with(who, example(kind));
}

/* The tourism_award example as applicant_b's, for its district. */
static int64_t create_tourism_b(void)
{
    json_t *env = json_loads(example("tourism_award"), 0, NULL);
    const struct fixed_account *b = &fixed_accounts[FUZZ_APPLICANT_B];
    json_object_set_new(env, "applicant",
                        json_pack("{s:s, s:s}", "name", b->name, "uscc", b->uscc));
    json_object_set_new(env, "review_unit", json_string("110105"));
    char *body = json_dumps(env, JSON_COMPACT);
    int64_t id = create_with(FUZZ_APPLICANT_B, body);
    free(body);
    json_decref(env);
    return id;
}

static json_t *act(int64_t id, const char *action, enum fuzz_account who, const char *body)
{
    char path[128];
    json_t *a = NULL;
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", (long long)id, action);
    unsigned st = fuzz_call("POST", path, who, body, &a);
    expect(st, strcmp(action, "objections") == 0 ? 201 : 200, path, a);
    return a;
}

static void step(int64_t id, const char *action, enum fuzz_account who, const char *body)
{
    json_decref(act(id, action, who, body));
}

#define DISTRICT_APPROVE                                                                           \
    "{\"stage\":\"district\",\"decision\":\"approve\",\"opinion\":\"材料齐全\"}"
#define DISTRICT_RETURN                                                                            \
    "{\"stage\":\"district\",\"decision\":\"return\",\"opinion\":\"材料不全，请补正。\"}"
#define MUNICIPAL_INCUBATOR                                                                        \
    "{\"stage\":\"municipal\",\"decision\":\"approve\",\"expert_review\":{\"date\":"               \
    "\"2020-09-29\",\"passed\":true,\"summary\":\"专家评审通过\"},\"site_inspection\":{"     \
    "\"date\":\"2020-09-29\",\"passed\":true,\"summary\":\"实地核查属实\"}}"
#define MUNICIPAL_FIRST_STORE                                                                      \
    "{\"stage\":\"municipal\",\"decision\":\"approve\",\"audited_amount_fen\":130000000}"
#define OBJECTION                                                                                  \
    "{\"name\":\"张三\",\"contact\":\"13800000000\",\"reason\":\"申报材料与实际不符。\"}"

static void to_notice(int64_t id, const char *municipal, enum fuzz_account reviewer)
{
    step(id, "submit", FUZZ_APPLICANT_A, NULL);
    step(id, "reviews", FUZZ_DISTRICT_110108, DISTRICT_APPROVE);
    json_t *a = act(id, "reviews", reviewer, municipal);
    if (strcmp(json_string_value(json_object_get(a, "status")), "public_notice") != 0)
        die("fixture: application %lld did not reach public notice", (long long)id);
    json_decref(a);
}

static char *answer_text(const char *path)
{
    json_t *a = NULL;
    unsigned st = fuzz_call("GET", path, FUZZ_AUDITOR, NULL, &a);
    expect(st, 200, path, a);
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

static void make_fixtures(void)
{
    struct fuzz_fixtures *fx = &fz.fx;
    fx->draft = create(FUZZ_APPLICANT_A, "incubator");
    fx->district_review = create(FUZZ_APPLICANT_A, "incubator");
    step(fx->district_review, "submit", FUZZ_APPLICANT_A, NULL);
    fx->municipal_review = create(FUZZ_APPLICANT_A, "first_store");
    step(fx->municipal_review, "submit", FUZZ_APPLICANT_A, NULL);
    step(fx->municipal_review, "reviews", FUZZ_DISTRICT_110108, DISTRICT_APPROVE);
    fx->returned = create(FUZZ_APPLICANT_A, "tourism_award");
    step(fx->returned, "submit", FUZZ_APPLICANT_A, NULL);
    step(fx->returned, "reviews", FUZZ_DISTRICT_110108, DISTRICT_RETURN);
    fx->withdrawn = create(FUZZ_APPLICANT_A, "incubator");
    step(fx->withdrawn, "withdraw", FUZZ_APPLICANT_A, NULL);
    /* Two for the tourism ranking, which their municipal approval needs. */
    fx->tourism_a = create(FUZZ_APPLICANT_A, "tourism_award");
    step(fx->tourism_a, "submit", FUZZ_APPLICANT_A, NULL);
    step(fx->tourism_a, "reviews", FUZZ_DISTRICT_110108, DISTRICT_APPROVE);
    fx->tourism_b = create_tourism_b();
    step(fx->tourism_b, "submit", FUZZ_APPLICANT_B, NULL);
    step(fx->tourism_b, "reviews", FUZZ_DISTRICT_110105, DISTRICT_APPROVE);

    /* Approved, with its certificate: the notice ends on the server's clock
     * (as `shenbao tick` would do it), before the others enter theirs. */
    fx->approved = create(FUZZ_APPLICANT_A, "incubator");
    to_notice(fx->approved, MUNICIPAL_INCUBATOR, FUZZ_MUNICIPAL_SCIENCE_TECH);
    int64_t tick;
    if (clock_parse_rfc3339(FUZZ_TICK_TEXT, &tick) != 0)
        die("bad tick instant");
    rng_seed("certificate");
    if (engine_tick(&fz.srv.engine, tick, NULL, NULL) != 1)
        die("fixture: the notice of application %lld did not end in approval",
            (long long)fx->approved);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/certificate", (long long)fx->approved);
    fx->certificate = answer_text(path);
    json_t *cert = json_loads(fx->certificate, 0, NULL);
    snprintf(fx->serial, sizeof fx->serial, "%s",
             json_string_value(json_object_get(json_object_get(cert, "certificate"), "serial")));
    json_decref(cert);
    fx->jwks = answer_text("/.well-known/jwks.json");

    fx->notice = create(FUZZ_APPLICANT_A, "first_store");
    to_notice(fx->notice, MUNICIPAL_FIRST_STORE, FUZZ_MUNICIPAL_COMMERCE);
    step(fx->notice, "objections", 0, OBJECTION);
    fx->notice_clean = create(FUZZ_APPLICANT_A, "incubator");
    to_notice(fx->notice_clean, MUNICIPAL_INCUBATOR, FUZZ_MUNICIPAL_SCIENCE_TECH);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("cannot write %s", path);
}

/* The session a sign-in opens when it is the first request of an input:
 * the random generator starts every input from the same seed, so the seeds
 * can sign in and then use the session in the same input. */
static json_t *first_session(void)
{
    static const char body[] = "{\"email\":\"" FUZZ_EMAIL "\",\"password\":\"" FUZZ_PASSWORD "\"}";
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /v1/session HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    fuzz_input_begin();
    size_t len;
    char *reply = fuzz_exchange(req, (size_t)n, &len);
    char cookie[128] = "", csrf[128] = "";
    const char *c = strstr(reply, "sb_session=");
    if (c)
        snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(c + 11, ";\r\n"), c + 11);
    c = strstr(reply, "sb_csrf=");
    if (c)
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(c + 8, ";\r\n"), c + 8);
    free(reply);
    if (!cookie[0] || !csrf[0])
        die("fixture: signing in with a password opened no session");
    return json_pack("{s:s, s:s}", "cookie", cookie, "csrf", csrf);
}

static void dump_fixtures(const char *path)
{
    const struct fuzz_fixtures *fx = &fz.fx;
    json_t *tokens = json_object();
    static const char *const names[FUZZ_ACCOUNTS + 1] = {
        [FUZZ_ADMIN] = "admin",
        [FUZZ_APPLICANT_A] = "applicant_a",
        [FUZZ_APPLICANT_B] = "applicant_b",
        [FUZZ_DISTRICT_110108] = "district_110108",
        [FUZZ_DISTRICT_110105] = "district_110105",
        [FUZZ_MUNICIPAL_SCIENCE_TECH] = "municipal_science_tech",
        [FUZZ_MUNICIPAL_COMMERCE] = "municipal_commerce",
        [FUZZ_MUNICIPAL_CULTURE_TOURISM] = "municipal_culture_tourism",
        [FUZZ_AUDITOR] = "auditor",
    };
    for (int i = 1; i <= FUZZ_ACCOUNTS; i++)
        json_object_set_new(tokens, names[i], json_string(fz.tokens[i]));
    json_t *doc = json_pack(
        "{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:s, s:o, s:o, s:s, s:s}",
        "tokens", tokens, "applications", "tourism_a", (json_int_t)fx->tourism_a, "tourism_b",
        (json_int_t)fx->tourism_b, "draft", (json_int_t)fx->draft, "district_review",
        (json_int_t)fx->district_review, "municipal_review", (json_int_t)fx->municipal_review,
        "returned", (json_int_t)fx->returned, "approved", (json_int_t)fx->approved, "notice",
        (json_int_t)fx->notice, "notice_clean", (json_int_t)fx->notice_clean, "withdrawn",
        (json_int_t)fx->withdrawn, "serial", fx->serial, "certificate",
        json_loads(fx->certificate, 0, NULL), "jwks", json_loads(fx->jwks, 0, NULL), "email",
        FUZZ_EMAIL, "password", FUZZ_PASSWORD);
    json_object_set_new(doc, "session", first_session());
    if (!doc || json_dump_file(doc, path, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
        die("cannot write %s", path);
    json_decref(doc);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_dir(void)
{
    if (fz.dir[0])
        nftw(fz.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char chunk[65536];
    ssize_t n;
    if (in < 0 || out < 0)
        die("cannot copy %s to %s: %s", from, to, strerror(errno));
    while ((n = read(in, chunk, sizeof chunk)) > 0)
        if (write(out, chunk, (size_t)n) != n)
            die("cannot write %s: %s", to, strerror(errno));
    close(in);
    close(out);
}

/* Puts the database back as fuzz_server_init() left it. */
static void reset_store(void)
{
    char path[700];
    store_free(fz.srv.engine.store);
    fz.srv.engine.store = NULL;
    snprintf(path, sizeof path, "%s-wal", fz.db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", fz.db);
    unlink(path);
    copy_file(fz.template_db, fz.db);
    open_store();
    app_renderings_forget();
}

void fuzz_server_init(void)
{
    if (fz.ready)
        return;
    /* Before libsodium starts: every random byte from here on repeats. */
    randombytes_set_implementation(&rng);
    rng_seed("init");
    if (sodium_init() < 0)
        die("libsodium could not be initialised");
    json_object_seed(1);
    log_set_level(getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERROR);
    store_set_log(store_log_quiet);
    fz.allow_5xx = getenv("FUZZ_ALLOW_5XX") != NULL;
    if (clock_parse_rfc3339(FUZZ_NOW_TEXT, &fz.now) != 0)
        die("bad clock");

    /* On a memory file system when there is one: the store syncs every
     * commit. */
    const char *base = getenv("FUZZ_TMPDIR");
    if (!base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(fz.dir, sizeof fz.dir, "%s/shenbao-fuzz-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(fz.dir))
        die("cannot make a directory in %s: %s", base ? base : "/tmp", strerror(errno));
    atexit(remove_dir);
    snprintf(fz.db, sizeof fz.db, "%s/fuzz.db", fz.dir);
    snprintf(fz.template_db, sizeof fz.template_db, "%s/template.db", fz.dir);
    snprintf(fz.keys, sizeof fz.keys, "%s/keys", fz.dir);
    snprintf(fz.jwks, sizeof fz.jwks, "%s/jwks.json", fz.dir);
    snprintf(fz.scratch, sizeof fz.scratch, "%s/input", fz.dir);

    config_defaults(&fz.cfg);
    snprintf(fz.cfg.db, sizeof fz.cfg.db, "%s", fz.db);
    snprintf(fz.cfg.keys, sizeof fz.cfg.keys, "%s", fz.keys);
    /* The peer (127.0.0.1) is a trusted proxy, so X-Forwarded-For is read
     * too, and /metrics answers. */
    snprintf(fz.cfg.trusted_proxies[0], sizeof fz.cfg.trusted_proxies[0], "127.0.0.1");
    fz.cfg.n_trusted_proxies = 1;
    fz.srv.cfg = &fz.cfg;

    char err[512];
    open_store();
    /* The engine's defaults (the largest file, ...), as serve has them;
     * the calendar and the stages are set below. */
    engine_init(&fz.srv.engine, fz.srv.engine.store, NULL);
    if (store_migrate(fz.srv.engine.store, NULL, err, sizeof err) != 0)
        die("%s", err);
    load_units();
    const struct embedded_file *cal = embedded(embedded_config, "cn-workdays.json");
    fz.calendar = calendar_load(cal->data, cal->len, err, sizeof err);
    if (!fz.calendar)
        die("%s", err);
    fz.srv.engine.calendar = fz.calendar;
    /* Every kind through every stage: the fixtures reach every status. */
    static const char *const all_kinds[] = {"incubator", "first_store", "tourism_award"};
    for (unsigned i = 0; i < 3; i++) {
        fz.srv.engine.settings.stages[i].kind = all_kinds[i];
        fz.srv.engine.settings.stages[i].stages = STAGES_ALL;
    }
    fz.srv.engine.settings.n_stages = 3;
    fz.srv.engine.settings.objections_open_per_application = fz.cfg.objections_open_per_application;
    fz.srv.engine.settings.objections_per_address_per_day = fz.cfg.objections_per_address_per_day;
    fz.srv.engine.settings.return_due_days = fz.cfg.return_due_days;
    /* The fixtures hold several applications of one organisation and round
     * (as the API harness does: one_application_per_round false). */
    fz.srv.engine.settings.many_per_round = true;
    memset(fz.srv.token_key, 0x5b, sizeof fz.srv.token_key);
    make_accounts();
    make_signing_key();
    size_t n_routes;
    const char *const *names = api_route_names(&n_routes);
    metrics_routes(names, n_routes);
    fz.daemon = daemon_start_in_process(&fz.cfg, answer, api_head, &fz.srv);
    if (!fz.daemon)
        die("libmicrohttpd would not start");
    make_fixtures();
    write_file(fz.jwks, fz.fx.jwks);

    const char *dump = getenv("FUZZ_DUMP");
    if (dump) {
        dump_fixtures(dump);
        exit(0);
    }
    /* The template: the database as it is now, in one file. */
    store_free(fz.srv.engine.store);
    fz.srv.engine.store = NULL;
    copy_file(fz.db, fz.template_db);
    open_store();
    app_renderings_forget();
    fz.ready = true;
}

const struct fuzz_fixtures *fuzz_fixtures(void)
{
    return &fz.fx;
}

const char *fuzz_token(enum fuzz_account a)
{
    return fz.tokens[a];
}

const char *fuzz_db_path(void)
{
    return fz.db;
}

const char *fuzz_jwks_path(void)
{
    return fz.jwks;
}

const char *fuzz_scratch_path(void)
{
    return fz.scratch;
}

struct store *fuzz_store(void)
{
    return fz.srv.engine.store;
}

/* ---- one input ----------------------------------------------------------- */

void fuzz_input_begin(void)
{
    fz.input_no++;
    fz.wrote = false;
    rng_seed("input");
}

bool fuzz_input_wrote(void)
{
    return fz.wrote;
}

bool fuzz_list_has(const json_t *answer, int64_t id)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(answer, "items"), i, item)
    {
        if (json_integer_value(json_object_get(item, "id")) == id)
            return true;
    }
    return false;
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Renders what the input stored before it is forgotten, so that a row that
 * cannot be shown fails this input rather than a later one: the
 * applications the input may have made (the two ids after the fixtures), in
 * the lists of both applicants (each sees its drafts; lists run newest
 * first, so the first page shows them), opened, and their
 * histories; the notices; the objections of the applications under notice.
 * An application its owner can open must be in the owner's list: nothing
 * stored may silently go missing.  (What an action changed in a fixture, its
 * answer has rendered already; rendering every fixture again would cost more
 * than the input.) */
static void sweep(void)
{
    static const enum fuzz_account owners[] = {FUZZ_APPLICANT_A, FUZZ_APPLICANT_B};
    const struct fuzz_fixtures *fx = &fz.fx;
    json_t *lists[2] = {NULL, NULL};
    char path[128];
    /* Newest first, ties by id: what the input made leads the first page
     * (the fixtures are fewer than a page). */
    snprintf(path, sizeof path, "/v1/applications?limit=100");
    for (size_t i = 0; i < 2; i++)
        fuzz_call("GET", path, owners[i], NULL, &lists[i]);
    fuzz_call("GET", "/v1/notices", 0, NULL, NULL);
    snprintf(path, sizeof path, "/v1/applications/%lld/objections", (long long)fx->notice);
    fuzz_call("GET", path, FUZZ_MUNICIPAL_COMMERCE, NULL, NULL);
    snprintf(path, sizeof path, "/v1/applications/%lld/objections", (long long)fx->notice_clean);
    fuzz_call("GET", path, FUZZ_MUNICIPAL_SCIENCE_TECH, NULL, NULL);
    for (int64_t id = fx->last + 1; id <= fx->last + 2; id++) {
        for (size_t i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "/v1/applications/%lld", (long long)id);
            if (fuzz_call("GET", path, owners[i], NULL, NULL) == 200 &&
                !fuzz_list_has(lists[i], id))
                fuzz_fail("application %lld opens for its owner but is missing from the owner's "
                          "list",
                          (long long)id);
            snprintf(path, sizeof path, "/v1/applications/%lld/events", (long long)id);
            fuzz_call("GET", path, owners[i], NULL, NULL);
        }
    }
    json_decref(lists[0]);
    json_decref(lists[1]);
}

void fuzz_input_end(void)
{
    if (!fz.wrote)
        return;
    sweep();
    reset_store();
}
