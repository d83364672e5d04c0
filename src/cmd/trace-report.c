// SPDX-License-Identifier: GPL-2.0-only
/* --trace and --trace-gfns of `zapvm run`: the refusal line and the reports. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/exit.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/stats.h"
#include "zapvm/trace-report.h"
#include "zapvm/vm.h"

int trace_run__parse(struct trace_run *tr, const char *arg)
{
	bool all = false, required = false;
	size_t len;

	for (const char *s = arg ? arg : ""; *s; s += len + (s[len] == ',')) {
		len = strcspn(s, ",");
		if (len == 3 && !strncmp(s, "all", 3)) {
			all = true;
		} else if (len == 8 && !strncmp(s, "required", 8)) {
			required = true;
		} else {
			log_err("--trace=%s: expected all, required or "
				"all,required",
				arg);
			return ZAPVM_EXIT_USAGE;
		}
	}
	tr->on = true;
	tr->all = all;
	tr->required = required;
	return 0;
}

unsigned int trace_run__extra(const struct trace_run *tr)
{
	if (tr->all)
		return TRACE_EXTRA_PF | TRACE_EXTRA_EXIT;
	return tr->gfns_path ? TRACE_EXTRA_PF : 0;
}

int trace_run__open(struct trace_run *tr)
{
	char buf[256];
	const char *why;
	int ret;

	if (!tr->on)
		return 0;
	ret = trace__new(&tr->t, trace_run__extra(tr), &why, buf, sizeof(buf));
	if (!ret)
		ret = trace__start(tr->t);
	if (!ret)
		return 0;
	trace__free(tr->t);
	tr->t = NULL;
	if (tr->required) {
		log_err("--trace=required: %s", why);
		return ZAPVM_EXIT_NOPERM;
	}
	log_warn("--trace: %s; running without the trace", why);
	return 0;
}

void trace_run__finish(struct trace_run *tr, const struct vm_result *res)
{
	unsigned int n = res->phases ? phase_log__count(res->phases) : 1;

	if (!tr->t)
		return;
	trace__stop(tr->t);
	tr->have_sum =
		!trace__result(tr->t, n, res->first_churn_phase, &tr->sum);
	if (!tr->have_sum)
		log_warn("--trace: out of memory classifying the faults");
}

/* "name N, ..." of the events that exist; the missing ones after. */
static void print_events(const struct trace_run *tr, FILE *f)
{
	const char *sep = "";
	bool missing = false;

	fprintf(f, "zapvm: trace events:");
	for (unsigned int e = 0; e < TEV_NR; e++) {
		if (!trace__traced(tr->t, e)) {
			missing |= !trace__available(tr->t, e);
			continue;
		}
		fprintf(f, "%s %s %" PRIu64, sep, trace_event__name(e),
			tr->sum.events[e]);
		sep = ",";
	}
	sep = "; not traced (--trace=all):";
	for (unsigned int e = 0; e < TEV_NR; e++) {
		if (!trace__available(tr->t, e) || trace__traced(tr->t, e))
			continue;
		fprintf(f, "%s %s", sep, trace_event__name(e));
		sep = ",";
	}
	if (missing) {
		sep = "; not on this host:";
		for (unsigned int e = 0; e < TEV_NR; e++) {
			if (trace__available(tr->t, e))
				continue;
			fprintf(f, "%s %s", sep, trace_event__name(e));
			sep = ",";
		}
	}
	fputc('\n', f);
}

static void print_count(FILE *f, const char *name, const struct trace_count *c)
{
	fprintf(f,
		"  %-14s %10" PRIu64 " faults %10" PRIu64 " first %10" PRIu64
		" re-faults %10" PRIu64 " GFNs\n",
		name, c->faults, c->first, c->refaults, c->distinct);
}

/* "  exits: npf 12, io 3, ..." of @n reasons in @e, nothing without any. */
static void print_exits(FILE *f, const struct trace_exit_count *e,
			unsigned int n, uint64_t other)
{
	char buf[32];

	if (!n)
		return;
	fprintf(f, "  exits:");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s %s %" PRIu64, i ? "," : "",
			trace_exit__name(e[i].isa, e[i].reason, buf,
					 sizeof(buf)),
			e[i].count);
	if (other)
		fprintf(f, ", other %" PRIu64, other);
	fputc('\n', f);
}

