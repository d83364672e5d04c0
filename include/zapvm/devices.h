/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The devices of src/devices/, one file each. A boot path lists the ones
 * it wants in its device table (struct boot_ops in vmcore.h): init in table
 * order, exit in reverse.
 */
#ifndef ZAPVM_DEVICES_H
#define ZAPVM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/guest_abi.h"
#include "zapvm/vmcore.h"

/* Test guests (guest_abi.h). */
extern const struct device_ops ucall_device; /* ZAPVM_UCALL_PORT */
extern const struct device_ops nullport_device; /* ZAPVM_NULL_PORT */

/* Both paths: a write to ZAPVM_BOOT_DONE_PORT marks a boot-done phase. */
extern const struct device_ops bootdone_device;

/* Linux guests: the PC around the kernel. */
extern const struct device_ops irqchip_device; /* in-kernel PIC + IOAPIC */
extern const struct device_ops pit_device; /* in-kernel i8254 */
extern const struct device_ops acpi_device; /* tables and PM1 ports */
extern const struct device_ops mptable_device; /* MP table, for acpi=off */
extern const struct device_ops console_device; /* host terminal side */
extern const struct device_ops serial_device; /* 8250 UART on COM1 */
extern const struct device_ops i8042_device; /* reset line */
extern const struct device_ops rtc_device; /* CMOS RTC */

/* The firmware path (firmware.h): what a PC BIOS needs beyond Linux's. */
extern const struct device_ops pam_device; /* i440FX PAM as memslots */
extern const struct device_ops fwcfg_device; /* fw_cfg, 0x510-0x51b */
extern const struct device_ops debugcon_device; /* port 0x402 */
extern const struct device_ops port92_device; /* fast reset */

/* PCI (include/zapvm/pci.h): the host bridge, then the devices on bus 0. */
extern const struct device_ops pci_device; /* conf1, 00:00.0 */
extern const struct device_ops optrom_device; /* cfg->pci_rom, if given */
extern const struct device_ops shm_device; /* --shm: ivshmem-like RAM BAR */
extern const struct device_ops vga_device; /* --vga std: VRAM BAR, 0xa0000 */

#define SHM_VENDOR 0x1af4 /* Red Hat, as QEMU's ivshmem */
#define SHM_DEVICE 0x1110
#define SHM_MIN_SIZE 4096ULL /* memslots are page granular */
#define SHM_MAX_SIZE (256ULL << 20) /* fits every firmware PCI window */

/*
 * shm__check_size - whether --shm @size is usable: a power of two from
 * SHM_MIN_SIZE to SHM_MAX_SIZE. 0, -EINVAL (not a power of two or too
 * small) or -EFBIG.
 */
int shm__check_size(uint64_t size);

/*
 * The option-ROM device: a PCI function with only an expansion-ROM BAR,
 * backed by a read-only memslot while the guest enables it. Its contents
 * are padded with zeros to a power of two of at least 4 KiB (the memslot
 * granularity), at most OPTROM_MAX_SIZE.
 */
#define OPTROM_VENDOR ZAPVM_OPTROM_VENDOR /* Red Hat, as QEMU's devices */
#define OPTROM_DEVICE ZAPVM_OPTROM_DEVICE /* unused by QEMU and Linux */
#define OPTROM_CLASS 0xff0000 /* unassigned: no Linux driver binds */
#define OPTROM_MAX_SIZE (16ULL << 20)

/*
 * ACPI (src/devices/acpi.c): the PM1 ports the FADT describes and the sleep
 * type of \_S5. The tables live at LINUX_ACPI_BASE (bzimage.h), the RSDP
 * first.
 */
#define ACPI_PM1A_EVT 0x600 /* 4 bytes: PM1 status, PM1 enable */
#define ACPI_PM1A_CNT 0x604 /* 2 bytes: PM1 control */
#define ACPI_S5_TYP 5 /* SLP_TYP of \_S5 in the DSDT */
#define ACPI_SCI_IRQ 9

/*
 * acpi__build_tables - write RSDP, XSDT, FADT, FACS, DSDT and MADT (for
 * @ncpus local APICs and the IOAPIC) into @buf, which is guest memory at
 * @gpa, @size bytes; the RSDP is at @gpa. The DSDT has \_S5 and, with
 * @pci_bus, the PCI root bridge \_SB.PCI0. Returns the bytes used,
 * -ENOSPC or -EINVAL.
 */
int acpi__build_tables(uint8_t *buf, uint64_t gpa, size_t size,
		       unsigned int ncpus, bool pci_bus);

/*
 * mptable__build - write an Intel MP table (spec 1.4) for @ncpus vCPUs,
 * the IOAPIC and ISA IRQs 0-15 wired to IOAPIC pins 0-15 (KVM's default
 * routing) into @buf, guest memory at @gpa, @size bytes: the floating
 * pointer first, the configuration table after it. With @pci_bus, a PCI
 * bus whose INTx entries take IRQs 10 and 11 from ISA. Returns the bytes
 * used, -ENOSPC or -EINVAL. Linux reads it only when ACPI gives no MADT.
 */
int mptable__build(uint8_t *buf, uint64_t gpa, size_t size, unsigned int ncpus,
		   bool pci_bus);

/* The guest console (src/devices/console.c): the host's stdin/stdout. */

/* Called by the console's input thread when bytes arrived. */
typedef void (*console_notify_fn)(void *opaque);

/*
 * console__attach - the UART that receives input: @notify(@opaque) runs on
 * the input thread after new bytes arrived.
 */
void console__attach(struct console *c, console_notify_fn notify, void *opaque);

/* console__getc - the next input byte, or -1 if none is waiting. */
int console__getc(struct console *c);

/* console__pending - whether an input byte is waiting. */
bool console__pending(struct console *c);

/*
 * console__write - guest output: to stdout (unless the config is quiet)
 * and through the line scanner, which sets the boot-done mark on "Run ...
 * as init process" and stops the VM (VM_END_PANIC, exit 103) after a
 * "Kernel panic - not syncing" line.
 */
void console__write(struct console *c, const uint8_t *buf, size_t len);

#endif /* ZAPVM_DEVICES_H */
