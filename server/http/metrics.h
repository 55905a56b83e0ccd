/*
 * Request metrics kept by the HTTP layer: answers by route and status, and a
 * latency histogram by route.  Lock-free counters; /metrics reads them.
 */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Names the routes the layer above will count requests by (index i is
 * names[i]); at most METRICS_MAX_ROUTES.  Called once, before serving. */
#define METRICS_MAX_ROUTES 64
void metrics_routes(const char *const *names, size_t n);

/* Counts one answered request.  route is the route's index, -1 for a
 * request that matched none. */
void metrics_observe(int route, unsigned status, int64_t duration_us);

/* Seconds from microseconds, exactly, as Prometheus reads them. */
void metrics_write_seconds(FILE *out, uint64_t us);

/* Writes the request metrics in the Prometheus text format. */
void metrics_write_http(FILE *out);

#endif
