// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket of a running VM: open it, and serve it from one thread
 * that polls the listening socket and up to CONTROL_MAX_CLIENTS
 * non-blocking clients, so a slow or hostile client holds one slot for at
 * most CONTROL_REQUEST_MS and never the vCPUs, and sixteen of them cannot
 * keep a new client out. answer.c answers each request line.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"

/* ---- the socket ------------------------------------------------------ */

static int make_dir(const char *dir, int level)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = errno;
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		/*
		 * No /run at all (a minimal root file system): not worth a
		 * warning. A missing XDG_RUNTIME_DIR is: the user named it.
		 */
		log_msg(err == ENOENT && level > LOG_ERR &&
					!(xdg && xdg[0] == '/') ?
				LOG_INFO :
				level,
			"cannot create the control directory %s: %s", dir,
			strerror(err));
		return -err;
	}
	if (lstat(dir, &st)) {
		int err = errno;

		log_msg(level, "%s: %s", dir, strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		log_msg(level,
			"%s is not a directory owned by uid %u: refusing to "
			"put control sockets there",
			dir, (unsigned int)geteuid());
		return -EPERM;
	}
	/* Others could swap our socket for theirs and answer for this VM. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_msg(level,
			"%s is writable by group or others (mode %04o): "
			"refusing to put control sockets there",
			dir, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Bind @fd to @sa with mode 0600: 0 or -errno. */
static int bind_private(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0177);
	int ret = bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno :
								       0;

	umask(old);
	return ret;
}

/*
 * The socket at @path is in the way: 0 if it was stale and is gone. An
 * unlink() that failed is left to the caller's "cannot bind".
 */
static int clear_stale(const char *path, const char *name, int level)
{
	enum control_stale did;
	int ret = control__clear_stale_locked(path, &did);

	switch (did) {
	case CONTROL_STALE_NOT_SOCKET:
		log_msg(level, "%s exists and is not a socket", path);
		break;
	case CONTROL_STALE_LIVE:
		log_msg(level,
			"--name %s: a running VM has that name (see 'zapvm "
			"list')",
			name);
		break;
	case CONTROL_STALE_UNKNOWN:
		log_msg(level,
			"--name %s: cannot tell whether %s is in use: %s", name,
			path, strerror(-ret));
		break;
	case CONTROL_STALE_REMOVED:
		log_debug("replacing the stale control socket %s", path);
		break;
	case CONTROL_STALE_ABSENT:
	case CONTROL_STALE_FAILED:
	default:
		break;
	}
	return ret;
}

static int control__bind(struct control *c, int level)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	struct stat st;
	int dfd, ret;

	ret = control__dir(dir, sizeof(dir));
	if (ret == -ENOENT) {
		log_msg(level,
			"no directory for control sockets: XDG_RUNTIME_DIR is "
			"not set (or not absolute) and zapvm is not root");
		return ret;
	}
	if (!ret)
		ret = control__sock_path(c->name, c->path, sizeof(c->path));
	if (ret) {
		log_msg(level, "the control socket path of '%s' is too long",
			c->name);
		return ret;
	}
	ret = make_dir(dir, level);
	if (ret)
		return ret;
	strcpy(sa.sun_path, c->path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->lfd < 0) {
		ret = -errno;
		log_msg(level, "control socket: %s", strerror(-ret));
		return ret;
	}
	/* Serialise stale-socket replacement between zapvm processes. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX)) {
		ret = -errno;
		log_msg(level, "cannot lock %s: %s", dir, strerror(-ret));
		goto out;
	}
	ret = bind_private(c->lfd, &sa);
	if (ret == -EADDRINUSE) {
		ret = clear_stale(c->path, c->name, level);
		if (!ret)
			ret = bind_private(c->lfd, &sa);
		if (ret == -EADDRINUSE || ret == -EEXIST)
			goto out;
	}
	if (ret) {
		log_msg(level, "cannot bind %s: %s", c->path, strerror(-ret));
		goto out;
	}
	if (listen(c->lfd, CONTROL_MAX_CLIENTS) || stat(c->path, &st)) {
		ret = -errno;
		log_msg(level, "cannot listen on %s: %s", c->path,
			strerror(-ret));
		unlink(c->path);
		goto out;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
out:
	if (dfd >= 0)
		close(dfd);
	if (ret) {
		close(c->lfd);
		c->lfd = -1;
	}
	return ret;
}

/* Remove the socket if it still is ours. */
static void control__unlink(struct control *c)
{
	struct stat st;

	if (c->lfd < 0)
		return;
	if (!stat(c->path, &st) && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	close(c->lfd);
	c->lfd = -1;
}

int control__open(const char *name, int level, struct control **out)
{
	struct control *c;
	int ret;

	*out = NULL;
	if (!control__valid_name(name))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->name, name);
	c->lfd = -1;
	c->wake[0] = c->wake[1] = -1;
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK)) {
		ret = -errno;
		log_msg(level, "control socket: pipe: %s", strerror(-ret));
		goto err_free;
	}
	ret = control__bind(c, level);
	if (ret)
		goto err_free;
	*out = c;
	return 0;
