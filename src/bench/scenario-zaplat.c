// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench zaplat (seed 000): the longest lateness of a SCHED_FIFO probe
 * sharing the CPU with a zap of all roots, root zap 4k vs 1g; the probe.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"
#include "probe.h"

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

		probe__sleep_until(next);
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

	err = probe__start_thread(&probe, lat_probe__thread, &p, zp->cpu, true);
	if (err) {
		log_err("zaplat: cannot start the SCHED_FIFO probe thread on "
			"CPU %d: %s",
			zp->cpu, strerror(err));
		return err == EPERM ? -EPERM : -EIO;
	}
	probe__sleep_until(now_ns() + 50 * zp->period_ns);
	__atomic_store_n(&p.window, 1, __ATOMIC_RELEASE);
	err = probe__start_thread(&zt, zap_job__thread, j, zp->cpu, false);
	if (!err) {
		pthread_join(zt, NULL);
		probe__sleep_until(now_ns() + 10 * zp->period_ns);
	}
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	pthread_join(probe, NULL);
	if (err) {
		log_err("zaplat: cannot start the zapping thread: %s",
			strerror(err));
		return -EIO;
	}
	zp->quiet_late_ms = fmax(zp->quiet_late_ms, p.max_late[0] / 1e6);
	zp->max_late_ms = fmax(zp->max_late_ms, p.max_late[1] / 1e6);
	zp->max_interval_ms =
		fmax(zp->max_interval_ms, p.max_interval[1] / 1e6);
	return j->ret;
}

static int zaplat__start(struct vm *vm, struct zap_probe *zp)
{
	zp->cpu = last_cpu();
	return 0;
}

static int zaplat__round(struct vm *vm, struct zap_probe *zp,
			 volatile struct zapvm_progress *ctl, struct zap_job *j,
			 unsigned int r)
{
	return probe_latency(zp, j);
}

static const struct zap_probe_ops zaplat_probe = {
	.start = zaplat__start,
	.round = zaplat__round,
};

/* A 1 ms period: 200 us starved the zapper in an earlier experiment. */
static void zaplat__probe_setup(struct zap_probe *zp,
				const struct bench_opts *o)
{
	zp->ops = &zaplat_probe;
	zp->period_ns = 1000000;
}

/* zaplat: the guest is idle when the zap runs (idle=1), one zap a run. */
static void zaplat__prepare(struct bench_cell *c, uint64_t base,
			    const char *user_args)
{
	probe__prepare(c, base, user_args, true);
}

static void zaplat__collect(const struct bench_cell *c,
			    const struct vm_result *res,
			    const struct zap_probe *zp, double *v)
{
	v[0] = zp->max_late_ms;
	v[1] = zp->max_interval_ms;
	v[2] = zp->quiet_late_ms;
	v[3] = zp->delete_ms;
	v[4] = zp->readd_ms;
	v[5] = zp->root_zap_passes;
	v[6] = zp->root_zap_yields;
	v[7] = zp->sptes_4k;
	v[8] = res->wall_ns / 1e6;
}

static const struct bench_metric zaplat_metrics[] = {
	{ "max_late_ms", "ms", "probe late ms", M_TABLE | M_RATIO | M_PLOT },
	{ "max_gap_ms", "ms", "probe gap ms", M_TABLE },
	{ "quiet_late_ms", "ms", "late w/o zap", M_TABLE },
	{ "delete_ms", "ms", "zap (delete) ms", M_TABLE | M_RATIO | M_PLOT },
	{ "readd_ms", "ms", "re-add ms", 0 },
	{ "root_zap_passes", "", "root passes", M_TABLE },
	{ "root_zap_yields", "", "root yields", M_TABLE },
	{ "sptes_4k", "", "4K SPTEs", M_TABLE },
	{ "wall_ms", "ms", "wall ms", 0 },
};

/*
 * zaplat measures the root zap's granularity (patch 3 of the series), so
 * it needs the TDP MMU, the knob, and a SCHED_FIFO probe.
 */
static int zaplat__check(const struct bench_host *h, const struct bench_opts *o,
			 char *why, size_t len)
{
	char fifo[256];
	int ret = host__need_tdp(h, "zaplat", why, len);

	if (!ret)
		ret = host__need_knob(h->knob_root_zap, "zaplat",
				      "root-zap 4k vs 1g",
				      ZAPVM_KNOB_ROOT_ZAP_4K, why, len);
	if (ret)
		return ret;
	if (!zap_probe__fifo_ok(fifo, sizeof(fifo))) {
		snprintf(why, len, "zaplat: not supported on this host: %s",
			 fifo);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	return 0;
}

/*
 * The probe measures a zap of all roots: "slot" is only a control. It
 * compares 4 KiB and 1 GiB root zaps unless told otherwise.
 */
static const struct bench_default zaplat_defaults[] = {
	{ "policy", "all" },
	{ "root-zap", "4k,1g" },
	{ 0 },
};

const struct bench_scenario scenario_zaplat = {
	.name = "zaplat",
	.seed = "000",
	.what = "longest lateness of a SCHED_FIFO probe sharing the CPU with a "
		"zap of all roots, root zap 4k vs 1g",
	.guest = "progress",
	.dirty_log = true,
	.defaults = zaplat_defaults,
	.metrics = zaplat_metrics,
	.nmetrics = NMETRICS(zaplat_metrics),
	.check = zaplat__check,
	.prepare = zaplat__prepare,
	.probe_setup = zaplat__probe_setup,
	.collect = zaplat__collect,
};
