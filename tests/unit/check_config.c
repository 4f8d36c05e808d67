/*
 * Unit tests for config: the defaults an operator gets from an empty
 * file, every value type the loader accepts, and every way a file is
 * refused, each with the exact "FILE:LINE: [section] key: message" the
 * operator reads from reflectd -t or a refused reload.  Files are real
 * files in a fresh temporary directory; the shipped etc/reflectd.conf
 * must load and say exactly what the built-in defaults are.
 */
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "domain.h"
#include "err.h"
#include "log.h"
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

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct bad_conf {
	const char	*name;
	const char	*text;
	const char	*msg;	/* expected err.msg after "PATH:" */
};

static char	 tmpdir[64];
static char	*written[32];
static size_t	 nwritten;

static void	 setup(void);
static void	 teardown(void);
static char	*write_conf(const char *, const char *);
static struct config *load_text(const char *, struct err *, char **);
static void	 assert_defaults(const struct config *, int);
static Suite	*config_suite(void);

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	nwritten = 0;
}

static void
teardown(void)
{
	size_t	i;

	for (i = 0; i < nwritten; i++) {
		unlink(written[i]);
		free(written[i]);
	}
	nwritten = 0;
	rmdir(tmpdir);
}

static char *
write_conf(const char *name, const char *text)
{
	FILE	*f;
	char	*path;

	ck_assert_uint_lt(nwritten, NELEM(written));
	xasprintf(&path, "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	written[nwritten++] = path;
	return (path);
}

static struct config *
load_text(const char *text, struct err *err, char **pathp)
{
	char	*path;

	path = write_conf("reflectd.conf", text);
	if (pathp != NULL)
		*pathp = path;
	err_clear(err);
	return (config_load(path, err));
}

/* Every key at its SPEC default; paths too unless the file set them. */
static void
assert_defaults(const struct config *c, int paths)
{
	if (paths) {
		ck_assert_str_eq(c->state_dir, REFLECTD_STATEDIR);
		ck_assert_str_eq(c->socket, REFLECTD_SOCKET);
		ck_assert_str_eq(c->maildir, REFLECTD_SPOOL);
		ck_assert_uint_eq(c->nholidays, 1);
		ck_assert_str_eq(c->holidays[0], REFLECTD_HOLIDAYS);
	}
	ck_assert_str_eq(c->socket_group, "reflectd");
	ck_assert_uint_eq(c->nadmins, 1);
	ck_assert_str_eq(c->admins[0], "root");
	ck_assert_str_eq(c->timezone, "Europe/London");
	ck_assert_int_eq(c->log_level, LOG_LVL_INFO);

	ck_assert_int_eq(c->transport, TRANSPORT_MAILDIR);
	ck_assert_str_eq(c->smtp_host, "localhost");
	ck_assert_int_eq(c->smtp_port, 25);
	ck_assert_int_eq(c->starttls, STARTTLS_NO);
	ck_assert_str_eq(c->smtp_user, "");
	ck_assert_str_eq(c->smtp_password_file, "");
	ck_assert_str_eq(c->from,
	    "Group Supervision <supervision@example.org>");
	ck_assert_str_eq(c->from_name, "Group Supervision");
	ck_assert_str_eq(c->from_addr, "supervision@example.org");
	ck_assert_int_eq(c->max_attempts, 12);
	ck_assert_int_eq(c->retry_max_age, 3 * 86400);
	ck_assert_uint_eq(c->nallowed_domains, 0);

	ck_assert_int_eq(c->horizon_days, 84);
	ck_assert_int_eq(c->invite_days, 28);
	ck_assert_int_eq(c->freeze_days, 7);
	ck_assert_int_eq(c->on_holiday, ON_HOLIDAY_SKIP);
	ck_assert_int_eq(c->buffer_minutes, 30);
	ck_assert_int_eq(c->newcomer_grace_days, 14);
	ck_assert_int_eq(c->case_cooldown_days, 56);
	ck_assert_int_eq(c->presenter_reminder_days, 3);
	ck_assert_int_eq(c->replan_at, 10);

	ck_assert_double_eq(c->warn_at, 0.9);
	ck_assert_double_eq(c->coworker_share, 0.5);
	ck_assert_double_eq(c->limit[ROLE_SOCIAL_WORKER], 15);
	ck_assert_double_eq(c->limit[ROLE_SENIOR_PRACTITIONER], 12);
	ck_assert_double_eq(c->limit[ROLE_ASYE], 10);
	ck_assert_double_eq(c->limit[ROLE_YOUTH_WORKER], 12);
	ck_assert_double_eq(c->limit[ROLE_FAMILY_PRACTITIONER], 12);
	ck_assert_double_eq(c->limit[ROLE_MANAGER], 0);
	ck_assert_double_eq(c->limit[ROLE_PSYCHOLOGIST], 0);
	ck_assert_double_eq(c->limit[ROLE_OTHER], 0);
	ck_assert_double_eq(c->weight[KIND_CP], 1.5);
	ck_assert_double_eq(c->weight[KIND_CIN], 1.0);
	ck_assert_double_eq(c->weight[KIND_LAC], 1.25);
	ck_assert_double_eq(c->weight[KIND_CARE_LEAVER], 0.75);
	ck_assert_double_eq(c->weight[KIND_EARLY_HELP], 0.75);
	ck_assert_double_eq(c->weight[KIND_OTHER], 1.0);

	ck_assert_int_eq(c->max_gap_days, 28);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_ASYE), 14);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_SOCIAL_WORKER), 28);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_MANAGER), 28);
	ck_assert_int_eq(c->assume_attended, 1);

	ck_assert_int_eq(c->digest_day, 0);
	ck_assert_int_eq(c->digest_time, 7 * 60 + 30);

	ck_assert_str_eq(c->feed_listen, "127.0.0.1:8470");
	ck_assert_str_eq(c->feed_base_url, "http://127.0.0.1:8470");
	ck_assert_int_eq(c->feed_include_cases, 0);
}

