/*
 * config: see config.h. One table of settings; each has a file key, an
 * environment variable and a long flag. Values are strings until stored.
 */
#include "core/config.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum opt_type { OPT_STR, OPT_INT, OPT_LONG, OPT_BOOL };

struct opt {
    const char *key;  /* config file key and flag (with '_' -> '-') */
    const char *env;  /* environment variable */
    enum opt_type type;
    size_t offset;
    const char *def;  /* default, as text; NULL = unset */
    int secret;
    const char *help;
};

#define O(f) offsetof(struct config, f)

static const struct opt opts[] = {
    {"admin_bind", "ADSERVERD_ADMIN_BIND", OPT_STR, O(admin_bind), "0.0.0.0", 0,
     "address of the admin API listener"},
    {"port", "PORT", OPT_INT, O(admin_port), "3000", 0, "admin API port"},
    {"ad_bind", "ADSERVERD_AD_BIND", OPT_STR, O(ad_bind), "0.0.0.0", 0,
     "address of the ad-serving listener"},
    {"ad_port", "AD_PORT", OPT_INT, O(ad_port), "8080", 0, "ad-serving port"},
    {"admin_threads", "ADSERVERD_ADMIN_THREADS", OPT_INT, O(admin_threads), "0", 0,
     "admin listener threads (0: 4 per core)"},
    {"ad_threads", "ADSERVERD_AD_THREADS", OPT_INT, O(ad_threads), "0", 0,
     "ad listener threads (0: 4 per core)"},
    {"conn_timeout", "ADSERVERD_CONN_TIMEOUT", OPT_INT, O(conn_timeout_s), "15", 0,
     "seconds a connection may stay idle or send slowly"},
    {"conn_limit", "ADSERVERD_CONN_LIMIT", OPT_INT, O(conn_limit), "4096", 0,
     "connections per listener (lowered at start to fit the descriptor limit)"},
    {"per_ip_limit", "ADSERVERD_PER_IP_LIMIT", OPT_INT, O(per_ip_limit), "1024", 0,
     "connections per client address and listener (trusted_proxies exempt)"},
    {"conn_memory_kb", "ADSERVERD_CONN_MEMORY_KB", OPT_INT, O(conn_memory_kb), "32", 0,
     "memory per connection for the request line and headers (KiB)"},
    {"body_limit", "ADSERVERD_BODY_LIMIT", OPT_LONG, O(body_limit), "10485760", 0,
     "largest JSON or form body (bytes)"},
    {"url_max", "ADSERVERD_URL_MAX", OPT_INT, O(url_max), "8192", 0,
     "longest request target in bytes (414 past it)"},
    {"header_count_max", "ADSERVERD_HEADER_COUNT_MAX", OPT_INT, O(header_count_max), "100", 0,
     "most header fields in a request (431 past it)"},
    {"header_bytes_max", "ADSERVERD_HEADER_BYTES_MAX", OPT_INT, O(header_bytes_max), "16384", 0,
     "largest header block in bytes (431 past it)"},
    {"linger_bytes", "ADSERVERD_LINGER_BYTES", OPT_LONG, O(linger_bytes), "536870912", 0,
     "body bytes drained after an early 4xx so the client reads it"},
    {"linger_ms", "ADSERVERD_LINGER_MS", OPT_INT, O(linger_ms), "30000", 0,
     "longest drain of a body after an early 4xx (ms)"},
    {"public_url", "ADSERVERD_PUBLIC_URL", OPT_STR, O(public_url), NULL, 0,
     "base URL players use to reach the ad listener"},
    {"trusted_proxies", "ADSERVERD_TRUSTED_PROXIES", OPT_STR, O(trusted_proxies), NULL, 0,
     "addresses/CIDRs whose X-Forwarded-For, X-Device-IP, X-Device-User-Agent are used"},
    {"node_env", "NODE_ENV", OPT_STR, O(node_env), "development", 0,
     "development, test or production"},
    {"log_level", "LOG_LEVEL", OPT_STR, O(log_level), "info", 0, "error, warn, info or debug"},
    {"jwt_secret", "JWT_SECRET", OPT_STR, O(jwt_secret), NULL, 1, "HS256 secret (required)"},
    {"jwt_expires_in", "JWT_EXPIRES_IN", OPT_STR, O(jwt_expires_in), "24h", 0,
     "access token lifetime"},
    {"refresh_token_expires_in", "REFRESH_TOKEN_EXPIRES_IN", OPT_STR, O(refresh_expires_in), "7d",
     0, "refresh token lifetime"},
    {"bcrypt_cost", "ADSERVERD_BCRYPT_COST", OPT_INT, O(bcrypt_cost), "12", 0,
     "bcrypt cost of new password hashes"},
    {"cors_origin", "CORS_ORIGIN", OPT_STR, O(cors_origin), "http://localhost:3001", 0,
     "comma-separated origins allowed on the admin API"},
    {"rate_limit_window_ms", "RATE_LIMIT_WINDOW_MS", OPT_LONG, O(rate_limit_window_ms), "900000",
     0, "rate-limit window (ms)"},
    {"rate_limit_max_requests", "RATE_LIMIT_MAX_REQUESTS", OPT_LONG, O(rate_limit_max), "100", 0,
     "requests per window per client address under /api"},
    {"psl_file", "ADSERVERD_PSL_FILE", OPT_STR, O(psl_file),
     "/usr/share/publicsuffix/public_suffix_list.dat", 0, "public suffix list (TLDs)"},
    {"database_url", "DATABASE_URL", OPT_STR, O(database_url), NULL, 1, "PostgreSQL URL"},
    {"db_pool_size", "ADSERVERD_DB_POOL_SIZE", OPT_INT, O(db_pool_size), "8", 0,
     "PostgreSQL connections"},
    {"redis_url", "REDIS_URL", OPT_STR, O(redis_url), "redis://localhost:6379", 1, "Redis URL"},
    {"catalog_refresh_s", "ADSERVERD_CATALOG_REFRESH_S", OPT_INT, O(catalog_refresh_s), "30", 0,
     "catalog rebuild interval besides NOTIFY (seconds)"},
    {"tag_timeout_ms", "ADSERVERD_TAG_TIMEOUT_MS", OPT_INT, O(tag_timeout_ms), "300", 0,
     "time budget of a third-party VAST tag's whole wrapper chain (ms)"},
    {"tag_max_bytes", "ADSERVERD_TAG_MAX_BYTES", OPT_LONG, O(tag_max_bytes), "262144", 0,
     "largest third-party VAST answer read per wrapper hop (bytes)"},
    {"tag_allow_private", "ADSERVERD_TAG_ALLOW_PRIVATE", OPT_BOOL, O(tag_allow_private), "false",
     0, "let third-party VAST tags reach loopback and private addresses"},
    {"redis_timeout_ms", "ADSERVERD_REDIS_TIMEOUT_MS", OPT_INT, O(redis_timeout_ms), "200", 0,
     "Redis connect and command timeout (ms)"},
    {"cap_timeout_ms", "ADSERVERD_CAP_TIMEOUT_MS", OPT_INT, O(cap_timeout_ms), "50", 0,
     "longest wait of an ad request for its frequency-cap call (ms)"},
    {"tracking_secret", "ADSERVERD_TRACKING_SECRET", OPT_STR, O(tracking_secret), NULL, 1,
     "HMAC key of tracking URLs (default: derived from JWT_SECRET)"},
    {"spool_fsync", "ADSERVERD_SPOOL_FSYNC", OPT_STR, O(spool_fsync), "2", 0,
     "beacon spool sync: always, a group-commit window in ms (1..1000), or interval:<ms> "
     "(acknowledge once written, fdatasync every 1..10000 ms)"},
    {"spool_max_mb", "ADSERVERD_SPOOL_MAX_MB", OPT_LONG, O(spool_max_mb), "1024", 0,
     "largest beacon spool on disk before beacons get 503 (MiB)"},
    {"spool_segment_mb", "ADSERVERD_SPOOL_SEGMENT_MB", OPT_LONG, O(spool_segment_mb), "16", 0,
     "beacon spool segment size (MiB)"},
    {"beacon_max_age_s", "ADSERVERD_BEACON_MAX_AGE_S", OPT_INT, O(beacon_max_age_s), "86400", 0,
     "age after which a signed beacon is stored as expired (seconds)"},
    {"drain_batch", "ADSERVERD_DRAIN_BATCH", OPT_INT, O(drain_batch), "2000", 0,
     "events per PostgreSQL transaction of the spool drain"},
    {"spend_refresh_ms", "ADSERVERD_SPEND_REFRESH_MS", OPT_INT, O(spend_refresh_ms), "250", 0,
     "spend counter refresh period for budgets and pacing (ms)"},
    {"decision_tick_ms", "ADSERVERD_DECISION_TICK_MS", OPT_INT, O(decision_tick_ms), "250", 0,
     "period of the decision ticker: flight, day-part, budget, pacing (ms)"},
    {"storage", "ADSERVERD_STORAGE", OPT_STR, O(storage), "local", 0,
     "creative storage: local or s3"},
    {"data_dir", "ADSERVERD_DATA_DIR", OPT_STR, O(data_dir), "./var/data", 0,
     "daemon data directory (spool, temporary files)"},
    {"media_dir", "ADSERVERD_MEDIA_DIR", OPT_STR, O(media_dir), NULL, 0,
     "local creative directory (default: DATA_DIR/media)"},
    {"media_base_url", "ADSERVERD_MEDIA_BASE_URL", OPT_STR, O(media_base_url), NULL, 0,
     "public base URL of stored creatives"},
    {"s3_endpoint", "S3_ENDPOINT", OPT_STR, O(s3_endpoint), "http://localhost:4566", 0,
     "S3-compatible endpoint"},
    {"s3_bucket_name", "S3_BUCKET_NAME", OPT_STR, O(s3_bucket), "ctv-ad-server-creatives", 0,
     "bucket"},
    {"aws_region", "AWS_REGION", OPT_STR, O(aws_region), "us-east-1", 0, "signing region"},
    {"aws_access_key_id", "AWS_ACCESS_KEY_ID", OPT_STR, O(aws_access_key_id), "test", 1,
     "S3 access key"},
    {"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", OPT_STR, O(aws_secret_access_key), "test",
     1, "S3 secret key"},
    {"cloudfront_url", "CLOUDFRONT_URL", OPT_STR, O(cloudfront_url), NULL, 0,
     "public base URL of the bucket in production"},
    {"upload_max_bytes", "ADSERVERD_UPLOAD_MAX_BYTES", OPT_LONG, O(upload_max_bytes), "524288000",
     0, "largest creative file accepted by the upload route (bytes)"},
    {"s3_path_style", "ADSERVERD_S3_PATH_STYLE", OPT_BOOL, O(s3_path_style), "true", 0,
     "path-style bucket addressing"},
    {"media_ffprobe", "ADSERVERD_MEDIA_FFPROBE", OPT_STR, O(media_ffprobe), "ffprobe", 0,
     "ffprobe program (a path, or a name found in PATH)"},
    {"media_jobs", "ADSERVERD_MEDIA_JOBS", OPT_INT, O(media_jobs), "0", 0,
     "media tools running at once (0: 1 up to 2 cores, else half the cores)"},
    {"media_nice", "ADSERVERD_MEDIA_NICE", OPT_INT, O(media_nice), "10", 0,
     "niceness added to media tools (0..19)"},
    {"media_probe_timeout_s", "ADSERVERD_MEDIA_PROBE_TIMEOUT_S", OPT_INT,
     O(media_probe_timeout_s), "30", 0, "wall-clock limit of one ffprobe run (seconds)"},
    {"media_cpu_s", "ADSERVERD_MEDIA_CPU_S", OPT_LONG, O(media_cpu_s), "600", 0,
     "CPU-time limit of one media tool run (seconds)"},
    {"media_mem_mb", "ADSERVERD_MEDIA_MEM_MB", OPT_LONG, O(media_mem_mb), "2048", 0,
     "address-space limit of one media tool run (MiB)"},
    {"media_ladder", "ADSERVERD_MEDIA_LADDER", OPT_STR, O(media_ladder),
     "1080p=1920x1080@5000,720p=1280x720@3000,480p=854x480@1200,360p=640x360@700", 0,
     "rendition ladder NAME=WxH@KBPS,... (none: serve uploads as they are)"},
    {"media_preset", "ADSERVERD_MEDIA_PRESET", OPT_STR, O(media_preset), "veryfast", 0,
     "x264 preset of renditions (ultrafast..veryslow)"},
    {"media_ffmpeg", "ADSERVERD_MEDIA_FFMPEG", OPT_STR, O(media_ffmpeg), "ffmpeg", 0,
     "ffmpeg program (a path, or a name found in PATH)"},
    {"media_transcode_timeout_s", "ADSERVERD_MEDIA_TRANSCODE_TIMEOUT_S", OPT_INT,
     O(media_transcode_timeout_s), "1800", 0, "wall-clock limit of one rendition (seconds)"},
    {"media_output_mb", "ADSERVERD_MEDIA_OUTPUT_MB", OPT_LONG, O(media_output_mb), "2048", 0,
     "largest file one media tool run may write (MiB)"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static int opt_set(struct config *cfg, const struct opt *o, const char *val, const char *src,
                   char *err, size_t errlen)
{
    char *p = (char *)cfg + o->offset;
    char *end;
    long v;

    switch (o->type) {
    case OPT_STR:
        free(*(char **)p);
        *(char **)p = xstrdup(val);
        return 0;
    case OPT_BOOL:
        if (strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0 || strcasecmp(val, "yes") == 0)
            *(int *)p = 1;
        else if (strcasecmp(val, "false") == 0 || strcmp(val, "0") == 0 ||
                 strcasecmp(val, "no") == 0)
            *(int *)p = 0;
        else
            goto bad;
        return 0;
    case OPT_INT:
    case OPT_LONG:
        errno = 0;
        v = strtol(val, &end, 10);
        if (errno != 0 || end == val || *end != '\0')
            goto bad;
        if (o->type == OPT_INT) {
            if (v < INT_MIN || v > INT_MAX)
                goto bad;
            *(int *)p = (int)v;
        } else {
            *(long *)p = v;
        }
        return 0;
    }
bad:
    snprintf(err, errlen, "%s: bad value for %s", src, o->key);
    return -1;
}

static const struct opt *opt_by_key(const char *key)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strcmp(opts[i].key, key) == 0)
            return &opts[i];
    return NULL;
}

