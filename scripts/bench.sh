#!/bin/sh
# bench.sh - the benchmarks (docs/performance.md says what they mean).
#
# usage: scripts/bench.sh BUILD_DIR
#
# 1. BUILD_DIR/bench/bench_sflow_decode: the decoder alone, in memory, next
#    to a memchr pass over the same bytes (BENCH_DATAGRAMS, default 1000000).
# 2. BUILD_DIR/bench/bench_lpm and bench_decap: the blacklist lookup table
#    and GRE/ERSPAN decapsulation (docs/performance.md); bench_decap_live:
#    the live path on loopback, a raw GRE socket drained bare next to
#    cap_rawsock + cap_decap + the archive on tmpfs (root only: skipped
#    otherwise); bench_ingest: the controller daemon with 1M prefixes on
#    loopback, next to a bare recvmmsg drain: drain rate, rising send
#    rates, trigger latency and the daemon's memory (about 35 s);
#    bench/trigger_rule.py: the controller and 16 switch simulators that
#    answer after 5 ms, datagram to the rule's PUT at the switch next to a
#    direct PUT, and installs per second (about 30 s); bench_inspect: L7
#    inspection, generated TCP sessions through cap_sessions (reassembly,
#    Hyperscan streams, history) next to Hyperscan block scans of the same
#    payload, 1,000 and 10,000 keys, and the memory of 100,000 concurrent
#    sessions (about 12 s; fails when a planted key is missed or extra).
# 3. End to end on a capture file: ../shared/tools/make-bench-input.sh writes
#    a capture of BENCH_DATAGRAMS datagrams (to a scratch directory, never
#    into the repository); `finderscope sflow --count` reads it, and so do
#    the other collectors found: nfdump's sfcapd (goal: finderscope >= 5x
#    sfcapd) and pmacct's sfacctd.
# Exit status: non-zero when a benchmark fails to run, not for slow figures.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${FS_SHARED_DIR:-$repo/../shared}
n=${BENCH_DATAGRAMS:-1000000}
seed=$shared/testdata/sflow/akvorado-data-1140.pcap

scratch=$(mktemp -d "${TMPDIR:-/tmp}/finderscope-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

echo "== decoder in memory: $n datagrams"
"$build/bench/bench_sflow_decode" -n "$n" >"$scratch/decode.out"
cat "$scratch/decode.out"
per=$(sed -n 's/^RESULT input .*samples_per_datagram=\([0-9]*\).*/\1/p' \
    "$scratch/decode.out")

echo
echo "== longest-prefix match: 1M IPv4 and 200k IPv6 prefixes"
"$build/bench/bench_lpm" | grep -v '^RESULT'
echo
echo "== GRE/ERSPAN decapsulation and pcap writing (tmpfs)"
"$build/bench/bench_decap" | grep -v '^RESULT'
echo
echo "== L7 inspection: sessions, reassembly, Hyperscan streams, history" \
    "(session files on tmpfs)"
rc=0
"$build/bench/bench_inspect" >"$scratch/inspect.out" || rc=$?
grep -v '^RESULT' "$scratch/inspect.out" || true
if [ $rc -ne 0 ]; then
	echo "bench_inspect failed (exit $rc)" >&2
	exit 1
fi
echo
echo "== live receive on loopback: raw GRE socket, decap, archive (tmpfs)"
rc=0
"$build/bench/bench_decap_live" >"$scratch/live.out" || rc=$?
grep -v '^RESULT' "$scratch/live.out" || true
if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then	# 77: skipped, not root
	echo "bench_decap_live failed (exit $rc)" >&2
	exit 1
fi
echo
echo "== controller ingest on loopback: the daemon with 1M prefixes," \
    "a bare recvmmsg drain"
rc=0
"$build/bench/bench_ingest" >"$scratch/ingest.out" || rc=$?
grep -v '^RESULT' "$scratch/ingest.out" || true
if [ $rc -ne 0 ]; then
	echo "bench_ingest failed (exit $rc)" >&2
	exit 1
fi
echo

fs=$build/controller/finderscope
if [ -x "$fs" ]; then
	rc=0
	/usr/bin/python3 "$repo/bench/trigger_rule.py" --bin "$fs" \
	    --workdir "$scratch/trigger_rule" >"$scratch/trigger.out" || rc=$?
	grep -v '^RESULT' "$scratch/trigger.out" || true
	if [ $rc -ne 0 ]; then
		echo "trigger_rule.py failed (exit $rc)" >&2
		exit 1
	fi
else
	echo "== trigger to rule: skipped ($fs not built)"
fi
echo

if [ ! -f "$seed" ] || [ ! -x "$shared/tools/make-bench-input.sh" ]; then
	echo "== end to end: skipped ($seed or make-bench-input.sh missing)"
	exit 0
fi
if [ ! -x "$fs" ]; then
	echo "== end to end: skipped ($fs not built)"
	exit 0
fi

capture=$scratch/bench.pcap
# The script finds its own defaults relative to itself; pass every path.
"$shared/tools/make-bench-input.sh" "$seed" "$n" "$capture" >/dev/null

# run NAME RUNS CMD...: best of RUNS wall times of CMD (the capture is in
# the page cache after the first read), with the CPU time (user + system,
# children included) of that run when GNU time is there.  Prints "wall cpu".
run() {
	name=$1
	runs=$2
	shift 2
	best_wall= best_cpu=
	for _ in $(seq "$runs"); do
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%e %U %S' -o "$scratch/time" "$@" \
			    >"$scratch/$name.out" 2>"$scratch/$name.err" || {
				echo "failed: $*" >&2
				cat "$scratch/$name.err" >&2
				return 1
			}
			wall=$(awk '{ print $1 }' "$scratch/time")
			cpu=$(awk '{ print $2 + $3 }' "$scratch/time")
		else
			t0=$(date +%s.%N)
			"$@" >"$scratch/$name.out" 2>"$scratch/$name.err" || {
				echo "failed: $*" >&2
				cat "$scratch/$name.err" >&2
				return 1
			}
			wall=$(echo "$t0 $(date +%s.%N)" | awk '{ print $2 - $1 }')
			cpu=$wall
		fi
		if [ -z "$best_wall" ] ||
		    [ "$(echo "$wall $best_wall" | awk '{ print ($1 < $2) }')" = 1 ]; then
			best_wall=$wall best_cpu=$cpu
		fi
	done
	echo "$best_wall $best_cpu"
}

