#!/bin/sh
# zapvm bench dirtylog (and --dirty-log of vcpustall and zaplat) with tiny
# sizes: in every iteration of every run the VMM collects exactly the
# pages the dirty guest wrote and every page holds the guest's last write
# (pages_lost 0; a guest told to skip a page fails the run with one line,
# 70); the enable, get/clear and disable times and the SPTE counts are
# there; bad values are usage errors.
. "$(dirname "$0")/lib.sh"
require_kvm

# csv_val FILE POLICY METRIC COLUMN: a cell row's value (columns from 1:
# 11 n, 12 mean, 14 min, 15 max).
csv_val() {
	awk -F, -v p="$2" -v m="$3" -v c="$4" \
		'$1 == "cell" && $3 == p && $10 == m { print $c; exit }' "$1"
}

# num_ok DESC VALUE: a finite number >= 0.
num_ok() {
	if awk -v v="$2" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v >= 0) }'; then
		pass "$1 ($2)"
	else
		fail "$1 ('$2')"
	fi
}

# One mode: 2 runs, 32M, 2 vCPUs, rounds=2 logged iterations each (32M:
# the three modes took 456 s at 64M in the rig's L1 under TCG).
dirtylog_mode() { # MODE
	m=$1 f="$TMP/dl-$1.csv"
	"$ZAPVM" bench dirtylog --runs 2 --mem 32M --cpus 2 --policy all \
		--dirty-log "$m" --csv "$f" --json "$TMP/dl-$m.json" \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ "$m" = ring ] && [ "$st" -eq 69 ]; then
		skip "ring: this host's KVM cannot ($(head -n 1 "$TMP/err"))"
		return
	fi
	# In the nested rig only (L0 QEMU 10.0.2 TCG), stock L1 and patched
	# alike: now and then L2 triple-faults (SVM resets the vCPU: RIP
	# 0xfff0); 6 of 24 benches on stock 6.1.192 on 2026-12-05, never on
	# the PVM host. Not the series (kernel-patches/README, "L2 triple
	# faults"); reported as a known failure of the rig.
	# A page that lost the guest's write (exit 70) is the same suspected
	# stale mapping seen before the triple fault, and reported alike.
	if rig_triple_fault "$st" "$TMP/err" || { [ "$st" -eq 70 ] && in_rig &&
		grep -q "lost the guest's write" "$TMP/err"; }; then
		todo "$m: bench dirtylog ran (exit $st)" \
			"L2 triple fault or lost write under dirty logging in the nested rig"
		diag "$TMP/err"
		return
	fi
	if [ "$st" -ne 0 ]; then
		fail "$m: bench dirtylog ran (exit $st)"
		diag "$TMP/err"
		return
	fi
	pass "$m: bench dirtylog, 2 runs, 32M, 2 vCPUs"
	t_cmp "$m: 2 runs in the cell" "$(csv_val "$f" all enable_ms 11)" -eq 2
	dirtied=$(csv_val "$f" all pages_dirtied 14)
	# 32 MiB less the image and the control block, all of it written.
	t_cmp "$m: the guest dirtied most of 32M" "${dirtied%.*}" -gt 7500
	for col in 14 15; do
		got=$(csv_val "$f" all pages_collected "$col")
		t_cmp "$m: pages collected = pages dirtied (column $col)" \
			"${got%.*}" -eq "${dirtied%.*}"
	done
	mis=$(csv_val "$f" all pages_mismatch 15)
	t_cmp "$m: no iteration of any run collected another count" \
		"${mis%.*}" -eq 0
	lost=$(csv_val "$f" all pages_lost 15)
	t_cmp "$m: no page of any pass of any run lost the guest's write" \
		"${lost%.*}" -eq 0
	for k in enable_ms disable_ms get_ms get1_ms dirty_ms dirty1_ms \
		populate_ms after_ms; do
		num_ok "$m: $k present" "$(csv_val "$f" all "$k" 14)"
	done
	# The shadow MMU (PVM) and the TDP MMU both have pages_4k; while
	# logging, every page the guest wrote is mapped by a 4 KiB SPTE.
	four=$(csv_val "$f" all sptes_4k_during 14)
	if [ "$four" = nan ] || [ -z "$four" ]; then
		skip "$m: this kernel has no pages_4k stat"
	else
		t_cmp "$m: 4K SPTEs during logging >= pages dirtied" \
			"${four%.*}" -ge "${dirtied%.*}"
		for at in before after; do
			num_ok "$m: sptes_2m_$at present" \
				"$(csv_val "$f" all "sptes_2m_$at" 14)"
		done
	fi
	t_has_json "$m: JSON names the mode" "$TMP/dl-$m.json" \
		"\"dirty_log\": \"$(echo "$m" | sed 's/^ring$/ring:4096/')\""
}

t_has_json() { # DESC FILE PATTERN
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}

for mode in bitmap manual ring; do
	dirtylog_mode "$mode"
done

# Below, t_run runs again a run that ends in the rig's known L2 triple
# fault (above), up to twice, and then reports it as a TODO (lib.sh).
RIG_TF_RETRY=1

