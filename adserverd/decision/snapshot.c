/*
 * snapshot: see snapshot.h.
 *
 * Building happens on the catalog thread, a few times a minute at most, for
 * thousands of campaigns: clarity beats speed there. Strings live in a
 * chunked pool that never moves, so pointers into it stay valid from the
 * builder to the snapshot; growable arrays keep offsets while building and
 * become pointers in snapshot_builder_finish().
 *
 * Publication: snapshot_acquire() loads the pointer and then increments the
 * snapshot's count. Alone that races a publisher that swaps the pointer and
 * drops the last reference in between (use after free). So an acquirer first
 * counts itself in one of two "readers" slots chosen by the epoch, and
 * checks the epoch did not move meanwhile (else it counts in again). The
 * publisher swaps the pointer, flips the epoch and waits until the old slot
 * drains before releasing the old snapshot: whoever could still hold the
 * old pointer without a reference confirmed the old epoch, so it is counted
 * in the old slot; acquirers after the flip count in the other slot, so the
 * wait ends under any load. It lasts a few instructions; readers never wait
 * for the publisher (an acquirer retries at most once per publish).
 */
#include "decision/snapshot.h"
#include "vast/prerender.h"
#include "util/tz.h"
#include "vast/trackers.h"
#include "lib/xalloc.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK 65536

struct pool_chunk {
    struct pool_chunk *next;
    size_t used, size;
    char data[];
};

/* Open addressing over ids into an external key array; slot 0 = empty. */
struct strmap {
    struct strmap_slot {
        uint32_t id_plus1;
        uint32_t hash;
    } * slots;
    size_t mask;
    size_t count;
};

/* Per-campaign offsets into the builder's growable arrays. */
struct bcamp {
    size_t set_off[SNAPSHOT_NDIMS];
    size_t cat_off;
    size_t catname_off;
};

struct bzone {
    const char *name;
    struct tz_zone *zone;
};

struct snapshot_builder {
    char *zoneinfo_dir;
    struct pool_chunk *pool;
    const char **strings; /* interned, folded */
    size_t n_strings, cap_strings;
    struct strmap intern;
    struct snapshot_campaign *campaigns;
    struct bcamp *bcamps;
    const char **campaign_ids;
    size_t n_campaigns, cap_campaigns;
    struct strmap campaign_map;
    uint32_t *ids; /* every set's and category list's members */
    size_t n_ids, cap_ids;
    const char **catnames;
    size_t n_catnames, cap_catnames;
    struct snapshot_creative *creatives;
    const char **creative_ids;
    size_t n_creatives, cap_creatives;
    struct strmap creative_map;
    struct bzone *zones;
    size_t n_zones, cap_zones;
    uint64_t *excl; /* (min << 32 | max) pairs of interned categories */
    size_t n_excl, cap_excl;
};

struct snapshot {
    atomic_ulong refs;
    int64_t built_ms;
    struct pool_chunk *pool;
    const char **strings;
    uint32_t n_strings;
    struct strmap intern;
    struct snapshot_campaign *campaigns;
    const char **campaign_ids;
    uint32_t n_campaigns;
    struct strmap campaign_map;
    struct snapshot_creative *creatives;
    const char **creative_ids;
    uint32_t n_creatives;
    struct strmap creative_map;
    uint32_t *ids;
    const char **catnames;
    struct bzone *zones;
    size_t n_zones;
    uint64_t *excl;
    size_t n_excl;

    /* Indexes over campaign slots (see snapshot.h), built by build_index(). */
    size_t words;
    uint64_t *any[SNAPSHOT_NDIMS]; /* NULL: no campaign targets the dimension */
    struct posting_dir *dir[SNAPSHOT_NDIMS];
    uint32_t n_dir[SNAPSHOT_NDIMS];
    uint32_t *postings;
    uint64_t *live_mode[3]; /* by enum snapshot_live */
    uint64_t *tier[SNAPSHOT_PRIORITY_MAX + 1]; /* by priority, [0] unused */
    uint64_t *capped;
    uint32_t min_active_ms;

    /* Weight tables of the ticker, two buffers (snapshot_weights). */
    struct snapshot_weights *weights;
    _Atomic unsigned *weights_active;

    /* Per-slot state written by the ticker. */
    _Atomic uint64_t *state;
    _Atomic uint64_t *live;
    _Atomic uint64_t *paced;
    _Atomic int64_t *tick_ms; /* apart, so a const snapshot can still be ticked */
    struct vast_prerender *prerender; /* owned; set by snapshot_publish() */
};

/* Where the slots of one (dimension, value) start in postings[]. */
struct posting_dir {
    uint32_t value;
    uint32_t off, n;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (errlen == 0)
        return;
    va_start(ap, fmt);
    /* Truncation only shortens a message. */
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* p grown (elements of size) to hold at least need; *cap updated. Returns the new p. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;

    if (need <= *cap)
        return p;
    while (n < need)
        n = st_mult(n, 2);
    *cap = n;
    return xrealloc(p, st_mult(n, size));
}

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ------------------------------------------------------------------------
 * String pool
 * ------------------------------------------------------------------------ */

