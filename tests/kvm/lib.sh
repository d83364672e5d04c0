# SPDX-License-Identifier: GPL-2.0-only
# Shared by the kvm suite: POSIX sh, runs under busybox too (nested rig).
# Each test script sources this, calls plan_kvm, then t_* helpers; TAP out.

: "${ZAPVM:?ZAPVM must name the zapvm binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zapvm-test.XXXXXX") || exit 1
# lib_cleanup: what lib.sh's helpers leave to undo at exit - the 2 MiB
# pages hugepages_reserve added to the pool, then $TMP.
lib_cleanup() {
	[ -n "${hp_added:-}" ] &&
		echo $(($(cat "$hp/nr_hugepages") - hp_added)) >"$hp/nr_hugepages"
	rm -rf "$TMP"
}
trap lib_cleanup EXIT INT TERM
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
# todo DESC REASON: a known failure, reported as TAP TODO (not counted).
todo() { n=$((n + 1)); echo "not ok $n - $1 # TODO $2"; }
# in_rig: inside the nested rig's L1 (tests/nested/rig boots it rig.mode=).
in_rig() { grep -q 'rig\.mode=' /proc/cmdline 2>/dev/null; }
# rig_triple_fault STATUS ERRFILE: a run ended in the nested rig's known L2
# triple fault (kernel-patches/README "L2 triple faults"; stock and
# patched L1s alike).
rig_triple_fault() {
	[ "$1" -eq 101 ] && in_rig &&
		grep -q "triple fault (KVM_EXIT_SHUTDOWN)" "$2"
}
# rig_l2_crash FILE...: in the nested rig, FILE (an L2 console with zapvm
# exec's messages) shows the same known L2 corruption: a triple fault
# (exec names it; QEMU -no-reboot then exits 0 without a word) or an L2
# kernel oops or panic (a #DF with CR2 in the stack's guard page, seen
# 2026-12-05), after which QEMU -no-reboot exits 0 too.
rig_l2_crash() {
	in_rig && grep -Eq 'triple fault \(KVM_EXIT_SHUTDOWN\)|Kernel panic - not syncing|---\[ end trace' "$@"
}
# hugepages_reserve N: at least N free 2 MiB pages if this user may raise
# the pool (root in the rig's L1; .ci/run reserves pages on the host);
# lib_cleanup takes back what was added - the pages added, not a saved
# pool size, so that scripts running side by side do not undo each
# other's. Sets hp_free to the free count, reserved or not. Not in a
# $(...): hp_added must be the script's.
hugepages_reserve() {
	hp=/sys/kernel/mm/hugepages/hugepages-2048kB
	hp_free=$(cat $hp/free_hugepages 2>/dev/null || echo 0)
	avail=$((hp_free - $(cat $hp/resv_hugepages 2>/dev/null || echo 0)))
	if [ -d $hp ] && [ $avail -lt "$1" ] && [ -w $hp/nr_hugepages ]; then
		nr0=$(cat $hp/nr_hugepages)
		echo $((nr0 + $1 - avail)) >$hp/nr_hugepages 2>/dev/null
		hp_added=$(($(cat $hp/nr_hugepages) - nr0))
		echo "# 2 MiB pages: $hp_added added to nr_hugepages $nr0"
		hp_free=$(cat $hp/free_hugepages)
	fi
}
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
	# RIG_TF_RETRY=1: in the nested rig, a run that ends in the rig's
	# known L2 triple fault (kernel-patches/README, stock and patched
	# alike) runs again, twice at most, then is a TODO (returns 1).
	if [ "${RIG_TF_RETRY:-0}" = 1 ]; then
		tries=1
		while [ "$want" -ne 101 ] && rig_triple_fault "$got" "$TMP/err"; do
			if [ $tries -ge 3 ]; then
				todo "$desc (exit $got, $tries tries)" \
					"L2 triple fault in the nested rig"
				diag "$TMP/err"
				return 1
			fi
			diag "$TMP/err"
			"$ZAPVM" "$@" >"$TMP/out" 2>"$TMP/err"
			got=$?
			tries=$((tries + 1))
		done
	fi
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

# --- Output files another user must not redirect (hostile*.sh) ---------------
# Each takes the zapvm arguments after "--" with the word OUT where the
# output file goes, and the output option's name for the descriptions.

