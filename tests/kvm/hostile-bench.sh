#!/bin/sh
# Hostile and careless inputs to zapvm bench (issue 13, bench's part):
# output files another user cannot redirect, "-" as standard output for
# every output, outputs checked before the runs, lost output never success,
# inputs that cannot hang, list values empty or given twice, every ending
# signal cleaned up. Each case failed before its fix. Runs are the
# quickest there are: bench boot with bootsim, one run, 32M, the all
# policy (every host has it).
# $LINUX_STUB (linux-stub.S) is the kernel for the --initrd/--rom cases.
. "$(dirname "$0")/lib.sh"
require_kvm
exec </dev/null

quick="boot --runs 1 --mem 32M --policy all"
table='^mem +cpus +thp +policy'

t_has() { # DESC FILE ERE
	if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1"; diag "$2"; fi
}
t_hasnt() { # DESC FILE ERE
	if grep -Eq -- "$3" "$2"; then fail "$1"; diag "$2"; else pass "$1"; fi
}
t_empty() { # DESC FILE
	if [ -s "$2" ]; then fail "$1"; diag "$2"; else pass "$1"; fi
}

# --- Output files: written through outfile ----------------------------------

# Symlinks planted at the old temporary names, device nodes, a FIFO.
out_planted --csv '^kind,scenario' -- bench $quick --csv OUT
out_devices --csv "--csv .*No space left on device" -- bench $quick --csv OUT
out_fifo --csv '^kind,scenario' -- bench $quick --csv OUT

out_symlink --csv '^kind,scenario' -- bench $quick --csv OUT

# --guest-log DIR may be shared: a symlink planted at a console log's name
# is not followed (the old open() wrote the guest's console through it).
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	mkdir "$TMP/glog"
	ln -s "$TMP/victim" "$TMP/glog/cell1-all-thp_off-64M-1cpu-run1.log"
	timeout -s KILL 30 "$ZAPVM" bench boot --kernel "$LINUX_STUB" \
		--cmdline "console=ttyS0 stub=init" --runs 1 --mem 64M \
		--policy all --timeout 20 --guest-log "$TMP/glog" \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 74 ] && [ "$(cat "$TMP/victim")" = secret ] &&
		grep -q "console log .*symbolic links" "$TMP/err"; then
		pass "--guest-log: a planted symlink is not followed (74)"
	else
		fail "--guest-log: exit $st, victim: $(head -c 40 "$TMP/victim")"
		diag "$TMP/err"
	fi
else
	pass "# SKIP no LINUX_STUB for --guest-log"
fi

# --- "-" is standard output, for every output ---------------------------------

mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$ZAPVM" bench $quick --csv - >"$TMP/out" 2>"$TMP/err")
st=$?
t_cmp "--csv -: exit 0" $st -eq 0
if [ ! -e "$TMP/cwd/-" ]; then pass "--csv -: no file named '-'"
else fail "--csv -: a file named '-' was made"; fi
t_has "--csv -: the CSV on stdout" "$TMP/out" '^kind,scenario,policy'
t_hasnt "--csv -: no table on stdout" "$TMP/out" "$table"
t_has "--csv -: the table on stderr" "$TMP/err" "$table"

t_run "--json -: exit 0" 0 "" -- bench $quick --json -
if [ "$(head -c 1 "$TMP/out")" = "{" ] && [ "$(tail -n 1 "$TMP/out")" = "}" ]
then pass "--json -: stdout is the JSON alone"
else fail "--json -: stdout is not the JSON alone"; diag "$TMP/out"; fi
t_has "--json -: the table on stderr" "$TMP/err" "$table"

if command -v gnuplot >/dev/null 2>&1; then
	(cd "$TMP/cwd" && "$ZAPVM" bench $quick --plot - \
		>"$TMP/out" 2>"$TMP/err")
	t_cmp "--plot -: exit 0" $? -eq 0
	t_has "--plot -: the SVG on stdout" "$TMP/out" '<svg'
	t_hasnt "--plot -: no table on stdout" "$TMP/out" "$table"
	if [ ! -e "$TMP/cwd/-" ]; then pass "--plot -: no file named '-'"
	else fail "--plot -: a file named '-' was made"; fi
else
	pass "# SKIP gnuplot is not installed"
fi

# Two outputs on standard output: refused before any run.
t_run "--csv - --json -: 64" 64 "both write to standard output" -- \
	bench $quick --csv - --json -
one_line "--csv - --json -"
t_empty "--csv - --json -: nothing on stdout" "$TMP/out"
t_run "--json /dev/stdout --plot -: 64" 64 "both write to standard output" \
	-- bench $quick --json /dev/stdout --plot -

