/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zapvm exec's view of the VMs a VMM makes (src/cmd/exec-vm.c), fed by the
 * preload library's messages (channel.h) and read by src/cmd/exec.c.
 */
#ifndef ZAPVM_EXEC_H
#define ZAPVM_EXEC_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "zapvm/channel.h"
#include "zapvm/run-timeline.h"
#include "zapvm/stats.h"
#include "zapvm/trace-report.h"
#include "zapvm/vm.h"

/* One KVM_SET_USER_MEMORY_REGION(2) call. */
struct exec_slot_ev {
	uint64_t at_ns; /* since zapvm exec started */
	uint32_t slot, as; /* slot id's low and high 16 bits */
	uint32_t flags, thp; /* thp: enum chan_thp */
	uint64_t gpa, size, uaddr;
	int ret; /* -1: never completed (the VMM died in it) */
	uint64_t ns;
	const char *op; /* add, delete, move, flags */
	bool run_time; /* after the VM's first KVM_RUN */
	bool region2;
	int phase; /* the phase it began, or -1 */
};

/* A vCPU exit that ended the guest (CHAN_EXIT): the VMM resets or stops. */
struct exec_guest_exit {
	uint64_t at_ns; /* since zapvm exec started */
	uint32_t vcpu;
	uint32_t reason; /* KVM_EXIT_SHUTDOWN, _FAIL_ENTRY, _INTERNAL_ERROR */
	uint64_t detail; /* hardware entry failure reason, or suberror */
	int phase; /* the phase it began, or -1 */
};

struct exec_vcpu {
	uint32_t id;
	struct stats_set st; /* fd -1: none */
	bool in_phases; /* created before the first KVM_RUN */
};

struct exec_slot_state {
	uint32_t slot; /* the full id, address space included */
	uint64_t gpa, size;
	uint32_t flags;
};

struct exec_vm {
	unsigned int idx;
	int vm_fd; /* a duplicate: keeps the VM's stats readable */
	struct stats_set st; /* fd -1: none */
	int apply_ret;
	enum zap_iface iface;
	/* Each allocated alone: the phase log points at their stats sets. */
	struct exec_vcpu **vcpus;
	unsigned int nvcpus;
	struct phase_log *log;
	uint64_t t_start; /* first KVM_RUN */
	uint64_t t_end;
	unsigned int first_churn_phase;
	struct exec_slot_ev *evs;
	unsigned int nevs;
	struct exec_slot_state *slots;
	unsigned int nslots;
	uint64_t changes, update_ns; /* at run time */
	uint64_t boot_done_ns;
	struct exec_guest_exit *gexits;
	unsigned int ngexits;
	bool pending; /* a BEFORE without its AFTER yet */
	uint32_t zs_bits; /* CHAN_ZS_*: what the host offers this VM */
	struct trace_run tr; /* --trace: this VM's vCPU threads; t NULL: none */
	struct run_timeline rt; /* --sample-ms: tl NULL: none */
	struct stats_set *tl_sets; /* the timeline's copies of st, vCPUs' */
};

struct exec_state {
	enum zap_policy policy;
	enum thp_mode thp;
	uint64_t t0;
	bool hello; /* the library was loaded */
	bool refused; /* the policy could not be honoured */
	unsigned int protocol_errors;
	struct exec_vm **vms; /* each allocated alone, as vCPUs are */
	unsigned int nvms;
	/*
	 * Held by exec__handle(), exec__boot_done(), exec__finish() and the
	 * control socket's thread (exec-ctl.c), which reads the VMs too.
	 */
	pthread_mutex_t lock;
	int cmd_fd; /* the library's command socket (CHAN_POLICY), or -1 */
	bool cmd_broken; /* a request went unanswered: no more */
	bool trace; /* --trace: a trace per VM (exec-trace.c) */
	unsigned int trace_extra; /* trace_run__extra(): TRACE_EXTRA_* */
	unsigned int sample_ms; /* --sample-ms: a timeline per VM; 0 none */
};

/*
 * exec__handle - act on library message @m carrying @nfds descriptors
 * @fds (taken over). Returns the reply's ret: 0 to go on; sets
 * x->refused when a VM's zap policy could not be applied (the caller kills
 * the VMM).
 */
