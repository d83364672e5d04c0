// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench dirtylog and --dirty-log: the option's list, which
 * scenarios take it, its cells, what dirtylog's prepare() leaves in a
 * cell, the guest-timed pass length and the check of the pages' words.
 */
#include <math.h>
#include <stdlib.h>

#include "zapvm/guest_dirty.h"

#include "../../src/bench/probe.h"
#include "tap.h"
#include "test_bench.h"

static void test_parse(void)
{
	struct bench_opts o;

	is_int(parse_args(&o, "dirtylog", "--dirty-log",
			  "bitmap,manual:no-init-set,ring:512", NULL),
	       0, "dirtylog --dirty-log with three modes");
	ok(o.ndirty_log == 3 && o.dirty_log[0].mode == DIRTY_LOG_BITMAP &&
		   o.dirty_log[1].mode == DIRTY_LOG_MANUAL &&
		   o.dirty_log[1].init == DIRTY_INIT_CLEAR &&
		   o.dirty_log[2].mode == DIRTY_LOG_RING &&
		   o.dirty_log[2].ring_entries == 512,
	   "the three modes in order");
	is_int(parse_args(&o, "dirtylog", NULL), 0, "dirtylog alone");
	ok(o.ndirty_log == 1 && o.dirty_log[0].mode == DIRTY_LOG_BITMAP,
	   "dirtylog's default: bitmap");
	is_int(parse_args(&o, "boot", NULL), 0, "boot alone");
	ok(o.ndirty_log == 1 && o.dirty_log[0].mode == DIRTY_LOG_OFF,
	   "the command's default: off");
	is_int(parse_args(&o, "vcpustall", "--dirty-log", "off,bitmap", NULL),
	       0, "vcpustall takes --dirty-log");
	is_int(parse_args(&o, "zaplat", "--dirty-log", "ring", NULL), 0,
	       "zaplat takes --dirty-log");
	is_int(parse_args(&o, "boot", "--dirty-log", "bitmap", NULL), 64,
	       "boot does not");
	is_int(parse_args(&o, "memslot", "--dirty-log", "bitmap", NULL), 64,
	       "memslot does not");
	is_int(parse_args(&o, "dirtylog", "--dirty-log", "junk", NULL), 64,
	       "junk");
	is_int(parse_args(&o, "dirtylog", "--dirty-log", "ring:100", NULL), 64,
	       "a ring of 100 entries");
	is_int(parse_args(&o, "dirtylog", "--dirty-log", "ring,ring:4096",
			  NULL),
	       64, "ring and ring:4096 are one value given twice");
	is_int(parse_args(&o, "dirtylog", "--dirty-log", "bitmap,", NULL), 64,
	       "an empty value");
}

static void free_cells(struct bench *b)
{
	for (unsigned int k = 0; k < b->ncells; k++) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			free(b->cells[k].values[i]);
		json_object_put(b->cells[k].runs);
	}
	free(b->cells);
}

