#!/bin/sh
# zapvm exec --trace, --trace-gfns, --sample-ms, --plot: the test VMM
# (testvmm running romtoggle) traced from outside through the vCPU thread
# the preload library names. The same figures as `zapvm run --trace` gets
# for the same guest; the refusals of bad input.
. "$(dirname "$0")/lib.sh"
require_kvm
[ -n "${TESTVMM:-}" ] && [ -n "${ROMTOGGLE:-}" ] ||
	skip_all "no test VMM (TESTVMM, ROMTOGGLE) given"

ARGS="pages=2000 stride=8 toggles=4"
"$ZAPVM" caps --json >"$TMP/caps.json" 2>/dev/null
count() { grep -Ec -- "$2" "$1"; }

# Bad input first: these need no tracing permission.
t_run "--sample-ms 0: 64" 64 "expected a period" -- exec --sample-ms 0 \
	--json "$TMP/x.json" -- "$TESTVMM" "$ROMTOGGLE" pages=10
one_line "--sample-ms 0"
t_run "--sample-ms without --json or --plot: 64" 64 "goes with" -- exec \
	--sample-ms 5 -- "$TESTVMM" "$ROMTOGGLE" pages=10
one_line "--sample-ms alone"
t_run "--plot into a missing directory: 74, before the VMM ran" 74 "" -- \
	exec --plot "$TMP/none/p.svg" -- "$TESTVMM" "$ROMTOGGLE" pages=10
one_line "--plot missing directory"
[ ! -s "$TMP/out" ] && pass "--plot refused before the VMM ran" ||
	fail "--plot refused before the VMM ran"
t_run "--trace-gfns into a missing directory: 74" 74 "" -- exec \
	--trace-gfns "$TMP/none/g.csv" -- "$TESTVMM" "$ROMTOGGLE" pages=10
one_line "--trace-gfns missing directory"
t_run "--trace=bogus: 64" 64 "expected all, required" -- exec \
	--trace=bogus -- "$TESTVMM" "$ROMTOGGLE" pages=10
one_line "--trace=bogus"

# The timeline needs no trace: samples, one memslot event per change.
t_run "--sample-ms 5 --json" 0 "" -- exec --sample-ms 5 --json \
	"$TMP/tl.json" -- "$TESTVMM" "$ROMTOGGLE" "$ARGS"
t_cmp "timeline: samples taken" \
	"$(count "$TMP/tl.json" '"t_ms": [0-9.]+,$')" -ge 2
t_cmp "timeline: one memslot event per run-time change (8)" \
	"$(count "$TMP/tl.json" '"kind": "memslot"')" -eq 8
grep -q '"interval_ms": 5' "$TMP/tl.json" && pass "timeline: its interval" ||
	fail "timeline: its interval"
if command -v gnuplot >/dev/null 2>&1; then
	t_run "--plot" 0 "" -- exec --sample-ms 5 --plot "$TMP/p.svg" -- \
		"$TESTVMM" "$ROMTOGGLE" "$ARGS"
	grep -q '<svg' "$TMP/p.svg" && pass "--plot: an SVG" ||
		fail "--plot: an SVG"
else
	skip "gnuplot is not installed"
fi
PATH=/nonexistent "$ZAPVM" exec --sample-ms 5 --json "$TMP/g.json" --plot \
	"$TMP/g.svg" -- "$TESTVMM" "$ROMTOGGLE" pages=10 >"$TMP/out" 2>"$TMP/err"
t_cmp "gnuplot missing: the VMM's status (0)" $? -eq 0
grep -q "gnuplot is not installed" "$TMP/err" && pass "gnuplot missing: said" ||
	{ fail "gnuplot missing: said"; diag "$TMP/err"; }
[ ! -e "$TMP/g.svg" ] && grep -q '"timeline": {' "$TMP/g.json" &&
	pass "gnuplot missing: no SVG, the timeline kept" ||
	fail "gnuplot missing: no SVG, the timeline kept"

[ "$(id -u)" -eq 0 ] || { skip "--trace needs root here"; finish; exit; }
"$ZAPVM" exec --trace=required -- "$TESTVMM" "$ROMTOGGLE" pages=10 \
	>/dev/null 2>"$TMP/probe"
case $? in
0) ;;
77) skip "no tracing here: $(head -n 1 "$TMP/probe")"; finish; exit ;;
*) fail "exec --trace=required pages=10"; diag "$TMP/probe"; finish; exit ;;
esac

t_run "exec --trace --zap-policy all" 0 "" -- exec --trace --stats \
	--zap-policy all --json "$TMP/all.json" --trace-gfns "$TMP/all.csv" \
	-- "$TESTVMM" "$ROMTOGGLE" "$ARGS"
cp "$TMP/out" "$TMP/all.out"
out_has "the events that fired are named" "kvm_mmu_spte_requested"
grep -Eq 'VM 0: exit 0, .* wall [0-9.]+ ms, floor [0-9]+ GFNs, [0-9]+ re-faults$' \
	"$TMP/all.out" && pass "exec's summary line gains the floor" ||
	fail "exec's summary line gains the floor"
all=$(churn_refaults "$TMP/all.out")
pf=$(pf_after "$TMP/all.out")
t_cmp "zap-all: re-faults after churn, about the 2000 pages" "$all" -ge 1990
t_cmp "zap-all: at most the faults after churn (pf_taken $pf)" "$all" -le "$pf"
t_cmp "zap-all: re-faults close to pf_taken after churn" \
	"$((pf - all))" -le "$((pf / 20 + 16))"
