/*
 * media_index: which stored keys the ad listener's /media route may serve,
 * and with which media type, held in memory.
 *
 * The route serves only the files of creatives that exist (a stray or
 * half-deleted object stays private), yet the ad listener's request path
 * never waits on PostgreSQL (docs/architecture.md). So the creative processing
 * thread rebuilds this set from PostgreSQL every few seconds and the upload
 * and processing paths add to it at once; a deleted creative's file stops
 * being served at the next rebuild. The media type is the one processing
 * read from the bytes, never one derived from the name.
 *
 * Thread safety: any number of readers and writers; lookups take a shared
 * lock for one binary search. Memory: one copy of each key and type.
 */
#ifndef MEDIA_INDEX_H
#define MEDIA_INDEX_H

#include <stddef.h>

/* Most keys held; a rebuild with more keeps the first ones (and says so). */
#define MEDIA_INDEX_MAX 1000000

/* The type served while processing has not read the bytes (or found no video). */
#define MEDIA_INDEX_UNKNOWN_TYPE "application/octet-stream"

struct media_index_entry {
    const char *key;  /* storage key */
    const char *mime; /* NULL: MEDIA_INDEX_UNKNOWN_TYPE */
};

struct media_index;

/* An empty index. Free with media_index_free(). */
struct media_index *media_index_new(void);
/* NULL is fine. */
void media_index_free(struct media_index *mi);

/*
 * Replace the whole set with e[0..n) (strings copied; of duplicate keys one
 * is kept, with a known type if any had one). Returns how many keys are held
 * (n capped at MEDIA_INDEX_MAX).
 */
size_t media_index_replace(struct media_index *mi, const struct media_index_entry *e, size_t n);

/* Add key, or change its type (strings copied). -1 when the index is full. */
int media_index_put(struct media_index *mi, const char *key, const char *mime);

/*
 * 1 when key is in the index, with its type copied into mime[n] (truncated
 * to fit; MEDIA_INDEX_UNKNOWN_TYPE when unknown); 0 when not. mime may be
 * NULL to test membership only.
 */
int media_index_lookup(struct media_index *mi, const char *key, char *mime, size_t n);

/* Number of keys held. */
size_t media_index_size(struct media_index *mi);

#endif
