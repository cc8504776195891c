#!/usr/bin/env bash
# docs/benchmarks/fabric.md: point-to-point between two network namespace hosts (fabA and fabB of
# tools/ofi-bench/netns-pair, one rank each, joined by a veth bridge), interleaved rounds of
#
#   socket-block, socket-spin   raw C TCP ping-pong and stream (tools/ofi-bench/sockpp.c): the floor
#   hpcmsg-tcp                  HpcMsg, HPCMSG_NETWORK=tcp
#   hpcmsg-ofi-net              HpcMsg, HPCMSG_NETWORK=ofi HPCMSG_OFI_PROVIDER=net
#   hpcmsg-ofi-rxm              HpcMsg, HPCMSG_NETWORK=ofi HPCMSG_OFI_PROVIDER='tcp;ofi_rxm'
#   ompi-tcp                    Open MPI, --mca pml ob1 --mca btl tcp,self
#   ompi-ofi-net, ompi-ofi-rxm  Open MPI, --mca pml cm --mca mtl ofi, FI_PROVIDER=net / tcp;ofi_rxm
#   mpich-ucx-tcp               Debian's MPICH (ch4:ucx), UCX_TLS=tcp,self (the veth)
#   mpich-ucx-default           the same with UCX's own choice (shared memory: the namespaces share /dev/shm)
#
# Every MPI program is the OSU-like suite (tests/HpcMsg.Benchmarks.Native/osu_like.c for Open MPI and
# MPICH, tests/HpcMsg.Benchmarks.Osu for HpcMsg) running `latency,bw`; the MPI launchers start their
# ranks inside the namespaces through tools/ofi-bench/netns-agent (Open MPI: plm_rsh_agent; Hydra:
# -launcher-exec), hpcrun through --launch-agent 'ip netns exec {host}'.
#
#   tools/ofi-bench/netns-pair up                 # as root (fabA, fabB: private, see that script)
#   tools/ofi-bench/fabric.sh [ROUNDS] [CONFIGS]  # default 5 rounds, every configuration
#   tools/ofi-bench/fabric-summary.py OUT/raw.txt # medians and ratios (Markdown)
#
# Settings: OUT (default /tmp/hpcmsg-fabric: binaries, logs, raw.txt), NOBUILD=1 (use what OUT and
# the Release builds hold), BUDGET (default 0.25) and WARMUP (0.1): the suites' --budget and --warmup
# (seconds per size for the measured phase, once 5 iterations are done; seconds of warm-up over all
# sizes), shorter than the suites' 2 and 0.5 so that a round of 10 configurations takes ~3 minutes. Each round starts at the next configuration (round r at index r mod N),
# so no configuration always runs first. raw.txt lines: "ROUND CONFIG BENCH SIZE VALUE ITERATIONS",
# and "ROUND CONFIG load LOAD1 LOAD5" before each run (from /proc/loadavg).
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$root"
rounds="${1:-5}"
all="socket-block socket-spin hpcmsg-tcp hpcmsg-ofi-net hpcmsg-ofi-rxm ompi-tcp ompi-ofi-net ompi-ofi-rxm mpich-ucx-tcp mpich-ucx-default"
read -r -a configs <<<"${2:-$all}"
out="${OUT:-/tmp/hpcmsg-fabric}"
budget="${BUDGET:-0.25}"; warmup="${WARMUP:-0.1}"
args=(latency,bw --budget "$budget" --warmup "$warmup")
mkdir -p "$out/logs"
agent="$root/tools/ofi-bench/netns-agent"
osu="$root/tests/HpcMsg.Benchmarks.Osu/bin/Release/net10.0/HpcMsg.Benchmarks.Osu.dll"
hpcrun="$root/launcher/HpcRun/bin/Release/net10.0/HpcRun.dll"
log() { printf 'fabric: %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "needs root (ip netns exec)"; exit 1; }
for ns in fabA fabB; do
  [ -e "/run/netns/$ns" ] || { log "namespace $ns is missing: run tools/ofi-bench/netns-pair up first"; exit 1; }
done

if [ "${NOBUILD:-0}" != 1 ]; then
  log "building sockpp, osu_like (MPICH, Open MPI), the HpcMsg suite and hpcrun (Release)"
  cc -O2 -Wall -Wextra -o "$out/sockpp" tools/ofi-bench/sockpp.c || exit 1
  mpicc.mpich -O2 -Wall -Wextra -o "$out/osu_like.mpich" tests/HpcMsg.Benchmarks.Native/osu_like.c || exit 1
  mpicc.openmpi -O2 -Wall -Wextra -o "$out/osu_like.openmpi" tests/HpcMsg.Benchmarks.Native/osu_like.c || exit 1
  for p in tests/HpcMsg.Benchmarks.Osu launcher/HpcRun; do
    dotnet build "$p" -c Release -nologo -v q -nodeReuse:false -p:HpcMsgReadyToRun=true >"$out/logs/build.log" 2>&1 \
      || { cat "$out/logs/build.log" >&2; exit 1; }
  done
fi

printf 'fabA slots=1\nfabB slots=1\n' >"$out/hostfile.hpcrun"
printf '10.214.0.1 slots=1\n10.214.0.2 slots=1\n' >"$out/hostfile.ompi"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ompi=(mpirun.openmpi -np 2 --hostfile "$out/hostfile.ompi" --bind-to none
      --mca plm_rsh_agent "$agent" --mca oob_tcp_if_include 10.214.0.0/24 --mca btl_tcp_if_include 10.214.0.0/24
      --mca btl_base_warn_component_unused 0)
mpich=(mpiexec.mpich -launcher ssh -launcher-exec "$agent" -localhost 10.214.0.254 -hosts 10.214.0.1,10.214.0.2 -n 2)

# run CONFIG: the configuration's command; its stdout is the suite's output.
run() {
  case "$1" in
    socket-block|socket-spin)
      local mode=${1#socket-} port=$((47700 + RANDOM % 200))
      ip netns exec fabB "$out/sockpp" server 10.214.0.2 "$port" "$mode" "$budget" &
      local server=$!
      ip netns exec fabA "$out/sockpp" client 10.214.0.2 "$port" "$mode" "$budget"
      local rc=$?
      wait "$server"
      return $rc ;;
    hpcmsg-*)
      local x=(-x HPCMSG_NETWORK=tcp)
      case "$1" in
        hpcmsg-ofi-net) x=(-x HPCMSG_NETWORK=ofi -x HPCMSG_OFI_PROVIDER=net) ;;
        hpcmsg-ofi-rxm) x=(-x HPCMSG_NETWORK=ofi -x 'HPCMSG_OFI_PROVIDER=tcp;ofi_rxm') ;;
      esac
      dotnet "$hpcrun" -n 2 --hostfile "$out/hostfile.hpcrun" --launch-agent 'ip netns exec {host}' \
        --iface 10.214.0.0/24 "${x[@]}" --timeout 170 "$osu" "${args[@]}" ;;
    ompi-tcp)
      "${ompi[@]}" --mca pml ob1 --mca btl tcp,self "$out/osu_like.openmpi" "${args[@]}" ;;
    ompi-ofi-net)
      "${ompi[@]}" --mca pml cm --mca mtl ofi --mca mtl_ofi_provider_include net -x FI_PROVIDER=net \
        "$out/osu_like.openmpi" "${args[@]}" ;;
    ompi-ofi-rxm)
      "${ompi[@]}" --mca pml cm --mca mtl ofi --mca mtl_ofi_provider_include 'tcp;ofi_rxm' -x 'FI_PROVIDER=tcp;ofi_rxm' \
        "$out/osu_like.openmpi" "${args[@]}" ;;
    mpich-ucx-tcp)
      "${mpich[@]}" -genv UCX_TLS tcp,self -genv UCX_NET_DEVICES eth0 "$out/osu_like.mpich" "${args[@]}" ;;
    mpich-ucx-default)
      "${mpich[@]}" "$out/osu_like.mpich" "${args[@]}" ;;
    *) log "unknown configuration $1"; return 2 ;;
  esac
}

