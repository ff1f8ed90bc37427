# CTV ad server: adserverd (daemon), ctvctl (CLI), ctvtui (TUI).
#
#   make            build (BUILD=debug by default; BUILD=release|asan)
#   make run        install what is missing, start PostgreSQL and Redis under
#                   ./var, migrate, load the demo, run adserverd
#   make test       install what is missing, build, run every test on private
#                   servers, print "N passed, N failed"
#   make bench      wrk benchmarks against nginx serving the same bytes
#   make bench-media  transcoding speed per rung, p99 while transcoding
#   make soak       the beacon kill -9 fault test with 100,000 beacons
#   make asan       the ASan+UBSan build
#   make valgrind   unit tests under valgrind
#   make fuzz       longer fuzz runs (FUZZ_SECONDS per target)
#   make layers     print the layer graph and check the include order
#   make install    PREFIX=/usr/local DESTDIR=
#   make stop       stop what make run started
#   make clean
#
# One Makefile, no recursion, explicit source lists.

BUILD ?= debug
O ?= build/$(BUILD)
PKG_CONFIG ?= pkg-config
CC ?= cc
CLANG ?= clang
PREFIX ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 60
V ?= 0

ifeq ($(V),0)
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
quiet =
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wvla -Wwrite-strings -Wformat-security \
	-Wold-style-definition -Wmissing-prototypes -Wno-missing-field-initializers
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP -I. -Iadserverd -I$(O)/gen

