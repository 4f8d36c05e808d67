/*
 * Configuration loader: reads reflectd.conf with inih and checks every
 * key against a typed table (section, key, type, where it goes, default).
 * The same code applies the built-in defaults, so a default can never be a
 * value the loader would refuse.  Every error names FILE:LINE and the key;
 * inih is fed through our own line reader so that the line is known.  It
 * must not act on the configuration (no chdir, no TZ, no opening of the
 * paths it names): callers decide what to do with a loaded struct config,
 * and a refused file leaves nothing behind.  The one path it looks at is
 * smtp_password_file, with lstat(2) only, to refuse a file that group or
 * others may read.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "domain.h"
#include "err.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#ifndef REFLECTD_STATEDIR
#define REFLECTD_STATEDIR	"/var/lib/reflectd"
#endif
#ifndef REFLECTD_SOCKET
#define REFLECTD_SOCKET		"/run/reflectd/reflectd.sock"
#endif
#ifndef REFLECTD_SPOOL
#define REFLECTD_SPOOL		"/var/spool/reflectd"
#endif
#ifndef REFLECTD_HOLIDAYS
#define REFLECTD_HOLIDAYS	"/etc/reflectd/holidays.ics"
#endif

enum config_type {
	CT_STRING,
	CT_PATH,
	CT_PATHLIST,
	CT_LIST,
	CT_INT,
	CT_DOUBLE,
	CT_BOOL,
	CT_DURATION,
	CT_ENUM,
	CT_HHMM,
	CT_FROM,
	CT_TIMEZONE,
	CT_LISTEN
};

/* Flags. */
#define CF_EMPTY	0x01	/* "" is a valid value */
#define CF_DOMAINS	0x02	/* list items are mail domains */

struct config_enum {
	const char	*name;
	int		 value;
};

struct config_key {
	const char		*section;
	const char		*key;
	enum config_type	 type;
	size_t			 off;	/* field in struct config */
	size_t			 noff;	/* list count field */
	long long		 min;	/* int, duration (s) */
	long long		 max;
	double			 dmin;	/* double */
	double			 dmax;
	const struct config_enum *names;
	int			 flags;
	const char		*dflt;
};

/* Pattern keys "prefix.NAME" and their defaults. */
struct config_pattern_default {
	const char	*section;
	const char	*key;
	const char	*value;
};

#define CONFIG_ERRORS_MAX	100	/* errors kept for -t */

/* State of one parse. */
struct config_parse {
	struct config	*conf;
	const char	*path;
	FILE		*fp;
	char		*line;
	size_t		 linesz;
	int		 lineno;
	int		 read_errno;

	/* First (lowest-numbered) error. */
	int		 err_line;
	char		 err_msg[ERR_MSG_MAX];

	/* Every error, for -t: "line\tmessage" in the order found. */
	char		**all;
	size_t		 nall;

	/* Section header seen last, to report an unknown empty section. */
	char		 sect_name[64];
	int		 sect_line;
	int		 sect_known;
	int		 sect_keys;

	/* Line each key was set on, for duplicates; 0 = not yet. */
	int		*seen;
	int		 limit_seen[ROLE_COUNT];
	int		 weight_seen[KIND_COUNT];
	int		 gap_seen[ROLE_COUNT];
};

