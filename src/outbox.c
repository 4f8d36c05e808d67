/*
 * The outbox, main-thread side.  Messages are rows written inside the
 * transaction of the change that causes them; this module moves them
 * through QUEUED -> SENDING -> SENT or FAILED: it hands due rows to the
 * mailer worker (at most OUTBOX_INFLIGHT at a time), records the results
 * that came back in one transaction per loop pass, retries temporary
 * failures with exponential backoff on one clock timer, and at start
 * records as sent the rows the delivery journal names (accepted by the
 * relay before a crash) and puts back the rest a crash left SENDING.
 * Results that cannot be written (a full disk, an I/O error) are kept and
 * written later, so their rows leave SENDING without a restart.  When a
 * delivery succeeds after the relay was unreachable, every message
 * waiting in backoff is made due at once.  It must not deliver anything
 * itself, write the journal, hold a transaction across loop passes or
 * read the time other than via clock.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

#define OUTBOX_INFLIGHT		128
/*
 * And at most this much of their text: a week's digests are 20 KB each,
 * and 128 of them read at once were the largest thing a borough's daemon
 * held.  The worker sends one at a time, so three digests or seven
 * invitations keep it busy (bench/outbox-smtp: the same rate as with 256
 * KiB), and a series add whose updates fill the window holds up to 192 KiB
 * less at its peak.  One message is always taken, however long.
 */
#define OUTBOX_INFLIGHT_BYTES	(64 * 1024)
#define OUTBOX_BACKOFF_FIRST	60
#define OUTBOX_BACKOFF_MAX	3600
#define OUTBOX_JITTER		0.2
/* After a database error, look again this much later. */
#define OUTBOX_ERROR_DELAY	60

struct outbox {
	struct store		*store;
	struct mailer_journal	*journal;
	struct event		*kick;
	struct clock_timer	*timer;
	size_t			 inflight;
	size_t			 inflight_bytes;
	int			 stopping;
	/* Finished jobs waiting to be recorded, in one transaction. */
	struct mailer_job	**results;
	size_t			 nresults;
	/* They could not be written; try again at this time. */
	time_t			 record_retry;
	/* The last word from the transport was that it is unreachable. */
	int			 relay_down;

	/* Copies of [mail] settings. */
	char			*from_addr;
	int			 max_attempts;
	int64_t			 max_age;
	char			**domains;
	size_t			 ndomains;
};

static struct outbox	*outbox;
static unsigned long	 outbox_refused;

static void	outbox_settings(const struct config *);
static void	outbox_kick_cb(evutil_socket_t, short, void *);
static void	outbox_timer_cb(void *);
static void	outbox_dispatch(void);
static int	outbox_mark_sending(struct outbox_row *, size_t);
static void	outbox_arm(time_t);
static void	outbox_done(struct mailer_job *, void *);
static void	outbox_add_result(struct mailer_job *);
static void	outbox_record_all(void);
static int	outbox_record(const struct mailer_job *, time_t,
		    struct err *);
static int	outbox_release(time_t, int *, struct err *);
static const char *outbox_domain(const char *);
static int	outbox_journal_recover(struct store *, const char *,
		    struct mailer_journal **, int *, struct err *);

static void
outbox_settings(const struct config *conf)
{
	size_t	i;

	free(outbox->from_addr);
	for (i = 0; i < outbox->ndomains; i++)
		free(outbox->domains[i]);
	free(outbox->domains);
	outbox->from_addr = xstrdup(conf->from_addr != NULL ?
	    conf->from_addr : "");
	outbox->max_attempts = conf->max_attempts;
	outbox->max_age = conf->retry_max_age;
	outbox->ndomains = conf->nallowed_domains;
	outbox->domains = NULL;
	if (outbox->ndomains > 0) {
		outbox->domains = xcalloc(outbox->ndomains,
		    sizeof(*outbox->domains));
		for (i = 0; i < outbox->ndomains; i++)
			outbox->domains[i] = xstrdup(conf->allowed_domains[i]);
	}
}

/*
 * Start-up: ids in the journal were accepted by the relay, so their rows
 * become SENT before every other SENDING row is queued again; only once
 * that is committed is the journal emptied.
 */
static int
outbox_journal_recover(struct store *store, const char *state_dir,
    struct mailer_journal **jp, int *nsent, struct err *err)
{
	struct mailer_journal	*j;
	char			*path;
	int64_t			*ids = NULL;
	size_t			 n = 0, i;
	time_t			 now = clock_now();
	int			 changed, queued = 0;

