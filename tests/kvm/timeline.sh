#!/bin/sh
# run --sample-ms, --plot: the timeline of romtoggle in --json (samples at
# increasing times, one memslot event per run-time memslot change, the
# phase marks), its SVG, and the refusals: a bad period, a plot path that
# cannot be written, gnuplot missing (a warning; the JSON kept).
. "$(dirname "$0")/lib.sh"
require_kvm

# timeline_tms FILE: the samples' t_ms, one a line (the events' follow).
timeline_tms() {
	sed -n '/"timeline": {/,$p' "$1" | sed '/"events": \[/,$d' |
		sed -n 's/.*"t_ms": *\([0-9.e+-]*\).*/\1/p'
}

# 5 ms: romtoggle with 32,768 pages runs ~0.7 s (~130 samples); with its
# default 4,096 (~80 ms idle) a CI run beside a busy rig once got 2, the
# sampler thread starved.
t_run "romtoggle --sample-ms 5 --json" 0 "" -- run --sample-ms 5 \
	--json "$TMP/t.json" --args "pages=32768" builtin:romtoggle
timeline_tms "$TMP/t.json" >"$TMP/tms"
t_cmp "several samples" "$(wc -l <"$TMP/tms")" -ge 5
awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' \
	"$TMP/tms" && pass "t_ms increases" ||
	{ fail "t_ms increases"; diag "$TMP/tms"; }
grep -q '"interval_ms": 5' "$TMP/t.json" && pass "interval_ms: 5" ||
	fail "interval_ms: 5"
grep -q '"pf_taken": [0-9]' "$TMP/t.json" &&
	pass "samples hold the vCPU stats" || fail "samples hold the vCPU stats"
changes=$(json_num "$TMP/t.json" memslot_changes)
slot_events=$(grep -c '"kind": "memslot"' "$TMP/t.json")
t_cmp "one memslot event per run-time memslot change" "$slot_events" -eq \
	"$changes"
t_cmp "romtoggle made memslot changes" "$changes" -gt 0
# Phase names rom0-*: once in "phases", once in the events.
t_cmp "as many as the phases memslot changes began" \
	"$(grep -c '"name": "rom0-' "$TMP/t.json")" -eq $((2 * slot_events))
grep -q '"kind": "mark"' "$TMP/t.json" && pass "the guest's marks too" ||
	fail "the guest's marks too"
sed -n '/"events": \[/,$p' "$TMP/t.json" |
	sed -n 's/.*"t_ms": *\([0-9.e+-]*\).*/\1/p' >"$TMP/ems"
awk 'NR > 1 && $1 < prev { bad = 1 } { prev = $1 } END { exit bad }' \
	"$TMP/ems" && pass "events in time order" || fail "events in time order"

if command -v gnuplot >/dev/null 2>&1; then
	t_run "--plot" 0 "" -- run --sample-ms 20 --json "$TMP/p.json" \
		--plot "$TMP/p.svg" builtin:romtoggle
	[ -s "$TMP/p.svg" ] && grep -Eq '<(path|polyline)' "$TMP/p.svg" &&
		pass "the SVG has a path" || fail "the SVG has a path"
	grep -q 'faults per 20 ms interval' "$TMP/p.svg" &&
		pass "the SVG's title" || fail "the SVG's title"
	t_run "--plot alone (10 ms samples)" 0 "" -- run --plot \
		"$TMP/q.svg" builtin:romtoggle
	grep -q 'faults per 10 ms interval' "$TMP/q.svg" &&
		pass "--plot alone: 10 ms" || fail "--plot alone: 10 ms"
else
	skip "gnuplot is not installed"
fi
PATH=/nonexistent "$ZAPVM" run --sample-ms 20 --json "$TMP/g.json" \
	--plot "$TMP/g.svg" builtin:romtoggle >"$TMP/out" 2>"$TMP/err"
t_cmp "gnuplot missing: exit 0" $? -eq 0
one_line "gnuplot missing"
grep -q "gnuplot is not installed" "$TMP/err" &&
	pass "gnuplot missing: said" || fail "gnuplot missing: said"
[ ! -e "$TMP/g.svg" ] && grep -q '"timeline"' "$TMP/g.json" &&
	pass "gnuplot missing: no SVG, the JSON kept" ||
	fail "gnuplot missing: no SVG, the JSON kept"

# ---- bad input --------------------------------------------------------
t_run "--sample-ms 0: 64" 64 "expected a period" -- run --sample-ms 0 \
	--json "$TMP/x.json" builtin:exit
one_line "--sample-ms 0"
t_run "--sample-ms junk: 64" 64 "expected a period" -- run --sample-ms 5x \
	--json "$TMP/x.json" builtin:exit
t_run "--sample-ms without --json or --plot: 64" 64 "goes with" -- run \
	--sample-ms 5 builtin:exit
one_line "--sample-ms alone"
t_run "--plot into a missing directory: 74, before the run" 74 "" -- run \
	--plot "$TMP/none/p.svg" builtin:romtoggle
one_line "--plot missing directory"
[ ! -s "$TMP/out" ] && pass "--plot refused before the guest ran" ||
	fail "--plot refused before the guest ran"
finish
