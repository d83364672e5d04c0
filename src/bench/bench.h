/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zapvm bench, private: the scenario contract and the types its runner,
 * writers and scenarios share. One scenario over the cross product of VM
 * shapes and zap policies; each run is a fresh VM in a child process that
 * sends its figures back over a pipe (runner.c says why).
 */
#ifndef ZAPVM_BENCH_H
#define ZAPVM_BENCH_H

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zapvm/backing.h"
#include "zapvm/benchstat.h"
#include "zapvm/builtin.h"
#include "zapvm/knob.h"
#include "zapvm/util.h"
#include "zapvm/kvm.h"
#include "zapvm/pam.h"
#include "zapvm/runopts.h"
#include "zapvm/vm.h"
#include "zapvm/util.h"

#define MAX_VALUES 8
#define MAX_METRICS 32
#define MAX_FLOORS 6
#define MAX_RUNS 1000
#define MAX_JOBS 64
#define MAX_CELLS 4096
#define MAX_RESULT (1U << 20)
/* A sampled run's result: its timeline's JSON too. */
#define MAX_RESULT_TIMELINE (256U << 20)
#define PAGE_4K 4096ULL
#define PAGE_2M (2ULL << 20)
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

struct zap_probe;

/* ---- the scenario contract ---------------------------------------------- */

enum {
	M_TABLE = 1 << 0, /* a column of the terminal table */
	M_RATIO = 1 << 1, /* its policy ratio is printed on the terminal */
	M_PLOT = 1 << 2, /* a panel of --plot */
};

struct bench_metric {
	const char *name;
	const char *unit; /* "" for counts */
	const char *title; /* column heading */
	unsigned int flags;
};

/* The minimum a policy could reach, from the guest's parameters. */
struct bench_floor {
	const char *name;
	const char *metric; /* the metric it bounds */
	double v4k, v2m; /* with 4 KiB mappings; with 2 MiB (THP) mappings */
};

/* A list option's value when the command line does not give one. */
struct bench_default {
	const char *opt; /* "policy", "prefetch", "root-zap", ... */
	const char *value; /* as on the command line: "on,off" */
};

struct bench;
struct bench_cell;
struct bench_host;
struct bench_opts;

/*
 * A scenario fills this in, in its own scenario-NAME.c, and gets a row in
 * scenarios.c. The runner, the option parser and the writers read only
 * these fields: nothing recognises a scenario otherwise.
 */
struct bench_scenario {
	const char *name; /* on the command line; unique with @kernel */
	const char *seed; /* the reference patch it reproduces */
	const char *what;
	const char *guest; /* builtin guest; NULL with @kernel */
	bool kernel; /* the variant `--kernel` selects: a Linux guest */
	bool sample_us; /* takes --sample-us */
	bool dirty_log; /* takes --dirty-log (a list: one axis) */
	bool timeline; /* takes --timeline, --sample-ms (out-timeline.c) */
	/* List options' defaults over the command's; NULL-terminated. */
	const struct bench_default *defaults;
	const struct bench_metric *metrics;
	unsigned int nmetrics;
	/* 0, or ZAPVM_EXIT_UNAVAILABLE after "not supported ..." in @why;
	 * NULL: the scenario runs wherever KVM does. */
	int (*check)(const struct bench_host *h, const struct bench_opts *o,
		     char *why, size_t len);
	/* The guest's args and floors for @c (base = first free GPA). */
	void (*prepare)(struct bench_cell *c, uint64_t guest_base,
			const char *user_args);
	/*
	 * The run's VM hook, NULL for none: set @zp's ops and period (the
	 * runner sets its control block and rounds).
	 */
	void (*probe_setup)(struct zap_probe *zp, const struct bench_opts *o);
	/* @zp: the VM hook's results, NULL without a probe. */
	void (*collect)(const struct bench_cell *c, const struct vm_result *res,
			const struct zap_probe *zp, double *v);
	/* Takes VMM [ARGS...] after "--": bench exec. */
	bool vmm;
	/*
	 * NULL, or once before any run, after the cells are made: check the
	 * scenario's inputs, record them in the environment, finish the
	 * cells. 0 or an exit status after one line on stderr.
	 */
	int (*preflight)(struct bench *b);
	/*
	 * NULL: the run is vm__run() on the builtin or Linux guest, and
	 * collect() reads it. Else the run itself, in the run's child with
	 * its console on the run's log: fill @v (NAN where unknown) and add
	 * to @rec what the runner reads ("iface", "wall_ms", "setup_ms",
	 * "phases", "warning": a line the runner prints once per cell) and
	 * the scenario's own members. Returns the run's exit status, 0 for a
	 * run whose figures count.
	 */
	int (*run)(const struct bench *b, const struct bench_cell *c, double *v,
		   struct json_object *rec);
};

