// SPDX-License-Identifier: GPL-2.0-only
/* The MP table of a Linux guest, checked the way Linux's mpparse reads it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/devices.h"
#include "zapvm/pci.h"
#include "bytes.h"

#define BASE 0xf0000ULL
#define SIZE 0x10000

static void check(unsigned int ncpus, bool pci)
{
	uint8_t *buf = calloc(1, SIZE);
	unsigned int cpus = 0, bsp = 0, ioapics = 0, irqs = 0, lints = 0;
	unsigned int isa_mask = 0, pci_irqs = 0, pci_bad = 0, pci_bus = 0xff;
	unsigned int buses = 0, count;
	int used = mptable__build(buf, BASE, SIZE, ncpus, pci);
	const uint8_t *h, *p, *end;
	uint64_t cfg;
	uint8_t ioapic_id = 0;

	ok(used > 0, "%u vCPUs, %s PCI: MP table built (%d bytes)", ncpus,
	   pci ? "with" : "without", used);
	ok(!memcmp(buf, "_MP_", 4), "floating pointer signature");
	is_int(buf[8], 1, "floating pointer: 16 bytes");
	is_int(buf[9], 4, "MP spec 1.4");
	is_int(sum(buf, 16), 0, "floating pointer checksum");
	is_int(buf[11], 0, "feature 1: a configuration table, no default");
	cfg = rd(buf, 4, 4);
	ok(cfg >= BASE + 16 && cfg < BASE + SIZE, "table pointer in range");
	h = buf + (cfg - BASE);
	ok(!memcmp(h, "PCMP", 4), "configuration table signature");
	is_int(sum(h, rd(h, 4, 2)), 0, "configuration table checksum");
	is_int(rd(h, 36, 4), 0xfee00000, "local APIC address");
	p = h + 44;
	end = h + rd(h, 4, 2);
	count = (unsigned int)rd(h, 34, 2);
	for (unsigned int i = 0; i < count && p < end; i++) {
		switch (p[0]) {
		case 0:
			if (p[1] == cpus && (p[3] & 1))
				cpus++;
			if (p[3] & 2)
				bsp++;
			p += 20;
			break;
		case 2:
			ioapics++;
			ioapic_id = p[1];
			ok(rd(p, 4, 4) == 0xfec00000 && (p[3] & 1),
			   "IOAPIC enabled at 0xfec00000");
			p += 8;
			break;
		case 1:
			buses++;
			if (!memcmp(p + 2, "PCI   ", 6))
				pci_bus = p[1];
			p += 8;
			break;
		case 3:
			if (p[1] == 0 && p[4] == 0 && p[5] == p[7] &&
			    p[6] == ioapic_id && p[7] < 16 &&
			    rd(p, 2, 2) == 0) {
				irqs++;
				isa_mask |= 1u << p[7];
			} else if (p[4] == pci_bus) {
				/* srcbusirq: slot << 2 | INTx# - 1 */
				unsigned int slot = p[5] >> 2,
					     pin = (p[5] & 3) + 1;

				pci_irqs++;
				pci_bad += p[1] != 0 || p[6] != ioapic_id ||
					   rd(p, 2, 2) != 0x0d || !slot ||
					   p[7] != pci__intx_irq(slot, pin);
			}
			p += 8;
			break;
		case 4:
			lints++;
			p += 8;
			break;
		default:
			p += 8;
			break;
		}
	}
	ok(p == end, "entries fill the table exactly");
	is_int(count, ncpus + buses + 1 + irqs + pci_irqs + lints,
	       "the entry count counts them all");
	is_int(cpus, ncpus, "enabled processors with APIC IDs 0..n-1");
	is_int(bsp, 1, "one boot processor");
	is_int(ioapics, 1, "one IOAPIC");
	if (pci) {
		is_int(irqs, 14, "14 ISA IRQs, each on its IOAPIC pin");
		is_int(isa_mask, 0xf3ff, "... all of 0-15 but PCI's 10 and 11");
		is_int(buses, 2, "two buses");
		is_int(pci_bus, 1, "a PCI bus, after the ISA bus");
		is_int(pci_irqs, 31 * 4, "INTA#-INTD# of PCI slots 1-31");
		is_int(pci_bad, 0,
		       "... level, active high, on lines 10 and 11");
	} else {
		is_int(irqs, 16, "16 ISA IRQs, each on its IOAPIC pin");
		is_int(isa_mask, 0xffff, "... all of 0-15, 10 and 11 too");
		is_int(buses, 1, "one bus, ISA");
		is_int(pci_bus, 0xff, "no PCI bus");
		is_int(pci_irqs, 0, "no PCI interrupt entries");
	}
	is_int(lints, 2, "LINT0 and LINT1");
	ok(ioapic_id >= ncpus, "the IOAPIC ID is not a CPU's");
	free(buf);
}

int main(void)
{
	uint8_t small[100];

	check(1, true);
	check(8, true);
	check(254, true);
	check(1, false);
	check(254, false);
	is_int(mptable__build(small, BASE, sizeof(small), 4, true), -ENOSPC,
	       "too small a buffer: -ENOSPC");
	is_int(mptable__build(small, BASE, sizeof(small), 4, false), -ENOSPC,
	       "too small a buffer, without PCI: -ENOSPC");
	is_int(mptable__build(small, BASE, sizeof(small), 0, true), -EINVAL,
	       "no vCPUs: -EINVAL");
	is_int(mptable__build(small, BASE, sizeof(small), 255, false), -EINVAL,
	       "255 vCPUs: -EINVAL");
	return tap_done();
}
