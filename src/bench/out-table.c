// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's terminal table: a header on the host and the guest, one
 * row per cell, the policy ratios; with -v every metric and the overhead.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"

/* --dirty-log: a column, and a word of each ratio's shape. */
static const char *table__dlog(const struct bench *b,
			       const struct bench_cell *c, char *buf,
			       size_t len)
{
	if (b->o.ndirty_log < 2 && b->o.dirty_log[0].mode == DIRTY_LOG_OFF)
		return NULL;
	dirty_log_spec__name(&c->dirty_log, buf, len);
	return buf;
}

static void print_ratio(const struct bench *b, const struct bench_cell *num,
			const struct bench_cell *den, unsigned int m,
			const struct bratio *r, void *ctx)
{
	const struct bench_metric *bm = &b->o.sc->metrics[m];
	FILE *f = ctx;
	char shape[192], dl[32], knobs[40] = "";
	const char *dlog = table__dlog(b, num, dl, sizeof(dl));

	/* A metric no run of either cell has (untraced cells' trace ones). */
	if (!(bm->flags & M_RATIO) || (!num->stat[m].n && !den->stat[m].n))
		return;
	/* The knob axes name the pair too: they are not compared. */
	if (num->prefetch >= 0 || num->root_zap >= 0)
		snprintf(knobs, sizeof(knobs), " prefetch=%s root-zap=%s",
			 cell__onoff(num->prefetch),
			 cell__root_zap_name(num->root_zap));
	snprintf(shape, sizeof(shape), "%lluM %u %s%s%s%s%s",
		 (unsigned long long)(num->mem >> 20), num->cpus,
		 cell__thp_name(num->thp), dlog ? " " : "", dlog ? dlog : "",
		 knobs, num->axes);
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
void bench__guest_desc(const struct bench *b, char *buf, size_t len)
{
	const char *name;

	if (b->guest) {
		snprintf(buf, len, "builtin:%s", b->guest->name);
		return;
	}
	if (b->o.vmm_argv) {
		name = strrchr(b->vmm_path, '/');
		snprintf(buf, len, "the VMM %s under zapvm exec",
			 name ? name + 1 : b->vmm_path);
		return;
	}
	name = strrchr(b->o.kernel, '/');
	if (b->o.firmware)
		snprintf(buf, len, "Linux kernel %s through firmware %s",
			 name ? name + 1 : b->o.kernel, b->o.firmware);
	else
		snprintf(buf, len, "Linux kernel %s, --boot %s",
			 name ? name + 1 : b->o.kernel,
			 linux_boot__name(b->boot_mode));
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
void bench__linux_env(const struct bench *b, FILE *f, const char *pfx)
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
		b->o.firmware ? "firmware" : linux_boot__name(b->boot_mode),
		b->o.until_poweroff ? "poweroff" : "boot-done", b->log_dir,
		b->keep_logs ? "all kept" : "failed runs' kept");
	fprintf(f,
		"%sfloors: n/a (the frames a real kernel touches are not "
		"known)%s\n",
		pfx,
		b->o.ntrace > 1 || b->o.trace[0] ?
			"; traced cells: measured (floor_gfns)" :
			"");
}

/* The lines above the table: scenario, guest, host, what faults are. */
static void print__header(const struct bench *b, FILE *f)
{
	const struct bench_scenario *sc = b->o.sc;
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
	vmm__env(b, f, "");
	axes__env(b, f, "");
	fprintf(f, "faults are %s (vCPU stat pf_taken); mean ±sd\n",
		report__fault_kind(b->host.mmu));
	if (b->o.vmm_argv)
		fprintf(f, "boot faults, boot ms, slot chg to boot: from the "
			   "VMM's first KVM_RUN to the --boot-done line (n/a "
			   "without one); slot changes count both address "
			   "spaces; the VMM's first VM\n");
	if (b->o.kernel)
		fprintf(f,
			"boot faults: start to the boot-done mark; churn to "
			"done: from the first run-time memslot change to it; "
			"slot changes and memslot ms: before it; each run %s\n",
			b->o.until_poweroff ?
				"ran until the guest powered off" :
				"was stopped at boot-done");
	fputc('\n', f);
}

/* The axes column's width: its longest label. */
static int axes_width(const struct bench *b)
{
	int w = 4;

	for (unsigned int k = 0; k < b->ncells; k++)
		if ((int)strlen(b->cells[k].axes) - 1 > w)
			w = (int)strlen(b->cells[k].axes) - 1;
	return w;
}

