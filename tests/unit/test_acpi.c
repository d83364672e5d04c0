// SPDX-License-Identifier: GPL-2.0-only
/* The ACPI tables of a Linux guest, checked the way ACPICA reads them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/devices.h"
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

static void check(unsigned int ncpus)
{
	uint8_t *buf = calloc(1, SIZE);
	const uint8_t *xsdt, *fadt, *madt, *dsdt, *facs;
	unsigned int lapics = 0, ioapics = 0;
	int used = acpi__build_tables(buf, BASE, SIZE, ncpus);
	uint32_t len;

	ok(used > 0 && used < SIZE, "%u vCPUs: tables built (%d bytes)", ncpus,
	   used);
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

	check(1);
	check(4);
	check(254);
	is_int(acpi__build_tables(small, BASE, sizeof(small), 1), -ENOSPC,
	       "a buffer too small: -ENOSPC");
	is_int(acpi__build_tables(small, BASE, sizeof(small), 0), -EINVAL,
	       "no vCPUs: -EINVAL");
	return tap_done();
}
