// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Intel MultiProcessor table (MP spec 1.4) at LINUX_MPTABLE, where
 * Linux scans for "_MP_" (0xf0000-0xfffff). Linux prefers ACPI's MADT;
 * this is what a kernel without ACPI, or booted with acpi=off, finds its
 * vCPUs and the IOAPIC in.
 *
 * With PCI, PCI bus 0 (MP bus 1) has an I/O interrupt entry for
 * INTA#-INTD# of every slot, wired as pci__intx_irq() says, and ISA IRQs
 * 10 and 11 are left out, as SeaBIOS leaves out the IRQs PCI uses, so
 * Linux does not set those pins up edge-triggered for ISA first. Without
 * PCI (vm_config__has_pci()) there is no PCI bus and ISA has all of IRQs
 * 0-15, as SeaBIOS lists every IRQ no PCI device takes.
 */
#include <errno.h>
#include <string.h>

#include "zapvm/bzimage.h"
#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"

#define IOAPIC_ADDR 0xfec00000U
#define LAPIC_ADDR 0xfee00000U
#define ISA_IRQS 16
#define PCI_INTX 4
#define PCI_IRQS ((PCI_MAX_SLOTS - 1) * PCI_INTX) /* slots 1-31 */
#define MP_BUS_ISA 0
#define MP_BUS_PCI 1
/* PCI interrupts: level-triggered (3 << 2), active high (1). */
#define MP_IRQ_PCI 0x0d

struct mpf {
	char signature[4]; /* "_MP_" */
	uint32_t config; /* the configuration table */
	uint8_t length; /* in 16-byte units */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5]; /* 0: a configuration table follows */
} __attribute__((packed));

struct mpc_header {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_ptr;
	uint16_t oem_size;
	uint16_t count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apic_id, apic_ver, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, id, ver, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type, irqtype;
	uint16_t irqflag;
	uint8_t srcbus, srcbusirq, dstapic, dstirq;
} __attribute__((packed));

_Static_assert(sizeof(struct mpf) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mpc_header) == 44, "MP table header");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };
#define CPU_ENABLED 1
#define CPU_BOOTPROCESSOR 2

static uint8_t mp__sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

int mptable__build(uint8_t *buf, uint64_t gpa, size_t size, unsigned int ncpus,
		   bool pci_bus)
{
	/* With PCI, IRQs 10 and 11 are PCI's. */
	unsigned int buses = pci_bus ? 2 : 1,
		     isa = pci_bus ? ISA_IRQS - 2 : ISA_IRQS,
		     pci_irqs = pci_bus ? PCI_IRQS : 0;
	size_t len =
		sizeof(struct mpc_header) + ncpus * sizeof(struct mpc_cpu) +
		buses * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
		(isa + pci_irqs + 2) * sizeof(struct mpc_intsrc);
	struct mpf *mpf = (struct mpf *)buf;
	struct mpc_header *h = (struct mpc_header *)(mpf + 1);
	uint8_t *p = (uint8_t *)(h + 1);
	uint8_t ioapic_id = (uint8_t)(ncpus + 1);

	if (!ncpus || ncpus > 254)
		return -EINVAL;
	if (size < sizeof(*mpf) + len)
		return -ENOSPC;
	memset(buf, 0, sizeof(*mpf) + len);

	for (unsigned int i = 0; i < ncpus; i++) {
		struct mpc_cpu c = {
			.type = MP_CPU,
			.apic_id = (uint8_t)i,
			.apic_ver = 0x14,
			.flags = CPU_ENABLED | (i ? 0 : CPU_BOOTPROCESSOR),
			.signature = 0x600, /* family 6 */
			.features = 0x201, /* FPU, APIC */
		};

		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	{
		struct mpc_bus bus = { MP_BUS, MP_BUS_ISA, "ISA   " };
		struct mpc_bus pci = { MP_BUS, MP_BUS_PCI, "PCI   " };
		struct mpc_ioapic io = { MP_IOAPIC, ioapic_id, 0x11, 1,
					 IOAPIC_ADDR };

		memcpy(p, &bus, sizeof(bus));
		p += sizeof(bus);
		if (pci_bus) {
			memcpy(p, &pci, sizeof(pci));
			p += sizeof(pci);
		}
		memcpy(p, &io, sizeof(io));
		p += sizeof(io);
	}
	for (unsigned int irq = 0; irq < ISA_IRQS; irq++) {
		struct mpc_intsrc s = { MP_INTSRC,    MP_INT,	 0,	      0,
					(uint8_t)irq, ioapic_id, (uint8_t)irq };

		if (pci_bus && (irq == PCI_INTX_IRQ_FIRST ||
				irq == PCI_INTX_IRQ_FIRST + 1))
			continue;
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	for (unsigned int slot = 1; pci_bus && slot < PCI_MAX_SLOTS; slot++) {
		for (unsigned int pin = 1; pin <= PCI_INTX; pin++) {
			struct mpc_intsrc s = {
				.type = MP_INTSRC,
				.irqtype = MP_INT,
				.irqflag = MP_IRQ_PCI,
				.srcbus = MP_BUS_PCI,
				.srcbusirq = (uint8_t)(slot << 2 | (pin - 1)),
				.dstapic = ioapic_id,
				.dstirq = (uint8_t)pci__intx_irq(slot, pin),
			};

			memcpy(p, &s, sizeof(s));
			p += sizeof(s);
		}
	}
	{
		/* The local APICs' virtual wire: ExtINT on LINT0, NMI on LINT1. */
		struct mpc_intsrc l0 = {
			MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0xff, 0
		};
		struct mpc_intsrc l1 = { MP_LINTSRC, MP_NMI, 0, 0, 0, 0xff, 1 };

		memcpy(p, &l0, sizeof(l0));
		p += sizeof(l0);
		memcpy(p, &l1, sizeof(l1));
	}

	memcpy(h->signature, "PCMP", 4);
	h->length = (uint16_t)len;
	h->spec_rev = 4;
	memcpy(h->oem, "ZAPVM   ", 8);
	memcpy(h->product, "ZAPVM       ", 12);
	h->count = (uint16_t)(ncpus + buses + 1 + isa + pci_irqs + 2);
	h->lapic = LAPIC_ADDR;
	h->checksum = (uint8_t)-mp__sum(h, len);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->config = (uint32_t)(gpa + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = (uint8_t)-mp__sum(mpf, sizeof(*mpf));
	return (int)(sizeof(*mpf) + len);
}

static int mptable__init(struct vm *vm, void **priv)
{
	const uint64_t size = LINUX_HIMEM - LINUX_MPTABLE;
	uint8_t *buf = vm__guest_mem(vm, LINUX_MPTABLE, size, true);
	int ret;

	if (!buf) {
		log_err("MP table: no guest RAM at 0x%llx", LINUX_MPTABLE);
		return -EINVAL;
	}
	ret = mptable__build(buf, LINUX_MPTABLE, size, vm->ncpus,
			     vm_config__has_pci(vm->cfg));
	if (ret < 0) {
		log_err("MP table: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

const struct device_ops mptable_device = {
	.name = "mptable",
	.init = mptable__init,
};
