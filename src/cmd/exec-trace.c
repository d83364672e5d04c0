// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm exec --trace, --sample-ms: the trace and the timeline `zapvm run`
 * keeps for its own VM, for each VM of a foreign VMM. The library names
 * each vCPU's thread (CHAN_VCPU_RUN) before its first KVM_RUN, and zapvm
 * opens the tracepoints on that thread from outside (trace__tid()); the
 * memslot layout of each phase comes from the memslots the library
 * reported. A thread is one VM's at a time: when it starts a vCPU of
 * another VM (a VMM that runs its VMs one after the other), the first
 * VM's trace lets it go.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/exec.h"
#include "zapvm/log.h"
#include "zapvm/timeline.h"
#include "zapvm/util.h"

void exec_trace__vm(struct exec_state *x, struct exec_vm *v)
{
	char buf[256];
	const char *why;
	int ret;

	v->rt.sample_ms = x->sample_ms;
	if (!x->trace)
		return;
	v->tr.on = true;
	/* exec.c proved the trace can be had: a failure now is rare. */
	ret = trace__new(&v->tr.t, x->trace_extra, &why, buf, sizeof(buf));
	if (!ret) {
		ret = trace__start(v->tr.t);
		why = strerror(-ret);
	}
	if (!ret)
		return;
	log_warn("--trace: VM %u: %s; it runs without the trace", v->idx,
		 ret == -ENOMEM ? "out of memory" : why);
	trace__free(v->tr.t);
	v->tr.t = NULL;
}

int exec_trace__vcpu_run(struct exec_state *x, const struct chan_msg *m)
{
	struct exec_vm *v = NULL;

	for (unsigned int i = 0; i < x->nvms; i++) {
		if (x->vms[i]->idx == m->vm)
			v = x->vms[i];
		else if (x->vms[i]->tr.t)
			trace__tid_off(x->vms[i]->tr.t, (pid_t)m->tid);
	}
	if (!v)
		return -ENOENT;
	if (!v->tr.t || !m->tid)
		return 0;
	/* Failing costs the trace a thread (counted), not the VMM. */
	trace__tid(v->tr.t, (pid_t)m->tid, m->vcpu);
	return 0;
}

void exec_trace__start(struct exec_state *x, struct exec_vm *v)
{
	unsigned int n = 0;
	int ret;

	if (!x->sample_ms || !v->log)
		return;
	if (run_timeline__new(&v->rt))
		return;
	/* [0] the VM's (fd -1: none), then the vCPUs' with stats. */
	v->tl_sets = calloc(v->nvcpus + 1, sizeof(*v->tl_sets));
	if (!v->tl_sets) {
		run_timeline__free(&v->rt);
		return;
	}
	v->tl_sets[n++] = v->st;
	for (unsigned int i = 0; i < v->nvcpus; i++)
		if (v->vcpus[i]->in_phases)
			v->tl_sets[n++] = v->vcpus[i]->st;
	ret = timeline__start(v->rt.tl, v->tl_sets, n);
	if (ret)
		run_timeline__free(&v->rt);
}

/* The VM's memslots now, address space 0 first (the one faults hit). */
static unsigned int layout_of(const struct exec_vm *v, struct trace_region *r)
{
	unsigned int n = 0;

	for (unsigned int as = 0; as < 2; as++) {
		for (unsigned int i = 0; i < v->nslots; i++) {
			const struct exec_slot_state *s = &v->slots[i];

			if ((s->slot >> 16) != as || !s->size ||
			    n == TRACE_MAX_REGIONS)
				continue;
			snprintf(r[n].name, sizeof(r[n].name), "%sslot%u%s",
				 as ? "as1-" : "", s->slot & 0xffff,
				 s->flags & KVM_MEM_READONLY ? "-ro" : "");
			r[n].gfn = s->gpa >> 12;
			r[n].npages = (s->size + 4095) >> 12;
			n++;
		}
	}
	return n;
}

void exec_trace__mark(struct exec_vm *v, int phase, bool memslot)
{
	struct trace_region r[TRACE_MAX_REGIONS];

	if (phase < 0)
		return;
	if (v->tr.t)
		trace__layout(v->tr.t, (unsigned int)phase, now_ns(), r,
			      layout_of(v, r));
	if (memslot)
		timeline__memslot(v->rt.tl, phase);
}

/* What the trace and timeline reports read of a run: the phases. */
static void phases_of(const struct exec_vm *v, struct vm_result *res)
{
	memset(res, 0, sizeof(*res));
	res->phases = v->log;
	res->first_churn_phase = v->first_churn_phase;
}

void exec_trace__finish(struct exec_vm *v)
{
	struct vm_result res;

	if (v->rt.tl)
		timeline__stop(v->rt.tl);
	if (!v->tr.t)
		return;
	phases_of(v, &res);
	trace_run__finish(&v->tr, &res);
}

void exec_trace__print(const struct exec_state *x, const char *name, bool stats)
{
	struct vm_result res;

	if (stats)
		return;
	for (unsigned int i = 0; i < x->nvms; i++) {
		phases_of(x->vms[i], &res);
		trace_run__print(&x->vms[i]->tr, &res, stdout, false);
	}
}

/* --trace-gfns: every traced VM's faults. */
static int write_gfns(const struct exec_state *x, const char *path)
{
	const struct trace_run **trs = calloc(x->nvms, sizeof(*trs));
	unsigned int *idx = calloc(x->nvms, sizeof(*idx));
	int ret = ZAPVM_EXIT_SOFTWARE;

	if (trs && idx) {
		for (unsigned int i = 0; i < x->nvms; i++) {
			trs[i] = &x->vms[i]->tr;
			idx[i] = x->vms[i]->idx;
		}
		ret = trace_run__write_gfns_vms(path, trs, idx, x->nvms);
	} else {
		log_err("--trace-gfns: out of memory");
	}
	free(trs);
	free(idx);
	return ret;
}

/* VM @idx's record in exec__json()'s @json: the object, or the array's. */
static struct json_object *record_of(struct json_object *json, unsigned int idx)
{
	struct json_object *o, *n;

	if (!json)
		return NULL;
	if (!json_object_is_type(json, json_type_array))
		return json;
	for (size_t i = 0; i < json_object_array_length(json); i++) {
		o = json_object_array_get_idx(json, i);
		if (json_object_object_get_ex(o, "vm_index", &n) &&
		    json_object_get_int(n) == (int)idx)
			return o;
	}
	return NULL;
}

int exec_trace__report(struct exec_state *x, const char *name, const char *gfns,
		       const struct run_timeline *rt, struct json_object *json)
{
	const char *plot = rt->plot;
	struct vm_result res;
	int ret = 0, r;

	if (gfns && x->trace)
		ret = write_gfns(x, gfns);
	for (unsigned int i = 0; i < x->nvms; i++) {
		struct exec_vm *v = x->vms[i];

		if (!v->rt.tl)
			continue;
		/* One SVG: the first VM's; every VM's samples in its record. */
		v->rt.plot = plot;
		plot = NULL;
		phases_of(v, &res);
		r = run_timeline__report(&v->rt, name, &res, &v->tr,
					 record_of(json, v->idx));
		if (r && !ret)
			ret = r;
	}
	if (plot)
		log_warn("--plot %s: not written: no VM ran with a timeline",
			 plot);
	return ret;
}

void exec_trace__free(struct exec_vm *v)
{
	run_timeline__free(&v->rt);
	free(v->tl_sets);
	v->tl_sets = NULL;
	trace_run__free(&v->tr);
}
