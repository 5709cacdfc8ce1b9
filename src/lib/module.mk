# libdnsgate.a: the shared DNS library every daemon links.
LIB_SRCS := $(wildcard src/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIBDG    := $(B)/libdnsgate.a
ALL_OBJS += $(LIB_OBJS)

$(LIBDG): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
