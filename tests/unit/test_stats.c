// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/core/stats.c and src/core/phase.c, speaking TAP. Stats files are
 * built in memfds with the kernel's layout (header, id string, descriptors,
 * data), then changed between snapshots or corrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/kvm.h>

#include "zapvm/stats.h"
#include "zapvm/util.h"

enum { PASS, FAIL, SKIP };

static char skip_reason[128];

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("# %s:%d: failed: %s\n", __FILE__, __LINE__, \
			       #cond);                                      \
			return FAIL;                                        \
		}                                                           \
	} while (0)

#define CHECK_EQ(a, b)                                               \
	do {                                                         \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);     \
		if (a_ != b_) {                                      \
			printf("# %s:%d: failed: %s == %s (%" PRIu64 \
			       " != %" PRIu64 ")\n",                 \
			       __FILE__, __LINE__, #a, #b, a_, b_);  \
			return FAIL;                                 \
		}                                                    \
	} while (0)

#define NS10 KVM_STATS_BASE_POW10
#define TCUM KVM_STATS_TYPE_CUMULATIVE
#define TINS KVM_STATS_TYPE_INSTANT
#define TPEAK KVM_STATS_TYPE_PEAK
#define TLIN KVM_STATS_TYPE_LINEAR_HIST
#define TLOG KVM_STATS_TYPE_LOG_HIST
#define USEC KVM_STATS_UNIT_SECONDS

/* The kernel's KVM_STATS_NAME_SIZE: keeps every block 8-byte aligned. */
#define NAME_SIZE 48

struct tdesc {
	const char *name;
	uint32_t flags;
	int16_t exponent;
	uint16_t size;
	uint32_t offset; /* in the data block, bytes */
	uint32_t bucket_size;
};

struct tfile {
	unsigned char *buf;
	size_t len;
	uint32_t name_size;
	uint32_t num_desc;
	uint32_t desc_offset;
	uint32_t data_offset;
	uint32_t stride;
	uint32_t data_len;
};

/* A VM set in the kernel's dense layout: values in descriptor order. */
static const struct tdesc vm_desc[] = {
	{ "remote_tlb_flush", TCUM, 0, 1, 0, 0 },
	{ "mmu_shadow_zapped", TCUM, 0, 1, 8, 0 },
	{ "pages_4k", TINS, 0, 1, 16, 0 },
	{ "max_mmu_rmap_size", TPEAK, 0, 1, 24, 0 },
	{ "lin_hist", TLIN | USEC | NS10, -9, 4, 32, 100 },
	{ "log_hist", TLOG | USEC | NS10, -9, 8, 64, 0 },
	{ "mem_kib", TINS | KVM_STATS_UNIT_BYTES | KVM_STATS_BASE_POW2, 10, 1,
	  128, 0 },
};

enum { VM_REMOTE, VM_ZAPPED, VM_PAGES, VM_RMAP, VM_LIN, VM_LOG, VM_MEM };

static const struct tdesc vcpu_desc[] = {
	{ "pf_taken", TCUM, 0, 1, 0, 0 },
	{ "exits", TCUM, 0, 1, 8, 0 },
	{ "guest_mode", TINS | KVM_STATS_UNIT_BOOLEAN, 0, 1, 16, 0 },
	{ "max_wait", TPEAK | USEC | NS10, -9, 1, 24, 0 },
	{ "halt_wait_hist", TLOG | USEC | NS10, -9, 6, 32, 0 },
};

enum { VC_PF, VC_EXITS, VC_GUEST_MODE, VC_MAX_WAIT, VC_HIST };

static void put32(struct tfile *t, size_t off, uint32_t v)
{
	memcpy(t->buf + off, &v, sizeof(v));
}

static void put16(struct tfile *t, size_t off, uint16_t v)
{
	memcpy(t->buf + off, &v, sizeof(v));
}

static size_t desc_at(const struct tfile *t, unsigned int i)
{
	return t->desc_offset + (size_t)i * t->stride;
}

static void tfile_free(struct tfile *t)
{
	free(t->buf);
	t->buf = NULL;
}

/*
 * Lay out @n descriptors like the kernel does; @data_len 0 means "exactly
 * what the descriptors need". Value k of the data block is 1000 + k.
 */
static int tfile_build_ns(struct tfile *t, const char *id, uint32_t name_size,
			  const struct tdesc *d, unsigned int n,
			  uint32_t data_len)
{
	struct kvm_stats_header h = { 0 };

	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < n; i++) {
		uint32_t end = d[i].offset + d[i].size * 8u;

		if (end > t->data_len)
			t->data_len = end;
	}
	if (data_len)
		t->data_len = data_len;
	t->name_size = name_size;
	t->num_desc = n;
	t->stride = sizeof(struct kvm_stats_desc) + name_size;
	t->desc_offset = sizeof(h) + name_size;
	t->data_offset = t->desc_offset + n * t->stride;
	t->len = t->data_offset + t->data_len;
	t->buf = calloc(1, t->len);
	if (!t->buf)
		return -ENOMEM;

	h.name_size = t->name_size;
	h.num_desc = n;
	h.id_offset = sizeof(h);
	h.desc_offset = t->desc_offset;
	h.data_offset = t->data_offset;
	memcpy(t->buf, &h, sizeof(h));
	strncpy((char *)t->buf + sizeof(h), id, name_size - 1);
	for (unsigned int i = 0; i < n; i++) {
		struct kvm_stats_desc kd = {
			.flags = d[i].flags,
			.exponent = d[i].exponent,
			.size = d[i].size,
			.offset = d[i].offset,
			.bucket_size = d[i].bucket_size,
		};
		size_t off = desc_at(t, i);

		memcpy(t->buf + off, &kd, sizeof(kd));
		strncpy((char *)t->buf + off + sizeof(kd), d[i].name,
			name_size - 1);
	}
	for (uint32_t k = 0; k < t->data_len / 8; k++) {
		uint64_t v = 1000 + k;

		memcpy(t->buf + t->data_offset + 8 * k, &v, sizeof(v));
	}
	return 0;
}

static int tfile_build(struct tfile *t, const char *id, const struct tdesc *d,
		       unsigned int n, uint32_t data_len)
{
	return tfile_build_ns(t, id, NAME_SIZE, d, n, data_len);
}

