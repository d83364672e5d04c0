#!/bin/sh
# Command-line handling that fails before any VM exists: runs without KVM.
: "${ZAPVM:?}"
n=0 failed=0
t() { # DESC WANT ARGS...
	desc=$1 want=$2
	shift 2
	err=$("$ZAPVM" "$@" 2>&1 >/dev/null)
	got=$?
	n=$((n + 1))
	if [ "$got" -eq "$want" ]; then echo "ok $n - $desc"
	else failed=$((failed + 1)); echo "not ok $n - $desc (exit $got, want $want)"
		echo "$err" | sed 's/^/# /'; fi
}
# tm DESC WANT REGEX ARGS...: as t, and stderr is one line matching REGEX.
tm() {
	desc=$1 want=$2 pat=$3
	shift 3
	err=$("$ZAPVM" "$@" 2>&1 >/dev/null)
	got=$?
	lines=$(printf '%s\n' "$err" | wc -l)
	n=$((n + 1))
	if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ] &&
		printf '%s\n' "$err" | grep -Eq -- "$pat"; then
		echo "ok $n - $desc"
	else failed=$((failed + 1))
		echo "not ok $n - $desc (exit $got, want $want and /$pat/)"
		echo "$err" | sed 's/^/# /'; fi
}
# full DESC WANT ARGS...: zapvm ARGS with stdout on /dev/full exits WANT
# with one line saying so.
full() {
	desc=$1 want=$2
	shift 2
	err=$("$ZAPVM" "$@" 2>&1 >/dev/full)
	got=$?
	n=$((n + 1))
	if [ "$got" -eq "$want" ] &&
		[ "$err" = "zapvm: error: write error on standard output: No space left on device" ]; then
		echo "ok $n - $desc"
	else failed=$((failed + 1))
		echo "not ok $n - $desc (exit $got, want $want and one line)"
		echo "$err" | sed 's/^/# /'; fi
}
t "no command" 64
t "unknown command" 64 frobnicate
t "help" 0 help
t "--help" 0 --help
t "version" 0 version
t "run --help" 0 run --help
t "run without a guest" 64 run
t "run with two guests" 64 run a b
t "--mem 12Q" 64 run --mem 12Q builtin:touch
t "--mem 0" 64 run --mem 0 builtin:touch
t "--mem -1" 64 run --mem -1 builtin:touch
t "--mem overflow" 64 run --mem 18446744073709551616 builtin:touch
t "--cpus x" 64 run --cpus x builtin:touch
t "--zap-policy bogus" 64 run --zap-policy bogus builtin:touch
t "--thp maybe" 64 run --thp maybe builtin:touch
t "--timeout 0" 64 run --timeout 0 builtin:touch
t "--stats=some" 64 run --stats=some builtin:touch
t "--rom without source" 64 run --rom @0x1000 builtin:touch
t "--rom bad size" 64 run --rom pattern:4K,size=1x builtin:touch
t "unknown builtin" 64 run builtin:nope
t "--boot bogus" 64 run --kernel /nonexistent --boot bogus
t "--pci bogus" 64 run --pci bogus builtin:touch
t "--pci off --disk" 64 run --pci off --disk /nonexistent builtin:touch
t "--pci off --pci-rom" 64 run --pci off --pci-rom pattern:4K builtin:touch
t "--pci off --rom (Linux)" 64 run --kernel /nonexistent --pci off \
	--rom /nonexistent
t "--boot without --kernel" 64 run --boot pvh builtin:touch
t "run --bogus" 64 run --bogus builtin:touch
t "run --mem without a value" 64 run --mem
t "run --p (ambiguous)" 64 run --p on builtin:touch
t "run -x" 64 run -x builtin:touch
t "run --help after a bad option" 64 run --mem 1Z --help
t "run --help before a bad option" 0 run --help --mem 1Z
t "--cpus 0" 64 run --cpus 0 builtin:touch
t "--timeout too long" 64 run --timeout 99999999999 builtin:touch
t "--rom pattern larger than size=" 64 run --rom pattern:8K,size=4K \
	builtin:touch
