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

#include "zapvm/bus.h"
#include "zapvm/kvm.h"
#include "zapvm/memslot.h"
#include "zapvm/stats.h"

#define VM_MAX_ROMS 16

enum zap_policy { ZAP_DEFAULT, ZAP_ALL, ZAP_SLOT };
enum thp_mode { THP_DEFAULT, THP_ON, THP_OFF };

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
	const char *args; /* zapvm,args for the guest */
	uint64_t timeout_ms; /* 0 = none */
	bool quiet_guest; /* do not echo guest prints */
	/* A Linux guest (zapvm run --kernel) instead of the ELF above. */
	const char *kernel; /* bzImage path; set: boot Linux */
	const char *initrd; /* initrd path or NULL */
	const char *cmdline; /* NULL: "console=ttyS0" */
};

struct vm_result {
	int exit_code; /* what zapvm exits with */
	bool ran; /* the vCPUs were started */
	enum zap_iface iface;
	uint64_t wall_ns; /* first KVM_RUN to the last vCPU's end */
	uint64_t setup_ns; /* vm__run() entry to first KVM_RUN */
	struct phase_log *phases; /* owned by the result; may be NULL */
	unsigned int
		first_churn_phase; /* first phase after a run-time memslot change */
	uint64_t memslot_changes; /* at run time */
	uint64_t memslot_update_ns; /* at run time */
	uint64_t rom_writes;
	uint64_t exits; /* vCPU exits to zapvm, all vCPUs */
	uint64_t boot_done_ns; /* first KVM_RUN to the first boot-done mark */
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

/*
 * vm__run - create a VM from @cfg, load and start the guest, wait for it to
 * finish, tear everything down. On return @res holds the exit code zapvm
 * should use (guest status, or a ZAPVM_EXIT_* code after one line on stderr)
 * and the run's phase log. Release @res with vm_result__free().
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

#endif /* ZAPVM_VM_H */
