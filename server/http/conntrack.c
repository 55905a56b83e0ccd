/*
 * Connection deadlines and the per-address limit (see conntrack.h).
 *
 * Connections are kept in one list, for the sweeper, and by address in a
 * hash table of peers, each with the list of its connections, so that
 * admitting a connection looks only at its own address.  A slot that was
 * shut down stays until libmicrohttpd reports the connection closed, but no
 * longer counts against its address.
 */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define PEER_BUCKETS 1024

/* How long a connection whose client closed in the middle of its body is
 * left to libmicrohttpd before the sweeper ends it (a client that sends its
 * whole body and then closes its side is answered well within it). */
#define GONE_GRACE_MS 200

/* An address as bytes: IPv4 as its IPv4-mapped IPv6 form, so one listener
 * of either family compares alike. */
struct addr_key {
    unsigned char b[16];
};

struct peer {
    struct addr_key key;
    unsigned live;                  /* slots not shut down */
    struct conn_slot *first, *last; /* this address's slots, in order of arrival */
    struct peer *next;              /* in its hash bucket */
};

struct conn_slot {
    struct conn_slot *prev, *next;           /* every slot */
    struct conn_slot *peer_prev, *peer_next; /* the slots of one address */
    struct peer *peer;
    int fd;
    enum conn_phase phase;
    int64_t since_ms; /* when the phase began */
    bool shut;        /* shut down by us; closing */
};

struct conntrack {
    pthread_mutex_t lock;
    unsigned per_address;
    int64_t head_ms, body_ms;
    struct conn_slot *first, *last;
    struct peer *buckets[PEER_BUCKETS];

    /* the sweeper */
    pthread_t thread;
    bool running, stopping;
    int64_t interval_ms;
    pthread_cond_t wake;
};

int64_t conntrack_now_ms(void)
{
    return clock_monotonic_ns() / 1000000;
}

static void key_of(struct addr_key *k, const struct sockaddr *sa)
{
    memset(k, 0, sizeof *k);
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
        k->b[10] = k->b[11] = 0xFF;
        memcpy(k->b + 12, &in4->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(k->b, &in6->sin6_addr, 16);
    }
}

static void key_text(const struct addr_key *k, char *out, socklen_t cap)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(k->b, mapped, sizeof mapped) == 0)
        inet_ntop(AF_INET, k->b + 12, out, cap);
    else
        inet_ntop(AF_INET6, k->b, out, cap);
}

static size_t bucket_of(const struct addr_key *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof k->b; i++)
        h = (h ^ k->b[i]) * 16777619u;
    return h % PEER_BUCKETS;
}

/* The peer of key, or NULL.  Called with the lock held. */
static struct peer *peer_find(struct conntrack *ct, const struct addr_key *k)
{
    for (struct peer *p = ct->buckets[bucket_of(k)]; p; p = p->next)
        if (memcmp(p->key.b, k->b, sizeof k->b) == 0)
            return p;
    return NULL;
}

struct conntrack *conntrack_new(unsigned per_address, int64_t head_ms, int64_t body_ms)
{
    struct conntrack *ct = calloc(1, sizeof *ct);
    if (!ct)
        return NULL;
    pthread_mutex_init(&ct->lock, NULL);
    pthread_cond_init(&ct->wake, NULL);
    ct->per_address = per_address;
    ct->head_ms = head_ms;
    ct->body_ms = body_ms;
    return ct;
}

void conntrack_free(struct conntrack *ct)
{
    if (!ct)
        return;
    for (struct conn_slot *s = ct->first, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    for (size_t i = 0; i < PEER_BUCKETS; i++)
        for (struct peer *p = ct->buckets[i], *next; p; p = next) {
            next = p->next;
            free(p);
        }
    pthread_cond_destroy(&ct->wake);
    pthread_mutex_destroy(&ct->lock);
    free(ct);
}

/* Shuts the slot's connection down: libmicrohttpd reads end-of-file and
 * closes it.  Called with the lock held, so the descriptor is still the
 * connection's own (see conntrack.h). */
static void shut(struct conn_slot *s)
{
    if (s->shut)
        return;
    shutdown(s->fd, SHUT_RDWR);
    s->shut = true;
    s->peer->live--;
}

static void log_closed(const struct conn_slot *s, const char *why, int64_t waited_ms)
{
    char addr[INET6_ADDRSTRLEN];
    key_text(&s->peer->key, addr, sizeof addr);
    log_json(LOG_WARN, why,
             json_pack("{s:s, s:I}", "client", addr, "waited_ms", (json_int_t)waited_ms));
}

bool conntrack_admit(struct conntrack *ct, const struct sockaddr *addr, int64_t now_ms)
{
    struct addr_key k;
    key_of(&k, addr);
    bool ok = true;
    pthread_mutex_lock(&ct->lock);
    struct peer *p = peer_find(ct, &k);
    if (p && p->live >= ct->per_address) {
        struct conn_slot *oldest = NULL;
        for (struct conn_slot *s = p->first; s; s = s->peer_next)
            if (!s->shut && s->phase == CONN_HEAD && (!oldest || s->since_ms < oldest->since_ms))
                oldest = s;
        if (oldest) {
            shut(oldest);
            log_closed(oldest,
                       "connection closed to make room for a new one from its address "
                       "(per_ip_connection_limit): no request head yet",
                       now_ms - oldest->since_ms);
        } else {
            ok = false;
        }
    }
    pthread_mutex_unlock(&ct->lock);
    return ok;
}

struct conn_slot *conntrack_add(struct conntrack *ct, int fd, const struct sockaddr *addr,
                                int64_t now_ms)
{
    struct addr_key k;
    key_of(&k, addr);
    struct conn_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = fd;
    s->phase = CONN_HEAD;
    s->since_ms = now_ms;
    pthread_mutex_lock(&ct->lock);
    struct peer *p = peer_find(ct, &k);
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&ct->lock);
            free(s);
            return NULL;
        }
        p->key = k;
        size_t b = bucket_of(&k);
        p->next = ct->buckets[b];
        ct->buckets[b] = p;
    }
    s->peer = p;
    p->live++;
    s->peer_prev = p->last;
    if (p->last)
        p->last->peer_next = s;
    else
        p->first = s;
    p->last = s;
    s->prev = ct->last;
    if (ct->last)
        ct->last->next = s;
    else
        ct->first = s;
    ct->last = s;
    pthread_mutex_unlock(&ct->lock);
    return s;
}