static const char *pool_add(struct pool_chunk **pool, const char *s, size_t n, int folded)
{
    struct pool_chunk *c = *pool;
    char *out;

    if (c == NULL || c->size - c->used < n + 1) {
        size_t size = n + 1 > POOL_CHUNK ? n + 1 : POOL_CHUNK;
        c = xmalloc(st_add(sizeof(*c), size));
        c->next = *pool;
        c->used = 0;
        c->size = size;
        *pool = c;
    }
    out = c->data + c->used;
    for (size_t i = 0; i < n; i++)
        out[i] = folded ? fold(s[i]) : s[i];
    out[n] = '\0';
    c->used += n + 1;
    return out;
}

static void pool_free(struct pool_chunk *c)
{
    while (c != NULL) {
        struct pool_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* ------------------------------------------------------------------------
 * String map
 * ------------------------------------------------------------------------ */

/* FNV-1a, optionally over the ASCII-folded bytes. */
static uint32_t hash_str(const char *s, size_t n, int folded)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)(folded ? fold(s[i]) : s[i]);
        h *= 16777619u;
    }
    return h;
}

/* key is stored NUL-terminated (and folded when folded); s[0..n) is not. */
static int key_equal(const char *key, const char *s, size_t n, int folded)
{
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '\0' || key[i] != (folded ? fold(s[i]) : s[i]))
            return 0;
    }
    return key[n] == '\0';
}

static uint32_t strmap_find(const struct strmap *m, const char *const *keys, const char *s,
                            size_t n, int folded)
{
    uint32_t h;

    if (m->slots == NULL)
        return SNAPSHOT_NO_ID;
    h = hash_str(s, n, folded);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const struct strmap_slot *slot = &m->slots[i];
        if (slot->id_plus1 == 0)
            return SNAPSHOT_NO_ID;
        if (slot->hash == h && key_equal(keys[slot->id_plus1 - 1], s, n, folded))
            return slot->id_plus1 - 1;
    }
}

static void strmap_place(struct strmap *m, uint32_t id, uint32_t h)
{
    size_t i = h & m->mask;

    while (m->slots[i].id_plus1 != 0)
        i = (i + 1) & m->mask;
    m->slots[i].id_plus1 = id + 1;
    m->slots[i].hash = h;
}

/* Insert id (not present yet) whose key hashes to h; keeps the load under 1/2. */
static void strmap_insert(struct strmap *m, uint32_t id, uint32_t h)
{
    if (m->slots == NULL || (m->count + 1) * 2 > m->mask + 1) {
        size_t size = m->slots ? st_mult(m->mask + 1, 2) : 64;
        struct strmap_slot *old = m->slots;
        size_t old_size = m->slots ? m->mask + 1 : 0;
        m->slots = xcalloc(size, sizeof(*m->slots));
        m->mask = size - 1;
        for (size_t i = 0; i < old_size; i++) {
            if (old[i].id_plus1 != 0)
                strmap_place(m, old[i].id_plus1 - 1, old[i].hash);
        }
        free(old);
    }
    strmap_place(m, id, h);
    m->count++;
}

static void strmap_release(struct strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->count = 0;
}

/* ------------------------------------------------------------------------
 * Builder
 * ------------------------------------------------------------------------ */

struct snapshot_builder *snapshot_builder_new(const char *zoneinfo_dir)
{
    struct snapshot_builder *b = xcalloc(1, sizeof(*b));

    if (zoneinfo_dir != NULL)
        b->zoneinfo_dir = xstrdup(zoneinfo_dir);
    return b;
}

/* A creative's third-party trackers, owned by the builder, then the snapshot. */
static void free_trackers(struct trackers *t)
{
    if (t == NULL)
        return;
    trackers_release(t);
    free(t);
}

void snapshot_builder_free(struct snapshot_builder *b)
{
    if (b == NULL)
        return;
    free(b->zoneinfo_dir);
    pool_free(b->pool);
    free(b->strings);
    strmap_release(&b->intern);
    free(b->campaigns);
    free(b->bcamps);
    free(b->campaign_ids);
    strmap_release(&b->campaign_map);
    free(b->ids);
    free(b->catnames);
    for (size_t i = 0; b->creatives != NULL && i < b->n_creatives; i++)
        free_trackers(b->creatives[i].trackers);
    free(b->creatives);
    free(b->creative_ids);
    strmap_release(&b->creative_map);
    for (size_t i = 0; i < b->n_zones; i++)
        tz_free(b->zones[i].zone);
    free(b->zones);
    free(b->excl);
    free(b);
}

/* The interned id of s (folded), adding it when new. */
static uint32_t intern(struct snapshot_builder *b, const char *s)
{
    size_t n = strlen(s);
    uint32_t id = strmap_find(&b->intern, b->strings, s, n, 1);

    if (id != SNAPSHOT_NO_ID)
        return id;
    b->strings = grow(b->strings, &b->cap_strings, b->n_strings + 1, sizeof(*b->strings));
    id = (uint32_t)b->n_strings;
    b->strings[b->n_strings++] = pool_add(&b->pool, s, n, 1);
    strmap_insert(&b->intern, id, hash_str(s, n, 1));
    return id;
}

