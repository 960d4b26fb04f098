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
# At exit, even an interrupted one: what the test file registered with
# at_exit (servers, cgroups), then the work dir.
T_ATEXIT=:
at_exit() { T_ATEXIT="$T_ATEXIT; $1"; }
t_exit() { eval "$T_ATEXIT"; rm -rf "$T_WORK"; }
trap t_exit EXIT
trap 'exit 1' HUP INT TERM

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

# run_tests [NAME...]: the named tests, or every t_* function of the file.
run_tests() {
	names=${*:-$(grep -o '^t_[A-Za-z0-9_]*' "$0" | sort -u)}
	for t in $names; do
		export MD_ROOT="$T_WORK/root.$t"
		mkdir -p "$MD_ROOT" "$T_WORK/$t"
		(cd "$T_WORK/$t" && set +e && $t)
		case $? in
		0) T_PASS=$((T_PASS + 1)); echo "PASS ${0##*/} $t" ;;
		77) T_SKIP=$((T_SKIP + 1)); echo "SKIP ${0##*/} $t" ;;
		*) T_FAIL=$((T_FAIL + 1)); echo "FAIL ${0##*/} $t" ;;
		esac
		# Containers a test left (one that failed half-way) go, not
		# only their store: no monitor or container outlives the file.
		if [ -n "$(ls -A "$MD_ROOT/containers" 2>/dev/null)" ]; then
			"$MD" rm -f $(ls "$MD_ROOT/containers") >/dev/null 2>&1
		fi
		# md-run --rm's detached removers hold rm.lock shared.
		[ ! -e "$MD_ROOT/rm.lock" ] ||
			timeout 20 flock "$MD_ROOT/rm.lock" true
		rm -rf "$MD_ROOT"
	done
	rm -rf "$T_WORK"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped" >"${T_RESULT:-/dev/null}"
}

# The store has nothing half-done: tmp/ is empty.
expect_no_staging() {
	left=$(ls -A "$MD_ROOT/tmp" 2>/dev/null)
	[ -z "$left" ] && return 0
	fail "staging left in $MD_ROOT/tmp: $left"
}
# No image is registered.
expect_no_images() {
	ids=$(md-images -q) || { fail "md-images failed"; return 1; }
	[ -z "$ids" ] || { fail "images registered: $ids"; return 1; }
	[ -z "$(ls -A "$MD_ROOT/layers" 2>/dev/null)" ] ||
		{ fail "layers left: $(ls "$MD_ROOT/layers")"; return 1; }
}
# mount_image IMAGE DIR: mounts the image's layers (read-only overlay)
# on DIR, top layer first, through the store's short l/ names.
mount_image() {
	lower=$(md-inspect -f layer "$1" | sed 's/^sha256://' | tac |
		while read -r h; do
			for l in "$MD_ROOT"/l/*; do
				case $(readlink "$l") in */$h/root) echo "${l##*/}"; break;; esac
			done
		done | paste -sd:)
	mkdir -p "$2"
	set -- "$1" "$(cd "$2" && pwd)"
	n=$(md-inspect -f layer "$1" | wc -l)
	[ "$n" -ge 1 ] && [ "$(printf '%s' "$lower" | tr : '\n' | grep -c .)" = "$n" ] ||
		{ echo "mount_image $1: $n layers, l/ links for: $lower" >&2; return 1; }
	if [ "$n" -eq 1 ]; then	# overlayfs wants two lower dirs, or an upper
		mount --bind "$MD_ROOT/l/$lower" "$2"
	else
		(cd "$MD_ROOT/l" && mount -t overlay md-test -o "lowerdir=$lower" "$2")
	fi
}
