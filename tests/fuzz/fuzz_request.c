/*
 * The request path as a whole: the input is the bytes a client sends on one
 * connection (one request, or several pipelined), decoded by libmicrohttpd,
 * routed, authenticated, parsed as JSON, validated, checked against the
 * rules, stored and rendered.  What an input stores is rendered again by
 * every list before the database is put back (fuzz_server.c).
 *
 * The dictionary (request.dict) and the seeds (tests/fuzz/gen_corpus.py)
 * carry the fixed tokens, so inputs reach the routes behind a login.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