static int value_valid(const char *s)
{
    size_t n;

    if (s == NULL)
        return 0;
    n = strlen(s);
    return n > 0 && n <= SNAPSHOT_VALUE_MAX;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort and deduplicate ids[off..n_ids); returns the kept count. */
static uint32_t finish_ids(struct snapshot_builder *b, size_t off)
{
    size_t n = b->n_ids - off, k = 0;
    uint32_t *v;

    if (n == 0)
        return 0;
    v = b->ids + off;
    qsort(v, n, sizeof(*v), cmp_u32);
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    }
    b->n_ids = off + k;
    return (uint32_t)k;
}

static void push_id(struct snapshot_builder *b, uint32_t id)
{
    b->ids = grow(b->ids, &b->cap_ids, b->n_ids + 1, sizeof(*b->ids));
    b->ids[b->n_ids++] = id;
}

/* The builder's zone for name, loading it on first use; NULL with err. */
static struct tz_zone *zone_get(struct snapshot_builder *b, const char *name, char *err,
                                size_t errlen)
{
    struct tz_zone *z;

    for (size_t i = 0; i < b->n_zones; i++) {
        if (strcmp(b->zones[i].name, name) == 0)
            return b->zones[i].zone;
    }
    if (tz_load(b->zoneinfo_dir, name, &z, err, errlen) != 0)
        return NULL;
    b->zones = grow(b->zones, &b->cap_zones, b->n_zones + 1, sizeof(*b->zones));
    b->zones[b->n_zones].name = pool_add(&b->pool, name, strlen(name), 0);
    b->zones[b->n_zones].zone = z;
    b->n_zones++;
    return z;
}

static int spec_valid(const struct snapshot_campaign_spec *c, char *err, size_t errlen)
{
    if (c->id == NULL || c->id[0] == '\0' || strlen(c->id) > SNAPSHOT_ID_MAX) {
        set_err(err, errlen, "campaign id missing or too long");
        return 0;
    }
    if ((unsigned)c->status > SNAPSHOT_STATUS_COMPLETED ||
        (unsigned)c->pricing > SNAPSHOT_PRICING_FLAT ||
        (unsigned)c->pacing > SNAPSHOT_PACING_ASAP ||
        (unsigned)c->livestream > SNAPSHOT_LIVE_NEVER) {
        set_err(err, errlen, "campaign %s: unknown status, pricing, pacing or livestream", c->id);
        return 0;
    }
    if (c->priority < 1 || c->priority > SNAPSHOT_PRIORITY_MAX || c->weight < 1 ||
        c->weight > SNAPSHOT_WEIGHT_MAX) {
        set_err(err, errlen, "campaign %s: priority or weight out of range", c->id);
        return 0;
    }
    if (c->end_ms <= c->start_ms || c->budget_total_micros < 0 || c->budget_spent_micros < 0 ||
        c->rate_micros < 0) {
        set_err(err, errlen, "campaign %s: bad flight, budget or rate", c->id);
        return 0;
    }
    for (int d = 0; d < 7; d++) {
        if (c->daypart[d] >> 24 != 0) {
            set_err(err, errlen, "campaign %s: day-part hour past 23", c->id);
            return 0;
        }
    }
    if ((c->advertiser_domain != NULL && c->advertiser_domain[0] != '\0' &&
         !value_valid(c->advertiser_domain)) ||
        (c->categories.n > 0 && c->categories.v == NULL)) {
        set_err(err, errlen, "campaign %s: bad advertiser domain or categories", c->id);
        return 0;
    }
    for (size_t i = 0; i < c->categories.n; i++) {
        if (!value_valid(c->categories.v[i])) {
            set_err(err, errlen, "campaign %s: empty or long category", c->id);
            return 0;
        }
    }
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        if (c->sets[d].n > 0 && c->sets[d].v == NULL) {
            set_err(err, errlen, "campaign %s: targeting set without values", c->id);
            return 0;
        }
        for (size_t i = 0; i < c->sets[d].n; i++) {
            if (!value_valid(c->sets[d].v[i])) {
                set_err(err, errlen, "campaign %s: empty or long targeting value", c->id);
                return 0;
            }
        }
    }
    return 1;
}

/* Add id of category s and of its parent ("IAB2" for "IAB2-3"). */
static void push_category(struct snapshot_builder *b, const char *s)
{
    const char *dash = strchr(s, '-');

    push_id(b, intern(b, s));
    if (dash != NULL && dash != s) {
        char parent[SNAPSHOT_VALUE_MAX + 1];
        size_t n = (size_t)(dash - s);
        memcpy(parent, s, n);
        parent[n] = '\0';
        push_id(b, intern(b, parent));
    }
}

