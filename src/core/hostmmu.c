// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host MMU settings: the module parameters and mm knobs that decide how
 * many faults a guest takes and at which SPTE level, so that every figure
 * carries them.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/hostmmu.h"
#include "zapvm/util.h"

enum hm_kind {
	HM_BOOL, /* Y/N or 1/0; another word is kept as a string */
	HM_INT, /* a count; an odd value is kept as a string */
	HM_BRACKET, /* "always [madvise] never": the selected word */
};

struct hm_setting {
	const char *key; /* in the JSON object */
	const char *label; /* in caps' text: the name a user sets it by */
	const char *path; /* under the root */
	const char *alt; /* where another kernel keeps it, or NULL */
	enum hm_kind kind;
};

#define KVM_P "sys/module/kvm/parameters/"
#define INTEL_P "sys/module/kvm_intel/parameters/"
#define AMD_P "sys/module/kvm_amd/parameters/"
#define THP_P "sys/kernel/mm/transparent_hugepage/"

static const struct hm_setting settings[] = {
	{ "kvm_tdp_mmu", "kvm.tdp_mmu", KVM_P "tdp_mmu", NULL, HM_BOOL },
	{ "kvm_intel_ept", "kvm_intel.ept", INTEL_P "ept", NULL, HM_BOOL },
	{ "kvm_intel_unrestricted_guest", "kvm_intel.unrestricted_guest",
	  INTEL_P "unrestricted_guest", NULL, HM_BOOL },
	{ "kvm_intel_eptad", "kvm_intel.eptad", INTEL_P "eptad", NULL,
	  HM_BOOL },
	{ "kvm_intel_pml", "kvm_intel.pml", INTEL_P "pml", NULL, HM_BOOL },
	{ "kvm_amd_npt", "kvm_amd.npt", AMD_P "npt", NULL, HM_BOOL },
	{ "kvm_nx_huge_pages", "kvm.nx_huge_pages", KVM_P "nx_huge_pages", NULL,
	  HM_BOOL },
	{ "kvm_nx_huge_pages_recovery_ratio",
	  "kvm.nx_huge_pages_recovery_ratio",
	  KVM_P "nx_huge_pages_recovery_ratio", NULL, HM_INT },
	{ "kvm_nx_huge_pages_recovery_period_ms",
	  "kvm.nx_huge_pages_recovery_period_ms",
	  KVM_P "nx_huge_pages_recovery_period_ms", NULL, HM_INT },
	{ "kvm_eager_page_split", "kvm.eager_page_split",
	  KVM_P "eager_page_split", NULL, HM_BOOL },
	/* kvm has it since 6.0; the vendor module is the other place to look */
	{ "kvm_mmio_caching", "kvm.mmio_caching", KVM_P "mmio_caching",
	  AMD_P "mmio_caching", HM_BOOL },
	{ "transparent_hugepage_enabled", "transparent_hugepage/enabled",
	  THP_P "enabled", NULL, HM_BRACKET },
	{ "transparent_hugepage_defrag", "transparent_hugepage/defrag",
	  THP_P "defrag", NULL, HM_BRACKET },
	{ "ksm_run", "ksm/run", "sys/kernel/mm/ksm/run", NULL, HM_INT },
	{ "ksm_pages_sharing", "ksm/pages_sharing",
	  "sys/kernel/mm/ksm/pages_sharing", NULL, HM_INT },
	{ "numa_balancing", "kernel.numa_balancing",
	  "proc/sys/kernel/numa_balancing", NULL, HM_INT },
};

#define HUGEPAGES_DIR "sys/kernel/mm/hugepages"

