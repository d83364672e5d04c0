/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI for Linux guests (src/devices/pci.c): a host bridge at 00:00.0 behind
 * configuration mechanism #1 (ports 0xcf8/0xcfc), bus 0 only, and the
 * devices that register on it (src/devices/optrom.c, virtio-pci), all of it
 * only when vm_config__has_pci() says so (vm.h, --pci). zapvm plays
 * firmware: it assigns every BAR an address in the PCI hole at
 * registration, memory and I/O decoding off; the guest may move them.
 *
 * The core owns the standard header: BAR sizing (write all ones, read the
 * size mask), the command register and the expansion-ROM BAR. While a BAR
 * is enabled (its decode bit in the command register is set and it holds an
 * address inside the window) accesses to its range reach the device's
 * handler; the core re-decodes when the guest moves a BAR or flips a decode
 * bit. The core registers each window once on vm->mmio / vm->pio and
 * decodes BARs itself under its lock, so nothing changes on the buses,
 * which the vCPUs read without a lock, while they run. The ROM BAR is not
 * trapped: the core tells the device through rom_update(), and the device
 * maps or unmaps memory there.
 *
 * A BAR (or ROM BAR) that lies outside its window (which keeps it off guest
 * RAM, the IOAPIC and the LAPIC) or overlaps another enabled BAR or ROM is
 * refused: it stays unmapped (logged once per device at -v) until the guest
 * writes that device's BARs or command register again. Accesses to the
 * window that no BAR decodes read all ones and drop writes.
 *
 * INTx: pin P of slot S is wired to ISA/IOAPIC line pci__intx_irq(S, P),
 * 10 or 11, level-triggered, active high; the MP table and the DSDT's _PRT
 * describe all 32 slots so device order does not matter.
 */
#ifndef ZAPVM_PCI_H
#define ZAPVM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "zapvm/bus.h"

struct vm;

#define PCI_CONF1_ADDR_PORT 0xcf8
#define PCI_CONF1_DATA_PORT 0xcfc /* 4 ports */

/*
 * Where zapvm assigns memory BARs for Linux guests: the hole below 4 GiB
 * that the e820 map leaves out. The test-guest path picks its own window
 * above its RAM and ROMs; the boot path's plan_memory() sets it in struct vm.
 */
#define PCI_MMIO_WINDOW 0xc0000000ULL
#define PCI_MMIO_WINDOW_END 0xfec00000ULL /* the IOAPIC follows */
#define PCI_IO_WINDOW 0xc000
#define PCI_IO_WINDOW_END 0x10000

/* The test-guest path's windows (boot/guest.c places the MMIO one). */
#define PCI_GUEST_MMIO_SIZE 0x10000000ULL /* 256 MiB, below 4 GiB */

/* The host bridge at 00:00.0: Intel 440FX, which Linux's conf1 check knows. */
#define PCI_HOST_VENDOR 0x8086
#define PCI_HOST_DEVICE 0x1237

#define PCI_INTX_IRQ_FIRST 10 /* INTx lines: 10 and 11 */

#define PCI_MAX_SLOTS 32 /* devices on bus 0, functions 0 only */
#define PCI_NUM_BARS 6
#define PCI_CFG_SIZE 256

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM32, PCI_BAR_IO };

struct pci_dev;

/*
 * bar_update - a memory BAR without a handler is backed by memory the
 * device maps itself (a RAM BAR: VRAM, shared memory): the guest's BAR or
 * command-register write moved its decoded range; it is now at @gpa if
 * @enabled, else nowhere. Called only when (enabled, gpa) differs from the
 * last call, config lock dropped, in the guest's order. 0 or -errno (a
 * -errno ends the VM as a crash).
 */
typedef int (*pci_bar_update_fn)(struct pci_dev *d, unsigned int bar,
				 bool enabled, uint64_t gpa, void *opaque);

struct pci_bar {
	enum pci_bar_kind kind;
	uint32_t size; /* power of two: >= 16 (mem) or 4 (I/O) */
	/* addr passed is absolute: subtract pci__bar_addr() for an offset */
	bus_handler_t handler;
	void *opaque;
	/* Instead of handler, a memory BAR may have update (see above). */
	pci_bar_update_fn update;
	bool prefetch; /* a memory BAR's bit 3 */
};

/*
 * rom_update - the guest changed the expansion-ROM BAR or the memory-decode
 * bit: the ROM is now visible at @gpa if @enabled, else nowhere. Called only
 * when (enabled, gpa) differs from the last call, with the device's config
 * lock dropped. 0 or -errno (a -errno ends the VM as a crash).
 */
typedef int (*pci_rom_update_fn)(struct pci_dev *d, bool enabled, uint64_t gpa,
				 void *opaque);

/*
 * cfg_write - after a guest write of @len bytes at @off outside the standard
 * header (off >= 0x40: capabilities, device-specific space); may be NULL.
 */
typedef void (*pci_cfg_write_fn)(struct pci_dev *d, unsigned int off,
				 unsigned int len, void *opaque);

