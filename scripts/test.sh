#!/bin/sh
# Runs every test of the build variant $VARIANT (release by default) and ends
# with one line CI reads: "N passed, N failed". Stages: unit tests (TAP),
# header documentation check, fuzz-seed replay, system tests (pytest).
set -u
VARIANT=${VARIANT:-release}
B=${B:-build/$VARIANT}
export DNSGATE_BUILD="$PWD/$B"
LOG=$B/test-logs
mkdir -p "$LOG"
passed=0
failed=0

# tap_count FILE EXIT_STATUS: adds a TAP file's results to the totals; a
# program that exited non-zero without a "not ok" line crashed: one failure.
tap_count() {
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-50s %4d passed, %d failed\n' "$(basename "$1" .tap)" "$p" "$f"
	if [ "$f" -ne 0 ]; then grep -E '^(not ok|#)' "$1" | head -40; fi
}

echo "== unit tests ($VARIANT)"
for t in "$B"/tests/unit/*/test_*; do
	[ -x "$t" ] || continue
	out="$LOG/$(basename "$t").tap"
	"$t" >"$out" 2>&1
	tap_count "$out" $?
done

echo "== header documentation"
out="$LOG/doccheck.tap"
/usr/bin/python3 scripts/check-docs.py src >"$out" 2>&1
tap_count "$out" $?

echo "== fuzz seed replay"
for r in "$B"/tests/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=${r##*/replay_}
	out="$LOG/replay_$name.tap"
	"$r" tests/fuzz/seeds/"$name"/* >"$out" 2>&1
	tap_count "$out" $?
done

echo "== system tests"
xml="$LOG/pytest.xml"
rm -f "$xml"
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$xml" tests/system ${PYTEST_ARGS:-}
st=$?
if [ -f "$xml" ]; then
	set -- $(/usr/bin/python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == "testsuite" else r.find("testsuite")
t, f, e, k = (int(s.get(x, 0)) for x in ("tests", "failures", "errors", "skipped"))
print(t - f - e - k, f + e)
PY
)
	passed=$((passed + $1))
	failed=$((failed + $2))
	# exit 5 is "no tests collected": not a failure of its own.
	if [ "$st" -ne 0 ] && [ "$st" -ne 5 ] && [ "$2" -eq 0 ]; then failed=$((failed + 1)); fi
elif [ "$st" -ne 5 ]; then
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