/* One row of the table: the cell's shape, its metrics, its floors. */
static void print__row(const struct bench *b, const struct bench_cell *c,
		       bool knobs, FILE *f)
{
	const struct bench_scenario *sc = b->o.sc;
	char buf[96];

	snprintf(buf, sizeof(buf), "%lluM", (unsigned long long)(c->mem >> 20));
	fprintf(f, "%-6s %-4u %-7s %-6s ", buf, c->cpus, cell__thp_name(c->thp),
		zap_policy__name(c->policy));
	if (knobs)
		fprintf(f, "%-8s %-8s ", cell__onoff(c->prefetch),
			cell__root_zap_name(c->root_zap));
	if (table__dlog(b, c, buf, sizeof(buf)))
		fprintf(f, "%-12s ", buf);
	if (b->cells[0].axes[0])
		fprintf(f, "%-*s ", axes_width(b), c->axes + 1);
	for (unsigned int i = 0; i < sc->nmetrics; i++) {
		if (!(sc->metrics[i].flags & M_TABLE))
			continue;
		fmt_stat(buf, sizeof(buf), &c->stat[i], sc->metrics[i].unit);
		pad(f, buf, 16);
		fputc(' ', f);
	}
	for (unsigned int i = 0; i < c->nfloors; i++) {
		double fv = floor__value(c, &c->floors[i]);

		fprintf(f, "%s%s ", i ? ", " : "", c->floors[i].name);
		fprintf(f, isfinite(fv) ? "%.0f" : "n/a", fv);
	}
	if (c->nfloors && axes__floor_measured(b, c))
		fprintf(f, " (measured: distinct %s faulted)",
			c->floor_2m ? "2M regions" : "4K GFNs");
	else if (c->nfloors && b->o.kernel)
		fprintf(f, " (not known for a real kernel)");
	else if (c->nfloors)
		fprintf(f, " (%s)", c->floor_2m ? "2M" : "4K");
	if (c->nfailed || c->ninterrupted)
		fprintf(f, "  [%u failed, %u interrupted]", c->nfailed,
			c->ninterrupted);
	fputc('\n', f);
}

/* -v: every metric of @c with its floor, and the bench's overhead. */
static void print__detail(const struct bench *b, const struct bench_cell *c,
			  FILE *f)
{
	const struct bench_scenario *sc = b->o.sc;
	char label[160];

	cell__label(c, label, sizeof(label));
	fprintf(f, "%s (%s), args '%s'\n", label, zap_iface__name(c->iface),
		c->args);
	for (unsigned int i = 0; i < sc->nmetrics; i++) {
		const struct bstat *s = &c->stat[i];
		const struct bench_floor *fl =
			cell__floor(c, sc->metrics[i].name);

		fprintf(f,
			"  %-20s %3u %12.3f %10.3f %12.3f %12.3f "
			"[%.3f, %.3f]",
			sc->metrics[i].name, s->n, s->mean, s->sd, s->min,
			s->max, s->ci_lo, s->ci_hi);
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

void bench__print(const struct bench *b, FILE *f)
{
	const struct bench_scenario *sc = b->o.sc;
	bool knobs = b->o.prefetch[0] >= 0 || b->o.root_zap[0] >= 0;

	print__header(b, f);
	fprintf(f, "%-6s %-4s %-7s %-6s ", "mem", "cpus", "thp", "policy");
	if (knobs)
		fprintf(f, "%-8s %-8s ", "prefetch", "root-zap");
	if (table__dlog(b, b->cells, (char[32]){ 0 }, 32))
		fprintf(f, "%-12s ", "dirty-log");
	if (b->cells[0].axes[0])
		fprintf(f, "%-*s ", axes_width(b), "axes");
	for (unsigned int i = 0; i < sc->nmetrics; i++)
		if (sc->metrics[i].flags & M_TABLE)
			fprintf(f, "%-16s ", sc->metrics[i].title);
	fprintf(f, "%s\n", b->cells[0].nfloors ? "floors" : "");
	for (unsigned int k = 0; k < b->ncells; k++)
		print__row(b, &b->cells[k], knobs, f);
	if (b->o.npolicy > 1) {
		fprintf(f, "\nratios of means with 95%% intervals (Fieller; "
			   "reduction = 1 - ratio)\n");
		bench__pairs(b, print_ratio, f);
	}
	axes__print_overhead(b, f);
	if (log_level < LOG_INFO)
		return;
	fprintf(f, "\nevery metric: n mean sd min max [95%% CI of the mean]\n");
	for (unsigned int k = 0; k < b->ncells; k++)
		print__detail(b, &b->cells[k], f);
	if (b->tiny_vm_ms > 0)
		fprintf(f,
			"bench overhead: VM create-to-destroy of a tiny guest "
			"(builtin:exit, 4 MiB, 1 vCPU): %.2f ms\n",
			b->tiny_vm_ms);
}