/* ---- defaults ------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct config	*c;

	c = config_defaults();
	assert_defaults(c, 1);
	ck_assert_ptr_null(c->path);
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(test_empty_file_is_defaults)
{
	struct config	*c;
	struct err	 err;
	char		*path;

	c = load_text("", &err, &path);
	ck_assert_msg(c != NULL, "%s", err.msg);
	assert_defaults(c, 1);
	ck_assert_str_eq(c->path, path);
	config_free(c);
}
END_TEST

START_TEST(test_comments_and_empty_sections)
{
	struct config	*c;
	struct err	 err;

	c = load_text(
	    "# hash comment\n"
	    "; semicolon comment\n"
	    "\n"
	    "[daemon]\n"
	    "   # indented comment\n"
	    "  ; another\n"
	    "[mail]\n"
	    "[schedule]\n[caseload]\n[supervision]\n[digest]\n[feed]\n"
	    "# smtp_port = abc\n", &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	assert_defaults(c, 1);
	config_free(c);
}
END_TEST

/* ---- every value type ----------------------------------------------- */

static const char every_key[] =
    "[daemon]\n"
    "state_dir = /srv/reflectd/state\n"
    "socket = /srv/reflectd/ctl.sock\n"
    "socket_group = staff\n"
    "admins = root, alice ,bob\n"
    "timezone = America/New_York\n"
    "log_level = debug\n"
    "[mail]\n"
    "transport = smtp\n"
    "maildir = /srv/reflectd/mail\n"
    "smtp_host = relay.example.org\n"
    "smtp_port = 587\n"
    "starttls = required\n"
    "smtp_user = reflectd\n"
    "smtp_password_file = /etc/reflectd/smtp.pw\n"
    "from = \"Supervision; North\" <plan@council.example.org>\n"
    "max_attempts = 3\n"
    "retry_max_age = 6h\n"
    "allowed_domains = council.example.org, nhs.net\n"
    "[schedule]\n"
    "horizon_days = 365\n"
    "invite_days = 21\n"
    "freeze_days = 0\n"
    "holidays = /etc/reflectd/a.ics,/etc/reflectd/b.ics\n"
    "on_holiday = next_working_day\n"
    "buffer_minutes = 15\n"
    "newcomer_grace_days = 30\n"
    "case_cooldown_days = 90\n"
    "presenter_reminder_days = 5\n"
    "replan_at = 23:59\n"
    "[caseload]\n"
    "warn_at = 0.75\n"
    "coworker_share = 1\n"
    "limit.social_worker = 14.5\n"
    "limit.senior_practitioner = 11\n"
    "limit.asye = 8\n"
    "limit.youth_worker = 9\n"
    "limit.family_practitioner = 13\n"
    "weight.cp = 2\n"
    "weight.cin = 1.1\n"
    "weight.lac = 1.5\n"
    "weight.care_leaver = 0.5\n"
    "weight.early_help = 0\n"
    "weight.other = 0.25\n"
    "[supervision]\n"
    "max_gap_days = 42\n"
    "max_gap_days.asye = 7\n"
    "max_gap_days.manager = 90\n"
    "assume_attended = off\n"
    "[digest]\n"
    "day = fr\n"
    "time = 16:05\n"
    "[feed]\n"
    "listen = [::1]:9000\n"
    "base_url = https://calendar.example.org\n"
    "include_cases = TRUE\n";

