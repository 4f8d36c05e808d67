/*
 * The control socket: a Unix stream listener, peer credentials at accept, a
 * per-uid connection cap (refusals logged at most once a minute per uid),
 * framing of request lines and bytes=N bodies (a body checked by
 * cmd_body_check() before it is read, and a bound on all bodies held), idle
 * and per-request timeouts, and accept paused on EMFILE.  Requests go to
 * cmd_execute().
 */
#ifndef REFLECTD_CONTROL_H
#define REFLECTD_CONTROL_H

#include "err.h"

struct event_base;
struct config;

#define CONTROL_MAX_PER_UID	128	/* connections at once from one uid */
#define CONTROL_IDLE_SECONDS	60	/* close a client silent this long */
#define CONTROL_REQUEST_SECONDS	30	/* a line or body from its 1st byte */
/* Bodies (bytes=N, each at most CMD_BODY_MAX) held at once, all clients. */
#define CONTROL_BODIES_MAX	(128 * 1024 * 1024)

/*
 * Create the socket at config->socket (umask, mode 0660, socket_group).
 * Fails if a live daemon answers on it; replaces a stale one.
 */
int	control_init(struct event_base *, const struct config *, struct err *);
/* Stop accepting (shutdown); existing clients get their answers. */
void	control_stop_accepting(void);
/* Close everything and unlink the socket. */
void	control_free(void);
/* Number of clients connected now. */
int	control_clients(void);

#endif
