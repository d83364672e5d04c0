#!/bin/sh
# Every builtin guest runs to completion, on one and on several vCPUs.
. "$(dirname "$0")/lib.sh"
require_kvm

t_run "touch" 0 "" -- run builtin:touch
t_run "touch on 4 vCPUs" 0 "" -- run --cpus 4 --args pages=2000 builtin:touch
t_run "romtoggle" 0 "" -- run builtin:romtoggle
t_run "romtoggle on 2 vCPUs" 0 "" -- run --cpus 2 builtin:romtoggle
t_run "cow" 0 "" -- run builtin:cow
t_run "cow on 2 vCPUs" 0 "" -- run --cpus 2 builtin:cow
t_run "bootsim" 0 "" -- run builtin:bootsim
t_run "bootsim on 2 vCPUs" 0 "" -- run --cpus 2 builtin:bootsim
t_run "bootsim above 4 GiB of RAM" 0 "" -- run --mem 5G --args ws=1000 builtin:bootsim
t_run "exit status passes through" 5 "" -- run --args status=5 builtin:exit
t_run "exit status above 63 is clamped" 63 "" -- run --args status=200 builtin:exit

# The guest's print ucall reaches stdout.
"$ZAPVM" run builtin:touch >"$TMP/out" 2>"$TMP/err"
if [ -s "$TMP/out" ]; then pass "guest prints reach stdout"; else fail "guest prints reach stdout"; fi

# A guest built outside zapvm, given as a file, runs too.
if [ -n "$GUEST_ELF_DIR" ] && [ -f "$GUEST_ELF_DIR/touch.elf" ]; then
	t_run "ELF guest from a file" 0 "" -- run "$GUEST_ELF_DIR/touch.elf"
fi
finish
