#!/bin/sh
# Hostile and careless inputs (issue 13): output files another user cannot
# redirect, inputs that cannot hang zapvm, numbers that are not octal. Each
# case failed before its fix; the script grows with the hardening pass.
. "$(dirname "$0")/lib.sh"
require_kvm

# Control sockets (and any a killed zapvm leaves) stay in $TMP.
XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
touch=builtin:touch

# --- Output files ---------------------------------------------------------

# Symlinks planted at the old temporary names, device nodes, a FIFO, a
# symlink to a regular file (lib.sh).
out_planted --json '"zapvm"' -- run --json OUT "$touch"
out_devices --json "No space left on device" -- run --json OUT "$touch"
one_line "--json full"
out_fifo --json '"zapvm"' -- run --json OUT "$touch"
out_symlink --json '"zapvm"' -- run --json OUT "$touch"

t_run "--json /proc/version: exit 74, a message that fits" 74 \
	"cannot create a file in /proc" -- run --json /proc/version "$touch"
one_line "--json /proc/version"

# --- Inputs that hang -----------------------------------------------------

# Before the fix each of these slept in open() for ever, SIGTERM blocked:
# KILL after 10 s, and a status other than 65 fails.
mkfifo "$TMP/in.fifo"
echo "not a kernel" >"$TMP/junk"
t_fifo() { # DESC -- zapvm ARGS...
	desc=$1
	shift 2
	timeout -s KILL 10 "$ZAPVM" "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 65 ] && grep -q "in.fifo: not a regular file" "$TMP/err"
	then pass "$desc: exit 65 at once"
	else fail "$desc: exit $st (137: killed after 10 s)"; diag "$TMP/err"; fi
}
t_fifo "FIFO as the guest ELF" -- run "$TMP/in.fifo"
one_line "FIFO as the guest ELF"
t_fifo "FIFO as --kernel" -- run --kernel "$TMP/in.fifo"
t_fifo "FIFO as --initrd" -- run --kernel "$TMP/junk" --initrd "$TMP/in.fifo"
t_fifo "FIFO as --rom" -- run --rom "$TMP/in.fifo" "$touch"
t_fifo "FIFO as --pci-rom" -- run --pci-rom "$TMP/in.fifo" "$touch"
t_fifo "FIFO as --disk ,ro" -- run --disk "$TMP/in.fifo,ro" "$touch"
one_line "FIFO as --disk ,ro"

# procfs says size 0: read to the end, not "empty file".
t_run "--pci-rom /proc/cpuinfo: read, not 'empty file'" 0 "" -- \
	run --pci-rom /proc/cpuinfo "$touch"
if grep -q "empty file" "$TMP/err"; then
	fail "--pci-rom /proc/cpuinfo: still 'empty file'"; diag "$TMP/err"
else pass "--pci-rom /proc/cpuinfo: no 'empty file'"; fi

# --- Numbers --------------------------------------------------------------

# Decimal unless 0x: a leading zero is not octal.
json_of() { rm -f "$TMP/c.json"; t_run "$@"; } # no stale JSON
json_of "--cpus 010: exit 0" 0 "" -- run --cpus 010 --json "$TMP/c.json" "$touch"
t_cmp "--cpus 010 is ten vCPUs" "$(json_num "$TMP/c.json" cpus)" -eq 10
json_of "--cpus 08: accepted" 0 "" -- run --cpus 08 --json "$TMP/c.json" "$touch"
t_cmp "--cpus 08 is eight vCPUs" "$(json_num "$TMP/c.json" cpus)" -eq 8
json_of "--mem 0100M: exit 0" 0 "" -- run --mem 0100M --json "$TMP/c.json" "$touch"
t_cmp "--mem 0100M is 100 MiB" "$(json_num "$TMP/c.json" mem)" -eq 104857600

finish
