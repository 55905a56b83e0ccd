/*
 * The request path as a whole: the input is the bytes a client sends on one
 * connection (one request, or several pipelined), decoded by libmicrohttpd,
 * routed, authenticated, parsed as JSON, validated, checked against the
 * rules, stored and rendered.  What an input stores is rendered again by
 * every list before the database is put back (fuzz_server.c).
 *
 * The dictionary (request.dict) and the seeds (tests/fuzz/gen_corpus.py)
 * carry the fixed tokens, so inputs reach the routes behind a login.
 *
 * A mutation that makes a body longer or shorter would leave its
 * Content-Length wrong, and the body would never reach the JSON parser; so
 * the mutator (mostly) sets the Content-Length of the last request to what
 * follows its head.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_server_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input_begin();
    size_t n;
    free(fuzz_exchange(data, size, &n));
    fuzz_input_end();
    return 0;
}

/* The first "Content-Length:" in the head [from, to), case-insensitive. */
static uint8_t *find_length(uint8_t *from, const uint8_t *to)
{
    static const char name[] = "\r\nContent-Length:";
    size_t n = sizeof name - 1;
    for (uint8_t *p = from; p + n <= to; p++)
        if (strncasecmp((const char *)p, name, n) == 0)
            return p + n;
    return NULL;
}

/* Whether p starts a request line: a method in capitals and a space. */
static bool starts_request(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *q = p;
    while (q < end && *q >= 'A' && *q <= 'Z')
        q++;
    return q > p && q < end && *q == ' ';
}

/* Follows the requests by their Content-Length; the first whose body does
 * not end where another request begins gets the length of all that
 * follows its head. */
static size_t fix_last_length(uint8_t *data, size_t size, size_t max_size)
{
    uint8_t *end = data + size, *pos = data;
    for (;;) {
        uint8_t *head_end = memmem(pos, (size_t)(end - pos), "\r\n\r\n", 4);
        if (!head_end)
            return size;
        uint8_t *body = head_end + 4;
        uint8_t *value = find_length(pos, head_end);
        if (!value) {
            pos = body;
            continue;
        }
        uint8_t *digits = value;
        while (digits < head_end && (*digits == ' ' || *digits == '\t'))
            digits++;
        uint8_t *after = digits;
        size_t stated = 0;
        for (; after < head_end && isdigit(*after); after++)
            stated = stated > SIZE_MAX / 10 - 10 ? SIZE_MAX : stated * 10 + (size_t)(*after - '0');
        size_t rest = (size_t)(end - body);
        if (after > digits && stated < rest && starts_request(body + stated, end)) {
            pos = body + stated;
            continue;
        }
        char text[24];
        int len = snprintf(text, sizeof text, "%zu", rest);
        size_t old = (size_t)(after - digits);
        if (size - old + (size_t)len > max_size)
            return size;
        memmove(digits + len, after, (size_t)(end - after));
        memcpy(digits, text, (size_t)len);
        return size - old + (size_t)len;
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size = LLVMFuzzerMutate(data, size, max_size);
    /* One in four keeps whatever length it has: wrong lengths are inputs
     * too. */
    if (seed % 4 == 0)
        return size;
    return fix_last_length(data, size, max_size);
}
