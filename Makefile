# dnsgate: one non-recursive makefile. Each directory adds its targets in its
# own module.mk. `make help` lists the targets.

VARIANT ?= release
FUZZ_SECONDS ?= 300
B ?= build/$(VARIANT)

.DEFAULT_GOAL := all
include mk/flags.mk

ALL_OBJS :=
BINS :=
TOOLS :=
include src/lib/module.mk
-include src/frontend/module.mk
-include src/vrrp/module.mk
include tests/unit/module.mk
include tests/fuzz/module.mk
include tests/tools/module.mk
-include bench/module.mk

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS.$(VARIANT)) -MMD -MP -c -o $@ $<

# Test programs include tests/unit/tap.h.
$(B)/tests/%.o: CPPFLAGS += -Itests/unit

# Objects are products, not intermediates: keep them for incremental builds.
.SECONDARY:

-include $(ALL_OBJS:.o=.d)

.PHONY: all deps test check-asan fuzz run bench clean help unit system

all: $(LIBDG) $(BINS) $(UNIT_BINS) $(FUZZ_REPLAY_BINS) $(TOOLS) $(BENCH_BINS)

deps:
	@sh scripts/deps.sh

# Every test: unit tests, documentation check, fuzz-corpus replay, system tests.
test: deps
	@$(MAKE) --no-print-directory VARIANT=$(VARIANT) B=$(B) all
	@VARIANT=$(VARIANT) B=$(B) sh scripts/test.sh

check-asan:
	@$(MAKE) --no-print-directory VARIANT=asan test

fuzz: deps
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-targets
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

run: deps
	@$(MAKE) --no-print-directory VARIANT=$(VARIANT) B=$(B) all
	@sh scripts/lab.sh

# dnsgate next to dnsdist under the same load (bench/README.md); BENCH_ARGS
# passes options to bench/run.py, e.g. BENCH_ARGS=--quick.
bench:
	@BENCH=1 sh scripts/deps.sh
	@$(MAKE) --no-print-directory VARIANT=$(VARIANT) B=$(B) all
	@/usr/bin/python3 bench/run.py --build $(B) $(BENCH_ARGS)

clean:
	rm -rf build

help:
	@echo "make             build the library, daemons and test programs (build/release)"
	@echo "make test        install missing Debian packages, build, run every test"
	@echo "make check-asan  the whole test suite built with ASan+UBSan (build/asan)"
	@echo "make fuzz        libFuzzer targets with clang, bounded run (FUZZ_SECONDS=300 per target)"
	@echo "make run         the guide's lab on loopback (dnsgate on 127.0.0.1:5300)"
	@echo "make bench       dnsgate vs dnsdist per-query CPU, instructions, latency, memory (BENCH_ARGS=--quick)"
	@echo "make clean       remove build/"
