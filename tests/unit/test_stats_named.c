// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats__format_named() and stats__describe()'s refusals: the VM stats
 * the triple-fault line ends with (src/core/vcpu.c).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "zapvm/stats.h"

#include "tap.h"

static const char *const names[] = { "change_pte_prefetch", "root_zap_passes",
				     "memslot_zaps_all" };
static const uint64_t vals[] = { 0, 7, 18446744073709551615ULL };

static void test_format(void)
{
	const bool all[] = { true, true, true },
		   none[] = { false, false, false };
	const bool last[] = { false, false, true },
		   ends[] = { true, false, true };
	char buf[256], tiny[12];
	int n;

	n = stats__format_named(buf, sizeof(buf), "VM stats", names, vals, all,
				3);
	ok(!strcmp(buf, "VM stats: change_pte_prefetch 0, root_zap_passes 7, "
			"memslot_zaps_all 18446744073709551615"),
	   "all three, in order: '%s'", buf);
	is_int(n, (int)strlen(buf), "returns the length");
	memset(buf, 'x', sizeof(buf));
	is_int(stats__format_named(buf, sizeof(buf), "VM stats", names, vals,
				   none, 3),
	       0, "none the kernel has: 0");
	ok(!strcmp(buf, ""), "and an empty string");
	stats__format_named(buf, sizeof(buf), "VM stats", names, vals, last, 3);
	ok(!strcmp(buf, "VM stats: memslot_zaps_all 18446744073709551615"),
	   "only the one it has, no separator: '%s'", buf);
	stats__format_named(buf, sizeof(buf), "s", names, vals, ends, 3);
	ok(!strcmp(buf, "s: change_pte_prefetch 0, memslot_zaps_all "
			"18446744073709551615"),
	   "a gap in the middle: '%s'", buf);
	n = stats__format_named(tiny, sizeof(tiny), "VM stats", names, vals,
				all, 3);
	ok(!strcmp(tiny, "VM stats: c") && n >= (int)sizeof(tiny),
	   "truncated to the buffer, NUL-terminated: '%s' (%d)", tiny, n);
	is_int(stats__format_named(tiny, 0, "VM stats", names, vals, all, 3) >
		       0,
	       1, "a zero-length buffer is not written");
}

static void test_describe(void)
{
	struct stats_set s = { .fd = -1 };
	char buf[64] = "junk";

	is_int(stats__describe(NULL, "VM stats", names, 3, buf, sizeof(buf)),
	       -2, "no stats: -ENOENT");
	ok(!strcmp(buf, ""), "and an empty line");
	strcpy(buf, "junk");
	is_int(stats__describe(&s, "VM stats", names, 3, buf, sizeof(buf)), -2,
	       "a closed stats fd: -ENOENT");
	ok(!strcmp(buf, ""), "and an empty line");
}

/* On a real VM's stats, where /dev/kvm has them: one it has, one not. */
static void test_describe_kvm(void)
{
	static const char *const two[] = { "no_such_stat", "remote_tlb_flush" };
	struct stats_set s = { .fd = -1 };
	char buf[128];
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1, fd = -1;

	if (kvm >= 0)
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm >= 0)
		fd = ioctl(vm, KVM_GET_STATS_FD, NULL);
	if (fd < 0 || stats__open(&s, fd) ||
	    stats__find(&s, "remote_tlb_flush") < 0) {
		ok(1, "# SKIP no /dev/kvm VM stats with remote_tlb_flush");
	} else {
		is_int(stats__describe(&s, "VM stats", two, 2, buf,
				       sizeof(buf)),
		       0, "a real VM's stats");
		ok(!strncmp(buf, "VM stats: remote_tlb_flush ", 27) &&
			   !strstr(buf, "no_such"),
		   "only the stat the kernel has: '%s'", buf);
	}
	stats__close(&s);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
}

int main(void)
{
	test_format();
	test_describe();
	test_describe_kvm();
	return tap_done();
}
