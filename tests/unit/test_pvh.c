// SPDX-License-Identifier: GPL-2.0-only
/* The PVH loader against crafted vmlinux ELFs: no KVM needed. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/bzimage.h"
#include "zapvm/pvh.h"

#define MIB (1ULL << 20)
#define VBASE 0xffffffff81000000ULL
#define TEXT_OFF 0x1000
#define TEXT_LEN 0x100
#define NOTE_OFF 0x1100
#define IMG_SIZE 0x1200
#define ENTRY 0x1000010

/* Program headers of image(): text, bss, note. */
enum { PH_TEXT, PH_BSS, PH_NOTE, NPH };

struct note {
	Elf64_Nhdr h;
	char name[4];
	uint64_t desc;
};

static Elf64_Phdr *phdr(uint8_t *p, int i)
{
	return (Elf64_Phdr *)(p + sizeof(Elf64_Ehdr)) + i;
}

static struct note *note(uint8_t *p)
{
	return (struct note *)(p + NOTE_OFF);
}

/* A vmlinux-like ELF64: text at 16 MiB physical, bss after it, the note. */
static uint8_t *image(void)
{
	uint8_t *p = calloc(1, IMG_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)p;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x1000000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = NPH;
	*phdr(p, PH_TEXT) = (Elf64_Phdr){
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_X,
		.p_offset = TEXT_OFF,
		.p_vaddr = VBASE,
		.p_paddr = 0x1000000,
		.p_filesz = TEXT_LEN,
		.p_memsz = TEXT_LEN,
		.p_align = 0x1000,
	};
	*phdr(p, PH_BSS) = (Elf64_Phdr){
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_W,
		.p_vaddr = VBASE + 0x1000,
		.p_paddr = 0x1001000,
		.p_memsz = 0x2000,
		.p_align = 0x1000,
	};
	*phdr(p, PH_NOTE) = (Elf64_Phdr){
		.p_type = PT_NOTE,
		.p_flags = PF_R,
		.p_offset = NOTE_OFF,
		.p_filesz = sizeof(struct note),
		.p_align = 4,
	};
	*note(p) = (struct note){ { 4, 8, XEN_ELFNOTE_PHYS32_ENTRY },
				  "Xen",
				  ENTRY };
	for (int i = 0; i < TEXT_LEN; i++)
		p[TEXT_OFF + i] = (uint8_t)(i * 3 + 1);
	return p;
}

static void bad(const uint8_t *p, size_t size, const char *needle,
		const char *desc)
{
	struct pvh_image img;
	char why[256] = "";
	int ret = pvh__parse(p, size, &img, why, sizeof(why));

	is_int(ret, -ENOEXEC, "%s: rejected", desc);
	if (!ok(strstr(why, needle) != NULL, "%s: says '%s'", desc, needle))
		printf("#   why: %s\n", why);
}

