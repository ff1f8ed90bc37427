/*
 * api_thirdparty: see api_thirdparty.h.
 *
 * Parse -> validate -> act -> render: vast/trackers.h parses and normalises
 * the body (the same parser the catalog builder uses on the stored
 * document, so nothing stored can fail to serve), db_thirdparty stores the
 * canonical document in one statement, and the answer is that document.
 */
#include "admin/api_thirdparty.h"
#include "admin/api_common.h"

#include "core/app.h"
#include "db/db.h"
#include "db/db_thirdparty.h"
#include "http/reply.h"
#include "http/request.h"
#include "vast/trackers.h"

#include <stdio.h>

#define DB_WAIT_MS 5000

/*
 * A document is small: 14 lists of 10 URLs of 2 KiB, or 5 verifications of
 * 8 KiB parameters; anything past this is not a tracker document.
 */
#define BODY_MAX (512 * 1024)

/* One resource: its document, key in the answer, owner kind and parser. */
struct resource {
    enum db_thirdparty_doc doc;
    const char *key;
    int creative; /* 1: :id is a creative, else a campaign */
    int (*parse)(const json_t *body, struct trackers *t, struct trackers_fail *f);
    json_t *(*render)(const struct trackers *t);
};

static const struct resource CREATIVE_TRACKERS = {DB_THIRDPARTY_CREATIVE_TRACKERS, "trackers", 1,
                                                  trackers_parse, trackers_json};
static const struct resource CAMPAIGN_TRACKERS = {DB_THIRDPARTY_CAMPAIGN_TRACKERS, "trackers", 0,
                                                  trackers_parse, trackers_json};
static const struct resource VERIFICATIONS = {DB_THIRDPARTY_CREATIVE_VERIFICATIONS,
                                              "verifications", 1, trackers_verifications_parse,
                                              trackers_verifications_json};

/* The canonical form of a stored document (NULL: none yet, empty lists). */
static json_t *canonical(const struct resource *r, const json_t *stored)
{
    struct trackers t;
    struct trackers_fail f;
    json_t *out;

    trackers_init(&t);
    /* stored documents passed this parser when written; a failure leaves t empty */
    if (stored != NULL)
        (void)r->parse(stored, &t, &f);
    out = r->render(&t);
    trackers_release(&t);
    return out;
}

static int not_found(struct request *req, const struct resource *r)
{
    if (r->creative)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", "Creative not found");
    return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", "Campaign not found");
}

/* GET (put == 0) or PUT resource r of object :id. */
static int handle(struct request *req, const struct resource *r, int put)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *value = NULL, *stored = NULL;
    struct trackers t;
    struct trackers_fail f;
    struct db_conn *c;
    char state[6] = "", what[32];
    int rc;

    if (id == NULL)
        return 0;
    trackers_init(&t);
    if (put) {
        if (req->body_seen > BODY_MAX)
            return reply_internal(req, 413, "request entity too large");
        if (r->parse(req->json, &t, &f) != 0)
            return reply_validation(req, f.field, f.message);
        value = r->render(&t);
        trackers_release(&t);
    }
    c = db_acquire(req->app->db, DB_WAIT_MS);
    if (c == NULL)
        rc = DB_THIRDPARTY_ERROR;
    else if (put)
        rc = db_thirdparty_put(c, r->doc, req->user.id, id, value, &stored, state);
    else
        rc = db_thirdparty_get(c, r->doc, req->user.id, id, &stored, state);
    db_release(req->app->db, c);
    json_decref(value);
    if (rc == DB_THIRDPARTY_NOT_FOUND)
        return not_found(req, r);
    if (rc != DB_THIRDPARTY_OK) {
        snprintf(what, sizeof(what), "%s_%s", r->key, put ? "put" : "get");
        api_log_db_failure(r->creative ? "creative" : "campaign", what, state);
        return put ? reply_error(req, 500, "SETTINGS_UPDATE_FAILED",
                                 "Failed to update third-party settings")
                   : reply_error(req, 500, "SETTINGS_RETRIEVAL_FAILED",
                                 "Failed to retrieve third-party settings");
    }
    value = canonical(r, stored);
    json_decref(stored);
    return reply_json(req, 200, json_pack("{s:o}", r->key, value));
}

int api_thirdparty_creative_trackers_get(struct request *req)
{
    return handle(req, &CREATIVE_TRACKERS, 0);
}

int api_thirdparty_creative_trackers_put(struct request *req)
{
    return handle(req, &CREATIVE_TRACKERS, 1);
}

int api_thirdparty_campaign_trackers_get(struct request *req)
{
    return handle(req, &CAMPAIGN_TRACKERS, 0);
}

int api_thirdparty_campaign_trackers_put(struct request *req)
{
    return handle(req, &CAMPAIGN_TRACKERS, 1);
}

int api_thirdparty_verifications_get(struct request *req)
{
    return handle(req, &VERIFICATIONS, 0);
}

int api_thirdparty_verifications_put(struct request *req)
{
    return handle(req, &VERIFICATIONS, 1);
}
