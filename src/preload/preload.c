// SPDX-License-Identifier: GPL-2.0-only
/*
 * libzapvm-preload.so: LD_PRELOADed into a VMM by `zapvm exec`. It wraps
 * ioctl() and tells zapvm (channel.h) about the VMM's VMs, vCPUs, memslot
 * changes and first KVM_RUN. KVM refuses VM and vCPU ioctls from any
 * process but the VM's creator (-EIO unless current->mm is the VM's), so
 * what zapvm wants done to a VM - the zap policy, KVM_GET_STATS_FD, the THP
 * advice - is done here, inside the VMM, with zapvm's own policy code.
 *
 * The library must never break the VMM: every failure of the channel only
 * stops the reporting, and every wrapped ioctl still runs exactly once with
 * the VMM's arguments and returns the VMM's result and errno.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/channel.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/stats.h"
#include "zapvm/vm.h"

/* Descriptors we know, by number; larger fds are not followed. */
#define MAX_FDS 16384
#define MAX_VMS 64

enum fd_kind { FD_NONE, FD_VM, FD_VCPU };

struct fd_ent {
	uint8_t kind; /* enum fd_kind */
	uint8_t ran; /* FD_VCPU: its first KVM_RUN was reported */
	uint16_t vm;
	uint32_t vcpu;
	/* FD_VCPU: our own read-only mapping of its kvm_run, or NULL */
	const struct kvm_run *run;
};

typedef int (*ioctl_fn)(int, unsigned long, ...);

static ioctl_fn real_ioctl;
static int pending = -1; /* $ZAPVM_EXEC_FD, not claimed yet */
static pthread_once_t claimed = PTHREAD_ONCE_INIT;
static int chan = -1; /* -1: no zapvm, or the channel failed */
/* VMs without their first KVM_RUN yet, and with threads=1 vCPU fds. */
static unsigned int unstarted;
static bool threads; /* threads=1: report each vCPU's first KVM_RUN */
static enum zap_policy policy = ZAP_DEFAULT;
static enum thp_mode thp = THP_DEFAULT;
static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;
/* fds[], nvms, vm_ran[]: never held across a talk() */
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_ent *fds;
static unsigned int nvms;
static uint8_t vm_ran[MAX_VMS];

/* What a policy switch from zapvm needs of each VM (under fd_lock). */
struct vm_ent {
	int fd; /* a duplicate of the VM fd: the VMM's may be reused */
	struct zap_support zs;
	enum zap_policy policy;
	enum zap_iface iface;
};

static struct vm_ent vm_ents[MAX_VMS];

static void parse_cfg(const char *cfg)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", cfg);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "policy=", 7))
			zap_policy__parse(tok + 7, &policy);
		else if (!strncmp(tok, "thp=", 4))
			thp_mode__parse(tok + 4, &thp);
		else if (!strncmp(tok, "log=", 4))
			log_level = atoi(tok + 4);
		else if (!strcmp(tok, "threads=1"))
			threads = true;
	}
}

/* LD_PRELOAD without this library: the VMM's children run clean. */
static void drop_preload(void)
{
	const char *cur = getenv("LD_PRELOAD");
	char out[4096] = "", buf[4096], *tok, *save;
	size_t n = 0;

	if (!cur || strlen(cur) >= sizeof(buf))
		return;
	strcpy(buf, cur);
	for (tok = strtok_r(buf, ": ", &save); tok;
	     tok = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(tok, '/');

		if (!strcmp(base ? base + 1 : tok, "libzapvm-preload.so"))
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
				      n ? ":" : "", tok);
	}
	if (n)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
}

static uint32_t zs_bits(const struct zap_support *zs)
{
	return (zs->series ? CHAN_ZS_SERIES : 0) |
	       (zs->series_cap_only ? CHAN_ZS_SERIES_CAP_ONLY : 0) |
	       (zs->quirk ? CHAN_ZS_QUIRK : 0);
}

/* CHAN_POLICY: switch one VM, as `zapvm policy` does its own. */
static int cmd_policy(const struct chan_msg *m, struct chan_msg *r)
{
	struct vm_ent e = { .fd = -1 };
	enum zap_iface used;
	const char *why;
	int ret;

	pthread_mutex_lock(&fd_lock);
	if (m->vm < MAX_VMS)
		e = vm_ents[m->vm];
	pthread_mutex_unlock(&fd_lock);
	if (e.fd < 0)
		return -ENOENT;
	ret = zap_policy__change(e.fd, &e.zs, e.policy, e.iface,
				 (enum zap_policy)m->flags, &used, &why);
	r->iface = used;
	r->flags = zs_bits(&e.zs);
	if (ret)
		return ret;
	pthread_mutex_lock(&fd_lock);
	vm_ents[m->vm].policy = (enum zap_policy)m->flags;
	vm_ents[m->vm].iface = used;
	pthread_mutex_unlock(&fd_lock);
	return 0;
}

