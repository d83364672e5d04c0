// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory axes of `run`: the RAM slot layout of --ram-slots (golden
 * layouts), flags-only RAM slot changes on a fake KVM, and the values of
 * --ram-slots and --dirty-log.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "zapvm/dirtylog.h"
#include "zapvm/exit.h"
#include "zapvm/log.h"
#include "zapvm/memslot.h"
#include "zapvm/runopts.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static int same(const struct ram_range *got, const struct ram_range *want,
		int n)
{
	for (int i = 0; i < n; i++)
		if (got[i].gpa != want[i].gpa || got[i].size != want[i].size ||
		    got[i].offset != want[i].offset) {
			printf("#   slot %d: got {0x%llx, 0x%llx, 0x%llx}\n", i,
			       (unsigned long long)got[i].gpa,
			       (unsigned long long)got[i].size,
			       (unsigned long long)got[i].offset);
			return 0;
		}
	return 1;
}

static void test_align(void)
{
	is_int(ram_slots__align(256 * MiB, 1, 4096), 2 * MiB,
	       "align: 4K backing still keeps 2 MiB (THP) boundaries");
	is_int(ram_slots__align(4 * GiB, 4, GiB), GiB,
	       "align: 1G hugetlb, 4 slots of 1 GiB");
	is_int(ram_slots__align(4 * GiB, 8, GiB), 2 * MiB,
	       "align: 1G hugetlb, 8 slots fall back to 2 MiB");
	is_int(ram_slots__align(4 * MiB, 3, 4096), 4096,
	       "align: 3 slots of 4 MiB fall back to 4 KiB");
	is_int(ram_slots__align(4 * MiB, 1025, 4096), 0,
	       "align: more slots than 4 KiB pages: none");
	is_int(ram_slots__align(4 * MiB, 0, 4096), 0, "align: 0 slots: none");
}

static void test_layout(void)
{
	struct ram_range one[] = { { 0, 256 * MiB, 0 } };
	struct ram_range odd[] = { { 0, 65 * MiB, 0 } };
	struct ram_range two[] = { { 0, 10 * MiB, 0 },
				   { 4 * GiB, 8 * MiB, 10 * MiB } };
	struct ram_range out[8];
	static const struct ram_range want1[] = { { 0, 256 * MiB, 0 } };
	/* 32 units of 2 MiB: 11, 11, 10; the last takes the 1 MiB tail. */
	static const struct ram_range want3[] = {
		{ 0, 22 * MiB, 0 },
		{ 22 * MiB, 22 * MiB, 22 * MiB },
		{ 44 * MiB, 21 * MiB, 44 * MiB },
	};
	/* 9 units, 3 each: the second slot is cut at the PCI hole. */
	static const struct ram_range want_hole[] = {
		{ 0, 6 * MiB, 0 },
		{ 6 * MiB, 4 * MiB, 6 * MiB },
		{ 4 * GiB, 2 * MiB, 10 * MiB },
		{ 4 * GiB + 2 * MiB, 6 * MiB, 12 * MiB },
	};

	is_int(ram_slots__layout(one, 1, 1, 2 * MiB, out, 8), 1,
	       "layout N=1: one slot");
	ok(same(out, want1, 1), "layout N=1: all of RAM");
	is_int(ram_slots__layout(odd, 1, 3, 2 * MiB, out, 8), 3,
	       "layout N=3 over 65 MiB: three slots");
	ok(same(out, want3, 3),
	   "layout N=3 over 65 MiB: 22+22+21 MiB, 2 MiB boundaries");
	is_int(ram_slots__layout(two, 2, 3, 2 * MiB, out, 8), 4,
	       "layout N=3 over two ranges: four KVM slots");
	ok(same(out, want_hole, 4),
	   "layout N=3 over two ranges: cut at the range end");
	is_int(ram_slots__layout(odd, 1, 33, 2 * MiB, out, 8), -EINVAL,
	       "layout: more slots than units refused");
	is_int(ram_slots__layout(odd, 1, 0, 2 * MiB, out, 8), -EINVAL,
	       "layout: N=0 refused");
	is_int(ram_slots__layout(odd, 1, 3, 3 * MiB, out, 8), -EINVAL,
	       "layout: alignment not a power of two refused");
	is_int(ram_slots__layout(odd, 1, 3, 2 * MiB, out, 2), -ENOSPC,
	       "layout: too small an output refused");
}

static struct kvm_userspace_memory_region kslots[4];
static int nioctl, nchanged;

static int fake_set(void *opaque, const struct kvm_userspace_memory_region *r)
{
	nioctl++;
	if (r->slot >= 4)
		return -EINVAL;
	kslots[r->slot] = *r;
	return 0;
}

static void changed(void *opaque, const char *what)
{
	nchanged += !strcmp(what, "dirty-log-on");
}

