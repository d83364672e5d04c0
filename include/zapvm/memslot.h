/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory regions and the KVM memslots behind them. RAM and read-only
 * ROM regions each own one KVM slot while mapped; a ROM can be unmapped,
 * re-mapped and moved at run time - the churn that makes KVM zap.
 */
#ifndef ZAPVM_MEMSLOT_H
#define ZAPVM_MEMSLOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

enum region_kind { REGION_RAM, REGION_ROM };

struct region {
	char name[32];
	enum region_kind kind;
	uint64_t gpa; /* current guest-physical address */
	uint64_t size; /* page multiple */
	void *hva; /* backing memory, owned by whoever added the region */
	int slot; /* KVM slot while mapped, else -1 */
	unsigned int index; /* per-kind index: ROM k of the guest ABI */
};

/* Called for each KVM_SET_USER_MEMORY_REGION; returns 0 or -errno. */
typedef int (*memslot_set_fn)(void *opaque,
			      const struct kvm_userspace_memory_region *r);

/* Called after each successful change at run time, e.g. to cut a phase. */
typedef void (*memslot_change_fn)(void *opaque, const char *what);

struct memslots {
	pthread_mutex_t lock;
	struct region *regions;
	unsigned int nr, cap;
	uint32_t max_slots; /* KVM_CAP_NR_MEMSLOTS */
	uint8_t *slot_used; /* max_slots entries */
	uint64_t gpa_limit; /* regions must lie below this */
	memslot_set_fn set;
	memslot_change_fn changed;
	void *opaque;
	/* Counters, updated atomically, read by the phase log. */
	uint64_t changes; /* slot creations, deletions and moves */
	uint64_t changes_as[2]; /* the same, per address space (as_id) */
	bool smm_mirror; /* memslots__mirror_smm() */
	uint64_t update_ns; /* time spent in the ioctl */
	uint64_t rom_writes; /* guest writes to ROM, dropped */
	uint32_t ram_flags; /* KVM_MEM_* flags of every RAM slot */
};

/*
 * memslots__init - no regions yet; @max_slots slots may be used, regions
 * must end at or below @gpa_limit. @set performs the ioctl (a fake in unit
 * tests), @changed may be NULL. 0 or -ENOMEM/-EINVAL.
 */
int memslots__init(struct memslots *m, uint32_t max_slots, uint64_t gpa_limit,
		   memslot_set_fn set, memslot_change_fn changed, void *opaque);
void memslots__exit(struct memslots *m);

/*
 * memslots__mirror_smm - from now on make every slot change twice, in
 * address space 0 and again in address space 1 (the slot id with as_id 1
 * in bits 16-31, KVM_CAP_MULTI_ADDRESS_SPACE), as QEMU's pc machines
 * register all of memory in their SMM address space too. Both ioctls
 * count in changes (changes_as[] per space). The host must have two
 * address spaces (the caller checks). 0, or -EBUSY once a region exists.
 */
int memslots__mirror_smm(struct memslots *m);

/*
 * memslots__add - a region of @kind at [@gpa, @gpa + @size) backed by @hva,
 * mapped at once (ROM with KVM_MEM_READONLY). @size and @gpa must be 4 KiB
 * aligned. Returns the region's per-kind index (>= 0), -EINVAL for bad
 * alignment, a zero size or a range past gpa_limit, -EEXIST for an overlap
 * with another region, -ENOSPC when no KVM slot is free, or the ioctl's
 * -errno. Logs the reason.
 */
int memslots__add(struct memslots *m, enum region_kind kind, const char *name,
		  uint64_t gpa, uint64_t size, void *hva);

/*
 * memslots__rom_unmap/rom_map/rom_move - delete, re-add or move the slot of
 * ROM @index. Guest-triggered, so errors are replies, not log lines:
 * -EINVAL for an unknown index, a misaligned or out-of-range @gpa, -EEXIST
 * for an overlap, -EALREADY when already (un)mapped; 0 on success. Moving an
 * unmapped ROM only changes where it will be mapped.
 */
int memslots__rom_unmap(struct memslots *m, unsigned int index);
int memslots__rom_map(struct memslots *m, unsigned int index);
int memslots__rom_move(struct memslots *m, unsigned int index, uint64_t gpa);

