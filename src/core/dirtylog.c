// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty logging on the RAM memslots: the bitmap (KVM_GET_DIRTY_LOG), the
 * manual protect (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, which needs a
 * KVM_CLEAR_DIRTY_LOG before a page is logged again) and the per-vCPU
 * dirty ring (KVM_CAP_DIRTY_LOG_RING; x86 takes the plain ring, the
 * acquire/release one is arm's). Every collection ORs the pages into two
 * sets per slot, this phase's and the run's, so both counts are of
 * distinct pages however often a page was logged.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zapvm/dirtylog.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"

struct dslot {
	uint32_t slot; /* KVM slot id */
	uint64_t gpa, npages;
	uint64_t *phase; /* pages collected in this phase */
	uint64_t *total; /* pages collected in the run */
	uint64_t *iter; /* pages collected since the last dirtylog__take() */
	uint64_t *buf; /* KVM_GET_DIRTY_LOG's answer */
};

struct dring {
	struct kvm_dirty_gfn *gfns; /* NULL until mapped */
	uint32_t fetch; /* next entry to look at */
	uint32_t last; /* entries the last harvest found */
	uint64_t since_full; /* entries harvested since its last full exit */
};

struct dirtylog {
	int vm_fd;
	struct dirty_log_spec spec;
	bool init_set;
	bool on; /* the RAM slots have KVM_MEM_LOG_DIRTY_PAGES */
	pthread_mutex_t lock;
	struct dslot *slots;
	unsigned int nslots;
	int32_t *by_id; /* KVM slot id -> index in slots, or -1 */
	uint32_t max_id;
	struct dring *rings; /* ring mode, one per vCPU */
	unsigned int ncpus;
	size_t ring_bytes;
	uint64_t phase_pages; /* counter for the phase log */
	struct dirty_log_result res;
	bool warned;
};

int dirty_log_spec__parse(const char *s, struct dirty_log_spec *out)
{
	struct dirty_log_spec sp = { .ring_entries = DIRTY_RING_DEFAULT };
	uint64_t n;

	if (!strcmp(s, "off")) {
		sp.mode = DIRTY_LOG_OFF;
	} else if (!strcmp(s, "bitmap")) {
		sp.mode = DIRTY_LOG_BITMAP;
	} else if (!strcmp(s, "manual")) {
		sp.mode = DIRTY_LOG_MANUAL;
	} else if (!strcmp(s, "manual:init-set")) {
		sp.mode = DIRTY_LOG_MANUAL;
		sp.init = DIRTY_INIT_SET;
	} else if (!strcmp(s, "manual:no-init-set")) {
		sp.mode = DIRTY_LOG_MANUAL;
		sp.init = DIRTY_INIT_CLEAR;
	} else if (!strcmp(s, "ring")) {
		sp.mode = DIRTY_LOG_RING;
	} else if (!strncmp(s, "ring:", 5)) {
		sp.mode = DIRTY_LOG_RING;
		if (parse_u64(s + 5, &n))
			return -EINVAL;
		if (n < DIRTY_RING_MIN || n > DIRTY_RING_MAX || (n & (n - 1)))
			return -ERANGE;
		sp.ring_entries = (uint32_t)n;
	} else {
		return -EINVAL;
	}
	*out = sp;
	return 0;
}

void dirty_log_spec__name(const struct dirty_log_spec *s, char *buf, size_t len)
{
	static const char *const init[] = { "", ":init-set", ":no-init-set" };

	switch (s->mode) {
	case DIRTY_LOG_BITMAP:
		snprintf(buf, len, "bitmap");
		break;
	case DIRTY_LOG_MANUAL:
		snprintf(buf, len, "manual%s", init[s->init]);
		break;
	case DIRTY_LOG_RING:
		snprintf(buf, len, "ring:%u", s->ring_entries);
		break;
	case DIRTY_LOG_OFF:
	default:
		snprintf(buf, len, "off");
		break;
	}
}

/* Manual protect: enable it, with the initially-set bitmap if wanted. */
static int dirtylog__enable_manual(struct dirtylog *d)
{
	long cap = kvm__check(d->vm_fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	struct kvm_enable_cap ec = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };
	bool has_init = cap & KVM_DIRTY_LOG_INITIALLY_SET;

	if (!(cap & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)) {
		log_err("--dirty-log manual: this host's KVM lacks "
			"KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
		return -EOPNOTSUPP;
	}
	if (d->spec.init == DIRTY_INIT_SET && !has_init) {
		log_err("--dirty-log manual:init-set: this host's KVM lacks "
			"KVM_DIRTY_LOG_INITIALLY_SET "
			"(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is %ld)",
			cap);
		return -EOPNOTSUPP;
	}
	d->init_set = has_init && d->spec.init != DIRTY_INIT_CLEAR;
	ec.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		     (d->init_set ? KVM_DIRTY_LOG_INITIALLY_SET : 0);
	return kvm_ioctl(d->vm_fd, KVM_ENABLE_CAP, &ec);
}

/* The ring: its size checked against the host's, enabled before vCPUs. */
static int dirtylog__enable_ring(struct dirtylog *d)
{
	long max = kvm__check(d->vm_fd, KVM_CAP_DIRTY_LOG_RING);
	struct kvm_enable_cap ec = { .cap = KVM_CAP_DIRTY_LOG_RING };
	int ret;

	if (max <= 0) {
		log_err("--dirty-log ring: this host's KVM lacks "
			"KVM_CAP_DIRTY_LOG_RING");
		return -EOPNOTSUPP;
	}
	d->ring_bytes =
		(size_t)d->spec.ring_entries * sizeof(struct kvm_dirty_gfn);
	if ((long)d->ring_bytes > max) {
		log_err("--dirty-log ring:%u: this host's KVM takes at most "
			"%ld entries (KVM_CAP_DIRTY_LOG_RING)",
			d->spec.ring_entries,
			max / (long)sizeof(struct kvm_dirty_gfn));
		return -EOPNOTSUPP;
	}
	ec.args[0] = d->ring_bytes;
	ret = kvm_ioctl_quiet(d->vm_fd, KVM_ENABLE_CAP, &ec);
	if (ret == -EINVAL) {
		/* Below the entries KVM keeps in reserve (PML's 512 and more). */
		log_err("--dirty-log ring:%u: this host's KVM refuses a ring "
			"this small (KVM_ENABLE_CAP KVM_CAP_DIRTY_LOG_RING)",
			d->spec.ring_entries);
		return -EOPNOTSUPP;
	}
	if (ret)
		log_err("KVM_ENABLE_CAP KVM_CAP_DIRTY_LOG_RING failed: %s",
			strerror(-ret));
	return ret;
}

int dirtylog__new(int vm_fd, const struct dirty_log_spec *spec,
		  unsigned int ncpus, struct dirtylog **out)
{
	struct dirtylog *d = calloc(1, sizeof(*d));
	int ret = 0;

	if (!d)
		return -ENOMEM;
	d->vm_fd = vm_fd;
	d->spec = *spec;
	d->ncpus = ncpus;
	d->on = !spec->start_off;
	pthread_mutex_init(&d->lock, NULL);
	if (spec->mode == DIRTY_LOG_MANUAL) {
		ret = dirtylog__enable_manual(d);
	} else if (spec->mode == DIRTY_LOG_RING) {
		ret = dirtylog__enable_ring(d);
		d->rings = ret ? NULL : calloc(ncpus, sizeof(*d->rings));
		if (!ret && !d->rings)
			ret = -ENOMEM;
	}
	if (ret) {
		dirtylog__free(d);
		return ret;
	}
	d->res.init_set = d->init_set;
	*out = d;
	return 0;
}

uint32_t dirtylog__slot_flags(const struct dirtylog *d)
{
	return d->spec.start_off ? 0 : KVM_MEM_LOG_DIRTY_PAGES;
}

static size_t bitmap_words(uint64_t npages)
{
	return (size_t)((npages + 63) / 64);
}

/* OR @bits into @s's sets, counting the pages new to each. */
static void dirtylog__merge(struct dirtylog *d, struct dslot *s,
			    const uint64_t *bits)
{
	for (size_t w = 0; w < bitmap_words(s->npages); w++) {
		uint64_t b = bits[w];

		if (!b)
			continue;
		__atomic_add_fetch(&d->phase_pages,
				   (uint64_t)__builtin_popcountll(b &
								  ~s->phase[w]),
				   __ATOMIC_RELAXED);
		d->res.pages +=
			(uint64_t)__builtin_popcountll(b & ~s->total[w]);
		s->phase[w] |= b;
		s->total[w] |= b;
		s->iter[w] |= b;
	}
}

/* KVM_GET_DIRTY_LOG of @s into s->buf; manual: clear what it reported. */
static int dirtylog__get(struct dirtylog *d, struct dslot *s, bool *any)
{
	struct kvm_dirty_log get = { .slot = s->slot, .dirty_bitmap = s->buf };
	struct kvm_clear_dirty_log clr = { .slot = s->slot,
					   .num_pages = (uint32_t)s->npages,
					   .dirty_bitmap = s->buf };
	int ret = kvm_ioctl_quiet(d->vm_fd, KVM_GET_DIRTY_LOG, &get);

	*any = false;
	if (ret)
		return ret;
	for (size_t w = 0; w < bitmap_words(s->npages) && !*any; w++)
		*any = s->buf[w] != 0;
	if (!*any || d->spec.mode != DIRTY_LOG_MANUAL)
		return 0;
	return kvm_ioctl_quiet(d->vm_fd, KVM_CLEAR_DIRTY_LOG, &clr);
}

int dirtylog__attach(struct dirtylog *d, struct memslots *m)
{
	unsigned int n = memslots__ram(m, NULL, 0);
	struct region *r = calloc(n ? n : 1, sizeof(*r));
	int ret = 0;

	d->slots = calloc(n ? n : 1, sizeof(*d->slots));
	d->by_id = malloc(m->max_slots * sizeof(*d->by_id));
	if (!r || !d->slots || !d->by_id) {
		ret = -ENOMEM;
		goto out_free;
	}
	n = memslots__ram(m, r, n);
	d->max_id = m->max_slots;
	memset(d->by_id, 0xff, m->max_slots * sizeof(*d->by_id));
	for (unsigned int i = 0; i < n; i++) {
		struct dslot *s = &d->slots[i];
		size_t words;

		s->slot = (uint32_t)r[i].slot;
		s->gpa = r[i].gpa;
		s->npages = r[i].size >> 12;
		words = bitmap_words(s->npages);
		s->phase = calloc(words, 8);
		s->total = calloc(words, 8);
		s->buf = calloc(words, 8);
		s->iter = calloc(words, 8);
		d->nslots = i + 1;
		if (!s->phase || !s->total || !s->buf || !s->iter) {
			ret = -ENOMEM;
			goto out_free;
		}
		d->by_id[s->slot] = (int32_t)i;
	}
	/* Initially set: "all dirty" before the guest ran is not its doing. */
	for (unsigned int i = 0; d->init_set && d->on && !ret && i < n; i++) {
		bool any;

		ret = dirtylog__get(d, &d->slots[i], &any);
	}
	if (ret)
		log_err("dirty log: clearing the initially-set bitmap failed: %s",
			strerror(-ret));
out_free:
	if (ret == -ENOMEM)
		log_err("dirty log: out of memory for %u slots' bitmaps", n);
	free(r);
	return ret;
}

int dirtylog__map_vcpu(struct dirtylog *d, unsigned int id, int vcpu_fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (d->spec.mode != DIRTY_LOG_RING || id >= d->ncpus)
		return 0;
	p = mmap(NULL, d->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vcpu_fd, (off_t)KVM_DIRTY_LOG_PAGE_OFFSET * page);
	if (p == MAP_FAILED) {
		int err = errno;

		log_err("vCPU %u: mmap of the dirty ring failed: %s", id,
			strerror(err));
		return -err;
	}
	d->rings[id].gfns = p;
	return 0;
}

/* Record page @offset of KVM slot @slot (as a ring entry names it). */
static void dirtylog__ring_page(struct dirtylog *d, uint32_t slot,
				uint64_t offset)
{
	uint32_t id = slot & 0xffff;
	uint64_t bit = 1ULL << (offset & 63);
	struct dslot *s;
	size_t w;

	/* Address space 1 is SMM's, which zapvm never gives RAM. */
	if ((slot >> 16) || id >= d->max_id || d->by_id[id] < 0)
		return;
	s = &d->slots[d->by_id[id]];
	if (offset >= s->npages)
		return;
	w = (size_t)(offset / 64);
	if (!(s->phase[w] & bit))
		__atomic_add_fetch(&d->phase_pages, 1, __ATOMIC_RELAXED);
	if (!(s->total[w] & bit))
		d->res.pages++;
	s->phase[w] |= bit;
	s->total[w] |= bit;
	s->iter[w] |= bit;
}

/* Harvest the dirty entries of every mapped ring; lock held. */
static unsigned int dirtylog__harvest(struct dirtylog *d)
{
	uint32_t mask = d->spec.ring_entries - 1;
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->ncpus; i++) {
		struct dring *r = &d->rings[i];

		r->last = 0;
		while (r->gfns) {
			struct kvm_dirty_gfn *e = &r->gfns[r->fetch & mask];
			uint32_t flags =
				__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

			if (!(flags & KVM_DIRTY_GFN_F_DIRTY))
				break;
			dirtylog__ring_page(d, e->slot, e->offset);
			__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET,
					 __ATOMIC_RELEASE);
			r->fetch++;
			r->last++;
			r->since_full++;
			n++;
		}
	}
	return n;
}

