/*
 * Connection deadlines and the per-address connection limit.
 *
 * libmicrohttpd times a connection out only when it is idle, so a client
 * that sends one header line every few seconds keeps its connection, and
 * with enough of them every slot its address may have, for as long as it
 * likes.  This tracker gives each connection an absolute deadline for the
 * phase it is in, and a sweeper thread shuts down (shutdown(2)) those past
 * it; libmicrohttpd then reads end-of-file and closes them itself:
 *
 *   CONN_HEAD  waiting for a request's head (request line and headers),
 *              since the connection opened or its previous request ended:
 *              head_ms;
 *   CONN_BODY  head received, body arriving: body_ms; and a client that
 *              closed its side before the body was complete is ended as
 *              soon as the sweeper sees it;
 *   CONN_BUSY  being answered: no deadline of ours (the idle timeout of
 *              libmicrohttpd still applies while the reply is sent).
 *
 * The per-address limit is kept here too instead of by libmicrohttpd, so
 * that a new connection from an address at its limit can take the place of
 * that address's connection that has waited longest for its head: slow
 * senders then cannot lock out the normal requests of their own address
 * (every client behind one office NAT, or behind the TLS proxy).  Only when
 * every connection of the address is busy with a request is the new one
 * refused.  A normal connection is at risk only while its own head is
 * arriving, and then only from as many new connections of its address as
 * the limit within that moment.
 *
 * A connection counts against its address from libmicrohttpd's STARTED
 * notification (conntrack_add), which comes a moment after the accept
 * policy admitted it: with several worker threads admitting at once, an
 * address may briefly hold a connection or two more than its limit.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the table.  A slot's file descriptor is shut down only with that
 * mutex held, and libmicrohttpd reports a connection closed
 * (conntrack_remove) before it closes the descriptor, so the sweeper never
 * touches a descriptor that was closed and reused.
 */
#ifndef SB_CONNTRACK_H
#define SB_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum conn_phase { CONN_HEAD, CONN_BODY, CONN_BUSY };

struct conntrack;
struct conn_slot;

/* A tracker allowing per_address connections from one address, with the
 * deadlines of each phase in milliseconds.  NULL when out of memory. */
struct conntrack *conntrack_new(unsigned per_address, int64_t head_ms, int64_t body_ms);

/* Frees the tracker and any slots left in it (stop the sweeper first). */
void conntrack_free(struct conntrack *ct);

/* Decides whether a new connection from addr may be accepted, at time
 * now_ms (a monotonic clock).  At the limit, the address's connection that
 * has waited longest for a request head is shut down to make room; false
 * when none is waiting (refuse the new connection). */
bool conntrack_admit(struct conntrack *ct, const struct sockaddr *addr, int64_t now_ms);

/* Starts tracking an accepted connection (phase CONN_HEAD).  NULL when out
 * of memory: the connection then goes untracked. */
struct conn_slot *conntrack_add(struct conntrack *ct, int fd, const struct sockaddr *addr,
                                int64_t now_ms);

/* The connection is closing: forgets the slot (and frees it).  Must come
 * before the descriptor is closed.  slot may be NULL. */
void conntrack_remove(struct conntrack *ct, struct conn_slot *slot);

/* The connection entered a phase; its deadline counts from now_ms.  slot
 * may be NULL. */
void conntrack_set_phase(struct conntrack *ct, struct conn_slot *slot, enum conn_phase phase,
                         int64_t now_ms);

/* Shuts down every connection past its phase's deadline at now_ms and logs
 * each; returns how many. */
unsigned conntrack_sweep(struct conntrack *ct, int64_t now_ms);

/* Live (not shut down) connections tracked for addr, for tests. */
unsigned conntrack_count(struct conntrack *ct, const struct sockaddr *addr);

/* Runs conntrack_sweep() every interval_ms on a thread of its own until
 * conntrack_stop_sweeper().  0 or -1 (no thread). */
int conntrack_start_sweeper(struct conntrack *ct, int64_t interval_ms);
void conntrack_stop_sweeper(struct conntrack *ct);

/* The monotonic clock in milliseconds, as the functions above expect. */
int64_t conntrack_now_ms(void);

#endif
