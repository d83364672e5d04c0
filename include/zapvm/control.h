/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket of a running VM (`zapvm run --name NAME`) and its
 * protocol, spoken by `zapvm list|stop|pause|resume|stats|policy`.
 *
 * The socket is $XDG_RUNTIME_DIR/zapvm/NAME.sock, or /run/zapvm/NAME.sock
 * for root without XDG_RUNTIME_DIR. Protocol version 1: the client writes
 * requests, one JSON object per line of at most CONTROL_MAX_LINE bytes,
 *
 *   {"v":1,"cmd":"info"|"pause"|"resume"|"stop"|"stats"}
 *   {"v":1,"cmd":"policy","policy":"all"|"slot"}
 *
 * ("v" may be left out, else it is the integer 1; other keys, a key twice,
 * bytes that are not UTF-8 are errors) and reads one line per request: {"v":1,"ok":true,...} or {"v":1,"ok":false,"error":"one line",
 * "code":"bad-request"|"version"|"unsupported"|"stopping"|"timeout"|
 * "busy"|"internal"}. zapvm(1) lists the fields of each answer. A client
 * slower than CONTROL_REQUEST_MS is dropped (with a "timeout" answer if it
 * was part-way through a line); with CONTROL_MAX_CLIENTS connected, a new
 * one takes the slot of the one that has waited longest (it gets "busy"),
 * unless all of them wait for a stop.
 */
#ifndef ZAPVM_CONTROL_H
#define ZAPVM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapvm/vm.h"

#define CONTROL_VERSION 1
#define CONTROL_MAX_LINE 4096 /* a request line, newline included */
#define CONTROL_MAX_NAME 64
#define CONTROL_MAX_CLIENTS 16
/*
 * A client has this long from connecting (or from its previous answer) to
 * send a whole request line and read the answer, however it trickles them.
 */
#define CONTROL_REQUEST_MS 5000
#define CONTROL_PAUSE_MS 2000 /* vCPUs must leave KVM_RUN within this */

enum control_cmd {
	CTL_INFO,
	CTL_PAUSE,
	CTL_RESUME,
	CTL_STOP,
	CTL_STATS,
	CTL_POLICY,
};

struct control_req {
	enum control_cmd cmd;
	enum zap_policy policy; /* CTL_POLICY: ZAP_ALL or ZAP_SLOT */
};

/*
 * control__parse_request - parse request line @line of @len bytes (without
 * its newline; need not be NUL-terminated). Returns 0, -EPROTO for an
 * integer "v" other than CONTROL_VERSION, -ENOMEM, or -EINVAL for anything
 * else that is not a request (not UTF-8, a NUL, a key twice, ...); on
 * failure @why (of @whylen bytes) says why in one line, in UTF-8 when
 * @whylen is large enough (128) not to cut it.
 */
int control__parse_request(const char *line, size_t len,
			   struct control_req *req, char *why, size_t whylen);

/*
 * control__utf8_valid - the length of the longest prefix of @s (@len bytes)
 * that is well-formed UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF): @len when all of it is.
 */
size_t control__utf8_valid(const char *s, size_t len);

struct json_object;

/*
 * control__json_string - a new JSON string of @s with each byte that is not
 * part of well-formed UTF-8 replaced by U+FFFD, so that json-c (which
 * escapes control characters but copies other bytes) writes valid JSON.
 * NULL when out of memory.
 */
struct json_object *control__json_string(const char *s);

/* control__cmd_name - "info", "pause", ...; NULL if out of range. */
const char *control__cmd_name(enum control_cmd cmd);

/* control__valid_name - @name matches [A-Za-z0-9._-]{1,64}. */
bool control__valid_name(const char *name);

/*
 * control__dir - the directory of the control sockets into @buf:
 * $XDG_RUNTIME_DIR/zapvm (XDG_RUNTIME_DIR must be absolute), else
 * /run/zapvm for root. 0, -ENOENT when there is neither, -ENAMETOOLONG.
 */
int control__dir(char *buf, size_t len);

/*
 * control__sock_path - the socket of VM @name into @buf (at most a
 * sockaddr_un path). 0 or what control__dir() returns.
 */
int control__sock_path(const char *name, char *buf, size_t len);

/*
 * control__connect - connect to @path with @timeout_ms send and receive
 * timeouts. Returns the fd, -ENOENT when there is no socket, -ECONNREFUSED
 * when nothing listens on it (stale), or another -errno. Logs nothing.
 */
int control__connect(const char *path, unsigned int timeout_ms);