/* One collection, lock held: the ring entries harvested, or -errno. */
static int dirtylog__collect_locked(struct dirtylog *d)
{
	unsigned int n;
	int ret = 0;

	d->res.collections++;
	if (d->spec.mode == DIRTY_LOG_RING) {
		n = dirtylog__harvest(d);
		if (n)
			ret = kvm_ioctl_quiet(d->vm_fd, KVM_RESET_DIRTY_RINGS,
					      NULL);
		return ret < 0 ? ret : (int)n;
	}
	/* Slots without logging have no bitmap: KVM_GET_DIRTY_LOG fails. */
	if (!d->on)
		return 0;
	for (unsigned int i = 0; !ret && i < d->nslots; i++) {
		struct dslot *s = &d->slots[i];
		bool any;

		ret = dirtylog__get(d, s, &any);
		if (!ret && any)
			dirtylog__merge(d, s, s->buf);
	}
	return ret;
}

/* Log the first collection that failed, once a run. */
static void dirtylog__warn(struct dirtylog *d, int ret)
{
	if (ret >= 0 || d->warned)
		return;
	d->warned = true;
	log_err("dirty log: collecting failed (%s): %s",
		d->spec.mode == DIRTY_LOG_RING ? "KVM_RESET_DIRTY_RINGS" :
						 "KVM_GET/CLEAR_DIRTY_LOG",
		strerror(-ret));
}

