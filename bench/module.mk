# Benchmark tools (bench/README.md): the load generator and the null
# responder. Plain C with libc (and threads) only; built by `make` like every program.
BENCH_SRCS := bench/dnsload.c bench/nullresp.c
BENCH_BINS := $(BENCH_SRCS:%.c=$(B)/%)
ALL_OBJS   += $(BENCH_SRCS:%.c=$(B)/%.o)

$(B)/bench/%: $(B)/bench/%.o
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< -lpthread
