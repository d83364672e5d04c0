/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The zapvm kernel series' runtime knobs (bool kvm.ko parameters, see
 * kvm_compat.h): set one for an experiment and put the old value back
 * afterwards. Shared by `zapvm run --prefetch/--root-zap` and `zapvm bench`.
 */
#ifndef ZAPVM_KNOB_H
#define ZAPVM_KNOB_H

#include <stdbool.h>
#include <stddef.h>

struct knob {
	const char *opt; /* the option that sets it, for messages */
	char path[512]; /* the parameter file */
	int saved; /* its value before the first write: 1, 0, -1 unknown */
	bool written; /* knob__set() wrote it: knob__restore() must */
};

/*
 * knob__init - a knob for option @opt at @sysfs, or at
 * $ZAPVM_KNOB_DIR/<basename of @sysfs> when that variable is set (tests
 * point it at a directory of plain files).
 */
void knob__init(struct knob *k, const char *opt, const char *sysfs);

/* knob__read - the value of parameter file @path: 1 (Y, y, 1), 0 (N, n,
 * 0), -EINVAL for anything else, or -errno when it cannot be read. */
int knob__read(const char *path);

/*
 * knob__set - write @on (Y or N) to @k; the first call saves the value it
 * replaces. Returns 0, or -errno after one line on stderr: -EOPNOTSUPP
 * when the file is missing (not the zapvm kernel series) or refuses the
 * value (exit 69), -EACCES when it may not be written (not root; 77).
 */
int knob__set(struct knob *k, int on);

/*
 * knob__restore - write back the value knob__set() replaced, if it wrote
 * one; a no-op otherwise, and idempotent. 0 or -errno after one line on
 * stderr, as knob__set().
 */
int knob__restore(struct knob *k);

#endif /* ZAPVM_KNOB_H */