/* every_key with its password file made, mode 0600, in tmpdir. */
static char *
every_key_text(char **pwpath)
{
	const char	*at, *name = "/etc/reflectd/smtp.pw";
	char		*text;

	*pwpath = write_conf("smtp.pw", "secret\n");
	ck_assert_int_eq(chmod(*pwpath, 0600), 0);
	at = strstr(every_key, name);
	ck_assert_ptr_nonnull(at);
	xasprintf(&text, "%.*s%s%s", (int)(at - every_key), every_key,
	    *pwpath, at + strlen(name));
	return (text);
}

START_TEST(test_every_key_set)
{
	struct config	*c;
	struct err	 err;
	char		*text, *pwpath;

	text = every_key_text(&pwpath);
	c = load_text(text, &err, NULL);
	free(text);
	ck_assert_msg(c != NULL, "%s", err.msg);

	ck_assert_str_eq(c->state_dir, "/srv/reflectd/state");
	ck_assert_str_eq(c->socket, "/srv/reflectd/ctl.sock");
	ck_assert_str_eq(c->socket_group, "staff");
	ck_assert_uint_eq(c->nadmins, 3);
	ck_assert_str_eq(c->admins[0], "root");
	ck_assert_str_eq(c->admins[1], "alice");
	ck_assert_str_eq(c->admins[2], "bob");
	ck_assert_str_eq(c->timezone, "America/New_York");
	ck_assert_int_eq(c->log_level, LOG_LVL_DEBUG);

	ck_assert_int_eq(c->transport, TRANSPORT_SMTP);
	ck_assert_str_eq(c->maildir, "/srv/reflectd/mail");
	ck_assert_str_eq(c->smtp_host, "relay.example.org");
	ck_assert_int_eq(c->smtp_port, 587);
	ck_assert_int_eq(c->starttls, STARTTLS_REQUIRED);
	ck_assert_str_eq(c->smtp_user, "reflectd");
	ck_assert_str_eq(c->smtp_password_file, pwpath);
	/* A ';' inside a value is data, not a comment. */
	ck_assert_str_eq(c->from,
	    "\"Supervision; North\" <plan@council.example.org>");
	ck_assert_str_eq(c->from_name, "Supervision; North");
	ck_assert_str_eq(c->from_addr, "plan@council.example.org");
	ck_assert_int_eq(c->max_attempts, 3);
	ck_assert_int_eq(c->retry_max_age, 6 * 3600);
	ck_assert_uint_eq(c->nallowed_domains, 2);
	ck_assert_str_eq(c->allowed_domains[0], "council.example.org");
	ck_assert_str_eq(c->allowed_domains[1], "nhs.net");

	ck_assert_int_eq(c->horizon_days, 365);
	ck_assert_int_eq(c->invite_days, 21);
	ck_assert_int_eq(c->freeze_days, 0);
	ck_assert_uint_eq(c->nholidays, 2);
	ck_assert_str_eq(c->holidays[0], "/etc/reflectd/a.ics");
	ck_assert_str_eq(c->holidays[1], "/etc/reflectd/b.ics");
	ck_assert_int_eq(c->on_holiday, ON_HOLIDAY_NEXT_WORKING_DAY);
	ck_assert_int_eq(c->buffer_minutes, 15);
	ck_assert_int_eq(c->newcomer_grace_days, 30);
	ck_assert_int_eq(c->case_cooldown_days, 90);
	ck_assert_int_eq(c->presenter_reminder_days, 5);
	ck_assert_int_eq(c->replan_at, 23 * 60 + 59);

	ck_assert_double_eq(c->warn_at, 0.75);
	ck_assert_double_eq(c->coworker_share, 1);
	ck_assert_double_eq(config_limit(c, ROLE_SOCIAL_WORKER), 14.5);
	ck_assert_double_eq(config_limit(c, ROLE_SENIOR_PRACTITIONER), 11);
	ck_assert_double_eq(config_limit(c, ROLE_ASYE), 8);
	ck_assert_double_eq(config_limit(c, ROLE_YOUTH_WORKER), 9);
	ck_assert_double_eq(config_limit(c, ROLE_FAMILY_PRACTITIONER), 13);
	ck_assert_double_eq(config_limit(c, ROLE_MANAGER), 0);
	ck_assert_double_eq(config_limit(c, ROLE_PSYCHOLOGIST), 0);
	ck_assert_double_eq(config_limit(c, ROLE_OTHER), 0);
	ck_assert_double_eq(c->weight[KIND_CP], 2);
	ck_assert_double_eq(c->weight[KIND_CIN], 1.1);
	ck_assert_double_eq(c->weight[KIND_LAC], 1.5);
	ck_assert_double_eq(c->weight[KIND_CARE_LEAVER], 0.5);
	ck_assert_double_eq(c->weight[KIND_EARLY_HELP], 0);
	ck_assert_double_eq(c->weight[KIND_OTHER], 0.25);

	ck_assert_int_eq(c->max_gap_days, 42);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_ASYE), 7);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_MANAGER), 90);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_SOCIAL_WORKER), 42);
	ck_assert_int_eq(c->assume_attended, 0);

	ck_assert_int_eq(c->digest_day, 4);
	ck_assert_int_eq(c->digest_time, 16 * 60 + 5);

	ck_assert_str_eq(c->feed_listen, "[::1]:9000");
	ck_assert_str_eq(c->feed_base_url, "https://calendar.example.org");
	ck_assert_int_eq(c->feed_include_cases, 1);
	config_free(c);
}
END_TEST

