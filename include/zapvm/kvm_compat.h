/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM uapi constants newer than the 6.1 <linux/kvm.h> we build against, and
 * the uapi of the zapvm companion kernel series (kernel-patches/6.1/).
 * Every definition is guarded so a newer header wins.
 */
#ifndef ZAPVM_KVM_COMPAT_H
#define ZAPVM_KVM_COMPAT_H

#include <linux/kvm.h>

/* Upstream, Linux 6.12: bit 7 of KVM_CAP_DISABLE_QUIRKS2. */
#ifndef KVM_X86_QUIRK_SLOT_ZAP_ALL
#define KVM_X86_QUIRK_SLOT_ZAP_ALL (1 << 7)
#endif

/* Upstream caps above the 6.1 header's last one (223). */
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif

/*
 * zapvm companion series. The seed RFC's number (184) is KVM_CAP_LAST_CPU
 * upstream, so the series uses a number far outside upstream's sequential
 * range. A cap number alone proves nothing: the series is recognised by its
 * VM stats descriptor ZAPVM_SERIES_STAT as well (see kvm__has_series()).
 */
#ifndef KVM_CAP_MEMSLOT_ZAP_CONTROL
#define KVM_CAP_MEMSLOT_ZAP_CONTROL 1024
#endif
#ifndef KVM_ZAP_ONLY_MEMSLOT_SPTES
#define KVM_ZAP_ONLY_MEMSLOT_SPTES (1ULL << 0)
#endif

/* VM binary stats only the series adds. */
#define ZAPVM_SERIES_STAT "memslot_zaps_slot"
#define ZAPVM_STAT_ZAPS_ALL "memslot_zaps_all"
#define ZAPVM_STAT_ZAPS_SLOT "memslot_zaps_slot"
#define ZAPVM_STAT_ZAPPED_SPTES "memslot_zapped_sptes"
#define ZAPVM_STAT_CHANGE_PTE_PREFETCH "change_pte_prefetch"
#define ZAPVM_STAT_ROOT_ZAP_PASSES "root_zap_passes"
#define ZAPVM_STAT_ROOT_ZAP_YIELDS "root_zap_yields"

/* Runtime knobs the series adds to kvm.ko (bool module parameters). */
#define ZAPVM_KNOB_PREFETCH \
	"/sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch"
#define ZAPVM_KNOB_ROOT_ZAP_4K "/sys/module/kvm/parameters/tdp_mmu_zap_4k"

#endif /* ZAPVM_KVM_COMPAT_H */