static const struct config_enum config_log_levels[] = {
	{ "error", LOG_LVL_ERROR },
	{ "warning", LOG_LVL_WARNING },
	{ "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
	{ NULL, 0 }
};

static const struct config_enum config_transports[] = {
	{ "maildir", TRANSPORT_MAILDIR },
	{ "smtp", TRANSPORT_SMTP },
	{ NULL, 0 }
};

static const struct config_enum config_starttls[] = {
	{ "no", STARTTLS_NO },
	{ "yes", STARTTLS_YES },
	{ "required", STARTTLS_REQUIRED },
	{ NULL, 0 }
};

static const struct config_enum config_on_holiday[] = {
	{ "skip", ON_HOLIDAY_SKIP },
	{ "next_working_day", ON_HOLIDAY_NEXT_WORKING_DAY },
	{ NULL, 0 }
};

static const struct config_enum config_days[] = {
	{ "MO", 0 },
	{ "TU", 1 },
	{ "WE", 2 },
	{ "TH", 3 },
	{ "FR", 4 },
	{ "SA", 5 },
	{ "SU", 6 },
	{ NULL, 0 }
};

static const char *config_sections[] = {
	"daemon", "mail", "schedule", "caseload", "supervision", "digest",
	"feed", NULL
};

#define F(field)	offsetof(struct config, field)
#define DAYS		(24LL * 60 * 60)

static const struct config_key config_keys[] = {
	/* [daemon] */
	{ "daemon", "state_dir", CT_PATH, F(state_dir), 0, 0, 0, 0, 0, NULL,
	    0, REFLECTD_STATEDIR },
	{ "daemon", "socket", CT_PATH, F(socket), 0, 0, 0, 0, 0, NULL,
	    0, REFLECTD_SOCKET },
	{ "daemon", "socket_group", CT_STRING, F(socket_group), 0, 0, 0, 0, 0,
	    NULL, CF_EMPTY, "reflectd" },
	{ "daemon", "admins", CT_LIST, F(admins), F(nadmins), 0, 0, 0, 0,
	    NULL, CF_EMPTY, "root" },
	{ "daemon", "timezone", CT_TIMEZONE, F(timezone), 0, 0, 0, 0, 0, NULL,
	    0, "Europe/London" },
	{ "daemon", "log_level", CT_ENUM, F(log_level), 0, 0, 0, 0, 0,
	    config_log_levels, 0, "info" },

	/* [mail] */
	{ "mail", "transport", CT_ENUM, F(transport), 0, 0, 0, 0, 0,
	    config_transports, 0, "maildir" },
	{ "mail", "maildir", CT_PATH, F(maildir), 0, 0, 0, 0, 0, NULL,
	    0, REFLECTD_SPOOL },
	{ "mail", "smtp_host", CT_STRING, F(smtp_host), 0, 0, 0, 0, 0, NULL,
	    0, "localhost" },
	{ "mail", "smtp_port", CT_INT, F(smtp_port), 0, 1, 65535, 0, 0, NULL,
	    0, "25" },
	{ "mail", "starttls", CT_ENUM, F(starttls), 0, 0, 0, 0, 0,
	    config_starttls, 0, "no" },
	{ "mail", "smtp_user", CT_STRING, F(smtp_user), 0, 0, 0, 0, 0, NULL,
	    CF_EMPTY, "" },
	{ "mail", "smtp_password_file", CT_PATH, F(smtp_password_file), 0,
	    0, 0, 0, 0, NULL, CF_EMPTY, "" },
	{ "mail", "from", CT_FROM, F(from), 0, 0, 0, 0, 0, NULL,
	    0, "Group Supervision <supervision@example.org>" },
	{ "mail", "max_attempts", CT_INT, F(max_attempts), 0, 1, 1000, 0, 0,
	    NULL, 0, "12" },
	{ "mail", "retry_max_age", CT_DURATION, F(retry_max_age), 0,
	    60, 365 * DAYS, 0, 0, NULL, 0, "3d" },
	{ "mail", "allowed_domains", CT_LIST, F(allowed_domains),
	    F(nallowed_domains), 0, 0, 0, 0, NULL, CF_EMPTY | CF_DOMAINS, "" },
	{ "mail", "inbox", CT_PATH, F(inbox), 0, 0, 0, 0, 0, NULL, CF_EMPTY,
	    "" },

	/* [schedule] */
	{ "schedule", "horizon_days", CT_INT, F(horizon_days), 0, 1, 1096,
	    0, 0, NULL, 0, "84" },
	{ "schedule", "invite_days", CT_INT, F(invite_days), 0, 0, 365,
	    0, 0, NULL, 0, "28" },
	{ "schedule", "freeze_days", CT_INT, F(freeze_days), 0, 0, 365,
	    0, 0, NULL, 0, "7" },
	{ "schedule", "holidays", CT_PATHLIST, F(holidays), F(nholidays),
	    0, 0, 0, 0, NULL, CF_EMPTY, REFLECTD_HOLIDAYS },
	{ "schedule", "on_holiday", CT_ENUM, F(on_holiday), 0, 0, 0, 0, 0,
	    config_on_holiday, 0, "skip" },
	{ "schedule", "buffer_minutes", CT_INT, F(buffer_minutes), 0, 0, 1440,
	    0, 0, NULL, 0, "30" },
	{ "schedule", "newcomer_grace_days", CT_INT, F(newcomer_grace_days), 0,
	    0, 365, 0, 0, NULL, 0, "14" },
	{ "schedule", "case_cooldown_days", CT_INT, F(case_cooldown_days), 0,
	    0, 3650, 0, 0, NULL, 0, "56" },
	{ "schedule", "presenter_reminder_days", CT_INT,
	    F(presenter_reminder_days), 0, 0, 365, 0, 0, NULL, 0, "3" },
	{ "schedule", "replan_at", CT_HHMM, F(replan_at), 0, 0, 0, 0, 0, NULL,
	    0, "00:10" },

	/* [caseload]; limit.ROLE and weight.KIND are pattern keys. */
	{ "caseload", "warn_at", CT_DOUBLE, F(warn_at), 0, 0, 0, 0.0, 1.0,
	    NULL, 0, "0.9" },
	{ "caseload", "coworker_share", CT_DOUBLE, F(coworker_share), 0, 0, 0,
	    0.0, 1.0, NULL, 0, "0.5" },

	/* [supervision]; max_gap_days.ROLE is a pattern key. */
	{ "supervision", "max_gap_days", CT_INT, F(max_gap_days), 0, 1, 3650,
	    0, 0, NULL, 0, "28" },
	{ "supervision", "assume_attended", CT_BOOL, F(assume_attended), 0,
	    0, 0, 0, 0, NULL, 0, "yes" },

	/* [digest] */
	{ "digest", "day", CT_ENUM, F(digest_day), 0, 0, 0, 0, 0, config_days,
	    0, "MO" },
	{ "digest", "time", CT_HHMM, F(digest_time), 0, 0, 0, 0, 0, NULL,
	    0, "07:30" },

	/* [feed] */
	{ "feed", "listen", CT_LISTEN, F(feed_listen), 0, 0, 0, 0, 0, NULL,
	    CF_EMPTY, "127.0.0.1:8470" },
	{ "feed", "base_url", CT_STRING, F(feed_base_url), 0, 0, 0, 0, 0, NULL,
	    0, "http://127.0.0.1:8470" },
	{ "feed", "include_cases", CT_BOOL, F(feed_include_cases), 0, 0, 0,
	    0, 0, NULL, 0, "no" },
	{ "feed", "refresh", CT_DURATION, F(feed_refresh), 0, 60, 7 * DAYS,
	    0, 0, NULL, 0, "1h" },
};

#define CONFIG_NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_pattern_default config_pattern_defaults[] = {
	{ "caseload", "limit.social_worker", "15" },
	{ "caseload", "limit.senior_practitioner", "12" },
	{ "caseload", "limit.asye", "10" },
	{ "caseload", "limit.youth_worker", "12" },
	{ "caseload", "limit.family_practitioner", "12" },
	{ "caseload", "weight.cp", "1.5" },
	{ "caseload", "weight.cin", "1.0" },
	{ "caseload", "weight.lac", "1.25" },
	{ "caseload", "weight.care_leaver", "0.75" },
	{ "caseload", "weight.early_help", "0.75" },
	{ "caseload", "weight.other", "1.0" },
	{ "supervision", "max_gap_days.asye", "14" },
};

