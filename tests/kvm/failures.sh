#!/bin/sh
# Guests that fail on purpose fail the documented way.
. "$(dirname "$0")/lib.sh"
require_kvm

t_run "guest assertion: exit 100 with file:line" 100 \
	"guest assertion failed on vCPU 0: .*assert\.c:[0-9]+: " -- run builtin:assert
t_run "triple fault: exit 101" 101 "triple fault" -- run builtin:crash
t_run "access to a GPA hole: exit 101 naming the GPA" 101 \
	"unbacked GPA 0x" -- run builtin:mmio
t_run "hostile ucalls get error replies" 0 "" -- run builtin:hostile
t_run "ucall block outside RAM: exit 101" 101 "ucall block at GPA" -- \
	run --args mode=badptr builtin:hostile
t_run "a guest marking phases in a loop: one warning, exit 0" 0 \
	'phase log full \(4096 phases\): "flood"' -- \
	run --json "$TMP/flood.json" --args mode=phases builtin:hostile
out_has "the guest's 4096th phase mark got ENOSPC" \
	"hostile: the phase log stopped at 4095"
t_cmp "the JSON report holds 4096 phases (start + 4095)" \
	"$(grep -o '"name": *"\(start\|flood\)"' "$TMP/flood.json" | wc -l)" \
	-eq 4096
t_run "an assertion on vCPU 1 stops vCPU 0 too" 100 "assertion failed" -- \
	run --cpus 2 builtin:assert
t_run "--timeout stops a guest that never ends: exit 124" 124 "timeout" -- \
	run --timeout 1 --args spin=1 builtin:exit
finish
