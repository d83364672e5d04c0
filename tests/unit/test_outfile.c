// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files: never through a planted symlink, devices and FIFOs written
 * through (not replaced), symlinks to files followed, errors reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"

static char dir[] = "/tmp/zapvm-outfile.XXXXXX";

static char *in_dir(const char *name)
{
	static char buf[4][PATH_MAX];
	static unsigned int i;
	char *p = buf[i++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/* The whole of small file @path as a string ("" when unreadable). */
static const char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* Write @text to @path through outfile; the -errno of open or commit. */
static int write_out(const char *path, const char *text)
{
	struct outfile of;
	int ret = outfile__open(&of, "--json", path);

	if (ret)
		return ret;
	fputs(text, of.f);
	return outfile__commit(&of);
}

static void test_planted_symlinks(void)
{
	char *victim = in_dir("victim"), *out = in_dir("out.json");
	char name[PATH_MAX];
	struct outfile of;
	struct stat st;
	mode_t mask = umask(022);
	int links = 0;

	put(victim, "secret\n");
	chmod(victim, 0600);
	/* The old temporary names, and a spread of others a guesser might try. */
	snprintf(name, sizeof(name), "%s.tmp.%d", out, (int)getpid());
	links += !symlink(victim, name);
	for (int pid = getpid() + 1; pid < getpid() + 64; pid++) {
		snprintf(name, sizeof(name), "%s.tmp.%d", out, pid);
		links += !symlink(victim, name);
	}
	ok(links == 64, "planted %d symlinks at likely temporary names", links);
	ok(!outfile__open(&of, "--json", out), "open beside planted links");
	ok(of.tmp && !lstat(of.tmp, &st) && S_ISREG(st.st_mode) &&
		   st.st_nlink == 1 && (st.st_mode & 0777) == 0644,
	   "the temporary file is a fresh regular file, 0666 & ~umask");
	fputs("{}\n", of.f);
	is_int(outfile__commit(&of), 0, "commit");
	ok(!strcmp(slurp(victim), "secret\n") && !stat(victim, &st) &&
		   (st.st_mode & 0777) == 0600,
	   "the victim behind the planted links is unchanged");
	ok(!strcmp(slurp(out), "{}\n") && !lstat(out, &st) &&
		   S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644,
	   "the output is a new regular file, 0644 under umask 022");
	snprintf(name, sizeof(name), "%s.tmp.%d", out, (int)getpid());
	ok(!lstat(name, &st) && S_ISLNK(st.st_mode),
	   "the planted link is left alone");
	umask(mask);
}

static void test_devices(void)
{
	struct stat st;

	is_int(write_out("/dev/null", "x\n"), 0, "--json /dev/null written");
	ok(!stat("/dev/null", &st) && S_ISCHR(st.st_mode),
	   "/dev/null is still a character device");
	if (!access("/dev/full", W_OK))
		is_int(write_out("/dev/full", "x\n"), -ENOSPC,
		       "/dev/full: -ENOSPC at commit");
	is_int(write_out(in_dir("missing/out.json"), "x\n"), -ENOENT,
	       "a missing directory: -ENOENT");
	is_int(write_out(dir, "x\n"), -EISDIR, "a directory: -EISDIR");
	ok(write_out("/proc/version", "x\n") == -EROFS,
	   "/proc/version: -EROFS (procfs), not -ENOENT");
	is_int(outfile__check("--json", "/proc/version"), -EROFS,
	       "outfile__check says the same");
	is_int(outfile__check("--json", in_dir("new.json")), 0,
	       "outfile__check: a new file can be made");
	ok(access(in_dir("new.json"), F_OK), "outfile__check left nothing");
	is_int(outfile__check("--json", in_dir("missing/x")), -ENOENT,
	       "outfile__check: a missing directory");
}

static void test_fifo(void)
{
	char *fifo = in_dir("fifo"), *got = in_dir("fifo.got");
	struct stat st;
	pid_t pid;
	int status;

	if (mkfifo(fifo, 0600)) {
		ok(0, "mkfifo: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		char buf[256];
		int in = open(fifo, O_RDONLY), o = creat(got, 0600);
		ssize_t n;

		alarm(10);
		while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(o, buf, (size_t)n) != n)
				_exit(1);
		_exit(in < 0);
	}
	alarm(10); /* a hang here is a failure, not a stuck suite */
	is_int(write_out(fifo, "through the fifo\n"), 0, "FIFO written");
	alarm(0);
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		   !WEXITSTATUS(status),
	   "the reader got to the end");
	ok(!strcmp(slurp(got), "through the fifo\n"), "the FIFO got the data");
	ok(!lstat(fifo, &st) && S_ISFIFO(st.st_mode), "the FIFO is still one");
}

static void test_symlink_to_file(void)
{
	char *target = in_dir("sub/target.json"), *link = in_dir("link.json");
	struct stat st;

	mkdir(in_dir("sub"), 0700);
	put(target, "old\n");
	symlink("sub/target.json", link);
	is_int(write_out(link, "new\n"), 0, "written through a symlink");
	ok(!lstat(link, &st) && S_ISLNK(st.st_mode), "the link is kept");
	ok(!strcmp(slurp(target), "new\n"), "its target has the new text");
	symlink("sub/nowhere.json", in_dir("dangling"));
	is_int(write_out(in_dir("dangling"), "x\n"), -ENOENT,
	       "a dangling symlink is refused");
	ok(access(in_dir("sub/nowhere.json"), F_OK),
	   "nothing created at the dangling link's target");
}

static void test_abort(void)
{
	struct outfile of;
	char tmp[PATH_MAX];

	ok(!outfile__open(&of, "--json", in_dir("aborted.json")), "open");
	snprintf(tmp, sizeof(tmp), "%s", of.tmp);
	fputs("half", of.f);
	outfile__abort(&of);
	ok(access(tmp, F_OK) && access(in_dir("aborted.json"), F_OK),
	   "abort leaves neither the temporary file nor the target");
}

int main(void)
{
	log_level = LOG_QUIET;
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_planted_symlinks();
	test_devices();
	test_fifo();
	test_symlink_to_file();
	test_abort();
	if (fork() == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	wait(NULL);
	return tap_done();
}
