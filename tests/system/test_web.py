# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The web server: /metrics (promtool, exact counters, a real Prometheus
scrape), the JSON API and /jsonstat, refusals counted, and the dashboard in
headless Chromium compared with the API."""
import base64
import http.client
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import dns.exception
import dns.message
import dns.query
import pytest

from fixtures import procs
from fixtures.ports import free_port
from fixtures.servers import Unbound
from frontend_lab import Frontend

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "dash-secret"
API_KEY = "api-key-1"


def rec(tmp_path, i):
    names = {"example.com.": ["A 127.0.53.3"], "whoami.lab.": ["A 127.0.0.%d" % (10 + i)]}
    return Unbound(tmp_path / ("rec%d" % i), name="rec%d" % i, names=names).start()


class Web:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def get(self, path, key=None, password=None, host=None):
        req = urllib.request.Request((host or self.base) + path)
        if key is not None:
            req.add_header("X-API-Key", key)
        if password is not None:
            tok = base64.b64encode(("admin:" + password).encode()).decode()
            req.add_header("Authorization", "Basic " + tok)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def api(self):
        st, body = self.get("/api/v1/servers/localhost", key=API_KEY)
        assert st == 200, body
        return json.loads(body)

    def metrics(self):
        st, body = self.get("/metrics", key=API_KEY)
        assert st == 200, body
        return body


def metric(text, name, labels=None):
    """The value of one sample; labels is a dict that must match exactly."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if got == (labels or {}):
            return float(m.group(3))
    raise KeyError("%s%s not in /metrics" % (name, labels or ""))


@pytest.fixture
def lab(tmp_path):
    recs = [rec(tmp_path, 1), rec(tmp_path, 2)]
    web_port = free_port("127.0.0.1")
    lua = '''
setLocal("127.0.0.1:{port}")
setACL({{"127.0.0.0/8"}})
newServer{{address="127.0.0.1:{r1}", name="rec1"}}
newServer{{address="127.0.0.1:{r2}", name="rec2.lab", pool="other"}}
pc = newPacketCache(1000)
getPool(""):setCache(pc)
addAction(QNameRule("blocked.example."), DropAction(), {{name="block"}})
webserver("127.0.0.1:{web}")
setWebserverConfig{{password="{pw}", apiKey="{key}", hashPlaintextCredentials=true,
                    acl="127.0.0.1, ::1"}}
'''
    fe = Frontend(tmp_path / "fe", lua, r1=recs[0].port, r2=recs[1].port, web=web_port,
                  pw=PASSWORD, key=API_KEY).start()
    web = Web(web_port)
    yield fe, web, recs
    fe.stop()
    for r in recs:
        r.stop()


def send_udp(fe, names, source=None):
    for n in names:
        dns.query.udp(dns.message.make_query(n, "A"), "127.0.0.1", port=fe.port, timeout=2,
                      source=source)


def wait_sampled(web, pred, timeout=5.0):
    """Polls the API until pred(api) holds (the sampler ticks once a second)."""
    deadline = time.monotonic() + timeout
    while True:
        a = web.api()
        if pred(a) or time.monotonic() > deadline:
            return a
        time.sleep(0.2)


def test_metrics_pass_promtool_and_count_exactly(lab, tmp_path):
    fe, web, _ = lab
    before = wait_sampled(web, lambda a: True)["statistics"]["queries"]
    send_udp(fe, ["example.com."] * 7)              # 1 miss then 6 cache hits
    for _ in range(3):
        try:
            dns.query.udp(dns.message.make_query("blocked.example.", "A"), "127.0.0.1",
                          port=fe.port, timeout=0.3)
        except dns.exception.Timeout:
            pass
    a = wait_sampled(web, lambda a: a["statistics"]["queries"] >= before + 10)
    text = web.metrics()
    path = tmp_path / "metrics.txt"
    path.write_text(text)
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                           capture_output=True, timeout=30)
        # Exit 1 is a parse error; 3 is lint advice. The only advice allowed
        # is the "_total" suffix on dnsdist's own counter names, which
        # dnsgate keeps so dnsdist dashboards and alerts work unchanged.
        problems = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
        assert r.returncode in (0, 3), r.stdout + r.stderr
        bad = [l for l in problems
               if not re.fullmatch(r'dnsdist_\w+ counter metrics should have "_total" suffix', l)]
        assert bad == [], bad
        assert any("dnsdist_queries counter" in l for l in problems) == (r.returncode == 3)
    assert metric(text, "dnsdist_queries") == before + 10
    assert metric(text, "dnsdist_rule_drop") == 3
    assert metric(text, "dnsdist_cache_hits") == 6
    assert metric(text, "dnsdist_cache_misses") == 1
    assert metric(text, "dnsdist_rule_hits", {"id": "block"}) == 3
    srv = {"server": "rec1", "address": a["servers"][0]["address"]}
    assert metric(text, "dnsdist_server_queries", srv) == a["servers"][0]["queries"] >= 1
    assert metric(text, "dnsdist_server_status", srv) == 1
    # rec2.lab's dots become underscores in the label, as dnsdist writes it
    srv2 = {"server": "rec2_lab", "address": a["servers"][1]["address"]}
    assert metric(text, "dnsdist_server_queries", srv2) == 0
    assert metric(text, "dnsdist_pool_cache_hits", {"pool": "_default_"}) == 6
    assert metric(text, "dnsdist_latency_count") == metric(text, "dnsdist_responses")
    assert metric(text, "dnsdist_latency_bucket", {"le": "+Inf"}) == metric(
        text, "dnsdist_latency_count")
    assert metric(text, "dnsgate_server_latency_seconds_count", srv) == \
        a["servers"][0]["responses"]
    assert metric(text, "dnsdist_frontend_noerror") == 7


