// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm demo: the bootsim guest under every zap policy this host can honour,
 * side by side in one table.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

static void demo_usage(FILE *f)
{
	fprintf(f, "usage: zapvm demo [--mem SIZE] [--cpus N] [--thp on|off] "
		   "[--args 'K=V ...'] [--json FILE] [-v|-q]\n");
}

/*
 * The options into @base, *@mem_given and *@json_path: 0, -1 after --help
 * (printed), or an exit status after one line on stderr.
 */
static int demo_parse(int argc, char **argv, struct vm_config *base,
		      bool *mem_given, const char **json_path)
{
	enum { OPT_JSON = RUNOPT_NEXT };
	static const struct option opts[] = {
		RUNOPTS_VM,
		{ "json", required_argument, NULL, OPT_JSON },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == OPT_JSON) {
			*json_path = optarg;
		} else if (c == 'h') {
			demo_usage(stdout);
			return -1;
		} else if (runopts__parse(c, optarg, base, mem_given)) {
			demo_usage(stderr);
			return ZAPVM_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_err("demo: unexpected argument '%s'", argv[optind]);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

static void demo_header(const struct vm_config *base, struct json_object *host,
			const char *mmu)
{
	printf("zapvm demo: builtin bootsim guest, %llu MiB, %u vCPU(s), host "
	       "%s, MMU %s\n",
	       (unsigned long long)(base->mem_size >> 20), base->ncpus,
	       json_object_get_string(json_object_object_get(host, "kernel")),
	       mmu);
	printf("faults are %s (vCPU stat pf_taken)\n\n",
	       report__fault_kind(mmu));
	printf("%-7s %-28s %10s %12s %9s %11s %9s\n", "policy", "interface",
	       "faults", "after churn", "memslot", "memslot ms", "wall ms");
	printf("%-7s %-28s %10s %12s %9s %11s %9s\n", "", "", "", "", "changes",
	       "", "");
}

/*
 * bootsim under @policy: its table row, its run added to @runs and its
 * faults after churn in *@after. 0 or the run's exit status.
 */
static int demo_one(const struct vm_config *base, enum zap_policy policy,
		    bool mem_given, struct json_object *runs,
		    unsigned long long *after)
{
	struct vm_config cfg = *base;
	struct vm_result res;
	uint8_t *owned;
	int ret;

	cfg.policy = policy;
	ret = guest__resolve("builtin:bootsim", &cfg, &owned, mem_given);
	if (ret)
		goto out_free;
	vm__run(&cfg, &res);
	ret = exit__from_vm(&res);
	if (!ret) {
		*after = report__faults(&res, 1);
		printf("%-7s %-28s %10llu %12llu %9llu %11.3f %9.1f\n",
		       zap_policy__name(cfg.policy), zap_iface__name(res.iface),
		       report__faults(&res, 0), *after,
		       (unsigned long long)res.memslot_changes,
		       res.memslot_update_ns / 1e6, res.wall_ns / 1e6);
		json_object_array_add(runs, report__json_run(&cfg, &res));
	} else {
		log_err("demo: bootsim under policy %s failed (exit %d)",
			zap_policy__name(cfg.policy), ret);
	}
	vm_result__free(&res);
out_free:
	runopts__free(&cfg);
	return ret;
}

int cmd_demo(int argc, char **argv)
{
	static const enum zap_policy policies[] = { ZAP_ALL, ZAP_SLOT };
	struct vm_config base = { .mem_size = 512ULL << 20,
				  .ncpus = 1,
				  .quiet_guest = true };
	struct json_object *host, *z, *out, *runs;
	unsigned long long after[2] = { 0 };
	bool slot_ok, mem_given = false;
	const char *json_path = NULL, *mmu;
	int ret;

	ret = demo_parse(argc, argv, &base, &mem_given, &json_path);
	if (ret)
		return ret < 0 ? 0 : ret;

	host = report__host();
	if (!host)
		return ZAPVM_EXIT_UNAVAILABLE;
	json_object_object_get_ex(host, "zap_interfaces", &z);
	slot_ok = json_object_get_boolean(
		json_object_object_get(z, "policy_slot"));
	mmu = json_object_get_string(json_object_object_get(host, "mmu"));
	out = json_object_new_object();
	runs = json_object_new_array();
	json_object_object_add(out, "host", host);
	json_object_object_add(out, "runs", runs);
	demo_header(&base, host, mmu);

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		if (policies[i] == ZAP_SLOT && !slot_ok) {
			printf("%-7s not supported on this host: neither "
			       "KVM_CAP_MEMSLOT_ZAP_CONTROL nor "
			       "KVM_X86_QUIRK_SLOT_ZAP_ALL\n",
			       "slot");
			continue;
		}
		ret = demo_one(&base, policies[i], mem_given, runs, &after[i]);
		if (ret)
			break;
	}
	if (!ret && after[0] && slot_ok)
		printf("\nslot policy: %.1f%% fewer faults after memslot churn "
		       "than zap-all\n",
		       100.0 *
			       (double)(after[0] - (after[1] < after[0] ?
							    after[1] :
							    after[0])) /
			       (double)after[0]);
	if (!ret && json_path)
		ret = report__write_json(out, json_path);
	json_object_put(out);
	return ret;
}
