#!/bin/sh
# zapvm exec: a foreign VMM (testvmm, running the romtoggle guest) under
# zapvm's zap policy, phases and stats; exit statuses, bad VMMs; QEMU with
# SeaBIOS where installed.
. "$(dirname "$0")/lib.sh"
require_kvm
# Meson gives the test VMM; the nested rig's L1 (static busybox, no
# dynamic loader for it or for the preload library) does not.
[ -n "${TESTVMM:-}" ] && [ -n "${ROMTOGGLE:-}" ] ||
	skip_all "no test VMM (TESTVMM, ROMTOGGLE) given"

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")
ARGS="pages=2000 stride=8 toggles=4"

# count FILE REGEX: lines of FILE matching REGEX.
count() { grep -Ec -- "$2" "$1"; }

t_run "exec --zap-policy all: the VMM runs, exit 0" 0 "" -- exec \
	--zap-policy all --stats --json "$TMP/all.json" -- "$TESTVMM" \
	"$ROMTOGGLE" "$ARGS"
out_has "the VMM's stdout passes through" "romtoggle: 2000 pages on 1 vCPUs"
out_has "exec --stats prints run's summary" "8 run-time memslot changes"
out_has "exec --stats: the memslot set-up is listed apart" "2 at set-up"
out_has "the phase table names the memslot changes" "slot1-delete"
all_after=$(json_num "$TMP/all.json" faults_after_churn)
t_cmp "all: the churn re-faults the touched pages (~2000)" "$all_after" -ge 2000
t_cmp "JSON: 8 run-time memslot changes" \
	"$(json_num "$TMP/all.json" memslot_changes)" -eq 8
t_cmp "JSON: 10 memslot events (2 at set-up)" \
	"$(count "$TMP/all.json" '"op": "(add|delete|move|flags)"')" -eq 10
t_cmp "JSON: the phases start, then one per change" \
	"$(count "$TMP/all.json" '"name": "(start|slot1-(add|delete))"')" -eq 9
grep -q '"argv": \[' "$TMP/all.json" && grep -q '"preloaded": true' "$TMP/all.json" &&
	pass "JSON: a vmm object with argv" || fail "JSON: a vmm object with argv"

if [ "$slot_ok" = true ]; then
	t_run "exec --zap-policy slot: exit 0" 0 "" -- exec --zap-policy slot \
		--json "$TMP/slot.json" -- "$TESTVMM" "$ROMTOGGLE" "$ARGS"
	slot_after=$(json_num "$TMP/slot.json" faults_after_churn)
	t_cmp "slot: re-faults after churn <= 1% of all's" \
		$((slot_after * 100)) -le "$all_after"
	grep -q '"zap_interface": "KVM_' "$TMP/slot.json" &&
		pass "slot: the interface used is recorded" ||
		fail "slot: the interface used is recorded"
	# The same guest under zapvm run: the same order of figures.
	"$ZAPVM" run --zap-policy slot --json "$TMP/run.json" --args "$ARGS" \
		builtin:romtoggle >/dev/null 2>&1
	t_cmp "run and exec: the same faults before the churn (+-5%)" \
		$(( $(json_num "$TMP/slot.json" faults_total) * 100 / \
		    $(json_num "$TMP/run.json" faults_total) )) -ge 95
else
	t_run "exec --zap-policy slot refused where unsupported: exit 69" 69 \
		"not supported" -- exec --zap-policy slot -- "$TESTVMM" \
		"$ROMTOGGLE" "$ARGS"
fi

# A guest that triple-faults (the crash guest): testvmm gives up (exit 1),
# as QEMU -no-reboot exits 0 without a word; exec names the exit.
if [ -n "${CRASH:-}" ]; then
	t_run "a guest's triple fault is named; the VMM's status is kept" 1 \
		"exec: VM 0 vCPU 0: triple fault \(KVM_EXIT_SHUTDOWN\)" -- \
		exec --json "$TMP/tf.json" -- "$TESTVMM" "$CRASH"
	t_cmp "JSON: guest_exits has exit_reason 8 (KVM_EXIT_SHUTDOWN)" \
		"$(json_num "$TMP/tf.json" exit_reason)" -eq 8
	t_cmp "the exit begins a phase of its own" \
		"$(count "$TMP/tf.json" '"name": "vcpu0-shutdown"')" -eq 1
	t_cmp "a guest that ends normally has no guest_exits" \
		"$(count "$TMP/all.json" '"exit_reason"')" -eq 0
