// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench dirtylog, after the KVM selftest dirty_log_perf_test (Linux
 * tools/testing/selftests/kvm/dirty_log_perf_test.c): the dirty guest's
 * vCPUs write one word in every 4 KiB page of their share of RAM in
 * passes the VMM starts (guests/dirty). Pass 1 populates with logging
 * off; logging is turned on (a flags-only memslot change, with the
 * vCPUs running); each of rounds=R passes is followed by one collection
 * (KVM_GET_DIRTY_LOG, with KVM_CLEAR_DIRTY_LOG for manual, or the rings'
 * harvest and KVM_RESET_DIRTY_RINGS); logging is turned off again with the
 * vCPUs still running, and one more pass shows what the MMU maps then.
 * The passes are timed by the guest with the host's clock (a ucall at
 * each end): from the first vCPU's start to the last one's end.
 * After each pass, before the next one starts and outside every timed
 * section, the VMM reads the first word of every page through its own
 * mapping: a page that does not hold the pass number lost the guest's
 * write (a stale SPTE, say), and the run fails.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/guest_dirty.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"
#include "probe.h"

enum { AT_BEFORE, AT_DURING, AT_AFTER, AT_N };
#define DL_LEVELS 3

static const char *const level_stat[DL_LEVELS] = { "pages_4k", "pages_2m",
						   "pages_1g" };

/* One run's figures; a run's child has one run. */
struct dl_result {
	double populate_ms, enable_ms, disable_ms, after_ms;
	double dirty1_ms, dirty_ms, get1_ms, get_ms;
	double pages_dirtied, pages_collected, pages_other, mismatches;
	double lost; /* pages that lost the guest's write, all passes */
	double sptes[AT_N][DL_LEVELS];
};

static struct dl_result dl_res;

/* What a pass needs: the VM, the guest's control block, its pages. */
struct dl_run {
	struct vm *vm;
	volatile struct zapvm_dirty *ctl;
	uint64_t gpa; /* the first page the guest writes */
	struct dl_result *r;
};

double dirty_pass__ms(const volatile struct zapvm_dirty *ctl,
		      unsigned int ncpus)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;

	for (unsigned int i = 0; i < ncpus && i < ZAPVM_DIRTY_MAX_CPUS; i++) {
		uint64_t a = ctl->cpu[i].t0, b = ctl->cpu[i].t1;

		if (b < a)
			return NAN;
		t0 = a < t0 ? a : t0;
		t1 = b > t1 ? b : t1;
	}
	return t1 >= t0 && ncpus ? (t1 - t0) / 1e6 : NAN;
}

uint64_t dirty_lost__scan(const volatile void *hva, uint64_t pages, uint64_t p,
			  uint64_t *first, uint64_t *val)
{
	const volatile uint64_t *w = hva;
	uint64_t lost = 0;

	for (uint64_t i = 0; i < pages; i++, w += PAGE_4K / sizeof(*w)) {
		uint64_t v = *w;

		if (v != p && !lost++) {
			*first = i;
			*val = v;
		}
	}
	return lost;
}

/*
 * Page by page, where the range is not one mapping (--ram-slots): the
 * pages that do not hold @p, the first one's index and value.
 */
static int dl_scan_pages(const struct dl_run *d, uint64_t pages, uint64_t p,
			 uint64_t *lost, uint64_t *first, uint64_t *val)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t gpa = d->gpa + i * PAGE_4K, f, v;
		const volatile void *w = vm__guest_mem(d->vm, gpa, 8, false);

		if (!w) {
			log_err("dirtylog: the guest's page at GPA 0x%llx is "
				"not in RAM",
				(unsigned long long)gpa);
			return -EFAULT;
		}
		if (dirty_lost__scan(w, 1, p, &f, &v) && !(*lost)++) {
			*first = i;
			*val = v;
		}
	}
	return 0;
}

/*
 * After pass @p: every vCPU finished it (dl_wait()'s acquire loads of
 * their done) and none starts p + 1 before go says so, so each page's
 * first word is @p unless the guest's write was lost: one line and -EIO
 * then (70, a KVM error).
 */
