# dnsgate, the frontend: main.c is thin; everything else is libfrontend.a so
# unit tests and fuzzers link the real daemon code.
FE_SRCS := $(filter-out src/frontend/main.c,$(wildcard src/frontend/*.c src/frontend/config/*.c))
FE_OBJS := $(FE_SRCS:%.c=$(B)/%.o)
LIBFE   := $(B)/libfrontend.a
DNSGATE := $(B)/dnsgate
ALL_OBJS += $(FE_OBJS) $(B)/src/frontend/main.o
ifneq ($(wildcard src/frontend/main.c),)
BINS     += $(DNSGATE)
endif

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
$(FE_OBJS) $(B)/src/frontend/main.o: CPPFLAGS += $(LUA_CFLAGS)

ifneq ($(FE_SRCS),)
DAEMON_LIBS   += $(LIBFE)
endif
DAEMON_LDLIBS += $(LUA_LIBS) -lpthread -lm

$(LIBFE): $(FE_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(DNSGATE): $(B)/src/frontend/main.o $(LIBFE) $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(LIBFE) $(LIBDG) $(DAEMON_LDLIBS)
