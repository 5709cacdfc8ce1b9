"""VRRP inside dnsgate (issue 7), end to end: the guide's lab in network
namespaces with two dnsgate frontends that run addVRRP{}, an authoritative
NSD and two recursive Unbound stand-ins behind them, and a client.

    dd1 198.18.0.1  dnsgate, addVRRP priority 150 (the guide's LAB-DD1)
    dd2 198.18.0.2  dnsgate, addVRRP priority 100 (LAB-DD2)
    auth 198.18.0.3 NSD, zaibdns.lab
    rec1 198.18.0.4, rec2 198.18.0.5  Unbound (zaibdns.lab stubbed to auth)
    client 198.18.0.6
    VIP 198.18.0.160/24, VRID 51, advertInterval 0.1 s

Both frontends listen on 0.0.0.0:53 (a wildcard listener answers from the
address the query went to), so the VIP is served wherever it lives. The
client's probe sends a DNS query (whoami.test TXT, answered by a
recursive) to the VIP every 10 ms, for a bounded count, and records every
NOERROR answer with its time; a scenario reports the longest time between
two answered probes and the number never answered. The table is written
to $DNSGATE_BUILD/vrrp-dnsgate-results.md as the tests run, and
docs/vrrp.md quotes it.

Every namespace, process and filter is created here and removed by the
netns fixture (processes stopped by PID, namespaces deleted) even when a
test fails.
"""
import json
import signal
import subprocess
import time
import urllib.request

import pytest

from fixtures import procs
from fixtures.probe import STEP, Probe, Results
from fixtures.servers import Nsd, Unbound
from fixtures.vrrp import VIP, VIP_CIDR, VRID, VrrpHost, wait_vip

pytestmark = pytest.mark.slow

WEB = "127.0.0.1:8083"
API_KEY = "vrrp-test"

LUA = """
setLocal("0.0.0.0:53")
addACL("198.18.0.0/24")
newServer{{address="{auth}:53", name="auth1", pool="auth", checkName="zaibdns.lab."}}
newServer{{address="{rec1}:53", name="rec1", pool="rec", checkInterval=1, checkTimeout=500}}
newServer{{address="{rec2}:53", name="rec2", pool="rec", checkInterval=1, checkTimeout=500}}
local zones = newSuffixMatchNode()
zones:add(newDNSName("zaibdns.lab."))
-- hang.test. spins the worker that gets it for 3 s: a hung worker (bounded)
addAction(QNameRule("hang.test."), LuaAction(function(dq)
  if hung then return DNSAction.Drop end      -- once per worker (own Lua state)
  hung = true
  local t = os.clock()
  while os.clock() - t < 3 do end
  return DNSAction.Drop
end))
addAction(SuffixMatchNodeRule(zones), PoolAction("auth"))
addAction(AllRule(), PoolAction("rec"))
webserver("{web}")
setWebserverConfig{{apiKey="{key}", acl="127.0.0.0/8"}}
{vrrp}
"""

RESULTS = Results(
    "vrrp-dnsgate-results.md", "# VRRP in dnsgate: failover results",
    "Two dnsgate frontends with addVRRP{} (advertInterval 0.1 s; keepalived v2: 1 s), "
    "NSD and two Unbound behind them, one DNS query every 10 ms to the VIP "
    "(tests/system/test_vrrp_dnsgate.py, %s)." % time.strftime("%Y-%m-%d"), "queries")


def _http_get(url, key):
    req = urllib.request.Request(url, headers={"X-API-Key": key})
    with urllib.request.urlopen(req, timeout=3) as r:
        return r.read().decode()


