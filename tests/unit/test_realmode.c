// SPDX-License-Identifier: GPL-2.0-only
/* The real-mode loader: its header checks, BIOS tables and setup header. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "zapvm/realmode.h"

#define MIB (1ULL << 20)
#define HDR(field) offsetof(struct boot_params, hdr.field)

/* A 32-bit-only 2.10 bzImage with @sects setup sectors and a 4 KiB kernel. */
static uint8_t *image(unsigned int sects, size_t *size)
{
	size_t setup = (sects + 1) * 512, kernel = 4096;
	uint8_t *p = calloc(1, setup + kernel);

	*size = setup + kernel;
	p[HDR(setup_sects)] = (uint8_t)sects;
	wr(p, HDR(syssize), kernel / 16, 4);
	wr(p, HDR(boot_flag), 0xaa55, 2);
	p[0x201] = 0x62; /* the 2.10 header ends at 0x264 */
	wr(p, HDR(header), 0x53726448, 4);
	wr(p, HDR(version), 0x020a, 2);
	p[HDR(loadflags)] = LOADED_HIGH;
	wr(p, HDR(code32_start), 0x100000, 4);
	wr(p, HDR(initrd_addr_max), 0x37ffffff, 4);
	wr(p, HDR(kernel_alignment), 0x100000, 4);
	p[HDR(relocatable_kernel)] = 1;
	wr(p, HDR(cmdline_size), 2047, 4);
	wr(p, HDR(pref_address), 0x1000000, 8);
	wr(p, HDR(init_size), 0x800000, 4);
	wr(p, HDR(setup_data), 0xdeadbeef000ULL, 8);
	return p;
}

static void test_parse(void)
{
	struct bzimage bz;
	size_t size;
	uint8_t *p = image(4, &size);
	char why[256] = "";

	is_int(bzimage__parse_real(p, size, &bz, why, sizeof(why)), 0,
	       "a 32-bit 2.10 bzImage is fine for real mode");
	is_int(bz.setup_size, 5 * 512, "setup_size");
	is_int(bz.kernel_size, 4096, "kernel_size");
	is_int(bzimage__parse(p, size, &bz, why, sizeof(why)), -ENOEXEC,
	       "but not for the 64-bit path");
	ok(strstr(why, "older than 2.12") != NULL, "which wants 2.12");
	wr(p, HDR(version), 0x020c, 2);
	bzimage__parse(p, size, &bz, why, sizeof(why));
	ok(strstr(why, "XLF_KERNEL_64") && strstr(why, "--boot real-mode"),
	   "nor without XLF_KERNEL_64, and says to try real mode");
	wr(p, HDR(version), 0x0209, 2);
	is_int(bzimage__parse_real(p, size, &bz, why, sizeof(why)), -ENOEXEC,
	       "2.09 is too old for real mode");
	ok(strstr(why, "2.09 is older than 2.10") != NULL, "says so: %s", why);
	free(p);

	p = image(63, &size);
	is_int(bzimage__parse_real(p, size, &bz, why, sizeof(why)), 0,
	       "63 setup sectors: 32 KiB with the boot sector");
	free(p);
	p = image(64, &size);
	is_int(bzimage__parse_real(p, size, &bz, why, sizeof(why)), -ENOEXEC,
	       "64 setup sectors are too many");
	ok(strstr(why,
		  "setup_sects 64 makes the real-mode setup 33280 bytes") !=
		   NULL,
	   "says so: %s", why);
	is_int(bzimage__parse(p, size, &bz, why, sizeof(why)), -ENOEXEC,
	       "(the 64-bit path has its own reasons)");
	free(p);
}

