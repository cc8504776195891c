#!/usr/bin/env python3
"""Medians and ratios of tools/ofi-bench/fabric.sh's raw.txt, as the Markdown tables of
docs/benchmarks/fabric.md.

   tools/ofi-bench/fabric-summary.py /tmp/hpcmsg-fabric/raw.txt

Per configuration and size: the median over the rounds of each run's value (one-way latency in us, or
bandwidth in MB/s), with the range (min-max). The floor is the better of the two raw socket modes at that
size (the lower latency, the higher bandwidth); the ratio is latency / floor (how many times the floor's
time) and bandwidth / floor. Also: the load average (1 min) before the runs, median and range; and the
best run of each (lowest latency, highest bandwidth) with its ratio to the best socket run.
"""
import statistics
import sys
from collections import defaultdict

LATENCY_SIZES = [0, 8, 1024, 65536, 1048576]
BW_SIZE = 4194304
ORDER = ["socket-block", "socket-spin", "hpcmsg-tcp", "hpcmsg-ofi-net", "hpcmsg-ofi-rxm",
         "ompi-tcp", "ompi-ofi-net", "ompi-ofi-rxm", "mpich-ucx-tcp", "mpich-ucx-default"]
LABEL = {
    "socket-block": "raw socket, blocking recv (floor)",
    "socket-spin": "raw socket, polled recv (floor)",
    "hpcmsg-tcp": "HpcMsg, tcp",
    "hpcmsg-ofi-net": "HpcMsg, ofi `net`",
    "hpcmsg-ofi-rxm": "HpcMsg, ofi `tcp;ofi_rxm`",
    "ompi-tcp": "Open MPI 4.1.4, ob1 + tcp btl",
    "ompi-ofi-net": "Open MPI 4.1.4, cm + ofi mtl, `net`",
    "ompi-ofi-rxm": "Open MPI 4.1.4, cm + ofi mtl, `tcp;ofi_rxm`",
    "mpich-ucx-tcp": "MPICH 4.0.2 (ch4:ucx), UCX_TLS=tcp,self",
    "mpich-ucx-default": "MPICH 4.0.2 (ch4:ucx), UCX default (shared memory)",
}


def size_name(s):
    if s >= 1048576:
        return f"{s // 1048576} MiB"
    if s >= 1024:
        return f"{s // 1024} KiB"
    return f"{s} B"


def main(path):
    values = defaultdict(list)   # (config, bench, size) -> [value per round]
    loads = []
    failed = defaultdict(int)
    rounds = set()
    for line in open(path):
        f = line.split()
        if len(f) < 4:
            continue
        rounds.add(f[0])
        if f[2] == "load":
            loads.append(float(f[3]))
        elif f[2] == "failed":
            failed[f[1]] += 1
        elif len(f) == 6:
            values[(f[1], f[2], int(f[3]))].append(float(f[4]))
    configs = [c for c in ORDER if any(k[0] == c for k in values)] + \
              sorted({k[0] for k in values} - set(ORDER))

    def med(c, b, s):
        v = values.get((c, b, s))
        return (statistics.median(v), min(v), max(v), len(v)) if v else None

    def floor(b, s):
        got = [med(c, b, s) for c in ("socket-block", "socket-spin")]
        got = [g[0] for g in got if g]
        if not got:
            return None
        return min(got) if b == "latency" else max(got)

    print(f"Rounds: {len(rounds)}. Load average (1 min) before each run: median "
          f"{statistics.median(loads):.2f}, range {min(loads):.2f}-{max(loads):.2f} ({len(loads)} runs).")
    if failed:
        print("Failed runs: " + ", ".join(f"{c} {n}" for c, n in sorted(failed.items())) + ".")
    print()
    head = "| configuration | " + " | ".join(size_name(s) for s in LATENCY_SIZES) + f" | bw {size_name(BW_SIZE)} (MB/s) |"
    print("Medians (range), one-way latency in µs:\n")
    print(head)
    print("|---" * (len(LATENCY_SIZES) + 2) + "|")
    for c in configs:
        cells = []
        for s in LATENCY_SIZES:
            m = med(c, "latency", s)
            cells.append(f"{m[0]:.1f} ({m[1]:.1f}-{m[2]:.1f})" if m else "-")
        m = med(c, "bw", BW_SIZE)
        cells.append(f"{m[0]:.0f} ({m[1]:.0f}-{m[2]:.0f})" if m else "-")
        print(f"| {LABEL.get(c, c)} | " + " | ".join(cells) + " |")
    print()
    print("Ratios to the floor (latency: median / best socket median, lower is better; bandwidth: median / best socket median, higher is better):\n")
    print(head.replace(" (MB/s)", ""))
    print("|---" * (len(LATENCY_SIZES) + 2) + "|")
    for c in configs:
        cells = []
        for s in LATENCY_SIZES:
            m, fl = med(c, "latency", s), floor("latency", s)
            cells.append(f"{m[0] / fl:.2f}" if m and fl else "-")
        m, fl = med(c, "bw", BW_SIZE), floor("bw", BW_SIZE)
        cells.append(f"{m[0] / fl:.2f}" if m and fl else "-")
        print(f"| {LABEL.get(c, c)} | " + " | ".join(cells) + " |")
    print()
    print("Best of the rounds (lowest latency in µs, highest bandwidth in MB/s), and its ratio to the best socket run:\n")
    print(head)
    print("|---" * (len(LATENCY_SIZES) + 2) + "|")
    best_floor = {s: min(min(values.get((c, "latency", s), [float("inf")])) for c in ("socket-block", "socket-spin"))
                  for s in LATENCY_SIZES}
    bw_floor = max(max(values.get((c, "bw", BW_SIZE), [0.0])) for c in ("socket-block", "socket-spin"))
    for c in configs:
        cells = []
        for s in LATENCY_SIZES:
            v = values.get((c, "latency", s))
            cells.append(f"{min(v):.1f} ({min(v) / best_floor[s]:.2f}x)" if v else "-")
        v = values.get((c, "bw", BW_SIZE))
        cells.append(f"{max(v):.0f} ({max(v) / bw_floor:.2f}x)" if v else "-")
        print(f"| {LABEL.get(c, c)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hpcmsg-fabric/raw.txt")