#define CONFIG_NPATTERN_DEFAULTS \
	(sizeof(config_pattern_defaults) / sizeof(config_pattern_defaults[0]))

#define LIMIT_PREFIX	"limit."
#define WEIGHT_PREFIX	"weight."
#define GAP_PREFIX	"max_gap_days."

enum config_pattern_kind {
	PAT_LIMIT,
	PAT_WEIGHT,
	PAT_GAP
};

static struct config	*config_new(void);
static const struct config_key *config_find(const char *, const char *);
static int	 config_section_known(const char *);
static int	 config_apply(struct config *, const struct config_key *,
		    const char *, int, char *, size_t);
static int	 config_pattern(const char *, const char *, int *, int *,
		    char *, size_t);
static int	 config_apply_pattern(struct config *, int, int, const char *,
		    char *, size_t);
static int	 config_set_enum(int *, const struct config_enum *,
		    const char *, char *, size_t);
static int	 config_set_from(struct config *, const char *, char *,
		    size_t);
static int	 config_check_addr(const char *);
static int	 config_check_listen(const char *);
static int	 config_has_ctl(const char *);
static void	 config_set_string(char **, const char *);
static void	 config_error(struct config_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 config_section_end(struct config_parse *);
static void	 config_check_mail(struct config_parse *);
static void	 config_section_begin(struct config_parse *, char *);
static char	*config_reader(char *, int, void *);
static int	 config_all_cmp(const void *, const void *);
static int	 config_handler(void *, const char *, const char *,
		    const char *);

struct config *
config_defaults(void)
{
	struct config	*conf;
	char		 msg[ERR_MSG_MAX];
	size_t		 i;
	int		 which, idx;

	conf = config_new();
	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_apply(conf, &config_keys[i], config_keys[i].dflt, 1,
		    msg, sizeof(msg)) == -1)
			fatalx("config default [%s] %s: %s",
			    config_keys[i].section, config_keys[i].key, msg);
	}
	for (i = 0; i < CONFIG_NPATTERN_DEFAULTS; i++) {
		if (config_pattern(config_pattern_defaults[i].section,
		    config_pattern_defaults[i].key, &which, &idx, msg,
		    sizeof(msg)) != 1 || config_apply_pattern(conf, which, idx,
		    config_pattern_defaults[i].value, msg, sizeof(msg)) == -1)
			fatalx("config default [%s] %s: %s",
			    config_pattern_defaults[i].section,
			    config_pattern_defaults[i].key, msg);
	}
	conf->holidays_default = 1;
	return (conf);
}

