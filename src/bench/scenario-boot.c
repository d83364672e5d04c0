// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench boot (seed 004): faults from start to boot-done and after
 * memslot churn, bootsim; floors from bootsim's parameters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/stats.h"

#include "bench.h"

/* The size of bootsim's ROM 0 (its firmware), from its default ROMs. */
static uint64_t rom0_size(void)
{
	const struct builtin_guest *g = builtin__find("bootsim");
	struct rom_spec spec;
	char first[64];
	uint64_t size = 0;

	if (!g || !g->default_roms)
		return 0;
	snprintf(first, sizeof(first), "%.*s",
		 (int)strcspn(g->default_roms, ","), g->default_roms);
	if (!rom_spec__parse(first, &spec))
		size = spec.size;
	rom_spec__free(&spec);
	return size;
}

/*
 * boot: the frames bootsim touches, from its parameters (guests/bootsim):
 * all of ROM 0 (firmware), the kernel image and the page tables before
 * boot-done, ROM 1's first page at its home GPA and, with move=1, at the
 * two GPAs it is moved to; then the working set. The guest's own code,
 * stack, FDT and GDT pages (a few dozen) are left out, so each floor is a
 * lower bound. ROMs are small separate mappings: 4 KiB frames even with THP.
 */
static void boot__prepare(struct bench_cell *c, uint64_t base,
			  const char *user_args)
{
	const char *args = user_args ? user_args : "";
	uint64_t kernel = args__u64(args, "kernel", 8 << 20);
	uint64_t move = args__u64(args, "move", 1);
	uint64_t ws = args__u64(args, "ws", 16384);
	uint64_t npt, npd, npdpt, pt_bytes, pt_gpa, ws_gpa, avail, stride;
	double rom, boot4k, boot2m, total2m;
	struct regions r;

	snprintf(c->args, sizeof(c->args), "%s", args);
	kernel = bench__div_up(kernel, PAGE_4K) * PAGE_4K;
	npt = bench__div_up(c->mem / PAGE_4K, 512);
	npd = bench__div_up(npt, 512);
	npdpt = bench__div_up(npd, 512);
	pt_bytes = (1 + npdpt + npd + npt) * PAGE_4K;
	pt_gpa = base + kernel;
	ws_gpa = pt_gpa + pt_bytes;
	if (ws_gpa >= c->mem)
		return; /* the guest will refuse: no floors */
	avail = (c->mem - ws_gpa) / PAGE_4K;
	ws = ws > avail ? avail : ws;
	stride = ws ? avail / ws * PAGE_4K : PAGE_4K;
	c->guest_param = ws;

	rom = (double)(rom0_size() / PAGE_4K) + 1 + (move ? 2 : 0);
	boot4k = rom + (double)((kernel + pt_bytes) / PAGE_4K);
	if (regions__init(&r, c->mem))
		return;
	regions__add(&r, base, kernel + pt_bytes);
	boot2m = rom + (double)r.count;
	for (uint64_t i = 0; i < ws; i++)
		regions__add(&r, ws_gpa + i * stride, 1);
	total2m = rom + (double)r.count;
	free(r.bits);
	cell__add_floor(c, "boot", "faults_boot", boot4k, boot2m);
	cell__add_floor(c, "total", "faults_total", boot4k + (double)ws,
			total2m);
	/* Frames first touched after the first ROM 1 unmap: 0 for the slot
	 * policy's ideal of no re-faults at all. */
	cell__add_floor(c, "after_churn", "faults_after_churn",
			(double)ws + (move ? 2 : 0),
			total2m - boot2m + (move ? 2 : 0));
}

static void boot__collect(const struct bench_cell *c,
			  const struct vm_result *res,
			  const struct zap_probe *zp, double *v)
{
	int done = phase__index(res, "boot-done");

	v[0] = done < 0 ? NAN :
			  phase__sum_from(res, 0, PHASE_VCPU, "pf_taken") -
				  phase__sum_from(res, (unsigned int)done,
						  PHASE_VCPU, "pf_taken");
	v[1] = (double)report__faults(res, 0);
	v[2] = (double)report__faults(res, 1);
	v[3] = (double)res->memslot_changes;
	v[4] = res->memslot_update_ns / 1e6;
	v[5] = res->wall_ns / 1e6;
	v[6] = phase__stat_at_end(res, "pages_4k");
	v[7] = phase__stat_at_end(res, "pages_2m");
	v[8] = phase__stat_at_end(res, "pages_1g");
}

static const struct bench_metric boot_metrics[] = {
	{ "faults_boot", "", "boot faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_total", "", "total faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_after_churn", "", "after churn", M_TABLE | M_RATIO },
	{ "memslot_changes", "", "slot changes", 0 },
	{ "memslot_ms", "ms", "memslot ms", M_TABLE | M_RATIO },
	{ "wall_ms", "ms", "wall ms", M_TABLE | M_RATIO },
	{ "mapped_4k", "", "4K SPTEs at end", 0 },
	{ "mapped_2m", "", "2M SPTEs at end", 0 },
	{ "mapped_1g", "", "1G SPTEs at end", 0 },
};

const struct bench_scenario scenario_boot = {
	.name = "boot",
	.seed = "004",
	.what = "faults from start to boot-done and after memslot churn, "
		"bootsim",
	.guest = "bootsim",
	.timeline = true,
	.metrics = boot_metrics,
	.nmetrics = NMETRICS(boot_metrics),
	.prepare = boot__prepare,
	.collect = boot__collect,
};
