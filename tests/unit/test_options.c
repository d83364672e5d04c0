// SPDX-License-Identifier: GPL-2.0-only
/*
 * The options the commands share (src/cmd/options.c), without a VM: good
 * values land in the config, a bad one is exit status 64 after exactly one
 * line on stderr, the ROM/disk/boot/root-zap parsers, the knob pair through
 * $ZAPVM_KNOB_DIR, and guest resolution of builtin names and files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/builtin.h"
#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"

static char dir[] = "/tmp/zapvm-options.XXXXXX";

/* stderr goes to a temporary file between err_start() and err_lines(). */
static FILE *err_file;
static int err_saved = -1;
static char err_first[512];

static void err_start(void)
{
	fflush(stderr);
	err_file = tmpfile();
	err_saved = dup(2);
	if (err_file && err_saved >= 0)
		dup2(fileno(err_file), 2);
}

/* The lines written to stderr since err_start(); the first in err_first. */
static int err_lines(void)
{
	char line[512];
	int n = 0;

	fflush(stderr);
	if (err_saved >= 0) {
		dup2(err_saved, 2);
		close(err_saved);
		err_saved = -1;
	}
	err_first[0] = '\0';
	if (!err_file)
		return -1;
	rewind(err_file);
	while (fgets(line, sizeof(line), err_file)) {
		if (!n++)
			snprintf(err_first, sizeof(err_first), "%.*s",
				 (int)strcspn(line, "\n"), line);
	}
	fclose(err_file);
	err_file = NULL;
	return n;
}

/* @expr returns @want after exactly one line on stderr. */
#define FAILS(expr, want, what)                                     \
	do {                                                        \
		int __r, __n;                                       \
		err_start();                                        \
		__r = (expr);                                       \
		__n = err_lines();                                  \
		is_int(__r, want, "%s: exit %d", what, want);       \
		is_int(__n, 1, "%s: one line on stderr (%s)", what, \
		       err_first);                                  \
	} while (0)

/* @expr returns 0 and says nothing. */
#define QUIET_OK(expr, what)                                                 \
	do {                                                                 \
		int __r, __n;                                                \
		err_start();                                                 \
		__r = (expr);                                                \
		__n = err_lines();                                           \
		ok(__r == 0 && __n == 0, "%s (returned %d, %d lines)", what, \
		   __r, __n);                                                \
	} while (0)

static void test_common_opt(void)
{
	int saved = log_level;

	log_level = LOG_WARN;
	ok(common_opt('v') && log_level == LOG_INFO, "-v: one level more");
	ok(common_opt('v') && common_opt('v') && log_level == LOG_DEBUG,
	   "-v -v -v stops at debug");
	ok(common_opt('q') && log_level == LOG_ERR, "-q: errors only");
	ok(!common_opt('x') && !common_opt('?'), "others are not common");
	log_level = saved;
}

static void test_runopts_good(void)
{
	struct vm_config cfg = { 0 };
	bool given = false;

	QUIET_OK(runopts__parse(RUNOPT_MEM, "512M", &cfg, &given),
		 "--mem 512M");
	ok(cfg.mem_size == 512ULL << 20 && given, "--mem: size and given");
	QUIET_OK(runopts__parse(RUNOPT_CPUS, "4", &cfg, &given), "--cpus 4");
	is_int(cfg.ncpus, 4, "--cpus: ncpus");
	QUIET_OK(runopts__parse(RUNOPT_THP, "on", &cfg, &given), "--thp on");
	is_int(cfg.thp, THP_ON, "--thp: mode");
	QUIET_OK(runopts__parse(RUNOPT_ARGS, "a=1 b=2", &cfg, &given),
		 "--args");
	ok(cfg.args && !strcmp(cfg.args, "a=1 b=2"), "--args: kept as given");
	QUIET_OK(runopts__parse(RUNOPT_POLICY, "slot", &cfg, &given),
		 "--zap-policy slot");
	is_int(cfg.policy, ZAP_SLOT, "--zap-policy: policy");
	QUIET_OK(runopts__parse(RUNOPT_ROM, "pattern:4K@0xfebc0000", &cfg,
				&given),
		 "--rom pattern:4K@GPA");
	ok(cfg.nroms == 1 && cfg.roms[0].has_gpa &&
		   cfg.roms[0].gpa == 0xfebc0000 && !cfg.roms[0].path,
	   "--rom: one pattern ROM at its GPA");
	is_int(runopts__parse('q', NULL, &cfg, &given), 0, "-q is handled");
	log_level = LOG_WARN;
	is_int(runopts__parse('x', NULL, &cfg, &given), -1,
	       "an option of the command's own is not: -1");
	runopts__free(&cfg);
	is_int(cfg.nroms, 0, "runopts__free: no ROMs left");
}

