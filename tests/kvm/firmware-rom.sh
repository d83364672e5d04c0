#!/bin/sh
# --firmware with PCI devices whose BARs make memslot churn: SeaBIOS runs
# the option ROM of --rom after copying it through its ROM BAR (mapped,
# copied, unmapped: two memslot changes), maps the RAM BARs of --vga std
# and --shm; the VGA's legacy window follows chain-4 as QEMU's; --json and
# --stats label each change's cause and split POST from the kernel at
# "kernel-entry". Both slot layouts. OPTROM_TEST is optrom-test.S built.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
SEABIOS=/usr/share/seabios/bios-256k.bin
LINUXBOOT=/usr/share/qemu/linuxboot_dma.bin
[ -f "$SEABIOS" ] || skip_all "$SEABIOS missing (Debian package seabios)"
[ -f "$LINUXBOOT" ] || skip_all "$LINUXBOOT missing (qemu-system-data)"
[ -f "${OPTROM_TEST:-}" ] || skip_all "OPTROM_TEST (optrom-test.rom) missing"

OUT402="ba 02 04 ee"            # mov dx,0x402; out dx,al
RESET_CF9="b0 06 ba f9 0c ee"   # mov al,6; mov dx,0xcf9; out dx,al
HALT="f4 eb fd"                 # hlt; jmp hlt

