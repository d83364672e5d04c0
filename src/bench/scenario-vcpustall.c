// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench vcpustall (seed 002): the longest time without vCPU
 * progress while another thread zaps all roots; the stall probes.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"
#include "probe.h"

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
	probe__sleep_until(now_ns() + lead);
	guest_gap_zap_starts(zp, ctl, r);
	err = probe__start_thread(&zt, zap_job__thread, j, -1, false);
	if (err) {
		log_err("vcpustall: cannot start the zapping thread: %s",
			strerror(err));
		return -EIO;
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
		probe__sleep_until(now_ns() + NS_PER_MS);
	}
	probe__sleep_until(now_ns() + tail);
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
		probe__sleep_until(next);
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
			err = probe__start_thread(&zt, zap_job__thread, j, -1,
						  false);
			if (err) {
				log_err("vcpustall: cannot start the zapping "
					"thread: %s",
					strerror(err));
				return -EIO;
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

static int vcpustall__start(struct vm *vm, struct zap_probe *zp)
{
	int ret;

	if (!zp->period_ns)
		zp->max_gap_ms = zp->quiet_gap_ms = zp->sampler_max_ms =
			zp->gaps_over_1ms = NAN;
	/*
	 * The VM's TSC rate (KVM_CAP_VM_TSC_CONTROL, 5.16): a vCPU ioctl
	 * would wait for the vCPU's KVM_RUN to return.
	 */
	ret = vm__tsc_khz(vm);
	if (ret > 0)
		zp->tsc_khz = ret;
	else
		log_warn("vcpustall: the VM's KVM_GET_TSC_KHZ failed "
			 "(before Linux 5.16?): no guest-timed gaps");
	return 0;
}

static const struct zap_probe_ops vcpustall_probe = {
	.start = vcpustall__start,
	.round = probe_stall,
};

/* The sampler's period is --sample-us; 0: only the guest's timing. */
static void vcpustall__probe_setup(struct zap_probe *zp,
				   const struct bench_opts *o)
{
	zp->ops = &vcpustall_probe;
	zp->period_ns = (uint64_t)o->sample_us * 1000;
}

/* vcpustall: rounds=R (1) of touch, then zap while the vCPU counts. */
static void vcpustall__prepare(struct bench_cell *c, uint64_t base,
			       const char *user_args)
{
	probe__prepare(c, base, user_args, false);
}

static void vcpustall__collect(const struct bench_cell *c,
			       const struct vm_result *res,
			       const struct zap_probe *zp, double *v)
{
	v[0] = zp->max_gap_ms;
	v[1] = zp->gaps_over_1ms;
	v[2] = zp->quiet_gap_ms;
	v[3] = zp->delete_ms;
	v[4] = zp->readd_ms;
	v[5] = zp->sampler_max_ms;
	v[6] = zp->sptes_4k;
	v[7] = res->wall_ns / 1e6;
	v[8] = zp->guest_gap_ms;
	v[9] = zp->guest_quiet_ms;
}

static const struct bench_metric vcpustall_metrics[] = {
	{ "max_gap_ms", "ms", "max stall ms", M_TABLE | M_RATIO | M_PLOT },
	{ "gaps_over_1ms", "", "stalls > 1 ms", M_TABLE | M_RATIO },
	{ "quiet_gap_ms", "ms", "stall w/o zap", M_TABLE },
	{ "delete_ms", "ms", "zap (delete) ms", M_TABLE | M_RATIO | M_PLOT },
	{ "readd_ms", "ms", "re-add ms", 0 },
	{ "sampler_max_ms", "ms", "sampler max ms", M_TABLE },
	{ "sptes_4k", "", "4K SPTEs", M_TABLE },
	{ "wall_ms", "ms", "wall ms", 0 },
	{ "guest_gap_ms", "ms", "guest gap ms", M_TABLE | M_RATIO | M_PLOT },
	{ "guest_quiet_ms", "ms", "guest gap w/o zap", M_TABLE },
};

/*
 * vcpustall runs on any MMU: a zap of all roots makes the vCPUs of any MMU
 * wait for mmu_lock before they run again (the TDP MMU to allocate a new
 * root, the shadow MMU while the obsolete pages are zapped), and what is
 * measured is the vCPU's view of it. The MMU is in every report: no
 * check.
 */

/* The probe measures a zap of all roots: "slot" is only a control. */
static const struct bench_default vcpustall_defaults[] = {
	{ "policy", "all" },
	{ 0 },
};

const struct bench_scenario scenario_vcpustall = {
	.name = "vcpustall",
	.seed = "002",
	.what = "longest time without vCPU progress while another thread zaps "
		"all roots",
	.guest = "progress",
	.sample_us = true,
	.dirty_log = true,
	.defaults = vcpustall_defaults,
	.metrics = vcpustall_metrics,
	.nmetrics = NMETRICS(vcpustall_metrics),
	.prepare = vcpustall__prepare,
	.probe_setup = vcpustall__probe_setup,
	.collect = vcpustall__collect,
};
