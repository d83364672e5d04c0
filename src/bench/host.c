// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench and its host: what the host offers (MMU, THP, the zap
 * interfaces, the series' knobs), whether it can run what was asked, and
 * for boot --kernel the inputs, checked once before any run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/bzimage.h"
#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/pvh.h"
#include "zapvm/util.h"

#include "bench.h"

static void read_thp_enabled(char *buf, size_t len)
{
	char line[128], *l, *r;
	FILE *f = fopen(THP_ENABLED, "re");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		l = strchr(line, '[');
		r = l ? strchr(l, ']') : NULL;
		if (l && r) {
			*r = '\0';
			snprintf(buf, len, "%s", l + 1);
		}
	}
	fclose(f);
}

int bench__host(struct bench_host *h)
{
	struct json_object *z, *v;

	h->json = report__host();
	if (!h->json)
		return ZAPVM_EXIT_UNAVAILABLE;
	snprintf(h->kernel, sizeof(h->kernel), "%s",
		 json_object_get_string(
			 json_object_object_get(h->json, "kernel")));
	kvm__mmu_info(&h->mmu_info);
	snprintf(h->mmu, sizeof(h->mmu), "%s", kvm__mmu_name(h->mmu_info.kind));
	read_thp_enabled(h->thp_enabled, sizeof(h->thp_enabled));
	json_object_object_add(h->json, "thp_enabled",
			       json_object_new_string(h->thp_enabled));
	if (json_object_object_get_ex(h->json, "zap_interfaces", &z) &&
	    json_object_object_get_ex(z, "policy_slot", &v))
		h->slot_ok = json_object_get_boolean(v);
	knob_pair__init(&h->knobs);
	h->knob_prefetch = knob__read(h->knobs.prefetch.path) >= 0;
	h->knob_root_zap = knob__read(h->knobs.root_zap.path) >= 0;
	json_object_object_add(
		h->json, "online_cpus",
		json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	return 0;
}

/* One line on stderr saying why, and 69, if the host cannot do @o. */
int bench__check(const struct bench_host *h, const struct bench_opts *o)
{
	char why[512];
	int ret;

	/* The scenario's own reason first: it names what is missing. */
	ret = o->sc->check ? o->sc->check(h, o, why, sizeof(why)) : 0;
	if (ret) {
		log_err("%s", why);
		return ret;
	}
	for (unsigned int i = 0; i < o->npolicy; i++) {
		if (o->policy[i] == ZAP_SLOT && !h->slot_ok) {
			log_err("--policy slot: not supported on this host: "
				"neither KVM_CAP_MEMSLOT_ZAP_CONTROL (zapvm "
				"series) nor KVM_X86_QUIRK_SLOT_ZAP_ALL (Linux "
				"6.12+)");
			return ZAPVM_EXIT_UNAVAILABLE;
		}
	}
	if (o->prefetch[0] >= 0 && !h->knob_prefetch) {
		log_err("--prefetch: not supported on this host: %s is missing "
			"(it needs the zapvm kernel series)",
			ZAPVM_KNOB_PREFETCH);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (o->root_zap[0] >= 0 && !h->knob_root_zap) {
		log_err("--root-zap: not supported on this host: %s is missing "
			"(it needs the zapvm kernel series)",
			ZAPVM_KNOB_ROOT_ZAP_4K);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	for (unsigned int i = 0; i < o->nthp; i++) {
		if (o->thp[i] == THP_ON && !strcmp(h->thp_enabled, "never"))
			log_warn("--thp on: %s is [never]: no huge pages will "
				 "back guest RAM",
				 THP_ENABLED);
	}
	return 0;
}

int host__need_tdp(const struct bench_host *h, const char *scenario, char *why,
		   size_t len)
{
	if (h->mmu_info.tdp_mmu == 1)
		return 0;
	snprintf(why, len,
		 "%s: not supported on this host: it measures the TDP MMU, "
		 "and this host's MMU is %s (tdp_mmu %s)",
		 scenario, h->mmu, h->mmu_info.tdp_mmu < 0 ? "absent" : "N");
	return ZAPVM_EXIT_UNAVAILABLE;
}

int host__need_knob(bool present, const char *scenario, const char *compares,
		    const char *path, char *why, size_t len)
{
	if (present)
		return 0;
	snprintf(why, len,
		 "%s: not supported on this host: %s needs the zapvm kernel "
		 "series' knob %s",
		 scenario, compares, path);
	return ZAPVM_EXIT_UNAVAILABLE;
}

/*
 * The SHA-256 of @path through sha256sum(1) (coreutils or busybox), or
 * false where it is missing or fails; the size and mtime still identify
 * the file.
 */
static bool file_sha256(const char *path, char *out, size_t len)
{
	char *const argv[] = { "sha256sum", "--", (char *)path, NULL };
	char buf[160];
	size_t n = 0;
	int p[2], status;
	pid_t pid;

	if (len < 65 || !spawn__in_path("sha256sum") || pipe2(p, O_CLOEXEC))
		return false;
	pid = spawn__run(argv, p[1], true);
	close(p[1]);
	while (pid > 0 && n < sizeof(buf) - 1) {
		ssize_t r = read(p[0], buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	buf[n] = '\0';
	if (pid < 0)
		return false;
	status = spawn__wait(pid);
	if (status || n < 64 || strspn(buf, "0123456789abcdef") != 64)
		return false;
	snprintf(out, len, "%.64s", buf);
	return true;
}

/* {path, name, size, mtime, sha256} of an input file that @st describes. */
static struct json_object *file_record(const char *path, const struct stat *st)
{
	struct json_object *o = json_object_new_object();
	const char *name = strrchr(path, '/');
	char sum[65], mtime[32];
	struct tm tm;

	gmtime_r(&st->st_mtime, &tm);
	strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "name",
			       json_object_new_string(name ? name + 1 : path));
	json_object_object_add(o, "size",
			       json_object_new_uint64((uint64_t)st->st_size));
	json_object_object_add(o, "mtime", json_object_new_string(mtime));
	json_object_object_add(o, "sha256",
			       file_sha256(path, sum, sizeof(sum)) ?
				       json_object_new_string(sum) :
				       NULL);
	return o;
}

/*
 * An input file the runs read: there (66), readable (77 for permission
 * denied, as zapvm run), a regular file (65). open_input() refuses a FIFO
 * or device before opening it: a FIFO with no writer used to hang here.
 */
static int input_file(const char *opt, const char *path, struct stat *st)
{
	int fd = open_input(path, O_RDONLY, false, st);

	if (fd == -EINVAL) {
		log_err("%s %s: not a regular file", opt, path);
		return ZAPVM_EXIT_DATAERR;
	}
	if (fd < 0) {
		log_err("%s %s: %s", opt, path, strerror(-fd));
		return errno_to_exit(fd);
	}
	close(fd);
	return 0;
}

/*
 * Check the kernel as its loader will (src/boot-linux*.c), so that a bad
 * file is one line and 65 before any run, and resolve --boot auto.
 */
static int linux__check_kernel(struct bench *b)
{
	const char *path = b->o.kernel;
	struct pvh_image *pvh = NULL;
	/* Through firmware, linuxboot_dma.bin enters the setup code. */
	enum linux_boot mode = b->o.firmware ? BOOT_REAL : b->o.boot;
	struct bzimage bz;
	char why[256];
	uint8_t *img;
	uint64_t len;
	bool elf;
	int ret;

	ret = read_file(path, 1ULL << 30, &img, &len);
	if (ret)
		return errno_to_exit(ret);
	elf = len >= 4 && !memcmp(img, "\177ELF", 4);
	if (mode == BOOT_AUTO)
		mode = elf ? BOOT_PVH : BOOT_64;
	if (elf && mode != BOOT_PVH) {
		snprintf(why, sizeof(why),
			 "an ELF file (vmlinux); --boot %s needs a bzImage, a "
			 "vmlinux boots with --boot pvh",
			 linux_boot__name(mode));
		ret = -ENOEXEC;
	} else if (mode == BOOT_PVH) {
		pvh = malloc(sizeof(*pvh));
		ret = pvh ? pvh__parse(img, len, pvh, why, sizeof(why)) :
			    -ENOMEM;
	} else if (mode == BOOT_REAL) {
		ret = bzimage__parse_real(img, len, &bz, why, sizeof(why));
	} else {
		ret = bzimage__parse(img, len, &bz, why, sizeof(why));
	}
	free(pvh);
	free(img);
	if (ret == -ENOMEM) {
		log_err("--kernel %s: out of memory", path);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (ret) {
		log_err("--kernel %s: %s", path, why);
		return ZAPVM_EXIT_DATAERR;
	}
	b->boot_mode = mode;
	return 0;
}

/* The console logs' directory (bench.h). */
int bench__log_dir(struct bench *b)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (b->o.guest_log) {
		b->keep_logs = true;
		if (mkdir(b->o.guest_log, 0755) && errno != EEXIST) {
			log_err("--guest-log %s: %s", b->o.guest_log,
				strerror(errno));
			return ZAPVM_EXIT_IOERR;
		}
		if (stat(b->o.guest_log, &st) || !S_ISDIR(st.st_mode)) {
			log_err("--guest-log %s: not a directory",
				b->o.guest_log);
			return ZAPVM_EXIT_IOERR;
		}
		if (snprintf(b->log_dir, sizeof(b->log_dir), "%s",
			     b->o.guest_log) >= (int)sizeof(b->log_dir) - 64) {
			log_err("--guest-log %s: path too long",
				b->o.guest_log);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	errno = 0;
	if (snprintf(b->log_dir, sizeof(b->log_dir), "%s/zapvm-bench-%s.XXXXXX",
		     tmp, b->o.sc->name) >= (int)sizeof(b->log_dir) - 64 ||
	    !mkdtemp(b->log_dir)) {
		log_err("bench: a directory for the console logs in %s: %s",
			tmp, errno ? strerror(errno) : "path too long");
		return ZAPVM_EXIT_IOERR;
	}
	return 0;
}

/*
 * bench boot --kernel: check the inputs (66 missing, 65 malformed, 64 a
 * bad --rom) and record them for the environment block.
 */
int linux__preflight(struct bench *b)
{
	const struct bench_opts *o = &b->o;
	struct json_object *env = json_object_new_object();
	struct rom_spec rom = { 0 };
	struct stat st;
	int ret;

	ret = input_file("--kernel", o->kernel, &st);
	if (!ret)
		ret = linux__check_kernel(b);
	if (ret)
		goto err;
	json_object_object_add(env, "kernel", file_record(o->kernel, &st));
	if (o->initrd) {
		ret = input_file("--initrd", o->initrd, &st);
		if (ret)
			goto err;
		json_object_object_add(env, "initrd",
				       file_record(o->initrd, &st));
	} else {
		json_object_object_add(env, "initrd", NULL);
	}
	/* The loader's default for a serial console (src/boot/linux.c). */
	json_object_object_add(env, "cmdline",
			       json_object_new_string(o->cmdline ?
							      o->cmdline :
							      "console=ttyS0"));
	json_object_object_add(env, "cmdline_default",
			       json_object_new_boolean(!o->cmdline));
	json_object_object_add(
		env, "boot",
		json_object_new_string(o->firmware ?
					       "firmware" :
					       linux_boot__name(b->boot_mode)));
	json_object_object_add(
		env, "boot_requested",
		json_object_new_string(linux_boot__name(o->boot)));
	if (o->rom) {
		if (rom_spec__parse(o->rom, &rom) || rom.has_gpa ||
		    strstr(o->rom, ",size=")) {
			log_err("--rom '%s': expected a file or pattern:LEN "
				"(the guest places the ROM BAR; no @GPA or "
				"size=)",
				o->rom);
			ret = ZAPVM_EXIT_USAGE;
			goto err;
		}
		if (rom.path) {
			ret = input_file("--rom", rom.path, &st);
			if (ret)
				goto err;
			json_object_object_add(env, "option_rom",
					       file_record(rom.path, &st));
		} else {
			struct json_object *p = json_object_new_object();

			json_object_object_add(
				p, "pattern_len",
				json_object_new_uint64(rom.pattern_len));
			json_object_object_add(env, "option_rom", p);
		}
	} else {
		json_object_object_add(env, "option_rom", NULL);
	}
	json_object_object_add(env, "until",
			       json_object_new_string(o->until_poweroff ?
							      "poweroff" :
							      "boot-done"));
	ret = bench__log_dir(b);
	if (ret)
		goto err;
	json_object_object_add(env, "console_logs",
			       json_object_new_string(b->log_dir));
	json_object_object_add(env, "console_logs_kept",
			       json_object_new_string(b->keep_logs ? "all" :
								     "failed"
								     " runs"));
	rom_spec__free(&rom);
	b->linux_env = env;
	json_object_object_add(b->host.json, "linux_guest",
			       json_object_get(env));
	return 0;
err:
	rom_spec__free(&rom);
	json_object_put(env);
	return ret;
}
