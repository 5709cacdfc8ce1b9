"""Fixtures of the dnsgate system tests (pytest + dnspython from Debian,
run with /usr/bin/python3). Real NSD, Unbound and Knot on loopback and free
ports, stopped by PID at the end of each test even when it fails.

Fixtures (all function-scoped):
    free_port         free_port(addr="127.0.0.1", start=None) -> int
    servers           servers.nsd(**kw) / .knot(**kw) / .unbound(**kw): started
                      servers, stopped at teardown (kw: see fixtures/servers.py)
    nsd_auth          Nsd serving the guide's zaibdns.lab
    knot_auth         Knot serving the same zone (for differential checks)
    unbound_rec       unbound_rec(name=None, **kw) -> Unbound recursive stand-in
    backends          the guide's LAB-AUTH1/REC1/REC2: dict auth1, rec1, rec2
                      (rec* resolve zaibdns.lab through auth1)
    build_dir         Path of the build under test ($DNSGATE_BUILD, else
                      build/release)
    logwatch          logwatch(path, from_start=False) -> LogWatch
    netns             NetnsLab: .add(role), .link(a, b), .bridge([...]); tests
                      using it are marked `netns` and skipped when not root
"""
import os
import signal
import sys
from pathlib import Path

import pytest

from fixtures import netns as netns_mod
from fixtures.logwatch import LogWatch
from fixtures.ports import free_port as _free_port
from fixtures.servers import Knot, Nsd, Unbound

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import lab_backends  # noqa: E402


def pytest_configure(config):
    # A SIGTERM (CI timeout, kill) becomes SystemExit, so finalizers and the
    # atexit nets run and no daemon or namespace outlives the test run.
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def pytest_collection_modifyitems(config, items):
    # Using the netns fixture is what makes a test a netns test: -m "not netns".
    for item in items:
        if "netns" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.netns)


@pytest.fixture
def free_port():
    """free_port(addr="127.0.0.1", start=None): a port free for UDP and TCP."""
    return _free_port


class ServerSet:
    """Starts servers in per-server directories below tmp_path; stops them
    all (by PID) at teardown."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []
        self.count = {}

    def _start(self, cls, name=None, **kw):
        n = self.count.get(cls.kind, 0) + 1
        self.count[cls.kind] = n
        name = name or "%s%d" % (cls.kind, n)
        srv = cls(self.tmp_path / name, name=name, **kw)
        self.started.append(srv)
        return srv.start()

    def nsd(self, name=None, **kw):
        """A started Nsd (default zone: the guide's zaibdns.lab)."""
        return self._start(Nsd, name, **kw)

    def knot(self, name=None, **kw):
        """A started Knot (default zone: the guide's zaibdns.lab)."""
        return self._start(Knot, name, **kw)

    def unbound(self, name=None, **kw):
        """A started Unbound recursive stand-in."""
        return self._start(Unbound, name, **kw)

    def stop_all(self):
        """Stops every server started here, last first."""
        errors = []
        for srv in reversed(self.started):
            try:
                srv.stop()
            except Exception as e:      # stop the others anyway
                errors.append(e)
        self.started = []
        if errors:
            raise errors[0]


@pytest.fixture
def servers(tmp_path):
    """Factory of started servers, all stopped at teardown."""
    s = ServerSet(tmp_path)
    yield s
    s.stop_all()


@pytest.fixture
def nsd_auth(servers):
    """NSD authoritative for zaibdns.lab (the guide's LAB-AUTH1)."""
    return servers.nsd("auth1")


@pytest.fixture
def knot_auth(servers):
    """Knot authoritative for zaibdns.lab."""
    return servers.knot("knot1")


@pytest.fixture
def unbound_rec(servers):
    """unbound_rec(name=None, **kw) -> a started Unbound stand-in; names
    default to rec1, rec2, ... Pass stubs={"zaibdns.lab": nsd_auth} to
    resolve the zone through NSD."""
    count = [0]

    def make(name=None, **kw):
        count[0] += 1
        return servers.unbound(name or "rec%d" % count[0], **kw)
    return make


@pytest.fixture
def backends(tmp_path):
    """The guide's backends (scripts/lab_backends.py) on random free ports:
    {"auth1": Nsd, "rec1": Unbound, "rec2": Unbound}."""
    try:
        yield lab_backends.start_backends(tmp_path / "lab", base_port=None)
    finally:
        lab_backends.stop_all()


@pytest.fixture
def build_dir():
    """The build under test: $DNSGATE_BUILD (scripts/test.sh sets it), else
    build/release, as an absolute Path. Not checked for existence."""
    p = Path(os.environ.get("DNSGATE_BUILD", "build/release"))
    return p if p.is_absolute() else ROOT / p


@pytest.fixture
def logwatch():
    """logwatch(path, from_start=False) -> LogWatch positioned at the end of
    the file (or its start): .wait_for(regex, timeout), .absent(regex, s)."""
    return LogWatch


@pytest.fixture
def netns():
    """A NetnsLab (namespaces named dgt-*) deleted at teardown; skips the
    test when not root or `ip netns` does not work."""
    reason = netns_mod.unavailable_reason()
    if reason:
        pytest.skip(reason)
    lab = netns_mod.NetnsLab()
    try:
        yield lab
    finally:
        lab.teardown()
