// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI for a clean poweroff and for SMP: RSDP -> XSDT -> FADT (with FACS
 * and DSDT) and MADT, written below 1 MiB, and the PM1a event and control
 * blocks the FADT points to. Linux powers off by writing SLP_TYP of \_S5
 * with SLP_EN to PM1a_CNT; that ends the VM with exit 0. A classic (not
 * hardware-reduced) FADT keeps Linux on the PC's 8259 PICs, IOAPIC and PIT,
 * which the in-kernel irqchip provides. The DSDT holds \_S5 and, when the
 * VM has PCI, the root bridge \_SB.PCI0: with ACPI, Linux finds PCI only
 * through a PNP0A03 device (arch/x86/pci/acpi.c skips the legacy conf1
 * scan), takes its windows from _CRS and its INTx wiring from _PRT.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/bzimage.h"
#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/util.h"

#define IOAPIC_ADDR 0xfec00000U
#define LAPIC_ADDR 0xfee00000U

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 2: ACPI 2.0+, has the XSDT */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum; /* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* FADT revision 3 (ACPI 2.0), 244 bytes; X_ fields left 0 where unused. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl; /* FACS */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd; /* 0: always in ACPI mode */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	uint8_t reset_reg[12];
	uint8_t reset_value;
	uint8_t reserved2[3];
	uint64_t x_firmware_ctrl, x_dsdt;
	uint8_t x_blocks[8][12]; /* X_PM1a_EVT_BLK ... X_GPE1_BLK */
} __attribute__((packed));

struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved[31];
} __attribute__((packed));

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t addr, gsi_base;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, processor_id;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_fadt) == 244, "FADT revision 3");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

#define FADT_WBINVD (1u << 0)
#define FADT_C1_SUPPORTED (1u << 2)
#define FADT_POWER_BUTTON (1u << 4) /* no fixed power button */
#define FADT_SLEEP_BUTTON (1u << 5) /* no fixed sleep button */
#define BOOT_ARCH_NO_VGA (1u << 2)
#define MADT_PCAT_COMPAT 1u

#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000

/*
 * DSDT body: Name (_S5, Package (4) { 5, 5, 0, 0 }) - NameOp, "_S5_",
 * PackageOp, PkgLength 8, 4 elements: BytePrefix 5, BytePrefix 5, Zero, Zero.
 */
static const uint8_t dsdt_aml[] = { 0x08, '_',	       0x53, 0x35, '_',
				    0x12, 0x08,	       0x04, 0x0a, ACPI_S5_TYP,
				    0x0a, ACPI_S5_TYP, 0x00, 0x00 };

/* ---- AML for \_SB.PCI0 ---------------------------------------------- */

#define AML_MAX 4096

struct aml {
	uint8_t b[AML_MAX];
	size_t len;
	bool overflow;
};

