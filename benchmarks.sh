#!/usr/bin/env bash
# HpcMsg beside MPICH, Open MPI and MPI.NET: builds everything, runs the OSU-style suite on each in
# turn (interleaved, several repetitions, a core-to-core placement probe before every run) and writes
# docs/benchmarks/report.md with its PNG plots (docs/benchmarks/quick/ with --quick).
#
#   ./benchmarks.sh            # full: 5 repetitions, one benchmark per run, ~18 minutes on 2 cores
#   ./benchmarks.sh --quick    # ~2 minutes: counts / 10, 2 repetitions
#   ./benchmarks.sh --reps 7 --impls hpcmsg,openmpi --np 2
#   ./benchmarks.sh --from-csv docs/benchmarks/samples.csv   # the report again, without measuring
#   ./benchmarks.sh --help
#
# Needs the .NET 10 SDK, a C compiler, and Debian's MPICH and Open MPI (installed here with apt-get
# when mpicc.mpich or mpicc.openmpi is missing; sudo is used when not root).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$root"

log() { printf '%s\n' "benchmarks: $*" >&2; }

packages=(libmpich-dev mpich libopenmpi-dev openmpi-bin gcc)
if ! command -v mpicc.mpich >/dev/null || ! command -v mpicc.openmpi >/dev/null \
        || ! command -v mpiexec.mpich >/dev/null || ! command -v mpirun.openmpi >/dev/null || ! command -v gcc >/dev/null; then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    log "installing ${packages[*]} (apt-get)"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${packages[@]}"
fi

# Native programs: the suite against each MPI, and the placement probe.
native="$root/tests/HpcMsg.Benchmarks.Native"
mkdir -p "$native/bin"
log "building the native suite (MPICH, Open MPI) and the placement probe"
mpicc.mpich -O2 -Wall -Wextra -o "$native/bin/osu_like.mpich" "$native/osu_like.c"
mpicc.openmpi -O2 -Wall -Wextra -o "$native/bin/osu_like.openmpi" "$native/osu_like.c"
gcc -O2 -Wall -Wextra -pthread -o "$native/bin/c2c" "$native/c2c.c"

# .NET programs (Release), and the launcher (it builds itself on first use; do it now, untimed).
log "building the HpcMsg and MPI.NET suites and the report (Release)"
# HpcMsgReadyToRun=true: the suite runs the precompiled library, as the HpcMsg package ships it.
for project in tests/HpcMsg.Benchmarks.Osu tests/HpcMsg.Benchmarks.MpiNet tests/HpcMsg.Benchmarks.Report; do
    dotnet build "$project" -c Release -nologo -v q -nodeReuse:false -p:HpcMsgReadyToRun=true >/tmp/hpcmsg-benchmarks-build.log 2>&1 \
        || { cat /tmp/hpcmsg-benchmarks-build.log >&2; log "building $project failed"; exit 1; }
done
./hpcrun -n 1 tests/HpcMsg.Benchmarks.Osu/bin/Release/net10.0/HpcMsg.Benchmarks.Osu.dll barrier --quick >/dev/null

exec dotnet tests/HpcMsg.Benchmarks.Report/bin/Release/net10.0/HpcMsg.Benchmarks.Report.dll --root "$root" "$@"
