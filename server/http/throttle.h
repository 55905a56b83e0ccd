/*
 * Sign-in throttling: progressive delays after failed password sign-ins,
 * counted in three tables at once, so that guessing is slow while the
 * owner of an account is never locked out for long.
 *
 * The arithmetic.  Each table counts failures per key.  After the n-th
 * failure of a key, its next attempt waits, from the moment of that
 * failure,
 *
 *     delay(n) = 0                                      when n <= free
 *              = min(base * 2^(n - free - 1), max)      when n >  free
 *
 * and an attempt that comes earlier is answered 429 with Retry-After (it
 * checks nothing and counts nothing).  A key with no failure for 24 hours
 * starts over.  The tables, with the default settings (config.h):
 *
 *  - per account and address (the e-mail given, the client address):
 *    free 3, base 1 s, max 900 s.  One address guessing one account gets 4
 *    tries at once, then waits 1, 2, 4, … s, and from the 14th failure on
 *    15 minutes: about 100 guesses a day.  A successful sign-in from that
 *    address forgets its failures.
 *  - per address (whatever the e-mail): free 10, max 900 s.  One password
 *    sprayed over many accounts from one address meets the same wall after
 *    10 failures.  Only time forgets these: an attacker's own account must
 *    not wipe the count.
 *  - per account (whatever the address): free 5, max 180 s.  Many addresses
 *    together get one guess every 3 minutes per account (480 a day, what the
 *    old lock-out of 5 failures per quarter hour let through), while the
 *    owner waits at most 3 minutes from a new address — instead of being
 *    locked out for up to 15 — and not at all from an address that signed
 *    in to the account successfully in the last 30 days, where only the
 *    first two tables apply.
 *
 * E-mail addresses without an account are counted like the others, so the
 * answers do not tell which exist.  Keys are hashed with a keyed BLAKE2b
 * (a random key per process) into fixed tables, so memory stays bounded
 * and nobody can choose keys that collide with a victim's; when a table is
 * full, the entry whose last failure is oldest gives way.  The counts live
 * in the process: a restart forgets them.
 */
#ifndef SB_THROTTLE_H
#define SB_THROTTLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define THROTTLE_SLOTS     4096
#define THROTTLE_FORGET_MS (24 * 3600 * 1000LL)      /* a key with no failure this long */
#define THROTTLE_KNOWN_MS  (30 * 24 * 3600 * 1000LL) /* a sign-in from an address this recent */

struct throttle_policy {
    unsigned free_pair, free_address, free_account; /* failures before any delay */
    unsigned base_s;                                /* the first delay */
    unsigned max_s;         /* the longest, per address and per account and address */
    unsigned account_max_s; /* the longest per account; 0: no delay per account */
};

struct throttle_slot {
    uint64_t key; /* 0: empty */
    int64_t last_ms;
    uint32_t count;
};

struct throttle_table {
    struct throttle_slot slots[THROTTLE_SLOTS];
};

struct throttle {
    pthread_mutex_t lock;
    bool keyed;
    unsigned char hash_key[32];
    struct throttle_table pairs, addresses, accounts;
    struct throttle_table known; /* last successful sign-in per account and address */
};

#define THROTTLE_INIT                                                                              \
    {                                                                                              \
        .lock = PTHREAD_MUTEX_INITIALIZER                                                          \
    }

/* The delay after the n-th failure, in milliseconds (see above). */
int64_t throttle_delay_ms(unsigned failures, unsigned free, unsigned base_s, unsigned max_s);

/* Before a password is checked.  Returns 0 when the attempt may go ahead:
 * it is then counted as a failure at once, so that attempts running side by
 * side see each other, and throttle_failed() or throttle_succeeded() must
 * follow.  Otherwise returns the seconds to wait (at least 1) and counts
 * nothing.  Thread-safe. */
unsigned throttle_begin(struct throttle *t, const struct throttle_policy *p, const char *email,
                        const char *addr, int64_t now_ms);

/* The attempt begun failed: its delay runs from now, the end of the check. */
void throttle_failed(struct throttle *t, const char *email, const char *addr, int64_t now_ms);

/* The attempt begun succeeded: it is no failure; the account and address
 * forget their failures and are known from now on. */
void throttle_succeeded(struct throttle *t, const char *email, const char *addr, int64_t now_ms);

/* The attempt begun checked nothing after all (the server was busy): it
 * is taken back. */
void throttle_cancel(struct throttle *t, const char *email, const char *addr);

/* The account was made from this address (a sign-up): known from now on,
 * as after a successful sign-in. */
void throttle_remember(struct throttle *t, const char *email, const char *addr, int64_t now_ms);

#endif
