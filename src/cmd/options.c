// SPDX-License-Identifier: GPL-2.0-only
/*
 * The options the commands share: -v/-q, the VM options of run, demo and
 * bench, guest resolution, the ROM, disk, boot and root-zap parsers and the
 * knob pair (--prefetch, --root-zap). Commands call in here and never into
 * each other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zapvm/builtin.h"
#include "zapvm/cmd.h"
#include "zapvm/kvm_compat.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"

#define MAX_GUEST_FILE (256ULL << 20)

int common_opt(int c)
{
	if (c == 'v') {
		if (log_level < LOG_DEBUG)
			log_level++;
		return 1;
	}
	if (c == 'q') {
		log_level = LOG_ERR;
		return 1;
	}
	return 0;
}

int runopts__add_rom(struct vm_config *cfg, const char *arg)
{
	int ret;

	if (cfg->nroms == VM_MAX_ROMS) {
		log_err("--rom: at most %d ROM regions", VM_MAX_ROMS);
		return ZAPVM_EXIT_USAGE;
	}
	ret = rom_spec__parse(arg, &cfg->roms[cfg->nroms]);
	if (ret) {
		log_err("--rom '%s': %s", arg,
			ret == -EFBIG ? "pattern larger than size=" :
					"expected SRC[@GPA][,size=SIZE] with a "
					"4 KiB-aligned GPA and size");
		return ZAPVM_EXIT_USAGE;
	}
	cfg->nroms++;
	return 0;
}

int runopts__add_disk(struct vm_config *cfg, const char *arg)
{
	const char *comma = strrchr(arg, ',');
	struct disk_spec *d = &cfg->disks[cfg->ndisks];
	size_t len = strlen(arg);

	if (cfg->ndisks == VM_MAX_DISKS) {
		log_err("--disk: at most %d disks", VM_MAX_DISKS);
		return ZAPVM_EXIT_USAGE;
	}
	if (comma && !strcmp(comma, ",ro")) {
		d->ro = true;
		len = (size_t)(comma - arg);
	}
	if (!len) {
		log_err("--disk '%s': expected FILE[,ro]", arg);
		return ZAPVM_EXIT_USAGE;
	}
	d->path = strndup(arg, len);
	if (!d->path)
		return ZAPVM_EXIT_SOFTWARE;
	cfg->ndisks++;
	return 0;
}

/* Two disks whose stat() gave @sa and @sb are one file or block device. */
static bool same_image(const struct stat *sa, const struct stat *sb)
{
	if (S_ISBLK(sa->st_mode) && S_ISBLK(sb->st_mode))
		return sa->st_rdev == sb->st_rdev;
	return sa->st_dev == sb->st_dev && sa->st_ino == sb->st_ino;
}

int runopts__check_disks(const struct vm_config *cfg)
{
	struct stat st[VM_MAX_DISKS];
	bool known[VM_MAX_DISKS];

	/* stat() opens nothing: a FIFO cannot hold us up here. */
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		known[i] = !stat(cfg->disks[i].path, &st[i]);
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		for (unsigned int j = i + 1; j < cfg->ndisks; j++) {
			if (!known[i] || !known[j] ||
			    (cfg->disks[i].ro && cfg->disks[j].ro) ||
			    !same_image(&st[i], &st[j]))
				continue;
			log_err("--disk %s and --disk %s are the same file, "
				"and one is writable: a guest writing through "
				"one would change the other under it",
				cfg->disks[i].path, cfg->disks[j].path);
			return ZAPVM_EXIT_USAGE;
		}
	}
	return 0;
}

int runopts__check_linux_mem(const struct vm_config *cfg, const char *arg)
{
	return runopts__check_linux_mem_size(cfg->mem_size, arg);
}

int runopts__check_linux_mem_size(uint64_t mem, const char *arg)
{
	if (mem <= RUNOPTS_LINUX_MAX_MEM)
		return 0;
	log_err("--mem '%s': a Linux guest takes at most 8T (its RAM above "
		"4 GiB is one KVM memslot, at most 8 TiB - 4 KiB)",
		arg ? arg : "");
	return ZAPVM_EXIT_USAGE;
}

