#!/bin/sh
# Every C file in the tree follows .clang-format (the kernel's own).
# Usage: check-format.sh SOURCE_ROOT. Exit 77 (skip) without git or clang-format.
cd "$1" || exit 1
command -v clang-format >/dev/null || { echo "1..0 # SKIP no clang-format"; exit 77; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null) || { echo "1..0 # SKIP not a git checkout"; exit 77; }
n=0 bad=0
for f in $files; do
	n=$((n + 1))
	if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "ok $n - $f"
	else
		bad=$((bad + 1))
		echo "not ok $n - $f (run: clang-format -i $f)"
	fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
