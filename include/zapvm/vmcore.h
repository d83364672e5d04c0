/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM core seen from inside: what the boot paths (src/boot/guest.c,
 * src/boot/linux.c) and the devices (one file each in src/devices/) share
 * with the core - src/core/vm.c (life cycle, memory, set-up and teardown),
 * src/core/vcpu.c (vCPU threads, exit dispatch, stop and pause) and
 * src/core/supervise.c (starting, waiting for and joining the threads) -
 * and what those three files share with each other. One core serves two
 * boot paths: the CPL3 test guests of guest_abi.h and Linux. vm.h is the
 * outside view (configuration, vm__run(), results).
 */
#ifndef ZAPVM_VMCORE_H
#define ZAPVM_VMCORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/bus.h"
#include "zapvm/coalesced.h"
#include "zapvm/kvm.h"
#include "zapvm/memslot.h"
#include "zapvm/stats.h"
#include "zapvm/vm.h"

struct kvm_cpuid2;
struct console;
struct pci;

/* A vCPU handler's "this vCPU is finished" answer (errors are < 0). */
#define VCPU_DONE 1

#define VM_MAX_RAM_REGIONS 2

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	uint64_t exits;
};

struct vm;

/*
 * A device: init() in table order after the guest image is loaded and
 * before the vCPUs exist (an in-kernel irqchip must precede them), exit()
 * in reverse order for every device whose init() succeeded. init() returns
 * 0 or -errno after logging one line; *priv is the device's state.
 */
struct device_ops {
	const char *name;
	int (*init)(struct vm *vm, void **priv);
	void (*exit)(struct vm *vm, void *priv);
};

/* What differs between the boot paths. */
struct boot_ops {
	const char *name;
	/*
	 * Reject a configuration this path cannot run: 0, or -EINVAL after
	 * one line on stderr (the VM ends as VM_END_CONFIG, a usage error).
	 */
	int (*check)(const struct vm_config *cfg);
	/*
	 * Decide the guest-physical layout: fill ram[] (carving cfg->mem_size
	 * of host RAM), rom_gpa[] and gpa_top. 0 or -errno (logged).
	 */
	int (*plan_memory)(struct vm *vm);
	/* Load the guest into memory (memslots exist). 0 or -errno (logged). */
	int (*load)(struct vm *vm);
	/* Registers of vCPU @v (its fd exists); @cpuid is the host's set. */
	int (*setup_vcpu)(struct vcpu *v, const struct kvm_cpuid2 *cpuid);
	void (*unload)(
		struct vm *vm); /* free what load() allocated; may be NULL */
	const struct device_ops *const *devices;
	unsigned int ndevices;
	/*
	 * Unclaimed ports and MMIO read as all ones and swallow writes (a PC
	 * with nothing at that address), instead of ending the VM as a crash.
	 */
	bool lenient_io;
	unsigned int max_cpus;
};

extern const struct boot_ops boot_guest_ops; /* src/boot/guest.c */
extern const struct boot_ops boot_linux_ops; /* src/boot/linux.c */
extern const struct boot_ops boot_firmware_ops; /* src/boot/firmware.c */

/*
 * vm__run_boot - vm__run() on boot path @boot: the core never picks a boot
 * path itself, so that it calls nothing in src/boot (which calls it).
 * vm__run() (src/boot/boot.c) picks one from @cfg.
 */
void vm__run_boot(const struct vm_config *cfg, const struct boot_ops *boot,
		  struct vm_result *res);

struct vm_ram {
	uint64_t gpa, size;
	uint64_t offset; /* into the host mapping at vm->ram */
};

struct vm {
	const struct vm_config *cfg;
	const struct boot_ops *boot;
	struct vm_result *res;
	int kvm_fd, vm_fd;
	void *ram; /* cfg->mem_size bytes, 2 MiB aligned */
	size_t ram_map_size;
	void *ram_map; /* the mapping ram lies in (aligned for THP) */
	struct vm_ram ram_regions[VM_MAX_RAM_REGIONS];
	unsigned int nram;
	void *rom_mem[VM_MAX_ROMS];
	uint64_t rom_size[VM_MAX_ROMS];
	uint64_t rom_gpa[VM_MAX_ROMS];
	uint64_t gpa_top;
	struct memslots slots;
	bool slots_ready;
	struct bus pio, mmio;
	struct coalesced coalesced; /* the UART's THR writes (coalesced.h) */
	struct vcpu *vcpus;
	unsigned int ncpus;
	struct phase_log *phases;
	struct dirtylog *dirty; /* --dirty-log; NULL when off */
	unsigned int nram_slots; /* KVM memslots the RAM took */
	struct zap_support zs;
	pthread_t main_thread;
	void *boot_priv; /* the boot path's state */
	void **dev_priv; /* per device of boot->devices */
	unsigned int ndev_ready; /* devices whose init() succeeded */
	struct console *console; /* the guest console, if any */
	uint64_t entry; /* guest entry point, set by load() */
	uint8_t *io_warned; /* one bit per port: unclaimed access logged */
	struct pci *pci; /* bus 0 (src/devices/pci.c), NULL without it */
	/*
	 * The PCI MMIO window [base, end): plan_memory() sets it and
	 * pci_window_set; unset, the core uses PCI_MMIO_WINDOW (pci.h).
	 * base == end: no room, so no memory BARs.
	 */
	uint64_t pci_mmio_base, pci_mmio_end;
	bool pci_window_set;

