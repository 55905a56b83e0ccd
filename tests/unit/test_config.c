/*
 * The core modules: configuration, the server clock and the JSON log.
 */
#include "clock.h"
#include "config.h"
#include "log.h"
#include "support.h"

#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[64]; /* "/tmp/shenbao-test-config-XXXXXX" */
static char cfg_path[96];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/shenbao-test-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(cfg_path, sizeof(cfg_path), "%s/config.json", tmpdir);
}

static void teardown(void)
{
    unlink(cfg_path);
    rmdir(tmpdir);
}

/* Writes text as the config file and loads it over the defaults. */
static int load_text(struct config *c, const char *text, char *err, size_t errlen)
{
    FILE *f = fopen(cfg_path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    fclose(f);
    config_defaults(c);
    return config_load_file(c, cfg_path, err, errlen);
}

/* ---- config ---- */

START_TEST(test_defaults)
{
    struct config c;

    config_defaults(&c);
    ck_assert_str_eq(c.db, "./shenbao.db");
    ck_assert_str_eq(c.listen_host, "127.0.0.1");
    ck_assert_uint_eq(c.listen_port, 8080);
    ck_assert_str_eq(c.keys, "./keys");
    ck_assert_str_eq(c.units_file, "");
    ck_assert_str_eq(c.workdays_file, "");
    ck_assert_uint_eq(c.threads, 0);
    ck_assert_uint_eq(c.write_threads, 16);
    ck_assert_uint_eq(c.body_limit, 1024 * 1024);
    ck_assert_uint_eq(c.connection_timeout, 30);
    ck_assert_uint_eq(c.header_timeout, 10);
    ck_assert_uint_eq(c.connection_limit, 1024);
    ck_assert_uint_eq(c.per_ip_limit, 128);
    ck_assert_uint_eq(c.connection_memory, 128 * 1024);
    ck_assert_uint_eq(c.request_timeout, 60);
    ck_assert_uint_eq(c.n_trusted_proxies, 0);
    ck_assert_uint_eq(c.objections_open_per_application, 20);
    ck_assert_uint_eq(c.objections_per_address_per_day, 10);
    ck_assert_uint_eq(c.signin_free_failures, 3);
    ck_assert_uint_eq(c.signin_free_failures_per_address, 10);
    ck_assert_uint_eq(c.signin_free_failures_per_account, 5);
    ck_assert_uint_eq(c.signin_delay_base_s, 1);
    ck_assert_uint_eq(c.signin_delay_max_s, 900);
    ck_assert_uint_eq(c.signin_account_delay_max_s, 180);
}
END_TEST

START_TEST(test_full_file)
{
    static const char text[] = "{\n"
                               "  \"db\": \"/var/lib/shenbao/shenbao.db\",\n"
                               "  \"listen\": \"[::1]:9090\",\n"
                               "  \"keys\": \"/var/lib/shenbao/keys\",\n"
                               "  \"review_units_file\": \"units.json\",\n"
                               "  \"workdays_file\": \"days.json\",\n"
                               "  \"threads\": 8,\n"
                               "  \"body_limit_bytes\": 2048,\n"
                               "  \"connection_timeout_s\": 5,\n"
                               "  \"header_timeout_s\": 4,\n"
                               "  \"connection_limit\": 10,\n"
                               "  \"per_ip_connection_limit\": 3,\n"
                               "  \"connection_memory_limit_bytes\": 65536,\n"
                               "  \"request_timeout_s\": 7,\n"
                               "  \"objections_open_per_application\": 5,\n"
                               "  \"objections_per_address_per_day\": 6,\n"
                               "  \"signin_free_failures\": 0,\n"
                               "  \"signin_free_failures_per_address\": 2,\n"
                               "  \"signin_free_failures_per_account\": 4,\n"
                               "  \"signin_delay_base_s\": 3,\n"
                               "  \"signin_delay_max_s\": 60,\n"
                               "  \"signin_account_delay_max_s\": 0,\n"
                               "  \"trusted_proxies\": [\"10.0.0.1\", \"0:0:0:0:0:0:0:1\"]\n"
                               "}\n";
    struct config c;
    char err[256] = "";

    ck_assert_msg(load_text(&c, text, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c.db, "/var/lib/shenbao/shenbao.db");
    ck_assert_str_eq(c.listen_host, "::1");
    ck_assert_uint_eq(c.listen_port, 9090);
    ck_assert_str_eq(c.keys, "/var/lib/shenbao/keys");
    ck_assert_str_eq(c.units_file, "units.json");
    ck_assert_str_eq(c.workdays_file, "days.json");
    ck_assert_uint_eq(c.threads, 8);
    ck_assert_uint_eq(c.body_limit, 2048);
    ck_assert_uint_eq(c.connection_timeout, 5);
    ck_assert_uint_eq(c.header_timeout, 4);
    ck_assert_uint_eq(c.connection_limit, 10);
    ck_assert_uint_eq(c.per_ip_limit, 3);
    ck_assert_uint_eq(c.connection_memory, 65536);
    ck_assert_uint_eq(c.request_timeout, 7);
    ck_assert_uint_eq(c.objections_open_per_application, 5);
    ck_assert_uint_eq(c.objections_per_address_per_day, 6);
    ck_assert_uint_eq(c.signin_free_failures, 0);
    ck_assert_uint_eq(c.signin_free_failures_per_address, 2);
    ck_assert_uint_eq(c.signin_free_failures_per_account, 4);
    ck_assert_uint_eq(c.signin_delay_base_s, 3);
    ck_assert_uint_eq(c.signin_delay_max_s, 60);
    ck_assert_uint_eq(c.signin_account_delay_max_s, 0);
    ck_assert_uint_eq(c.n_trusted_proxies, 2);
    ck_assert_str_eq(c.trusted_proxies[0], "10.0.0.1");
    /* Stored in canonical form. */
    ck_assert_str_eq(c.trusted_proxies[1], "::1");
}
END_TEST

START_TEST(test_example_file)
{
    struct config c, d;
    char path[PATH_MAX], err[256] = "";

    support_source_path(path, sizeof(path), "config/shenbao.example.json");
    config_defaults(&c);
    config_defaults(&d);
    ck_assert_msg(config_load_file(&c, path, err, sizeof(err)) == 0, "%s", err);
    /* The example lists the defaults. */
    ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}
END_TEST

static const struct {
    const char *key;
    long long min, max;
} int_keys[] = {
    {"threads", 0, 256},
    {"body_limit_bytes", 1024, 64 * 1024 * 1024},
    {"connection_timeout_s", 1, 3600},
    {"header_timeout_s", 1, 3600},
    {"connection_limit", 1, 100000},
    {"per_ip_connection_limit", 1, 100000},
    {"connection_memory_limit_bytes", 16 * 1024, 64 * 1024 * 1024},
    {"request_timeout_s", 1, 3600},
    {"objections_open_per_application", 1, 10000},
    {"objections_per_address_per_day", 1, 100000},
    {"signin_free_failures", 0, 100},
    {"signin_free_failures_per_address", 0, 10000},
    {"signin_free_failures_per_account", 0, 10000},
    {"signin_delay_base_s", 1, 3600},
    {"signin_delay_max_s", 1, 86400},
    {"signin_account_delay_max_s", 0, 3600},
    {"write_batch_max", 1, 256},
    {"write_threads", 0, 1024},
    {"write_batch_wait_us", 0, 100000},
};

START_TEST(test_int_ranges)
{
    const char *key = int_keys[_i].key;
    long long min = int_keys[_i].min, max = int_keys[_i].max;
    const struct {
        long long value;
        int expect;
    } cases[] = {{min - 1, -1}, {min, 0}, {max, 0}, {max + 1, -1}};
    char text[256], err[256], want[256];
    struct config c;

    snprintf(want, sizeof(want), "%s: \"%s\" must be an integer from %lld to %lld", cfg_path, key,
             min, max);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "{\"%s\": %lld}", key, cases[i].value);
        err[0] = '\0';
        ck_assert_msg(load_text(&c, text, err, sizeof(err)) == cases[i].expect, "%s: %s", text,
                      err);
        if (cases[i].expect != 0)
            ck_assert_str_eq(err, want);
    }
    /* Right number, wrong type. */
    static const struct {
        const char *before, *after;
    } wrapped[] = {{"\"", "\""}, {"", ".0"}, {"[", "]"}, {"{\"n\": ", "}"}};
    for (size_t i = 0; i < sizeof(wrapped) / sizeof(wrapped[0]) + 2; i++) {
        if (i < sizeof(wrapped) / sizeof(wrapped[0]))
            snprintf(text, sizeof(text), "{\"%s\": %s%lld%s}", key, wrapped[i].before, min,
                     wrapped[i].after);
        else
            snprintf(text, sizeof(text), "{\"%s\": %s}", key, i % 2 ? "true" : "null");
        ck_assert_msg(load_text(&c, text, err, sizeof(err)) == -1, "accepted %s", text);
        ck_assert_str_eq(err, want);
    }
}
END_TEST

