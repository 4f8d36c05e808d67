/* Helpers shared by the Check unit tests: temp directories and cleanup. */
#ifndef REFLECTD_TESTUTIL_H
#define REFLECTD_TESTUTIL_H

/* Remove path and everything below it (a test's own temp directory). */
void	testutil_rm_rf(const char *path);

#endif
