// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BAR window logic of the PCI core (include/zapvm/pci.h), pure so the
 * unit tests pin it down: what a BAR register holds after a guest write,
 * and where a BAR decodes. Modelled on QEMU's pci_bar_address(): a BAR
 * decodes when its space's decode bit is on and its base is non-zero and
 * does not wrap; zapvm also keeps it inside its window (off RAM, the IOAPIC
 * and the LAPIC), which the size mask a sizing write leaves (0xff000000 for
 * 16 MiB) never is.
 */
#include "zapvm/pci.h"

static bool in_window(uint64_t base, uint64_t size, uint64_t wbase,
		      uint64_t wend)
{
	return base >= wbase && base < wend && size <= wend - base;
}

uint64_t pci_bar__decode(enum pci_bar_kind kind, uint32_t bar, uint16_t cmd,
			 uint32_t size, uint64_t wbase, uint64_t wend)
{
	bool io = kind == PCI_BAR_IO;
	uint64_t base;

	if (kind == PCI_BAR_NONE || !size ||
	    !(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
		return 0;
	base = bar & (io ? ~0x3U : ~0xfU) & ~(size - 1);
	if (!base || !in_window(base, size, wbase, wend))
		return 0;
	return base;
}

uint64_t pci_rom__decode(uint32_t rom, uint16_t cmd, uint32_t size,
			 uint64_t wbase, uint64_t wend)
{
	uint64_t base = rom & PCI_ROM_ADDR_MASK & ~(size - 1);

	if (!size || !(rom & PCI_ROM_ENABLE) || !(cmd & PCI_COMMAND_MEMORY) ||
	    !base || !in_window(base, size, wbase, wend))
		return 0;
	return base;
}

uint32_t pci_bar__store(enum pci_bar_kind kind, uint32_t v, uint32_t size,
			bool prefetch)
{
	switch (kind) {
	case PCI_BAR_MEM32:
		return (v & ~(size - 1) & ~0xfU) |
		       (prefetch ? PCI_BAR_PREFETCH : 0);
	case PCI_BAR_IO:
		return (v & ~(size - 1) & ~0x3U) | 0x1;
	case PCI_BAR_NONE:
	default:
		return 0;
	}
}

uint32_t pci_rom__store(uint32_t v, uint32_t size)
{
	if (!size)
		return 0;
	return (v & ~(size - 1) & PCI_ROM_ADDR_MASK) | (v & PCI_ROM_ENABLE);
}
