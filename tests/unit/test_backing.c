// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAM backings (src/core/backing.c): option values, and the huge page
 * pool check against a fake sysfs tree in a temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/backing.h"
#include "zapvm/exit.h"
#include "zapvm/runopts.h"

static char root[] = "/tmp/zapvm-backing.XXXXXX";

static void pool(const char *size, unsigned int nr, unsigned int nfree,
		 unsigned int resv)
{
	const char *names[] = { "nr_hugepages", "free_hugepages",
				"resv_hugepages" };
	unsigned int vals[] = { nr, nfree, resv };
	char path[512];

	snprintf(path, sizeof(path), "%s/sys", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/kernel", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/kernel/mm", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages/hugepages-%s",
		 root, size);
	mkdir(path, 0755);
	for (unsigned int i = 0; i < 3; i++) {
		char file[600];
		FILE *f;

		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		f = fopen(file, "w");
		if (f) {
			fprintf(f, "%u\n", vals[i]);
			fclose(f);
		}
	}
}

static void test_parse(void)
{
	enum mem_backend k;
	const char *path = "x";
	uint64_t sz;

	is_int(mem_backend__parse("anon", &k, &path), 0, "anon parses");
	ok(k == MEM_BACKEND_ANON && !path, "anon: kind, no path");
	is_int(mem_backend__parse("memfd", &k, &path), 0, "memfd parses");
	is_int(mem_backend__parse("shm", &k, &path), 0, "shm parses");
	ok(k == MEM_BACKEND_SHM, "shm: kind");
	is_int(mem_backend__parse("hugetlb", &k, &path), 0, "hugetlb parses");
	is_int(mem_backend__parse("file:/a/b", &k, &path), 0, "file parses");
	ok(k == MEM_BACKEND_FILE && !strcmp(path, "/a/b"), "file: its path");
	is_int(mem_backend__parse("file:", &k, &path), -EINVAL,
	       "file: without a path refused");
	is_int(mem_backend__parse("file", &k, &path), -EINVAL,
	       "file without ':' refused");
	is_int(mem_backend__parse("Anon", &k, &path), -EINVAL, "case matters");
	ok(!strcmp(mem_backend__name(MEM_BACKEND_HUGETLB), "hugetlb"),
	   "name of hugetlb");
	is_int(hugepage_size__parse("2M", &sz), 0, "2M parses");
	ok(sz == 2ULL << 20, "2M is 2 MiB");
	is_int(hugepage_size__parse("1G", &sz), 0, "1G parses");
	ok(sz == 1ULL << 30, "1G is 1 GiB");
	is_int(hugepage_size__parse("4M", &sz), -EINVAL, "4M refused");
	is_int(hugepage_size__parse("", &sz), -EINVAL, "empty refused");
}

static void test_runopts(void)
{
	struct vm_config cfg = { 0 };
	bool mem_given = false;

	is_int(runopts__parse(RUNOPT_MEM_BACKEND, "file:/x", &cfg, &mem_given),
	       0, "runopts: --mem-backend file:/x");
	ok(cfg.mem_backend == MEM_BACKEND_FILE && !strcmp(cfg.mem_file, "/x"),
	   "runopts: backing and file set");
	is_int(runopts__parse(RUNOPT_MEM_BACKEND, "nope", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "runopts: unknown backing is 64");
	is_int(runopts__parse(RUNOPT_HUGEPAGE_SIZE, "1G", &cfg, &mem_given), 0,
	       "runopts: --hugepage-size 1G");
	ok(cfg.hugepage_size == 1ULL << 30, "runopts: 1 GiB recorded");
	is_int(runopts__parse(RUNOPT_HUGEPAGE_SIZE, "3M", &cfg, &mem_given),
	       ZAPVM_EXIT_USAGE, "runopts: bad size is 64");
	is_int(runopts__parse(RUNOPT_PREFAULT, NULL, &cfg, &mem_given), 0,
	       "runopts: --prefault");
	ok(cfg.prefault, "runopts: prefault recorded");
}

static void test_pool(void)
{
	uint64_t avail = 0, total = 0;

	pool("2048kB", 64, 40, 8);
	is_int(hugepages__free(root, 2ULL << 20, &avail, &total), 0,
	       "pool reads");
	ok(avail == 32 && total == 64, "free minus reserved: 32 of 64");
	is_int(hugepages__check(root, 2ULL << 20, 64ULL << 20), 0,
	       "64 MiB fits in 32 free 2 MiB pages");
	is_int(hugepages__check(root, 2ULL << 20, 66ULL << 20), -ENXIO,
	       "66 MiB does not: -ENXIO (69)");
	is_int(hugepages__check(root, 1ULL << 30, 1ULL << 30), -ENODEV,
	       "no 1 GiB pool: -ENODEV (69)");
	pool("1048576kB", 0, 0, 0);
	is_int(hugepages__check(root, 1ULL << 30, 1ULL << 30), -ENXIO,
	       "an empty 1 GiB pool: -ENXIO");
	pool("2048kB", 4, 2, 3);
	is_int(hugepages__free(root, 2ULL << 20, &avail, &total), 0,
	       "pool with more reserved than free reads");
	ok(avail == 0, "more reserved than free: none available");
}

static void test_map(void)
{
	struct backing_spec spec = { .kind = MEM_BACKEND_MEMFD,
				     .prefault = true,
				     .sysfs_root = root };
	struct backing b;

	is_int(backing__map(&spec, 4ULL << 20, &b), 0, "memfd maps 4 MiB");
	ok(b.ram && !((uintptr_t)b.ram & ((2ULL << 20) - 1)),
	   "memfd RAM is 2 MiB aligned");
	ok(b.ram && ((volatile char *)b.ram)[4096] == 0, "memfd RAM reads 0");
	backing__unmap(&b);
	ok(!b.map, "unmap clears the mapping");
	spec.kind = MEM_BACKEND_HUGETLB;
	is_int(backing__map(&spec, 1ULL << 30, &b), -ENXIO,
	       "hugetlb with an empty fake pool: -ENXIO, nothing mapped");
	ok(!b.map, "nothing left mapped");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_parse();
	test_runopts();
	test_pool();
	test_map();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
	return tap_done();
}
