# Shared helpers for tests/*.test. A test file defines functions named
# t_* and ends with "run_tests"; each function passes by returning 0.
# Every test runs in a fresh MD_ROOT; $MD is the binary under test.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
MD=${MD:-$TOP/md}
FIX=${FIX:-$TOP/build/fixtures}	# images made by real tools, cached
export PATH="$TOP/build/bin:$PATH"
T_PASS=0 T_FAIL=0 T_SKIP=0
T_WORK=$(mktemp -d /tmp/md-test.XXXXXX)

# md APPLET ARGS...: runs the applet through an md-APPLET link.
mkdir -p "$TOP/build/bin"
for a in $("$MD" 2>/dev/null | sed -n 's/^  md-//p'); do
	ln -sf "$MD" "$TOP/build/bin/md-$a"
done

fail() { echo "    $*" >&2; return 1; }
skip() { echo "    skipped: $*" >&2; return 77; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] && return 0
	fail "$1: got '$2', want '$3'"
}
# expect_exit CODE CMD...: runs CMD, stdout/stderr kept in $OUT/$ERR.
expect_exit() {
	want=$1; shift
	"$@" >"$T_WORK/out" 2>"$T_WORK/err"; got=$?
	OUT=$(cat "$T_WORK/out"); ERR=$(cat "$T_WORK/err")
	[ "$got" = "$want" ] && return 0
	fail "$* exited $got, want $want; stderr: $ERR"
}
expect_match() {	# expect_match WHAT TEXT ERE
	printf '%s\n' "$2" | grep -Eq -- "$3" && return 0
	fail "$1: '$2' does not match /$3/"
}

run_tests() {
	for t in $(grep -o '^t_[A-Za-z0-9_]*' "$0" | sort -u); do
		export MD_ROOT="$T_WORK/root.$t"
		mkdir -p "$MD_ROOT"
		(cd "$T_WORK" && set +e && $t)
		case $? in
		0) T_PASS=$((T_PASS + 1)); echo "PASS ${0##*/} $t" ;;
		77) T_SKIP=$((T_SKIP + 1)); echo "SKIP ${0##*/} $t" ;;
		*) T_FAIL=$((T_FAIL + 1)); echo "FAIL ${0##*/} $t" ;;
		esac
		rm -rf "$MD_ROOT"
	done
	rm -rf "$T_WORK"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped" >"${T_RESULT:-/dev/null}"
}
