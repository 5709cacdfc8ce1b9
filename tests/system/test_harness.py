"""Tests of the system-test harness itself: the servers answer what their
configuration says, stop/pause really stop answering, namespaces are linked
and deleted. Expected answers come from the zone file, not from constants."""
import socket
import subprocess
import sys
import threading
import time

import dns.flags
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from fixtures import procs
from fixtures.logwatch import LogTimeout, LogWatch
from fixtures.netns import NetnsLab, list_netns, unavailable_reason
from fixtures.ports import free_port, port_is_free
from fixtures.servers import DEFAULT_REC_NAMES, ZAIBDNS_ZONE, Nsd, ServerError, Unbound

ROOT = ZAIBDNS_ZONE.parents[4]


def zone_a(name):
    """The A addresses of name (relative to zaibdns.lab) in the zone file."""
    z = dns.zone.from_file(str(ZAIBDNS_ZONE), origin="zaibdns.lab.", relativize=True)
    return sorted(r.address for r in z.find_rdataset(name, "A"))


def addrs(resp, rdtype="A"):
    """Sorted addresses of the answer's rdtype records."""
    return sorted(r.address for rrset in resp.answer
                  if rrset.rdtype == dns.rdatatype.from_text(rdtype) for r in rrset)


# -- ports ------------------------------------------------------------------

def test_free_port_is_free_for_udp_and_tcp(free_port):
    port = free_port()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        u.bind(("127.0.0.1", port))
        t.bind(("127.0.0.1", port))
        assert not port_is_free(port)
    finally:
        u.close()
        t.close()
    assert port_is_free(port)


def test_free_port_counts_up_past_a_taken_port():
    start = free_port()
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # UDP only
    taken.bind(("127.0.0.1", start))
    try:
        got = free_port(start=start)
        assert got > start and port_is_free(got)
    finally:
        taken.close()


def test_free_port_on_another_loopback_address(servers):
    port = free_port("127.0.0.2")
    auth = servers.nsd(addr="127.0.0.2", port=port)
    assert addrs(auth.query("www.zaibdns.lab")) == zone_a("www")
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("www.zaibdns.lab", "A"), "127.0.0.1",
                      port=port, timeout=0.3)


# -- NSD ------------------------------------------------------------------

def test_nsd_answers_the_guides_zone_authoritatively(nsd_auth):
    for name in ("www", "portal", "ns1"):
        r = nsd_auth.query(name + ".zaibdns.lab", "A")
        assert r.rcode() == dns.rcode.NOERROR
        assert r.flags & dns.flags.AA
        assert addrs(r) == zone_a(name)
    ns = nsd_auth.query("zaibdns.lab", "NS")
    assert [r.target.to_text() for rrset in ns.answer for r in rrset] == ["ns1.zaibdns.lab."]


def test_nsd_over_tcp(nsd_auth):
    r = nsd_auth.query("portal.zaibdns.lab", "A", tcp=True)
    assert r.flags & dns.flags.AA
    assert addrs(r) == zone_a("portal")


def test_nsd_denies_other_names_like_the_guides_auth(nsd_auth):
    nx = nsd_auth.query("nosuch.zaibdns.lab", "A")
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert nx.authority and nx.authority[0].rdtype == dns.rdatatype.SOA
    # "dig @AUTH google.com: it should FAIL" (no recursion on the auth server)
    other = nsd_auth.query("google.com", "A")
    assert other.rcode() == dns.rcode.REFUSED and not other.answer


# -- Unbound stand-in ---------------------------------------------------------

