// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm run --sample-ms N, --plot FILE.svg (run-timeline.h): the timeline
 * of src/core/timeline.c in the run's JSON, and faults per interval drawn
 * from that JSON by gnuplot (plot.h), so the plot shows what the file holds.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/plot.h"
#include "zapvm/run-timeline.h"
#include "zapvm/timeline.h"
#include "zapvm/trace-report.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

int run_timeline__parse_ms(const char *arg, unsigned int *ms)
{
	uint64_t v;

	if (parse_u64(arg, &v) || !v || v > 3600000) {
		log_err("--sample-ms '%s': expected a period in ms, 1 to "
			"3600000",
			arg);
		return ZAPVM_EXIT_USAGE;
	}
	*ms = (unsigned int)v;
	return 0;
}

int run_timeline__opt(struct run_timeline *rt, bool plot, const char *arg)
{
	if (plot) {
		rt->plot = arg;
		return 0;
	}
	return run_timeline__parse_ms(arg, &rt->sample_ms);
}

int run_timeline__check(struct run_timeline *rt, const char *json)
{
	if (rt->sample_ms && !json && !rt->plot) {
		log_err("--sample-ms goes with --json or --plot");
		return ZAPVM_EXIT_USAGE;
	}
	if (rt->plot && !rt->sample_ms)
		rt->sample_ms = RUN_TIMELINE_PLOT_MS;
	/* Drawn after the run: refuse a bad path before it. */
	if (rt->plot && outfile__check("--plot", rt->plot))
		return ZAPVM_EXIT_IOERR;
	return 0;
}

int run_timeline__new(struct run_timeline *rt)
{
	if (!rt->sample_ms)
		return 0;
	rt->tl = timeline__new(rt->sample_ms);
	if (!rt->tl) {
		log_err("--sample-ms: %s", strerror(errno));
		return ZAPVM_EXIT_SOFTWARE;
	}
	return 0;
}

void run_timeline__free(struct run_timeline *rt)
{
	timeline__free(rt->tl);
	rt->tl = NULL;
}

/* ---- the plot: one panel (plot.h) ----------------------------------- */

struct tl_plot {
	struct json_object *tl; /* the timeline's JSON */
	const char *guest;
};

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void tl_plot_data(void *ctx, FILE *f)
{
	const struct tl_plot *p = ctx;

	timeline_plot__data(f, p->tl);
}

static void tl_plot_script(void *ctx, const char *data, FILE *f)
{
	const struct tl_plot *p = ctx;
	int64_t ms = json_object_get_int64(get(p->tl, "interval_ms"));
	struct timeline_panel panel = { .tl = p->tl, .data = data };
	char title[512];

	snprintf(title, sizeof(title), "%s: faults per %lld ms interval",
		 p->guest, (long long)ms);
	panel.title = title;
	fprintf(f, "set terminal svg size 1000,520 dynamic noenhanced font "
		   "'sans,11'\nset tmargin 3\n");
	timeline_plot__panel(f, &panel);
}

int run_timeline__report(struct run_timeline *rt, const char *guest,
			 const struct vm_result *res,
			 const struct trace_run *tr, struct json_object *json)
{
	const struct trace_fault *faults = NULL;
	struct tl_plot p = { .guest = guest ? guest : "zapvm run" };
	size_t nfaults = 0;
	int ret = 0;

	if (!rt->tl)
		return 0;
	if (tr->t && tr->have_sum)
		faults = trace__faults(tr->t, &nfaults);
	p.tl = timeline__to_json(rt->tl, res->phases, faults, nfaults);
	run_timeline__free(rt);
	if (!p.tl) {
		log_err("--sample-ms: out of memory");
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (json)
		json_object_object_add(json, "timeline", json_object_get(p.tl));
	if (rt->plot && timeline_plot__nsamples(p.tl) < 2) {
		/* No stats fds (KVM before 5.14), or no run: nothing to draw. */
		log_warn("--plot %s: not written: the run has fewer than 2 "
			 "samples",
			 rt->plot);
	} else if (rt->plot) {
		struct plot_ops ops = {
			.data = tl_plot_data,
			.script = tl_plot_script,
			.ctx = &p,
			.kept = "the timeline is in --json",
		};

		ret = plot__svg(rt->plot, &ops);
	}
	json_object_put(p.tl);
	return ret;
}