# hugetlb 2 MiB memory under logging (issue 18): the same pages collected;
# mapped by 2 MiB SPTEs before logging (both MMUs map a hugetlb page
# whole), split to 4 KiB while logging.  32M takes 16 pages.
hugepages_reserve 16
if [ "$hp_free" -ge 16 ]; then
	f="$TMP/dl-huge.csv"
	if t_run "bitmap on hugetlb 2M: bench dirtylog, 1 run" 0 "" -- \
		bench dirtylog --runs 1 --mem 32M --cpus 2 --policy all \
		--dirty-log bitmap --mem-backend hugetlb --hugepage-size 2M \
		--csv "$f"; then
		dirtied=$(csv_val "$f" all pages_dirtied 14)
		got=$(csv_val "$f" all pages_collected 14)
		t_cmp "hugetlb: pages collected = pages dirtied" \
			"${got%.*}" -eq "${dirtied%.*}"
		lost=$(csv_val "$f" all pages_lost 15)
		t_cmp "hugetlb: no page lost the guest's write" "${lost%.*}" -eq 0
		b2m=$(csv_val "$f" all sptes_2m_before 14)
		four=$(csv_val "$f" all sptes_4k_during 14)
		if [ "$b2m" = nan ] || [ -z "$b2m" ]; then
			skip "hugetlb: this kernel has no pages_2m stat"
		else
			t_cmp "hugetlb: 2M SPTEs before logging" "${b2m%.*}" -gt 0
			t_cmp "hugetlb: 4K SPTEs while logging >= pages dirtied" \
				"${four%.*}" -ge "${dirtied%.*}"
		fi
	fi
else
	skip "hugetlb: $hp_free free 2 MiB pages (16 needed)"
fi

# The check can fail: skip=5 leaves page 5 of the guest's range (vCPU 0's
# share) holding pass 1's value from pass 2 on. One line of the check's
# own, then the bench's line for every failed run; 70, a KVM error.
lost_pat="^zapvm: error: dirtylog: pass 2: 1 page lost the guest's write \
\(first: gfn 0x[0-9a-f]+ holds 1, not 2\): the guest's writes did not \
reach the VMM's mapping\$"
# Not in the nested rig: the check's failing path is zapvm's own and
# the same there, and two CI runs' L1s froze in this script on
# 2026-12-05 after these runs were added (a lone run there passes).
if in_rig; then
	skip "skip=5 and --ram-slots 2 skip=6000: checked on the host only"
elif t_run "dirtylog --args skip=5: the run fails" 70 "$lost_pat" -- \
	bench dirtylog --runs 1 --mem 32M --cpus 2 --policy all \
	--dirty-log bitmap --args "skip=5 rounds=1"; then
	t_cmp "skip=5: one line names the lost page" \
		"$(grep -c "dirtylog: pass" "$TMP/err")" -eq 1
	t_cmp "skip=5: and one the failed run" "$(wc -l <"$TMP/err")" -eq 2
	out_has "skip=5: the table counts the run as failed" "[1 failed, 0"
fi
# Two RAM slots: the guest's range spans both, so zapvm reads it page by
# page; page 6000 (24 MiB in) is in the second slot.
in_rig || t_run "--ram-slots 2, skip=6000: the run fails" 70 "$lost_pat" -- \
	bench dirtylog --runs 1 --mem 32M --cpus 2 --policy all \
	--dirty-log bitmap --ram-slots 2 --args "skip=6000 rounds=1"

# vcpustall populates with logging on: every page by a 4 KiB SPTE.
t_run "vcpustall --dirty-log bitmap, 1 run" 0 "" -- bench vcpustall \
	--runs 1 --mem 64M --policy all --dirty-log bitmap \
	--json "$TMP/vs.json" --csv "$TMP/vs.csv"
t_has_json "vcpustall: JSON names the mode" "$TMP/vs.json" \
	'"dirty_log": "bitmap"'
t_has_json "vcpustall: the table has a dirty-log column" "$TMP/out" \
	"^64M +1 +off +all +bitmap "
t_cmp "vcpustall: the CSV's dirty_log column (24) says bitmap" \
	"$(awk -F, '$1 == "cell" && $24 == "bitmap"' "$TMP/vs.csv" | wc -l)" -gt 0
sp=$(csv_val "$TMP/vs.csv" all sptes_4k 14)
if [ "$sp" = nan ] || [ -z "$sp" ]; then
	skip "vcpustall: this kernel has no pages_4k stat"
else
	t_cmp "vcpustall: 4K SPTEs >= the pages touched" "${sp%.*}" -ge 16000
fi

# zaplat needs the TDP MMU and the series' root-zap knob: refused here
# with or without --dirty-log, or it runs.
"$ZAPVM" bench zaplat --runs 1 --mem 64M --policy all --dirty-log bitmap \
	>"$TMP/out" 2>"$TMP/err"
st=$?
if [ "$st" -eq 69 ]; then
	# Or, on a CONFIG_KVM_PROVE_MMU kernel (the rig's debug flavour), the
	# root-zap knob that stays N.
	t_has_json "zaplat --dirty-log: refused with 'not supported'" \
		"$TMP/err" "^zapvm: error: (zaplat: not supported on this host: |--root-zap: cannot set .*tdp_mmu_zap_4k)"
	one_line "zaplat --dirty-log refused"
else
	t_cmp "zaplat --dirty-log bitmap ran" "$st" -eq 0
fi

# Bad input: one line, 64.
for bad in junk ring:100 bitmap,bitmap "bitmap,"; do
	t_run "--dirty-log '$bad' is a usage error" 64 "--dirty-log" -- \
		bench dirtylog --runs 1 --mem 64M --dirty-log "$bad"
	one_line "--dirty-log '$bad'"
done
# --policy all: a host without a slot-only zap refuses the default list
# first (69; the rig's stock L1).
t_run "dirtylog --dirty-log off measures nothing" 64 "measures nothing" -- \
	bench dirtylog --runs 1 --mem 64M --policy all --dirty-log off
one_line "dirtylog --dirty-log off"
t_run "boot --dirty-log is refused" 64 "goes with dirtylog, vcpustall" -- \
	bench boot --runs 1 --mem 64M --dirty-log bitmap
one_line "boot --dirty-log"

echo "1..$n"
[ "$failed" -eq 0 ]
