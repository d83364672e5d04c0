#!/bin/sh
# zapvm run's experiment options: --prefetch and --root-zap set the zapvm
# kernel series' kvm.ko knobs for one run and put the old value back on
# every exit (normal, guest error, timeout, signal); where the knob is
# missing they are refused with one line and 69. The save/restore runs
# against plain files through $ZAPVM_KNOB_DIR. --zap-churn zaps all roots
# from a VMM thread while the guest runs.
. "$(dirname "$0")/lib.sh"
require_kvm

PF=/sys/module/kvm/parameters/tdp_mmu_change_pte_prefetch
RZ=/sys/module/kvm/parameters/tdp_mmu_zap_4k

# ---- the real knobs: refused where the series is missing ----
if [ ! -e "$PF" ]; then
	t_run "run --prefetch on without the series: 69" 69 \
		"^zapvm: error: --prefetch: not supported on this host: .*tdp_mmu_change_pte_prefetch is missing" \
		-- run --prefetch on builtin:exit
	one_line "run --prefetch on"
fi
if [ ! -e "$RZ" ]; then
	t_run "run --root-zap 1g without the series: 69" 69 \
		"^zapvm: error: --root-zap: not supported on this host: .*tdp_mmu_zap_4k is missing" \
		-- run --root-zap 1g builtin:exit
	one_line "run --root-zap 1g"
fi
t_run "run --prefetch maybe: 64" 64 "--prefetch 'maybe'" \
	-- run --prefetch maybe builtin:exit
t_run "run --root-zap 2m: 64" 64 "--root-zap '2m'" \
	-- run --root-zap 2m builtin:exit
t_run "run --zap-churn 0: 64" 64 "--zap-churn '0'" \
	-- run --zap-churn 0 builtin:exit
t_run "run --zap-churn x: 64" 64 "--zap-churn 'x'" \
	-- run --zap-churn x builtin:exit

# ---- save and restore, against files ----
K=$TMP/knobs
mkdir "$K"
export ZAPVM_KNOB_DIR="$K"
knob() { cat "$K/$1" 2>/dev/null; }
reset_knobs() {
	echo Y >"$K/tdp_mmu_change_pte_prefetch"
	echo N >"$K/tdp_mmu_zap_4k"
}

reset_knobs
t_run "run --prefetch off --root-zap 4k, normal exit" 0 "" \
	-- run --prefetch off --root-zap 4k builtin:exit
t_cmp "prefetch restored to Y" "$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 1
t_cmp "root-zap restored to N" "$(knob tdp_mmu_zap_4k | tr YN 10)" -eq 0

reset_knobs
t_run "run --prefetch off, the guest fails its assertion" 100 "" \
	-- run --prefetch off builtin:assert
t_cmp "guest error: prefetch restored" \
	"$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 1

reset_knobs
t_run "run --root-zap 4k, a guest status" 7 "" \
	-- run --root-zap 4k --args status=7 builtin:exit
t_cmp "guest status: root-zap restored" "$(knob tdp_mmu_zap_4k | tr YN 10)" -eq 0

reset_knobs
t_run "run --prefetch off, timeout" 124 "" \
	-- run --prefetch off --timeout 1 --args spin=1 builtin:exit
t_cmp "timeout: prefetch restored" \
	"$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 1

# While the guest runs, the knob holds the new value; SIGINT and SIGTERM
# end the run with 130 and put it back.
for sig in INT TERM; do
	reset_knobs
	"$ZAPVM" run --prefetch off --root-zap 4k --args spin=1 builtin:exit \
		>"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# Up to 30 s: zapvm's start in an L1 under TCG on a loaded host
	# is slow (5 s was not always enough in CI's nested runs).
	i=0
	while [ "$(knob tdp_mmu_change_pte_prefetch)" != N ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t_cmp "SIG$sig: knob set while the guest runs (after $((i * 100)) ms)" \
		"$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 0
	sleep 0.3
	kill -"$sig" "$pid"
	wait "$pid"
	t_cmp "SIG$sig: exit 130" $? -eq 130
	t_cmp "SIG$sig: prefetch restored" \
		"$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 1
	t_cmp "SIG$sig: root-zap restored" \
		"$(knob tdp_mmu_zap_4k | tr YN 10)" -eq 0
done

# One knob missing: refused before the VM starts, the other put back.
reset_knobs
rm "$K/tdp_mmu_zap_4k"
t_run "run --prefetch off --root-zap 1g, root-zap knob missing: 69" 69 \
	"^zapvm: error: --root-zap: not supported on this host" \
	-- run --prefetch off --root-zap 1g builtin:exit
one_line "root-zap knob missing"
t_cmp "refused: prefetch put back" \
	"$(knob tdp_mmu_change_pte_prefetch | tr YN 10)" -eq 1

# A knob that cannot be written: 77 (root writes any file, so as a user).
if [ "$(id -u)" -ne 0 ]; then
	reset_knobs
	chmod 0444 "$K/tdp_mmu_zap_4k"
	t_run "run --root-zap 4k, knob not writable: 77" 77 \
		"--root-zap: cannot write" -- run --root-zap 4k builtin:exit
fi
unset ZAPVM_KNOB_DIR

# ---- --zap-churn: a VMM thread zaps all roots while the guest runs ----
t_run "run --zap-churn 2 --stats" 0 "" -- run --zap-churn 2 --stats \
	--args "pages=20000" builtin:touch
changes=$(sed -n 's/.* \([0-9][0-9]*\) run-time memslot changes.*/\1/p' "$TMP/out")
t_cmp "zap churn: run-time memslot changes seen" "${changes:-0}" -ge 2
t_has() {
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}
t_has "zap churn: the zapper's unmap is a phase" "$TMP/out" "zapper-unmap"
t_has "zap churn: the zapper's re-map is a phase" "$TMP/out" "zapper-map"
t_run "run --zap-churn -v reports the zaps" 0 "zap churn: [0-9]+ zaps" \
	-- run --zap-churn 1 -v --args "pages=20000" builtin:touch

# The progress guest under run: idle=1 ends after its touch; without it
# only a VM hook says go, so it counts until the timeout.
t_run "run builtin:progress idle=1" 0 "" -- run --mem 32M --zap-churn 1 \
	--args "pages=4000 idle=1" builtin:progress
t_run "run builtin:progress counts until --timeout" 124 "timeout" \
	-- run --mem 32M --timeout 1 --args pages=100 builtin:progress
finish
