// SPDX-License-Identifier: GPL-2.0-only
/*
 * --trace: KVM's tracepoints, opened with perf_event_open for each vCPU
 * thread (pid 0 from the thread itself, before its first KVM_RUN, so no
 * fault is missed and no other process is traced), one ring buffer per
 * thread that every event of the thread writes to (PERF_EVENT_IOC_SET_OUTPUT),
 * drained every few milliseconds by a thread of its own. Per-thread rather
 * than a tracefs instance: no global tracing state is changed, and the
 * events of other VMs on the host are never seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"
#include "zapvm/vmcore.h"

/*
 * kvm_tdp_mmu_spte_changed fires on every SPTE write of the TDP MMU (each
 * level a fault links, every A/D or permission change): one or more per
 * fault. --trace counts zaps with it, so only those are kept: a present
 * SPTE (SPTE_MMU_PRESENT_MASK, bit 11 from 5.19 to 6.12 at least) made
 * non-present. The filter runs in the kernel before anything is written
 * to the ring ('!' in event filters: Linux 3.19).
 */
#define SPTE_ZAP_FILTER "(old_spte & 2048) && !(new_spte & 2048)"

/* 256 pages of 4 KiB: about 18,000 faults, drained every 5 ms. */
#define RING_PAGES 256
#define DRAIN_NS (5 * 1000000L)

struct trace_ring {
	int fds[TEV_NR]; /* -1: not opened */
	void *base; /* the mmap of fds[TEV_SPTE_REQUESTED] */
	size_t map_size;
	unsigned int vcpu;
	struct trace_pf pf; /* its last kvm_page_fault (under trace.lock) */
	pid_t tid; /* trace__tid()'s; 0: the vCPU thread's own */
	bool off; /* disabled by trace__tid_off() */
};

struct trace {
	char events_dir[128];
	struct trace_format fmt[TEV_NR];
	bool avail[TEV_NR];
	const struct trace_field *f_type, *f_gfn, *f_level;
	/* kvm_exit's reason and ISA; NULL without that event. */
	const struct trace_field *f_exit_reason, *f_exit_isa;
	/* kvm_page_fault's address and error code; NULL without it. */
	const struct trace_field *f_pf_addr, *f_pf_err;
	unsigned int extra; /* trace__new()'s: TRACE_EXTRA_* */

	pthread_mutex_t lock; /* the rings and what they were read into */
	struct trace_ring *rings;
	unsigned int nrings, cap_rings;
	pthread_t thread;
	bool running;
	bool stop;

	struct trace_fault *faults;
	size_t nfaults, cap_faults;
	struct trace_mark *marks;
	size_t nmarks, cap_marks;
	struct trace_layout *layouts;
	unsigned int nlayouts;
	size_t cap_layouts;
	uint64_t lost;
	unsigned int incomplete;
	bool oom, open_warned;
	uint8_t scratch[65536]; /* a record that wraps the ring */
};

