// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm-bench-exits: the cost of one port-I/O exit through zapvm, as a
 * ratio to a bare KVM_RUN loop measured in the same run; the time from
 * process start to the guest's first instruction; zapvm's RSS beyond guest
 * memory.
 *
 * Both sides run the same guest (guests/pio) in a fresh process: zapvm
 * through `zapvm run builtin:pio`, the bare loop by re-executing this
 * program with --bare, which builds its VM with zapvm's own helpers and
 * does nothing but KVM_RUN. The per-exit cost is the time between the
 * guest's two CLOCK ucalls around its OUT loop, read from the guest's own
 * output, so both sides are measured the same way and start-up is
 * excluded. Rounds alternate (bare first on even rounds, zapvm first on odd
 * ones) so that a noisy neighbour hits both. A second ratio divides each
 * process's CPU time (wait4 rusage) by its exits: waiting for a CPU behind
 * a busy neighbour inflates wall time, not CPU time.
 *
 * RSS beyond guest memory: zapvm's peak RSS (ru_maxrss) minus the guest RAM
 * the bare run of the same guest, with the same RAM layout, finds resident
 * (mincore), at the timed --mem and at 1 GiB.
 *
 * Figures are information: the program exits 0 whatever they are, 1 if a
 * run broke, 77 without a usable /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zapvm/guest_abi.h"
#include "zapvm/kvm.h"
#include "zapvm/loader.h"
#include "zapvm/util.h"
#include "zapvm/x86.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define DEFAULT_COUNT 1000000ULL
#define DEFAULT_ROUNDS 5U
#define MAX_ROUNDS 100U
#define DEFAULT_MEM (64 * MIB)
#define RSS_MEM_BIG GIB
#define RSS_COUNT 1000ULL /* exits in the RSS-only runs */
#define RATIO_TARGET 1.10
#define RSS_TARGET (8 * MIB)
#define OUT_MAX (64 * 1024)

struct bench_opts {
	const char *zapvm;
	const char *elf;
	uint64_t count;
	uint64_t mem;
	unsigned int rounds;
};

/* What one child process (bare or zapvm) did. */
struct run_result {
	uint64_t fork_ns; /* CLOCK_MONOTONIC just before fork() */
	uint64_t wall_ns; /* fork() to wait4() */
	uint64_t first_insn_ns; /* the guest's first CLOCK ucall */
	uint64_t exits; /* OUTs the guest reports */
	uint64_t loop_ns; /* between the CLOCK ucalls around the loop */
	uint64_t resident; /* --bare only: guest RAM bytes resident */
	uint64_t cpu_ns; /* user + system time of the whole process */
	long maxrss_kib;
};

/* ---- the bare VMM (runs in a child: --bare) --------------------------- */

struct bare_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	void *map; /* RAM mapping, 2 MiB extra for alignment */
	size_t map_size;
	uint8_t *ram; /* 2 MiB aligned, as zapvm's (same THP shape) */
	uint64_t mem;
	struct kvm_run *run;
	size_t run_size;
};

static int bare__load(struct bare_vm *b, const char *elf_path, uint64_t count,
		      uint64_t *entry)
{
	uint64_t gpa_top, canary = 0x5a5a5a5a0bad5eedULL;
	struct elf_image img;
	struct boot_desc d;
	char args[64];
	uint8_t *elf;
	uint64_t len;
	int ret;

	if (!align_up(b->mem, GIB, &gpa_top))
		return -EINVAL;
	gpa_top = gpa_top > 4 * GIB ? gpa_top : 4 * GIB;
	ret = x86__build_boot_area(b->ram, gpa_top);
	if (ret) {
		fprintf(stderr, "bare: cannot build the boot area\n");
		return ret;
	}
	memcpy(b->ram + ZAPVM_BOOT_TLS + 0x28, &canary, sizeof(canary));
	ret = read_file(elf_path, 256 * MIB, &elf, &len);
	if (ret)
		return ret;
	ret = elf__load(elf_path, elf, len, b->ram, b->mem, ZAPVM_BOOT_END,
			&img);
	free(elf);
	if (ret)
		return ret;
	snprintf(args, sizeof(args), "count=%" PRIu64, count);
	d = (struct boot_desc){
		.ram_size = b->mem,
		.ncpus = 1,
		.args = args,
		.gpa_top = gpa_top,
	};
	if (!align_up(img.end, 4096, &d.guest_base))
		return -EINVAL;
	ret = fdt__build(b->ram + ZAPVM_BOOT_FDT, ZAPVM_BOOT_FDT_MAX, &d);
	if (ret) {
		fprintf(stderr, "bare: boot FDT: %s\n", strerror(-ret));
		return ret;
	}
	*entry = img.entry;
	return 0;
}

