// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's answers for a VM zapvm does not run itself (a
 * control_target: `zapvm exec`'s VMM). The answers have the fields and
 * error codes of answer.c's, so `zapvm list`, `stats` and `policy` cannot
 * tell the two apart; only what the target cannot do (pause, resume) is
 * refused, as "unsupported".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "zapvm/log.h"
#include "zapvm/stats.h"

static struct json_object *target_info(struct control *c)
{
	struct json_object *o = control__reply_ok();
	struct control_info i = { 0 };

	if (!o)
		return NULL;
	c->target.info(c->target.opaque, &i);
	json_object_object_add(o, "name", control__json_string(c->name));
	json_object_object_add(o, "pid", json_object_new_int(i.pid));
	json_object_object_add(o, "state", control__json_string(i.state));
	json_object_object_add(o, "vcpus", json_object_new_int((int)i.vcpus));
	json_object_object_add(o, "mem", json_object_new_uint64(i.mem));
	json_object_object_add(o, "guest", control__json_string(i.guest));
	json_object_object_add(
		o, "policy", control__json_string(zap_policy__name(i.policy)));
	json_object_object_add(o, "interface",
			       control__json_string(zap_iface__name(i.iface)));
	json_object_object_add(o, "uptime_ms",
			       json_object_new_uint64(i.uptime_ms));
	return o;
}

static struct json_object *target_stop(struct control *c)
{
	struct control_info i = { 0 };
	int ret;

	c->target.info(c->target.opaque, &i);
	if (i.state && !strcmp(i.state, "stopping"))
		return control__reply_err("stopping", "the VM is stopping");
	ret = c->target.stop(c->target.opaque);
	if (ret)
		return control__reply_err("internal", strerror(-ret));
	log_err("stopped by 'zapvm stop %s'", c->name);
	return control__reply_ok();
}

/* Where the sets go: the first is the VM's, then one per vCPU. */
struct stats_dst {
	struct json_object *vm, *vcpu, *vcpus, *units;
};

static int target_stats_each(void *arg, const struct stats_set *s, bool vcpu)
{
	struct stats_dst *d = arg;
	struct json_object *one;

	if (!vcpu)
		return control__stats_set_json(s, d->vm, NULL, d->units);
	one = json_object_new_object();
	if (!one || json_object_array_add(d->vcpus, one)) {
		json_object_put(one);
		return -ENOMEM;
	}
	return control__stats_set_json(s, one, d->vcpu, d->units);
}

static struct json_object *target_stats(struct control *c)
{
	struct json_object *o = control__reply_ok();
	struct stats_dst d = {
		.vm = json_object_new_object(),
		.vcpu = json_object_new_object(),
		.vcpus = json_object_new_array(),
		.units = json_object_new_object(),
	};
	int ret;

	if (!o || !d.vm || !d.vcpu || !d.vcpus || !d.units) {
		json_object_put(d.vm);
		json_object_put(d.vcpu);
		json_object_put(d.vcpus);
		json_object_put(d.units);
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "vm", d.vm);
	json_object_object_add(o, "vcpu", d.vcpu);
	json_object_object_add(o, "vcpus", d.vcpus);
	json_object_object_add(o, "units", d.units);
	ret = c->target.stats(c->target.opaque, target_stats_each, &d);
	if (!ret)
		return o;
	json_object_put(o);
	if (ret == -ENODEV)
		return control__reply_err("unsupported",
					  "the VMM has made no VM with KVM "
					  "statistics (yet)");
	return control__reply_err("internal", strerror(-ret));
}

static struct json_object *target_policy(struct control *c,
					 enum zap_policy want)
{
	struct control_policy p = { 0 };
	struct json_object *o;
	char msg[320];
	int ret = c->target.policy(c->target.opaque, want, &p);

	if (ret) {
		snprintf(msg, sizeof(msg), "%s%s",
			 ret == -EOPNOTSUPP ? "not supported on this host: " :
					      "",
			 p.why[0] ? p.why : strerror(-ret));
		return control__reply_err(ret == -EOPNOTSUPP || ret == -EPERM ?
						  "unsupported" :
						  "internal",
					  msg);
	}
	if (p.changed)
		log_info("control: zap policy %s (%s)",
			 zap_policy__name(p.policy), zap_iface__name(p.iface));
	o = control__reply_ok();
	if (!o)
		return NULL;
	json_object_object_add(
		o, "policy", control__json_string(zap_policy__name(p.policy)));
	json_object_object_add(o, "interface",
			       control__json_string(zap_iface__name(p.iface)));
	json_object_object_add(o, "changed",
			       json_object_new_boolean(p.changed));
	return o;
}

struct json_object *control__answer_target(struct control *c,
					   const struct control_req *req,
					   bool *hold)
{
	switch (req->cmd) {
	case CTL_INFO:
		return target_info(c);
	case CTL_PAUSE:
	case CTL_RESUME:
		return control__reply_err("unsupported", c->target.no_pause);
	case CTL_STOP:
		*hold = true;
		return target_stop(c);
	case CTL_STATS:
		return target_stats(c);
	case CTL_POLICY:
		return target_policy(c, req->policy);
	default:
		return control__reply_err("bad-request", "unknown command");
	}
}
