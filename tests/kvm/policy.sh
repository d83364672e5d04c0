#!/bin/sh
# The zap policy is applied as asked, or refused clearly; slot-only zapping
# keeps other slots' mappings, zap-all does not.
. "$(dirname "$0")/lib.sh"
require_kvm

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")

t_run "policy all" 0 "" -- run --zap-policy all --json "$TMP/all.json" \
	--args "pages=2000 stride=8 toggles=4" builtin:romtoggle
all_after=$(json_num "$TMP/all.json" faults_after_churn)
all_changes=$(json_num "$TMP/all.json" memslot_changes)
t_cmp "toggles=4 gives 8 run-time memslot changes" "$all_changes" -eq 8
# Zap-all must re-fault what the guest touched before the churn (stride 8:
# the shadow MMU maps up to 8 neighbouring pages per fault).
t_cmp "zap-all re-faults the touched pages" "$all_after" -ge 2000

if [ "$slot_ok" = true ]; then
	t_run "policy slot" 0 "" -- run --zap-policy slot --json "$TMP/slot.json" \
		--args "pages=2000 stride=8 toggles=4" builtin:romtoggle
	slot_after=$(json_num "$TMP/slot.json" faults_after_churn)
	t_cmp "slot policy: re-faults after churn <= 1% of zap-all's" \
		$((slot_after * 100)) -le "$all_after"
	grep -q '"zap_interface": "KVM_' "$TMP/slot.json" &&
		pass "slot run names the interface it used" ||
		fail "slot run names the interface it used"
else
	t_run "policy slot refused where unsupported: exit 69" 69 \
		"not supported" -- run --zap-policy slot builtin:touch
fi
t_run "policy default" 0 "" -- run --zap-policy default builtin:romtoggle
finish
