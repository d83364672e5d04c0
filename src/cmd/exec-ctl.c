// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm exec's control socket: the VMM's VMs answer `zapvm list`, `stats`,
 * `policy` and `stop` like a `zapvm run`. The server (src/control) asks
 * the callbacks here from its own thread, so every look at the VMs is
 * under the exec state's lock. A policy switch goes to the preload
 * library's command socket: KVM takes KVM_ENABLE_CAP only from the VMM's
 * own process, and the library has the VM fd and zap_support there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/exec.h"
#include "zapvm/exit.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

/* The VM a single-VM question is about: the one the VMM made last. */
static struct exec_vm *last_vm(struct exec_state *x)
{
	for (unsigned int i = x->nvms; i > 0; i--)
		if (!x->vms[i - 1]->apply_ret)
			return x->vms[i - 1];
	return NULL;
}

static void ec_info(void *opaque, struct control_info *out)
{
	struct exec_ctl *ec = opaque;
	struct exec_state *x = ec->x;
	struct exec_vm *v;

	out->pid = (int)ec->pid;
	out->state = __atomic_load_n(&ec->stopping, __ATOMIC_ACQUIRE) ?
			     "stopping" :
			     "running";
	snprintf(out->guest, sizeof(out->guest), "%s", ec->vmm);
	pthread_mutex_lock(&x->lock);
	out->policy = x->policy;
	out->uptime_ms = (now_ns() - x->t0) / 1000000;
	v = last_vm(x);
	if (v) {
		out->vcpus = v->nvcpus;
		out->iface = v->iface;
		/* RAM as exec's report counts it: writable slots of AS 0. */
		for (unsigned int i = 0; i < v->nslots; i++)
			if (!(v->slots[i].slot >> 16) &&
			    !(v->slots[i].flags & KVM_MEM_READONLY))
				out->mem += v->slots[i].size;
	}
	pthread_mutex_unlock(&x->lock);
}

static int ec_stats(void *opaque,
		    int (*each)(void *arg, const struct stats_set *s,
				bool vcpu),
		    void *arg)
{
	struct exec_ctl *ec = opaque;
	struct exec_state *x = ec->x;
	struct exec_vm *v;
	int ret = -ENODEV;

	pthread_mutex_lock(&x->lock);
	v = last_vm(x);
	if (v && v->st.fd >= 0) {
		ret = each(arg, &v->st, false);
		for (unsigned int i = 0; !ret && i < v->nvcpus; i++)
			if (v->vcpus[i]->st.fd >= 0)
				ret = each(arg, &v->vcpus[i]->st, true);
	}
	pthread_mutex_unlock(&x->lock);
	return ret;
}

/* One CHAN_POLICY exchange on the library's command socket. */
static int ask_policy(int fd, unsigned int vm, enum zap_policy want,
		      struct chan_msg *reply)
{
	struct chan_msg m = { .version = CHAN_VERSION,
			      .type = CHAN_POLICY,
			      .vm = vm,
			      .flags = (uint32_t)want };
	int f[CHAN_MAX_FDS], ret;

	ret = chan__send(fd, &m, NULL, 0);
	if (!ret)
		ret = chan__recv(fd, reply, f);
	for (int i = 0; ret > 0 && i < ret; i++)
		close(f[i]);
	if (ret < 0)
		return ret;
	return reply->type == CHAN_REPLY && reply->vm == vm ? 0 : -EPROTO;
}

/*
 * The reason for a refusal, in zapvm policy's words: the refusals are
 * decided from the host's interfaces before any ioctl, so the same call
 * with the library's answer and no VM fd gives the same reason.
 */
static void refusal(const struct exec_vm *v, enum zap_policy cur,
		    enum zap_policy want, uint32_t bits, char *why, size_t len)
{
	struct zap_support zs = {
		.series = bits & CHAN_ZS_SERIES,
		.series_cap_only = bits & CHAN_ZS_SERIES_CAP_ONLY,
		.quirk = bits & CHAN_ZS_QUIRK,
	};
	enum zap_iface used;
	const char *w = NULL;

	zap_policy__change(-1, &zs, cur, v->iface, want, &used, &w);
	snprintf(why, len, "%s", w ? w : "");
}

/* Switch every VM of the VMM; the first refusal ends it. */
static int ec_policy(void *opaque, enum zap_policy want,
		     struct control_policy *out)
{
	struct exec_ctl *ec = opaque;
	struct exec_state *x = ec->x;
	struct chan_msg r;
	enum zap_policy cur;
	unsigned int n;
	int fd, ret = 0;

