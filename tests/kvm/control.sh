#!/bin/sh
# The control socket of running VMs: zapvm run --name, list, pause, resume,
# stats, policy, stop; the socket's life cycle; hostile clients.
. "$(dirname "$0")/lib.sh"
require_kvm

XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
SOCKDIR=$XDG_RUNTIME_DIR/zapvm
CTL_RAW=${CTL_RAW:-}
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM

# start NAME [run options...]: a spinning guest in the background (it ends
# itself after 120 s whatever happens); its pid in $pid, output in
# $TMP/NAME.out and .err.
start() {
	_name=$1
	shift
	"$ZAPVM" run --name "$_name" --timeout 120 "$@" --args spin=1 \
		builtin:exit >"$TMP/$_name.out" 2>"$TMP/$_name.err" &
	pid=$!
	pids="$pids $pid"
}

# listed NAME: wait (at most 10 s) until `zapvm list` shows NAME.
listed() {
	_i=0
	while [ $_i -lt 100 ]; do
		"$ZAPVM" list >"$TMP/list" 2>"$TMP/list.err" &&
			grep -q "^$1 " "$TMP/list" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ended PID: wait for it (at most 20 s); its exit status in $status.
ended() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$1"
	status=$?
}

# vcpu_exits NAME: the vCPU stat "exits" of a running VM.
vcpu_exits() {
	"$ZAPVM" stats "$1" >"$TMP/stats" 2>"$TMP/stats.err" || return 1
	sed -n 's/^  vcpu  *exits  *\([0-9][0-9]*\).*/\1/p' "$TMP/stats"
}

no_socket() {
	if [ -e "$SOCKDIR/$1.sock" ]; then fail "$2: $1.sock still there"
	else pass "$2: socket removed"; fi
}

# ---- list, stats, the socket --------------------------------------------
start c1 --stats
c1=$pid
if listed c1; then pass "list shows a running VM"
else fail "list shows a running VM"; diag "$TMP/list.err" "$TMP/c1.err"; fi
if grep -Eq "^c1 +$c1 +running +1 +256M +builtin:exit\$" "$TMP/list"; then
	pass "list: name, pid, state, vCPUs, memory, guest"
else
	fail "list: name, pid, state, vCPUs, memory, guest"; diag "$TMP/list"
fi
t_run "list --json" 0 "" -- list --json
grep -q '"name": "c1"' "$TMP/out" && grep -q "\"pid\": $c1" "$TMP/out" &&
	pass "list --json has name and pid" || fail "list --json has name and pid"
[ "$(stat -c %a "$SOCKDIR")" = 700 ] && pass "directory mode 0700" ||
	fail "directory mode $(stat -c %a "$SOCKDIR")"
[ "$(stat -c %a "$SOCKDIR/c1.sock")" = 600 ] && pass "socket mode 0600" ||
	fail "socket mode $(stat -c %a "$SOCKDIR/c1.sock")"

t_run "stats" 0 "" -- stats c1
grep -Eq '^  vcpu +exits +[0-9]+' "$TMP/out" && pass "stats: vcpu exits" ||
	{ fail "stats: vcpu exits"; diag "$TMP/out"; }
t_run "stats --json" 0 "" -- stats c1 --json
grep -q '"vcpus": \[' "$TMP/out" && grep -q '"exits":' "$TMP/out" &&
	pass "stats --json: per-vCPU values" || fail "stats --json: per-vCPU values"
t_run "stats --all" 0 "" -- stats c1 --all
grep -Eq '^  vm +' "$TMP/out" && pass "stats --all: VM stats" ||
	fail "stats --all: VM stats"

# ---- pause and resume ---------------------------------------------------
t_run "pause" 0 "" -- pause c1
grep -q "^c1: paused" "$TMP/out" && pass "pause says paused" || fail "pause says paused"
listed c1
grep -Eq "^c1 +$c1 +paused " "$TMP/list" && pass "list: paused" ||
	{ fail "list: paused"; diag "$TMP/list"; }
t_run "pausing a paused VM is fine" 0 "" -- pause c1
grep -q "^c1: already paused" "$TMP/out" && pass "... and says so" ||
	fail "... and says so"
