// SPDX-License-Identifier: GPL-2.0-only
/*
 * The zap probes' shared part: the hook that waits for each round of the
 * progress guest and lets the scenario's round measure a zap of all roots.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

#include "bench.h"
#include "probe.h"

void probe__sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000ULL),
			       (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* A VM stat now, NAN if the kernel has no such stat. */
static double vm_stat(struct vm *vm, const char *name)
{
	uint64_t v;

	return vm__stat(vm, name, &v) ? NAN : (double)v;
}

/* Wait until the guest has finished touching for round @r. */
static int wait_ready(struct vm *vm, volatile struct zapvm_progress *ctl,
		      uint64_t r)
{
	for (;;) {
		if (vm__stopping(vm))
			return -EINTR;
		if (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) >= r)
			return 0;
		if (!vm__vcpus_running(vm)) {
			if (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) >= r)
				return 0;
			log_err("zap probe: the guest ended before round %llu "
				"was ready (is it builtin:progress?)",
				(unsigned long long)r);
			return -ENOENT;
		}
		probe__sleep_until(now_ns() + 200000);
	}
}

void *zap_job__thread(void *arg)
{
	struct zap_job *j = arg;

	j->t_start = now_ns();
	j->ret = zapper__zap(j->z, &j->delete_ns, &j->readd_ns);
	j->t_end = now_ns();
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

int probe__start_thread(pthread_t *t, void *(*fn)(void *), void *arg, int cpu,
			bool fifo)
{
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	pthread_attr_init(&attr);
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (fifo) {
		sp.sched_priority = sched_get_priority_min(SCHED_FIFO) + 9;
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	err = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

static void *noop_thread(void *arg)
{
	return arg;
}

bool zap_probe__fifo_ok(char *why, size_t len)
{
	pthread_t t;
	int err = probe__start_thread(&t, noop_thread, NULL, -1, true);

	if (!err) {
		pthread_join(t, NULL);
		return true;
	}
	snprintf(why, len,
		 "a SCHED_FIFO thread is not permitted (%s): run as "
		 "root or with CAP_SYS_NICE, or raise RLIMIT_RTPRIO",
		 strerror(err));
	return false;
}

int zap_probe__hook(struct vm *vm, void *opaque)
{
	struct zap_probe *zp = opaque;
	volatile struct zapvm_progress *ctl;
	double passes0, yields0, del = 0, readd = 0;
	unsigned int nzaps = 0;
	int ret;

	if (zp->ops->run)
		return zp->ops->run(vm, zp);
	zp->delete_ms = zp->readd_ms = zp->sptes_4k = NAN;
	zp->root_zap_passes = zp->root_zap_yields = NAN;
	zp->max_gap_ms = zp->quiet_gap_ms = zp->sampler_max_ms = 0;
	zp->gaps_over_1ms = 0;
	zp->guest_gap_ms = zp->guest_quiet_ms = NAN;
	zp->tsc_khz = NAN;
	zp->max_late_ms = zp->max_interval_ms = zp->quiet_late_ms = 0;
	zp->cpu = -1;
	ret = zp->ops->start ? zp->ops->start(vm, zp) : 0;
	if (ret)
		return ret;
	ctl = vm__guest_mem(vm, zp->ctl_gpa, sizeof(*ctl), true);
	if (!ctl || (zp->ctl_gpa & 7)) {
		log_err("zap probe: control block GPA 0x%llx is not in RAM",
			(unsigned long long)zp->ctl_gpa);
		return -EFAULT;
	}
	ret = zapper__init(&zp->z, vm);
	if (ret)
		return ret;
	passes0 = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_PASSES);
	yields0 = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_YIELDS);

	for (unsigned int r = 1; r <= zp->rounds; r++) {
		struct zap_job j = { .z = &zp->z, .cpu = zp->cpu };

		/* -EIO, not wait_ready()'s -ENOENT: a guest that ended
		 * early is an internal failure (70), not a missing input. */
		if (wait_ready(vm, ctl, r))
			return vm__stopping(vm) ? 0 : -EIO;
		if (r == 1)
			zp->sptes_4k = vm_stat(vm, "pages_4k");
		ret = zp->ops->round(vm, zp, ctl, &j, r);
		if (ret)
			return ret;
		if (j.t_end) {
			del += j.delete_ns / 1e6;
			readd += j.readd_ns / 1e6;
			nzaps++;
		}
		__atomic_store_n(&ctl->go, r, __ATOMIC_RELEASE);
		if (vm__stopping(vm))
			break;
	}
	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	if (nzaps) {
		zp->delete_ms = del / nzaps;
		zp->readd_ms = readd / nzaps;
	}
	zp->root_zap_passes = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_PASSES) - passes0;
	zp->root_zap_yields = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_YIELDS) - yields0;
	return 0;
}

void zap_probe__free(struct zap_probe *p)
{
	zapper__free(&p->z);
}

/*
 * zaplat and vcpustall: the progress guest (guests/progress) touches all
 * RAM after its control block, so that a zap of all roots has that much of
 * 4 KiB SPTEs to zap, then the VM hook (zap_probe__hook) deletes and
 * re-adds a memslot of its own (zapvm/zapper.h) that no guest uses, which under the "all" policy
 * zaps every root, while it measures.
 */
void probe__prepare(struct bench_cell *c, uint64_t base, const char *user_args,
		    bool idle)
{
	uint64_t avail = c->mem > base + PAGE_4K ?
				 (c->mem - base - PAGE_4K) / PAGE_4K :
				 0;

	if (user_args)
		snprintf(c->args, sizeof(c->args), "%s%s", user_args,
			 idle && !strstr(user_args, "idle=") ? " idle=1" : "");
	else
		snprintf(c->args, sizeof(c->args), "pages=%llu%s",
			 (unsigned long long)avail, idle ? " idle=1" : "");
	c->guest_param = args__u64(c->args, "pages", avail);
	c->ctl_gpa = base;
}
