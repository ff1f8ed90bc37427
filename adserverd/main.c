/*
 * adserverd: the CTV ad server daemon.
 *
 * main parses the configuration, builds the app context, starts the two
 * listeners and then waits for signals in the main thread (every other
 * thread has them blocked): SIGTERM/SIGINT drain in-flight requests and
 * stop, SIGHUP reloads what can change at run time (the log level).
 * Subcommands run one-off jobs with the same configuration: migrate,
 * check-config.
 */
#include "core/app.h"
#include "decision/catalog.h"
#include "decision/decision.h"
#include "decision/snapshot.h"
#include "ad/beacon.h"
#include "core/config.h"
#include "media/creative_worker.h"
#include "db/db.h"
#include "auth/email.h"
#include "http/http_server.h"
#include "redis/kv.h"
#include "lib/log.h"
#include "media/media_index.h"
#include "core/metrics.h"
#include "db/migrate.h"
#include "tag/unwrap.h"
#include "auth/auth_jwt.h"
#include "auth/password.h"
#include "http/ratelimit.h"
#include "routes.h"
#include "decision/serving.h"
#include "seed.h"
#include "decision/spend.h"
#include "decision/ticker.h"
#include "beacon/spool.h"
#include "beacon/spool_drain.h"
#include "storage/storage.h"
#include "vast/vast.h"
#include "lib/version.h"
#include "lib/xalloc.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define DRAIN_MS 10000

static void usage(FILE *f);

static int split_origins(struct app *app, const char *list)
{
    char *copy = xstrdup(list);
    char *save = NULL;

    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n > 0 && t[n - 1] == ' ')
            t[--n] = '\0';
        if (n == 0)
            continue;
        if (app->norigins >= APP_MAX_ORIGINS) {
            free(copy);
            return -1;
        }
        app->origins[app->norigins++] = xstrdup(t);
    }
    free(copy);
    return 0;
}

/* mkdir -p for the daemon's own folders (data, media). */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char *p = xstrdup(path);
    int rc = 0;

    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0750) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (mkdir(p, 0750) != 0 && errno != EEXIST)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    free(p);
    return rc;
}

static struct storage *open_storage(const struct config *cfg, char *err, size_t errlen)
{
    struct storage_config sc;

    memset(&sc, 0, sizeof(sc));
    if (make_dirs(cfg->data_dir, err, errlen) != 0)
        return NULL;
    sc.tmp_dir = cfg->data_dir;
    sc.public_base_url = cfg->media_base_url;
    if (strcmp(cfg->storage, "s3") == 0) {
        sc.backend = STORAGE_BACKEND_S3;
        /* In production the contract ignores S3_ENDPOINT and talks to AWS itself. */
        sc.s3_endpoint = config_is_production(cfg) ? NULL : cfg->s3_endpoint;
        sc.bucket = cfg->s3_bucket;
        sc.region = cfg->aws_region;
        sc.access_key_id = cfg->aws_access_key_id;
        sc.secret_access_key = cfg->aws_secret_access_key;
        sc.path_style = cfg->s3_path_style;
        if (sc.public_base_url == NULL && config_is_production(cfg))
            sc.public_base_url = cfg->cloudfront_url;
    } else {
        sc.backend = STORAGE_BACKEND_LOCAL;
        if (make_dirs(cfg->media_dir, err, errlen) != 0)
            return NULL;
        sc.local_dir = cfg->media_dir;
    }
    return storage_new(&sc, err, errlen);
}

/*
 * Beacons and money: the spool (recovered before the ad listener accepts a
 * beacon), its drain, the spend refresh that feeds decisioning.
 */
