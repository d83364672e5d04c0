#!/bin/sh
# virtio-pci: virtio-blk and virtio-console driven by builtin:virtio at
# CPL3 (polling, no interrupts), hostile rings the device must survive, and
# bad --disk/--console arguments.
. "$(dirname "$0")/lib.sh"
require_kvm

G=builtin:virtio
# fill FILE SECTORS [SECTOR OCTAL]: zeros, one sector of byte OCTAL.
fill() {
	head -c $(($2 * 512)) /dev/zero >"$1"
	if [ -n "$3" ]; then
		head -c 512 /dev/zero | tr '\0' "\\$4" |
			dd of="$1" bs=512 seek="$3" conv=notrunc 2>/dev/null
	fi
}
# count_byte FILE SECTOR HEX: how many bytes of the sector are 0xHEX.
count_byte() {
	od -An -v -tx1 -j $(($2 * 512)) -N 512 "$1" | tr -s ' ' '\n' |
		grep -c "^$3\$"
}

fill "$TMP/d0.img" 8 1 132 # sector 1 = 0x5a
fill "$TMP/d1.img" 8
fill "$TMP/d2.img" 4 0 301 # sector 0 = 0xc1
cp "$TMP/d2.img" "$TMP/d2.orig"

t_run "virtio-blk: read, write, flush, GET_ID, ro refusal" 0 "" -- \
	run --disk "$TMP/d0.img" --disk "$TMP/d1.img" --disk "$TMP/d2.img,ro" \
	--args "mode=blk sector=1 byte=0x5a sectors=8" $G </dev/null
if grep -q "disk 0 id 'd0.img', 8 sectors" "$TMP/out"; then
	pass "virtio-blk: GET_ID is the file name, capacity 8 sectors"
else fail "virtio-blk: GET_ID/capacity"; diag "$TMP/out"; fi
t_cmp "virtio-blk: the guest's write reached sector 1 of the file" \
	"$(count_byte "$TMP/d1.img" 1 a5)" -eq 512
t_cmp "virtio-blk: sector 0 untouched" "$(count_byte "$TMP/d1.img" 0 00)" -eq 512
t_cmp "virtio-blk: sector 2 untouched" "$(count_byte "$TMP/d1.img" 2 00)" -eq 512
if cmp -s "$TMP/d2.img" "$TMP/d2.orig"; then pass "virtio-blk: ro disk unchanged"
else fail "virtio-blk: ro disk changed"; fi

# The guest's compare must be able to fail.
t_run "virtio-blk: a wrong expected pattern fails the guest" 100 \
	"guest assertion failed" -- run --disk "$TMP/d0.img" \
	--disk "$TMP/d1.img" --disk "$TMP/d2.img,ro" \
	--args "mode=blk sector=1 byte=0x5b" $G </dev/null

# A size that is not a multiple of 512: the partial sector is invisible.
fill "$TMP/odd.img" 1 0 132
printf 'tail' >>"$TMP/odd.img"
t_run "virtio-blk: 516-byte image is 1 sector, with a warning" 0 \
	"not a multiple of 512" -- run --disk "$TMP/odd.img" \
	--disk "$TMP/d1.img" --disk "$TMP/d2.img,ro" \
	--args "mode=blk sector=0 byte=0x5a sectors=1" $G </dev/null

# virtio-console output and input.
t_run "virtio-console: output" 0 "" -- run --console virtio \
	--args "mode=console text=ping42" $G </dev/null
if grep -q "^hvc0: ping42\$" "$TMP/out"; then pass "virtio-console: text on stdout"
else fail "virtio-console: text on stdout"; diag "$TMP/out"; fi
printf 'abcd' | "$ZAPVM" run --console virtio --args "mode=console rx=4" $G \
	>"$TMP/out" 2>"$TMP/err"
st=$?
if [ $st -eq 0 ] && grep -q "console got 'abcd'" "$TMP/out"; then
	pass "virtio-console: input from stdin reaches the guest"
else fail "virtio-console: input (exit $st)"; diag "$TMP/out"; diag "$TMP/err"; fi
# (--pci on: without a PCI device there is no bus to search at all.)
t_run "no virtio-console without --console virtio" 100 \
	"guest assertion failed" -- run --pci on --args "mode=console" $G \
	</dev/null

# MSI-X without an irqchip: vectors, masking and the PBA; the delivery
# itself fails (no interrupt controller in the test-guest path), once.
fill "$TMP/m.img" 8
t_run "MSI-X table, vector mapping and PBA" 0 \
	"virtio-blk0: cannot deliver MSI-X vector 1" -- run -v \
	--disk "$TMP/m.img" --args "mode=msix" $G </dev/null
t_cmp "MSI-X: the failed delivery is logged once" \
	"$(grep -c "cannot deliver MSI-X" "$TMP/err")" -eq 1

