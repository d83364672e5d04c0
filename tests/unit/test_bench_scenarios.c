// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's scenario table: unique names, every entry complete, each
 * scenario's defaults as man/zapvm-bench.1 documents them, and what each
 * prepare() leaves in a cell.
 */
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "test_bench.h"
#include "zapvm/util.h"

static void test_table(void)
{
	char names[256];

	ok(bench_nscenarios == 8,
	   "eight scenarios (six, boot --kernel and exec)");
	for (unsigned int i = 0; i < bench_nscenarios; i++) {
		const struct bench_scenario *sc = bench_scenarios[i];
		bool complete = sc->name && sc->seed && sc->what &&
				sc->metrics && sc->nmetrics &&
				sc->nmetrics <= MAX_METRICS && sc->prepare &&
				!sc->collect == !!sc->run &&
				!sc->guest == (sc->kernel || sc->vmm) &&
				(!sc->vmm || (sc->run && sc->preflight));
		bool unique = true, metrics_unique = true, flags_ok = true;

		for (unsigned int j = 0; j < i; j++)
			unique &= strcmp(bench_scenarios[j]->name, sc->name) ||
				  bench_scenarios[j]->kernel != sc->kernel;
		ok(complete, "%s%s: every field of the contract is set",
		   sc->name, sc->kernel ? " --kernel" : "");
		ok(unique, "%s%s: the only one of its name and kind", sc->name,
		   sc->kernel ? " --kernel" : "");
		ok(!sc->guest || builtin__find(sc->guest),
		   "%s: its builtin guest %s exists", sc->name,
		   sc->guest ? sc->guest : "-");
		for (unsigned int m = 0; m < sc->nmetrics; m++) {
			const struct bench_metric *bm = &sc->metrics[m];

			flags_ok &=
				bm->name && bm->unit && bm->title &&
				!(bm->flags & ~(M_TABLE | M_RATIO | M_PLOT));
			for (unsigned int k = 0; k < m; k++)
				metrics_unique &=
					!!strcmp(sc->metrics[k].name, bm->name);
		}
		ok(flags_ok && metrics_unique,
		   "%s: metrics named, unique, with known flags", sc->name);
		ok(scenario__find(sc->name, sc->kernel) == sc,
		   "scenario__find(%s) finds it", sc->name);
	}
	ok(!scenario__find("nope", false), "an unknown name finds nothing");
	ok(!scenario__find("memslot", true), "memslot has no --kernel kind");
	scenario__names(names, sizeof(names), " or ");
	ok(!strcmp(names, "boot, memslot, cow, zaplat, vcpustall, dirtylog "
			  "or exec"),
	   "usage names the seven scenarios: '%s'", names);
}

/* The option defaults of OPTIONS in man/zapvm-bench.1, per scenario. */
static void test_defaults(void)
{
	static const struct {
		const char *name;
		unsigned int npolicy, nprefetch, nroot_zap;
		int prefetch0, root_zap0;
	} want[] = {
		{ "boot", 2, 1, 1, -1, -1 },
		{ "memslot", 2, 1, 1, -1, -1 },
		{ "cow", 2, 2, 1, 1, -1 },
		{ "zaplat", 1, 1, 2, -1, 1 },
		{ "vcpustall", 1, 1, 1, -1, -1 },
	};
	struct bench_opts o;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		int ret = parse_args(&o, want[i].name, NULL);

		is_int(ret, 0, "%s: parses", want[i].name);
		ok(o.sc && !strcmp(o.sc->name, want[i].name) && !o.sc->kernel,
		   "%s: the scenario", want[i].name);
		ok(o.npolicy == want[i].npolicy && o.policy[0] == ZAP_ALL &&
			   (o.npolicy == 1 || o.policy[1] == ZAP_SLOT),
		   "%s: --policy %s", want[i].name,
		   want[i].npolicy == 1 ? "all" : "all,slot");
		ok(o.nprefetch == want[i].nprefetch &&
			   o.prefetch[0] == want[i].prefetch0 &&
			   (o.nprefetch == 1 || o.prefetch[1] == 0),
		   "%s: --prefetch %s", want[i].name,
		   want[i].nprefetch == 2 ? "on,off" : "left alone");
		ok(o.nroot_zap == want[i].nroot_zap &&
			   o.root_zap[0] == want[i].root_zap0 &&
			   (o.nroot_zap == 1 || o.root_zap[1] == 0),
		   "%s: --root-zap %s", want[i].name,
		   want[i].nroot_zap == 2 ? "4k,1g" : "left alone");
		ok(o.nthp == 1 && o.thp[0] == THP_OFF && o.nmem == 1 &&
			   o.mem[0] == 512ULL << 20 && o.ncpus == 1 &&
			   o.cpus[0] == 1,
		   "%s: --thp off --mem 512M --cpus 1", want[i].name);
		ok(o.runs == 5 && o.jobs == 1 && o.timeout_s == 600 &&
			   o.sample_us == 100,
		   "%s: --runs 5 --jobs 1 --timeout 600 --sample-us 100",
		   want[i].name);
	}
	is_int(parse_args(&o, "boot", "--kernel", "/k", NULL), 0,
	       "boot --kernel parses");
	ok(o.sc && o.sc->kernel && !strcmp(o.sc->name, "boot") && !o.sc->guest,
	   "boot --kernel: the Linux kind of boot");
}