static int tfile_fd(const struct tfile *t)
{
	int fd = memfd_create("kvm-stats", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < t->len) {
		ssize_t n = write(fd, t->buf + done, t->len - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return fd;
}

static int open_set_ns(struct stats_set *s, const char *id, uint32_t name_size,
		       const struct tdesc *d, unsigned int n, uint32_t data_len)
{
	struct tfile t;
	int fd, ret;

	ret = tfile_build_ns(&t, id, name_size, d, n, data_len);
	if (ret)
		return ret;
	fd = tfile_fd(&t);
	tfile_free(&t);
	if (fd < 0)
		return -errno;
	return stats__open(s, fd);
}

static int open_set(struct stats_set *s, const char *id, const struct tdesc *d,
		    unsigned int n, uint32_t data_len)
{
	return open_set_ns(s, id, NAME_SIZE, d, n, data_len);
}

/* Overwrite @n values of a test set at byte @off of its data block. */
static int set_vals(const struct stats_set *s, uint32_t off, const uint64_t *v,
		    size_t n)
{
	ssize_t r = pwrite(s->fd, v, n * 8, (off_t)(s->data_offset + off));

	return r == (ssize_t)(n * 8) ? 0 : -1;
}

static int set_val(const struct stats_set *s, uint32_t off, uint64_t v)
{
	return set_vals(s, off, &v, 1);
}

static bool fd_is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* ---- decoding ---- */

static int test_decode(const void *arg)
{
	struct stats_set s;
	int ret = open_set(&s, "kvm-4242", vm_desc, ARRAY_SIZE(vm_desc), 0);
	uint32_t first = 0;

	CHECK_EQ(ret, 0);
	CHECK(!strcmp(s.id, "kvm-4242"));
	CHECK_EQ(s.ndesc, ARRAY_SIZE(vm_desc));
	for (unsigned int i = 0; i < ARRAY_SIZE(vm_desc); i++) {
		const struct stats_desc *d = &s.desc[i];

		CHECK(!strcmp(d->name, vm_desc[i].name));
		CHECK_EQ(d->flags, vm_desc[i].flags);
		CHECK_EQ(d->exponent, vm_desc[i].exponent);
		CHECK_EQ(d->size, vm_desc[i].size);
		CHECK_EQ(d->offset, vm_desc[i].offset);
		CHECK_EQ(d->bucket_size, vm_desc[i].bucket_size);
		CHECK_EQ(d->first, first);
		first += d->size;
	}
	CHECK_EQ(s.desc[VM_LOG].exponent, -9);
	CHECK_EQ(s.desc[VM_MEM].exponent, 10);
	CHECK_EQ(s.nvalues, first);
	CHECK_EQ(s.data_size, 136);
	CHECK_EQ(s.data_offset, 24 + NAME_SIZE + 7 * (16 + NAME_SIZE));
	stats__close(&s);
	CHECK_EQ(s.fd, -1);
	CHECK(!s.desc);
	return PASS;
}

static int test_find(const void *arg)
{
	struct stats_set s;

	CHECK_EQ(open_set(&s, "kvm-1", vm_desc, ARRAY_SIZE(vm_desc), 0), 0);
	CHECK_EQ(stats__find(&s, "remote_tlb_flush"), VM_REMOTE);
	CHECK_EQ(stats__find(&s, "log_hist"), VM_LOG);
	CHECK_EQ(stats__find(&s, "mem_kib"), VM_MEM);
	CHECK_EQ(stats__find(&s, "pf_taken"), -ENOENT);
	CHECK_EQ(stats__find(&s, ""), -ENOENT);
	CHECK_EQ(stats__find(&s, "log_his"), -ENOENT);
	stats__close(&s);
	return PASS;
}

static int unit_is(uint32_t flags, int16_t exponent, const char *want)
{
	struct stats_desc d = { .flags = flags, .exponent = exponent };
	char buf[32];
	int n = stats__format_unit(&d, buf, sizeof(buf));

	if (n < 0 || strcmp(buf, want)) {
		printf("# unit of 0x%x exp %d: \"%s\", want \"%s\"\n", flags,
		       exponent, buf, want);
		return 0;
	}
	return 1;
}

static int test_names(const void *arg)
{
	CHECK(!strcmp(stats__type_name(TCUM), "cumulative"));
	CHECK(!strcmp(stats__type_name(TINS), "instant"));
	CHECK(!strcmp(stats__type_name(TPEAK), "peak"));
	CHECK(!strcmp(stats__type_name(TLIN | USEC), "linear-hist"));
	CHECK(!strcmp(stats__type_name(TLOG | USEC), "log-hist"));
	CHECK(!strcmp(stats__type_name(0xf), "unknown"));
	CHECK(!strcmp(stats__unit_name(KVM_STATS_UNIT_NONE), "none"));
	CHECK(!strcmp(stats__unit_name(KVM_STATS_UNIT_BYTES), "bytes"));
	CHECK(!strcmp(stats__unit_name(USEC | TLOG), "seconds"));
	CHECK(!strcmp(stats__unit_name(KVM_STATS_UNIT_CYCLES), "cycles"));
	CHECK(!strcmp(stats__unit_name(KVM_STATS_UNIT_BOOLEAN), "boolean"));
	CHECK(!strcmp(stats__unit_name(0xf0), "unknown"));
	CHECK(!strcmp(stats__base_name(KVM_STATS_BASE_POW10), "pow10"));
	CHECK(!strcmp(stats__base_name(KVM_STATS_BASE_POW2), "pow2"));
	CHECK(!strcmp(stats__base_name(0xf00), "unknown"));
	CHECK(unit_is(TCUM, 0, ""));
	CHECK(unit_is(USEC | NS10, -9, "ns"));
	CHECK(unit_is(USEC | NS10, -6, "us"));
	CHECK(unit_is(USEC | NS10, 0, "s"));
	CHECK(unit_is(USEC | NS10, -4, "x10^-4 s"));
	CHECK(unit_is(KVM_STATS_UNIT_BYTES | KVM_STATS_BASE_POW2, 10, "KiB"));
	CHECK(unit_is(KVM_STATS_UNIT_BYTES | KVM_STATS_BASE_POW2, 12,
		      "x2^12 B"));
	CHECK(unit_is(KVM_STATS_UNIT_BYTES | NS10, 3, "kB"));
	CHECK(unit_is(KVM_STATS_UNIT_CYCLES, 0, "cycles"));
	CHECK(unit_is(KVM_STATS_UNIT_BOOLEAN, 0, "bool"));
	CHECK(unit_is(KVM_STATS_UNIT_NONE | NS10, 3, "x10^3"));
	return PASS;
}

/* ---- snapshots and deltas ---- */

static int test_snapshot_dense(const void *arg)
{
	struct stats_set s;
	uint64_t v[64];

	CHECK_EQ(open_set(&s, "kvm-1", vm_desc, ARRAY_SIZE(vm_desc), 0), 0);
	CHECK(s.nvalues <= ARRAY_SIZE(v));
	memset(v, 0xa5, sizeof(v));
	CHECK_EQ(stats__snapshot(&s, v), 0);
	for (uint32_t k = 0; k < s.nvalues; k++)
		CHECK_EQ(v[k], 1000 + k);
	CHECK_EQ(v[s.nvalues], 0xa5a5a5a5a5a5a5a5ull);

	CHECK_EQ(set_val(&s, vm_desc[VM_ZAPPED].offset, 77), 0);
	CHECK_EQ(set_val(&s, vm_desc[VM_LOG].offset + 7 * 8, 88), 0);
	CHECK_EQ(stats__snapshot(&s, v), 0);
	CHECK_EQ(v[s.desc[VM_ZAPPED].first], 77);
	CHECK_EQ(v[s.desc[VM_LOG].first + 7], 88);
	CHECK_EQ(v[s.desc[VM_REMOTE].first], 1000);
	stats__close(&s);
	return PASS;
}

/* Descriptors out of order, with holes, and data past the last value. */
static const struct tdesc sparse_desc[] = {
	{ "c", TCUM, 0, 1, 48, 0 },
	{ "h", TLIN, 0, 3, 8, 5 },
	{ "p", TPEAK, 0, 1, 0, 0 },
	{ "i", TINS, 0, 1, 64, 0 },
};

static int test_snapshot_sparse(const void *arg)
{
	struct stats_set s;
	uint64_t v[6];

	CHECK_EQ(open_set(&s, "kvm-2", sparse_desc, ARRAY_SIZE(sparse_desc),
			  96),
		 0);
	CHECK_EQ(s.nvalues, 6);
	CHECK_EQ(s.data_size, 72);
	CHECK_EQ(stats__snapshot(&s, v), 0);
	/* Value k of the file is 1000 + k: byte offset / 8. */
	CHECK_EQ(v[0], 1006);
	CHECK_EQ(v[1], 1001);
	CHECK_EQ(v[2], 1002);
	CHECK_EQ(v[3], 1003);
	CHECK_EQ(v[4], 1000);
	CHECK_EQ(v[5], 1008);
	stats__close(&s);
	return PASS;
}

static int test_snapshot_errors(const void *arg)
{
	struct stats_set s;
	uint64_t v[64];

	CHECK_EQ(open_set(&s, "kvm-1", vm_desc, ARRAY_SIZE(vm_desc), 0), 0);
	/* A data block that shrank after open is an I/O error, not garbage. */
	CHECK_EQ(ftruncate(s.fd, (off_t)(s.data_offset + s.data_size - 8)), 0);
	CHECK_EQ(stats__snapshot(&s, v), -EIO);
	stats__close(&s);
	CHECK_EQ(stats__snapshot(&s, v), -EBADF);
	return PASS;
}

struct delta_case {
	unsigned int desc;
	uint64_t before[8];
	uint64_t after[8];
	uint64_t want[8];
};

static const struct delta_case delta_cases[] = {
	{ VM_REMOTE, { 10 }, { 25 }, { 15 } },
	{ VM_ZAPPED, { 25 }, { 5 }, { 5 } }, /* cleared */
	{ VM_PAGES, { 100 }, { 40 }, { 40 } },
	{ VM_RMAP, { 7 }, { 9 }, { 9 } },
	{ VM_LIN, { 1, 2, 3, 4 }, { 1, 5, 3, 10 }, { 0, 3, 0, 6 } },
	{ VM_LOG,
	  { 0, 1, 2, 3, 4, 5, 6, 7 },
	  { 0, 1, 4, 3, 4, 9, 6, 8 },
	  { 0, 0, 2, 0, 0, 4, 0, 1 } },
	{ VM_MEM, { 4096 }, { 2048 }, { 2048 } },
};

static int check_delta(uint32_t type)
{
	struct stats_set s;
	uint64_t before[64], after[64], delta[64];

	CHECK_EQ(open_set(&s, "kvm-1", vm_desc, ARRAY_SIZE(vm_desc), 0), 0);
	for (size_t c = 0; c < ARRAY_SIZE(delta_cases); c++) {
		const struct delta_case *dc = &delta_cases[c];

		CHECK_EQ(set_vals(&s, vm_desc[dc->desc].offset, dc->before,
				  vm_desc[dc->desc].size),
			 0);
	}
	CHECK_EQ(stats__snapshot(&s, before), 0);
	for (size_t c = 0; c < ARRAY_SIZE(delta_cases); c++) {
		const struct delta_case *dc = &delta_cases[c];

		CHECK_EQ(set_vals(&s, vm_desc[dc->desc].offset, dc->after,
				  vm_desc[dc->desc].size),
			 0);
	}
	CHECK_EQ(stats__snapshot(&s, after), 0);
	memset(delta, 0xee, sizeof(delta));
	stats__delta(&s, before, after, delta);
	for (size_t c = 0; c < ARRAY_SIZE(delta_cases); c++) {
		const struct delta_case *dc = &delta_cases[c];
		const struct stats_desc *d = &s.desc[dc->desc];

		if ((d->flags & KVM_STATS_TYPE_MASK) != type)
			continue;
		for (uint32_t j = 0; j < d->size; j++)
			CHECK_EQ(delta[d->first + j], dc->want[j]);
	}
	/* A peak never goes down, even if the file says so. */
	if (type == TPEAK) {
		uint32_t k = s.desc[VM_RMAP].first;

		stats__delta(&s, after, before, delta);
		CHECK_EQ(delta[k], 9);
	}
	stats__close(&s);
	return PASS;
}

static int test_delta(const void *arg)
{
	return check_delta(*(const uint32_t *)arg);
}

/* ---- the phase log ---- */

struct rig {
	struct stats_set vm;
	struct stats_set vcpu[2];
	const struct stats_set *vcpus[2];
	uint64_t memslot_changes;
	uint64_t guest_marks;
	struct phase_log *log;
};

static const char *const counter_names[] = { "memslot_changes", "guest_marks" };

static int rig_open(struct rig *r)
{
	uint64_t *const counters[] = { &r->memslot_changes, &r->guest_marks };
	static const uint64_t zero[8];
	int ret;

	memset(r, 0, sizeof(*r));
	r->vm.fd = -1;
	r->vcpu[0].fd = -1;
	r->vcpu[1].fd = -1;
	ret = open_set(&r->vm, "kvm-7", vm_desc, ARRAY_SIZE(vm_desc), 0);
	if (!ret)
		ret = open_set(&r->vcpu[0], "kvm-7/vcpu-0", vcpu_desc,
			       ARRAY_SIZE(vcpu_desc), 0);
	if (!ret)
		ret = open_set(&r->vcpu[1], "kvm-7/vcpu-1", vcpu_desc,
			       ARRAY_SIZE(vcpu_desc), 0);
	if (ret)
		return ret;
	/* Start from zero so the expected values read naturally. */
	for (unsigned int i = 0; i < 3; i++) {
		const struct stats_set *s = i ? &r->vcpu[i - 1] : &r->vm;

		for (uint32_t off = 0; off < s->data_size; off += 64)
			if (set_vals(s, off, zero,
				     s->data_size - off < 64 ?
					     (s->data_size - off) / 8 :
					     8))
				return -EIO;
	}
	r->vcpus[0] = &r->vcpu[0];
	r->vcpus[1] = &r->vcpu[1];
	r->log =
		phase_log__new(&r->vm, r->vcpus, 2, counter_names, counters, 2);
	return r->log ? 0 : -errno;
}

static void rig_close(struct rig *r)
{
	phase_log__free(r->log);
	stats__close(&r->vm);
	stats__close(&r->vcpu[0]);
	stats__close(&r->vcpu[1]);
}

static uint64_t hist0[6] = { 0, 0, 1, 0, 0, 0 };
static uint64_t hist1[6] = { 0, 0, 2, 0, 0, 1 };

/*
 * Phase "boot": VM and both vCPUs move; phase "slot-change": only vCPU 0
 * and the VM's instant move.
 */
static int rig_run(struct rig *r)
{
	struct timespec ts = { 0, 2000000 };

	if (phase_log__mark(r->log, "boot") < 0)
		return -1;
	if (set_val(&r->vm, vm_desc[VM_REMOTE].offset, 3) ||
	    set_val(&r->vm, vm_desc[VM_PAGES].offset, 50) ||
	    set_val(&r->vm, vm_desc[VM_RMAP].offset, 6) ||
	    set_val(&r->vcpu[0], vcpu_desc[VC_PF].offset, 100) ||
	    set_val(&r->vcpu[1], vcpu_desc[VC_PF].offset, 20) ||
	    set_val(&r->vcpu[0], vcpu_desc[VC_GUEST_MODE].offset, 1) ||
	    set_val(&r->vcpu[1], vcpu_desc[VC_GUEST_MODE].offset, 1) ||
	    set_val(&r->vcpu[0], vcpu_desc[VC_MAX_WAIT].offset, 15) ||
	    set_val(&r->vcpu[1], vcpu_desc[VC_MAX_WAIT].offset, 30) ||
	    set_vals(&r->vcpu[0], vcpu_desc[VC_HIST].offset, hist0, 6) ||
	    set_vals(&r->vcpu[1], vcpu_desc[VC_HIST].offset, hist1, 6))
		return -1;
	r->memslot_changes = 1;
	nanosleep(&ts, NULL);
	if (phase_log__mark(r->log, "slot-change") < 0)
		return -1;
	if (set_val(&r->vcpu[0], vcpu_desc[VC_PF].offset, 107) ||
	    set_val(&r->vm, vm_desc[VM_PAGES].offset, 10) ||
	    set_val(&r->vcpu[1], vcpu_desc[VC_MAX_WAIT].offset, 31) ||
	    set_val(&r->vcpu[1], vcpu_desc[VC_GUEST_MODE].offset, 0))
		return -1;
	r->memslot_changes = 3;
	return phase_log__finish(r->log);
}

static uint64_t val(const struct phase_log *l, unsigned int phase,
		    enum phase_scope scope, const char *name)
{
	uint64_t v = 0xdeadbeef;
	int ret = phase_log__value(l, phase, scope, name, &v);

	return ret ? (uint64_t)ret : v;
}

static uint64_t sum(const struct phase_log *l, unsigned int from,
		    enum phase_scope scope, const char *name)
{
	uint64_t v = 0xdeadbeef;
	int ret = phase_log__sum(l, from, scope, name, &v);

	return ret ? (uint64_t)ret : v;
}

static int test_phase_marks(const void *arg)
{
	struct rig r;
	char long_name[100];

	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(phase_log__count(r.log), 0);
	CHECK(!phase_log__name(r.log, 0));
	CHECK_EQ(rig_run(&r), 0);
	CHECK_EQ(phase_log__count(r.log), 2);
	CHECK(!strcmp(phase_log__name(r.log, 0), "boot"));
	CHECK(!strcmp(phase_log__name(r.log, 1), "slot-change"));
	CHECK(!phase_log__name(r.log, 2));
	CHECK(phase_log__ns(r.log, 0) >= 2000000);
	CHECK(phase_log__ns(r.log, 0) < 10000000000ull);
	CHECK_EQ(phase_log__ns(r.log, 2), 0);

	CHECK_EQ(phase_log__mark(r.log, "late"), -EINVAL);
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), 2);
	rig_close(&r);

	/* Long names are truncated, NULL names refused. */
	CHECK_EQ(rig_open(&r), 0);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(phase_log__mark(r.log, long_name) >= 0);
	CHECK_EQ(phase_log__mark(r.log, NULL), -EINVAL);
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), 1);
	CHECK_EQ(strlen(phase_log__name(r.log, 0)), 63);
	rig_close(&r);

	/* A phase is numbered when it begins and reads 0 until it ends. */
	CHECK_EQ(rig_open(&r), 0);
	CHECK(phase_log__mark(r.log, "start") >= 0);
	CHECK_EQ(phase_log__count(r.log), 1);
	CHECK(!strcmp(phase_log__name(r.log, 0), "start"));
	CHECK_EQ(set_val(&r.vcpu[0], vcpu_desc[VC_PF].offset, 5), 0);
	CHECK_EQ(phase_log__mark(r.log, "churn"), 1);
	CHECK_EQ(phase_log__count(r.log), 2);
	CHECK(!strcmp(phase_log__name(r.log, 1), "churn"));
	CHECK_EQ(val(r.log, 0, PHASE_VCPU, "pf_taken"), 5);
	CHECK_EQ(set_val(&r.vcpu[1], vcpu_desc[VC_PF].offset, 9), 0);
	CHECK_EQ(val(r.log, 1, PHASE_VCPU, "pf_taken"), 0);
	CHECK_EQ(phase_log__ns(r.log, 1), 0);
	CHECK_EQ(sum(r.log, 1, PHASE_VCPU, "pf_taken"), 0);
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), 2);
	CHECK_EQ(val(r.log, 1, PHASE_VCPU, "pf_taken"), 9);
	CHECK(phase_log__ns(r.log, 1) > 0);
	CHECK_EQ(sum(r.log, 1, PHASE_VCPU, "pf_taken"), 9);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "pf_taken"), 14);
	rig_close(&r);

	/* Finish without a mark: no phase. */
	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), 0);
	CHECK_EQ(phase_log__mark(r.log, "x"), -EINVAL);
	rig_close(&r);
	return PASS;
}