ifeq ($(BUILD),release)
OPT := -O2 -g -DNDEBUG
else ifeq ($(BUILD),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
else
OPT := -O2 -g
endif

DAEMON_PKGS := libmicrohttpd jansson libjwt hiredis libpq libxml-2.0 libcurl libcrypt libcrypto
CLIENT_PKGS := libcurl jansson
CTVCTL_PKGS := $(CLIENT_PKGS) libxml-2.0
TUI_PKGS := ncursesw libcurl jansson

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(call pkg_cflags,$(DAEMON_PKGS) $(TUI_PKGS) cmocka) $(CFLAGS)
DAEMON_LIBS = $(call pkg_libs,$(DAEMON_PKGS)) -lpthread -lm
CLIENT_LIBS = $(call pkg_libs,$(CLIENT_PKGS))
CTVCTL_LIBS = $(call pkg_libs,$(CTVCTL_PKGS)) -lm
TUI_LIBS = $(call pkg_libs,$(TUI_PKGS)) -lpthread -lm
CMOCKA_LIBS = $(call pkg_libs,cmocka)

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

LIB_SRCS := lib/xalloc.c lib/buf.c lib/log.c lib/clock.c lib/hexcode.c

DAEMON_SRCS := \
	adserverd/ad/beacon.c \
	adserverd/ad/serve_adrequest.c \
	adserverd/ad/serve_media.c \
	adserverd/ad/serve_vast.c \
	adserverd/ad/serve_vmap.c \
	adserverd/admin/api_analytics.c \
	adserverd/admin/api_auth.c \
	adserverd/admin/api_campaigns.c \
	adserverd/admin/api_common.c \
	adserverd/admin/api_creatives.c \
	adserverd/admin/api_explain.c \
	adserverd/admin/api_root.c \
	adserverd/admin/api_series.c \
	adserverd/admin/api_serving.c \
	adserverd/admin/api_thirdparty.c \
	adserverd/admin/api_uploads.c \
	adserverd/admin/validate.c \
	adserverd/auth/auth_jwt.c \
	adserverd/auth/email.c \
	adserverd/auth/password.c \
	adserverd/beacon/beacon_record.c \
	adserverd/beacon/intake.c \
	adserverd/beacon/spool.c \
	adserverd/beacon/spool_drain.c \
	adserverd/core/bgthread.c \
	adserverd/core/config.c \
	adserverd/core/metrics.c \
	adserverd/db/db.c \
	adserverd/db/db_beacons.c \
	adserverd/db/db_campaigns.c \
	adserverd/db/db_creative_media.c \
	adserverd/db/db_creative_renditions.c \
	adserverd/db/db_creatives.c \
	adserverd/db/db_serving.c \
	adserverd/db/db_stats.c \
	adserverd/db/db_thirdparty.c \
	adserverd/db/db_users.c \
	adserverd/db/migrate.c \
	adserverd/db/rowjson.c \
	adserverd/decision/adparams.c \
	adserverd/decision/catalog.c \
	adserverd/decision/catalog_load.c \
	adserverd/decision/decision.c \
	adserverd/decision/freqcap.c \
	adserverd/decision/pacing.c \
	adserverd/decision/serving.c \
	adserverd/decision/snapshot.c \
	adserverd/decision/spend.c \
	adserverd/decision/targeting.c \
	adserverd/decision/tick.c \
	adserverd/decision/ticker.c \
	adserverd/http/auth.c \
	adserverd/http/body.c \
	adserverd/http/connlimit.c \
	adserverd/http/framing.c \
	adserverd/http/hostport.c \
	adserverd/http/public_base.c \
	adserverd/http/http_server.c \
	adserverd/http/multipart.c \
	adserverd/http/ratelimit.c \
	adserverd/http/reply.c \
	adserverd/http/request.c \
	adserverd/http/router.c \
	adserverd/main.c \
	adserverd/media/child.c \
	adserverd/media/creative_url.c \
	adserverd/media/creative_worker.c \
	adserverd/media/ffprobe.c \
	adserverd/media/ladder.c \
	adserverd/media/media_index.c \
	adserverd/media/rendition_job.c \
	adserverd/media/sniff.c \
	adserverd/media/transcode.c \
	adserverd/redis/kv.c \
	adserverd/routes.c \
	adserverd/seed.c \
	adserverd/redis/kv_async.c \
	adserverd/storage/sigv4.c \
	adserverd/storage/storage.c \
	adserverd/storage/storage_local.c \
	adserverd/storage/storage_s3.c \
	adserverd/storage/storage_spool.c \
	adserverd/tag/unwrap.c \
	adserverd/util/isodate.c \
	adserverd/util/jsnum.c \
	adserverd/util/tz.c \
	adserverd/util/uuid.c \
	adserverd/vast/macros.c \
	adserverd/vast/trackers.c \
	adserverd/vast/trackurl.c \
	adserverd/vast/vast.c \
	adserverd/vast/verification.c \
	adserverd/vast/vmap.c \
	adserverd/vast/prerender.c \
	adserverd/vast/xmlerr.c

SQL_FILES := $(sort $(wildcard sql/0*.sql))

# The client library of ctvctl and ctvtui (libcurl + jansson): the admin API
# client, configuration and token file, terminal facts. Both programs link
# CLIENT_OBJS; ctvtui must not need anything else of ctvctl.
CLIENT_LIB_SRCS := client/apiclient.c client/clientcfg.c client/term.c

CTVCTL_MAIN := ctvctl/main.c
CTVCTL_SRCS := $(CTVCTL_MAIN) ctvctl/cli.c ctvctl/output.c ctvctl/progress.c ctvctl/vastcheck.c \
	ctvctl/cmd_auth.c ctvctl/cmd_campaigns.c ctvctl/cmd_creatives.c ctvctl/cmd_analytics.c \
	ctvctl/cmd_settings.c ctvctl/cmd_tag.c ctvctl/cmd_explain.c ctvctl/cmd_vast.c \
	ctvctl/cmd_health.c ctvctl/cmd_version.c ctvctl/cmd_trackers.c
CTVTUI_MAIN := ctvtui/main.c
CTVTUI_SRCS := $(CTVTUI_MAIN) ctvtui/ui.c ctvtui/keys.c ctvtui/fetch.c ctvtui/form.c \
	ctvtui/chart.c ctvtui/text.c ctvtui/model.c ctvtui/pathcomp.c ctvtui/actions.c \
	ctvtui/view_login.c ctvtui/view_dashboard.c ctvtui/view_campaigns.c \
	ctvtui/view_campaign.c ctvtui/view_edit.c ctvtui/view_upload.c ctvtui/view_live.c \
	ctvtui/view_help.c

# Unit tests: tests/unit/<folder>/test_<module>.c mirrors the source tree;
# each builds to $(O)/tests/test_<module>, linked against the daemon's objects.
UNIT_TESTS := routes lib/hexcode core/bgthread redis/kv_async util/uuid util/isodate util/jsnum \
	util/tz db/rowjson db/db db/migrate db/db_creatives db/db_beacons \
	storage/sigv4 storage/storage storage/storage_local storage/storage_s3 \
	vast/trackurl vast/macros vast/vast vast/vmap vast/prerender vast/trackers auth/auth_jwt \
	auth/password auth/email media/child media/ffprobe media/sniff media/ladder media/transcode media/media_index \
	media/creative_url \
	decision/decision decision/decision_diff decision/tick decision/freqcap decision/pacing \
	decision/snapshot decision/targeting \
	decision/catalog decision/adparams beacon/spool beacon/beacon_record beacon/spool_drain \
	http/body http/router http/ratelimit http/multipart http/framing http/hostport admin/validate \
	ad/serve_media
# Unit tests of the client side, linked against the client objects instead.
CLIENT_UNIT_TESTS := client/apiclient client/clientcfg client/term ctvctl/output \
	ctvctl/progress ctvctl/vastcheck
# Unit tests of ctvtui's pure modules, linked against its objects (no main).
TUI_UNIT_TESTS := ctvtui/tui_chart ctvtui/tui_keys ctvtui/tui_text ctvtui/tui_form \
	ctvtui/tui_model ctvtui/tui_pathcomp

unit_bin = $(O)/tests/test_$(notdir $(1))
unit_obj = $(O)/tests/unit/$(patsubst ./%,%,$(dir $(1)))test_$(notdir $(1)).o

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(O)/%.o) $(O)/gen/sql_embed.o
DAEMON_LIB := $(O)/libadserverd.a
CLIENT_OBJS := $(CLIENT_LIB_SRCS:%.c=$(O)/%.o) $(LIB_OBJS)
CTVCTL_OBJS := $(filter-out $(O)/$(CTVCTL_MAIN:.c=.o),$(CTVCTL_SRCS:%.c=$(O)/%.o))
CLIENT_UNIT_BINS := $(foreach t,$(CLIENT_UNIT_TESTS),$(call unit_bin,$(t)))
CTVTUI_OBJS := $(filter-out $(O)/$(CTVTUI_MAIN:.c=.o),$(CTVTUI_SRCS:%.c=$(O)/%.o))
TUI_UNIT_BINS := $(foreach t,$(TUI_UNIT_TESTS),$(call unit_bin,$(t)))
DAEMON_UNIT_BINS := $(foreach t,$(UNIT_TESTS),$(call unit_bin,$(t)))
UNIT_BINS := $(DAEMON_UNIT_BINS) $(CLIENT_UNIT_BINS) $(TUI_UNIT_BINS)

