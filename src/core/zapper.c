// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VMM-side "zap all roots now", and the hooks that measure what a zap of
 * all roots does to a task sharing the CPU (zaplat, seed 000) and to a
 * running vCPU (vcpustall, seed 002).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "zapvm/guest_abi.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"
#include "zapvm/zapper.h"

#define ZAPPER_SIZE 4096ULL
#define NS_PER_MS 1000000ULL

int zapper__init(struct zapper *z, struct vm *vm)
{
	struct region r;
	uint64_t gpa;
	int ret;

	memset(z, 0, sizeof(*z));
	z->vm = vm;
	if (!kvm__check(vm->vm_fd, KVM_CAP_READONLY_MEM)) {
		log_err("zapper: not supported on this host: its read-only "
			"memslot needs KVM_CAP_READONLY_MEM");
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	/* The top of the GPA space: firmware ROMs stack down from 4 GiB,
	 * but gpa_top is at least 4 GiB and a GiB multiple above RAM. */
	for (gpa = vm->gpa_top - ZAPPER_SIZE; gpa >= ZAPVM_BOOT_END;
	     gpa -= ZAPPER_SIZE) {
		if (!memslots__find(&vm->slots, gpa, &r))
			break;
	}
	if (gpa < ZAPVM_BOOT_END) {
		log_err("zapper: no free guest-physical page for its memslot");
		return ZAPVM_EXIT_SOFTWARE;
	}
	z->mem = mmap(NULL, ZAPPER_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z->mem == MAP_FAILED) {
		z->mem = NULL;
		log_err("zapper: cannot allocate its page: %s",
			strerror(errno));
		return ZAPVM_EXIT_SOFTWARE;
	}
	ret = memslots__add(&vm->slots, REGION_ROM, "zapper", gpa, ZAPPER_SIZE,
			    z->mem);
	if (ret < 0)
		return errno_to_exit(ret);
	z->rom = (unsigned int)ret;
	z->gpa = gpa;
	log_debug("zapper: 4 KiB read-only slot at GPA 0x%llx (ROM %u)",
		  (unsigned long long)gpa, z->rom);
	return 0;
}

int zapper__zap(struct zapper *z, uint64_t *delete_ns, uint64_t *readd_ns)
{
	uint64_t t0 = now_ns(), t1;
	int ret = memslots__rom_unmap(&z->vm->slots, z->rom);

	t1 = now_ns();
	if (!ret)
		ret = memslots__rom_map(&z->vm->slots, z->rom);
	if (ret) {
		log_err("zapper: KVM_SET_USER_MEMORY_REGION on its slot "
			"failed: %s",
			strerror(-ret));
		return ZAPVM_EXIT_SOFTWARE;
	}
	*delete_ns = t1 - t0;
	*readd_ns = now_ns() - t1;
	return 0;
}

void zapper__free(struct zapper *z)
{
	if (z->mem)
		munmap(z->mem, ZAPPER_SIZE);
	z->mem = NULL;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000ULL),
			       (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* ---- zapvm run --zap-churn ------------------------------------------ */

int zap_churn__hook(struct vm *vm, void *opaque)
{
	struct zap_churn *c = opaque;
	uint64_t next, del, readd;
	int ret = zapper__init(&c->z, vm);

	if (ret)
		return ret;
	next = now_ns() + c->period_ms * NS_PER_MS;
	while (!vm__stopping(vm) && vm__vcpus_running(vm)) {
		/* Sleep in slices so a stop is seen within 10 ms. */
		uint64_t t = now_ns(), slice = t + 10 * NS_PER_MS;

		if (t < next) {
			sleep_until(slice < next ? slice : next);
			continue;
		}
		ret = zapper__zap(&c->z, &del, &readd);
		if (ret)
			return ret;
		c->zaps++;
		c->delete_ns_sum += del;
		c->delete_ns_max = del > c->delete_ns_max ? del :
							    c->delete_ns_max;
		next += c->period_ms * NS_PER_MS;
		if (next < now_ns())
			next = now_ns() + c->period_ms * NS_PER_MS;
	}
	log_info("zap churn: %llu zaps of all roots, delete %.3f ms mean, "
		 "%.3f ms max",
		 (unsigned long long)c->zaps,
		 c->zaps ? c->delete_ns_sum / 1e6 / (double)c->zaps : 0.0,
		 c->delete_ns_max / 1e6);
	return 0;
}

void zap_churn__free(struct zap_churn *c)
{
	zapper__free(&c->z);
}

/* ---- probes ---------------------------------------------------------- */

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
		sleep_until(now_ns() + 200000);
	}
}