static int test_phase_values(const void *arg)
{
	const enum phase_scope VM = PHASE_VM, VC = PHASE_VCPU, Z = PHASE_ZAPVM;
	struct rig r;

	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(rig_run(&r), 0);
	const struct phase_log *l = r.log;

	CHECK_EQ(val(l, 0, VM, "remote_tlb_flush"), 3);
	CHECK_EQ(val(l, 0, VM, "mmu_shadow_zapped"), 0);
	CHECK_EQ(val(l, 0, VM, "pages_4k"), 50);
	CHECK_EQ(val(l, 0, VM, "max_mmu_rmap_size"), 6);
	CHECK_EQ(val(l, 1, VM, "remote_tlb_flush"), 0);
	CHECK_EQ(val(l, 1, VM, "pages_4k"), 10);
	CHECK_EQ(val(l, 1, VM, "max_mmu_rmap_size"), 6);

	/* vCPUs: counters and instants add up, peaks take the maximum. */
	CHECK_EQ(val(l, 0, VC, "pf_taken"), 120);
	CHECK_EQ(val(l, 0, VC, "exits"), 0);
	CHECK_EQ(val(l, 0, VC, "guest_mode"), 2);
	CHECK_EQ(val(l, 0, VC, "max_wait"), 30);
	CHECK_EQ(val(l, 0, VC, "halt_wait_hist"), 4);
	CHECK_EQ(val(l, 1, VC, "pf_taken"), 7);
	CHECK_EQ(val(l, 1, VC, "guest_mode"), 1);
	CHECK_EQ(val(l, 1, VC, "max_wait"), 31);
	CHECK_EQ(val(l, 1, VC, "halt_wait_hist"), 0);

	CHECK_EQ(val(l, 0, Z, "memslot_changes"), 1);
	CHECK_EQ(val(l, 1, Z, "memslot_changes"), 2);
	CHECK_EQ(val(l, 1, Z, "guest_marks"), 0);

	CHECK_EQ(val(l, 0, VM, "pf_taken"), -ENOENT);
	CHECK_EQ(val(l, 0, VC, "remote_tlb_flush"), -ENOENT);
	CHECK_EQ(val(l, 0, Z, "nope"), -ENOENT);
	CHECK_EQ(val(l, 2, VC, "pf_taken"), -EINVAL);
	CHECK_EQ(val(l, 0, (enum phase_scope)7, "pf_taken"), -EINVAL);
	rig_close(&r);
	return PASS;
}

