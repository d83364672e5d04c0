/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An SVG drawn by gnuplot (src/bench/out-plot.c), for `bench --plot`,
 * `run --plot` and `bench --timeline`; the panels of faults per interval
 * the last two draw from a timeline's JSON (src/bench/plot-timeline.c).
 */
#ifndef ZAPVM_PLOT_H
#define ZAPVM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* What to draw: the caller writes the data file and the script. */
struct plot_ops {
	void (*data)(void *ctx, FILE *f); /* the data file's contents */
	/* The script that plots file @data; no "set output" (stdout). */
	void (*script)(void *ctx, const char *data, FILE *f);
	void *ctx;
	const char *kept; /* for the warning without gnuplot: what is kept */
	const char *opt; /* the option, for messages; NULL: "--plot" */
};

/*
 * plot__svg - gnuplot draws @ops's script into @path ("-": standard
 * output) through outfile__open, its data and script in a private
 * temporary directory removed after. Returns an exit status: 0 (also
 * without gnuplot, after one warning line naming @ops->kept), 64 for a
 * path too long, 74 when a file cannot be written or gnuplot fails.
 */
int plot__svg(const char *path, const struct plot_ops *ops);

/* ---- faults per interval from a timeline's JSON (timeline.h) ---------- */

/* timeline_plot__nsamples - how many samples @tl holds. */
size_t timeline_plot__nsamples(struct json_object *tl);

/* timeline_plot__traced - whether @tl's samples count a trace's faults. */
bool timeline_plot__traced(struct json_object *tl);

/*
 * timeline_plot__extent - over @tl's intervals (between samples): the end
 * of the last one in *@t_end (ms; 0 with fewer than 2 samples), the most
 * faults in one in *@peak. Returns the faults of all intervals: the vCPUs'
 * pf_taken at the last sample less that at the first.
 */
uint64_t timeline_plot__extent(struct json_object *tl, double *t_end,
			       uint64_t *peak);

/*
 * timeline_plot__data - @tl's intervals as one gnuplot data block on @f,
 * a row "START_MS FAULTS REFAULTS" each (re-faults 0 untraced), and the
 * last one again at its end so that steps reach it; nothing with fewer
 * than 2 samples. The caller separates blocks with two blank lines.
 */
void timeline_plot__data(FILE *f, struct json_object *tl);

/* timeline_plot__str - @s as a gnuplot single-quoted string on @f. */
void timeline_plot__str(FILE *f, const char *s);

/* One panel of faults per interval. */
struct timeline_panel {
	struct json_object *tl; /* the timeline's JSON: its events */
	const char *title;
	const char *data; /* the data file; its block @index is @tl's */
	unsigned int index;
	double t_max; /* the x range's end (ms); 0: gnuplot's choice */
	uint64_t y_max; /* the y range's top; 0: gnuplot's choice */
};

/*
 * timeline_plot__panel - the gnuplot commands that draw panel @p on @f:
 * faults per interval as steps (and re-faults when traced), a dashed red
 * vertical line per memslot change and a green labelled one per phase
 * mark, a key below. Clears the arrows and labels a panel before it set.
 */
void timeline_plot__panel(FILE *f, const struct timeline_panel *p);

#endif /* ZAPVM_PLOT_H */
