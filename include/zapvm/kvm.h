/* SPDX-License-Identifier: GPL-2.0-only */
/* /dev/kvm: checked ioctl wrappers and host capabilities. */
#ifndef ZAPVM_KVM_H
#define ZAPVM_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include "zapvm/kvm_compat.h"

/*
 * kvm_ioctl - ioctl(@fd, @req, @arg) retried on EINTR; on failure logs
 * "KVM_FOO failed: reason" naming the ioctl and returns -errno. Use
 * kvm_ioctl_quiet() for probes that may fail.
 */
#define kvm_ioctl(fd, req, arg) __kvm_ioctl(fd, req, arg, #req, true)
#define kvm_ioctl_quiet(fd, req, arg) __kvm_ioctl(fd, req, arg, #req, false)
int __kvm_ioctl(int fd, unsigned long req, void *arg, const char *name,
		bool log);

/* The path of the KVM device; $ZAPVM_KVM_DEV overrides it (for tests). */
const char *kvm__dev_path(void);

/*
 * kvm__open - open the KVM device and check the API version. Returns the fd
 * or -errno with one line logged (-ENOENT: no device, -EACCES: not
 * permitted, -EOPNOTSUPP: wrong API version).
 */
int kvm__open(void);

/* kvm__check - KVM_CHECK_EXTENSION on @fd (system or VM fd); <0 is 0. */
long kvm__check(int fd, long cap);

enum mmu_kind { MMU_UNKNOWN, MMU_TDP_EPT, MMU_TDP_NPT, MMU_SHADOW, MMU_PVM };

/* Host MMU facts from /sys/module; reading them needs no privilege. */
struct mmu_info {
	enum mmu_kind kind;
	/*
	 * 1 when new VMs get the TDP MMU: kvm.tdp_mmu is Y and EPT/NPT is on
	 * (6.1's kvm.tdp_mmu stays Y with kvm_amd.npt=0, where every VM
	 * shadows its guest's page tables); 0 otherwise; -1 when kvm has no
	 * tdp_mmu parameter.
	 */
	int tdp_mmu;
	const char *vendor_module; /* "kvm_intel", "kvm_amd", "kvm_pvm" or NULL */
};

void kvm__mmu_info(struct mmu_info *info);

/*
 * kvm__tdp_mmu_used - struct mmu_info's tdp_mmu from the kvm.tdp_mmu
 * parameter (1, 0, -1 as there) and the MMU kind.
 */
int kvm__tdp_mmu_used(int tdp_mmu_param, enum mmu_kind kind);
const char *kvm__mmu_name(enum mmu_kind kind);

/*
 * kvm__read_param - the first character of a module parameter file
 * (/sys/module/MOD/parameters/NAME), or -ENOENT etc.
 */
int kvm__read_param(const char *path);

/*
 * kvm__describe_exit - a kvm_run exit that ends the guest, in words:
 * "triple fault (KVM_EXIT_SHUTDOWN)", "KVM_EXIT_FAIL_ENTRY, hardware
 * reason 0x..", "KVM_EXIT_INTERNAL_ERROR, suberror N"; @detail is
 * fail_entry.hardware_entry_failure_reason or internal.suberror. Used by
 * zapvm's own vCPUs and by `zapvm exec` for a preloaded VMM's. Returns @buf.
 */
const char *kvm__describe_exit(unsigned int reason, unsigned long long detail,
			       char *buf, size_t len);

#endif /* ZAPVM_KVM_H */
