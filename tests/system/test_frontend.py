# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The frontend's UDP data plane against real Unbound backends on loopback:
forwarding with ID rewriting, answers from the local address the query came
to, health checks (asserted on the log), drop/SERVFAIL with no server, the
ACL, malformed queries, and every server selection policy.

Each Unbound stand-in answers whoami.lab. A with its own address, so the
answer tells which backend served a query; the packet cache is never set
here, so every query reaches a backend.
"""
import random
import socket
import struct

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from fixtures.logwatch import LogWatch
from fixtures.servers import Unbound
from frontend_lab import Frontend, udp_exchange


def rec(tmp_path, i, **kw):
    """Unbound stand-in number i: whoami.lab. -> 127.0.0.(10+i), and every
    name under spread.lab. -> the same address."""
    who = "127.0.0.%d" % (10 + i)
    names = {"whoami.lab.": ["A " + who], "example.com.": ["A 127.0.53.3"]}
    return Unbound(tmp_path / ("rec%d" % i), name="rec%d" % i, names=names,
                   redirects={"spread.lab.": ["A " + who]}, **kw).start()


@pytest.fixture
def recs(tmp_path):
    started = []

    def make(n):
        for i in range(1, n + 1):
            started.append(rec(tmp_path, i))
        return started
    yield make
    for r in started:
        r.stop()


def who(resp):
    """The backend that answered (1, 2, ...) from whoami.lab.'s address."""
    addr = resp.answer[0][0].address
    return int(addr.rsplit(".", 1)[1]) - 10


def servers_lua(backends, extra=""):
    out = []
    for i, b in enumerate(backends, 1):
        out.append('newServer{address="127.0.0.1:%d", name="rec%d"%s}' % (b.port, i, extra))
    return "\n".join(out)


def start_fe(tmp_path, body, addr="127.0.0.1"):
    lua = 'setLocal("%s:{port}")\n' % addr + body + "\n"
    return Frontend(tmp_path / "fe", lua.replace("{", "{{").replace("}", "}}")
                    .replace("{{port}}", "{port}"), addr=addr).start()


def test_forward_matches_direct_answer(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, servers_lua([r1]))
    try:
        got = fe.query("example.com.", "A")
        direct = r1.query("example.com.", "A")
        assert got.rcode() == dns.rcode.NOERROR
        assert got.answer == direct.answer
        # EDNS passes through: the backend's OPT comes back.
        got = fe.query("example.com.", "A", payload=1400)
        assert got.edns >= 0
    finally:
        assert fe.stop() == 0


def test_id_rewriting_many_in_flight(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, servers_lua([r1]))
    try:
        ids = random.sample(range(65536), 200)
        wires = {}
        for i, qid in enumerate(ids):
            q = dns.message.make_query("n%d.spread.lab." % i, "A")
            q.id = qid
            wires[qid] = q
        got = udp_exchange("127.0.0.1", fe.port, [q.to_wire() for q in wires.values()],
                           timeout=10)
        seen = set()
        for data, _ in got:
            m = dns.message.from_wire(data)
            assert m.id in wires, "answer with an ID nobody asked"
            assert m.question == wires[m.id].question, "answer matched to the wrong query"
            seen.add(m.id)
        assert len(seen) == 200
    finally:
        assert fe.stop() == 0


def test_answer_leaves_from_secondary_address(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, servers_lua([r1]), addr="0.0.0.0")
    try:
        q = dns.message.make_query("example.com.", "A")
        got = udp_exchange("127.0.0.2", fe.port, [q.to_wire()])
        assert len(got) == 1
        assert got[0][1][0] == "127.0.0.2", "reply must come from the address queried"
        assert dns.message.from_wire(got[0][0]).id == q.id
        got = udp_exchange("127.0.0.1", fe.port, [q.to_wire()])
        assert got[0][1][0] == "127.0.0.1"
    finally:
        assert fe.stop() == 0


