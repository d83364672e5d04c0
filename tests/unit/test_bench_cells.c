// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's cell matrix: the cross product of the option lists, policy
 * innermost (the cells a ratio compares are neighbours), then THP, vCPUs,
 * RAM, root-zap, prefetch; each cell prepared by the scenario.
 */
#include <stdlib.h>

#include "tap.h"
#include "test_bench.h"

static void cells_free(struct bench *b)
{
	for (unsigned int k = 0; b->cells && k < b->ncells; k++) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			free(b->cells[k].values[i]);
		json_object_put(b->cells[k].runs);
	}
	free(b->cells);
	memset(b, 0, sizeof(*b));
}

static int expand(struct bench *b, const char *sc)
{
	b->guest = builtin__find(sc);
	snprintf(b->host.thp_enabled, sizeof(b->host.thp_enabled), "never");
	return bench__cells(b);
}

static void test_matrix(void)
{
	static const enum zap_policy pol[] = { ZAP_ALL, ZAP_SLOT };
	static const enum thp_mode thp[] = { THP_ON, THP_OFF };
	static const uint64_t mem[] = { 32ULL << 20, 64ULL << 20 };
	static const int pf[] = { 1, 0 };
	struct bench b = { 0 };
	bool order = true, ready = true;

	is_int(parse_args(&b.o, "boot", "--thp", "on,off", "--mem", "32M,64M",
			  "--prefetch", "on,off", "--runs", "3", NULL),
	       0, "boot with three lists of two");
	is_int(expand(&b, "bootsim"), 0, "bench__cells");
	is_int(b.ncells, 16, "2 policies x 2 THP x 2 RAM x 2 prefetch");
	is_int(b.total, 48, "3 runs each");
	for (unsigned int k = 0; k < b.ncells; k++) {
		const struct bench_cell *c = &b.cells[k];

		order &= c->policy == pol[k % 2] && c->thp == thp[k / 2 % 2] &&
			 c->cpus == 1 && c->mem == mem[k / 4 % 2] &&
			 c->root_zap == -1 && c->prefetch == pf[k / 8];
		ready &= c->values[0] && c->values[b.o.sc->nmetrics - 1] &&
			 !c->values[b.o.sc->nmetrics] && c->runs &&
			 c->nfloors == 3 && c->floor_2m == (c->thp == THP_ON) &&
			 c->guest_param > 0;
	}
	ok(order, "policy innermost, then THP, RAM, prefetch outermost");
	ok(ready, "each cell prepared: values per metric, floors, 2M floors "
		  "with THP on");
	ok(b.cells[0].floors[0].v4k >= b.cells[0].floors[0].v2m,
	   "the 2M boot floor is at most the 4K one");
	cells_free(&b);

	is_int(parse_args(&b.o, "zaplat", "--cpus", "1,2,4", NULL), 0,
	       "zaplat --cpus 1,2,4");
	is_int(expand(&b, "progress"), 0, "bench__cells");
	is_int(b.ncells, 6, "1 policy x 3 vCPU counts x 2 root-zaps");
	ok(b.cells[0].cpus == 1 && b.cells[2].cpus == 4 &&
		   b.cells[0].root_zap == 1 && b.cells[3].root_zap == 0 &&
		   b.cells[5].cpus == 4,
	   "vCPUs inside root-zap");
	ok(b.cells[0].ctl_gpa && strstr(b.cells[0].args, "idle=1"),
	   "the progress guest's control block and idle=1: '%s'",
	   b.cells[0].args);
	cells_free(&b);
}

/* The axes: the trace next to the policy, the backing and slots outside. */
static void test_axes(void)
{
	struct bench b = { 0 };
	bool order = true;

	is_int(parse_args(&b.o, "boot", "--trace", "off,on", "--mem-backend",
			  "anon,hugetlb", "--ram-slots", "1,4", NULL),
	       0,
	       "boot --trace off,on --mem-backend anon,hugetlb "
	       "--ram-slots 1,4");
	is_int(expand(&b, "bootsim"), 0, "bench__cells");
	is_int(b.ncells, 16, "2 policies x 2 traces x 2 backings x 2 slots");
	for (unsigned int k = 0; k < b.ncells; k++) {
		const struct bench_cell *c = &b.cells[k];
		bool huge = k / 4 % 2;

		order &= c->trace == (k / 2 % 2) &&
			 c->backend == (huge ? MEM_BACKEND_HUGETLB :
					       MEM_BACKEND_ANON) &&
			 c->ram_slots == (k / 8 ? 4 : 1) &&
			 c->floor_2m == huge &&
			 c->thp == (huge ? THP_DEFAULT : THP_OFF) &&
			 c->hugepage_size == (huge ? 2ULL << 20 : 0);
	}
	ok(order, "policy, trace, backing, RAM slots; hugetlb: no THP "
		  "advice, 2M floors and pages");
	ok(!strcmp(b.cells[7].axes, " trace=on backing=hugetlb-2M ram-slots=1"),
	   "the axes' label: '%s'", b.cells[7].axes);
	axes__free(&b.o);
	cells_free(&b);
}

/*
 * Eight values in each of four lists. The parser refuses a value given
 * twice, and no list has eight distinct values but --cpus, so the lists
 * are filled in after it: bench__cells' limit stays tested.
 */
static int big(struct bench_opts *o, bool prefetch)
{
	/* Without @prefetch the list ends before --prefetch. */
	int ret = parse_args(o, "boot", "--cpus", "1,2,3,4,5,6,7,8",
			     prefetch ? "--prefetch" : NULL, "on,off", NULL);

	for (unsigned int i = 0; i < MAX_VALUES; i++) {
		o->policy[i] = i % 2 ? ZAP_SLOT : ZAP_ALL;
		o->thp[i] = i % 2 ? THP_OFF : THP_ON;
		o->mem[i] = 32ULL << 20;
	}
	o->npolicy = o->nthp = o->nmem = MAX_VALUES;
	return ret;
}

static void test_refused(void)
{
	const struct builtin_guest *g = builtin__find("romtoggle");
	struct bench b = { 0 };

	is_int(big(&b.o, false), 0, "boot --cpus 1,2,3,4,5,6,7,8");
	is_int(expand(&b, "bootsim"), 0, "8^4 = 4096 cells: the most allowed");
	is_int(b.ncells, 4096, "all of them");
	cells_free(&b);
	is_int(big(&b.o, true), 0, "and --prefetch on,off");
	is_int(expand(&b, "bootsim"), 64, "8192 cells: a usage error");
	ok(!b.cells, "and none made");
	cells_free(&b);
	parse_args(&b.o, "memslot", "--mem", "16M", NULL);
	ok(g && g->min_mem > 16ULL << 20, "romtoggle needs more than 16M");
	is_int(expand(&b, "romtoggle"), 64,
	       "memslot --mem 16M: too small for its guest, a usage error");
	cells_free(&b);
}

int main(void)
{
	test_matrix();
	test_axes();
	test_refused();
	return tap_done();
}
