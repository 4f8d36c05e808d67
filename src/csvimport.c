/*
 * CSV imports of members, cases and absences (SPEC section 8) with libcsv.
 * The body is fed to libcsv one physical line at a time so that every
 * record knows the line it starts on, even when a quoted field spans lines.
 * The header maps columns to the fields we know; every other column is
 * dropped inside the field callback, so its values are never copied into a
 * record, an error, a log line or the database.  Each row is checked for
 * syntax and, if sound, applied at once through the people and cases
 * modules inside a savepoint; any error anywhere (syntax, duplicate key, a
 * reference the modules refuse) rolls the savepoint back, so nothing of the
 * file is applied, and every error is reported with its line.  A dry run
 * rolls back a clean file too, after counting.  No SQL here, no logging of
 * row contents at any level.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "cases.h"
#include "clock.h"
#include "csvimport.h"
#include "domain.h"
#include "people.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "warnings.h"
#include "xmalloc.h"

#define CSVIMPORT_COLS_MAX	12	/* most known columns of any kind */
#define CSVIMPORT_ERRORS_MAX	1000	/* errors listed in the result */
#define CSVIMPORT_MSG_MAX	300
#define CSVIMPORT_SAVEPOINT	"csvimport"
#define CSVIMPORT_CAPACITY	6	/* psychologists' default */

struct csvimport;

struct csvimport_spec {
	const char		*what;
	const char *const	*cols;		/* known columns, NULL-terminated */
	size_t			 nrequired;	/* the first n are required */
	const char		*required;	/* them, for messages */
	void			(*row)(struct csvimport *);
};

struct csvimport_error {
	int	 line;
	size_t	 seq;		/* keeps errors of one line in order */
	char	*msg;
};

struct csvimport_key {
	char	*key;
	int	 line;
};

struct csvimport {
	struct store			*store;
	const struct config		*conf;
	const struct csvimport_opts	*opts;
	const struct csvimport_spec	*spec;

	int		 line;		/* physical line being fed */
	int		 rec_line;	/* line the current record starts on */
	int		 awaiting;	/* the next non-blank line starts one */
	int		 header_done;
	int		 stop;		/* header unusable: parse no rows */
	int		 fatal;		/* internal error: give up */
	struct err	 fatal_err;

	char		**hdr;		/* header names while reading it */
	size_t		 nhdr;
	int		*colmap;	/* header position -> known column, -1 */
	size_t		 ncolmap;

	size_t		 field;		/* fields seen in the current record */
	char		*vals[CSVIMPORT_COLS_MAX];

	struct csvimport_error	*errs;
	size_t			 nerrs;		/* listed */
	size_t			 errs_cap;
	size_t			 errors;	/* all, listed or not */

	struct csvimport_key	*keys;
	size_t			 nkeys;
	size_t			 keys_cap;

	json_t		*ignored;	/* header names of dropped columns */
	json_t		*warnings;	/* [text]: what the import leaves to fix */

	size_t		 inserted;
	size_t		 updated;
	size_t		 unchanged;
	size_t		 closed;

	/* Absences already present for the last member asked about. */
	char		 abs_member[SLUG_MAX + 1];
	struct absence	*abs;
	size_t		 nabs;
	int		 abs_valid;
};

