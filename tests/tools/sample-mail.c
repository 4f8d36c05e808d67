/*
 * sample-mail: writes one message of each kind the daemon sends, built by
 * message.c from fixed sample data in Europe/London with sessions on both
 * sides of the March 2026 clock change, as DIR/<kind>.eml.  The regress
 * test 031-imip parses them; people read them to see what a team
 * receives.  It touches no database, clock or network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "ical.h"
#include "message.h"
#include "util.h"
#include "xmalloc.h"

/* 2026-03-24T10:00:00Z = 10:00 GMT, a week before the change. */
#define BEFORE		((time_t)1774346400)
/* 2026-03-31T09:00:00Z = 10:00 BST, two days after the change. */
#define AFTER		((time_t)1774947600)
#define HOUR		3600
/* 2026-02-24T07:00:00Z: when the invitations were built. */
#define STAMP		((time_t)1771916400)
#define DAY		86400

static const struct ical_attendee attendees[] = {
	{ "Dr Priya Shah", "priya.shah@example.org", ICAL_ATT_CHAIR },
	{ "Alex Green", "alex.green@example.org", ICAL_ATT_REQ },
	{ "Sam Taylor", "sam.taylor@example.org", ICAL_ATT_REQ },
	{ "Siân Hughes", "sian.hughes@example.org", ICAL_ATT_REQ },
	{ "Tomás Byrne, senior practitioner", "tomas.byrne@example.org",
	    ICAL_ATT_REQ }
};
#define NATTENDEES	(sizeof(attendees) / sizeof(attendees[0]))

static const char *presenters[] = { "Siân Hughes",
    "Tomás Byrne, senior practitioner" };
static const char *presenters_after[] = { "Siân Hughes", "Sam Taylor" };

static int	write_out(const char *, const char *, const char *, size_t);
static int	invitations(const struct config *, const char *);
static int	reminder(const struct config *, const char *);
static int	digests(const struct config *, const char *);

static int
write_out(const char *dir, const char *name, const char *data, size_t len)
{
	FILE	*f;
	char	*path;
	int	 rc = 0;

	xasprintf(&path, "%s/%s.eml", dir, name);
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "sample-mail: %s: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "sample-mail: %s: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	free(path);
	return (rc);
}

static int
invitations(const struct config *conf, const char *dir)
{
	static const struct {
		const char	*file;
		int		 kind;
		int		 sequence;
		int		 after;		/* moved past the change */
		int		 rcpt;		/* index in attendees */
		const char	*own_case;
		const char	*note;
	} m[] = {
		{ "invitation", INVITE_NEW, 0, 0, 2, NULL, NULL },
		{ "presenter-invitation", INVITE_NEW, 0, 0, 4, "MN/2291",
		    NULL },
		{ "update", INVITE_UPDATE, 1, 1, 2, NULL,
		    "Moved from Tuesday 24 March, 10:00 GMT, because the "
		    "psychologist is on leave." },
		{ "cancellation", INVITE_CANCEL, 2, 1, 2, NULL,
		    "Cancelled by Alex Green: the room is closed for "
		    "repairs." }
	};
	struct invite	 inv;
	struct err	 err;
	char		*uid, *data, *msgid;
	size_t		 i, len;
	int		 rc = 0;

	uid = message_uid(conf, "mast-north-gs-20260324");
	for (i = 0; i < sizeof(m) / sizeof(m[0]) && rc == 0; i++) {
		memset(&inv, 0, sizeof(inv));
		inv.kind = m[i].kind;
		inv.uid = uid;
		inv.sequence = m[i].sequence;
		inv.dtstamp = STAMP + m[i].sequence * DAY;
		inv.start = m[i].after ? AFTER : BEFORE;
		inv.end = inv.start + 90 * 60;
		inv.summary = "Group supervision: MAST North";
		inv.location = "Room 2.14, Civic Centre; bring your diary";
		inv.psychologist = "Dr Priya Shah";
		if (m[i].after) {
			inv.presenters = presenters_after;
			inv.npresenters = 2;
		} else {
			inv.presenters = presenters;
			inv.npresenters = 2;
		}
		inv.attendees = attendees;
		inv.nattendees = NATTENDEES;
		inv.rcpt_name = attendees[m[i].rcpt].name;
		inv.rcpt = attendees[m[i].rcpt].email;
		inv.own_case = m[i].own_case;
		inv.note = m[i].note;
		err_clear(&err);
		data = message_invitation(conf, &inv, &msgid, &len, &err);
		if (data == NULL) {
			fprintf(stderr, "sample-mail: %s: %s\n", m[i].file,
			    err.msg);
			rc = -1;
			break;
		}
		rc = write_out(dir, m[i].file, data, len);
		free(data);
		free(msgid);
	}
	free(uid);
	return (rc);
}

