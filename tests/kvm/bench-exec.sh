#!/bin/sh
# zapvm bench exec: a foreign VMM (testvmm running the romtoggle guest) as
# the guest of every run: the cells' faults and memslot changes, {mem}
# expanded per cell, the VMM and its arguments recorded; bad command lines
# and VMMs that fail.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
# Meson gives the test VMM; the nested rig's L1 (static busybox, no
# dynamic loader for it or for the preload library) does not.
[ -n "${TESTVMM:-}" ] && [ -n "${ROMTOGGLE:-}" ] ||
	skip_all "no test VMM (TESTVMM, ROMTOGGLE) given"

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")
if [ "$slot_ok" = true ]; then policies=all,slot; else policies=all; fi
ARGS="pages=2000 stride=8 toggles=4"
# The runs' console logs go to a directory in $TMPDIR: this test's own.
mkdir "$TMP/tmpdir" && export TMPDIR="$TMP/tmpdir"

# mean FILE POLICY MEM METRIC: a cell's mean, as an integer.
mean() {
	awk -F, -v p="$2" -v mem="$3" -v m="$4" '$1 == "cell" && $3 == p &&
		$5 == mem && $10 == m { printf "%d\n", $12 + 0.5; exit }' "$1"
}
# nruns FILE POLICY MEM METRIC: how many runs a cell's metric has.
nruns() {
	awk -F, -v p="$2" -v mem="$3" -v m="$4" '$1 == "cell" && $3 == p &&
		$5 == mem && $10 == m { print $11; exit }' "$1"
}
t_has() { # DESC FILE PATTERN
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}

t_run "bench exec: two policies, two --mem values, 2 runs each" 0 "" -- \
	bench exec --policy "$policies" --mem 64M,96M --runs 2 --boot-done \
	'VM 0 done' --csv "$TMP/x.csv" --json "$TMP/x.json" -- "$TESTVMM" \
	--mem '{mem}' "$ROMTOGGLE" "$ARGS"
t_cmp "CSV: one cell per policy and size" \
	"$(grep -c '^cell,exec,.*,faults_total,' "$TMP/x.csv")" -eq \
	$(( $(echo "$policies" | tr , '\n' | wc -l) * 2 ))
for mem in 64 96; do
	t_cmp "$mem M: both runs of the all cell counted" \
		"$(nruns "$TMP/x.csv" all $mem faults_total)" -eq 2
	all_total=$(mean "$TMP/x.csv" all $mem faults_total)
	all_after=$(mean "$TMP/x.csv" all $mem faults_after_churn)
	t_cmp "$mem M all: the churn re-faults the touched pages (~2000)" \
		"$all_after" -ge 2000
	t_cmp "$mem M all: faults to boot-done are all of them" \
		"$(mean "$TMP/x.csv" all $mem faults_boot)" -eq "$all_total"
	t_cmp "$mem M: 6 memslot adds (2 at set-up, 4 toggles)" \
		"$(mean "$TMP/x.csv" all $mem slot_add)" -eq 6
	t_cmp "$mem M: 4 memslot deletes" \
		"$(mean "$TMP/x.csv" all $mem slot_delete)" -eq 4
	t_cmp "$mem M: 10 memslot changes before boot-done" \
		"$(mean "$TMP/x.csv" all $mem slot_changes_boot)" -eq 10
	t_cmp "$mem M: time to boot-done measured in both runs" \
		"$(nruns "$TMP/x.csv" all $mem boot_ms)" -eq 2
	[ "$slot_ok" = true ] || continue
	slot_total=$(mean "$TMP/x.csv" slot $mem faults_total)
	t_cmp "$mem M: all's faults ~2x slot's (ratio x10 >= 19)" \
		$((all_total * 10)) -ge $((slot_total * 19))
	t_cmp "$mem M: all's faults ~2x slot's (ratio x10 <= 21)" \
		$((all_total * 10)) -le $((slot_total * 21))
	t_cmp "$mem M slot: re-faults after churn <= 1% of all's" \
		$(($(mean "$TMP/x.csv" slot $mem faults_after_churn) * 100)) \
		-le "$all_after"
