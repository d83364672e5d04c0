#!/bin/sh
# Hostile and careless command lines (issue 13): lost standard output,
# hostile control-socket answers, junk in the socket directory, limits said
# at parse time, the same disk twice, /dev/kvm denied. The control-socket
# cases need CTL_FAKE (tests/kvm/ctl-fake.c) and no KVM; the others skip
# where /dev/kvm is unusable.
. "$(dirname "$0")/lib.sh"

XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
SOCKDIR=$XDG_RUNTIME_DIR/zapvm
mkdir -m 700 "$SOCKDIR" || exit 1
CTL_FAKE=${CTL_FAKE:-}
ESC=$(printf '\033')
dev=${ZAPVM_KVM_DEV:-/dev/kvm}
kvm=
[ -c "$dev" ] && [ -r "$dev" ] && [ -w "$dev" ] && kvm=1
fakes=""
trap 'for p in $fakes; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM


# no_esc DESC FILE: FILE holds no escape character.
no_esc() {
	if grep -q "$ESC" "$2"; then fail "$1: raw ESC printed"; diag "$2"
	else pass "$1: no raw ESC"; fi
}

# full DESC WANT PATTERN -- ARGS: zapvm ARGS with stdout on /dev/full
# exits WANT with one line on stderr matching PATTERN.
full() {
	desc=$1 want=$2 pat=$3
	shift 4
	"$ZAPVM" "$@" >/dev/full 2>"$TMP/err"
	got=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ] &&
		grep -Eq -- "$pat" "$TMP/err"; then
		pass "$desc"
	else
		fail "$desc (exit $got, want $want; $lines lines)"
		diag "$TMP/err"
	fi
}
NOSPC="^zapvm: error: write error on standard output: No space left on device$"

