#!/bin/sh
# fuzz.sh - run every libFuzzer target of a build for a while.
#
# usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
#
# BUILD_DIR was configured with -DFS_FUZZ=ON and clang (make fuzz does both).
# Each BUILD_DIR/fuzz/fuzz_NAME runs for SECONDS (default 60) on a scratch
# copy of its seeds: the committed fuzz/corpus/NAME/, plus, for sFlow, the
# shared bare datagrams and the UDP payloads of the shared captures.  New
# inputs go to the scratch copy only: the repository's corpus is never
# written.  A crash, leak, timeout or sanitizer report stops that target; its
# input is shown as a hexdump with the end of the fuzzer's log (the stack),
# and kept under BUILD_DIR/fuzz-artifacts/.  Exit status 1 if any target
# failed, 2 on a usage error.
set -eu

usage() {
	echo "usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
build=$(cd "$1" && pwd) || usage
seconds=${2:-60}
case $seconds in '' | *[!0-9]*) usage ;; esac

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${FS_SHARED_DIR:-$repo/../shared}
artifacts=$build/fuzz-artifacts
scratch=$(mktemp -d "${TMPDIR:-/tmp}/finderscope-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

targets=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x |
	sort)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz_* in $build/fuzz (configure with -DFS_FUZZ=ON" \
	    "and clang)" >&2
	exit 1
fi

# Seeds for target $1 into directory $2.
gather_seeds() {
	mkdir -p "$2"
	if [ -d "$repo/fuzz/corpus/$1" ]; then
		cp "$repo/fuzz/corpus/$1"/* "$2"/ 2>/dev/null || true
	fi
	case $1 in
	sflow_*)
		if [ -d "$shared/testdata/sflow/raw" ]; then
			cp "$shared/testdata/sflow/raw"/* "$2"/
		fi
		if [ -x "$build/fuzz/seeds_from_pcap" ] &&
		    ls "$shared"/testdata/sflow/*.pcap >/dev/null 2>&1; then
			"$build/fuzz/seeds_from_pcap" "$2" \
			    "$shared"/testdata/sflow/*.pcap \
			    "$shared"/testdata/malformed/*sflow*.pcap >/dev/null
		fi
		;;
	esac
	chmod -R u+w "$2"	# the shared files are read-only
}

failed=0
for fuzzer in $targets; do
	name=${fuzzer##*/fuzz_}
	corpus=$scratch/$name/corpus
	out=$scratch/$name/artifacts
	log=$scratch/$name/fuzz.log
	mkdir -p "$out"
	gather_seeds "$name" "$corpus"
	echo "== $name: $(ls "$corpus" | wc -l) seeds, $seconds s"

	# -max_len: an sFlow datagram is a UDP payload, up to 65535 bytes.
	# halt_on_error: a UBSan report ends the run like a crash.
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$fuzzer" -max_total_time="$seconds" -max_len=65535 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/" "$corpus" >"$log" 2>&1 || rc=$?

	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' \
	    "$log" || true
	found=$(ls "$out")
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "== $name: no crash ($(ls "$corpus" | wc -l) inputs in" \
		    "the corpus at the end)"
		continue
	fi

	failed=1
	echo "== $name: FAILED (exit $rc)"
	mkdir -p "$artifacts"
	for f in $found; do
		cp "$out/$f" "$artifacts/$name-$f"
		echo "-- input $artifacts/$name-$f ($(wc -c <"$out/$f") bytes):"
		od -A x -t x1z -v "$out/$f" | head -64
	done
	echo "-- end of the fuzzer's log:"
	tail -n 60 "$log"
	echo "-- reproduce: $fuzzer $artifacts/$name-<file>" \
	    "(or replay_$name with -DFS_SANITIZE=ON)"
done
exit $failed
