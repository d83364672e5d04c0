// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which boot path runs a VM: the firmware for --firmware, Linux for
 * --kernel, else a test guest. It sits
 * above both paths and the core, so that the core (which the boot paths
 * call) does not name them.
 */
#include "zapvm/vm.h"
#include "zapvm/vmcore.h"

void vm__run(const struct vm_config *cfg, struct vm_result *res)
{
	const struct boot_ops *b = cfg->kernel ? &boot_linux_ops :
						 &boot_guest_ops;

	vm__run_boot(cfg, cfg->firmware ? &boot_firmware_ops : b, res);
}
