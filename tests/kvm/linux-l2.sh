#!/bin/sh
# Real Linux boots, where ring-0 guest code runs at usable speed: inside the
# nested rig's L1 started with --l2 (tests/nested/run --l2; the Meson test
# nested-linux), which puts L2 kernels and an initrd in /l2. The initrd's
# /init (tests/nested/rig, make_l2_initrd) prints ZAPVM-L2-* lines: CPUs
# online, the md5 of the first 4 KiB of /dev/vda (written as a result to
# /dev/vdb), each option ROM read through sysfs (with memory decoding
# turned on through sysfs config first), then powers off (exit 0).
#
# Boots: the rig kernel through the 64-bit protocol (SMP, two virtio disks,
# the option-ROM device; zap policy all and slot, traced), its vmlinux through PVH,
# its bzImage through the real-mode setup code, once with a virtio console;
# Debian's kernel through the 64-bit protocol with the same devices, through
# real mode, and its ELF (extracted from the bzImage) through PVH. Boots with
# a PCI device find the root bridge; boots without one have no PCI bus
# (--pci auto, as on QEMU's microvm): Linux's conf1 check fails and
# pcibios_init() says "PCI: System does not support PCI".
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
. "$(dirname "$0")/lib-l2.sh"

# nopci NAME: the boot had no PCI device, so Linux found no PCI bus.
nopci() {
	want "$1" "PCI: System does not support PCI" "no PCI device: no PCI bus"
	if grep -Eq "PCI Root Bridge|pci 0000:00:00.0" "$TMP/$1.out"; then
		fail "$1: no PCI device, yet a PCI root bus"
	else
		pass "$1: no PCI device, no PCI root bus"
	fi
}

# --trace on a real kernel's boot (L1 has tracefs and perf events; root):
# the measured floor (distinct GFNs faulted) and the re-faults after the
# first memslot change (the /init's ROM reads map and unmap the ROM BAR).
trace=
"$ZAPVM" run --trace=required builtin:exit >/dev/null 2>&1 && trace=--trace
[ -n "$trace" ] || pass "# SKIP --trace: not permitted or no tracepoints here"

# traced ALL SLOT: the two boots' trace figures.
traced() {
	for b in "$1" "$2"; do
		fl=$(json_num "$TMP/$b.json" floor_gfns)
		tot=$(json_num "$TMP/$b.json" faults_total)
		t_cmp "$b --trace: a floor of distinct GFNs (> 1000)" "${fl:-0}" -gt 1000
		t_cmp "$b --trace: the floor is at most the faults" "${fl:-0}" -le "${tot:-0}"
		echo "# $b: floor $fl GFNs, faults $tot," \
			"re-faults after churn $(json_num "$TMP/$b.json" refaults)"
	done
	ra=$(json_num "$TMP/$1.json" refaults)
	rs=$(json_num "$TMP/$2.json" refaults)
	t_cmp "--trace: zap-all re-faults more than slot after the ROM reads" \
		"${ra:-0}" -gt "${rs:-0}"
}

k=$l2/bzImage-rig
if [ -f "$k" ]; then
	devices rig-64 "$k" --cmdline "$ttyS0" $trace
	devices rig-64-slot "$k" --cmdline "$ttyS0" --zap-policy slot $trace
	[ -n "$trace" ] && traced rig-64 rig-64-slot
	if [ -f "$l2/vmlinux-rig" ]; then
		boot rig-pvh --kernel "$l2/vmlinux-rig" --boot pvh \
			--initrd "$initrd" --cpus 2 --cmdline "$ttyS0"
		want rig-pvh "^ZAPVM-L2-CPUS: 0-1" "2 CPUs online"
		nopci rig-pvh
	fi
	boot rig-real --kernel "$k" --boot real-mode --initrd "$initrd" \
		--cmdline "$ttyS0"
	nopci rig-real
	boot rig-hvc --kernel "$k" --initrd "$initrd" --console virtio \
		--cmdline "console=hvc0 noxsave"
fi
k=$(ls "$l2"/vmlinuz-debian 2>/dev/null)
if [ -n "$k" ]; then
	devices debian-64 "$k" --cmdline "$ttyS0"
	boot debian-real --kernel "$k" --boot real-mode --initrd "$initrd" \
		--cpus 2 --cmdline "$ttyS0"
	want debian-real "^ZAPVM-L2-CPUS: 0-1" "2 CPUs online"
	nopci debian-real
fi
# The ELF inside Debian's bzImage (scripts/extract-vmlinux), through PVH.
if [ -f "$l2/vmlinux-debian" ]; then
	boot debian-pvh --kernel "$l2/vmlinux-debian" --boot pvh \
		--initrd "$initrd" --cpus 2 --cmdline "$ttyS0"
	want debian-pvh "^ZAPVM-L2-CPUS: 0-1" "2 CPUs online"
fi
finish
