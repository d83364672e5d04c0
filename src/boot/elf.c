// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/loader.h"
#include "zapvm/log.h"

struct seg {
	uint64_t start, end;
};

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int elf__load(const char *name, const void *img, size_t size, void *ram,
	      uint64_t ram_size, uint64_t min_gpa, struct elf_image *out)
{
	struct seg *segs = NULL;
	bool entry_ok = false;
	unsigned int nload = 0;
	GElf_Ehdr eh;
	size_t phnum;
	Elf *e;
	int ret = -ENOEXEC;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		log_err("libelf: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG)) {
		log_err("%s: not an ELF file", name);
		return -ENOEXEC;
	}
	/* elf_memory() takes a char * but only reads the image. */
	e = elf_memory((char *)img, size);
	if (!e) {
		log_err("%s: truncated or malformed ELF file (%s)", name,
			elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		log_err("%s: truncated or malformed ELF header", name);
		goto out_end;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_type != ET_EXEC) {
		log_err("%s: not an x86-64 ELF64 executable (ET_EXEC)", name);
		goto out_end;
	}
	if (elf_getphdrnum(e, &phnum) || !phnum || phnum > 64) {
		log_err("%s: missing, truncated or absurd program headers",
			name);
		goto out_end;
	}
	segs = calloc(phnum, sizeof(*segs));
	if (!segs) {
		ret = -ENOMEM;
		log_err("%s: out of memory", name);
		goto out_end;
	}

	/* Check every segment before copying anything. */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t fend, mend;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			log_err("%s: program header %zu: %s", name, i,
				elf_errmsg(-1));
			goto out_free;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz) {
			log_err("%s: segment %zu: p_filesz 0x%llx > p_memsz 0x%llx",
				name, i, (unsigned long long)ph.p_filesz,
				(unsigned long long)ph.p_memsz);
			goto out_free;
		}
		if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &fend) ||
		    fend > size) {
			log_err("%s: segment %zu: file data past the end of the "
				"file (truncated?)",
				name, i);
			goto out_free;
		}
		if (__builtin_add_overflow(ph.p_paddr, ph.p_memsz, &mend) ||
		    ph.p_paddr < min_gpa || mend > ram_size) {
			log_err("%s: segment %zu [0x%llx, +0x%llx) lies outside "
				"guest RAM [0x%llx, 0x%llx)",
				name, i, (unsigned long long)ph.p_paddr,
				(unsigned long long)ph.p_memsz,
				(unsigned long long)min_gpa,
				(unsigned long long)ram_size);
			ret = -EFBIG;
			goto out_free;
		}
		if (!ph.p_memsz)
			continue;
		segs[nload++] = (struct seg){ ph.p_paddr, mend };
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry < mend)
			entry_ok = true;
	}
	if (!nload) {
		log_err("%s: no loadable segment", name);
		goto out_free;
	}
	qsort(segs, nload, sizeof(*segs), cmp_seg);
	for (unsigned int i = 1; i < nload; i++) {
		if (segs[i].start < segs[i - 1].end) {
			log_err("%s: segments overlap at GPA 0x%llx", name,
				(unsigned long long)segs[i].start);
			goto out_free;
		}
	}
	if (!entry_ok) {
		log_err("%s: entry point 0x%llx is not in an executable segment",
			name, (unsigned long long)eh.e_entry);
		goto out_free;
	}

	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint8_t *dst;

		gelf_getphdr(e, (int)i, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		dst = (uint8_t *)ram + ph.p_paddr;
		memcpy(dst, (const uint8_t *)img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	out->entry = eh.e_entry;
	out->lowest = segs[0].start;
	out->end = segs[nload - 1].end;
	out->nsegs = nload;
	ret = 0;
out_free:
	free(segs);
out_end:
	elf_end(e);
	return ret;
}
