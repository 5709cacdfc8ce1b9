# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Per-query Lua (issue 6): LuaAction, LuaRule and LuaResponseAction run in
one Lua state per worker, built by replaying the configuration file, so
the functions keep the upvalues the file gave them (a local NMG here).

Each Unbound stand-in answers whoami.lab. A with its own address
(127.0.0.10 + i), so an answer tells which backend served it.
"""
import re

import dns.message
import dns.query
import dns.rcode
import pytest

from fixtures.servers import Unbound
from frontend_lab import Frontend


def rec(tmp_path, i):
    who = "127.0.0.%d" % (10 + i)
    names = {"whoami.lab.": ["A " + who], "example.com.": ["A 127.0.53.3"],
             "cached.lab.": ["A 127.0.53.4"], "nocache.lab.": ["A 127.0.53.5"]}
    return Unbound(tmp_path / ("rec%d" % i), name="rec%d" % i, names=names).start()


@pytest.fixture
def two_recs(tmp_path):
    started = [rec(tmp_path, 1), rec(tmp_path, 2)]
    yield started
    for r in started:
        r.stop()


def query_from(fe, src, name, rdtype="A"):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=2, source=src)


LUA_CONF = '''
setLocal("127.0.0.1:{port}")
setMaxUDPOutstanding(1000)
newServer{{address="127.0.0.1:{p1}", name="rec1", pool="a"}}
newServer{{address="127.0.0.1:{p2}", name="rec2", pool="b"}}
getPool("a"):setCache(newPacketCache(1000))
-- an upvalue: the worker states must rebuild it by replaying this file
local second = newNMG()
second:addMask("127.0.0.2/32")
addAction(AllRule(), LuaAction(function(dq)
  if dq.qname:toString() == "spoof.lab." then
    return DNSAction.Spoof, "192.0.2.77"
  end
  if dq.qname:isPartOf(newDNSName("nocache.lab")) then
    dq:setTag("cache", "no")
  end
  return DNSAction.None
end))
addAction(AllRule(), LuaAction(function(dq)
  if dq:getTag("cache") == "no" then dq.skipCache = true end
  return DNSAction.None
end))
addAction(LuaRule(function(dq) return dq.qtype == DNSQType.TXT and dq.tcp == false end),
          RCodeAction(DNSRCode.NOTIMP))
addAction(AllRule(), LuaAction(function(dq)
  if second:match(dq.remoteaddr) then return DNSAction.Pool, "b" end
  return DNSAction.Pool, "a"
end))
addResponseAction(AllRule(), LuaResponseAction(function(dr)
  if dr.qname:toString() == "example.com." then dr.rcode = DNSRCode.REFUSED end
  return DNSResponseAction.None
end))
'''


def test_lua_action_rule_and_response(tmp_path, two_recs):
    r1, r2 = two_recs
    fe = Frontend(tmp_path / "fe", LUA_CONF, p1=r1.port, p2=r2.port).start()
    try:
        # routes by client address (the NMG upvalue survived the replay)
        a = query_from(fe, "127.0.0.1", "whoami.lab.")
        b = query_from(fe, "127.0.0.2", "whoami.lab.")
        assert a.answer[0][0].address == "127.0.0.11"
        assert b.answer[0][0].address == "127.0.0.12"
        # spoofs
        s = fe.query("spoof.lab.", "A")
        assert s.rcode() == dns.rcode.NOERROR
        assert s.answer[0][0].address == "192.0.2.77"
        # a LuaRule
        assert fe.query("whoami.lab.", "TXT").rcode() == dns.rcode.NOTIMP
        assert fe.query("whoami.lab.", "TXT", tcp=True).rcode() != dns.rcode.NOTIMP
        # a LuaResponseAction rewrites the backend's NOERROR
        assert fe.query("example.com.", "A").rcode() == dns.rcode.REFUSED
        # the cache: cached.lab twice is one miss then one hit; the tagged
        # nocache.lab skips the cache both times (neither hit nor miss)
        for name in ("cached.lab.", "cached.lab.", "nocache.lab.", "nocache.lab."):
            assert fe.query(name, "A").rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    stats = re.search(r"stopped: .*", fe.log_text()).group(0)
    hits = int(re.search(r"cache-hits=(\d+)", stats).group(1))
    misses = int(re.search(r"cache-misses=(\d+)", stats).group(1))
    # whoami.lab. from 127.0.0.1 and example.com. also went through pool a:
    # misses are those two, cached.lab once; hits only cached.lab's second
    assert hits == 1, stats
    assert misses == 4, stats


def test_lua_error_answers_servfail_and_is_logged(tmp_path, two_recs):
    r1, _ = two_recs
    fe = Frontend(tmp_path / "fe", '''
setLocal("127.0.0.1:{port}")
newServer{{address="127.0.0.1:{p1}", name="rec1"}}
addAction(AllRule(), LuaAction(function(dq) error("boom") end))
''', p1=r1.port).start()
    try:
        assert fe.query("whoami.lab.", "A").rcode() == dns.rcode.SERVFAIL
        fe.log.wait_for(r"LuaAction failed on worker \d+: .*boom", timeout=5)
    finally:
        assert fe.stop() == 0


def test_replay_must_make_the_same_functions(tmp_path, two_recs):
    """A file that makes a different number of Lua functions on each run
    cannot be replayed: the daemon refuses to start and says why."""
    r1, _ = two_recs
    fe = Frontend(tmp_path / "fe", '''
setLocal("127.0.0.1:{port}")
newServer{{address="127.0.0.1:{p1}", name="rec1"}}
local f = io.open("{marker}", "r")
if f then f:close()
else
  local g = io.open("{marker}", "w") g:close()
  addAction(AllRule(), LuaAction(function(dq) return DNSAction.None end))
end
''', p1=r1.port, marker=str(tmp_path / "marker"))
    with pytest.raises(AssertionError):
        fe.start(timeout=5)
    assert re.search(r"replay made 0 Lua functions, the load 1", fe.log_text())


MORE_CONF = '''
setLocal("127.0.0.1:{port}")
newServer{{address="127.0.0.1:{p1}", name="rec1"}}
getPool(""):setCache(newPacketCache(100))
addAction(QNameRule("slow.lab."), DelayAction(300))
addAction(QNameRule("slow.lab."), SpoofAction("192.0.2.1"))
addAction(QNameLabelsCountRule(1, 4), RCodeAction(DNSRCode.REFUSED))
addAction(QNameWireLengthRule(1, 40), RCodeAction(DNSRCode.NOTIMP))
addAction(QNameRule("neg.lab."), NegativeAndSOAAction(true, "lab.", 300, "ns.lab.",
          "hostmaster.lab.", 7, 3600, 600, 86400, 60))
addAction(QNameRule("cd.lab."), ContinueAction(SetDisableValidationAction()))
addAction(AndRule{{QNameRule("cd.lab."), LuaRule(function(dq) return dq.dh:getCD() end)}},
          SpoofAction("192.0.2.2"))
addSelfAnsweredResponseAction(QNameRule("self.lab."), LuaResponseAction(function(dr)
  dr.rcode = DNSRCode.NXDOMAIN
  return DNSResponseAction.None
end))
addAction(QNameRule("self.lab."), SpoofAction("192.0.2.3"))
addResponseAction(QNameRule("example.com."), SetSkipCacheResponseAction())
addResponseAction(QNameRule("whoami.lab."), DelayResponseAction(250))
'''


def test_delay_negsoa_and_other_issue6_actions(tmp_path, two_recs):
    import time
    r1, _ = two_recs
    fe = Frontend(tmp_path / "fe", MORE_CONF, p1=r1.port).start()
    try:
        t = time.monotonic()
        a = fe.query("slow.lab.", "A")
        assert a.answer[0][0].address == "192.0.2.1"
        assert time.monotonic() - t >= 0.28, "DelayAction held the spoofed answer"
        t = time.monotonic()
        assert fe.query("whoami.lab.", "A").rcode() == dns.rcode.NOERROR
        assert time.monotonic() - t >= 0.23, "DelayResponseAction held the backend's answer"
        # more than 4 labels: QNameLabelsCountRule(1, 4) matches outside [1, 4]
        assert fe.query("a.b.c.d.e.lab.", "A").rcode() == dns.rcode.REFUSED
        assert fe.query("a-rather-long-name-for-the-wire-length-rule.lab.", "A").rcode() == \
            dns.rcode.NOTIMP
        n = fe.query("neg.lab.", "A")
        assert n.rcode() == dns.rcode.NXDOMAIN and not n.answer
        soa = n.authority[0]
        assert soa.name.to_text() == "lab." and soa.ttl == 300
        assert soa[0].serial == 7 and soa[0].minimum == 60
        assert soa[0].mname.to_text() == "ns.lab."
        c = fe.query("cd.lab.", "A")
        assert c.answer[0][0].address == "192.0.2.2", "ContinueAction set CD and went on"
        s = fe.query("self.lab.", "A")
        assert s.rcode() == dns.rcode.NXDOMAIN, "addSelfAnsweredResponseAction ran"
        for _ in range(2):
            assert fe.query("example.com.", "A").rcode() == dns.rcode.NOERROR
    finally:
        assert fe.stop() == 0
    stats = re.search(r"stopped: .*", fe.log_text()).group(0)
    # example.com. twice: never inserted (SetSkipCacheResponseAction): no hit
    assert "cache-hits=0" in stats, stats
