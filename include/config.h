/*
 * Configuration: reflectd.conf parsed with inih and checked against a typed
 * key table.  The same loader serves -t, start-up and reload; a struct config
 * is immutable once loaded, and reload swaps a whole new one in.
 */
#ifndef REFLECTD_CONFIG_H
#define REFLECTD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "err.h"

enum mail_transport {
	TRANSPORT_MAILDIR = 0,
	TRANSPORT_SMTP
};

enum starttls_mode {
	STARTTLS_NO = 0,
	STARTTLS_YES,
	STARTTLS_REQUIRED
};

enum on_holiday {
	ON_HOLIDAY_SKIP = 0,
	ON_HOLIDAY_NEXT_WORKING_DAY
};

struct config {
	char		*path;		/* file it was read from */

	/* [daemon] */
	char		*state_dir;
	char		*socket;
	char		*socket_group;
	char		**admins;
	size_t		 nadmins;
	char		*timezone;
	int		 log_level;	/* enum log_level */

	/* [mail] */
	int		 transport;	/* enum mail_transport */
	char		*maildir;
	char		*smtp_host;
	int		 smtp_port;
	int		 starttls;	/* enum starttls_mode */
	char		*smtp_user;	/* "" when unset */
	char		*smtp_password_file;	/* "" when unset */
	char		*from;		/* "Name <addr>" as written */
	char		*from_name;	/* display name, may be "" */
	char		*from_addr;	/* bare address */
	int		 max_attempts;
	int64_t		 retry_max_age;	/* seconds */
	char		**allowed_domains;
	size_t		 nallowed_domains;
	char		*inbox;		/* replies Maildir; "" not read */

	/* [schedule] */
	int		 horizon_days;
	int		 invite_days;
	int		 freeze_days;
	char		**holidays;
	size_t		 nholidays;
	int		 holidays_default;	/* key not set: a missing file is
						   only a warning */
	int		 on_holiday;	/* enum on_holiday */
	int		 buffer_minutes;
	int		 newcomer_grace_days;
	int		 case_cooldown_days;
	int		 presenter_reminder_days;
	int		 replan_at;	/* minutes after local midnight */

	/* [caseload] */
	double		 warn_at;
	double		 coworker_share;
	double		 limit[ROLE_COUNT];	/* 0 for roles without a limit */
	double		 weight[KIND_COUNT];

	/* [supervision] */
	int		 max_gap_days;
	int		 max_gap_days_role[ROLE_COUNT];	/* -1: use max_gap_days */
	int		 assume_attended;

	/* [digest] */
	int		 digest_day;	/* 0 = Monday .. 6 = Sunday */
	int		 digest_time;	/* minutes after local midnight */

	/* [feed] */
	char		*feed_listen;	/* "" = no feed */
	char		*feed_base_url;
	int		 feed_include_cases;
	int64_t		 feed_refresh;	/* seconds: clients' refresh, max-age */
};

/*
 * Load and validate path.  On error returns NULL and err->msg reads
 * "FILE:LINE: [section] key: message" (ERR_INVALID), or
 * "FILE: message" when the file cannot be read.
 */
struct config	*config_load(const char *path, struct err *);
/*
 * config_load, and when the file has errors, *all (if all is not NULL)
 * gets every one of them, "FILE:LINE: [section] key: message" one a line,
 * in line order (free it); err holds the first.
 */
struct config	*config_load_all(const char *path, char **all, struct err *);
/* The built-in defaults, as if from an empty file. */
struct config	*config_defaults(void);
void		 config_free(struct config *);

/*
 * The holiday files to load: the configured ones, or the default one when
 * it exists (an uninstalled default is not an error).  Returns the count
 * and sets *paths (borrowed from conf).
 */
size_t		 config_holiday_files(const struct config *, char *const **paths);

/* Effective values. */
double		 config_limit(const struct config *, enum role);
int		 config_max_gap_days(const struct config *, enum role);

#endif