struct config *
config_load(const char *path, struct err *err)
{
	return (config_load_all(path, NULL, err));
}

struct config *
config_load_all(const char *path, char **all, struct err *err)
{
	struct config_parse	 cp;
	struct config		*conf = NULL;
	size_t			 i, len;
	char			*tab;
	int			 rc;

	if (all != NULL)
		*all = NULL;

	memset(&cp, 0, sizeof(cp));
	cp.path = path;
	if ((cp.fp = fopen(path, "r")) == NULL) {
		err_set(err, ERR_INVALID, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	cp.conf = config_defaults();
	cp.conf->path = xstrdup(path);
	cp.seen = xcalloc(CONFIG_NKEYS, sizeof(*cp.seen));

	/*
	 * inih's syntax knobs are process globals in this build: values are
	 * taken literally (no inline comments), and an indented line is a
	 * line of its own, not the continuation of the key above it.
	 */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;

	rc = ini_parse_stream(config_reader, &cp, config_handler, &cp);
	config_section_end(&cp);
	config_check_mail(&cp);

	if (cp.read_errno != 0) {
		err_set(err, ERR_INVALID, "%s: %s", path,
		    strerror(cp.read_errno));
		goto done;
	}
	if (rc > 0)
		config_error(&cp, rc, "syntax error");
	else if (rc < 0) {
		err_set(err, ERR_INTERNAL, "%s: cannot parse", path);
		goto done;
	}
	if (cp.err_line != 0) {
		err_set(err, ERR_INVALID, "%s:%d: %s", path, cp.err_line,
		    cp.err_msg);
		if (all == NULL || cp.nall == 0)
			goto done;
		/* Every error, one line each, "path:line: message". */
		qsort(cp.all, cp.nall, sizeof(*cp.all), config_all_cmp);
		for (i = 0, len = 1; i < cp.nall; i++)
			len += strlen(path) + strlen(cp.all[i]) + 4;
		*all = xcalloc(1, len);
		for (i = 0; i < cp.nall; i++) {
			tab = strchr(cp.all[i], '\t');
			*tab = '\0';
			snprintf(*all + strlen(*all), len - strlen(*all),
			    "%s%s:%s: %s", i > 0 ? "\n" : "", path, cp.all[i],
			    tab + 1);
		}
		goto done;
	}
	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].section, "schedule") == 0 &&
		    strcmp(config_keys[i].key, "holidays") == 0)
			cp.conf->holidays_default = cp.seen[i] == 0;
	conf = cp.conf;
	cp.conf = NULL;
done:
	config_free(cp.conf);
	free(cp.seen);
	free(cp.line);
	for (i = 0; i < cp.nall; i++)
		free(cp.all[i]);
	free(cp.all);
	fclose(cp.fp);
	return (conf);
}

void
config_free(struct config *conf)
{
	if (conf == NULL)
		return;
	free(conf->path);
	free(conf->state_dir);
	free(conf->socket);
	free(conf->socket_group);
	util_free_list(conf->admins, conf->nadmins);
	free(conf->timezone);
	free(conf->maildir);
	free(conf->smtp_host);
	free(conf->smtp_user);
	free(conf->smtp_password_file);
	free(conf->from);
	free(conf->from_name);
	free(conf->from_addr);
	util_free_list(conf->allowed_domains, conf->nallowed_domains);
	free(conf->inbox);
	util_free_list(conf->holidays, conf->nholidays);
	free(conf->feed_listen);
	free(conf->feed_base_url);
	free(conf);
}

double
config_limit(const struct config *conf, enum role role)
{
	if ((int)role < 0 || role >= ROLE_COUNT || !role_holds_cases(role))
		return (0);
	return (conf->limit[role]);
}

int
config_max_gap_days(const struct config *conf, enum role role)
{
	if ((int)role < 0 || role >= ROLE_COUNT ||
	    conf->max_gap_days_role[role] < 0)
		return (conf->max_gap_days);
	return (conf->max_gap_days_role[role]);
}

