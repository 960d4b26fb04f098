# Build configuration for md. Override on the command line: make CC=gcc
CC       = musl-gcc
DEPS     = build/deps
CPPFLAGS = -D_GNU_SOURCE -Ilib -Iapplets -I$(DEPS)/include
CFLAGS   = -std=gnu11 -Os -Wall -Wextra -Wno-unused-parameter \
           -Wno-sign-compare -Wno-missing-field-initializers -Wno-format-truncation \
           -ffunction-sections -fdata-sections \
           -fno-asynchronous-unwind-tables -fno-unwind-tables
LDFLAGS  = -static -Wl,--gc-sections -s -Wl,-T,config/monitor.ld
LIBS     = $(DEPS)/lib/libbearssl.a $(DEPS)/lib/libz.a $(DEPS)/lib/libinih.a
PREFIX   = /usr/local
APPLETS  = exec images import inspect kill load logs network port ps pull restart rm rmi run start stop wait

# Fuzzing builds use clang with glibc and the system's libraries.
FUZZ_CC     = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -I$(DEPS)/include
FUZZ_LIBS   = -lz -l:libbearssl.a -l:libinih.a
FUZZ_TIME   = 60