t "--disk ''" 64 run --disk "" builtin:touch
t "--disk ,ro" 64 run --disk ,ro builtin:touch
t "--pci-rom twice" 64 run --pci-rom pattern:4K --pci-rom pattern:4K \
	builtin:touch
t "--pci-rom at a GPA" 64 run --pci-rom pattern:4K@0x1000 builtin:touch
t "--console bogus" 64 run --console bogus builtin:touch
t "--coalesced-pio maybe" 64 run --coalesced-pio maybe builtin:touch
t "--zap-churn 0" 64 run --zap-churn 0 builtin:touch
t "--prefetch maybe" 64 run --prefetch maybe builtin:touch
t "--root-zap 2m" 64 run --root-zap 2m builtin:touch
t "--kernel with a GUEST" 64 run --kernel /nonexistent builtin:touch
t "--kernel with two --rom" 64 run --kernel /nonexistent --rom a --rom b
t "--kernel --rom at a GPA" 64 run --kernel /nonexistent --rom a@0x1000
t "--initrd without --kernel" 64 run --initrd x builtin:touch
t "missing guest file" 66 run /nonexistent/guest.elf
t "guest is a directory" 65 run /
t "caps with an argument" 64 caps extra
t "demo with an argument" 64 demo extra
t "demo --mem bad" 64 demo --mem 1Z
t "demo --bogus" 64 demo --bogus
t "demo --help" 0 demo --help
t "guests with an argument" 64 guests extra
tm "version with an argument" 64 "version: unexpected argument 'foo'" \
	version foo
tm "help with an argument" 64 "help: unexpected argument 'foo'" help foo
tm "--version with an argument" 64 "unexpected argument 'foo'" --version foo
tm "--cpus '': the whole range" 64 "--cpus '': expected a number from 1 to 4096" \
	run --cpus "" builtin:touch
tm "--cpus 4097: the whole range" 64 "from 1 to 4096" \
	run --cpus 4097 builtin:touch
args=$(head -c 40000 /dev/zero | tr '\0' x)
tm "--args of 40000 bytes: a usage error" 64 \
	"--args: 40000 bytes, at most 32768" run --args "$args" builtin:touch
t "demo --args of 40000 bytes" 64 demo --args "$args"
tm "Linux --mem 16T: the limit at parse time" 64 \
	"--mem '16T': a Linux guest takes at most 8T" \
	run --kernel /nonexistent --mem 16T
tm "Linux --mem 100T" 64 "at most 8T" run --kernel /nonexistent --mem 100T
disk=$(mktemp) && ln -s "$disk" "$disk.link"
tm "the same disk rw and ro" 64 "--disk .*same file" \
	run --disk "$disk" --disk "$disk.link,ro" builtin:touch
tm "the same disk rw twice" 64 "same file" \
	run --disk "$disk" --disk "$disk" builtin:touch
rm -f "$disk" "$disk.link"
full "guests >/dev/full" 74 guests
full "version >/dev/full" 74 version
full "--version >/dev/full" 74 --version
full "help >/dev/full" 74 help
full "run --help >/dev/full" 74 run --help
# The control-socket clients, against an empty private runtime directory.
XDG_RUNTIME_DIR=$(mktemp -d) && export XDG_RUNTIME_DIR
t "run --name a/b" 64 run --name a/b builtin:touch
t "run --name ''" 64 run --name "" builtin:touch
t "list" 0 list
t "list --json" 0 list --json
t "list with an argument" 64 list extra
t "pause without a name" 64 pause
t "pause 'a b'" 64 pause "a b"
t "pause of no VM" 66 pause nosuch
t "resume of no VM" 66 resume nosuch
t "stop of no VM" 66 stop nosuch
t "stats of no VM" 66 stats nosuch
t "stats --bogus" 64 stats --bogus nosuch
t "policy without --zap-policy" 64 policy nosuch
t "policy --zap-policy default" 64 policy nosuch --zap-policy default
t "policy of no VM" 66 policy nosuch --zap-policy slot
t "stop --help" 0 stop --help
full "list >/dev/full" 74 list
full "list --json >/dev/full" 74 list --json
rm -rf "$XDG_RUNTIME_DIR"
echo "1..$n"
[ "$failed" -eq 0 ]
