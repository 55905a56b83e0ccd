/*
 * Health, readiness and metrics: what operations watch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics.h"
#include "sign.h"

/* Up when the process answers and its database does. */
void api_healthz(struct call *c)
{
    struct request *r = c->r;
    if (store_ping(c->engine->store))
        reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
    else
        reply_problem(r, P_UNAVAILABLE, "the database does not answer");
}

/* Ready to take work: the database takes writes and a signing key is loaded,
 * so an approval can issue what it must. */
void api_readyz(struct call *c)
{
    struct request *r = c->r;
    bool db = store_writable(c->engine->store);
    const struct signing_key *k = atomic_load(&c->engine->key);
    bool key = k && k->sk;
    json_t *body = json_pack("{s:s, s:b, s:b}", "status", db && key ? "ready" : "not ready",
                             "database_writable", db, "signing_key_loaded", key);
    if (key)
        json_object_set_new(body, "signing_key", json_string(k->kid));
    if (db && key) {
        reply_json(r, 200, body);
        return;
    }
    json_t *doc = reply_problem(r, P_UNAVAILABLE, "%s",
                                !db ? "the database takes no writes" : "no signing key is loaded");
    json_object_update(doc, body);
    json_object_set_new(doc, "status", json_integer(503));
    json_decref(body);
}

struct counting {
    FILE *out;
    int64_t under_notice;
};

static void write_count(const char *kind, const char *status, int64_t n, void *ctx)
{
    struct counting *c = ctx;
    fprintf(c->out, "shenbao_applications{kind=\"%s\",status=\"%s\"} %lld\n", kind, status,
            (long long)n);
    if (strcmp(status, "public_notice") == 0)
        c->under_notice += n;
}

static bool metrics_allowed(const struct call *c)
{
    const struct request *r = c->r;
    const struct config *cfg = c->srv->cfg;
    for (unsigned i = 0; i < cfg->n_metrics_allow; i++)
        if (strcmp(cfg->metrics_allow[i], r->client_addr) == 0)
            return true;
    return false;
}

/* The Prometheus text format (version 0.0.4). */
void api_metrics(struct call *c)
{
    struct request *r = c->r;
    if (!metrics_allowed(c)) {
        reply_problem(r, P_FORBIDDEN, "metrics are only for the addresses in metrics_allow");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        reply_problem(r, P_INTERNAL, "out of memory");
        return;
    }
    metrics_write_http(out);
    fputs("# HELP shenbao_applications Applications by kind and status.\n"
          "# TYPE shenbao_applications gauge\n",
          out);
    struct counting counts = {.out = out};
    store_count_applications(c->engine->store, write_count, &counts);
    int64_t objections = 0;
    store_count_open_objections(c->engine->store, &objections);
    fprintf(out,
            "# HELP shenbao_notices_open Applications under public notice.\n"
            "# TYPE shenbao_notices_open gauge\n"
            "shenbao_notices_open %lld\n"
            "# HELP shenbao_objections_open Objections not yet resolved.\n"
            "# TYPE shenbao_objections_open gauge\n"
            "shenbao_objections_open %lld\n"
            "# HELP shenbao_database_bytes Size of the database and its write-ahead log.\n"
            "# TYPE shenbao_database_bytes gauge\n"
            "shenbao_database_bytes %lld\n",
            (long long)counts.under_notice, (long long)objections,
            (long long)store_bytes(c->engine->store));
    if (!store_is_postgresql(c->engine->store)) {
        /* Group commit at work: writes per commit is how many submissions
         * one fsync served (on PostgreSQL each write commits alone); the
         * writer's busy seconds per second near 1 mean writes queue for
         * it, and commit seconds per commit are what the disk's sync
         * costs. */
        struct store_write_stats w = store_write_stats(c->engine->store);
        fprintf(out,
                "# HELP shenbao_store_commits_total Transactions the writer committed, one per "
                "batch of writes.\n"
                "# TYPE shenbao_store_commits_total counter\n"
                "shenbao_store_commits_total %llu\n"
                "# HELP shenbao_store_writes_total Writes those transactions held.\n"
                "# TYPE shenbao_store_writes_total counter\n"
                "shenbao_store_writes_total %llu\n"
                "# HELP shenbao_store_writer_seconds_total Time the writer was busy: running "
                "the writes' statements, and committing them (writing and syncing the log, and "
                "a checkpoint at its limit).\n"
                "# TYPE shenbao_store_writer_seconds_total counter\n"
                "shenbao_store_writer_seconds_total{part=\"statements\"} ",
                (unsigned long long)w.commits, (unsigned long long)w.writes);
        metrics_write_seconds(out, w.statements_ns / 1000);
        fputs("\nshenbao_store_writer_seconds_total{part=\"commit\"} ", out);
        metrics_write_seconds(out, w.commit_ns / 1000);
        fprintf(out,
                "\n# HELP shenbao_store_checkpoints_total Checkpoints of the write-ahead log into "
                "the database: by their own thread, or by the writer when the log had reached "
                "its limit.\n"
                "# TYPE shenbao_store_checkpoints_total counter\n"
                "shenbao_store_checkpoints_total{by=\"thread\"} %llu\n"
                "shenbao_store_checkpoints_total{by=\"writer\"} %llu\n",
                (unsigned long long)w.checkpoints, (unsigned long long)w.checkpoints_on_writer);
    }
    const struct signing_key *key = atomic_load(&c->engine->key);
    if (key)
        fprintf(out,
                "# HELP shenbao_signing_key_info The active signing key.\n"
                "# TYPE shenbao_signing_key_info gauge\n"
                "shenbao_signing_key_info{kid=\"%s\"} 1\n",
                key->kid);
    fclose(out);
    reply_text(r, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
