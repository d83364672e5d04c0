// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/log.h"
#include "zapvm/memslot.h"
#include "zapvm/util.h"

#define PAGE_MASK_4K 0xfffULL

int memslots__init(struct memslots *m, uint32_t max_slots, uint64_t gpa_limit,
		   memslot_set_fn set, memslot_change_fn changed, void *opaque)
{
	memset(m, 0, sizeof(*m));
	if (!max_slots || !set)
		return -EINVAL;
	m->slot_used = calloc(max_slots, 1);
	if (!m->slot_used)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->max_slots = max_slots;
	m->gpa_limit = gpa_limit;
	m->set = set;
	m->changed = changed;
	m->opaque = opaque;
	return 0;
}

void memslots__exit(struct memslots *m)
{
	free(m->regions);
	free(m->slot_used);
	pthread_mutex_destroy(&m->lock);
	m->regions = NULL;
	m->slot_used = NULL;
	m->nr = 0;
}

static bool range_ok(const struct memslots *m, uint64_t gpa, uint64_t size)
{
	uint64_t end;

	if (!size || (gpa & PAGE_MASK_4K) || (size & PAGE_MASK_4K))
		return false;
	return !__builtin_add_overflow(gpa, size, &end) && end <= m->gpa_limit;
}

/* A region other than @self overlapping [gpa, gpa + size). */
static struct region *overlap(struct memslots *m, const struct region *self,
			      uint64_t gpa, uint64_t size)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		struct region *r = &m->regions[i];

		if (r != self && gpa < r->gpa + r->size && r->gpa < gpa + size)
			return r;
	}
	return NULL;
}

static int set_slot(struct memslots *m, struct region *r, uint64_t gpa,
		    uint64_t size)
{
	struct kvm_userspace_memory_region kr = {
		.slot = (uint32_t)r->slot,
		.flags = r->kind == REGION_ROM ? KVM_MEM_READONLY :
						 m->ram_flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)r->hva,
	};
	uint64_t t0 = now_ns();
	int ret = m->set(m->opaque, &kr);

	if (ret)
		return ret;
	__atomic_add_fetch(&m->changes, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->changes_as[0], 1, __ATOMIC_RELAXED);
	/* QEMU's SMM address space: the same slot again, as_id in bits 16+. */
	if (m->smm_mirror) {
		kr.slot |= 1U << 16;
		ret = m->set(m->opaque, &kr);
		if (ret)
			return ret;
		__atomic_add_fetch(&m->changes, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&m->changes_as[1], 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&m->update_ns, now_ns() - t0, __ATOMIC_RELAXED);
	return 0;
}

int memslots__mirror_smm(struct memslots *m)
{
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	if (m->nr)
		ret = -EBUSY;
	else
		m->smm_mirror = true;
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int alloc_slot(struct memslots *m)
{
	for (uint32_t i = 0; i < m->max_slots; i++) {
		if (!m->slot_used[i]) {
			m->slot_used[i] = 1;
			return (int)i;
		}
	}
	return -ENOSPC;
}

static unsigned int count_kind(const struct memslots *m, enum region_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		n += m->regions[i].kind == kind;
	return n;
}

/*
 * The index a new region of @kind gets: one past the highest, which is
 * count_kind() while no region was ever removed (memslots__replace()).
 */
static unsigned int next_index(const struct memslots *m, enum region_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->regions[i].kind == kind && m->regions[i].index >= n)
			n = m->regions[i].index + 1;
	return n;
}

int memslots__add(struct memslots *m, enum region_kind kind, const char *name,
		  uint64_t gpa, uint64_t size, void *hva)
{
	struct region *r, *o;
	int ret;

	if (!range_ok(m, gpa, size)) {
		log_err("%s: region [0x%llx, +0x%llx) is not 4 KiB aligned or "
			"lies outside the guest-physical space (limit 0x%llx)",
			name, (unsigned long long)gpa, (unsigned long long)size,
			(unsigned long long)m->gpa_limit);
		return -EINVAL;
	}
	pthread_mutex_lock(&m->lock);
	o = overlap(m, NULL, gpa, size);
	if (o) {
		log_err("%s: region [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
			name, (unsigned long long)gpa,
			(unsigned long long)(gpa + size), o->name,
			(unsigned long long)o->gpa,
			(unsigned long long)(o->gpa + o->size));
		ret = -EEXIST;
		goto out_unlock;
	}
	if (m->nr == m->cap) {
		unsigned int cap = m->cap ? m->cap * 2 : 8;
		struct region *n = realloc(m->regions, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			log_err("%s: out of memory", name);
			goto out_unlock;
		}
		m->regions = n;
		m->cap = cap;
	}
	ret = alloc_slot(m);
	if (ret < 0) {
		log_err("%s: no free memslot (KVM allows %u)", name,
			m->max_slots);
		goto out_unlock;
	}
	r = &m->regions[m->nr];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->gpa = gpa;
	r->size = size;
	r->hva = hva;
	r->slot = ret;
	r->index = next_index(m, kind);
	ret = set_slot(m, r, gpa, size);
	if (ret) {
		m->slot_used[r->slot] = 0;
		log_err("%s: KVM_SET_USER_MEMORY_REGION failed: %s", name,
			strerror(-ret));
		goto out_unlock;
	}
	m->nr++;
	ret = (int)r->index;
out_unlock:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static struct region *find_rom(struct memslots *m, unsigned int index)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		if (m->regions[i].kind == REGION_ROM &&
		    m->regions[i].index == index)
			return &m->regions[i];
	}
	return NULL;
}

