#!/usr/bin/env bash
# What a user's own program sees: the plain program tests/HpcMsg.Benchmarks.Plain (default runtime
# settings, built as a package user builds it) against its C twin on MPICH and Open MPI, interleaved
# round by round, medians printed as Markdown (docs/benchmarks/startup-and-first-calls.md).
#
#   ./benchmarks-plain.sh                 # 5 rounds of everything (~10 minutes on 2 cores)
#   ./benchmarks-plain.sh --rounds 3 --only latency,first-calls,startup
#
# latency:     np 2, --bind-to core; pass 1 (cold) and pass 3 (steady) one-way latency at 0 and 8 B.
# first-calls: np 4 (oversubscribed on 2 cores); first, second and steady call of each collective
#              (HpcMsg also with HPCMSG_WARMUP=0: Init's first-call warm-up off).
# first-calls-large: np 2 and 4; the same for Broadcast, Reduce, Allreduce of 64 KiB to 4 MiB and
#              Allgather, Alltoall with blocks of 64 KiB to 4 MiB (not in the default set; ~1 minute a round).
# large-fresh: np 2, --bind-to core; 256 KiB-4 MiB one way and both ways, the send buffer written
#              before each transfer or untouched; HpcMsg also with HPCMSG_SHM_LARGE_PATH=single_copy
#              (not in the default set; ~1 minute a round).
# startup:     wall time of Init + Barrier + exit at np 1, 4 and 16, for the JIT build, a ReadyToRun
#              publish and a Native AOT publish of the program, and for mpirun/mpiexec of the C program.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$root"
rounds=5
only="latency,first-calls,startup"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "benchmarks-plain: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
log() { printf '%s\n' "benchmarks-plain: $*" >&2; }
for tool in mpicc.mpich mpicc.openmpi mpiexec.mpich mpirun.openmpi; do
    command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install mpich libmpich-dev openmpi-bin libopenmpi-dev)"; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/hpcmsg-plain.XXXXXX")"
trap 'rm -rf "$work"' EXIT
project=tests/HpcMsg.Benchmarks.Plain
log "building (the JIT build, a ReadyToRun and a Native AOT publish, the C twins)"
dotnet build "$project" -c Release -nologo -v q -nodeReuse:false -p:HpcMsgReadyToRun=true -o "$work/jit" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
if [[ ",$only," == *",startup,"* ]]; then
    rid=linux-x64; [[ "$(uname -m)" == aarch64 ]] && rid=linux-arm64
    dotnet publish "$project" -c Release -nologo -v q -nodeReuse:false -r "$rid" --self-contained false \
        -p:PublishReadyToRun=true -o "$work/r2r" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    dotnet publish "$project" -c Release -nologo -v q -nodeReuse:false -r "$rid" -p:PublishAot=true \
        -o "$work/aot" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
mpicc.mpich -O2 -o "$work/plain.mpich" tests/HpcMsg.Benchmarks.Native/plain.c
mpicc.openmpi -O2 -o "$work/plain.openmpi" tests/HpcMsg.Benchmarks.Native/plain.c
./hpcrun -n 1 "$work/jit/HpcMsg.Benchmarks.Plain.dll" init   # the launcher builds itself now, untimed

hpcmsg() { local np=$1; shift; ./hpcrun -n "$np" "$@"; }
openmpi() { local np=$1; shift; mpirun.openmpi --allow-run-as-root -n "$np" "$@"; }
mpich() { local np=$1; shift; mpiexec.mpich -n "$np" "$@"; }
samples="$work/samples.txt"   # lines: <experiment>|<implementation>|<key>|<value>
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }  # ms

