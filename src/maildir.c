/*
 * Maildir delivery for the mailer worker thread: write the message under
 * tmp/, fsync it, rename it into new/ and fsync new/, so a message in new/
 * is complete and durable.  The file name comes from the Message-ID, so a
 * redelivery after a crash replaces the first copy rather than adding a
 * second.  Runs off the main thread: no logging state, no SQLite, no
 * event loop, and no exit on any error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* SHA256_Init and friends: deprecated in OpenSSL 3, kept for their size. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "maildir.h"

#define MAILDIR_NAMELEN	64

static int	maildir_name(const char *, char *, size_t);
static int	maildir_mkdir(const char *, char *, size_t);
static int	maildir_fsync_dir(const char *, char *, size_t);

static int
maildir_mkdir(const char *path, char *errbuf, size_t errlen)
{
	struct stat	st;

	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(errbuf, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (stat(path, &st) == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a directory", path);
		return (-1);
	}
	return (0);
}

int
maildir_prepare(const char *dir, char *errbuf, size_t errlen)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	char		 path[4096];
	size_t		 i;

	if (maildir_mkdir(dir, errbuf, errlen) == -1)
		return (-1);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    subs[i]) >= sizeof(path)) {
			snprintf(errbuf, errlen, "maildir path too long");
			return (-1);
		}
		if (maildir_mkdir(path, errbuf, errlen) == -1)
			return (-1);
	}
	return (0);
}

/* "reflectd." and hex of the first 16 bytes of SHA-256(msgid): no slashes. */
static int
maildir_name(const char *msgid, char *name, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	SHA256_CTX		 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 i, off;

	/* Not EVP: its provider tables are 2 MB of the daemon (message.c). */
	if (SHA256_Init(&ctx) != 1 ||
	    SHA256_Update(&ctx, msgid, strlen(msgid)) != 1 ||
	    SHA256_Final(md, &ctx) != 1)
		return (-1);
	off = (size_t)snprintf(name, len, "reflectd.");
	if (off + 33 > len)
		return (-1);
	for (i = 0; i < 16; i++) {
		name[off++] = hex[md[i] >> 4];
		name[off++] = hex[md[i] & 0xf];
	}
	name[off] = '\0';
	return (0);
}

static int
maildir_fsync_dir(const char *path, char *errbuf, size_t errlen)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fsync(fd) == -1) {
		snprintf(errbuf, errlen, "fsync %s: %s", path,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

int
maildir_deliver(const char *dir, const char *msgid, const char *data,
    size_t len, char *errbuf, size_t errlen)
{
	char		 name[MAILDIR_NAMELEN];
	char		 tmp[4096], new[4096], newdir[4096];
	const char	*p = data;
	size_t		 left = len;
	ssize_t		 w;
	int		 fd, saved;

	if (maildir_name(msgid, name, sizeof(name)) == -1) {
		snprintf(errbuf, errlen, "cannot hash message id");
		return (-1);
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name) >=
	    sizeof(tmp) ||
	    (size_t)snprintf(new, sizeof(new), "%s/new/%s", dir, name) >=
	    sizeof(new) ||
	    (size_t)snprintf(newdir, sizeof(newdir), "%s/new", dir) >=
	    sizeof(newdir)) {
		snprintf(errbuf, errlen, "maildir path too long");
		return (-1);
	}

	/* A leftover from a crash mid-write is ours and incomplete. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		snprintf(errbuf, errlen, "unlink %s: %s", tmp, strerror(errno));
		return (-1);
	}
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(errbuf, errlen, "create %s: %s", tmp, strerror(errno));
		return (-1);
	}
	while (left > 0) {
		w = write(fd, p, left);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "write %s: %s", tmp,
			    strerror(errno));
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		snprintf(errbuf, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(errbuf, errlen, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, new) == -1) {
		snprintf(errbuf, errlen, "rename %s: %s", tmp, strerror(errno));
		goto fail;
	}
	return (maildir_fsync_dir(newdir, errbuf, errlen));
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return (-1);
}
