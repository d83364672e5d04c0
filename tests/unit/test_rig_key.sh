#!/bin/sh
# The rig's keys (tests/nested/rig): the cache key follows Debian's
# linux-source-6.1 package version, the verified key (what .ci/run compares
# with kernel-patches/config/debug-verified) does not, and it changes with
# what the project controls.  A fake dpkg-query stands in for the package.
: "${RIG:?}"
n=0 failed=0
check() { # DESC CONDITION-STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"
	else failed=$((failed + 1)); echo "not ok $n - $1"; fi
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
fake() { # VERSION
	printf '#!/bin/sh\necho -n %s\n' "$1" >"$tmp/bin/dpkg-query"
	chmod +x "$tmp/bin/dpkg-query"
}
key() { PATH="$tmp/bin:$PATH" "$RIG" "$@" 2>/dev/null; }

fake 6.1.192-1
k1=$(key key --kernel debug) v1=$(key verify-key --kernel debug)
fake 6.1.192-3
k3=$(key key --kernel debug) v3=$(key verify-key --kernel debug)
check "cache key is 16 hex digits" "$(echo "$k1" | grep -cx '[0-9a-f]\{16\}' | grep -qx 1; echo $?)"
check "verify key is 16 hex digits" "$(echo "$v1" | grep -cx '[0-9a-f]\{16\}' | grep -qx 1; echo $?)"
check "cache key follows the package version" "$([ "$k1" != "$k3" ]; echo $?)"
check "verify key ignores the package version" "$([ "$v1" = "$v3" ]; echo $?)"
check "verify key is not the cache key" "$([ "$v1" != "$k1" ]; echo $?)"
check "stock and debug verify keys differ (debug.config)" \
	"$([ "$(key verify-key --kernel stock)" != "$v1" ]; echo $?)"
fake 6.1.192-3
check "source-version reports the package version" \
	"$([ "$(key source-version)" = 6.1.192-3 ]; echo $?)"
# .ci/run reads the last non-comment, non-"source:" line of debug-verified.
verified=$(grep -v -e '^#' -e '^source:' "$(dirname "$RIG")/../../kernel-patches/config/debug-verified" | tail -n 1)
check "debug-verified holds one 16-hex-digit key ($verified)" \
	"$(echo "$verified" | grep -qx '[0-9a-f]\{16\}'; echo $?)"
echo "1..$n"
[ "$failed" -eq 0 ]
