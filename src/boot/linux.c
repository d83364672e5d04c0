// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux boot path: check the configuration, plan guest memory, read
 * the kernel and initrd and hand them to one of three loaders (--boot): a
 * bzImage entered at startup_64 through the 64-bit boot protocol
 * (boot/linux-64.c), a vmlinux entered at its PVH entry (boot/linux-pvh.c),
 * a bzImage entered at its real-mode setup code with a tiny BIOS
 * (boot/linux-real.c); what they share is in boot/linux-common.c. Every
 * vCPU gets its CPUID and local APIC set here; the other vCPUs wait in the
 * in-kernel local APIC for the kernel's INIT/SIPI.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/boot-linux.h"
#include "zapvm/bzimage.h"
#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"

#define GIB (1ULL << 30)
#define DEFAULT_CMDLINE(cfg) \
	((cfg)->console == CONSOLE_VIRTIO ? "console=hvc0" : "console=ttyS0")
#define MAX_KERNEL_FILE (1ULL << 30)

/* VMX needs these for real mode (the APs' trampoline); in the MMIO gap. */
#define TSS_ADDR 0xfffbd000ULL
#define IDENTITY_MAP_ADDR 0xfffbc000ULL

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static int linux__check(const struct vm_config *cfg)
{
	/* A Linux guest's one --rom is cfg->pci_rom (see cmd_run). */
	if (cfg->nroms) {
		log_err("--rom: a Linux guest takes one option ROM, a file");
		return -EINVAL;
	}
	if (cfg->args) {
		log_err("--args is for test guests; give a Linux guest its "
			"--cmdline");
		return -EINVAL;
	}
	return 0;
}

static int linux__plan_memory(struct vm *vm)
{
	uint64_t mem = vm->cfg->mem_size, low = linux__low_end(vm), end;

	vm->ram_regions[0] = (struct vm_ram){ 0, low, 0 };
	vm->nram = 1;
	end = low;
	if (mem > low) {
		vm->ram_regions[1] =
			(struct vm_ram){ LINUX_HIGH_RAM, mem - low, low };
		vm->nram = 2;
		end = LINUX_HIGH_RAM + (mem - low);
	}
	if (end < LINUX_HIGH_RAM)
		end = LINUX_HIGH_RAM;
	if (!align_up(end, GIB, &vm->gpa_top)) {
		log_err("--mem: guest RAM does not fit the physical space");
		return -EINVAL;
	}
	return 0;
}

