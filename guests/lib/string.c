// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bits of libc that libfdt.a and the guests need. glibc's headers only
 * declare them, so the prototypes are checked against the real ones.
 *
 * memcpy/memset/memmove use "rep movsb/stosb": short, fast on any CPU with
 * ERMS, and immune to the compiler turning a byte loop back into a call to
 * the very function being defined.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	if ((unsigned long)dst - (unsigned long)src >= n)
		return memcpy(dst, src, n);
	/* Overlap with dst above src: copy backwards. */
	dst = (char *)dst + n - 1;
	src = (const char *)src + n - 1;
	asm volatile("std; rep movsb; cld"
		     : "+D"(dst), "+S"(src), "+c"(n)
		     :
		     : "memory");
	return ret;
}

void *memset(void *s, int c, size_t n)
{
	void *ret = s;

	asm volatile("rep stosb" : "+D"(s), "+c"(n) : "a"(c) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* C semantics, except that errno does not exist: overflow gives ULONG_MAX. */
unsigned long strtoul(const char *restrict nptr, char **restrict endptr,
		      int base)
{
	const char *s = nptr, *digits;
	unsigned long v = 0;
	bool neg = false, over = false;
	int d;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	digits = s;
	for (; (d = digit_value(*s)) < base; s++) {
		if (__builtin_mul_overflow(v, (unsigned long)base, &v) ||
		    __builtin_add_overflow(v, (unsigned long)d, &v))
			over = true;
	}
	if (endptr)
		*endptr = (char *)(s == digits ? nptr : s);
	if (over)
		return ULONG_MAX;
	return neg ? -v : v;
}
