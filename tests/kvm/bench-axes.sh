#!/bin/sh
# zapvm bench's memory, trace and firmware axes (issues 16-18): --trace
# off,on gives refaults and the measured floor in the traced cells only
# and the overhead line; --mem-backend and --ram-slots are cells named in
# every CSV row; hugetlb with too few pages is one line and 69 before any
# run; the host MMU settings are in the environment record; bench boot
# --firmware seabios with a stand-in kernel gives the memslot changes by
# cause in both slot layouts.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
SEABIOS=/usr/share/seabios/bios-256k.bin
LINUXBOOT=/usr/share/qemu/linuxboot_dma.bin

# cell FILE POLICY METRIC AXIS-COLUMN AXIS-VALUE COLUMN: a cell row's value.
# The axes' columns: 19 trace, 20 mem_backend, 21 prefault, 22 ram_slots,
# 23 slot_layout, 24 dirty_log.
cell() {
	awk -F, -v p="$2" -v m="$3" -v a="$4" -v v="$5" -v c="$6" \
		'$1 == "cell" && $3 == p && $10 == m && $a == v { print $c; exit }' "$1"
}

t_has() { # DESC FILE PATTERN
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}

"$ZAPVM" caps --json >"$TMP/caps.json" || { echo "Bail out! caps failed"; exit 1; }
slot_ok=$(sed -n 's/.*"policy_slot": *\(true\|false\).*/\1/p' "$TMP/caps.json")

# ---- --trace off,on (issue 17) ----
"$ZAPVM" run --trace=required builtin:exit >/dev/null 2>"$TMP/probe"
if [ $? -eq 0 ] && [ "$slot_ok" = true ]; then
	t_run "bench boot --trace off,on --runs 2" 0 "" -- bench boot \
		--trace off,on --runs 2 --csv "$TMP/tr.csv" --json "$TMP/tr.json"
	t_has "CSV header names the axes" "$TMP/tr.csv" \
		",floor,trace,mem_backend,prefault,ram_slots,slot_layout,dirty_log$"
	ra=$(cell "$TMP/tr.csv" all refaults 19 on 12)
	rs=$(cell "$TMP/tr.csv" slot refaults 19 on 12)
	t_cmp "traced, policy all: refaults >= 300" "${ra%.*}" -ge 300
	t_cmp "traced, policy slot: refaults <= 20" "${rs%.*}" -le 20
	for p in all slot; do
		fl=$(cell "$TMP/tr.csv" $p floor_gfns 19 on 12)
		tot=$(cell "$TMP/tr.csv" $p faults_total 19 on 18)
		t_cmp "$p: floor_gfns ($fl) within 1% of the layout floor" \
			$(( (${fl%.*} - ${tot%.*}) * 100 )) -le "${tot%.*}"
		t_cmp "$p: and not below it by 1%" \
			$(( (${tot%.*} - ${fl%.*}) * 100 )) -le "${tot%.*}"
		nr=$(cell "$TMP/tr.csv" $p refaults 19 off 11)
		m=$(cell "$TMP/tr.csv" $p refaults 19 off 12)
		[ "$nr" = 0 ] && [ -z "$m" ] &&
			pass "untraced $p cell: refaults missing (n 0, no mean)" ||
			fail "untraced $p cell: refaults n '$nr' mean '$m'"
		ov=$(cell "$TMP/tr.csv" $p faults_over_floor 19 on 12)
		ft=$(cell "$TMP/tr.csv" $p faults_total 19 on 12)
		t_cmp "$p: faults_over_floor = faults - floor" "${ov%.*}" -eq \
			$(( ${ft%.*} - ${fl%.*} ))
	done
	t_has "table: trace=on and trace=off cells" "$TMP/out" \
		"^512M +1 +off +all +trace=on "
	t_has "table: the overhead, on over off" "$TMP/out" \
		"trace=on wall_ms: [0-9.]+ ms vs [0-9.]+ ms"
	t_has "JSON cells say trace" "$TMP/tr.json" '"trace": true'
	t_has "JSON: the trace overhead" "$TMP/tr.json" '"trace_overhead": \['