static int beacons_start(struct app *app, const struct config *cfg, char *err, size_t errlen)
{
    struct spool_opts so;
    char dir[4096];

    if (make_dirs(cfg->data_dir, err, errlen) != 0)
        return -1;
    if ((size_t)snprintf(dir, sizeof(dir), "%s/spool", cfg->data_dir) >= sizeof(dir)) {
        snprintf(err, errlen, "data_dir is too long");
        return -1;
    }
    so.max_bytes = (int64_t)cfg->spool_max_mb * 1024 * 1024;
    so.segment_bytes = (int64_t)cfg->spool_segment_mb * 1024 * 1024;
    so.sync_ms = config_spool_sync_ms(cfg);
    so.interval_ms = config_spool_interval_ms(cfg);
    app->spool = spool_open(dir, &so, err, errlen);
    if (app->spool == NULL)
        return -1;
    app->beacon = beacon_new(app->kv);
    if (app->beacon == NULL) {
        snprintf(err, errlen, "beacon intake set-up failed");
        return -1;
    }
    app->drain = spool_drain_start(app, err, errlen);
    if (app->drain == NULL)
        return -1;
    app->spend = spend_start(app, err, errlen);
    if (app->spend == NULL)
        return -1;
    beacon_set_spend(app->beacon, app->spend);
    app->spend_src = xcalloc(1, sizeof(*app->spend_src));
    app->spend_src->get = spend_get;
    app->spend_src->ctx = app->spend;
    return 0;
}

static void app_release(struct app *app)
{
    catalog_stop(app->catalog); /* first: it publishes into app->snapshots */
    ticker_stop(app->ticker);   /* before spend: it reads spend_src */
    /* after the listeners stopped: nothing appends or waits on the spool any more */
    spool_drain_stop(app->drain);
    beacon_free(app->beacon); /* its counter thread reads spend's zones */
    spend_stop(app->spend);
    spool_free(app->spool);
    free(app->spend_src); /* after the listeners stopped: no decision reads it */
    app->spend_src = NULL;
    creative_worker_stop(app->creative_worker); /* it uses the pools below */
    serving_free(app->serving);
    if (app->snapshots != NULL)
        snapshot_holder_release(app->snapshots);
    free(app->snapshots);
    media_index_free(app->media_index);
    free(app->dummy);
    storage_free(app->storage);
    ratelimit_free(app->rl);
    kv_free(app->kv);
    db_pool_free(app->db);
    metrics_free(app->metrics);
    email_tlds_free(app->tlds);
    for (int i = 0; i < app->norigins; i++)
        free(app->origins[i]);
}

/*
 * The tracking-URL key: the configured secret as is, or a key derived from
 * JWT_SECRET with a fixed label, so one secret is enough for a small
 * deployment while the JWT key itself never signs beacons.
 */
static int track_key_init(struct app *app, const struct config *cfg, char *err, size_t errlen)
{
    static const char label[] = "adserverd tracking urls";
    unsigned int len = 0;

    if (cfg->tracking_secret != NULL) {
        size_t n = strlen(cfg->tracking_secret);
        if (n > sizeof(app->track_key))
            n = sizeof(app->track_key); /* HMAC hashes longer keys anyway */
        memcpy(app->track_key, cfg->tracking_secret, n);
        app->track_key_len = n;
        return 0;
    }
    if (HMAC(EVP_sha256(), cfg->jwt_secret, (int)strlen(cfg->jwt_secret),
             (const unsigned char *)label, sizeof(label) - 1, app->track_key, &len) == NULL) {
        snprintf(err, errlen, "cannot derive the tracking key");
        return -1;
    }
    app->track_key_len = len;
    return 0;
}

