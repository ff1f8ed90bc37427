/*
 * media_index: see media_index.h.
 *
 * A sorted array of (key, type) pairs under a read-write lock: a rebuild
 * builds and sorts a new array outside the lock and swaps it in; single
 * additions insert in place (uploads come a few per minute, so the memmove
 * is irrelevant next to the upload itself).
 */
#include "media/media_index.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    char *key;
    char *mime; /* NULL: unknown */
};

struct media_index {
    pthread_rwlock_t lock;
    struct item *items; /* sorted by key, unique */
    size_t n;
    size_t cap;
};

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static void items_free(struct item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].key);
        free(items[i].mime);
    }
    free(items);
}

/* Index of key, or of where it would go (*found says which). Lock held. */
static size_t find(const struct media_index *mi, const char *key, int *found)
{
    size_t lo = 0, hi = mi->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(mi->items[mid].key, key);

        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

struct media_index *media_index_new(void)
{
    struct media_index *mi = xcalloc(1, sizeof(*mi));

    if (pthread_rwlock_init(&mi->lock, NULL) != 0) {
        free(mi);
        return NULL;
    }
    return mi;
}

void media_index_free(struct media_index *mi)
{
    if (mi == NULL)
        return;
    items_free(mi->items, mi->n);
    pthread_rwlock_destroy(&mi->lock);
    free(mi);
}

size_t media_index_replace(struct media_index *mi, const struct media_index_entry *e, size_t n)
{
    struct item *items;
    struct item *old;
    size_t m = 0, oldn;

    if (n > MEDIA_INDEX_MAX)
        n = MEDIA_INDEX_MAX;
    items = xcalloc(n > 0 ? n : 1, sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        items[i].key = xstrdup(e[i].key);
        items[i].mime = e[i].mime != NULL ? xstrdup(e[i].mime) : NULL;
    }
    qsort(items, n, sizeof(*items), item_cmp);
    /* Squeeze out duplicate keys; a known type wins over an unknown one. */
    for (size_t i = 0; i < n; i++) {
        struct item *last = m > 0 ? &items[m - 1] : NULL;

        if (last != NULL && strcmp(last->key, items[i].key) == 0) {
            if (last->mime == NULL) {
                last->mime = items[i].mime;
                items[i].mime = NULL;
            }
            free(items[i].key);
            free(items[i].mime);
            continue;
        }
        items[m++] = items[i];
    }
    pthread_rwlock_wrlock(&mi->lock);
    old = mi->items;
    oldn = mi->n;
    mi->items = items;
    mi->n = m;
    mi->cap = n > 0 ? n : 1;
    pthread_rwlock_unlock(&mi->lock);
    items_free(old, oldn);
    return m;
}

int media_index_put(struct media_index *mi, const char *key, const char *mime)
{
    int found;
    size_t at;
    int rc = -1;

    pthread_rwlock_wrlock(&mi->lock);
    at = find(mi, key, &found);
    if (found) {
        free(mi->items[at].mime);
        mi->items[at].mime = mime != NULL ? xstrdup(mime) : NULL;
        rc = 0;
        goto cleanup;
    }
    if (mi->n >= MEDIA_INDEX_MAX)
        goto cleanup;
    if (mi->n == mi->cap) {
        mi->cap = mi->cap < 16 ? 16 : st_mult(mi->cap, 2);
        mi->items = xrealloc(mi->items, st_mult(mi->cap, sizeof(*mi->items)));
    }
    memmove(&mi->items[at + 1], &mi->items[at], (mi->n - at) * sizeof(*mi->items));
    mi->items[at].key = xstrdup(key);
    mi->items[at].mime = mime != NULL ? xstrdup(mime) : NULL;
    mi->n++;
    rc = 0;
cleanup:
    pthread_rwlock_unlock(&mi->lock);
    return rc;
}

int media_index_lookup(struct media_index *mi, const char *key, char *mime, size_t n)
{
    int found;
    size_t at;

    pthread_rwlock_rdlock(&mi->lock);
    at = find(mi, key, &found);
    if (found && mime != NULL && n > 0)
        snprintf(mime, n, "%s",
                 mi->items[at].mime != NULL ? mi->items[at].mime : MEDIA_INDEX_UNKNOWN_TYPE);
    pthread_rwlock_unlock(&mi->lock);
    return found;
}

size_t media_index_size(struct media_index *mi)
{
    size_t n;

    pthread_rwlock_rdlock(&mi->lock);
    n = mi->n;
    pthread_rwlock_unlock(&mi->lock);
    return n;
}
