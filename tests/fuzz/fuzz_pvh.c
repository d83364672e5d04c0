// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the PVH loader: the ELF and its PHYS32_ENTRY note
 * (libelf), the segment and initrd layout, and hvm_start_info. The first 8
 * input bytes choose the RAM size, initrd size and command line length;
 * with bit 0 of the first one the rest of the input follows a planted
 * ELF64 x86-64 ET_EXEC header whose program headers start right after it
 * (bits 1-3: their count), so the fuzzer spends its time on program
 * headers and notes; with bit 4 as well, the rest is XORed onto a valid
 * vmlinux-like image (text, bss and note), so an all-zero input boots and
 * every mutation is a small change to a good image. Every accepted image
 * and layout must keep its promises; a broken one aborts.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/pvh.h"

#define INFO_GPA 0x9000
#define CMDLINE_GPA 0x20000
#define CMDLINE_MAX 0x10000

/* Program headers and note of the template, after its ELF header. */
static void template(uint8_t *p)
{
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_LOAD,
		  .p_flags = PF_R | PF_X,
		  .p_offset = 0x100,
		  .p_paddr = 0x1000000,
		  .p_filesz = 0x40,
		  .p_memsz = 0x40 },
		{ .p_type = PT_LOAD,
		  .p_flags = PF_R | PF_W,
		  .p_paddr = 0x1001000,
		  .p_memsz = 0x2000 },
		{ .p_type = PT_NOTE, .p_offset = 0x140, .p_filesz = 24 },
	};
	uint32_t nh[3] = { 4, 8, XEN_ELFNOTE_PHYS32_ENTRY };
	uint64_t entry = 0x1000010;

	memcpy(p + sizeof(Elf64_Ehdr), ph, sizeof(ph));
	memcpy(p + 0x140, nh, sizeof(nh));
	memcpy(p + 0x14c, "Xen", 4);
	memcpy(p + 0x150, &entry, 8);
}

#define TEMPLATE_LEN 0x158

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pvh_image img;
	static uint8_t info[4096];
	struct hvm_start_info si;
	struct pvh_layout l;
	uint64_t low_end, initrd;
	size_t cmdline, len, hdr = 0;
	uint8_t *buf;
	char why[256];
	int ret;

	log_level = LOG_QUIET;
	if (size < 8)
		return 0;
	low_end = fuzz_low_end(data);
	initrd = fuzz_initrd_size(data);
	cmdline = (size_t)(data[6] | data[7] << 8);
	if (data[0] & 1)
		hdr = sizeof(Elf64_Ehdr);
	len = hdr + size - 8;
	if (hdr && (data[0] & 16) && len < TEMPLATE_LEN)
		len = TEMPLATE_LEN;
	/* Exactly the image bytes: ASan sees any overread. */
	buf = calloc(1, len ? len : 1);
	if (!buf)
		return 0;
	if (hdr && (data[0] & 16)) {
		template(buf);
		for (size_t i = 0; i < size - 8; i++)
			buf[hdr + i] ^= data[8 + i];
	} else {
		memcpy(buf + hdr, data + 8, size - 8);
	}
	if (hdr) {
		Elf64_Ehdr eh = {
			.e_type = ET_EXEC,
			.e_machine = EM_X86_64,
			.e_version = EV_CURRENT,
			.e_phoff = sizeof(eh),
			.e_ehsize = sizeof(eh),
			.e_phentsize = sizeof(Elf64_Phdr),
			.e_phnum = (uint16_t)((data[0] & 16) ?
						      3 :
						      ((data[0] >> 1) & 7) + 1),
		};

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &eh, sizeof(eh));
	}

	ret = pvh__parse(buf, len, &img, why, sizeof(why));
	if (ret) {
		check(ret == -ENOEXEC && why[0]);
		goto out;
	}
	check(img.nsegs >= 1 && img.nsegs <= PVH_MAX_SEGS);
	check(img.entry >= img.start && img.entry < img.end);
	for (unsigned int i = 0; i < img.nsegs; i++) {
		const struct pvh_segment *s = &img.seg[i];

		check(s->memsz && s->filesz <= s->memsz);
		check(s->paddr + s->memsz > s->paddr);
		check(s->data >= buf && s->data + s->filesz <= buf + len);
		if (i)
			check(s->paddr >=
			      img.seg[i - 1].paddr + img.seg[i - 1].memsz);
	}
	check(img.end ==
	      img.seg[img.nsegs - 1].paddr + img.seg[img.nsegs - 1].memsz);

	ret = pvh__place(&img, low_end, initrd, cmdline, CMDLINE_MAX, INFO_GPA,
			 CMDLINE_GPA, &l, why, sizeof(why));
	if (ret) {
		check((ret == -EFBIG || ret == -EINVAL) && why[0]);
		goto out;
	}
	check(cmdline < CMDLINE_MAX);
	for (unsigned int i = 0; i < img.nsegs; i++)
		check(img.seg[i].paddr >= LINUX_HIMEM &&
		      img.seg[i].paddr + img.seg[i].memsz <= low_end);
	check_initrd(l.initrd_gpa, l.initrd_size, initrd, img.end, low_end);
	ret = pvh__start_info(&l, low_end, LINUX_ACPI_BASE, info, sizeof(info));
	check(ret > (int)sizeof(si) && ret <= (int)sizeof(info));
	memcpy(&si, info, sizeof(si));
	check(si.magic == XEN_HVM_START_MAGIC_VALUE && si.version == 1);
	check(si.nr_modules == (initrd ? 1 : 0) && si.memmap_entries >= 3);
	check(si.memmap_paddr + si.memmap_entries * 24 ==
	      INFO_GPA + (uint64_t)ret);
out:
	free(buf);
	return 0;
}