static void	 csvimport_error(struct csvimport *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 csvimport_text_ok(struct csvimport *, const char *,
		    const char *);
static int	 csvimport_copy(struct csvimport *, int, char *, size_t);
static const char *csvimport_val(struct csvimport *, int);
static int	 csvimport_date(struct csvimport *, int, char *);
static void	 csvimport_key_add(struct csvimport *, const char *);
static void	 csvimport_applied(struct csvimport *, int, int,
		    struct err *);
static void	 csvimport_member_row(struct csvimport *);
static int	 csvimport_has(const struct csvimport *, int);
static void	 csvimport_case_row(struct csvimport *);
static void	 csvimport_absence_row(struct csvimport *);
static void	 csvimport_attendance_row(struct csvimport *);
static int	 csvimport_absence_known(struct csvimport *,
		    const struct absence *, int *);
static void	 csvimport_header(struct csvimport *);
static void	 csvimport_unknown(struct csvimport *, const char *,
		    const int *);
static void	 csvimport_squash(const char *, char *, size_t);
static void	 csvimport_field_cb(void *, size_t, void *);
static void	 csvimport_record_cb(int, void *);
static void	 csvimport_parse(struct csvimport *, const char *, size_t);
static int	 csvimport_key_cmp(const void *, const void *);
static int	 csvimport_error_cmp(const void *, const void *);
static void	 csvimport_duplicates(struct csvimport *);
static json_t	*csvimport_json_str(const char *);
static json_t	*csvimport_result(struct csvimport *);
static void	 csvimport_clear(struct csvimport *);

enum {
	M_SLUG = 0, M_NAME, M_EMAIL, M_ROLE, M_TEAM, M_FTE, M_DAYS, M_START,
	M_END, M_LIMIT, M_LOGIN, M_CAPACITY
};
static const char *const csvimport_member_cols[] = {
	"slug", "name", "email", "role", "team", "fte", "days", "start",
	"end", "limit", "login", "capacity", NULL
};

enum { C_REF = 0, C_KIND, C_LEAD, C_COWORKER, C_OPENED, C_CLOSED };
static const char *const csvimport_case_cols[] = {
	"ref", "kind", "lead", "coworker", "opened", "closed", NULL
};

enum { A_MEMBER = 0, A_FROM, A_TO, A_REASON };
static const char *const csvimport_absence_cols[] = {
	"member", "from", "to", "reason", NULL
};

enum { T_MEMBER = 0, T_DATE, T_STATUS };
static const char *const csvimport_attendance_cols[] = {
	"member", "date", "status", NULL
};

static const struct csvimport_spec csvimport_specs[] = {
	[CSVIMPORT_MEMBERS] = { "members", csvimport_member_cols, 5,
	    "slug,name,email,role,team", csvimport_member_row },
	[CSVIMPORT_CASES] = { "cases", csvimport_case_cols, 3,
	    "ref,kind,lead", csvimport_case_row },
	[CSVIMPORT_ABSENCES] = { "absences", csvimport_absence_cols, 3,
	    "member,from,to", csvimport_absence_row },
	[CSVIMPORT_ATTENDANCE] = { "attendance", csvimport_attendance_cols, 2,
	    "member,date", csvimport_attendance_row },
};

static void
csvimport_error(struct csvimport *ci, int line, const char *fmt, ...)
{
	struct csvimport_error	*e;
	char			 buf[CSVIMPORT_MSG_MAX];
	va_list			 ap;

	ci->errors++;
	if (ci->nerrs >= CSVIMPORT_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ci->nerrs == ci->errs_cap) {
		ci->errs_cap = ci->errs_cap == 0 ? 16 : ci->errs_cap * 2;
		ci->errs = xreallocarray(ci->errs, ci->errs_cap,
		    sizeof(*ci->errs));
	}
	e = &ci->errs[ci->nerrs];
	e->line = line;
	e->seq = ci->nerrs;
	e->msg = xstrdup(buf);
	ci->nerrs++;
}

/*
 * Valid UTF-8 without control characters: such bytes would garble the JSON
 * reply, mail headers and terminals.  Overlong forms and surrogates are
 * refused too.
 */
static int
csvimport_text_ok(struct csvimport *ci, const char *col, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 cp;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				goto control;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			goto bad;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (cp >= 0x80 && cp <= 0x9f)
			goto control;
		p += n + 1;
	}
	return (1);
bad:
	csvimport_error(ci, ci->rec_line, "%s: not valid UTF-8", col);
	return (0);
control:
	csvimport_error(ci, ci->rec_line, "%s: control characters or line "
	    "breaks are not allowed", col);
	return (0);
}

/* The trimmed value of known column c, "" if absent. */
static const char *
csvimport_val(struct csvimport *ci, int c)
{
	return (ci->vals[c] != NULL ? ci->vals[c] : "");
}

/* Is known column c in the file's header at all? */
static int
csvimport_has(const struct csvimport *ci, int c)
{
	size_t	i;

	for (i = 0; i < ci->ncolmap; i++)
		if (ci->colmap[i] == c)
			return (1);
	return (0);
}

/* Copy column c into dst (size bytes with the NUL); 0 and an error if not. */
static int
csvimport_copy(struct csvimport *ci, int c, char *dst, size_t size)
{
	const char	*v = csvimport_val(ci, c);
	const char	*col = ci->spec->cols[c];

	if (strlen(v) >= size) {
		csvimport_error(ci, ci->rec_line, "%s: longer than %zu "
		    "characters", col, size - 1);
		return (0);
	}
	if (!csvimport_text_ok(ci, col, v))
		return (0);
	memcpy(dst, v, strlen(v) + 1);
	return (1);
}

/* An optional date column into dst[DATE_LEN]; "" stays "". */
static int
csvimport_date(struct csvimport *ci, int c, char *dst)
{
	const char	*v = csvimport_val(ci, c);

	dst[0] = '\0';
	if (*v == '\0')
		return (1);
	if (strlen(v) >= DATE_LEN || !people_valid_date(v)) {
		if (csvimport_text_ok(ci, ci->spec->cols[c], v))
			csvimport_error(ci, ci->rec_line, "%s: not a date "
			    "(YYYY-MM-DD): %s", ci->spec->cols[c], v);
		return (0);
	}
	memcpy(dst, v, strlen(v) + 1);
	return (1);
}

