#!/bin/sh
# The tests /init runs inside the VM (pure cgroup v2, root on the
# initramfs, MD_ROOT on tmpfs). For each test prints one line on the
# console, "MDTEST PASS name" or "MDTEST FAIL name: why", after its output
# as "MDLOG name: ..." lines; tests/cgroup2.test turns each into a result.
# A test is a t_NAME function returning 0 to pass; on failure it prints
# the reason with fail (a "WHY: " line). They run in the order of $TESTS,
# each in its own sh under a time limit, sharing
# MD_ROOT (t_load loads the image the others run).
# The cgroup tests use --network none so that they test cgroups only;
# t_default_network runs md-run with its default bridge network.
TESTS="setup load cgroup_ns host_cgroup memory cpus pids cpu_shares oom
       pids_fork default_network ports devices rootfs stop exec restart accounting
       oom_unlimited cleanup"
LIMIT=60	# seconds per test
RUN="md-run --rm --network none"
CG=/sys/fs/cgroup

# fail WHY: the reason, on one line, that the runner reports
fail() { printf 'WHY: %s\n' "$(printf '%s' "$*" | tr '\n' ' ' | cut -c1-300)"; return 1; }
# run CMD...: runs CMD (at most 40 s), sets RC, OUT and ERR and logs them
run() {
	timeout 40 "$@" >/tmp/run.out 2>/tmp/run.err; RC=$?
	OUT=$(cat /tmp/run.out); ERR=$(cat /tmp/run.err); ERR1=$(head -1 /tmp/run.err)
	echo "\$ $* -> exit $RC"
	[ -z "$OUT" ] || printf '%s\n' "$OUT" | sed 's/^/  out: /' | head -20
	[ -z "$ERR" ] || printf '%s\n' "$ERR" | sed 's/^/  err: /' | head -20
}
# expect_run WANT_RC WANT_OUT CMD...: CMD exits WANT_RC and prints WANT_OUT
expect_run() {
	want_rc=$1 want_out=$2; shift 2
	run "$@"
	[ "$RC" = "$want_rc" ] || { fail "exit $RC, want $want_rc: ${ERR1:-$OUT}"; return 1; }
	[ "$OUT" = "$want_out" ] || fail "printed '$OUT', want '$want_out'"
}

t_setup() {	# the host is what we claim: pure cgroup v2, overlay, modules
	[ -z "$MDTEST_SETUP_ERR" ] || { fail "setup:${MDTEST_SETUP_ERR#;}"; return 1; }
	grep -q " $CG cgroup2 " /proc/mounts || { fail "$CG is not cgroup2"; return 1; }
	n=$(grep -c ' cgroup ' /proc/mounts)
	[ "$n" = 0 ] || { fail "$n cgroup v1 mounts"; return 1; }
	for c in cpu memory pids cpuset; do
		grep -qw $c $CG/cgroup.subtree_control ||
			{ fail "controller $c not enabled at the root"; return 1; }
	done
	grep -qw overlay /proc/filesystems || { fail "no overlayfs"; return 1; }
	echo "/ is $(awk '$2 == "/" {print $1, $3}' /proc/mounts)"
}

t_load() {
	run md-load -i /busybox-docker.tar
	[ "$RC" = 0 ] || { fail "md-load exited $RC: $ERR1"; return 1; }
	run md-images
	[ "$RC" = 0 ] || { fail "md-images exited $RC: $ERR1"; return 1; }
	printf '%s\n' "$OUT" | grep -q '^busybox  *latest ' ||
		fail "md-images shows no busybox:latest"
}

t_cgroup_ns() {	# the container sees its own cgroup as the root
	expect_run 0 "0::/" $RUN busybox cat /proc/self/cgroup
}

