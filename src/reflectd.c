/*
 * reflectd: options, configuration check, daemonising and the event loop.
 * Everything the daemon does lives in the library; this file only starts it.
 */
#include "autoconf.h"

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "err.h"
#include "ical.h"
#include "log.h"
#include "schedule.h"
#include "util.h"

#ifndef REFLECTD_CONF
#define REFLECTD_CONF	"/etc/reflectd/reflectd.conf"
#endif

#define REFLECTD_MMAP_THRESHOLD	(64 * 1024)

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: reflectd [-dftV] [-c file] [--fake-now=time]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "fake-now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*conf_path = REFLECTD_CONF, *fake_now = NULL;
	int			 ch, foreground = 0, debug = 0, test = 0;
	struct config		*conf;
	struct event_base	*base;
	struct err		 err;
	time_t			 t;
	char			*abs_path = NULL, *all = NULL, *p, *nl;
	struct sched_holidays	 hol;
	char *const		*hfiles;
	size_t			 nh;

	while ((ch = getopt_long(argc, argv, "c:dfhtV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("reflectd %s\n", PACKAGE_VERSION);
			return (0);
		case 'N':
			fake_now = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (fake_now != NULL && util_parse_time(fake_now, &t) == -1) {
		fprintf(stderr, "reflectd: --fake-now: not an RFC 3339 time: %s\n",
		    fake_now);
		return (1);
	}
	if ((conf = config_load_all(conf_path, test ? &all : NULL,
	    &err)) == NULL) {
		/* -t lists every error, each with file:line and key. */
		if (all != NULL) {
			for (p = all; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
				fprintf(stderr, "reflectd: %.*s\n",
				    (int)(nl - p), p);
			fprintf(stderr, "reflectd: %s\n", p);
			free(all);
		} else
			fprintf(stderr, "reflectd: %s\n", err.msg);
		return (1);
	}
	if (test) {
		/* Holiday files are part of the configuration: check them too. */
		ical_init();
		sched_holidays_init(&hol);
		nh = config_holiday_files(conf, &hfiles);
		if (ical_holidays_load_all(hfiles, nh, &hol, &err) == -1) {
			fprintf(stderr, "reflectd: %s\n", err.msg);
			config_free(conf);
			ical_shutdown();
			return (1);
		}
		sched_holidays_free(&hol);
		ical_shutdown();
		printf("%s: configuration OK\n", conf_path);
		config_free(conf);
		return (0);
	}

	/* Reload must find the file after daemon() has changed to /. */
	if (conf_path[0] != '/' && (abs_path = realpath(conf_path, NULL)) != NULL)
		conf_path = abs_path;

	log_init("reflectd", foreground, debug ? LOG_LVL_DEBUG :
	    (enum log_level)conf->log_level);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");

	/*
	 * A plan's arrays are large and short-lived.  With glibc's sliding
	 * threshold, the first one freed moves the next ones onto the heap,
	 * whose top then stays resident; fixed thresholds give each back.
	 */
	mallopt(M_MMAP_THRESHOLD, REFLECTD_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * REFLECTD_MMAP_THRESHOLD);

	if (evthread_use_pthreads() == -1)
		fatalx("libevent: no pthreads support");
	if ((base = event_base_new()) == NULL)
		fatalx("libevent: cannot create the event base");
	/*
	 * Three queues: events are created in the middle one, and work the
	 * loop runs in slices (clock_timer_yield) goes in the last, so that
	 * a client's accept, read and write each come before the next slice.
	 */
	if (event_base_priority_init(base, CLOCK_PRIORITIES) == -1)
		fatalx("libevent: cannot set the event priorities");

	daemon_start(base, conf, conf_path, foreground, debug, fake_now);
	if (daemon_dispatch(base) == -1)
		log_warnx("event loop failed");
	daemon_finish();
	event_base_free(base);
	libevent_global_shutdown();
	free(abs_path);
	return (0);
}