/* usage.c: zapvm bench's usage text on @f. */
void bench__usage(FILE *f);

/* scenarios.c: every scenario, in the order usage lists them. */
extern const struct bench_scenario *const bench_scenarios[];
extern const unsigned int bench_nscenarios;

/*
 * scenario__find - the scenario called @name, its Linux variant if
 * @kernel; NULL if none.
 */
const struct bench_scenario *scenario__find(const char *name, bool kernel);

/* scenario__names - "boot, memslot, ...": @last joins the last two. */
void scenario__names(char *buf, size_t len, const char *last);

#define NMETRICS(m) (ARRAY_SIZE(m))

/* ---- cells, host, options ------------------------------------------------ */

struct bench_cell {
	enum zap_policy policy;
	enum thp_mode thp;
	uint64_t mem;
	unsigned int cpus;
	int prefetch; /* -1: left alone, else 0/1 */
	int root_zap; /* -1: left alone, else 1 = 4k, 0 = 1g */
	struct dirty_log_spec dirty_log; /* --dirty-log; the VM's */
	char args[256];
	char **argv; /* bench exec: the VMM's, placeholders expanded */
	/* The memory, trace and firmware axes (axes.c). */
	uint8_t trace; /* enum bench_trace: whether the run traces its VM */
	enum mem_backend backend;
	const char *mem_file; /* file:PATH's PATH */
	uint64_t hugepage_size; /* hugetlb: 2 MiB or 1 GiB */
	bool prefault;
	unsigned int ram_slots; /* 0: one memslot per RAM range */
	enum slot_layout layout; /* --firmware only */
	/* The run's child only: this run's --sample-ms, 0: not sampled. */
	unsigned int sample_ms;
	struct json_object *timeline; /* the sampled run's, or NULL */
	unsigned int timeline_run; /* its number, from 1 */
	char axes[96]; /* axes__label(), for cell__label() */
	uint64_t guest_param; /* pages touched etc., for per-page metrics */
	uint64_t ctl_gpa; /* the progress guest's control block */
	struct bench_floor floors[MAX_FLOORS];
	unsigned int nfloors;
	bool floor_2m; /* the 2 MiB floor applies (THP on) */

	unsigned int nok, nfailed, ninterrupted;
	int first_error;
	bool warned; /* a run's "warning" was printed */
	enum zap_iface iface;
	double *values[MAX_METRICS]; /* [metric][successful run] */
	double ms_sum, vm_run_ms_sum, job_ms_sum; /* bench overhead */
	struct json_object *runs;
	struct bstat stat[MAX_METRICS];
};

struct bench_host {
	struct json_object *json; /* report__host() */
	char kernel[128];
	char mmu[32];
	struct mmu_info mmu_info;
	char thp_enabled[32]; /* the bracketed word, or "unknown" */
	bool slot_ok;
	bool knob_prefetch, knob_root_zap;
	struct knob_pair knobs; /* set per cell group, restored */
};