static int bare__setup(struct bare_vm *b, const char *elf_path, uint64_t count)
{
	struct kvm_userspace_memory_region slot;
	struct kvm_cpuid2 *cpuid;
	uint64_t entry;
	void *run;
	int ret;

	b->kvm_fd = kvm__open();
	if (b->kvm_fd < 0)
		return b->kvm_fd;
	b->vm_fd = kvm_ioctl(b->kvm_fd, KVM_CREATE_VM, NULL);
	if (b->vm_fd < 0)
		return b->vm_fd;

	b->map_size = b->mem + 2 * MIB;
	b->map = mmap(NULL, b->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->map == MAP_FAILED) {
		ret = -errno;
		b->map = NULL;
		fprintf(stderr,
			"bare: cannot map %" PRIu64 " bytes of RAM: %s\n",
			b->mem, strerror(-ret));
		return ret;
	}
	b->ram = (uint8_t *)(((uintptr_t)b->map + 2 * MIB - 1) &
			     ~(uintptr_t)(2 * MIB - 1));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = b->mem,
		.userspace_addr = (uintptr_t)b->ram,
	};
	ret = kvm_ioctl(b->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot);
	if (ret)
		return ret;
	ret = bare__load(b, elf_path, count, &entry);
	if (ret)
		return ret;

	ret = kvm_ioctl(b->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (ret < 0)
		return ret;
	if ((size_t)ret < sizeof(struct kvm_run))
		return -EINVAL;
	b->run_size = (size_t)ret;
	b->vcpu_fd = kvm_ioctl(b->vm_fd, KVM_CREATE_VCPU, (void *)0);
	if (b->vcpu_fd < 0)
		return b->vcpu_fd;
	run = mmap(NULL, b->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   b->vcpu_fd, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "bare: mmap of kvm_run failed: %s\n",
			strerror(-ret));
		return ret;
	}
	b->run = run;
	cpuid = x86__supported_cpuid(b->kvm_fd);
	if (!cpuid)
		return -EIO;
	ret = x86__setup_vcpu(b->vcpu_fd, cpuid, entry, 0, ZAPVM_BOOT_FDT);
	free(cpuid);
	return ret;
}

static void bare__teardown(struct bare_vm *b)
{
	if (b->run)
		munmap(b->run, b->run_size);
	if (b->vcpu_fd >= 0)
		close(b->vcpu_fd);
	if (b->vm_fd >= 0)
		close(b->vm_fd);
	if (b->map)
		munmap(b->map, b->map_size);
	if (b->kvm_fd >= 0)
		close(b->kvm_fd);
}

/* A guest range inside RAM, or NULL. */
static void *bare__gpa(struct bare_vm *b, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end) || end > b->mem)
		return NULL;
	return b->ram + gpa;
}

/*
 * Just enough of the ucall ABI for pio to finish: CLOCK, PRINT (to
 * stdout, where the parent reads the figures), DONE. 1 when done, 0 to
 * resume, < 0 on a broken guest.
 */
static int bare__ucall(struct bare_vm *b, uint32_t gpa)
{
	struct zapvm_ucall *uc = bare__gpa(b, gpa, sizeof(*uc));
	const void *text;
	int64_t ret = 0;

	if (!uc) {
		fprintf(stderr, "bare: ucall block at GPA 0x%x outside RAM\n",
			gpa);
		return -EFAULT;
	}
	switch (uc->cmd) {
	case ZAPVM_UCALL_CLOCK:
		ret = (int64_t)now_ns();
		break;
	case ZAPVM_UCALL_PRINT:
		text = uc->args[1] <= ZAPVM_PRINT_MAX ?
			       bare__gpa(b, uc->args[0], uc->args[1]) :
			       NULL;
		if (!text || write(STDOUT_FILENO, text, uc->args[1]) < 0)
			ret = -EFAULT;
		break;
	case ZAPVM_UCALL_DONE:
		return uc->args[0] ? -EPROTO : 1;
	case ZAPVM_UCALL_ASSERT:
		fprintf(stderr,
			"bare: guest assertion failed at line %" PRIu64 "\n",
			(uint64_t)uc->args[4]);
		return -EPROTO;
	default:
		ret = -ENOSYS;
		break;
	}
	uc->ret = ret;
	return 0;
}

