#!/bin/sh
# The figures of kernel-patches/6.1 and docs/results.md, measured on the
# TDP MMU inside the nested rig's L1 (busybox sh, as root):
#
#   ZAPVM_RIG_MEM=6144 tests/nested/run --kernel patched --l2 -- \
#           sh /zapvm/figures.sh [SCENARIO...]
#
# SCENARIO: romtoggle cow zaplat vcpustall boot microvm qemupc (default:
# these), preempt (vcpustall's stall under the preemption model in effect,
# for the PREEMPT_DYNAMIC kernels of kernel-patches/README), l1oops (6 GiB
# QEMU + SeaBIOS boots in a row, then forks: the v1 L1 oops), qemuphases
# (faults per phase, one boot per policy), ovmf and ovmfbench (QEMU +
# OVMF: one boot; bench exec; ZAPVM_RIG_QEMU=patched for L0, see
# ovmf_args); traceov (--trace's
# cost on a boot), fwboot, fwboot2 and fwsame (Linux through SeaBIOS,
# --l2-qemu; fwsame beside QEMU with the same devices), pfcond (where
# the change_pte prefetch saves faults in a QEMU boot: KSM, private file
# memory), qemubench (QEMU + SeaBIOS under zapvm bench exec, the rig's and
# Debian's kernels), dirtylog
# (beside dirty_log_perf_test, anon and hugetlb), backings and hugedirty
# (issue 18: each RAM backing; hugetlb memory under dirty logging) and tfloop
# (LOOPS x dirtylog and vcpustall, counting L2 triple faults).
# Each prints zapvm bench's table and then its CSV between "FIGURE-CSV NAME"
# and "FIGURE-END" lines, which the console log keeps. microvm (needs
# --l2-qemu instead of --l2) boots the same kernel and initrd under zapvm and
# under QEMU -M microvm and reads both from outside the same way: time from
# the VMM's start to "Run /init as init process" on the console, and the
# VM's pf_taken (TDP faults) and exits by kind from debugfs at that moment.
# qemupc and ovmf (--l2-qemu) boot QEMU -M pc with SeaBIOS or OVMF under
# `zapvm exec` (the seeds' firmware boots; qemupc() says what it prints).
# Environment: RUNS (3) rounds; qemupc also MEMS ("1G 6G": give L1
# ZAPVM_RIG_MEM=8192 for 6G) and PREFETCH=1; microvm also APPEND (more kernel command
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

# add_row NAME ROW: one CSV row of NAME's table, also on the console (it
# keeps each row even if L1 dies before show()).
add_row() {
	echo "$2" >>"$out/$1.csv"
	echo "# row: $2"
}

# failed_consoles DIR: the end of each console log zapvm bench exec kept
# for a failed run under DIR (L1's file systems are lost at power-off),
# then those directories go.
failed_consoles() {
	for f in "$1"/zapvm-bench-exec.*/*.log; do
		[ -f "$f" ] || continue
		echo "# failed run's console: ${f##*/}"
		tail -n 12 "$f" | sed 's/^/#   /'
	done
	rm -rf "$1"/zapvm-bench-exec.*
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

