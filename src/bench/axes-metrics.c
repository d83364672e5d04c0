// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench: the metrics the axes add after a scenario's own - the
 * trace's re-faults and measured floor, a firmware boot's POST and kernel
 * spans and its memslot changes by cause - and what the table, the CSV
 * and the JSON say of the axes and the host MMU settings.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/fwreport.h"
#include "zapvm/stats.h"
#include "zapvm/trace-report.h"
#include "zapvm/util.h"

#include "bench.h"

static const struct bench_metric trace_metrics[] = {
	{ "refaults", "", "refaults", M_TABLE | M_RATIO },
	{ "floor_gfns", "", "floor (traced)", M_TABLE },
	{ "faults_over_floor", "", "over floor", M_TABLE | M_RATIO },
};

static const struct bench_metric fw_metrics[] = {
	{ "faults_post", "", "POST faults", M_TABLE | M_RATIO },
	{ "faults_kernel", "", "kernel faults", M_TABLE | M_RATIO },
	{ "post_ms", "ms", "POST ms", 0 },
	/* By cause, in enum fw_cause's order: changes, then their ioctls. */
	{ "changes_pam", "", "pam chg", 0 },
	{ "ioctls_pam", "", "pam ioctls", M_TABLE },
	{ "changes_rom_bar", "", "rom-bar chg", 0 },
	{ "ioctls_rom_bar", "", "rom-bar ioctls", 0 },
	{ "changes_ram_bar", "", "ram-bar chg", 0 },
	{ "ioctls_ram_bar", "", "ram-bar ioctls", 0 },
	{ "changes_legacy_window", "", "legacy chg", 0 },
	{ "ioctls_legacy_window", "", "legacy ioctls", 0 },
};

static bool any_trace(const struct bench_opts *o)
{
	for (unsigned int i = 0; i < o->ntrace; i++)
		if (o->trace[i])
			return true;
	return false;
}

static void append(struct bench *b, const struct bench_metric *m,
		   unsigned int n)
{
	for (unsigned int i = 0; i < n && b->sc_ext.nmetrics < MAX_METRICS; i++)
		b->metrics_ext[b->sc_ext.nmetrics++] = m[i];
}

void axes__extend(struct bench *b)
{
	const struct bench_scenario *sc = b->o.sc;

	b->sc_ext = *sc;
	b->nbase = sc->nmetrics;
	memcpy(b->metrics_ext, sc->metrics,
	       sizeof(*sc->metrics) * sc->nmetrics);
	if (any_trace(&b->o))
		append(b, trace_metrics, ARRAY_SIZE(trace_metrics));
	if (b->o.firmware)
		append(b, fw_metrics, ARRAY_SIZE(fw_metrics));
	b->sc_ext.metrics = b->metrics_ext;
	b->o.sc = &b->sc_ext;
}

/* Faults of phases [from, to) summed over the vCPUs. */
static double faults_span(const struct vm_result *res, unsigned int from,
			  unsigned int to)
{
	return phase__sum_from(res, from, PHASE_VCPU, "pf_taken") -
	       phase__sum_from(res, to, PHASE_VCPU, "pf_taken");
}

/* The firmware boot: POST to kernel-entry, kernel-entry to boot-done. */
static void fw_collect(const struct vm_result *res, double *v)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 0;
	int done = phase__index(res, "boot-done");
	unsigned int end = done < 0 ? n : (unsigned int)done;
	struct fw_tally t;

	if (!res->phases)
		return;
	fw_tally__phases(res->phases, &t);
	v[0] = faults_span(res, 0, t.kernel_entry ? t.kernel_entry : end);
	v[1] = t.kernel_entry && t.kernel_entry <= end ?
		       faults_span(res, t.kernel_entry, end) :
		       NAN;
	v[2] = t.post.ns / 1e6;
	for (unsigned int i = 0; i < FW_NCAUSES; i++) {
		v[3 + 2 * i] = (double)t.changes[i];
		v[4 + 2 * i] = (double)t.ioctls[i];
	}
}

