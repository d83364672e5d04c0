// SPDX-License-Identifier: GPL-2.0-only
/* zapvm run: one guest, one VM. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/builtin.h"
#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"

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
		"  --mem SIZE            guest RAM (default 256M, or the "
		"guest's minimum)\n"
		"  --cpus N              vCPUs (default 1, at most 32; Linux "
		"254)\n"
		"  --rom SRC[@GPA][,size=SIZE]\n"
		"                        a read-only ROM region; SRC is a file "
		"or pattern:LEN\n"
		"  --args 'K=V ...'      arguments for the guest\n"
		"  --zap-policy P        default, all or slot\n"
		"  --thp on|off          MADV_HUGEPAGE / MADV_NOHUGEPAGE on RAM\n"
		"  --stats[=all]         print each phase's KVM stats deltas\n"
		"  --json FILE           write config, phases and results as JSON\n"
		"  --timeout SECONDS     stop the guest after this long (exit 124)\n"
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

int cmd_run(int argc, char **argv)
{
	enum {
		OPT_STATS = RUNOPT_NEXT,
		OPT_JSON,
		OPT_TIMEOUT,
		OPT_KERNEL,
		OPT_INITRD,
		OPT_CMDLINE,
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
		{ 0 },
	};
	struct vm_config cfg = { .mem_size = DEFAULT_MEM, .ncpus = 1 };
	const char *json_path = NULL;
	bool mem_given = false, stats = false, stats_all = false;
	struct vm_result res;
	uint8_t *owned = NULL;
	uint64_t v;
	int c, ret = 0;

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
	if (!ret && !cfg.kernel && (cfg.initrd || cfg.cmdline)) {
		log_err("run: --initrd and --cmdline go with --kernel");
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
	if (ret)
		goto out;
	if (cfg.kernel)
		cfg.guest_name = cfg.kernel;
	else
		ret = guest__resolve(argv[optind], &cfg, &owned, mem_given);
	if (ret)
		goto out;

	vm__run(&cfg, &res);
	ret = res.exit_code;
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