int runopts__set_pci_rom(struct vm_config *cfg, const char *opt,
			 const char *arg)
{
	struct rom_spec *r = &cfg->pci_rom;

	if (cfg->has_pci_rom) {
		log_err("%s '%s': one option ROM only, got two", opt, arg);
		return ZAPVM_EXIT_USAGE;
	}
	if (rom_spec__parse(arg, r) || r->has_gpa || strstr(arg, ",size=")) {
		log_err("%s '%s': expected a file or pattern:LEN (the guest "
			"places the ROM BAR; no @GPA or size=)",
			opt, arg);
		rom_spec__free(r);
		return ZAPVM_EXIT_USAGE;
	}
	cfg->has_pci_rom = true;
	return 0;
}

int runopts__linux_roms(struct vm_config *cfg)
{
	if (!cfg->nroms)
		return 0;
	if (cfg->nroms > 1 || cfg->has_pci_rom) {
		log_err("--rom: a Linux guest takes one option ROM, got %u",
			cfg->nroms + cfg->has_pci_rom);
		return ZAPVM_EXIT_USAGE;
	}
	if (cfg->roms[0].has_gpa || (cfg->roms[0].path && cfg->roms[0].size)) {
		log_err("--rom: a Linux guest's option ROM has no @GPA or "
			"size= (the guest places the ROM BAR)");
		return ZAPVM_EXIT_USAGE;
	}
	/* The spec (and its path) moves over. */
	cfg->pci_rom = cfg->roms[0];
	cfg->has_pci_rom = true;
	memset(&cfg->roms[0], 0, sizeof(cfg->roms[0]));
	cfg->nroms = 0;
	return 0;
}

