/*
 * The certificate check: the input is a certificate document as
 * `shenbao verify FILE` reads it — the {certificate, jws} object as issued
 * (also the body of POST /v1/certificates/verify), a JSON string, or a bare
 * compact JWS.  Each input goes through
 *   - the server's check, certificate_check() against the store's keys and
 *     certificates (what POST /v1/certificates/verify answers with),
 *   - the JWS functions on their own: jws_parse(), jws_verify() with the
 *     server's key, b64url_decode(),
 *   - `shenbao verify FILE --jwks FILE` and `shenbao verify FILE --db DB`;
 *     the input may end with a line "--jwks" and the JWKS to give the
 *     command (else it gets the server's).
 * The seeds include the certificate the fixtures issued, so mutations start
 * from a valid signature.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sanitizer/common_interface_defs.h>

#include "api.h"
#include "cli.h"
#include "fuzz_server.h"
#include "sign.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1, saved_out = -1, saved_err = -1;
static unsigned char server_pk[SIGN_PUBLIC_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_server_init();
    /* The command prints a line for every input: send it nowhere, but keep
     * the sanitizers' reports on the real stderr. */
    if (!getenv("FUZZ_VERBOSE")) {
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        saved_out = dup(1);
        saved_err = dup(2);
        __sanitizer_set_report_fd((void *)(intptr_t)saved_err);
    }
    json_t *jwks = json_loads(fuzz_fixtures()->jwks, 0, NULL);
    const char *x =
        json_string_value(json_object_get(json_array_get(json_object_get(jwks, "keys"), 0), "x"));
    size_t len;
    if (!x || b64url_decode(server_pk, sizeof server_pk, &len, x, strlen(x)) != 0) {
        fputs("fuzz: the fixture JWKS has no key\n", stderr);
        exit(1);
    }
    json_decref(jwks);
    return 0;
}

static void quiet(bool on)
{
    if (devnull < 0)
        return;
    fflush(stdout);
    fflush(stderr);
    dup2(on ? devnull : saved_out, 1);
    dup2(on ? devnull : saved_err, 2);
}

static void run_cli(const char *flag, const char *value)
{
    char *args[] = {"shenbao",    "verify",      (char *)fuzz_scratch_path(),
                    (char *)flag, (char *)value, NULL};
    quiet(true);
    cli_main(5, args);
    quiet(false);
}

static void check(const char *jws, const json_t *certificate)
{
    const char *status;
    char why[200];
    certificate_check(fuzz_store(), jws, certificate, 0, &status, why, NULL, sizeof why);

    char kid[SIGN_KID_LEN + 1];
    char *payload = NULL;
    size_t len;
    if (jws_parse(jws, kid, &payload, &len) == 0)
        free(payload);
    jws_verify(jws, server_pk);
}

static bool write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* What follows a line "--jwks" is the JWKS the command is given (as a
     * --jwks URL could serve anything); without one, the server's own. */
    static const char sep[] = "\n--jwks\n";
    const uint8_t *jwks = memmem(data, size, sep, sizeof sep - 1);
    size_t doc_len = jwks ? (size_t)(jwks - data) : size;
    if (jwks)
        jwks += sizeof sep - 1;

    char *text = malloc(doc_len + 1);
    if (!text)
        return 0;
    memcpy(text, data, doc_len);
    text[doc_len] = '\0';

    /* As the command reads the file: the issued object, a JSON string, or
     * the bare JWS up to the first white space. */
    json_t *doc = json_loadb(text, doc_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(doc) && json_is_string(json_object_get(doc, "jws")))
        check(json_string_value(json_object_get(doc, "jws")), json_object_get(doc, "certificate"));
    else if (json_is_string(doc))
        check(json_string_value(doc), NULL);
    else
        check(text, NULL);
    json_decref(doc);

    unsigned char raw[1024];
    size_t len;
    b64url_decode(raw, sizeof raw, &len, text, strlen(text));
    free(text);

    char jwks_path[700];
    snprintf(jwks_path, sizeof jwks_path, "%s.jwks", fuzz_scratch_path());
    if (!write_file(fuzz_scratch_path(), data, doc_len))
        return 0;
    if (!jwks)
        run_cli("--jwks", fuzz_jwks_path());
    else if (write_file(jwks_path, jwks, size - (size_t)(jwks - data)))
        run_cli("--jwks", jwks_path);
    run_cli("--db", fuzz_db_path());
    return 0;
}
