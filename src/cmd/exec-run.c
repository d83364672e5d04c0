// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm exec's run of a VMM: find it and the preload library, start it
 * with the channel, pass its console through while watching it for the
 * boot-done pattern, forward the ending signals, stop it at --until or
 * --timeout, and end with everything the library reported in the
 * exec_state. `zapvm exec` (exec.c) and `zapvm bench exec` call it.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "preload/preload-path.h"
#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/exec.h"
#include "zapvm/log.h"
#include "zapvm/runopts.h"
#include "zapvm/signals.h"
#include "zapvm/util.h"

#define PRELOAD_NAME "libzapvm-preload.so"
#define LINE_MAX_WATCH 4096

/* A console stream zapvm copies through and scans line by line. */
struct watch {
	int fd; /* -1 once at end of stream */
	int out; /* where its bytes go; -1 for --console-log */
	char line[LINE_MAX_WATCH];
	size_t len;
};

/* The running VMM. */
struct exec_run {
	pid_t pid;
	int chan;
	int sigfd;
	sigset_t old_mask; /* zapvm's signal mask before the run */
	struct knob_pair knobs;
	struct exec_ctl ctl;
	struct watch w[3]; /* stdout, stderr, --console-log */
	regex_t re;
	bool matched;
	bool exited, stopping;
	int wstatus;
	uint64_t deadline_ns; /* --timeout */
	uint64_t kill_ns; /* SIGKILL after the grace period */
	bool timed_out;
	int signal; /* the last ending signal zapvm passed on */
};

/* As execvp() would find @name: 0, 66 (not found) or 77 (not runnable). */
static int resolve_vmm(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	bool denied = false;
	struct stat st;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		if (stat(out, &st)) {
			log_err("exec: VMM %s: %s", name, strerror(errno));
			return errno == EACCES ? ZAPVM_EXIT_NOPERM :
						 ZAPVM_EXIT_NOINPUT;
		}
		if (!S_ISREG(st.st_mode) || access(out, X_OK)) {
			log_err("exec: VMM %s is not an executable file", name);
			return ZAPVM_EXIT_NOPERM;
		}
		return 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p),
			 end == p ? "." : p, name);
		if (*end)
			end++;
		if (stat(out, &st) || !S_ISREG(st.st_mode))
			continue;
		if (!access(out, X_OK))
			return 0;
		denied = true;
	}
	log_err("exec: VMM %s %s", name,
		denied ? "is not executable" : "not found in PATH");
	return denied ? ZAPVM_EXIT_NOPERM : ZAPVM_EXIT_NOINPUT;
}

/* 1 for an ELF without PT_INTERP (static), 0 otherwise (scripts too). */
static int is_static_elf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), ret = 0;
	size_t n = 0;
	GElf_Phdr ph;
	Elf *e;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_kind(e) == ELF_K_ELF && !elf_getphdrnum(e, &n)) {
		ret = 1;
		for (size_t i = 0; i < n; i++)
			if (gelf_getphdr(e, (int)i, &ph) &&
			    ph.p_type == PT_INTERP)
				ret = 0;
	}
	elf_end(e);
	close(fd);
	return ret;
}

/*
 * The preload library: $ZAPVM_PRELOAD, then beside the zapvm binary, then
 * the build tree's src/preload/ (zapvm is src/zapvm there), then the
 * install libdir.
 */
static int find_preload(char *out, size_t len)
{
	const char *env = getenv("ZAPVM_PRELOAD");
	char exe[PATH_MAX], *dir;
	ssize_t n;

	/* Never true; it stops GCC's sanitizer build from seeing a NULL @out
	 * in its -Wformat-truncation check. */
	if (!out || !len)
		return -EINVAL;
	if (env) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		dir = dirname(exe);
		snprintf(out, len, "%s/" PRELOAD_NAME, dir);
		if (!access(out, R_OK))
			return 0;
		snprintf(out, len, "%s/preload/" PRELOAD_NAME, dir);
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(out, len, "%s/" PRELOAD_NAME, ZAPVM_PRELOAD_LIBDIR);
	return access(out, R_OK) ? -ENOENT : 0;
}

