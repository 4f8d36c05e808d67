/*
 * Teams, members and absences: the syntax of their fields, the referential
 * rules between them, and every change the commands and CSV imports make.
 * A leaver keeps their record (member leave only sets the end date); a team
 * is removed only when nothing refers to it.  Changes that move a member's
 * caseload limit ask cases.c to re-check it.  No SQL here (store-people.c)
 * and no JSON or access control (cmd-*.c, acl.c).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "clock.h"
#include "daemon.h"
#include "domain.h"
#include "people.h"
#include "store.h"
#include "util.h"

#define FTE_MIN		0.1
#define FTE_MAX		1.0
#define FTE_EPSILON	1e-9
#define LIMIT_MAX	100
#define CAPACITY_MAX	50

static const char *team_kind_names[TEAM_KIND_COUNT] = {
	[TEAM_MAST] = "mast",
	[TEAM_CONNECT] = "connect",
	[TEAM_LEAVING_CARE] = "leaving_care",
	[TEAM_FOSTERING] = "fostering",
	[TEAM_OTHER] = "other",
};

static const char *day_names[7] = {
	"MO", "TU", "WE", "TH", "FR", "SA", "SU"
};

static int	people_valid_text(const char *, size_t);
static int	people_valid_login(const char *);
static int	people_member_cmp(const void *, const void *);
static int	people_team_cmp(const void *, const void *);
static int	people_copy_field(char *, size_t, const char *, const char *,
		    int (*)(const char *), const char *, struct err *);
static int	people_team_validate(const struct team *, struct err *);
static int	people_team_refs(struct store *, const struct team *,
		    struct err *);
static int	people_team_ref(struct store *, const char *, const char *,
		    int, struct err *);
static int	people_member_validate(const struct member *, struct err *);
static int	people_member_refs(struct store *, const struct member *,
		    const struct member *, struct err *);
static int	people_member_same(const struct member *,
		    const struct member *);
static int	people_member_write(struct store *, const struct member *,
		    const struct member *, struct err *);

const char *
team_kind_name(int kind)
{
	if (kind < 0 || kind >= TEAM_KIND_COUNT)
		return ("other");
	return (team_kind_names[kind]);
}

int
team_kind_parse(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < TEAM_KIND_COUNT; i++) {
		if (strcmp(s, team_kind_names[i]) == 0)
			return (i);
	}
	return (-1);
}

int
people_valid_slug(const char *s)
{
	size_t	i;

	if (s == NULL || !(islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= SLUG_MAX)
			return (0);
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return (0);
	}
	return (1);
}

int
people_valid_ref(const char *s)
{
	size_t	i;

	if (s == NULL || !isalnum((unsigned char)s[0]) ||
	    (unsigned char)s[0] >= 0x80)
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= REF_MAX)
			return (0);
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '/' || s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/*
 * A bare address, local@domain.tld, with nothing a mail header could be
 * bent with: no blanks, controls, quotes, brackets, commas or semicolons.
 */
int
people_valid_email(const char *s)
{
	const char	*at, *p, *dot;

	if (s == NULL || *s == '\0' || strlen(s) > EMAIL_MAX_LEN)
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"'<>(),;:[]\\", *p) != NULL)
			return (0);
	}
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0' ||
	    strstr(at + 1, "..") != NULL || at[1] == '-')
		return (0);
	return (1);
}

int
people_days_parse(const char *s)
{
	const char	*p = s;
	int		 mask = 0, i;

	if (s == NULL || *s == '\0')
		return (-1);
	for (;;) {
		for (i = 0; i < 7; i++) {
			if (toupper((unsigned char)p[0]) == day_names[i][0] &&
			    toupper((unsigned char)p[1]) == day_names[i][1])
				break;
		}
		if (i == 7)
			return (-1);
		mask |= 1 << i;
		p += 2;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return (-1);
	}
	return (mask);
}

char *
people_days_format(int mask, char *buf, size_t size)
{
	size_t	len = 0;
	int	i;

	if (size == 0)
		return (buf);
	buf[0] = '\0';
	for (i = 0; i < 7; i++) {
		if (!(mask & (1 << i)))
			continue;
		if (len + 4 > size)
			break;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? "," : "", day_names[i]);
	}
	return (buf);
}

int
people_valid_date(const char *s)
{
	static const int	 mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			 y, m, d, i, leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (0);
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return (0);
	}
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return (0);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return (d <= mdays[m - 1] + (m == 2 && leap));
}

