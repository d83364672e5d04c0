// SPDX-License-Identifier: GPL-2.0-only
/* The bzImage loader against crafted headers: no KVM needed. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "zapvm/bzimage.h"

#define MIB (1ULL << 20)
#define HDR(field) offsetof(struct boot_params, hdr.field)

/* A well-formed 2.15 bzImage: 1 setup sector, @kernel bytes of kernel. */
static uint8_t *image(size_t kernel, size_t *size)
{
	size_t setup = 2 * 512;
	uint8_t *p = calloc(1, setup + kernel);

	*size = setup + kernel;
	p[HDR(setup_sects)] = 1;
	wr(p, HDR(syssize), kernel / 16, 4);
	wr(p, HDR(boot_flag), 0xaa55, 2);
	p[0x201] = 0x6a; /* header ends at 0x26c */
	wr(p, HDR(header), 0x53726448, 4);
	wr(p, HDR(version), 0x020f, 2);
	p[HDR(loadflags)] = LOADED_HIGH;
	wr(p, HDR(code32_start), 0x100000, 4);
	wr(p, HDR(initrd_addr_max), 0x7fffffff, 4);
	wr(p, HDR(kernel_alignment), 0x200000, 4);
	p[HDR(relocatable_kernel)] = 1;
	p[HDR(min_alignment)] = 21;
	wr(p, HDR(xloadflags), XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, 2);
	wr(p, HDR(cmdline_size), 2047, 4);
	wr(p, HDR(payload_offset), 0x100, 4);
	wr(p, HDR(payload_length), kernel - 0x200, 4);
	wr(p, HDR(pref_address), 0x1000000, 8);
	wr(p, HDR(init_size), 0x2000000, 4);
	/* Something the loader must not pass on. */
	wr(p, HDR(setup_data), 0xdeadbeef000ULL, 8);
	for (size_t i = 0; i < kernel; i++)
		p[setup + i] = (uint8_t)(i * 7);
	return p;
}

/* Parse must fail with -ENOEXEC and a reason containing @needle. */
static void bad(const uint8_t *p, size_t size, const char *needle,
		const char *desc)
{
	struct bzimage bz;
	char why[256] = "";
	int ret = bzimage__parse(p, size, &bz, why, sizeof(why));

	is_int(ret, -ENOEXEC, "%s: rejected", desc);
	if (!ok(strstr(why, needle) != NULL, "%s: says '%s'", desc, needle))
		printf("#   why: %s\n", why);
}

