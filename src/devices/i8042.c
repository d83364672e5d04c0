// SPDX-License-Identifier: GPL-2.0-only
/*
 * The i8042 keyboard controller at ports 0x60 and 0x64, for its reset line:
 * command 0xFE (pulse output line 0), which Linux's reboot=k path and
 * panic=-1 use, or an output-port write with bit 0 clear reset the machine
 * (VM_END_REBOOT, exit 102). No keyboard or mouse is attached; the
 * controller commands Linux's i8042 driver sends while probing get quick
 * answers that make it find no ports. With ACPI the FADT says there is no
 * 8042 (IAPC_BOOT_ARCH), so Linux does not probe at all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64

#define STR_OBF 0x01
#define STR_SYS 0x04
#define STR_CMDDAT 0x08
#define STR_KEYLOCK 0x10 /* set: the keyboard is not inhibited */

#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20

struct i8042 {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ctr; /* controller configuration ("command byte") */
	uint8_t outport;
	uint8_t out; /* the output buffer */
	bool out_full;
	uint8_t status_cmd; /* STR_CMDDAT after a write to 0x64 */
	uint8_t pending; /* a command waiting for its data byte */
};

static void i8042__reset(struct i8042 *k, const char *how)
{
	log_err("the guest rebooted (i8042 %s)", how);
	vm__stop(k->vm, VM_END_REBOOT);
}

static void i8042__reply(struct i8042 *k, uint8_t b)
{
	k->out = b;
	k->out_full = true;
}

static void i8042__command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: /* read CTR */
		i8042__reply(k, k->ctr);
		break;
	case 0x60: /* write CTR */
	case 0xd1: /* write output port */
	case 0xd2: /* write keyboard output buffer */
	case 0xd3: /* write aux output buffer (loop) */
	case 0xd4: /* write to the aux device */
		k->pending = cmd;
		break;
	case 0xa7:
		k->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		k->ctr &= ~CTR_AUXDIS;
		break;
	case 0xa9: /* aux interface test: "clock line stuck low" */
		i8042__reply(k, 0x01);
		break;
	case 0xaa: /* controller self test: passed */
		i8042__reply(k, 0x55);
		break;
	case 0xab: /* keyboard interface test: passed */
		i8042__reply(k, 0x00);
		break;
	case 0xad:
		k->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		k->ctr &= ~CTR_KBDDIS;
		break;
	case 0xc0: /* read input port */
		i8042__reply(k, 0x00);
		break;
	case 0xd0: /* read output port */
		i8042__reply(k, k->outport);
		break;
	default:
		/* 0xf0-0xff pulse output lines low; bit 0 is the reset line. */
		if (cmd >= 0xf0 && !(cmd & 1))
			i8042__reset(k, "reset command");
		break;
	}
}

static void i8042__data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = v;
		break;
	case 0xd1:
		k->outport = v;
		if (!(v & 1))
			i8042__reset(k, "output port reset line");
		break;
	case 0xd2:
	case 0xd3:
		/* Echoed as keyboard data: no aux port answers the loop. */
		i8042__reply(k, v);
		break;
	default:
		break; /* to the keyboard or aux device: nobody is there */
	}
}

static int i8042__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (port == I8042_CMD) {
		if (is_write) {
			k->status_cmd = STR_CMDDAT;
			i8042__command(k, data[0]);
		} else {
			data[0] = STR_SYS | STR_KEYLOCK | k->status_cmd |
				  (k->out_full ? STR_OBF : 0);
		}
	} else if (is_write) {
		k->status_cmd = 0;
		i8042__data(k, data[0]);
	} else {
		data[0] = k->out;
		k->out_full = false;
	}
	/* Wider accesses: the other bytes float high. */
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static void i8042__exit(struct vm *vm, void *priv)
{
	struct i8042 *k = priv;

	pthread_mutex_destroy(&k->lock);
	free(k);
}

static int i8042__init(struct vm *vm, void **priv)
{
	struct i8042 *k = calloc(1, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	k->vm = vm;
	k->ctr = CTR_KBDDIS | CTR_AUXDIS;
	k->outport = 0x03; /* reset line high, A20 on */
	pthread_mutex_init(&k->lock, NULL);
	ret = bus__register(&vm->pio, I8042_DATA, 1, i8042__handle, k,
			    "i8042-data");
	if (!ret)
		ret = bus__register(&vm->pio, I8042_CMD, 1, i8042__handle, k,
				    "i8042-cmd");
	if (ret) {
		log_err("i8042: ports 0x60/0x64: %s", strerror(-ret));
		bus__unregister(&vm->pio, I8042_DATA);
		i8042__exit(vm, k);
		return ret;
	}
	*priv = k;
	return 0;
}

const struct device_ops i8042_device = {
	.name = "i8042",
	.init = i8042__init,
	.exit = i8042__exit,
};
