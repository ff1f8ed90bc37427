/*
 * snapshot: the immutable in-memory catalog that ad decisions read.
 *
 * The catalog builder (docs/architecture.md, flow 2) reads servable campaigns,
 * creatives, targeting, caps and the category-exclusion table from
 * PostgreSQL and feeds them to a snapshot_builder; snapshot_builder_finish()
 * turns them into one read-only snapshot. Request threads never see a
 * snapshot change: they take a reference for one request
 * (snapshot_acquire/snapshot_release) while the builder publishes a new one
 * with an atomic pointer swap. The read side takes no lock.
 *
 * Everything a request compares is pre-digested at build time:
 *  - targeting values, advertiser domains and IAB categories are interned
 *    (ASCII case folded) into small integers, so matching compares integers;
 *  - each campaign's time zone is a tz table (tz.h), so local hour and day
 *    cost a binary search and no libc time-zone call;
 *  - creatives are grouped by campaign (first_creative, n_creatives).
 *
 * The structs below are public so decision, VAST rendering and beacons can
 * read fields directly; everything reachable from a snapshot is owned by it
 * and lives until its last reference is released. Never write through them.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include "vast/vast.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct trackers;

struct tz_zone;
struct snapshot;
struct snapshot_builder;

/* An interned string that does not exist in the snapshot. */
#define SNAPSHOT_NO_ID UINT32_MAX

/* Limits checked by the builder (the admin API enforces the same ones). */
#define SNAPSHOT_PRIORITY_MAX 10 /* priority 1 (served first) .. 10 */
#define SNAPSHOT_WEIGHT_MAX 1000000
#define SNAPSHOT_ID_MAX 128    /* campaign and creative ids (UUIDs are 36) */
#define SNAPSHOT_VALUE_MAX 255 /* one targeting value, domain or category */

enum snapshot_status {
    SNAPSHOT_STATUS_DRAFT,
    SNAPSHOT_STATUS_ACTIVE,
    SNAPSHOT_STATUS_PAUSED,
    SNAPSHOT_STATUS_COMPLETED,
};

enum snapshot_creative_status {
    SNAPSHOT_CREATIVE_ACTIVE,
    SNAPSHOT_CREATIVE_INACTIVE,
    SNAPSHOT_CREATIVE_PROCESSING,
    SNAPSHOT_CREATIVE_FAILED,
};

enum snapshot_pricing {
    SNAPSHOT_PRICING_CPM,
    SNAPSHOT_PRICING_CPC,
    SNAPSHOT_PRICING_CPV,
    SNAPSHOT_PRICING_FLAT,
};

enum snapshot_pacing {
    SNAPSHOT_PACING_EVEN, /* spread the remaining budget over the remaining flight */
    SNAPSHOT_PACING_ASAP, /* spend as fast as traffic allows */
};

/* Livestream targeting of a campaign. */
enum snapshot_live {
    SNAPSHOT_LIVE_ANY,   /* live and on-demand content alike */
    SNAPSHOT_LIVE_ONLY,  /* only requests that say the content is live */
    SNAPSHOT_LIVE_NEVER, /* only requests that say it is not live */
};

/* String-valued targeting dimensions, in the order explain reports them. */
enum snapshot_dim {
    SNAPSHOT_DIM_COUNTRY,
    SNAPSHOT_DIM_REGION,
    SNAPSHOT_DIM_DMA,
    SNAPSHOT_DIM_DEVICE_TYPE,
    SNAPSHOT_DIM_OS,
    SNAPSHOT_DIM_APP_BUNDLE,
    SNAPSHOT_DIM_CONTENT_GENRE,
    SNAPSHOT_DIM_CONTENT_RATING,
    SNAPSHOT_DIM_CONTENT_CATEGORY,
    SNAPSHOT_NDIMS
};

/* A sorted set of interned ids; n == 0 means "any value, or none". */
struct snapshot_set {
    const uint32_t *ids;
    uint32_t n;
};

/* Frequency caps per user (cap key); 0 = no cap in that window. */
struct snapshot_caps {
    uint32_t per_hour;
    uint32_t per_day;
    uint32_t per_week;
};

struct snapshot_creative {
    const char *id;
    uint32_t campaign; /* index of the owning campaign */
    enum snapshot_creative_status status;
    uint32_t duration_ms;
    const char *media_url;
    const char *mime;
    uint32_t width, height, bitrate_kbps; /* 0 = unknown */
    /* Ready renditions as VAST MediaFiles (strings in the snapshot), and the
     * upload as the Mezzanine; n_media_files 0 = serve media_url itself. */
    const struct vast_media_file *media_files;
    uint32_t n_media_files;
    const struct vast_media_file *mezzanine; /* NULL = none */
    struct trackers *trackers; /* third-party trackers, verifications; owned; NULL = none */
};

