// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl-raw SOCKET [HOLD_MS]: a raw client of a zapvm control socket for the
 * hostile-client tests. Sends standard input as it is, then waits HOLD_MS
 * (default 0) with the connection open, then half-closes it and copies
 * whatever the VM answers to standard output until EOF (at most 10 s).
 * Exit 0, or 1 if the socket cannot be reached (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 10, 0 };
	char buf[65536];
	long hold = argc > 2 ? atol(argv[2]) : 0;
	ssize_t n;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctl-raw SOCKET [HOLD_MS]\n");
		return 1;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ctl-raw: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* A peer that hangs up early is part of the game: ignore errors. */
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (send_all(fd, buf, (size_t)n))
			break;
	if (hold > 0) {
		struct timespec ts = { hold / 1000, (hold % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	close(fd);
	return 0;
}
