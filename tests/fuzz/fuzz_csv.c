/*
 * Fuzz target: CSV imports.  Each input is tried as a members, cases and
 * absences file (dry run, inside a transaction that is rolled back) against
 * a real store holding one team and two members, so both the parser and the
 * row checks run.  Any input must give counts or a clear refusal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "csvimport.h"
#include "people.h"
#include "store.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct store	*store;
static struct config	*conf;
static char		 dir[] = "/tmp/fuzz_csv.XXXXXX";

static void
cleanup(void)
{
	static const char *files[] = { "reflectd.db", "reflectd.db-wal",
	    "reflectd.db-shm", NULL };
	char	path[64];
	int	i;

	store_close(store);
	config_free(conf);
	for (i = 0; files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
setup(void)
{
	struct err	 err;
	static const char *seed[] = {
		"slug,name,email,role,team\n"
		"ann,Ann Lee,ann@example.org,social_worker,north\n"
		"ben,Ben Roe,ben@example.org,social_worker,north\n",
		NULL
	};
	struct team	 t;
	json_t		*res = NULL;
	struct csvimport_opts o = { CSVIMPORT_MEMBERS, 0, 0 };

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	util_set_timezone("Europe/London");
	if ((conf = config_defaults()) == NULL)
		abort();
	if ((store = store_open(dir, &err)) == NULL)
		abort();
	memset(&t, 0, sizeof(t));
	snprintf(t.slug, sizeof(t.slug), "north");
	snprintf(t.name, sizeof(t.name), "MAST North");
	t.kind = TEAM_MAST;
	if (store_begin(store, &err) == -1 ||
	    people_team_add(store, &t, &err) == -1 ||
	    csvimport_run(store, conf, &o, seed[0], strlen(seed[0]), &res,
	    &err) == -1 || store_commit(store, &err) == -1)
		abort();
	json_decref(res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csvimport_opts	 o;
	struct err		 err;
	json_t			*res;
	int			 kind;

	if (store == NULL)
		setup();
	for (kind = CSVIMPORT_MEMBERS; kind <= CSVIMPORT_ABSENCES; kind++) {
		memset(&o, 0, sizeof(o));
		o.kind = kind;
		o.dry_run = 1;
		o.snapshot = kind == CSVIMPORT_CASES && size > 0 &&
		    (data[0] & 1);
		res = NULL;
		if (store_begin(store, &err) == -1)
			abort();
		if (csvimport_run(store, conf, &o, (const char *)data, size,
		    &res, &err) == -1 && err.code == ERR_INTERNAL)
			abort();
		store_rollback(store);
		json_decref(res);
	}
	return (0);
}
