// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's life cycle: create the KVM VM, its guest memory and memslots,
 * stats and phases, zap policy, devices and vCPUs; run it (supervise.c,
 * with the vCPU threads of vcpu.c); tear it all down. What a guest needs to
 * boot - its memory layout, image, registers and devices - comes from the
 * boot path the caller passes (struct boot_ops in vmcore.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zapvm/guest_abi.h"
#include "zapvm/log.h"
#include "zapvm/timeline.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"
#include "zapvm/vmcore.h"
#include "zapvm/x86.h"

void *vm__guest_mem(struct vm *vm, uint64_t gpa, uint64_t len, bool write)
{
	return gpa_to_hva(&vm->slots, gpa, len, write);
}

int vm__mark_phase(struct vm *vm, const char *name)
{
	bool first;
	int ret;

	if (!vm->phases)
		return 0;
	/* What the guest dirtied belongs to the phase that ends here. */
	if (vm->dirty)
		dirtylog__collect(vm->dirty, true);
	ret = phase_log__mark(vm->phases, name);
	trace__phase(vm, ret); /* --trace: this phase's memslot layout */
	if (ret != -ENOSPC)
		return ret;
	pthread_mutex_lock(&vm->lock);
	first = !vm->phases_full_warned;
	vm->phases_full_warned = true;
	pthread_mutex_unlock(&vm->lock);
	if (first)
		log_warn("phase log full (%u phases): \"%s\" and later marks "
			 "count in the last phase",
			 PHASE_LOG_MAX, name);
	return ret;
}

void vm__boot_done(struct vm *vm, const char *how, bool once)
{
	bool first;
	int ret;

	pthread_mutex_lock(&vm->lock);
	first = !vm->boot_done;
	vm->boot_done = true;
	if (first && vm->t_start)
		vm->res->boot_done_ns = now_ns() - vm->t_start;
	pthread_mutex_unlock(&vm->lock);
	if (once && !first)
		return;
	log_info("boot done (%s)", how);
	ret = vm__mark_phase(vm, "boot-done");
	if (ret < 0 && ret != -ENOSPC)
		log_warn("cannot mark boot-done (%s): %s", how, strerror(-ret));
}

int vm__irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &l);
}

int vm__signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi m = { .address_lo = (uint32_t)addr,
			     .address_hi = (uint32_t)(addr >> 32),
			     .data = data };
	int ret = kvm_ioctl_quiet(vm->vm_fd, KVM_SIGNAL_MSI, &m);

	return ret < 0 ? ret : 0;
}

/* ---- set-up ---------------------------------------------------------- */

static int memslot_set(void *opaque,
		       const struct kvm_userspace_memory_region *r)
{
	struct vm *vm = opaque;

	return kvm_ioctl_quiet(vm->vm_fd, KVM_SET_USER_MEMORY_REGION,
			       (void *)r);
}

static void memslot_changed(void *opaque, const char *what)
{
	struct vm *vm = opaque;
	int idx;

	if (!__atomic_load_n(&vm->started, __ATOMIC_ACQUIRE))
		return;
	idx = vm__mark_phase(vm, what);
	timeline__memslot(vm->cfg->timeline, idx);
	if (idx <= 0)
		return;
	pthread_mutex_lock(&vm->lock);
	if (!vm->res->first_churn_phase)
		vm->res->first_churn_phase = (unsigned int)idx;
	pthread_mutex_unlock(&vm->lock);
}

