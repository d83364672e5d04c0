// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm list|stop|pause|resume|stats|policy: clients of the control socket
 * of running VMs (control.h has the protocol).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/control.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#define CTL_TIMEOUT_MS 5000 /* per send or receive */
#define CTL_STOP_WAIT_MS 10000 /* for the VM to end after a stop */
#define CTL_MAX_REPLY (16u << 20)

/* The exit status for an error answer's "code". */
static int code_to_exit(const char *code)
{
	static const char *const unavailable[] = { "unsupported", "stopping",
						   "busy", "version" };

	for (size_t i = 0; i < ARRAY_SIZE(unavailable); i++)
		if (code && !strcmp(code, unavailable[i]))
			return ZAPVM_EXIT_UNAVAILABLE;
	return ZAPVM_EXIT_SOFTWARE;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line into a malloc'ed string (newline dropped). 0 or -errno. */
static int recv_line(int fd, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nl = NULL;

	if (!buf)
		return -ENOMEM;
	while (!nl) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *b;

			if (cap >= CTL_MAX_REPLY) {
				free(buf);
				return -EMSGSIZE;
			}
			cap *= 2;
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EPIPE;

			free(buf);
			return err == EAGAIN ? -ETIMEDOUT : -err;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	*nl = '\0';
	*out = buf;
	return 0;
}

/*
 * Remove the socket at @path, which refused a connection, if it is stale
 * (its VM is gone); 0 when this call removed it, -ENOENT when it was gone
 * already, else control__clear_stale()'s -errno: -EEXIST is something
 * other than a socket, left alone.
 */
static int remove_stale(const char *path)
{
	enum control_stale did;
	int ret = control__clear_stale(path, &did);

	if (ret && ret != -EEXIST && ret != -EADDRINUSE)
		log_debug("cannot remove %s: %s", path, strerror(-ret));
	/* Gone before we looked: somebody else removed it, not us. */
	return ret || did == CONTROL_STALE_REMOVED ? ret : -ENOENT;
}

/*
 * Nothing answers at @path (@fd: -ENOENT or -ECONNREFUSED): say so, and
 * say only what was done about it. Returns ZAPVM_EXIT_NOINPUT.
 */
static int no_vm(const char *name, const char *path, int fd, int quiet_missing)
{
	int ret = fd == -ECONNREFUSED ? remove_stale(path) : -ENOENT;
	const char *what = "";

	if (ret == -EEXIST)
		what = " (its .sock is not a socket: left alone)";
	else if (!ret)
		what = "; removed its stale socket";
	if (!quiet_missing)
		log_err("no VM named '%s' is running%s (see 'zapvm list')",
			name, what);
	else if (ret == -EEXIST)
		log_warn("%s: %s is not a socket: left alone", name, path);
	else if (!ret)
		log_warn("%s: removed a stale control socket (its VM is gone)",
			 name);
	else if (ret != -ENOENT && ret != -EADDRINUSE)
		log_warn("%s: cannot remove the stale control socket %s: %s",
			 name, path, strerror(-ret));
	return ZAPVM_EXIT_NOINPUT;
}

/*
 * Send request @req to VM @name and parse its answer into *@reply. *@fdp
 * (if not NULL) keeps the connection. Returns 0, or an exit status after one
 * line on stderr (a reply with "ok": false is 0 here).
 */
int ctl__call(const char *name, const char *req, struct json_object **reply,
	      int *fdp, int quiet_missing)
{
	static const struct answer_field header[] = {
		{ "v", json_type_int },
		{ "ok", json_type_boolean },
		{ 0 },
	};
	char path[256], *line = NULL;
	struct json_object *o, *v;
	const char *why;
	int fd, ret;

	*reply = NULL;
	if (!control__valid_name(name)) {
		log_err("'%s' is not a VM name (1 to %d of A-Z a-z 0-9 . _ -)",
			name, CONTROL_MAX_NAME);
		return ZAPVM_EXIT_USAGE;
	}
	ret = control__sock_path(name, path, sizeof(path));
	if (ret == -ENOENT) {
		log_err("no VM named '%s': XDG_RUNTIME_DIR is not set, so there "
			"are no control sockets",
			name);
		return ZAPVM_EXIT_NOINPUT;
	}
	if (ret) {
		log_err("%s: control socket path too long", name);
		return ZAPVM_EXIT_USAGE;
	}
	fd = control__connect(path, CTL_TIMEOUT_MS);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return no_vm(name, path, fd, quiet_missing);
	if (fd == -EACCES || fd == -EPERM) {
		log_err("%s: %s: permission denied", name, path);
		return ZAPVM_EXIT_NOPERM;
	}
	if (fd < 0) {
		log_err("%s: cannot connect to %s: %s", name, path,
			strerror(-fd));
		return ZAPVM_EXIT_IOERR;
	}
	ret = send_all(fd, req, strlen(req));
	if (!ret)
		ret = recv_line(fd, &line);
	if (ret) {
		log_err("%s: no answer from the VM: %s", name,
			ret == -EPIPE ? "connection closed" : strerror(-ret));
		close(fd);
		return ZAPVM_EXIT_IOERR;
	}
	o = answer__parse(line, &why);
	free(line);
	ret = o ? answer__check_fields(name, o, header) :
		  answer__malformed(name, "%s", why);
	if (!ret) {
		json_object_object_get_ex(o, "v", &v);
		if (json_object_get_int64(v) != CONTROL_VERSION)
			ret = answer__malformed(
				name, "\"v\" is %lld, not %d",
				(long long)json_object_get_int64(v),
				CONTROL_VERSION);
	}
	if (ret) {
		json_object_put(o);
		close(fd);
		return ret;
	}
	*reply = o;
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

/*
 * An error answer: one line and its exit status; 0 for "ok": true, whose
 * fields @f must then have (NULL: none).
 */
int ctl__reply_status(const char *name, struct json_object *o,
		      const struct answer_field *f)
{
	static const struct answer_field error[] = {
		{ "error", json_type_string, true },
		{ "code", json_type_string, true },
		{ 0 },
	};
	char buf[1024];
	const char *err;
	int ret;

	if (jbool(o, "ok"))
		return f ? answer__check_fields(name, o, f) : 0;
	ret = answer__check_fields(name, o, error);
	if (ret)
		return ret;
	err = jstr(o, "error");
	log_err("%s: %s", name,
		err ? answer__printable(err, buf, sizeof(buf)) :
		      "request failed");
	return code_to_exit(jstr(o, "code"));
}

static int request(const char *name, const char *cmd, const char *policy,
		   struct json_object **reply, int *fdp)
{
	char req[128];

	if (policy)
		snprintf(req, sizeof(req),
			 "{\"v\":%d,\"cmd\":\"%s\",\"policy\":\"%s\"}\n",
			 CONTROL_VERSION, cmd, policy);
	else
		snprintf(req, sizeof(req), "{\"v\":%d,\"cmd\":\"%s\"}\n",
			 CONTROL_VERSION, cmd);
	return ctl__call(name, req, reply, fdp, 0);
}

/*
 * Parse the options of a command taking one NAME; @extra handles the
 * command's own ones (return 0 or an exit status). Returns 0 with *@name
 * set, -1 after --help, or an exit status.
 */
static int name_args(int argc, char **argv, const char *usage,
		     const struct option *opts,
		     int (*extra)(int c, const char *arg, void *ctx), void *ctx,
		     const char **name)
{
	int c, ret = 0;

	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: zapvm %s\n", usage);
			return -1;
		}
		if (common_opt(c))
			continue;
		ret = extra && c >= 256 ? extra(c, optarg, ctx) :
					  ZAPVM_EXIT_USAGE;
	}
	if (ret)
		return ret;
	if (optind != argc - 1) {
		log_err("usage: zapvm %s", usage);
		return ZAPVM_EXIT_USAGE;
	}
	*name = argv[optind];
	return 0;
}

