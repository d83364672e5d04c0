// SPDX-License-Identifier: GPL-2.0-only
/*
 * What each control-socket command does to the VM and answers: info, pause,
 * resume, stop, stats, policy. Every string of an answer goes through
 * control__json_string(), so an answer is valid JSON whatever it quotes.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "server.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"

static struct json_object *reply_new(bool ok)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "v", json_object_new_int(CONTROL_VERSION));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	return o;
}

struct json_object *control__reply_err(const char *code, const char *msg)
{
	struct json_object *o = reply_new(false);

	if (!o)
		return NULL;
	json_object_object_add(o, "error", control__json_string(msg));
	json_object_object_add(o, "code", json_object_new_string(code));
	return o;
}

/* Any string, even a guest file name from the command line: valid JSON. */
static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? control__json_string(v) : NULL);
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static const char *vm_state(struct vm *vm)
{
	if (vm__stopping(vm))
		return "stopping";
	return vm__paused(vm) ? "paused" : "running";
}

static struct json_object *do_info(struct control *c)
{
	const struct vm_config *cfg = c->vm->cfg;
	struct json_object *o = reply_new(true);

	if (!o)
		return NULL;
	add_str(o, "name", c->name);
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	add_str(o, "state", vm_state(c->vm));
	json_object_object_add(o, "vcpus", json_object_new_int(cfg->ncpus));
	add_u64(o, "mem", cfg->mem_size);
	add_str(o, "guest", cfg->guest_name);
	add_str(o, "policy", zap_policy__name(c->policy));
	add_str(o, "interface", zap_iface__name(c->iface));
	add_u64(o, "uptime_ms", (now_ns() - c->vm->t_start) / 1000000);
	return o;
}

static struct json_object *do_pause(struct control *c, bool pause)
{
	struct json_object *o;
	int ret = pause ? vm__pause(c->vm, CONTROL_PAUSE_MS) :
			  vm__resume(c->vm);

	if (ret == -ESHUTDOWN)
		return control__reply_err("stopping", "the VM is stopping");
	if (ret == -ETIMEDOUT)
		return control__reply_err(
			"timeout", "the vCPUs did not leave KVM_RUN in time; "
				   "the VM keeps running");
	if (ret && ret != -EALREADY)
		return control__reply_err("internal", strerror(-ret));
	if (!ret)
		log_info("control: %s", pause ? "paused" : "resumed");
	o = reply_new(true);
	if (!o)
		return NULL;
	add_str(o, "state", vm_state(c->vm));
	json_object_object_add(o, "changed", json_object_new_boolean(!ret));
	return o;
}

static struct json_object *do_stop(struct control *c)
{
	if (vm__stopping(c->vm))
		return control__reply_err("stopping", "the VM is stopping");
	log_err("stopped by 'zapvm stop %s'", c->name);
	vm__stop(c->vm, VM_END_INTERRUPTED);
	return reply_new(true);
}

/*
 * A set's values as {name: n or [buckets]}; with @sum, also add them into
 * @sum (peaks: the maximum) and their units into @units.
 */
static int stats_json(const struct stats_set *s, struct json_object *dst,
		      struct json_object *sum, struct json_object *units)
{
	uint64_t *vals = calloc(s->nvalues ? s->nvalues : 1, sizeof(*vals));
	int ret;

	if (!vals)
		return -ENOMEM;
	ret = stats__snapshot(s, vals);
	for (uint32_t i = 0; !ret && i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;
		bool hist = type == KVM_STATS_TYPE_LINEAR_HIST ||
			    type == KVM_STATS_TYPE_LOG_HIST;
		uint64_t total = 0;
		struct json_object *v, *prev;
		char unit[32];

		for (uint32_t j = 0; j < d->size; j++) {
			uint64_t x = vals[d->first + j];

			total = total + x < total ? UINT64_MAX : total + x;
		}
		if (hist) {
			v = json_object_new_array_ext(d->size);
			for (uint32_t j = 0; v && j < d->size; j++)
				json_object_array_add(
					v, json_object_new_uint64(
						   vals[d->first + j]));
		} else {
			v = json_object_new_uint64(total);
		}
		json_object_object_add(dst, d->name, v);
		if (units && stats__format_unit(d, unit, sizeof(unit)) > 0 &&
		    !json_object_object_get_ex(units, d->name, NULL))
			add_str(units, d->name, unit);
		if (!sum)
			continue;
		if (json_object_object_get_ex(sum, d->name, &prev)) {
			uint64_t p = json_object_get_uint64(prev);

			if (type == KVM_STATS_TYPE_PEAK)
				total = p > total ? p : total;
			else
				total = p + total < p ? UINT64_MAX : p + total;
		}
		add_u64(sum, d->name, total);
	}
	free(vals);
	return ret;
}

