/*
 * Teams, members and absences: validation, referential rules and the
 * changes the commands and CSV imports make.  Every write runs inside the
 * caller's store transaction (cmd.c opens it; csvimport.c opens one for a
 * whole file).  No SQL here: the store-people.c functions hold it.
 */
#ifndef REFLECTD_PEOPLE_H
#define REFLECTD_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

#define SLUG_MAX	32	/* [a-z0-9][a-z0-9-]{0,31} */
#define REF_MAX		32	/* [A-Za-z0-9][A-Za-z0-9/_-]{0,31} */
#define DATE_LEN	11	/* "YYYY-MM-DD" and NUL; "" = none */
#define NAME_MAX_LEN	128
#define EMAIL_MAX_LEN	254
#define LOGIN_MAX	32
#define REASON_MAX	200

enum team_kind {
	TEAM_MAST = 0,
	TEAM_CONNECT,
	TEAM_LEAVING_CARE,
	TEAM_FOSTERING,
	TEAM_OTHER,
	TEAM_KIND_COUNT
};

/* Working days: bit 0 Monday .. bit 6 Sunday. */
#define DAYS_WEEKDAYS	0x1f

struct team {
	char	slug[SLUG_MAX + 1];
	char	name[NAME_MAX_LEN + 1];
	int	kind;				/* enum team_kind */
	char	manager[SLUG_MAX + 1];		/* member slug or "" */
	char	psychologist[SLUG_MAX + 1];	/* member slug or "" */
};

struct member {
	char	slug[SLUG_MAX + 1];
	char	name[NAME_MAX_LEN + 1];
	char	email[EMAIL_MAX_LEN + 1];
	int	role;				/* enum role */
	char	team[SLUG_MAX + 1];		/* home team */
	double	fte;				/* 0.1 .. 1.0 */
	int	days;				/* working days mask */
	char	start[DATE_LEN];		/* "" = always */
	char	end[DATE_LEN];			/* "" = not a leaver */
	double	limit;				/* caseload override, 0 = none */
	char	login[LOGIN_MAX + 1];		/* unix user or "" */
	int	capacity;			/* psychologists: sessions/week */
	int	over_alerted;			/* caseload alert sent, not yet cleared */
};

struct absence {
	int64_t	id;
	char	member[SLUG_MAX + 1];
	char	from[DATE_LEN];
	char	to[DATE_LEN];
	char	reason[REASON_MAX + 1];
};

/* Names and syntax shared by commands and imports. */
const char	*team_kind_name(int);
int		 team_kind_parse(const char *);		/* -1 unknown */
int		 people_valid_slug(const char *);
int		 people_valid_ref(const char *);
int		 people_valid_email(const char *);
/* "MO,TU,WE" -> mask; -1 bad.  Format back into buf (>= 21 bytes). */
int		 people_days_parse(const char *);
char		*people_days_format(int, char *, size_t);
/* A "YYYY-MM-DD" that is a real date; 1 yes, 0 no. */
int		 people_valid_date(const char *);
/* Active on date (YYYY-MM-DD): started and not left. */
int		 people_member_active(const struct member *, const char *date);

/*
 * Reads: 0 found, -1 with ERR_NOT_FOUND ("no such member: X") or
 * ERR_INTERNAL.
 */
int	people_team_get(struct store *, const char *slug, struct team *,
	    struct err *);
int	people_member_get(struct store *, const char *slug, struct member *,
	    struct err *);
/* The member whose login is user; ERR_NOT_FOUND if none. */
int	people_member_by_login(struct store *, const char *user,
	    struct member *, struct err *);
/* All teams / members (team NULL = all), ordered by slug. Free with free(). */
int	people_team_list(struct store *, struct team **, size_t *,
	    struct err *);
int	people_member_list(struct store *, const char *team, struct member **,
	    size_t *, struct err *);
/* Teams whose manager is the member (for the ACL). */
int	people_teams_managed(struct store *, const char *member,
	    struct team **, size_t *, struct err *);
int	people_absence_list(struct store *, const char *member,
	    const char *team, struct absence **, size_t *, struct err *);

/*
 * Writes, inside the caller's transaction.  Each validates the whole record
 * (field syntax, ranges, references: a team's manager and psychologist exist
 * with those roles; a member's team exists) and fails with ERR_INVALID,
 * ERR_NOT_FOUND or ERR_CONFLICT naming the field.
 */
int	people_team_add(struct store *, const struct team *, struct err *);
int	people_team_update(struct store *, const struct team *, struct err *);
int	people_team_remove(struct store *, const char *slug, struct err *);
int	people_member_add(struct store *, const struct member *, struct err *);
int	people_member_update(struct store *, const struct member *,
	    struct err *);
/*
 * Insert or update by slug, for imports: *changed = 0 unchanged,
 * 1 inserted, 2 updated.
 */
int	people_member_upsert(struct store *, const struct member *,
	    int *changed, struct err *);
int	people_absence_add(struct store *, struct absence *, struct err *);
int	people_absence_remove(struct store *, int64_t id, struct err *);
/*
 * Arrays read once per run: sort by slug, then find by slug (NULL if absent
 * or slug is NULL/empty).  people_*_list already return slug order.
 */
void		 people_member_sort(struct member *, size_t);
void		 people_team_sort(struct team *, size_t);
const struct member *people_member_find(const struct member *, size_t,
		    const char *slug);
const struct team *people_team_find(const struct team *, size_t,
		    const char *slug);
/* Counts for status. */
int	people_counts(struct store *, int *teams, int *members,
	    struct err *);

/* Additions beyond the pinned interface. */
#define CAPACITY_DEFAULT	6
/* A member with the defaults: fte 1, weekdays, capacity 6. */
void	people_member_init(struct member *);
/*
 * Set one field from its command or CSV text ("fte", "0.5"), checking its
 * syntax and range: ERR_USAGE for an unknown key, ERR_INVALID naming the
 * field otherwise.  The slug is not a field.  "" clears optional fields.
 */
int	people_team_set(struct team *, const char *key, const char *value,
	    struct err *);
int	people_member_set(struct member *, const char *key,
	    const char *value, struct err *);
int	people_absence_get(struct store *, int64_t id, struct absence *,
	    struct err *);
/* Today in the configured zone by the daemon's clock. */
void	people_today(char buf[DATE_LEN]);

#endif