#define BASE_OPTS                                    \
	{ "verbose", no_argument, NULL, 'v' },       \
		{ "quiet", no_argument, NULL, 'q' }, \
	{                                            \
		"help", no_argument, NULL, 'h'       \
	}

/* ---- pause, resume --------------------------------------------------- */

static int pause_resume(int argc, char **argv, bool pause)
{
	static const struct option opts[] = { BASE_OPTS, { 0 } };
	static const struct answer_field pause_fields[] = {
		{ "state", json_type_string },
		{ "changed", json_type_boolean },
		{ 0 },
	};
	struct json_object *o;
	const char *name;
	int ret = name_args(argc, argv, pause ? "pause NAME" : "resume NAME",
			    opts, NULL, NULL, &name);

	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(name, pause ? "pause" : "resume", NULL, &o, NULL);
	if (ret)
		return ret;
	ret = ctl__reply_status(name, o, pause_fields);
	if (!ret)
		printf("%s: %s%s\n", name,
		       jbool(o, "changed") ? "" : "already ",
		       pause ? "paused" : "running");
	json_object_put(o);
	return ret;
}

int cmd_pause(int argc, char **argv)
{
	return pause_resume(argc, argv, true);
}

int cmd_resume(int argc, char **argv)
{
	return pause_resume(argc, argv, false);
}

