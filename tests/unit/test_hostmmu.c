// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host MMU settings reader (src/core/hostmmu.c) on fake sysfs and procfs
 * trees in a temporary directory: settings present, absent (JSON null, never
 * left out) and odd values.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/hostmmu.h"
#include "zapvm/util.h"

static char root[] = "/tmp/zapvm-hostmmu.XXXXXX";

/* mkdir -p for the parents of @rel under the root. */
static void parents(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	parents(rel);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static struct json_object *get(struct json_object *o, const char *key)
{
	return json_object_object_get(o, key);
}

static int is_null(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) && !v;
}

static int is_bool(struct json_object *o, const char *key, int want)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v) == want;
}

static int is_str(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), want);
}

static int is_num(struct json_object *o, const char *key, long long want)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) &&
	       json_object_get_int64(v) == want;
}

static const char *const all_keys[] = {
	"kvm_tdp_mmu",
	"kvm_intel_ept",
	"kvm_intel_unrestricted_guest",
	"kvm_intel_eptad",
	"kvm_intel_pml",
	"kvm_amd_npt",
	"kvm_nx_huge_pages",
	"kvm_nx_huge_pages_recovery_ratio",
	"kvm_nx_huge_pages_recovery_period_ms",
	"kvm_eager_page_split",
	"kvm_mmio_caching",
	"transparent_hugepage_enabled",
	"transparent_hugepage_defrag",
	"ksm_run",
	"ksm_pages_sharing",
	"numa_balancing",
	"hugepages",
};

static void empty_tree(void)
{
	struct json_object *o = hostmmu__read(root);
	size_t i, nulls = 0;

	ok(o != NULL, "empty tree: an object");
	for (i = 0; i < ARRAY_SIZE(all_keys); i++)
		nulls += is_null(o, all_keys[i]);
	is_int(nulls, ARRAY_SIZE(all_keys),
	       "empty tree: every key present and null");
	is_int(json_object_object_length(o), ARRAY_SIZE(all_keys),
	       "empty tree: no other key");
	json_object_put(o);
}

/* An Intel host: kvm_amd absent, odd but valid words. */
static void intel_tree(void)
{
	struct json_object *o, *pools, *p;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	put("sys/module/kvm/parameters/tdp_mmu", "Y\n");
	put("sys/module/kvm/parameters/nx_huge_pages", "never\n");
	put("sys/module/kvm/parameters/nx_huge_pages_recovery_ratio", "60\n");
	put("sys/module/kvm/parameters/nx_huge_pages_recovery_period_ms",
	    "0\n");
	put("sys/module/kvm/parameters/eager_page_split", "N\n");
	put("sys/module/kvm/parameters/mmio_caching", "1\n");
	put("sys/module/kvm_intel/parameters/ept", "Y\n");
	put("sys/module/kvm_intel/parameters/unrestricted_guest", "Y\n");
	put("sys/module/kvm_intel/parameters/eptad", "N\n");
	put("sys/module/kvm_intel/parameters/pml", "0\n");
	put("sys/kernel/mm/transparent_hugepage/enabled",
	    "[always] madvise never\n");
	put("sys/kernel/mm/transparent_hugepage/defrag",
	    "always defer defer+madvise [madvise] never\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "12\n");
	put("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	/* 1G: free_hugepages missing, a stray file beside the pools */
	put("sys/kernel/mm/hugepages/README", "x\n");
	put("sys/kernel/mm/ksm/run", "1\n");
	put("sys/kernel/mm/ksm/pages_sharing", "4711\n");
	put("proc/sys/kernel/numa_balancing", "garbage\n");

	o = hostmmu__read(root);
	ok(is_bool(o, "kvm_tdp_mmu", 1), "Y is true");
	ok(is_str(o, "kvm_nx_huge_pages", "never"),
	   "nx_huge_pages 'never' kept");
	ok(is_num(o, "kvm_nx_huge_pages_recovery_ratio", 60), "ratio 60");
	ok(is_num(o, "kvm_nx_huge_pages_recovery_period_ms", 0), "period 0");
	ok(is_bool(o, "kvm_eager_page_split", 0), "N is false");
	ok(is_bool(o, "kvm_mmio_caching", 1), "1 is true");
	ok(is_bool(o, "kvm_intel_ept", 1) &&
		   is_bool(o, "kvm_intel_unrestricted_guest", 1),
	   "ept, unrestricted_guest");
	ok(is_bool(o, "kvm_intel_eptad", 0) && is_bool(o, "kvm_intel_pml", 0),
	   "eptad, pml (0)");
	ok(is_null(o, "kvm_amd_npt"), "kvm_amd.npt absent: null");
	ok(is_str(o, "transparent_hugepage_enabled", "always"),
	   "THP enabled: the [word]");
	ok(is_str(o, "transparent_hugepage_defrag", "madvise"),
	   "THP defrag: the [word]");
	ok(is_num(o, "ksm_run", 1) && is_num(o, "ksm_pages_sharing", 4711),
	   "KSM");
	ok(is_str(o, "numa_balancing", "garbage"), "odd count kept as text");
	pools = get(o, "hugepages");
	is_int(pools ? json_object_object_length(pools) : -1, 2,
	       "two pools, the stray file ignored");
	p = pools ? get(pools, "2048kB") : NULL;
	ok(p && is_num(p, "nr", 16) && is_num(p, "free", 12), "2M pool");
	p = pools ? get(pools, "1048576kB") : NULL;
	ok(p && is_num(p, "nr", 0) && is_null(p, "free"),
	   "1G pool: a missing file is null");

	f = open_memstream(&text, &len);
	if (f) {
		hostmmu__print(f, o);
		fclose(f);
	}
	ok(text && strstr(text, "host MMU settings\n"), "text: the heading");
	ok(text && strstr(text, "kvm_amd.npt") &&
		   strstr(strstr(text, "kvm_amd.npt"), "n/a\n"),
	   "text: n/a for an absent setting");
	ok(text && strstr(text, "hugepages-2048kB") &&
		   strstr(text, "nr 16, free 12"),
	   "text: the 2M pool");
	free(text);
	json_object_put(o);
}

/* A trailing blank, no brackets, an empty file, the AMD module. */
static void odd_tree(void)
{
	struct json_object *o;

	put("sys/kernel/mm/transparent_hugepage/enabled", "never \n");
	put("sys/kernel/mm/transparent_hugepage/defrag", "");
	put("sys/module/kvm/parameters/mmio_caching", "");
	put("sys/module/kvm_amd/parameters/npt", "Y\n");
	o = hostmmu__read(root);
	ok(is_str(o, "transparent_hugepage_enabled", "never"),
	   "no brackets: the word");
	ok(is_str(o, "transparent_hugepage_defrag", ""),
	   "empty file: an empty string");
	ok(is_bool(o, "kvm_amd_npt", 1), "kvm_amd.npt Y");
	json_object_put(o);
}

int main(void)
{
	struct json_object *o;
	char cmd[600];

	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	empty_tree();
	intel_tree();
	odd_tree();
	o = hostmmu__read("/");
	is_int(o ? json_object_object_length(o) : -1, ARRAY_SIZE(all_keys),
	       "this host: every key");
	json_object_put(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
	return tap_done();
}
