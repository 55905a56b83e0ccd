/*
 * The libmicrohttpd daemon: a poll() thread pool, writer threads, two-phase
 * request handling, limits on connections, memory, time and body size, and
 * one JSON log line per request.
 *
 * A request begins when its request line has arrived (on_target: the
 * target is kept as received, see target.h) and is checked as a whole when
 * its head has (request_begin) before anything routes on it.  Deadlines for
 * the head and the body, and the per-address connection limit, are kept by
 * conntrack.h, fed by libmicrohttpd's accept-policy and connection
 * callbacks.
 *
 * Two phases: libmicrohttpd calls the access handler first when the headers
 * have arrived, then once per piece of body, then once more with no data.
 * We answer only on that last call (or on a body call, to refuse an
 * oversized body early).  Answering on the very first call makes
 * libmicrohttpd close the connection after the response, which would end
 * keep-alive for every request.
 *
 * The requests that write are answered on threads of their own.  A write
 * waits for the commit that holds it (store_write(), group commit): a
 * libmicrohttpd thread that waited too would hold up every connection it
 * serves, and the writes that could share a commit would reach the store
 * one or two at a time, never together.  So once such a request's body has
 * arrived its connection is suspended and the request queued; a writer
 * thread answers it and resumes the connection, and libmicrohttpd calls the
 * access handler once more, on the connection's own thread, which sends
 * the reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "clock.h"
#include "conntrack.h"
#include "http.h"
#include "jsontext.h"
#include "text.h"
#include "log.h"
#include "metrics.h"

/* How often the sweeper looks for connections past their deadlines. */
#define SWEEP_INTERVAL_MS 200

struct daemon {
    struct MHD_Daemon *mhd;
    const struct config *cfg;
    request_fn answer; /* and its context: what answers each request */
    request_fn head;   /* what looks at its head first (may be NULL) */
    void *answer_ctx;
    struct conntrack *conns;
    atomic_int in_flight; /* requests whose head arrived and that are not yet completed */

    /* The writer threads, those waiting for a request (the one that
     * waited least on top, so a few threads, warm, answer a light load),
     * and the requests waiting for a writer. */
    struct writer *writers;
    unsigned n_writers;
    pthread_mutex_t queue_mu;
    struct writer *idle;
    struct request *queue, **queue_tail;
    bool stopping;
};

struct writer {
    struct daemon *d;
    pthread_t thread;
    pthread_cond_t cv;   /* a request was handed to it, or the daemon stops */
    struct request *job; /* handed to it */
    struct writer *next_idle;
};

static void client_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

static bool trusted_proxy(const struct config *cfg, const char *addr)
{
    for (unsigned i = 0; i < cfg->n_trusted_proxies; i++)
        if (strcmp(cfg->trusted_proxies[i], addr) == 0)
            return true;
    return false;
}

/*
 * When the peer is a proxy the configuration trusts, the client is the
 * address it reports: the right-most entry of X-Forwarded-For that is not
 * itself a trusted proxy (entries to its left were written by the client and
 * prove nothing).  From any other peer the header is ignored, so a client
 * cannot choose the address its limits and logs are kept under.
 */
static void resolve_client(struct request *r, struct MHD_Connection *conn, const struct config *cfg)
{
    if (!trusted_proxy(cfg, r->client_addr))
        return;
    const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    r->secure = proto && strcasecmp(proto, "https") == 0;
    const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff)
        return;
    /* A copy of the whole list: one cut to a fixed size would lose the
     * right-most entries, the ones the proxies wrote. */
    char *list = strdup(xff);
    if (!list)
        return;
    for (;;) {
        char *comma = strrchr(list, ',');
        char *entry = comma ? comma + 1 : list;
        while (*entry == ' ' || *entry == '\t')
            entry++;
        size_t len = strcspn(entry, " \t");
        entry[len] = '\0';
        unsigned char buf[sizeof(struct in6_addr)];
        bool valid = inet_pton(AF_INET, entry, buf) == 1 || inet_pton(AF_INET6, entry, buf) == 1;
        if (!valid || len >= sizeof r->client_addr)
            break; /* garbage from here on: keep the last address we trust */
        memcpy(r->client_addr, entry, len + 1);
        if (!comma || !trusted_proxy(cfg, entry))
            break;
        *comma = '\0';
    }
    free(list);
}

