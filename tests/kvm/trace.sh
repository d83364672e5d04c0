#!/bin/sh
# --trace: faults by GFN from KVM's tracepoints. Re-faults after memslot
# churn under each zap policy, the floor of the touch guest, the refusal
# without permission, and the overhead (printed, not asserted).
. "$(dirname "$0")/lib.sh"
require_kvm

[ "$(id -u)" -eq 0 ] || skip_all "--trace needs root here"
# Mounts tracefs if it must, so a missing tracefs is a skip, not a failure.
"$ZAPVM" run --trace=required builtin:exit >/dev/null 2>"$TMP/probe"
case $? in
0) ;;
77) skip_all "no tracing here: $(head -n 1 "$TMP/probe")" ;;
*) echo "Bail out! run --trace=required builtin:exit failed"
   diag "$TMP/probe"; exit 1 ;;
esac

args='pages=2000 stride=8 toggles=4'
# --trace=all: kvm_exit and kvm_page_fault too (exits by reason, error
# codes); the slot run below traces the default set.
t_run "romtoggle --trace=all --zap-policy all" 0 "" -- run --trace=all --stats \
	--json "$TMP/all.json" --trace-gfns "$TMP/all.csv" --zap-policy all \
	--args "$args" builtin:romtoggle
cp "$TMP/out" "$TMP/all.out"
out_has "the events that fired are named" "kvm_mmu_spte_requested"
out_has "the summary line gains the floor" ", floor "
all=$(churn_refaults "$TMP/all.out")
pf=$(pf_after "$TMP/all.out")
# Every page is re-touched after the churn zapped them all: about 2000.
t_cmp "zap-all: re-faults after churn, about the 2000 pages" "$all" -ge 1990
t_cmp "zap-all: at most the faults after churn (pf_taken $pf)" "$all" -le "$pf"
t_cmp "zap-all: re-faults close to pf_taken after churn" \
	"$((pf - all))" -le "$((pf / 20 + 16))"
retouch=$(sed -n '/^trace phase [0-9]* retouch/,/^trace phase/p' \
	"$TMP/all.out" | sed -n 's/^  all *[0-9]* faults *[0-9]* first *\([0-9]*\) re-faults.*/\1/p' | head -n 1)
t_cmp "zap-all: the retouch phase re-faults its pages" "$retouch" -ge 1990
jr=$(json_num "$TMP/all.json" refaults)
t_cmp "JSON result.refaults is the summary's" "$jr" -eq "$all"
grep -q '"trace": {' "$TMP/all.json" && pass "JSON phases carry trace" ||
	fail "JSON phases carry trace"
grep -q '"regions": {' "$TMP/all.json" && pass "JSON per-region counts" ||
	fail "JSON per-region counts"
head -n 1 "$TMP/all.csv" | grep -q '^time_ns,vcpu,gfn,level,phase,region,refault,error_code$' &&
	pass "--trace-gfns CSV header" || fail "--trace-gfns CSV header"
rows=$(($(wc -l <"$TMP/all.csv") - 1))
total=$(json_num "$TMP/all.json" faults_total)
t_cmp "one CSV row per traced fault" "$rows" -eq \
	"$(sed -n 's/^zapvm: trace: \([0-9]*\) faults.*/\1/p' "$TMP/all.out")"
t_cmp "traced faults at most pf_taken" "$rows" -le "$total"
csv_re=$(awk -F, 'NR > 1 && $7 == 1 && $6 == "ram"' "$TMP/all.csv" | wc -l)
t_cmp "CSV: RAM re-faults present" "$csv_re" -ge 1990
# kvm_exit by reason where it fires (VMX, SVM: the rig's L1; not PVM): every
# fault of a TDP MMU is an EPT violation / NPF exit first.
if grep -Eq "not on this host:.*kvm_exit|kvm_exit 0(,|;|$)" "$TMP/all.out"; then
	skip "kvm:kvm_exit does not fire here: exits by reason"
else
	tdp=$(sed -n '/kvm_exit by reason/{n;p}' "$TMP/all.out" |
		tr ',' '\n' | sed -n 's/^ *\(exits: \)\{0,1\}\(npf\|ept_violation\) \([0-9]*\)$/\3/p')
	t_cmp "exits by reason: NPF/EPT-violation exits >= the 4000 faults" \
		"${tdp:-0}" -ge 4000
	grep -q '"exits": {' "$TMP/all.json" && pass "JSON: exits by reason" ||
		fail "JSON: exits by reason"
	# Where kvm_exit fires, kvm_page_fault does: each NPF/EPT fault's
	# error code reaches its CSV row (the 2000 touched pages at least).
	t_cmp "CSV: faults with their kvm_page_fault error code" \
		"$(awk -F, 'NR > 1 && $8 ~ /^0x/' "$TMP/all.csv" | wc -l)" -ge 2000
fi

