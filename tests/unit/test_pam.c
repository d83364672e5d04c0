// SPDX-License-Identifier: GPL-2.0-only
/*
 * The i440FX PAM decoder and the slot layouts of 0xC0000 to the end of low
 * RAM, golden, in both --slot-layout modes; the CMOS bytes of a firmware
 * VM; the BIOS image size rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "zapvm/firmware.h"
#include "zapvm/pam.h"

#define LOW 0x10000000ULL /* 256 MiB */
#define BIOS 0x40000ULL /* bios-256k.bin */

struct gold {
	uint64_t gpa, size;
	enum pam_backing back;
	uint64_t off;
	bool ro;
};

static void check(const char *what, const uint8_t regs[PAM_NREGS],
		  enum slot_layout l, const struct gold *g, unsigned int n)
{
	struct pam_slot s[PAM_MAX_SLOTS];
	unsigned int got = pam__layout(regs, LOW, BIOS, l, s);
	bool same = got == n;

	for (unsigned int i = 0; same && i < n; i++)
		same = s[i].gpa == g[i].gpa && s[i].size == g[i].size &&
		       s[i].back == g[i].back && s[i].off == g[i].off &&
		       s[i].ro == g[i].ro;
	ok(same, "%s, %s layout: %u slots as golden", what,
	   slot_layout__name(l), n);
	if (!same)
		for (unsigned int i = 0; i < got; i++)
			printf("#   got [0x%llx, +0x%llx) back %d off 0x%llx ro %d\n",
			       (unsigned long long)s[i].gpa,
			       (unsigned long long)s[i].size, s[i].back,
			       (unsigned long long)s[i].off, s[i].ro);
}

static void test_decoder(void)
{
	uint8_t regs[PAM_NREGS] = { 0x10, 0x32, 0, 0, 0, 0, 0x01 };

	is_int(pam__mode(regs, 0), PAM_RO, "segment 0 (0xF0000) is 0x59[5:4]");
	is_int(pam__mode(regs, 1), PAM_WO, "segment 1 (0xC0000) is 0x5a[1:0]");
	is_int(pam__mode(regs, 2), PAM_RW, "segment 2 (0xC4000) is 0x5a[5:4]");
	is_int(pam__mode(regs, 11), PAM_RO,
	       "segment 11 (0xE8000) is 0x5f[1:0]");
	is_int(pam__mode(regs, 12), PAM_PCI,
	       "segment 12 (0xEC000) is 0x5f[5:4]");
	ok(pam__seg_base(0) == 0xf0000 && pam__seg_size(0) == 0x10000,
	   "segment 0 is 64 KiB at 0xF0000");
	ok(pam__seg_base(12) == 0xec000 && pam__seg_size(12) == 0x4000,
	   "segment 12 is 16 KiB at 0xEC000");
}

static void test_layouts(void)
{
	const uint8_t reset[PAM_NREGS] = { 0 };
	const uint8_t rw[PAM_NREGS] = {
		0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33
	};
	/* SeaBIOS's first dword write: 0x59-0x5b unlocked, the rest not. */
	const uint8_t half[PAM_NREGS] = { 0x30, 0x33, 0x33, 0, 0, 0, 0 };
	/* Locked after POST: ROMs read-only, the rest RAM. */
	const uint8_t locked[PAM_NREGS] = { 0x10, 0x11, 0x33, 0x33,
					    0x33, 0x33, 0x33 };
	const struct gold g_reset[] = {
		{ 0xc0000, 0x20000, PAM_BACK_PCROM, 0, true },
		{ 0xe0000, 0x20000, PAM_BACK_BIOS, BIOS - 0x20000, true },
		{ 0x100000, LOW - 0x100000, PAM_BACK_RAM, 0x100000, false },
	};
	const struct gold g_rw_qemu[] = {
		{ 0xc0000, LOW - 0xc0000, PAM_BACK_RAM, 0xc0000, false },
	};
	const struct gold g_rw_split[] = {
		{ 0xc0000, 0x40000, PAM_BACK_RAM, 0xc0000, false },
		{ 0x100000, LOW - 0x100000, PAM_BACK_RAM, 0x100000, false },
	};
	const struct gold g_half_qemu[] = {
		{ 0xc0000, 0x10000, PAM_BACK_RAM, 0xc0000, false },
		{ 0xd0000, 0x10000, PAM_BACK_PCROM, 0x10000, true },
		{ 0xe0000, 0x10000, PAM_BACK_BIOS, BIOS - 0x20000, true },
		{ 0xf0000, LOW - 0xf0000, PAM_BACK_RAM, 0xf0000, false },
	};
	const struct gold g_half_split[] = {
		{ 0xc0000, 0x10000, PAM_BACK_RAM, 0xc0000, false },
		{ 0xd0000, 0x10000, PAM_BACK_PCROM, 0x10000, true },
		{ 0xe0000, 0x10000, PAM_BACK_BIOS, BIOS - 0x20000, true },
		{ 0xf0000, 0x10000, PAM_BACK_RAM, 0xf0000, false },
		{ 0x100000, LOW - 0x100000, PAM_BACK_RAM, 0x100000, false },
	};
	const struct gold g_locked_qemu[] = {
		{ 0xc0000, 0x8000, PAM_BACK_RAM, 0xc0000, true },
		{ 0xc8000, 0x28000, PAM_BACK_RAM, 0xc8000, false },
		{ 0xf0000, 0x10000, PAM_BACK_RAM, 0xf0000, true },
		{ 0x100000, LOW - 0x100000, PAM_BACK_RAM, 0x100000, false },
	};

	check("reset", reset, SLOT_LAYOUT_QEMU, g_reset, 3);
	check("reset", reset, SLOT_LAYOUT_SPLIT, g_reset, 3);
	check("all RAM", rw, SLOT_LAYOUT_QEMU, g_rw_qemu, 1);
	check("all RAM", rw, SLOT_LAYOUT_SPLIT, g_rw_split, 2);
	check("half unlocked", half, SLOT_LAYOUT_QEMU, g_half_qemu, 4);
	check("half unlocked", half, SLOT_LAYOUT_SPLIT, g_half_split, 5);
	check("locked", locked, SLOT_LAYOUT_QEMU, g_locked_qemu, 4);
	check("locked", locked, SLOT_LAYOUT_SPLIT, g_locked_qemu, 4);
}