# fake NAME ANSWER...: a fake VM NAME answering each client with the next
# ANSWER; returns once its socket is there (at most 5 s).
fake() {
	_name=$1
	shift
	# The last one removes its socket after its answer: let it first.
	[ -n "${fake_pid:-}" ] && wait "$fake_pid" 2>/dev/null
	"$CTL_FAKE" "$SOCKDIR/$_name.sock" "$@" 2>"$TMP/fake.err" &
	fake_pid=$!
	fakes="$fakes $fake_pid"
	_i=0
	while [ ! -S "$SOCKDIR/$_name.sock" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# ---- lost standard output (item 5) ----------------------------------------
full "guests >/dev/full: exit 74" 74 "$NOSPC" -- guests
full "version >/dev/full: exit 74" 74 "$NOSPC" -- version
full "help >/dev/full: exit 74" 74 "$NOSPC" -- help
full "list --json >/dev/full: exit 74" 74 "$NOSPC" -- list --json
if [ -n "$kvm" ]; then
	full "caps >/dev/full: exit 74" 74 "$NOSPC" -- caps
	# report__write_json() writes through stdout and says why itself.
	full "caps --json >/dev/full: exit 74" 74 \
		"^zapvm: error: --json -: write failed: No space left on device$" \
		-- caps --json
	full "run --stats >/dev/full: exit 74" 74 "$NOSPC" -- \
		run --stats builtin:touch
	"$ZAPVM" run --stats builtin:crash >/dev/full 2>"$TMP/err"
	st=$?
	# Its own line says why it failed; the lost output adds none.
	if [ $st -eq 101 ] && ! grep -q "write error on standard output" \
		"$TMP/err"; then
		pass "a failing run >/dev/full keeps its status and its line"
	else fail "a failing run >/dev/full: exit $st"; diag "$TMP/err"; fi
else
	skip "/dev/kvm unusable: caps, run --stats >/dev/full"
fi

# ---- hostile answers (items 7 and 9) --------------------------------------
if [ -x "$CTL_FAKE" ]; then
	fake vm1 '{"v":1,"ok":true,"vm":{},"vcpu":{},"vcpus":{},"units":{}}'
	t_run "stats: \"vcpus\" an object: exit 74" 74 \
		'"vcpus" is an object, not an array' -- stats vm1
	one_line "stats: \"vcpus\" an object"
	fake vm1 '{"v":1,"ok":true,"vm":{"exits":"x"},"vcpu":{},"vcpus":[],"units":{}}'
	t_run "stats: a stat that is a string: exit 74" 74 \
		'"vm"."exits" is not an integer' -- stats vm1
	fake vm1 '{"v":1,"ok":true,"vm":{},"vcpu":{},"vcpus":[7],"units":{}}'
	t_run "stats: a vCPU that is a number: exit 74" 74 \
		'"vcpus\[0\]" is an integer, not an object' -- stats vm1 --json
	fake vm1 '{"v":1,"ok":true,"vm":{"a\u001b[2Jb":1},"vcpu":{},"vcpus":[],"units":{"a\u001b[2Jb":"\u001b]0;x\u0007"}}'
	t_run "stats: escapes in a stat's name and unit" 0 "" -- stats vm1
	no_esc "stats names and units" "$TMP/out"
	out_has "stats: the escape shown as \\x1b" 'a\x1b[2Jb'
	fake vm1 '{"v":1,"ok":true,"state":"paused"}'
	t_run "pause: no \"changed\": exit 74" 74 'no "changed"' -- pause vm1
	fake vm1 '{"v":1,"ok":true,"policy":5,"interface":"x","changed":true}'
	t_run "policy: \"policy\" a number: exit 74" 74 \
		'"policy" is an integer, not a string' -- \
		policy vm1 --zap-policy slot
	fake vm1 '{"v":1,"ok":"yes"}'
	t_run "stop: \"ok\" a string: exit 74" 74 \
		'"ok" is a string, not a boolean' -- stop vm1
	fake vm1 '{"v":1,"ok":false,"error":{},"code":"busy"}'
	t_run "an error answer whose \"error\" is an object: exit 74" 74 \
		'"error" is an object' -- resume vm1
	fake vm1 '{"v":1,"ok":false,"error":"\u001b[31mred","code":"busy"}'
	t_run "an error answer with an escape: its status" 69 'x1b\[31mred' \
		-- resume vm1
	no_esc "the error answer" "$TMP/err"
	fake vm1 '[1,2]'
	t_run "an answer that is an array: exit 74" 74 "not a JSON object" -- \
		stats vm1
	fake vm1 '{"v":1,"ok":true,"pid":1,"state":"\u001b[31mrunning","vcpus":1,"mem":1048576,"guest":"\u001b]0;pwned\u0007g\u0085"}'
	t_run "list: escapes in state and guest" 0 "" -- list
	no_esc "list's table" "$TMP/out"
	out_has "list: the state's escape shown" '\x1b[31mrunning'
	out_has "list: a C1 control shown" 'g\xc2\x85'
	fake vm1 "$(printf '{"v":1,"ok":true,"pid":1,"state":"run","vcpus":1,"mem":1,"guest":"\377"}')"
	"$ZAPVM" list >"$TMP/out" 2>"$TMP/err"
	st=$?
	if grep -q "$(printf '\377')" "$TMP/out"; then
		fail "list: a byte that is not UTF-8 printed raw"
	elif [ $st -eq 74 ] || grep -qF '\xff' "$TMP/out"; then
		pass "list: a byte that is not UTF-8 refused or escaped (exit $st)"
	else fail "list: not UTF-8: exit $st"; diag "$TMP/err"; fi
	fake vm1 '{"v":1,"ok":true,"pid":"1","state":"running","vcpus":1,"mem":1,"guest":"g"}'
	t_run "list --json: \"pid\" a string: exit 74" 74 \
		'"pid" is a string, not an integer' -- list --json
	fake vm1 '{"v":1,"ok":true,"pid":1,"state":"running","vcpus":[],"mem":1,"guest":"g"}'
	t_run "list: \"vcpus\" an array: exit 74" 74 \
		'"vcpus" is an array, not an integer' -- list
	out_has "list: a no-reply row" "no-reply"
	wait "$fake_pid" 2>/dev/null
	rm -f "$SOCKDIR"/*.sock
else
	skip "CTL_FAKE not built: hostile answers"
fi

# ---- junk in the socket directory (item 9) --------------------------------
: >"$SOCKDIR/file.sock"
mkdir "$SOCKDIR/dir.sock"
ln -s /nonexistent "$SOCKDIR/dangling.sock"
ln -s "$SOCKDIR/file.sock" "$SOCKDIR/link.sock"
t_run "list with non-sockets named *.sock" 0 "" -- list
if grep -q "removed" "$TMP/err"; then
	fail "list claims to remove what it did not"; diag "$TMP/err"
else pass "list claims no removal"; fi
if [ -f "$SOCKDIR/file.sock" ] && [ -d "$SOCKDIR/dir.sock" ] &&
	[ -L "$SOCKDIR/dangling.sock" ] && [ -L "$SOCKDIR/link.sock" ]; then
	pass "list leaves non-sockets alone"
else fail "list removed a non-socket"; fi
t_run "stop of a regular file named *.sock: exit 66" 66 "not a socket" -- \
	stop file
if grep -q "removed" "$TMP/err"; then
	fail "stop claims to remove a regular file"; diag "$TMP/err"
else pass "stop claims no removal"; fi
rm -rf "$SOCKDIR"/*.sock
if [ -x "$CTL_FAKE" ]; then
	"$CTL_FAKE" "$SOCKDIR/stale.sock"
	t_run "list with a stale socket" 0 "removed a stale control socket" -- list
	if [ -e "$SOCKDIR/stale.sock" ]; then fail "stale socket still there"
	else pass "stale socket removed"; fi
else
	skip "CTL_FAKE not built: a stale socket"
fi

# ---- limits and checks of the command line (item 12) ----------------------
t_run "--cpus '': the whole range" 64 "from 1 to 4096" -- \
	run --cpus "" builtin:touch
t_run "--cpus 4097: the whole range" 64 "from 1 to 4096" -- \
	run --cpus 4097 builtin:touch
args=$(head -c 100000 /dev/zero | tr '\0' x)
t_run "--args of 100 kB: exit 64" 64 "at most 32768" -- \
	run --args "$args" builtin:touch
one_line "--args of 100 kB"
t_run "version with an argument: exit 64" 64 "unexpected argument" -- \
	version foo
t_run "help with an argument: exit 64" 64 "unexpected argument" -- help foo
: >"$TMP/disk.img"
ln -s "$TMP/disk.img" "$TMP/disk.link"
t_run "one disk ro and rw: exit 64" 64 "same file" -- \
	run --disk "$TMP/disk.img,ro" --disk "$TMP/disk.link" builtin:touch
one_line "one disk ro and rw"
if [ -n "$kvm" ]; then
	t_run "one disk ro twice: runs" 0 "" -- run --disk "$TMP/disk.img,ro" \
		--disk "$TMP/disk.link,ro" builtin:touch
else
	skip "/dev/kvm unusable: one disk ro twice"
fi
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	t_run "Linux --mem 16T: exit 64" 64 "at most 8T" -- \
		run --kernel "$LINUX_STUB" --mem 16T
	one_line "Linux --mem 16T"
	t_run "Linux --mem 100T: exit 64" 64 "at most 8T" -- \
		run --kernel "$LINUX_STUB" --mem 100T
else
	skip "LINUX_STUB not built: Linux --mem"
fi

# ---- the run's environment (item 12) --------------------------------------
if [ -n "$kvm" ]; then
	XDG_RUNTIME_DIR=$TMP/no/such/dir "$ZAPVM" run builtin:touch \
		>/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 0 ] && grep -q "no control socket: .*does not exist" \
		"$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		pass "a missing XDG_RUNTIME_DIR said in one line"
	else fail "a missing XDG_RUNTIME_DIR: exit $st"; diag "$TMP/err"; fi
else
	skip "/dev/kvm unusable: a missing XDG_RUNTIME_DIR"
fi
# /dev/kvm that may not be opened: caps exits as run does, 77.
: >"$TMP/kvm-denied"
chmod 000 "$TMP/kvm-denied"
chmod 755 "$TMP"
as_user=
if [ "$(id -u)" -ne 0 ]; then
	as_user=env
elif setpriv --help 2>&1 | grep -q -- --reuid; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -n "$as_user" ]; then
	for cmd in caps "run builtin:touch"; do
		# shellcheck disable=SC2086
		ZAPVM_KVM_DEV=$TMP/kvm-denied $as_user "$ZAPVM" $cmd \
			>/dev/null 2>"$TMP/err"
		st=$?
		if [ $st -eq 77 ] && grep -q "permission denied" "$TMP/err"; then
			pass "$cmd with /dev/kvm denied: exit 77"
		else fail "$cmd with /dev/kvm denied: exit $st"; diag "$TMP/err"; fi
	done
else
	skip "root without util-linux setpriv: /dev/kvm denied"
fi
finish
