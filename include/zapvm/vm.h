/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A zapvm virtual machine running a test guest: configuration, life cycle
 * and results. `zapvm run`, `zapvm demo` and the benchmarks all go through
 * vm__run().
 */
#ifndef ZAPVM_VM_H
#define ZAPVM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/backing.h"
#include "zapvm/bus.h"
#include "zapvm/dirtylog.h"
#include "zapvm/kvm.h"
#include "zapvm/memslot.h"
#include "zapvm/pam.h"
#include "zapvm/stats.h"

#define VM_MAX_ROMS 16
#define VM_MAX_DISKS 8

enum zap_policy { ZAP_DEFAULT, ZAP_ALL, ZAP_SLOT };
/* --boot: auto is pvh for a vmlinux ELF, 64 for a bzImage. */
enum linux_boot { BOOT_AUTO, BOOT_64, BOOT_PVH, BOOT_REAL };
enum thp_mode { THP_DEFAULT, THP_ON, THP_OFF };
/* --pci: auto is the PCI bus only when a PCI device needs it. */
enum pci_mode { PCI_AUTO, PCI_ON, PCI_OFF };

/* How the zap policy was put in place. */
enum zap_iface {
	ZAP_IFACE_NONE, /* nothing done: the kernel's default */
	ZAP_IFACE_SERIES, /* KVM_CAP_MEMSLOT_ZAP_CONTROL (zapvm series) */
	ZAP_IFACE_QUIRK, /* KVM_X86_QUIRK_SLOT_ZAP_ALL (Linux 6.12+) */
};

struct rom_spec {
	char *path; /* a file, or NULL for a generated pattern */
	uint64_t gpa; /* valid if has_gpa */
	bool has_gpa;
	uint64_t size; /* region size (page multiple); 0 = from the file */
	uint64_t pattern_len; /* bytes of ZAPVM_ROM_PATTERN when !path */
};

struct vm;
struct trace;

/*
 * A thread beside the vCPUs (src/core/zapper.c): fn(vm, opaque) starts once the
 * vCPUs run and is joined before teardown. While it runs the VM stays up
 * even when every vCPU is done (it may act on an idle VM, whose vCPU roots
 * stay loaded); it must return soon after vm__stopping(@vm). A non-zero
 * return after one line on stderr ends the VM as VM_END_ERROR with it. A
 * hook returns 0 or -errno, never an exit status: only the command layer
 * maps the -errno to one (errno_to_exit(), src/cmd/exit.c), so a hook
 * picks the errno that maps to the status it means.
 */
struct vm_hook {
	int (*fn)(struct vm *vm, void *opaque);
	void *opaque;
};

/*
 * A service beside the VM that the command sets up (`zapvm run` wires its
 * control socket in here): start(vm, opaque) runs once the vCPUs and the
 * hook are started, unless the VM is stopping by then; a non-zero return,
 * after one line on stderr, ends the VM as VM_END_ERROR, -EIO.
 * stop(opaque) runs when every vCPU and the hook are done and before they
 * are joined, whether start() ran or not.
 */
struct vm_companion {
	int (*start)(struct vm *vm, void *opaque);
	void (*stop)(void *opaque);
	void *opaque;
};

/* A virtio-blk disk (--disk FILE[,ro]). */
struct disk_spec {
	char *path; /* owned */
	bool ro;
};

/* What the guest console is (--console). */
enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct vm_config {
	const char *guest_name; /* for messages */
	const unsigned char *elf; /* guest image (not owned) */
	size_t elf_size;
	uint64_t mem_size;
	unsigned int ncpus;
	struct rom_spec roms[VM_MAX_ROMS];
	unsigned int nroms;
	enum zap_policy policy;
	enum thp_mode thp;
	/* --mem-backend, --hugepage-size, --prefault (backing.h). */
	enum mem_backend mem_backend;
	const char *mem_file; /* file:PATH's PATH (not owned) */
	uint64_t hugepage_size; /* 0: not given (2 MiB for hugetlb) */
	bool prefault;
	/*
	 * --ram-slots: RAM in this many equal KVM memslots (0 or 1: one per
	 * RAM range, as without it; see ram_slots__layout()). The boot path
	 * still sees its RAM ranges whole (e820, the boot FDT).
	 */
	unsigned int ram_slots;
	struct dirty_log_spec dirty_log; /* --dirty-log (dirtylog.h) */
	const char *args; /* zapvm,args for the guest */
	uint64_t timeout_ms; /* 0 = none */
	bool quiet_guest; /* do not echo guest prints */
	const struct vm_companion *companion; /* NULL: none */
	/* A Linux guest (zapvm run --kernel) instead of the ELF above. */
	const char *kernel; /* bzImage path; set: boot Linux */
	const char *initrd; /* initrd path or NULL */
	const char *cmdline; /* NULL: "console=ttyS0" (hvc0 with virtio) */
	enum linux_boot boot; /* --boot: how the kernel is entered */
	/* virtio devices, both boot paths (virtio.h). */
	struct disk_spec disks[VM_MAX_DISKS];
	unsigned int ndisks;
	enum console_kind console;
	bool no_coalesced_pio; /* --coalesced-pio off */
	const struct vm_hook *hook; /* NULL: none */
	/*
	 * The option-ROM PCI device (src/devices/optrom.c): its contents, a
	 * file or pattern:LEN (no @GPA, no size=); --rom of a Linux guest,
	 * --pci-rom of a test guest.
	 */
	struct rom_spec pci_rom;
	bool has_pci_rom;
	enum pci_mode pci; /* --pci; see vm_config__has_pci() */
	/* --firmware: a BIOS image boots the VM (src/boot/firmware.c). */
	const char *firmware; /* "seabios" or a file; NULL: none */
	const char *firmware_log; /* --firmware-log: port 0x402's bytes */
	enum slot_layout slot_layout; /* --slot-layout (pam.h) */
	bool vga_std; /* --vga std: src/devices/vga.c (firmware VMs) */
	uint64_t shm_size; /* --shm SIZE: src/devices/shm.c; 0: none */
	bool smm_space; /* --smm-space: memslots__mirror_smm() */
	struct trace *trace; /* --trace (trace.h); NULL: none */
	struct timeline *timeline; /* --sample-ms (timeline.h); NULL: none */
};

