// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test-guest boot path (guest_abi.h): RAM at 0 with ROMs around it, a
 * freestanding ELF64 at or above ZAPVM_BOOT_END, a boot FDT, and every vCPU
 * started in long mode at CPL3.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "zapvm/devices.h"
#include "zapvm/guest_abi.h"
#include "zapvm/loader.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/util.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"
#include "zapvm/x86.h"

#define GIB (1ULL << 30)
#define FOUR_GIB (4ULL << 30)

static int guest__check(const struct vm_config *cfg)
{
	return 0;
}

/*
 * ROMs without @GPA go where firmware lives: stacked down from 4 GiB, 64 KiB
 * aligned, as long as that stays above RAM; otherwise above everything else.
 */
static int guest__place_roms(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t top = FOUR_GIB, high = 0, end;

	for (unsigned int i = 0; i < cfg->nroms; i++) {
		if (cfg->roms[i].has_gpa) {
			vm->rom_gpa[i] = cfg->roms[i].gpa;
			if (__builtin_add_overflow(vm->rom_gpa[i],
						   vm->rom_size[i], &end)) {
				log_err("ROM %u: GPA range overflows", i);
				return -EINVAL;
			}
			high = end > high ? end : high;
		}
	}
	high = high > cfg->mem_size ? high : cfg->mem_size;
	high = high > FOUR_GIB ? high : FOUR_GIB;
	for (unsigned int i = 0; i < cfg->nroms; i++) {
		uint64_t size = vm->rom_size[i], gpa;
		bool clash = false;

		if (cfg->roms[i].has_gpa)
			continue;
		gpa = (top - size) & ~0xffffULL;
		for (unsigned int j = 0; j < cfg->nroms; j++)
			clash |= cfg->roms[j].has_gpa &&
				 gpa < vm->rom_gpa[j] + vm->rom_size[j] &&
				 vm->rom_gpa[j] < gpa + size;
		if (size < top && gpa >= cfg->mem_size && !clash) {
			vm->rom_gpa[i] = gpa;
			top = gpa;
			continue;
		}
		if (!align_up(high, 2ULL << 20, &gpa) ||
		    __builtin_add_overflow(gpa, size, &high)) {
			log_err("ROM %u: no room in the guest-physical space",
				i);
			return -EINVAL;
		}
		vm->rom_gpa[i] = gpa;
	}
	return 0;
}

/*
 * The PCI MMIO window: the first PCI_GUEST_MMIO_SIZE-aligned block above
 * RAM that overlaps no ROM and ends at or below 4 GiB (BARs are 32-bit).
 * None (base == end) without a PCI bus or when RAM leaves no room; only
 * --pci-rom needs one.
 */
static int guest__place_pci(struct vm *vm)
{
	const uint64_t size = PCI_GUEST_MMIO_SIZE;
	uint64_t base;

	vm->pci_window_set = true;
	if (!vm_config__has_pci(vm->cfg))
		return 0;
	if (!align_up(vm->cfg->mem_size, size, &base))
		base = FOUR_GIB;
	for (; base + size <= FOUR_GIB; base += size) {
		bool clash = false;

		for (unsigned int i = 0; i < vm->cfg->nroms; i++)
			clash |= base < vm->rom_gpa[i] + vm->rom_size[i] &&
				 vm->rom_gpa[i] < base + size;
		if (!clash) {
			vm->pci_mmio_base = base;
			vm->pci_mmio_end = base + size;
			return 0;
		}
	}
	if (vm->cfg->has_pci_rom) {
		log_err("--pci-rom: no room for a %llu MiB PCI window between "
			"RAM and 4 GiB (use less --mem)",
			(unsigned long long)(size >> 20));
		return -EINVAL;
	}
	return 0;
}

static int guest__plan_memory(struct vm *vm)
{
	uint64_t top = vm->cfg->mem_size, end;
	int ret;

	vm->ram_regions[0] = (struct vm_ram){ 0, vm->cfg->mem_size, 0 };
	vm->nram = 1;
	ret = guest__place_roms(vm);
	if (!ret)
		ret = guest__place_pci(vm);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < vm->cfg->nroms; i++) {
		end = vm->rom_gpa[i] + vm->rom_size[i];
		top = end > top ? end : top;
	}
	if (!align_up(top, GIB, &top) || top > ZAPVM_BOOT_MAX_GIB * GIB) {
		log_err("guest RAM and ROMs reach beyond %llu GiB, the most "
			"test guests can map",
			ZAPVM_BOOT_MAX_GIB);
		return -EINVAL;
	}
	vm->gpa_top = top > FOUR_GIB ? top : FOUR_GIB;
	return 0;
}

static int guest__load(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct boot_rom roms[VM_MAX_ROMS];
	struct elf_image img;
	struct boot_desc d;
	uint64_t canary;
	int ret;

	ret = x86__build_boot_area(vm->ram, vm->gpa_top);
	if (ret) {
		log_err("cannot build the boot page tables");
		return ret;
	}
	if (getrandom(&canary, sizeof(canary), 0) != sizeof(canary))
		canary = now_ns() * 0x9e3779b97f4a7c15ULL;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		memcpy((uint8_t *)vm->ram + ZAPVM_BOOT_TLS +
			       i * ZAPVM_TLS_SIZE + 0x28,
		       &canary, sizeof(canary));

	ret = elf__load(cfg->guest_name, cfg->elf, cfg->elf_size, vm->ram,
			cfg->mem_size, ZAPVM_BOOT_END, &img);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < cfg->nroms; i++)
		roms[i] = (struct boot_rom){ vm->rom_gpa[i], vm->rom_size[i], i,
					     1 };
	d = (struct boot_desc){
		.ram_size = cfg->mem_size,
		.ncpus = vm->ncpus,
		.roms = roms,
		.nroms = cfg->nroms,
		.args = cfg->args,
		.gpa_top = vm->gpa_top,
		.pci_base = vm->pci_mmio_base,
		.pci_size = vm->pci_mmio_end - vm->pci_mmio_base,
	};
	if (!align_up(img.end, 4096, &d.guest_base))
		return -EINVAL;
	ret = fdt__build((uint8_t *)vm->ram + ZAPVM_BOOT_FDT,
			 ZAPVM_BOOT_FDT_MAX, &d);
	if (ret) {
		log_err("boot FDT: %s (is --args too long?)", strerror(-ret));
		return ret;
	}
	vm->entry = img.entry;
	return 0;
}

static int guest__setup_vcpu(struct vcpu *v, const struct kvm_cpuid2 *cpuid)
{
	return x86__setup_vcpu(v->fd, cpuid, v->vm->entry, v->id,
			       ZAPVM_BOOT_FDT);
}

static const struct device_ops *const guest_devices[] = {
	&ucall_device,
	&bootdone_device,
	&nullport_device,
	&pci_device, /* conf1 and 00:00.0; before every PCI device */
	&optrom_device, /* --pci-rom */
	&virtio_blk_device, /* --disk: one PCI function each */
	&virtio_console_device, /* --console virtio; after the UART */
};

const struct boot_ops boot_guest_ops = {
	.name = "test guest",
	.check = guest__check,
	.plan_memory = guest__plan_memory,
	.load = guest__load,
	.setup_vcpu = guest__setup_vcpu,
	.devices = guest_devices,
	.ndevices = ARRAY_SIZE(guest_devices),
	.lenient_io = false,
	.max_cpus = ZAPVM_MAX_CPUS,
};