static void
csvimport_key_add(struct csvimport *ci, const char *key)
{
	if (ci->nkeys == ci->keys_cap) {
		ci->keys_cap = ci->keys_cap == 0 ? 256 : ci->keys_cap * 2;
		ci->keys = xreallocarray(ci->keys, ci->keys_cap,
		    sizeof(*ci->keys));
	}
	ci->keys[ci->nkeys].key = xstrdup(key);
	ci->keys[ci->nkeys].line = ci->rec_line;
	ci->nkeys++;
}

/* Count what a write did, or make its refusal a row error. */
static void
csvimport_applied(struct csvimport *ci, int rc, int changed, struct err *err)
{
	if (rc == -1) {
		if (err->code == ERR_INTERNAL || err->code == ERR_NONE) {
			ci->fatal = 1;
			ci->fatal_err = *err;
			if (ci->fatal_err.code == ERR_NONE)
				err_set(&ci->fatal_err, ERR_INTERNAL,
				    "import failed");
			return;
		}
		csvimport_error(ci, ci->rec_line, "%s", err->msg);
		return;
	}
	if (changed == 1)
		ci->inserted++;
	else if (changed == 2)
		ci->updated++;
	else
		ci->unchanged++;
}

static void
csvimport_member_row(struct csvimport *ci)
{
	struct member	 m, old;
	struct err	 err;
	const char	*v;
	long long	 ll;
	size_t		 before = ci->errors;
	int		 changed = 0, rc;

	memset(&m, 0, sizeof(m));
	memset(&old, 0, sizeof(old));
	m.fte = 1.0;
	m.days = DAYS_WEEKDAYS;
	m.capacity = CSVIMPORT_CAPACITY;

	if (csvimport_copy(ci, M_SLUG, m.slug, sizeof(m.slug))) {
		if (!people_valid_slug(m.slug))
			csvimport_error(ci, ci->rec_line, "slug: not a valid "
			    "slug ([a-z0-9][a-z0-9-]{0,31}): %s", m.slug);
		else
			csvimport_key_add(ci, m.slug);
	}
	if (csvimport_copy(ci, M_NAME, m.name, sizeof(m.name)) &&
	    m.name[0] == '\0')
		csvimport_error(ci, ci->rec_line, "name: empty");
	if (csvimport_copy(ci, M_EMAIL, m.email, sizeof(m.email)) &&
	    !people_valid_email(m.email))
		csvimport_error(ci, ci->rec_line, "email: not an address: %s",
		    m.email);
	v = csvimport_val(ci, M_ROLE);
	if ((m.role = role_parse(v)) == -1 &&
	    csvimport_text_ok(ci, "role", v))
		csvimport_error(ci, ci->rec_line, "role: unknown role: %s", v);
	if (csvimport_copy(ci, M_TEAM, m.team, sizeof(m.team)) &&
	    !people_valid_slug(m.team))
		csvimport_error(ci, ci->rec_line, "team: not a valid slug: %s",
		    m.team);
	if (*(v = csvimport_val(ci, M_FTE)) != '\0' &&
	    util_parse_double(v, 0.1, 1.0, &m.fte) == -1 &&
	    csvimport_text_ok(ci, "fte", v))
		csvimport_error(ci, ci->rec_line, "fte: not a number from 0.1 "
		    "to 1.0: %s", v);
	if (*(v = csvimport_val(ci, M_DAYS)) != '\0' &&
	    (m.days = people_days_parse(v)) == -1 &&
	    csvimport_text_ok(ci, "days", v))
		csvimport_error(ci, ci->rec_line, "days: not a list of MO, TU, "
		    "WE, TH, FR, SA, SU: %s", v);
	csvimport_date(ci, M_START, m.start);
	csvimport_date(ci, M_END, m.end);
	if (m.start[0] != '\0' && m.end[0] != '\0' &&
	    strcmp(m.end, m.start) < 0)
		csvimport_error(ci, ci->rec_line, "end: before start");
	if (*(v = csvimport_val(ci, M_LIMIT)) != '\0' &&
	    util_parse_double(v, 0.0, 1000.0, &m.limit) == -1 &&
	    csvimport_text_ok(ci, "limit", v))
		csvimport_error(ci, ci->rec_line, "limit: not a number from 0 "
		    "to 1000: %s", v);
	csvimport_copy(ci, M_LOGIN, m.login, sizeof(m.login));
	if (*(v = csvimport_val(ci, M_CAPACITY)) != '\0') {
		if (util_parse_int(v, 0, 50, &ll) == -1) {
			if (csvimport_text_ok(ci, "capacity", v))
				csvimport_error(ci, ci->rec_line, "capacity: "
				    "not a whole number from 0 to 50: %s", v);
		} else
			m.capacity = (int)ll;
	}
	if (ci->errors != before || ci->errors >= CSVIMPORT_ERRORS_MAX)
		return;

	/*
	 * A column the file does not have keeps what the member has: an HR
	 * export without login= must not unmap everyone from their user.
	 */
	err_clear(&err);
	if (people_member_get(ci->store, m.slug, &old, &err) == 0) {
		if (!csvimport_has(ci, M_FTE))
			m.fte = old.fte;
		if (!csvimport_has(ci, M_DAYS))
			m.days = old.days;
		if (!csvimport_has(ci, M_START))
			memcpy(m.start, old.start, sizeof(m.start));
		if (!csvimport_has(ci, M_END))
			memcpy(m.end, old.end, sizeof(m.end));
		if (!csvimport_has(ci, M_LIMIT))
			m.limit = old.limit;
		if (!csvimport_has(ci, M_LOGIN))
			memcpy(m.login, old.login, sizeof(m.login));
		if (!csvimport_has(ci, M_CAPACITY))
			m.capacity = old.capacity;
	}
	err_clear(&err);
	rc = people_member_upsert(ci->store, &m, &changed, &err);
	csvimport_applied(ci, rc, changed, &err);
	if (rc == 0 && warnings_member(ci->store, ci->conf, &m, ci->warnings,
	    &err) == -1)
		csvimport_applied(ci, -1, 0, &err);
}

