/*
 * spool: the durable local queue between beacon intake and the drain
 * (player -> spool -> PostgreSQL). A beacon is answered 2xx only after its
 * record is in the spool under the configured fsync policy, so an
 * acknowledged event survives kill -9 (every policy: the write reached the
 * page cache) and, once synced, power loss (always and group commit sync
 * before the answer; interval mode after it, see below).
 *
 * On disk: <dir>/seg-<16 hex>.spl files, append-only. A segment starts with
 * the 8-byte magic "ADSPOOL1"; each record is
 *   u32 len (LE) | u32 crc32c(ms..payload) (LE) | i64 ms (LE) | payload[len]
 * ms is the append time (epoch ms), for the "oldest unsent" gauge. The
 * checksum makes a torn tail after a crash (or any corruption) detectable:
 * recovery keeps a segment's records up to the first bad one and cuts the
 * file there, so garbage is never replayed.
 *
 * Writers: spool_append() from any thread, one mutex, one write(2) per
 * record (no user-space buffer: a record whose append returned is in the
 * kernel and survives the process). Fsync policies:
 *   always             fdatasync inside every append (slow, ~5k/s here);
 *   group commit       sync threads run one fdatasync per window covering
 *                      every record appended in it; callers register a
 *                      waiter and are called back once their record is
 *                      synced (the HTTP layer suspends the connection);
 *   interval           a record is acknowledged once write(2) returned
 *                      (spool_wait answers 1 at once): it survives a crash
 *                      or kill -9 of the process, not a power loss or a
 *                      kernel crash within interval_ms (plus one sync's
 *                      duration) of its append; one thread fdatasyncs
 *                      every interval_ms.
 * A failed fdatasync makes the spool "failed": every later append and every
 * pending waiter gets an error (503), because the kernel may have dropped
 * the dirty pages and a retry that succeeds would prove nothing.
 * The spool's size is bounded; a full spool refuses appends (503) and loses
 * nothing already in it.
 *
 * Reader: one drain thread reads records in order through a cursor and
 * releases segments after their records are committed elsewhere; a released
 * segment is deleted. Records of the active segment are readable once
 * written (before their sync).
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_RECORD_MAX 8192 /* longest payload */
#define SPOOL_HEADER 16       /* bytes before each payload */
#define SPOOL_MAGIC "ADSPOOL1"
#define SPOOL_MAGIC_LEN 8

struct spool;

struct spool_opts {
    int64_t max_bytes;     /* refuse appends past this many bytes on disk */
    int64_t segment_bytes; /* rotate past this size */
    int sync_ms;           /* 0: fdatasync every append; > 0: group commit window */
    int interval_ms;       /* > 0: interval mode (sync_ms is ignored), fdatasync period */
};

enum spool_result {
    SPOOL_OK = 0,
    SPOOL_FULL = 1,   /* size bound reached: refuse (503), nothing lost */
    SPOOL_FAILED = 2, /* a write or fdatasync failed: stop acknowledging */
};

/*
 * Open (creating) dir, recover every segment found (torn or corrupt tails
 * are cut) and start the sync threads (bgthread). NULL with a reason in err.
 */
struct spool *spool_open(const char *dir, const struct spool_opts *opts, char *err,
                         size_t errlen);
/* Final sync, wake every waiter (failed ones get ok = 0), stop, free. NULL ok. */
void spool_free(struct spool *sp);

/*
 * Append one record (len <= SPOOL_RECORD_MAX). On SPOOL_OK *seq is its
 * sequence number for spool_wait(). With the always policy it is synced
 * when this returns.
 */
enum spool_result spool_append(struct spool *sp, const void *data, size_t len, uint64_t *seq);

/*
 * A caller waiting for its record's sync. wake(ctx, ok) runs on the sync
 * thread once seq is synced (ok = 1) or the spool failed or stops (ok = 0);
 * it must be quick and must not call into the spool.
 */
struct spool_waiter {
    uint64_t seq;
    void (*wake)(void *ctx, int ok);
    void *ctx;
    struct spool_waiter *next; /* spool's */
};

/*
 * 1: seq is already synced (in interval mode: written), nothing registered;
 * 0: w registered, wake()
 * will follow (possibly before this returns, on another thread: set up
 * everything wake() needs first; before_wait runs under the waiters' lock
 * just before registering, so the caller can suspend its connection
 * without racing the wake); -1: the spool failed (answer 503).
 */
int spool_wait(struct spool *sp, struct spool_waiter *w, void (*before_wait)(void *ctx),
               void *ctx);

/* 1 when appends would be refused (full or failed): /health, metrics. */
int spool_refusing(struct spool *sp);

/* ---- reader side (one drain thread) ---- */

struct spool_cursor {
    uint64_t seg; /* segment number */
    uint64_t off; /* offset of the next record in it */
};

/* The first record of the oldest segment. */
void spool_cursor_start(struct spool *sp, struct spool_cursor *cur);

/*
 * Read up to max records from cur on, calling fn(ctx, data, len, ms) for
 * each, and advance cur past them (moving to the next segment at a
 * segment's end). Returns the number read, or -1 on an I/O error. fn's
 * data lives until fn returns.
 */
int spool_read(struct spool *sp, struct spool_cursor *cur, int max,
               void (*fn)(void *ctx, const void *data, size_t len, int64_t ms), void *ctx);

/*
 * Every record before cur is committed downstream: delete the segments
 * wholly before it; when cur is at the end of the active segment and it is
 * not empty, rotate first so that one can go too. 0, or -1 on an error.
 */
int spool_release(struct spool *sp, struct spool_cursor *cur);

struct spool_stats {
    int64_t bytes;        /* on disk, segments not yet released */
    int64_t peak_bytes;   /* highest bytes since start */
    int64_t oldest_ms;    /* append time of the first unreleased record, 0 when none */
    uint64_t appended;    /* records since start */
    uint64_t syncs;       /* fdatasync calls since start */
    uint64_t refused;     /* appends refused (full or failed) */
    uint64_t cut_bytes;   /* bytes cut at recovery (torn or corrupt tails) */
    uint64_t recovered;   /* records found at recovery */
    int segments;
    int failed;
};

void spool_stats(struct spool *sp, struct spool_stats *out);

/* CRC-32C (Castagnoli) of data, continuing from crc (0 to start). */
uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len);

/*
 * Recovery scan of one segment's bytes (also the fuzz target's entry):
 * calls fn for each valid record in order and returns the length of the
 * valid prefix (where the file is cut); 0 when even the magic is bad.
 */
size_t spool_scan(const unsigned char *buf, size_t len,
                  void (*fn)(void *ctx, const void *data, size_t len, int64_t ms), void *ctx);

/* Encode one record (header + payload) into out (SPOOL_HEADER + len bytes). */
void spool_encode(unsigned char *out, const void *data, size_t len, int64_t ms);

#endif
