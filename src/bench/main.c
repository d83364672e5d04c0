// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench: one scenario over the cross product of VM shapes and zap
 * policies, each run a fresh VM in a child process (runner.c). Here: the
 * command line, from option tables, and the command's steps.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zapvm/cmd.h"
#include "zapvm/guest_abi.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/runopts.h"
#include "zapvm/util.h"

#include "bench.h"

static int parse_policy(const char *s, void *out, unsigned int i)
{
	return zap_policy__parse(s, &((enum zap_policy *)out)[i]);
}

static int parse_thp(const char *s, void *out, unsigned int i)
{
	if (!strcmp(s, "default")) {
		((enum thp_mode *)out)[i] = THP_DEFAULT;
		return 0;
	}
	return thp_mode__parse(s, &((enum thp_mode *)out)[i]);
}

/*
 * The upper bound depends on the guest, known only once every option is
 * read: bench__check_mem().
 */
static int parse_mem(const char *s, void *out, unsigned int i)
{
	uint64_t *v = &((uint64_t *)out)[i];

	return parse_size(s, v) || *v < (16ULL << 20) || (*v & 0xfffff) ?
		       -EINVAL :
		       0;
}

static int parse_cpus(const char *s, void *out, unsigned int i)
{
	uint64_t v;

	if (parse_u64(s, &v) || !v || v > ZAPVM_MAX_CPUS)
		return -EINVAL;
	((unsigned int *)out)[i] = (unsigned int)v;
	return 0;
}

static int parse_prefetch(const char *s, void *out, unsigned int i)
{
	return runopts__prefetch_value(s, &((int *)out)[i]);
}

static int parse_root_zap(const char *s, void *out, unsigned int i)
{
	return runopts__root_zap_value(s, &((int *)out)[i]);
}

/* The spec whole, padding zeroed: list__dup() compares bytes. */
static int parse_dirty_log(const char *s, void *out, unsigned int i)
{
	struct dirty_log_spec sp, *v = &((struct dirty_log_spec *)out)[i];

	if (dirty_log_spec__parse(s, &sp))
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->mode = sp.mode;
	v->init = sp.init;
	v->ring_entries = sp.mode == DIRTY_LOG_RING ? sp.ring_entries : 0;
	return 0;
}

static int parse_count(const char *opt, const char *arg, unsigned int max,
		       unsigned int *out)
{
	uint64_t v;

	if (parse_u64(arg, &v) || !v || v > max) {
		log_err("--%s '%s': expected a number from 1 to %u", opt, arg,
			max);
		return ZAPVM_EXIT_USAGE;
	}
	*out = (unsigned int)v;
	return 0;
}

enum {
	OPT_POLICY = RUNOPT_NEXT,
	OPT_PREFETCH,
	OPT_ROOT_ZAP,
	OPT_RUNS,
	OPT_JOBS,
	OPT_TIMEOUT,
	OPT_CSV,
	OPT_JSON,
	OPT_PLOT,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_BOOT,
	OPT_ROM,
	OPT_UNTIL,
	OPT_GUEST_LOG,
	OPT_SAMPLE_US,
	OPT_BOOT_DONE,
};

static const struct option bench_options[] = {
	RUNOPTS_VM,
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "prefetch", required_argument, NULL, OPT_PREFETCH },
	{ "root-zap", required_argument, NULL, OPT_ROOT_ZAP },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "rom", required_argument, NULL, OPT_ROM },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "guest-log", required_argument, NULL, OPT_GUEST_LOG },
	{ "sample-us", required_argument, NULL, OPT_SAMPLE_US },
	{ "timeline", required_argument, NULL, BENCH_TL_OPT_TIMELINE },
	{ "sample-ms", required_argument, NULL, BENCH_TL_OPT_SAMPLE_MS },
	{ "boot-done", required_argument, NULL, OPT_BOOT_DONE },
	{ "dirty-log", required_argument, NULL, RUNOPT_DIRTY_LOG },
	{ "ram-slots", required_argument, NULL, RUNOPT_RAM_SLOTS },
	{ "trace", optional_argument, NULL, AXES_OPT_TRACE },
	{ "slot-layout", required_argument, NULL, AXES_OPT_SLOT_LAYOUT },
	{ "firmware", required_argument, NULL, AXES_OPT_FIRMWARE },
	{ "vga", required_argument, NULL, AXES_OPT_VGA },
	{ "shm", required_argument, NULL, AXES_OPT_SHM },
	{ 0 },
};

