// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm demo: the bootsim guest under every zap policy this host can honour,
 * side by side in one table.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/trace-report.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

static void demo_usage(FILE *f)
{
	fprintf(f, "usage: zapvm demo [--mem SIZE] [--cpus N] [--thp on|off] "
		   "[--args 'K=V ...'] [--no-trace] [--json FILE] [-v|-q]\n"
		   "       [--ram-slots N] [--dirty-log MODE] and the other "
		   "RAM options of zapvm run\n");
}

/*
 * The options into @base, *@mem_given, *@json_path and *@trace: 0, -1 after --help
 * (printed), or an exit status after one line on stderr.
 */
static int demo_parse(int argc, char **argv, struct vm_config *base,
		      bool *mem_given, const char **json_path, bool *trace)
{
	enum { OPT_JSON = RUNOPT_NEXT, OPT_NO_TRACE };
	static const struct option opts[] = {
		RUNOPTS_VM,
		RUNOPTS_MEMAX,
		{ "json", required_argument, NULL, OPT_JSON },
		{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == OPT_JSON) {
			*json_path = optarg;
		} else if (c == OPT_NO_TRACE) {
			*trace = false;
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
	printf("faults are %s (vCPU stat pf_taken)\n", report__fault_kind(mmu));
}

static void demo_table_header(void)
{
	printf("\n%-7s %-28s %10s %12s %9s %11s %9s\n", "policy", "interface",
	       "faults", "after churn", "memslot", "memslot ms", "wall ms");
	printf("%-7s %-28s %10s %12s %9s %11s %9s\n", "", "", "", "", "changes",
	       "", "");
}

/* One policy's churn cost: faults over the floor, re-faults after churn. */
struct demo_cost {
	unsigned long long faults, after;
	double over_floor, refaults;
	bool traced; /* measured by --trace, else from bootsim's layout */
};

/* 2 MiB mappings for RAM: --thp on, or the host's THP "always". */
static bool demo_thp2m(const struct vm_config *cfg, struct json_object *host)
{
	struct json_object *m = json_object_object_get(host, "host_mmu");
	const char *thp = json_object_get_string(
		json_object_object_get(m, "transparent_hugepage_enabled"));

	return cfg->thp == THP_ON ||
	       (cfg->thp == THP_DEFAULT && thp && !strcmp(thp, "always"));
}

/*
 * The churn's cost from the trace when there is one (the measured floor:
 * distinct GFNs faulted; re-faults: GFNs that faulted again after the first
 * run-time memslot change), else from bootsim's known layout (the floors of
 * `zapvm bench boot`, src/bench/scenario-boot.c). -ENOENT when neither.
 */
static int demo_cost(const struct vm_config *cfg, struct json_object *host,
		     const struct trace_run *tr, struct demo_cost *c)
{
	bool thp2m = demo_thp2m(cfg, host);
	double floor, churn_floor;

	if (tr->have_sum) {
		c->traced = true;
		floor = (double)(thp2m ? tr->sum.floor_2m : tr->sum.floor_gfns);
		c->over_floor = (double)c->faults - floor;
		c->refaults = (double)tr->sum.refaults;
		return 0;
	}
	if (bench__guest_floor("boot", cfg->mem_size, thp2m, cfg->args, "total",
			       &floor) ||
	    bench__guest_floor("boot", cfg->mem_size, thp2m, cfg->args,
			       "after_churn", &churn_floor))
		return -ENOENT;
	c->over_floor = (double)c->faults - floor;
	c->refaults = (double)c->after - churn_floor;
	return 0;
}

static void demo_cost_json(struct json_object *run, const struct demo_cost *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "refaults",
			       json_object_new_double(c->refaults));
	json_object_object_add(o, "faults_over_floor",
			       json_object_new_double(c->over_floor));
	json_object_object_add(o, "source",
			       json_object_new_string(c->traced ? "trace" :
								  "layout"));
	json_object_object_add(run, "churn_cost", o);
}

/*
 * bootsim under @policy, traced when the host lets us: its table row into
 * @row, its run added to @runs and its churn cost in *@c (c->over_floor NAN when it
 * cannot be had). 0 or the run's exit status.
 */
static int demo_one(const struct vm_config *base, enum zap_policy policy,
		    bool mem_given, bool trace, struct json_object *host,
		    struct json_object *runs, struct demo_cost *c, char *row,
		    size_t len)
{
	struct vm_config cfg = *base;
	struct trace_run tr = { .on = trace };
	struct vm_result res;
	struct json_object *run;
	uint8_t *owned;
	int ret;

	cfg.policy = policy;
	ret = guest__resolve("builtin:bootsim", &cfg, &owned, mem_given);
	if (ret)
		goto out_free;
	/* Without permission: one line, and the layout stands in. */
	trace_run__open(&tr);
	cfg.trace = tr.t;
	vm__run(&cfg, &res);
	ret = exit__from_vm(&res);
	if (!ret) {
		trace_run__finish(&tr, &res);
		c->faults = report__faults(&res, 0);
		c->after = report__faults(&res, 1);
		if (demo_cost(&cfg, host, &tr, c))
			c->over_floor = c->refaults = NAN;
		snprintf(row, len,
			 "%-7s %-28s %10llu %12llu %9llu %11.3f %9.1f\n",
			 zap_policy__name(cfg.policy),
			 zap_iface__name(res.iface), c->faults, c->after,
			 (unsigned long long)res.memslot_changes,
			 res.memslot_update_ns / 1e6, res.wall_ns / 1e6);
		run = report__json_run(&cfg, &res);
		trace_run__json(&tr, run);
		if (!isnan(c->over_floor))
			demo_cost_json(run, c);
		json_object_array_add(runs, run);
	} else {
		log_err("demo: bootsim under policy %s failed (exit %d)",
			zap_policy__name(cfg.policy), ret);
	}
	vm_result__free(&res);
out_free:
	trace_run__free(&tr);
	runopts__free(&cfg);
	return ret;
}

/* Where the churn's cost comes from, as the headline's second line says. */
static const char *demo_source(const struct demo_cost *c, bool floor)
{
	if (floor)
		return c->traced ? "distinct GFNs faulted, traced" :
				   "bootsim's layout";
	return c->traced ? "(re-faults on GFNs that had faulted before, after "
			   "the first memslot change; traced)" :
			   "(faults after the first memslot change over "
			   "bootsim's layout floor; not traced)";
}

/*
 * The headline: what the churn cost each policy, then the totals; @slot
 * NULL where the host has no slot-only zap (zap-all's cost alone).
 */
static void demo_headline(const struct demo_cost *all,
			  const struct demo_cost *slot)
{
	if (isnan(all->refaults) || (slot && isnan(slot->refaults)))
		return;
	printf("\nmemslot churn cost: zap-all %.0f extra faults",
	       all->refaults);
	if (slot) {
		printf(", slot %.0f", slot->refaults);
		if (all->refaults > 0)
			printf(" (%+.0f%%)",
			       100.0 * (slot->refaults - all->refaults) /
				       all->refaults);
	} else {
		printf("; the slot policy is not supported on this host");
	}
	printf("\n  %s\n", demo_source(all, false));
	printf("faults over the floor: zap-all %.0f", all->over_floor);
	if (slot)
		printf(", slot %.0f", slot->over_floor);
	printf(" (%s)\n", demo_source(all, true));
	if (slot && all->after)
		printf("total faults after memslot churn: slot %.1f%% fewer "
		       "than zap-all\n",
		       100.0 * ((double)all->after - (double)slot->after) /
			       (double)all->after);
}

int cmd_demo(int argc, char **argv)
{
	static const enum zap_policy policies[] = { ZAP_ALL, ZAP_SLOT };
	struct vm_config base = { .mem_size = 512ULL << 20,
				  .ncpus = 1,
				  .quiet_guest = true };
	struct json_object *host, *z, *out, *runs;
	struct demo_cost cost[2] = { { 0 } };
	char rows[2][256] = { "", "" };
	bool slot_ok, mem_given = false, trace = true;
	const char *json_path = NULL, *mmu;
	int ret;

	ret = demo_parse(argc, argv, &base, &mem_given, &json_path, &trace);
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

	for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
		if (policies[i] == ZAP_SLOT && !slot_ok) {
			snprintf(rows[i], sizeof(rows[i]),
				 "%-7s not supported on this host: neither "
				 "KVM_CAP_MEMSLOT_ZAP_CONTROL nor "
				 "KVM_X86_QUIRK_SLOT_ZAP_ALL\n",
				 "slot");
			continue;
		}
		ret = demo_one(&base, policies[i], mem_given, trace, host, runs,
			       &cost[i], rows[i], sizeof(rows[i]));
		if (ret)
			break;
	}
	/* The churn's cost leads; the table under it has the totals. */
	if (!ret)
		demo_headline(&cost[0], slot_ok ? &cost[1] : NULL);
	if (!ret) {
		demo_table_header();
		for (size_t i = 0; i < 2; i++)
			fputs(rows[i], stdout);
		if (cost[0].traced)
			printf("(traced: wall ms includes the trace's cost; "
			       "--no-trace times without it)\n");
	}
	if (!ret && json_path)
		ret = report__write_json(out, json_path);
	json_object_put(out);
	return ret;
}