else
	skip "no CRASH guest given"
fi

t_run "--move: a set-up move is recorded" 0 "" -- exec --json "$TMP/mv.json" \
	-- "$TESTVMM" --move "$ROMTOGGLE" "pages=10"
t_cmp "--move: one move event" "$(count "$TMP/mv.json" '"op": "move"')" -eq 1

t_run "--thp on: RAM slots advised" 0 "" -- exec --thp on --json \
	"$TMP/thp.json" -- "$TESTVMM" "$ROMTOGGLE" "pages=10"
t_cmp "--thp on: the RAM slot is MADV_HUGEPAGE, the ROM not" \
	"$(count "$TMP/thp.json" '"thp": "hugepage"')" -eq 1

t_run "a VMM making two VMs: one record each" 0 "" -- exec --json \
	"$TMP/two.json" -- "$TESTVMM" --vms 2 "$ROMTOGGLE" "pages=10"
t_cmp "two VMs: two records" "$(count "$TMP/two.json" '"vm_index": ')" -eq 2

# A wrapper script that starts the VMM: the VMM, not the shell, reports;
# its console in a file (--console-log); neither the channel nor the
# library reach the VMM's own children.
t_run "a wrapper script, --console-log" 0 "" -- exec --console-log \
	"$TMP/con.log" --boot-done 'VM 0 done' --json "$TMP/wrap.json" -- sh -c \
	"'$TESTVMM' '$ROMTOGGLE' pages=10 >'$TMP/con.log'"
grep -q '"name": "boot-done"' "$TMP/wrap.json" &&
	pass "wrapper: the VMM reported, boot-done from the log file" ||
	fail "wrapper: the VMM reported, boot-done from the log file"
if command -v python3 >/dev/null 2>&1; then
	t_run "the VMM's children see no channel and no library" 0 "" -- exec \
		-- python3 -c "import fcntl, os
fd = os.open('/dev/kvm', os.O_RDWR)
fcntl.ioctl(fd, 0xAE00)
os.system('env | grep -c -e ZAPVM_EXEC -e zapvm-preload')"
	grep -qx 0 "$TMP/out" &&
		pass "children: no ZAPVM_EXEC or LD_PRELOAD entry" ||
		{ fail "children: no ZAPVM_EXEC or LD_PRELOAD entry"; diag "$TMP/out"; }
fi

t_run "exit status passes through" 7 "" -- exec -- "$TESTVMM" --exit 7 \
	"$ROMTOGGLE" "pages=10"
t_run "a VMM killed by SIGTERM: 143" 143 "created no KVM VM" -- exec -- \
	sh -c 'kill -TERM $$'
t_run "a VMM that creates no VM: its status and one line" 3 \
	"created no KVM VM" -- exec -- "$TESTVMM" --no-vm
one_line "no VM"

t_run "VMM not found: 66" 66 "not found" -- exec -- zapvm-no-such-vmm
one_line "not found"
: >"$TMP/notexec"
t_run "VMM not executable: 77" 77 "not an executable" -- exec -- "$TMP/notexec"
one_line "not executable"
if [ -n "${TESTVMM_STATIC:-}" ]; then
	t_run "a static VMM: 69, pointing to attach" 69 "zapvm attach" -- \
		exec -- "$TESTVMM_STATIC" "$ROMTOGGLE"
	one_line "static VMM"
else
	pass "# SKIP no static libfdt: no static testvmm"
fi
t_run "exec without a VMM: usage" 64 "no VMM" -- exec --stats