void axes__collect(const struct bench *b, const struct bench_cell *c,
		   const struct vm_result *res, const struct trace_run *tr,
		   double *v)
{
	unsigned int k = b->nbase;

	if (any_trace(&b->o)) {
		if (tr && tr->have_sum) {
			double fl = c->floor_2m ? (double)tr->sum.floor_2m :
						  (double)tr->sum.floor_gfns;

			v[k] = (double)tr->sum.refaults;
			v[k + 1] = fl;
			v[k + 2] = (double)report__faults(res, 0) - fl;
		}
		k += ARRAY_SIZE(trace_metrics);
	}
	if (b->o.firmware)
		fw_collect(res, v + k);
}

/* The index of metric @name in the extended scenario, or -1. */
static int metric__index(const struct bench *b, const char *name)
{
	for (unsigned int i = 0; i < b->o.sc->nmetrics; i++)
		if (!strcmp(b->o.sc->metrics[i].name, name))
			return (int)i;
	return -1;
}

bool axes__floor_measured(const struct bench *b, const struct bench_cell *c)
{
	int m = metric__index(b, "floor_gfns");

	return b->o.kernel && c->trace && m >= 0 && c->stat[m].n;
}

void axes__measured_floors(struct bench *b)
{
	int m = metric__index(b, "floor_gfns");

	for (unsigned int k = 0; m >= 0 && k < b->ncells; k++) {
		struct bench_cell *c = &b->cells[k];

		if (!axes__floor_measured(b, c))
			continue;
		for (unsigned int i = 0; i < c->nfloors; i++)
			if (!strcmp(c->floors[i].name, "total"))
				c->floors[i].v4k = c->floors[i].v2m =
					c->stat[m].mean;
	}
}

/* The cell like @c with trace off, or NULL. */
static const struct bench_cell *untraced_twin(const struct bench *b,
					      unsigned int k)
{
	unsigned int per = b->o.npolicy, t = (k / per) % b->o.ntrace;

	for (unsigned int i = 0; i < b->o.ntrace; i++)
		if (!b->o.trace[i])
			return &b->cells[k + (i - t) * per];
	return NULL;
}

void axes__overhead_each(const struct bench *b, overhead_fn fn, void *ctx)
{
	static const char *const names[] = { "wall_ms", "boot_ms" };

	for (unsigned int k = 0; b->o.ntrace > 1 && k < b->ncells; k++) {
		const struct bench_cell *on = &b->cells[k], *off;

		if (!on->trace || !(off = untraced_twin(b, k)))
			continue;
		for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
			int m = metric__index(b, names[i]);
			struct bratio r;

			if (m < 0)
				continue;
			benchstat__ratio(&on->stat[m], &off->stat[m], &r);
			fn(b, on, off, (unsigned int)m, &r, ctx);
		}
	}
}

struct overhead_out {
	FILE *f;
	bool head;
};

static void overhead__print(const struct bench *b, const struct bench_cell *on,
			    const struct bench_cell *off, unsigned int m,
			    const struct bratio *r, void *ctx)
{
	struct overhead_out *out = ctx;
	FILE *f = out->f;
	char label[160];

	if (!out->head)
		fprintf(f, "\ntrace overhead: time traced over untraced "
			   "(on/off), 95%% intervals\n");
	out->head = true;
	cell__label(on, label, sizeof(label));
	fprintf(f, "  %s %s: %.3f ms vs %.3f ms, ", label,
		b->o.sc->metrics[m].name, on->stat[m].mean, off->stat[m].mean);
	if (isnan(r->ratio))
		fprintf(f, "-\n");
	else if (isnan(r->lo) || !r->bounded)
		fprintf(f, "%.4f (no interval)\n", r->ratio);
	else
		fprintf(f, "%.4f [%.4f, %.4f]\n", r->ratio, r->lo, r->hi);
}

void axes__print_overhead(const struct bench *b, FILE *f)
{
	struct overhead_out out = { f, false };

	axes__overhead_each(b, overhead__print, &out);
	if (b->untraced)
		fprintf(f, "trace=on cells ran untraced: %s\n", b->untraced);
}