int
people_member_active(const struct member *m, const char *date)
{
	if (m->start[0] != '\0' && strcmp(m->start, date) > 0)
		return (0);
	if (m->end[0] != '\0' && strcmp(m->end, date) < 0)
		return (0);
	return (1);
}

void
people_today(char buf[DATE_LEN])
{
	char	tmp[UTIL_TIMEBUF];

	util_format_date(clock_now(), tmp);
	memcpy(buf, tmp, DATE_LEN - 1);
	buf[DATE_LEN - 1] = '\0';
}

void
people_member_init(struct member *m)
{
	memset(m, 0, sizeof(*m));
	m->fte = 1.0;
	m->days = DAYS_WEEKDAYS;
	m->capacity = CAPACITY_DEFAULT;
}

/* Names and reasons: not empty, no control characters (they reach mail). */
static int
people_valid_text(const char *s, size_t max)
{
	const unsigned char	*p;

	if (s == NULL || strlen(s) > max)
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
	}
	return (1);
}

/* [a-z_][a-z0-9_.-]{0,31}, as useradd(8) takes them. */
static int
people_valid_login(const char *s)
{
	size_t	i;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= LOGIN_MAX)
			return (0);
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/* Copy an optional field that must pass ok() when not empty. */
static int
people_copy_field(char *dst, size_t size, const char *key, const char *v,
    int (*ok)(const char *), const char *what, struct err *err)
{
	if (*v != '\0' && (strlen(v) >= size || !ok(v)))
		return (err_set(err, ERR_INVALID, "%s: not %s: %.64s", key,
		    what, v));
	snprintf(dst, size, "%s", v);
	return (0);
}

int
people_team_set(struct team *t, const char *key, const char *v,
    struct err *err)
{
	if (strcmp(key, "name") == 0) {
		if (*v == '\0' || !people_valid_text(v, NAME_MAX_LEN))
			return (err_set(err, ERR_INVALID, "name: must be 1 to "
			    "%d characters without control characters",
			    NAME_MAX_LEN));
		snprintf(t->name, sizeof(t->name), "%s", v);
	} else if (strcmp(key, "kind") == 0) {
		if ((t->kind = team_kind_parse(v)) == -1)
			return (err_set(err, ERR_INVALID, "kind: unknown team "
			    "kind: %.64s (mast, connect, leaving_care, "
			    "fostering, other)", v));
	} else if (strcmp(key, "manager") == 0)
		return (people_copy_field(t->manager, sizeof(t->manager), key,
		    v, people_valid_slug, "a member slug", err));
	else if (strcmp(key, "psychologist") == 0)
		return (people_copy_field(t->psychologist,
		    sizeof(t->psychologist), key, v, people_valid_slug,
		    "a member slug", err));
	else
		return (err_set(err, ERR_USAGE, "unknown team field: %.64s",
		    key));
	return (0);
}

int
people_member_set(struct member *m, const char *key, const char *v,
    struct err *err)
{
	long long	ll;
	double		d;