struct bench_opts {
	const struct bench_scenario *sc;
	enum zap_policy policy[MAX_VALUES];
	enum thp_mode thp[MAX_VALUES];
	uint64_t mem[MAX_VALUES];
	unsigned int cpus[MAX_VALUES];
	int prefetch[MAX_VALUES], root_zap[MAX_VALUES];
	unsigned int npolicy, nthp, nmem, ncpus, nprefetch, nroot_zap;
	struct dirty_log_spec dirty_log[MAX_VALUES];
	unsigned int ndirty_log;
	unsigned int given; /* list options given, one bit each (main.c) */
	unsigned int runs, jobs;
	uint64_t timeout_s;
	unsigned int sample_us; /* vcpustall's VMM sampler; 0: none */
	bool sample_given;
	const char *timeline; /* --timeline FILE.svg */
	unsigned int sample_ms; /* --sample-ms: run 1 of each cell; 0: none */
	const char *args;
	const char *csv, *json, *plot; /* "-": standard output */
	bool table_stderr; /* one of them is standard output */
	/* boot --kernel: a Linux guest instead of bootsim */
	const char *kernel, *initrd, *cmdline, *rom, *guest_log;
	enum linux_boot boot;
	bool until_poweroff; /* --until poweroff; else stop at boot-done */
	/* bench exec */
	char **vmm_argv; /* VMM [ARGS...] as given, NULL-terminated */
	const char *boot_done; /* --boot-done REGEX; NULL: exec's default */
	bool until_boot_done; /* --until boot-done; else the VMM's exit */
	/* The memory, trace and firmware axes (axes.c). */
	uint8_t trace[MAX_VALUES]; /* --trace off,on,all: enum bench_trace */
	struct bench_backend {
		enum mem_backend kind;
		const char *path; /* file:PATH, owned */
	} backend[MAX_VALUES];
	unsigned int ram_slots[MAX_VALUES];
	enum slot_layout layout[MAX_VALUES];
	unsigned int ntrace, nbackend, nram_slots, nlayout;
	bool trace_required; /* --trace=required */
	uint64_t hugepage_size; /* --hugepage-size; 0: 2 MiB */
	bool prefault;
	const char *firmware; /* --firmware seabios|FILE, with --kernel */
	bool vga_std; /* --vga std */
	uint64_t shm_size; /* --shm SIZE */
};

struct bench {
	struct bench_opts o;
	struct bench_host host;
	const struct builtin_guest *guest;
	struct bench_cell *cells;
	unsigned int ncells;
	unsigned int done, total; /* runs */
	bool interrupted;
	int first_error;
	uint64_t t0;
	double tiny_vm_ms; /* -v: create-to-destroy of a tiny guest */
	char cmdline[4096];
	char **argv; /* as given, before getopt_long() permuted it */
	int argc;
	char date[32];
	/* boot --kernel */
	enum linux_boot boot_mode; /* --boot, auto resolved */
	struct json_object *linux_env; /* in the environment record */
	char log_dir[4096]; /* the runs' console logs */
	bool keep_logs; /* --guest-log: all; else only failed runs' */
	/* bench exec */
	char vmm_path[4096]; /* as resolved */
	struct json_object *vmm_env; /* in the environment record */
	/* The scenario with the axes' metrics after its own (axes.c). */
	struct bench_scenario sc_ext;
	struct bench_metric metrics_ext[MAX_METRICS];
	unsigned int nbase; /* the scenario's own metrics */
	const char *untraced; /* why traced cells ran untraced, or NULL */
};

/* ---- main.c --------------------------------------------------------------- */

/*
 * bench__parse - the command line into @o (@o zeroed by the caller): 0,
 * -1 after --help, or ZAPVM_EXIT_USAGE after one line on stderr.
 */
int bench__parse(int argc, char **argv, struct bench_opts *o);

/* ---- outputs.c: --csv, --json and --plot checked before any run ---------- */

/*
 * bench__stdout - "-" is standard output for every output; two there are
 * refused (64 after one line). With one, the table goes to standard error
 * (sets o->table_stderr).
 */
int bench__stdout(struct bench_opts *o);

