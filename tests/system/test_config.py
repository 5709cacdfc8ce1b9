# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""`dnsgate --check-config` on the guide's dnsdist configurations.

examples/guide/ holds every configuration block the guide prints, copied
verbatim (see its README.md): each must load unchanged and print dnsdist's
"Configuration 'FILE' OK!" line. The guide's stray `#Save` line, an
unsupported dnsdist function and a Lua error must each fail with exit 1 and
a message naming the file and the line. --check-config never binds: the
guide's addresses (10.10.2.x, 0.0.0.0:53) need not exist here.
"""
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "examples/guide"
BUILD = pathlib.Path(os.environ.get("DNSGATE_BUILD", ROOT / "build/release"))
DNSGATE = BUILD / "dnsgate"


def check_config(path, *extra):
    """Runs dnsgate --check-config -C path; returns (exit status, stdout, stderr)."""
    r = subprocess.run([str(DNSGATE), "--check-config", "-C", str(path), *extra],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def guide_files():
    return sorted(p.name for p in GUIDE.glob("*.conf"))


def test_guide_files_are_there():
    names = guide_files()
    for required in ("configure-dnsdist.conf", "lab-dd2.conf", "production-block.conf"):
        assert required in names
    assert sum(n.startswith("isp-tuning-") for n in names) >= 8


@pytest.mark.parametrize("name", guide_files())
def test_guide_configuration_loads(name):
    path = GUIDE / name
    status, out, err = check_config(path)
    assert status == 0, err
    assert f"Configuration '{path}' OK!" in out.splitlines()


def test_guide_save_line_fails_naming_its_line(tmp_path):
    text = (GUIDE / "configure-dnsdist.conf").read_text()
    assert "#Save" not in text
    conf = tmp_path / "with-save.conf"
    conf.write_text(text + "#Save\n")
    save_line = len(text.splitlines()) + 1
    status, out, err = check_config(conf)
    assert status == 1
    assert "OK!" not in out
    assert f"{conf}:{save_line}: unexpected symbol near '#'" in err


def refused(tmp_path, text):
    """Checks a configuration that must fail; its path and stderr."""
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    status, _, err = check_config(conf)
    assert status == 1, err
    return conf, err


def test_unsupported_function(tmp_path):
    conf, err = refused(tmp_path, 'setLocal("127.0.0.1:5300")\n\naddDOHLocal("127.0.0.1:443")\n')
    assert f"{conf}:3: function addDOHLocal is not supported by dnsgate" in err
    assert err.count(f"{conf}:") == 1, "file:line appears exactly once"


def test_lua_error_names_file_and_line(tmp_path):
    conf, err = refused(tmp_path, 'newServer("127.0.0.1:53")\nlocal x = nil\nprint(x.y)\n')
    assert re.search(re.escape(f"{conf}:3: ") + r"attempt to index a nil value", err), err


def test_unknown_option_key(tmp_path):
    conf, err = refused(tmp_path, 'newServer({address="127.0.0.1:53", chekInterval=5})\n')
    assert f"{conf}:1: newServer: unknown option 'chekInterval'" in err


def test_udp_buffer_sizes_checked(tmp_path):
    conf, err = refused(tmp_path, 'setLocal("127.0.0.1:5300")\nsetUDPSocketBufferSizes(-1, 0)\n')
    assert f"{conf}:2: setUDPSocketBufferSizes: sizes must be 0" in err


def test_missing_file_fails(tmp_path):
    status, out, err = check_config(tmp_path / "absent.conf")
    assert status == 1
    assert "absent.conf" in err and "OK!" not in out


def test_command_line_only():
    r = subprocess.run([str(DNSGATE), "--check-config", "-l", "127.0.0.1:5300", "127.0.0.1:53"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "Configuration '(command line)' OK!" in r.stdout


def test_bad_command_line():
    r = subprocess.run([str(DNSGATE), "--no-such-option"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert "unknown option --no-such-option" in r.stderr


def test_help_and_version():
    r = subprocess.run([str(DNSGATE), "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "--check-config" in r.stdout
    r = subprocess.run([str(DNSGATE), "-V"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.startswith("dnsgate ")
