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
#include <sys/stat.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/devices.h"
#include "zapvm/fwreport.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/run-timeline.h"
#include "zapvm/runopts.h"
#include "zapvm/signals.h"
#include "zapvm/trace-report.h"
#include "zapvm/util.h"
#include "zapvm/vga.h"
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
		"  --firmware seabios|FILE\n"
		"                        boot through a PC BIOS (with --kernel: "
		"fw_cfg and\n"
		"                        linuxboot_dma.bin)\n"
		"  --firmware-log FILE   the firmware's debug port 0x402\n"
		"  --slot-layout qemu|split\n"
		"                        RAM slots around 0xc0000-0xfffff "
		"(default qemu)\n"
		"  --vga std|none        a std VGA: 16 MiB VRAM BAR, 0xa0000 "
		"(--firmware)\n"
		"  --shm SIZE            an ivshmem-like RAM BAR of SIZE "
		"(--firmware)\n"
		"  --smm-space           every memslot also in address space 1, "
		"as QEMU's SMM\n"
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
		"  --mem-backend anon|memfd|shm|hugetlb|file:PATH\n"
		"                        how RAM is backed on the host "
		"(default anon)\n"
		"  --hugepage-size 2M|1G hugetlb's page size (default 2M)\n"
		"  --prefault            fault all RAM in before the guest "
		"starts\n"
		"  --ram-slots N         RAM in N equal KVM memslots (default "
		"1)\n"
		"  --dirty-log off|bitmap|manual[:init-set|:no-init-set]|"
		"ring[:N]\n"
		"                        log the pages the guest dirties; "
		"--stats and --json\n"
		"                        count them per phase\n"
		"  --stats[=all]         print each phase's KVM stats deltas\n"
		"  --json FILE           write config, phases and results as JSON\n"
		"  --trace[=all,required]\n"
		"                        trace the vCPUs' faults by GFN and "
		"memslot (KVM\n"
		"                        tracepoints; root or CAP_PERFMON); all: "
		"kvm_exit\n"
		"                        and kvm_page_fault too (they cost time)\n"
		"  --trace-gfns FILE     --trace, and every fault as CSV\n"
		"  --sample-ms N         every stat every N ms into --json's "
		"\"timeline\"\n"
		"  --plot FILE.svg       faults per interval over time, with "
		"the memslot\n"
		"                        changes and phase marks (gnuplot)\n"
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
	if (json_object_object_get_ex(o, "result", &r) && cfg->smm_space) {
		struct json_object *as = json_object_new_array();

		for (int i = 0; i < 2; i++)
			json_object_array_add(
				as,
				json_object_new_int64(
					(int64_t)res->memslot_changes_as[i]));
		json_object_object_add(r, "memslot_changes_by_as", as);
	}
	if (json_object_object_get_ex(o, "result", &r))
		json_object_object_add(
			r, "boot_done_ms",
			res->boot_done_ns ? json_object_new_double(
						    res->boot_done_ns / 1e6) :
					    NULL);
}

static void print_summary(const struct vm_config *cfg,
			  const struct vm_result *res,
			  const struct trace_run *tr)
{
	printf("zapvm: %s: exit %d, policy %s (%s), %llu faults (%llu after "
	       "churn), %llu run-time memslot changes in %.3f ms, wall %.3f ms",
	       cfg->guest_name, exit__from_vm(res),
	       zap_policy__name(cfg->policy), zap_iface__name(res->iface),
	       report__faults(res, 0), report__faults(res, 1),
	       (unsigned long long)res->memslot_changes,
	       res->memslot_update_ns / 1e6, res->wall_ns / 1e6);
	if (cfg->dirty_log.mode != DIRTY_LOG_OFF)
		printf(", %llu dirty pages (%llu collections, %llu ring-full "
		       "exits)",
		       (unsigned long long)res->dirty.pages,
		       (unsigned long long)res->dirty.collections,
		       (unsigned long long)res->dirty.ring_full_exits);
	/* --trace: the measured floor and the churn's re-faults. */
	if (tr->have_sum)
		printf(", floor %llu GFNs, %llu re-faults",
		       (unsigned long long)tr->sum.floor_gfns,
		       (unsigned long long)tr->sum.refaults);
	putchar('\n');
	if (cfg->smm_space)
		printf("zapvm: %s: memslot changes by address space: 0: %llu, "
		       "1 (SMM): %llu\n",
		       cfg->guest_name,
		       (unsigned long long)res->memslot_changes_as[0],
		       (unsigned long long)res->memslot_changes_as[1]);
	if (res->boot_done_ns)
		printf("zapvm: %s: boot done after %.3f ms\n", cfg->guest_name,
		       res->boot_done_ns / 1e6);
}