# Boot-done from the console: the pattern marks a phase, --until stops
# the VMM (it would hold 60 s) and zapvm exits 0.
start=$(date +%s)
t_run "--until boot-done stops the VMM" 0 "" -- exec --boot-done \
	'VM 0 done' --until boot-done --grace 500 --json "$TMP/bd.json" -- \
	"$TESTVMM" --hold 60 "$ROMTOGGLE" "pages=10"
t_cmp "--until: well before the VMM's 60 s" $(( $(date +%s) - start )) -lt 20
grep -q '"name": "boot-done"' "$TMP/bd.json" &&
	pass "boot-done is a phase" || fail "boot-done is a phase"
grep -q '"boot_done_ms": [0-9]' "$TMP/bd.json" &&
	pass "boot_done_ms recorded" || fail "boot_done_ms recorded"
t_run "--timeout: 124" 124 "timeout" -- exec --timeout 1 --grace 200 -- \
	"$TESTVMM" --hold 60 "$ROMTOGGLE" "pages=10"

# SIGTERM to zapvm reaches the VMM; zapvm still writes its results.
: >"$TMP/term.out"
"$ZAPVM" exec --json "$TMP/term.json" -- "$TESTVMM" --hold 60 "$ROMTOGGLE" \
	"pages=10" >"$TMP/term.out" 2>&1 &
zpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q holding "$TMP/term.out"; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $zpid
wait $zpid
t_cmp "SIGTERM: forwarded, the VMM's 128+15" $? -eq 143
[ -s "$TMP/term.json" ] && pass "SIGTERM: the JSON is written" ||
	fail "SIGTERM: the JSON is written"

# --prefetch and --root-zap: the series' knobs set for the VMM's run and
# put back however it ends, as `zapvm run` does (tests/kvm/knobs.sh);
# plain files through $ZAPVM_KNOB_DIR.
t_run "exec --prefetch maybe: 64" 64 "--prefetch 'maybe'" -- exec \
	--prefetch maybe -- "$TESTVMM" "$ROMTOGGLE"
t_run "exec --root-zap 2m: 64" 64 "--root-zap '2m'" -- exec --root-zap 2m \
	-- "$TESTVMM" "$ROMTOGGLE"
K=$TMP/knobs
mkdir "$K"
export ZAPVM_KNOB_DIR="$K"
knob() { tr YN 10 <"$K/$1"; }
reset_knobs() {
	echo Y >"$K/tdp_mmu_change_pte_prefetch"
	echo N >"$K/tdp_mmu_zap_4k"
}
reset_knobs
t_run "exec --prefetch off --root-zap 4k: the VMM's 7" 7 \
	"" -- exec --prefetch off --root-zap 4k -- sh -c \
	"cat '$K/tdp_mmu_change_pte_prefetch' '$K/tdp_mmu_zap_4k'; exit 7"
t_cmp "knobs: set while the VMM runs" "$(tr -d '\n' <"$TMP/out" | tr YN 10)" \
	-eq 01
t_cmp "knobs: prefetch restored to Y" "$(knob tdp_mmu_change_pte_prefetch)" -eq 1
t_cmp "knobs: root-zap restored to N" "$(knob tdp_mmu_zap_4k)" -eq 0
reset_knobs
t_run "exec --prefetch off, --timeout: 124" 124 "" -- \
	exec --prefetch off --timeout 1 --grace 200 -- "$TESTVMM" --hold 60 \
	"$ROMTOGGLE" "pages=10"
