#!/bin/sh
# The Linux boot path end to end with a stand-in kernel (linux-stub.S): the
# 64-bit entry state, the zero page, initrd and command line, ACPI poweroff,
# reboot, panic, triple fault, the boot-done mark and the serial console;
# PCI only with a PCI device or --pci on (conf1, the DSDT, the MP table).
. "$(dirname "$0")/lib.sh"
require_kvm
if [ -z "${LINUX_STUB:-}" ] || [ ! -f "$LINUX_STUB" ]; then
	skip_all "LINUX_STUB does not name the stub bzImage"
fi
exec </dev/null # the console reads stdin; never a terminal here
stub=$LINUX_STUB

err_lines() { # DESC N
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" -eq "$2" ]; then pass "$1: $2 line(s) on stderr"
	else fail "$1: $lines lines on stderr, want $2"; diag "$TMP/err"; fi
}

t_run "poweroff through ACPI: exit 0" 0 "" -- run --kernel "$stub" \
	--cmdline "console=ttyS0 stub=poweroff" --timeout 30
out_has "startup_64 reached" "zapvm-stub: 64-bit entry reached"
out_has "boot segments, interrupts off" \
	"cs=0x0000000000000010 ds=0x0000000000000018 ss=0x0000000000000018 if=0x0000000000000000"
out_has "%rsi is the zero page with the header" "header=0x0000000053726448"
out_has "e820 map and RSDP address" \
	"e820=0x0000000000000004 rsdp=0x00000000000e0000"
out_has "command line" "cmdline=console=ttyS0 stub=poweroff"
out_has "ACPI path walked" "zapvm-stub: powering off"
# KVM_CAP_TSC_DEADLINE_TIMER answers 1 on every x86 KVM (in-kernel LAPIC).
out_has "CPUID.1:ECX[24]: the TSC-deadline timer is offered" \
	"cpuid: tsc-deadline=0x0000000000000001"
err_lines "poweroff" 0
# No PCI device: no PCI bus (--pci auto), as on QEMU's microvm. Conf1 reads
# all ones, so Linux's pci_check_type1() fails; no \_SB.PCI0, no MP PCI bus.
out_has "no PCI device: conf1's address register reads all ones" \
	"pci: cf8=0x00000000ffffffff id00=0x00000000ffffffff"
out_has "... the DSDT is \\_S5 alone (50 bytes), no PCI0" \
	"dsdt=0x0000000000000032 pci0=0x0000000000000000"
out_has "... the MP table has no PCI bus" "mppcibuses=0x0000000000000000"

# PCI: --pci on, or a PCI device (here a disk), brings the host bridge.
head -c 4096 /dev/zero >"$TMP/disk.img"
for how in "--pci on" "--disk $TMP/disk.img"; do
	t_run "$how: exit 0" 0 "" -- run --kernel "$stub" $how \
		--json "$TMP/pci.json" --timeout 30
	out_has "$how: conf1 reads back, 00:00.0 is 8086:1237" \
		"pci: cf8=0x0000000080000000 id00=0x0000000012378086"
	out_has "$how: \\_SB.PCI0 in the DSDT" "pci0=0x0000000000000001"
	out_has "$how: a PCI bus in the MP table" \
		"mppcibuses=0x0000000000000001"
	if grep -q '"pci": true' "$TMP/pci.json"; then
		pass "$how: \"pci\": true in the JSON config"
	else fail "$how: \"pci\": true in the JSON config"; fi
done
t_run "--pci off --disk: exit 64, before any VM" 64 \
	"--pci off: --disk adds a PCI device, which needs the PCI bus" -- \
	run --kernel "$stub" --pci off --disk "$TMP/disk.img"
err_lines "--pci off --disk" 1
t_run "--pci bogus: exit 64" 64 "--pci 'bogus'" -- run --kernel "$stub" \
	--pci bogus
err_lines "--pci bogus" 1
t_run "--pci off without a PCI device" 0 "" -- run --kernel "$stub" \
	--pci off --json "$TMP/off.json" --timeout 30
out_has "--pci off: conf1 reads all ones" "cf8=0x00000000ffffffff"
if grep -q '"pci": false' "$TMP/off.json"; then
	pass "--pci off: \"pci\": false in the JSON config"
else fail "--pci off: \"pci\": false in the JSON config"; fi

t_run "the default command line" 0 "" -- run --kernel "$stub" --timeout 30
out_has "default is console=ttyS0" "cmdline=console=ttyS0"

printf 'zapvm-initrd-marker\n' >"$TMP/initrd"
t_run "an initrd" 0 "" -- run --kernel "$stub" --initrd "$TMP/initrd" \
	--mem 64M --timeout 30
out_has "initrd size in the zero page" "initrd size=0x0000000000000014"
out_has "initrd at the top of RAM, page aligned" "at=0x0000000003fff000"
out_has "initrd contents" "first=zapvm-initrd-mar"

t_run "4 GiB of RAM: a second slot above 4 GiB" 0 "" -- run --kernel "$stub" \
	--mem 4G --timeout 30
out_has "five e820 entries" "e820=0x0000000000000005"

out_has "one vCPU in the MP table" "mpcpus=0x0000000000000001"
t_run "4 vCPUs: the others wait for SIPI, teardown kicks them" 0 "" -- \
	run --kernel "$stub" --cpus 4 --timeout 30
