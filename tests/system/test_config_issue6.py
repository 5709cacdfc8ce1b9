# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The odds and ends of issue 6 at load time: --check-config prints
exactly dnsdist's line even when the file calls grepq/showDynBlocks and
defines maintenance(); includeDirectory runs *.conf files in lexical order
and reports an included file's errors at its own file:line."""
import subprocess

from frontend_lab import DNSGATE


CONF = '''
setLocal("127.0.0.1:5399")
newServer{address="127.0.0.1:1"}
includeDirectory("inc.d")
setStaleCacheEntriesTTL(60)
setCacheCleaningDelay(30)
setCacheCleaningPercentage(20)
setAllowEmptyResponse(true)
setDropEmptyQueries(true)
fixupCase(true)
setSecurityPollSuffix("")
setTCPRecvTimeout(5)
setRingBuffersSize(1000)
grepq("example.com")
showDynBlocks()
setDynBlocksAction(DNSAction.Truncate)
local g = dynBlockRulesGroup()
g:setQueryRate(10, 1, "x", 5, DNSAction.Drop)
g:setRCodeRatio(DNSRCode.SERVFAIL, 0.2, 10, "sf", 60, 20)
g:setMasks(24, 56, 0)
g:excludeRange("10.0.0.0/8")
g:includeRange({"10.1.0.0/16"})
function maintenance() g:apply() end
addAction(RecordsCountRule(3, 2, 65535), DropAction())
addAction(RecordsTypeCountRule(3, DNSQType.OPT, 2, 65535), DropAction())
addAction(EDNSVersionRule(0), ERCodeAction(DNSRCode.BADVERS))
addAction(EDNSOptionRule(10), SetEDNSOptionAction(65001, "x"))
addAction(DSTPortRule(5399), ContinueAction(SetSkipCacheAction()))
addAction(RCodeRule(0), NoneAction())
addAction(ERCodeRule(16), NoneAction())
addAction(AllRule(), SetTempFailureCacheTTLAction(5))
addAction(MaxQPSRule(1000), NoneAction())
addCacheHitResponseAction(AllRule(), DelayResponseAction(5))
'''


def run(tmp_path, text, files):
    d = tmp_path / "inc.d"
    d.mkdir()
    for name, body in files.items():
        (d / name).write_text(body)
    conf = tmp_path / "dnsgate.conf"
    conf.write_text(text)
    return subprocess.run([str(DNSGATE), "--check-config", "-C", str(conf)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)


def test_check_config_prints_one_line(tmp_path):
    p = run(tmp_path, CONF, {"b.conf": 'order = order .. "b"\n', "a.conf": 'order = "a"\n',
                             "c.txt": 'error("not a .conf file")\n'})
    assert p.returncode == 0, p.stderr
    assert p.stdout == "Configuration '%s' OK!\n" % (tmp_path / "dnsgate.conf")
    assert p.stderr == ""


def test_include_directory_order_and_errors(tmp_path):
    text = CONF + 'if order ~= "ab" then error("order " .. tostring(order)) end\n'
    p = run(tmp_path, text, {"b.conf": 'order = order .. "b"\n', "a.conf": 'order = "a"\n',
                             "c.conf": '\nerror("included failure")\n'})
    assert p.returncode != 0
    assert "inc.d/c.conf:2: included failure" in p.stderr + p.stdout