static int test_phase_sum(const void *arg)
{
	struct rig r;

	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(rig_run(&r), 0);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "pf_taken"), 127);
	CHECK_EQ(sum(r.log, 1, PHASE_VCPU, "pf_taken"), 7);
	CHECK_EQ(sum(r.log, 2, PHASE_VCPU, "pf_taken"), 0);
	CHECK_EQ(sum(r.log, 3, PHASE_VCPU, "pf_taken"), -EINVAL);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "halt_wait_hist"), 4);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "max_wait"), 31);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "guest_mode"), 1);
	CHECK_EQ(sum(r.log, 0, PHASE_VM, "pages_4k"), 10);
	CHECK_EQ(sum(r.log, 0, PHASE_VM, "remote_tlb_flush"), 3);
	CHECK_EQ(sum(r.log, 0, PHASE_ZAPVM, "memslot_changes"), 3);
	CHECK_EQ(sum(r.log, 0, PHASE_ZAPVM, "nope"), -ENOENT);
	rig_close(&r);
	return PASS;
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int test_phase_json(const void *arg)
{
	json_object *root, *phases, *p0, *p1, *hist, *parsed, *d;
	struct rig r;

	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(rig_run(&r), 0);
	root = phase_log__to_json(r.log);
	CHECK(root);
	/* A round trip through text proves it is valid JSON. */
	parsed = json_tokener_parse(json_object_to_json_string(root));
	json_object_put(root);
	CHECK(parsed);

	phases = jget(parsed, "phases");
	CHECK(phases && json_object_is_type(phases, json_type_array));
	CHECK_EQ(json_object_array_length(phases), 2);
	p0 = json_object_array_get_idx(phases, 0);
	p1 = json_object_array_get_idx(phases, 1);
	CHECK(!strcmp(json_object_get_string(jget(p0, "name")), "boot"));
	CHECK(!strcmp(json_object_get_string(jget(p1, "name")), "slot-change"));
	CHECK(!jget(p0, "open") && !jget(p1, "open"));
	CHECK(json_object_get_uint64(jget(p0, "ns")) >= 2000000);
	CHECK_EQ(json_object_get_uint64(
			 jget(jget(p0, "vm"), "remote_tlb_flush")),
		 3);
	CHECK_EQ(json_object_get_uint64(jget(jget(p0, "vcpu"), "pf_taken")),
		 120);
	CHECK_EQ(json_object_get_uint64(jget(jget(p1, "vcpu"), "max_wait")),
		 31);
	CHECK_EQ(json_object_get_uint64(
			 jget(jget(p1, "zapvm"), "memslot_changes")),
		 2);
	hist = jget(jget(p0, "vcpu"), "halt_wait_hist");
	CHECK(hist && json_object_is_type(hist, json_type_array));
	CHECK_EQ(json_object_array_length(hist), 6);
	CHECK_EQ(json_object_get_uint64(json_object_array_get_idx(hist, 2)), 3);
	CHECK_EQ(json_object_get_uint64(json_object_array_get_idx(hist, 5)), 1);
	CHECK_EQ(json_object_get_uint64(json_object_array_get_idx(hist, 0)), 0);
	CHECK_EQ(json_object_array_length(jget(jget(p0, "vm"), "lin_hist")), 4);

	CHECK_EQ(json_object_get_int64(jget(parsed, "nvcpus")), 2);
	d = jget(jget(jget(parsed, "stats"), "vcpu"), "halt_wait_hist");
	CHECK(!strcmp(json_object_get_string(jget(d, "type")), "log-hist"));
	CHECK(!strcmp(json_object_get_string(jget(d, "unit")), "seconds"));
	CHECK_EQ(json_object_get_int(jget(d, "exponent")), -9);
	d = jget(jget(jget(parsed, "stats"), "vm"), "lin_hist");
	CHECK_EQ(json_object_get_int64(jget(d, "bucket_size")), 100);
	json_object_put(parsed);
	rig_close(&r);
	return PASS;
}

