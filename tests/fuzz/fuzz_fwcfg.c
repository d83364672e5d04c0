// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the fw_cfg DMA walker: the input is an 8-byte
 * descriptor address (any 64-bit value, though mostly in RAM) and a 64 KiB
 * guest RAM image at GPA 0x10000, zero-padded, with guard pages on both
 * sides. Two transfers run (a descriptor may select, skip and read over
 * itself); every write must stay inside RAM (ASan, and the guards), and the
 * control word is 0 or the error bit afterwards.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "zapvm/fwcfg.h"
#include "zapvm/vmcore.h"

#define RAM_GPA 0x10000ULL
#define RAM_SIZE 0x10000ULL
#define GUARD 4096

static uint8_t *mem;

/*
 * fwcfg.c's port handler marks the kernel's entry as a phase of its VM; the
 * walker under test is called directly and never reaches it.
 */
int vm__mark_phase(struct vm *vm, const char *name)
{
	(void)vm;
	(void)name;
	abort();
}

static void *fake_mem(void *opaque, uint64_t gpa, uint64_t len)
{
	if (!len || gpa < RAM_GPA || gpa - RAM_GPA >= RAM_SIZE ||
	    len > RAM_SIZE - (gpa - RAM_GPA))
		return NULL;
	return mem + GUARD + (gpa - RAM_GPA);
}

static struct fwcfg *store(void)
{
	static struct fwcfg f;
	static bool ready;
	static uint8_t big[70000];

	if (ready)
		return &f;
	fwcfg__init(&f, fake_mem, NULL);
	fwcfg__add(&f, FWCFG_SIGNATURE, "QEMU", 4);
	fwcfg__add_u32(&f, FWCFG_ID, FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA);
	memset(big, 0x5a, sizeof(big));
	fwcfg__add(&f, FWCFG_KERNEL_DATA, big, sizeof(big));
	fwcfg__add_file(&f, "etc/e820", big, 40);
	fwcfg__add_file(&f, "bootorder", "/rom@x\n", 7);
	fwcfg__finish(&f);
	ready = true;
	return &f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwcfg *f = store();
	uint64_t gpa = 0;
	uint8_t *ram;

	if (!mem)
		mem = malloc(GUARD + RAM_SIZE + GUARD);
	ram = mem + GUARD;
	memset(mem, 0xa5, GUARD + RAM_SIZE + GUARD);
	memset(ram, 0, RAM_SIZE);
	for (size_t i = 0; i < 8 && i < size; i++)
		gpa |= (uint64_t)data[i] << (8 * i);
	/* Mostly inside RAM: the high bit of the first byte says "raw". */
	if (!(gpa & 0x80))
		gpa = RAM_GPA + (gpa >> 8) % RAM_SIZE;
	if (size > 8)
		memcpy(ram, data + 8,
		       size - 8 < RAM_SIZE ? size - 8 : RAM_SIZE);
	for (int round = 0; round < 2; round++) {
		int ret = fwcfg__dma(f, gpa);
		uint8_t *d = fake_mem(NULL, gpa, FWCFG_DMA_DESC_SIZE);

		if (d)
			check(d[0] == 0 && d[1] == 0 && d[2] == 0 &&
			      d[3] == (ret ? FWCFG_DMA_ERROR : 0));
	}
	for (size_t i = 0; i < GUARD; i++)
		check(mem[i] == 0xa5 && mem[GUARD + RAM_SIZE + i] == 0xa5);
	return 0;
}