	*jp = NULL;
	*nsent = 0;
	xasprintf(&path, "%s/%s", state_dir, MAILER_JOURNAL);
	j = mailer_journal_open(path, err);
	if (j == NULL || mailer_journal_read(path, &ids, &n, err) == -1)
		goto fail;
	if (store_begin(store, err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (store_outbox_mark_sent(store, ids[i], now, &changed,
		    err) == -1) {
			store_rollback(store);
			goto fail;
		}
		*nsent += changed;
	}
	if (store_outbox_recover(store, &queued, err) == -1) {
		store_rollback(store);
		goto fail;
	}
	if (store_commit(store, err) == -1)
		goto fail;
	if (mailer_journal_truncate(j, err) == -1)
		goto fail;
	if (*nsent > 0)
		log_info("outbox: %d message%s the relay accepted before a "
		    "crash recorded as sent", *nsent, *nsent == 1 ? "" : "s");
	if (queued > 0)
		log_info("outbox: %d message%s interrupted mid-send queued "
		    "again", queued, queued == 1 ? "" : "s");
	free(ids);
	free(path);
	*jp = j;
	return (0);
fail:
	free(ids);
	free(path);
	mailer_journal_close(j);
	return (-1);
}

int
outbox_init(struct event_base *base, struct store *store,
    const struct config *conf, struct err *err)
{
	struct mailer_journal	*journal;
	int			 n;

	if (outbox != NULL)
		return (err_set(err, ERR_INTERNAL, "outbox already started"));
	if (outbox_journal_recover(store, conf->state_dir, &journal, &n,
	    err) == -1)
		return (-1);

	outbox = xcalloc(1, sizeof(*outbox));
	outbox->store = store;
	outbox->journal = journal;
	/* Messages may wait in backoff from before: free them on success. */
	outbox->relay_down = 1;
	outbox_settings(conf);
	outbox->kick = event_new(base, -1, 0, outbox_kick_cb, NULL);
	if (outbox->kick == NULL) {
		err_set(err, ERR_INTERNAL, "cannot create outbox event");
		goto fail;
	}
	outbox->timer = clock_timer_new("outbox retry", outbox_timer_cb, NULL);
	if (mailer_start(base, conf, outbox->journal, outbox_done, NULL,
	    err) == -1)
		goto fail;
	outbox_kick();
	return (0);
fail:
	outbox_free();
	return (-1);
}

void
outbox_free(void)
{
	size_t	i;

	if (outbox == NULL)
		return;
	/* Results that arrive while stopping are recorded, nothing is sent. */
	outbox->stopping = 1;
	mailer_stop();
	outbox_record_all();
	mailer_journal_close(outbox->journal);
	free(outbox->results);
	clock_timer_free(outbox->timer);
	if (outbox->kick != NULL)
		event_free(outbox->kick);
	free(outbox->from_addr);
	for (i = 0; i < outbox->ndomains; i++)
		free(outbox->domains[i]);
	free(outbox->domains);
	free(outbox);
	outbox = NULL;
}

void
outbox_reconfigure(const struct config *conf)
{
	if (outbox == NULL)
		return;
	outbox_settings(conf);
	mailer_reconfigure(conf);
	outbox_kick();
}

void
outbox_kick(void)
{
	if (outbox == NULL || outbox->stopping || outbox->kick == NULL)
		return;
	/* Already active: the pending pass will see this change too. */
	event_active(outbox->kick, EV_TIMEOUT, 0);
}

unsigned long
outbox_refused_count(void)
{
	return (outbox_refused);
}

static void
outbox_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	outbox_record_all();
	outbox_dispatch();
}

static void
outbox_timer_cb(void *arg)
{
	/* Fired from inside a command's transaction by debug advance. */
	if (store_in_transaction(outbox->store))
		outbox_kick();
	else {
		outbox_record_all();
		outbox_dispatch();
	}
}

/*
 * One transaction for the whole batch: a commit is an fsync, and one per
 * message would bound delivery by the disk rather than the transport.
 */