START_TEST(test_paths)
{
    static const struct {
        const char *text;
        int expect;
    } cases[] = {
        {"{\"db\": \"x.db\"}", 0},
        {"{\"db\": \"\"}", -1},
        {"{\"db\": 1}", -1},
        {"{\"db\": \"a\\u0000b\"}", -1},
        {"{\"keys\": \"k\"}", 0},
        {"{\"keys\": \"\"}", -1},
        {"{\"keys\": null}", -1},
        {"{\"review_units_file\": \"\"}", 0},
        {"{\"review_units_file\": false}", -1},
        {"{\"workdays_file\": \"\"}", 0},
        {"{\"workdays_file\": []}", -1},
        {"{\"listen\": \"localhost:1\"}", 0},
        {"{\"listen\": 8080}", -1},
        {"{\"listen\": \"127.0.0.1\"}", -1},
    };
    struct config c;
    char err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(load_text(&c, cases[i].text, err, sizeof(err)) == cases[i].expect, "%s: %s",
                      cases[i].text, err);
        if (cases[i].expect != 0)
            ck_assert_ptr_nonnull(strstr(err, cfg_path));
    }

    char long_path[1100], text[1200];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    snprintf(text, sizeof(text), "{\"db\": \"%s\"}", long_path);
    ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_proxies)
{
    static const struct {
        const char *text;
        int expect;
    } cases[] = {
        {"{\"trusted_proxies\": []}", 0},
        {"{\"trusted_proxies\": [\"192.168.1.1\", \"2001:db8::1\"]}", 0},
        {"{\"trusted_proxies\": \"10.0.0.1\"}", -1},
        {"{\"trusted_proxies\": [\"10.0.0.256\"]}", -1},
        {"{\"trusted_proxies\": [\"proxy.example\"]}", -1},
        {"{\"trusted_proxies\": [\"10.0.0.0/8\"]}", -1},
        {"{\"trusted_proxies\": [1]}", -1},
    };
    struct config c;
    char err[256], text[1024];
    size_t len;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(load_text(&c, cases[i].text, err, sizeof(err)) == cases[i].expect, "%s: %s",
                      cases[i].text, err);
    }

    /* Sixteen are allowed, seventeen are not. */
    for (int n = 16; n <= 17; n++) {
        len = (size_t)snprintf(text, sizeof(text), "%s", "{\"trusted_proxies\": [");
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\"10.0.0.%d\"",
                                    i > 0 ? ", " : "", i);
        snprintf(text + len, sizeof(text) - len, "%s", "]}");
        ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), n == 16 ? 0 : -1);
        if (n == 16)
            ck_assert_str_eq(c.trusted_proxies[15], "10.0.0.15");
    }
}
END_TEST

