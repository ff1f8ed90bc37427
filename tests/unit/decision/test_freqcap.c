/*
 * Unit tests for adserverd/freqcap: cap key derivation and precedence, the
 * windows of a zone, the exact argument layout of the three scripts, and
 * the scripts themselves against a real redis-server that this test starts
 * on a free port (tests skip when redis-server is not installed): cap
 * checks, reservation expiry, commit and duplicate beacons, release, hour
 * roll-over, NOSCRIPT fallback, and two connections racing for one cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "decision/freqcap.h"
#include "util/isodate.h"
#include "decision/snapshot.h"
#include "util/tz.h"

#define HOUR_MS INT64_C(3600000)
#define KEY "738c84fa151b5418bb2f4045332526f5" /* cap key of the IFA below */
#define IFA "6d92078a-8246-4ba4-ae5b-76104861e7dc"

struct fixture {
    pid_t redis; /* 0 when redis-server could not be started */
    int port;
    struct tz_zone *utc;
    char sha[3][41];
};

static struct fixture *fx;

static int64_t at(const char *iso)
{
    int64_t ms = 0;

    if (isodate_parse(iso, strlen(iso), &ms) != 0)
        fail_msg("bad instant %s", iso);
    return ms;
}

/* ------------------------------------------------------------------------
 * redis-server for the group
 * ------------------------------------------------------------------------ */

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static redisContext *connect_redis(void)
{
    struct timeval tv = {.tv_sec = 2};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", fx->port, tv);

    if (c != NULL && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

static int start_redis(void)
{
    char port[16];
    pid_t pid;

    fx->port = free_port();
    if (fx->port <= 0)
        return -1;
    snprintf(port, sizeof(port), "%d", fx->port);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        /* Dies with this test even when it crashes before its teardown. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    fx->redis = pid;
    for (int i = 0; i < 100; i++) {
        /* Exit status 127: redis-server is not installed. */
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            fx->redis = 0;
            return -1;
        }
        redisContext *c = connect_redis();
        if (c != NULL) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r != NULL && r->type == REDIS_REPLY_STATUS;
            if (r != NULL)
                freeReplyObject(r);
            redisFree(c);
            if (ok)
                return 0;
        }
        struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int group_setup(void **state)
{
    char err[64];

    (void)state;
    fx = calloc(1, sizeof(*fx));
    if (fx == NULL || tz_load(NULL, "UTC", &fx->utc, err, sizeof(err)) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (freqcap_script_sha1((enum freqcap_script)i, fx->sha[i]) != 0)
            return -1;
    }
    if (start_redis() != 0 && fx->redis > 0) {
        kill(fx->redis, SIGKILL);
        waitpid(fx->redis, NULL, 0);
        fx->redis = 0;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (fx->redis > 0) {
        kill(fx->redis, SIGTERM);
        waitpid(fx->redis, NULL, 0);
    }
    tz_free(fx->utc);
    free(fx);
    return 0;
}

/* A fresh database for each Redis test; skips when there is no server. */
static redisContext *redis_or_skip(void)
{
    redisContext *c;
    redisReply *r;

    if (fx->redis <= 0)
        skip();
    c = connect_redis();
    assert_non_null(c);
    r = redisCommand(c, "FLUSHALL");
    assert_non_null(r);
    freeReplyObject(r);
    for (int i = 0; i < 3; i++) {
        r = redisCommand(c, "SCRIPT LOAD %s", freqcap_script((enum freqcap_script)i));
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        /* Our SHA-1 is the one Redis computes, so EVALSHA finds the script. */
        assert_string_equal(r->str, fx->sha[i]);
        freeReplyObject(r);
    }
    return c;
}

/* ------------------------------------------------------------------------
 * Cap key and windows
 * ------------------------------------------------------------------------ */

static void test_freqcap_key_precedence(void **state)
{
    char key[FREQCAP_KEY_HEX + 1];
    enum freqcap_source src;

    (void)state;
    assert_int_equal(freqcap_key(IFA, "Roku-123", "203.0.113.7", "Roku/DVP-9.10", key, &src), 0);
    assert_string_equal(key, KEY);
    assert_int_equal(src, FREQCAP_SOURCE_IFA);
    /* IFAs ignore case. */
    assert_int_equal(
        freqcap_key("6D92078A-8246-4BA4-AE5B-76104861E7DC", NULL, NULL, NULL, key, &src), 0);
    assert_string_equal(key, KEY);
    assert_int_equal(freqcap_key(NULL, "Roku-123", "203.0.113.7", "Roku/DVP-9.10", key, &src), 0);
    assert_string_equal(key, "aeeafc9b88e51335a74f385eec3c06ff");
    assert_int_equal(src, FREQCAP_SOURCE_DEVICE_ID);
    assert_int_equal(freqcap_key("", "", "203.0.113.7", "Roku/DVP-9.10", key, &src), 0);
    assert_string_equal(key, "f888578895a7d5823a1c27e4461db4da");
    assert_int_equal(src, FREQCAP_SOURCE_IP_UA);
}

static void test_freqcap_key_skips_unusable_ifas(void **state)
{
    static const char *const bad[] = {
        "00000000-0000-0000-0000-000000000000", "{IFA}", "[IFA]", "%IFA%", "$IFA", ""};
    char key[FREQCAP_KEY_HEX + 1];
    enum freqcap_source src;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(freqcap_key(bad[i], "Roku-123", NULL, NULL, key, &src), 0);
        assert_int_equal(src, FREQCAP_SOURCE_DEVICE_ID);
        assert_string_equal(key, "aeeafc9b88e51335a74f385eec3c06ff");
    }
}

static void test_freqcap_key_refuses_nothing_or_too_long(void **state)
{
    char key[FREQCAP_KEY_HEX + 1] = "untouched";
    enum freqcap_source src;
    char *ua = malloc(FREQCAP_INPUT_MAX + 1);

    (void)state;
    assert_int_equal(freqcap_key(NULL, NULL, NULL, NULL, key, &src), -1);
    assert_int_equal(freqcap_key("", "", "", "", key, &src), -1);
    assert_non_null(ua);
    memset(ua, 'a', FREQCAP_INPUT_MAX);
    ua[FREQCAP_INPUT_MAX] = '\0';
    assert_int_equal(freqcap_key(NULL, NULL, "203.0.113.7", ua, key, &src), -1);
    assert_string_equal(key, "untouched");
    free(ua);
}

static void test_freqcap_windows_in_zone(void **state)
{
    struct tz_zone *ny = NULL;
    struct freqcap_windows w;
    char err[64];

    (void)state;
    /* UTC: Wednesday 2025-01-01 10:20 is in the week of Monday 2024-12-30. */
    freqcap_windows(fx->utc, at("2025-01-01T10:20:00Z"), &w);
    assert_true(w.hour == at("2025-01-01T10:00:00Z") / HOUR_MS);
    assert_true(w.hour_end_ms == at("2025-01-01T11:00:00Z"));
    assert_true(w.day == at("2025-01-01") / (24 * HOUR_MS));
    assert_true(w.day_end_ms == at("2025-01-02T00:00:00Z"));
    assert_true(w.week_end_ms == at("2025-01-06T00:00:00Z"));
    freqcap_windows(fx->utc, at("2025-01-05T23:59:59Z"), &w); /* Sunday: same week */
    assert_true(w.week_end_ms == at("2025-01-06T00:00:00Z"));
    /* New York: the local day (and so the day key) ends at local midnight. */
    assert_int_equal(tz_parse_posix("EST5EDT,M3.2.0,M11.1.0", &ny, err, sizeof(err)), 0);
    freqcap_windows(ny, at("2025-01-02T03:00:00Z"), &w); /* Jan 1, 22:00 EST */
    assert_true(w.day == at("2025-01-01") / (24 * HOUR_MS));
    assert_true(w.day_end_ms == at("2025-01-02T05:00:00Z"));
    tz_free(ny);
}

/* ------------------------------------------------------------------------
 * Argument layout
 * ------------------------------------------------------------------------ */

static void assert_arg(const struct freqcap_args *a, int i, const char *want)
{
    if (i >= a->argc)
        fail_msg("argv[%d] missing", i);
    if (strlen(want) != a->argvlen[i] || memcmp(a->argv[i], want, a->argvlen[i]) != 0)
        fail_msg("argv[%d] = \"%.*s\", want \"%s\"", i, (int)a->argvlen[i], a->argv[i], want);
}

static void test_freqcap_reserve_args_layout(void **state)
{
    static struct freqcap_args a;
    struct snapshot_caps ca = {.per_hour = 1, .per_day = 3}, cb = {.per_week = 7};
    struct freqcap_item items[2] = {
        {.campaign_id = "camp-a", .caps = &ca, .zone = NULL, .slots = 2},
        {.campaign_id = "camp-b", .caps = &cb, .zone = NULL, .slots = 1},
    };
    int64_t now = at("2025-01-01T10:20:00Z");
    long long hour = (long long)(now / HOUR_MS), day = (long long)(now / (24 * HOUR_MS));
    char buf[160];

    (void)state;
    items[0].zone = items[1].zone = fx->utc;
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "req-1", now, 120000, items, 2), 0);
    assert_int_equal(a.argc, 6 + 8 * 2);
    assert_arg(&a, 0, "EVALSHA");
    assert_arg(&a, 1, fx->sha[0]);
    assert_arg(&a, 2, "8");
    assert_arg(&a, 3, "fc:{u:" KEY "}:camp-a:r");
    snprintf(buf, sizeof(buf), "fc:{u:" KEY "}:camp-a:h:%lld", hour);
    assert_arg(&a, 4, buf);
    snprintf(buf, sizeof(buf), "fc:{u:" KEY "}:camp-a:d:%lld", day);
    assert_arg(&a, 5, buf);
    snprintf(buf, sizeof(buf), "fc:{u:" KEY "}:camp-a:w:%lld", (day + 3) / 7);
    assert_arg(&a, 6, buf);
    assert_arg(&a, 7, "fc:{u:" KEY "}:camp-b:r");
    snprintf(buf, sizeof(buf), "%lld", (long long)now);
    assert_arg(&a, 11, buf);
    assert_arg(&a, 12, "120000");
    assert_arg(&a, 13, "req-1");
    assert_arg(&a, 14, "1");
    assert_arg(&a, 15, "3");
    assert_arg(&a, 16, "0");
    assert_arg(&a, 17, "2");
    assert_arg(&a, 18, "0");
    assert_arg(&a, 19, "0");
    assert_arg(&a, 20, "7");
    assert_arg(&a, 21, "1");
    /* Every key carries the same hash tag: one Redis Cluster slot. */
    for (int i = 3; i < 11; i++)
        assert_non_null(strstr(a.argv[i], "{u:" KEY "}"));
}

