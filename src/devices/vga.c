// SPDX-License-Identifier: GPL-2.0-only
/*
 * --vga std: the VRAM BAR and the legacy window (include/zapvm/vga.h).
 * The window's memslot follows QEMU's delete-then-add on every sequencer
 * or graphics data write, not only on real changes, because that is what
 * makes QEMU's boot churn there (6 ioctls, 3 deletes in the rig).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/rambar.h"
#include "zapvm/vga.h"
#include "zapvm/vmcore.h"

#define VGA_PORTS 0x3c0
#define VGA_NPORTS 0x20
#define VGA_SEQ_INDEX 0x3c4
#define VGA_SEQ_DATA 0x3c5
#define VGA_GFX_INDEX 0x3ce
#define VGA_GFX_DATA 0x3cf

/* The bits QEMU keeps of each register (sr_mask, gr_mask in vga.c). */
static const uint8_t sr_mask[8] = { 0x03, 0x3d, 0x0f, 0x3f,
				    0x0e, 0x00, 0x00, 0xff };
static const uint8_t gr_mask[16] = { 0x0f, 0x0f, 0x0f, 0x1f, 0x03,
				     0x7b, 0x0f, 0x0f, 0xff };

struct vga {
	struct pci_dev pci;
	struct rambar vram;
	struct vm *vm;
	pthread_mutex_t lock; /* the registers and the window's slot */
	uint8_t sr_index, gr_index;
	uint8_t sr[8], gr[16];
	uint64_t window_gpa; /* where the chain-4 slot is; 0: none */
	bool ports_registered, window_registered;
};

