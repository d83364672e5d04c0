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

/*
 * PT_LOAD segment @i of @name, @ph: its file data within the @size-byte
 * image, its memory within [@min_gpa, @ram_size). 0 with *@mend its end,
 * -ENOEXEC or -EFBIG (logged).
 */
static int check_seg(const char *name, size_t i, const GElf_Phdr *ph,
		     size_t size, uint64_t min_gpa, uint64_t ram_size,
		     uint64_t *mend)
{
	uint64_t fend;

	if (ph->p_filesz > ph->p_memsz) {
		log_err("%s: segment %zu: p_filesz 0x%llx > p_memsz 0x%llx",
			name, i, (unsigned long long)ph->p_filesz,
			(unsigned long long)ph->p_memsz);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) ||
	    fend > size) {
		log_err("%s: segment %zu: file data past the end of the "
			"file (truncated?)",
			name, i);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, mend) ||
	    ph->p_paddr < min_gpa || *mend > ram_size) {
		log_err("%s: segment %zu [0x%llx, +0x%llx) lies outside "
			"guest RAM [0x%llx, 0x%llx)",
			name, i, (unsigned long long)ph->p_paddr,
			(unsigned long long)ph->p_memsz,
			(unsigned long long)min_gpa,
			(unsigned long long)ram_size);
		return -EFBIG;
	}
	return 0;
}

/* Sort @segs by address: true (logged) if two of them overlap. */
static bool segs_overlap(const char *name, struct seg *segs, unsigned int n)
{
	qsort(segs, n, sizeof(*segs), cmp_seg);
	for (unsigned int i = 1; i < n; i++) {
		if (segs[i].start < segs[i - 1].end) {
			log_err("%s: segments overlap at GPA 0x%llx", name,
				(unsigned long long)segs[i].start);
			return true;
		}
	}
	return false;
}

/* Copy the checked PT_LOAD segments of @e (@img) to @ram, zero their bss. */
static void copy_segs(Elf *e, size_t phnum, const void *img, void *ram)
{
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
		uint64_t mend;
		int err;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			log_err("%s: program header %zu: %s", name, i,
				elf_errmsg(-1));
			goto out_free;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		err = check_seg(name, i, &ph, size, min_gpa, ram_size, &mend);
		if (err) {
			ret = err;
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
	if (segs_overlap(name, segs, nload))
		goto out_free;
	if (!entry_ok) {
		log_err("%s: entry point 0x%llx is not in an executable segment",
			name, (unsigned long long)eh.e_entry);
		goto out_free;
	}

	copy_segs(e, phnum, img, ram);
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
