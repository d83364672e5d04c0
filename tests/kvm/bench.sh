#!/bin/sh
# zapvm bench with tiny sizes: the runnable scenarios write a table, CSV and
# JSON with the environment; bad values are usage errors; what the host
# cannot run is refused with "not supported" and 69; Ctrl-C keeps results.
. "$(dirname "$0")/lib.sh"
require_kvm

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")
if [ "$slot_ok" = true ]; then policies=all,slot; else policies=all; fi

# csv_val FILE POLICY METRIC COLUMN: a cell row's value (columns from 1).
csv_val() {
	awk -F, -v p="$2" -v m="$3" -v c="$4" \
		'$1 == "cell" && $3 == p && $10 == m { print $c; exit }' "$1"
}

t_has() { # DESC FILE PATTERN
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}

# ---- boot ----
t_run "bench boot, 2 runs, 32M" 0 "" -- bench boot --runs 2 --mem 32M \
	--policy "$policies" --csv "$TMP/boot.csv" --json "$TMP/boot.json"
t_has "table names the MMU" "$TMP/out" "MMU [a-z-]+ \\(tdp_mmu"
t_has "table has an all row" "$TMP/out" "^32M +1 +off +all "
t_has "CSV header" "$TMP/boot.csv" \
	"^kind,scenario,policy,thp,mem_mib,cpus,prefetch,root_zap,zap_interface,metric,n,mean,sd,min,max,ci95_lo,ci95_hi,floor$"
for k in command host_kernel mmu tdp_mmu thp_enabled; do
	t_has "CSV records $k" "$TMP/boot.csv" "^# .*$k"
done
for m in faults_boot faults_total faults_after_churn memslot_ms wall_ms; do
	t_has "CSV has $m" "$TMP/boot.csv" "^cell,boot,all,off,32,1,.*,$m,2,"
done
for k in '"zapvm"' '"command"' '"environment"' '"thp_enabled"' '"mmu"' \
	'"tdp_mmu"' '"zap_interfaces"' '"zap_interface"' '"cells"' '"ratios"' \
	'"floors"' '"frames_4k"' '"regions_2m"' '"ci95"' '"sd"' '"phases"'; do
	t_has "JSON has $k" "$TMP/boot.json" "$k:"
done
total=$(csv_val "$TMP/boot.csv" all faults_total 12)
floor=$(csv_val "$TMP/boot.csv" all faults_total 18)
t_cmp "zap-all boot faults at least the 4K floor" "${total%.*}" -ge "${floor%.*}"
if [ "$slot_ok" = true ]; then
	t_has "CSV has the slot/all ratio" "$TMP/boot.csv" \
		"^ratio,boot,slot/all,off,32,1,.*,faults_total,"
	all_after=$(csv_val "$TMP/boot.csv" all faults_after_churn 12)
	slot_after=$(csv_val "$TMP/boot.csv" slot faults_after_churn 12)
	t_cmp "slot policy: no more faults after churn than zap-all" \
		"${slot_after%.*}" -le "${all_after%.*}"
else
	t_run "bench --policy slot refused: 69" 69 "not supported on this host" \
		-- bench boot --runs 1 --mem 32M --policy slot
fi

# ---- memslot ----
t_run "bench memslot, 2 runs, 32M, 2 vCPUs, 2 jobs" 0 "" -- bench memslot \
	--runs 2 --mem 32M --cpus 2 --jobs 2 --policy "$policies" \
	--csv "$TMP/mem.csv" --json "$TMP/mem.json"
for m in faults_touch delete_ms readd_ms faults_retouch retouch_ms; do
	t_has "memslot CSV has $m" "$TMP/mem.csv" "^cell,memslot,all,off,32,2,.*,$m,2,"
done
touch_n=$(csv_val "$TMP/mem.csv" all faults_touch 12)
refault=$(csv_val "$TMP/mem.csv" all faults_retouch 12)
t_cmp "zap-all re-faults every touched page" "${refault%.*}" -ge $((${touch_n%.*} - 2))
if [ "$slot_ok" = true ]; then
	slot_refault=$(csv_val "$TMP/mem.csv" slot faults_retouch 12)
	t_cmp "slot policy: re-faults <= 1% of zap-all's" \
		$((${slot_refault%.*} * 100)) -le "${refault%.*}"