# No vCPU enters KVM_RUN while paused, so "exits" cannot move at all.
e1=$(vcpu_exits c1)
sleep 1
e2=$(vcpu_exits c1)
t_cmp "paused: no vCPU exits in 1 s" "${e2:-x}" -eq "${e1:-y}"
t_run "resume" 0 "" -- resume c1
grep -q "^c1: running" "$TMP/out" && pass "resume says running" || fail "resume says running"
# Running, timer interrupts alone make exits (wait up to 10 s for one).
i=0
e3=$e2
while [ "${e3:-0}" -le "${e2:-0}" ] && [ $i -lt 100 ]; do
	sleep 0.1
	e3=$(vcpu_exits c1)
	i=$((i + 1))
done
t_cmp "resumed: the vCPU exits again" "${e3:-0}" -gt "${e2:-0}"
t_run "resuming a running VM is fine" 0 "" -- resume c1
grep -q "^c1: already running" "$TMP/out" && pass "... and says so" ||
	fail "... and says so"

# ---- names --------------------------------------------------------------
t_run "a live name is refused" 64 "running VM has that name" -- run --name c1 builtin:exit
one_line "name in use"
kill -0 "$c1" && pass "the first VM runs on" || fail "the first VM runs on"
t_run "bad name: slash" 64 "expected 1 to 64" -- run --name a/b builtin:exit
one_line "bad name"
t_run "bad name: empty" 64 "expected 1 to 64" -- run --name "" builtin:exit
long=$(printf '%065d' 0)
t_run "bad name: 65 characters" 64 "expected 1 to 64" -- run --name "$long" builtin:exit
t_run "bad name for pause" 64 "is not a VM name" -- pause "a b"
t_run "unknown name" 66 "no VM named 'nosuch'" -- pause nosuch
one_line "unknown name"
for cmd in stop resume stats; do
	t_run "$cmd: unknown name" 66 "no VM named" -- $cmd nosuch
done
t_run "policy: unknown name" 66 "no VM named" -- policy nosuch --zap-policy all
t_run "policy without --zap-policy" 64 "required" -- policy c1
t_run "policy --zap-policy default" 64 "expected all or slot" -- policy c1 --zap-policy default
t_run "pause without a name" 64 "usage" -- pause
t_run "pause with two names" 64 "usage" -- pause c1 c2