	pthread_mutex_lock(&x->lock);
	cur = x->policy;
	n = x->nvms;
	fd = x->cmd_broken ? -1 : x->cmd_fd;
	out->policy = cur;
	out->iface = last_vm(x) ? last_vm(x)->iface : ZAP_IFACE_NONE;
	pthread_mutex_unlock(&x->lock);
	if (fd < 0 || !n) {
		snprintf(out->why, sizeof(out->why), "%s",
			 fd < 0 ?
				 "the VMM's preload library takes no requests" :
				 "the VMM has made no VM yet");
		return -EOPNOTSUPP;
	}
	for (unsigned int i = 0; !ret && i < n; i++) {
		struct exec_vm *v;

		/* The array may move; the VMs in it stay until exec__free(). */
		pthread_mutex_lock(&x->lock);
		v = x->vms[i];
		pthread_mutex_unlock(&x->lock);
		if (v->apply_ret)
			continue;
		ret = ask_policy(fd, v->idx, want, &r);
		if (ret) {
			log_warn("exec: the VMM's library did not answer: %s",
				 strerror(-ret));
			pthread_mutex_lock(&x->lock);
			x->cmd_broken = true;
			pthread_mutex_unlock(&x->lock);
			return -EIO;
		}
		ret = r.ret;
		if (ret == -EPERM || ret == -EOPNOTSUPP)
			refusal(v, cur, want, r.flags, out->why,
				sizeof(out->why));
		pthread_mutex_lock(&x->lock);
		if (!ret)
			v->iface = (enum zap_iface)r.iface;
		out->iface = v->iface;
		pthread_mutex_unlock(&x->lock);
	}
	if (ret)
		return ret;
	/* As `zapvm policy`: the kernel's default is zap-all. */
	out->changed = (cur == ZAP_SLOT) != (want == ZAP_SLOT);
	out->policy = want;
	pthread_mutex_lock(&x->lock);
	x->policy = want;
	for (unsigned int i = 0; out->changed && i < x->nvms; i++)
		if (x->vms[i]->log && !x->vms[i]->t_end)
			phase_log__mark(x->vms[i]->log, want == ZAP_SLOT ?
								"policy-slot" :
								"policy-all");
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static int ec_stop(void *opaque)
{
	struct exec_ctl *ec = opaque;
	char b = 1;

	__atomic_store_n(&ec->stopping, true, __ATOMIC_RELEASE);
	return write(ec->stop_pipe[1], &b, 1) < 0 ? -errno : 0;
}

int exec_ctl__open(struct exec_ctl *ec, const char *name)
{
	char def[32], dir[256];
	int ret;

	ec->ctl = NULL;
	ec->stop_pipe[0] = ec->stop_pipe[1] = -1;
	if (pipe2(ec->stop_pipe, O_CLOEXEC | O_NONBLOCK)) {
		log_err("exec: pipe: %s", strerror(errno));
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (!name) {
		snprintf(def, sizeof(def), "zapvm-%d", (int)getpid());
		if (control__dir(dir, sizeof(dir)) == -ENOENT)
			log_info(
				"no control socket: XDG_RUNTIME_DIR is not set");
		else
			control__open(def, LOG_WARN, &ec->ctl);
		return 0;
	}
	ret = control__open(name, LOG_ERR, &ec->ctl);
	switch (ret) {
	case 0:
		return 0;
	case -EADDRINUSE:
	case -ENAMETOOLONG:
		ret = ZAPVM_EXIT_USAGE;
		break;
	case -ENOENT:
		ret = ZAPVM_EXIT_UNAVAILABLE;
		break;
	default:
		ret = errno_to_exit(ret);
		break;
	}
	exec_ctl__close(ec);
	return ret;
}

void exec_ctl__start(struct exec_ctl *ec, struct exec_state *x, pid_t pid,
		     const char *vmm)
{
	struct control_target t = {
		.info = ec_info,
		.stats = ec_stats,
		.policy = ec_policy,
		.stop = ec_stop,
		.no_pause = "pause and resume: not for a VMM under zapvm exec "
			    "(its vCPU threads are its own)",
		.opaque = ec,
	};

	ec->x = x;
	ec->pid = pid;
	ec->vmm = vmm;
	if (ec->ctl && control__start_target(ec->ctl, &t)) {
		control__close(ec->ctl);
		ec->ctl = NULL;
	}
}

void exec_ctl__stopping(struct exec_ctl *ec)
{
	__atomic_store_n(&ec->stopping, true, __ATOMIC_RELEASE);
}

bool exec_ctl__take_stop(struct exec_ctl *ec)
{
	char buf[16];
	bool got = false;

	while (ec->stop_pipe[0] >= 0 && read(ec->stop_pipe[0], buf, 16) > 0)
		got = true;
	return got;
}

void exec_ctl__close(struct exec_ctl *ec)
{
	control__close(ec->ctl);
	ec->ctl = NULL;
	for (int i = 0; i < 2; i++) {
		if (ec->stop_pipe[i] >= 0)
			close(ec->stop_pipe[i]);
		ec->stop_pipe[i] = -1;
	}
}