static void *map_anon(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int vm__alloc_ram(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct backing_spec spec = {
		.kind = cfg->mem_backend,
		.path = cfg->mem_file,
		.hugepage_size = cfg->hugepage_size,
		.prefault = cfg->prefault,
		.advice = cfg->thp == THP_ON  ? MADV_HUGEPAGE :
			  cfg->thp == THP_OFF ? MADV_NOHUGEPAGE :
						0,
		.sysfs_root = "",
	};
	struct backing b;
	int ret = backing__map(&spec, cfg->mem_size, &b);

	if (ret)
		return ret;
	vm->ram_map = b.map;
	vm->ram_map_size = b.map_size;
	vm->ram = b.ram;
	return 0;
}

/* The backing's page size, which RAM slot boundaries should respect. */
static uint64_t vm__ram_page(const struct vm_config *cfg)
{
	if (cfg->mem_backend != MEM_BACKEND_HUGETLB)
		return 4096;
	return cfg->hugepage_size ? cfg->hugepage_size : 2ULL << 20;
}

/*
 * --ram-slots and --dirty-log: usage errors. The firmware path's PAM
 * code adds and deletes RAM slots below 1 MiB at run time, which neither
 * a fixed slot split nor a fixed set of logged slots can follow.
 */
static int vm__check_memax(const struct vm_config *cfg)
{
	if (cfg->firmware && cfg->ram_slots > 1) {
		log_err("--ram-slots does not go with --firmware (its PAM "
			"remaps RAM slots below 1 MiB at run time)");
		return -EINVAL;
	}
	if (cfg->firmware && cfg->dirty_log.mode != DIRTY_LOG_OFF) {
		log_err("--dirty-log does not go with --firmware (its PAM "
			"remaps RAM slots below 1 MiB at run time)");
		return -EINVAL;
	}
	if (cfg->ram_slots > 1 &&
	    !ram_slots__align(cfg->mem_size, cfg->ram_slots, 4096)) {
		log_err("--ram-slots %u: %llu MiB of RAM gives fewer than "
			"%u 4 KiB pages",
			cfg->ram_slots,
			(unsigned long long)(cfg->mem_size >> 20),
			cfg->ram_slots);
		return -EINVAL;
	}
	return 0;
}

/*
 * The backing options that do not go together: usage errors, refused
 * before anything is set up (the run, demo and bench layers share them).
 */
static int vm__check_backing(const struct vm_config *cfg)
{
	bool huge = cfg->mem_backend == MEM_BACKEND_HUGETLB;

	if (cfg->hugepage_size && !huge) {
		log_err("--hugepage-size needs --mem-backend hugetlb");
		return -EINVAL;
	}
	if (huge && cfg->thp != THP_DEFAULT) {
		log_err("--thp does not apply to --mem-backend hugetlb (its "
			"pages are huge already)");
		return -EINVAL;
	}
	return vm__check_memax(cfg);
}

/* Fill ROM @i's memory and size from its spec. */
static int vm__load_rom(struct vm *vm, unsigned int i)
{
	const struct rom_spec *spec = &vm->cfg->roms[i];
	uint64_t size = spec->size, len;
	uint8_t *data = NULL, *mem;
	int ret;

	if (spec->path) {
		ret = read_file(spec->path, 1ULL << 30, &data, &len);
		if (ret)
			return ret;
		if (size && len > size) {
			log_err("ROM %u: %s is %llu bytes, larger than its %llu-byte "
				"region",
				i, spec->path, (unsigned long long)len,
				(unsigned long long)size);
			free(data);
			return -EFBIG;
		}
		if (!size && !align_up(len, 4096, &size)) {
			free(data);
			return -EINVAL;
		}
	} else {
		len = spec->pattern_len;
	}
	mem = map_anon(size);
	if (!mem) {
		free(data);
		log_err("cannot allocate ROM %u (%llu bytes)", i,
			(unsigned long long)size);
		return -ENOMEM;
	}
	if (data)
		memcpy(mem, data, len);
	else
		for (uint64_t b = 0; b < len; b++)
			mem[b] = ZAPVM_ROM_PATTERN(b);
	free(data);
	vm->rom_mem[i] = mem;
	vm->rom_size[i] = size;
	return 0;
}

/* One RAM slot per RAM range of the boot path: "ram", "ram-high". */
static int vm__add_ram(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nram; i++) {
		const struct vm_ram *r = &vm->ram_regions[i];
		int ret = memslots__add(&vm->slots, REGION_RAM,
					i ? "ram-high" : "ram", r->gpa, r->size,
					(uint8_t *)vm->ram + r->offset);

		if (ret < 0)
			return ret;
	}
	vm->nram_slots = vm->nram;
	return 0;
}

