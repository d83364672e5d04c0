// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench --json: the command, the environment, every cell with each
 * metric's statistics, values and floor, every run, and the ratios.
 */
#include <math.h>
#include <string.h>

#include "zapvm/util.h"

#include "bench.h"

struct json_object *json__num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

/* The cell's shape (everything but the policy) as JSON members. */
void json__cell_shape(struct json_object *x, const struct bench_cell *c)
{
	json_object_object_add(x, "thp",
			       json_object_new_string(cell__thp_name(c->thp)));
	json_object_object_add(x, "mem", json_object_new_uint64(c->mem));
	json_object_object_add(x, "cpus", json_object_new_int((int)c->cpus));
	if (c->dirty_log.mode != DIRTY_LOG_OFF) {
		char mode[32];

		dirty_log_spec__name(&c->dirty_log, mode, sizeof(mode));
		json_object_object_add(x, "dirty_log",
				       json_object_new_string(mode));
	}
	json_object_object_add(
		x, "prefetch",
		c->prefetch < 0 ? NULL : json_object_new_boolean(c->prefetch));
	json_object_object_add(
		x, "root_zap",
		c->root_zap < 0 ? NULL :
				  json_object_new_string(
					  cell__root_zap_name(c->root_zap)));
	json_object_object_add(x, "trace", json_object_new_boolean(c->trace));
	json_object_object_add(x, "trace_all",
			       json_object_new_boolean(c->trace ==
						       BENCH_TRACE_ALL));
	json_object_object_add(x, "mem_backend",
			       json_object_new_string(axes__backend_name(c)));
	json_object_object_add(
		x, "mem_file",
		c->mem_file ? json_object_new_string(c->mem_file) : NULL);
	json_object_object_add(x, "prefault",
			       json_object_new_boolean(c->prefault));
	json_object_object_add(x, "ram_slots",
			       json_object_new_int((int)(c->ram_slots ?: 1)));
	json_object_object_add(
		x, "slot_layout",
		strstr(c->axes, "layout=") ?
			json_object_new_string(slot_layout__name(c->layout)) :
			NULL);
}

static void json_ratio(const struct bench *b, const struct bench_cell *num,
		       const struct bench_cell *den, unsigned int m,
		       const struct bratio *r, void *ctx)
{
	struct json_object *x = json_object_new_object();
	struct json_object *ci = json_object_new_array();
	struct json_object *rci = json_object_new_array();

	json__cell_shape(x, num);
	json_object_object_add(
		x, "numerator",
		json_object_new_string(zap_policy__name(num->policy)));
	json_object_object_add(
		x, "denominator",
		json_object_new_string(zap_policy__name(den->policy)));
	json_object_object_add(
		x, "metric", json_object_new_string(b->o.sc->metrics[m].name));
	json_object_object_add(x, "ratio", json__num(r->ratio));
	json_object_array_add(ci, json__num(r->lo));
	json_object_array_add(ci, json__num(r->hi));
	json_object_object_add(x, "ci95", ci);
	json_object_object_add(x, "bounded",
			       json_object_new_boolean(r->bounded));
	json_object_object_add(x, "df", json__num(r->df));
	json_object_object_add(x, "reduction_pct",
			       json__num(100 * (1 - r->ratio)));
	json_object_array_add(rci, json__num(100 * (1 - r->hi)));
	json_object_array_add(rci, json__num(100 * (1 - r->lo)));
	json_object_object_add(x, "reduction_pct_ci95", rci);
	json_object_array_add(ctx, x);
}

static struct json_object *jstat(const struct bstat *s, const char *unit)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ci = json_object_new_array();

	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "n", json_object_new_int((int)s->n));
	json_object_object_add(o, "mean", json__num(s->mean));
	json_object_object_add(o, "sd", json__num(s->sd));
	json_object_object_add(o, "min", json__num(s->min));
	json_object_object_add(o, "max", json__num(s->max));
	json_object_array_add(ci, json__num(s->ci_lo));
	json_object_array_add(ci, json__num(s->ci_hi));
	json_object_object_add(o, "ci95", ci);
	return o;
}

/* The document's members before the cells: the command and the host. */
static void json__header(const struct bench *b, struct json_object *o)
{
	const struct bench_scenario *sc = b->o.sc;
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
	axes__json_env(b, b->host.json);
	json_object_object_add(o, "environment", json_object_get(b->host.json));
	json_object_object_add(o, "scenario", json_object_new_string(sc->name));
	json_object_object_add(o, "seed", json_object_new_string(sc->seed));
	json_object_object_add(o, "description",
			       json_object_new_string(sc->what));
	json_object_object_add(o, "guest",
			       json_object_new_string(b->guest ?
							      b->guest->name :
						      b->o.vmm_argv ? "vmm" :
								      "linux"));
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
		json_object_object_add(o, "tiny_vm_ms",
				       json__num(b->tiny_vm_ms));
}