# Only where the kernel has a slot-only zap (6.12+ quirk or the series).
"$ZAPVM" caps --json >"$TMP/caps.json" 2>/dev/null
if grep -q '"policy_slot": *true' "$TMP/caps.json"; then
	t_run "romtoggle --trace --zap-policy slot" 0 "" -- run --trace \
		--stats --zap-policy slot --args "$args" builtin:romtoggle
	slot=$(churn_refaults "$TMP/out")
	t_cmp "slot: about no re-faults after churn" "$slot" -le 16
	# Plain --trace leaves kvm_exit and kvm_page_fault to --trace=all;
	# --trace-gfns takes kvm_page_fault for its error codes.
	if grep -Eq "not on this host:.*kvm_exit|kvm_exit 0(,|;|$)" "$TMP/all.out"; then
		skip "kvm:kvm_exit does not fire here: not traced by default"
		skip "kvm:kvm_page_fault does not fire here: --trace-gfns error codes"
	else
		out_has "--trace: kvm_exit and kvm_page_fault not traced" \
			"not traced (--trace=all): kvm_page_fault, kvm_exit"
		t_run "slot --trace-gfns" 0 "" -- run --trace-gfns "$TMP/s.csv" \
			--zap-policy slot --args "$args" builtin:romtoggle
		out_has "--trace-gfns: kvm_page_fault traced, kvm_exit not" \
			"not traced (--trace=all): kvm_exit"
		t_cmp "--trace-gfns: the faults carry their error codes" \
			"$(awk -F, 'NR > 1 && $8 ~ /^0x/' "$TMP/s.csv" | wc -l)" -ge 2000
	fi
	# kvm_tdp_mmu_spte_changed counts zaps only (TDP MMU: the rig): the
	# slot policy zaps the ROM's few SPTEs, not the 2000 pages' it mapped.
	chg=$(sed -n 's/^zapvm: trace events:.*kvm_tdp_mmu_spte_changed \([0-9]*\).*/\1/p' \
		"$TMP/out")
	if [ -n "$chg" ]; then
		t_cmp "slot: spte_changed counts zaps, not the faults' installs" \
			"$chg" -lt 1000
	else
		skip "no kvm_tdp_mmu_spte_changed here (not the TDP MMU)"
	fi
else
	skip "no slot-only zap on this kernel: the slot policy's re-faults"
fi

# The floor of touch: N pages plus the guest's own (image, stack, TLS,
# FDT), the same for every N: floor(N) - floor(1) == N - 1.
t_run "touch pages=1 --trace" 0 "" -- run --trace --args pages=1 builtin:touch
f1=$(floor "$TMP/out")
t_cmp "the guest's own pages are a few" "$f1" -le 16
for N in 100 3000; do
	t_run "touch pages=$N --trace" 0 "" -- run --trace --args "pages=$N" \
		builtin:touch
	fN=$(floor "$TMP/out")
	t_cmp "touch pages=$N: floor - floor(pages=1) == N - 1" \
		"$((fN - f1))" -eq "$((N - 1))"
done

t_run "--trace=bogus: usage error" 64 "expected all, required" -- \
	run --trace=bogus builtin:exit
one_line "--trace=bogus"

# Without permission (nobody, in /dev/kvm's group): one line; 77 if required.
if can_drop_root; then
	as_nobody "$ZAPVM" run \
		--trace=required builtin:exit >/dev/null 2>"$TMP/err"
	st=$?
	[ $st -eq 77 ] && pass "--trace=required without permission: exit 77" ||
		{ fail "--trace=required without permission: exit $st"
		  diag "$TMP/err"; }
	one_line "--trace=required without permission"
	as_nobody "$ZAPVM" run \
		--trace builtin:exit >/dev/null 2>"$TMP/err"
	st=$?
	[ $st -eq 0 ] && pass "--trace without permission: the run goes on" ||
		{ fail "--trace without permission: exit $st"; diag "$TMP/err"; }
	grep -q 'running without the trace' "$TMP/err" &&
		pass "and says so" || { fail "and says so"; diag "$TMP/err"; }
	one_line "--trace without permission"
else
	pass "# SKIP no util-linux setpriv, or /dev/kvm not group-accessible"
fi

# Overhead: the same run with and without --trace, wall times side by side.
"$ZAPVM" run -v --stats --args 'pages=20000' builtin:touch >"$TMP/plain" 2>&1
"$ZAPVM" run -v --stats --trace --args 'pages=20000' builtin:touch \
	>"$TMP/traced" 2>&1
w0=$(sed -n 's/.*, wall \([0-9.]*\) ms.*/\1/p' "$TMP/plain")
w1=$(sed -n 's/.*, wall \([0-9.]*\) ms.*/\1/p' "$TMP/traced")
echo "# overhead: touch pages=20000 wall $w0 ms without --trace, $w1 ms with"
[ -n "$w0" ] && [ -n "$w1" ] && pass "overhead measured" ||
	fail "overhead measured"
finish