struct zap_job {
	struct zapper *z;
	int cpu; /* -1: not pinned */
	uint64_t t_start, t_end, delete_ns, readd_ns;
	int ret;
	bool done;
};

static void *zap_job__thread(void *arg)
{
	struct zap_job *j = arg;

	j->t_start = now_ns();
	j->ret = zapper__zap(j->z, &j->delete_ns, &j->readd_ns);
	j->t_end = now_ns();
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Start a thread, pinned to @cpu unless it is < 0, SCHED_FIFO if @fifo. */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg, int cpu,
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
	int err = start_thread(&t, noop_thread, NULL, -1, true);

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

/* The highest CPU this process may run on. */
static int last_cpu(void)
{
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	return cpu < 0 ? 0 : cpu;
}

/* zaplat's probe: wakes every period at absolute deadlines. */
struct lat_probe {
	uint64_t period;
	bool stop;
	int window; /* 0 before the zap, 1 from its start */
	uint64_t max_late[2], max_interval[2];
};

static void *lat_probe__thread(void *arg)
{
	struct lat_probe *p = arg;
	uint64_t next = now_ns() + p->period, prev = 0;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		uint64_t t, late;
		int w;

		sleep_until(next);
		t = now_ns();
		w = __atomic_load_n(&p->window, __ATOMIC_ACQUIRE);
		late = t > next ? t - next : 0;
		if (late > p->max_late[w])
			p->max_late[w] = late;
		if (prev && t - prev > p->max_interval[w])
			p->max_interval[w] = t - prev;
		prev = t;
		/* Periods missed during one delay count once. */
		next += p->period;
		if (next <= t)
			next = t + p->period;
	}
	return NULL;
}

/* One zaplat round: probe, quiet lead-in, the zap, a tail. */
static int probe_latency(struct zap_probe *zp, struct zap_job *j)
{
	struct lat_probe p = { .period = zp->period_ns };
	pthread_t probe, zt;
	int err;

	err = start_thread(&probe, lat_probe__thread, &p, zp->cpu, true);
	if (err) {
		log_err("zaplat: cannot start the SCHED_FIFO probe thread on "
			"CPU %d: %s",
			zp->cpu, strerror(err));
		return err == EPERM ? ZAPVM_EXIT_NOPERM : ZAPVM_EXIT_SOFTWARE;
	}
	sleep_until(now_ns() + 50 * zp->period_ns);
	__atomic_store_n(&p.window, 1, __ATOMIC_RELEASE);
	err = start_thread(&zt, zap_job__thread, j, zp->cpu, false);
	if (!err) {
		pthread_join(zt, NULL);
		sleep_until(now_ns() + 10 * zp->period_ns);
	}
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	pthread_join(probe, NULL);
	if (err) {
		log_err("zaplat: cannot start the zapping thread: %s",
			strerror(err));
		return ZAPVM_EXIT_SOFTWARE;
	}
	zp->quiet_late_ms = fmax(zp->quiet_late_ms, p.max_late[0] / 1e6);
	zp->max_late_ms = fmax(zp->max_late_ms, p.max_late[1] / 1e6);
	zp->max_interval_ms =
		fmax(zp->max_interval_ms, p.max_interval[1] / 1e6);
	return j->ret;
}

/*
 * The guest's longest gap between two increments in epoch @epoch, in ms;
 * NAN if the guest has not seen that epoch or the TSC rate is unknown.
 */
static double guest_gap_ms(volatile struct zapvm_progress *ctl, uint64_t epoch,
			   double tsc_khz)
{
	if (!(tsc_khz > 0) ||
	    __atomic_load_n(&ctl->gap_seen, __ATOMIC_ACQUIRE) != epoch)
		return NAN;
	return (double)__atomic_load_n(&ctl->max_gap, __ATOMIC_RELAXED) /
	       tsc_khz;
}

/* The zap of round @r starts: keep the lead-in's gap, start the zap's. */
static void guest_gap_zap_starts(struct zap_probe *zp,
				 volatile struct zapvm_progress *ctl,
				 unsigned int r)
{
	/* fmax() takes the number where one side is NAN. */
	zp->guest_quiet_ms = fmax(zp->guest_quiet_ms,
				  guest_gap_ms(ctl, 2ull * r - 1, zp->tsc_khz));
	__atomic_store_n(&ctl->gap_epoch, 2ull * r, __ATOMIC_RELEASE);
}

