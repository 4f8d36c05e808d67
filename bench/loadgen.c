/*
 * loadgen: a closed-loop load generator for a line protocol on a Unix
 * socket.  Each of N connections sends a request line and waits for its
 * reply line before it sends the next, for S seconds after W seconds of
 * warm-up; then it prints the requests per second and the latency
 * percentiles in microseconds, as key=value pairs on one line.  Every reply
 * must start with the expected prefix, else it stops and says so: a fast
 * wrong answer is not a figure.  One thread and poll(2), and nothing
 * allocated per request, so that the server, not the client, is what is
 * measured.  With -P, the server's CPU time per request (from Linux's
 * /proc) is printed too: what else the machine runs moves it much less
 * than it moves requests per second.  Used by bench/control-status; not
 * part of reflectd.
 *
 * usage: loadgen [-c connections] [-d seconds] [-P pid] [-p prefix]
 *            [-r request] [-w seconds] socket
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOADGEN_LINE_MAX	(256 * 1024)	/* longest reply taken */
#define LOADGEN_CONN_MAX	1024
#define LOADGEN_WAIT_SECONDS	10		/* for the socket to answer */

struct conn {
	int		 fd;
	char		*buf;		/* the reply so far */
	size_t		 len;
	size_t		 sent;		/* bytes of the request written */
	uint64_t	 start;		/* ns: its request's first byte went */
};

struct samples {
	uint64_t	*v;		/* latencies in ns */
	size_t		 n;
	size_t		 size;
};

static void	 usage(void);
static void	 die(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2), __noreturn__));
static uint64_t	 now_ns(void);
static double	 parse_seconds(const char *, const char *);
static double	 cpu_seconds(long);
static int	 conn_open(const char *);
static void	 conn_send(struct conn *, int, const char *, size_t, uint64_t);
static int	 conn_reply(struct conn *, int, const char *, size_t,
		    size_t *);
static void	 samples_add(struct samples *, uint64_t);
static double	 samples_pct(const struct samples *, int);
static int	 cmp_u64(const void *, const void *);

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-c connections] [-d seconds] "
	    "[-P pid] [-p prefix] [-r request] [-w seconds] socket\n");
	exit(2);
}

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static double
parse_seconds(const char *s, const char *what)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || d < 0 || d > 86400)
		die("bad %s: %s", what, s);
	return (d);
}

/* The user and system time process pid has used, in seconds. */
static double
cpu_seconds(long pid)
{
	FILE			*f;
	char			 path[64], buf[1024], *p;
	unsigned long long	 utime, stime;
	long			 hz;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (fgets(buf, sizeof(buf), f) == NULL)
		die("%s: cannot read", path);
	fclose(f);
	/* After the command's closing parenthesis: state is field 3. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &utime, &stime) != 2)
		die("%s: cannot parse", path);
	if ((hz = sysconf(_SC_CLK_TCK)) <= 0)
		die("sysconf: no clock ticks");
	return ((double)(utime + stime) / (double)hz);
}

/*
 * Connect, waiting while the server is still starting (no socket file yet,
 * or not yet listening), then go non-blocking.
 */
static int
conn_open(const char *path)
{
	struct sockaddr_un	 sun;
	uint64_t		 deadline;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);

	deadline = now_ns() + LOADGEN_WAIT_SECONDS * 1000000000ULL;
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    now_ns() > deadline)
			die("connect %s: %s", path, strerror(errno));
		close(fd);
		usleep(20000);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
	return (fd);
}

/* Write what is left of the request; poll for POLLOUT if it does not fit. */
static void
conn_send(struct conn *c, int i, const char *req, size_t reqlen,
    uint64_t now)
{
	ssize_t	n;

	if (c->sent == 0)
		c->start = now;
	while (c->sent < reqlen) {
		n = write(c->fd, req + c->sent, reqlen - c->sent);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1)
			die("connection %d: write: %s", i, strerror(errno));
		c->sent += (size_t)n;
	}
}

/*
 * Read what the server sent.  Returns 1 with the reply's length in *len
 * when a whole line is in, 0 when more is to come.  Anything after the
 * line is an error: the server answered a request not yet asked.
 */
