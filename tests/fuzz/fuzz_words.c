/*
 * Fuzz target: the control socket's request-line splitter.  Any input must
 * give words or a usage error, and what splits must survive a join and a
 * second split unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct words	*w, *w2;
	struct err	 err;
	char		*line;
	int		 i;

	if ((w = words_split((const char *)data, size, &err)) == NULL) {
		if (err.code != ERR_USAGE)
			abort();
		return (0);
	}
	line = words_join(w->argc, w->argv);
	if ((w2 = words_split(line, strlen(line), &err)) == NULL)
		abort();
	if (w2->argc != w->argc)
		abort();
	for (i = 0; i < w->argc; i++)
		if (strcmp(w->argv[i], w2->argv[i]) != 0)
			abort();
	words_free(w2);
	words_free(w);
	free(line);
	return (0);
}