def test_unbound_stand_in_answers_google_com_with_ra(unbound_rec):
    rec = unbound_rec()
    r = rec.query("google.com", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.RA
    want = sorted(x.split()[1] for x in DEFAULT_REC_NAMES["google.com."] if x.startswith("A "))
    assert addrs(r) == want
    assert rec.query("no-such-name.org", "A").rcode() == dns.rcode.NXDOMAIN


def test_unbound_custom_names_redirects_and_identity(unbound_rec):
    rec = unbound_rec("recx", names={"a.test": ["A 127.1.2.3"]},
                      redirects={"wild.test": ["A 127.4.5.6"]})
    assert addrs(rec.query("a.test")) == ["127.1.2.3"]
    assert addrs(rec.query("deep.under.wild.test")) == ["127.4.5.6"]
    assert rec.query("google.com").rcode() == dns.rcode.NXDOMAIN  # names replaced defaults
    txt = rec.query("whoami.test", "TXT").answer[0][0].strings
    assert txt == (b"recx",)


def test_unbound_resolves_zaibdns_lab_through_the_nsd_stub(nsd_auth, unbound_rec):
    rec = unbound_rec(stubs={"zaibdns.lab": nsd_auth})
    via_rec = rec.query("www.zaibdns.lab", "A")
    direct = nsd_auth.query("www.zaibdns.lab", "A")
    assert via_rec.rcode() == dns.rcode.NOERROR
    assert via_rec.answer == direct.answer          # differential check
    assert via_rec.flags & dns.flags.RA and not via_rec.flags & dns.flags.AA
    assert rec.query("nosuch.zaibdns.lab").rcode() == dns.rcode.NXDOMAIN


def test_a_bad_config_fails_start_with_the_log_tail(tmp_path):
    srv = Unbound(tmp_path / "bad", extra=["no-such-option-here: yes"])
    with pytest.raises(ServerError) as err:
        srv.start()
    assert "no-such-option-here" in str(err.value)
    assert not srv.running() and srv.pid not in procs.live_pids()


# -- Knot -------------------------------------------------------------------

def test_knot_answers_its_zone_like_nsd(knot_auth, nsd_auth):
    for name in ("www.zaibdns.lab", "portal.zaibdns.lab", "zaibdns.lab"):
        for rdtype in ("A", "NS", "SOA"):
            k = knot_auth.query(name, rdtype)
            n = nsd_auth.query(name, rdtype)
            assert k.rcode() == n.rcode(), (name, rdtype)
            assert k.answer == n.answer, (name, rdtype)
    assert knot_auth.query("www.zaibdns.lab").flags & dns.flags.AA
    assert addrs(knot_auth.query("www.zaibdns.lab", tcp=True)) == zone_a("www")


# -- life cycle -------------------------------------------------------------

def test_stop_really_stops_the_process_and_frees_the_port(nsd_auth):
    pid, port = nsd_auth.pid, nsd_auth.port
    assert procs.pid_exists(pid)
    watch = LogWatch(nsd_auth.log_path)
    nsd_auth.stop()
    assert not procs.pid_exists(pid)
    assert pid not in procs.live_pids()
    watch.wait_for(r"shutting down", timeout=2)
    with pytest.raises(dns.exception.Timeout):
        nsd_auth.query("www.zaibdns.lab", timeout=0.3)
    with pytest.raises(OSError):
        nsd_auth.query("www.zaibdns.lab", tcp=True, timeout=0.3)
    assert port_is_free(port)


def test_pause_makes_queries_time_out_and_resume_restores(nsd_auth):
    nsd_auth.pause()
    try:
        with pytest.raises(dns.exception.Timeout):
            nsd_auth.query("www.zaibdns.lab", timeout=0.3)
    finally:
        nsd_auth.resume()
    assert addrs(nsd_auth.query("www.zaibdns.lab", timeout=2)) == zone_a("www")


def test_restart_keeps_address_and_port(unbound_rec):
    rec = unbound_rec()
    old_pid, port = rec.pid, rec.port
    rec.restart()
    assert rec.port == port and rec.pid != old_pid
    assert not procs.pid_exists(old_pid)
    assert rec.query("google.com").rcode() == dns.rcode.NOERROR


def test_atexit_net_kills_servers_a_crashed_run_left(tmp_path):
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from fixtures.servers import Nsd\n"
            "s = Nsd(%r).start(); print(s.pid, flush=True)\n" % (
                str(ROOT / "tests" / "system"), str(tmp_path / "orphan")))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 3
    while procs.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not procs.pid_exists(pid)


# -- the guide's backends -----------------------------------------------------

def test_backends_fixture_is_the_guides_lab(backends):
    assert sorted(backends) == ["auth1", "rec1", "rec2"]
    assert len({s.port for s in backends.values()}) == 3
    auth = backends["auth1"]
    for rec in ("rec1", "rec2"):
        r = backends[rec]
        assert r.query("google.com").answer                     # health-check name
        assert r.query("www.zaibdns.lab").answer == auth.query("www.zaibdns.lab").answer
        assert r.query("whoami.test", "TXT").answer[0][0].strings == (rec.encode(),)


