#!/usr/bin/env python3
"""Runs commands side by side and prints, per command, the median wall
time and the peak RSS of the measured process tree, and each one's time
against the first command's (md's).

usage: measure.py [--targets] N 'label::setup::command[::limit]' ...

The rows take turns (round 1 of every row, then round 2, ...), so that a
passing disturbance of this small VM (another job, writeback) is shared
rather than landing on one row's runs. setup runs before each timed run,
untimed. A row whose fourth field is "limit" is a lower bound: its command
prints its own time (seconds) on stdout's last line, which counts instead
of the wall time, and the best of 3 runs is kept. With --targets, a last
line gives the second row (a peer) over md and md over the limit row,
against the targets of issue 9: peer/md >= 1.5x, md/limit <= 1.5x.
"""
import os, shlex, statistics, subprocess, sys

RUSAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "../build/bench/rusage")

def run_once(setup, cmd, limit):
    """Times cmd through the rusage launcher: a shell command, or, with
    "exec " in front, a program run without a shell (its output thrown
    away), so that the shell is in neither its time nor its peak RSS (a
    process's peak RSS counts the program it was before an exec)."""
    if setup:
        subprocess.run(setup, shell=True, check=True)
    if cmd.startswith("exec "):
        argv = shlex.split(cmd[5:])
    else:
        argv = ["/bin/sh", "-c", cmd]
    p = subprocess.run([RUSAGE] + argv, text=True,
                       stdout=subprocess.PIPE if limit else subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench: command failed: %s\n%s" % (cmd, p.stderr))
    dt, rss = p.stderr.strip().splitlines()[-1].split()
    if limit:
        return float(p.stdout.strip().splitlines()[-1]), None
    return float(dt), int(rss)

def main():
    args = sys.argv[1:]
    targets = args[0] == "--targets"
    if targets:
        args = args[1:]
    n = int(args[0])
    rows = []
    for spec in args[1:]:
        f = spec.split("::")
        rows.append({"label": f[0], "setup": f[1], "cmd": f[2],
                     "limit": len(f) > 3 and f[3] == "limit",
                     "times": [], "rss": 0})
    for i in range(n):
        for r in rows:
            if r["limit"] and i >= 3:
                continue
            dt, rss = run_once(r["setup"], r["cmd"], r["limit"])
            r["times"].append(dt)
            if rss is not None:
                r["rss"] = max(r["rss"], rss)
    for r in rows:
        r["t"] = (min if r["limit"] else statistics.median)(r["times"])
    base = rows[0]["t"]
    for r in rows:
        label = r["label"] + (" (best of 3)" if r["limit"] else "")
        rss = "%8d KiB peak RSS" % r["rss"] if not r["limit"] else "%21s" % ""
        print("  %-44s %7.3f s  %s  %5.2fx md's time"
              % (label, r["t"], rss, r["t"] / base))
    if targets:
        peer = rows[1]["t"] / base
        lim = [r for r in rows if r["limit"]]
        line = "  %s/md = %.2fx (target >= 1.5x: %s)" % (
            rows[1]["label"].split()[0], peer, "met" if peer >= 1.5 else "MISSED")
        if lim:
            q = base / lim[0]["t"]
            line += "  md/inflate = %.2fx (target <= 1.5x: %s)" % (
                q, "met" if q <= 1.5 else "MISSED")
        rss = rows[0]["rss"]
        line += "  md peak RSS %d KiB (< 4096: %s)" % (
            rss, "met" if rss < 4096 else "MISSED")
        print(line)

main()