START_TEST(test_empty_values)
{
	struct config	*c;
	struct err	 err;

	c = load_text(
	    "[daemon]\n"
	    "socket_group =\n"
	    "admins =\n"
	    "[mail]\n"
	    "smtp_user =\n"
	    "smtp_password_file =\n"
	    "allowed_domains =\n"
	    "[schedule]\n"
	    "holidays =\n"
	    "[feed]\n"
	    "listen =\n", &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_str_eq(c->socket_group, "");
	ck_assert_uint_eq(c->nadmins, 0);
	ck_assert_str_eq(c->smtp_user, "");
	ck_assert_str_eq(c->smtp_password_file, "");
	ck_assert_uint_eq(c->nallowed_domains, 0);
	ck_assert_uint_eq(c->nholidays, 0);
	ck_assert_str_eq(c->feed_listen, "");
	config_free(c);
}
END_TEST

/* A bare address and an indented key; later keys keep their defaults. */
START_TEST(test_bare_from_and_indent)
{
	struct config	*c;
	struct err	 err;

	c = load_text(
	    "[mail]\n"
	    "  from = plan@example.org\n"
	    "\tmax_attempts = 1\n"
	    "[digest]\n"
	    "day = SU\n", &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_str_eq(c->from, "plan@example.org");
	ck_assert_str_eq(c->from_name, "");
	ck_assert_str_eq(c->from_addr, "plan@example.org");
	ck_assert_int_eq(c->max_attempts, 1);
	ck_assert_int_eq(c->digest_day, 6);
	ck_assert_int_eq(c->smtp_port, 25);
	config_free(c);
}
END_TEST

/* ---- every way a file is refused ------------------------------------ */

static const struct bad_conf bad_confs[] = {
	{ "unknown section",
	    "[daemon]\n[nosuch]\nsize = 3\n",
	    "3: [nosuch] size: unknown section" },
	{ "unknown empty section",
	    "# x\n[nosuch]\n[daemon]\n",
	    "2: [nosuch]: unknown section" },
	{ "key before any section",
	    "timezone = UTC\n",
	    "1: [] timezone: key outside any [section]" },
	{ "unknown key",
	    "[daemon]\nadmins = root\nfrobnicate = yes\n",
	    "3: [daemon] frobnicate: unknown key" },
	{ "key in the wrong section",
	    "[mail]\ntimezone = UTC\n",
	    "2: [mail] timezone: unknown key" },
	{ "bad int",
	    "[mail]\nsmtp_port = abc\n",
	    "2: [mail] smtp_port: \"abc\": not a whole number from 1 to "
	    "65535" },
	{ "int with trailing junk",
	    "[schedule]\nhorizon_days = 84d\n",
	    "2: [schedule] horizon_days: \"84d\": not a whole number from 1 "
	    "to 1096" },
	{ "empty int",
	    "[mail]\nmax_attempts =\n",
	    "2: [mail] max_attempts: \"\": not a whole number from 1 to 1000" },
	{ "int out of range",
	    "[mail]\nsmtp_port = 70000\n",
	    "2: [mail] smtp_port: \"70000\": not a whole number from 1 to "
	    "65535" },
	{ "zero horizon",
	    "[schedule]\nhorizon_days = 0\n",
	    "2: [schedule] horizon_days: \"0\": not a whole number from 1 to "
	    "1096" },
	{ "double out of range",
	    "[caseload]\nwarn_at = 1.5\n",
	    "2: [caseload] warn_at: \"1.5\": not a number from 0 to 1" },
	{ "bad double",
	    "[caseload]\ncoworker_share = half\n",
	    "2: [caseload] coworker_share: \"half\": not a number from 0 "
	    "to 1" },
	{ "bad bool",
	    "[supervision]\nassume_attended = maybe\n",
	    "2: [supervision] assume_attended: \"maybe\": not yes or no" },
	{ "bad duration",
	    "[mail]\nretry_max_age = 3 days\n",
	    "2: [mail] retry_max_age: \"3 days\": not a duration such as 90s, "
	    "15m, 6h, 3d or 2w" },
	{ "duration too short",
	    "[mail]\nretry_max_age = 5s\n",
	    "2: [mail] retry_max_age: \"5s\": must be from 60s to 365d" },
	{ "bad enum",
	    "[mail]\ntransport = carrier-pigeon\n",
	    "2: [mail] transport: \"carrier-pigeon\": must be maildir or "
	    "smtp" },
	{ "bad starttls",
	    "[mail]\nstarttls = maybe\n",
	    "2: [mail] starttls: \"maybe\": must be no, yes or required" },
	{ "bad log level",
	    "[daemon]\nlog_level = verbose\n",
	    "2: [daemon] log_level: \"verbose\": must be error, warning, info "
	    "or debug" },
	{ "bad on_holiday",
	    "[schedule]\non_holiday = move\n",
	    "2: [schedule] on_holiday: \"move\": must be skip or "
	    "next_working_day" },
	{ "bad digest day",
	    "[digest]\nday = Monday\n",
	    "2: [digest] day: \"Monday\": must be MO, TU, WE, TH, FR, SA or "
	    "SU" },
	{ "bad hh:mm",
	    "[digest]\ntime = 7:30\n",
	    "2: [digest] time: \"7:30\": not a time of day HH:MM" },
	{ "hh:mm out of range",
	    "[schedule]\nreplan_at = 24:00\n",
	    "2: [schedule] replan_at: \"24:00\": not a time of day HH:MM" },
	{ "bad timezone",
	    "[daemon]\ntimezone = Mars/Olympus_Mons\n",
	    "2: [daemon] timezone: \"Mars/Olympus_Mons\": unknown time zone" },
	{ "timezone directory",
	    "[daemon]\ntimezone = Europe\n",
	    "2: [daemon] timezone: \"Europe\": unknown time zone" },
	{ "from without @",
	    "[mail]\nfrom = Supervision <supervision>\n",
	    "2: [mail] from: \"supervision\": not a mail address "
	    "(local@domain)" },
	{ "from with two @",
	    "[mail]\nfrom = a@b@example.org\n",
	    "2: [mail] from: \"a@b@example.org\": not a mail address "
	    "(local@domain)" },
	{ "from without domain",
	    "[mail]\nfrom = Team <team@>\n",
	    "2: [mail] from: \"team@\": not a mail address (local@domain)" },
	{ "from unclosed",
	    "[mail]\nfrom = Team <team@example.org\n",
	    "2: [mail] from: \"Team <team@example.org\": not Name <address>" },
	{ "empty from",
	    "[mail]\nfrom =\n",
	    "2: [mail] from: must not be empty" },
	{ "relative path",
	    "[daemon]\nstate_dir = var/lib/reflectd\n",
	    "2: [daemon] state_dir: \"var/lib/reflectd\": not an absolute "
	    "path" },
	{ "empty state_dir",
	    "[daemon]\nstate_dir =\n",
	    "2: [daemon] state_dir: must not be empty" },
	{ "relative password file",
	    "[mail]\nsmtp_password_file = smtp.pw\n",
	    "2: [mail] smtp_password_file: \"smtp.pw\": not an absolute path" },
	{ "relative holiday file",
	    "[schedule]\nholidays = /etc/a.ics, b.ics\n",
	    "2: [schedule] holidays: \"b.ics\": not an absolute path" },
	{ "address as allowed domain",
	    "[mail]\nallowed_domains = nhs.net, someone@nhs.net\n",
	    "2: [mail] allowed_domains: \"someone@nhs.net\": not a mail "
	    "domain" },
	{ "bad listen",
	    "[feed]\nlisten = 8470\n",
	    "2: [feed] listen: \"8470\": not HOST:PORT" },
	{ "bad listen port",
	    "[feed]\nlisten = 127.0.0.1:0\n",
	    "2: [feed] listen: \"127.0.0.1:0\": not HOST:PORT" },
	{ "limit for a role without cases",
	    "[caseload]\nlimit.manager = 10\n",
	    "2: [caseload] limit.manager: role manager holds no cases, so it "
	    "has no caseload limit" },
	{ "limit for a psychologist",
	    "[caseload]\nlimit.psychologist = 10\n",
	    "2: [caseload] limit.psychologist: role psychologist holds no "
	    "cases, so it has no caseload limit" },
	{ "limit for an unknown role",
	    "[caseload]\nlimit.wizard = 10\n",
	    "2: [caseload] limit.wizard: unknown role \"wizard\"" },
	{ "bad limit value",
	    "[caseload]\nlimit.asye = 0\n",
	    "2: [caseload] limit.asye: \"0\": not a number from 1 to 1000" },
	{ "unknown weight kind",
	    "[caseload]\nweight.adoption = 1\n",
	    "2: [caseload] weight.adoption: unknown case kind \"adoption\"" },
	{ "bad weight value",
	    "[caseload]\nweight.cp = -1\n",
	    "2: [caseload] weight.cp: \"-1\": not a number from 0 to 100" },
	{ "limit pattern in the wrong section",
	    "[supervision]\nlimit.asye = 10\n",
	    "2: [supervision] limit.asye: unknown key" },
	{ "max gap for an unknown role",
	    "[supervision]\nmax_gap_days.intern = 7\n",
	    "2: [supervision] max_gap_days.intern: unknown role \"intern\"" },
	{ "bad max gap value",
	    "[supervision]\nmax_gap_days.asye = 0\n",
	    "2: [supervision] max_gap_days.asye: \"0\": not a whole number "
	    "from 1 to 3650" },
	{ "duplicate key",
	    "[mail]\nsmtp_port = 25\n\nsmtp_port = 26\n",
	    "4: [mail] smtp_port: duplicate key (first set on line 2)" },
	{ "duplicate key across repeated sections",
	    "[daemon]\nadmins = root\n[mail]\n[daemon]\nadmins = alice\n",
	    "5: [daemon] admins: duplicate key (first set on line 2)" },
	{ "duplicate pattern key",
	    "[caseload]\nweight.cp = 1\nweight.cp = 2\n",
	    "3: [caseload] weight.cp: duplicate key (first set on line 2)" },
	{ "syntax error",
	    "[daemon]\n# fine\nthis line has no equals sign\n",
	    "3: syntax error" },
	{ "unclosed section",
	    "[daemon\ntimezone = UTC\n",
	    "1: syntax error" },
	{ "first error wins",
	    "[mail]\nsmtp_port = x\nbogus line\nstarttls = x\n",
	    "2: [mail] smtp_port: \"x\": not a whole number from 1 to 65535" },
	{ "AUTH without TLS",
	    "[mail]\nsmtp_user = reflectd\nsmtp_password_file = /nonexistent\n",
	    "2: [mail] smtp_user: AUTH is sent only inside TLS: set starttls = "
	    "yes or required" },
	{ "AUTH without a password file",
	    "[mail]\nstarttls = yes\nsmtp_user = reflectd\n",
	    "3: [mail] smtp_user: AUTH needs smtp_password_file" },
	{ "missing password file",
	    "[mail]\nsmtp_password_file = /nonexistent/smtp.pw\n",
	    "2: [mail] smtp_password_file: /nonexistent/smtp.pw: No such file "
	    "or directory" },
	{ "password file not a file",
	    "[mail]\nsmtp_password_file = /\n",
	    "2: [mail] smtp_password_file: /: not a regular file" },
	{ "syntax error before a bad value",
	    "[mail]\nbogus line\nsmtp_port = x\n",
	    "2: syntax error" },
};

START_TEST(test_bad_conf)
{
	const struct bad_conf	*b = &bad_confs[_i];
	struct config		*c;
	struct err		 err;
	char			*path, *want;

	c = load_text(b->text, &err, &path);
	ck_assert_msg(c == NULL, "%s: accepted", b->name);
	ck_assert_int_eq(err.code, ERR_INVALID);
	xasprintf(&want, "%s:%s", path, b->msg);
	ck_assert_msg(strcmp(err.msg, want) == 0, "%s: got \"%s\", want \"%s\"",
	    b->name, err.msg, want);
	free(want);
}
END_TEST

/* The password file: only its owner may read it. */
START_TEST(test_password_file_mode)
{
	static const mode_t	 bad[] = { 0640, 0604, 0644, 0660, 0620 };
	struct config		*c;
	struct err		 err;
	char			*pw, *text, *path, *want;
	size_t			 i;

	pw = write_conf("smtp.pw", "secret\n");
	xasprintf(&text, "[mail]\nstarttls = required\nsmtp_user = u\n"
	    "smtp_password_file = %s\n", pw);
	for (i = 0; i < NELEM(bad); i++) {
		ck_assert_int_eq(chmod(pw, bad[i]), 0);
		c = load_text(text, &err, &path);
		ck_assert_msg(c == NULL, "mode %04o accepted", bad[i]);
		xasprintf(&want, "%s:4: [mail] smtp_password_file: %s: group "
		    "or others have access (mode %04o): chmod 600", path, pw,
		    (unsigned int)bad[i]);
		ck_assert_str_eq(err.msg, want);
		free(want);
	}
	ck_assert_int_eq(chmod(pw, 0600), 0);
	c = load_text(text, &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	config_free(c);
	ck_assert_int_eq(chmod(pw, 0400), 0);
	c = load_text(text, &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	config_free(c);
	free(text);
}
END_TEST

START_TEST(test_line_too_long)
{
	struct config	*c;
	struct err	 err;
	char		*text, *path, *want;
	char		 domains[1024];
	size_t		 i;

	domains[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(domains, "council.example.org,");
	xasprintf(&text, "[mail]\nallowed_domains = %s\nsmtp_port = 26\n",
	    domains);
	c = load_text(text, &err, &path);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, ERR_INVALID);
	/* The message names the line; nothing after it is misread. */
	xasprintf(&want, "%s:2: line too long", path);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "got %s",
	    err.msg);
	free(want);
	free(text);
}
END_TEST

/*
 * An uninstalled default holiday file is no error (nothing to skip); a
 * holiday file the operator named is always loaded, so a missing one is.
 */
START_TEST(test_holiday_files)
{
	struct config	*c;
	struct err	 err;
	char *const	*paths;

	c = load_text("[schedule]\nhorizon_days = 30\n", &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(c->holidays_default, 1);
	if (access(c->holidays[0], F_OK) == -1) {
		ck_assert_uint_eq(config_holiday_files(c, &paths), 0);
		ck_assert_ptr_null(paths);
	} else
		ck_assert_uint_eq(config_holiday_files(c, &paths), 1);
	config_free(c);

	c = load_text("[schedule]\nholidays = /nonexistent/holidays.ics\n",
	    &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(c->holidays_default, 0);
	ck_assert_uint_eq(config_holiday_files(c, &paths), 1);
	ck_assert_str_eq(paths[0], "/nonexistent/holidays.ics");
	config_free(c);

	c = load_text("[schedule]\nholidays =\n", &err, NULL);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_uint_eq(config_holiday_files(c, &paths), 0);
	config_free(c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config	*c;
	struct err	 err;
	char		*path, *want;

	xasprintf(&path, "%s/nonexistent.conf", tmpdir);
	c = config_load(path, &err);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, ERR_INVALID);
	xasprintf(&want, "%s: No such file or directory", path);
	ck_assert_str_eq(err.msg, want);
	free(want);

	/* A directory opens but cannot be read as a file. */
	c = config_load(tmpdir, &err);
	ck_assert_ptr_null(c);
	xasprintf(&want, "%s: Is a directory", tmpdir);
	ck_assert_str_eq(err.msg, want);
	free(want);
	free(path);
}
END_TEST

/* -t: every error, in line order, each with file:line and key. */
START_TEST(test_every_error_listed)
{
	struct config	*c;
	struct err	 err;
	char		*path, *all = NULL, *want;

	path = write_conf("many.conf", "[mail]\nsmtp_port = x\n"
	    "[daemon]\nbogus = 1\nlog_level = loud\n");
	c = config_load_all(path, &all, &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(all);
	xasprintf(&want, "%s:2: [mail] smtp_port", path);
	ck_assert_ptr_nonnull(strstr(all, want));
	ck_assert_ptr_eq(strstr(all, want), all);
	free(want);
	xasprintf(&want, "\n%s:4: [daemon] bogus: unknown key\n", path);
	ck_assert_ptr_nonnull(strstr(all, want));
	free(want);
	xasprintf(&want, "\n%s:5: [daemon] log_level", path);
	ck_assert_ptr_nonnull(strstr(all, want));
	free(want);
	/* err still holds the first, as config_load gives it. */
	xasprintf(&want, "%s:2: [mail] smtp_port", path);
	ck_assert_ptr_eq(strstr(err.msg, want), err.msg);
	free(want);
	free(all);
	all = (char *)"untouched";
	path = write_conf("good.conf", "[daemon]\nlog_level = debug\n");
	c = config_load_all(path, &all, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(all);
	config_free(c);
}
END_TEST

/* A refused file leaves the caller's running configuration untouched. */
START_TEST(test_refused_reload_keeps_old)
{
	struct config	*old, *nc;
	struct err	 err;

	old = load_text("[daemon]\ntimezone = America/New_York\n", &err, NULL);
	ck_assert_msg(old != NULL, "%s", err.msg);
	nc = load_text("[daemon]\ntimezone = UTC\nfrobnicate = 1\n", &err,
	    NULL);
	ck_assert_ptr_null(nc);
	ck_assert_str_eq(old->timezone, "America/New_York");
	config_free(old);
}
END_TEST

/* ---- the shipped sample --------------------------------------------- */

START_TEST(test_sample_config)
{
	struct config	*c;
	struct err	 err;
	const char	*top;
	char		*path;

	if ((top = getenv("TOP_SRCDIR")) == NULL || *top == '\0')
		top = getenv("srcdir");
	if (top != NULL && *top != '\0')
		xasprintf(&path, "%s/etc/reflectd.conf", top);
	else
		path = xstrdup("../etc/reflectd.conf");
	ck_assert_msg(access(path, R_OK) == 0, "%s not readable", path);

	err_clear(&err);
	c = config_load(path, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	/* It documents the real defaults; paths depend on the build. */
	assert_defaults(c, 0);
	config_free(c);
	free(path);
}
END_TEST

START_TEST(test_accessors)
{
	struct config	*c;

	c = config_defaults();
	ck_assert_double_eq(config_limit(c, ROLE_SOCIAL_WORKER), 15);
	ck_assert_double_eq(config_limit(c, ROLE_MANAGER), 0);
	ck_assert_double_eq(config_limit(c, ROLE_COUNT), 0);
	ck_assert_int_eq(config_max_gap_days(c, ROLE_COUNT), 28);
	config_free(c);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("config");

	tc = tcase_create("defaults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file_is_defaults);
	tcase_add_test(tc, test_comments_and_empty_sections);
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_sample_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_key_set);
	tcase_add_test(tc, test_empty_values);
	tcase_add_test(tc, test_bare_from_and_indent);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_conf, 0, (int)NELEM(bad_confs));
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_password_file_mode);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_every_error_listed);
	tcase_add_test(tc, test_holiday_files);
	tcase_add_test(tc, test_refused_reload_keeps_old);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