# by_cause FILE: "CAUSE changes N" / "CAUSE ioctls N" from --json.
by_cause() {
	awk '/"memslot_changes_by_cause"/ { on = 1 }
	on && /"(pam|rom-bar|ram-bar|legacy-window)": / {
		k = $1; gsub(/[":]/, "", k) }
	on && /"changes": / { v = $2; gsub(/,/, "", v); print k, "changes", v }
	on && /"ioctls": / { v = $2; gsub(/,/, "", v); print k, "ioctls", v }
	/"kernel_entry_phase"/ { on = 0 }' "$1"
}
# causes FILE: "PHASE-NAME CAUSE" for each phase of --json with a cause.
causes() {
	awk '/"name": / { nm = $0; gsub(/.*"name": "|",?$/, "", nm) }
	/"cause": "/ { c = $0; gsub(/.*"cause": "|",?$/, "", c); print nm, c }' "$1"
}
# count FILE CAUSE changes|ioctls
count() { by_cause "$1" | awk -v c="$2" -v w="$3" '$1 == c && $2 == w { print $3 }'; }

# The ROM with its checksum byte set (the sum of all 2048 bytes is 0).
rom=$TMP/ok.rom
cp "$OPTROM_TEST" "$rom"
sum=$(od -An -v -tu1 "$rom" | awk '{ for (i = 1; i <= NF; i++) s += $i }
	END { print s % 256 }')
put "$rom" 2047 "$(printf '%02x' $(((256 - sum) % 256)))"

# A stand-in bzImage (as firmware.sh's): setup prints 'S', resets.
k=$TMP/stub.bzImage
setup_stub "$k"
# shellcheck disable=SC2086
put "$k" $((0x280)) b0 53 $OUT402 b0 0a ee $RESET_CF9 $HALT

# --- SeaBIOS with --rom, --vga std and --shm, each layout ---
for layout in qemu split; do
	j=$TMP/$layout.json
	t_run "SeaBIOS, --rom --vga std --shm 1M --slot-layout $layout:" \
		102 "port 0xcf9" -- run --firmware seabios --rom "$rom" \
		--vga std --shm 1M --kernel "$k" --slot-layout "$layout" \
		--firmware-log "$TMP/$layout.log" --stats --json "$j" \
		--timeout 120
	for s in "id=1b36:5a50" "id=1234:1111" "id=1af4:1110" \
		"bar 0, addr fd000000, size 01000000 [prefmem]" \
		"size 00100000 [prefmem]" "zapvm-optrom: ran"; do
		if grep -qF "$s" "$TMP/$layout.log"; then
			pass "$layout: SeaBIOS log has '$s'"
		else
			fail "$layout: SeaBIOS log has '$s'"
			tail -n 5 "$TMP/$layout.log" | diag
		fi
	done
	if grep -q '^S$' "$TMP/$layout.log"; then
		pass "$layout: the stand-in kernel ran after POST"
	else
		fail "$layout: the stand-in kernel ran after POST"
	fi
	causes "$j" >"$TMP/causes"
	for p in "optrom-map rom-bar" "optrom-unmap rom-bar" \
		"ram-bar-vga.vram-map ram-bar" \
		"ram-bar-ivshmem-map ram-bar" "pam-0x59 pam" "pam-0x5c pam"; do
		if grep -qx "$p" "$TMP/causes"; then
			pass "$layout: phase and cause '$p' in --json"
		else
			fail "$layout: phase and cause '$p' in --json"
			diag "$TMP/causes"
		fi
	done
	t_cmp "$layout: ROM BAR changes" "$(count "$j" rom-bar changes)" -eq 2
	t_cmp "$layout: ROM BAR ioctls" "$(count "$j" rom-bar ioctls)" -eq 2
	t_cmp "$layout: RAM BAR changes" "$(count "$j" ram-bar changes)" -eq 2
	t_cmp "$layout: RAM BAR ioctls" "$(count "$j" ram-bar ioctls)" -eq 2
	t_cmp "$layout: PAM changes" "$(count "$j" pam changes)" -eq 4
	t_cmp "$layout: no legacy-window change" \
		"$(count "$j" legacy-window changes)" -eq 0
	pam=$(count "$j" pam ioctls)
	eval "pam_$layout=\$pam"
	total=$(json_num "$j" memslot_changes)
	t_cmp "$layout: the causes account for every memslot ioctl" \
		"$((pam + 4))" -eq "${total:-0}"
	ke=$(json_num "$j" kernel_entry_phase)
	last=$(grep -n '^phase [0-9]*: ' "$TMP/out" | tail -n 1 |
		sed 's/.*phase \([0-9]*\):.*/\1/')
	t_cmp "$layout: kernel-entry is a late phase" "${ke:-0}" -ge 8
	out_has "$layout: --stats labels the causes" \
		"zapvm: firmware: memslot changes by cause: pam 4 ($pam ioctls), rom-bar 2 (2 ioctls), ram-bar 2 (2 ioctls), legacy-window 0 (0 ioctls)"
	out_has "$layout: --stats shows POST apart" "zapvm: firmware: POST: phases 0-$((ke - 1)),"
	out_has "$layout: --stats shows the kernel apart" "zapvm: firmware: kernel: phases $ke-$last,"
done
# qemu: the big RAM slot goes and comes back with each PAM write.
t_cmp "PAM: qemu layout makes more ioctls than split" "$pam_qemu" -gt "$pam_split"

# --- a --rom file that is not an option ROM: SeaBIOS skips it ---
head -c 4096 /dev/zero >"$TMP/zero.rom"
t_run "SeaBIOS with a ROM of zeros: exit 102, one warning" 102 \
	"no 0x55 0xAA signature" -- run --firmware seabios \
	--rom "$TMP/zero.rom" --kernel "$k" --firmware-log "$TMP/z.log" \
	--json "$TMP/z.json" --timeout 120
if grep -q "zapvm-optrom" "$TMP/z.log"; then fail "no ROM ran"
else pass "no ROM ran"; fi
# SeaBIOS enables the BAR, finds no signature and disables it again.
t_cmp "the ROM BAR was still mapped and unmapped" \
	"$(count "$TMP/z.json" rom-bar changes)" -eq 2

# --- the legacy window: chain-4 maps VRAM at 0xa0000 as QEMU does ---
img=$TMP/vga.bin
dd if=/dev/zero of="$img" bs=1024 count=64 2>/dev/null
# SR02=0x0f (no chain-4 yet), SR04=0x08 (map 128 KiB at 0xa0000),
# GR06=0x05 (remap: 64 KiB), SR02=0x0f (remap), SR04=0 (unmap): 6 changes.
# shellcheck disable=SC2086
put "$img" 0 ba c4 03 b8 02 0f ef b8 04 08 ef ba ce 03 b8 06 05 ef \
	ba c4 03 b8 02 0f ef b8 04 00 ef $RESET_CF9 $HALT
put "$img" $((0xfff0)) e9 0d 00
for layout in qemu split; do
	t_run "chain-4 writes, --slot-layout $layout: exit 102" 102 "" -- \
		run --firmware "$img" --vga std --slot-layout "$layout" \
		--stats --json "$TMP/v.json" --timeout 20
	t_cmp "$layout: legacy-window changes" \
		"$(count "$TMP/v.json" legacy-window changes)" -eq 6
	t_cmp "$layout: legacy-window ioctls" \
		"$(count "$TMP/v.json" legacy-window ioctls)" -eq 6
	t_cmp "$layout: no RAM BAR change (nothing enabled decoding)" \
		"$(count "$TMP/v.json" ram-bar changes)" -eq 0
done

# --- the VRAM BAR through decoding and sizing, as Linux's pci_read_bases ---
cfg1() { # cfg1 REG VALUE32 (hex): a dword config write to 00:01.0
	echo "66 b8 $1 08 00 80 ba f8 0c 66 ef" \
		"66 b8 $(echo "$2" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4 \3 \2 \1/')" \
		"ba fc 0c 66 ef"
}
# Decoding on (map), off (unmap), sizing with decoding off (nothing),
# on again (map), sizing with decoding on (the size mask lies outside the
# window: unmap), a new base (map): 5 changes.
dd if=/dev/zero of="$TMP/bar.bin" bs=1024 count=64 2>/dev/null
# shellcheck disable=SC2046
put "$TMP/bar.bin" 0 $(cfg1 04 00000002) $(cfg1 04 00000000) \
	$(cfg1 10 ffffffff) $(cfg1 10 80000000) $(cfg1 04 00000002) \
	$(cfg1 10 ffffffff) $(cfg1 10 90000000) $RESET_CF9 $HALT
put "$TMP/bar.bin" $((0xfff0)) e9 0d 00
for layout in qemu split; do
	t_run "VRAM BAR toggles, --slot-layout $layout: exit 102" 102 "" -- \
		run --firmware "$TMP/bar.bin" --vga std --slot-layout "$layout" \
		--stats --json "$TMP/b.json" --timeout 20
	t_cmp "$layout: RAM BAR changes" \
		"$(count "$TMP/b.json" ram-bar changes)" -eq 5
	t_cmp "$layout: RAM BAR ioctls" \
		"$(count "$TMP/b.json" ram-bar ioctls)" -eq 5
	maps=$(causes "$TMP/b.json" | grep -c '^ram-bar-vga.vram-map ram-bar$')
	t_cmp "$layout: three of them maps" "$maps" -eq 3
done

# --- bad input: one line, exit 64 ---
for s in 3M 0 512M 1G junk 4095; do
	t_run "--shm $s: exit 64" 64 "--shm" -- run --firmware "$img" --shm "$s"
	one_line "--shm $s"
done
t_run "--vga junk: exit 64" 64 "expected std or none" -- \
	run --firmware "$img" --vga cirrus
one_line "--vga junk"
t_run "--vga std without --firmware: exit 64" 64 "go with --firmware" -- \
	run --vga std builtin:hello
t_run "--shm without --firmware: exit 64" 64 "go with --firmware" -- \
	run --shm 1M builtin:hello
t_run "two --rom with --firmware: exit 64" 64 "one option ROM" -- \
	run --firmware "$img" --rom "$rom" --rom "$rom"
finish