static void test_runopts_bad(void)
{
	struct vm_config cfg = { .mem_size = 1 };
	bool given = false;

	FAILS(runopts__parse(RUNOPT_MEM, "12Q", &cfg, &given), 64, "--mem 12Q");
	FAILS(runopts__parse(RUNOPT_MEM, "0", &cfg, &given), 64, "--mem 0");
	FAILS(runopts__parse(RUNOPT_MEM, "-1", &cfg, &given), 64, "--mem -1");
	FAILS(runopts__parse(RUNOPT_CPUS, "0", &cfg, &given), 64, "--cpus 0");
	FAILS(runopts__parse(RUNOPT_CPUS, "x", &cfg, &given), 64, "--cpus x");
	FAILS(runopts__parse(RUNOPT_CPUS, "4097", &cfg, &given), 64,
	      "--cpus 4097");
	FAILS(runopts__parse(RUNOPT_THP, "maybe", &cfg, &given), 64,
	      "--thp maybe");
	FAILS(runopts__parse(RUNOPT_POLICY, "bogus", &cfg, &given), 64,
	      "--zap-policy bogus");
	FAILS(runopts__parse(RUNOPT_ROM, "@0x1000", &cfg, &given), 64,
	      "--rom without a source");
	is_int(cfg.nroms, 0, "a bad --rom adds no ROM");
	runopts__free(&cfg);
}

static void test_rom(void)
{
	struct vm_config cfg = { 0 };

	FAILS(runopts__add_rom(&cfg, "pattern:4K,size=1x"), 64,
	      "--rom bad size");
	FAILS(runopts__add_rom(&cfg, "pattern:4K@0x1001"), 64,
	      "--rom misaligned GPA");
	FAILS(runopts__add_rom(&cfg, "pattern:8K,size=4K"), 64,
	      "--rom pattern larger than size=");
	ok(strstr(err_first, "pattern larger than size=") != NULL,
	   "  ...and says so");
	for (int i = 0; i < VM_MAX_ROMS; i++)
		runopts__add_rom(&cfg, "pattern:4K");
	is_int(cfg.nroms, VM_MAX_ROMS, "VM_MAX_ROMS ROMs fit");
	FAILS(runopts__add_rom(&cfg, "pattern:4K"), 64, "one ROM too many");
	runopts__free(&cfg);
}

static void test_disk(void)
{
	struct vm_config cfg = { 0 };

	QUIET_OK(runopts__add_disk(&cfg, "a.img"), "--disk a.img");
	QUIET_OK(runopts__add_disk(&cfg, "b,c.img,ro"), "--disk b,c.img,ro");
	ok(cfg.ndisks == 2 && !strcmp(cfg.disks[0].path, "a.img") &&
		   !cfg.disks[0].ro,
	   "--disk FILE: read-write");
	ok(!strcmp(cfg.disks[1].path, "b,c.img") && cfg.disks[1].ro,
	   "--disk FILE,ro: the last ,ro only");
	FAILS(runopts__add_disk(&cfg, ""), 64, "--disk ''");
	FAILS(runopts__add_disk(&cfg, ",ro"), 64, "--disk ,ro");
	while (cfg.ndisks < VM_MAX_DISKS)
		runopts__add_disk(&cfg, "x");
	FAILS(runopts__add_disk(&cfg, "x"), 64, "one disk too many");
	runopts__free(&cfg);
	is_int(cfg.ndisks, 0, "runopts__free: no disks left");
}

