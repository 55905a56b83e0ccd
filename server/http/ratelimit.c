#include <pthread.h>

#include "ratelimit.h"

#define SLOTS 4096

/* One fixed window per slot; the addresses hashing to a slot share it. */
struct slot {
    int64_t minute;
    unsigned count;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a: enough to spread addresses over the table. */
static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

bool ratelimit_take(const char *addr, int64_t now, unsigned limit, unsigned *retry_after)
{
    int64_t minute = now / 60;
    pthread_mutex_lock(&lock);
    struct slot *s = &slots[hash(addr) % SLOTS];
    if (s->minute != minute) {
        s->minute = minute;
        s->count = 0;
    }
    bool ok = s->count < limit;
    if (ok)
        s->count++;
    pthread_mutex_unlock(&lock);
    *retry_after = (unsigned)(60 - now % 60);
    return ok;
}
