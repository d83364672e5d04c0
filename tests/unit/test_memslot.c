// SPDX-License-Identifier: GPL-2.0-only
/* Memslot bookkeeping against a fake KVM: slots, overlaps, ROM churn. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/log.h"
#include "zapvm/memslot.h"

#define MAXS 4

static struct kvm_userspace_memory_region kslots[MAXS];
static int nioctl, fail_next, nchanged;
static char last_change[64];

/* Behaves like KVM_SET_USER_MEMORY_REGION on a tiny slot table. */
static int fake_set(void *opaque, const struct kvm_userspace_memory_region *r)
{
	nioctl++;
	if (fail_next) {
		fail_next = 0;
		return -EIO;
	}
	if (r->slot >= MAXS)
		return -EINVAL;
	kslots[r->slot] = *r;
	return 0;
}

static void changed(void *opaque, const char *what)
{
	nchanged++;
	snprintf(last_change, sizeof(last_change), "%s", what);
}

/* The slot ids an SMM-mirrored table gave KVM, in order. */
static uint32_t smm_ids[16];
static uint64_t smm_sizes[16];
static unsigned int nsmm;

static int smm_set(void *opaque, const struct kvm_userspace_memory_region *r)
{
	if (nsmm < 16) {
		smm_sizes[nsmm] = r->memory_size;
		smm_ids[nsmm++] = r->slot;
	}
	return 0;
}

/* --smm-space: every change twice, the second with as_id 1. */
static void test_smm_mirror(void)
{
	static uint8_t ram[0x10000], rom[0x1000];
	struct memslots m;

	memslots__init(&m, MAXS, 1ULL << 32, smm_set, NULL, NULL);
	is_int(memslots__mirror_smm(&m), 0, "SMM mirror on an empty table");
	memslots__add(&m, REGION_RAM, "ram", 0, sizeof(ram), ram);
	memslots__add(&m, REGION_ROM, "rom", 0x100000, sizeof(rom), rom);
	is_int(memslots__rom_unmap(&m, 0), 0, "SMM mirror: ROM unmapped");
	is_int((int)nsmm, 6, "three changes, six ioctls");
	ok(smm_ids[0] == 0 && smm_ids[1] == (1U << 16 | 0),
	   "RAM slot 0 in address space 0, then 1");
	ok(smm_ids[2] == 1 && smm_ids[3] == (1U << 16 | 1),
	   "ROM slot 1 in address space 0, then 1");
	ok(smm_ids[4] == 1 && smm_ids[5] == (1U << 16 | 1) && !smm_sizes[4] &&
		   !smm_sizes[5],
	   "the unmap deletes slot 1 in both spaces");
	ok(m.changes == 6 && m.changes_as[0] == 3 && m.changes_as[1] == 3,
	   "changes counted per address space");
	is_int(memslots__mirror_smm(&m), -EBUSY,
	       "SMM mirror refused once regions exist");
	memslots__exit(&m);
}

