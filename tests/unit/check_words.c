/*
 * Unit tests for the request-line word splitter: what a line typed at
 * reflectctl or sent by a script turns into, which lines are refused with a
 * usage error, and that quoting a vector and splitting it again gives the
 * same vector back.  Pure module, so no fixtures.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "words.h"
#include "xmalloc.h"

#define MAXW	8

struct split_case {
	const char	*line;
	int		 argc;
	const char	*argv[MAXW];
};

static const struct split_case split_ok[] = {
	{ "", 0, { NULL } },
	{ "   \t  ", 0, { NULL } },
	{ "status", 1, { "status" } },
	{ "  status  ", 1, { "status" } },
	{ "case list\tteam=mast-north", 3,
	    { "case", "list", "team=mast-north" } },
	{ "a  \t b\t\tc", 3, { "a", "b", "c" } },
	{ "absence add amy reason=\"annual leave\"", 4,
	    { "absence", "add", "amy", "reason=annual leave" } },
	{ "name='Amy O Brien'", 1, { "name=Amy O Brien" } },
	{ "\"\"", 1, { "" } },
	{ "''", 1, { "" } },
	{ "a \"\" b", 3, { "a", "", "b" } },
	{ "a '' ''", 3, { "a", "", "" } },
	{ "\"a\"'b'c", 1, { "abc" } },
	{ "x=\"1 2\"'3 4'5\\ 6", 1, { "x=1 23 45 6" } },
	{ "\"say \\\"hi\\\"\"", 1, { "say \"hi\"" } },
	{ "\"back\\\\slash\"", 1, { "back\\slash" } },
	{ "\"keep \\n and \\x\"", 1, { "keep \\n and \\x" } },
	{ "'no \\ escapes \" here'", 1, { "no \\ escapes \" here" } },
	{ "it\\'s", 1, { "it's" } },
	{ "\"it's\"", 1, { "it's" } },
	{ "a\\ b c", 2, { "a b", "c" } },
	{ "\\\\", 1, { "\\" } },
	{ "\\\"", 1, { "\"" } },
	{ "status\r", 1, { "status" } },
	{ "reason=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", 1,
	    { "reason=caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" } },
};

struct bad_case {
	const char	*line;
	size_t		 len;		/* 0: strlen(line) */
	const char	*msg;		/* expected in the message */
};

static const struct bad_case split_bad[] = {
	{ "reason=\"open", 0, "unterminated double quote" },
	{ "reason='open", 0, "unterminated single quote" },
	{ "a \"b\\\"", 0, "unterminated double quote" },
	{ "'it\\'s'", 0, "unterminated single quote" },
	{ "status \\", 0, "trailing backslash" },
	{ "a\0b", 3, "NUL" },
	{ "a \xff", 0, "UTF-8" },
	{ "caf\xc3", 0, "UTF-8" },			/* truncated */
	{ "\xc0\xaf", 0, "UTF-8" },			/* overlong '/' */
	{ "\xed\xa0\x80", 0, "UTF-8" },			/* surrogate */
	{ "\xf4\x90\x80\x80", 0, "UTF-8" },		/* > U+10FFFF */
	{ "\x80", 0, "UTF-8" },				/* lone continuation */
	{ "'\xe2\x82'", 0, "UTF-8" },			/* inside quotes too */
};

static void
check_vector(struct words *w, int argc, const char *const *argv,
    const char *what)
{
	int	i;

	ck_assert_msg(w != NULL, "%s: refused", what);
	ck_assert_msg(w->argc == argc, "%s: %d words, want %d", what,
	    w->argc, argc);
	for (i = 0; i < argc; i++)
		ck_assert_msg(strcmp(w->argv[i], argv[i]) == 0,
		    "%s: word %d is \"%s\", want \"%s\"", what, i,
		    w->argv[i], argv[i]);
	ck_assert_msg(w->argv[argc] == NULL, "%s: argv not NULL-terminated",
	    what);
}

START_TEST(test_split_ok)
{
	const struct split_case	*c = &split_ok[_i];
	struct words		*w;
	struct err		 err;

	err_clear(&err);
	w = words_split(c->line, strlen(c->line), &err);
	ck_assert_msg(w != NULL, "\"%s\" refused: %s", c->line, err.msg);
	check_vector(w, c->argc, c->argv, c->line);
	words_free(w);
}
END_TEST

START_TEST(test_split_bad)
{
	const struct bad_case	*c = &split_bad[_i];
	struct words		*w;
	struct err		 err;
	size_t			 len;

	err_clear(&err);
	len = c->len != 0 ? c->len : strlen(c->line);
	w = words_split(c->line, len, &err);
	ck_assert_msg(w == NULL, "case %d accepted", _i);
	ck_assert_int_eq(err.code, ERR_USAGE);
	ck_assert_msg(strstr(err.msg, c->msg) != NULL,
	    "case %d: message \"%s\" does not mention \"%s\"", _i, err.msg,
	    c->msg);
}
END_TEST