# The vCPU stall per preemption model (issue 15 item 7): the guest-timed
# stall of vcpustall-quiet on a kernel built with
# kernel-patches/config/preempt-dynamic.config and booted with
# preempt=none|voluntary|full (figures.sh does not choose; it reads and
# prints the model in effect).  The CSV is named after the model;
# "static" on a kernel without PREEMPT_DYNAMIC (the rig's own config:
# CONFIG_PREEMPT_NONE).
preempt() {
	f=/sys/kernel/debug/sched/preempt
	if [ -r "$f" ]; then
		# "none (voluntary) full": the model in effect in parentheses.
		model=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' "$f")
		echo "# preempt: $(cat "$f"), cmdline: $(cat /proc/cmdline)"
	else
		model=static
		echo "# preempt: no $f (no CONFIG_PREEMPT_DYNAMIC: the build's own model), cmdline: $(cat /proc/cmdline)"
	fi
	bench "vcpustall-preempt-$model" vcpustall --policy all --mem 1G \
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

# --trace's cost on a Linux boot (issue 17's 5% target): the rig kernel to
# /init, untraced and traced cells side by side in one run; -v prints
# bench's "trace overhead" (time traced over untraced, per cell pair).
traceov() {
	k=/l2/bzImage-rig
	[ -f "$k" ] || { echo "# traceov: no $k (start the rig with --l2)"; return; }
	bench traceov boot --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "console=ttyS0 noxsave" --policy all,slot \
		--trace off,on,all --mem 256M --runs "$RUNS" --timeout 900 -v
	# Where the cost goes: how many records of each event one boot makes.
	"$ZAPVM" run --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "console=ttyS0 noxsave panic=-1" --mem 256M --trace=all \
		--timeout 900 >"$out/tv.out" 2>&1
	grep -A3 -E "trace events|kvm_exit by reason" "$out/tv.out" | sed 's/^/# traceov: /'
}

# Linux through SeaBIOS (zapvm run --firmware): the rig kernel to /init with
# the option-ROM device and std VGA (its RAM BAR), 2 vCPUs, both memslot
# layouts x both policies x the prefetch knob; then the same kernel booted
# directly (no firmware) for the time to /init side by side. SEABIOS is
# the firmware file (default: the one QEMU in L1 uses).
# fw_ready NAME: the rig kernel ($k), SeaBIOS ($bios) and an option ROM
# for NAME's firmware boots, else say what is missing and fail.
fw_ready() {
	k=/l2/bzImage-rig bios=${SEABIOS:-/usr/share/seabios/bios-256k.bin}
	if [ ! -f "$k" ] || [ ! -f "$bios" ]; then
		echo "# $1: needs /l2 and $bios in L1 (tests/nested/run --l2-qemu)"
		return 1
	fi
	mkrom "$out/rom.bin"
}

fwboot() {
	fw_ready fwboot || return
	pf=
	[ -e /sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch ] &&
		pf="--prefetch on,off"
	# shellcheck disable=SC2086
	bench fwboot boot --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "console=ttyS0 noxsave" --firmware "$bios" \
		--slot-layout qemu,split --policy all,slot $pf --rom "$out/rom.bin" \
		--vga std --cpus 2 --mem 1G --runs "$RUNS" --timeout 900 --trace
	bench fwboot-direct boot --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "console=ttyS0 noxsave" --policy all,slot \
		--rom "$out/rom.bin" --cpus 2 --mem 1G --runs "$RUNS" \
		--timeout 900 --trace
}

# fwboot's other axes: THP on and off, 1 GiB and 6 GiB (L1 needs
# ZAPVM_RIG_MEM=8192), with the RAM-BAR device (std VGA) and without it;
# the qemu layout (fwboot has split beside it).
fwboot2() {
	fw_ready fwboot2 || return
	for vga in std none; do
		mems=${MEMS:-1G,6G}
		[ $vga = std ] || mems=1G
		bench "fwboot2-vga-$vga" boot --kernel "$k" \
			--initrd /l2/initrd-l2.cpio.gz \
			--cmdline "console=ttyS0 noxsave" --firmware "$bios" \
			--policy all,slot --thp off,on --mem "$mems" \
			--rom "$out/rom.bin" --vga $vga --cpus 2 --runs "$RUNS" \
			--timeout 900 --trace
	done
}

# The same machine under both VMMs (issue 16's "within a few percent of
# QEMU's ... or an explanation"): 1 vCPU, 1 GiB, SeaBIOS, std VGA and no
# other device (QEMU -nodefaults -vga std; zapvm without --rom), the same
# kernel command line, THP off and on, all and slot. Per boot: NPT faults
# to /init (bench's table; exec's rows), then one traced boot of each VMM
# per THP setting (zap-all): the faults to /init by region and SPTE level.
fwsame() {
	fw_ready fwsame || return
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	echo "# THP in L1: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
	bench fwsame-zapvm boot --kernel "$k" --initrd /l2/initrd-l2.cpio.gz \
		--cmdline "$QEMU_PC_APPEND" --firmware "$bios" --vga std \
		--cpus 1 --mem 1G --policy all,slot --thp off,on --runs "$RUNS" \
		--timeout 900
	echo "policy,thp,run,status,faults,boot_ms,del_as0" >"$out/fwsame-qemu.csv"
	for r in $(seq 1 "$RUNS"); do
		for thp in off on; do
			for pol in all slot; do
				QEMU_PC_DEVICES="-vga std" qemu_pc_boot \
					"$out/q.json" "$out/q.out" 1G "$k" \
					/l2/initrd-l2.cpio.gz --zap-policy $pol \
					--thp $thp --timeout 300
				st=$?
				s=$(exec_summary "$out/q.json")
				add_row fwsame-qemu "$pol,$thp,$r,$st,$(field "$s" faults),$(field "$s" boot_ms),$(field "$s" del_as0)"
			done
		done
	done
	show fwsame-qemu
	fwlevels
}

# fwsame's traced boots alone: one per VMM and THP setting, zap-all.
fwlevels() {
	fw_ready fwlevels || return
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	for thp in off on; do
		"$ZAPVM" run --firmware "$bios" --kernel "$k" \
			--initrd /l2/initrd-l2.cpio.gz --cmdline "$QEMU_PC_APPEND" \
			--vga std --cpus 1 --mem 1G --zap-policy all --thp $thp \
			--timeout 300 --json "$out/z.json" \
			--trace-gfns "$out/z.csv" >"$out/z.out" 2>&1
		echo "# levels zapvm thp $thp (exit $?): $(levels_to_boot_done "$out/z.json" "$out/z.csv")"
		echo "# run phases zapvm thp $thp: $(exec_phases "$out/z.json")"
		echo "# gpa zapvm thp $thp: $(gpa_hist "$out/z.json" "$out/z.csv")"
		echo "# memslot changes zapvm thp $thp: $(slot_changes "$out/z.json")"
		QEMU_PC_DEVICES="-vga std" qemu_pc_boot "$out/q.json" \
			"$out/q.out" 1G "$k" /l2/initrd-l2.cpio.gz \
			--zap-policy all --thp $thp --timeout 300 \
			--trace-gfns "$out/q.csv"
		echo "# levels qemu thp $thp (exit $?): $(levels_to_boot_done "$out/q.json" "$out/q.csv")"
		echo "# exec phases qemu thp $thp: $(exec_phases "$out/q.json")"
		echo "# gpa qemu thp $thp: $(gpa_hist "$out/q.json" "$out/q.csv")"
		echo "# memslot changes qemu thp $thp: $(slot_changes "$out/q.json")"
		# What the guest found: ACPI and SMBIOS tables (QEMU's firmware
		# has them, zapvm's fw_cfg gives none).
		grep -hE "ACPI: RSDP|DMI:|SMBIOS|ACPI: Interpreter disabled|No ACPI" \
			"$out/q.out" | head -4 | sed 's/^/# qemu console: /'
		grep -hE "ACPI: RSDP|DMI:|SMBIOS|ACPI: Interpreter disabled|No ACPI" \
			"$out/z.out" | head -4 | sed 's/^/# zapvm console: /'

	done
}

# The seeds' QEMU + SeaBIOS boots as zapvm bench exec runs them (issue 14):
# QEMU -M pc with its default devices boots the rig kernel and Debian's
# kernel (/l2/vmlinuz-debian, when the rig put it there) to /init, policy x
# THP, 1 GiB, RUNS runs a cell, with bench's statistics and intervals.
qemubench() {
	initrd=/l2/initrd-l2.cpio.gz
	if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$initrd" ]; then
		echo "# qemubench: needs QEMU and /l2 in L1 (tests/nested/run --l2-qemu)"
		return
	fi
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	for kern in /l2/bzImage-rig /l2/vmlinuz-debian; do
		[ -f "$kern" ] || { echo "# qemubench: no $kern"; continue; }
		# Not bench(): its --csv and --json would land after the "--".
		name=qemubench-${kern##*[-/]}
		echo "# ---- $name"
		"$ZAPVM" bench exec --csv "$out/$name.csv" --json "$out/$name.json" \
			--policy all,slot \
			--thp off,on --mem 1G --runs "$RUNS" --until boot-done \
			--timeout 600 -- qemu-system-x86_64 -accel kvm -M pc \
			-cpu qemu64 -m '{mem_mib}' -smp '{cpus}' -nographic \
			-no-reboot -kernel "$kern" -initrd "$initrd" \
			-append "$QEMU_PC_APPEND"
		echo "# $name: exit $?"
		show "$name"
		failed_consoles /tmp
	done
}

# Seed 003's conditions (issue 14): where does the change_pte prefetch
# save faults in a QEMU + SeaBIOS boot? QEMU -M pc, default devices, 1 GiB,
# THP off, zap-all, prefetch knob on vs off, with guest RAM (a) anonymous,
# as in qemupc; (b) anonymous with KSM running in L1 during the boot (QEMU
# marks guest RAM MADV_MERGEABLE; the guest's writes to merged pages are
# COW breaks); (c) a private mapping of a file on L1's tmpfs, filled with
# zeroes first (each page the guest touches is a page-cache page mapped
# read-only until written: the private-file COW of the seed). Per boot:
# faults to /init and the series' change_pte_prefetch count.
pfcond() {
	k=/l2/bzImage-rig initrd=/l2/initrd-l2.cpio.gz
	pk=/sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch
	if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$k" ] ||
		[ ! -e "$pk" ]; then
		echo "# pfcond: needs QEMU and /l2 in L1 (--l2-qemu) and the series' prefetch knob"
		return
	fi
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	ksm=/sys/kernel/mm/ksm
	echo "cond,prefetch,run,status,faults,prefetches,boot_ms,merged" >"$out/pfcond.csv"
	for r in $(seq 1 "$RUNS"); do
		for cond in anon ksm file; do
			for pf in on off; do
				args=
				case $cond in
				ksm)
					echo 4096 >$ksm/pages_to_scan
					echo 10 >$ksm/sleep_millisecs
					echo 1 >$ksm/run ;;
				file)
					dd if=/dev/zero of="$out/ram.img" bs=1M \
						count=1024 2>/dev/null
					args="-object memory-backend-file,id=ram0,size=1G,mem-path=$out/ram.img,share=off -machine memory-backend=ram0" ;;
				esac
				QEMU_PC_ARGS=$args qemu_pc_boot "$out/q.json" \
					"$out/q.out" 1G "$k" "$initrd" \
					--zap-policy all --thp off --prefetch $pf \
					--timeout 400
				st=$?
				merged=$(cat $ksm/full_scans 2>/dev/null)/$(cat $ksm/pages_sharing 2>/dev/null)
				[ $cond = ksm ] && echo 2 >$ksm/run
				rm -f "$out/ram.img"
				s=$(exec_summary "$out/q.json")
				add_row pfcond "$cond,$pf,$r,$st,$(field "$s" faults),$(field "$s" prefetch),$(field "$s" boot_ms),$merged"
			done
		done
	done
	echo 0 >$ksm/run
	show pfcond
}