/*
 * The loop under comparison: KVM_RUN, check that the exit is an OUT to the
 * null port, go again. The raw ioctl (as in src/core/vm.c), not kvm_ioctl(),
 * so the baseline carries nothing zapvm's loop would not.
 */
static int bare__loop(struct bare_vm *b, uint64_t *exits)
{
	struct kvm_run *run = b->run;
	uint64_t n = 0;
	uint32_t gpa;
	int ret;

	for (;;) {
		if (ioctl(b->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			fprintf(stderr, "bare: KVM_RUN failed: %s\n",
				strerror(-ret));
			return ret;
		}
		n++;
		if (run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_OUT || run->io.count != 1)
			break;
		if (run->io.port == ZAPVM_NULL_PORT)
			continue;
		if (run->io.port != ZAPVM_UCALL_PORT || run->io.size != 4)
			break;
		memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
		ret = bare__ucall(b, gpa);
		if (ret < 0)
			return ret;
		if (ret) {
			*exits = n;
			return 0;
		}
	}
	fprintf(stderr, "bare: unexpected exit %u (port 0x%x)\n",
		run->exit_reason,
		run->exit_reason == KVM_EXIT_IO ? run->io.port : 0);
	return -EPROTO;
}

/* Bytes of guest RAM the host holds pages for (THP: 2 MiB each). */
static int bare__resident(struct bare_vm *b, uint64_t *bytes)
{
	size_t pages = b->mem / 4096;
	unsigned char *vec = malloc(pages);
	uint64_t n = 0;

	if (!vec)
		return -ENOMEM;
	if (mincore(b->ram, b->mem, vec)) {
		int err = -errno;

		fprintf(stderr, "bare: mincore: %s\n", strerror(-err));
		free(vec);
		return err;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	*bytes = n * 4096;
	return 0;
}

static int bare__main(const char *elf_path, uint64_t mem, uint64_t count)
{
	struct bare_vm b = {
		.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .mem = mem
	};
	uint64_t exits = 0, resident = 0;
	int ret;

	ret = bare__setup(&b, elf_path, count);
	if (!ret)
		ret = bare__loop(&b, &exits);
	if (!ret)
		ret = bare__resident(&b, &resident);
	if (!ret)
		printf("bare: vm-exits=%" PRIu64
		       " guest-resident-bytes=%" PRIu64 "\n",
		       exits, resident);
	bare__teardown(&b);
	return ret ? 1 : 0;
}

/* ---- the parent: runs children, collects figures ---------------------- */

/* The number after " KEY=" (or KEY= at a line start) in @out. */
static int out__find(const char *out, const char *key, uint64_t *val)
{
	size_t klen = strlen(key);

	for (const char *p = strstr(out, key); p; p = strstr(p + 1, key)) {
		char *end;

		if ((p != out && p[-1] != ' ' && p[-1] != '\n') ||
		    p[klen] != '=')
			continue;
		errno = 0;
		*val = strtoull(p + klen + 1, &end, 0);
		if (errno || end == p + klen + 1)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/* Run @argv with its stdout captured; check exit 0; parse the figures. */
static int run__child(char *const argv[], bool bare, struct run_result *r)
{
	char *out = malloc(OUT_MAX + 1);
	size_t len = 0;
	struct rusage ru;
	int fds[2], status, ret = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!out)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC)) {
		ret = -errno;
		fprintf(stderr, "pipe: %s\n", strerror(-ret));
		goto out_free;
	}
	fflush(NULL);
	r->fork_ns = now_ns();
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		fprintf(stderr, "fork: %s\n", strerror(-ret));
		close(fds[0]);
		close(fds[1]);
		goto out_free;
	}
	if (pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "cannot execute %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], out + len, OUT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == OUT_MAX)
			break; /* more than pio ever prints: the rest is lost */
	}
	out[len] = '\0';
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			fprintf(stderr, "wait4: %s\n", strerror(-ret));
			goto out_free;
		}
	}
	r->wall_ns = now_ns() - r->fork_ns;
	r->maxrss_kib = ru.ru_maxrss;
	r->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr,
			"%s run failed (%s %d):", bare ? "bare" : "zapvm",
			WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) :
					    WTERMSIG(status));
		for (unsigned int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n%s", out);
		ret = -EIO;
		goto out_free;
	}
	if (out__find(out, "first-insn-ns", &r->first_insn_ns) ||
	    out__find(out, "exits", &r->exits) ||
	    out__find(out, "loop-ns", &r->loop_ns) ||
	    (bare && out__find(out, "guest-resident-bytes", &r->resident)) ||
	    !r->exits || r->first_insn_ns < r->fork_ns) {
		fprintf(stderr, "%s run: guest output lacks the figures:\n%s",
			bare ? "bare" : "zapvm", out);
		ret = -EPROTO;
	}