static const struct opt *opt_by_flag(const char *flag)
{
    char key[64];
    size_t n = strlen(flag);

    if (n >= sizeof(key))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        key[i] = flag[i] == '-' ? '_' : flag[i];
    return opt_by_key(key);
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0;
    int rc = -1;

    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *k, *v, *eq;
        const struct opt *o;
        char src[300];

        lineno++;
        k = trim(line);
        if (*k == '#' || *k == '\0')
            continue;
        eq = strchr(k, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            goto cleanup;
        }
        *eq = '\0';
        v = trim(eq + 1);
        k = trim(k);
        o = opt_by_key(k);
        if (o == NULL) {
            snprintf(err, errlen, "%s:%d: unknown key %s", path, lineno, k);
            goto cleanup;
        }
        snprintf(src, sizeof(src), "%s:%d", path, lineno);
        if (opt_set(cfg, o, v, src, err, errlen) != 0)
            goto cleanup;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    fclose(f);
    return rc;
}

int config_load(struct config *cfg, int argc, char **argv, char ***rest, int *nrest, char *err,
                size_t errlen)
{
    const char *file = getenv("ADSERVERD_CONFIG");
    char **left = xcalloc((size_t)argc + 1, sizeof(char *));
    int nleft = 0;

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].def != NULL && opt_set(cfg, &opts[i], opts[i].def, "default", err, errlen))
            goto fail;
    /* The file is named by the environment or by -c/--config. */
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    if (file != NULL && *file != '\0') {
        if (load_file(cfg, file, err, errlen) != 0)
            goto fail;
        cfg->config_file = xstrdup(file);
    }
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = getenv(opts[i].env);
        if (v != NULL && opt_set(cfg, &opts[i], v, opts[i].env, err, errlen) != 0)
            goto fail;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct opt *o;
        char name[64];
        const char *val;
        const char *eq;

        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0)
            continue;
        if (strncmp(a, "--", 2) != 0) {
            left[nleft++] = argv[i];
            continue;
        }
        eq = strchr(a, '=');
        if (eq != NULL && (size_t)(eq - a - 2) < sizeof(name)) {
            memcpy(name, a + 2, (size_t)(eq - a - 2));
            name[eq - a - 2] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof(name), "%s", a + 2);
            val = NULL;
        }
        o = opt_by_flag(name);
        if (o == NULL) {
            left[nleft++] = argv[i];
            continue;
        }
        if (val == NULL) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--%s needs a value", name);
                goto fail;
            }
            val = argv[++i];
        }
        if (opt_set(cfg, o, val, a, err, errlen) != 0)
            goto fail;
    }
    if (cfg->media_dir == NULL) {
        size_t n = strlen(cfg->data_dir) + sizeof("/media");
        cfg->media_dir = xmalloc(n);
        snprintf(cfg->media_dir, n, "%s/media", cfg->data_dir);
    }
    if (cfg->admin_threads <= 0 || cfg->ad_threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
        if (cfg->admin_threads <= 0)
            cfg->admin_threads = (int)(n * 4);
        /* The ad path waits on Redis (one frequency-cap call) when a
         * candidate is capped: more threads than cores keep the CPU busy. */
        if (cfg->ad_threads <= 0)
            cfg->ad_threads = (int)(n * 4);
    }
    *rest = left;
    *nrest = nleft;
    return 0;
