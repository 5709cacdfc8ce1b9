# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Keeps the dnspython cross-check of the message builder honest.

tests/unit/lib/test_pktbuild.c compares our builder's output with bytes
that dnspython (an independent implementation) produced, embedded as hex
together with the Python snippet that produced them, in a comment. This
test runs that very snippet with the installed dnspython and checks the
embedded hex is still its output, so the C test cannot drift into
comparing our builder with itself.
"""
import contextlib
import io
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
C_TEST = ROOT / "tests/unit/lib/test_pktbuild.c"


def _snippet(text):
    """The Python lines of the comment that ends with the print call."""
    start = text.index("is the output of:")
    lines = []
    for line in text[start:].splitlines()[1:]:
        m = re.match(r"^ \*(?:   (.*)|\s*)$", line)
        if m is None:
            break
        lines.append(m.group(1) or "")
        if (m.group(1) or "").startswith("print("):
            break
    return "\n".join(lines).strip() + "\n"


def _embedded_hex(text):
    m = re.search(r"dnspython_hex\[\] =\s*((?:\"[0-9a-f]*\"\s*)+);", text)
    assert m, "dnspython_hex not found in " + str(C_TEST)
    return "".join(re.findall(r"\"([0-9a-f]*)\"", m.group(1)))


def test_embedded_bytes_are_dnspython_output():
    text = C_TEST.read_text()
    code = _snippet(text)
    assert "make_response" in code and code.rstrip().endswith("print(m.to_wire().hex())")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(C_TEST), "exec"), {})
    assert out.getvalue().strip() == _embedded_hex(text)
