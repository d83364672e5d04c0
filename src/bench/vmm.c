// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench exec: the external VMM's command line with each cell's
 * values in its {placeholders}, its checks before any run (found, not
 * static, the preload library there), and its record: resolved path,
 * version, arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/exec.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"

#define VERSION_WAIT_MS 2000

/* A growing string; len includes no terminator. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sbuf__add(struct sbuf *s, const char *p, size_t n)
{
	char *np;

	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->len + n + 1) * 2;

		np = realloc(s->p, cap);
		if (!np) {
			s->oom = true;
			return;
		}
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

/* The value of placeholder @name (@n bytes) into @buf; -EINVAL if none. */
static int placeholder(const char *name, size_t n, uint64_t mem,
		       unsigned int cpus, char *buf, size_t len,
		       unsigned int *used)
{
	static const struct {
		const char *name;
		unsigned int kind;
		bool bytes;
	} known[] = {
		{ "mem", VMM_P_MEM, false },
		{ "mem_mib", VMM_P_MEM, false },
		{ "mem_bytes", VMM_P_MEM, true },
		{ "cpus", VMM_P_CPUS, false },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(known); i++) {
		if (strlen(known[i].name) != n ||
		    memcmp(known[i].name, name, n))
			continue;
		*used |= known[i].kind;
		if (known[i].kind == VMM_P_CPUS)
			snprintf(buf, len, "%u", cpus);
		else
			snprintf(buf, len, "%llu",
				 (unsigned long long)(known[i].bytes ?
							      mem :
							      mem >> 20));
		return 0;
	}
	return -EINVAL;
}

char *vmm__expand(const char *tmpl, uint64_t mem, unsigned int cpus,
		  unsigned int *used, char *bad, size_t badlen)
{
	struct sbuf s = { 0 };
	const char *p = tmpl;

	sbuf__add(&s, "", 0);
	while (*p) {
		size_t lit = strcspn(p, "{"), n;
		char val[32];

		sbuf__add(&s, p, lit);
		p += lit;
		if (!*p)
			break;
		if (p[1] == '{') {
			sbuf__add(&s, "{", 1);
			p += 2;
			continue;
		}
		n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (!n || p[1 + n] != '}') {
			sbuf__add(&s, p, 1);
			p++;
			continue;
		}
		if (placeholder(p + 1, n, mem, cpus, val, sizeof(val), used)) {
			snprintf(bad, badlen, "%.*s", (int)n + 2, p);
			free(s.p);
			errno = EINVAL;
			return NULL;
		}
		sbuf__add(&s, val, strlen(val));
		p += n + 2;
	}
	if (s.oom) {
		free(s.p);
		errno = ENOMEM;
		return NULL;
	}
	return s.p;
}

