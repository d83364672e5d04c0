#!/bin/sh
# --boot real-mode end to end with a stand-in bzImage (linux-real-stub.S)
# whose setup code checks the real-mode entry state and the header fields
# the loader fills, and asks zapvm's BIOS for the e820 map (int 0x15),
# memory size, EDD (int 0x13) and teletype output (int 0x10), then (stub=pm)
# enters the protected-mode kernel at code32_start as Linux's setup does.
. "$(dirname "$0")/lib.sh"
require_kvm
if [ -z "${REAL_STUB:-}" ] || [ ! -f "$REAL_STUB" ]; then
	skip_all "REAL_STUB does not name the real-mode stub bzImage"
fi
exec </dev/null
stub=$REAL_STUB

printf 'zapvm-initrd-marker\n' >"$TMP/initrd"
t_run "--boot real-mode: exit 0" 0 "" -- run --kernel "$stub" \
	--boot real-mode --cmdline "console=ttyS0 stub=real" \
	--initrd "$TMP/initrd" --mem 64M --timeout 60
out_has "the setup code runs, int 0x10 teletype reaches COM1" \
	"zapvm-real-stub: real-mode setup entry reached"
out_has "cs = ds + 0x20, ds=es=fs=gs=ss, sp at the heap end, IF clear" \
	"cs=0x1020 ds=0x1000 es=0x1000 fs=0x1000 gs=0x1000 ss=0x1000 sp=0xe000 if=0x0000"
out_has "type_of_loader, CAN_USE_HEAP, heap_end_ptr, vid_mode" \
	"type_of_loader=0x000000ff loadflags=0x00000081 heap_end_ptr=0x0000de00 vid_mode=0x00000f04"
out_has "cmd_line_ptr, code32_start (pref_address), the initrd" \
	"cmd_line_ptr=0x00020000 code32_start=0x01000000 ramdisk_image=0x03fff000 ramdisk_size=0x00000014"
out_has "e820: RAM below the EBDA" \
	"e820 addr=0x00000000 size=0x0009fc00 type=0x00000001"
out_has "e820: the EBDA reserved" \
	"e820 addr=0x0009fc00 size=0x00000400 type=0x00000002"
out_has "e820: the BIOS area reserved" \
	"e820 addr=0x000e0000 size=0x00020000 type=0x00000002"
out_has "e820: RAM from 1 MiB" \
	"e820 addr=0x00100000 size=0x03f00000 type=0x00000001"
out_has "four e820 entries, AH=0x88 capped, no EDD" \
	"e820 entries=0x00000004 ext_mem_k=0x0000fc00 edd_cf=0x00000001"
out_has "the command line at cmd_line_ptr" "cmdline=console=ttyS0 stub=real"
out_has "the RSDP found by scanning" "rsdp=0x000e0000"
lines=$(wc -l <"$TMP/err")
[ "$lines" -eq 0 ] && pass "nothing on stderr" ||
	{ fail "$lines lines on stderr"; diag "$TMP/err"; }

t_run "stub=pm: protected mode, then code32_start: exit 0" 0 "" -- run \
	--kernel "$stub" --boot real-mode --cmdline "stub=pm" --timeout 60
out_has "the protected-mode kernel runs where code32_start says" \
	"zapvm-real-stub: protected-mode kernel reached, at code32_start"

t_run "--boot real-mode, 20 MiB: exit 0" 0 "" -- run --kernel "$stub" \
	--boot real-mode --mem 20M --timeout 60
out_has "AH=0x88: 19 MiB above 1 MiB" "ext_mem_k=0x00004c00"
out_has "the default command line" "cmdline=console=ttyS0"
out_has "no initrd" "ramdisk_image=0x00000000 ramdisk_size=0x00000000"

t_run "--boot real-mode, 4 GiB, 2 vCPUs: exit 0" 0 "" -- run \
	--kernel "$stub" --boot real-mode --mem 4G --cpus 2 --timeout 60
out_has "five e820 entries" "e820 entries=0x00000005"
out_has "RAM above 4 GiB in the e820 map (low dword)" \
	"e820 addr=0x00000000 size=0x40000000 type=0x00000001"
finish
