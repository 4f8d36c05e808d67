/*
 * series: validation and storage of the recurring meetings, and reads of
 * the sessions planned from them.  A series is checked whole on every add
 * and set (kind and teams, RRULE and start in the configured zone, limits,
 * the psychologist's and co-facilitator's roles), so a stored series is
 * always one the planner can expand.  No SQL here (store-sessions.c), no
 * libical (ical.c), and it never writes a session: the planner does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domain.h"
#include "ical.h"
#include "people.h"
#include "series.h"
#include "store.h"
#include "util.h"

static const char *const series_kinds[SERIES_KIND_COUNT] = {
	"group_supervision", "reflective_practice"
};
static const char *const session_states[SESSION_STATE_COUNT] = {
	"planned", "cancelled", "held"
};
static const char *const attendance_names[ATTEND_COUNT] = {
	"attended", "apologies", "absent"
};

static int	series_name_parse(const char *const *, int, const char *);
static int	series_copy(char *, size_t, const char *, const char *,
		    struct err *);
static int	series_teams_parse(struct series *, const char *, int,
		    struct err *);
static int	series_valid_start(const char *);
static int	series_check(struct store *, const struct config *,
		    struct series *, struct err *);
static int	series_check_person(struct store *, const char *,
		    const char *, int, struct err *);

static int
series_name_parse(const char *const *names, int n, const char *s)
{
	int	i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return (i);
	}
	return (-1);
}

const char *
series_kind_name(int k)
{
	return (k >= 0 && k < SERIES_KIND_COUNT ? series_kinds[k] : "unknown");
}

int
series_kind_parse(const char *s)
{
	return (series_name_parse(series_kinds, SERIES_KIND_COUNT, s));
}

const char *
session_state_name(int k)
{
	return (k >= 0 && k < SESSION_STATE_COUNT ? session_states[k] :
	    "unknown");
}

int
session_state_parse(const char *s)
{
	return (series_name_parse(session_states, SESSION_STATE_COUNT, s));
}

int
session_booking_cmp(const void *a, const void *b)
{
	const struct session_booking	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (strcmp(x->series, y->series));
}

const char *
attendance_name(int k)
{
	return (k >= 0 && k < ATTEND_COUNT ? attendance_names[k] : NULL);
}

int
attendance_parse(const char *s)
{
	return (series_name_parse(attendance_names, ATTEND_COUNT, s));
}

void
series_init(struct series *r, int kind)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->slots = kind == SERIES_GROUP_SUPERVISION ? 2 : 0;
	r->duration = 90;
}

static int
series_copy(char *dst, size_t size, const char *field, const char *v,
    struct err *err)
{
	const unsigned char	*p;

	if (strlen(v) >= size)
		return (err_set(err, ERR_INVALID, "%s: too long (at most %zu "
		    "characters)", field, size - 1));
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (err_set(err, ERR_INVALID, "%s: control "
			    "characters are not allowed", field));
	}
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

/* "a,b" into the teams; one: exactly one team (team=). */
static int
series_teams_parse(struct series *r, const char *v, int one,
    struct err *err)
{
	const char	*field = one ? "team" : "teams";
	char		**list;
	size_t		 n, i, j;
	int		 rc = -1;

	list = util_split_list(v, &n);
	if (n == 0) {
		err_set(err, ERR_INVALID, "%s: at least one team", field);
		goto out;
	}
	if (one && n != 1) {
		err_set(err, ERR_INVALID, "team: one team (use teams= for "
		    "several)");
		goto out;
	}
	if (n > SERIES_MAX_TEAMS) {
		err_set(err, ERR_INVALID, "%s: at most %d teams", field,
		    SERIES_MAX_TEAMS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!people_valid_slug(list[i])) {
			err_set(err, ERR_INVALID, "%s: not a team slug: %s",
			    field, list[i]);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(list[i], list[j]) == 0) {
				err_set(err, ERR_INVALID, "%s: %s twice",
				    field, list[i]);
				goto out;
			}
		}
	}
	for (i = 0; i < n; i++)
		snprintf(r->teams[i], sizeof(r->teams[i]), "%s", list[i]);
	r->nteams = n;
	rc = 0;
out:
	util_free_list(list, n);
	return (rc);
}

/* Exactly "YYYY-MM-DDTHH:MM": the form stored and shown. */
static int
series_valid_start(const char *s)
{
	static const char	pat[] = "dddd-dd-ddTdd:dd";
	size_t			i;

	if (strlen(s) != sizeof(pat) - 1)
		return (0);
	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return (0);
	}
	return (1);
}