# zapvm bench dirtylog beside the selftest dirty_log_perf_test on the same
# L1 (issue 18): 2 vCPUs x 64 MiB, 3 logged passes, anonymous and 2 MiB
# hugetlb memory, bitmap (-g) and manual-protect; -e: logging is disabled
# with the vCPUs running, as zapvm does. Then zaplat on 1 GiB of hugetlb
# with dirty logging (4 KiB SPTEs everywhere, seed 002's worst case), root
# zap 4k vs 1g.
dirtylog() {
	# The rig's L1 config may have no hugetlbfs: anonymous memory only.
	srcs=anonymous backends=anon hp=
	if echo 640 2>/dev/null >/proc/sys/vm/nr_hugepages; then
		srcs="anonymous anonymous_hugetlb" backends=anon,hugetlb
		hp="--hugepage-size 2M"
	fi
	echo "# dirtylog: 2 MiB huge pages: $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo none)"
	dlpt=/selftests/dirty_log_perf_test
	if [ -x "$dlpt" ]; then
		for src in $srcs; do
			for g in -g ""; do
				echo "# ---- dirty_log_perf_test -v 2 -b 64M -i 3 -e -s $src $g"
				# shellcheck disable=SC2086
				"$dlpt" -v 2 -b 64M -i 3 -e -s "$src" $g 2>&1 |
					grep -E "time|took|Test iterations" | sed "s/^/#DLPT $src${g:+ $g}: /"
			done
		done
	else
		echo "# dirtylog: no $dlpt in L1"
	fi
	# shellcheck disable=SC2086
	bench dirtylog dirtylog --policy all,slot --mem-backend "$backends" \
		$hp --mem 132M --cpus 2 --dirty-log bitmap,manual \
		--runs "$RUNS" --timeout 900
	# shellcheck disable=SC2086
	bench zaplat-dirty zaplat --root-zap 4k,1g --dirty-log bitmap \
		--mem-backend "${backends#*,}" $hp --mem 1G \
		--runs "$RUNS" --timeout 1800
}

