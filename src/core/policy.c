// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/vm.h"

int zap_policy__parse(const char *s, enum zap_policy *out)
{
	if (!strcmp(s, "default"))
		*out = ZAP_DEFAULT;
	else if (!strcmp(s, "all"))
		*out = ZAP_ALL;
	else if (!strcmp(s, "slot"))
		*out = ZAP_SLOT;
	else
		return -EINVAL;
	return 0;
}

const char *zap_policy__name(enum zap_policy p)
{
	switch (p) {
	case ZAP_ALL:
		return "all";
	case ZAP_SLOT:
		return "slot";
	case ZAP_DEFAULT:
	default:
		return "default";
	}
}

const char *zap_iface__name(enum zap_iface i)
{
	switch (i) {
	case ZAP_IFACE_SERIES:
		return "KVM_CAP_MEMSLOT_ZAP_CONTROL";
	case ZAP_IFACE_QUIRK:
		return "KVM_X86_QUIRK_SLOT_ZAP_ALL";
	case ZAP_IFACE_NONE:
	default:
		return "kernel default";
	}
}

int thp_mode__parse(const char *s, enum thp_mode *out)
{
	if (!strcmp(s, "on"))
		*out = THP_ON;
	else if (!strcmp(s, "off"))
		*out = THP_OFF;
	else if (!strcmp(s, "default"))
		*out = THP_DEFAULT;
	else
		return -EINVAL;
	return 0;
}

int pci_mode__parse(const char *s, enum pci_mode *out)
{
	if (!strcmp(s, "auto"))
		*out = PCI_AUTO;
	else if (!strcmp(s, "on"))
		*out = PCI_ON;
	else if (!strcmp(s, "off"))
		*out = PCI_OFF;
	else
		return -EINVAL;
	return 0;
}

const char *pci_mode__name(enum pci_mode m)
{
	switch (m) {
	case PCI_ON:
		return "on";
	case PCI_OFF:
		return "off";
	case PCI_AUTO:
	default:
		return "auto";
	}
}

const char *vm_config__pci_user(const struct vm_config *cfg)
{
	if (cfg->ndisks)
		return "--disk";
	if (cfg->console == CONSOLE_VIRTIO)
		return "--console virtio";
	if (cfg->has_pci_rom)
		return cfg->kernel ? "--rom" : "--pci-rom";
	return NULL;
}

bool vm_config__has_pci(const struct vm_config *cfg)
{
	switch (cfg->pci) {
	case PCI_ON:
		return true;
	case PCI_OFF:
		return false;
	case PCI_AUTO:
	default:
		return cfg->firmware || vm_config__pci_user(cfg) != NULL;
	}
}

void zap_support__probe(int vm_fd, const struct stats_set *stats,
			struct zap_support *zs)
{
	long flags = kvm__check(vm_fd, KVM_CAP_MEMSLOT_ZAP_CONTROL);
	bool stat = stats && stats__find(stats, ZAPVM_SERIES_STAT) >= 0;

	memset(zs, 0, sizeof(*zs));
	/* A cap number proves nothing on its own: require the series' stat. */
	zs->series = flags > 0 && (flags & KVM_ZAP_ONLY_MEMSLOT_SPTES) && stat;
	zs->series_cap_only = flags > 0 && !stat;
	zs->series_flags = zs->series ? (uint64_t)flags : 0;
	zs->quirk = kvm__check(vm_fd, KVM_CAP_DISABLE_QUIRKS2) &
		    KVM_X86_QUIRK_SLOT_ZAP_ALL;
}

static int enable_cap(int vm_fd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg } };

	return kvm_ioctl(vm_fd, KVM_ENABLE_CAP, &ec);
}

int zap_policy__apply(int vm_fd, const struct zap_support *zs,
		      enum zap_policy p, enum zap_iface *used)
{
	int ret;

