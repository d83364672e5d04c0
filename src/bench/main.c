// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench: one scenario over the cross product of VM shapes and zap
 * policies. Each run is a fresh VM in a child process that sends its
 * figures back over a pipe: vm__run() blocks and waits for SIGINT/SIGTERM
 * and SIGUSR2 on the thread that calls it, so two VMs in one process would
 * steal each other's signals, and a crash or a leak stays in its child.
 * Runs are interleaved run-major (run 1 of every cell, then run 2, ...) so
 * drift on a noisy host spreads over all cells alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libelf.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/benchstat.h"
#include "zapvm/builtin.h"
#include "zapvm/bzimage.h"
#include "zapvm/cmd.h"
#include "zapvm/guest_abi.h"
#include "zapvm/knob.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/pvh.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"
#include "zapvm/zapper.h"

#define MAX_VALUES 8
#define MAX_METRICS 16
#define MAX_FLOORS 6
#define MAX_RUNS 1000
#define MAX_JOBS 64
#define MAX_CELLS 4096
#define MAX_RESULT (1U << 20)
#define PAGE_4K 4096ULL
#define PAGE_2M (2ULL << 20)
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* ---- scenarios ---------------------------------------------------------- */

enum {
	M_TABLE = 1 << 0, /* a column of the terminal table */
	M_RATIO = 1 << 1, /* its policy ratio is printed on the terminal */
	M_PLOT = 1 << 2, /* a panel of --plot */
};

struct bench_metric {
	const char *name;
	const char *unit; /* "" for counts */
	const char *title; /* column heading */
	unsigned int flags;
};

/* The minimum a policy could reach, from the guest's parameters. */
struct bench_floor {
	const char *name;
	const char *metric; /* the metric it bounds */
	double v4k, v2m; /* with 4 KiB mappings; with 2 MiB (THP) mappings */
};

struct bench_cell {
	enum zap_policy policy;
	enum thp_mode thp;
	uint64_t mem;
	unsigned int cpus;
	int prefetch; /* -1: left alone, else 0/1 */
	int root_zap; /* -1: left alone, else 1 = 4k, 0 = 1g */
	char args[256];
	uint64_t guest_param; /* pages touched etc., for per-page metrics */
	uint64_t ctl_gpa; /* the progress guest's control block */
	struct bench_floor floors[MAX_FLOORS];
	unsigned int nfloors;
	bool floor_2m; /* the 2 MiB floor applies (THP on) */

	unsigned int nok, nfailed, ninterrupted;
	int first_error;
	enum zap_iface iface;
	double *values[MAX_METRICS]; /* [metric][successful run] */
	double ms_sum, vm_run_ms_sum, job_ms_sum; /* bench overhead */
	struct json_object *runs;
	struct bstat stat[MAX_METRICS];
};

struct bench_host {
	struct json_object *json; /* report__host() */
	char kernel[128];
	char mmu[32];
	struct mmu_info mmu_info;
	char thp_enabled[32]; /* the bracketed word, or "unknown" */
	bool slot_ok;
	bool knob_prefetch, knob_root_zap;
	struct knob prefetch, root_zap; /* set per cell group, restored */
};

struct bench_opts;

struct bench_scenario {
	const char *name;
	const char *seed; /* the reference patch it reproduces */
	const char *what;
	const char *guest; /* builtin guest */
	int probe; /* -1, or the enum zap_probe_kind of its VM hook */
	const struct bench_metric *metrics;
	unsigned int nmetrics;
	/* 0, or ZAPVM_EXIT_UNAVAILABLE after "not supported ..." in @why */
	int (*check)(const struct bench_host *h, const struct bench_opts *o,
		     char *why, size_t len);
	/* The guest's args and floors for @c (base = first free GPA). */
	void (*prepare)(struct bench_cell *c, uint64_t guest_base,
			const char *user_args);
	/* @zp: the VM hook's results, NULL without a probe. */
	void (*collect)(const struct bench_cell *c, const struct vm_result *res,
			const struct zap_probe *zp, double *v);
};

struct bench_opts {
	const struct bench_scenario *sc;
	enum zap_policy policy[MAX_VALUES];
	enum thp_mode thp[MAX_VALUES];
	uint64_t mem[MAX_VALUES];
	unsigned int cpus[MAX_VALUES];
	int prefetch[MAX_VALUES], root_zap[MAX_VALUES];
	unsigned int npolicy, nthp, nmem, ncpus, nprefetch, nroot_zap;
	bool policy_given;
	unsigned int runs, jobs;
	uint64_t timeout_s;
	unsigned int sample_us; /* vcpustall's VMM sampler; 0: none */
	bool sample_given;
	const char *args;
	const char *csv, *json, *plot;
	/* boot --kernel: a Linux guest instead of bootsim */
	const char *kernel, *initrd, *cmdline, *rom, *guest_log;
	enum linux_boot boot;
	bool until_poweroff; /* --until poweroff; else stop at boot-done */
};

/* Helpers on a run's phase log. */
static int phase_index(const struct vm_result *res, const char *name)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *p = phase_log__name(res->phases, i);

		if (p && !strcmp(p, name))
			return (int)i;
	}
	return -1;
}

static double phase_val(const struct vm_result *res, int phase,
			enum phase_scope scope, const char *stat)
{
	uint64_t v;

	if (phase < 0 ||
	    phase_log__value(res->phases, (unsigned int)phase, scope, stat, &v))
		return NAN;
	return (double)v;
}

static double sum_from(const struct vm_result *res, unsigned int from,
		       enum phase_scope scope, const char *stat)
{
	uint64_t v;

	if (!res->phases || phase_log__sum(res->phases, from, scope, stat, &v))
		return NAN;
	return (double)v;
}

/* An instant VM stat (pages_4k, ...) at the end of the run. */
static double vm_stat_at_end(const struct vm_result *res, const char *stat)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;

	return n ? phase_val(res, (int)n - 1, PHASE_VM, stat) : NAN;
}

/* The value of "key=N" in a zapvm,args string, or @def. */
static uint64_t arg_u64(const char *args, const char *key, uint64_t def)
{
	size_t klen = strlen(key);
	const char *p = args;
	uint64_t v;

	while (p && *p) {
		char word[64];
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len > klen && len < sizeof(word) && p[klen] == '=' &&
		    !strncmp(p, key, klen)) {
			memcpy(word, p + klen + 1, len - klen - 1);
			word[len - klen - 1] = '\0';
			if (!parse_size(word, &v))
				return v;
		}
		p += len;
	}
	return def;
}

static uint64_t div_up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

/* Distinct 2 MiB regions of a set of ranges, with a bitmap over RAM. */
struct regions {
	uint8_t *bits;
	uint64_t n, count;
};

static int regions__init(struct regions *r, uint64_t mem)
{
	r->n = div_up(mem, PAGE_2M);
	r->count = 0;
	r->bits = calloc(div_up(r->n, 8), 1);
	return r->bits ? 0 : -ENOMEM;
}

static void regions__add(struct regions *r, uint64_t gpa, uint64_t len)
{
	if (!len || !r->bits)
		return;
	for (uint64_t i = gpa / PAGE_2M; i <= (gpa + len - 1) / PAGE_2M; i++) {
		if (i >= r->n || (r->bits[i / 8] & (1U << (i % 8))))
			continue;
		r->bits[i / 8] |= 1U << (i % 8);
		r->count++;
	}
}

static void add_floor(struct bench_cell *c, const char *name,
		      const char *metric, double v4k, double v2m)
{
	if (c->nfloors < MAX_FLOORS)
		c->floors[c->nfloors++] =
			(struct bench_floor){ name, metric, v4k, v2m };
}

/* The size of bootsim's ROM 0 (its firmware), from its default ROMs. */
static uint64_t rom0_size(void)
{
	const struct builtin_guest *g = builtin__find("bootsim");
	struct rom_spec spec;
	char first[64];
	uint64_t size = 0;

	if (!g || !g->default_roms)
		return 0;
	snprintf(first, sizeof(first), "%.*s",
		 (int)strcspn(g->default_roms, ","), g->default_roms);
	if (!rom_spec__parse(first, &spec))
		size = spec.size;
	rom_spec__free(&spec);
	return size;
}

/*
 * boot: the frames bootsim touches, from its parameters (guests/bootsim):
 * all of ROM 0 (firmware), the kernel image and the page tables before
 * boot-done, ROM 1's first page at its home GPA and, with move=1, at the
 * two GPAs it is moved to; then the working set. The guest's own code,
 * stack, FDT and GDT pages (a few dozen) are left out, so each floor is a
 * lower bound. ROMs are small separate mappings: 4 KiB frames even with THP.
 */
static void boot__prepare(struct bench_cell *c, uint64_t base,
			  const char *user_args)
{
	const char *args = user_args ? user_args : "";
	uint64_t kernel = arg_u64(args, "kernel", 8 << 20);
	uint64_t move = arg_u64(args, "move", 1);
	uint64_t ws = arg_u64(args, "ws", 16384);
	uint64_t npt, npd, npdpt, pt_bytes, pt_gpa, ws_gpa, avail, stride;
	double rom, boot4k, boot2m, total2m;
	struct regions r;

	snprintf(c->args, sizeof(c->args), "%s", args);
	kernel = div_up(kernel, PAGE_4K) * PAGE_4K;
	npt = div_up(c->mem / PAGE_4K, 512);
	npd = div_up(npt, 512);
	npdpt = div_up(npd, 512);
	pt_bytes = (1 + npdpt + npd + npt) * PAGE_4K;
	pt_gpa = base + kernel;
	ws_gpa = pt_gpa + pt_bytes;
	if (ws_gpa >= c->mem)
		return; /* the guest will refuse: no floors */
	avail = (c->mem - ws_gpa) / PAGE_4K;
	ws = ws > avail ? avail : ws;
	stride = ws ? avail / ws * PAGE_4K : PAGE_4K;
	c->guest_param = ws;

	rom = (double)(rom0_size() / PAGE_4K) + 1 + (move ? 2 : 0);
	boot4k = rom + (double)((kernel + pt_bytes) / PAGE_4K);
	if (regions__init(&r, c->mem))
		return;
	regions__add(&r, base, kernel + pt_bytes);
	boot2m = rom + (double)r.count;
	for (uint64_t i = 0; i < ws; i++)
		regions__add(&r, ws_gpa + i * stride, 1);
	total2m = rom + (double)r.count;
	free(r.bits);
	add_floor(c, "boot", "faults_boot", boot4k, boot2m);
	add_floor(c, "total", "faults_total", boot4k + (double)ws, total2m);
	/* Frames first touched after the first ROM 1 unmap: 0 for the slot
	 * policy's ideal of no re-faults at all. */
	add_floor(c, "after_churn", "faults_after_churn",
		  (double)ws + (move ? 2 : 0),
		  total2m - boot2m + (move ? 2 : 0));
}

static void boot__collect(const struct bench_cell *c,
			  const struct vm_result *res,
			  const struct zap_probe *zp, double *v)
{
	int done = phase_index(res, "boot-done");

	v[0] = done < 0 ? NAN :
			  sum_from(res, 0, PHASE_VCPU, "pf_taken") -
				  sum_from(res, (unsigned int)done, PHASE_VCPU,
					   "pf_taken");
	v[1] = (double)report__faults(res, 0);
	v[2] = (double)report__faults(res, 1);
	v[3] = (double)res->memslot_changes;
	v[4] = res->memslot_update_ns / 1e6;
	v[5] = res->wall_ns / 1e6;
	v[6] = vm_stat_at_end(res, "pages_4k");
	v[7] = vm_stat_at_end(res, "pages_2m");
}

static const struct bench_metric boot_metrics[] = {
	{ "faults_boot", "", "boot faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_total", "", "total faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_after_churn", "", "after churn", M_TABLE | M_RATIO },
	{ "memslot_changes", "", "slot changes", 0 },
	{ "memslot_ms", "ms", "memslot ms", M_TABLE | M_RATIO },
	{ "wall_ms", "ms", "wall ms", M_TABLE | M_RATIO },
	{ "mapped_4k", "", "4K SPTEs at end", 0 },
	{ "mapped_2m", "", "2M SPTEs at end", 0 },
};

/*
 * boot --kernel: the floors are the frames a boot touches, which zapvm
 * cannot know for a real kernel; they are reported as unknown (NAN, "n/a"),
 * never estimated.
 */
static void linux_boot__prepare(struct bench_cell *c, uint64_t base,
				const char *user_args)
{
	c->args[0] = '\0';
	add_floor(c, "boot", "faults_boot", NAN, NAN);
	add_floor(c, "total", "faults_total", NAN, NAN);
}

/* Faults of phases [from, to) summed over the vCPUs. */
static double faults_between(const struct vm_result *res, unsigned int from,
			     unsigned int to)
{
	return sum_from(res, from, PHASE_VCPU, "pf_taken") -
	       sum_from(res, to, PHASE_VCPU, "pf_taken");
}

static double zapvm_between(const struct vm_result *res, unsigned int from,
			    unsigned int to, const char *stat)
{
	return sum_from(res, from, PHASE_ZAPVM, stat) -
	       sum_from(res, to, PHASE_ZAPVM, stat);
}

