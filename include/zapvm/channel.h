/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The private channel between `zapvm exec` and libzapvm-preload.so inside
 * the VMM: a SOCK_SEQPACKET socketpair whose VMM end is named by
 * $ZAPVM_EXEC_FD. Every message from the library gets one reply before the
 * library goes on, so zapvm sees events in the order the VMM made them and
 * can cut phases around them. File descriptors travel as SCM_RIGHTS.
 */
#ifndef ZAPVM_CHANNEL_H
#define ZAPVM_CHANNEL_H

#include <stdint.h>

/* The VMM's end of the socketpair (a decimal fd); unset by the library. */
#define CHAN_FD_ENV "ZAPVM_EXEC_FD"
/*
 * "policy=P thp=T log=L [threads=1]": what the library does on zapvm's
 * behalf; threads=1 asks for CHAN_VCPU_RUN.
 */
#define CHAN_CFG_ENV "ZAPVM_EXEC_CFG"
#define CHAN_VERSION 2
#define CHAN_MAX_FDS 2

enum chan_type {
	/*
	 * The library is loaded; pid = the VMM's pid; fds = its command
	 * socket (if it could make one): zapvm's requests go there.
	 */
	CHAN_HELLO = 1,
	/*
	 * KVM_CREATE_VM succeeded: fds = VM fd, VM stats fd (if any); ret =
	 * zap_policy__apply()'s result in the VMM, iface its interface.
	 */
	CHAN_VM,
	CHAN_VCPU, /* KVM_CREATE_VCPU: fds = vCPU fd, its stats fd */
	CHAN_SLOT_BEFORE, /* KVM_SET_USER_MEMORY_REGION(2) about to run */
	CHAN_SLOT_AFTER, /* ... it ran: ret, ns */
	CHAN_RUN, /* the first KVM_RUN of a VM */
	CHAN_REPLY, /* zapvm's answer: ret 0 = go on, < 0 = stop reporting */
	/*
	 * On the command socket, zapvm to the library: switch VM vm to zap
	 * policy flags (enum zap_policy) with zap_policy__change(). The
	 * reply: ret, iface (now in force) and flags (CHAN_ZS_*: what the
	 * VM's host offers, for zapvm's message when it is refused).
	 */
	CHAN_POLICY,
	/*
	 * With threads=1: the first KVM_RUN of vCPU fd (vm, vcpu), from the
	 * thread tid that makes it; sent before that KVM_RUN, so what zapvm
	 * opens on the thread (--trace) sees the vCPU's first fault.
	 */
	CHAN_VCPU_RUN,
	/*
	 * A vCPU's KVM_RUN returned 0 with an exit that ends a guest:
	 * ret = kvm_run's exit_reason (KVM_EXIT_SHUTDOWN: a triple fault,
	 * KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR), gpa = the hardware
	 * entry failure reason or the internal error's suberror. Sent
	 * after that KVM_RUN; the VMM then resets or stops the guest.
	 */
	CHAN_EXIT,
};

#define CHAN_ZS_SERIES 1u
#define CHAN_ZS_SERIES_CAP_ONLY 2u
#define CHAN_ZS_QUIRK 4u

/* What --thp did to a RAM memslot's host range (chan_msg.thp). */
enum chan_thp {
	CHAN_THP_NONE,
	CHAN_THP_HUGE,
	CHAN_THP_NOHUGE,
	CHAN_THP_FAILED
};

struct chan_msg {
	uint32_t version; /* CHAN_VERSION */
	uint32_t type; /* enum chan_type */
	uint32_t vm; /* the library's VM index, in creation order */
	uint32_t vcpu; /* KVM_CREATE_VCPU's id */
	int32_t ret; /* 0 or -errno */
	uint32_t iface; /* enum zap_iface (CHAN_VM) */
	uint32_t pid, tid;
	uint32_t slot; /* as in struct kvm_userspace_memory_region */
	uint32_t flags;
	uint32_t thp; /* enum chan_thp */
	uint32_t region2; /* 1: KVM_SET_USER_MEMORY_REGION2 */
	uint64_t gpa, size, uaddr;
	uint64_t ns; /* CHAN_SLOT_AFTER: time the ioctl took */
};

/*
 * chan__send - send @m with @nfds (<= CHAN_MAX_FDS) file descriptors @fds
 * on SOCK_SEQPACKET socket @sock, retrying EINTR, never raising SIGPIPE.
 * 0 or -errno.
 */
int chan__send(int sock, const struct chan_msg *m, const int *fds,
	       unsigned int nfds);

/*
 * chan__recv - receive one message into @m and up to CHAN_MAX_FDS
 * descriptors into @fds (unused slots -1, received fds are CLOEXEC),
 * retrying EINTR. Returns the number of fds received, -EPIPE at end of
 * stream, -EPROTO for a message of the wrong size or version, or -errno.
 */
int chan__recv(int sock, struct chan_msg *m, int *fds);

#endif /* ZAPVM_CHANNEL_H */