/* A full log refuses marks with -ENOSPC and keeps its last phase going. */
static int test_phase_full(const void *arg)
{
	uint64_t c = 0;
	uint64_t *const counters[] = { &c };
	const char *const names[] = { "c" };
	struct phase_log *l = phase_log__new(NULL, NULL, 0, names, counters, 1);

	CHECK(l);
	for (int i = 0; i < PHASE_LOG_MAX; i++)
		CHECK_EQ(phase_log__mark(l, i ? "next" : "first"), i);
	c = 7;
	CHECK_EQ(phase_log__mark(l, "one too many"), -ENOSPC);
	CHECK_EQ(phase_log__mark(l, "and again"), -ENOSPC);
	CHECK_EQ(phase_log__count(l), PHASE_LOG_MAX);
	c = 10;
	CHECK_EQ(phase_log__finish(l), 0);
	CHECK(!strcmp(phase_log__name(l, PHASE_LOG_MAX - 1), "next"));
	/* The refused marks cut nothing: the last phase saw all of c. */
	CHECK_EQ(val(l, PHASE_LOG_MAX - 1, PHASE_ZAPVM, "c"), 10);
	CHECK_EQ(phase_log__mark(l, "after finish"), -EINVAL);
	phase_log__free(l);
	return PASS;
}

/* Counters above INT64_MAX must survive the trip through json-c. */
static int test_phase_json_u64(const void *arg)
{
	uint64_t big = 0;
	uint64_t *const counters[] = { &big };
	const char *const names[] = { "big" };
	struct phase_log *l = phase_log__new(NULL, NULL, 0, names, counters, 1);
	json_object *root, *parsed, *p;

	CHECK(l);
	CHECK(phase_log__mark(l, "a") >= 0);
	big = 0xf000000000000001ull;
	root = phase_log__to_json(l);
	CHECK(root);
	p = json_object_array_get_idx(jget(root, "phases"), 0);
	CHECK(json_object_get_boolean(jget(p, "open")));
	CHECK_EQ(json_object_get_uint64(jget(jget(p, "zapvm"), "big")), 0);
	json_object_put(root);
	CHECK_EQ(phase_log__finish(l), 0);
	CHECK_EQ(val(l, 0, PHASE_ZAPVM, "big"), 0xf000000000000001ull);
	CHECK_EQ(val(l, 0, PHASE_VM, "remote_tlb_flush"), -ENOENT);
	CHECK_EQ(val(l, 0, PHASE_VCPU, "pf_taken"), -ENOENT);
	root = phase_log__to_json(l);
	CHECK(root);
	parsed = json_tokener_parse(json_object_to_json_string(root));
	json_object_put(root);
	CHECK(parsed);
	p = json_object_array_get_idx(jget(parsed, "phases"), 0);
	CHECK_EQ(json_object_get_uint64(jget(jget(p, "zapvm"), "big")),
		 0xf000000000000001ull);
	json_object_put(parsed);
	phase_log__free(l);
	return PASS;
}

static int test_phase_print(const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct rig r;

	CHECK_EQ(rig_open(&r), 0);
	CHECK_EQ(rig_run(&r), 0);

	f = open_memstream(&text, &len);
	CHECK(f);
	phase_log__print(r.log, f, false);
	CHECK_EQ(fclose(f), 0);
	printf("# --- phase_log__print(all=false):\n");
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		printf("# %s\n", line);
	free(text);

	f = open_memstream(&text, &len);
	CHECK(f);
	phase_log__print(r.log, f, false);
	CHECK_EQ(fclose(f), 0);
	CHECK(strstr(text, "phase 0: boot"));
	CHECK(strstr(text, "phase 1: slot-change"));
	CHECK(strstr(text, "pf_taken"));
	CHECK(strstr(text, " 120\n"));
	CHECK(strstr(text, " 31 ns (peak)\n"));
	CHECK(strstr(text, " 4 ns (log-hist) [2]=3 [5]=1\n"));
	CHECK(strstr(text, "memslot_changes"));
	CHECK(!strstr(text, "exits"));
	CHECK(!strstr(text, "guest_marks"));
	free(text);

	f = open_memstream(&text, &len);
	CHECK(f);
	phase_log__print(r.log, f, true);
	CHECK_EQ(fclose(f), 0);
	CHECK(strstr(text, "exits"));
	CHECK(strstr(text, "guest_marks"));
	CHECK(strstr(text, "mmu_shadow_zapped"));
	CHECK(!strstr(text, "not ended"));
	free(text);
	rig_close(&r);

	CHECK_EQ(rig_open(&r), 0);
	CHECK(phase_log__mark(r.log, "a") >= 0);
	CHECK(phase_log__mark(r.log, "b") >= 0);
	f = open_memstream(&text, &len);
	CHECK(f);
	phase_log__print(r.log, f, true);
	CHECK_EQ(fclose(f), 0);
	CHECK(strstr(text, "phase 0: a ("));
	CHECK(strstr(text, "phase 1: b (not ended)\n"));
	CHECK(!strstr(strstr(text, "phase 1"), "pf_taken"));
	free(text);
	rig_close(&r);
	return PASS;
}

static int test_phase_many(const void *arg)
{
	struct rig r;
	char name[32];

	CHECK_EQ(rig_open(&r), 0);
	for (unsigned int i = 0; i < PHASE_LOG_MAX; i++) {
		snprintf(name, sizeof(name), "slot-%u", i);
		r.memslot_changes += i;
		CHECK_EQ(set_val(&r.vcpu[1], vcpu_desc[VC_EXITS].offset, i), 0);
		CHECK(phase_log__mark(r.log, name) >= 0);
	}
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), PHASE_LOG_MAX);
	CHECK(!strcmp(phase_log__name(r.log, PHASE_LOG_MAX - 1), "slot-4095"));
	CHECK_EQ(val(r.log, 1, PHASE_ZAPVM, "memslot_changes"), 2);
	CHECK_EQ(val(r.log, 1, PHASE_VCPU, "exits"), 1);
	CHECK_EQ(sum(r.log, 0, PHASE_ZAPVM, "memslot_changes"),
		 (PHASE_LOG_MAX - 1ull) * PHASE_LOG_MAX / 2);
	CHECK_EQ(sum(r.log, 0, PHASE_VCPU, "exits"), PHASE_LOG_MAX - 1);
	rig_close(&r);
	return PASS;
}

#define NTHREADS 4
#define NMARKS 500

