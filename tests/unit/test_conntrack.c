/*
 * Connection deadlines and the per-address limit.  Connections are socket
 * pairs: a slot shut down shows as end-of-file on the other end.
 */
#include "conntrack.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int ours, peer; /* ours is tracked; peer is the client's end */
    struct conn_slot *slot;
};

static struct sockaddr_in addr4(const char *text)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    ck_assert_int_eq(inet_pton(AF_INET, text, &a.sin_addr), 1);
    return a;
}

static void conn_open(struct conntrack *ct, struct conn *c, const char *addr, int64_t now)
{
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    c->ours = fds[0];
    c->peer = fds[1];
    fcntl(c->peer, F_SETFL, O_NONBLOCK);
    struct sockaddr_in a = addr4(addr);
    c->slot = conntrack_add(ct, c->ours, (struct sockaddr *)&a, now);
    ck_assert_ptr_nonnull(c->slot);
}

static void conn_close(struct conntrack *ct, struct conn *c)
{
    conntrack_remove(ct, c->slot); /* before close(), as libmicrohttpd does */
    close(c->ours);
    close(c->peer);
}

/* True when our end was shut down: the client's end reads end-of-file. */
static bool was_shut(const struct conn *c)
{
    char b;
    return recv(c->peer, &b, 1, 0) == 0;
}

static unsigned count(struct conntrack *ct, const char *addr)
{
    struct sockaddr_in a = addr4(addr);
    return conntrack_count(ct, (struct sockaddr *)&a);
}

static bool admit(struct conntrack *ct, const char *addr, int64_t now)
{
    struct sockaddr_in a = addr4(addr);
    return conntrack_admit(ct, (struct sockaddr *)&a, now);
}

START_TEST(limit_makes_room_from_the_longest_waiting)
{
    struct conntrack *ct = conntrack_new(3, 10000, 60000);
    struct conn c[4];
    ck_assert(admit(ct, "10.0.0.1", 0));
    conn_open(ct, &c[0], "10.0.0.1", 100); /* waits for its head */
    conn_open(ct, &c[1], "10.0.0.1", 50);  /* waits longer */
    conn_open(ct, &c[2], "10.0.0.1", 10);
    conntrack_set_phase(ct, c[2].slot, CONN_BUSY, 20); /* being answered */
    ck_assert_uint_eq(count(ct, "10.0.0.1"), 3);

    /* Another address is not affected by this one's limit. */
    ck_assert(admit(ct, "10.0.0.2", 200));
    ck_assert_uint_eq(count(ct, "10.0.0.2"), 0);

    /* At the limit: the one that has waited longest for a head goes. */
    ck_assert(admit(ct, "10.0.0.1", 200));
    ck_assert(was_shut(&c[1]));
    ck_assert(!was_shut(&c[0]));
    ck_assert(!was_shut(&c[2]));
    ck_assert_uint_eq(count(ct, "10.0.0.1"), 2);
    conn_open(ct, &c[3], "10.0.0.1", 200);

    /* Then the next longest waiting; a busy one never. */
    ck_assert(admit(ct, "10.0.0.1", 300));
    ck_assert(was_shut(&c[0]));
    conn_close(ct, &c[0]);
    conn_close(ct, &c[1]); /* a slot shut down counts once only */
    ck_assert_uint_eq(count(ct, "10.0.0.1"), 2);
    for (int i = 2; i < 4; i++)
        conn_close(ct, &c[i]);
    ck_assert_uint_eq(count(ct, "10.0.0.1"), 0);
    conntrack_free(ct);
}
END_TEST

