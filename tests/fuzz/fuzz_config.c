/*
 * Fuzz target: the configuration loader.  Any file must load or be refused
 * with an "invalid" error that names the file; never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf;
	struct err	 err;
	FILE		*f;
	int		 fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz_config.XXXXXX");
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
	}
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if ((conf = config_load(path, &err)) == NULL) {
		if (strncmp(err.msg, path, strlen(path)) != 0)
			abort();
	} else
		config_free(conf);
	unlink(path);
	return (0);
}
