/*
 * The running daemon: start-up in a safe order (refuse a second daemon
 * before touching the store), signals, reload by swapping a whole new
 * configuration or keeping the old one, and an orderly stop.  Must not fatal()
 * after start-up: reload failures are reported, never fatal.  A store that
 * cannot be written (a full disk) does not stop the start: reads are
 * served, and the start-up writes (outbox recovery, the first plan) are
 * retried until they go through.
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cases.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "digest.h"
#include "feed.h"
#include "inbox.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "people.h"
#include "planner.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define DAEMON_RETRY_S		60	/* start-up writes retried this often */
#define DAEMON_NEED_OUTBOX	0x1
#define DAEMON_NEED_PLAN	0x2
/*
 * Once the daemon has faulted in this many pages (1 MiB) since the last
 * trim, the heap's free pages go back to the system between two turns of
 * the loop: a replan, an import or the digests leave free holes inside
 * the heap that glibc keeps mapped (a megabyte on the borough), and the
 * next big request would start from there.  A trim costs about half a
 * millisecond there, and only follows turns that did that much work.
 * Faulting back in what the last trim gave back does not count: a trim
 * drops every free page of the heap, so the next request faults its
 * working set in again, and were that to call for another trim, every
 * request of a busy region would pay for its pages twice (a series add,
 * a third of its time).
 */
#define DAEMON_TRIM_FAULTS	256

struct daemon	*daemon_g;

static struct daemon	 daemon_state;
static struct event	*ev_sigterm, *ev_sigint, *ev_sighup;
static struct clock_timer *daemon_retry;
static int		 daemon_needs;

static void	daemon_signal(evutil_socket_t, short, void *);
static void	daemon_retry_cb(void *);
static void	daemon_keep_fixed(struct config *, const struct config *);
static int	daemon_caseload_changed(const struct config *,
		    const struct config *);
static void	daemon_recheck_caseloads(void);
static void	daemon_replan(void);
static long	daemon_faults(void);
static long	daemon_resident(void);

void
daemon_start(struct event_base *base, struct config *conf,
    const char *conf_path, int foreground, int debug, const char *fake_now)
{
	struct daemon	*d = &daemon_state;
	struct err	 err;

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->conf = conf;
	d->conf_path = xstrdup(conf_path);
	d->foreground = foreground;
	d->debug = debug;
	daemon_g = d;

	if (util_set_timezone(conf->timezone) == -1)
		fatalx("%s: unknown timezone %s", conf_path, conf->timezone);
	if (clock_init(base, fake_now, &err) == -1)
		fatalx("%s", err.msg);

	/* The socket first: a live daemon means we must not touch its store. */
	if (control_init(base, conf, &err) == -1)
		fatalx("%s", err.msg);
	/*
	 * Everything from here on (database, WAL, journal, Maildir) is the
	 * daemon's user's only, whatever umask we were started with and
	 * whatever socket_group is.  After control_init: it gives the socket
	 * 0660 itself, but creates the socket's missing directories 0755
	 * through the inherited umask, and they must stay searchable.
	 */
	umask(077);
	if ((d->store = store_open(conf->state_dir, &err)) == NULL) {
		control_free();
		fatalx("%s", err.msg);
	}
	/*
	 * The outbox's recovery and the first plan write: on a full disk
	 * (ERR_INTERNAL) start anyway, serve reads and retry them.  Anything
	 * else is the configuration's fault and stops the start.
	 */
	daemon_retry = clock_timer_new("start-up retry", daemon_retry_cb,
	    NULL);
	/* The WAL's copy back, beside the loop rather than in a commit. */
	if (store_checkpoint_background(d->store) == -1)
		log_info("the WAL is copied back inside commits");
	if (outbox_init(base, d->store, conf, &err) == -1) {
		if (err.code != ERR_INTERNAL) {
			control_free();
			fatalx("%s", err.msg);
		}
		log_warnx("outbox not started, retrying every %d s: %s",
		    DAEMON_RETRY_S, err.msg);
		daemon_needs |= DAEMON_NEED_OUTBOX;
	}
	d->started = clock_now();
	/* Holiday files are part of the configuration: broken, no start. */
	if (planner_init(d->store, conf, &err) == -1) {
		if (err.code != ERR_INTERNAL) {
			control_free();
			fatalx("%s", err.msg);
		}
		log_warnx("first plan failed, retrying every %d s: %s",
		    DAEMON_RETRY_S, err.msg);
		/* Arm the daily and session-end timers it did not reach. */
		if (planner_reload(conf, &err) == -1) {
			control_free();
			fatalx("%s", err.msg);
		}
		planner_rearm();
		daemon_needs |= DAEMON_NEED_PLAN;
	}
	if (daemon_needs != 0)
		clock_timer_at(daemon_retry, clock_now() + DAEMON_RETRY_S);
	digest_init(d->store, conf);
	/* Without its inbox the daemon still serves; a reload tries again. */
	if (inbox_init(base, d->store, conf, &err) == -1)
		log_warnx("%s; replies are not read", err.msg);
	/* An address the feed cannot bind is logged, not fatal. */
	if (feed_init(base, d->store, conf, &err) == -1) {
		control_free();
		fatalx("%s", err.msg);
	}

	signal(SIGPIPE, SIG_IGN);
	ev_sigterm = evsignal_new(base, SIGTERM, daemon_signal, NULL);
	ev_sigint = evsignal_new(base, SIGINT, daemon_signal, NULL);
	ev_sighup = evsignal_new(base, SIGHUP, daemon_signal, NULL);
	if (ev_sigterm == NULL || ev_sigint == NULL || ev_sighup == NULL ||
	    evsignal_add(ev_sigterm, NULL) == -1 ||
	    evsignal_add(ev_sigint, NULL) == -1 ||
	    evsignal_add(ev_sighup, NULL) == -1)
		fatalx("cannot install signal handlers");

	log_info("started (version %s, socket %s, state %s%s)", PACKAGE_VERSION,
	    conf->socket, conf->state_dir,
	    clock_is_fake() ? ", fake clock" : "");
	notify_ready();
}