bool vga__chain4(uint8_t sr02, uint8_t sr04, uint8_t gr06, uint64_t *base,
		 uint64_t *size)
{
	static const uint64_t bases[4] = { 0xa0000, 0xa0000, 0xb0000, 0xb8000 };
	static const uint64_t sizes[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
	unsigned int map = (gr06 >> 2) & 3;

	if ((sr02 & 0xf) != 0xf || !(sr04 & 0x8))
		return false;
	*base = bases[map];
	*size = sizes[map];
	return true;
}

int vga__parse(const char *s, bool *std)
{
	if (!strcmp(s, "std") || !strcmp(s, "none")) {
		*std = !strcmp(s, "std");
		return 0;
	}
	return -EINVAL;
}

/* Unmap the chain-4 slot and map it again if chain-4 holds; lock held. */
static int vga__update_window(struct vga *g)
{
	struct region_spec spec = { .name = "vga.chain4",
				    .kind = REGION_RAM,
				    .hva = g->vram.mem };
	int ret;

	if (g->window_gpa) {
		ret = memslots__replace(&g->vm->slots, &g->window_gpa, 1, NULL,
					0, "legacy-window-vga.chain4-unmap");
		if (ret)
			return ret;
		g->window_gpa = 0;
	}
	if (!vga__chain4(g->sr[VGA_SEQ_MAP_MASK], g->sr[VGA_SEQ_MEMORY_MODE],
			 g->gr[VGA_GFX_MISC], &spec.gpa, &spec.size))
		return 0;
	ret = memslots__replace(&g->vm->slots, NULL, 0, &spec, 1,
				"legacy-window-vga.chain4-map");
	if (!ret)
		g->window_gpa = spec.gpa;
	return ret;
}

/* One byte at @port; lock held. 0 or -errno from the window's memslot. */
static int vga__port(struct vga *g, uint64_t port, uint8_t *b, bool write)
{
	switch (port) {
	case VGA_SEQ_INDEX:
		if (write)
			g->sr_index = *b & 7;
		else
			*b = g->sr_index;
		return 0;
	case VGA_GFX_INDEX:
		if (write)
			g->gr_index = *b & 15;
		else
			*b = g->gr_index;
		return 0;
	case VGA_SEQ_DATA:
		if (!write) {
			*b = g->sr[g->sr_index];
			return 0;
		}
		g->sr[g->sr_index] = *b & sr_mask[g->sr_index];
		return vga__update_window(g);
	case VGA_GFX_DATA:
		if (!write) {
			*b = g->gr[g->gr_index];
			return 0;
		}
		g->gr[g->gr_index] = *b & gr_mask[g->gr_index];
		return vga__update_window(g);
	default:
		if (!write)
			*b = 0xff;
		return 0;
	}
}

static int vga__ports_io(struct vcpu *v, uint64_t port, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	struct vga *g = opaque;
	int ret = 0;

	/* A word write to an index port is index then data, as on a card. */
	pthread_mutex_lock(&g->lock);
	for (uint32_t i = 0; i < len && !ret; i++)
		ret = vga__port(g, port + i, &data[i], is_write);
	pthread_mutex_unlock(&g->lock);
	if (ret)
		log_err("vga: remapping the legacy window failed: %s",
			strerror(-ret));
	return ret;
}

/* The legacy window outside chain-4, and BAR 2: nothing behind them. */
static int vga__nothing(struct vcpu *v, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write, void *opaque)
{
	if (!is_write)
		memset(data, opaque ? 0xff : 0, len);
	return 0;
}

static void vga__exit(struct vm *vm, void *priv)
{
	struct vga *g = priv;

	if (!g)
		return;
	pci__unregister(&g->pci);
	if (g->ports_registered)
		bus__unregister(&vm->pio, VGA_PORTS);
	if (g->window_registered)
		bus__unregister(&vm->mmio, VGA_WINDOW);
	if (g->window_gpa)
		memslots__replace(&vm->slots, &g->window_gpa, 1, NULL, 0,
				  "legacy-window-vga.chain4-unmap");
	rambar__exit(&g->vram);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static int vga__init(struct vm *vm, void **priv)
{
	struct vga *g;
	int ret;

	*priv = NULL;
	if (!vm->cfg->vga_std)
		return 0;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->vm = vm;
	pthread_mutex_init(&g->lock, NULL);
	ret = rambar__init(&g->vram, vm, "vga.vram", VGA_VRAM_SIZE);
	if (ret)
		goto err_free;
	ret = bus__register(&vm->pio, VGA_PORTS, VGA_NPORTS, vga__ports_io, g,
			    "vga");
	g->ports_registered = !ret;
	if (!ret) {
		/* Non-NULL opaque: reads all ones. */
		ret = bus__register(&vm->mmio, VGA_WINDOW, VGA_WINDOW_SIZE,
				    vga__nothing, g, "vga-window");
		g->window_registered = !ret;
	}
	if (ret) {
		log_err("vga: ports 0x3c0-0x3df or 0xa0000-0xbffff: %s",
			strerror(-ret));
		goto err_free;
	}
	g->pci = (struct pci_dev){
		.name = "vga",
		.vendor_id = VGA_VENDOR,
		.device_id = VGA_DEVICE,
		.subsys_vendor_id = 0x1af4,
		.subsys_id = 0x1100,
		.revision = 2,
		.class_code = 0x030000,
	};
	g->pci.bars[0] = (struct pci_bar){ .kind = PCI_BAR_MEM32,
					   .size = (uint32_t)VGA_VRAM_SIZE,
					   .update = rambar__update,
					   .opaque = &g->vram,
					   .prefetch = true };
	g->pci.bars[2] = (struct pci_bar){ .kind = PCI_BAR_MEM32,
					   .size = VGA_MMIO_SIZE,
					   .handler = vga__nothing };
	ret = pci__register(vm, &g->pci);
	if (ret)
		goto err_free;
	*priv = g;
	log_info("vga: 00:%02x.0, 16 MiB VRAM BAR 0", g->pci.slot);
	return 0;
err_free:
	vga__exit(vm, g);
	return ret;
}

const struct device_ops vga_device = {
	.name = "vga",
	.init = vga__init,
	.exit = vga__exit,
};