done
t_has "CSV: the VMM's path" "$TMP/x.csv" "^# vmm: $TESTVMM; version: "
t_has "CSV: its arguments as given" "$TMP/x.csv" "^# vmm args: '--mem' '\{mem\}'"
t_has "CSV: a 64M cell's command line" "$TMP/x.csv" "^# cell 1: $TESTVMM --mem 64 "
t_has "CSV: a 96M cell's command line" "$TMP/x.csv" "^# cell [0-9]: $TESTVMM --mem 96 "
t_has "JSON: the VMM's resolved path" "$TMP/x.json" "\"path\": \"$TESTVMM\""
t_has "JSON: no version (testvmm has no --version)" "$TMP/x.json" '"version": null'
t_has "JSON: the argument template" "$TMP/x.json" '"\{mem\}"'
# The test VMM's RAM slot, as the preload library saw it: {mem} arrived.
runs=$(grep -c '"run": ' "$TMP/x.json")
t_cmp "JSON: every run's VMM had 64 or 96 MiB of RAM" \
	$(( $(grep -c '"ram_mib": 64,' "$TMP/x.json") + \
	    $(grep -c '"ram_mib": 96,' "$TMP/x.json") )) -eq "$runs"
t_cmp "JSON: half of them 96 MiB" \
	$(( $(grep -c '"ram_mib": 96,' "$TMP/x.json") * 2 )) -eq "$runs"
t_has "JSON: a cell's expanded argv" "$TMP/x.json" '"vmm_argv": \['
t_cmp "all runs ok: no console log left in \$TMPDIR" \
	"$(ls -A "$TMPDIR" | wc -l)" -eq 0

# No boot-done line: the run counts, its boot metrics are missing, said.
t_run "no --boot-done match: a warning, exit 0" 0 \
	"no console line matched --boot-done" -- bench exec --policy all \
	--runs 1 --mem 64M --csv "$TMP/nb.csv" -- "$TESTVMM" --mem '{mem}' \
	"$ROMTOGGLE" "pages=10"
t_cmp "no match: boot_ms has no run" "$(nruns "$TMP/nb.csv" all 64 boot_ms)" -eq 0
t_cmp "no match: faults_total has its run" \
	"$(nruns "$TMP/nb.csv" all 64 faults_total)" -eq 1

# --until boot-done stops a VMM that would hold 60 s.
start=$(date +%s)
t_run "--until boot-done stops each run there" 0 "" -- bench exec --policy \
	all --runs 2 --boot-done 'VM 0 done' --until boot-done --csv \
	"$TMP/ub.csv" -- "$TESTVMM" --hold 60 "$ROMTOGGLE" "pages=10"
t_cmp "--until: well before the VMM's 60 s" $(( $(date +%s) - start )) -lt 20
t_cmp "--until: both runs counted" \
	"$(awk -F, '$1 == "cell" && $10 == "boot_ms" { print $11 }' "$TMP/ub.csv")" -eq 2

# A VMM that fails every run: the cells say so, bench exits with its status.
t_run "a VMM exiting 7 every run: exit 7" 7 "the VMM exited with status 7" \
	-- bench exec --policy all --runs 2 --json "$TMP/f.json" -- \
	"$TESTVMM" --exit 7 "$ROMTOGGLE" "pages=10"
out_has "the table marks the cell" "[2 failed, 0 interrupted]"
t_has "JSON: runs_failed 2" "$TMP/f.json" '"runs_failed": 2'
t_has "JSON: the failed run's exit status" "$TMP/f.json" '"exit": 7'
flog=$(sed -n 's/.*console log \(.*\.log\)$/\1/p' "$TMP/err" | head -n 1)
case $flog in "$TMPDIR"/zapvm-bench-exec.*/cell1-*-run1.log) ;; *) flog= ;; esac
[ -n "$flog" ] && grep -q "the VMM exited with status 7" "$flog" &&
	pass "the failed run's console log is kept, with why" ||
	{ fail "the failed run's console log is kept, with why"; diag "$TMP/err"; }