/* The start-up writes a full disk refused, until they go through. */
static void
daemon_retry_cb(void *arg)
{
	struct daemon	*d = daemon_g;
	struct err	 err;

	(void)arg;
	if (d == NULL)
		return;
	if (store_in_transaction(d->store)) {
		clock_timer_at(daemon_retry, clock_now() + 1);
		return;
	}
	if (daemon_needs & DAEMON_NEED_OUTBOX) {
		if (outbox_init(d->base, d->store, d->conf, &err) == 0) {
			daemon_needs &= ~DAEMON_NEED_OUTBOX;
			log_info("outbox started");
		} else
			log_warnx("outbox still not started: %s", err.msg);
	}
	if (daemon_needs & DAEMON_NEED_PLAN) {
		if (planner_replan(NULL, NULL, &err) == 0) {
			daemon_needs &= ~DAEMON_NEED_PLAN;
			log_info("planner: first plan done");
		} else
			log_warnx("planner: first plan still failing: %s",
			    err.msg);
	}
	if (daemon_needs != 0)
		clock_timer_at(daemon_retry, clock_now() + DAEMON_RETRY_S);
}

static void
daemon_signal(evutil_socket_t sig, short what, void *arg)
{
	struct err	err;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading %s", daemon_g->conf_path);
		if (daemon_reload(&err) == -1)
			log_warnx("reload refused, running configuration kept: %s",
			    err.msg);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		daemon_shutdown();
		break;
	}
}

/*
 * Where the daemon lives cannot change under it: keep the running values of
 * the keys that need a restart, and say so.
 */
static char	daemon_pending[64];	/* keys kept until restart */

const char *
daemon_reload_pending(void)
{
	return (daemon_pending);
}

static void
daemon_pending_add(const char *key)
{
	size_t	len = strlen(daemon_pending);

	snprintf(daemon_pending + len, sizeof(daemon_pending) - len, "%s%s",
	    len > 0 ? ", " : "", key);
}

static void
daemon_keep_fixed(struct config *nc, const struct config *oc)
{
	daemon_pending[0] = '\0';
	if (strcmp(nc->state_dir, oc->state_dir) != 0)
		daemon_pending_add("state_dir");
	if (strcmp(nc->socket, oc->socket) != 0)
		daemon_pending_add("socket");
	if (strcmp(nc->socket_group, oc->socket_group) != 0)
		daemon_pending_add("socket_group");
	if (strcmp(nc->state_dir, oc->state_dir) != 0) {
		log_warnx("reload: state_dir needs a restart; keeping %s",
		    oc->state_dir);
		free(nc->state_dir);
		nc->state_dir = xstrdup(oc->state_dir);
	}
	if (strcmp(nc->socket, oc->socket) != 0) {
		log_warnx("reload: socket needs a restart; keeping %s",
		    oc->socket);
		free(nc->socket);
		nc->socket = xstrdup(oc->socket);
	}
	if (strcmp(nc->socket_group, oc->socket_group) != 0) {
		log_warnx("reload: socket_group needs a restart; keeping %s",
		    oc->socket_group);
		free(nc->socket_group);
		nc->socket_group = xstrdup(oc->socket_group);
	}
}

static int
daemon_caseload_changed(const struct config *a, const struct config *b)
{
	int	i;

	if (a->warn_at != b->warn_at || a->coworker_share != b->coworker_share)
		return (1);
	for (i = 0; i < ROLE_COUNT; i++)
		if (a->limit[i] != b->limit[i])
			return (1);
	for (i = 0; i < KIND_COUNT; i++)
		if (a->weight[i] != b->weight[i])
			return (1);
	return (0);
}