PROGRAMS := $(O)/bin/adserverd $(O)/bin/ctvctl $(O)/bin/ctvtui

.PHONY: all asan release run test test-unit bench bench-media soak valgrind fuzz fuzz-build \
	install stop clean deps unit-bins layers

# Keep test objects between runs (they are intermediate files of test_% links).
.SECONDARY:

all: $(PROGRAMS) unit-bins

unit-bins: $(UNIT_BINS)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=asan all

release:
	$(Q)$(MAKE) --no-print-directory BUILD=release all

$(O)/%.o: %.c
	$(call quiet,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(O)/gen/sql_embed.c: scripts/embed_sql.sh $(SQL_FILES)
	$(call quiet,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)sh scripts/embed_sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(O)/gen/sql_embed.o: $(O)/gen/sql_embed.c
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# The Makefile is a prerequisite: adding a source whose object is older than
# the archive must still rebuild it.
$(DAEMON_LIB): $(filter-out $(O)/adserverd/main.o,$(DAEMON_OBJS)) $(LIB_OBJS) Makefile
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(O)/bin/adserverd: $(O)/adserverd/main.o $(DAEMON_LIB)
	$(call quiet,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(LDFLAGS)

$(O)/bin/ctvctl: $(CTVCTL_SRCS:%.c=$(O)/%.o) $(CLIENT_OBJS)
	$(call quiet,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_LDFLAGS) -o $@ $^ $(CTVCTL_LIBS) $(LDFLAGS)

$(O)/bin/ctvtui: $(CTVTUI_SRCS:%.c=$(O)/%.o) $(CLIENT_OBJS)
	$(call quiet,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_LDFLAGS) -o $@ $^ $(TUI_LIBS) $(LDFLAGS)

# One link rule per test binary: its object sits in the folder that mirrors
# the module's, and what it links against depends on the program it tests.
define unit_test_rule
$(call unit_bin,$(1)): $(call unit_obj,$(1)) $(2)
	$$(call quiet,LINK,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(SAN_LDFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $(3) $$(LDFLAGS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t),$$(DAEMON_LIB),$$(DAEMON_LIBS))))
$(foreach t,$(CLIENT_UNIT_TESTS),$(eval $(call unit_test_rule,$(t),$$(CTVCTL_OBJS) $$(CLIENT_OBJS),$$(CTVCTL_LIBS))))
$(foreach t,$(TUI_UNIT_TESTS),$(eval $(call unit_test_rule,$(t),$$(CTVTUI_OBJS) $$(CLIENT_OBJS),$$(TUI_LIBS))))

# ---------------------------------------------------------------------------
# Running and testing
# ---------------------------------------------------------------------------

deps:
	$(Q)bash scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory BUILD=debug build/debug/bin/adserverd
	$(Q)bash scripts/run.sh build/debug/bin/adserverd

stop:
	$(Q)bash scripts/svc.sh stop var

test: deps
	$(Q)$(MAKE) --no-print-directory BUILD=debug all
	$(Q)$(MAKE) --no-print-directory BUILD=asan all
	$(Q)bash tests/run.sh

# The include order of docs/architecture.md, checked (tests/run.sh runs it too).
layers:
	$(Q)bash scripts/layers.sh --graph

test-unit: all
	$(Q)for t in $(UNIT_BINS); do $$t || exit 1; done

valgrind: all
	$(Q)set -e; for t in $(UNIT_BINS); do \
		valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=1 $$t; done

bench: deps
	$(Q)bash tests/bench/run.sh

# Transcoding speed per rung and a running transcode's effect on the ad
# listener's p99 (tests/bench/media.sh), with the default settings.
bench-media: deps
	$(Q)bash tests/bench/media.sh

# The kill -9 fault test with 100,000 beacons, on fresh servers.
soak: deps
	$(Q)$(MAKE) --no-print-directory BUILD=debug all
	$(Q)$(MAKE) --no-print-directory BUILD=asan all
	$(Q)BEACON_N=$${BEACON_N:-100000} SKIP_UNIT=1 SKIP_FUZZ=1 TEST_FILTER=t910 bash tests/run.sh

FUZZ_TARGETS := multipart auth_jwt body sniff ffprobe ladder email isodate jsnum validate trackurl \
	decision tz adparams spool beacon_record clientcfg vastcheck tui_json hexcode framing prerender \
	trackers unwrap
FUZZ_SRCS_adparams := tests/fuzz/fuzz_adparams.c adserverd/decision/adparams.c $(LIB_SRCS)
FUZZ_SRCS_auth_jwt := tests/fuzz/fuzz_auth_jwt.c adserverd/auth/auth_jwt.c $(LIB_SRCS)
FUZZ_SRCS_framing := tests/fuzz/fuzz_framing.c adserverd/http/framing.c adserverd/http/hostport.c \
	$(LIB_SRCS)
FUZZ_SRCS_body := tests/fuzz/fuzz_body.c adserverd/http/body.c $(LIB_SRCS)
FUZZ_SRCS_email := tests/fuzz/fuzz_email.c adserverd/auth/email.c $(LIB_SRCS)
FUZZ_SRCS_hexcode := tests/fuzz/fuzz_hexcode.c $(LIB_SRCS)
FUZZ_SRCS_isodate := tests/fuzz/fuzz_isodate.c adserverd/util/isodate.c $(LIB_SRCS)
FUZZ_SRCS_decision := tests/fuzz/fuzz_decision.c adserverd/decision/decision.c adserverd/decision/targeting.c \
	adserverd/decision/tick.c \
	adserverd/decision/pacing.c adserverd/decision/snapshot.c adserverd/util/tz.c \
	adserverd/vast/prerender.c adserverd/vast/vast.c adserverd/vast/vmap.c adserverd/vast/xmlerr.c \
	adserverd/vast/trackers.c adserverd/vast/macros.c adserverd/vast/verification.c \
	adserverd/util/isodate.c $(LIB_SRCS)
FUZZ_SRCS_prerender := tests/fuzz/fuzz_prerender.c adserverd/vast/prerender.c adserverd/vast/vast.c \
	adserverd/vast/vmap.c adserverd/vast/xmlerr.c adserverd/vast/verification.c $(LIB_SRCS)
FUZZ_SRCS_unwrap := tests/fuzz/fuzz_unwrap.c adserverd/tag/unwrap.c adserverd/vast/trackers.c \
	adserverd/vast/macros.c adserverd/vast/vast.c adserverd/vast/verification.c \
	adserverd/vast/xmlerr.c adserverd/util/isodate.c $(LIB_SRCS)
FUZZ_SRCS_trackers := tests/fuzz/fuzz_trackers.c adserverd/vast/trackers.c adserverd/vast/macros.c \
	adserverd/vast/vast.c adserverd/vast/verification.c adserverd/vast/xmlerr.c \
	adserverd/util/isodate.c $(LIB_SRCS)
FUZZ_SRCS_tz := tests/fuzz/fuzz_tz.c adserverd/util/tz.c $(LIB_SRCS)
FUZZ_SRCS_jsnum := tests/fuzz/fuzz_jsnum.c adserverd/util/jsnum.c $(LIB_SRCS)
FUZZ_SRCS_sniff := tests/fuzz/fuzz_sniff.c adserverd/media/sniff.c $(LIB_SRCS)
FUZZ_SRCS_ladder := tests/fuzz/fuzz_ladder.c adserverd/media/ladder.c $(LIB_SRCS)
FUZZ_SRCS_ffprobe := tests/fuzz/fuzz_ffprobe.c adserverd/media/ffprobe.c adserverd/media/child.c \
	$(LIB_SRCS)
FUZZ_SRCS_multipart := tests/fuzz/fuzz_multipart.c adserverd/http/multipart.c $(LIB_SRCS)
FUZZ_SRCS_spool := tests/fuzz/fuzz_spool.c adserverd/beacon/spool.c adserverd/core/bgthread.c $(LIB_SRCS)
FUZZ_SRCS_beacon_record := tests/fuzz/fuzz_beacon_record.c adserverd/beacon/beacon_record.c \
	adserverd/vast/trackurl.c adserverd/util/uuid.c $(LIB_SRCS)
FUZZ_SRCS_trackurl := tests/fuzz/fuzz_trackurl.c adserverd/vast/trackurl.c adserverd/util/uuid.c \
	$(LIB_SRCS)
FUZZ_SRCS_validate := tests/fuzz/fuzz_validate.c adserverd/admin/validate.c adserverd/util/jsnum.c \
	adserverd/util/isodate.c $(LIB_SRCS)
FUZZ_SRCS_clientcfg := tests/fuzz/fuzz_clientcfg.c client/clientcfg.c client/apiclient.c $(LIB_SRCS)
FUZZ_SRCS_vastcheck := tests/fuzz/fuzz_vastcheck.c ctvctl/vastcheck.c $(LIB_SRCS)
# ctvtui's readers of server answers (form messages, model, text, charts).
FUZZ_SRCS_tui_json := tests/fuzz/fuzz_tui_json.c ctvtui/form.c ctvtui/text.c ctvtui/model.c \
	ctvtui/chart.c $(LIB_SRCS)
FUZZ_CFLAGS_tui_json := $(call pkg_cflags,ncursesw)
FUZZ_LIBS_tui_json := $(call pkg_libs,ncursesw) -lm
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iadserverd
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(DAEMON_SRCS) $(CLIENT_LIB_SRCS) $(CTVCTL_SRCS) \
		$(CTVTUI_SRCS)
	$(call quiet,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $(call pkg_cflags,$(DAEMON_PKGS)) $(FUZZ_CFLAGS_$*) -o $@ \
		$(FUZZ_SRCS_$*) $(DAEMON_LIBS) $(FUZZ_LIBS_$*)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t; \
		seeds=; [ -d tests/fuzz/corpus/$$t ] && seeds=tests/fuzz/corpus/$$t; \
		[ $$t = sniff ] && seeds="$$seeds tests/fixtures/media"; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			build/fuzz/corpus-$$t $$seeds; done

# ---------------------------------------------------------------------------
# Installing
# ---------------------------------------------------------------------------

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d \
		$(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 build/release/bin/adserverd build/release/bin/ctvctl build/release/bin/ctvtui \
		$(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/adserverd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/ctvctl.1 man/ctvtui.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 completions/ctvctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ctvctl
	install -m 0644 completions/adserverd.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/adserverd
	install -m 0644 completions/_ctvctl $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ctvctl
	install -m 0644 completions/ctvctl.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ctvctl.fish
	sed 's|@PREFIX@|$(PREFIX)|g' dist/adserverd.service.in > \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/adserverd.service

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
