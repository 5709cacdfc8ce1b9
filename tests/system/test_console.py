# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The console (issue 4): `dnsgate -c -e` against a running frontend with
two Unbound backends, each command's output checked against the traffic
the test sent; run-time changes (setDown, addAction/rmRule/mvRule, setACL/
addACL) checked on the traffic that follows; dnsdist's own client driving
dnsgate and dnsgate's client driving a real dnsdist (Debian's 1.7.3, on
loopback, stopped by PID); a wrong key and a missing key refused, logged
and counted; shutdown().
"""
import base64
import os
import re
import shutil
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from fixtures import procs
from fixtures.ports import free_port
from fixtures.servers import Unbound
from frontend_lab import DNSGATE, Frontend

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()
DNSDIST = shutil.which("dnsdist")


def rec(tmp_path, i):
    """Unbound stand-in i: every name under spread.lab. -> 127.0.0.(10+i)."""
    who = "127.0.0.%d" % (10 + i)
    return Unbound(tmp_path / ("rec%d" % i), name="rec%d" % i, names={"whoami.lab.": ["A " + who]},
                   redirects={"spread.lab.": ["A " + who]}).start()


@pytest.fixture
def lab(tmp_path):
    """dnsgate with a console, rec1 (order 1) and rec2 (order 2) in pool
    "rec" behind firstAvailable and a packet cache, all traffic to "rec"."""
    r1, r2 = rec(tmp_path, 1), rec(tmp_path, 2)
    cport = free_port()
    lua = """
setLocal("127.0.0.1:{port}")
controlSocket("127.0.0.1:{cport}")
setKey("{key}")
setServerPolicy(firstAvailable)
newServer{{address="127.0.0.1:{r1}", name="rec1", pool="rec", order=1}}
newServer{{address="127.0.0.1:{r2}", name="rec2", pool="rec", order=2}}
pc = newPacketCache(1000)
getPool("rec"):setCache(pc)
addAction(AllRule(), PoolAction("rec"))
"""
    fe = Frontend(tmp_path / "fe", lua, cport=cport, key=KEY, r1=r1.port, r2=r2.port).start()
    fe.cport = cport
    yield fe
    fe.stop()
    r1.stop()
    r2.stop()


def console(fe, cmd, key=None, check=True, timeout=10):
    """dnsgate -c -C <the frontend's file> -e cmd; returns stdout."""
    args = [str(DNSGATE), "-C", str(fe.conf_path), "-c", "-e", cmd]
    if key:
        args[1:1] = ["-k", key]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, p.stderr
    return p.stdout if check else p


def who(resp):
    return int(resp.answer[0][0].address.rsplit(".", 1)[1]) - 10


def server_row(out, name):
    """showServers()'s row of a server as a dict of its columns."""
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 13 and f[1] == name:
            keys = ["idx", "name", "addr", "state", "qps", "qlim", "ord", "wt", "queries",
                    "drops", "drate", "lat", "out"]
            row = dict(zip(keys, f))
            row["pools"] = f[13:]
            return row
    raise AssertionError("no row for %s in:\n%s" % (name, out))


def top_counts(out):
    """{key: count} of a top* output, "Rest" included."""
    got = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+(\S+)\s+(\d+)\s+([\d.]+)%", line)
        if m:
            got[m.group(2)] = int(m.group(3))
    return got