/* The file's first line without trailing blanks; -errno when unreadable. */
static int read_line(const char *root, const char *path, char *buf, size_t len)
{
	char full[PATH_MAX];
	size_t n;
	FILE *f;
	int r;

	r = snprintf(full, sizeof(full), "%s/%s", root, path);
	if (r < 0 || (size_t)r >= sizeof(full))
		return -ENAMETOOLONG;
	f = fopen(full, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strlen(buf);
	while (n &&
	       (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

static struct json_object *parse_int(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return json_object_new_string(s);
	return json_object_new_int64(v);
}

static struct json_object *parse_value(enum hm_kind kind, char *s)
{
	char *l, *r;

	switch (kind) {
	case HM_BOOL:
		if (!strcmp(s, "Y") || !strcmp(s, "1"))
			return json_object_new_boolean(1);
		if (!strcmp(s, "N") || !strcmp(s, "0"))
			return json_object_new_boolean(0);
		return json_object_new_string(s);
	case HM_INT:
		return parse_int(s);
	case HM_BRACKET:
		l = strchr(s, '[');
		r = l ? strchr(l, ']') : NULL;
		if (!l || !r)
			return json_object_new_string(s);
		*r = '\0';
		return json_object_new_string(l + 1);
	default:
		return NULL;
	}
}

static struct json_object *read_setting(const char *root,
					const struct hm_setting *s)
{
	char buf[256];

	if (read_line(root, s->path, buf, sizeof(buf)) &&
	    (!s->alt || read_line(root, s->alt, buf, sizeof(buf))))
		return NULL;
	return parse_value(s->kind, buf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

static int only_pools(const struct dirent *d)
{
	return !strncmp(d->d_name, "hugepages-", 10);
}

/* {"2048kB": {"nr": N, "free": N}, ...}; NULL without hugetlb in the host. */
static struct json_object *read_pools(const char *root)
{
	struct json_object *pools, *pool, *v;
	char dir[PATH_MAX], path[PATH_MAX + 64], buf[64];
	struct dirent **names;
	int n, r;

	r = snprintf(dir, sizeof(dir), "%s/%s", root, HUGEPAGES_DIR);
	if (r < 0 || (size_t)r >= sizeof(dir))
		return NULL;
	n = scandir(dir, &names, only_pools, by_name);
	if (n < 0)
		return NULL;
	pools = json_object_new_object();
	for (int i = 0; i < n; i++) {
		static const char *const files[] = { "nr_hugepages",
						     "free_hugepages" };
		static const char *const keys[] = { "nr", "free" };

		pool = json_object_new_object();
		for (int j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "%s/%s/%s", HUGEPAGES_DIR,
				 names[i]->d_name, files[j]);
			v = read_line(root, path, buf, sizeof(buf)) ?
				    NULL :
				    parse_int(buf);
			json_object_object_add(pool, keys[j], v);
		}
		if (pools)
			json_object_object_add(pools, names[i]->d_name + 10,
					       pool);
		else
			json_object_put(pool);
		free(names[i]);
	}
	free(names);
	return pools;
}

struct json_object *hostmmu__read(const char *root)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	if (!o)
		return NULL;
	if (!root || !*root)
		root = "/";
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		json_object_object_add(o, settings[i].key,
				       read_setting(root, &settings[i]));
	json_object_object_add(o, "hugepages", read_pools(root));
	return o;
}

static const char *text(struct json_object *v, char *buf, size_t len)
{
	if (!v)
		return "n/a";
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "Y" : "N";
	snprintf(buf, len, "%s", json_object_get_string(v));
	return buf;
}

void hostmmu__print(FILE *f, struct json_object *o)
{
	struct json_object *pools = NULL, *nr, *fr;
	char a[64], b[64];
	size_t i;

	fprintf(f, "host MMU settings\n");
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		fprintf(f, "  %-38s %s\n", settings[i].label,
			text(json_object_object_get(o, settings[i].key), a,
			     sizeof(a)));
	json_object_object_get_ex(o, "hugepages", &pools);
	if (!pools) {
		fprintf(f, "  %-38s n/a\n", "hugepages");
		return;
	}
	if (!json_object_object_length(pools))
		fprintf(f, "  %-38s none\n", "hugepages");
	json_object_object_foreach(pools, size, pool)
	{
		char label[64];

		nr = json_object_object_get(pool, "nr");
		fr = json_object_object_get(pool, "free");
		snprintf(label, sizeof(label), "hugepages-%s", size);
		fprintf(f, "  %-38s nr %s, free %s\n", label,
			text(nr, a, sizeof(a)), text(fr, b, sizeof(b)));
	}
}
