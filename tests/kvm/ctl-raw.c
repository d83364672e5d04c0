// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl-raw SOCKET [HOLD_MS [BYTE_MS]]: a raw client of a zapvm control socket
 * for the hostile-client tests. Sends standard input as it is (with BYTE_MS,
 * one byte every BYTE_MS ms: a slow client), then waits HOLD_MS (default 0)
 * with the connection open, then half-closes it and copies whatever the VM
 * answers to standard output until EOF (at most 10 s). Sending stops when
 * the VM hangs up. Says on stderr how long all that took ("ctl-raw: N ms").
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

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* @len bytes of @buf, one every @byte_ms ms (all at once for 0). */
static int send_all(int fd, const char *buf, size_t len, long byte_ms)
{
	while (len) {
		ssize_t n = send(fd, buf, byte_ms > 0 ? 1 : len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		if (byte_ms > 0 && len)
			sleep_ms(byte_ms);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 10, 0 };
	char buf[65536];
	long hold = argc > 2 ? atol(argv[2]) : 0;
	long byte_ms = argc > 3 ? atol(argv[3]) : 0;
	long t0 = now_ms();
	ssize_t n;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctl-raw SOCKET [HOLD_MS [BYTE_MS]]\n");
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
		if (send_all(fd, buf, (size_t)n, byte_ms))
			break;
	if (hold > 0)
		sleep_ms(hold);
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	close(fd);
	fprintf(stderr, "ctl-raw: %ld ms\n", now_ms() - t0);
	return 0;
}
