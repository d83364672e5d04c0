// SPDX-License-Identifier: GPL-2.0-only
/* zapvm run: one guest, one VM. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/builtin.h"
#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/knob.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"
#include "zapvm/zapper.h"

#define DEFAULT_MEM (256ULL << 20)
#define MAX_GUEST_FILE (256ULL << 20)

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: zapvm run [OPTIONS] GUEST\n"
		"       zapvm run [OPTIONS] --kernel BZIMAGE [--initrd FILE] "
		"[--cmdline STR]\n"
		"  GUEST                 an ELF64 test guest, or builtin:NAME "
		"(see 'zapvm guests')\n"
		"  --kernel BZIMAGE      boot Linux (64-bit boot protocol) "
		"with a serial console\n"
		"  --initrd FILE         the Linux guest's initrd\n"
		"  --cmdline STR         its command line (default "
		"'console=ttyS0')\n"
		"  --boot 64|pvh|real-mode\n"
		"                        how Linux is entered (default: pvh "
		"for a vmlinux ELF,\n"
		"                        64 for a bzImage)\n"
		"  --mem SIZE            guest RAM (default 256M, or the "
		"guest's minimum)\n"
		"  --cpus N              vCPUs (default 1, at most 32; Linux "
		"254)\n"
		"  --rom SRC[@GPA][,size=SIZE]\n"
		"                        a read-only ROM region; SRC is a file "
		"or pattern:LEN\n"
		"                        (Linux: one --rom FILE, the option "
		"ROM of a PCI device)\n"
		"  --pci-rom SRC         a test guest's option-ROM PCI device; "
		"SRC is a file\n"
		"                        or pattern:LEN (at most 16 MiB)\n"
		"  --args 'K=V ...'      arguments for the guest\n"
		"  --disk FILE[,ro]      a virtio-blk disk (raw image; up to 8)\n"
		"  --console serial|virtio\n"
		"                        the guest console: the UART or "
		"virtio-console (hvc0)\n"
		"  --coalesced-pio on|off\n"
		"                        UART transmit writes without an exit "
		"while the\n"
		"                        guest polls (default on)\n"
		"  --pci auto|on|off     PCI bus 0 and its host bridge: auto "
		"(the default) only\n"
		"                        with a PCI device (--disk, --console "
		"virtio, the option\n"
		"                        ROM), on always, off never\n"
		"  --zap-policy P        default, all or slot\n"
		"  --zap-churn MS        zap all roots every MS ms from a VMM "
		"thread\n"
		"  --prefetch on|off     set kvm.tdp_mmu_change_pte_prefetch "
		"(zapvm series; root)\n"
		"  --root-zap 4k|1g      set kvm.tdp_mmu_zap_4k (zapvm series; "
		"root)\n"
		"  --thp on|off          MADV_HUGEPAGE / MADV_NOHUGEPAGE on RAM\n"
		"  --stats[=all]         print each phase's KVM stats deltas\n"
		"  --json FILE           write config, phases and results as JSON\n"
		"  --timeout SECONDS     stop the guest after this long (exit 124)\n"
		"  --name NAME           the control socket's name (default "
		"zapvm-PID)\n"
		"  -v, -q                more / less logging\n");
}

static int add_rom(struct vm_config *cfg, const char *arg)
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

static int add_disk(struct vm_config *cfg, const char *arg)
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

/* The option-ROM device's contents (--pci-rom, or a Linux guest's --rom). */
static int set_pci_rom(struct vm_config *cfg, const char *opt, const char *arg)
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

/* A Linux guest's --rom is its option ROM, not a ROM region. */
static int linux_roms(struct vm_config *cfg)
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
		if (parse_u64(arg, &v) || !v || v > 4096) {
			log_err("--cpus '%s': expected a number from 1", arg);
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
	case RUNOPT_ARGS:
		cfg->args = arg;
		return 0;
	case RUNOPT_ROM:
		return add_rom(cfg, arg);
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
	if (!cfg->nroms && g->default_roms) {
		char *list = strdup(g->default_roms), *save, *tok;

		if (!list)
			return ZAPVM_EXIT_SOFTWARE;
		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			ret = add_rom(cfg, tok);
			if (ret)
				break;
		}
		free(list);
		if (ret)
			return ret;
	}
	return 0;
}

