/*
 * config: the daemon's settings, read once at start (and on SIGHUP for the
 * reloadable ones).
 *
 * Precedence, lowest first: built-in defaults, the config file
 * (`key = value` lines), environment variables (the admin API's
 * names, listed in docs/admin-api.md, and ADSERVERD_* for ours), command-line flags. One table in config.c
 * lists every setting with its file key, variable and flag, so --help,
 * --check-config and the man page stay in step.
 *
 * After config_load() the struct is read-only and shared by every thread.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
    /* listeners */
    char *admin_bind;
    int admin_port;
    char *ad_bind;
    int ad_port;
    int admin_threads;
    int ad_threads;
    int conn_timeout_s;
    int conn_limit;
    int per_ip_limit;
    int conn_memory_kb;
    long body_limit;
    int url_max;             /* longest request target (bytes), 414 past it */
    int header_count_max;    /* most header fields per request, 431 past it */
    int header_bytes_max;    /* largest header block (bytes), 431 past it */
    long linger_bytes;       /* body bytes read and dropped after an early answer */
    int linger_ms;           /* and for at most this long, then the connection closes */
    char *public_url; /* how players reach the ad listener */
    char *trusted_proxies; /* SSAI servers whose device headers are believed */

    /* environment and security */
    char *node_env;
    char *log_level;
    char *jwt_secret;
    char *jwt_expires_in;
    char *refresh_expires_in;
    int bcrypt_cost;
    char *cors_origin;
    long rate_limit_window_ms;
    long rate_limit_max;
    char *psl_file;

    /* backends */
    char *database_url;
    int db_pool_size;
    char *redis_url;
    int redis_timeout_ms;
    int cap_timeout_ms;      /* ad request's wait for its frequency-cap call */
    int catalog_refresh_s; /* safety-net catalog rebuild interval */

    /* third-party VAST tags (tag/unwrap.h) */
    int tag_timeout_ms;    /* budget of one tag's whole wrapper chain */
    long tag_max_bytes;    /* largest answer of one hop */
    int tag_allow_private; /* 1: tags may reach loopback and private addresses */
    char *tracking_secret; /* HMAC key of tracking URLs; NULL: derived from jwt_secret */

    /* beacons and money */
    char *spool_fsync;       /* "always" or a group-commit window in ms ("2") */
    long spool_max_mb;       /* refuse beacons (503) past this spool size */
    long spool_segment_mb;   /* rotate segments past this size */
    int beacon_max_age_s;    /* older signed beacons are stored as invalid (expired) */
    int drain_batch;         /* events per drain transaction */
    int spend_refresh_ms;    /* Redis spend counter refresh period */
    int decision_tick_ms;    /* decision ticker period (decision/ticker.h) */

    /* storage */
    char *storage;
    char *data_dir;
    char *media_dir;
    char *media_base_url;
    char *s3_endpoint;
    char *s3_bucket;
    char *aws_region;
    char *aws_access_key_id;
    char *aws_secret_access_key;
    char *cloudfront_url;
    int s3_path_style;
    long upload_max_bytes; /* largest creative file (docs/admin-api.md: 500 MiB) */

    /* media tools, run as fenced child processes (media/child.h) */
    char *media_ffprobe;       /* program name or path */
    int media_jobs;            /* tools at once; 0: child_default_jobs() */
    int media_nice;            /* niceness added to each tool */
    int media_probe_timeout_s; /* wall clock per ffprobe run */
    long media_cpu_s;          /* RLIMIT_CPU per run */
    long media_mem_mb;         /* RLIMIT_AS per run */
    char *media_ladder;        /* rendition ladder (media/ladder.h) */
    char *media_preset;        /* x264 preset of renditions */
    char *media_ffmpeg;        /* program name or path */
    int media_transcode_timeout_s; /* wall clock per rendition */
    long media_output_mb;      /* RLIMIT_FSIZE of a transcode */

    /* where the values came from, for --check-config */
    char *config_file;
};

/*
 * Fill cfg from defaults, file, environment and argv. Flags that are not
 * settings (--help, --check-config, --version, a subcommand) are left in
 * *rest (argv order kept; *rest points into argv, not copied).
 * Returns 0, or -1 with a message in err.
 */
int config_load(struct config *cfg, int argc, char **argv, char ***rest, int *nrest, char *err,
                size_t errlen);
/* Check values (ports, sizes, required secrets); -1 with err on the first bad one. */
int config_validate(const struct config *cfg, char *err, size_t errlen);
/*
 * spool_fsync parsed: 0 for always (and for the interval form, which has no
 * group-commit window), the window in ms, or -1 when malformed.
 */
int config_spool_sync_ms(const struct config *cfg);
/* spool_fsync's "interval:<ms>" form: ms (1..10000), 0 for the other forms, -1 when malformed. */
int config_spool_interval_ms(const struct config *cfg);
/* Print every setting as `key = value` (secrets shown as "(set)") to f. */
void config_dump(const struct config *cfg, void *file);
/* Print the settings table for --help. */
void config_usage(void *file);
void config_release(struct config *cfg);

/* True when NODE_ENV is "production" / "test". */
int config_is_production(const struct config *cfg);
int config_is_test(const struct config *cfg);

#endif
