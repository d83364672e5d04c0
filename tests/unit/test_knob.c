// SPDX-License-Identifier: GPL-2.0-only
/*
 * The series knobs' save and restore (src/core/knob.c) against plain files in a
 * temporary directory, reached the way the tests of `zapvm run` reach them:
 * through $ZAPVM_KNOB_DIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/kvm_compat.h"
#include "zapvm/knob.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

static char dir[] = "/tmp/zapvm-knob.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The whole file, or "" if it cannot be read. */
static const char *get(const char *name)
{
	static char buf[64];
	char path[256];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void test_read(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "Y\n", 1 },		{ "N\n", 0 },	      { "y", 1 },
		{ "0\n", 0 },		{ "1", 1 },	      { "", -EINVAL },
		{ "maybe\n", -EINVAL }, { "Yes\n", -EINVAL },
	};
	char path[256];

	snprintf(path, sizeof(path), "%s/r", dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		put("r", cases[i].text);
		is_int(knob__read(path), cases[i].want, "knob__read('%.*s')",
		       (int)strcspn(cases[i].text, "\n"), cases[i].text);
	}
	snprintf(path, sizeof(path), "%s/absent", dir);
	is_int(knob__read(path), -ENOENT, "knob__read of a missing file");
}

static void test_path(void)
{
	struct knob k;
	char want[256];

	unsetenv("ZAPVM_KNOB_DIR");
	knob__init(&k, "--prefetch", ZAPVM_KNOB_PREFETCH);
	ok(!strcmp(k.path, ZAPVM_KNOB_PREFETCH), "default path is sysfs: %s",
	   k.path);
	setenv("ZAPVM_KNOB_DIR", dir, 1);
	knob__init(&k, "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
	snprintf(want, sizeof(want), "%s/tdp_mmu_zap_4k", dir);
	ok(!strcmp(k.path, want), "$ZAPVM_KNOB_DIR redirects: %s", k.path);
	ok(!k.written && k.saved == -1, "a new knob has nothing to restore");
}

static void test_set_restore(void)
{
	struct knob k;

	put("tdp_mmu_change_pte_prefetch", "Y\n");
	knob__init(&k, "--prefetch", ZAPVM_KNOB_PREFETCH);
	is_int(knob__restore(&k), 0, "restore before any set: a no-op");
	ok(!strcmp(get("tdp_mmu_change_pte_prefetch"), "Y\n"),
	   "... file untouched");
	is_int(knob__set(&k, 0), 0, "set N");
	ok(!strcmp(get("tdp_mmu_change_pte_prefetch"), "N\n"), "file says N");
	is_int(k.saved, 1, "saved the old Y");
	is_int(knob__set(&k, 1), 0, "set Y again");
	is_int(knob__set(&k, 0), 0, "and N");
	is_int(k.saved, 1, "later sets keep the first saved value");
	is_int(knob__restore(&k), 0, "restore");
	ok(!strcmp(get("tdp_mmu_change_pte_prefetch"), "Y\n"),
	   "file says Y again");
	ok(!k.written, "nothing left to restore");
	put("tdp_mmu_change_pte_prefetch", "N\n");
	is_int(knob__restore(&k), 0, "a second restore is a no-op");
	ok(!strcmp(get("tdp_mmu_change_pte_prefetch"), "N\n"),
	   "... and writes nothing");

	/* Saved N, set Y, restored N. */
	knob__init(&k, "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
	put("tdp_mmu_zap_4k", "N\n");
	is_int(knob__set(&k, 1), 0, "root-zap: set Y over N");
	ok(!strcmp(get("tdp_mmu_zap_4k"), "Y\n"), "file says Y");
	is_int(knob__restore(&k), 0, "restore");
	ok(!strcmp(get("tdp_mmu_zap_4k"), "N\n"), "file says N again");
}

static void test_errors(void)
{
	struct knob k;
	char sub[256];

	/* Missing: the host does not run the zapvm series. */
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	mkdir(sub, 0755);
	setenv("ZAPVM_KNOB_DIR", sub, 1);
	knob__init(&k, "--prefetch", ZAPVM_KNOB_PREFETCH);
	is_int(errno_to_exit(knob__set(&k, 1)), ZAPVM_EXIT_UNAVAILABLE,
	       "missing knob file: 69");
	ok(!k.written, "... nothing to restore");

	/* A value the file cannot hold: unreadable garbage is refused. */
	setenv("ZAPVM_KNOB_DIR", dir, 1);
	put("tdp_mmu_zap_4k", "garbage\n");
	knob__init(&k, "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
	is_int(errno_to_exit(knob__set(&k, 1)), ZAPVM_EXIT_UNAVAILABLE,
	       "knob file with garbage: 69, not overwritten");
	ok(!strcmp(get("tdp_mmu_zap_4k"), "garbage\n"), "... file untouched");

	/* Not writable: 77 (root may write anything, so only as a user). */
	put("tdp_mmu_zap_4k", "Y\n");
	snprintf(sub, sizeof(sub), "%s/tdp_mmu_zap_4k", dir);
	chmod(sub, 0444);
	if (geteuid() == 0) {
		printf("ok %d - # SKIP not-writable knob: running as root\n",
		       ++tap_n);
	} else {
		is_int(errno_to_exit(knob__set(&k, 0)), ZAPVM_EXIT_NOPERM,
		       "read-only knob file: 77");
		ok(!strcmp(get("tdp_mmu_zap_4k"), "Y\n"), "... file untouched");
	}
}

int main(void)
{
	char path[256];

	log_level = LOG_QUIET; /* the refusals log; keep TAP clean */
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_read();
	test_path();
	test_set_restore();
	test_errors();

	for (const char *const *n =
		     (const char *const[]){ "r", "tdp_mmu_change_pte_prefetch",
					    "tdp_mmu_zap_4k", NULL };
	     *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/missing", dir);
	rmdir(path);
	rmdir(dir);
	return tap_done();
}
