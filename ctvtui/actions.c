/*
 * actions: confirmed status changes and deletes (see actions.h).
 */
#include "actions.h"

#include "model.h"

#include <stdio.h>
#include <string.h>

static const char *status_of(enum keys_action a)
{
    switch (a) {
    case ACT_ACTIVATE:
        return "active";
    case ACT_PAUSE:
        return "paused";
    case ACT_COMPLETE:
        return "completed";
    case ACT_DRAFT:
        return "draft";
    default:
        return NULL;
    }
}

static void on_answer(struct view *v, struct ui *ui, int yes, void *arg)
{
    struct actions_pending *p = arg;
    char path[256];
    if (!yes) {
        ui_message(ui, "cancelled");
        return;
    }
    const char *status = status_of(p->action);
    if (status) {
        json_t *body = json_pack("{s:s}", "status", status);
        snprintf(path, sizeof path, "/api/v1/campaigns/%s/status", p->id);
        if (body)
            ui_request(ui, v, ACTIONS_TAG, "PUT", path, body);
        json_decref(body);
        return;
    }
    snprintf(path, sizeof path, "/api/v1/campaigns/%s%s", p->id,
             p->action == ACT_DELETE_HARD ? "?hard=true" : "");
    ui_request(ui, v, ACTIONS_TAG, "DELETE", path, NULL);
}

int actions_ask(struct ui *ui, struct view *v, struct actions_pending *p, enum keys_action action,
                const json_t *campaign)
{
    static const char *const verbs[][2] = {
        {"Activate", "active"}, {"Pause", "paused"}, {"Complete", "completed"},
        {"Set to draft", "draft"}};
    const char *verb = NULL;
    switch (action) {
    case ACT_ACTIVATE:
        verb = verbs[0][0];
        break;
    case ACT_PAUSE:
        verb = verbs[1][0];
        break;
    case ACT_COMPLETE:
        verb = verbs[2][0];
        break;
    case ACT_DRAFT:
        verb = verbs[3][0];
        break;
    case ACT_DELETE:
    case ACT_DELETE_HARD:
        break;
    default:
        return 0;
    }
    if (campaign == NULL) {
        ui_error(ui, "no campaign selected");
        return 1;
    }
    snprintf(p->id, sizeof p->id, "%s", model_str(campaign, "id", ""));
    snprintf(p->name, sizeof p->name, "%s", model_str(campaign, "name", "?"));
    p->action = action;
    if (action == ACT_DELETE)
        ui_confirm(ui, v, on_answer, p,
                   "Delete campaign '%s'? (soft delete: it is marked completed)", p->name);
    else if (action == ACT_DELETE_HARD)
        ui_confirm(ui, v, on_answer, p,
                   "Delete campaign '%s' PERMANENTLY, with its creatives and stats?", p->name);
    else
        ui_confirm(ui, v, on_answer, p, "%s campaign '%s'?", verb, p->name);
    return 1;
}

int actions_result(struct ui *ui, struct view *v, const struct actions_pending *p,
                   const struct fetch_result *r)
{
    if (r->err != APICLIENT_OK) {
        ui_fail(ui, v, r, p->name);
        return 0;
    }
    const char *msg = model_str(r->json, "message", "done");
    ui_message(ui, "%s: %s", p->name, msg);
    return 1;
}
