// SPDX-License-Identifier: GPL-2.0-only
/* Configuration mechanism #1 from CPL3 (the guests run with IOPL 3). */
#include "pci.h"

#define CONF1_ADDR 0xcf8
#define CONF1_DATA 0xcfc
#define CONF1_ENABLE 0x80000000U

static void outl(unsigned short port, zu32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static void conf1_select(zu32 bdf, unsigned int off)
{
	outl(CONF1_ADDR, CONF1_ENABLE | bdf | (off & 0xfc));
}

zu32 pci_cfg_read(zu32 bdf, unsigned int off, unsigned int len)
{
	unsigned short port = CONF1_DATA + (off & 3);
	zu32 v;

	conf1_select(bdf, off);
	switch (len) {
	case 1: {
		zu8 b;

		asm volatile("inb %1, %0" : "=a"(b) : "Nd"(port) : "memory");
		v = b;
		break;
	}
	case 2: {
		unsigned short w;

		asm volatile("inw %1, %0" : "=a"(w) : "Nd"(port) : "memory");
		v = w;
		break;
	}
	default:
		asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
		break;
	}
	return v;
}

void pci_cfg_write(zu32 bdf, unsigned int off, unsigned int len, zu32 val)
{
	unsigned short port = CONF1_DATA + (off & 3);

	conf1_select(bdf, off);
	switch (len) {
	case 1:
		asm volatile("outb %b0, %1"
			     :
			     : "a"(val), "Nd"(port)
			     : "memory");
		break;
	case 2:
		asm volatile("outw %w0, %1"
			     :
			     : "a"(val), "Nd"(port)
			     : "memory");
		break;
	default:
		outl(port, val);
		break;
	}
}

long pci_find(zu32 vendor, zu32 device, unsigned int from)
{
	unsigned int slot;

	for (slot = from; slot < 32; slot++) {
		zu32 id = pci_read32(PCI_BDF(0, slot, 0), PCI_VENDOR_ID);

		if ((id & 0xffff) == vendor && id >> 16 == device)
			return PCI_BDF(0, slot, 0);
	}
	return -1;
}

static unsigned int bar_off(unsigned int bar)
{
	return bar == 6 ? PCI_ROM_ADDRESS : PCI_BAR(bar);
}

zu32 pci_bar_size(zu32 bdf, unsigned int bar)
{
	unsigned int off = bar_off(bar);
	zu32 old = pci_read32(bdf, off), mask;

	pci_write32(bdf, off, bar == 6 ? PCI_ROM_ADDRESS_MASK : ~0U);
	mask = pci_read32(bdf, off);
	pci_write32(bdf, off, old);
	if (bar == 6)
		mask &= PCI_ROM_ADDRESS_MASK;
	else if (mask & PCI_BAR_IO)
		mask = (mask & PCI_BAR_IO_MASK) | 0xffff0000U;
	else
		mask &= PCI_BAR_MEM_MASK;
	return mask ? ~mask + 1 : 0;
}

zu32 pci_bar_addr(zu32 bdf, unsigned int bar)
{
	zu32 v = pci_read32(bdf, bar_off(bar));

	if (bar == 6)
		return v & PCI_ROM_ADDRESS_MASK;
	return v & (v & PCI_BAR_IO ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);
}
