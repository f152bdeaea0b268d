#!/bin/sh
# check_units.sh BINARY DIR - the ctest contrib.systemd: the files of
# contrib/ (DIR) as the tools that read them see them.
#
#   - `systemd-analyze verify` on both units, with ExecStart= pointed at
#     BINARY (the build's: verify wants an executable there), failing on
#     any message it prints: an unknown or misspelt key is only a warning
#     to it, with exit status 0;
#   - `systemd-sysusers --root` on finderscope.sysusers, in a scratch root;
#   - every key of sysctl.d/90-finderscope.conf exists under /proc/sys.
#
# Exit 77 (skipped) when systemd-analyze is not installed.
set -u
bin=$1
dir=$2
command -v systemd-analyze >/dev/null 2>&1 || {
	echo "systemd-analyze not found: skipped"
	exit 77
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

mkdir "$tmp/units"
for u in finderscope-controller.service finderscope-receiver.service; do
	sed "s#/usr/local/bin/finderscope #$bin #" "$dir/systemd/$u" \
	    > "$tmp/units/$u" || exit 1
	grep -q "^ExecStart=$bin " "$tmp/units/$u" || {
		echo "$u: ExecStart= is not /usr/local/bin/finderscope"
		fail=1
	}
done
out=$(cd "$tmp/units" && systemd-analyze verify --man=no \
    ./finderscope-controller.service ./finderscope-receiver.service 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "systemd-analyze verify (exit $rc):"
	echo "$out"
	fail=1
else
	echo "systemd-analyze verify: both units clean"
fi

if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$tmp/root/etc"
	if out=$(systemd-sysusers --root="$tmp/root" \
	    "$dir/systemd/finderscope.sysusers" 2>&1) &&
	    grep -q '^finderscope:' "$tmp/root/etc/passwd" &&
	    grep -q '^finderscope:' "$tmp/root/etc/group"; then
		echo "systemd-sysusers: user and group finderscope"
	else
		echo "systemd-sysusers failed:"
		echo "$out"
		fail=1
	fi
fi

for key in $(sed -n 's/^\([a-z0-9_.]*\) *=.*/\1/p' \
    "$dir/sysctl.d/90-finderscope.conf"); do
	if [ -e "/proc/sys/$(echo "$key" | tr . /)" ]; then
		echo "sysctl $key: exists"
	else
		echo "sysctl $key: no such key"
		fail=1
	fi
done
exit $fail
