# SPDX-License-Identifier: GPL-2.0-only
# Shared by tests/kvm/exec-qemu.sh and tests/nested/figures.sh (sourced;
# POSIX sh, busybox too, no python in the rig's L1): QEMU -M pc with
# SeaBIOS and QEMU's default devices (std VGA, e1000 with its iPXE ROM)
# booting a Linux kernel to /init under `zapvm exec`, and a one-line
# summary of exec's --json record.

# The L2 kernel command line: noxsave as in tests/kvm/linux-l2.sh (QEMU
# TCG before 8.2 misses the SVM XSETBV intercept), lpj= skips the delay
# loop calibration, no "quiet": the boot-done line is a KERN_INFO one.
QEMU_PC_APPEND=${QEMU_PC_APPEND:-console=ttyS0 panic=-1 noxsave lpj=1000000}

# qemu_pc_boot JSON OUT MEM KERNEL INITRD [zapvm exec options...]
# One boot to "Run /init as init process" (exec's default --boot-done),
# then exec stops QEMU; the console and zapvm's messages go to OUT.
# Returns zapvm's exit status (0 when boot-done was seen). QEMU_PC_DEVICES
# replaces QEMU's default devices (std VGA, e1000 and its iPXE ROM, the
# CD-ROM) with these, after -nodefaults and a serial console on stdio;
# QEMU_PC_ARGS are more QEMU arguments (a memory backend, say).
qemu_pc_boot() {
	_json=$1 _out=$2 _mem=$3 _k=$4 _i=$5
	shift 5
	_dev=
	[ -n "${QEMU_PC_DEVICES:-}" ] &&
		_dev="-nodefaults -serial stdio $QEMU_PC_DEVICES"
	# shellcheck disable=SC2086
	"$ZAPVM" exec "$@" --until boot-done --grace 2000 --json "$_json" -- \
		qemu-system-x86_64 -accel kvm -M pc -cpu qemu64 -m "$_mem" \
		-smp 1 -nographic $_dev ${QEMU_PC_ARGS:-} -no-reboot \
		-kernel "$_k" -initrd "$_i" \
		-append "$QEMU_PC_APPEND" </dev/null >"$_out" 2>&1
}

