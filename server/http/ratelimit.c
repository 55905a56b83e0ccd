#include "ratelimit.h"

/* FNV-1a: enough to spread keys over the table. */
static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The key's count in the current window, reset when a new window began.
 * Called with the lock held. */
static unsigned *count_of(struct ratelimit *rl, const char *key, int64_t now)
{
    int64_t window_no = now / rl->window;
    size_t i = hash(key) % RATELIMIT_SLOTS;
    if (rl->slots[i].window_no != window_no) {
        rl->slots[i].window_no = window_no;
        rl->slots[i].count = 0;
    }
    return &rl->slots[i].count;
}

bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now, unsigned limit,
                    unsigned *retry_after)
{
    pthread_mutex_lock(&rl->lock);
    unsigned *count = count_of(rl, key, now);
    bool room = *count < limit;
    if (room)
        (*count)++;
    pthread_mutex_unlock(&rl->lock);
    *retry_after = (unsigned)(rl->window - now % rl->window);
    return room;
}
