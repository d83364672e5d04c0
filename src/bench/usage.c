// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's usage text: every scenario and option in one place, out of
 * main.c's option tables.
 */
#include <stdio.h>

#include "bench.h"

void bench__usage(FILE *f)
{
	char names[256];

	scenario__names(names, sizeof(names), " or ");
	fprintf(f,
		"usage: zapvm bench SCENARIO [OPTIONS]\n"
		"       zapvm bench exec [OPTIONS] -- VMM [ARGS...]\n"
		"  SCENARIO              %s\n",
		names);
	fputs("  --policy LIST         zap policies (default all,slot)\n"
	      "  --thp LIST            on, off, default (default off)\n"
	      "  --mem LIST            guest RAM sizes (default 512M)\n"
	      "  --cpus LIST           vCPU counts (default 1)\n"
	      "  --prefetch LIST       on, off (zapvm kernel series)\n"
	      "  --root-zap LIST       4k, 1g (zapvm kernel series)\n"
	      "  --dirty-log LIST      off, bitmap, manual[:init-set|:no-init-set],\n"
	      "                        ring[:N] (dirtylog, vcpustall, zaplat)\n"
	      "  --runs N              runs per cell (default 5)\n"
	      "  --jobs N              runs at once (default 1)\n"
	      "  --args 'K=V ...'      guest arguments instead of the "
	      "scenario's\n"
	      "  --timeout SECONDS     per run (default 600)\n"
	      "  --sample-us N         vcpustall: the VMM samples the guest's "
	      "counter\n"
	      "                        every N us (default 100); 0: only the "
	      "guest's\n"
	      "                        own timing, no VMM wake-ups during the "
	      "zap\n"
	      "  --trace[=LIST]        off, on, all, required: trace each "
	      "run's faults\n"
	      "                        (refaults, floor_gfns; all: exits by "
	      "reason too;\n"
	      "                        default off)\n"
	      "  --mem-backend LIST    anon, memfd, shm, hugetlb, file:PATH\n"
	      "  --hugepage-size 2M|1G, --prefault\n"
	      "  --ram-slots LIST      RAM in N equal memslots\n"
	      "  --csv FILE, --json FILE, --plot FILE.svg\n"
	      "  --timeline FILE.svg   faults per interval of each cell's run "
	      "1, a panel\n"
	      "                        per cell (boot, memslot, cow, exec)\n"
	      "  --sample-ms N         sample run 1 of each cell every N ms "
	      "(default 5\n"
	      "                        with --timeline) into --json\n"
	      "boot with a Linux kernel instead of bootsim:\n"
	      "  --kernel BZIMAGE      the kernel (a vmlinux with --boot pvh)\n"
	      "  --initrd FILE, --cmdline STR, --boot 64|pvh|real-mode\n"
	      "  --rom FILE            the option-ROM PCI device's ROM\n"
	      "  --until boot-done|poweroff\n"
	      "                        stop each run at the boot-done mark "
	      "(default)\n"
	      "                        or when the guest powers off\n"
	      "  --guest-log DIR       keep every run's console log there\n"
	      "  --firmware seabios|FILE  boot the kernel through firmware\n"
	      "  --slot-layout LIST    qemu, split (--firmware)\n"
	      "  --vga std|none, --shm SIZE  (--firmware)\n"
	      "exec: another VMM as the guest, each run under zapvm exec:\n"
	      "  {mem} {mem_mib}       in its ARGS: the cell's --mem in MiB\n"
	      "  {mem_bytes} {cpus}    in bytes; the cell's --cpus\n"
	      "  --boot-done REGEX     its console line that marks boot-done\n"
	      "  --until boot-done|exit\n"
	      "                        stop it there, or let it exit "
	      "(default)\n"
	      "  -v, -q                more (per-metric detail, overhead) / "
	      "less output\n",
	      f);
}