else
	skip "bench --trace: no tracing or no slot policy here"
fi
# Without permission (nobody, in /dev/kvm's group): one line, the traced
# cells run untraced and say so; 77 with --trace=required.
if can_drop_root; then
	nobody() {
		as_nobody "$ZAPVM" bench boot --runs 1 --mem 64M --policy all \
			"$@" >"$TMP/out" 2>"$TMP/err"
	}
	nobody --trace=required
	st=$?
	[ $st -eq 77 ] && pass "bench --trace=required, no permission: 77" ||
		{ fail "bench --trace=required, no permission: exit $st"
		  diag "$TMP/err"; }
	one_line "bench --trace=required without permission"
	nobody --trace
	st=$?
	[ $st -eq 0 ] && pass "bench --trace, no permission: the runs go on" ||
		{ fail "bench --trace, no permission: exit $st"; diag "$TMP/err"; }
	one_line "bench --trace without permission"
	t_has "and the table says the cells ran untraced" "$TMP/out" \
		"^trace=on cells ran untraced: "
	t_has "with the trace metrics missing" "$TMP/out" \
		"^64M +1 +off +all +trace=on .* - +- +- +boot"
else
	skip "no util-linux setpriv, or /dev/kvm not group-accessible"
fi
t_run "--trace=maybe: usage error" 64 "--trace" -- bench boot --trace=maybe
one_line "--trace=maybe"

# ---- --mem-backend, --ram-slots (issue 18) ----
hugepages_reserve 32
free2m=$hp_free
if [ "$free2m" -ge 32 ]; then backs=anon,memfd,hugetlb; else backs=anon,memfd; fi
t_run "bench boot --mem-backend $backs --runs 1 --mem 64M" 0 "" -- \
	bench boot --mem-backend $backs --runs 1 --mem 64M --policy all \
	--csv "$TMP/mb.csv"