/* Round @r's zap is over and the guest went on: keep its longest gap. */
static void guest_gap_zap_ended(struct zap_probe *zp,
				volatile struct zapvm_progress *ctl,
				unsigned int r)
{
	zp->guest_gap_ms = fmax(zp->guest_gap_ms,
				guest_gap_ms(ctl, 2ull * r, zp->tsc_khz));
}

/*
 * One vcpustall round: sample the counter from a lead-in before the zap
 * until progress was seen after it (and a tail). A stretch of samples that
 * all saw one value is time without progress; it is measured from the
 * first to the last of those samples, a lower bound that a late sample
 * (this thread preempted) cannot inflate. The guest times itself too
 * (TSC): epoch 2r - 1 is round r's lead-in, 2r its zap and tail.
 */
/*
 * vcpustall with period_ns 0: no VMM thread wakes while the zap runs (on a
 * small machine each wake-up can make the zapping thread yield mmu_lock);
 * only the guest's own timing is measured.
 */
static int probe_stall_quiet(struct vm *vm, struct zap_probe *zp,
			     volatile struct zapvm_progress *ctl,
			     struct zap_job *j, unsigned int r)
{
	const uint64_t lead = 20 * NS_PER_MS, tail = 20 * NS_PER_MS;
	const uint64_t give_up = 10000 * NS_PER_MS;
	uint64_t c0, t;
	pthread_t zt;
	int err;

	__atomic_store_n(&ctl->gap_epoch, 2ull * r - 1, __ATOMIC_RELEASE);
	sleep_until(now_ns() + lead);
	guest_gap_zap_starts(zp, ctl, r);
	err = start_thread(&zt, zap_job__thread, j, -1, false);
	if (err) {
		log_err("vcpustall: cannot start the zapping thread: %s",
			strerror(err));
		return ZAPVM_EXIT_SOFTWARE;
	}
	pthread_join(zt, NULL);
	/* The guest counts on after the zap: then its gap is complete. */
	c0 = __atomic_load_n(&ctl->counter, __ATOMIC_RELAXED);
	for (t = now_ns(); now_ns() - t < give_up;) {
		if (__atomic_load_n(&ctl->counter, __ATOMIC_RELAXED) != c0 &&
		    __atomic_load_n(&ctl->gap_seen, __ATOMIC_ACQUIRE) ==
			    2ull * r)
			break;
		if (vm__stopping(vm))
			return j->ret;
		sleep_until(now_ns() + NS_PER_MS);
	}
	sleep_until(now_ns() + tail);
	guest_gap_zap_ended(zp, ctl, r);
	if (isnan(zp->guest_gap_ms))
		log_warn("vcpustall: no guest progress %llu ms after the zap",
			 (unsigned long long)(give_up / NS_PER_MS));
	return j->ret;
}

static int probe_stall(struct vm *vm, struct zap_probe *zp,
		       volatile struct zapvm_progress *ctl, struct zap_job *j,
		       unsigned int r)
{
	const uint64_t lead = 20 * NS_PER_MS, tail = 20 * NS_PER_MS;
	const uint64_t give_up = 10000 * NS_PER_MS;
	uint64_t t0 = now_ns(), next = t0, prev_t = 0, first_t = 0, last_t = 0;
	uint64_t last_c = 0, zap_start = 0, resumed_t = 0;
	uint64_t max_quiet = 0, max_zap = 0, sampler_max = 0, over = 0;
	bool started = false, zapping = false, have = false;
	pthread_t zt;
	int err;

	if (!zp->period_ns)
		return probe_stall_quiet(vm, zp, ctl, j, r);
	__atomic_store_n(&ctl->gap_epoch, 2ull * r - 1, __ATOMIC_RELEASE);
	for (;;) {
		uint64_t t, c;

		next += zp->period_ns;
		sleep_until(next);
		t = now_ns();
		c = __atomic_load_n(&ctl->counter, __ATOMIC_RELAXED);
		if (prev_t && t - prev_t > sampler_max)
			sampler_max = t - prev_t;
		prev_t = t;
		if (next < t)
			next = t;
		if (!have || c != last_c) {
			if (have) {
				uint64_t gap = last_t - first_t;

				/* A stretch still open when the zap
				 * started counts with the zap. */
				if (started && last_t >= zap_start) {
					max_zap = gap > max_zap ? gap : max_zap;
					over += gap > NS_PER_MS;
				} else if (gap > max_quiet) {
					max_quiet = gap;
				}
			}
			first_t = last_t = t;
			last_c = c;
			have = true;
			if (started && !zapping && !resumed_t)
				resumed_t = t;
		} else {
			last_t = t;
		}
		if (!started && t - t0 >= lead) {
			guest_gap_zap_starts(zp, ctl, r);
			err = start_thread(&zt, zap_job__thread, j, -1, false);
			if (err) {
				log_err("vcpustall: cannot start the zapping "
					"thread: %s",
					strerror(err));
				return ZAPVM_EXIT_SOFTWARE;
			}
			started = zapping = true;
			zap_start = t;
		}
		if (zapping && __atomic_load_n(&j->done, __ATOMIC_ACQUIRE)) {
			zapping = false;
			/* Progress counts from the first new value now. */
			resumed_t = 0;
		}
		if (started && !zapping && resumed_t && t - resumed_t >= tail)
			break;
		if (started && !zapping && t - j->t_end > give_up) {
			log_warn("vcpustall: no guest progress %llu ms after "
				 "the zap",
				 (unsigned long long)(give_up / NS_PER_MS));
			break;
		}
		if (vm__stopping(vm) && (!started || !zapping))
			break;
	}
	/* The stretch still open at the end. */
	if (have && started && last_t >= zap_start) {
		uint64_t gap = last_t - first_t;

		max_zap = gap > max_zap ? gap : max_zap;
		over += gap > NS_PER_MS;
	}
	if (started) {
		pthread_join(zt, NULL);
		guest_gap_zap_ended(zp, ctl, r);
	}
	zp->max_gap_ms = fmax(zp->max_gap_ms, max_zap / 1e6);
	zp->quiet_gap_ms = fmax(zp->quiet_gap_ms, max_quiet / 1e6);
	zp->sampler_max_ms = fmax(zp->sampler_max_ms, sampler_max / 1e6);
	zp->gaps_over_1ms += (double)over;
	return started ? j->ret : 0;
}

