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
l2=${ZAPVM_L2_DIR:-/l2}
initrd=$l2/initrd-l2.cpio.gz
if [ ! -f "$initrd" ]; then
	skip_all "no $initrd (only in the nested rig with --l2)"
fi

# noxsave: QEMU before 8.2 does not check the SVM XSETBV intercept under
# TCG ("target/i386: check intercept for XSETBV"), so an L2 kernel's XSETBV
# changes XCR0 behind L1's KVM: an XSAVE size WARNING and, now and then, a
# corrupted L2. Without XSAVE the L2 kernel never executes XSETBV.
ttyS0="console=ttyS0 noxsave"

# Disk images: vda holds a known pattern (read-only), vdb receives a result.
i=0
while [ $i -lt 64 ]; do
	printf 'zapvm-l2-disk-pattern-%08d-0123456789abcdefghijklmnopqrstuv\n' $i
	i=$((i + 1))
done >"$TMP/vda.img"
dd if=/dev/zero of="$TMP/vda.img" bs=4096 seek=1 count=15 2>/dev/null
vda_sum=$(dd if="$TMP/vda.img" bs=4096 count=1 2>/dev/null | md5sum | cut -d' ' -f1)

# An option ROM Linux accepts: 55 AA, size in 512-byte blocks, a "PCIR"
# data structure with the image length and the last-image bit.
mkrom() { # out
	{
		printf '\125\252\010'		# 55 AA, 8 x 512 bytes
		dd if=/dev/zero bs=1 count=21 2>/dev/null
		printf '\034\000'		# 0x18: PCIR at 0x1c
		dd if=/dev/zero bs=1 count=2 2>/dev/null
		printf 'PCIR\000\000\000\000\000\000\030\000\000\000\000\000'
		printf '\010\000\000\000\000\200\000\000'	# 8 blocks, last
		i=0
		while [ $i -lt 120 ]; do
			printf 'zapvm option rom line %03d ..\n' $i
			i=$((i + 1))
		done
	} >"$1.tmp"
	dd if="$1.tmp" of="$1" bs=4096 count=1 conv=sync 2>/dev/null
	rm -f "$1.tmp"
}
mkrom "$TMP/rom.bin"
rom_sum=$(md5sum <"$TMP/rom.bin" | cut -d' ' -f1)

# boot NAME ZAPVM-ARGS...: run one L2 boot; output in $TMP/NAME.{out,err,json}
boot() {
	name=$1
	shift
	"$ZAPVM" run --mem 512M --timeout 900 --json "$TMP/$name.json" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
	if [ $st -eq 0 ]; then
		pass "$name: powered off (exit 0)"
	else
		fail "$name: exit $st, want 0 (ACPI poweroff)"
		diag "$TMP/$name.err"
		tail -n 30 "$TMP/$name.out" | diag
	fi
	if grep -q "^ZAPVM-L2-DONE" "$TMP/$name.out"; then
		pass "$name: /init ran to the end"
	else
		fail "$name: /init ran to the end"
	fi
	if grep -q '"name": "boot-done"' "$TMP/$name.json" 2>/dev/null; then
		pass "$name: boot-done phase"
	else
		fail "$name: boot-done phase"
	fi
	echo "# $name: boot done after $(json_num "$TMP/$name.json" boot_done_ms) ms," \
		"faults $(json_num "$TMP/$name.json" faults_total)," \
		"memslot changes $(json_num "$TMP/$name.json" memslot_changes)"
}

# want NAME REGEX DESC: a line of the guest's output matches.
want() {
	if grep -Eq "$2" "$TMP/$1.out"; then
		pass "$1: $3"
	else
		fail "$1: $3"
		grep -E '^ZAPVM-L2|virtio|vd[ab]|rom|1b36|insmod|error|fail' \
			"$TMP/$1.out" | tail -n 40 | diag
	fi
}

# nopci NAME: the boot had no PCI device, so Linux found no PCI bus.
nopci() {
	want "$1" "PCI: System does not support PCI" "no PCI device: no PCI bus"
	if grep -Eq "PCI Root Bridge|pci 0000:00:00.0" "$TMP/$1.out"; then
		fail "$1: no PCI device, yet a PCI root bus"
	else
		pass "$1: no PCI device, no PCI root bus"
	fi
}

# devices NAME KERNEL [ARGS...]: SMP, disks and the option ROM.
devices() {
	name=$1 kernel=$2
	shift 2
	rm -f "$TMP/vdb.img"
	dd if=/dev/zero of="$TMP/vdb.img" bs=4096 count=4 2>/dev/null
	boot "$name" --kernel "$kernel" --initrd "$initrd" --cpus 2 \
		--disk "$TMP/vda.img,ro" --disk "$TMP/vdb.img" \
		--rom "$TMP/rom.bin" "$@"
	want "$name" "^ZAPVM-L2-CPUS: 0-1" "2 CPUs online"
	want "$name" "ACPI: PCI Root Bridge \[PCI0\]" "finds the PCI root bridge"
	want "$name" "^ZAPVM-L2-VDA: $vda_sum" "reads the disk image (virtio-blk)"
	want "$name" "^ZAPVM-L2-VDA-RO: 1" "the ,ro disk is read-only"
	if grep -q "ZAPVM-L2-RESULT $vda_sum" "$TMP/vdb.img"; then
		pass "$name: wrote its result to the second disk"
	else
		fail "$name: wrote its result to the second disk"
		head -c 128 "$TMP/vdb.img" | od -c | head -n 4 | diag
	fi
	want "$name" "^ZAPVM-L2-ROM: [^ ]+ 4096 $rom_sum" \
		"reads the option ROM byte for byte (sysfs rom)"
	ch=$(json_num "$TMP/$name.json" memslot_changes)
	t_cmp "$name: reading the ROM mapped and unmapped its memslot" \
		"${ch:-0}" -ge 2
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