static int app_init(struct app *app, const struct config *cfg, char *err, size_t errlen)
{
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    app->snapshots = xcalloc(1, sizeof(*app->snapshots));
    if (snapshot_holder_init(app->snapshots) != 0) {
        free(app->snapshots);
        app->snapshots = NULL;
        snprintf(err, errlen, "cannot initialise the catalog holder");
        return -1;
    }
    if (auth_jwt_parse_lifetime(cfg->jwt_expires_in, &app->jwt_ttl_s) != 0 ||
        auth_jwt_parse_lifetime(cfg->refresh_expires_in, &app->refresh_ttl_s) != 0) {
        snprintf(err, errlen, "JWT_EXPIRES_IN and REFRESH_TOKEN_EXPIRES_IN take <n>s|m|h|d");
        return -1;
    }
    if (track_key_init(app, cfg, err, errlen) != 0)
        return -1;
    app->dummy = xcalloc(1, sizeof(*app->dummy));
    if (password_dummy_init(app->dummy, (unsigned)cfg->bcrypt_cost) != 0) {
        snprintf(err, errlen, "bcrypt is not available");
        return -1;
    }
    app->metrics = metrics_new();
    app->db = db_pool_new(cfg->database_url, cfg->db_pool_size);
    app->kv = kv_new(cfg->redis_url, cfg->redis_timeout_ms, err, errlen);
    if (app->kv == NULL)
        return -1;
    app->rl = ratelimit_new(app->kv, cfg->rate_limit_max, cfg->rate_limit_window_ms);
    if (split_origins(app, cfg->cors_origin) != 0) {
        snprintf(err, errlen, "CORS_ORIGIN lists more than %d origins", APP_MAX_ORIGINS);
        return -1;
    }
    app->tlds = email_tlds_load(cfg->psl_file, err, errlen);
    if (app->tlds == NULL)
        return -1;
    app->storage = open_storage(cfg, err, errlen);
    if (app->storage == NULL)
        return -1;
    return 0;
}

static int cmd_migrate(const struct config *cfg)
{
    struct db_pool *pool = db_pool_new(cfg->database_url, 1);
    char err[512];
    int applied = 0;
    int rc = 1;

    if (migrate_run(pool, &applied, err, sizeof(err)) != 0) {
        log_error("migration failed", "error", err);
        goto cleanup;
    }
    {
        char n[16];
        snprintf(n, sizeof(n), "%d", applied);
        log_info("migrations up to date", "applied", n);
    }
    rc = 0;
cleanup:
    db_pool_free(pool);
    return rc;
}

static int cmd_seed(const struct config *cfg, const char *media)
{
    struct app app;
    char err[512] = "";
    char campaign[37], creative[37];
    int rc = 1;

    if (app_init(&app, cfg, err, sizeof(err)) != 0) {
        log_error("seed failed", "error", err);
        goto cleanup;
    }
    if (seed_demo(&app, media, campaign, creative, err, sizeof(err)) != 0) {
        log_error("seed failed", "error", err);
        goto cleanup;
    }
    log_info("demo loaded", "email", SEED_DEMO_EMAIL, "campaign_id", campaign, "creative_id",
             creative);
    rc = 0;
cleanup:
    app_release(&app);
    return rc;
}

static void reload(const char *argv0, int argc, char **argv)
{
    struct config fresh;
    char **rest;
    int nrest;
    char err[256];
    enum log_level lvl;

    (void)argv0;
    if (config_load(&fresh, argc, argv, &rest, &nrest, err, sizeof(err)) != 0) {
        log_error("reload failed", "error", err);
        return;
    }
    free(rest);
    if (log_level_parse(fresh.log_level, &lvl) == 0) {
        log_set_level(lvl);
        log_info("configuration reloaded", "log_level", fresh.log_level);
    } else {
        log_error("reload failed", "error", "bad log_level");
    }
    config_release(&fresh);
}

/*
 * Descriptors for the connection limits: each listener may hold conn_limit
 * sockets, and each in-flight media answer holds one file besides its
 * socket, so the soft RLIMIT_NOFILE is raised to the hard one (Debian's
 * default soft 1024 would cap the daemon near 500 clients) and conn_limit is
 * lowered to what fits, keeping DESCRIPTOR_RESERVE for PostgreSQL, Redis,
 * the spool, epoll and media files. Done once, before the listeners start.
 */
#define DESCRIPTOR_RESERVE 1024