static struct config *
config_new(void)
{
	struct config	*conf;
	int		 i;

	conf = xcalloc(1, sizeof(*conf));
	for (i = 0; i < ROLE_COUNT; i++)
		conf->max_gap_days_role[i] = -1;
	return (conf);
}

static const struct config_key *
config_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return (&config_keys[i]);
	}
	return (NULL);
}

static int
config_section_known(const char *section)
{
	size_t	i;

	for (i = 0; config_sections[i] != NULL; i++)
		if (strcmp(config_sections[i], section) == 0)
			return (1);
	return (0);
}

static void
config_set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int
config_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			return (1);
	return (0);
}

/*
 * Apply one value to conf.  trusted is set for the built-in defaults,
 * which must not depend on what the machine has installed (tzdata).
 * Returns 0, or -1 with a message in msg.
 */
static int
config_apply(struct config *conf, const struct config_key *k,
    const char *value, int trusted, char *msg, size_t msgsz)
{
	char		 *field = (char *)conf + k->off;
	char		**list;
	size_t		  n, i;
	long long	  ll;
	int64_t		  secs;
	double		  d;
	int		  b;

	if (config_has_ctl(value)) {
		snprintf(msg, msgsz, "control character in value");
		return (-1);
	}
	if (*value == '\0' && (k->flags & CF_EMPTY) == 0 &&
	    k->type != CT_INT && k->type != CT_DOUBLE) {
		snprintf(msg, msgsz, "must not be empty");
		return (-1);
	}

	switch (k->type) {
	case CT_STRING:
		config_set_string((char **)(void *)field, value);
		break;
	case CT_PATH:
		if (*value != '\0' && *value != '/') {
			snprintf(msg, msgsz, "\"%s\": not an absolute path",
			    value);
			return (-1);
		}
		config_set_string((char **)(void *)field, value);
		break;
	case CT_PATHLIST:
	case CT_LIST:
		list = util_split_list(value, &n);
		for (i = 0; i < n; i++) {
			if (k->type == CT_PATHLIST && list[i][0] != '/') {
				snprintf(msg, msgsz,
				    "\"%s\": not an absolute path", list[i]);
				util_free_list(list, n);
				return (-1);
			}
			if (strpbrk(list[i], " \t") != NULL ||
			    ((k->flags & CF_DOMAINS) != 0 &&
			    (strchr(list[i], '@') != NULL ||
			    list[i][0] == '.'))) {
				snprintf(msg, msgsz, "\"%s\": not a %s",
				    list[i], (k->flags & CF_DOMAINS) != 0 ?
				    "mail domain" : "valid list item");
				util_free_list(list, n);
				return (-1);
			}
		}
		util_free_list(*(char ***)(void *)field,
		    *(size_t *)(void *)((char *)conf + k->noff));
		*(char ***)(void *)field = list;
		*(size_t *)(void *)((char *)conf + k->noff) = n;
		break;
	case CT_INT:
		if (util_parse_int(value, k->min, k->max, &ll) == -1) {
			snprintf(msg, msgsz,
			    "\"%s\": not a whole number from %lld to %lld",
			    value, k->min, k->max);
			return (-1);
		}
		*(int *)(void *)field = (int)ll;
		break;
	case CT_DOUBLE:
		if (util_parse_double(value, k->dmin, k->dmax, &d) == -1) {
			snprintf(msg, msgsz,
			    "\"%s\": not a number from %g to %g",
			    value, k->dmin, k->dmax);
			return (-1);
		}
		*(double *)(void *)field = d;
		break;
	case CT_BOOL:
		if ((b = util_parse_bool(value)) == -1) {
			snprintf(msg, msgsz, "\"%s\": not yes or no", value);
			return (-1);
		}
		*(int *)(void *)field = b;
		break;
	case CT_DURATION:
		if (util_parse_duration(value, &secs) == -1) {
			snprintf(msg, msgsz, "\"%s\": not a duration such as "
			    "90s, 15m, 6h, 3d or 2w", value);
			return (-1);
		}
		if (secs < k->min || secs > k->max) {
			snprintf(msg, msgsz, "\"%s\": must be from %llds to "
			    "%lldd", value, k->min, k->max / DAYS);
			return (-1);
		}
		*(int64_t *)(void *)field = secs;
		break;
	case CT_ENUM:
		return (config_set_enum((int *)(void *)field, k->names, value,
		    msg, msgsz));
	case CT_HHMM:
		if (util_parse_hhmm(value, &b) == -1) {
			snprintf(msg, msgsz, "\"%s\": not a time of day HH:MM",
			    value);
			return (-1);
		}
		*(int *)(void *)field = b;
		break;
	case CT_FROM:
		return (config_set_from(conf, value, msg, msgsz));
	case CT_TIMEZONE:
		if (!trusted && !util_timezone_exists(value)) {
			snprintf(msg, msgsz, "\"%s\": unknown time zone",
			    value);
			return (-1);
		}
		config_set_string((char **)(void *)field, value);
		break;
	case CT_LISTEN:
		if (*value != '\0' && config_check_listen(value) == -1) {
			snprintf(msg, msgsz, "\"%s\": not HOST:PORT", value);
			return (-1);
		}
		config_set_string((char **)(void *)field, value);
		break;
	}
	return (0);
}