is_root() { [ "$(id -u)" -eq 0 ]; }

# A memory device node of our own in $TMP as root (a test must never make
# zapvm write at the real /dev/null or /dev/full as root), else /dev/NAME.
dev_node() { # NAME MINOR [FILE]: FILE in $TMP, default NAME
	if ! is_root; then
		echo "/dev/$1"
	elif mknod "$TMP/${3:-$1}" c 1 "$2" 2>/dev/null &&
		(: >"$TMP/${3:-$1}") 2>/dev/null; then
		echo "$TMP/${3:-$1}"
	fi
}

# out_args FILE ARGS...: ARGS with OUT replaced, one per line (no newlines
# in the arguments these tests pass).
out_args() {
	_f=$1
	shift
	for _a; do [ "$_a" = OUT ] && _a=$_f; printf '%s\n' "$_a"; done
}

# out_run FILE -- ARGS...: zapvm ARGS with OUT = FILE, output in $TMP/out
# and $TMP/err; the status in $st.
out_run() {
	_f=$1
	shift 2
	# shellcheck disable=SC2046 # one argument per line, no blanks in them
	(IFS='
'; exec "$ZAPVM" $(out_args "$_f" "$@")) >"$TMP/out" 2>"$TMP/err"
	st=$?
}

# out_planted OPT WANT -- ARGS...: symlinks at the temporary names the old
# writers picked (PATH.tmp.PID), pointing at a 0600 file, must not receive
# the output: the file stays, OUT gets a line matching WANT, no temporary
# file is left. sh -c plants the links for its own PID, then execs zapvm,
# which keeps that PID.
out_planted() {
	_opt=$1 _want=$2 _out=$TMP/planted$1
	shift 3
	printf 'secret\n' >"$TMP/victim"
	chmod 600 "$TMP/victim"
	(IFS='
'; ZAPVM_OUT=$_out exec sh -c '
	i=0
	while [ $i -lt 64 ]; do
		ln -s "$1" "$ZAPVM_OUT.tmp.$(($$ + i))" 2>/dev/null
		i=$((i + 1))
	done
	shift
	exec "$ZAPVM" "$@" >/dev/null 2>&1
' sh "$TMP/victim" $(out_args "$_out" "$@"))
	st=$?
	if [ $st -eq 0 ] && [ "$(cat "$TMP/victim")" = secret ] &&
		grep -q -- "$_want" "$_out" && [ ! -L "$_out" ]; then
		pass "$_opt beside planted symlinks: the 0600 victim is unchanged"
	else
		fail "$_opt beside planted symlinks (exit $st, victim: $(head -c 40 "$TMP/victim"))"
	fi
	_left=$(find "$TMP" -name "planted$_opt.tmp.*" ! -type l | wc -l)
	_links=$(find "$TMP" -name "planted$_opt.tmp.*" -type l | wc -l)
	if [ "$_left" -eq 0 ] && [ "$_links" -eq 64 ]; then
		pass "$_opt: no temporary file left, the 64 planted links untouched"
	else
		fail "$_opt: $_left temporary files left, $_links of 64 links"
	fi
}

# out_devices OPT FULL_ERR -- ARGS...: a character device is written
# through, never replaced: null takes the output (0), full fails with 74
# and a line matching FULL_ERR.
out_devices() {
	_opt=$1 _err=$2
	shift 2
	for _d in "null 3 0" "full 7 74"; do
		set -- $_d "$@"
		_node=$(dev_node "$1" "$2")
		_want=$3
		shift 3
		if [ -z "$_node" ]; then
			pass "# SKIP no device node usable in $TMP (nodev?)"
			continue
		fi
		out_run "$_node" "$@"
		if [ $st -ne "$_want" ]; then
			fail "$_opt $_node: exit $st, want $_want"; diag "$TMP/err"
		elif [ "$_want" -ne 0 ] && ! grep -q -- "$_err" "$TMP/err"; then
			fail "$_opt $_node: stderr does not match /$_err/"; diag "$TMP/err"
		else
			pass "$_opt $_node: exit $_want"
		fi
		if [ -c "$_node" ]; then pass "$_opt $_node: still a character device"
		else fail "$_opt $_node: no longer a character device"; fi
	done
}

# out_fifo OPT WANT -- ARGS...: a FIFO gets the output (a reader is
# waiting) and stays a FIFO; zapvm is killed after 10 s.
out_fifo() {
	_opt=$1 _want=$2
	shift 3
	rm -f "$TMP/out.fifo"
	mkfifo "$TMP/out.fifo"
	cat "$TMP/out.fifo" >"$TMP/fifo.got" &
	_reader=$!
	(IFS='
'; exec timeout -s KILL 10 "$ZAPVM" $(out_args "$TMP/out.fifo" "$@")) \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	sleep 1
	if kill -0 $_reader 2>/dev/null; then
		kill $_reader 2>/dev/null
		fail "$_opt FIFO: exit $st, the reader got no end of file"
	elif [ $st -eq 0 ] && grep -q -- "$_want" "$TMP/fifo.got" &&
		[ -p "$TMP/out.fifo" ]; then
		pass "$_opt FIFO: exit 0, the reader got the output, the FIFO stays"
	else
		fail "$_opt FIFO: exit $st, no output through it, or it was replaced"
		diag "$TMP/err"
	fi
	wait $_reader 2>/dev/null
}

# out_symlink OPT WANT -- ARGS...: through a symlink to a regular file, the
# file is updated and the link kept.
out_symlink() {
	_opt=$1 _want=$2
	shift 2
	mkdir -p "$TMP/real"
	echo old >"$TMP/real/target$_opt"
	ln -sf "real/target$_opt" "$TMP/link$_opt"
	out_run "$TMP/link$_opt" "$@"
	t_cmp "$_opt through a symlink: exit 0" $st -eq 0
	if [ -L "$TMP/link$_opt" ] && grep -q -- "$_want" "$TMP/real/target$_opt"
	then pass "$_opt through a symlink: link kept, target updated"
	else fail "$_opt through a symlink: the link was replaced"; fi
}

# --- Without permission -------------------------------------------------------

# can_drop_root: whether "nobody" in /dev/kvm's group can run zapvm here
# (util-linux setpriv, /dev/kvm group-accessible); sets $kvm_gid and lets
# nobody into $TMP.
can_drop_root() {
	kvm_gid=$(stat -c %g /dev/kvm 2>/dev/null)
	setpriv --help 2>&1 | grep -q -- --reuid && [ -n "$kvm_gid" ] &&
		[ "$kvm_gid" != 0 ] && as_nobody "$ZAPVM" guests >/dev/null 2>&1 &&
		chmod 755 "$TMP"
}

# as_nobody CMD...: CMD as nobody in /dev/kvm's group (after can_drop_root).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --groups="$kvm_gid" "$@"
}

# put FILE OFFSET HEX...: write the bytes HEX... at OFFSET of FILE in place.
put() {
	_f=$1 _o=$2 _s=""
	shift 2
	for _h in "$@"; do _s="$_s$(printf '\\%03o' $((0x$_h)))"; done
	printf "$_s" | dd of="$_f" bs=1 seek="$_o" conv=notrunc 2>/dev/null
}

# setup_stub FILE: a 1.5 KiB bzImage of one setup sector (boot protocol
# 2.12, LOADED_HIGH) whose setup code jumps to 0x280: the caller puts its
# 16-bit code there and the protected-mode part from 1024 on.
setup_stub() {
	dd if=/dev/zero of="$1" bs=512 count=3 2>/dev/null
	put "$1" $((0x1f1)) 01                # setup_sects: 1
	put "$1" $((0x1fe)) 55 aa
	put "$1" $((0x200)) eb 7e             # jmp 0x280
	put "$1" $((0x202)) 48 64 72 53 0c 02 # HdrS, protocol 2.12
	put "$1" $((0x211)) 01                # LOADED_HIGH
	put "$1" $((0x22c)) ff ff ff 7f       # initrd_addr_max
}

# --trace's summary lines (run and exec): re-faults after run-time memslot
# changes, the floor in GFNs, and M of "N faults (M after churn)".
churn_refaults() {
	sed -n 's/.*, \([0-9]*\) re-faults after run-time memslot changes.*/\1/p' "$1" | head -n 1
}
floor() {
	sed -n 's/^zapvm: trace: .*, floor \([0-9]*\) GFNs.*/\1/p' "$1" | head -n 1
}
pf_after() {
	sed -n 's/.* faults (\([0-9]*\) after churn).*/\1/p' "$1" | head -n 1
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
