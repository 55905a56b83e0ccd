/*
 * Files compiled into the binary by tools/embed.c.
 */
#ifndef SB_EMBEDDED_H
#define SB_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* base name, e.g. "0001_init.sql"; NULL ends a table */
    const char *data; /* the bytes, followed by a NUL not counted in len */
    size_t len;
};

/* migrations/NNNN_*.sql in version order. */
extern const struct embedded_file embedded_migrations[];
/* migrations/pg/NNNN_*.sql: the same migrations in PostgreSQL's dialect,
 * one twin of the same name for each of the above. */
extern const struct embedded_file embedded_migrations_pg[];
/* config/ data: review-units.json, cn-workdays.json. */
extern const struct embedded_file embedded_config[];

/* web/: the front end's files, by base name. */
extern const struct embedded_file embedded_web[];

/* The hand-written half of the OpenAPI document (schema/openapi.in.json)
 * and the example envelopes of tests/api/examples/ (<kind>.json). */
extern const struct embedded_file embedded_openapi[];

/* The file called `name` in `table`, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
