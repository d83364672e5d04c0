// SPDX-License-Identifier: GPL-2.0-only
/*
 * --shm SIZE: an ivshmem-like PCI device (1af4:1110, class 0x0500): BAR 0
 * is 256 bytes of registers (read as zero, writes dropped: no doorbells,
 * no peers), BAR 2 SIZE bytes of host RAM, a memslot whenever it decodes
 * (include/zapvm/rambar.h). QEMU's ivshmem-plain has a 64-bit BAR 2;
 * zapvm's core has 32-bit memory BARs, so this one is 32-bit prefetchable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/rambar.h"
#include "zapvm/vmcore.h"

struct shm {
	struct pci_dev pci;
	struct rambar ram;
};

int shm__check_size(uint64_t size)
{
	if (size < SHM_MIN_SIZE || (size & (size - 1)))
		return -EINVAL;
	return size > SHM_MAX_SIZE ? -EFBIG : 0;
}

static int shm__regs(struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
		     bool is_write, void *opaque)
{
	if (!is_write)
		memset(data, 0, len);
	return 0;
}

static void shm__exit(struct vm *vm, void *priv)
{
	struct shm *s = priv;

	if (!s)
		return;
	pci__unregister(&s->pci);
	rambar__exit(&s->ram);
	free(s);
}

static int shm__init(struct vm *vm, void **priv)
{
	uint64_t size = vm->cfg->shm_size;
	struct shm *s;
	int ret;

	*priv = NULL;
	if (!size)
		return 0;
	if (shm__check_size(size))
		return -EINVAL; /* the command line checked it */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = rambar__init(&s->ram, vm, "ivshmem", size);
	if (ret)
		goto err_free;
	s->pci = (struct pci_dev){
		.name = "ivshmem",
		.vendor_id = SHM_VENDOR,
		.device_id = SHM_DEVICE,
		.subsys_vendor_id = SHM_VENDOR,
		.subsys_id = 0x1100,
		.revision = 1,
		.class_code = 0x050000,
	};
	s->pci.bars[0] = (struct pci_bar){ .kind = PCI_BAR_MEM32,
					   .size = 256,
					   .handler = shm__regs };
	s->pci.bars[2] = (struct pci_bar){ .kind = PCI_BAR_MEM32,
					   .size = (uint32_t)size,
					   .update = rambar__update,
					   .opaque = &s->ram,
					   .prefetch = true };
	ret = pci__register(vm, &s->pci);
	if (ret)
		goto err_free;
	*priv = s;
	log_info("ivshmem: 00:%02x.0, %llu-byte RAM BAR 2", s->pci.slot,
		 (unsigned long long)size);
	return 0;
err_free:
	shm__exit(vm, s);
	return ret;
}

const struct device_ops shm_device = {
	.name = "ivshmem",
	.init = shm__init,
	.exit = shm__exit,
};