static void test_freqcap_args_refuse_bad_input(void **state)
{
    static struct freqcap_args a;
    static struct freqcap_item many[FREQCAP_MAX_ITEMS + 1];
    struct snapshot_caps caps = {.per_day = 1};
    char long_id[SNAPSHOT_ID_MAX + 2];

    (void)state;
    for (size_t i = 0; i <= FREQCAP_MAX_ITEMS; i++)
        many[i] =
            (struct freqcap_item){.campaign_id = "c", .caps = &caps, .zone = fx->utc, .slots = 1};
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "r", 0, 1000, many, 0), -1);
    assert_int_equal(
        freqcap_reserve_args(&a, fx->sha[0], KEY, "r", 0, 1000, many, FREQCAP_MAX_ITEMS + 1), -1);
    assert_int_equal(
        freqcap_reserve_args(&a, fx->sha[0], KEY, "r", 0, 1000, many, FREQCAP_MAX_ITEMS), 0);
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], "short", "r", 0, 1000, many, 1), -1);
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "", 0, 1000, many, 1), -1);
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "r", 0, 0, many, 1), -1);
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    many[0].campaign_id = long_id;
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "r", 0, 1000, many, 1), -1);
}

static void test_freqcap_commit_and_release_args_layout(void **state)
{
    static struct freqcap_args a;
    struct freqcap_item rel[1] = {{.campaign_id = "camp-a", .slots = 1, .slots_end = 3}};
    int64_t now = at("2025-01-01T10:20:00Z");

    (void)state;
    assert_int_equal(
        freqcap_commit_args(&a, fx->sha[1], KEY, "camp-a", fx->utc, "req-1", 2, now, 86400000), 0);
    assert_int_equal(a.argc, 14);
    assert_arg(&a, 2, "5");
    assert_arg(&a, 7, "fc:{u:" KEY "}:camp-a:s");
    assert_arg(&a, 8, "req-1:2");
    /* Counter TTLs: to the window's end plus an hour. */
    assert_arg(&a, 10, "6000000");  /* 40 min + 1 h */
    assert_arg(&a, 11, "52800000"); /* 13 h 40 min + 1 h */
    assert_arg(&a, 13, "86400000");
    assert_int_equal(freqcap_release_args(&a, fx->sha[2], KEY, "req-1", rel, 1), 0);
    assert_int_equal(a.argc, 7);
    assert_arg(&a, 2, "1");
    assert_arg(&a, 3, "fc:{u:" KEY "}:camp-a:r");
    assert_arg(&a, 4, "req-1");
    assert_arg(&a, 5, "1");
    assert_arg(&a, 6, "3");
    rel[0].slots_end = 0;
    assert_int_equal(freqcap_release_args(&a, fx->sha[2], KEY, "req-1", rel, 1), -1);
}