out_has "four vCPUs in the MP table" "mpcpus=0x0000000000000004"

t_run "boot-done on 'Run /init as init process'" 0 "" -- run \
	--kernel "$stub" --cmdline "stub=init" --stats --json "$TMP/init.json" \
	--timeout 30
grep -q '"name": "boot-done"' "$TMP/init.json" &&
	pass "boot-done phase in the JSON" || fail "boot-done phase in the JSON"
bd=$(json_num "$TMP/init.json" boot_done_ms)
[ -n "$bd" ] && pass "boot_done_ms in the JSON ($bd)" ||
	fail "boot_done_ms in the JSON"
out_has "--stats reports the boot time" "boot done after"

t_run "boot-done on the boot-done port" 0 "" -- run --kernel "$stub" \
	--cmdline "stub=bootport" --json "$TMP/port.json" --timeout 30
grep -q '"name": "boot-done"' "$TMP/port.json" &&
	pass "port: boot-done phase in the JSON" ||
	fail "port: boot-done phase in the JSON"

t_run "i8042 reset: exit 102" 102 "rebooted \(i8042" -- run --kernel "$stub" \
	--cmdline "stub=reboot" --timeout 30
err_lines "reboot" 1
t_run "kernel panic on the console: exit 103" 103 "kernel panicked" -- run \
	--kernel "$stub" --cmdline "stub=panic" --timeout 30
err_lines "panic" 1
out_has "the panic line is printed" "Kernel panic - not syncing: zapvm stub"
# (The stub writes its panic line without polling LSR and then spins:
# with coalesced PIO no exit follows, the main thread's replay shows it.)

# Coalesced PIO: the stub's UART writes (no LSR polling) need no exit, and
# the console shows the same bytes either way.
t_run "--coalesced-pio off" 0 "" -- run --kernel "$stub" \
	--cmdline "console=ttyS0 stub=poweroff" --coalesced-pio off \
	--json "$TMP/cpio-off.json" --timeout 30
cp "$TMP/out" "$TMP/cpio-off.out"
t_run "--coalesced-pio on (the default)" 0 "" -- run --kernel "$stub" \
	--cmdline "console=ttyS0 stub=poweroff" --json "$TMP/cpio-on.json" \
	--timeout 30
if cmp -s "$TMP/out" "$TMP/cpio-off.out"; then
	pass "the same console output with and without coalesced PIO"
else
	fail "the same console output with and without coalesced PIO"
	diag "$TMP/out"
fi
t_cmp "off: no write replayed" \
	"$(json_num "$TMP/cpio-off.json" coalesced_writes)" -eq 0
if grep -q '"coalesced_pio": true' "$TMP/cpio-on.json"; then
	w=$(json_num "$TMP/cpio-on.json" coalesced_writes)
	t_cmp "on: the console's bytes were replayed" "$w" -ge 200
	# (2 more for exits that come and go, e.g. a signal.)
	t_cmp "on: that many fewer exits to zapvm" \
		"$(json_num "$TMP/cpio-on.json" vcpu_exits)" -le \
		"$(($(json_num "$TMP/cpio-off.json" vcpu_exits) - w + 2))"
else
	n=$((n + 1))
	echo "ok $n # SKIP this kernel has no KVM_CAP_COALESCED_PIO"
fi
t_run "--coalesced-pio maybe" 64 "--coalesced-pio 'maybe'" -- run \
	--kernel "$stub" --coalesced-pio maybe
t_run "triple fault: exit 101" 101 "triple fault" -- run --kernel "$stub" \
	--cmdline "stub=triple" --timeout 30
err_lines "triple fault" 1
t_run "a halted guest times out: exit 124" 124 "timeout" -- run \
	--kernel "$stub" --cmdline "stub=hang" --cpus 2 --timeout 1

printf 'zapvm-echo-test q' >"$TMP/in"
"$ZAPVM" run --kernel "$stub" --cmdline "stub=echo" --timeout 30 \
	<"$TMP/in" >"$TMP/out" 2>"$TMP/err"
st=$?
[ $st -eq 0 ] && pass "console input from a pipe: exit 0" ||
	{ fail "console input from a pipe: exit $st"; diag "$TMP/err"; }
out_has "the guest echoed the piped input" "zapvm-echo-test "

# Ctrl-A x from a terminal: needs script(1) for a pty.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null \
	>/dev/null 2>&1; then
	cat >"$TMP/tty.sh" <<EOS
stty -g >"$TMP/tty.before"
"$ZAPVM" run --kernel "$stub" --cmdline stub=echo --timeout 30
echo "zapvm-exit=\$?"
stty -g >"$TMP/tty.after"
EOS
	(sleep 1; printf 'tty\001x'; sleep 2) |
		script -qfec "sh $TMP/tty.sh" /dev/null >"$TMP/out" 2>&1
	out_has "Ctrl-A x quits: exit 130" "zapvm-exit=130"
	if cmp -s "$TMP/tty.before" "$TMP/tty.after"; then
		pass "the terminal is restored"
	else
		fail "the terminal is restored"
	fi
else
	pass "# SKIP no script(1) for a pseudo-terminal"
fi
finish