/*
 * Recognise the pattern keys limit.ROLE, weight.KIND and
 * max_gap_days.ROLE.  Returns 1 and sets *which and *idx when key is one
 * of them, 0 when key is no pattern key, -1 with msg on a bad name.
 */
static int
config_pattern(const char *section, const char *key, int *which, int *idx,
    char *msg, size_t msgsz)
{
	const char	*name;

	if (strcmp(section, "caseload") == 0 &&
	    strncmp(key, LIMIT_PREFIX, strlen(LIMIT_PREFIX)) == 0) {
		name = key + strlen(LIMIT_PREFIX);
		if ((*idx = role_parse(name)) == -1) {
			snprintf(msg, msgsz, "unknown role \"%s\"", name);
			return (-1);
		}
		if (!role_holds_cases((enum role)*idx)) {
			snprintf(msg, msgsz, "role %s holds no cases, so it "
			    "has no caseload limit", name);
			return (-1);
		}
		*which = PAT_LIMIT;
		return (1);
	}
	if (strcmp(section, "caseload") == 0 &&
	    strncmp(key, WEIGHT_PREFIX, strlen(WEIGHT_PREFIX)) == 0) {
		name = key + strlen(WEIGHT_PREFIX);
		if ((*idx = case_kind_parse(name)) == -1) {
			snprintf(msg, msgsz, "unknown case kind \"%s\"", name);
			return (-1);
		}
		*which = PAT_WEIGHT;
		return (1);
	}
	if (strcmp(section, "supervision") == 0 &&
	    strncmp(key, GAP_PREFIX, strlen(GAP_PREFIX)) == 0) {
		name = key + strlen(GAP_PREFIX);
		if ((*idx = role_parse(name)) == -1) {
			snprintf(msg, msgsz, "unknown role \"%s\"", name);
			return (-1);
		}
		*which = PAT_GAP;
		return (1);
	}
	return (0);
}

static int
config_apply_pattern(struct config *conf, int which, int idx,
    const char *value, char *msg, size_t msgsz)
{
	double		d;
	long long	ll;

	switch (which) {
	case PAT_LIMIT:
		if (util_parse_double(value, 1, 1000, &d) == -1) {
			snprintf(msg, msgsz,
			    "\"%s\": not a number from 1 to 1000", value);
			return (-1);
		}
		conf->limit[idx] = d;
		break;
	case PAT_WEIGHT:
		if (util_parse_double(value, 0, 100, &d) == -1) {
			snprintf(msg, msgsz,
			    "\"%s\": not a number from 0 to 100", value);
			return (-1);
		}
		conf->weight[idx] = d;
		break;
	default:
		if (util_parse_int(value, 1, 3650, &ll) == -1) {
			snprintf(msg, msgsz,
			    "\"%s\": not a whole number from 1 to 3650", value);
			return (-1);
		}
		conf->max_gap_days_role[idx] = (int)ll;
		break;
	}
	return (0);
}

static int
config_set_enum(int *field, const struct config_enum *names,
    const char *value, char *msg, size_t msgsz)
{
	size_t	i, len;
	int	n;

	for (i = 0; names[i].name != NULL; i++) {
		if (strcasecmp(names[i].name, value) == 0) {
			*field = names[i].value;
			return (0);
		}
	}
	n = snprintf(msg, msgsz, "\"%s\": must be ", value);
	len = n < 0 ? 0 : (size_t)n;
	for (i = 0; names[i].name != NULL && len < msgsz; i++) {
		n = snprintf(msg + len, msgsz - len, "%s%s",
		    i == 0 ? "" : names[i + 1].name == NULL ? " or " : ", ",
		    names[i].name);
		len += n < 0 ? 0 : (size_t)n;
	}
	return (-1);
}

