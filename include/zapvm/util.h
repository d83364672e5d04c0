/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers: number parsing, clocks, input files. */
#ifndef ZAPVM_UTIL_H
#define ZAPVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * The exit statuses (enum zapvm_exit, errno_to_exit()) for the command
 * layer's files that name them through this header; the VMM library must
 * not (tests/unit/test_layers.sh).
 */
#include "zapvm/exit.h"

/* The number of elements of array @a (an array, not a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * parse_size - parse "123", "4K", "512M", "2G", "1T" (binary units, also
 * "KiB" etc.) or a 0x-prefixed hex number into bytes. Decimal unless "0x":
 * "0100M" is 100 MiB, not octal. Rejects empty strings, trailing junk,
 * unknown suffixes, negative numbers and overflow (-EINVAL or -ERANGE).
 */
int parse_size(const char *s, uint64_t *out);

/*
 * parse_u64 - a decimal or 0x hex number, the whole string; a leading zero
 * is decimal ("010" is 10, "08" is 8). 0 or -errno.
 */
int parse_u64(const char *s, uint64_t *out);

/* parse_on_off - "on" (true) or "off" (false); -EINVAL otherwise. */
int parse_on_off(const char *s, bool *out);

/* now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* Round @x up to a multiple of @align (a power of two); false on overflow. */
bool align_up(uint64_t x, uint64_t align, uint64_t *out);

/*
 * set_why - print the one-line reason a parser rejects its input into @why
 * (@why_len bytes; nothing when @why is NULL or @why_len 0). Returns
 * -ENOEXEC, the usual "cannot use this file", for `return set_why(...)`.
 */
__attribute__((format(printf, 3, 4))) int set_why(char *why, size_t why_len,
						  const char *fmt, ...);

/*
 * open_input - open input file @path with @flags (O_RDONLY or O_RDWR) when
 * it is a regular file, or also a block device when @blk_ok, and fill @st.
 * Never blocks in open() and never opens anything else: a FIFO, socket,
 * character device or directory is refused before open() (and checked
 * again with fstat after it); the descriptor is O_CLOEXEC and blocking.
 * Returns the descriptor, or -errno without logging: what stat() or open()
 * said (-ENOENT, -EACCES, -EROFS...) or -EINVAL for the wrong kind of file.
 */
int open_input(const char *path, int flags, bool blk_ok, struct stat *st);

/*
 * fd_settle - the second half of open_input() for a @fd opened with
 * O_NONBLOCK: fstat() it into @st, refuse what is not a regular file (or,
 * with @blk_ok, a block device) with -EINVAL, then clear O_NONBLOCK.
 * Returns @fd, or -errno with @fd closed.
 */
int fd_settle(int fd, bool blk_ok, struct stat *st);

/*
 * read_file - read all of regular file @path (at most @max bytes) into a
 * malloc'ed buffer; opened with open_input(), so a FIFO or device is
 * refused, never waited on. A file whose size reads 0 but that has
 * contents (procfs, sysfs) is read to its end. Returns 0, or -errno after
 * logging one line: -ENOENT, -EACCES, -EINVAL (not a regular file, empty),
 * -EFBIG (over @max), -EIO (short read), -ENOMEM.
 */
int read_file(const char *path, uint64_t max, uint8_t **buf, uint64_t *len);

#endif /* ZAPVM_UTIL_H */
