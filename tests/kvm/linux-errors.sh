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

t_run "two --rom with --kernel: exit 64" 64 "one option ROM" -- run \
	--kernel "$stub" --rom pattern:4K --rom pattern:4K
t_run "--args with --kernel: exit 64" 64 "--cmdline" -- run --kernel "$stub" \
	--args a=b
t_run "a GUEST with --kernel: exit 64" 64 "no GUEST" -- run --kernel "$stub" \
	builtin:touch
t_run "--initrd without --kernel: exit 64" 64 "go with --kernel" -- run \
	--initrd "$TMP/big" builtin:touch
t_run "--cpus 255 for Linux: exit 64" 64 "1 to 254" -- run --kernel "$stub" \
	--cpus 255

# --boot: usage, and the kernel each path needs.
t_run "--boot without --kernel: exit 64" 64 "go with --kernel" -- run \
	--boot pvh builtin:touch
t_run "--boot bogus: exit 64" 64 "expected 64, pvh or real-mode" -- run \
	--kernel "$stub" --boot bogus
one_line "--boot bogus"
t_run "--boot pvh with a bzImage: exit 65" 65 "not an ELF file" -- run \
	--kernel "$stub" --boot pvh
one_line "--boot pvh with a bzImage"

# read_le FILE OFFSET BYTES: a little-endian integer of the file.
read_le() {
	od -An -tu1 -j "$2" -N "$3" "$1" |
		awk '{ for (i = NF; i >= 1; i--) v = v * 256 + $i } END { print v }'
}

if [ -n "${PVH_STUB:-}" ] && [ -f "$PVH_STUB" ]; then
	pvh=$PVH_STUB
	# linux-pvh-stub.ld: program headers text, bss, note (56 bytes each).
	phoff=$(read_le "$pvh" 32 8)
	ph_text=$phoff ph_bss=$((phoff + 56)) ph_note=$((phoff + 112))
	note=$(read_le "$pvh" $((ph_note + 8)) 8)
	pvh_bad() { # DESC OFFSET BYTES VALUE STDERR-REGEX [ARGS]
		cp "$pvh" "$TMP/bad.elf"
		write_le "$TMP/bad.elf" "$2" "$3" "$4"
		_d=$1 _re=$5
		shift 5
		t_run "PVH: $_d: exit 65" 65 "$_re" -- run --kernel \
			"$TMP/bad.elf" "$@"
		one_line "PVH: $_d"
	}
	pvh_bad "an ELF without a PVH note" $((note + 8)) 4 17 \
		"no PVH entry point.*CONFIG_PVH"
	pvh_bad "--boot pvh, an ELF without a PVH note" $((note + 8)) 4 17 \
		"XEN_ELFNOTE_PHYS32_ENTRY" --boot pvh
	pvh_bad "the entry outside the executable segment" $((note + 16)) 8 \
		$((0x1001000)) "not in an executable segment"
	pvh_bad "the entry above 4 GiB" $((note + 16)) 8 $((0x100000000)) \
		"above 4 GiB"
	pvh_bad "PT_LOAD with p_filesz > p_memsz" $((ph_bss + 32)) 8 \
		$((0x800)) "p_filesz 0x800 > p_memsz 0x400"
	pvh_bad "overlapping segments" $((ph_bss + 24)) 8 $((0x1000100)) \
		"overlap at physical address 0x1000100"
	pvh_bad "a segment beyond RAM" $((ph_bss + 24)) 8 $((0x80000000)) \
		"outside guest RAM.*raise --mem" --mem 64M
	pvh_bad "a segment below 1 MiB" $((ph_bss + 24)) 8 $((0x9000)) \
		"outside guest RAM"
	pvh_bad "segment data past the end of the file" $((ph_text + 8)) 8 \
		$((0x100000)) "past the end of the .*truncated"
	pvh_bad "a segment that wraps" $((ph_bss + 40)) 8 \
		$((0x7fffffffffffffff)) "wraps|outside"
	head -c 100 "$pvh" >"$TMP/trunc.elf"
	t_run "PVH: an ELF cut in its program headers: exit 65" 65 \
		"truncated" -- run --kernel "$TMP/trunc.elf"
	one_line "PVH: an ELF cut in its program headers"
	head -c 1024 "$pvh" >"$TMP/trunc.elf"
	t_run "PVH: an ELF cut before its segments: exit 65" 65 \
		"truncated" -- run --kernel "$TMP/trunc.elf"
	one_line "PVH: an ELF cut before its segments"
	t_run "PVH: RAM ends below the kernel: exit 65" 65 \
		"outside guest RAM" -- run --kernel "$pvh" --mem 16M
	t_run "PVH: an initrd that does not fit: exit 65" 65 \
		"big: the .*initrd does not fit" -- run --kernel "$pvh" \
		--initrd "$TMP/big" --mem 24M
	one_line "PVH: initrd does not fit"
	t_run "--boot 64 with a vmlinux: exit 65" 65 \
		"--boot 64 needs a bzImage.*--boot pvh" -- run --kernel "$pvh" \
		--boot 64
	one_line "--boot 64 with a vmlinux"
	t_run "--boot real-mode with a vmlinux: exit 65" 65 \
		"--boot real-mode needs a bzImage" -- run --kernel "$pvh" \
		--boot real-mode
	long=$(printf '%070000d' 0)
	t_run "PVH: a command line over 64 KiB: exit 65" 65 \
		"longer than the 65535" -- run --kernel "$pvh" --cmdline "$long"
	one_line "PVH: command line too long"
