// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm__tdp_mmu_used(): new VMs get the TDP MMU only when kvm.tdp_mmu is Y
 * and EPT or NPT is on.  6.1's kvm.tdp_mmu stays Y under kvm_amd.npt=0 or
 * kvm_intel.ept=0, where every VM runs on the shadow MMU.
 */
#include "tap.h"
#include "zapvm/kvm.h"

int main(void)
{
	ok(kvm__tdp_mmu_used(1, MMU_TDP_NPT) == 1, "tdp_mmu Y, NPT: TDP MMU");
	ok(kvm__tdp_mmu_used(1, MMU_TDP_EPT) == 1, "tdp_mmu Y, EPT: TDP MMU");
	ok(kvm__tdp_mmu_used(1, MMU_SHADOW) == 0,
	   "tdp_mmu Y, npt=0/ept=0: shadow MMU, not the TDP MMU");
	ok(kvm__tdp_mmu_used(1, MMU_PVM) == 0,
	   "tdp_mmu Y, PVM: not the TDP MMU");
	ok(kvm__tdp_mmu_used(1, MMU_UNKNOWN) == 0,
	   "tdp_mmu Y, no vendor module: not claimed");
	ok(kvm__tdp_mmu_used(0, MMU_TDP_NPT) == 0,
	   "tdp_mmu N, NPT: the shadow MMU's TDP code");
	ok(kvm__tdp_mmu_used(0, MMU_TDP_EPT) == 0, "tdp_mmu N, EPT");
	ok(kvm__tdp_mmu_used(0, MMU_SHADOW) == 0, "tdp_mmu N, shadow");
	ok(kvm__tdp_mmu_used(-1, MMU_TDP_NPT) == -1,
	   "no tdp_mmu parameter (32-bit, old kernel): absent");
	ok(kvm__tdp_mmu_used(-1, MMU_SHADOW) == -1,
	   "no parameter, shadow: absent");
	return tap_done();
}