fail:
    free(left);
    config_release(cfg);
    return -1;
}

/* The interval form, "interval:<ms>": ms, 0 when spool_fsync is another form, -1 when malformed. */
int config_spool_interval_ms(const struct config *cfg)
{
    static const char prefix[] = "interval:";
    const char *p;
    char *end;
    long v;

    if (cfg->spool_fsync == NULL)
        return -1;
    if (strncmp(cfg->spool_fsync, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    p = cfg->spool_fsync + sizeof(prefix) - 1;
    if (*p < '0' || *p > '9')
        return -1;
    v = strtol(p, &end, 10);
    if (*end != '\0' || v < 1 || v > 10000)
        return -1;
    return (int)v;
}

int config_spool_sync_ms(const struct config *cfg)
{
    char *end;
    long v;
    int iv;

    if (cfg->spool_fsync == NULL)
        return -1;
    if (strcmp(cfg->spool_fsync, "always") == 0)
        return 0;
    iv = config_spool_interval_ms(cfg);
    if (iv != 0)
        return iv < 0 ? -1 : 0; /* interval mode: no group commit; see config_spool_interval_ms */
    v = strtol(cfg->spool_fsync, &end, 10);
    if (end == cfg->spool_fsync || *end != '\0' || v < 1 || v > 1000)
        return -1;
    return (int)v;
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
    if (cfg->admin_port < 0 || cfg->admin_port > 65535 || cfg->ad_port < 0 ||
        cfg->ad_port > 65535) {
        snprintf(err, errlen, "ports must be 0..65535");
        return -1;
    }
    if (cfg->admin_port != 0 && cfg->admin_port == cfg->ad_port &&
        strcmp(cfg->admin_bind, cfg->ad_bind) == 0) {
        snprintf(err, errlen, "PORT and AD_PORT must differ");
        return -1;
    }
    if (cfg->jwt_secret == NULL || cfg->jwt_secret[0] == '\0') {
        snprintf(err, errlen, "JWT_SECRET is required");
        return -1;
    }
    if (cfg->tracking_secret != NULL && strlen(cfg->tracking_secret) < 16) {
        snprintf(err, errlen, "ADSERVERD_TRACKING_SECRET must be at least 16 bytes");
        return -1;
    }
    if (cfg->database_url == NULL || cfg->database_url[0] == '\0') {
        snprintf(err, errlen, "DATABASE_URL is required");
        return -1;
    }
    if (cfg->conn_timeout_s < 1 || cfg->conn_limit < 1 || cfg->per_ip_limit < 1 ||
        cfg->conn_memory_kb < 8) {
        snprintf(err, errlen, "connection limits must be positive (conn_memory_kb >= 8)");
        return -1;
    }
    if (cfg->url_max < 256 || cfg->header_count_max < 16 || cfg->header_bytes_max < 1024 ||
        cfg->linger_bytes < 0 || cfg->linger_ms < 0) {
        snprintf(err, errlen, "url_max >= 256, header_count_max >= 16, header_bytes_max >= 1024, "
                              "linger_bytes and linger_ms >= 0");
        return -1;
    }
    if ((long)cfg->url_max + cfg->header_bytes_max + 1024 > (long)cfg->conn_memory_kb * 1024) {
        snprintf(err, errlen, "conn_memory_kb must exceed url_max + header_bytes_max by 1 KiB");
        return -1;
    }
    if (cfg->body_limit < 1024) {
        snprintf(err, errlen, "body_limit must be at least 1024");
        return -1;
    }
    if (cfg->rate_limit_window_ms < 1000 || cfg->rate_limit_max < 1) {
        snprintf(err, errlen, "rate limit window must be >= 1000 ms and max >= 1");
        return -1;
    }
    if (cfg->db_pool_size < 1 || cfg->db_pool_size > 256) {
        snprintf(err, errlen, "db_pool_size must be 1..256");
        return -1;
    }
    if (cfg->catalog_refresh_s < 1 || cfg->catalog_refresh_s > 86400) {
        snprintf(err, errlen, "catalog_refresh_s must be 1..86400");
        return -1;
    }
    if (cfg->tag_timeout_ms < 10 || cfg->tag_timeout_ms > 60000) {
        snprintf(err, errlen, "tag_timeout_ms must be 10..60000");
        return -1;
    }
    if (cfg->tag_max_bytes < 1024 || cfg->tag_max_bytes > 16L * 1024 * 1024) {
        snprintf(err, errlen, "tag_max_bytes must be 1024..16777216");
        return -1;
    }
    if (cfg->bcrypt_cost < 4 || cfg->bcrypt_cost > 31) {
        snprintf(err, errlen, "bcrypt_cost must be 4..31");
        return -1;
    }
    if (config_spool_sync_ms(cfg) < 0) {
        snprintf(err, errlen,
                 "spool_fsync must be always, 1..1000 (ms) or interval:1..10000 (ms)");
        return -1;
    }
    if (cfg->spool_max_mb < 1 || cfg->spool_max_mb > 1048576 || cfg->spool_segment_mb < 1 ||
        cfg->spool_segment_mb > 1024 || cfg->spool_segment_mb > cfg->spool_max_mb) {
        snprintf(err, errlen, "spool_max_mb must be 1..1048576 and spool_segment_mb 1..1024, "
                              "at most spool_max_mb");
        return -1;
    }
    if (cfg->beacon_max_age_s < 60 || cfg->beacon_max_age_s > 30 * 86400) {
        snprintf(err, errlen, "beacon_max_age_s must be 60..2592000");
        return -1;
    }
    if (cfg->drain_batch < 1 || cfg->drain_batch > 20000) {
        snprintf(err, errlen, "drain_batch must be 1..20000");
        return -1;
    }
    if (cfg->cap_timeout_ms < 1 || cfg->cap_timeout_ms > 5000) {
        snprintf(err, errlen, "cap_timeout_ms must be 1..5000");
        return -1;
    }
    if (cfg->media_jobs < 0 || cfg->media_jobs > 64 || cfg->media_nice < 0 ||
        cfg->media_nice > 19 || cfg->media_probe_timeout_s < 1 ||
        cfg->media_probe_timeout_s > 3600 || cfg->media_cpu_s < 1 || cfg->media_cpu_s > 86400 ||
        cfg->media_mem_mb < 256 || cfg->media_mem_mb > 1048576) {
        snprintf(err, errlen, "media_jobs must be 0..64, media_nice 0..19, "
                              "media_probe_timeout_s 1..3600, media_cpu_s 1..86400, "
                              "media_mem_mb 256..1048576");
        return -1;
    }
    if (cfg->media_transcode_timeout_s < 1 || cfg->media_transcode_timeout_s > 86400 ||
        cfg->media_output_mb < 1 || cfg->media_output_mb > 1048576) {
        snprintf(err, errlen, "media_transcode_timeout_s must be 1..86400 and media_output_mb "
                              "1..1048576");
        return -1;
    }
    {
        static const char *const presets[] = {"ultrafast", "superfast", "veryfast", "faster",
                                              "fast", "medium", "slow", "slower", "veryslow"};
        int ok = 0;

        /* media_ladder is parsed by the creative worker at start (media/ladder.h) */
        for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
            ok |= cfg->media_preset != NULL && strcmp(cfg->media_preset, presets[i]) == 0;
        if (!ok) {
            snprintf(err, errlen, "media_preset must be an x264 preset (ultrafast..veryslow)");
            return -1;
        }
    }
    if (cfg->spend_refresh_ms < 10 || cfg->spend_refresh_ms > 60000) {
        snprintf(err, errlen, "spend_refresh_ms must be 10..60000");
        return -1;
    }
    if (cfg->decision_tick_ms < 250 || cfg->decision_tick_ms > 1000) {
        snprintf(err, errlen, "decision_tick_ms must be 250..1000");
        return -1;
    }
    if (strcmp(cfg->storage, "local") != 0 && strcmp(cfg->storage, "s3") != 0) {
        snprintf(err, errlen, "storage must be local or s3");
        return -1;
    }
    return 0;
}

void config_dump(const struct config *cfg, void *file)
{
    FILE *f = file;

    for (size_t i = 0; i < NOPTS; i++) {
        const char *p = (const char *)cfg + opts[i].offset;
        switch (opts[i].type) {
        case OPT_STR: {
            const char *s = *(char *const *)p;
            if (s == NULL)
                fprintf(f, "%s = (unset)\n", opts[i].key);
            else if (opts[i].secret)
                fprintf(f, "%s = (set)\n", opts[i].key);
            else
                fprintf(f, "%s = %s\n", opts[i].key, s);
            break;
        }
        case OPT_INT:
        case OPT_BOOL:
            fprintf(f, "%s = %d\n", opts[i].key, *(const int *)p);
            break;
        case OPT_LONG:
            fprintf(f, "%s = %ld\n", opts[i].key, *(const long *)p);
            break;
        }
    }
}

void config_usage(void *file)
{
    FILE *f = file;

    for (size_t i = 0; i < NOPTS; i++) {
        char flag[64];
        size_t n = strlen(opts[i].key);
        for (size_t j = 0; j <= n && j < sizeof(flag); j++)
            flag[j] = opts[i].key[j] == '_' ? '-' : opts[i].key[j];
        flag[sizeof(flag) - 1] = '\0';
        fprintf(f, "  --%-26s %-28s %s\n", flag, opts[i].env, opts[i].help);
    }
}

void config_release(struct config *cfg)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].type == OPT_STR) {
            char **p = (char **)((char *)cfg + opts[i].offset);
            free(*p);
            *p = NULL;
        }
    }
    free(cfg->config_file);
    cfg->config_file = NULL;
}

int config_is_production(const struct config *cfg)
{
    return strcmp(cfg->node_env, "production") == 0;
}

int config_is_test(const struct config *cfg)
{
    return strcmp(cfg->node_env, "test") == 0;
}