/* Number of ROM regions. */
unsigned int memslots__nr_roms(struct memslots *m);

/*
 * memslots__find - copy out the region (mapped or not) containing @gpa;
 * false if none.
 */
bool memslots__find(struct memslots *m, uint64_t gpa, struct region *out);

/*
 * gpa_to_hva - the host address of [@gpa, @gpa + @len) if it lies inside one
 * mapped region (RAM, or ROM when !@write), else NULL. Overflow-checked;
 * the only way zapvm code reaches guest memory.
 */
void *gpa_to_hva(struct memslots *m, uint64_t gpa, uint64_t len, bool write);

/* A region for memslots__replace(). */
struct region_spec {
	const char *name;
	enum region_kind kind;
	uint64_t gpa, size;
	void *hva;
};

/*
 * memslots__replace - in one step under the lock, delete the regions that
 * start at each of @del[0..@ndel) and add @add[0..@nadd) (as memslots__add:
 * mapped at once, a ROM read-only), then report one change @what to the
 * changed callback if anything changed: a firmware's remapping of its
 * shadow area (src/devices/pam.c). Guest-triggered, so not logged:
 * -ENOENT for a @del that starts no region, the refusals of memslots__add
 * or the ioctl's -errno; the regions done before a failure stay done.
 */
int memslots__replace(struct memslots *m, const uint64_t *del,
		      unsigned int ndel, const struct region_spec *add,
		      unsigned int nadd, const char *what);

/*
 * memslots__set_ram_flags - give every RAM region's slot the flags @flags
 * (KVM_MEM_LOG_DIRTY_PAGES: dirty logging on or off), regions added later
 * too. Existing slots change in place: the same slot, base and size, only
 * the flags (KVM's KVM_MR_FLAGS_ONLY). If a slot changed, one change @what
 * goes to the changed callback: a phase boundary at run time. 0 or the
 * ioctl's -errno (not logged); the slots done before a failure keep the
 * new flags, the others and later regions the old ones.
 */
int memslots__set_ram_flags(struct memslots *m, uint32_t flags,
			    const char *what);

/*
 * memslots__ram - copy the mapped RAM regions, in the order they were
 * added, into @out[0..@max); returns how many there are (possibly more
 * than @max).
 */
unsigned int memslots__ram(struct memslots *m, struct region *out,
			   unsigned int max);

/* A stretch of guest RAM: @size bytes at @gpa, at @offset in host RAM. */
struct ram_range {
	uint64_t gpa, size, offset;
};

/* --ram-slots takes 1 to RAM_SLOTS_MAX (KVM's own bound is below it). */
#define RAM_SLOTS_MAX 32768

/*
 * ram_slots__align - the boundary alignment for @n RAM slots over @total
 * bytes backed by pages of @page bytes (4 KiB, or a hugetlb size): @page
 * when it is at least 2 MiB, else 2 MiB (a THP), so that no huge page
 * straddles two slots - or the next smaller of 2 MiB and 4 KiB when
 * @total has fewer than @n units of it. 0 when even 4 KiB slots do not
 * fit (@n > @total / 4 KiB).
 */
uint64_t ram_slots__align(uint64_t total, unsigned int n, uint64_t page);

/*
 * ram_slots__layout - split the RAM of @in[0..@nin) (the boot path's RAM
 * ranges, taken in order as one run of @total bytes) into @n slots whose
 * boundaries are multiples of @align from the start of RAM. With U =
 * total / align units, every slot gets U / n units, the first U % n slots
 * one more, and the last slot also the tail below one unit (total %
 * align): sizes differ by at most one unit plus that tail. A slot that
 * straddles the end of one range (Linux's RAM below and above the PCI
 * hole) is cut there into two KVM slots, so the result may have up to
 * @n + @nin - 1 entries. Writes @out[0..@max) and returns the count,
 * -EINVAL for @n == 0, @align not a power of two of at least 4 KiB or
 * fewer than @n units, -ENOSPC when @max is too small. Pure: no KVM.
 */
int ram_slots__layout(const struct ram_range *in, unsigned int nin,
		      unsigned int n, uint64_t align, struct ram_range *out,
		      unsigned int max);

#endif /* ZAPVM_MEMSLOT_H */
