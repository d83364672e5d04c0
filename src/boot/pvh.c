// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PVH boot ABI: find the PHYS32_ENTRY note and the PT_LOAD segments of
 * a vmlinux (libelf), place the initrd, write hvm_start_info. Segments are
 * loaded at p_paddr: a vmlinux links at virtual 0xffffffff81000000 but
 * wants physical LOAD_PHYSICAL_ADDR, and PVH starts with paging off.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/bzimage.h"
#include "zapvm/pvh.h"
#include "zapvm/util.h"

#define MAX_PHNUM 256

static int cmp_seg(const void *a, const void *b)
{
	const struct pvh_segment *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* The PHYS32_ENTRY note of the PT_NOTE segment @ph: 1 found, 0 not, <0. */
static int find_note(Elf *e, const GElf_Phdr *ph, size_t size, uint32_t *entry,
		     char *why, size_t why_len)
{
	size_t off = 0, name_off, desc_off, next;
	uint64_t end;
	Elf_Data *d;
	GElf_Nhdr nh;

	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) ||
	    end > size) {
		set_why(why, why_len,
			"a PT_NOTE segment lies past the end of the file "
			"(truncated?)");
		return -ENOEXEC;
	}
	if (!ph->p_filesz)
		return 0;
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz,
				 ELF_T_NHDR);
	if (!d) {
		set_why(why, why_len, "a malformed PT_NOTE segment (%s)",
			elf_errmsg(-1));
		return -ENOEXEC;
	}
	while (off < d->d_size &&
	       (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;
		uint64_t v = 0;

		off = next;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4))
			continue;
		if (nh.n_descsz != 4 && nh.n_descsz != 8) {
			set_why(why, why_len,
				"the PVH entry note has a %u-byte value, not 4 or 8",
				nh.n_descsz);
			return -ENOEXEC;
		}
		for (unsigned int i = 0; i < nh.n_descsz; i++)
			v |= (uint64_t)desc[i] << (8 * i);
		if (v > UINT32_MAX) {
			set_why(why, why_len,
				"the PVH entry 0x%llx is above 4 GiB: it must be a "
				"32-bit physical address",
				(unsigned long long)v);
			return -ENOEXEC;
		}
		*entry = (uint32_t)v;
		return 1;
	}
	return 0;
}

/*
 * Check PT_LOAD segment @i, @ph, of the @size-byte image @p and add it to
 * @out unless it is empty. 0 or -ENOEXEC with @why.
 */
static int add_seg(struct pvh_image *out, size_t i, const GElf_Phdr *ph,
		   size_t size, const uint8_t *p, char *why, size_t why_len)
{
	uint64_t fend, mend;

	if (ph->p_filesz > ph->p_memsz) {
		set_why(why, why_len,
			"segment %zu: p_filesz 0x%llx > p_memsz 0x%llx", i,
			(unsigned long long)ph->p_filesz,
			(unsigned long long)ph->p_memsz);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) ||
	    fend > size) {
		set_why(why, why_len,
			"segment %zu: file data past the end of the %zu-byte "
			"file (truncated?)",
			i, size);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &mend)) {
		set_why(why, why_len,
			"segment %zu: p_paddr 0x%llx + p_memsz wraps", i,
			(unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	if (!ph->p_memsz)
		return 0;
	if (out->nsegs == PVH_MAX_SEGS) {
		set_why(why, why_len, "more than %d loadable segments",
			PVH_MAX_SEGS);
		return -ENOEXEC;
	}
	out->seg[out->nsegs++] = (struct pvh_segment){ ph->p_paddr, ph->p_memsz,
						       ph->p_filesz,
						       p + ph->p_offset };
	return 0;
}

static int parse(Elf *e, size_t size, const uint8_t *p, struct pvh_image *out,
		 char *why, size_t why_len)
{
	bool have_entry = false, entry_ok = false;
	GElf_Ehdr eh;
	size_t phnum;
	int ret;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		set_why(why, why_len, "truncated or malformed ELF header");
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386) ||
	    eh.e_type != ET_EXEC) {
		set_why(why, why_len,
			"not a little-endian x86 executable (ET_EXEC): not a "
			"vmlinux");
		return -ENOEXEC;
	}
	if (elf_getphdrnum(e, &phnum) || !phnum || phnum > MAX_PHNUM) {
		set_why(why, why_len,
			"missing, truncated or absurd program headers");
		return -ENOEXEC;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			set_why(why, why_len,
				"program header %zu: truncated (%s)", i,
				elf_errmsg(-1));
			return -ENOEXEC;
		}
		if (ph.p_type == PT_NOTE && !have_entry) {
			ret = find_note(e, &ph, size, &out->entry, why,
					why_len);
			if (ret < 0)
				return ret;
			have_entry = ret;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		ret = add_seg(out, i, &ph, size, p, why, why_len);
		if (ret)
			return ret;
	}
	if (!have_entry) {
		set_why(why, why_len,
			"no PVH entry point: no Xen ELF note of type %d "
			"(XEN_ELFNOTE_PHYS32_ENTRY); build with CONFIG_PVH=y",
			XEN_ELFNOTE_PHYS32_ENTRY);
		return -ENOEXEC;
	}
	if (!out->nsegs) {
		set_why(why, why_len, "no loadable segment");
		return -ENOEXEC;
	}
	qsort(out->seg, out->nsegs, sizeof(out->seg[0]), cmp_seg);
	for (unsigned int i = 1; i < out->nsegs; i++) {
		if (out->seg[i].paddr <
		    out->seg[i - 1].paddr + out->seg[i - 1].memsz) {
			set_why(why, why_len,
				"segments overlap at physical address 0x%llx",
				(unsigned long long)out->seg[i].paddr);
			return -ENOEXEC;
		}
	}
	/* After the loop: the note may follow the segment with the entry. */
	for (size_t i = 0; i < phnum && !entry_ok; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    (ph.p_flags & PF_X) && out->entry >= ph.p_paddr &&
		    out->entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
	}
	if (!entry_ok) {
		set_why(why, why_len,
			"the PVH entry 0x%x is not in an executable segment",
			out->entry);
		return -ENOEXEC;
	}
	out->start = out->seg[0].paddr;
	out->end =
		out->seg[out->nsegs - 1].paddr + out->seg[out->nsegs - 1].memsz;
	return 0;
}

