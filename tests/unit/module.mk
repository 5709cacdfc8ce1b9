# Unit tests: tests/unit/<dir>/test_<module>.c, one binary each, TAP output.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
TAP_OBJ   := $(B)/tests/unit/tap.o
ALL_OBJS  += $(UNIT_SRCS:%.c=$(B)/%.o) $(TAP_OBJ)

# Daemon libraries (libfrontend.a, ...) come first so they can use libdnsgate.
$(B)/tests/unit/%: $(B)/tests/unit/%.o $(TAP_OBJ) $(DAEMON_LIBS) $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(TAP_OBJ) $(DAEMON_LIBS) $(LIBDG) $(DAEMON_LDLIBS)
