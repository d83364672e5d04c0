// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's outputs (--csv, --json, --plot, --timeline) checked before any run:
 * at most one on standard output, no two at one file, each one creatable.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/util.h"

#include "bench.h"

/* Whether output @path is standard output, as outfile__open reads it. */
static bool out__is_stdout(const char *path)
{
	static const char *const fd_dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	uint64_t fd;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return true;
	for (unsigned int i = 0; i < ARRAY_SIZE(fd_dirs); i++)
		if (!strncmp(path, fd_dirs[i], strlen(fd_dirs[i])) &&
		    !parse_u64(path + strlen(fd_dirs[i]), &fd) && fd == 1)
			return true;
	return false;
}

/* The file outputs, by option name; out__paths() gives their paths. */
#define NOUTS 4
static const char *const names[NOUTS] = { "--csv", "--json", "--plot",
					  "--timeline" };

static void out__paths(const struct bench_opts *o, const char *paths[NOUTS])
{
	paths[0] = o->csv;
	paths[1] = o->json;
	paths[2] = o->plot;
	paths[3] = o->timeline;
}

/*
 * "-" is standard output for every output. Two of them there would be
 * interleaved: refused. With one, the table goes to standard error so that
 * standard output holds only that file (`--json - | jq` works).
 */
int bench__stdout(struct bench_opts *o)
{
	const char *paths[NOUTS];
	int first = -1;

	out__paths(o, paths);
	for (int i = 0; i < (int)ARRAY_SIZE(paths); i++) {
		if (!paths[i] || !out__is_stdout(paths[i]))
			continue;
		if (first >= 0) {
			log_err("bench: %s %s and %s %s both write to standard "
				"output; give one of them a file",
				names[first], paths[first], names[i], paths[i]);
			return ZAPVM_EXIT_USAGE;
		}
		first = i;
	}
	o->table_stderr = first >= 0;
	return 0;
}

/*
 * Where output @path would land when it does not exist yet: its
 * directory's device and inode, and its last component in *@name.
 */
static int out__parent(const char *path, struct stat *st, const char **name)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	*name = slash ? slash + 1 : path;
	if (!slash)
		return stat(".", st);
	if ((size_t)(slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return stat(slash == path ? "/" : dir, st);
}

/*
 * Whether outputs @a and @b are one file: the same inode when both exist
 * (a symlink to the other counts), else the same name in the same
 * directory. A character device is no conflict: `--csv /dev/null --json
 * /dev/null` loses nothing that was wanted.
 */
static bool out__same(const char *a, const char *b)
{
	struct stat sa, sb;
	const char *na, *nb;
	bool ea = !stat(a, &sa), eb = !stat(b, &sb);

	if (ea || eb)
		return ea && eb && sa.st_dev == sb.st_dev &&
		       sa.st_ino == sb.st_ino && !S_ISCHR(sa.st_mode);
	if (out__parent(a, &sa, &na) || out__parent(b, &sb, &nb))
		return !strcmp(a, b);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
	       !strcmp(na, nb);
}

/*
 * Two outputs at one file would overwrite each other (the second rename
 * wins): refused. Standard output is bench__stdout()'s.
 */
int bench__distinct_outputs(const struct bench_opts *o)
{
	const char *paths[NOUTS];

	out__paths(o, paths);
	for (unsigned int i = 0; i < ARRAY_SIZE(paths); i++) {
		for (unsigned int k = i + 1; k < ARRAY_SIZE(paths); k++) {
			if (!paths[i] || !paths[k] ||
			    out__is_stdout(paths[i]) ||
			    !out__same(paths[i], paths[k]))
				continue;
			log_err("bench: %s %s and %s %s are the same file; give "
				"each output its own",
				names[i], paths[i], names[k], paths[k]);
			return ZAPVM_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * Every output file can be made, before minutes of runs: 0, 64 for a path
 * too long, 74 after outfile__check's line. Also --plot without gnuplot,
 * which is then only skipped: a bad path is an error either way.
 */
int bench__check_outputs(const struct bench_opts *o)
{
	const char *paths[NOUTS];
	int err;

	out__paths(o, paths);
	for (unsigned int i = 0; i < ARRAY_SIZE(paths); i++) {
		err = paths[i] ? outfile__check(names[i], paths[i]) : 0;
		if (err == -ENAMETOOLONG)
			return ZAPVM_EXIT_USAGE;
		if (err)
			return ZAPVM_EXIT_IOERR;
	}
	return 0;
}