START_TEST(test_unknown_key)
{
    struct config c;
    char err[256];
    char want[PATH_MAX + 64];

    ck_assert_int_eq(load_text(&c, "{\"thread\": 4}", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: unknown key \"thread\"", cfg_path);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_bad_file_changes_nothing)
{
    struct config c;
    char err[256];

    ck_assert_int_eq(load_text(&c, "{\"db\": \"other.db\", \"threads\": 999}", err, sizeof(err)),
                     -1);
    ck_assert_str_eq(c.db, "./shenbao.db");
}
END_TEST

START_TEST(test_malformed_json)
{
    struct config c;
    char err[256];
    char want[PATH_MAX + 16];

    ck_assert_int_eq(load_text(&c, "{\n  \"db\": \"x\",\n  oops\n}\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3:", cfg_path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);

    ck_assert_int_eq(load_text(&c, "{\"db\": \"a\", \"db\": \"b\"}", err, sizeof(err)), -1);
    ck_assert_int_eq(load_text(&c, "[]", err, sizeof(err)), -1);
    ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), -1);

    config_defaults(&c);
    ck_assert_int_eq(config_load_file(&c, "/nonexistent/shenbao.json", err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/shenbao.json"));
}
END_TEST

START_TEST(test_listen)
{
    static const struct {
        const char *value;
        int expect;
        const char *host;
        unsigned port;
    } cases[] = {
        {"127.0.0.1:8080", 0, "127.0.0.1", 8080},
        {"0.0.0.0:1", 0, "0.0.0.0", 1},
        {"10.1.2.3:65535", 0, "10.1.2.3", 65535},
        {"[::1]:9000", 0, "::1", 9000},
        {"[::]:443", 0, "::", 443},
        {"localhost:8081", 0, "127.0.0.1", 8081},
        {"127.0.0.1:0", -1, NULL, 0},
        {"127.0.0.1:65536", -1, NULL, 0},
        {"127.0.0.1:x", -1, NULL, 0},
        {"127.0.0.1:+80", -1, NULL, 0},
        {"127.0.0.1:-1", -1, NULL, 0},
        {"127.0.0.1: 80", -1, NULL, 0},
        {"127.0.0.1:80 ", -1, NULL, 0},
        {"127.0.0.1:", -1, NULL, 0},
        {"127.0.0.1", -1, NULL, 0},
        {":8080", -1, NULL, 0},
        {"[::1]", -1, NULL, 0},
        {"[::1]:", -1, NULL, 0},
        {"[::1:80", -1, NULL, 0},
        {"::1:8080", -1, NULL, 0},
        {"[127.0.0.1]:80", -1, NULL, 0},
        {"example.com:80", -1, NULL, 0},
        {"", -1, NULL, 0},
    };
    struct config c;
    char err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        config_defaults(&c);
        err[0] = '\0';
        ck_assert_msg(config_set_listen(&c, cases[i].value, err, sizeof(err)) == cases[i].expect,
                      "\"%s\": %s", cases[i].value, err);
        if (cases[i].expect == 0) {
            ck_assert_str_eq(c.listen_host, cases[i].host);
            ck_assert_uint_eq(c.listen_port, cases[i].port);
        } else {
            ck_assert_uint_gt(strlen(err), 0);
            /* A refused value leaves the setting as it was. */
            ck_assert_str_eq(c.listen_host, "127.0.0.1");
            ck_assert_uint_eq(c.listen_port, 8080);
        }
    }
}
END_TEST

/* ---- clock ---- */

START_TEST(test_clock_parse)
{
    static const struct {
        const char *text;
        int64_t want;
    } good[] = {
        {"2020-09-29T10:00:00Z", 1601373600},
        {"2020-09-29T18:00:00+08:00", 1601373600},
        {"2020-09-29t10:00:00z", 1601373600},
        {"2020-09-29T10:00:00.999Z", 1601373600},
        {"2020-09-29T18:00:00.5+08:00", 1601373600},
        {"2020-09-29T10:00:00+00:00", 1601373600},
        {"2020-09-29T10:00:00-00:00", 1601373600},
        {"2024-02-29T12:00:00-05:30", 1709227800},
        {"2000-02-29T00:00:00Z", 951782400},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1},
        {"1900-03-01T00:00:00Z", -2203891200},
        {"0000-01-01T00:00:00Z", -62167219200},
        {"9999-12-31T23:59:59Z", 253402300799},
    };
    static const char *const bad[] = {
        "2019-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2020-04-31T00:00:00Z",
        "2020-13-01T00:00:00Z",
        "2020-00-10T00:00:00Z",
        "2020-01-00T00:00:00Z",
        "2020-09-29T24:00:00Z",
        "2020-09-29T23:60:00Z",
        "2020-09-29T23:59:60Z",
        "2020-09-29 10:00:00Z",
        "2020-09-29T10:00:00",
        "2020-09-29T10:00:00+08",
        "2020-09-29T10:00:00+0800",
        "2020-09-29T10:00:00+24:00",
        "2020-09-29T10:00:00+08:60",
        "2020-09-29T10:00:00.Z",
        "2020-09-29T10:00:00ZZ",
        "2020-09-29T10:00Z",
        "2020-9-29T10:00:00Z",
        "20200-09-29T10:00:00Z",
        "2020-09-29",
        "",
        "2020-09-29T10:00:00 Z",
        "+2020-09-29T10:00:00Z",
    };
    int64_t t;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        t = 42;
        ck_assert_msg(clock_parse_rfc3339(good[i].text, &t) == 0, "refused %s", good[i].text);
        ck_assert_msg(t == good[i].want, "%s: %lld", good[i].text, (long long)t);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(clock_parse_rfc3339(bad[i], &t) == -1, "accepted %s", bad[i]);
}
END_TEST