/* A request whose request line has arrived: only its target is known. */
static struct request *request_new(struct daemon *d, struct MHD_Connection *conn, const char *uri)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->target_raw = strdup(uri);
    if (!r->target_raw) {
        free(r);
        return NULL;
    }
    r->cfg = d->cfg;
    r->conn = conn;
    r->route_index = -1;
    r->method = r->path = "";
    unsigned char id[REQUEST_ID_LEN / 2];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(r->request_id, sizeof r->request_id, id, sizeof id);
    return r;
}

/* The head has arrived: who is asking, and is the request well-formed? */
static bool request_start(struct daemon *d, struct request *r, struct MHD_Connection *conn,
                          const char *method, const char *version)
{
    r->started_ns = clock_monotonic_ns();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->slot = ci ? ci->socket_context : NULL;
    conntrack_set_phase(d->conns, r->slot, CONN_BODY, conntrack_now_ms());
    client_address(conn, r->client_addr, sizeof r->client_addr);
    resolve_client(r, conn, d->cfg);
    atomic_fetch_add(&d->in_flight, 1);
    parse_json_count_take(); /* count this request's from here */
    return request_begin(r, method, version);
}

static void request_free(struct request *r)
{
    target_release(&r->target);
    free(r->target_raw);
    free(r->shown[0]);
    free(r->shown[1]);
    json_decref(r->reply_doc);
    free(r->body);
    free(r->reply_body);
    /* A body taken into a file: the file has no name, and goes with its
     * descriptor, whether the body arrived whole or not. */
    upload_free(r->upload);
    if (r->stream) {
        /* Never handed to libmicrohttpd (which releases it otherwise). */
        if (r->stream->release)
            r->stream->release(r->stream->ctx);
        free(r->stream);
    }
    free(r);
}

/*
 * libmicrohttpd's URI log callback: the request line has arrived, the
 * headers not yet.  Whatever it returns is the request's *con_cls.
 *
 * libmicrohttpd 0.9.75 would next split the query into its connection
 * memory, and when a query of thousands of parameters does not fit, the
 * error reply it queues is overwritten by its next state and the
 * connection hangs until the idle timeout.  So the query is kept here, to
 * be parsed by target_parse() with a limit on its parameters, and cut from
 * libmicrohttpd's copy: uri points into its writable read buffer, at the
 * '?' it has already found, and what follows it is parsed only after this
 * call (connection.c, parse_initial_message_line()).
 */
static void *on_target(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct daemon *d = cls;
    struct request *r = request_new(d, conn, uri ? uri : "");
    if (r)
        r->target_line = uri;
    char *query = uri ? strchr(uri, '?') : NULL;
    if (query)
        query[1] = '\0';
    return r;
}

/* Turns the request's reply into a libmicrohttpd response and queues it. */
static bool has_header(const struct request *r, const char *name)
{
    for (unsigned i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i][0], name) == 0)
            return true;
    return false;
}

/* A streamed reply's pieces, as libmicrohttpd asks for them. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct reply_stream *st = cls;
    if (pos >= st->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (max > st->size - pos)
        max = (size_t)(st->size - pos);
    long n = st->read(st->ctx, pos, buf, max);
    return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct reply_stream *st = cls;
    if (st->release)
        st->release(st->ctx);
    free(st);
}

/* The piece a streamed reply is read in. */
#define STREAM_PIECE (64 * 1024)

