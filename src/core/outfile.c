// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files: a temporary file from mkstemp beside the target, renamed
 * onto it. The old PATH.tmp.PID opened with fopen("w") followed a symlink
 * another user planted at that predictable name, and the rename replaced
 * whatever PATH was (as root, --json /dev/null replaced /dev/null).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/util.h"

#define TMP_SUFFIX ".tmp.XXXXXX"

enum out_kind {
	OUT_FD, /* "-", /dev/stdout, /dev/fd/N: an open descriptor */
	OUT_DIRECT, /* an existing FIFO or character device */
	OUT_RENAME, /* a new or regular file: temporary file and rename */
};

/* The descriptor @path names ("-", /dev/stdout, /dev/fd/N...), or -1. */
static int outfile__fd_of(const char *path)
{
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/" };
	uint64_t n;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t len = strlen(prefixes[i]);

		if (!strncmp(path, prefixes[i], len) &&
		    !parse_u64(path + len, &n) && n <= INT_MAX)
			return (int)n;
	}
	return -1;
}

/*
 * What kind of output @of->path is; sets @of->target for OUT_RENAME,
 * *@fd for OUT_FD, *@link when the path is a symlink. -errno after a line.
 */
static int outfile__resolve(struct outfile *of, int *fd, bool *link)
{
	struct stat lst, st;

	*fd = outfile__fd_of(of->path);
	*link = false;
	if (*fd >= 0)
		return OUT_FD;
	if (lstat(of->path, &lst)) {
		if (errno != ENOENT) {
			int err = errno;

			log_err("%s %s: %s", of->what, of->path, strerror(err));
			return -err;
		}
		lst.st_mode = S_IFREG; /* a new file */
	}
	st = lst;
	*link = S_ISLNK(lst.st_mode);
	if (*link && stat(of->path, &st)) {
		int err = errno;

		if (err == ENOENT)
			log_err("%s %s: a dangling symbolic link (not followed)",
				of->what, of->path);
		else
			log_err("%s %s: %s", of->what, of->path, strerror(err));
		return -err;
	}
	if (S_ISDIR(st.st_mode)) {
		log_err("%s %s: is a directory", of->what, of->path);
		return -EISDIR;
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return OUT_DIRECT;
	if (!S_ISREG(st.st_mode)) {
		log_err("%s %s: not a regular file, FIFO or character device",
			of->what, of->path);
		return -EINVAL;
	}
	/* Replace what the link points at, as "> link" would write it. */
	of->target = *link ? realpath(of->path, NULL) : strdup(of->path);
	if (!of->target) {
		int err = errno;

		log_err("%s %s: %s", of->what, of->path, strerror(err));
		return -err;
	}
	return OUT_RENAME;
}

/* fopen("w") gives 0666 & ~umask; mkstemp 0600. */
static mode_t outfile__mode(void)
{
	/* Read and put back: no other thread creates files meanwhile. */
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/* Why no temporary file could be made beside @of->target (errno @err). */
static int outfile__no_tmp(struct outfile *of, int err)
{
	char *dir = strdup(of->target), *slash;
	struct statfs sfs;
	struct stat st;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0'; /* keep "/" itself */
	if (stat(dir, &st)) {
		err = errno;
		log_err("%s %s: %s: %s", of->what, of->path, dir,
			strerror(err));
	} else if (!statfs(dir, &sfs) && (sfs.f_type == PROC_SUPER_MAGIC ||
					  sfs.f_type == SYSFS_MAGIC)) {
		log_err("%s %s: cannot create a file in %s (%s)", of->what,
			of->path, dir,
			sfs.f_type == PROC_SUPER_MAGIC ? "procfs" : "sysfs");
		err = EROFS;
	} else {
		log_err("%s %s: cannot create a file in %s: %s", of->what,
			of->path, dir, strerror(err));
	}
	free(dir);
	return -err;
}

/* Make @of->tmp beside @of->target; the descriptor or -errno. */
static int outfile__mktemp(struct outfile *of)
{
	size_t len = strlen(of->target) + sizeof(TMP_SUFFIX);
	int fd;

	if (len > PATH_MAX) {
		log_err("%s %s: path too long", of->what, of->path);
		return -ENAMETOOLONG;
	}
	of->tmp = malloc(len);
	if (!of->tmp)
		return -ENOMEM;
	snprintf(of->tmp, len, "%s" TMP_SUFFIX, of->target);
	/* O_CREAT|O_EXCL: a symlink at the name fails, is never followed. */
	fd = mkostemp(of->tmp, O_CLOEXEC);
	if (fd < 0) {
		fd = outfile__no_tmp(of, errno);
		free(of->tmp);
		of->tmp = NULL;
		return fd;
	}
	if (fchmod(fd, outfile__mode())) {
		int err = errno;

		log_err("%s %s: %s: %s", of->what, of->path, of->tmp,
			strerror(err));
		close(fd);
		unlink(of->tmp);
		free(of->tmp);
		of->tmp = NULL;
		return -err;
	}
	return fd;
}

/* Open the FIFO or device @of->path; follow a symlink only if it was one. */
static int outfile__open_direct(struct outfile *of, bool link)
{
	struct stat st;
	int fd = open(of->path, O_WRONLY | O_NOCTTY | O_CLOEXEC |
					(link ? 0 : O_NOFOLLOW));
	int err;

	if (fd < 0) {
		err = errno;
		log_err("%s %s: %s", of->what, of->path, strerror(err));
		return -err;
	}
	/* Swapped for a regular file meanwhile: it is not ours to write. */
	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		log_err("%s %s: changed while it was opened", of->what,
			of->path);
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

static void outfile__free(struct outfile *of)
{
	free(of->target);
	free(of->tmp);
	of->target = NULL;
	of->tmp = NULL;
	of->f = NULL;
}

int outfile__open(struct outfile *of, const char *what, const char *path)
{
	int kind, fd;
	bool link;

	*of = (struct outfile){ .what = what, .path = path };
	kind = outfile__resolve(of, &fd, &link);
	if (kind < 0)
		goto err_free;
	if (kind == OUT_FD && fd == STDOUT_FILENO) {
		of->f = stdout;
		return 0;
	}
	if (kind == OUT_FD && fd == STDERR_FILENO) {
		of->f = stderr;
		return 0;
	}
	if (kind == OUT_FD) {
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			fd = -errno;
			log_err("%s %s: %s", what, path, strerror(-fd));
		}
	} else if (kind == OUT_DIRECT) {
		fd = outfile__open_direct(of, link);
	} else {
		fd = outfile__mktemp(of);
	}
	if (fd < 0) {
		kind = fd;
		goto err_free;
	}
	of->f = fdopen(fd, "w");
	if (!of->f) {
		kind = -errno;
		close(fd);
		goto err_unlink;
	}
	return 0;

err_unlink:
	if (of->tmp)
		unlink(of->tmp);
err_free:
	outfile__free(of);
	return kind;
}

int outfile__commit(struct outfile *of)
{
	bool std = of->f == stdout || of->f == stderr;
	int err = 0;

	if (fflush(of->f))
		err = -errno;
	else if (ferror(of->f))
		err = -EIO;
	else if (of->tmp && fsync(fileno(of->f)))
		err = -errno; /* no empty file after a crash */
	if (!std && fclose(of->f) && !err)
		err = -errno;
	of->f = NULL;
	if (err) {
		log_err("%s %s: write failed: %s", of->what, of->path,
			strerror(-err));
		goto err_unlink;
	}
	if (of->tmp && rename(of->tmp, of->target)) {
		err = -errno;
		log_err("%s %s: %s", of->what, of->path, strerror(-err));
		goto err_unlink;
	}
	outfile__free(of);
	return 0;

err_unlink:
	if (of->tmp)
		unlink(of->tmp);
	outfile__free(of);
	return err;
}

void outfile__abort(struct outfile *of)
{
	if (of->f && of->f != stdout && of->f != stderr)
		fclose(of->f);
	if (of->tmp)
		unlink(of->tmp);
	outfile__free(of);
}

int outfile__check(const char *what, const char *path)
{
	struct outfile of = { .what = what, .path = path };
	int kind, fd;
	bool link;

	kind = outfile__resolve(&of, &fd, &link);
	if (kind == OUT_FD && fcntl(fd, F_GETFD) < 0) {
		kind = -errno;
		log_err("%s %s: %s", what, path, strerror(-kind));
	} else if (kind == OUT_DIRECT &&
		   faccessat(AT_FDCWD, path, W_OK, AT_EACCESS)) {
		kind = -errno;
		log_err("%s %s: %s", what, path, strerror(-kind));
	} else if (kind == OUT_RENAME) {
		fd = outfile__mktemp(&of);
		if (fd >= 0) {
			close(fd);
			unlink(of.tmp);
		}
		kind = fd;
	}
	outfile__free(&of);
	return kind < 0 ? kind : 0;
}
