# SPDX-License-Identifier: GPL-2.0-only
# Shared by the kvm suite: POSIX sh, runs under busybox too (nested rig).
# Each test script sources this, calls plan_kvm, then t_* helpers; TAP out.

: "${ZAPVM:?ZAPVM must name the zapvm binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zapvm-test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
n=0
failed=0

# Skip the whole script: exit 77, or $ZAPVM_SKIP_STATUS (Meson's TAP reader
# counts 77 as an error and wants 0 with a "1..0 # SKIP" plan).
skip_all() {
	echo "1..0 # SKIP $*"
	exit "${ZAPVM_SKIP_STATUS:-77}"
}

# Skip where /dev/kvm cannot be used.
require_kvm() {
	dev=${ZAPVM_KVM_DEV:-/dev/kvm}
	if [ ! -c "$dev" ] || [ ! -r "$dev" ] || [ ! -w "$dev" ]; then
		skip_all "$dev missing or not accessible"
	fi
}

pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /' "$@"; }
# skip DESC: one TAP test skipped (the script goes on).
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

# t_run DESC WANT_STATUS [STDERR_REGEX] -- zapvm ARGS...
# Runs zapvm, checks its exit status and, if given, that stderr matches.
t_run() {
	desc=$1 want=$2 pat=$3
	shift 3
	[ "$1" = "--" ] && shift
	"$ZAPVM" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$desc (exit $got, want $want)"
		diag "$TMP/err"
		return 1
	fi
	if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$TMP/err"; then
		fail "$desc (stderr does not match /$pat/)"
		diag "$TMP/err"
		return 1
	fi
	pass "$desc"
}

# out_has DESC FIXED-STRING: stdout of the last t_run holds the string.
out_has() {
	if grep -qF -- "$2" "$TMP/out"; then pass "$1"
	else fail "$1 (no '$2' on stdout)"; diag "$TMP/out"; fi
}

# json_num FILE KEY: the first numeric value of "KEY": in a zapvm JSON file.
json_num() {
	sed -n "s/.*\"$2\": *\([0-9.][0-9.]*\).*/\1/p" "$1" | head -n 1
}

# t_cmp DESC A OP B: integer comparison as a test.
t_cmp() {
	if [ "$2" -eq "$2" ] 2>/dev/null && [ "$4" -eq "$4" ] 2>/dev/null &&
		[ "$2" "$3" "$4" ]; then
		pass "$1 ($2 $3 $4)"
	else
		fail "$1 ($2 $3 $4)"
	fi
}

# one_line DESC: stderr of the last t_run is exactly one line.
one_line() {
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" -eq 1 ]; then pass "$1: exactly one line on stderr"
	else fail "$1: $lines lines on stderr"; diag "$TMP/err"; fi
}

# write_le FILE OFFSET BYTES VALUE: patch a little-endian integer in place.
# (Shell functions share variables: these use names of their own.)
write_le() {
	_v=$4 _b=0 _s=""
	while [ $_b -lt "$3" ]; do
		_s="$_s$(printf '\\%03o' $((_v & 255)))"
		_v=$((_v >> 8)) _b=$((_b + 1))
	done
	printf "$_s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