static void linux_boot__collect(const struct bench_cell *c,
				const struct vm_result *res,
				const struct zap_probe *zp, double *v)
{
	int done = phase_index(res, "boot-done");
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;
	unsigned int churn = res->first_churn_phase;

	if (done >= 0) {
		unsigned int d = (unsigned int)done;
		/* The first run-time memslot change, if before boot-done. */
		unsigned int ch = churn && churn < d ? churn : d;

		v[0] = faults_between(res, 0, d);
		v[1] = faults_between(res, 0, ch);
		v[2] = faults_between(res, ch, d);
		v[3] = faults_between(res, d, n);
		/* A change's counters land in the phase its mark ends. */
		v[6] = zapvm_between(res, 0, d, "memslot_changes");
		v[7] = zapvm_between(res, 0, d, "memslot_update_ns") / 1e6;
	}
	v[4] = (double)report__faults(res, 0);
	v[5] = (double)report__faults(res, 1);
	v[8] = (double)res->memslot_changes;
	v[9] = res->memslot_update_ns / 1e6;
	v[10] = res->boot_done_ns ? res->boot_done_ns / 1e6 : NAN;
	v[11] = res->wall_ns / 1e6;
	v[12] = vm_stat_at_end(res, "pages_4k");
	v[13] = vm_stat_at_end(res, "pages_2m");
}

static const struct bench_metric linux_boot_metrics[] = {
	{ "faults_boot", "", "boot faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_to_churn", "", "before churn", 0 },
	{ "faults_churn_to_boot", "", "churn to done", M_TABLE | M_RATIO },
	{ "faults_after_boot", "", "after done", 0 },
	{ "faults_total", "", "total faults", M_TABLE | M_RATIO },
	{ "faults_after_churn", "", "after churn", 0 },
	{ "memslot_changes_boot", "", "slot changes", M_TABLE },
	{ "memslot_ms_boot", "ms", "memslot ms", M_TABLE | M_RATIO },
	{ "memslot_changes", "", "all slot changes", 0 },
	{ "memslot_ms", "ms", "all memslot ms", 0 },
	{ "boot_ms", "ms", "boot ms", M_TABLE | M_RATIO | M_PLOT },
	{ "wall_ms", "ms", "wall ms", 0 },
	{ "mapped_4k", "", "4K SPTEs at end", 0 },
	{ "mapped_2m", "", "2M SPTEs at end", 0 },
};

/*
 * memslot: romtoggle with toggles=1 and stride 8 (one fault per touched
 * page even where the shadow MMU prefetches): the vCPUs touch every 8th
 * page of RAM, vCPU 0 deletes and re-adds the ROM slot, all touch again.
 */
static void memslot__prepare(struct bench_cell *c, uint64_t base,
			     const char *user_args)
{
	uint64_t pages, stride;
	struct regions r;

	if (user_args) {
		snprintf(c->args, sizeof(c->args), "%s", user_args);
	} else {
		pages = c->mem > base ? (c->mem - base) / (8 * PAGE_4K) : 0;
		snprintf(c->args, sizeof(c->args),
			 "pages=%llu stride=8 toggles=1",
			 (unsigned long long)pages);
	}
	pages = arg_u64(c->args, "pages", 4096);
	stride = arg_u64(c->args, "stride", 1) * PAGE_4K;
	c->guest_param = pages;
	if (regions__init(&r, c->mem))
		return;
	for (uint64_t i = 0; i < pages; i++)
		regions__add(&r, base + i * stride, 1);
	add_floor(c, "touch", "faults_touch", (double)pages, (double)r.count);
	add_floor(c, "retouch", "faults_retouch", 0, 0);
	free(r.bits);
}

static void memslot__collect(const struct bench_cell *c,
			     const struct vm_result *res,
			     const struct zap_probe *zp, double *v)
{
	int touch = phase_index(res, "touch");
	int unmap = phase_index(res, "rom0-unmap");
	int retouch = phase_index(res, "retouch");

	v[0] = phase_val(res, touch, PHASE_VCPU, "pf_taken");
	v[1] = touch < 0 ?
		       NAN :
		       phase_log__ns(res->phases, (unsigned int)touch) / 1e6;
	/* A change's time lands in the phase its mark ends. */
	v[2] = unmap < 1 ? NAN :
			   phase_val(res, unmap - 1, PHASE_ZAPVM,
				     "memslot_update_ns") /
				   1e6;
	v[3] = phase_val(res, unmap, PHASE_ZAPVM, "memslot_update_ns") / 1e6;
	v[4] = phase_val(res, retouch, PHASE_VCPU, "pf_taken");
	v[5] = retouch < 0 ?
		       NAN :
		       phase_log__ns(res->phases, (unsigned int)retouch) / 1e6;
	v[6] = (double)report__faults(res, 0);
	v[7] = res->wall_ns / 1e6;
}

static const struct bench_metric memslot_metrics[] = {
	{ "faults_touch", "", "touch faults", M_TABLE },
	{ "touch_ms", "ms", "touch ms", 0 },
	{ "delete_ms", "ms", "delete ms", M_TABLE | M_RATIO | M_PLOT },
	{ "readd_ms", "ms", "re-add ms", M_TABLE | M_RATIO },
	{ "faults_retouch", "", "re-faults", M_TABLE | M_RATIO | M_PLOT },
	{ "retouch_ms", "ms", "retouch ms", M_TABLE | M_RATIO },
	{ "faults_total", "", "total faults", 0 },
	{ "wall_ms", "ms", "wall ms", M_TABLE },
};

/* cow: vCPU 0 reads then writes pages=N pages (guests/cow). */
static void cow__prepare(struct bench_cell *c, uint64_t base,
			 const char *user_args)
{
	uint64_t pages;

	if (user_args) {
		snprintf(c->args, sizeof(c->args), "%s", user_args);
	} else {
		pages = (c->mem - base) / PAGE_4K / 2;
		snprintf(c->args, sizeof(c->args), "pages=%llu",
			 (unsigned long long)pages);
	}
	c->guest_param = arg_u64(c->args, "pages", 4096);
	/* One fault per written page is the ideal .change_pte() prefetch
	 * aims at: the read fault maps the zero page, the write is a COW. */
	add_floor(c, "write", "faults_write", (double)c->guest_param,
		  (double)c->guest_param);
}

static void cow__collect(const struct bench_cell *c,
			 const struct vm_result *res,
			 const struct zap_probe *zp, double *v)
{
	int read = phase_index(res, "read"), write = phase_index(res, "write");

	v[0] = phase_val(res, read, PHASE_VCPU, "pf_taken");
	v[1] = phase_val(res, write, PHASE_VCPU, "pf_taken");
	v[2] = c->guest_param ? v[1] / (double)c->guest_param : NAN;
	v[3] = phase_val(res, write, PHASE_VM, ZAPVM_STAT_CHANGE_PTE_PREFETCH);
	v[4] = res->wall_ns / 1e6;
}

static const struct bench_metric cow_metrics[] = {
	{ "faults_read", "", "read faults", M_TABLE },
	{ "faults_write", "", "write faults", M_TABLE | M_RATIO | M_PLOT },
	{ "faults_per_write", "per page", "faults/page", M_TABLE | M_RATIO },
	{ "prefetches", "", "prefetches", M_TABLE },
	{ "wall_ms", "ms", "wall ms", M_TABLE },
};

static int no_check(const struct bench_host *h, const struct bench_opts *o,
		    char *why, size_t len)
{
	return 0;
}

static int need_tdp(const struct bench_host *h, const char *scenario, char *why,
		    size_t len)
{
	if (h->mmu_info.tdp_mmu == 1)
		return 0;
	snprintf(why, len,
		 "%s: not supported on this host: it measures the TDP MMU, "
		 "and this host's MMU is %s (tdp_mmu %s)",
		 scenario, h->mmu, h->mmu_info.tdp_mmu < 0 ? "absent" : "N");
	return ZAPVM_EXIT_UNAVAILABLE;
}

static int cow__check(const struct bench_host *h, const struct bench_opts *o,
		      char *why, size_t len)
{
	int ret = need_tdp(h, "cow", why, len);

	if (ret)
		return ret;
	if (!h->knob_prefetch) {
		snprintf(why, len,
			 "cow: not supported on this host: prefetch on vs off "
			 "needs the zapvm kernel series' knob %s",
			 ZAPVM_KNOB_PREFETCH);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	return 0;
}

/*
 * zaplat and vcpustall: the progress guest (guests/progress) touches all
 * RAM after its control block, so that a zap of all roots has that much of
 * 4 KiB SPTEs to zap, then a VM hook (src/core/zapper.c) deletes and re-adds a
 * memslot of its own that no guest uses, which under the "all" policy
 * zaps every root, while it measures.
 */
static void progress__prepare(struct bench_cell *c, uint64_t base,
			      const char *user_args, bool idle)
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
	c->guest_param = arg_u64(c->args, "pages", avail);
	c->ctl_gpa = base;
}

