# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Operations (issue 4, "Logs and operations"): the man pages list exactly
the functions the code registers and render without warnings; the systemd
unit verifies and the sample configuration loads; readiness and stopping
are reported to systemd (sd_notify); query logging can be sampled with
ProbaRule.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time

import dns.rcode
import pytest

from fixtures import procs
from fixtures.servers import Unbound
from frontend_lab import DNSGATE, Frontend, udp_exchange

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAN5 = ROOT / "docs/man/dnsgate.conf.5"
MAN8 = ROOT / "docs/man/dnsgate.8"


def listed_functions():
    return subprocess.run([str(DNSGATE), "--list-functions"], check=True, capture_output=True,
                          text=True).stdout.split()


def test_man_page_lists_every_function():
    text = MAN5.read_text()
    section = text.split('.\\" BEGIN FUNCTIONS\n', 1)[1].split('.\\" END FUNCTIONS\n', 1)[0]
    in_page = re.findall(r"^\.B (\S+)$", section, re.M)
    code = listed_functions()
    assert len(code) > 100 and "showServers" in code and "newServer" in code
    assert sorted(in_page) == sorted(code), (
        "docs/man/dnsgate.conf.5 is out of date: run scripts/gen-man-functions.py")


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")
@pytest.mark.parametrize("page", [MAN5, MAN8], ids=lambda p: p.name)
def test_man_pages_render_cleanly(page):
    p = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat"))
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert "SYNOPSIS" in p.stdout


def test_every_command_line_option_is_documented():
    usage = subprocess.run([str(DNSGATE), "--help"], capture_output=True, text=True).stdout
    page = MAN8.read_text().replace("\\-", "-")
    for opt in set(re.findall(r"(--[a-z-]+)", usage)):
        assert opt in page, opt


def test_sample_configuration_loads():
    p = subprocess.run([str(DNSGATE), "--check-config", "-C", str(ROOT / "dist/dnsgate.conf")],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "OK!" in p.stdout, p.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_unit_verifies(tmp_path):
    unit = (ROOT / "dist/dnsgate.service").read_text()
    assert "Type=notify" in unit and "--supervised" in unit
    # verify checks that the binary exists: point it at the one under test
    unit = unit.replace("/usr/sbin/dnsgate", str(DNSGATE))
    unit = "\n".join(l for l in unit.splitlines() if not l.startswith("Documentation="))
    path = tmp_path / "dnsgate.service"
    path.write_text(unit + "\n")
    p = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr.strip() == "", p.stderr


def test_sd_notify_ready_and_stopping(tmp_path):
    sock_path = tmp_path / "notify"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(sock_path))
    s.settimeout(10)
    port = Frontend(tmp_path, "").port
    conf = tmp_path / "dnsgate.conf"
    conf.write_text('setLocal("127.0.0.1:%d")\n' % port)
    log = tmp_path / "dnsgate.log"
    proc = procs.spawn([DNSGATE, "--supervised", "-C", conf], log, cwd=tmp_path,
                       env=dict(os.environ, NOTIFY_SOCKET=str(sock_path)))
    try:
        assert s.recv(256) == b"READY=1"
        # ready means serving: the listener answers (REFUSED... or a drop) right away
        assert "started" in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert s.recv(256) == b"STOPPING=1"
        assert proc.wait(10) == 0
    finally:
        procs.terminate(proc)
        s.close()


def test_query_log_sampled_with_probarule(tmp_path):
    rec = Unbound(tmp_path / "rec", name="rec", redirects={"spread.lab.": ["A 127.0.0.11"]}).start()
    logs = {p: tmp_path / ("q%s.log" % p) for p in ("0", "25", "100")}
    lua = "\n".join([
        'setLocal("127.0.0.1:{port}")',
        'newServer{{address="127.0.0.1:{rec}"}}',
        'addAction(ProbaRule(0.25), LogAction("%s", false, false, false))' % logs["25"],
        'addAction(ProbaRule(0), LogAction("%s", false, false, false))' % logs["0"],
        'addAction(ProbaRule(1), LogAction("%s", false, false, false))' % logs["100"],
    ])
    fe = Frontend(tmp_path / "fe", lua, rec=rec.port).start()
    try:
        import dns.message
        n = 0
        for batch in range(8):
            wires = [dns.message.make_query("q%d-%d.spread.lab." % (batch, i), "A").to_wire()
                     for i in range(50)]
            n += len(udp_exchange("127.0.0.1", fe.port, wires, timeout=5))
        assert n >= 360
        counts = {p: len(path.read_text().splitlines()) if path.exists() else 0
                  for p, path in logs.items()}
        # ProbaRule(1) logged every query that arrived, ProbaRule(0) none
        assert counts["0"] == 0 and counts["100"] >= n
        # a quarter of ~400 is ~100; +-40 is more than 4 standard deviations
        assert abs(counts["25"] - counts["100"] / 4) <= 40, counts
        rules = subprocess.run([str(DNSGATE), "--check-config", "-C", str(fe.conf_path)],
                               capture_output=True, text=True)
        assert rules.returncode == 0
    finally:
        fe.stop()
        rec.stop()