for b in $(echo $backs | tr , ' '); do
	[ $b = hugetlb ] && b=hugetlb-2M
	rows=$(awk -F, -v b=$b '$1 == "cell" && $10 == "faults_total" &&
		$20 == b && $11 == 1' "$TMP/mb.csv" | wc -l)
	t_cmp "CSV: one faults_total row of backing $b" "$rows" -eq 1
done
# THP advice does not apply to hugetlb: one cell per policy, not per --thp.
if [ "$free2m" -lt 32 ]; then
	skip "hugetlb: $free2m free 2 MiB pages"
else
	t_run "bench boot --mem-backend anon,hugetlb --hugepage-size 2M --thp off,on" 0 "" -- \
		bench boot --mem-backend anon,hugetlb --hugepage-size 2M \
		--thp off,on --runs 1 --mem 64M --policy all --csv "$TMP/mt.csv"
	for bt in anon:2 hugetlb-2M:1; do
		rows=$(awk -F, -v b=${bt%:*} '$1 == "cell" &&
			$10 == "faults_total" && $20 == b && $11 == 1' \
			"$TMP/mt.csv" | wc -l)
		t_cmp "--thp off,on: ${bt#*:} cell(s) of backing ${bt%:*}" \
			"$rows" -eq "${bt#*:}"
	done
fi
fa=$(cell "$TMP/mb.csv" all faults_total 20 anon 12)
fm=$(cell "$TMP/mb.csv" all faults_total 20 memfd 12)
t_cmp "anon and memfd: the same faults" "${fa:-0}" -eq "${fm:--1}"
t_has "CSV: the host MMU settings" "$TMP/mb.csv" \
	"^# host_mmu: .*kvm_tdp_mmu=.* kvm_nx_huge_pages=.*hugepages"
t_has "CSV: the memory record" "$TMP/mb.csv" \
	"^# memory: mem_backend $backs; hugepage_size 2M; prefault off"

mib=$(( (free2m + 1) * 2 ))
[ $mib -ge 64 ] || mib=64
# A host without a 2 MiB pool at all (the rig's L1) says that instead.
why=nr_hugepages
[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || why="no 2048 kB huge pages"
t_run "hugetlb, too few pages: 69 before any run" 69 \
	"$why" -- bench boot --mem-backend hugetlb --runs 1 \
	--mem ${mib}M --policy all
one_line "hugetlb, too few pages"

t_run "bench boot --ram-slots 1,4 --prefault" 0 "" -- bench boot \
	--ram-slots 1,4 --prefault --runs 1 --mem 64M --policy all \
	--csv "$TMP/rs.csv"
f1=$(cell "$TMP/rs.csv" all faults_total 22 1 12)
f4=$(cell "$TMP/rs.csv" all faults_total 22 4 12)
t_cmp "--ram-slots 1 and 4: the same faults" "${f1:-0}" -eq "${f4:--1}"
t_has "CSV: prefault recorded" "$TMP/rs.csv" "^cell,.*,on,4,-,off$"
t_run "--ram-slots 0: usage error" 64 "--ram-slots" -- bench boot \
	--ram-slots 0
one_line "--ram-slots 0"
t_run "--mem-backend bogus: usage error" 64 "--mem-backend" -- bench boot \
	--mem-backend bogus
one_line "--mem-backend bogus"

# ---- boot --firmware (issue 16): SeaBIOS, a stand-in kernel ----
if [ -f "$SEABIOS" ] && [ -f "$LINUXBOOT" ]; then
	# The setup code marks boot-done (port 0x5a08) and halts: bench
	# stops the run there, as at a real kernel's /init.
	k=$TMP/stub.bzImage
	setup_stub "$k"
	put "$k" $((0x280)) ba 08 5a ee fa f4 eb fd # out 0x5a08; cli; hlt
	put "$k" 1024 4b
	t_run "bench boot --firmware seabios --slot-layout qemu,split --vga std" 0 "" -- \
		bench boot --firmware seabios --kernel "$k" --slot-layout \
		qemu,split --vga std --policy all --runs 1 --mem 64M \
		--timeout 120 --csv "$TMP/fw.csv"
	pq=$(cell "$TMP/fw.csv" all ioctls_pam 23 qemu 12)
	ps=$(cell "$TMP/fw.csv" all ioctls_pam 23 split 12)
	cq=$(cell "$TMP/fw.csv" all changes_pam 23 qemu 12)
	cs=$(cell "$TMP/fw.csv" all changes_pam 23 split 12)
	t_cmp "PAM changes: the same in both layouts" "${cq:-0}" -eq "${cs:--1}"
	t_cmp "PAM changes: at least 2 (unlock, lock)" "${cq:-0}" -ge 2
	t_cmp "PAM ioctls: more with qemu's merged RAM slot than split" \
		"${pq:-0}" -gt "${ps:-0}"
	v=$(cell "$TMP/fw.csv" all ioctls_rom_bar 23 qemu 12)
	t_cmp "no option ROM: ioctls_rom_bar 0" "${v:--1}" -eq 0
	for l in qemu split; do
		v=$(cell "$TMP/fw.csv" all changes_ram_bar 23 $l 12)
		t_cmp "$l: --vga std's VRAM BAR changes" "${v:-0}" -ge 1
	done
	pm=$(cell "$TMP/fw.csv" all post_ms 23 qemu 12)
	t_cmp "POST took time" "${pm%.*}" -gt 0
	kf=$(cell "$TMP/fw.csv" all faults_kernel 23 qemu 11)
	t_cmp "the kernel-entry mark was reached" "${kf:-0}" -eq 1
	t_has "table: the firmware record" "$TMP/out" \
		"^firmware: seabios; slot_layout qemu,split"
	t_has "table: the layout column" "$TMP/out" "layout=split"
else
	skip "bench --firmware: SeaBIOS or linuxboot_dma.bin not installed"
fi
t_run "--firmware without --kernel: usage error" 64 "--firmware" -- \
	bench boot --firmware seabios
one_line "--firmware without --kernel"
t_run "--slot-layout without --firmware: usage error" 64 "--slot-layout" \
	-- bench boot --slot-layout split
one_line "--slot-layout without --firmware"

finish