static void
csvimport_case_row(struct csvimport *ci)
{
	struct casefile	 c;
	struct err	 err;
	const char	*v;
	size_t		 before = ci->errors;
	int		 changed = 0, rc;

	memset(&c, 0, sizeof(c));
	if (csvimport_copy(ci, C_REF, c.ref, sizeof(c.ref))) {
		if (!people_valid_ref(c.ref))
			csvimport_error(ci, ci->rec_line, "ref: not a valid case "
			    "reference ([A-Za-z0-9][A-Za-z0-9/_-]{0,31})");
		else
			csvimport_key_add(ci, c.ref);
	}
	v = csvimport_val(ci, C_KIND);
	if ((c.kind = case_kind_parse(v)) == -1 &&
	    csvimport_text_ok(ci, "kind", v))
		csvimport_error(ci, ci->rec_line, "kind: unknown case kind: %s",
		    v);
	if (csvimport_copy(ci, C_LEAD, c.lead, sizeof(c.lead)) &&
	    !people_valid_slug(c.lead))
		csvimport_error(ci, ci->rec_line, "lead: not a valid slug: %s",
		    c.lead);
	if (csvimport_copy(ci, C_COWORKER, c.coworker, sizeof(c.coworker)) &&
	    c.coworker[0] != '\0') {
		if (!people_valid_slug(c.coworker))
			csvimport_error(ci, ci->rec_line, "coworker: not a "
			    "valid slug: %s", c.coworker);
		else if (strcmp(c.coworker, c.lead) == 0)
			csvimport_error(ci, ci->rec_line, "coworker: the same "
			    "member as lead");
	}
	csvimport_date(ci, C_OPENED, c.opened);
	csvimport_date(ci, C_CLOSED, c.closed);
	if (c.opened[0] != '\0' && c.closed[0] != '\0' &&
	    strcmp(c.closed, c.opened) < 0)
		csvimport_error(ci, ci->rec_line, "closed: before opened");
	if (ci->errors != before || ci->errors >= CSVIMPORT_ERRORS_MAX)
		return;

	err_clear(&err);
	rc = cases_upsert(ci->store, ci->conf, &c, &changed, &err);
	csvimport_applied(ci, rc, changed, &err);
}

/* Is an absence with the same member, from and to there already? */
static int
csvimport_absence_known(struct csvimport *ci, const struct absence *a,
    int *known)
{
	struct err	err;
	size_t		i;

	if (!ci->abs_valid || strcmp(ci->abs_member, a->member) != 0) {
		free(ci->abs);
		ci->abs = NULL;
		ci->nabs = 0;
		ci->abs_valid = 0;
		err_clear(&err);
		if (people_absence_list(ci->store, a->member, NULL, &ci->abs,
		    &ci->nabs, &err) == -1) {
			csvimport_applied(ci, -1, 0, &err);
			return (-1);
		}
		memcpy(ci->abs_member, a->member, sizeof(ci->abs_member));
		ci->abs_valid = 1;
	}
	*known = 0;
	for (i = 0; i < ci->nabs; i++) {
		if (strcmp(ci->abs[i].from, a->from) == 0 &&
		    strcmp(ci->abs[i].to, a->to) == 0)
			*known = 1;
	}
	return (0);
}

