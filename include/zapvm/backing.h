/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How guest RAM is backed on the host (src/core/backing.c): --mem-backend,
 * --hugepage-size and --prefault. The backing decides which page sizes the
 * host can give KVM, so which SPTE levels a fault can install.
 */
#ifndef ZAPVM_BACKING_H
#define ZAPVM_BACKING_H

#include <stdbool.h>
#include <stdint.h>

/* --mem-backend; 0 (anon) is the default and what zapvm always did. */
enum mem_backend {
	MEM_BACKEND_ANON, /* MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE */
	MEM_BACKEND_MEMFD, /* memfd_create + ftruncate, MAP_SHARED */
	MEM_BACKEND_SHM, /* MAP_SHARED | MAP_ANONYMOUS */
	MEM_BACKEND_HUGETLB, /* memfd_create(MFD_HUGETLB), MAP_SHARED */
	MEM_BACKEND_FILE, /* file:PATH, MAP_SHARED */
};

/* What backing__map() is asked for. */
struct backing_spec {
	enum mem_backend kind;
	const char *path; /* MEM_BACKEND_FILE: the file */
	uint64_t hugepage_size; /* MEM_BACKEND_HUGETLB; 0: 2 MiB */
	bool prefault;
	int advice; /* madvise() advice for THP, 0: none */
	const char *sysfs_root; /* "" for the host; a test's fake tree */
};

/* A mapping of guest RAM: @ram is inside [@map, @map + @map_size). */
struct backing {
	void *map;
	uint64_t map_size;
	void *ram;
};

/*
 * mem_backend__parse - parse @s (anon, memfd, shm, hugetlb or file:PATH)
 * into *@kind and, for file:PATH, *@path (pointing into @s, which must
 * outlive it; NULL for the others). 0, or -EINVAL for anything else,
 * including an empty PATH.
 */
int mem_backend__parse(const char *s, enum mem_backend *kind,
		       const char **path);

/* mem_backend__name - "anon", "memfd", "shm", "hugetlb" or "file". */
const char *mem_backend__name(enum mem_backend kind);

/* hugepage_size__parse - 2M or 1G into bytes in *@out; 0 or -EINVAL. */
int hugepage_size__parse(const char *s, uint64_t *out);

/*
 * hugepages__free - the pages of size @page_size in the host's pool not
 * yet promised to anyone (free_hugepages - resv_hugepages under
 * @root/sys/kernel/mm/hugepages/hugepages-NkB/) into *@avail and the
 * pool's size (nr_hugepages) into *@total. 0, -ENODEV when the host has
 * no pool of that size, -EIO when a file does not read as a number.
 */
int hugepages__free(const char *root, uint64_t page_size, uint64_t *avail,
		    uint64_t *total);

/*
 * hugepages__check - whether @bytes of RAM fit in the free pages of size
 * @page_size under @root. 0; -ENODEV (the host lacks the size) or -ENXIO
 * (too few free pages) after one line on stderr that, for the latter,
 * names the sysctl to raise and to what.
 */
int hugepages__check(const char *root, uint64_t page_size, uint64_t bytes);

/*
 * backing__map - map @size bytes of guest RAM as @spec says into @b, the
 * RAM aligned to 2 MiB (to the huge page for hugetlb), THP advice and
 * prefaulting applied. Huge pages are checked for before mapping and
 * reserved by the shared mapping itself, so a guest never meets SIGBUS
 * for want of one. 0, or -errno after one line on stderr, with nothing
 * left mapped: -ENOENT/-EACCES/-EINVAL (file:PATH missing, unreadable, not
 * a regular file or shorter than @size), -ENODEV/-ENXIO (huge page size or
 * pages missing, or a file system that cannot map the file shared),
 * -EOPNOTSUPP (THP advice refused), -ENOMEM.
 */
int backing__map(const struct backing_spec *spec, uint64_t size,
		 struct backing *b);

/* backing__unmap - undo backing__map(); @b may be all zero. */
void backing__unmap(struct backing *b);

/*
 * backing__prefault - fault in every page of [@p, @p + @size) for write:
 * MADV_POPULATE_WRITE where the kernel has it, else a write of each
 * @step-sized page. 0 or -errno after one line on stderr.
 */
int backing__prefault(void *p, uint64_t size, uint64_t step);

#endif /* ZAPVM_BACKING_H */