/* "Display Name <addr@domain>", "<addr@domain>" or "addr@domain". */
static int
config_set_from(struct config *conf, const char *value, char *msg,
    size_t msgsz)
{
	char	*copy, *name, *addr, *lt, *gt;
	int	 rc = -1;

	copy = xstrdup(value);
	if ((lt = strchr(copy, '<')) != NULL) {
		gt = strchr(lt, '>');
		if (gt == NULL || gt[1] != '\0' ||
		    strchr(lt + 1, '<') != NULL) {
			snprintf(msg, msgsz, "\"%s\": not Name <address>",
			    value);
			goto done;
		}
		*lt = '\0';
		*gt = '\0';
		name = util_trim(copy);
		addr = util_trim(lt + 1);
		/* A quoted display name loses its quotes. */
		if (name[0] == '"' && strlen(name) >= 2 &&
		    name[strlen(name) - 1] == '"') {
			name[strlen(name) - 1] = '\0';
			name++;
		}
		if (strpbrk(name, "<>\"") != NULL) {
			snprintf(msg, msgsz, "\"%s\": bad display name",
			    value);
			goto done;
		}
	} else {
		name = copy + strlen(copy);
		addr = util_trim(copy);
	}
	if (config_check_addr(addr) == -1) {
		snprintf(msg, msgsz, "\"%s\": not a mail address "
		    "(local@domain)", addr);
		goto done;
	}
	config_set_string(&conf->from, value);
	config_set_string(&conf->from_name, name);
	config_set_string(&conf->from_addr, addr);
	rc = 0;
done:
	free(copy);
	return (rc);
}

/* One @, something before it, a domain after it; no blanks or brackets. */
static int
config_check_addr(const char *addr)
{
	const char	*at, *p;

	if ((at = strchr(addr, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    at == addr || at[1] == '\0' || at[1] == '.' ||
	    at[strlen(at) - 1] == '.' || strstr(at, "..") != NULL)
		return (-1);
	for (p = addr; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || strchr("<>()[],;:\"\\",
		    *p) != NULL || (unsigned char)*p >= 0x80)
			return (-1);
	}
	return (0);
}

/* HOST:PORT or [V6]:PORT. */
static int
config_check_listen(const char *s)
{
	const char	*colon, *end;
	long long	 port;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end == s + 1 ||
		    end[1] != ':')
			return (-1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return (-1);
	}
	if (strpbrk(s, " \t/") != NULL)
		return (-1);
	return (util_parse_int(colon + 1, 1, 65535, &port));
}

/* Keep the lowest-numbered error: it is the one the operator meets first. */
static void
config_error(struct config_parse *cp, int line, const char *fmt, ...)
{
	va_list	ap;

	char	msg[ERR_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cp->nall < CONFIG_ERRORS_MAX) {
		cp->all = xreallocarray(cp->all, cp->nall + 1,
		    sizeof(*cp->all));
		xasprintf(&cp->all[cp->nall++], "%d\t%s", line, msg);
	}
	if (cp->err_line != 0 && cp->err_line <= line)
		return;
	cp->err_line = line;
	memcpy(cp->err_msg, msg, sizeof(cp->err_msg));
}

/* By line ("line\tmessage"). */
static int
config_all_cmp(const void *a, const void *b)
{
	const char	*const *x = a, *const *y = b;
	long		 lx = strtol(*x, NULL, 10), ly = strtol(*y, NULL, 10);

	return (lx < ly ? -1 : lx > ly);
}

/*
 * [mail] rules across keys: AUTH is only ever sent inside TLS, so
 * smtp_user needs starttls and a password file, and that file must be a
 * regular file only its owner may read (smtp.c checks it again before
 * each connection).  Errors name the key's line.
 */
