#!/bin/sh
# caps, guests, demo.
. "$(dirname "$0")/lib.sh"
require_kvm

t_run "caps" 0 "" -- caps
grep -q "^mmu " "$TMP/out" && pass "caps names the MMU" || fail "caps names the MMU"
t_run "caps --json" 0 "" -- caps --json
grep -q '"max_memslots": *[1-9]' "$TMP/out" && pass "caps --json max_memslots" ||
	fail "caps --json max_memslots"
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
t_run "version" 0 "" -- version
t_run "help" 0 "" -- help
finish
