// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench exec: another VMM (QEMU, kvmtool, cloud-hypervisor, ...) as
 * the guest of every run, each run `zapvm exec`'s machinery (exec__run())
 * on it: faults to boot-done and in all, the memslot changes by kind
 * before boot-done and in all, the time to boot-done.
 */
#include <math.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/exec.h"
#include "zapvm/log.h"
#include "zapvm/stats.h"
#include "zapvm/timeline.h"
#include "zapvm/util.h"

#include "bench.h"

#define GRACE_MS 3000

enum {
	X_FAULTS_BOOT,
	X_FAULTS_TOTAL,
	X_FAULTS_AFTER_CHURN,
	X_BOOT_MS,
	X_SLOT_BOOT, /* add, delete, move, flags before boot-done */
	X_SLOTS_BOOT = X_SLOT_BOOT + 4,
	X_SLOT, /* add, delete, move, flags in all */
	X_MEMSLOT_MS = X_SLOT + 4,
	X_WALL_MS,
	X_VMM_EXIT,
	X_N,
};

static const char *const slot_ops[] = { "add", "delete", "move", "flags" };

static const struct bench_metric exec_metrics[] = {
	[X_FAULTS_BOOT] = { "faults_boot", "", "boot faults",
			    M_TABLE | M_RATIO | M_PLOT },
	[X_FAULTS_TOTAL] = { "faults_total", "", "total faults",
			     M_TABLE | M_RATIO },
	[X_FAULTS_AFTER_CHURN] = { "faults_after_churn", "", "after churn",
				   M_TABLE | M_RATIO },
	[X_BOOT_MS] = { "boot_ms", "ms", "boot ms", M_TABLE | M_PLOT },
	[X_SLOT_BOOT] = { "slot_add_boot", "", "adds to boot", 0 },
	[X_SLOT_BOOT + 1] = { "slot_delete_boot", "", "deletes to boot", 0 },
	[X_SLOT_BOOT + 2] = { "slot_move_boot", "", "moves to boot", 0 },
	[X_SLOT_BOOT + 3] = { "slot_flags_boot", "", "flags to boot", 0 },
	[X_SLOTS_BOOT] = { "slot_changes_boot", "", "slot chg to boot",
			   M_TABLE },
	[X_SLOT] = { "slot_add", "", "adds", 0 },
	[X_SLOT + 1] = { "slot_delete", "", "deletes", 0 },
	[X_SLOT + 2] = { "slot_move", "", "moves", 0 },
	[X_SLOT + 3] = { "slot_flags", "", "flag changes", 0 },
	[X_MEMSLOT_MS] = { "memslot_ms", "ms", "run-time memslot ms", 0 },
	[X_WALL_MS] = { "wall_ms", "ms", "wall ms", 0 },
	[X_VMM_EXIT] = { "vmm_exit", "", "VMM exit status", 0 },
};

_Static_assert(NMETRICS(exec_metrics) == X_N && X_N <= MAX_METRICS,
	       "the exec metrics fit");

/* No floors: what a foreign guest touches is not known. */
static void bexec__prepare(struct bench_cell *c, uint64_t base,
			   const char *user_args)
{
}

/*
 * The memslot changes of @v by kind, both address spaces counted (QEMU
 * makes each change in its SMM space too): all of them into @all, those
 * begun before boot-done (@done_ns since exec's start, 0: none) into @boot.
 */
static void count_slots(const struct exec_vm *v, uint64_t done_ns, double *boot,
			double *all)
{
	for (unsigned int i = 0; i < 4; i++)
		boot[i] = all[i] = 0;
	for (unsigned int i = 0; i < v->nevs; i++) {
		const struct exec_slot_ev *e = &v->evs[i];

		if (e->ret)
			continue;
		for (unsigned int k = 0; k < 4; k++) {
			if (strcmp(e->op, slot_ops[k]))
				continue;
			all[k]++;
			if (done_ns && e->at_ns < done_ns)
				boot[k]++;
		}
	}
}