/* Turns the request's reply into a libmicrohttpd response and queues it. */
static enum MHD_Result send_reply(struct MHD_Connection *conn, struct request *r)
{
    reply_finish(r);
    struct MHD_Response *resp;
    if (r->stream) {
        resp = MHD_create_response_from_callback(r->stream->size, STREAM_PIECE, stream_read,
                                                 r->stream, stream_free);
        if (resp)
            r->stream = NULL; /* now released with the response */
    } else if (r->static_body)
        resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    else if (r->reply_body)
        resp = MHD_create_response_from_buffer(r->reply_len, r->reply_body, MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (r->reply_body && !r->static_body)
        r->reply_body = NULL; /* now owned by the response */
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    if (!has_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (unsigned i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool content_length_exceeds(struct MHD_Connection *conn, size_t limit)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return errno != 0 || n > limit;
}

/* Whether r may write: every method but the ones that only read. */
static bool writes(const struct request *r)
{
    return strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
           strcmp(r->method, "OPTIONS") != 0;
}

/* Suspends r's connection and gives r to the writer that waited least, or
 * queues it when all are busy; false when the daemon is stopping (the
 * writers are gone: answer it here). */
static bool hand_over(struct daemon *d, struct request *r)
{
    pthread_mutex_lock(&d->queue_mu);
    bool open = !d->stopping;
    if (open) {
        /* Suspended before any writer can see it, so that none can
         * resume it first. */
        r->deferred = true;
        MHD_suspend_connection(r->conn);
        struct writer *w = d->idle;
        if (w) {
            d->idle = w->next_idle;
            w->job = r;
            pthread_cond_signal(&w->cv);
        } else {
            *d->queue_tail = r;
            d->queue_tail = &r->next_deferred;
        }
    }
    pthread_mutex_unlock(&d->queue_mu);
    return open;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)url; /* the target as received is in r: libmicrohttpd's decoding loses NULs */
    struct daemon *d = cls;
    struct request *r = *con_cls;
    const struct config *cfg = d->cfg;

    if (!r)
        return MHD_NO; /* out of memory when the request line arrived */
    if (!r->began) {
        /* Refusals here are answered at once, which makes libmicrohttpd
         * close the connection after the reply: right for a request whose
         * framing or text cannot be trusted. */
        bool ok = request_start(d, r, conn, method, version);
        if (ok && d->head) {
            /* The layer above may refuse now, or take the body into a
             * file (a route that takes one). */
            d->head(d->answer_ctx, r);
            ok = !r->replied;
        }
        size_t limit = r->upload ? (size_t)upload_limit(r->upload) : cfg->body_limit;
        if (ok && content_length_exceeds(conn, limit)) {
            /* Refuse before reading a byte of it; the connection closes. */
            reply_problem(r, P_TOO_LARGE, "the body may be at most %zu bytes", limit);
            ok = false;
        }
        if (!ok) {
            conntrack_set_phase(d->conns, r->slot, CONN_BUSY, conntrack_now_ms());
            return send_reply(conn, r);
        }
        return MHD_YES;
    }
    if (r->deferred)
        return send_reply(conn, r); /* answered by a writer thread, resumed */
    if (r->replied)
        return MHD_YES; /* refused on the first call; libmicrohttpd closes */
    if (*upload_data_size > 0) {
        /* A body trickling in too slowly is cut by the sweeper
         * (request_timeout_s, conntrack.h), whether more arrives or not. */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->upload) {
            /* Into the file, piece by piece: memory holds one piece. */
            upload_write(r->upload, upload_data, n);
            return MHD_YES;
        }
        if (r->body_too_large)
            return MHD_YES; /* discard the rest; 413 when it has all arrived */
        if (r->body_len + n > cfg->body_limit) {
            /* libmicrohttpd cannot queue a reply in the middle of a chunked
             * body, so remember, discard, and answer at the end. */
            r->body_too_large = true;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 4096;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b)
                return MHD_NO;
            r->body = b;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }

    conntrack_set_phase(d->conns, r->slot, CONN_BUSY, conntrack_now_ms());
    if (r->upload)
        upload_finish(r->upload);
    if (r->body_too_large)
        reply_problem(r, P_TOO_LARGE, "the body may be at most %zu bytes", cfg->body_limit);
    else if (r->upload && upload_too_large(r->upload))
        reply_problem(r, P_TOO_LARGE, "the file may be at most %lld bytes",
                      (long long)upload_limit(r->upload));
    else if (r->upload && upload_failed(r->upload))
        reply_problem(r, P_UNAVAILABLE, "the file could not be received now; try again later");
    else if (d->n_writers > 0 && writes(r) && hand_over(d, r))
        return MHD_YES; /* suspended until a writer has answered it */
    else
        d->answer(d->answer_ctx, r);
    enum MHD_Result ret = send_reply(conn, r);
    r->json_parses = parse_json_count_take();
    return ret;
}

/* A writer thread: answers the requests handed to it or queued, each on
 * this thread, and hands each back to its connection's thread to be sent.
 * Ends when the daemon stops and the queue is empty. */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct daemon *d = w->d;
    pthread_mutex_lock(&d->queue_mu);
    for (;;) {
        struct request *r = w->job;
        w->job = NULL;
        if (!r && d->queue) {
            r = d->queue;
            d->queue = r->next_deferred;
            if (!d->queue)
                d->queue_tail = &d->queue;
        }
        if (!r && d->stopping)
            break;
        if (!r) {
            w->next_idle = d->idle;
            d->idle = w;
            while (!w->job && !d->stopping)
                pthread_cond_wait(&w->cv, &d->queue_mu);
            continue;
        }
        pthread_mutex_unlock(&d->queue_mu);
        parse_json_count_take();
        d->answer(d->answer_ctx, r);
        r->json_parses = parse_json_count_take();
        /* From here the request is the connection's thread's again (it
         * may be sent and freed at once): not a field more is touched. */
        MHD_resume_connection(r->conn);
        pthread_mutex_lock(&d->queue_mu);
    }
    pthread_mutex_unlock(&d->queue_mu);
    return NULL;
}