static void
config_check_mail(struct config_parse *cp)
{
	const struct config	*c = cp->conf;
	const char		*path = c->smtp_password_file;
	struct stat		 st;
	int			 uline, pline;

	uline = cp->seen[config_find("mail", "smtp_user") - config_keys];
	pline = cp->seen[config_find("mail", "smtp_password_file") -
	    config_keys];
	if (c->smtp_user[0] != '\0' && c->starttls == STARTTLS_NO)
		config_error(cp, uline, "[mail] smtp_user: AUTH is sent only "
		    "inside TLS: set starttls = yes or required");
	else if (c->smtp_user[0] != '\0' && path[0] == '\0')
		config_error(cp, uline, "[mail] smtp_user: AUTH needs "
		    "smtp_password_file");
	if (path[0] == '\0')
		return;
	if (lstat(path, &st) == -1)
		config_error(cp, pline, "[mail] smtp_password_file: %s: %s",
		    path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		config_error(cp, pline, "[mail] smtp_password_file: %s: not a "
		    "regular file", path);
	else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		config_error(cp, pline, "[mail] smtp_password_file: %s: group "
		    "or others have access (mode %04o): chmod 600", path,
		    (unsigned int)(st.st_mode & 07777));
}

/*
 * inih does not report section headers, so an unknown section that holds
 * no key would pass silently; one that holds keys is reported at its first
 * key, naming it.
 */
static void
config_section_end(struct config_parse *cp)
{
	if (cp->sect_line != 0 && !cp->sect_known && cp->sect_keys == 0)
		config_error(cp, cp->sect_line, "[%s]: unknown section",
		    cp->sect_name);
	cp->sect_line = 0;
}

/* line holds a header "[name]..." (leading blanks skipped). */
static void
config_section_begin(struct config_parse *cp, char *line)
{
	char	*end;

	config_section_end(cp);
	if ((end = strchr(line + 1, ']')) == NULL)
		return;		/* inih reports the syntax error */
	*end = '\0';
	snprintf(cp->sect_name, sizeof(cp->sect_name), "%s", line + 1);
	*end = ']';
	cp->sect_line = cp->lineno;
	cp->sect_known = config_section_known(cp->sect_name);
	cp->sect_keys = 0;
}

/*
 * fgets-style reader for inih that counts lines (this inih is built
 * without line numbers in its handler) and refuses lines longer than its
 * buffer, which it would otherwise split into two.
 */
static char *
config_reader(char *str, int num, void *arg)
{
	struct config_parse	*cp = arg;
	ssize_t			 len;
	char			*p;

	errno = 0;
	if ((len = getline(&cp->line, &cp->linesz, cp->fp)) == -1) {
		if (ferror(cp->fp))
			cp->read_errno = errno != 0 ? errno : EIO;
		return (NULL);
	}
	cp->lineno++;
	if (num < 2 || len > num - 1) {
		config_error(cp, cp->lineno,
		    "line too long (more than %d characters)", num - 2);
		snprintf(str, (size_t)num, "\n");
		return (str);
	}
	if (strlen(cp->line) != (size_t)len) {
		config_error(cp, cp->lineno, "syntax error");
		snprintf(str, (size_t)num, "\n");
		return (str);
	}
	memcpy(str, cp->line, (size_t)len + 1);

	p = cp->line;
	if (cp->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[')
		config_section_begin(cp, p);
	return (str);
}

static int
config_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*cp = arg;
	const struct config_key	*k;
	char			 msg[ERR_MSG_MAX];
	int			*seen, rc, which, idx;
	int			 line = cp->lineno;

	cp->sect_keys++;
	if (value == NULL)
		value = "";
	if (*section == '\0') {
		config_error(cp, line, "[] %s: key outside any [section]",
		    name);
		return (1);
	}
	if (!config_section_known(section)) {
		config_error(cp, line, "[%s] %s: unknown section", section,
		    name);
		return (1);
	}

	msg[0] = '\0';
	if ((k = config_find(section, name)) != NULL) {
		seen = &cp->seen[k - config_keys];
		if (*seen != 0) {
			config_error(cp, line, "[%s] %s: duplicate key (first "
			    "set on line %d)", section, name, *seen);
			return (1);
		}
		*seen = line;
		if (config_apply(cp->conf, k, value, 0, msg, sizeof(msg)) == -1)
			config_error(cp, line, "[%s] %s: %s", section, name,
			    msg);
		return (1);
	}

	if ((rc = config_pattern(section, name, &which, &idx, msg,
	    sizeof(msg))) == 0) {
		config_error(cp, line, "[%s] %s: unknown key", section, name);
		return (1);
	}
	if (rc == -1) {
		config_error(cp, line, "[%s] %s: %s", section, name, msg);
		return (1);
	}
	if (which == PAT_LIMIT)
		seen = &cp->limit_seen[idx];
	else if (which == PAT_WEIGHT)
		seen = &cp->weight_seen[idx];
	else
		seen = &cp->gap_seen[idx];
	if (*seen != 0) {
		config_error(cp, line, "[%s] %s: duplicate key (first set on "
		    "line %d)", section, name, *seen);
		return (1);
	}
	*seen = line;
	if (config_apply_pattern(cp->conf, which, idx, value, msg,
	    sizeof(msg)) == -1)
		config_error(cp, line, "[%s] %s: %s", section, name, msg);
	return (1);
}

size_t
config_holiday_files(const struct config *conf, char *const **paths)
{
	*paths = conf->holidays;
	if (conf->holidays_default && conf->nholidays == 1 &&
	    access(conf->holidays[0], F_OK) == -1) {
		*paths = NULL;
		return (0);
	}
	return (conf->nholidays);
}
