#!/bin/sh
# Real Linux through real firmware (zapvm run --firmware), where ring-0 code
# runs at usable speed: in the nested rig's L1 started with --l2-qemu (SeaBIOS
# and QEMU's linuxboot_dma.bin come with L1's QEMU; the Meson test
# nested-linux). The rig kernel and Debian's kernel boot through SeaBIOS with
# 2 vCPUs, two virtio disks, the option-ROM device and std VGA (a RAM BAR),
# in both memslot layouts; /init checks the CPUs, the disks and the ROM as in
# linux-l2.sh. The firmware memslot changes are there by cause, and the
# kernel's entry splits POST from the kernel's boot.
#
# zapvm gives a firmware boot no ACPI tables (QEMU's come through fw_cfg's
# table loader; zapvm(1) says so), so Linux cannot power off: the L2
# initrd's /init resets the machine instead when there is no ACPI, and
# zapvm ends with 102 once /init has run to its end.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
. "$(dirname "$0")/lib-l2.sh"
bios=${SEABIOS:-/usr/share/seabios/bios-256k.bin}
[ -f "$bios" ] || skip_all "no $bios (the rig's L1 has it with --l2-qemu)"
L2_END=102
L2_TIMEOUT=300
L2_ACPI=0

# by_cause NAME CAUSE [ioctls]: the memslot changes (register writes,
# BAR toggles) of CAUSE in NAME's JSON, or the memslot ioctls they made.
by_cause() {
	f='"changes": *\([0-9]*\)'
	[ "${3:-}" = ioctls ] && f='"changes": *[0-9]*, *"ioctls": *\([0-9]*\)'
	tr -d '\n' <"$TMP/$1.json" | sed -n "s/.*\"$2\": *{ *$f.*/\1/p"
}

# fwboot NAME KERNEL LAYOUT: one boot and its firmware figures.
fwboot() {
	name=$1 kernel=$2 layout=$3
	devices "$name" "$kernel" --cmdline "$ttyS0" \
		--firmware "$bios" --slot-layout "$layout" --vga std
	for c in pam rom-bar ram-bar; do
		t_cmp "$name: memslot changes by $c" "$(by_cause "$name" "$c")" -gt 0
	done
	if grep -q '"name": "kernel-entry"' "$TMP/$name.json"; then
		pass "$name: kernel-entry phase"
	else
		fail "$name: kernel-entry phase"
	fi
}

k=$l2/bzImage-rig
if [ -f "$k" ]; then
	fwboot fw-rig-qemu "$k" qemu
	fwboot fw-rig-split "$k" split
	# The layouts differ only in the PAM changes: split never touches RAM.
	t_cmp "qemu layout: more PAM memslot ioctls than split" \
		"$(by_cause fw-rig-qemu pam ioctls)" -gt \
		"$(by_cause fw-rig-split pam ioctls)"
fi
k=$(ls "$l2"/vmlinuz-debian 2>/dev/null)
[ -n "$k" ] && fwboot fw-debian "$k" qemu
finish