def test_health_down_and_up(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, servers_lua(
        [r1], ', checkName="whoami.lab.", checkInterval=1, checkTimeout=500, '
              'maxCheckFailures=2, rise=2'))
    try:
        log = LogWatch(fe.log_path)
        assert fe.query("whoami.lab.").rcode() == dns.rcode.NOERROR
        r1.pause()
        # 2 failures x 1 s interval, each failing after 0.5 s, plus slack.
        log.wait_for(r"backend 127\.0\.0\.1:%d \(rec1\) UP -> DOWN "
                     r"\(2 consecutive failures: timeout\)" % r1.port, timeout=2 * 1 + 1 + 2)
        with pytest.raises(dns.exception.Timeout):
            fe.query("whoami.lab.", timeout=0.5)
        r1.resume()
        log.wait_for(r"backend 127\.0\.0\.1:%d \(rec1\) DOWN -> UP "
                     r"\(2 consecutive successes\)" % r1.port, timeout=2 * 1 + 3)
        assert fe.query("whoami.lab.").rcode() == dns.rcode.NOERROR
    finally:
        r1.resume()
        assert fe.stop() == 0


def dead_server_lua():
    """A backend on a port where nothing listens: its first check fails at once."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return 'newServer{address="127.0.0.1:%d", name="dead", checkInterval=1}' % port


@pytest.mark.parametrize("servfail", [False, True])
def test_no_server_up(tmp_path, servfail):
    body = dead_server_lua()
    if servfail:
        body += "\nsetServFailWhenNoServer(true)"
    fe = start_fe(tmp_path, body)
    try:
        fe.log.wait_for(r"\(dead\) UP -> DOWN", timeout=5)
        if servfail:
            assert fe.query("example.com.").rcode() == dns.rcode.SERVFAIL
        else:
            with pytest.raises(dns.exception.Timeout):
                fe.query("example.com.", timeout=1)
    finally:
        assert fe.stop() == 0
    assert "no-server=1" in fe.log_text()


def test_acl_drops_and_counts(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, 'setACL("10.0.0.0/8")\n' + servers_lua([r1]))
    try:
        with pytest.raises(dns.exception.Timeout):
            fe.query("example.com.", timeout=1)
    finally:
        assert fe.stop() == 0
    assert "acl=1" in fe.log_text()


def test_malformed_dropped_and_counted(tmp_path, recs):
    r1, = recs(1)
    fe = start_fe(tmp_path, servers_lua([r1]))
    good = dns.message.make_query("example.com.", "A").to_wire()
    bad = [
        b"\x12\x34\x01",                          # shorter than a header
        good[:12] + b"\x07example",               # question cut short
        good[:2] + b"\x81\x00" + good[4:],        # a response (QR set)
        struct.pack("!HHHHHH", 7, 0x0100, 2, 0, 0, 0) + good[12:] * 2,  # qdcount 2
    ]
    try:
        assert udp_exchange("127.0.0.1", fe.port, bad, timeout=1) == []
        assert fe.query("example.com.").rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    line = [l for l in fe.log_text().splitlines() if "stopped:" in l][0]
    assert "malformed=4" in line
    assert "DG_EHDR_SHORT=1" in line
    assert "DG_EQDCOUNT=1" in line


def count_backends(fe, names, n_backends):
    counts = [0] * (n_backends + 1)
    for name in names:
        counts[who(fe.query(name))] += 1
    return counts[1:]


def test_policy_roundrobin_alternates(tmp_path, recs):
    r1, r2 = recs(2)
    fe = start_fe(tmp_path, servers_lua([r1, r2]) + "\nsetServerPolicy(roundrobin)")
    try:
        # One client socket: SO_REUSEPORT hashes it to one worker, whose
        # roundrobin position then alternates strictly: an exact 10/10.
        wires = []
        for i in range(20):
            q = dns.message.make_query("whoami.lab.", "A")
            q.id = i
            wires.append(q.to_wire())
        got = udp_exchange("127.0.0.1", fe.port, wires)
        counts = [0, 0, 0]
        for data, _ in got:
            counts[who(dns.message.from_wire(data))] += 1
        assert counts[1:] == [10, 10]
    finally:
        assert fe.stop() == 0


def test_policy_first_available_sticks_then_fails_over(tmp_path, recs):
    r1, r2 = recs(2)
    fe = start_fe(tmp_path, servers_lua([r1, r2], ", checkInterval=1, checkTimeout=300") +
                  "\nsetServerPolicy(firstAvailable)")
    try:
        assert count_backends(fe, ["whoami.lab."] * 10, 2) == [10, 0]
        r1.pause()
        fe.log.wait_for(r"\(rec1\) UP -> DOWN", timeout=5)
        assert count_backends(fe, ["whoami.lab."] * 5, 2) == [0, 5]
    finally:
        r1.resume()
        assert fe.stop() == 0


def test_policy_least_outstanding_prefers_lower_order(tmp_path, recs):
    r1, r2 = recs(2)
    body = ('newServer{address="127.0.0.1:%d", name="rec1", order=2}\n'
            'newServer{address="127.0.0.1:%d", name="rec2", order=1}\n' % (r1.port, r2.port))
    fe = start_fe(tmp_path, body)
    try:
        # Sequential queries: nothing outstanding, so 'order' decides.
        assert count_backends(fe, ["whoami.lab."] * 10, 2) == [0, 10]
    finally:
        assert fe.stop() == 0


def test_policy_wrandom_follows_weights(tmp_path, recs):
    r1, r2 = recs(2)
    body = ('newServer{address="127.0.0.1:%d", name="rec1", weight=1}\n'
            'newServer{address="127.0.0.1:%d", name="rec2", weight=3}\n'
            'setServerPolicy(wrandom)' % (r1.port, r2.port))
    fe = start_fe(tmp_path, body)
    try:
        c1, c2 = count_backends(fe, ["whoami.lab."] * 400, 2)
        # Expected 100 / 300; binomial sd is about 8.7: allow ~5 sd.
        assert 55 <= c1 <= 145, (c1, c2)
    finally:
        assert fe.stop() == 0


@pytest.mark.parametrize("policy", ["whashed", "chashed"])
def test_policy_hashed_is_consistent(tmp_path, recs, policy):
    r1, r2 = recs(2)
    weight = ", weight=100" if policy == "chashed" else ""
    fe = start_fe(tmp_path, servers_lua([r1, r2], weight) + "\nsetServerPolicy(%s)" % policy)
    try:
        names = ["n%d.spread.lab." % i for i in range(40)]
        first = {n: who(fe.query(n)) for n in names}
        again = {n: who(fe.query(n)) for n in names}
        assert first == again, "one name must always go to the same backend"
        assert set(first.values()) == {1, 2}, "names spread over both backends"
    finally:
        assert fe.stop() == 0


def test_ipv6_wildcard_listener(tmp_path, recs):
    r1, = recs(1)
    lua = 'setLocal("[::]:{port}")\n' + servers_lua([r1]).replace("{", "{{").replace("}", "}}")
    fe = Frontend(tmp_path / "fe", lua, addr="::1").start()
    try:
        q = dns.message.make_query("whoami.lab.", "A")
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(q.to_wire(), ("::1", fe.port))
        data, frm = s.recvfrom(65535)
        s.close()
        assert frm[0] == "::1"
        assert dns.message.from_wire(data).id == q.id
        assert who(dns.query.tcp(q, "::1", port=fe.port, timeout=3)) == 1
    finally:
        assert fe.stop() == 0


def test_bind_failure_names_the_address(tmp_path, recs):
    r1, = recs(1)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        lua = 'setLocal("127.0.0.1:%d")\n' % port + servers_lua([r1])
        fe = Frontend(tmp_path / "fe", lua.replace("{", "{{").replace("}", "}}"))
        with pytest.raises(AssertionError):
            fe.start(timeout=5)
        assert fe.proc.wait(5) != 0
        assert "cannot listen on 127.0.0.1:%d (udp)" % port in fe.log_text()
    finally:
        taken.close()
