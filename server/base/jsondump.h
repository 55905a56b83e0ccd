/*
 * Writing JSON quickly.  Jansson's writer checks every container for a
 * loop through a hash table keyed by its printed address and hands the
 * text over a few bytes at a time; the server writes a submission's data
 * twice per request (its canonical text, and the answer around it), and
 * that was a tenth of a submission's CPU.  This one writes what
 * json_dumps() writes for the flags the server uses (JSON_COMPACT, with
 * JSON_SORT_KEYS and JSON_ENCODE_ANY or not), byte for byte, in one pass
 * into one buffer.  It gives up on anything unusual (another flag, a string
 * that is not UTF-8, nesting deeper than 64, which is where a loop ends
 * up), and then Jansson writes the text itself, so what it refuses stays
 * refused.  The server calls it through dump_json() (jsontext.h).
 */
#ifndef SB_JSONDUMP_H
#define SB_JSONDUMP_H

#include <stddef.h>

#include <jansson.h>

/* The text json_dumps(j, flags) would return (caller frees), or NULL when
 * the quick writer leaves it to Jansson (whatever the reason). */
char *quick_json_write(const json_t *j, size_t flags);

#endif