/* zaplat: the guest is idle when the zap runs (idle=1), one zap a run. */
static void zaplat__prepare(struct bench_cell *c, uint64_t base,
			    const char *user_args)
{
	progress__prepare(c, base, user_args, true);
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

/* vcpustall: rounds=R (1) of touch, then zap while the vCPU counts. */
static void vcpustall__prepare(struct bench_cell *c, uint64_t base,
			       const char *user_args)
{
	progress__prepare(c, base, user_args, false);
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
 * zaplat measures the root zap's granularity (patch 3 of the series), so
 * it needs the TDP MMU, the knob, and a SCHED_FIFO probe.
 */
static int zaplat__check(const struct bench_host *h, const struct bench_opts *o,
			 char *why, size_t len)
{
	char fifo[256];
	int ret = need_tdp(h, "zaplat", why, len);

	if (ret)
		return ret;
	if (!h->knob_root_zap) {
		snprintf(why, len,
			 "zaplat: not supported on this host: root-zap 4k vs "
			 "1g needs the zapvm kernel series' knob %s",
			 ZAPVM_KNOB_ROOT_ZAP_4K);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (!zap_probe__fifo_ok(fifo, sizeof(fifo))) {
		snprintf(why, len, "zaplat: not supported on this host: %s",
			 fifo);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	return 0;
}

/*
 * vcpustall runs on any MMU: a zap of all roots makes the vCPUs of any MMU
 * wait for mmu_lock before they run again (the TDP MMU to allocate a new
 * root, the shadow MMU while the obsolete pages are zapped), and what is
 * measured is the vCPU's view of it. The MMU is in every report.
 */
static int vcpustall__check(const struct bench_host *h,
			    const struct bench_opts *o, char *why, size_t len)
{
	return 0;
}

#define METRICS(m) m, sizeof(m) / sizeof(m[0])

static const struct bench_scenario scenarios[] = {
	{ "boot", "004",
	  "faults from start to boot-done and after memslot churn, bootsim",
	  "bootsim", -1, METRICS(boot_metrics), no_check, boot__prepare,
	  boot__collect },
	{ "memslot", "001",
	  "time of a memslot delete and the re-faults after it, romtoggle",
	  "romtoggle", -1, METRICS(memslot_metrics), no_check, memslot__prepare,
	  memslot__collect },
	{ "cow", "003",
	  "faults per written page after a read, change_pte prefetch on/off",
	  "cow", -1, METRICS(cow_metrics), cow__check, cow__prepare,
	  cow__collect },
	{ "zaplat", "000",
	  "longest lateness of a SCHED_FIFO probe sharing the CPU with a "
	  "zap of all roots, root zap 4k vs 1g",
	  "progress", ZAP_PROBE_LATENCY, METRICS(zaplat_metrics), zaplat__check,
	  zaplat__prepare, zaplat__collect },
	{ "vcpustall", "002",
	  "longest time without vCPU progress while another thread zaps all "
	  "roots",
	  "progress", ZAP_PROBE_STALL, METRICS(vcpustall_metrics),
	  vcpustall__check, vcpustall__prepare, vcpustall__collect },
};

/* boot with --kernel: a Linux guest (src/boot/linux.c) instead of bootsim. */
static const struct bench_scenario linux_boot_scenario = {
	.name = "boot",
	.seed = "004",
	.what = "faults from start to boot-done and after memslot churn, a "
		"Linux kernel",
	.probe = -1,
	.metrics = linux_boot_metrics,
	.nmetrics = sizeof(linux_boot_metrics) / sizeof(linux_boot_metrics[0]),
	.check = no_check,
	.prepare = linux_boot__prepare,
	.collect = linux_boot__collect,
};

static const struct bench_scenario *scenario__find(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

/* ---- options ------------------------------------------------------------ */

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: zapvm bench SCENARIO [OPTIONS]\n"
		"  SCENARIO              boot, memslot, cow, zaplat or "
		"vcpustall\n"
		"  --policy LIST         zap policies (default all,slot)\n"
		"  --thp LIST            on, off, default (default off)\n"
		"  --mem LIST            guest RAM sizes (default 512M)\n"
		"  --cpus LIST           vCPU counts (default 1)\n"
		"  --prefetch LIST       on, off (zapvm kernel series)\n"
		"  --root-zap LIST       4k, 1g (zapvm kernel series)\n"
		"  --runs N              runs per cell (default 5)\n"
		"  --jobs N              runs at once (default 1)\n"
		"  --args 'K=V ...'      guest arguments instead of the "
		"scenario's\n"
		"  --timeout SECONDS     per run (default 600)\n"
		"  --sample-us N         vcpustall: the VMM samples the guest's "
		"counter\n"
		"                        every N us (default 100); 0: only the "
		"guest's\n"
		"                        own timing, no VMM wake-ups during the "
		"zap\n"
		"  --csv FILE, --json FILE, --plot FILE.svg\n"
		"boot with a Linux kernel instead of bootsim:\n"
		"  --kernel BZIMAGE      the kernel (a vmlinux with --boot pvh)\n"
		"  --initrd FILE, --cmdline STR, --boot 64|pvh|real-mode\n"
		"  --rom FILE            the option-ROM PCI device's ROM\n"
		"  --until boot-done|poweroff\n"
		"                        stop each run at the boot-done mark "
		"(default)\n"
		"                        or when the guest powers off\n"
		"  --guest-log DIR       keep every run's console log there\n"
		"  -v, -q                more (per-metric detail, overhead) / "
		"less output\n");
}

/* Split @arg at commas and parse each value with @parse into @out[i]. */
static int parse_list(const char *opt, const char *arg, const char *expect,
		      int (*parse)(const char *s, void *out, unsigned int i),
		      void *out, unsigned int *n)
{
	char *buf = strdup(arg), *save = NULL, *tok;
	int ret = 0;

	if (!buf)
		return ZAPVM_EXIT_SOFTWARE;
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_VALUES || parse(tok, out, *n)) {
			ret = ZAPVM_EXIT_USAGE;
			break;
		}
		(*n)++;
	}
	if (!ret && !*n)
		ret = ZAPVM_EXIT_USAGE;
	if (ret)
		log_err("--%s '%s': expected a comma-separated list of %s (at "
			"most %d)",
			opt, arg, expect, MAX_VALUES);
	free(buf);
	return ret;
}

static int parse_policy(const char *s, void *out, unsigned int i)
{
	return zap_policy__parse(s, &((enum zap_policy *)out)[i]);
}

static int parse_thp(const char *s, void *out, unsigned int i)
{
	if (!strcmp(s, "default")) {
		((enum thp_mode *)out)[i] = THP_DEFAULT;
		return 0;
	}
	return thp_mode__parse(s, &((enum thp_mode *)out)[i]);
}

static int parse_mem(const char *s, void *out, unsigned int i)
{
	uint64_t *v = &((uint64_t *)out)[i];

	return parse_size(s, v) || *v < (16ULL << 20) || (*v & 0xfffff) ||
			       *v > ZAPVM_BOOT_MAX_GIB << 30 ?
		       -EINVAL :
		       0;
}

static int parse_cpus(const char *s, void *out, unsigned int i)
{
	uint64_t v;

	if (parse_u64(s, &v) || !v || v > ZAPVM_MAX_CPUS)
		return -EINVAL;
	((unsigned int *)out)[i] = (unsigned int)v;
	return 0;
}

static int parse_onoff(const char *s, void *out, unsigned int i)
{
	bool on;
	int ret = parse_on_off(s, &on);

	((int *)out)[i] = ret ? -1 : on;
	return ret;
}

static int parse_root_zap(const char *s, void *out, unsigned int i)
{
	int *v = &((int *)out)[i];

	*v = !strcmp(s, "4k") ? 1 : !strcmp(s, "1g") ? 0 : -1;
	return *v < 0 ? -EINVAL : 0;
}

static int parse_count(const char *opt, const char *arg, unsigned int max,
		       unsigned int *out)
{
	uint64_t v;

	if (parse_u64(arg, &v) || !v || v > max) {
		log_err("--%s '%s': expected a number from 1 to %u", opt, arg,
			max);
		return ZAPVM_EXIT_USAGE;
	}
	*out = (unsigned int)v;
	return 0;
}

enum {
	OPT_POLICY = RUNOPT_NEXT,
	OPT_PREFETCH,
	OPT_ROOT_ZAP,
	OPT_RUNS,
	OPT_JOBS,
	OPT_TIMEOUT,
	OPT_CSV,
	OPT_JSON,
	OPT_PLOT,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_BOOT,
	OPT_ROM,
	OPT_UNTIL,
	OPT_GUEST_LOG,
	OPT_SAMPLE_US,
};

static int bench__parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		RUNOPTS_VM,
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "prefetch", required_argument, NULL, OPT_PREFETCH },
		{ "root-zap", required_argument, NULL, OPT_ROOT_ZAP },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "boot", required_argument, NULL, OPT_BOOT },
		{ "rom", required_argument, NULL, OPT_ROM },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "guest-log", required_argument, NULL, OPT_GUEST_LOG },
		{ "sample-us", required_argument, NULL, OPT_SAMPLE_US },
		{ 0 },
	};
	unsigned int secs = 0;
	bool boot_given = false, until_given = false;
	int c, ret = 0;

	o->policy[0] = ZAP_ALL;
	o->policy[1] = ZAP_SLOT;
	o->npolicy = 2;
	o->thp[0] = THP_OFF;
	o->nthp = 1;
	o->mem[0] = 512ULL << 20;
	o->nmem = 1;
	o->cpus[0] = 1;
	o->ncpus = 1;
	o->prefetch[0] = o->root_zap[0] = -1;
	o->nprefetch = o->nroot_zap = 1;
	o->runs = 5;
	o->jobs = 1;
	o->timeout_s = 600;
	o->sample_us = 100;

	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY:
			ret = parse_list("policy", optarg, "default, all, slot",
					 parse_policy, o->policy, &o->npolicy);
			o->policy_given = true;
			break;
		case RUNOPT_THP:
			ret = parse_list("thp", optarg, "on, off, default",
					 parse_thp, o->thp, &o->nthp);
			break;
		case RUNOPT_MEM:
			ret = parse_list("mem", optarg,
					 "MiB multiples of at least 16M such "
					 "as 512M or 2G",
					 parse_mem, o->mem, &o->nmem);
			break;
		case RUNOPT_CPUS:
			ret = parse_list("cpus", optarg, "vCPU counts, 1 to 32",
					 parse_cpus, o->cpus, &o->ncpus);
			break;
		case OPT_PREFETCH:
			ret = parse_list("prefetch", optarg, "on, off",
					 parse_onoff, o->prefetch,
					 &o->nprefetch);
			break;
		case OPT_ROOT_ZAP:
			ret = parse_list("root-zap", optarg, "4k, 1g",
					 parse_root_zap, o->root_zap,
					 &o->nroot_zap);
			break;
		case OPT_RUNS:
			ret = parse_count("runs", optarg, MAX_RUNS, &o->runs);
			break;
		case OPT_JOBS:
			ret = parse_count("jobs", optarg, MAX_JOBS, &o->jobs);
			break;
		case OPT_TIMEOUT:
			ret = parse_count("timeout", optarg, 86400, &secs);
			o->timeout_s = secs;
			break;
		case RUNOPT_ARGS:
			o->args = optarg;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_INITRD:
			o->initrd = optarg;
			break;
		case OPT_CMDLINE:
			o->cmdline = optarg;
			break;
		case OPT_BOOT:
			boot_given = true;
			if (linux_boot__parse(optarg, &o->boot)) {
				log_err("--boot '%s': expected 64, pvh or "
					"real-mode",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_ROM:
			o->rom = optarg;
			break;
		case OPT_UNTIL:
			until_given = true;
			if (!strcmp(optarg, "poweroff")) {
				o->until_poweroff = true;
			} else if (strcmp(optarg, "boot-done")) {
				log_err("--until '%s': expected boot-done or "
					"poweroff",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_GUEST_LOG:
			o->guest_log = optarg;
			break;
		case OPT_SAMPLE_US: {
			uint64_t v;

			if (parse_u64(optarg, &v) || v > 100000) {
				log_err("--sample-us '%s': expected a number "
					"from 0 to 100000",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
				break;
			}
			o->sample_us = (unsigned int)v;
			o->sample_given = true;
			break;
		}
		case 'h':
			bench_usage(stdout);
			return -1;
		default:
			if (!common_opt(c)) {
				bench_usage(stderr);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		}
	}
	if (ret)
		return ret;
	if (optind != argc - 1) {
		log_err("bench: expected exactly one SCENARIO (boot, memslot, "
			"cow, zaplat, vcpustall), got %d",
			argc - optind);
		return ZAPVM_EXIT_USAGE;
	}
	o->sc = scenario__find(argv[optind]);
	if (!o->sc) {
		log_err("bench: unknown scenario '%s' (boot, memslot, cow, "
			"zaplat, vcpustall)",
			argv[optind]);
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->kernel && (o->initrd || o->cmdline || boot_given || o->rom ||
			   until_given || o->guest_log)) {
		log_err("bench: --initrd, --cmdline, --boot, --rom, --until and "
			"--guest-log go with --kernel");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel && o->sc->collect != boot__collect) {
		log_err("bench %s: --kernel goes with the boot scenario only",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel && o->args) {
		log_err("bench boot: --args is for bootsim; give the kernel its "
			"--cmdline");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->sample_given && o->sc->collect != vcpustall__collect) {
		log_err("bench %s: --sample-us goes with vcpustall only",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel)
		o->sc = &linux_boot_scenario;
	/* cow compares prefetch on and off unless told otherwise. */
	if (o->sc->collect == cow__collect && o->prefetch[0] < 0) {
		o->prefetch[0] = 1;
		o->prefetch[1] = 0;
		o->nprefetch = 2;
	}
	/* The probes measure a zap of all roots: "slot" is only a control. */
	if (o->sc->probe >= 0 && !o->policy_given) {
		o->policy[0] = ZAP_ALL;
		o->npolicy = 1;
	}
	/* zaplat compares 4 KiB and 1 GiB root zaps unless told otherwise. */
	if (o->sc->collect == zaplat__collect && o->root_zap[0] < 0) {
		o->root_zap[0] = 1;
		o->root_zap[1] = 0;
		o->nroot_zap = 2;
	}
	return 0;
}

/* ---- the host ----------------------------------------------------------- */

static void read_thp_enabled(char *buf, size_t len)
{
	char line[128], *l, *r;
	FILE *f = fopen(THP_ENABLED, "re");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		l = strchr(line, '[');
		r = l ? strchr(l, ']') : NULL;
		if (l && r) {
			*r = '\0';
			snprintf(buf, len, "%s", l + 1);
		}
	}
	fclose(f);
}

static int bench__host(struct bench_host *h)
{
	struct json_object *z, *v;

	h->json = report__host();
	if (!h->json)
		return ZAPVM_EXIT_UNAVAILABLE;
	snprintf(h->kernel, sizeof(h->kernel), "%s",
		 json_object_get_string(
			 json_object_object_get(h->json, "kernel")));
	kvm__mmu_info(&h->mmu_info);
	snprintf(h->mmu, sizeof(h->mmu), "%s", kvm__mmu_name(h->mmu_info.kind));
	read_thp_enabled(h->thp_enabled, sizeof(h->thp_enabled));
	json_object_object_add(h->json, "thp_enabled",
			       json_object_new_string(h->thp_enabled));
	if (json_object_object_get_ex(h->json, "zap_interfaces", &z) &&
	    json_object_object_get_ex(z, "policy_slot", &v))
		h->slot_ok = json_object_get_boolean(v);
	knob__init(&h->prefetch, "--prefetch", ZAPVM_KNOB_PREFETCH);
	knob__init(&h->root_zap, "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
	h->knob_prefetch = knob__read(h->prefetch.path) >= 0;
	h->knob_root_zap = knob__read(h->root_zap.path) >= 0;
	json_object_object_add(
		h->json, "online_cpus",
		json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	return 0;
}

/* One line on stderr saying why, and 69, if the host cannot do @o. */
static int bench__check(const struct bench_host *h, const struct bench_opts *o)
{
	char why[512];
	int ret;

	/* The scenario's own reason first: it names what is missing. */
	ret = o->sc->check(h, o, why, sizeof(why));
	if (ret) {
		log_err("%s", why);
		return ret;
	}
	for (unsigned int i = 0; i < o->npolicy; i++) {
		if (o->policy[i] == ZAP_SLOT && !h->slot_ok) {
			log_err("--policy slot: not supported on this host: "
				"neither KVM_CAP_MEMSLOT_ZAP_CONTROL (zapvm "
				"series) nor KVM_X86_QUIRK_SLOT_ZAP_ALL (Linux "
				"6.12+)");
			return ZAPVM_EXIT_UNAVAILABLE;
		}
	}
	if (o->prefetch[0] >= 0 && !h->knob_prefetch) {
		log_err("--prefetch: not supported on this host: %s is missing "
			"(it needs the zapvm kernel series)",
			ZAPVM_KNOB_PREFETCH);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (o->root_zap[0] >= 0 && !h->knob_root_zap) {
		log_err("--root-zap: not supported on this host: %s is missing "
			"(it needs the zapvm kernel series)",
			ZAPVM_KNOB_ROOT_ZAP_4K);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	for (unsigned int i = 0; i < o->nthp; i++) {
		if (o->thp[i] == THP_ON && !strcmp(h->thp_enabled, "never"))
			log_warn("--thp on: %s is [never]: no huge pages will "
				 "back guest RAM",
				 THP_ENABLED);
	}
	return 0;
}

/* The first GPA after the guest's image, as the boot FDT tells it. */
static int guest_base(const struct builtin_guest *g, uint64_t *base)
{
	Elf *e;
	size_t n;
	uint64_t end = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_memory((char *)g->elf, g->size);
	if (!e)
		return -EINVAL;
	if (elf_getphdrnum(e, &n)) {
		elf_end(e);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_paddr + ph.p_memsz > end)
			end = ph.p_paddr + ph.p_memsz;
	}
	elf_end(e);
	*base = div_up(end, PAGE_4K) * PAGE_4K;
	return end ? 0 : -EINVAL;
}

/* ---- cells -------------------------------------------------------------- */

struct bench {
	struct bench_opts o;
	struct bench_host host;
	const struct builtin_guest *guest;
	struct bench_cell *cells;
	unsigned int ncells;
	unsigned int done, total; /* runs */
	bool interrupted;
	int first_error;
	uint64_t t0;
	double tiny_vm_ms; /* -v: create-to-destroy of a tiny guest */
	char cmdline[4096];
	char **argv; /* as given, before getopt_long() permuted it */
	int argc;
	char date[32];
	/* boot --kernel */
	enum linux_boot boot_mode; /* --boot, auto resolved */
	struct json_object *linux_env; /* in the environment record */
	char log_dir[4096]; /* the runs' console logs */
	bool keep_logs; /* --guest-log: all; else only failed runs' */
};

static int bench__cells(struct bench *b)
{
	const struct bench_opts *o = &b->o;
	unsigned int n = o->nprefetch * o->nroot_zap * o->nmem * o->ncpus *
			 o->nthp * o->npolicy;
	uint64_t base = 0;
	unsigned int k;

	if (b->guest && guest_base(b->guest, &base)) {
		log_err("bench: cannot read the builtin %s guest's image",
			b->guest->name);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (n > MAX_CELLS) {
		log_err("bench: %u cells; at most %d", n, MAX_CELLS);
		return ZAPVM_EXIT_USAGE;
	}
	b->cells = calloc(n, sizeof(*b->cells));
	if (!b->cells)
		return ZAPVM_EXIT_SOFTWARE;
	b->ncells = n;
	/* Policy innermost: the cells a ratio compares are neighbours. */
	for (k = 0; k < n; k++) {
		struct bench_cell *c = &b->cells[k];
		unsigned int x = k;

		c->policy = o->policy[x % o->npolicy];
		x /= o->npolicy;
		c->thp = o->thp[x % o->nthp];
		x /= o->nthp;
		c->cpus = o->cpus[x % o->ncpus];
		x /= o->ncpus;
		c->mem = o->mem[x % o->nmem];
		x /= o->nmem;
		c->root_zap = o->root_zap[x % o->nroot_zap];
		x /= o->nroot_zap;
		c->prefetch = o->prefetch[x];
	}
	for (k = 0; k < n; k++) {
		struct bench_cell *c = &b->cells[k];

		if (b->guest && c->mem < b->guest->min_mem) {
			log_err("--mem %lluM: the %s guest needs at least "
				"%lluM",
				(unsigned long long)(c->mem >> 20),
				b->guest->name, b->guest->min_mem >> 20);
			return ZAPVM_EXIT_USAGE;
		}
		c->floor_2m = c->thp == THP_ON ||
			      (c->thp == THP_DEFAULT &&
			       !strcmp(b->host.thp_enabled, "always"));
		o->sc->prepare(c, base, o->args);
		for (unsigned int i = 0; i < o->sc->nmetrics; i++) {
			c->values[i] = calloc(o->runs, sizeof(double));
			if (!c->values[i])
				return ZAPVM_EXIT_SOFTWARE;
		}
		c->runs = json_object_new_array();
		c->first_error = 0;
	}
	b->total = n * o->runs;
	return 0;
}

static const char *thp_name(enum thp_mode t)
{
	return t == THP_ON ? "on" : t == THP_OFF ? "off" : "default";
}

static const char *onoff(int v)
{
	return v < 0 ? "-" : v ? "on" : "off";
}

static const char *root_zap_name(int v)
{
	return v < 0 ? "-" : v ? "4k" : "1g";
}

static void cell__label(const struct bench_cell *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "policy=%s thp=%s mem=%lluM cpus=%u",
			 zap_policy__name(c->policy), thp_name(c->thp),
			 (unsigned long long)(c->mem >> 20), c->cpus);

	if (c->prefetch >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " prefetch=%s",
			      onoff(c->prefetch));
	if (c->root_zap >= 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " root-zap=%s",
			 root_zap_name(c->root_zap));
}

/* ---- one run, in a child ------------------------------------------------ */

static struct json_object *jnum(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

/*
 * boot --kernel: stop the VM at the boot-done mark. A thread beside the
 * vCPUs (struct vm_hook) polls for it; the faults counted between the mark
 * and the stop land after boot-done, so they never count as boot faults.
 */
static int boot_watch__hook(struct vm *vm, void *opaque)
{
	const struct timespec tick = { 0, 2 * 1000 * 1000 };

	while (!vm__stopping(vm)) {
		bool done, idle;

		vm__progress(vm, &done, &idle);
		if (done) {
			log_info("bench: boot-done: stopping the VM");
			vm__stop(vm, ZAPVM_EXIT_OK);
			break;
		}
		if (idle)
			break;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/*
 * A Linux guest's run: its console and zapvm's messages go to @log, stdin
 * is /dev/null (the console would read it, or put a terminal in raw mode).
 */
static int bench__linux_cfg(const struct bench_opts *o, const char *log,
			    struct vm_config *cfg)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || null < 0) {
		log_err("bench: console log %s: %s", log, strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	fflush(stdout);
	fflush(stderr);
	if (dup2(null, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		log_err("bench: console log %s: %s", log, strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	close(fd);
	close(null);
	cfg->kernel = o->kernel;
	cfg->guest_name = o->kernel;
	cfg->initrd = o->initrd;
	cfg->cmdline = o->cmdline;
	cfg->boot = o->boot;
	cfg->quiet_guest = false;
	/* Checked by the parent (linux__preflight). */
	if (o->rom) {
		if (rom_spec__parse(o->rom, &cfg->pci_rom))
			return ZAPVM_EXIT_USAGE;
		cfg->has_pci_rom = true;
	}
	return 0;
}

/* Never returns: runs @c once and writes a JSON result to @fd. */
static void __attribute__((noreturn))
bench__child(const struct bench *b, const struct bench_cell *c, int fd,
	     const char *log)
{
	struct vm_config cfg = { .mem_size = c->mem,
				 .ncpus = c->cpus,
				 .policy = c->policy,
				 .thp = c->thp,
				 .quiet_guest = true,
				 .timeout_ms = b->o.timeout_s * 1000 };
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	struct json_object *ph = json_object_new_array();
	struct zap_probe zp = { 0 };
	struct vm_hook hook = { zap_probe__hook, &zp };
	struct vm_hook watch = { boot_watch__hook, NULL };
	double v[MAX_METRICS];
	struct vm_result res;
	char spec[64];
	uint8_t *owned;
	uint64_t t0;
	const char *text;
	size_t len, off = 0;
	int ret;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (b->o.kernel) {
		ret = bench__linux_cfg(&b->o, log, &cfg);
		if (ret)
			_exit(ret);
		if (!b->o.until_poweroff)
			cfg.hook = &watch;
	} else {
		snprintf(spec, sizeof(spec), "builtin:%s", b->guest->name);
		cfg.args = c->args[0] ? c->args : NULL;
		ret = guest__resolve(spec, &cfg, &owned, true);
		if (ret)
			_exit(ret);
	}
	if (b->o.sc->probe >= 0) {
		zp.kind = (enum zap_probe_kind)b->o.sc->probe;
		zp.ctl_gpa = c->ctl_gpa;
		zp.rounds = (unsigned int)arg_u64(c->args, "rounds", 1);
		/* zaplat: a 1 ms period (200 us starved the zapper in an
		 * earlier experiment); vcpustall: --sample-us. */
		zp.period_ns = zp.kind == ZAP_PROBE_LATENCY ?
				       1000000 :
				       (uint64_t)b->o.sample_us * 1000;
		cfg.hook = &hook;
	}
	t0 = now_ns();
	vm__run(&cfg, &res);
	/* A boot that never got to boot-done has no boot figures. */
	if (b->o.kernel && !res.exit_code && !res.boot_done_ns) {
		log_err("bench: the guest stopped without a boot-done mark (no "
			"'Run /init as init process' on the console, no write "
			"to the boot-done port)");
		res.exit_code = ZAPVM_EXIT_TIMEOUT;
	} else if (b->o.kernel && res.exit_code == ZAPVM_EXIT_TIMEOUT) {
		if (res.boot_done_ns)
			log_err("bench: boot-done after %.3f ms, but no "
				"poweroff within --timeout %llu s",
				res.boot_done_ns / 1e6,
				(unsigned long long)b->o.timeout_s);
		else
			log_err("bench: no boot-done mark within --timeout "
				"%llu s",
				(unsigned long long)b->o.timeout_s);
	}
	json_object_object_add(o, "vm_run_ms",
			       json_object_new_double((now_ns() - t0) / 1e6));
	json_object_object_add(o, "exit", json_object_new_int(res.exit_code));
	json_object_object_add(o, "iface", json_object_new_int(res.iface));
	json_object_object_add(o, "wall_ms",
			       json_object_new_double(res.wall_ns / 1e6));
	json_object_object_add(o, "setup_ms",
			       json_object_new_double(res.setup_ns / 1e6));
	if (b->o.kernel)
		json_object_object_add(
			o, "boot_done_ms",
			res.boot_done_ns ?
				json_object_new_double(res.boot_done_ns / 1e6) :
				NULL);
	if (!res.exit_code) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			v[i] = NAN;
		b->o.sc->collect(c, &res, cfg.hook ? &zp : NULL, v);
		for (unsigned int i = 0; i < b->o.sc->nmetrics; i++)
			json_object_array_add(m, jnum(v[i]));
		for (unsigned int i = 0;
		     res.phases && i < phase_log__count(res.phases); i++) {
			struct json_object *p = json_object_new_object();

			json_object_object_add(
				p, "name",
				json_object_new_string(
					phase_log__name(res.phases, i)));
			json_object_object_add(
				p, "ms",
				json_object_new_double(
					phase_log__ns(res.phases, i) / 1e6));
			json_object_object_add(p, "faults",
					       jnum(phase_val(&res, (int)i,
							      PHASE_VCPU,
							      "pf_taken")));
			json_object_array_add(ph, p);
		}
	}
	json_object_object_add(o, "metrics", m);
	json_object_object_add(o, "phases", ph);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(ZAPVM_EXIT_IOERR);
		off += (size_t)w;
	}
	zap_probe__free(&zp);
	_exit(res.exit_code);
}

/* ---- the parent: jobs, progress, knobs ---------------------------------- */

static volatile sig_atomic_t bench_stop;

static void bench__on_signal(int sig)
{
	bench_stop = sig;
}

struct bench_job {
	pid_t pid;
	int fd;
	unsigned int cell, run;
	char *buf;
	size_t len, cap;
	uint64_t t0;
	char *log; /* boot --kernel: the run's console log */
};

/* Knobs are host-wide: the runner sets them between groups of cells. */
static int bench__set_knobs(struct bench_host *h, const struct bench_cell *c)
{
	int ret = 0;

	if (c->prefetch >= 0)
		ret = knob__set(&h->prefetch, c->prefetch);
	if (!ret && c->root_zap >= 0)
		ret = knob__set(&h->root_zap, c->root_zap);
	return ret;
}

static void bench__progress(const struct bench *b, unsigned int cell,
			    unsigned int run, bool end)
{
	double el, left;

	if (!isatty(STDERR_FILENO) || log_level < LOG_WARN)
		return;
	if (end) {
		fputs("\r\033[K", stderr);
		return;
	}
	el = (now_ns() - b->t0) / 1e9;
	left = b->done ? el / b->done * (b->total - b->done) : NAN;
	fprintf(stderr,
		"\r\033[Kbench %s: cell %u of %u, run %u of %u (%u/%u done), "
		"%.1f s elapsed",
		b->o.sc->name, cell + 1, b->ncells, run + 1, b->o.runs, b->done,
		b->total, el);
	if (isfinite(left))
		fprintf(stderr, ", about %.0f s left", ceil(left));
	fflush(stderr);
}

/* The console log of a Linux guest's run, named after its cell. */
static char *bench__log_path(const struct bench *b, unsigned int cell,
			     unsigned int run)
{
	const struct bench_cell *c = &b->cells[cell];
	char *path;

	if (asprintf(&path, "%s/cell%u-%s-thp_%s-%lluM-%ucpu-run%u.log",
		     b->log_dir, cell + 1, zap_policy__name(c->policy),
		     thp_name(c->thp), (unsigned long long)(c->mem >> 20),
		     c->cpus, run + 1) < 0)
		return NULL;
	return path;
}

static int bench__launch(struct bench *b, struct bench_job *j,
			 const struct bench_job *jobs, unsigned int njobs)
{
	int p[2];

	free(j->log);
	j->log = NULL;
	if (b->o.kernel) {
		j->log = bench__log_path(b, j->cell, j->run);
		if (!j->log)
			return ZAPVM_EXIT_SOFTWARE;
	}

	if (pipe2(p, O_CLOEXEC)) {
		log_err("bench: pipe: %s", strerror(errno));
		return ZAPVM_EXIT_SOFTWARE;
	}
	fflush(stdout);
	fflush(stderr);
	j->pid = fork();
	if (j->pid < 0) {
		log_err("bench: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (!j->pid) {
		close(p[0]);
		for (unsigned int i = 0; i < njobs; i++)
			if (jobs[i].pid > 0)
				close(jobs[i].fd);
		bench__child(b, &b->cells[j->cell], p[1], j->log);
	}
	close(p[1]);
	j->fd = p[0];
	j->len = 0;
	j->t0 = now_ns();
	return 0;
}

/*
 * Why a run failed, from its console log: the bench's own verdict if the
 * child logged one, else the first error zapvm logged; "" if none.
 */
static void log_first_error(const char *path, char *buf, size_t len)
{
	static const char tag[] = "zapvm: error: ", own[] = "bench: ";
	FILE *f = fopen(path, "re");
	char line[512];

	*buf = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *e = strstr(line, tag);

		if (!e)
			continue;
		e += sizeof(tag) - 1;
		e[strcspn(e, "\r\n")] = '\0';
		if (!strncmp(e, own, sizeof(own) - 1)) {
			snprintf(buf, len, "%s", e + sizeof(own) - 1);
			break;
		}
		if (!*buf)
			snprintf(buf, len, "%s", e);
	}
	fclose(f);
}

/*
 * boot --kernel: every failed run gets a line and a record, with the error
 * the child logged and where its console log is.
 */
static void bench__linux_failed(struct bench *b, struct bench_job *j,
				const char *label, int code)
{
	struct bench_cell *c = &b->cells[j->cell];
	struct json_object *r = json_object_new_object();
	char why[400];

	log_first_error(j->log, why, sizeof(why));
	if (!*why)
		snprintf(why, sizeof(why), "%s",
			 code == ZAPVM_EXIT_TIMEOUT ? "no boot-done mark" :
						      "see the console log");
	log_err("bench: %s run %u failed (exit status %d): %s; console log "
		"%s",
		label, j->run + 1, code, why, j->log);
	json_object_object_add(r, "run", json_object_new_int((int)j->run + 1));
	json_object_object_add(r, "ok", json_object_new_boolean(false));
	json_object_object_add(r, "exit", json_object_new_int(code));
	json_object_object_add(r, "error", json_object_new_string(why));
	json_object_object_add(r, "console_log",
			       json_object_new_string(j->log));
	json_object_array_add(c->runs, r);
}

/* Fold a finished job's result into its cell. */
static void bench__reap(struct bench *b, struct bench_job *j)
{
	struct bench_cell *c = &b->cells[j->cell];
	struct json_object *r = NULL, *m = NULL, *v;
	int status, code;
	char label[160];

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->pid = 0;
	if (j->buf && j->len < j->cap) {
		j->buf[j->len] = '\0';
		r = json_tokener_parse(j->buf);
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : ZAPVM_EXIT_INTERRUPTED;
	cell__label(c, label, sizeof(label));
	if (code == ZAPVM_EXIT_INTERRUPTED ||
	    (WIFSIGNALED(status) && bench_stop)) {
		c->ninterrupted++;
		json_object_put(r);
		if (j->log && !b->keep_logs)
			unlink(j->log);
		return;
	}
	if (!WIFEXITED(status)) {
		log_err("bench: %s run %u: killed by signal %d", label,
			j->run + 1, WTERMSIG(status));
		code = ZAPVM_EXIT_SOFTWARE;
	}
	if (!code && !(r && json_object_object_get_ex(r, "metrics", &m) &&
		       json_object_array_length(m) == b->o.sc->nmetrics)) {
		log_err("bench: %s run %u: no result from the child", label,
			j->run + 1);
		code = ZAPVM_EXIT_SOFTWARE;
	}
	b->done++;
	if (code) {
		if (j->log)
			bench__linux_failed(b, j, label, code);
		else if (!c->nfailed)
			log_err("bench: %s run %u failed with exit status %d",
				label, j->run + 1, code);
		c->nfailed++;
		if (!c->first_error)
			c->first_error = code;
		if (!b->first_error)
			b->first_error = code;
		json_object_put(r);
		return;
	}
	for (unsigned int i = 0; i < b->o.sc->nmetrics; i++) {
		v = json_object_array_get_idx(m, i);
		c->values[i][c->nok] = v ? json_object_get_double(v) : NAN;
	}
	c->iface = (enum zap_iface)json_object_get_int(
		json_object_object_get(r, "iface"));
	c->ms_sum += json_object_get_double(json_object_object_get(r, "wall_"
								      "ms"));
	c->vm_run_ms_sum +=
		json_object_get_double(json_object_object_get(r, "vm_run_ms"));
	c->job_ms_sum += (now_ns() - j->t0) / 1e6;
	c->nok++;
	json_object_object_add(r, "run", json_object_new_int((int)j->run + 1));
	if (j->log) {
		json_object_object_add(r, "ok", json_object_new_boolean(true));
		json_object_object_add(
			r, "console_log",
			b->keep_logs ? json_object_new_string(j->log) : NULL);
		if (!b->keep_logs)
			unlink(j->log);
	}
	json_object_object_del(r, "iface");
	json_object_object_add(
		r, "zap_interface",
		json_object_new_string(zap_iface__name(c->iface)));
	json_object_array_add(c->runs, r);
}

static int bench__read(struct bench_job *j)
{
	ssize_t n;

	if (j->cap - j->len < 4096) {
		size_t cap = j->cap ? j->cap * 2 : 16384;
		char *nb;

		if (cap > MAX_RESULT)
			return -EFBIG;
		nb = realloc(j->buf, cap);
		if (!nb)
			return -ENOMEM;
		j->buf = nb;
		j->cap = cap;
	}
	n = read(j->fd, j->buf + j->len, j->cap - j->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	j->len += (size_t)n;
	return n ? 1 : 0;
}

static int bench__run_all(struct bench *b)
{
	struct bench_job jobs[MAX_JOBS] = { 0 };
	struct pollfd pfd[MAX_JOBS];
	struct bench_job *pjob[MAX_JOBS];
	unsigned int nrun = 0, next = 0, order_n = b->total;
	struct bench_slot {
		unsigned int cell, run;
	} *order = calloc(order_n, sizeof(*order));
	unsigned int group_start = 0, cur_cell = 0, cur_run = 0;
	int knobs_of = -1, ret = 0;
	unsigned int per_group =
		b->o.nmem * b->o.ncpus * b->o.nthp * b->o.npolicy;
	bool killed = false, failed = false;

	if (!order)
		return ZAPVM_EXIT_SOFTWARE;
	/* Knob groups outermost; within a group, run-major. */
	for (unsigned int g = 0; g < b->ncells / per_group; g++)
		for (unsigned int r = 0; r < b->o.runs; r++)
			for (unsigned int c = 0; c < per_group; c++)
				order[group_start++] =
					(struct bench_slot){ g * per_group + c,
							     r };

	while (nrun || (next < order_n && !bench_stop && !failed)) {
		unsigned int np = 0;
		int pr;

		if (bench_stop && !killed) {
			b->interrupted = true;
			killed = true;
			for (unsigned int i = 0; i < b->o.jobs; i++)
				if (jobs[i].pid > 0)
					kill(jobs[i].pid, SIGTERM);
		}
		while (!bench_stop && !failed && next < order_n &&
		       nrun < b->o.jobs) {
			unsigned int cell = order[next].cell;
			unsigned int run = order[next].run;
			int group = (int)(cell / per_group);
			unsigned int slot = 0;

			/* Knobs are host-wide: change them only when idle. */
			if (group != knobs_of) {
				if (nrun)
					break;
				ret = bench__set_knobs(&b->host,
						       &b->cells[cell]);
				if (ret)
					break;
				knobs_of = group;
			}
			while (jobs[slot].pid > 0)
				slot++;
			jobs[slot].cell = cell;
			jobs[slot].run = run;
			ret = bench__launch(b, &jobs[slot], jobs, b->o.jobs);
			if (ret) {
				jobs[slot].pid = 0;
				break;
			}
			nrun++;
			next++;
			cur_cell = cell;
			cur_run = run;
		}
		/* After a failure, let what runs finish, start nothing. */
		failed = ret != 0;
		if (failed && !nrun)
			break;
		for (unsigned int i = 0; i < b->o.jobs; i++) {
			if (jobs[i].pid <= 0)
				continue;
			pfd[np] = (struct pollfd){ jobs[i].fd, POLLIN, 0 };
			pjob[np++] = &jobs[i];
		}
		bench__progress(b, cur_cell, cur_run, false);
		pr = poll(pfd, np, 250);
		if (pr < 0 && errno != EINTR) {
			log_err("bench: poll: %s", strerror(errno));
			ret = ZAPVM_EXIT_SOFTWARE;
			for (unsigned int i = 0; i < b->o.jobs; i++)
				if (jobs[i].pid > 0)
					kill(jobs[i].pid, SIGKILL);
			pr = 1;
			for (unsigned int k = 0; k < np; k++)
				pfd[k].revents = POLLHUP;
		}
		for (unsigned int k = 0; pr > 0 && k < np; k++) {
			struct bench_job *j = pjob[k];
			int r;

			if (!pfd[k].revents)
				continue;
			r = bench__read(j);
			if (r > 0)
				continue;
			if (r < 0)
				kill(j->pid, SIGKILL);
			bench__reap(b, j);
			nrun--;
		}
	}
	bench__progress(b, 0, 0, true);
	if (bench_stop)
		b->interrupted = true;
	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		free(jobs[i].buf);
		free(jobs[i].log);
	}
	free(order);
	/* Leave the host's knobs as we found them. */
	knob__restore(&b->host.prefetch);
	knob__restore(&b->host.root_zap);
	return ret;
}

/* -v: VM create-to-destroy of the smallest guest, in a child like a run. */
static void bench__tiny(struct bench *b)
{
	struct vm_config cfg = { .mem_size = 4ULL << 20,
				 .ncpus = 1,
				 .quiet_guest = true };
	struct vm_result res;
	uint8_t *owned;
	uint64_t t0;

	if (guest__resolve("builtin:exit", &cfg, &owned, true))
		return;
	t0 = now_ns();
	vm__run(&cfg, &res);
	if (!res.exit_code)
		b->tiny_vm_ms = (now_ns() - t0) / 1e6;
	vm_result__free(&res);
	runopts__free(&cfg);
}

/* ---- results ------------------------------------------------------------ */

static void bench__summarise(struct bench *b)
{
	for (unsigned int k = 0; k < b->ncells; k++) {
		struct bench_cell *c = &b->cells[k];

		for (unsigned int i = 0; i < b->o.sc->nmetrics; i++) {
			double *x = c->values[i];
			unsigned int n = 0;

			/* Drop the runs where a stat was missing (NAN). */
			for (unsigned int r = 0; r < c->nok; r++)
				if (isfinite(c->values[i][r]))
					x[n++] = c->values[i][r];
			benchstat__summary(x, n, &c->stat[i]);
		}
	}
}

static const struct bench_floor *cell__floor(const struct bench_cell *c,
					     const char *metric)
{
	for (unsigned int i = 0; i < c->nfloors; i++)
		if (!strcmp(c->floors[i].metric, metric))
			return &c->floors[i];
	return NULL;
}

static double floor__value(const struct bench_cell *c,
			   const struct bench_floor *f)
{
	return c->floor_2m ? f->v2m : f->v4k;
}

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputc(',', f);
}

/* The cell's shape (everything but the policy) as JSON members. */
static void json_cell_shape(struct json_object *x, const struct bench_cell *c)
{
	json_object_object_add(x, "thp",
			       json_object_new_string(thp_name(c->thp)));
	json_object_object_add(x, "mem", json_object_new_uint64(c->mem));
	json_object_object_add(x, "cpus", json_object_new_int((int)c->cpus));
	json_object_object_add(
		x, "prefetch",
		c->prefetch < 0 ? NULL : json_object_new_boolean(c->prefetch));
	json_object_object_add(
		x, "root_zap",
		c->root_zap < 0 ?
			NULL :
			json_object_new_string(root_zap_name(c->root_zap)));
}

/*
 * bench__pairs - call @fn for every metric of every pair of policies of
 * every cell shape: the later-listed policy over the earlier one.
 */
typedef void (*pair_fn)(const struct bench *b, const struct bench_cell *num,
			const struct bench_cell *den, unsigned int metric,
			const struct bratio *r, void *ctx);

static void bench__pairs(const struct bench *b, pair_fn fn, void *ctx)
{
	unsigned int per = b->o.npolicy;

	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *den = &b->cells[k];

		for (unsigned int j = k % per + 1; j < per; j++) {
			const struct bench_cell *num =
				&b->cells[k - k % per + j];

			for (unsigned int m = 0; m < b->o.sc->nmetrics; m++) {
				struct bratio r;

				benchstat__ratio(&num->stat[m], &den->stat[m],
						 &r);
				fn(b, num, den, m, &r, ctx);
			}
		}
	}
}

static void print_ratio(const struct bench *b, const struct bench_cell *num,
			const struct bench_cell *den, unsigned int m,
			const struct bratio *r, void *ctx)
{
	const struct bench_metric *bm = &b->o.sc->metrics[m];
	FILE *f = ctx;
	char shape[64];

	if (!(bm->flags & M_RATIO))
		return;
	snprintf(shape, sizeof(shape), "%lluM %u %s",
		 (unsigned long long)(num->mem >> 20), num->cpus,
		 thp_name(num->thp));
	fprintf(f, "  %-14s %s/%s %-18s ", shape, zap_policy__name(num->policy),
		zap_policy__name(den->policy), bm->name);
	if (isnan(r->ratio))
		fprintf(f, "-\n");
	else if (isnan(r->lo))
		fprintf(f, "%.4f (no interval: one run)\n", r->ratio);
	else if (!r->bounded)
		fprintf(f, "%.4f (unbounded interval)\n", r->ratio);
	else
		fprintf(f, "%.4f [%.4f, %.4f]  reduction %.1f%% [%.1f, %.1f]\n",
			r->ratio, r->lo, r->hi, 100 * (1 - r->ratio),
			100 * (1 - r->hi), 100 * (1 - r->lo));
}

static void csv_ratio(const struct bench *b, const struct bench_cell *num,
		      const struct bench_cell *den, unsigned int m,
		      const struct bratio *r, void *ctx)
{
	FILE *f = ctx;

	fprintf(f, "ratio,%s,%s/%s,%s,%llu,%u,%s,%s,,%s,", b->o.sc->name,
		zap_policy__name(num->policy), zap_policy__name(den->policy),
		thp_name(num->thp), (unsigned long long)(num->mem >> 20),
		num->cpus, onoff(num->prefetch), root_zap_name(num->root_zap),
		b->o.sc->metrics[m].name);
	csv_num(f, r->ratio);
	fputs(",,,", f);
	csv_num(f, r->lo);
	csv_num(f, r->hi);
	fputs(",\n", f);
}

static void json_ratio(const struct bench *b, const struct bench_cell *num,
		       const struct bench_cell *den, unsigned int m,
		       const struct bratio *r, void *ctx)
{
	struct json_object *x = json_object_new_object();
	struct json_object *ci = json_object_new_array();
	struct json_object *rci = json_object_new_array();

	json_cell_shape(x, num);
	json_object_object_add(
		x, "numerator",
		json_object_new_string(zap_policy__name(num->policy)));
	json_object_object_add(
		x, "denominator",
		json_object_new_string(zap_policy__name(den->policy)));
	json_object_object_add(
		x, "metric", json_object_new_string(b->o.sc->metrics[m].name));
	json_object_object_add(x, "ratio", jnum(r->ratio));
	json_object_array_add(ci, jnum(r->lo));
	json_object_array_add(ci, jnum(r->hi));
	json_object_object_add(x, "ci95", ci);
	json_object_object_add(x, "bounded",
			       json_object_new_boolean(r->bounded));
	json_object_object_add(x, "df", jnum(r->df));
	json_object_object_add(x, "reduction_pct", jnum(100 * (1 - r->ratio)));
	json_object_array_add(rci, jnum(100 * (1 - r->hi)));
	json_object_array_add(rci, jnum(100 * (1 - r->lo)));
	json_object_object_add(x, "reduction_pct_ci95", rci);
	json_object_array_add(ctx, x);
}

static void fmt_stat(char *buf, size_t len, const struct bstat *s,
		     const char *unit)
{
	if (!s->n)
		snprintf(buf, len, "-");
	else if (*unit && isfinite(s->sd))
		snprintf(buf, len, "%.3f ±%.3f", s->mean, s->sd);
	else if (*unit)
		snprintf(buf, len, "%.3f", s->mean);
	else if (isfinite(s->sd))
		snprintf(buf, len, "%.0f ±%.0f", s->mean, s->sd);
	else
		snprintf(buf, len, "%.0f", s->mean);
}

/* Column width of a UTF-8 string ("±" is two bytes, one column). */
static int cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void pad(FILE *f, const char *s, int width)
{
	fputs(s, f);
	for (int n = cols(s); n < width; n++)
		fputc(' ', f);
}

/* The guest in one phrase, for the headers. */
static void bench__guest_desc(const struct bench *b, char *buf, size_t len)
{
	const char *name;

	if (b->guest) {
		snprintf(buf, len, "builtin:%s", b->guest->name);
		return;
	}
	name = strrchr(b->o.kernel, '/');
	snprintf(buf, len, "Linux kernel %s, --boot %s",
		 name ? name + 1 : b->o.kernel, linux_boot__name(b->boot_mode));
}

static void env_file(FILE *f, const char *what, struct json_object *rec)
{
	struct json_object *v;

	if (!rec) {
		fprintf(f, "%s none", what);
		return;
	}
	if (json_object_object_get_ex(rec, "pattern_len", &v)) {
		fprintf(f, "%s pattern:%s", what, json_object_get_string(v));
		return;
	}
	fprintf(f, "%s %s (%s bytes, mtime %s, sha256 %s)", what,
		json_object_get_string(json_object_object_get(rec, "path")),
		json_object_get_string(json_object_object_get(rec, "size")),
		json_object_get_string(json_object_object_get(rec, "mtime")),
		json_object_get_string(json_object_object_get(rec, "sha256")) ?:
			"n/a");
}

/* boot --kernel: the inputs of the environment record, as text lines. */
static void bench__linux_env(const struct bench *b, FILE *f, const char *pfx)
{
	struct json_object *e = b->linux_env;

	if (!e)
		return;
	fprintf(f, "%s", pfx);
	env_file(f, "kernel:", json_object_object_get(e, "kernel"));
	fprintf(f, "\n%s", pfx);
	env_file(f, "initrd:", json_object_object_get(e, "initrd"));
	fprintf(f, "\n%s", pfx);
	env_file(f, "option ROM:", json_object_object_get(e, "option_rom"));
	fprintf(f,
		"\n%scmdline: '%s'%s; boot: %s; until: %s; console logs: "
		"%s (%s)\n",
		pfx,
		json_object_get_string(json_object_object_get(e, "cmdline")),
		b->o.cmdline ? "" : " (default)",
		linux_boot__name(b->boot_mode),
		b->o.until_poweroff ? "poweroff" : "boot-done", b->log_dir,
		b->keep_logs ? "all kept" : "failed runs' kept");
	fprintf(f,
		"%sfloors: n/a (the frames a real kernel touches are not "
		"known)\n",
		pfx);
}

static void bench__print(const struct bench *b, FILE *f)
{
	const struct bench_scenario *sc = b->o.sc;
	bool knobs = b->o.prefetch[0] >= 0 || b->o.root_zap[0] >= 0;
	unsigned int per = b->o.npolicy;
	char buf[96];

	char guest[512];

	bench__guest_desc(b, guest, sizeof(guest));
	fprintf(f, "zapvm bench %s (seed %s): %s, %u run(s) per cell%s\n",
		sc->name, sc->seed, guest, b->o.runs,
		b->interrupted ? ", INTERRUPTED: finished runs only" : "");
	fprintf(f, "host %s, MMU %s (tdp_mmu %s), THP %s, zapvm %s\n",
		b->host.kernel, b->host.mmu,
		b->host.mmu_info.tdp_mmu < 0 ? "absent" :
		b->host.mmu_info.tdp_mmu     ? "Y" :
					       "N",
		b->host.thp_enabled, ZAPVM_VERSION);
	bench__linux_env(b, f, "");
	fprintf(f, "faults are %s (vCPU stat pf_taken); mean ±sd\n",
		report__fault_kind(b->host.mmu));
	if (b->o.kernel)
		fprintf(f,
			"boot faults: start to the boot-done mark; churn to "
			"done: from the first run-time memslot change to it; "
			"slot changes and memslot ms: before it; each run %s\n",
			b->o.until_poweroff ?
				"ran until the guest powered off" :
				"was stopped at boot-done");
	fputc('\n', f);

	fprintf(f, "%-6s %-4s %-5s %-6s ", "mem", "cpus", "thp", "policy");
	if (knobs)
		fprintf(f, "%-8s %-8s ", "prefetch", "root-zap");
	for (unsigned int i = 0; i < sc->nmetrics; i++)
		if (sc->metrics[i].flags & M_TABLE)
			fprintf(f, "%-16s ", sc->metrics[i].title);
	fprintf(f, "%s\n", b->cells[0].nfloors ? "floors" : "");
	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];

		snprintf(buf, sizeof(buf), "%lluM",
			 (unsigned long long)(c->mem >> 20));
		fprintf(f, "%-6s %-4u %-5s %-6s ", buf, c->cpus,
			thp_name(c->thp), zap_policy__name(c->policy));
		if (knobs)
			fprintf(f, "%-8s %-8s ", onoff(c->prefetch),
				root_zap_name(c->root_zap));
		for (unsigned int i = 0; i < sc->nmetrics; i++) {
			if (!(sc->metrics[i].flags & M_TABLE))
				continue;
			fmt_stat(buf, sizeof(buf), &c->stat[i],
				 sc->metrics[i].unit);
			pad(f, buf, 16);
			fputc(' ', f);
		}
		for (unsigned int i = 0; i < c->nfloors; i++) {
			double fv = floor__value(c, &c->floors[i]);

			fprintf(f, "%s%s ", i ? ", " : "", c->floors[i].name);
			fprintf(f, isfinite(fv) ? "%.0f" : "n/a", fv);
		}
		if (c->nfloors && b->o.kernel)
			fprintf(f, " (not known for a real kernel)");
		else if (c->nfloors)
			fprintf(f, " (%s)", c->floor_2m ? "2M" : "4K");
		if (c->nfailed || c->ninterrupted)
			fprintf(f, "  [%u failed, %u interrupted]", c->nfailed,
				c->ninterrupted);
		fputc('\n', f);
	}

	if (per > 1) {
		fprintf(f, "\nratios of means with 95%% intervals (Fieller; "
			   "reduction = 1 - ratio)\n");
		bench__pairs(b, print_ratio, f);
	}
	if (log_level < LOG_INFO)
		return;
	fprintf(f, "\nevery metric: n mean sd min max [95%% CI of the mean]\n");
	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];
		char label[160];

		cell__label(c, label, sizeof(label));
		fprintf(f, "%s (%s), args '%s'\n", label,
			zap_iface__name(c->iface), c->args);
		for (unsigned int i = 0; i < sc->nmetrics; i++) {
			const struct bstat *s = &c->stat[i];
			const struct bench_floor *fl =
				cell__floor(c, sc->metrics[i].name);

			fprintf(f,
				"  %-20s %3u %12.3f %10.3f %12.3f %12.3f "
				"[%.3f, %.3f]",
				sc->metrics[i].name, s->n, s->mean, s->sd,
				s->min, s->max, s->ci_lo, s->ci_hi);
			if (fl && isfinite(floor__value(c, fl)))
				fprintf(f, "  floor %.0f, excess %.0f",
					floor__value(c, fl),
					s->mean - floor__value(c, fl));
			else if (fl)
				fprintf(f, "  floor n/a");
			fputc('\n', f);
		}
		if (c->nok && c->job_ms_sum > 0)
			fprintf(f,
				"  overhead: guest ran %.1f ms of %.1f ms per "
				"run (VM create-to-destroy %.1f ms); zapvm's "
				"own work %.1f%%\n",
				c->ms_sum / c->nok, c->job_ms_sum / c->nok,
				c->vm_run_ms_sum / c->nok,
				100 * (1 - c->ms_sum / c->job_ms_sum));
	}
	if (b->tiny_vm_ms > 0)
		fprintf(f,
			"bench overhead: VM create-to-destroy of a tiny guest "
			"(builtin:exit, 4 MiB, 1 vCPU): %.2f ms\n",
			b->tiny_vm_ms);
}

/* ---- CSV, JSON, plot ---------------------------------------------------- */

/* Write beside @path and rename, so no half-written file is left. */
static FILE *out__open(const char *opt, const char *path, char *tmp, size_t len)
{
	FILE *f;

	if (snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid()) >= (int)len) {
		log_err("--%s %s: path too long", opt, path);
		return NULL;
	}
	f = fopen(tmp, "we");
	if (!f)
		log_err("--%s %s: %s", opt, path, strerror(errno));
	return f;
}

static int out__close(const char *opt, const char *path, const char *tmp,
		      FILE *f)
{
	bool bad = ferror(f);

	if (fclose(f) || bad) {
		log_err("--%s %s: write failed: %s", opt, path,
			strerror(errno));
		unlink(tmp);
		return ZAPVM_EXIT_IOERR;
	}
	if (rename(tmp, path)) {
		log_err("--%s %s: %s", opt, path, strerror(errno));
		unlink(tmp);
		return ZAPVM_EXIT_IOERR;
	}
	return 0;
}

/* boot --kernel: a comment line per failed run, with why. */
static void bench__csv_failed(const struct bench *b, FILE *f)
{
	for (unsigned int k = 0; b->o.kernel && k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];
		char label[160];

		cell__label(c, label, sizeof(label));
		for (size_t i = 0; i < json_object_array_length(c->runs); i++) {
			struct json_object *r =
				json_object_array_get_idx(c->runs, i);
			struct json_object *ok;

			if (!json_object_object_get_ex(r, "ok", &ok) ||
			    json_object_get_boolean(ok))
				continue;
			fprintf(f,
				"# failed run: %s run %d: exit status %d: %s; "
				"console log %s\n",
				label,
				json_object_get_int(
					json_object_object_get(r, "run")),
				json_object_get_int(
					json_object_object_get(r, "exit")),
				json_object_get_string(
					json_object_object_get(r, "error")),
				json_object_get_string(json_object_object_get(
					r, "console_log")));
		}
	}
}

static int bench__csv(const struct bench *b, const char *path)
{
	const struct bench_scenario *sc = b->o.sc;
	char tmp[4096];
	FILE *f = out__open("csv", path, tmp, sizeof(tmp));

	if (!f)
		return ZAPVM_EXIT_IOERR;
	char guest[512];

	bench__guest_desc(b, guest, sizeof(guest));
	fprintf(f, "# zapvm %s bench %s (seed %s), %s\n", ZAPVM_VERSION,
		sc->name, sc->seed, guest);
	fprintf(f, "# command: %s\n", b->cmdline);
	fprintf(f, "# date: %s\n", b->date);
	fprintf(f,
		"# host_kernel: %s; mmu: %s; tdp_mmu: %s; thp_enabled: %s; "
		"slot_zap: %s\n",
		b->host.kernel, b->host.mmu,
		b->host.mmu_info.tdp_mmu < 0 ? "absent" :
		b->host.mmu_info.tdp_mmu     ? "Y" :
					       "N",
		b->host.thp_enabled, b->host.slot_ok ? "yes" : "no");
	bench__linux_env(b, f, "# ");
	bench__csv_failed(b, f);
	if (b->interrupted)
		fprintf(f, "# interrupted: finished runs only\n");
	fprintf(f, "kind,scenario,policy,thp,mem_mib,cpus,prefetch,root_zap,"
		   "zap_interface,metric,n,mean,sd,min,max,ci95_lo,ci95_hi,"
		   "floor\n");
	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];

		for (unsigned int i = 0; i < sc->nmetrics; i++) {
			const struct bstat *s = &c->stat[i];
			const struct bench_floor *fl =
				cell__floor(c, sc->metrics[i].name);

			fprintf(f, "cell,%s,%s,%s,%llu,%u,%s,%s,%s,%s,%u",
				sc->name, zap_policy__name(c->policy),
				thp_name(c->thp),
				(unsigned long long)(c->mem >> 20), c->cpus,
				onoff(c->prefetch), root_zap_name(c->root_zap),
				zap_iface__name(c->iface), sc->metrics[i].name,
				s->n);
			csv_num(f, s->mean);
			csv_num(f, s->sd);
			csv_num(f, s->min);
			csv_num(f, s->max);
			csv_num(f, s->ci_lo);
			csv_num(f, s->ci_hi);
			csv_num(f, fl ? floor__value(c, fl) : NAN);
			fputc('\n', f);
		}
	}
	bench__pairs(b, csv_ratio, f);
	return out__close("csv", path, tmp, f);
}

static struct json_object *jstat(const struct bstat *s, const char *unit)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ci = json_object_new_array();

	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "n", json_object_new_int((int)s->n));
	json_object_object_add(o, "mean", jnum(s->mean));
	json_object_object_add(o, "sd", jnum(s->sd));
	json_object_object_add(o, "min", jnum(s->min));
	json_object_object_add(o, "max", jnum(s->max));
	json_object_array_add(ci, jnum(s->ci_lo));
	json_object_array_add(ci, jnum(s->ci_hi));
	json_object_object_add(o, "ci95", ci);
	return o;
}

