#!/bin/sh
# bench/ps-store.sh ROOT N [RUNNING]: makes a store of N containers for
# md-ps to list, from the state of one container md-run made there: its
# state.ini copied with a new ID, name and creation time for each (one
# second apart). RUNNING of them (default none) are recorded running as
# a process this script leaves alive (a sleep, with its start time: its
# pid is printed; kill it when done), the others exited. Each gets what
# md-run makes: containers/ID/ (id, state.ini, upper/, work/) and its
# names/NAME link.
set -eu
ROOT=$1 N=$2 RUNNING=${3:-0}
tmpl=$(ls "$ROOT"/containers/*/state.ini | head -1)
[ -f "$tmpl" ] || { echo "ps-store: no container in $ROOT to copy" >&2; exit 1; }
pid=0 start=0
if [ "$RUNNING" -gt 0 ]; then
	setsid sleep 100000 </dev/null >/dev/null 2>&1 & pid=$!
	start=$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f20)
	echo $pid
fi
boot=$(cat /proc/sys/kernel/random/boot_id)
mkdir -p "$ROOT/names"
awk -v n="$N" -v running="$RUNNING" -v pid=$pid -v start=$start -v boot="$boot" \
    -v root="$ROOT" -v seed="$$" '
BEGIN { srand(seed); while ((getline l < ARGV[1]) > 0) tmpl[++nt] = l
	for (i = 1; i <= n; i++) {
		id = ""; for (k = 0; k < 8; k++) id = id sprintf("%08x", int(rand() * 4294967296))
		name = sprintf("bench_%d", i)
		t = 1700000000 + i
		created = strftime("%Y-%m-%dT%H:%M:%S", t, 1) sprintf(".%09dZ", i)
		run = i <= running
		dir = root "/containers/" id
		system("mkdir -p " dir "/upper " dir "/work")
		print id > (dir "/id"); close(dir "/id")
		f = dir "/state.ini"
		for (k = 1; k <= nt; k++) {
			split(tmpl[k], kv, " = "); key = kv[1]; line = tmpl[k]
			if (key == "id") line = "id = " id
			else if (key == "name") line = "name = " name
			else if (key == "hostname") line = "hostname = " substr(id, 1, 12)
			else if (key == "created" || key == "started") line = key " = " created
			else if (key == "finished") line = "finished = " (run ? "" : created)
			else if (key == "status") line = "status = " (run ? "running" : "exited")
			else if (key == "pid") line = "pid = " (run ? pid : 0)
			else if (key == "pid_start") line = "pid_start = " (run ? start : 0)
			else if (key == "boot_id") line = "boot_id = " boot
			print line > f
		}
		close(f)
		system("ln " dir "/id " root "/names/" name)
	}
}' "$tmpl"
