# Sourced by tests/nested/rig: the L1 initramfs (test list, zapvm and its kvm
# suite, /l2 with L2 kernels, QEMU and the preload library) and the L2
# initrd.  Uses the rig's variables (CACHE, RIG_DIR, REPO, TOOLS, SRC,
# ZAPVM_BUILD, ZAPVM_STATUS) and functions (msg, die, kernel_dir,
# selftest_dir, qemu_bin, qemu_data).
# shellcheck shell=bash

# ---------------------------------------------------------------- L2
# A minimal L2 initramfs: busybox and an init that proves it ran.
make_l2_initrd() { # out.cpio.gz
	local stage
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/dev"
	cp /bin/busybox "$stage/bin/busybox"
	cp "$TOOLS/rig-exit" "$stage/bin/rig-exit"
	# Debian's kernel has virtio as modules: carry those it needs.
	local deb ver m
	deb=$(ls -1v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
	ver=${deb#/boot/vmlinuz-}
	if [ -n "$deb" ] && [ -d "/lib/modules/$ver" ]; then
		mkdir -p "$stage/lib/modules/$ver"
		for m in virtio/virtio virtio/virtio_ring \
			 virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev \
			 virtio/virtio_pci block/virtio_blk char/virtio_console; do
			cp "/lib/modules/$ver/kernel/drivers/$m.ko" \
				"$stage/lib/modules/$ver/" 2>/dev/null ||
				msg "warning: no $m.ko for Debian's $ver"
		done
	fi
	cat > "$stage/init" <<'L2EOF'
#!/bin/busybox sh
# L2 /init (tests/kvm/linux-l2.sh reads these ZAPVM-L2-* lines).
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Modules, in dependency order, where the kernel has them as modules.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	 virtio_pci virtio_blk virtio_console; do
	f=/lib/modules/$(uname -r)/$m.ko
	[ -f "$f" ] || continue
	insmod "$f" || echo "ZAPVM-L2-INSMOD-FAILED: $m"
done
mdev -s 2>/dev/null
echo "ZAPVM-L2-OK: $(uname -r) $(cut -d' ' -f1 /proc/uptime)s"
echo "ZAPVM-L2-CPUS: $(cat /sys/devices/system/cpu/online)"
# virtio-blk: vda is the input, its first 4 KiB's md5 goes to vdb; a
# write to a read-only vda must fail.
if [ -b /dev/vda ]; then
	sum=$(dd if=/dev/vda bs=4096 count=1 2>/dev/null | md5sum | cut -d' ' -f1)
	echo "ZAPVM-L2-VDA: $sum"
	echo "ZAPVM-L2-VDA-RO: $(cat /sys/block/vda/ro)"
	if [ -b /dev/vdb ]; then
		echo "ZAPVM-L2-RESULT $sum" |
			dd of=/dev/vdb bs=512 conv=sync,fsync 2>/dev/null &&
			echo "ZAPVM-L2-VDB: written"
	fi
fi
# Option ROMs: read each through sysfs, as the PCI core maps it. A ROM
# decodes only with memory decoding on (PCI 3.0, 6.2.5.2), which nothing
# turns on for a device without a driver: set PCI_COMMAND_MEMORY first.
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/rom" ] || continue
	cmd=$(dd if="$d/config" bs=1 skip=4 count=1 2>/dev/null | od -An -tu1)
	printf "\\$(printf %o $(( ${cmd:-0} | 2 )))" |
		dd of="$d/config" bs=1 seek=4 conv=notrunc 2>/dev/null
	echo 1 > "$d/rom"
	sum=$(md5sum < "$d/rom" | cut -d' ' -f1)
	len=$(wc -c < "$d/rom")
	echo 0 > "$d/rom"
	echo "ZAPVM-L2-ROM: $(cat "$d/vendor"):$(cat "$d/device") $len $sum"
done
echo "ZAPVM-L2-DONE"
# ACPI poweroff (zapvm: exit 0); else the VMM's other exits. Without ACPI
# (zapvm run --firmware gives none) Linux turns poweroff into a halt that
# never ends: reset through the keyboard controller instead (zapvm: 102).
[ -d /sys/firmware/acpi ] && poweroff -f
rig-exit 0 2>/dev/null
reboot -f
L2EOF
	chmod +x "$stage/init"
	cpio_from_dir "$stage" "$1"
	rm -rf "$stage"
}

# gen_init_cpio list: no root needed for /dev/console.
cpio_from_dir() { # dir out.cpio.gz
	local dir=$1 out=$2 p
	(
		cd "$dir"
		echo "nod /dev/console 0600 0 0 c 5 1"
		find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
			p=${p#.}
			if [ -L "$dir$p" ]; then
				echo "slink $p $(readlink "$dir$p") 0777 0 0"
			elif [ -d "$dir$p" ]; then
				echo "dir $p 0755 0 0"
			else
				echo "file $p $dir$p $(stat -c %a "$dir$p") 0 0"
			fi
		done
	) > "$dir.list"
	"$TOOLS/gen_init_cpio" "$dir.list" | gzip -1 > "$out"
	rm -f "$dir.list"
}

# ---------------------------------------------------------------- initramfs
# Selftests that make_initramfs also runs with kvm.tdp_mmu=N.
LEGACY_MMU_TESTS="set_memory_region_test memslot_modification_stress_test memslot_zap_control_test"

# skip_test list name status reason: a test line that only reports a skip.
# /init runs "exec CMD", so the exit must come from a shell of its own: a
# bare "echo ...; exit N" would exec echo and report ok.
skip_test() {
	echo "$2 10 sh -c 'echo \"SKIP: $4\"; exit $3'" >> "$1"
}

# add_zapvm flavour stage: zapvm, its kvm suite (tests/kvm/*.sh but the
# sourced lib*.sh) as zapvm-kvm:NAME tests, with the guest ELFs the suite's
# GUEST_ELF_DIR names and its helpers, and figures.sh.
add_zapvm() {
	local flav=$1 stage=$2 deb
	# zapvm's kvm suite: tests/kvm/*.sh but the sourced lib*.sh, with
	# the guest ELFs the suite's GUEST_ELF_DIR names.
	cp "$ZAPVM_BUILD/src/zapvm" "$stage/zapvm/zapvm"
	mkdir -p "$stage/zapvm/guests"
	cp "$ZAPVM_BUILD"/guests/*.elf "$stage/zapvm/guests/" 2>/dev/null || true
	cp "$REPO"/tests/kvm/*.sh "$stage/zapvm/tests/" 2>/dev/null || true
	cp "$RIG_DIR/figures.sh" "$stage/zapvm/figures.sh"
	local t f v found= env="env ZAPVM=/zapvm/zapvm GUEST_ELF_DIR=/zapvm/guests"
	# The kvm suite's helpers, named as tests/kvm/meson.build does.
	for t in LINUX_STUB:linux-stub.bzImage PVH_STUB:linux-pvh-stub.elf \
		 REAL_STUB:linux-real-stub.bzImage CTL_RAW:ctl-raw \
		 CTL_FAKE:ctl-fake; do
		v=${t%%:*} f=${t#*:}
		[ -f "$ZAPVM_BUILD/tests/kvm/$f" ] || continue
		cp "$ZAPVM_BUILD/tests/kvm/$f" "$stage/zapvm/"
		env="$env $v=/zapvm/$f"
	done
	# linux-distro.sh boots /boot/vmlinuz-* (linux-image-amd64).
	deb=$(ls -1v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
	if [ -n "$deb" ]; then
		mkdir -p "$stage/boot"
		cp "$deb" "$stage/boot/"
	fi
	for t in "$REPO"/tests/kvm/*.sh; do
		[ -f "$t" ] || continue
		case $(basename "$t") in lib*) continue ;; esac
		found=1
		# bench.sh checks timings and finished runs within
		# deadlines, which the debug kernel misses (zaplat runs
		# and its SIGINT check failed there, no splat).
		if [ "$flav" = debug ] && [ "$(basename "$t")" = bench.sh ]; then
			skip_test "$stage/etc/rig/tests" zapvm-kvm:bench 77 \
				"timings and deadlines, not meaningful on the debug kernel"
			continue
		fi
		echo "zapvm-kvm:$(basename "$t" .sh) $([ "$flav" = debug ] && echo 1800 || echo 600) $env sh /zapvm/tests/$(basename "$t")" >> "$stage/etc/rig/tests"
	done
	[ -n "$found" ] ||
		skip_test "$stage/etc/rig/tests" zapvm-kvm 77 "no tests/kvm/*.sh yet"
}

# make_initramfs flavour mode out [cmd...]
make_initramfs() {
	local flav=$1 mode=$2 out=$3 stage st deb
	shift 3
	stage=$(mktemp -d "${TMPDIR:-/tmp}/rig-initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,sbin,etc/rig,selftests,zapvm/tests,proc,sys,dev,tmp,root}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$RIG_DIR/init" "$stage/init"
	chmod 755 "$stage/init"
	cp "$TOOLS/rig-exit" "$stage/bin/rig-exit"
	st=$(selftest_dir "$flav")
	cp "$st"/* "$stage/selftests/"
	rm -f "$stage/selftests/list"
	: > "$stage/etc/rig/tests"
	while read -r name tmo args; do
		# A NAME:LABEL variant passes options that only the series'
		# selftests have (selftests.list).
		if [ "$name" != "${name%%:*}" ] && [ -z "$(series_for "$flav")" ]; then
			skip_test "$stage/etc/rig/tests" "$name" 4 \
				"variant with options that only the kernel series selftests have"
			continue
		fi
		# memslot_perf_test's host waits for its guest with a fixed
		# alarm(2) (host_perform_sync): a lockdep+KASAN L1 under TCG
		# answers later, so the debug kernel, which is there for
		# splats, not speed, skips it.
		if [ "$flav" = debug ] && [ "${name%%:*}" = memslot_perf_test ]; then
			skip_test "$stage/etc/rig/tests" "$name" 4 \
				"fixed 2 s host-guest sync alarm, too short for the debug kernel under TCG"
			continue
		fi
		# KASAN and lockdep make the debug kernel several times slower.
		[ "$flav" = debug ] && tmo=$((tmo * 3))
		echo "$name $tmo /selftests/${name%%:*} $args" >> "$stage/etc/rig/tests"
	done < "$st/list"
	# The memslot selftests once more on the shadow MMU's code (6.1's
	# kvm.tdp_mmu is writable and read when a VM is created; /init puts
	# it back after every test): with NPT on, KVM_CAP_MEMSLOT_ZAP_CONTROL
	# then zaps through the memslot's rmaps instead of the TDP MMU.
	cp "$RIG_DIR/with-tdp-mmu" "$stage/bin/with-tdp-mmu"
	chmod 755 "$stage/bin/with-tdp-mmu"
	while read -r name tmo args; do
		case " $LEGACY_MMU_TESTS " in *" ${name%%:*} "*) ;; *) continue ;; esac
		[ "$name" != "${name%%:*}" ] && [ -z "$(series_for "$flav")" ] && continue
		[ "$flav" = debug ] && tmo=$((tmo * 3))
		echo "$name:tdp_mmu=N $tmo with-tdp-mmu N /selftests/${name%%:*} $args" >> "$stage/etc/rig/tests"
	done < "$st/list"
	if [ -z "$ZAPVM_STATUS" ]; then
		add_zapvm "$flav" "$stage"
	else
		skip_test "$stage/etc/rig/tests" zapvm-kvm 77 "$ZAPVM_STATUS"
	fi
	if [ -n "${RIG_ONLY:-}" ]; then
		grep -E "^($RIG_ONLY) " "$stage/etc/rig/tests" > "$stage/etc/rig/tests.only" || true
		[ -s "$stage/etc/rig/tests.only" ] || die "--only '$RIG_ONLY' matches no test"
		mv "$stage/etc/rig/tests.only" "$stage/etc/rig/tests"
	fi
	if [ -n "${ZAPVM_RIG_L2:-}" ]; then
		mkdir -p "$stage/l2"
		cp "$(kernel_dir "$flav")/bzImage" "$stage/l2/bzImage-rig"
		cp "$(kernel_dir "$flav")/vmlinux" "$stage/l2/vmlinux-rig"
		deb=$(ls -1v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
		if [ -n "$deb" ]; then
			cp "$deb" "$stage/l2/vmlinuz-debian"
			# Its ELF, for --boot pvh: Debian ships no vmlinux.
			sh "$SRC/scripts/extract-vmlinux" "$deb" \
				> "$stage/l2/vmlinux-debian" 2>/dev/null ||
				{ rm -f "$stage/l2/vmlinux-debian"
				  msg "warning: cannot extract the ELF of $deb"; }
		else
			msg "warning: no /boot/vmlinuz-* (linux-image-amd64) for L2"
		fi
		make_l2_initrd "$stage/l2/initrd-l2.cpio.gz"
		if [ -n "${ZAPVM_RIG_L2_QEMU:-}" ]; then
			add_qemu "$stage"
		fi
	fi
	if [ "$mode" = run ]; then
		{
			echo "cd /root"
			printf '%q ' "$@"
			echo
		} > "$stage/etc/rig/cmd.sh"
	fi
	cpio_from_dir "$stage" "$out"
	rm -rf "$stage"
}

# QEMU itself in L1, with its libraries (so the dynamic loader) and its
# firmware (SeaBIOS, the NICs' iPXE ROMs, VGA BIOS), and beside /zapvm/zapvm
# the preload library of `zapvm exec` (tests/kvm/exec-qemu.sh, figures.sh
# qemupc), which needs that loader too.
add_qemu() { # stage
	local stage=$1 q pre
	q=$(qemu_bin)
	mkdir -p "$stage/usr/bin" "$stage/usr/share"
	cp "$q" "$stage/usr/bin/"
	add_libs "$stage" "$q"
	cp -rL "$(qemu_data)" "$stage/usr/share/qemu" 2>/dev/null || true
	cp -rL /usr/share/seabios "$stage/usr/share/" 2>/dev/null || true
	# The NICs' iPXE ROMs (efi-e1000.rom for -M pc's default NIC): the
	# fetched QEMU's data package links them to package ipxe-qemu,
	# which the system QEMU brought.
	for q in /usr/lib/ipxe/qemu/*.rom; do
		if [ -e "$q" ] && [ ! -e "$stage/usr/share/qemu/$(basename "$q")" ]; then
			cp "$q" "$stage/usr/share/qemu/"
		fi
	done
	# Debian's OVMF (package ovmf, when installed): figures.sh ovmf.
	if [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
		mkdir -p "$stage/usr/share/OVMF"
		cp -L /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd \
			"$stage/usr/share/OVMF/"
	fi
	# The static build (-Dstatic=true) links only the zapvm binary
	# statically: its shared module is a normal one, built by the same
	# ninja run under the cache lock (build_zapvm).
	pre=$ZAPVM_BUILD/src/preload/libzapvm-preload.so
	if [ -n "$ZAPVM_STATUS" ] || [ ! -d "$stage/zapvm" ]; then
		return 0
	elif [ -f "$pre" ] && readelf -h "$pre" 2>/dev/null | grep -q 'DYN'; then
		cp "$pre" "$stage/zapvm/"
		add_libs "$stage" "$pre"
	else
		msg "warning: no shared $pre: zapvm exec cannot run in L1"
	fi
}

# add_libs stage elf: the shared libraries elf needs (ldd), at their paths.
add_libs() {
	local stage=$1 lib
	for lib in $(ldd "$2" | grep -oE '/[^ ]+'); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