START_TEST(test_clock_format)
{
    static const int64_t instants[] = {
        0,     -1,    1601373600, 951782400, 1709227800, -2203891200, -62167219200, 253402300799,
        86399, 86400, 4102444799,
    };
    char out[RFC3339_LEN];
    int64_t back;

    clock_format_rfc3339(1601373600, out);
    ck_assert_str_eq(out, "2020-09-29T10:00:00Z");
    clock_format_rfc3339(-1, out);
    ck_assert_str_eq(out, "1969-12-31T23:59:59Z");
    clock_format_rfc3339(951782400 + 86399, out);
    ck_assert_str_eq(out, "2000-02-29T23:59:59Z");

    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        clock_format_rfc3339(instants[i], out);
        ck_assert_int_eq(clock_parse_rfc3339(out, &back), 0);
        ck_assert_msg(back == instants[i], "%lld -> %s", (long long)instants[i], out);
    }
    /* Every day of a leap year and its neighbours. */
    for (int64_t t = 946684800; t < 1041379200; t += 86400 + 3661) {
        clock_format_rfc3339(t, out);
        ck_assert_int_eq(clock_parse_rfc3339(out, &back), 0);
        ck_assert_msg(back == t, "%lld -> %s", (long long)t, out);
    }
}
END_TEST