/*
 * --ram-slots N: ram_slots__layout() over the boot path's RAM ranges,
 * refused with -EOPNOTSUPP when the host's KVM_CAP_NR_MEMSLOTS cannot
 * hold them beside the ROMs, the option ROM and the zapper's page.
 */
static int vm__add_ram_slots(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	unsigned int max = cfg->ram_slots + VM_MAX_RAM_REGIONS - 1;
	unsigned int reserved = cfg->nroms + cfg->has_pci_rom + !!cfg->hook;
	struct ram_range in[VM_MAX_RAM_REGIONS], *out;
	uint64_t align;
	int n, ret = 0;

	for (unsigned int i = 0; i < vm->nram; i++)
		in[i] = (struct ram_range){ vm->ram_regions[i].gpa,
					    vm->ram_regions[i].size,
					    vm->ram_regions[i].offset };
	align = ram_slots__align(cfg->mem_size, cfg->ram_slots,
				 vm__ram_page(cfg));
	out = calloc(max, sizeof(*out));
	if (!out)
		return -ENOMEM;
	n = ram_slots__layout(in, vm->nram, cfg->ram_slots, align, out, max);
	if (n < 0) {
		ret = n;
		log_err("--ram-slots %u: no layout: %s", cfg->ram_slots,
			strerror(-n));
		goto out_free;
	}
	if ((uint64_t)n + reserved > vm->slots.max_slots) {
		log_err("--ram-slots %u: %d RAM memslots and %u for ROMs are "
			"more than this host's KVM takes (KVM_CAP_NR_MEMSLOTS "
			"%u)",
			cfg->ram_slots, n, reserved, vm->slots.max_slots);
		ret = -EOPNOTSUPP;
		goto out_free;
	}
	for (int i = 0; i < n && !ret; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ram%d", i);
		ret = memslots__add(&vm->slots, REGION_RAM, name, out[i].gpa,
				    out[i].size,
				    (uint8_t *)vm->ram + out[i].offset);
		ret = ret < 0 ? ret : 0;
	}
	vm->nram_slots = (unsigned int)n;
	log_debug("RAM in %d memslots, boundaries %llu KiB aligned", n,
		  (unsigned long long)(align >> 10));
out_free:
	free(out);
	return ret;
}

/* --smm-space: QEMU's second address space; before any region exists. */
static int vm__smm_space(struct vm *vm)
{
	long n = kvm__check(vm->vm_fd, KVM_CAP_MULTI_ADDRESS_SPACE);

	if (n < 2) {
		log_err("--smm-space needs KVM_CAP_MULTI_ADDRESS_SPACE >= 2 (an "
			"SMM address space); this host's KVM has %ld",
			n < 1 ? 1 : n);
		return -EOPNOTSUPP;
	}
	return memslots__mirror_smm(&vm->slots);
}