# ---- hostile clients -----------------------------------------------------
if [ -x "$CTL_RAW" ]; then
	S=$SOCKDIR/c1.sock
	raw() { "$CTL_RAW" "$S" "$@" >"$TMP/raw" 2>"$TMP/raw.err"; }
	printf 'garbage\n' | raw
	grep -q '"ok":false.*malformed JSON.*"code":"bad-request"' "$TMP/raw" &&
		pass "garbage: error reply" || { fail "garbage: error reply"; diag "$TMP/raw"; }
	head -c 10000 /dev/zero | tr '\0' a | raw
	grep -q 'longer than 4095 bytes' "$TMP/raw" &&
		pass "oversized line: error reply" || { fail "oversized line: error reply"; diag "$TMP/raw"; }
	printf '{"cmd":"pau' | raw
	[ ! -s "$TMP/raw" ] && pass "half a line, then close: no reply" ||
		fail "half a line, then close: no reply"
	printf '{"v":2,"cmd":"info"}\n' | raw
	grep -q '"code":"version"' "$TMP/raw" && pass "protocol version 2: refused" ||
		fail "protocol version 2: refused"
	printf '{"cmd":"info","x":1}\n[1]\n{"cmd":"nope"}\n{"cmd":"policy"}\n"a"\n{}\n' | raw
	[ "$(grep -c '"ok":false' "$TMP/raw")" -eq 6 ] &&
		pass "unknown key, array, command, no policy, string, {}: 6 errors" ||
		{ fail "6 malformed requests: 6 errors"; diag "$TMP/raw"; }
	printf '{"cmd":"info"}\000\n%s\n{"cmd":"info"}\n' \
		"$(printf '%0200d' 0 | sed 's/0/[/g')" | raw
	grep -q '"ok":true' "$TMP/raw" && [ "$(grep -c '"ok":false' "$TMP/raw")" -eq 2 ] &&
		pass "NUL byte, deep nesting: errors; the next request works" ||
		{ fail "NUL byte, deep nesting"; diag "$TMP/raw"; }
	# Bytes that are not UTF-8 were echoed back raw: not JSON.
	printf '{"cmd":"\377\376"}\n{"cmd":"info"}\n' | raw
	grep -q '"ok":false.*not UTF-8.*"code":"bad-request"' "$TMP/raw" &&
		grep -q '"ok":true' "$TMP/raw" &&
		pass "raw bytes: error reply, the next request works" ||
		{ fail "raw bytes: error reply"; diag "$TMP/raw"; }
	[ "$(LC_ALL=C tr -d '\000-\177' <"$TMP/raw" | wc -c)" -eq 0 ] &&
		pass "raw bytes: the answer is ASCII" ||
		{ fail "raw bytes: the answer is ASCII"; diag "$TMP/raw"; }
	printf '{"v":1.0,"cmd":"info"}\n' | raw
	grep -q '"v\\" must be the integer 1' "$TMP/raw" &&
		pass '"v":1.0: says it must be the integer 1' ||
		{ fail '"v":1.0: says it must be the integer 1'; diag "$TMP/raw"; }
	# A slow client holds one slot, not the VM or other clients.
	printf '{"cmd":"in' | "$CTL_RAW" "$S" 3000 >/dev/null 2>&1 &
	slow=$!
	sleep 0.3
	t_run "pause beside a slow client" 0 "" -- pause c1
	t_run "resume beside a slow client" 0 "" -- resume c1
	kill -0 "$slow" 2>/dev/null && pass "the slow client was still connected" ||
		fail "the slow client was still connected"
	wait "$slow"
	# All 16 slots taken: the next client takes the slot of the one that
	# waited longest (it got "busy" before: 16 clients locked all out).
	holders=""
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		"$CTL_RAW" "$S" 4000 </dev/null >/dev/null 2>&1 &
		holders="$holders $!"
	done
	sleep 1
	printf '{"cmd":"info"}\n' | raw
	grep -q '"ok":true.*"state":"running"' "$TMP/raw" &&
		pass "17th client beside 16 idle ones: answered" ||
		{ fail "17th client beside 16 idle ones: answered"; diag "$TMP/raw"; }
	for h in $holders; do wait "$h"; done
	# A request is due 5 s after connecting however it trickles in: a
	# byte every 500 ms (12 s for this line) was answered at the end.
	printf '{"cmd":"info"}          \n' | raw 0 500
	ms=$(sed -n 's/^ctl-raw: \([0-9]*\) ms$/\1/p' "$TMP/raw.err")
	grep -q '"ok":false.*"code":"timeout"' "$TMP/raw" && ! grep -q '"ok":true' "$TMP/raw" &&
		pass "a byte every 500 ms: dropped with a timeout answer" ||
		{ fail "a byte every 500 ms: dropped with a timeout answer"; diag "$TMP/raw"; }
	t_cmp "... after 5 s" "${ms:-0}" -ge 4500
	t_cmp "... not at the end (12 s)" "${ms:-99999}" -lt 8000
	# Sixteen clients sending a byte a second held every slot for ever:
	# now a normal client is answered at once beside them, and they are
	# dropped at their deadline.
	slows=""
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		printf '{"cmd":"info"}\n' |
			"$CTL_RAW" "$S" 0 1000 >"$TMP/slow$i" 2>"$TMP/slow$i.err" &
		slows="$slows $!"
	done
	sleep 1
	printf '{"cmd":"info"}\n' | raw
	ms=$(sed -n 's/^ctl-raw: \([0-9]*\) ms$/\1/p' "$TMP/raw.err")
	grep -q '"ok":true.*"state":"running"' "$TMP/raw" &&
		pass "16 slow clients: a 17th is answered" ||
		{ fail "16 slow clients: a 17th is answered"; diag "$TMP/raw"; }
	# Bounds between the two behaviours, not timings: the deadline is
	# 5 s, serial handling would take 15 s; a loaded CI host added 4 s.
	t_cmp "... at once, not after a deadline" "${ms:-99999}" -lt 3000
	t_run "pause beside 16 slow clients" 0 "" -- pause c1
	t_run "resume beside 16 slow clients" 0 "" -- resume c1
	for p in $slows; do wait "$p"; done
	[ "$(cat "$TMP"/slow[0-9]* | grep -c '"code":"\(timeout\|busy\)"')" -eq 16 ] &&
		! grep -q '"ok":true' "$TMP"/slow[0-9]* &&
		pass "the 16 slow clients: dropped (timeout or busy), none answered" ||
		{ fail "the 16 slow clients: dropped"; diag "$TMP"/slow[0-9]*; }
	ms=$(cat "$TMP"/slow[0-9]*.err | sed -n 's/^ctl-raw: \([0-9]*\) ms$/\1/p' | sort -n | tail -1)
	t_cmp "... the last one after about 5 s, not 15" "${ms:-99999}" -lt 12000
	printf '{"cmd":"info"}\n' | raw
	grep -q '"ok":true.*"state":"running"' "$TMP/raw" &&
		pass "slots free again: info works" || { fail "slots free again"; diag "$TMP/raw"; }
	# A key twice: json-c kept the last one, and this stopped the VM (last
	# here, so that on a zapvm without the check the others still ran).
	printf '{"v":1,"cmd":"info","cmd":"stop"}\n' | raw
	grep -q '"ok":false.*duplicate key \\"cmd\\".*"code":"bad-request"' "$TMP/raw" &&
		pass "a key twice: error reply" || { fail "a key twice: error reply"; diag "$TMP/raw"; }
	sleep 0.2
	kill -0 "$c1" 2>/dev/null && pass "a key twice: the VM runs on" ||
		fail "a key twice: the VM runs on"
	printf '{"cmd":"pause","c\\u006dd":"stop"}\n{"cmd":"info"}\n' | raw
	grep -q 'duplicate key' "$TMP/raw" && grep -q '"ok":true.*"state":"running"' "$TMP/raw" &&
		pass "an escaped key twice: error, the next request works" ||
		{ fail "an escaped key twice"; diag "$TMP/raw"; }
