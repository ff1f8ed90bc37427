/*
 * api_uploads: see api_uploads.h.
 *
 * The reference parses uploads with multer (on busboy) and this file
 * reproduces what its clients can see: which part errors exist and their
 * texts ("Unexpected field", "Too many files", "File too large", ...), that
 * a part with filename="" is a text field, that a repeated text field
 * becomes an array (so a repeated `metadata` reads as its values joined by
 * commas, as JavaScript's String([a, b]) does), and the order of the
 * contract's checks 1-9. The reference never looks at the bytes; creative
 * processing does, later (creative_worker.h).
 *
 * Memory per upload: the parser's window, one text field of at most
 * FIELD_MAX bytes, the metadata text; the file itself only passes through.
 */
#include "admin/api_uploads.h"
#include "admin/api_common.h"
#include "core/app.h"
#include "lib/buf.h"
#include "core/config.h"
#include "media/creative_url.h"
#include "media/creative_worker.h"
#include "db/db.h"
#include "db/db_campaigns.h"
#include "db/db_creative_media.h"
#include "db/db_creative_renditions.h"
#include "db/db_creatives.h"
#include "util/jsnum.h"
#include "lib/log.h"
#include "media/media_index.h"
#include "media/rendition_job.h"
#include "http/multipart.h"
#include "http/reply.h"
#include "http/request.h"
#include "storage/storage.h"
#include "util/uuid.h"
#include "admin/validate.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Parts of one upload: a video, a metadata part or four fields, and room to spare. */
#define MAX_PARTS 16
/* busboy's default fieldSize: a longer text part is "Field value too long". */
#define FIELD_MAX (1024 * 1024)
#define DEFAULT_MAX_BYTES 524288000L
/* After a refusal the body is still read (and dropped) up to twice the file limit plus this. */
#define DRAIN_SLACK (1024 * 1024)
#define PRESIGN_EXPIRES 3600
/* Contract 3.4.1: the stored duration when the metadata has none. */
#define DEFAULT_DURATION 30
/* Longest fileName of upload-url: a file name, not a path. */
#define FILE_NAME_MAX 255

#define CAMPAIGN_NOT_FOUND "Campaign not found or you do not have permission"
#define MSG_TYPE "Only video files (MP4, MOV, AVI) are allowed"
#define MSG_REQUIRED "Video file is required"
#define MSG_EXTENSION "Invalid file extension. Only mp4, mov, and avi are allowed."

enum part_kind { PART_SKIP, PART_FIELD, PART_FILE };

struct upload {
    struct app *app;
    char campaign_id[40];
    int bad_uuid;         /* step 2 failed: answered when the body is in */
    int not_multipart;    /* no multipart body: "Video file is required" */
    const char *error;    /* first step-3 failure (static text) */
    struct multipart *mp; /* NULL unless the body is multipart with a boundary */
    uint64_t body_bytes;
    uint64_t max_file;
    int nparts;
    int nfiles;
    /* the part being read */
    enum part_kind cur;
    char field_name[16]; /* only the names that matter are kept */
    struct buf field;
    /* text fields */
    struct buf metadata; /* every `metadata` value, joined with ',' */
    int nmetadata;
    json_t *fields; /* name, duration, width, height as sent */
    /* the video part */
    int has_file;
    int ext_ok;
    char ext[8];    /* as sent, for the key: mp4, mov, avi or webm in any case */
    char format[8]; /* the extension lower-cased, for the row */
    char declared_type[64];
    char id[37]; /* creative id, also the file name in the key */
    char key[STORAGE_KEY_MAX + 1];
    struct storage_writer *w;
    char open_err[256];
    uint64_t file_size;
};

static uint64_t max_file(const struct app *app)
{
    return (uint64_t)(app->cfg->upload_max_bytes > 0 ? app->cfg->upload_max_bytes
                                                     : DEFAULT_MAX_BYTES);
}

static void upload_free(void *state)
{
    struct upload *u = state;

    if (u == NULL)
        return;
    storage_writer_abort(u->w); /* an unfinished or refused upload leaves nothing */
    multipart_free(u->mp);
    buf_release(&u->field);
    buf_release(&u->metadata);
    json_decref(u->fields);
    free(u);
}

