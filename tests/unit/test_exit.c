// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exit statuses: the code's table (src/cmd/exit.c) against the EXIT
 * STATUS sections of zapvm(1) and zapvm-bench(1), and how each way a VM
 * ends maps to one. argv[1] and argv[2] are the two man pages.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "zapvm/exit.h"
#include "zapvm/vm.h"

#define MAX_DOC 64

/* A documented status, or a range of them (zapvm(1)'s "0\(en63"). */
struct doc {
	int lo, hi;
};

static bool in_table(int status)
{
	for (unsigned int i = 0; i < exit_nstatuses; i++)
		if (exit_statuses[i].status == status)
			return true;
	return false;
}

/*
 * The EXIT STATUS section of mdoc page @path, a line at a time into @fn;
 * false when the page or the section is missing.
 */
static bool section(const char *path, void (*fn)(const char *line, void *),
		    void *arg)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool in = false, seen = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, ".Sh ", 4)) {
			in = !strcmp(line, ".Sh EXIT STATUS\n");
			seen |= in;
			continue;
		}
		if (in)
			fn(line, arg);
	}
	fclose(f);
	return seen;
}

struct docs {
	struct doc d[MAX_DOC];
	unsigned int n;
};

static void docs__add(struct docs *ds, int lo, int hi)
{
	if (ds->n < MAX_DOC)
		ds->d[ds->n++] = (struct doc){ lo, hi };
}

/* zapvm(1): a tagged list, ".It 64" or ".It 0\(en63". */
static void tagged(const char *line, void *arg)
{
	int lo, hi, n = 0;

	if (sscanf(line, ".It %d%n", &lo, &n) != 1)
		return;
	if (sscanf(line + n, "\\(en%d", &hi) != 1)
		hi = lo;
	docs__add(arg, lo, hi);
}

/*
 * zapvm-bench(1): prose; every whole number in its text lines is a status
 * (macro lines such as ".Xr zapvm 1" are not text).
 */
static void prose(const char *line, void *arg)
{
	const char *p = line;

	if (*line == '.')
		return;
	while (*p) {
		const char *q = p;
		int v = 0;

		if (!isdigit((unsigned char)*p) ||
		    (p > line && (isalnum((unsigned char)p[-1]) ||
				  p[-1] == '.' || p[-1] == '-'))) {
			p++;
			continue;
		}
		while (isdigit((unsigned char)*q))
			v = v * 10 + (*q++ - '0');
		if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-')
			docs__add(arg, v, v);
		else if (*q == '.' && !isdigit((unsigned char)q[1]))
			docs__add(arg, v, v); /* end of a sentence */
		p = q;
	}
}

static bool documented(const struct docs *ds, int status)
{
	for (unsigned int i = 0; i < ds->n; i++)
		if (status >= ds->d[i].lo && status <= ds->d[i].hi)
			return true;
	return false;
}

static void test_table(void)
{
	bool sorted = true;

	for (unsigned int i = 1; i < exit_nstatuses; i++)
		sorted &= exit_statuses[i].status > exit_statuses[i - 1].status;
	ok(exit_nstatuses >= 10 && sorted,
	   "the table: %u statuses, in increasing order", exit_nstatuses);
	for (unsigned int i = 0; i < exit_nstatuses; i++)
		ok(exit_statuses[i].name && exit_statuses[i].meaning &&
			   exit_statuses[i].status >= 0 &&
			   exit_statuses[i].status < 256,
		   "  ...%d %s has a name and a meaning",
		   exit_statuses[i].status, exit_statuses[i].name);
}

