// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/log.h"
#include "zapvm/util.h"

/*
 * The leading unsigned number of @s; *@end points past it. 0 or -errno.
 * Decimal unless "0x"/"0X": a leading zero is not octal (strtoull's base 0
 * made --cpus 010 eight vCPUs and refused --cpus 08).
 */
static int parse_number(const char *s, uint64_t *v, char **end)
{
	unsigned long long n;
	const char *digits = s;
	int base = 10;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	/* strtoull would skip blanks and take a sign: digits only. */
	if (base == 16 ? !isxdigit((unsigned char)*digits) :
			 !isdigit((unsigned char)*digits))
		return -EINVAL;
	errno = 0;
	n = strtoull(digits, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	*v = n;
	return 0;
}

int parse_on_off(const char *s, bool *out)
{
	if (!strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;
	int ret = parse_number(s, &v, &end);

	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned int shift;
	} units[] = {
		{ "", 0 },     { "K", 10 }, { "KiB", 10 }, { "M", 20 },
		{ "MiB", 20 }, { "G", 30 }, { "GiB", 30 }, { "T", 40 },
		{ "TiB", 40 }, { "B", 0 },
	};
	char *end;
	uint64_t v;
	int ret = parse_number(s, &v, &end);

	if (ret)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*out = (uint64_t)v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	uint64_t r;

	if (__builtin_add_overflow(x, align - 1, &r))
		return false;
	*out = r & ~(align - 1);
	return true;
}

int set_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

int open_input(const char *path, int flags, bool blk_ok, struct stat *st)
{
	int fd;

	/*
	 * stat first so that a device is never opened (opening some, a
	 * watchdog or a tape, does something), then open without blocking
	 * (a FIFO with no writer would sleep in open() for ever) and check
	 * again what was opened: the path may have changed in between.
	 */
	if (stat(path, st))
		return -errno;
	if (!S_ISREG(st->st_mode) && !(blk_ok && S_ISBLK(st->st_mode)))
		return -EINVAL;
	fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd_settle(fd, blk_ok, st);
}

int fd_settle(int fd, bool blk_ok, struct stat *st)
{
	int fl;

	if (fstat(fd, st) ||
	    (!S_ISREG(st->st_mode) && !(blk_ok && S_ISBLK(st->st_mode)))) {
		close(fd);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		fl = -errno;
		close(fd);
		return fl;
	}
	return fd;
}

/* Read exactly @len bytes of @fd into a new *@buf; 0 or -errno. */
static int read_sized(int fd, uint64_t len, uint8_t **buf)
{
	uint64_t n = 0;
	ssize_t r;

	*buf = malloc(len);
	if (!*buf)
		return -ENOMEM;
	while (n < len) {
		r = read(fd, *buf + n, len - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			r = r < 0 ? -errno : -ENODATA; /* the file shrank */
			free(*buf);
			*buf = NULL;
			return (int)r;
		}
		n += (uint64_t)r;
	}
	return 0;
}

/*
 * Read @fd to its end into a new *@buf, for files whose size says 0 but
 * that have contents (procfs, sysfs). 0, -EFBIG past @max, or -errno.
 */
static int read_to_eof(int fd, uint64_t max, uint8_t **buf, uint64_t *len)
{
	uint64_t n = 0, cap = 0;
	uint8_t *b = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(b);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max +
				      1; /* one byte over tells "too big" */
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (!r)
			break;
		n += (uint64_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

int read_file(const char *path, uint64_t max, uint8_t **buf, uint64_t *len)
{
	struct stat st;
	uint64_t size;
	int fd = open_input(path, O_RDONLY, false, &st);
	int ret;

	if (fd < 0) {
		if (fd == -EINVAL)
			log_err("%s: not a regular file", path);
		else
			log_err("%s: %s", path, strerror(-fd));
		return fd;
	}
	size = (uint64_t)st.st_size;
	if (size > max)
		ret = -EFBIG;
	else if (size)
		ret = read_sized(fd, size, buf);
	else
		ret = read_to_eof(fd, max, buf, &size);
	close(fd);
	if (!ret && !size) {
		free(*buf);
		*buf = NULL; /* callers free what they own on error too */
		log_err("%s: empty file", path);
		return -EINVAL;
	}
	if (ret == -EFBIG && size > max)
		log_err("%s: %llu bytes, more than the %llu bytes allowed",
			path, (unsigned long long)size,
			(unsigned long long)max);
	else if (ret == -EFBIG)
		log_err("%s: more than the %llu bytes allowed", path,
			(unsigned long long)max);
	else if (ret == -ENODATA)
		log_err("%s: short read", path);
	else if (ret)
		log_err("%s: %s", path, strerror(-ret));
	if (ret)
		return ret == -ENODATA ? -EIO : ret;
	*len = size;
	return 0;
}