/* bench__distinct_outputs - 0, or 64 after one line if two are one file. */
int bench__distinct_outputs(const struct bench_opts *o);

/*
 * bench__check_outputs - every output file can be made: 0, 64 for a path
 * too long, 74 after outfile__check's line.
 */
int bench__check_outputs(const struct bench_opts *o);

/* ---- host.c: the host probe and the checks before any run ------------------ */

/* bench__host - probe the host into @h: 0 or an exit status. */
int bench__host(struct bench_host *h);

/* bench__check - 0, or one line on stderr and 69 if the host cannot do @o. */
int bench__check(const struct bench_host *h, const struct bench_opts *o);

/*
 * host__need_tdp - for a scenario's check: 0 on the TDP MMU, else 69 with
 * "@scenario: not supported on this host: ..." in @why.
 */
int host__need_tdp(const struct bench_host *h, const char *scenario, char *why,
		   size_t len);

/*
 * host__need_knob - the same for a scenario that compares the two values
 * (@compares, "prefetch on vs off") of the series' knob @path: 0 if
 * @present, else 69 with the reason in @why.
 */
int host__need_knob(bool present, const char *scenario, const char *compares,
		    const char *path, char *why, size_t len);

/*
 * linux__preflight - bench boot --kernel: check the inputs (66 missing,
 * 65 malformed, 64 a bad --rom), record them for the environment block,
 * make the console logs' directory. 0 or that exit status.
 */
int linux__preflight(struct bench *b);

/*
 * bench__log_dir - the runs' console logs' directory: --guest-log DIR
 * (all logs kept), else a fresh one under $TMPDIR. 0, 64 or 74.
 */
int bench__log_dir(struct bench *b);

/* ---- cells.c: the policy x shape matrix ------------------------------------ */

/*
 * bench__cells - expand @b->o into @b->cells, policy innermost, and let
 * the scenario prepare each; 0 or an exit status after one line.
 */
int bench__cells(struct bench *b);

const char *cell__thp_name(enum thp_mode t);
const char *cell__onoff(int v); /* "-" for -1 */
const char *cell__root_zap_name(int v); /* "-" for -1 */
/* cell__label - "policy=all thp=off mem=512M cpus=1 ..." */
void cell__label(const struct bench_cell *c, char *buf, size_t len);
void cell__add_floor(struct bench_cell *c, const char *name, const char *metric,
		     double v4k, double v2m);
/* cell__floor - @c's floor of @metric, or NULL. */
const struct bench_floor *cell__floor(const struct bench_cell *c,
				      const char *metric);
/* floor__value - the floor that applies to @c (4 KiB or 2 MiB). */
double floor__value(const struct bench_cell *c, const struct bench_floor *f);

/* ---- metrics.c: a run's phase log, guest args, statistics ------------------ */

/* phase__index - the index of phase @name in @res's log, or -1. */
int phase__index(const struct vm_result *res, const char *name);
/* phase__val - stat @stat of @scope in phase @phase; NAN if none. */
double phase__val(const struct vm_result *res, int phase,
		  enum phase_scope scope, const char *stat);
/* phase__sum_from - @stat summed over the phases from @from on; NAN. */
double phase__sum_from(const struct vm_result *res, unsigned int from,
		       enum phase_scope scope, const char *stat);
/* phase__stat_at_end - an instant VM stat (pages_4k, ...) at the end. */
double phase__stat_at_end(const struct vm_result *res, const char *stat);
/* args__u64 - the value of "key=N" in a zapvm,args string, or @def. */
uint64_t args__u64(const char *args, const char *key, uint64_t def);
uint64_t bench__div_up(uint64_t n, uint64_t d);

/* Distinct 2 MiB regions of a set of ranges, with a bitmap over RAM. */
struct regions {
	uint8_t *bits;
	uint64_t n, count;
};

int regions__init(struct regions *r, uint64_t mem);
void regions__add(struct regions *r, uint64_t gpa, uint64_t len);

