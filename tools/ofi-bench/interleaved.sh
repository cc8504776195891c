#!/usr/bin/env bash
# HpcMsg over tcp, ofi net and ofi tcp;ofi_rxm, interleaved in 5 rounds, between two network namespace
# hosts (.ci/netns-up; HOSTFILE lists two of them with slots=1). Build Release first:
#   dotnet build tests/HpcMsg.TestApp -c Release; dotnet build launcher/HpcRun -c Release
# Prints "round network measure value" lines; docs/ofi.md gives the medians.
A=${A:-tests/HpcMsg.TestApp/bin/Release/net10.0/HpcMsg.TestApp.dll}
H=${H:-launcher/HpcRun/bin/Release/net10.0/HpcRun.dll}
one() { # net scenario args...
  local net=$1; shift; local x=(-x HPCMSG_NETWORK=tcp)
  case $net in net) x=(-x HPCMSG_NETWORK=ofi -x HPCMSG_OFI_PROVIDER=net);; rxm) x=(-x HPCMSG_NETWORK=ofi -x "HPCMSG_OFI_PROVIDER=tcp;ofi_rxm");; esac
  timeout 120 dotnet $H -n 2 --hostfile ${HOSTFILE:?a hostfile of two namespace hosts, one slot each} --launch-agent 'ip netns exec {host}' --iface ${IFACE:-10.213.0.0/24} "${x[@]}" --timeout 100 $A "$@" 2>&1 | grep -E "LATENCY_US|BANDWIDTH_MBS" | awk '{print $2}'
}
for rep in 1 2 3 4 5; do
  for net in tcp net rxm; do
    echo "$rep $net lat8 $(one $net pingpong 8 2000)"
    echo "$rep $net lat64k $(one $net pingpong 65536 500)"
    echo "$rep $net bw4m $(one $net bandwidth 4194304 8 10)"
  done
done
