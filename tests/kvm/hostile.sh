#!/bin/sh
# Hostile and careless inputs (issue 13): output files another user cannot
# redirect, inputs that cannot hang zapvm, numbers that are not octal. Each
# case failed before its fix; the script grows with the hardening pass.
. "$(dirname "$0")/lib.sh"
require_kvm

# Control sockets (and any a killed zapvm leaves) stay in $TMP.
XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
is_root() { [ "$(id -u)" -eq 0 ]; }
touch=builtin:touch

# --- Output files ---------------------------------------------------------

# Symlinks at the temporary names the writer used to pick (PATH.tmp.PID),
# pointing at a 0600 file: it must not receive the JSON. sh -c plants the
# links for its own PID, then execs zapvm, which keeps that PID.
printf 'secret\n' >"$TMP/victim"
chmod 600 "$TMP/victim"
out=$TMP/planted.json
ZAPVM_OUT=$out sh -c '
	i=0
	while [ $i -lt 64 ]; do
		ln -s "$1" "$ZAPVM_OUT.tmp.$(($$ + i))" 2>/dev/null
		i=$((i + 1))
	done
	exec "$ZAPVM" run --json "$ZAPVM_OUT" '"$touch"' >/dev/null 2>&1
' sh "$TMP/victim"
st=$?
if [ $st -eq 0 ] && [ "$(cat "$TMP/victim")" = secret ] &&
	grep -q '"zapvm"' "$out" && [ ! -L "$out" ]; then
	pass "--json beside planted symlinks: the 0600 victim is unchanged"
else
	fail "--json beside planted symlinks (exit $st, victim: $(head -c 40 "$TMP/victim"))"
fi
left=$(find "$TMP" -name 'planted.json.tmp.*' ! -type l | wc -l)
links=$(find "$TMP" -name 'planted.json.tmp.*' -type l | wc -l)
if [ "$left" -eq 0 ] && [ "$links" -eq 64 ]; then
	pass "--json: no temporary file left, the 64 planted links untouched"
else
	fail "--json: $left temporary files left, $links of 64 links"
fi

# A character device is written through, never replaced. As root a node of
# our own (the old writer renamed a regular file onto /dev/null itself).
dev_node() { # NAME MINOR: a memory device node in $TMP, or /dev/NAME
	if ! is_root; then
		echo "/dev/$1"
	elif mknod "$TMP/$1" c 1 "$2" 2>/dev/null &&
		(: >"$TMP/$1") 2>/dev/null; then
		echo "$TMP/$1"
	fi
}
null=$(dev_node null 3)
if [ -n "$null" ]; then
	t_run "--json $null: exit 0" 0 "" -- run --json "$null" "$touch"
	if [ -c "$null" ]; then pass "--json $null: still a character device"
	else fail "--json $null: no longer a character device"; fi
else
	pass "# SKIP no device node usable in $TMP (nodev?)"
fi
full=$(dev_node full 7)
if [ -n "$full" ]; then
	t_run "--json $full: exit 74" 74 "No space left on device" -- \
		run --json "$full" "$touch"
	one_line "--json $full"
	if [ -c "$full" ]; then pass "--json $full: still a character device"
	else fail "--json $full: no longer a character device"; fi
else
	pass "# SKIP no device node usable in $TMP (nodev?)"
fi

# A FIFO gets the JSON (a reader is waiting) and stays a FIFO.
mkfifo "$TMP/out.fifo"
cat "$TMP/out.fifo" >"$TMP/fifo.got" &
reader=$!
t_run "--json FIFO: exit 0" 0 "" -- run --json "$TMP/out.fifo" "$touch"
sleep 1
if kill -0 $reader 2>/dev/null; then
	kill $reader 2>/dev/null
	fail "--json FIFO: the reader got no end of file"
elif grep -q '"zapvm"' "$TMP/fifo.got" && [ -p "$TMP/out.fifo" ]; then
	pass "--json FIFO: the reader got the JSON, the FIFO stays"
else
	fail "--json FIFO: no JSON through it, or it was replaced"
fi
wait $reader 2>/dev/null

# A symlink to a regular file: the file is updated, the link kept.
mkdir "$TMP/real"
echo old >"$TMP/real/target.json"
ln -s real/target.json "$TMP/link.json"
t_run "--json through a symlink: exit 0" 0 "" -- \
	run --json "$TMP/link.json" "$touch"
if [ -L "$TMP/link.json" ] && grep -q '"zapvm"' "$TMP/real/target.json"
then pass "--json through a symlink: link kept, target updated"
else fail "--json through a symlink: the link was replaced"; fi

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
