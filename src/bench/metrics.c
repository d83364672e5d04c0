// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the scenarios and writers compute from: a run's phase log, the
 * guest's args, 2 MiB regions for the floors, each cell's statistics and
 * the policy ratios.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/util.h"

#include "bench.h"

int phase__index(const struct vm_result *res, const char *name)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *p = phase_log__name(res->phases, i);

		if (p && !strcmp(p, name))
			return (int)i;
	}
	return -1;
}

double phase__val(const struct vm_result *res, int phase,
		  enum phase_scope scope, const char *stat)
{
	uint64_t v;

	if (phase < 0 ||
	    phase_log__value(res->phases, (unsigned int)phase, scope, stat, &v))
		return NAN;
	return (double)v;
}

double phase__sum_from(const struct vm_result *res, unsigned int from,
		       enum phase_scope scope, const char *stat)
{
	uint64_t v;

	if (!res->phases || phase_log__sum(res->phases, from, scope, stat, &v))
		return NAN;
	return (double)v;
}

/* An instant VM stat (pages_4k, ...) at the end of the run. */
double phase__stat_at_end(const struct vm_result *res, const char *stat)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;

	return n ? phase__val(res, (int)n - 1, PHASE_VM, stat) : NAN;
}

/* The value of "key=N" in a zapvm,args string, or @def. */
uint64_t args__u64(const char *args, const char *key, uint64_t def)
{
	size_t klen = strlen(key);
	const char *p = args;
	uint64_t v;

	while (p && *p) {
		char word[64];
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len > klen && len < sizeof(word) && p[klen] == '=' &&
		    !strncmp(p, key, klen)) {
			memcpy(word, p + klen + 1, len - klen - 1);
			word[len - klen - 1] = '\0';
			if (!parse_size(word, &v))
				return v;
		}
		p += len;
	}
	return def;
}

uint64_t bench__div_up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

int regions__init(struct regions *r, uint64_t mem)
{
	r->n = bench__div_up(mem, PAGE_2M);
	r->count = 0;
	r->bits = calloc(bench__div_up(r->n, 8), 1);
	return r->bits ? 0 : -ENOMEM;
}

void regions__add(struct regions *r, uint64_t gpa, uint64_t len)
{
	if (!len || !r->bits)
		return;
	for (uint64_t i = gpa / PAGE_2M; i <= (gpa + len - 1) / PAGE_2M; i++) {
		if (i >= r->n || (r->bits[i / 8] & (1U << (i % 8))))
			continue;
		r->bits[i / 8] |= 1U << (i % 8);
		r->count++;
	}
}

void bench__summarise(struct bench *b)
{
	for (unsigned int k = 0; k < b->ncells; k++) {
		struct bench_cell *c = &b->cells[k];

		for (unsigned int i = 0; i < b->o.sc->nmetrics; i++) {
			double *x = c->values[i];
			unsigned int n = 0;

			/* Drop the runs where a stat was missing (NAN). */
			for (unsigned int r = 0; r < c->nok; r++)
				if (isfinite(c->values[i][r]))
					x[n++] = c->values[i][r];
			benchstat__summary(x, n, &c->stat[i]);
		}
	}
}

void bench__pairs(const struct bench *b, pair_fn fn, void *ctx)
{
	unsigned int per = b->o.npolicy;

	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *den = &b->cells[k];

		for (unsigned int j = k % per + 1; j < per; j++) {
			const struct bench_cell *num =
				&b->cells[k - k % per + j];

			for (unsigned int m = 0; m < b->o.sc->nmetrics; m++) {
				struct bratio r;

				benchstat__ratio(&num->stat[m], &den->stat[m],
						 &r);
				fn(b, num, den, m, &r, ctx);
			}
		}
	}
}