static void fit_descriptors(struct config *cfg)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)cfg->conn_limit * 2 + DESCRIPTOR_RESERVE;
    char have[32], limit[32];

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn("cannot read the descriptor limit", "error", strerror(errno));
        return;
    }
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return;
    }
    if (rl.rlim_cur < need) {
        long fit = ((long)rl.rlim_cur - DESCRIPTOR_RESERVE) / 2;
        cfg->conn_limit = fit < 64 ? 64 : (int)fit;
    }
    snprintf(have, sizeof(have), "%llu", (unsigned long long)rl.rlim_cur);
    snprintf(limit, sizeof(limit), "%d", cfg->conn_limit);
    if (rl.rlim_cur < need)
        log_warn("connection limit lowered to fit the descriptor limit", "nofile", have,
                 "conn_limit", limit);
    else
        log_info("descriptor limit", "nofile", have, "conn_limit", limit);
}

static int serve(const struct config *cfg, int argc, char **argv)
{
    struct app app;
    struct listener admin = {.name = "admin", .kind = LISTENER_ADMIN};
    struct listener ad = {.name = "ad", .kind = LISTENER_AD};
    char err[512];
    sigset_t set;
    int sig;
    int rc = 1;
    double ms;

    if (app_init(&app, cfg, err, sizeof(err)) != 0) {
        log_error("start-up failed", "error", err);
        goto cleanup;
    }
    if (db_ping(app.db, &ms, err, sizeof(err)) != 0)
        log_warn("postgresql unreachable at start; will retry per request", "error", err);
    else if (migrate_pending(app.db, err, sizeof(err)) > 0)
        log_warn("database has pending migrations; run adserverd migrate");
    if (!kv_connected(app.kv))
        log_warn("redis unreachable at start; will retry");
    app.media_index = media_index_new();
    app.creative_worker =
        app.media_index != NULL ? creative_worker_start(&app, err, sizeof(err)) : NULL;
    if (app.creative_worker == NULL) {
        log_error("start-up failed", "error", app.media_index != NULL ? err : "media index");
        goto cleanup;
    }
    if (beacons_start(&app, cfg, err, sizeof(err)) != 0) {
        log_error("start-up failed", "error", err);
        goto cleanup;
    }
    vast_init();
    app.serving = serving_new(&app, err, sizeof(err));
    app.ticker = app.serving != NULL ? ticker_start(&app, err, sizeof(err)) : NULL;
    app.catalog = app.ticker != NULL ? catalog_start(&app, app.snapshots, err, sizeof(err)) : NULL;
    if (app.catalog == NULL) {
        log_error("start-up failed", "error", err);
        goto cleanup;
    }
    admin.app = &app;
    admin.routes = routes_admin;
    ad.app = &app;
    ad.routes = routes_ad;
    app.admin = &admin;
    app.ad = &ad;
    if (listener_start(&admin, cfg->admin_bind, cfg->admin_port, cfg->admin_threads, err,
                       sizeof(err)) != 0 ||
        listener_start(&ad, cfg->ad_bind, cfg->ad_port, cfg->ad_threads, err, sizeof(err)) != 0) {
        log_error("start-up failed", "error", err);
        goto cleanup;
    }
    {
        char ap[16], dp[16];
        snprintf(ap, sizeof(ap), "%d", admin.port);
        snprintf(dp, sizeof(dp), "%d", ad.port);
        log_info("listening", "admin_port", ap, "ad_port", dp, "version", ADSERVERD_VERSION,
                 "environment", cfg->node_env);
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload(argv[0], argc, argv);
            continue;
        }
        break;
    }
    log_info("shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
    listener_quiesce(&admin);
    listener_quiesce(&ad);
    if (listener_drain(&admin, DRAIN_MS) + listener_drain(&ad, DRAIN_MS) > 0)
        log_warn("requests still running at shutdown");
    rc = 0;
cleanup:
    listener_stop(&admin);
    listener_stop(&ad);
    app_release(&app);
    if (rc == 0)
        log_info("stopped");
    return rc;
}

/* `check-config`: the effective settings (secrets hidden), then whether they are valid. */
static int cmd_check_config(const struct config *cfg, const char *arg, int argc, char **argv)
{
    char err[512];

    (void)arg;
    (void)argc;
    (void)argv;
    config_dump(cfg, stdout);
    if (config_validate(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "adserverd: %s\n", err);
        return 1;
    }
    printf("configuration ok\n");
    return 0;
}