static struct json_object *bench__json(const struct bench *b)
{
	const struct bench_scenario *sc = b->o.sc;
	struct json_object *o = json_object_new_object();
	struct json_object *cells = json_object_new_array();
	struct json_object *ratios = json_object_new_array();
	struct json_object *av = json_object_new_array();

	json_object_object_add(o, "zapvm",
			       json_object_new_string(ZAPVM_VERSION));
	json_object_object_add(o, "command",
			       json_object_new_string(b->cmdline));
	json_object_array_add(av, json_object_new_string("zapvm"));
	for (int i = 0; b->argv && i < b->argc; i++)
		json_object_array_add(av, json_object_new_string(b->argv[i]));
	json_object_object_add(o, "argv", av);
	json_object_object_add(o, "date", json_object_new_string(b->date));
	json_object_object_add(o, "environment", json_object_get(b->host.json));
	json_object_object_add(o, "scenario", json_object_new_string(sc->name));
	json_object_object_add(o, "seed", json_object_new_string(sc->seed));
	json_object_object_add(o, "description",
			       json_object_new_string(sc->what));
	json_object_object_add(
		o, "guest",
		json_object_new_string(b->guest ? b->guest->name : "linux"));
	json_object_object_add(o, "runs_per_cell",
			       json_object_new_int((int)b->o.runs));
	json_object_object_add(o, "jobs", json_object_new_int((int)b->o.jobs));
	json_object_object_add(o, "interrupted",
			       json_object_new_boolean(b->interrupted));
	json_object_object_add(
		o, "statistics",
		json_object_new_string(
			"mean, sample sd, min, max; ci95: Student's t interval "
			"of the mean; ratios: Fieller's 95% interval for "
			"independent samples, t at Welch-Satterthwaite df"));
	if (b->tiny_vm_ms > 0)
		json_object_object_add(o, "tiny_vm_ms", jnum(b->tiny_vm_ms));

	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];
		struct json_object *jc = json_object_new_object();
		struct json_object *jm = json_object_new_object();
		struct json_object *jf = json_object_new_object();

		json_object_object_add(
			jc, "policy",
			json_object_new_string(zap_policy__name(c->policy)));
		json_object_object_add(
			jc, "thp", json_object_new_string(thp_name(c->thp)));
		json_object_object_add(jc, "mem",
				       json_object_new_uint64(c->mem));
		json_object_object_add(jc, "cpus",
				       json_object_new_int((int)c->cpus));
		json_object_object_add(
			jc, "prefetch",
			c->prefetch < 0 ? NULL :
					  json_object_new_boolean(c->prefetch));
		json_object_object_add(
			jc, "root_zap",
			c->root_zap < 0 ? NULL :
					  json_object_new_string(
						  root_zap_name(c->root_zap)));
		json_object_object_add(jc, "args",
				       json_object_new_string(c->args));
		json_object_object_add(
			jc, "zap_interface",
			json_object_new_string(zap_iface__name(c->iface)));
		json_object_object_add(jc, "runs_ok",
				       json_object_new_int((int)c->nok));
		json_object_object_add(jc, "runs_failed",
				       json_object_new_int((int)c->nfailed));
		json_object_object_add(
			jc, "runs_interrupted",
			json_object_new_int((int)c->ninterrupted));
		for (unsigned int i = 0; i < sc->nmetrics; i++) {
			struct json_object *js =
				jstat(&c->stat[i], sc->metrics[i].unit);
			struct json_object *vals = json_object_new_array();
			const struct bench_floor *fl =
				cell__floor(c, sc->metrics[i].name);

			for (unsigned int r = 0; r < c->stat[i].n; r++)
				json_object_array_add(vals,
						      jnum(c->values[i][r]));
			json_object_object_add(js, "values", vals);
			if (fl) {
				double v = floor__value(c, fl);

				json_object_object_add(js, "floor", jnum(v));
				json_object_object_add(
					js, "excess_over_floor",
					jnum(c->stat[i].mean - v));
			}
			json_object_object_add(jm, sc->metrics[i].name, js);
		}
		json_object_object_add(jc, "metrics", jm);
		for (unsigned int i = 0; i < c->nfloors; i++) {
			struct json_object *x = json_object_new_object();

			if (b->o.kernel)
				json_object_object_add(
					x, "note",
					json_object_new_string(
						"n/a: the frames a real kernel "
						"touches are not known"));
			json_object_object_add(
				x, "metric",
				json_object_new_string(c->floors[i].metric));
			json_object_object_add(x, "frames_4k",
					       jnum(c->floors[i].v4k));
			json_object_object_add(x, "regions_2m",
					       jnum(c->floors[i].v2m));
			json_object_object_add(
				x, "applies",
				json_object_new_string(c->floor_2m ? "2m" :
								     "4k"));
			json_object_object_add(jf, c->floors[i].name, x);
		}
		json_object_object_add(jc, "floors", jf);
		json_object_object_add(jc, "runs", json_object_get(c->runs));
		json_object_array_add(cells, jc);
	}
	json_object_object_add(o, "cells", cells);

	bench__pairs(b, json_ratio, ratios);
	json_object_object_add(o, "ratios", ratios);
	return o;
}