static void
csvimport_absence_row(struct csvimport *ci)
{
	struct absence	 a;
	struct err	 err;
	char		*key;
	size_t		 before = ci->errors;
	int		 known = 0, rc;

	memset(&a, 0, sizeof(a));
	if (csvimport_copy(ci, A_MEMBER, a.member, sizeof(a.member)) &&
	    !people_valid_slug(a.member))
		csvimport_error(ci, ci->rec_line, "member: not a valid slug: "
		    "%s", a.member);
	if (csvimport_val(ci, A_FROM)[0] == '\0')
		csvimport_error(ci, ci->rec_line, "from: empty");
	else
		csvimport_date(ci, A_FROM, a.from);
	if (csvimport_val(ci, A_TO)[0] == '\0')
		csvimport_error(ci, ci->rec_line, "to: empty");
	else
		csvimport_date(ci, A_TO, a.to);
	if (a.from[0] != '\0' && a.to[0] != '\0' &&
	    strcmp(a.to, a.from) < 0)
		csvimport_error(ci, ci->rec_line, "to: before from");
	csvimport_copy(ci, A_REASON, a.reason, sizeof(a.reason));
	if (ci->errors != before)
		return;
	xasprintf(&key, "%s %s %s", a.member, a.from, a.to);
	csvimport_key_add(ci, key);
	free(key);
	if (ci->errors >= CSVIMPORT_ERRORS_MAX)
		return;

	if (csvimport_absence_known(ci, &a, &known) == -1)
		return;
	if (known) {
		ci->unchanged++;
		return;
	}
	err_clear(&err);
	rc = people_absence_add(ci->store, &a, &err);
	csvimport_applied(ci, rc, 1, &err);
	/* The cached list no longer holds every absence of the member. */
	ci->abs_valid = 0;
}

/* Lower case without '-', '_' and blanks: "Co-Worker" is "coworker". */
static void
csvimport_squash(const char *h, char *buf, size_t size)
{
	size_t	n = 0;

	for (; *h != '\0' && n + 1 < size; h++) {
		if (*h == '-' || *h == '_' || *h == ' ' || *h == '\t')
			continue;
		buf[n++] = (char)tolower((unsigned char)*h);
	}
	buf[n] = '\0';
}

/*
 * A column we do not know is dropped (its values never read) and named in
 * ignored_columns; one that looks like a known column the file lacks
 * ("co-worker", "working_days") is also a warning, so the data it was
 * meant to carry is not lost in silence.
 */
static void
csvimport_unknown(struct csvimport *ci, const char *h, const int *seen)
{
	const char *const	*cols = ci->spec->cols;
	char			 sq[64], sc[64], *msg;
	size_t			 c;

	json_array_append_new(ci->ignored, csvimport_json_str(h));
	if (h[0] == '\0')
		return;
	csvimport_squash(h, sq, sizeof(sq));
	for (c = 0; cols[c] != NULL; c++) {
		if (seen[c])
			continue;
		csvimport_squash(cols[c], sc, sizeof(sc));
		if (strcmp(sq, sc) != 0 && strstr(sq, sc) == NULL)
			continue;
		xasprintf(&msg, "column %.64s was ignored: %s has no such "
		    "column; if it holds %s, name it %s (without it, %s)", h,
		    ci->spec->what, cols[c], cols[c],
		    c < ci->spec->nrequired ? "the import cannot work" :
		    strcmp(cols[c], "days") == 0 ? "members work MO,TU,WE,TH,FR" :
		    "that field is left empty or at its default");
		json_array_append_new(ci->warnings, csvimport_json_str(msg));
		free(msg);
		return;
	}
}

/*
 * Group supervision attended (or missed) before reflectd: a past date, a
 * member who exists, attended unless the file says otherwise.
 */