out_free:
	free(out);
	return ret;
}

static int run__bare(const struct bench_opts *o, uint64_t mem, uint64_t count,
		     struct run_result *r)
{
	char m[48], n[48], *elf = (char *)o->elf;
	char *argv[] = { "/proc/self/exe", "--bare", m, n, elf, NULL };

	snprintf(m, sizeof(m), "--mem=%" PRIu64, mem);
	snprintf(n, sizeof(n), "--count=%" PRIu64, count);
	return run__child(argv, true, r);
}

static int run__zapvm(const struct bench_opts *o, uint64_t mem, uint64_t count,
		      struct run_result *r)
{
	char m[48], a[48], *zapvm = (char *)o->zapvm;
	char *argv[] = { zapvm, "run", m, a, "builtin:pio", NULL };

	snprintf(m, sizeof(m), "--mem=%" PRIu64, mem);
	snprintf(a, sizeof(a), "--args=count=%" PRIu64, count);
	return run__child(argv, false, r);
}

/*
 * RssAnon of this process in KiB, or -1. A child's ru_maxrss also counts
 * the copy fork() made of us before exec, so this is its floor.
 */
static long self__rss_anon_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct spread {
	double median, min, max;
};

static struct spread spread__of(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS];
	struct spread sp;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	sp.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	sp.min = s[0];
	sp.max = s[n - 1];
	return sp;
}

static void print_row(const char *what, const char *unit, struct spread s)
{
	printf("  %-34s %10.3f %10.3f %10.3f  %s\n", what, s.median, s.min,
	       s.max, unit);
}

static void print_header(int argc, char **argv, const struct bench_opts *o)
{
	struct mmu_info mi;
	struct utsname u;
	char cwd[4096];

	printf("# zapvm-bench-exits: %" PRIu64 " OUTs to port 0x%x per run, %u "
	       "rounds of bare and zapvm, alternating, --mem %" PRIu64 "M\n",
	       o->count, ZAPVM_NULL_PORT, o->rounds, o->mem / MIB);
	printf("# command:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (getcwd(cwd, sizeof(cwd)))
		printf("# cwd: %s\n", cwd);
	if (getenv("ZAPVM_BENCH_BUILD_DIR"))
		printf("# via: meson test --benchmark -C %s exits -v\n",
		       getenv("ZAPVM_BENCH_BUILD_DIR"));
	kvm__mmu_info(&mi);
	if (!uname(&u))
		printf("# host: Linux %s, %ld CPUs online, KVM MMU: %s (%s)\n",
		       u.release, sysconf(_SC_NPROCESSORS_ONLN),
		       kvm__mmu_name(mi.kind),
		       mi.vendor_module ? mi.vendor_module : "?");
	printf("# zapvm: %s run --mem %" PRIu64 " --args count=%" PRIu64
	       " builtin:pio\n",
	       o->zapvm, o->mem, o->count);
	printf("# bare:  %s --bare --mem %" PRIu64 " --count %" PRIu64 " %s\n",
	       argv[0], o->mem, o->count, o->elf);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zapvm-bench-exits [--rounds R] [--count N] [--mem SIZE] "
		"ZAPVM PIO_ELF\n"
		"  ZAPVM      the zapvm binary; PIO_ELF  guests/pio.elf\n"
		"  --rounds R runs of each side (default %u)\n"
		"  --count N  OUTs per run (default %llu)\n"
		"  --mem SIZE guest RAM of the timed runs (default 64M)\n",
		DEFAULT_ROUNDS, DEFAULT_COUNT);
}

/* Per-round figures, one array per column. */
enum fig {
	F_BARE_NS, /* guest-clock ns per exit */
	F_ZAP_NS,
	F_RATIO,
	F_BARE_CPU, /* process CPU time (rusage) ns per exit */
	F_ZAP_CPU,
	F_CPU_RATIO,
	F_BARE_START, /* fork() to the guest's first CLOCK ucall, ms */
	F_ZAP_START,
	F_ZAP_WALL, /* zapvm fork() to wait4(), ms */
	F_ZAP_RSS, /* zapvm ru_maxrss, MiB */
	F_NR,
};

