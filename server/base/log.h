/*
 * Logging: one JSON object per line on stderr, so a log shipper needs no
 * parser of its own.  Never pass a token or a password.
 */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);

/* Logs `msg` with level and time.  `fields` (may be NULL) is an object whose
 * members are added to the line; the reference is stolen. */
void log_json(enum log_level level, const char *msg, json_t *fields);

/* printf-style convenience for a plain message. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
