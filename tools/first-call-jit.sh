#!/usr/bin/env bash
# Which methods the runtime compiles inside each first call of the plain program's collectives: every
# rank writes the JIT's log (DOTNET_JitStdOutFile, DOTNET_JitDisasmSummary=1) and the program marks the
# start and end of each first call (PLAIN_MARKS=1: an empty method compiled once per phase); the
# methods compiled between two marks were compiled inside that call (synchronously, or by the tiering
# thread in the background: the tier is printed). Deterministic, unlike the times.
#
#   tools/first-call-jit.sh [--np N] [--mode first-calls|first-calls-large] [--dll PATH] [--keep DIR] [-x VAR=VALUE]...
#
# Without --dll it builds tests/HpcMsg.Benchmarks.Plain as a package user gets it (Release,
# HpcMsgReadyToRun=true). Prints, per phase, the count on the rank that compiled the most and that
# rank's methods.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
np=4
mode=first-calls
dll=""
keep=""
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --np) np="$2"; shift 2 ;;
        --mode) mode="$2"; shift 2 ;;
        --dll) dll="$2"; shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        -x) extra+=(-x "$2"); shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "first-call-jit: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
work="$(mktemp -d "${TMPDIR:-/tmp}/hpcmsg-jit.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if [[ -z "$dll" ]]; then
    dotnet build tests/HpcMsg.Benchmarks.Plain -c Release -nologo -v q -nodeReuse:false -p:HpcMsgReadyToRun=true -o "$work/bin" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; exit 1; }
    dll="$work/bin/HpcMsg.Benchmarks.Plain.dll"
fi
logs="${keep:-$work/logs}"
mkdir -p "$logs"
rm -f "$logs"/jit.*
cat >"$work/wrap.sh" <<EOF
#!/bin/sh
export DOTNET_JitStdOutFile="$logs/jit.\$HPCMSG_RANK" DOTNET_JitDisasmSummary=1 PLAIN_MARKS=1
exec dotnet "\$@"
EOF
chmod +x "$work/wrap.sh"
./hpcrun -n "$np" --oversubscribe ${extra[@]+"${extra[@]}"} "$work/wrap.sh" "$dll" "$mode"
python3 - "$logs" "$np" <<'PY'
import re, sys, os
from collections import OrderedDict
logs, np = sys.argv[1], int(sys.argv[2])
mark = re.compile(r"g__Mark\|[^\[]*\[(Start|End)`2\[([A-Za-z0-9]+),([A-Za-z0-9]+)\]\]")
line_re = re.compile(r"JIT compiled (.*) \[([^,\]]+)")
per_rank = []
for rank in range(np):
    phases = OrderedDict()   # phase -> list of (tier, method)
    current = None
    for line in open(os.path.join(logs, f"jit.{rank}"), errors="replace"):
        m = line_re.search(line)
        if not m: continue
        mk = mark.search(m.group(1))
        if mk:
            phase = f"{mk.group(2).replace('Call', '').lower()} {mk.group(3)}"
            if mk.group(1) == "Start":
                current = phase
                phases.setdefault(phase, [])
            else:
                current = None
            continue
        if "g__MarkAt|" in m.group(1): continue
        if current: phases[current].append((m.group(2), m.group(1)))
    per_rank.append(phases)
names = list(per_rank[0].keys())
print("| first call | methods jitted, per rank | of HpcMsg | synchronous (not Tier1) |")
print("|---|---|---:|---:|")
for p in names:
    counts = [len(r.get(p, [])) for r in per_rank]
    worst = max(range(np), key=lambda i: counts[i])
    ms = per_rank[worst].get(p, [])
    ours = sum(1 for t, n in ms if n.startswith("HpcMsg"))
    sync = sum(1 for t, n in ms if not t.startswith("Tier1"))
    print(f"| {p} | {' / '.join(map(str, counts))} | {ours} | {sync} |")
print()
for p in names:
    counts = [len(r.get(p, [])) for r in per_rank]
    worst = max(range(np), key=lambda i: counts[i])
    if counts[worst] == 0: continue
    print(f"{p} (rank {worst}):")
    for t, n in per_rank[worst][p]: print(f"    [{t}] {n}")
PY
