// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench memslot (seed 001): the time of a memslot delete and the
 * re-faults after it, romtoggle.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "zapvm/cmd.h"
#include "zapvm/stats.h"

#include "bench.h"

/*
 * memslot: romtoggle with toggles=1 and stride 8 (one fault per touched
 * page even where the shadow MMU prefetches): the vCPUs touch every 8th
 * page of RAM, vCPU 0 deletes and re-adds the ROM slot, all touch again.
 */
static void memslot__prepare(struct bench_cell *c, uint64_t base,
			     const char *user_args)
{
	uint64_t pages, stride;
	struct regions r;

	if (user_args) {
		snprintf(c->args, sizeof(c->args), "%s", user_args);
	} else {
		pages = c->mem > base ? (c->mem - base) / (8 * PAGE_4K) : 0;
		snprintf(c->args, sizeof(c->args),
			 "pages=%llu stride=8 toggles=1",
			 (unsigned long long)pages);
	}
	pages = args__u64(c->args, "pages", 4096);
	stride = args__u64(c->args, "stride", 1) * PAGE_4K;
	c->guest_param = pages;
	if (regions__init(&r, c->mem))
		return;
	for (uint64_t i = 0; i < pages; i++)
		regions__add(&r, base + i * stride, 1);
	cell__add_floor(c, "touch", "faults_touch", (double)pages,
			(double)r.count);
	cell__add_floor(c, "retouch", "faults_retouch", 0, 0);
	free(r.bits);
}

static void memslot__collect(const struct bench_cell *c,
			     const struct vm_result *res,
			     const struct zap_probe *zp, double *v)
{
	int touch = phase__index(res, "touch");
	int unmap = phase__index(res, "rom0-unmap");
	int retouch = phase__index(res, "retouch");

	v[0] = phase__val(res, touch, PHASE_VCPU, "pf_taken");
	v[1] = touch < 0 ?
		       NAN :
		       phase_log__ns(res->phases, (unsigned int)touch) / 1e6;
	/* A change's time lands in the phase its mark ends. */
	v[2] = unmap < 1 ? NAN :
			   phase__val(res, unmap - 1, PHASE_ZAPVM,
				      "memslot_update_ns") /
				   1e6;
	v[3] = phase__val(res, unmap, PHASE_ZAPVM, "memslot_update_ns") / 1e6;
	v[4] = phase__val(res, retouch, PHASE_VCPU, "pf_taken");
	v[5] = retouch < 0 ?
		       NAN :
		       phase_log__ns(res->phases, (unsigned int)retouch) / 1e6;
	v[6] = (double)report__faults(res, 0);
	v[7] = res->wall_ns / 1e6;
	/* SPTEs by level once all is touched again (issue 18's backings). */
	v[8] = phase__stat_at_end(res, "pages_4k");
	v[9] = phase__stat_at_end(res, "pages_2m");
	v[10] = phase__stat_at_end(res, "pages_1g");
}

static const struct bench_metric memslot_metrics[] = {
	{ "faults_touch", "", "touch faults", M_TABLE },
	{ "touch_ms", "ms", "touch ms", 0 },
	{ "delete_ms", "ms", "delete ms", M_TABLE | M_RATIO | M_PLOT },
	{ "readd_ms", "ms", "re-add ms", M_TABLE | M_RATIO },
	{ "faults_retouch", "", "re-faults", M_TABLE | M_RATIO | M_PLOT },
	{ "retouch_ms", "ms", "retouch ms", M_TABLE | M_RATIO },
	{ "faults_total", "", "total faults", 0 },
	{ "wall_ms", "ms", "wall ms", M_TABLE },
	{ "mapped_4k", "", "4K SPTEs at end", 0 },
	{ "mapped_2m", "", "2M SPTEs at end", 0 },
	{ "mapped_1g", "", "1G SPTEs at end", 0 },
};

const struct bench_scenario scenario_memslot = {
	.name = "memslot",
	.seed = "001",
	.what = "time of a memslot delete and the re-faults after it, "
		"romtoggle",
	.guest = "romtoggle",
	.timeline = true,
	.metrics = memslot_metrics,
	.nmetrics = NMETRICS(memslot_metrics),
	.prepare = memslot__prepare,
	.collect = memslot__collect,
};