static int vm__setup_memory(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	long nslots = kvm__check(vm->vm_fd, KVM_CAP_NR_MEMSLOTS);
	int ret;

	if (cfg->nroms && !kvm__check(vm->vm_fd, KVM_CAP_READONLY_MEM)) {
		log_err("ROM regions need KVM_CAP_READONLY_MEM, which this "
			"kernel lacks");
		return -EOPNOTSUPP;
	}
	for (unsigned int i = 0; i < cfg->nroms; i++) {
		ret = vm__load_rom(vm, i);
		if (ret)
			return ret;
	}
	/* The layout's refusals (beyond 64 GiB...) before RAM is mapped. */
	ret = vm->boot->plan_memory(vm);
	if (ret)
		return ret;
	ret = vm__alloc_ram(vm);
	if (ret)
		return ret;
	ret = memslots__init(&vm->slots, nslots > 0 ? (uint32_t)nslots : 32,
			     vm->gpa_top, memslot_set, memslot_changed, vm);
	if (ret) {
		log_err("memslot bookkeeping: %s", strerror(-ret));
		return ret;
	}
	vm->slots_ready = true;
	if (cfg->smm_space) {
		ret = vm__smm_space(vm);
		if (ret)
			return ret;
	}
	if (cfg->dirty_log.mode != DIRTY_LOG_OFF) {
		ret = dirtylog__new(vm->vm_fd, &cfg->dirty_log, vm->ncpus,
				    &vm->dirty);
		if (ret)
			return ret;
		memslots__set_ram_flags(&vm->slots,
					dirtylog__slot_flags(vm->dirty), "");
	}
	ret = cfg->ram_slots > 1 ? vm__add_ram_slots(vm) : vm__add_ram(vm);
	if (ret < 0)
		return ret;
	vm->res->ram_memslots = vm->nram_slots;
	if (vm->dirty) {
		ret = dirtylog__attach(vm->dirty, &vm->slots);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < cfg->nroms; i++) {
		char name[16];

		snprintf(name, sizeof(name), "rom%u", i);
		ret = memslots__add(&vm->slots, REGION_ROM, name,
				    vm->rom_gpa[i], vm->rom_size[i],
				    vm->rom_mem[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int vm__open_stats(int fd, struct stats_set *s, const char *what)
{
	int sfd = kvm_ioctl(fd, KVM_GET_STATS_FD, NULL);
	int ret;

	if (sfd < 0)
		return sfd;
	ret = stats__open(s, sfd);
	if (ret)
		log_err("%s stats: malformed KVM_GET_STATS_FD data: %s", what,
			strerror(-ret));
	return ret;
}

static int vm__create_vcpus(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = x86__supported_cpuid(vm->kvm_fd);
	int mmap_size = kvm_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	int ret = 0;

	if (!cpuid)
		return -EIO;
	if (mmap_size < (int)sizeof(struct kvm_run)) {
		free(cpuid);
		return mmap_size < 0 ? mmap_size : -EINVAL;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		void *run;

		v->vm = vm;
		v->id = i;
		v->fd = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU,
				  (void *)(uintptr_t)i);
		if (v->fd < 0) {
			ret = v->fd;
			break;
		}
		run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   v->fd, 0);
		if (run == MAP_FAILED) {
			ret = -errno;
			log_err("vCPU %u: mmap of kvm_run failed: %s", i,
				strerror(errno));
			break;
		}
		v->run = run;
		v->run_size = mmap_size;
		if (vm->dirty) {
			ret = dirtylog__map_vcpu(vm->dirty, i, v->fd);
			if (ret)
				break;
		}
		if (!i)
			coalesced__map(vm, v);
		ret = vm->boot->setup_vcpu(v, cpuid);
		if (ret)
			break;
		if (vm->res->stats) {
			char what[32];

			snprintf(what, sizeof(what), "vCPU %u", i);
			ret = vm__open_stats(v->fd, &vm->res->stats[1 + i],
					     what);
			if (ret)
				break;
			vm->res->nstats = 2 + i;
		}
	}
	free(cpuid);
	return ret;
}

static int vm__setup_phases(struct vm *vm)
{
	static const char *const names[] = { "memslot_changes",
					     "memslot_update_ns",
					     "rom_writes_dropped",
					     "dirty_pages" };
	uint64_t *counters[] = {
		&vm->slots.changes, &vm->slots.update_ns, &vm->slots.rom_writes,
		vm->dirty ? dirtylog__phase_counter(vm->dirty) : NULL
	};
	const struct stats_set **vcpus;

	if (!vm->res->stats)
		return 0;
	vcpus = calloc(vm->ncpus, sizeof(*vcpus));
	if (!vcpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpus[i] = &vm->res->stats[1 + i];
	vm->phases = phase_log__new(&vm->res->stats[0], vcpus, vm->ncpus, names,
				    counters, vm->dirty ? 4 : 3);
	free(vcpus);
	if (!vm->phases) {
		log_err("phase log: %s", strerror(errno));
		return -ENOMEM;
	}
	vm->res->phases = vm->phases;
	return 0;
}

static int vm__init_devices(struct vm *vm)
{
	const struct boot_ops *b = vm->boot;

	vm->dev_priv =
		calloc(b->ndevices ? b->ndevices : 1, sizeof(*vm->dev_priv));
	if (!vm->dev_priv)
		return -ENOMEM;
	for (unsigned int i = 0; i < b->ndevices; i++) {
		int ret = b->devices[i]->init(vm, &vm->dev_priv[i]);

		if (ret)
			return ret;
		vm->ndev_ready = i + 1;
		log_debug("device %s ready", b->devices[i]->name);
	}
	return 0;
}

static void vm__exit_devices(struct vm *vm)
{
	for (unsigned int i = vm->ndev_ready; i-- > 0;) {
		const struct device_ops *d = vm->boot->devices[i];

		if (d->exit)
			d->exit(vm, vm->dev_priv[i]);
	}
	vm->ndev_ready = 0;
	free(vm->dev_priv);
	vm->dev_priv = NULL;
}

static void vm__teardown(struct vm *vm)
{
	/* Devices first: the console restores the terminal. */
	vm__exit_devices(vm);
	for (unsigned int i = 0; vm->vcpus && i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	dirtylog__free(vm->dirty);
	/* Stats fds pin the VM in the kernel; keep only their descriptors. */
	for (unsigned int i = 0; vm->res->stats && i < vm->res->nstats; i++) {
		if (vm->res->stats[i].fd >= 0) {
			close(vm->res->stats[i].fd);
			vm->res->stats[i].fd = -1;
		}
	}
	if (vm->boot->unload)
		vm->boot->unload(vm);
	if (vm->slots_ready)
		memslots__exit(&vm->slots);
	bus__exit(&vm->pio);
	bus__exit(&vm->mmio);
	coalesced__exit(&vm->coalesced);
	for (unsigned int i = 0; i < vm->cfg->nroms; i++) {
		if (vm->rom_mem[i])
			munmap(vm->rom_mem[i], vm->rom_size[i]);
	}
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->ram_map)
		munmap(vm->ram_map, vm->ram_map_size);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->io_warned);
	pthread_cond_destroy(&vm->pause_cond);
	pthread_mutex_destroy(&vm->lock);
}

static int vm__setup(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct vm_result *res = vm->res;
	int ret;

	vm->kvm_fd = kvm__open();
	if (vm->kvm_fd == -ENOENT)
		return -ENODEV; /* no KVM is "unavailable", not a missing input */
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	vm->vm_fd = kvm_ioctl(vm->kvm_fd, KVM_CREATE_VM, NULL);
	if (vm->vm_fd < 0)
		return vm->vm_fd;
	coalesced__probe(vm, !cfg->no_coalesced_pio);

	if (kvm__check(vm->vm_fd, KVM_CAP_BINARY_STATS_FD)) {
		res->stats = calloc(1 + vm->ncpus, sizeof(*res->stats));
		if (!res->stats)
			return -ENOMEM;
		for (unsigned int i = 0; i <= vm->ncpus; i++)
			res->stats[i].fd = -1;
		ret = vm__open_stats(vm->vm_fd, &res->stats[0], "VM");
		if (ret)
			return ret;
		res->nstats = 1;
	} else {
		log_warn("KVM_CAP_BINARY_STATS_FD missing: no per-phase stats");
	}
	zap_support__probe(vm->vm_fd, res->stats ? &res->stats[0] : NULL,
			   &vm->zs);
	ret = zap_policy__apply(vm->vm_fd, &vm->zs, cfg->policy, &res->iface);
	if (ret)
		return ret == -EOPNOTSUPP ? ret : -EIO;

	ret = vm__setup_memory(vm);
	if (ret)
		return ret;
	ret = vm->boot->load(vm);
	if (ret)
		return ret;
	ret = vm__init_devices(vm);
	if (ret)
		return ret;
	ret = vm__create_vcpus(vm);
	if (ret)
		return ret;
	return vm__setup_phases(vm);
}

static void vm__init_cond(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

void vm__run_boot(const struct vm_config *cfg, const struct boot_ops *boot,
		  struct vm_result *res)
{
	struct vm vm = {
		.cfg = cfg,
		.boot = boot,
		.res = res,
		.kvm_fd = -1,
		.vm_fd = -1,
		.ncpus = cfg->ncpus,
	};
	int ret;

	memset(res, 0, sizeof(*res));
	res->setup_ns = now_ns();
	pthread_mutex_init(&vm.lock, NULL);
	vm__init_cond(&vm.pause_cond);
	bus__init(&vm.pio, "pio");
	bus__init(&vm.mmio, "mmio");
	coalesced__init(&vm.coalesced);

	if (!cfg->ncpus || cfg->ncpus > vm.boot->max_cpus) {
		log_err("--cpus %u: %s run on 1 to %u vCPUs", cfg->ncpus,
			cfg->kernel ? "Linux guests" : "test guests",
			vm.boot->max_cpus);
		res->end = VM_END_CONFIG;
		res->err = -EINVAL;
		goto out;
	}
	if (cfg->mem_size < (4ULL << 20) || (cfg->mem_size & 0xfffff)) {
		log_err("--mem %llu: guest RAM must be a MiB multiple of at "
			"least 4 MiB",
			(unsigned long long)cfg->mem_size);
		res->end = VM_END_CONFIG;
		res->err = -EINVAL;
		goto out;
	}
	ret = vm.boot->check(cfg);
	if (!ret)
		ret = vm__check_backing(cfg);
	if (ret) {
		res->end = VM_END_CONFIG;
		res->err = ret;
		goto out;
	}
	vm.vcpus = calloc(cfg->ncpus, sizeof(*vm.vcpus));
	vm.io_warned = calloc(1, (0x10000 >> 3) + 1);
	if (!vm.vcpus || !vm.io_warned) {
		res->end = VM_END_ERROR;
		res->err = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < cfg->ncpus; i++)
		vm.vcpus[i].fd = -1;

	ret = vm__setup(&vm);
	if (ret) {
		res->end = VM_END_ERROR;
		res->err = ret;
		goto out;
	}
	vm__run_vcpus(&vm);
	/* What the guest wrote just before it stopped. */
	coalesced__replay(&vm, &vm.vcpus[0]);
	res->coalesced_pio = vm.coalesced.ring != NULL;
	res->coalesced_writes = vm.coalesced.replayed;
	res->ran = true;
	if (vm.dirty) {
		dirtylog__collect(vm.dirty, false);
		dirtylog__result(vm.dirty, &res->dirty);
	}
	if (vm.phases)
		phase_log__finish(vm.phases);
	res->memslot_changes = vm.slots.changes - vm.changes_at_start;
	for (int i = 0; i < 2; i++)
		res->memslot_changes_as[i] =
			vm.slots.changes_as[i] - vm.changes_as_at_start[i];
	res->memslot_update_ns = vm.slots.update_ns - vm.update_ns_at_start;
	res->rom_writes = vm.slots.rom_writes;
	res->guest_status = vm.guest_status;
	if (vm.stop_set) {
		res->end = vm.stop_end;
		res->err = vm.stop_err;
	}
out:
	vm__teardown(&vm);
}

void vm_result__free(struct vm_result *res)
{
	phase_log__free(res->phases);
	for (unsigned int i = 0; res->stats && i < res->nstats; i++)
		stats__close(&res->stats[i]);
	free(res->stats);
	memset(res, 0, sizeof(*res));
}