err_free:
	control__close(c);
	return ret;
}

/* ---- clients --------------------------------------------------------- */

static void client__close(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

static void client__queue(struct client *cl, struct json_object *o)
{
	const char *s;
	size_t n;
	char *buf;

	if (!o)
		o = control__reply_err("internal", "out of memory");
	s = o ? json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PLAIN |
				   JSON_C_TO_STRING_NOSLASHESCAPE) :
		NULL;
	if (!s) {
		json_object_put(o);
		cl->close_after = true;
		return;
	}
	n = strlen(s);
	buf = realloc(cl->out, cl->outlen - cl->outoff + n + 1);
	if (!buf) {
		json_object_put(o);
		cl->close_after = true;
		return;
	}
	memmove(buf, buf + cl->outoff, cl->outlen - cl->outoff);
	cl->outlen -= cl->outoff;
	cl->outoff = 0;
	memcpy(buf + cl->outlen, s, n);
	buf[cl->outlen + n] = '\n';
	cl->outlen += n + 1;
	cl->out = buf;
	json_object_put(o);
}

/*
 * The answer to request line @line (@len bytes): refused when it does not
 * parse, else the VM's (answer.c) or the control_target's (target.c).
 */
static struct json_object *client__answer(struct control *c, const char *line,
					  size_t len, bool *hold)
{
	struct control_req req;
	char why[128];
	int ret = control__parse_request(line, len, &req, why, sizeof(why));

	if (ret == -ENOMEM)
		return NULL;
	if (ret)
		return control__reply_err(
			ret == -EPROTO ? "version" : "bad-request", why);
	return c->has_target ? control__answer_target(c, &req, hold) :
			       control__answer(c, &req, hold);
}

/* Answer every whole line in the input buffer. */
static void client__lines(struct control *c, struct client *cl)
{
	char *nl;

	while (!cl->close_after &&
	       (nl = memchr(cl->in, '\n', cl->inlen)) != NULL) {
		size_t len = (size_t)(nl - cl->in);

		client__queue(cl, client__answer(c, cl->in, len, &cl->hold));
		memmove(cl->in, nl + 1, cl->inlen - len - 1);
		cl->inlen -= len + 1;
	}
	if (!cl->close_after && cl->inlen == sizeof(cl->in)) {
		char why[64];

		snprintf(why, sizeof(why), "request longer than %d bytes",
			 CONTROL_MAX_LINE - 1);
		client__queue(cl, control__reply_err("bad-request", why));
		cl->close_after = true;
	}
}

static void client__read(struct control *c, struct client *cl)
{
	ssize_t n = recv(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen,
			 MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF: a request cut short gets no answer; its peer is gone. */
		client__close(cl);
		return;
	}
	cl->inlen += (size_t)n;
	client__lines(c, cl);
}

static void client__write(struct client *cl)
{
	ssize_t n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client__close(cl);
		return;
	}
	cl->outoff += (size_t)n;
	if (cl->outoff == cl->outlen) {
		free(cl->out);
		cl->out = NULL;
		cl->outlen = cl->outoff = 0;
		if (cl->close_after)
			client__close(cl);
		/* Answered: the next request gets a time of its own. */
		cl->deadline = now_ns() + CONTROL_REQUEST_MS * 1000000ULL;
	}
}

/*
 * Drop @cl, telling it @code and @msg when it was part-way through a request
 * line (one that sent nothing yet, or was answered, just sees EOF).
 */
static void client__drop(struct client *cl, const char *code, const char *msg)
{
	struct json_object *o =
		cl->inlen && !cl->outlen ? control__reply_err(code, msg) : NULL;
	const char *s = o ? json_object_to_json_string_ext(
				    o, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE) :
			    NULL;
	char line[256];
	int n = s ? snprintf(line, sizeof(line), "%s\n", s) : 0;

	if (n > 0 && (size_t)n < sizeof(line) &&
	    send(cl->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control: %s reply: %s", code, strerror(errno));
	json_object_put(o);
	client__close(cl);
}

/*
 * All slots taken: free the one of the client that has waited longest for
 * its request to end (the earliest deadline). Sixteen slow clients that
 * never finish a line would otherwise keep every new client out. A client
 * waiting for a stop keeps its slot: NULL when all do.
 */
static struct client *control__evict(struct control *c)
{
	struct client *old = NULL;

	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd >= 0 && !cl->hold &&
		    (!old || cl->deadline < old->deadline))
			old = cl;
	}
	if (!old)
		return NULL;
	log_debug("control: too many clients, dropping the oldest");
	client__drop(old, "busy",
		     "too many clients: this one, the slowest, was dropped");
	return old;
}