static void test_parse(void)
{
	static struct pvh_image img;
	uint8_t *p = image(), *q = malloc(IMG_SIZE);
	char why[256];
	size_t n;

	is_int(pvh__parse(p, IMG_SIZE, &img, why, sizeof(why)), 0,
	       "a vmlinux-like ELF parses");
	is_int(img.entry, ENTRY, "the entry comes from the PHYS32_ENTRY note");
	is_int(img.nsegs, 2, "two PT_LOAD segments");
	is_int(img.seg[0].paddr, 0x1000000, "loaded at p_paddr, not p_vaddr");
	ok(img.seg[0].data == p + TEXT_OFF, "segment data in the buffer");
	is_int(img.seg[0].filesz, TEXT_LEN, "p_filesz");
	is_int(img.seg[1].filesz, 0, "the bss has no file data");
	is_int(img.seg[1].memsz, 0x2000, "p_memsz");
	is_int(img.start, 0x1000000, "start");
	is_int(img.end, 0x1003000, "end after the bss");

	/* A 4-byte descriptor, as a 32-bit vmlinux has (_ASM_PTR). */
	memcpy(q, p, IMG_SIZE);
	note(q)->h.n_descsz = 4;
	is_int(pvh__parse(q, IMG_SIZE, &img, why, sizeof(why)), 0,
	       "a 4-byte note value parses");
	is_int(img.entry, ENTRY, "and gives the entry");

	/* Other notes first: skipped. */
	memcpy(q, p, IMG_SIZE);
	note(q)->h.n_type = 17;
	bad(q, IMG_SIZE, "no PVH entry point", "only another Xen note");
	memcpy(q, p, IMG_SIZE);
	memcpy(note(q)->name, "Xem", 4);
	bad(q, IMG_SIZE, "CONFIG_PVH", "a type-18 note not named Xen");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_NOTE)->p_type = PT_NULL;
	bad(q, IMG_SIZE, "XEN_ELFNOTE_PHYS32_ENTRY", "no PT_NOTE");
	memcpy(q, p, IMG_SIZE);
	note(q)->h.n_descsz = 2;
	bad(q, IMG_SIZE, "not 4 or 8", "a 2-byte note value");
	memcpy(q, p, IMG_SIZE);
	note(q)->desc = 0x100000000ULL;
	bad(q, IMG_SIZE, "above 4 GiB", "an entry above 4 GiB");
	memcpy(q, p, IMG_SIZE);
	note(q)->desc = 0x1001000;
	bad(q, IMG_SIZE, "not in an executable segment", "entry in the bss");
	memcpy(q, p, IMG_SIZE);
	note(q)->desc = 0x1000000 + TEXT_LEN;
	bad(q, IMG_SIZE, "not in an executable", "entry just past the text");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_NOTE)->p_filesz = IMG_SIZE;
	bad(q, IMG_SIZE, "PT_NOTE segment lies past the end", "note past EOF");

	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_BSS)->p_filesz = 0x2001;
	phdr(q, PH_BSS)->p_offset = 0;
	bad(q, IMG_SIZE, "p_filesz 0x2001 > p_memsz 0x2000", "filesz > memsz");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_TEXT)->p_offset = IMG_SIZE - 0x80;
	bad(q, IMG_SIZE, "past the end", "segment data past EOF");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_TEXT)->p_offset = UINT64_MAX - 0x10;
	bad(q, IMG_SIZE, "past the end", "p_offset + p_filesz wraps");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_BSS)->p_paddr = 0x10000ff;
	bad(q, IMG_SIZE, "overlap at physical address 0x10000ff",
	    "overlapping segments");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_BSS)->p_paddr = 0xfffffffffffff000ULL;
	bad(q, IMG_SIZE, "wraps", "p_paddr + p_memsz wraps");
	memcpy(q, p, IMG_SIZE);
	phdr(q, PH_TEXT)->p_type = PT_NULL;
	bad(q, IMG_SIZE, "executable segment", "no text segment");

	memcpy(q, p, IMG_SIZE);
	((Elf64_Ehdr *)q)->e_type = ET_DYN;
	bad(q, IMG_SIZE, "not a little-endian x86 executable", "ET_DYN");
	memcpy(q, p, IMG_SIZE);
	((Elf64_Ehdr *)q)->e_machine = EM_AARCH64;
	bad(q, IMG_SIZE, "x86", "an arm64 ELF");
	memcpy(q, p, IMG_SIZE);
	((Elf64_Ehdr *)q)->e_phnum = 0;
	bad(q, IMG_SIZE, "program headers", "no program headers");
	bad((const uint8_t *)"MZ\x90\0not an ELF at all", 20, "not an ELF",
	    "not an ELF");

	/* Every cut before the note's end fails (ASan watches the reads). */
	for (n = 0; n < NOTE_OFF + sizeof(struct note); n++) {
		uint8_t *t = malloc(n ? n : 1);
		int ret;

		memcpy(t, p, n);
		ret = pvh__parse(t, n, &img, why, sizeof(why));
		free(t);
		if (ret != -ENOEXEC)
			break;
	}
	is_int(n, NOTE_OFF + sizeof(struct note),
	       "every truncated copy is rejected");

	free(q);
	free(p);
}