/* Whether a directory in $PATH holds an executable @name. */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t len = strcspn(path, ":");

		if (len && len + strlen(name) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path,
				 name);
			if (!access(buf, X_OK))
				return true;
		}
		path += len + (path[len] == ':');
	}
	return false;
}

/* ---- boot --kernel: the inputs, checked once, and their record --------- */

/*
 * The SHA-256 of @path through sha256sum(1) (coreutils or busybox), or
 * false where it is missing or fails; the size and mtime still identify
 * the file.
 */
static bool file_sha256(const char *path, char *out, size_t len)
{
	char buf[160];
	size_t n = 0;
	int p[2], status;
	pid_t pid;

	if (len < 65 || !in_path("sha256sum") || pipe2(p, O_CLOEXEC))
		return false;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execlp("sha256sum", "sha256sum", "--", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && n < sizeof(buf) - 1) {
		ssize_t r = read(p[0], buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	buf[n] = '\0';
	if (pid < 0)
		return false;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || n < 64 ||
	    strspn(buf, "0123456789abcdef") != 64)
		return false;
	snprintf(out, len, "%.64s", buf);
	return true;
}

/* {path, name, size, mtime, sha256} of an input file that @st describes. */
static struct json_object *file_record(const char *path, const struct stat *st)
{
	struct json_object *o = json_object_new_object();
	const char *name = strrchr(path, '/');
	char sum[65], mtime[32];
	struct tm tm;

	gmtime_r(&st->st_mtime, &tm);
	strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "name",
			       json_object_new_string(name ? name + 1 : path));
	json_object_object_add(o, "size",
			       json_object_new_uint64((uint64_t)st->st_size));
	json_object_object_add(o, "mtime", json_object_new_string(mtime));
	json_object_object_add(o, "sha256",
			       file_sha256(path, sum, sizeof(sum)) ?
				       json_object_new_string(sum) :
				       NULL);
	return o;
}

