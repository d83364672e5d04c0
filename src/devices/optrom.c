// SPDX-License-Identifier: GPL-2.0-only
/*
 * The option-ROM PCI device: a function whose only resource is an
 * expansion-ROM BAR. The ROM is a read-only memslot region of the memslot
 * layer, like a test guest's ROMs: added at the BAR's first address and
 * unmapped again before the vCPUs start, then mapped, unmapped and moved as
 * the guest enables, disables and moves the BAR - so every change is a
 * counted run-time memslot change that starts a phase, exactly like a
 * test guest's rom_unmap()/rom_map()/rom_move() ucalls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zapvm/devices.h"
#include "zapvm/guest_abi.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"

#define OPTROM_MIN_SIZE 4096ULL /* one page: memslots are page granular */

struct optrom {
	struct pci_dev pci;
	struct vm *vm;
	uint8_t *mem;
	uint64_t size;
	unsigned int index; /* ROM index in vm->slots */
	uint64_t gpa; /* where the region is (mapped or not) */
	bool mapped;
	bool refused_logged;
};

/* The memslot refused @gpa (a test guest's ROM is there): stay unmapped. */
static void optrom__refused(struct optrom *o, uint64_t gpa, int err)
{
	if (o->refused_logged)
		return;
	o->refused_logged = true;
	log_debug("optrom: ROM BAR at 0x%llx: %s; left unmapped (logged once)",
		  (unsigned long long)gpa, strerror(-err));
}

static int optrom__rom_update(struct pci_dev *d, bool enabled, uint64_t gpa,
			      void *opaque)
{
	struct optrom *o = opaque;
	int ret;

	if (!enabled || (o->mapped && gpa != o->gpa)) {
		if (o->mapped) {
			/* A move of a mapped ROM could be one KVM_MR_MOVE;
			 * unmapping first keeps a refused move simple. */
			if (enabled) {
				ret = memslots__rom_move(&o->vm->slots,
							 o->index, gpa);
				if (!ret) {
					o->gpa = gpa;
					return 0;
				}
				if (ret != -EEXIST && ret != -EINVAL)
					return ret;
				optrom__refused(o, gpa, ret);
			}
			ret = memslots__rom_unmap(&o->vm->slots, o->index);
			if (ret)
				return ret;
			o->mapped = false;
		}
		return 0;
	}
	if (o->mapped)
		return 0;
	if (gpa != o->gpa) {
		ret = memslots__rom_move(&o->vm->slots, o->index, gpa);
		if (ret == -EEXIST || ret == -EINVAL) {
			optrom__refused(o, gpa, ret);
			return 0;
		}
		if (ret)
			return ret;
		o->gpa = gpa;
	}
	ret = memslots__rom_map(&o->vm->slots, o->index);
	if (ret)
		return ret;
	o->mapped = true;
	return 0;
}

/* Read the contents of @spec into a fresh page-aligned mapping. */
static int optrom__load(struct optrom *o, const struct rom_spec *spec)
{
	uint8_t *data = NULL;
	uint64_t len, size = OPTROM_MIN_SIZE;
	int ret;

	/* A pattern's size is its length rounded up to a page: ignored. */
	if (spec->has_gpa || (spec->path && spec->size)) {
		log_err("option ROM: @GPA and size= do not apply (the guest "
			"places the ROM BAR; its size follows the contents)");
		return -EINVAL;
	}
	if (spec->path) {
		ret = read_file(spec->path, OPTROM_MAX_SIZE, &data, &len);
		if (ret)
			return ret;
	} else {
		len = spec->pattern_len;
		if (len > OPTROM_MAX_SIZE) {
			log_err("option ROM: pattern:%llu is larger than %llu "
				"bytes",
				(unsigned long long)len, OPTROM_MAX_SIZE);
			return -EFBIG;
		}
	}
	while (size < len)
		size <<= 1;
	o->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (o->mem == MAP_FAILED) {
		o->mem = NULL;
		free(data);
		log_err("option ROM: cannot allocate %llu bytes",
			(unsigned long long)size);
		return -ENOMEM;
	}
	o->size = size;
	if (data) {
		memcpy(o->mem, data, len);
		if (len < 2 || data[0] != 0x55 || data[1] != 0xaa)
			log_warn("option ROM %s: no 0x55 0xAA signature; the "
				 "guest sees it as is (SeaBIOS and Linux "
				 "skip it)",
				 spec->path);
		free(data);
	} else {
		for (uint64_t i = 0; i < len; i++)
			o->mem[i] = ZAPVM_ROM_PATTERN(i);
	}
	return 0;
}

static void optrom__exit(struct vm *vm, void *priv)
{
	struct optrom *o = priv;

	if (!o)
		return;
	pci__unregister(&o->pci);
	/* KVM must not keep a slot on memory about to go. */
	if (o->mapped)
		memslots__rom_unmap(&vm->slots, o->index);
	if (o->mem)
		munmap(o->mem, o->size);
	free(o);
}

static int optrom__init(struct vm *vm, void **priv)
{
	const struct vm_config *cfg = vm->cfg;
	struct optrom *o;
	uint32_t bar;
	int ret;

	*priv = NULL;
	if (!cfg->has_pci_rom)
		return 0;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->vm = vm;
	ret = optrom__load(o, &cfg->pci_rom);
	if (ret)
		goto err_free;
	o->pci = (struct pci_dev){
		.name = "optrom",
		.vendor_id = OPTROM_VENDOR,
		.device_id = OPTROM_DEVICE,
		.subsys_vendor_id = OPTROM_VENDOR,
		.subsys_id = OPTROM_DEVICE,
		.class_code = OPTROM_CLASS,
		.rom_size = (uint32_t)o->size,
		.rom_update = optrom__rom_update,
		.opaque = o,
	};
	ret = pci__register(vm, &o->pci);
	if (ret)
		goto err_free;
	bar = o->pci.cfg[0x30] | o->pci.cfg[0x31] << 8 |
	      o->pci.cfg[0x32] << 16 | (uint32_t)o->pci.cfg[0x33] << 24;
	o->gpa = bar & ~0x7ffULL;
	ret = memslots__add(&vm->slots, REGION_ROM, "optrom", o->gpa, o->size,
			    o->mem);
	if (ret < 0)
		goto err_free;
	o->index = (unsigned int)ret;
	o->mapped = true;
	/* Decoding is off until the guest turns it on. */
	ret = memslots__rom_unmap(&vm->slots, o->index);
	if (ret) {
		log_err("optrom: cannot unmap its memslot: %s", strerror(-ret));
		goto err_free;
	}
	o->mapped = false;
	*priv = o;
	log_info("optrom: 00:%02x.0, %llu-byte ROM BAR at 0x%llx", o->pci.slot,
		 (unsigned long long)o->size, (unsigned long long)o->gpa);
	return 0;
err_free:
	optrom__exit(vm, o);
	return ret;
}

const struct device_ops optrom_device = {
	.name = "optrom",
	.init = optrom__init,
	.exit = optrom__exit,
};
