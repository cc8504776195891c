#!/usr/bin/env bash
# Interleaved A/B of the plain latency program (tests/HpcMsg.Benchmarks.Plain: default runtime settings)
# of two HpcMsg checkouts, with the C twin on Open MPI and MPICH: np 2 --bind-to core, ROUNDS rounds, the
# order rotated each round; medians and the per-round pass-3 8 B values (to match the VM's near/far
# vCPU placement, which changes between runs). Needs mpicc.openmpi, mpicc.mpich.
#   OLD=/path/before NEW=/path/after ROUNDS=8 tools/ab/plain-latency-ab.sh
set -uo pipefail
OLD=${OLD:?OLD=checkout before}; NEW=${NEW:?NEW=checkout after}; here=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-6}; out=${OUT:-/tmp/plain-latency-ab}; mkdir -p "$out"; raw=$out/raw.txt; : > "$raw"
for side in A B; do
  src=$OLD; [ $side = B ] && src=$NEW
  dotnet build "$src/tests/HpcMsg.Benchmarks.Plain" -c Release -nologo -v q -nodeReuse:false -p:HpcMsgReadyToRun=true -o "$out/$side" > "$out/build-$side.log" 2>&1 || { echo "build $side failed"; tail "$out/build-$side.log"; exit 1; }
done
mpicc.openmpi -O2 -o "$out/plain.openmpi" $here/tests/HpcMsg.Benchmarks.Native/plain.c
mpicc.mpich -O2 -o "$out/plain.mpich" $here/tests/HpcMsg.Benchmarks.Native/plain.c
cd "$here" && ./hpcrun -n 1 "$out/A/HpcMsg.Benchmarks.Plain.dll" init > /dev/null
configs=(A B O M)
for r in $(seq 1 "$ROUNDS"); do
  for i in 0 1 2 3; do
    c=${configs[$(((i + r - 1) % 4))]}
    read -r l1 _ < /proc/loadavg
    case $c in
      A|B) ./hpcrun -n 2 --bind-to core "$out/$c/HpcMsg.Benchmarks.Plain.dll" latency ;;
      O) mpirun.openmpi --allow-run-as-root -n 2 --bind-to core "$out/plain.openmpi" latency ;;
      M) mpiexec.mpich -n 2 -bind-to core "$out/plain.mpich" latency ;;
    esac 2>/dev/null | sed "s/^/$r $c $l1 /" >> "$raw"
  done
done
python3 - "$raw" <<'PY'
import re, sys, statistics as st, collections
rows = collections.defaultdict(list); loads = []
for line in open(sys.argv[1]):
    p = line.split(' ', 3)
    m = re.match(r"latency pass (\d) size (\d+): ([\d.]+) us", p[3])
    if m: rows[(m.group(1), int(m.group(2)), p[1])].append(float(m.group(3))); loads.append(float(p[2]))
print(f"load before runs: median {st.median(loads):.2f}, range {min(loads):.2f}-{max(loads):.2f}")
print("| pass | size | A old | B new | B/A | Open MPI | MPICH | B/best native | A/best native |")
print("|---|---|---|---|---|---|---|---|---|")
for (pa, size) in sorted({(k[0], k[1]) for k in rows}):
    if size not in (0, 8, 64, 1024): continue
    a, b, o, m = (st.median(rows[(pa, size, c)]) if rows[(pa, size, c)] else float('nan') for c in "ABOM")
    best = min(o, m)
    print(f"| {pa} | {size} | {a:.3f} | {b:.3f} | {b/a:.2f} | {o:.3f} | {m:.3f} | {b/best:.2f} | {a/best:.2f} |")
print("per round, pass 3 8 B:", [(c, [round(v,3) for v in rows[('3', 8, c)]]) for c in "ABOM"])
PY
