#include <stdatomic.h>

#include "http.h"
#include "metrics.h"

#define MAX_ROUTES METRICS_MAX_ROUTES
#define STATUS_MIN 100
#define STATUS_MAX 599

/* Upper bounds of the latency buckets, in microseconds (Prometheus `le`). */
static const int64_t bucket_us[] = {1000,   5000,   10000,   25000,   50000,   100000,
                                    250000, 500000, 1000000, 2500000, 10000000};
#define N_BUCKETS (sizeof bucket_us / sizeof bucket_us[0])

struct route_metrics {
    atomic_uint_fast64_t by_status[STATUS_MAX - STATUS_MIN + 1];
    atomic_uint_fast64_t buckets[N_BUCKETS + 1]; /* the last is +Inf */
    atomic_uint_fast64_t sum_us;
};

/* One slot per route and one for requests that matched no route. */
static struct route_metrics metrics[MAX_ROUTES + 1];

static const char *const *route_names;
static size_t n_routes;

void metrics_routes(const char *const *names, size_t n)
{
    route_names = names;
    n_routes = n < MAX_ROUTES ? n : MAX_ROUTES;
}

static size_t slot(int route)
{
    return route >= 0 && (size_t)route < n_routes ? (size_t)route : MAX_ROUTES;
}

void metrics_observe(int route, unsigned status, int64_t duration_us)
{
    struct route_metrics *m = &metrics[slot(route)];
    if (status >= STATUS_MIN && status <= STATUS_MAX)
        atomic_fetch_add_explicit(&m->by_status[status - STATUS_MIN], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && duration_us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t)(duration_us > 0 ? duration_us : 0),
                              memory_order_relaxed);
}

static const char *route_label(size_t i)
{
    return i < n_routes ? route_names[i] : "unmatched";
}

void metrics_write_seconds(FILE *out, uint64_t us)
{
    fprintf(out, "%llu.%06llu", (unsigned long long)(us / 1000000),
            (unsigned long long)(us % 1000000));
}

void metrics_write_http(FILE *out)
{
    size_t n = n_routes;
    fputs("# HELP shenbao_http_requests_total Requests answered, by route and status.\n"
          "# TYPE shenbao_http_requests_total counter\n",
          out);
    for (size_t i = 0; i <= n; i++) {
        size_t s = i == n ? MAX_ROUTES : i;
        for (unsigned st = STATUS_MIN; st <= STATUS_MAX; st++) {
            uint64_t v = atomic_load(&metrics[s].by_status[st - STATUS_MIN]);
            if (v)
                fprintf(out, "shenbao_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                        route_label(i == n ? (size_t)-1 : i), st, (unsigned long long)v);
        }
    }
    fputs("# HELP shenbao_http_request_duration_seconds Time to answer a request, by route.\n"
          "# TYPE shenbao_http_request_duration_seconds histogram\n",
          out);
    for (size_t i = 0; i <= n; i++) {
        size_t s = i == n ? MAX_ROUTES : i;
        const char *label = route_label(i == n ? (size_t)-1 : i);
        uint64_t cum = 0;
        for (size_t b = 0; b <= N_BUCKETS; b++)
            cum += atomic_load(&metrics[s].buckets[b]);
        if (cum == 0)
            continue;
        cum = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cum += atomic_load(&metrics[s].buckets[b]);
            fprintf(out, "shenbao_http_request_duration_seconds_bucket{route=\"%s\",le=\"", label);
            metrics_write_seconds(out, (uint64_t)bucket_us[b]);
            fprintf(out, "\"} %llu\n", (unsigned long long)cum);
        }
        cum += atomic_load(&metrics[s].buckets[N_BUCKETS]);
        fprintf(out,
                "shenbao_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                label, (unsigned long long)cum);
        fprintf(out, "shenbao_http_request_duration_seconds_sum{route=\"%s\"} ", label);
        metrics_write_seconds(out, atomic_load(&metrics[s].sum_us));
        fprintf(out, "\nshenbao_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
                (unsigned long long)cum);
    }
}