int exec__handle(struct exec_state *x, const struct chan_msg *m, int *fds,
		 int nfds);

/* exec__boot_done - mark "boot-done" in every running VM's phase log. */
void exec__boot_done(struct exec_state *x);

/* exec__finish - end every VM's phase log (at the VMM's exit). */
void exec__finish(struct exec_state *x);

/*
 * exec__print - per VM: the phase table (@all: every stat) and the summary
 * line `zapvm run --stats` prints, with @name as the guest's name.
 */
void exec__print(const struct exec_state *x, const char *name, int status,
		 bool all);

/*
 * exec__json - one `zapvm run --json` record per VM (an array when the VMM
 * made several) with a "vmm" object and a "memslots" list. NULL on ENOMEM.
 */
struct json_object *exec__json(const struct exec_state *x, const char *path,
			       char *const *argv, int status);

void exec__free(struct exec_state *x);

/*
 * The control socket of `zapvm exec` (src/cmd/exec-ctl.c): the VMM's VMs
 * in `zapvm list`, `zapvm stats NAME` and `zapvm policy NAME`; `zapvm stop
 * NAME` stops the VMM as --timeout does (SIGTERM, SIGKILL after --grace);
 * pause and resume are refused.
 */
struct control;

struct exec_ctl {
	struct control *ctl; /* NULL: no socket */
	struct exec_state *x;
	const char *vmm; /* the VMM's path, the "guest" of info */
	pid_t pid;
	int stop_pipe[2]; /* a stop request wakes the wait loop */
	bool stopping; /* atomic: the VMM is being stopped or has ended */
};

/*
 * exec_ctl__open - open the control socket NAME (@name, or zapvm-PID when
 * NULL, where failing is only a warning), with the ending signals already
 * blocked and before any thread exists. 0 or an exit status after one
 * line on stderr.
 */
int exec_ctl__open(struct exec_ctl *ec, const char *name);

/*
 * exec_ctl__start - answer on the socket for VMM @pid (at @vmm) whose VMs
 * are in @x. Failing only loses the socket (logged).
 */
void exec_ctl__start(struct exec_ctl *ec, struct exec_state *x, pid_t pid,
		     const char *vmm);

/* exec_ctl__stopping - the VMM is being stopped or is gone: say so. */
void exec_ctl__stopping(struct exec_ctl *ec);

/*
 * exec_ctl__take_stop - whether a stop was asked since the last call
 * (drains the pipe the wait loop polls).
 */
bool exec_ctl__take_stop(struct exec_ctl *ec);

/* exec_ctl__close - stop answering and remove the socket. */
void exec_ctl__close(struct exec_ctl *ec);

/*
 * A run of a VMM under zapvm exec (src/cmd/exec-run.c): what `zapvm exec`
 * and `zapvm bench exec` give it, and what comes back.
 */
#define EXEC_DEFAULT_BOOT_DONE "Run /init as init process"

struct exec_opts {
	enum zap_policy policy;
	enum thp_mode thp;
	bool stats, stats_all; /* exec's report; exec__run() ignores them */
	const char *json; /* the same */
	const char *boot_done; /* POSIX ERE; never NULL */
	const char *console_log; /* watched instead of stdout/stderr */
	bool until_boot_done;
	uint64_t timeout_ms, grace_ms; /* 0: none; SIGKILL after SIGTERM */
	int prefetch, root_zap; /* knob values; -1: leave the knob alone */
	const char *name; /* --name, or NULL: zapvm-PID */
	/* --trace, checked by the caller (trace_run__open()): trace. */
	bool trace;
	unsigned int trace_extra; /* trace_run__extra(): TRACE_EXTRA_* */
	unsigned int sample_ms; /* --sample-ms; 0: no timeline */
};

