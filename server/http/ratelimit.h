/*
 * Per-key rate limits in fixed windows: at most `limit` events per key in
 * each window of `window` seconds.  Keys (client addresses, e-mail
 * addresses) hash into a fixed table, so memory stays bounded whatever
 * clients send; two keys that collide share a count, which errs on the side
 * of limiting.
 */
#ifndef SB_RATELIMIT_H
#define SB_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 4096

struct ratelimit {
    unsigned window; /* seconds */
    pthread_mutex_t lock;
    struct {
        int64_t window_no;
        unsigned count;
    } slots[RATELIMIT_SLOTS];
};

#define RATELIMIT_INIT(seconds)                                                                    \
    {                                                                                              \
        .window = (seconds), .lock = PTHREAD_MUTEX_INITIALIZER                                     \
    }

/* Counts one event for key at unix time `now`; false when the key already
 * had `limit` in this window (the event is then not counted).  *retry_after
 * receives the seconds until the window ends.  Thread-safe. */
bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now, unsigned limit,
                    unsigned *retry_after);

#endif
