# Sourced by the nested rig's real-Linux boot tests (linux-l2.sh,
# firmware-l2.sh) after lib.sh: the L2 kernels and initrd in /l2 (the rig
# started with --l2 or --l2-qemu), two disk images and an option ROM the
# initrd's /init checks, and the boot and check helpers. Skips the whole
# script where there is no initrd.
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
	tries=1
	while :; do
		"$ZAPVM" run --mem 512M --timeout "${L2_TIMEOUT:-900}" \
			--json "$TMP/$name.json" "$@" \
			>"$TMP/$name.out" 2>"$TMP/$name.err"
		st=$?
		# The nested rig's L2 triple fault (stock and patched L1s alike,
		# kernel-patches/README "L2 triple faults"): boot again, twice
		# at most, and say so.
		[ $tries -lt 3 ] && rig_triple_fault $st "$TMP/$name.err" ||
			break
		echo "# $name: $(head -n 1 "$TMP/$name.err"); booting again (the rig's known L2 triple fault)"
		tries=$((tries + 1))
	done
	# L2_END: the exit statuses that end a boot well (default: 0, ACPI
	# poweroff).
	case " ${L2_END:-0} " in
	*" $st "*)
		pass "$name: ended (exit $st)" ;;
	*)
		fail "$name: exit $st, want one of ${L2_END:-0}"
		diag "$TMP/$name.err"
		tail -n 30 "$TMP/$name.out" | diag
		;;
	esac
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
	# L2_ACPI=0: no ACPI tables (a firmware boot), Linux probes PCI itself.
	if [ "${L2_ACPI:-1}" = 1 ]; then
		want "$name" "ACPI: PCI Root Bridge \[PCI0\]" "finds the PCI root bridge"
	else
		want "$name" "PCI host bridge to bus 0000:00" "finds the PCI host bridge"
	fi
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