int snapshot_builder_add_campaign(struct snapshot_builder *b,
                                  const struct snapshot_campaign_spec *spec, char *err,
                                  size_t errlen)
{
    struct snapshot_campaign *c;
    struct bcamp *bc;
    const char *tzname = spec->time_zone && spec->time_zone[0] ? spec->time_zone : "UTC";
    struct tz_zone *zone;
    size_t idlen;

    if (!spec_valid(spec, err, errlen))
        return -1;
    idlen = strlen(spec->id);
    if (strmap_find(&b->campaign_map, b->campaign_ids, spec->id, idlen, 0) != SNAPSHOT_NO_ID) {
        set_err(err, errlen, "duplicate campaign id %s", spec->id);
        return -1;
    }
    if (b->n_campaigns >= UINT32_MAX - 1) {
        set_err(err, errlen, "too many campaigns");
        return -1;
    }
    zone = zone_get(b, tzname, err, errlen);
    if (zone == NULL)
        return -1;
    /* Validated: from here on nothing fails. */
    if (b->n_campaigns == b->cap_campaigns) {
        b->campaigns =
            grow(b->campaigns, &b->cap_campaigns, b->n_campaigns + 1, sizeof(*b->campaigns));
        b->bcamps = xrealloc(b->bcamps, st_mult(b->cap_campaigns, sizeof(*b->bcamps)));
        b->campaign_ids =
            xrealloc(b->campaign_ids, st_mult(b->cap_campaigns, sizeof(*b->campaign_ids)));
    }
    c = &b->campaigns[b->n_campaigns];
    bc = &b->bcamps[b->n_campaigns];
    memset(c, 0, sizeof(*c));
    c->id = pool_add(&b->pool, spec->id, idlen, 0);
    c->owner_id =
        spec->owner_id ? pool_add(&b->pool, spec->owner_id, strlen(spec->owner_id), 0) : NULL;
    c->name = pool_add(&b->pool, spec->name ? spec->name : "", spec->name ? strlen(spec->name) : 0,
                       0);
    c->status = spec->status;
    c->start_ms = spec->start_ms;
    c->end_ms = spec->end_ms;
    c->pricing = spec->pricing;
    c->rate_micros = spec->rate_micros;
    c->budget_total_micros = spec->budget_total_micros;
    c->budget_spent_micros = spec->budget_spent_micros;
    c->priority = spec->priority;
    c->weight = spec->weight;
    c->pacing = spec->pacing;
    c->time_zone = pool_add(&b->pool, tzname, strlen(tzname), 0);
    c->zone = zone;
    c->domain_id = SNAPSHOT_NO_ID;
    if (spec->advertiser_domain != NULL && spec->advertiser_domain[0] != '\0') {
        c->domain_id = intern(b, spec->advertiser_domain);
        c->advertiser_domain = b->strings[c->domain_id];
    }
    bc->cat_off = b->n_ids;
    for (size_t i = 0; i < spec->categories.n; i++)
        push_category(b, spec->categories.v[i]);
    c->n_categories = finish_ids(b, bc->cat_off);
    bc->catname_off = b->n_catnames;
    b->catnames = grow(b->catnames, &b->cap_catnames, b->n_catnames + spec->categories.n,
                       sizeof(*b->catnames));
    for (size_t i = 0; i < spec->categories.n; i++) {
        const char *s = spec->categories.v[i];
        b->catnames[b->n_catnames++] = pool_add(&b->pool, s, strlen(s), 0);
    }
    c->n_category_names = (uint32_t)spec->categories.n;
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        bc->set_off[d] = b->n_ids;
        for (size_t i = 0; i < spec->sets[d].n; i++)
            push_id(b, intern(b, spec->sets[d].v[i]));
        c->sets[d].n = finish_ids(b, bc->set_off[d]);
    }
    memcpy(c->daypart, spec->daypart, sizeof(c->daypart));
    for (int d = 0; d < 7; d++)
        c->has_daypart |= c->daypart[d] != 0;
    c->livestream = spec->livestream;
    c->caps = spec->caps;
    c->click_url =
        spec->click_url ? pool_add(&b->pool, spec->click_url, strlen(spec->click_url), 0) : NULL;
    b->campaign_ids[b->n_campaigns] = c->id;
    strmap_insert(&b->campaign_map, (uint32_t)b->n_campaigns, hash_str(c->id, idlen, 0));
    b->n_campaigns++;
    return 0;
}

/* n bytes in the pool, aligned for any object: freed with the snapshot. */
static void *pool_alloc(struct pool_chunk **pool, size_t n)
{
    const size_t align = sizeof(max_align_t);
    struct pool_chunk *c = *pool;
    uintptr_t at;

    if (c != NULL) {
        at = ((uintptr_t)(c->data + c->used) + align - 1) & ~(uintptr_t)(align - 1);
        if (at + n <= (uintptr_t)(c->data + c->size)) {
            c->used = (size_t)(at - (uintptr_t)c->data) + n;
            return (void *)at;
        }
    }
    c = xmalloc(st_add(st_add(sizeof(*c), n), align));
    c->next = *pool;
    c->size = n + align;
    *pool = c;
    at = ((uintptr_t)c->data + align - 1) & ~(uintptr_t)(align - 1);
    c->used = (size_t)(at - (uintptr_t)c->data) + n;
    return (void *)at;
}

/* A media file with its strings, into the pool. */
static void media_copy(struct pool_chunk **pool, struct vast_media_file *to,
                       const struct vast_media_file *from)
{
    *to = *from;
    to->url = pool_add(pool, from->url ? from->url : "", from->url ? strlen(from->url) : 0, 0);
    to->mime_type = pool_add(pool, from->mime_type ? from->mime_type : "video/mp4",
                             from->mime_type ? strlen(from->mime_type) : 9, 0);
    to->codec = from->codec ? pool_add(pool, from->codec, strlen(from->codec), 0) : NULL;
}