START_TEST(test_clock_set)
{
    int64_t now = clock_now();
    int64_t then;

    ck_assert_int_ge(now, 1577836800); /* the system clock is past 2020 */
    ck_assert_int_eq(clock_parse_rfc3339("2020-09-29T10:00:00Z", &then), 0);
    clock_set(then);
    ck_assert(clock_is_set());
    now = clock_now();
    ck_assert_int_ge(now, then);
    ck_assert_int_le(now, then + 1);
    ck_assert_int_ge(clock_now_ms(), then * 1000);
    ck_assert_int_le(clock_now_ms(), (then + 2) * 1000);
}
END_TEST

/* The monotonic clock goes on at its pace, whatever the clock is set to. */
START_TEST(test_clock_monotonic)
{
    int64_t was = clock_now(), a = clock_monotonic_ns();
    clock_set(0);
    int64_t b = clock_monotonic_ns();
    ck_assert_int_ge(b, a);
    ck_assert_int_lt(b - a, 1000000000);
    nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000}, NULL);
    int64_t c = clock_monotonic_ns();
    ck_assert_int_ge(c - b, 20 * 1000000);
    ck_assert_int_lt(c - b, 10 * 1000000000LL);
    clock_set(was); /* the tests share one process */
}
END_TEST

/* ---- log ---- */

