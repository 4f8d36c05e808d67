/*
 * reflectctl-print: how reflectctl shows a reply as text: tables fitted to
 * the terminal, the caseload bars, the schedule agenda, rotation and the
 * inbox; reflectctl.c only talks to the daemon.
 */
#include "autoconf.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "reflectctl.h"
#include "xmalloc.h"

#define COLUMN_GAP	2
#define TERM_WIDTH	80	/* without a terminal or COLUMNS */
#define ELLIPSIS	"\xe2\x80\xa6"

/* Column flags. */
#define COL_NUM		0x1	/* right-aligned */
#define COL_TIME	0x2	/* RFC 3339 shown as "YYYY-MM-DD HH:MM" */
#define COL_KEEP	0x4	/* never narrowed (bars) */
#define COL_COLOUR	0x8	/* in the row's colour on a terminal */

/*
 * A column of a table: its key in the result's objects, its heading, how
 * narrow it may get before it is dropped (0: 8) and when it is dropped
 * (0: never; the highest goes first).
 */
struct colspec {
	const char	*key;
	const char	*head;
	size_t		 min;
	int		 drop;
	int		 flags;
};

/* Cells of text fitted to the terminal: row 0 holds the headings. */
struct table {
	size_t		  ncols;
	size_t		  nrows;
	char		**cells;
	struct colspec	 *cols;
	const char	**colour;	/* per row; NULL: none */
};




static size_t	 printer_match(const char *, int, char **);
static size_t	 text_width(const char *);
static char	*text_trunc(const char *, size_t);
static void	 text_pad(size_t);
static size_t	 term_width(void);
static char	*time_short(const char *);
static void	 table_init(struct table *, size_t, size_t);
static void	 table_print(struct table *);
static void	 table_layout(struct table *, size_t, size_t *, int *);
static void	 table_row(struct table *, size_t, size_t *, int *, size_t);
static void	 table_free(struct table *);
static void	 print_table_spec(json_t *, const char *,
		    const struct colspec *);
static void	 print_list(json_t *, const char *,
		    const struct colspec *);
static void	 print_members(json_t *);
static void	 print_outbox(json_t *);
static void	 print_audit(json_t *);
static void	 print_gaps(json_t *);
static void	 print_explain(json_t *);
static void	 print_wrapped(const char *, const char *, size_t);
static char	*rotation_bar(double);
static char	*value_text(json_t *);
static int	 is_table(json_t *);
static void	 print_kv(json_t *, int);
static void	 print_table(json_t *, const char *);
static void	 print_status(json_t *);
static void	 print_caseload(json_t *);
static char	*caseload_number(double);
static char	*caseload_bar(double, double);
static void	 print_schedule(json_t *);
static char	*schedule_presenters(json_t *);
static void	 print_rotation(json_t *);
static void	 print_inbox(json_t *);
static int	 schedule_day(const char *, struct tm *, struct tm *);

/*
 * Commands with a result worth its own layout (caseload with bars, the
 * schedule agenda) have a printer here; everything else goes through
 * print_generic.
 */
static const struct printer printers[] = {
	{ "status", print_status },
	{ "caseload", print_caseload },
	{ "schedule", print_schedule },
	{ "rotation", print_rotation },
	{ "rotation explain", print_explain },
	{ "inbox", print_inbox },
	{ "member list", print_members },
	{ "outbox", print_outbox },
	{ "audit", print_audit },
	{ "gaps", print_gaps },
};

/*
 * The columns of the wide lists, most useful first: the slug that
 * commands take always, names and the rest where they fit.
 */
