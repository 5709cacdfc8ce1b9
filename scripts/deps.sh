#!/bin/sh
# Installs, with apt-get, exactly the Debian 12 packages dnsgate needs to
# build and test that are not installed yet. `make test`, `make run` and
# `make fuzz` call it; it does nothing when everything is present.
set -eu

# build: compiler, Lua for the configuration language, libsodium for the
# console key and web credentials, liburcu for configuration snapshots,
# readline for the interactive console (`dnsgate -c`),
# libmicrohttpd and jansson for the web server and its JSON API, xxd to
# embed the dashboard page.
BUILD="gcc make pkg-config liblua5.4-dev libsodium-dev liburcu-dev libreadline-dev libmicrohttpd-dev \
libjansson-dev xxd"
# fuzz: clang with the libFuzzer runtime.
FUZZ="clang libclang-rt-14-dev"
# tests: the real servers and clients the system tests start.
TEST="python3 python3-pytest python3-dnspython nsd unbound knot knot-dnsutils \
bind9-dnsutils ldnsutils iproute2 procps prometheus chromium keepalived"
# bench (only with BENCH=1, as `make bench` runs it): the reference frontend,
# a second load generator and the instruction counter. Tests never need them.
if [ "${BENCH:-0}" = 1 ]; then BENCH="dnsdist dnsperf valgrind"; else BENCH=""; fi

missing=""
for p in $BUILD $FUZZ $TEST $BENCH; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start the servers we install: the tests start
# their own on free ports (policy-rc.d is honoured by invoke-rc.d).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