/* ---- stop ------------------------------------------------------------ */

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = { BASE_OPTS, { 0 } };
	struct json_object *o;
	const char *name;
	uint64_t deadline;
	int fd = -1,
	    ret = name_args(argc, argv, "stop NAME", opts, NULL, NULL, &name);

	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(name, "stop", NULL, &o, &fd);
	if (ret)
		return ret;
	ret = ctl__reply_status(name, o, NULL);
	json_object_put(o);
	/* The VM closes the connection once its vCPUs are done. */
	deadline = now_ns() + CTL_STOP_WAIT_MS * 1000000ULL;
	while (!ret) {
		char buf[256];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
		if (now_ns() >= deadline) {
			log_err("%s: the VM did not stop within %d s", name,
				CTL_STOP_WAIT_MS / 1000);
			ret = ZAPVM_EXIT_IOERR;
		}
	}
	close(fd);
	if (!ret)
		printf("%s: stopped\n", name);
	return ret;
}

/* ---- stats ----------------------------------------------------------- */

struct stats_opts {
	bool json, all;
};

static int stats_opt(int c, const char *arg, void *ctx)
{
	struct stats_opts *so = ctx;

	if (c == 256)
		so->json = true;
	else
		so->all = true;
	return 0;
}

/* The stats answer @o: its sets and units typed as print_stats() reads. */
static int check_stats(const char *name, struct json_object *o)
{
	static const struct answer_field stats_fields[] = {
		{ "vm", json_type_object },
		{ "vcpu", json_type_object },
		{ "vcpus", json_type_array },
		{ "units", json_type_object },
		{ 0 },
	};
	struct json_object *v;
	char path[32], k[128];
	int ret = ctl__reply_status(name, o, stats_fields);

	if (!ret && json_object_object_get_ex(o, "vm", &v))
		ret = answer__check_set(name, "vm", v);
	if (!ret && json_object_object_get_ex(o, "vcpu", &v))
		ret = answer__check_set(name, "vcpu", v);
	if (!ret && json_object_object_get_ex(o, "vcpus", &v)) {
		for (size_t i = 0; !ret && i < json_object_array_length(v);
		     i++) {
			snprintf(path, sizeof(path), "vcpus[%zu]", i);
			ret = answer__check_set(
				name, path, json_object_array_get_idx(v, i));
		}
	}
	if (ret || !json_object_object_get_ex(o, "units", &v))
		return ret;
	json_object_object_foreach(v, key, unit)
	{
		if (!json_object_is_type(unit, json_type_string))
			return answer__malformed(
				name, "\"units\".\"%s\" is %s, not a string",
				answer__printable(key, k, sizeof(k)),
				answer__type_name(json_object_get_type(unit)));
	}
	return 0;
}