t_cmp "timeout: prefetch restored" "$(knob tdp_mmu_change_pte_prefetch)" -eq 1
# Every ending signal zapvm takes goes to the VMM; the knobs come back.
# A VMM inherits an ignored SIGHUP (nohup, some CI runners) as it would run
# directly, and would hold its 60 s: give it the default disposition back
# (coreutils env), or skip HUP where that cannot be done.
hup_ignored() {
	case $(sed -n 's/^SigIgn:.*\(.\)$/\1/p' /proc/self/status) in
	1 | 3 | 5 | 7 | 9 | b | d | f) return 0 ;;
	esac
	return 1
}
for sig in TERM HUP USR2 ALRM; do
	pre=
	if [ $sig = HUP ] && hup_ignored; then
		if env --default-signal=HUP true 2>/dev/null; then
			pre="env --default-signal=HUP"
		else
			skip "SIGHUP: ignored in this environment (nohup?)"
			continue
		fi
	fi
	reset_knobs
	: >"$TMP/k.out"
	$pre "$ZAPVM" exec --prefetch off --root-zap 4k -- \
		"$TESTVMM" --hold 60 "$ROMTOGGLE" "pages=10" >"$TMP/k.out" 2>&1 &
	zpid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q holding "$TMP/k.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	t_cmp "SIG$sig: knob set while the VMM runs" \
		"$(knob tdp_mmu_change_pte_prefetch)" -eq 0
	kill -"$sig" $zpid
	wait $zpid
	st=$?
	t_cmp "SIG$sig: the VMM ended by it (128+N)" $((st > 128)) -eq 1
	t_cmp "SIG$sig: prefetch restored" "$(knob tdp_mmu_change_pte_prefetch)" -eq 1
	t_cmp "SIG$sig: root-zap restored" "$(knob tdp_mmu_zap_4k)" -eq 0
done
reset_knobs
rm "$K/tdp_mmu_zap_4k"
t_run "exec --root-zap 1g, knob missing: 69" 69 \
	"^zapvm: error: --root-zap: not supported on this host" -- exec \
	--prefetch off --root-zap 1g -- "$TESTVMM" "$ROMTOGGLE"
one_line "root-zap knob missing"
t_cmp "refused: prefetch put back" "$(knob tdp_mmu_change_pte_prefetch)" -eq 1
if [ "$(id -u)" -ne 0 ]; then
	reset_knobs
	chmod 0444 "$K/tdp_mmu_zap_4k"
	t_run "exec --root-zap 4k, knob not writable: 77" \
		77 "--root-zap: cannot write" -- exec --root-zap 4k -- \
		"$TESTVMM" "$ROMTOGGLE"
fi
unset ZAPVM_KNOB_DIR

# The control socket: a VMM under exec is in `zapvm list`, answers
# `stats` and `policy` (switched inside the VMM by the preload library),
# refuses pause, and `stop` ends it as --timeout would.
XDG_RUNTIME_DIR=$(mktemp -d "$TMP/xdg.XXXXXX") || exit 1
export XDG_RUNTIME_DIR
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
: >"$TMP/c.out"
"$ZAPVM" exec --name exc1 --zap-policy all --json "$TMP/ctl.json" -- \
	"$TESTVMM" --pause 30 "$ROMTOGGLE" "$ARGS" >"$TMP/c.out" 2>&1 &