static struct json_object *exits_json(const struct trace_exit_count *e,
				      unsigned int n, uint64_t other)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	for (unsigned int i = 0; i < n; i++)
		json_object_object_add(o,
				       trace_exit__name(e[i].isa, e[i].reason,
							buf, sizeof(buf)),
				       json_object_new_uint64(e[i].count));
	if (other)
		json_object_object_add(o, "other",
				       json_object_new_uint64(other));
	return o;
}

static void print_phase(const struct trace_run *tr, const struct vm_result *res,
			unsigned int i, FILE *f)
{
	const struct trace_phase *p = &tr->sum.phases[i];
	const char *name = res->phases ? phase_log__name(res->phases, i) : NULL;
	const char *sep = "  events:";

	fprintf(f, "trace phase %u %s\n", i, name ? name : "run");
	print_count(f, "all", &p->all);
	for (unsigned int r = 0; r < p->nregions; r++)
		if (p->regions[r].faults)
			print_count(f, p->region_names[r], &p->regions[r]);
	for (unsigned int e = 0; e < TEV_NR; e++) {
		if (e == TEV_SPTE_REQUESTED || !p->events[e])
			continue;
		fprintf(f, "%s %s %" PRIu64, sep, trace_event__name(e),
			p->events[e]);
		sep = ",";
	}
	if (*sep == ',')
		fputc('\n', f);
	print_exits(f, p->exits, p->nexits, p->exits_other);
}

void trace_run__print(const struct trace_run *tr, const struct vm_result *res,
		      FILE *f, bool phases)
{
	const struct trace_summary *s = &tr->sum;

	if (!tr->t || !tr->have_sum)
		return;
	for (unsigned int i = 0; phases && i < s->nphases; i++)
		print_phase(tr, res, i, f);
	print_events(tr, f);
	if (s->nexits) {
		fprintf(f, "zapvm: trace: kvm_exit by reason:\n");
		print_exits(f, s->exits, s->nexits, s->exits_other);
	}
	fprintf(f,
		"zapvm: trace: %" PRIu64 " faults, floor %" PRIu64
		" GFNs (%" PRIu64 " 2M regions), %" PRIu64
		" re-faults after run-time memslot changes (%" PRIu64
		" in the run)\n",
		s->all.faults, s->floor_gfns, s->floor_2m, s->refaults,
		s->all.refaults);
	if (trace__lost(tr->t) || trace__incomplete(tr->t))
		fprintf(f,
			"zapvm: trace: incomplete: %" PRIu64
			" records lost, %u vCPUs not traced\n",
			trace__lost(tr->t), trace__incomplete(tr->t));
}

static struct json_object *count_json(const struct trace_count *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "faults", json_object_new_uint64(c->faults));
	json_object_object_add(o, "first_touch",
			       json_object_new_uint64(c->first));
	json_object_object_add(o, "refaults",
			       json_object_new_uint64(c->refaults));
	json_object_object_add(o, "distinct_gfns",
			       json_object_new_uint64(c->distinct));
	return o;
}

static struct json_object *phase_json(const struct trace_phase *p)
{
	struct json_object *o = count_json(&p->all);
	struct json_object *regions = json_object_new_object();
	struct json_object *events = json_object_new_object();

	for (unsigned int r = 0; r < p->nregions; r++)
		if (p->regions[r].faults)
			json_object_object_add(regions, p->region_names[r],
					       count_json(&p->regions[r]));
	for (unsigned int e = 0; e < TEV_NR; e++)
		json_object_object_add(events, trace_event__name(e),
				       json_object_new_uint64(p->events[e]));
	json_object_object_add(o, "regions", regions);
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "exits",
			       exits_json(p->exits, p->nexits, p->exits_other));
	return o;
}

static struct json_object *summary_json(const struct trace_run *tr)
{
	const struct trace_summary *s = &tr->sum;
	struct json_object *o = count_json(&s->all);
	struct json_object *events = json_object_new_object();

