#!/bin/sh
# Bad inputs: one clear line on stderr, a documented exit status, no crash.
. "$(dirname "$0")/lib.sh"
require_kvm

# A valid guest file to damage.
"$ZAPVM" guests >/dev/null || { echo "Bail out! zapvm guests failed"; exit 1; }
good="$GUEST_ELF_DIR/touch.elf"
if [ ! -f "$good" ]; then
	skip_all "GUEST_ELF_DIR/touch.elf not available"
fi

# util-linux setpriv, not busybox's (which has no --reuid).
can_drop_root() {
	[ "$(id -u)" -eq 0 ] && setpriv --help 2>&1 | grep -q -- --reuid
}


read_le() { # FILE OFFSET BYTES
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}
phoff=$(read_le "$good" 32 8)
phnum=$(read_le "$good" 56 2)
# The first PT_LOAD program header.
i=0 ph=""
while [ $i -lt "$phnum" ]; do
	off=$((phoff + i * 56))
	if [ "$(read_le "$good" "$off" 4)" -eq 1 ]; then ph=$off; break; fi
	i=$((i + 1))
done
[ -n "$ph" ] || { echo "Bail out! no PT_LOAD in $good"; exit 1; }

t_run "missing guest file: exit 66" 66 "No such file" -- run "$TMP/nope.elf"
one_line "missing guest file"
echo "just text" >"$TMP/text"
t_run "not an ELF file: exit 65" 65 "not an ELF file" -- run "$TMP/text"
one_line "not an ELF file"
: >"$TMP/empty"
t_run "empty guest file: exit 65" 65 "empty file" -- run "$TMP/empty"
head -c 40 "$good" >"$TMP/trunc"
t_run "truncated ELF header: exit 65" 65 "truncated" -- run "$TMP/trunc"
head -c $((phoff + 56 * phnum + 8)) "$good" >"$TMP/trunc2"
t_run "truncated segment data: exit 65" 65 "truncated" -- run "$TMP/trunc2"
if can_drop_root; then
	cp "$good" "$TMP/unreadable"; chmod 000 "$TMP/unreadable"
	chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ZAPVM" run \
		"$TMP/unreadable" >/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 77 ] && grep -q "Permission denied" "$TMP/err"; then
		pass "unreadable guest: exit 77"
	else fail "unreadable guest: exit $st"; diag "$TMP/err"; fi
fi

cp "$good" "$TMP/bad"; write_le "$TMP/bad" $((ph + 24)) 8 $((0x10000000))
t_run "segment outside guest RAM: exit 65" 65 "outside guest RAM" -- \
	run --mem 64M "$TMP/bad"
one_line "segment outside guest RAM"
cp "$good" "$TMP/bad"; write_le "$TMP/bad" $((ph + 24)) 8 $((0x1000))
t_run "segment in the boot area: exit 65" 65 "outside guest RAM" -- run "$TMP/bad"
cp "$good" "$TMP/bad"; write_le "$TMP/bad" $((ph + 40)) 8 $((1 << 62))
t_run "absurd p_memsz: exit 65" 65 "outside guest RAM" -- run "$TMP/bad"
cp "$good" "$TMP/bad"; write_le "$TMP/bad" $((ph + 32)) 8 $((1 << 40))
t_run "p_filesz > p_memsz: exit 65" 65 "p_filesz" -- run "$TMP/bad"
if [ "$phnum" -ge 2 ]; then
	# Point every PT_LOAD at the same address: they overlap.
	i=0
	paddr=$(read_le "$good" $((ph + 24)) 8)
	cp "$good" "$TMP/bad"
	while [ $i -lt "$phnum" ]; do
		off=$((phoff + i * 56))
		if [ "$(read_le "$good" "$off" 4)" -eq 1 ]; then
			write_le "$TMP/bad" $((off + 24)) 8 "$paddr"
		fi
		i=$((i + 1))
	done
	t_run "overlapping segments: exit 65" 65 "overlap" -- run "$TMP/bad"