/* Runs fn with stderr sent to a file and returns what it wrote (caller
 * frees). */
static char *capture_stderr(void (*fn)(void))
{
    char path[PATH_MAX];
    FILE *f;
    int fd, saved;
    long size;
    char *text;

    snprintf(path, sizeof(path), "%s/stderr", tmpdir);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    f = fopen(path, "w+");
    ck_assert_ptr_nonnull(f);
    fd = fileno(f);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    fn();
    fflush(stderr);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    close(saved);

    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    ck_assert_int_ge(size, 0);
    rewind(f);
    text = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    unlink(path);
    return text;
}

/* Splits text into lines and parses each as JSON; returns an array. */
static json_t *parse_lines(char *text)
{
    json_t *lines = json_array();
    char *start = text;
    char *nl;

    while ((nl = strchr(start, '\n')) != NULL) {
        json_error_t jerr;
        *nl = '\0';
        /* time, level and msg come first, in that order. */
        ck_assert_msg(strncmp(start, "{\"time\":\"", 9) == 0, "line: %s", start);
        ck_assert_msg(strstr(start, "\",\"level\":\"") == start + 9 + 24, "line: %s", start);
        json_t *line = json_loads(start, JSON_REJECT_DUPLICATES, &jerr);
        ck_assert_msg(line != NULL, "not JSON: %s (%s)", start, jerr.text);
        /* Byte for byte what Jansson writes of it (it keeps the order). */
        char *again = json_dumps(line, JSON_COMPACT);
        ck_assert_ptr_nonnull(again);
        ck_assert_str_eq(start, again);
        free(again);
        ck_assert(json_is_string(json_object_get(line, "time")));
        ck_assert(json_is_string(json_object_get(line, "level")));
        ck_assert(json_is_string(json_object_get(line, "msg")));
        json_array_append_new(lines, line);
        start = nl + 1;
    }
    ck_assert_str_eq(start, ""); /* the output ends with a newline */
    return lines;
}

static void log_some(void)
{
    char big[2000];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    log_set_level(LOG_INFO);
    log_msg(LOG_DEBUG, "hidden %d", 1);
    log_json(LOG_DEBUG, "hidden too", json_pack("{s:i}", "n", 2));
    log_json(LOG_INFO, "request", json_pack("{s:s, s:i}", "path", "/v1/health", "status", 200));
    log_msg(LOG_WARN, "disk %d%% full", 91);
    log_json(LOG_ERROR, "no fields", NULL);
    log_json(LOG_ERROR, "forged", json_pack("{s:s, s:s}", "level", "debug", "who", "x"));
    log_msg(LOG_INFO, "bad \xff byte");
    log_msg(LOG_INFO, "%s", big);
    log_set_level(LOG_DEBUG);
    log_msg(LOG_DEBUG, "debug shown");
    log_set_level(LOG_INFO);
}