static void test_parse(void)
{
	struct bzimage bz;
	size_t size;
	uint8_t *p = image(64 * 1024, &size), *q;
	char why[256];

	is_int(bzimage__parse(p, size, &bz, why, sizeof(why)), 0,
	       "a well-formed 2.15 image parses");
	is_int(bz.version, 0x020f, "version");
	is_int(bz.setup_size, 1024, "setup_size = (setup_sects + 1) * 512");
	ok(bz.kernel == p + 1024, "kernel starts after the setup sectors");
	is_int(bz.kernel_size, 64 * 1024, "kernel_size");
	ok(bz.hdr == p + 0x1f1, "setup header at 0x1f1");
	is_int(bz.hdr_len, 0x26c - 0x1f1, "header length from the jump byte");
	ok(bz.relocatable, "relocatable");
	is_int(bz.kernel_alignment, 0x200000, "kernel_alignment");
	is_int(bz.pref_address, 0x1000000, "pref_address");
	is_int(bz.init_size, 0x2000000, "init_size");
	is_int(bz.cmdline_size, 2047, "cmdline_size");
	is_int(bz.initrd_addr_max, 0x7fffffff, "initrd_addr_max");

	/* A longer jump byte than we know: only the known header is copied. */
	q = malloc(size);
	memcpy(q, p, size);
	q[0x201] = 0x7f;
	is_int(bzimage__parse(q, size, &bz, why, sizeof(why)), 0,
	       "a longer header parses");
	is_int(bz.hdr_len, 0x26c - 0x1f1, "and is clamped to what we know");

	/* setup_sects 0 means 4. */
	memcpy(q, p, size);
	q[HDR(setup_sects)] = 0;
	wr(q, HDR(syssize), (size - 5 * 512) / 16, 4);
	wr(q, HDR(payload_length), 0, 4);
	is_int(bzimage__parse(q, size, &bz, why, sizeof(why)), 0,
	       "setup_sects 0 parses");
	is_int(bz.setup_size, 5 * 512, "setup_sects 0 counts as 4");
	is_int(bz.kernel_size, size - 5 * 512, "and the kernel shrinks");

	/* Each check, one at a time. */
	bad(p, 100, "truncated", "100-byte file");
	bad(p, 0, "truncated", "empty buffer");
	bad(p, 0x230, "truncated", "file ends inside the setup header");

	memcpy(q, p, size);
	q[HDR(header)] = 'X';
	bad(q, size, "HdrS", "no HdrS magic");
	memcpy(q, p, size);
	wr(q, HDR(boot_flag), 0x1234, 2);
	bad(q, size, "0xAA55", "no boot flag");
	memcpy(q, p, size);
	wr(q, HDR(version), 0x020b, 2);
	bad(q, size, "2.11 is older than 2.12", "protocol 2.11");
	memcpy(q, p, size);
	wr(q, HDR(version), 0x0200, 2);
	bad(q, size, "older than 2.12", "protocol 2.00");
	memcpy(q, p, size);
	q[0x201] = 0x40;
	bad(q, size, "setup header ends at 0x242", "a header too short");
	memcpy(q, p, size);
	wr(q, HDR(xloadflags), XLF_CAN_BE_LOADED_ABOVE_4G, 2);
	bad(q, size, "XLF_KERNEL_64", "no 64-bit entry");
	memcpy(q, p, size);
	q[HDR(loadflags)] = 0;
	bad(q, size, "zImage", "not loaded high");
	memcpy(q, p, size);
	q[HDR(setup_sects)] = 200;
	bad(q, size, "setup_sects 200", "setup_sects beyond the file");
	memcpy(q, p, size);
	wr(q, HDR(syssize), (64 * 1024 + 16) / 16, 4);
	bad(q, size, "truncated: syssize", "syssize beyond the file");
	bad(p, size - 4096, "truncated: syssize", "a truncated kernel");
	memcpy(q, p, size);
	wr(q, HDR(payload_offset), 0xffffffff, 4);
	bad(q, size, "payload_offset", "payload_offset beyond the kernel");
	memcpy(q, p, size);
	wr(q, HDR(payload_length), 64 * 1024, 4);
	bad(q, size, "payload_length", "payload_length beyond the kernel");
	memcpy(q, p, size);
	wr(q, HDR(kernel_alignment), 0x3000, 4);
	bad(q, size, "kernel_alignment", "alignment not a power of two");
	memcpy(q, p, size);
	wr(q, HDR(kernel_alignment), 0, 4);
	bad(q, size, "kernel_alignment", "alignment 0");
	memcpy(q, p, size);
	q[HDR(relocatable_kernel)] = 0;
	wr(q, HDR(kernel_alignment), 0, 4);
	is_int(bzimage__parse(q, size, &bz, why, sizeof(why)), 0,
	       "alignment 0 is fine for a fixed kernel");
	free(q);
	free(p);

	p = image(0x200, &size);
	wr(p, HDR(payload_length), 0, 4);
	bad(p, size, "64-bit entry point", "a kernel of 0x200 bytes");
	free(p);
}

