/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zapvm's exit statuses (documented in zapvm(1) and zapvm-bench(1)) and
 * the one place that picks them: the command layer (src/cmd/exit.c). The
 * VMM library (src/core, src/boot, src/devices, src/control) returns
 * -errno and describes how a VM ended with enum vm_end (vm.h); it never
 * names a status (tests/unit/test_layers.sh checks).
 */
#ifndef ZAPVM_EXIT_H
#define ZAPVM_EXIT_H

struct vm_result;

/* 0-63 is the guest's own DONE status; the rest are zapvm's. */
enum zapvm_exit {
	ZAPVM_EXIT_OK = 0,
	ZAPVM_EXIT_GUEST_MAX = 63, /* guest statuses above are clamped */
	ZAPVM_EXIT_USAGE = 64, /* bad command line */
	ZAPVM_EXIT_DATAERR = 65, /* malformed input file */
	ZAPVM_EXIT_NOINPUT = 66, /* input file missing or unreadable */
	ZAPVM_EXIT_UNAVAILABLE =
		69, /* /dev/kvm or a needed capability missing */
	ZAPVM_EXIT_SOFTWARE = 70, /* internal or KVM error */
	ZAPVM_EXIT_IOERR = 74, /* writing an output file failed */
	ZAPVM_EXIT_NOPERM = 77, /* /dev/kvm or a knob not permitted */
	ZAPVM_EXIT_GUEST_ASSERT = 100, /* a guest assertion failed */
	ZAPVM_EXIT_GUEST_CRASH =
		101, /* triple fault, internal error, bad access */
	ZAPVM_EXIT_GUEST_REBOOT = 102, /* the guest reset the machine */
	ZAPVM_EXIT_GUEST_PANIC = 103, /* the guest kernel panicked */
	ZAPVM_EXIT_TIMEOUT = 124, /* --timeout expired */
	ZAPVM_EXIT_INTERRUPTED = 130, /* an ending signal, or a stop */
};

/* One documented exit status: its number, enum name and meaning. */
struct exit_status {
	int status;
	const char *name;
	const char *meaning;
};

/*
 * exit_statuses - every status zapvm exits with, in increasing order, one
 * row per enum zapvm_exit value (0 and 63 bound the guest's range);
 * exit_nstatuses rows. tests/unit/test_exit.c checks it against the man
 * pages' EXIT STATUS sections.
 */
extern const struct exit_status exit_statuses[];
extern const unsigned int exit_nstatuses;

/* errno_to_exit - the exit status for a failure with -errno @err. */
int errno_to_exit(int err);

/*
 * exit__from_vm - the exit status of a VM that ended as @res says: the
 * guest's DONE status (at most 63), 0 for a power-off, 100-103 for what
 * the guest did, 124 for the timeout, 130 when interrupted, 64 for a
 * configuration the core refused, errno_to_exit() of a failure.
 */
int exit__from_vm(const struct vm_result *res);

#endif /* ZAPVM_EXIT_H */
