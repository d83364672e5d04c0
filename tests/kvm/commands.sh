#!/bin/sh
# caps, guests, demo.
. "$(dirname "$0")/lib.sh"
require_kvm

t_run "caps" 0 "" -- caps
grep -q "^mmu " "$TMP/out" && pass "caps names the MMU" || fail "caps names the MMU"
t_run "caps --json" 0 "" -- caps --json
grep -q '"max_memslots": *[1-9]' "$TMP/out" && pass "caps --json max_memslots" ||
	fail "caps --json max_memslots"
# The host MMU settings: THP's selected [word] as this host has it (null
# without THP), the vendor module's absent parameters null, never left out.
grep -q '"host_mmu": {' "$TMP/out" && pass "caps --json has host_mmu" ||
	fail "caps --json has host_mmu"
thp_file=/sys/kernel/mm/transparent_hugepage/enabled
if [ -r "$thp_file" ]; then
	want="\"$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$thp_file")\""
else
	want=null
fi
got=$(sed -n 's/^ *"transparent_hugepage_enabled": *\(.*\),\{0,1\}$/\1/p' "$TMP/out" | sed 's/,$//')
[ "$got" = "$want" ] && pass "caps --json transparent_hugepage_enabled is $want" ||
	fail "caps --json transparent_hugepage_enabled: got '$got', want $want"
for k in kvm_tdp_mmu kvm_intel_ept kvm_intel_eptad kvm_intel_pml kvm_amd_npt \
	kvm_nx_huge_pages kvm_nx_huge_pages_recovery_ratio \
	kvm_nx_huge_pages_recovery_period_ms kvm_eager_page_split \
	kvm_mmio_caching transparent_hugepage_defrag hugepages ksm_run \
	ksm_pages_sharing numa_balancing; do
	grep -q "\"$k\":" "$TMP/out" && pass "caps --json host_mmu.$k" ||
		fail "caps --json host_mmu.$k"
done
for m in kvm_intel kvm_amd; do
	[ -d "/sys/module/$m" ] && continue
	p=kvm_intel_ept
	[ $m = kvm_amd ] && p=kvm_amd_npt
	grep -q "\"$p\": null" "$TMP/out" && pass "no $m: $p is null" ||
		fail "no $m: $p is null"
done
t_run "caps, host MMU block" 0 "" -- caps
grep -q "^host MMU settings" "$TMP/out" && pass "caps: host MMU settings" ||
	fail "caps: host MMU settings"
grep -q "^  kvm.tdp_mmu " "$TMP/out" && pass "caps: kvm.tdp_mmu line" ||
	fail "caps: kvm.tdp_mmu line"
if [ ! -d /sys/module/kvm_amd ]; then
	grep -q "^  kvm_amd.npt  *n/a$" "$TMP/out" && pass "caps: npt n/a" ||
		fail "caps: npt n/a"
fi
t_run "run --json" 0 "" -- run --json "$TMP/run.json" builtin:touch
grep -q '"host_mmu": {' "$TMP/run.json" && pass "run --json has host_mmu" ||
	fail "run --json has host_mmu"
grep -q '"transparent_hugepage_defrag":' "$TMP/run.json" &&
	pass "run --json host_mmu.transparent_hugepage_defrag" ||
	fail "run --json host_mmu.transparent_hugepage_defrag"
t_run "guests" 0 "" -- guests
for g in touch romtoggle cow bootsim; do
	grep -q "^$g " "$TMP/out" && pass "guest $g listed" || fail "guest $g listed"
done
t_run "demo" 0 "" -- demo --json "$TMP/demo.json"
grep -q "^all " "$TMP/out" && pass "demo has a zap-all row" ||
	fail "demo has a zap-all row"
for k in policy faults_total faults_after_churn memslot_changes memslot_update_ms; do
	grep -q "\"$k\":" "$TMP/demo.json" && pass "demo JSON has $k" ||
		fail "demo JSON has $k"
done
grep -q '"host_mmu": {' "$TMP/demo.json" && pass "demo JSON has host_mmu" ||
	fail "demo JSON has host_mmu"
# The headline: the churn's cost per policy, traced where we may, else from
# bootsim's layout. The slot policy re-faults almost nothing (the ROM's own
# pages): at most a tenth of zap-all's.
demo_cost() { # FILE KEY: zap-all's and slot's KEY of churn_cost, as integers
	grep -A3 '"churn_cost": {' "$1" |
		sed -n "s/.*\"$2\": \([0-9.-]*\).*/\1/p" | cut -d. -f1 | tr '\n' ' '
}
# Without a slot-only zap (stock kernels before 6.12) only zap-all runs.
"$ZAPVM" caps --json 2>/dev/null | grep -q '"policy_slot": *true' &&
	runs=2 || runs=1
demo_check() { # LABEL FILE SOURCE
	set -- "$1" "$2" "$3" $(demo_cost "$2" refaults) $(demo_cost "$2" faults_over_floor)
	if [ $runs = 1 ]; then
		[ $# = 5 ] || { fail "$1: churn_cost of zap-all ($# words: $*)"; return; }
		set -- "$1" "$2" "$3" "$4" 0 "$5"
	fi
	[ $# -ge 6 ] || { fail "$1: churn_cost in both runs ($# words: $*)"; return; }
	t_cmp "$1: zap-all re-faults the re-read kernel (>= 100)" "$4" -ge 100
	t_cmp "$1: slot re-faults at most a tenth of zap-all" $(( $5 * 10 )) -le "$4"
	t_cmp "$1: zap-all's faults over the floor >= its re-faults" "$6" -ge "$4"
	t_cmp "$1: source $3 in every run" \
		"$(grep -c "\"source\": \"$3\"" "$2")" -eq $runs
}
out_has "demo leads with the churn's cost" "memslot churn cost: zap-all"
if grep -q "; traced)" "$TMP/out"; then
	demo_check "demo (traced)" "$TMP/demo.json" trace
else
	pass "# SKIP demo not traced here: $(grep -m1 trace "$TMP/err" || true)"
fi
t_run "demo --no-trace" 0 "" -- demo --no-trace --json "$TMP/demo-nt.json"
out_has "demo --no-trace: from the layout" "bootsim's layout floor; not traced"
demo_check "demo --no-trace" "$TMP/demo-nt.json" layout
t_run "version" 0 "" -- version
t_run "help" 0 "" -- help
finish
