// SPDX-License-Identifier: GPL-2.0-only
/*
 * The firmware boot path (zapvm run --firmware, include/zapvm/firmware.h):
 * a BIOS image read-only just below 4 GiB, the BSP in the reset state at
 * f000:fff0 (what KVM_CREATE_VCPU gives), the APs waiting for SIPI in the
 * in-kernel local APIC, and the PC a PC BIOS expects: fw_cfg with the
 * e820 map and, with --kernel, the Linux keys and QEMU's linuxboot_dma
 * option ROM; the i440FX PAM area as memslots (--slot-layout); CMOS; the
 * debug port 0x402; reset through 0xcf9, 0x92 and the i8042; the PCI
 * devices whose BARs make memslot churn: --vga std, --rom, --shm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zapvm/boot-linux.h"
#include "zapvm/devices.h"
#include "zapvm/firmware.h"
#include "zapvm/fwcfg.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/util.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"

#define GIB (1ULL << 30)
#define FOUR_GIB (4ULL << 30)
/* QEMU's places for VMX's real-mode helpers, reserved in the e820 map. */
#define FW_IDENTITY_MAP 0xfeffc000ULL
#define FW_TSS (FW_IDENTITY_MAP + 0x1000)
#define FW_VMX_AREA_SIZE 0x4000ULL
#define E820_RAM 1
#define E820_RESERVED 2

int firmware__check_image(uint64_t len)
{
	if (!len || len % FIRMWARE_ALIGN)
		return -EINVAL;
	return len > FIRMWARE_MAX_SIZE ? -EFBIG : 0;
}

static int firmware__check(const struct vm_config *cfg)
{
	if (cfg->boot != BOOT_AUTO) {
		log_err("--firmware: the firmware enters the kernel; --boot %s "
			"does not go with it",
			linux_boot__name(cfg->boot));
		return -EINVAL;
	}
	if (cfg->pci == PCI_OFF) {
		log_err("--firmware: the i440FX host bridge needs PCI; --pci off "
			"does not go with it");
		return -EINVAL;
	}
	if (cfg->nroms || cfg->console == CONSOLE_VIRTIO || cfg->args) {
		log_err("--firmware: test-guest ROMs, --console virtio and "
			"--args do not go with it yet");
		return -EINVAL;
	}
	return 0;
}

/* Below 4 GiB as QEMU's i440FX: all of it, or 3 GiB from 3.5 GiB on. */
static uint64_t firmware__low_end(uint64_t mem)
{
	return mem >= 0xe0000000ULL ? 0xc0000000ULL : mem;
}

static int firmware__plan_memory(struct vm *vm)
{
	uint64_t mem = vm->cfg->mem_size, low = firmware__low_end(mem), end;

	/* 0-640 KiB; the PAM device maps 0xC0000 to the end of low RAM. */
	vm->ram_regions[0] = (struct vm_ram){ 0, 0xa0000, 0 };
	vm->nram = 1;
	end = FOUR_GIB;
	if (mem > low) {
		vm->ram_regions[1] =
			(struct vm_ram){ FOUR_GIB, mem - low, low };
		vm->nram = 2;
		end = FOUR_GIB + (mem - low);
	}
	if (!align_up(end, GIB, &vm->gpa_top)) {
		log_err("--mem: guest RAM does not fit the physical space");
		return -EINVAL;
	}
	/* Where SeaBIOS puts 32-bit BARs (i440fx_mem_addr_setup). */
	vm->pci_mmio_base = low <= 0x80000000ULL ? 0x80000000ULL :
			    low <= 0xc0000000ULL ? 0xc0000000ULL :
						   0xe0000000ULL;
	vm->pci_mmio_end = 0xfec00000ULL;
	vm->pci_window_set = true;
	return 0;
}

static void *firmware__mem(void *opaque, uint64_t gpa, uint64_t len)
{
	return vm__guest_mem(opaque, gpa, len, true);
}