def test_api_and_jsonstat_match_traffic(lab):
    fe, web, _ = lab
    send_udp(fe, ["example.com.", "whoami.lab.", "whoami.lab."])
    a = wait_sampled(web, lambda a: a["statistics"]["queries"] >= 3)
    assert a["daemon_type"] == "dnsdist"
    assert [s["name"] for s in a["servers"]] == ["rec1", "rec2.lab"]
    assert a["servers"][0]["queries"] == 2          # whoami.lab. hit the cache once
    assert a["servers"][0]["state"] == "up"
    assert a["servers"][1]["pools"] == ["other"]
    assert {p["name"] for p in a["pools"]} == {"", "other"}
    default = [p for p in a["pools"] if p["name"] == ""][0]
    assert (default["cacheHits"], default["cacheMisses"]) == (1, 2)
    assert a["rules"][0]["name"] == "block"
    assert {f["type"] for f in a["frontends"]} == {"UDP", "TCP"}
    st, body = web.get("/jsonstat?command=stats", key=API_KEY)
    assert st == 200
    js = json.loads(body)
    assert js["queries"] == a["statistics"]["queries"]
    assert js["server-policy"] == "leastOutstanding"
    assert web.get("/jsonstat?command=nope", key=API_KEY)[0] == 404


def test_refusals_are_refused_and_counted(lab):
    fe, web, _ = lab
    assert web.get("/metrics")[0] == 401                         # no key
    assert web.get("/api/v1/servers/localhost", key="wrong")[0] == 401
    assert web.get("/", password="wrong")[0] == 401              # dashboard
    assert web.get("/")[0] == 401
    assert web.get("/", password=PASSWORD)[0] == 200
    # the dashboard's own API call with the password works, as in dnsdist
    assert web.get("/api/v1/servers/localhost", password=PASSWORD)[0] == 200
    # outside the web ACL: a client from 127.0.0.2 (loopback, not 127.0.0.1)
    conn = http.client.HTTPConnection("127.0.0.1", int(web.base.rsplit(":", 1)[1]), timeout=5,
                                      source_address=("127.0.0.2", 0))
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        conn.request("GET", "/metrics", headers={"X-API-Key": API_KEY})
        conn.getresponse().read()
    conn.close()
    text = web.metrics()
    assert metric(text, "dnsgate_web_refused_total", {"reason": "apikey"}) == 2
    assert metric(text, "dnsgate_web_refused_total", {"reason": "password"}) == 2
    assert metric(text, "dnsgate_web_refused_total", {"reason": "acl"}) == 1
    assert web.api()["dnsgate"]["webRefused"] == {"acl": 1, "apikey": 2, "password": 2}


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("prometheus"), reason="prometheus not installed")
def test_real_prometheus_scrapes_rate(lab, tmp_path):
    fe, web, _ = lab
    port = free_port("127.0.0.1")
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: dnsgate
    scrape_interval: 1s
    metrics_path: /metrics
    authorization:
      type: ""
    static_configs:
      - targets: ["%s"]
""" % web.base.split("//")[1])
    # Prometheus sends the key as a header only in newer versions; use the
    # password (basic auth), which /metrics also accepts, as dnsdist does.
    cfg.write_text(cfg.read_text().replace("""    authorization:
      type: ""