/* Remember the first step-3 failure and stop storing. Returns -1 (stop the parser). */
static int fail(struct upload *u, const char *message)
{
    if (u->error == NULL)
        u->error = message;
    storage_writer_abort(u->w);
    u->w = NULL;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;

    if (s[0] == 0x00)
        return 0; /* a NUL could not reach PostgreSQL; it reads as U+FFFD too */
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, min = 0x80, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, min = 0x800, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A JSON string of bytes decoded as Node decodes UTF-8: bad bytes (and NUL) become U+FFFD. */
static json_t *text_string(const char *p, size_t n)
{
    struct buf b;
    json_t *s;
    size_t i = 0;

    buf_init(&b, st_add(st_mult(n, 3), 1));
    while (i < n) {
        size_t l = utf8_seq((const unsigned char *)p + i, n - i);

        if (l == 0) {
            buf_append(&b, "\xef\xbf\xbd", 3);
            i++;
        } else {
            buf_append(&b, p + i, l);
            i += l;
        }
    }
    s = json_stringn(b.data != NULL ? b.data : "", b.len);
    buf_release(&b);
    return s;
}

/* Extension after the last '.', as the contract reads it: "" when there is no dot. */
static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');

    return dot != NULL ? dot + 1 : "";
}

/* The contract's three, and WebM (VP8/VP9), which CTV players and the
 * dashboard the contract replaced take too; the refusal texts stay the
 * contract's, which clients compare verbatim. */
static int extension_allowed(const char *ext)
{
    return strcasecmp(ext, "mp4") == 0 || strcasecmp(ext, "mov") == 0 ||
           strcasecmp(ext, "avi") == 0 || strcasecmp(ext, "webm") == 0;
}