# hp_set SIZE_KB N: the pool of SIZE_KB huge pages to N; prints how many
# L1 got (fewer when its memory is short or fragmented).
hp_set() {
	f=/sys/kernel/mm/hugepages/hugepages-$1kB/nr_hugepages
	[ -w "$f" ] || { echo 0; return; }
	echo "$2" >"$f" 2>/dev/null
	cat "$f"
}

# Issue 18: romtoggle (1 GiB of 2 GiB touched, every page) and bootsim
# (1 GiB) with each backing - 4 KiB anonymous, THP, hugetlb 2 MiB, hugetlb
# 1 GiB where L1 can reserve the pages - policy all vs slot; faults,
# re-faults, delete time and SPTEs by level (mapped_*, in the CSV).  Needs
# ZAPVM_RIG_MEM=6144 (2 GiB of pages plus the anonymous cells' RAM).
backings() {
	echo "# backings: 2 MiB pages: $(hp_set 2048 1024) of 1024"
	bench backings-romtoggle memslot --policy all,slot --thp off,on \
		--mem-backend anon,hugetlb --hugepage-size 2M --mem 2G \
		--runs 1 --args "pages=262144 stride=1 toggles=1" --timeout 1800
	bench backings-bootsim boot --policy all,slot --thp off,on \
		--mem-backend anon,hugetlb --hugepage-size 2M --mem 1G \
		--runs "$RUNS" --timeout 900
	hp_set 2048 0 >/dev/null
	got=$(hp_set 1048576 2)
	echo "# backings: 1 GiB pages: $got of 2"
	if [ "$got" -ge 2 ]; then
		bench backings-romtoggle-1g memslot --policy all,slot \
			--mem-backend hugetlb --hugepage-size 1G --mem 2G \
			--runs 1 --args "pages=262144 stride=1 toggles=1" \
			--timeout 1800
		bench backings-bootsim-1g boot --policy all,slot \
			--mem-backend hugetlb --hugepage-size 1G --mem 1G \
			--runs "$RUNS" --timeout 900
	fi
	hp_set 1048576 0 >/dev/null
}

