// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults per interval over time, drawn from a timeline's JSON
 * (timeline__to_json()), one panel at a time: `run --plot` draws one,
 * `bench --timeline` one per cell (plot.h). Drawn from the JSON, not the
 * raw samples, so the plot shows what the file holds.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/plot.h"

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

size_t timeline_plot__nsamples(struct json_object *tl)
{
	return json_object_array_length(get(tl, "samples"));
}

bool timeline_plot__traced(struct json_object *tl)
{
	return get(json_object_array_get_idx(get(tl, "samples"), 0), "trace");
}

/* Interval @i (1..n-1) of @s: its start, end, faults and re-faults. */
static void interval(struct json_object *s, size_t i, double *t0, double *t1,
		     uint64_t *d, uint64_t *r)
{
	struct json_object *a = json_object_array_get_idx(s, i - 1);
	struct json_object *b = json_object_array_get_idx(s, i);
	uint64_t fa = sample_faults(a), fb = sample_faults(b);
	uint64_t ra = sample_refaults(a), rb = sample_refaults(b);

	*t0 = json_object_get_double(get(a, "t_ms"));
	*t1 = json_object_get_double(get(b, "t_ms"));
	/* Cumulative counters: a smaller later value is no negative count. */
	*d = fb > fa ? fb - fa : 0;
	*r = rb > ra ? rb - ra : 0;
}

uint64_t timeline_plot__extent(struct json_object *tl, double *t_end,
			       uint64_t *peak)
{
	struct json_object *s = get(tl, "samples");
	size_t n = json_object_array_length(s);
	uint64_t d, r, sum = 0;
	double t0, t1;

	*t_end = 0;
	*peak = 0;
	for (size_t i = 1; i < n; i++) {
		interval(s, i, &t0, &t1, &d, &r);
		*t_end = t1;
		*peak = d > *peak ? d : *peak;
		sum += d;
	}
	return sum;
}

void timeline_plot__data(FILE *f, struct json_object *tl)
{
	struct json_object *s = get(tl, "samples");
	size_t n = json_object_array_length(s);
	uint64_t d = 0, r = 0;
	double t0, t1 = 0;

	for (size_t i = 1; i < n; i++) {
		interval(s, i, &t0, &t1, &d, &r);
		fprintf(f, "%.3f %" PRIu64 " %" PRIu64 "\n", t0, d, r);
	}
	/* The last interval's row again at its end, so the steps reach it. */
	if (n > 1)
		fprintf(f, "%.3f %" PRIu64 " %" PRIu64 "\n", t1, d, r);
}

void timeline_plot__str(FILE *f, const char *s)
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
static void panel_events(FILE *f, struct json_object *tl)
{
	struct json_object *ev = get(tl, "events");

	for (size_t i = 0; i < json_object_array_length(ev); i++) {
		struct json_object *e = json_object_array_get_idx(ev, i);
		double t = json_object_get_double(get(e, "t_ms"));
		const char *kind = json_object_get_string(get(e, "kind"));
		bool slot = kind && !strcmp(kind, "memslot");
		const char *name;

		fprintf(f,
			"set arrow from %.3f, graph 0 to %.3f, graph 1 nohead "
			"lw %s lc rgb %s dt %d\n",
			t, t, slot ? "0.7" : "1.2",
			slot ? MEMSLOT_COLOR : MARK_COLOR, slot ? 2 : 1);
		if (slot)
			continue;
		fprintf(f, "set label ");
		name = json_object_get_string(get(e, "name"));
		timeline_plot__str(f, name ? name : "");
		fprintf(f,
			" at %.3f, graph 0.98 rotate by 90 right offset "
			"-0.6,0 tc rgb " MARK_COLOR "\n",
			t);
	}
}

void timeline_plot__panel(FILE *f, const struct timeline_panel *p)
{
	fprintf(f, "unset arrow\nunset label\nset title ");
	timeline_plot__str(f, p->title);
	fprintf(f, "\nset xlabel 'time since the run started (ms)'\n"
		   "set ylabel 'faults per interval (vCPU pf_taken)'\n"
		   "set grid ytics\nset key below horizontal\n");
	if (p->t_max > 0)
		fprintf(f, "set xrange [0:%.3f]\n", p->t_max);
	else
		fprintf(f, "set xrange [0:*]\n");
	if (p->y_max > 0)
		fprintf(f, "set yrange [0:%" PRIu64 "]\n", p->y_max);
	else
		fprintf(f, "set yrange [0:*]\n");
	panel_events(f, p->tl);
	fprintf(f, "plot ");
	timeline_plot__str(f, p->data);
	fprintf(f,
		" index %u using 1:2 with steps lw 2 lc rgb '#1f77b4' title "
		"'faults (pf_taken)'",
		p->index);
	if (timeline_plot__traced(p->tl))
		fprintf(f,
			", '' index %u using 1:3 with steps lw 1 lc rgb "
			"'#ff7f0e' title 're-faults (--trace)'",
			p->index);
	fprintf(f, ", NaN with lines lc rgb " MEMSLOT_COLOR " dt 2 title "
		   "'memslot change', NaN with lines lc rgb " MARK_COLOR
		   " title 'phase mark'\n");
}
