// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm exec: run another VMM with libzapvm-preload.so and give its VMs
 * zapvm's zap policy, phases and stats (zapvm-exec(1)).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/exec.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/runopts.h"
#include "zapvm/signals.h"
#include "zapvm/util.h"

#define DEFAULT_GRACE_MS 3000

static void exec_usage(FILE *f)
{
	fprintf(f,
		"usage: zapvm exec [OPTIONS] [--] VMM [ARGS...]\n"
		"  --zap-policy default|all|slot\n"
		"                        the zap policy of every VM the VMM "
		"creates\n"
		"  --thp on|off          madvise each RAM memslot's host range\n"
		"  --prefetch on|off     set kvm.tdp_mmu_change_pte_prefetch "
		"(zapvm series; root)\n"
		"  --root-zap 4k|1g      set kvm.tdp_mmu_zap_4k (zapvm series; "
		"root)\n"
		"  --stats[=all]         the phase table and a summary per VM\n"
		"  --json FILE           one run record per VM ('-' = stdout)\n"
		"  --name NAME           the control socket's name (default "
		"zapvm-PID)\n"
		"  --boot-done REGEX     the console line that marks boot-done "
		"(POSIX ERE,\n"
		"                        default '" EXEC_DEFAULT_BOOT_DONE
		"')\n"
		"  --console-log FILE    watch FILE for it, not the VMM's "
		"stdout/stderr\n"
		"  --until boot-done     stop the VMM there (SIGTERM, SIGKILL "
		"after --grace)\n"
		"  --grace MS            (default 3000)\n"
		"  --timeout S           stop the VMM after S seconds (exit "
		"124)\n"
		"  --trace[=all,required]\n"
		"                        trace the vCPU threads' faults by GFN "
		"(KVM's\n"
		"                        tracepoints; root or CAP_PERFMON); all: "
		"kvm_exit\n"
		"                        and kvm_page_fault too (they cost time)\n"
		"  --trace-gfns FILE     --trace, and every fault as CSV\n"
		"  --sample-ms N         every stat every N ms into --json's "
		"\"timeline\"\n"
		"  --plot FILE.svg       faults per interval over time "
		"(gnuplot)\n"
		"  -v, -q                more or less logging\n");
}

static int parse_opt(int c, const char *arg, struct exec_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'p':
		if (!zap_policy__parse(arg, &o->policy))
			return 0;
		log_err("--zap-policy '%s': expected default, all or slot",
			arg);
		return ZAPVM_EXIT_USAGE;
	case 't':
		if (!thp_mode__parse(arg, &o->thp) && o->thp != THP_DEFAULT)
			return 0;
		log_err("--thp '%s': expected on or off", arg);
		return ZAPVM_EXIT_USAGE;
	case 's':
		o->stats = true;
		if (arg && strcmp(arg, "all")) {
			log_err("--stats=%s: only --stats=all", arg);
			return ZAPVM_EXIT_USAGE;
		}
		o->stats_all = arg != NULL;
		return 0;
	case 'j':
		o->json = arg;
		return 0;
	case 'n':
		if (!control__valid_name(arg)) {
			log_err("--name '%s': expected 1 to %d of A-Z a-z 0-9 . "
				"_ -",
				arg, CONTROL_MAX_NAME);
			return ZAPVM_EXIT_USAGE;
		}
		o->name = arg;
		return 0;
	case 'P':
		return runopts__parse_prefetch(arg, &o->prefetch);
	case 'R':
		return runopts__parse_root_zap(arg, &o->root_zap);
	case 'b':
		o->boot_done = arg;
		return 0;
	case 'c':
		o->console_log = arg;
		return 0;
	case 'u':
		if (!strcmp(arg, "boot-done")) {
			o->until_boot_done = true;
			return 0;
		}
		log_err("--until '%s': expected boot-done", arg);
		return ZAPVM_EXIT_USAGE;
	case 'g':
	case 'T':
		if (parse_u64(arg, &v) || v > 1000000000ULL ||
		    (c == 'T' && !v)) {
			log_err("--%s '%s': expected a number",
				c == 'g' ? "grace" : "timeout", arg);
			return ZAPVM_EXIT_USAGE;
		}
		if (c == 'g')
			o->grace_ms = v;
		else
			o->timeout_ms = v * 1000;
		return 0;
	default:
		return ZAPVM_EXIT_USAGE;
	}
}

/* What `zapvm exec` shares with run: --trace, --sample-ms, --plot. */
struct exec_extra {
	struct trace_run tr;
	struct run_timeline rt;
};