fi

# ---- plot ----
if command -v gnuplot >/dev/null 2>&1; then
	t_run "bench --plot" 0 "" -- bench boot --runs 1 --mem 32M --policy all \
		--plot "$TMP/boot.svg"
	t_has "plot is an SVG" "$TMP/boot.svg" "<svg"
fi
# Without gnuplot: a clear message, CSV still written, success.
env PATH=/nonexistent "$ZAPVM" bench boot --runs 1 --mem 32M --policy all \
	--plot "$TMP/none.svg" --csv "$TMP/noplot.csv" >"$TMP/out" 2>"$TMP/err"
t_cmp "bench --plot without gnuplot: exit 0" $? -eq 0
t_has "bench --plot without gnuplot: says so" "$TMP/err" "gnuplot is not installed"
[ ! -e "$TMP/none.svg" ] && [ -s "$TMP/noplot.csv" ] &&
	pass "no SVG, CSV written" || fail "no SVG, CSV written"

# ---- usage errors (64) ----
t_run "unknown scenario" 64 "unknown scenario" -- bench frobnicate
t_run "no scenario" 64 "" -- bench
t_run "--policy bogus" 64 "--policy" -- bench boot --policy all,bogus
t_run "--thp maybe" 64 "--thp" -- bench boot --thp maybe
t_run "--mem 1Z" 64 "--mem" -- bench boot --mem 512M,1Z
t_run "--mem below 16M" 64 "--mem" -- bench boot --mem 8M
t_run "--cpus 0" 64 "--cpus" -- bench boot --cpus 0
t_run "--runs 0" 64 "--runs" -- bench boot --runs 0
t_run "--jobs x" 64 "--jobs" -- bench boot --jobs x
t_run "--prefetch maybe" 64 "--prefetch" -- bench boot --prefetch maybe
t_run "--root-zap 2m" 64 "--root-zap" -- bench boot --root-zap 2m

# ---- what the host cannot run (69), never a number ----
for s in zaplat vcpustall; do
	t_run "bench $s refused: 69" 69 "^zapvm: error: $s: not supported" -- bench $s
	[ ! -s "$TMP/out" ] && pass "bench $s prints no table" ||
		fail "bench $s prints no table"
done
"$ZAPVM" bench cow --runs 1 --mem 32M >"$TMP/out" 2>"$TMP/err"
got=$?
if [ "$got" -eq 69 ] && grep -q "cow: not supported on this host" "$TMP/err"; then
	pass "bench cow refused here: 69, not supported on this host"
elif [ "$got" -eq 0 ]; then
	pass "bench cow runs on this host"
else
	fail "bench cow (exit $got)"
	diag "$TMP/err"
fi
if [ ! -e /sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch ]; then
	t_run "--prefetch without the series knob: 69" 69 \
		"not supported on this host: .*tdp_mmu_change_pte_prefetch" \
		-- bench boot --policy all --prefetch on,off
fi
if [ ! -e /sys/module/kvm/parameters/tdp_mmu_zap_4k ]; then
	t_run "--root-zap without the series knob: 69" 69 \
		"not supported on this host: .*tdp_mmu_zap_4k" \
		-- bench boot --policy all --root-zap 4k,1g
fi

# ---- Ctrl-C: stop cleanly, keep finished runs, exit 130 ----
"$ZAPVM" bench memslot --runs 200 --mem 32M --policy all \
	--json "$TMP/int.json" >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
got=$?
t_cmp "SIGINT: exit 130" "$got" -eq 130
t_has "SIGINT: JSON written, marked interrupted" "$TMP/int.json" '"interrupted": true'
ok_runs=$(json_num "$TMP/int.json" runs_ok)
t_cmp "SIGINT: finished runs kept" "${ok_runs:-0}" -ge 1
t_has "SIGINT: table says so" "$TMP/out" "INTERRUPTED"
finish
