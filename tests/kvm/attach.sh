#!/bin/sh
# zapvm attach: a running `zapvm run` and the foreign test VMM by PID:
# stats, a live policy flip (checked by its effect on the faults after the
# churn), the time series; PIDs without a VM, gone, or not permitted.
. "$(dirname "$0")/lib.sh"
require_kvm
# Meson gives the test VMM; the nested rig's L1 (static busybox, no
# dynamic loader for it or for the preload library) does not.
[ -n "${TESTVMM:-}" ] && [ -n "${ROMTOGGLE:-}" ] ||
	skip_all "no test VMM (TESTVMM, ROMTOGGLE) given"

XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM
"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")
series=$(sed -n 's/.*"series_cap": *\(true\|false\).*/\1/p' "$TMP/caps.json")

# wait_for FILE TEXT: at most 10 s until FILE holds TEXT.
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---- a running zapvm run ----------------------------------------------
: >"$TMP/run.out"
"$ZAPVM" run --name att1 --zap-policy all --timeout 120 --args spin=1 \
	builtin:exit >"$TMP/run.out" 2>"$TMP/run.err" &
rpid=$!
pids="$pids $rpid"
i=0
until "$ZAPVM" list 2>/dev/null | grep -q "^att1 " || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_run "attach to zapvm run: --stats" 0 "" -- attach "$rpid" --stats
grep -Eq '^  vcpu0 +exits +[1-9]' "$TMP/out" && pass "attach: vcpu0 exits" ||
	{ fail "attach: vcpu0 exits"; diag "$TMP/out"; }
grep -Eq '^  vm +' "$TMP/out" && pass "attach: VM stats" || fail "attach: VM stats"
if [ "$slot_ok" = true ]; then
	t_run "attach to zapvm run: policy all -> slot, live" 0 "" -- attach \
		"$rpid" --zap-policy slot
	out_has "attach names the interface" "zap policy slot (KVM_"
	out_has "attach switched through the control socket" \
		"through zapvm VM 'att1'"
	t_run "the run goes on after attach" 0 "" -- stats att1
	t_run "list --json after attach" 0 "" -- list --json
	grep -q '"policy": "slot"' "$TMP/out" &&
		pass "list --json: the policy attach set" ||
		{ fail "list --json: the policy attach set"; diag "$TMP/out"; }
	t_run "policy NAME agrees with attach" 0 "" -- policy att1 \
		--zap-policy slot
	out_has "policy NAME: already slot" "zap policy already slot"
	if [ "$series" != true ]; then
		t_run "attach all on a zapvm run under the quirk: 69" 69 \
			"cannot be re-enabled" -- attach "$rpid" --zap-policy all
		one_line "the control socket's refusal"
	fi
else
	t_run "attach --zap-policy slot where unsupported: 69" 69 \
		"not supported" -- attach "$rpid" --zap-policy slot
fi
t_run "attach: --interval/--duration time series" 0 "" -- attach "$rpid" \
	--interval 100 --duration 1 --json "$TMP/series.json"
t_cmp "time series: about 10 samples" \
	"$(grep -c '"t_ms":' "$TMP/series.json")" -ge 5
grep -q '"ended": "duration"' "$TMP/series.json" &&
	pass "time series: ended by the duration" ||
	fail "time series: ended by the duration"
"$ZAPVM" stop att1 >/dev/null 2>&1
wait "$rpid"
t_cmp "zapvm run ends as stopped (130) after attach" $? -eq 130