/*
 * How a VM ended: the core's description, which only the command layer
 * turns into an exit status (exit__from_vm(), src/cmd/exit.c).
 */
enum vm_end {
	VM_END_GUEST_DONE = 0, /* every vCPU finished: guest_status */
	VM_END_POWEROFF, /* the guest powered off, or a hook ended the run */
	VM_END_GUEST_ASSERT, /* a test guest's assertion failed */
	VM_END_GUEST_CRASH, /* triple fault, bad access, KVM internal error */
	VM_END_REBOOT, /* the guest reset the machine */
	VM_END_PANIC, /* the guest kernel panicked */
	VM_END_TIMEOUT, /* cfg->timeout_ms ran out */
	VM_END_INTERRUPTED, /* an ending signal, Ctrl-A x, a stop request */
	VM_END_CONFIG, /* @cfg refused before set-up (a usage error): err */
	VM_END_ERROR, /* set-up or run-time failure: err (see vm_hook) */
};

struct vm_result {
	enum vm_end end; /* how the VM ended */
	int err; /* VM_END_CONFIG, VM_END_ERROR: -errno */
	uint64_t guest_status; /* highest DONE status of any vCPU */
	bool ran; /* the vCPUs were started */
	enum zap_iface iface;
	uint64_t wall_ns; /* first KVM_RUN to the last vCPU's end */
	uint64_t setup_ns; /* vm__run() entry to first KVM_RUN */
	struct phase_log *phases; /* owned by the result; may be NULL */
	unsigned int
		first_churn_phase; /* first phase after a run-time memslot change */
	uint64_t memslot_changes; /* at run time */
	uint64_t memslot_changes_as[2]; /* the same per address space */
	uint64_t memslot_update_ns; /* at run time */
	uint64_t rom_writes;
	uint64_t exits; /* vCPU exits to zapvm, all vCPUs */
	bool coalesced_pio; /* the UART's THR writes were coalesced */
	uint64_t coalesced_writes; /* guest writes replayed from the ring */
	uint64_t boot_done_ns; /* first KVM_RUN to the first boot-done mark */
	unsigned int ram_memslots; /* KVM memslots the RAM took */
	struct dirty_log_result dirty; /* --dirty-log: what was collected */
	/* Stats sets the phase log refers to; freed with the result. */
	struct stats_set *stats; /* [0] = VM, [1..ncpus] = vCPUs */
	unsigned int nstats;
};

/*
 * rom_spec__parse - parse "SRC[@GPA][,size=SIZE]" where SRC is a file or
 * "pattern:LEN". 0, -EINVAL for bad syntax, a misaligned GPA or size, -EFBIG
 * when the pattern is larger than size, -ENOMEM.
 */
int rom_spec__parse(const char *s, struct rom_spec *out);
void rom_spec__free(struct rom_spec *r);

/* Parse --zap-policy and --thp values; -EINVAL if unknown. */
int zap_policy__parse(const char *s, enum zap_policy *out);
const char *zap_policy__name(enum zap_policy p);
const char *zap_iface__name(enum zap_iface i);
int thp_mode__parse(const char *s, enum thp_mode *out);
/* Parse --pci (auto, on, off); -EINVAL if unknown. */
int pci_mode__parse(const char *s, enum pci_mode *out);
const char *pci_mode__name(enum pci_mode m);

/*
 * vm_config__pci_user - the option of @cfg that adds a PCI device (the
 * first of --disk, --console virtio, and the option-ROM device: --rom of a
 * Linux guest, --pci-rom of a test guest), or NULL when none does.
 */