/*
 * zapvm's requests, served from a thread of the library's own: KVM takes
 * them only from this process. It blocks every signal, so the VMM's
 * signals keep going to the VMM's threads.
 */
static void *cmd_thread(void *arg)
{
	int s = (int)(intptr_t)arg;

	for (;;) {
		struct chan_msg m,
			r = { .version = CHAN_VERSION, .type = CHAN_REPLY };
		int f[CHAN_MAX_FDS], n = chan__recv(s, &m, f);

		if (n == -EPROTO)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++)
			close(f[i]);
		r.vm = m.vm;
		r.ret = m.type == CHAN_POLICY ? cmd_policy(&m, &r) : -EPROTO;
		if (chan__send(s, &r, NULL, 0))
			break;
	}
	close(s);
	return NULL;
}

/* The command socket's zapvm end, or -1: the VMM runs on without it. */
static int start_cmd_thread(void)
{
	sigset_t all, old;
	pthread_attr_t at;
	pthread_t t;
	int sp[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -1;
	sigfillset(&all);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t, &at, cmd_thread, (void *)(intptr_t)sp[0]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	if (err) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	return sp[1];
}

static int hello_reply(int fd)
{
	struct chan_msg r;
	int rf[CHAN_MAX_FDS], n = chan__recv(fd, &r, rf);

	for (int i = 0; i < n; i++)
		close(rf[i]);
	if (n < 0)
		return n;
	return r.type == CHAN_REPLY ? 0 : -EPROTO;
}

/*
 * The first process with the library that makes a KVM ioctl is the VMM
 * (a wrapper script that only starts it never does): it claims the
 * channel, hides it and the library from the processes it starts, and
 * says hello.
 */
static void claim(void)
{
	const char *cfg = getenv(CHAN_CFG_ENV);
	struct chan_msg m = { .version = CHAN_VERSION, .type = CHAN_HELLO };
	int fd = pending, cmd, ret;

	if (fd < 0)
		return;
	if (cfg)
		parse_cfg(cfg);
	unsetenv(CHAN_FD_ENV);
	unsetenv(CHAN_CFG_ENV);
	drop_preload();
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return;
	fds = calloc(MAX_FDS, sizeof(*fds));
	m.pid = (uint32_t)getpid();
	for (int i = 0; i < MAX_VMS; i++)
		vm_ents[i].fd = -1;
	cmd = fds ? start_cmd_thread() : -1;
	ret = fds ? chan__send(fd, &m, &cmd, cmd >= 0 ? 1 : 0) : -ENOMEM;
	if (cmd >= 0)
		close(cmd);
	/*
	 * zapvm answers every message: take this one's answer here, or each
	 * later talk() would read the answer to the message before its own
	 * and go on before zapvm acted on it.
	 */
	if (!ret)
		ret = hello_reply(fd);
	if (ret) {
		close(fd);
		return;
	}
	__atomic_store_n(&chan, fd, __ATOMIC_RELEASE);
}

/* A preload library's only entry point before main(): note the channel. */
__attribute__((constructor)) static void preload__init(void)
{
	const char *s = getenv(CHAN_FD_ENV);

	real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	if (s)
		pending = atoi(s);
}

static struct fd_ent fd_lookup(int fd)
{
	struct fd_ent e = { .kind = FD_NONE };

	if (fd < 0 || fd >= MAX_FDS)
		return e;
	pthread_mutex_lock(&fd_lock);
	e = fds[fd];
	pthread_mutex_unlock(&fd_lock);
	return e;
}

/* Send @m and wait for zapvm's reply; on any failure stop reporting. */
static int talk(struct chan_msg *m, const int *f, unsigned int nf)
{
	struct chan_msg r;
	int rf[CHAN_MAX_FDS], ret = -EPIPE;

	pthread_mutex_lock(&chan_lock);
	if (chan < 0)
		goto out;
	m->version = CHAN_VERSION;
	m->pid = (uint32_t)getpid();
	m->tid = (uint32_t)syscall(SYS_gettid);
	ret = chan__send(chan, m, f, nf);
	if (!ret)
		ret = chan__recv(chan, &r, rf);
	if (ret > 0)
		for (int i = 0; i < ret; i++)
			close(rf[i]);
	if (ret >= 0)
		ret = r.type == CHAN_REPLY ? r.ret : -EPROTO;
	if (ret < 0) {
		close(chan);
		__atomic_store_n(&chan, -1, __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&chan_lock);
	return ret;
}

static bool reporting(void)
{
	return __atomic_load_n(&chan, __ATOMIC_RELAXED) >= 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_create_vm(int vm_fd)
{
	struct chan_msg m = { .type = CHAN_VM };
	struct stats_set st = { .fd = -1 };
	struct zap_support zs;
	enum zap_iface used = ZAP_IFACE_NONE;
	int f[2] = { vm_fd, -1 }, sfd, ret;

	sfd = real_ioctl(vm_fd, KVM_GET_STATS_FD, NULL);
	if (sfd >= 0) {
		f[1] = sfd;
		ret = dup(sfd);
		if (ret >= 0 && stats__open(&st, ret))
			st.fd = -1;
	}
	zap_support__probe(vm_fd, st.fd >= 0 ? &st : NULL, &zs);
	stats__close(&st);
	m.ret = zap_policy__apply(vm_fd, &zs, policy, &used);
	m.iface = used;
	m.flags = zs_bits(&zs);
	pthread_mutex_lock(&fd_lock);
	m.vm = nvms < MAX_VMS ? nvms++ : MAX_VMS;
	if (vm_fd < MAX_FDS && m.vm < MAX_VMS) {
		fds[vm_fd] = (struct fd_ent){ .kind = FD_VM, .vm = m.vm };
		__atomic_add_fetch(&unstarted, 1, __ATOMIC_RELEASE);
	}
	if (m.vm < MAX_VMS && !m.ret)
		vm_ents[m.vm] = (struct vm_ent){
			.fd = fcntl(vm_fd, F_DUPFD_CLOEXEC, 0),
			.zs = zs,
			.policy = policy,
			.iface = used,
		};
	pthread_mutex_unlock(&fd_lock);
	/* zapvm kills the VMM here when the policy cannot be honoured. */
	talk(&m, f, sfd >= 0 ? 2 : 1);
	if (sfd >= 0)
		close(sfd);
}

static void on_create_vcpu(int vm_fd, unsigned long id, int vcpu_fd)
{
	struct chan_msg m = { .type = CHAN_VCPU, .vcpu = (uint32_t)id };
	struct fd_ent vm = fd_lookup(vm_fd);
	int f[2] = { vcpu_fd, -1 };

	if (vm.kind != FD_VM)
		return;
	m.vm = vm.vm;
	if (vcpu_fd >= 0 && vcpu_fd < MAX_FDS) {
		/*
		 * A page of our own onto the vCPU's kvm_run, to see the exit
		 * that ends a guest (after_run()). Never unmapped: the VM
		 * lives until the VMM exits anyway (vm_ents[].fd), and a
		 * thread of the VMM could still be reading an old one.
		 */
		void *run = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
				 MAP_SHARED, vcpu_fd, 0);

		pthread_mutex_lock(&fd_lock);
		/* A reused fd whose vCPU never ran is counted already. */
		if (threads &&
		    !(fds[vcpu_fd].kind == FD_VCPU && !fds[vcpu_fd].ran))
			__atomic_add_fetch(&unstarted, 1, __ATOMIC_RELEASE);
		fds[vcpu_fd] = (struct fd_ent){
			.kind = FD_VCPU,
			.vm = vm.vm,
			.vcpu = m.vcpu,
			.run = run == MAP_FAILED ? NULL : run,
		};
		pthread_mutex_unlock(&fd_lock);
	}
	f[1] = real_ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	talk(&m, f, f[1] >= 0 ? 2 : 1);
	if (f[1] >= 0)
		close(f[1]);
}

static void on_first_run(int vcpu_fd)
{
	struct chan_msg m = { .type = CHAN_RUN };
	struct fd_ent e = { .kind = FD_NONE };
	bool first_vm = false, first_vcpu = false;

	/* Every KVM_RUN passes here: after all first runs, one load. */
	if (!__atomic_load_n(&unstarted, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&fd_lock);
	if (vcpu_fd >= 0 && vcpu_fd < MAX_FDS)
		e = fds[vcpu_fd];
	if (e.kind == FD_VCPU && e.vm < MAX_VMS && !vm_ran[e.vm]) {
		vm_ran[e.vm] = 1;
		unstarted--;
		first_vm = true;
	}
	if (e.kind == FD_VCPU && threads && !e.ran) {
		fds[vcpu_fd].ran = 1;
		unstarted--;
		first_vcpu = true;
	}
	pthread_mutex_unlock(&fd_lock);
	m.vm = e.vm;
	m.vcpu = e.vcpu;
	if (first_vm)
		talk(&m, NULL, 0);
	if (!first_vcpu)
		return;
	m.type = CHAN_VCPU_RUN;
	talk(&m, NULL, 0);
}

/*
 * After a KVM_RUN that returned 0: an exit that ends the guest (QEMU, for
 * one, resets on a triple fault and with -no-reboot just exits, saying
 * nothing) is reported. One pointer load on every other exit.
 */
static void after_run(int vcpu_fd)
{
	struct chan_msg m = { .type = CHAN_EXIT };
	const struct kvm_run *run;
	struct fd_ent e;

	if (vcpu_fd < 0 || vcpu_fd >= MAX_FDS)
		return;
	run = __atomic_load_n(&fds[vcpu_fd].run, __ATOMIC_RELAXED);
	if (!run)
		return;
	switch (__atomic_load_n(&run->exit_reason, __ATOMIC_RELAXED)) {
	case KVM_EXIT_SHUTDOWN:
		break;
	case KVM_EXIT_FAIL_ENTRY:
		m.gpa = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		m.gpa = run->internal.suberror;
		break;
	default:
		return;
	}
	m.ret = (int32_t)run->exit_reason;
	e = fd_lookup(vcpu_fd);
	if (e.kind != FD_VCPU)
		return;
	m.vm = e.vm;
	m.vcpu = e.vcpu;
	m.tid = (uint32_t)syscall(SYS_gettid);
	talk(&m, NULL, 0);
}

/* --thp: advise a RAM slot's host range, 2 MiB-aligned inward as KVM maps. */
static uint32_t advise(uint64_t uaddr, uint64_t size, uint32_t flags)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = (uaddr + page - 1) & ~(page - 1);
	uint64_t end = (uaddr + size) & ~(page - 1);
	int adv = thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	if (thp == THP_DEFAULT || !size || (flags & KVM_MEM_READONLY) ||
	    end <= start)
		return CHAN_THP_NONE;
	if (madvise((void *)(uintptr_t)start, end - start, adv))
		return CHAN_THP_FAILED;
	return thp == THP_ON ? CHAN_THP_HUGE : CHAN_THP_NOHUGE;
}

static int on_set_region(int vm_fd, unsigned long req, void *arg)
{
	struct kvm_userspace_memory_region *r = arg;
	struct chan_msg m = { .type = CHAN_SLOT_BEFORE };
	struct fd_ent vm = fd_lookup(vm_fd);
	uint64_t t0;
	int ret, saved;

	if (vm.kind != FD_VM || !r)
		return real_ioctl(vm_fd, req, arg);
	/* REGION2 begins with the same fields as REGION. */
	m.vm = vm.vm;
	m.slot = r->slot;
	m.flags = r->flags;
	m.gpa = r->guest_phys_addr;
	m.size = r->memory_size;
	m.uaddr = r->userspace_addr;
	m.region2 = req != KVM_SET_USER_MEMORY_REGION;
	m.thp = advise(m.uaddr, m.size, m.flags);
	talk(&m, NULL, 0);
	t0 = mono_ns();
	ret = real_ioctl(vm_fd, req, arg);
	saved = errno;
	m.ns = mono_ns() - t0;
	m.type = CHAN_SLOT_AFTER;
	m.ret = ret < 0 ? -saved : ret;
	talk(&m, NULL, 0);
	errno = saved;
	return ret;
}

/* glibc's prototype: int ioctl(int, unsigned long, ...). */
int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;
	int ret, saved;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl) {
		real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
		if (!real_ioctl) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (_IOC_TYPE(req) != KVMIO)
		return real_ioctl(fd, req, arg);
	if (__atomic_load_n(&pending, __ATOMIC_RELAXED) >= 0)
		pthread_once(&claimed, claim);
	if (!reporting())
		return real_ioctl(fd, req, arg);
	switch (req) {
	case KVM_RUN:
		on_first_run(fd);
		ret = real_ioctl(fd, req, arg);
		if (ret == 0) {
			saved = errno;
			after_run(fd);
			errno = saved;
		}
		return ret;
	case KVM_SET_USER_MEMORY_REGION:
#ifdef KVM_SET_USER_MEMORY_REGION2
	case KVM_SET_USER_MEMORY_REGION2:
#endif
		return on_set_region(fd, req, arg);
	default:
		break;
	}
	ret = real_ioctl(fd, req, arg);
	saved = errno;
	if (ret >= 0 && req == KVM_CREATE_VM)
		on_create_vm(ret);
	else if (ret >= 0 && req == KVM_CREATE_VCPU)
		on_create_vcpu(fd, (unsigned long)arg, ret);
	errno = saved;
	return ret;
}
