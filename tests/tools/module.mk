# Test tools: small programs the system tests drive, one .c each
# (tests/tools/<name>.c -> $(B)/tests/tools/<name>), linked with libdnsgate.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS     += $(TOOL_SRCS:%.c=$(B)/%)
ALL_OBJS  += $(TOOL_SRCS:%.c=$(B)/%.o)

$(B)/tests/tools/%: $(B)/tests/tools/%.o $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(LIBDG)
