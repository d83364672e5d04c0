#!/bin/sh
# The layers of src/ as the linker sees them: which file's objects use a
# symbol (function or table) that another file defines. Two files must
# never use each other, and the VMM library (src/core, src/boot,
# src/devices, src/control) must use nothing of the command layer
# (src/cmd, src/bench). Runs on the built static libraries, without KVM.
# And from the sources in $ZAPVM_SRC: the VMM library names no exit status
# (ZAPVM_EXIT_*, errno_to_exit): it returns -errno and says how a VM ended
# (enum vm_end); only src/cmd/exit.c maps those to statuses.
: "${ZAPVM_LIBS:?ZAPVM_LIBS: the static libraries to read, space-separated}"
: "${ZAPVM_SRC:?ZAPVM_SRC: the src/ folder to read}"
NM=${NM:-nm}

echo "1..3"
statuses=$(cd "$ZAPVM_SRC" && grep -n 'ZAPVM_EXIT_\|errno_to_exit\|exit__from' \
	core/* boot/* devices/* control/* 2>/dev/null)
# One line per symbol use or definition: FILE D|U SYMBOL, FILE as src/DIR/NAME.c
# (objects are named DIR_NAME.c.o; generated objects are not in src/).
# shellcheck disable=SC2086 # ZAPVM_LIBS is a list
uses=$("$NM" -A $ZAPVM_LIBS 2>/dev/null | awk '
	{
		obj = $1; sub(/:[^:]*$/, "", obj); sub(/^.*:/, "", obj)
		sub(/^.*\//, "", obj); sub(/\.o$/, "", obj)
		if (obj ~ /^meson-generated_/ || obj !~ /_/)
			next
		file = "src/" obj; sub(/_/, "/", file)
		if ($2 == "U")
			print file, "U", $3
		else if ($2 ~ /^[TDRBGSVW]$/)
			print file, "D", $3
	}')
if [ -z "$uses" ]; then
	echo "not ok 1 - no symbols read from $ZAPVM_LIBS"
	echo "not ok 2 - no symbols read from $ZAPVM_LIBS"
	echo "not ok 3 - not checked"
	exit 1
fi

# FROM TO SYMBOL for each use of a symbol another file defines.
edges=$(echo "$uses" | awk '
	$2 == "D" { def[$3] = $1; next }
	{ use[++n] = $1 " " $3 }
	END {
		for (i = 1; i <= n; i++) {
			split(use[i], u, " ")
			if ((u[2] in def) && def[u[2]] != u[1])
				print u[1], def[u[2]], u[2]
		}
	}' | sort -u)

cycles=$(echo "$edges" | awk '
	{ key = $1 " " $2; if (!(key in sym)) sym[key] = $3; pair[++n] = key }
	END {
		for (i = 1; i <= n; i++) {
			split(pair[i], p, " ")
			back = p[2] " " p[1]
			if (p[1] < p[2] && (back in sym))
				print p[1] " <-> " p[2] " (" sym[pair[i]] \
				      ", " sym[back] ")"
		}
	}' | sort -u)
if [ -z "$cycles" ]; then
	echo "ok 1 - no two files in src/ call each other"
else
	echo "not ok 1 - files in src/ that call each other:"
	echo "$cycles" | sed 's/^/# /'
fi

up=$(echo "$edges" | awk '
	$1 ~ /^src\/(core|boot|devices|control)\// &&
	$2 ~ /^src\/(cmd|bench)\// { print $1 " -> " $2 " (" $3 ")" }')
if [ -z "$up" ]; then
	echo "ok 2 - the VMM library calls nothing in src/cmd or src/bench"
else
	echo "not ok 2 - the VMM library calls the command layer:"
	echo "$up" | sed 's/^/# /'
fi
if [ -z "$statuses" ]; then
	echo "ok 3 - the VMM library picks no exit status"
else
	echo "not ok 3 - exit statuses named in the VMM library:"
	echo "$statuses" | sed 's/^/# src\//'
fi
[ -z "$cycles" ] && [ -z "$up" ] && [ -z "$statuses" ]
