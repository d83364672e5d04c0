// SPDX-License-Identifier: GPL-2.0-only
/* The boot FDT, read back with libfdt the way guests read it. */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "tap.h"
#include "zapvm/guest_abi.h"
#include "zapvm/loader.h"

static uint64_t reg_u64(const void *fdt, int node, int i)
{
	const fdt64_t *reg = fdt_getprop(fdt, node, "reg", NULL);

	return reg ? fdt64_ld(&reg[i]) : ~0ULL;
}

int main(void)
{
	static uint8_t buf[ZAPVM_BOOT_FDT_MAX];
	struct boot_rom roms[2] = {
		{ 0xfffc0000, 0x40000, 0, 1 },
		{ 0xfebc0000, 0x10000, 1, 1 },
	};
	struct boot_desc d = {
		.ram_size = 512ULL << 20,
		.ncpus = 3,
		.roms = roms,
		.nroms = 2,
		.args = "pages=100 toggles=4",
		.guest_base = 0x105000,
		.gpa_top = 4ULL << 30,
	};
	const fdt64_t *base;
	const fdt32_t *u;
	const char *s;
	int node, n = 0;
	char big[ZAPVM_BOOT_FDT_MAX];

	is_int(fdt__build(buf, sizeof(buf), &d), 0, "build");
	is_int(fdt_check_header(buf), 0, "valid header");
	s = fdt_getprop(buf, 0, "compatible", NULL);
	ok(s && !strcmp(s, ZAPVM_FDT_COMPATIBLE), "compatible");
	node = fdt_path_offset(buf, "/memory@0");
	ok(node >= 0 && reg_u64(buf, node, 1) == (512ULL << 20), "memory size");
	node = fdt_path_offset(buf, "/cpus");
	u = fdt_getprop(buf, node, "#cpus", NULL);
	ok(u && fdt32_to_cpu(*u) == 3, "#cpus");
	fdt_for_each_subnode(node, buf, 0)
	{
		const char *name = fdt_get_name(buf, node, NULL);

		if (strncmp(name, "rom@", 4))
			continue;
		u = fdt_getprop(buf, node, "zapvm,index", NULL);
		ok(u && reg_u64(buf, node, 0) == roms[fdt32_to_cpu(*u)].gpa &&
			   reg_u64(buf, node, 1) ==
				   roms[fdt32_to_cpu(*u)].size &&
			   fdt_getprop(buf, node, "read-only", NULL),
		   "ROM node %s", name);
		n++;
	}
	is_int(n, 2, "two ROM nodes");
	node = fdt_path_offset(buf, "/chosen");
	s = fdt_getprop(buf, node, "zapvm,args", NULL);
	ok(s && !strcmp(s, d.args), "args");
	base = fdt_getprop(buf, node, "zapvm,guest-base", NULL);
	ok(base && fdt64_ld(base) == 0x105000, "guest base");
	base = fdt_getprop(buf, node, "zapvm,gpa-top", NULL);
	ok(base && fdt64_ld(base) == (4ULL << 30), "gpa top");

	is_int(fdt__build(buf, 64, &d), -ENOSPC, "too small a buffer");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	d.args = big;
	is_int(fdt__build(buf, sizeof(buf), &d), -ENOSPC,
	       "args larger than the FDT area");
	return tap_done();
}