int runopts__parse_boot(const char *arg, enum linux_boot *out)
{
	if (linux_boot__parse(arg, out)) {
		log_err("--boot '%s': expected 64, pvh or real-mode", arg);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

int runopts__prefetch_value(const char *arg, int *out)
{
	bool on;

	if (parse_on_off(arg, &on))
		return -EINVAL;
	*out = on;
	return 0;
}

/* A knob option's value through @value, or one line and 64. */
static int knob_opt__parse(int (*value)(const char *, int *), const char *opt,
			   const char *expect, const char *arg, int *out)
{
	if (!value(arg, out))
		return 0;
	log_err("%s '%s': expected %s", opt, arg, expect);
	return ZAPVM_EXIT_USAGE;
}

int runopts__parse_prefetch(const char *arg, int *out)
{
	return knob_opt__parse(runopts__prefetch_value, "--prefetch",
			       "on or off", arg, out);
}

int runopts__root_zap_value(const char *arg, int *out)
{
	if (!strcmp(arg, "4k"))
		*out = 1;
	else if (!strcmp(arg, "1g"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

int runopts__parse_root_zap(const char *arg, int *out)
{
	return knob_opt__parse(runopts__root_zap_value, "--root-zap",
			       "4k or 1g", arg, out);
}

void knob_pair__init(struct knob_pair *kp)
{
	knob__init(&kp->prefetch, "--prefetch", ZAPVM_KNOB_PREFETCH);
	knob__init(&kp->root_zap, "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
}

int knob_pair__set(struct knob_pair *kp, int prefetch, int root_zap)
{
	knob_pair__init(kp);
	return knob_pair__apply(kp, prefetch, root_zap);
}

int knob_pair__apply(struct knob_pair *kp, int prefetch, int root_zap)
{
	int ret = 0;

	if (prefetch >= 0)
		ret = knob__set(&kp->prefetch, prefetch);
	if (!ret && root_zap >= 0)
		ret = knob__set(&kp->root_zap, root_zap);
	if (ret)
		knob__restore(&kp->prefetch);
	return ret ? errno_to_exit(ret) : 0;
}

int knob_pair__restore(struct knob_pair *kp)
{
	int r0 = knob__restore(&kp->prefetch);
	int r1 = knob__restore(&kp->root_zap);
	int ret = r0 ? r0 : r1;

	return ret ? errno_to_exit(ret) : 0;
}

int runopts__parse_dirty_log(const char *arg, struct dirty_log_spec *out)
{
	int ret = dirty_log_spec__parse(arg, out);

	if (ret == -ERANGE)
		log_err("--dirty-log '%s': the ring takes a power of two of "
			"entries from %d to %d",
			arg, DIRTY_RING_MIN, DIRTY_RING_MAX);
	else if (ret)
		log_err("--dirty-log '%s': expected off, bitmap, "
			"manual[:init-set|:no-init-set] or ring[:N]",
			arg);
	return ret ? ZAPVM_EXIT_USAGE : 0;
}

int runopts__parse(int c, const char *arg, struct vm_config *cfg,
		   bool *mem_given)
{
	uint64_t v;

	switch (c) {
	case RUNOPT_MEM:
		*mem_given = true;
		if (parse_size(arg, &cfg->mem_size) || !cfg->mem_size) {
			log_err("--mem '%s': expected a size such as 512M or 2G",
				arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case RUNOPT_CPUS:
		if (parse_u64(arg, &v) || !v || v > RUNOPTS_MAX_CPUS) {
			log_err("--cpus '%s': expected a number from 1 to %d",
				arg, RUNOPTS_MAX_CPUS);
			return ZAPVM_EXIT_USAGE;
		}
		cfg->ncpus = (unsigned int)v;
		return 0;
	case RUNOPT_THP:
		if (thp_mode__parse(arg, &cfg->thp)) {
			log_err("--thp '%s': expected on or off", arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case RUNOPT_MEM_BACKEND:
		if (mem_backend__parse(arg, &cfg->mem_backend,
				       &cfg->mem_file)) {
			log_err("--mem-backend '%s': expected anon, memfd, shm, "
				"hugetlb or file:PATH",
				arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case RUNOPT_HUGEPAGE_SIZE:
		if (hugepage_size__parse(arg, &cfg->hugepage_size)) {
			log_err("--hugepage-size '%s': expected 2M or 1G", arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case RUNOPT_PREFAULT:
		cfg->prefault = true;
		return 0;
	case RUNOPT_RAM_SLOTS:
		if (parse_u64(arg, &v) || !v || v > RAM_SLOTS_MAX) {
			log_err("--ram-slots '%s': expected a number from 1 to %d",
				arg, RAM_SLOTS_MAX);
			return ZAPVM_EXIT_USAGE;
		}
		cfg->ram_slots = (unsigned int)v;
		return 0;
	case RUNOPT_DIRTY_LOG:
		return runopts__parse_dirty_log(arg, &cfg->dirty_log);
	case RUNOPT_ARGS:
		if (strlen(arg) > RUNOPTS_MAX_ARGS) {
			log_err("--args: %zu bytes, at most %d (they travel in "
				"the boot FDT)",
				strlen(arg), RUNOPTS_MAX_ARGS);
			return ZAPVM_EXIT_USAGE;
		}
		cfg->args = arg;
		return 0;
	case RUNOPT_ROM:
		return runopts__add_rom(cfg, arg);
	case RUNOPT_POLICY:
		if (zap_policy__parse(arg, &cfg->policy)) {
			log_err("--zap-policy '%s': expected default, all or slot",
				arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	default:
		return common_opt(c) ? 0 : -1;
	}
}

void runopts__free(struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nroms; i++)
		rom_spec__free(&cfg->roms[i]);
	cfg->nroms = 0;
	rom_spec__free(&cfg->pci_rom);
	cfg->has_pci_rom = false;
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		free(cfg->disks[i].path);
	cfg->ndisks = 0;
}

/* A builtin guest's default ROMs: its --rom list, separated by ','. */
static int add_default_roms(struct vm_config *cfg, const char *roms)
{
	char *list = strdup(roms), *save, *tok;
	int ret = 0;

	if (!list)
		return ZAPVM_EXIT_SOFTWARE;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		ret = runopts__add_rom(cfg, tok);
		if (ret)
			break;
	}
	free(list);
	return ret;
}

int guest__resolve(const char *spec, struct vm_config *cfg, uint8_t **owned,
		   bool mem_given)
{
	const struct builtin_guest *g;
	uint64_t len;
	int ret;

	*owned = NULL;
	cfg->guest_name = spec;
	if (strncmp(spec, "builtin:", 8)) {
		ret = read_file(spec, MAX_GUEST_FILE, owned, &len);
		if (ret)
			return errno_to_exit(ret);
		cfg->elf = *owned;
		cfg->elf_size = len;
		return 0;
	}
	g = builtin__find(spec + 8);
	if (!g) {
		log_err("%s: no such builtin guest (see 'zapvm guests')", spec);
		return ZAPVM_EXIT_USAGE;
	}
	cfg->elf = g->elf;
	cfg->elf_size = g->size;
	if (!cfg->args)
		cfg->args = g->default_args;
	if (!mem_given && cfg->mem_size < g->min_mem)
		cfg->mem_size = g->min_mem;
	if (!cfg->nroms && g->default_roms)
		return add_default_roms(cfg, g->default_roms);
	return 0;
}
