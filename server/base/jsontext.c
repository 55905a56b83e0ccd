#include "jsontext.h"
#include "jsondump.h"
#include "jsonload.h"

#include <string.h>

static _Thread_local unsigned parses;

json_t *parse_json(const char *text, size_t len, size_t flags, json_error_t *err)
{
    parses++;
    /* The quick reader makes the same documents for these flags, and
     * leaves everything else (errors included) to Jansson. */
    json_t *doc = (flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)) == 0
                      ? quick_json_read(text, len)
                      : NULL;
    return doc ? doc : json_loadb(text, len, flags, err);
}

json_t *parse_json0(const char *text, size_t flags, json_error_t *err)
{
    return parse_json(text, strlen(text), flags, err);
}

char *dump_json(const json_t *j, size_t flags)
{
    char *text = quick_json_write(j, flags);
    return text ? text : json_dumps(j, flags);
}

unsigned parse_json_count_take(void)
{
    unsigned n = parses;
    parses = 0;
    return n;
}