	if (strcmp(key, "name") == 0) {
		if (*v == '\0' || !people_valid_text(v, NAME_MAX_LEN))
			return (err_set(err, ERR_INVALID, "name: must be 1 to "
			    "%d characters without control characters",
			    NAME_MAX_LEN));
		snprintf(m->name, sizeof(m->name), "%s", v);
	} else if (strcmp(key, "email") == 0) {
		if (!people_valid_email(v))
			return (err_set(err, ERR_INVALID, "email: not an "
			    "address: %.64s", v));
		snprintf(m->email, sizeof(m->email), "%s", v);
	} else if (strcmp(key, "role") == 0) {
		if ((m->role = role_parse(v)) == -1)
			return (err_set(err, ERR_INVALID, "role: unknown role: "
			    "%.64s", v));
	} else if (strcmp(key, "team") == 0) {
		if (*v == '\0')
			return (err_set(err, ERR_INVALID, "team: empty"));
		return (people_copy_field(m->team, sizeof(m->team), key, v,
		    people_valid_slug, "a team slug", err));
	} else if (strcmp(key, "fte") == 0) {
		if (util_parse_double(v, FTE_MIN, FTE_MAX, &m->fte) == -1)
			return (err_set(err, ERR_INVALID, "fte: must be "
			    "between 0.1 and 1.0"));
	} else if (strcmp(key, "days") == 0) {
		if ((m->days = people_days_parse(v)) <= 0)
			return (err_set(err, ERR_INVALID, "days: not a list of "
			    "MO,TU,WE,TH,FR,SA,SU: %.64s", v));
	} else if (strcmp(key, "start") == 0)
		return (people_copy_field(m->start, sizeof(m->start), key, v,
		    people_valid_date, "a date (YYYY-MM-DD)", err));
	else if (strcmp(key, "end") == 0)
		return (people_copy_field(m->end, sizeof(m->end), key, v,
		    people_valid_date, "a date (YYYY-MM-DD)", err));
	else if (strcmp(key, "limit") == 0) {
		if (*v == '\0')
			d = 0;
		else if (util_parse_double(v, 0, LIMIT_MAX, &d) == -1 ||
		    (d > 0 && d < 1))
			return (err_set(err, ERR_INVALID, "limit: must be 0 "
			    "(none) or between 1 and %d", LIMIT_MAX));
		m->limit = d;
	} else if (strcmp(key, "login") == 0)
		return (people_copy_field(m->login, sizeof(m->login), key, v,
		    people_valid_login, "a login ([a-z_][a-z0-9_.-]{0,31})",
		    err));
	else if (strcmp(key, "capacity") == 0) {
		if (util_parse_int(v, 0, CAPACITY_MAX, &ll) == -1)
			return (err_set(err, ERR_INVALID, "capacity: must be a "
			    "whole number between 0 and %d", CAPACITY_MAX));
		m->capacity = (int)ll;
	} else
		return (err_set(err, ERR_USAGE, "unknown member field: %.64s",
		    key));
	return (0);
}

static int
people_team_validate(const struct team *t, struct err *err)
{
	if (!people_valid_slug(t->slug))
		return (err_set(err, ERR_INVALID, "slug: not a valid slug "
		    "([a-z0-9][a-z0-9-]{0,31}): %.64s", t->slug));
	if (t->name[0] == '\0' || !people_valid_text(t->name, NAME_MAX_LEN))
		return (err_set(err, ERR_INVALID, "name: must be 1 to %d "
		    "characters without control characters", NAME_MAX_LEN));
	if (t->kind < 0 || t->kind >= TEAM_KIND_COUNT)
		return (err_set(err, ERR_INVALID, "kind: unknown team kind"));
	if (t->manager[0] != '\0' && !people_valid_slug(t->manager))
		return (err_set(err, ERR_INVALID, "manager: not a member "
		    "slug: %.64s", t->manager));
	if (t->psychologist[0] != '\0' && !people_valid_slug(t->psychologist))
		return (err_set(err, ERR_INVALID, "psychologist: not a member "
		    "slug: %.64s", t->psychologist));
	return (0);
}

/* field names a member who must exist with the given role. */
static int
people_team_ref(struct store *s, const char *field, const char *slug,
    int role, struct err *err)
{
	struct member	m;
	struct err	e;

	if (*slug == '\0')
		return (0);
	err_clear(&e);
	if (store_member_get(s, slug, &m, &e) == -1) {
		if (e.code == ERR_NOT_FOUND)
			return (err_set(err, ERR_NOT_FOUND, "%s: no such "
			    "member: %s", field, slug));
		*err = e;
		return (-1);
	}
	if (m.role != role)
		return (err_set(err, ERR_INVALID, "%s: %s is a %s, not a %s",
		    field, slug, role_name(m.role), role_name(role)));
	return (0);
}

static int
people_team_refs(struct store *s, const struct team *t, struct err *err)
{
	if (people_team_ref(s, "manager", t->manager, ROLE_MANAGER,
	    err) == -1)
		return (-1);
	return (people_team_ref(s, "psychologist", t->psychologist,
	    ROLE_PSYCHOLOGIST, err));
}

int
people_team_get(struct store *s, const char *slug, struct team *t,
    struct err *err)
{
	return (store_team_get(s, slug, t, err));
}

int
people_team_list(struct store *s, struct team **tp, size_t *np,
    struct err *err)
{
	return (store_team_list(s, NULL, tp, np, err));
}

int
people_teams_managed(struct store *s, const char *member, struct team **tp,
    size_t *np, struct err *err)
{
	return (store_team_list(s, member, tp, np, err));
}

