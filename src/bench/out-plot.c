// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench --plot: an SVG through gnuplot, one panel per plotted metric,
 * one bar per policy with its 95% interval, one group per cell shape.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/plot.h"
#include "zapvm/util.h"

#include "bench.h"

/* gnuplot single-quoted strings escape ' as ''. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * One row per group of cells: label, then mean and CI half-width of each
 * policy for each plotted metric.
 */
static void plot__data(void *ctx, FILE *f)
{
	const struct bench *b = ctx;
	const struct bench_scenario *sc = b->o.sc;
	unsigned int per = b->o.npolicy;

	for (unsigned int g = 0; g < b->ncells; g += per) {
		const struct bench_cell *c0 = &b->cells[g];

		fprintf(f, "\"%lluM %ucpu thp=%s%s%s%s%s\"",
			(unsigned long long)(c0->mem >> 20), c0->cpus,
			cell__thp_name(c0->thp),
			c0->prefetch >= 0 ? " pf=" : "",
			c0->prefetch >= 0 ? cell__onoff(c0->prefetch) : "",
			c0->root_zap >= 0 ? " rz=" : "",
			c0->root_zap >= 0 ? cell__root_zap_name(c0->root_zap) :
					    "");
		for (unsigned int m = 0; m < sc->nmetrics; m++) {
			if (!(sc->metrics[m].flags & M_PLOT))
				continue;
			for (unsigned int p = 0; p < per; p++) {
				const struct bstat *s =
					&b->cells[g + p].stat[m];

				fprintf(f, " %g %g",
					isfinite(s->mean) ? s->mean : 0,
					isfinite(s->ci_hi) ?
						s->ci_hi - s->mean :
						0);
			}
		}
		fputc('\n', f);
	}
}

/*
 * The gnuplot script that draws @data. No "set output": the SVG goes to
 * gnuplot's standard output, which is the outfile of --plot.
 */
static void plot__script(void *ctx, const char *data, FILE *f)
{
	const struct bench *b = ctx;
	const struct bench_scenario *sc = b->o.sc;
	unsigned int per = b->o.npolicy, npanels = 0;

	for (unsigned int m = 0; m < sc->nmetrics; m++)
		npanels += !!(sc->metrics[m].flags & M_PLOT);
	fprintf(f,
		"set terminal svg size %u,480 dynamic noenhanced font "
		"'sans,11'\n",
		420 * npanels + 120);
	fprintf(f,
		"set style data histogram\nset style histogram errorbars "
		"gap 2 lw 1\nset style fill solid 0.5 border -1\n"
		"set key top left\nset yrange [0:*]\nset xtics nomirror\nset bmargin 4\n"
		"set multiplot layout 1,%u title ",
		npanels);
	fprintf(f,
		"\"zapvm bench %s: host %s, MMU %s, THP %s; %u runs, "
		"bars: 95%% CI\"\n",
		sc->name, b->host.kernel, b->host.mmu, b->host.thp_enabled,
		b->o.runs);
	for (unsigned int m = 0, col = 2; m < sc->nmetrics; m++) {
		if (!(sc->metrics[m].flags & M_PLOT))
			continue;
		fprintf(f, "set title '%s'\nset ylabel '%s'\nplot ",
			sc->metrics[m].name,
			*sc->metrics[m].unit ? sc->metrics[m].unit : "count");
		for (unsigned int p = 0; p < per; p++, col += 2) {
			fprintf(f, "%s", p ? ", '' " : "");
			if (!p)
				gp_str(f, data);
			fprintf(f, " using %u:%u%s title '%s'", col, col + 1,
				p ? "" : ":xtic(1)",
				zap_policy__name(b->cells[p].policy));
		}
		fputc('\n', f);
	}
	fprintf(f, "unset multiplot\n");
}

/*
 * @file in the private directory, written through outfile__open like
 * every file zapvm writes: by @data_fn, or by @script_fn given @data.
 * 0 or -errno after one line.
 */
static int plot__write(const char *file, const struct plot_ops *ops,
		       const char *data)
{
	struct outfile of;
	int ret = outfile__open(&of, ops->opt ? ops->opt : "--plot", file);

	if (ret)
		return ret;
	if (data)
		ops->script(ops->ctx, data, of.f);
	else
		ops->data(ops->ctx, of.f);
	return outfile__commit(&of);
}

/* gnuplot runs @script with its standard output on @path's outfile. */
static int plot__gnuplot(const char *opt, const char *path, char *script)
{
	char *argv[] = { "gnuplot", script, NULL };
	struct outfile of;
	pid_t pid;
	int ret = outfile__open(&of, opt, path);

	if (ret)
		return ret == -ENAMETOOLONG ? ZAPVM_EXIT_USAGE :
					      ZAPVM_EXIT_IOERR;
	pid = spawn__run(argv, fileno(of.f), false);
	if (pid < 0 || spawn__wait(pid)) {
		log_err("%s %s: gnuplot failed", opt, path);
		outfile__abort(&of);
		return ZAPVM_EXIT_IOERR;
	}
	return outfile__commit(&of) ? ZAPVM_EXIT_IOERR : 0;
}

int plot__svg(const char *path, const struct plot_ops *ops)
{
	char dir[] = "/tmp/zapvm-plot.XXXXXX", data[64], script[64];
	const char *opt = ops->opt ? ops->opt : "--plot";
	int ret = 0;

	if (!spawn__in_path("gnuplot")) {
		log_warn("%s %s: not written: gnuplot is not installed "
			 "(Debian: apt-get install gnuplot-nox); %s",
			 opt, path, ops->kept);
		return 0;
	}
	if (!mkdtemp(dir)) {
		log_err("%s %s: %s", opt, path, strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	if (plot__write(data, ops, NULL) || plot__write(script, ops, data)) {
		ret = ZAPVM_EXIT_IOERR;
		goto out;
	}
	ret = plot__gnuplot(opt, path, script);
out:
	unlink(data);
	unlink(script);
	rmdir(dir);
	return ret;
}

int bench__plot(const struct bench *b, const char *path)
{
	const struct plot_ops ops = {
		.data = plot__data,
		.script = plot__script,
		.ctx = (void *)b,
		.kept = "the table, CSV and JSON are complete without it",
	};

	return plot__svg(path, &ops);
}
