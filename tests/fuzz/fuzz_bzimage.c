// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the bzImage loader: header parsing, placement of
 * kernel, initrd and command line, and the zero page. The first 8 input
 * bytes choose the RAM size, initrd size and command line length; bits 0-2
 * of the first one also plant a valid magic, boot flag and version, sane
 * header fields, and a zero syssize, and bit 3 makes the rest of the input
 * the setup header onwards, so the fuzzer spends its time past the first
 * checks. The same image then goes through the real-mode path (its header
 * checks, the setup header it fills, the BIOS tables). Every accepted
 * layout must keep its promises; a broken one aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/realmode.h"

/* The real-mode path on the same image. */
static void real_mode(const uint8_t *img, size_t len, uint64_t low_end,
		      uint64_t initrd, size_t cmdline)
{
	static uint8_t low[LINUX_HIMEM];
	static uint8_t setup[LINUX_REAL_SETUP_MAX];
	struct linux_layout l;
	struct bzimage bz;
	char why[256];
	int ret = bzimage__parse_real(img, len, &bz, why, sizeof(why));

	if (ret) {
		check(ret == -ENOEXEC && why[0]);
		return;
	}
	check(bz.version >= LINUX_REAL_MIN_VERSION);
	check(bz.setup_size >= 1024 && bz.setup_size <= LINUX_REAL_SETUP_MAX);
	check(bz.kernel == img + bz.setup_size);
	check(bz.kernel + bz.kernel_size == img + len);
	ret = bzimage__place(&bz, low_end, initrd, cmdline, &l, why,
			     sizeof(why));
	if (ret) {
		check((ret == -EFBIG || ret == -EINVAL || ret == -ENOEXEC) &&
		      why[0]);
		return;
	}
	memcpy(setup, img, bz.setup_size);
	check(!realmode__setup_header(&bz, &l, LINUX_CMDLINE, setup));
	check(setup[0x210] == 0xff && (setup[0x211] & CAN_USE_HEAP));
	check(!memcmp(setup + 0x218, &l.initrd_gpa, 4));
	check(!memcmp(setup + 0x214, &l.kernel_gpa, 4));
	check(!realmode__bios(low, sizeof(low), low_end));
	check(!memcmp(low + LINUX_BIOS_BASE, "ZBIO", 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_params bp;
	struct linux_layout l;
	struct bzimage bz;
	uint64_t low_end, initrd;
	size_t cmdline, len;
	uint8_t *img;
	char why[256];
	int ret;

	log_level = LOG_QUIET;
	if (size < 8)
		return 0;
	low_end = fuzz_low_end(data);
	initrd = fuzz_initrd_size(data);
	cmdline = (size_t)(data[6] | data[7] << 8) << (data[0] >> 4);
	len = size - 8;
	if (data[0] & 8) {
		/*
		 * The input is the setup header onwards, followed by a
		 * kernel of data[1] * 64 zero bytes: short inputs reach
		 * every header field.
		 */
		size_t pad = (size_t)data[1] * 64;

		img = calloc(1, 0x1f1 + len + pad);
		if (!img)
			return 0;
		memcpy(img + 0x1f1, data + 8, len);
		len += 0x1f1 + pad;
	} else {
		/* Exactly the image bytes: ASan sees any overread. */
		img = malloc(len ? len : 1);
		if (!img)
			return 0;
		memcpy(img, data + 8, len);
	}
	if ((data[0] & 1) && len >= 0x26c) {
		memcpy(img + 0x202, "HdrS", 4);
		img[0x1fe] = 0x55;
		img[0x1ff] = 0xaa;
		img[0x206] = 0x0f;
		img[0x207] = 0x02;
	}
	if ((data[0] & 2) && len >= 0x26c) {
		img[0x1f1] &= 3; /* few setup sectors */
		img[0x201] = 0x6a; /* the 2.15 header length */
		img[0x211] |= LOADED_HIGH;
		img[0x236] |= XLF_KERNEL_64;
	}
	if ((data[0] & 4) && len >= 0x26c)
		memset(img + 0x1f4, 0, 4); /* syssize 0: never truncated */

	real_mode(img, len, low_end, initrd, cmdline);
	ret = bzimage__parse(img, len, &bz, why, sizeof(why));
	if (ret) {
		check(ret == -ENOEXEC && why[0]);
		goto out;
	}
	check(bz.version >= LINUX_MIN_VERSION);
	check(bz.kernel >= img && bz.kernel_size > LINUX_ENTRY_64);
	check(bz.kernel + bz.kernel_size == img + len);
	check(bz.hdr == img + 0x1f1 && bz.hdr_len <= sizeof(bp.hdr));
	check(bz.xloadflags & XLF_KERNEL_64);

	ret = bzimage__place(&bz, low_end, initrd, cmdline, &l, why,
			     sizeof(why));
	if (ret) {
		check((ret == -EFBIG || ret == -EINVAL || ret == -ENOEXEC) &&
		      why[0]);
		goto out;
	}
	check(cmdline <= bz.cmdline_size && cmdline < LINUX_CMDLINE_MAX);
	check(l.kernel_gpa >= LINUX_HIMEM);
	check(l.kernel_end > l.kernel_gpa && l.kernel_end <= low_end);
	check(l.kernel_end - l.kernel_gpa >= bz.kernel_size);
	check(l.entry == l.kernel_gpa + LINUX_ENTRY_64);
	if (bz.relocatable)
		check(!(l.kernel_gpa & (bz.kernel_alignment - 1)));
	check_initrd(l.initrd_gpa, l.initrd_size, initrd, l.kernel_end,
		     low_end);
	if (initrd)
		check(l.initrd_gpa + initrd - 1 <= bz.initrd_addr_max);
	check(!bzimage__zero_page(&bz, &l, low_end, LINUX_CMDLINE,
				  LINUX_ACPI_BASE, &bp));
	check(bp.hdr.ramdisk_image == (uint32_t)l.initrd_gpa);
	check(!bp.hdr.setup_data && bp.e820_entries >= 3);
out:
	free(img);
	return 0;
}