# Issue 18 / seed 002's worst case on hugetlb memory: 1 GiB of 2 MiB pages
# mapped with 4 KiB SPTEs because dirty logging is on, then zaplat (root
# zap 4k vs 1g) and vcpustall (logging off vs on) over it.
hugedirty() {
	echo "# hugedirty: 2 MiB pages: $(hp_set 2048 576) of 576"
	bench zaplat-dirty-huge zaplat --root-zap 4k,1g --dirty-log bitmap \
		--mem-backend hugetlb --hugepage-size 2M --mem 1G \
		--runs "$RUNS" --timeout 1800
	bench vcpustall-dirty-huge vcpustall --policy all \
		--dirty-log off,bitmap --mem-backend hugetlb --hugepage-size 2M \
		--mem 1G --runs "$RUNS" --timeout 1800
	hp_set 2048 0 >/dev/null
}

# L2 triple faults (kernel-patches/README): LOOPS x bench dirtylog (32M,
# 2 vCPUs, zap-all, 2 runs; bitmap and manual in turn) and, unless
# TF_SCEN=dirtylog, LOOPS x a 256M vcpustall zap-all, counting the runs
# that end in KVM_EXIT_SHUTDOWN; the knobs are printed first.
# zp_check WHEN: the bytes of a hole read back from tmpfs, which Linux 6.1
# copies out of the shared zero page: anything but 0 means the zero page
# was written (through a stale writable mapping, say).
zp_check() {
	d=/dev/shm
	[ -d $d ] || d=/tmp
	rm -f $d/zp.hole
	dd if=/dev/zero of=$d/zp.hole bs=1 count=0 seek=65536 2>/dev/null
	nz=$(od -An -v -tx1 $d/zp.hole | tr -s ' ' '\n' | grep -cv '^0*$')
	echo "# zero page $1: $nz non-zero bytes in a 64 KiB hole ($(df -T $d 2>/dev/null | tail -n 1 | awk '{print $2}'))"
	[ "$nz" = 0 ] || od -An -tx1 $d/zp.hole | head -n 4 | sed 's/^/#   /'
	rm -f $d/zp.hole
}