/* The Linux boot's inputs and boot time, added to report__json_run()'s. */
static void json_add_linux(struct json_object *o, const struct vm_config *cfg,
			   const struct vm_result *res)
{
	struct json_object *c, *r;

	if (json_object_object_get_ex(o, "config", &c) && cfg->kernel) {
		json_object_object_add(c, "kernel",
				       json_object_new_string(cfg->kernel));
		json_object_object_add(
			c, "initrd",
			cfg->initrd ? json_object_new_string(cfg->initrd) :
				      NULL);
		json_object_object_add(
			c, "cmdline",
			cfg->cmdline ? json_object_new_string(cfg->cmdline) :
				       NULL);
		json_object_object_add(
			c, "boot",
			json_object_new_string(linux_boot__name(cfg->boot)));
	}
	if (json_object_object_get_ex(o, "result", &r))
		json_object_object_add(
			r, "boot_done_ms",
			res->boot_done_ns ? json_object_new_double(
						    res->boot_done_ns / 1e6) :
					    NULL);
}

static void print_summary(const struct vm_config *cfg,
			  const struct vm_result *res)
{
	printf("zapvm: %s: exit %d, policy %s (%s), %llu faults (%llu after "
	       "churn), %llu run-time memslot changes in %.3f ms, wall %.3f ms\n",
	       cfg->guest_name, res->exit_code, zap_policy__name(cfg->policy),
	       zap_iface__name(res->iface), report__faults(res, 0),
	       report__faults(res, 1), (unsigned long long)res->memslot_changes,
	       res->memslot_update_ns / 1e6, res->wall_ns / 1e6);
	if (res->boot_done_ns)
		printf("zapvm: %s: boot done after %.3f ms\n", cfg->guest_name,
		       res->boot_done_ns / 1e6);
}

/*
 * Open the control socket of `run --name` (or zapvm-PID). The signals that
 * end a run stay blocked until the socket is gone again: the VM's wait loop
 * takes them, and one that comes earlier or later waits for the unlink.
 * Without --name a socket that cannot be made is only a warning.
 */
static int run_control(const char *name, struct vm_config *cfg, sigset_t *old)
{
	char def[32], dir[256];
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &set, old);
	if (!name) {
		snprintf(def, sizeof(def), "zapvm-%d", (int)getpid());
		if (control__dir(dir, sizeof(dir)) == -ENOENT)
			log_info(
				"no control socket: XDG_RUNTIME_DIR is not set");
		else
			control__open(def, LOG_WARN, &cfg->control);
		return 0;
	}
	ret = control__open(name, LOG_ERR, &cfg->control);
	if (!ret)
		return 0;
	pthread_sigmask(SIG_SETMASK, old, NULL);
	switch (ret) {
	case -EADDRINUSE:
	case -ENAMETOOLONG:
		return ZAPVM_EXIT_USAGE;
	case -ENOENT:
		return ZAPVM_EXIT_UNAVAILABLE;
	default:
		return errno_to_exit(ret);
	}
}

/*
 * --prefetch and --root-zap: set before the VM starts, put back after it
 * (knobs[] is restored by run_restore_knobs() whatever happened).
 */
static int run_set_knobs(struct knob *knobs, int prefetch, int root_zap)
{
	int ret = 0;

	knob__init(&knobs[0], "--prefetch", ZAPVM_KNOB_PREFETCH);
	knob__init(&knobs[1], "--root-zap", ZAPVM_KNOB_ROOT_ZAP_4K);
	if (prefetch >= 0)
		ret = knob__set(&knobs[0], prefetch);
	if (!ret && root_zap >= 0)
		ret = knob__set(&knobs[1], root_zap);
	if (ret)
		knob__restore(&knobs[0]);
	return ret;
}

