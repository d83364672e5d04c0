#!/bin/sh
# --firmware: SeaBIOS POSTs under zapvm (its log through --firmware-log),
# PAM writes become the expected memslot changes in both slot layouts, a
# stand-in kernel is loaded through fw_cfg by linuxboot_dma.bin and
# reaches its entry, the reset ports end the VM as a reboot, and every bad
# input is refused with one line and a documented status. The small
# firmware images are made here: 64 KiB whose reset vector jumps to code
# at the image's start (f000:0000 is 0xffff0000 at reset).
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
SEABIOS=/usr/share/seabios/bios-256k.bin
LINUXBOOT=/usr/share/qemu/linuxboot_dma.bin

# image FILE HEX...: a 64 KiB BIOS running HEX... from its reset vector.
image() {
	_img=$1
	shift
	dd if=/dev/zero of="$_img" bs=1024 count=64 2>/dev/null
	put "$_img" 0 "$@"
	put "$_img" $((0xfff0)) e9 0d 00 # jmp near 0x0000
}

# Real-mode pieces.
OUT402="ba 02 04 ee"            # mov dx,0x402; out dx,al
RESET_CF9="b0 06 ba f9 0c ee"   # mov al,6; mov dx,0xcf9; out dx,al
HALT="f4 eb fd"                 # hlt; jmp hlt
cfg() { # cfg REG VALUE32 (hex): a dword config write to 00:00.0
	_r=$1 _v=$2
	echo "66 b8 $_r 00 00 80 ba f8 0c 66 ef" \
		"66 b8 $(echo "$_v" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4 \3 \2 \1/')" \
		"ba fc 0c 66 ef"
}

# --- reset ports and the debug port, on tiny images ---
# shellcheck disable=SC2046
image "$TMP/cf9.bin" b0 4f $OUT402 b0 4b ee $RESET_CF9 $HALT
t_run "0xcf9 reset ends the VM as a reboot: exit 102" 102 "port 0xcf9" -- \
	run --firmware "$TMP/cf9.bin" --firmware-log "$TMP/cf9.log" --timeout 20
if [ "$(cat "$TMP/cf9.log" 2>/dev/null)" = "OK" ]; then
	pass "port 0x402 bytes reach --firmware-log"
else
	fail "port 0x402 bytes reach --firmware-log"
fi
image "$TMP/p92.bin" b0 01 e6 92 $HALT
t_run "port 0x92 bit 0 resets: exit 102" 102 "port 0x92" -- \
	run --firmware "$TMP/p92.bin" --timeout 20
ln -s "$TMP/victim" "$TMP/link"
echo keep >"$TMP/victim"
t_run "--firmware-log through a symlink replaces the link's target" 102 "" \
	-- run --firmware "$TMP/cf9.bin" --firmware-log "$TMP/link" \
	--timeout 20
if [ -L "$TMP/link" ] && [ "$(cat "$TMP/victim")" = "OK" ]; then
	pass "the symlink stays a symlink, written by rename"
else
	fail "the symlink stays a symlink, written by rename"
fi

# --- PAM: unlock (0x30/0x33) in two dword writes, lock (0x10/0x11) ---
# shellcheck disable=SC2046
image "$TMP/pam.bin" $(cfg 58 33333000) $(cfg 5c 33333333) \
	$(cfg 58 11111000) $(cfg 5c 11111111) $RESET_CF9 $HALT
pam() { # LAYOUT WANT-CHANGES
	t_run "PAM writes, --slot-layout $1: exit 102" 102 "" -- \
		run --firmware "$TMP/pam.bin" --slot-layout "$1" --stats \
		--json "$TMP/pam-$1.json" --timeout 20
	got=$(sed -n 's/.* \([0-9]*\) run-time memslot changes.*/\1/p' \
		"$TMP/out")
	t_cmp "--slot-layout $1: run-time memslot changes" "${got:-0}" -eq "$2"
	phases=$(grep -c '^phase [0-9]*: pam-0x5' "$TMP/out")
	t_cmp "--slot-layout $1: one phase per PAM write" "$phases" -eq 4
}
# qemu: the big RAM slot goes and comes back: 3+4, 4+1, 1+4, 3+1.
pam qemu 21
# split: only 0xc0000-0xfffff changes: 2+4, 4+1, 1+3, 3+1.
pam split 19

