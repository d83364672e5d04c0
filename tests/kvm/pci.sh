#!/bin/sh
# PCI and the option-ROM device: builtin:pcirom walks the ROM BAR (enable,
# check, disable, move, hostile BARs and config writes); each BAR change
# must be a counted run-time memslot change. Bad --pci-rom / --rom inputs
# get one line and a documented status; a Linux guest (the stub) takes one
# --rom. --pci: without a PCI device (or with --pci off) there is no bus, so
# a test guest's conf1 access is an unclaimed port (a crash); --pci on adds
# the bus back; --pci off with a PCI device is a usage error.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null

out_has() { # DESC FIXED-STRING
	if grep -qF -- "$2" "$TMP/out"; then pass "$1"
	else fail "$1 (no '$2' on stdout)"; diag "$TMP/out"; fi
}

# pattern_file FILE LEN: LEN bytes of ZAPVM_ROM_PATTERN (period 256).
pattern_file() {
	i=0 s=""
	while [ $i -lt 256 ]; do
		s="$s$(printf '\\%03o' $(((i * 31 + 7) & 255)))"
		i=$((i + 1))
	done
	printf "$s" >"$TMP/period"
	: >"$1.tmp"
	i=0
	while [ $i -lt $((($2 + 255) / 256)) ]; do
		cat "$TMP/period" >>"$1.tmp"
		i=$((i + 1))
	done
	head -c "$2" "$1.tmp" >"$1"
	rm -f "$1.tmp"
}

# The whole walk, with the memslot changes it must cause: 15 (see
# guests/pcirom/pcirom.c: enable 1, disable 3, move 2, hostile 8 with
# ROM 0's two moves, done 1).
t_run "pcirom with a 64 KiB pattern ROM" 0 "" -- run --pci-rom pattern:64K \
	--json "$TMP/run.json" builtin:pcirom
out_has "the option ROM is 00:01.0" "option ROM at 00:01.0"
out_has "a 64 KiB ROM BAR" "pcirom: 65536-byte ROM BAR"
guest=$(sed -n 's/^pcirom: \([0-9]*\) memslot changes$/\1/p' "$TMP/out")
got=$(json_num "$TMP/run.json" memslot_changes)
t_cmp "the guest counted 15 memslot changes" "${guest:-0}" -eq 15
t_cmp "zapvm counted the guest's memslot changes" "${got:-0}" -eq "${guest:-0}"
got=$(json_num "$TMP/run.json" pattern_len)
t_cmp "the JSON config names the option ROM" "${got:-0}" -eq 65536
got=$(json_num "$TMP/run.json" rom_writes_dropped)
t_cmp "the guest's write to the ROM was dropped" "${got:-0}" -eq 1

t_run "pcirom --stats" 0 "" -- run --pci-rom pattern:64K --stats \
	builtin:pcirom
for p in optrom-map optrom-unmap optrom-move rom0-move; do
	if grep -q "$p" "$TMP/out"; then pass "--stats shows $p phases"
	else fail "--stats shows no $p phase"; diag "$TMP/out"; fi
done
maps=$(grep -c "optrom-map" "$TMP/out")
t_cmp "six optrom-map phases" "$maps" -eq 6

t_run "a 40 KiB pattern in a 64 KiB BAR, zeros after" 0 "" -- run \
	--pci-rom pattern:40K --args len=40K builtin:pcirom
out_has "the BAR is the next power of two" "65536-byte ROM BAR"
t_run "a 1-byte pattern: a 4 KiB BAR" 0 "" -- run --pci-rom pattern:1 \
	--args len=1 builtin:pcirom
out_has "4 KiB is the smallest ROM" "4096-byte ROM BAR"
t_run "a wrong len= is caught by the guest: exit 100" 100 "pcirom.c" -- \
	run --pci-rom pattern:40K --args len=41K builtin:pcirom
pattern_file "$TMP/rom.bin" 5000
t_run "a 5000-byte file: an 8 KiB BAR, no signature warned about" 0 \
	"no 0x55 0xAA signature" -- run --pci-rom "$TMP/rom.bin" \
	--args len=5000 builtin:pcirom
out_has "8 KiB BAR" "8192-byte ROM BAR"
t_run "pcirom on 2 vCPUs" 0 "" -- run --cpus 2 --pci-rom pattern:64K \
	builtin:pcirom
t_run "pcirom: ROM 0 at 16 MiB, an 8 KiB option ROM" 0 "" -- run \
	--mem 8M --rom pattern:4K@0x1000000 \
	--pci-rom pattern:8K builtin:pcirom
t_run "pcirom without --pci-rom, --pci on: the guest asserts, exit 100" \
	100 "pci_find|b >= 0" -- run --pci on builtin:pcirom
t_run "pcirom without any PCI device: no conf1 port, exit 101" 101 \
	"unhandled 4-byte write of I/O port 0xcf8" -- run builtin:pcirom
one_line "pcirom without any PCI device"
t_run "pcirom with --pci on and --pci-rom" 0 "" -- run --pci on \
	--pci-rom pattern:4K builtin:pcirom
out_has "... the same bus: the option ROM at 00:01.0" "option ROM at 00:01.0"

# --pci off with a PCI device, and values that are not modes.
t_run "--pci off --pci-rom: exit 64" 64 \
	"^zapvm: error: --pci off: --pci-rom adds a PCI device" -- run \
	--pci off --pci-rom pattern:4K builtin:pcirom