int vmm__check_opts(const struct bench_opts *o, unsigned int given_mem,
		    unsigned int given_cpus)
{
	unsigned int used = 0;
	char bad[64];

	if (!o->vmm_argv || !o->vmm_argv[0] || !o->vmm_argv[0][0]) {
		log_err("bench exec: no VMM after -- (zapvm bench exec "
			"[OPTIONS] -- VMM [ARGS...])");
		return ZAPVM_EXIT_USAGE;
	}
	for (char **a = o->vmm_argv; *a; a++) {
		char *x =
			vmm__expand(*a, 1ULL << 20, 1, &used, bad, sizeof(bad));

		/* The VMM is found once, before the cells exist. */
		if (a == o->vmm_argv && used) {
			free(x);
			log_err("bench exec: the VMM's name '%s' takes no "
				"placeholder",
				*a);
			return ZAPVM_EXIT_USAGE;
		}

		if (!x && errno == EINVAL) {
			log_err("bench exec: unknown placeholder %s in '%s' "
				"(known: {mem} {mem_mib} {mem_bytes} {cpus}; "
				"{{ for a literal {)",
				bad, *a);
			return ZAPVM_EXIT_USAGE;
		}
		if (!x)
			return ZAPVM_EXIT_SOFTWARE;
		free(x);
	}
	/* Without its placeholder a list would run one command many times. */
	if (given_mem && !(used & VMM_P_MEM)) {
		log_err("bench exec: --mem needs {mem} (or {mem_mib}, "
			"{mem_bytes}) in the VMM's arguments");
		return ZAPVM_EXIT_USAGE;
	}
	if (given_cpus && !(used & VMM_P_CPUS)) {
		log_err("bench exec: --cpus needs {cpus} in the VMM's "
			"arguments");
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

/*
 * The first line of `VMM --version` (stdin and stderr /dev/null), if it
 * exits 0 within VERSION_WAIT_MS; else NULL. Some VMMs do not know the
 * option, or start a VM instead: the wait is short and the answer null.
 */
static struct json_object *vmm__version(const char *path)
{
	char *const argv[] = { (char *)path, "--version", NULL };
	uint64_t end = now_ns() + VERSION_WAIT_MS * 1000000ULL;
	char buf[4096];
	size_t len = 0;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return NULL;
	pid = spawn__run(argv, p[1], true);
	close(p[1]);
	while (pid > 0 && len < sizeof(buf) - 1) {
		uint64_t now = now_ns();
		struct pollfd pfd = { p[0], POLLIN, 0 };
		ssize_t n;

		if (now >= end ||
		    poll(&pfd, 1, (int)((end - now) / 1000000) + 1) <= 0)
			break;
		n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (pid <= 0)
		return NULL;
	/* At its end or not, it has had its time. */
	kill(pid, SIGKILL);
	st = spawn__wait(pid);
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return !st && *buf ? json_object_new_string(buf) : NULL;
}

/* The command line of cell @c, quoted for a POSIX shell, into its args. */
static void vmm__cell_args(struct bench_cell *c)
{
	size_t n = 0, len = sizeof(c->args) - 5;

	for (char **a = c->argv; *a && n < len; a++) {
		bool plain = **a && !strpbrk(*a, " \t\n'\"\\$`*?[]{}()<>|;&#~");

		if (n)
			c->args[n++] = ' ';
		if (!plain)
			c->args[n++] = '\'';
		for (const char *p = *a; *p && n < len; p++) {
			if (*p == '\'' && !plain) {
				memcpy(c->args + n, "'\\''", 4);
				n += 4;
			} else {
				c->args[n++] = *p;
			}
		}
		if (!plain)
			c->args[n++] = '\'';
	}
	c->args[n] = '\0';
}

/* Every cell's argv, its placeholders expanded. */
static int vmm__cells(struct bench *b)
{
	unsigned int argc = 0, used = 0;
	char bad[64];

	while (b->o.vmm_argv[argc])
		argc++;
	for (unsigned int k = 0; k < b->ncells; k++) {
		struct bench_cell *c = &b->cells[k];

		c->argv = calloc(argc + 1, sizeof(*c->argv));
		if (!c->argv)
			return ZAPVM_EXIT_SOFTWARE;
		for (unsigned int i = 0; i < argc; i++) {
			c->argv[i] = vmm__expand(b->o.vmm_argv[i], c->mem,
						 c->cpus, &used, bad,
						 sizeof(bad));
			if (!c->argv[i])
				return errno == EINVAL ? ZAPVM_EXIT_USAGE :
							 ZAPVM_EXIT_SOFTWARE;
		}
		vmm__cell_args(c);
	}
	return 0;
}

static struct json_object *vmm__record(const struct bench *b, const char *given)
{
	struct json_object *e = json_object_new_object();
	struct json_object *av = json_object_new_array();

	for (char **a = b->o.vmm_argv; *a; a++)
		json_object_array_add(av, json_object_new_string(*a));
	json_object_object_add(e, "path", json_object_new_string(b->vmm_path));
	json_object_object_add(e, "given", json_object_new_string(given));
	json_object_object_add(e, "version", vmm__version(b->vmm_path));
	json_object_object_add(e, "argv", av);
	json_object_object_add(e, "placeholders",
			       json_object_new_string(
				       "{mem} {mem_mib}: MiB; {mem_bytes}: "
				       "bytes; {cpus}: vCPUs"));
	json_object_object_add(
		e, "boot_done",
		json_object_new_string(b->o.boot_done ?
					       b->o.boot_done :
					       EXEC_DEFAULT_BOOT_DONE));
	json_object_object_add(e, "until",
			       json_object_new_string(b->o.until_boot_done ?
							      "boot-done" :
							      "exit"));
	return e;
}

int vmm__preflight(struct bench *b)
{
	char lib[PATH_MAX], real[PATH_MAX];
	int ret;

	ret = exec__check(b->o.vmm_argv[0], b->vmm_path, sizeof(b->vmm_path),
			  lib, sizeof(lib));
	if (ret)
		return ret;
	/* For the record: the file that ran, symbolic links resolved. */
	if (realpath(b->vmm_path, real))
		snprintf(b->vmm_path, sizeof(b->vmm_path), "%s", real);
	ret = vmm__cells(b);
	if (ret)
		return ret;
	ret = bench__log_dir(b);
	if (ret)
		return ret;
	b->vmm_env = vmm__record(b, b->o.vmm_argv[0]);
	json_object_object_add(b->vmm_env, "console_logs",
			       json_object_new_string(b->log_dir));
	json_object_object_add(
		b->vmm_env, "console_logs_kept",
		json_object_new_string(b->keep_logs ? "all" : "failed runs"));
	json_object_object_add(b->host.json, "vmm",
			       json_object_get(b->vmm_env));
	return 0;
}

void vmm__env(const struct bench *b, FILE *f, const char *pfx)
{
	struct json_object *e = b->vmm_env, *v;
	bool same = true;

	if (!e || !b->ncells)
		return;
	v = json_object_object_get(e, "version");
	fprintf(f, "%svmm: %s; version: %s\n", pfx, b->vmm_path,
		v ? json_object_get_string(v) : "unknown (no --version line)");
	fprintf(f, "%svmm args:", pfx);
	for (char **a = b->o.vmm_argv + 1; *a; a++)
		fprintf(f, " '%s'", *a);
	fprintf(f, "\n%sboot-done: '%s'; until: %s; console logs: %s (%s)\n",
		pfx,
		json_object_get_string(json_object_object_get(e, "boot_done")),
		b->o.until_boot_done ? "boot-done" : "the VMM's exit",
		b->log_dir, b->keep_logs ? "all kept" : "failed runs' kept");
	for (unsigned int k = 1; k < b->ncells; k++)
		same &= !strcmp(b->cells[k].args, b->cells[0].args);
	if (same) {
		fprintf(f, "%scommand (every cell): %s\n", pfx,
			b->cells[0].args);
		return;
	}
	for (unsigned int k = 0; k < b->ncells; k++)
		fprintf(f, "%scell %u: %s\n", pfx, k + 1, b->cells[k].args);
}
