/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM hook of zapvm bench zaplat and vcpustall, on the zapper (a zap of
 * all roots from the VMM, zapvm/zapper.h), for the progress guest
 * (guests/progress) whose control block is at ctl_gpa. For each of @rounds
 * rounds it waits until the guest has touched its pages, then lets the
 * scenario's round (struct zap_probe_ops) zap all roots while it measures:
 *  - vcpustall (scenario-vcpustall.c): this thread samples the guest's
 *    progress counter every period_ns through the host mapping, and
 *    records each stretch of samples that saw no progress; the guest also
 *    reports the longest gap between its own increments, timed with its
 *    TSC, which stays right when this thread is preempted;
 *  - zaplat (scenario-zaplat.c): a SCHED_FIFO thread, pinned to the CPU
 *    the zapping thread is pinned to (the highest one zapvm may use),
 *    wakes every period_ns (absolute deadlines) and records how late it
 *    woke. The guest should be idle (progress idle=1).
 * Times are ms; NAN where not measured (e.g. a stat the kernel lacks).
 */
#ifndef ZAPVM_BENCH_PROBE_H
#define ZAPVM_BENCH_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/guest_abi.h"
#include "zapvm/zapper.h"

#define NS_PER_MS 1000000ULL

struct vm;
struct zap_probe;

/* One zap of all roots on its own thread, and its times. */
struct zap_job {
	struct zapper *z;
	int cpu; /* -1: not pinned */
	uint64_t t_start, t_end, delete_ns, readd_ns;
	int ret;
	bool done;
};

struct zap_probe_ops {
	/* Before the first round: the scenario's own results and set-up;
	 * 0 or -errno after one line. NULL: nothing to do. */
	int (*start)(struct vm *vm, struct zap_probe *zp);
	/* Round @r: run @j's zap (zap_job__thread) while measuring; 0 or
	 * -errno after one line. */
	int (*round)(struct vm *vm, struct zap_probe *zp,
		     volatile struct zapvm_progress *ctl, struct zap_job *j,
		     unsigned int r);
	/* NULL, or the whole hook instead of the rounds above (a guest of
	 * its own: bench dirtylog); 0 or -errno after one line. */
	int (*run)(struct vm *vm, struct zap_probe *zp);
};

struct zap_probe {
	const struct zap_probe_ops *ops;
	uint64_t ctl_gpa;
	unsigned int rounds;
	uint64_t period_ns;
	/* Results, over all rounds */
	double delete_ms, readd_ms; /* mean per zap */
	double sptes_4k; /* VM stat pages_4k before the first zap */
	double root_zap_passes, root_zap_yields; /* zapvm series, per run */
	/* vcpustall: no-progress stretches (a lower bound each) */
	double max_gap_ms; /* longest one from a zap's start on */
	double gaps_over_1ms; /* how many from a zap's start on were > 1 ms */
	double quiet_gap_ms; /* longest one before any zap started */
	double sampler_max_ms; /* longest interval between two samples */
	/* the guest's own TSC timing of its loop: longest gap, NAN if none */
	double guest_gap_ms; /* from a zap's start on */
	double guest_quiet_ms; /* in the lead-in before a zap */
	double tsc_khz; /* the VM's KVM_GET_TSC_KHZ */
	/* zaplat */
	double max_late_ms; /* latest wake-up from a zap's start on */
	double max_interval_ms; /* longest interval between two wake-ups */
	double quiet_late_ms; /* latest wake-up before the zap */
	int cpu; /* the CPU of the probe and the zapping thread; -1: any */
	struct zapper z;
	void *priv; /* the scenario's own results (ops->run) */
};

/* zap_probe__hook - a vm_hook with a struct zap_probe as opaque. */
int zap_probe__hook(struct vm *vm, void *opaque);
void zap_probe__free(struct zap_probe *p);

/*
 * zap_probe__fifo_ok - whether this process may create a SCHED_FIFO
 * thread; false with the reason in @why.
 */
bool zap_probe__fifo_ok(char *why, size_t len);

struct bench_cell;

/*
 * probe__prepare - the progress guest's args for @c (all RAM after its
 * control block at @base unless @user_args say otherwise; idle=1 with
 * @idle) and its control block.
 */
void probe__prepare(struct bench_cell *c, uint64_t base, const char *user_args,
		    bool idle);

struct zapvm_dirty;

/*
 * dirty_pass__ms - bench dirtylog: a pass of the dirty guest's @ncpus
 * vCPUs, from the first one's start to the last one's end (their host
 * clock readings in @ctl), in ms; NAN if a vCPU's end precedes its start.
 */
double dirty_pass__ms(const volatile struct zapvm_dirty *ctl,
		      unsigned int ncpus);

/*
 * dirty_lost__scan - bench dirtylog's check after pass @p: of @pages 4 KiB
 * pages from @hva, how many do not hold @p in their first 64-bit word
 * (the dirty guest writes it there); the first such page's index into
 * *@first and its word into *@val (untouched when none).
 */
uint64_t dirty_lost__scan(const volatile void *hva, uint64_t pages, uint64_t p,
			  uint64_t *first, uint64_t *val);

/* For the rounds: */
void *zap_job__thread(void *arg); /* a pthread body: @arg a zap_job */
/* probe__start_thread - @fn on a thread pinned to @cpu unless it is < 0,
 * SCHED_FIFO if @fifo; 0 or pthread_create()'s error. */
int probe__start_thread(pthread_t *t, void *(*fn)(void *), void *arg, int cpu,
			bool fifo);
/* probe__sleep_until - until CLOCK_MONOTONIC ns @t. */
void probe__sleep_until(uint64_t t);

#endif /* ZAPVM_BENCH_PROBE_H */
