#!/bin/sh
# Every signal whose default action ends a process (zapvm(1) SIGNALS): sent
# to `zapvm run --name` while its guest runs, it stops the VM cleanly with
# exit 130 - the control socket is removed, a --prefetch knob (a plain file
# through $ZAPVM_KNOB_DIR) is put back, and, on a terminal (a pty from
# util-linux script(1) where there is one), the terminal mode is restored.
. "$(dirname "$0")/lib.sh"
require_kvm

XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
SOCKDIR=$XDG_RUNTIME_DIR/zapvm
ZAPVM_KNOB_DIR=$TMP/knobs
export ZAPVM_KNOB_DIR ZAPVM
mkdir "$ZAPVM_KNOB_DIR" || exit 1
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM

pty=""
if script -qc true /dev/null </dev/null >/dev/null 2>&1; then
	pty=yes
fi

# The run under test, in the background; it ends itself after 15 s. Its
# console (--console virtio: the UART-less test guests have none otherwise)
# puts a terminal in raw mode. With a pty it runs inside script(1): the
# shell there records the terminal mode before, once raw (at most 10 s)
# and after, in $D/before, $D/during and $D/after.
RUN="run --console virtio --prefetch off --timeout 15 --args spin=1"
export RUN
# shellcheck disable=SC2016 # expanded by the inner shell
inner='stty -g >"$D/before"
"$ZAPVM" $RUN --name "$NAME" builtin:exit </dev/tty >"$D/out" 2>"$D/err" &
p=$!
i=0
while [ "$(stty -g)" = "$(cat "$D/before")" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
stty -g >"$D/during"
echo $p >"$D/pid"
wait $p
echo $? >"$D/status"
stty -g >"$D/after"'

# ready: wait (at most 10 s) until the VM answers on its socket.
ready() {
	_i=0
	while [ $_i -lt 100 ]; do
		"$ZAPVM" list 2>/dev/null | grep -q "^$NAME .*running" &&
			return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ended PID: wait for it (at most 20 s).
ended() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

sig_case() {
	sig=$1
	NAME=sig$sig D=$TMP/$sig
	export NAME D
	mkdir "$D"
	echo Y >"$ZAPVM_KNOB_DIR/tdp_mmu_change_pte_prefetch"
	if [ -n "$pty" ]; then
		script -qc "sh -c '$inner'" /dev/null </dev/null >/dev/null 2>&1 &
		outer=$!
	else
		# shellcheck disable=SC2086 # RUN is a list
		"$ZAPVM" $RUN --name "$NAME" builtin:exit </dev/null \
			>"$D/out" 2>"$D/err" &
		outer=$!
		echo $outer >"$D/pid"
	fi
	pids="$pids $outer"
	_i=0
	while [ ! -s "$D/pid" ] && [ $_i -lt 150 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if ! ready; then
		fail "SIG$sig: the VM never answered on its socket"
		kill -KILL "$outer" 2>/dev/null
		return
	fi
	kill -s "$sig" "$(cat "$D/pid")"
	ended "$outer"
	wait "$outer"
	st=$?
	[ -n "$pty" ] && st=$(cat "$D/status" 2>/dev/null || echo none)
	t_cmp "SIG$sig: exit 130" "$st" -eq 130 || diag "$D/err"
	if [ -e "$SOCKDIR/$NAME.sock" ]; then
		fail "SIG$sig: $NAME.sock is still there"
	else
		pass "SIG$sig: the control socket is removed"
	fi
	k=$(cat "$ZAPVM_KNOB_DIR/tdp_mmu_change_pte_prefetch")
	if [ "$k" = Y ]; then pass "SIG$sig: the prefetch knob is put back"
	else fail "SIG$sig: the prefetch knob reads '$k', not Y"; fi
	if [ -z "$pty" ]; then
		pass "SIG$sig: terminal mode # SKIP no util-linux script(1)"
	elif cmp -s "$D/before" "$D/during"; then
		fail "SIG$sig: the terminal never went raw"
	elif [ -s "$D/before" ] && cmp -s "$D/before" "$D/after"; then
		pass "SIG$sig: the terminal mode is restored"
	else
		fail "SIG$sig: the terminal mode is not restored"
	fi
}

for s in ALRM XCPU XFSZ VTALRM PROF USR2 PWR; do
	if (trap - "$s") 2>/dev/null; then
		sig_case "$s"
	else
		pass "SIG$s # SKIP not defined here"
	fi
done
finish