else
	echo "# CTL_RAW not set: hostile-client checks skipped"
fi
listed c1
grep -Eq "^c1 +$c1 +running " "$TMP/list" && pass "after all that, c1 runs" ||
	{ fail "after all that, c1 runs"; diag "$TMP/list"; }

# ---- policy: what this host offers (zapvm caps) ---------------------------
"$ZAPVM" caps >"$TMP/caps" 2>/dev/null
series=$(sed -n 's/^zap control (series) *//p' "$TMP/caps" | cut -c1-3)
quirk=$(sed -n 's/^slot-zap quirk (6.12) *//p' "$TMP/caps" | cut -c1-3)
echo "# series: $series, quirk: $quirk"
if [ "$series" = yes ]; then
	t_run "policy slot (series)" 0 "" -- policy c1 --zap-policy slot
	grep -q "zap policy slot (KVM_CAP_MEMSLOT_ZAP_CONTROL)" "$TMP/out" &&
		pass "slot through the series" || fail "slot through the series"
	t_run "policy all again (series)" 0 "" -- policy c1 --zap-policy all
	grep -q "zap policy all (KVM_CAP_MEMSLOT_ZAP_CONTROL)" "$TMP/out" &&
		pass "all through the series" || fail "all through the series"
	t_run "policy slot once more (series)" 0 "" -- policy c1 --zap-policy slot
	slot_ok=1
elif [ "$quirk" = yes ]; then
	t_run "policy all on a zap-all VM: nothing to do" 0 "" -- policy c1 --zap-policy all
	grep -q "zap policy already all" "$TMP/out" && pass "... already all" ||
		fail "... already all"
	t_run "policy slot (quirk)" 0 "" -- policy c1 --zap-policy slot
	grep -q "zap policy slot (KVM_X86_QUIRK_SLOT_ZAP_ALL)" "$TMP/out" &&
		pass "slot through the quirk" || fail "slot through the quirk"
	t_run "policy slot twice" 0 "" -- policy c1 --zap-policy slot
	grep -q "zap policy already slot" "$TMP/out" && pass "... already slot" ||
		fail "... already slot"
	t_run "policy all after the quirk is gone" 69 "cannot be re-enabled" -- policy c1 --zap-policy all
	one_line "quirk re-enable"
	slot_ok=1