class Node(VrrpHost):
    """One frontend host: dnsgate (with or without addVRRP), or keepalived
    next to a dnsgate without VRRP (the migration case)."""

    def __init__(self, ns, iface, tmp, binary, addrs):
        super().__init__(ns, iface, tmp)
        self.binary, self.addrs = binary, addrs
        self.proc = self.kproc = None
        self.log = tmp / ("%s.log" % ns.role)
        self.klog = tmp / ("%s-keepalived.log" % ns.role)
        self.starts = 0

    def vrrp_lua(self, prio, version=3, interval=0.1, preempt_delay=None, auth=None,
                 track=True):
        opts = ['interface="%s"' % self.iface, "vrid=%d" % VRID, "priority=%d" % prio,
                "advertInterval=%s" % interval, 'vip={"%s"}' % VIP_CIDR, "version=%d" % version]
        if preempt_delay is not None:
            opts.append("preemptDelay=%s" % preempt_delay)
        if auth:
            opts.append('authPass="%s"' % auth)
        if track:
            opts.append('track={pool="rec", weight=60}')
        return "addVRRP{%s}" % ", ".join(opts)

    def start(self, prio=None, **vrrp):
        """Starts dnsgate (addVRRP when prio is given); waits until it serves."""
        self.starts += 1
        conf = self.tmp / ("%s-%d.conf" % (self.ns.role, self.starts))
        conf.write_text(LUA.format(web=WEB, key=API_KEY,
                                   vrrp=self.vrrp_lua(prio, **vrrp) if prio else "",
                                   **self.addrs))
        mark = self.log.stat().st_size if self.log.exists() else 0
        self.proc = self.ns.popen([self.binary, "-C", conf], self.log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dnsgate on %s exited %s:\n%s" % (
                    self.ns.role, self.proc.returncode, procs.log_tail(self.log)))
            if "started " in self.log.read_text(errors="replace")[mark:]:
                return self
            time.sleep(0.05)
        raise AssertionError("dnsgate on %s did not start:\n%s" % (
            self.ns.role, procs.log_tail(self.log)))

    def start_keepalived(self, prio, **kw):
        self.kproc = self.popen_keepalived(prio, self.klog, **kw)

    def kill9(self):
        procs.signal_group(self.proc, signal.SIGKILL)
        self.proc.wait(5)

    def term(self, timeout=10):
        """Graceful stop (SIGTERM); returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return procs.terminate(self.proc)

    def log_text(self):
        return self.log.read_text(errors="replace")

    def metrics(self):
        return self.ns.call(_http_get, "http://%s/metrics" % WEB, API_KEY)

    def api(self):
        return json.loads(self.ns.call(_http_get, "http://%s/api/v1/servers/localhost" % WEB,
                                       API_KEY))


def metric(text, name):
    """The value of the first sample of series `name` in a /metrics text."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError("no %s in /metrics" % name)