/* prepare() on a 64M cell with the image below 1M: args and floors. */
static void test_prepare(void)
{
	static const struct {
		const char *name;
		bool kernel;
		const char *args;
		uint64_t param;
		unsigned int nfloors;
	} want[] = {
		{ "boot", false, "", 14045, 3 },
		{ "boot", true, "", 0, 2 },
		{ "memslot", false, "pages=2016 stride=8 toggles=1", 2016, 2 },
		{ "cow", false, "pages=8064", 8064, 1 },
		{ "zaplat", false, "pages=16127 idle=1", 16127, 0 },
		{ "vcpustall", false, "pages=16127", 16127, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct bench_scenario *sc =
			scenario__find(want[i].name, want[i].kernel);
		struct bench_cell c = { .mem = 64ULL << 20, .cpus = 1 };
		bool named = true;

		if (!ok(sc, "%s: in the table", want[i].name))
			continue;
		sc->prepare(&c, 1ULL << 20, NULL);
		for (unsigned int f = 0; f < c.nfloors; f++) {
			bool found = false;

			for (unsigned int m = 0; m < sc->nmetrics; m++)
				found |= !strcmp(sc->metrics[m].name,
						 c.floors[f].metric);
			named &= found;
		}
		ok(c.nfloors == want[i].nfloors && named,
		   "%s%s: %u floor(s), each of a metric", sc->name,
		   sc->kernel ? " --kernel" : "", want[i].nfloors);
		ok(!strcmp(c.args, want[i].args) &&
			   c.guest_param == want[i].param,
		   "%s%s: guest args '%s', %llu pages", sc->name,
		   sc->kernel ? " --kernel" : "", c.args,
		   (unsigned long long)c.guest_param);
	}
	{
		struct bench_cell c = { .mem = 64ULL << 20 };

		scenario__find("zaplat", false)
			->prepare(&c, 1ULL << 20, "pages=10");
		ok(!strcmp(c.args, "pages=10 idle=1") && c.ctl_gpa == 1 << 20,
		   "zaplat: the user's args, idle=1 added: '%s'", c.args);
	}
}

/* The checks of the scenarios that compare a series knob's two values. */
static void test_knob_checks(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "cow",
		  "cow: not supported on this host: prefetch on vs off "
		  "needs the zapvm kernel series' knob " ZAPVM_KNOB_PREFETCH },
		{ "zaplat",
		  "zaplat: not supported on this host: root-zap 4k vs 1g needs "
		  "the zapvm kernel series' knob " ZAPVM_KNOB_ROOT_ZAP_4K },
	};
	struct bench_host h = { .mmu_info = { .tdp_mmu = 1 } };
	struct bench_opts o = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bench_scenario *sc =
			scenario__find(cases[i].name, false);
		char why[256] = "";

		is_int(sc->check(&h, &o, why, sizeof(why)), 69,
		       "%s without its knob: 69", cases[i].name);
		ok(!strcmp(why, cases[i].want), "%s: says why: '%s'",
		   cases[i].name, why);
	}
	is_int(host__need_knob(true, "cow", "x", "k", NULL, 0), 0,
	       "a knob that is there: 0");
}

int main(void)
{
	test_table();
	test_defaults();
	test_prepare();
	test_knob_checks();
	return tap_done();
}