static void *marker(void *arg)
{
	struct rig *r = arg;

	for (int i = 0; i < NMARKS; i++) {
		unsigned int n;

		__atomic_fetch_add(&r->guest_marks, 1, __ATOMIC_RELAXED);
		if (phase_log__mark(r->log, "guest") < 0)
			return (void *)1;
		n = phase_log__count(r->log);
		if (!n || !phase_log__name(r->log, n - 1))
			return (void *)1;
	}
	return NULL;
}

static int test_phase_threads(const void *arg)
{
	pthread_t t[NTHREADS];
	struct rig r;
	void *res;

	CHECK_EQ(rig_open(&r), 0);
	CHECK(phase_log__mark(r.log, "start") >= 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, marker, &r), 0);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK_EQ(pthread_join(t[i], &res), 0);
		CHECK(!res);
	}
	CHECK_EQ(phase_log__finish(r.log), 0);
	CHECK_EQ(phase_log__count(r.log), NTHREADS * NMARKS + 1);
	CHECK_EQ(sum(r.log, 0, PHASE_ZAPVM, "guest_marks"), NTHREADS * NMARKS);
	rig_close(&r);
	return PASS;
}

static int test_phase_new_errors(const void *arg)
{
	struct rig r;
	const struct stats_set *mixed[2];
	uint64_t c = 0;
	uint64_t *const counters[] = { &c };
	const char *const bad_names[] = { NULL };
	struct phase_log *l;

	CHECK_EQ(rig_open(&r), 0);
	mixed[0] = &r.vcpu[0];
	mixed[1] = &r.vm;
	errno = 0;
	l = phase_log__new(&r.vm, mixed, 2, NULL, NULL, 0);
	CHECK(!l);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	l = phase_log__new(&r.vm, NULL, 1, NULL, NULL, 0);
	CHECK(!l);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	l = phase_log__new(&r.vm, NULL, 0, bad_names, counters, 1);
	CHECK(!l);
	CHECK_EQ(errno, EINVAL);
	rig_close(&r);
	return PASS;
}

/* ---- malformed files ---- */

#define H_NAME_SIZE offsetof(struct kvm_stats_header, name_size)
#define H_NUM_DESC offsetof(struct kvm_stats_header, num_desc)
#define H_ID_OFFSET offsetof(struct kvm_stats_header, id_offset)
#define H_DESC_OFFSET offsetof(struct kvm_stats_header, desc_offset)
#define H_DATA_OFFSET offsetof(struct kvm_stats_header, data_offset)
#define D_FLAGS offsetof(struct kvm_stats_desc, flags)
#define D_SIZE offsetof(struct kvm_stats_desc, size)
#define D_OFFSET offsetof(struct kvm_stats_desc, offset)
#define D_BUCKET offsetof(struct kvm_stats_desc, bucket_size)
#define D_NAME sizeof(struct kvm_stats_desc)

static void trunc_header(struct tfile *t)
{
	t->len = 10;
}

static void trunc_empty(struct tfile *t)
{
	t->len = 0;
}

static void trunc_desc(struct tfile *t)
{
	t->len = desc_at(t, 3) + 5;
}

static void trunc_data(struct tfile *t)
{
	t->len -= 8;
}

static void trunc_id(struct tfile *t)
{
	t->len = 24 + 8;
}

static void desc_past_eof(struct tfile *t)
{
	put32(t, H_DESC_OFFSET, (uint32_t)(t->len + 64) & ~7u);
}

static void id_past_eof(struct tfile *t)
{
	put32(t, H_ID_OFFSET, (uint32_t)(t->len + 8) & ~7u);
}

static void data_past_eof(struct tfile *t)
{
	put32(t, H_DATA_OFFSET, (uint32_t)(t->len + 8) & ~7u);
}

static void name_size_0(struct tfile *t)
{
	put32(t, H_NAME_SIZE, 0);
}

static void name_size_4097(struct tfile *t)
{
	put32(t, H_NAME_SIZE, 4097);
}

static void name_size_huge(struct tfile *t)
{
	put32(t, H_NAME_SIZE, 1u << 30);
}

static void name_size_max(struct tfile *t)
{
	put32(t, H_NAME_SIZE, UINT32_MAX);
}

static void num_desc_4097(struct tfile *t)
{
	put32(t, H_NUM_DESC, 4097);
}

static void num_desc_max(struct tfile *t)
{
	put32(t, H_NUM_DESC, UINT32_MAX);
}

/* Claims more descriptors than the file holds: runs into the data block. */
static void num_desc_more(struct tfile *t)
{
	put32(t, H_NUM_DESC, 9);
}

static void value_past_data(struct tfile *t)
{
	put32(t, desc_at(t, VM_REMOTE) + D_OFFSET, t->data_len);
}

static void hist_straddles_data(struct tfile *t)
{
	put32(t, desc_at(t, VM_LOG) + D_OFFSET, t->data_len - 16);
}

static void offset_overflow(struct tfile *t)
{
	put32(t, desc_at(t, VM_LOG) + D_OFFSET, UINT32_MAX - 7);
	put16(t, desc_at(t, VM_LOG) + D_SIZE, UINT16_MAX);
}

static void offset_u32_wrap(struct tfile *t)
{
	/* offset + 8 * size wraps to 0x30 in 32 bits: inside the block. */
	put32(t, desc_at(t, VM_LOG) + D_OFFSET, 0xfffc0030u);
	put16(t, desc_at(t, VM_LOG) + D_SIZE, 0x8000);
}

static void data_offset_max(struct tfile *t)
{
	put32(t, H_DATA_OFFSET, UINT32_MAX - 7);
}

static void desc_offset_wrap(struct tfile *t)
{
	put32(t, H_DESC_OFFSET, UINT32_MAX - 7);
	put32(t, H_NUM_DESC, 4096);
}

static void name_unterminated(struct tfile *t)
{
	memset(t->buf + desc_at(t, 2) + D_NAME, 'A', t->name_size);
}

static void name_empty(struct tfile *t)
{
	memset(t->buf + desc_at(t, 2) + D_NAME, 0, t->name_size);
}

static void name_duplicate(struct tfile *t)
{
	memcpy(t->buf + desc_at(t, 5) + D_NAME, "remote_tlb_flush", 17);
}

static void id_unterminated(struct tfile *t)
{
	memset(t->buf + 24, 'k', t->name_size);
}

static void type_unknown(struct tfile *t)
{
	put32(t, desc_at(t, 0) + D_FLAGS, KVM_STATS_TYPE_MAX + 1);
}

static void unit_unknown(struct tfile *t)
{
	put32(t, desc_at(t, 0) + D_FLAGS, KVM_STATS_UNIT_MAX + 0x10);
}

static void base_unknown(struct tfile *t)
{
	put32(t, desc_at(t, 0) + D_FLAGS, KVM_STATS_BASE_MAX + 0x100);
}

static void counter_size_2(struct tfile *t)
{
	put16(t, desc_at(t, VM_ZAPPED) + D_SIZE, 2);
}

static void hist_size_0(struct tfile *t)
{
	put16(t, desc_at(t, VM_LOG) + D_SIZE, 0);
}

static void lin_bucket_0(struct tfile *t)
{
	put32(t, desc_at(t, VM_LIN) + D_BUCKET, 0);
}

static void data_over_desc(struct tfile *t)
{
	put32(t, H_DATA_OFFSET, t->desc_offset);
}

static void id_over_header(struct tfile *t)
{
	put32(t, H_ID_OFFSET, 16);
}

static void desc_over_id(struct tfile *t)
{
	/* Shift the whole descriptor block down by 8: it now covers the id. */
	memmove(t->buf + t->desc_offset - 8, t->buf + t->desc_offset,
		t->len - t->desc_offset);
	put32(t, H_DESC_OFFSET, t->desc_offset - 8);
	t->len -= 8;
	put32(t, H_DATA_OFFSET, t->data_offset - 8);
}

