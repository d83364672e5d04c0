// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the control socket's clients (`zapvm list|stop|...`) and its server
 * (server.c) share: the request parser, VM names, the socket paths,
 * connecting, and removing a stale socket. Requests are untrusted input:
 * bounded lines, strict JSON, a one-line reason for anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "zapvm/control.h"

static const char *const cmd_names[] = {
	[CTL_INFO] = "info", [CTL_PAUSE] = "pause", [CTL_RESUME] = "resume",
	[CTL_STOP] = "stop", [CTL_STATS] = "stats", [CTL_POLICY] = "policy",
};

const char *control__cmd_name(enum control_cmd cmd)
{
	if ((unsigned int)cmd >= sizeof(cmd_names) / sizeof(cmd_names[0]))
		return NULL;
	return cmd_names[cmd];
}

bool control__valid_name(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char ch = name[n];

		if (n == CONTROL_MAX_NAME)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return n > 0;
}

/* ---- the protocol ---------------------------------------------------- */

/*
 * The keys of request @o: "v" into @v (when there), "cmd" and "policy" into
 * @cmd and @pol. 0, or -EINVAL with @why for another key or a "v" that is
 * not a number.
 */
static int parse_keys(struct json_object *o, int64_t *v,
		      struct json_object **cmd, struct json_object **pol,
		      char *why, size_t whylen)
{
	json_object_object_foreach(o, key, val)
	{
		if (!strcmp(key, "v")) {
			if (!json_object_is_type(val, json_type_int)) {
				snprintf(why, whylen, "\"v\" is not a number");
				return -EINVAL;
			}
			*v = json_object_get_int64(val);
		} else if (!strcmp(key, "cmd")) {
			*cmd = val;
		} else if (!strcmp(key, "policy")) {
			*pol = val;
		} else {
			snprintf(why, whylen, "unknown key \"%.32s\"", key);
			return -EINVAL;
		}
	}
	return 0;
}

int control__parse_request(const char *line, size_t len,
			   struct control_req *req, char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o, *cmd = NULL, *pol = NULL;
	char buf[CONTROL_MAX_LINE];
	int ret = -EINVAL;
	int64_t v = CONTROL_VERSION;
	size_t i;

	memset(req, 0, sizeof(*req));
	if (len >= CONTROL_MAX_LINE) {
		snprintf(why, whylen, "request longer than %d bytes",
			 CONTROL_MAX_LINE - 1);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		snprintf(why, whylen, "NUL byte in request");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	/* The NUL ends a bare number, which json-c would wait to go on. */
	memcpy(buf, line, len);
	buf[len] = '\0';
	o = json_tokener_parse_ex(tok, buf, (int)len + 1);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(why, whylen, "malformed JSON");
		goto out;
	}
	for (i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			snprintf(why, whylen, "data after the JSON object");
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "a request is a JSON object");
		goto out;
	}
	if (parse_keys(o, &v, &cmd, &pol, why, whylen))
		goto out;
	if (v != CONTROL_VERSION) {
		snprintf(why, whylen,
			 "protocol version %lld not supported (this VM speaks "
			 "%d)",
			 (long long)v, CONTROL_VERSION);
		ret = -EPROTO;
		goto out;
	}
	if (!cmd || !json_object_is_type(cmd, json_type_string)) {
		snprintf(why, whylen, "\"cmd\" missing or not a string");
		goto out;
	}
	for (i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (!strcmp(json_object_get_string(cmd), cmd_names[i]))
			break;
	if (i == sizeof(cmd_names) / sizeof(cmd_names[0])) {
		snprintf(why, whylen, "unknown command \"%.32s\"",
			 json_object_get_string(cmd));
		goto out;
	}
	req->cmd = (enum control_cmd)i;
	if (req->cmd != CTL_POLICY && pol) {
		snprintf(why, whylen, "\"policy\" goes only with \"policy\"");
		goto out;
	}
	if (req->cmd == CTL_POLICY) {
		if (!pol || !json_object_is_type(pol, json_type_string) ||
		    zap_policy__parse(json_object_get_string(pol),
				      &req->policy) ||
		    req->policy == ZAP_DEFAULT) {
			snprintf(why, whylen,
				 "\"policy\" must be \"all\" or \"slot\"");
			goto out;
		}
	}
	ret = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

/* ---- paths ----------------------------------------------------------- */

int control__dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/zapvm", xdg);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/zapvm");
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int control__sock_path(const char *name, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ret = control__dir(dir, sizeof(dir));
	int n;

	if (ret)
		return ret;
	n = snprintf(buf, len, "%s/%s.sock", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int set_timeouts(int fd, unsigned int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int control__connect(const char *path, unsigned int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = set_timeouts(fd, timeout_ms);
	if (!ret && connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		ret = errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT :
								-errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int control__remove_stale(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int dfd, fd, ret = 0;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	/*
	 * A VM holds this lock from bind() to listen(), when its socket
	 * refuses connections: ask again under it, or we unlink a live one.
	 */
	dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX)) {
		ret = -errno;
		goto out;
	}
	if (lstat(path, &st)) {
		ret = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	if (!S_ISSOCK(st.st_mode)) {
		ret = -EEXIST;
		goto out;
	}
	fd = control__connect(path, 1000);
	if (fd >= 0) {
		close(fd);
		ret = -EADDRINUSE;
	} else if (fd != -ECONNREFUSED) {
		ret = fd;
	} else if (unlink(path) && errno != ENOENT) {
		ret = -errno;
	}
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}