# --- Lost output is not success ---------------------------------------------------

full=$(dev_node full 7 stdout-full)
if [ -n "$full" ]; then
	"$ZAPVM" bench $quick >"$full" 2>"$TMP/err"
	st=$?
	if [ $st -eq 74 ] && grep -q "standard output: write failed: No space" "$TMP/err"
	then pass "table on $full: exit 74, says so"
	else fail "table on $full: exit $st, want 74"; diag "$TMP/err"; fi
	"$ZAPVM" bench $quick --json - >"$full" 2>"$TMP/err"
	st=$?
	if [ $st -eq 74 ] && grep -q -- "--json -: write failed: No space" "$TMP/err" &&
		grep -Eq "$table" "$TMP/err"
	then pass "--json - on $full: exit 74, the table on stderr"
	else fail "--json - on $full: exit $st, want 74 and the table on stderr"; diag "$TMP/err"; fi
else
	pass "# SKIP no device node usable in $TMP (nodev?)"
fi

# --- Outputs checked before the first run -----------------------------------------

# Before the fix the runs ran, the table was printed, then 74.
for o in csv json plot; do
	t_run "--$o in a missing directory: 74 before any run" 74 \
		"--$o $TMP/nodir/x: .*No such file" -- \
		bench $quick --$o "$TMP/nodir/x"
	one_line "--$o in a missing directory"
	t_empty "--$o in a missing directory: no table" "$TMP/out"
done
t_run "--csv a directory: 74 before any run" 74 "is a directory" -- \
	bench $quick --csv "$TMP"
t_empty "--csv a directory: no table" "$TMP/out"
# --plot without gnuplot used to warn and exit 0 whatever the path.
for p in "$TMP" "$TMP/nodir/x.svg"; do
	PATH=/nonexistent "$ZAPVM" bench $quick --plot "$p" \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 74 ] && [ ! -s "$TMP/out" ]; then
		pass "--plot $p without gnuplot: 74 before any run"
	else
		fail "--plot $p without gnuplot: exit $st, want 74"
		diag "$TMP/err"
	fi
done
# A good path without gnuplot is still only a warning.
PATH=/nonexistent "$ZAPVM" bench $quick --plot "$TMP/none.svg" \
	>"$TMP/out" 2>"$TMP/err"
t_cmp "--plot without gnuplot, a good path: exit 0" $? -eq 0
[ ! -e "$TMP/none.svg" ] && pass "--plot without gnuplot: no file, none left" ||
	fail "--plot without gnuplot: a file was left"

# --- Inputs that hang -------------------------------------------------------------

# Before the fix bench slept in open() until killed: KILL after 10 s.
mkfifo "$TMP/in.fifo"
t_fifo() { # DESC -- zapvm ARGS...
	desc=$1
	shift 2
	timeout -s KILL 10 "$ZAPVM" "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ $st -eq 65 ] && grep -q "in.fifo: not a regular file" "$TMP/err"
	then pass "$desc: exit 65 at once"
	else fail "$desc: exit $st (137: killed after 10 s)"; diag "$TMP/err"; fi
}
t_fifo "bench --kernel FIFO" -- bench boot --kernel "$TMP/in.fifo" \
	--runs 1 --policy all
one_line "bench --kernel FIFO"
if [ -n "${LINUX_STUB:-}" ] && [ -f "$LINUX_STUB" ]; then
	t_fifo "bench --initrd FIFO" -- bench boot --kernel "$LINUX_STUB" \
		--initrd "$TMP/in.fifo" --runs 1 --policy all
	t_fifo "bench --rom FIFO" -- bench boot --kernel "$LINUX_STUB" \
		--rom "$TMP/in.fifo" --runs 1 --policy all
	one_line "bench --rom FIFO"
else
	pass "# SKIP no LINUX_STUB for --initrd/--rom"
fi
t_run "bench --kernel a directory: 65" 65 "not a regular file" -- \
	bench boot --kernel "$TMP" --runs 1 --policy all
# Permission denied is 77, as everywhere in zapvm (zapvm(1) EXIT STATUS).
if ! is_root; then
	echo x >"$TMP/noread"
	chmod 000 "$TMP/noread"
	t_run "bench --kernel unreadable: 77" 77 "Permission denied" -- \
		bench boot --kernel "$TMP/noread" --runs 1 --policy all
else
	pass "# SKIP root reads any file"
fi

# --- List values ------------------------------------------------------------------

t_run "--policy all,: 64" 64 "--policy 'all,': an empty value" -- \
	bench boot --policy all, --runs 1 --mem 32M
