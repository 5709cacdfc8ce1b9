# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""bench/dnsload and bench/nullresp, the benchmark's own tools: they must
count right, or every number bench/run.py prints is wrong."""
import collections
import json
import signal
import socket
import subprocess
import threading
import time

import dns.message
import dns.query
import pytest

from fixtures import procs


def tool(build_dir, name):
    path = build_dir / "bench" / name
    assert path.exists(), "%s not built (make builds it)" % path
    return path


def dnsload(build_dir, port, *args):
    r = subprocess.run([str(tool(build_dir, "dnsload")), "-s", "127.0.0.1:%d" % port]
                       + [str(a) for a in args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def nullresp(build_dir, free_port, tmp_path):
    """A running null responder; yields its port, checks its counts at exit."""
    port = free_port()
    proc = procs.spawn([tool(build_dir, "nullresp"), "-l", "127.0.0.1:%d" % port],
                       tmp_path / "nullresp.log")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            dns.query.udp(dns.message.make_query("probe.", "A"), "127.0.0.1", port=port,
                          timeout=0.2)
            break
        except Exception:
            time.sleep(0.05)
    yield port
    proc.send_signal(signal.SIGTERM)
    proc.wait(5)
    procs.terminate(proc)


def test_nullresp_echoes_query_with_qr(nullresp):
    q = dns.message.make_query("www.example.com.", "AAAA")
    r = dns.query.udp(q, "127.0.0.1", port=nullresp, timeout=2)
    assert r.id == q.id
    assert r.question == q.question
    assert r.flags & dns.flags.QR


@pytest.mark.parametrize("mode", ["hit", "miss"])
def test_dnsload_closed_loop_all_answered(build_dir, nullresp, mode):
    out = dnsload(build_dir, nullresp, "-m", mode, "-n", 2000, "-w", 64, "-t", 5)
    assert out["mode"] == mode
    assert (out["sent"], out["received"], out["lost"], out["mismatch"]) == (2000, 2000, 0, 0)
    assert out["rcodes"]["noerror"] == 2000
    assert out["with_answer"] == 0          # an echo carries no answer records
    assert 0 < out["lat_us"]["p50"] <= out["lat_us"]["p99"] <= out["lat_us"]["max"]
    assert out["qps"] > 0 and out["duration_s"] > 0


@pytest.mark.parametrize("mode", ["hit", "miss"])
def test_dnsload_threads_share_the_load(build_dir, nullresp, mode):
    # 3 threads: 2001 queries split 667 each, 64 sockets 22/21/21, and the
    # summed counts and histogram come out as from one generator.
    out = dnsload(build_dir, nullresp, "-m", mode, "-n", 2001, "-w", 63, "-t", 5,
                  "--threads", 3)
    assert out["threads"] == 3
    assert (out["sent"], out["received"], out["lost"], out["mismatch"]) == (2001, 2001, 0, 0)
    assert out["rcodes"]["noerror"] == 2001
    assert 0 < out["lat_us"]["p50"] <= out["lat_us"]["p99"] <= out["lat_us"]["max"]


def test_dnsload_threads_open_loop_rate(build_dir, nullresp):
    out = dnsload(build_dir, nullresp, "-r", 4000, "-n", 2000, "-t", 5, "-j", 2)
    assert out["sent"] == 2000 and out["lost"] == 0
    assert 0.45 < out["send_duration_s"] < 0.8, out


def test_dnsload_open_loop_keeps_rate(build_dir, nullresp):
    out = dnsload(build_dir, nullresp, "-r", 4000, "-n", 2000, "-t", 5)
    assert out["sent"] == 2000 and out["lost"] == 0
    # 2000 queries at 4000 QPS take half a second, not less.
    assert 0.45 < out["send_duration_s"] < 0.8, out


def test_dnsload_counts_unanswered_as_lost(build_dir, free_port):
    out = dnsload(build_dir, free_port(), "-n", 300, "-w", 50, "-T", 100, "-t", 3)
    assert out["sent"] == 300 and out["received"] == 0 and out["lost"] == 300


def test_dnsload_against_nsd_gets_real_answers(build_dir, nsd_auth, tmp_path):
    # A names file with the guide's names: every answer must be NOERROR
    # with the A record, and the question must match the query.
    names = tmp_path / "names"
    names.write_text("www.zaibdns.lab\nportal.zaibdns.lab A\n# comment\nns1.zaibdns.lab\n")
    out = dnsload(build_dir, nsd_auth.port, "-f", names, "-n", 300, "-w", 8, "-t", 5)
    assert (out["received"], out["lost"], out["mismatch"]) == (300, 0, 0)
    assert out["rcodes"]["noerror"] == 300 and out["with_answer"] == 300
    # A name outside the zone: NSD refuses it, and dnsload says so.
    out = dnsload(build_dir, nsd_auth.port, "-m", "miss", "-z", "elsewhere.test",
                  "-n", 50, "-w", 8)
    assert out["received"] == 50 and out["rcodes"]["refused"] == 50


def test_dnsload_spreads_sockets_over_source_addresses(build_dir, free_port):
    # -A 127.0.0.9/5 with 10 sockets over 2 threads: every address of the
    # five carries exactly two source ports (sockets are numbered across
    # threads), and every query is still answered (connect() matches).
    port = free_port()
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", port))
    srv.settimeout(0.2)
    seen = collections.defaultdict(set)
    done = threading.Event()

    def echo():
        while not done.is_set():
            try:
                data, frm = srv.recvfrom(4096)
            except socket.timeout:
                continue
            seen[frm[0]].add(frm[1])
            srv.sendto(data[:2] + bytes([data[2] | 0x80]) + data[3:], frm)

    t = threading.Thread(target=echo)
    t.start()
    try:
        out = dnsload(build_dir, port, "-A", "127.0.0.9/5", "-S", 10, "-j", 2, "-n", 400,
                      "-w", 20, "-t", 5)
    finally:
        done.set()
        t.join()
        srv.close()
    assert (out["sent"], out["received"], out["mismatch"]) == (400, 400, 0)
    assert {ip: len(ports) for ip, ports in seen.items()} == \
        {"127.0.0.%d" % i: 2 for i in range(9, 14)}


def test_dnsload_refuses_a_bad_source_range(build_dir, free_port):
    r = subprocess.run([str(tool(build_dir, "dnsload")), "-s", "127.0.0.1:%d" % free_port(),
                        "-A", "127.0.0.1"], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "usage" in r.stderr