/* The figures of the VMM's first VM into @v and @rec. */
static void bexec__figures(const struct exec_state *x, const char *path,
			   int status, double *v, struct json_object *rec)
{
	const struct exec_vm *vm = x->vms[0];
	uint64_t done = 0;
	struct vm_config cfg;
	struct vm_result res;
	int d;

	exec__as_run(x, vm, path, status, &cfg, &res);
	if (vm->boot_done_ns)
		done = vm->t_start - x->t0 + vm->boot_done_ns;
	count_slots(vm, done, v + X_SLOT_BOOT, v + X_SLOT);
	d = phase__index(&res, "boot-done");
	if (d >= 0) {
		v[X_FAULTS_BOOT] =
			phase__sum_from(&res, 0, PHASE_VCPU, "pf_taken") -
			phase__sum_from(&res, (unsigned int)d, PHASE_VCPU,
					"pf_taken");
		v[X_BOOT_MS] = vm->boot_done_ns / 1e6;
		v[X_SLOTS_BOOT] = 0;
		for (unsigned int k = 0; k < 4; k++)
			v[X_SLOTS_BOOT] += v[X_SLOT_BOOT + k];
	} else {
		for (unsigned int k = 0; k < 4; k++)
			v[X_SLOT_BOOT + k] = NAN;
	}
	v[X_FAULTS_TOTAL] = (double)report__faults(&res, 0);
	v[X_FAULTS_AFTER_CHURN] = (double)report__faults(&res, 1);
	v[X_MEMSLOT_MS] = vm->update_ns / 1e6;
	v[X_WALL_MS] = res.wall_ns / 1e6;
	v[X_VMM_EXIT] = status;
	json_object_object_add(rec, "iface", json_object_new_int(res.iface));
	json_object_object_add(rec, "wall_ms",
			       json_object_new_double(res.wall_ns / 1e6));
	json_object_object_add(rec, "setup_ms",
			       json_object_new_double(res.setup_ns / 1e6));
	json_object_object_add(
		rec, "boot_done_ms",
		d >= 0 ? json_object_new_double(vm->boot_done_ns / 1e6) : NULL);
	json_object_object_add(rec, "ram_mib",
			       json_object_new_uint64(cfg.mem_size >> 20));
	json_object_object_add(rec, "vcpus",
			       json_object_new_int((int)vm->nvcpus));
	json_object_object_add(rec, "phases", child__phases(&res));
	/* The sampled run (bench --sample-ms): the first VM's timeline. */
	if (vm->rt.tl)
		json_object_object_add(rec, "timeline",
				       timeline__to_json(vm->rt.tl, vm->log,
							 NULL, 0));
}

/* Why a finished VMM's run does not count; 0 if it does. */
static int bexec__verdict(const struct bench *b, const struct exec_state *x,
			  const struct exec_outcome *out)
{
	if (out->signal)
		return ZAPVM_EXIT_INTERRUPTED;
	if (x->refused) {
		log_err("bench: the VMM's VM refused zap policy %s (the preload "
			"library's line above says why)",
			zap_policy__name(x->policy));
		return out->status;
	}
	if (out->timed_out) {
		log_err("bench: the VMM %s within --timeout %llu s",
			b->o.until_boot_done && !out->matched ?
				"printed no boot-done line" :
				"did not exit",
			(unsigned long long)b->o.timeout_s);
		return out->status;
	}
	if (out->status) {
		log_err("bench: the VMM exited with status %d", out->status);
		return out->status;
	}
	if (!x->nvms || !x->vms[0]->log) {
		log_err("bench: the VMM %s",
			x->nvms ? "ran no vCPU" : "created no KVM VM");
		return ZAPVM_EXIT_DATAERR;
	}
	return 0;
}

static int bexec__run(const struct bench *b, const struct bench_cell *c,
		      double *v, struct json_object *rec)
{
	struct exec_opts eo = {
		.policy = c->policy,
		.thp = c->thp,
		.boot_done = b->o.boot_done ? b->o.boot_done :
					      EXEC_DEFAULT_BOOT_DONE,
		.until_boot_done = b->o.until_boot_done,
		.timeout_ms = b->o.timeout_s * 1000,
		.grace_ms = GRACE_MS,
		/* The runner sets the knobs for the cell's group. */
		.prefetch = -1,
		.root_zap = -1,
		.sample_ms = c->sample_ms,
	};
	struct exec_state x = { .lock = PTHREAD_MUTEX_INITIALIZER,
				.cmd_fd = -1 };
	struct exec_outcome out;
	int ret;

	ret = exec__run(&eo, c->argv, &x, &out);
	if (ret)
		return ret;
	json_object_object_add(rec, "vmm_exit",
			       json_object_new_int(out.status));
	json_object_object_add(rec, "vms", json_object_new_int((int)x.nvms));
	ret = bexec__verdict(b, &x, &out);
	if (!ret) {
		bexec__figures(&x, out.path, out.status, v, rec);
		if (!x.vms[0]->boot_done_ns)
			json_object_object_add(
				rec, "warning",
				json_object_new_string(
					"no console line matched --boot-done: "
					"no boot-done mark, so faults_boot, "
					"boot_ms and the slot changes to boot "
					"are missing"));
	}
	exec__free(&x);
	exec__release(&out);
	return ret;
}

const struct bench_scenario scenario_exec = {
	.name = "exec",
	.seed = "004",
	.what = "another VMM's VM under zapvm exec: faults and memslot "
		"changes to boot-done and in all",
	.metrics = exec_metrics,
	.nmetrics = NMETRICS(exec_metrics),
	.prepare = bexec__prepare,
	.vmm = true,
	.timeline = true,
	.preflight = vmm__preflight,
	.run = bexec__run,
};