	*used = ZAP_IFACE_NONE;
	switch (p) {
	case ZAP_DEFAULT:
		return 0;
	case ZAP_ALL:
		/*
		 * x86 zaps all roots on memslot deletion unless told otherwise:
		 * the quirk starts enabled, the series' flag starts clear. Say
		 * so explicitly only where the series lets us.
		 */
		if (!zs->series)
			return 0;
		ret = enable_cap(vm_fd, KVM_CAP_MEMSLOT_ZAP_CONTROL, 0);
		if (!ret)
			*used = ZAP_IFACE_SERIES;
		return ret;
	case ZAP_SLOT:
		if (zs->series) {
			ret = enable_cap(vm_fd, KVM_CAP_MEMSLOT_ZAP_CONTROL,
					 KVM_ZAP_ONLY_MEMSLOT_SPTES);
			if (!ret)
				*used = ZAP_IFACE_SERIES;
			return ret;
		}
		if (zs->quirk) {
			ret = enable_cap(vm_fd, KVM_CAP_DISABLE_QUIRKS2,
					 KVM_X86_QUIRK_SLOT_ZAP_ALL);
			if (!ret)
				*used = ZAP_IFACE_QUIRK;
			return ret;
		}
		if (zs->series_cap_only)
			log_err("zap policy 'slot': KVM answers cap %d but lacks "
				"the '%s' stat of the zapvm series; refusing to "
				"trust the cap number",
				KVM_CAP_MEMSLOT_ZAP_CONTROL, ZAPVM_SERIES_STAT);
		else
			log_err("zap policy 'slot' is not supported by this "
				"kernel: it has neither KVM_CAP_MEMSLOT_ZAP_CONTROL "
				"(zapvm kernel series) nor KVM_X86_QUIRK_SLOT_ZAP_ALL "
				"(Linux 6.12+)");
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

int zap_policy__change(int vm_fd, const struct zap_support *zs,
		       enum zap_policy cur, enum zap_iface cur_iface,
		       enum zap_policy want, enum zap_iface *used,
		       const char **why)
{
	struct kvm_enable_cap ec = { 0 };
	int ret;

	*used = cur_iface;
	*why = NULL;
	if (want != ZAP_ALL && want != ZAP_SLOT)
		return -EINVAL;
	if (zs->series) {
		/* The series takes new flags at any time. */
		ec.cap = KVM_CAP_MEMSLOT_ZAP_CONTROL;
		ec.args[0] = want == ZAP_SLOT ? KVM_ZAP_ONLY_MEMSLOT_SPTES : 0;
		ret = kvm_ioctl_quiet(vm_fd, KVM_ENABLE_CAP, &ec);
		if (!ret)
			*used = ZAP_IFACE_SERIES;
		return ret;
	}
	if (want == ZAP_ALL) {
		/* Zap-all is the default: fine unless the quirk is gone. */
		if (cur_iface != ZAP_IFACE_QUIRK)
			return 0;
		*why = "this VM disabled KVM_X86_QUIRK_SLOT_ZAP_ALL and a "
		       "quirk cannot be re-enabled (the zapvm series' "
		       "KVM_CAP_MEMSLOT_ZAP_CONTROL could)";
		return -EPERM;
	}
	if (cur_iface == ZAP_IFACE_QUIRK)
		return 0;
	if (zs->quirk) {
		ec.cap = KVM_CAP_DISABLE_QUIRKS2;
		ec.args[0] = KVM_X86_QUIRK_SLOT_ZAP_ALL;
		ret = kvm_ioctl_quiet(vm_fd, KVM_ENABLE_CAP, &ec);
		if (!ret)
			*used = ZAP_IFACE_QUIRK;
		return ret;
	}
	*why = zs->series_cap_only ?
		       "KVM answers KVM_CAP_MEMSLOT_ZAP_CONTROL without the "
		       "zapvm series' stat; zapvm does not trust the cap number" :
		       "neither KVM_CAP_MEMSLOT_ZAP_CONTROL (zapvm kernel "
		       "series) nor KVM_X86_QUIRK_SLOT_ZAP_ALL (Linux 6.12+)";
	return -EOPNOTSUPP;
}