static void test_freqcap_reserve_check_validates_reply(void **state)
{
    struct freqcap_item items[2] = {{.slots = 2}, {.slots = 1}};
    const long long ok[2] = {2, 0}, over[2] = {3, 0}, neg[2] = {-1, 0};
    uint32_t granted[2] = {9, 9};

    (void)state;
    assert_int_equal(freqcap_reserve_check(items, 2, over, 2, granted), -1);
    assert_int_equal(freqcap_reserve_check(items, 2, neg, 2, granted), -1);
    assert_int_equal(freqcap_reserve_check(items, 2, ok, 1, granted), -1);
    assert_int_equal(granted[0], 9);
    assert_int_equal(freqcap_reserve_check(items, 2, ok, 2, granted), 0);
    assert_int_equal(granted[0], 2);
    assert_int_equal(granted[1], 0);
}

/* ------------------------------------------------------------------------
 * Scripts against redis-server
 * ------------------------------------------------------------------------ */

static redisReply *run(redisContext *c, struct freqcap_args *a)
{
    redisReply *r = redisCommandArgv(c, a->argc, a->argv, a->argvlen);

    assert_non_null(r);
    if (r->type == REDIS_REPLY_ERROR)
        fail_msg("redis: %s", r->str);
    return r;
}

/* Reserve for one campaign; returns the slots granted. */
static long long reserve1(redisContext *c, const char *campaign, struct snapshot_caps caps,
                          uint32_t slots, const char *rid, int64_t now, int64_t hold)
{
    static struct freqcap_args a;
    struct freqcap_item it = {
        .campaign_id = campaign, .caps = &caps, .zone = fx->utc, .slots = slots};
    redisReply *r;
    long long g;

    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, rid, now, hold, &it, 1), 0);
    r = run(c, &a);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 1);
    g = r->element[0]->integer;
    freeReplyObject(r);
    return g;
}

