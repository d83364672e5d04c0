// SPDX-License-Identifier: GPL-2.0-only
/* The zapvm kernel series' runtime knobs: set, and put back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/knob.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

void knob__init(struct knob *k, const char *opt, const char *sysfs)
{
	const char *dir = getenv("ZAPVM_KNOB_DIR");
	const char *base = strrchr(sysfs, '/');

	k->opt = opt;
	k->saved = -1;
	k->written = false;
	if (dir && *dir)
		snprintf(k->path, sizeof(k->path), "%s/%s", dir,
			 base ? base + 1 : sysfs);
	else
		snprintf(k->path, sizeof(k->path), "%s", sysfs);
}

int knob__read(const char *path)
{
	char buf[8];
	/* O_NONBLOCK: a FIFO in ZAPVM_KNOB_DIR reads empty, never waits. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 1)
		return n < 0 ? -EIO : -EINVAL;
	if ((buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1') &&
	    (n == 1 || buf[1] == '\n'))
		return 1;
	if ((buf[0] == 'N' || buf[0] == 'n' || buf[0] == '0') &&
	    (n == 1 || buf[1] == '\n'))
		return 0;
	return -EINVAL;
}

static int knob__write(const struct knob *k, int on)
{
	int fd, err = 0;

	errno = 0;
	fd = open(k->path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, on ? "Y\n" : "N\n", 2) != 2)
		err = errno ? errno : EIO;
	if (fd >= 0 && close(fd) && !err)
		err = errno;
	if (!err)
		return 0;
	if (err == ENOENT) {
		log_err("%s: not supported on this host: %s is missing (it "
			"needs the zapvm kernel series)",
			k->opt, k->path);
		return -EOPNOTSUPP;
	}
	if (err == EACCES || err == EPERM || err == EROFS) {
		log_err("%s: cannot write %s: %s (setting a kvm.ko parameter "
			"needs root)",
			k->opt, k->path, strerror(err));
		return -EACCES;
	}
	log_err("%s: cannot set %s to %s: %s%s", k->opt, k->path,
		on ? "Y" : "N", strerror(err),
		err == EINVAL && on ? " (a CONFIG_KVM_PROVE_MMU kernel keeps "
				      "tdp_mmu_zap_4k at N)" :
				      "");
	return -EOPNOTSUPP;
}

int knob__set(struct knob *k, int on)
{
	int old, ret;

	if (!k->written) {
		old = knob__read(k->path);
		if (old == -ENOENT) {
			log_err("%s: not supported on this host: %s is missing "
				"(it needs the zapvm kernel series)",
				k->opt, k->path);
			return -EOPNOTSUPP;
		}
		if (old < 0) {
			log_err("%s: cannot read %s: %s", k->opt, k->path,
				strerror(-old));
			return old == -EACCES ? -EACCES : -EOPNOTSUPP;
		}
		k->saved = old;
	}
	ret = knob__write(k, on);
	if (!ret && !k->written) {
		k->written = true;
		log_debug("%s: %s set to %s (was %s)", k->opt, k->path,
			  on ? "Y" : "N", k->saved ? "Y" : "N");
	}
	return ret;
}

int knob__restore(struct knob *k)
{
	int ret;

	if (!k->written)
		return 0;
	ret = knob__write(k, k->saved);
	if (!ret) {
		k->written = false;
		log_debug("%s: %s restored to %s", k->opt, k->path,
			  k->saved ? "Y" : "N");
	}
	return ret;
}