static int parse_extra(int c, const char *arg, struct exec_extra *e)
{
	switch (c) {
	case 'r':
		return trace_run__parse(&e->tr, arg);
	case 'G':
		e->tr.gfns_path = arg;
		e->tr.on = true; /* --trace-gfns traces */
		return 0;
	case 'S':
	case 'L':
		return run_timeline__opt(&e->rt, c == 'L', arg);
	default:
		return -1;
	}
}

static int parse_opts(int argc, char **argv, struct exec_opts *o,
		      struct exec_extra *e)
{
	static const struct option opts[] = {
		{ "zap-policy", required_argument, NULL, 'p' },
		{ "thp", required_argument, NULL, 't' },
		{ "stats", optional_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'n' },
		{ "prefetch", required_argument, NULL, 'P' },
		{ "root-zap", required_argument, NULL, 'R' },
		{ "boot-done", required_argument, NULL, 'b' },
		{ "console-log", required_argument, NULL, 'c' },
		{ "until", required_argument, NULL, 'u' },
		{ "grace", required_argument, NULL, 'g' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "trace", optional_argument, NULL, 'r' },
		{ "trace-gfns", required_argument, NULL, 'G' },
		{ "sample-ms", required_argument, NULL, 'S' },
		{ "plot", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, ret;

	optind = 1;
	/* '+': the VMM's own options are not ours, even without "--". */
	while ((c = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		if (c == 'h') {
			exec_usage(stdout);
			return -1;
		}
		if (common_opt(c))
			continue;
		if (c == '?') {
			exec_usage(stderr);
			return ZAPVM_EXIT_USAGE;
		}
		ret = parse_extra(c, optarg, e);
		if (ret < 0)
			ret = parse_opt(c, optarg, o);
		if (ret)
			return ret;
	}
	if (optind >= argc) {
		log_err("exec: no VMM given (zapvm exec [OPTIONS] -- VMM "
			"[ARGS...])");
		return ZAPVM_EXIT_USAGE;
	}
	/* Files written after the run: refuse a bad path before it. */
	if (e->tr.gfns_path && outfile__check("--trace-gfns", e->tr.gfns_path))
		return ZAPVM_EXIT_IOERR;
	return run_timeline__check(&e->rt, o->json);
}

/*
 * --trace: prove it can be had before the VMM starts (one line and 77
 * with --trace=required, else a warning and no trace); each VM then opens
 * its own (exec-trace.c).
 */
static int check_trace(struct exec_extra *e, struct exec_opts *o)
{
	int ret = trace_run__open(&e->tr);

	o->trace = e->tr.t != NULL;
	o->trace_extra = trace_run__extra(&e->tr);
	trace_run__free(&e->tr);
	o->sample_ms = e->rt.sample_ms;
	return ret;
}

static int report(const struct exec_opts *o, const struct exec_extra *e,
		  struct exec_state *x, const char *path, char **argv,
		  int status)
{
	struct json_object *j = NULL;
	int ret, wret;

	if (!x->nvms) {
		log_err("exec: %s created no KVM VM%s (exit %d)", path,
			x->hello ? "" :
				   " that zapvm saw: the preload library "
				   "never reported (a static child?)",
			status);
		return 0;
	}
	if (x->protocol_errors)
		log_warn("exec: %u reports from the VMM were lost or unusable; "
			 "its figures may miss them",
			 x->protocol_errors);
	if (o->stats)
		exec__print(x, path, status, o->stats_all);
	exec_trace__print(x, path, o->stats);
	if (o->json) {
		j = exec__json(x, path, argv, status);
		if (!j)
			return ZAPVM_EXIT_SOFTWARE;
	}
	ret = exec_trace__report(x, path, e->tr.gfns_path, &e->rt, j);
	if (!o->json)
		return ret;
	wret = report__write_json(j, o->json);
	json_object_put(j);
	return ret ? ret : wret;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { .boot_done = EXEC_DEFAULT_BOOT_DONE,
			       .grace_ms = DEFAULT_GRACE_MS,
			       .prefetch = -1,
			       .root_zap = -1 };
	struct exec_state x = { .lock = PTHREAD_MUTEX_INITIALIZER,
				.cmd_fd = -1 };
	struct exec_extra e = { 0 };
	struct exec_outcome out;
	int ret;

	ret = parse_opts(argc, argv, &o, &e);
	if (ret)
		return ret < 0 ? 0 : ret;
	argv += optind;
	ret = check_trace(&e, &o);
	if (ret)
		return ret;
	ret = exec__run(&o, argv, &x, &out);
	if (ret)
		return ret;
	ret = x.refused ? 0 : report(&o, &e, &x, out.path, argv, out.status);
	exec__free(&x);
	exec__release(&out);
	return ret ? ret : out.status;
}
