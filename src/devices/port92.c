// SPDX-License-Identifier: GPL-2.0-only
/*
 * System control port A (0x92): bit 1 is the A20 gate (kept, KVM has no
 * A20 mask), bit 0 going from 0 to 1 resets the machine - the VM ends as a
 * reboot (exit 102), as the i8042's reset line does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"

#define PORT92 0x92

struct port92 {
	struct vm *vm;
	uint8_t val;
};

static int port92__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			  uint32_t len, bool is_write, void *opaque)
{
	struct port92 *p = opaque;
	uint8_t old = __atomic_load_n(&p->val, __ATOMIC_RELAXED);

	if (!is_write) {
		memset(data, 0xff, len);
		data[0] = old;
		return 0;
	}
	__atomic_store_n(&p->val, data[0] & 0x02, __ATOMIC_RELAXED);
	if ((data[0] & 1) && !(old & 1)) {
		log_err("the guest rebooted (port 0x92)");
		vm__stop(p->vm, VM_END_REBOOT);
	}
	return 0;
}

static void port92__exit(struct vm *vm, void *priv)
{
	bus__unregister(&vm->pio, PORT92);
	free(priv);
}

static int port92__init(struct vm *vm, void **priv)
{
	struct port92 *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->val = 0x02; /* A20 on */
	ret = bus__register(&vm->pio, PORT92, 1, port92__handle, p, "port92");
	if (ret) {
		log_err("port 0x92: %s", strerror(-ret));
		free(p);
		return ret;
	}
	*priv = p;
	return 0;
}

const struct device_ops port92_device = {
	.name = "port92",
	.init = port92__init,
	.exit = port92__exit,
};