int zap_probe__hook(struct vm *vm, void *opaque)
{
	struct zap_probe *zp = opaque;
	volatile struct zapvm_progress *ctl;
	double passes0, yields0, del = 0, readd = 0;
	unsigned int nzaps = 0;
	int ret;

	zp->delete_ms = zp->readd_ms = zp->sptes_4k = NAN;
	zp->root_zap_passes = zp->root_zap_yields = NAN;
	zp->max_gap_ms = zp->quiet_gap_ms = zp->sampler_max_ms = 0;
	zp->gaps_over_1ms = 0;
	if (zp->kind == ZAP_PROBE_STALL && !zp->period_ns)
		zp->max_gap_ms = zp->quiet_gap_ms = zp->sampler_max_ms =
			zp->gaps_over_1ms = NAN;
	zp->guest_gap_ms = zp->guest_quiet_ms = NAN;
	zp->tsc_khz = NAN;
	if (zp->kind == ZAP_PROBE_STALL) {
		/*
		 * The VM's TSC rate (KVM_CAP_VM_TSC_CONTROL, 5.16): a vCPU
		 * ioctl would wait for the vCPU's KVM_RUN to return.
		 */
		ret = vm__tsc_khz(vm);
		if (ret > 0)
			zp->tsc_khz = ret;
		else
			log_warn("vcpustall: the VM's KVM_GET_TSC_KHZ failed "
				 "(before Linux 5.16?): no guest-timed gaps");
	}
	zp->max_late_ms = zp->max_interval_ms = zp->quiet_late_ms = 0;
	zp->cpu = zp->kind == ZAP_PROBE_LATENCY ? last_cpu() : -1;
	ctl = vm__guest_mem(vm, zp->ctl_gpa, sizeof(*ctl), true);
	if (!ctl || (zp->ctl_gpa & 7)) {
		log_err("zap probe: control block GPA 0x%llx is not in RAM",
			(unsigned long long)zp->ctl_gpa);
		return ZAPVM_EXIT_SOFTWARE;
	}
	ret = zapper__init(&zp->z, vm);
	if (ret)
		return ret;
	passes0 = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_PASSES);
	yields0 = vm_stat(vm, ZAPVM_STAT_ROOT_ZAP_YIELDS);

	for (unsigned int r = 1; r <= zp->rounds; r++) {
		struct zap_job j = { .z = &zp->z, .cpu = zp->cpu };

		if (wait_ready(vm, ctl, r))
			return vm__stopping(vm) ? 0 : ZAPVM_EXIT_SOFTWARE;
		if (r == 1)
			zp->sptes_4k = vm_stat(vm, "pages_4k");
		ret = zp->kind == ZAP_PROBE_LATENCY ?
			      probe_latency(zp, &j) :
			      probe_stall(vm, zp, ctl, &j, r);
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
