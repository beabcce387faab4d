#!/usr/bin/python3
"""PostgreSQL CPU seconds of a night per statement, from the samples of run.sh's STATEMENT_CPU=1.

Each sample (every 0.1 s, psql's \\watch) is one row per server process: the time, its pid, its parallel leader's
pid, its kind, its state, the start of its statement and the user and system clock ticks of /proc/PID/stat. The
ticks a process used between two samples go to the statement it showed at the first of them (a parallel worker's
to its statement, marked "[parallel]"; a background process's to its kind). A process that ended between two
samples loses its last tenth of a second; the sampler's own backend is left out.

Usage: statement_cpu.py SAMPLES FROM TO [TOP]   (FROM, TO: the night's first and last event, Unix seconds)
Prints the total attributed and the TOP (default 25) statements, CPU seconds first.
"""
import collections
import os
import re
import sys


def main():
    samples, low, high = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    # Records end with \x1e; psql's \watch puts a blank line between two samples instead of the last separator.
    records = re.split(r"\x1e|\n+(?=\d{10}\.)", open(samples, encoding="utf-8", errors="replace").read())
    last = {}
    spent = collections.Counter()
    for record in records:
        fields = record.strip("\n").split("\x1f")
        if len(fields) != 7:
            continue
        at, pid, _leader, kind, state, query, stat = fields
        if not low <= float(at) <= high:
            continue
        parts = stat.split()
        if len(parts) < 13:
            continue
        used = int(parts[11]) + int(parts[12])  # utime, stime (fields 14 and 15 of /proc/PID/stat)
        if pid in last:
            spent[last[pid][1]] += used - last[pid][0]
        if kind == "client backend":
            label = ("(idle) " if state.startswith("idle") else "") + query
        elif kind == "parallel worker":
            label = "[parallel] " + query
        else:
            label = "(" + kind + ")"
        last[pid] = (used, re.sub(r"\s+", " ", label).strip()[:150])
    total = sum(spent.values())
    print("| CPU s | statement (its first 150 characters) |")
    print("|---:|---|")
    for label, used in spent.most_common(top):
        print("| %.2f | `%s` |" % (used / ticks_per_second, label.replace("|", "\\|").replace("`", "'")))
    print("| %.1f | all the server's processes, attributed |" % (total / ticks_per_second))


if __name__ == "__main__":
    main()
