/*
 * Replay driver for the fuzz targets: without libFuzzer, each target is built
 * with this main and run by `make check` over its seed corpus, so the targets
 * keep compiling and every seed stays harmless.  Arguments are files; with
 * none, the directory FUZZ_CORPUS, or else the target's own corpus under
 * TOP_SRCDIR (exported by the test harness), is read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	main(int, char **);

static int
replay(const char *path)
{
	FILE	*f;
	uint8_t	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return (-1);
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return (-1);
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return (-1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return (0);
}

int
main(int argc, char **argv)
{
	const char	*dir, *top, *base;
	char		 corpus[4096];
	DIR		*d;
	struct dirent	*de;
	char		 path[4096];
	int		 i, n = 0, bad = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bad |= replay(argv[i]) == -1;
		return (bad ? 1 : 0);
	}
	if ((dir = getenv("FUZZ_CORPUS")) == NULL) {
		/* TOP_SRCDIR/tests/fuzz/corpus/NAME for the binary fuzz_NAME */
		if ((top = getenv("TOP_SRCDIR")) == NULL) {
			fprintf(stderr, "usage: %s FILE... (or set FUZZ_CORPUS "
			    "or TOP_SRCDIR)\n", argv[0]);
			return (2);
		}
		base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
		    argv[0];
		if (strncmp(base, "lt-", 3) == 0)
			base += 3;
		if (strncmp(base, "fuzz_", 5) == 0)
			base += 5;
		(void)snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s", top,
		    base);
		dir = corpus;
	}
	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return (1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		bad |= replay(path) == -1;
		n++;
	}
	closedir(d);
	printf("%d inputs replayed from %s\n", n, dir);
	return (bad || n == 0 ? 1 : 0);
}
