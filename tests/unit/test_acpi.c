// SPDX-License-Identifier: GPL-2.0-only
/* The ACPI tables of a Linux guest, checked the way ACPICA reads them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/devices.h"
#include "zapvm/pci.h"
#include "bytes.h"

#define BASE 0xe0000ULL
#define SIZE 0x20000

/* The table at guest address @gpa, or NULL if outside the buffer. */
static const uint8_t *table(const uint8_t *buf, uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	if (gpa < BASE || gpa + 36 > BASE + SIZE)
		return NULL;
	t = buf + (gpa - BASE);
	len = (uint32_t)rd(t, 4, 4);
	if (memcmp(t, sig, 4) || gpa + len > BASE + SIZE)
		return NULL;
	return t;
}

/* The PkgLength at @p: the length it encodes; *@n is its own size. */
static size_t pkglen(const uint8_t *p, unsigned int *n)
{
	unsigned int follow = p[0] >> 6;
	size_t v = follow ? p[0] & 0xf : p[0] & 0x3f;

	for (unsigned int i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	*n = 1 + follow;
	return v;
}

/* An AML integer (Zero, One, Byte/Word/DWordPrefix) at *@p; advances. */
static uint32_t aml_int(const uint8_t **p)
{
	const uint8_t *q = *p;

	switch (q[0]) {
	case 0x00:
	case 0x01:
		*p = q + 1;
		return q[0];
	case 0x0a:
		*p = q + 2;
		return q[1];
	case 0x0b:
		*p = q + 3;
		return (uint32_t)rd(q, 1, 2);
	case 0x0c:
		*p = q + 5;
		return (uint32_t)rd(q, 1, 4);
	default:
		*p = q + 1;
		return 0xdeadbeef;
	}
}

static const uint8_t *find(const uint8_t *p, const uint8_t *end,
			   const char *name)
{
	const uint8_t *r = memmem(p, (size_t)(end - p), name, 4);

	return r ? r + 4 : NULL;
}

/* \_SB.PCI0 after \_S5, walked the way ACPICA would parse it. */
static void check_pci(const uint8_t *d, uint32_t len)
{
	const uint8_t *p = d + 36 + 14, *end = d + len, *q, *dend, *r, *bend;
	unsigned int n, bad = 0, entries = 0, res = 0;
	bool bus = false, mem = false, cf8 = false;
	size_t l;

	if (!ok(len > 36 + 14 + 12 && p[0] == 0x10, "DSDT: a Scope after _S5"))
		return;
	l = pkglen(p + 1, &n);
	is_int(1 + l, end - p, "... that spans the rest of the DSDT");
	ok(!memcmp(p + 1 + n, "\\_SB_", 5), "... of \\_SB");
	q = p + 1 + n + 5;
	ok(q[0] == 0x5b && q[1] == 0x82, "a Device in it");
	l = pkglen(q + 2, &n);
	is_int(2 + l, end - q, "... that spans the scope");
	ok(!memcmp(q + 2 + n, "PCI0", 4), "... named PCI0");
	dend = end;
	r = find(q, dend, "_HID");
	ok(r && r[0] == 0x0c && rd(r, 1, 4) == 0x030ad041,
	   "_HID is EisaId (PNP0A03)");

	r = find(q, dend, "_CRS");
	if (!ok(r && r[0] == 0x11, "_CRS is a Buffer"))
		return;
	l = pkglen(r + 1, &n);
	bend = r + 1 + l;
	r += 1 + n;
	l = aml_int(&r);
	is_int(l, bend - r, "... whose size matches its PkgLength");
	while (r < bend) {
		unsigned int tag = r[0], dl;

		res++;
		if (tag & 0x80) {
			dl = (unsigned int)rd(r, 1, 2);
			if (tag == 0x88 && r[3] == 2 && rd(r, 8, 2) == 0 &&
			    rd(r, 10, 2) == 0xff)
				bus = true;
			if (tag == 0x87 && r[3] == 0 &&
			    rd(r, 10, 4) == PCI_MMIO_WINDOW &&
			    rd(r, 14, 4) == PCI_MMIO_WINDOW_END - 1 &&
			    rd(r, 22, 4) ==
				    PCI_MMIO_WINDOW_END - PCI_MMIO_WINDOW)
				mem = true;
			r += 3 + dl;
		} else {
			if (tag == 0x47 && rd(r, 2, 2) == 0xcf8 && r[7] == 8)
				cf8 = true;
			if (tag == 0x79)
				break;
			r += 1 + (tag & 7);
		}
	}
	ok(r + 2 == bend && r[0] == 0x79, "_CRS ends with an End Tag");
	is_int(res, 6, "... after 5 descriptors");
	ok(bus && mem && cf8, "bus 0-255, the MMIO window, conf1 ports");

	r = find(q, dend, "_PRT");
	if (!ok(r && r[0] == 0x12, "_PRT is a Package"))
		return;
	l = pkglen(r + 1, &n);
	bend = r + 1 + l;
	r += 1 + n;
	is_int(r[0], 31 * 4, "... of INTA#-INTD# of slots 1-31");
	r++;
	while (r < bend && r[0] == 0x12) {
		const uint8_t *e = r, *eend;
		uint32_t addr, pin, src, gsi;

		l = pkglen(e + 1, &n);
		eend = e + 1 + l;
		e += 1 + n;
		if (*e++ != 4)
			bad++;
		addr = aml_int(&e);
		pin = aml_int(&e);
		src = aml_int(&e);
		gsi = aml_int(&e);
		if (e != eend || (addr & 0xffff) != 0xffff || pin > 3 || src ||
		    !(addr >> 16) || (addr >> 16) > 31 ||
		    gsi != (uint32_t)pci__intx_irq(addr >> 16, pin + 1))
			bad++;
		entries++;
		r = eend;
	}
	is_int(entries, 124, "124 _PRT entries");
	ok(r == bend, "... filling the package");
	is_int(bad, 0, "each {slot.FFFF, pin, 0, GSI 10 or 11}");
	is_int(bend - d, len, "_PRT is the DSDT's last object");
}

static void check(unsigned int ncpus, bool pci)
{
	uint8_t *buf = calloc(1, SIZE);
	const uint8_t *xsdt, *fadt, *madt, *dsdt, *facs;
	unsigned int lapics = 0, ioapics = 0;
	int used = acpi__build_tables(buf, BASE, SIZE, ncpus, pci);
	uint32_t len;

	ok(used > 0 && used < SIZE, "%u vCPUs, %s PCI: tables built (%d bytes)",
	   ncpus, pci ? "with" : "without", used);
	ok(!memcmp(buf, "RSD PTR ", 8), "RSDP signature at the base");
	is_int(sum(buf, 20), 0, "RSDP checksum");
	is_int(sum(buf, 36), 0, "RSDP extended checksum");
	is_int(buf[15], 2, "RSDP revision 2");
	xsdt = table(buf, rd(buf, 24, 8), "XSDT");
	ok(xsdt != NULL, "XSDT");
	if (!xsdt)
		goto out;
	len = (uint32_t)rd(xsdt, 4, 4);
	is_int(sum(xsdt, len), 0, "XSDT checksum");
	is_int((len - 36) / 8, 2, "XSDT has two entries");
	fadt = table(buf, rd(xsdt, 36, 8), "FACP");
	madt = table(buf, rd(xsdt, 44, 8), "APIC");
	ok(fadt && madt, "XSDT points to the FADT and the MADT");
	if (!fadt || !madt)
		goto out;
	is_int(sum(fadt, rd(fadt, 4, 4)), 0, "FADT checksum");
	is_int(fadt[8], 3, "FADT revision 3");
	is_int(rd(fadt, 4, 4), 244, "FADT length");
	is_int(rd(fadt, 46, 2), ACPI_SCI_IRQ, "SCI_INT");
	is_int(rd(fadt, 48, 4), 0, "no SMI_CMD: always in ACPI mode");
	is_int(rd(fadt, 56, 4), ACPI_PM1A_EVT, "PM1a_EVT_BLK");
	is_int(rd(fadt, 64, 4), ACPI_PM1A_CNT, "PM1a_CNT_BLK");
	is_int(fadt[88], 4, "PM1_EVT_LEN");
	is_int(fadt[89], 2, "PM1_CNT_LEN");
	is_int(fadt[108], 0x32, "CENTURY names CMOS 0x32");
	is_int(rd(fadt, 109, 2) & 2, 0, "IAPC_BOOT_ARCH: no 8042");
	facs = table(buf, rd(fadt, 36, 4), "FACS");
	ok(facs && (rd(fadt, 36, 4) & 63) == 0, "FACS, 64-byte aligned");
	dsdt = table(buf, rd(fadt, 40, 4), "DSDT");
	ok(dsdt != NULL, "DSDT");
	if (dsdt) {
		static const uint8_t s5[] = { 0x08, '_',	'S',  '5',
					      '_',  0x12,	0x08, 0x04,
					      0x0a, ACPI_S5_TYP };

		len = (uint32_t)rd(dsdt, 4, 4);
		is_int(sum(dsdt, len), 0, "DSDT checksum");
		ok(len >= 36 + sizeof(s5) && !memcmp(dsdt + 36, s5, sizeof(s5)),
		   "DSDT defines \\_S5 as a package of SLP_TYP %d",
		   ACPI_S5_TYP);
		if (pci && ncpus == 1)
			check_pci(dsdt, len);
		if (pci)
			ok(memmem(dsdt, len, "PCI0", 4) != NULL,
			   "with PCI: the DSDT has PCI0");
		else
			ok(len == 36 + 14 && !memmem(dsdt, len, "PCI0", 4) &&
				   !memmem(dsdt, len, "_SB_", 4),
			   "without PCI: \\_S5 only, no \\_SB.PCI0 (%u bytes)",
			   len);
	}
	len = (uint32_t)rd(madt, 4, 4);
	is_int(sum(madt, len), 0, "MADT checksum");
	is_int(rd(madt, 36, 4), 0xfee00000, "local APIC address");
	for (uint32_t off = 44; off + 2 <= len && madt[off + 1];
	     off += madt[off + 1]) {
		if (madt[off] == 0 && madt[off + 3] == lapics &&
		    (rd(madt, off + 4, 4) & 1))
			lapics++;
		if (madt[off] == 1 && rd(madt, off + 4, 4) == 0xfec00000)
			ioapics++;
	}
	is_int(lapics, ncpus, "one enabled local APIC per vCPU, IDs 0..n-1");
	is_int(ioapics, 1, "one IOAPIC at 0xfec00000");
out:
	free(buf);
}

int main(void)
{
	uint8_t small[64];

	check(1, true);
	check(4, true);
	check(254, true);
	check(1, false);
	check(254, false);
	is_int(acpi__build_tables(small, BASE, sizeof(small), 1, true), -ENOSPC,
	       "a buffer too small: -ENOSPC");
	is_int(acpi__build_tables(small, BASE, sizeof(small), 1, false),
	       -ENOSPC, "a buffer too small, without PCI: -ENOSPC");
	is_int(acpi__build_tables(small, BASE, sizeof(small), 0, true), -EINVAL,
	       "no vCPUs: -EINVAL");
	return tap_done();
}