static int dl_verify(const struct dl_run *d, uint64_t p)
{
	uint64_t pages = d->ctl->pages, lost = 0, first = 0, val = 0;
	const volatile void *all = NULL;
	int ret = 0;

	if (pages <= (UINT64_MAX - d->gpa) / PAGE_4K)
		all = vm__guest_mem(d->vm, d->gpa, pages * PAGE_4K, false);
	if (all)
		lost = dirty_lost__scan(all, pages, p, &first, &val);
	else
		ret = dl_scan_pages(d, pages, p, &lost, &first, &val);
	if (ret || !lost)
		return ret;
	d->r->lost += (double)lost;
	log_err("dirtylog: pass %llu: %llu page%s lost the guest's write "
		"(first: gfn 0x%llx holds %llu, not %llu): the guest's writes "
		"did not reach the VMM's mapping",
		(unsigned long long)p, (unsigned long long)lost,
		lost == 1 ? "" : "s",
		(unsigned long long)((d->gpa >> 12) + first),
		(unsigned long long)val, (unsigned long long)p);
	return -EIO;
}

/* The VM's SPTE counts by level now; NAN where the kernel has no stat. */
static void dl_stats(struct vm *vm, double *out)
{
	for (unsigned int i = 0; i < DL_LEVELS; i++) {
		uint64_t v;

		out[i] = vm__stat(vm, level_stat[i], &v) ? NAN : (double)v;
	}
}

/* Until every vCPU finished pass @p (0: until vCPU 0 wrote ncpus). */
static int dl_wait(struct vm *vm, volatile struct zapvm_dirty *ctl, uint64_t p)
{
	for (;;) {
		uint64_t n = __atomic_load_n(&ctl->ncpus, __ATOMIC_ACQUIRE);
		unsigned int done = 0;

		for (uint64_t i = 0; i < n && i < ZAPVM_DIRTY_MAX_CPUS; i++)
			done += __atomic_load_n(&ctl->cpu[i].done,
						__ATOMIC_ACQUIRE) >= p;
		if (n && done == n)
			return 0;
		if (vm__stopping(vm))
			return -EINTR;
		if (!vm__vcpus_running(vm)) {
			log_err("dirtylog: the guest ended before pass %llu "
				"(is it builtin:dirty?)",
				(unsigned long long)p);
			return -EIO;
		}
		probe__sleep_until(now_ns() + 20000);
	}
}

/*
 * Start pass @p and wait for it: its guest-timed length into *@ms; then
 * check its pages (not timed).
 */
static int dl_pass(const struct dl_run *d, uint64_t p, double *ms)
{
	int ret;

	__atomic_store_n(&d->ctl->go, p, __ATOMIC_RELEASE);
	ret = dl_wait(d->vm, d->ctl, p);
	if (ret)
		return ret;
	*ms = dirty_pass__ms(d->ctl, (unsigned int)d->ctl->ncpus);
	return dl_verify(d, p);
}

/* The logged passes 2 .. rounds + 1, each followed by one collection. */
static int dl_iterations(const struct dl_run *d, unsigned int rounds)
{
	struct vm *vm = d->vm;
	struct dl_result *r = d->r;
	double dirty = 0, get = 0, collected = 0, other = 0;
	uint64_t pages = d->ctl->pages;

	r->mismatches = 0;
	for (unsigned int i = 1; i <= rounds; i++) {
		uint64_t in, all, t;
		double ms = NAN, get_ms;
		int ret = dl_pass(d, 1 + i, &ms);

		if (ret)
			return ret;
		t = now_ns();
		ret = vm__dirty_log_take(vm, d->gpa, pages * PAGE_4K, &in,
					 &all);
		get_ms = (now_ns() - t) / 1e6;
		if (ret)
			return ret;
		if (i == 1) {
			r->dirty1_ms = ms;
			r->get1_ms = get_ms;
			dl_stats(vm, r->sptes[AT_DURING]);
		}
		log_info("dirtylog: iteration %u: %llu pages dirtied in %.3f "
			 "ms, %llu collected (%llu outside them) in %.3f ms",
			 i, (unsigned long long)pages, ms,
			 (unsigned long long)in, (unsigned long long)(all - in),
			 get_ms);
		dirty += ms;
		get += get_ms;
		collected += (double)in;
		other += (double)(all - in);
		r->mismatches += in != pages;
	}
	r->dirty_ms = dirty / rounds;
	r->get_ms = get / rounds;
	r->pages_collected = collected / rounds;
	r->pages_other = other / rounds;
	return 0;
}

