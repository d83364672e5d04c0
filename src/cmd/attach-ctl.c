// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm attach on a VM that zapvm itself runs (`zapvm run`, or a VMM under
 * `zapvm exec`): the policy switch goes through the VM's control socket,
 * so that `zapvm list` and `zapvm policy` report what attach set. The
 * socket is found as `zapvm list` finds them, by the "pid" of its answer
 * to "info".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/log.h"

#include "attach.h"

/* Whether VM @name's control socket answers "info" with "pid" @pid. */
static bool answers_for(const char *name, pid_t pid)
{
	static const struct answer_field info_fields[] = {
		{ "pid", json_type_int },
		{ 0 },
	};
	struct json_object *o = NULL, *v;
	bool yes = false;

	if (ctl__call(name, "{\"v\":1,\"cmd\":\"info\"}\n", &o, NULL, 1))
		return false;
	if (json_object_object_get_ex(o, "ok", &v) &&
	    json_object_get_boolean(v) &&
	    !answer__check_fields(name, o, info_fields) &&
	    json_object_object_get_ex(o, "pid", &v))
		yes = json_object_get_int64(v) == pid;
	json_object_put(o);
	return yes;
}

/* The name of the control socket answering for @pid into @buf, or -ENOENT. */
static int find_socket(pid_t pid, char *buf, size_t len)
{
	char dir[256], **names;
	size_t n = 0;
	int err, ret = -ENOENT;

	if (control__dir(dir, sizeof(dir)))
		return -ENOENT;
	names = ctl__scan_dir(dir, &n, &err);
	for (size_t i = 0; i < n; i++) {
		if (ret && answers_for(names[i], pid)) {
			snprintf(buf, len, "%s", names[i]);
			ret = 0;
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int attach__ctl_policy(pid_t pid, enum zap_policy want, bool *found)
{
	static const struct answer_field policy_fields[] = {
		{ "policy", json_type_string },
		{ "interface", json_type_string },
		{ "changed", json_type_boolean },
		{ 0 },
	};
	char name[CONTROL_MAX_NAME + 1], req[128], pol[64], iface[256];
	struct json_object *o, *v;
	int ret;

	*found = !find_socket(pid, name, sizeof(name));
	if (!*found)
		return 0;
	log_info("attach: %d is zapvm VM '%s': switching through its control "
		 "socket",
		 (int)pid, name);
	snprintf(req, sizeof(req),
		 "{\"v\":%d,\"cmd\":\"policy\",\"policy\":\"%s\"}\n",
		 CONTROL_VERSION, zap_policy__name(want));
	ret = ctl__call(name, req, &o, NULL, 0);
	if (ret)
		return ret;
	ret = ctl__reply_status(name, o, policy_fields);
	if (!ret) {
		json_object_object_get_ex(o, "policy", &v);
		answer__printable(json_object_get_string(v), pol, sizeof(pol));
		json_object_object_get_ex(o, "interface", &v);
		answer__printable(json_object_get_string(v), iface,
				  sizeof(iface));
		printf("%d: zap policy %s (%s), through zapvm VM '%s'\n",
		       (int)pid, pol, iface, name);
	}
	json_object_put(o);
	return ret;
}