/* Consistent but for the alignment: only the alignment check catches it. */
static void desc_misaligned(struct tfile *t)
{
	unsigned char *buf = realloc(t->buf, t->len + 4);

	if (!buf)
		return;
	t->buf = buf;
	memmove(t->buf + t->desc_offset + 4, t->buf + t->desc_offset,
		t->len - t->desc_offset);
	t->len += 4;
	put32(t, H_DESC_OFFSET, t->desc_offset + 4);
	put32(t, H_DATA_OFFSET, t->data_offset + 4);
}

struct corruption {
	const char *what;
	void (*mutate)(struct tfile *t);
};

static const struct corruption corruptions[] = {
	{ "empty file", trunc_empty },
	{ "truncated header", trunc_header },
	{ "truncated id string", trunc_id },
	{ "truncated descriptor block", trunc_desc },
	{ "truncated data block", trunc_data },
	{ "desc_offset past EOF", desc_past_eof },
	{ "id_offset past EOF", id_past_eof },
	{ "data_offset past EOF", data_past_eof },
	{ "name_size 0", name_size_0 },
	{ "name_size 4097", name_size_4097 },
	{ "name_size 1 GiB", name_size_huge },
	{ "name_size UINT32_MAX", name_size_max },
	{ "num_desc 4097", num_desc_4097 },
	{ "num_desc UINT32_MAX", num_desc_max },
	{ "num_desc larger than the descriptor block", num_desc_more },
	{ "value at offset == data block size", value_past_data },
	{ "histogram offset+size*8 beyond the data block",
	  hist_straddles_data },
	{ "offset UINT32_MAX-7 with size 65535", offset_overflow },
	{ "offset+size*8 that wraps in 32 bits", offset_u32_wrap },
	{ "data_offset UINT32_MAX-7", data_offset_max },
	{ "desc_offset+num_desc*stride past 4 GiB", desc_offset_wrap },
	{ "descriptor name not NUL-terminated", name_unterminated },
	{ "empty descriptor name", name_empty },
	{ "duplicate descriptor name", name_duplicate },
	{ "id string not NUL-terminated", id_unterminated },
	{ "unknown type", type_unknown },
	{ "unknown unit", unit_unknown },
	{ "unknown base", base_unknown },
	{ "cumulative stat with size 2", counter_size_2 },
	{ "histogram with size 0", hist_size_0 },
	{ "linear histogram with bucket_size 0", lin_bucket_0 },
	{ "data block overlapping the descriptors", data_over_desc },
	{ "id string overlapping the header", id_over_header },
	{ "descriptors overlapping the id string", desc_over_id },
	{ "descriptor block not 8-byte aligned", desc_misaligned },
};

static int test_corrupt(const void *arg)
{
	const struct corruption *c = arg;
	struct stats_set s;
	struct tfile t;
	int fd, ret;

	CHECK_EQ(tfile_build(&t, "kvm-666", vm_desc, ARRAY_SIZE(vm_desc), 0),
		 0);
	c->mutate(&t);
	fd = tfile_fd(&t);
	tfile_free(&t);
	CHECK(fd >= 0);
	memset(&s, 0x5a, sizeof(s));
	ret = stats__open(&s, fd);
	CHECK_EQ(ret, -EINVAL);
	CHECK(fd_is_closed(fd));
	CHECK_EQ(s.fd, -1);
	CHECK(!s.desc);
	CHECK_EQ(s.ndesc, 0);
	stats__close(&s);
	return PASS;
}

/* The unmutated file the corruptions start from must open. */
static int test_corrupt_control(const void *arg)
{
	struct stats_set s;
	struct tfile t;
	int fd;

	CHECK_EQ(tfile_build(&t, "kvm-666", vm_desc, ARRAY_SIZE(vm_desc), 0),
		 0);
	fd = tfile_fd(&t);
	tfile_free(&t);
	CHECK(fd >= 0);
	CHECK_EQ(stats__open(&s, fd), 0);
	CHECK_EQ(s.ndesc, ARRAY_SIZE(vm_desc));
	stats__close(&s);
	CHECK(fd_is_closed(fd));
	CHECK_EQ(stats__open(&s, -1), -EBADF);
	CHECK_EQ(s.fd, -1);
	stats__close(&s);
	return PASS;
}

/* ---- limits, each at and just past its boundary ---- */

static int open_rc(const char *id, uint32_t name_size, const struct tdesc *d,
		   unsigned int n, uint32_t data_len)
{
	struct stats_set s;
	int ret = open_set_ns(&s, id, name_size, d, n, data_len);

	if (!ret)
		stats__close(&s);
	return ret;
}

static int test_limit_name_size(const void *arg)
{
	CHECK_EQ(open_rc("kvm-1", 4096, vm_desc, ARRAY_SIZE(vm_desc), 0), 0);
	CHECK_EQ(open_rc("kvm-1", 4104, vm_desc, ARRAY_SIZE(vm_desc), 0),
		 -EINVAL);
	return PASS;
}

static char many_names[4097][16];
static struct tdesc many[4097];

static void many_init(uint16_t size)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++) {
		snprintf(many_names[i], sizeof(many_names[i]), "s%u", i);
		many[i] = (struct tdesc){ many_names[i], TLOG,		0,
					  size,		 i * size * 8u, 0 };
	}
}

static int test_limit_ndesc(const void *arg)
{
	many_init(1);
	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, many, 4096, 0), 0);
	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, many, 4097, 0), -EINVAL);
	return PASS;
}

static int test_limit_values(const void *arg)
{
	many_init(16);
	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, many, 4096, 0), 0);
	many[4095].size = 17;
	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, many, 4096, 0), -EINVAL);
	return PASS;
}

static int test_limit_data(const void *arg)
{
	struct tdesc d[] = { { "far", TCUM, 0, 1, (1u << 20) - 8, 0 } };

	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, d, 1, 0), 0);
	d[0].offset = 1u << 20;
	CHECK_EQ(open_rc("kvm-1", NAME_SIZE, d, 1, 0), -EINVAL);
	return PASS;
}

static int test_empty_set(const void *arg)
{
	struct stats_set s;
	uint64_t v[1] = { 42 };

	CHECK_EQ(open_set(&s, "kvm-0", NULL, 0, 0), 0);
	CHECK_EQ(s.ndesc, 0);
	CHECK_EQ(s.nvalues, 0);
	CHECK_EQ(stats__snapshot(&s, v), 0);
	CHECK_EQ(v[0], 42);
	CHECK_EQ(stats__find(&s, "x"), -ENOENT);
	stats__close(&s);
	return PASS;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Whatever it accepts must be self-consistent and readable. */
static int check_accepted(const struct stats_set *s)
{
	uint64_t *v;
	uint32_t n = 0;
	int ret;

	for (uint32_t i = 0; i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];

		CHECK(memchr(d->name, 0, sizeof(d->name)));
		CHECK(d->name[0]);
		CHECK(d->size);
		CHECK_EQ(d->first, n);
		CHECK((uint64_t)d->offset + 8ull * d->size <= s->data_size);
		n += d->size;
	}
	CHECK_EQ(n, s->nvalues);
	v = calloc(n + 1, sizeof(*v));
	CHECK(v);
	ret = stats__snapshot(s, v);
	free(v);
	CHECK_EQ(ret, 0);
	return PASS;
}

