/*
 * Request metrics kept by the HTTP layer: answers by route and status, and a
 * latency histogram by route.  Lock-free counters; /metrics reads them.
 */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Counts one answered request.  route is the route's index (or the number
 * of routes for a request that matched none). */
void metrics_observe(size_t route, unsigned status, int64_t duration_us);

/* Writes the request metrics in the Prometheus text format. */
void metrics_write_http(FILE *out);

#endif