int
series_set_field(struct series *r, const char *key, const char *v,
    struct err *err)
{
	long long	ll;
	int		k;

	if (strcmp(key, "kind") == 0) {
		if ((k = series_kind_parse(v)) == -1)
			return (err_set(err, ERR_INVALID, "kind: must be "
			    "group_supervision or reflective_practice"));
		r->kind = k;
	} else if (strcmp(key, "team") == 0)
		return (series_teams_parse(r, v, 1, err));
	else if (strcmp(key, "teams") == 0)
		return (series_teams_parse(r, v, 0, err));
	else if (strcmp(key, "rrule") == 0) {
		if (strncmp(v, "RRULE:", 6) == 0)
			v += 6;
		if (*v == '\0')
			return (err_set(err, ERR_INVALID, "rrule: empty"));
		return (series_copy(r->rrule, sizeof(r->rrule), "rrule", v,
		    err));
	} else if (strcmp(key, "start") == 0) {
		if (!series_valid_start(v))
			return (err_set(err, ERR_INVALID, "start: want local "
			    "YYYY-MM-DDTHH:MM, got %s", v));
		memcpy(r->start, v, SERIES_START_LEN);
	} else if (strcmp(key, "duration") == 0) {
		if (util_parse_int(v, SERIES_DURATION_MIN, SERIES_DURATION_MAX,
		    &ll) == -1)
			return (err_set(err, ERR_INVALID, "duration: minutes "
			    "from %d to %d", SERIES_DURATION_MIN,
			    SERIES_DURATION_MAX));
		r->duration = (int)ll;
	} else if (strcmp(key, "slots") == 0) {
		if (util_parse_int(v, 0, SERIES_SLOTS_MAX, &ll) == -1)
			return (err_set(err, ERR_INVALID, "slots: from 0 to %d",
			    SERIES_SLOTS_MAX));
		r->slots = (int)ll;
	} else if (strcmp(key, "location") == 0)
		return (series_copy(r->location, sizeof(r->location),
		    "location", v, err));
	else if (strcmp(key, "psychologist") == 0 ||
	    strcmp(key, "cofacilitator") == 0) {
		if (*v != '\0' && !people_valid_slug(v))
			return (err_set(err, ERR_INVALID, "%s: not a member "
			    "slug: %s", key, v));
		if (key[0] == 'p')
			snprintf(r->psychologist, sizeof(r->psychologist),
			    "%s", v);
		else
			snprintf(r->cofacilitator, sizeof(r->cofacilitator),
			    "%s", v);
	} else
		return (err_set(err, ERR_USAGE, "unknown series field: %s",
		    key));
	return (0);
}

int
series_dtstart(const struct series *r, const char *tz, time_t *t,
    struct err *err)
{
	if (ical_local_time(tz, r->start, t, err) == -1) {
		if (err != NULL) {
			char	msg[ERR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			err_set(err, ERR_INVALID, "start: %s", msg);
		}
		return (-1);
	}
	return (0);
}

static int
series_check_person(struct store *s, const char *field, const char *slug,
    int psychologist, struct err *err)
{
	struct member	m;

	if (people_member_get(s, slug, &m, err) == -1) {
		if (err != NULL && err->code == ERR_NOT_FOUND)
			err_set(err, ERR_NOT_FOUND, "%s: no such member: %s",
			    field, slug);
		return (-1);
	}
	if (psychologist && m.role != ROLE_PSYCHOLOGIST)
		return (err_set(err, ERR_INVALID, "%s: %s is a %s, not a "
		    "psychologist", field, slug, role_name(m.role)));
	if (m.end[0] != '\0')
		return (err_set(err, ERR_INVALID, "%s: %s has left (%s)",
		    field, slug, m.end));
	return (0);
}

static int
series_check(struct store *s, const struct config *conf, struct series *r,
    struct err *err)
{
	struct team	t;
	time_t		dtstart;
	char		msg[ERR_MSG_MAX];
	size_t		i;

