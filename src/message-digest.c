/*
 * message-digest: the weekly digests as MIME, half of the message module
 * (message.c builds headers, invitations and reminders): text with
 * aligned columns and bars of '#' marking the limit, HTML tables with the
 * same bars drawn to one scale.  Pure: structs in, bytes out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "message.h"
#include "message-int.h"
#include "xmalloc.h"

/* Digest bars: the track in steps ('#' in the text, px in the HTML). */
#define MESSAGE_BAR_STEPS	30
#define MESSAGE_BAR_PX		6
#define MESSAGE_BAR_MARK	2	/* px: the limit's line */
#define MESSAGE_BAR_TITLE	"Load"
#define MESSAGE_NOWRAP		24	/* an HTML cell this short: no wrap */

static size_t	message_width(const char *);
static void	message_pad(struct buf *, const char *, size_t);
static void	message_digest_text(struct buf *, const struct digest *);
static void	message_digest_html(struct buf *, const struct digest *);
static const char *message_status_colour(int);
static double	message_bar_scale(const struct digest *);
static int	message_bar_limit(double);
static int	message_bar_steps(const struct digest_row *, double);
static void	message_bar_text(struct buf *, const struct digest_row *,
		    double);
static void	message_bar_cell(struct buf *, int, const char *);
static void	message_bar_html(struct buf *, const struct digest_row *,
		    double);