static void
csvimport_attendance_row(struct csvimport *ci)
{
	struct member	 m;
	struct err	 err;
	char		 member[SLUG_MAX + 1], date[DATE_LEN], today[DATE_LEN];
	char		*key;
	const char	*v;
	size_t		 before = ci->errors;
	int		 status = ATTEND_ATTENDED, changed = 0, rc;

	member[0] = date[0] = '\0';
	if (csvimport_copy(ci, T_MEMBER, member, sizeof(member)) &&
	    !people_valid_slug(member))
		csvimport_error(ci, ci->rec_line, "member: not a valid slug: "
		    "%s", member);
	if (csvimport_val(ci, T_DATE)[0] == '\0')
		csvimport_error(ci, ci->rec_line, "date: empty");
	else if (csvimport_date(ci, T_DATE, date) && date[0] != '\0') {
		people_today(today);
		if (strcmp(date, today) > 0)
			csvimport_error(ci, ci->rec_line, "date: %s is in the "
			    "future (attendance is history)", date);
	}
	if (*(v = csvimport_val(ci, T_STATUS)) != '\0' &&
	    (status = attendance_parse(v)) == -1 &&
	    csvimport_text_ok(ci, "status", v))
		csvimport_error(ci, ci->rec_line, "status: must be attended, "
		    "apologies or absent: %s", v);
	if (ci->errors != before)
		return;
	xasprintf(&key, "%s %s", member, date);
	csvimport_key_add(ci, key);
	free(key);
	if (ci->errors >= CSVIMPORT_ERRORS_MAX)
		return;
	err_clear(&err);
	if (people_member_get(ci->store, member, &m, &err) == -1) {
		if (err.code == ERR_NOT_FOUND)
			err_set(&err, ERR_NOT_FOUND, "member: no such member: "
			    "%s", member);
		csvimport_applied(ci, -1, 0, &err);
		return;
	}
	rc = store_attendance_history_put(ci->store, member, date,
	    attendance_name(status), &changed, &err);
	csvimport_applied(ci, rc, changed, &err);
}

/* Map the header's columns; without every required one, read no rows. */
static void
csvimport_header(struct csvimport *ci)
{
	const char *const	*cols = ci->spec->cols;
	int			 seen[CSVIMPORT_COLS_MAX];
	size_t			 i, c;
	char			*h;

	memset(seen, 0, sizeof(seen));
	ci->colmap = xcalloc(ci->nhdr + 1, sizeof(*ci->colmap));
	ci->ncolmap = ci->nhdr;
	for (i = 0; i < ci->nhdr; i++) {
		ci->colmap[i] = -1;
		h = util_trim(ci->hdr[i]);
		for (c = 0; cols[c] != NULL; c++) {
			if (strcasecmp(h, cols[c]) != 0)
				continue;
			if (seen[c]) {
				csvimport_error(ci, ci->rec_line, "header: "
				    "column %s appears twice", cols[c]);
				ci->stop = 1;
			}
			seen[c] = 1;
			ci->colmap[i] = (int)c;
			break;
		}
	}
	for (i = 0; i < ci->nhdr; i++)
		if (ci->colmap[i] == -1)
			csvimport_unknown(ci, util_trim(ci->hdr[i]), seen);
	for (c = 0; c < ci->spec->nrequired; c++) {
		if (!seen[c]) {
			csvimport_error(ci, ci->rec_line, "header: missing "
			    "column %s (%s need %s)", cols[c], ci->spec->what,
			    ci->spec->required);
			ci->stop = 1;
		}
	}
	for (i = 0; i < ci->nhdr; i++)
		free(ci->hdr[i]);
	free(ci->hdr);
	ci->hdr = NULL;
	ci->nhdr = 0;
	ci->header_done = 1;
}

/*
 * One field.  Header names are kept until the record ends; a row keeps
 * only the values of known columns: an unknown column's value is not
 * copied, so it cannot reach anything we write.
 */
static void
csvimport_field_cb(void *data, size_t len, void *arg)
{
	struct csvimport	*ci = arg;
	size_t			 idx = ci->field++;
	int			 c;

	if (ci->fatal || ci->stop)
		return;
	if (!ci->header_done) {
		ci->hdr = xreallocarray(ci->hdr, ci->nhdr + 1,
		    sizeof(*ci->hdr));
		ci->hdr[ci->nhdr++] = xstrndup(data != NULL ? data : "", len);
		return;
	}
	if (idx >= ci->ncolmap || (c = ci->colmap[idx]) < 0)
		return;
	free(ci->vals[c]);
	ci->vals[c] = NULL;
	/* An embedded NUL would silently cut the value short. */
	if (data != NULL && memchr(data, '\0', len) != NULL) {
		ci->vals[c] = xstrdup("\x01");
		return;
	}
	ci->vals[c] = util_trim(xstrndup(data != NULL ? data : "", len));
}

