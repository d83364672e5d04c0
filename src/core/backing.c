// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest RAM's host backing. Every backing but anon maps a shared object
 * into a PROT_NONE reservation at an aligned address, so the whole of it
 * is one range to munmap() whatever happened.
 *
 * hugetlb is a memfd_create(MFD_HUGETLB) file mapped MAP_SHARED: a shared
 * hugetlb mapping reserves its pages at mmap() time (ENOMEM when the pool
 * is short), where a MAP_NORESERVE or lazily reserved one would meet
 * SIGBUS at the guest's first touch of a page the pool cannot give.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zapvm/backing.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

#define RAM_ALIGN (2ULL << 20)

static const char *const backend_names[] = {
	[MEM_BACKEND_ANON] = "anon", [MEM_BACKEND_MEMFD] = "memfd",
	[MEM_BACKEND_SHM] = "shm",   [MEM_BACKEND_HUGETLB] = "hugetlb",
	[MEM_BACKEND_FILE] = "file",
};

int mem_backend__parse(const char *s, enum mem_backend *kind, const char **path)
{
	if (!strncmp(s, "file:", 5)) {
		if (!s[5])
			return -EINVAL;
		*kind = MEM_BACKEND_FILE;
		*path = s + 5;
		return 0;
	}
	for (unsigned int i = 0; i < MEM_BACKEND_FILE; i++) {
		if (!strcmp(s, backend_names[i])) {
			*kind = (enum mem_backend)i;
			*path = NULL;
			return 0;
		}
	}
	return -EINVAL;
}

const char *mem_backend__name(enum mem_backend kind)
{
	if ((unsigned int)kind > MEM_BACKEND_FILE)
		return "?";
	return backend_names[kind];
}

int hugepage_size__parse(const char *s, uint64_t *out)
{
	if (!strcmp(s, "2M"))
		*out = 2ULL << 20;
	else if (!strcmp(s, "1G"))
		*out = 1ULL << 30;
	else
		return -EINVAL;
	return 0;
}

/* One number from @dir/@name into *@v: 0, -ENOENT, -EIO. */
static int read_count(const char *dir, const char *name, uint64_t *v)
{
	char path[PATH_MAX], buf[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, v) ? -EIO : 0;
}

static void pool_dir(char *buf, size_t len, const char *root,
		     uint64_t page_size)
{
	snprintf(buf, len, "%s/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB",
		 root, page_size >> 10);
}

int hugepages__free(const char *root, uint64_t page_size, uint64_t *avail,
		    uint64_t *total)
{
	uint64_t nfree, resv;
	char dir[PATH_MAX];
	int ret;

	pool_dir(dir, sizeof(dir), root, page_size);
	if (access(dir, F_OK))
		return -ENODEV;
	ret = read_count(dir, "free_hugepages", &nfree);
	if (!ret)
		ret = read_count(dir, "resv_hugepages", &resv);
	if (!ret)
		ret = read_count(dir, "nr_hugepages", total);
	if (ret)
		return -EIO;
	*avail = nfree > resv ? nfree - resv : 0;
	return 0;
}

int hugepages__check(const char *root, uint64_t page_size, uint64_t bytes)
{
	uint64_t need = (bytes + page_size - 1) / page_size, avail, total;
	char dir[PATH_MAX];
	int ret = hugepages__free(root, page_size, &avail, &total);

	if (ret == -ENODEV) {
		log_err("--hugepage-size %s: this host has no %" PRIu64
			" kB huge pages",
			page_size >= (1ULL << 30) ? "1G" : "2M",
			page_size >> 10);
		return ret;
	}
	if (ret) {
		log_err("--mem-backend hugetlb: cannot read the %" PRIu64
			" kB huge page pool",
			page_size >> 10);
		return -ENXIO;
	}
	if (avail >= need)
		return 0;
	pool_dir(dir, sizeof(dir), root, page_size);
	log_err("--mem-backend hugetlb: %" PRIu64 " huge pages of %" PRIu64
		" kB needed, %" PRIu64
		" free: raise %s%s/nr_hugepages to %" PRIu64,
		need, page_size >> 10, avail,
		page_size == RAM_ALIGN ? "vm.nr_hugepages (default size) or " :
					 "",
		dir, total + need - avail);
	return -ENXIO;
}

int backing__prefault(void *p, uint64_t size, uint64_t step)
{
	volatile uint8_t *q = p;

	if (!madvise(p, size, MADV_POPULATE_WRITE))
		return 0;
	if (errno != EINVAL) {
		int err = errno;

		log_err("--prefault: MADV_POPULATE_WRITE failed: %s",
			strerror(err));
		return -err;
	}
	/* Kernels before 5.14: write each page with what it holds. */
	for (uint64_t off = 0; off < size; off += step)
		q[off] = q[off];
	return 0;
}

/* The object to map for @spec: a descriptor, -1 for shm, or -errno. */
/*
 * memfd_create()'s huge page flags for @spec: none but for hugetlb, then
 * the page size's log2 in the MFD_HUGE_* bits (none: the default size).
 */
static unsigned int memfd_huge(const struct backing_spec *spec)
{
	if (spec->kind != MEM_BACKEND_HUGETLB)
		return 0;
	if (!spec->hugepage_size)
		return MFD_HUGETLB;
	return MFD_HUGETLB | ((unsigned int)__builtin_ctzll(spec->hugepage_size)
			      << MFD_HUGE_SHIFT);
}

