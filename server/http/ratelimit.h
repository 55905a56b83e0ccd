/*
 * A per-address rate limit: at most `limit` events per address in each
 * minute.  Addresses hash into a fixed table; two addresses that collide
 * share a slot, which errs on the side of limiting.
 */
#ifndef SB_RATELIMIT_H
#define SB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Counts one event for addr at unix time `now`; false when the address has
 * already had `limit` this minute (the event is then not counted).
 * *retry_after receives the seconds until the minute ends.  Thread-safe. */
bool ratelimit_take(const char *addr, int64_t now, unsigned limit, unsigned *retry_after);

#endif
