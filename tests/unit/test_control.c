// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's request parser and names (src/control.c): every
 * request a client can write is either one of the six commands or an error
 * with a reason, never a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/control.h"

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
	bad("{\"v\":\"1\",\"cmd\":\"info\"}", -EINVAL, "\"v\" is not");
	bad("{\"v\":1.0,\"cmd\":\"info\"}", -EINVAL, "\"v\" is not");
	bad("{\"cmd\":\"policy\"}", -EINVAL, "\"all\" or \"slot\"");
	bad("{\"cmd\":\"policy\",\"policy\":\"default\"}", -EINVAL,
	    "\"all\" or \"slot\"");
	bad("{\"cmd\":\"policy\",\"policy\":7}", -EINVAL,
	    "\"all\" or \"slot\"");
	bad("{\"cmd\":\"pause\",\"policy\":\"all\"}", -EINVAL,
	    "goes only with");

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
	return tap_done();
}
