/*
 * actions: campaign status changes and deletes, with a confirmation first,
 * shared by the campaigns list and the campaign detail.
 *
 * actions_ask() asks "Activate campaign 'X'?"; on yes it sends
 * PUT /api/v1/campaigns/:id/status or DELETE /api/v1/campaigns/:id[?hard=true]
 * with tag ACTIONS_TAG, and the view passes that answer to
 * actions_result(). The pending action lives in the caller's struct (no
 * allocation), which outlives the question: closing a view cancels its
 * question (ui.c).
 */
#ifndef CTVTUI_ACTIONS_H
#define CTVTUI_ACTIONS_H

#include "keys.h"
#include "ui.h"

#define ACTIONS_TAG 900

struct actions_pending {
    char id[64];
    char name[256];
    enum keys_action action;
};

/*
 * Ask to apply action (ACT_ACTIVATE, ACT_PAUSE, ACT_COMPLETE, ACT_DRAFT,
 * ACT_DELETE, ACT_DELETE_HARD) to campaign (a campaign row). Returns 1 when
 * action is one of these (the question is shown), 0 otherwise.
 */
int actions_ask(struct ui *ui, struct view *v, struct actions_pending *p, enum keys_action action,
                const json_t *campaign);

/* Report the answer of an action request; 1 when it succeeded (reload). */
int actions_result(struct ui *ui, struct view *v, const struct actions_pending *p,
                   const struct fetch_result *r);

#endif