def wait_log(node, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in node.log_text():
            return
        time.sleep(0.05)
    raise AssertionError("%r not in %s's log:\n%s" % (text, node.ns.role,
                                                      procs.log_tail(node.log, 30)))


def start_probe(client, tmp, n):
    """n DNS queries, one per 10 ms, to the VIP."""
    return Probe(client, tmp, n, "dns", VIP, 53)


class Lab:
    def __init__(self, a, b, client, servers):
        self.a, self.b, self.client, self.servers = a, b, client, servers


@pytest.fixture
def lab(netns, tmp_path, build_dir):
    binary = build_dir / "dnsgate"
    assert binary.exists(), "%s not built (make B=...)" % binary
    roles = ["dd1", "dd2", "auth", "rec1", "rec2", "client"]
    hosts = {r: netns.add(r) for r in roles}
    ifaces = dict(zip(roles, netns.bridge([hosts[r] for r in roles])))
    auth = Nsd(tmp_path / "auth1", addr=hosts["auth"].ip, port=53, netns=hosts["auth"],
               name="auth1").start()
    recs = [Unbound(tmp_path / r, addr=hosts[r].ip, port=53, netns=hosts[r], name=r,
                    stubs={"zaibdns.lab": auth}).start() for r in ("rec1", "rec2")]
    addrs = {"auth": hosts["auth"].ip, "rec1": hosts["rec1"].ip, "rec2": hosts["rec2"].ip}
    a = Node(hosts["dd1"], ifaces["dd1"], tmp_path, binary, addrs)
    b = Node(hosts["dd2"], ifaces["dd2"], tmp_path, binary, addrs)
    yield Lab(a, b, hosts["client"], [auth] + recs)
    for s in recs + [auth]:
        s.stop()


def elect(lab, a_opts=None, b_opts=None):
    """dd2 (100) then dd1 (150): dd1 must end up the only VIP holder."""
    lab.b.start(100, **(b_opts or {}))
    lab.a.start(150, **(a_opts or {}))
    wait_vip([lab.a, lab.b], lab.a)


def test_election_and_visibility(lab):
    """One master; state, transitions and master changes in the log, the
    API and the metrics."""
    elect(lab)
    time.sleep(0.5)
    wait_vip([lab.a, lab.b], lab.a, timeout=1)
    wait_log(lab.a, "BACKUP -> MASTER")
    wait_log(lab.a, "the master is now this node (priority 150)")
    wait_log(lab.b, "the master is now 198.18.0.1 (priority 150)")
    m = lab.a.metrics()
    assert metric(m, "dnsgate_vrrp_state") == 2
    assert metric(m, "dnsgate_vrrp_alive") == 1
    assert metric(m, "dnsgate_vrrp_dual_master_total") == 0
    assert 'dnsgate_vrrp_transitions_total{vrid="51",interface="%s",to="master"} 1' \
        % lab.a.iface in m
    assert metric(lab.b.metrics(), "dnsgate_vrrp_state") == 1
    v = lab.b.api()["vrrp"][0]
    assert (v["vrid"], v["state"], v["master"], v["master_priority"]) == \
        (VRID, "BACKUP", "198.18.0.1", 150)
    assert v["vips"] == [VIP_CIDR] and v["tracked_pools"] == ["rec"]


@pytest.mark.parametrize("how", ["kill9", "sigstop", "linkdown"])
def test_failover(lab, tmp_path, build_dir, how):
    a, b = lab.a, lab.b
    elect(lab)
    probe = start_probe(lab.client, tmp_path, 300)
    time.sleep(0.8)
    if how == "kill9":
        a.kill9()
    elif how == "sigstop":
        procs.signal_group(a.proc, signal.SIGSTOP)
    else:
        a.ns.run(["ip", "link", "set", a.iface, "down"])   # the box lost power
    name = {"kill9": "kill -9 master's dnsgate", "sigstop": "SIGSTOP master's dnsgate (hang)",
            "linkdown": "master's link down (power off)"}[how]
    gap, lost = RESULTS.record(build_dir, name, probe)
    assert b.has_vip(), "the backup did not take the VIP"
    assert gap < 0.5, "longest gap %.3f s" % gap
    if how == "sigstop":
        # The guide's design never recovers from SIGSTOP; here dd1 resumes
        # and preempts back.
        procs.signal_group(a.proc, signal.SIGCONT)
        wait_vip([a, b], a, timeout=5)
    if how == "linkdown":
        a.ns.run(["ip", "link", "set", a.iface, "up"])
        wait_vip([a, b], a, timeout=5)


def _send_hang(addr):
    import socket
    import struct
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x04hang\x04test\x00" + \
        struct.pack("!HH", 1, 1)
    s.sendto(q, (addr, 53))               # one flow: one worker gets it
    s.close()


def test_hung_worker_moves_the_vip(lab, tmp_path, build_dir):
    """A worker stuck in a LuaAction for 3 s (the process and the other
    worker still run): its heartbeat stops, dd1 stops advertising, dd2
    takes over; when the worker is back, dd1 preempts back."""
    a, b = lab.a, lab.b
    elect(lab)
    probe = start_probe(lab.client, tmp_path, 200)
    time.sleep(0.5)
    t = time.monotonic()
    lab.client.call(_send_hang, a.ns.ip)
    wait_vip([a, b], b, timeout=3)
    took = time.monotonic() - t
    gap, lost = RESULTS.record(build_dir, "one worker of the master hung (LuaAction spinning 3 s)",
                               probe, "VIP on the backup %.2f s after the hang" % took)
    assert took < 1.5, "the VIP moved only after %.2f s" % took
    wait_log(a, "made no progress")
    wait_vip([a, b], a, timeout=8)
    assert metric(a.metrics(), "dnsgate_vrrp_worker_stalls_total") >= 1


def test_graceful_stop_loses_nothing(lab, tmp_path, build_dir):
    a, b = lab.a, lab.b
    elect(lab)
    probe = start_probe(lab.client, tmp_path, 200)
    time.sleep(0.5)
    assert a.term() == 0
    gap, lost = RESULTS.record(build_dir, "graceful stop (SIGTERM)", probe)
    wait_vip([a, b], b, timeout=2)
    assert "shutdown complete, addresses released" in a.log_text()
    assert lost == 0, "graceful stop lost %d queries (gap %.3f s)" % (lost, gap)


@pytest.mark.parametrize("delay", [None, 1])
def test_preemption(lab, tmp_path, build_dir, delay):
    a, b = lab.a, lab.b
    elect(lab)
    a.kill9()
    wait_vip([a, b], b)
    probe = start_probe(lab.client, tmp_path, 450 if delay else 300)
    time.sleep(0.3)
    t = time.monotonic()
    a.start(150, **({"preempt_delay": delay} if delay else {}))
    wait_vip([a, b], a, timeout=8)
    took = time.monotonic() - t
    name = "master returns, preempt delay %s s" % delay if delay else "master returns, no preempt delay"
    gap, lost = RESULTS.record(build_dir, name, probe,
                               "returned node master %.2f s after its start" % took)
    if delay:
        assert took >= delay, "preempted after %.2f s, before the delay" % took
        assert lost == 0, "preemption with delay lost %d queries" % lost
    assert gap < 0.5


def test_tracking_moves_the_vip(lab, tmp_path, build_dir):
    """dd1 loses every recursive backend (unreachable from dd1 only): its
    priority drops by the track weight below dd2's and dd2 takes over;
    when they come back, dd1 preempts back."""
    a, b = lab.a, lab.b
    elect(lab)
    probe = start_probe(lab.client, tmp_path, 400)
    time.sleep(0.5)
    recs = [a.addrs["rec1"], a.addrs["rec2"]]
    for r in recs:
        a.ns.run(["ip", "route", "add", "blackhole", r + "/32"])
    wait_vip([a, b], b, timeout=8)
    gap, lost = RESULTS.record(build_dir, "all recursive backends of the master fail (tracking)",
                               probe, "includes the health checks' detection time")
    assert "tracking failed" in a.log_text()
    assert metric(a.metrics(), "dnsgate_vrrp_track_ok") == 0
    for r in recs:
        a.ns.run(["ip", "route", "del", "blackhole", r + "/32"])
    wait_vip([a, b], a, timeout=8)
    assert "tracking healthy again" in a.log_text()


def test_split_brain_detected_and_healed(lab, tmp_path, build_dir):
    """dd2 stops hearing dd1 (strict reverse-path filter with a blackhole
    route to dd1: its adverts are dropped on input): dd2 becomes master
    too, dd1 hears it and reports a dual master; on heal dd2 yields and the
    client keeps being answered."""
    a, b = lab.a, lab.b
    elect(lab)
    probe = start_probe(lab.client, tmp_path, 500)
    time.sleep(0.5)
    for k in ("all", b.iface):
        b.ns.run(["sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=1" % k])
    b.ns.run(["ip", "route", "add", "blackhole", a.ns.ip + "/32"])
    wait_log(b, "BACKUP -> MASTER", timeout=5)
    wait_log(a, "dual master", timeout=5)
    time.sleep(1.0)
    b.ns.run(["ip", "route", "del", "blackhole", a.ns.ip + "/32"])
    wait_vip([a, b], a, timeout=5)
    gap, lost = RESULTS.record(build_dir,
                               "VRRP between the nodes blocked, then healed (split brain)",
                               probe, "dual master reported by dd1")
    m = a.metrics()
    assert metric(m, "dnsgate_vrrp_dual_master_total") >= 1
    assert metric(m, "dnsgate_vrrp_dual_master_adverts_total") >= 1
    assert lost <= 5, "split brain and heal lost %d queries (gap %.3f s)" % (lost, gap)


@pytest.mark.parametrize("version", [3, 2])
@pytest.mark.parametrize("dg_high", [True, False], ids=["dnsgate-master", "keepalived-master"])
def test_keepalived_pair(lab, tmp_path, build_dir, version, dg_high):
    """dd1 runs dnsgate with addVRRP, dd2 keepalived next to a dnsgate
    without VRRP; the higher priority (150) stops gracefully and the VIP
    moves to the other; it returns and preempts."""
    if subprocess.run(["which", "keepalived"], capture_output=True).returncode != 0:
        pytest.fail("keepalived is not installed (scripts/deps.sh installs it)")
    a, b = lab.a, lab.b
    interval = "0.1" if version == 3 else "1"
    auth = "lab123" if version == 2 else None
    vopts = {"version": version, "interval": interval, "auth": auth}
    b.start()                   # dd2's data plane; keepalived moves its VIP
    b.start_keepalived(100 if dg_high else 150, version=version, interval=interval, auth=auth)
    a.start(150 if dg_high else 100, **vopts)
    hi, lo = (a, b) if dg_high else (b, a)
    slow = 1.0 if version == 3 else 10.0
    wait_vip([a, b], hi, timeout=5 * slow)
    n = int((2.0 if version == 3 else 6.0) / STEP)
    probe = start_probe(lab.client, tmp_path, n)
    time.sleep(0.5)
    if dg_high:
        assert a.term() == 0
    else:
        procs.terminate(b.kproc, timeout=10)
    wait_vip([a, b], lo, timeout=3 * slow)
    who = "dnsgate" if dg_high else "keepalived"
    gap, lost = RESULTS.record(build_dir, "v%d %s master stops, VIP moves to %s" % (
        version, who, "keepalived" if dg_high else "dnsgate"), probe,
        "advert_int %s s" % interval)
    if dg_high:
        a.start(150, **vopts)
    else:
        b.start_keepalived(150, version=version, interval=interval, auth=auth)
    wait_vip([a, b], hi, timeout=5 * slow)
    time.sleep(3 * float(interval))
    wait_vip([a, b], hi, timeout=1)
    if dg_high:
        assert lost == 0, "dnsgate's graceful stop lost %d queries" % lost
    assert gap < (0.5 if version == 3 else 5.0)
