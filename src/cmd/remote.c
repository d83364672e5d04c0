// SPDX-License-Identifier: GPL-2.0-only
/* System calls inside another process through ptrace (remote.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "zapvm/remote.h"
#include "zapvm/util.h"

#define SCRATCH_MAX 256
#define STOP_WAIT_MS 2000
#define CALL_WAIT_MS 10000
/* Threads that never stop for ptrace: kthreads, io_uring and vhost workers. */
#define PF_IO_WORKER 0x00000010
#define PF_USER_WORKER 0x00004000
#define PF_KTHREAD 0x00200000

/* The next stop of traced thread @tid within @ms: 0, or -errno. */
static int wait_stop(pid_t tid, int *sig, unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL;
	struct timespec ts = { 0, 1000000 };
	int st;

	for (;;) {
		pid_t p = waitpid(tid, &st, __WALL | WNOHANG);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return -errno;
		if (p == tid && (WIFEXITED(st) || WIFSIGNALED(st)))
			return -ESRCH;
		if (p == tid && WIFSTOPPED(st)) {
			*sig = WSTOPSIG(st);
			return 0;
		}
		if (now_ns() > end)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

/* A `syscall` (0f 05) in the target's vDSO, or 0. */
static uint64_t vdso_syscall(pid_t pid)
{
	unsigned long lo, hi;
	char path[64], line[256], buf[8192];
	struct iovec l = { buf, sizeof(buf) }, rv;
	uint64_t found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		ssize_t n;

		if (!strstr(line, "[vdso]") ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		rv.iov_base = (void *)lo;
		rv.iov_len = hi - lo < sizeof(buf) ? hi - lo : sizeof(buf);
		l.iov_len = rv.iov_len;
		n = process_vm_readv(pid, &l, 1, &rv, 1, 0);
		for (ssize_t i = 0; i + 1 < n; i++)
			if ((uint8_t)buf[i] == 0x0f && buf[i + 1] == 0x05) {
				found = lo + (uint64_t)i;
				break;
			}
	}
	fclose(f);
	return found;
}

static bool is_worker(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	unsigned long flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	f = fopen(path, "re");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "comm)": state ppid pgrp session tty_nr tpgid flags. */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return true;
	return flags & (PF_IO_WORKER | PF_USER_WORKER | PF_KTHREAD);
}

static bool seized(const struct remote *r, pid_t tid)
{
	for (unsigned int i = 0; i < r->ntids; i++)
		if (r->tids[i] == tid)
			return true;
	return false;
}

/* Stop every thread not stopped yet; the number newly stopped, or -errno. */
static int seize_pass(struct remote *r)
{
	char path[64];
	struct dirent *d;
	int added = 0, sig, ret = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)r->pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!ret && (d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0 || seized(r, tid) || is_worker(r->pid, tid) ||
		    r->ntids == REMOTE_MAX_THREADS)
			continue;
		if (ptrace(PTRACE_SEIZE, tid, NULL, NULL)) {
			/* A thread that just ended is no failure. */
			if (errno != ESRCH)
				ret = -errno;
			continue;
		}
		r->tids[r->ntids++] = tid;
		added++;
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) ||
		    wait_stop(tid, &sig, STOP_WAIT_MS))
			ret = tid == r->pid ? -ESRCH : 0;
	}
	closedir(dir);
	return ret ? ret : added;
}

int remote__attach(struct remote *r, pid_t pid)
{
	long word;
	int ret;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->tid = pid;
	/* Threads may start while we stop others: until a pass adds none. */
	for (int pass = 0; pass < 8; pass++) {
		ret = seize_pass(r);
		if (ret <= 0)
			break;
	}
	if (ret < 0)
		return ret;
	if (!seized(r, pid))
		return -ESRCH;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &r->saved))
		return -errno;
	r->regs_saved = true;
	/* Stopped in a system call: the instruction just before rip. */
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(r->saved.rip - 2), NULL);
	if (!errno && (word & 0xffff) == 0x050f)
		r->syscall_ip = r->saved.rip - 2;
	else
		r->syscall_ip = vdso_syscall(pid);
	if (!r->syscall_ip)
		return -ENOEXEC;
	r->scratch = (r->saved.rsp - 128 - SCRATCH_MAX) & ~(uint64_t)15;
	return 0;
}

int remote__syscall(struct remote *r, long nr, uint64_t a0, uint64_t a1,
		    uint64_t a2, long *ret)
{
	struct user_regs_struct regs = r->saved;
	int sig, err;

	regs.rax = (uint64_t)nr;
	/* No syscall restart for the one it was stopped in: it is ours now. */
	regs.orig_rax = (uint64_t)-1;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.rip = r->syscall_ip;
	if (ptrace(PTRACE_SETREGS, r->tid, NULL, &regs) ||
	    ptrace(PTRACE_SINGLESTEP, r->tid, NULL, NULL))
		return -errno;
	err = wait_stop(r->tid, &sig, CALL_WAIT_MS);
	if (err)
		return err;
	if (ptrace(PTRACE_GETREGS, r->tid, NULL, &regs))
		return -errno;
	if (sig != SIGTRAP || regs.rip != r->syscall_ip + 2)
		return -EINTR;
	*ret = (long)regs.rax;
	return 0;
}

int remote__poke(struct remote *r, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len > SCRATCH_MAX)
		return -EINVAL;
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word = 0;
		size_t k = len - off < sizeof(long) ? len - off : sizeof(long);

		if (k < sizeof(long)) {
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, r->tid,
				      (void *)(r->scratch + off), NULL);
			if (errno)
				return -errno;
		}
		memcpy(&word, p + off, k);
		if (ptrace(PTRACE_POKEDATA, r->tid, (void *)(r->scratch + off),
			   (void *)word))
			return -errno;
	}
	return 0;
}

void remote__detach(struct remote *r)
{
	/*
	 * Its own registers: a system call it was in restarts (or returns
	 * EINTR) as after any signal that has no handler.
	 */
	if (r->regs_saved)
		ptrace(PTRACE_SETREGS, r->tid, NULL, &r->saved);
	r->regs_saved = false;
	for (unsigned int i = 0; i < r->ntids; i++)
		ptrace(PTRACE_DETACH, r->tids[i], NULL, NULL);
	r->ntids = 0;
}