/* One checked set (check_stats()); names and units printed escaped. */
static void print_scope(const char *scope, struct json_object *set,
			struct json_object *units, bool all)
{
	json_object_object_foreach(set, key, val)
	{
		const char *unit = jstr(units, key);
		bool hist = json_object_is_type(val, json_type_array);
		size_t nb = hist ? json_object_array_length(val) : 0;
		uint64_t sum = hist ? 0 : json_object_get_uint64(val);
		char k[256], u[64];

		for (size_t j = 0; j < nb; j++)
			sum += json_object_get_uint64(
				json_object_array_get_idx(val, j));
		if (!sum && !all)
			continue;
		printf("  %-6s %-32s %20" PRIu64 "%s%s", scope,
		       answer__printable(key, k, sizeof(k)), sum,
		       unit ? " " : "",
		       unit ? answer__printable(unit, u, sizeof(u)) : "");
		for (size_t j = 0; j < nb; j++) {
			uint64_t b = json_object_get_uint64(
				json_object_array_get_idx(val, j));

			if (b)
				printf(" [%zu]=%" PRIu64, j, b);
		}
		putchar('\n');
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		BASE_OPTS,
		{ "json", no_argument, NULL, 256 },
		{ "all", no_argument, NULL, 257 },
		{ 0 },
	};
	struct stats_opts so = { 0 };
	struct json_object *o, *units = NULL, *vm = NULL, *vcpu = NULL,
			       *vcpus = NULL;
	const char *name;
	int ret = name_args(argc, argv, "stats NAME [--json] [--all]", opts,
			    stats_opt, &so, &name);

	if (ret)
		return ret < 0 ? 0 : ret;
	ret = request(name, "stats", NULL, &o, NULL);
	if (ret)
		return ret;
	ret = check_stats(name, o);
	if (ret)
		goto out;
	if (so.json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       o, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_SPACED |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		goto out;
	}
	json_object_object_get_ex(o, "units", &units);
	json_object_object_get_ex(o, "vm", &vm);
	json_object_object_get_ex(o, "vcpu", &vcpu);
	json_object_object_get_ex(o, "vcpus", &vcpus);
	printf("%s: live KVM stats (vCPU values summed over vCPUs, peaks: "
	       "the maximum)\n",
	       name);
	print_scope("vm", vm, units, so.all);
	print_scope("vcpu", vcpu, units, so.all);
	if (json_object_array_length(vcpus) > 1) {
		for (size_t i = 0; i < json_object_array_length(vcpus); i++) {
			char scope[32];

			snprintf(scope, sizeof(scope), "vcpu%zu", i);
			print_scope(scope, json_object_array_get_idx(vcpus, i),
				    units, so.all);
		}
	}
out:
	json_object_put(o);
	return ret;
}

/* ---- policy ---------------------------------------------------------- */

static int policy_opt(int c, const char *arg, void *ctx)
{
	enum zap_policy p;

	if (zap_policy__parse(arg, &p) || p == ZAP_DEFAULT) {
		log_err("--zap-policy '%s': expected all or slot", arg);
		return ZAPVM_EXIT_USAGE;
	}
	*(const char **)ctx = zap_policy__name(p);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		BASE_OPTS,
		{ "zap-policy", required_argument, NULL, 256 },
		{ 0 },
	};
	static const struct answer_field policy_fields[] = {
		{ "policy", json_type_string },
		{ "interface", json_type_string },
		{ "changed", json_type_boolean },
		{ 0 },
	};
	const char *usage = "policy NAME --zap-policy all|slot";
	const char *policy = NULL, *name;
	struct json_object *o;
	char pol[64], iface[256];
	int ret =
		name_args(argc, argv, usage, opts, policy_opt, &policy, &name);

	if (ret)
		return ret < 0 ? 0 : ret;
	if (!policy) {
		log_err("policy: --zap-policy all|slot is required");
		return ZAPVM_EXIT_USAGE;
	}
	ret = request(name, "policy", policy, &o, NULL);
	if (ret)
		return ret;
	ret = ctl__reply_status(name, o, policy_fields);
	if (!ret)
		printf("%s: zap policy %s%s (%s)\n", name,
		       jbool(o, "changed") ? "" : "already ",
		       answer__printable(jstr(o, "policy"), pol, sizeof(pol)),
		       answer__printable(jstr(o, "interface"), iface,
					 sizeof(iface)));
	json_object_put(o);
	return ret;
}