static void test_cells(void)
{
	struct bench b = { 0 };
	char label[256];
	bool order = true, prepared = true;

	is_int(parse_args(&b.o, "dirtylog", "--dirty-log", "bitmap,ring",
			  "--policy", "all,slot", "--mem", "64M", NULL),
	       0, "dirtylog, two modes, two policies");
	b.guest = builtin__find("dirty");
	ok(b.guest != NULL, "the dirty guest is built in");
	snprintf(b.host.thp_enabled, sizeof(b.host.thp_enabled), "never");
	is_int(bench__cells(&b), 0, "bench__cells");
	is_int(b.ncells, 4, "2 policies x 2 modes");
	for (unsigned int k = 0; k < b.ncells; k++) {
		const struct bench_cell *c = &b.cells[k];

		order &= c->policy == (k % 2 ? ZAP_SLOT : ZAP_ALL) &&
			 c->dirty_log.mode ==
				 (k < 2 ? DIRTY_LOG_BITMAP : DIRTY_LOG_RING);
		prepared &= c->dirty_log.start_off && c->ctl_gpa &&
			    c->guest_param ==
				    (c->mem - c->ctl_gpa - 4096) / 4096 &&
			    !!strstr(c->args, " rounds=2");
	}
	ok(order, "policy innermost, the mode outermost");
	ok(prepared,
	   "each cell: logging off at start, all RAM after the "
	   "control block, rounds=2 (%s)",
	   b.cells[0].args);
	cell__label(&b.cells[2], label, sizeof(label));
	ok(!!strstr(label, " dirty-log=ring:4096"),
	   "the label names the mode: %s", label);
	cell__label(&b.cells[0], label, sizeof(label));
	ok(!!strstr(label, " dirty-log=bitmap"), "and bitmap: %s", label);
	free_cells(&b);

	memset(&b, 0, sizeof(b));
	is_int(parse_args(&b.o, "dirtylog", "--args", "pages=100 rounds=5",
			  "--mem", "64M", "--policy", "all", NULL),
	       0, "dirtylog --args");
	b.guest = builtin__find("dirty");
	snprintf(b.host.thp_enabled, sizeof(b.host.thp_enabled), "never");
	is_int(bench__cells(&b), 0, "bench__cells");
	ok(!strcmp(b.cells[0].args, "pages=100 rounds=5") &&
		   b.cells[0].guest_param == 100,
	   "--args kept as given: '%s'", b.cells[0].args);
	free_cells(&b);

	memset(&b, 0, sizeof(b));
	is_int(parse_args(&b.o, "vcpustall", "--dirty-log", "manual", "--mem",
			  "64M", "--policy", "all", NULL),
	       0, "vcpustall --dirty-log manual");
	b.guest = builtin__find("progress");
	snprintf(b.host.thp_enabled, sizeof(b.host.thp_enabled), "never");
	is_int(bench__cells(&b), 0, "bench__cells");
	ok(b.cells[0].dirty_log.mode == DIRTY_LOG_MANUAL &&
		   !b.cells[0].dirty_log.start_off,
	   "vcpustall logs from the start: populated with 4 KiB SPTEs");
	free_cells(&b);
}

static void test_pass_ms(void)
{
	struct zapvm_dirty *ctl = calloc(1, sizeof(*ctl));

	ctl->cpu[0].t0 = 1000000;
	ctl->cpu[0].t1 = 4000000;
	ctl->cpu[1].t0 = 2000000;
	ctl->cpu[1].t1 = 6500000;
	ok(fabs(dirty_pass__ms(ctl, 2) - 5.5) < 1e-9,
	   "a pass: the first start to the last end (%g ms)",
	   dirty_pass__ms(ctl, 2));
	ok(fabs(dirty_pass__ms(ctl, 1) - 3.0) < 1e-9, "one vCPU: its own");
	ok(isnan(dirty_pass__ms(ctl, 0)), "no vCPUs: NAN");
	ctl->cpu[1].t1 = 1;
	ok(isnan(dirty_pass__ms(ctl, 2)), "an end before its start: NAN");
	free(ctl);
}

static void test_lost(void)
{
	uint64_t *mem = calloc(8, 4096);
	uint64_t first = 99, val = 99;

	for (unsigned int i = 0; i < 8; i++)
		mem[i * 512] = 3;
	mem[1] = 7; /* not a page's first word: not looked at */
	is_int((int)dirty_lost__scan(mem, 8, 3, &first, &val), 0,
	       "every page holds the pass: none lost");
	ok(first == 99 && val == 99, "first and val untouched then");
	mem[5 * 512] = 2;
	mem[7 * 512] = 0;
	is_int((int)dirty_lost__scan(mem, 8, 3, &first, &val), 2,
	       "two pages hold another value");
	ok(first == 5 && val == 2,
	   "the first one's index and word (%llu, %llu)",
	   (unsigned long long)first, (unsigned long long)val);
	is_int((int)dirty_lost__scan(mem, 5, 3, &first, &val), 0,
	       "only @pages pages are read");
	is_int((int)dirty_lost__scan(mem, 8, 2, &first, &val), 7,
	       "against pass 2: all but page 5");
	ok(first == 0 && val == 3, "the first: page 0, holding 3");
	free(mem);
}

int main(void)
{
	test_parse();
	test_cells();
	test_pass_ms();
	test_lost();
	return tap_done();
}
