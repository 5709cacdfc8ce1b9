# Test tools: small programs the system tests drive, one .c each
# (tests/tools/<name>.c -> $(B)/tests/tools/<name>), linked with libdnsgate.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS     += $(TOOL_SRCS:%.c=$(B)/%)
ALL_OBJS  += $(TOOL_SRCS:%.c=$(B)/%.o)

$(B)/tests/tools/%: $(B)/tests/tools/%.o $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(LIBDG)

# vrrp-node drives libvrrp (tests/system/test_vrrp.py); this explicit rule
# takes precedence over the pattern rule above.
$(B)/tests/tools/vrrp-node: $(B)/tests/tools/vrrp-node.o $(LIBVRRP) $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(LIBVRRP) $(LIBDG)