tfloop() {
	n=${LOOPS:-10} i=0 tf=0 bad=0 runs=0
	zp_check "before tfloop"
	for kn in tdp_mmu tdp_mmu_zap_4k tdp_mmu_change_pte_prefetch; do
		printf '# %s=%s\n' $kn "$(cat /sys/module/kvm/parameters/$kn 2>/dev/null || echo none)"
	done
	while [ $i -lt $n ]; do
		i=$((i + 1))
		for sc in ${TF_SCEN:-dirtylog vcpustall}; do
			if [ $sc = dirtylog ]; then
				m=bitmap
				[ $((i % 2)) = 0 ] && m=manual
				"$ZAPVM" bench dirtylog --runs 2 --mem 32M --cpus 2 \
					--policy all --dirty-log $m >"$out/tf.out" 2>"$out/tf.err"
			else
				"$ZAPVM" bench vcpustall --runs 1 --mem 256M --policy all \
					--timeout 900 >"$out/tf.out" 2>"$out/tf.err"
			fi
			st=$?
			runs=$((runs + 1))
			t=0
			grep -q "triple fault" "$out/tf.err" && t=1
			[ $st = 0 ] || bad=$((bad + 1))
			tf=$((tf + t))
			echo "# row: tfloop,$sc,$i,$st,$t"
			[ $st = 0 ] || head -n 3 "$out/tf.err" | sed 's/^/#   /'
			[ $t = 0 ] || zp_check "after the triple fault"
		done
	done
	echo "# tfloop: $runs benches, $bad failed, $tf triple faults"
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

# qemu_exec_ready NAME: QEMU, the rig's L2 kernel and initrd ($k, $initrd)
# and the preload library are in L1, and lib-exec.sh is sourced; else
# says what NAME needs and fails.
qemu_exec_ready() {
	k=/l2/bzImage-rig initrd=/l2/initrd-l2.cpio.gz
	if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$k" ] ||
		[ ! -f "${ZAPVM%/*}/libzapvm-preload.so" ]; then
		echo "# $1: needs QEMU, /l2 and the preload library in L1 (tests/nested/run --l2-qemu)"
		return 1
	fi
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
}

# QEMU -M pc + SeaBIOS + default devices (std VGA, e1000 with its iPXE ROM)
# booting the rig kernel to /init under `zapvm exec` (tests/kvm/lib-exec.sh):
# policy all vs slot x THP on vs off x MEMS, RUNS rounds, the cells in turn
# within a round so that host load drifts hit every cell alike; PREFETCH=1
# adds --prefetch off cells (1 GiB, THP off) beside the knob's default.
qemupc() {
	qemu_exec_ready qemupc || return
	echo "# ---- qemupc: QEMU -M pc + SeaBIOS, rig kernel to /init under zapvm exec"
	echo "# THP in L1: $(cat /sys/kernel/mm/transparent_hugepage/enabled)," \
		"prefetch knob: $(cat /sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch 2>/dev/null || echo none)"
	echo "policy,thp,mem,prefetch,run,status,faults,boot_ms,setup_ms,del,add,move,flags,del_as0,setup" >"$out/qemupc.csv"
	for r in $(seq 1 "$RUNS"); do
		for mem in ${MEMS:-1G 6G}; do
			for thp in on off; do
				qemupc_one all "$thp" "$mem" default "$r"
				qemupc_one slot "$thp" "$mem" default "$r"
			done
		done
		if [ "${PREFETCH:-0}" = 1 ]; then
			qemupc_one all off 1G off "$r"
			qemupc_one slot off 1G off "$r"
		fi
	done
	show qemupc
	qemupc_summary "$out/qemupc.csv"
}

# Issue 15 item 11, the sequence that oopsed L1 on v1: LOOPS (6) boots in a
# row of QEMU -M pc + SeaBIOS (std VGA, e1000: QEMU's defaults) booting the
# rig kernel as a 6 GiB L2 to /init, THP on for the first half and off for
# the second, the slot policy set per VM through the series' cap (default
# on a kernel without it); then FORKS (5000) fork+exec in L1's shell (the
# oops was in the scheduler's fork balancing, find_idlest_group) and the
# count of suspicious dmesg lines.  Needs --l2-qemu and
# ZAPVM_RIG_MEM=8192.
l1oops() {
	qemu_exec_ready l1oops || return
	pol=slot
	"$ZAPVM" caps | grep -q '^zap control (series) *yes' || pol=default
	loops=${LOOPS:-6}
	echo "# ---- l1oops: $loops QEMU -M pc + SeaBIOS boots, 6 GiB, THP on then off, --zap-policy $pol; then ${FORKS:-5000} forks"
	i=1
	while [ "$i" -le "$loops" ]; do
		thp=on
		[ "$i" -gt $(((loops + 1) / 2)) ] && thp=off
		qemu_pc_boot "$out/o.json" "$out/o.out" 6G "$k" "$initrd" \
			--zap-policy "$pol" --thp "$thp" --timeout 600
		st=$?
		sum=$(exec_summary "$out/o.json")
		# QEMU -no-reboot exits 0 on an L2 reset: no boot-done then.
		init=reached
		case " $sum " in *" boot_ms=-1 "*) init="NOT reached" ;; esac
		echo "# l1oops: boot $i, THP $thp: exit $st, /init $init; $sum"
		[ $st = 0 ] && [ "$init" = reached ] || tail -n 5 "$out/o.out" | sed 's/^/#   /'
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "${FORKS:-5000}" ]; do
		/bin/true
		i=$((i + 1))
	done
	re='BUG:|Oops|WARNING:|soft lockup|general protection fault|Kernel panic'
	n=$(dmesg | grep -cE "$re")
	echo "# l1oops: ${FORKS:-5000} forks done; suspicious dmesg lines: $n"
	dmesg | grep -E -A 12 "$re" | head -n 80 | sed 's/^/#   /'
}

