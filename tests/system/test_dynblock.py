# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Dynamic blocks (issue 6): maintenance() runs once a second on the
control thread; a DynBlockRulesGroup (or exceedQRate + addDynBlocks) reads
the per-worker rings and blocks a flooding client within 2 s, while other
clients are served throughout; the block expires on time; excluded ranges
are never blocked. Floods are bounded (time and count) and stay on
loopback: 127.0.0.9 is the infected host, 127.0.0.1 the good one.
"""
import re
import socket
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from fixtures.servers import Unbound
from frontend_lab import Frontend


@pytest.fixture
def rec(tmp_path):
    r = Unbound(tmp_path / "rec1", name="rec1",
                names={"whoami.lab.": ["A 127.0.0.11"]}).start()
    yield r
    r.stop()


class Flood(threading.Thread):
    """Sends queries from src at about rate per second for at most seconds,
    never more than limit, without waiting for answers."""

    def __init__(self, port, src, rate=400, seconds=3.0, limit=2000):
        super().__init__(daemon=True)
        self.port, self.src, self.rate = port, src, rate
        self.seconds, self.limit = seconds, limit
        self.sent = 0
        self.started = self.ended = None
        self.stop_flag = threading.Event()

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((self.src, 0))
        s.setblocking(False)
        wire = dns.message.make_query("flood.lab.", "A").to_wire()
        self.started = time.monotonic()
        while (self.sent < self.limit and not self.stop_flag.is_set()
               and time.monotonic() - self.started < self.seconds):
            for _ in range(self.rate // 20):
                s.sendto(wire, ("127.0.0.1", self.port))
                self.sent += 1
            try:
                while True:
                    s.recv(4096)  # answers, while they come
            except BlockingIOError:
                pass
            time.sleep(0.05)
        self.ended = time.monotonic()
        s.close()


def ask(fe, src, timeout=0.5):
    """The rcode of whoami.lab. asked from src, or None on a timeout."""
    q = dns.message.make_query("whoami.lab.", "A")
    try:
        return dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=timeout, source=src).rcode()
    except dns.exception.Timeout:
        return None


GROUP_CONF = '''
setLocal("127.0.0.1:{port}")
newServer{{address="127.0.0.1:{rec}", name="rec1"}}
local dbr = dynBlockRulesGroup()
dbr:setQueryRate(50, 1, "Exceeded query rate", 3)
dbr:excludeRange({{"127.0.0.77/32"}})
function maintenance()
  dbr:apply()
end
'''


def wait_log(fe, pattern, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, fe.log_text())
        if m:
            return time.monotonic()
        time.sleep(0.02)
    return None


def test_flood_blocked_other_client_served_block_expires(tmp_path, rec):
    fe = Frontend(tmp_path / "fe", GROUP_CONF, rec=rec.port).start()
    try:
        assert ask(fe, "127.0.0.9") == dns.rcode.NOERROR
        flood = Flood(fe.port, "127.0.0.9", seconds=4.0)
        excluded = Flood(fe.port, "127.0.0.77", seconds=4.0)
        flood.start()
        excluded.start()
        good, blocked_at = [], None
        while flood.is_alive():
            good.append(ask(fe, "127.0.0.1"))
            if blocked_at is None and re.search(r"blocking 127\.0\.0\.9/32", fe.log_text()):
                blocked_at = time.monotonic()
            time.sleep(0.05)
        flood.join()
        excluded.join()
        assert blocked_at is not None, fe.log_text()
        assert blocked_at - flood.started <= 2.0, "blocked after %.2f s" % (
            blocked_at - flood.started)
        # the good client was served throughout the flood
        assert good and all(r == dns.rcode.NOERROR for r in good), good
        # blocked now (the default action drops): no answer
        assert ask(fe, "127.0.0.9") is None
        # the excluded address flooded as hard and was never blocked
        assert not re.search(r"blocking 127\.0\.0\.77", fe.log_text())
        assert ask(fe, "127.0.0.77") == dns.rcode.NOERROR
        # the block lasts 3 s from its last extension (the last round that
        # still saw the flood, at most ~1 s after it ended), rounds are 1 s
        expired = wait_log(fe, r"dynamic block on 127\.0\.0\.9/32 expired \((\d+) queries blocked\)",
                           timeout=8)
        assert expired is not None, fe.log_text()
        lasted = expired - flood.ended
        assert 1.5 <= lasted <= 5.5, "expired %.2f s after the flood" % lasted
        m = re.search(r"expired \((\d+) queries blocked\)", fe.log_text())
        assert int(m.group(1)) > 0
        assert ask(fe, "127.0.0.9", timeout=1.0) == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    assert re.search(r"dyn-blocked=\d+", fe.log_text())


OLD_STYLE_CONF = '''
setLocal("127.0.0.1:{port}")
newServer{{address="127.0.0.1:{rec}", name="rec1"}}
setDynBlocksAction(DNSAction.Refused)
function maintenance()
  addDynBlocks(exceedQRate(50, 1), "Exceeded query rate (old style)", 2)
end
'''


def test_exceed_qrate_add_dynblocks_refused(tmp_path, rec):
    fe = Frontend(tmp_path / "fe", OLD_STYLE_CONF, rec=rec.port).start()
    try:
        flood = Flood(fe.port, "127.0.0.9", seconds=3.0)
        flood.start()
        t = wait_log(fe, r"blocking 127\.0\.0\.9/32 for 2 s, action default \(Exceeded query rate",
                     timeout=3)
        assert t is not None, fe.log_text()
        # setDynBlocksAction(DNSAction.Refused) decides for blocks without an action
        assert ask(fe, "127.0.0.9") == dns.rcode.REFUSED
        assert ask(fe, "127.0.0.1") == dns.rcode.NOERROR
        flood.stop_flag.set()
        flood.join()
    finally:
        assert fe.stop() == 0