START_TEST(test_log_lines)
{
    char *text = capture_stderr(log_some);
    json_t *lines = parse_lines(text);
    json_t *l;
    int64_t t;
    char when[RFC3339_LEN];

    ck_assert_uint_eq(json_array_size(lines), 7);

    l = json_array_get(lines, 0);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "info");
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")), "request");
    ck_assert_str_eq(json_string_value(json_object_get(l, "path")), "/v1/health");
    ck_assert_int_eq(json_integer_value(json_object_get(l, "status")), 200);
    /* The time is the server clock's, with milliseconds. */
    const char *time_text = json_string_value(json_object_get(l, "time"));
    ck_assert_uint_eq(strlen(time_text), 24);
    ck_assert_int_eq(time_text[19], '.');
    ck_assert_int_eq(clock_parse_rfc3339(time_text, &t), 0);
    ck_assert_int_le(llabs((long long)(t - clock_now())), 2);
    clock_format_rfc3339(t, when);
    ck_assert_int_eq(strncmp(time_text, when, 19), 0);

    l = json_array_get(lines, 1);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "warn");
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")), "disk 91% full");

    l = json_array_get(lines, 2);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "error");
    ck_assert_uint_eq(json_object_size(l), 3);

    l = json_array_get(lines, 3);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "error");
    ck_assert_str_eq(json_string_value(json_object_get(l, "who")), "x");

    l = json_array_get(lines, 4);
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")), "bad ? byte");

    l = json_array_get(lines, 5);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(l, "msg"))), 1999);

    l = json_array_get(lines, 6);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "debug");
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")), "debug shown");

    json_decref(lines);
    free(text);
}
END_TEST

/* Lines of every length around the size of the buffer a line is first
 * rendered into (1 KiB): each comes out whole, newline and all. */
#define AROUND_FIRST 900
#define AROUND_LAST  1100

static void log_around_the_buffer(void)
{
    static char msg[AROUND_LAST + 1];
    for (int n = AROUND_FIRST; n <= AROUND_LAST; n++) {
        memset(msg, 'a' + n % 26, (size_t)n);
        msg[n] = '\0';
        log_msg(LOG_INFO, "%s", msg);
    }
}

START_TEST(test_log_lines_around_the_buffer)
{
    log_set_level(LOG_INFO);
    char *text = capture_stderr(log_around_the_buffer);
    json_t *lines = parse_lines(text);

    ck_assert_uint_eq(json_array_size(lines), AROUND_LAST - AROUND_FIRST + 1);
    for (int n = AROUND_FIRST; n <= AROUND_LAST; n++) {
        const char *msg = json_string_value(
            json_object_get(json_array_get(lines, (size_t)(n - AROUND_FIRST)), "msg"));
        ck_assert_uint_eq(strlen(msg), (size_t)n);
        ck_assert_int_eq(msg[0], 'a' + n % 26);
        ck_assert_int_eq(msg[n - 1], 'a' + n % 26);
    }
    json_decref(lines);
    free(text);
}
END_TEST

/* Fields of every shape a caller passes: each line is the fields' members
 * after the line's own three, in the caller's order, escaped as Jansson
 * escapes them (parse_lines() holds every line to Jansson's bytes). */
static void log_shapes(void)
{
    log_set_level(LOG_INFO);
    log_json(LOG_INFO, "request",
             json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:I}", "request_id", "r-1", "method",
                       "GET", "path", "/v1/applications/7?x=\"y\"\\z", "route", "application_get",
                       "status", 200, "duration_us", (json_int_t)INT64_MAX, "client", "127.0.0.1",
                       "account", (json_int_t)INT64_MIN));
    log_json(LOG_WARN, "控制字符 \x01\t\n\x1f \xe2\x80\xa8 \xf0\x9f\x98\x80",
             json_pack("{s:s, s:[i, s, n, b], s:{s:{s:[]}}, s:f, s:n, s:b, s:{}}", "名称",
                       "北京\x7f\"\\/", "list", -1, "\x02", 1, "nested", "a", "b", "real", 0.5,
                       "none", "yes", 0, "empty"));
    log_json(LOG_INFO, "empty object", json_object());
    log_json(LOG_INFO, "not an object", json_pack("[i, s]", 1, "two"));
    log_json(LOG_INFO, "forged time", json_pack("{s:s, s:i}", "time", "then", "n", 3));
    log_json(LOG_INFO, "forged msg", json_pack("{s:i, s:s}", "n", 4, "msg", "other"));
}

