// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm exec: the VMs of a foreign VMM, as the preload library reports
 * them. Each VM gets what `zapvm run` keeps for its own: the stats sets,
 * the phase log (started at the first KVM_RUN, cut at every memslot change
 * after it) and the run's summary and JSON record.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/exec.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

static struct exec_vm *find_vm(struct exec_state *x, uint32_t idx)
{
	for (unsigned int i = 0; i < x->nvms; i++)
		if (x->vms[i]->idx == idx)
			return x->vms[i];
	return NULL;
}

static void open_stats(struct stats_set *st, int fd, const char *what)
{
	int ret;

	st->fd = -1;
	if (fd < 0)
		return;
	ret = stats__open(st, fd);
	if (ret)
		log_warn("exec: %s stats: %s", what, strerror(-ret));
}

static int on_vm(struct exec_state *x, const struct chan_msg *m, int *fds)
{
	struct exec_vm *v, **n;

	n = realloc(x->vms, (x->nvms + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->vms = n;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	x->vms[x->nvms++] = v;
	v->idx = m->vm;
	v->vm_fd = fds[0];
	fds[0] = -1;
	open_stats(&v->st, fds[1], "VM");
	fds[1] = -1;
	v->apply_ret = m->ret;
	v->iface = (enum zap_iface)m->iface;
	v->zs_bits = m->flags;
	if (m->ret) {
		/* The library logged why, in the VMM's stderr. */
		x->refused = true;
		return 0;
	}
	log_info("exec: VM %u: policy %s (%s)", m->vm,
		 zap_policy__name(x->policy), zap_iface__name(v->iface));
	exec_trace__vm(x, v);
	return 0;
}

static int on_vcpu(struct exec_state *x, const struct chan_msg *m, int *fds)
{
	struct exec_vm *v = find_vm(x, m->vm);
	struct exec_vcpu *c, **n;
	char what[32];

	if (!v)
		return -ENOENT;
	n = realloc(v->vcpus, (v->nvcpus + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->vcpus = n;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	v->vcpus[v->nvcpus++] = c;
	c->id = m->vcpu;
	snprintf(what, sizeof(what), "vCPU %u", m->vcpu);
	open_stats(&c->st, fds[1], what);
	fds[1] = -1;
	if (v->log)
		log_warn("exec: VM %u: vCPU %u came after the first KVM_RUN; "
			 "its stats are not in the phases",
			 m->vm, m->vcpu);
	return 0;
}

static int on_run(struct exec_state *x, const struct chan_msg *m)
{
	struct exec_vm *v = find_vm(x, m->vm);
	const struct stats_set **sets;
	unsigned int n = 0;

	if (!v || v->log)
		return v ? 0 : -ENOENT;
	v->t_start = now_ns();
	sets = calloc(v->nvcpus + 1, sizeof(*sets));
	if (!sets)
		return -ENOMEM;
	for (unsigned int i = 0; i < v->nvcpus; i++) {
		if (v->vcpus[i]->st.fd < 0)
			continue;
		v->vcpus[i]->in_phases = true;
		sets[n++] = &v->vcpus[i]->st;
	}
	v->log = phase_log__new(v->st.fd >= 0 ? &v->st : NULL, sets, n, NULL,
				NULL, 0);
	free(sets);
	if (!v->log) {
		log_warn("exec: VM %u: no phase log: %s", m->vm,
			 strerror(errno));
		return 0;
	}
	exec_trace__start(x, v);
	exec_trace__mark(v, phase_log__mark(v->log, "start"), false);
	return 0;
}

static struct exec_slot_state *slot_state(struct exec_vm *v, uint32_t slot)
{
	for (unsigned int i = 0; i < v->nslots; i++)
		if (v->slots[i].slot == slot)
			return &v->slots[i];
	return NULL;
}

static const char *slot_op(struct exec_vm *v, const struct chan_msg *m)
{
	struct exec_slot_state *s = slot_state(v, m->slot);

	if (!m->size)
		return "delete";
	if (!s || !s->size)
		return "add";
	if (s->gpa != m->gpa)
		return "move";
	return "flags";
}

static int on_slot_before(struct exec_state *x, const struct chan_msg *m)
{
	struct exec_vm *v = find_vm(x, m->vm);
	struct exec_slot_ev *e;

	if (!v)
		return -ENOENT;
	e = realloc(v->evs, (v->nevs + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	v->evs = e;
	e = &v->evs[v->nevs++];
	*e = (struct exec_slot_ev){
		.at_ns = now_ns() - x->t0,
		.slot = m->slot & 0xffff,
		.as = m->slot >> 16,
		.flags = m->flags,
		.thp = m->thp,
		.gpa = m->gpa,
		.size = m->size,
		.uaddr = m->uaddr,
		.ret = -1,
		.op = slot_op(v, m),
		.run_time = v->log != NULL,
		.region2 = m->region2,
		.phase = -1,
	};
	v->pending = true;
	return 0;
}

static void remember_slot(struct exec_vm *v, const struct chan_msg *m)
{
	struct exec_slot_state *s = slot_state(v, m->slot), *n;

	if (!s) {
		n = realloc(v->slots, (v->nslots + 1) * sizeof(*n));
		if (!n)
			return;
		v->slots = n;
		s = &v->slots[v->nslots++];
	}
	*s = (struct exec_slot_state){ .slot = m->slot,
				       .gpa = m->gpa,
				       .size = m->size,
				       .flags = m->flags };
}

static int on_slot_after(struct exec_state *x, const struct chan_msg *m)
{
	struct exec_vm *v = find_vm(x, m->vm);
	struct exec_slot_ev *e;
	char name[64];
	int idx;

	if (!v || !v->pending || !v->nevs)
		return -EPROTO;
	v->pending = false;
	e = &v->evs[v->nevs - 1];
	e->ret = m->ret;
	e->ns = m->ns;
	if (m->ret)
		return 0;
	remember_slot(v, m);
	if (!e->run_time)
		return 0;
	v->changes++;
	v->update_ns += m->ns;
	if (!v->log)
		return 0;
	/* As `zapvm run` names its own: the region, then what happened. */
	snprintf(name, sizeof(name), "%sslot%u-%s", e->as ? "as1-" : "",
		 e->slot, e->op);
	idx = phase_log__mark(v->log, name);
	exec_trace__mark(v, idx, true);
	e->phase = idx;
	if (idx > 0 && !v->first_churn_phase)
		v->first_churn_phase = (unsigned int)idx;
	return 0;
}

/* What ended the guest, in the words `zapvm run` uses for its own. */
/*
 * A vCPU exit that ends the guest: QEMU resets the VM on a triple fault
 * (and with -no-reboot exits without a word), so this line is often all
 * that says why a boot stopped. The stats go on in a phase of its own.
 */
static int on_guest_exit(struct exec_state *x, const struct chan_msg *m)
{
	struct exec_vm *v = find_vm(x, m->vm);
	struct exec_guest_exit *g;
	char what[96], name[48];

	if (!v)
		return -ENOENT;
	g = realloc(v->gexits, (v->ngexits + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	v->gexits = g;
	g = &v->gexits[v->ngexits++];
	*g = (struct exec_guest_exit){ .at_ns = now_ns() - x->t0,
				       .vcpu = m->vcpu,
				       .reason = (uint32_t)m->ret,
				       .detail = m->gpa,
				       .phase = -1 };
	log_warn("exec: VM %u vCPU %u: %s", m->vm, m->vcpu,
		 kvm__describe_exit(g->reason, g->detail, what, sizeof(what)));
	if (!v->log)
		return 0;
	snprintf(name, sizeof(name), "vcpu%u-%s", m->vcpu,
		 g->reason == KVM_EXIT_SHUTDOWN ? "shutdown" : "error");
	g->phase = phase_log__mark(v->log, name);
	exec_trace__mark(v, g->phase, false);
	return 0;
}

int exec__handle(struct exec_state *x, const struct chan_msg *m, int *fds,
		 int nfds)
{
	int ret;

	pthread_mutex_lock(&x->lock);
	switch (m->type) {
	case CHAN_HELLO:
		x->hello = true;
		ret = 0;
		if (nfds >= 1 && x->cmd_fd < 0) {
			/* A request the library never answers must not hang. */
			struct timeval tv = { .tv_sec = 2 };

			setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
			x->cmd_fd = fds[0];
			fds[0] = -1;
		}
		break;
	case CHAN_VM:
		ret = nfds >= 1 ? on_vm(x, m, fds) : -EPROTO;
		break;
	case CHAN_VCPU:
		ret = on_vcpu(x, m, fds);
		break;
	case CHAN_RUN:
		ret = on_run(x, m);
		break;
	case CHAN_SLOT_BEFORE:
		ret = on_slot_before(x, m);
		break;
	case CHAN_SLOT_AFTER:
		ret = on_slot_after(x, m);
		break;
	case CHAN_VCPU_RUN:
		ret = exec_trace__vcpu_run(x, m);
		break;
	case CHAN_EXIT:
		ret = on_guest_exit(x, m);
		break;
	default:
		ret = -EPROTO;
		break;
	}
	pthread_mutex_unlock(&x->lock);
	for (int i = 0; i < nfds && i < CHAN_MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret) {
		x->protocol_errors++;
		log_warn("exec: message %u from the VMM: %s", m->type,
			 strerror(-ret));
	}
	/* A message zapvm cannot use costs the VMM nothing: go on. */
	return 0;
}

void exec__boot_done(struct exec_state *x)
{
	pthread_mutex_lock(&x->lock);
	for (unsigned int i = 0; i < x->nvms; i++) {
		struct exec_vm *v = x->vms[i];

		if (!v->log || v->boot_done_ns)
			continue;
		v->boot_done_ns = now_ns() - v->t_start;
		exec_trace__mark(v, phase_log__mark(v->log, "boot-done"),
				 false);
	}
	pthread_mutex_unlock(&x->lock);
}

void exec__finish(struct exec_state *x)
{
	pthread_mutex_lock(&x->lock);
	for (unsigned int i = 0; i < x->nvms; i++) {
		if (x->vms[i]->log) {
			x->vms[i]->t_end = now_ns();
			phase_log__finish(x->vms[i]->log);
		}
		exec_trace__finish(x->vms[i]);
	}
	pthread_mutex_unlock(&x->lock);
}

void exec__as_run(const struct exec_state *x, const struct exec_vm *v,
		  const char *name, int status, struct vm_config *cfg,
		  struct vm_result *res)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(res, 0, sizeof(*res));
	cfg->guest_name = name;
	cfg->ncpus = v->nvcpus;
	cfg->policy = x->policy;
	cfg->thp = x->thp;
	for (unsigned int i = 0; i < v->nslots; i++)
		if (!(v->slots[i].slot >> 16) &&
		    !(v->slots[i].flags & KVM_MEM_READONLY))
			cfg->mem_size += v->slots[i].size;
	/* The VMM's status is no guest's: exec__json() writes it itself. */
	res->end = VM_END_GUEST_DONE;
	res->guest_status = status >= 0 ? (uint64_t)status : 0;
	res->ran = v->log != NULL;
	res->iface = v->iface;
	res->wall_ns = v->log ? v->t_end - v->t_start : 0;
	res->setup_ns = v->log ? v->t_start - x->t0 : 0;
	res->phases = v->log;
	res->first_churn_phase = v->first_churn_phase;
	res->memslot_changes = v->changes;
	res->memslot_update_ns = v->update_ns;
	res->boot_done_ns = v->boot_done_ns;
}

void exec__print(const struct exec_state *x, const char *name, int status,
		 bool all)
{
	struct vm_config cfg;
	struct vm_result res;

	for (unsigned int i = 0; i < x->nvms; i++) {
		const struct exec_vm *v = x->vms[i];
		unsigned int setup = 0;

		for (unsigned int k = 0; k < v->nevs; k++)
			setup += !v->evs[k].run_time;
		exec__as_run(x, v, name, status, &cfg, &res);
		if (v->log)
			phase_log__print(v->log, stdout, all);
		trace_run__print(&v->tr, &res, stdout, true);
		printf("zapvm: %s: VM %u: exit %d, policy %s (%s), %llu faults "
		       "(%llu after churn), %llu run-time memslot changes in "
		       "%.3f ms, %u at set-up, %u vCPUs, wall %.3f ms",
		       name, v->idx, status, zap_policy__name(x->policy),
		       zap_iface__name(v->iface), report__faults(&res, 0),
		       report__faults(&res, 1), (unsigned long long)v->changes,
		       v->update_ns / 1e6, setup, v->nvcpus, res.wall_ns / 1e6);
		/* --trace: the measured floor and the churn's re-faults. */
		if (v->tr.have_sum)
			printf(", floor %llu GFNs, %llu re-faults",
			       (unsigned long long)v->tr.sum.floor_gfns,
			       (unsigned long long)v->tr.sum.refaults);
		putchar('\n');
		if (v->boot_done_ns)
			printf("zapvm: %s: VM %u: boot done after %.3f ms\n",
			       name, v->idx, v->boot_done_ns / 1e6);
		if (v->pending)
			printf("zapvm: %s: VM %u: the VMM ended inside a "
			       "memslot change\n",
			       name, v->idx);
	}
}

static const char *thp_name(uint32_t t)
{
	static const char *const n[] = { "none", "hugepage", "nohugepage",
					 "failed" };

	return t < 4 ? n[t] : "unknown";
}

static struct json_object *json_slots(const struct exec_vm *v)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < v->nevs; i++) {
		const struct exec_slot_ev *e = &v->evs[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "at_ms",
				       json_object_new_double(e->at_ns / 1e6));
		json_object_object_add(o, "op", json_object_new_string(e->op));
		json_object_object_add(o, "slot", json_object_new_int(e->slot));
		json_object_object_add(o, "as", json_object_new_int(e->as));
		json_object_object_add(o, "gpa",
				       json_object_new_uint64(e->gpa));
		json_object_object_add(o, "size",
				       json_object_new_uint64(e->size));
		json_object_object_add(o, "flags",
				       json_object_new_int(e->flags));
		json_object_object_add(o, "userspace_addr",
				       json_object_new_uint64(e->uaddr));
		json_object_object_add(o, "region2",
				       json_object_new_boolean(e->region2));
		json_object_object_add(o, "run_time",
				       json_object_new_boolean(e->run_time));
		json_object_object_add(o, "ret", json_object_new_int(e->ret));
		json_object_object_add(o, "ms",
				       json_object_new_double(e->ns / 1e6));
		json_object_object_add(
			o, "thp", json_object_new_string(thp_name(e->thp)));
		json_object_object_add(
			o, "phase",
			e->phase >= 0 ? json_object_new_int(e->phase) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *json_guest_exits(const struct exec_vm *v)
{
	struct json_object *a = json_object_new_array();
	char what[96];

	for (unsigned int i = 0; a && i < v->ngexits; i++) {
		const struct exec_guest_exit *g = &v->gexits[i];
		struct json_object *o = json_object_new_object();

		kvm__describe_exit(g->reason, g->detail, what, sizeof(what));
		json_object_object_add(o, "at_ms",
				       json_object_new_double(g->at_ns / 1e6));
		json_object_object_add(o, "vcpu",
				       json_object_new_int64(g->vcpu));
		json_object_object_add(o, "exit_reason",
				       json_object_new_int64(g->reason));
		json_object_object_add(o, "what", json_object_new_string(what));
		json_object_object_add(
			o, "phase",
			g->phase >= 0 ? json_object_new_int(g->phase) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *json_vmm(const char *path, char *const *argv,
				    int status, const struct exec_state *x)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; argv[i]; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "argv", a);
	json_object_object_add(o, "exit_status", json_object_new_int(status));
	json_object_object_add(o, "preloaded",
			       json_object_new_boolean(x->hello));
	json_object_object_add(o, "lost_messages",
			       json_object_new_int((int)x->protocol_errors));
	return o;
}

struct json_object *exec__json(const struct exec_state *x, const char *path,
			       char *const *argv, int status)
{
	struct json_object *all = json_object_new_array();
	struct vm_config cfg;
	struct vm_result res;

	for (unsigned int i = 0; all && i < x->nvms; i++) {
		const struct exec_vm *v = x->vms[i];
		struct json_object *o, *r = NULL;

		exec__as_run(x, v, path, status, &cfg, &res);
		o = report__json_run(&cfg, &res);
		if (!o)
			continue;
		/* What only zapvm's own VMM counts is unknown here. */
		if (json_object_object_get_ex(o, "result", &r)) {
			json_object_object_add(r, "exit_code",
					       json_object_new_int(status));
			json_object_object_add(r, "vcpu_exits", NULL);
			json_object_object_add(r, "rom_writes_dropped", NULL);
			json_object_object_add(r, "coalesced_writes", NULL);
		}
		if (r)
			json_object_object_add(
				r, "boot_done_ms",
				v->boot_done_ns ?
					json_object_new_double(v->boot_done_ns /
							       1e6) :
					NULL);
		json_object_object_add(o, "vm_index",
				       json_object_new_int((int)v->idx));
		json_object_object_add(o, "vmm",
				       json_vmm(path, argv, status, x));
		json_object_object_add(o, "memslots", json_slots(v));
		json_object_object_add(o, "guest_exits", json_guest_exits(v));
		trace_run__json(&v->tr, o);
		json_object_array_add(all, o);
	}
	if (all && json_object_array_length(all) == 1) {
		struct json_object *one =
			json_object_get(json_object_array_get_idx(all, 0));

		json_object_put(all);
		return one;
	}
	return all;
}

void exec__free(struct exec_state *x)
{
	for (unsigned int i = 0; i < x->nvms; i++) {
		struct exec_vm *v = x->vms[i];

		exec_trace__free(v); /* its timeline reads the stats */
		phase_log__free(v->log);
		for (unsigned int k = 0; k < v->nvcpus; k++) {
			stats__close(&v->vcpus[k]->st);
			free(v->vcpus[k]);
		}
		free(v->vcpus);
		stats__close(&v->st);
		if (v->vm_fd >= 0)
			close(v->vm_fd);
		free(v->evs);
		free(v->gexits);
		free(v->slots);
		free(v);
	}
	free(x->vms);
	x->vms = NULL;
	x->nvms = 0;
	if (x->cmd_fd >= 0)
		close(x->cmd_fd);
	x->cmd_fd = -1;
}