static long long commit1(redisContext *c, const char *campaign, const char *rid, uint32_t k,
                         int64_t now)
{
    static struct freqcap_args a;
    redisReply *r;
    long long v;

    assert_int_equal(
        freqcap_commit_args(&a, fx->sha[1], KEY, campaign, fx->utc, rid, k, now, 86400000), 0);
    r = run(c, &a);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    v = r->integer;
    freeReplyObject(r);
    return v;
}

static void test_freqcap_lua_reserve_respects_caps(void **state)
{
    redisContext *c = redis_or_skip();
    struct snapshot_caps day3 = {.per_day = 3};
    int64_t now = at("2025-01-01T10:00:00Z");

    (void)state;
    assert_int_equal(reserve1(c, "a", day3, 2, "r1", now, 60000), 2);
    /* Two pending reservations count: one slot left. */
    assert_int_equal(reserve1(c, "a", day3, 2, "r2", now, 60000), 1);
    assert_int_equal(reserve1(c, "a", day3, 1, "r3", now, 60000), 0);
    /* Another campaign of the same viewer is unaffected. */
    assert_int_equal(reserve1(c, "b", day3, 1, "r3", now, 60000), 1);
    redisFree(c);
}

static void test_freqcap_lua_multi_campaign_call(void **state)
{
    redisContext *c = redis_or_skip();
    static struct freqcap_args a;
    struct snapshot_caps one_hour = {.per_hour = 1}, two_week = {.per_week = 2};
    struct freqcap_item items[2] = {
        {.campaign_id = "a", .caps = &one_hour, .slots = 2},
        {.campaign_id = "b", .caps = &two_week, .slots = 3},
    };
    long long vals[2];
    uint32_t granted[2];
    redisReply *r;

    (void)state;
    items[0].zone = items[1].zone = fx->utc;
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "req", at("2025-01-01T10:00:00Z"),
                                          60000, items, 2),
                     0);
    r = run(c, &a);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2);
    for (int i = 0; i < 2; i++)
        vals[i] = r->element[i]->integer;
    freeReplyObject(r);
    assert_int_equal(freqcap_reserve_check(items, 2, vals, 2, granted), 0);
    assert_int_equal(granted[0], 1);
    assert_int_equal(granted[1], 2);
    redisFree(c);
}