static void child_exec(const struct exec_opts *o, const char *path, char **argv,
		       const char *lib, int chan, const struct exec_run *r,
		       const sigset_t *old)
{
	char buf[PATH_MAX + 32], num[16], cfg[96];
	const char *pre = getenv("LD_PRELOAD");

	sigprocmask(SIG_SETMASK, old, NULL);
	fcntl(chan, F_SETFD, 0);
	if (r->w[0].out >= 0) {
		/* The write ends; the pipes' other descriptors are CLOEXEC. */
		dup2(r->w[0].fd, STDOUT_FILENO);
		dup2(r->w[1].fd, STDERR_FILENO);
	}
	snprintf(buf, sizeof(buf), "%s%s%s", lib, pre && *pre ? ":" : "",
		 pre ? pre : "");
	snprintf(num, sizeof(num), "%d", chan);
	snprintf(cfg, sizeof(cfg), "policy=%s thp=%s log=%d%s",
		 zap_policy__name(o->policy),
		 o->thp == THP_ON  ? "on" :
		 o->thp == THP_OFF ? "off" :
				     "default",
		 log_level, o->trace ? " threads=1" : "");
	setenv("LD_PRELOAD", buf, 1);
	setenv(CHAN_FD_ENV, num, 1);
	setenv(CHAN_CFG_ENV, cfg, 1);
	execv(path, argv);
	fprintf(stderr, "zapvm: error: exec: %s: %s\n", path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Pipes for the VMM's stdout and stderr; w[i].fd is the write end first. */
static int make_pipes(struct exec_run *r, int rd[2])
{
	int p[2][2];

	for (int i = 0; i < 2; i++) {
		if (pipe2(p[i], O_CLOEXEC))
			return -errno;
		rd[i] = p[i][0];
		r->w[i].fd = p[i][1];
		r->w[i].out = i ? STDERR_FILENO : STDOUT_FILENO;
	}
	return 0;
}

/*
 * Block every ending signal (signals.h) and SIGCHLD from here to the end
 * of the run, as `zapvm run` does, so the knobs and the control socket are
 * put back however zapvm is asked to end: the wait loop takes them from a
 * signalfd and passes them on to the VMM. SIGINT and SIGQUIT stay out of
 * the signalfd: the terminal sends them to the VMM itself, and zapvm
 * ignores them once the VMM runs.
 */
static int block_signals(struct exec_run *r)
{
	sigset_t set;

	signals__ending(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &r->old_mask);
	sigdelset(&set, SIGINT);
	sigdelset(&set, SIGQUIT);
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (r->sigfd < 0) {
		int err = errno;

		sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
		return -err;
	}
	return 0;
}

static int spawn(const struct exec_opts *o, const char *path, char **argv,
		 const char *lib, struct exec_run *r)
{
	int sp[2], rd[2] = { -1, -1 };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	if (!o->console_log && make_pipes(r, rd))
		return -errno;
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (!r->pid)
		child_exec(o, path, argv, lib, sp[1], r, &r->old_mask);
	/* Ctrl-C is the VMM's to act on; zapvm waits and writes results. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	close(sp[1]);
	r->chan = sp[0];
	for (int i = 0; i < 2; i++) {
		if (rd[i] < 0)
			continue;
		close(r->w[i].fd);
		r->w[i].fd = rd[i];
	}
	return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void stop_vmm(struct exec_run *r, const struct exec_opts *o)
{
	if (r->stopping || r->exited)
		return;
	r->stopping = true;
	exec_ctl__stopping(&r->ctl);
	kill(r->pid, SIGTERM);
	r->kill_ns = now_ns() + (o->grace_ms ? o->grace_ms : 1) * 1000000ULL;
}

static void scan(struct exec_run *r, struct exec_state *x,
		 const struct exec_opts *o, struct watch *w, const char *p,
		 size_t n)
{
	for (size_t i = 0; i < n && !r->matched; i++) {
		if (p[i] != '\n' && w->len < sizeof(w->line) - 1) {
			w->line[w->len++] = p[i];
			continue;
		}
		w->line[w->len] = 0;
		w->len = 0;
		if (regexec(&r->re, w->line, 0, NULL, 0))
			continue;
		r->matched = true;
		log_info("exec: boot done (console matched)");
		exec__boot_done(x);
		if (o->until_boot_done)
			stop_vmm(r, o);
	}
}

/* Copy what the VMM wrote through, unchanged, then look at it. */
static void pump(struct exec_run *r, struct exec_state *x,
		 const struct exec_opts *o, struct watch *w)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(w->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		if (w->out >= 0) {
			close(w->fd);
			w->fd = -1;
		}
		return;
	}
	if (w->out >= 0)
		write_all(w->out, buf, (size_t)n);
	scan(r, x, o, w, buf, (size_t)n);
}

static void on_chan(struct exec_run *r, struct exec_state *x)
{
	struct chan_msg m,
		reply = { .version = CHAN_VERSION, .type = CHAN_REPLY };
	int fds[CHAN_MAX_FDS], n;

	n = chan__recv(r->chan, &m, fds);
	if (n < 0) {
		if (n != -EPIPE && n != -ECONNRESET) {
			x->protocol_errors++;
			log_warn("exec: channel: %s; no more reports from the "
				 "VMM",
				 strerror(-n));
		}
		close(r->chan);
		r->chan = -1;
		return;
	}
	reply.ret = exec__handle(x, &m, fds, n);
	if (x->refused) {
		/* Before the VM has a memslot: the VMM must not run on. */
		kill(r->pid, SIGKILL);
		r->stopping = true;
		return;
	}
	reply.vm = m.vm;
	if (chan__send(r->chan, &reply, NULL, 0)) {
		close(r->chan);
		r->chan = -1;
	}
}

static void on_signal(struct exec_run *r)
{
	struct signalfd_siginfo si;

	if (read(r->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGCHLD) {
		/* An ending signal for zapvm is meant for the VMM. */
		r->signal = (int)si.ssi_signo;
		if (!r->exited)
			kill(r->pid, (int)si.ssi_signo);
		return;
	}
	if (!r->exited && waitpid(r->pid, &r->wstatus, WNOHANG) == r->pid) {
		r->exited = true;
		exec_ctl__stopping(&r->ctl);
	}
}

static int poll_timeout(const struct exec_run *r, uint64_t now, bool tail)
{
	uint64_t next = UINT64_MAX;

	if (tail)
		next = now + 100000000ULL;
	if (r->deadline_ns && !r->stopping && r->deadline_ns < next)
		next = r->deadline_ns;
	if (r->kill_ns && r->kill_ns < next)
		next = r->kill_ns;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000ULL) + 1;
}

static void tail_log(struct exec_run *r, struct exec_state *x,
		     const struct exec_opts *o)
{
	struct watch *w = &r->w[2];

	if (!o->console_log)
		return;
	if (w->fd < 0)
		w->fd = open(o->console_log, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	while (w->fd >= 0 && !r->matched) {
		char buf[65536];
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		scan(r, x, o, w, buf, (size_t)n);
	}
}

static void check_clocks(struct exec_run *r, const struct exec_opts *o)
{
	uint64_t now = now_ns();

	if (r->deadline_ns && now >= r->deadline_ns && !r->stopping) {
		log_err("exec: --timeout: stopping the VMM");
		r->timed_out = true;
		stop_vmm(r, o);
	}
	if (r->kill_ns && now >= r->kill_ns && !r->exited) {
		kill(r->pid, SIGKILL);
		r->kill_ns = 0;
	}
}

/* Until the VMM is gone and its channel and pipes are drained. */
static void run_loop(struct exec_run *r, struct exec_state *x,
		     const struct exec_opts *o)
{
	uint64_t exit_ns = 0;

	for (;;) {
		struct pollfd p[5] = {
			{ .fd = r->chan, .events = POLLIN },
			{ .fd = r->w[0].out >= 0 ? r->w[0].fd : -1,
			  .events = POLLIN },
			{ .fd = r->w[1].out >= 0 ? r->w[1].fd : -1,
			  .events = POLLIN },
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->ctl.stop_pipe[0], .events = POLLIN },
		};
		uint64_t now = now_ns();
		int t = poll_timeout(r, now, o->console_log != NULL);

		if (r->exited) {
			/* A grandchild may hold the pipes: wait 1 s at most. */
			if (!exit_ns)
				exit_ns = now;
			if (now - exit_ns > 1000000000ULL ||
			    (p[0].fd < 0 && p[1].fd < 0 && p[2].fd < 0))
				break;
			t = 100;
			p[3].fd = -1;
			p[4].fd = -1;
		}
		if (poll(p, 5, t) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			on_chan(r, x);
		for (int i = 0; i < 2; i++)
			if (p[i + 1].revents)
				pump(r, x, o, &r->w[i]);
		if (p[3].revents)
			on_signal(r);
		if (p[4].revents && exec_ctl__take_stop(&r->ctl))
			stop_vmm(r, o);
		tail_log(r, x, o);
		check_clocks(r, o);
	}
}

static int vmm_status(const struct exec_run *r, const struct exec_state *x)
{
	int sig;

	if (x->refused)
		return ZAPVM_EXIT_UNAVAILABLE;
	if (r->timed_out)
		return ZAPVM_EXIT_TIMEOUT;
	if (WIFEXITED(r->wstatus))
		return WEXITSTATUS(r->wstatus);
	sig = WIFSIGNALED(r->wstatus) ? WTERMSIG(r->wstatus) : 0;
	/* --until boot-done: the stop zapvm asked for is a success. */
	if (r->matched && r->stopping && (sig == SIGTERM || sig == SIGKILL))
		return 0;
	return 128 + sig;
}

int exec__check(const char *vmm, char *path, size_t len, char *lib,
		size_t liblen)
{
	int ret = resolve_vmm(vmm, path, len);

	if (ret)
		return ret;
	if (is_static_elf(path)) {
		log_err("exec: %s is statically linked: LD_PRELOAD cannot "
			"reach its ioctls; start it yourself and use 'zapvm "
			"attach PID'",
			path);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	if (find_preload(lib, liblen)) {
		log_err("exec: %s not found (beside zapvm, in its build "
			"tree's preload/, in %s; or set $ZAPVM_PRELOAD)",
			PRELOAD_NAME, ZAPVM_PRELOAD_LIBDIR);
		return ZAPVM_EXIT_UNAVAILABLE;
	}
	return 0;
}

static int start(const struct exec_opts *o, char **argv, char *path, size_t len,
		 struct exec_run *r)
{
	char lib[PATH_MAX];
	int ret;

	ret = exec__check(argv[0], path, len, lib, sizeof(lib));
	if (ret)
		return ret;
	ret = regcomp(&r->re, o->boot_done, REG_EXTENDED | REG_NOSUB);
	if (ret) {
		log_err("--boot-done '%s': not a POSIX extended regex",
			o->boot_done);
		return ZAPVM_EXIT_USAGE;
	}
	ret = block_signals(r);
	if (ret) {
		log_err("exec: signalfd: %s", strerror(-ret));
		regfree(&r->re);
		return ZAPVM_EXIT_SOFTWARE;
	}
	/* As `zapvm run`: socket and knobs go back on every exit from here. */
	ret = exec_ctl__open(&r->ctl, o->name);
	if (!ret)
		ret = knob_pair__set(&r->knobs, o->prefetch, o->root_zap);
	if (!ret)
		ret = spawn(o, path, argv, lib, r);
	if (ret < 0) {
		log_err("exec: cannot start %s: %s", path, strerror(-ret));
		knob_pair__restore(&r->knobs);
		ret = ZAPVM_EXIT_SOFTWARE;
	}
	if (ret) {
		exec_ctl__close(&r->ctl);
		close(r->sigfd);
		sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
		regfree(&r->re);
	}
	return ret;
}

int exec__run(const struct exec_opts *o, char **argv, struct exec_state *x,
	      struct exec_outcome *out)
{
	struct exec_run r = { .pid = -1,
			      .chan = -1,
			      .sigfd = -1,
			      .ctl = { .stop_pipe = { -1, -1 } } };
	int ret, kret;

	memset(out, 0, sizeof(*out));
	out->sigfd = -1;
	for (int i = 0; i < 3; i++)
		r.w[i] = (struct watch){ .fd = -1, .out = -1 };
	x->policy = o->policy;
	x->thp = o->thp;
	x->trace = o->trace;
	x->trace_extra = o->trace_extra;
	x->sample_ms = o->sample_ms;
	x->t0 = now_ns();
	ret = start(o, argv, out->path, sizeof(out->path), &r);
	if (ret)
		return ret;
	exec_ctl__start(&r.ctl, x, r.pid, out->path);
	if (o->timeout_ms)
		r.deadline_ns = x->t0 + o->timeout_ms * 1000000ULL;
	run_loop(&r, x, o);
	exec_ctl__close(&r.ctl);
	kret = knob_pair__restore(&r.knobs);
	exec__finish(x);
	out->status = vmm_status(&r, x);
	if (!out->status)
		out->status = kret;
	out->wstatus = r.wstatus;
	out->matched = r.matched;
	out->timed_out = r.timed_out;
	out->signal = r.signal;
	regfree(&r.re);
	if (r.chan >= 0)
		close(r.chan);
	/* Blocked until exec__release(): no ending signal cuts the caller's
	 * results short. */
	out->sigfd = r.sigfd;
	out->old_mask = r.old_mask;
	return 0;
}

void exec__release(struct exec_outcome *out)
{
	if (out->sigfd < 0)
		return;
	close(out->sigfd);
	out->sigfd = -1;
	sigprocmask(SIG_SETMASK, &out->old_mask, NULL);
}
