// SPDX-License-Identifier: GPL-2.0-only
/*
 * Size and number parsing, ROM specs, zap-policy names, exit mapping,
 * reading input files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

static void test_sizes(void)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "4K", 0, 4096 },
		{ "4k", 0, 4096 },
		{ "512M", 0, 512ULL << 20 },
		{ "2G", 0, 2ULL << 30 },
		{ "2GiB", 0, 2ULL << 30 },
		{ "1T", 0, 1ULL << 40 },
		{ "0x1000", 0, 0x1000 },
		{ "12Q", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ " 5", -EINVAL, 0 },
		{ "5 ", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 }, /* 2^34 GiB = 2^64 */
		{ "16777215T", 0, 16777215ULL << 40 },
		/* Decimal unless 0x: a leading zero is not octal. */
		{ "0100M", 0, 100ULL << 20 },
		{ "010", 0, 10 },
		{ "08", 0, 8 },
		{ "0x10", 0, 16 },
		{ "0X10K", 0, 16ULL << 10 },
		{ "0x", -EINVAL, 0 },
		{ "0x-1", -EINVAL, 0 },
		{ "0x 1", -EINVAL, 0 },
		{ "+5", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0xdead;
		int ret = parse_size(cases[i].s, &v);

		is_int(ret, cases[i].ret, "parse_size(\"%s\") returns %d",
		       cases[i].s, cases[i].ret);
		if (!cases[i].ret)
			ok(v == cases[i].v, "parse_size(\"%s\") = %llu",
			   cases[i].s, (unsigned long long)cases[i].v);
	}
}

static void test_u64(void)
{
	uint64_t v;

	ok(!parse_u64("0xfebc0000", &v) && v == 0xfebc0000, "hex u64");
	ok(!parse_u64("42", &v) && v == 42, "decimal u64");
	is_int(parse_u64("42x", &v), -EINVAL, "trailing junk refused");
	is_int(parse_u64("-3", &v), -EINVAL, "negative refused");
	is_int(parse_u64("0x10000000000000000", &v), -ERANGE,
	       "overflow refused");
	ok(!parse_u64("010", &v) && v == 10, "010 is decimal ten");
	ok(!parse_u64("08", &v) && v == 8, "08 is eight, not a bad octal");
	ok(!parse_u64("0x10", &v) && v == 16, "0x10 is hex");
	ok(!parse_u64("0X1f", &v) && v == 31, "0X1f is hex");
	ok(!parse_u64("0", &v) && v == 0, "0 alone");
	is_int(parse_u64("0x", &v), -EINVAL, "0x without digits refused");
	is_int(parse_u64("0x+1", &v), -EINVAL, "sign after 0x refused");
	is_int(parse_u64("0b1", &v), -EINVAL, "0b is not a prefix");
}

static void test_rom_specs(void)
{
	struct rom_spec r;

	ok(!rom_spec__parse("fw.bin@0xfffc0000", &r) && r.path &&
		   !strcmp(r.path, "fw.bin") && r.has_gpa &&
		   r.gpa == 0xfffc0000 && !r.size,
	   "file@gpa");
	rom_spec__free(&r);
	ok(!rom_spec__parse("pattern:64K", &r) && !r.path && !r.has_gpa &&
		   r.size == 65536 && r.pattern_len == 65536,
	   "pattern without gpa");
	ok(!rom_spec__parse("pattern:100@0x100000000,size=8K", &r) &&
		   r.size == 8192 && r.pattern_len == 100 &&
		   r.gpa == 0x100000000ULL,
	   "pattern with gpa and size");
	ok(!rom_spec__parse("a@b@0x1000", &r) && !strcmp(r.path, "a@b"),
	   "the last @ separates the GPA");
	rom_spec__free(&r);
	is_int(rom_spec__parse("x@0x1001", &r), -EINVAL, "unaligned GPA");
	is_int(rom_spec__parse("x,size=100", &r), -EINVAL, "unaligned size");
	is_int(rom_spec__parse("x,size=0", &r), -EINVAL, "zero size");
	is_int(rom_spec__parse("pattern:8K,size=4K", &r), -EFBIG,
	       "pattern larger than its size");
	is_int(rom_spec__parse("pattern:0", &r), -EINVAL, "empty pattern");
	is_int(rom_spec__parse("@0x1000", &r), -EINVAL, "no source");
	is_int(rom_spec__parse("x@zz", &r), -EINVAL, "bad GPA");
	is_int(rom_spec__parse("pattern:2G", &r), -EINVAL,
	       "pattern over 1 GiB");
}

