// SPDX-License-Identifier: GPL-2.0-only
/*
 * testvmm: a small foreign VMM for `zapvm exec` and `zapvm attach` tests.
 * It runs a zapvm test guest (guests/romtoggle: touch N pages, unmap and
 * re-map a ROM, touch them again) the way another VMM would: its own
 * KVM_CREATE_VM, one RAM memslot, one read-only ROM slot, its own ucall
 * loop - zapvm's code only builds the CPL3 boot state and the boot FDT.
 * It reads the guest's PT_LOAD segments itself instead of with libelf: the
 * -static copy (standing in for Firecracker's static binaries) must link
 * without libelf's compression libraries.
 *
 * usage: testvmm [--vms N] [--no-vm] [--move] [--hold S] [--pause S]
 *                [--exit N] [--mem MIB] [--distinct-ids] GUEST_ELF [ARGS]
 * --hold S keeps the last VM S seconds after the guest is done, --pause S
 * stops S seconds (or until SIGUSR1) when the guest begins its "churn"
 * phase: time for `zapvm attach` to act on a VM that has memslots.
 * --distinct-ids gives VM i's vCPU the id i (else 0): attach can then tell
 * the vCPUs of --vms N apart.
 * Exits with the guest's status (or --exit N), 1 on a broken run, 3 with
 * --no-vm (no VM made).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zapvm/guest_abi.h"
#include "zapvm/loader.h"
#include "zapvm/x86.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define ROM_GPA UINT64_C(0xc0000000)
#define ROM_SIZE UINT64_C(0x10000)
#define RAM_SLOT 0
#define ROM_SLOT 1

struct tvm {
	int kvm, vm, vcpu;
	uint8_t *ram, *rom;
	uint64_t mem, rom_gpa;
	struct kvm_run *run;
	unsigned int pause; /* --pause */
	int vcpu_id; /* --distinct-ids: the VM's index; else 0 */
};

static void on_usr1(int sig)
{
}

static int fail(const char *what)
{
	fprintf(stderr, "testvmm: %s: %s\n", what, strerror(errno));
	return -1;
}

static int set_slot(struct tvm *t, uint32_t slot, uint64_t gpa, uint64_t size,
		    void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* The guest's PT_LOAD segments at their p_paddr; it is our own build. */
static int load_elf(struct tvm *t, const char *path, uint64_t *entry,
		    uint64_t *end)
{
	struct stat st;
	uint8_t *img;
	Elf64_Ehdr *eh;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return fail(path);
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return fail(path);
	eh = (Elf64_Ehdr *)img;
	if ((size_t)st.st_size < sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, 4) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) >
		    (uint64_t)st.st_size) {
		fprintf(stderr, "testvmm: %s: not an ELF64 guest\n", path);
		return -1;
	}
	*end = 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_paddr < ZAPVM_BOOT_END || ph->p_memsz > t->mem ||
		    ph->p_paddr > t->mem - ph->p_memsz ||
		    ph->p_filesz > ph->p_memsz ||
		    ph->p_offset + ph->p_filesz > (uint64_t)st.st_size) {
			fprintf(stderr, "testvmm: %s: bad segment\n", path);
			return -1;
		}
		memcpy(t->ram + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		if (ph->p_paddr + ph->p_memsz > *end)
			*end = ph->p_paddr + ph->p_memsz;
	}
	*entry = eh->e_entry;
	munmap(img, (size_t)st.st_size);
	return 0;
}

static int boot_state(struct tvm *t, const char *elf, const char *args,
		      uint64_t *entry)
{
	struct boot_rom rom = { .gpa = t->rom_gpa,
				.size = ROM_SIZE,
				.mapped = 1 };
	struct boot_desc d = { .ram_size = t->mem,
			       .ncpus = 1,
			       .roms = &rom,
			       .nroms = 1,
			       .args = args,
			       .gpa_top = 4 * GIB };
	uint64_t end;

	if (x86__build_boot_area(t->ram, 4 * GIB) ||
	    load_elf(t, elf, entry, &end))
		return -1;
	d.guest_base = (end + 4095) & ~UINT64_C(4095);
	if (fdt__build(t->ram + ZAPVM_BOOT_FDT, ZAPVM_BOOT_FDT_MAX, &d)) {
		fprintf(stderr, "testvmm: cannot build the boot FDT\n");
		return -1;
	}
	return 0;
}

static int setup(struct tvm *t, const char *elf, const char *args, bool move)
{
	struct kvm_cpuid2 *cpuid;
	uint64_t entry;
	void *p;
	int sz;

	t->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (t->kvm < 0)
		return fail("/dev/kvm");
	t->vm = ioctl(t->kvm, KVM_CREATE_VM, 0);
	if (t->vm < 0)
		return fail("KVM_CREATE_VM");
	p = mmap(NULL, t->mem + 2 * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	t->rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || t->rom == MAP_FAILED)
		return fail("mmap");
	t->ram = (uint8_t *)(((uintptr_t)p + 2 * MIB - 1) & ~(2 * MIB - 1));
	for (uint64_t i = 0; i < ROM_SIZE; i++)
		t->rom[i] = ZAPVM_ROM_PATTERN(i);
	/* --move: the ROM goes in above its place and moves down (KVM_MR_MOVE). */
	t->rom_gpa = ROM_GPA;
	if (set_slot(t, RAM_SLOT, 0, t->mem, t->ram, 0) ||
	    set_slot(t, ROM_SLOT, ROM_GPA + (move ? ROM_SIZE : 0), ROM_SIZE,
		     t->rom, KVM_MEM_READONLY) ||
	    (move && set_slot(t, ROM_SLOT, ROM_GPA, ROM_SIZE, t->rom,
			      KVM_MEM_READONLY)))
		return fail("KVM_SET_USER_MEMORY_REGION");
	if (boot_state(t, elf, args, &entry))
		return -1;
	sz = ioctl(t->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, t->vcpu_id);
	if (sz < 0 || t->vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	t->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->vcpu, 0);
	if (t->run == MAP_FAILED)
		return fail("mmap kvm_run");
	cpuid = x86__supported_cpuid(t->kvm);
	if (!cpuid || x86__setup_vcpu(t->vcpu, cpuid, entry, 0, ZAPVM_BOOT_FDT))
		return -1;
	free(cpuid);
	return 0;
}