static void aml_put(struct aml *a, const void *p, size_t n)
{
	if (n > AML_MAX - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_put(a, &v, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/* An integer in its shortest encoding: Zero, One, Byte/Word/DWordConst. */
static void aml_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		aml_byte(a, (uint8_t)v);
	} else if (v <= 0xff) {
		aml_byte(a, 0x0a);
		aml_byte(a, (uint8_t)v);
	} else if (v <= 0xffff) {
		aml_byte(a, 0x0b);
		aml_le(a, v, 2);
	} else {
		aml_byte(a, 0x0c);
		aml_le(a, v, 4);
	}
}

/* @op (1 or 2 bytes), a PkgLength, then @body (which the length covers). */
static void aml_pkg(struct aml *a, const uint8_t *op, size_t oplen,
		    const struct aml *body)
{
	size_t n = body->len, total;

	aml_put(a, op, oplen);
	if (n + 1 <= 0x3f) {
		aml_byte(a, (uint8_t)(n + 1));
	} else if (n + 2 <= 0xfff) {
		total = n + 2;
		aml_byte(a, (uint8_t)(0x40 | (total & 0xf)));
		aml_byte(a, (uint8_t)(total >> 4));
	} else {
		total = n + 3;
		aml_byte(a, (uint8_t)(0x80 | (total & 0xf)));
		aml_byte(a, (uint8_t)(total >> 4));
		aml_byte(a, (uint8_t)(total >> 12));
	}
	aml_put(a, body->b, n);
	a->overflow |= body->overflow;
}

/* Name (@seg, ...): NameOp and the NameSeg; the object follows. */
static void aml_name(struct aml *a, const char *seg)
{
	aml_byte(a, 0x08);
	aml_put(a, seg, 4);
}

/* A Word or DWord Address Space Descriptor, a producer with fixed ends. */
static void aml_addr(struct aml *a, bool dword, uint8_t type, uint8_t tflags,
		     uint32_t min, uint32_t max)
{
	unsigned int w = dword ? 4 : 2;

	aml_byte(a, dword ? 0x87 : 0x88);
	aml_le(a, 3 + 5 * w, 2);
	aml_byte(a, type); /* 0 memory, 1 I/O, 2 bus numbers */
	aml_byte(a, 0x0c); /* MinFixed, MaxFixed, PosDecode, producer */
	aml_byte(a, tflags);
	aml_le(a, 0, w); /* granularity */
	aml_le(a, min, w);
	aml_le(a, max, w);
	aml_le(a, 0, w); /* translation */
	aml_le(a, (uint64_t)max - min + 1, w);
}

/*
 * Scope (\_SB) { Device (PCI0) { _HID PNP0A03, _ADR 0, _UID 0, _BBN 0,
 * _CRS: bus 0-255, the conf1 ports consumed, I/O 0-0xcf7 and 0xd00-0xffff
 * and the MMIO window produced; _PRT: INTA#-INTD# of slots 1-31 on GSIs
 * pci__intx_irq() } }. 0 or -ENOSPC.
 */
static int acpi__pci_aml(struct aml *out)
{
	static const uint8_t scope_op = 0x10, buffer_op = 0x11,
			     package_op = 0x12, device_op[2] = { 0x5b, 0x82 };
	static const uint8_t conf1_io[] = { 0x47, 0x01, 0xf8, 0x0c,
					    0xf8, 0x0c, 0x01, 0x08 };
	struct aml dev, crs, buf, prt, entry, scope;

	memset(&crs, 0, sizeof(crs));
	aml_addr(&crs, false, 2, 0, 0, 0xff);
	aml_put(&crs, conf1_io, sizeof(conf1_io));
	aml_addr(&crs, false, 1, 0x03, 0, PCI_CONF1_ADDR_PORT - 1);
	aml_addr(&crs, false, 1, 0x03, 0xd00, 0xffff);
	aml_addr(&crs, true, 0, 0x01, (uint32_t)PCI_MMIO_WINDOW,
		 (uint32_t)(PCI_MMIO_WINDOW_END - 1));
	aml_byte(&crs, 0x79); /* End Tag, checksum 0 */
	aml_byte(&crs, 0x00);

	memset(&buf, 0, sizeof(buf));
	aml_int(&buf, (uint32_t)crs.len);
	aml_put(&buf, crs.b, crs.len);
	buf.overflow |= crs.overflow;

	memset(&prt, 0, sizeof(prt));
	aml_byte(&prt, (PCI_MAX_SLOTS - 1) * 4); /* NumElements */
	for (unsigned int slot = 1; slot < PCI_MAX_SLOTS; slot++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			memset(&entry, 0, sizeof(entry));
			aml_byte(&entry, 4);
			aml_byte(&entry, 0x0c); /* the address, always DWord */
			aml_le(&entry, slot << 16 | 0xffff, 4);
			aml_int(&entry, pin);
			aml_int(&entry, 0); /* no link device: a GSI */
			aml_int(&entry, (uint32_t)pci__intx_irq(slot, pin + 1));
			aml_pkg(&prt, &package_op, 1, &entry);
		}
	}

	memset(&dev, 0, sizeof(dev));
	aml_put(&dev, "PCI0", 4);
	aml_name(&dev, "_HID");
	aml_byte(&dev, 0x0c);
	aml_le(&dev, 0x030ad041, 4); /* EisaId ("PNP0A03") */
	aml_name(&dev, "_ADR");
	aml_int(&dev, 0);
	aml_name(&dev, "_UID");
	aml_int(&dev, 0);
	aml_name(&dev, "_BBN");
	aml_int(&dev, 0);
	aml_name(&dev, "_CRS");
	aml_pkg(&dev, &buffer_op, 1, &buf);
	aml_name(&dev, "_PRT");
	aml_pkg(&dev, &package_op, 1, &prt);

	memset(&scope, 0, sizeof(scope));
	aml_put(&scope, "\\_SB_", 5);
	aml_pkg(&scope, device_op, 2, &dev);

	memset(out, 0, sizeof(*out));
	aml_pkg(out, &scope_op, 1, &scope);
	return out->overflow ? -ENOSPC : 0;
}