/* What control__clear_stale() did with the path it was given. */
enum control_stale {
	CONTROL_STALE_ABSENT, /* nothing there (any more) */
	CONTROL_STALE_REMOVED, /* a socket nobody listened on: removed */
	CONTROL_STALE_LIVE, /* a socket a VM listens on: left */
	CONTROL_STALE_NOT_SOCKET, /* a file, directory, symlink...: left */
	CONTROL_STALE_UNKNOWN, /* a socket that might be in use: left */
	CONTROL_STALE_FAILED, /* could not look at it or unlink it: left */
};

/*
 * control__clear_stale - unlink the socket at @path if nothing listens on
 * it, asking under the lock control__open() holds from bind() to listen(),
 * and say in @did what was done. 0 when it is gone (@did REMOVED) or was
 * never there (ABSENT), -EADDRINUSE when a VM listens (LIVE), -EEXIST when
 * @path is not a socket (NOT_SOCKET, also for a symlink to one), or another
 * -errno (UNKNOWN when connecting failed otherwise, FAILED when the lock,
 * lstat() or unlink() did). Logs nothing.
 */
int control__clear_stale(const char *path, enum control_stale *did);

/*
 * control__clear_stale_locked - control__clear_stale() for a caller that
 * holds the directory's lock already (control__open()).
 */
int control__clear_stale_locked(const char *path, enum control_stale *did);

/*
 * control__remove_stale - control__clear_stale() without @did (0 does not
 * tell whether a socket was removed).
 */
int control__remove_stale(const char *path);

struct control;
struct vm;

/*
 * control__open - create the control socket of VM @name: make the
 * directory (0700; it must be a directory owned by the caller and not
 * writable by group or others, else -EPERM), bind the socket (0600) and
 * listen. A stale socket (nothing listens) is replaced; a live one is
 * refused with -EADDRINUSE. Call it before other threads exist (it changes
 * the umask for the bind). Returns 0 or -errno after one line logged at
 * @level (LOG_ERR or LOG_WARN).
 */
int control__open(const char *name, int level, struct control **out);

/*
 * control__start - serve requests about @vm from a thread of its own until
 * control__stop(). The caller blocks the signals the thread must not take.
 * 0 or -errno (logged).
 */
int control__start(struct control *c, struct vm *vm);

/*
 * control__stop - end the thread, drop its clients and remove the socket.
 * Safe on a control that was never started.
 */
void control__stop(struct control *c);

/*
 * control__companion - @c as its VM's companion (vm.h): start() is
 * control__start(), stop() control__stop(). The command puts it in
 * vm_config, so the VM core never names the control socket.
 */
struct vm_companion control__companion(struct control *c);

/* control__close - control__stop() and free @c; NULL is fine. */
void control__close(struct control *c);

struct stats_set;

/* What a control target says for "info" (the fields of zapvm(1)). */
struct control_info {
	int pid;
	const char *state; /* "running", "stopping" */
	unsigned int vcpus;
	uint64_t mem;
	char guest[256];
	enum zap_policy policy;
	enum zap_iface iface;
	uint64_t uptime_ms;
};

/* The outcome of a target's policy switch. */
struct control_policy {
	enum zap_policy policy; /* in force now */
	enum zap_iface iface;
	bool changed;
	char why[256]; /* on failure: a reason, or empty for strerror() */
};

/*
 * A VM that is not a struct vm of zapvm's own (`zapvm exec`'s VMM): the
 * control thread asks these callbacks, with @opaque, for each answer, so
 * they must be safe against the target's other threads. @stats calls @each
 * on the VM's set (vcpu false), then on every vCPU's set; it returns 0,
 * -ENODEV when there is no VM yet, or what @each returned. @policy returns
 * 0 or -errno (-EOPNOTSUPP, -EPERM: "unsupported"). @stop returns at once;
 * the client is held until control__stop(). pause and resume are answered
 * "unsupported" with @no_pause.
 */
struct control_target {
	void (*info)(void *opaque, struct control_info *out);
	int (*stats)(void *opaque,
		     int (*each)(void *arg, const struct stats_set *s,
				 bool vcpu),
		     void *arg);
	int (*policy)(void *opaque, enum zap_policy want,
		      struct control_policy *out);
	int (*stop)(void *opaque);
	const char *no_pause;
	void *opaque;
};

/*
 * control__start_target - control__start() for target @t (copied) instead
 * of a struct vm. 0 or -errno (logged).
 */
int control__start_target(struct control *c, const struct control_target *t);

#endif /* ZAPVM_CONTROL_H */
