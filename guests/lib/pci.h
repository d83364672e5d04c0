/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI configuration access for the test guests: configuration mechanism #1
 * (ports 0xcf8/0xcfc), which CPL3 guests reach with IOPL 3. Bus 0 only is
 * populated by zapvm (see include/zapvm/pci.h); other buses read all ones.
 * The ports exist only when the VM has PCI (a PCI device, or `zapvm run
 * --pci on`); without it the first access ends the guest as a crash.
 *
 * Accessors take a bus/device/function triple packed by PCI_BDF() and a
 * byte offset in the 256-byte configuration space. An access of @len bytes
 * at @off uses data port 0xcfc + (off & 3); the caller keeps it within one
 * dword unless it means to test what happens otherwise.
 */
#ifndef ZAPVM_GUEST_PCI_H
#define ZAPVM_GUEST_PCI_H

#include "guest.h"

#define PCI_BDF(bus, dev, fn) \
	((zu32)(((bus)&0xff) << 16 | ((dev)&0x1f) << 11 | ((fn)&7) << 8))

/* Standard header offsets and bits (the ones the guests use). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_BAR(n) (0x10 + 4 * (n))
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_MASK (~0xfU)
#define PCI_BAR_IO_MASK (~0x3U)
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_ROM_ADDRESS_ENABLE 0x1
#define PCI_ROM_ADDRESS_MASK (~0x7ffU)
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/* pci_cfg_read - @len (1, 2 or 4) bytes at @off of function @bdf. */
zu32 pci_cfg_read(zu32 bdf, unsigned int off, unsigned int len);

/* pci_cfg_write - write the low @len (1, 2 or 4) bytes of @val at @off. */
void pci_cfg_write(zu32 bdf, unsigned int off, unsigned int len, zu32 val);

static inline zu32 pci_read32(zu32 bdf, unsigned int off)
{
	return pci_cfg_read(bdf, off, 4);
}

static inline zu32 pci_read16(zu32 bdf, unsigned int off)
{
	return pci_cfg_read(bdf, off, 2);
}

static inline zu32 pci_read8(zu32 bdf, unsigned int off)
{
	return pci_cfg_read(bdf, off, 1);
}

static inline void pci_write32(zu32 bdf, unsigned int off, zu32 val)
{
	pci_cfg_write(bdf, off, 4, val);
}

static inline void pci_write16(zu32 bdf, unsigned int off, zu32 val)
{
	pci_cfg_write(bdf, off, 2, val);
}

static inline void pci_write8(zu32 bdf, unsigned int off, zu32 val)
{
	pci_cfg_write(bdf, off, 1, val);
}

/*
 * pci_find - the first function on bus 0 (functions 0 only) with @vendor
 * and @device, from slot @from on; returns its BDF, or -1 if none.
 */
long pci_find(zu32 vendor, zu32 device, unsigned int from);

/*
 * pci_bar_size - size BAR @bar (or the ROM BAR with @bar == 6) the usual
 * way: save, write all ones, read the mask, restore. Returns the size in
 * bytes, 0 for an unimplemented BAR. Turn decoding off first if the BAR
 * may be live (Linux does; zapvm copes either way).
 */
zu32 pci_bar_size(zu32 bdf, unsigned int bar);

/*
 * pci_bar_addr - the address BAR @bar (6 = ROM) holds, type and enable
 * bits masked off.
 */
zu32 pci_bar_addr(zu32 bdf, unsigned int bar);

#endif /* ZAPVM_GUEST_PCI_H */
