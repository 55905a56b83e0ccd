/*
 * The systemd readiness protocol (sd_notify(3)): one datagram to the socket
 * named by $NOTIFY_SOCKET.  Without that variable (not under systemd, or
 * Type= other than notify) it does nothing.
 */
#ifndef SB_NOTIFY_H
#define SB_NOTIFY_H

/* Sends `state`, e.g. "READY=1" or "STOPPING=1".  0, or -1 when it could
 * not be sent; 0 also when there is nobody to tell. */
int notify_systemd(const char *state);

#endif