/* Starts n writer threads; false (with none left running) when not even
 * one could be. */
static bool writers_start(struct daemon *d, unsigned n)
{
    d->writers = calloc(n, sizeof *d->writers);
    if (!d->writers)
        return false;
    for (; d->n_writers < n; d->n_writers++) {
        struct writer *w = &d->writers[d->n_writers];
        w->d = d;
        pthread_cond_init(&w->cv, NULL);
        if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
            pthread_cond_destroy(&w->cv);
            break;
        }
    }
    return d->n_writers > 0;
}

/* Lets the writer threads answer what is queued, then end.  n_writers
 * stays: a request that arrives after this finds the daemon stopping
 * (hand_over) and is answered on its own thread. */
static void writers_stop(struct daemon *d)
{
    pthread_mutex_lock(&d->queue_mu);
    d->stopping = true;
    for (unsigned i = 0; i < d->n_writers; i++)
        pthread_cond_signal(&d->writers[i].cv);
    pthread_mutex_unlock(&d->queue_mu);
    for (unsigned i = 0; i < d->n_writers; i++) {
        pthread_join(d->writers[i].thread, NULL);
        pthread_cond_destroy(&d->writers[i].cv);
    }
    free(d->writers);
    d->writers = NULL;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct daemon *d = cls;
    struct request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (!r->began) {
        /* The head never arrived whole (closed, cut by a deadline, or
         * refused by libmicrohttpd itself): nothing was asked of us. */
        request_free(r);
        return;
    }
    /* A connection kept alive now waits for its next request's head. */
    conntrack_set_phase(d->conns, r->slot, CONN_HEAD, conntrack_now_ms());
    int64_t us = (clock_monotonic_ns() - r->started_ns) / 1000;
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:s}", "request_id", r->request_id, "method",
                  r->method, "path", r->path, "route", r->route_name ? r->route_name : "", "status",
                  (json_int_t)r->status, "duration_us", (json_int_t)us, "client", r->client_addr);
    if (f && r->account)
        json_object_set_new(f, "account", json_integer(r->account));
    if (f)
        json_object_set_new(f, "json_parses", json_integer(r->json_parses));
    if (f && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(f, "terminated", json_integer(toe));
    log_json(LOG_INFO, "request", f);
    metrics_observe(r->route_index, r->status, us);
    request_free(r);
    atomic_fetch_sub(&d->in_flight, 1);
}