static int test_fuzz(const void *arg)
{
	static const uint32_t specials[] = {
		0,  1,	  7,	8,	    24,		48,
		72, 4096, 4097, 0x7fffffff, 0xfffffff8, UINT32_MAX
	};
	unsigned int accepted = 0, rejected = 0;

	for (int iter = 0; iter < 3000; iter++) {
		struct stats_set s;
		struct tfile t;
		int fd, ret, nmut = 1 + (int)(rng() % 4);

		CHECK_EQ(tfile_build(&t, "kvm-fuzz", vm_desc,
				     ARRAY_SIZE(vm_desc), 0),
			 0);
		for (int m = 0; m < nmut; m++) {
			size_t at = rng() % (t.data_offset + 4 - 3);

			switch (rng() % 4) {
			case 0:
				t.buf[at] = (unsigned char)rng();
				break;
			case 1:
				put32(&t, at & ~3ul,
				      specials[rng() % ARRAY_SIZE(specials)]);
				break;
			case 2:
				put16(&t, at & ~1ul, (uint16_t)rng());
				break;
			default:
				t.len = rng() % (t.len + 1);
				break;
			}
		}
		fd = tfile_fd(&t);
		tfile_free(&t);
		CHECK(fd >= 0);
		ret = stats__open(&s, fd);
		if (ret) {
			CHECK_EQ(ret, -EINVAL);
			CHECK(fd_is_closed(fd));
			rejected++;
			continue;
		}
		accepted++;
		ret = check_accepted(&s);
		stats__close(&s);
		if (ret != PASS)
			return ret;
	}
	printf("# fuzz: %u accepted, %u rejected\n", accepted, rejected);
	CHECK(accepted > 0 && rejected > 0);
	return PASS;
}

/* ---- a real VM ---- */

static int kvm_set(struct stats_set *s, int fd, const char *what)
{
	int sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);
	int ret;

	if (sfd < 0) {
		printf("# KVM_GET_STATS_FD (%s): %s\n", what, strerror(errno));
		return -errno;
	}
	ret = stats__open(s, sfd);
	if (ret)
		printf("# stats__open (%s): %s\n", what, strerror(-ret));
	return ret;
}

static int test_kvm(const void *arg)
{
	struct stats_set vm = { .fd = -1 }, vcpu = { .fd = -1 };
	const struct stats_set *vcpus[1] = { &vcpu };
	int kvm, vmfd = -1, vcpufd = -1, ret = FAIL;
	struct phase_log *l = NULL;
	uint64_t v;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		snprintf(skip_reason, sizeof(skip_reason), "no /dev/kvm");
		return SKIP;
	}
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "no KVM_CAP_BINARY_STATS_FD");
		close(kvm);
		return SKIP;
	}
	vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vmfd < 0) {
		printf("# KVM_CREATE_VM: %s\n", strerror(errno));
		goto out;
	}
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	if (vcpufd < 0) {
		printf("# KVM_CREATE_VCPU: %s\n", strerror(errno));
		goto out;
	}
	if (kvm_set(&vm, vmfd, "vm") || kvm_set(&vcpu, vcpufd, "vcpu"))
		goto out;
	printf("# %s: %u stats, %u values; %s: %u stats, %u values\n", vm.id,
	       vm.ndesc, vm.nvalues, vcpu.id, vcpu.ndesc, vcpu.nvalues);
	if (stats__find(&vm, "remote_tlb_flush") < 0 &&
	    stats__find(&vm, "mmu_shadow_zapped") < 0) {
		printf("# no remote_tlb_flush or mmu_shadow_zapped\n");
		goto out;
	}
	if (stats__find(&vcpu, "pf_taken") < 0 ||
	    stats__find(&vcpu, "exits") < 0) {
		printf("# no pf_taken or exits in the vCPU set\n");
		goto out;
	}
	if (strncmp(vm.id, "kvm-", 4) || strncmp(vcpu.id, "kvm-", 4)) {
		printf("# unexpected ids\n");
		goto out;
	}
	l = phase_log__new(&vm, vcpus, 1, NULL, NULL, 0);
	if (!l || phase_log__mark(l, "idle") < 0 || phase_log__finish(l) ||
	    phase_log__value(l, 0, PHASE_VCPU, "pf_taken", &v) || v != 0 ||
	    phase_log__value(l, 0, PHASE_VCPU, "exits", &v) || v != 0) {
		printf("# phase log over the real sets failed\n");
		goto out;
	}
	ret = PASS;
out:
	phase_log__free(l);
	stats__close(&vcpu);
	stats__close(&vm);
	if (vcpufd >= 0)
		close(vcpufd);
	if (vmfd >= 0)
		close(vmfd);
	close(kvm);
	return ret;
}

/* ---- driver ---- */

static const uint32_t type_cum = TCUM, type_ins = TINS, type_peak = TPEAK,
		      type_lin = TLIN, type_log = TLOG;

struct test {
	const char *what;
	int (*fn)(const void *arg);
	const void *arg;
};

static const struct test tests[] = {
	{ "decode names, types, sizes, offsets", test_decode, NULL },
	{ "stats__find", test_find, NULL },
	{ "type, unit and base names", test_names, NULL },
	{ "snapshot of the kernel's dense layout", test_snapshot_dense, NULL },
	{ "snapshot of an out-of-order layout with holes", test_snapshot_sparse,
	  NULL },
	{ "snapshot of a shrunk file is -EIO", test_snapshot_errors, NULL },
	{ "a set without descriptors", test_empty_set, NULL },
	{ "limit: name_size 4096 opens, 4104 is -EINVAL", test_limit_name_size,
	  NULL },
	{ "limit: 4096 descriptors open, 4097 is -EINVAL", test_limit_ndesc,
	  NULL },
	{ "limit: 65536 values open, 65537 is -EINVAL", test_limit_values,
	  NULL },
	{ "limit: a 1 MiB data block opens, one value more is -EINVAL",
	  test_limit_data, NULL },
	{ "delta: cumulative (and cleared counters)", test_delta, &type_cum },
	{ "delta: instant", test_delta, &type_ins },
	{ "delta: peak", test_delta, &type_peak },
	{ "delta: linear histogram", test_delta, &type_lin },
	{ "delta: log histogram", test_delta, &type_log },
	{ "phase log: marks, names, wall time, finish", test_phase_marks,
	  NULL },
	{ "phase log: VM, vCPU (sum, peak max) and zapvm deltas",
	  test_phase_values, NULL },
	{ "phase log: sums over phases", test_phase_sum, NULL },
	{ "phase log: json", test_phase_json, NULL },
	{ "phase log: json keeps u64 above INT64_MAX, flags an open phase",
	  test_phase_json_u64, NULL },
	{ "a full phase log refuses marks with -ENOSPC", test_phase_full,
	  NULL },
	{ "phase log: print", test_phase_print, NULL },
	{ "phase log: PHASE_LOG_MAX phases", test_phase_many, NULL },
	{ "phase log: concurrent marks", test_phase_threads, NULL },
	{ "phase log: bad arguments", test_phase_new_errors, NULL },
	{ "unmutated base file opens; fd -1 is -EBADF", test_corrupt_control,
	  NULL },
};

int main(void)
{
	size_t ncorrupt = ARRAY_SIZE(corruptions);
	unsigned int n = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%zu\n", ARRAY_SIZE(tests) + ncorrupt + 2);
	for (size_t i = 0; i < ARRAY_SIZE(tests) + ncorrupt + 2; i++) {
		char what[128];
		int ret;

		if (i < ARRAY_SIZE(tests)) {
			snprintf(what, sizeof(what), "%s", tests[i].what);
			ret = tests[i].fn(tests[i].arg);
		} else if (i < ARRAY_SIZE(tests) + ncorrupt) {
			const struct corruption *c =
				&corruptions[i - ARRAY_SIZE(tests)];

			snprintf(what, sizeof(what), "rejects %s", c->what);
			ret = test_corrupt(c);
		} else if (i == ARRAY_SIZE(tests) + ncorrupt) {
			snprintf(
				what, sizeof(what),
				"3000 random corruptions: -EINVAL or consistent");
			ret = test_fuzz(NULL);
		} else {
			snprintf(what, sizeof(what),
				 "real VM and vCPU stats (KVM_GET_STATS_FD)");
			ret = test_kvm(NULL);
		}
		n++;
		if (ret == SKIP) {
			printf("ok %u # SKIP %s\n", n, skip_reason);
			continue;
		}
		if (ret != PASS)
			failed++;
		printf("%sok %u - %s\n", ret == PASS ? "" : "not ", n, what);
	}
	return failed ? 1 : 0;
}