struct pci_dev {
	/* Filled by the device before pci__register(). */
	const char *name;
	uint16_t vendor_id, device_id;
	uint16_t subsys_vendor_id, subsys_id;
	uint8_t revision;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t irq_pin; /* 0 = none, 1 = INTA# ... */
	struct pci_bar bars[PCI_NUM_BARS];
	uint32_t rom_size; /* 0 = no ROM BAR; else power of two >= 2 KiB */
	pci_rom_update_fn rom_update;
	pci_cfg_write_fn cfg_write;
	void *opaque;
	/*
	 * Config space; the device may fill bytes >= 0x40 (capabilities; set
	 * cap_ptr to the first one) before registering; guest writes there
	 * honour wmask, which the device may also set for those bytes.
	 */
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t cap_ptr;

	/* Owned by the core. */
	struct vm *vm;
	unsigned int slot;
	uint8_t wmask[PCI_CFG_SIZE]; /* bits the guest may write */
	bool rom_enabled;
	uint64_t rom_gpa;
	uint64_t bar_mapped[PCI_NUM_BARS]; /* address registered, 0 = none */
	uint64_t bar_told[PCI_NUM_BARS]; /* what bar_update() last said */
	bool irq_asserted; /* what the device last passed pci__set_irq() */
	bool intx_disabled; /* the command register's INTx Disable bit */
};

/*
 * The host bridge; in the device table before every PCI device. Without
 * vm_config__has_pci() (vm.h) it registers nothing and vm->pci stays NULL:
 * no conf1 ports (the Linux path reads all ones there, a test guest that
 * touches them crashes), no windows.
 */
extern const struct device_ops pci_device;

/*
 * pci__register - put @d in the next free slot of bus 0 of @vm, build its
 * header, assign its BARs and ROM BAR in the windows (decoding off).
 * Returns 0, -ENOSPC (no slot or no window space), -EINVAL (bad BAR size);
 * logs the reason. @d must outlive the VM's devices (unregister in exit()).
 */
int pci__register(struct vm *vm, struct pci_dev *d);

/* pci__unregister - remove @d and its bus ranges; no rom_update() call. */
void pci__unregister(struct pci_dev *d);

/* pci__bar_addr - the address BAR @bar is assigned to now (0 = none). */
uint64_t pci__bar_addr(struct pci_dev *d, unsigned int bar);

/*
 * pci__irq_line - the ISA/IOAPIC line INTx of @d is wired to (written into
 * its interrupt-line register and described in the MP table); -1 without
 * irq_pin. pci__set_irq() asserts or deasserts @d's INTx: the line is high
 * while any device on it asserts with INTx Disable clear in its command
 * register (level-triggered, active high, shared as on a real board).
 */
int pci__irq_line(const struct pci_dev *d);
int pci__set_irq(struct pci_dev *d, int level);

/* pci__intx_irq - the line pin @pin (1-4) of slot @slot is wired to. */
static inline int pci__intx_irq(unsigned int slot, unsigned int pin)
{
	return PCI_INTX_IRQ_FIRST + (int)((slot + pin) & 1);
}

/*
 * pci__host_bridge - the host bridge at 00:00.0 of @vm, or NULL without
 * PCI: the firmware path's PAM device (src/devices/pam.c) sets its
 * cfg_write and the wmask of the PAM bytes before the vCPUs run.
 */
struct pci_dev *pci__host_bridge(struct vm *vm);

/*
 * pci__find - the slots of bus 0 holding @vendor:@device, in slot order
 * (the order they registered in), into @slots, at most @max of them.
 * Returns how many; 0 without PCI. The firmware path's bootorder names
 * devices by slot.
 */
unsigned int pci__find(struct vm *vm, uint16_t vendor, uint16_t device,
		       unsigned int *slots, unsigned int max);

/*
 * The BAR window logic of the core, pure (src/devices/pcibar.c), as
 * QEMU's pci_bar_address() with zapvm's windows added:
 *
 * pci_bar__decode - where BAR @kind of @size with register value @bar
 * decodes under command register @cmd: its base if the decode bit of its
 * space (I/O or memory) is set, the base is not 0 and [base, base + size)
 * lies in [@wbase, @wend); else 0 (unmapped). A sizing write (all ones)
 * reads back as the size mask, whose base lies at the top of the 32-bit
 * space, outside every window: unmapped, as on QEMU.
 *
 * pci_rom__decode - the same for an expansion-ROM BAR (@rom: register
 * value): also needs its enable bit (bit 0).
 *
 * pci_bar__store/pci_rom__store - the register value after the guest
 * writes @v: the address bits above the size kept, the low bits read-only
 * (I/O: bit 0 set; memory: bit 3 for @prefetch; ROM: the enable bit
 * kept).
 */
uint64_t pci_bar__decode(enum pci_bar_kind kind, uint32_t bar, uint16_t cmd,
			 uint32_t size, uint64_t wbase, uint64_t wend);
uint64_t pci_rom__decode(uint32_t rom, uint16_t cmd, uint32_t size,
			 uint64_t wbase, uint64_t wend);
uint32_t pci_bar__store(enum pci_bar_kind kind, uint32_t v, uint32_t size,
			bool prefetch);
uint32_t pci_rom__store(uint32_t v, uint32_t size);

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_ROM_ENABLE 0x1
#define PCI_ROM_ADDR_MASK 0xfffff800U
#define PCI_BAR_PREFETCH 0x8

/* The reset control register inside conf1's address port (firmware VMs). */
#define PCI_RESET_PORT 0xcf9

#endif /* ZAPVM_PCI_H */