t_host_cgroup() {	# from the host: md/<id> holds the container, limits set
	rm -f /tmp/bg.out
	md-run --rm --network none -m 64m busybox sleep 5 >/tmp/bg.out 2>&1 &
	bg=$!
	i=0 dir=""
	while [ $i -lt 40 ] && [ -z "$dir" ]; do
		for d in $CG/md/*/; do
			[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && dir=${d%/}
		done
		[ -n "$dir" ] || { sleep 0.25; i=$((i + 1)); }
	done
	[ -n "$dir" ] || echo "no populated cgroup under $CG/md/ within 10 s"
	if [ -n "$dir" ]; then
		echo "cgroup $dir: procs $(cat $dir/cgroup.procs | tr '\n' ' ')"
		echo "  comm: $(for p in $(cat $dir/cgroup.procs); do cat /proc/$p/comm; done | tr '\n' ' ')"
		mem=$(cat $dir/memory.max 2>&1)
	fi
	wait $bg; rc=$?
	sed 's/^/  md-run: /' /tmp/bg.out
	[ $rc = 0 ] || { fail "md-run exited $rc: $(head -1 /tmp/bg.out)"; return 1; }
	[ -n "$dir" ] || { fail "no cgroup for the container under $CG/md/"; return 1; }
	echo "${dir##*/}" | grep -Eq '^[0-9a-f]{64}$' ||
		{ fail "cgroup name ${dir##*/} is not a 64-hex container id"; return 1; }
	[ "$mem" = 67108864 ] || fail "${dir##*/}/memory.max was '$mem', want 67108864"
}

t_memory() {
	expect_run 0 67108864 $RUN -m 64m busybox cat $CG/memory.max
}

t_cpus() {
	expect_run 0 "50000 100000" $RUN --cpus 0.5 busybox cat $CG/cpu.max
}

t_pids() {
	expect_run 0 20 $RUN --pids-limit 20 busybox cat $CG/pids.max
}

t_cpu_shares() {	# runc's mapping: 1 + ((512 - 2) * 9999) / 262142 = 20
	expect_run 0 20 $RUN --cpu-shares 512 busybox cat $CG/cpu.weight
}

t_oom() {	# the kernel kills the container at its limit: 128 + SIGKILL
	run $RUN -m 32m busybox sh -c 'x=a; while :; do x=$x$x; done'
	[ "$RC" = 137 ] || fail "exit $RC, want 137: $ERR1"
}

t_pids_fork() {	# a fork bomb stops at the limit, fast, and the host lives
	t0=$(date +%s)
	run $RUN --pids-limit 10 busybox sh -c \
		'for i in $(seq 1 30); do sleep 5 & done; echo done'
	t=$(($(date +%s) - t0))
	[ "$RC" != 143 ] || { fail "hung: md-run killed by timeout after ${t} s"; return 1; }
	[ $t -lt 30 ] || { fail "took ${t} s"; return 1; }
	# busybox sh exits 2 at its first "can't fork"; 125 would be md-run's own failure
	[ "$RC" = 2 ] || { fail "exit $RC, want 2 (sh's can't fork): ${ERR1:-$OUT}"; return 1; }
	printf '%s\n' "$ERR" | grep -qx "sh: can't fork: Resource temporarily unavailable" ||
		{ fail "no fork failure in the output (exit $RC: ${ERR1:-$OUT})"; return 1; }
	[ "$(sh -c 'echo alive')" = alive ] || fail "the host cannot fork"
}

t_default_network() {	# the default network (none until bridge exists)
	expect_run 0 "" md-run --rm busybox true
}