START_TEST(test_split_length)
{
	struct words	*w;
	struct err	 err;
	char		*line;

	line = xmalloc(WORDS_MAX_LINE + 2);
	memset(line, 'x', WORDS_MAX_LINE + 1);
	line[WORDS_MAX_LINE + 1] = '\0';

	/* 65537 bytes: refused with a message naming the limit. */
	err_clear(&err);
	w = words_split(line, WORDS_MAX_LINE + 1, &err);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(err.code, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "65536"));

	/* Exactly 65536 bytes: one word of that length. */
	w = words_split(line, WORDS_MAX_LINE, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(w->argc, 1);
	ck_assert_uint_eq(strlen(w->argv[0]), WORDS_MAX_LINE);
	words_free(w);

	/* 65536 bytes and a CR is still a full-size line, not too long. */
	line[WORDS_MAX_LINE] = '\r';
	w = words_split(line, WORDS_MAX_LINE + 1, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(strlen(w->argv[0]), WORDS_MAX_LINE);
	words_free(w);
	free(line);
}
END_TEST

START_TEST(test_split_not_terminated)
{
	struct words	*w;
	struct err	 err;
	const char	 buf[] = { 'o', 'u', 't', 'b', 'o', 'x', ' ', 'x' };

	/* Only len bytes count: the buffer need not be a C string. */
	w = words_split(buf, 6, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(w->argc, 1);
	ck_assert_str_eq(w->argv[0], "outbox");
	words_free(w);
	words_free(NULL);
}
END_TEST

START_TEST(test_quote)
{
	char	*q;

	/* Plain words go out as typed, so lines stay readable in logs. */
	q = words_quote("team=mast-north");
	ck_assert_str_eq(q, "team=mast-north");
	free(q);
	q = words_quote("a.b@example.org,x/y:z_1+2%");
	ck_assert_str_eq(q, "a.b@example.org,x/y:z_1+2%");
	free(q);
	q = words_quote("");
	ck_assert_str_eq(q, "''");
	free(q);
	q = words_quote("two words");
	ck_assert_str_ne(q, "two words");
	free(q);
}
END_TEST

START_TEST(test_join)
{
	const char *const argv[] = { "audit", "since=2026-01-01", NULL };
	const char *const argv2[] = { "absence", "add", "amy",
	    "reason=annual leave", NULL };
	char			*line;
	struct words		*w;

	line = words_join(2, (char *const *)argv);
	ck_assert_str_eq(line, "audit since=2026-01-01");
	free(line);
	line = words_join(0, (char *const *)argv);
	ck_assert_str_eq(line, "");
	free(line);
	line = words_join(4, (char *const *)argv2);
	w = words_split(line, strlen(line), NULL);
	check_vector(w, 4, argv2, line);
	words_free(w);
	free(line);
}
END_TEST

/* Awkward vectors: each must survive words_join then words_split. */
static const char *const awkward[][MAXW] = {
	{ "", NULL },
	{ "", "", "", NULL },
	{ " ", "\t", "  x  ", NULL },
	{ "'", "\"", "\\", NULL },
	{ "''", "\"\"", "\\\\", "\\'", NULL },
	{ "it's", "say \"hi\"", "a\\b", NULL },
	{ "'\"'\"'", "\"'\\\"'", NULL },
	{ "name=O'Brien", "reason=back \\ slash", NULL },
	{ "trailing\\", "\\leading", "mid\\dle", NULL },
	{ "tab\there", "cr\rhere", "nl\nhere", "cr\r", NULL },
	{ "caf\xc3\xa9", "\xe2\x82\xac 5", "'\xf0\x9f\x98\x80'", NULL },
	{ "$HOME", "`id`", "a;b", "a|b", "*", "?", "#x", NULL },
	{ "{}", "()", "[]", "<>", "&", "!", "~", NULL },
};

START_TEST(test_round_trip_table)
{
	const char *const	*v = awkward[_i];
	struct words		*w;
	struct err		 err;
	char			*line;
	int			 n;

	for (n = 0; v[n] != NULL; n++)
		;
	line = words_join(n, (char *const *)v);
	err_clear(&err);
	w = words_split(line, strlen(line), &err);
	ck_assert_msg(w != NULL, "vector %d: \"%s\" refused: %s", _i, line,
	    err.msg);
	check_vector(w, n, v, line);
	words_free(w);
	free(line);
}
END_TEST

/*
 * Pseudo-random vectors over an alphabet of the characters that matter to
 * the grammar, with a fixed seed so a failure can be reproduced.
 */
START_TEST(test_round_trip_random)
{
	static const char	*alpha[] = { "a", "Z", "9", "=", "-", " ",
	    "\t", "'", "\"", "\\", "\r", "$", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80", "/", "," };
	const size_t		 nalpha = sizeof(alpha) / sizeof(alpha[0]);
	char			*argv[MAXW], *line;
	struct words		*w;
	struct err		 err;
	unsigned long		 seed = 12345;
	int			 iter, i, j, n, len;

	for (iter = 0; iter < 2000; iter++) {
		seed = seed * 1103515245 + 12345;
		n = (int)((seed >> 16) % MAXW);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			len = (int)((seed >> 16) % 7);
			argv[i] = xcalloc(1, 7 * 4 + 1);
			for (j = 0; j < len; j++) {
				seed = seed * 1103515245 + 12345;
				strcat(argv[i], alpha[(seed >> 16) % nalpha]);
			}
		}
		line = words_join(n, argv);
		err_clear(&err);
		w = words_split(line, strlen(line), &err);
		ck_assert_msg(w != NULL, "\"%s\" refused: %s", line, err.msg);
		check_vector(w, n, (const char *const *)argv, line);
		words_free(w);
		free(line);
		for (i = 0; i < n; i++)
			free(argv[i]);
	}
}
END_TEST

static Suite *
words_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("words");

	tc = tcase_create("split");
	tcase_add_loop_test(tc, test_split_ok, 0,
	    sizeof(split_ok) / sizeof(split_ok[0]));
	tcase_add_loop_test(tc, test_split_bad, 0,
	    sizeof(split_bad) / sizeof(split_bad[0]));
	tcase_add_test(tc, test_split_length);
	tcase_add_test(tc, test_split_not_terminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("quote");
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_join);
	tcase_add_loop_test(tc, test_round_trip_table, 0,
	    sizeof(awkward) / sizeof(awkward[0]));
	tcase_add_test(tc, test_round_trip_random);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(words_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