static void test_place(void)
{
	struct linux_layout l;
	struct bzimage bz;
	size_t size;
	uint8_t *p = image(64 * 1024, &size);
	char why[256] = "";
	int ret;

	bzimage__parse(p, size, &bz, why, sizeof(why));
	is_int(bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why)), 0,
	       "place in 256 MiB");
	is_int(l.kernel_gpa, 0x1000000, "kernel at pref_address");
	is_int(l.kernel_end, 0x3000000, "kernel_end = + init_size");
	is_int(l.entry, 0x1000200, "entry is startup_64");
	is_int(l.initrd_gpa, 0, "no initrd");

	bz.pref_address = 0x1100000;
	bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why));
	is_int(l.kernel_gpa, 0x1200000,
	       "relocatable: pref_address aligned up to kernel_alignment");
	bz.relocatable = false;
	bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why));
	is_int(l.kernel_gpa, 0x1100000, "fixed: exactly pref_address");
	bz.pref_address = 0x80000;
	is_int(bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why)),
	       -ENOEXEC, "fixed kernel below 1 MiB: rejected");
	ok(strstr(why, "below 1 MiB") != NULL, "says below 1 MiB");
	bz.relocatable = true;
	bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why));
	is_int(l.kernel_gpa, 0x200000,
	       "relocatable below 1 MiB: moved up to 1 MiB, aligned");
	bz.pref_address = 0;
	bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why));
	is_int(l.kernel_gpa, 0x200000, "pref_address 0: from 1 MiB, aligned");
	bz.pref_address = 0xffffffffffff0000ULL;
	is_int(bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why)),
	       -EFBIG, "pref_address near 2^64: no overflow, does not fit");
	bz.pref_address = 0x1000000;

	is_int(bzimage__place(&bz, 40 * MIB, 0, 10, &l, why, sizeof(why)),
	       -EFBIG, "init_size beyond RAM: does not fit");
	ok(strstr(why, "raise --mem") != NULL, "says raise --mem");
	is_int(bzimage__place(&bz, 48 * MIB, 0, 10, &l, why, sizeof(why)), 0,
	       "exactly enough RAM for init_size");
	bz.init_size = 0x1000;
	bzimage__place(&bz, 256 * MIB, 0, 10, &l, why, sizeof(why));
	is_int(l.kernel_end, 0x1000000 + 64 * 1024,
	       "init_size smaller than the file: the file counts");
	bz.init_size = 0x2000000;

	is_int(bzimage__place(&bz, 256 * MIB, 10000, 10, &l, why, sizeof(why)),
	       0, "an initrd");
	is_int(l.initrd_gpa, (256 * MIB - 10000) & ~0xfffULL,
	       "initrd page aligned at the top of RAM");
	is_int(l.initrd_size, 10000, "initrd size");
	bz.initrd_addr_max = 0x0fffffff;
	bzimage__place(&bz, 1024 * MIB, 10000, 10, &l, why, sizeof(why));
	is_int(l.initrd_gpa, (256 * MIB - 10000) & ~0xfffULL,
	       "initrd below initrd_addr_max");
	ok(l.initrd_gpa + l.initrd_size - 1 <= 0x0fffffff,
	   "initrd's last byte <= initrd_addr_max");
	bz.initrd_addr_max = 0x7fffffff;
	ret = bzimage__place(&bz, 256 * MIB, 250 * MIB, 10, &l, why,
			     sizeof(why));
	is_int(ret, -EFBIG, "an initrd that would overlap the kernel");
	ok(strstr(why, "initrd does not fit") != NULL, "says the initrd");
	is_int(bzimage__place(&bz, 256 * MIB, 300 * MIB, 10, &l, why,
			      sizeof(why)),
	       -EFBIG, "an initrd larger than RAM");
	is_int(bzimage__place(&bz, 256 * MIB, 256 * MIB - 0x3000000, 10, &l,
			      why, sizeof(why)),
	       0, "an initrd that just fits above the kernel");
	is_int(l.initrd_gpa, 0x3000000, "right at kernel_end");

	is_int(bzimage__place(&bz, 256 * MIB, 0, 2047, &l, why, sizeof(why)), 0,
	       "a command line of cmdline_size bytes");
	is_int(bzimage__place(&bz, 256 * MIB, 0, 2048, &l, why, sizeof(why)),
	       -EINVAL, "one byte more: rejected");
	ok(strstr(why, "cmdline_size (2047)") != NULL, "says cmdline_size");
	bz.cmdline_size = 0xffffffff;
	is_int(bzimage__place(&bz, 256 * MIB, 0, LINUX_CMDLINE_MAX, &l, why,
			      sizeof(why)),
	       -EINVAL, "a command line longer than zapvm's buffer");
	free(p);
}

