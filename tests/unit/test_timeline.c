// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/core/timeline.c, speaking TAP: the JSON of samples
 * taken from stats files built in memfds (the kernel's layout), events
 * from a phase log in phase order with memslot changes told apart, the
 * trace's faults counted up to each sample, the sampler thread.
 */
#include <errno.h>
#include <json-c/json.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/stats.h"
#include "zapvm/timeline.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"

#include "tap.h"

#define NAME_SIZE 48

struct tstat {
	const char *name;
	uint32_t flags;
	uint16_t size;
};

/* A stats file: header, id, descriptors, then the values (all 0). */
static int stats_file(const char *id, const struct tstat *d, unsigned int n)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + NAME_SIZE;
	size_t doff = sizeof(struct kvm_stats_header) + NAME_SIZE;
	size_t data = doff + n * dsz, nvals = 0, len;
	struct kvm_stats_header h = { 0 };
	unsigned char *buf;
	int fd;

	for (unsigned int i = 0; i < n; i++)
		nvals += d[i].size;
	len = data + nvals * 8;
	buf = calloc(1, len);
	if (!buf)
		return -1;
	h.name_size = NAME_SIZE;
	h.num_desc = n;
	h.id_offset = sizeof(h);
	h.desc_offset = (uint32_t)doff;
	h.data_offset = (uint32_t)data;
	memcpy(buf, &h, sizeof(h));
	strcpy((char *)buf + h.id_offset, id);
	for (unsigned int i = 0, off = 0; i < n; i++) {
		struct kvm_stats_desc *k = (void *)(buf + doff + i * dsz);

		k->flags = d[i].flags;
		k->size = d[i].size;
		k->offset = off;
		strcpy(k->name, d[i].name);
		off += d[i].size * 8;
	}
	fd = memfd_create("stats", MFD_CLOEXEC);
	if (fd >= 0 && write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	free(buf);
	return fd;
}

static const struct tstat vm_stats[] = {
	{ "remote_tlb_flush", KVM_STATS_TYPE_CUMULATIVE, 1 },
};
static const struct tstat vcpu_stats[] = {
	{ "pf_taken", KVM_STATS_TYPE_CUMULATIVE, 1 },
	{ "halt_hist", KVM_STATS_TYPE_LOG_HIST, 2 },
};

/* sets[0] the VM, sets[1] one vCPU. */
static int open_sets(struct stats_set *sets)
{
	if (stats__open(&sets[0], stats_file("kvm-1", vm_stats, 1)) ||
	    stats__open(&sets[1], stats_file("kvm-1/vcpu-0", vcpu_stats, 2)))
		return -1;
	return 0;
}

/* Value @k (u64 index) of set @s's data block. */
static void poke(const struct stats_set *s, unsigned int k, uint64_t v)
{
	if (pwrite(s->fd, &v, 8, (off_t)(s->data_offset + k * 8)) != 8)
		printf("# pwrite failed\n");
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *at(struct json_object *a, size_t i)
{
	return json_object_array_get_idx(a, i);
}

static void test_samples(void)
{
	struct stats_set sets[2] = { { .fd = -1 }, { .fd = -1 } };
	struct timeline *tl = timeline__new(10);
	struct json_object *o, *s, *v;
	uint64_t t0;

	ok(!timeline__new(0) && errno == EINVAL, "interval 0: refused");
	ok(tl && !open_sets(sets), "a timeline and two stats sets");
	if (!tl)
		return;
	is_int(timeline__sample(tl, 0), -EINVAL, "no sample before bind");
	is_int(timeline__bind(tl, sets, 2), 0, "bound");
	is_int(timeline__bind(tl, sets, 2), -EINVAL, "bound only once");
	t0 = now_ns();
	for (int i = 0; i < 3; i++) {
		poke(&sets[1], 0, 100 * (uint64_t)i); /* pf_taken */
		poke(&sets[1], 2, 7); /* halt_hist bucket 1 */
		poke(&sets[0], 0, (uint64_t)i);
		timeline__sample(tl, t0 + (uint64_t)(i + 1) * 10000000);
	}
	o = timeline__to_json(tl, NULL, NULL, 0);
	s = get(o, "samples");
	is_int(json_object_get_int(get(o, "interval_ms")), 10, "interval_ms");
	is_int(json_object_array_length(s), 3, "three samples");
	ok(json_object_get_double(get(at(s, 0), "t_ms")) <
			   json_object_get_double(get(at(s, 1), "t_ms")) &&
		   json_object_get_double(get(at(s, 1), "t_ms")) <
			   json_object_get_double(get(at(s, 2), "t_ms")),
	   "t_ms increases");
	ok(json_object_get_double(get(at(s, 2), "t_ms")) -
			   json_object_get_double(get(at(s, 1), "t_ms")) >
		   9.999,
	   "t_ms: 10 ms apart");
	v = at(get(at(s, 2), "vcpus"), 0);
	is_int(json_object_get_int64(get(v, "pf_taken")), 200,
	       "sample 2: the vCPU's pf_taken as written");
	ok(json_object_is_type(get(v, "halt_hist"), json_type_array) &&
		   json_object_array_length(get(v, "halt_hist")) == 2 &&
		   json_object_get_int64(at(get(v, "halt_hist"), 1)) == 7,
	   "a histogram: its buckets as an array");
	is_int(json_object_get_int64(
		       get(get(at(s, 1), "vm"), "remote_tlb_flush")),
	       1, "sample 1: the VM's stat");
	ok(!get(at(s, 0), "trace"), "no trace: no trace counts");
	is_int(json_object_array_length(get(o, "events")), 0,
	       "no phase log: no events");
	ok(json_object_get_boolean(get(o, "truncated")) == 0, "not truncated");
	json_object_put(o);
	timeline__free(tl);
	stats__close(&sets[0]);
	stats__close(&sets[1]);
}

/* Events: phases after "start", in phase order, memslot ones marked. */
static void test_events(void)
{
	static const char *const names[] = { "start", "touch", "rom0-unmap",
					     "rom0-map", "retouch" };
	struct stats_set sets[2] = { { .fd = -1 }, { .fd = -1 } };
	const struct stats_set *vcpus[1] = { &sets[1] };
	struct timeline *tl = timeline__new(5);
	struct phase_log *l;
	struct json_object *o, *ev;
	double last = -1;
	bool order = true;

	if (open_sets(sets) || !tl) {
		ok(0, "events: set-up");
		return;
	}
	l = phase_log__new(&sets[0], vcpus, 1, NULL, NULL, 0);
	timeline__bind(tl, sets, 2);
	for (unsigned int i = 0; l && i < 5; i++) {
		struct timespec ts = { 0, 2000000 };

		phase_log__mark(l, names[i]);
		nanosleep(&ts, NULL);
	}
	phase_log__finish(l);
	/* Noted out of order, as two vCPU threads could. */
	timeline__memslot(tl, 3);
	timeline__memslot(tl, 2);
	timeline__memslot(tl, -1);
	o = timeline__to_json(tl, l, NULL, 0);
	ev = get(o, "events");
	is_int(json_object_array_length(ev), 4, "four events after start");
	for (size_t i = 0; i < json_object_array_length(ev); i++) {
		struct json_object *e = at(ev, i);
		double t = json_object_get_double(get(e, "t_ms"));

		order &= t >= last + 1.9 &&
			 json_object_get_int(get(e, "phase")) == (int)i + 1 &&
			 !strcmp(json_object_get_string(get(e, "name")),
				 names[i + 1]);
		last = t;
	}
	ok(order, "events in phase order, 2 ms apart, named");
	ok(!strcmp(json_object_get_string(get(at(ev, 0), "kind")), "mark") &&
		   !strcmp(json_object_get_string(get(at(ev, 1), "kind")),
			   "memslot") &&
		   !strcmp(json_object_get_string(get(at(ev, 2), "kind")),
			   "memslot") &&
		   !strcmp(json_object_get_string(get(at(ev, 3), "kind")),
			   "mark"),
	   "kinds: mark, memslot, memslot, mark");
	json_object_put(o);
	phase_log__free(l);
	timeline__free(tl);
	stats__close(&sets[0]);
	stats__close(&sets[1]);
}

/* Trace faults counted up to each sample, cumulative. */
static void test_trace(void)
{
	struct stats_set sets[2] = { { .fd = -1 }, { .fd = -1 } };
	struct timeline *tl = timeline__new(10);
	struct trace_fault f[5] = { { 0 } };
	struct json_object *o, *s;
	uint64_t t0;

	if (open_sets(sets) || !tl) {
		ok(0, "trace: set-up");
		return;
	}
	timeline__bind(tl, sets, 2);
	t0 = now_ns();
	timeline__sample(tl, t0 + 10);
	timeline__sample(tl, t0 + 20);
	timeline__sample(tl, t0 + 30);
	f[0].time = t0 + 5;
	f[1].time = t0 + 12;
	f[2].time = t0 + 20;
	f[2].refault = true;
	f[3].time = t0 + 25;
	f[3].refault = true;
	f[4].time = t0 + 99; /* after the last sample */
	o = timeline__to_json(tl, NULL, f, 5);
	s = get(o, "samples");
	is_int(json_object_get_int(get(get(at(s, 0), "trace"), "faults")), 1,
	       "trace: 1 fault by sample 0");
	is_int(json_object_get_int(get(get(at(s, 1), "trace"), "faults")), 3,
	       "trace: 3 by sample 1 (its own time included)");
	is_int(json_object_get_int(get(get(at(s, 2), "trace"), "refaults")), 2,
	       "trace: 2 re-faults by sample 2");
	is_int(json_object_get_int(get(get(at(s, 2), "trace"), "first_touch")),
	       2, "trace: 2 first touches by sample 2");
	json_object_put(o);
	timeline__free(tl);
	stats__close(&sets[0]);
	stats__close(&sets[1]);
}

/* The thread: a sample at start and one at stop, at the least. */
static void test_thread(void)
{
	struct stats_set sets[2] = { { .fd = -1 }, { .fd = -1 } };
	struct timeline *tl = timeline__new(1);
	struct timespec ts = { 0, 20000000 };
	struct json_object *o, *s;
	bool up = true;

	if (open_sets(sets) || !tl) {
		ok(0, "thread: set-up");
		return;
	}
	is_int(timeline__start(tl, sets, 2), 0, "the sampler starts");
	nanosleep(&ts, NULL);
	timeline__stop(tl);
	timeline__stop(tl);
	o = timeline__to_json(tl, NULL, NULL, 0);
	s = get(o, "samples");
	ok(json_object_array_length(s) >= 2, "at least the first and last");
	for (size_t i = 1; i < json_object_array_length(s); i++)
		up &= json_object_get_double(get(at(s, i), "t_ms")) >
		      json_object_get_double(get(at(s, i - 1), "t_ms"));
	ok(up, "t_ms increases");
	json_object_put(o);
	timeline__free(tl);
	timeline__free(NULL);
	timeline__memslot(NULL, 1);
	stats__close(&sets[0]);
	stats__close(&sets[1]);
}

int main(void)
{
	test_samples();
	test_events();
	test_trace();
	test_thread();
	return tap_done();
}
