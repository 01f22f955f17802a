# xdpsec build. Quiet unless V=1; everything generated goes to build/.
# SAN=1 builds userspace with ASan+UBSan into build-san/.

.DELETE_ON_ERROR:
SHELL := /bin/bash
.SUFFIXES:

ARCH := $(shell uname -m)
TRIPLET := $(shell gcc -dumpmachine)
SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PYTEST ?= /usr/bin/pytest

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
XS_CFLAGS := $(CFLAGS) $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -pthread \
	-iquote engine -Iinclude -I$(BUILD)
LDLIBS_CRYPTO := -lcrypto

# Intel's multi-buffer IPsec library: the fast path on x86-64 when present.
IPSECMB_H := $(wildcard /usr/include/intel-ipsec-mb.h)
ifneq ($(and $(IPSECMB_H),$(filter x86_64,$(ARCH))),)
XS_CFLAGS += -DXS_HAVE_IPSECMB
LDLIBS_CRYPTO += -lIPSec_MB
else
ENGINE_EXCLUDE := engine/crypto_ipsecmb.c
endif

ENGINE_SRCS := $(filter-out $(ENGINE_EXCLUDE),$(wildcard engine/*.c))
ENGINE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRCS))
ENGINE_LIB := $(BUILD)/libxdpsec-engine.a

# The control library (ctl/): the protocol both daemons serve and every
# client speaks. The AF_XDP runtime (runtime/): workers, segmentation,
# merging, taps. The daemon (loader/): SA/policy store, SPD compiler,
# attach. The CLI (cli/): the xdpsec binary's command table and parsers.
CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))
CTL_LIB := $(BUILD)/libxdpsec-ctl.a
RUNTIME_SRCS := $(wildcard runtime/*.c)
RUNTIME_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(RUNTIME_SRCS))
RUNTIME_LIB := $(BUILD)/libxdpsec-runtime.a
LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LOADER_SRCS))
LOADER_LIB := $(BUILD)/libxdpsec-loader.a
CLI_SRCS := $(filter-out cli/xdpsec.c,$(wildcard cli/*.c))
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))
CLI_LIB := $(BUILD)/libxdpsec-cli.a
XDPSEC := $(if $(wildcard cli/xdpsec.c),$(BUILD)/xdpsec)
BPF_SKELS = $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))
# Include paths per folder: each sees only what it may depend on.
INC_CTL := -iquote ctl
INC_RUNTIME := -iquote runtime
INC_LOADER := -iquote loader $(INC_RUNTIME) $(INC_CTL) -iquote cli
INC_CLI := -iquote cli $(INC_CTL) -iquote loader
INC_IKE := -iquote ike $(INC_CTL)

# The IKEv2 agent: a library (everything but main.c) and its binary.
IKE_LIB_SRCS := $(filter-out ike/main.c,$(wildcard ike/*.c))
IKE_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(IKE_LIB_SRCS))
IKE_LIB := $(BUILD)/libxdpsec-ike.a
IKE_BIN := $(if $(wildcard ike/main.c),$(BUILD)/xdpsec-ike)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# BPF program tests (BPF_PROG_TEST_RUN, need root): tests/bpf/test_*.c
BPFTEST_SRCS := $(wildcard tests/bpf/test_*.c)
BPFTEST_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf_%,$(BPFTEST_SRCS))
LDLIBS_BPF := -lxdp -lbpf -lelf -lz
HARNESS_SRCS := $(wildcard tests/harness/*.c)
HARNESS_BINS := $(patsubst tests/harness/%.c,$(BUILD)/tests/%,$(HARNESS_SRCS))
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

# BPF objects.
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
	-I/usr/include/$(TRIPLET) -Iinclude -Ibpf

# Fuzzers: libFuzzer + ASan + UBSan, always with clang, separate build dir.
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -D_GNU_SOURCE -iquote engine -Iinclude $(filter -DXS_HAVE_IPSECMB,$(XS_CFLAGS))

.SECONDARY: $(BPF_SKELS)

.PHONY: demo ike loader all engine bpf tests bench test test-unit test-integration fuzz fuzz-run \
	check-ike-layers \
	bench-engine clean
all: engine bpf loader ike tests bench

engine: $(ENGINE_LIB)
loader: $(XDPSEC)
ike: $(IKE_LIB) $(IKE_BIN)
bpf: $(BPF_OBJS)
tests: $(UNIT_BINS) $(HARNESS_BINS) $(BPFTEST_BINS)
bench: $(BENCH_BINS)

$(BUILD)/engine/%.o: engine/%.c $(wildcard engine/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -c $< -o $@

$(ENGINE_LIB): $(ENGINE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/ctl/%.o: ctl/%.c $(wildcard ctl/*.h include/xdpsec/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_CTL) -c $< -o $@

$(BUILD)/runtime/%.o: runtime/%.c $(wildcard runtime/*.h engine/*.h include/xdpsec/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_RUNTIME) -c $< -o $@

$(BUILD)/loader/%.o: loader/%.c $(wildcard loader/*.h runtime/*.h ctl/*.h cli/*.h engine/*.h include/xdpsec/*.h) $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_LOADER) -c $< -o $@

$(BUILD)/cli/%.o: cli/%.c $(wildcard cli/*.h ctl/*.h loader/*.h engine/*.h include/xdpsec/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_CLI) -c $< -o $@

$(CTL_LIB): $(CTL_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(RUNTIME_LIB): $(RUNTIME_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(CLI_LIB): $(CLI_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/ike/%.o: ike/%.c $(wildcard ike/*.h ctl/*.h engine/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_IKE) -c $< -o $@

$(IKE_LIB): $(IKE_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/xdpsec-ike: $(BUILD)/ike/main.o $(IKE_LIB) $(CTL_LIB) $(ENGINE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XS_CFLAGS) $^ -o $@ $(LDLIBS_CRYPTO)

$(LOADER_LIB): $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/xdpsec: $(BUILD)/cli/xdpsec.o $(CLI_LIB) $(LOADER_LIB) $(RUNTIME_LIB) $(CTL_LIB) $(ENGINE_LIB) $(BPF_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XS_CFLAGS) $(BUILD)/cli/xdpsec.o -o $@ $(CLI_LIB) $(LOADER_LIB) $(CLI_LIB) \
		$(RUNTIME_LIB) $(CTL_LIB) $(ENGINE_LIB) $(LDLIBS_BPF) $(LDLIBS_CRYPTO)

UNIT_LIBS := $(IKE_LIB) $(CLI_LIB) $(RUNTIME_LIB) $(CTL_LIB) $(ENGINE_LIB)
INC_TESTS := -iquote cli -iquote ctl -iquote loader -iquote runtime -iquote ike -iquote tests/unit
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_LIBS) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_TESTS) $< -o $@ $(UNIT_LIBS) -lcmocka $(LDLIBS_CRYPTO)

$(BUILD)/tests/%: tests/harness/%.c $(ENGINE_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $< -o $@ $(ENGINE_LIB) $(LDLIBS_CRYPTO)

# The IKE shell's test fakes the state machine: link the shell objects only.
# The config loader: config.c, its conf_*.c, and the credential files it
# loads (pki_load.c) and checks against identities (cert_id.c).
IKE_CONF_SRCS := ike/config.c $(wildcard ike/conf_*.c) $(wildcard ike/pki_load.c ike/cert_id.c)
IKE_SHELL_TEST_OBJS := $(addprefix $(BUILD)/ike/,log.o timer.o net.o install.o expire.o \
	control.o metrics.o dp_events.o dp_gen.o ts.o) $(patsubst %.c,$(BUILD)/%.o,$(IKE_CONF_SRCS))
$(BUILD)/tests/test_ike_shell: tests/unit/test_ike_shell.c $(IKE_SHELL_TEST_OBJS) $(CTL_LIB) \
		$(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_TESTS) $< \
		$(IKE_SHELL_TEST_OBJS) -o $@ $(CTL_LIB) -lcmocka $(LDLIBS_CRYPTO)

# The SA state store (loader/sa_state.c) with the engine, on its own.
$(BUILD)/tests/test_sa_state: tests/unit/test_sa_state.c $(BUILD)/loader/sa_state.o $(ENGINE_LIB) \
		$(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_TESTS) $< $(BUILD)/loader/sa_state.o -o $@ $(ENGINE_LIB) \
		-lcmocka $(LDLIBS_CRYPTO)

# Fail closed while configured (install.c): the install and expiry
# objects against a fake datapath.
IKE_FAILCLOSED_TEST_OBJS := $(addprefix $(BUILD)/ike/,log.o install.o expire.o ts.o) \
	$(patsubst %.c,$(BUILD)/%.o,$(IKE_CONF_SRCS))
$(BUILD)/tests/test_ike_failclosed: tests/unit/test_ike_failclosed.c \
		$(IKE_FAILCLOSED_TEST_OBJS) $(CTL_LIB) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $(INC_TESTS) $< \
		$(IKE_FAILCLOSED_TEST_OBJS) -o $@ $(CTL_LIB) -lcmocka $(LDLIBS_CRYPTO)

# The SPD property test drives the real compiler (loader/spd.c).
$(BUILD)/tests/bpf_test_spd_property: tests/bpf/test_spd_property.c loader/spd.c loader/spd.h \
		$(BPF_OBJS) $(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -DXS_BPF_OBJ_DIR='"$(abspath $(BUILD))/bpf"' -Itests/bpf -iquote loader \
		$< loader/spd.c -o $@ -lcmocka $(LDLIBS_BPF)

$(BUILD)/tests/bpf_%: tests/bpf/%.c $(BPF_OBJS) $(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -DXS_BPF_OBJ_DIR='"$(abspath $(BUILD))/bpf"' -Itests/bpf $< -o $@ -lcmocka $(LDLIBS_BPF)

$(BUILD)/bench/%: bench/%.c $(ENGINE_LIB) $(wildcard bench/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) $< -o $@ $(ENGINE_LIB) $(LDLIBS_CRYPTO)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/xdpsec/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# IKE fuzzers link the codec only: nothing there touches sockets or files.
IKE_CODEC_SRCS := ike/msg.c $(wildcard ike/payload*.c) ike/wire_names.c $(IKE_CONF_SRCS)
build-fuzz/fuzz_ike_%: fuzz/fuzz_ike_%.c $(IKE_CODEC_SRCS) $(wildcard ike/*.h) fuzz/fuzz_check.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -iquote ike $< $(IKE_CODEC_SRCS) -o $@ $(LDLIBS_CRYPTO)

# RFC 7383 reassembly: the codec, the IKE crypto and both fragment halves.
FUZZ_FRAG_SRCS := $(IKE_CODEC_SRCS) ike/crypto.c ike/frag_tx.c ike/frag_rx.c
build-fuzz/fuzz_ike_frag: fuzz/fuzz_ike_frag.c $(FUZZ_FRAG_SRCS) $(wildcard ike/*.h) fuzz/fuzz_check.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -iquote ike $< $(FUZZ_FRAG_SRCS) -o $@ $(LDLIBS_CRYPTO)

# The worker's TCP segmentation and merging: the loader's pure parts too.
FUZZ_MERGE_SRCS := runtime/gso.c runtime/merge.c runtime/csum.c
build-fuzz/fuzz_merge: fuzz/fuzz_merge.c $(FUZZ_MERGE_SRCS) $(ENGINE_SRCS) runtime/gso.h \
		runtime/merge.h runtime/csum.h $(wildcard engine/*.h) fuzz/fuzz_check.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -iquote runtime $< $(FUZZ_MERGE_SRCS) $(ENGINE_SRCS) -o $@ \
		$(LDLIBS_CRYPTO)

# The BPF programs under BPF_PROG_TEST_RUN (needs root), their SPD
# programmed by the real compiler, checked against tests/bpf/spd_ref.h.
build-fuzz/fuzz_bpf: fuzz/fuzz_bpf.c loader/spd.c loader/spd.h tests/bpf/spd_ref.h \
		fuzz/fuzz_check.h $(BPF_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -DXS_BPF_OBJ_DIR='"$(abspath $(BUILD))/bpf"' -iquote loader \
		-iquote tests/bpf $< loader/spd.c -o $@ $(LDLIBS_BPF)

build-fuzz/%: fuzz/%.c $(ENGINE_SRCS) $(wildcard engine/*.h) $(wildcard fuzz/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(ENGINE_SRCS) -o $@ $(LDLIBS_CRYPTO)

fuzz: $(FUZZ_BINS)

# Runs every fuzzer for FUZZ_SECONDS; any finding fails.
fuzz-run: fuzz
	$(Q)set -e; for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); mkdir -p build-fuzz/corpus-$$name; \
		echo "== $$name for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/ build-fuzz/corpus-$$name fuzz/seeds/$$name 2>&1 \
			| grep -E '^(stat::number_of_executed_units|stat::peak_rss|==|INFO: Running|Done)' || true; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

# The IKE state machine's files call one another one way only
# (docs/architecture.md): checked on the objects.
check-ike-layers: $(IKE_LIB)
	$(Q)/usr/bin/python3 scripts/ike-layers.py $(BUILD) > /dev/null

test-unit: tests check-ike-layers
	$(Q)set -e; pass=0; for t in $(UNIT_BINS) $(BPFTEST_BINS); do \
		echo "== $$t"; $$t; pass=$$((pass+1)); done; \
	echo "unit: $$pass test programs passed"

test-integration: all
	$(Q)XS_BUILD=$(abspath $(BUILD)) $(PYTEST) -q tests/integration

test: test-unit test-integration

demo: all
	$(Q)scripts/demo.sh

bench-engine: $(BUILD)/bench/bench_engine
	$(Q)$(BUILD)/bench/bench_engine

clean:
	$(Q)rm -rf build build-san build-fuzz

# bench-tunnel (owned by the tunnel benchmark)
# BPF helpers of bench/bench_tunnel.py: bench/*.bpf.c -> build/bench/*.bpf.o.
BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)
BENCH_BPF_OBJS := $(patsubst bench/%.bpf.c,$(BUILD)/bench/%.bpf.o,$(BENCH_BPF_SRCS))

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O2 -g -Wall -Werror -target bpf -I/usr/include/$(TRIPLET) -c $< -o $@

.PHONY: bench-tunnel
bench-tunnel: $(XDPSEC) $(BENCH_BPF_OBJS)
	$(Q)XS_BUILD=$(abspath $(BUILD)) /usr/bin/python3 bench/bench_tunnel.py

# bench-ike (owned by the IKE benchmark)
# IKE SA + Child SA setups per second, xdpsec's agent vs strongSwan's
# charon as responder (bench/bench_ike.py, docs/ike-tests.md).
.PHONY: bench-ike
bench-ike: $(XDPSEC) $(IKE_BIN)
	$(Q)XS_BUILD=$(abspath $(BUILD)) /usr/bin/python3 bench/bench_ike.py

# ---------------------------------------------------------------------------
# Version, install and packaging (issue #10; docs/operations.md).
#
# The version: scripts/version.sh (git describe, or VERSION), or XS_VERSION
# given on the command line (the Debian build passes its upstream version).
# xs_version_gen.h is rewritten only when the string changes.
XS_VERSION ?= $(shell scripts/version.sh)

.PHONY: FORCE
FORCE:

$(BUILD)/xs_version_gen.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)v='$(XS_VERSION)'; case "$$v" in ''|*[!0-9A-Za-z.+~-]*) \
		echo "bad XS_VERSION '$$v'" >&2; exit 1;; esac; \
	printf '/* generated by make: the version */\n#define XS_VERSION_STRING "%s"\n' \
		"$$v" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/ctl/version.o: $(BUILD)/xs_version_gen.h

# Install directories, GNU style; DESTDIR is prepended to each. The BPF
# programs are compiled into the xdpsec binary as skeletons (loader/skel.h):
# nothing under datadir or libdir is needed at run time.
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
sbindir ?= $(exec_prefix)/sbin
datarootdir ?= $(prefix)/share
mandir ?= $(datarootdir)/man
sysconfdir ?= $(prefix)/etc
# systemd reads /usr/local/lib/systemd/system too; Debian passes
# /lib/systemd/system.
unitdir ?= $(prefix)/lib/systemd/system
bashcompdir ?= $(datarootdir)/bash-completion/completions
INSTALL ?= install

MAN_PAGES := $(BUILD)/man/xdpsec.8 $(BUILD)/man/xdpsec-ike.8 $(BUILD)/man/xdpsec-ike.conf.5
UNITS := $(BUILD)/systemd/xdpsec@.service $(BUILD)/systemd/xdpsec-ike@.service
# One completion script serves both programs (a link for xdpsec-ike).
COMPLETION := completion/xdpsec
# Examples go to $(sysconfdir)/xdpsec/examples/, never over a file there.
EXAMPLES := ike/examples/host-to-host.conf systemd/datapath.env

# Paths in man pages and units follow the install directories.
SUBST = sed -e 's|@VERSION@|$(XS_VERSION)|g' -e 's|@sbindir@|$(sbindir)|g' \
	-e 's|@sysconfdir@|$(sysconfdir)|g'

# Man pages: Markdown in man/ through scripts/md2man.py (docs included).
$(BUILD)/man/%: man/%.md scripts/md2man.py $(wildcard docs/*.md) FORCE
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)/usr/bin/python3 scripts/md2man.py $< $@.roff
	$(Q)$(SUBST) $@.roff > $@.tmp && rm -f $@.roff && \
		if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/systemd/%: systemd/%.in FORCE
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SUBST) $< > $@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

.PHONY: installables install uninstall
# Everything `install` copies; the Debian build makes just this.
installables: $(XDPSEC) $(IKE_BIN) $(MAN_PAGES) $(UNITS)

install: installables
	$(Q)$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(unitdir) $(DESTDIR)$(bashcompdir)
	$(Q)$(INSTALL) -m 0755 $(XDPSEC) $(IKE_BIN) $(DESTDIR)$(sbindir)/
	$(Q)set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; gzip -9n -c $$m > $(DESTDIR)$(mandir)/man$$s/$$(basename $$m).gz; \
		chmod 0644 $(DESTDIR)$(mandir)/man$$s/$$(basename $$m).gz; done
	$(Q)$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(unitdir)/
	$(Q)$(INSTALL) -m 0644 $(COMPLETION) $(DESTDIR)$(bashcompdir)/xdpsec
	$(Q)ln -sf xdpsec $(DESTDIR)$(bashcompdir)/xdpsec-ike
	$(Q)# Configurations hold keys: root only.
	$(Q)$(INSTALL) -d -m 0700 $(DESTDIR)$(sysconfdir)/xdpsec \
		$(DESTDIR)$(sysconfdir)/xdpsec/examples
	$(Q)set -e; for f in $(EXAMPLES); do \
		t=$(DESTDIR)$(sysconfdir)/xdpsec/examples/$$(basename $$f); \
		if [ -e $$t ]; then echo "  kept     $$t (exists)"; \
		else $(INSTALL) -m 0600 $$f $$t; fi; done

# Removes what install copied. An example that was edited stays, and so do
# the instance configurations next to it.
uninstall:
	$(Q)rm -f $(DESTDIR)$(sbindir)/xdpsec $(DESTDIR)$(sbindir)/xdpsec-ike
	$(Q)rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)).gz)
	$(Q)rm -f $(foreach u,$(UNITS),$(DESTDIR)$(unitdir)/$(notdir $(u)))
	$(Q)rm -f $(DESTDIR)$(bashcompdir)/xdpsec $(DESTDIR)$(bashcompdir)/xdpsec-ike
	$(Q)set -e; for f in $(EXAMPLES); do \
		t=$(DESTDIR)$(sysconfdir)/xdpsec/examples/$$(basename $$f); \
		if [ -e $$t ] && ! cmp -s $$f $$t; then echo "  kept     $$t (edited)"; \
		else rm -f $$t; fi; done
	$(Q)rmdir $(DESTDIR)$(sysconfdir)/xdpsec/examples 2>/dev/null || true
	$(Q)rmdir $(DESTDIR)$(sysconfdir)/xdpsec 2>/dev/null || true