int
people_team_add(struct store *s, const struct team *t, struct err *err)
{
	struct team	old;
	struct err	e;

	if (people_team_validate(t, err) == -1)
		return (-1);
	err_clear(&e);
	if (store_team_get(s, t->slug, &old, &e) == 0)
		return (err_set(err, ERR_CONFLICT, "slug: team %s already "
		    "exists", t->slug));
	if (e.code != ERR_NOT_FOUND) {
		*err = e;
		return (-1);
	}
	if (people_team_refs(s, t, err) == -1)
		return (-1);
	return (store_team_insert(s, t, err));
}

int
people_team_update(struct store *s, const struct team *t, struct err *err)
{
	struct team	old;

	if (people_team_validate(t, err) == -1)
		return (-1);
	if (store_team_get(s, t->slug, &old, err) == -1)
		return (-1);
	if (people_team_refs(s, t, err) == -1)
		return (-1);
	return (store_team_update(s, t, err));
}

int
people_team_remove(struct store *s, const char *slug, struct err *err)
{
	struct team	t;
	int		n;

	if (store_team_get(s, slug, &t, err) == -1)
		return (-1);
	if (store_team_members(s, slug, &n, err) == -1)
		return (-1);
	if (n > 0)
		return (err_set(err, ERR_CONFLICT, "team: %s still has %d "
		    "member%s (leavers included); move them first", slug, n,
		    n == 1 ? "" : "s"));
	return (store_team_delete(s, slug, err));
}

int
people_member_get(struct store *s, const char *slug, struct member *m,
    struct err *err)
{
	return (store_member_get(s, slug, m, err));
}

int
people_member_by_login(struct store *s, const char *user, struct member *m,
    struct err *err)
{
	return (store_member_by_login(s, user, m, err));
}

int
people_member_list(struct store *s, const char *team, struct member **mp,
    size_t *np, struct err *err)
{
	return (store_member_list(s, team, mp, np, err));
}

static int
people_member_validate(const struct member *m, struct err *err)
{
	if (!people_valid_slug(m->slug))
		return (err_set(err, ERR_INVALID, "slug: not a valid slug "
		    "([a-z0-9][a-z0-9-]{0,31}): %.64s", m->slug));
	if (m->name[0] == '\0' || !people_valid_text(m->name, NAME_MAX_LEN))
		return (err_set(err, ERR_INVALID, "name: must be 1 to %d "
		    "characters without control characters", NAME_MAX_LEN));
	if (!people_valid_email(m->email))
		return (err_set(err, ERR_INVALID, "email: not an address: "
		    "%.64s", m->email));
	if (m->role < 0 || m->role >= ROLE_COUNT)
		return (err_set(err, ERR_INVALID, "role: unknown role"));
	if (!people_valid_slug(m->team))
		return (err_set(err, ERR_INVALID, "team: not a team slug: "
		    "%.64s", m->team));
	if (!(m->fte >= FTE_MIN - FTE_EPSILON &&
	    m->fte <= FTE_MAX + FTE_EPSILON))
		return (err_set(err, ERR_INVALID, "fte: must be between 0.1 "
		    "and 1.0"));
	if (m->days <= 0 || m->days > 0x7f)
		return (err_set(err, ERR_INVALID, "days: no working days"));
	if (m->start[0] != '\0' && !people_valid_date(m->start))
		return (err_set(err, ERR_INVALID, "start: not a date "
		    "(YYYY-MM-DD): %.64s", m->start));
	if (m->end[0] != '\0' && !people_valid_date(m->end))
		return (err_set(err, ERR_INVALID, "end: not a date "
		    "(YYYY-MM-DD): %.64s", m->end));
	if (m->start[0] != '\0' && m->end[0] != '\0' &&
	    strcmp(m->end, m->start) < 0)
		return (err_set(err, ERR_INVALID, "end: %s is before start %s",
		    m->end, m->start));
	if (!(m->limit == 0 || (m->limit >= 1 && m->limit <= LIMIT_MAX)) ||
	    isnan(m->limit))
		return (err_set(err, ERR_INVALID, "limit: must be 0 (none) or "
		    "between 1 and %d", LIMIT_MAX));
	if (m->login[0] != '\0' && !people_valid_login(m->login))
		return (err_set(err, ERR_INVALID, "login: not a login "
		    "([a-z_][a-z0-9_.-]{0,31}): %.64s", m->login));
	if (m->capacity < 0 || m->capacity > CAPACITY_MAX)
		return (err_set(err, ERR_INVALID, "capacity: must be a whole "
		    "number between 0 and %d", CAPACITY_MAX));
	return (0);
}