static void test_pci_rom(void)
{
	struct vm_config cfg = { 0 };

	FAILS(runopts__set_pci_rom(&cfg, "--pci-rom", "pattern:4K@0x1000"), 64,
	      "--pci-rom with @GPA");
	FAILS(runopts__set_pci_rom(&cfg, "--pci-rom", "pattern:4K,size=8K"), 64,
	      "--pci-rom with size=");
	ok(!cfg.has_pci_rom, "refused ones set nothing");
	QUIET_OK(runopts__set_pci_rom(&cfg, "--pci-rom", "pattern:4K"),
		 "--pci-rom pattern:4K");
	ok(cfg.has_pci_rom && cfg.pci_rom.pattern_len == 4096,
	   "--pci-rom: the device's pattern");
	FAILS(runopts__set_pci_rom(&cfg, "--pci-rom", "pattern:4K"), 64,
	      "a second --pci-rom");
	ok(!strncmp(err_first, "zapvm: error: --pci-rom 'pattern:4K'", 36),
	   "  ...named by its option");
	runopts__free(&cfg);
}

static void test_linux_roms(void)
{
	struct vm_config cfg = { 0 };

	QUIET_OK(runopts__linux_roms(&cfg), "a Linux guest without --rom");
	ok(!cfg.has_pci_rom, "  ...has no option ROM");
	runopts__add_rom(&cfg, "pattern:4K");
	QUIET_OK(runopts__linux_roms(&cfg), "a Linux guest's one --rom");
	ok(cfg.has_pci_rom && cfg.pci_rom.pattern_len == 4096 && !cfg.nroms,
	   "  ...becomes its option ROM");
	runopts__free(&cfg);

	runopts__add_rom(&cfg, "pattern:4K");
	runopts__add_rom(&cfg, "pattern:4K");
	FAILS(runopts__linux_roms(&cfg), 64, "a Linux guest with two --rom");
	runopts__free(&cfg);
	runopts__add_rom(&cfg, "pattern:4K@0x100000");
	FAILS(runopts__linux_roms(&cfg), 64, "a Linux guest's --rom at a GPA");
	runopts__free(&cfg);
	runopts__add_rom(&cfg, "pattern:4K");
	runopts__set_pci_rom(&cfg, "--pci-rom", "pattern:4K");
	FAILS(runopts__linux_roms(&cfg), 64,
	      "a Linux guest: --rom and --pci-rom");
	runopts__free(&cfg);
}

static void test_boot_knob_values(void)
{
	enum linux_boot b;
	int v = -1;

	QUIET_OK(runopts__parse_boot("pvh", &b), "--boot pvh");
	ok(!strcmp(linux_boot__name(b), "pvh"), "  ...is pvh");
	QUIET_OK(runopts__parse_boot("real-mode", &b), "--boot real-mode");
	QUIET_OK(runopts__parse_boot("64", &b), "--boot 64");
	FAILS(runopts__parse_boot("bogus", &b), 64, "--boot bogus");
	QUIET_OK(runopts__parse_prefetch("on", &v), "--prefetch on");
	is_int(v, 1, "  ...is 1");
	QUIET_OK(runopts__parse_prefetch("off", &v), "--prefetch off");
	is_int(v, 0, "  ...is 0");
	FAILS(runopts__parse_prefetch("maybe", &v), 64, "--prefetch maybe");
	QUIET_OK(runopts__parse_root_zap("4k", &v), "--root-zap 4k");
	is_int(v, 1, "  ...is 1");
	QUIET_OK(runopts__parse_root_zap("1g", &v), "--root-zap 1g");
	is_int(v, 0, "  ...is 0");
	FAILS(runopts__parse_root_zap("2m", &v), 64, "--root-zap 2m");
}

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

static char get(const char *name)
{
	char path[256];
	FILE *f;
	int c = EOF;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return (char)c;
}