static void test_names(void)
{
	enum zap_policy p;
	enum thp_mode t;

	ok(!zap_policy__parse("slot", &p) && p == ZAP_SLOT, "policy slot");
	ok(!zap_policy__parse("all", &p) && p == ZAP_ALL, "policy all");
	ok(!zap_policy__parse("default", &p) && p == ZAP_DEFAULT,
	   "policy default");
	is_int(zap_policy__parse("fast", &p), -EINVAL, "unknown policy");
	ok(!strcmp(zap_policy__name(ZAP_SLOT), "slot"), "policy name");
	ok(!thp_mode__parse("on", &t) && t == THP_ON, "thp on");
	is_int(thp_mode__parse("yes", &t), -EINVAL, "thp yes refused");
}

static void test_exit_codes(void)
{
	is_int(errno_to_exit(-ENOENT), ZAPVM_EXIT_NOINPUT, "ENOENT -> 66");
	is_int(errno_to_exit(-EACCES), ZAPVM_EXIT_NOPERM, "EACCES -> 77");
	is_int(errno_to_exit(-ENOEXEC), ZAPVM_EXIT_DATAERR, "ENOEXEC -> 65");
	is_int(errno_to_exit(-EOPNOTSUPP), ZAPVM_EXIT_UNAVAILABLE,
	       "EOPNOTSUPP -> 69");
	is_int(errno_to_exit(-ENODEV), ZAPVM_EXIT_UNAVAILABLE, "ENODEV -> 69");
	is_int(errno_to_exit(-EIO), ZAPVM_EXIT_SOFTWARE, "EIO -> 70");
}

/* Inputs that are not regular files are refused at once, never waited on. */
static void test_inputs(void)
{
	char dir[] = "/tmp/zapvm-util.XXXXXX", path[64];
	struct stat st;
	uint8_t *buf = NULL;
	uint64_t len = 0;
	int fd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600)) {
		ok(0, "mkfifo: %s", strerror(errno));
	} else {
		/* Before the fix these opens slept for ever (no writer). */
		is_int(open_input(path, O_RDONLY, false, &st), -EINVAL,
		       "open_input refuses a FIFO");
		is_int(open_input(path, O_RDONLY, true, &st), -EINVAL,
		       "open_input refuses a FIFO where a disk may go");
		is_int(read_file(path, 1 << 20, &buf, &len), -EINVAL,
		       "read_file refuses a FIFO");
		unlink(path);
	}
	is_int(open_input("/dev/null", O_RDONLY, true, &st), -EINVAL,
	       "open_input refuses a character device");
	is_int(open_input(dir, O_RDONLY, false, &st), -EINVAL,
	       "open_input refuses a directory");
	snprintf(path, sizeof(path), "%s/missing", dir);
	is_int(open_input(path, O_RDONLY, false, &st), -ENOENT,
	       "open_input: a missing file is -ENOENT");
	snprintf(path, sizeof(path), "%s/empty", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	close(fd);
	fd = open_input(path, O_RDONLY, false, &st);
	ok(fd >= 0 && S_ISREG(st.st_mode) && !(fcntl(fd, F_GETFL) & O_NONBLOCK),
	   "open_input opens a regular file, blocking again");
	if (fd >= 0)
		close(fd);
	buf = (uint8_t *)"untouched";
	is_int(read_file(path, 1 << 20, &buf, &len), -EINVAL,
	       "read_file: an empty file is refused");
	ok(!buf || !strcmp((char *)buf, "untouched"),
	   "read_file: no freed buffer handed back on error");
	buf = NULL;
	unlink(path);
	rmdir(dir);

	/* procfs says size 0 but has contents: read to the end. */
	ok(!read_file("/proc/version", 1 << 20, &buf, &len) && len > 8 &&
		   !memcmp(buf, "Linux", 5),
	   "read_file reads /proc/version (size 0 in stat) to its end");
	free(buf);
	buf = NULL;
	is_int(read_file("/proc/version", 4, &buf, &len), -EFBIG,
	       "read_file: a size-0 file longer than the limit is -EFBIG");
}

int main(void)
{
	log_level = LOG_QUIET;
	test_sizes();
	test_u64();
	test_rom_specs();
	test_names();
	test_exit_codes();
	test_inputs();
	return tap_done();
}
