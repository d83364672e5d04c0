/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --trace and --trace-gfns in the command layer (src/cmd/trace-report.c):
 * opening the trace with its one-line refusal, and what run prints and
 * writes of it. The trace itself is trace.h.
 */
#ifndef ZAPVM_TRACE_REPORT_H
#define ZAPVM_TRACE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "zapvm/trace.h"

struct json_object;
struct vm_result;

struct trace_run {
	bool on; /* --trace */
	bool required; /* --trace=required */
	bool all; /* --trace=all: kvm_exit and kvm_page_fault too */
	const char *gfns_path; /* --trace-gfns FILE, or NULL */
	struct trace *t; /* NULL: not tracing */
	struct trace_summary sum;
	bool have_sum;
};

/*
 * trace_run__parse - --trace's argument @arg (NULL, or "all", "required"
 * or both, comma-separated) into @tr. 0, or ZAPVM_EXIT_USAGE after one
 * line.
 */
int trace_run__parse(struct trace_run *tr, const char *arg);

/*
 * trace_run__extra - the TRACE_EXTRA_* events @tr asks for: --trace=all
 * both, --trace-gfns kvm_page_fault (its error code column).
 */
unsigned int trace_run__extra(const struct trace_run *tr);

/*
 * trace_run__open - with --trace (or --trace-gfns), open the trace into
 * tr->t. When it cannot be had, one line says why, and the run goes on
 * without it (0) or, with --trace=required, ZAPVM_EXIT_NOPERM is returned.
 * 0 also when --trace was not given.
 */
int trace_run__open(struct trace_run *tr);

/*
 * trace_run__finish - after vm__run() with @res: stop the trace and
 * classify its faults over @res's phases. Nothing without a trace.
 */
void trace_run__finish(struct trace_run *tr, const struct vm_result *res);

/*
 * trace_run__print - the trace's line on @f (events, faults, floor,
 * re-faults), and with @phases one block per phase of @res.
 */
void trace_run__print(const struct trace_run *tr, const struct vm_result *res,
		      FILE *f, bool phases);

/*
 * trace_run__json - add "trace" to the run object @o of report__json_run()
 * and each of its phases, and floor_gfns and refaults to its "result".
 */
void trace_run__json(const struct trace_run *tr, struct json_object *o);

/*
 * trace_run__write_gfns - --trace-gfns: every fault as CSV (time_ns from
 * the first phase, vcpu, gfn, level, phase, region, refault) through
 * outfile.h. 0 or an exit status after one line.
 */
int trace_run__write_gfns(const struct trace_run *tr);

/*
 * trace_run__write_gfns_vms - the same for `zapvm exec`: into @path, the
 * faults of each of the @n traces @trs (untraced ones skipped), with a
 * last column "vm" that holds @vms[i]. 0 or an exit status after one line.
 */
int trace_run__write_gfns_vms(const char *path,
			      const struct trace_run *const *trs,
			      const unsigned int *vms, unsigned int n);

void trace_run__free(struct trace_run *tr);

#endif /* ZAPVM_TRACE_REPORT_H */