def test_lab_backends_cli_check(tmp_path):
    base = free_port()
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "lab_backends.py"), "--check",
                          "--workdir", str(tmp_path), "--base-port", str(base)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "auth1  nsd      127.0.0.1:%d" % base in out.stdout
    assert "pool=\"rec\"" in out.stdout and "backends stopped" in out.stdout


# -- logwatch ---------------------------------------------------------------

def test_logwatch_waits_for_new_lines_only(tmp_path, logwatch):
    log = tmp_path / "x.log"
    log.write_text("old: backend rec1 DOWN\n")
    w = logwatch(log)
    with pytest.raises(LogTimeout):
        w.wait_for(r"rec1 DOWN", timeout=0.2)          # only before the mark

    def later():
        time.sleep(0.2)
        with open(log, "a") as f:
            f.write("backend rec1 UP -> DOWN (3 consecutive timeouts)\n")
    t = threading.Thread(target=later)
    t.start()
    m = w.wait_for(r"UP -> DOWN \((\d+) consecutive", timeout=5)
    t.join()
    assert m.group(1) == "3"
    with pytest.raises(LogTimeout):
        w.wait_for(r"UP -> DOWN", timeout=0.1)         # consumed
    w.absent(r"DOWN", duration=0.1)
    assert logwatch(log, from_start=True).wait_for(r"^old:", timeout=0.1)


# -- network namespaces -----------------------------------------------------

def test_netns_veth_link_carries_dns(netns, tmp_path):
    a, b = netns.add("dd1"), netns.add("auth1")
    netns.link(a, b, "198.18.0.1/24", "198.18.0.2/24")
    assert a.ip == "198.18.0.1" and b.ip == "198.18.0.2"
    auth = Nsd(tmp_path / "auth", addr=b.ip, port=53, netns=b).start()
    try:
        # from a python thread inside a, and from a separate process (dig)
        r = a.call(dns.query.udp, dns.message.make_query("www.zaibdns.lab", "A"),
                   b.ip, port=53, timeout=2)
        assert addrs(r) == zone_a("www") and r.flags & dns.flags.AA
        dig = a.run(["dig", "+short", "+time=2", "+tries=1", "@" + b.ip, "portal.zaibdns.lab"])
        assert dig.stdout.split() == zone_a("portal")
        assert "198.18.0.2" not in subprocess.run(["ip", "-4", "addr"], capture_output=True,
                                                  text=True).stdout   # not in the host
    finally:
        auth.stop()


def test_netns_bridge_joins_three_hosts(netns, tmp_path):
    hosts = [netns.add(r) for r in ("c1", "c2", "srv")]
    netns.bridge(hosts)
    srv = hosts[2]
    echo = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind((%r, 7007))\n"
            "while True:\n  d, a = s.recvfrom(512); s.sendto(d[::-1], a)\n" % srv.ip)
    proc = srv.popen([sys.executable, "-c", echo], tmp_path / "echo.log")

    def ask(payload):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            for _ in range(25):                 # the echo server may still be starting
                s.sendto(payload, (srv.ip, 7007))
                try:
                    return s.recvfrom(512)[0]
                except socket.timeout:
                    continue
        finally:
            s.close()
    assert hosts[0].call(ask, b"abc") == b"cba"
    assert hosts[1].call(ask, b"xyz") == b"zyx"
    netns.teardown()
    assert proc.poll() is not None
    assert not any(h.name in list_netns() for h in hosts)


@pytest.mark.netns
def test_netns_teardown_after_a_failure_removes_everything(tmp_path):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with pytest.raises(RuntimeError, match="boom"):
        with NetnsLab() as lab:
            a, b = lab.add("x"), lab.add("y")
            lab.link(a, b)
            names = [a.name, b.name]
            assert all(n in list_netns() for n in names)
            sleeper = a.popen(["sleep", "30"], tmp_path / "sleep.log")
            raise RuntimeError("boom")
    assert not any(n in list_netns() for n in names)
    assert sleeper.poll() is not None and not procs.pid_exists(sleeper.pid)