# ---- the foreign test VMM: a live flip changes the churn's faults ------
if [ "$slot_ok" = true ]; then
	: >"$TMP/tv.out"
	"$ZAPVM" exec --zap-policy all --json "$TMP/flip.json" -- "$TESTVMM" \
		--pause 30 "$ROMTOGGLE" "pages=2000 stride=8 toggles=4" \
		>"$TMP/tv.out" 2>&1 &
	epid=$!
	pids="$pids $epid"
	if wait_for "$TMP/tv.out" "paused before churn"; then
		tpid=$(sed -n 's/.*paused before churn, pid \([0-9]*\).*/\1/p' \
			"$TMP/tv.out")
		t_run "attach to the test VMM: all -> slot with memslots" 0 "" \
			-- attach "$tpid" --zap-policy slot
		out_has "a VMM under exec: through exec's control socket" \
			"through zapvm VM"
		t_run "list --json after attach to a VMM under exec" 0 "" \
			-- list --json
		grep -q '"policy": "slot"' "$TMP/out" &&
			pass "list --json: exec's VM reports slot" ||
			{ fail "list --json: exec's VM reports slot"; diag "$TMP/out"; }
		t_run "the VMM's VM from zapvm exec's pid: EIO, 69" 69 \
			"only the process that created" -- attach "$epid" --stats
		kill -USR1 "$tpid"
		wait "$epid"
		t_cmp "the test VMM finishes" $? -eq 0
		t_cmp "after the flip the churn re-faults ~nothing" \
			"$(json_num "$TMP/flip.json" faults_after_churn)" -le 20
	else
		fail "the test VMM did not reach its pause"
		diag "$TMP/tv.out"
	fi
	if [ "$series" != true ]; then
		"$TESTVMM" --hold 30 "$ROMTOGGLE" "pages=10" >"$TMP/h.out" 2>&1 &
		hpid=$!
		pids="$pids $hpid"
		wait_for "$TMP/h.out" holding
		"$ZAPVM" attach "$hpid" --zap-policy slot >/dev/null 2>&1
		t_run "quirk host: back to all is refused (69)" 69 \
			"cannot be re-enabled" -- attach "$hpid" --zap-policy all
		one_line "all refused"
		kill "$hpid"
	fi
fi

# out_re DESC ERE: stdout has a line matching ERE.
out_re() {
	grep -Eq -- "$2" "$TMP/out" && pass "$1" ||
		{ fail "$1 (no /$2/ on stdout)"; diag "$TMP/out"; }
}

# Two VMs in one process. Their vCPUs are told apart through debugfs
# (mounted privately by attach when root) when their ids differ.
if [ "$(id -u)" = 0 ] || [ -d /sys/kernel/debug/kvm ]; then
	can_attr=true
else
	can_attr=false
fi
: >"$TMP/m.out"
"$TESTVMM" --vms 2 --hold 30 "$ROMTOGGLE" "pages=10" >"$TMP/m.out" 2>&1 &
mpid=$!
pids="$pids $mpid"
wait_for "$TMP/m.out" holding
t_run "two VMs, same vCPU ids: --stats" 0 "" -- attach "$mpid" --stats
out_re "two VMs: VM 0 with its fd" "^VM 0 \\(fd [0-9]*\\):"
out_re "two VMs: VM 1 with its fd" "^VM 1 \\(fd [0-9]*\\):"
out_re "same ids: listed together, saying why" \
	"^vCPUs of any of the 2 VMs \\(.*more than one of its VMs"
grep -q "cannot all be told apart" "$TMP/err" &&
	pass "same ids: one warning line" || fail "same ids: one warning line"
t_run "--vm beyond the VMs: 64" 64 "has 2 VMs" -- attach "$mpid" --vm 2
one_line "--vm out of range"
t_run "--vm junk: 64" 64 "expected a VM index" -- attach "$mpid" --vm x
kill "$mpid"
: >"$TMP/d.out"
"$TESTVMM" --vms 2 --distinct-ids --hold 30 "$ROMTOGGLE" "pages=10" \
	>"$TMP/d.out" 2>&1 &
dpid=$!
pids="$pids $dpid"
wait_for "$TMP/d.out" holding
dbg_mounts=$(grep -c ' /sys/kernel/debug ' /proc/mounts)
if [ "$can_attr" = true ]; then
	t_run "two VMs, distinct vCPU ids: --stats" 0 "" -- attach "$dpid"
	sed -n '/^VM 1 (fd/,$p' "$TMP/out" >"$TMP/vm1"
	grep -q '^  vcpu1 ' "$TMP/vm1" && ! grep -q '^  vcpu0 ' "$TMP/vm1" &&
		pass "distinct ids: vcpu1 under VM 1 only" ||
		{ fail "distinct ids: vcpu1 under VM 1 only"; diag "$TMP/out"; }
	sed -n '/^VM 0 (fd/,/^VM 1 (fd/p' "$TMP/out" >"$TMP/vm0"
	grep -q '^  vcpu0 ' "$TMP/vm0" && ! grep -q '^  vcpu1 ' "$TMP/vm0" &&
		pass "distinct ids: vcpu0 under VM 0 only" ||
		{ fail "distinct ids: vcpu0 under VM 0 only"; diag "$TMP/out"; }
	t_run "--vm 1 time series" 0 "" -- attach "$dpid" --vm 1 \
		--interval 100 --duration 1 --json "$TMP/vm1.json"
	grep -q '"attributed": true' "$TMP/vm1.json" &&
		pass "series: attributed" || fail "series: attributed"
	t_cmp "series --vm 1: only VM 1's sets" \
		"$(grep -c '"vm": 0,' "$TMP/vm1.json")" -eq 1
	grep -q '"vm": 1,' "$TMP/vm1.json" && pass "series: VM 1's sets" ||
		fail "series: VM 1's sets"
	t_cmp "attach leaves no debugfs mount behind" \
		"$(grep -c ' /sys/kernel/debug ' /proc/mounts)" -eq "$dbg_mounts"
