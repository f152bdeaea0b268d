#!/bin/sh
# install-deps.sh - install the Debian packages that finderscope's build,
# tests, benchmarks and demo need.  Idempotent: packages already installed
# are skipped, and nothing runs when all are there.  Non-interactive; needs
# root (or sudo) only when something is missing.
set -eu

# build
PKGS="build-essential cmake pkg-config libevent-dev libcurl4-openssl-dev
libjansson-dev libyaml-dev libpcap-dev libhyperscan-dev"
# tests, fuzzing, benchmarks, demo
PKGS="$PKGS libcmocka-dev clang libclang-rt-dev tshark python3 python3-scapy
nfdump iproute2 openssl openvswitch-switch"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: not root and no sudo; install as root:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    $SUDO debconf-set-selections
$SUDO apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$SUDO apt-get install -y -q --no-install-recommends $missing