static int run_restore_knobs(struct knob *knobs)
{
	int r0 = knob__restore(&knobs[0]), r1 = knob__restore(&knobs[1]);

	return r0 ? r0 : r1;
}

int cmd_run(int argc, char **argv)
{
	enum {
		OPT_STATS = RUNOPT_NEXT,
		OPT_JSON,
		OPT_TIMEOUT,
		OPT_KERNEL,
		OPT_INITRD,
		OPT_CMDLINE,
		OPT_DISK,
		OPT_CONSOLE,
		OPT_BOOT,
		OPT_NAME,
		OPT_PCI_ROM,
		OPT_ZAP_CHURN,
		OPT_PREFETCH,
		OPT_ROOT_ZAP,
		OPT_COALESCED_PIO,
		OPT_PCI,
	};
	static const struct option opts[] = {
		RUNOPTS_VM,
		{ "rom", required_argument, NULL, RUNOPT_ROM },
		{ "zap-policy", required_argument, NULL, RUNOPT_POLICY },
		{ "stats", optional_argument, NULL, OPT_STATS },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "coalesced-pio", required_argument, NULL, OPT_COALESCED_PIO },
		{ "pci", required_argument, NULL, OPT_PCI },
		{ "boot", required_argument, NULL, OPT_BOOT },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "pci-rom", required_argument, NULL, OPT_PCI_ROM },
		{ "zap-churn", required_argument, NULL, OPT_ZAP_CHURN },
		{ "prefetch", required_argument, NULL, OPT_PREFETCH },
		{ "root-zap", required_argument, NULL, OPT_ROOT_ZAP },
		{ 0 },
	};
	struct vm_config cfg = { .mem_size = DEFAULT_MEM, .ncpus = 1 };
	const char *json_path = NULL, *name = NULL;
	bool mem_given = false, stats = false, stats_all = false;
	struct vm_result res;
	uint8_t *owned = NULL;
	sigset_t sigs;
	uint64_t v;
	int c, ret = 0, kret, prefetch = -1, root_zap = -1;
	bool on;
	struct zap_churn churn = { 0 };
	struct vm_hook churn_hook = { zap_churn__hook, &churn };
	struct knob knobs[2];

	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATS:
			stats = true;
			if (optarg && strcmp(optarg, "all")) {
				log_err("--stats=%s: only --stats=all", optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			stats_all = optarg != NULL;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_u64(optarg, &v) || !v || v > 86400 * 365) {
				log_err("--timeout '%s': expected seconds",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			cfg.timeout_ms = v * 1000;
			break;
		case OPT_KERNEL:
			cfg.kernel = optarg;
			break;
		case OPT_INITRD:
			cfg.initrd = optarg;
			break;
		case OPT_CMDLINE:
			cfg.cmdline = optarg;
			break;
		case OPT_DISK:
			ret = add_disk(&cfg, optarg);
			break;
		case OPT_PCI_ROM:
			ret = set_pci_rom(&cfg, "--pci-rom", optarg);
			break;
		case OPT_COALESCED_PIO:
			if (parse_on_off(optarg, &on)) {
				log_err("--coalesced-pio '%s': expected on or "
					"off",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			} else {
				cfg.no_coalesced_pio = !on;
			}
			break;
		case OPT_PCI:
			if (pci_mode__parse(optarg, &cfg.pci)) {
				log_err("--pci '%s': expected auto, on or off",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_CONSOLE:
			if (!strcmp(optarg, "serial")) {
				cfg.console = CONSOLE_SERIAL;
			} else if (!strcmp(optarg, "virtio")) {
				cfg.console = CONSOLE_VIRTIO;
			} else {
				log_err("--console '%s': expected serial or "
					"virtio",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_BOOT:
			if (linux_boot__parse(optarg, &cfg.boot)) {
				log_err("--boot '%s': expected 64, pvh or "
					"real-mode",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_NAME:
			name = optarg;
			if (!control__valid_name(name)) {
				log_err("--name '%s': expected 1 to %d of "
					"A-Z a-z 0-9 . _ -",
					name, CONTROL_MAX_NAME);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case OPT_ZAP_CHURN:
			if (parse_u64(optarg, &churn.period_ms) ||
			    !churn.period_ms || churn.period_ms > 3600000) {
				log_err("--zap-churn '%s': expected a period in "
					"ms, 1 to 3600000",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			cfg.hook = &churn_hook;
			break;
		case OPT_PREFETCH:
			if (parse_on_off(optarg, &on)) {
				log_err("--prefetch '%s': expected on or off",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			} else {
				prefetch = on;
			}
			break;
		case OPT_ROOT_ZAP:
			root_zap = !strcmp(optarg, "4k") ? 1 :
				   !strcmp(optarg, "1g") ? 0 :
							   -2;
			if (root_zap == -2) {
				log_err("--root-zap '%s': expected 4k or 1g",
					optarg);
				ret = ZAPVM_EXIT_USAGE;
			}
			break;
		case 'h':
			run_usage(stdout);
			runopts__free(&cfg);
			return 0;
		default:
			ret = runopts__parse(c, optarg, &cfg, &mem_given);
			if (ret < 0)
				ret = ZAPVM_EXIT_USAGE;
			break;
		}
	}
	if (!ret && !cfg.kernel && (cfg.initrd || cfg.cmdline || cfg.boot)) {
		log_err("run: --initrd, --cmdline and --boot go with --kernel");
		ret = ZAPVM_EXIT_USAGE;
	}
	if (!ret && cfg.kernel && optind != argc) {
		log_err("run: --kernel boots Linux; no GUEST goes with it, got "
			"'%s'",
			argv[optind]);
		ret = ZAPVM_EXIT_USAGE;
	}
	if (!ret && !cfg.kernel && optind != argc - 1) {
		log_err("run: expected exactly one GUEST (an ELF file or "
			"builtin:NAME), got %d",
			argc - optind);
		ret = ZAPVM_EXIT_USAGE;
	}
	if (!ret && cfg.kernel)
		ret = linux_roms(&cfg);
	if (!ret && cfg.pci == PCI_OFF && vm_config__pci_user(&cfg)) {
		log_err("--pci off: %s adds a PCI device, which needs the PCI "
			"bus",
			vm_config__pci_user(&cfg));
		ret = ZAPVM_EXIT_USAGE;
	}
	if (ret)
		goto out;
	if (cfg.kernel)
		cfg.guest_name = cfg.kernel;
	else
		ret = guest__resolve(argv[optind], &cfg, &owned, mem_given);
	if (ret)
		goto out;

	ret = run_control(name, &cfg, &sigs);
	if (ret)
		goto out;
	/* With the ending signals blocked: the knobs go back on every exit. */
	ret = run_set_knobs(knobs, prefetch, root_zap);
	if (ret) {
		control__close(cfg.control);
		pthread_sigmask(SIG_SETMASK, &sigs, NULL);
		goto out;
	}
	vm__run(&cfg, &res);
	control__close(cfg.control);
	kret = run_restore_knobs(knobs);
	pthread_sigmask(SIG_SETMASK, &sigs, NULL);
	ret = res.exit_code ? res.exit_code : kret;
	zap_churn__free(&churn);
	if (stats && res.phases) {
		phase_log__print(res.phases, stdout, stats_all);
		print_summary(&cfg, &res);
	}
	if (json_path && res.ran) {
		struct json_object *o = report__json_run(&cfg, &res);
		int wret;

		if (o)
			json_add_linux(o, &cfg, &res);
		wret = o ? report__write_json(o, json_path) :
			   ZAPVM_EXIT_SOFTWARE;

		json_object_put(o);
		if (wret && !ret)
			ret = wret;
	}
	vm_result__free(&res);
out:
	free(owned);
	runopts__free(&cfg);
	return ret;
}
