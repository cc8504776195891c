#!/usr/bin/env bash
# Interleaved A/B of two HpcMsg builds (OLD, NEW: repository clones with Release + ReadyToRun builds of
# the osu suite and hpcrun): np 2 on one host (shared memory) and across fabA/fabB (TCP), plus Open
# MPI over shared memory and its tcp btl in the same rounds. Raw lines "ROUND CONFIG BENCH SIZE VALUE ITERS".
# Needs (as root): tools/ofi-bench/netns-pair up; Open MPI's osu_like in /tmp/hpcmsg-fabric (built by
# tools/ofi-bench/fabric.sh); in each clone `dotnet build tests/HpcMsg.Benchmarks.Osu -c Release
# -p:HpcMsgReadyToRun=true` and the same for launcher/HpcRun.
#   OLD=/path/before NEW=/path/after ROUNDS=5 tools/ab/interleaved-ab.sh   # tables on stdout
set -uo pipefail
OLD=${OLD:-/work/bench}; NEW=${NEW:-/work/bench-new}; ROUNDS=${ROUNDS:-5}; out=${OUT:-/tmp/ab}; budget=${BUDGET:-0.25}
mkdir -p "$out/logs"; raw="$out/raw.txt"; : >"$raw"
fab=/tmp/hpcmsg-fabric
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
agent=$(cd "$(dirname "$0")/../ofi-bench" && pwd)/netns-agent
printf 'fabA slots=1\nfabB slots=1\n' >"$out/hostfile.hpcrun"
printf '10.214.0.1 slots=1\n10.214.0.2 slots=1\n' >"$out/hostfile.ompi"
run() {
  local c=$1 root
  case "$c" in old-*) root=$OLD ;; new-*) root=$NEW ;; esac
  local osu=$root/tests/HpcMsg.Benchmarks.Osu/bin/Release/net10.0/HpcMsg.Benchmarks.Osu.dll
  local hpcrun=$root/launcher/HpcRun/bin/Release/net10.0/HpcRun.dll
  case "$c" in
    old-shm|new-shm) dotnet "$hpcrun" -n 2 --timeout 170 "$osu" latency,bw --budget "$budget" --warmup 0.1 ;;
    old-tcp|new-tcp) dotnet "$hpcrun" -n 2 --hostfile "$out/hostfile.hpcrun" --launch-agent 'ip netns exec {host}' \
        --iface 10.214.0.0/24 -x HPCMSG_NETWORK=tcp --timeout 170 "$osu" latency,bw --budget "$budget" --warmup 0.1 ;;
    ompi-shm) mpirun.openmpi -np 2 --bind-to none --mca btl vader,self "$fab/osu_like.openmpi" latency,bw --budget "$budget" --warmup 0.1 ;;
    ompi-tcp) mpirun.openmpi -np 2 --hostfile "$out/hostfile.ompi" --bind-to none --mca plm_rsh_agent "$agent" \
        --mca oob_tcp_if_include 10.214.0.0/24 --mca btl_tcp_if_include 10.214.0.0/24 --mca btl_base_warn_component_unused 0 \
        --mca pml ob1 --mca btl tcp,self "$fab/osu_like.openmpi" latency,bw --budget "$budget" --warmup 0.1 ;;
  esac
}
configs=(old-shm new-shm ompi-shm old-tcp new-tcp ompi-tcp)
n=${#configs[@]}
for r in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    c=${configs[$(((i + r - 1) % n))]}
    read -r l1 _ </proc/loadavg
    echo "$r $c load $l1" >>"$raw"
    timeout 180 bash -c "$(declare -p OLD NEW out budget fab agent); $(declare -f run); run $c" >"$out/logs/$r-$c.out" 2>"$out/logs/$r-$c.err"
    rc=$?
    awk -v r="$r" -v c="$c" '/^# bench /{b=$3; next} /^#/{next} NF==3 && b!="" && $1 ~ /^[0-9]+$/ {print r, c, b, $1, $2, $3}' "$out/logs/$r-$c.out" >>"$raw"
    echo "ab: round $r $c exit $rc (load $l1)" >&2
    for ns in fabA fabB; do left=$(ip netns pids "$ns" 2>/dev/null); [ -z "$left" ] || kill -9 $left 2>/dev/null; done
  done
done
python3 - "$raw" <<'PY'
import sys, statistics as st, collections
rows=collections.defaultdict(list); loads=[]
for line in open(sys.argv[1]):
    p=line.split()
    if p[2]=='load': loads.append(float(p[3])); continue
    rows[(p[1],p[2],int(p[3]))].append(float(p[4]))
print(f"load before runs: median {st.median(loads):.2f}, range {min(loads):.2f}-{max(loads):.2f}")
for bench,sizes in (("latency",(0,8,1024,65536,1048576)),("bw",(8,65536,4194304))):
    for kind in ("shm","tcp"):
        print(f"\n{bench} {kind} (median of rounds; range)")
        print("| size | old | new | new/old | Open MPI |")
        print("|---|---|---|---|---|")
        for s in sizes:
            o=rows.get((f"old-{kind}",bench,s),[]); nw=rows.get((f"new-{kind}",bench,s),[]); m=rows.get((f"ompi-{kind}",bench,s),[])
            f=lambda v: f"{st.median(v):.3f} ({min(v):.3f}-{max(v):.3f})" if v else "-"
            ratio=f"{st.median(nw)/st.median(o):.2f}" if o and nw else "-"
            print(f"| {s} | {f(o)} | {f(nw)} | {ratio} | {f(m)} |")
PY
