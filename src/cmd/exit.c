// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one mapping from what went wrong (-errno, or how a VM ended) to the
 * exit statuses zapvm(1) documents.
 */
#include <errno.h>

#include "zapvm/exit.h"
#include "zapvm/vm.h"
#include "zapvm/util.h"

const struct exit_status exit_statuses[] = {
	{ ZAPVM_EXIT_OK, "OK", "success, or the guest's done status 0" },
	{ ZAPVM_EXIT_GUEST_MAX, "GUEST_MAX",
	  "the highest guest done status (larger ones read as 63)" },
	{ ZAPVM_EXIT_USAGE, "USAGE", "bad command line" },
	{ ZAPVM_EXIT_DATAERR, "DATAERR", "malformed input file" },
	{ ZAPVM_EXIT_NOINPUT, "NOINPUT", "input file or VM missing" },
	{ ZAPVM_EXIT_UNAVAILABLE, "UNAVAILABLE",
	  "KVM or a needed capability missing" },
	{ ZAPVM_EXIT_SOFTWARE, "SOFTWARE", "internal or KVM error" },
	{ ZAPVM_EXIT_IOERR, "IOERR", "an output could not be written" },
	{ ZAPVM_EXIT_NOPERM, "NOPERM", "permission denied" },
	{ ZAPVM_EXIT_GUEST_ASSERT, "GUEST_ASSERT", "a guest assertion failed" },
	{ ZAPVM_EXIT_GUEST_CRASH, "GUEST_CRASH", "the guest crashed" },
	{ ZAPVM_EXIT_GUEST_REBOOT, "GUEST_REBOOT",
	  "the guest reset the machine" },
	{ ZAPVM_EXIT_GUEST_PANIC, "GUEST_PANIC", "the guest kernel panicked" },
	{ ZAPVM_EXIT_TIMEOUT, "TIMEOUT", "--timeout expired" },
	{ ZAPVM_EXIT_INTERRUPTED, "INTERRUPTED",
	  "an ending signal, Ctrl-A x or zapvm stop" },
};

const unsigned int exit_nstatuses = ARRAY_SIZE(exit_statuses);

int errno_to_exit(int err)
{
	switch (err) {
	case -ENOENT:
		return ZAPVM_EXIT_NOINPUT;
	case -EACCES:
	case -EPERM:
		return ZAPVM_EXIT_NOPERM;
	case -ENOEXEC:
	case -EEXIST:
	case -EINVAL:
	case -EFBIG:
	case -ERANGE:
		return ZAPVM_EXIT_DATAERR;
	case -EOPNOTSUPP:
	case -ENODEV:
	case -ENXIO:
		return ZAPVM_EXIT_UNAVAILABLE;
	default:
		return ZAPVM_EXIT_SOFTWARE;
	}
}

int exit__from_vm(const struct vm_result *res)
{
	switch (res->end) {
	case VM_END_GUEST_DONE:
		return res->guest_status > ZAPVM_EXIT_GUEST_MAX ?
			       ZAPVM_EXIT_GUEST_MAX :
			       (int)res->guest_status;
	case VM_END_POWEROFF:
		return ZAPVM_EXIT_OK;
	case VM_END_GUEST_ASSERT:
		return ZAPVM_EXIT_GUEST_ASSERT;
	case VM_END_GUEST_CRASH:
		return ZAPVM_EXIT_GUEST_CRASH;
	case VM_END_REBOOT:
		return ZAPVM_EXIT_GUEST_REBOOT;
	case VM_END_PANIC:
		return ZAPVM_EXIT_GUEST_PANIC;
	case VM_END_TIMEOUT:
		return ZAPVM_EXIT_TIMEOUT;
	case VM_END_INTERRUPTED:
		return ZAPVM_EXIT_INTERRUPTED;
	case VM_END_CONFIG:
		return ZAPVM_EXIT_USAGE;
	case VM_END_ERROR:
		return errno_to_exit(res->err);
	default:
		return ZAPVM_EXIT_SOFTWARE;
	}
}
