// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's request parser and names (src/control/proto.c): every
 * request a client can write is either one of the six commands or an error
 * with a reason, never a crash. Also the socket's directory, stale sockets
 * and the companion wrapper (src/control/server.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tap.h"
#include "zapvm/control.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

static int parse(const char *s, struct control_req *req, char *why)
{
	return control__parse_request(s, strlen(s), req, why, 128);
}

static void good(const char *s, enum control_cmd cmd, enum zap_policy pol)
{
	struct control_req req;
	char why[128] = "";
	int ret = parse(s, &req, why);

	ok(!ret && req.cmd == cmd && (cmd != CTL_POLICY || req.policy == pol),
	   "accepts %s", s);
	if (ret)
		printf("#   %s\n", why);
}

static void bad(const char *s, int err, const char *reason)
{
	struct control_req req;
	char why[128] = "";
	int ret = parse(s, &req, why);

	ok(ret == err && strstr(why, reason), "rejects %s: %s", s, reason);
	if (ret != err || !strstr(why, reason))
		printf("#   got %d '%s'\n", ret, why);
}

/* A socket bound at @path; listening if @listening. The fd, or -1. */
static int bound(const char *path, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (listening && listen(fd, 1))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The runtime directory: only a private one holds sockets, and clients
 * remove a socket as stale only under the lock a starting VM holds from
 * bind() to listen(), while its socket refuses connections.
 */
/* The VM core sees the control socket only as a struct vm_companion. */
static void test_companion(const char *dir)
{
	struct vm_companion comp = { 0 };
	struct control *c = NULL;
	char path[160];
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/comp.sock", dir);
	ret = control__open("comp", LOG_WARN, &c);
	if (!ret)
		comp = control__companion(c);
	ok(!ret && comp.start && comp.stop && comp.opaque == c,
	   "control__companion wraps its control (%d)", ret);
	if (ret)
		return;
	comp.stop(comp.opaque);
	ok(lstat(path, &st) && errno == ENOENT,
	   "its stop() removes the socket of a control never started");
	control__close(c);
}

/* control__clear_stale(@path): returns @err and says @want. */
static void clear_is(const char *path, int err, enum control_stale want,
		     const char *what)
{
	enum control_stale did = (enum control_stale) - 1;
	int ret = control__clear_stale(path, &did);

	ok(ret == err && did == want, "%s (got %d, did %d)", what, ret,
	   (int)did);
}

/*
 * control__clear_stale() says what it did: `zapvm list` said "removed a
 * stale control socket" for a file, directory or symlink it left alone.
 */
static void test_clear_stale(const char *dir)
{
	char path[160], other[160];
	struct control *c = NULL;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	clear_is(path, 0, CONTROL_STALE_ABSENT, "nothing there: absent");
	fd = bound(path, false);
	if (fd >= 0)
		close(fd);
	clear_is(path, 0, CONTROL_STALE_REMOVED, "a stale socket: removed");
	ok(lstat(path, &st) && errno == ENOENT, "... and it is gone");

	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	clear_is(path, -EEXIST, CONTROL_STALE_NOT_SOCKET,
		 "a regular file: not a socket");
	ok(!lstat(path, &st) && S_ISREG(st.st_mode), "... and it stays");
	unlink(path);

	mkdir(path, 0700);
	clear_is(path, -EEXIST, CONTROL_STALE_NOT_SOCKET,
		 "a directory: not a socket");
	ok(!lstat(path, &st) && S_ISDIR(st.st_mode), "... and it stays");
	rmdir(path);

	/* A symlink to a stale socket: neither goes. */
	fd = bound(other, false);
	if (fd >= 0)
		close(fd);
	ok(!symlink(other, path), "symlink");
	clear_is(path, -EEXIST, CONTROL_STALE_NOT_SOCKET,
		 "a symlink to a stale socket: not a socket");
	ok(!lstat(path, &st) && S_ISLNK(st.st_mode) && !lstat(other, &st) &&
		   S_ISSOCK(st.st_mode),
	   "... the symlink and its target stay");
	unlink(other);
	clear_is(path, -EEXIST, CONTROL_STALE_NOT_SOCKET,
		 "a dangling symlink: not a socket");
	unlink(path);

	if (!control__open("s", LOG_WARN, &c)) {
		clear_is(path, -EADDRINUSE, CONTROL_STALE_LIVE,
			 "a live socket: live");
		ok(!lstat(path, &st) && S_ISSOCK(st.st_mode),
		   "... and it stays");
		control__close(c);
	} else {
		ok(0, "control__open s");
	}
	clear_is("nodir.sock", -EINVAL, CONTROL_STALE_FAILED,
		 "a path without a directory: failed");
}

static void test_runtime_dir(void)
{
	char tmpl[] = "/tmp/zapvm-test-control-XXXXXX", dir[128], path[160];
	struct control *c = NULL;
	int ready[2], done[2], fd, ret;
	struct stat st;
	pid_t pid;
	char b;

	if (!mkdtemp(tmpl)) {
		ok(0, "mkdtemp");
		return;
	}
	setenv("XDG_RUNTIME_DIR", tmpl, 1);
	snprintf(dir, sizeof(dir), "%s/zapvm", tmpl);
	snprintf(path, sizeof(path), "%s/t.sock", dir);
	mkdir(dir, 0700);
	chmod(dir, 0733);
	ret = control__open("t", LOG_WARN, &c);
	ok(ret == -EPERM && !c && lstat(path, &st),
	   "a group/other-writable control directory is refused");
	chmod(dir, 0700);
	ret = control__open("t", LOG_WARN, &c);
	ok(!ret && c && !lstat(path, &st) && S_ISSOCK(st.st_mode) &&
		   (st.st_mode & 0777) == 0600,
	   "a private one gets a 0600 socket");
	ok(control__remove_stale(path) == -EADDRINUSE && !lstat(path, &st),
	   "a live socket is not stale");
	control__close(c);
	ok(lstat(path, &st) && errno == ENOENT, "control__close removes it");

	fd = bound(path, false);
	if (fd >= 0)
		close(fd);
	ok(fd >= 0 && control__remove_stale(path) == 0 && lstat(path, &st),
	   "a socket nobody listens on is removed");
	ok(control__remove_stale(path) == 0, "a missing one is fine");
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	ok(control__remove_stale(path) == -EEXIST && !lstat(path, &st),
	   "a file that is not a socket stays");
	unlink(path);
	test_clear_stale(dir);

	/* A VM between bind() and listen(), under the directory lock. */
	if (pipe(ready) || pipe(done)) {
		ok(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int lfd = bound(path, false);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);

		if (lfd < 0 || dfd < 0 || flock(dfd, LOCK_EX))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		if (listen(lfd, 1))
			_exit(1);
		close(dfd);
		/* Hold the socket until the parent has looked. */
		if (read(done[0], &b, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ret = read(ready[0], &b, 1) == 1 ? control__remove_stale(path) : -1;
	ok(ret == -EADDRINUSE && !lstat(path, &st),
	   "a socket bound but not yet listening is not removed (got %d)", ret);
	if (write(done[1], "x", 1) != 1)
		ok(0, "write");
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
	unlink(path);
	test_companion(dir);
	rmdir(dir);
	rmdir(tmpl);
}

/* @s is well-formed UTF-8 with no NUL: what may go into an answer. */
static bool utf8(const char *s)
{
	return control__utf8_valid(s, strlen(s)) == strlen(s);
}

/* Requests that mean something else than they seem to (issue 13, item 8). */
static void test_hostile(void)
{
	struct control_req req;
	char why[128];
	int ret;

	/* A key twice: json-c keeps the last one, so this was a stop. */
	bad("{\"v\":1,\"cmd\":\"info\",\"cmd\":\"stop\"}", -EINVAL,
	    "duplicate key \"cmd\"");
	bad("{\"v\":1,\"cmd\":\"info\",\"v\":2}", -EINVAL,
	    "duplicate key \"v\"");
	bad("{\"cmd\":\"policy\",\"policy\":\"all\",\"policy\":\"slot\"}",
	    -EINVAL, "duplicate key \"policy\"");
	bad("{\"cmd\":\"info\",\"c\\u006dd\":\"stop\"}", -EINVAL,
	    "duplicate key \"cmd\"");
	bad("{\"cmd\":\"info\",'cmd':'stop'}", -EINVAL, "duplicate key");
	ret = parse(
		"{\"cmd\":\"info\" /* \"x\" */ , // \"y\"\n\"cmd\":\"stop\"}",
		&req, why);
	ok(ret == -EINVAL && strstr(why, "duplicate key \"cmd\""),
	   "a key twice with comments between: %s", why);
	bad("{\"cmd\":\"info\",\"cmd\\u0000x\":\"stop\"}", -EINVAL,
	    "NUL character in a key");
	bad("{\"x\":1,\"x\":1}", -EINVAL, "duplicate key \"x\"");
	/* Equal keys inside values are no business of the parser... */
	bad("{\"cmd\":\"info\",\"o\":{\"cmd\":1,\"cmd\":2}}", -EINVAL,
	    "unknown key \"o\"");
	/* ... and neither are strings and comments that look like keys. */
	good("{\"cmd\":\"policy\",\"policy\":\"slot\" /* ,\"cmd\":\"x\" */}",
	     CTL_POLICY, ZAP_SLOT);
	good("{\"cmd\":\"stop\" , \"v\" : 1}", CTL_STOP, 0);

	/* Nested objects and arrays are refused by what holds them. */
	bad("{\"cmd\":{\"cmd\":\"info\"}}", -EINVAL, "\"cmd\" missing or not");
	bad("{\"cmd\":[\"info\"]}", -EINVAL, "\"cmd\" missing or not");
	bad("{\"v\":{\"v\":1},\"cmd\":\"info\"}", -EINVAL,
	    "\"v\" must be the integer 1");
	bad("{\"cmd\":\"policy\",\"policy\":{\"all\":1}}", -EINVAL,
	    "\"all\" or \"slot\"");

	/* "v" is the integer 1 and nothing that looks like it. */
	bad("{\"v\":1e0,\"cmd\":\"info\"}", -EINVAL, "must be the integer 1");
	bad("{\"v\":true,\"cmd\":\"info\"}", -EINVAL, "must be the integer 1");
	bad("{\"v\":null,\"cmd\":\"info\"}", -EINVAL, "must be the integer 1");
	bad("{\"v\":99999999999999999999,\"cmd\":\"info\"}", -EPROTO,
	    "not supported");

	/* A NUL hidden in an escape would end the string json-c hands out. */
	bad("{\"cmd\":\"info\\u0000stop\"}", -EINVAL, "NUL character");
	bad("{\"cmd\":\"policy\",\"policy\":\"all\\u0000x\"}", -EINVAL,
	    "\"all\" or \"slot\"");

	/* Bytes that are not UTF-8 are refused before json-c sees them. */
	bad("{\"cmd\":\"\xff\"}", -EINVAL, "not UTF-8 (byte 0xff at offset 8)");
	bad("{\"cmd\":\"\xc3\"}", -EINVAL, "not UTF-8");
	bad("{\"cmd\":\"\xc0\xaf\"}", -EINVAL, "not UTF-8"); /* overlong / */
	bad("{\"cmd\":\"\xed\xa0\x80\"}", -EINVAL, "not UTF-8"); /* U+D800 */
	bad("{\"cmd\":\"\xf4\x90\x80\x80\"}", -EINVAL, "not UTF-8");
	bad("{\"x\xfe\":1,\"cmd\":\"info\"}", -EINVAL, "not UTF-8");
	ok(control__parse_request("{\"cmd\":\"info\"}\x80", 15, &req, why,
				  sizeof(why)) == -EINVAL &&
		   strstr(why, "not UTF-8"),
	   "a stray byte after the object is refused as not UTF-8");
	/* Well-formed UTF-8 goes on to the usual checks. */
	bad("{\"cmd\":\"\xc3\xa9t\xc3\xa9\"}", -EINVAL,
	    "unknown command \"\xc3\xa9t\xc3\xa9\"");
	bad("{\"cmd\":\"\xf0\x9f\x98\x80\"}", -EINVAL, "unknown command");
	bad("{\"cmd\":\"\\ud800\"}", -EINVAL,
	    "unknown command \"\xef\xbf\xbd\"");

	/* A reason quoting the request is cut between characters. */
	ret = parse(
		"{\"cmd\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\xc3\xa9\"}",
		&req, why);
	ok(ret == -EINVAL && utf8(why) && strstr(why, "unknown command"),
	   "a long non-ASCII command: the reason is still UTF-8 (%s)", why);
	ret = parse("{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xe2\x82\xac\":1}", &req,
		    why);
	ok(ret == -EINVAL && utf8(why) && strstr(why, "unknown key"),
	   "a long non-ASCII key: the reason is still UTF-8 (%s)", why);
}

/* What the server puts in an answer is valid UTF-8 whatever it is given. */
static void test_json_string(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "\xc3\xa9", "\"\xc3\xa9\"" },
		{ "a\xffz", "\"a\xef\xbf\xbdz\"" },
		{ "\xc3", "\"\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "x\x1b[2J\x80", "\"x\\u001b[2J\xef\xbf\xbd\"" },
		{ "", "\"\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct json_object *o = control__json_string(cases[i].in);
		const char *s = o ? json_object_to_json_string_ext(
					    o, JSON_C_TO_STRING_PLAIN) :
				    "";

		ok(!strcmp(s, cases[i].out) && utf8(s),
		   "control__json_string case %zu: %s", i, s);
		json_object_put(o);
	}
	ok(control__utf8_valid("ab\xe2\x82", 4) == 2,
	   "control__utf8_valid: a cut character ends the valid prefix");
	ok(control__utf8_valid("\xf0\x9f\x98\x80", 4) == 4,
	   "control__utf8_valid: U+1F600");
	ok(control__utf8_valid("\xe0\x80\x80", 3) == 0,
	   "control__utf8_valid: overlong");
}

int main(void)
{
	struct control_req req;
	char why[128], *big;

	good("{\"cmd\":\"info\"}", CTL_INFO, 0);
	good("{\"v\":1,\"cmd\":\"pause\"}", CTL_PAUSE, 0);
	good(" {\"cmd\" : \"resume\"} \r", CTL_RESUME, 0);
	good("{\"cmd\":\"stop\",\"v\":1}", CTL_STOP, 0);
	good("{\"cmd\":\"stats\"}", CTL_STATS, 0);
	good("{\"cmd\":\"policy\",\"policy\":\"slot\"}", CTL_POLICY, ZAP_SLOT);
	good("{\"cmd\":\"policy\",\"policy\":\"all\"}", CTL_POLICY, ZAP_ALL);

	bad("", -EINVAL, "malformed JSON");
	bad("garbage", -EINVAL, "malformed JSON");
	bad("{\"cmd\":\"info\"", -EINVAL, "malformed JSON");
	bad("{\"cmd\":\"info\"} x", -EINVAL, "data after");
	bad("{\"cmd\":\"info\"}{}", -EINVAL, "data after");
	bad("[\"info\"]", -EINVAL, "JSON object");
	bad("\"info\"", -EINVAL, "JSON object");
	bad("42", -EINVAL, "JSON object");
	bad("null", -EINVAL, "malformed JSON");
	bad("{}", -EINVAL, "\"cmd\" missing");
	bad("{\"cmd\":1}", -EINVAL, "\"cmd\" missing");
	bad("{\"cmd\":\"reboot\"}", -EINVAL, "unknown command");
	bad("{\"cmd\":\"info\",\"x\":1}", -EINVAL, "unknown key \"x\"");
	bad("{\"v\":2,\"cmd\":\"info\"}", -EPROTO, "version 2 not supported");
	bad("{\"v\":0,\"cmd\":\"info\"}", -EPROTO, "version 0");
	bad("{\"v\":\"1\",\"cmd\":\"info\"}", -EINVAL,
	    "\"v\" must be the integer 1");
	bad("{\"v\":1.0,\"cmd\":\"info\"}", -EINVAL,
	    "\"v\" must be the integer 1");
	bad("{\"cmd\":\"policy\"}", -EINVAL, "\"all\" or \"slot\"");
	bad("{\"cmd\":\"policy\",\"policy\":\"default\"}", -EINVAL,
	    "\"all\" or \"slot\"");
	bad("{\"cmd\":\"policy\",\"policy\":7}", -EINVAL,
	    "\"all\" or \"slot\"");
	bad("{\"cmd\":\"pause\",\"policy\":\"all\"}", -EINVAL,
	    "goes only with");

	test_hostile();

	/* Length and NUL bytes: the parser must not read past @len. */
	ok(control__parse_request("{\"cmd\":\"info\"}", 6, &req, why,
				  sizeof(why)) == -EINVAL,
	   "a cut-short buffer is a cut-short request");
	ok(control__parse_request("{\"cmd\":\"info\"}\0x", 16, &req, why,
				  sizeof(why)) == -EINVAL &&
		   strstr(why, "NUL"),
	   "NUL byte inside the line");
	big = malloc(CONTROL_MAX_LINE + 1);
	memset(big, ' ', CONTROL_MAX_LINE);
	memcpy(big, "{\"cmd\":\"info\"}", 14);
	ok(control__parse_request(big, CONTROL_MAX_LINE, &req, why,
				  sizeof(why)) == -EINVAL &&
		   strstr(why, "longer than"),
	   "a line of CONTROL_MAX_LINE bytes is too long");
	ok(control__parse_request(big, CONTROL_MAX_LINE - 1, &req, why,
				  sizeof(why)) == 0,
	   "one byte less is fine");
	memset(big, '[', CONTROL_MAX_LINE);
	ok(control__parse_request(big, CONTROL_MAX_LINE - 1, &req, why,
				  sizeof(why)) == -EINVAL,
	   "4095 nested arrays: an error, not a stack overflow");
	free(big);
	ok(control__parse_request("{\"cmd\":\"info\"}", 14, &req, why, 4) == 0,
	   "a short @why buffer is fine on success");
	ok(control__parse_request("garbage", 7, &req, why, 4) == -EINVAL &&
		   strlen(why) == 3,
	   "... and truncates the reason on failure");

	/* Names. */
	ok(control__valid_name("a"), "name a");
	ok(control__valid_name("zapvm-1234"), "name zapvm-1234");
	ok(control__valid_name("A.b_c-9"), "name A.b_c-9");
	ok(control__valid_name(".."), "name .. (a file name '...sock')");
	ok(!control__valid_name(""), "empty name");
	ok(!control__valid_name("a/b"), "name with /");
	ok(!control__valid_name("a b"), "name with a space");
	ok(!control__valid_name("\xc3\xa9"), "non-ASCII name");
	big = malloc(66);
	memset(big, 'x', 65);
	big[65] = '\0';
	ok(!control__valid_name(big), "65 characters");
	big[64] = '\0';
	ok(control__valid_name(big), "64 characters");
	free(big);

	for (int c = CTL_INFO; c <= CTL_POLICY; c++)
		ok(control__cmd_name(c) != NULL, "command %d has a name", c);
	ok(control__cmd_name(CTL_POLICY + 1) == NULL, "no name out of range");
	test_json_string();
	test_runtime_dir();
	return tap_done();
}