for round in $(seq "$rounds"); do
    log "round $round of $rounds"
    if [[ ",$only," == *",latency,"* ]]; then
        hpcmsg 2 --bind-to core "$work/jit/HpcMsg.Benchmarks.Plain.dll" latency | sed 's/^/latency|HpcMsg|/' >>"$samples"
        openmpi 2 --bind-to core "$work/plain.openmpi" latency | sed 's/^/latency|Open MPI|/' >>"$samples"
        mpich 2 -bind-to core "$work/plain.mpich" latency | sed 's/^/latency|MPICH|/' >>"$samples"
    fi
    if [[ ",$only," == *",first-calls,"* ]]; then
        hpcmsg 4 --oversubscribe "$work/jit/HpcMsg.Benchmarks.Plain.dll" first-calls | sed 's/^/first|HpcMsg|/' >>"$samples"
        hpcmsg 4 --oversubscribe -x HPCMSG_WARMUP=0 "$work/jit/HpcMsg.Benchmarks.Plain.dll" first-calls | sed 's/^/first|HpcMsg, no warm-up|/' >>"$samples"
        openmpi 4 --oversubscribe "$work/plain.openmpi" first-calls | sed 's/^/first|Open MPI|/' >>"$samples"
        mpich 4 "$work/plain.mpich" first-calls | sed 's/^/first|MPICH|/' >>"$samples"
    fi
    if [[ ",$only," == *",first-calls-large,"* ]]; then
        for np in 2 4; do
            hpcmsg "$np" --oversubscribe "$work/jit/HpcMsg.Benchmarks.Plain.dll" first-calls-large | sed "s/^/large np $np|HpcMsg|/" >>"$samples"
            openmpi "$np" --oversubscribe "$work/plain.openmpi" first-calls-large | sed "s/^/large np $np|Open MPI|/" >>"$samples"
            mpich "$np" "$work/plain.mpich" first-calls-large | sed "s/^/large np $np|MPICH|/" >>"$samples"
        done
    fi
    if [[ ",$only," == *",large-fresh,"* ]]; then
        hpcmsg 2 --bind-to core "$work/jit/HpcMsg.Benchmarks.Plain.dll" large-fresh | sed 's/^/fresh|HpcMsg|/' >>"$samples"
        hpcmsg 2 --bind-to core -x HPCMSG_SHM_LARGE_PATH=single_copy "$work/jit/HpcMsg.Benchmarks.Plain.dll" large-fresh | sed 's/^/fresh|HpcMsg, single copy|/' >>"$samples"
        openmpi 2 --bind-to core "$work/plain.openmpi" large-fresh | sed 's/^/fresh|Open MPI|/' >>"$samples"
        mpich 2 -bind-to core "$work/plain.mpich" large-fresh | sed 's/^/fresh|MPICH|/' >>"$samples"
    fi
    if [[ ",$only," == *",startup,"* ]]; then
        for np in 1 4 16; do
            echo "startup|HpcMsg JIT|np $np|$(wall hpcmsg "$np" --oversubscribe "$work/jit/HpcMsg.Benchmarks.Plain.dll" init)" >>"$samples"
            echo "startup|HpcMsg JIT, no warm-up|np $np|$(wall hpcmsg "$np" --oversubscribe -x HPCMSG_WARMUP=0 "$work/jit/HpcMsg.Benchmarks.Plain.dll" init)" >>"$samples"
            echo "startup|HpcMsg ReadyToRun|np $np|$(wall hpcmsg "$np" --oversubscribe "$work/r2r/HpcMsg.Benchmarks.Plain.dll" init)" >>"$samples"
            echo "startup|HpcMsg Native AOT|np $np|$(wall hpcmsg "$np" --oversubscribe "$work/aot/HpcMsg.Benchmarks.Plain" init)" >>"$samples"
            echo "startup|Open MPI|np $np|$(wall openmpi "$np" --oversubscribe "$work/plain.openmpi" init)" >>"$samples"
            echo "startup|MPICH|np $np|$(wall mpich "$np" "$work/plain.mpich" init)" >>"$samples"
        done
    fi
done
cp "$samples" "${PLAIN_SAMPLES_OUT:-/dev/null}" 2>/dev/null || true

# Medians per (experiment, implementation, key, field).
python3 - "$samples" "$rounds" <<'PY'
import re, sys, statistics
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    exp, impl, rest = line.rstrip("\n").split("|", 2)
    if exp == "latency":
        m = re.match(r"latency pass (\d) size (\d+): ([\d.]+) us", rest)
        if m and m.group(2) in ("0", "8"): rows[("latency", f"pass {m.group(1)} {m.group(2)} B", impl)].append(float(m.group(3)))
    elif exp == "first" or exp.startswith("large"):
        m = re.match(r"first-calls (\S+): first ([\d.]+) us second ([\d.]+) us steady ([\d.]+) us", rest)
        if m:
            for i, what in enumerate(("first", "second", "steady")):
                rows[(exp, f"{m.group(1)} {what}", impl)].append(float(m.group(i + 2)))
    elif exp == "fresh":
        m = re.match(r"large-fresh (\S+): ([\d.]+) us", rest)
        if m: rows[("fresh", m.group(1), impl)].append(float(m.group(2)))
    else:
        key, value = rest.split("|")
        rows[("startup", key, impl)].append(float(value) / 1000)
impls = lambda exp: sorted({k[2] for k in rows if k[0] == exp}, key=lambda s: (not s.startswith("HpcMsg"), s))
print(f"Medians of {sys.argv[2]} interleaved rounds.\n")
for exp, title, unit in (("latency", "Point-to-point, np 2, one-way", "us"), ("first", "Collectives, np 4 on 2 cores, slowest rank", "us"),
                         ("large np 2", "Large collectives, np 2, slowest rank", "us"), ("large np 4", "Large collectives, np 4 on 2 cores, slowest rank", "us"),
                         ("fresh", "Large messages, np 2, written before each transfer or untouched", "us"),
                         ("startup", "Start-up: Init + Barrier + exit, wall time", "s")):
    names = impls(exp)
    if not names: continue
    keys = list(dict.fromkeys(k[1] for k in rows if k[0] == exp))
    print(f"### {title} ({unit})\n")
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for key in keys:
        cells = [f"{statistics.median(rows[(exp, key, n)]):.3g}" if rows.get((exp, key, n)) else "" for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print()
PY
