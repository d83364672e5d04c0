// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench cow (seed 003): faults per written page after a read,
 * .change_pte() prefetch on and off.
 */
#include <math.h>
#include <stdio.h>

#include "zapvm/guest_abi.h"
#include "zapvm/stats.h"
#include "zapvm/util.h"

#include "bench.h"

/* cow: vCPU 0 reads then writes pages=N pages (guests/cow). */
static void cow__prepare(struct bench_cell *c, uint64_t base,
			 const char *user_args)
{
	uint64_t pages;

	if (user_args) {
		snprintf(c->args, sizeof(c->args), "%s", user_args);
	} else {
		pages = (c->mem - base) / PAGE_4K / 2;
		snprintf(c->args, sizeof(c->args), "pages=%llu",
			 (unsigned long long)pages);
	}
	c->guest_param = args__u64(c->args, "pages", 4096);
	/* One fault per written page is the ideal .change_pte() prefetch
	 * aims at: the read fault maps the zero page, the write is a COW. */
	cell__add_floor(c, "write", "faults_write", (double)c->guest_param,
			(double)c->guest_param);
}

static void cow__collect(const struct bench_cell *c,
			 const struct vm_result *res,
			 const struct zap_probe *zp, double *v)
{
	int read = phase__index(res, "read"),
	    write = phase__index(res, "write");

	v[0] = phase__val(res, read, PHASE_VCPU, "pf_taken");
	v[1] = phase__val(res, write, PHASE_VCPU, "pf_taken");
	v[2] = c->guest_param ? v[1] / (double)c->guest_param : NAN;
	v[3] = phase__val(res, write, PHASE_VM, ZAPVM_STAT_CHANGE_PTE_PREFETCH);
	v[4] = res->wall_ns / 1e6;
}

static const struct bench_metric cow_metrics[] = {
	{ "faults_read", "", "read faults", M_TABLE },
	{ "faults_write", "", "write faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_per_write", "per page", "faults/page", M_TABLE | M_RATIO },
	{ "prefetches", "", "prefetches", M_TABLE },
	{ "wall_ms", "ms", "wall ms", M_TABLE },
};

static int cow__check(const struct bench_host *h, const struct bench_opts *o,
		      char *why, size_t len)
{
	int ret = host__need_tdp(h, "cow", why, len);

	if (!ret)
		ret = host__need_knob(h->knob_prefetch, "cow",
				      "prefetch on vs off", ZAPVM_KNOB_PREFETCH,
				      why, len);
	return ret;
}

/* cow compares prefetch on and off unless told otherwise. */
static const struct bench_default cow_defaults[] = {
	{ "prefetch", "on,off" },
	{ 0 },
};

const struct bench_scenario scenario_cow = {
	.name = "cow",
	.seed = "003",
	.what = "faults per written page after a read, change_pte prefetch "
		"on/off",
	.guest = "cow",
	.timeline = true,
	.defaults = cow_defaults,
	.metrics = cow_metrics,
	.nmetrics = NMETRICS(cow_metrics),
	.check = cow__check,
	.prepare = cow__prepare,
	.collect = cow__collect,
};
