/*
 * Sign-in throttling; throttle.h has the arithmetic and why.
 */
#include "throttle.h"

#include <string.h>

#include <sodium.h>

/* How far from its home slot a key may be kept. */
#define PROBE 8

int64_t throttle_delay_ms(unsigned failures, unsigned free, unsigned base_s, unsigned max_s)
{
    if (failures <= free)
        return 0;
    unsigned doublings = failures - free - 1;
    int64_t max_ms = (int64_t)max_s * 1000;
    /* base_s is at most 3600 (config.c): 2^30 times it still fits. */
    if (doublings >= 30)
        return max_ms;
    int64_t d = ((int64_t)base_s * 1000) << doublings;
    return d < max_ms ? d : max_ms;
}

static void absorb(crypto_generichash_state *st, const char *part)
{
    uint32_t len = (uint32_t)strlen(part);
    crypto_generichash_update(st, (const unsigned char *)&len, sizeof len);
    crypto_generichash_update(st, (const unsigned char *)part, len);
}

/* The key of one text, or of two (b may be NULL), each with its length in
 * front so that no two pairs make the same input.  Called with the lock
 * held; libsodium is initialised (cli_main() saw to it). */
static uint64_t key_of(struct throttle *t, const char *a, const char *b)
{
    crypto_generichash_state st;
    unsigned char out[8];
    uint64_t key = 0;

    if (!t->keyed) {
        randombytes_buf(t->hash_key, sizeof t->hash_key);
        t->keyed = true;
    }
    crypto_generichash_init(&st, t->hash_key, sizeof t->hash_key, sizeof out);
    absorb(&st, a);
    if (b)
        absorb(&st, b);
    crypto_generichash_final(&st, out, sizeof out);
    memcpy(&key, out, sizeof key);
    return key ? key : 1;
}

/* The slot of key, or NULL when the table has none for it. */
static struct throttle_slot *find(struct throttle_table *tb, uint64_t key)
{
    for (unsigned i = 0; i < PROBE; i++) {
        struct throttle_slot *s = &tb->slots[(key + i) % THROTTLE_SLOTS];
        if (s->key == key)
            return s;
    }
    return NULL;
}

/* The slot of key, made when missing: an empty or stale slot near its
 * home, else the one there whose last event is oldest. */
static struct throttle_slot *take(struct throttle_table *tb, uint64_t key, int64_t now_ms,
                                  int64_t stale_ms)
{
    struct throttle_slot *s = find(tb, key);
    if (s)
        return s;
    struct throttle_slot *oldest = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct throttle_slot *c = &tb->slots[(key + i) % THROTTLE_SLOTS];
        if (c->key == 0 || now_ms - c->last_ms >= stale_ms) {
            oldest = c;
            break;
        }
        if (!oldest || c->last_ms < oldest->last_ms)
            oldest = c;
    }
    oldest->key = key;
    oldest->count = 0;
    oldest->last_ms = now_ms;
    return oldest;
}

/* The failures of key that still count at now_ms. */
static unsigned failures(struct throttle_table *tb, uint64_t key, int64_t now_ms, int64_t *last_ms)
{
    struct throttle_slot *s = find(tb, key);
    if (!s || now_ms - s->last_ms >= THROTTLE_FORGET_MS)
        return 0;
    *last_ms = s->last_ms;
    return s->count;
}

/* Milliseconds key must still wait under a table's policy. */
static int64_t wait_ms(struct throttle_table *tb, uint64_t key, int64_t now_ms, unsigned free,
                       unsigned base_s, unsigned max_s)
{
    int64_t last = 0;
    unsigned n = failures(tb, key, now_ms, &last);
    int64_t until = last + throttle_delay_ms(n, free, base_s, max_s);
    return n > free && until > now_ms ? until - now_ms : 0;
}

static void count(struct throttle_table *tb, uint64_t key, int64_t now_ms)
{
    struct throttle_slot *s = take(tb, key, now_ms, THROTTLE_FORGET_MS);
    if (now_ms - s->last_ms >= THROTTLE_FORGET_MS)
        s->count = 0;
    if (s->count < UINT32_MAX)
        s->count++;
    s->last_ms = now_ms;
}

static void uncount(struct throttle_table *tb, uint64_t key)
{
    struct throttle_slot *s = find(tb, key);
    if (s && s->count > 0)
        s->count--;
}

static void touch(struct throttle_table *tb, uint64_t key, int64_t now_ms)
{
    struct throttle_slot *s = find(tb, key);
    if (s && s->count > 0)
        s->last_ms = now_ms;
}

static bool known(struct throttle_table *tb, uint64_t key, int64_t now_ms)
{
    struct throttle_slot *s = find(tb, key);
    return s && now_ms - s->last_ms < THROTTLE_KNOWN_MS;
}

unsigned throttle_begin(struct throttle *t, const struct throttle_policy *p, const char *email,
                        const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    uint64_t pair = key_of(t, email, addr);
    uint64_t address = key_of(t, addr, NULL);
    uint64_t account = key_of(t, email, NULL);
    int64_t w = wait_ms(&t->pairs, pair, now_ms, p->free_pair, p->base_s, p->max_s);
    int64_t wa = wait_ms(&t->addresses, address, now_ms, p->free_address, p->base_s, p->max_s);
    int64_t wc = 0;
    if (p->account_max_s > 0 && !known(&t->known, pair, now_ms))
        wc = wait_ms(&t->accounts, account, now_ms, p->free_account, p->base_s, p->account_max_s);
    if (wa > w)
        w = wa;
    if (wc > w)
        w = wc;
    if (w == 0) {
        count(&t->pairs, pair, now_ms);
        count(&t->addresses, address, now_ms);
        count(&t->accounts, account, now_ms);
    }
    pthread_mutex_unlock(&t->lock);
    /* Whole seconds, rounded up: never a Retry-After of 0. */
    return (unsigned)((w + 999) / 1000);
}

void throttle_failed(struct throttle *t, const char *email, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    touch(&t->pairs, key_of(t, email, addr), now_ms);
    touch(&t->addresses, key_of(t, addr, NULL), now_ms);
    touch(&t->accounts, key_of(t, email, NULL), now_ms);
    pthread_mutex_unlock(&t->lock);
}

void throttle_succeeded(struct throttle *t, const char *email, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    uint64_t pair = key_of(t, email, addr);
    struct throttle_slot *s = find(&t->pairs, pair);
    if (s)
        s->count = 0;
    uncount(&t->addresses, key_of(t, addr, NULL));
    uncount(&t->accounts, key_of(t, email, NULL));
    s = take(&t->known, pair, now_ms, THROTTLE_KNOWN_MS);
    s->last_ms = now_ms;
    pthread_mutex_unlock(&t->lock);
}

void throttle_cancel(struct throttle *t, const char *email, const char *addr)
{
    pthread_mutex_lock(&t->lock);
    uncount(&t->pairs, key_of(t, email, addr));
    uncount(&t->addresses, key_of(t, addr, NULL));
    uncount(&t->accounts, key_of(t, email, NULL));
    pthread_mutex_unlock(&t->lock);
}

void throttle_remember(struct throttle *t, const char *email, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    struct throttle_slot *s = take(&t->known, key_of(t, email, addr), now_ms, THROTTLE_KNOWN_MS);
    s->last_ms = now_ms;
    pthread_mutex_unlock(&t->lock);
}