/* libmicrohttpd's accept policy: the per-address limit (conntrack_admit). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct daemon *d = cls;
    return conntrack_admit(d->conns, addr, conntrack_now_ms()) ? MHD_YES : MHD_NO;
}

/*
 * libmicrohttpd's connection callback, on the connection's own thread:
 * STARTED once it is accepted, CLOSED when it ends.  CLOSED comes before
 * libmicrohttpd closes the descriptor (daemon.c, MHD_cleanup_connections()
 * and new_connection_process_()), which is what lets the sweeper shut a
 * descriptor down safely (conntrack.h).
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct daemon *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        *socket_context = fd && addr ? conntrack_add(d->conns, fd->connect_fd, addr->client_addr,
                                                     conntrack_now_ms())
                                     : NULL;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conntrack_remove(d->conns, *socket_context);
        *socket_context = NULL;
    }
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512], shown[3 * sizeof line];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    /* Its messages may quote what a client sent, cut anywhere: escaped,
     * they are JSON whatever they hold. */
    const char *text = line;
    if (!text_utf8_valid(line, strlen(line)))
        text = target_escape(shown, sizeof shown, line, strlen(line));
    log_json(LOG_WARN, "libmicrohttpd", json_pack("{s:s}", "detail", text));
}

static int listen_address(const struct config *cfg, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, cfg->listen_host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)cfg->listen_port);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, cfg->listen_host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->listen_port);
        return AF_INET6;
    }
    return -1;
}

/* The listening socket systemd passed (socket activation, sd_listen_fds(3)):
 * fd 3 when LISTEN_PID is us and LISTEN_FDS is 1; else -1. */
static int inherited_socket(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || strcmp(fds, "1") != 0)
        return -1;
    /* Not for the children a process like ours might start. */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return 3;
}

/* A daemon with every limit of the configuration; flags and `mode` (more
 * options) say where its connections come from and which threads serve
 * them, `writers` how many writer threads answer writes (0: none).  The
 * writers start before the first connection can arrive, so that whether
 * there are any never changes under a request.  NULL with err on
 * failure. */
static struct daemon *daemon_new(const struct config *cfg, request_fn answer, request_fn head,
                                 void *ctx, unsigned flags, const struct MHD_OptionItem *mode,
                                 bool sweeper, unsigned writers, char *err, size_t errlen)
{
    struct daemon *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->cfg = cfg;
    d->answer = answer;
    d->head = head;
    d->answer_ctx = ctx;
    pthread_mutex_init(&d->queue_mu, NULL);
    d->queue_tail = &d->queue;
    d->conns = conntrack_new(cfg->per_ip_limit, (int64_t)cfg->header_timeout * 1000,
                             (int64_t)cfg->request_timeout * 1000);
    if (!d->conns || (sweeper && conntrack_start_sweeper(d->conns, SWEEP_INTERVAL_MS) != 0)) {
        snprintf(err, errlen, "out of memory");
        conntrack_free(d->conns);
        pthread_mutex_destroy(&d->queue_mu);
        free(d);
        return NULL;
    }
    if (writers > 0 && !writers_start(d, writers)) {
        snprintf(err, errlen, "cannot start the writer threads");
        writers_stop(d);
        conntrack_stop_sweeper(d->conns);
        conntrack_free(d->conns);
        pthread_mutex_destroy(&d->queue_mu);
        free(d);
        return NULL;
    }
    /* No MHD_OPTION_PER_IP_CONNECTION_LIMIT: on_accept keeps that limit,
     * so that it can make room (conntrack.h). */
    d->mhd = MHD_start_daemon(
        flags, (uint16_t)cfg->listen_port, on_accept, d, on_access, d,
        /* First, so that it hears what the other options have to say. */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_ARRAY, mode,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, MHD_OPTION_CONNECTION_LIMIT,
        cfg->connection_limit, MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory,
        MHD_OPTION_URI_LOG_CALLBACK, on_target, d, MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d, MHD_OPTION_END);
    if (!d->mhd) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not allowed)", cfg->listen_host,
                 cfg->listen_port);
        writers_stop(d);
        conntrack_stop_sweeper(d->conns);
        conntrack_free(d->conns);
        pthread_mutex_destroy(&d->queue_mu);
        free(d);
        return NULL;
    }
    return d;
}

