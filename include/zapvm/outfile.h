/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output files another user cannot redirect: a report is written to a
 * temporary file made with mkstemp (O_EXCL: never through a symlink planted
 * at its name) beside the target and renamed onto it, so no half-written
 * file is ever seen; what is not a regular file is written through.
 */
#ifndef ZAPVM_OUTFILE_H
#define ZAPVM_OUTFILE_H

#include <stdio.h>

struct outfile {
	FILE *f; /* write the contents here */
	const char *what; /* the option, for messages ("--json") */
	const char *path; /* as given, for messages */
	char *target; /* renamed onto at commit; NULL when written through */
	char *tmp; /* the temporary file; NULL when written through */
};

/*
 * outfile__open - start writing @path for option @what (both kept for
 * messages, not copied). "-", /dev/stdout, /dev/stderr, /dev/fd/N and
 * /proc/self/fd/N write to that descriptor. An existing FIFO or character
 * device (/dev/null, /dev/full, a terminal) is opened and written through,
 * never replaced (opening a FIFO waits for a reader, as a shell
 * redirection does). A new path, an existing regular file or a symlink to
 * one get a temporary file made with mkstemp in the final target's
 * directory, mode 0666 & ~umask as fopen would give; a symlink keeps
 * pointing at its target, which commit replaces. Refused: a directory
 * (-EISDIR), a missing directory or a dangling symlink (-ENOENT), a block
 * device or socket (-EINVAL), a path too long for the temporary name
 * (-ENAMETOOLONG), a directory where no file can be created (the error,
 * -EROFS on procfs or sysfs). Returns 0, or -errno after logging one line.
 */
int outfile__open(struct outfile *of, const char *what, const char *path);

/*
 * outfile__commit - finish @of: flush, check for write errors, fsync and
 * close a temporary file and rename it onto the target (stdout is flushed,
 * not closed). Returns 0, or -errno after logging one line ("write failed"
 * with the reason, -ENOSPC on /dev/full); on error the temporary file is
 * removed. @of is closed either way.
 */
int outfile__commit(struct outfile *of);

/* outfile__abort - close @of without committing; the temporary file goes. */
void outfile__abort(struct outfile *of);

/*
 * outfile__check - whether @path could be written by outfile__open, for
 * checks before long work: the same refusals and one-line messages, and a
 * temporary file is created and removed to prove the directory takes one.
 * A FIFO or device is not opened (that could wait), only checked for write
 * permission. Returns 0 or -errno; nothing is left behind.
 */
int outfile__check(const char *what, const char *path);

#endif /* ZAPVM_OUTFILE_H */
