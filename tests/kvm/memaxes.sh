#!/bin/sh
# --ram-slots and --dirty-log: RAM in N memslots faults as in one; each
# dirty-log mode collects exactly the pages the touch guest dirtied; the
# ring's full exits; bad values are one line and a documented status.
. "$(dirname "$0")/lib.sh"
require_kvm

N=1000
# The touch guest on one vCPU dirties 11 pages of its own besides the
# N it touches: the PML4, PDPT and PD (accessed/dirty bits, 0x2000-0x4000),
# the boot FDT page (0x50000), the TLS page (0x60000), vCPU 0's stack page
# (0x71000) and the guest image's 5 data pages (0x100000-0x104000).
OWN=11

t_run "1 RAM slot: touch runs" 0 "" -- run --json "$TMP/s1.json" \
	--args "pages=$N" builtin:touch
t_run "--ram-slots 4: touch runs" 0 "" -- run --ram-slots 4 \
	--json "$TMP/s4.json" --args "pages=$N" builtin:touch
f1=$(json_num "$TMP/s1.json" faults_total)
f4=$(json_num "$TMP/s4.json" faults_total)
t_cmp "--ram-slots 4: the same faults as 1 slot" "$f4" -eq "$f1"
t_cmp "--ram-slots 4: JSON config ram_slots" \
	"$(json_num "$TMP/s4.json" ram_slots)" -eq 4
t_cmp "--ram-slots 4: 4 RAM memslots in the result" \
	"$(json_num "$TMP/s4.json" ram_memslots)" -eq 4
t_cmp "1 slot: 1 RAM memslot in the result" \
	"$(json_num "$TMP/s1.json" ram_memslots)" -eq 1
# 65 MiB in 3: 22 + 22 + 21 MiB; touch spans the first two slots' border
# only with more pages than that, so touch them all.
t_run "--ram-slots 3 over 65 MiB: touch runs" 0 "" -- run --mem 65M \
	--ram-slots 3 --json "$TMP/s3.json" --args "pages=16000" builtin:touch
t_cmp "--ram-slots 3: 3 RAM memslots" \
	"$(json_num "$TMP/s3.json" ram_memslots)" -eq 3

# mode_ok MODE FILE: run touch under MODE; 69 naming the cap is a pass
# for a host without it (PVM may lack one), and the checks are skipped.
mode_ok() {
	"$ZAPVM" run --dirty-log "$1" --json "$2" --args "pages=$N" \
		builtin:touch >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 69 ] && grep -Eq "lacks KVM_|refuses a ring" "$TMP/err"; then
		one_line "--dirty-log $1 on a host without it"
		skip "--dirty-log $1: $(cat "$TMP/err")"
		return 1
	fi
	if [ $st -ne 0 ]; then
		fail "--dirty-log $1 runs touch (exit $st)"
		diag "$TMP/err"
		return 1
	fi
	pass "--dirty-log $1 runs touch"
}

for m in bitmap manual manual:no-init-set ring; do
	f=$TMP/dl-$(echo $m | tr : -).json
	mode_ok $m "$f" || continue
	t_cmp "$m: collects exactly the $N touched + $OWN own pages" \
		"$(json_num "$f" dirty_pages)" -eq $((N + OWN))
	grep -q "\"dirty_log\": \"$m" "$f" &&
		pass "$m: JSON config names the mode" ||
		fail "$m: JSON config names the mode"
done

# The guest's "touch" phase holds the touched pages (and re-dirtied own
# ones); the collection at the phase boundary splits them off "start".
f=$TMP/dl-bitmap.json
if [ -f "$f" ]; then
	start=$(sed -n 's/.*"dirty_pages": *\([0-9]*\).*/\1/p' "$f" | sed -n 2p)
	t_cmp "bitmap: phase start holds the $OWN own pages" "${start:-x}" \
		-eq $OWN
fi

# A ring smaller than N (its soft limit is 1024 - 64 entries, less with PML): KVM_EXIT_DIRTY_RING_FULL, harvested, no page lost.
if mode_ok ring:1024 "$TMP/ring1024.json"; then
	t_cmp "ring:1024: full exits taken" \
		"$(json_num "$TMP/ring1024.json" dirty_ring_full_exits)" -ge 1
	t_cmp "ring:1024: still exactly $N + $OWN pages" \
		"$(json_num "$TMP/ring1024.json" dirty_pages)" -eq $((N + OWN))