else
	pass "# SKIP not root and debugfs not mounted: no attribution"
fi
if [ "$slot_ok" = true ]; then
	t_run "--vm 1 --zap-policy slot: that VM only" 0 "" -- attach \
		"$dpid" --vm 1 --zap-policy slot
	out_re "--vm: the VM and its fd" "VM 1 \\(fd [0-9]*\\): zap policy slot"
	t_run "--zap-policy on two VMs: every VM" 0 "" -- attach "$dpid" \
		--zap-policy slot
	out_re "two VMs: every VM switched" "zap policy slot \\(.*\\), every VM"
fi
kill "$dpid"

# A VMM that exits while attach samples it: a clean end.
: >"$TMP/h2.out"
"$TESTVMM" --hold 1 "$ROMTOGGLE" "pages=10" >"$TMP/h2.out" 2>&1 &
h2=$!
wait_for "$TMP/h2.out" holding
t_run "a VMM exiting during sampling: exit 0" 0 "" -- attach "$h2" \
	--interval 100 --duration 30 --json "$TMP/gone.json"
grep -q '"ended": "exited"' "$TMP/gone.json" && pass "time series: ended: exited" ||
	fail "time series: ended: exited"
wait "$h2"

# A static VMM: attach works where exec cannot.
if [ -n "${TESTVMM_STATIC:-}" ]; then
	: >"$TMP/s.out"
	"$TESTVMM_STATIC" --hold 30 "$ROMTOGGLE" "pages=10" >"$TMP/s.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_for "$TMP/s.out" holding
	t_run "attach to a static VMM: --stats" 0 "" -- attach "$spid"
	out_has "static VMM: vCPU stats" "vcpu0  pf_taken"
	kill "$spid"
fi

# QEMU (threads: main loop, vCPUs, RCU...): every thread stops, QEMU goes on.
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
	qemu-system-x86_64 -accel kvm -M pc -m 128 -smp 2 -nographic \
		-nodefaults -serial "file:$TMP/qs.log" -monitor none \
		>"$TMP/q.out" 2>&1 &
	qpid=$!
	pids="$pids $qpid"
	wait_for "$TMP/qs.log" SeaBIOS
	t_run "attach to QEMU: --stats" 0 "" -- attach "$qpid" --stats
	out_has "QEMU: both vCPUs" "vcpu1"
	if [ "$slot_ok" = true ]; then
		t_run "attach to QEMU: --zap-policy slot" 0 "" -- attach \
			"$qpid" --zap-policy slot
	fi
	sleep 0.5
	kill -0 "$qpid" 2>/dev/null && pass "QEMU runs on after attach" ||
		{ fail "QEMU runs on after attach"; diag "$TMP/q.out"; }
	kill "$qpid"
	wait "$qpid"
else
	pass "# SKIP qemu-system-x86_64 not installed"
fi

# ---- bad input --------------------------------------------------------
t_run "a PID without a VM: 66" 66 "has no KVM VM" -- attach $$
one_line "no VM"
sh -c 'exit 0' &
gone=$!
wait "$gone"
t_run "a PID that does not exist: 66" 66 "no such process" -- attach "$gone"
one_line "no such process"
t_run "attach without a PID: usage" 64 "" -- attach
t_run "attach --json without --interval: usage" 64 "time series" -- attach \
	1 --json x
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	: >"$TMP/p.out"
	"$TESTVMM" --hold 30 "$ROMTOGGLE" "pages=10" >"$TMP/p.out" 2>&1 &
	ppid_=$!
	pids="$pids $ppid_"
	wait_for "$TMP/p.out" holding
	chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ZAPVM" attach \
		"$ppid_" >"$TMP/out" 2>"$TMP/err"
	t_cmp "attach without permission: 77" $? -eq 77
	grep -q "Permission denied\|not permitted" "$TMP/err" &&
		pass "without permission: the reason" ||
		{ fail "without permission: the reason"; diag "$TMP/err"; }
	kill "$ppid_"
else
	pass "# SKIP not root: no unprivileged user to try"
fi
finish