# Hostile guests: zapvm survives, the guest sees the stated device state
# (it asserts so), and -v names what the device refused.
fill "$TMP/h.img" 8
hostile() { # MODE STDERR_REGEX
	t_run "hostile $1: survived" 0 "$2" -- run -v --disk "$TMP/h.img" \
		--args "mode=$1" $G </dev/null
	if grep -q "survived, device works after reset" "$TMP/out"; then
		pass "hostile $1: the device works after a reset"
	else fail "hostile $1: no recovery"; diag "$TMP/out"; fi
}
hostile oob ""
hostile huge ""
hostile loop "virtio-blk0: device needs reset: descriptor chain loops"
hostile qidx "virtio-blk0: device needs reset: head descriptor index out of range"
hostile avail "virtio-blk0: device needs reset: avail idx more than the queue size ahead"
hostile notify "virtio-blk0: notify of nonexistent queue 5 ignored"
hostile ring "virtio-blk0: device needs reset: a ring lies outside guest RAM"
hostile features "virtio-blk0: FEATURES_OK refused.*VERSION_1"
t_run "hostile loop without -v: nothing on stderr" 0 "" -- \
	run --disk "$TMP/h.img" --args "mode=loop" $G </dev/null
t_cmp "hostile loop without -v: stderr empty" "$(wc -c <"$TMP/err")" -eq 0
t_cmp "hostile modes left the image alone" "$(count_byte "$TMP/h.img" 0 00)" -eq 512

# Bad --disk and --console arguments: one line, a documented status.
t_run "--disk missing file: exit 66" 66 "--disk .*nope.img: No such file" -- \
	run --disk "$TMP/nope.img" $G </dev/null
one_line "--disk missing file"
t_run "--disk a directory: exit 65" 65 "is a directory" -- \
	run --disk "$TMP" $G </dev/null
one_line "--disk a directory"
t_run "--disk a directory, ro: exit 65" 65 "not a regular file" -- \
	run --disk "$TMP,ro" $G </dev/null
one_line "--disk a directory, ro"
t_run "--disk ,ro without a file: exit 64" 64 "expected FILE" -- \
	run --disk ",ro" $G </dev/null
set --
for i in 1 2 3 4 5 6 7 8 9; do set -- "$@" --disk "$TMP/d0.img"; done
t_run "nine disks: exit 64" 64 "at most 8 disks" -- run "$@" $G </dev/null
one_line "nine disks"
t_run "--console bogus: exit 64" 64 "expected serial or virtio" -- \
	run --console bogus $G </dev/null
# The Linux device table: the devices come up, the default command line
# names hvc0, and the stand-in kernel still powers off.
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	t_run "Linux path: --disk and --console virtio come up" 0 "" -- \
		run -v -v --kernel "$LINUX_STUB" --console virtio \
		--disk "$TMP/d0.img" --disk "$TMP/d2.img,ro" --timeout 60 </dev/null
	if grep -qF "cmdline=console=hvc0" "$TMP/out"; then
		pass "Linux path: default command line console=hvc0"
	else fail "Linux path: default command line"; diag "$TMP/out"; fi
	for dev in "virtio-blk0: 1af4:1042" "virtio-blk1: 1af4:1042" \
		"virtio-console: 1af4:1043"; do
		if grep -q "PCI 00:0[0-9a-f].0 $dev" "$TMP/err"; then
			pass "Linux path: $dev on the PCI bus"
		else fail "Linux path: no $dev on the bus"; diag "$TMP/err"; fi
	done
fi

# As nobody, with the group of /dev/kvm (root could write anyway); only
# where that group may open /dev/kvm (some hosts make it 0600 root:root).
kvm_dev=${ZAPVM_KVM_DEV:-/dev/kvm}
kvm_gid=$(stat -c %g "$kvm_dev" 2>/dev/null)
kvm_grw=$(find "$kvm_dev" -maxdepth 0 -perm -060 2>/dev/null)
if [ "$(id -u)" -eq 0 ] && [ -n "$kvm_gid" ] && [ -n "$kvm_grw" ] &&
	setpriv --help 2>&1 | grep -q -- --reuid; then
	chmod 755 "$TMP"
	cp "$TMP/d0.img" "$TMP/rofile.img"; chmod 444 "$TMP/rofile.img"
	setpriv --reuid=65534 --regid=65534 --groups "$kvm_gid" "$ZAPVM" run \
		--disk "$TMP/rofile.img" $G </dev/null >/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 77 ] && grep -q "cannot open for writing.*add ,ro" "$TMP/err" &&
		[ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		pass "read-only file without ,ro: exit 77, one line"
	else fail "read-only file without ,ro: exit $st"; diag "$TMP/err"; fi
	setpriv --reuid=65534 --regid=65534 --groups "$kvm_gid" "$ZAPVM" run \
		--disk "$TMP/rofile.img,ro" --disk "$TMP/rofile.img,ro" \
		--disk "$TMP/rofile.img,ro" --args "mode=oob" $G </dev/null \
		>/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 0 ]; then pass "read-only file with ,ro: runs"
	else fail "read-only file with ,ro: exit $st"; diag "$TMP/err"; fi
fi
finish
