/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An SVG drawn by gnuplot (src/bench/out-plot.c), for `bench --plot` and
 * `run --plot`.
 */
#ifndef ZAPVM_PLOT_H
#define ZAPVM_PLOT_H

#include <stdio.h>

/* What to draw: the caller writes the data file and the script. */
struct plot_ops {
	void (*data)(void *ctx, FILE *f); /* the data file's contents */
	/* The script that plots file @data; no "set output" (stdout). */
	void (*script)(void *ctx, const char *data, FILE *f);
	void *ctx;
	const char *kept; /* for the warning without gnuplot: what is kept */
};

/*
 * plot__svg - gnuplot draws @ops's script into @path ("-": standard
 * output) through outfile__open, its data and script in a private
 * temporary directory removed after. Returns an exit status: 0 (also
 * without gnuplot, after one warning line naming @ops->kept), 64 for a
 * path too long, 74 when a file cannot be written or gnuplot fails.
 */
int plot__svg(const char *path, const struct plot_ops *ops);

#endif /* ZAPVM_PLOT_H */