static const struct colspec members_cols[] = {
	{ "slug", NULL, 0, 0, 0 },
	{ "name", NULL, 12, 2, 0 },
	{ "role", NULL, 13, 3, 0 },
	{ "team", NULL, 10, 4, 0 },
	{ "fte", NULL, 3, 5, COL_NUM },
	{ "days", NULL, 14, 6, 0 },
	{ "login", NULL, 5, 7, 0 },
	{ "email", NULL, 20, 8, 0 },
	{ "active", NULL, 6, 9, 0 },
	{ "start", NULL, 10, 10, 0 },
	{ "end", NULL, 10, 11, 0 },
	{ "limit", NULL, 5, 12, COL_NUM },
	{ "capacity", "cap", 3, 13, COL_NUM },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct colspec outbox_cols[] = {
	{ "id", NULL, 0, 0, COL_NUM },
	{ "created", NULL, 16, 5, COL_TIME },
	{ "state", NULL, 6, 0, 0 },
	{ "kind", NULL, 8, 4, 0 },
	{ "to", NULL, 12, 3, 0 },
	{ "subject", NULL, 12, 2, 0 },
	{ "attempts", "tries", 5, 6, COL_NUM },
	{ "next_attempt", "next", 16, 7, COL_TIME },
	{ "last_error", "error", 10, 1, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct colspec audit_cols[] = {
	{ "id", NULL, 0, 0, COL_NUM },
	{ "at", NULL, 16, 0, COL_TIME },
	{ "user", NULL, 4, 1, 0 },
	{ "command", NULL, 10, 0, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct colspec gaps_cols[] = {
	{ "member", NULL, 0, 0, 0 },
	{ "name", NULL, 10, 1, 0 },
	{ "team", NULL, 10, 3, 0 },
	{ "role", NULL, 10, 2, 0 },
	{ "last_attended", "last attended", 10, 0, 0 },
	{ "days_since", "days", 4, 0, COL_NUM },
	{ "max_gap_days", "max gap", 4, 4, COL_NUM },
	{ "overdue", NULL, 3, 0, 0 },
	{ NULL, NULL, 0, 0, 0 }
};

/* How many words of argv the printer's command matches (0: none). */
static size_t
printer_match(const char *command, int argc, char **argv)
{
	const char	*p = command;
	size_t		 len, n = 0;

	while (*p != '\0') {
		len = strcspn(p, " ");
		if ((int)n >= argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return (0);
		n++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return (n);
}

const struct printer *
printer_find(int argc, char **argv)
{
	const struct printer	*best = NULL;
	size_t			 i, n, bestn = 0;

	for (i = 0; i < sizeof(printers) / sizeof(printers[0]); i++) {
		n = printer_match(printers[i].command, argc, argv);
		if (n > bestn) {
			best = &printers[i];
			bestn = n;
		}
	}
	return (best);
}

/*
 * A copy safe to put on a terminal: C0 and C1 controls (which include
 * escape sequences) become '?', tabs and newlines a space.
 */
char *
text_clean(const char *s)
{
	unsigned char	*out, *p;

	out = (unsigned char *)xstrdup(s);
	for (p = out; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*p = '?';
			memmove(p + 1, p + 2, strlen((char *)p + 2) + 1);
		}
	}
	return ((char *)out);
}

/* Characters, not bytes, so that non-ASCII names keep columns aligned. */
static size_t
text_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

static void
text_pad(size_t n)
{
	while (n-- > 0)
		putchar(' ');
}

/* At most w characters of s, the last an ellipsis if cut (malloc'd). */
static char *
text_trunc(const char *s, size_t w)
{
	const char	*p;
	char		*out;
	size_t		 n = 0;

	if (text_width(s) <= w)
		return (xstrdup(s));
	if (w == 0)
		return (xstrdup(""));
	for (p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == w - 1)
			break;
	}
	out = xmalloc((size_t)(p - s) + sizeof(ELLIPSIS));
	memcpy(out, s, (size_t)(p - s));
	memcpy(out + (p - s), ELLIPSIS, sizeof(ELLIPSIS));
	return (out);
}

/* The terminal's width, else COLUMNS, else TERM_WIDTH. */
static size_t
term_width(void)
{
	struct winsize	 ws;
	const char	*e;
	long		 n;
	char		*end;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return (ws.ws_col);
	if ((e = getenv("COLUMNS")) != NULL && *e != '\0') {
		errno = 0;
		n = strtol(e, &end, 10);
		if (errno == 0 && *end == '\0' && n > 0 && n <= 10000)
			return ((size_t)n);
	}
	return (TERM_WIDTH);
}

static void
table_init(struct table *t, size_t ncols, size_t nrows)
{
	t->ncols = ncols;
	t->nrows = nrows;
	t->cells = xcalloc((nrows + 1) * ncols, sizeof(*t->cells));
	t->cols = xcalloc(ncols, sizeof(*t->cols));
	t->colour = xcalloc(nrows + 1, sizeof(*t->colour));
}

static void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < (t->nrows + 1) * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->cols);
	free(t->colour);
}

/*
 * Print the table in the terminal's width: columns of nothing but "-"
 * that may go are left out, then, while even their narrowest does not
 * fit, the columns that go first; then the widest columns are narrowed,
 * their text cut with an ellipsis, until every line fits.
 */
static void
table_print(struct table *t)
{
	size_t	*width, i;
	int	*kept;

	width = xcalloc(t->ncols, sizeof(*width));
	kept = xcalloc(t->ncols, sizeof(*kept));
	table_layout(t, term_width(), width, kept);
	for (i = 0; i <= t->nrows; i++)
		table_row(t, i, width, kept, 0);
	free(kept);
	free(width);
}

/* The width of each column in W characters, 0 in kept if left out. */
static void
table_layout(struct table *t, size_t W, size_t *width, int *kept)
{
	struct colspec	*k;
	size_t		*min, i, c, total, best, nkept;
	int		 all_dash, any;
	char		*h;

	min = xcalloc(t->ncols, sizeof(*min));
	for (c = 0; c < t->ncols; c++) {
		k = &t->cols[c];
		all_dash = t->nrows > 0;
		for (i = 0; i <= t->nrows; i++) {
			h = t->cells[i * t->ncols + c];
			if (text_width(h) > width[c])
				width[c] = text_width(h);
			if (i > 0 && strcmp(h, "-") != 0)
				all_dash = 0;
		}
		kept[c] = !(k->drop > 0 && all_dash);
		min[c] = k->min == 0 ? 8 : k->min;
		if ((k->flags & COL_KEEP) || (k->drop == 0 && c == 0) ||
		    min[c] > width[c])
			min[c] = width[c];
	}
	for (;;) {
		total = 0;
		nkept = 0;
		for (c = 0; c < t->ncols; c++)
			if (kept[c]) {
				total += min[c];
				nkept++;
			}
		total += nkept > 0 ? (nkept - 1) * COLUMN_GAP : 0;
		if (total <= W || nkept <= 1)
			break;
		best = t->ncols;
		for (c = 0; c < t->ncols; c++)
			if (kept[c] && t->cols[c].drop > 0 &&
			    (best == t->ncols ||
			    t->cols[c].drop >= t->cols[best].drop))
				best = c;
		if (best == t->ncols) {
			for (c = t->ncols; c-- > 1; )
				if (kept[c])
					break;
			best = c;
		}
		kept[best] = 0;
	}
	total = 0;
	nkept = 0;
	for (c = 0; c < t->ncols; c++)
		if (kept[c]) {
			total += width[c];
			nkept++;
		}
	total += nkept > 0 ? (nkept - 1) * COLUMN_GAP : 0;
	/* Narrow the one with the most to spare; below the minimum last. */
	for (any = 1; total > W && any; ) {
		best = t->ncols;
		for (c = 0; c < t->ncols; c++)
			if (kept[c] && width[c] > min[c] && (best == t->ncols ||
			    width[c] - min[c] >= width[best] - min[best]))
				best = c;
		if (best == t->ncols) {
			for (c = 0; c < t->ncols; c++)
				if (kept[c] && width[c] > 1 &&
				    (best == t->ncols || width[c] >=
				    width[best]))
					best = c;
		}
		if ((any = best != t->ncols)) {
			width[best]--;
			total--;
		}
	}
	free(min);
}

/* Row i of the table laid out by table_layout; the first column wider. */
static void
table_row(struct table *t, size_t i, size_t *width, int *kept, size_t more)
{
	struct colspec	*k;
	size_t		 c, next, w;
	int		 any = 0;
	char		*cut;

	for (c = 0; c < t->ncols; c++) {
		if (!kept[c])
			continue;
		k = &t->cols[c];
		w = width[c] + (any ? 0 : more);
		cut = text_trunc(t->cells[i * t->ncols + c], w);
		if (any)
			text_pad(COLUMN_GAP);
		if ((k->flags & COL_NUM) && i > 0)
			text_pad(w - text_width(cut));
		if (t->colour[i] != NULL && (k->flags & COL_COLOUR))
			printf("%s%s\033[0m", t->colour[i], cut);
		else
			fputs(cut, stdout);
		any = 1;
		/* No trailing blanks after the last column. */
		for (next = c + 1; next < t->ncols && !kept[next]; next++)
			;
		if (!((k->flags & COL_NUM) && i > 0) && next < t->ncols)
			text_pad(w - text_width(cut));
		free(cut);
	}
	putchar('\n');
}

/* "2026-12-06T02:57:02+00:00" as "2026-12-06 02:57". */
static char *
time_short(const char *s)
{
	char	*out;

	if (strlen(s) < 16 || s[10] != 'T')
		return (xstrdup(s));
	xasprintf(&out, "%.10s %.5s", s, s + 11);
	return (out);
}

/* One value as text for a table cell or a key: value line (malloc'd). */
static char *
value_text(json_t *v)
{
	json_t	*e;
	size_t	 i;
	char	*s, *t, *out;
	int	 scalars = 1;

	if (v == NULL || json_is_null(v))
		return (xstrdup("-"));
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (text_clean(json_string_value(v)));
	case JSON_INTEGER:
		xasprintf(&out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (out);
	case JSON_REAL:
		xasprintf(&out, "%.15g", json_real_value(v));
		return (out);
	case JSON_TRUE:
		return (xstrdup("yes"));
	case JSON_FALSE:
		return (xstrdup("no"));
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return (xstrdup("-"));
		json_array_foreach(v, i, e)
			if (json_is_object(e) || json_is_array(e))
				scalars = 0;
		if (!scalars)
			break;
		/* A list of slugs or dates reads best comma-separated. */
		out = xstrdup("");
		json_array_foreach(v, i, e) {
			s = value_text(e);
			xasprintf(&t, "%s%s%s", out, i > 0 ? "," : "", s);
			free(s);
			free(out);
			out = t;
		}
		return (out);
	default:
		break;
	}
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return (xstrdup("?"));
	out = text_clean(s);
	free(s);
	return (out);
}

/* An array printed as a table: empty, or objects only. */
static int
is_table(json_t *v)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(v))
		return (0);
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return (0);
	return (1);
}

/* "key: value" lines, keys aligned; nested objects indented below. */
static void
print_kv(json_t *obj, int indent)
{
	const char	*key;
	json_t		*v;
	size_t		 w, kw = 0;
	char		*s;

	json_object_foreach(obj, key, v) {
		if ((w = text_width(key)) > kw)
			kw = w;
	}
	json_object_foreach(obj, key, v) {
		s = text_clean(key);
		text_pad((size_t)indent);
		printf("%s:", s);
		if (json_is_object(v) && json_object_size(v) > 0) {
			putchar('\n');
			print_kv(v, indent + 2);
		} else {
			text_pad(kw - text_width(s) + 1);
			free(s);
			s = value_text(v);
			printf("%s\n", s);
		}
		free(s);
	}
}

/*
 * Any array of flat objects as an aligned table fitted to the terminal:
 * the columns of spec, or else a header of the keys in the order they
 * first appear (the rightmost dropped first when even their narrowest
 * does not fit); numeric columns right-aligned, nested values as compact
 * JSON.
 */
static void
print_table(json_t *arr, const char *name)
{
	print_table_spec(arr, name, NULL);
}

static void
print_table_spec(json_t *arr, const char *name, const struct colspec *spec)
{
	struct table	 t;
	const char	**keys = NULL, *key;
	size_t		 ncols = 0, nrows, i, c;
	int		*numeric;
	json_t		*row, *v;
	char		*h;

	nrows = json_array_size(arr);
	if (nrows == 0) {
		printf("no %s\n", name);
		return;
	}
	if (spec != NULL) {
		for (c = 0; spec[c].key != NULL; c++) {
			keys = xreallocarray(keys, ncols + 1, sizeof(*keys));
			keys[ncols++] = spec[c].key;
		}
	} else {
		json_array_foreach(arr, i, row) {
			json_object_foreach(row, key, v) {
				for (c = 0; c < ncols; c++)
					if (strcmp(keys[c], key) == 0)
						break;
				if (c == ncols) {
					keys = xreallocarray(keys, ncols + 1,
					    sizeof(*keys));
					keys[ncols++] = key;
				}
			}
		}
	}
	if (ncols == 0) {
		printf("no %s\n", name);
		free(keys);
		return;
	}
	table_init(&t, ncols, nrows);
	numeric = xcalloc(ncols, sizeof(*numeric));
	for (c = 0; c < ncols; c++) {
		if (spec != NULL)
			t.cols[c] = spec[c];
		else {
			t.cols[c].key = keys[c];
			t.cols[c].min = 12;
			t.cols[c].drop = (int)c;
		}
		t.cells[c] = text_clean(t.cols[c].head != NULL ?
		    t.cols[c].head : keys[c]);
		numeric[c] = -1;
	}
	json_array_foreach(arr, i, row) {
		for (c = 0; c < ncols; c++) {
			v = json_object_get(row, keys[c]);
			if (v != NULL && !json_is_null(v))
				numeric[c] = json_is_number(v) &&
				    numeric[c] != 0;
			h = value_text(v);
			if (t.cols[c].flags & COL_TIME) {
				t.cells[(i + 1) * ncols + c] = time_short(h);
				free(h);
			} else
				t.cells[(i + 1) * ncols + c] = h;
		}
	}
	for (c = 0; c < ncols; c++)
		if (numeric[c] == 1)
			t.cols[c].flags |= COL_NUM;
	table_print(&t);
	table_free(&t);
	free(numeric);
	free(keys);
}

static void
print_list(json_t *result, const char *name, const struct colspec *spec)
{
	json_t	*arr = json_object_get(result, name);

	if (!is_table(arr)) {
		print_generic(result);
		return;
	}
	print_table_spec(arr, name, spec);
}

static void
print_members(json_t *result)
{
	print_list(result, "members", members_cols);
}

static void
print_outbox(json_t *result)
{
	print_list(result, "messages", outbox_cols);
}

static void
print_audit(json_t *result)
{
	print_list(result, "entries", audit_cols);
}

static void
print_gaps(json_t *result)
{
	print_list(result, "members", gaps_cols);
}

void
print_generic(json_t *result)
{
	const char	*key, *only = NULL;
	json_t		*v, *rest;
	int		 printed = 0;
	char		*s;

	if (result == NULL || json_is_null(result))
		return;
	if (is_table(result)) {
		print_table(result, "results");
		return;
	}
	if (!json_is_object(result)) {
		s = value_text(result);
		printf("%s\n", s);
		free(s);
		return;
	}
	if (json_object_size(result) == 1) {
		json_object_foreach(result, key, v)
			only = key;
		if (is_table(json_object_get(result, only))) {
			print_table(json_object_get(result, only), only);
			return;
		}
	}
	/* Scalars first, then each non-empty list of objects as a table. */
	rest = json_object();
	json_object_foreach(result, key, v) {
		if (!is_table(v) || json_array_size(v) == 0)
			json_object_set(rest, key, v);
	}
	if (json_object_size(rest) > 0) {
		print_kv(rest, 0);
		printed = 1;
	}
	json_decref(rest);
	json_object_foreach(result, key, v) {
		if (!is_table(v) || json_array_size(v) == 0)
			continue;
		if (printed)
			putchar('\n');
		s = text_clean(key);
		printf("%s:\n", s);
		free(s);
		print_table(v, key);
		printed = 1;
	}
}

static void
print_status(json_t *result)
{
	if (json_is_object(result))
		print_kv(result, 0);
	else
		print_generic(result);
}

/* 12.5, 15, 0.38: at most two decimals, no trailing zeros. */
static char *
caseload_number(double v)
{
	char	*s, *p;

	xasprintf(&s, "%.2f", v);
	if ((p = strchr(s, '.')) != NULL) {
		p += strlen(p) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	return (s);
}

/* "████████░░ 12.5/15", or just the figure for roles without a limit. */
static char *
caseload_bar(double weighted, double limit)
{
	char	*w, *l, *out;
	double	 cells;
	int	 filled, i;
	size_t	 off;

	w = caseload_number(weighted);
	if (!(limit > 0))
		return (w);
	cells = 10 * weighted / limit;
	if (!(cells >= 0))
		cells = 0;
	filled = cells > 10 ? 10 : (int)(cells + 0.5);
	/* Ten three-byte cells and the figures. */
	l = caseload_number(limit);
	out = xmalloc(10 * 3 + strlen(w) + strlen(l) + 3);
	off = 0;
	for (i = 0; i < 10; i++) {
		memcpy(out + off, i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91",
		    3);
		off += 3;
	}
	snprintf(out + off, strlen(w) + strlen(l) + 3, " %s/%s", w, l);
	free(w);
	free(l);
	return (out);
}

/*
 * A member's shortfall as a bar about a centre line: presentations owed
 * to the right, ahead of their share to the left, five cells to one
 * presentation; any shortfall shows at least one cell.
 */
#define ROTATION_HALF	5
static char *
rotation_bar(double shortfall)
{
	char	*out;
	size_t	 off = 0;
	int	 cells, i;
	double	 a;

	a = shortfall < 0 ? -shortfall : shortfall;
	cells = a < 0.005 ? 0 : (int)(a * ROTATION_HALF + 0.999);
	if (cells > ROTATION_HALF)
		cells = ROTATION_HALF;
	out = xmalloc((2 * ROTATION_HALF + 1) * 3 + 1);
	for (i = ROTATION_HALF; i > 0; i--) {
		memcpy(out + off, shortfall < 0 && i <= cells ?
		    "\xe2\x96\x88" : "\xe2\x96\x91", 3);
		off += 3;
	}
	memcpy(out + off, "\xe2\x94\x82", 3);	/* the centre line */
	off += 3;
	for (i = 1; i <= ROTATION_HALF; i++) {
		memcpy(out + off, shortfall > 0 && i <= cells ?
		    "\xe2\x96\x88" : "\xe2\x96\x91", 3);
		off += 3;
	}
	out[off] = '\0';
	return (out);
}

/*
 * rotation: one line a member with the presentations they made or are
 * planned to make, the share they earned, and their shortfall as a
 * figure and a bar, then the team's fairness figure.
 */
static void
print_rotation(json_t *result)
{
	static const struct colspec cols[] = {
		{ "member", NULL, 0, 0, 0 },
		{ "team", NULL, 10, 3, 0 },
		{ "presented", NULL, 0, 0, COL_NUM | COL_KEEP },
		{ "earned", NULL, 0, 0, COL_NUM | COL_KEEP },
		{ "shortfall", NULL, 0, 0, COL_NUM | COL_KEEP },
		{ "bar", "ahead\xe2\x94\x82owed", 0, 0, COL_KEEP },
		{ "last", NULL, 10, 2, 0 },
		{ "next", NULL, 10, 1, 0 },
	};
	struct table	 t;
	json_t		*members, *row, *v;
	char		**r, *sf;
	size_t		 i, c, ncols, nrows;

	members = json_object_get(result, "members");
	if (!json_is_array(members)) {
		print_generic(result);
		return;
	}
	if ((nrows = json_array_size(members)) == 0) {
		printf("no members\n");
		return;
	}
	ncols = sizeof(cols) / sizeof(cols[0]);
	table_init(&t, ncols, nrows);
	for (c = 0; c < ncols; c++) {
		t.cols[c] = cols[c];
		t.cells[c] = xstrdup(cols[c].head != NULL ? cols[c].head :
		    cols[c].key);
	}
	json_array_foreach(members, i, row) {
		r = t.cells + (i + 1) * ncols;
		r[0] = value_text(json_object_get(row, "member"));
		r[1] = value_text(json_object_get(row, "team"));
		v = json_object_get(row, "presented");
		r[2] = caseload_number(json_is_number(v) ?
		    json_number_value(v) : 0);
		r[3] = caseload_number(json_number_value(json_object_get(row,
		    "earned")));
		v = json_object_get(row, "shortfall");
		r[4] = caseload_number(json_number_value(v));
		r[5] = rotation_bar(json_number_value(v));
		r[6] = value_text(json_object_get(row, "last_presented"));
		r[7] = value_text(json_object_get(row, "next_presenting"));
	}
	table_print(&t);
	table_free(&t);
	v = json_object_get(result, "fairness");
	sf = caseload_number(json_is_number(v) ? json_number_value(v) : 0);
	printf("\nfairness: %s (largest minus smallest shortfall; 0 is "
	    "perfectly even)\n", sf);
	free(sf);
}

/*
 * Text from column indent to the terminal's width, broken at spaces;
 * the first line starts with first (already indent wide).
 */
static void
print_wrapped(const char *first, const char *text, size_t indent)
{
	size_t	 W = term_width(), room, n, brk, i;
	char	*clean, *p, *line;

	room = W > indent + 20 ? W - indent : 20;
	clean = text_clean(text);
	fputs(first, stdout);
	for (p = clean; ; ) {
		while (*p == ' ')
			p++;
		if (text_width(p) <= room) {
			printf("%s\n", p);
			break;
		}
		/* The last space within room characters, else cut. */
		brk = 0;
		for (i = 0, n = 0; p[i] != '\0' && n <= room; i++) {
			if (((unsigned char)p[i] & 0xc0) == 0x80)
				continue;
			if (p[i] == ' ')
				brk = i;
			n++;
		}
		if (brk == 0) {
			line = text_trunc(p, room);
			printf("%s\n", line);
			free(line);
			break;
		}
		printf("%.*s\n", (int)brk, p);
		p += brk;
		text_pad(indent);
	}
	free(clean);
}

/*
 * rotation explain: each slot with its presenter and case, then every
 * reason on a line of its own, and the member's shortfall now, the same
 * figure as rotation's.
 */
static void
print_explain(json_t *result)
{
	json_t		*slots, *x, *r, *v;
	const char	*member, *ref, *how;
	char		*head, *sf;
	size_t		 i, j;

	slots = json_object_get(result, "slots");
	if (!json_is_array(slots)) {
		print_generic(result);
		return;
	}
	head = value_text(json_object_get(result, "session"));
	printf("%s\n", head);
	free(head);
	if (json_array_size(slots) == 0) {
		printf("no presenters\n");
		return;
	}
	json_array_foreach(slots, i, x) {
		member = json_string_value(json_object_get(x, "member"));
		ref = json_string_value(json_object_get(x, "case"));
		how = json_string_value(json_object_get(x, "how"));
		v = json_object_get(x, "slot");
		putchar('\n');
		xasprintf(&head, "slot %" JSON_INTEGER_FORMAT ": %s%s%s (%s)",
		    json_is_integer(v) ? json_integer_value(v) : 0,
		    member != NULL ? member : "?", ref != NULL ? " with " : "",
		    ref != NULL ? ref : "", how != NULL ? how : "?");
		print_wrapped("", head, 4);
		free(head);
		v = json_object_get(x, "shortfall");
		if (json_is_number(v)) {
			sf = caseload_number(json_number_value(v));
			xasprintf(&head, "shortfall now %s, as in rotation; "
			    "when the slot was filled:", sf);
			print_wrapped("  ", head, 4);
			free(head);
			free(sf);
		}
		json_array_foreach(json_object_get(x, "reasons"), j, r) {
			if (json_is_string(r))
				print_wrapped("  - ", json_string_value(r), 4);
		}
	}
}

/*
 * caseload: one row a member with a bar of weighted caseload against the
 * limit and the status in words; on a terminal approaching is yellow and
 * over red, so that a manager sees at once who needs attention.  Names
 * where they fit.
 */
static void
print_caseload(json_t *result)
{
	static const struct colspec cols[] = {
		{ "member", NULL, 0, 0, 0 },
		{ "name", NULL, 10, 3, 0 },
		{ "team", NULL, 8, 2, 0 },
		{ "role", NULL, 8, 1, 0 },
		{ "fte", NULL, 3, 0, COL_NUM },
		{ "cases", NULL, 5, 0, COL_NUM },
		{ "caseload", NULL, 0, 0, COL_KEEP | COL_COLOUR },
		{ "status", NULL, 0, 0, COL_KEEP | COL_COLOUR },
	};
	struct table		 t;
	json_t			*members, *row, *v;
	const char		*st;
	char			**r;
	size_t			 nrows, i, c, ncols;
	int			 tty;

	members = json_object_get(result, "members");
	if (!json_is_array(members) || !is_table(members)) {
		print_generic(result);
		return;
	}
	if ((nrows = json_array_size(members)) == 0) {
		printf("no members\n");
		return;
	}
	tty = isatty(STDOUT_FILENO);
	ncols = sizeof(cols) / sizeof(cols[0]);
	table_init(&t, ncols, nrows);
	for (c = 0; c < ncols; c++) {
		t.cols[c] = cols[c];
		t.cells[c] = xstrdup(cols[c].key);
	}
	json_array_foreach(members, i, row) {
		r = t.cells + (i + 1) * ncols;
		r[0] = value_text(json_object_get(row, "member"));
		r[1] = value_text(json_object_get(row, "name"));
		r[2] = value_text(json_object_get(row, "team"));
		r[3] = value_text(json_object_get(row, "role"));
		v = json_object_get(row, "fte");
		r[4] = json_is_number(v) ?
		    caseload_number(json_number_value(v)) : value_text(v);
		r[5] = value_text(json_object_get(row, "cases"));
		r[6] = caseload_bar(
		    json_number_value(json_object_get(row, "weighted")),
		    json_number_value(json_object_get(row, "limit")));
		st = json_string_value(json_object_get(row, "status"));
		if (st == NULL)
			st = "ok";
		if (strcmp(st, "over") == 0)
			r[7] = xstrdup("OVER");
		else if (strcmp(st, "approaching") == 0)
			r[7] = xstrdup("APPROACHING");
		else if (strcmp(st, "ok") == 0)
			r[7] = xstrdup("OK");
		else
			r[7] = text_clean(st);
		if (tty && strcmp(r[7], "OVER") == 0)
			t.colour[i + 1] = "\033[31m";
		else if (tty && strcmp(r[7], "APPROACHING") == 0)
			t.colour[i + 1] = "\033[33m";
	}
	table_print(&t);
	table_free(&t);
}

/* A refusal's "errors" (an import's bad rows) as "line N: message". */
void
print_error_list(json_t *result)
{
	json_t	*errs, *e, *line, *msg;
	size_t	 i;
	char	*s;

	if (!json_is_object(result) ||
	    !json_is_array(errs = json_object_get(result, "errors")))
		return;
	json_array_foreach(errs, i, e) {
		line = json_object_get(e, "line");
		msg = json_object_get(e, "message");
		s = text_clean(json_is_string(msg) ? json_string_value(msg) :
		    "?");
		if (json_is_integer(line))
			fprintf(stderr, "line %" JSON_INTEGER_FORMAT ": %s\n",
			    json_integer_value(line), s);
		else
			fprintf(stderr, "%s\n", s);
		free(s);
	}
}


/*
 * The day of an RFC 3339 time as the daemon wrote it (its zone's wall
 * clock, whatever ours is) and the Monday of its ISO week.
 */
static int
schedule_day(const char *start, struct tm *day, struct tm *monday)
{
	struct tm	tm;
	time_t		t;
	int		y, mo, d;

	if (start == NULL || sscanf(start, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, day) == NULL)
		return (-1);
	t -= (time_t)((day->tm_wday + 6) % 7) * 86400;
	if (gmtime_r(&t, monday) == NULL)
		return (-1);
	return (0);
}

/*
 * The replies read: when, who, which session, their answer, what became
 * of it and why, in that order so the reason can run to the line's end.
 */
static void
print_inbox(json_t *result)
{
	json_t		*arr, *m, *rows, *o, *who;
	const char	*at;
	char		 when[16];
	size_t		 i;

	arr = json_object_get(result, "messages");
	if (!json_is_array(arr)) {
		print_generic(result);
		return;
	}
	if (json_array_size(arr) == 0) {
		at = json_string_value(json_object_get(result, "inbox"));
		printf(at != NULL && at[0] != '\0' ? "no replies read\n" :
		    "no replies read: [mail] inbox is not set\n");
		return;
	}
	rows = json_array();
	json_array_foreach(arr, i, m) {
		o = json_object();
		at = json_string_value(json_object_get(m, "received"));
		/* "2026-03-01T12:00:00+00:00" as "03-01 12:00". */
		if (at != NULL && strlen(at) >= 16)
			snprintf(when, sizeof(when), "%.5s %.5s", at + 5,
			    at + 11);
		else
			snprintf(when, sizeof(when), "-");
		json_object_set_new(o, "when", json_string(when));
		who = json_object_get(m, "member");
		if (who == NULL || json_is_null(who))
			who = json_object_get(m, "from");
		json_object_set(o, "who", who != NULL ? who : json_null());
		json_object_set(o, "session", json_object_get(m, "session"));
		json_object_set(o, "answer", json_object_get(m, "partstat"));
		json_object_set(o, "result", json_object_get(m, "state"));
		json_object_set(o, "why", json_object_get(m, "reason"));
		json_array_append_new(rows, o);
	}
	print_table(rows, "replies");
	json_decref(rows);
}

/*
 * A readable agenda fitted to the terminal: the column headings, then a
 * heading per ISO week and a line per session: day and time, the state
 * (when not all are planned), the psychologist (starred when covering for
 * the series' own), the location, and the series with its teams last,
 * where a long cross-team list is cut first; more than
 * SCHEDULE_TEAMS_SHOWN teams are summed up as "+N more".  The presenters
 * go on a line under their session.
 */
#define SCHEDULE_TEAMS_SHOWN	3
#define SCHEDULE_NCOLS		5	/* when state psych. where series */
#define SCHEDULE_INDENT		2

static void
print_schedule(json_t *result)
{
	static const struct colspec cols[SCHEDULE_NCOLS] = {
		{ "when", NULL, 0, 0, COL_KEEP },
		{ "state", NULL, 0, 3, COL_KEEP },
		{ "psychologist", NULL, 0, 0, COL_KEEP },
		{ "location", NULL, 8, 1, 0 },
		{ "series (teams)", NULL, 14, 0, 0 },
	};
	struct table	 tb;
	json_t		*arr, *x, *teams, *t, *cover;
	struct tm	 day, mon;
	const char	*start, *end, *psych, *state;
	char		 week[64], cur[64], dname[16], mname[16], *ts, *tmp;
	char		*series, **r, **pres;
	size_t		 i, j, nt, shown, n, W, width[SCHEDULE_NCOLS];
	int		 kept[SCHEDULE_NCOLS], planned = 1, covers = 0;

	arr = json_object_get(result, "sessions");
	if (!json_is_array(arr)) {
		print_generic(result);
		return;
	}
	if ((n = json_array_size(arr)) == 0) {
		printf("no sessions\n");
		return;
	}
	table_init(&tb, SCHEDULE_NCOLS, n);
	pres = xcalloc(n, sizeof(*pres));
	for (j = 0; j < SCHEDULE_NCOLS; j++) {
		tb.cols[j] = cols[j];
		tb.cells[j] = xstrdup(cols[j].key);
	}
	json_array_foreach(arr, i, x) {
		r = tb.cells + (i + 1) * SCHEDULE_NCOLS;
		start = json_string_value(json_object_get(x, "start"));
		end = json_string_value(json_object_get(x, "end"));
		if (schedule_day(start, &day, &mon) == -1 || end == NULL ||
		    strlen(start) < 16 || strlen(end) < 16) {
			for (j = 0; j < SCHEDULE_NCOLS; j++)
				r[j] = xstrdup("?");
			continue;
		}
		strftime(dname, sizeof(dname), "%a", &day);
		strftime(mname, sizeof(mname), "%b", &day);
		xasprintf(&r[0], "%s %2d %s  %.5s-%.5s", dname, day.tm_mday,
		    mname, start + 11, end + 11);
		state = json_string_value(json_object_get(x, "state"));
		if (state == NULL || strcmp(state, "planned") != 0)
			planned = 0;
		r[1] = text_clean(state != NULL ? state : "?");
		psych = json_string_value(json_object_get(x, "psychologist"));
		cover = json_object_get(x, "cover");
		if (psych == NULL)
			r[2] = xstrdup("UNCOVERED");
		else {
			tmp = text_clean(psych);
			xasprintf(&r[2], "%s%s", tmp, json_is_true(cover) ?
			    "*" : "");
			free(tmp);
			covers |= json_is_true(cover);
		}
		r[3] = value_text(json_object_get(x, "location"));
		ts = xstrdup("");
		teams = json_object_get(x, "teams");
		nt = json_is_array(teams) ? json_array_size(teams) : 0;
		shown = 0;
		json_array_foreach(teams, j, t) {
			if (!json_is_string(t) || shown == SCHEDULE_TEAMS_SHOWN)
				continue;
			xasprintf(&tmp, "%s%s%s", ts, *ts != '\0' ? ", " : "",
			    json_string_value(t));
			free(ts);
			ts = tmp;
			shown++;
		}
		if (nt > shown) {
			xasprintf(&tmp, "%s +%zu more", ts, nt - shown);
			free(ts);
			ts = tmp;
		}
		series = value_text(json_object_get(x, "series"));
		/* "mast-north-gs (mast-north)" says its team twice. */
		t = json_array_get(teams, 0);
		if (nt == 1 && json_is_string(t) && strncmp(series,
		    json_string_value(t), strlen(json_string_value(t))) == 0)
			*ts = '\0';
		xasprintf(&tmp, "%s%s%s%s", series, *ts != '\0' ? " (" : "",
		    ts, *ts != '\0' ? ")" : "");
		r[4] = text_clean(tmp);
		free(tmp);
		free(series);
		free(ts);
		pres[i] = schedule_presenters(json_object_get(x, "presenters"));
	}
	/* All planned: the state column says nothing. */
	if (planned)
		for (i = 1; i <= n; i++) {
			free(tb.cells[i * SCHEDULE_NCOLS + 1]);
			tb.cells[i * SCHEDULE_NCOLS + 1] = xstrdup("-");
		}
	W = term_width();
	memset(width, 0, sizeof(width));
	table_layout(&tb, W > SCHEDULE_INDENT ? W - SCHEDULE_INDENT : W,
	    width, kept);
	/* The headings line up with the indented sessions. */
	table_row(&tb, 0, width, kept, SCHEDULE_INDENT);
	week[0] = '\0';
	json_array_foreach(arr, i, x) {
		start = json_string_value(json_object_get(x, "start"));
		if (schedule_day(start, &day, &mon) == 0) {
			strftime(dname, sizeof(dname), "%a", &mon);
			strftime(mname, sizeof(mname), "%b", &mon);
			snprintf(cur, sizeof(cur), "Week of %s %d %s %d", dname,
			    mon.tm_mday, mname, mon.tm_year + 1900);
			if (strcmp(cur, week) != 0) {
				printf("%s%s\n", week[0] != '\0' ? "\n" : "",
				    cur);
				snprintf(week, sizeof(week), "%s", cur);
			}
		}
		text_pad(SCHEDULE_INDENT);
		table_row(&tb, i + 1, width, kept, 0);
		if (pres[i] != NULL) {
			tmp = text_trunc(pres[i], W > 2 * SCHEDULE_INDENT ?
			    W - 2 * SCHEDULE_INDENT : W);
			text_pad(2 * SCHEDULE_INDENT);
			printf("%s\n", tmp);
			free(tmp);
			free(pres[i]);
		}
	}
	if (covers)
		printf("\n* covering for the series' psychologist\n");
	free(pres);
	table_free(&tb);
}

/*
 * A group supervision session's presenters on one line under it, in slot
 * order: "presenting: ann (CP-12), bob"; the case only where the reply
 * has it (the daemon leaves it out for those who may not see it).  NULL:
 * nobody to show.
 */
static char *
schedule_presenters(json_t *arr)
{
	json_t		*p;
	const char	*member, *ref;
	char		*line = NULL, *tmp;
	size_t		 i;

	if (!json_is_array(arr))
		return (NULL);
	json_array_foreach(arr, i, p) {
		member = json_string_value(json_object_get(p, "member"));
		if (member == NULL)
			continue;
		ref = json_string_value(json_object_get(p, "case"));
		xasprintf(&tmp, "%s%s%s%s%s", line != NULL ? line :
		    "presenting: ", line != NULL ? ", " : "", member,
		    ref != NULL ? " (" : "", ref != NULL ? ref : "");
		free(line);
		line = tmp;
		if (ref != NULL) {
			xasprintf(&tmp, "%s)", line);
			free(line);
			line = tmp;
		}
	}
	if (line == NULL)
		return (NULL);
	tmp = text_clean(line);
	free(line);
	return (tmp);
}