static void
csvimport_record_cb(int term, void *arg)
{
	struct csvimport	*ci = arg;
	size_t			 i, nfields = ci->field;

	ci->field = 0;
	ci->awaiting = 1;
	if (ci->fatal || ci->stop)
		goto out;
	if (!ci->header_done) {
		csvimport_header(ci);
		goto out;
	}
	/* A record of one empty field is a blank line: nothing to import. */
	if (nfields == 1 && ci->ncolmap > 1) {
		for (i = 0; i < CSVIMPORT_COLS_MAX; i++)
			if (ci->vals[i] != NULL && ci->vals[i][0] != '\0')
				break;
		if (i == CSVIMPORT_COLS_MAX)
			goto out;
	}
	if (nfields != ci->ncolmap) {
		csvimport_error(ci, ci->rec_line, "%zu fields, but the header "
		    "has %zu", nfields, ci->ncolmap);
		goto out;
	}
	ci->spec->row(ci);
out:
	for (i = 0; i < CSVIMPORT_COLS_MAX; i++) {
		free(ci->vals[i]);
		ci->vals[i] = NULL;
	}
}

/* Feed the body line by line so that each record knows its first line. */
static void
csvimport_parse(struct csvimport *ci, const char *body, size_t len)
{
	struct csv_parser	 p;
	const char		*s = body, *end = body + len, *nl, *q;
	size_t			 n;

	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL |
	    CSV_STRICT_FINI) != 0) {
		ci->fatal = 1;
		err_set(&ci->fatal_err, ERR_INTERNAL, "cannot start the CSV "
		    "parser");
		return;
	}
	ci->line = 1;
	ci->rec_line = 1;
	ci->awaiting = 1;
	while (s < end && !ci->fatal) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (ci->awaiting) {
			for (q = s; q < s + n; q++)
				if (*q != ' ' && *q != '\t' && *q != '\r' &&
				    *q != '\n')
					break;
			if (q < s + n) {
				ci->rec_line = ci->line;
				ci->awaiting = 0;
			}
		}
		if (csv_parse(&p, s, n, csvimport_field_cb,
		    csvimport_record_cb, ci) != n) {
			csvimport_error(ci, ci->line, "malformed CSV: %s; "
			    "nothing after this line was read",
			    csv_error(&p) == CSV_EPARSE ? "a quote inside an "
			    "unquoted field, or text after a closing quote" :
			    csv_strerror(csv_error(&p)));
			goto out;
		}
		s += n;
		ci->line++;
	}
	if (!ci->fatal && csv_fini(&p, csvimport_field_cb,
	    csvimport_record_cb, ci) != 0)
		csvimport_error(ci, ci->rec_line, "malformed CSV: a quoted "
		    "field is not closed before the end of the file");
out:
	csv_free(&p);
	if (!ci->header_done && !ci->fatal)
		csvimport_error(ci, 1, "header: missing (the first line must "
		    "name the columns)");
}

static int
csvimport_key_cmp(const void *a, const void *b)
{
	const struct csvimport_key	*ka = a, *kb = b;
	int				 c;

	if ((c = strcmp(ka->key, kb->key)) != 0)
		return (c);
	return (ka->line < kb->line ? -1 : ka->line > kb->line);
}

static int
csvimport_error_cmp(const void *a, const void *b)
{
	const struct csvimport_error	*ea = a, *eb = b;

	if (ea->line != eb->line)
		return (ea->line < eb->line ? -1 : 1);
	return (ea->seq < eb->seq ? -1 : ea->seq > eb->seq);
}

/* Sort the keys (snapshots need them sorted) and report repeats. */
static void
csvimport_duplicates(struct csvimport *ci)
{
	static const char *const	 what[] = {
		[CSVIMPORT_MEMBERS] = "slug",
		[CSVIMPORT_CASES] = "ref",
		[CSVIMPORT_ABSENCES] = "member, from, to",
		[CSVIMPORT_ATTENDANCE] = "member, date",
	};
	size_t				 i;

	if (ci->nkeys > 1)
		qsort(ci->keys, ci->nkeys, sizeof(*ci->keys),
		    csvimport_key_cmp);
	for (i = 1; i < ci->nkeys; i++) {
		if (strcmp(ci->keys[i].key, ci->keys[i - 1].key) != 0)
			continue;
		ci->rec_line = ci->keys[i].line;
		csvimport_error(ci, ci->keys[i].line, "%s: the same as on "
		    "line %d (each may appear once)", what[ci->opts->kind],
		    ci->keys[i - 1].line);
	}
}

/* A message cut at a byte limit may end mid-character: never lose it. */
static json_t *
csvimport_json_str(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if ((j = json_string(s)) != NULL)
		return (j);
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return (j != NULL ? j : json_string("?"));
}

