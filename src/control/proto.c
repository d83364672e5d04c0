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
#include "zapvm/util.h"

static const char *const cmd_names[] = {
	[CTL_INFO] = "info", [CTL_PAUSE] = "pause", [CTL_RESUME] = "resume",
	[CTL_STOP] = "stop", [CTL_STATS] = "stats", [CTL_POLICY] = "policy",
};

const char *control__cmd_name(enum control_cmd cmd)
{
	if ((unsigned int)cmd >= ARRAY_SIZE(cmd_names))
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

size_t control__utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n, k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		/* No overlong forms, no surrogates, nothing past U+10FFFF. */
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			lo = p[i] == 0xe0 ? 0xa0 : 0x80;
			hi = p[i] == 0xed ? 0x9f : 0xbf;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			lo = p[i] == 0xf0 ? 0x90 : 0x80;
			hi = p[i] == 0xf4 ? 0x8f : 0xbf;
		} else {
			return i;
		}
		if (len - i < n + 1 || p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

struct json_object *control__json_string(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	size_t len = strlen(s), ok = control__utf8_valid(s, len), n = 0;
	struct json_object *o;
	char *buf;

	if (ok == len)
		return json_object_new_string(s);
	buf = malloc(3 * len + 1);
	if (!buf)
		return NULL;
	while (len) {
		memcpy(buf + n, s, ok);
		n += ok;
		s += ok;
		len -= ok;
		if (!len)
			break;
		memcpy(buf + n, fffd, 3);
		n += 3;
		s++;
		len--;
		ok = control__utf8_valid(s, len);
	}
	o = json_object_new_string_len(buf, (int)n);
	free(buf);
	return o;
}

/*
 * @s (a string json-c decoded: valid UTF-8, but maybe with a NUL) cut to
 * at most 32 bytes between two characters, for a reason that quotes it.
 */
static const char *clip(const char *s, char *buf, size_t len)
{
	size_t n = strnlen(s, len - 1);

	while (n && s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Skip the string at @s[@i] (its opening quote): the index of its end. */
static size_t skip_string(const char *s, size_t i, size_t end)
{
	char quote = s[i];

	for (i++; i < end && s[i] != quote; i++)
		if (s[i] == '\\')
			i++;
	return i;
}

/* Skip the comment at @s[@i] (its '/'): the index of its last byte. */
static size_t skip_comment(const char *s, size_t i, size_t end)
{
	const char *stop;

	if (i + 1 < end && s[i + 1] == '*') {
		stop = memmem(s + i + 2, end - i - 2, "*/", 2);
		return stop ? (size_t)(stop - s) + 1 : end;
	}
	stop = memchr(s + i, '\n', end - i);
	return stop ? (size_t)(stop - s) : end;
}

/* Key token @tok of @len bytes (quotes included): new in @seen, no NUL. */
static int check_key(struct json_object *seen, const char *tok, size_t len,
		     char *why, size_t whylen)
{
	char buf[CONTROL_MAX_LINE], cut[33];
	struct json_object *k;
	const char *key;
	int ret = 0;

	memcpy(buf, tok, len);
	buf[len] = '\0';
	k = json_tokener_parse(buf);
	key = json_object_get_string(k);
	if (!k || !json_object_is_type(k, json_type_string)) {
		snprintf(why, whylen, "malformed JSON");
		ret = -EINVAL;
	} else if (strlen(key) != (size_t)json_object_get_string_len(k)) {
		snprintf(why, whylen, "NUL character in a key");
		ret = -EINVAL;
	} else if (json_object_object_get_ex(seen, key, NULL)) {
		snprintf(why, whylen, "duplicate key \"%s\"",
			 clip(key, cut, sizeof(cut)));
		ret = -EINVAL;
	} else if (json_object_object_add(seen, key, NULL)) {
		snprintf(why, whylen, "out of memory");
		ret = -ENOMEM;
	}
	json_object_put(k);
	return ret;
}

/*
 * The keys of the object json-c parsed from @s[0..@end) are all different.
 * json-c keeps only the last of two equal keys ({"cmd":"info","cmd":"stop"}
 * would be a stop) and tells nobody, so walk the text json-c accepted (its
 * lax forms too: 'strings', comments) for the keys of the outer object and
 * let json-c decode each. Inner objects need no look: any value that is
 * one is refused anyway.
 */
static int check_keys(const char *s, size_t end, char *why, size_t whylen)
{
	struct json_object *seen = json_object_new_object();
	bool want_key = false;
	int depth = 0, ret = 0;

	if (!seen) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < end && !ret; i++) {
		size_t j;

		switch (s[i]) {
		case '"':
		case '\'':
			j = skip_string(s, i, end);
			if (depth == 1 && want_key && j < end)
				ret = check_key(seen, s + i, j - i + 1, why,
						whylen);
			want_key = false;
			i = j;
			break;
		case '/':
			i = skip_comment(s, i, end);
			break;
		case '{':
		case '[':
			want_key = ++depth == 1;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case ',':
			want_key = depth == 1;
			break;
		default:
			break;
		}
	}
	json_object_put(seen);
	return ret;
}

/*
 * The keys of request @o: "v" into @v (when there), "cmd" and "policy" into
 * @cmd and @pol. 0, or -EINVAL with @why for another key or a "v" that is
 * not an integer.
 */
static int parse_keys(struct json_object *o, int64_t *v,
		      struct json_object **cmd, struct json_object **pol,
		      char *why, size_t whylen)
{
	char cut[33];

	json_object_object_foreach(o, key, val)
	{
		if (!strcmp(key, "v")) {
			/* 1.0, "1", true: say what is wanted, not "1". */
			if (!json_object_is_type(val, json_type_int)) {
				snprintf(why, whylen,
					 "\"v\" must be the integer %d",
					 CONTROL_VERSION);
				return -EINVAL;
			}
			*v = json_object_get_int64(val);
		} else if (!strcmp(key, "cmd")) {
			*cmd = val;
		} else if (!strcmp(key, "policy")) {
			*pol = val;
		} else {
			snprintf(why, whylen, "unknown key \"%s\"",
				 clip(key, cut, sizeof(cut)));
			return -EINVAL;
		}
	}
	return 0;
}

/* A JSON string without a NUL character in it. */
static bool plain_string(struct json_object *o)
{
	return json_object_is_type(o, json_type_string) &&
	       strlen(json_object_get_string(o)) ==
		       (size_t)json_object_get_string_len(o);
}

/* The command and policy of a request whose keys parse_keys() took. */
static int parse_cmd(struct json_object *cmd, struct json_object *pol,
		     struct control_req *req, char *why, size_t whylen)
{
	char cut[33];
	size_t i;

	if (!cmd || !json_object_is_type(cmd, json_type_string)) {
		snprintf(why, whylen, "\"cmd\" missing or not a string");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(cmd_names); i++)
		if (plain_string(cmd) &&
		    !strcmp(json_object_get_string(cmd), cmd_names[i]))
			break;
	if (i == ARRAY_SIZE(cmd_names)) {
		snprintf(why, whylen, "unknown command \"%s\"%s",
			 clip(json_object_get_string(cmd), cut, sizeof(cut)),
			 plain_string(cmd) ? "" : " (with a NUL character)");
		return -EINVAL;
	}
	req->cmd = (enum control_cmd)i;
	if (req->cmd != CTL_POLICY && pol) {
		snprintf(why, whylen, "\"policy\" goes only with \"policy\"");
		return -EINVAL;
	}
	if (req->cmd == CTL_POLICY) {
		if (!pol || !plain_string(pol) ||
		    zap_policy__parse(json_object_get_string(pol),
				      &req->policy) ||
		    req->policy == ZAP_DEFAULT) {
			snprintf(why, whylen,
				 "\"policy\" must be \"all\" or \"slot\"");
			return -EINVAL;
		}
	}
	return 0;
}

/* Bytes json-c must never see: a line too long, a NUL, not UTF-8. */
static int check_bytes(const char *line, size_t len, char *why, size_t whylen)
{
	size_t ok;

	if (len >= CONTROL_MAX_LINE) {
		snprintf(why, whylen, "request longer than %d bytes",
			 CONTROL_MAX_LINE - 1);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		snprintf(why, whylen, "NUL byte in request");
		return -EINVAL;
	}
	ok = control__utf8_valid(line, len);
	if (ok != len) {
		snprintf(why, whylen,
			 "request is not UTF-8 (byte 0x%02x at offset %zu)",
			 (unsigned char)line[ok], ok);
		return -EINVAL;
	}
	return 0;
}

int control__parse_request(const char *line, size_t len,
			   struct control_req *req, char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o, *cmd = NULL, *pol = NULL;
	char buf[CONTROL_MAX_LINE];
	int ret;
	int64_t v = CONTROL_VERSION;
	size_t i, end;

	memset(req, 0, sizeof(*req));
	ret = check_bytes(line, len, why, whylen);
	if (ret)
		return ret;
	ret = -EINVAL;
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
	end = json_tokener_get_parse_end(tok);
	for (i = end; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			snprintf(why, whylen, "data after the JSON object");
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "a request is a JSON object");
		goto out;
	}
	ret = check_keys(buf, end < len ? end : len, why, whylen);
	if (ret)
		goto out;
	ret = -EINVAL;
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
	ret = parse_cmd(cmd, pol, req, why, whylen);
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

int control__clear_stale_locked(const char *path, enum control_stale *did)
{
	struct stat st;
	int fd;

	if (lstat(path, &st)) {
		*did = errno == ENOENT ? CONTROL_STALE_ABSENT :
					 CONTROL_STALE_FAILED;
		return errno == ENOENT ? 0 : -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		*did = CONTROL_STALE_NOT_SOCKET;
		return -EEXIST;
	}
	fd = control__connect(path, 1000);
	if (fd >= 0) {
		close(fd);
		*did = CONTROL_STALE_LIVE;
		return -EADDRINUSE;
	}
	if (fd != -ECONNREFUSED) {
		*did = CONTROL_STALE_UNKNOWN;
		return fd;
	}
	if (unlink(path)) {
		*did = errno == ENOENT ? CONTROL_STALE_ABSENT :
					 CONTROL_STALE_FAILED;
		return errno == ENOENT ? 0 : -errno;
	}
	*did = CONTROL_STALE_REMOVED;
	return 0;
}

int control__clear_stale(const char *path, enum control_stale *did)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	int dfd, ret;

	*did = CONTROL_STALE_FAILED;
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
	ret = control__clear_stale_locked(path, did);
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}

int control__remove_stale(const char *path)
{
	enum control_stale did;

	return control__clear_stale(path, &did);
}