struct snapshot_campaign {
    const char *id;
    const char *owner_id; /* created_by, for explain output scoped to an owner */
    const char *name;     /* for AdTitle and explain; "" when none */
    enum snapshot_status status;
    int64_t start_ms, end_ms; /* flight: start <= now < end */
    enum snapshot_pricing pricing;
    int64_t rate_micros; /* price per unit of the model, micro-units of currency */
    int64_t budget_total_micros;
    int64_t budget_spent_micros; /* as of the build; fresher counters come per request */
    uint32_t priority;           /* 1 = served first .. 10 = served last */
    uint32_t weight;             /* share within its priority tier, 1..SNAPSHOT_WEIGHT_MAX */
    enum snapshot_pacing pacing;
    const char *time_zone;         /* IANA name as given; "UTC" when none was */
    const struct tz_zone *zone;    /* shared by every campaign of the same zone */
    const char *advertiser_domain; /* folded to lower case; NULL when none */
    uint32_t domain_id;            /* interned domain, SNAPSHOT_NO_ID when none */
    const uint32_t *categories;    /* interned IAB categories plus their parents ("IAB2-3"
                                      also carries "IAB2"), sorted, for separation */
    uint32_t n_categories;
    const char *const *category_names; /* as given, for VAST <Category> and explain */
    uint32_t n_category_names;
    struct snapshot_set sets[SNAPSHOT_NDIMS];
    uint32_t daypart[7]; /* [dow, 0 = Sunday]: bit h = local hour h; all zero = any time */
    enum snapshot_live livestream;
    struct snapshot_caps caps;
    const char *click_url;                /* NULL when none */
    uint32_t first_creative, n_creatives; /* this campaign's creatives, all statuses */
    /* Derived at build time, so a request rarely walks the creatives: */
    uint32_t n_active_creatives;
    uint32_t min_active_ms, max_active_ms; /* duration range of the active ones */
    int has_daypart;                       /* any daypart bit set */
};

/* ------------------------------------------------------------------------
 * Building (catalog thread)
 * ------------------------------------------------------------------------ */

/* A borrowed array of C strings. */
struct snapshot_strings {
    const char *const *v;
    size_t n;
};

/* Everything about one campaign; strings and arrays are copied by the builder. */
struct snapshot_campaign_spec {
    const char *id;
    const char *owner_id; /* may be NULL */
    const char *name;     /* may be NULL */
    enum snapshot_status status;
    int64_t start_ms, end_ms;
    enum snapshot_pricing pricing;
    int64_t rate_micros;
    int64_t budget_total_micros;
    int64_t budget_spent_micros;
    uint32_t priority;
    uint32_t weight;
    enum snapshot_pacing pacing;
    const char *time_zone;         /* NULL or "" = UTC */
    const char *advertiser_domain; /* NULL or "" = none */
    struct snapshot_strings categories;
    struct snapshot_strings sets[SNAPSHOT_NDIMS];
    uint32_t daypart[7];
    enum snapshot_live livestream;
    struct snapshot_caps caps;
    const char *click_url; /* may be NULL */
};

struct snapshot_creative_spec {
    const char *id;
    const char *campaign_id; /* a campaign added before */
    enum snapshot_creative_status status;
    uint32_t duration_ms;
    const char *media_url; /* may be NULL */
    const char *mime;      /* may be NULL */
    uint32_t width, height, bitrate_kbps;
    /* Ready renditions and the mezzanine (copied, strings too); may be NULL/0. */
    const struct vast_media_file *media_files;
    uint32_t n_media_files;
    const struct vast_media_file *mezzanine;
    struct trackers *trackers; /* vast/trackers.h; the builder takes it on success; NULL = none */
};

/*
 * A new empty builder; zoneinfo_dir (copied; NULL = /usr/share/zoneinfo)
 * is where time zones are loaded from. Free with snapshot_builder_free().
 */
struct snapshot_builder *snapshot_builder_new(const char *zoneinfo_dir);
void snapshot_builder_free(struct snapshot_builder *b);

/*
 * Add a campaign. 0, or -1 with a message in err when a field is out of
 * range, the id is a duplicate or the time zone is unknown; the campaign is
 * not added then, so the caller may log and go on with the next one.
 */
int snapshot_builder_add_campaign(struct snapshot_builder *b,
                                  const struct snapshot_campaign_spec *spec, char *err,
                                  size_t errlen);

/* Add a creative of a campaign added before. 0, or -1 with err (creative not added). */
int snapshot_builder_add_creative(struct snapshot_builder *b,
                                  const struct snapshot_creative_spec *spec, char *err,
                                  size_t errlen);