/* An input file the runs read: there, readable, a regular file. */
static int input_file(const char *opt, const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = -errno;
		log_err("%s %s: %s", opt, path, strerror(errno));
		return errno_to_exit(err);
	}
	err = fstat(fd, st) ? -errno : 0;
	close(fd);
	if (err) {
		log_err("%s %s: %s", opt, path, strerror(-err));
		return ZAPVM_EXIT_NOINPUT;
	}
	if (!S_ISREG(st->st_mode)) {
		log_err("%s %s: not a regular file", opt, path);
		return ZAPVM_EXIT_DATAERR;
	}
	return 0;
}

/*
 * Check the kernel as its loader will (src/boot-linux*.c), so that a bad
 * file is one line and 65 before any run, and resolve --boot auto.
 */
static int linux__check_kernel(struct bench *b)
{
	const char *path = b->o.kernel;
	struct pvh_image *pvh = NULL;
	enum linux_boot mode = b->o.boot;
	struct bzimage bz;
	char why[256];
	uint8_t *img;
	uint64_t len;
	bool elf;
	int ret;

	ret = read_file(path, 1ULL << 30, &img, &len);
	if (ret)
		return errno_to_exit(ret);
	elf = len >= 4 && !memcmp(img, "\177ELF", 4);
	if (mode == BOOT_AUTO)
		mode = elf ? BOOT_PVH : BOOT_64;
	if (elf && mode != BOOT_PVH) {
		snprintf(why, sizeof(why),
			 "an ELF file (vmlinux); --boot %s needs a bzImage, a "
			 "vmlinux boots with --boot pvh",
			 linux_boot__name(mode));
		ret = -ENOEXEC;
	} else if (mode == BOOT_PVH) {
		pvh = malloc(sizeof(*pvh));
		ret = pvh ? pvh__parse(img, len, pvh, why, sizeof(why)) :
			    -ENOMEM;
	} else if (mode == BOOT_REAL) {
		ret = bzimage__parse_real(img, len, &bz, why, sizeof(why));
	} else {
		ret = bzimage__parse(img, len, &bz, why, sizeof(why));
	}
	free(pvh);
	free(img);
	if (ret == -ENOMEM) {
		log_err("--kernel %s: out of memory", path);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (ret) {
		log_err("--kernel %s: %s", path, why);
		return ZAPVM_EXIT_DATAERR;
	}
	b->boot_mode = mode;
	return 0;
}

/* The console logs' directory: --guest-log DIR, else a fresh one. */
static int linux__log_dir(struct bench *b)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (b->o.guest_log) {
		b->keep_logs = true;
		if (mkdir(b->o.guest_log, 0755) && errno != EEXIST) {
			log_err("--guest-log %s: %s", b->o.guest_log,
				strerror(errno));
			return ZAPVM_EXIT_IOERR;
		}
		if (stat(b->o.guest_log, &st) || !S_ISDIR(st.st_mode)) {
			log_err("--guest-log %s: not a directory",
				b->o.guest_log);
			return ZAPVM_EXIT_IOERR;
		}
		if (snprintf(b->log_dir, sizeof(b->log_dir), "%s",
			     b->o.guest_log) >= (int)sizeof(b->log_dir) - 64) {
			log_err("--guest-log %s: path too long",
				b->o.guest_log);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	errno = 0;
	if (snprintf(b->log_dir, sizeof(b->log_dir),
		     "%s/zapvm-bench-boot.XXXXXX",
		     tmp) >= (int)sizeof(b->log_dir) - 64 ||
	    !mkdtemp(b->log_dir)) {
		log_err("bench: a directory for the console logs in %s: %s",
			tmp, errno ? strerror(errno) : "path too long");
		return ZAPVM_EXIT_IOERR;
	}
	return 0;
}

/*
 * bench boot --kernel: check the inputs (66 missing, 65 malformed, 64 a
 * bad --rom) and record them for the environment block.
 */
static int linux__preflight(struct bench *b)
{
	const struct bench_opts *o = &b->o;
	struct json_object *env = json_object_new_object();
	struct rom_spec rom = { 0 };
	struct stat st;
	int ret;

	ret = input_file("--kernel", o->kernel, &st);
	if (!ret)
		ret = linux__check_kernel(b);
	if (ret)
		goto err;
	json_object_object_add(env, "kernel", file_record(o->kernel, &st));
	if (o->initrd) {
		ret = input_file("--initrd", o->initrd, &st);
		if (ret)
			goto err;
		json_object_object_add(env, "initrd",
				       file_record(o->initrd, &st));
	} else {
		json_object_object_add(env, "initrd", NULL);
	}
	/* The loader's default for a serial console (src/boot/linux.c). */
	json_object_object_add(env, "cmdline",
			       json_object_new_string(o->cmdline ?
							      o->cmdline :
							      "console=ttyS0"));
	json_object_object_add(env, "cmdline_default",
			       json_object_new_boolean(!o->cmdline));
	json_object_object_add(
		env, "boot",
		json_object_new_string(linux_boot__name(b->boot_mode)));
	json_object_object_add(
		env, "boot_requested",
		json_object_new_string(linux_boot__name(o->boot)));
	if (o->rom) {
		if (rom_spec__parse(o->rom, &rom) || rom.has_gpa ||
		    strstr(o->rom, ",size=")) {
			log_err("--rom '%s': expected a file or pattern:LEN "
				"(the guest places the ROM BAR; no @GPA or "
				"size=)",
				o->rom);
			ret = ZAPVM_EXIT_USAGE;
			goto err;
		}
		if (rom.path) {
			ret = input_file("--rom", rom.path, &st);
			if (ret)
				goto err;
			json_object_object_add(env, "option_rom",
					       file_record(rom.path, &st));
		} else {
			struct json_object *p = json_object_new_object();

			json_object_object_add(
				p, "pattern_len",
				json_object_new_uint64(rom.pattern_len));
			json_object_object_add(env, "option_rom", p);
		}
	} else {
		json_object_object_add(env, "option_rom", NULL);
	}
	json_object_object_add(env, "until",
			       json_object_new_string(o->until_poweroff ?
							      "poweroff" :
							      "boot-done"));
	ret = linux__log_dir(b);
	if (ret)
		goto err;
	json_object_object_add(env, "console_logs",
			       json_object_new_string(b->log_dir));
	json_object_object_add(env, "console_logs_kept",
			       json_object_new_string(b->keep_logs ? "all" :
								     "failed"
								     " runs"));
	rom_spec__free(&rom);
	b->linux_env = env;
	json_object_object_add(b->host.json, "linux_guest",
			       json_object_get(env));
	return 0;
err:
	rom_spec__free(&rom);
	json_object_put(env);
	return ret;
}

/* gnuplot single-quoted strings escape ' as ''. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static int bench__plot(const struct bench *b, const char *path)
{
	const struct bench_scenario *sc = b->o.sc;
	unsigned int per = b->o.npolicy, npanels = 0;
	char dir[] = "/tmp/zapvm-plot.XXXXXX", data[64], script[64];
	FILE *f;
	pid_t pid;
	int status, ret = 0;

	if (!in_path("gnuplot")) {
		log_warn("--plot %s: not written: gnuplot is not installed "
			 "(Debian: apt-get install gnuplot-nox); the table, "
			 "CSV and JSON are complete without it",
			 path);
		return 0;
	}
	if (!mkdtemp(dir)) {
		log_err("--plot %s: %s", path, strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	/* One row per group of cells: label, then mean and CI half-width
	 * of each policy for each plotted metric. */
	f = fopen(data, "we");
	if (!f)
		goto err_io;
	for (unsigned int g = 0; g < b->ncells; g += per) {
		const struct bench_cell *c0 = &b->cells[g];

		fprintf(f, "\"%lluM %ucpu thp=%s%s%s%s%s\"",
			(unsigned long long)(c0->mem >> 20), c0->cpus,
			thp_name(c0->thp), c0->prefetch >= 0 ? " pf=" : "",
			c0->prefetch >= 0 ? onoff(c0->prefetch) : "",
			c0->root_zap >= 0 ? " rz=" : "",
			c0->root_zap >= 0 ? root_zap_name(c0->root_zap) : "");
		for (unsigned int m = 0; m < sc->nmetrics; m++) {
			if (!(sc->metrics[m].flags & M_PLOT))
				continue;
			for (unsigned int p = 0; p < per; p++) {
				const struct bstat *s =
					&b->cells[g + p].stat[m];

				fprintf(f, " %g %g",
					isfinite(s->mean) ? s->mean : 0,
					isfinite(s->ci_hi) ?
						s->ci_hi - s->mean :
						0);
			}
		}
		fputc('\n', f);
	}
	if (fclose(f))
		goto err_io;
	f = fopen(script, "we");
	if (!f)
		goto err_io;
	for (unsigned int m = 0; m < sc->nmetrics; m++)
		npanels += !!(sc->metrics[m].flags & M_PLOT);
	fprintf(f,
		"set terminal svg size %u,480 dynamic noenhanced font "
		"'sans,11'\nset output ",
		420 * npanels + 120);
	gp_str(f, path);
	fprintf(f,
		"\nset style data histogram\nset style histogram errorbars "
		"gap 2 lw 1\nset style fill solid 0.5 border -1\n"
		"set key top left\nset yrange [0:*]\nset xtics nomirror\nset bmargin 4\n"
		"set multiplot layout 1,%u title ",
		npanels);
	fprintf(f,
		"\"zapvm bench %s: host %s, MMU %s, THP %s; %u runs, "
		"bars: 95%% CI\"\n",
		sc->name, b->host.kernel, b->host.mmu, b->host.thp_enabled,
		b->o.runs);
	for (unsigned int m = 0, col = 2; m < sc->nmetrics; m++) {
		if (!(sc->metrics[m].flags & M_PLOT))
			continue;
		fprintf(f, "set title '%s'\nset ylabel '%s'\nplot ",
			sc->metrics[m].name,
			*sc->metrics[m].unit ? sc->metrics[m].unit : "count");
		for (unsigned int p = 0; p < per; p++, col += 2) {
			fprintf(f, "%s", p ? ", '' " : "");
			if (!p)
				gp_str(f, data);
			fprintf(f, " using %u:%u%s title '%s'", col, col + 1,
				p ? "" : ":xtic(1)",
				zap_policy__name(b->cells[p].policy));
		}
		fputc('\n', f);
	}
	fprintf(f, "unset multiplot\n");
	if (fclose(f))
		goto err_io;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		log_err("--plot %s: gnuplot failed", path);
		ret = ZAPVM_EXIT_IOERR;
	}
	goto out;
err_io:
	log_err("--plot %s: temporary files in %s: %s", path, dir,
		strerror(errno));
	ret = ZAPVM_EXIT_IOERR;
out:
	unlink(data);
	unlink(script);
	rmdir(dir);
	return ret;
}