static uint8_t acpi__sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += b[i];
	return s;
}

static void acpi__header(struct acpi_header *h, const char *sig, uint32_t len,
			 uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "ZAPVM ", 6);
	memcpy(h->oem_table_id, "ZAPVM   ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "ZAPV", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = (uint8_t)-acpi__sum(h, len);
}

/* Carve @len bytes aligned to @align out of [*off, size); NULL if full. */
static void *acpi__alloc(uint8_t *buf, size_t size, size_t *off, size_t len,
			 size_t align)
{
	size_t start = (*off + align - 1) & ~(align - 1);

	if (start > size || len > size - start)
		return NULL;
	*off = start + len;
	memset(buf + start, 0, len);
	return buf + start;
}

int acpi__build_tables(uint8_t *buf, uint64_t gpa, size_t size,
		       unsigned int ncpus, bool pci_bus)
{
	size_t off = 0, madt_len, xsdt_len = sizeof(struct acpi_header) + 16;
	struct acpi_rsdp *rsdp;
	struct acpi_header *xsdt, *dsdt;
	struct acpi_fadt *fadt;
	struct acpi_facs *facs;
	struct acpi_madt *madt;
	uint64_t entries[2];
	struct aml pci;
	uint8_t *p;

	if (!ncpus || ncpus > 255)
		return -EINVAL;
	memset(&pci, 0, sizeof(pci));
	if (pci_bus && acpi__pci_aml(&pci))
		return -ENOSPC;
	madt_len = sizeof(*madt) + ncpus * sizeof(struct madt_lapic) +
		   sizeof(struct madt_ioapic) + sizeof(struct madt_lapic_nmi);
	rsdp = acpi__alloc(buf, size, &off, sizeof(*rsdp), 16);
	xsdt = acpi__alloc(buf, size, &off, xsdt_len, 16);
	fadt = acpi__alloc(buf, size, &off, sizeof(*fadt), 16);
	facs = acpi__alloc(buf, size, &off, sizeof(*facs), 64);
	dsdt = acpi__alloc(
		buf, size, &off,
		sizeof(struct acpi_header) + sizeof(dsdt_aml) + pci.len, 16);
	madt = acpi__alloc(buf, size, &off, madt_len, 16);
	if (!rsdp || !xsdt || !fadt || !facs || !dsdt || !madt)
		return -ENOSPC;
#define GPA(ptr) (gpa + (uint64_t)((uint8_t *)(ptr)-buf))

	memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	memcpy((uint8_t *)(dsdt + 1) + sizeof(dsdt_aml), pci.b, pci.len);
	acpi__header(dsdt, "DSDT",
		     (uint32_t)(sizeof(*dsdt) + sizeof(dsdt_aml) + pci.len), 2);

	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	fadt->firmware_ctrl = (uint32_t)GPA(facs);
	fadt->dsdt = (uint32_t)GPA(dsdt);
	fadt->sci_int = ACPI_SCI_IRQ;
	fadt->pm1a_evt_blk = ACPI_PM1A_EVT;
	fadt->pm1a_cnt_blk = ACPI_PM1A_CNT;
	fadt->pm1_evt_len = 4;
	fadt->pm1_cnt_len = 2;
	fadt->p_lvl2_lat = 101; /* > 100: no C2 */
	fadt->p_lvl3_lat = 1001; /* > 1000: no C3 */
	fadt->century = 0x32;
	fadt->iapc_boot_arch = BOOT_ARCH_NO_VGA; /* and no 8042: see i8042.c */
	fadt->flags = FADT_WBINVD | FADT_C1_SUPPORTED | FADT_POWER_BUTTON |
		      FADT_SLEEP_BUTTON;
	acpi__header(&fadt->h, "FACP", sizeof(*fadt), 3);

	madt->lapic_addr = LAPIC_ADDR;
	madt->flags = MADT_PCAT_COMPAT;
	p = (uint8_t *)(madt + 1);
	for (unsigned int i = 0; i < ncpus; i++) {
		struct madt_lapic l = { 0, sizeof(l), (uint8_t)i, (uint8_t)i,
					1 };

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	{
		struct madt_ioapic io = { 1, sizeof(io), 0, 0, IOAPIC_ADDR, 0 };
		struct madt_lapic_nmi nmi = { 4, sizeof(nmi), 0xff, 0, 1 };

		memcpy(p, &io, sizeof(io));
		p += sizeof(io);
		memcpy(p, &nmi, sizeof(nmi));
	}
	acpi__header(&madt->h, "APIC", (uint32_t)madt_len, 3);

	entries[0] = GPA(fadt);
	entries[1] = GPA(madt);
	memcpy(xsdt + 1, entries, sizeof(entries));
	acpi__header(xsdt, "XSDT", (uint32_t)xsdt_len, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "ZAPVM ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = GPA(xsdt);
	rsdp->checksum = (uint8_t)-acpi__sum(rsdp, 20);
	rsdp->ext_checksum = (uint8_t)-acpi__sum(rsdp, sizeof(*rsdp));
#undef GPA
	return (int)off;
}

/* ---- the PM1 registers ----------------------------------------------- */

struct acpi_pm {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t evt[4]; /* PM1 status (write 1 to clear), PM1 enable */
	uint16_t cnt;
};

static void acpi__control(struct acpi_pm *pm, uint16_t v)
{
	unsigned int typ = (v >> PM1_SLP_TYP_SHIFT) & 7;

	pm->cnt = (uint16_t)((v & ~PM1_SLP_EN) | PM1_SCI_EN);
	if (!(v & PM1_SLP_EN))
		return;
	if (typ == ACPI_S5_TYP) {
		log_info("the guest powered off (ACPI S5)");
		vm__stop(pm->vm, VM_END_POWEROFF);
		return;
	}
	log_warn("the guest asked for ACPI sleep type %u; only S5 (poweroff) "
		 "is supported",
		 typ);
}

static int acpi__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			uint32_t len, bool is_write, void *opaque)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	if (port >= ACPI_PM1A_CNT) {
		unsigned int at = (unsigned int)(port - ACPI_PM1A_CNT);
		uint8_t b[2] = { (uint8_t)pm->cnt, (uint8_t)(pm->cnt >> 8) };

		for (uint32_t i = 0; i < len; i++) {
			if (is_write)
				b[at + i] = data[i];
			else
				data[i] = b[at + i];
		}
		if (is_write)
			acpi__control(pm, (uint16_t)(b[0] | b[1] << 8));
	} else {
		unsigned int at = (unsigned int)(port - ACPI_PM1A_EVT);

		for (uint32_t i = 0; i < len; i++) {
			unsigned int r = at + i;

			if (!is_write)
				data[i] = pm->evt[r];
			else if (r < 2)
				pm->evt[r] &= (uint8_t)~data[i];
			else
				pm->evt[r] = data[i];
		}
	}
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

static void acpi__exit(struct vm *vm, void *priv)
{
	struct acpi_pm *pm = priv;

	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

static int acpi__init(struct vm *vm, void **priv)
{
	const uint64_t size = LINUX_MPTABLE - LINUX_ACPI_BASE;
	uint8_t *buf = vm__guest_mem(vm, LINUX_ACPI_BASE, size, true);
	struct acpi_pm *pm;
	int ret;

	if (!buf) {
		log_err("ACPI: no guest RAM at 0x%llx for the tables",
			LINUX_ACPI_BASE);
		return -EINVAL;
	}
	ret = acpi__build_tables(buf, LINUX_ACPI_BASE, size, vm->ncpus,
				 vm_config__has_pci(vm->cfg));
	if (ret < 0) {
		log_err("ACPI tables: %s", strerror(-ret));
		return ret;
	}
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->vm = vm;
	pm->cnt = PM1_SCI_EN;
	pthread_mutex_init(&pm->lock, NULL);
	ret = bus__register(&vm->pio, ACPI_PM1A_EVT, 4, acpi__handle, pm,
			    "acpi-pm1-evt");
	if (!ret)
		ret = bus__register(&vm->pio, ACPI_PM1A_CNT, 2, acpi__handle,
				    pm, "acpi-pm1-cnt");
	if (ret) {
		log_err("ACPI: PM1 ports 0x%x-0x%x: %s", ACPI_PM1A_EVT,
			ACPI_PM1A_CNT + 1, strerror(-ret));
		bus__unregister(&vm->pio, ACPI_PM1A_EVT);
		acpi__exit(vm, pm);
		return ret;
	}
	*priv = pm;
	return 0;
}

const struct device_ops acpi_device = {
	.name = "acpi",
	.init = acpi__init,
	.exit = acpi__exit,
};
