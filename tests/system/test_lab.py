# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""`make run` works: scripts/lab.py --check starts the guide's lab on
loopback (NSD, two Unbound, dnsgate on 127.0.0.1:5300 with
examples/lab/dnsgate.conf), checks routing and the abuse rules through the
frontend, and stops everything it started."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_make_run_lab_answers_and_stops(build_dir):
    env = dict(os.environ, DNSGATE_BUILD=str(build_dir))
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "lab.py"), "--check"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "lab: ok" in r.stdout
    log = (ROOT / "build" / "lab" / "dnsgate.log").read_text()
    assert "listening on 127.0.0.1:5300" in log
    assert "got SIGTERM, stopping" in log