struct daemon *daemon_start(const struct config *cfg, request_fn answer, request_fn head, void *ctx,
                            char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int family = listen_address(cfg, &ss);
    if (family < 0) {
        snprintf(err, errlen, "listen address \"%s\" is not an IP address", cfg->listen_host);
        return NULL;
    }
    unsigned threads = cfg->threads;
    if (threads == 0) {
        /* Four per core: each thread serves the connections it happened to
         * accept, which spread unevenly (one of two threads may get most of
         * them, and a core idles while the other is swamped); with four per
         * core an uneven spread still keeps every core busy. */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? 4 * (unsigned)n : 4;
    }
    /* poll(), not epoll: libmicrohttpd 0.9.75's MHD_quiesce_daemon() races
     * its own epoll workers for the listening socket and aborts the process
     * when it loses (MHD_PANIC "Failed to remove listen FD from epoll set",
     * seen stopping a server under load); with poll() quiescing only
     * signals each worker. */
    unsigned flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    /* Under socket activation systemd made the socket (and the unit may
     * have no network of its own): use it instead of the configured
     * address. */
    int fd = inherited_socket();
    if (family == AF_INET6 && fd < 0)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem mode[] = {
        fd >= 0 ? (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL}
                : (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct daemon *d =
        daemon_new(cfg, answer, head, ctx, flags, mode, true, cfg->write_threads, err, errlen);
    if (!d)
        return NULL;
    if (fd >= 0)
        log_json(LOG_INFO, "listening on the socket systemd passed",
                 json_pack("{s:i, s:i}", "threads", (json_int_t)threads, "write_threads",
                           (json_int_t)d->n_writers));
    else
        log_json(LOG_INFO, "listening",
                 json_pack("{s:s, s:i, s:i, s:i}", "host", cfg->listen_host, "port",
                           (json_int_t)cfg->listen_port, "threads", (json_int_t)threads,
                           "write_threads", (json_int_t)d->n_writers));
    return d;
}

void daemon_stop(struct daemon *d)
{
    if (!d)
        return;
    /* Stop accepting; requests already begun get up to ten seconds. */
    MHD_socket ls = MHD_quiesce_daemon(d->mhd);
    for (int i = 0; i < 1000 && atomic_load(&d->in_flight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* What the writer threads hold is answered and handed back before
     * libmicrohttpd closes the connections. */
    writers_stop(d);
    /* The sweeper goes first; the tracker stays until libmicrohttpd has
     * reported every connection closed. */
    conntrack_stop_sweeper(d->conns);
    MHD_stop_daemon(d->mhd);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    conntrack_free(d->conns);
    pthread_mutex_destroy(&d->queue_mu);
    free(d);
}

/* The same daemon with no socket and no thread of its own: the caller hands
 * it connections and runs it (the fuzzers do, to drive whole requests
 * through libmicrohttpd inside one process). */
struct daemon *daemon_start_in_process(const struct config *cfg, request_fn answer, request_fn head,
                                       void *ctx)
{
    static const struct MHD_OptionItem mode[] = {{MHD_OPTION_END, 0, NULL}};
    char err[512]; /* room for daemon_new's longest message, a host name in it */
    return daemon_new(cfg, answer, head, ctx, MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, mode,
                      false, 0, err, sizeof err);
}

bool daemon_add_connection(struct daemon *d, int fd, const struct sockaddr *addr, unsigned addr_len)
{
    return MHD_add_connection(d->mhd, fd, addr, (socklen_t)addr_len) == MHD_YES;
}

void daemon_run(struct daemon *d)
{
    MHD_run(d->mhd);
}
