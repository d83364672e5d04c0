// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's debug console on port 0x402 (SeaBIOS's log): reads answer 0xe9,
 * as QEMU's isa-debugcon does, so SeaBIOS knows the port is there; bytes
 * written go to --firmware-log FILE (through outfile: never through a
 * symlink planted at the name), or nowhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/firmware.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"

#define DEBUGCON_READBACK 0xe9

struct debugcon {
	pthread_mutex_t lock;
	struct outfile of;
	bool open;
};

static int debugcon__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			    uint32_t len, bool is_write, void *opaque)
{
	struct debugcon *d = opaque;

	if (!is_write) {
		memset(data, DEBUGCON_READBACK, len);
		return 0;
	}
	pthread_mutex_lock(&d->lock);
	if (d->open)
		fwrite(data, 1, len, d->of.f);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static void debugcon__exit(struct vm *vm, void *priv)
{
	struct debugcon *d = priv;

	bus__unregister(&vm->pio, FIRMWARE_DEBUG_PORT);
	if (d->open)
		outfile__commit(&d->of);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static int debugcon__init(struct vm *vm, void **priv)
{
	struct debugcon *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	if (vm->cfg->firmware_log) {
		ret = outfile__open(&d->of, "--firmware-log",
				    vm->cfg->firmware_log);
		if (ret) {
			pthread_mutex_destroy(&d->lock);
			free(d);
			return ret;
		}
		d->open = true;
	}
	ret = bus__register(&vm->pio, FIRMWARE_DEBUG_PORT, 1, debugcon__handle,
			    d, "debugcon");
	if (ret) {
		log_err("debugcon: port 0x402: %s", strerror(-ret));
		if (d->open)
			outfile__abort(&d->of);
		d->open = false;
		debugcon__exit(vm, d);
		return ret;
	}
	*priv = d;
	return 0;
}

const struct device_ops debugcon_device = {
	.name = "debugcon",
	.init = debugcon__init,
	.exit = debugcon__exit,
};
