#!/bin/sh
# demo.sh BIN [OUT] - the whole finderscope loop on one machine (make demo).
#
# BIN is the built finderscope binary (make demo passes
# build/controller/finderscope).  As root: a network namespace of its own
# (fsdemo-PID, loopback only), and in it scripts/demo.py runs the switch
# simulator, the controller, the receiver and the scenario, printing each
# step; everything it starts, and the namespace, is gone when it ends.
# Output in OUT (default demo-out/ at the repository root).  About 15
# seconds.  tests/e2e runs it as the end-to-end test against the simulator.
#
# Without root (no namespace, no raw sockets) it shows what it can: the
# sFlow decoder on the demo's datagrams, and says how to run the rest.
set -eu

usage() {
	echo "usage: $0 path/to/finderscope [OUT]" >&2
	exit 2
}

[ $# -eq 1 ] || [ $# -eq 2 ] || usage
bin=$1
# Run from the repository root so that the commands shown are short; a
# relative BIN must then be made absolute first.
case $bin in
/*) ;;
*/*) bin=$(pwd)/$bin ;;
esac
if [ ! -x "$bin" ]; then
	echo "$0: $1 is not an executable (build it first: make build)" >&2
	exit 1
fi
cd "$(dirname "$0")/.."
root=$(pwd)
case $bin in
"$root"/*) shown=${bin#"$root"/} ;;	# as typed from the repository root
*) shown=$bin ;;
esac

python=${FS_PYTHON:-/usr/bin/python3}
out=${2:-demo-out}

if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
	ns=fsdemo-$$
	cleanup() {
		# demo.py stops its own processes; anything left in the
		# namespace (it was interrupted) goes with it.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# The switch's ERSPAN source address (the sFlow agent's) lives on
	# the namespace's loopback, like the lab's switch addresses.
	ip -n "$ns" addr add 192.0.2.10/32 dev lo
	echo "== finderscope: the whole loop in network namespace $ns"
	echo "   (switch simulator, controller, receiver; output in $out/)"
	echo
	ip netns exec "$ns" "$python" scripts/demo.py --bin "$bin" --out "$out"
	exit $?
fi

echo "demo.sh: the whole loop needs root (a network namespace and raw" >&2
echo "sockets); showing the sFlow decoder only.  As root: make demo" >&2
pcap=$out/demo.pcap
mkdir -p "$out"

section() {
	printf '\n== %s\n' "$1"
}

section "1. A capture of sFlow v5 datagrams"
cat <<'EOF'
A switch (sFlow agent 192.0.2.10) samples 1 in 1000 packets and sends them to
a collector on UDP port 6343.  Host 10.1.2.3 on switch port 12 talks HTTPS to
203.0.113.66 and DNS to 198.51.100.53 through the uplink, port 48.
EOF
"$python" tests/tools/sflowgen.py demo "$pcap"

section "2. One line per sample: finderscope sflow $pcap"
cat <<'EOF'
Each flow sample shows the agent, the datagram and sample sequence numbers,
the data source, the sampling rate, the input and output ports, the frame
length, the VLANs from the switch record and the flow key parsed from the
sampled packet header (addresses, ports, TCP flags).  The counter sample
carries the port's interface counters.
EOF
"$bin" sflow "$pcap"

section "3. The same as JSON, with totals: finderscope sflow --json --stats $pcap"
cat <<'EOF'
One object per line (schema: docs/sflow-json.md).  "frames" and "bytes"
estimate the traffic behind each sample (sampled x sampling rate).  The
"agent" line accounts each agent's sequence numbers (lost, out of order,
duplicates, restarts); the "totals" line has the decoder's counters.
EOF
"$bin" sflow --json --stats "$pcap"

section "To reproduce"
cat <<EOF
(from $root)
  $python tests/tools/sflowgen.py demo $pcap
  $shown sflow $pcap
  $shown sflow --json --stats $pcap
  tshark -n -r $pcap -V          # the same datagrams, dissected by Wireshark
EOF