int main(void)
{
	static uint8_t ram[1 << 20], rom0[8192], rom1[4096], big[16384];
	struct memslots m;
	struct region reg;
	uint8_t *p;

	log_level = LOG_QUIET;
	is_int(memslots__init(&m, MAXS, 1ULL << 32, fake_set, changed, NULL), 0,
	       "init");
	is_int(memslots__add(&m, REGION_RAM, "ram", 0, sizeof(ram), ram), 0,
	       "RAM is region 0");
	ok(kslots[0].memory_size == sizeof(ram) && !kslots[0].flags,
	   "RAM slot has no flags");
	is_int(memslots__add(&m, REGION_ROM, "rom0", 0xfffe0000, sizeof(rom0),
			     rom0),
	       0, "first ROM gets index 0");
	ok(kslots[1].flags == KVM_MEM_READONLY, "ROM slot is read-only");
	is_int(memslots__add(&m, REGION_ROM, "rom1", 0xfebc0000, sizeof(rom1),
			     rom1),
	       1, "second ROM gets index 1");
	is_int(memslots__add(&m, REGION_ROM, "over", 0xff000, 8192, big),
	       -EEXIST, "ROM overlapping RAM refused");
	is_int(memslots__add(&m, REGION_ROM, "over2", 0xfffdf000, 8192, big),
	       -EEXIST, "ROM overlapping a ROM refused");
	is_int(memslots__add(&m, REGION_ROM, "odd", 0x200000 + 512, 4096, big),
	       -EINVAL, "unaligned GPA refused");
	is_int(memslots__add(&m, REGION_ROM, "odd", 0x200000, 100, big),
	       -EINVAL, "unaligned size refused");
	is_int(memslots__add(&m, REGION_ROM, "high", 0xffffe000, 16384, big),
	       -EINVAL, "past the GPA limit refused");
	is_int(memslots__add(&m, REGION_ROM, "wrap", UINT64_MAX - 4095, 8192,
			     big),
	       -EINVAL, "wrapping range refused");
	is_int(memslots__add(&m, REGION_ROM, "rom2", 0x200000, 4096, big), 2,
	       "fourth slot");
	is_int(memslots__add(&m, REGION_ROM, "rom3", 0x300000, 4096, big),
	       -ENOSPC, "no fifth slot: too many memslots");
	is_int(memslots__nr_roms(&m), 3, "three ROMs");
	is_int((int)m.changes, 4, "four slot creations counted");

	/* Guest access through the one translation. */
	ok(gpa_to_hva(&m, 0x1000, 16, true) == ram + 0x1000, "RAM translates");
	ok(gpa_to_hva(&m, sizeof(ram) - 8, 8, true) != NULL,
	   "RAM's last bytes");
	ok(!gpa_to_hva(&m, sizeof(ram) - 8, 9, true), "access past RAM's end");
	ok(!gpa_to_hva(&m, UINT64_MAX - 3, 8, false), "wrapping access");
	ok(!gpa_to_hva(&m, 0x100, 0, false), "zero length");
	ok(gpa_to_hva(&m, 0xfffe0010, 4, false) == rom0 + 0x10, "ROM readable");
	ok(!gpa_to_hva(&m, 0xfffe0010, 4, true), "ROM never writable");
	ok(!gpa_to_hva(&m, 0xfffe1ffc, 8, false), "access straddling ROM end");

	/* Churn. */
	nchanged = 0;
	is_int(memslots__rom_unmap(&m, 0), 0, "unmap ROM 0");
	ok(kslots[1].memory_size == 0, "slot deleted in KVM");
	ok(!strcmp(last_change, "rom0-unmap"), "change callback named it");
	ok(!gpa_to_hva(&m, 0xfffe0010, 4, false), "unmapped ROM not reachable");
	ok(memslots__find(&m, 0xfffe0010, &reg) && reg.slot == -1 &&
		   reg.kind == REGION_ROM,
	   "unmapped ROM still reserves its GPA");
	is_int(memslots__rom_unmap(&m, 0), -EALREADY, "double unmap");
	is_int(memslots__add(&m, REGION_ROM, "rom3", 0x300000, 4096, big), 3,
	       "the freed slot is reused");
	is_int(memslots__rom_map(&m, 0), -ENOSPC, "re-map with no free slot");
	ok(!gpa_to_hva(&m, 0xfffe0010, 4, false),
	   "still unmapped after failure");
	is_int(memslots__rom_unmap(&m, 3), 0, "unmap ROM 3");
	is_int(memslots__rom_map(&m, 0), 0, "re-map ROM 0");
	ok(gpa_to_hva(&m, 0xfffe0010, 4, false) == rom0 + 0x10, "ROM 0 back");
	is_int(memslots__rom_map(&m, 0), -EALREADY, "double map");
	is_int(memslots__rom_map(&m, 9), -EINVAL, "unknown ROM index");
	is_int(memslots__rom_unmap(&m, 9), -EINVAL, "unknown ROM index");

	is_int(memslots__rom_move(&m, 1, 0x400000), 0, "move ROM 1");
	ok(!strcmp(last_change, "rom1-move"), "move reported");
	ok(gpa_to_hva(&m, 0x400000, 4, false) == rom1, "ROM 1 at its new GPA");
	ok(!gpa_to_hva(&m, 0xfebc0000, 4, false), "old GPA empty");
	is_int(memslots__rom_move(&m, 1, 0x80000), -EEXIST, "move onto RAM");
	is_int(memslots__rom_move(&m, 1, 0x400800), -EINVAL, "unaligned move");
	is_int(memslots__rom_move(&m, 1, 0x100000000ULL), -EINVAL,
	       "move past the limit");
	is_int(memslots__rom_move(&m, 1, 0x400000), 0,
	       "move onto its own GPA is fine");
	fail_next = 1;
	is_int(memslots__rom_unmap(&m, 1), -EIO, "ioctl failure passed up");
	ok(gpa_to_hva(&m, 0x400000, 4, false) == rom1,
	   "a failed unmap leaves the ROM mapped");
	is_int(nchanged, 5, "five successful run-time changes reported");

	p = gpa_to_hva(&m, 0x2000, 1, true);
	ok(p == ram + 0x2000, "translation after churn");
	memslots__exit(&m);
	test_smm_mirror();
	return tap_done();
}
