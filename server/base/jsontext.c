#include "jsontext.h"

#include <string.h>

static _Thread_local unsigned parses;

json_t *json_text_parse(const char *text, size_t len, size_t flags, json_error_t *err)
{
    parses++;
    return json_loadb(text, len, flags, err);
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