static void test_knob_pair(void)
{
	struct knob_pair kp;
	char path[256];

	setenv("ZAPVM_KNOB_DIR", dir, 1);
	put("tdp_mmu_change_pte_prefetch", "N\n");
	put("tdp_mmu_zap_4k", "Y\n");
	QUIET_OK(knob_pair__set(&kp, 1, 0), "knob pair: prefetch on, 1g");
	ok(get("tdp_mmu_change_pte_prefetch") == 'Y' &&
		   get("tdp_mmu_zap_4k") == 'N',
	   "  ...both written");
	is_int(knob_pair__restore(&kp), 0, "knob pair restored");
	ok(get("tdp_mmu_change_pte_prefetch") == 'N' &&
		   get("tdp_mmu_zap_4k") == 'Y',
	   "  ...both back");

	QUIET_OK(knob_pair__set(&kp, -1, -1), "knob pair: neither given");
	is_int(knob_pair__restore(&kp), 0, "  ...nothing to restore");

	snprintf(path, sizeof(path), "%s/tdp_mmu_zap_4k", dir);
	unlink(path);
	FAILS(knob_pair__set(&kp, 1, 1), ZAPVM_EXIT_UNAVAILABLE,
	      "knob pair: the root-zap knob is missing");
	ok(get("tdp_mmu_change_pte_prefetch") == 'N',
	   "  ...and the prefetch knob is put back");
	snprintf(path, sizeof(path), "%s/tdp_mmu_change_pte_prefetch", dir);
	unlink(path);
	unsetenv("ZAPVM_KNOB_DIR");
}

static void test_guest_builtin(void)
{
	for (const struct builtin_guest *g = builtin_guests; g->name; g++) {
		struct vm_config cfg = { .mem_size = 1 << 20 };
		char spec[64];
		uint8_t *owned = (uint8_t *)1;
		uint64_t want = g->min_mem > cfg.mem_size ? g->min_mem :
							    cfg.mem_size;
		int ret;

		snprintf(spec, sizeof(spec), "builtin:%s", g->name);
		ret = guest__resolve(spec, &cfg, &owned, false);
		ok(!ret && !owned && cfg.elf == g->elf &&
			   cfg.elf_size == g->size &&
			   !strcmp(cfg.guest_name, spec),
		   "%s: its embedded image, nothing to free", spec);
		ok(cfg.mem_size == want && cfg.args == g->default_args &&
			   !!cfg.nroms == !!g->default_roms,
		   "%s: raised to its minimum memory, its default args and "
		   "ROMs",
		   spec);
		runopts__free(&cfg);
	}
}

static void test_guest_defaults_yield(void)
{
	const struct builtin_guest *g = builtin_guests;
	struct vm_config cfg = { .mem_size = 1 << 20, .args = "mine" };
	char spec[64];
	uint8_t *owned;

	while (g->name && !g->default_roms)
		g++;
	if (!g->name) {
		ok(1, "# SKIP no builtin guest with default ROMs");
		return;
	}
	snprintf(spec, sizeof(spec), "builtin:%s", g->name);
	runopts__add_rom(&cfg, "pattern:4K@0x10000000");
	is_int(guest__resolve(spec, &cfg, &owned, true), 0, "%s with --rom",
	       spec);
	ok(cfg.nroms == 1 && cfg.roms[0].gpa == 0x10000000,
	   "  ...keeps the user's ROM, not its defaults");
	ok(!strcmp(cfg.args, "mine") && cfg.mem_size == 1 << 20,
	   "  ...and the user's --args and --mem");
	runopts__free(&cfg);
}

static void test_guest_files(void)
{
	struct vm_config cfg = { 0 };
	char path[256];
	uint8_t *owned = NULL;

	FAILS(guest__resolve("builtin:nope", &cfg, &owned, false), 64,
	      "builtin:nope");
	ok(strstr(err_first, "builtin:nope: no such builtin guest") != NULL,
	   "  ...says there is no such guest");
	snprintf(path, sizeof(path), "%s/absent.elf", dir);
	FAILS(guest__resolve(path, &cfg, &owned, false), ZAPVM_EXIT_NOINPUT,
	      "a missing guest file");
	ok(!owned, "  ...owns nothing");
	put("guest.elf", "not really an ELF");
	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	QUIET_OK(guest__resolve(path, &cfg, &owned, false),
		 "a guest file is read");
	ok(owned && cfg.elf == owned && cfg.elf_size == 17 &&
		   !memcmp(owned, "not really an ELF", 17) &&
		   !strcmp(cfg.guest_name, path),
	   "  ...into a buffer the caller owns");
	free(owned);
	unlink(path);
}