t_run "a VMM making no VM: its status 3" 3 "" -- bench exec --policy all \
	--runs 1 -- "$TESTVMM" --no-vm

# SIGTERM to bench: the run's VMM gets it through exec, bench writes what
# it has and exits 130; no VMM is left behind.
"$ZAPVM" bench exec --policy all --runs 1 --guest-log "$TMP/logs" --json \
	"$TMP/int.json" -- "$TESTVMM" --hold 60 "$ROMTOGGLE" "pages=10" \
	>"$TMP/int.out" 2>&1 &
bpid=$!
i=0
while [ $i -lt 100 ] && ! cat "$TMP"/logs/*.log 2>/dev/null | grep -q holding; do
	sleep 0.1
	i=$((i + 1))
done
vpid=$(cat "$TMP"/logs/*.log 2>/dev/null | sed -n 's/.*holding pid \([0-9]*\).*/\1/p')
kill -TERM $bpid
wait $bpid
t_cmp "SIGTERM: bench exits 130" $? -eq 130
t_has "SIGTERM: the JSON says interrupted" "$TMP/int.json" '"runs_interrupted": 1'
t_cmp "SIGTERM: the run's VMM had started (its pid)" "${vpid:-0}" -gt 0
if [ -n "$vpid" ] && kill -0 "$vpid" 2>/dev/null; then
	fail "SIGTERM: the VMM $vpid is gone"
	kill -KILL "$vpid"
else
	pass "SIGTERM: the VMM is gone"
fi

# Bad command lines, found before any run.
t_run "no VMM after --: 64" 64 "no VMM after --" -- bench exec --runs 1 --
one_line "no VMM"
t_run "bench exec without --: 64" 64 "takes its VMM after --" -- bench exec \
	"$TESTVMM"
t_run "VMM not found: 66" 66 "not found" -- bench exec --runs 1 -- \
	zapvm-no-such-vmm
one_line "VMM not found"
: >"$TMP/notexec"
t_run "VMM not executable: 77" 77 "not an executable" -- bench exec -- \
	"$TMP/notexec"
t_run "a placeholder typo {mme}: 64" 64 "unknown placeholder \{mme\}" -- \
	bench exec --mem 64M -- "$TESTVMM" --mem '{mme}' "$ROMTOGGLE"
one_line "placeholder typo"
t_run "--mem list without {mem}: 64" 64 "needs \{mem\}" -- bench exec \
	--mem 64M,96M -- "$TESTVMM" "$ROMTOGGLE"
one_line "--mem without {mem}"
t_run "bench exec --kernel: 64" 64 "not for an external VMM" -- bench exec \
	--kernel /nonexistent -- "$TESTVMM" "$ROMTOGGLE"
if [ -n "${TESTVMM_STATIC:-}" ]; then
	t_run "a static VMM: 69, pointing to attach" 69 "zapvm attach" -- \
		bench exec -- "$TESTVMM_STATIC" "$ROMTOGGLE"
else
	pass "# SKIP no static testvmm"
fi

# QEMU with SeaBIOS (this host's PVM runs the POST), stopped at SeaBIOS's
# boot line: a real VMM's version and memslot changes are recorded.
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
	t_run "QEMU + SeaBIOS under bench exec" 0 "" -- bench exec --policy all \
		--runs 1 --mem 128M --boot-done 'Booting from|No bootable device' \
		--until boot-done --timeout 120 --csv "$TMP/q.csv" -- \
		qemu-system-x86_64 -accel kvm -M pc -m '{mem}' -nographic \
		-nodefaults -serial stdio -monitor none
	t_has "QEMU: its --version line recorded" "$TMP/q.csv" \
		"^# vmm: .*qemu-system-x86_64; version: QEMU emulator version"
	t_has "QEMU: -m {mem} became -m 128" "$TMP/q.csv" \
	"^# command \\(every cell\\): .* -m 128 "
	t_cmp "QEMU: memslot changes before SeaBIOS's boot line" \
		"$(mean "$TMP/q.csv" all 128 slot_changes_boot)" -gt 0
else
	pass "# SKIP qemu-system-x86_64 not installed"
fi
finish