START_TEST(test_log_shapes)
{
    char *text = capture_stderr(log_shapes);
    json_t *lines = parse_lines(text);
    json_t *l;
    const char *key;
    json_t *value;

    ck_assert_uint_eq(json_array_size(lines), 6);
    l = json_array_get(lines, 0);
    const char *order[] = {"time",  "level",  "msg",         "request_id", "method", "path",
                           "route", "status", "duration_us", "client",     "account"};
    size_t i = 0;
    json_object_foreach(l, key, value)
    {
        ck_assert_uint_lt(i, sizeof order / sizeof order[0]);
        ck_assert_str_eq(key, order[i++]);
    }
    ck_assert_uint_eq(i, sizeof order / sizeof order[0]);
    ck_assert_str_eq(json_string_value(json_object_get(l, "path")),
                     "/v1/applications/7?x=\"y\"\\z");
    ck_assert(json_integer_value(json_object_get(l, "account")) == INT64_MIN);

    l = json_array_get(lines, 1);
    ck_assert_str_eq(json_string_value(json_object_get(l, "level")), "warn");
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")),
                     "控制字符 \x01\t\n\x1f \xe2\x80\xa8 \xf0\x9f\x98\x80");
    ck_assert_str_eq(json_string_value(json_object_get(l, "名称")), "北京\x7f\"\\/");
    ck_assert(json_real_value(json_object_get(l, "real")) == 0.5);
    ck_assert(json_is_null(json_object_get(l, "none")));
    ck_assert(json_is_false(json_object_get(l, "yes")));
    ck_assert_uint_eq(json_object_size(json_object_get(l, "empty")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(l, "list")), 4);

    ck_assert_uint_eq(json_object_size(json_array_get(lines, 2)), 3);
    l = json_array_get(lines, 3);
    ck_assert_uint_eq(json_array_size(json_object_get(l, "fields")), 2);
    /* A field named like one of the line's own does not replace it. */
    l = json_array_get(lines, 4);
    ck_assert_str_ne(json_string_value(json_object_get(l, "time")), "then");
    ck_assert_int_eq(json_integer_value(json_object_get(l, "n")), 3);
    l = json_array_get(lines, 5);
    ck_assert_str_eq(json_string_value(json_object_get(l, "msg")), "forged msg");
    ck_assert_int_eq(json_integer_value(json_object_get(l, "n")), 4);

    json_decref(lines);
    free(text);
}
END_TEST

#define LOG_THREADS    4
#define LOG_PER_THREAD 200

static void *log_worker(void *arg)
{
    long id = (long)(intptr_t)arg;

    for (int i = 0; i < LOG_PER_THREAD; i++)
        log_json(LOG_INFO, "from a thread",
                 json_pack("{s:i, s:i, s:s}", "thread", (int)id, "i", i, "pad",
                           "a somewhat longer field so that lines are not tiny"));
    return NULL;
}

static void log_from_threads(void)
{
    pthread_t t[LOG_THREADS];

    for (long i = 0; i < LOG_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, log_worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < LOG_THREADS; i++)
        pthread_join(t[i], NULL);
}

START_TEST(test_log_threads)
{
    char *text = capture_stderr(log_from_threads);
    json_t *lines = parse_lines(text);

    ck_assert_uint_eq(json_array_size(lines), LOG_THREADS * LOG_PER_THREAD);
    json_decref(lines);
    free(text);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_full_file);
    tcase_add_test(tc, test_example_file);
    tcase_add_loop_test(tc, test_int_ranges, 0, sizeof(int_keys) / sizeof(int_keys[0]));
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_proxies);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_bad_file_changes_nothing);
    tcase_add_test(tc, test_malformed_json);
    tcase_add_test(tc, test_listen);
    suite_add_tcase(s, tc);

    tc = tcase_create("clock");
    tcase_add_test(tc, test_clock_parse);
    tcase_add_test(tc, test_clock_format);
    tcase_add_test(tc, test_clock_set);
    tcase_add_test(tc, test_clock_monotonic);
    suite_add_tcase(s, tc);

    tc = tcase_create("log");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_log_lines);
    tcase_add_test(tc, test_log_threads);
    tcase_add_test(tc, test_log_lines_around_the_buffer);
    tcase_add_test(tc, test_log_shapes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(core_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