	if (!people_valid_slug(r->slug))
		return (err_set(err, ERR_INVALID, "slug: want "
		    "[a-z0-9][a-z0-9-]{0,31}, got %s", r->slug));
	if (r->nteams == 0)
		return (err_set(err, ERR_INVALID, "%s: at least one team",
		    r->kind == SERIES_GROUP_SUPERVISION ? "team" : "teams"));
	if (r->kind == SERIES_GROUP_SUPERVISION && r->nteams != 1)
		return (err_set(err, ERR_INVALID, "team: group supervision is "
		    "for exactly one team"));
	for (i = 0; i < r->nteams; i++) {
		if (people_team_get(s, r->teams[i], &t, err) == -1) {
			if (err != NULL && err->code == ERR_NOT_FOUND)
				err_set(err, ERR_NOT_FOUND, "%s: no such "
				    "team: %s", r->nteams == 1 ? "team" :
				    "teams", r->teams[i]);
			return (-1);
		}
		if (i == 0 && r->psychologist[0] == '\0' &&
		    r->kind == SERIES_REFLECTIVE_PRACTICE) {
			if (t.psychologist[0] == '\0')
				return (err_set(err, ERR_INVALID,
				    "psychologist: required (team %s has "
				    "none)", t.slug));
			snprintf(r->psychologist, sizeof(r->psychologist),
			    "%s", t.psychologist);
		}
	}
	if (r->rrule[0] == '\0')
		return (err_set(err, ERR_INVALID, "rrule: required"));
	if (r->start[0] == '\0')
		return (err_set(err, ERR_INVALID, "start: required"));
	if (r->duration < SERIES_DURATION_MIN ||
	    r->duration > SERIES_DURATION_MAX)
		return (err_set(err, ERR_INVALID, "duration: minutes from %d "
		    "to %d", SERIES_DURATION_MIN, SERIES_DURATION_MAX));
	if (r->psychologist[0] != '\0' && series_check_person(s,
	    "psychologist", r->psychologist, 1, err) == -1)
		return (-1);
	if (r->cofacilitator[0] != '\0') {
		if (strcmp(r->cofacilitator, r->psychologist) == 0)
			return (err_set(err, ERR_INVALID, "cofacilitator: "
			    "the same as the psychologist"));
		if (series_check_person(s, "cofacilitator", r->cofacilitator,
		    0, err) == -1)
			return (-1);
	}
	if (series_dtstart(r, conf->timezone, &dtstart, err) == -1)
		return (-1);
	if (ical_rrule_check(r->rrule, conf->timezone, dtstart,
	    conf->horizon_days, err) == -1) {
		if (err != NULL) {
			snprintf(msg, sizeof(msg), "%s", err->msg);
			err_set(err, ERR_INVALID, "rrule: %s", msg);
		}
		return (-1);
	}
	return (0);
}

int
series_get(struct store *s, const char *slug, struct series *r,
    struct err *err)
{
	return (store_series_get(s, slug, r, err));
}

int
series_list(struct store *s, const char *team, struct series **v,
    size_t *n, struct err *err)
{
	return (store_series_list(s, team, v, n, err));
}

int
series_add(struct store *s, const struct config *conf, struct series *r,
    time_t now, struct err *err)
{
	if (series_check(s, conf, r, err) == -1)
		return (-1);
	r->created = now;
	return (store_series_insert(s, r, err));
}

int
series_update(struct store *s, const struct config *conf, struct series *r,
    struct err *err)
{
	if (series_check(s, conf, r, err) == -1)
		return (-1);
	return (store_series_update(s, r, err));
}

int
series_remove(struct store *s, const char *slug, struct err *err)
{
	return (store_series_delete(s, slug, err));
}

size_t
series_session_teams(const struct session *x,
    char teams[SERIES_MAX_TEAMS][SLUG_MAX + 1])
{
	const char	*p = x->teams, *q;
	size_t		 n = 0, len;

	while (*p != '\0' && n < SERIES_MAX_TEAMS) {
		if ((q = strchr(p, ',')) == NULL)
			q = p + strlen(p);
		len = (size_t)(q - p);
		if (len > 0 && len <= SLUG_MAX) {
			memcpy(teams[n], p, len);
			teams[n][len] = '\0';
			n++;
		}
		p = *q == ',' ? q + 1 : q;
	}
	return (n);
}

int
series_session_get(struct store *s, const char *id, struct session *x,
    struct err *err)
{
	return (store_session_get(s, id, x, err));
}

int
series_session_attendees(struct store *s, const char *id,
    struct session_attendee **v, size_t *n, struct err *err)
{
	return (store_attendees_get(s, id, v, n, err));
}

int
series_sessions(struct store *s, time_t from, time_t until,
    const char *team, const char *member, const char *psychologist,
    struct session **v, size_t *n, struct err *err)
{
	return (store_session_list(s, from, until, NULL, team, member,
	    psychologist, v, n, err));
}

int
series_last_attended(struct store *s, struct session_last **v, size_t *n,
    struct err *err)
{
	return (store_attendance_last(s, v, n, err));
}
