/*
 * fetch: ctvtui's network worker. The UI thread never waits on the network.
 *
 * One worker thread owns one struct apiclient (apiclient.h: one client per
 * thread) and runs queued jobs in order: JSON requests, the login, and
 * streamed creative uploads. Each finished job, each upload progress step
 * (at most 10 a second) and each automatic token refresh becomes a struct
 * fetch_result in a queue; a byte written to a pipe wakes the UI loop,
 * which polls fetch_fd() next to the terminal and takes results with
 * fetch_take(). Results carry the owner id of the view that asked, so a
 * view closed meanwhile simply never sees its answer.
 *
 * Ownership: fetch_submit() copies everything it is given; results belong to
 * the caller of fetch_take() and are freed with fetch_result_free().
 */
#ifndef CTVTUI_FETCH_H
#define CTVTUI_FETCH_H

#include "client/apiclient.h"

#include <jansson.h>
#include <stdint.h>

enum fetch_op {
    FETCH_REQUEST, /* method path [body] */
    FETCH_LOGIN,   /* email password */
    FETCH_UPLOAD,  /* multipart POST of a file with text fields */
};

enum fetch_kind {
    FETCH_DONE,     /* a job finished (successfully or not) */
    FETCH_PROGRESS, /* upload progress: sent, total */
    FETCH_TOKENS,   /* new tokens after a refresh or a login: save them */
};

struct fetch_job {
    enum fetch_op op;
    unsigned owner;       /* view id of the requester */
    int tag;              /* the requester's meaning of the answer */
    const char *method;   /* FETCH_REQUEST */
    const char *path;     /* request or upload path, relative to the server */
    const json_t *body;   /* FETCH_REQUEST, may be NULL (serialised at submit) */
    const char *email;    /* FETCH_LOGIN */
    const char *password; /* FETCH_LOGIN (copied, wiped after use) */
    const char *file;     /* FETCH_UPLOAD: local path */
    const char *const *fields; /* FETCH_UPLOAD: name, value pairs, NULL-terminated */
};

struct fetch_result {
    enum fetch_kind kind;
    unsigned owner;
    int tag;
    enum apiclient_err err;
    long status;           /* HTTP status, 0 without an answer */
    json_t *json;          /* parsed body or NULL; owned by the result */
    char message[512];     /* failure description, "" on success */
    uint64_t sent, total;  /* FETCH_PROGRESS */
    char *access_token;    /* FETCH_TOKENS (owned) */
    char *refresh_token;
    int64_t elapsed_ms;    /* how long the job took */
    long retry_after;      /* seconds of a 429's Retry-After, else -1 */
};

/*
 * Start the worker for server (copied) with a per-request timeout and the
 * current tokens (copied, may be NULL). NULL when the thread, the pipe or
 * the client cannot be made (err says which).
 */
struct fetch *fetch_new(const char *server, long timeout_ms, const char *access_token,
                        const char *refresh_token, char *err, size_t errlen);

/*
 * Stop the worker: queued jobs are dropped; a job in flight is given up to
 * wait_ms to finish (an upload is aborted), after which the thread is left
 * to die with the process. NULL allowed.
 */
void fetch_free(struct fetch *f, long wait_ms);

/* The descriptor that becomes readable when results are waiting. */
int fetch_fd(const struct fetch *f);

/* Queue a job (copied). 0, or -1 when the queue is full (64 jobs). */
int fetch_submit(struct fetch *f, const struct fetch_job *job);

/* Abort the upload of owner if it is in flight; drop its queued jobs. */
void fetch_cancel(struct fetch *f, unsigned owner);

/* The next result, or NULL when none is waiting (never blocks). */
struct fetch_result *fetch_take(struct fetch *f);
void fetch_result_free(struct fetch_result *r);

/* Number of jobs queued or running. */
int fetch_pending(struct fetch *f);

/* Replace the server and tokens (after a login to another server); queued jobs use it. */
void fetch_set_server(struct fetch *f, const char *server);

#endif