int pvh__parse(const void *img, size_t size, struct pvh_image *out, char *why,
	       size_t why_len)
{
	Elf *e;
	int ret;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE) {
		set_why(why, why_len, "libelf: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG)) {
		set_why(why, why_len,
			"not an ELF file: --boot pvh needs a vmlinux");
		return -ENOEXEC;
	}
	/* elf_memory() takes a char * but only reads a native-endian image. */
	e = elf_memory((char *)img, size);
	if (!e) {
		set_why(why, why_len, "truncated or malformed ELF file (%s)",
			elf_errmsg(-1));
		return -ENOEXEC;
	}
	ret = parse(e, size, img, out, why, why_len);
	elf_end(e);
	return ret;
}

int pvh__place(const struct pvh_image *img, uint64_t low_end,
	       uint64_t initrd_size, size_t cmdline_len, size_t cmdline_max,
	       uint64_t info_gpa, uint64_t cmdline_gpa, struct pvh_layout *out,
	       char *why, size_t why_len)
{
	uint64_t top;

	memset(out, 0, sizeof(*out));
	if (cmdline_len >= cmdline_max) {
		set_why(why, why_len,
			"the command line is %zu bytes, longer than the %zu zapvm "
			"has room for",
			cmdline_len, cmdline_max - 1);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < img->nsegs; i++) {
		const struct pvh_segment *s = &img->seg[i];

		if (s->paddr < LINUX_HIMEM || s->paddr + s->memsz > low_end) {
			set_why(why, why_len,
				"segment [0x%llx, +0x%llx) lies outside guest RAM "
				"[0x%llx, 0x%llx): raise --mem or fix p_paddr",
				(unsigned long long)s->paddr,
				(unsigned long long)s->memsz, LINUX_HIMEM,
				(unsigned long long)low_end);
			return -EFBIG;
		}
	}
	out->info_gpa = info_gpa;
	out->cmdline_gpa = cmdline_gpa;
	if (!initrd_size)
		return 0;
	top = low_end;
	if (initrd_size > top || ((top - initrd_size) & ~0xfffULL) < img->end) {
		set_why(why, why_len,
			"the %llu-byte initrd does not fit between the kernel's "
			"end (0x%llx) and the end of RAM below 4 GiB (0x%llx): "
			"raise --mem",
			(unsigned long long)initrd_size,
			(unsigned long long)img->end, (unsigned long long)top);
		return -EFBIG;
	}
	out->initrd_gpa = (top - initrd_size) & ~0xfffULL;
	out->initrd_size = initrd_size;
	return 0;
}

int pvh__start_info(const struct pvh_layout *l, uint64_t mem_size,
		    uint64_t rsdp, void *buf, size_t len)
{
	struct boot_e820_entry e820[PVH_MAX_MEMMAP];
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = PVH_START_INFO_VERSION,
		.cmdline_paddr = l->cmdline_gpa,
		.rsdp_paddr = rsdp,
	};
	struct hvm_modlist_entry mod = {
		.paddr = l->initrd_gpa,
		.size = l->initrd_size,
	};
	size_t off = sizeof(si);
	uint8_t *p = buf;
	int n = bzimage__e820(mem_size, e820, PVH_MAX_MEMMAP);

	if (n < 0)
		return n;
	if (l->initrd_size) {
		si.nr_modules = 1;
		si.modlist_paddr = l->info_gpa + off;
		off += sizeof(mod);
	}
	si.memmap_paddr = l->info_gpa + off;
	si.memmap_entries = (uint32_t)n;
	if (off + n * sizeof(struct hvm_memmap_table_entry) > len)
		return -ENOSPC;
	memset(buf, 0, len);
	memcpy(p, &si, sizeof(si));
	if (l->initrd_size)
		memcpy(p + sizeof(si), &mod, sizeof(mod));
	for (int i = 0; i < n; i++) {
		struct hvm_memmap_table_entry m = {
			.addr = e820[i].addr,
			.size = e820[i].size,
			.type = e820[i].type,
		};

		memcpy(p + off, &m, sizeof(m));
		off += sizeof(m);
	}
	return (int)off;
}
