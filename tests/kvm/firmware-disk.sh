#!/bin/sh
# --firmware seabios --disk without --kernel: SeaBIOS finds the virtio-blk
# disk (modern virtio-pci, MMIO BAR), takes it from bootorder, loads its
# boot sector and jumps to it; the boot sector (bootsect-test.S) prints a
# marker, reads LBA 1 through int 0x13 and prints the string stored there
# (written into the image here, so only a real disk read shows it), then
# resets. Without a bootable disk SeaBIOS says so and waits, as QEMU's
# default -boot reboot-timeout=-1 does: the run ends at --timeout (124) or
# a signal (130). BOOTSECT_TEST is bootsect-test.S built. First
# --smm-space, which needs no firmware: QEMU's SMM address space as a
# mirror of every memslot.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
SEABIOS=/usr/share/seabios/bios-256k.bin

# --- --smm-space: every memslot change again in address space 1 ---
# Where KVM has no second address space (this PVM host: none), one line
# and 69; where it has, romtoggle's changes double, counted per space,
# and its faults stay (the guest never enters SMM).
"$ZAPVM" run --smm-space --json "$TMP/smm.json" builtin:romtoggle \
	>"$TMP/out" 2>"$TMP/err"
st=$?
if [ $st -eq 69 ] && grep -q "KVM_CAP_MULTI_ADDRESS_SPACE" "$TMP/err"; then
	t_run "--smm-space without a second address space: exit 69" 69 \
		"KVM_CAP_MULTI_ADDRESS_SPACE >= 2" -- \
		run --smm-space builtin:romtoggle
	one_line "--smm-space without a second address space"
	skip "--smm-space doubling: this host's KVM has no SMM address space"
else
	t_cmp "romtoggle --smm-space: exit 0" "$st" -eq 0
	t_run "romtoggle without --smm-space: exit 0" 0 "" -- \
		run --json "$TMP/plain.json" builtin:romtoggle
	c0=$(json_num "$TMP/plain.json" memslot_changes)
	c1=$(json_num "$TMP/smm.json" memslot_changes)
	t_cmp "--smm-space doubles the memslot changes" "$c1" -eq $((2 * c0))
	by_as=$(tr -d ' \n' <"$TMP/smm.json" |
		sed -n 's/.*"memslot_changes_by_as":\[\([0-9]*,[0-9]*\)\].*/\1/p')
	if [ "$by_as" = "$c0,$c0" ]; then pass "per-space counts: $by_as"
	else fail "per-space counts: '$by_as', want $c0,$c0"; fi
	f0=$(json_num "$TMP/plain.json" faults_total)
	f1=$(json_num "$TMP/smm.json" faults_total)
	t_cmp "romtoggle's faults are counted" "${f0:-0}" -gt 0
	t_cmp "faults within 5% with --smm-space ($f1 vs $f0)" \
		$((${f1:-0} * 100)) -le $((${f0:-0} * 105))
fi

[ -f "$SEABIOS" ] || { skip "$SEABIOS missing (Debian package seabios)"; finish; exit; }
[ -f "${BOOTSECT_TEST:-}" ] || { skip "BOOTSECT_TEST missing"; finish; exit; }

# log_has DESC FILE FIXED-STRING
log_has() {
	if grep -qF -- "$3" "$2"; then pass "$1"
	else fail "$1 (no '$3')"; tail -n 8 "$2" | diag; fi
}

# A 1 MiB disk: the boot sector, then at LBA 1 the string it prints.
img=$TMP/boot.img
dd if=/dev/zero of="$img" bs=1024 count=1024 2>/dev/null
dd if="$BOOTSECT_TEST" of="$img" conv=notrunc 2>/dev/null
printf 'zapvm-sector1: read\000' |
	dd of="$img" bs=512 seek=1 conv=notrunc 2>/dev/null
sig=$(od -An -tx1 -j510 -N2 "$img" | tr -d ' ')
t_cmp "the boot sector ends in 0x55 0xaa" "$([ "$sig" = 55aa ] && echo 1)" \
	-eq 1

t_run "SeaBIOS boots the --disk's boot sector, which resets: exit 102" \
	102 "port 0xcf9" -- run --firmware seabios --disk "$img" \
	--firmware-log "$TMP/boot.log" --stats --timeout 120
log=$TMP/boot.log
log_has "SeaBIOS found the virtio-blk function" "$log" "found virtio-blk at 00:"
log_has "SeaBIOS drives it in modern (1.0) mode" "$log" \
	"using modern (1.0) virtio mode"
