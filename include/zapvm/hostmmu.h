/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host settings that change KVM's fault counts (TDP MMU, EPT/NPT and
 * their features, NX huge pages, eager splitting, MMIO caching, THP,
 * hugetlb pools, KSM, NUMA balancing), read from sysfs and procfs.
 */
#ifndef ZAPVM_HOSTMMU_H
#define ZAPVM_HOSTMMU_H

#include <stdio.h>

struct json_object;

/*
 * hostmmu__read - the host MMU settings under @root ("/" for this host, a
 * temporary tree in the unit test) as a JSON object with every key always
 * present: JSON null where the host has no such parameter (kvm_amd.npt on
 * Intel, a kernel without kvm.tdp_mmu), never left out. A Y/N module
 * parameter is true/false (another word, such as nx_huge_pages' "never", is
 * kept as the kernel prints it), a count is a number, THP's enabled and
 * defrag are the selected [word], "hugepages" maps each pool size ("2048kB")
 * to {"nr", "free"}. Returns NULL only when memory runs out.
 */
struct json_object *hostmmu__read(const char *root);

/*
 * hostmmu__print - @o from hostmmu__read() as the "host MMU settings" block
 * of `zapvm caps` on @f: one line per setting, "n/a" for a null.
 */
void hostmmu__print(FILE *f, struct json_object *o);

#endif
