// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl-fake SOCKET [ANSWER...]: a fake VM on a zapvm control socket, for
 * the tests of what the clients do with hostile answers.
 *
 * With ANSWERs: listen on SOCKET (bound at SOCKET.tmp and renamed once it
 * listens, so a client never finds it refusing), then for each ANSWER in
 * turn accept one client, read its request line and answer ANSWER and a
 * newline; then remove SOCKET and exit 0. Without: leave a stale socket
 * at SOCKET (bound, never listening), as a SIGKILLed VM does, and exit 0.
 * It gives up after 30 s whatever happens (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int bind_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ctl-fake: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

/* Read the client's request up to its newline (or EOF, or 5 s). */
static void read_request(int fd)
{
	struct timeval tv = { 5, 0 };
	char c;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read(fd, &c, 1) == 1 && c != '\n')
		;
}

static int serve(const char *path, int nanswers, char **answers)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return 1;
	unlink(tmp);
	lfd = bind_at(tmp);
	if (lfd < 0 || listen(lfd, 4) || rename(tmp, path)) {
		fprintf(stderr, "ctl-fake: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < nanswers; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			fprintf(stderr, "ctl-fake: accept: %s\n",
				strerror(errno));
			break;
		}
		read_request(fd);
		/* A client that hung up early is part of the game. */
		if (send(fd, answers[i], strlen(answers[i]), MSG_NOSIGNAL) <
			    0 ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
			fprintf(stderr, "ctl-fake: write: %s\n",
				strerror(errno));
		close(fd);
	}
	unlink(path);
	close(lfd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ctl-fake SOCKET [ANSWER...]\n");
		return 1;
	}
	alarm(30);
	if (argc == 2)
		return bind_at(argv[1]) < 0; /* exit without unlinking */
	return serve(argv[1], argc - 2, argv + 2);
}