#define OFF(f) offsetof(struct bench_opts, f)

/* The options that take a comma-separated list: one axis of the cells. */
static const struct list_opt {
	int id;
	const char *name, *expect;
	int (*parse)(const char *s, void *out, unsigned int i);
	size_t vals, n; /* in struct bench_opts */
	size_t size; /* of one value, to find a value given twice */
} list_opts[] = {
	{ OPT_POLICY, "policy", "default, all, slot", parse_policy, OFF(policy),
	  OFF(npolicy), sizeof(enum zap_policy) },
	{ RUNOPT_THP, "thp", "on, off, default", parse_thp, OFF(thp), OFF(nthp),
	  sizeof(enum thp_mode) },
	{ RUNOPT_MEM, "mem", "MiB multiples of at least 16M such as 512M or 2G",
	  parse_mem, OFF(mem), OFF(nmem), sizeof(uint64_t) },
	{ RUNOPT_CPUS, "cpus", "vCPU counts, 1 to 32", parse_cpus, OFF(cpus),
	  OFF(ncpus), sizeof(unsigned int) },
	{ OPT_PREFETCH, "prefetch", "on, off", parse_prefetch, OFF(prefetch),
	  OFF(nprefetch), sizeof(int) },
	{ OPT_ROOT_ZAP, "root-zap", "4k, 1g", parse_root_zap, OFF(root_zap),
	  OFF(nroot_zap), sizeof(int) },
	{ RUNOPT_DIRTY_LOG, "dirty-log",
	  "off, bitmap, manual[:init-set|:no-init-set], ring[:N]",
	  parse_dirty_log, OFF(dirty_log), OFF(ndirty_log),
	  sizeof(struct dirty_log_spec) },
	{ AXES_OPT_TRACE, "trace", "off, on, all, required", axes__parse_trace,
	  OFF(trace), OFF(ntrace), sizeof(uint8_t) },
	{ RUNOPT_MEM_BACKEND, "mem-backend",
	  "anon, memfd, shm, hugetlb, file:PATH", axes__parse_backend,
	  OFF(backend), OFF(nbackend), sizeof(struct bench_backend) },
	{ RUNOPT_RAM_SLOTS, "ram-slots", "RAM memslot counts, 1 to 32768",
	  axes__parse_ram_slots, OFF(ram_slots), OFF(nram_slots),
	  sizeof(unsigned int) },
	{ AXES_OPT_SLOT_LAYOUT, "slot-layout", "qemu, split",
	  axes__parse_layout, OFF(layout), OFF(nlayout),
	  sizeof(enum slot_layout) },
};

#define NLIST (ARRAY_SIZE(list_opts))

/* The options that take a number from 1 to a maximum. */
static const struct {
	int id;
	const char *name;
	unsigned int max;
	size_t val; /* an unsigned int in struct bench_opts */
} count_opts[] = {
	{ OPT_RUNS, "runs", MAX_RUNS, OFF(runs) },
	{ OPT_JOBS, "jobs", MAX_JOBS, OFF(jobs) },
};

/* The options whose value is kept as given. */
static const struct {
	int id;
	size_t val; /* a const char * in struct bench_opts */
} string_opts[] = {
	{ RUNOPT_ARGS, OFF(args) },	   { OPT_CSV, OFF(csv) },
	{ OPT_JSON, OFF(json) },	   { OPT_PLOT, OFF(plot) },
	{ OPT_KERNEL, OFF(kernel) },	   { OPT_INITRD, OFF(initrd) },
	{ OPT_CMDLINE, OFF(cmdline) },	   { OPT_ROM, OFF(rom) },
	{ OPT_GUEST_LOG, OFF(guest_log) }, { OPT_BOOT_DONE, OFF(boot_done) },
};

/* Whether value @k of @vals equals one before it; its index or -1. */
static int list__dup(const struct list_opt *l, const char *vals, unsigned int k)
{
	for (unsigned int i = 0; i < k; i++)
		if (!memcmp(vals + i * l->size, vals + k * l->size, l->size))
			return (int)i;
	return -1;
}

