/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-line handling the commands share (src/cmd/options.c): the VM
 * options of `run`, `demo` and `bench`, guest resolution, the ROM, disk,
 * boot and root-zap parsers and the knob pair. common_opt() is in cmd.h.
 * Each parser returns 0, or ZAPVM_EXIT_USAGE after one line on stderr for a
 * bad value (ZAPVM_EXIT_SOFTWARE when out of memory).
 */
#ifndef ZAPVM_RUNOPTS_H
#define ZAPVM_RUNOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "zapvm/knob.h"
#include "zapvm/vm.h"

struct builtin_guest;

/*
 * guest__resolve - point @cfg at the guest image @spec ("builtin:NAME" or an
 * ELF file path, read into *@owned which the caller frees) and, for a
 * builtin, fill the ROMs and args the user left out and raise mem_size to
 * the guest's minimum if @mem_given is false. Returns 0 or an exit status
 * after one line on stderr.
 */
int guest__resolve(const char *spec, struct vm_config *cfg, uint8_t **owned,
		   bool mem_given);

/*
 * Limits checked when the command line is read. --cpus: KVM's own bound
 * (the boot path then says its own: 32 for test guests, 254 for Linux).
 * --args: the boot FDT (ZAPVM_BOOT_FDT_MAX, 64 KiB) also holds up to 16
 * ROM nodes; half of it for the string leaves them room. Linux RAM: what
 * is above LINUX_LOW_RAM_MAX goes into one memslot at 4 GiB, and KVM takes
 * at most KVM_MEM_MAX_NR_PAGES (2^31 - 1) pages in one; 8 TiB in all keeps
 * that slot below the bound (and the guest-physical top near 8 TiB, below
 * the 46 bits a 4-level x86-64 Linux addresses).
 */
#define RUNOPTS_MAX_CPUS 4096
#define RUNOPTS_MAX_ARGS 32768
#define RUNOPTS_LINUX_MAX_MEM (8ULL << 40)

/*
 * getopt_long() values of the VM options `run` and `demo` share (`run`
 * lists them in its own table). `zapvm bench` takes RUNOPTS_VM too but
 * not the backing ones yet: it refuses them.
 */
enum {
	RUNOPT_MEM = 256,
	RUNOPT_CPUS,
	RUNOPT_THP,
	RUNOPT_ARGS,
	RUNOPT_ROM,
	RUNOPT_POLICY,
	RUNOPT_MEM_BACKEND,
	RUNOPT_HUGEPAGE_SIZE,
	RUNOPT_PREFAULT,
	RUNOPT_RAM_SLOTS,
	RUNOPT_DIRTY_LOG,
	RUNOPT_NEXT, /* a command's own options start here */
};

#define RUNOPTS_VM                                                  \
	{ "mem", required_argument, NULL, RUNOPT_MEM },             \
		{ "cpus", required_argument, NULL, RUNOPT_CPUS },   \
		{ "thp", required_argument, NULL, RUNOPT_THP },     \
		{ "args", required_argument, NULL, RUNOPT_ARGS },   \
		{ "mem-backend", required_argument, NULL,           \
		  RUNOPT_MEM_BACKEND },                             \
		{ "hugepage-size", required_argument, NULL,         \
		  RUNOPT_HUGEPAGE_SIZE },                           \
		{ "prefault", no_argument, NULL, RUNOPT_PREFAULT }, \
		{ "verbose", no_argument, NULL, 'v' },              \
		{ "quiet", no_argument, NULL, 'q' },                \
	{                                                           \
		"help", no_argument, NULL, 'h'                      \
	}

/*
 * The memory-axis options `run` and `demo` take beside RUNOPTS_VM
 * (`bench` does not: they are not in its table).
 */
#define RUNOPTS_MEMAX                                                  \
	{ "ram-slots", required_argument, NULL, RUNOPT_RAM_SLOTS },    \
	{                                                              \
		"dirty-log", required_argument, NULL, RUNOPT_DIRTY_LOG \
	}

/*
 * runopts__parse - apply VM option @c (a RUNOPT_* value, -v or -q) with
 * @arg to @cfg; *@mem_given records an explicit --mem. Returns 0 when
 * handled, ZAPVM_EXIT_USAGE after one line on stderr for a bad value, -1
 * when @c is not one of these options.
 */
int runopts__parse(int c, const char *arg, struct vm_config *cfg,
		   bool *mem_given);