/*
 * Name a change while the lock is held (the region array may move once it
 * is dropped); report it after, so the callback may take other locks.
 */
static void describe(char *what, size_t len, const struct region *r,
		     const char *op)
{
	snprintf(what, len, "%s-%s", r->name, op);
}

static void notify(struct memslots *m, const char *what)
{
	if (m->changed && *what)
		m->changed(m->opaque, what);
}

int memslots__rom_unmap(struct memslots *m, unsigned int index)
{
	char what[64] = "";
	struct region *r;
	int ret;

	pthread_mutex_lock(&m->lock);
	r = find_rom(m, index);
	ret = !r ? -EINVAL : r->slot < 0 ? -EALREADY : 0;
	if (ret)
		goto out_unlock;
	ret = set_slot(m, r, r->gpa, 0);
	if (ret)
		goto out_unlock;
	m->slot_used[r->slot] = 0;
	r->slot = -1;
	describe(what, sizeof(what), r, "unmap");
out_unlock:
	pthread_mutex_unlock(&m->lock);
	notify(m, what);
	return ret;
}

int memslots__rom_map(struct memslots *m, unsigned int index)
{
	char what[64] = "";
	struct region *r;
	int ret;

	pthread_mutex_lock(&m->lock);
	r = find_rom(m, index);
	ret = !r ? -EINVAL : r->slot >= 0 ? -EALREADY : 0;
	if (ret)
		goto out_unlock;
	ret = alloc_slot(m);
	if (ret < 0)
		goto out_unlock;
	r->slot = ret;
	ret = set_slot(m, r, r->gpa, r->size);
	if (ret) {
		m->slot_used[r->slot] = 0;
		r->slot = -1;
	} else {
		describe(what, sizeof(what), r, "map");
	}
out_unlock:
	pthread_mutex_unlock(&m->lock);
	notify(m, what);
	return ret;
}

int memslots__rom_move(struct memslots *m, unsigned int index, uint64_t gpa)
{
	char what[64] = "";
	struct region *r;
	int ret;

	pthread_mutex_lock(&m->lock);
	r = find_rom(m, index);
	if (!r || !range_ok(m, gpa, r->size)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (overlap(m, r, gpa, r->size)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	/* Same slot, same size, new base: KVM_MR_MOVE. */
	ret = r->slot >= 0 ? set_slot(m, r, gpa, r->size) : 0;
	if (!ret) {
		r->gpa = gpa;
		if (r->slot >= 0)
			describe(what, sizeof(what), r, "move");
	}
out_unlock:
	pthread_mutex_unlock(&m->lock);
	notify(m, what);
	return ret;
}

unsigned int memslots__nr_roms(struct memslots *m)
{
	unsigned int n;

	pthread_mutex_lock(&m->lock);
	n = count_kind(m, REGION_ROM);
	pthread_mutex_unlock(&m->lock);
	return n;
}

bool memslots__find(struct memslots *m, uint64_t gpa, struct region *out)
{
	bool found = false;

	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			*out = *r;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

void *gpa_to_hva(struct memslots *m, uint64_t gpa, uint64_t len, bool write)
{
	void *hva = NULL;
	uint64_t last;

	if (!len || __builtin_add_overflow(gpa, len - 1, &last))
		return NULL;
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct region *r = &m->regions[i];

		if (r->slot < 0 || gpa < r->gpa || last - r->gpa >= r->size)
			continue;
		if (!write || r->kind == REGION_RAM)
			hva = (uint8_t *)r->hva + (gpa - r->gpa);
		break;
	}
	pthread_mutex_unlock(&m->lock);
	return hva;
}

/* Add @s with the lock held: 0 or -errno, not logged. */
static int add_locked(struct memslots *m, const struct region_spec *s)
{
	struct region *r;
	int ret;

	if (!range_ok(m, s->gpa, s->size))
		return -EINVAL;
	if (overlap(m, NULL, s->gpa, s->size))
		return -EEXIST;
	if (m->nr == m->cap) {
		unsigned int cap = m->cap ? m->cap * 2 : 8;
		struct region *n = realloc(m->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->regions = n;
		m->cap = cap;
	}
	ret = alloc_slot(m);
	if (ret < 0)
		return ret;
	r = &m->regions[m->nr];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	r->kind = s->kind;
	r->gpa = s->gpa;
	r->size = s->size;
	r->hva = s->hva;
	r->slot = ret;
	r->index = next_index(m, s->kind);
	ret = set_slot(m, r, s->gpa, s->size);
	if (ret) {
		m->slot_used[r->slot] = 0;
		return ret;
	}
	m->nr++;
	return 0;
}

/* Delete the mapped region starting at @gpa, lock held: 0 or -errno. */
static int remove_locked(struct memslots *m, uint64_t gpa)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		struct region *r = &m->regions[i];
		int ret;

		if (r->gpa != gpa || r->slot < 0)
			continue;
		ret = set_slot(m, r, r->gpa, 0);
		if (ret)
			return ret;
		m->slot_used[r->slot] = 0;
		memmove(r, r + 1, (m->nr - i - 1) * sizeof(*r));
		m->nr--;
		return 0;
	}
	return -ENOENT;
}

int memslots__replace(struct memslots *m, const uint64_t *del,
		      unsigned int ndel, const struct region_spec *add,
		      unsigned int nadd, const char *what)
{
	bool changed = false;
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; !ret && i < ndel; i++) {
		ret = remove_locked(m, del[i]);
		changed |= !ret;
	}
	for (unsigned int i = 0; !ret && i < nadd; i++) {
		ret = add_locked(m, &add[i]);
		changed |= !ret;
	}
	pthread_mutex_unlock(&m->lock);
	if (changed)
		notify(m, what);
	return ret;
}