static void test_zapvm_1(const char *path)
{
	struct docs ds = { .n = 0 };

	if (!ok(section(path, tagged, &ds) && ds.n >= 10,
		"zapvm(1) %s: EXIT STATUS lists %u statuses", path, ds.n))
		return;
	for (unsigned int i = 0; i < ds.n; i++) {
		ok(in_table(ds.d[i].lo), "zapvm(1)'s %d is in the table",
		   ds.d[i].lo);
		if (ds.d[i].hi != ds.d[i].lo)
			ok(in_table(ds.d[i].hi),
			   "zapvm(1)'s %d is in the table", ds.d[i].hi);
	}
	for (unsigned int i = 0; i < exit_nstatuses; i++)
		ok(documented(&ds, exit_statuses[i].status),
		   "the table's %d (%s) is documented in zapvm(1)",
		   exit_statuses[i].status, exit_statuses[i].name);
}

static void test_bench_1(const char *path)
{
	struct docs ds = { .n = 0 };

	if (!ok(section(path, prose, &ds) && ds.n >= 5,
		"zapvm-bench(1) %s: EXIT STATUS names %u statuses", path, ds.n))
		return;
	for (unsigned int i = 0; i < ds.n; i++)
		ok(in_table(ds.d[i].lo), "zapvm-bench(1)'s %d is in the table",
		   ds.d[i].lo);
}

static int end_status(enum vm_end end, int err, uint64_t guest)
{
	struct vm_result res = { .end = end,
				 .err = err,
				 .guest_status = guest };

	return exit__from_vm(&res);
}

static void test_vm_end(void)
{
	is_int(end_status(VM_END_GUEST_DONE, 0, 0), 0, "guest done 0: 0");
	is_int(end_status(VM_END_GUEST_DONE, 0, 7), 7, "guest done 7: 7");
	is_int(end_status(VM_END_GUEST_DONE, 0, 64), 63, "guest 64 reads 63");
	is_int(end_status(VM_END_GUEST_DONE, 0, 1ULL << 40), 63,
	       "guest 2^40 reads 63");
	is_int(end_status(VM_END_POWEROFF, 0, 5), 0, "power-off: 0");
	is_int(end_status(VM_END_GUEST_ASSERT, 0, 0), 100, "assert: 100");
	is_int(end_status(VM_END_GUEST_CRASH, 0, 0), 101, "crash: 101");
	is_int(end_status(VM_END_REBOOT, 0, 0), 102, "reboot: 102");
	is_int(end_status(VM_END_PANIC, 0, 0), 103, "panic: 103");
	is_int(end_status(VM_END_TIMEOUT, 0, 0), 124, "timeout: 124");
	is_int(end_status(VM_END_INTERRUPTED, 0, 0), 130, "interrupted: 130");
	is_int(end_status(VM_END_CONFIG, -EINVAL, 0), 64, "config: 64");
	is_int(end_status(VM_END_ERROR, -ENOENT, 0), 66, "error ENOENT: 66");
	is_int(end_status(VM_END_ERROR, -EOPNOTSUPP, 0), 69,
	       "error EOPNOTSUPP: 69");
	is_int(end_status(VM_END_ERROR, -EIO, 0), 70, "error EIO: 70");
	is_int(end_status(VM_END_ERROR, -EACCES, 0), 77, "error EACCES: 77");
	/* The errnos bench's probe hooks pick for the statuses they mean. */
	is_int(end_status(VM_END_ERROR, -EPERM, 0), 77,
	       "a hook's EPERM (no SCHED_FIFO): 77");
	is_int(end_status(VM_END_ERROR, -EFAULT, 0), 70,
	       "a hook's EFAULT (control block not in RAM): 70");
	/* A hook returns -errno only: a positive value is no status. */
	is_int(end_status(VM_END_ERROR, 74, 0), 70,
	       "a positive err is not passed through: 70");
}

int main(int argc, char **argv)
{
	test_table();
	test_vm_end();
	if (argc < 3) {
		ok(0, "usage: test_exit ZAPVM.1 ZAPVM-BENCH.1");
		return tap_done();
	}
	test_zapvm_1(argv[1]);
	test_bench_1(argv[2]);
	return tap_done();
}