/* bench__summarise - each cell's statistics from its runs' values. */
void bench__summarise(struct bench *b);

/*
 * bench__pairs - call @fn for every metric of every pair of policies of
 * every cell shape: the later-listed policy over the earlier one.
 */
typedef void (*pair_fn)(const struct bench *b, const struct bench_cell *num,
			const struct bench_cell *den, unsigned int metric,
			const struct bratio *r, void *ctx);
void bench__pairs(const struct bench *b, pair_fn fn, void *ctx);

/* ---- runner.c -------------------------------------------------------------- */

/*
 * bench__run_all - every run of every cell, @b->o.jobs at once, until done
 * or an ending signal (bench__catch_signals()); 0 or an exit status.
 */
int bench__run_all(struct bench *b);

/* The dispositions bench__catch_signals() replaced, one per signal. */
struct bench_signals {
	struct sigaction old[NSIG];
};

/*
 * bench__catch_signals - while the runs go on, every ending signal
 * (zapvm/signals.h) only asks bench__run_all() to stop: it ends the runs
 * in flight, puts the knobs back and the finished runs are written (exit
 * 130). The old dispositions go to @saved for bench__release_signals().
 * A run's child puts them back to the default before its VM starts (the
 * VM then takes them as a clean stop, as `zapvm run` does).
 */
void bench__catch_signals(struct bench_signals *saved);
void bench__release_signals(const struct bench_signals *saved);
/* bench__tiny - -v: VM create-to-destroy of the smallest guest. */
void bench__tiny(struct bench *b);

/* ---- child.c: a run's child ------------------------------------------------ */

/*
 * bench__child - never returns: runs @c once, run @run (from 0; sampled
 * when bench_tl__period() says so), its console on @log for a Linux
 * guest, writes its JSON result to @fd and exits with the run's status.
 * @mask is the signal mask it goes back to.
 */
void __attribute__((noreturn))
bench__child(const struct bench *b, const struct bench_cell *c,
	     unsigned int run, int fd, const char *log, const sigset_t *mask);

/* child__phases - the run's phases: name, time and faults of each. */
struct json_object *child__phases(const struct vm_result *res);

/* ---- vmm.c: bench exec's VMM, its command line and its record ---------------- */

enum {
	VMM_P_MEM = 1 << 0, /* {mem}, {mem_mib}, {mem_bytes} */
	VMM_P_CPUS = 1 << 1, /* {cpus} */
};

/*
 * vmm__expand - @tmpl with each {NAME} replaced: {mem} and {mem_mib} by
 * @mem in MiB, {mem_bytes} by @mem in bytes, {cpus} by @cpus, all plain
 * decimal numbers; "{{" is one "{", and a "{" not followed by NAME and
 * "}" (NAME: a-z, 0-9, _) is itself. Returns a malloc()ed string, *@used
 * ORed with the VMM_P_* met; NULL with errno EINVAL for an unknown
 * {NAME}, the first one copied to @bad (@badlen bytes), or ENOMEM.
 */
char *vmm__expand(const char *tmpl, uint64_t mem, unsigned int cpus,
		  unsigned int *used, char *bad, size_t badlen);

/*
 * vmm__check_opts - bench exec's command line: a VMM after "--", every
 * placeholder known, --mem and --cpus lists only with their placeholder.
 * 0 or 64 after one line.
 */
int vmm__check_opts(const struct bench_opts *o, unsigned int given_mem,
		    unsigned int given_cpus);

/*
 * vmm__preflight - find the VMM and the preload library (66, 77, 69 as
 * zapvm exec), ask its version, record it, its arguments and the run
 * options in the environment, make the console logs' directory and give
 * every cell its expanded argv. 0 or an exit status after one line.
 */
int vmm__preflight(struct bench *b);

/* vmm__env - bench exec: the VMM's record as text lines (@pfx each). */
void vmm__env(const struct bench *b, FILE *f, const char *pfx);

