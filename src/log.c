/*
 * Logging to stderr (foreground, so journald picks it up) or syslog.
 * libevent's messages are routed in.  Must not log case references or
 * tokens above debug; never passwords.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <event2/event.h>

#include "log.h"

static int		 log_foreground = 1;
static enum log_level	 log_level = LOG_LVL_INFO;
static const char	*log_prog = "reflectd";

static void	log_vwrite(int, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static void	log_event_cb(int, const char *);

static const char *level_names[] = { "error", "warning", "info", "debug" };

void
log_init(const char *progname, int foreground, enum log_level level)
{
	log_prog = progname;
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	event_set_log_callback(log_event_cb);
}

void
log_setlevel(enum log_level level)
{
	log_level = level;
}

enum log_level
log_getlevel(void)
{
	return (log_level);
}

int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return ((int)i);
	return (-1);
}

static void
log_vwrite(int pri, const char *suffix, const char *fmt, va_list ap)
{
	char	buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_foreground) {
		if (suffix != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_prog, buf, suffix);
		else
			fprintf(stderr, "%s: %s\n", log_prog, buf);
		fflush(stderr);
	} else {
		if (suffix != NULL)
			syslog(pri, "%s: %s", buf, suffix);
		else
			syslog(pri, "%s", buf);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 ebuf[256];
	int	 saved = errno;

	if (log_level < LOG_LVL_WARNING)
		return;
	strerror_r(saved, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, ebuf, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LVL_WARNING)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 ebuf[256];

	strerror_r(errno, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, ebuf, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

static void
log_event_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}
