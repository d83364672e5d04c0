#!/bin/sh
# Bad Linux boot inputs: one clear line on stderr and a documented exit
# status (64 usage, 65 malformed or does not fit, 66 missing).
. "$(dirname "$0")/lib.sh"
require_kvm
if [ -z "${LINUX_STUB:-}" ] || [ ! -f "$LINUX_STUB" ]; then
	skip_all "LINUX_STUB does not name the stub bzImage"
fi
exec </dev/null
stub=$LINUX_STUB

bad() { # DESC OFFSET BYTES VALUE STDERR-REGEX
	cp "$stub" "$TMP/bad"
	write_le "$TMP/bad" "$2" "$3" "$4"
	t_run "$1: exit 65" 65 "$5" -- run --kernel "$TMP/bad"
	one_line "$1"
}

t_run "missing kernel: exit 66" 66 "No such file" -- run --kernel "$TMP/nope"
one_line "missing kernel"
: >"$TMP/empty"
t_run "empty kernel: exit 65" 65 "empty file" -- run --kernel "$TMP/empty"
echo "not a kernel" >"$TMP/text"
t_run "a short text file: exit 65" 65 "truncated" -- run --kernel "$TMP/text"
one_line "a short text file"
dd if=/dev/zero of="$TMP/zeros" bs=1024 count=4 2>/dev/null
t_run "no HdrS magic: exit 65" 65 "HdrS" -- run --kernel "$TMP/zeros"
one_line "no HdrS magic"
head -c 1500 "$stub" >"$TMP/trunc"
t_run "truncated kernel: exit 65" 65 "truncated: syssize" -- \
	run --kernel "$TMP/trunc"
one_line "truncated kernel"
head -c 560 "$stub" >"$TMP/trunc2"
t_run "truncated setup header: exit 65" 65 "truncated" -- \
	run --kernel "$TMP/trunc2"

bad "HdrS overwritten" 514 4 0 "HdrS"
bad "no 0xAA55 boot flag" 510 2 0 "0xAA55"
bad "boot protocol 2.11" 518 2 $((0x020b)) "2.11 is older than 2.12"
bad "boot protocol 2.02" 518 2 $((0x0202)) "older than 2.12"
bad "no XLF_KERNEL_64" 566 2 0 "XLF_KERNEL_64"
bad "a zImage" 529 1 0 "zImage"
bad "setup_sects beyond the file" 497 1 255 "setup_sects 255"
bad "syssize beyond the file" 500 4 $((0x100000)) "truncated: syssize"
cp "$stub" "$TMP/bad"
write_le "$TMP/bad" 588 4 16
write_le "$TMP/bad" 584 4 $((0x100000))
t_run "payload_offset outside the kernel: exit 65" 65 "payload_offset" -- \
	run --kernel "$TMP/bad"
one_line "payload_offset outside the kernel"
bad "payload_length outside the kernel" 588 4 $((0x100000)) "payload_length"
bad "kernel_alignment not a power of two" 560 4 $((0x3000)) "kernel_alignment"

t_run "missing initrd: exit 66" 66 "No such file" -- run --kernel "$stub" \
	--initrd "$TMP/nope"
one_line "missing initrd"
dd if=/dev/zero of="$TMP/big" bs=1048576 count=16 2>/dev/null
t_run "an initrd that does not fit above the kernel: exit 65" 65 \
	"initrd does not fit" -- run --kernel "$stub" --initrd "$TMP/big" \
	--mem 32M
one_line "initrd does not fit"
t_run "RAM too small for init_size: exit 65" 65 "raise --mem" -- \
	run --kernel "$stub" --mem 16M
one_line "RAM too small"
long=$(printf '%0300d' 0)
t_run "a command line longer than cmdline_size: exit 65" 65 \
	"cmdline_size \(255\)" -- run --kernel "$stub" --cmdline "x=$long"
one_line "command line too long"

t_run "--rom with --kernel: exit 64" 64 "--rom" -- run --kernel "$stub" \
	--rom pattern:4K
t_run "--args with --kernel: exit 64" 64 "--cmdline" -- run --kernel "$stub" \
	--args a=b
t_run "a GUEST with --kernel: exit 64" 64 "no GUEST" -- run --kernel "$stub" \
	builtin:touch
t_run "--initrd without --kernel: exit 64" 64 "go with --kernel" -- run \
	--initrd "$TMP/big" builtin:touch
t_run "--cpus 255 for Linux: exit 64" 64 "1 to 254" -- run --kernel "$stub" \
	--cpus 255
finish
