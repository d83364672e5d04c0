// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's runner. Each run is a fresh VM in a child process that
 * sends its figures back over a pipe: vm__run() blocks and waits for
 * the ending signals and SIGUSR1 on the thread that calls it, so two VMs in one
 * process would steal each other's signals, and a crash or a leak stays in
 * its child. Runs are interleaved run-major (run 1 of every cell, then run
 * 2, ...) so drift on a noisy host spreads over all cells alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/signals.h"
#include "zapvm/util.h"

#include "bench.h"
#include "probe.h"

/* The parent's signal mask, which a run's child goes back to. */
static sigset_t launch_mask;

/* ---- the parent: jobs, progress, knobs ---------------------------------- */

static volatile sig_atomic_t bench_stop;

static void bench__on_signal(int sig)
{
	bench_stop = sig;
}

void bench__catch_signals(struct bench_signals *saved)
{
	struct sigaction sa = { .sa_handler = bench__on_signal };
	sigset_t ending;

	signals__ending(&ending);
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&ending, s) == 1)
			sigaction(s, &sa, &saved->old[s]);
}

void bench__release_signals(const struct bench_signals *saved)
{
	sigset_t ending;

	signals__ending(&ending);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&ending, s) == 1)
			sigaction(s, &saved->old[s], NULL);
}

struct bench_job {
	pid_t pid;
	int fd;
	unsigned int cell, run;
	char *buf;
	size_t len, cap, max; /* max: MAX_RESULT, or a sampled run's */
	uint64_t t0;
	char *log; /* boot --kernel: the run's console log */
};

static void bench__progress(const struct bench *b, unsigned int cell,
			    unsigned int run, bool end)
{
	double el, left;

	if (!isatty(STDERR_FILENO) || log_level < LOG_WARN)
		return;
	if (end) {
		fputs("\r\033[K", stderr);
		return;
	}
	el = (now_ns() - b->t0) / 1e9;
	left = b->done ? el / b->done * (b->total - b->done) : NAN;
	fprintf(stderr,
		"\r\033[Kbench %s: cell %u of %u, run %u of %u (%u/%u done), "
		"%.1f s elapsed",
		b->o.sc->name, cell + 1, b->ncells, run + 1, b->o.runs, b->done,
		b->total, el);
	if (isfinite(left))
		fprintf(stderr, ", about %.0f s left", ceil(left));
	fflush(stderr);
}

/* The console log of a run, named after its cell. */
static char *bench__log_path(const struct bench *b, unsigned int cell,
			     unsigned int run)
{
	const struct bench_cell *c = &b->cells[cell];
	char *path;

	if (asprintf(&path, "%s/cell%u-%s-thp_%s-%lluM-%ucpu-run%u.log",
		     b->log_dir, cell + 1, zap_policy__name(c->policy),
		     cell__thp_name(c->thp), (unsigned long long)(c->mem >> 20),
		     c->cpus, run + 1) < 0)
		return NULL;
	return path;
}