static int
conn_reply(struct conn *c, int i, const char *prefix, size_t prefixlen,
    size_t *len)
{
	char	*eol;
	ssize_t	 n;

	for (;;) {
		if (c->len == LOADGEN_LINE_MAX)
			die("connection %d: reply longer than %d bytes", i,
			    LOADGEN_LINE_MAX);
		n = read(c->fd, c->buf + c->len, LOADGEN_LINE_MAX - c->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (0);
		if (n == -1)
			die("connection %d: read: %s", i, strerror(errno));
		if (n == 0)
			die("connection %d: closed by the server%s", i,
			    c->len > 0 ? " in the middle of a reply" : "");
		eol = memchr(c->buf + c->len, '\n', (size_t)n);
		c->len += (size_t)n;
		if (eol == NULL)
			continue;
		*len = (size_t)(eol - c->buf) + 1;
		if (*len < c->len)
			die("connection %d: %zu bytes after the reply, before "
			    "the next request", i, c->len - *len);
		if (*len - 1 < prefixlen ||
		    memcmp(c->buf, prefix, prefixlen) != 0)
			die("connection %d: reply does not start with %s: "
			    "%.*s", i, prefix, (int)(*len - 1 > 200 ? 200 :
			    *len - 1), c->buf);
		c->len = 0;
		c->sent = 0;
		return (1);
	}
}

static void
samples_add(struct samples *s, uint64_t v)
{
	uint64_t	*p;
	size_t		 size;

	if (s->n == s->size) {
		size = s->size == 0 ? 65536 : s->size * 2;
		if ((p = realloc(s->v, size * sizeof(*p))) == NULL)
			die("out of memory for %zu latencies", size);
		s->v = p;
		s->size = size;
	}
	s->v[s->n++] = v;
}

/* The pct-th percentile (nearest rank) of sorted samples, in us. */
static double
samples_pct(const struct samples *s, int pct)
{
	size_t	rank;

	if (s->n == 0)
		return (0);
	rank = (s->n * (size_t)pct + 99) / 100;
	if (rank == 0)
		rank = 1;
	return ((double)s->v[rank - 1] / 1000.0);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char *argv[])
{
	struct conn	*conns;
	struct pollfd	*pfds;
	struct samples	 lat;
	const char	*prefix = "{\"ok\":true";
	char		*req, *end;
	double		 seconds = 5, warmup = 0, elapsed, cpu0 = 0, cpu;
	uint64_t	 t0, measure, stop, now;
	size_t		 reqlen, prefixlen, len, replylen = 0;
	long		 nconns = 8, pid = 0;
	int		 ch, i, n, timeout, measuring = 0;

	req = strdup("status");
	while ((ch = getopt(argc, argv, "c:d:P:p:r:w:")) != -1) {
		switch (ch) {
		case 'c':
			errno = 0;
			nconns = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    nconns < 1 || nconns > LOADGEN_CONN_MAX)
				die("bad connections: %s (1 to %d)", optarg,
				    LOADGEN_CONN_MAX);
			break;
		case 'd':
			seconds = parse_seconds(optarg, "seconds");
			break;
		case 'P':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    pid < 1)
				die("bad pid: %s", optarg);
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'r':
			free(req);
			req = strdup(optarg);
			break;
		case 'w':
			warmup = parse_seconds(optarg, "warm-up");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || seconds <= 0)
		usage();

	/* The request as sent: one line. */
	if (req == NULL || strchr(req, '\n') != NULL)
		die("the request is one line, without its newline");
	reqlen = strlen(req) + 1;
	if ((req = realloc(req, reqlen + 1)) == NULL)
		die("out of memory");
	req[reqlen - 1] = '\n';
	req[reqlen] = '\0';
	prefixlen = strlen(prefix);

	conns = calloc((size_t)nconns, sizeof(*conns));
	pfds = calloc((size_t)nconns, sizeof(*pfds));
	if (conns == NULL || pfds == NULL)
		die("out of memory");
	for (i = 0; i < nconns; i++) {
		conns[i].fd = conn_open(argv[0]);
		if ((conns[i].buf = malloc(LOADGEN_LINE_MAX)) == NULL)
			die("out of memory");
		pfds[i].fd = conns[i].fd;
	}
	memset(&lat, 0, sizeof(lat));

	/*
	 * Only requests sent after the warm-up count, and only those answered
	 * before the end; the few in flight at either edge are left out.
	 */
	t0 = now_ns();
	measure = t0 + (uint64_t)(warmup * 1e9);
	stop = measure + (uint64_t)(seconds * 1e9);
	for (i = 0; i < nconns; i++)
		conn_send(&conns[i], i, req, reqlen, t0);

	for (;;) {
		now = now_ns();
		if (now >= stop)
			break;
		if (pid != 0 && !measuring && now >= measure) {
			cpu0 = cpu_seconds(pid);
			measuring = 1;
		}
		for (i = 0; i < nconns; i++)
			pfds[i].events = conns[i].sent < reqlen ?
			    POLLOUT : POLLIN;
		timeout = (int)((stop - now) / 1000000) + 1;
		if ((n = poll(pfds, (nfds_t)nconns, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = 0; i < nconns && n > 0; i++) {
			if (pfds[i].revents == 0)
				continue;
			n--;
			if (conns[i].sent < reqlen) {
				conn_send(&conns[i], i, req, reqlen, 0);
				continue;
			}
			if (!conn_reply(&conns[i], i, prefix, prefixlen, &len))
				continue;
			/* Each its own clock reading: the others took time. */
			now = now_ns();
			replylen = len;
			if (conns[i].start >= measure && now < stop)
				samples_add(&lat, now - conns[i].start);
			conn_send(&conns[i], i, req, reqlen, now);
		}
	}

	cpu = pid != 0 ? cpu_seconds(pid) - cpu0 : 0;
	if (lat.n == 0)
		die("no request answered in %.2f s", seconds);
	qsort(lat.v, lat.n, sizeof(*lat.v), cmp_u64);
	elapsed = (double)(stop - measure) / 1e9;
	printf("connections=%ld seconds=%.2f requests=%zu rps=%.0f "
	    "p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
	    "reply_bytes=%zu", nconns, elapsed, lat.n,
	    (double)lat.n / elapsed, samples_pct(&lat, 50),
	    samples_pct(&lat, 90), samples_pct(&lat, 99),
	    (double)lat.v[lat.n - 1] / 1000.0, replylen);
	if (pid != 0)
		printf(" server_cpu_us=%.1f", cpu * 1e6 / (double)lat.n);
	printf("\n");

	for (i = 0; i < nconns; i++) {
		close(conns[i].fd);
		free(conns[i].buf);
	}
	free(conns);
	free(pfds);
	free(lat.v);
	free(req);
	return (0);
}