int snapshot_builder_add_creative(struct snapshot_builder *b,
                                  const struct snapshot_creative_spec *spec, char *err,
                                  size_t errlen)
{
    struct snapshot_creative *cr;
    uint32_t campaign;
    size_t idlen;

    if (spec->id == NULL || spec->id[0] == '\0' || strlen(spec->id) > SNAPSHOT_ID_MAX ||
        spec->campaign_id == NULL) {
        set_err(err, errlen, "creative id missing or too long");
        return -1;
    }
    idlen = strlen(spec->id);
    campaign = strmap_find(&b->campaign_map, b->campaign_ids, spec->campaign_id,
                           strlen(spec->campaign_id), 0);
    if (campaign == SNAPSHOT_NO_ID) {
        set_err(err, errlen, "creative %s: unknown campaign", spec->id);
        return -1;
    }
    if (strmap_find(&b->creative_map, b->creative_ids, spec->id, idlen, 0) != SNAPSHOT_NO_ID) {
        set_err(err, errlen, "duplicate creative id %s", spec->id);
        return -1;
    }
    if ((unsigned)spec->status > SNAPSHOT_CREATIVE_FAILED || spec->duration_ms == 0) {
        set_err(err, errlen, "creative %s: bad status or duration", spec->id);
        return -1;
    }
    if (b->n_creatives >= UINT32_MAX - 1) {
        set_err(err, errlen, "too many creatives");
        return -1;
    }
    if (b->n_creatives == b->cap_creatives) {
        b->creatives =
            grow(b->creatives, &b->cap_creatives, b->n_creatives + 1, sizeof(*b->creatives));
        b->creative_ids =
            xrealloc(b->creative_ids, st_mult(b->cap_creatives, sizeof(*b->creative_ids)));
    }
    cr = &b->creatives[b->n_creatives];
    cr->id = pool_add(&b->pool, spec->id, idlen, 0);
    cr->campaign = campaign;
    cr->status = spec->status;
    cr->duration_ms = spec->duration_ms;
    cr->media_url = pool_add(&b->pool, spec->media_url ? spec->media_url : "",
                             spec->media_url ? strlen(spec->media_url) : 0, 0);
    cr->mime =
        pool_add(&b->pool, spec->mime ? spec->mime : "", spec->mime ? strlen(spec->mime) : 0, 0);
    cr->width = spec->width;
    cr->height = spec->height;
    cr->bitrate_kbps = spec->bitrate_kbps;
    cr->media_files = NULL;
    cr->n_media_files = 0;
    cr->mezzanine = NULL;
    if (spec->n_media_files > 0 && spec->media_files != NULL && spec->n_media_files <= 64) {
        struct vast_media_file *m =
            pool_alloc(&b->pool, st_mult(spec->n_media_files, sizeof(*m)));
        for (uint32_t i = 0; i < spec->n_media_files; i++)
            media_copy(&b->pool, &m[i], &spec->media_files[i]);
        cr->media_files = m;
        cr->n_media_files = spec->n_media_files;
    }
    if (spec->mezzanine != NULL) {
        struct vast_media_file *m = pool_alloc(&b->pool, sizeof(*m));
        media_copy(&b->pool, m, spec->mezzanine);
        cr->mezzanine = m;
    }
    cr->trackers = spec->trackers;
    b->creative_ids[b->n_creatives] = cr->id;
    strmap_insert(&b->creative_map, (uint32_t)b->n_creatives, hash_str(cr->id, idlen, 0));
    b->n_creatives++;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int snapshot_builder_exclude(struct snapshot_builder *b, const char *cat_a, const char *cat_b,
                             char *err, size_t errlen)
{
    uint32_t a, c;

    if (!value_valid(cat_a) || !value_valid(cat_b)) {
        set_err(err, errlen, "empty or long category");
        return -1;
    }
    a = intern(b, cat_a);
    c = intern(b, cat_b);
    b->excl = grow(b->excl, &b->cap_excl, b->n_excl + 1, sizeof(*b->excl));
    b->excl[b->n_excl++] = a < c ? (uint64_t)a << 32 | c : (uint64_t)c << 32 | a;
    return 0;
}

/* ------------------------------------------------------------------------
 * Indexes
 * ------------------------------------------------------------------------ */

static void bit_set(uint64_t *bits, uint32_t i)
{
    bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/*
 * Per dimension: the bitset of campaigns with an empty set and a directory
 * of (value -> ascending slots). Pairs (value, slot) are gathered in slot
 * order and sorted, so each value's postings come out ascending.
 */
static void build_index(struct snapshot *s)
{
    size_t total = 0, at = 0;
    uint64_t *pairs;

    s->words = ((size_t)s->n_campaigns + 63) / 64;
    for (uint32_t c = 0; c < s->n_campaigns; c++) {
        for (int d = 0; d < SNAPSHOT_NDIMS; d++)
            total = st_add(total, s->campaigns[c].sets[d].n);
    }
    pairs = xmalloc(st_mult(total + 1, sizeof(*pairs)));
    s->postings = xmalloc(st_mult(total + 1, sizeof(*s->postings)));
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        size_t n = 0;
        for (uint32_t c = 0; c < s->n_campaigns; c++) {
            const struct snapshot_set *set = &s->campaigns[c].sets[d];
            for (uint32_t k = 0; k < set->n; k++)
                pairs[n++] = (uint64_t)set->ids[k] << 32 | c;
        }
        if (n == 0)
            continue;
        s->any[d] = xcalloc(s->words + 1, sizeof(uint64_t));
        for (uint32_t c = 0; c < s->n_campaigns; c++) {
            if (s->campaigns[c].sets[d].n == 0)
                bit_set(s->any[d], c);
        }
        qsort(pairs, n, sizeof(*pairs), cmp_u64);
        s->dir[d] = xmalloc(st_mult(n, sizeof(*s->dir[d])));
        for (size_t k = 0; k < n; k++) {
            uint32_t v = (uint32_t)(pairs[k] >> 32);
            struct posting_dir *pd;
            if (s->n_dir[d] == 0 || s->dir[d][s->n_dir[d] - 1].value != v) {
                pd = &s->dir[d][s->n_dir[d]++];
                pd->value = v;
                pd->off = (uint32_t)at;
                pd->n = 0;
            }
            pd = &s->dir[d][s->n_dir[d] - 1];
            s->postings[at++] = (uint32_t)pairs[k];
            pd->n++;
        }
    }
    free(pairs);
    for (int m = 0; m < 3; m++)
        s->live_mode[m] = xcalloc(s->words + 1, sizeof(uint64_t));
    for (uint32_t c = 0; c < s->n_campaigns; c++)
        bit_set(s->live_mode[s->campaigns[c].livestream], c);
    s->min_active_ms = UINT32_MAX;
    s->capped = xcalloc(s->words + 1, sizeof(uint64_t));
    for (uint32_t p = 1; p <= SNAPSHOT_PRIORITY_MAX; p++)
        s->tier[p] = xcalloc(s->words + 1, sizeof(uint64_t));
    for (uint32_t c = 0; c < s->n_campaigns; c++) {
        const struct snapshot_campaign *cp = &s->campaigns[c];
        bit_set(s->tier[cp->priority], c);
        if (cp->caps.per_hour != 0 || cp->caps.per_day != 0 || cp->caps.per_week != 0)
            bit_set(s->capped, c);
        if (cp->n_active_creatives > 0 && cp->min_active_ms < s->min_active_ms)
            s->min_active_ms = cp->min_active_ms;
    }
    s->weights = xcalloc(2, sizeof(*s->weights));
    for (int k = 0; k < 2; k++) {
        s->weights[k].cum = xcalloc((size_t)s->n_campaigns + 1, sizeof(*s->weights[k].cum));
        s->weights[k].slot = xcalloc((size_t)s->n_campaigns + 1, sizeof(*s->weights[k].slot));
    }
    s->weights_active = xcalloc(1, sizeof(*s->weights_active));
    s->state = xcalloc((size_t)s->n_campaigns + 1, sizeof(*s->state));
    s->live = xcalloc(s->words + 1, sizeof(*s->live));
    s->paced = xcalloc(s->words + 1, sizeof(*s->paced));
    s->tick_ms = xcalloc(1, sizeof(*s->tick_ms));
}

int snapshot_builder_finish(struct snapshot_builder *b, int64_t built_ms, struct snapshot **out,
                            char *err, size_t errlen)
{
    struct snapshot *s = xcalloc(1, sizeof(*s));
    size_t *next = NULL, k = 0;

    (void)err;
    (void)errlen;
    atomic_init(&s->refs, 1);
    s->built_ms = built_ms;

    /* Creatives grouped by campaign, keeping insertion order inside each. */
    next = xcalloc(b->n_campaigns + 1, sizeof(*next));
    for (size_t i = 0; i < b->n_creatives; i++)
        next[b->creatives[i].campaign + 1]++;
    for (size_t c = 0; c < b->n_campaigns; c++) {
        b->campaigns[c].first_creative = (uint32_t)next[c];
        b->campaigns[c].n_creatives = (uint32_t)next[c + 1];
        next[c + 1] += next[c];
    }
    for (size_t i = 0; i < b->n_creatives; i++) {
        const struct snapshot_creative *cr = &b->creatives[i];
        struct snapshot_campaign *cp = &b->campaigns[cr->campaign];
        if (cr->status != SNAPSHOT_CREATIVE_ACTIVE)
            continue;
        if (cp->n_active_creatives == 0 || cr->duration_ms < cp->min_active_ms)
            cp->min_active_ms = cr->duration_ms;
        if (cp->n_active_creatives == 0 || cr->duration_ms > cp->max_active_ms)
            cp->max_active_ms = cr->duration_ms;
        cp->n_active_creatives++;
    }
    s->creatives = xmalloc(st_mult(b->n_creatives + 1, sizeof(*s->creatives)));
    s->creative_ids = xmalloc(st_mult(b->n_creatives + 1, sizeof(*s->creative_ids)));
    for (size_t i = 0; i < b->n_creatives; i++) {
        size_t at = next[b->creatives[i].campaign]++;
        s->creatives[at] = b->creatives[i];
        s->creative_ids[at] = s->creatives[at].id;
    }
    s->n_creatives = (uint32_t)b->n_creatives;
    for (uint32_t i = 0; i < s->n_creatives; i++)
        strmap_insert(&s->creative_map, i,
                      hash_str(s->creative_ids[i], strlen(s->creative_ids[i]), 0));
    free(next);

    /* Offsets become pointers now that the arrays stop moving. */
    s->ids = b->ids;
    s->catnames = b->catnames;
    for (size_t c = 0; c < b->n_campaigns; c++) {
        struct snapshot_campaign *cp = &b->campaigns[c];
        cp->categories = s->ids ? s->ids + b->bcamps[c].cat_off : NULL;
        cp->category_names = s->catnames ? s->catnames + b->bcamps[c].catname_off : NULL;
        for (int d = 0; d < SNAPSHOT_NDIMS; d++)
            cp->sets[d].ids = s->ids ? s->ids + b->bcamps[c].set_off[d] : NULL;
    }
    s->campaigns = b->campaigns;
    s->campaign_ids = b->campaign_ids;
    s->n_campaigns = (uint32_t)b->n_campaigns;
    s->campaign_map = b->campaign_map;
    s->strings = b->strings;
    s->n_strings = (uint32_t)b->n_strings;
    s->intern = b->intern;
    s->pool = b->pool;
    s->zones = b->zones;
    s->n_zones = b->n_zones;
    s->excl = b->excl;
    s->n_excl = b->n_excl;
    if (s->n_excl > 0) {
        qsort(s->excl, s->n_excl, sizeof(*s->excl), cmp_u64);
        for (size_t i = 0; i < s->n_excl; i++) {
            if (k == 0 || s->excl[k - 1] != s->excl[i])
                s->excl[k++] = s->excl[i];
        }
        s->n_excl = k;
    }
    build_index(s);

    /* The builder keeps nothing the snapshot now owns. */
    free(b->creatives);
    free(b->creative_ids);
    strmap_release(&b->creative_map);
    free(b->bcamps);
    b->creatives = NULL;
    b->creative_ids = NULL;
    b->bcamps = NULL;
    b->ids = NULL;
    b->catnames = NULL;
    b->campaigns = NULL;
    b->campaign_ids = NULL;
    b->strings = NULL;
    b->pool = NULL;
    b->zones = NULL;
    b->excl = NULL;
    memset(&b->campaign_map, 0, sizeof(b->campaign_map));
    memset(&b->intern, 0, sizeof(b->intern));
    b->n_creatives = b->n_campaigns = b->n_strings = b->n_ids = b->n_catnames = 0;
    b->n_zones = b->n_excl = 0;
    b->cap_creatives = b->cap_campaigns = b->cap_strings = b->cap_ids = b->cap_catnames = 0;
    b->cap_zones = b->cap_excl = 0;
    *out = s;
    return 0;
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

uint32_t snapshot_campaign_count(const struct snapshot *s)
{
    return s->n_campaigns;
}

const struct snapshot_campaign *snapshot_campaign(const struct snapshot *s, uint32_t i)
{
    return &s->campaigns[i];
}

uint32_t snapshot_creative_count(const struct snapshot *s)
{
    return s->n_creatives;
}

const struct snapshot_creative *snapshot_creative(const struct snapshot *s, uint32_t i)
{
    return &s->creatives[i];
}

int64_t snapshot_built_ms(const struct snapshot *s)
{
    return s->built_ms;
}

int snapshot_campaign_find(const struct snapshot *s, const char *id, uint32_t *out)
{
    uint32_t i = strmap_find(&s->campaign_map, s->campaign_ids, id, strlen(id), 0);

    if (i == SNAPSHOT_NO_ID)
        return -1;
    *out = i;
    return 0;
}

int snapshot_creative_find(const struct snapshot *s, const char *id, uint32_t *out)
{
    uint32_t i = strmap_find(&s->creative_map, s->creative_ids, id, strlen(id), 0);

    if (i == SNAPSHOT_NO_ID)
        return -1;
    *out = i;
    return 0;
}

uint32_t snapshot_intern_find(const struct snapshot *s, const char *str, size_t len)
{
    return strmap_find(&s->intern, s->strings, str, len, 1);
}

const char *snapshot_intern_text(const struct snapshot *s, uint32_t id)
{
    return id < s->n_strings ? s->strings[id] : NULL;
}

int snapshot_excludes(const struct snapshot *s, uint32_t a, uint32_t b)
{
    uint64_t key = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
    size_t lo = 0, hi = s->n_excl;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->excl[mid] == key)
            return 1;
        if (s->excl[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int snapshot_set_has(const struct snapshot_set *set, uint32_t id)
{
    uint32_t lo = 0, hi = set->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (set->ids[mid] == id)
            return 1;
        if (set->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t snapshot_words(const struct snapshot *s)
{
    return s->words;
}

const uint64_t *snapshot_index_any(const struct snapshot *s, enum snapshot_dim d)
{
    return s->any[d];
}

const uint32_t *snapshot_index_postings(const struct snapshot *s, enum snapshot_dim d,
                                        uint32_t id, uint32_t *n)
{
    uint32_t lo = 0, hi = s->n_dir[d];

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct posting_dir *pd = &s->dir[d][mid];
        if (pd->value == id) {
            *n = pd->n;
            return s->postings + pd->off;
        }
        if (pd->value < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *n = 0;
    return s->postings;
}

const uint64_t *snapshot_index_live(const struct snapshot *s, enum snapshot_live mode)
{
    return s->live_mode[mode];
}

const uint64_t *snapshot_index_tier(const struct snapshot *s, uint32_t p)
{
    return s->tier[p];
}

const uint64_t *snapshot_index_capped(const struct snapshot *s)
{
    return s->capped;
}

uint32_t snapshot_min_active_ms(const struct snapshot *s)
{
    return s->min_active_ms;
}

struct snapshot_weights *snapshot_weights(const struct snapshot *s, unsigned b)
{
    return &s->weights[b & 1];
}

_Atomic unsigned *snapshot_weights_active(const struct snapshot *s)
{
    return s->weights_active;
}

_Atomic uint64_t *snapshot_slot_state(const struct snapshot *s)
{
    return s->state;
}

_Atomic uint64_t *snapshot_slot_live(const struct snapshot *s)
{
    return s->live;
}

_Atomic uint64_t *snapshot_slot_paced(const struct snapshot *s)
{
    return s->paced;
}

int64_t snapshot_tick_ms(const struct snapshot *s)
{
    return atomic_load_explicit(s->tick_ms, memory_order_acquire);
}

void snapshot_set_tick_ms(const struct snapshot *s, int64_t ms)
{
    atomic_store_explicit(s->tick_ms, ms, memory_order_release);
}

/* ------------------------------------------------------------------------
 * Lifetime
 * ------------------------------------------------------------------------ */

void snapshot_free(struct snapshot *s)
{
    if (s == NULL)
        return;
    pool_free(s->pool);
    free(s->strings);
    strmap_release(&s->intern);
    free(s->campaigns);
    free(s->campaign_ids);
    strmap_release(&s->campaign_map);
    for (size_t i = 0; s->creatives != NULL && i < s->n_creatives; i++)
        free_trackers(s->creatives[i].trackers);
    free(s->creatives);
    free(s->creative_ids);
    strmap_release(&s->creative_map);
    free(s->ids);
    free(s->catnames);
    for (size_t i = 0; i < s->n_zones; i++)
        tz_free(s->zones[i].zone);
    free(s->zones);
    free(s->excl);
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        free(s->any[d]);
        free(s->dir[d]);
    }
    free(s->postings);
    for (int m = 0; m < 3; m++)
        free(s->live_mode[m]);
    for (uint32_t p = 1; p <= SNAPSHOT_PRIORITY_MAX; p++)
        free(s->tier[p]);
    free(s->capped);
    if (s->weights != NULL) {
        for (int k = 0; k < 2; k++) {
            free(s->weights[k].cum);
            free(s->weights[k].slot);
        }
    }
    free(s->weights);
    free(s->weights_active);
    free(s->state);
    free(s->live);
    free(s->paced);
    free(s->tick_ms);
    vast_prerender_free(s->prerender);
    free(s);
}

void snapshot_release(struct snapshot *s)
{
    if (s == NULL)
        return;
    /* acq_rel: the freeing thread must see every reader's last access. */
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        snapshot_free(s);
}

int snapshot_holder_init(struct snapshot_holder *h)
{
    atomic_init(&h->current, NULL);
    atomic_init(&h->epoch, 0);
    atomic_init(&h->readers[0], 0);
    atomic_init(&h->readers[1], 0);
    h->prerender = NULL;
    h->prerender_ctx = NULL;
    return pthread_mutex_init(&h->write_lock, NULL) == 0 ? 0 : -1;
}

void snapshot_holder_set_prerender(struct snapshot_holder *h, snapshot_prerender_fn *fn,
                                   void *ctx)
{
    h->prerender = fn;
    h->prerender_ctx = ctx;
}

const struct vast_prerender *snapshot_prerender(const struct snapshot *s)
{
    return s != NULL ? s->prerender : NULL;
}

void snapshot_holder_release(struct snapshot_holder *h)
{
    snapshot_release(atomic_exchange(&h->current, NULL));
    /* Destroying an unlocked mutex cannot fail in a way we could act on. */
    (void)pthread_mutex_destroy(&h->write_lock);
}

/*
 * Sequentially consistent throughout: the argument in the file comment needs
 * it. The epoch is read again after counting in: if a publisher flipped it
 * meanwhile, that publisher may not wait for this slot, so count in again.
 */
struct snapshot *snapshot_acquire(struct snapshot_holder *h)
{
    struct snapshot *s;
    unsigned e;

    for (;;) {
        e = atomic_load(&h->epoch);
        atomic_fetch_add(&h->readers[e & 1], 1);
        if (atomic_load(&h->epoch) == e)
            break;
        atomic_fetch_sub(&h->readers[e & 1], 1);
    }
    s = atomic_load(&h->current);
    if (s != NULL)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    atomic_fetch_sub(&h->readers[e & 1], 1);
    return s;
}

void snapshot_publish(struct snapshot_holder *h, struct snapshot *s)
{
    struct snapshot *old;
    unsigned e;

    /* Before it is visible: readers never see a snapshot without its fragments. */
    if (s != NULL && s->prerender == NULL && h->prerender != NULL)
        s->prerender = h->prerender(s, h->prerender_ctx);
    /* Only fails on a corrupt mutex: a programmer error. */
    if (pthread_mutex_lock(&h->write_lock) != 0)
        abort();
    old = atomic_exchange(&h->current, s);
    e = atomic_fetch_add(&h->epoch, 1) & 1;
    while (atomic_load(&h->readers[e]) != 0)
        sched_yield();
    if (pthread_mutex_unlock(&h->write_lock) != 0)
        abort();
    snapshot_release(old);
}
