#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "password.h"

#define OPS          crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM          crypto_pwhash_MEMLIMIT_INTERACTIVE
#define WAIT_SECONDS 5

static sem_t turns;
static pthread_once_t turns_once = PTHREAD_ONCE_INIT;

static void turns_init(void)
{
    sem_init(&turns, 0, PASSWORD_MAX_CONCURRENT);
}

static int take_turn(void)
{
    pthread_once(&turns_once, turns_init);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_SECONDS;
    while (sem_timedwait(&turns, &until) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

enum password_rc password_hash(char out[PASSWORD_HASH_LEN], const char *password)
{
    if (sodium_init() < 0)
        return PASSWORD_ERROR;
    if (take_turn() != 0)
        return PASSWORD_BUSY;
    int rc = crypto_pwhash_str(out, password, strlen(password), OPS, MEM);
    sem_post(&turns);
    return rc == 0 ? PASSWORD_OK : PASSWORD_ERROR;
}

/* A hash of nothing in particular, made once, stands in for a missing
 * account so that both paths cost the same. */
static char dummy[PASSWORD_HASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    if (crypto_pwhash_str(dummy, (const char *)random, sizeof random, OPS, MEM) != 0)
        dummy[0] = '\0'; /* then nothing verifies against it, as wanted */
}

enum password_rc password_verify(const char *stored, const char *password)
{
    if (sodium_init() < 0)
        return PASSWORD_ERROR;
    bool missing = !stored || !stored[0];
    if (missing) {
        pthread_once(&dummy_once, dummy_init);
        stored = dummy;
    }
    if (take_turn() != 0)
        return PASSWORD_BUSY;
    int rc = crypto_pwhash_str_verify(stored, password, strlen(password));
    sem_post(&turns);
    return rc == 0 && !missing ? PASSWORD_OK : PASSWORD_MISMATCH;
}