one_line "--pci off --pci-rom"
head -c 4096 /dev/zero >"$TMP/disk.img"
t_run "--pci off --disk: exit 64" 64 "--pci off: --disk adds a PCI device" \
	-- run --pci off --disk "$TMP/disk.img" builtin:virtio
one_line "--pci off --disk"
t_run "--pci off --console virtio: exit 64" 64 \
	"--pci off: --console virtio adds a PCI device" -- run --pci off \
	--console virtio builtin:virtio
one_line "--pci off --console virtio"
t_run "--pci bogus: exit 64" 64 "--pci 'bogus': expected auto, on or off" \
	-- run --pci bogus builtin:exit
one_line "--pci bogus"
t_run "--pci off without a PCI device runs" 0 "" -- run --pci off \
	--json "$TMP/off.json" builtin:exit
if grep -q '"pci": false' "$TMP/off.json"; then
	pass "--pci off: \"pci\": false in the JSON config"
else fail "--pci off: \"pci\": false in the JSON config"; fi
t_run "--pci on without a PCI device runs" 0 "" -- run --pci on \
	--json "$TMP/on.json" builtin:exit
if grep -q '"pci": true' "$TMP/on.json"; then
	pass "--pci on: \"pci\": true in the JSON config"
else fail "--pci on: \"pci\": true in the JSON config"; fi
t_run "romtoggle is unaffected by the PCI bus" 0 "" -- run builtin:romtoggle
t_run "a ucall cannot reach the option ROM's slot" 0 "" -- run \
	--pci-rom pattern:4K builtin:hostile

# Bad --pci-rom input.
t_run "--pci-rom missing file: exit 66" 66 "No such file" -- run \
	--pci-rom "$TMP/none.bin" builtin:pcirom
one_line "--pci-rom missing file"
: >"$TMP/empty"
t_run "--pci-rom empty file: exit 65" 65 "empty file" -- run \
	--pci-rom "$TMP/empty" builtin:pcirom
one_line "--pci-rom empty file"
dd if=/dev/zero of="$TMP/big" bs=1 count=1 seek=16777216 2>/dev/null
t_run "--pci-rom larger than 16 MiB: exit 65" 65 "more than the 16777216" \
	-- run --pci-rom "$TMP/big" builtin:pcirom
one_line "--pci-rom too large"
t_run "--pci-rom pattern:17M: exit 65" 65 "larger than 16777216" -- run \
	--pci-rom pattern:17M builtin:pcirom
one_line "--pci-rom pattern too large"
t_run "--pci-rom twice: exit 64" 64 "one option ROM" -- run \
	--pci-rom pattern:4K --pci-rom pattern:4K builtin:pcirom
one_line "--pci-rom twice"
t_run "--pci-rom with @GPA: exit 64" 64 "no @GPA" -- run \
	--pci-rom pattern:4K@0x10000000 builtin:pcirom
t_run "--pci-rom with size=: exit 64" 64 "no @GPA or size=" -- run \
	--pci-rom pattern:4K,size=8K builtin:pcirom
t_run "--pci-rom with no room below 4 GiB: exit 65" 65 "no room" -- run \
	--mem 4000M --pci-rom pattern:4K builtin:exit
one_line "--pci-rom without a window"
t_run "no room is fine without --pci-rom" 0 "" -- run --mem 4000M \
	builtin:exit

# Linux: one --rom, the option ROM (the stub powers off at once).
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	stub=$LINUX_STUB
	printf '\125\252\004' >"$TMP/sig.rom"
	head -c 3000 /dev/zero >>"$TMP/sig.rom"
	t_run "Linux with --rom FILE" 0 "optrom: 00:01.0, 4096-byte ROM BAR" \
		-- run -v --kernel "$stub" --rom "$TMP/sig.rom" --timeout 30
	if grep -q "signature" "$TMP/err"; then
		fail "a 55 AA ROM is not warned about"; diag "$TMP/err"
	else pass "a 55 AA ROM is not warned about"; fi
	out_has "Linux --rom: the host bridge answers conf1" \
		"cf8=0x0000000080000000 id00=0x0000000012378086"
	t_run "Linux --pci off --rom: exit 64" 64 \
		"--pci off: --rom adds a PCI device" -- run --kernel "$stub" \
		--pci off --rom "$TMP/sig.rom"
	one_line "Linux --pci off --rom"
	t_run "Linux --rom missing file: exit 66" 66 "No such file" -- run \
		--kernel "$stub" --rom "$TMP/none.bin"
	one_line "Linux --rom missing file"
	t_run "Linux --rom empty file: exit 65" 65 "empty file" -- run \
		--kernel "$stub" --rom "$TMP/empty"
	one_line "Linux --rom empty file"
	t_run "Linux --rom larger than 16 MiB: exit 65" 65 "more than" -- run \
		--kernel "$stub" --rom "$TMP/big"
	t_run "Linux with two --rom: exit 64" 64 "one option ROM" -- run \
		--kernel "$stub" --rom "$TMP/sig.rom" --rom "$TMP/sig.rom"
	one_line "Linux with two --rom"
	t_run "Linux --rom with @GPA: exit 64" 64 "no @GPA" -- run \
		--kernel "$stub" --rom "$TMP/sig.rom@0xd0000000"
else
	pass "# SKIP LINUX_STUB not set: no Linux --rom tests"
fi
finish
