# Compiler flags per build variant. Each variant builds into build/$(VARIANT)/
# so that release, asan and fuzz objects never overwrite one another.

CC.release := gcc
CC.asan    := gcc
CC.fuzz    := clang
CC.cov     := gcc
CC         := $(CC.$(VARIANT))

CFLAGS.release := -O2 -g
CFLAGS.asan    := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS.fuzz    := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
CFLAGS.cov     := -O0 -g --coverage

LDFLAGS.release :=
LDFLAGS.asan    := -fsanitize=address,undefined
LDFLAGS.fuzz    := -fsanitize=address,undefined
LDFLAGS.cov     := --coverage

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wundef

CPPFLAGS := -D_GNU_SOURCE -Isrc -include src/lib/compiler.h

ifeq ($(filter $(VARIANT),release asan fuzz cov),)
$(error VARIANT must be one of release, asan, fuzz, cov)
endif
