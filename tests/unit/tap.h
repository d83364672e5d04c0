/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal TAP producer for the unit tests. */
#ifndef ZAPVM_TAP_H
#define ZAPVM_TAP_H

#include <inttypes.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                 \
	({                                                            \
		int __c = !!(cond);                                   \
		printf("%sok %d - ", __c ? "" : "not ", ++tap_n);     \
		printf(__VA_ARGS__);                                  \
		printf("\n");                                         \
		if (!__c) {                                           \
			tap_failed++;                                 \
			printf("#   failed at %s:%d: %s\n", __FILE__, \
			       __LINE__, #cond);                      \
		}                                                     \
		__c;                                                  \
	})

#define is_int(got, want, ...)                                         \
	({                                                             \
		long long __g = (got), __w = (want);                   \
		int __ic = ok(__g == __w, __VA_ARGS__);                \
		if (!__ic)                                             \
			printf("#   got %lld, want %lld\n", __g, __w); \
		__ic;                                                  \
	})

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* ZAPVM_TAP_H */