	for (unsigned int e = 0; e < TEV_NR; e++) {
		struct json_object *ev = json_object_new_object();
		bool avail = trace__available(tr->t, e);

		json_object_object_add(ev, "available",
				       json_object_new_boolean(avail));
		json_object_object_add(
			ev, "traced",
			json_object_new_boolean(trace__traced(tr->t, e)));
		json_object_object_add(ev, "count",
				       json_object_new_uint64(s->events[e]));
		json_object_object_add(events, trace_event__name(e), ev);
	}
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "exits",
			       exits_json(s->exits, s->nexits, s->exits_other));
	json_object_object_add(o, "floor_gfns",
			       json_object_new_uint64(s->floor_gfns));
	json_object_object_add(o, "floor_2m",
			       json_object_new_uint64(s->floor_2m));
	json_object_object_add(o, "refaults_after_churn",
			       json_object_new_uint64(s->refaults));
	json_object_object_add(o, "lost",
			       json_object_new_uint64(trace__lost(tr->t)));
	json_object_object_add(
		o, "untraced_vcpus",
		json_object_new_uint64(trace__incomplete(tr->t)));
	return o;
}

void trace_run__json(const struct trace_run *tr, struct json_object *o)
{
	struct json_object *r, *phases;
	size_t n;

	if (!tr->t || !tr->have_sum)
		return;
	if (json_object_object_get_ex(o, "result", &r)) {
		json_object_object_add(
			r, "floor_gfns",
			json_object_new_uint64(tr->sum.floor_gfns));
		json_object_object_add(
			r, "refaults",
			json_object_new_uint64(tr->sum.refaults));
	}
	if (json_object_object_get_ex(o, "phases", &phases)) {
		n = json_object_array_length(phases);
		for (size_t i = 0; i < n && i < tr->sum.nphases; i++)
			json_object_object_add(
				json_object_array_get_idx(phases, i), "trace",
				phase_json(&tr->sum.phases[i]));
	}
	json_object_object_add(o, "trace", summary_json(tr));
}

/* @tr's faults as CSV rows, with ",@vm" at their end when @vm >= 0. */
static void gfn_rows(const struct trace_run *tr, FILE *f, int vm)
{
	uint64_t t0 = trace__t0(tr->t);
	const struct trace_fault *flt;
	size_t n;

	flt = trace__faults(tr->t, &n);
	for (size_t i = 0; i < n; i++) {
		const struct trace_phase *p = &tr->sum.phases[flt[i].phase];

		fprintf(f, "%" PRId64 ",%u,0x%" PRIx64 ",%u,%u,%s,%d,",
			(int64_t)(flt[i].time - t0), flt[i].vcpu, flt[i].gfn,
			flt[i].level, flt[i].phase,
			p->region_names[flt[i].region], flt[i].refault);
		if (flt[i].has_error_code)
			fprintf(f, "0x%" PRIx64, flt[i].error_code);
		if (vm >= 0)
			fprintf(f, ",%d", vm);
		fputc('\n', f);
	}
}

#define GFNS_HEADER "time_ns,vcpu,gfn,level,phase,region,refault,error_code"

int trace_run__write_gfns(const struct trace_run *tr)
{
	struct outfile of;
	int ret;

	if (!tr->gfns_path || !tr->t || !tr->have_sum)
		return 0;
	ret = outfile__open(&of, "--trace-gfns", tr->gfns_path);
	if (ret)
		return ret == -ENAMETOOLONG ? ZAPVM_EXIT_USAGE :
					      ZAPVM_EXIT_IOERR;
	fprintf(of.f, GFNS_HEADER "\n");
	gfn_rows(tr, of.f, -1);
	return outfile__commit(&of) ? ZAPVM_EXIT_IOERR : 0;
}

int trace_run__write_gfns_vms(const char *path,
			      const struct trace_run *const *trs,
			      const unsigned int *vms, unsigned int n)
{
	struct outfile of;
	int ret;

	ret = outfile__open(&of, "--trace-gfns", path);
	if (ret)
		return ret == -ENAMETOOLONG ? ZAPVM_EXIT_USAGE :
					      ZAPVM_EXIT_IOERR;
	fprintf(of.f, GFNS_HEADER ",vm\n");
	for (unsigned int i = 0; i < n; i++)
		if (trs[i]->t && trs[i]->have_sum)
			gfn_rows(trs[i], of.f, (int)vms[i]);
	return outfile__commit(&of) ? ZAPVM_EXIT_IOERR : 0;
}

void trace_run__free(struct trace_run *tr)
{
	if (tr->have_sum)
		trace_summary__free(&tr->sum);
	tr->have_sum = false;
	trace__free(tr->t);
	tr->t = NULL;
}
