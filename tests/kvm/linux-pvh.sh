#!/bin/sh
# --boot pvh end to end with a stand-in vmlinux (linux-pvh-stub.S): the
# 32-bit entry state, hvm_start_info with its memory map, command line,
# initrd module and RSDP, then ACPI poweroff.
. "$(dirname "$0")/lib.sh"
require_kvm
if [ -z "${PVH_STUB:-}" ] || [ ! -f "$PVH_STUB" ]; then
	skip_all "PVH_STUB does not name the PVH stub ELF"
fi
exec </dev/null
stub=$PVH_STUB

printf 'zapvm-initrd-marker\n' >"$TMP/initrd"
t_run "a vmlinux boots through PVH by default: exit 0" 0 "" -- run \
	--kernel "$stub" --cmdline "console=ttyS0 stub=pvh" \
	--initrd "$TMP/initrd" --mem 64M --timeout 30
out_has "the PHYS32_ENTRY note's entry reached" \
	"zapvm-pvh-stub: 32-bit PVH entry reached"
out_has "flat 32-bit segments, paging off, PE on, interrupts off" \
	"cs=0x00000008 ds=0x00000010 ss=0x00000010 cr0.pg|pe=0x00000001 if=0x00000000"
out_has "%ebx is hvm_start_info version 1" \
	"magic=0x336ec578 version=0x00000001"
out_has "four memmap entries" "memmap entries=0x00000004"
out_has "low RAM below the EBDA" \
	"memmap addr=0x00000000 size=0x0009fc00 type=0x00000001"
out_has "RAM from 1 MiB to the end of --mem" \
	"memmap addr=0x00100000 size=0x03f00000 type=0x00000001"
out_has "rsdp_paddr is zapvm's RSDP" "rsdp=0x000e0000"
out_has "the command line" "cmdline=console=ttyS0 stub=pvh"
out_has "the initrd is module 0, page aligned at the top of RAM" \
	"modules=0x00000001 size=0x00000014 at=0x03fff000 first=zapvm-initrd-mar"
out_has "ACPI poweroff from rsdp_paddr" "zapvm-pvh-stub: powering off"
lines=$(wc -l <"$TMP/err")
[ "$lines" -eq 0 ] && pass "nothing on stderr" ||
	{ fail "$lines lines on stderr"; diag "$TMP/err"; }

t_run "--boot pvh, 4 GiB of RAM, 2 vCPUs: exit 0" 0 "" -- run \
	--kernel "$stub" --boot pvh --mem 4G --cpus 2 --json "$TMP/pvh.json" \
	--timeout 30
out_has "five memmap entries (RAM above 4 GiB)" "memmap entries=0x00000005"
out_has "the default command line" "cmdline=console=ttyS0"
if grep -q 'modules=' "$TMP/out"; then
	fail "a module without --initrd"
else
	pass "no module without --initrd"
fi
grep -q '"boot": "pvh"' "$TMP/pvh.json" && pass "the JSON names --boot pvh" ||
	fail "the JSON names --boot pvh"
finish