static struct json_object *do_stats(struct control *c)
{
	struct vm_result *res = c->vm->res;
	struct json_object *o, *vm, *vcpu, *vcpus, *units;
	int ret = 0;

	if (!res->stats || !res->nstats)
		return control__reply_err("unsupported",
					  "not supported on this host: no "
					  "KVM_CAP_BINARY_STATS_FD");
	o = reply_new(true);
	vm = json_object_new_object();
	vcpu = json_object_new_object();
	vcpus = json_object_new_array();
	units = json_object_new_object();
	if (!o || !vm || !vcpu || !vcpus || !units) {
		json_object_put(vm);
		json_object_put(vcpu);
		json_object_put(vcpus);
		json_object_put(units);
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "vm", vm);
	json_object_object_add(o, "vcpu", vcpu);
	json_object_object_add(o, "vcpus", vcpus);
	json_object_object_add(o, "units", units);
	ret = stats_json(&res->stats[0], vm, NULL, units);
	for (unsigned int i = 1; !ret && i < res->nstats; i++) {
		struct json_object *one = json_object_new_object();

		if (!one || json_object_array_add(vcpus, one)) {
			json_object_put(one);
			ret = -ENOMEM;
			break;
		}
		ret = stats_json(&res->stats[i], one, vcpu, units);
	}
	if (ret) {
		json_object_put(o);
		return control__reply_err("internal", strerror(-ret));
	}
	return o;
}

static struct json_object *do_policy(struct control *c, enum zap_policy want)
{
	struct vm *vm = c->vm;
	struct json_object *o;
	enum zap_iface used;
	const char *why = NULL;
	bool changed;
	char msg[256];
	int ret;

	if (vm__stopping(vm))
		return control__reply_err("stopping", "the VM is stopping");
	ret = zap_policy__change(vm->vm_fd, &vm->zs, c->policy, c->iface, want,
				 &used, &why);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s%s",
			 ret == -EOPNOTSUPP ? "not supported on this host: " :
					      "",
			 why ? why : strerror(-ret));
		return control__reply_err(ret == -EOPNOTSUPP || ret == -EPERM ?
						  "unsupported" :
						  "internal",
					  msg);
	}
	/* The kernel's default is zap-all. */
	changed = (c->policy == ZAP_SLOT) != (want == ZAP_SLOT);
	c->iface = used;
	c->policy = want;
	vm->res->iface = c->iface;
	if (changed) {
		log_info("control: zap policy %s (%s)", zap_policy__name(want),
			 zap_iface__name(c->iface));
		snprintf(msg, sizeof(msg), "policy-%s", zap_policy__name(want));
		vm__mark_phase(vm, msg);
	}
	o = reply_new(true);
	if (!o)
		return NULL;
	add_str(o, "policy", zap_policy__name(c->policy));
	add_str(o, "interface", zap_iface__name(c->iface));
	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	return o;
}

struct json_object *control__reply_ok(void)
{
	return reply_new(true);
}

int control__stats_set_json(const struct stats_set *s, struct json_object *dst,
			    struct json_object *sum, struct json_object *units)
{
	return stats_json(s, dst, sum, units);
}

struct json_object *control__answer(struct control *c,
				    const struct control_req *req, bool *hold)
{
	switch (req->cmd) {
	case CTL_INFO:
		return do_info(c);
	case CTL_PAUSE:
	case CTL_RESUME:
		return do_pause(c, req->cmd == CTL_PAUSE);
	case CTL_STOP:
		*hold = true;
		return do_stop(c);
	case CTL_STATS:
		return do_stats(c);
	case CTL_POLICY:
		return do_policy(c, req->policy);
	default:
		return control__reply_err("bad-request", "unknown command");
	}
}