static int bench__launch(struct bench *b, struct bench_job *j,
			 const struct bench_job *jobs, unsigned int njobs)
{
	sigset_t ending;
	int p[2];

	free(j->log);
	j->log = NULL;
	if (b->log_dir[0]) {
		j->log = bench__log_path(b, j->cell, j->run);
		if (!j->log)
			return ZAPVM_EXIT_SOFTWARE;
	}

	if (pipe2(p, O_CLOEXEC)) {
		log_err("bench: pipe: %s", strerror(errno));
		return ZAPVM_EXIT_SOFTWARE;
	}
	fflush(stdout);
	fflush(stderr);
	signals__ending(&ending);
	sigprocmask(SIG_BLOCK, &ending, &launch_mask);
	j->pid = fork();
	if (j->pid)
		sigprocmask(SIG_SETMASK, &launch_mask, NULL);
	if (j->pid < 0) {
		log_err("bench: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (!j->pid) {
		close(p[0]);
		for (unsigned int i = 0; i < njobs; i++)
			if (jobs[i].pid > 0)
				close(jobs[i].fd);
		bench__child(b, &b->cells[j->cell], j->run, p[1], j->log,
			     &launch_mask);
	}
	close(p[1]);
	j->fd = p[0];
	j->len = 0;
	j->max = bench_tl__period(b, j->run) ? MAX_RESULT_TIMELINE : MAX_RESULT;
	j->t0 = now_ns();
	return 0;
}

/*
 * Why a run failed, from its console log: the bench's own verdict if the
 * child logged one, else the first error zapvm logged; "" if none.
 */
static void log_first_error(const char *path, char *buf, size_t len)
{
	static const char tag[] = "zapvm: error: ", own[] = "bench: ";
	FILE *f = fopen(path, "re");
	char line[512];

	*buf = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *e = strstr(line, tag);

		if (!e)
			continue;
		e += sizeof(tag) - 1;
		e[strcspn(e, "\r\n")] = '\0';
		if (!strncmp(e, own, sizeof(own) - 1)) {
			snprintf(buf, len, "%s", e + sizeof(own) - 1);
			break;
		}
		if (!*buf)
			snprintf(buf, len, "%s", e);
	}
	fclose(f);
}

/*
 * boot --kernel: every failed run gets a line and a record, with the error
 * the child logged and where its console log is.
 */
static void bench__linux_failed(struct bench *b, struct bench_job *j,
				const char *label, int code)
{
	struct bench_cell *c = &b->cells[j->cell];
	struct json_object *r = json_object_new_object();
	char why[400];

	log_first_error(j->log, why, sizeof(why));
	if (!*why)
		snprintf(why, sizeof(why), "%s",
			 code == ZAPVM_EXIT_TIMEOUT ? "no boot-done mark" :
						      "see the console log");
	log_err("bench: %s run %u failed (exit status %d): %s; console log "
		"%s",
		label, j->run + 1, code, why, j->log);
	json_object_object_add(r, "run", json_object_new_int((int)j->run + 1));
	json_object_object_add(r, "ok", json_object_new_boolean(false));
	json_object_object_add(r, "exit", json_object_new_int(code));
	json_object_object_add(r, "error", json_object_new_string(why));
	json_object_object_add(r, "console_log",
			       json_object_new_string(j->log));
	json_object_array_add(c->runs, r);
}