	pthread_mutex_t lock;
	uint64_t guest_status; /* highest DONE status */
	enum vm_end stop_end; /* how the first stop ended the VM */
	int stop_err; /* its -errno (VM_END_ERROR) */
	bool stop_set;
	bool stopping;
	unsigned int running;
	bool started; /* vCPUs run: memslot changes are churn now */
	bool boot_done; /* a boot-done mark was set */
	bool phases_full_warned; /* the phase log reached PHASE_LOG_MAX */
	uint64_t t_start; /* first vCPU started, CLOCK_MONOTONIC ns */
	uint64_t changes_at_start, update_ns_at_start;
	uint64_t changes_as_at_start[2];
	/* zapvm pause: vCPUs wait in vcpu__hold() while pause_req is set. */
	pthread_cond_t pause_cond; /* with lock; CLOCK_MONOTONIC */
	bool pause_req;
	unsigned int held; /* vCPUs waiting */
	unsigned int live_vcpus; /* vCPU threads started, not finished */
	uint64_t paused_at; /* all held since, ns; 0: not paused */
	uint64_t paused_ns; /* earlier pauses in total */
};

/*
 * vm__pause - take every vCPU out of KVM_RUN and hold it there, waiting at
 * most @timeout_ms for all of them. 0, -EALREADY when paused, -ESHUTDOWN
 * when the VM is stopping, -ETIMEDOUT (the VM runs on). vm__resume() lets
 * them go: 0 or -EALREADY when not paused. Paused time does not count
 * against --timeout. Safe from any thread but the vCPUs'.
 */
int vm__pause(struct vm *vm, unsigned int timeout_ms);
int vm__resume(struct vm *vm);
bool vm__paused(struct vm *vm);

/*
 * vm__mark_phase - begin phase @name in the VM's phase log, if it has one:
 * the new phase's index, 0 without a log, or -errno. When the log is full
 * (-ENOSPC) the current phase goes on and the first refusal is logged.
 * Safe from any thread.
 */
int vm__mark_phase(struct vm *vm, const char *name);

/*
 * vm__boot_done - set a "boot-done" phase mark (@how names the trigger for
 * -v) and record the time of the first one in the result. Each call marks a
 * phase; with @once, only the first call of the VM does anything.
 */
void vm__boot_done(struct vm *vm, const char *how, bool once);

/*
 * vm__irq_line - drive ISA interrupt line @irq of the in-kernel irqchip to
 * @level (KVM_IRQ_LINE). 0 or -errno (logged).
 */
int vm__irq_line(struct vm *vm, unsigned int irq, int level);

/*
 * vm__signal_msi - deliver the MSI message @data to @addr (KVM_SIGNAL_MSI;
 * needs the in-kernel irqchip). 0 (also when the guest blocked it) or
 * -errno, not logged: callers on the vCPU path log once.
 */
int vm__signal_msi(struct vm *vm, uint64_t addr, uint32_t data);

/* vcpu__rip - the vCPU's RIP for messages; 0 if it cannot be read. */
uint64_t vcpu__rip(struct vcpu *v);

/* ---- inside the core: what vm.c, vcpu.c and supervise.c share ---- */

/*
 * vm__run_vcpus - run the vCPUs of the set-up @vm (supervise.c) until all
 * are done, a stop, the timeout or an ending signal; with them the hook
 * and the companion of vm->cfg. Everything it started is joined on return.
 */
void vm__run_vcpus(struct vm *vm);

/* vcpu__thread - the thread of vCPU @arg (a struct vcpu *): KVM_RUN and exits. */
void *vcpu__thread(void *arg);

/*
 * vm__kick_all - take every started vCPU out of KVM_RUN (SIGUSR1 with
 * immediate_exit set), so that it sees a stop or a pause request.
 */
void vm__kick_all(struct vm *vm);

/* vm__paused_ns - time spent paused up to @now: --timeout counts running time. */
uint64_t vm__paused_ns(struct vm *vm, uint64_t now);

#endif /* ZAPVM_VMCORE_H */
