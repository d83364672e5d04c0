// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench: a run's child. It makes the run's VM (the scenario's
 * builtin guest or a Linux kernel, with the scenario's probe) and runs it,
 * or calls the scenario's own run (bench exec's VMM), and writes the
 * figures as one JSON object to the pipe the runner reads (runner.c says
 * why each run is a child).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/signals.h"
#include "zapvm/timeline.h"
#include "zapvm/trace-report.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"

#include "bench.h"
#include "probe.h"

/*
 * boot --kernel: stop the VM at the boot-done mark. A thread beside the
 * vCPUs (struct vm_hook) polls for it; the faults counted between the mark
 * and the stop land after boot-done, so they never count as boot faults.
 */
static int boot_watch__hook(struct vm *vm, void *opaque)
{
	const struct timespec tick = { 0, 2 * 1000 * 1000 };

	while (!vm__stopping(vm)) {
		bool done, idle;

		vm__progress(vm, &done, &idle);
		if (done) {
			log_info("bench: boot-done: stopping the VM");
			vm__stop(vm, VM_END_POWEROFF);
			break;
		}
		if (idle)
			break;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/*
 * Open console log @log, written while the run goes (not an outfile: a
 * run killed at its timeout must leave its log). --guest-log DIR may be
 * shared: a symlink planted at the name is not followed (O_NOFOLLOW), a
 * FIFO is not waited on (O_NONBLOCK), only a regular file is written.
 */
static int bench__log_open(const char *log)
{
	struct stat st;
	int fd = open(log,
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW |
			      O_NONBLOCK | O_NOCTTY,
		      0644);

	return fd < 0 ? -errno : fd_settle(fd, false, &st);
}

/*
 * The run's console and zapvm's messages go to @log, stdin is /dev/null
 * (a guest's console would read it, or put a terminal in raw mode).
 */
static int child__console(const char *log)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd = bench__log_open(log);

	if (fd < 0 || null < 0) {
		log_err("bench: console log %s: %s", log,
			fd == -EINVAL ? "not a regular file" :
			fd < 0	      ? strerror(-fd) :
					strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	fflush(stdout);
	fflush(stderr);
	if (dup2(null, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		log_err("bench: console log %s: %s", log, strerror(errno));
		return ZAPVM_EXIT_IOERR;
	}
	close(fd);
	close(null);
	return 0;
}

/* A Linux guest's run, its console on @log. */
static int bench__linux_cfg(const struct bench_opts *o, const char *log,
			    struct vm_config *cfg)
{
	int ret = child__console(log);

	if (ret)
		return ret;
	cfg->kernel = o->kernel;
	cfg->guest_name = o->kernel;
	cfg->initrd = o->initrd;
	cfg->cmdline = o->cmdline;
	cfg->boot = o->boot;
	cfg->quiet_guest = false;
	/* Checked by the parent (linux__preflight). */
	if (o->rom) {
		if (rom_spec__parse(o->rom, &cfg->pci_rom))
			return ZAPVM_EXIT_USAGE;
		cfg->has_pci_rom = true;
	}
	return 0;
}

/*
 * The VM of one run of @c: a Linux guest or the scenario's builtin one,
 * and the scenario's probe as its hook. 0 or an exit status.
 */
static int child__config(const struct bench *b, const struct bench_cell *c,
			 const char *log, struct vm_config *cfg,
			 struct zap_probe *zp)
{
	static struct vm_hook watch = { boot_watch__hook, NULL };
	static struct vm_hook hook = { zap_probe__hook, NULL };
	const struct bench_scenario *sc = b->o.sc;
	uint8_t *owned;
	char spec[64];
	int ret;

	if (b->o.kernel) {
		ret = bench__linux_cfg(&b->o, log, cfg);
		if (ret)
			return ret;
		if (!b->o.until_poweroff)
			cfg->hook = &watch;
	} else {
		snprintf(spec, sizeof(spec), "builtin:%s", b->guest->name);
		cfg->args = c->args[0] ? c->args : NULL;
		ret = guest__resolve(spec, cfg, &owned, true);
		if (ret)
			return ret;
	}
	cfg->dirty_log = c->dirty_log;
	if (sc->probe_setup) {
		zp->ctl_gpa = c->ctl_gpa;
		zp->rounds = (unsigned int)args__u64(c->args, "rounds", 1);
		sc->probe_setup(zp, &b->o);
		hook.opaque = zp;
		cfg->hook = &hook;
	}
	return 0;
}

/* boot --kernel: a boot that never got to boot-done has no boot figures. */
static void child__verdict(const struct bench *b, struct vm_result *res)
{
	if (!b->o.kernel)
		return;
	if (!exit__from_vm(res) && !res->boot_done_ns) {
		log_err("bench: the guest stopped without a boot-done mark (no "
			"'Run /init as init process' on the console, no write "
			"to the boot-done port)");
		res->end = VM_END_TIMEOUT;
	} else if (exit__from_vm(res) == ZAPVM_EXIT_TIMEOUT) {
		if (res->boot_done_ns)
			log_err("bench: boot-done after %.3f ms, but no "
				"poweroff within --timeout %llu s",
				res->boot_done_ns / 1e6,
				(unsigned long long)b->o.timeout_s);
		else
			log_err("bench: no boot-done mark within --timeout "
				"%llu s",
				(unsigned long long)b->o.timeout_s);
	}
}

struct json_object *child__phases(const struct vm_result *res)
{
	struct json_object *ph = json_object_new_array();

	for (unsigned int i = 0;
	     res->phases && i < phase_log__count(res->phases); i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "name",
				       json_object_new_string(phase_log__name(
					       res->phases, i)));
		json_object_object_add(
			p, "ms",
			json_object_new_double(phase_log__ns(res->phases, i) /
					       1e6));
		json_object_object_add(p, "faults",
				       json__num(phase__val(res, (int)i,
							    PHASE_VCPU,
							    "pf_taken")));
		json_object_array_add(ph, p);
	}
	return ph;
}

/*
 * The sampled run's timeline in its record @o, with the trace's faults
 * per sample when it traced, as `zapvm run --sample-ms` gives it.
 */
static void child__timeline(struct json_object *o, const struct timeline *tl,
			    const struct vm_result *res,
			    const struct trace_run *tr)
{
	const struct trace_fault *faults = NULL;
	struct json_object *j;
	size_t nfaults = 0;

	if (!tl)
		return;
	if (tr->t && tr->have_sum)
		faults = trace__faults(tr->t, &nfaults);
	j = timeline__to_json(tl, res->phases, faults, nfaults);
	if (!j)
		log_warn("bench: --sample-ms: out of memory: no timeline");
	else
		json_object_object_add(o, "timeline", j);
}

/* The run's result as the parent reads it (bench__reap()). */
static struct json_object *
child__result(const struct bench *b, const struct bench_cell *c,
	      const struct vm_result *res, const struct zap_probe *zp,
	      const struct trace_run *tr, uint64_t t0)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	struct json_object *ph = NULL;
	double v[MAX_METRICS];

	json_object_object_add(o, "vm_run_ms",
			       json_object_new_double((now_ns() - t0) / 1e6));
	json_object_object_add(o, "exit",
			       json_object_new_int(exit__from_vm(res)));
	json_object_object_add(o, "iface", json_object_new_int(res->iface));
	json_object_object_add(o, "wall_ms",
			       json_object_new_double(res->wall_ns / 1e6));
	json_object_object_add(o, "setup_ms",
			       json_object_new_double(res->setup_ns / 1e6));
	if (b->o.kernel)
		json_object_object_add(
			o, "boot_done_ms",
			res->boot_done_ns ? json_object_new_double(
						    res->boot_done_ns / 1e6) :
					    NULL);
	if (!exit__from_vm(res)) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			v[i] = NAN;
		b->o.sc->collect(c, res, zp, v);
		axes__collect(b, c, res, tr->t ? tr : NULL, v);
		for (unsigned int i = 0; i < b->o.sc->nmetrics; i++)
			json_object_array_add(m, json__num(v[i]));
		ph = child__phases(res);
	}
	json_object_object_add(o, "metrics", m);
	json_object_object_add(o, "phases", ph ? ph : json_object_new_array());
	return o;
}

/*
 * A run's child: the parent's handler (bench__catch_signals()) would only
 * set a flag nobody reads here. The ending signals are blocked across the
 * fork (bench__launch()), so none is lost in between; with the default
 * back, one ends the child before vm__run(), which takes it as a clean
 * stop. @mask: the parent's signal mask, which the child goes back to.
 */
static void child__default_signals(const sigset_t *mask)
{
	sigset_t ending;

	signals__ending(&ending);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&ending, s) == 1)
			signal(s, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

/* @o as one line of JSON to @fd; exits 74 if it cannot. */
static void child__write(int fd, struct json_object *o)
{
	const char *text =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(ZAPVM_EXIT_IOERR);
		off += (size_t)w;
	}
}