# A published port on Debian's own kernel (nf_tables from modules):
# carried by the kernel (DNAT in the container's own table), so it
# answers with the container's monitor stopped; gone with the container.
t_ports() {
	mkdir -p /tmp/www && echo vm >/tmp/www/index.html
	run md-run -d -v /tmp/www:/www -p 127.0.0.1:18080:80 busybox httpd -f -p 80 -h /www
	[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
	id=$OUT
	get() { timeout 5 busybox wget -qO- http://127.0.0.1:18080/ 2>/dev/null; }
	i=0; until [ "$(get)" = vm ] || [ $i -ge 40 ]; do sleep 0.25; i=$((i + 1)); done
	mon=$(awk -F' = ' '$1=="monitor_pid" {print $2}' "$MD_ROOT/containers/$id/state.ini")
	[ -n "$mon" ] && kill -STOP "$mon" || { fail "no monitor pid for $id"; return 1; }
	out=$(get)
	kill -CONT "$mon"
	rl=$(cat /proc/sys/net/ipv4/conf/md0/route_localnet)
	echo "with the monitor stopped: '$out'; route_localnet $rl"
	expect_run 0 "$id" md-rm -f "$id" || return 1
	[ "$out" = vm ] || { fail "no answer with the monitor stopped: '$out'"; return 1; }
	[ "$rl" = 1 ] || { fail "route_localnet $rl on md0"; return 1; }
	out=$(get)
	[ -z "$out" ] || fail "port still answers after md-rm: '$out'"
}

# Docker's device allowlist, a BPF program on the container's cgroup
# here (tests/run.test's t_device_allowlist has the v1 side): any node
# may be made, few opened. The loop device is the test's own.
DEVPROBE='probe() {	# NAME TYPE MAJOR MINOR: made in /v; may it be opened?
	mknod /v/$1 $2 $3 $4 || { echo "$1: no mknod"; return; }
	if (exec 3</v/$1) 2>/tmp/err || ! grep -q "Operation not permitted" /tmp/err
	then echo "$1: allowed"; else echo "$1: denied"; fi
}'
t_devices() {
	head -c 4096 /dev/zero | tr '\0' L >/tmp/disk.img
	dev=$(losetup -f) && losetup "$dev" /tmp/disk.img ||
		{ fail "losetup ${dev:-(no free loop device)} failed"; return 1; }
	echo "loop device $dev"
	devices_checks "$dev"; rc=$?
	losetup -d "$dev"
	rm -rf /tmp/v /tmp/disk.img
	return $rc
}
devices_checks() {	# LOOPDEV
	set -- $(stat -c '%t %T' "$1")
	maj=$((0x$1)) min=$((0x$2))
	mkdir /tmp/v
	expect_run 0 "loop: denied
kvm: denied
hwrng: denied
null: allowed
zero: allowed
tun: allowed
dd: can't open '/v/loop': Operation not permitted
all usable" $RUN -v /tmp/v:/v busybox sh -c "$DEVPROBE
		probe loop b $maj $min; probe kvm c 10 232; probe hwrng c 10 183
		probe null c 1 3; probe zero c 1 5; probe tun c 10 200
		dd if=/v/loop bs=4 count=1 2>&1 >/dev/null
		echo x >/dev/null && head -c 2 /dev/urandom | wc -c | grep -qx 2 &&
			head -c 2 /dev/random | wc -c | grep -qx 2 && (exec 3>/dev/full) &&
			echo all usable" || return 1
	expect_run 0 LLLL $RUN --privileged -v /tmp/v:/v busybox sh -c \
		"mknod /v/ploop b $maj $min && dd if=/v/ploop bs=4 count=1 2>/dev/null" || return 1
	run $RUN -t busybox sh -c 'tty; echo via-tty >/dev/tty; (exec 3<>/dev/ptmx) && echo ptmx' </dev/null
	OUT=$(printf '%s\n' "$OUT" | tr -d '\r')
	[ "$RC" = 0 ] && [ "$OUT" = "/dev/pts/0
via-tty
ptmx" ] || fail "-t: exit $RC, printed '$OUT'"
}

# The root as this older kernel has md make it (no "lowerdir+", no mounts
# on detached trees: all in the container's first process): a :ro volume
# read-only with its submount (mount_setattr, then its fallback), device
# nodes of the container's own, /proc/interrupts masked.
t_rootfs() {
	mkdir -p /tmp/ro && mount -t tmpfs ro /tmp/ro && mkdir /tmp/ro/sub &&
		mount -t tmpfs sub /tmp/ro/sub || { fail "cannot mount /tmp/ro"; return 1; }
	host=$(stat -c %d:%i /dev/null)
	for c in "" no-mount-setattr; do
		run env MD_KERNEL_COMPAT=$c $RUN -v /tmp/ro:/v:ro busybox sh -c \
			'touch /v/x /v/sub/x 2>&1; stat -c %d:%i /dev/null; wc -c </proc/interrupts'
		[ "$RC" = 0 ] || { fail "MD_KERNEL_COMPAT=$c: exit $RC: $ERR1"; return 1; }
		[ "$(printf '%s\n' "$OUT" | sed -n '1,2p;4p')" = "touch: /v/x: Read-only file system
touch: /v/sub/x: Read-only file system
0" ] || { fail "MD_KERNEL_COMPAT=$c: printed $OUT"; return 1; }
		[ "$(printf '%s\n' "$OUT" | sed -n 3p)" != "$host" ] ||
			{ fail "/dev/null is the host's"; return 1; }
	done
	umount /tmp/ro/sub /tmp/ro
}

# md-stop and md-rm -f of detached containers on pure v2: every process
# killed (by cgroup.kill, which v2 has since Linux 5.14), the container's
# end recorded, its cgroup removed.
t_stop() {
	for n in s r; do
		run md-run -d --network none --name $n busybox sh -c \
			'sleep 1001 & setsid sleep 1002 & exec sleep 1000'
		[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
		eval id_$n=$OUT
	done
	i=0; while [ "$(cat $CG/md/$id_s/cgroup.procs 2>/dev/null | wc -l)" -lt 3 ] &&
		[ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
	pids=$(cat $CG/md/$id_s/cgroup.procs $CG/md/$id_r/cgroup.procs)
	echo "processes: $(echo $pids); cgroup.kill: $(ls $CG/md/$id_s/cgroup.kill 2>&1)"
	expect_run 0 s md-stop -t 1 s || return 1
	expect_run 0 137 md-wait s || return 1
	expect_run 0 r md-rm -f r || return 1
	expect_run 0 s md-rm s || return 1
	for p in $pids; do
		[ -d /proc/$p ] && [ "$(sed 's/.*) //' /proc/$p/stat | cut -c1)" != Z ] &&
			{ fail "process $p left: $(cat /proc/$p/cmdline | tr '\0' ' ')"; return 1; }
	done
	for id in $id_s $id_r; do
		[ ! -d $CG/md/$id ] || { fail "cgroup $id left"; return 1; }
		[ ! -d $MD_ROOT/containers/$id ] || { fail "container $id left"; return 1; }
	done
}

# md-exec on pure v2: its child is born in the container's cgroup
# (clone3 CLONE_INTO_CGROUP), so the BPF device program and the limits
# hold for it; it sees the cgroup namespace's root as pid 1 does.
t_exec() {
	mkdir -p /tmp/xv
	run md-run -d --network none -m 64m -v /tmp/xv:/v busybox sleep 60
	[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
	c=$OUT
	exec_checks "$c"; rc=$?
	# Its end (md-stop is to come): the monitor records it and removes
	# the cgroup.
	pid=$(awk -F' = ' '$1=="pid" {print $2}' "$MD_ROOT/containers/$c/state.ini")
	[ "${pid:-0}" -gt 0 ] && kill -9 "$pid"
	i=0; while [ -d "$CG/md/$c" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ ! -d "$CG/md/$c" ] || { fail "the container's cgroup stayed"; return 1; }
	rm -rf "$MD_ROOT/containers/$c" "$MD_ROOT/names/"* /tmp/xv
	return $rc
}
exec_checks() {	# ID
	expect_run 0 "0::/" md-exec "$1" cat /proc/self/cgroup || return 1
	run md-exec -d "$1" sleep 30
	[ "$RC" = 0 ] || { fail "md-exec -d exited $RC: $ERR1"; return 1; }
	kid=""
	for p in /proc/[0-9]*; do
		[ "$(cat $p/cmdline 2>/dev/null | tr '\0' ' ')" = "sleep 30 " ] && kid=${p#/proc/}
	done
	[ -n "$kid" ] && grep -qx "$kid" "$CG/md/$1/cgroup.procs" ||
		{ fail "the exec'd sleep (${kid:-not found}) is not in $CG/md/$1"; return 1; }
	expect_run 0 "null: allowed
kvm: denied" md-exec "$1" sh -c "$DEVPROBE
		probe null c 1 3; probe kvm c 10 232" || return 1
	run md-exec "$1" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo ${#x}'
	[ "$RC" = 137 ] || fail "over the memory limit: exit $RC, want 137"
}

# Restarts and md-start on pure v2: the starter makes the cgroup first
# (the process is born in it) and claims the container after; a policy's
# restart, md-start, and md-rm -f of a restarting container leave no
# cgroup behind.
t_restart() {
	key() { awk -F' = ' -v k="$2" '$1==k {print $2}' "$MD_ROOT/containers/$1/state.ini"; }
	run md-run -d --network none --name rs --restart always busybox sh -c 'exit 3'
	[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
	rs=$OUT
	i=0; while [ "$(key $rs restart_count)" -lt 3 ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1)); done
	[ "$(key $rs restart_count)" -ge 3 ] || { fail "restarts: $(key $rs restart_count)"; return 1; }
	run md-run -d --network none --name st busybox sleep 1000
	[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
	st=$OUT
	expect_run 0 st md-stop -t 0 st || return 1
	expect_run 0 st md-start st || return 1
	grep -qx "$(key $st pid)" $CG/md/$st/cgroup.procs ||
		{ fail "md-start's process is not in $CG/md/$st"; return 1; }
	expect_run 0 "rs
st" md-rm -f rs st || return 1
	sleep 0.5
	for id in $rs $st; do
		[ ! -d $CG/md/$id ] || { fail "cgroup $id left"; return 1; }
	done
	for p in /proc/[0-9]*; do
		case "$( { tr '\0' ' ' <$p/cmdline; } 2>/dev/null)" in
		"md monitor $rs "*|"md monitor $st "*) fail "monitor ${p#/proc/} left"; return 1 ;;
		esac
	done
}

# A container without limits: its cgroup holds pid 1 and a daemon forked
# twice, with the controllers on for accounting (memory, pids, cpu);
# md-rm -f ends both.
t_accounting() {
	run md-run -d --network none --name acct busybox sh -c \
		'(setsid sleep 1003 &); exec sleep 1000'
	[ "$RC" = 0 ] || { fail "md-run -d exited $RC: $ERR1"; return 1; }
	d=$CG/md/$OUT
	i=0; while [ "$(cat $d/cgroup.procs 2>/dev/null | wc -l)" -lt 2 ] &&
		[ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
	pids=$(cat $d/cgroup.procs)
	echo "processes: $(echo $pids); controllers: $(cat $d/cgroup.controllers)"
	echo "memory.current $(cat $d/memory.current) pids.current $(cat $d/pids.current)"
	[ "$(echo $pids | wc -w)" = 2 ] || { fail "cgroup.procs: $(echo $pids), want 2"; return 1; }
	for c in memory pids cpu; do
		grep -qw $c $d/cgroup.controllers || { fail "no $c in $d"; return 1; }
	done
	[ "$(cat $d/memory.current)" -gt 0 ] || { fail "memory.current is 0"; return 1; }
	[ "$(cat $d/pids.current)" = 2 ] || { fail "pids.current $(cat $d/pids.current)"; return 1; }
	expect_run 0 acct md-rm -f acct || return 1
	for p in $pids; do
		[ -d /proc/$p ] && [ "$(sed 's/.*) //' /proc/$p/stat | cut -c1)" != Z ] &&
			{ fail "process $p left"; return 1; }
	done
	[ ! -d $d ] || fail "cgroup $d left"
}

# An OOM kill without -m, under a memory.max of its cgroup parent (32 MiB,
# no swap: the VM's memory is never at stake), is the container's and
# recorded so.
t_oom_unlimited() {
	mkdir -p $CG/mdoom && echo 32M >$CG/mdoom/memory.max || { fail "mdoom"; return 1; }
	[ ! -e $CG/mdoom/memory.swap.max ] || echo 0 >$CG/mdoom/memory.swap.max
	printf '[defaults]\ncgroup_parent = mdoom\n' >/tmp/oom.ini
	export MD_CONFIG=/tmp/oom.ini
	run md-run --network none --name oom busybox sh -c 'x=a; while :; do x=$x$x; done'
	rc=$RC
	run md-inspect -f '{{.State.OOMKilled}}' oom
	oom=$OUT
	md-rm oom >/dev/null
	rmdir $CG/mdoom || { fail "rmdir $CG/mdoom"; return 1; }
	[ "$rc" = 137 ] || { fail "exit $rc, want 137"; return 1; }
	[ "$oom" = true ] || fail "OOMKilled: '$oom', want true"
}

t_cleanup() {	# --rm left nothing: cgroups, state, mounts, processes
	[ -d $CG/md ] || { fail "no $CG/md: md never made its cgroup parent"; return 1; }
	left=$(find $CG/md -mindepth 1 -type d)
	[ -z "$left" ] || { fail "cgroups left: $(echo $left)"; return 1; }
	left=$(ls -A "$MD_ROOT/containers" 2>/dev/null)
	[ -z "$left" ] || { fail "$MD_ROOT/containers holds: $(echo $left)"; return 1; }
	left=$(grep " $MD_ROOT/" /proc/mounts | awk '{print $2}')
	[ -z "$left" ] || { fail "mounts left: $(echo $left)"; return 1; }
	left=$(pidof sleep)
	[ -z "$left" ] || fail "processes left: sleep $left"
}

if [ "${1:-}" = --one ]; then	# one test, in its own process
	set +e
	t_$2
	exit $?
fi
for t in $TESTS; do
	timeout -s KILL $LIMIT sh /vmtests.sh --one $t >/tmp/test.out 2>&1
	rc=$?
	[ $rc -lt 128 ] || echo "WHY: killed after $LIMIT s" >>/tmp/test.out
	sed "s/^/MDLOG $t: /" /tmp/test.out | head -60
	if [ $rc = 0 ]; then
		echo "MDTEST PASS $t"
	else
		why=$(sed -n 's/^WHY: //p' /tmp/test.out | tail -1)
		echo "MDTEST FAIL $t: ${why:-$(tail -1 /tmp/test.out)}"
	fi
done
