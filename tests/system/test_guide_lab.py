# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The guide's lab on loopback, checked through the frontend: dnsgate runs
the guide's production block (examples/lab/dnsgate.conf, only the ports
changed) in front of NSD serving zaibdns.lab (LAB-AUTH1) and two Unbound
recursive stand-ins (LAB-REC1/2) that log every query they get.

Covered here: suffix routing (AA from the auth pool, RA from the rec
pool), ANY and CH TXT version.bind dropped, the ACL, MaxQPSIPRule per
client, the packet cache (one backend query for N, TTL aging), TCP,
pipelining and the TC -> TCP retry, and health checks taking a stopped
backend out and back in with the guide's timers (asserted on the log).
Replies from a secondary address and the server policies are covered by
test_frontend.py (test_answer_leaves_from_secondary_address,
test_policy_*).
"""
import pathlib
import re
import socket
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from fixtures.ports import free_port
from fixtures.servers import ZAIBDNS_ADDR, ZAIBDNS_ZONE, Nsd, Unbound, DEFAULT_REC_NAMES
from frontend_lab import Frontend, tcp_frames, udp_exchange

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE_CONF = ROOT / "examples" / "lab" / "dnsgate.conf"

# The guide's health-check timers (checkInterval=5, dnsdist's defaults
# checkTimeout=1000 ms, maxCheckFailures=1, rise=1) and slack for a busy
# 2-core machine.
INTERVAL, TIMEOUT, FAILURES, RISE, SLACK = 5, 1, 1, 1, 4

# A TXT RRset of ~1.3 KB: over 512 octets, so a client without EDNS gets TC.
BIG = {"big.example.net.": ['TXT "%02d%s"' % (i, "t" * 98) for i in range(12)]}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """LAB-AUTH1 (NSD) and LAB-REC1/2 (Unbound, log-queries on)."""
    d = tmp_path_factory.mktemp("guide-lab")
    started = []
    try:
        auth = Nsd(d / "auth1", name="auth1", zones={"zaibdns.lab": ZAIBDNS_ZONE})
        started.append(auth)
        auth.start()
        recs = []
        for name in ("rec1", "rec2"):
            r = Unbound(d / name, name=name, names=dict(DEFAULT_REC_NAMES, **BIG),
                        stubs={"zaibdns.lab": auth}, extra=["log-queries: yes"])
            started.append(r)
            recs.append(r.start())
        yield {"auth1": auth, "rec1": recs[0], "rec2": recs[1]}
    finally:
        for s in reversed(started):
            s.resume() if s.paused else None
            s.stop()


def guide_lua(lab, acl=None):
    """The guide's production block with the lab's ports (Frontend formats
    {port}); acl replaces its addACL line with setACL(acl)."""
    text = GUIDE_CONF.read_text().replace("{", "{{").replace("}", "}}")
    subst = {"127.0.0.1:5300": "127.0.0.1:{port}",
             "127.0.0.1:5301": "127.0.0.1:%d" % lab["auth1"].port,
             "127.0.0.1:5302": "127.0.0.1:%d" % lab["rec1"].port,
             "127.0.0.1:5303": "127.0.0.1:%d" % lab["rec2"].port,
             "127.0.0.1:5199": "127.0.0.1:%d" % free_port()}
    if acl:
        subst['addACL("127.0.0.0/8")'] = 'setACL("%s")' % acl
    for old, new in subst.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def fe(lab, tmp_path_factory):
    f = Frontend(tmp_path_factory.mktemp("guide-fe"), guide_lua(lab)).start()
    yield f
    assert f.stop() == 0


def ask(fe, name, rdtype="A", rdclass="IN", src="127.0.0.1", timeout=2.0, payload=None,
        tcp=False):
    q = dns.message.make_query(name, rdtype, rdclass, use_edns=payload is not None,
                               payload=payload or 1232)
    if tcp:
        return dns.query.tcp(q, "127.0.0.1", port=fe.port, timeout=timeout, source=src)
    return dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=timeout, source=src)


def logged_queries(server, name, rdtype):
    """How many times Unbound logged a query for name/rdtype (log-queries)."""
    return len(re.findall(r"info: \S+ %s %s IN" % (re.escape(name), rdtype), server.log_text()))


def test_suffix_routing(fe, lab):
    r = ask(fe, "www.zaibdns.lab.")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA, "auth pool: AA"
    assert not r.flags & dns.flags.RA, "NSD does not recurse"
    assert r.answer[0][0].address == ZAIBDNS_ADDR
    assert r.answer == lab["auth1"].query("www.zaibdns.lab.").answer
    r = ask(fe, "google.com.")
    # (the stand-ins answer from local data, which Unbound marks AA too)
    assert r.flags & dns.flags.RA, "rec pool: RA"
    assert r.answer[0][0].address == "127.0.53.1"
    r = ask(fe, "whoami.test.", "TXT")
    assert r.flags & dns.flags.RA
    assert r.answer[0][0].strings[0].decode() in ("rec1", "rec2")


def test_any_and_chaos_version_bind_dropped(fe):
    with pytest.raises(dns.exception.Timeout):
        ask(fe, "zaibdns.lab.", "ANY", timeout=1)
    with pytest.raises(dns.exception.Timeout):
        ask(fe, "version.bind.", "TXT", "CH", timeout=1)
    # the same names otherwise are served: the rules, not the names, drop
    assert ask(fe, "zaibdns.lab.", "SOA").flags & dns.flags.AA


def test_max_qps_per_client(fe):
    wires = []
    for i in range(200):
        q = dns.message.make_query("google.com.", "A")
        q.id = i
        wires.append(q.to_wire())
    flood = udp_exchange("127.0.0.1", fe.port, wires, timeout=2, src=("127.0.0.2", 0))
    # MaxQPSIPRule(50): a burst of 50, then 50/s; the 200 leave in a few ms.
    assert 10 <= len(flood) <= 120, "a client over 50 qps is cut to about its burst"
    # another client (another /32) is served meanwhile
    assert ask(fe, "google.com.", src="127.0.0.3").rcode() == dns.rcode.NOERROR


def test_cache_one_backend_query_and_aging(fe, lab):
    recs = (lab["rec1"], lab["rec2"])
    before = sum(logged_queries(r, "www.example.com.", "A") for r in recs)
    first = ask(fe, "www.example.com.")
    for _ in range(9):
        assert ask(fe, "www.example.com.").answer == first.answer
    time.sleep(2.2)
    aged = ask(fe, "www.example.com.")
    time.sleep(0.5)     # let the backends' logs catch up
    after = sum(logged_queries(r, "www.example.com.", "A") for r in recs)
    assert after - before == 1, "11 identical queries, one reached a backend"
    assert 1 <= first.answer[0].ttl - aged.answer[0].ttl <= 5, "cached TTL decreases"


def test_tcp_pipelining_and_tc_retry(fe):
    r = ask(fe, "www.zaibdns.lab.", tcp=True)
    assert r.flags & dns.flags.AA and r.answer[0][0].address == ZAIBDNS_ADDR
    qs = {}
    for i, name in enumerate(["www.zaibdns.lab.", "google.com.", "portal.zaibdns.lab.",
                              "example.com.", "ns1.zaibdns.lab."]):
        q = dns.message.make_query(name, "A")
        q.id = 4000 + i
        qs[q.id] = q
    got = tcp_frames("127.0.0.1", fe.port, [q.to_wire() for q in qs.values()], 5)
    assert sorted(dns.message.from_wire(w).id for w in got) == sorted(qs)
    for w in got:
        m = dns.message.from_wire(w)
        assert m.question == qs[m.id].question and m.answer
    # no EDNS: 512 octets over UDP, so the big RRset comes back truncated ...
    small = ask(fe, "big.example.net.", "TXT")
    assert small.flags & dns.flags.TC
    # ... and the client's retry over TCP gets all of it
    full = ask(fe, "big.example.net.", "TXT", tcp=True)
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 12


def test_acl_outside_dropped_and_counted(lab, tmp_path):
    f = Frontend(tmp_path / "acl", guide_lua(lab, acl="127.0.0.1/32")).start()
    try:
        assert ask(f, "google.com.").rcode() == dns.rcode.NOERROR
        with pytest.raises(dns.exception.Timeout):
            ask(f, "google.com.", src="127.0.0.2", timeout=1)
    finally:
        assert f.stop() == 0
    assert re.search(r"stopped:.* acl=1\b", f.log_text())


def change(server, old, new):
    return r"backend 127\.0\.0\.1:%d \(127\.0\.0\.1:%d\) %s -> %s" % (
        server.port, server.port, old, new)


def test_stopped_recursive_backend_out_and_back(fe, lab):
    rec1, rec2 = lab["rec1"], lab["rec2"]
    fe.log.mark()
    rec1.pause()
    fe.log.wait_for(change(rec1, "UP", "DOWN") + r" \(%d consecutive failures: timeout\)"
                    % FAILURES, timeout=INTERVAL * FAILURES + TIMEOUT + SLACK)
    # every rec query now goes to rec2 (a new EDNS payload size each time
    # keeps the packet cache out of it)
    for i in range(5):
        r = ask(fe, "whoami.test.", "TXT", payload=1300 + i)
        assert r.answer[0][0].strings[0] == b"rec2"
    rec1.resume()
    fe.log.wait_for(change(rec1, "DOWN", "UP") + r" \(%d consecutive successes\)" % RISE,
                    timeout=INTERVAL * RISE + TIMEOUT + SLACK)
    assert rec2.running()


def test_stopped_auth_backend_fails_only_its_zone(fe, lab):
    auth = lab["auth1"]
    fe.log.mark()
    auth.pause()
    try:
        fe.log.wait_for(change(auth, "UP", "DOWN"), timeout=INTERVAL + TIMEOUT + SLACK)
        with pytest.raises(dns.exception.Timeout):
            ask(fe, "www.zaibdns.lab.", timeout=1)
        r = ask(fe, "google.com.", payload=1400)
        assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == "127.0.53.1"
        assert ask(fe, "example.net.").rcode() == dns.rcode.NOERROR
    finally:
        auth.resume()
    fe.log.wait_for(change(auth, "DOWN", "UP"), timeout=INTERVAL + TIMEOUT + SLACK)
    assert ask(fe, "www.zaibdns.lab.").flags & dns.flags.AA