static void test_bios(void)
{
	uint8_t *low = calloc(1, MIB);
	struct bios_header h;
	struct boot_e820_entry e[8];
	size_t len = (size_t)(zapvm_bios_end - zapvm_bios_start);
	int n;

	ok(len > sizeof(h) && len <= LINUX_BIOS_SIZE,
	   "the BIOS fits its 4 KiB (%zu bytes)", len);
	is_int(realmode__bios(low, MIB - 1, 64 * MIB), -EINVAL,
	       "needs all of the first MiB");
	is_int(realmode__bios(low, MIB, 64 * MIB), 0, "64 MiB");
	memcpy(&h, low + LINUX_BIOS_BASE, sizeof(h));
	ok(!memcmp(h.magic, "ZBIO", 4), "the BIOS at LINUX_BIOS_BASE");
	n = bzimage__e820(64 * MIB, e, 8);
	is_int(h.e820_count, n, "its e820 map has %d entries", n);
	ok(!memcmp(h.e820, e, n * sizeof(e[0])), "the zero page's map");
	is_int(h.ext_mem_k, 0xfc00, "AH=0x88: 63 MiB, capped at 0xfc00");
	is_int(h.e801_low_k, 15 * 1024, "AX=0xe801: 15 MiB below 16 MiB");
	is_int(h.e801_high_64k, 48 * 16, "and 48 MiB above, in 64 KiB");
	is_int(rd(low, 0x15 * 4, 2), h.off_int15, "IVT 0x15: offset");
	is_int(rd(low, 0x15 * 4 + 2, 2), 0xff00, "IVT 0x15: segment");
	is_int(rd(low, 0x10 * 4, 2), h.off_int10, "IVT 0x10");
	is_int(rd(low, 0x13 * 4, 2), h.off_int13, "IVT 0x13");
	is_int(rd(low, 0x16 * 4, 2), h.off_int16, "IVT 0x16");
	is_int(rd(low, 0x1a * 4, 2), h.off_int1a, "IVT 0x1a");
	is_int(rd(low, 0x08 * 4, 2), h.off_default, "IVT 0x08: iret");
	is_int(rd(low, 0xff * 4 + 2, 2), 0xff00, "IVT 0xff: segment");
	ok(h.off_default && h.off_default < len && h.off_int15 < len &&
		   h.off_int10 < len && h.off_int1a < len,
	   "handlers inside the BIOS");
	is_int(low[LINUX_BIOS_BASE + h.off_default], 0xcf,
	       "the default handler is iret");
	is_int(rd(low, 0x40e, 2), 0x9fc0, "BDA: EBDA segment");
	is_int(rd(low, 0x413, 2), 639, "BDA: 639 KiB base memory");
	is_int(rd(low, 0x44a, 2), 80, "BDA: 80 columns");
	is_int(low[0x484], 24, "BDA: 25 rows");

	realmode__bios(low, MIB, 20 * MIB);
	memcpy(&h, low + LINUX_BIOS_BASE, sizeof(h));
	is_int(h.ext_mem_k, 19 * 1024, "20 MiB: AH=0x88 says 19 MiB");
	is_int(h.e801_high_64k, 4 * 16, "and e801 4 MiB above 16 MiB");
	realmode__bios(low, MIB, 8192 * MIB);
	memcpy(&h, low + LINUX_BIOS_BASE, sizeof(h));
	is_int(h.e820_count, 5, "8 GiB: five e820 entries");
	is_int(h.e801_high_64k, (3072 - 16) * 16, "e801 counts up to 3 GiB");
	free(low);
}

static void test_setup_header(void)
{
	struct linux_layout l = { .kernel_gpa = 0x1000000,
				  .initrd_gpa = 0x3fff000,
				  .initrd_size = 20 };
	struct bzimage bz;
	size_t size;
	uint8_t *p = image(4, &size), *setup = malloc(5 * 512);
	char why[256];

	bzimage__parse_real(p, size, &bz, why, sizeof(why));
	memcpy(setup, p, bz.setup_size);
	is_int(realmode__setup_header(&bz, &l, 0x20000, setup), 0,
	       "the header is filled");
	is_int(setup[HDR(type_of_loader)], 0xff, "type_of_loader 0xff");
	is_int(setup[HDR(loadflags)], LOADED_HIGH | CAN_USE_HEAP,
	       "CAN_USE_HEAP added");
	is_int(rd(setup, HDR(heap_end_ptr), 2), 0xde00,
	       "heap_end_ptr: 0x200 below %%sp");
	is_int(rd(setup, HDR(vid_mode), 2), 0x0f04, "vid_mode: current mode");
	is_int(rd(setup, HDR(code32_start), 4), 0x1000000,
	       "code32_start: where the kernel is");
	is_int(rd(setup, HDR(cmd_line_ptr), 4), 0x20000, "cmd_line_ptr");
	is_int(rd(setup, HDR(ramdisk_image), 4), 0x3fff000, "ramdisk_image");
	is_int(rd(setup, HDR(ramdisk_size), 4), 20, "ramdisk_size");
	is_int(rd(setup, HDR(setup_data), 8), 0, "setup_data cleared");
	l.initrd_gpa = 0x100000000ULL;
	is_int(realmode__setup_header(&bz, &l, 0x20000, setup), -EINVAL,
	       "an initrd above 4 GiB does not fit the header");
	free(setup);
	free(p);
}

int main(void)
{
	test_parse();
	test_bios();
	test_setup_header();
	return tap_done();
}