else
	t_run "policy slot without an interface" 69 "not supported on this host" -- policy c1 --zap-policy slot
	one_line "no interface"
	t_run "policy all without an interface: the default" 0 "" -- policy c1 --zap-policy all
	grep -q "zap policy already all" "$TMP/out" && pass "... already all" ||
		fail "... already all"
	slot_ok=0
fi
listed c1
if [ "$slot_ok" = 1 ]; then
	"$ZAPVM" list --json >"$TMP/out" 2>/dev/null
	grep -q '"policy": "slot"' "$TMP/out" && pass "list --json: policy slot" ||
		fail "list --json: policy slot"
fi

# ---- stop ----------------------------------------------------------------
t_run "stop" 0 "" -- stop c1
grep -q "^c1: stopped" "$TMP/out" && pass "stop says stopped" || fail "stop says stopped"
ended "$c1"
t_cmp "a stopped run exits 130" "$status" -eq 130
grep -q "stopped by 'zapvm stop c1'" "$TMP/c1.err" && pass "run names the stop" ||
	{ fail "run names the stop"; diag "$TMP/c1.err"; }
if [ "$slot_ok" = 1 ]; then
	grep -q "^phase [0-9]*: policy-slot" "$TMP/c1.out" &&
		pass "--stats: the flip starts a phase" ||
		{ fail "--stats: the flip starts a phase"; diag "$TMP/c1.out"; }
fi
no_socket c1 "after stop"
t_run "stop of a gone VM" 66 "no VM named 'c1'" -- stop c1

# A paused VM stops too.
start c2
listed c2
t_run "pause c2" 0 "" -- pause c2
t_run "stop a paused VM" 0 "" -- stop c2
ended "$pid"
t_cmp "the paused run exits 130" "$status" -eq 130
no_socket c2 "after stopping a paused VM"

# ---- answers are UTF-8 whatever the guest's file is called ------------------
if [ -x "$CTL_RAW" ] && [ -f "$GUEST_ELF_DIR/exit.elf" ]; then
	odd="$TMP/odd$(printf '\377\033').elf"
	cp "$GUEST_ELF_DIR/exit.elf" "$odd"
	"$ZAPVM" run --name u1 --timeout 120 --args spin=1 "$odd" \
		>/dev/null 2>"$TMP/u1.err" &
	pid=$!
	pids="$pids $pid"
	listed u1
	printf '{"cmd":"info"}\n' | "$CTL_RAW" "$SOCKDIR/u1.sock" >"$TMP/raw" 2>&1
	grep -q "odd$(printf '\357\277\275')\\\\u001b\.elf" "$TMP/raw" &&
		pass "a guest file name that is not UTF-8: U+FFFD in the answer" ||
		{ fail "a guest file name that is not UTF-8: U+FFFD in the answer"; diag "$TMP/raw"; }
	LC_ALL=C grep -q "$(printf '\377')" "$TMP/raw" &&
		fail "... and no raw byte" || pass "... and no raw byte"
	t_run "stop u1" 0 "" -- stop u1
	ended "$pid"
fi

# ---- every way out removes the socket ---------------------------------------
start c3
listed c3
kill -INT "$pid"
ended "$pid"
t_cmp "kill -INT: exit 130" "$status" -eq 130
no_socket c3 "after SIGINT"

"$ZAPVM" run --name c4 --args status=3 builtin:exit >/dev/null 2>&1
t_cmp "guest status 3 passes through" $? -eq 3
no_socket c4 "after a normal exit"
"$ZAPVM" run --name c5 builtin:crash >/dev/null 2>&1
t_cmp "crashing guest: exit 101" $? -eq 101
no_socket c5 "after a guest crash"
"$ZAPVM" run --name c6 --timeout 1 --args spin=1 builtin:exit >/dev/null 2>&1
t_cmp "timeout: exit 124" $? -eq 124
no_socket c6 "after a timeout"

# Paused time does not count against --timeout: pause for 5 s with
# --timeout 4, the VM is still there; resumed, it times out.
"$ZAPVM" run --name c7 --timeout 4 --args spin=1 builtin:exit \
	>/dev/null 2>"$TMP/c7.err" &
