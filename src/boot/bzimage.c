// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bzImage header and placement rules of Documentation/x86/boot.rst. The
 * file starts with the same bytes a struct boot_params starts with (boot
 * sector, then the setup header at 0x1f1), so header offsets come from the
 * kernel's own asm/bootparam.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "zapvm/bzimage.h"
#include "zapvm/util.h"

#define HDR(field) offsetof(struct boot_params, hdr.field)
#define HDR_END (HDR(kernel_info_offset) + 4)
/* The last field the 2.12 protocol defines that we read. */
#define HDR_NEED (HDR(init_size) + 4)
#define HDRS_MAGIC 0x53726448 /* "HdrS" */

static uint64_t rd(const uint8_t *p, size_t off, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* @real: the real-mode path (2.10+, no 64-bit entry, setup <= 32 KiB). */
/* The boot sector and setup header: magic, version, flags. */
static int parse_header(const uint8_t *p, size_t size, struct bzimage *bz,
			bool real, char *why, size_t why_len)
{
	size_t hdr_end;

	if (size < HDR(version) + 2)
		return set_why(
			why, why_len,
			"truncated: %zu bytes cannot hold a boot sector and "
			"a setup header",
			size);
	if (rd(p, HDR(header), 4) != HDRS_MAGIC)
		return set_why(why, why_len,
			       "no \"HdrS\" magic at offset 0x%zx: not a Linux "
			       "bzImage",
			       HDR(header));
	if (rd(p, HDR(boot_flag), 2) != 0xaa55)
		return set_why(
			why, why_len,
			"no 0xAA55 boot flag at offset 0x%zx: not a Linux "
			"bzImage",
			HDR(boot_flag));
	bz->version = (uint16_t)rd(p, HDR(version), 2);
	if (!real && bz->version < LINUX_MIN_VERSION)
		return set_why(
			why, why_len,
			"boot protocol %u.%02u is older than 2.12, the first "
			"with a 64-bit entry point",
			bz->version >> 8, bz->version & 0xff);
	if (real && bz->version < LINUX_REAL_MIN_VERSION)
		return set_why(
			why, why_len,
			"boot protocol %u.%02u is older than 2.10, the "
			"first with the init_size the real-mode path needs",
			bz->version >> 8, bz->version & 0xff);
	/* boot.rst: the header ends at 0x0202 + the byte at 0x0201. */
	hdr_end = 0x202 + (size_t)p[0x201];
	if (hdr_end < HDR_NEED)
		return set_why(
			why, why_len,
			"the setup header ends at 0x%zx, before the fields "
			"of protocol 2.12 (0x%zx)",
			hdr_end, HDR_NEED);
	if (hdr_end > HDR_END)
		hdr_end = HDR_END;
	if (size < hdr_end)
		return set_why(why, why_len,
			       "truncated: %zu bytes, the setup header ends at "
			       "0x%zx",
			       size, hdr_end);
	bz->hdr = p + HDR(setup_sects);
	bz->hdr_len = (uint32_t)(hdr_end - HDR(setup_sects));

	bz->xloadflags = (uint16_t)rd(p, HDR(xloadflags), 2);
	if (!real && !(bz->xloadflags & XLF_KERNEL_64))
		return set_why(
			why, why_len,
			"no 64-bit entry point: XLF_KERNEL_64 is not set in "
			"xloadflags 0x%x (try --boot real-mode)",
			bz->xloadflags);
	if (!(p[HDR(loadflags)] & LOADED_HIGH))
		return set_why(why, why_len,
			       "a zImage (loadflags lacks LOADED_HIGH): only "
			       "bzImages are supported");
	return 0;
}

/* Where the setup code, the kernel and its payload lie; what it asks for. */
static int parse_layout(const uint8_t *p, size_t size, struct bzimage *bz,
			bool real, char *why, size_t why_len)
{
	unsigned int setup_sects;
	uint64_t syssize, poff, plen, end;

	setup_sects = p[HDR(setup_sects)] ? p[HDR(setup_sects)] : 4;
	bz->setup_size = (setup_sects + 1) * 512;
	if (real && bz->setup_size > LINUX_REAL_SETUP_MAX)
		return set_why(
			why, why_len,
			"setup_sects %u makes the real-mode setup %u bytes, "
			"more than the 32 KiB boot.rst allows",
			setup_sects, bz->setup_size);
	if (bz->setup_size >= size)
		return set_why(
			why, why_len,
			"setup_sects %u puts the kernel at byte %u, beyond "
			"the end of the %zu-byte file",
			setup_sects, bz->setup_size, size);
	bz->kernel = p + bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	/* syssize counts 16-byte paragraphs of the protected-mode kernel. */
	syssize = rd(p, HDR(syssize), 4) * 16;
	if (syssize > bz->kernel_size)
		return set_why(
			why, why_len,
			"truncated: syssize says the kernel has %llu bytes, "
			"the file holds %llu",
			(unsigned long long)syssize,
			(unsigned long long)bz->kernel_size);
	if (!real && bz->kernel_size <= LINUX_ENTRY_64)
		return set_why(
			why, why_len,
			"the %llu-byte kernel cannot hold the 64-bit entry "
			"point at offset 0x%x",
			(unsigned long long)bz->kernel_size, LINUX_ENTRY_64);
	poff = rd(p, HDR(payload_offset), 4);
	plen = rd(p, HDR(payload_length), 4);
	end = poff + plen; /* two 32-bit values: no overflow */
	if (plen && end > bz->kernel_size)
		return set_why(
			why, why_len,
			"payload_offset 0x%llx + payload_length 0x%llx lie "
			"outside the %llu-byte kernel",
			(unsigned long long)poff, (unsigned long long)plen,
			(unsigned long long)bz->kernel_size);

	bz->relocatable = p[HDR(relocatable_kernel)] != 0;
	bz->kernel_alignment = (uint32_t)rd(p, HDR(kernel_alignment), 4);
	if (bz->relocatable &&
	    (bz->kernel_alignment < 4096 ||
	     (bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return set_why(
			why, why_len,
			"kernel_alignment 0x%x of a relocatable kernel is "
			"not a power of two of at least 4 KiB",
			bz->kernel_alignment);
	bz->pref_address = rd(p, HDR(pref_address), 8);
	bz->init_size = (uint32_t)rd(p, HDR(init_size), 4);
	bz->initrd_addr_max = (uint32_t)rd(p, HDR(initrd_addr_max), 4);
	bz->cmdline_size = (uint32_t)rd(p, HDR(cmdline_size), 4);
	return 0;
}

static int parse(const void *img, size_t size, struct bzimage *bz, bool real,
		 char *why, size_t why_len)
{
	int ret;

	memset(bz, 0, sizeof(*bz));
	ret = parse_header(img, size, bz, real, why, why_len);
	if (ret)
		return ret;
	return parse_layout(img, size, bz, real, why, why_len);
}

int bzimage__parse(const void *img, size_t size, struct bzimage *bz, char *why,
		   size_t why_len)
{
	return parse(img, size, bz, false, why, why_len);
}

int bzimage__parse_real(const void *img, size_t size, struct bzimage *bz,
			char *why, size_t why_len)
{
	return parse(img, size, bz, true, why, why_len);
}

int bzimage__place(const struct bzimage *bz, uint64_t low_end,
		   uint64_t initrd_size, size_t cmdline_len,
		   struct linux_layout *out, char *why, size_t why_len)
{
	uint64_t base, need, end, top;

	memset(out, 0, sizeof(*out));
	if (cmdline_len > bz->cmdline_size) {
		set_why(why, why_len,
			"the command line is %zu bytes, longer than the kernel's "
			"cmdline_size (%u)",
			cmdline_len, bz->cmdline_size);
		return -EINVAL;
	}
	if (cmdline_len >= LINUX_CMDLINE_MAX) {
		set_why(why, why_len,
			"the command line is %zu bytes, longer than the %llu "
			"zapvm has room for",
			cmdline_len, LINUX_CMDLINE_MAX - 1);
		return -EINVAL;
	}

	base = bz->pref_address ? bz->pref_address : LINUX_HIMEM;
	if (bz->relocatable) {
		if (base < LINUX_HIMEM)
			base = LINUX_HIMEM;
		if (!align_up(base, bz->kernel_alignment, &base))
			base = UINT64_MAX;
	} else if (base < LINUX_HIMEM) {
		return set_why(
			why, why_len,
			"pref_address 0x%llx of a non-relocatable kernel is "
			"below 1 MiB, where the boot data lives",
			(unsigned long long)base);
	}
	need = bz->init_size > bz->kernel_size ? bz->init_size :
						 bz->kernel_size;
	if (__builtin_add_overflow(base, need, &end) || end > low_end) {
		set_why(why, why_len,
			"the kernel needs %llu MiB of RAM at 0x%llx (init_size), "
			"but RAM below 4 GiB ends at 0x%llx: raise --mem",
			(unsigned long long)((need + (1 << 20) - 1) >> 20),
			(unsigned long long)base, (unsigned long long)low_end);
		return -EFBIG;
	}
	out->kernel_gpa = base;
	out->kernel_end = end;
	out->entry = base + LINUX_ENTRY_64;

	if (!initrd_size)
		return 0;
	top = (uint64_t)bz->initrd_addr_max + 1;
	if (top > low_end)
		top = low_end;
	if (initrd_size > top || ((top - initrd_size) & ~0xfffULL) < end) {
		set_why(why, why_len,
			"the %llu-byte initrd does not fit between the kernel's "
			"end (0x%llx) and 0x%llx (initrd_addr_max or the end of "
			"RAM below 4 GiB): raise --mem",
			(unsigned long long)initrd_size,
			(unsigned long long)end, (unsigned long long)top);
		return -EFBIG;
	}
	out->initrd_gpa = (top - initrd_size) & ~0xfffULL;
	out->initrd_size = initrd_size;
	return 0;
}

static int e820_add(struct boot_e820_entry *e, unsigned int max,
		    unsigned int *n, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (!size)
		return 0;
	if (*n == max)
		return -ENOSPC;
	e[*n] = (struct boot_e820_entry){ .addr = addr,
					  .size = size,
					  .type = type };
	(*n)++;
	return 0;
}

int bzimage__e820(uint64_t mem_size, struct boot_e820_entry *e,
		  unsigned int max)
{
	uint64_t low = mem_size < LINUX_LOW_RAM_MAX ? mem_size :
						      LINUX_LOW_RAM_MAX;
	unsigned int n = 0;
	int ret;

	ret = e820_add(e, max, &n, 0, LINUX_EBDA, E820_RAM);
	if (!ret)
		ret = e820_add(e, max, &n, LINUX_EBDA, 0xa0000 - LINUX_EBDA,
			       E820_RESERVED);
	if (!ret)
		ret = e820_add(e, max, &n, LINUX_ACPI_BASE,
			       LINUX_HIMEM - LINUX_ACPI_BASE, E820_RESERVED);
	if (!ret && low > LINUX_HIMEM)
		ret = e820_add(e, max, &n, LINUX_HIMEM, low - LINUX_HIMEM,
			       E820_RAM);
	if (!ret && mem_size > low)
		ret = e820_add(e, max, &n, LINUX_HIGH_RAM, mem_size - low,
			       E820_RAM);
	return ret ? ret : (int)n;
}

int bzimage__zero_page(const struct bzimage *bz, const struct linux_layout *l,
		       uint64_t mem_size, uint64_t cmdline_gpa, uint64_t rsdp,
		       struct boot_params *bp)
{
	int n;

	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, bz->hdr, bz->hdr_len);
	bp->hdr.type_of_loader = 0xff; /* undefined: not a registered loader */
	bp->hdr.code32_start = (uint32_t)l->kernel_gpa;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline_gpa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)l->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(l->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)l->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(l->initrd_size >> 32);
	/* A pointer into memory we never wrote: the file cannot choose it. */
	bp->hdr.setup_data = 0;
	bp->acpi_rsdp_addr = rsdp;
	n = bzimage__e820(mem_size, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return n;
	bp->e820_entries = (uint8_t)n;
	return 0;
}
