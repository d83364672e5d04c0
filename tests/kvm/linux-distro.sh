#!/bin/sh
# A distribution kernel (/boot/vmlinuz-*, e.g. Debian's linux-image-amd64)
# is parsed, placed and started. Where ring-0 code is emulated the kernel
# gets nowhere in seconds, so this checks only that the vCPU ran and the
# VM stopped cleanly on the timeout; the nested rig boots it for real.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	skip_all "no readable /boot/vmlinuz-*"
fi
initrd=$(ls /boot/initrd.img-* 2>/dev/null | head -n 1)

t_run "$kernel starts and stops on the timeout: exit 124" 124 "timeout" -- \
	run -v -v --kernel "$kernel" --cmdline "console=ttyS0 earlyprintk=serial" \
	--json "$TMP/k.json" --timeout 2
grep -Eq "boot protocol 2\.[0-9]+, [0-9]+-byte kernel at 0x" "$TMP/err" &&
	pass "header parsed and kernel placed" ||
	{ fail "header parsed and kernel placed"; diag "$TMP/err"; }
grep -Eq "vCPU 0: stopped after [0-9]+ exits" "$TMP/err" &&
	pass "vCPU 0 stopped cleanly" ||
	{ fail "vCPU 0 stopped cleanly"; diag "$TMP/err"; }
# KVM's own count: in-kernel exits (emulation, page faults) included.
kexits=$(json_num "$TMP/k.json" exits)
t_cmp "the vCPU ran guest code (KVM exits)" "${kexits:-0}" -ge 1
if grep -v "timeout" "$TMP/err" | grep -q "error"; then
	fail "no error but the timeout"; diag "$TMP/err"
else
	pass "no error but the timeout"
fi
if [ -n "$initrd" ] && [ -r "$initrd" ]; then
	t_run "with $initrd" 124 "timeout" -- run -v --kernel "$kernel" \
		--initrd "$initrd" --mem 1G --timeout 1
	grep -Eq "initrd.*bytes at 0x" "$TMP/err" && pass "initrd placed" ||
		{ fail "initrd placed"; diag "$TMP/err"; }
fi
finish
