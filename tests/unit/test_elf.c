// SPDX-License-Identifier: GPL-2.0-only
/* The ELF loader against good and hostile images built in memory. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/log.h"
#include "zapvm/loader.h"

#define RAM_SIZE (4u << 20)
#define MIN_GPA 0x100000u
#define DATA_OFF 0x100u

struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t pad[DATA_OFF - sizeof(Elf64_Ehdr) - 2 * sizeof(Elf64_Phdr)];
	uint8_t text[32];
	uint8_t data[16];
};

/* Text at 0x100000 (R+X), data at 0x101000 with 0x1000 bytes of bss. */
static void good(struct img *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = ET_EXEC;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_entry = 0x100004;
	m->eh.e_phoff = sizeof(Elf64_Ehdr);
	m->eh.e_ehsize = sizeof(Elf64_Ehdr);
	m->eh.e_phentsize = sizeof(Elf64_Phdr);
	m->eh.e_phnum = 2;
	m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
				 .p_flags = PF_R | PF_X,
				 .p_offset = DATA_OFF,
				 .p_vaddr = 0x100000,
				 .p_paddr = 0x100000,
				 .p_filesz = 32,
				 .p_memsz = 32,
				 .p_align = 0x1000 };
	m->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
				 .p_flags = PF_R | PF_W,
				 .p_offset = DATA_OFF + 32,
				 .p_vaddr = 0x101000,
				 .p_paddr = 0x101000,
				 .p_filesz = 16,
				 .p_memsz = 0x1010,
				 .p_align = 0x1000 };
	memset(m->text, 0x90, sizeof(m->text));
	memset(m->data, 0xab, sizeof(m->data));
}

static uint8_t *ram;

static int load(const void *img, size_t size)
{
	struct elf_image out;

	return elf__load("test", img, size, ram, RAM_SIZE, MIN_GPA, &out);
}

int main(void)
{
	struct elf_image out;
	struct img m;
	int ret;

	log_level = LOG_QUIET;
	ram = malloc(RAM_SIZE);
	memset(ram, 0x55, RAM_SIZE);

	good(&m);
	ret = elf__load("test", &m, sizeof(m), ram, RAM_SIZE, MIN_GPA, &out);
	is_int(ret, 0, "a good image loads");
	ok(out.entry == 0x100004 && out.lowest == 0x100000 &&
		   out.end == 0x102010 && out.nsegs == 2,
	   "entry, extent and segment count");
	ok(ram[0x100000] == 0x90 && ram[0x10001f] == 0x90, "text copied");
	ok(ram[0x101000] == 0xab && ram[0x10100f] == 0xab, "data copied");
	ok(ram[0x101010] == 0 && ram[0x10200f] == 0, "bss zeroed");
	ok(ram[0x102010] == 0x55, "nothing written past the bss");

	is_int(load("#!/bin/sh\necho not an elf\n", 26), -ENOEXEC, "not ELF");
	is_int(load(&m, 3), -ENOEXEC, "shorter than the ELF magic");
	is_int(load(&m, 40), -ENOEXEC, "truncated ELF header");
	is_int(load(&m, sizeof(Elf64_Ehdr) + 20), -ENOEXEC,
	       "truncated program headers");
	is_int(load(&m, DATA_OFF + 40), -ENOEXEC, "truncated segment data");

	good(&m);
	m.eh.e_ident[EI_CLASS] = ELFCLASS32;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "ELF32 refused");
	good(&m);
	m.eh.e_machine = EM_AARCH64;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "wrong machine refused");
	good(&m);
	m.eh.e_type = ET_DYN;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "ET_DYN refused");
	good(&m);
	m.eh.e_phnum = 0;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "no program headers");
	good(&m);
	m.eh.e_phoff = 0x7fffffff;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "program headers past EOF");

	good(&m);
	m.ph[0].p_paddr = 0x80000;
	is_int(load(&m, sizeof(m)), -EFBIG, "segment in the boot area");
	good(&m);
	m.ph[1].p_paddr = RAM_SIZE - 0x100;
	is_int(load(&m, sizeof(m)), -EFBIG, "segment past the end of RAM");
	good(&m);
	m.ph[1].p_memsz = 1ULL << 62;
	is_int(load(&m, sizeof(m)), -EFBIG, "absurd p_memsz");
	good(&m);
	m.ph[1].p_paddr = UINT64_MAX - 0x10;
	is_int(load(&m, sizeof(m)), -EFBIG, "p_paddr + p_memsz overflows");
	good(&m);
	m.ph[1].p_filesz = 0x2000;
	m.ph[1].p_memsz = 0x1000;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "p_filesz > p_memsz");
	good(&m);
	m.ph[1].p_offset = UINT64_MAX - 4;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "p_offset + p_filesz overflows");
	good(&m);
	m.ph[1].p_paddr = 0x100010;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "overlapping segments");
	good(&m);
	m.eh.e_entry = 0x101004;
	is_int(load(&m, sizeof(m)), -ENOEXEC,
	       "entry in a non-executable segment");
	good(&m);
	m.eh.e_entry = 0x50000;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "entry outside every segment");
	good(&m);
	m.ph[0].p_type = PT_NOTE;
	m.ph[1].p_type = PT_NOTE;
	is_int(load(&m, sizeof(m)), -ENOEXEC, "no loadable segment");
	free(ram);
	return tap_done();
}