static void test_flags(void)
{
	static uint8_t ram[2][1 << 16], rom[4096];
	struct memslots m;
	struct region r[4];

	memslots__init(&m, 4, 1ULL << 32, fake_set, changed, NULL);
	memslots__add(&m, REGION_RAM, "ram0", 0, sizeof(ram[0]), ram[0]);
	memslots__add(&m, REGION_ROM, "rom0", 0x100000, sizeof(rom), rom);
	memslots__add(&m, REGION_RAM, "ram1", sizeof(ram[0]), sizeof(ram[1]),
		      ram[1]);
	nioctl = 0;
	is_int(memslots__set_ram_flags(&m, KVM_MEM_LOG_DIRTY_PAGES,
				       "dirty-log-on"),
	       0, "flags: logging on");
	is_int(nioctl, 2, "flags: one ioctl per RAM slot");
	ok(kslots[0].flags == KVM_MEM_LOG_DIRTY_PAGES &&
		   kslots[2].flags == KVM_MEM_LOG_DIRTY_PAGES &&
		   kslots[0].memory_size == sizeof(ram[0]) &&
		   kslots[2].guest_phys_addr == sizeof(ram[0]),
	   "flags: same slots, bases and sizes, logging on");
	ok(kslots[1].flags == KVM_MEM_READONLY, "flags: the ROM stays as is");
	is_int(nchanged, 1, "flags: one change reported");
	is_int(memslots__set_ram_flags(&m, KVM_MEM_LOG_DIRTY_PAGES,
				       "dirty-log-on"),
	       0, "flags: the same flags again");
	ok(nioctl == 2 && nchanged == 1, "flags: no ioctl, no change then");
	is_int(memslots__ram(&m, r, 4), 2, "ram: two RAM regions");
	ok(r[0].slot == 0 && r[1].slot == 2, "ram: their slots, in order");
	memslots__exit(&m);
}

static void test_dirty_spec(void)
{
	struct dirty_log_spec s;
	char name[32];

	is_int(dirty_log_spec__parse("off", &s), 0, "dirty-log off");
	ok(s.mode == DIRTY_LOG_OFF, "off is off");
	is_int(dirty_log_spec__parse("bitmap", &s), 0, "dirty-log bitmap");
	ok(s.mode == DIRTY_LOG_BITMAP, "bitmap is the bitmap");
	is_int(dirty_log_spec__parse("manual", &s), 0, "dirty-log manual");
	ok(s.mode == DIRTY_LOG_MANUAL && s.init == DIRTY_INIT_AUTO,
	   "manual: initially set where offered");
	dirty_log_spec__parse("manual:no-init-set", &s);
	ok(s.mode == DIRTY_LOG_MANUAL && s.init == DIRTY_INIT_CLEAR,
	   "manual:no-init-set");
	dirty_log_spec__parse("manual:init-set", &s);
	dirty_log_spec__name(&s, name, sizeof(name));
	ok(!strcmp(name, "manual:init-set"), "manual:init-set named back");
	is_int(dirty_log_spec__parse("ring", &s), 0, "dirty-log ring");
	is_int(s.ring_entries, DIRTY_RING_DEFAULT, "ring: default entries");
	dirty_log_spec__name(&s, name, sizeof(name));
	ok(!strcmp(name, "ring:4096"), "ring named with its size");
	is_int(dirty_log_spec__parse("ring:256", &s), 0, "ring:256");
	is_int(s.ring_entries, 256, "ring:256 entries");
	is_int(dirty_log_spec__parse("ring:65536", &s), 0, "ring:65536");
	is_int(dirty_log_spec__parse("ring:0", &s), -ERANGE, "ring:0");
	is_int(dirty_log_spec__parse("ring:1000", &s), -ERANGE,
	       "ring:1000 is no power of two");
	is_int(dirty_log_spec__parse("ring:128", &s), -ERANGE,
	       "ring:128 is below a page");
	is_int(dirty_log_spec__parse("ring:131072", &s), -ERANGE,
	       "ring:131072 is over KVM's maximum");
	is_int(dirty_log_spec__parse("ring:", &s), -EINVAL, "ring: empty");
	is_int(dirty_log_spec__parse("ring:x", &s), -EINVAL, "ring:x");
	is_int(dirty_log_spec__parse("junk", &s), -EINVAL, "junk");
	is_int(dirty_log_spec__parse("manual:foo", &s), -EINVAL, "manual:foo");
}

static void test_options(void)
{
	struct vm_config cfg = { 0 };
	bool mem_given = false;

	is_int(runopts__parse(RUNOPT_RAM_SLOTS, "4", &cfg, &mem_given), 0,
	       "--ram-slots 4");
	is_int(cfg.ram_slots, 4, "--ram-slots 4 is 4 slots");
	is_int(runopts__parse(RUNOPT_RAM_SLOTS, "32768", &cfg, &mem_given), 0,
	       "--ram-slots 32768 (the host decides)");
	is_int(runopts__parse(RUNOPT_RAM_SLOTS, "32769", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "--ram-slots 32769");
	is_int(runopts__parse(RUNOPT_RAM_SLOTS, "0", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "--ram-slots 0");
	is_int(runopts__parse(RUNOPT_RAM_SLOTS, "4x", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "--ram-slots 4x");
	is_int(runopts__parse(RUNOPT_DIRTY_LOG, "ring:512", &cfg, &mem_given),
	       0, "--dirty-log ring:512");
	ok(cfg.dirty_log.mode == DIRTY_LOG_RING &&
		   cfg.dirty_log.ring_entries == 512,
	   "--dirty-log ring:512 is a ring of 512");
	is_int(runopts__parse(RUNOPT_DIRTY_LOG, "ring:0", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "--dirty-log ring:0");
	is_int(runopts__parse(RUNOPT_DIRTY_LOG, "junk", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "--dirty-log junk");
	ok(cfg.dirty_log.mode == DIRTY_LOG_RING,
	   "a refused --dirty-log leaves the last good one");
}

int main(void)
{
	log_level = LOG_QUIET;
	test_align();
	test_layout();
	test_flags();
	test_dirty_spec();
	test_options();
	return tap_done();
}