""", """    basic_auth:
      username: prom
      password: %s
""" % PASSWORD))
    log = tmp_path / "prometheus.log"
    proc = procs.spawn(["prometheus", "--config.file=%s" % cfg,
                        "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                        "--web.listen-address=127.0.0.1:%d" % port], log, cwd=tmp_path)
    try:
        q = urllib.parse.urlencode({"query": "rate(dnsdist_queries[10s])"})
        deadline = time.monotonic() + 40
        rate = 0.0
        while time.monotonic() < deadline and rate <= 0:
            send_udp(fe, ["example.com."] * 50)       # bounded load, ~50 q per round
            time.sleep(0.5)
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/query?%s" % (port, q),
                                            timeout=5) as r:
                    res = json.loads(r.read())["data"]["result"]
                rate = float(res[0]["value"][1]) if res else 0.0
            except (urllib.error.URLError, ConnectionError, KeyError, ValueError):
                pass
        assert rate > 0, procs.log_tail(log)
    finally:
        procs.terminate(proc)


def chromium(args, timeout=90):
    exe = shutil.which("chromium")
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--virtual-time-budget=5000"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium not installed")
def test_dashboard_in_chromium_matches_api(lab, tmp_path):
    fe, web, _ = lab
    sent = 0
    for n in (20, 60, 120, 80, 40, 10):               # a few seconds of bounded traffic
        send_udp(fe, ["example.com."] * n + ["whoami.lab."])
        sent += n + 1
        time.sleep(0.6)
    a = wait_sampled(web, lambda a: a["statistics"]["queries"] >= sent)
    time.sleep(1.2)                                   # one more tick: qps history has data
    url = web.base.replace("http://", "http://admin:%s@" % PASSWORD) + "/"
    prof = tmp_path / "chrome"
    dom = chromium(["--user-data-dir=%s" % prof, "--dump-dom", url]).stdout
    a = web.api()
    ids = dict(re.findall(r'id="([\w-]+)"[^>]*>([^<]*)<', dom))
    assert ids.get("status") == "live", dom[:2000]
    st = a["statistics"]
    assert int(ids["queries"]) == st["queries"]
    assert int(ids["cachehits"]) == st["cache-hits"]
    assert int(ids["cachemisses"]) == st["cache-misses"]
    lookups = st["cache-hits"] + st["cache-misses"]
    assert ids["hitratio"] == "%.1f %%" % (100.0 * st["cache-hits"] / lookups)
    for i, s in enumerate(a["servers"]):
        assert ids["be-%d-name" % i] == s["name"]
        assert ids["be-%d-state" % i] == s["state"]
        assert int(ids["be-%d-queries" % i]) == s["queries"]
        assert int(ids["be-%d-drops" % i]) == s["reuseds"]
    shot = tmp_path / "dashboard.png"
    r = chromium(["--user-data-dir=%s" % prof, "--window-size=1280,900",
                  "--screenshot=%s" % shot, url])
    assert shot.exists() and shot.stat().st_size > 10000, r.stderr[-2000:]
    if os.environ.get("DNSGATE_SAVE_SCREENSHOT"):
        shutil.copy(shot, os.environ["DNSGATE_SAVE_SCREENSHOT"])


@pytest.mark.slow
def test_top_clients_in_api_and_dashboard(lab, tmp_path):
    """Two loopback clients, 30 and 10 queries: the API's topClients and the
    dashboard's table list them most first, with those counts."""
    fe, web, _ = lab
    send_udp(fe, ["example.com."] * 10, source="127.0.0.3")
    send_udp(fe, ["example.com.", "whoami.lab."] * 15, source="127.0.0.2")
    want = [{"client": "127.0.0.2", "queries": 30}, {"client": "127.0.0.3", "queries": 10}]
    a = wait_sampled(web, lambda a: a["dnsgate"]["topClients"] == want)
    assert a["dnsgate"]["topClients"] == want
    if not shutil.which("chromium"):
        return
    url = web.base.replace("http://", "http://admin:%s@" % PASSWORD) + "/"
    dom = chromium(["--user-data-dir=%s" % (tmp_path / "chrome"), "--dump-dom", url]).stdout
    ids = dict(re.findall(r'id="([\w-]+)"[^>]*>([^<]*)<', dom))
    assert ids.get("status") == "live", dom[:2000]
    got = [(ids.get("top-%d-client" % i), ids.get("top-%d-queries" % i)) for i in range(3)]
    assert got == [("127.0.0.2", "30"), ("127.0.0.3", "10"), (None, None)], dom[:4000]
