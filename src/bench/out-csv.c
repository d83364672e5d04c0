// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench --csv: a comment block on the run, then one row per metric of
 * each cell and per policy ratio.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/util.h"

#include "bench.h"

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputc(',', f);
}

/* The axes' columns after the floor: trace ... slot_layout, dirty_log. */
static void csv_axes(FILE *f, const struct bench_cell *c)
{
	char dl[32];

	dirty_log_spec__name(&c->dirty_log, dl, sizeof(dl));
	fprintf(f, ",%s,%s,%s,%u,%s,%s", axes__trace_name(c->trace),
		axes__backend_name(c), c->prefault ? "on" : "off",
		c->ram_slots ? c->ram_slots : 1,
		c->axes[0] && strstr(c->axes, "layout=") ?
			slot_layout__name(c->layout) :
			"-",
		dl);
}

static void csv_ratio(const struct bench *b, const struct bench_cell *num,
		      const struct bench_cell *den, unsigned int m,
		      const struct bratio *r, void *ctx)
{
	FILE *f = ctx;

	fprintf(f, "ratio,%s,%s/%s,%s,%llu,%u,%s,%s,,%s,", b->o.sc->name,
		zap_policy__name(num->policy), zap_policy__name(den->policy),
		cell__thp_name(num->thp), (unsigned long long)(num->mem >> 20),
		num->cpus, cell__onoff(num->prefetch),
		cell__root_zap_name(num->root_zap), b->o.sc->metrics[m].name);
	csv_num(f, r->ratio);
	fputs(",,,", f);
	csv_num(f, r->lo);
	csv_num(f, r->hi);
	fputc(',', f);
	csv_axes(f, num);
	fputc('\n', f);
}

/* Runs with console logs: a comment line per failed run, with why. */
static void bench__csv_failed(const struct bench *b, FILE *f)
{
	for (unsigned int k = 0; b->log_dir[0] && k < b->ncells; k++) {
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

int bench__csv(const struct bench *b, const char *path)
{
	const struct bench_scenario *sc = b->o.sc;
	struct outfile of;
	char guest[512];
	FILE *f;
	int ret = outfile__open(&of, "--csv", path);

	if (ret)
		return ret == -ENAMETOOLONG ? ZAPVM_EXIT_USAGE :
					      ZAPVM_EXIT_IOERR;
	f = of.f;
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
	vmm__env(b, f, "# ");
	axes__env(b, f, "# ");
	bench__csv_failed(b, f);
	if (b->interrupted)
		fprintf(f, "# interrupted: finished runs only\n");
	fprintf(f, "kind,scenario,policy,thp,mem_mib,cpus,prefetch,root_zap,"
		   "zap_interface,metric,n,mean,sd,min,max,ci95_lo,ci95_hi,"
		   "floor,trace,mem_backend,prefault,ram_slots,slot_layout,"
		   "dirty_log\n");
	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];

		for (unsigned int i = 0; i < sc->nmetrics; i++) {
			const struct bstat *s = &c->stat[i];
			const struct bench_floor *fl =
				cell__floor(c, sc->metrics[i].name);

			fprintf(f, "cell,%s,%s,%s,%llu,%u,%s,%s,%s,%s,%u",
				sc->name, zap_policy__name(c->policy),
				cell__thp_name(c->thp),
				(unsigned long long)(c->mem >> 20), c->cpus,
				cell__onoff(c->prefetch),
				cell__root_zap_name(c->root_zap),
				zap_iface__name(c->iface), sc->metrics[i].name,
				s->n);
			csv_num(f, s->mean);
			csv_num(f, s->sd);
			csv_num(f, s->min);
			csv_num(f, s->max);
			csv_num(f, s->ci_lo);
			csv_num(f, s->ci_hi);
			csv_num(f, fl ? floor__value(c, fl) : NAN);
			csv_axes(f, c);
			fputc('\n', f);
		}
	}
	bench__pairs(b, csv_ratio, f);
	return outfile__commit(&of) ? ZAPVM_EXIT_IOERR : 0;
}