/*
 * New limits or weights can move members across "over": recheck everyone
 * in one transaction so the alerts go out exactly as for any other change.
 */
static void
daemon_recheck_caseloads(void)
{
	struct daemon	*d = daemon_g;
	struct member	*m = NULL;
	struct err	 err;
	size_t		 n = 0, i;
	int		 own;

	/* `reflectctl reload` runs inside its command's transaction. */
	own = !store_in_transaction(d->store);
	if (own && store_begin(d->store, &err) == -1)
		goto fail;
	if (people_member_list(d->store, NULL, &m, &n, &err) == -1)
		goto rollback;
	for (i = 0; i < n; i++) {
		if (!role_holds_cases(m[i].role))
			continue;
		if (cases_recheck(d->store, d->conf, m[i].slug, &err) == -1)
			goto rollback;
	}
	free(m);
	if (own) {
		if (store_commit(d->store, &err) == -1)
			goto fail;
		outbox_kick();
	}
	return;
rollback:
	free(m);
	if (own)
		store_rollback(d->store);
fail:
	log_warnx("reload: cannot recheck caseloads: %s", err.msg);
}

/*
 * Holidays, horizon or rules may have changed: plan again, team by team
 * without holding the loop (the reply to reload does not wait for it).
 */
static void
daemon_replan(void)
{
	planner_sweep_start(daemon_g->store, "reload");
}

int
daemon_reload(struct err *err)
{
	struct daemon	*d = daemon_g;
	struct config	*nc, *oc;

	notify_reloading();
	if ((nc = config_load(d->conf_path, err)) == NULL) {
		notify_ready();
		return (-1);
	}
	oc = d->conf;
	daemon_keep_fixed(nc, oc);
	/* A broken holiday file refuses the reload like a broken key. */
	if (planner_reload(nc, err) == -1) {
		config_free(nc);
		notify_ready();
		return (-1);
	}
	if (!d->debug)
		log_setlevel(nc->log_level);
	if (util_set_timezone(nc->timezone) == -1)	/* checked by the loader */
		log_warnx("reload: cannot set timezone %s", nc->timezone);
	d->conf = nc;
	d->reloads++;
	outbox_reconfigure(nc);
	digest_reconfigure(nc);
	inbox_reconfigure(nc);
	feed_reconfigure(nc);
	if (daemon_caseload_changed(oc, nc))
		daemon_recheck_caseloads();
	daemon_replan();
	config_free(oc);
	log_info("configuration reloaded from %s", d->conf_path);
	notify_ready();
	return (0);
}

void
daemon_shutdown(void)
{
	notify_stopping();
	control_stop_accepting();
	event_base_loopexit(daemon_g->base, NULL);
}

static long
daemon_faults(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return (0);
	return (ru.ru_minflt + ru.ru_majflt);
}

/* Resident pages (/proc/self/statm), 0 if unknown. */
static long
daemon_resident(void)
{
	FILE	*f;
	long	 size, resident;

	if ((f = fopen("/proc/self/statm", "re")) == NULL)
		return (0);
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (resident);
}

int
daemon_dispatch(struct event_base *base)
{
	long	last, now, owed = 0, before, after;
	int	rc;

	last = daemon_faults();
	for (;;) {
		if ((rc = event_base_loop(base, EVLOOP_ONCE)) != 0)
			return (rc);
		if (event_base_got_exit(base) || event_base_got_break(base))
			return (0);
		if ((now = daemon_faults()) - last < DAEMON_TRIM_FAULTS + owed)
			continue;
		before = daemon_resident();
		malloc_trim(0);
		after = daemon_resident();
		owed = before > after ? before - after : 0;
		last = daemon_faults();
	}
}

void
daemon_finish(void)
{
	struct daemon	*d = daemon_g;

	if (d == NULL)
		return;
	if (ev_sigterm != NULL)
		event_free(ev_sigterm);
	if (ev_sigint != NULL)
		event_free(ev_sigint);
	if (ev_sighup != NULL)
		event_free(ev_sighup);
	ev_sigterm = ev_sigint = ev_sighup = NULL;
	/* Already stopping: a second TERM or INT must not kill us mid-way. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	control_free();
	cmd_status_forget();
	clock_timer_free(daemon_retry);
	daemon_retry = NULL;
	daemon_needs = 0;
	feed_free();
	inbox_free();
	digest_free();
	planner_free();
	outbox_free();
	store_close(d->store);
	clock_free();
	config_free(d->conf);
	free(d->conf_path);
	log_info("stopped");
	memset(d, 0, sizeof(*d));
	daemon_g = NULL;
}