void conntrack_remove(struct conntrack *ct, struct conn_slot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&ct->lock);
    struct peer *p = s->peer;
    if (!s->shut)
        p->live--;
    if (s->peer_prev)
        s->peer_prev->peer_next = s->peer_next;
    else
        p->first = s->peer_next;
    if (s->peer_next)
        s->peer_next->peer_prev = s->peer_prev;
    else
        p->last = s->peer_prev;
    if (s->prev)
        s->prev->next = s->next;
    else
        ct->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        ct->last = s->prev;
    if (!p->first) {
        struct peer **pp = &ct->buckets[bucket_of(&p->key)];
        while (*pp != p)
            pp = &(*pp)->next;
        *pp = p->next;
        free(p);
    }
    pthread_mutex_unlock(&ct->lock);
    free(s);
}

void conntrack_set_phase(struct conntrack *ct, struct conn_slot *s, enum conn_phase phase,
                         int64_t now_ms)
{
    if (!s)
        return;
    pthread_mutex_lock(&ct->lock);
    s->phase = phase;
    s->since_ms = now_ms;
    pthread_mutex_unlock(&ct->lock);
}

/* Whether the client has closed its side of connection fd (end-of-file
 * has arrived, whatever is still queued before it). */
static bool peer_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

unsigned conntrack_sweep(struct conntrack *ct, int64_t now_ms)
{
    unsigned n = 0;
    pthread_mutex_lock(&ct->lock);
    for (struct conn_slot *s = ct->first; s; s = s->next) {
        if (s->shut || s->phase == CONN_BUSY)
            continue;
        int64_t waited = now_ms - s->since_ms;
        if (s->phase == CONN_HEAD && waited >= ct->head_ms) {
            shut(s);
            log_closed(s, "connection closed: no complete request head in time (header_timeout_s)",
                       waited);
            n++;
        } else if (s->phase == CONN_BODY && waited >= ct->body_ms) {
            shut(s);
            log_closed(s,
                       "connection closed: request body not received in time (request_timeout_s)",
                       waited);
            n++;
        } else if (s->phase == CONN_BODY && waited >= GONE_GRACE_MS && peer_gone(s->fd)) {
            /* libmicrohttpd may not read on to the
             * end-of-file of a client that closed with much of its body
             * still queued: the request can never complete, so end it now
             * rather than at its deadline (whatever it was receiving, a
             * file included, goes with it). */
            shut(s);
            log_closed(s,
                       "connection closed: the client went away before its request body was "
                       "complete",
                       waited);
            n++;
        }
    }
    pthread_mutex_unlock(&ct->lock);
    return n;
}

unsigned conntrack_count(struct conntrack *ct, const struct sockaddr *addr)
{
    struct addr_key k;
    key_of(&k, addr);
    pthread_mutex_lock(&ct->lock);
    struct peer *p = peer_find(ct, &k);
    unsigned n = p ? p->live : 0;
    pthread_mutex_unlock(&ct->lock);
    return n;
}

static void *sweeper_main(void *arg)
{
    struct conntrack *ct = arg;
    pthread_mutex_lock(&ct->lock);
    while (!ct->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + ct->interval_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&ct->wake, &ct->lock, &ts);
        if (ct->stopping)
            break;
        pthread_mutex_unlock(&ct->lock);
        conntrack_sweep(ct, conntrack_now_ms());
        pthread_mutex_lock(&ct->lock);
    }
    pthread_mutex_unlock(&ct->lock);
    return NULL;
}

int conntrack_start_sweeper(struct conntrack *ct, int64_t interval_ms)
{
    ct->interval_ms = interval_ms;
    ct->stopping = false;
    if (pthread_create(&ct->thread, NULL, sweeper_main, ct) != 0)
        return -1;
    ct->running = true;
    return 0;
}

void conntrack_stop_sweeper(struct conntrack *ct)
{
    if (!ct || !ct->running)
        return;
    pthread_mutex_lock(&ct->lock);
    ct->stopping = true;
    pthread_cond_signal(&ct->wake);
    pthread_mutex_unlock(&ct->lock);
    pthread_join(ct->thread, NULL);
    ct->running = false;
}