qemupc_one() { # policy thp mem prefetch run
	pf=
	[ "$4" = default ] || pf="--prefetch $4"
	# shellcheck disable=SC2086
	qemu_pc_boot "$out/q.json" "$out/q.out" "$3" "$k" "$initrd" \
		--zap-policy "$1" --thp "$2" $pf --timeout 300
	st=$?
	[ $st = 0 ] || tail -n 5 "$out/q.out" | sed 's/^/#   /'
	s=$(exec_summary "$out/q.json")
	row="$1,$2,$3,$4,$5,$st"
	for f in faults boot_ms setup_ms del add move flags del_as0 setup; do
		row="$row,$(field "$s" $f)"
	done
	add_row qemupc "$row"
}

# Per cell (policy, thp, mem, prefetch; boots that reached /init): mean and
# sample standard deviation of faults and boot_ms; per (thp, mem, prefetch)
# the reduction 1 - slot/all of the mean faults with a 95% interval: the
# two-sample t interval (pooled variance, df = n_all + n_slot - 2) of the
# difference of the means, divided by all's mean.
qemupc_summary() {
	echo "FIGURE-SUMMARY qemupc"
	awk -F, '
	function tq(df) { # t quantile 0.975
		split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086", T, " ")
		return df < 1 ? 0 : (df <= 20 ? T[df] : 2.0)
	}
	NR == 1 || $6 != 0 || $7 < 0 { next }
	{
		c = $1 "," $2 "," $3 "," $4
		n[c]++; sf[c] += $7; qf[c] += $7 * $7; sb[c] += $8; qb[c] += $8 * $8
		sd[c] += $10; sm[c] += $12; sa[c] += $11
		g = $2 "," $3 "," $4; grp[g] = 1
	}
	# busybox-static awk has no sqrt(): Newton.
	function root(x,  r, i) {
		if (x <= 0) return 0
		r = x
		for (i = 0; i < 100; i++) r = (r + x / r) / 2
		return r
	}
	function sdev(s, q, k) { return k > 1 ? root((q - s * s / k) / (k - 1)) : 0 }
	END {
		print "policy,thp,mem,prefetch,n,faults_mean,faults_sd,boot_ms_mean,boot_ms_sd,del_mean,add_mean,move_mean"
		for (c in n)
			printf "%s,%d,%.1f,%.1f,%.0f,%.0f,%.1f,%.1f,%.1f\n", c, n[c],
				sf[c] / n[c], sdev(sf[c], qf[c], n[c]),
				sb[c] / n[c], sdev(sb[c], qb[c], n[c]),
				sd[c] / n[c], sa[c] / n[c], sm[c] / n[c]
		print "thp,mem,prefetch,faults_all,faults_slot,reduction_pct,ci95_low_pct,ci95_high_pct"
		for (g in grp) {
			a = "all," g; b = "slot," g
			if (!n[a] || !n[b]) continue
			ma = sf[a] / n[a]; mb = sf[b] / n[b]
			va = sdev(sf[a], qf[a], n[a]); va *= va
			vb = sdev(sf[b], qf[b], n[b]); vb *= vb
			df = n[a] + n[b] - 2
			sp = df > 0 ? root(((n[a] - 1) * va + (n[b] - 1) * vb) / df) : 0
			h = tq(df) * sp * root(1 / n[a] + 1 / n[b])
			printf "%s,%.1f,%.1f,%.1f,%.1f,%.1f\n", g, ma, mb,
				100 * (ma - mb) / ma, 100 * (ma - mb - h) / ma,
				100 * (ma - mb + h) / ma
		}
	}' "$1"
	echo "FIGURE-END qemupc"
}

# One boot per policy (THP off, 1 GiB) with the NPT faults of each phase
# (exec_phases): which memslot changes the faults follow.
qemuphases() {
	k=/l2/bzImage-rig initrd=/l2/initrd-l2.cpio.gz
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	for pol in all slot; do
		qemu_pc_boot "$out/p.json" "$out/p.out" 1G "$k" "$initrd" \
			--zap-policy "$pol" --thp off --timeout 300
		echo "# qemuphases $pol: exit $?; $(exec_summary "$out/p.json")"
		echo "# qemuphases $pol: $(exec_phases "$out/p.json")"
	done
}

