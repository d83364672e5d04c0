// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel i8254 PIT on ports 0x40-0x43, wired to ISA IRQ 0. With
 * KVM_PIT_SPEAKER_DUMMY KVM also answers port 0x61, which Linux reads while
 * it calibrates the TSC against the PIT: no exit to zapvm either way.
 */
#include <errno.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"

static int pit__init(struct vm *vm, void **priv)
{
	struct kvm_pit_config pc = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (!kvm__check(vm->vm_fd, KVM_CAP_PIT2)) {
		log_err("KVM_CAP_PIT2 missing: Linux guests need the in-kernel "
			"PIT");
		return -EOPNOTSUPP;
	}
	return kvm_ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pc);
}

const struct device_ops pit_device = {
	.name = "pit",
	.init = pit__init,
};