static int
outbox_mark_sending(struct outbox_row *rows, size_t n)
{
	struct err	err;
	size_t		i;

	if (store_begin(outbox->store, &err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		rows[i].state = OUTBOX_SENDING;
		if (store_outbox_update(outbox->store, &rows[i], &err) == -1) {
			store_rollback(outbox->store);
			goto fail;
		}
	}
	if (store_commit(outbox->store, &err) == -1)
		goto fail;
	return (0);
fail:
	log_warnx("outbox: cannot mark %zu messages as sending: %s", n,
	    err.msg);
	return (-1);
}

static void
outbox_dispatch(void)
{
	struct outbox_row	*rows = NULL;
	struct mailer_job	*job;
	struct err		 err;
	size_t			 n = 0, i;
	time_t			 now;

	if (outbox == NULL || outbox->stopping)
		return;
	if (store_in_transaction(outbox->store)) {
		outbox_kick();
		return;
	}
	now = clock_now();
	if (outbox->inflight >= OUTBOX_INFLIGHT ||
	    outbox->inflight_bytes >= OUTBOX_INFLIGHT_BYTES)
		return;		/* results will dispatch again */
	if (store_outbox_due(outbox->store, now,
	    OUTBOX_INFLIGHT - outbox->inflight,
	    OUTBOX_INFLIGHT_BYTES - outbox->inflight_bytes, &rows, &n,
	    &err) == -1) {
		log_warnx("outbox: cannot read the queue: %s", err.msg);
		clock_timer_at(outbox->timer, now + OUTBOX_ERROR_DELAY);
		return;
	}
	if (n > 0 && outbox_mark_sending(rows, n) == -1) {
		store_outbox_free(rows, n);
		clock_timer_at(outbox->timer, now + OUTBOX_ERROR_DELAY);
		return;
	}
	for (i = 0; i < n; i++) {
		job = xcalloc(1, sizeof(*job));
		job->id = rows[i].id;
		job->msgid = rows[i].msgid;
		job->rcpt = rows[i].rcpt;
		job->data = rows[i].data;
		job->len = rows[i].len;
		job->from = xstrdup(outbox->from_addr);
		rows[i].msgid = rows[i].rcpt = rows[i].data = NULL;
		log_debug("outbox: message %lld to %s handed to the mailer",
		    (long long)job->id, job->rcpt);
		outbox->inflight++;
		outbox->inflight_bytes += job->len;
		if (mailer_submit(job, &err) == -1) {
			job->status = MAILER_TEMPFAIL;
			job->relay_failed = 1;
			snprintf(job->error, sizeof(job->error), "%.200s",
			    err.msg);
			outbox->inflight--;
			outbox->inflight_bytes -= job->len;
			outbox_add_result(job);
		}
	}
	store_outbox_free(rows, n);
	outbox_arm(now);
	/* Results a failed submit left; held ones wait for their timer. */
	if (outbox->nresults > 0 && outbox->record_retry == 0)
		outbox_kick();
}

/*
 * The one retry timer, at the earliest queued row not yet due, or sooner
 * to write results that could not be written.
 */
static void
outbox_arm(time_t now)
{
	struct err	err;
	time_t		when;
	int		rc;

	rc = store_outbox_next_due(outbox->store, &when, &err);
	if (rc == -1) {
		log_warnx("outbox: cannot read the queue: %s", err.msg);
		when = now + OUTBOX_ERROR_DELAY;
	} else if (rc == 1)
		when = 0;
	else if (when <= now) {
		/* Due, yet nothing taken: a store error; look again later. */
		when = outbox->inflight == 0 ? now + OUTBOX_ERROR_DELAY : 0;
	}
	if (outbox->nresults > 0 && outbox->record_retry != 0 &&
	    (when == 0 || outbox->record_retry < when))
		when = outbox->record_retry;
	if (when != 0)
		clock_timer_at(outbox->timer, when);
	else
		clock_timer_cancel(outbox->timer);
}

static void
outbox_done(struct mailer_job *job, void *arg)
{
	if (outbox->inflight > 0)
		outbox->inflight--;
	outbox->inflight_bytes -= job->len <= outbox->inflight_bytes ?
	    job->len : outbox->inflight_bytes;
	/* Sent or not, its text is in the database: no need to hold it. */
	free(job->data);
	job->data = NULL;
	outbox_add_result(job);
	outbox_kick();
}

static void
outbox_add_result(struct mailer_job *job)
{
	outbox->results = xreallocarray(outbox->results,
	    outbox->nresults + 1, sizeof(*outbox->results));
	outbox->results[outbox->nresults++] = job;
}

/*
 * All results that came back since the last pass, in one transaction: a
 * batch costs one fsync, not one per message.  If it cannot be written
 * (a full disk, an I/O error) the rows stay SENDING and the results are
 * kept, to be written at the next pass or OUTBOX_ERROR_DELAY later; only
 * when stopping are they dropped, and then at the next start the rows the
 * journal names are recorded as sent and the others queued again.  The
 * first success after the relay was unreachable also makes every message
 * waiting in backoff due now, in the same transaction.
 */
static void
outbox_record_all(void)
{
	struct err	 err;
	time_t		 now = clock_now();
	size_t		 i, n, journaled = 0;
	int		 release = 0, released = 0, down;

	if ((n = outbox->nresults) == 0)
		return;
	if (store_in_transaction(outbox->store)) {
		if (!outbox->stopping) {
			outbox_kick();
			return;
		}
		err_set(&err, ERR_INTERNAL, "a transaction is open");
		goto fail;
	}
	/* In order: is the relay up at the end of this batch? */
	down = outbox->relay_down;
	for (i = 0; i < n; i++) {
		if (outbox->results[i]->status == MAILER_OK) {
			release |= down;
			down = 0;
		} else if (outbox->results[i]->status == MAILER_TEMPFAIL &&
		    outbox->results[i]->relay_failed)
			down = 1;
	}
	if (store_begin(outbox->store, &err) == -1)
		goto fail;
	/* Before the results, so this batch's own deferrals keep theirs. */
	if (release && outbox_release(now, &released, &err) == -1) {
		store_rollback(outbox->store);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (outbox_record(outbox->results[i], now, &err) == -1) {
			store_rollback(outbox->store);
			goto fail;
		}
	}
	if (store_commit(outbox->store, &err) == -1)
		goto fail;
	outbox->relay_down = down;
	if (released > 0)
		log_info("outbox: the relay takes mail again; %d message%s "
		    "waiting to be retried go now", released,
		    released == 1 ? "" : "s");
	if (outbox->record_retry != 0)
		log_info("outbox: recorded the results of %zu message%s that "
		    "could not be written before", n, n == 1 ? "" : "s");
	outbox->record_retry = 0;
	for (i = 0; i < n; i++)
		journaled += outbox->results[i]->journaled != 0;
	mailer_journal_committed(outbox->journal, journaled);
	goto done;
fail:
	if (!outbox->stopping) {
		/* Keep them; the rows stay SENDING until they are written. */
		if (outbox->record_retry == 0)
			log_warnx("outbox: cannot record the results of %zu "
			    "message%s (trying again): %s", n,
			    n == 1 ? "" : "s", err.msg);
		else
			log_debug("outbox: still cannot record the results of "
			    "%zu message%s: %s", n, n == 1 ? "" : "s",
			    err.msg);
		outbox->record_retry = now + OUTBOX_ERROR_DELAY;
		clock_timer_at(outbox->timer, outbox->record_retry);
		return;
	}
	log_warnx("outbox: cannot record the results of %zu message%s "
	    "(queued again at the next start): %s", n, n == 1 ? "" : "s",
	    err.msg);
done:
	for (i = 0; i < n; i++)
		mailer_job_free(outbox->results[i]);
	outbox->nresults = 0;
}

/*
 * Inside the caller's transaction: every queued message waiting for its
 * next attempt becomes due now.  Sets *n to how many.
 */
static int
outbox_release(time_t now, int *n, struct err *err)
{
	struct outbox_row	*rows;
	size_t			 nrows, i;
	int			 rc = 0;

	*n = 0;
	if (store_outbox_list(outbox->store, OUTBOX_QUEUED, 0, &rows, &nrows,
	    err) == -1)
		return (-1);
	for (i = 0; i < nrows; i++) {
		if (rows[i].next_attempt <= now)
			continue;
		rows[i].next_attempt = now;
		if ((rc = store_outbox_update(outbox->store, &rows[i],
		    err)) == -1)
			break;
		(*n)++;
	}
	store_outbox_free(rows, nrows);
	return (rc);
}

static int
outbox_record(const struct mailer_job *job, time_t now, struct err *err)
{
	struct outbox_row	 r;
	time_t			 next;
	int			 rc;

	if (store_outbox_get(outbox->store, job->id, 0, &r, err) == -1)
		return (err->code == ERR_NOT_FOUND ? 0 : -1);
	if (r.state != OUTBOX_SENDING) {
		store_outbox_row_clear(&r);
		return (0);
	}
	r.attempts++;
	free(r.last_error);
	r.last_error = NULL;
	switch (job->status) {
	case MAILER_OK:
		r.state = OUTBOX_SENT;
		r.done_at = now;
		log_debug("outbox: message %lld sent", (long long)r.id);
		break;
	case MAILER_TEMPFAIL:
		r.last_error = xstrdup(job->error);
		if (outbox_backoff(r.attempts, r.created, now,
		    outbox->max_attempts, outbox->max_age,
		    (double)random() / ((double)RAND_MAX + 1.0), &next)) {
			r.state = OUTBOX_QUEUED;
			r.next_attempt = next;
			log_info("outbox: message %lld deferred (attempt %d): "
			    "%s", (long long)r.id, r.attempts, job->error);
		} else {
			r.state = OUTBOX_FAILED;
			r.done_at = now;
			log_warnx("outbox: message %lld failed after %d "
			    "attempts: %s", (long long)r.id, r.attempts,
			    job->error);
		}
		break;
	default:
		r.last_error = xstrdup(job->error);
		r.state = OUTBOX_FAILED;
		r.done_at = now;
		log_warnx("outbox: message %lld failed permanently: %s",
		    (long long)r.id, job->error);
		break;
	}
	rc = store_outbox_update(outbox->store, &r, err);
	store_outbox_row_clear(&r);
	return (rc);
}

static const char *
outbox_domain(const char *rcpt)
{
	const char	*at, *p;

	if (rcpt == NULL || (at = strrchr(rcpt, '@')) == NULL ||
	    at == rcpt || at[1] == '\0')
		return (NULL);
	for (p = rcpt; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' ||
		    *p == '>')
			return (NULL);
	}
	return (at + 1);
}