# OVMF (Debian's ovmf: OVMF_CODE_4M.fd read-only, OVMF_VARS_4M.fd with
# snapshot=on, so every boot starts from the same variable store and its
# writes are dropped at exit) in QEMU ${OVMF_ARGS:--M q35}, QEMU's default
# devices, booting OVMF_KERNEL (Debian's kernel: the rig kernel has no EFI
# stub, and OVMF falls through to PXE and its shell) to /init. L0's QEMU
# 10.0.2 aborts on OVMF's CR8 writes (tests/nested/qemu/0001-*.patch): run
# these under ZAPVM_RIG_QEMU=patched. ovmf is one boot under zapvm exec;
# ovmfbench is zapvm bench exec over policy x THP x prefetch
# (OVMF_PREFETCH, "on,off") x OVMF_MEMS ("1G"; 6G wants
# ZAPVM_RIG_MEM=8192), RUNS runs a cell.
ovmf_args() { # sets ovmf_qemu, TMPDIR; fails without OVMF or the kernel in L1
	code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	kern=${OVMF_KERNEL:-/l2/vmlinuz-debian}
	if [ ! -f "$code" ] || [ ! -f "$vars" ] || [ ! -f "$kern" ]; then
		echo "# ovmf: no $code, $vars or $kern in L1 (--l2-qemu, package ovmf on the host)"
		return 1
	fi
	. "${EXEC_LIB:-/zapvm/tests/lib-exec.sh}"
	# snapshot=on's overlay: QEMU writes it to $TMPDIR or /var/tmp,
	# which L1 has not.
	export TMPDIR=$out
	# QEMU's arguments but memory and vCPUs (no blanks in the paths).
	ovmf_qemu="-accel kvm ${OVMF_ARGS:--M q35} -cpu qemu64 -nographic -no-reboot
		-drive if=pflash,format=raw,readonly=on,file=$code
		-drive if=pflash,format=raw,snapshot=on,file=$vars
		-kernel $kern -initrd /l2/initrd-l2.cpio.gz"
}

ovmf() {
	ovmf_args || return
	echo "# ---- ovmf: QEMU ${OVMF_ARGS:--M q35} + OVMF, $kern, zapvm exec --zap-policy all"
	# shellcheck disable=SC2086
	"$ZAPVM" exec --zap-policy all --until boot-done --grace 2000 \
		--timeout "${OVMF_TIMEOUT:-900}" --json "$out/ovmf.json" -- \
		qemu-system-x86_64 $ovmf_qemu -m 1G -smp 1 \
		-append "$QEMU_PC_APPEND" </dev/null >"$out/ovmf.out" 2>&1
	echo "# ovmf: zapvm exit $?; $(exec_summary "$out/ovmf.json")"
	grep -a -i -E 'kernel|linux|error|fail|boot' "$out/ovmf.out" | head -n 40 |
		cut -c1-200 | sed 's/^/#   /'
	tail -n 15 "$out/ovmf.out" | sed 's/^/#   /'
}

ovmfbench() {
	ovmf_args || return
	name=ovmfbench
	echo "# ---- $name: ${OVMF_ARGS:--M q35}, mem ${OVMF_MEMS:-1G}, prefetch ${OVMF_PREFETCH:-on,off}"
	# shellcheck disable=SC2086
	"$ZAPVM" bench exec --csv "$out/$name.csv" --json "$out/$name.json" \
		--policy all,slot --thp off,on --prefetch "${OVMF_PREFETCH:-on,off}" \
		--mem "${OVMF_MEMS:-1G}" --runs "$RUNS" --until boot-done \
		--timeout "${OVMF_TIMEOUT:-900}" -- qemu-system-x86_64 $ovmf_qemu \
		-m '{mem_mib}' -smp '{cpus}' -append "$QEMU_PC_APPEND"
	echo "# $name: exit $?"
	show "$name"
	failed_consoles "$TMPDIR"	# ovmf_args set it
}

echo "# figures on $(uname -r): tdp_mmu=$(cat /sys/module/kvm/parameters/tdp_mmu)," \
	"$(grep -c ^processor /proc/cpuinfo) CPUs, $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
"$ZAPVM" caps
[ $# -gt 0 ] || set -- romtoggle cow zaplat vcpustall boot microvm qemupc
for s in "$@"; do
	case $s in
	romtoggle | cow | zaplat | vcpustall | preempt | boot | microvm | qemupc | qemuphases | ovmf | ovmfbench | l1oops | \
	traceov | fwboot | fwboot2 | fwsame | fwlevels | pfcond | qemubench | \
		dirtylog | backings | hugedirty | tfloop) "$s" ;;
	*) echo "# unknown scenario $s" ;;
	esac
done
