// SPDX-License-Identifier: GPL-2.0-only
/* The null port: the cheapest possible exit, for measuring the exit path. */
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/guest_abi.h"
#include "zapvm/log.h"

static int nullport__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			    uint32_t len, bool is_write, void *opaque)
{
	if (!is_write)
		memset(data, 0, len);
	return 0;
}

static int nullport__init(struct vm *vm, void **priv)
{
	int ret = bus__register(&vm->pio, ZAPVM_NULL_PORT, 4, nullport__handle,
				NULL, "null");

	if (ret)
		log_err("null port 0x%x: %s", ZAPVM_NULL_PORT, strerror(-ret));
	return ret;
}

const struct device_ops nullport_device = {
	.name = "null-port",
	.init = nullport__init,
};