/* Turn logging on or off on the running VM: the time it took, in ms. */
static int dl_toggle(struct vm *vm, bool on, double *ms)
{
	uint64_t t = now_ns();
	int ret = vm__dirty_log_set(vm, on);

	*ms = (now_ns() - t) / 1e6;
	if (ret)
		log_err("dirtylog: turning dirty logging %s failed: %s",
			on ? "on" : "off", strerror(-ret));
	return ret;
}

static void dl_result__init(struct dl_result *r)
{
	double *v = (double *)r;

	for (size_t i = 0; i < sizeof(*r) / sizeof(double); i++)
		v[i] = NAN;
}

static int dlbench__run(struct vm *vm, struct zap_probe *zp)
{
	struct dl_result *r = zp->priv;
	volatile struct zapvm_dirty *ctl;
	struct dl_run d = { vm, NULL, zp->ctl_gpa + PAGE_4K, r };
	int ret;

	dl_result__init(r);
	r->lost = 0;
	ctl = vm__guest_mem(vm, zp->ctl_gpa, sizeof(*ctl), true);
	d.ctl = ctl;
	if (!ctl || (zp->ctl_gpa & 7)) {
		log_err("dirtylog: control block GPA 0x%llx is not in RAM",
			(unsigned long long)zp->ctl_gpa);
		return -EFAULT;
	}
	ret = dl_wait(vm, ctl, 0);
	if (!ret)
		ret = dl_pass(&d, 1, &r->populate_ms);
	if (ret)
		return vm__stopping(vm) ? 0 : ret;
	r->pages_dirtied = (double)ctl->pages;
	dl_stats(vm, r->sptes[AT_BEFORE]);
	ret = dl_toggle(vm, true, &r->enable_ms);
	if (!ret)
		ret = dl_iterations(&d, zp->rounds);
	/* The vCPUs spin in the guest, waiting for the next pass. */
	if (!ret)
		ret = dl_toggle(vm, false, &r->disable_ms);
	if (!ret)
		ret = dl_pass(&d, zp->rounds + 2ULL, &r->after_ms);
	if (!ret)
		dl_stats(vm, r->sptes[AT_AFTER]);
	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	return ret == -EINTR && vm__stopping(vm) ? 0 : ret;
}

static const struct zap_probe_ops dirtylog_probe = {
	.run = dlbench__run,
};

static void dlbench__probe_setup(struct zap_probe *zp,
				 const struct bench_opts *o)
{
	zp->ops = &dirtylog_probe;
	zp->priv = &dl_res;
}

/*
 * All RAM after the control block unless --args say otherwise, and
 * rounds=2 logged passes (dirty_log_perf_test's -i default). The VM
 * starts with its RAM slots not logging: the hook turns it on.
 */
static void dlbench__prepare(struct bench_cell *c, uint64_t base,
			     const char *user_args)
{
	uint64_t avail = c->mem > base + PAGE_4K ?
				 (c->mem - base - PAGE_4K) / PAGE_4K :
				 0;

	if (user_args)
		snprintf(c->args, sizeof(c->args), "%s%s", user_args,
			 strstr(user_args, "rounds=") ? "" : " rounds=2");
	else
		snprintf(c->args, sizeof(c->args), "pages=%llu rounds=2",
			 (unsigned long long)avail);
	c->guest_param = args__u64(c->args, "pages", avail);
	c->ctl_gpa = base;
	c->dirty_log.start_off = true;
}

