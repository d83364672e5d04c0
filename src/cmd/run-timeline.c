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

int run_timeline__opt(struct run_timeline *rt, bool plot, const char *arg)
{
	uint64_t v;

	if (plot) {
		rt->plot = arg;
		return 0;
	}
	if (parse_u64(arg, &v) || !v || v > 3600000) {
		log_err("--sample-ms '%s': expected a period in ms, 1 to "
			"3600000",
			arg);
		return ZAPVM_EXIT_USAGE;
	}
	rt->sample_ms = (unsigned int)v;
	return 0;
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

/* ---- the plot -------------------------------------------------------- */

struct tl_plot {
	struct json_object *tl; /* the timeline's JSON */
	const char *guest;
	bool trace;
};

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Sample @s's faults: its vCPUs' pf_taken summed. */
static uint64_t sample_faults(struct json_object *s)
{
	struct json_object *vcpus = get(s, "vcpus");
	uint64_t sum = 0;

	for (size_t i = 0; i < json_object_array_length(vcpus); i++)
		sum += json_object_get_uint64(
			get(json_object_array_get_idx(vcpus, i), "pf_taken"));
	return sum;
}

static uint64_t sample_refaults(struct json_object *s)
{
	return json_object_get_uint64(get(get(s, "trace"), "refaults"));
}

/*
 * One row per interval: its start (ms), the faults in it and, with a
 * trace, the re-faults; the last interval's row again at its end, so the
 * steps reach it.
 */
static void tl_plot_data(void *ctx, FILE *f)
{
	const struct tl_plot *p = ctx;
	struct json_object *s = get(p->tl, "samples");
	size_t n = json_object_array_length(s);
	uint64_t d = 0, r = 0;
	double t = 0;

	for (size_t i = 1; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(s, i - 1);
		struct json_object *b = json_object_array_get_idx(s, i);

		t = json_object_get_double(get(b, "t_ms"));
		d = sample_faults(b) - sample_faults(a);
		r = sample_refaults(b) - sample_refaults(a);
		fprintf(f, "%.3f %" PRIu64 " %" PRIu64 "\n",
			json_object_get_double(get(a, "t_ms")), d, r);
	}
	if (n > 1)
		fprintf(f, "%.3f %" PRIu64 " %" PRIu64 "\n", t, d, r);
}

/* gnuplot single-quoted strings escape ' as ''. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if ((unsigned char)*s >= ' ')
			fputc(*s, f);
	}
	fputc('\'', f);
}

#define MEMSLOT_COLOR "'#d62728'"
#define MARK_COLOR "'#2ca02c'"

/* A vertical line per event; the marks (not memslot changes) labelled. */
static void tl_plot_events(const struct tl_plot *p, FILE *f)
{
	struct json_object *ev = get(p->tl, "events");

	for (size_t i = 0; i < json_object_array_length(ev); i++) {
		struct json_object *e = json_object_array_get_idx(ev, i);
		double t = json_object_get_double(get(e, "t_ms"));
		bool slot = !strcmp(json_object_get_string(get(e, "kind")),
				    "memslot");

		fprintf(f,
			"set arrow from %.3f, graph 0 to %.3f, graph 1 nohead "
			"lw %s lc rgb %s dt %d\n",
			t, t, slot ? "0.7" : "1.2",
			slot ? MEMSLOT_COLOR : MARK_COLOR, slot ? 2 : 1);
		if (slot)
			continue;
		fprintf(f, "set label ");
		gp_str(f, json_object_get_string(get(e, "name")));
		fprintf(f,
			" at %.3f, graph 0.98 rotate by 90 right offset "
			"-0.6,0 tc rgb " MARK_COLOR "\n",
			t);
	}
}

static void tl_plot_script(void *ctx, const char *data, FILE *f)
{
	const struct tl_plot *p = ctx;
	int64_t ms = json_object_get_int64(get(p->tl, "interval_ms"));

	fprintf(f, "set terminal svg size 1000,520 dynamic noenhanced font "
		   "'sans,11'\n");
	fprintf(f, "set title ");
	gp_str(f, p->guest);
	fprintf(f, ".': faults per %lld ms interval'\n", (long long)ms);
	fprintf(f, "set xlabel 'time since the run started (ms)'\n"
		   "set ylabel 'faults per interval (vCPU pf_taken)'\n"
		   "set yrange [0:*]\nset xrange [0:*]\nset grid ytics\n"
		   "set key below horizontal\nset tmargin 3\n");
	tl_plot_events(p, f);
	fprintf(f, "plot ");
	gp_str(f, data);
	fprintf(f, " using 1:2 with steps lw 2 lc rgb '#1f77b4' title "
		   "'faults (pf_taken)'");
	if (p->trace)
		fprintf(f, ", '' using 1:3 with steps lw 1 lc rgb '#ff7f0e' "
			   "title 're-faults (--trace)'");
	fprintf(f, ", NaN with lines lc rgb " MEMSLOT_COLOR " dt 2 title "
		   "'memslot change', NaN with lines lc rgb " MARK_COLOR
		   " title 'phase mark'\n");
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
	p.trace = faults != NULL;
	p.tl = timeline__to_json(rt->tl, res->phases, faults, nfaults);
	run_timeline__free(rt);
	if (!p.tl) {
		log_err("--sample-ms: out of memory");
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (json)
		json_object_object_add(json, "timeline", json_object_get(p.tl));
	if (rt->plot && json_object_array_length(get(p.tl, "samples")) < 2) {
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
