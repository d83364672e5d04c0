// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg: items, the file directory, the port interface and the DMA
 * walker against hostile descriptors, on a fake guest RAM of 64 KiB at
 * GPA 0x10000 with guard bytes on both sides that must never change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/firmware.h"
#include "zapvm/fwcfg.h"

#define RAM_GPA 0x10000ULL
#define RAM_SIZE 0x10000ULL
#define GUARD 4096

static uint8_t mem[GUARD + RAM_SIZE + GUARD];
static uint8_t *ram = mem + GUARD;
static unsigned int ntrans;

static void *fake_mem(void *opaque, uint64_t gpa, uint64_t len)
{
	ntrans++;
	if (!len || gpa < RAM_GPA || gpa - RAM_GPA >= RAM_SIZE ||
	    len > RAM_SIZE - (gpa - RAM_GPA))
		return NULL;
	return ram + (gpa - RAM_GPA);
}

static bool guards_intact(void)
{
	for (unsigned int i = 0; i < GUARD; i++)
		if (mem[i] != 0xa5 || mem[GUARD + RAM_SIZE + i] != 0xa5)
			return false;
	return true;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* A descriptor at @gpa (in the fake RAM). */
static void desc(uint64_t gpa, uint32_t control, uint32_t len, uint64_t addr)
{
	uint8_t *d = ram + (gpa - RAM_GPA);

	put_be32(d, control);
	put_be32(d + 4, len);
	put_be32(d + 8, (uint32_t)(addr >> 32));
	put_be32(d + 12, (uint32_t)addr);
}

static void test_items(struct fwcfg *f)
{
	uint8_t sig[4], dir[4 + 2 * 64];
	unsigned int i;

	fwcfg__select(f, FWCFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		sig[i] = fwcfg__read(f);
	ok(!memcmp(sig, "QEMU", 4), "the signature reads QEMU");
	is_int(fwcfg__read(f), 0, "past an item's end reads 0");
	fwcfg__select(f, 0x3ff);
	is_int(fwcfg__read(f), 0, "an empty key reads 0");
	fwcfg__select(f, FWCFG_FILE_DIR);
	for (i = 0; i < sizeof(dir); i++)
		dir[i] = fwcfg__read(f);
	is_int(get_be32(dir), 2, "the directory counts 2 files");
	ok(!strcmp((char *)dir + 4 + 8, "a/first") &&
		   !strcmp((char *)dir + 4 + 64 + 8, "z/last"),
	   "files are listed in name order");
	is_int(dir[4 + 4] << 8 | dir[4 + 5], FWCFG_FILE_FIRST,
	       "the first file has key 0x20 (big-endian)");
	is_int(get_be32(dir + 4 + 64), 3, "z/last's size is 3 (big-endian)");
	fwcfg__select(f, FWCFG_FILE_FIRST + 1);
	ok(fwcfg__read(f) == 'x' && fwcfg__read(f) == 'y', "z/last reads xy..");
	is_int(fwcfg__add_file(f, "late", "", 0), -EINVAL,
	       "no file after the directory is built");
}

static void test_ports(struct fwcfg *f)
{
	uint8_t b[4] = { FWCFG_ID, 0 }, d[4];

	fwcfg__io(f, FWCFG_PORT_SEL, b, 2, true);
	fwcfg__io(f, FWCFG_PORT_DATA, d, 4, false);
	is_int(d[0], FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA,
	       "the ID says DMA through the data port");
	fwcfg__io(f, FWCFG_PORT_DMA, d, 4, false);
	ok(!memcmp(d, "QEMU", 4), "the DMA port reads QEMU CFG");
}

static void test_dma(struct fwcfg *f)
{
	const uint64_t dg = RAM_GPA + 0x100, buf = RAM_GPA + 0x1000;
	uint8_t port[4];

	desc(dg, FWCFG_DMA_SELECT | FWCFG_DMA_READ | FWCFG_FILE_FIRST << 16, 8,
	     buf);
	memset(ram + 0x1000, 0xee, 16);
	is_int(fwcfg__dma(f, dg), 0, "select+read of a file");
	ok(!memcmp(ram + 0x1000, "abc\0\0\0\0\0", 8) && ram[0x1008] == 0xee,
	   "3 bytes of data, zeros past the item, nothing beyond length");
	is_int(get_be32(ram + 0x100), 0, "control reads 0 when done");

	/* Through the ports: high, then low starts it. */
	desc(dg, FWCFG_DMA_SELECT | FWCFG_DMA_SKIP | FWCFG_SIGNATURE << 16, 2,
	     0);
	put_be32(port, 0);
	fwcfg__io(f, FWCFG_PORT_DMA, port, 4, true);
	put_be32(port, (uint32_t)dg);
	fwcfg__io(f, FWCFG_PORT_DMA + 4, port, 4, true);
	is_int(get_be32(ram + 0x100), 0, "skip through the ports");
	ok(fwcfg__read(f) == 'M', "skip moved the offset by 2");

	desc(dg, FWCFG_DMA_SELECT | FWCFG_DMA_READ, 16, RAM_GPA + RAM_SIZE - 8);
	is_int(fwcfg__dma(f, dg), -EFAULT, "a read past the end of RAM fails");
	is_int(get_be32(ram + 0x100), FWCFG_DMA_ERROR, "with the error bit");

	desc(dg, FWCFG_DMA_READ, 0xffffffff, RAM_GPA);
	is_int(fwcfg__dma(f, dg), -EFAULT, "a 4 GiB read fails");
	is_int(get_be32(ram + 0x100), FWCFG_DMA_ERROR, "error bit set");

	desc(dg, FWCFG_DMA_READ, 16, 0xfffffffffffffff8ULL);
	is_int(fwcfg__dma(f, dg), -EFAULT, "a wrapping address fails");

	desc(dg, FWCFG_DMA_READ, 16, 0);
	is_int(fwcfg__dma(f, dg), -EFAULT, "a read below RAM fails");

	desc(dg, FWCFG_DMA_SELECT | FWCFG_DMA_WRITE | FWCFG_SIGNATURE << 16, 4,
	     buf);
	is_int(fwcfg__dma(f, dg), -EPERM, "writes are refused");
	is_int(get_be32(ram + 0x100), FWCFG_DMA_ERROR, "error bit set");

	/* A descriptor reading over itself: the copy decides, then done. */
	desc(dg, FWCFG_DMA_SELECT | FWCFG_DMA_READ | FWCFG_FILE_DIR << 16, 16,
	     dg);
	is_int(fwcfg__dma(f, dg), 0, "a descriptor that reads over itself");
	is_int(get_be32(ram + 0x100), 0, "ends with control 0");

	/* Unaligned descriptors work as on QEMU; one across RAM's end not. */
	desc(RAM_GPA + 0x203, FWCFG_DMA_SELECT | FWCFG_DMA_READ, 4, buf + 1);
	is_int(fwcfg__dma(f, RAM_GPA + 0x203), 0, "an unaligned descriptor");
	is_int(fwcfg__dma(f, RAM_GPA + RAM_SIZE - 8), -EFAULT,
	       "a descriptor across the end of RAM fails");
	is_int(fwcfg__dma(f, 0xfffffffffffffff8ULL), -EFAULT,
	       "a descriptor at the top of the address space fails");
	ok(guards_intact(), "no byte outside guest RAM was touched");
	is_int((int)f->dma_errors, 7, "7 transfers counted as errors");
}

/* The hand-over mark: once, when the kernel's bytes are all read. */
static void test_kernel_loaded(struct fwcfg *f)
{
	ok(!fwcfg__add(f, FWCFG_KERNEL_DATA, "kern", 4), "kernel data added");
	fwcfg__select(f, FWCFG_KERNEL_DATA);
	ok(!fwcfg__kernel_loaded(f), "selected, nothing read: not yet");
	for (int i = 0; i < 3; i++)
		fwcfg__read(f);
	ok(!fwcfg__kernel_loaded(f), "three of four bytes: not yet");
	fwcfg__read(f);
	ok(fwcfg__kernel_loaded(f), "all four bytes: loaded");
	ok(!fwcfg__kernel_loaded(f), "... said once");
	fwcfg__select(f, FWCFG_KERNEL_DATA);
	fwcfg__read(f);
	fwcfg__read(f);
	fwcfg__read(f);
	fwcfg__read(f);
	ok(!fwcfg__kernel_loaded(f), "... even after a second read");
}

/* bootorder: QEMU's format, byte for byte. */
static void test_bootorder(void)
{
	static const char both[] = "/rom@genroms/linuxboot_dma.bin\n"
				   "/pci@i0cf8/scsi@1/disk@0,0\n"
				   "/pci@i0cf8/scsi@1a/disk@0,0";
	static const char disk[] = "/pci@i0cf8/scsi@3/disk@0,0";
	const unsigned int slots[] = { 1, 0x1a };
	const unsigned int three = 3;
	char buf[128];

	memset(buf, 'x', sizeof(buf));
	is_int(fwcfg__bootorder(buf, sizeof(buf), true, slots, 2),
	       (int)sizeof(both), "bootorder: ROM and two disks, with the NUL");
	ok(!memcmp(buf, both, sizeof(both)),
	   "bootorder: one a line, no newline after the last, slot in hex");
	is_int(fwcfg__bootorder(buf, sizeof(buf), false, &three, 1),
	       (int)sizeof(disk), "bootorder: a disk alone");
	ok(!strcmp(buf, disk), "bootorder: the disk's QEMU path");
	is_int(fwcfg__bootorder(buf, sizeof(buf), false, NULL, 0), 0,
	       "bootorder: nothing to boot, no file");
	is_int(fwcfg__bootorder(buf, sizeof(both) - 1, true, slots, 2), -ENOSPC,
	       "bootorder: a short buffer is refused");
	is_int(fwcfg__bootorder(buf, 10, true, slots, 2), -ENOSPC,
	       "bootorder: a buffer short of the ROM is refused");
}

int main(void)
{
	struct fwcfg f;

	memset(mem, 0xa5, sizeof(mem));
	memset(ram, 0, RAM_SIZE);
	fwcfg__init(&f, fake_mem, NULL);
	ok(!fwcfg__add(&f, FWCFG_SIGNATURE, "QEMU", 4) &&
		   !fwcfg__add_u32(&f, FWCFG_ID,
				   FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA),
	   "items added");
	is_int(fwcfg__add(&f, FWCFG_FILE_DIR, "x", 1), -EINVAL,
	       "FILE_DIR is the store's own");
	is_int(fwcfg__add(&f, FWCFG_FILE_FIRST, "x", 1), -EINVAL,
	       "file keys are the store's own");
	ok(!fwcfg__add_file(&f, "z/last", "xyz", 3) &&
		   !fwcfg__add_file(&f, "a/first", "abc", 3),
	   "files added");
	is_int(fwcfg__add_file(&f, "a/first", "", 0), -EINVAL,
	       "a duplicate name is refused");
	is_int(fwcfg__add_file(&f,
			       "0123456789012345678901234567890123456789"
			       "0123456789012345",
			       "", 0),
	       -EINVAL, "a 56-byte name is refused");
	is_int(fwcfg__finish(&f), 0, "the directory is built");
	test_items(&f);
	test_ports(&f);
	test_dma(&f);
	test_kernel_loaded(&f);
	test_bootorder();
	fwcfg__exit(&f);
	return tap_done();
}