static void dlbench__collect(const struct bench_cell *c,
			     const struct vm_result *res,
			     const struct zap_probe *zp, double *v)
{
	const struct dl_result *r = zp->priv;
	const double head[] = {
		r->enable_ms,	  r->dirty1_ms,
		r->dirty_ms,	  r->get1_ms,
		r->get_ms,	  r->disable_ms,
		r->populate_ms,	  r->after_ms,
		r->pages_dirtied, r->pages_collected,
		r->pages_other,	  r->mismatches,
		r->lost,
	};
	unsigned int k = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(head); i++)
		v[k++] = head[i];
	for (unsigned int at = 0; at < AT_N; at++)
		for (unsigned int l = 0; l < DL_LEVELS; l++)
			v[k++] = r->sptes[at][l];
	v[k] = res->wall_ns / 1e6;
}

/* In dlbench__collect()'s order. */
static const struct bench_metric dirtylog_metrics[] = {
	{ "enable_ms", "ms", "enable ms", M_TABLE | M_RATIO | M_PLOT },
	{ "dirty1_ms", "ms", "dirty it1 ms", M_TABLE },
	{ "dirty_ms", "ms", "dirty ms/it", M_TABLE | M_PLOT },
	{ "get1_ms", "ms", "get it1 ms", 0 },
	{ "get_ms", "ms", "get+clear ms/it", M_TABLE | M_RATIO | M_PLOT },
	{ "disable_ms", "ms", "disable ms", M_TABLE | M_RATIO | M_PLOT },
	{ "populate_ms", "ms", "populate ms", 0 },
	{ "after_ms", "ms", "dirty after ms", 0 },
	{ "pages_dirtied", "", "pages/it", M_TABLE },
	{ "pages_collected", "", "collected/it", M_TABLE },
	{ "pages_other", "", "others/it", 0 },
	{ "pages_mismatch", "", "mismatches", M_TABLE },
	{ "pages_lost", "", "lost", M_TABLE },
	{ "sptes_4k_before", "", "4K before", 0 },
	{ "sptes_2m_before", "", "2M before", M_TABLE },
	{ "sptes_1g_before", "", "1G before", 0 },
	{ "sptes_4k_during", "", "4K during", M_TABLE },
	{ "sptes_2m_during", "", "2M during", 0 },
	{ "sptes_1g_during", "", "1G during", 0 },
	{ "sptes_4k_after", "", "4K after", 0 },
	{ "sptes_2m_after", "", "2M after", M_TABLE },
	{ "sptes_1g_after", "", "1G after", 0 },
	{ "wall_ms", "ms", "wall ms", 0 },
};

/* --dirty-log off logs nothing: there would be nothing to measure. */
static int dlbench__preflight(struct bench *b)
{
	for (unsigned int i = 0; i < b->o.ndirty_log; i++) {
		if (b->o.dirty_log[i].mode == DIRTY_LOG_OFF) {
			log_err("bench dirtylog: --dirty-log off measures "
				"nothing (bitmap, manual or ring)");
			return ZAPVM_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * Turning logging on and off is a flags-only memslot change: no policy
 * zaps anything for it (KVM_MR_FLAGS_ONLY neither deletes nor moves a
 * slot). "slot" is a control for the disable path, which zaps the
 * slot's collapsible SPTEs whatever the policy.
 */
static const struct bench_default dirtylog_defaults[] = {
	{ "dirty-log", "bitmap" },
	{ 0 },
};

const struct bench_scenario scenario_dirtylog = {
	.name = "dirtylog",
	.seed = "dirty_log_perf_test",
	.what = "dirty logging while vCPUs dirty their memory: enable, "
		"dirty, get/clear and disable times, SPTEs by level",
	.guest = "dirty",
	.dirty_log = true,
	.defaults = dirtylog_defaults,
	.metrics = dirtylog_metrics,
	.nmetrics = NMETRICS(dirtylog_metrics),
	.prepare = dlbench__prepare,
	.probe_setup = dlbench__probe_setup,
	.collect = dlbench__collect,
	.preflight = dlbench__preflight,
};
