/*
 * Parsing and writing JSON text.  Every parse in the server goes through
 * here, so that how often a request parses JSON can be counted (a
 * submission parses its body once, and nothing after it reads back what it
 * just wrote); the count is per thread: a request is answered on one
 * thread.  Every text is written through here too, by the quick writer
 * when it can (jsondump.h).
 */
#ifndef SB_JSONTEXT_H
#define SB_JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

/* json_loadb(), counted.  Caller owns the result. */
json_t *parse_json(const char *text, size_t len, size_t flags, json_error_t *err);
/* The same for a NUL-terminated text. */
json_t *parse_json0(const char *text, size_t flags, json_error_t *err);

/* json_dumps(): the same text, quickly for the flags the server uses.
 * Caller frees. */
char *dump_json(const json_t *j, size_t flags);

/* How many texts this thread parsed since the last call, and start again
 * from 0. */
unsigned parse_json_count_take(void);

#endif