static void test_e820(void)
{
	struct boot_e820_entry e[8];
	int n = bzimage__e820(256 * MIB, e, 8);

	is_int(n, 4, "256 MiB: four entries");
	ok(e[0].addr == 0 && e[0].size == LINUX_EBDA && e[0].type == E820_RAM,
	   "RAM below the EBDA");
	ok(e[1].addr == LINUX_EBDA && e[1].type == E820_RESERVED,
	   "EBDA reserved");
	ok(e[2].addr == LINUX_ACPI_BASE &&
		   e[2].addr + e[2].size == LINUX_HIMEM &&
		   e[2].type == E820_RESERVED,
	   "ACPI tables reserved up to 1 MiB");
	ok(e[3].addr == LINUX_HIMEM && e[3].addr + e[3].size == 256 * MIB &&
		   e[3].type == E820_RAM,
	   "RAM from 1 MiB to the end");
	n = bzimage__e820(4096 * MIB, e, 8);
	is_int(n, 5, "4 GiB: five entries");
	ok(e[3].addr + e[3].size == LINUX_LOW_RAM_MAX, "low RAM ends at 3 GiB");
	ok(e[4].addr == LINUX_HIGH_RAM && e[4].size == 1024 * MIB,
	   "the rest from 4 GiB");
	is_int(bzimage__e820(4096 * MIB, e, 3), -ENOSPC, "no room: -ENOSPC");
	for (uint64_t mem = 4 * MIB; mem <= 8192 * MIB; mem *= 2) {
		int k = bzimage__e820(mem, e, 8);
		uint64_t total = 0;
		bool sorted = k > 0;

		for (int i = 0; i < k; i++) {
			if (e[i].type == E820_RAM)
				total += e[i].size;
			if (i && e[i].addr < e[i - 1].addr + e[i - 1].size)
				sorted = false;
		}
		ok(sorted && total == mem - (0xa0000 - LINUX_EBDA) -
					      (LINUX_HIMEM - 0xa0000),
		   "%llu MiB: sorted, disjoint, all RAM but the low holes",
		   (unsigned long long)(mem >> 20));
	}
}

static void test_zero_page(void)
{
	struct boot_params *bp = malloc(sizeof(*bp));
	struct linux_layout l;
	struct bzimage bz;
	size_t size;
	uint8_t *p = image(64 * 1024, &size);
	char why[256];

	bzimage__parse(p, size, &bz, why, sizeof(why));
	bzimage__place(&bz, 256 * MIB, 5000, 10, &l, why, sizeof(why));
	memset(bp, 0xaa, sizeof(*bp));
	is_int(bzimage__zero_page(&bz, &l, 256 * MIB, LINUX_CMDLINE,
				  LINUX_ACPI_BASE, bp),
	       0, "zero page");
	is_int(bp->hdr.header, 0x53726448, "setup header copied");
	is_int(bp->hdr.version, 0x020f, "version copied");
	is_int(bp->hdr.boot_flag, 0xaa55, "boot flag copied");
	is_int(bp->hdr.type_of_loader, 0xff, "type_of_loader undefined");
	is_int(bp->hdr.cmd_line_ptr, LINUX_CMDLINE, "cmd_line_ptr");
	is_int(bp->ext_cmd_line_ptr, 0, "ext_cmd_line_ptr");
	is_int(bp->hdr.ramdisk_image, l.initrd_gpa, "ramdisk_image");
	is_int(bp->hdr.ramdisk_size, 5000, "ramdisk_size");
	is_int(bp->hdr.code32_start, 0x1000000, "code32_start = load address");
	is_int(bp->hdr.setup_data, 0, "setup_data from the file dropped");
	is_int(bp->acpi_rsdp_addr, LINUX_ACPI_BASE, "acpi_rsdp_addr");
	is_int(bp->sentinel, 0, "sentinel zero");
	is_int(bp->e820_entries, 4, "e820 entries");
	is_int(bp->e820_table[3].addr, LINUX_HIMEM, "e820 table filled");
	is_int(bp->screen_info.orig_video_isVGA, 0, "no video");
	free(p);
	free(bp);
}

int main(void)
{
	test_parse();
	test_place();
	test_e820();
	test_zero_page();
	return tap_done();
}