static void test_place(void)
{
	static struct pvh_image img;
	uint8_t *p = image();
	struct pvh_layout l;
	char why[256] = "";

	pvh__parse(p, IMG_SIZE, &img, why, sizeof(why));
	is_int(pvh__place(&img, 64 * MIB, 0, 20, 256, 0x9000, 0x20000, &l, why,
			  sizeof(why)),
	       0, "fits in 64 MiB");
	is_int(l.initrd_gpa, 0, "no initrd");
	is_int(l.info_gpa, 0x9000, "info where asked");
	is_int(pvh__place(&img, 64 * MIB, 5000, 20, 256, 0x9000, 0x20000, &l,
			  why, sizeof(why)),
	       0, "with an initrd");
	is_int(l.initrd_gpa, 64 * MIB - 8192, "initrd page aligned at the top");
	is_int(l.initrd_size, 5000, "initrd size");
	is_int(pvh__place(&img, 0x1003000 + 0x1000, 4096, 0, 256, 0x9000,
			  0x20000, &l, why, sizeof(why)),
	       0, "an initrd right after the kernel");
	is_int(l.initrd_gpa, 0x1003000, "starts at the kernel's end");
	is_int(pvh__place(&img, 0x1003000 + 0x1000, 4097, 0, 256, 0x9000,
			  0x20000, &l, why, sizeof(why)),
	       -EFBIG, "a page too big");
	ok(strstr(why, "initrd does not fit") != NULL, "says the initrd");
	is_int(pvh__place(&img, 0x1002fff, 0, 0, 256, 0x9000, 0x20000, &l, why,
			  sizeof(why)),
	       -EFBIG, "RAM ends a byte into the bss");
	ok(strstr(why, "outside guest RAM") != NULL, "says outside RAM");
	is_int(pvh__place(&img, 64 * MIB, UINT64_MAX, 0, 256, 0x9000, 0x20000,
			  &l, why, sizeof(why)),
	       -EFBIG, "a huge initrd");
	is_int(pvh__place(&img, 64 * MIB, 0, 256, 256, 0x9000, 0x20000, &l, why,
			  sizeof(why)),
	       -EINVAL, "a command line with no room for its NUL");
	img.seg[0].paddr = 0x9000;
	is_int(pvh__place(&img, 64 * MIB, 0, 0, 256, 0x9000, 0x20000, &l, why,
			  sizeof(why)),
	       -EFBIG, "a segment below 1 MiB");
	free(p);
}

static void test_start_info(void)
{
	struct pvh_layout l = { .info_gpa = 0x9000,
				.cmdline_gpa = 0x20000,
				.initrd_gpa = 0x3fff000,
				.initrd_size = 20 };
	uint8_t buf[4096];
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry m[5];
	int n = pvh__start_info(&l, 64 * MIB, 0xe0000, buf, sizeof(buf));

	is_int(sizeof(si), 56, "hvm_start_info is 56 bytes");
	is_int(sizeof(mod), 32, "hvm_modlist_entry is 32 bytes");
	is_int(sizeof(m[0]), 24, "hvm_memmap_table_entry is 24 bytes");
	is_int(n, 56 + 32 + 4 * 24, "info, one module, four map entries");
	memcpy(&si, buf, sizeof(si));
	is_int(si.magic, 0x336ec578, "magic");
	is_int(si.version, 1, "version 1");
	is_int(si.nr_modules, 1, "one module");
	is_int(si.modlist_paddr, 0x9000 + 56, "modlist after the info");
	is_int(si.cmdline_paddr, 0x20000, "cmdline_paddr");
	is_int(si.rsdp_paddr, 0xe0000, "rsdp_paddr");
	is_int(si.memmap_paddr, 0x9000 + 56 + 32, "memmap after the modlist");
	is_int(si.memmap_entries, 4, "four entries for 64 MiB");
	memcpy(&mod, buf + 56, sizeof(mod));
	is_int(mod.paddr, 0x3fff000, "module 0 is the initrd");
	is_int(mod.size, 20, "its size");
	memcpy(m, buf + 88, 4 * sizeof(m[0]));
	ok(m[0].addr == 0 && m[0].size == LINUX_EBDA && m[0].type == 1,
	   "RAM below the EBDA");
	ok(m[2].addr == LINUX_ACPI_BASE && m[2].type == 2,
	   "the ACPI area reserved");
	ok(m[3].addr == MIB && m[3].size == 63 * MIB && m[3].type == 1,
	   "RAM from 1 MiB");

	l.initrd_gpa = l.initrd_size = 0;
	n = pvh__start_info(&l, 4096 * MIB, 0xe0000, buf, sizeof(buf));
	memcpy(&si, buf, sizeof(si));
	is_int(n, 56 + 5 * 24, "no module, five entries for 4 GiB");
	ok(!si.nr_modules && !si.modlist_paddr, "no modlist without initrd");
	is_int(si.memmap_paddr, 0x9000 + 56, "memmap right after the info");
	memcpy(m, buf + 56, 5 * sizeof(m[0]));
	ok(m[4].addr == 4096 * MIB && m[4].size == 1024 * MIB,
	   "the last GiB above 4 GiB");
	is_int(pvh__start_info(&l, 64 * MIB, 0, buf, 100), -ENOSPC,
	       "a short buffer");
}

int main(void)
{
	test_parse();
	test_place();
	test_start_info();
	return tap_done();
}
