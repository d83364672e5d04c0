// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's command line: good values land in the options, bad ones
 * and options that do not go together are usage errors (64), --help is -1.
 */
#include <fcntl.h>
#include <unistd.h>

#include "tap.h"
#include "test_bench.h"
#include "zapvm/util.h"

/* --help with its usage text out of the TAP stream. */
static int help(struct bench_opts *o)
{
	int saved, null, ret;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	ret = parse_args(o, "--help", NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	return ret;
}

static void test_good(void)
{
	struct bench_opts o;

	is_int(parse_args(&o, "--policy", "slot,all,default", "--thp",
			  "on,default", "--mem", "16M,2G", "--cpus", "1,32",
			  "memslot", NULL),
	       0, "lists parse");
	ok(o.npolicy == 3 && o.policy[0] == ZAP_SLOT &&
		   o.policy[1] == ZAP_ALL && o.policy[2] == ZAP_DEFAULT,
	   "--policy slot,all,default in order");
	ok(o.nthp == 2 && o.thp[0] == THP_ON && o.thp[1] == THP_DEFAULT,
	   "--thp on,default");
	ok(o.nmem == 2 && o.mem[0] == 16ULL << 20 && o.mem[1] == 2ULL << 30,
	   "--mem 16M,2G");
	ok(o.ncpus == 2 && o.cpus[0] == 1 && o.cpus[1] == 32, "--cpus 1,32");

	is_int(parse_args(&o, "cow", "--prefetch", "off", "--root-zap", "1g",
			  "--runs", "1000", "--jobs", "64", "--timeout",
			  "86400", NULL),
	       0, "counts at their maximum parse");
	ok(o.nprefetch == 1 && o.prefetch[0] == 0,
	   "cow --prefetch off replaces the scenario's on,off");
	ok(o.nroot_zap == 1 && o.root_zap[0] == 0, "--root-zap 1g");
	ok(o.runs == 1000 && o.jobs == 64 && o.timeout_s == 86400,
	   "--runs 1000 --jobs 64 --timeout 86400");

	is_int(parse_args(&o, "--trace", "off,on", "boot", "--mem-backend",
			  "anon,memfd,hugetlb,file:/x", "--ram-slots", "1,4",
			  "--prefault", NULL),
	       0, "the memory and trace axes parse");
	ok(o.ntrace == 2 && !o.trace[0] && o.trace[1] && !o.trace_required,
	   "--trace off,on: the next word is its list");
	ok(o.nbackend == 4 && o.backend[2].kind == MEM_BACKEND_HUGETLB &&
		   o.backend[3].kind == MEM_BACKEND_FILE &&
		   !strcmp(o.backend[3].path, "/x"),
	   "--mem-backend anon,memfd,hugetlb,file:/x");
	ok(o.nram_slots == 2 && o.ram_slots[1] == 4 && o.prefault,
	   "--ram-slots 1,4 --prefault");
	axes__free(&o);
	is_int(parse_args(&o, "--trace", "boot", NULL), 0,
	       "--trace alone before the scenario");
	ok(o.ntrace == 1 && o.trace[0] && o.sc && !strcmp(o.sc->name, "boot"),
	   "--trace alone is on; the scenario is not its list");
	is_int(parse_args(&o, "boot", "--trace=required", NULL), 0,
	       "--trace=required");
	ok(o.trace_required && o.trace[0], "--trace=required traces");
	is_int(parse_args(&o, "boot", "--kernel", "bz", "--firmware", "seabios",
			  "--slot-layout", "qemu,split", "--vga", "std",
			  "--shm", "64K", NULL),
	       0, "boot --kernel --firmware with its options");
	ok(o.firmware && o.nlayout == 2 && o.layout[1] == SLOT_LAYOUT_SPLIT &&
		   o.vga_std && o.shm_size == 65536,
	   "--slot-layout qemu,split --vga std --shm 64K");

	is_int(parse_args(&o, "zaplat", "--policy", "all,slot", NULL), 0,
	       "zaplat --policy all,slot");
	ok(o.npolicy == 2 && o.nroot_zap == 2,
	   "a given --policy is kept; --root-zap still defaults to 4k,1g");

	is_int(parse_args(&o, "vcpustall", "--sample-us", "0", "--args",
			  "rounds=3", "--csv", "a.csv", "--json", "a.json",
			  "--plot", "a.svg", NULL),
	       0, "vcpustall --sample-us 0 and the outputs");
	ok(o.sample_us == 0 && o.sample_given && !strcmp(o.args, "rounds=3") &&
		   !strcmp(o.csv, "a.csv") && !strcmp(o.json, "a.json") &&
		   !strcmp(o.plot, "a.svg"),
	   "kept as given");

	is_int(parse_args(&o, "boot", "--kernel", "bz", "--initrd", "i",
			  "--cmdline", "c", "--boot", "pvh", "--rom", "r",
			  "--until", "poweroff", "--guest-log", "d", NULL),
	       0, "boot --kernel with all its options");
	ok(!strcmp(o.kernel, "bz") && !strcmp(o.initrd, "i") &&
		   !strcmp(o.cmdline, "c") && o.boot == BOOT_PVH &&
		   !strcmp(o.rom, "r") && o.until_poweroff &&
		   !strcmp(o.guest_log, "d") && o.sc->kernel,
	   "the Linux guest's options");
	is_int(help(&o), -1, "--help: -1 (exit 0)");

	/* RAM: bootsim maps 64G, a Linux guest takes what run --kernel does */
	is_int(parse_args(&o, "boot", "--mem", "64G", NULL), 0,
	       "boot --mem 64G");
	is_int(parse_args(&o, "boot", "--kernel", "bz", "--mem", "64G,8T",
			  NULL),
	       0, "boot --kernel --mem 64G,8T");
	ok(o.nmem == 2 && o.mem[1] == 8ULL << 40, "8T kept");

	is_int(parse_args(&o, "boot", "--csv", "/dev/null", "--json",
			  "/dev/null", NULL),
	       0, "two outputs to a character device: not one file's conflict");
	is_int(parse_args(&o, "boot", "--csv", "a.out", "--json", "b/a.out",
			  NULL),
	       0, "one name in two directories: two files");
}

static void test_bad(void)
{
	static const char *const bad[][6] = {
		{ NULL },
		{ "boot", "memslot" },
		{ "nope" },
		{ "boot", "--policy", "foo" },
		{ "boot", "--policy",
		  "all,slot,all,slot,all,slot,all,slot,all" },
		{ "boot", "--policy", "" },
		{ "boot", "--thp", "always" },
		{ "boot", "--mem", "15M" },
		{ "boot", "--mem", "512K" },
		{ "boot", "--mem", "1536K" },
		{ "boot", "--cpus", "0" },
		{ "boot", "--cpus", "33" },
		{ "boot", "--prefetch", "maybe" },
		{ "boot", "--root-zap", "2m" },
		{ "boot", "--runs", "0" },
		{ "boot", "--runs", "1001" },
		{ "boot", "--jobs", "65" },
		{ "boot", "--timeout", "0" },
		{ "boot", "--timeout", "86401" },
		{ "vcpustall", "--sample-us", "100001" },
		{ "vcpustall", "--sample-us", "x" },
		{ "boot", "--sample-us", "5" },
		{ "boot", "--initrd", "x" },
		{ "boot", "--until", "poweroff" },
		/* issue 18: the memory axes (once refused as not bench's) */
		{ "boot", "--mem-backend", "tmpfs" },
		{ "boot", "--mem-backend", "anon,anon" },
		{ "boot", "--mem-backend", "file:" },
		{ "boot", "--hugepage-size", "2M" },
		{ "boot", "--mem-backend", "hugetlb", "--hugepage-size=4M" },
		{ "boot", "--ram-slots", "0" },
		{ "boot", "--ram-slots", "1,1" },
		{ "boot", "--ram-slots", "32769" },
		{ "boot", "--trace=maybe" },
		{ "boot", "--trace=on,on" },
		{ "exec", "--trace", "--", "vmm" },
		{ "exec", "--prefault", "--", "vmm" },
		/* issue 16: the firmware variant */
		{ "boot", "--firmware", "seabios" },
		{ "boot", "--slot-layout", "qemu" },
		{ "boot", "--kernel", "bz", "--slot-layout=pc" },
		{ "boot", "--kernel", "bz", "--vga", "std" },
		{ "boot", "--kernel", "bz", "--firmware=seabios", "--boot=64" },
		{ "boot", "--kernel", "bz", "--firmware=seabios", "--shm=3K" },
		{ "memslot", "--kernel", "bz" },
		{ "boot", "--kernel", "bz", "--args=x=1" },
		{ "boot", "--kernel", "bz", "--boot=x" },
		{ "boot", "--kernel", "bz", "--until=never" },
		{ "boot", "--bogus" },
		/* issue 13: an empty value anywhere, as "," already was */
		{ "boot", "--policy", "all," },
		{ "boot", "--policy", ",all" },
		{ "boot", "--policy", "all,,slot" },
		{ "boot", "--policy", "," },
		{ "boot", "--mem", "32M," },
		{ "boot", "--cpus", ",1" },
		/* a value given twice in any list */
		{ "boot", "--policy", "all,all" },
		{ "boot", "--policy", "all,slot,all" },
		{ "boot", "--thp", "on,off,on" },
		{ "boot", "--thp", "default,default" },
		{ "boot", "--mem", "32M,32M" },
		{ "boot", "--mem", "1G,1024M" },
		{ "boot", "--cpus", "1,2,1" },
		{ "boot", "--prefetch", "on,on" },
		{ "boot", "--root-zap", "4k,1g,4k" },
		/* over the guest's RAM limit */
		{ "boot", "--mem", "65G" },
		{ "memslot", "--mem", "512M,128G" },
		{ "boot", "--kernel", "bz", "--mem", "8193G" },
		{ "boot", "--mem", "1G,16T", "--kernel", "bz" },
		/* two outputs on standard output */
		{ "boot", "--csv", "-", "--json", "-" },
		{ "boot", "--json", "/dev/stdout", "--plot", "-" },
		{ "boot", "--csv", "/dev/fd/1", "--plot", "/proc/self/fd/1" },
		/* two outputs at one path (not there yet: by name) */
		{ "boot", "--csv", "x.out", "--json", "x.out" },
		{ "boot", "--json", "./y.out", "--plot", "y.out" },
		{ "boot", "--csv", "/tmp/z.out", "--plot", "/tmp//z.out" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bench_opts o;
		char line[160] = "";

		for (int k = 0; k < 6 && bad[i][k]; k++) {
			strcat(line, " ");
			strcat(line, bad[i][k]);
		}
		is_int(parse_args(&o, bad[i][0], bad[i][1], bad[i][2],
				  bad[i][3], bad[i][4], bad[i][5], NULL),
		       64, "bench%s: usage error", line);
	}
}

/* "-" is standard output for every output; the table then goes to stderr. */
static void test_stdout(void)
{
	static const struct {
		const char *opt, *path;
		bool table_stderr;
	} cases[] = {
		{ "--csv", "-", true },
		{ "--json", "-", true },
		{ "--plot", "-", true },
		{ "--json", "/dev/stdout", true },
		{ "--csv", "/dev/fd/1", true },
		{ "--csv", "/proc/self/fd/1", true },
		{ "--csv", "/dev/stderr", false },
		{ "--csv", "/dev/fd/10", false },
		{ "--json", "./-", false },
		{ "--json", "out.json", false },
	};
	struct bench_opts o;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		is_int(parse_args(&o, "boot", cases[i].opt, cases[i].path,
				  NULL),
		       0, "bench boot %s %s", cases[i].opt, cases[i].path);
		ok(o.table_stderr == cases[i].table_stderr,
		   "%s %s: the table on %s", cases[i].opt, cases[i].path,
		   cases[i].table_stderr ? "stderr" : "stdout");
	}
	is_int(parse_args(&o, "boot", "--csv", "-", "--json", "/dev/stderr",
			  "--plot", "a.svg", NULL),
	       0, "one output on stdout, one on stderr, one in a file");
	ok(o.table_stderr, "the table on stderr");
	is_int(parse_args(&o, "boot", "--policy", "default,all,slot", "--thp",
			  "on,off,default", "--mem", "16M,1G,2048M", "--cpus",
			  "1,2,3,4,5,6,7,8", "--prefetch", "on,off",
			  "--root-zap", "4k,1g", NULL),
	       0, "distinct values in every list");
	ok(o.npolicy == 3 && o.nthp == 3 && o.nmem == 3 && o.ncpus == 8 &&
		   o.nprefetch == 2 && o.nroot_zap == 2,
	   "all of them kept");
}

int main(void)
{
	test_good();
	test_stdout();
	test_bad();
	return tap_done();
}
