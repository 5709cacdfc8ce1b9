# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The frontend over TCP: queries answered, pipelined queries on one
connection (out of order with maxInFlight), the UDP truncation -> TCP
retry dance with a real NSD answer larger than 512 bytes, tcpOnly
backends serving UDP clients, garbage frames and slow clients.
"""
import socket
import struct
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from fixtures.servers import Nsd, Unbound
from frontend_lab import Frontend, tcp_frames, udp_exchange

# 12 TXT records of 100 bytes: about 1.3 KB, far over 512.
BIG_ZONE = """$ORIGIN tc.lab.
$TTL 300
@ IN SOA ns.tc.lab. admin.tc.lab. 1 3600 600 86400 300
@ IN NS ns.tc.lab.
ns IN A 127.0.0.1
small IN A 127.0.0.99
""" + "".join('big IN TXT "%02d%s"\n' % (i, "t" * 98) for i in range(12))


@pytest.fixture
def nsd(tmp_path):
    s = Nsd(tmp_path / "nsd", zones={"tc.lab": BIG_ZONE}).start()
    yield s
    s.stop()


@pytest.fixture
def unbound(tmp_path):
    s = Unbound(tmp_path / "rec", name="rec1", redirects={"spread.lab.": ["A 127.0.0.77"]}).start()
    yield s
    s.stop()


def start_fe(tmp_path, backend, extra="", local_opts=""):
    lua = 'setLocal("127.0.0.1:{port}"%s)\n' % local_opts
    lua += ('newServer{{address="127.0.0.1:%d", name="be"%s}}\n' % (backend.port, extra))
    return Frontend(tmp_path / "fe", lua).start()


def test_tcp_query_answered(tmp_path, unbound):
    fe = start_fe(tmp_path, unbound)
    try:
        r = fe.query("example.com.", "A", tcp=True)
        assert r.rcode() == dns.rcode.NOERROR
        assert r.answer == unbound.query("example.com.", "A").answer
    finally:
        assert fe.stop() == 0


@pytest.mark.parametrize("inflight", [0, 10])
def test_pipelined_queries_on_one_connection(tmp_path, unbound, inflight):
    opts = ", {maxInFlight=%d}" % inflight if inflight else ""
    fe = start_fe(tmp_path, unbound, local_opts=opts.replace("{", "{{").replace("}", "}}"))
    try:
        qs = {}
        for i in range(10):
            q = dns.message.make_query("p%d.spread.lab." % i, "A")
            q.id = 1000 + i
            qs[q.id] = q
        got = tcp_frames("127.0.0.1", fe.port, [q.to_wire() for q in qs.values()], 10)
        assert len(got) == 10
        ids = []
        for w in got:
            m = dns.message.from_wire(w)
            assert m.question == qs[m.id].question
            ids.append(m.id)
        assert sorted(ids) == sorted(qs)
        if inflight == 0:
            assert ids == list(qs), "maxInFlight 0 answers in order"
    finally:
        assert fe.stop() == 0


def test_truncated_udp_then_tcp_retry(tmp_path, nsd):
    fe = start_fe(tmp_path, nsd)
    try:
        q = dns.message.make_query("big.tc.lab.", "TXT", use_edns=False)
        got = udp_exchange("127.0.0.1", fe.port, [q.to_wire()])
        assert len(got) == 1
        m = dns.message.from_wire(got[0][0])
        assert m.id == q.id
        assert m.flags & dns.flags.TC, "over 512 bytes without EDNS: TC from the backend"
        full = dns.query.tcp(q, "127.0.0.1", port=fe.port, timeout=3)
        assert not full.flags & dns.flags.TC
        assert sum(len(rrset) for rrset in full.answer) == 12
    finally:
        assert fe.stop() == 0


def test_tcp_only_backend_serves_udp_clients(tmp_path, nsd):
    fe = start_fe(tmp_path, nsd, extra=", tcpOnly=true")
    try:
        r = fe.query("small.tc.lab.", "A")
        assert r.answer[0][0].address == "127.0.0.99"
        # Too big for a 512-byte UDP client: truncated on the way back.
        q = dns.message.make_query("big.tc.lab.", "TXT", use_edns=False)
        got = udp_exchange("127.0.0.1", fe.port, [q.to_wire()])
        m = dns.message.from_wire(got[0][0])
        assert m.flags & dns.flags.TC and m.id == q.id
        r = fe.query("big.tc.lab.", "TXT", tcp=True)
        assert sum(len(rrset) for rrset in r.answer) == 12
    finally:
        assert fe.stop() == 0


def test_garbage_frame_closes_connection(tmp_path, unbound):
    fe = start_fe(tmp_path, unbound)
    try:
        s = socket.create_connection(("127.0.0.1", fe.port), timeout=3)
        s.sendall(struct.pack("!H", 3) + b"abc")
        assert s.recv(100) == b"", "a frame shorter than a header closes the connection"
        s.close()
        assert fe.query("example.com.", "A", tcp=True).rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    assert "tcp-bad-frame=1" in fe.log_text()


def test_slow_client_closed(tmp_path, unbound):
    fe = start_fe(tmp_path, unbound)
    try:
        s = socket.create_connection(("127.0.0.1", fe.port), timeout=6)
        s.sendall(b"\x00\x20\x12")  # a frame announced, never finished
        t0 = time.monotonic()
        assert s.recv(100) == b""
        # setTCPRecvTimeout defaults to 2 s.
        assert 1.5 <= time.monotonic() - t0 <= 5
        s.close()
        assert fe.query("example.com.", "A", tcp=True).rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    assert "tcp-timeout=1" in fe.log_text()


def test_tcp_limits(tmp_path, unbound):
    lua = ('setLocal("127.0.0.1:{port}")\n'
           'setMaxTCPQueriesPerConnection(3)\n'
           'setMaxTCPConnectionsPerClient(2)\n'
           'newServer{{address="127.0.0.1:%d", name="be"}}\n' % unbound.port)
    fe = Frontend(tmp_path / "fe", lua).start()
    try:
        wires = []
        for i in range(5):
            q = dns.message.make_query("l%d.spread.lab." % i, "A")
            q.id = 500 + i
            wires.append(q.to_wire())
        got = tcp_frames("127.0.0.1", fe.port, wires, 5, timeout=3)
        assert len(got) == 3, "3 queries per connection, then it is closed"
        held = [socket.create_connection(("127.0.0.1", fe.port), timeout=3) for _ in range(2)]
        third = socket.create_connection(("127.0.0.1", fe.port), timeout=3)
        assert third.recv(10) == b"", "a third connection from the same client is refused"
        third.close()
        for s in held:
            s.close()
        time.sleep(0.2)
        assert fe.query("example.com.", "A", tcp=True).rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    assert "tcp-limit=1" in fe.log_text()


def test_max_connection_duration(tmp_path, unbound):
    # A busy connection (never idle, so setTCPRecvTimeout never applies)
    # is closed once setMaxTCPConnectionDuration has passed.
    lua = ('setLocal("127.0.0.1:{port}")\n'
           'setTCPRecvTimeout(30)\n'
           'setMaxTCPConnectionDuration(2)\n'
           'newServer{{address="127.0.0.1:%d", name="be"}}\n' % unbound.port)
    fe = Frontend(tmp_path / "fe", lua).start()
    try:
        s = socket.create_connection(("127.0.0.1", fe.port), timeout=3)
        t0 = time.monotonic()
        answered, closed_after = 0, None
        for i in range(40):                 # at most ~40 * 0.25 s
            q = dns.message.make_query("d%d.spread.lab." % i, "A").to_wire()
            try:
                s.sendall(struct.pack("!H", len(q)) + q)
                if s.recv(2) == b"":
                    closed_after = time.monotonic() - t0
                    break
                s.recv(65535)
                answered += 1
            except OSError:                 # reset by the closed peer
                closed_after = time.monotonic() - t0
                break
            time.sleep(0.25)
        s.close()
        assert answered >= 3, "served while younger than 2 s"
        assert closed_after is not None and 1.5 <= closed_after <= 6, closed_after
        assert fe.query("example.com.", "A", tcp=True).rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