/* ---- spawn.c --------------------------------------------------------------- */

/* spawn__in_path - whether a directory in $PATH holds an executable @name. */
bool spawn__in_path(const char *name);

/*
 * spawn__run - run @argv[0] (found in $PATH) with @argv, its stdout on
 * @out_fd or /dev/null when @out_fd < 0; with @quiet its stdin and stderr
 * are /dev/null too. The child's pid, or -1 if fork() failed.
 */
pid_t spawn__run(char *const argv[], int out_fd, bool quiet);

/* spawn__wait - wait for @pid: its exit status, or -1 if it did not exit. */
int spawn__wait(pid_t pid);

/* ---- axes.c: --trace, the memory axes, --firmware ------------------------ */

/* bench__parse's ids of the options only bench has for the axes. */
enum {
	AXES_OPT_FIRMWARE = 512,
	AXES_OPT_VGA,
	AXES_OPT_SHM,
	AXES_OPT_TRACE,
	AXES_OPT_SLOT_LAYOUT,
};

/* List parsers (main.c's list table): 0 or -EINVAL. */
int axes__parse_trace(const char *s, void *out, unsigned int i);
int axes__parse_backend(const char *s, void *out, unsigned int i);
int axes__parse_ram_slots(const char *s, void *out, unsigned int i);
int axes__parse_layout(const char *s, void *out, unsigned int i);
/* A cell's --trace: off, on (faults and zaps), all (kvm_exit too). */
enum bench_trace { BENCH_TRACE_OFF, BENCH_TRACE_ON, BENCH_TRACE_ALL };

/* axes__trace_name - "off", "on" or "all". */
const char *axes__trace_name(uint8_t t);

/* axes__trace_list - whether @s is a --trace list (off, on, all, required). */
bool axes__trace_list(const char *s);
/*
 * axes__opt - --hugepage-size, --prefault, --firmware, --vga, --shm: 0,
 * 64 after one line, or 1 when @c is none of them.
 */
int axes__opt(int c, const char *arg, struct bench_opts *o);
/* axes__defaults - the axes' one default value, for each list left empty. */
void axes__defaults(struct bench_opts *o);
/*
 * axes__combine - what goes with what: 0 or 64 after one line.
 * @layout_given: --slot-layout was given; @axes_given: any of --trace,
 * --mem-backend, --ram-slots.
 */
int axes__combine(struct bench_opts *o, bool layout_given, bool axes_given);
void axes__free(struct bench_opts *o);
/* axes__cfg - @c's backing, RAM slots, trace-less firmware into @cfg. */
void axes__cfg(const struct bench *b, const struct bench_cell *c,
	       struct vm_config *cfg);
/* axes__backend_name - "anon", "hugetlb-2M", "file", ... */
const char *axes__backend_name(const struct bench_cell *c);
/* axes__label - " trace=on backing=memfd ..." for the axes in use. */
void axes__label(const struct bench *b, const struct bench_cell *c, char *buf,
		 size_t len);
/*
 * axes__preflight - before any run: hugetlb cells' pages (69 after one
 * line naming the sysctl), and whether traced cells can trace (77 with
 * --trace=required after one line; else one line, and they run untraced).
 */
int axes__preflight(struct bench *b);

/* ---- axes-metrics.c: the axes' metrics and reports -------------------------- */

struct trace_run;

/*
 * axes__extend - @b->sc_ext: the scenario with the metrics of the axes in
 * use after its own (refaults, floor_gfns, faults_over_floor with
 * --trace; POST, kernel and the changes by cause with --firmware), made
 * @b->o.sc. Before bench__cells().
 */
void axes__extend(struct bench *b);
/*
 * axes__collect - the axes' metrics of one run into @v (after the
 * scenario's own): @tr the run's trace (NULL: untraced, NAN).
 */
void axes__collect(const struct bench *b, const struct bench_cell *c,
		   const struct vm_result *res, const struct trace_run *tr,
		   double *v);
