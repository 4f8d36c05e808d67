/*
 * reflectctl: the command-line client of the control socket.  It quotes
 * its arguments into one request line with the daemon's own word grammar,
 * sends it (with the file as a body for imports), reads the one-line JSON
 * reply and prints it as JSON or as text.  It must not interpret commands
 * beyond printing their results: the daemon checks arguments and rights.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "err.h"
#include "reflectctl.h"
#include "words.h"
#include "xmalloc.h"

#ifndef REFLECTD_SOCKET
#define REFLECTD_SOCKET	"/run/reflectd/reflectd.sock"
#endif

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_NODAEMON	3

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

static void	 usage(FILE *, int) __attribute__((noreturn));
static void	 buf_grow(struct buf *, size_t);
static int	 read_fd(int, struct buf *);
static int	 read_body(const char *, struct buf *);
static int	 ctl_connect(const char *);
static int	 write_all(int, const char *, size_t);
static int	 read_reply(int, struct buf *);
static char	*request_build(int, char **, struct buf *);
static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: reflectctl [-hV] [--json] [-s socket] command "
	    "[arg ...]\n"
	    "       reflectctl import kind file [key=value ...]\n");
	exit(status);
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t	ncap;

	if (b->cap - b->len >= need)
		return;
	ncap = b->cap == 0 ? 4096 : b->cap;
	while (ncap - b->len < need) {
		if (ncap > SIZE_MAX / 2) {
			fprintf(stderr, "reflectctl: out of memory\n");
			abort();
		}
		ncap *= 2;
	}
	b->data = xreallocarray(b->data, ncap, 1);
	b->cap = ncap;
}

/* Read fd to end of file.  -1 with errno on failure. */
static int
read_fd(int fd, struct buf *b)
{
	ssize_t	n;

	for (;;) {
		buf_grow(b, 65536);
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			return (0);
		b->len += (size_t)n;
	}
}

/* The whole import file, "-" meaning standard input. */
static int
read_body(const char *path, struct buf *b)
{
	int	fd, rc, saved;

	if (strcmp(path, "-") == 0)
		return (read_fd(STDIN_FILENO, b));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	rc = read_fd(fd, b);
	saved = errno;
	close(fd);
	errno = saved;
	return (rc);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* send() rather than write() so a vanished daemon is EPIPE, not SIGPIPE. */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Read up to and including the first newline, however long the reply.
 * 0: b holds the line (newline replaced by NUL); -1: error or end of file
 * first (errno 0 for a clean close).
 */
static int
read_reply(int fd, struct buf *b)
{
	ssize_t	 n;
	char	*nl;

	for (;;) {
		buf_grow(b, 4096);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = 0;
			return (-1);
		}
		nl = memchr(b->data + b->len, '\n', (size_t)n);
		b->len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			b->len = (size_t)(nl - b->data);
			return (0);
		}
	}
}

/*
 * The request line for argv.  An import sends the file as a body after
 * "bytes=N" in place of the file name.  Exits with EXIT_USAGE on problems
 * the user can fix.
 */
