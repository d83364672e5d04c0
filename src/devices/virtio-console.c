// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console with --console virtio: one port (hvc0 in Linux), no
 * MULTIPORT, no SIZE. Output (transmitq) goes to the host side of the
 * guest console (console.c: stdout and the boot-done line scanner) on the
 * notifying vCPU thread; input (receiveq) is filled from the console's
 * input thread, or when the driver adds receive buffers. The test-guest
 * path has no console device of its own: there this device brings one up.
 */
#include <errno.h>
#include <stdlib.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"

#define VCON_RX 0
#define VCON_TX 1
#define VCON_QUEUE_SIZE 64

struct vcon {
	struct vm *vm;
	struct virtio_pci *vp;
	struct console *con;
	void *own_console; /* console_device's state if we started it */
	uint8_t cfg[12]; /* cols, rows, max_nr_ports, emerg_wr: unused */
	struct virtq_chain chain;
};

/* Move waiting input into receive buffers. Lock held. */
static void vcon__rx(struct vcon *vc)
{
	struct virtq *vq = virtio_pci__queue(vc->vp, VCON_RX);
	bool used = false;
	int ret = 0;

	while (vq && console__pending(vc->con) &&
	       (ret = virtq__pop(vq, &vc->chain)) == 1) {
		const struct virtq_chain *c = &vc->chain;
		uint32_t n = 0;

		for (unsigned int i = c->nout; i < c->nout + c->nin; i++) {
			uint8_t *p = c->iov[i].iov_base;
			size_t k = 0;
			int b;

			while (k < c->iov[i].iov_len &&
			       (b = console__getc(vc->con)) >= 0)
				p[k++] = (uint8_t)b;
			n += (uint32_t)k;
			if (k < c->iov[i].iov_len)
				break;
		}
		virtq__push(vq, c->head, n);
		used = true;
	}
	if (ret < 0)
		virtio_pci__broken(vc->vp, vq->why);
	if (used)
		virtio_pci__used(vc->vp, VCON_RX);
}

static void vcon__tx(struct vcon *vc)
{
	struct virtq *vq = virtio_pci__queue(vc->vp, VCON_TX);
	bool used = false;
	int ret = 0;

	while (vq && (ret = virtq__pop(vq, &vc->chain)) == 1) {
		const struct virtq_chain *c = &vc->chain;

		for (unsigned int i = 0; i < c->nout; i++)
			console__write(vc->con, c->iov[i].iov_base,
				       c->iov[i].iov_len);
		virtq__push(vq, c->head, 0);
		used = true;
	}
	if (ret < 0)
		virtio_pci__broken(vc->vp, vq->why);
	if (used)
		virtio_pci__used(vc->vp, VCON_TX);
}

static void vcon__notify(struct virtio_pci *vp, unsigned int q, void *opaque)
{
	if (q == VCON_TX)
		vcon__tx(opaque);
	else
		vcon__rx(opaque);
}

/* The console's input thread: bytes arrived. */
static void vcon__input(void *opaque)
{
	struct vcon *vc = opaque;

	virtio_pci__lock(vc->vp);
	vcon__rx(vc);
	virtio_pci__unlock(vc->vp);
}

static void vcon__exit(struct vm *vm, void *priv)
{
	struct vcon *vc = priv;

	if (!vc)
		return;
	if (vc->vp)
		console__attach(vc->con, NULL, NULL);
	virtio_pci__destroy(vc->vp);
	if (vc->own_console)
		console_device.exit(vm, vc->own_console);
	free(vc);
}

static int vcon__init(struct vm *vm, void **priv)
{
	struct virtio_dev_ops ops;
	struct vcon *vc;
	int ret = 0;

	*priv = NULL;
	if (vm->cfg->console != CONSOLE_VIRTIO)
		return 0;
	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->vm = vm;
	if (!vm->console) {
		ret = console_device.init(vm, &vc->own_console);
		if (ret) {
			free(vc);
			return ret;
		}
	}
	vc->con = vm->console;
	ops = (struct virtio_dev_ops){
		.name = "virtio-console",
		.device_id = VIRTIO_ID_CONSOLE,
		.class_code = 0x078000, /* communication, other */
		.nqueues = 2,
		.queue_size = VCON_QUEUE_SIZE,
		.cfg = vc->cfg,
		.cfg_size = sizeof(vc->cfg),
		.notify = vcon__notify,
		.opaque = vc,
	};
	vc->vp = virtio_pci__create(vm, &ops, &ret);
	if (!vc->vp) {
		vcon__exit(vm, vc);
		return ret;
	}
	/* After the UART in the table: the input is ours now. */
	console__attach(vc->con, vcon__input, vc);
	*priv = vc;
	return 0;
}

const struct device_ops virtio_console_device = {
	.name = "virtio-console",
	.init = vcon__init,
	.exit = vcon__exit,
};