first=$(sed -n '/^boot order:/{n;p;}' "$log")
case $first in
"1: /pci@i0cf8/scsi@"[0-9a-f]"/disk@0,0") pass "bootorder names the disk: $first" ;;
*) fail "bootorder names the disk (got '$first')" ;;
esac
if grep -q '^2: *$' "$log"; then
	fail "bootorder has no empty entry after the last"
else
	pass "bootorder has no empty entry after the last"
fi
log_has "no boot menu" "$log" "Booting from Hard Disk..."
marker=$(grep -n '^zapvm-bootsect: ran$' "$log" | cut -d: -f1)
sector=$(grep -n '^zapvm-sector1: read$' "$log" | cut -d: -f1)
if [ -n "$marker" ] && [ -n "$sector" ] && [ "$sector" -gt "$marker" ]; then
	pass "the boot sector ran, then printed LBA 1 read through int 0x13"
else
	fail "the boot sector ran, then printed LBA 1 read through int 0x13"
	tail -n 8 "$log" | diag
fi
out_has "int 0x10 reaches COM1: the marker" "zapvm-bootsect: ran"
out_has "int 0x10 reaches COM1: the sector-1 string" "zapvm-sector1: read"
out_has "the boot sector marked boot-done" "boot done after"

# A ,ro disk boots the same way (SeaBIOS only reads).
t_run "a ,ro --disk boots too: exit 102" 102 "port 0xcf9" -- \
	run --firmware seabios --disk "$img,ro" \
	--firmware-log "$TMP/ro.log" --timeout 120
log_has "a ,ro disk: LBA 1 read" "$TMP/ro.log" "zapvm-sector1: read"

# wait_stuck DESC FILE ARGS...: zapvm ARGS in the background until stdout
# (COM1) says "No bootable device.", then SIGTERM: exit 130. --timeout
# bounds it if SeaBIOS never gets there.
wait_stuck() {
	_d=$1
	shift
	# The last call's output must be gone before the loop looks: the
	# child opens "$TMP/out" only once it runs, and a loaded host (ASan
	# in CI) let the loop see the old "No bootable device." and kill
	# zapvm before it had blocked its signals (exit 143).
	rm -f "$TMP/out" "$TMP/err"
	"$ZAPVM" "$@" --timeout 240 >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	_i=0
	while [ $_i -lt 240 ] && ! grep -qF "No bootable device." "$TMP/out"; do
		kill -0 $_pid 2>/dev/null || break
		sleep 1
		_i=$((_i + 1))
	done
	kill -TERM $_pid 2>/dev/null
	wait $_pid
	_st=$?
	if grep -qF "No bootable device." "$TMP/out" && [ $_st -eq 130 ]; then
		pass "$_d: 'No bootable device.', waits until a signal (130)"
	else
		fail "$_d: 'No bootable device.', waits until a signal (exit $_st)"
		diag "$TMP/err"
	fi
}

# Two disks, the first without a boot signature: SeaBIOS boots only the
# first hard disk (0x80), refuses it and has nothing else to boot.
dd if=/dev/zero of="$TMP/nosig.img" bs=1024 count=1024 2>/dev/null
wait_stuck "--disk without 0x55aa" run --firmware seabios \
	--disk "$TMP/nosig.img" --disk "$img,ro" --firmware-log "$TMP/nosig.log"
log_has "the unsigned disk: 'not a bootable disk'" "$TMP/nosig.log" \
	"Boot failed: not a bootable disk"
log_has "bootorder lists both disks in --disk order" "$TMP/nosig.log" \
	"2: /pci@i0cf8/scsi@"
if grep -q '^zapvm-bootsect' "$TMP/nosig.log"; then
	fail "the second disk's boot sector did not run"
else
	pass "the second disk's boot sector did not run"
fi

wait_stuck "neither --kernel nor --disk" run --firmware seabios \
	--firmware-log "$TMP/none.log"
if grep -q '^boot order:' "$TMP/none.log"; then
	fail "no disk, no kernel: no bootorder file"
else
	pass "no disk, no kernel: no bootorder file"
fi

# --- bad input: one line, documented status ---
t_run "--firmware --disk missing file: exit 66" 66 "nope.img" -- \
	run --firmware seabios --disk "$TMP/nope.img"
one_line "--firmware --disk missing file"
finish