/* Whether list option @id was on the command line. */
static bool list__given(const struct bench_opts *o, int id)
{
	for (unsigned int i = 0; i < NLIST; i++)
		if (list_opts[i].id == id)
			return o->given & (1U << i);
	return false;
}

/* What list @l takes, after its value @arg was refused: 64. */
static int list_opt__expected(const struct list_opt *l, const char *arg)
{
	log_err("--%s '%s': expected a comma-separated list of %s (at most "
		"%d)",
		l->name, arg, l->expect, MAX_VALUES);
	return ZAPVM_EXIT_USAGE;
}

/*
 * Split @arg at commas and parse each value into @o. An empty element
 * ("all," as ",") and a value given twice are refused: a duplicate would
 * run the same cells twice and print a policy's ratio over itself.
 */
static int list_opt__apply(const struct list_opt *l, const char *arg,
			   struct bench_opts *o)
{
	char *vals = (char *)o + l->vals, tok[64];
	unsigned int *n = (unsigned int *)((char *)o + l->n);
	const char *s = arg;
	size_t len;

	for (*n = 0;; s += len + 1) {
		len = strcspn(s, ",");
		if (!len && *arg) {
			log_err("--%s '%s': an empty value (each value "
				"between commas)",
				l->name, arg);
			return ZAPVM_EXIT_USAGE;
		}
		if (!len || len >= sizeof(tok) || *n == MAX_VALUES)
			break;
		memcpy(tok, s, len);
		tok[len] = '\0';
		if (l->parse(tok, vals, *n))
			break;
		if (list__dup(l, vals, *n) >= 0) {
			log_err("--%s '%s': %s is given twice (each value "
				"once)",
				l->name, arg, tok);
			return ZAPVM_EXIT_USAGE;
		}
		(*n)++;
		if (!s[len])
			return 0;
	}
	return list_opt__expected(l, arg);
}

/* Parse state beside @o: what only the checks after getopt need. */
struct parse_state {
	bool boot_given, until_given;
	const char *until; /* --until's value */
	const char *mem_arg; /* --mem as given; NULL: the default */
	int argc; /* the command line, for --trace LIST */
	char **argv;
};

/* The options with a parser of their own; 1 if @c is not one of them. */
static int bench__opt_special(int c, struct bench_opts *o,
			      struct parse_state *ps)
{
	uint64_t v;
	unsigned int secs = 0;
	int ret;