# exec_summary JSON: one line of KEY=VALUE words from a `zapvm exec --json`
# record of one VM (json-c's pretty output, one key a line):
#   faults      the vCPUs' pf_taken (NPT faults on the TDP MMU) summed over
#               the phases before the "boot-done" phase (-1: no boot-done)
#   boot_ms     boot_done_ms: first KVM_RUN to the boot-done line
#   setup_ms    zapvm exec's start to the first KVM_RUN
#   del add move flags
#               run-time memslot changes (after the first KVM_RUN) before
#               boot-done, both address spaces (QEMU repeats each in SMM's)
#   del_as0     the deletes of address space 0 alone
#   setup       memslot changes before the first KVM_RUN
#   thp         memslot events exec madvised MADV_HUGEPAGE / NOHUGEPAGE
#   preloaded   1 when the preload library reported
#   prefetch    the series' VM stat change_pte_prefetch summed like faults
#               (-1: no such stat, or no boot-done)
exec_summary() {
	awk '
	/"phases": \[/ { sec = "ph"; next }
	/"vm_index":/ { sec = "" }
	/"preloaded": true/ { pre = 1 }
	/"boot_done_ms": [0-9]/ { v = $2; sub(/,$/, "", v); bms = v }
	/"setup_ms": [0-9]/ { v = $2; sub(/,$/, "", v); sms = v }
	/"memslots": \[/ { sec = "ms"; next }
	sec == "ph" && /"name":/ {
		n = $0; sub(/.*"name": "/, "", n); sub(/".*/, "", n)
		np++
		if (n == "boot-done" && !bd) bd = np
	}
	sec == "ph" && /"pf_taken":/ { v = $2; sub(/,$/, "", v); pf[np] += v }
	sec == "ph" && /"change_pte_prefetch":/ {
		v = $2; sub(/,$/, "", v); pp[np] += v; havepp = 1
	}
	sec == "ms" && /"op":/ { op = $0; sub(/.*"op": "/, "", op); sub(/".*/, "", op) }
	sec == "ms" && /"as":/ { as = $2; sub(/,$/, "", as) }
	sec == "ms" && /"run_time":/ { rt = ($2 ~ /true/) }
	sec == "ms" && /"thp": "(hugepage|nohugepage)"/ { thp++ }
	sec == "ms" && /"phase":/ {
		ph = $2; sub(/,$/, "", ph)
		if (!rt) { setup++; next }
		# Phase indices count from 0, bd from 1: before boot-done.
		if (bd && ph + 1 >= bd) next
		cnt[op]++
		if (op == "delete" && as == 0) d0++
	}
	END {
		f = -1
		p = -1
		if (bd) { f = 0; for (i = 1; i < bd; i++) f += pf[i] }
		if (bd && havepp) { p = 0; for (i = 1; i < bd; i++) p += pp[i] }
		printf "faults=%d boot_ms=%s setup_ms=%s del=%d add=%d move=%d flags=%d del_as0=%d setup=%d thp=%d preloaded=%d prefetch=%d\n",
			f, bms == "" ? "-1" : bms, sms == "" ? "-1" : sms,
			cnt["delete"], cnt["add"], cnt["move"], cnt["flags"],
			d0, setup, thp, pre, p
	}' "$1"
}

# field LINE KEY: the value of KEY=VALUE in an exec_summary line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# exec_phases JSON: "NAME:FAULTS" for each phase of the record with NPT
# faults (the vCPUs' pf_taken), in order, on one line: where a boot's
# faults fall between its memslot changes.
exec_phases() {
	awk '
	/"phases": \[/ { sec = 1; next }
	/"vm_index":/ { sec = 0 }
	sec && /"name":/ {
		if (n != "" && f) printf "%s:%d ", n, f
		n = $0; sub(/.*"name": "/, "", n); sub(/".*/, "", n); f = 0
	}
	sec && /"pf_taken":/ { v = $2; sub(/,$/, "", v); f += v }
	END { if (n != "" && f) printf "%s:%d", n, f; print "" }' "$1"
}

# gpa_hist JSON GFNS: the same faults (before boot-done) by guest-physical
# range and level: "RANGE:L1=N,L2=M ..." (ranges 0-640K, the VGA window
# 640K-768K, the option ROMs' 768K-896K, the BIOS's 896K-1M, 1M-2M,
# 2M-16M, 16M-64M, 64M-256M, 256M-4G, 4G+).
gpa_hist() {
	_bd=$(awk '/"phases": \[/ { s = 1; next } /"vm_index":|"memslots":/ { s = 0 }
		s && /"name":/ { if ($0 ~ /"boot-done"/) { print i; exit } i++ }' "$1")
	awk -F, -v bd="${_bd:--1}" '
	BEGIN {
		split("160 192 224 256 512 4096 16384 65536 1048576", lim, " ")
		split("0-640K 640K-768K 768K-896K 896K-1M 1M-2M 2M-16M 16M-64M 64M-256M 256M-4G 4G+", nm, " ")
	}
	NR == 1 || bd < 0 || $5 >= bd { next }
	{
		g = $3 + 0
		for (b = 1; b <= 9 && g >= lim[b]; b++)
			;
		c[b ":" $4]++
	}
	END {
		for (b = 1; b <= 10; b++)
			if (c[b ":1"] + c[b ":2"])
				printf "%s:L1=%d,L2=%d ", nm[b], c[b ":1"], c[b ":2"]
		print ""
	}' "$2"
}

# levels_to_boot_done JSON GFNS: faults before the "boot-done" phase of a
# run or exec --json record JSON, from its --trace-gfns CSV GFNS (one VM),
# by region and SPTE level: "REGION:L1=N,L2=M ..." on one line.
levels_to_boot_done() {
	_bd=$(awk '/"phases": \[/ { s = 1; next } /"vm_index":|"memslots":/ { s = 0 }
		s && /"name":/ { if ($0 ~ /"boot-done"/) { print i; exit } i++ }' "$1")
	awk -F, -v bd="${_bd:--1}" '
	NR == 1 || bd < 0 || $5 >= bd { next }
	{ c[$6 ":L" $4]++; if (!($6 in seen)) { seen[$6] = 1; r[++nr] = $6 } }
	END {
		for (i = 1; i <= nr; i++)
			printf "%s:L1=%d,L2=%d,L3=%d ", r[i], c[r[i] ":L1"],
				c[r[i] ":L2"], c[r[i] ":L3"]
		print ""
	}' "$2"
}

# slot_changes JSON: the run-time memslot changes before boot-done of a
# `zapvm exec` record, by address space, operation and size ("as0 add
# 64K" ...), counted, one line; or, for a `zapvm run` record, its phases
# named after memslot changes (pam-..., rom-bar-..., ram-bar-...,
# vga-window-...) before boot-done, counted by name.
slot_changes() {
	awk '
	/"phases": \[/ { sec = "ph"; next }
	/"memslots": \[/ { sec = "ms"; next }
	/"vm_index":/ { sec = "" }
	sec == "ph" && /"name":/ {
		n = $0; sub(/.*"name": "/, "", n); sub(/".*/, "", n)
		if (n == "boot-done") done = 1
		if (!done && n != "start" && n != "kernel-entry" && n !~ /^vcpu/)
			ph[n]++
		np++
		if (n == "boot-done" && !bd) bd = np
	}
	sec == "ms" && /"op":/ { op = $0; sub(/.*"op": "/, "", op); sub(/".*/, "", op) }
	sec == "ms" && /"as":/ { as = $2; sub(/,$/, "", as) }
	sec == "ms" && /"size":/ { sz = $2; sub(/,$/, "", sz) }
	sec == "ms" && /"run_time":/ { rt = ($2 ~ /true/) }
	sec == "ms" && /"phase":/ {
		p = $2; sub(/,$/, "", p)
		if (!rt || (bd && p + 1 >= bd)) next
		sz += 0
		k = "as" as " " op " " (sz >= 1048576 ? int(sz / 1048576) "M" : int(sz / 1024) "K")
		ms[k]++
		nms++
	}
	END {
		if (nms) for (k in ms) printf "%s x%d; ", k, ms[k]
		else for (k in ph) printf "%s x%d; ", k, ph[k]
		print ""
	}' "$1"
}
