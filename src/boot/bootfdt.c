// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/guest_abi.h"
#include "zapvm/loader.h"

/* Map libfdt's error codes onto the two errors callers distinguish. */
static int fdt_err(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

#define TRY(x)                               \
	do {                                 \
		int __r = (x);               \
		if (__r < 0)                 \
			return fdt_err(__r); \
	} while (0)

static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

int fdt__build(void *fdt, size_t size, const struct boot_desc *d)
{
	char node[32];

	if (size > INT32_MAX)
		return -EINVAL;
	TRY(fdt_create(fdt, (int)size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", ZAPVM_FDT_COMPATIBLE));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));

	TRY(fdt_begin_node(fdt, "memory@0"));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_reg(fdt, 0, d->ram_size));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#cpus", d->ncpus));
	TRY(fdt_end_node(fdt));

	for (unsigned int i = 0; i < d->nroms; i++) {
		const struct boot_rom *r = &d->roms[i];

		snprintf(node, sizeof(node), "rom@%llx",
			 (unsigned long long)r->gpa);
		TRY(fdt_begin_node(fdt, node));
		TRY(prop_reg(fdt, r->gpa, r->size));
		TRY(fdt_property_u32(fdt, "zapvm,index", r->index));
		TRY(fdt_property_u32(fdt, "zapvm,mapped", !!r->mapped));
		TRY(fdt_property(fdt, "read-only", NULL, 0));
		TRY(fdt_end_node(fdt));
	}

	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "zapvm,args", d->args ? d->args : ""));
	TRY(fdt_property_u64(fdt, "zapvm,guest-base", d->guest_base));
	TRY(fdt_property_u64(fdt, "zapvm,gpa-top", d->gpa_top));
	if (d->pci_size) {
		fdt64_t win[2] = { cpu_to_fdt64(d->pci_base),
				   cpu_to_fdt64(d->pci_size) };

		TRY(fdt_property(fdt, "zapvm,pci-window", win, sizeof(win)));
	}
	TRY(fdt_end_node(fdt));

	TRY(fdt_end_node(fdt));
	TRY(fdt_finish(fdt));
	return 0;
}