/* Columns a string takes: UTF-8 characters, not octets. */
static size_t
message_width(const char *s)
{
	size_t	n = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

static void
message_pad(struct buf *b, const char *s, size_t width)
{
	size_t	n;

	message_buf_adds(b, s != NULL ? s : "");
	for (n = message_width(s); n < width; n++)
		message_buf_adds(b, " ");
}

static const char *
message_status_colour(int status)
{
	switch (status) {
	case DIGEST_OVER:
		return ("#c62828");
	case DIGEST_APPROACHING:
		return ("#ef6c00");
	default:
		return ("#2e7d32");
	}
}

char *
message_figure(double v, char *buf, size_t size)
{
	char	*p;

	snprintf(buf, size, "%.2f", v);
	if ((p = strchr(buf, '.')) != NULL) {
		p += strlen(p) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	return (buf);
}

/*
 * Every bar of a digest is drawn to one scale, in limits: the track is
 * 0 to 1.5 limits, or to the largest load rounded up to half a limit
 * when someone is further over.  So the limit sits at the same place on
 * every bar, in the text and the HTML alike.
 */
static double
message_bar_scale(const struct digest *d)
{
	const struct digest_row	*row;
	double			 scale = 1.5;
	size_t			 i, k;
	int			 halves;

	for (i = 0; i < d->nsections; i++) {
		for (k = 0; k < d->sections[i].nrows; k++) {
			row = &d->sections[i].rows[k];
			if (row->status == DIGEST_NONE || !(row->bar > scale))
				continue;
			halves = (int)(row->bar * 2);
			if (halves < row->bar * 2)
				halves++;
			scale = halves / 2.0;
		}
	}
	return (scale);
}

/* The step of the track where the limit is. */
static int
message_bar_limit(double scale)
{
	return ((int)(MESSAGE_BAR_STEPS / scale + 0.5));
}

/*
 * A bar's length in steps.  Rounding never hides which side of the
 * limit it is on: over runs past the limit, anything else stops at it.
 */
static int
message_bar_steps(const struct digest_row *row, double scale)
{
	int	steps, limit = message_bar_limit(scale);

	if (!(row->bar > 0))
		return (0);
	steps = (int)(row->bar / scale * MESSAGE_BAR_STEPS + 0.5);
	if (steps < 1)
		steps = 1;
	if (steps > MESSAGE_BAR_STEPS)
		steps = MESSAGE_BAR_STEPS;
	if (row->status == DIGEST_OVER || row->bar > 1 + 1e-9) {
		if (steps <= limit)
			steps = limit + 1;
	} else if (steps > limit)
		steps = limit;
	return (steps);
}

/* [#########.....|..........]: '#' filled, '|' the limit. */
static void
message_bar_text(struct buf *b, const struct digest_row *row, double scale)
{
	int	n, steps, limit;

	steps = message_bar_steps(row, scale);
	limit = message_bar_limit(scale);
	message_buf_adds(b, "[");
	for (n = 0; n < MESSAGE_BAR_STEPS; n++) {
		if (n == limit)
			message_buf_adds(b, "|");
		message_buf_adds(b, n < steps ? "#" : ".");
	}
	message_buf_adds(b, "]");
}

/* One cell of a bar's track: px wide, filled or not. */
static void
message_bar_cell(struct buf *b, int px, const char *colour)
{
	if (px <= 0)
		return;
	message_bprintf(b, "<td style=\"width:%dpx;padding:0;"
	    "vertical-align:middle;font-size:0;line-height:0\">"
	    "<div style=\"width:%dpx;height:12px;background:%s\"></div>"
	    "</td>", px, px, colour);
}

/*
 * The same bar as a one-row table (what mail clients draw reliably):
 * MESSAGE_BAR_PX pixels a step, and the limit a dark line taller than
 * the bar.
 */
static void
message_bar_html(struct buf *b, const struct digest_row *row, double scale)
{
	const char	*fill = message_status_colour(row->status);
	const char	*track = "#e6e6e6";
	int		 steps, limit, px = MESSAGE_BAR_PX;

	steps = message_bar_steps(row, scale);
	limit = message_bar_limit(scale);
	message_buf_adds(b, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"border-collapse:collapse\"><tr>");
	if (steps <= limit) {
		message_bar_cell(b, steps * px, fill);
		message_bar_cell(b, (limit - steps) * px, track);
	} else
		message_bar_cell(b, limit * px, fill);
	message_bprintf(b, "<td style=\"width:%dpx;height:18px;padding:0;"
	    "background:#222222;font-size:0;line-height:0\"></td>",
	    MESSAGE_BAR_MARK);
	if (steps > limit) {
		message_bar_cell(b, (steps - limit) * px, fill);
		message_bar_cell(b, (MESSAGE_BAR_STEPS - steps) * px, track);
	} else
		message_bar_cell(b, (MESSAGE_BAR_STEPS - limit) * px, track);
	message_buf_adds(b, "</tr></table>");
}

static void
message_digest_text(struct buf *b, const struct digest *d)
{
	const struct digest_section	*sec;
	const struct digest_row		*row;
	size_t				 i, j, k, *w;
	double				 scale = message_bar_scale(d);
	int				 bars;

	if (d->greeting != NULL && d->greeting[0] != '\0')
		message_bprintf(b, "%s\n\n", d->greeting);
	if (d->note != NULL && d->note[0] != '\0')
		message_bprintf(b, "%s\n\n", d->note);
	for (i = 0; i < d->nsections; i++) {
		sec = &d->sections[i];
		message_bprintf(b, "%s\n", sec->title != NULL ? sec->title :
		    "");
		for (k = message_width(sec->title); k > 0; k--)
			message_buf_adds(b, "-");
		message_buf_adds(b, "\n\n");
		/* The intro describes rows: none, no intro. */
		if (sec->nrows == 0) {
			message_bprintf(b, "%s\n\n", sec->empty != NULL ?
			    sec->empty : "Nothing to show.");
			continue;
		}
		if (sec->intro != NULL && sec->intro[0] != '\0')
			message_bprintf(b, "%s\n\n", sec->intro);
		w = xcalloc(sec->ncolumns + 1, sizeof(*w));
		bars = 0;
		for (j = 0; j < sec->ncolumns; j++)
			w[j] = message_width(sec->columns[j]);
		for (k = 0; k < sec->nrows; k++) {
			row = &sec->rows[k];
			if (row->status != DIGEST_NONE)
				bars = 1;
			for (j = 0; j < sec->ncolumns; j++) {
				if (row->cells != NULL &&
				    message_width(row->cells[j]) > w[j])
					w[j] = message_width(row->cells[j]);
			}
		}
		message_buf_adds(b, "  ");
		for (j = 0; j < sec->ncolumns; j++) {
			message_pad(b, sec->columns[j], w[j]);
			message_buf_adds(b, "  ");
		}
		if (bars)
			message_buf_adds(b, MESSAGE_BAR_TITLE " (| is the limit)");
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->p[--b->len] = '\0';
		message_buf_adds(b, "\n");
		for (k = 0; k < sec->nrows; k++) {
			row = &sec->rows[k];
			message_buf_adds(b, "  ");
			for (j = 0; j < sec->ncolumns; j++) {
				message_pad(b, row->cells != NULL ?
				    row->cells[j] : "", w[j]);
				message_buf_adds(b, "  ");
			}
			if (bars && row->status != DIGEST_NONE)
				message_bar_text(b, row, scale);
			/* No trailing blanks. */
			while (b->len > 0 && b->p[b->len - 1] == ' ')
				b->p[--b->len] = '\0';
			message_buf_adds(b, "\n");
		}
		message_buf_adds(b, "\n");
		free(w);
	}
}

static void
message_digest_html(struct buf *b, const struct digest *d)
{
	static const char		*cell = "padding:3px 10px 3px 0;"
					    "border-bottom:1px solid #dddddd;"
					    "text-align:left;vertical-align:top";
	const struct digest_section	*sec;
	const struct digest_row		*row;
	size_t				 i, j, k;
	const char			*txt;
	double				 scale = message_bar_scale(d);
	int				 bars;

	message_buf_adds(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	message_html_esc(b, d->subject);
	message_buf_adds(b, "</title></head>\n<body style=\"font-family:sans-serif;"
	    "color:#222222\">\n");
	if (d->greeting != NULL && d->greeting[0] != '\0') {
		message_buf_adds(b, "<p>");
		message_html_esc(b, d->greeting);
		message_buf_adds(b, "</p>\n");
	}
	if (d->note != NULL && d->note[0] != '\0') {
		message_buf_adds(b, "<p><strong>");
		message_html_esc(b, d->note);
		message_buf_adds(b, "</strong></p>\n");
	}
	for (i = 0; i < d->nsections; i++) {
		sec = &d->sections[i];
		message_buf_adds(b, "<h2 style=\"font-size:1.15em;margin:1.2em 0 "
		    "0.4em\">");
		message_html_esc(b, sec->title);
		message_buf_adds(b, "</h2>\n");
		if (sec->nrows == 0) {
			message_buf_adds(b, "<p>");
			message_html_esc(b, sec->empty != NULL ? sec->empty :
			    "Nothing to show.");
			message_buf_adds(b, "</p>\n");
			continue;
		}
		if (sec->intro != NULL && sec->intro[0] != '\0') {
			message_buf_adds(b, "<p>");
			message_html_esc(b, sec->intro);
			message_buf_adds(b, "</p>\n");
		}
		bars = 0;
		for (k = 0; k < sec->nrows; k++) {
			if (sec->rows[k].status != DIGEST_NONE)
				bars = 1;
		}
		message_buf_adds(b, "<table style=\"border-collapse:collapse\">\n<tr>");
		for (j = 0; j < sec->ncolumns; j++) {
			message_bprintf(b, "<th style=\"%s\">", cell);
			message_html_esc(b, sec->columns[j]);
			message_buf_adds(b, "</th>");
		}
		if (bars)
			message_bprintf(b, "<th style=\"%s\">" MESSAGE_BAR_TITLE
			    " <span style=\"font-weight:normal\">(the dark "
			    "line is the limit)</span></th>", cell);
		message_buf_adds(b, "</tr>\n");
		for (k = 0; k < sec->nrows; k++) {
			row = &sec->rows[k];
			message_buf_adds(b, "<tr>");
			for (j = 0; j < sec->ncolumns; j++) {
				txt = row->cells != NULL && row->cells[j] !=
				    NULL ? row->cells[j] : "";
				/* Short cells (times, rooms) stay whole. */
				message_bprintf(b, "<td style=\"%s%s\">", cell,
				    message_width(txt) <= MESSAGE_NOWRAP ?
				    ";white-space:nowrap" : "");
				message_html_esc(b, txt);
				message_buf_adds(b, "</td>");
			}
			if (bars) {
				message_bprintf(b, "<td style=\"%s\">", cell);
				if (row->status != DIGEST_NONE)
					message_bar_html(b, row, scale);
				message_buf_adds(b, "</td>");
			}
			message_buf_adds(b, "</tr>\n");
		}
		message_buf_adds(b, "</table>\n");
	}
	message_buf_adds(b, "</body></html>\n");
}

char *
message_digest(const struct config *conf, const struct digest *d,
    char **msgidp, size_t *len, struct err *err)
{
	struct buf	 b = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	char		*msgid, boundary[64];
	size_t		 i;

	if (d->kind == NULL || d->key == NULL || d->rcpt == NULL ||
	    d->subject == NULL) {
		err_set(err, ERR_INVALID, "a digest needs a kind, a key, a "
		    "recipient and a subject");
		return (NULL);
	}
	for (i = 0; i < d->nsections; i++) {
		if (d->sections[i].nrows > 0 &&
		    d->sections[i].ncolumns == 0) {
			err_set(err, ERR_INVALID, "digest section %zu has rows "
			    "but no columns", i);
			return (NULL);
		}
	}
	msgid = message_id(conf, d->kind, d->key, d->rcpt);
	snprintf(boundary, sizeof(boundary), "=_reflectd_%.24s", msgid);
	message_headers(&b, conf, d->rcpt_name, d->rcpt, d->subject, msgid,
	    d->date);
	message_bprintf(&b, "Content-Type: multipart/alternative;"
	    "\r\n boundary=\"%s\"\r\n\r\n", boundary);
	message_digest_text(&t, d);
	message_part(&b, boundary, "text/plain", t.p != NULL ? t.p : "");
	free(t.p);
	t.p = NULL;
	t.len = t.cap = 0;
	message_digest_html(&t, d);
	message_part(&b, boundary, "text/html", t.p);
	free(t.p);
	if (msgidp != NULL)
		*msgidp = msgid;
	else
		free(msgid);
	return (message_finish(&b, boundary, len));
}
