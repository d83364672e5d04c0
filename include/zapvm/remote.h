/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System calls made inside another process (src/cmd/remote.c), for zapvm
 * attach: KVM answers VM and vCPU ioctls only from the process that created
 * the VM, so KVM_GET_STATS_FD and KVM_ENABLE_CAP on a running VMM's VM must
 * run there. Every thread is stopped with PTRACE_SEIZE + PTRACE_INTERRUPT
 * (a vCPU thread holds its vCPU's mutex for as long as it is in KVM_RUN,
 * so a vCPU ioctl from another thread would wait for the guest to exit;
 * stopped, it has returned EINTR); the main thread is made to execute a `syscall` instruction it already has
 * (where it stopped, else in its vDSO) with zapvm's registers, and given
 * its own registers back; a system call it was blocked in restarts, one
 * that cannot (KVM_RUN) returns EINTR as after any signal.
 */
#ifndef ZAPVM_REMOTE_H
#define ZAPVM_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define REMOTE_MAX_THREADS 1024

struct remote {
	pid_t pid;
	pid_t tid; /* the thread that makes the calls */
	pid_t tids[REMOTE_MAX_THREADS]; /* seized threads */
	unsigned int ntids;
	struct user_regs_struct saved;
	uint64_t syscall_ip; /* address of a 0f 05 in the target */
	uint64_t scratch; /* below the stack's red zone */
	bool regs_saved; /* saved holds @tid's registers */
};

/*
 * remote__attach - stop @pid's main thread for remote__syscall(). 0, or
 * -errno: -ESRCH (gone), -EPERM (ptrace rules), -ENOEXEC (no syscall
 * instruction found).
 */
int remote__attach(struct remote *r, pid_t pid);

/*
 * remote__syscall - make the target run system call @nr(@a0, @a1, @a2);
 * its return value (-errno on failure) in *@ret. 0 or -errno of ptrace.
 */
int remote__syscall(struct remote *r, long nr, uint64_t a0, uint64_t a1,
		    uint64_t a2, long *ret);

/* remote__poke - copy @len bytes to the target's scratch area (<= 256). */
int remote__poke(struct remote *r, const void *buf, size_t len);

/* remote__detach - give @tid its registers back and let every thread go. */
void remote__detach(struct remote *r);

#endif /* ZAPVM_REMOTE_H */