static void e820_put(uint8_t *e, uint64_t addr, uint64_t len, uint32_t type)
{
	for (int i = 0; i < 8; i++) {
		e[i] = (uint8_t)(addr >> (8 * i));
		e[8 + i] = (uint8_t)(len >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		e[16 + i] = (uint8_t)(type >> (8 * i));
}

/* The items every firmware VM has: what QEMU's pc machine gives SeaBIOS. */
static int firmware__fwcfg_base(struct vm *vm, struct firmware *fw)
{
	struct fwcfg *f = fw->fwcfg;
	uint8_t e820[3 * 20];
	unsigned int n = 0;
	uint64_t sercon = 0x3f8;
	int32_t fail_wait = -1;
	int ret = 0;

	e820_put(&e820[20 * n++], 0, fw->low_end, E820_RAM);
	e820_put(&e820[20 * n++], FW_IDENTITY_MAP, FW_VMX_AREA_SIZE,
		 E820_RESERVED);
	if (fw->high_size)
		e820_put(&e820[20 * n++], FOUR_GIB, fw->high_size, E820_RAM);
	ret |= fwcfg__add(f, FWCFG_SIGNATURE, "QEMU", 4);
	ret |= fwcfg__add_u32(f, FWCFG_ID, FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA);
	ret |= fwcfg__add_u64(f, FWCFG_RAM_SIZE, vm->cfg->mem_size);
	ret |= fwcfg__add_u16(f, FWCFG_NOGRAPHIC, 1);
	ret |= fwcfg__add_u16(f, FWCFG_NB_CPUS, (uint16_t)vm->ncpus);
	ret |= fwcfg__add_u16(f, FWCFG_MAX_CPUS, (uint16_t)vm->ncpus);
	ret |= fwcfg__add_u16(f, FWCFG_BOOT_MENU, 0);
	ret |= fwcfg__add_file(f, "etc/e820", e820, 20 * n);
	ret |= fwcfg__add_file(f, "etc/sercon-port", &sercon, sizeof(sercon));
	ret |= fwcfg__add_file(f, "etc/boot-fail-wait", &fail_wait,
			       sizeof(fail_wait));
	return ret ? -ENOMEM : 0;
}

/* Resolve --firmware: "seabios" is Debian's build. 0 or -errno (logged). */
static int firmware__read(const char *arg, uint8_t **buf, uint64_t *len)
{
	const char *path = strcmp(arg, "seabios") ? arg : FIRMWARE_SEABIOS;
	int ret;

	if (path != arg && access(path, R_OK)) {
		log_err("--firmware seabios: %s is missing; install Debian's "
			"%s package",
			path, FIRMWARE_SEABIOS_PKG);
		return -ENODEV;
	}
	ret = read_file(path, FIRMWARE_MAX_SIZE, buf, len);
	if (ret)
		return ret;
	ret = firmware__check_image(*len);
	if (ret) {
		log_err("--firmware %s: %llu bytes; a BIOS image is 64 KiB to "
			"16 MiB, a multiple of 64 KiB",
			path, (unsigned long long)*len);
		free(*buf);
	}
	return ret;
}

static int firmware__map_bios(struct vm *vm, struct firmware *fw)
{
	uint8_t *data;
	uint64_t len;
	int ret;

	if (!kvm__check(vm->vm_fd, KVM_CAP_READONLY_MEM)) {
		log_err("--firmware needs KVM_CAP_READONLY_MEM, which this "
			"kernel lacks");
		return -EOPNOTSUPP;
	}
	ret = firmware__read(vm->cfg->firmware, &data, &len);
	if (ret)
		return ret;
	fw->bios = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fw->bios == MAP_FAILED) {
		fw->bios = NULL;
		free(data);
		return -ENOMEM;
	}
	memcpy(fw->bios, data, len);
	free(data);
	fw->bios_size = len;
	ret = memslots__add(&vm->slots, REGION_ROM, "bios", FOUR_GIB - len, len,
			    fw->bios);
	return ret < 0 ? ret : 0;
}

static void firmware__vmx_areas(struct vm *vm)
{
	uint64_t idmap = FW_IDENTITY_MAP;

	if (kvm__check(vm->kvm_fd, KVM_CAP_SET_TSS_ADDR) &&
	    kvm_ioctl_quiet(vm->vm_fd, KVM_SET_TSS_ADDR,
			    (void *)(uintptr_t)FW_TSS))
		log_warn(
			"KVM_SET_TSS_ADDR failed: real mode may not run on VMX");
	if (kvm__check(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    kvm_ioctl_quiet(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
		log_warn("KVM_SET_IDENTITY_MAP_ADDR failed");
}

static void firmware__unload(struct vm *vm)
{
	struct firmware *fw = vm->boot_priv;

	if (!fw)
		return;
	if (fw->fwcfg) {
		fwcfg__exit(fw->fwcfg);
		free(fw->fwcfg);
	}
	if (fw->bios)
		munmap(fw->bios, fw->bios_size);
	free(fw);
	vm->boot_priv = NULL;
}

static int firmware__load(struct vm *vm)
{
	struct firmware *fw = calloc(1, sizeof(*fw));
	int ret;

	if (!fw)
		return -ENOMEM;
	vm->boot_priv = fw;
	fw->low_end = firmware__low_end(vm->cfg->mem_size);
	fw->high_size = vm->cfg->mem_size - fw->low_end;
	fw->layout = vm->cfg->slot_layout;
	fw->fwcfg = calloc(1, sizeof(*fw->fwcfg));
	if (!fw->fwcfg)
		return -ENOMEM;
	fwcfg__init(fw->fwcfg, firmware__mem, vm);
	ret = firmware__map_bios(vm, fw);
	if (!ret)
		ret = firmware__fwcfg_base(vm, fw);
	if (!ret && vm->cfg->kernel)
		ret = firmware__linux(vm, fw);
	if (!ret)
		firmware__vmx_areas(vm);
	return ret;
}

static int firmware__setup_vcpu(struct vcpu *v, const struct kvm_cpuid2 *cpuid)
{
	/* KVM_CREATE_VCPU left the BSP at f000:fff0 and the APs in wait-for-SIPI. */
	return linux__set_cpuid(v, cpuid);
}

/*
 * bootorder as QEMU's get_boot_devices_list() writes it: the kernel's
 * option ROM first, then each --disk by its PCI slot. A disk's path is
 * only known once virtio-blk has registered, so fw_cfg's directory is
 * built here, between the PCI devices and the fw_cfg ports.
 */
static int firmware__bootorder_init(struct vm *vm, void **priv)
{
	struct firmware *fw = vm->boot_priv;
	unsigned int slots[VM_MAX_DISKS], n;
	char buf[64 + VM_MAX_DISKS * 32];
	int len, ret = 0;

	*priv = NULL;
	n = pci__find(vm, VIRTIO_PCI_VENDOR,
		      VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK, slots,
		      VM_MAX_DISKS);
	len = fwcfg__bootorder(buf, sizeof(buf), vm->cfg->kernel != NULL, slots,
			       n);
	if (len < 0)
		ret = len;
	else if (len > 0)
		ret = fwcfg__add_file(fw->fwcfg, "bootorder", buf,
				      (uint32_t)len);
	if (!ret)
		ret = fwcfg__finish(fw->fwcfg);
	if (ret)
		log_err("fw_cfg: cannot build the file directory: %s",
			strerror(-ret));
	return ret;
}

static const struct device_ops bootorder_device = {
	.name = "bootorder",
	.init = firmware__bootorder_init,
};

/* Init in this order, exit in reverse. */
static const struct device_ops *const firmware_devices[] = {
	&irqchip_device, /* before the vCPUs and the PIT; ELCR in KVM */
	&pit_device, /* and port 0x61 */
	&bootdone_device, /* ZAPVM_BOOT_DONE_PORT */
	&console_device, /* stdin/stdout; before the UART */
	&serial_device, /* COM1: SeaBIOS's serial console */
	&i8042_device, /* reset line */
	&rtc_device, /* CMOS: firmware__cmos() */
	&pci_device, /* conf1, the i440FX at 00:00.0, reset at 0xcf9 */
	&pam_device, /* 0xC0000-0xFFFFF: after the host bridge */
	&vga_device, /* --vga std: 00:01.0 as on QEMU, then 0xA0000 */
	&optrom_device, /* --rom: copied by SeaBIOS through its ROM BAR */
	&shm_device, /* --shm: a RAM BAR */
	&virtio_blk_device, /* --disk: SeaBIOS boots from it without --kernel */
	&bootorder_device, /* fw_cfg's bootorder and directory: after PCI */
	&fwcfg_device, /* 0x510-0x51b */
	&debugcon_device, /* 0x402: --firmware-log */
	&port92_device, /* fast reset */
};

const struct boot_ops boot_firmware_ops = {
	.name = "firmware",
	.check = firmware__check,
	.plan_memory = firmware__plan_memory,
	.load = firmware__load,
	.setup_vcpu = firmware__setup_vcpu,
	.unload = firmware__unload,
	.devices = firmware_devices,
	.ndevices = ARRAY_SIZE(firmware_devices),
	.lenient_io = true,
	.max_cpus = 254,
};