static int backing__open(const struct backing_spec *spec, uint64_t len)
{
	struct stat st;
	int fd;

	switch (spec->kind) {
	case MEM_BACKEND_SHM:
		return -1;
	case MEM_BACKEND_FILE:
		fd = open_input(spec->path, O_RDWR, false, &st);
		if (fd < 0) {
			log_err("--mem-backend file:%s: %s", spec->path,
				fd == -EINVAL ? "not a regular file" :
						strerror(-fd));
			return fd;
		}
		if ((uint64_t)st.st_size < len) {
			log_err("--mem-backend file:%s: %llu bytes, smaller "
				"than the %llu bytes of --mem",
				spec->path, (unsigned long long)st.st_size,
				(unsigned long long)len);
			close(fd);
			return -EINVAL;
		}
		return fd;
	case MEM_BACKEND_MEMFD:
	case MEM_BACKEND_HUGETLB:
		fd = memfd_create("zapvm-ram", MFD_CLOEXEC | memfd_huge(spec));
		if (fd < 0 || ftruncate(fd, (off_t)len)) {
			int err = errno;

			log_err("--mem-backend %s: %s failed: %s",
				mem_backend__name(spec->kind),
				fd < 0 ? "memfd_create" : "ftruncate",
				strerror(err));
			if (fd >= 0)
				close(fd);
			return err == EINVAL || err == ENODEV ? -ENODEV :
								-ENOMEM;
		}
		return fd;
	case MEM_BACKEND_ANON:
	default:
		return -EINVAL;
	}
}

/* Map @len bytes of @fd (or shared anonymous memory) at an @align boundary. */
static int backing__map_shared(const struct backing_spec *spec, int fd,
			       uint64_t len, uint64_t align, struct backing *b)
{
	int flags = MAP_SHARED | MAP_FIXED;
	uint8_t *at;
	void *p;

	b->map_size = len + align;
	b->map = mmap(NULL, b->map_size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		log_err("cannot reserve %llu bytes for guest RAM: %s",
			(unsigned long long)len, strerror(errno));
		return -ENOMEM;
	}
	at = (uint8_t *)(((uintptr_t)b->map + align - 1) & ~(align - 1));
	if (fd < 0)
		flags |= MAP_ANONYMOUS | MAP_NORESERVE;
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		log_err("--mem-backend %s: mmap of %llu bytes failed: %s%s",
			mem_backend__name(spec->kind), (unsigned long long)len,
			strerror(err),
			spec->kind == MEM_BACKEND_HUGETLB && err == ENOMEM ?
				" (the huge page pool could not reserve them)" :
				"");
		backing__unmap(b);
		if (err == ENOMEM)
			return spec->kind == MEM_BACKEND_HUGETLB ? -ENXIO :
								   -ENOMEM;
		return err == EACCES ? -EACCES : -ENODEV;
	}
	b->ram = p;
	return 0;
}

static int backing__map_anon(uint64_t size, struct backing *b)
{
	b->map_size = size + RAM_ALIGN;
	b->map = mmap(NULL, b->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		log_err("cannot allocate %llu bytes of guest RAM: %s",
			(unsigned long long)size, strerror(errno));
		return -ENOMEM;
	}
	/* Over-allocated so guest RAM starts on a 2 MiB boundary for THP. */
	b->ram = (uint8_t *)(((uintptr_t)b->map + RAM_ALIGN - 1) &
			     ~(RAM_ALIGN - 1));
	return 0;
}

int backing__map(const struct backing_spec *spec, uint64_t size,
		 struct backing *b)
{
	uint64_t page = spec->hugepage_size ? spec->hugepage_size : RAM_ALIGN;
	uint64_t len = size, align = RAM_ALIGN;
	int fd = -1, ret;

	memset(b, 0, sizeof(*b));
	if (spec->kind == MEM_BACKEND_ANON) {
		ret = backing__map_anon(size, b);
		if (ret)
			return ret;
		goto advise;
	}
	if (spec->kind == MEM_BACKEND_HUGETLB) {
		len = (size + page - 1) / page * page;
		align = page;
		ret = hugepages__check(spec->sysfs_root, page, len);
		if (ret)
			return ret;
	}
	fd = backing__open(spec, len);
	if (fd < -1)
		return fd;
	ret = backing__map_shared(spec, fd, len, align, b);
	if (fd >= 0)
		close(fd);
	if (ret)
		return ret;
advise:
	if (spec->advice && madvise(b->ram, size, spec->advice)) {
		log_err("--thp %s: madvise failed: %s (is transparent hugepage "
			"support built in?)",
			spec->advice == MADV_HUGEPAGE ? "on" : "off",
			strerror(errno));
		backing__unmap(b);
		return -EOPNOTSUPP;
	}
	if (spec->prefault) {
		ret = backing__prefault(
			b->ram, len,
			spec->kind == MEM_BACKEND_HUGETLB ? page : 4096);
		if (ret) {
			backing__unmap(b);
			return ret;
		}
	}
	return 0;
}

void backing__unmap(struct backing *b)
{
	if (b->map)
		munmap(b->map, b->map_size);
	memset(b, 0, sizeof(*b));
}