# --- a stand-in kernel through fw_cfg and linuxboot_dma.bin ---
if [ -f "$SEABIOS" ] && [ -f "$LINUXBOOT" ]; then
	k=$TMP/stub.bzImage
	setup_stub "$k"
	# 0x280: 'L'; the byte at 1 MiB (ffff:0010); the command line's
	# first byte (2000:0000); a newline; boot done; reset.
	put "$k" $((0x280)) b0 4c $OUT402 b8 ff ff 8e d8 a0 10 00 ee \
		b8 00 20 8e d8 a0 00 00 ee b0 0a ee \
		ba 08 5a ee $RESET_CF9 $HALT
	put "$k" 1024 4b                      # the "kernel": 'K'
	t_run "SeaBIOS + linuxboot_dma.bin enter the stand-in: exit 102" \
		102 "port 0xcf9" -- run --firmware seabios --kernel "$k" \
		--cmdline "C=1" --firmware-log "$TMP/k.log" --stats \
		--timeout 120
	if grep -q '^LKC$' "$TMP/k.log"; then
		pass "setup ran at 1020:0000, kernel at 1 MiB, cmdline at 0x20000"
	else
		fail "setup ran at 1020:0000, kernel at 1 MiB, cmdline at 0x20000"
		tail -n 5 "$TMP/k.log" | diag
	fi
	out_has "boot-done was marked" "boot done after"
else
	pass "# SKIP SeaBIOS or linuxboot_dma.bin not installed"
fi

# --- SeaBIOS POST (slow here: ring-0 code is emulated) ---
if [ -f "$SEABIOS" ]; then
	t_run "SeaBIOS runs until --timeout: exit 124" 124 "timeout" -- \
		run --firmware seabios --firmware-log "$TMP/sb.log" --stats \
		--timeout 15
	for s in "SeaBIOS (version" "Found QEMU fw_cfg" \
		"QEMU fw_cfg DMA interface supported" \
		"qemu/e820: addr 0x0000000000000000 len 0x0000000010000000" \
		"init bdf=00:00.0 id=8086:1237"; do
		if grep -qF "$s" "$TMP/sb.log"; then pass "SeaBIOS log: $s"
		else fail "SeaBIOS log: $s"; tail -n 5 "$TMP/sb.log" | diag; fi
	done
	got=$(sed -n 's/.* \([0-9]*\) run-time memslot changes.*/\1/p' \
		"$TMP/out")
	t_cmp "SeaBIOS's PAM unlock: at least 12 memslot changes" \
		"${got:-0}" -ge 12
else
	pass "# SKIP $SEABIOS missing (Debian package seabios)"
fi

# --- bad input: one line, documented status ---
t_run "--firmware missing file: exit 66" 66 "No such file" -- \
	run --firmware "$TMP/nope.bin"
one_line "--firmware missing file"
: >"$TMP/empty.bin"
t_run "--firmware empty: exit 65" 65 "empty" -- run --firmware "$TMP/empty.bin"
one_line "--firmware empty"
head -c 70000 /dev/zero >"$TMP/odd.bin"
t_run "--firmware not a multiple of 64 KiB: exit 65" 65 "64 KiB" -- \
	run --firmware "$TMP/odd.bin"
one_line "--firmware not a multiple of 64 KiB"
dd if=/dev/zero of="$TMP/big.bin" bs=1024 count=16448 2>/dev/null
t_run "--firmware over 16 MiB: exit 65" 65 "" -- run --firmware "$TMP/big.bin"
one_line "--firmware over 16 MiB"
for b in pvh real-mode 64; do
	t_run "--firmware with --boot $b: exit 64" 64 "--boot $b" -- \
		run --firmware "$TMP/cf9.bin" --kernel "$TMP/cf9.bin" --boot "$b"
	one_line "--firmware with --boot $b"
done
t_run "--firmware with a GUEST: exit 64" 64 "no GUEST" -- \
	run --firmware "$TMP/cf9.bin" builtin:hello
t_run "--slot-layout without --firmware: exit 64" 64 "go with --firmware" \
	-- run --slot-layout split builtin:hello
t_run "--slot-layout bad: exit 64" 64 "expected qemu or split" -- \
	run --firmware "$TMP/cf9.bin" --slot-layout merged
t_run "--firmware with --pci off: exit 64" 64 "--pci off" -- \
	run --firmware "$TMP/cf9.bin" --pci off
t_run "--firmware-log into a directory: exit 74" 74 "" -- \
	run --firmware "$TMP/cf9.bin" --firmware-log "$TMP"
finish