# report LABEL "wall cpu" SAMPLES: samples/s by wall time and by CPU time.
report() {
	echo "$2 $3" | awk -v l="$1" '{
		printf "%-34s wall %7.3f s %12.0f samples/s   cpu %7.3f s %12.0f samples/s\n",
		    l, $1, $3 / $1, $2, $3 / ($2 > 0 ? $2 : 1e-9) }'
}

samples=$((n * per))
echo
echo "== end to end: $n datagrams, $samples samples," \
    "$(wc -c <"$capture") bytes of capture, best of 3"
fs_t=$(run finderscope 3 "$fs" sflow --count "$capture")
sed 's/^/   /' "$scratch/finderscope.out"
report "finderscope sflow --count" "$fs_t" "$samples"

# nfdump's sFlow collector, when it is there and reads capture files.
# Debian's nfdump 1.7.1 ships no sfcapd (it is built without --enable-sflow).
if command -v sfcapd >/dev/null 2>&1 &&
    sfcapd -h 2>&1 | grep -q -- '^-f'; then
	mkdir -p "$scratch/nfcapd"
	sf_t=$(run sfcapd 3 sfcapd -f "$capture" -w "$scratch/nfcapd")
	report "sfcapd -f" "$sf_t" "$samples"
	# fields: sfcapd wall, cpu, finderscope wall, cpu (same capture)
	echo "$sf_t $fs_t" | awk '{ printf "finderscope vs sfcapd: %.1fx by wall time, %.1fx by CPU time (goal >= 5x)\n", $1 / $3, $2 / $4 }'
else
	echo "sfcapd: not available (Debian's nfdump has no sFlow collector)"
fi

# pmacct's sFlow collector reads capture files (-I).  It is far slower and
# mostly idles (1M datagrams: 187 s wall for 12 s of CPU), so it gets a
# tenth of the datagrams, one run, and is compared by CPU time per sample.
if command -v sfacctd >/dev/null 2>&1; then
	m=$((n / 10 > 1000 ? n / 10 : n))
	"$shared/tools/make-bench-input.sh" "$seed" "$m" "$scratch/small.pcap" \
	    >/dev/null
	pm_t=$(run sfacctd 1 sfacctd -I "$scratch/small.pcap" -P print \
	    -c src_host,dst_host,src_port,dst_port,proto)
	report "sfacctd -I (pmacct), $m dgrams" "$pm_t" $((m * per))
	# fields: fs wall, fs cpu, fs samples, sfacctd wall, cpu, samples
	echo "$fs_t $samples $pm_t $((m * per))" | awk '{
		printf "finderscope vs sfacctd: %.1fx samples per CPU second\n",
		    ($3 / $2) / ($6 / $5) }'
else
	echo "sfacctd: not installed (Debian package pmacct)"
fi