one_line "--policy all,"
t_empty "--policy all,: no run" "$TMP/out"
t_run "--policy all,all: 64" 64 "all is given twice" -- \
	bench boot --policy all,all --runs 1 --mem 32M
one_line "--policy all,all"
t_empty "--policy all,all: no run" "$TMP/out"
t_run "--mem 1G,1024M: 64" 64 "1024M is given twice" -- \
	bench boot --policy all --mem 1G,1024M --runs 1
t_run "--cpus 1,1: 64" 64 "given twice" -- \
	bench boot --policy all --cpus 1,1 --runs 1 --mem 32M
t_run "--thp off,off: 64" 64 "given twice" -- \
	bench boot --policy all --thp off,off --runs 1 --mem 32M

# --- Two outputs at one file ------------------------------------------------------

# The second rename would replace the first output: refused before any run,
# whether the paths are one string or one is a symlink to the other.
t_run "--csv X --json X: 64" 64 "are the same file" -- \
	bench $quick --csv "$TMP/same.out" --json "$TMP/same.out"
one_line "--csv X --json X"
t_empty "--csv X --json X: no run" "$TMP/out"
if [ -e "$TMP/same.out" ]; then fail "--csv X --json X: X was written"
else pass "--csv X --json X: nothing written"; fi
echo keep >"$TMP/real.csv"
ln -s real.csv "$TMP/link.svg"
t_run "--csv FILE --plot LINK-TO-FILE: 64" 64 \
	"--csv .*real.csv and --plot .*link.svg are the same file" -- \
	bench $quick --csv "$TMP/real.csv" --plot "$TMP/link.svg"
one_line "--csv FILE --plot LINK-TO-FILE"
if [ "$(cat "$TMP/real.csv")" = keep ] && [ -L "$TMP/link.svg" ]; then
	pass "--csv FILE --plot LINK: the file and the link untouched"
else
	fail "--csv FILE --plot LINK: the file or the link changed"
fi

# --- Ending signals ----------------------------------------------------------------

# Every ending signal (zapvm(1) SIGNALS), not only INT and TERM, stops a
# bench as zapvm-bench(1) says: exit 130, the --prefetch knob (a plain
# file through $ZAPVM_KNOB_DIR) put back, no run's child left running.
# Before the fix SIGALRM, SIGUSR2 or SIGXCPU killed bench outright with the
# knob left at N. The runs' command line names a file of their own, so a
# process still running it is one of them.
KD=$TMP/knobs
mkdir "$KD"
knob_now() { cat "$KD/tdp_mmu_change_pte_prefetch" 2>/dev/null; }
still_running() { # TOKEN: how many processes have it in their arguments
	_c=0
	for _p in /proc/[0-9]*; do
		[ "$_p" = "/proc/$$" ] && continue
		_a=$(tr '\0' ' ' <"$_p/cmdline" 2>/dev/null) || continue
		case $_a in *"$1"*) _c=$((_c + 1)) ;; esac
	done
	echo $_c
}
for sig in ALRM USR2 XCPU; do
	echo Y >"$KD/tdp_mmu_change_pte_prefetch"
	tok=$TMP/sig-$sig-runs.csv
	ZAPVM_KNOB_DIR=$KD "$ZAPVM" bench boot --runs 1000 --mem 32M \
		--policy all --prefetch off --csv "$tok" \
		>"$TMP/out" 2>"$TMP/err" &
	bp=$!
	i=0
	while [ "$(knob_now)" != N ] && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(knob_now)" != N ]; then
		fail "bench, SIG$sig: the knob never went to N"
		kill -KILL $bp 2>/dev/null
		wait $bp
		continue
	fi
	sleep 0.3
	kill -s "$sig" $bp
	i=0
	while kill -0 $bp 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL $bp 2>/dev/null
	wait $bp
	st=$?
	if [ $st -eq 130 ]; then pass "bench, SIG$sig: exit 130"
	else fail "bench, SIG$sig: exit $st, not 130"; diag "$TMP/err"; fi
	if [ "$(knob_now)" = Y ]; then pass "bench, SIG$sig: the knob is put back"
	else fail "bench, SIG$sig: the knob reads '$(knob_now)', not Y"; fi
	left=$(still_running "$tok")
	if [ "$left" -eq 0 ]; then pass "bench, SIG$sig: no run left running"
	else fail "bench, SIG$sig: $left processes of the bench still run"; fi
	t_has "bench, SIG$sig: the finished runs are written" "$tok" \
		'^kind,scenario'
	t_has "bench, SIG$sig: says it was interrupted" "$TMP/err" \
		'bench: interrupted: [0-9]+ of 1000 runs finished'
done

finish