	switch (c) {
	case OPT_TIMEOUT:
		ret = parse_count("timeout", optarg, 86400, &secs);
		o->timeout_s = secs;
		return ret;
	case OPT_BOOT:
		ps->boot_given = true;
		return runopts__parse_boot(optarg, &o->boot);
	case OPT_UNTIL:
		ps->until_given = true;
		ps->until = optarg;
		if (!strcmp(optarg, "poweroff")) {
			o->until_poweroff = true;
		} else if (!strcmp(optarg, "boot-done")) {
			o->until_boot_done = true;
		} else if (strcmp(optarg, "exit")) {
			log_err("--until '%s': expected boot-done, poweroff "
				"(--kernel) or exit (bench exec)",
				optarg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case OPT_SAMPLE_US:
		if (parse_u64(optarg, &v) || v > 100000) {
			log_err("--sample-us '%s': expected a number from 0 to "
				"100000",
				optarg);
			return ZAPVM_EXIT_USAGE;
		}
		o->sample_us = (unsigned int)v;
		o->sample_given = true;
		return 0;
	default:
		return 1;
	}
}

/* One option @c from getopt_long(): 0, -1 after --help, or 64. */
static int bench__opt(int c, struct bench_opts *o, struct parse_state *ps)
{
	int ret;

	const char *arg = optarg;

	/* --trace alone is "on"; --trace LIST takes the next word too. */
	if (c == AXES_OPT_TRACE && !arg) {
		arg = "on";
		if (optind < ps->argc && axes__trace_list(ps->argv[optind]))
			arg = ps->argv[optind++];
	}
	if (c == AXES_OPT_TRACE && strstr(arg, "required"))
		o->trace_required = true;
	for (unsigned int i = 0; i < NLIST; i++) {
		if (list_opts[i].id == c) {
			o->given |= 1U << i;
			if (c == RUNOPT_MEM)
				ps->mem_arg = optarg;
			return list_opt__apply(&list_opts[i], arg, o);
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(count_opts); i++)
		if (count_opts[i].id == c)
			return parse_count(count_opts[i].name, optarg,
					   count_opts[i].max,
					   (unsigned int *)((char *)o +
							    count_opts[i].val));
	for (unsigned int i = 0; i < ARRAY_SIZE(string_opts); i++) {
		if (string_opts[i].id == c) {
			*(const char **)((char *)o + string_opts[i].val) =
				optarg;
			return 0;
		}
	}
	ret = bench__opt_special(c, o, ps);
	if (ret == 1)
		ret = axes__opt(c, optarg, o);
	if (ret == 1)
		ret = bench_tl__opt(c, optarg, o);
	if (ret != 1)
		return ret;
	if (c == 'h') {
		bench__usage(stdout);
		return -1;
	}
	if (!common_opt(c)) {
		bench__usage(stderr);
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

/* The command's defaults, before the options and the scenario's. */
static void bench__defaults(struct bench_opts *o)
{
	o->policy[0] = ZAP_ALL;
	o->policy[1] = ZAP_SLOT;
	o->npolicy = 2;
	o->thp[0] = THP_OFF;
	o->nthp = 1;
	o->mem[0] = 512ULL << 20;
	o->nmem = 1;
	o->cpus[0] = 1;
	o->ncpus = 1;
	o->prefetch[0] = o->root_zap[0] = -1;
	o->nprefetch = o->nroot_zap = 1;
	o->ndirty_log = 1; /* off */
	o->runs = 5;
	o->jobs = 1;
	o->timeout_s = 600;
	o->sample_us = 100;
	axes__defaults(o);
}

/* The scenario's list defaults, for the lists not given. */
static int bench__scenario_defaults(struct bench_opts *o)
{
	const struct bench_default *d = o->sc->defaults;
	int ret;

	for (; d && d->opt; d++) {
		for (unsigned int i = 0; i < NLIST; i++) {
			if (strcmp(list_opts[i].name, d->opt) ||
			    (o->given & (1U << i)))
				continue;
			ret = list_opt__apply(&list_opts[i], d->value, o);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* bench exec: the options a VMM's run takes, its arguments. */
static int bench__combine_vmm(struct bench_opts *o,
			      const struct parse_state *ps)
{
	if (o->kernel || o->initrd || o->cmdline || ps->boot_given || o->rom ||
	    o->args || o->sample_given) {
		log_err("bench exec: --kernel, --initrd, --cmdline, --boot, "
			"--rom, --args and --sample-us are not for an external "
			"VMM: give them in its arguments");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->until_poweroff) {
		log_err("bench exec: --until boot-done or exit");
		return ZAPVM_EXIT_USAGE;
	}
	return vmm__check_opts(o, list__given(o, RUNOPT_MEM),
			       list__given(o, RUNOPT_CPUS));
}

/* What goes with what, once every option is known. */
static int bench__combine(struct bench_opts *o, const struct parse_state *ps)
{
	int ret = bench__stdout(o);

	if (!ret)
		ret = bench__distinct_outputs(o);
	if (ret)
		return ret;
	if (list__given(o, RUNOPT_DIRTY_LOG) && !o->sc->dirty_log) {
		log_err("bench %s: --dirty-log goes with dirtylog, vcpustall "
			"and zaplat",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->sc->vmm) {
		ret = bench__combine_vmm(o, ps);
		return ret ? ret : bench__scenario_defaults(o);
	}
	if (o->vmm_argv && o->vmm_argv[0]) {
		log_err("bench %s: no VMM arguments (only bench exec takes "
			"-- VMM [ARGS...])",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->boot_done) {
		log_err("bench %s: --boot-done goes with bench exec",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (ps->until && !strcmp(ps->until, "exit")) {
		log_err("bench %s: --until exit goes with bench exec",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->kernel && (o->initrd || o->cmdline || ps->boot_given ||
			   o->rom || ps->until_given || o->guest_log)) {
		log_err("bench: --initrd, --cmdline, --boot, --rom, --until and "
			"--guest-log go with --kernel");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel && !scenario__find(o->sc->name, true)) {
		log_err("bench %s: --kernel goes with the boot scenario only",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel && o->args) {
		log_err("bench boot: --args is for bootsim; give the kernel its "
			"--cmdline");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->sample_given && !o->sc->sample_us) {
		log_err("bench %s: --sample-us goes with vcpustall only",
			o->sc->name);
		return ZAPVM_EXIT_USAGE;
	}
	if (o->kernel)
		o->sc = scenario__find(o->sc->name, true);
	return bench__scenario_defaults(o);
}

/*
 * The largest --mem: bootsim's page tables map ZAPVM_BOOT_MAX_GIB (refused
 * as a list value, as before); a Linux guest takes what `run --kernel`
 * takes (runopts__check_linux_mem_size()).
 */
static int bench__check_mem(const struct bench_opts *o,
			    const struct parse_state *ps)
{
	const struct list_opt *l = NULL;
	int ret;

	for (unsigned int i = 0; i < NLIST; i++)
		if (list_opts[i].id == RUNOPT_MEM)
			l = &list_opts[i];
	for (unsigned int i = 0; i < o->nmem && !o->sc->vmm; i++) {
		if (o->kernel) {
			ret = runopts__check_linux_mem_size(o->mem[i],
							    ps->mem_arg);
			if (ret)
				return ret;
		} else if (o->mem[i] > ZAPVM_BOOT_MAX_GIB << 30) {
			return list_opt__expected(l, ps->mem_arg);
		}
	}
	return 0;
}

int bench__parse(int argc, char **argv, struct bench_opts *o)
{
	struct parse_state ps = { 0 };
	char names[256];
	int c, ret = 0;

	ps.argc = argc;
	ps.argv = argv;
	bench__defaults(o);
	optind = 1;
	while (!ret &&
	       (c = getopt_long(argc, argv, "vqh", bench_options, NULL)) != -1)
		ret = bench__opt(c, o, &ps);
	if (ret)
		return ret;
	scenario__names(names, sizeof(names), ", ");
	/*
	 * "--" ends bench's options: getopt_long() put the scenario right
	 * behind it, and bench exec's VMM [ARGS...] follow (NULL-terminated,
	 * as argv is).
	 */
	if (optind < argc && !strcmp(argv[optind - 1], "--")) {
		o->vmm_argv = argv + optind + 1;
		argc = optind + 1;
	}
	if (optind != argc - 1) {
		log_err("bench: expected exactly one SCENARIO (%s), got %d%s",
			names, argc - optind,
			optind < argc && !strcmp(argv[optind], "exec") ?
				"; bench exec takes its VMM after --" :
				"");
		return ZAPVM_EXIT_USAGE;
	}
	o->sc = scenario__find(argv[optind], false);
	if (!o->sc) {
		log_err("bench: unknown scenario '%s' (%s)", argv[optind],
			names);
		return ZAPVM_EXIT_USAGE;
	}
	ret = bench__combine(o, &ps);
	if (!ret)
		ret = bench_tl__combine(o);
	if (!ret)
		ret = axes__combine(o, list__given(o, AXES_OPT_SLOT_LAYOUT),
				    list__given(o, AXES_OPT_TRACE) ||
					    list__given(o,
							RUNOPT_MEM_BACKEND) ||
					    list__given(o, RUNOPT_RAM_SLOTS));
	if (!ret && o->firmware && ps.boot_given) {
		log_err("bench: --firmware hands the kernel over itself; no "
			"--boot goes with it");
		ret = ZAPVM_EXIT_USAGE;
	}
	return ret ? ret : bench__check_mem(o, &ps);
}

/* The command line, quoted for a POSIX shell where needed. */
static void bench__cmdline(struct bench *b, int argc, char **argv)
{
	size_t len = sizeof(b->cmdline), n;

	b->argv = malloc(sizeof(*argv) * (size_t)argc);
	if (b->argv) {
		memcpy(b->argv, argv, sizeof(*argv) * (size_t)argc);
		b->argc = argc;
	}
	n = (size_t)snprintf(b->cmdline, len, "zapvm");
	for (int i = 0; i < argc && n < len; i++) {
		const char *a = argv[i];
		bool plain = *a &&
			     strspn(a, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-_=,./:@+%") == strlen(a);

		if (plain) {
			n += (size_t)snprintf(b->cmdline + n, len - n, " %s",
					      a);
			continue;
		}
		n += (size_t)snprintf(b->cmdline + n, len - n, " '");
		for (; *a && n < len - 5; a++) {
			if (*a == '\'')
				n += (size_t)snprintf(b->cmdline + n, len - n,
						      "'\\''");
			else
				b->cmdline[n++] = *a;
		}
		n += (size_t)snprintf(b->cmdline + n, len - n, "'");
	}
	if (n >= len)
		b->cmdline[len - 1] = '\0';
}

static void bench__free(struct bench *b)
{
	for (unsigned int k = 0; b->cells && k < b->ncells; k++) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			free(b->cells[k].values[i]);
		json_object_put(b->cells[k].runs);
		json_object_put(b->cells[k].timeline);
		for (char **a = b->cells[k].argv; a && *a; a++)
			free(*a);
		free(b->cells[k].argv);
	}
	free(b->cells);
	free(b->argv);
	axes__free(&b->o);
	json_object_put(b->host.json);
	json_object_put(b->linux_env);
	json_object_put(b->vmm_env);
	/* Only failed runs' logs are left: keep the directory for them. */
	if (b->log_dir[0] && !b->keep_logs)
		rmdir(b->log_dir);
}

/* The table, on standard error when an output has standard output. */
static int bench__table(const struct bench *b)
{
	FILE *f = b->o.table_stderr ? stderr : stdout;

	errno = 0;
	bench__print(b, f);
	if (f == stdout && (fflush(stdout) || ferror(stdout))) {
		log_err("bench: standard output: write failed: %s",
			strerror(errno ? errno : EIO));
		return ZAPVM_EXIT_IOERR;
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static struct bench_signals saved;
	struct bench b = { 0 };
	struct json_object *j;
	time_t now = time(NULL);
	int ret, wret;

	/* Before getopt_long() permutes argv. */
	bench__cmdline(&b, argc, argv);
	ret = bench__parse(argc, argv, &b.o);
	if (ret) {
		ret = ret < 0 ? 0 : ret;
		goto out;
	}
	ret = bench__check_outputs(&b.o);
	if (ret)
		goto out;
	ret = bench__host(&b.host);
	if (ret)
		goto out;
	ret = bench__check(&b.host, &b.o);
	if (ret)
		goto out;
	axes__extend(&b);
	if (b.o.kernel)
		ret = linux__preflight(&b);
	if (ret)
		goto out;
	b.guest = b.o.sc->guest ? builtin__find(b.o.sc->guest) : NULL;
	if (!b.guest && b.o.sc->guest) {
		log_err("bench: builtin guest %s missing", b.o.sc->guest);
		ret = ZAPVM_EXIT_SOFTWARE;
		goto out;
	}
	ret = bench__cells(&b);
	if (!ret && b.o.sc->preflight)
		ret = b.o.sc->preflight(&b);
	if (!ret)
		ret = axes__preflight(&b);
	if (ret)
		goto out;
	strftime(b.date, sizeof(b.date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (log_level >= LOG_INFO)
		bench__tiny(&b);

	bench__catch_signals(&saved);
	b.t0 = now_ns();
	ret = bench__run_all(&b);
	bench__release_signals(&saved);
	if (b.interrupted)
		log_err("bench: interrupted: %u of %u runs finished; writing "
			"those",
			b.done, b.total);

	bench__summarise(&b);
	axes__measured_floors(&b);
	wret = bench__table(&b);
	ret = ret ? ret : wret;
	if (b.o.csv) {
		wret = bench__csv(&b, b.o.csv);
		ret = ret ? ret : wret;
	}
	if (b.o.json) {
		j = bench__json(&b);
		wret = j ? report__write_json(j, b.o.json) :
			   ZAPVM_EXIT_SOFTWARE;
		json_object_put(j);
		ret = ret ? ret : wret;
	}
	if (b.o.plot) {
		wret = bench__plot(&b, b.o.plot);
		ret = ret ? ret : wret;
	}
	if (b.o.timeline) {
		wret = bench_tl__plot(&b, b.o.timeline);
		ret = ret ? ret : wret;
	}
	if (!ret && b.interrupted)
		ret = ZAPVM_EXIT_INTERRUPTED;
	if (!ret)
		ret = b.first_error;
out:
	bench__free(&b);
	return ret;
}
