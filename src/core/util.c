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

int errno_to_exit(int err)
{
	switch (err) {
	case -ENOENT:
		return ZAPVM_EXIT_NOINPUT;
	case -EACCES:
	case -EPERM:
		return ZAPVM_EXIT_NOPERM;
	case -ENOEXEC:
	case -EEXIST:
	case -EINVAL:
	case -EFBIG:
	case -ERANGE:
		return ZAPVM_EXIT_DATAERR;
	case -EOPNOTSUPP:
	case -ENODEV:
	case -ENXIO:
		return ZAPVM_EXIT_UNAVAILABLE;
	default:
		return ZAPVM_EXIT_SOFTWARE;
	}
}

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
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
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

int read_file(const char *path, uint64_t max, uint8_t **buf, uint64_t *len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		ret = -errno;
		log_err("%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_err("%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		log_err("%s: %lld bytes, more than the %llu bytes allowed",
			path, (long long)st.st_size, (unsigned long long)max);
		close(fd);
		return -EFBIG;
	}
	if (!st.st_size) {
		log_err("%s: empty file", path);
		close(fd);
		return -EINVAL;
	}
	*buf = malloc(st.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, *buf, st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		log_err("%s: short read", path);
		free(*buf);
		return -EIO;
	}
	*len = (uint64_t)st.st_size;
	return 0;
}
