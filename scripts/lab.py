#!/usr/bin/python3
"""`make run`: the guide's lab on loopback.

Starts the guide's backends (scripts/lab_backends.py: NSD for zaibdns.lab,
two Unbound recursive stand-ins), then dnsgate on 127.0.0.1:5300 with
examples/lab/dnsgate.conf (the guide's production block, moved onto
loopback), prints the dig commands to try, and runs until Ctrl-C, which
stops everything it started. --check runs the lab, checks the guide's
behaviour through the frontend, and stops (used by the system tests).
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "system"))

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402

import lab_backends  # noqa: E402

CONF = ROOT / "examples" / "lab" / "dnsgate.conf"
GUIDE_PORTS = {"auth1": 5301, "rec1": 5302, "rec2": 5303}
FRONT = ("127.0.0.1", 5300)


def lab_config(servers):
    """The lab configuration with the backends' actual ports (5301-5303
    unless something else holds them)."""
    text = CONF.read_text()
    for name, port in GUIDE_PORTS.items():
        s = servers[name]
        text = re.sub(r'"127\.0\.0\.1:%d"' % port, '"%s:%d"' % (s.addr, s.port), text)
    return text


def ask(qname, rdtype, rdclass="IN", tcp=False, timeout=1.0):
    """One query to the frontend; None on timeout (a drop)."""
    q = dns.message.make_query(qname, rdtype, rdclass)
    try:
        if tcp:
            return dns.query.tcp(q, FRONT[0], port=FRONT[1], timeout=timeout)
        return dns.query.udp(q, FRONT[0], port=FRONT[1], timeout=timeout)
    except dns.exception.Timeout:
        return None


def wait_ready(proc, deadline_s=10.0):
    """Polls the frontend until www.zaibdns.lab answers or it exits."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        r = ask("www.zaibdns.lab.", "A", timeout=0.3)
        if r is not None and r.answer:
            return True
    return False


def check(results):
    """The guide's behaviour through the frontend; returns problems."""
    problems = []
    r = ask("www.zaibdns.lab.", "A")
    if r is None or not r.answer or not (r.flags & dns.flags.AA):
        problems.append("www.zaibdns.lab A: expected an authoritative answer from the auth pool")
    r = ask("google.com.", "A")
    if r is None or not r.answer or not (r.flags & dns.flags.RA):
        problems.append("google.com A: expected a recursive answer from the rec pool")
    if ask("google.com.", "ANY") is not None:
        problems.append("ANY: expected a drop")
    if ask("version.bind.", "TXT", "CH") is not None:
        problems.append("CH TXT version.bind: expected a drop")
    r = ask("www.zaibdns.lab.", "A", tcp=True)
    if r is None or not r.answer:
        problems.append("TCP: expected an answer")
    for p in problems:
        results.append(p)
    return problems


def print_howto(servers):
    h, p = FRONT
    print("\nThe guide's lab runs on loopback:")
    print("  dnsgate  %s:%d  (config build/lab/dnsgate.conf)" % (h, p))
    for name, s in servers.items():
        print("  %-8s %s:%d  (%s)" % (name, s.addr, s.port, s.kind))
    print("\nTry:")
    for cmd in ("www.zaibdns.lab", "portal.zaibdns.lab +tcp", "google.com",
                "google.com ANY          # dropped (abuse rule)",
                "version.bind TXT CH     # dropped (CHAOS rule)"):
        print("  dig @%s -p %d %s" % (h, p, cmd))
    print("\nCtrl-C stops all of it.")
    sys.stdout.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="check the lab, then stop")
    args = ap.parse_args(argv)
    build = Path(os.environ.get("DNSGATE_BUILD", ROOT / "build" / "release"))
    workdir = ROOT / "build" / "lab"
    workdir.mkdir(parents=True, exist_ok=True)

    lab_backends.stop_on_signals()
    proc = None
    try:
        servers = lab_backends.start_backends(workdir / "backends")
        conf = workdir / "dnsgate.conf"
        conf.write_text(lab_config(servers))
        log = open(workdir / "dnsgate.log", "w")
        proc = subprocess.Popen([str(build / "dnsgate"), "-C", str(conf)],
                                stdout=log, stderr=subprocess.STDOUT)
        if not wait_ready(proc):
            print("lab: dnsgate did not answer; see %s" % (workdir / "dnsgate.log"),
                  file=sys.stderr)
            return 1
        if args.check:
            problems = check([])
            for p in problems:
                print("lab: problem: " + p, file=sys.stderr)
            print("lab: %s" % ("ok" if not problems else "FAILED"))
            return 1 if problems else 0
        print_howto(servers)
        while proc.poll() is None:
            time.sleep(0.5)
        print("lab: dnsgate exited with status %d; see %s" % (
            proc.returncode, workdir / "dnsgate.log"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        lab_backends.stop_all()


if __name__ == "__main__":
    sys.exit(main())