int memslots__set_ram_flags(struct memslots *m, uint32_t flags,
			    const char *what)
{
	bool changed = false;
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	if (m->ram_flags == flags)
		goto out_unlock;
	for (unsigned int i = 0; i < m->nr; i++) {
		struct region *r = &m->regions[i];
		uint32_t old = m->ram_flags;

		if (r->kind != REGION_RAM || r->slot < 0)
			continue;
		/* set_slot() takes the flags from m: this slot's new ones. */
		m->ram_flags = flags;
		ret = set_slot(m, r, r->gpa, r->size);
		m->ram_flags = old;
		if (ret)
			break;
		changed = true;
	}
	/* Regions added from now on get @flags; after a failure, nothing does. */
	if (!ret)
		m->ram_flags = flags;
out_unlock:
	pthread_mutex_unlock(&m->lock);
	if (changed)
		notify(m, what);
	return ret;
}

unsigned int memslots__ram(struct memslots *m, struct region *out,
			   unsigned int max)
{
	unsigned int n = 0;

	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct region *r = &m->regions[i];

		if (r->kind != REGION_RAM || r->slot < 0)
			continue;
		if (n < max)
			out[n] = *r;
		n++;
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

#define SZ_4K (4ULL << 10)
#define SZ_2M (2ULL << 20)

uint64_t ram_slots__align(uint64_t total, unsigned int n, uint64_t page)
{
	uint64_t align = page > SZ_2M ? page : SZ_2M;

	if (!n)
		return 0;
	while (total / align < n) {
		if (align == SZ_4K)
			return 0;
		align = align > SZ_2M ? SZ_2M : SZ_4K;
	}
	return align;
}

/*
 * Emit the part [@start, @end) of the RAM run (the ranges of @in in order)
 * into @out from *@nout on, cut where one range ends: 0 or -ENOSPC.
 */
static int emit_span(const struct ram_range *in, unsigned int nin,
		     uint64_t start, uint64_t end, struct ram_range *out,
		     unsigned int max, unsigned int *nout)
{
	uint64_t pos = 0;

	for (unsigned int i = 0; i < nin && pos < end; pos += in[i].size, i++) {
		uint64_t lo = start > pos ? start : pos;
		uint64_t hi = end < pos + in[i].size ? end : pos + in[i].size;

		if (lo >= hi)
			continue;
		if (*nout == max)
			return -ENOSPC;
		out[(*nout)++] = (struct ram_range){
			.gpa = in[i].gpa + (lo - pos),
			.size = hi - lo,
			.offset = in[i].offset + (lo - pos),
		};
	}
	return 0;
}

int ram_slots__layout(const struct ram_range *in, unsigned int nin,
		      unsigned int n, uint64_t align, struct ram_range *out,
		      unsigned int max)
{
	uint64_t total = 0, units, start = 0;
	unsigned int nout = 0;

	for (unsigned int i = 0; i < nin; i++)
		if (__builtin_add_overflow(total, in[i].size, &total))
			return -EINVAL;
	if (!n || align < SZ_4K || (align & (align - 1)))
		return -EINVAL;
	units = total / align;
	if (units < n)
		return -EINVAL;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t len = (units / n + (k < units % n)) * align;
		uint64_t end = k == n - 1 ? total : start + len;
		int ret = emit_span(in, nin, start, end, out, max, &nout);

		if (ret)
			return ret;
		start = end;
	}
	return (int)nout;
}
