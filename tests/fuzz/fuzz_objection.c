/*
 * The objection path: the input is the JSON body of
 * POST /v1/applications/{id}/objections, sent (without a token, as the
 * public sends it) for an application under public notice.  An objection
 * that is stored is then listed by the reviewers, resolved by the municipal
 * authority and listed again, before the database is put back; a stored
 * objection missing from the reviewers' list is a finding.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
    const struct fuzz_fixtures *fx = fuzz_fixtures();
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /v1/applications/%" PRId64 "/objections HTTP/1.1\r\nHost: fuzz\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     fx->notice_clean, size);
    char *req = malloc((size_t)n + size);
    if (!req)
        return 0;
    memcpy(req, head, (size_t)n);
    memcpy(req + n, data, size);

    fuzz_input_begin();
    size_t len;
    char *reply = fuzz_exchange(req, (size_t)n + size, &len);
    free(req);
    int64_t oid = 0;
    const char *body = strstr(reply, "\r\n\r\n");
    if (strncmp(reply, "HTTP/1.1 201", 12) == 0 && body) {
        json_t *receipt = json_loads(body + 4, 0, NULL);
        oid = json_integer_value(json_object_get(receipt, "id"));
        json_decref(receipt);
    }
    free(reply);
    if (oid > 0) {
        char path[128];
        snprintf(path, sizeof path, "/v1/applications/%" PRId64 "/objections", fx->notice_clean);
        json_t *list = NULL;
        fuzz_call("GET", path, FUZZ_MUNICIPAL_SCIENCE_TECH, NULL, &list);
        if (!fuzz_list_has(list, oid))
            fuzz_fail("objection %" PRId64 " was stored but the reviewers' list lacks it", oid);
        json_decref(list);
        fuzz_call("GET", path, FUZZ_AUDITOR, NULL, NULL);
        snprintf(path, sizeof path,
                 "/v1/applications/%" PRId64 "/objections/%" PRId64 "/resolution", fx->notice_clean,
                 oid);
        fuzz_call("POST", path, FUZZ_MUNICIPAL_SCIENCE_TECH,
                  "{\"outcome\":\"dismissed\",\"opinion\":\"经核查不属实。\"}", NULL);
        snprintf(path, sizeof path, "/v1/applications/%" PRId64 "/events", fx->notice_clean);
        fuzz_call("GET", path, FUZZ_AUDITOR, NULL, NULL);
    }
    fuzz_input_end();
    return 0;
}