const char *vm_config__pci_user(const struct vm_config *cfg);

/*
 * vm_config__has_pci - whether the VM described by @cfg gets PCI bus 0:
 * the conf1 ports, the host bridge at 00:00.0, the BAR windows and, for
 * Linux, the DSDT's \_SB.PCI0 and the MP table's PCI bus and INTx entries.
 * --pci on: always; --pci off: never; auto (the default): only when
 * vm_config__pci_user() names a device, as QEMU's microvm and Firecracker
 * leave PCI out of a machine that has no PCI device. The one predicate the
 * devices, the tables and both boot paths ask. `zapvm run` refuses --pci off
 * with a PCI device (a usage error), so a device always finds its bus.
 */
bool vm_config__has_pci(const struct vm_config *cfg);

/* Parse --boot (64, pvh, real-mode); -EINVAL if unknown. */
int linux_boot__parse(const char *s, enum linux_boot *out);
const char *linux_boot__name(enum linux_boot b);

/*
 * vm__run - create a VM from @cfg, load and start the guest, wait for it to
 * finish, tear everything down. On return @res says how the VM ended
 * (after one line on stderr unless the guest ended it) and holds the run's
 * phase log. Release @res with vm_result__free(). It lives in
 * src/boot/boot.c, which picks the boot path (Linux for cfg->kernel, else
 * a test guest) and runs the core's vm__run_boot() (vmcore.h).
 */
void vm__run(const struct vm_config *cfg, struct vm_result *res);
void vm_result__free(struct vm_result *res);

/*
 * Zap-policy plumbing, shared with `zapvm caps`: which interfaces the host
 * offers (probed on VM fd @vm_fd with its stats set @stats), and applying
 * one. zap_policy__apply() logs and returns -EOPNOTSUPP when the host cannot
 * honour @p, never falling back silently.
 */
struct zap_support {
	bool series; /* cap + the series' stats descriptor */
	uint64_t series_flags;
	bool series_cap_only; /* cap answers but the stat is missing */
	bool quirk; /* KVM_X86_QUIRK_SLOT_ZAP_ALL can be disabled */
};

void zap_support__probe(int vm_fd, const struct stats_set *stats,
			struct zap_support *zs);
int zap_policy__apply(int vm_fd, const struct zap_support *zs,
		      enum zap_policy p, enum zap_iface *used);

/*
 * zap_policy__change - switch a running VM, whose policy @cur was put in
 * place through @cur_iface, to @want (ZAP_ALL or ZAP_SLOT). The series'
 * flags change at any time; the quirk can be disabled (all -> slot) but
 * never re-enabled. Returns 0 with *@used the interface now in force,
 * -EOPNOTSUPP when the host has no interface for @want, -EPERM when only
 * re-enabling the quirk would do, -EINVAL, or -errno of KVM_ENABLE_CAP;
 * *@why is then a static reason or NULL. Logs nothing.
 */
int zap_policy__change(int vm_fd, const struct zap_support *zs,
		       enum zap_policy cur, enum zap_iface cur_iface,
		       enum zap_policy want, enum zap_iface *used,
		       const char **why);

/*
 * What a VM hook (struct vm_hook) may ask of its running VM
 * (src/core/vm-query.c), so that hooks outside the core need no vmcore.h.
 * All are safe from the hook's thread while the vCPUs run.
 *
 * vm__progress - *@boot_done: a boot-done mark was set; *@idle: no vCPU
 * thread is left.
 */
void vm__progress(struct vm *vm, bool *boot_done, bool *idle);

/* vm__vcpus_running - whether a vCPU still runs (asked by a hook). */
bool vm__vcpus_running(struct vm *vm);

/*
 * vm__stat - the VM stat @name now into *@val: 0, -ENOENT when the kernel
 * has no such stat (or no binary stats), or -errno.
 */
int vm__stat(struct vm *vm, const char *name, uint64_t *val);

/* vm__tsc_khz - the VM's TSC rate (KVM_GET_TSC_KHZ on the VM), or -errno. */
int vm__tsc_khz(struct vm *vm);

/*
 * vm__stop - end the VM as @end (struct vm_result): the first stop decides
 * how it ended, later ones only agree that the VM stops. Every vCPU is
 * kicked out of KVM_RUN. Safe from any thread.
 */
void vm__stop(struct vm *vm, enum vm_end end);

/*
 * vm__fail - vm__stop() as VM_END_ERROR with @err (-errno), after one line
 * on stderr.
 */
void vm__fail(struct vm *vm, int err);

/* vm__stopping - true once vm__stop() was called. */
bool vm__stopping(struct vm *vm);

/*
 * vm__guest_mem - the host address of [@gpa, @gpa + @len) in guest RAM (or
 * ROM when !@write): gpa_to_hva() on the VM's memslots.
 */
void *vm__guest_mem(struct vm *vm, uint64_t gpa, uint64_t len, bool write);

#endif /* ZAPVM_VM_H */