/*
 * axes__measured_floors - boot --kernel: a traced cell's total floor is
 * the mean of its measured floor_gfns (the floor a real kernel has no
 * other way to give). After bench__summarise().
 */
void axes__measured_floors(struct bench *b);
/* axes__floor_measured - whether @c's floors were measured (traced). */
bool axes__floor_measured(const struct bench *b, const struct bench_cell *c);
/*
 * axes__print_overhead - --trace off,on: wall (and boot) time of each
 * traced cell over its untraced neighbour, the trace's overhead.
 */
void axes__print_overhead(const struct bench *b, FILE *f);
/*
 * axes__overhead_each - @fn for the wall_ms and boot_ms of each traced
 * cell (@on) over its untraced twin (@off), with their ratio.
 */
typedef void (*overhead_fn)(const struct bench *b, const struct bench_cell *on,
			    const struct bench_cell *off, unsigned int m,
			    const struct bratio *r, void *ctx);
void axes__overhead_each(const struct bench *b, overhead_fn fn, void *ctx);
/* axes__env - the axes and the host MMU settings as text lines (@pfx). */
void axes__env(const struct bench *b, FILE *f, const char *pfx);
/* axes__json_env - the same into the JSON environment @env. */
void axes__json_env(const struct bench *b, struct json_object *env);

/* ---- out-timeline.c: --timeline, --sample-ms -------------------------------- */

enum {
	BENCH_TL_OPT_TIMELINE = 600,
	BENCH_TL_OPT_SAMPLE_MS,
};

/* --sample-ms when --timeline comes without it. */
#define BENCH_TL_DEFAULT_MS 5

/*
 * bench_tl__opt - --timeline, --sample-ms: 0, 64 after one line, or 1
 * when @c is neither.
 */
int bench_tl__opt(int c, const char *arg, struct bench_opts *o);
/*
 * bench_tl__combine - after the scenario is known: a scenario with a
 * timeline (64 after one line for the others), --sample-ms with --json or
 * --timeline, the default period. 0 or 64.
 */
int bench_tl__combine(struct bench_opts *o);
/* bench_tl__period - the --sample-ms of run @run (from 0); 0: unsampled. */
unsigned int bench_tl__period(const struct bench *b, unsigned int run);
/* bench_tl__reap - run @run's "timeline" moves from its record @r to @c. */
void bench_tl__reap(struct bench_cell *c, struct json_object *r,
		    unsigned int run);
/*
 * bench_tl__plot - the --timeline SVG: a panel per cell with a timeline.
 * 0 (also without gnuplot, or with no timeline, after one warning line),
 * 64 for a path too long, or 74, as bench__plot().
 */
int bench_tl__plot(const struct bench *b, const char *path);

/* ---- writers ----------------------------------------------------------------- */

/* out-table.c: the terminal table (-v: every metric and the overhead). */
void bench__print(const struct bench *b, FILE *f);
/* The guest in one phrase, for the headers. */
void bench__guest_desc(const struct bench *b, char *buf, size_t len);
/* boot --kernel: the inputs of the environment record, as text lines. */
void bench__linux_env(const struct bench *b, FILE *f, const char *pfx);

/*
 * out-csv.c: --csv through outfile__open ("-": standard output); 0, 64 for
 * a path too long, or 74.
 */
int bench__csv(const struct bench *b, const char *path);

/* out-json.c: --json's document. */
struct json_object *bench__json(const struct bench *b);
/* json__num - a JSON number, or NULL (null) for NAN and infinities. */
struct json_object *json__num(double v);
/* json__cell_shape - the cell's shape (all but the policy) as members. */
void json__cell_shape(struct json_object *x, const struct bench_cell *c);

/*
 * out-plot.c: --plot, gnuplot's SVG through outfile__open ("-": standard
 * output); 0 (also without gnuplot, after a warning), 64 for a path too
 * long, or 74.
 */
int bench__plot(const struct bench *b, const char *path);

#endif /* ZAPVM_BENCH_H */
