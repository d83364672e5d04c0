#!/bin/sh
# Phases: cut at start, at guest markers, at every memslot change, at exit.
. "$(dirname "$0")/lib.sh"
require_kvm

t_run "romtoggle with --json and --stats" 0 "" -- run --stats \
	--json "$TMP/r.json" --args "pages=1000 toggles=3" builtin:romtoggle
cp "$TMP/out" "$TMP/stats.txt"
for p in start touch churn rom0-unmap rom0-map retouch; do
	if grep -q "\"name\": \"$p\"" "$TMP/r.json"; then pass "phase $p in JSON"
	else fail "phase $p in JSON"; fi
done
unmaps=$(grep -c '"name": "rom0-unmap"' "$TMP/r.json")
t_cmp "one phase per ROM unmap" "$unmaps" -eq 3
grep -q "pf_taken" "$TMP/stats.txt" && pass "--stats prints pf_taken" ||
	fail "--stats prints pf_taken"
grep -q "^phase .*touch" "$TMP/stats.txt" && pass "--stats names phases" ||
	fail "--stats names phases"
total=$(json_num "$TMP/r.json" faults_total)
t_cmp "faults counted" "$total" -ge 1000

t_run "ROM writes are dropped and counted" 0 "" -- run --json "$TMP/w.json" \
	builtin:romwrite
dropped=$(json_num "$TMP/w.json" rom_writes_dropped)
t_cmp "dropped ROM writes counted" "$dropped" -ge 1

printf 'ZAPVM-ROM-CONTENT' >"$TMP/rom.bin"
t_run "a ROM file loads" 0 "" -- run --rom "$TMP/rom.bin" builtin:romtoggle
t_run "--thp on" 0 "" -- run --thp on builtin:touch
t_run "--thp off" 0 "" -- run --thp off builtin:touch
finish