static void *gpa(struct tvm *t, uint64_t a, uint64_t len)
{
	return a <= t->mem && len <= t->mem - a ? t->ram + a : NULL;
}

/* 1: done (status in *st), 0: go on, -1: broken guest. */
static int ucall(struct tvm *t, uint32_t a, int *st)
{
	struct zapvm_ucall *uc = gpa(t, a, sizeof(*uc));
	void *p;

	if (!uc)
		return -1;
	uc->ret = 0;
	switch (uc->cmd) {
	case ZAPVM_UCALL_PRINT:
		p = uc->args[1] <= ZAPVM_PRINT_MAX ?
			    gpa(t, uc->args[0], uc->args[1]) :
			    NULL;
		if (p)
			fwrite(p, 1, uc->args[1], stdout);
		fflush(stdout);
		break;
	case ZAPVM_UCALL_PHASE:
		p = uc->args[1] <= ZAPVM_NAME_MAX ?
			    gpa(t, uc->args[0], uc->args[1]) :
			    NULL;
		if (p && t->pause && uc->args[1] == 5 &&
		    !memcmp(p, "churn", 5)) {
			printf("testvmm: paused before churn, pid %d\n",
			       (int)getpid());
			fflush(stdout);
			sleep(t->pause);
		}
		break;
	case ZAPVM_UCALL_DONE:
		*st = (int)uc->args[0];
		return 1;
	case ZAPVM_UCALL_ROM_UNMAP:
	case ZAPVM_UCALL_ROM_MAP:
		if (set_slot(t, ROM_SLOT, t->rom_gpa,
			     uc->cmd == ZAPVM_UCALL_ROM_MAP ? ROM_SIZE : 0,
			     t->rom, KVM_MEM_READONLY))
			uc->ret = -errno;
		break;
	case ZAPVM_UCALL_ASSERT:
		fprintf(stderr,
			"testvmm: guest assertion at line %" PRIu64 "\n",
			(uint64_t)uc->args[4]);
		return -1;
	default:
		uc->ret = -ENOSYS;
		break;
	}
	return 0;
}

static int run(struct tvm *t, int *st)
{
	struct kvm_run *r = t->run;
	uint32_t a;
	int ret;

	for (;;) {
		if (ioctl(t->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return fail("KVM_RUN");
		}
		if (r->exit_reason != KVM_EXIT_IO ||
		    r->io.direction != KVM_EXIT_IO_OUT || r->io.count != 1)
			break;
		if (r->io.port == ZAPVM_NULL_PORT ||
		    r->io.port == ZAPVM_BOOT_DONE_PORT)
			continue;
		if (r->io.port != ZAPVM_UCALL_PORT || r->io.size != 4)
			break;
		memcpy(&a, (uint8_t *)r + r->io.data_offset, 4);
		ret = ucall(t, a, st);
		if (ret)
			return ret > 0 ? 0 : -1;
	}
	fprintf(stderr, "testvmm: unexpected exit %u\n", r->exit_reason);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vms", required_argument, NULL, 'n' },
		{ "no-vm", no_argument, NULL, 'N' },
		{ "move", no_argument, NULL, 'm' },
		{ "hold", required_argument, NULL, 'H' },
		{ "exit", required_argument, NULL, 'x' },
		{ "pause", required_argument, NULL, 'P' },
		{ "mem", required_argument, NULL, 'M' },
		{ "distinct-ids", no_argument, NULL, 'D' },
		{ 0 },
	};
	int c, vms = 1, hold = 0, status = 0, force = -1, pause = 0;
	bool move = false, distinct = false;
	uint64_t mem = 64 * MIB;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			vms = atoi(optarg);
			break;
		case 'N':
			printf("testvmm: no VM\n");
			return 3;
		case 'm':
			move = true;
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 'x':
			force = atoi(optarg);
			break;
		case 'P':
			pause = atoi(optarg);
			break;
		case 'M':
			mem = strtoull(optarg, NULL, 0) * MIB;
			break;
		case 'D':
			distinct = true;
			break;
		default:
			return 2;
		}
	}
	/* SIGUSR1 ends a --pause early (sleep() returns). */
	signal(SIGUSR1, on_usr1);
	if (optind >= argc) {
		fprintf(stderr, "usage: testvmm [options] GUEST_ELF [ARGS]\n");
		return 2;
	}
	for (int i = 0; i < vms; i++) {
		struct tvm t = { .mem = mem,
				 .pause = (unsigned int)pause,
				 .vcpu_id = distinct ? i : 0 };

		if (setup(&t, argv[optind], argv[optind + 1], move) ||
		    run(&t, &status))
			return 1;
		printf("testvmm: VM %d done, status %d\n", i, status);
		fflush(stdout);
		if (hold && i == vms - 1) {
			/* For zapvm attach: the VM stays, its fds open. */
			printf("testvmm: holding pid %d\n", (int)getpid());
			fflush(stdout);
			sleep((unsigned int)hold);
		}
	}
	return force >= 0 ? force : status;
}