int
outbox_domain_allowed(char *const *domains, size_t n, const char *rcpt)
{
	const char	*domain;
	size_t		 i;

	if ((domain = outbox_domain(rcpt)) == NULL)
		return (0);
	if (n == 0)
		return (1);
	for (i = 0; i < n; i++) {
		if (strcasecmp(domains[i], domain) == 0)
			return (1);
	}
	return (0);
}

int
outbox_enqueue(struct store *store, const char *kind, const char *rcpt,
    const char *subject, const char *data, size_t len, const char *msgid,
    int64_t *id, struct err *err)
{
	const char	*domain;

	if (!store_in_transaction(store))
		return (err_set(err, ERR_INTERNAL,
		    "outbox_enqueue outside a transaction"));
	if ((domain = outbox_domain(rcpt)) == NULL)
		return (err_set(err, ERR_INVALID, "not an email address: %s",
		    rcpt != NULL ? rcpt : ""));
	if (outbox != NULL && !outbox_domain_allowed(outbox->domains,
	    outbox->ndomains, rcpt)) {
		outbox_refused++;
		log_warnx("outbox: refused a %s message to domain %s (not in "
		    "allowed_domains)", kind, domain);
		log_debug("outbox: refused recipient %s", rcpt);
		return (err_set(err, ERR_INVALID,
		    "recipient domain not allowed: %s", domain));
	}
	return (store_outbox_add(store, msgid, kind, rcpt, subject, data, len,
	    clock_now(), id, err));
}

