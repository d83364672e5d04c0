// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench boot --kernel (seed 004): the boot scenario with a Linux
 * guest (src/boot/linux.c) instead of bootsim.
 */
#include <math.h>

#include "zapvm/cmd.h"
#include "zapvm/stats.h"

#include "bench.h"

/*
 * boot --kernel: the floors are the frames a boot touches, which zapvm
 * cannot know for a real kernel; they are reported as unknown (NAN, "n/a"),
 * never estimated.
 */
static void linux_boot__prepare(struct bench_cell *c, uint64_t base,
				const char *user_args)
{
	c->args[0] = '\0';
	cell__add_floor(c, "boot", "faults_boot", NAN, NAN);
	cell__add_floor(c, "total", "faults_total", NAN, NAN);
}

/* Faults of phases [from, to) summed over the vCPUs. */
static double faults_between(const struct vm_result *res, unsigned int from,
			     unsigned int to)
{
	return phase__sum_from(res, from, PHASE_VCPU, "pf_taken") -
	       phase__sum_from(res, to, PHASE_VCPU, "pf_taken");
}

static double zapvm_between(const struct vm_result *res, unsigned int from,
			    unsigned int to, const char *stat)
{
	return phase__sum_from(res, from, PHASE_ZAPVM, stat) -
	       phase__sum_from(res, to, PHASE_ZAPVM, stat);
}

static void linux_boot__collect(const struct bench_cell *c,
				const struct vm_result *res,
				const struct zap_probe *zp, double *v)
{
	int done = phase__index(res, "boot-done");
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;
	unsigned int churn = res->first_churn_phase;

	if (done >= 0) {
		unsigned int d = (unsigned int)done;
		/* The first run-time memslot change, if before boot-done. */
		unsigned int ch = churn && churn < d ? churn : d;

		v[0] = faults_between(res, 0, d);
		v[1] = faults_between(res, 0, ch);
		v[2] = faults_between(res, ch, d);
		v[3] = faults_between(res, d, n);
		/* A change's counters land in the phase its mark ends. */
		v[6] = zapvm_between(res, 0, d, "memslot_changes");
		v[7] = zapvm_between(res, 0, d, "memslot_update_ns") / 1e6;
	}
	v[4] = (double)report__faults(res, 0);
	v[5] = (double)report__faults(res, 1);
	v[8] = (double)res->memslot_changes;
	v[9] = res->memslot_update_ns / 1e6;
	v[10] = res->boot_done_ns ? res->boot_done_ns / 1e6 : NAN;
	v[11] = res->wall_ns / 1e6;
	v[12] = phase__stat_at_end(res, "pages_4k");
	v[13] = phase__stat_at_end(res, "pages_2m");
}

static const struct bench_metric linux_boot_metrics[] = {
	{ "faults_boot", "", "boot faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_to_churn", "", "before churn", 0 },
	{ "faults_churn_to_boot", "", "churn to done", M_TABLE | M_RATIO },
	{ "faults_after_boot", "", "after done", 0 },
	{ "faults_total", "", "total faults", M_TABLE | M_RATIO },
	{ "faults_after_churn", "", "after churn", 0 },
	{ "memslot_changes_boot", "", "slot changes", M_TABLE },
	{ "memslot_ms_boot", "ms", "memslot ms", M_TABLE | M_RATIO },
	{ "memslot_changes", "", "all slot changes", 0 },
	{ "memslot_ms", "ms", "all memslot ms", 0 },
	{ "boot_ms", "ms", "boot ms", M_TABLE | M_RATIO | M_PLOT },
	{ "wall_ms", "ms", "wall ms", 0 },
	{ "mapped_4k", "", "4K SPTEs at end", 0 },
	{ "mapped_2m", "", "2M SPTEs at end", 0 },
};

const struct bench_scenario scenario_linux_boot = {
	.name = "boot",
	.seed = "004",
	.what = "faults from start to boot-done and after memslot churn, a "
		"Linux kernel",
	.kernel = true,
	.timeline = true,
	.metrics = linux_boot_metrics,
	.nmetrics = NMETRICS(linux_boot_metrics),
	.prepare = linux_boot__prepare,
	.collect = linux_boot__collect,
};
