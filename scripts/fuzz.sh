#!/bin/sh
# Runs each libFuzzer target for $1 seconds (default 300) from its seeds.
# A crash, leak or sanitizer report makes libFuzzer exit non-zero.
set -eu
secs=${1:-300}
B=build/fuzz
status=0
for f in "$B"/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	corpus=$B/fuzz-corpus/$name
	mkdir -p "$corpus"
	echo "fuzz: $name for ${secs}s"
	"$f" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$B/fuzz-crash-$name-" "$corpus" tests/fuzz/seeds/"$name" || status=1
done
exit $status