def test_show_commands_match_traffic(lab):
    sent = {"top.spread.lab.": 5, "mid.spread.lab.": 3, "low.spread.lab.": 1}
    for name, n in sent.items():
        for _ in range(n):
            r = lab.query(name)
            assert r.rcode() == dns.rcode.NOERROR and who(r) == 1
    misses, hits = len(sent), sum(sent.values()) - len(sent)

    out = console(lab, "showServers()")
    head = out.splitlines()[0].split()
    assert head == ["#", "Name", "Address", "State", "Qps", "Qlim", "Ord", "Wt", "Queries",
                    "Drops", "Drate", "Lat", "Outstanding", "Pools"]
    r1, r2 = server_row(out, "rec1"), server_row(out, "rec2")
    # only cache misses reach a backend, and firstAvailable sends them to rec1
    assert int(r1["queries"]) == misses and int(r2["queries"]) == 0
    assert r1["state"] == "up" and r1["ord"] == "1" and r2["ord"] == "2"
    assert r1["pools"] == ["rec"] and float(r1["lat"]) > 0
    assert re.search(r"^All\s+[\d.]+\s+%d\s+0\s*$" % misses, out, re.M), out

    stats = console(lab, 'getPool("rec"):getCache():printStats()')
    assert "Hits: %d\n" % hits in stats and "Misses: %d\n" % misses in stats
    assert "Entries: %d/1000" % misses in stats
    counts = console(lab, "showCacheHitResponseCounts()")
    row = [l.split() for l in counts.splitlines() if l.startswith("rec ")][0]
    assert row[1:4] == [str(hits), str(misses), str(misses)]
    assert row[4] == "%.1f%%" % (100.0 * hits / (hits + misses))

    tq = top_counts(console(lab, "topQueries(2)"))
    assert tq == {"top.spread.lab.": 5, "mid.spread.lab.": 3, "Rest": 1}
    assert top_counts(console(lab, "topClients(5)")) == {"127.0.0.1": 9, "Rest": 0}
    tr = top_counts(console(lab, "topResponses(10, 0)"))
    assert {k: v for k, v in tr.items() if k != "Rest"} == sent
    assert top_counts(console(lab, "topResponses(10, 3)")) == {"Rest": 0}

    dump = console(lab, "dumpStats()")
    st = dict(re.findall(r"([a-z0-9-]+)\s*\t\s*([\d.]+)", dump))
    assert int(st["queries"]) == 9 and int(st["cache-hits"]) == hits
    assert int(st["cache-misses"]) == misses and int(st["frontend-noerror"]) == 9

    pools = console(lab, "showPools()")
    assert re.search(r"^rec\s+%d/1000\s+firstAvailable\s+rec1 127\.0\.0\.1:\d+, rec2 " % misses,
                     pools, re.M), pools
    rules = console(lab, "showRules()")
    assert re.search(r"^0\s+9\s+All\s+to pool rec", rules, re.M), rules
    assert console(lab, "showVersion()").startswith("dnsgate ")
    acl = console(lab, "showACL()").split()
    assert "127.0.0.0/8" in acl and "::1/128" in acl and len(acl) == 9
    assert console(lab, "1+1") == "2\n"
    assert console(lab, "getServer(1)") == "rec2\n"
    assert console(lab, "nosuch()").startswith("Error: ")


def test_setdown_moves_traffic(lab):
    assert who(lab.query("a1.spread.lab.")) == 1
    console(lab, "getServer(0):setDown()")
    out = console(lab, "showServers()")
    assert server_row(out, "rec1")["state"] == "DOWN"
    for i in range(5):
        assert who(lab.query("b%d.spread.lab." % i)) == 2
    out = console(lab, "showServers()")
    assert int(server_row(out, "rec2")["queries"]) == 5
    assert int(server_row(out, "rec1")["queries"]) == 1
    console(lab, "getServer(0):setAuto()")
    assert server_row(console(lab, "showServers()"), "rec1")["state"] == "up"
    assert who(lab.query("c1.spread.lab.")) == 1
    console(lab, "getServer(1):setUp()")
    assert server_row(console(lab, "showServers()"), "rec2")["state"] == "UP"


def test_runtime_rules(lab):
    assert lab.query("blocked.spread.lab.").rcode() == dns.rcode.NOERROR
    out = console(lab, 'addAction(QNameRule("blocked.spread.lab."), RCodeAction(DNSRCode.REFUSED), {name="block"})')
    assert out == ""
    rules = console(lab, "showRules()")
    assert re.search(r"^1\s+block\s+0\s+qname==blocked\.spread\.lab\.", rules, re.M), rules
    # appended after the terminal All -> pool rule: it never runs
    assert lab.query("blocked.spread.lab.").rcode() == dns.rcode.NOERROR
    console(lab, "mvRule(1, 0)")
    assert lab.query("blocked.spread.lab.").rcode() == dns.rcode.REFUSED
    rules = console(lab, "showRules()")
    assert re.search(r"^0\s+block\s+1\s", rules, re.M), rules
    assert re.search(r"^1\s+2\s+All\s+to pool rec", rules, re.M), rules
    console(lab, 'rmRule("block")')
    assert "block" not in console(lab, "showRules()")
    assert lab.query("blocked.spread.lab.").rcode() == dns.rcode.NOERROR
    # pools cannot be created at run time: said so, nothing changed
    out = console(lab, 'addAction(AllRule(), PoolAction("nosuchpool"))')
    assert out.startswith("Error: ") and "cannot be created at run time" in out
    assert console(lab, "showRules()").count("\n") == 2
    assert "cannot be used at run time" in console(lab, 'newServer{address="127.0.0.1:1"}')


