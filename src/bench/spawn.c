// SPDX-License-Identifier: GPL-2.0-only
/*
 * The helper programs zapvm bench runs (sha256sum for the inputs' record,
 * gnuplot for --plot): found in $PATH, started with /dev/null where their
 * output is not wanted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

bool spawn__in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t len = strcspn(path, ":");

		if (len && len + strlen(name) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path,
				 name);
			if (!access(buf, X_OK))
				return true;
		}
		path += len + (path[len] == ':');
	}
	return false;
}

pid_t spawn__run(char *const argv[], int out_fd, bool quiet)
{
	pid_t pid;

	/* The child must not write our buffered output a second time. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (out_fd >= 0)
			dup2(out_fd, STDOUT_FILENO);
		else if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (quiet && null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int spawn__wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
