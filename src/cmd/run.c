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

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"
#include "zapvm/zapper.h"

#define DEFAULT_MEM (256ULL << 20)

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
	struct knob_pair knobs;

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
			ret = runopts__add_disk(&cfg, optarg);
			break;
		case OPT_PCI_ROM:
			ret = runopts__set_pci_rom(&cfg, "--pci-rom", optarg);
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
			ret = runopts__parse_boot(optarg, &cfg.boot);
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
			ret = runopts__parse_prefetch(optarg, &prefetch);
			break;
		case OPT_ROOT_ZAP:
			ret = runopts__parse_root_zap(optarg, &root_zap);
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
		ret = runopts__linux_roms(&cfg);
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
	ret = knob_pair__set(&knobs, prefetch, root_zap);
	if (ret) {
		control__close(cfg.control);
		pthread_sigmask(SIG_SETMASK, &sigs, NULL);
		goto out;
	}
	vm__run(&cfg, &res);
	control__close(cfg.control);
	kret = knob_pair__restore(&knobs);
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