static int
reminder(const struct config *conf, const char *dir)
{
	struct reminder	 r;
	struct err	 err;
	char		*uid, *data;
	size_t		 len;
	int		 rc;

	uid = message_uid(conf, "mast-north-gs-20260324");
	memset(&r, 0, sizeof(r));
	r.uid = uid;
	r.date = BEFORE - 3 * DAY;
	r.start = BEFORE;
	r.end = BEFORE + 90 * 60;
	r.summary = "Group supervision: MAST North";
	r.location = "Room 2.14, Civic Centre";
	r.psychologist = "Dr Priya Shah";
	r.own_case = "MN/2291";
	r.rcpt_name = attendees[4].name;
	r.rcpt = attendees[4].email;
	err_clear(&err);
	if ((data = message_reminder(conf, &r, NULL, &len, &err)) == NULL) {
		fprintf(stderr, "sample-mail: reminder: %s\n", err.msg);
		free(uid);
		return (-1);
	}
	rc = write_out(dir, "reminder", data, len);
	free(data);
	free(uid);
	return (rc);
}

static int
digests(const struct config *conf, const char *dir)
{
	static const char *sess_cols[] = { "When", "Session", "Where",
	    "Psychologist", "Presenting" };
	static const char *s1[] = { "Tue 24 Mar 10:00 GMT",
	    "Group supervision: MAST North", "Room 2.14", "Dr Priya Shah",
	    "Siân Hughes, Tomás Byrne" };
	static const char *s2[] = { "Thu 2 Apr 14:00 BST",
	    "Reflective practice (all teams)", "Council chamber",
	    "Dr Priya Shah", "" };
	static const struct digest_row sess_rows[] = {
		{ s1, 0, DIGEST_NONE }, { s2, 0, DIGEST_NONE }
	};
	static const char *load_cols[] = { "Member", "Role", "Cases",
	    "Weighted", "Limit" };
	static const char *l1[] = { "Sam Taylor", "social worker", "11",
	    "12.5", "15" };
	static const char *l2[] = { "Siân Hughes", "ASYE", "8", "9.5",
	    "10" };
	static const char *l3[] = { "Tomás Byrne", "senior practitioner",
	    "12", "14.75", "12" };
	static const struct digest_row load_rows[] = {
		{ l1, 12.5 / 15, DIGEST_OK },
		{ l2, 9.5 / 10, DIGEST_APPROACHING },
		{ l3, 14.75 / 12, DIGEST_OVER }
	};
	static const char *gap_cols[] = { "Member", "Last attended",
	    "Days since", "Limit" };
	static const char *g1[] = { "Siân Hughes", "2026-02-24", "22",
	    "14" };
	static const struct digest_row gap_rows[] = {
		{ g1, 0, DIGEST_NONE }
	};
	static const struct digest_section team[] = {
		{ "Your team's next two weeks", NULL, sess_cols, 5,
		    sess_rows, 2, "No sessions in the next two weeks." }
	};
	static const struct digest_section manager[] = {
		{ "Caseloads", "Bars show the weighted caseload against "
		    "each member's limit.", load_cols, 5, load_rows, 3,
		    NULL },
		{ "Supervision gaps", NULL, gap_cols, 4, gap_rows, 1,
		    "Nobody is overdue." },
		{ "Uncovered sessions", NULL, sess_cols, 5, NULL, 0,
		    "Every session has a psychologist." },
		{ "Next two weeks", NULL, sess_cols, 5, sess_rows, 2, NULL }
	};
	struct digest	 d;
	struct err	 err;
	char		*data;
	size_t		 len;
	int		 rc;

	memset(&d, 0, sizeof(d));
	d.kind = "team_digest";
	d.key = "2026-W12";
	d.subject = "MAST North: the next two weeks";
	d.greeting = "Hello Sam,";
	d.sections = team;
	d.nsections = 1;
	d.rcpt_name = attendees[2].name;
	d.rcpt = attendees[2].email;
	d.date = BEFORE - 2 * DAY;
	err_clear(&err);
	if ((data = message_digest(conf, &d, NULL, &len, &err)) == NULL) {
		fprintf(stderr, "sample-mail: team digest: %s\n", err.msg);
		return (-1);
	}
	rc = write_out(dir, "team-digest", data, len);
	free(data);
	if (rc == -1)
		return (-1);

	d.kind = "manager_digest";
	d.subject = "MAST North: caseloads, gaps and cover";
	d.greeting = "Hello Alex,";
	d.sections = manager;
	d.nsections = sizeof(manager) / sizeof(manager[0]);
	d.rcpt_name = attendees[1].name;
	d.rcpt = attendees[1].email;
	if ((data = message_digest(conf, &d, NULL, &len, &err)) == NULL) {
		fprintf(stderr, "sample-mail: manager digest: %s\n", err.msg);
		return (-1);
	}
	rc = write_out(dir, "manager-digest", data, len);
	free(data);
	return (rc);
}

int
main(int argc, char *argv[])
{
	struct config	*conf;
	int		 rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: sample-mail DIR\n");
		return (2);
	}
	conf = config_defaults();
	if (util_set_timezone(conf->timezone) == -1) {
		fprintf(stderr, "sample-mail: unknown zone %s\n",
		    conf->timezone);
		config_free(conf);
		return (1);
	}
	if (invitations(conf, argv[1]) == -1 || reminder(conf, argv[1]) == -1 ||
	    digests(conf, argv[1]) == -1)
		rc = 1;
	config_free(conf);
	ical_shutdown();
	return (rc);
}
