#!/bin/sh
# --mem-backend, --hugepage-size and --prefault: every backing runs the
# touch guest with a plausible fault count, hugetlb 2M with far fewer
# faults than pages, and bad input is one line and a documented status.
. "$(dirname "$0")/lib.sh"
require_kvm

N=1000
for b in anon memfd shm; do
	t_run "--mem-backend $b runs touch" 0 "" -- run --mem 64M \
		--mem-backend $b --json "$TMP/$b.json" \
		--args "pages=$N" builtin:touch
	t_cmp "$b: at least one fault per touched page" \
		"$(json_num "$TMP/$b.json" faults_total)" -ge $N
	grep -q "\"mem_backend\": \"$b\"" "$TMP/$b.json" &&
		pass "$b: JSON config names the backing" ||
		fail "$b: JSON config names the backing"
done

truncate -s 64M "$TMP/ram.img"
t_run "--mem-backend file:PATH runs touch" 0 "" -- run --mem 64M \
	--mem-backend "file:$TMP/ram.img" --json "$TMP/file.json" \
	--args "pages=$N" builtin:touch
t_cmp "file: at least one fault per touched page" \
	"$(json_num "$TMP/file.json" faults_total)" -ge $N
grep -q '"mem_file": "' "$TMP/file.json" &&
	pass "file: JSON config names the file" ||
	fail "file: JSON config names the file"

t_run "--prefault runs touch" 0 "" -- run --mem 64M --prefault \
	--json "$TMP/pre.json" --args "pages=$N" builtin:touch
grep -q '"prefault": true' "$TMP/pre.json" &&
	pass "--prefault: JSON config says prefault true" ||
	fail "--prefault: JSON config says prefault true"
grep -q '"prefault": false' "$TMP/anon.json" &&
	pass "without --prefault: JSON config says prefault false" ||
	fail "without --prefault: JSON config says prefault false"

# hugetlb 2M: 64M of RAM takes 32 pages.
hp=/sys/kernel/mm/hugepages/hugepages-2048kB
hugepages_reserve 32
free=$hp_free
resv=$(cat $hp/resv_hugepages 2>/dev/null || echo 0)
if [ $((free - resv)) -ge 32 ]; then
	t_run "--mem-backend hugetlb runs touch" 0 "" -- run --mem 64M \
		--mem-backend hugetlb --json "$TMP/huge.json" \
		--args "pages=$N" builtin:touch
	f=$(json_num "$TMP/huge.json" faults_total)
	t_cmp "hugetlb 2M: far fewer faults than pages" "$f" -lt $((N / 4))
	grep -q '"hugepage_size": 2097152' "$TMP/huge.json" &&
		pass "hugetlb: JSON config records the 2 MiB page size" ||
		fail "hugetlb: JSON config records the 2 MiB page size"
	t_run "hugetlb --prefault runs touch" 0 "" -- run --mem 64M \
		--mem-backend hugetlb --hugepage-size 2M --prefault \
		--args "pages=$N" builtin:touch
	after=$(cat $hp/free_hugepages)
	t_cmp "hugetlb: every page back in the pool after the run" \
		"$after" -eq "$free"
else
	skip "hugetlb 2M: fewer than 32 free 2 MiB pages (77)"
fi
# Far more than any pool here holds: refused before mapping.  A host
# without a 2 MiB pool (a kernel without HUGETLBFS) says that instead.
if [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
	t_run "too few huge pages: exit 69 naming the sysctl" 69 \
		"nr_hugepages.* to [0-9]+" -- run --mem 60G \
		--mem-backend hugetlb builtin:touch
else
	t_run "no 2 MiB pool: exit 69 saying so" 69 "no 2048 kB huge pages" \
		-- run --mem 60G --mem-backend hugetlb builtin:touch
fi
one_line "too few huge pages"
if [ ! -d /sys/kernel/mm/hugepages/hugepages-1048576kB ]; then
	t_run "a huge page size the host lacks: exit 69" 69 "no 1048576 kB" \
		-- run --mem-backend hugetlb --hugepage-size 1G builtin:touch
	one_line "missing huge page size"
fi

t_run "unknown backing: exit 64" 64 "expected anon, memfd" -- run \
	--mem-backend bogus builtin:touch
one_line "unknown backing"
t_run "--hugepage-size without hugetlb: exit 64" 64 "needs --mem-backend" \
	-- run --hugepage-size 2M builtin:touch
one_line "--hugepage-size without hugetlb"
t_run "bad --hugepage-size: exit 64" 64 "expected 2M or 1G" -- run \
	--mem-backend hugetlb --hugepage-size 4M builtin:touch
one_line "bad --hugepage-size"
t_run "--thp with hugetlb: exit 64" 64 "does not apply" -- run \
	--mem-backend hugetlb --thp on builtin:touch
one_line "--thp with hugetlb"
truncate -s 32M "$TMP/small.img"
t_run "file backing smaller than --mem: exit 65" 65 "smaller than" -- run \
	--mem 64M --mem-backend "file:$TMP/small.img" builtin:touch
one_line "small file backing"
t_run "missing file backing: exit 66" 66 "No such file" -- run \
	--mem-backend "file:$TMP/none.img" builtin:touch
one_line "missing file backing"
mkfifo "$TMP/fifo"
t_run "FIFO file backing: exit 65, never opened" 65 "not a regular file" \
	-- run --mem-backend "file:$TMP/fifo" builtin:touch
one_line "FIFO file backing"
t_run "demo takes --mem-backend" 0 "" -- demo --mem 64M --mem-backend memfd
finish