START_TEST(limit_refuses_when_all_are_busy)
{
    struct conntrack *ct = conntrack_new(2, 10000, 60000);
    struct conn c[2];
    for (int i = 0; i < 2; i++) {
        conn_open(ct, &c[i], "10.9.9.9", 0);
        conntrack_set_phase(ct, c[i].slot, i == 0 ? CONN_BODY : CONN_BUSY, 1);
    }
    ck_assert(!admit(ct, "10.9.9.9", 5));
    ck_assert(!was_shut(&c[0]));
    ck_assert(!was_shut(&c[1]));
    /* A kept-alive connection waiting for its next head may make room. */
    conntrack_set_phase(ct, c[1].slot, CONN_HEAD, 6);
    ck_assert(admit(ct, "10.9.9.9", 7));
    ck_assert(was_shut(&c[1]));
    for (int i = 0; i < 2; i++)
        conn_close(ct, &c[i]);
    conntrack_free(ct);
}
END_TEST

START_TEST(deadlines_by_phase)
{
    struct conntrack *ct = conntrack_new(100, 1000, 5000);
    struct conn head, body, busy, kept;
    conn_open(ct, &head, "10.0.0.1", 0);
    conn_open(ct, &body, "10.0.0.1", 0);
    conntrack_set_phase(ct, body.slot, CONN_BODY, 500);
    conn_open(ct, &busy, "10.0.0.1", 0);
    conntrack_set_phase(ct, busy.slot, CONN_BUSY, 0);
    conn_open(ct, &kept, "10.0.0.1", 0);

    /* However steadily a head arrives, it has until its deadline. */
    ck_assert_uint_eq(conntrack_sweep(ct, 999), 0);
    ck_assert(!was_shut(&head));
    /* A kept-alive connection's clock restarts with its next request. */
    conntrack_set_phase(ct, kept.slot, CONN_HEAD, 900);
    ck_assert_uint_eq(conntrack_sweep(ct, 1000), 1);
    ck_assert(was_shut(&head));
    ck_assert(!was_shut(&kept));
    ck_assert_uint_eq(conntrack_sweep(ct, 1900), 1);
    ck_assert(was_shut(&kept));

    /* The body's deadline counts from its head. */
    ck_assert_uint_eq(conntrack_sweep(ct, 5499), 0);
    ck_assert_uint_eq(conntrack_sweep(ct, 5500), 1);
    ck_assert(was_shut(&body));
    /* Shut once only; a connection being answered has no deadline here. */
    ck_assert_uint_eq(conntrack_sweep(ct, 1000000), 0);
    ck_assert(!was_shut(&busy));

    conn_close(ct, &head);
    conn_close(ct, &body);
    conn_close(ct, &busy);
    conn_close(ct, &kept);
    conntrack_free(ct);
}
END_TEST

START_TEST(ipv6_and_mapped_addresses)
{
    struct conntrack *ct = conntrack_new(1, 10000, 60000);
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:10.0.0.7", &a6.sin6_addr), 1);
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    struct conn_slot *s = conntrack_add(ct, fds[0], (struct sockaddr *)&a6, 0);
    /* The same address, seen by an IPv4 listener. */
    ck_assert_uint_eq(count(ct, "10.0.0.7"), 1);
    ck_assert(admit(ct, "10.0.0.7", 1)); /* by making room */
    ck_assert_uint_eq(count(ct, "10.0.0.7"), 0);
    conntrack_remove(ct, s);
    close(fds[0]);
    close(fds[1]);
    conntrack_free(ct);
}
END_TEST

START_TEST(sweeper_thread)
{
    struct conntrack *ct = conntrack_new(10, 50, 50);
    struct conn c;
    conn_open(ct, &c, "10.0.0.1", conntrack_now_ms());
    ck_assert_int_eq(conntrack_start_sweeper(ct, 10), 0);
    bool shut = false;
    for (int i = 0; i < 200 && !shut; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        shut = was_shut(&c);
    }
    conntrack_stop_sweeper(ct);
    ck_assert(shut);
    conn_close(ct, &c);
    conntrack_free(ct);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conntrack");
    TCase *tc = tcase_create("conntrack");
    tcase_add_test(tc, limit_makes_room_from_the_longest_waiting);
    tcase_add_test(tc, limit_refuses_when_all_are_busy);
    tcase_add_test(tc, deadlines_by_phase);
    tcase_add_test(tc, ipv6_and_mapped_addresses);
    tcase_add_test(tc, sweeper_thread);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