/* busboy's basename(): the text after the last '/' or '\'; "." and ".." are "". */
static const char *base_name(const char *path)
{
    const char *b = path;

    for (const char *s = path; *s != '\0'; s++)
        if (*s == '/' || *s == '\\')
            b = s + 1;
    if (strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return "";
    return b;
}

/* ------------------------------------------------------------------------ */
/* Multipart callbacks (docs/admin-api.md)                              */
/* ------------------------------------------------------------------------ */

static int type_allowed(const char *t)
{
    return t != NULL && (strcmp(t, "video/mp4") == 0 || strcmp(t, "video/quicktime") == 0 ||
                         strcmp(t, "video/x-msvideo") == 0 || strcmp(t, "video/webm") == 0);
}

/* The accepted video part begins: open the writer if the name could pass step 5. */
static void start_file(struct upload *u, const char *name, const char *type)
{
    const char *ext = extension(name);
    char err[256];

    u->has_file = 1;
    snprintf(u->declared_type, sizeof(u->declared_type), "%s", type);
    u->ext_ok = extension_allowed(ext);
    if (!u->ext_ok)
        return; /* step 5 will refuse it: store nothing */
    snprintf(u->ext, sizeof(u->ext), "%s", ext);
    for (size_t i = 0; i < sizeof(u->format) && (u->format[i] = u->ext[i]) != '\0'; i++)
        if (u->format[i] >= 'A' && u->format[i] <= 'Z')
            u->format[i] = (char)(u->format[i] + ('a' - 'A'));
    if (uuid_v4(u->id) != 0 || snprintf(u->key, sizeof(u->key), "campaigns/%s/creatives/%s.%s",
                                        u->campaign_id, u->id, u->ext) >= (int)sizeof(u->key)) {
        snprintf(u->open_err, sizeof(u->open_err), "cannot make a creative id");
        return;
    }
    u->w = storage_writer_open(u->app->storage, u->key, type, err, sizeof(err));
    if (u->w == NULL)
        snprintf(u->open_err, sizeof(u->open_err), "%s", err);
}

static int on_part_begin(void *ctx, const struct multipart_part *p)
{
    struct upload *u = ctx;
    int named = p->name != NULL && p->name[0] != '\0';

    u->cur = PART_SKIP;
    if (++u->nparts > MAX_PARTS)
        return fail(u, "Too many parts");
    if (!p->form_data)
        return 0; /* busboy skips parts that are not form-data */
    if (p->filename != NULL && p->filename[0] != '\0') {
        const char *base = base_name(p->filename);

        if (++u->nfiles > 1)
            return fail(u, "Too many files");
        if (base[0] == '\0')
            return 0; /* multer ignores a file without a name */
        if (!named || strcmp(p->name, "video") != 0)
            return fail(u, "Unexpected field");
        if (!type_allowed(p->content_type))
            return fail(u, MSG_TYPE);
        start_file(u, base, p->content_type);
        u->cur = PART_FILE;
        return 0;
    }
    if (!named)
        return fail(u, "Field name missing");
    if (strcmp(p->name, "metadata") != 0 && strcmp(p->name, "name") != 0 &&
        strcmp(p->name, "duration") != 0 && strcmp(p->name, "width") != 0 &&
        strcmp(p->name, "height") != 0)
        u->field_name[0] = '\0'; /* read (for the size limit) but not kept */
    else
        snprintf(u->field_name, sizeof(u->field_name), "%s", p->name);
    buf_reset(&u->field);
    u->cur = PART_FIELD;
    return 0;
}

static int on_part_data(void *ctx, const char *data, size_t n)
{
    struct upload *u = ctx;

    switch (u->cur) {
    case PART_FILE:
        u->file_size += n;
        if (u->file_size > u->max_file)
            return fail(u, "File too large");
        if (u->w != NULL)
            (void)storage_writer_write(u->w, data, n); /* errors stick; commit reports them */
        break;
    case PART_FIELD:
        if (buf_append(&u->field, data, n) != 0)
            return fail(u, "Field value too long");
        break;
    case PART_SKIP:
        break;
    }
    return 0;
}

/* A repeated field becomes an array, as multer's append-field does. */
static void keep_field(struct upload *u)
{
    json_t *v = text_string(u->field.data != NULL ? u->field.data : "", u->field.len);
    json_t *old = json_object_get(u->fields, u->field_name);

    if (v == NULL)
        return;
    if (old == NULL) {
        json_object_set_new(u->fields, u->field_name, v);
    } else if (json_is_array(old)) {
        json_array_append_new(old, v);
    } else {
        json_t *arr = json_array();
        if (arr == NULL) {
            json_decref(v);
            return;
        }
        json_array_append(arr, old);
        json_array_append_new(arr, v);
        json_object_set_new(u->fields, u->field_name, arr);
    }
}

static int on_part_end(void *ctx)
{
    struct upload *u = ctx;

    if (u->cur == PART_FIELD && strcmp(u->field_name, "metadata") == 0) {
        if (u->nmetadata++ > 0 && buf_putc(&u->metadata, ',') != 0)
            return fail(u, "Field value too long");
        if (buf_append(&u->metadata, u->field.data != NULL ? u->field.data : "", u->field.len) != 0)
            return fail(u, "Field value too long");
    } else if (u->cur == PART_FIELD && u->field_name[0] != '\0') {
        keep_field(u);
    }
    u->cur = PART_SKIP;
    return 0;
}

static const struct multipart_callbacks callbacks = {on_part_begin, on_part_data, on_part_end};

/* ------------------------------------------------------------------------ */
/* The upload route                                                         */
/* ------------------------------------------------------------------------ */

static int upload_failed(struct request *req)
{
    return reply_error(req, 500, "CREATIVE_UPLOAD_FAILED", "Failed to upload creative");
}

/*
 * finish() runs the steps below in the contract's order. Each returns 0 to
 * go on, or 1 once it has answered, with the reply's result in *rc.
 */

/* Checks 2-5: the campaign id, the multipart body, the video part, its extension. */
static int check_parts(struct request *req, struct upload *u, int *rc)
{
    int mrc;

    if (u->bad_uuid) {
        *rc = reply_bad_uuid(req, "campaignId");
        return 1;
    }
    if (u->error == NULL && u->mp != NULL && (mrc = multipart_finish(u->mp)) != MULTIPART_OK)
        u->error = multipart_strerror(mrc);
    if (u->error != NULL) {
        *rc = reply_validation(req, "video", u->error);
        return 1;
    }
    if (u->not_multipart || !u->has_file) {
        *rc = reply_validation(req, "video", MSG_REQUIRED);
        return 1;
    }
    if (!u->ext_ok) {
        *rc = reply_validation_details(req, "File validation failed",
                                       json_pack("[s]", MSG_EXTENSION));
        return 1;
    }
    return 0;
}

/* Checks 6-7: the metadata (a JSON part, or the loose fields) into *values (owned). */
static int check_metadata(struct request *req, struct upload *u, json_t **values, int *rc)
{
    struct validate_failure vf = {NULL, NULL};
    json_t *meta;
    int answered = 0;

    if (u->metadata.len > 0) {
        meta = json_loadb(u->metadata.data, u->metadata.len,
                          JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        if (meta == NULL) {
            *rc = reply_validation_details(
                req, "Invalid metadata format",
                json_pack("[{s:s,s:s}]", "field", "metadata", "message", "Must be valid JSON"));
            return 1;
        }
    } else {
        meta = json_incref(u->fields);
    }
    if (validate_object(&validate_creative_metadata_schema, meta, values, &vf) != VALIDATE_OK) {
        *rc = reply_validation(req, vf.field, vf.message);
        answered = 1;
    }
    validate_failure_release(&vf);
    json_decref(meta);
    return answered;
}

/* An upload's queries: the campaign to check, the rows to insert, the row made (owned). */
struct upload_query {
    struct request *req;
    const char *campaign_id;
    struct upload *u; /* the insert's storage key and declared type */
    const struct db_creatives_upload *rec;
    json_t *row;
};

static int query_owned(struct db_conn *c, void *arg, char state[6])
{
    struct upload_query *q = arg;

    return db_campaigns_owned(c, q->req->user.id, q->campaign_id, state);
}

static int query_insert(struct db_conn *c, void *arg, char state[6])
{
    struct upload_query *q = arg;

    return db_creatives_create_upload(c, q->rec, q->u->key, q->u->declared_type, &q->row, state);
}

static const struct api_db_errors owned_errors = {
    "creative upload", "owned", "CAMPAIGN_NOT_FOUND", CAMPAIGN_NOT_FOUND,
    "CREATIVE_UPLOAD_FAILED", "Failed to upload creative",
};
static const struct api_db_errors insert_errors = {
    "creative upload", "insert", NULL, NULL, "CREATIVE_UPLOAD_FAILED", "Failed to upload creative",
};

/* Checks 8 and 9: the campaign is the caller's, then the object is stored (size in *stored). */
static int store_file(struct request *req, struct upload *u, uint64_t *stored, int *rc)
{
    struct upload_query q = {.req = req, .campaign_id = u->campaign_id};
    char err[256];
    int crc;

    if (api_db_run(req, query_owned, &q, &owned_errors) != 0) {
        *rc = 0;
        return 1;
    }
    /* No pooled connection is held while the object is committed (an S3 PUT). */
    if (u->w == NULL) {
        log_error("creative upload: cannot store the file", "key", u->key, "error", u->open_err);
        *rc = upload_failed(req);
        return 1;
    }
    crc = storage_writer_commit(u->w, stored, err, sizeof(err));
    u->w = NULL;
    if (crc != 0) {
        log_error("creative upload: cannot store the file", "key", u->key, "error", err);
        *rc = upload_failed(req);
        return 1;
    }
    return 0;
}

/* The creative's row as text (the strings point into r itself and into u and values). */
struct upload_row {
    struct db_creatives_upload rec;
    char url[2048], dur[24], w[24], h[24], size[24];
};

/* Fill r from the validated metadata; -1 when the row cannot be made. */
static int make_row(struct request *req, struct upload *u, const json_t *values, uint64_t stored,
                    struct upload_row *r)
{
    const json_t *v = json_object_get(values, "duration");

    snprintf(r->dur, sizeof(r->dur), "%" JSON_INTEGER_FORMAT,
             v != NULL ? json_integer_value(v) : DEFAULT_DURATION);
    v = json_object_get(values, "width");
    snprintf(r->w, sizeof(r->w), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    r->rec.width = json_is_integer(v) ? r->w : NULL;
    v = json_object_get(values, "height");
    snprintf(r->h, sizeof(r->h), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    r->rec.height = json_is_integer(v) ? r->h : NULL;
    snprintf(r->size, sizeof(r->size), "%llu", (unsigned long long)stored);
    r->rec.id = u->id;
    r->rec.campaign_id = u->campaign_id;
    r->rec.name = json_string_value(json_object_get(values, "name"));
    r->rec.video_url = r->url;
    r->rec.duration = r->dur;
    r->rec.file_size = r->size;
    r->rec.uploaded_by = req->user.id;
    r->rec.format = u->format;
    if (r->rec.name == NULL || creative_url_video(req->app, u->key, r->url, sizeof(r->url)) != 0)
        return -1;
    return 0;
}

/* The rows, in one transaction; on any failure the stored object is removed again. */
static int insert_rows(struct request *req, struct upload *u, const json_t *values,
                       uint64_t stored, json_t **row, int *rc)
{
    struct upload_row r = {{0}};
    struct upload_query q = {.req = req, .u = u, .rec = &r.rec};
    char err[256];

    if (make_row(req, u, values, stored, &r) != 0) {
        log_error("creative upload: cannot insert the creative", "key", u->key);
        *rc = upload_failed(req);
    } else if (api_db_run(req, query_insert, &q, &insert_errors) != 0) {
        *rc = 0;
    } else {
        *row = q.row;
        return 0;
    }
    if (storage_delete(req->app->storage, u->key, err, sizeof(err)) != 0)
        log_error("creative upload: cannot remove the stored file", "key", u->key, "error", err);
    return 1;
}

/* Every check passed: index the file, queue its processing, answer 201 with row (taken). */
static int reply_created(struct request *req, struct upload *u, uint64_t stored, json_t *row)
{
    struct app *app = req->app;
    char size[24];

    if (app->media_index != NULL && storage_backend(app->storage) == STORAGE_BACKEND_LOCAL)
        (void)media_index_put(app->media_index, u->key, NULL);
    creative_worker_enqueue(app->creative_worker, u->id);
    snprintf(size, sizeof(size), "%llu", (unsigned long long)stored);
    log_info("creative uploaded", "creative", u->id, "campaign", u->campaign_id, "bytes", size);
    json_object_set_new(row, "processing_message",
                        json_string("Video is being processed and will be ready shortly"));
    return reply_json(
        req, 201,
        json_pack("{s:s,s:o}", "message", "Creative uploaded successfully", "creative", row));
}

/* Everything after the body: the contract's checks 2-9, in order. */
static int finish(struct request *req, struct upload *u)
{
    json_t *values = NULL, *row = NULL;
    uint64_t stored = 0;
    int rc = 0;

    if (check_parts(req, u, &rc) != 0 || check_metadata(req, u, &values, &rc) != 0 ||
        store_file(req, u, &stored, &rc) != 0 || insert_rows(req, u, values, stored, &row, &rc) != 0)
        goto cleanup;
    /* From here the object and its rows exist. */
    rc = reply_created(req, u, stored, row);
cleanup:
    storage_writer_abort(u->w); /* refused: drop what was spooled */
    u->w = NULL;
    json_decref(values);
    return rc;
}

/*
 * A body chunk. A refusal decided while the body streams is only answered
 * once the body is in (libmicrohttpd would read and drop the rest of a
 * declared Content-Length before sending an early answer anyway, and a
 * client still sending must read an answer, not a reset); meanwhile the rest
 * is dropped here, up to twice the largest body a valid upload could have,
 * past which the connection is closed without an answer.
 */
static int on_body(struct request *req, const char *data, size_t n)
{
    struct upload *u = req->stream_state;
    int rc;

    u->body_bytes += n;
    if (u->bad_uuid || u->not_multipart || u->error != NULL) {
        if (u->body_bytes > 2 * u->max_file + DRAIN_SLACK) {
            log_info("upload refused and still sending past the limit; connection closed", "reason",
                     u->error != NULL ? u->error : "no upload");
            return -1;
        }
        return 0;
    }
    rc = multipart_feed(u->mp, data, n);
    if (rc != MULTIPART_OK)
        (void)fail(u, multipart_strerror(rc)); /* keeps a callback's own message */
    return 0;
}

int api_uploads_begin(struct request *req)
{
    struct upload *u = xcalloc(1, sizeof(*u));
    const char *cid = request_param(req, 0);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    int rc;

    u->app = req->app;
    u->max_file = max_file(req->app);
    buf_init(&u->field, FIELD_MAX);
    buf_init(&u->metadata, FIELD_MAX * MAX_PARTS + MAX_PARTS);
    u->fields = json_object();
    req->stream_state = u;
    req->stream_free = upload_free;
    req->stream_data = on_body;
    if (u->fields == NULL)
        return -1;
    if (!uuid_valid(cid)) {
        u->bad_uuid = 1;
        return 0;
    }
    snprintf(u->campaign_id, sizeof(u->campaign_id), "%s", cid);
    rc = multipart_boundary(request_header(req, "Content-Type"), boundary, sizeof(boundary));
    if (rc == 1)
        u->not_multipart = 1;
    else if (rc != 0)
        u->error = "Multipart: Boundary not found";
    else
        u->mp = multipart_new(boundary, &callbacks, u);
    return 0;
}

int api_uploads_create(struct request *req)
{
    struct upload *u = req->stream_state;

    if (u == NULL)
        return -1;
    return finish(req, u);
}

/* ------------------------------------------------------------------------ */
/* Presigned upload URLs (docs/admin-api.md)                                   */
/* ------------------------------------------------------------------------ */

/* JavaScript truthiness of a body value (absent is falsy). */
static int truthy(const json_t *v)
{
    double d;

    if (v == NULL || json_is_null(v) || json_is_false(v))
        return 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_number(v)) {
        d = json_number_value(v);
        return d != 0 && d == d;
    }
    return 1; /* true, objects and arrays */
}

/*
 * fileName as the reference puts it in the key (String(value)), into out[n]:
 * only strings, numbers and true, and only plain file names: no '/', '\',
 * control bytes or NUL, not "." or "..", at most FILE_NAME_MAX bytes.
 */
static int file_name(const json_t *v, char *out, size_t n)
{
    const char *s;
    size_t len;

    if (json_is_string(v)) {
        s = json_string_value(v);
        len = json_string_length(v);
        if (len != strlen(s) || len > FILE_NAME_MAX || len + 1 > n)
            return -1;
        memcpy(out, s, len + 1);
    } else if (json_is_number(v)) {
        if (jsnum_js_string(json_number_value(v), out, n) != 0)
            return -1;
    } else if (json_is_true(v)) {
        snprintf(out, n, "true");
    } else {
        return -1;
    }
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        return -1;
    for (s = out; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\')
            return -1;
    return 0;
}

/*
 * The presigned URL. With S3 storage its own signer; with local storage the
 * configured S3 settings anyway, as the reference always signs for S3 (no
 * network either way).
 */
static int presign(struct app *app, const char *key, char **url, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct storage_config sc;
    struct storage *st;
    int rc;

    if (storage_backend(app->storage) == STORAGE_BACKEND_S3)
        return storage_presign(app->storage, "PUT", key, PRESIGN_EXPIRES, time(NULL), url, err,
                               errlen);
    memset(&sc, 0, sizeof(sc));
    sc.backend = STORAGE_BACKEND_S3;
    sc.s3_endpoint = config_is_production(cfg) ? NULL : cfg->s3_endpoint;
    sc.bucket = cfg->s3_bucket;
    sc.region = cfg->aws_region;
    sc.access_key_id = cfg->aws_access_key_id;
    sc.secret_access_key = cfg->aws_secret_access_key;
    sc.path_style = cfg->s3_path_style;
    sc.tmp_dir = cfg->data_dir;
    st = storage_new(&sc, err, errlen);
    if (st == NULL)
        return -1;
    rc = storage_presign(st, "PUT", key, PRESIGN_EXPIRES, time(NULL), url, err, errlen);
    storage_free(st);
    return rc;
}

static const struct api_db_errors url_owned_errors = {
    "upload url", "owned", "CAMPAIGN_NOT_FOUND", CAMPAIGN_NOT_FOUND,
    "UPLOAD_URL_GENERATION_FAILED", "Failed to generate upload URL",
};

int api_uploads_url(struct request *req)
{
    const char *cid = request_param(req, 0);
    const json_t *fname = json_object_get(req->json, "fileName");
    const json_t *ctype = json_object_get(req->json, "contentType");
    struct upload_query q = {.req = req, .campaign_id = cid};
    char name[FILE_NAME_MAX + 1], id[37], key[STORAGE_KEY_MAX + 1], err[256];
    char *url = NULL;
    int rc;

    if (!uuid_valid(cid))
        return reply_bad_uuid(req, "campaignId");
    if (!truthy(fname) || !truthy(ctype))
        return reply_error(req, 400, "MISSING_PARAMETERS", "fileName and contentType are required");
    if (file_name(fname, name, sizeof(name)) != 0)
        return reply_error(req, 400, "INVALID_FILE_NAME",
                           "fileName must be a file name of at most 255 bytes without '/', '\\' "
                           "or control characters");
    if (api_db_run(req, query_owned, &q, &url_owned_errors) != 0)
        return 0;
    if (uuid_v4(id) != 0 ||
        snprintf(key, sizeof(key), "campaigns/%s/creatives/%s_%s", cid, id, name) >=
            (int)sizeof(key) ||
        presign(req->app, key, &url, err, sizeof(err)) != 0) {
        log_error("upload url: cannot presign", "error", err);
        return reply_error(req, 500, "UPLOAD_URL_GENERATION_FAILED",
                           "Failed to generate upload URL");
    }
    rc = reply_json(req, 200,
                    json_pack("{s:s,s:s,s:s,s:i}", "message", "Upload URL generated successfully",
                              "uploadUrl", url, "key", key, "expiresIn", PRESIGN_EXPIRES));
    free(url);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* What processing found                                                    */
/* ------------------------------------------------------------------------ */

/* A key as the URL players fetch it from, or JSON null. */
static json_t *url_of(struct app *app, const char *key)
{
    char url[2048];

    return key != NULL && creative_url_player(app, key, url, sizeof(url)) == 0 ? json_string(url)
                                                                               : json_null();
}

/* One creative's media record and its renditions (both owned once read). */
struct media_query {
    struct request *req;
    const char *id;
    json_t *out;
    json_t *renditions;
};

static int query_media(struct db_conn *c, void *arg, char state[6])
{
    struct media_query *q = arg;
    int rc = db_creative_media_get(c, q->req->user.id, q->id, &q->out, state);

    if (rc == DB_CREATIVE_MEDIA_OK &&
        db_creative_renditions_list(c, q->id, &q->renditions, state) != DB_CREATIVE_RENDITIONS_OK) {
        json_decref(q->out);
        q->out = NULL;
        rc = DB_CREATIVE_MEDIA_ERROR;
    }
    return rc;
}

static const struct api_db_errors media_errors = {
    "creative media", "get", "CREATIVE_NOT_FOUND", "Creative not found",
    "CREATIVE_MEDIA_RETRIEVAL_FAILED", "Failed to retrieve creative media",
};

int api_uploads_media(struct request *req)
{
    const char *id = request_param(req, 0);
    struct media_query q = {.req = req, .id = id};
    json_t *row, *renditions;
    char master[STORAGE_KEY_MAX + 1];
    int any_ready = 0;
    char url[2048];
    const char *key;

    if (!uuid_valid(id))
        return reply_bad_uuid(req, "id");
    if (api_db_run(req, query_media, &q, &media_errors) != 0)
        return 0;
    row = q.out;
    renditions = q.renditions;
    /* Where players fetch it (null when there is no public URL). */
    key = json_string_value(json_object_get(row, "storage_key"));
    json_object_set_new(row, "media_url",
                        key != NULL && creative_url_player(req->app, key, url, sizeof(url)) == 0
                            ? json_string(url)
                            : json_null());
    /* The rendition ladder, rung by rung (progress while it is made). */
    for (size_t i = 0; i < json_array_size(renditions); i++) {
        json_t *r = json_array_get(renditions, i);
        any_ready |= strcmp(json_string_value(json_object_get(r, "state")), "ready") == 0;
        json_object_set_new(r, "mp4_url",
                            url_of(req->app, json_string_value(json_object_get(r, "mp4_key"))));
        json_object_set_new(r, "hls_url",
                            url_of(req->app, json_string_value(json_object_get(r, "hls_key"))));
    }
    json_object_set_new(row, "hls_master_url",
                        any_ready && key != NULL &&
                                rendition_key(key, "hls/master.m3u8", master, sizeof(master)) == 0
                            ? url_of(req->app, master)
                            : json_null());
    json_object_set_new(row, "renditions", renditions);
    return reply_json(req, 200, json_pack("{s:o}", "media", row));
}