raw="$out/raw.txt"
n=${#configs[@]}
log "$rounds rounds of ${configs[*]}; raw values in $raw"
for r in $(seq 1 "$rounds"); do
  for i in $(seq 0 $((n - 1))); do
    c=${configs[$(((i + r - 1) % n))]}
    read -r l1 l5 _ </proc/loadavg
    echo "$r $c load $l1 $l5" >>"$raw"
    t0=$(date +%s.%N)
    timeout 180 bash -c "$(declare -p out agent osu hpcrun ompi mpich budget args); $(declare -f run log); run $c" \
      >"$out/logs/$r-$c.out" 2>"$out/logs/$r-$c.err"
    rc=$?
    # The suite's "# bench NAME ..." opens a block of "SIZE VALUE ITERATIONS" lines.
    awk -v r="$r" -v c="$c" '/^# bench /{b=$3; next} /^#/{next} NF==3 && b!="" && $1 ~ /^[0-9]+$/ {print r, c, b, $1, $2, $3}' \
      "$out/logs/$r-$c.out" >>"$raw"
    [ $rc -eq 0 ] || echo "$r $c failed $rc" >>"$raw"
    log "round $r $c: exit $rc in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s (load $l1)"
    for ns in fabA fabB; do   # nothing of this run may linger in a namespace into the next one
      left=$(ip netns pids "$ns" 2>/dev/null)
      [ -z "$left" ] || { log "left in $ns after $c: $left (killed)"; kill -9 $left 2>/dev/null; }
    done
  done
done
log "done: tools/ofi-bench/fabric-summary.py $raw"
