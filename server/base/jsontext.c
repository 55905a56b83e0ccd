#include "jsontext.h"
#include "jsonload.h"

#include <string.h>

static _Thread_local unsigned parses;

json_t *json_text_parse(const char *text, size_t len, size_t flags, json_error_t *err)
{
    parses++;
    /* The quick reader makes the same documents for these flags, and
     * leaves everything else (errors included) to Jansson. */
    json_t *doc = (flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)) == 0
                      ? json_load_quick(text, len)
                      : NULL;
    return doc ? doc : json_loadb(text, len, flags, err);
}

json_t *json_text_parse0(const char *text, size_t flags, json_error_t *err)
{
    return json_text_parse(text, strlen(text), flags, err);
}

unsigned json_text_parses_take(void)
{
    unsigned n = parses;
    parses = 0;
    return n;
}
