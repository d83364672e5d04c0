#!/bin/sh
# The figures of kernel-patches/6.1 and docs/results.md, measured on the
# TDP MMU inside the nested rig's L1 (busybox sh, as root):
#
#   ZAPVM_RIG_MEM=6144 tests/nested/run --kernel patched --l2 -- \
#           sh /zapvm/figures.sh [SCENARIO...]
#
# SCENARIO: romtoggle cow zaplat vcpustall boot microvm (default: all).
# Each prints zapvm bench's table and then its CSV between "FIGURE-CSV NAME"
# and "FIGURE-END" lines, which the console log keeps. microvm (needs
# --l2-qemu instead of --l2) boots the same kernel and initrd under zapvm and
# under QEMU -M microvm and reads both from outside the same way: time from
# the VMM's start to "Run /init as init process" on the console, and the
# VM's pf_taken (TDP faults) and exits by kind from debugfs at that moment.
# Environment: RUNS (3) rounds; microvm also APPEND (more kernel command
# line, e.g. printk.time=1) and KEEP_CONSOLE=1 (print each VMM's first
# console, "#C " lines).
ZAPVM=${ZAPVM:-/zapvm/zapvm}
RUNS=${RUNS:-3}
out=/tmp/figures
mkdir -p "$out"

show() { # name
	echo "FIGURE-CSV $1"
	cat "$out/$1.csv" 2>/dev/null
	echo "FIGURE-END $1"
}

bench() { # name scenario args...
	name=$1
	shift
	echo "# ---- $name: zapvm bench $*"
	t0=$(cut -d. -f1 /proc/uptime)
	"$ZAPVM" bench "$@" --csv "$out/$name.csv" --json "$out/$name.json"
	echo "# $name: exit $?, $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	show "$name"
}

# An option ROM Linux accepts (55 AA, PCIR, last image), 4 KiB.
mkrom() {
	{
		printf '\125\252\010'
		dd if=/dev/zero bs=1 count=21 2>/dev/null
		printf '\034\000'
		dd if=/dev/zero bs=1 count=2 2>/dev/null
		printf 'PCIR\000\000\000\000\000\000\030\000\000\000\000\000'
		printf '\010\000\000\000\000\200\000\000'
	} >"$out/rom.tmp"
	dd if="$out/rom.tmp" of="$1" bs=4096 count=1 conv=sync 2>/dev/null
}

romtoggle() {
	# Re-faults after one delete + re-add of a 64 KiB ROM slot, with
	# 1 GiB and 4 GiB touched (every page), 4K and THP.
	for gib in 1 4; do
		pages=$((gib * 262144))
		bench "romtoggle-${gib}g" memslot --policy all,slot \
			--thp off,on --mem "$((gib * 1024 + 256))M" --runs 1 \
			--args "pages=$pages stride=1 toggles=1" --timeout 1800
	done
}

cow() {
	bench cow cow --prefetch on,off --mem 256M --runs "$RUNS"
}

zaplat() {
	bench zaplat zaplat --root-zap 4k,1g --mem 1G --runs "$RUNS" \
		--timeout 1800
}

vcpustall() {
	# On a kernel without the series (stock 6.1) only zap-all exists.
	pol=all,slot
	"$ZAPVM" caps | grep -q '^zap control (series) *yes' || pol=all
	bench vcpustall vcpustall --policy "$pol" --mem 1G --runs "$RUNS" \
		--timeout 1800
	# The guest's own timing only: no VMM wake-ups while the zap runs
	# (on L1's 2 CPUs they make the zapping thread yield mmu_lock).
	bench vcpustall-quiet vcpustall --policy "$pol" --mem 1G \
		--runs "$RUNS" --sample-us 0 --timeout 1800
}

boot() {
	k=/l2/bzImage-rig
	if [ ! -f "$k" ]; then
		echo "# boot: no $k (start the rig with --l2)"
		return
	fi
	mkrom "$out/rom.bin"
	bench boot-rom boot --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "console=ttyS0 noxsave" --rom "$out/rom.bin" --policy all,slot \
		--mem 256M --runs "$RUNS" --timeout 900
}

