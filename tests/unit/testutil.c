/*
 * Helpers shared by the unit tests.  Only ever pointed at a test's own
 * mkdtemp directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xmalloc.h"

void
testutil_rm_rf(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		*sub;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			xasprintf(&sub, "%s/%s", path, de->d_name);
			testutil_rm_rf(sub);
			free(sub);
		}
		closedir(d);
	}
	remove(path);
}