else
	pass "# SKIP PVH_STUB does not name the PVH stub"
fi

if [ -n "${REAL_STUB:-}" ] && [ -f "$REAL_STUB" ]; then
	real=$REAL_STUB
	real_bad() { # DESC OFFSET BYTES VALUE STDERR-REGEX
		cp "$real" "$TMP/bad"
		write_le "$TMP/bad" "$2" "$3" "$4"
		t_run "real mode: $1: exit 65" 65 "$5" -- run --kernel \
			"$TMP/bad" --boot real-mode
		one_line "real mode: $1"
	}
	t_run "a 32-bit-only bzImage through --boot 64: exit 65" 65 \
		"XLF_KERNEL_64" -- run --kernel "$real"
	one_line "a 32-bit-only bzImage through --boot 64"
	real_bad "boot protocol 2.09" 518 2 $((0x0209)) \
		"2.09 is older than 2.10, the first with the init_size"
	real_bad "setup_sects 64: the setup over 32 KiB" 497 1 64 \
		"setup_sects 64 makes the real-mode setup 33280 bytes"
	real_bad "setup_sects 255" 497 1 255 "more than the 32 KiB"
	real_bad "a zImage" 529 1 0 "zImage"
	real_bad "no HdrS" 514 4 0 "HdrS"
	real_bad "syssize beyond the file" 500 4 $((0x100000)) \
		"truncated: syssize"
	head -c 2056 "$real" >"$TMP/trunc"
	t_run "real mode: the kernel cut off: exit 65" 65 "truncated: syssize" -- \
		run --kernel "$TMP/trunc" --boot real-mode
	t_run "real mode: RAM too small for init_size: exit 65" 65 \
		"raise --mem" -- run --kernel "$real" --boot real-mode --mem 16M
	one_line "real mode: RAM too small"
	long=$(printf '%0300d' 0)
	t_run "real mode: a command line over cmdline_size: exit 65" 65 \
		"cmdline_size \(255\)" -- run --kernel "$real" --boot real-mode \
		--cmdline "x=$long"
	t_run "real mode: an initrd that does not fit: exit 65" 65 \
		"big: the .*initrd does not fit" -- run --kernel "$real" \
		--boot real-mode --initrd "$TMP/big" --mem 24M
else
	pass "# SKIP REAL_STUB does not name the real-mode stub"
fi
finish
