#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Rewrites the function list of docs/man/dnsgate.conf.5 (between the
'.\\" BEGIN FUNCTIONS' and '.\\" END FUNCTIONS' lines) from
`dnsgate --list-functions`, which reads the registered function tables, so
the page lists exactly what the code accepts. tests/system/test_operations.py
fails when the page and the binary disagree; run this to fix the page:

    scripts/gen-man-functions.py build/release/dnsgate
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs/man/dnsgate.conf.5"
BEGIN, END = '.\\" BEGIN FUNCTIONS', '.\\" END FUNCTIONS'

# One line for the functions an operator meets first; the rest are named
# only (dnsdist's documentation describes each, and dnsgate follows it).
DESC = {
    "setLocal": "listen on this address (UDP and TCP), replacing the default 127.0.0.1:53",
    "addLocal": "listen on one more address",
    "setACL": "replace the query ACL with these netmasks",
    "addACL": "allow queries from this netmask too",
    "newServer": "declare a backend {address, name, pool, order, weight, health check options}",
    "getServer": "a backend by number or name (setUp(), setDown(), setAuto(), isUp())",
    "getPool": "a pool by name (setCache(), getCache())",
    "setUDPSocketBufferSizes": "the UDP listeners' receive and send buffers in bytes (0: the system's largest, the default)",
    "newPacketCache": "a packet cache of n entries {maxTTL, minTTL, temporaryFailureTTL, ...}",
    "setServerPolicy": "leastOutstanding (default), firstAvailable, roundrobin, wrandom, whashed, chashed",
    "setPoolServerPolicy": "the policy of one pool",
    "addAction": "append a rule: a selector and an action (run time: from the console too)",
    "addResponseAction": "append a rule run on backend responses",
    "rmRule": "remove a rule by number, name or UUID",
    "mvRule": "move a rule in front of another",
    "clearRules": "remove every rule",
    "setRules": "replace every rule at once (newRuleAction objects)",
    "showRules": "list the rules with their match counts",
    "controlSocket": "serve the console on this address (default port 5199)",
    "setKey": "the console's 32-byte key, in base64 (makeKey() makes one)",
    "makeKey": "print a setKey() line with a new random key",
    "setConsoleACL": "who may connect to the console (default 127.0.0.0/8, ::1/128)",
    "addConsoleACL": "allow one more netmask to connect to the console",
    "setConsoleMaximumConcurrentConnections": "at most n console connections (0: no limit)",
    "webserver": "serve /metrics, the JSON API and the dashboard on this address",
    "setWebserverConfig": "{password, apiKey, acl, hashPlaintextCredentials, ...}",
    "setVerboseHealthChecks": "log every failed health check, not only state changes",
    "showServers": "console: backends with state, QPS, queries, drops, latency, pools, order, weight",
    "showPools": "console: pools with their cache, policy and servers",
    "showACL": "console: the query ACL",
    "showVersion": "console: the version",
    "dumpStats": "console: every statistic, dnsdist's names",
    "topQueries": "console: the names queried most (from the rings)",
    "topClients": "console: the clients sending the most queries",
    "topResponses": "console: the names with the most responses of an RCODE",
    "showCacheHitResponseCounts": "console (dnsgate): cache hits, misses, entries and hit ratio per pool",
    "shutdown": "console: stop the daemon gracefully",
    "grepq": "console: the recent queries and responses matching a netmask, a name or a latency",
    "ProbaRule": "matches a random fraction of queries: sample a LogAction with it",
    "LogAction": "log the query (to a file, or to the log)",
    "MaxQPSIPRule": "matches clients (per subnet) above a query rate",
    "PoolAction": "send the query to a pool",
    "DropAction": "drop the query",
    "setRingBuffersSize": "how many recent queries and responses each worker keeps (default 10000)",
    "addVRRP": "dnsgate: a VRRP instance holding the service addresses (docs/vrrp.md)",
    "showVRRP": "console (dnsgate): the VRRP instances and their state",
}


def group(name):
    if name.endswith("Rule") and name[0].isupper():
        return "Selectors (rules)"
    if name.endswith("Action") and name[0].isupper():
        return "Actions"
    if name in ("showServers", "showPools", "showACL", "showConsoleACL", "showVersion", "dumpStats",
                "topQueries", "topClients", "topResponses", "showCacheHitResponseCounts", "shutdown",
                "grepq", "showDynBlocks", "showVRRP"):
        return "Console commands"
    if name.startswith("set") or name in ("truncateTC", "fixupCase"):
        return "Settings"
    return "Declarations and objects"


ORDER = ["Declarations and objects", "Settings", "Selectors (rules)", "Actions", "Console commands"]


def render(names):
    out = []
    for g in ORDER:
        members = [n for n in names if group(n) == g]
        if not members:
            continue
        out.append(".SS %s" % g)
        for n in members:
            out.append(".TP")
            out.append(".B %s" % n)
            out.append(DESC.get(n, "as in dnsdist 1.7"))
    return "\n".join(out) + "\n"


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build/release/dnsgate")
    names = subprocess.run([binary, "--list-functions"], check=True, capture_output=True,
                           text=True).stdout.split()
    text = PAGE.read_text()
    head, rest = text.split(BEGIN + "\n", 1)
    _, tail = rest.split(END + "\n", 1)
    PAGE.write_text(head + BEGIN + "\n" + render(names) + END + "\n" + tail)
    print("%s: %d functions" % (PAGE, len(names)))


if __name__ == "__main__":
    main()
