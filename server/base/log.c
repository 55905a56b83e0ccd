/*
 * Log lines are built whole in memory and written with one fwrite under
 * the stderr stream lock, so lines from different threads never interleave
 * and a log shipper always reads complete JSON objects.
 */
#include "log.h"

#include "clock.h"
#include "jsondump.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int log_min_level = LOG_INFO;

static const char *const level_names[] = {
    [LOG_DEBUG] = "debug",
    [LOG_INFO] = "info",
    [LOG_WARN] = "warn",
    [LOG_ERROR] = "error",
};

void log_set_level(enum log_level min)
{
    atomic_store(&log_min_level, (int)min);
}

/* "2020-09-29T02:00:00.123Z" from the server clock, so log times agree with
 * the times the server records. */
static void format_time(char out[RFC3339_LEN])
{
    int64_t ms = clock_now_ms();
    int64_t secs = ms / 1000;
    int64_t frac = ms % 1000;
    size_t len;

    if (frac < 0) {
        frac += 1000;
        secs--;
    }
    clock_format_rfc3339(secs, out);
    len = strlen(out);
    /* Replace the closing "Z" with ".mmmZ". */
    if (len > 0 && len + 4 < RFC3339_LEN)
        snprintf(out + len - 1, RFC3339_LEN - (len - 1), ".%03dZ", (int)frac);
}

/* A JSON string for text that may not be valid UTF-8 (a message built from
 * request data, say): Jansson refuses such text, and losing the line would
 * be worse than showing '?' for the bad bytes. */
static json_t *string_lossy(const char *text)
{
    json_t *s = json_string(text);
    char *copy;

    if (s != NULL)
        return s;
    copy = strdup(text);
    if (copy == NULL)
        return NULL;
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    s = json_string(copy);
    free(copy);
    return s;
}

static void write_line(const char *line, size_t len)
{
    flockfile(stderr);
    fwrite(line, 1, len, stderr);
    fflush(stderr);
    funlockfile(stderr);
}

/* The line render_line() writes below through a Jansson object, written
 * around the texts of msg and of the fields instead: the same bytes (the
 * unit test holds them to Jansson's), without building the object and
 * copying every field into it, which was a tenth of a GET's CPU.  NULL
 * when the fields are not an object or name time, level or msg (the line
 * keeps its own; render_line() skips theirs), or when the quick writer
 * leaves a text to Jansson or memory runs out. */
static char *render_quick(const char *when, enum log_level level, const char *msg, json_t *fields,
                          char *buf, size_t cap, size_t *len_out)
{
    if (fields != NULL && (!json_is_object(fields) || json_object_get(fields, "time") ||
                           json_object_get(fields, "level") || json_object_get(fields, "msg")))
        return NULL;
    json_t *m = string_lossy(msg != NULL ? msg : "");
    char *msg_text = m ? quick_json_write(m, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(m);
    char *fields_text = NULL; /* "{...}": its members follow the line's own */
    if (msg_text == NULL ||
        (json_object_size(fields) > 0 && !(fields_text = quick_json_write(fields, JSON_COMPACT)))) {
        free(msg_text);
        return NULL;
    }

    char head[RFC3339_LEN + 64];
    int n = snprintf(head, sizeof head, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when,
                     level_names[level]);
    size_t msg_len = strlen(msg_text);
    size_t tail_len = fields_text ? strlen(fields_text) : 1; /* ",..." or "}" */
    size_t len = (size_t)n + msg_len + tail_len;
    char *text = len < cap ? buf : malloc(len + 1); /* room for the newline */
    if (text != NULL) {
        memcpy(text, head, (size_t)n);
        memcpy(text + n, msg_text, msg_len);
        if (fields_text) {
            text[n + msg_len] = ',';
            memcpy(text + n + msg_len + 1, fields_text + 1, tail_len - 1);
        } else {
            text[n + msg_len] = '}';
        }
        text[len] = '\n';
        *len_out = len + 1;
    }
    free(msg_text);
    free(fields_text);
    return text;
}

/* The line for one log call, newline included, in buf (cap bytes) when it
 * fits and else in memory the caller frees (what is returned is not buf);
 * NULL when memory runs out.  fields stays the caller's. */
static char *render_line(enum log_level level, const char *msg, json_t *fields, char *buf,
                         size_t cap, size_t *len_out)
{
    char when[RFC3339_LEN];
    json_t *line = NULL;
    char *text = NULL;
    size_t len;
    const char *key;
    json_t *value;

    format_time(when);
    text = render_quick(when, level, msg, fields, buf, cap, len_out);
    if (text != NULL)
        return text;
    line = json_object();
    if (line == NULL || json_object_set_new(line, "time", json_string(when)) != 0 ||
        json_object_set_new(line, "level", json_string(level_names[level])) != 0 ||
        json_object_set_new(line, "msg", string_lossy(msg != NULL ? msg : "")) != 0)
        goto out;

    /* Jansson keeps insertion order, so time, level and msg stay first.  A
     * caller's field of the same name must not overwrite them. */
    if (json_is_object(fields)) {
        json_object_foreach(fields, key, value)
        {
            if (json_object_get(line, key) == NULL && json_object_set(line, key, value) != 0)
                goto out;
        }
    } else if (fields != NULL && json_object_set(line, "fields", fields) != 0) {
        goto out;
    }

    /* Most lines fit the caller's buffer: one pass.  A longer one is
     * measured by that pass and written again into memory of its size. */
    len = json_dumpb(line, buf, cap - 1, JSON_COMPACT);
    if (len == 0)
        goto out;
    if (len < cap) {
        text = buf;
    } else {
        text = malloc(len + 1);
        if (text == NULL)
            goto out;
        if (json_dumpb(line, text, len, JSON_COMPACT) != len) {
            free(text);
            text = NULL;
            goto out;
        }
    }
    text[len] = '\n';
    *len_out = len + 1;
out:
    json_decref(line);
    return text;
}

void log_json(enum log_level level, const char *msg, json_t *fields)
{
    static const char lost[] = "{\"level\":\"error\",\"msg\":\"out of memory: log line lost\"}\n";
    char buf[1024];
    char *text;
    size_t len = 0;

    if ((int)level < atomic_load(&log_min_level)) {
        json_decref(fields);
        return;
    }
    if ((unsigned)level > LOG_ERROR)
        level = LOG_ERROR;

    text = render_line(level, msg, fields, buf, sizeof buf, &len);
    if (text != NULL)
        write_line(text, len);
    else
        write_line(lost, sizeof(lost) - 1);
    if (text != buf)
        free(text);
    json_decref(fields);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char small[512];
    char *heap = NULL;
    const char *msg = small;
    va_list ap;
    int n;

    if ((int)level < atomic_load(&log_min_level))
        return;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg = "(unformattable log message)";
    } else if ((size_t)n >= sizeof(small)) {
        /* Better a truncated message than none when this fails. */
        heap = malloc((size_t)n + 1);
        if (heap != NULL) {
            va_start(ap, fmt);
            vsnprintf(heap, (size_t)n + 1, fmt, ap);
            va_end(ap);
            msg = heap;
        }
    }
    log_json(level, msg, NULL);
    free(heap);
}