/* The command line, quoted for a POSIX shell where needed. */
static void bench__cmdline(struct bench *b, int argc, char **argv)
{
	size_t len = sizeof(b->cmdline), n;

	b->argv = malloc(sizeof(*argv) * (size_t)argc);
	if (b->argv) {
		memcpy(b->argv, argv, sizeof(*argv) * (size_t)argc);
		b->argc = argc;
	}
	n = (size_t)snprintf(b->cmdline, len, "zapvm");
	for (int i = 0; i < argc && n < len; i++) {
		const char *a = argv[i];
		bool plain = *a &&
			     strspn(a, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-_=,./:@+%") == strlen(a);

		if (plain) {
			n += (size_t)snprintf(b->cmdline + n, len - n, " %s",
					      a);
			continue;
		}
		n += (size_t)snprintf(b->cmdline + n, len - n, " '");
		for (; *a && n < len - 5; a++) {
			if (*a == '\'')
				n += (size_t)snprintf(b->cmdline + n, len - n,
						      "'\\''");
			else
				b->cmdline[n++] = *a;
		}
		n += (size_t)snprintf(b->cmdline + n, len - n, "'");
	}
	if (n >= len)
		b->cmdline[len - 1] = '\0';
}

static void bench__free(struct bench *b)
{
	for (unsigned int k = 0; b->cells && k < b->ncells; k++) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			free(b->cells[k].values[i]);
		json_object_put(b->cells[k].runs);
	}
	free(b->cells);
	free(b->argv);
	json_object_put(b->host.json);
	json_object_put(b->linux_env);
	/* Only failed runs' logs are left: keep the directory for them. */
	if (b->log_dir[0] && !b->keep_logs)
		rmdir(b->log_dir);
}

