// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "run a test guest (ELF file or builtin:NAME)" },
	{ "demo", cmd_demo,
	  "measure the memslot zap policies with the bootsim guest" },
	{ "bench", cmd_bench,
	  "repeat a scenario over policies and VM shapes, with statistics" },
	{ "caps", cmd_caps, "show what this host's KVM offers" },
	{ "guests", cmd_guests, "list the builtin guests" },
	{ "list", cmd_list, "list the running VMs (their control sockets)" },
	{ "stop", cmd_stop, "stop running VM NAME (its run exits 130)" },
	{ "pause", cmd_pause, "hold every vCPU of VM NAME out of KVM_RUN" },
	{ "resume", cmd_resume, "let a paused VM NAME run on" },
	{ "stats", cmd_stats, "live KVM stats of VM NAME [--json] [--all]" },
	{ "policy", cmd_policy,
	  "switch VM NAME's zap policy: --zap-policy all|slot" },
	{ "exec", cmd_exec,
	  "run another VMM (QEMU, ...) with zapvm's policy, phases, stats" },
	{ "attach", cmd_attach,
	  "a running VMM's VMs: policy and stats (any VMM, by PID)" },
	{ "version", cmd_version, "print zapvm's version" },
	{ "help", cmd_help, "this list" },
};

/* version and help take no arguments, as caps and guests. */
static int no_args(int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	log_err("%s: unexpected argument '%s'", argv[0], argv[1]);
	return ZAPVM_EXIT_USAGE;
}

static int cmd_version(int argc, char **argv)
{
	int ret = no_args(argc, argv);

	if (!ret)
		printf("zapvm %s\n", ZAPVM_VERSION);
	return ret;
}

static int cmd_help(int argc, char **argv)
{
	int ret = no_args(argc, argv);

	if (ret)
		return ret;
	printf("usage: zapvm COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].help);
	printf("\n'zapvm COMMAND --help' for a command's options; zapvm(1) for "
	       "the whole story.\n");
	return 0;
}

/*
 * What coreutils' close_stdout() does: output that never reached stdout
 * (ENOSPC on /dev/full, EIO, EPIPE with SIGPIPE ignored) is an error, one
 * line and exit 74 unless the command failed already: then it keeps its
 * status and its own line (a --json - that hit ENOSPC said so itself). A
 * stdout closed before zapvm started (EBADF, nothing written) is no error.
 * Returns the exit status.
 */
static int close_stdout(int status)
{
	bool pending = __fpending(stdout) != 0;
	bool failed_before = ferror(stdout) != 0;
	int err = fclose(stdout) ? errno : 0;

	if (status)
		return status;
	if (!err && !failed_before)
		return 0;
	if (err == EBADF && !failed_before && !pending)
		return 0;
	/* Without a failing fclose() the error's errno is long gone. */
	if (err)
		log_err("write error on standard output: %s", strerror(err));
	else
		log_err("write error on standard output");
	return ZAPVM_EXIT_IOERR;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return ZAPVM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	log_err("unknown command '%s' (try 'zapvm help')", argv[1]);
	return ZAPVM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return close_stdout(dispatch(argc, argv));
}