fi

# Two vCPUs fill two rings; one's full exit harvests both, and a ring
# another thread emptied first is no overflow. vCPU 1's stack: one more.
if "$ZAPVM" run --dirty-log ring:1024 --cpus 2 --json "$TMP/ring2.json" \
	--args "pages=3000" builtin:touch >"$TMP/out" 2>"$TMP/err"; then
	t_cmp "ring:1024 on 2 vCPUs: exactly 3000 + $((OWN + 1)) pages" \
		"$(json_num "$TMP/ring2.json" dirty_pages)" -eq $((3000 + OWN + 1))
elif grep -Eq "lacks KVM_|refuses a ring" "$TMP/err"; then
	skip "ring on 2 vCPUs: $(cat "$TMP/err")"
else
	fail "ring:1024 on 2 vCPUs runs touch"
	diag "$TMP/err"
fi

t_run "--ram-slots 4 with --dirty-log bitmap" 0 "" -- run --ram-slots 4 \
	--dirty-log bitmap --json "$TMP/s4d.json" --args "pages=$N" \
	builtin:touch
t_cmp "--ram-slots 4: bitmap over 4 slots, the same pages" \
	"$(json_num "$TMP/s4d.json" dirty_pages)" -eq $((N + OWN))

# A Linux guest (the stand-in bzImage): its e820 map is the same in any
# number of slots; 5 GiB puts RAM on both sides of the PCI hole, so the
# slot across it is cut in two (3 slots -> 4 KVM slots).
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	for s in 1 3; do
		t_run "Linux stub, 5 GiB, --ram-slots $s: powers off" 0 "" -- \
			run --kernel "$LINUX_STUB" --mem 5G --ram-slots $s \
			--dirty-log bitmap --json "$TMP/lx$s.json" \
			--cmdline "console=ttyS0 stub=poweroff" --timeout 30 \
			</dev/null
		out_has "--ram-slots $s: the e820 map has its 5 entries" \
			"e820=0x0000000000000005"
	done
	t_cmp "Linux stub, --ram-slots 3: 4 KVM slots around the hole" \
		"$(json_num "$TMP/lx3.json" ram_memslots)" -eq 4
	t_cmp "Linux stub, --ram-slots 1: RAM low and high" \
		"$(json_num "$TMP/lx1.json" ram_memslots)" -eq 2
else
	skip "Linux stub: LINUX_STUB does not name the stub bzImage"
fi

# Bad input.
t_run "--ram-slots 32768: over KVM_CAP_NR_MEMSLOTS, exit 69" 69 \
	"KVM_CAP_NR_MEMSLOTS" -- run --ram-slots 32768 builtin:touch
one_line "--ram-slots over the host's limit"
t_run "--ram-slots 32769: exit 64" 64 "from 1 to 32768" -- run \
	--ram-slots 32769 builtin:touch
one_line "--ram-slots over 32768"
t_run "--ram-slots 0: exit 64" 64 "from 1 to 32768" -- run \
	--ram-slots 0 builtin:touch
one_line "--ram-slots 0"
t_run "--ram-slots 2000 over 4 MiB: exit 64" 64 "fewer than 2000" -- run \
	--mem 4M --ram-slots 2000 builtin:touch
one_line "--ram-slots over the RAM's pages"
t_run "--ram-slots with --firmware: exit 64" 64 "--firmware" -- run \
	--firmware seabios --ram-slots 2
one_line "--ram-slots with --firmware"
t_run "--dirty-log junk: exit 64" 64 "expected off, bitmap" -- run \
	--dirty-log junk builtin:touch
one_line "--dirty-log junk"
t_run "--dirty-log ring:0: exit 64" 64 "power of two" -- run \
	--dirty-log ring:0 builtin:touch
one_line "--dirty-log ring:0"
t_run "--dirty-log ring:1000: exit 64" 64 "power of two" -- run \
	--dirty-log ring:1000 builtin:touch
one_line "--dirty-log ring:1000"
t_run "demo takes --ram-slots: a bad one is exit 64" 64 "from 1 to" -- \
	demo --ram-slots 0
finish