/* Two --disk on one file where either is writable are refused. */
static void test_disk_twice(void)
{
	struct vm_config cfg = { 0 };
	char a[64], b[64], link[80];
	FILE *f;

	snprintf(a, sizeof(a), "%s/a.img", dir);
	snprintf(b, sizeof(b), "%s/b.img", dir);
	snprintf(link, sizeof(link), "%s/a.link", dir);
	f = fopen(a, "w");
	if (f)
		fclose(f);
	f = fopen(b, "w");
	if (f)
		fclose(f);
	ok(!symlink(a, link), "a symlink to a disk image");
	cfg.disks[0] = (struct disk_spec){ .path = a, .ro = true };
	cfg.disks[1] = (struct disk_spec){ .path = link, .ro = true };
	cfg.ndisks = 2;
	QUIET_OK(runopts__check_disks(&cfg), "one image read-only twice");
	cfg.disks[1].ro = false;
	FAILS(runopts__check_disks(&cfg), 64, "one image ro and rw");
	ok(strstr(err_first, "same file") != NULL, "  ...says why (%s)",
	   err_first);
	cfg.disks[0].ro = false;
	FAILS(runopts__check_disks(&cfg), 64, "one image rw twice");
	cfg.disks[1].path = b;
	QUIET_OK(runopts__check_disks(&cfg), "two images");
	cfg.disks[1].path = "/nonexistent/disk.img";
	QUIET_OK(runopts__check_disks(&cfg), "a missing one is left to open");
	unlink(link);
	unlink(a);
	unlink(b);
}

/* --args, --cpus and a Linux guest's --mem: the limit in the message. */
static void test_limits(void)
{
	struct vm_config cfg = { .mem_size = 8ULL << 40 };
	static char big[RUNOPTS_MAX_ARGS + 2];
	bool mem_given = false;

	memset(big, 'x', RUNOPTS_MAX_ARGS);
	QUIET_OK(runopts__parse(RUNOPT_ARGS, big, &cfg, &mem_given),
		 "--args of RUNOPTS_MAX_ARGS bytes");
	big[RUNOPTS_MAX_ARGS] = 'x';
	FAILS(runopts__parse(RUNOPT_ARGS, big, &cfg, &mem_given), 64,
	      "--args one byte longer");
	ok(strstr(err_first, "at most 32768") != NULL, "  ...says the limit");
	FAILS(runopts__parse(RUNOPT_CPUS, "", &cfg, &mem_given), 64,
	      "--cpus ''");
	ok(strstr(err_first, "from 1 to 4096") != NULL,
	   "  ...says the whole range (%s)", err_first);
	QUIET_OK(runopts__check_linux_mem(&cfg, "8T"), "Linux --mem 8T");
	cfg.mem_size++;
	FAILS(runopts__check_linux_mem(&cfg, "8T+1"), 64, "Linux --mem 8T + 1");
	ok(strstr(err_first, "at most 8T") != NULL, "  ...says the limit");
}

/* What reaches the terminal from a VM's answer. */
static void test_printable(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "running", "running" },
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "a\\b", "a\\x5cb" },
		{ "t\x7f\x07", "t\\x7f\\x07" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "c1\xc2\x9b", "c1\\xc2\\x9b" },
		{ "bad\xff\xc3", "bad\\xff\\xc3" },
		{ "long\xc0\xaf", "long\\xc0\\xaf" },
		{ "sur\xed\xa0\x80", "sur\\xed\\xa0\\x80" },
	};
	char buf[64], small[8];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ok(!strcmp(answer__printable(cases[i].in, buf, sizeof(buf)),
			   cases[i].out),
		   "printable case %zu: %s", i, buf);
	ok(!strcmp(answer__printable(NULL, buf, sizeof(buf)), "?"),
	   "printable(NULL) is ?");
	ok(!strcmp(answer__printable("ab\x1b", small, 6), "ab"),
	   "cut short before an escape that does not fit");
	ok(!strcmp(answer__printable("abcdefghij", small, sizeof(small)),
		   "abcdefg"),
	   "cut short at the buffer");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_common_opt();
	test_runopts_good();
	test_runopts_bad();
	test_rom();
	test_disk();
	test_disk_twice();
	test_limits();
	test_printable();
	test_pci_rom();
	test_linux_roms();
	test_boot_knob_values();
	test_knob_pair();
	test_guest_builtin();
	test_guest_defaults_yield();
	test_guest_files();
	rmdir(dir);
	return tap_done();
}
