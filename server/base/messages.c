#include "messages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "embedded.h"
#include "jsontext.h"
#include "text.h"

struct entry {
    const char *en, *zh;
};

static struct entry *entries;
static size_t n_entries;
static json_t *catalog; /* owns the strings entries point into */
static int loaded = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_en(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->en, ((const struct entry *)b)->en);
}

static void load(void)
{
    const struct embedded_file *f = embedded_find(embedded_config, "messages-zh.json");
    catalog = f ? parse_json(f->data, f->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(catalog))
        return;
    entries = calloc(json_object_size(catalog) + 1, sizeof *entries);
    if (!entries)
        return;
    const char *key;
    json_t *value;
    json_object_foreach(catalog, key, value)
    {
        if (json_is_string(value))
            entries[n_entries++] = (struct entry){key, json_string_value(value)};
    }
    qsort(entries, n_entries, sizeof *entries, by_en);
    loaded = (int)n_entries;
}

const char *msg_zh(const char *en_fmt)
{
    pthread_once(&once, load);
    if (!entries || !en_fmt)
        return NULL;
    struct entry key = {en_fmt, NULL};
    const struct entry *hit = bsearch(&key, entries, n_entries, sizeof *entries, by_en);
    return hit ? hit->zh : NULL;
}

int msg_catalog_size(void)
{
    pthread_once(&once, load);
    return loaded;
}

void msg_vformat(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    if (vsnprintf(en, en_cap, fmt, ap) >= (int)en_cap)
        text_trim_utf8(en);
    const char *zfmt = zh && zh_cap ? msg_zh(fmt) : NULL;
    if (zfmt) {
        /* The catalog's formats are checked against their English ones
         * (tests/unit/test_messages.c): the same arguments, the same types. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (vsnprintf(zh, zh_cap, zfmt, copy) >= (int)zh_cap)
            text_trim_utf8(zh);
#pragma GCC diagnostic pop
    } else if (zh && zh_cap) {
        zh[0] = '\0';
    }
    va_end(copy);
}