static int run_migrate(const struct config *cfg, const char *arg, int argc, char **argv)
{
    (void)arg;
    (void)argc;
    (void)argv;
    return cmd_migrate(cfg);
}

static int run_seed(const struct config *cfg, const char *arg, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cmd_seed(cfg, arg != NULL ? arg : SEED_DEMO_MEDIA);
}

/*
 * Follow a third-party VAST tag as serving with unwrap=1 does, with the
 * configured budget, size cap and address rule, and print the outcome as
 * one JSON object: for an operator checking a tag before it goes live.
 * Exit 0 when the chain ends in a playable InLine, 1 otherwise.
 */
static int run_unwrap(const struct config *cfg, const char *arg, int argc, char **argv)
{
    struct unwrap_opts o;
    struct unwrap_result r;
    json_t *out, *lists;
    char *text;
    size_t l, i;
    int ok;

    (void)argc;
    (void)argv;
    if (arg == NULL) {
        fprintf(stderr, "adserverd: unwrap needs the tag URL\n");
        return 2;
    }
    memset(&o, 0, sizeof(o));
    o.budget_ms = cfg->tag_timeout_ms;
    o.max_bytes = (size_t)cfg->tag_max_bytes;
    o.allow_private = cfg->tag_allow_private;
    unwrap_run(&o, arg, &r);
    lists = json_object();
    for (l = 0; l < TRACKERS_NLISTS; l++) {
        json_t *a = json_array();

        for (i = 0; i < r.merged.n[l]; i++)
            json_array_append_new(a, json_string(r.merged.urls[l][i]));
        json_object_set_new(lists, trackers_list_name((enum trackers_list)l), a);
    }
    out = json_pack("{s:s,s:i,s:i,s:s,s:o,s:o}", "status", unwrap_status_name(r.status),
                    "vast_error", unwrap_vast_error(r.status), "hops", r.hops, "message",
                    r.message, "trackers", lists, "verifications",
                    trackers_verifications_json(&r.merged));
    if (out != NULL && r.status == UNWRAP_OK)
        json_object_set_new(
            out, "inline",
            json_pack("{s:s,s:s,s:i,s:i,s:i,s:I,s:s?,s:s?}", "media_url", r.inline_ad.media_url,
                      "media_type", r.inline_ad.media_type, "width", (int)r.inline_ad.width,
                      "height", (int)r.inline_ad.height, "bitrate_kbps",
                      (int)r.inline_ad.bitrate_kbps, "duration_ms",
                      (json_int_t)r.inline_ad.duration_ms, "click_through",
                      r.inline_ad.click_through, "title", r.inline_ad.title));
    text = out != NULL ? json_dumps(out, JSON_INDENT(2)) : NULL;
    ok = r.status == UNWRAP_OK;
    if (text != NULL)
        printf("%s\n", text);
    free(text);
    json_decref(out);
    unwrap_result_release(&r);
    return text != NULL && ok ? 0 : 1;
}

static int run_serve(const struct config *cfg, const char *arg, int argc, char **argv)
{
    (void)arg;
    return serve(cfg, argc, argv);
}

/*
 * The subcommands, the one place that lists them: --help prints this table
 * and the bash completion reads the commands back from --help, so a new
 * command is one line here (and its entry in adserverd(8)).
 */
struct command {
    const char *name;
    const char *args; /* its argument in usage, "" for none */
    const char *help; /* '\n' continues on an indented line */
    int max_args;     /* 0 or 1 */
    int raw;          /* runs on an unvalidated configuration, before libcurl */
    int (*run)(const struct config *cfg, const char *arg, int argc, char **argv);
};

