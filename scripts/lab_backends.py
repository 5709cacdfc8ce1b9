#!/usr/bin/python3
"""The guide's backends on loopback: the servers behind the frontend in
`make run`, and the `backends` fixture of the system tests.

    guide host   here                       serves
    LAB-AUTH1    NSD      127.0.0.1:5301    zaibdns.lab (the guide's zone)
    LAB-REC1     Unbound  127.0.0.1:5302    recursive stand-in
    LAB-REC2     Unbound  127.0.0.1:5303    recursive stand-in

Ports are the first free ones counting up from 5301. There is no Internet
here, so the recursive servers are stand-ins: they answer google.com. (the
guide's health-check name) and a few example names from local data, NXDOMAIN
for the rest, and resolve zaibdns.lab through NSD (stub-zone).

As a module (the frontend's lab script imports it):

    import lab_backends
    servers = lab_backends.start_backends("build/lab")   # {"auth1": Nsd, ...}
    ...
    lab_backends.stop_all()

As a program: starts them, prints what runs where, stops all on Ctrl-C or
SIGTERM (or at once with --check, after querying each one).
"""
import argparse
import json
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "system"))

from fixtures.ports import free_port  # noqa: E402
from fixtures.servers import Nsd, Unbound, ZAIBDNS_ZONE  # noqa: E402

BASE_PORT = 5301
ZONE = "zaibdns.lab"

_RUNNING = []       # servers start_backends started, in start order


def start_backends(workdir, base_port=BASE_PORT, addr="127.0.0.1"):
    """Starts LAB-AUTH1 (NSD) and LAB-REC1/LAB-REC2 (Unbound stand-ins with
    a stub-zone for zaibdns.lab to NSD), each in workdir/<name>; ports are
    the first free ones from base_port on (base_port=None: random free
    ports). Returns {"auth1": Nsd, "rec1": Unbound, "rec2": Unbound}, all
    answering. On failure stops what it started and raises."""
    workdir = Path(workdir)
    out = {}

    def port_after(prev):
        if base_port is None:
            return None
        return free_port(addr, start=prev + 1 if prev else base_port)

    try:
        auth = Nsd(workdir / "auth1", name="auth1", addr=addr, port=port_after(None),
                   zones={ZONE: ZAIBDNS_ZONE})
        _RUNNING.append(auth)
        out["auth1"] = auth.start()
        prev = auth.port
        for name in ("rec1", "rec2"):
            rec = Unbound(workdir / name, name=name, addr=addr, port=port_after(prev),
                          stubs={ZONE: auth})
            _RUNNING.append(rec)
            out[name] = rec.start()
            prev = rec.port
    except BaseException:
        stop_all()
        raise
    return out


def stop_all():
    """Stops every server start_backends started (last started first)."""
    while _RUNNING:
        _RUNNING.pop().stop()


def describe(servers):
    """{name: {kind, addr, port, pid, log}}: what runs where, for people
    and for the frontend's lab script (--json)."""
    return {name: {"kind": s.kind, "addr": s.addr, "port": s.port, "pid": s.pid,
                   "log": str(s.log_path)} for name, s in servers.items()}


def dnsdist_lines(servers):
    """The guide's newServer() lines, pointed at these backends."""
    auth = servers["auth1"]
    lines = ['newServer({address="%s:%d", pool="auth", checkType="A", '
             'checkName="zaibdns.lab.", checkInterval=5})' % (auth.addr, auth.port)]
    for name in ("rec1", "rec2"):
        s = servers[name]
        lines.append('newServer({address="%s:%d", pool="rec", checkType="A", '
                     'checkName="google.com.", checkInterval=5})' % (s.addr, s.port))
    return lines


def self_check(servers):
    """Queries each backend once; returns a list of problems (empty: fine)."""
    problems = []
    checks = [("auth1", "www.zaibdns.lab."), ("rec1", "google.com."),
              ("rec2", "google.com."), ("rec1", "portal.zaibdns.lab.")]
    for name, qname in checks:
        try:
            r = servers[name].query(qname, "A")
            if not r.answer:
                problems.append("%s: no answer for %s" % (name, qname))
        except Exception as e:
            problems.append("%s: %s: %r" % (name, qname, e))
    return problems


def stop_on_signals():
    """SIGTERM and SIGINT raise KeyboardInterrupt once, so that the caller's
    finally/except stops what it started."""
    def on_signal(signum, frame):
        # Once: a second signal (timeout(1) sends two) must not cut stop_all().
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    # SIGINT too, explicitly: a shell starts background jobs with SIGINT
    # ignored, and Ctrl-C must still stop us.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def main(argv=None):
    """CLI: start, print, wait for Ctrl-C/SIGTERM (or --check), stop."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", default="build/lab/backends",
                    help="configs and logs go here (default: %(default)s)")
    ap.add_argument("--base-port", type=int, default=BASE_PORT)
    ap.add_argument("--json", help="also write the layout to this file")
    ap.add_argument("--check", action="store_true",
                    help="query each backend once, then stop (exit 1 on a problem)")
    args = ap.parse_args(argv)

    stop_on_signals()
    try:
        servers = start_backends(args.workdir, args.base_port)
        layout = describe(servers)
        for name, d in layout.items():
            print("%-6s %-8s %s:%-5d pid %-7d log %s" % (
                name, d["kind"], d["addr"], d["port"], d["pid"], d["log"]))
        print("dnsdist backends:\n  " + "\n  ".join(dnsdist_lines(servers)))
        if args.json:
            Path(args.json).write_text(json.dumps(layout, indent=2) + "\n")
        sys.stdout.flush()
        if args.check:
            problems = self_check(servers)
            for p in problems:
                print("problem: " + p)
            return 1 if problems else 0
        print("running; Ctrl-C stops all")
        sys.stdout.flush()
        while all(s.running() for s in servers.values()):
            time.sleep(0.5)
        dead = [n for n, s in servers.items() if not s.running()]
        print("exited unexpectedly: %s" % ", ".join(dead), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()
        print("backends stopped")


if __name__ == "__main__":
    sys.exit(main())
