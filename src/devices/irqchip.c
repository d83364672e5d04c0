// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel irqchip: two 8259 PICs, an IOAPIC and a local APIC per
 * vCPU, all inside KVM. It must exist before the vCPUs are created.
 */
#include <errno.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"

static int irqchip__init(struct vm *vm, void **priv)
{
	if (!kvm__check(vm->vm_fd, KVM_CAP_IRQCHIP)) {
		log_err("KVM_CAP_IRQCHIP missing: Linux guests need the "
			"in-kernel irqchip");
		return -EOPNOTSUPP;
	}
	return kvm_ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL);
}

const struct device_ops irqchip_device = {
	.name = "irqchip",
	.init = irqchip__init,
};
