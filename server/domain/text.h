/*
 * Text that must stay valid UTF-8 when cut to fit a buffer: Jansson (and so
 * every JSON reply) refuses a broken sequence, and Chinese names and details
 * are mostly multi-byte sequences.
 */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stddef.h>

/* Drops a UTF-8 sequence left incomplete at the end of s (by a truncating
 * snprintf, say). */
void text_trim_utf8(char *s);

/* Appends printf-formatted text to the NUL-terminated text in buf (cap
 * bytes); what does not fit is cut, at a character boundary. */
void text_append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
