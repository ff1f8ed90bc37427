/*
 * seed: `adserverd seed-demo`, the demo data `make run` loads so a newcomer
 * gets an ad at once: one advertiser, one active campaign with a CPM rate
 * and one active creative whose media is a real playable MP4 stored through
 * the configured storage (so the VAST it yields plays).
 *
 * Idempotent: a second run finds the user, campaign and creative by their
 * fixed names and only re-activates and extends the campaign.
 *
 * At the top of the daemon beside main.c, not in db/: it drives the
 * database, the storage, the password hashing and the media probe together,
 * as an admin API request would, so it sits above all of them.
 */
#ifndef SEED_H
#define SEED_H

#include <stddef.h>

struct app;

#define SEED_DEMO_EMAIL "demo@example.com"
#define SEED_DEMO_PASSWORD "demo-password"
/* The creative's MP4 when seed-demo is given none (relative to the checkout). */
#define SEED_DEMO_MEDIA "tests/fixtures/media/ctv-demo-15s-1280x720.mp4"

/*
 * Load the demo using media_path as the creative's file. On success the ids
 * are written to campaign_id[37] and creative_id[37]. 0, or -1 with err.
 */
int seed_demo(struct app *app, const char *media_path, char campaign_id[37],
              char creative_id[37], char *err, size_t errlen);

#endif
