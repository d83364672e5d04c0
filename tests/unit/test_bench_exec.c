// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench exec: the {placeholders} of the VMM's arguments, and its
 * command line (the VMM after "--", options that go with it or not).
 */
#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "test_bench.h"

/* @tmpl expanded with 512 MiB and 4 vCPUs equals @want (NULL: refused). */
static void expands(const char *tmpl, const char *want, unsigned int used)
{
	unsigned int u = 0;
	char bad[64] = "";
	char *x = vmm__expand(tmpl, 512ULL << 20, 4, &u, bad, sizeof(bad));

	if (!want) {
		ok(!x && errno == EINVAL && bad[0] == '{',
		   "'%s' refused (unknown %s)", tmpl, bad);
		free(x);
		return;
	}
	ok(x && !strcmp(x, want) && u == used, "'%s' -> '%s' (%s)", tmpl,
	   x ? x : "NULL", want);
	free(x);
}

static void test_expand(void)
{
	expands("-m", "-m", 0);
	expands("{mem}", "512", VMM_P_MEM);
	expands("{mem_mib}M", "512M", VMM_P_MEM);
	expands("size={mem_bytes}", "size=536870912", VMM_P_MEM);
	expands("boot=1,mem={mem}M,cpus={cpus}", "boot=1,mem=512M,cpus=4",
		VMM_P_MEM | VMM_P_CPUS);
	expands("{{mem}", "{mem}", 0);
	expands("{\"a\": {}}", "{\"a\": {}}", 0);
	expands("${HOME}", "${HOME}", 0);
	expands("{memory}", NULL, 0);
	expands("a{cpus}b{x}", NULL, 0);
	expands("{mme}", NULL, 0);
	expands("{MEM}", "{MEM}", 0);
	expands("{mem", "{mem", 0);
	expands("", "", 0);
}

/*
 * As parse_args(), with an argv that outlives the call: the options keep
 * pointers into it (the VMM's arguments).
 */
static int parse_vmm(struct bench_opts *o, ...)
{
	static char *argv[32];
	int argc = 1;
	va_list ap;

	memset(argv, 0, sizeof(argv));
	argv[0] = "bench";
	memset(o, 0, sizeof(*o));
	va_start(ap, o);
	for (char *a; argc < 31 && (a = va_arg(ap, char *)); argc++)
		argv[argc] = a;
	va_end(ap);
	return bench__parse(argc, argv, o);
}

static void test_parse(void)
{
	struct bench_opts o;

	is_int(parse_vmm(&o, "exec", "--runs", "2", "--", "/bin/vmm", "-m",
			 "{mem}", NULL),
	       0, "exec -- VMM ARGS parses");
	ok(o.sc && o.sc->vmm && o.vmm_argv &&
		   !strcmp(o.vmm_argv[0], "/bin/vmm") &&
		   !strcmp(o.vmm_argv[1], "-m") &&
		   !strcmp(o.vmm_argv[2], "{mem}") && !o.vmm_argv[3] &&
		   o.runs == 2,
	   "the VMM and its arguments, untouched by getopt");
	ok(!o.until_boot_done && !o.boot_done, "default: until exit");
	is_int(parse_vmm(&o, "--mem", "64M,1G", "--boot-done", "x", "--until",
			 "boot-done", "exec", "--", "vmm", "{mem_bytes}", NULL),
	       0, "options before the scenario, --until boot-done");
	ok(o.until_boot_done && !strcmp(o.boot_done, "x") && o.nmem == 2 &&
		   o.mem[1] == 1ULL << 30,
	   "--boot-done, --until boot-done, a --mem list");
	is_int(parse_vmm(&o, "exec", "--mem", "100G", "--", "vmm", "{mem}",
			 NULL),
	       0, "--mem is the VMM's: no guest bound");
	is_int(parse_vmm(&o, "exec", NULL), 64, "no VMM: 64");
	is_int(parse_vmm(&o, "exec", "--", NULL), 64, "nothing after --: 64");
	is_int(parse_vmm(&o, "exec", "vmm", NULL), 64, "no --: 64");
	is_int(parse_vmm(&o, "exec", "--", "vmm-{cpus}", NULL), 64,
	       "a placeholder in the VMM's name: 64");
	is_int(parse_vmm(&o, "exec", "--", "vmm", "{mme}", NULL), 64,
	       "a placeholder typo: 64");
	is_int(parse_vmm(&o, "exec", "--mem", "64M,128M", "--", "vmm", NULL),
	       64, "--mem without {mem}: 64");
	is_int(parse_vmm(&o, "exec", "--cpus", "1,2", "--", "vmm", "{mem}",
			 NULL),
	       64, "--cpus without {cpus}: 64");
	is_int(parse_vmm(&o, "exec", "--kernel", "k", "--", "vmm", NULL), 64,
	       "exec --kernel: 64");
	is_int(parse_vmm(&o, "exec", "--until", "poweroff", "--", "vmm", NULL),
	       64, "exec --until poweroff: 64");
	is_int(parse_vmm(&o, "boot", "--", "vmm", NULL), 64, "boot -- VMM: 64");
	is_int(parse_vmm(&o, "boot", "--boot-done", "x", NULL), 64,
	       "boot --boot-done: 64");
	is_int(parse_vmm(&o, "boot", "--kernel", "k", "--until", "exit", NULL),
	       64, "boot --kernel --until exit: 64");
	is_int(parse_vmm(&o, "--", "memslot", NULL), 0,
	       "-- SCENARIO still parses");
	ok(o.sc && !strcmp(o.sc->name, "memslot"), "-- memslot: memslot");
}

int main(void)
{
	log_level = LOG_QUIET;
	test_expand();
	test_parse();
	return tap_done();
}
