/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two halves of the control socket's server share: server.c (the
 * socket, its clients and thread) and answer.c (what each command does).
 * Not for use outside src/control.
 */
#ifndef ZAPVM_CONTROL_SERVER_H
#define ZAPVM_CONTROL_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "zapvm/control.h"
#include "zapvm/vm.h"

struct client {
	int fd;
	char in[CONTROL_MAX_LINE];
	size_t inlen;
	char *out; /* pending reply bytes */
	size_t outlen, outoff;
	bool close_after; /* close once the reply is out */
	bool hold; /* keep open until the VM stops (stop request) */
	uint64_t deadline; /* ns: this request line and its answer by then */
};

struct control {
	char name[CONTROL_MAX_NAME + 1];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;
	dev_t dev;
	ino_t ino;
	int wake[2];
	pthread_t thread;
	bool started;
	struct vm *vm;
	enum zap_policy policy; /* the VM's policy now */
	enum zap_iface iface;
	struct client clients[CONTROL_MAX_CLIENTS];
	bool has_target; /* answer for target, not vm */
	struct control_target target;
};

struct json_object;

struct control_req;

/*
 * control__answer - the answer to the parsed request @req about @c's VM;
 * *@hold set when the client must stay connected until the VM stops (a
 * stop). NULL when out of memory.
 */
struct json_object *control__answer(struct control *c,
				    const struct control_req *req, bool *hold);

/* control__reply_err - a new error answer: @code, and @msg in UTF-8. */
struct json_object *control__reply_err(const char *code, const char *msg);

/* control__reply_ok - a new {"v":1,"ok":true} answer; NULL on ENOMEM. */
struct json_object *control__reply_ok(void);

/*
 * control__stats_set_json - stats set @s as {name: n or [buckets]} into
 * @dst; with @sum, also added into @sum (peaks: the maximum); units into
 * @units. 0 or -errno. The "stats" answer is built of these.
 */
int control__stats_set_json(const struct stats_set *s, struct json_object *dst,
			    struct json_object *sum, struct json_object *units);

/*
 * control__answer_target - control__answer() for a control_target
 * (target.c).
 */
struct json_object *control__answer_target(struct control *c,
					   const struct control_req *req,
					   bool *hold);

#endif /* ZAPVM_CONTROL_SERVER_H */
