/*
 * Reading JSON quickly.  Jansson's reader costs more than everything else
 * a submission does; this one reads the documents clients and the store
 * send (objects, in UTF-8, with the usual escapes) in one pass and builds
 * the same Jansson values.  It gives up on anything unusual (an error of
 * any kind, a repeated key, an escape of U+0000 or a surrogate, an integer
 * of more than 18 digits, nesting deeper than 64), and then Jansson reads
 * the text itself, so its answers and its error messages stay the ones
 * clients get.  The server calls it through parse_json() (jsontext.h).
 */
#ifndef SB_JSONLOAD_H
#define SB_JSONLOAD_H

#include <stddef.h>

#include <jansson.h>

/* The object `text` (len bytes) holds, as json_loadb() with
 * JSON_REJECT_DUPLICATES would make it, or NULL when the quick reader
 * leaves it to Jansson (whatever the reason). */
json_t *quick_json_read(const char *text, size_t len);

#endif