int cmd_bench(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = bench__on_signal }, old_int,
			 old_term;
	struct bench b = { 0 };
	struct json_object *j;
	time_t now = time(NULL);
	int ret, wret;

	/* Before getopt_long() permutes argv. */
	bench__cmdline(&b, argc, argv);
	ret = bench__parse(argc, argv, &b.o);
	if (ret) {
		ret = ret < 0 ? 0 : ret;
		goto out;
	}
	ret = bench__host(&b.host);
	if (ret)
		goto out;
	ret = bench__check(&b.host, &b.o);
	if (ret)
		goto out;
	if (b.o.kernel)
		ret = linux__preflight(&b);
	if (ret)
		goto out;
	b.guest = b.o.kernel ? NULL : builtin__find(b.o.sc->guest);
	if (!b.guest && !b.o.kernel) {
		log_err("bench: builtin guest %s missing", b.o.sc->guest);
		ret = ZAPVM_EXIT_SOFTWARE;
		goto out;
	}
	ret = bench__cells(&b);
	if (ret)
		goto out;
	strftime(b.date, sizeof(b.date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (log_level >= LOG_INFO)
		bench__tiny(&b);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	b.t0 = now_ns();
	ret = bench__run_all(&b);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (b.interrupted)
		log_err("bench: interrupted: %u of %u runs finished; writing "
			"those",
			b.done, b.total);

	bench__summarise(&b);
	bench__print(&b, stdout);
	if (b.o.csv) {
		wret = bench__csv(&b, b.o.csv);
		ret = ret ? ret : wret;
	}
	if (b.o.json) {
		j = bench__json(&b);
		wret = j ? report__write_json(j, b.o.json) :
			   ZAPVM_EXIT_SOFTWARE;
		json_object_put(j);
		ret = ret ? ret : wret;
	}
	if (b.o.plot) {
		wret = bench__plot(&b, b.o.plot);
		ret = ret ? ret : wret;
	}
	if (!ret && b.interrupted)
		ret = ZAPVM_EXIT_INTERRUPTED;
	if (!ret)
		ret = b.first_error;
out:
	bench__free(&b);
	return ret;
}