static int perf_open(struct perf_event_attr *a, pid_t pid)
{
	long fd = syscall(SYS_perf_event_open, a, pid, -1, -1,
			  PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

static void attr_init(struct perf_event_attr *a, uint32_t id)
{
	memset(a, 0, sizeof(*a));
	a->type = PERF_TYPE_TRACEPOINT;
	a->size = sizeof(*a);
	a->config = id;
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	/* The phase log's clock: a fault's time says its phase. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
}

/* The tracefs events directory into @dir: mounted, or mounted now. */
static int find_tracefs(char *dir, size_t len, const char **why)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char p[96];
	struct stat st;

	for (unsigned int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (!stat(p, &st) && S_ISDIR(st.st_mode)) {
			snprintf(dir, len, "%s", p);
			return 0;
		}
		/* Mounted, but tracefs is root's (mode 0700) by default. */
		if (errno == EACCES) {
			*why = i ? "cannot read /sys/kernel/debug/tracing "
				   "(permission denied)" :
				   "cannot read /sys/kernel/tracing (permission "
				   "denied)";
			return -EACCES;
		}
	}
	if (mount("nodev", dirs[0], "tracefs", 0, NULL)) {
		int err = errno;

		*why = err == EPERM || err == EACCES ?
			       "tracefs is not mounted and may not be mounted "
			       "here (mount -t tracefs nodev /sys/kernel/tracing)" :
			       "tracefs is not mounted and cannot be mounted";
		return err == EPERM ? -EACCES : -ENOENT;
	}
	log_info("--trace: mounted tracefs at %s", dirs[0]);
	snprintf(dir, len, "%s/events", dirs[0]);
	return 0;
}

static int read_format(const char *events_dir, enum trace_event e,
		       struct trace_format *f)
{
	char path[160], text[8192];
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/format", events_dir,
		 trace_event__path(e));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* tracefs files have no size: read until the end. */
	ret = 0;
	for (size_t got = 0;;) {
		n = read(fd, text + got, sizeof(text) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			text[got] = '\0';
			break;
		}
		got += (size_t)n;
		if (got == sizeof(text) - 1) {
			ret = -EFBIG;
			break;
		}
	}
	close(fd);
	if (ret)
		return ret;
	return trace_format__parse(text, f);
}

/* The formats of every event that exists; the fault event must. */
static int read_formats(struct trace *t, const char **why, char *whybuf,
			size_t len)
{
	const struct trace_format *spte = &t->fmt[TEV_SPTE_REQUESTED];
	int ret;

	for (unsigned int e = 0; e < TEV_NR; e++) {
		ret = read_format(t->events_dir, e, &t->fmt[e]);
		t->avail[e] = !ret;
		if (e != TEV_SPTE_REQUESTED || !ret)
			continue;
		snprintf(whybuf, len, "no tracepoint %s in %s (%s)",
			 trace_event__path(e), t->events_dir, strerror(-ret));
		*why = whybuf;
		return ret == -EACCES || ret == -EPERM ? -EACCES : -ENOENT;
	}
	t->f_type = trace_format__field(spte, "common_type");
	t->f_gfn = trace_format__field(spte, "gfn");
	t->f_level = trace_format__field(spte, "level");
	if (t->avail[TEV_PAGE_FAULT]) {
		t->f_pf_addr = trace_format__field(&t->fmt[TEV_PAGE_FAULT],
						   "fault_address");
		t->f_pf_err = trace_format__field(&t->fmt[TEV_PAGE_FAULT],
						  "error_code");
	}
	if (t->avail[TEV_EXIT]) {
		t->f_exit_reason =
			trace_format__field(&t->fmt[TEV_EXIT], "exit_reason");
		t->f_exit_isa = trace_format__field(&t->fmt[TEV_EXIT], "isa");
	}
	if (!t->f_type || !t->f_gfn || !t->f_level) {
		snprintf(whybuf, len,
			 "%s has no common_type, gfn or level field",
			 trace_event__path(TEV_SPTE_REQUESTED));
		*why = whybuf;
		return -ENOENT;
	}
	return 0;
}

/* Whether perf_event_open lets this thread trace itself. */
static int probe_perf(struct trace *t, const char **why, char *whybuf,
		      size_t len)
{
	struct perf_event_attr a;
	int fd;

	attr_init(&a, t->fmt[TEV_SPTE_REQUESTED].id);
	fd = perf_open(&a, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	snprintf(whybuf, len,
		 "perf_event_open of %s: %s (needs CAP_PERFMON or "
		 "kernel.perf_event_paranoid -1)",
		 trace_event__path(TEV_SPTE_REQUESTED), strerror(-fd));
	*why = whybuf;
	return fd == -EACCES || fd == -EPERM ? -EACCES : fd;
}

int trace__new(struct trace **out, unsigned int extra, const char **why,
	       char *whybuf, size_t len)
{
	struct trace *t = calloc(1, sizeof(*t));
	int ret;

	*out = NULL;
	*why = "out of memory";
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->extra = extra;
	ret = find_tracefs(t->events_dir, sizeof(t->events_dir), why);
	if (!ret)
		ret = read_formats(t, why, whybuf, len);
	if (!ret)
		ret = probe_perf(t, why, whybuf, len);
	if (ret) {
		trace__free(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* ---- one vCPU thread's events ---------------------------------------- */

static void *grow(void *v, size_t *cap, size_t n, size_t elem)
{
	size_t c = *cap ? 2 * *cap : 4096;
	void *p;

	if (n < *cap)
		return v;
	p = realloc(v, c * elem);
	if (p)
		*cap = c;
	return p;
}

/* A new mark at the end of t->marks (zeroed), or NULL (t->oom set). */
static struct trace_mark *mark_add(struct trace *t)
{
	void *v = grow(t->marks, &t->cap_marks, t->nmarks, sizeof(*t->marks));

	if (!v) {
		t->oom = true;
		return NULL;
	}
	t->marks = v;
	memset(&t->marks[t->nmarks], 0, sizeof(*t->marks));
	return &t->marks[t->nmarks++];
}

static void ring__close(struct trace_ring *r)
{
	if (r->base)
		munmap(r->base, r->map_size);
	for (unsigned int e = 0; e < TEV_NR; e++)
		if (r->fds[e] >= 0)
			close(r->fds[e]);
}

/*
 * Open every available event for the calling thread into @r, all writing
 * to the fault event's ring. A side event that will not open is left out.
 */
static int ring__open(struct trace *t, struct trace_ring *r, pid_t pid)
{
	long page = sysconf(_SC_PAGESIZE);
	struct perf_event_attr a;
	int lead;

	for (unsigned int e = 0; e < TEV_NR; e++)
		r->fds[e] = -1;
	attr_init(&a, t->fmt[TEV_SPTE_REQUESTED].id);
	lead = perf_open(&a, pid);
	if (lead < 0)
		return lead;
	r->fds[TEV_SPTE_REQUESTED] = lead;
	r->map_size = (size_t)page * (RING_PAGES + 1);
	r->base = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       lead, 0);
	if (r->base == MAP_FAILED) {
		int err = -errno;

		r->base = NULL;
		ring__close(r);
		return err;
	}
	for (unsigned int e = 0; e < TEV_NR; e++) {
		int fd;

		if (e == TEV_SPTE_REQUESTED || !trace__traced(t, e))
			continue;
		attr_init(&a, t->fmt[e].id);
		fd = perf_open(&a, pid);
		if (fd < 0)
			continue;
		if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, lead) ||
		    (e == TEV_SPTE_CHANGED &&
		     ioctl(fd, PERF_EVENT_IOC_SET_FILTER, SPTE_ZAP_FILTER))) {
			close(fd);
			continue;
		}
		r->fds[e] = fd;
	}
	return 0;
}

static int add_ring(struct trace *t, const struct trace_ring *r)
{
	if (t->nrings == t->cap_rings) {
		unsigned int cap = t->cap_rings ? 2 * t->cap_rings : 8;
		struct trace_ring *v = realloc(t->rings, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->rings = v;
		t->cap_rings = cap;
	}
	t->rings[t->nrings++] = *r;
	return 0;
}

/*
 * Trace thread @pid (0: the calling one) as vCPU @vcpu's. A failure is
 * counted and warned about once; the vCPU runs on.
 */
static int trace_thread(struct trace *t, pid_t pid, unsigned int vcpu)
{
	struct trace_ring r = { .vcpu = vcpu, .tid = pid };
	bool warn;
	int ret;

	ret = ring__open(t, &r, pid);
	pthread_mutex_lock(&t->lock);
	if (!ret) {
		ret = add_ring(t, &r);
		if (ret)
			ring__close(&r);
	}
	if (ret)
		t->incomplete++;
	warn = ret && !t->open_warned;
	t->open_warned |= warn;
	pthread_mutex_unlock(&t->lock);
	if (warn)
		log_warn("--trace: vCPU %u is not traced: %s", vcpu,
			 strerror(-ret));
	return ret;
}

void trace__vcpu(struct vcpu *v)
{
	if (v->vm->cfg->trace)
		trace_thread(v->vm->cfg->trace, 0, v->id);
}

/* ---- reading the rings ------------------------------------------------ */

static void keep_fault(struct trace *t, const struct trace_sample *s,
		       struct trace_ring *r)
{
	struct trace_fault *f;
	uint64_t gfn, level;
	void *v;

	if (trace_field__read(t->f_gfn, s->raw, s->raw_size, &gfn) ||
	    trace_field__read(t->f_level, s->raw, s->raw_size, &level))
		return;
	v = grow(t->faults, &t->cap_faults, t->nfaults, sizeof(*f));
	if (!v) {
		t->oom = true;
		return;
	}
	t->faults = v;
	f = &t->faults[t->nfaults++];
	*f = (struct trace_fault){ .time = s->time,
				   .gfn = gfn,
				   .vcpu = r->vcpu,
				   .level = (uint8_t)level };
	trace_pf__take(&r->pf, f);
}

/* A kvm_page_fault: its fault's error code, for the SPTE that follows. */
static void note_page_fault(const struct trace *t, const struct trace_sample *s,
			    struct trace_ring *r)
{
	uint64_t addr, err;

	if (t->f_pf_addr && t->f_pf_err &&
	    !trace_field__read(t->f_pf_addr, s->raw, s->raw_size, &addr) &&
	    !trace_field__read(t->f_pf_err, s->raw, s->raw_size, &err))
		trace_pf__note(&r->pf, addr, err);
}

/* A kvm_exit's reason and ISA into @m (0 where the field is missing). */
static void exit_reason(const struct trace *t, const struct trace_sample *s,
			struct trace_mark *m)
{
	uint64_t v;

	if (t->f_exit_reason &&
	    !trace_field__read(t->f_exit_reason, s->raw, s->raw_size, &v))
		m->reason = (uint32_t)v;
	if (t->f_exit_isa &&
	    !trace_field__read(t->f_exit_isa, s->raw, s->raw_size, &v))
		m->isa = (uint8_t)v;
}

static void keep_record(struct trace *t, const void *rec, size_t len,
			struct trace_ring *r)
{
	struct trace_sample s;
	uint64_t lost, type;

	if (trace_sample__decode(rec, len, &s, &lost) <= 0) {
		t->lost += lost;
		return;
	}
	if (trace_field__read(t->f_type, s.raw, s.raw_size, &type))
		return;
	if (type == t->fmt[TEV_SPTE_REQUESTED].id) {
		keep_fault(t, &s, r);
		return;
	}
	if (t->avail[TEV_PAGE_FAULT] && type == t->fmt[TEV_PAGE_FAULT].id)
		note_page_fault(t, &s, r);
	for (unsigned int e = 0; e < TEV_NR; e++) {
		struct trace_mark *m;

		if (!t->avail[e] || type != t->fmt[e].id)
			continue;
		m = mark_add(t);
		if (!m)
			return;
		*m = (struct trace_mark){ s.time, e };
		if (e == TEV_EXIT)
			exit_reason(t, &s, m);
		return;
	}
}

/* Copy @len bytes at ring offset @off (mod @size) out of @data. */
static void ring_copy(void *dst, const uint8_t *data, uint64_t size,
		      uint64_t off, size_t len)
{
	size_t at = (size_t)(off % size), first = len;

	if (first > size - at)
		first = size - at;
	memcpy(dst, data + at, first);
	memcpy((uint8_t *)dst + first, data, len - first);
}

static void ring__drain(struct trace *t, struct trace_ring *r)
{
	struct perf_event_mmap_page *m = r->base;
	const uint8_t *data = (const uint8_t *)r->base + m->data_offset;
	uint64_t size = m->data_size;
	uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = m->data_tail;

	while (tail < head) {
		struct perf_event_header h;

		ring_copy(&h, data, size, tail, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail)
			break;
		ring_copy(t->scratch, data, size, tail, h.size);
		keep_record(t, t->scratch, h.size, r);
		tail += h.size;
	}
	__atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
}

static void drain_all(struct trace *t)
{
	pthread_mutex_lock(&t->lock);
	for (unsigned int i = 0; i < t->nrings; i++)
		ring__drain(t, &t->rings[i]);
	pthread_mutex_unlock(&t->lock);
}

static void *trace__thread(void *arg)
{
	struct trace *t = arg;
	struct timespec ts = { 0, DRAIN_NS };

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		drain_all(t);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int trace__start(struct trace *t)
{
	int err = pthread_create(&t->thread, NULL, trace__thread, t);

	if (err)
		return -err;
	t->running = true;
	return 0;
}

void trace__stop(struct trace *t)
{
	if (!t)
		return;
	if (t->running) {
		__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	drain_all(t);
	if (t->oom)
		log_warn("--trace: out of memory; some records were dropped");
}

void trace__free(struct trace *t)
{
	if (!t)
		return;
	trace__stop(t);
	for (unsigned int i = 0; i < t->nrings; i++)
		ring__close(&t->rings[i]);
	free(t->rings);
	free(t->faults);
	free(t->marks);
	free(t->layouts);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- layouts and results ---------------------------------------------- */

static void add_region(struct trace_layout *l, const char *name, uint64_t gpa,
		       uint64_t size)
{
	struct trace_region *r;

	if (l->nregions == TRACE_MAX_REGIONS || !size)
		return;
	r = &l->regions[l->nregions++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->gfn = gpa >> 12;
	r->npages = (size + 4095) >> 12;
}

/* A new, empty layout of @phase from @start (under t->lock), or NULL. */
static struct trace_layout *layout_add(struct trace *t, unsigned int phase,
				       uint64_t start)
{
	struct trace_layout *l;
	void *v;

	v = grow(t->layouts, &t->cap_layouts, t->nlayouts, sizeof(*l));
	if (!v) {
		t->oom = true;
		return NULL;
	}
	t->layouts = v;
	l = &t->layouts[t->nlayouts++];
	memset(l, 0, sizeof(*l));
	l->phase = phase;
	l->start = start;
	return l;
}

void trace__phase(struct vm *vm, int phase)
{
	struct trace *t = vm->cfg->trace;
	struct trace_layout *l;

	if (!t || phase < 0)
		return;
	pthread_mutex_lock(&t->lock);
	l = layout_add(t, (unsigned int)phase, now_ns());
	if (!l)
		goto out_unlock;
	pthread_mutex_lock(&vm->slots.lock);
	for (unsigned int i = 0; i < vm->slots.nr; i++) {
		const struct region *r = &vm->slots.regions[i];

		if (r->slot >= 0)
			add_region(l, r->name, r->gpa, r->size);
	}
	pthread_mutex_unlock(&vm->slots.lock);
	if (vm->pci)
		add_region(l, "pci-mmio",
			   vm->pci_window_set ? vm->pci_mmio_base :
						PCI_MMIO_WINDOW,
			   vm->pci_window_set ?
				   vm->pci_mmio_end - vm->pci_mmio_base :
				   PCI_MMIO_WINDOW_END - PCI_MMIO_WINDOW);
out_unlock:
	pthread_mutex_unlock(&t->lock);
}

static int by_time(const void *a, const void *b)
{
	const struct trace_fault *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->vcpu < y->vcpu ? -1 : x->vcpu > y->vcpu;
}

int trace__result(struct trace *t, unsigned int nphases,
		  unsigned int first_churn, struct trace_summary *out)
{
	qsort(t->faults, t->nfaults, sizeof(*t->faults), by_time);
	return trace__classify(t->faults, t->nfaults, t->marks, t->nmarks,
			       t->layouts, t->nlayouts, nphases, first_churn,
			       out);
}

const struct trace_fault *trace__faults(const struct trace *t, size_t *n)
{
	*n = t->nfaults;
	return t->faults;
}

bool trace__available(const struct trace *t, enum trace_event e)
{
	return e < TEV_NR && t->avail[e];
}

bool trace__traced(const struct trace *t, enum trace_event e)
{
	if (!trace__available(t, e))
		return false;
	if (e == TEV_EXIT)
		return t->extra & TRACE_EXTRA_EXIT;
	if (e == TEV_PAGE_FAULT)
		return t->extra & TRACE_EXTRA_PF;
	return true;
}

uint64_t trace__lost(const struct trace *t)
{
	return t->lost;
}

unsigned int trace__incomplete(const struct trace *t)
{
	return t->incomplete;
}

uint64_t trace__t0(const struct trace *t)
{
	uint64_t t0 = 0;

	for (unsigned int i = 0; i < t->nlayouts; i++)
		if (!t0 || t->layouts[i].start < t0)
			t0 = t->layouts[i].start;
	return t0;
}

/* ---- another process's threads (zapvm exec) ---------------------------- */

int trace__tid(struct trace *t, pid_t tid, unsigned int vcpu)
{
	bool known = false;

	pthread_mutex_lock(&t->lock);
	for (unsigned int i = 0; i < t->nrings; i++)
		known |= t->rings[i].tid == tid && !t->rings[i].off;
	pthread_mutex_unlock(&t->lock);
	/* Known: one thread running several vCPUs. */
	return known ? 0 : trace_thread(t, tid, vcpu);
}

void trace__tid_off(struct trace *t, pid_t tid)
{
	pthread_mutex_lock(&t->lock);
	for (unsigned int i = 0; i < t->nrings; i++) {
		struct trace_ring *r = &t->rings[i];

		if (r->tid != tid || r->off)
			continue;
		/* What it traced so far is this trace's; the rest is not. */
		for (unsigned int e = 0; e < TEV_NR; e++)
			if (r->fds[e] >= 0)
				ioctl(r->fds[e], PERF_EVENT_IOC_DISABLE, 0);
		ring__drain(t, r);
		r->off = true;
	}
	pthread_mutex_unlock(&t->lock);
}

void trace__layout(struct trace *t, unsigned int phase, uint64_t start,
		   const struct trace_region *regions, unsigned int n)
{
	struct trace_layout *l;

	pthread_mutex_lock(&t->lock);
	l = layout_add(t, phase, start);
	for (unsigned int i = 0; l && i < n; i++)
		add_region(l, regions[i].name, regions[i].gfn << 12,
			   regions[i].npages << 12);
	pthread_mutex_unlock(&t->lock);
}