int
outbox_retry(struct store *store, int64_t id, struct err *err)
{
	struct outbox_row	r;
	int			rc;

	if (!store_in_transaction(store))
		return (err_set(err, ERR_INTERNAL,
		    "outbox_retry outside a transaction"));
	if (store_outbox_get(store, id, 0, &r, err) == -1)
		return (-1);
	switch (r.state) {
	case OUTBOX_SENT:
		store_outbox_row_clear(&r);
		return (err_set(err, ERR_CONFLICT, "message %lld was already "
		    "sent", (long long)id));
	case OUTBOX_SENDING:
		store_outbox_row_clear(&r);
		return (err_set(err, ERR_CONFLICT, "message %lld is being "
		    "sent now", (long long)id));
	}
	r.state = OUTBOX_QUEUED;
	r.attempts = 0;
	r.next_attempt = clock_now();
	r.done_at = 0;
	rc = store_outbox_update(store, &r, err);
	store_outbox_row_clear(&r);
	return (rc);
}

int
outbox_backoff(int attempts, time_t created, time_t now, int max_attempts,
    int64_t max_age, double rnd, time_t *next)
{
	int64_t	delay = OUTBOX_BACKOFF_FIRST;
	int	i;

	/* Both, as Postfix's queue lifetime: a long outage loses nothing. */
	if (attempts >= max_attempts && (int64_t)(now - created) >= max_age)
		return (0);
	for (i = 1; i < attempts && delay < OUTBOX_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > OUTBOX_BACKOFF_MAX)
		delay = OUTBOX_BACKOFF_MAX;
	if (rnd < 0.0)
		rnd = 0.0;
	if (rnd >= 1.0)
		rnd = 0.0;
	delay += (int64_t)((double)delay * OUTBOX_JITTER * rnd);
	*next = now + (time_t)delay;
	return (1);
}
