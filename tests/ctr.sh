# Helpers for the tests of containers that md-run starts (sourced after
# lib.sh): a cgroup parent of the test's own, an image, and cleaning up
# by hand while md-rm is to come.
CGP=md-test-$$
# What a failed test left running: the processes of its containers'
# cgroups killed, the cgroups removed (their monitors then exit).
sweep() {
	for d in /sys/fs/cgroup/$CGP/*/ /sys/fs/cgroup/*/$CGP/*/; do
		[ -f "$d/cgroup.procs" ] || continue
		for p in $(cat "$d/cgroup.procs"); do kill -9 $p 2>/dev/null; done
		i=0; while grep -q . "$d/cgroup.procs" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		rmdir "$d" 2>/dev/null
	done
}
cleanup_cgroups() {	# the test's cgroup parent, in every hierarchy
	sweep
	for d in /sys/fs/cgroup/$CGP /sys/fs/cgroup/*/$CGP; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
}
at_exit cleanup_cgroups

setup() {	# busybox image and md.ini for this test's MD_ROOT
	sweep
	printf '[defaults]\ncgroup_parent = %s\n' $CGP >"$MD_ROOT.ini"
	export MD_CONFIG="$MD_ROOT.ini"
	md-load -q -i "$FIX/busybox-docker.tar"
}

# wait_gone PID [TENTHS]: true once PID is gone (not a zombie of ours).
wait_gone() {
	i=0; while [ -d /proc/$1 ] && [ $i -lt ${2:-50} ]; do sleep 0.1; i=$((i+1)); done
	[ ! -d /proc/$1 ]
}
ppid_of() { sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f2; }
state_of() {	# state_of NAME KEY: KEY in container NAME's state.ini
	awk -F' = ' -v k="$2" '$1==k {print $2}' \
		"$(grep -lx "name = $1" "$MD_ROOT"/containers/*/state.ini)"
}

# md-rm is to come: every container's first process is killed (its
# monitor records the end, removes its cgroup and exits), then its state
# is deleted.
remove_all() {
	for st in "$MD_ROOT"/containers/*/state.ini; do
		[ -f "$st" ] || continue
		pid=$(awk -F' = ' '$1=="pid" {print $2}' "$st")
		# (only what is still the container's sleep)
		[ "${pid:-0}" -gt 0 ] && grep -qs sleep /proc/$pid/cmdline || continue
		mon=$(ppid_of $pid)
		kill -9 $pid
		wait_gone $pid || { fail "container $pid left"; return 1; }
		[ -z "$mon" ] || [ "$mon" = 1 ] || wait_gone $mon ||
			{ fail "monitor $mon left"; return 1; }
	done
	rm -rf "$MD_ROOT"/containers/* "$MD_ROOT"/names/*
}

# expect_clean: no container state, no mounts and no cgroups of md left.
expect_clean() {
	remove_all || return 1
	! grep -q "$MD_ROOT" /proc/mounts || { fail "mounts left"; return 1; }
	left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path "*/$CGP/*" -type d 2>/dev/null)
	[ -z "$left" ] || { fail "cgroups left: $left"; return 1; }
}