static const struct command commands[] = {
    {"serve", "", "run the daemon (default)", 0, 0, run_serve},
    {"migrate", "", "apply pending database migrations and exit", 0, 0, run_migrate},
    {"seed-demo", "[FILE]",
     "load the demo advertiser, campaign and creative\n(FILE: the creative's MP4, default "
     SEED_DEMO_MEDIA ")",
     1, 0, run_seed},
    {"check-config", "", "print the effective configuration and exit", 0, 1, cmd_check_config},
    {"unwrap", "URL",
     "follow a third-party VAST tag to its InLine ad and print\nwhat serving would merge (JSON)",
     1, 0, run_unwrap},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: adserverd [-c FILE] [--SETTING VALUE]... [COMMAND]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];
        char head[64];
        const char *h = c->help;
        const char *nl;

        snprintf(head, sizeof(head), "%s%s%s", c->name, c->args[0] != '\0' ? " " : "", c->args);
        fprintf(f, "  %-18s ", head);
        while ((nl = strchr(h, '\n')) != NULL) {
            fprintf(f, "%.*s\n  %-18s ", (int)(nl - h), h, "");
            h = nl + 1;
        }
        fprintf(f, "%s\n", h);
    }
    fprintf(f, "\n"
               "options:\n"
               "  -c, --config FILE   read settings from FILE (also ADSERVERD_CONFIG)\n"
               "  --check-config      same as the check-config command\n"
               "  -h, --help          show this help\n"
               "  -V, --version       show the version\n"
               "\n"
               "settings (flag, environment variable, meaning):\n");
    config_usage(f);
    fprintf(f, "\nSee adserverd(8).\n");
}

int main(int argc, char **argv)
{
    struct config cfg;
    char **rest = NULL;
    int nrest = 0;
    char err[512];
    const char *name = "serve";
    const struct command *cmd;
    const char *cmd_arg = NULL;
    int have_cmd = 0;
    enum log_level lvl;
    sigset_t set;
    int rc = 1;

    /* Block the signals main waits for (and SIGPIPE) before any thread exists. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("adserverd %s\n", ADSERVERD_VERSION);
            return 0;
        }
    }
    if (config_load(&cfg, argc, argv, &rest, &nrest, err, sizeof(err)) != 0) {
        fprintf(stderr, "adserverd: %s\n", err);
        return 2;
    }
    for (int i = 0; i < nrest; i++) {
        if (strcmp(rest[i], "--check-config") == 0) {
            name = "check-config";
        } else if (rest[i][0] == '-') {
            fprintf(stderr, "adserverd: unknown option %s\n", rest[i]);
            usage(stderr);
            rc = 2;
            goto cleanup;
        } else if (!have_cmd) {
            name = rest[i];
            have_cmd = 1;
        } else if (cmd_arg == NULL) {
            cmd_arg = rest[i];
        } else {
            fprintf(stderr, "adserverd: too many arguments\n");
            rc = 2;
            goto cleanup;
        }
    }
    if (log_level_parse(cfg.log_level, &lvl) != 0) {
        fprintf(stderr, "adserverd: LOG_LEVEL must be error, warn, info or debug\n");
        rc = 2;
        goto cleanup;
    }
    log_set_level(lvl);
    cmd = command_find(name);
    if (cmd == NULL) {
        fprintf(stderr, "adserverd: unknown command %s\n", name);
        usage(stderr);
        rc = 2;
        goto cleanup;
    }
    if (cmd_arg != NULL && cmd->max_args == 0) {
        fprintf(stderr, "adserverd: %s takes no argument\n", cmd->name);
        rc = 2;
        goto cleanup;
    }
    if (cmd->raw) {
        rc = cmd->run(&cfg, cmd_arg, argc, argv);
        goto cleanup;
    }
    if (config_validate(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "adserverd: %s\n", err);
        rc = 2;
        goto cleanup;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "adserverd: libcurl initialisation failed\n");
        goto cleanup;
    }
    /* Only the daemon holds client connections: size them to the descriptors. */
    if (cmd->run == run_serve)
        fit_descriptors(&cfg);
    rc = cmd->run(&cfg, cmd_arg, argc, argv);
    curl_global_cleanup();
cleanup:
    free(rest);
    config_release(&cfg);
    return rc;
}