epid=$!
if wait_for "$TMP/c.out" "paused before churn"; then
	tpid=$(sed -n 's/.*paused before churn, pid \([0-9]*\).*/\1/p' "$TMP/c.out")
	t_run "list shows the VMM under exec" 0 "" -- list
	grep -Eq "^exc1 +$tpid +running +1 +64M +.*testvmm" "$TMP/out" &&
		pass "list: name, the VMM's pid, state, vCPUs, RAM, VMM" ||
		{ fail "list: name, the VMM's pid, state, vCPUs, RAM, VMM"; diag "$TMP/out"; }
	t_run "stats NAME of the VMM's VM" 0 "" -- stats exc1
	grep -Eq '^  vcpu +pf_taken +[1-9]' "$TMP/out" &&
		pass "stats: the vCPU's faults" ||
		{ fail "stats: the vCPU's faults"; diag "$TMP/out"; }
	t_run "stats --json" 0 "" -- stats exc1 --json
	grep -q '"vcpus": \[' "$TMP/out" && pass "stats --json: per-vCPU sets" ||
		fail "stats --json: per-vCPU sets"
	t_run "pause is refused for a VMM under exec: 69" 69 \
		"not for a VMM under zapvm exec" -- pause exc1
	if [ "$slot_ok" = true ]; then
		t_run "policy NAME --zap-policy slot: switched inside the VMM" \
			0 "" -- policy exc1 --zap-policy slot
		out_has "policy: the interface" "zap policy slot (KVM_"
		t_run "list --json: the new policy" 0 "" -- list --json
		grep -q '"policy": "slot"' "$TMP/out" &&
			pass "list --json: policy slot" || fail "list --json: policy slot"
		if [ "$series" != true ]; then
			t_run "quirk host: back to all is refused (69)" 69 \
				"cannot be re-enabled" -- policy exc1 --zap-policy all
		fi
	else
		t_run "policy slot where unsupported: 69" 69 "not supported" \
			-- policy exc1 --zap-policy slot
	fi
	kill -USR1 "$tpid"
	wait "$epid"
	t_cmp "the VMM finishes after the control requests" $? -eq 0
	if [ "$slot_ok" = true ]; then
		t_cmp "after the live flip the churn re-faults ~nothing" \
			"$(json_num "$TMP/ctl.json" faults_after_churn)" -le 20
		grep -q '"name": "policy-slot"' "$TMP/ctl.json" &&
			pass "the flip is a phase, as for run" ||
			fail "the flip is a phase, as for run"
	fi
else
	fail "the VMM under exec did not reach its pause"
	diag "$TMP/c.out"
	kill "$epid"
fi
t_run "list: the socket is gone with the VMM" 0 "" -- list
grep -q "^exc1 " "$TMP/out" && fail "exc1 still listed" || pass "exc1 not listed"

: >"$TMP/s.out"
"$ZAPVM" exec --json "$TMP/stop.json" -- "$TESTVMM" --hold 30 "$ROMTOGGLE" \
	"pages=10" >"$TMP/s.out" 2>&1 &
epid=$!
wait_for "$TMP/s.out" holding
t_run "the default name is zapvm-PID of zapvm exec" 0 "" -- list
out_has "zapvm-$epid listed" "zapvm-$epid "
t_run "stop NAME: the VMM gets SIGTERM" 0 "" -- stop "zapvm-$epid"
wait "$epid"
t_cmp "stop: zapvm exec exits with the VMM's 128+15" $? -eq 143
[ -s "$TMP/stop.json" ] && pass "stop: the JSON is written" ||
	fail "stop: the JSON is written"
t_run "exec --name with a bad name: 64" 64 "--name 'a/b'" -- exec --name a/b \
	-- "$TESTVMM" "$ROMTOGGLE"
: >"$TMP/h.out"
"$ZAPVM" exec --name exc2 -- "$TESTVMM" --hold 30 "$ROMTOGGLE" "pages=10" \
	>"$TMP/h.out" 2>&1 &
epid=$!
wait_for "$TMP/h.out" holding
t_run "exec --name of a running VM: 64, the VMM not started" 64 \
	"a running VM has that name" -- exec --name exc2 -- sh -c 'echo started'
[ -s "$TMP/out" ] && fail "the second VMM did not start" ||
	pass "the second VMM did not start"
"$ZAPVM" stop exc2 >/dev/null 2>&1
wait "$epid"
unset XDG_RUNTIME_DIR

# QEMU with SeaBIOS (this host's PVM runs the POST: ~3 s idle, 20+ s on a
# loaded machine, hence the long backstop): memslot changes.
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
	t_run "QEMU + SeaBIOS under exec" 0 "" -- exec --json "$TMP/qemu.json" \
		--boot-done 'Booting from|No bootable device' --until boot-done \
		--timeout 120 --grace 1000 -- qemu-system-x86_64 -accel kvm -M pc \
		-m 128 -nographic -nodefaults -serial stdio -monitor none
	t_cmp "QEMU: memslot changes after the first KVM_RUN" \
		"$(json_num "$TMP/qemu.json" memslot_changes)" -gt 0
else
	pass "# SKIP qemu-system-x86_64 not installed"
fi
finish
