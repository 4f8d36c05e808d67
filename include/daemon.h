/*
 * The running daemon's shared state and its life cycle: start-up after the
 * configuration is loaded, reload (swap a new config or keep the old), and
 * an orderly stop.  reflectd.c parses options and drives these.
 */
#ifndef REFLECTD_DAEMON_H
#define REFLECTD_DAEMON_H

#include <time.h>

#include "err.h"

struct event_base;
struct config;
struct store;

struct daemon {
	struct event_base	*base;
	struct config		*conf;		/* current; replaced on reload */
	char			*conf_path;
	struct store		*store;
	time_t			 started;	/* clock time at start */
	int			 foreground;
	int			 debug;		/* -d: log_level forced to debug */
	unsigned int		 reloads;	/* configurations loaded since */
};

extern struct daemon *daemon_g;		/* NULL outside reflectd */

/* Open the store, socket, outbox, timers and signals.  fatal() on failure. */
void	daemon_start(struct event_base *, struct config *, const char *conf_path,
	    int foreground, int debug, const char *fake_now);
/* Re-read conf_path; on error keep the running config and fill err. */
int	daemon_reload(struct err *);
/*
 * After a daemon_reload() that succeeded: the changed keys whose new values
 * wait for a restart ("state_dir, socket_group"; "" none).
 */
const char *daemon_reload_pending(void);
/*
 * Run the loop until daemon_shutdown(); between turns that touched much
 * new memory, the heap's free pages go back to the system.  -1 on error.
 */
int	daemon_dispatch(struct event_base *);
/* Stop accepting, leave the loop after the request in hand. */
void	daemon_shutdown(void);
/* Free everything after the loop has returned. */
void	daemon_finish(void);

#endif
