# Fuzz targets: tests/fuzz/fuzz_<x>.c defines LLVMFuzzerTestOneInput.
# replay_<x> (gcc, every variant) feeds tests/fuzz/seeds/<x>/* and the
# malformed corpus through the target for `make test`; fuzz_<x> (clang,
# VARIANT=fuzz) is the libFuzzer binary for `make fuzz`.
FUZZ_SRCS        := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES       := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(B)/tests/fuzz/replay_%)
FUZZ_BINS        := $(FUZZ_NAMES:%=$(B)/tests/fuzz/fuzz_%)
ALL_OBJS         += $(FUZZ_SRCS:%.c=$(B)/%.o) $(B)/tests/fuzz/replay.o

$(B)/tests/fuzz/replay_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o $(DAEMON_LIBS) $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $^ $(DAEMON_LDLIBS)

$(B)/tests/fuzz/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(DAEMON_LIBS) $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -fsanitize=fuzzer -o $@ $^ $(DAEMON_LDLIBS)

.PHONY: fuzz-targets
fuzz-targets: $(FUZZ_BINS)
