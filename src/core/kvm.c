// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "zapvm/kvm.h"
#include "zapvm/log.h"

int __kvm_ioctl(int fd, unsigned long req, void *arg, const char *name,
		bool log)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret >= 0)
		return ret;
	ret = -errno;
	if (log)
		log_err("%s failed: %s", name, strerror(-ret));
	return ret;
}

const char *kvm__dev_path(void)
{
	const char *p = getenv("ZAPVM_KVM_DEV");

	return p && *p ? p : "/dev/kvm";
}

int kvm__open(void)
{
	const char *path = kvm__dev_path();
	int fd, api;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			log_err("%s does not exist: is KVM enabled (modprobe "
				"kvm_intel or kvm_amd)?",
				path);
		else if (err == -EACCES || err == -EPERM)
			log_err("%s: permission denied (add yourself to the kvm "
				"group)",
				path);
		else
			log_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		if (api < 0)
			log_err("%s: KVM_GET_API_VERSION failed: %s (not a KVM "
				"device?)",
				path, strerror(errno));
		else
			log_err("%s: KVM API version %d, zapvm needs %d", path,
				api, KVM_API_VERSION);
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

long kvm__check(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int kvm__read_param(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	return n == 1 ? c : -EIO;
}

static bool param_true(const char *path)
{
	int c = kvm__read_param(path);

	return c == 'Y' || c == 'y' || c == '1';
}

/* Built-in kvm_intel and kvm_amd both show up in /sys/module: ask the CPU. */
static bool cpu_is_amd(void)
{
	char line[256];
	bool amd = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9)) {
			amd = strstr(line, "AuthenticAMD") ||
			      strstr(line, "HygonGenuine");
			break;
		}
	}
	fclose(f);
	return amd;
}

void kvm__mmu_info(struct mmu_info *info)
{
	int c = kvm__read_param("/sys/module/kvm/parameters/tdp_mmu");

	info->tdp_mmu = c < 0 ? -1 : (c == 'Y' || c == 'y' || c == '1');
	info->kind = MMU_UNKNOWN;
	info->vendor_module = NULL;
	/* PVM runs on top of a host without VMX/SVM: always shadow paging. */
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		info->kind = MMU_PVM;
		info->vendor_module = "kvm_pvm";
	} else if (!cpu_is_amd() &&
		   access("/sys/module/kvm_intel", F_OK) == 0) {
		info->vendor_module = "kvm_intel";
		info->kind =
			param_true("/sys/module/kvm_intel/parameters/ept") ?
				MMU_TDP_EPT :
				MMU_SHADOW;
	} else if (access("/sys/module/kvm_amd", F_OK) == 0) {
		info->vendor_module = "kvm_amd";
		info->kind = param_true("/sys/module/kvm_amd/parameters/npt") ?
				     MMU_TDP_NPT :
				     MMU_SHADOW;
	}
	info->tdp_mmu = kvm__tdp_mmu_used(info->tdp_mmu, info->kind);
}

int kvm__tdp_mmu_used(int tdp_mmu_param, enum mmu_kind kind)
{
	if (tdp_mmu_param == 1 && kind != MMU_TDP_EPT && kind != MMU_TDP_NPT)
		return 0;
	return tdp_mmu_param;
}

const char *kvm__mmu_name(enum mmu_kind kind)
{
	switch (kind) {
	case MMU_TDP_EPT:
		return "tdp-ept";
	case MMU_TDP_NPT:
		return "tdp-npt";
	case MMU_SHADOW:
		return "shadow";
	case MMU_PVM:
		return "shadow-pvm";
	case MMU_UNKNOWN:
	default:
		return "unknown";
	}
}

const char *kvm__describe_exit(unsigned int reason, unsigned long long detail,
			       char *buf, size_t len)
{
	switch (reason) {
	case KVM_EXIT_SHUTDOWN:
		snprintf(buf, len, "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, len,
			 "KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx", detail);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, len, "KVM_EXIT_INTERNAL_ERROR, suberror %llu",
			 detail);
		break;
	default:
		snprintf(buf, len, "exit reason %u", reason);
		break;
	}
	return buf;
}