int dirtylog__collect(struct dirtylog *d, bool phase_end)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = dirtylog__collect_locked(d);
	if (phase_end)
		for (unsigned int i = 0; i < d->nslots; i++)
			memset(d->slots[i].phase, 0,
			       bitmap_words(d->slots[i].npages) * 8);
	dirtylog__warn(d, ret);
	pthread_mutex_unlock(&d->lock);
	return ret < 0 ? ret : 0;
}

int dirtylog__ring_full(struct dirtylog *d, unsigned int id)
{
	uint64_t since = 0;
	int ret;

	if (!d || d->spec.mode != DIRTY_LOG_RING) {
		log_err("vCPU %u: KVM_EXIT_DIRTY_RING_FULL without a dirty ring",
			id);
		return -EFAULT;
	}
	pthread_mutex_lock(&d->lock);
	d->res.ring_full_exits++;
	ret = dirtylog__collect_locked(d);
	dirtylog__warn(d, ret);
	if (ret >= 0 && id < d->ncpus) {
		since = d->rings[id].since_full;
		d->rings[id].since_full = 0;
		ret = (int)d->rings[id].last;
	}
	pthread_mutex_unlock(&d->lock);
	/*
	 * KVM exits once the ring is filled to its soft limit, with room
	 * left for what is in flight: this vCPU's ring found completely
	 * full here, or with nothing harvested from it (by any thread)
	 * since its last full exit, was pushed past its end and entries
	 * were lost - PVM does so on the emulated writes of ring-0 code.
	 */
	if (ret >= 0 && (!since || ret >= (int)d->spec.ring_entries)) {
		log_err("vCPU %u: the dirty ring overflowed (%d entries at "
			"KVM_EXIT_DIRTY_RING_FULL): this host's KVM lost "
			"entries; use --dirty-log bitmap or manual",
			id, ret);
		return -EOPNOTSUPP;
	}
	return ret < 0 ? ret : 0;
}