t_cmp "JSON result.refaults is the summary's" \
	"$(json_num "$TMP/all.json" refaults)" -eq "$all"
t_cmp "JSON: every phase (9) carries its trace, and the run one" \
	"$(count "$TMP/all.json" '"trace": \{')" -eq 10
grep -q '"slot1-ro": {' "$TMP/all.json" &&
	pass "JSON: the read-only slot is a region of its own" ||
	fail "JSON: the read-only slot is a region of its own"
head -n 1 "$TMP/all.csv" |
	grep -q '^time_ns,vcpu,gfn,level,phase,region,refault,error_code,vm$' &&
	pass "--trace-gfns CSV header (run's, and vm)" ||
	fail "--trace-gfns CSV header (run's, and vm)"
rows=$(($(wc -l <"$TMP/all.csv") - 1))
t_cmp "one CSV row per traced fault" "$rows" -eq \
	"$(sed -n 's/^zapvm: trace: \([0-9]*\) faults.*/\1/p' "$TMP/all.out")"
t_cmp "traced faults at most pf_taken" "$rows" -le \
	"$(json_num "$TMP/all.json" faults_total)"
t_cmp "CSV: RAM (slot0) re-faults present" \
	"$(awk -F, 'NR > 1 && $7 == 1 && $6 == "slot0"' "$TMP/all.csv" | wc -l)" \
	-ge 1990

t_run "--trace --sample-ms: traced counts in the samples" 0 "" -- exec \
	--trace --sample-ms 5 --json "$TMP/tt.json" -- "$TESTVMM" "$ROMTOGGLE" \
	"$ARGS"
t_cmp "the last sample's traced faults are the trace's" \
	"$(sed -n '/"timeline": {/,$p' "$TMP/tt.json" |
		sed -n 's/^ *"faults": \([0-9]*\),*$/\1/p' | tail -n 1)" -eq \
	"$(sed -n 's/^zapvm: trace: \([0-9]*\) faults.*/\1/p' "$TMP/out")"

# The floor: the pages touched plus the guest's own, as run measures it.
fa=$(floor "$TMP/all.out")
"$ZAPVM" run --trace --args "$ARGS" builtin:romtoggle >"$TMP/run.out" 2>&1
t_cmp "floor: exec's is run's for the same guest ($(floor "$TMP/run.out"))" \
	"$fa" -eq "$(floor "$TMP/run.out")"
t_run "exec --trace pages=10" 0 "" -- exec --trace -- "$TESTVMM" \
	"$ROMTOGGLE" "pages=10 stride=8 toggles=4"
f10=$(floor "$TMP/out")
n10=$(sed -n 's/^zapvm: trace: \([0-9]*\) faults.*/\1/p' "$TMP/out")
t_cmp "floor(pages=2000) - floor(pages=10) == 1990" "$((fa - f10))" -eq 1990
t_cmp "the guest's own pages are a few" "$((f10 - 10))" -le 16

if grep -q '"policy_slot": *true' "$TMP/caps.json"; then
	t_run "exec --trace --zap-policy slot" 0 "" -- exec --trace --stats \
		--zap-policy slot -- "$TESTVMM" "$ROMTOGGLE" "$ARGS"
	t_cmp "slot: about no re-faults after churn" \
		"$(churn_refaults "$TMP/out")" -le 16
else
	skip "no slot-only zap on this kernel: the slot policy's re-faults"
fi

# Two VMs run one after the other on one thread: each its own faults.
t_run "two VMs on one thread: traced apart" 0 "" -- exec --trace --stats \
	--trace-gfns "$TMP/two.csv" -- "$TESTVMM" --vms 2 "$ROMTOGGLE" \
	"pages=10 stride=8 toggles=4"
t_cmp "two VMs: two trace lines" \
	"$(count "$TMP/out" '^zapvm: trace: ')" -eq 2
t_cmp "two VMs: VM 1's floor is one VM's" \
	"$(sed -n 's/.*VM 1: .*, floor \([0-9]*\) GFNs.*/\1/p' "$TMP/out")" \
	-eq "$f10"
t_cmp "two VMs: VM 0's floor is one VM's" \
	"$(sed -n 's/.*VM 0: .*, floor \([0-9]*\) GFNs.*/\1/p' "$TMP/out")" \
	-eq "$f10"
# VM 0's trace lets the thread go when it starts VM 1's vCPU: VM 0 does
# not count VM 1's faults (it would have about twice one VM's).
t_cmp "two VMs: VM 0's faults are one VM's, not two ($n10)" \
	"$(sed -n 's/^zapvm: trace: \([0-9]*\) faults.*/\1/p' "$TMP/out" |
		head -n 1)" -le "$((n10 + 4))"
t_cmp "two VMs: CSV rows of VM 1" \
	"$(awk -F, 'NR > 1 && $9 == 1' "$TMP/two.csv" | wc -l)" -ge "$f10"

# Without permission (nobody, in /dev/kvm's group): one line; 77 if required.
if can_drop_root; then
	as_nobody "$ZAPVM" exec \
		--trace=required -- "$TESTVMM" "$ROMTOGGLE" pages=10 \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	[ $st -eq 77 ] && pass "--trace=required without permission: exit 77" ||
		{ fail "--trace=required without permission: exit $st"
		  diag "$TMP/err"; }
	one_line "--trace=required without permission"
	[ ! -s "$TMP/out" ] && pass "refused before the VMM ran" ||
		fail "refused before the VMM ran"
else
	skip "no util-linux setpriv, or /dev/kvm not group-accessible"
fi
finish
