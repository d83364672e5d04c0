/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of `zapvm attach` share: attach.c (the command, the
 * policy and stats inside the VMM), attach-scan.c (the VMM's descriptors
 * and which VM each vCPU belongs to), attach-ctl.c (the control socket of
 * a zapvm VM). Not for use outside src/cmd/attach*.c.
 */
#ifndef ZAPVM_CMD_ATTACH_H
#define ZAPVM_CMD_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

#include "zapvm/stats.h"
#include "zapvm/vm.h"

#define ATTACH_MAX_SETS 256
#define ATTACH_MAX_VMS 64

/* A VM or vCPU of the target: its fd number there and our stats of it. */
struct attach_set {
	int tfd;
	int vcpu; /* -1: the VM */
	int vm; /* index into attach.vm_tfd: its VM; -1: not known */
	struct stats_set st;
};

struct attach {
	pid_t pid;
	int pidfd;
	char comm[64];
	struct attach_set sets[ATTACH_MAX_SETS]; /* in fd order */
	unsigned int nsets;
	int vm_tfd[ATTACH_MAX_VMS]; /* VM i's fd in the target, fd order */
	unsigned int nvm;
	bool attributed; /* every vCPU's VM is known */
	char why[160]; /* when not: why, one phrase */
	int vm_fd; /* our duplicate of the first VM's fd: keeps it alive */
};

/*
 * attach__scan - the comm, VM and vCPU descriptors of a->pid from
 * /proc/PID/fd, in fd order. 0, or an exit status after one line.
 */
int attach__scan(struct attach *a);

/*
 * attach__attribute - which VM each vCPU belongs to: with one VM, it;
 * with several, from debugfs (kvm/TID-VMFD/vcpuN, mounted in a private
 * mount namespace when it is not mounted and we are root) where each vCPU
 * id is in one VM's set only. Sets a->attributed and each set's vm, or
 * a->why. Logs nothing above info.
 */
void attach__attribute(struct attach *a);

/*
 * attach__ctl_policy - if a zapvm VM (run, or a VMM under exec) whose
 * control socket answers "pid" @pid is running, ask it to switch to @want,
 * so that `zapvm list` and `zapvm policy` agree; *@found says whether one
 * was. The exit status `zapvm policy NAME` would give (0 if none found).
 */
int attach__ctl_policy(pid_t pid, enum zap_policy want, bool *found);

#endif /* ZAPVM_CMD_ATTACH_H */