# debugfs kvm/<pid>-<fd>/ stats of the one VM process $1 owns, comma-
# separated: pf_taken and the exits by kind (VM sums over its vCPUs).
VM_STATS="pf_taken exits io_exits mmio_exits halt_exits irq_exits"
stats_of() {
	for d in /sys/kernel/debug/kvm/"$1"-*; do
		[ -f "$d/pf_taken" ] || continue
		for s in $VM_STATS; do cat "$d/$s"; done | paste -sd, -
		return
	done
	echo "$VM_STATS" | sed 's/[a-z_]*/?/g; s/ /,/g'
}

# boot_once LABEL CMD...: start CMD (console to a file), wait for /init.
boot_once() {
	label=$1
	shift
	rm -f "$out/console"
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" </dev/null >"$out/console" 2>"$out/stderr" &
	pid=$!
	step=0
	while [ $step -lt 6000 ]; do # 20 ms steps, 120 s
		if grep -q "Run /init as init process" "$out/console" 2>/dev/null; then
			break
		fi
		kill -0 $pid 2>/dev/null || break
		usleep 20000
		step=$((step + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	st=$(stats_of $pid)
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	if grep -q "Run /init as init process" "$out/console"; then
		ms=$(echo "$t0 $t1" | awk '{ printf "%d", ($2 - $1) * 1000 }')
	else
		ms=failed
		tail -n 5 "$out/console" "$out/stderr" | sed 's/^/#   /'
	fi
	# KEEP_CONSOLE=1: the console of each VMM's first boot, for printk
	# times (add printk.time=1 to the command line).
	if [ "${KEEP_CONSOLE:-0}" = 1 ] && [ ! -f "$out/kept-$label" ]; then
		touch "$out/kept-$label"
		sed "s/^/#C $label: /" "$out/console"
	fi
	echo "$label,$ms,$st"
	# The console keeps each row even if L1 dies before show().
	echo "# row: $label,$ms,$st" >&2
}

microvm() {
	k=/l2/bzImage-rig initrd=/l2/initrd-l2.cpio.gz
	q=$(command -v qemu-system-x86_64)
	if [ -z "$q" ] || [ ! -f "$k" ]; then
		echo "# microvm: needs QEMU and /l2 in L1 (tests/nested/run --l2-qemu)"
		return
	fi
	# noxsave: see tests/kvm/linux-l2.sh
	app="console=ttyS0 panic=-1 noxsave${APPEND:+ $APPEND}"
	echo "# ---- microvm: time and TDP faults to /init, zapvm vs QEMU -M microvm"
	echo "vmm,ms_to_init,$(echo $VM_STATS | tr ' ' ,)" >"$out/microvm.csv"
	for r in $(seq 1 "$RUNS"); do
		boot_once zapvm "$ZAPVM" run --kernel "$k" --initrd "$initrd" \
			--mem 256M --cpus 1 --cmdline "$app" >>"$out/microvm.csv"
		# QEMU madvises guest RAM MADV_HUGEPAGE: so does --thp on.
		boot_once zapvm-thp "$ZAPVM" run --kernel "$k" \
			--initrd "$initrd" --mem 256M --cpus 1 --thp on \
			--cmdline "$app" >>"$out/microvm.csv"
		# Like QEMU, which does not coalesce the UART either.
		boot_once zapvm-thp-nocpio "$ZAPVM" run --kernel "$k" \
			--initrd "$initrd" --mem 256M --cpus 1 --thp on \
			--coalesced-pio off --cmdline "$app" >>"$out/microvm.csv"
		boot_once qemu-microvm "$q" -accel kvm -M microvm -cpu host \
			-m 256 -smp 1 -nodefaults -no-user-config -no-reboot \
			-display none -monitor none -serial stdio \
			-kernel "$k" -initrd "$initrd" -append "$app" >>"$out/microvm.csv"
	done
	show microvm
}

echo "# figures on $(uname -r): tdp_mmu=$(cat /sys/module/kvm/parameters/tdp_mmu)," \
	"$(grep -c ^processor /proc/cpuinfo) CPUs, $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
"$ZAPVM" caps
[ $# -gt 0 ] || set -- romtoggle cow zaplat vcpustall boot microvm
for s in "$@"; do
	case $s in
	romtoggle | cow | zaplat | vcpustall | boot | microvm) "$s" ;;
	*) echo "# unknown scenario $s" ;;
	esac
done