/*
 * runopts__parse_dirty_log - --dirty-log @arg (dirty_log_spec__parse())
 * into *@out: 0, or ZAPVM_EXIT_USAGE after one line on stderr.
 */
int runopts__parse_dirty_log(const char *arg, struct dirty_log_spec *out);

/* runopts__free - release the ROM specs and disk paths of @cfg. */
void runopts__free(struct vm_config *cfg);

/*
 * runopts__add_rom - append ROM region @arg ("SRC[@GPA][,size=SIZE]", see
 * rom_spec__parse()) to @cfg, at most VM_MAX_ROMS of them.
 */
int runopts__add_rom(struct vm_config *cfg, const char *arg);

/* runopts__add_disk - append virtio-blk disk @arg ("FILE[,ro]") to @cfg. */
int runopts__add_disk(struct vm_config *cfg, const char *arg);

/*
 * runopts__check_disks - refuse two --disk that are one file (same device
 * and inode, or the same block device) when either is writable: the guest
 * would see one disk change under the other. Both read-only is fine;
 * paths that cannot be stat()ed are left to the disk's open.
 */
int runopts__check_disks(const struct vm_config *cfg);

/*
 * runopts__check_linux_mem - refuse a Linux guest's mem_size over
 * RUNOPTS_LINUX_MAX_MEM; @arg is the --mem text for the message (NULL:
 * none given).
 */
int runopts__check_linux_mem(const struct vm_config *cfg, const char *arg);

/*
 * runopts__check_linux_mem_size - the same for one size @mem: `bench boot
 * --kernel` checks each value of its --mem list (@arg: the whole list).
 */
int runopts__check_linux_mem_size(uint64_t mem, const char *arg);

/*
 * runopts__set_pci_rom - set @cfg's option-ROM device to @arg (a file or
 * pattern:LEN, no @GPA or size=); @opt names the option in messages. A
 * second one is refused.
 */
int runopts__set_pci_rom(struct vm_config *cfg, const char *opt,
			 const char *arg);

/*
 * runopts__linux_roms - a Linux guest's --rom is its option ROM, not a ROM
 * region: move @cfg's one ROM spec to its option-ROM device. More than one,
 * or one with @GPA or size=, is refused.
 */
int runopts__linux_roms(struct vm_config *cfg);

/* runopts__parse_boot - --boot @arg (64, pvh or real-mode) into *@out. */
int runopts__parse_boot(const char *arg, enum linux_boot *out);

/* runopts__parse_prefetch - --prefetch @arg: on is 1, off 0, in *@out. */
int runopts__parse_prefetch(const char *arg, int *out);

/* runopts__parse_root_zap - --root-zap @arg: 4k is 1, 1g 0, in *@out. */
int runopts__parse_root_zap(const char *arg, int *out);

/*
 * runopts__prefetch_value, runopts__root_zap_value - the same values
 * without a message: 0, or -EINVAL with *@out unchanged. For `zapvm
 * bench`, whose lists say what they take in one message of their own.
 */
int runopts__prefetch_value(const char *arg, int *out);
int runopts__root_zap_value(const char *arg, int *out);

/*
 * The knob pair: the zapvm kernel series' knobs behind --prefetch and
 * --root-zap, set before a VM starts and put back after it.
 */
struct knob_pair {
	struct knob prefetch;
	struct knob root_zap;
};

/*
 * knob_pair__set - set the prefetch knob to @prefetch and the root-zap knob
 * to @root_zap (1 or 0 each; -1 leaves one alone). On failure the first is
 * put back and knob__set()'s exit status returned; on success the caller
 * calls knob_pair__restore() however the VM ends.
 */
int knob_pair__set(struct knob_pair *kp, int prefetch, int root_zap);

/*
 * knob_pair__init - point @kp at the two knobs without touching them;
 * knob_pair__set() is knob_pair__init() then knob_pair__apply().
 */
void knob_pair__init(struct knob_pair *kp);

/*
 * knob_pair__apply - knob_pair__set() on an initialised @kp, again and
 * again: the first write to each knob saves the value that
 * knob_pair__restore() puts back (`zapvm bench` sets them per group of
 * cells and restores them once at the end).
 */
int knob_pair__apply(struct knob_pair *kp, int prefetch, int root_zap);

/*
 * knob_pair__restore - put back what knob_pair__set() wrote: 0 or the
 * first knob__restore() exit status.
 */
int knob_pair__restore(struct knob_pair *kp);

#endif /* ZAPVM_RUNOPTS_H */