/*
 * The home team exists, the login is nobody else's, and a member named as
 * a team's manager or psychologist keeps that role (old: NULL when new).
 */
static int
people_member_refs(struct store *s, const struct member *m,
    const struct member *old, struct err *err)
{
	struct team	 t, *teams = NULL;
	struct member	 other;
	struct err	 e;
	size_t		 n = 0, i;
	int		 rc = 0;

	err_clear(&e);
	if (store_team_get(s, m->team, &t, &e) == -1) {
		if (e.code == ERR_NOT_FOUND)
			return (err_set(err, ERR_NOT_FOUND, "team: no such "
			    "team: %s", m->team));
		*err = e;
		return (-1);
	}
	if (m->login[0] != '\0') {
		if (store_member_by_login(s, m->login, &other, &e) == 0) {
			if (strcmp(other.slug, m->slug) != 0)
				return (err_set(err, ERR_CONFLICT, "login: %s "
				    "is already member %s's", m->login,
				    other.slug));
		} else if (e.code != ERR_NOT_FOUND) {
			*err = e;
			return (-1);
		}
	}
	if (old == NULL || old->role == m->role)
		return (0);
	if (store_member_team_roles(s, m->slug, &teams, &n, err) == -1)
		return (-1);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(teams[i].manager, m->slug) == 0 &&
		    m->role != ROLE_MANAGER)
			rc = err_set(err, ERR_CONFLICT, "role: %s is the "
			    "manager of team %s", m->slug, teams[i].slug);
		else if (strcmp(teams[i].psychologist, m->slug) == 0 &&
		    m->role != ROLE_PSYCHOLOGIST)
			rc = err_set(err, ERR_CONFLICT, "role: %s is the "
			    "psychologist of team %s", m->slug, teams[i].slug);
	}
	free(teams);
	return (rc);
}

/* Every field a user can set; over_alerted is the caseload's own. */
static int
people_member_same(const struct member *a, const struct member *b)
{
	return (strcmp(a->name, b->name) == 0 &&
	    strcmp(a->email, b->email) == 0 && a->role == b->role &&
	    strcmp(a->team, b->team) == 0 &&
	    fabs(a->fte - b->fte) < FTE_EPSILON && a->days == b->days &&
	    strcmp(a->start, b->start) == 0 && strcmp(a->end, b->end) == 0 &&
	    fabs(a->limit - b->limit) < FTE_EPSILON &&
	    strcmp(a->login, b->login) == 0 && a->capacity == b->capacity);
}

/* Update and, when the limit or the open cases may count differently, recheck. */
static int
people_member_write(struct store *s, const struct member *m,
    const struct member *old, struct err *err)
{
	if (store_member_update(s, m, err) == -1)
		return (-1);
	if (fabs(m->fte - old->fte) < FTE_EPSILON &&
	    fabs(m->limit - old->limit) < FTE_EPSILON &&
	    m->role == old->role && strcmp(m->end, old->end) == 0 &&
	    strcmp(m->team, old->team) == 0)
		return (0);
	/* Outside the daemon (unit tests, tools) there is no [caseload]. */
	if (daemon_g == NULL || daemon_g->conf == NULL)
		return (0);
	return (cases_recheck(s, daemon_g->conf, m->slug, err));
}

int
people_member_add(struct store *s, const struct member *m, struct err *err)
{
	struct member	old;
	struct err	e;

	if (people_member_validate(m, err) == -1)
		return (-1);
	err_clear(&e);
	if (store_member_get(s, m->slug, &old, &e) == 0)
		return (err_set(err, ERR_CONFLICT, "slug: member %s already "
		    "exists", m->slug));
	if (e.code != ERR_NOT_FOUND) {
		*err = e;
		return (-1);
	}
	if (people_member_refs(s, m, NULL, err) == -1)
		return (-1);
	return (store_member_insert(s, m, err));
}

int
people_member_update(struct store *s, const struct member *m,
    struct err *err)
{
	struct member	old;

	if (people_member_validate(m, err) == -1)
		return (-1);
	if (store_member_get(s, m->slug, &old, err) == -1)
		return (-1);
	if (people_member_refs(s, m, &old, err) == -1)
		return (-1);
	return (people_member_write(s, m, &old, err));
}

int
people_member_upsert(struct store *s, const struct member *m, int *changed,
    struct err *err)
{
	struct member	old;
	struct err	e;

