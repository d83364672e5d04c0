#!/bin/sh
# Real Linux boots, where ring-0 guest code runs at usable speed: inside the
# nested rig's L1 started with --l2 (tests/nested/run --l2), which puts L2
# kernels and an initrd in /l2. Each kernel must reach the initrd's /init
# (it prints ZAPVM-L2-OK, then reboots: exit 102), with a boot-done phase.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
l2=${ZAPVM_L2_DIR:-/l2}
initrd=$l2/initrd-l2.cpio.gz
if [ ! -f "$initrd" ]; then
	skip_all "no $initrd (only in the nested rig with --l2)"
fi
for k in "$l2/bzImage-rig" "$l2/vmlinuz-debian"; do
	[ -f "$k" ] || continue
	name=$(basename "$k")
	"$ZAPVM" run --kernel "$k" --initrd "$initrd" --cpus 2 --mem 512M \
		--cmdline "console=ttyS0 lpj=1000000" --timeout 900 \
		--json "$TMP/$name.json" >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 102 ] || [ $st -eq 0 ]; then
		pass "$name: booted and ended the VM (exit $st)"
	else
		fail "$name: exit $st"
		diag "$TMP/err"
		tail -n 20 "$TMP/out" | diag
	fi
	grep -q "ZAPVM-L2-OK" "$TMP/out" && pass "$name: /init ran" ||
		fail "$name: /init ran"
	grep -q '"name": "boot-done"' "$TMP/$name.json" &&
		pass "$name: boot-done phase" || fail "$name: boot-done phase"
	ms=$(json_num "$TMP/$name.json" boot_done_ms)
	echo "# $name: boot done after ${ms:-?} ms"
done
finish