def test_runtime_acl(lab):
    assert lab.query("acl1.spread.lab.").rcode() == dns.rcode.NOERROR
    console(lab, 'setACL({"10.0.0.0/8"})')
    assert console(lab, "showACL()") == "10.0.0.0/8\n"
    with pytest.raises(dns.exception.Timeout):
        lab.query("acl2.spread.lab.", timeout=0.5)
    console(lab, 'addACL("127.0.0.1/32")')
    assert lab.query("acl3.spread.lab.").rcode() == dns.rcode.NOERROR
    st = dict(re.findall(r"([a-z0-9-]+)\s*\t\s*([\d.]+)", console(lab, "dumpStats()")))
    assert int(st["acl-drops"]) == 1


def test_wrong_key_refused_and_counted(lab):
    p = console(lab, "showVersion()", key=OTHER_KEY, check=False)
    assert p.returncode != 0 and "key mismatch" in p.stderr
    lab.log.wait_for(r"closing the connection from 127\.0\.0\.1:\d+: console message fails "
                     r"authentication", timeout=5)
    st = dict(re.findall(r"([a-z0-9-]+)\s*\t\s*([\d.]+)", console(lab, "dumpStats()")))
    assert int(st["console-auth-failures"]) == 1


def test_interactive_console(lab):
    p = subprocess.run([str(DNSGATE), "-C", str(lab.conf_path), "-c"], input="showVersion()\n\nquit\n",
                       capture_output=True, text=True, timeout=10, env=dict(os.environ, HOME=str(lab.workdir)))
    assert p.returncode == 0 and "dnsgate " in p.stdout
    assert (lab.workdir / ".dnsgate_history").read_text().splitlines() == ["showVersion()", "quit"]


def test_shutdown_stops_cleanly(lab):
    console(lab, "shutdown()")
    assert lab.proc.wait(10) == 0
    assert "stopped:" in lab.log_text()