static void round__figures(const struct run_result *rb,
			   const struct run_result *rz, double *f)
{
	f[F_BARE_NS] = (double)rb->loop_ns / rb->exits;
	f[F_ZAP_NS] = (double)rz->loop_ns / rz->exits;
	f[F_RATIO] = f[F_ZAP_NS] / f[F_BARE_NS];
	f[F_BARE_CPU] = (double)rb->cpu_ns / rb->exits;
	f[F_ZAP_CPU] = (double)rz->cpu_ns / rz->exits;
	f[F_CPU_RATIO] = f[F_ZAP_CPU] / f[F_BARE_CPU];
	f[F_BARE_START] = (rb->first_insn_ns - rb->fork_ns) / 1e6;
	f[F_ZAP_START] = (rz->first_insn_ns - rz->fork_ns) / 1e6;
	f[F_ZAP_WALL] = rz->wall_ns / 1e6;
	f[F_ZAP_RSS] = rz->maxrss_kib / 1024.0;
}

static int bench__main(int argc, char **argv, const struct bench_opts *o)
{
	static double fig[F_NR][MAX_ROUNDS];
	struct run_result rb, rz, big_z, big_b;
	struct spread sp[F_NR];
	double rss_beyond, f[F_NR];
	int ret;

	print_header(argc, argv, o);
	fflush(stdout);

	/* Warm up: page cache, KVM's module state, CPU frequency. */
	ret = run__bare(o, o->mem, o->count / 10 + 1, &rb);
	if (!ret)
		ret = run__zapvm(o, o->mem, o->count / 10 + 1, &rz);
	if (ret)
		return 1;

	printf("\n         guest clock ns/exit          CPU ns/exit (rusage)"
	       "      start->1st insn ms\n"
	       "  round     bare    zapvm  ratio      bare    zapvm  ratio"
	       "      bare  zapvm\n");
	for (unsigned int i = 0; i < o->rounds; i++) {
		if (i % 2 == 0) {
			ret = run__bare(o, o->mem, o->count, &rb);
			if (!ret)
				ret = run__zapvm(o, o->mem, o->count, &rz);
		} else {
			ret = run__zapvm(o, o->mem, o->count, &rz);
			if (!ret)
				ret = run__bare(o, o->mem, o->count, &rb);
		}
		if (ret)
			return 1;
		round__figures(&rb, &rz, f);
		for (unsigned int j = 0; j < F_NR; j++)
			fig[j][i] = f[j];
		printf("  %5u %8.0f %8.0f %6.3f  %8.0f %8.0f %6.3f   %7.2f %6.2f\n",
		       i + 1, f[F_BARE_NS], f[F_ZAP_NS], f[F_RATIO],
		       f[F_BARE_CPU], f[F_ZAP_CPU], f[F_CPU_RATIO],
		       f[F_BARE_START], f[F_ZAP_START]);
		fflush(stdout);
	}

	/* RSS: the same guest with 16x more RAM must not cost more. */
	ret = run__zapvm(o, RSS_MEM_BIG, RSS_COUNT, &big_z);
	if (!ret)
		ret = run__bare(o, RSS_MEM_BIG, RSS_COUNT, &big_b);
	if (ret)
		return 1;

	for (unsigned int j = 0; j < F_NR; j++)
		sp[j] = spread__of(fig[j], o->rounds);
	printf("\n  %-34s %10s %10s %10s\n", "", "median", "min", "max");
	print_row("bare KVM_RUN loop (guest clock)", "ns/exit", sp[F_BARE_NS]);
	print_row("zapvm run (guest clock)", "ns/exit", sp[F_ZAP_NS]);
	print_row("ratio zapvm/bare, per round", "x", sp[F_RATIO]);
	print_row("bare KVM_RUN loop (CPU time)", "ns/exit", sp[F_BARE_CPU]);
	print_row("zapvm run (CPU time)", "ns/exit", sp[F_ZAP_CPU]);
	print_row("CPU ratio zapvm/bare, per round", "x", sp[F_CPU_RATIO]);
	print_row("start -> first guest insn, zapvm", "ms", sp[F_ZAP_START]);
	print_row("start -> first guest insn, bare", "ms", sp[F_BARE_START]);
	print_row("zapvm process wall time", "ms", sp[F_ZAP_WALL]);
	print_row("zapvm peak RSS (timed runs)", "MiB", sp[F_ZAP_RSS]);
	if (o->count < 10000)
		printf("  (--count %" PRIu64 ": per-exit figures are dominated "
		       "by start-up and the CLOCK ucalls)\n",
		       o->count);
	printf("  guest clock: ratio of the medians %.3fx, of the minimums "
	       "%.3fx\n",
	       sp[F_ZAP_NS].median / sp[F_BARE_NS].median,
	       sp[F_ZAP_NS].min / sp[F_BARE_NS].min);

	printf("\n  RSS (peak, wait4 ru_maxrss)         --mem %4" PRIu64
	       "M   --mem %4" PRIu64 "M\n",
	       o->mem / MIB, RSS_MEM_BIG / MIB);
	printf("  zapvm peak RSS                     %8.2f   %8.2f  MiB\n",
	       rz.maxrss_kib / 1024.0, big_z.maxrss_kib / 1024.0);
	printf("  bare VMM peak RSS                  %8.2f   %8.2f  MiB\n",
	       rb.maxrss_kib / 1024.0, big_b.maxrss_kib / 1024.0);
	printf("  guest RAM resident (bare, mincore) %8.2f   %8.2f  MiB\n",
	       rb.resident / (double)MIB, big_b.resident / (double)MIB);
	/* The worse of the two sizes is the figure against the target. */
	rss_beyond = rz.maxrss_kib * 1024.0 - (double)rb.resident;
	if (big_z.maxrss_kib * 1024.0 - (double)big_b.resident > rss_beyond)
		rss_beyond = big_z.maxrss_kib * 1024.0 - (double)big_b.resident;
	printf("  (floor: this process's RssAnon, copied by fork: %.2f MiB)\n",
	       self__rss_anon_kib() / 1024.0);
	printf("  zapvm RSS beyond guest memory      %8.2f   %8.2f  MiB\n",
	       (rz.maxrss_kib * 1024.0 - rb.resident) / MIB,
	       (big_z.maxrss_kib * 1024.0 - big_b.resident) / MIB);

	printf("\n  target: exit cost <= %.2fx bare: %s (median of the "
	       "per-round ratios %.3fx, range %.3f..%.3f; CPU time %.3fx)\n",
	       RATIO_TARGET,
	       sp[F_RATIO].median <= RATIO_TARGET ? "PASS" : "MISS",
	       sp[F_RATIO].median, sp[F_RATIO].min, sp[F_RATIO].max,
	       sp[F_CPU_RATIO].median);
	printf("  target: RSS beyond guest memory <= %" PRIu64
	       " MiB: %s (%.2f MiB)\n",
	       RSS_TARGET / MIB, rss_beyond <= RSS_TARGET ? "PASS" : "MISS",
	       rss_beyond / MIB);
	printf("  (information only: the benchmark passes whatever the "
	       "figures)\n");
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_ROUNDS = 256, OPT_COUNT, OPT_MEM, OPT_BARE };
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "bare", no_argument, NULL, OPT_BARE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bench_opts o = { .count = DEFAULT_COUNT,
				.mem = DEFAULT_MEM,
				.rounds = DEFAULT_ROUNDS };
	const char *dev = kvm__dev_path();
	bool bare = false;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROUNDS:
			if (parse_u64(optarg, &v) || !v || v > MAX_ROUNDS) {
				fprintf(stderr,
					"--rounds '%s': expected 1 to %u\n",
					optarg, MAX_ROUNDS);
				return 2;
			}
			o.rounds = (unsigned int)v;
			break;
		case OPT_COUNT:
			if (parse_u64(optarg, &o.count) || !o.count) {
				fprintf(stderr,
					"--count '%s': expected a number "
					"from 1\n",
					optarg);
				return 2;
			}
			break;
		case OPT_MEM:
			if (parse_size(optarg, &o.mem) || o.mem < 4 * MIB ||
			    o.mem % MIB || o.mem > 60 * GIB) {
				fprintf(stderr,
					"--mem '%s': expected a MiB "
					"multiple from 4M to 60G\n",
					optarg);
				return 2;
			}
			break;
		case OPT_BARE:
			bare = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (bare && optind == argc - 1)
		return bare__main(argv[optind], o.mem, o.count);
	if (bare || optind != argc - 2) {
		usage(stderr);
		return 2;
	}
	o.zapvm = argv[optind];
	o.elf = argv[optind + 1];
	if (access(dev, R_OK | W_OK)) {
		printf("SKIP: %s missing or not accessible: %s\n", dev,
		       strerror(errno));
		return 77;
	}
	return bench__main(argc, argv, &o);
}