/*
 * Mark two IAB categories as mutually exclusive in one pod (a may equal b:
 * "no two automotive ads"). A parent covers its children, since campaigns
 * carry their categories' parents. 0, or -1 with err.
 */
int snapshot_builder_exclude(struct snapshot_builder *b, const char *cat_a, const char *cat_b,
                             char *err, size_t errlen);

/*
 * Turn the builder's contents into a snapshot holding one reference (the
 * caller's). built_ms is recorded for /metrics and explain. The builder is
 * left empty and must only be freed afterwards. 0, or -1 with err.
 */
int snapshot_builder_finish(struct snapshot_builder *b, int64_t built_ms, struct snapshot **out,
                            char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * Reading (any thread holding a reference)
 * ------------------------------------------------------------------------ */

uint32_t snapshot_campaign_count(const struct snapshot *s);
/* Campaign i < snapshot_campaign_count(); lives as long as s. */
const struct snapshot_campaign *snapshot_campaign(const struct snapshot *s, uint32_t i);
uint32_t snapshot_creative_count(const struct snapshot *s);
const struct snapshot_creative *snapshot_creative(const struct snapshot *s, uint32_t i);
int64_t snapshot_built_ms(const struct snapshot *s);

/* Index of the campaign (creative) with this id: 0 and *out, or -1. */
int snapshot_campaign_find(const struct snapshot *s, const char *id, uint32_t *out);
int snapshot_creative_find(const struct snapshot *s, const char *id, uint32_t *out);

/*
 * The interned id of s[0..len) compared without ASCII case, or
 * SNAPSHOT_NO_ID when no campaign mentions that value (it then matches no
 * non-empty set). No allocation; s need not be NUL-terminated.
 */
uint32_t snapshot_intern_find(const struct snapshot *s, const char *str, size_t len);
/* The folded text of an interned id (for explain), or NULL. */
const char *snapshot_intern_text(const struct snapshot *s, uint32_t id);

/* 1 when interned categories a and b may not share a pod, else 0. */
int snapshot_excludes(const struct snapshot *s, uint32_t a, uint32_t b);

/* 1 when id is in the set (binary search), else 0. */
int snapshot_set_has(const struct snapshot_set *set, uint32_t id);

/* ------------------------------------------------------------------------
 * Indexes (built once by snapshot_builder_finish(), read-only)
 *
 * Candidate sets are bitsets over campaign slots (snapshot indexes),
 * snapshot_words() 64-bit words long, bit i of word i / 64. Why bitsets for
 * the sets that are large (the untargeted campaigns of a dimension, the
 * live slots): at 10,000 campaigns an AND of two of them is 157 words with
 * no branch, where merging sorted arrays of thousands of slots branches per
 * slot; tests/bench/bench_decision.c measures the result (a 10,000-campaign
 * untargeted decision in a few microseconds). Why sorted slot arrays for
 * the per-value postings: a dimension with thousands of distinct values
 * (app bundles) then costs memory per mention, not values x campaigns / 8
 * bytes.
 * ------------------------------------------------------------------------ */

/* Words of one slot bitset: (campaigns + 63) / 64. */
size_t snapshot_words(const struct snapshot *s);

/*
 * The campaigns that do not target dimension d (empty set), as a bitset;
 * NULL when no campaign targets d at all (every campaign passes d, the
 * dimension costs a request nothing). Lives as long as s.
 */
const uint64_t *snapshot_index_any(const struct snapshot *s, enum snapshot_dim d);

/*
 * The slots (ascending) of the campaigns whose set of dimension d holds
 * interned value id; *n = 0 and a non-NULL pointer when none. Lives as
 * long as s.
 */
const uint32_t *snapshot_index_postings(const struct snapshot *s, enum snapshot_dim d,
                                        uint32_t id, uint32_t *n);

/* Campaigns whose livestream targeting is mode, as a bitset; lives as long as s. */
const uint64_t *snapshot_index_live(const struct snapshot *s, enum snapshot_live mode);

/* Campaigns of priority p (1..SNAPSHOT_PRIORITY_MAX), as a bitset; lives as long as s. */
const uint64_t *snapshot_index_tier(const struct snapshot *s, uint32_t p);

/* Campaigns with a frequency cap, as a bitset; lives as long as s. */
const uint64_t *snapshot_index_capped(const struct snapshot *s);

/* The shortest active creative of the snapshot (ms); UINT32_MAX when there is none. */
uint32_t snapshot_min_active_ms(const struct snapshot *s);

/* ------------------------------------------------------------------------
 * Per-slot state (the one mutable part of a snapshot)
 *
 * Time-dependent facts (flight, day-part, budget, pacing) are evaluated by
 * the decision ticker into these arrays, never per request. They are
 * atomics: one writer (the ticker, or the catalog thread before publishing)
 * and any number of lock-free readers. The encoding of a state word
 * belongs to the ticker (decision/tick.h); the snapshot only stores it.
 * ------------------------------------------------------------------------ */

/* One state word per campaign slot, 0 until the first evaluation. */
_Atomic uint64_t *snapshot_slot_state(const struct snapshot *s);
/* The bitset of slots that may serve now (snapshot_words() words). */
_Atomic uint64_t *snapshot_slot_live(const struct snapshot *s);
/* The bitset of slots held back by pacing alone (for naming a no-fill). */
_Atomic uint64_t *snapshot_slot_paced(const struct snapshot *s);
/*
 * Cumulative weights of the live campaigns per priority tier, for an
 * O(log n) weighted draw: tier p holds entries [off[p], off[p + 1]), in
 * slot order, cum[k] = the sum of the weights of entries off[p]..k. Two
 * buffers: the ticker fills the one that is not active and then flips
 * the active index (release), so a reader that loads the index (acquire)
 * reads a complete table unless it keeps it across two ticks. Readers
 * still check what they draw against the slot's state word.
 */
struct snapshot_weights {
    _Atomic uint64_t *cum;  /* one entry per campaign at most */
    _Atomic uint32_t *slot; /* the campaign slot of each entry */
    _Atomic uint32_t off[SNAPSHOT_PRIORITY_MAX + 2];
};
/* Buffer b (0 or 1) of the weight tables; lives as long as s. */
struct snapshot_weights *snapshot_weights(const struct snapshot *s, unsigned b);
/* Which buffer readers use. */
_Atomic unsigned *snapshot_weights_active(const struct snapshot *s);

/* Wall-clock ms of the last evaluation, 0 = never. */
int64_t snapshot_tick_ms(const struct snapshot *s);
void snapshot_set_tick_ms(const struct snapshot *s, int64_t ms);

/* ------------------------------------------------------------------------
 * Lifetime
 * ------------------------------------------------------------------------ */

/*
 * Free a snapshot at once, whatever its count: only for one that was never
 * published (tests, a build that is thrown away). NULL is fine.
 */
void snapshot_free(struct snapshot *s);

/* Drop one reference; the last one frees the snapshot. NULL is fine. */
void snapshot_release(struct snapshot *s);

/*
 * Where the current snapshot is published; embedded in the daemon's context.
 * Fields are private to snapshot.c. Readers: snapshot_acquire() at the start
 * of a request, snapshot_release() at its end. Writer: snapshot_publish().
 */
struct vast_prerender;

/*
 * Made once per snapshot, before it is published, on the publishing
 * (catalog) thread: the VAST fragments of its creatives. Returns a new
 * object the snapshot then owns (freed with it), or NULL for none.
 */
typedef struct vast_prerender *snapshot_prerender_fn(const struct snapshot *s, void *ctx);

struct snapshot_holder {
    _Atomic(struct snapshot *) current;
    atomic_uint epoch;          /* which of readers[] new readers count themselves in */
    atomic_ulong readers[2];    /* acquirers between loading current and taking a ref */
    pthread_mutex_t write_lock; /* serialises publishers only */
    snapshot_prerender_fn *prerender; /* NULL: snapshots carry no fragments */
    void *prerender_ctx;
};

/*
 * Have every later snapshot_publish() call fn(s, ctx) first and keep the
 * result in s. Set before the first publish (start-up); ctx must outlive
 * the last publish.
 */
void snapshot_holder_set_prerender(struct snapshot_holder *h, snapshot_prerender_fn *fn,
                                   void *ctx);
/* The snapshot's fragments (see above), or NULL. Valid while s is held. */
const struct vast_prerender *snapshot_prerender(const struct snapshot *s);

/* An empty holder. 0, or -1 when the mutex cannot be made. */
int snapshot_holder_init(struct snapshot_holder *h);
/* Drop the published snapshot; no reader may be inside snapshot_acquire(). */
void snapshot_holder_release(struct snapshot_holder *h);

/*
 * A new reference to the published snapshot (release it when the request
 * ends), or NULL before the first publish. Lock-free: a handful of atomic
 * operations, repeated at most once when a publish overlaps.
 */
struct snapshot *snapshot_acquire(struct snapshot_holder *h);

/*
 * Publish s, taking over the caller's reference, and drop the holder's
 * reference to the previous snapshot once no acquirer can still be taking
 * one on it. Requests that hold the old snapshot keep it until they release.
 */
void snapshot_publish(struct snapshot_holder *h, struct snapshot *s);

#endif