	*changed = 0;
	if (people_member_validate(m, err) == -1)
		return (-1);
	err_clear(&e);
	if (store_member_get(s, m->slug, &old, &e) == -1) {
		if (e.code != ERR_NOT_FOUND) {
			*err = e;
			return (-1);
		}
		if (people_member_refs(s, m, NULL, err) == -1 ||
		    store_member_insert(s, m, err) == -1)
			return (-1);
		*changed = 1;
		return (0);
	}
	if (people_member_same(m, &old))
		return (0);
	if (people_member_refs(s, m, &old, err) == -1 ||
	    people_member_write(s, m, &old, err) == -1)
		return (-1);
	*changed = 2;
	return (0);
}

int
people_absence_list(struct store *s, const char *member, const char *team,
    struct absence **ap, size_t *np, struct err *err)
{
	return (store_absence_list(s, member, team, ap, np, err));
}

int
people_absence_get(struct store *s, int64_t id, struct absence *a,
    struct err *err)
{
	return (store_absence_get(s, id, a, err));
}

int
people_absence_add(struct store *s, struct absence *a, struct err *err)
{
	struct member	 m;
	struct absence	*v = NULL;
	struct err	 e;
	size_t		 n = 0, i;

	if (!people_valid_slug(a->member))
		return (err_set(err, ERR_INVALID, "member: not a valid slug: "
		    "%.64s", a->member));
	if (!people_valid_date(a->from))
		return (err_set(err, ERR_INVALID, "from: not a date "
		    "(YYYY-MM-DD): %.64s", a->from));
	if (!people_valid_date(a->to))
		return (err_set(err, ERR_INVALID, "to: not a date "
		    "(YYYY-MM-DD): %.64s", a->to));
	if (strcmp(a->to, a->from) < 0)
		return (err_set(err, ERR_INVALID, "to: %s is before from %s",
		    a->to, a->from));
	if (!people_valid_text(a->reason, REASON_MAX))
		return (err_set(err, ERR_INVALID, "reason: at most %d "
		    "characters without control characters", REASON_MAX));
	err_clear(&e);
	if (store_member_get(s, a->member, &m, &e) == -1) {
		if (e.code == ERR_NOT_FOUND)
			return (err_set(err, ERR_NOT_FOUND, "member: no such "
			    "member: %s", a->member));
		*err = e;
		return (-1);
	}
	/* The same dates twice would only need removing twice. */
	if (people_absence_list(s, a->member, NULL, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].from, a->from) != 0 ||
		    strcmp(v[i].to, a->to) != 0)
			continue;
		err_set(err, ERR_CONFLICT, "absence %lld already records %s "
		    "away from %s to %s (absence remove %lld first to change "
		    "it)", (long long)v[i].id, a->member, a->from, a->to,
		    (long long)v[i].id);
		free(v);
		return (-1);
	}
	free(v);
	return (store_absence_insert(s, a, err));
}

int
people_absence_remove(struct store *s, int64_t id, struct err *err)
{
	return (store_absence_delete(s, id, err));
}

int
people_counts(struct store *s, int *teams, int *members, struct err *err)
{
	char	today[DATE_LEN];

	people_today(today);
	return (store_people_counts(s, today, teams, members, err));
}

static int
people_member_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct member *)a)->slug,
	    ((const struct member *)b)->slug));
}

static int
people_team_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct team *)a)->slug,
	    ((const struct team *)b)->slug));
}

void
people_member_sort(struct member *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), people_member_cmp);
}

void
people_team_sort(struct team *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), people_team_cmp);
}

const struct member *
people_member_find(const struct member *v, size_t n, const char *slug)
{
	struct member	key;
	size_t		len;

	if (v == NULL || n == 0 || slug == NULL || slug[0] == '\0' ||
	    (len = strlen(slug)) >= sizeof(key.slug))
		return (NULL);
	memcpy(key.slug, slug, len + 1);
	return (bsearch(&key, v, n, sizeof(*v), people_member_cmp));
}

const struct team *
people_team_find(const struct team *v, size_t n, const char *slug)
{
	struct team	key;
	size_t		len;

	if (v == NULL || n == 0 || slug == NULL || slug[0] == '\0' ||
	    (len = strlen(slug)) >= sizeof(key.slug))
		return (NULL);
	memcpy(key.slug, slug, len + 1);
	return (bsearch(&key, v, n, sizeof(*v), people_team_cmp));
}