static json_t *
csvimport_result(struct csvimport *ci)
{
	json_t	*o, *errs, *e;
	size_t	 i;

	if (ci->nerrs > 1)
		qsort(ci->errs, ci->nerrs, sizeof(*ci->errs),
		    csvimport_error_cmp);
	errs = json_array();
	for (i = 0; i < ci->nerrs; i++) {
		e = json_object();
		json_object_set_new(e, "line", json_integer(ci->errs[i].line));
		json_object_set_new(e, "message",
		    csvimport_json_str(ci->errs[i].msg));
		json_array_append_new(errs, e);
	}
	o = json_object();
	json_object_set_new(o, "inserted", json_integer((json_int_t)
	    (ci->errors ? 0 : ci->inserted)));
	json_object_set_new(o, "updated", json_integer((json_int_t)
	    (ci->errors ? 0 : ci->updated)));
	json_object_set_new(o, "closed", json_integer((json_int_t)
	    (ci->errors ? 0 : ci->closed)));
	json_object_set_new(o, "unchanged", json_integer((json_int_t)
	    (ci->errors ? 0 : ci->unchanged)));
	json_object_set_new(o, "dry_run", json_boolean(ci->opts->dry_run));
	json_object_set_new(o, "error_count", json_integer((json_int_t)
	    ci->errors));
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "ignored_columns", json_incref(ci->ignored));
	if (json_array_size(ci->warnings) > 0)
		json_object_set_new(o, "warnings", json_incref(ci->warnings));
	return (o);
}

static void
csvimport_clear(struct csvimport *ci)
{
	size_t	i;

	for (i = 0; i < ci->nhdr; i++)
		free(ci->hdr[i]);
	free(ci->hdr);
	free(ci->colmap);
	for (i = 0; i < CSVIMPORT_COLS_MAX; i++)
		free(ci->vals[i]);
	for (i = 0; i < ci->nerrs; i++)
		free(ci->errs[i].msg);
	free(ci->errs);
	for (i = 0; i < ci->nkeys; i++)
		free(ci->keys[i].key);
	free(ci->keys);
	free(ci->abs);
	json_decref(ci->ignored);
	json_decref(ci->warnings);
}

int
csvimport_run(struct store *store, const struct config *conf,
    const struct csvimport_opts *opts, const char *body, size_t len,
    json_t **result, struct err *err)
{
	struct csvimport	 ci;
	struct err		 e2;
	char			 today[UTIL_TIMEBUF], **refs = NULL;
	size_t			 i, closed = 0;
	int			 rc = -1;

	*result = NULL;
	if (opts->kind < CSVIMPORT_MEMBERS || opts->kind > CSVIMPORT_ATTENDANCE)
		return (err_set(err, ERR_USAGE, "import: unknown kind"));
	if (opts->snapshot && opts->kind != CSVIMPORT_CASES)
		return (err_set(err, ERR_USAGE, "mode=snapshot is only for "
		    "cases"));
	memset(&ci, 0, sizeof(ci));
	ci.store = store;
	ci.conf = conf;
	ci.opts = opts;
	ci.spec = &csvimport_specs[opts->kind];
	ci.ignored = json_array();
	ci.warnings = json_array();

	if (store_savepoint(store, CSVIMPORT_SAVEPOINT, err) == -1)
		goto out;
	csvimport_parse(&ci, body, len);
	if (!ci.fatal)
		csvimport_duplicates(&ci);
	if (!ci.fatal && ci.errors == 0 && opts->snapshot) {
		refs = xcalloc(ci.nkeys + 1, sizeof(*refs));
		for (i = 0; i < ci.nkeys; i++)
			refs[i] = ci.keys[i].key;
		util_format_date(clock_now(), today);
		err_clear(&e2);
		if (cases_close_missing(store, conf, refs, ci.nkeys, today,
		    &closed, &e2) == -1)
			csvimport_applied(&ci, -1, 0, &e2);
		else
			ci.closed = closed;
	}
	if (ci.fatal) {
		*err = ci.fatal_err;
		/* The caller rolls back the whole transaction. */
		goto out;
	}
	if (ci.errors > 0 || opts->dry_run) {
		if (store_rollback_to(store, CSVIMPORT_SAVEPOINT, err) == -1)
			goto out;
	}
	if (store_release(store, CSVIMPORT_SAVEPOINT, err) == -1)
		goto out;
	*result = csvimport_result(&ci);
	if (ci.errors > 0) {
		err_set(err, ERR_INVALID, "%zu error%s; nothing imported "
		    "(first: line %d: %s)", ci.errors, ci.errors == 1 ? "" : "s",
		    ci.errs[0].line, ci.errs[0].msg);
		goto out;
	}
	rc = 0;
out:
	free(refs);
	csvimport_clear(&ci);
	return (rc);
}