/* Every one of the 4^13 states would be slow; every mode per segment. */
static void test_all_modes(void)
{
	bool good = true;

	for (unsigned int seg = 0; seg < PAM_NSEGS; seg++) {
		for (unsigned int mode = 0; mode < 4; mode++) {
			uint8_t regs[PAM_NREGS];
			struct pam_slot s[PAM_MAX_SLOTS];
			unsigned int n, reg = (seg + 1) / 2;
			uint64_t at = PAM_AREA_START;

			memset(regs, 0x33, sizeof(regs));
			regs[0] = 0x30;
			regs[reg] &= seg & 1 ? 0xfc : 0xcf;
			regs[reg] |= (uint8_t)(mode << (seg & 1 ? 0 : 4));
			n = pam__layout(regs, LOW, BIOS, SLOT_LAYOUT_SPLIT, s);
			/* The slots tile [0xC0000, LOW) without gaps. */
			for (unsigned int i = 0; i < n; i++) {
				good &= s[i].gpa == at && s[i].size &&
					!(s[i].size & 0x3fff);
				at += s[i].size;
			}
			good &= at == LOW && n <= PAM_MAX_SLOTS;
			good &= pam__mode(regs, seg) == (enum pam_mode)mode;
		}
	}
	ok(good, "every mode of every segment tiles 0xC0000-LOW");
}

static void test_cmos_and_image(void)
{
	uint8_t ram[128] = { 0 };

	firmware__cmos(ram, 0xc0000000ULL, 1ULL << 30, 4);
	is_int(ram[0x34] | ram[0x35] << 8, 0xbf00,
	       "0x34/0x35: RAM above 16 MiB in 64 KiB units");
	is_int(ram[0x5b] | ram[0x5c] << 8 | ram[0x5d] << 16, 0x4000,
	       "0x5b-0x5d: RAM above 4 GiB in 64 KiB units");
	is_int(ram[0x5f], 3, "0x5f: CPUs - 1");
	is_int(ram[0x17] | ram[0x18] << 8, 0xffff, "0x17/0x18: capped KiB");
	is_int(ram[0x15] | ram[0x16] << 8, 640, "0x15/0x16: 640 KiB base");
	is_int(ram[0x3d], 0x12, "0x3d: boot disk, then floppy");
	is_int(firmware__check_image(0), -EINVAL, "an empty image is refused");
	is_int(firmware__check_image(0x10001), -EINVAL,
	       "an image not a multiple of 64 KiB is refused");
	is_int(firmware__check_image((16 << 20) + 0x10000), -EFBIG,
	       "an image over 16 MiB is refused");
	is_int(firmware__check_image(16 << 20), 0, "16 MiB is taken");
	is_int(firmware__check_image(0x10000), 0, "64 KiB is taken");
}

int main(void)
{
	enum slot_layout l;

	test_decoder();
	test_layouts();
	test_all_modes();
	test_cmos_and_image();
	ok(!slot_layout__parse("split", &l) && l == SLOT_LAYOUT_SPLIT,
	   "--slot-layout split parses");
	is_int(slot_layout__parse("QEMU", &l), -EINVAL,
	       "--slot-layout names are lower case");
	return tap_done();
}