/* ---- list ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the sockets in @dir, sorted; *@n of them. NULL: none. */
char **ctl__scan_dir(const char *dir, size_t *n, int *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	*err = 0;
	if (!d) {
		*err = errno == ENOENT ? 0 : -errno;
		return NULL;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *name;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".sock"))
			continue;
		name = strndup(e->d_name, len - 5);
		if (!name || !control__valid_name(name)) {
			free(name);
			continue;
		}
		if (*n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 16) *
							   sizeof(*names));

			if (!nn) {
				free(name);
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		names[(*n)++] = name;
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void format_mem(uint64_t b, char *buf, size_t len)
{
	if (b && !(b & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%" PRIu64 "G", b >> 30);
	else if (b && !(b & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%" PRIu64 "M", b >> 20);
	else
		snprintf(buf, len, "%" PRIu64, b);
}

/*
 * One running VM of `zapvm list`: its row, or with @arr (--json) its info
 * reply added to @arr. 0, or ZAPVM_EXIT_IOERR when it does not answer.
 */
static int list_one(const char *name, struct json_object *arr)
{
	static const struct answer_field info_fields[] = {
		{ "pid", json_type_int },
		{ "state", json_type_string },
		{ "vcpus", json_type_int },
		{ "mem", json_type_int },
		{ "guest", json_type_string, true },
		{ 0 },
	};
	struct json_object *o = NULL, *v;
	char mem[32], state[64], guest[1024];
	int r = ctl__call(name, "{\"v\":1,\"cmd\":\"info\"}\n", &o, NULL, 1);

	if (r == ZAPVM_EXIT_NOINPUT)
		return 0; /* gone, or stale and removed */
	if (!r)
		r = ctl__reply_status(name, o, info_fields);
	if (r) {
		json_object_put(o);
		if (!arr)
			printf("%-20s %8s %-9s %5s %6s  %s\n", name, "?",
			       "no-reply", "?", "?", "?");
		return ZAPVM_EXIT_IOERR;
	}
	if (arr) {
		json_object_object_del(o, "v");
		json_object_object_del(o, "ok");
		json_object_array_add(arr, o);
		return 0;
	}
	json_object_object_get_ex(o, "mem", &v);
	format_mem(json_object_get_uint64(v), mem, sizeof(mem));
	json_object_object_get_ex(o, "pid", &v);
	printf("%-20s %8d %-9s ", name, json_object_get_int(v),
	       answer__printable(jstr(o, "state"), state, sizeof(state)));
	json_object_object_get_ex(o, "vcpus", &v);
	printf("%5d %6s  %s\n", json_object_get_int(v), mem,
	       answer__printable(jstr(o, "guest"), guest, sizeof(guest)));
	json_object_put(o);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		BASE_OPTS,
		{ "json", no_argument, NULL, 256 },
		{ 0 },
	};
	struct json_object *arr = NULL;
	char dir[256], **names;
	bool json = false;
	size_t n = 0;
	int c, err, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: zapvm list [--json]\n");
			return 0;
		}
		if (c == 256)
			json = true;
		else if (!common_opt(c))
			return ZAPVM_EXIT_USAGE;
	}
	if (optind != argc) {
		log_err("usage: zapvm list [--json]");
		return ZAPVM_EXIT_USAGE;
	}
	err = control__dir(dir, sizeof(dir));
	names = err ? NULL : ctl__scan_dir(dir, &n, &err);
	if (err && err != -ENOENT) {
		log_err("cannot read the control directory %s: %s", dir,
			strerror(-err));
		return errno_to_exit(err);
	}
	if (json) {
		arr = json_object_new_array();
		if (!arr)
			return ZAPVM_EXIT_SOFTWARE;
	} else {
		printf("%-20s %8s %-9s %5s %6s  %s\n", "NAME", "PID", "STATE",
		       "VCPUS", "MEM", "GUEST");
	}
	for (size_t i = 0; i < n; i++) {
		if (list_one(names[i], arr))
			ret = ZAPVM_EXIT_IOERR;
	}
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       arr, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}