static char *
request_build(int argc, char **argv, struct buf *body)
{
	struct words	*w;
	struct err	 err;
	char		**v, *line, *bytes = NULL;
	int		  i, n = 0, import;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "bytes=", 6) == 0) {
			fprintf(stderr, "reflectctl: bytes= is set by "
			    "reflectctl itself\n");
			exit(EXIT_USAGE);
		}
	}
	import = strcmp(argv[0], "import") == 0;
	v = xcalloc((size_t)argc + 1, sizeof(*v));
	if (import) {
		if (argc < 3) {
			fprintf(stderr, "usage: reflectctl import "
			    "members|cases|absences file [key=value ...]\n");
			exit(EXIT_USAGE);
		}
		if (read_body(argv[2], body) == -1) {
			fprintf(stderr, "reflectctl: %s: %s\n", argv[2],
			    strerror(errno));
			exit(EXIT_USAGE);
		}
		v[n++] = argv[0];
		v[n++] = argv[1];
		for (i = 3; i < argc; i++)
			v[n++] = argv[i];
		xasprintf(&bytes, "bytes=%zu", body->len);
		v[n++] = bytes;
	} else {
		for (i = 0; i < argc; i++)
			v[n++] = argv[i];
	}
	line = words_join(n, v);
	free(bytes);
	free(v);

	/* Refuse here what the daemon would refuse: bad UTF-8, length. */
	err_clear(&err);
	if ((w = words_split(line, strlen(line), &err)) == NULL) {
		fprintf(stderr, "reflectctl: %s\n", err.msg);
		exit(EXIT_USAGE);
	}
	words_free(w);
	return (line);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct printer	*pr;
	const char		*sock = REFLECTD_SOCKET, *env;
	struct buf		 body = { NULL, 0, 0 }, reply = { NULL, 0, 0 };
	json_t			*j = NULL, *ok, *code, *msg, *result;
	json_error_t		 jerr;
	char			*line = NULL, *out, *ecode, *emsg;
	int			 ch, json = 0, fd = -1, rc = EXIT_NODAEMON;
	int			 werr = 0;

	if ((env = getenv("REFLECTD_SOCKET")) != NULL && *env != '\0')
		sock = env;
	/* "+": stop at the command, so its key=value words are left alone. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'V':
			printf("reflectctl %s\n", PACKAGE_VERSION);
			return (0);
		case ':':
			fprintf(stderr, "reflectctl: option %s needs an "
			    "argument\n", argv[optind - 1]);
			usage(stderr, EXIT_USAGE);
		default:
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				fprintf(stderr, "reflectctl: bad option %s\n",
				    argv[optind - 1]);
			else
				fprintf(stderr, "reflectctl: unknown option "
				    "-%c\n", optopt);
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(stderr, EXIT_USAGE);

	line = request_build(argc, argv, &body);

	if ((fd = ctl_connect(sock)) == -1) {
		fprintf(stderr, "reflectctl: cannot connect to %s: %s "
		    "(is reflectd running?)\n", sock, strerror(errno));
		goto out;
	}
	xasprintf(&out, "%s\n", line);
	/*
	 * If sending fails the daemon may still have said why (a refused
	 * line or body) before closing, so read whatever reply there is.
	 */
	if (write_all(fd, out, strlen(out)) == -1 ||
	    (body.len > 0 && write_all(fd, body.data, body.len) == -1))
		werr = errno;
	free(out);
	if (read_reply(fd, &reply) == -1) {
		if (errno == 0 && werr != 0)
			errno = werr;
		fprintf(stderr, "reflectctl: connection to %s lost before a "
		    "full reply%s%s\n", sock, errno != 0 ? ": " : "",
		    errno != 0 ? strerror(errno) : "");
		goto out;
	}

	j = json_loadb(reply.data, reply.len, 0, &jerr);
	if (j == NULL || !json_is_object(j) ||
	    !json_is_boolean(ok = json_object_get(j, "ok"))) {
		fprintf(stderr, "reflectctl: malformed reply from %s: %s\n",
		    sock, j == NULL ? jerr.text : "not a reply object");
		goto out;
	}
	if (json) {
		if ((out = json_dumps(j, JSON_COMPACT)) != NULL) {
			printf("%s\n", out);
			free(out);
		}
	}
	if (json_is_false(ok)) {
		code = json_object_get(j, "error");
		msg = json_object_get(j, "message");
		ecode = text_clean(json_is_string(code) ?
		    json_string_value(code) : "internal");
		emsg = text_clean(json_is_string(msg) ?
		    json_string_value(msg) : "request refused");
		fprintf(stderr, "reflectctl: %s: %s\n", ecode, emsg);
		free(ecode);
		free(emsg);
		if (!json)
			print_error_list(json_object_get(j, "result"));
		rc = EXIT_REFUSED;
		goto out;
	}
	if (!json) {
		result = json_object_get(j, "result");
		if ((pr = printer_find(argc, argv)) != NULL)
			pr->print(result);
		else
			print_generic(result);
	}
	rc = 0;

out:
	if (fflush(stdout) == EOF && rc == 0) {
		fprintf(stderr, "reflectctl: standard output: %s\n",
		    strerror(errno));
		rc = EXIT_REFUSED;
	}
	if (fd != -1)
		close(fd);
	json_decref(j);
	free(reply.data);
	free(body.data);
	free(line);
	return (rc);
}

