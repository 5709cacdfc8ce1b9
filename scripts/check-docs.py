#!/usr/bin/python3
"""Checks that every function declared in a header under the given
directories has a doc comment right above it (STYLE.md 8.6). Prints TAP:
one line per header; a missing comment names the function and line."""
import pathlib
import re
import sys

PROTO = re.compile(r"^(?!typedef|static|#|\s|}|{|/|\*|extern \"C\")[^;{}]*?\b(\w+)\s*\([^;{}]*\)[^;{}]*;", re.M)


def undocumented(text):
    missing = []
    for m in PROTO.finditer(text):
        before = text[: m.start()].rstrip()
        if not before.endswith("*/"):
            line = text.count("\n", 0, m.start()) + 1
            missing.append(f"{m.group(1)} (line {line})")
    return missing


def main(dirs):
    headers = sorted(h for d in dirs for h in pathlib.Path(d).rglob("*.h"))
    failed = 0
    for n, h in enumerate(headers, 1):
        missing = undocumented(h.read_text())
        if missing:
            failed += 1
            print(f"not ok {n} - {h} documents every function")
            for m in missing:
                print(f"# no doc comment: {m}")
        else:
            print(f"ok {n} - {h} documents every function")
    print(f"1..{len(headers)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src"]))
