/*
 * seed: see seed.h. The demo's queries live here (the demo is one unit of
 * data, not a table's API); every one is parameterized.
 */
#include "seed.h"
#include "core/app.h"
#include "core/config.h"
#include "db/db.h"
#include "media/child.h"
#include "media/ffprobe.h"
#include "auth/password.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEMO_CAMPAIGN "Demo CTV campaign"
#define DEMO_CREATIVE "Demo 15s spot"
#define DEMO_KEY "demo/ctv-demo-15s.mp4"

static int one_value(struct db_conn *c, const char *name, const char *sql, int n,
                     const char *const *p, char out[37], char *err, size_t errlen)
{
    PGresult *r = db_exec(c, name, sql, n, p, NULL);

    if (r == NULL) {
        snprintf(err, errlen, "%s: %s", name, PQerrorMessage(db_pg(c)));
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    snprintf(out, 37, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* Copy the demo file into storage under DEMO_KEY; probe it on the way. */
static int store_media(struct app *app, const char *path, struct ffprobe_info *info,
                       uint64_t *size, char *err, size_t errlen)
{
    struct storage_writer *w = NULL;
    char buf[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    {
        /* the same fence as creative processing (creative_worker.c) */
        struct child_limits lim = {app->cfg->media_cpu_s, app->cfg->media_mem_mb, 0,
                                   app->cfg->media_nice,
                                   (long)app->cfg->media_probe_timeout_s * 1000};
        if (ffprobe_run(NULL, app->cfg->media_ffprobe, &lim, fd, info, err, errlen) != FFPROBE_OK ||
            ffprobe_check(info, err, errlen) != 0)
            goto cleanup;
    }
    w = storage_writer_open(app->storage, DEMO_KEY, info->mime, err, errlen);
    if (w == NULL)
        goto cleanup;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (storage_writer_write(w, buf, (size_t)n) != 0)
            break;
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        storage_writer_abort(w);
        goto cleanup;
    }
    rc = storage_writer_commit(w, size, err, errlen);
cleanup:
    close(fd);
    return rc;
}

static int media_url(struct app *app, char *out, size_t n)
{
    const char *base = app->cfg->public_url;
    int rc = storage_public_url(app->storage, DEMO_KEY, out, n);

    if (rc != STORAGE_NO_PUBLIC_URL)
        return rc;
    if (base == NULL || base[0] == '\0')
        return -1;
    rc = snprintf(out, n, "%s/media/%s", base, DEMO_KEY);
    return rc > 0 && (size_t)rc < n ? 0 : -1;
}

int seed_demo(struct app *app, const char *media_path, char campaign_id[37],
              char creative_id[37], char *err, size_t errlen)
{
    struct db_conn *c = db_acquire(app->db, 10000);
    char user_id[37];
    char hash[PASSWORD_HASH_SIZE];
    char url[1024], dur[24], w[16], h[16], size_s[32];
    struct ffprobe_info info;
    uint64_t size = 0;
    int rc = -1, found;

    if (c == NULL) {
        snprintf(err, errlen, "cannot connect to PostgreSQL");
        return -1;
    }
    {
        const char *p[1] = {SEED_DEMO_EMAIL};
        found = one_value(c, "seed_user_find", "SELECT id FROM users WHERE email = $1", 1, p,
                          user_id, err, errlen);
    }
    if (found < 0)
        goto cleanup;
    if (found == 1) {
        if (password_hash(SEED_DEMO_PASSWORD, strlen(SEED_DEMO_PASSWORD),
                          (unsigned)app->cfg->bcrypt_cost, hash) != 0) {
            snprintf(err, errlen, "bcrypt failed");
            goto cleanup;
        }
        const char *p[2] = {SEED_DEMO_EMAIL, hash};
        if (one_value(c, "seed_user_insert",
                      "INSERT INTO users (email, password_hash, name, role) "
                      "VALUES ($1, $2, 'Demo Advertiser', 'advertiser') RETURNING id",
                      2, p, user_id, err, errlen) != 0)
            goto cleanup;
    }
    {
        const char *p[2] = {user_id, DEMO_CAMPAIGN};
        found = one_value(c, "seed_campaign_find",
                          "UPDATE campaigns SET status = 'active', "
                          "end_date = GREATEST(end_date, now() + interval '365 days') "
                          "WHERE created_by = $1 AND name = $2 RETURNING id",
                          2, p, campaign_id, err, errlen);
    }
    if (found < 0)
        goto cleanup;
    if (found == 1) {
        const char *p[2] = {user_id, DEMO_CAMPAIGN};
        if (one_value(c, "seed_campaign_insert",
                      "INSERT INTO campaigns (name, description, status, budget_total, "
                      "start_date, end_date, created_by, pricing_model, cpm_rate) "
                      "VALUES ($2, 'Loaded by make run', 'active', 10000.00, "
                      "now() - interval '1 day', now() + interval '365 days', $1, 'cpm', 12.50) "
                      "RETURNING id",
                      2, p, campaign_id, err, errlen) != 0)
            goto cleanup;
    }
    {
        const char *p[2] = {campaign_id, DEMO_CREATIVE};
        found = one_value(c, "seed_creative_find",
                          "SELECT id FROM creatives WHERE campaign_id = $1 AND name = $2", 2, p,
                          creative_id, err, errlen);
    }
    if (found <= 0) {
        rc = found;
        goto cleanup;
    }
    if (store_media(app, media_path, &info, &size, err, errlen) != 0 ||
        media_url(app, url, sizeof(url)) != 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "no public URL for the demo media (set ADSERVERD_PUBLIC_URL)");
        goto cleanup;
    }
    snprintf(dur, sizeof(dur), "%llu", (unsigned long long)((info.duration_ms + 500) / 1000));
    snprintf(w, sizeof(w), "%u", info.width);
    snprintf(h, sizeof(h), "%u", info.height);
    snprintf(size_s, sizeof(size_s), "%llu", (unsigned long long)size);
    {
        const char *p[8] = {campaign_id, DEMO_CREATIVE, url, dur, size_s, w, h, user_id};
        if (one_value(c, "seed_creative_insert",
                      "INSERT INTO creatives (campaign_id, name, video_url, duration, file_size, "
                      "width, height, format, status, uploaded_by) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, 'mp4', 'active', $8) RETURNING id",
                      8, p, creative_id, err, errlen) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    db_release(app->db, c);
    return rc;
}