c7=$!
pids="$pids $c7"
listed c7
t_run "pause c7" 0 "" -- pause c7
sleep 5
listed c7
grep -Eq "^c7 +$c7 +paused " "$TMP/list" &&
	pass "paused 5 s beyond --timeout 4: still there" ||
	{ fail "paused beyond --timeout: still there"; diag "$TMP/list" "$TMP/c7.err"; }
t_run "resume c7" 0 "" -- resume c7
ended "$c7"
t_cmp "resumed, it times out: exit 124" "$status" -eq 124
no_socket c7 "after a timeout that followed a pause"

# A killed VM leaves a stale socket: list removes it, run replaces it.
start c8
listed c8
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -S "$SOCKDIR/c8.sock" ] && pass "SIGKILL leaves a stale socket" ||
	fail "SIGKILL leaves a stale socket"
t_run "list with a stale socket" 0 "removed a stale control socket" -- list
one_line "stale socket"
no_socket c8 "list cleaned the stale socket"
start c9
listed c9
kill -KILL "$pid"
wait "$pid" 2>/dev/null
start c9
listed c9 && pass "run replaces a stale socket" || fail "run replaces a stale socket"
t_run "stop c9" 0 "" -- stop c9
ended "$pid"

# Not sockets: a file, a directory, symlinks named *.sock stay where they
# are, whoever looks (run --name refuses the name, list passes them by).
: >"$SOCKDIR/f.sock"
mkdir "$SOCKDIR/d.sock"
ln -s "$SOCKDIR/f.sock" "$SOCKDIR/l.sock"
ln -s "$SOCKDIR/nowhere" "$SOCKDIR/n.sock"
t_run "run --name over a regular file" 65 "f.sock exists and is not a socket" -- \
	run --name f builtin:exit
one_line "a regular file in the way"
t_run "run --name over a directory" 65 "d.sock exists and is not a socket" -- \
	run --name d builtin:exit
t_run "run --name over a symlink" 65 "l.sock exists and is not a socket" -- \
	run --name l builtin:exit
t_run "list beside files that are not sockets" 0 "" -- list
grep -q "removed" "$TMP/err" && { fail "list says it removed what it left"; diag "$TMP/err"; } ||
	pass "list does not say it removed them"
[ -f "$SOCKDIR/f.sock" ] && [ -d "$SOCKDIR/d.sock" ] && [ -L "$SOCKDIR/l.sock" ] &&
	[ -L "$SOCKDIR/n.sock" ] && pass "list leaves them alone" ||
	{ fail "list leaves them alone"; ls -la "$SOCKDIR" | sed 's/^/# /'; }
rm -rf "$SOCKDIR/f.sock" "$SOCKDIR/d.sock" "$SOCKDIR/l.sock" "$SOCKDIR/n.sock"

# Without --name a socket that cannot be made is a warning, not an error;
# a missing XDG_RUNTIME_DIR was said only at -v.
XDG_RUNTIME_DIR=$TMP/missing
t_run "XDG_RUNTIME_DIR missing, no --name: runs" 0 "$TMP/missing" -- \
	run builtin:exit
one_line "XDG_RUNTIME_DIR missing"
grep -q "warning:" "$TMP/err" && pass "... a warning" || { fail "... a warning"; diag "$TMP/err"; }
t_run "XDG_RUNTIME_DIR missing, --name: an error" 69 "$TMP/missing" -- \
	run --name m builtin:exit
XDG_RUNTIME_DIR=${SOCKDIR%/zapvm}

# The default name.
"$ZAPVM" run --timeout 120 --args spin=1 builtin:exit >/dev/null 2>&1 &
pid=$!
pids="$pids $pid"
listed "zapvm-$pid" && pass "default name zapvm-PID" || fail "default name zapvm-PID"
t_run "stop zapvm-PID" 0 "" -- stop "zapvm-$pid"
ended "$pid"
t_run "list: nothing left" 0 "" -- list
[ "$(wc -l <"$TMP/out")" -eq 1 ] && pass "list: only the header" ||
	{ fail "list: only the header"; diag "$TMP/out"; }
finish
