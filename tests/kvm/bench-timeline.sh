#!/bin/sh
# bench --timeline, --sample-ms: run 1 of each cell sampled as run
# --sample-ms samples a run; each cell's timeline in --json (samples from
# time 0 whose faults add up to the run's, a memslot event per churn), one
# SVG panel per cell, bench exec's VMM sampled too (with TESTVMM), and the
# refusals: a scenario without a timeline, a bad period, --sample-ms
# alone, output paths (missing directory, symlink, planted links),
# gnuplot missing (a warning; the JSON kept).
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")
if [ "$slot_ok" = true ]; then policies=all,slot ncells=2
else policies=all ncells=1; fi
quick="memslot --runs 2 --mem 32M --policy $policies"

# cells_tl FILE: per cell with a timeline, one line "RUN SAMPLES FIRST
# LAST SLOTS MARKS RUN1_FAULTS": the sampled run, its samples, the vCPU's
# pf_taken at the first and last sample (cpus=1), its memslot and mark
# events, and the faults of the cell's run 1 by its phases. The JSON is
# pretty-printed: one member a line, a cell's runs before its timeline.
cells_tl() {
	awk '
	/"policy": "/ { acc = 0; r1 = "" }
	/^ *"faults": [0-9]/ { v = $2; sub(/,$/, "", v); acc += v }
	/^ *"run": [0-9]/ { v = $2; sub(/,$/, "", v); if (v == 1) r1 = acc; acc = 0 }
	/"timeline_run": / { run = $2; sub(/,$/, "", run) }
	/"timeline": \{/ { tl = 1; sec = "s"; ns = 0; first = ""; last = ""
		slots = 0; marks = 0; next }
	tl && /"events": \[/ { sec = "e" }
	tl && sec == "s" && /"t_ms":/ { ns++ }
	tl && sec == "s" && /"pf_taken":/ { v = $2; sub(/,$/, "", v)
		if (first == "") first = v; last = v }
	tl && sec == "e" && /"kind": "memslot"/ { slots++ }
	tl && sec == "e" && /"kind": "mark"/ { marks++ }
	tl && /"truncated":/ { tl = 0
		print run, ns, first, last, slots, marks, (r1 == "" ? -1 : r1) }
	' "$1"
}

# ---- bench memslot: two policies, run 1 of each sampled --------------------
t_run "bench $quick --sample-ms 1 --timeline --json" 0 "" -- bench $quick \
	--sample-ms 1 --timeline "$TMP/m.svg" --json "$TMP/m.json"
cells_tl "$TMP/m.json" >"$TMP/cells"
t_cmp "a timeline per cell" "$(wc -l <"$TMP/cells")" -eq $ncells
grep -q '"interval_ms": 1,' "$TMP/m.json" && pass "interval_ms: 1" ||
	fail "interval_ms: 1"
k=0
while read -r run ns first last slots marks r1; do
	k=$((k + 1))
	t_cmp "cell $k: run 1 sampled" "$run" -eq 1
	t_cmp "cell $k: at least 3 samples" "$ns" -ge 3
	# Sampled before the vCPU starts, and after it stopped.
	t_cmp "cell $k: no fault at the first sample" "$first" -eq 0
	t_cmp "cell $k: the intervals' faults are run 1's" \
		"$((last - first))" -eq "$r1"
	t_cmp "cell $k: romtoggle faulted" "$r1" -gt 0
	t_cmp "cell $k: memslot-change events (romtoggle churns)" "$slots" -gt 0
	t_cmp "cell $k: phase marks" "$marks" -gt 0
done <"$TMP/cells"
# The runs' records no longer carry it: one timeline per cell.
t_cmp "one timeline object per cell" \
	"$(grep -c '"timeline": {' "$TMP/m.json")" -eq $ncells

if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$TMP/m.svg" ] && grep -q '<svg' "$TMP/m.svg" &&
		pass "the SVG is written" || fail "the SVG is written"
	# gnuplot names a multiplot's first plot gnuplot_plot_1a, 1b, ...
	t_cmp "one panel per cell" \
		"$(grep -c 'id="gnuplot_plot_1[a-z]*"' "$TMP/m.svg")" -eq $ncells
	t_cmp "each panel titled with its cell, run 1" \
		"$(grep -c 'policy=[a-z]* thp=off mem=32M cpus=1 (run 1)' \
			"$TMP/m.svg")" -eq $ncells
	grep -q 'faults per 1 ms interval' "$TMP/m.svg" &&
		pass "the SVG's title" || fail "the SVG's title"
	out_symlink --timeline '<svg' -- bench $quick --timeline OUT
	out_planted --timeline '<svg' -- bench $quick --timeline OUT
else
	skip "gnuplot is not installed: the SVG"
fi

# ---- gnuplot missing: one warning, the JSON kept, exit 0 -------------------
PATH=/nonexistent "$ZAPVM" bench $quick --timeline "$TMP/g.svg" \
	--json "$TMP/g.json" >"$TMP/out" 2>"$TMP/err"
t_cmp "gnuplot missing: exit 0" $? -eq 0
one_line "gnuplot missing"
grep -q -- "--timeline .*gnuplot is not installed" "$TMP/err" &&
	pass "gnuplot missing: said" || fail "gnuplot missing: said"
[ ! -e "$TMP/g.svg" ] &&
	[ "$(grep -c '"timeline": {' "$TMP/g.json")" -eq $ncells ] &&
	grep -q '"interval_ms": 5,' "$TMP/g.json" &&
	pass "gnuplot missing: no SVG, the timelines in the JSON (5 ms)" ||
	fail "gnuplot missing: no SVG, the timelines in the JSON (5 ms)"

# ---- bench boot: bootsim's marks -------------------------------------------
t_run "bench boot --sample-ms 5 --json" 0 "" -- bench boot --runs 1 \
	--mem 32M --policy all --sample-ms 5 --json "$TMP/b.json"
cells_tl "$TMP/b.json" >"$TMP/cells"
read -r run ns first last slots marks r1 <"$TMP/cells"
t_cmp "boot: the timeline's faults are the run's" "$((last - first))" -eq \
	"${r1:--1}"
t_cmp "boot: bootsim's phase marks" "${marks:-0}" -ge 3

# ---- bench exec: the VMM's first VM ---------------------------------------
if [ -n "${TESTVMM:-}" ] && [ -n "${ROMTOGGLE:-}" ]; then
	t_run "bench exec --timeline --json" 0 "" -- \
		bench exec --policy "$policies" --runs 1 --mem 64M \
		--boot-done 'VM 0 done' --sample-ms 2 --json "$TMP/e.json" \
		--timeline "$TMP/e.svg" -- "$TESTVMM" --mem '{mem}' \
		"$ROMTOGGLE" "pages=2000 stride=8 toggles=4"
	cells_tl "$TMP/e.json" >"$TMP/cells"
	t_cmp "exec: a timeline per cell" "$(wc -l <"$TMP/cells")" -eq $ncells
	k=0
	while read -r run ns first last slots marks r1; do
		k=$((k + 1))
		t_cmp "exec cell $k: the faults are run 1's" \
			"$((last - first))" -eq "$r1"
		t_cmp "exec cell $k: memslot-change events" "$slots" -gt 0
	done <"$TMP/cells"
else
	skip "no test VMM (TESTVMM, ROMTOGGLE): bench exec"
fi

# ---- bad input --------------------------------------------------------------
t_run "--timeline with zaplat: 64" 64 "goes with boot, memslot" -- bench \
	zaplat --timeline "$TMP/x.svg"
one_line "--timeline zaplat"
t_run "--sample-ms with vcpustall: 64" 64 "goes with" -- bench vcpustall \
	--sample-ms 5 --json "$TMP/x.json"
one_line "--sample-ms vcpustall"
t_run "--sample-ms 0: 64" 64 "expected a period" -- bench $quick \
	--sample-ms 0 --json "$TMP/x.json"
one_line "--sample-ms 0"
t_run "--sample-ms without --json or --timeline: 64" 64 "goes with" -- \
	bench $quick --sample-ms 5
one_line "--sample-ms alone"
t_run "--timeline and --plot on standard output: 64" 64 "both write" -- \
	bench $quick --timeline - --plot -
one_line "--timeline - --plot -"
t_run "--timeline into a missing directory: 74, before any run" 74 \
	"--timeline" -- bench $quick --timeline "$TMP/none/t.svg"
one_line "--timeline missing directory"
[ ! -s "$TMP/out" ] && pass "--timeline refused before any run" ||
	fail "--timeline refused before any run"
finish