/* Fold a finished job's result into its cell. */
static void bench__reap(struct bench *b, struct bench_job *j)
{
	struct bench_cell *c = &b->cells[j->cell];
	struct json_object *r = NULL, *m = NULL, *v;
	int status, code;
	char label[160];

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->pid = 0;
	if (j->buf && j->len < j->cap) {
		j->buf[j->len] = '\0';
		r = json_tokener_parse(j->buf);
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : ZAPVM_EXIT_INTERRUPTED;
	cell__label(c, label, sizeof(label));
	if (code == ZAPVM_EXIT_INTERRUPTED ||
	    (WIFSIGNALED(status) && bench_stop)) {
		c->ninterrupted++;
		json_object_put(r);
		if (j->log && !b->keep_logs)
			unlink(j->log);
		return;
	}
	if (!WIFEXITED(status)) {
		log_err("bench: %s run %u: killed by signal %d", label,
			j->run + 1, WTERMSIG(status));
		code = ZAPVM_EXIT_SOFTWARE;
	}
	if (!code && !(r && json_object_object_get_ex(r, "metrics", &m) &&
		       json_object_array_length(m) == b->o.sc->nmetrics)) {
		log_err("bench: %s run %u: no result from the child", label,
			j->run + 1);
		code = ZAPVM_EXIT_SOFTWARE;
	}
	b->done++;
	if (code) {
		if (j->log)
			bench__linux_failed(b, j, label, code);
		else if (!c->nfailed)
			log_err("bench: %s run %u failed with exit status %d",
				label, j->run + 1, code);
		c->nfailed++;
		if (!c->first_error)
			c->first_error = code;
		if (!b->first_error)
			b->first_error = code;
		json_object_put(r);
		return;
	}
	for (unsigned int i = 0; i < b->o.sc->nmetrics; i++) {
		v = json_object_array_get_idx(m, i);
		c->values[i][c->nok] = v ? json_object_get_double(v) : NAN;
	}
	if (json_object_object_get_ex(r, "warning", &v) && !c->warned) {
		log_warn("bench: %s run %u: %s", label, j->run + 1,
			 json_object_get_string(v));
		c->warned = true;
	}
	c->iface = (enum zap_iface)json_object_get_int(
		json_object_object_get(r, "iface"));
	c->ms_sum += json_object_get_double(json_object_object_get(r, "wall_"
								      "ms"));
	c->vm_run_ms_sum +=
		json_object_get_double(json_object_object_get(r, "vm_run_ms"));
	c->job_ms_sum += (now_ns() - j->t0) / 1e6;
	c->nok++;
	json_object_object_add(r, "run", json_object_new_int((int)j->run + 1));
	bench_tl__reap(c, r, j->run);
	if (j->log) {
		json_object_object_add(r, "ok", json_object_new_boolean(true));
		json_object_object_add(
			r, "console_log",
			b->keep_logs ? json_object_new_string(j->log) : NULL);
		if (!b->keep_logs)
			unlink(j->log);
	}
	json_object_object_del(r, "iface");
	json_object_object_add(
		r, "zap_interface",
		json_object_new_string(zap_iface__name(c->iface)));
	json_object_array_add(c->runs, r);
}

static int bench__read(struct bench_job *j)
{
	ssize_t n;

	if (j->cap - j->len < 4096) {
		size_t cap = j->cap ? j->cap * 2 : 16384;
		char *nb;

		if (cap > j->max)
			return -EFBIG;
		nb = realloc(j->buf, cap);
		if (!nb)
			return -ENOMEM;
		j->buf = nb;
		j->cap = cap;
	}
	n = read(j->fd, j->buf + j->len, j->cap - j->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	j->len += (size_t)n;
	return n ? 1 : 0;
}

/* The runner's state between polls. */
struct runner {
	struct bench *b;
	struct bench_job jobs[MAX_JOBS];
	struct bench_slot {
		unsigned int cell, run, group;
	} * order; /* the runs in the order they start */
	unsigned int norder, next, nrun, cur_cell, cur_run;
	int knobs_of; /* the knob group set on the host, -1: none yet */
};

/*
 * Knob groups outermost; within a group, run-major. The knob axes
 * (prefetch, root zap) are bench__cells()'s outermost, so a group's
 * cells are neighbours.
 */
static int runner__order(struct runner *r)
{
	const struct bench *b = r->b;
	unsigned int n = 0, g = 0;

	r->norder = b->total;
	r->order = calloc(r->norder, sizeof(*r->order));
	if (!r->order)
		return ZAPVM_EXIT_SOFTWARE;
	for (unsigned int start = 0, end; start < b->ncells; start = end, g++) {
		const struct bench_cell *c0 = &b->cells[start];

		for (end = start + 1; end < b->ncells &&
				      b->cells[end].prefetch == c0->prefetch &&
				      b->cells[end].root_zap == c0->root_zap;
		     end++)
			;
		for (unsigned int run = 0; run < b->o.runs; run++)
			for (unsigned int c = start; c < end; c++)
				r->order[n++] =
					(struct bench_slot){ c, run, g };
	}
	return 0;
}

/* Start runs while slots are free; *@ret is set as each start goes. */
static void runner__start(struct runner *r, bool failed, int *ret)
{
	struct bench *b = r->b;

	while (!bench_stop && !failed && r->next < r->norder &&
	       r->nrun < b->o.jobs) {
		unsigned int cell = r->order[r->next].cell;
		unsigned int run = r->order[r->next].run;
		int group = (int)r->order[r->next].group;
		unsigned int slot = 0;

		/* Knobs are host-wide: change them only when idle. */
		if (group != r->knobs_of) {
			if (r->nrun)
				break;
			*ret = knob_pair__apply(&b->host.knobs,
						b->cells[cell].prefetch,
						b->cells[cell].root_zap);
			if (*ret)
				break;
			r->knobs_of = group;
		}
		while (r->jobs[slot].pid > 0)
			slot++;
		r->jobs[slot].cell = cell;
		r->jobs[slot].run = run;
		*ret = bench__launch(b, &r->jobs[slot], r->jobs, b->o.jobs);
		if (*ret) {
			r->jobs[slot].pid = 0;
			break;
		}
		r->nrun++;
		r->next++;
		r->cur_cell = cell;
		r->cur_run = run;
	}
}

/* Wait up to 250 ms for results; reap the runs that ended. */
static int runner__poll(struct runner *r)
{
	struct bench *b = r->b;
	struct pollfd pfd[MAX_JOBS];
	struct bench_job *pjob[MAX_JOBS];
	unsigned int np = 0;
	int pr, ret = 0;

	for (unsigned int i = 0; i < b->o.jobs; i++) {
		if (r->jobs[i].pid <= 0)
			continue;
		pfd[np] = (struct pollfd){ r->jobs[i].fd, POLLIN, 0 };
		pjob[np++] = &r->jobs[i];
	}
	bench__progress(b, r->cur_cell, r->cur_run, false);
	pr = poll(pfd, np, 250);
	if (pr < 0 && errno != EINTR) {
		log_err("bench: poll: %s", strerror(errno));
		ret = ZAPVM_EXIT_SOFTWARE;
		for (unsigned int i = 0; i < b->o.jobs; i++)
			if (r->jobs[i].pid > 0)
				kill(r->jobs[i].pid, SIGKILL);
		pr = 1;
		for (unsigned int k = 0; k < np; k++)
			pfd[k].revents = POLLHUP;
	}
	for (unsigned int k = 0; pr > 0 && k < np; k++) {
		struct bench_job *j = pjob[k];
		int rd;

		if (!pfd[k].revents)
			continue;
		rd = bench__read(j);
		if (rd > 0)
			continue;
		if (rd < 0)
			kill(j->pid, SIGKILL);
		bench__reap(b, j);
		r->nrun--;
	}
	return ret;
}

int bench__run_all(struct bench *b)
{
	struct runner r = {
		.b = b,
		.knobs_of = -1,
	};
	bool killed = false, failed = false;
	int ret = runner__order(&r);

	if (ret)
		return ret;
	while (r.nrun || (r.next < r.norder && !bench_stop && !failed)) {
		if (bench_stop && !killed) {
			b->interrupted = true;
			killed = true;
			for (unsigned int i = 0; i < b->o.jobs; i++)
				if (r.jobs[i].pid > 0)
					kill(r.jobs[i].pid, SIGTERM);
		}
		runner__start(&r, failed, &ret);
		/* After a failure, let what runs finish, start nothing. */
		failed = ret != 0;
		if (failed && !r.nrun)
			break;
		if (runner__poll(&r))
			ret = ZAPVM_EXIT_SOFTWARE;
	}
	bench__progress(b, 0, 0, true);
	if (bench_stop)
		b->interrupted = true;
	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		free(r.jobs[i].buf);
		free(r.jobs[i].log);
	}
	free(r.order);
	/* Leave the host's knobs as we found them. */
	knob_pair__restore(&b->host.knobs);
	return ret;
}

/* -v: VM create-to-destroy of the smallest guest, in a child like a run. */
void bench__tiny(struct bench *b)
{
	struct vm_config cfg = { .mem_size = 4ULL << 20,
				 .ncpus = 1,
				 .quiet_guest = true };
	struct vm_result res;
	uint8_t *owned;
	uint64_t t0;

	if (guest__resolve("builtin:exit", &cfg, &owned, true))
		return;
	t0 = now_ns();
	vm__run(&cfg, &res);
	if (!exit__from_vm(&res))
		b->tiny_vm_ms = (now_ns() - t0) / 1e6;
	vm_result__free(&res);
	runopts__free(&cfg);
}

/* ---- results ------------------------------------------------------------ */
