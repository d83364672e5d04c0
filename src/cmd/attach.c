// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm attach: the VMs of any running VMM, found by PID (zapvm-attach(1)).
 * Its descriptors come from /proc/PID/fd and pidfd_getfd(); what KVM does
 * only for the VM's own process (KVM_GET_STATS_FD, KVM_ENABLE_CAP) runs in
 * the VMM through remote.h.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/remote.h"
#include "zapvm/stats.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

#include "attach.h"

struct attach_opts {
	enum zap_policy policy;
	bool stats, stats_all;
	uint64_t interval_ms, duration_s;
	const char *json;
	int vm; /* --vm N; -1: every VM */
	bool policy_done; /* switched through the VM's control socket */
};

/* Whether set @s is one --vm picked (all without --vm). */
static bool picked(const struct attach_opts *o, const struct attach_set *s)
{
	return o->vm < 0 || s->vm == o->vm;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_getfd_(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

static int gone_or(int err, const struct attach *a, const char *what)
{
	if (err == -ESRCH || err == -ENOENT) {
		log_err("attach: process %d exited during attach", (int)a->pid);
		return ZAPVM_EXIT_NOINPUT;
	}
	if (err == -EPERM || err == -EACCES) {
		log_err("attach: %s on %d: %s (ptrace access: be root or its "
			"owner with CAP_SYS_PTRACE, see "
			"/proc/sys/kernel/yama/ptrace_scope)",
			what, (int)a->pid, strerror(-err));
		return ZAPVM_EXIT_NOPERM;
	}
	if (err == -EIO) {
		/* As for a zapvm exec holding another VMM's VM. */
		log_err("attach: %s on %d: EIO: KVM answers only the process "
			"that created the VM, and %d did not",
			what, (int)a->pid, (int)a->pid);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	log_err("attach: %s on %d: %s", what, (int)a->pid, strerror(-err));
	return ZAPVM_EXIT_SOFTWARE;
}

/* The first VM's fd, through pidfd_getfd(): the permission check too. */
static int grab_vm(struct attach *a)
{
	a->pidfd = pidfd_open_(a->pid);
	if (a->pidfd < 0)
		return gone_or(-errno, a, "pidfd_open");
	for (unsigned int i = 0; i < a->nsets; i++) {
		if (a->sets[i].vcpu >= 0)
			continue;
		a->vm_fd = pidfd_getfd_(a->pidfd, a->sets[i].tfd);
		if (a->vm_fd < 0)
			return gone_or(-errno, a, "pidfd_getfd");
		return 0;
	}
	return 0;
}

/* In the target: KVM_GET_STATS_FD, then fetch and close its copy. */
static int remote_stats(struct remote *r, struct attach *a,
			struct attach_set *s)
{
	long tfd, ign;
	int ret, fd;

	ret = remote__syscall(r, SYS_ioctl, (uint64_t)s->tfd, KVM_GET_STATS_FD,
			      0, &tfd);
	if (ret)
		return ret;
	if (tfd < 0)
		return (int)tfd;
	fd = pidfd_getfd_(a->pidfd, (int)tfd);
	ret = fd < 0 ? -errno : 0;
	remote__syscall(r, SYS_close, (uint64_t)tfd, 0, 0, &ign);
	if (ret)
		return ret;
	return stats__open(&s->st, fd);
}

static int remote_cap(struct remote *r, int tfd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg } };
	long res;
	int ret = remote__poke(r, &ec, sizeof(ec));

	if (!ret)
		ret = remote__syscall(r, SYS_ioctl, (uint64_t)tfd,
				      KVM_ENABLE_CAP, r->scratch, &res);
	return ret ? ret : (int)res;
}

/*
 * zap_policy__change()'s rules for a VM whose history zapvm does not know:
 * the series' flags switch at any time; the quirk can be disabled (slot)
 * but KVM cannot say whether it still is enabled, so all is refused there.
 */
static int set_policy(struct remote *r, struct attach *a,
		      const struct attach_opts *o, const struct zap_support *zs,
		      enum zap_iface *used)
{
	enum zap_policy want = o->policy;
	uint32_t cap = KVM_CAP_MEMSLOT_ZAP_CONTROL;
	uint64_t arg = want == ZAP_SLOT ? KVM_ZAP_ONLY_MEMSLOT_SPTES : 0;
	int ret;

	*used = ZAP_IFACE_SERIES;
	if (!zs->series && want == ZAP_ALL) {
		log_err("attach: zap policy all needs the zapvm series' "
			"KVM_CAP_MEMSLOT_ZAP_CONTROL: KVM cannot say whether "
			"the VMM disabled KVM_X86_QUIRK_SLOT_ZAP_ALL, and a "
			"quirk cannot be re-enabled");
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (!zs->series && !zs->quirk) {
		log_err("attach: zap policy slot is not supported by this "
			"kernel: %s",
			zs->series_cap_only ?
				"KVM answers KVM_CAP_MEMSLOT_ZAP_CONTROL "
				"without the zapvm series' stat" :
				"it has neither KVM_CAP_MEMSLOT_ZAP_CONTROL "
				"(zapvm kernel series) nor "
				"KVM_X86_QUIRK_SLOT_ZAP_ALL (Linux 6.12+)");
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (!zs->series) {
		cap = KVM_CAP_DISABLE_QUIRKS2;
		arg = KVM_X86_QUIRK_SLOT_ZAP_ALL;
		*used = ZAP_IFACE_QUIRK;
	}
	for (unsigned int i = 0; i < a->nsets; i++) {
		if (a->sets[i].vcpu >= 0 || !picked(o, &a->sets[i]))
			continue;
		ret = remote_cap(r, a->sets[i].tfd, cap, arg);
		if (ret)
			return gone_or(ret, a, "KVM_ENABLE_CAP");
	}
	return 0;
}

/* Probe with the system fd: VM ioctls from here fail (-EIO). */
static int do_policy(struct remote *r, struct attach *a,
		     const struct attach_opts *o)
{
	const struct stats_set *vm = NULL;
	struct zap_support zs;
	enum zap_iface used;
	int kfd, ret;

	for (unsigned int i = 0; i < a->nsets; i++)
		if (a->sets[i].vcpu < 0 && a->sets[i].st.fd >= 0 &&
		    picked(o, &a->sets[i]))
			vm = &a->sets[i].st;
	kfd = kvm__open();
	if (kfd < 0)
		return errno_to_exit(kfd == -ENOENT ? -ENODEV : kfd);
	zap_support__probe(kfd, vm, &zs);
	close(kfd);
	ret = set_policy(r, a, o, &zs, &used);
	if (!ret && o->vm >= 0)
		printf("%d: VM %d (fd %d): zap policy %s (%s)\n", (int)a->pid,
		       o->vm, a->vm_tfd[o->vm], zap_policy__name(o->policy),
		       zap_iface__name(used));
	else if (!ret)
		printf("%d: zap policy %s (%s)%s\n", (int)a->pid,
		       zap_policy__name(o->policy), zap_iface__name(used),
		       a->nvm > 1 ? ", every VM" : "");
	return ret;
}

/* Everything that must run inside the VMM, in one ptrace stop. */
static int in_target(struct attach *a, const struct attach_opts *o)
{
	struct remote r;
	int ret;

	ret = remote__attach(&r, a->pid);
	if (ret) {
		remote__detach(&r);
		if (ret == -ENOEXEC) {
			log_err("attach: no syscall instruction found in %d",
				(int)a->pid);
			return ZAPVM_EXIT_SOFTWARE;
		}
		return gone_or(ret, a, "ptrace");
	}
	for (unsigned int i = 0; i < a->nsets; i++) {
		if (!picked(o, &a->sets[i]))
			continue;
		ret = remote_stats(&r, a, &a->sets[i]);
		if (ret == -ESRCH || ret == -EIO)
			break;
		if (ret)
			log_warn("attach: stats of fd %d: %s", a->sets[i].tfd,
				 strerror(-ret));
		ret = 0;
	}
	if (!ret && o->policy != ZAP_DEFAULT && !o->policy_done)
		ret = do_policy(&r, a, o);
	else if (ret)
		ret = gone_or(ret, a, "KVM_GET_STATS_FD");
	remote__detach(&r);
	return ret;
}

static void set_name(const struct attach_set *s, char *buf, size_t len)
{
	if (s->vcpu < 0)
		snprintf(buf, len, "vm");
	else
		snprintf(buf, len, "vcpu%d", s->vcpu);
}

static uint64_t value_of(const struct stats_desc *d, const uint64_t *v)
{
	uint64_t sum = 0;

	for (unsigned int k = 0; k < d->size; k++)
		sum += v[d->first + k];
	return sum;
}

/* One set's stats now, one line each (the name: vm or vcpuN). */
static void print_set(const struct attach_set *s, bool all)
{
	uint64_t *v;
	char name[16];

	if (s->st.fd < 0)
		return;
	v = calloc(s->st.nvalues + 1, sizeof(*v));
	if (!v || stats__snapshot(&s->st, v)) {
		free(v);
		return;
	}
	set_name(s, name, sizeof(name));
	for (unsigned int k = 0; k < s->st.ndesc; k++) {
		uint64_t x = value_of(&s->st.desc[k], v);

		if (x || all)
			printf("  %-6s %-32s %20" PRIu64 "\n", name,
			       s->st.desc[k].name, x);
	}
	free(v);
}

/* The sets of VM @vm (-1: vCPUs whose VM is not known), the VM first. */
static void print_group(const struct attach *a, const struct attach_opts *o,
			int vm)
{
	for (int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < a->nsets; i++)
			if (a->sets[i].vm == vm &&
			    (a->sets[i].vcpu >= 0) == pass &&
			    picked(o, &a->sets[i]))
				print_set(&a->sets[i], o->stats_all);
}

static void print_stats(const struct attach *a, const struct attach_opts *o)
{
	printf("%d (%s): KVM stats now (histograms: bucket sums)\n",
	       (int)a->pid, a->comm);
	for (unsigned int v = 0; v < a->nvm; v++) {
		if (o->vm >= 0 && (int)v != o->vm)
			continue;
		if (a->nvm > 1)
			printf("VM %u (fd %d):\n", v, a->vm_tfd[v]);
		print_group(a, o, (int)v);
	}
	if (a->attributed || o->vm >= 0)
		return;
	printf("vCPUs of any of the %u VMs (%s):\n", a->nvm, a->why);
	print_group(a, o, -1);
}

static struct json_object *
json_set(const struct attach *a, const struct attach_set *s, const uint64_t *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "fd", json_object_new_int(s->tfd));
	json_object_object_add(
		o, "vcpu", s->vcpu < 0 ? NULL : json_object_new_int(s->vcpu));
	json_object_object_add(o, "vm",
			       s->vm < 0 ? NULL : json_object_new_int(s->vm));
	json_object_object_add(
		o, "vm_fd",
		s->vm < 0 ? NULL : json_object_new_int(a->vm_tfd[s->vm]));
	json_object_object_add(o, "values", stats__values_json(&s->st, v));
	return o;
}

static struct json_object *sample(const struct attach *a,
				  const struct attach_opts *o, uint64_t t0)
{
	struct json_object *j = json_object_new_object();
	struct json_object *sets = json_object_new_array();

	json_object_object_add(j, "t_ms",
			       json_object_new_double((now_ns() - t0) / 1e6));
	for (unsigned int i = 0; i < a->nsets; i++) {
		const struct attach_set *s = &a->sets[i];
		uint64_t *v;

		if (s->st.fd < 0 || !picked(o, s))
			continue;
		v = calloc(s->st.nvalues + 1, sizeof(*v));
		if (v && !stats__snapshot(&s->st, v))
			json_object_array_add(sets, json_set(a, s, v));
		free(v);
	}
	json_object_object_add(j, "sets", sets);
	return j;
}

/* "vms": each VM's fd and vCPU ids; "attributed", and why not. */
static void json_vms(const struct attach *a, struct json_object *root)
{
	struct json_object *vms = json_object_new_array();

	for (unsigned int v = 0; v < a->nvm; v++) {
		struct json_object *o = json_object_new_object();
		struct json_object *ids = json_object_new_array();

		for (unsigned int i = 0; i < a->nsets; i++)
			if (a->sets[i].vm == (int)v && a->sets[i].vcpu >= 0)
				json_object_array_add(
					ids,
					json_object_new_int(a->sets[i].vcpu));
		json_object_object_add(o, "vm", json_object_new_int((int)v));
		json_object_object_add(o, "fd",
				       json_object_new_int(a->vm_tfd[v]));
		json_object_object_add(o, "vcpus", ids);
		json_object_array_add(vms, o);
	}
	json_object_object_add(root, "vms", vms);
	json_object_object_add(root, "attributed",
			       json_object_new_boolean(a->attributed));
	json_object_object_add(root, "unattributed_why",
			       a->attributed ? NULL :
					       json_object_new_string(a->why));
}

/* Every stat every interval until the duration ends or the VMM does. */
static int series(const struct attach *a, const struct attach_opts *o)
{
	struct json_object *root = json_object_new_object();
	struct json_object *samples = json_object_new_array();
	uint64_t t0 = now_ns(), end = t0 + o->duration_s * 1000000000ULL;
	const char *ended = "duration";
	int ret;

	json_object_object_add(root, "pid", json_object_new_int(a->pid));
	json_object_object_add(root, "comm", json_object_new_string(a->comm));
	json_object_object_add(root, "interval_ms",
			       json_object_new_uint64(o->interval_ms));
	json_vms(a, root);
	for (;;) {
		struct pollfd p = { .fd = a->pidfd, .events = POLLIN };

		json_object_array_add(samples, sample(a, o, t0));
		if (now_ns() + o->interval_ms * 1000000ULL > end)
			break;
		if (poll(&p, 1, (int)o->interval_ms) > 0) {
			/* The VMM exited; its VM lives on through our fd. */
			log_info("attach: %d exited", (int)a->pid);
			ended = "exited";
			break;
		}
	}
	json_object_object_add(root, "ended", json_object_new_string(ended));
	json_object_object_add(root, "samples", samples);
	ret = report__write_json(root, o->json);
	json_object_put(root);
	return ret;
}

static void attach_usage(FILE *f)
{
	fprintf(f, "usage: zapvm attach PID [--zap-policy all|slot] "
		   "[--stats[=all]]\n"
		   "                        [--interval MS --duration S "
		   "--json FILE] [--vm N]\n");
}

static int attach_opt(int c, const char *arg, struct attach_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'p':
		if (!zap_policy__parse(arg, &o->policy) &&
		    o->policy != ZAP_DEFAULT)
			return 0;
		log_err("--zap-policy '%s': expected all or slot", arg);
		return ZAPVM_EXIT_USAGE;
	case 's':
		if (arg && strcmp(arg, "all")) {
			log_err("--stats=%s: only --stats=all", arg);
			return ZAPVM_EXIT_USAGE;
		}
		o->stats = true;
		o->stats_all = arg != NULL;
		return 0;
	case 'i':
	case 'd':
		if (parse_u64(arg, &v) || !v || v > 86400000ULL) {
			log_err("--%s '%s': expected a positive number",
				c == 'i' ? "interval" : "duration", arg);
			return ZAPVM_EXIT_USAGE;
		}
		*(c == 'i' ? &o->interval_ms : &o->duration_s) = v;
		return 0;
	case 'j':
		o->json = arg;
		return 0;
	case 'm':
		if (parse_u64(arg, &v) || v >= ATTACH_MAX_VMS) {
			log_err("--vm '%s': expected a VM index, 0 to %d", arg,
				ATTACH_MAX_VMS - 1);
			return ZAPVM_EXIT_USAGE;
		}
		o->vm = (int)v;
		return 0;
	default:
		attach_usage(stderr);
		return ZAPVM_EXIT_USAGE;
	}
}

static int attach_parse(int argc, char **argv, struct attach_opts *o,
			pid_t *pid)
{
	static const struct option opts[] = {
		{ "zap-policy", required_argument, NULL, 'p' },
		{ "stats", optional_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "vm", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == 'h') {
			attach_usage(stdout);
			return -1;
		}
		if (common_opt(c))
			continue;
		ret = attach_opt(c, optarg, o);
		if (ret)
			return ret;
	}
	if (optind != argc - 1 || parse_u64(argv[optind], &v) || !v ||
	    v > INT32_MAX) {
		attach_usage(stderr);
		return ZAPVM_EXIT_USAGE;
	}
	*pid = (pid_t)v;
	if (!o->interval_ms != !o->duration_s || (o->interval_ms && !o->json)) {
		log_err("attach: --interval, --duration and --json go together");
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->interval_ms && o->json) {
		log_err("attach: --json writes the --interval time series");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->policy == ZAP_DEFAULT && !o->interval_ms)
		o->stats = true;
	return 0;
}

/* --vm, and what several VMs in the process mean; exit status or 0. */
static int check_vms(struct attach *a, struct attach_opts *o)
{
	if (o->vm >= (int)a->nvm) {
		log_err("attach: --vm %d: process %d has %u VM%s (0 to %u)",
			o->vm, (int)a->pid, a->nvm, a->nvm == 1 ? "" : "s",
			a->nvm - 1);
		return ZAPVM_EXIT_USAGE;
	}
	attach__attribute(a);
	if (!a->attributed)
		log_warn("attach: %d has %u VMs and its vCPUs cannot all be "
			 "told apart: %s; those are listed together%s",
			 (int)a->pid, a->nvm, a->why,
			 o->vm >= 0 ? ", and --vm leaves them out" : "");
	return 0;
}

/*
 * A zapvm VM switches through its control socket, so that list and policy
 * agree; only when the switch is for all of the process's VMs (the socket
 * cannot pick one).
 */
static int ctl_policy(const struct attach *a, struct attach_opts *o)
{
	if (o->policy == ZAP_DEFAULT)
		return 0;
	if (o->vm >= 0 && a->nvm > 1) {
		log_info("attach: --vm: switching VM %d directly", o->vm);
		return 0;
	}
	return attach__ctl_policy(a->pid, o->policy, &o->policy_done);
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o = { .vm = -1 };
	struct attach a = { .pidfd = -1, .vm_fd = -1 };
	int ret;

	ret = attach_parse(argc, argv, &o, &a.pid);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = attach__scan(&a);
	if (!ret)
		ret = check_vms(&a, &o);
	if (!ret)
		ret = grab_vm(&a);
	if (!ret)
		ret = ctl_policy(&a, &o);
	if (!ret && (o.stats || o.interval_ms || !o.policy_done))
		ret = in_target(&a, &o);
	if (!ret && o.stats)
		print_stats(&a, &o);
	if (!ret && o.interval_ms)
		ret = series(&a, &o);
	for (unsigned int i = 0; i < a.nsets; i++)
		stats__close(&a.sets[i].st);
	if (a.vm_fd >= 0)
		close(a.vm_fd);
	if (a.pidfd >= 0)
		close(a.pidfd);
	return ret;
}
