// SPDX-License-Identifier: GPL-2.0-only
/* ZAPVM_BOOT_DONE_PORT: any write marks a boot-done phase. */
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/guest_abi.h"
#include "zapvm/log.h"

static int bootdone__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			    uint32_t len, bool is_write, void *opaque)
{
	if (is_write)
		vm__boot_done(v->vm, "boot-done port", false);
	else
		memset(data, 0xff, len);
	return 0;
}

static int bootdone__init(struct vm *vm, void **priv)
{
	int ret = bus__register(&vm->pio, ZAPVM_BOOT_DONE_PORT, 1,
				bootdone__handle, NULL, "boot-done");

	if (ret)
		log_err("boot-done port 0x%x: %s", ZAPVM_BOOT_DONE_PORT,
			strerror(-ret));
	return ret;
}

const struct device_ops bootdone_device = {
	.name = "boot-done",
	.init = bootdone__init,
};