/* The VMX real-mode helpers; harmless elsewhere, so failures only warn. */
static void linux__vmx_areas(struct vm *vm)
{
	uint64_t idmap = IDENTITY_MAP_ADDR;

	if (kvm__check(vm->kvm_fd, KVM_CAP_SET_TSS_ADDR) &&
	    kvm_ioctl_quiet(vm->vm_fd, KVM_SET_TSS_ADDR,
			    (void *)(uintptr_t)TSS_ADDR))
		log_warn("KVM_SET_TSS_ADDR failed: secondary vCPUs may not "
			 "start on VMX");
	if (kvm__check(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    kvm_ioctl_quiet(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
		log_warn("KVM_SET_IDENTITY_MAP_ADDR failed");
}

/* The resolved --boot of the VM, pointed to by vm->boot_priv. */
static const enum linux_boot boot_modes[] = { BOOT_AUTO, BOOT_64, BOOT_PVH,
					      BOOT_REAL };

static enum linux_boot linux__mode(const struct vm *vm)
{
	return vm->boot_priv ? *(const enum linux_boot *)vm->boot_priv :
			       BOOT_64;
}

static int linux__load(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *cmdline = cfg->cmdline ? cfg->cmdline :
					     DEFAULT_CMDLINE(cfg);
	struct linux_input in = { .kernel_path = cfg->kernel,
				  .initrd_path = cfg->initrd,
				  .cmdline = cmdline };
	uint8_t *kernel = NULL, *initrd = NULL;
	enum linux_boot mode = cfg->boot;
	bool elf;
	int ret;

	ret = read_file(cfg->kernel, MAX_KERNEL_FILE, &kernel, &in.kernel_len);
	if (ret)
		return ret;
	in.kernel = kernel;
	elf = in.kernel_len >= 4 && !memcmp(kernel, "\177ELF", 4);
	if (mode == BOOT_AUTO)
		mode = elf ? BOOT_PVH : BOOT_64;
	if (elf && mode != BOOT_PVH) {
		log_err("%s: an ELF file (vmlinux); --boot %s needs a "
			"bzImage, a vmlinux boots with --boot pvh",
			cfg->kernel, linux_boot__name(mode));
		ret = -ENOEXEC;
		goto out;
	}
	if (cfg->initrd) {
		ret = read_file(cfg->initrd, cfg->mem_size, &initrd,
				&in.initrd_len);
		if (ret)
			goto out;
		in.initrd = initrd;
	}
	switch (mode) {
	case BOOT_PVH:
		ret = linux_pvh__load(vm, &in);
		break;
	case BOOT_REAL:
		ret = linux_real__load(vm, &in);
		break;
	case BOOT_AUTO:
	case BOOT_64:
	default:
		ret = linux_64__load(vm, &in);
		break;
	}
	if (ret)
		goto out;
	linux__vmx_areas(vm);
	vm->boot_priv = (void *)&boot_modes[mode];
out:
	free(initrd);
	free(kernel);
	return ret;
}

static const char *const boot_names[] = {
	[BOOT_AUTO] = "auto",
	[BOOT_64] = "64",
	[BOOT_PVH] = "pvh",
	[BOOT_REAL] = "real-mode",
};

int linux_boot__parse(const char *s, enum linux_boot *out)
{
	for (unsigned int i = BOOT_64; i <= BOOT_REAL; i++) {
		if (!strcmp(s, boot_names[i])) {
			*out = (enum linux_boot)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *linux_boot__name(enum linux_boot b)
{
	return (unsigned int)b <= BOOT_REAL ? boot_names[b] : "?";
}

/*
 * Each vCPU's CPUID names its own APIC ID and says "hypervisor". It also
 * offers the TSC-deadline timer (CPUID.1:ECX[24]) when the in-kernel local
 * APIC emulates it: KVM_GET_SUPPORTED_CPUID leaves that bit clear because
 * it depends on the irqchip, and the API asks VMMs to check
 * KVM_CAP_TSC_DEADLINE_TIMER instead, as QEMU and Firecracker do. With it
 * Linux skips calibrating the LAPIC timer against the PIT at boot
 * (calibrate_APIC_clock()) and arms the timer with one MSR write.
 */
int linux__set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *host)
{
	size_t size = sizeof(*host) + host->nent * sizeof(host->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	bool deadline = kvm__check(v->vm->vm_fd, KVM_CAP_TSC_DEADLINE_TIMER);
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, host, size);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | (v->id << 24);
			e->ecx |= 1u << 31;
			if (deadline)
				e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = v->id;
		}
	}
	ret = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	return ret;
}

/* LINT0 delivers the 8259's ExtINT, LINT1 NMIs: the PC's virtual wire. */
static int linux__set_lint(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	uint32_t lvt;
	int ret = kvm_ioctl(v->fd, KVM_GET_LAPIC, &lapic);

	if (ret)
		return ret;
	memcpy(&lvt, &lapic.regs[APIC_LVT0], 4);
	lvt = (lvt & ~0x700u) | (APIC_MODE_EXTINT << 8);
	memcpy(&lapic.regs[APIC_LVT0], &lvt, 4);
	memcpy(&lvt, &lapic.regs[APIC_LVT1], 4);
	lvt = (lvt & ~0x700u) | (APIC_MODE_NMI << 8);
	memcpy(&lapic.regs[APIC_LVT1], &lvt, 4);
	return kvm_ioctl(v->fd, KVM_SET_LAPIC, &lapic);
}

static int linux__setup_vcpu(struct vcpu *v, const struct kvm_cpuid2 *cpuid)
{
	int ret = linux__set_cpuid(v, cpuid);

	if (!ret)
		ret = linux__set_lint(v);
	if (ret || v->id != 0)
		return ret;
	switch (linux__mode(v->vm)) {
	case BOOT_PVH:
		return linux_pvh__setup_bsp(v);
	case BOOT_REAL:
		return linux_real__setup_bsp(v);
	case BOOT_AUTO:
	case BOOT_64:
	default:
		return linux_64__setup_bsp(v);
	}
}

/* Init in this order, exit in reverse. */
static const struct device_ops *const linux_devices[] = {
	&irqchip_device, /* before the vCPUs and the PIT */
	&pit_device, /* needs the irqchip */
	&acpi_device, /* tables below 1 MiB, PM1 ports */
	&mptable_device, /* for kernels without ACPI */
	&bootdone_device, /* ZAPVM_BOOT_DONE_PORT */
	&console_device, /* stdin/stdout; before the UART */
	&serial_device, /* COM1 */
	&i8042_device, /* reset line */
	&rtc_device, /* CMOS clock */
	&pci_device, /* conf1 and 00:00.0; before every PCI device */
	&optrom_device, /* --rom: the option-ROM PCI device */
	&virtio_blk_device, /* --disk: one PCI function each */
	&virtio_console_device, /* --console virtio; after the UART */
};

const struct boot_ops boot_linux_ops = {
	.name = "Linux",
	.check = linux__check,
	.plan_memory = linux__plan_memory,
	.load = linux__load,
	.setup_vcpu = linux__setup_vcpu,
	.devices = linux_devices,
	.ndevices = ARRAY_SIZE(linux_devices),
	.lenient_io = true,
	.max_cpus = 254,
};