/* A scenario that runs its own guest (bench exec): its record, its status. */
static struct json_object *child__hook(const struct bench *b,
				       const struct bench_cell *c,
				       const char *log, int *code)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array(), *ph;
	double v[MAX_METRICS];
	uint64_t t0 = now_ns();

	for (unsigned int i = 0; i < MAX_METRICS; i++)
		v[i] = NAN;
	*code = child__console(log);
	if (!*code)
		*code = b->o.sc->run(b, c, v, o);
	json_object_object_add(o, "vm_run_ms",
			       json_object_new_double((now_ns() - t0) / 1e6));
	json_object_object_add(o, "exit", json_object_new_int(*code));
	for (unsigned int i = 0; !*code && i < b->o.sc->nmetrics; i++)
		json_object_array_add(m, json__num(v[i]));
	json_object_object_add(o, "metrics", m);
	if (!json_object_object_get_ex(o, "phases", &ph))
		json_object_object_add(o, "phases", json_object_new_array());
	return o;
}

void bench__child(const struct bench *b, const struct bench_cell *cell,
		  unsigned int run, int fd, const char *log,
		  const sigset_t *mask)
{
	/* The child's own copy: the scenario's run reads sample_ms. */
	struct bench_cell sampled = *cell;
	const struct bench_cell *c = &sampled;
	struct vm_config cfg = { .mem_size = c->mem,
				 .ncpus = c->cpus,
				 .policy = c->policy,
				 .thp = c->thp,
				 .quiet_guest = true,
				 .timeout_ms = b->o.timeout_s * 1000 };
	struct zap_probe zp = { 0 };
	struct trace_run tr = { .on = c->trace && !b->untraced,
				.all = c->trace == BENCH_TRACE_ALL };
	struct json_object *o;
	struct vm_result res;
	uint64_t t0;
	int ret;

	child__default_signals(mask);
	sampled.sample_ms = bench_tl__period(b, run);
	if (b->o.sc->run) {
		o = child__hook(b, c, log, &ret);
		child__write(fd, o);
		_exit(ret);
	}
	ret = child__config(b, c, log, &cfg, &zp);
	if (!ret)
		ret = trace_run__open(&tr);
	if (ret)
		_exit(ret);
	axes__cfg(b, c, &cfg);
	cfg.trace = tr.t;
	/* Sampling fails only for memory: the run goes on without it. */
	if (c->sample_ms)
		cfg.timeline = timeline__new(c->sample_ms);
	t0 = now_ns();
	vm__run(&cfg, &res);
	trace_run__finish(&tr, &res);
	child__verdict(b, &res);
	o = child__result(b, c, &res, b->o.sc->probe_setup ? &zp : NULL, &tr,
			  t0);
	child__timeline(o, cfg.timeline, &res, &tr);
	child__write(fd, o);
	zap_probe__free(&zp);
	trace_run__free(&tr);
	_exit(exit__from_vm(&res));
}