struct exec_outcome {
	char path[PATH_MAX]; /* the VMM, as execv() ran it */
	/*
	 * What zapvm exec exits with: the VMM's exit status (128+N when
	 * signal N ended it), 0 when --until boot-done stopped it, 124 at
	 * --timeout, 69 when a VM's policy was refused, or the knobs'
	 * restore error after a VMM that exited 0.
	 */
	int status;
	int wstatus; /* waitpid()'s */
	bool matched; /* the boot-done pattern was seen */
	bool timed_out;
	int signal; /* the last ending signal zapvm took and passed on, or 0 */
	int sigfd; /* exec__release()'s */
	sigset_t old_mask;
};

/*
 * exec__check - find VMM @vmm as execvp() would (its path into @path) and
 * the preload library (into @lib): 0, or after one line on stderr 66 (not
 * found), 77 (not executable) or 69 (statically linked, or no library).
 */
int exec__check(const char *vmm, char *path, size_t len, char *lib,
		size_t liblen);

/*
 * exec__run - run VMM @argv (NULL-terminated; argv[0] found as execvp()
 * would) under @o until it is gone, its VMs in @x (zeroed, its lock
 * initialised, cmd_fd -1; free with exec__free()). The VMM's output goes
 * to zapvm's stdout/stderr, its stdin is zapvm's. From the start on,
 * SIGINT and SIGQUIT are ignored (the terminal's are the VMM's) and the
 * other ending signals are passed on to the VMM; they stay blocked until
 * exec__release(). Returns 0 with @out filled in, or an exit status after
 * one line on stderr when the VMM did not start (exec__check()'s, 64 for a
 * bad --boot-done, 70); then there is nothing to release.
 */
int exec__run(const struct exec_opts *o, char **argv, struct exec_state *x,
	      struct exec_outcome *out);

/* exec__release - unblock the signals exec__run() left blocked. */
void exec__release(struct exec_outcome *out);

/*
 * exec__as_run - VM @v of @x as the vm_config/vm_result pair `zapvm run`
 * reports from (@res->phases points at @v's log: valid while @x is).
 */
void exec__as_run(const struct exec_state *x, const struct exec_vm *v,
		  const char *name, int status, struct vm_config *cfg,
		  struct vm_result *res);

/*
 * --trace and --sample-ms for the VMs of a VMM (src/cmd/exec-trace.c):
 * each VM gets the trace and the timeline `zapvm run` gives its own, its
 * vCPU threads named by the library's CHAN_VCPU_RUN. All but
 * exec_trace__report() are called under x->lock by exec-vm.c.
 *
 * exec_trace__vm - VM @v was created: with x->trace, open its trace (a
 * failure: one warning, the VM runs untraced).
 * exec_trace__vcpu_run - CHAN_VCPU_RUN @m: trace thread m->tid for VM
 * m->vm (and no longer for any other VM). 0 or -errno.
 * exec_trace__start - @v's phase log began (its first KVM_RUN): start its
 * timeline.
 * exec_trace__mark - phase @phase of @v's log began now (@memslot: with a
 * memslot change): its memslot layout to the trace, the change to the
 * timeline.
 * exec_trace__finish - after @v's phase log ended: stop its trace and
 * timeline, classify the faults over its phases.
 */
void exec_trace__vm(struct exec_state *x, struct exec_vm *v);
int exec_trace__vcpu_run(struct exec_state *x, const struct chan_msg *m);
void exec_trace__start(struct exec_state *x, struct exec_vm *v);
void exec_trace__mark(struct exec_vm *v, int phase, bool memslot);
void exec_trace__finish(struct exec_vm *v);

/*
 * exec_trace__print - without --stats (@stats false: exec__print() prints
 * them in its place) each traced VM's trace lines, as run prints them.
 */
void exec_trace__print(const struct exec_state *x, const char *name,
		       bool stats);

/*
 * exec_trace__report - after the run: --trace-gfns @gfns (every traced
 * VM's faults as run's CSV with a vm column), each VM's "timeline" in its
 * record of @json (exec__json()'s; may be NULL) and the --plot @rt->plot
 * of the first VM with a timeline. An exit status.
 */
int exec_trace__report(struct exec_state *x, const char *name, const char *gfns,
		       const struct run_timeline *rt, struct json_object *json);

/* exec_trace__free - @v's trace and timeline. */
void exec_trace__free(struct exec_vm *v);

#endif /* ZAPVM_EXEC_H */