fi

head -c 100000 /dev/zero >"$TMP/rom"
t_run "ROM file larger than its region: exit 65" 65 "larger than its" -- \
	run --rom "$TMP/rom@0xfeb00000,size=64K" builtin:touch
t_run "ROM overlapping RAM: exit 65" 65 "overlaps ram" -- \
	run --rom "$TMP/rom@0x1000000" builtin:touch
t_run "missing ROM file: exit 66" 66 "No such file" -- \
	run --rom "$TMP/none.bin" builtin:touch
t_run "empty ROM file: exit 65" 65 "empty file" -- \
	run --rom "$TMP/empty" builtin:touch
t_run "unaligned ROM address: exit 64" 64 "4 KiB-aligned" -- \
	run --rom "pattern:4K@0xfeb00100" builtin:touch
roms=""
i=0
while [ $i -lt 17 ]; do roms="$roms --rom pattern:4K"; i=$((i + 1)); done
# shellcheck disable=SC2086
t_run "too many ROM regions: exit 64" 64 "at most 16" -- run $roms builtin:touch

t_run "--mem 0: exit 64" 64 "--mem" -- run --mem 0 builtin:touch
t_run "--mem 12Q: exit 64" 64 "--mem '12Q'" -- run --mem 12Q builtin:touch
one_line "--mem 12Q"
t_run "--mem overflowing 64 bits: exit 64" 64 "--mem" -- \
	run --mem 99999999999T builtin:touch
t_run "--mem 3M (too small): exit 64" 64 "at least 4 MiB" -- \
	run --mem 3M builtin:touch
t_run "--mem beyond the mappable 64 GiB: exit 65" 65 "64 GiB" -- \
	run --mem 100G builtin:touch
# Refused by the layout before 100 TiB of RAM is mapped (was exit 70,
# "cannot allocate").
t_run "--mem 100T: the 64 GiB limit, exit 65" 65 "64 GiB" -- \
	run --mem 100T builtin:touch
t_run "--cpus 0: exit 64" 64 "--cpus" -- run --cpus 0 builtin:touch
t_run "--cpus 33: exit 64" 64 "1 to 32" -- run --cpus 33 builtin:touch
t_run "unknown policy: exit 64" 64 "--zap-policy" -- \
	run --zap-policy fast builtin:touch
t_run "unknown builtin: exit 64" 64 "no such builtin" -- run builtin:nope
t_run "no guest: exit 64" 64 "exactly one GUEST" -- run
t_run "unknown option: exit 64" 64 "" -- run --frobnicate builtin:touch
t_run "unknown command: exit 64" 64 "unknown command" -- frobnicate

ZAPVM_KVM_DEV=$TMP/no-kvm
export ZAPVM_KVM_DEV
t_run "/dev/kvm missing: exit 69" 69 "does not exist" -- run builtin:touch
one_line "/dev/kvm missing"
ZAPVM_KVM_DEV=$TMP/text
t_run "not a KVM device: exit 69" 69 "not a KVM device" -- run builtin:touch
unset ZAPVM_KVM_DEV
if can_drop_root; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ZAPVM" run \
		builtin:touch >/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 77 ] && grep -q "permission denied" "$TMP/err"; then
		pass "/dev/kvm not permitted: exit 77"
	else fail "/dev/kvm not permitted: exit $st"; diag "$TMP/err"; fi
fi

# No JSON file is left behind by a run that never started.
t_run "failed set-up writes no JSON" 65 "" -- \
	run --json "$TMP/out.json" "$TMP/text"
if [ -e "$TMP/out.json" ]; then fail "no JSON file left"; else pass "no JSON file left"; fi
t_run "unwritable JSON path: exit 74" 74 "--json" -- \
	run --json "$TMP/no/such/dir/x.json" builtin:touch
finish