static void test_freqcap_lua_reservation_expires(void **state)
{
    redisContext *c = redis_or_skip();
    struct snapshot_caps day1 = {.per_day = 1};
    int64_t now = at("2025-01-01T10:00:00Z");

    (void)state;
    assert_int_equal(reserve1(c, "a", day1, 1, "r1", now, 1000), 1);
    assert_int_equal(reserve1(c, "a", day1, 1, "r2", now + 999, 1000), 0);
    /* No impression within the hold window: the slot comes back. */
    assert_int_equal(reserve1(c, "a", day1, 1, "r3", now + 1001, 1000), 1);
    redisFree(c);
}

static void test_freqcap_lua_commit_counts_once(void **state)
{
    redisContext *c = redis_or_skip();
    struct snapshot_caps day2 = {.per_day = 2};
    int64_t now = at("2025-01-01T10:00:00Z");

    (void)state;
    assert_int_equal(reserve1(c, "a", day2, 1, "r1", now, 60000), 1);
    assert_int_equal(commit1(c, "a", "r1", 0, now + 10), 1);
    /* A repeated beacon counts nothing. */
    assert_int_equal(commit1(c, "a", "r1", 0, now + 20), -1);
    /* One counted, none pending: one slot left of two. */
    assert_int_equal(reserve1(c, "a", day2, 2, "r2", now + 30, 60000), 1);
    assert_int_equal(reserve1(c, "a", day2, 1, "r3", now + 40, 60000), 0);
    /* r2's reservation expires, but its impression still arrives: it counts anyway. */
    assert_int_equal(reserve1(c, "a", day2, 1, "r4", now + 60031, 60000), 1);
    assert_int_equal(commit1(c, "a", "r2", 0, now + 60040), 0);
    /* Two counted now, r4 pending: nothing left today... */
    assert_int_equal(reserve1(c, "a", day2, 1, "r5", now + 60050, 60000), 0);
    /* ...and tomorrow is a new window. */
    assert_int_equal(reserve1(c, "a", day2, 1, "r6", at("2025-01-02T00:00:00Z"), 60000), 1);
    redisFree(c);
}

static void test_freqcap_lua_hour_window_rolls_over(void **state)
{
    redisContext *c = redis_or_skip();
    struct snapshot_caps hour1 = {.per_hour = 1, .per_day = 5};

    (void)state;
    assert_int_equal(reserve1(c, "a", hour1, 1, "r1", at("2025-01-01T10:00:00Z"), 60000), 1);
    assert_int_equal(commit1(c, "a", "r1", 0, at("2025-01-01T10:00:05Z")), 1);
    assert_int_equal(reserve1(c, "a", hour1, 1, "r2", at("2025-01-01T10:59:59Z"), 60000), 0);
    assert_int_equal(reserve1(c, "a", hour1, 1, "r3", at("2025-01-01T11:00:00Z"), 60000), 1);
    redisFree(c);
}

static void test_freqcap_lua_release_frees_slots(void **state)
{
    redisContext *c = redis_or_skip();
    static struct freqcap_args a;
    struct snapshot_caps day3 = {.per_day = 3};
    struct freqcap_item rel = {.campaign_id = "a", .slots = 1, .slots_end = 3};
    int64_t now = at("2025-01-01T10:00:00Z");
    redisReply *r;

    (void)state;
    assert_int_equal(reserve1(c, "a", day3, 3, "r1", now, 60000), 3);
    assert_int_equal(freqcap_release_args(&a, fx->sha[2], KEY, "r1", &rel, 1), 0);
    r = run(c, &a);
    assert_int_equal(r->integer, 2);
    freeReplyObject(r);
    assert_int_equal(reserve1(c, "a", day3, 3, "r2", now, 60000), 2);
    redisFree(c);
}

