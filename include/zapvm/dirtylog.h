/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty logging on the RAM memslots (src/core/dirtylog.c): --dirty-log
 * off|bitmap|manual|ring[:N]. KVM marks the pages the guest writes; the
 * VMM collects them - KVM_GET_DIRTY_LOG (and KVM_CLEAR_DIRTY_LOG with the
 * manual protect) at each phase boundary and at the end, or the per-vCPU
 * dirty rings when a vCPU exits with KVM_EXIT_DIRTY_RING_FULL, at each
 * phase boundary and at the end - and counts the distinct pages collected
 * per phase and in all.
 */
#ifndef ZAPVM_DIRTYLOG_H
#define ZAPVM_DIRTYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/memslot.h"

enum dirty_log_mode {
	DIRTY_LOG_OFF,
	DIRTY_LOG_BITMAP, /* KVM_GET_DIRTY_LOG, which also re-protects */
	DIRTY_LOG_MANUAL, /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	DIRTY_LOG_RING, /* KVM_CAP_DIRTY_LOG_RING */
};

/* manual: KVM_DIRTY_LOG_INITIALLY_SET. */
enum dirty_log_init {
	DIRTY_INIT_AUTO, /* where the host offers it */
	DIRTY_INIT_SET, /* required: refused where the host lacks it */
	DIRTY_INIT_CLEAR, /* never */
};

/*
 * The ring's entries: a power of two from one 4 KiB page of 16-byte
 * entries to KVM's KVM_DIRTY_RING_MAX_ENTRIES; the host's own maximum
 * (the cap's value / 16) may be lower.
 */
#define DIRTY_RING_MIN 256
#define DIRTY_RING_MAX 65536
#define DIRTY_RING_DEFAULT 4096

struct dirty_log_spec {
	enum dirty_log_mode mode;
	enum dirty_log_init init; /* manual only */
	uint32_t ring_entries; /* ring only */
	/*
	 * Not from the option: the RAM slots start without
	 * KVM_MEM_LOG_DIRTY_PAGES (the caps and rings are still set up), so
	 * that dirtylog__set() turns logging on later (zapvm bench dirtylog).
	 */
	bool start_off;
};

/*
 * dirty_log_spec__parse - "off", "bitmap", "manual[:init-set|:no-init-set]"
 * or "ring[:N]" into *@out. 0, -EINVAL for an unknown mode or suffix,
 * -ERANGE for a ring size that is not a power of two from DIRTY_RING_MIN
 * to DIRTY_RING_MAX (0 included).
 */
int dirty_log_spec__parse(const char *s, struct dirty_log_spec *out);

/*
 * dirty_log_spec__name - @s in the syntax of the option ("ring:4096",
 * "manual:init-set", ...) into @buf of @len bytes.
 */
void dirty_log_spec__name(const struct dirty_log_spec *s, char *buf,
			  size_t len);

/* What a run collected (struct vm_result keeps a copy). */
struct dirty_log_result {
	uint64_t pages; /* distinct pages over the whole run */
	uint64_t collections; /* times the VMM collected */
	uint64_t ring_full_exits; /* KVM_EXIT_DIRTY_RING_FULL exits */
	bool init_set; /* manual ran with KVM_DIRTY_LOG_INITIALLY_SET */
};

struct dirtylog;

/*
 * dirtylog__new - dirty logging as @spec asks (not DIRTY_LOG_OFF) on VM
 * @vm_fd with @ncpus vCPUs, before any memslot or vCPU exists: checks the
 * host's capabilities (KVM_CHECK_EXTENSION) and enables the manual
 * protect or the ring. 0 with *@out set, -EOPNOTSUPP after one line naming
 * the capability the host lacks (or the ring size it cannot take), or
 * -errno. Then: the RAM slots are added with the flags
 * dirtylog__slot_flags() says, dirtylog__attach() and, for each vCPU,
 * dirtylog__map_vcpu().
 */
int dirtylog__new(int vm_fd, const struct dirty_log_spec *spec,
		  unsigned int ncpus, struct dirtylog **out);

/*
 * dirtylog__slot_flags - the KVM_MEM_* flags RAM slots are added with:
 * logging on, or none with spec.start_off.
 */
uint32_t dirtylog__slot_flags(const struct dirtylog *d);

/*
 * dirtylog__attach - learn the RAM slots of @m (added with logging on,
 * fixed from now on) and allocate their bitmaps. With the initially-set
 * bitmap, KVM reports every page dirty before the guest ran: that set is
 * cleared here, uncounted, so that the counts say what the guest wrote.
 * 0 or -errno (logged).
 */
int dirtylog__attach(struct dirtylog *d, struct memslots *m);

/*
 * dirtylog__map_vcpu - ring mode: map vCPU @id's ring (vCPU fd @vcpu_fd,
 * at KVM_DIRTY_LOG_PAGE_OFFSET). Nothing in the other modes. 0 or -errno
 * (logged).
 */
int dirtylog__map_vcpu(struct dirtylog *d, unsigned int id, int vcpu_fd);

/*
 * dirtylog__collect - collect what KVM logged since the last collection:
 * every vCPU's ring, or each RAM slot's bitmap. With @phase_end, the
 * per-phase count starts afresh afterwards (the caller marks a phase
 * next). Safe from any thread. 0 or the ioctl's -errno (logged once).
 */
int dirtylog__collect(struct dirtylog *d, bool phase_end);

/*
 * dirtylog__ring_full - vCPU @id exited with KVM_EXIT_DIRTY_RING_FULL:
 * harvest the rings and reset them, so that it can go on. 0 or -errno.
 */
int dirtylog__ring_full(struct dirtylog *d, unsigned int id);

/*
 * dirtylog__set - turn logging on or off on the running VM's RAM slots
 * @m: a flags-only memslot change and a phase boundary ("dirty-log-on",
 * "dirty-log-off"); turning it off collects first. 0 or -errno.
 */
int dirtylog__set(struct dirtylog *d, struct memslots *m, bool on);

/*
 * dirtylog__phase_counter - the counter of distinct pages collected in
 * the current phase, for the phase log (its per-phase deltas).
 */
uint64_t *dirtylog__phase_counter(struct dirtylog *d);

/* dirtylog__result - what was collected so far. */
void dirtylog__result(struct dirtylog *d, struct dirty_log_result *out);

/*
 * dirtylog__take - collect now, then count the pages collected since the
 * last take (by any collection: phase boundaries and ring-full exits
 * too) that lie in [@gpa, @gpa + @len) into *@in and all of them into
 * *@all, and start that count afresh. 0 or the collection's -errno.
 */
int dirtylog__take(struct dirtylog *d, uint64_t gpa, uint64_t len, uint64_t *in,
		   uint64_t *all);

struct vm;

/*
 * vm__dirty_log_set, vm__dirty_log_take - dirtylog__set() and
 * dirtylog__take() on a running VM, for a VM hook (struct vm_hook) that
 * has no vmcore.h; -ENODEV without --dirty-log.
 */
int vm__dirty_log_set(struct vm *vm, bool on);
int vm__dirty_log_take(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t *in,
		       uint64_t *all);

/* dirtylog__free - unmap the rings, free the bitmaps; NULL is fine. */
void dirtylog__free(struct dirtylog *d);

#endif /* ZAPVM_DIRTYLOG_H */