/*
 * Whether the directory that holds @dir is missing; its path in @parent.
 * An unset XDG_RUNTIME_DIR is normal (cron, sudo) and worth an info line;
 * one naming a directory that is not there is a broken session, said at
 * the normal level, where control__open() would tell it only at -v.
 */
static bool parent_missing(const char *dir, char *parent, size_t len)
{
	const char *slash = strrchr(dir, '/');
	struct stat st;

	if (!slash || slash == dir || (size_t)(slash - dir) >= len)
		return false;
	memcpy(parent, dir, (size_t)(slash - dir));
	parent[slash - dir] = '\0';
	return stat(parent, &st) && errno == ENOENT;
}

/*
 * Open the control socket of `run --name` (or zapvm-PID). The signals that
 * end a run stay blocked until the socket is gone again: the VM's wait loop
 * takes them, and one that comes earlier or later waits for the unlink.
 * Without --name a socket that cannot be made is only a warning.
 */
static int run_control(const char *name, struct control **ctl, sigset_t *old)
{
	char def[32], dir[256], parent[256];
	sigset_t set;
	int ret;

	signals__ending(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
	if (!name) {
		snprintf(def, sizeof(def), "zapvm-%d", (int)getpid());
		if (control__dir(dir, sizeof(dir)) == -ENOENT)
			log_info(
				"no control socket: XDG_RUNTIME_DIR is not set");
		else if (parent_missing(dir, parent, sizeof(parent)))
			log_warn("no control socket: the directory %s%s does "
				 "not exist",
				 parent,
				 getenv("XDG_RUNTIME_DIR") ?
					 " (XDG_RUNTIME_DIR)" :
					 "");
		else
			control__open(def, LOG_WARN, ctl);
		return 0;
	}
	ret = control__open(name, LOG_ERR, ctl);
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

/* What `run`'s options fill in; the run step reads it. */
struct run_args {
	struct vm_config cfg;
	bool mem_given; /* --mem: no raising it to a guest's minimum */
	const char *mem_arg; /* its text, for messages */
	bool help;
	bool stats, stats_all;
	const char *json_path;
	const char *name; /* --name, or NULL: zapvm-PID */
	int prefetch, root_zap; /* knob values; -1: leave the knob alone */
	struct zap_churn churn;
	struct vm_hook churn_hook;
	bool slot_layout_given;
	struct trace_run trace; /* --trace, --trace-gfns */
	struct run_timeline timeline; /* --sample-ms, --plot */
};

/*
 * One option of `run`, as kvmtool's OPT_CALLBACK: getopt_long()'s name and
 * argument, a key, and the parser that applies it to struct run_args. The
 * key is the RUNOPT_* value of a VM option runopts__parse() applies, or the
 * letter of -v, -q and -h; 0 for run's own options. A parser returns 0, or
 * an exit status after one line on stderr.
 */
struct run_opt {
	const char *name;
	int has_arg;
	int key;
	int (*parse)(struct run_args *a, int key, const char *arg);
};

static int opt_vm(struct run_args *a, int key, const char *arg)
{
	int ret = runopts__parse(key, arg, &a->cfg, &a->mem_given);

	if (key == RUNOPT_MEM)
		a->mem_arg = arg;
	return ret < 0 ? ZAPVM_EXIT_USAGE : ret;
}

static int opt_help(struct run_args *a, int key, const char *arg)
{
	a->help = true;
	return 0;
}

static int opt_stats(struct run_args *a, int key, const char *arg)
{
	a->stats = true;
	if (arg && strcmp(arg, "all")) {
		log_err("--stats=%s: only --stats=all", arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->stats_all = arg != NULL;
	return 0;
}

static int opt_json(struct run_args *a, int key, const char *arg)
{
	a->json_path = arg;
	return 0;
}

static int opt_trace(struct run_args *a, int key, const char *arg)
{
	return trace_run__parse(&a->trace, arg);
}

static int opt_trace_gfns(struct run_args *a, int key, const char *arg)
{
	a->trace.gfns_path = arg;
	return 0;
}

static int opt_sample_ms(struct run_args *a, int key, const char *arg)
{
	return run_timeline__opt(&a->timeline, false, arg);
}

static int opt_plot(struct run_args *a, int key, const char *arg)
{
	return run_timeline__opt(&a->timeline, true, arg);
}

static int opt_timeout(struct run_args *a, int key, const char *arg)
{
	uint64_t v;

	if (parse_u64(arg, &v) || !v || v > 86400 * 365) {
		log_err("--timeout '%s': expected seconds", arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->cfg.timeout_ms = v * 1000;
	return 0;
}

static int opt_kernel(struct run_args *a, int key, const char *arg)
{
	a->cfg.kernel = arg;
	return 0;
}

static int opt_initrd(struct run_args *a, int key, const char *arg)
{
	a->cfg.initrd = arg;
	return 0;
}

static int opt_cmdline(struct run_args *a, int key, const char *arg)
{
	a->cfg.cmdline = arg;
	return 0;
}

static int opt_disk(struct run_args *a, int key, const char *arg)
{
	return runopts__add_disk(&a->cfg, arg);
}

static int opt_console(struct run_args *a, int key, const char *arg)
{
	if (!strcmp(arg, "serial")) {
		a->cfg.console = CONSOLE_SERIAL;
	} else if (!strcmp(arg, "virtio")) {
		a->cfg.console = CONSOLE_VIRTIO;
	} else {
		log_err("--console '%s': expected serial or virtio", arg);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

static int opt_coalesced_pio(struct run_args *a, int key, const char *arg)
{
	bool on;

	if (parse_on_off(arg, &on)) {
		log_err("--coalesced-pio '%s': expected on or off", arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->cfg.no_coalesced_pio = !on;
	return 0;
}

static int opt_pci(struct run_args *a, int key, const char *arg)
{
	if (pci_mode__parse(arg, &a->cfg.pci)) {
		log_err("--pci '%s': expected auto, on or off", arg);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

static int opt_boot(struct run_args *a, int key, const char *arg)
{
	return runopts__parse_boot(arg, &a->cfg.boot);
}

static int opt_name(struct run_args *a, int key, const char *arg)
{
	if (!control__valid_name(arg)) {
		log_err("--name '%s': expected 1 to %d of A-Z a-z 0-9 . _ -",
			arg, CONTROL_MAX_NAME);
		return ZAPVM_EXIT_USAGE;
	}
	a->name = arg;
	return 0;
}

static int opt_pci_rom(struct run_args *a, int key, const char *arg)
{
	return runopts__set_pci_rom(&a->cfg, "--pci-rom", arg);
}

static int opt_zap_churn(struct run_args *a, int key, const char *arg)
{
	if (parse_u64(arg, &a->churn.period_ms) || !a->churn.period_ms ||
	    a->churn.period_ms > 3600000) {
		log_err("--zap-churn '%s': expected a period in ms, 1 to "
			"3600000",
			arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->cfg.hook = &a->churn_hook;
	return 0;
}

static int opt_prefetch(struct run_args *a, int key, const char *arg)
{
	return runopts__parse_prefetch(arg, &a->prefetch);
}

static int opt_firmware(struct run_args *a, int key, const char *arg)
{
	a->cfg.firmware = arg;
	return 0;
}

static int opt_smm_space(struct run_args *a, int key, const char *arg)
{
	a->cfg.smm_space = true;
	return 0;
}

static int opt_firmware_log(struct run_args *a, int key, const char *arg)
{
	a->cfg.firmware_log = arg;
	return 0;
}

static int opt_slot_layout(struct run_args *a, int key, const char *arg)
{
	if (slot_layout__parse(arg, &a->cfg.slot_layout)) {
		log_err("--slot-layout '%s': expected qemu or split", arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->slot_layout_given = true;
	return 0;
}

static int opt_vga(struct run_args *a, int key, const char *arg)
{
	if (vga__parse(arg, &a->cfg.vga_std)) {
		log_err("--vga '%s': expected std or none", arg);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

static int opt_shm(struct run_args *a, int key, const char *arg)
{
	uint64_t v;

	if (parse_size(arg, &v) || shm__check_size(v)) {
		log_err("--shm '%s': expected a power of two from 4K to 256M",
			arg);
		return ZAPVM_EXIT_USAGE;
	}
	a->cfg.shm_size = v;
	return 0;
}

static int opt_root_zap(struct run_args *a, int key, const char *arg)
{
	return runopts__parse_root_zap(arg, &a->root_zap);
}

/*
 * In the order getopt_long() had them before the table, which is the order
 * it lists an ambiguous abbreviation's candidates in.
 */
static const struct run_opt run_opts[] = {
	{ "mem", required_argument, RUNOPT_MEM, opt_vm },
	{ "cpus", required_argument, RUNOPT_CPUS, opt_vm },
	{ "thp", required_argument, RUNOPT_THP, opt_vm },
	{ "args", required_argument, RUNOPT_ARGS, opt_vm },
	{ "verbose", no_argument, 'v', opt_vm },
	{ "quiet", no_argument, 'q', opt_vm },
	{ "help", no_argument, 'h', opt_help },
	{ "rom", required_argument, RUNOPT_ROM, opt_vm },
	{ "zap-policy", required_argument, RUNOPT_POLICY, opt_vm },
	{ "stats", optional_argument, 0, opt_stats },
	{ "json", required_argument, 0, opt_json },
	{ "timeout", required_argument, 0, opt_timeout },
	{ "kernel", required_argument, 0, opt_kernel },
	{ "initrd", required_argument, 0, opt_initrd },
	{ "cmdline", required_argument, 0, opt_cmdline },
	{ "disk", required_argument, 0, opt_disk },
	{ "console", required_argument, 0, opt_console },
	{ "coalesced-pio", required_argument, 0, opt_coalesced_pio },
	{ "pci", required_argument, 0, opt_pci },
	{ "boot", required_argument, 0, opt_boot },
	{ "name", required_argument, 0, opt_name },
	{ "pci-rom", required_argument, 0, opt_pci_rom },
	{ "zap-churn", required_argument, 0, opt_zap_churn },
	{ "prefetch", required_argument, 0, opt_prefetch },
	{ "root-zap", required_argument, 0, opt_root_zap },
	{ "firmware", required_argument, 0, opt_firmware },
	{ "firmware-log", required_argument, 0, opt_firmware_log },
	{ "slot-layout", required_argument, 0, opt_slot_layout },
	{ "vga", required_argument, 0, opt_vga },
	{ "shm", required_argument, 0, opt_shm },
	{ "smm-space", no_argument, 0, opt_smm_space },
	{ "trace", optional_argument, 0, opt_trace },
	{ "trace-gfns", required_argument, 0, opt_trace_gfns },
	{ "mem-backend", required_argument, RUNOPT_MEM_BACKEND, opt_vm },
	{ "hugepage-size", required_argument, RUNOPT_HUGEPAGE_SIZE, opt_vm },
	{ "prefault", no_argument, RUNOPT_PREFAULT, opt_vm },
	{ "sample-ms", required_argument, 0, opt_sample_ms },
	{ "plot", required_argument, 0, opt_plot },
	{ "ram-slots", required_argument, RUNOPT_RAM_SLOTS, opt_vm },
	{ "dirty-log", required_argument, RUNOPT_DIRTY_LOG, opt_vm },
};

#define NR_RUN_OPTS (ARRAY_SIZE(run_opts))

/* What getopt_long() returns for run_opts[@i]: its key, or past RUNOPT_*. */
static int run_opt_val(size_t i)
{
	return run_opts[i].key ? run_opts[i].key : RUNOPT_NEXT + (int)i;
}

/*
 * Apply the options of @argv to @a, stopping at the first bad one (its exit
 * status) or at --help. getopt_long()'s tables come from run_opts[].
 */
static int run_parse(struct run_args *a, int argc, char **argv)
{
	struct option lopts[NR_RUN_OPTS + 1] = { { 0 } };
	char shorts[2 * NR_RUN_OPTS + 1];
	size_t ns = 0, i;
	int c, ret = 0;

	for (i = 0; i < NR_RUN_OPTS; i++) {
		lopts[i].name = run_opts[i].name;
		lopts[i].has_arg = run_opts[i].has_arg;
		lopts[i].val = run_opt_val(i);
		if (run_opts[i].key <= 0 || run_opts[i].key >= RUNOPT_MEM)
			continue;
		shorts[ns++] = (char)run_opts[i].key;
		if (run_opts[i].has_arg == required_argument)
			shorts[ns++] = ':';
	}
	shorts[ns] = '\0';
	optind = 1;
	while (!ret && !a->help &&
	       (c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		/* Unknown options and missing arguments: getopt said why. */
		ret = ZAPVM_EXIT_USAGE;
		for (i = 0; i < NR_RUN_OPTS; i++) {
			if (c == run_opt_val(i)) {
				ret = run_opts[i].parse(a, run_opts[i].key,
							optarg);
				break;
			}
		}
	}
	return ret;
}

/* What only the whole command line can tell: @args are the operands. */
static int run_check(struct run_args *a, int nargs, char **args)
{
	struct vm_config *cfg = &a->cfg;
	int ret;

	if (!cfg->firmware && (cfg->firmware_log || a->slot_layout_given)) {
		log_err("run: --firmware-log and --slot-layout go with "
			"--firmware");
		return ZAPVM_EXIT_USAGE;
	}
	/* The log is written through the run: refuse a bad path before it. */
	if (cfg->firmware_log &&
	    outfile__check("--firmware-log", cfg->firmware_log))
		return ZAPVM_EXIT_IOERR;
	if (cfg->firmware && nargs) {
		log_err("run: --firmware boots a PC; no GUEST goes with it, got "
			"'%s'",
			args[0]);
		return ZAPVM_EXIT_USAGE;
	}
	if (!cfg->kernel && (cfg->initrd || cfg->cmdline || cfg->boot)) {
		log_err("run: --initrd, --cmdline and --boot go with --kernel");
		return ZAPVM_EXIT_USAGE;
	}
	if (cfg->kernel && nargs) {
		log_err("run: --kernel boots Linux; no GUEST goes with it, got "
			"'%s'",
			args[0]);
		return ZAPVM_EXIT_USAGE;
	}
	if (!cfg->kernel && !cfg->firmware && nargs != 1) {
		log_err("run: expected exactly one GUEST (an ELF file or "
			"builtin:NAME), got %d",
			nargs);
		return ZAPVM_EXIT_USAGE;
	}
	if ((cfg->vga_std || cfg->shm_size) && !cfg->firmware) {
		log_err("run: --vga and --shm go with --firmware");
		return ZAPVM_EXIT_USAGE;
	}
	if (cfg->firmware && !cfg->kernel) {
		ret = runopts__linux_roms(cfg);
		if (ret)
			return ret;
	}
	if (cfg->kernel) {
		ret = runopts__linux_roms(cfg);
		if (!ret)
			ret = runopts__check_linux_mem(cfg, a->mem_arg);
		if (ret)
			return ret;
	}
	ret = runopts__check_disks(cfg);
	if (ret)
		return ret;
	if (a->trace.gfns_path) {
		a->trace.on = true; /* --trace-gfns traces */
		if (outfile__check("--trace-gfns", a->trace.gfns_path))
			return ZAPVM_EXIT_IOERR;
	}
	ret = run_timeline__check(&a->timeline, a->json_path);
	if (ret)
		return ret;
	if (cfg->pci == PCI_OFF && vm_config__pci_user(cfg)) {
		log_err("--pci off: %s adds a PCI device, which needs the PCI "
			"bus",
			vm_config__pci_user(cfg));
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

/* --stats, --json and --plot after the VM ran; @ret: the run's status. */
static int run_report(struct run_args *a, const struct vm_result *res, int ret)
{
	struct json_object *o = NULL;
	int wret;

	if (a->stats && res->phases)
		phase_log__print(res->phases, stdout, a->stats_all);
	trace_run__print(&a->trace, res, stdout, a->stats);
	if (a->stats && res->phases)
		print_summary(&a->cfg, res, &a->trace);
	if (a->stats && res->phases && a->cfg.firmware)
		fw_report__print(stdout, res->phases);
	wret = trace_run__write_gfns(&a->trace);
	if (wret && !ret)
		ret = wret;
	if (!res->ran)
		return ret;
	if (a->json_path) {
		o = report__json_run(&a->cfg, res);
		if (!o)
			return ret ? ret : ZAPVM_EXIT_SOFTWARE;
		json_add_linux(o, &a->cfg, res);
		trace_run__json(&a->trace, o);
		if (a->cfg.firmware && fw_report__json(o, res->phases)) {
			json_object_put(o);
			o = NULL;
		}
	}
	wret = run_timeline__report(&a->timeline, a->cfg.guest_name, res,
				    &a->trace, o);
	if (wret && !ret)
		ret = wret;
	if (!a->json_path)
		return ret;
	wret = report__write_json(o, a->json_path);
	json_object_put(o);
	return wret && !ret ? wret : ret;
}

/*
 * The run step: the guest @guest (unused with --kernel), the control
 * socket, the knobs, the VM and its report. Returns the exit status.
 */
static int run_step(struct run_args *a, const char *guest)
{
	struct knob_pair knobs;
	struct vm_result res;
	struct control *ctl = NULL;
	struct vm_companion companion;
	uint8_t *owned = NULL;
	sigset_t sigs;
	int ret = 0, kret;

	if (a->cfg.kernel)
		a->cfg.guest_name = a->cfg.kernel;
	else if (a->cfg.firmware)
		a->cfg.guest_name = a->cfg.firmware;
	else
		ret = guest__resolve(guest, &a->cfg, &owned, a->mem_given);
	if (ret)
		goto out;
	ret = trace_run__open(&a->trace);
	if (!ret)
		ret = run_timeline__new(&a->timeline);
	if (ret)
		goto out;
	a->cfg.trace = a->trace.t;
	a->cfg.timeline = a->timeline.tl;
	ret = run_control(a->name, &ctl, &sigs);
	if (ret)
		goto out;
	if (ctl) {
		companion = control__companion(ctl);
		a->cfg.companion = &companion;
	}
	/* With the ending signals blocked: the knobs go back on every exit. */
	ret = knob_pair__set(&knobs, a->prefetch, a->root_zap);
	if (ret) {
		control__close(ctl);
		pthread_sigmask(SIG_SETMASK, &sigs, NULL);
		goto out;
	}
	vm__run(&a->cfg, &res);
	control__close(ctl);
	kret = knob_pair__restore(&knobs);
	pthread_sigmask(SIG_SETMASK, &sigs, NULL);
	ret = exit__from_vm(&res);
	if (!ret)
		ret = kret;
	zap_churn__free(&a->churn);
	trace_run__finish(&a->trace, &res);
	ret = run_report(a, &res, ret);
	vm_result__free(&res);
out:
	free(owned);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {
		.cfg = { .mem_size = DEFAULT_MEM, .ncpus = 1 },
		.prefetch = -1,
		.root_zap = -1,
		.churn_hook = { zap_churn__hook, NULL },
	};
	int ret;

	a.churn_hook.opaque = &a.churn;
	ret = run_parse(&a, argc, argv);
	if (!ret && a.help) {
		run_usage(stdout);
		goto out_free;
	}
	if (!ret)
		ret = run_check(&a, argc - optind, argv + optind);
	if (!ret)
		ret = run_step(&a, argv[optind]);
out_free:
	trace_run__free(&a.trace);
	run_timeline__free(&a.timeline);
	runopts__free(&a.cfg);
	return ret;
}
