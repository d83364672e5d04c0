// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench --timeline FILE.svg, --sample-ms N: the first run of each
 * cell is sampled as `zapvm run --sample-ms` samples a run (timeline.h);
 * its child sends the timeline back with its figures, the cell keeps it
 * for --json, and the SVG draws one panel of faults per interval per cell
 * (plot.h), on one time and one fault scale so the policies compare.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/plot.h"
#include "zapvm/run-timeline.h"
#include "zapvm/util.h"

#include "bench.h"

int bench_tl__opt(int c, const char *arg, struct bench_opts *o)
{
	switch (c) {
	case BENCH_TL_OPT_TIMELINE:
		o->timeline = arg;
		return 0;
	case BENCH_TL_OPT_SAMPLE_MS:
		return run_timeline__parse_ms(arg, &o->sample_ms);
	default:
		return 1;
	}
}

int bench_tl__combine(struct bench_opts *o)
{
	const char *opt = o->timeline ? "--timeline" : "--sample-ms";
	char names[128] = "";
	size_t n = 0;

	if (!o->timeline && !o->sample_ms)
		return 0;
	if (!o->sc->timeline) {
		for (unsigned int i = 0; i < bench_nscenarios && n < 128; i++)
			if (bench_scenarios[i]->timeline &&
			    !bench_scenarios[i]->kernel)
				n += (size_t)snprintf(names + n, 128 - n,
						      "%s%s", n ? ", " : "",
						      bench_scenarios[i]->name);
		log_err("bench %s: %s goes with %s (boot also with --kernel)",
			o->sc->name, opt, names);
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->timeline && !o->json) {
		log_err("bench: --sample-ms goes with --json or --timeline");
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->sample_ms)
		o->sample_ms = BENCH_TL_DEFAULT_MS;
	return 0;
}

unsigned int bench_tl__period(const struct bench *b, unsigned int run)
{
	return run == 0 ? b->o.sample_ms : 0;
}

void bench_tl__reap(struct bench_cell *c, struct json_object *r,
		    unsigned int run)
{
	struct json_object *tl;

	if (!json_object_object_get_ex(r, "timeline", &tl))
		return;
	json_object_put(c->timeline);
	c->timeline = json_object_get(tl);
	c->timeline_run = run + 1;
	json_object_object_del(r, "timeline");
}

/* ---- the SVG ----------------------------------------------------------- */

struct bench_tl_plot {
	const struct bench *b;
	unsigned int npanels;
	double t_max;
	uint64_t y_max;
};

/* Whether @c has a timeline to draw. */
static bool drawn(const struct bench_cell *c)
{
	return c->timeline && timeline_plot__nsamples(c->timeline) >= 2;
}

/* A block per drawn cell, in cell order: gnuplot's index counts them. */
static void tl_data(void *ctx, FILE *f)
{
	const struct bench_tl_plot *p = ctx;

	for (unsigned int k = 0, i = 0; k < p->b->ncells; k++) {
		if (!drawn(&p->b->cells[k]))
			continue;
		if (i++)
			fputs("\n\n", f);
		timeline_plot__data(f, p->b->cells[k].timeline);
	}
}

static void tl_script(void *ctx, const char *data, FILE *f)
{
	const struct bench_tl_plot *p = ctx;
	const struct bench *b = p->b;
	struct timeline_panel panel = {
		.data = data,
		.t_max = p->t_max,
		.y_max = p->y_max + p->y_max / 10 + 1,
	};
	char title[512], label[400];

	fprintf(f,
		"set terminal svg size 1000,%u dynamic noenhanced font "
		"'sans,11'\n",
		300 * p->npanels + 60);
	fprintf(f, "set multiplot layout %u,1 title ", p->npanels);
	snprintf(title, sizeof(title),
		 "zapvm bench %s: faults per %u ms interval, run 1 of each "
		 "cell; host %s, MMU %s",
		 b->o.sc->name, b->o.sample_ms, b->host.kernel, b->host.mmu);
	timeline_plot__str(f, title);
	fputc('\n', f);
	for (unsigned int k = 0; k < b->ncells; k++) {
		const struct bench_cell *c = &b->cells[k];

		if (!drawn(c))
			continue;
		cell__label(c, label, sizeof(label));
		snprintf(title, sizeof(title), "%s (run %u)", label,
			 c->timeline_run);
		panel.tl = c->timeline;
		panel.title = title;
		timeline_plot__panel(f, &panel);
		panel.index++;
	}
	fprintf(f, "unset multiplot\n");
}

int bench_tl__plot(const struct bench *b, const char *path)
{
	struct bench_tl_plot p = { .b = b };
	struct plot_ops ops = {
		.data = tl_data,
		.script = tl_script,
		.ctx = &p,
		.kept = "each cell's timeline is in --json",
		.opt = "--timeline",
	};

	for (unsigned int k = 0; k < b->ncells; k++) {
		double t;
		uint64_t peak;

		if (!drawn(&b->cells[k]))
			continue;
		p.npanels++;
		timeline_plot__extent(b->cells[k].timeline, &t, &peak);
		p.t_max = t > p.t_max ? t : p.t_max;
		p.y_max = peak > p.y_max ? peak : p.y_max;
	}
	if (!p.npanels) {
		log_warn("--timeline %s: not written: no cell's sampled run "
			 "has 2 samples",
			 path);
		return 0;
	}
	if (p.npanels < b->ncells)
		log_warn(
			"--timeline %s: %u of %u cells have no timeline (their "
			"first run failed or had under 2 samples)",
			path, b->ncells - p.npanels, b->ncells);
	return plot__svg(path, &ops);
}
