/*
 * Logging: stderr in the foreground, syslog otherwise.  libevent's own
 * messages are routed in here.  Case references and tokens only at debug.
 */
#ifndef REFLECTD_LOG_H
#define REFLECTD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARNING,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

/* foreground: log to stderr; otherwise syslog(LOG_DAEMON). */
void	log_init(const char *progname, int foreground, enum log_level);
void	log_setlevel(enum log_level);
enum log_level log_getlevel(void);
/* Parse "error|warning|info|debug"; -1 if unknown. */
int	log_level_parse(const char *);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: log and exit(1).  fatal adds strerror(errno). */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