/*
 * Collections run only while the slots log (d->on): off from before the
 * flags change, on from after it. With the initially-set bitmap, KVM
 * reports every page of a slot that starts logging as dirty: the first
 * collection after turning it on counts them, as KVM defines it.
 */
int dirtylog__set(struct dirtylog *d, struct memslots *m, bool on)
{
	int ret;

	if (!on) {
		dirtylog__collect(d, false);
		pthread_mutex_lock(&d->lock);
		d->on = false;
		pthread_mutex_unlock(&d->lock);
	}
	ret = memslots__set_ram_flags(m, on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
				      on ? "dirty-log-on" : "dirty-log-off");
	pthread_mutex_lock(&d->lock);
	d->on = on ? !ret : !!ret;
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* The pages of @s's iter set in [gpa, gpa + len), clamped to the slot. */
static uint64_t dslot__count(const struct dslot *s, uint64_t gpa, uint64_t len)
{
	uint64_t lo = gpa > s->gpa ? (gpa - s->gpa) >> 12 : 0, hi, n = 0;
	uint64_t end = gpa + len < gpa ? UINT64_MAX : gpa + len;

	if (end <= s->gpa)
		return 0;
	hi = (end - s->gpa + 4095) >> 12;
	if (hi > s->npages)
		hi = s->npages;
	for (uint64_t p = lo; p < hi; p++)
		n += (s->iter[p / 64] >> (p % 64)) & 1;
	return n;
}

int dirtylog__take(struct dirtylog *d, uint64_t gpa, uint64_t len, uint64_t *in,
		   uint64_t *all)
{
	int ret;

	*in = *all = 0;
	pthread_mutex_lock(&d->lock);
	ret = dirtylog__collect_locked(d);
	dirtylog__warn(d, ret);
	for (unsigned int i = 0; i < d->nslots; i++) {
		struct dslot *s = &d->slots[i];
		size_t words = bitmap_words(s->npages);

		*in += dslot__count(s, gpa, len);
		for (size_t w = 0; w < words; w++)
			*all += (uint64_t)__builtin_popcountll(s->iter[w]);
		memset(s->iter, 0, words * 8);
	}
	pthread_mutex_unlock(&d->lock);
	return ret < 0 ? ret : 0;
}

int vm__dirty_log_set(struct vm *vm, bool on)
{
	return vm->dirty ? dirtylog__set(vm->dirty, &vm->slots, on) : -ENODEV;
}

int vm__dirty_log_take(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t *in,
		       uint64_t *all)
{
	if (!vm->dirty)
		return -ENODEV;
	return dirtylog__take(vm->dirty, gpa, len, in, all);
}

uint64_t *dirtylog__phase_counter(struct dirtylog *d)
{
	return &d->phase_pages;
}

void dirtylog__result(struct dirtylog *d, struct dirty_log_result *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->res;
	pthread_mutex_unlock(&d->lock);
}

void dirtylog__free(struct dirtylog *d)
{
	if (!d)
		return;
	for (unsigned int i = 0; d->rings && i < d->ncpus; i++)
		if (d->rings[i].gfns)
			munmap(d->rings[i].gfns, d->ring_bytes);
	for (unsigned int i = 0; i < d->nslots; i++) {
		free(d->slots[i].phase);
		free(d->slots[i].total);
		free(d->slots[i].buf);
		free(d->slots[i].iter);
	}
	free(d->rings);
	free(d->slots);
	free(d->by_id);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
