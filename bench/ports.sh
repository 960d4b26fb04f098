#!/bin/sh
# make bench's published-ports section (bench/run runs it under
# unshare -n: md0, the container and every packet stay in a network
# namespace of its own). Two containers run bench/portsrv.c on port
# 9000: one published on 127.0.0.1:19000 as md does by default (the
# kernel sends connections on: DNAT), one on 127.0.0.1:19001 with
# port_nat = false (the monitor's forwarder relays them); the client
# (python, 1 MiB recv_into) reads a 1 GiB stream, and makes connections
# of one round trip, through each and directly to the first container's
# address, in turn.
set -eu
MD=$1 B=$2
ip link set lo up
RP=$B/ports
rm -rf $RP && mkdir -p $RP/root $RP/bin
musl-gcc -O2 -static -o $RP/bin/portsrv bench/portsrv.c
printf '[defaults]\ncgroup_parent = md-bench-ports\n' >$RP/md.ini
printf '[defaults]\ncgroup_parent = md-bench-ports\nport_nat = false\n' >$RP/fwd.ini
export MD_CONFIG=$RP/md.ini MD_ROOT=$RP/root
C= F=
cleanup() {
	[ -z "$C$F" ] || $MD rm -f $C $F >/dev/null 2>&1 || true
	for d in /sys/fs/cgroup/md-bench-ports /sys/fs/cgroup/*/md-bench-ports; do
		[ ! -d "$d" ] || rmdir "$d" 2>/dev/null || true
	done
	rm -rf $RP
}
trap cleanup EXIT
$MD load -q -i build/fixtures/busybox-docker.tar
C=$($MD run -d --network bridge -v $RP/bin:/b -p 127.0.0.1:19000:9000 busybox /b/portsrv 9000)
F=$(MD_CONFIG=$RP/fwd.ini $MD run -d --network bridge -v $RP/bin:/b \
	-p 127.0.0.1:19001:9000 busybox /b/portsrv 9000)
IP=$($MD inspect -f '{{.NetworkSettings.IPAddress}}' $C)
MPID=$(awk -F' = ' '$1=="monitor_pid" {print $2}' $RP/root/containers/$F/state.ini)
python3 - "$IP" $MPID <<'PY'
import socket, statistics, sys, time
ip, mpid = sys.argv[1], sys.argv[2]
paths = [("published 127.0.0.1:19000", ("127.0.0.1", 19000)),
         ("direct to the container", (ip, 9000)),
         ("forwarder 127.0.0.1:19001", ("127.0.0.1", 19001))]
for a in (paths[1][1], paths[2][1]):
    for _ in range(50):
        try:
            socket.create_connection(a, timeout=1).close(); break
        except OSError:
            time.sleep(0.1)
buf = bytearray(1 << 20)

def stream(addr):
    s = socket.create_connection(addr)
    s.sendall(b"s")
    n, t = 0, time.perf_counter()
    while True:
        k = s.recv_into(buf)
        if not k: break
        n += k
    dt = time.perf_counter() - t
    s.close()
    assert n == 1 << 30, n
    return n / dt / 1e9

def rtt(addr):
    t = time.perf_counter()
    s = socket.create_connection(addr)
    s.sendall(b"x")
    assert s.recv(1) == b"x"
    s.close()
    return time.perf_counter() - t

def rss():
    for l in open("/proc/%s/status" % mpid):
        if l.startswith("VmRSS"): return int(l.split()[1])

def cpu():
    f = open("/proc/%s/stat" % mpid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0

thr = {l: [] for l, _ in paths}
fwd_cpu = 0.0
lat = {l: [] for l, _ in paths}
for i in range(5):
    for l, a in paths[i % 3:] + paths[:i % 3]:
        c0 = cpu()
        thr[l].append(stream(a))
        if a == paths[2][1]:
            fwd_cpu += cpu() - c0
for i in range(1000):
    for l, a in paths[i % 3:] + paths[:i % 3]:
        lat[l].append(rtt(a))
print("  1 GiB stream, 5 runs each, in turn; connect + 1-byte round trip, 1000 each:")
for l, _ in paths:
    print("  %-28s %6.2f GB/s  %7.1f us per connection" %
          (l, statistics.median(thr[l]), statistics.median(lat[l]) * 1e6))
r = statistics.median(thr[paths[0][0]]) / statistics.median(thr[paths[1][0]])
q = statistics.median(lat[paths[0][0]]) / statistics.median(lat[paths[1][0]])
print("  published/direct: throughput %.2fx (target >= 0.80x: %s), set-up latency %.2fx"
      % (r, "met" if r >= 0.8 else "MISSED", q))
r = statistics.median(thr[paths[2][0]]) / statistics.median(thr[paths[1][0]])
q = statistics.median(lat[paths[2][0]]) / statistics.median(lat[paths[1][0]])
print("  forwarder/direct (port_nat = false, and connections from the container's bridge):"
      " throughput %.2fx, set-up latency %.2fx" % (r, q))
print("  the forwarder's CPU per GiB streamed: %.2f s; its monitor's VmRSS after it all: %d KiB"
      % (fwd_cpu / 5, rss()))
PY