static void control__accept(struct control *c)
{
	struct client *slot = NULL;
	int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		/* Out of fds: do not spin on a listening socket that stays ready. */
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			poll(NULL, 0, 100);
		return;
	}
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd < 0) {
			slot = &c->clients[i];
			break;
		}
	if (!slot)
		slot = control__evict(c);
	if (!slot) {
		static const char busy[] =
			"{\"v\":1,\"ok\":false,\"error\":\"too many clients\","
			"\"code\":\"busy\"}\n";

		if (send(fd, busy, sizeof(busy) - 1,
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("control: busy reply: %s", strerror(errno));
		close(fd);
		return;
	}
	slot->fd = fd;
	slot->deadline = now_ns() + CONTROL_REQUEST_MS * 1000000ULL;
	/* A request already there is answered before anyone can evict it. */
	client__read(c, slot);
	if (slot->fd >= 0 && slot->outlen)
		client__write(slot);
}

static void *control__thread(void *arg)
{
	struct control *c = arg;
	struct pollfd pfd[2 + CONTROL_MAX_CLIENTS];
	struct client *map[2 + CONTROL_MAX_CLIENTS];
	char slow[64];

	snprintf(slow, sizeof(slow), "request not complete within %d ms",
		 CONTROL_REQUEST_MS);

	for (;;) {
		uint64_t now = now_ns();
		unsigned int n = 2;
		int ret;

		pfd[0] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
		for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			struct client *cl = &c->clients[i];

			if (cl->fd < 0)
				continue;
			if (!cl->hold && now >= cl->deadline) {
				log_debug("control: dropping a slow client");
				client__drop(cl, "timeout", slow);
				continue;
			}
			/* No new requests while a reply waits: backpressure. */
			pfd[n] = (struct pollfd){
				.fd = cl->fd,
				.events = cl->outlen ? POLLOUT : POLLIN,
			};
			map[n++] = cl;
		}
		ret = poll(pfd, n, 250);
		if (ret < 0 && errno != EINTR) {
			log_err("control: poll: %s", strerror(errno));
			break;
		}
		if (ret <= 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			control__accept(c);
		for (unsigned int i = 2; i < n; i++) {
			struct client *cl = map[i];

			if (cl->fd != pfd[i].fd || !pfd[i].revents)
				continue;
			if (cl->outlen)
				client__write(cl);
			else
				client__read(c, cl);
		}
	}
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		/* Best effort: the rest of a reply, then EOF. */
		if (cl->fd >= 0 && cl->outlen > cl->outoff &&
		    send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("control: unsent reply: %s", strerror(errno));
		client__close(cl);
	}
	return NULL;
}

/* The thread that serves the socket, for a VM or a target. */
static int control__spawn(struct control *c)
{
	int err = pthread_create(&c->thread, NULL, control__thread, c);

	if (err) {
		log_err("cannot start the control thread: %s", strerror(err));
		return -err;
	}
	c->started = true;
	log_info("control socket %s", c->path);
	return 0;
}

int control__start(struct control *c, struct vm *vm)
{
	c->vm = vm;
	c->policy = vm->cfg->policy;
	c->iface = vm->res->iface;
	return control__spawn(c);
}

int control__start_target(struct control *c, const struct control_target *t)
{
	c->has_target = true;
	c->target = *t;
	return control__spawn(c);
}

void control__stop(struct control *c)
{
	if (!c)
		return;
	if (c->started) {
		char b = 1;

		if (write(c->wake[1], &b, 1) < 0)
			log_warn("control: cannot wake the thread: %s",
				 strerror(errno));
		pthread_join(c->thread, NULL);
		c->started = false;
	}
	control__unlink(c);
}

static int control__companion_start(struct vm *vm, void *opaque)
{
	return control__start(opaque, vm);
}

static void control__companion_stop(void *opaque)
{
	control__stop(opaque);
}

struct vm_companion control__companion(struct control *c)
{
	return (struct vm_companion){ .start = control__companion_start,
				      .stop = control__companion_stop,
				      .opaque = c };
}

void control__close(struct control *c)
{
	if (!c)
		return;
	control__stop(c);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	free(c);
}