static void test_freqcap_lua_noscript_falls_back_to_eval(void **state)
{
    redisContext *c = redis_or_skip();
    static struct freqcap_args a;
    struct snapshot_caps day1 = {.per_day = 1};
    struct freqcap_item it = {.campaign_id = "a", .caps = &day1, .slots = 1};
    redisReply *r;

    (void)state;
    it.zone = fx->utc;
    r = redisCommand(c, "SCRIPT FLUSH");
    freeReplyObject(r);
    assert_int_equal(freqcap_reserve_args(&a, fx->sha[0], KEY, "r1", 0, 1000, &it, 1), 0);
    r = redisCommandArgv(c, a.argc, a.argv, a.argvlen);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(r->str, "NOSCRIPT", 8) == 0);
    freeReplyObject(r);
    /* Same arguments, EVAL and the text instead of EVALSHA and the hash. */
    a.argv[0] = "EVAL";
    a.argvlen[0] = 4;
    a.argv[1] = freqcap_script(FREQCAP_SCRIPT_RESERVE);
    a.argvlen[1] = strlen(a.argv[1]);
    r = run(c, &a);
    assert_int_equal(r->element[0]->integer, 1);
    freeReplyObject(r);
    redisFree(c);
}

struct racer {
    int id;
    long long granted_a, granted_b;
};

/* One "instance": its own connection, 200 requests each asking for both campaigns. */
static void *race(void *arg)
{
    struct racer *me = arg;
    struct freqcap_args *a = malloc(sizeof(*a));
    struct snapshot_caps day5 = {.per_day = 5}, hour3 = {.per_hour = 3};
    struct freqcap_item items[2] = {
        {.campaign_id = "a", .caps = &day5, .zone = fx->utc, .slots = 1},
        {.campaign_id = "b", .caps = &hour3, .zone = fx->utc, .slots = 2},
    };
    redisContext *c = connect_redis();
    char rid[32];

    if (a == NULL || c == NULL)
        abort();
    for (int i = 0; i < 200; i++) {
        snprintf(rid, sizeof(rid), "i%d-%d", me->id, i);
        if (freqcap_reserve_args(a, fx->sha[0], KEY, rid, at("2025-01-01T10:00:00Z") + i, 600000,
                                 items, 2) != 0)
            abort();
        redisReply *r = redisCommandArgv(c, a->argc, a->argv, a->argvlen);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
            abort();
        me->granted_a += r->element[0]->integer;
        me->granted_b += r->element[1]->integer;
        freeReplyObject(r);
    }
    redisFree(c);
    free(a);
    return NULL;
}

static void test_freqcap_lua_two_instances_never_exceed_cap(void **state)
{
    redisContext *c = redis_or_skip();
    struct racer r[2] = {{.id = 0}, {.id = 1}};
    pthread_t t[2];

    (void)state;
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(r[0].granted_a + r[1].granted_a, 5);
    assert_int_equal(r[0].granted_b + r[1].granted_b, 3);
    redisFree(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freqcap_key_precedence),
        cmocka_unit_test(test_freqcap_key_skips_unusable_ifas),
        cmocka_unit_test(test_freqcap_key_refuses_nothing_or_too_long),
        cmocka_unit_test(test_freqcap_windows_in_zone),
        cmocka_unit_test(test_freqcap_reserve_args_layout),
        cmocka_unit_test(test_freqcap_args_refuse_bad_input),
        cmocka_unit_test(test_freqcap_commit_and_release_args_layout),
        cmocka_unit_test(test_freqcap_reserve_check_validates_reply),
        cmocka_unit_test(test_freqcap_lua_reserve_respects_caps),
        cmocka_unit_test(test_freqcap_lua_multi_campaign_call),
        cmocka_unit_test(test_freqcap_lua_reservation_expires),
        cmocka_unit_test(test_freqcap_lua_commit_counts_once),
        cmocka_unit_test(test_freqcap_lua_hour_window_rolls_over),
        cmocka_unit_test(test_freqcap_lua_release_frees_slots),
        cmocka_unit_test(test_freqcap_lua_noscript_falls_back_to_eval),
        cmocka_unit_test(test_freqcap_lua_two_instances_never_exceed_cap),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