def test_no_key_refuses_and_says_why(tmp_path):
    cport = free_port()
    fe = Frontend(tmp_path / "fe", 'setLocal("127.0.0.1:{port}")\ncontrolSocket("127.0.0.1:{cport}")\n',
                  cport=cport).start()
    try:
        assert "no key has been set with setKey()" in fe.log_text()
        p = subprocess.run([str(DNSGATE), "-c", "-k", KEY, "127.0.0.1:%d" % cport, "-e", "showVersion()"],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode != 0
        fe.log.wait_for(r"refused control connection from 127\.0\.0\.1:\d+: no key is set", timeout=5)
    finally:
        assert fe.stop() == 0


@pytest.mark.skipif(DNSDIST is None, reason="dnsdist is not installed")
def test_dnsdist_client_drives_dnsgate(lab, tmp_path):
    lab.query("dd.spread.lab.")
    conf = tmp_path / "client.conf"
    conf.write_text('setKey("%s")\ncontrolSocket("127.0.0.1:%d")\n' % (KEY, lab.cport))
    p = subprocess.run([DNSDIST, "-C", str(conf), "-c", "-e", "showServers()"], capture_output=True,
                       text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    assert int(server_row(p.stdout, "rec1")["queries"]) == 1
    p = subprocess.run([DNSDIST, "-C", str(conf), "-c"], input="getServer(0):setDown()\nshowServers()\n",
                       capture_output=True, text=True, timeout=10)
    assert server_row(p.stdout, "rec1")["state"] == "DOWN"
    assert who(lab.query("dd2.spread.lab.")) == 2


@pytest.mark.skipif(DNSDIST is None, reason="dnsdist is not installed")
def test_dnsgate_client_drives_dnsdist(tmp_path):
    cport, port = free_port(), free_port()
    conf = tmp_path / "dnsdist.conf"
    conf.write_text('setKey("%s")\ncontrolSocket("127.0.0.1:%d")\nsetLocal("127.0.0.1:%d")\n'
                    'newServer{address="127.0.0.1:1", name="nowhere"}\n' % (KEY, cport, port))
    log = tmp_path / "dnsdist.log"
    proc = procs.spawn([DNSDIST, "--supervised", "--disable-syslog", "-C", conf], log, cwd=tmp_path)
    try:
        out = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            p = subprocess.run([str(DNSGATE), "-C", str(conf), "-c", "-e", "showVersion()"],
                               capture_output=True, text=True, timeout=10)
            out = p.stdout
            if p.returncode == 0 and out:
                break
            time.sleep(0.2)
        assert out.startswith("dnsdist 1.7.3"), out + procs.log_tail(log)
        out = subprocess.run([str(DNSGATE), "-c", "-k", KEY, "127.0.0.1:%d" % cport, "-e", "showServers()"],
                             capture_output=True, text=True, timeout=10).stdout
        assert server_row(out, "nowhere")["addr"] == "127.0.0.1:1"
        p = subprocess.run([str(DNSGATE), "-c", "-k", OTHER_KEY, "127.0.0.1:%d" % cport, "-e", "showVersion()"],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode != 0 and "key mismatch" in p.stderr
    finally:
        procs.terminate(proc)


def test_runtime_changes_while_the_web_server_reads(tmp_path):
    """The console replaces rule chains and the ACL while the web server
    renders them (/metrics rule hits, the API's rules and acl): both hold
    the configuration's control lock, so neither sees a freed chain (the
    ASan build turns a miss into a failure)."""
    import threading
    import urllib.request
    cport, wport = free_port(), free_port()
    lua = """
setLocal("127.0.0.1:{port}")
controlSocket("127.0.0.1:{cport}")
setKey("{key}")
webserver("127.0.0.1:{wport}")
setWebserverConfig({{apiKey="k", password="p"}})
newServer{{address="127.0.0.1:1", name="nowhere"}}
"""
    fe = Frontend(tmp_path / "fe", lua, cport=cport, wport=wport, key=KEY).start()
    stop = threading.Event()
    fetched = []

    def scrape():
        while not stop.is_set() and len(fetched) < 2000:
            for path in ("/metrics", "/api/v1/servers/localhost"):
                req = urllib.request.Request("http://127.0.0.1:%d%s" % (wport, path),
                                             headers={"X-API-Key": "k"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    fetched.append(r.status)
    t = threading.Thread(target=scrape)
    t.start()
    try:
        script = "; ".join(['addAction("x%d.example.", DropAction(), {name="r%d"})' % (i, i)
                            for i in range(20)] +
                           ['rmRule("r%d")' % i for i in range(20)] +
                           ['addACL("10.%d.0.0/16")' % i for i in range(20)])
        for _ in range(5):
            assert console(fe, script) == ""
    finally:
        stop.set()
        t.join(30)
    assert fetched and set(fetched) == {200}
    assert fe.proc.poll() is None
    assert "10.19.0.0/16" in console(fe, "showACL()")
    assert fe.stop() == 0


def test_verbose_health_checks_at_run_time(tmp_path):
    """setVerboseHealthChecks from the console: failed checks of a dead
    backend are logged one by one once it is on, and no more once off."""
    cport = free_port()
    lua = """
setLocal("127.0.0.1:{port}")
controlSocket("127.0.0.1:{cport}")
setKey("{key}")
newServer{{address="127.0.0.1:1", name="dead", checkInterval=1}}
"""
    fe = Frontend(tmp_path / "fe", lua, cport=cport, key=KEY).start()
    try:
        fe.log.wait_for(r"backend .*dead.* UP -> DOWN", timeout=10)
        time.sleep(1.5)
        assert "health check of backend dead failed" not in fe.log_text()
        assert console(fe, "setVerboseHealthChecks(true)") == ""
        fe.log.wait_for(r"health check of backend dead failed", timeout=5)
        fe.log.wait_for(r"health check of backend dead failed", timeout=5)
        console(fe, "setVerboseHealthChecks(false)")
        time.sleep(0.5)  # a check in progress may still report
        n = fe.log_text().count("health check of backend dead failed")
        time.sleep(2.5)
        assert fe.log_text().count("health check of backend dead failed") == n
    finally:
        assert fe.stop() == 0


@pytest.mark.slow
def test_runaway_command_is_stopped(lab):
    """A loop typed on the console is stopped after 10 s (it holds the lock
    the web server takes); the console and the data plane keep working."""
    t0 = time.monotonic()
    out = console(lab, "while true do end", timeout=30)
    assert out.startswith("Error: ") and "was stopped" in out
    assert 9 < time.monotonic() - t0 < 20
    assert lab.query("after.spread.lab.").rcode() == dns.rcode.NOERROR
    assert console(lab, "1+1") == "2\n"