/* Each metric of @c: its statistics, values and floor. */
static struct json_object *json__metrics(const struct bench *b,
					 const struct bench_cell *c)
{
	const struct bench_scenario *sc = b->o.sc;
	struct json_object *jm = json_object_new_object();

	for (unsigned int i = 0; i < sc->nmetrics; i++) {
		struct json_object *js =
			jstat(&c->stat[i], sc->metrics[i].unit);
		struct json_object *vals = json_object_new_array();
		const struct bench_floor *fl =
			cell__floor(c, sc->metrics[i].name);

		for (unsigned int r = 0; r < c->stat[i].n; r++)
			json_object_array_add(vals, json__num(c->values[i][r]));
		json_object_object_add(js, "values", vals);
		if (fl) {
			double v = floor__value(c, fl);

			json_object_object_add(js, "floor", json__num(v));
			json_object_object_add(js, "excess_over_floor",
					       json__num(c->stat[i].mean - v));
		}
		json_object_object_add(jm, sc->metrics[i].name, js);
	}
	return jm;
}

/* The floors of @c, by name. */
static struct json_object *json__floors(const struct bench *b,
					const struct bench_cell *c)
{
	struct json_object *jf = json_object_new_object();

	for (unsigned int i = 0; i < c->nfloors; i++) {
		struct json_object *x = json_object_new_object();

		if (axes__floor_measured(b, c))
			json_object_object_add(
				x, "note",
				json_object_new_string(
					"measured: distinct GFNs (2M regions "
					"with THP) the traced runs faulted"));
		else if (b->o.kernel)
			json_object_object_add(
				x, "note",
				json_object_new_string(
					"n/a: the frames a real kernel "
					"touches are not known"));
		json_object_object_add(
			x, "metric",
			json_object_new_string(c->floors[i].metric));
		json_object_object_add(x, "frames_4k",
				       json__num(c->floors[i].v4k));
		json_object_object_add(x, "regions_2m",
				       json__num(c->floors[i].v2m));
		json_object_object_add(
			x, "applies",
			json_object_new_string(c->floor_2m ? "2m" : "4k"));
		json_object_object_add(jf, c->floors[i].name, x);
	}
	return jf;
}

static struct json_object *json__cell(const struct bench *b,
				      const struct bench_cell *c)
{
	struct json_object *jc = json_object_new_object();

	json_object_object_add(
		jc, "policy",
		json_object_new_string(zap_policy__name(c->policy)));
	json__cell_shape(jc, c);
	json_object_object_add(jc, "args", json_object_new_string(c->args));
	if (c->argv) {
		struct json_object *av = json_object_new_array();

		for (char **a = c->argv; *a; a++)
			json_object_array_add(av, json_object_new_string(*a));
		json_object_object_add(jc, "vmm_argv", av);
	}
	json_object_object_add(
		jc, "zap_interface",
		json_object_new_string(zap_iface__name(c->iface)));
	json_object_object_add(jc, "runs_ok", json_object_new_int((int)c->nok));
	json_object_object_add(jc, "runs_failed",
			       json_object_new_int((int)c->nfailed));
	json_object_object_add(jc, "runs_interrupted",
			       json_object_new_int((int)c->ninterrupted));
	json_object_object_add(jc, "metrics", json__metrics(b, c));
	json_object_object_add(jc, "floors", json__floors(b, c));
	json_object_object_add(jc, "runs", json_object_get(c->runs));
	if (c->timeline) {
		json_object_object_add(
			jc, "timeline_run",
			json_object_new_int((int)c->timeline_run));
		json_object_object_add(jc, "timeline",
				       json_object_get(c->timeline));
	}
	return jc;
}

static void overhead__json(const struct bench *b, const struct bench_cell *on,
			   const struct bench_cell *off, unsigned int m,
			   const struct bratio *r, void *ctx)
{
	struct json_object *x = json_object_new_object();
	struct json_object *ci = json_object_new_array();

	json_object_object_add(
		x, "policy",
		json_object_new_string(zap_policy__name(on->policy)));
	json__cell_shape(x, on);
	json_object_object_add(
		x, "metric", json_object_new_string(b->o.sc->metrics[m].name));
	json_object_object_add(x, "traced", json__num(on->stat[m].mean));
	json_object_object_add(x, "untraced", json__num(off->stat[m].mean));
	json_object_object_add(x, "ratio", json__num(r->ratio));
	json_object_array_add(ci, json__num(r->lo));
	json_object_array_add(ci, json__num(r->hi));
	json_object_object_add(x, "ci95", ci);
	json_object_array_add(ctx, x);
}

/* --trace off,on: the trace overhead (axes__overhead_each()). */
static struct json_object *json__overhead(const struct bench *b)
{
	struct json_object *a;

	if (b->o.ntrace < 2)
		return NULL;
	a = json_object_new_array();
	axes__overhead_each(b, overhead__json, a);
	return a;
}

struct json_object *bench__json(const struct bench *b)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cells = json_object_new_array();
	struct json_object *ratios = json_object_new_array();

	json__header(b, o);
	for (unsigned int k = 0; k < b->ncells; k++)
		json_object_array_add(cells, json__cell(b, &b->cells[k]));
	json_object_object_add(o, "cells", cells);
	bench__pairs(b, json_ratio, ratios);
	json_object_object_add(o, "ratios", ratios);
	if (b->o.ntrace > 1)
		json_object_object_add(o, "trace_overhead", json__overhead(b));
	return o;
}
