#!/usr/bin/env python3
"""Runs each command N times (after a setup command), side by side, and
prints the median wall time and the peak RSS of the measured process.

usage: measure.py N 'label::setup::command' ...
"""
import os, statistics, subprocess, sys

RUSAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "../build/bench/rusage")

def run_once(setup, cmd):
    """Times cmd (a shell command; "exec" in front of the measured program
    keeps the shell out of the figures) through the rusage launcher."""
    if setup:
        subprocess.run(setup, shell=True, check=True)
    p = subprocess.run([RUSAGE, "/bin/sh", "-c", cmd],
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("bench: command failed: %s\n%s" % (cmd, p.stderr))
    dt, rss = p.stderr.strip().splitlines()[-1].split()
    return float(dt), int(rss)

def main():
    n = int(sys.argv[1])
    rows = []
    for spec in sys.argv[2:]:
        label, setup, cmd = spec.split("::")
        times, rss = [], 0
        for _ in range(n):
            dt, r = run_once(setup, cmd)
            times.append(dt)
            rss = max(rss, r)
        rows.append((label, statistics.median(times), rss))
    base = rows[0][1]
    for label, t, rss in rows:
        print("  %-34s %8.3f s  %8d KiB peak RSS  %5.2fx md's time"
              % (label, t, rss, t / base))

main()
