/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `zapvm run --sample-ms N --plot FILE.svg`: the command's side of the
 * timeline (timeline.h): its options, its place in the run's --json, and
 * the plot of faults per interval (src/cmd/run-timeline.c).
 */
#ifndef ZAPVM_RUN_TIMELINE_H
#define ZAPVM_RUN_TIMELINE_H

#include <stdbool.h>

struct json_object;
struct timeline;
struct trace_run;
struct vm_result;

/* The plot's default interval when --plot comes without --sample-ms. */
#define RUN_TIMELINE_PLOT_MS 10

struct run_timeline {
	unsigned int sample_ms; /* --sample-ms; 0: not given */
	const char *plot; /* --plot FILE, or NULL */
	struct timeline *tl; /* made by run_timeline__new() */
};

/*
 * run_timeline__parse_ms - --sample-ms's period into @ms: 1 to 3600000;
 * else one line and ZAPVM_EXIT_USAGE. run and bench share it.
 */
int run_timeline__parse_ms(const char *arg, unsigned int *ms);

/*
 * run_timeline__opt - --sample-ms (@plot false) or --plot (@plot true)
 * with argument @arg. 0, or ZAPVM_EXIT_USAGE after one line.
 */
int run_timeline__opt(struct run_timeline *rt, bool plot, const char *arg);

/*
 * run_timeline__check - what the whole command line says: --sample-ms
 * needs --json or --plot (@json: the --json path or NULL), and --plot's
 * file must be writable, checked before the run (74 when not, as for
 * --firmware-log). --plot alone samples every RUN_TIMELINE_PLOT_MS. 0 or
 * an exit status after one line.
 */
int run_timeline__check(struct run_timeline *rt, const char *json);

/*
 * run_timeline__new - the timeline the run samples into, when asked for;
 * 0, or ZAPVM_EXIT_SOFTWARE (out of memory, one line). @rt->tl stays NULL
 * without --sample-ms or --plot.
 */
int run_timeline__new(struct run_timeline *rt);

/*
 * run_timeline__report - after the run: "timeline" added to @json (the
 * run's --json object; may be NULL), with the trace's faults per sample
 * when @tr traced, and the --plot drawn (titled with @guest). Returns an exit status (0 when
 * only gnuplot is missing: one warning line). Frees the timeline.
 */
int run_timeline__report(struct run_timeline *rt, const char *guest,
			 const struct vm_result *res,
			 const struct trace_run *tr, struct json_object *json);

/* run_timeline__free - the timeline, if run_timeline__report() did not. */
void run_timeline__free(struct run_timeline *rt);

#endif /* ZAPVM_RUN_TIMELINE_H */
