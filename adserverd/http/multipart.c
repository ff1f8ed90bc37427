/*
 * multipart: see multipart.h.
 *
 * The body is copied into a window and scanned for the delimiter
 * "CRLF--boundary" with memmem(). Bytes that cannot be the start of a
 * delimiter are handed to the data callback at once; only the last
 * (delimiter length - 1) bytes are kept back, in case a delimiter straddles
 * two pieces. The window starts with a CRLF of our own so that a body opening
 * directly with "--boundary" (the usual case) matches the same delimiter as
 * every later one; anything before the first delimiter is preamble and
 * ignored, as is anything after the closing one.
 *
 * Cost: one memcpy and one memmem pass per input byte (plus the short kept
 * tail), no allocation after multipart_new().
 */
#include "http/multipart.h"
#include "lib/hexcode.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum state {
    ST_PREAMBLE,    /* before the first delimiter */
    ST_AFTER_DELIM, /* a delimiter was consumed: "--", padding or CRLF follows */
    ST_HEADERS,     /* inside a part's header block */
    ST_BODY,        /* inside a part's content */
    ST_EPILOGUE,    /* after the closing delimiter: ignored */
};

struct multipart {
    struct multipart_callbacks cb;
    void *ctx;
    enum state st;
    int status;
    char delim[4 + MULTIPART_BOUNDARY_MAX + 1]; /* "\r\n--" + boundary */
    size_t dlen;
    char *win; /* unprocessed bytes */
    size_t len;
    size_t cap;
    char hdr[MULTIPART_HEADER_MAX]; /* the current part's header block */
    size_t hlen;
};

/* ------------------------------------------------------------------------ */
/* Header values                                                            */
/* ------------------------------------------------------------------------ */

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/*
 * Read a token or a quoted-string at *sp into out[n] (NUL-terminated,
 * escapes resolved). Advances *sp. -1 when neither is there, it does not
 * fit, or it would hold a NUL byte.
 */
static int read_value(const char **sp, char *out, size_t n)
{
    const char *s = *sp;
    size_t o = 0;

    if (*s == '"') {
        s++;
        while (*s != '"') {
            if (*s == '\0')
                return -1;
            if (*s == '\\' && s[1] != '\0')
                s++;
            if (o + 1 >= n)
                return -1;
            out[o++] = *s++;
        }
        s++;
    } else {
        while (is_tchar((unsigned char)*s)) {
            if (o + 1 >= n)
                return -1;
            out[o++] = *s++;
        }
        if (o == 0)
            return -1;
    }
    out[o] = '\0';
    *sp = s;
    return 0;
}

/* RFC 5987 ext-value "charset'lang'pct-encoded" decoded in place; -1 when malformed. */
static int decode_ext_value(char *v)
{
    char *q1 = strchr(v, '\'');
    char *q2 = q1 != NULL ? strchr(q1 + 1, '\'') : NULL;
    size_t len;

    if (q2 == NULL)
        return -1;
    len = strlen(q2 + 1);
    /* The value moves to the front of v: never longer, so it fits in place. */
    return pct_decode(q2 + 1, len, v, len + 1, NULL, PCT_NO_NUL);
}

struct disposition {
    int form_data;
    int has_name, has_filename, has_filename_ext;
    char name[1024];
    char filename[1024];
    char filename_ext[1024];
};

/* Content-Disposition: type *( ";" param ). 0, or -1 when malformed. */
static int parse_disposition(const char *v, struct disposition *d)
{
    const char *s = skip_ows(v);
    const char *t = s;
    char key[64];
    char val[1024];

    while (is_tchar((unsigned char)*s))
        s++;
    if (s == t)
        return -1;
    d->form_data = (size_t)(s - t) == 9 && strncasecmp(t, "form-data", 9) == 0;
    for (;;) {
        s = skip_ows(s);
        if (*s == '\0')
            return 0;
        if (*s != ';')
            return -1;
        s = skip_ows(s + 1);
        if (*s == '\0')
            return 0; /* a trailing ';' is tolerated */
        if (read_value(&s, key, sizeof(key)) != 0)
            return -1;
        s = skip_ows(s);
        if (*s != '=')
            return -1;
        s = skip_ows(s + 1);
        if (read_value(&s, val, sizeof(val)) != 0)
            return -1;
        if (strcasecmp(key, "name") == 0 && !d->has_name) {
            memcpy(d->name, val, sizeof(val));
            d->has_name = 1;
        } else if (strcasecmp(key, "filename") == 0 && !d->has_filename) {
            memcpy(d->filename, val, sizeof(val));
            d->has_filename = 1;
        } else if (strcasecmp(key, "filename*") == 0 && !d->has_filename_ext) {
            /* An undecodable filename* is ignored, as busboy does. */
            if (decode_ext_value(val) == 0) {
                memcpy(d->filename_ext, val, sizeof(val));
                d->has_filename_ext = 1;
            }
        }
    }
}

/* "type/subtype[;params]" into out lower-cased; -1 when not of that shape. */
static int parse_media_type(const char *v, char *out, size_t n)
{
    const char *s = skip_ows(v);
    size_t o = 0;
    int slash = 0;

    for (; *s != '\0' && *s != ';' && *s != ' ' && *s != '\t'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '/') {
            if (slash || o == 0)
                return -1;
            slash = 1;
        } else if (!is_tchar(c)) {
            return -1;
        }
        if (o + 1 >= n)
            return -1;
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (!slash || out[o - 1] == '/')
        return -1;
    s = skip_ows(s);
    if (*s != '\0' && *s != ';')
        return -1;
    out[o] = '\0';
    return 0;
}

/*
 * Split the header block (CRLF-separated lines, folded lines joined) and
 * report the part. Returns the callback's verdict or MULTIPART_EMALFORMED.
 */
static int finish_headers(struct multipart *mp)
{
    struct disposition *d = xcalloc(1, sizeof(*d));
    struct multipart_part part = {0};
    char ctype[256];
    int have_disp = 0, have_ctype = 0;
    char *line = mp->hdr;
    char *end = mp->hdr + mp->hlen;
    int rc = MULTIPART_EMALFORMED;

    /* The block ends with CRLF CRLF (or is a lone CRLF); make each line a string. */
    while (line < end) {
        char *eol = line;
        char *colon;
        char *v;

        /* A line ends at a CRLF not followed by SP/HT (folding joins lines). */
        for (;;) {
            eol = memchr(eol, '\r', (size_t)(end - eol));
            if (eol == NULL || eol + 1 >= end || eol[1] != '\n')
                goto cleanup;
            if (eol + 2 < end && (eol[2] == ' ' || eol[2] == '\t')) {
                eol[0] = ' ';
                eol[1] = ' ';
                continue;
            }
            break;
        }
        *eol = '\0';
        if (line == eol)
            break; /* the empty line ending the block */
        if (memchr(line, '\0', (size_t)(eol - line)) != NULL)
            goto cleanup;
        colon = strchr(line, ':');
        if (colon == NULL || colon == line)
            goto cleanup;
        for (char *c = line; c < colon; c++)
            if (!is_tchar((unsigned char)*c))
                goto cleanup;
        *colon = '\0';
        v = (char *)skip_ows(colon + 1);
        for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
            *--e = '\0';
        if (strcasecmp(line, "Content-Disposition") == 0 && !have_disp) {
            if (parse_disposition(v, d) != 0)
                goto cleanup;
            have_disp = 1;
        } else if (strcasecmp(line, "Content-Type") == 0 && !have_ctype) {
            have_ctype = parse_media_type(v, ctype, sizeof(ctype)) == 0;
        }
        line = eol + 2;
    }
    part.form_data = have_disp && d->form_data;
    part.name = d->has_name ? d->name : NULL;
    part.filename = d->has_filename_ext ? d->filename_ext : d->has_filename ? d->filename : NULL;
    part.content_type = have_ctype ? ctype : NULL;
    rc = mp->cb.part_begin(mp->ctx, &part) == 0 ? MULTIPART_OK : MULTIPART_ESTOPPED;
cleanup:
    free(d);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The state machine                                                        */
/* ------------------------------------------------------------------------ */

static void consume(struct multipart *mp, size_t n)
{
    memmove(mp->win, mp->win + n, mp->len - n);
    mp->len -= n;
}

/* Hand data[0..n) to the part callback. */
static int emit(struct multipart *mp, const char *data, size_t n)
{
    if (n == 0)
        return MULTIPART_OK;
    return mp->cb.part_data(mp->ctx, data, n) == 0 ? MULTIPART_OK : MULTIPART_ESTOPPED;
}

/* Process the window as far as it goes; leaves what must wait for more bytes. */
static int run(struct multipart *mp)
{
    for (;;) {
        const char *p;
        size_t keep = mp->dlen - 1;
        size_t i;
        int rc;

        switch (mp->st) {
        case ST_PREAMBLE:
        case ST_BODY:
            p = memmem(mp->win, mp->len, mp->delim, mp->dlen);
            if (p == NULL) {
                size_t out = mp->len > keep ? mp->len - keep : 0;

                if (mp->st == ST_BODY && (rc = emit(mp, mp->win, out)) != 0)
                    return rc;
                consume(mp, out);
                return MULTIPART_OK;
            }
            if (mp->st == ST_BODY) {
                if ((rc = emit(mp, mp->win, (size_t)(p - mp->win))) != 0)
                    return rc;
                if (mp->cb.part_end(mp->ctx) != 0)
                    return MULTIPART_ESTOPPED;
            }
            consume(mp, (size_t)(p - mp->win) + mp->dlen);
            mp->st = ST_AFTER_DELIM;
            break;
        case ST_AFTER_DELIM:
            /* Transport padding (spaces, tabs) may follow a delimiter. */
            for (i = 0; i < mp->len && (mp->win[i] == ' ' || mp->win[i] == '\t'); i++)
                ;
            consume(mp, i);
            if (mp->len < 2) {
                if (mp->len == 1 && mp->win[0] != '-' && mp->win[0] != '\r')
                    return MULTIPART_EMALFORMED;
                return MULTIPART_OK;
            }
            if (mp->win[0] == '-' && mp->win[1] == '-') {
                mp->st = ST_EPILOGUE;
            } else if (mp->win[0] == '\r' && mp->win[1] == '\n') {
                consume(mp, 2);
                mp->hlen = 0;
                mp->st = ST_HEADERS;
            } else {
                return MULTIPART_EMALFORMED;
            }
            break;
        case ST_HEADERS:
            /* Byte by byte: header blocks are small and must not eat body bytes. */
            for (i = 0; i < mp->len; i++) {
                if (mp->hlen == sizeof(mp->hdr))
                    return MULTIPART_EMALFORMED;
                mp->hdr[mp->hlen++] = mp->win[i];
                if ((mp->hlen == 2 && memcmp(mp->hdr, "\r\n", 2) == 0) ||
                    (mp->hlen >= 4 && memcmp(mp->hdr + mp->hlen - 4, "\r\n\r\n", 4) == 0))
                    break;
            }
            if (i == mp->len) {
                consume(mp, i);
                return MULTIPART_OK;
            }
            consume(mp, i + 1);
            if ((rc = finish_headers(mp)) != 0)
                return rc;
            mp->st = ST_BODY;
            break;
        case ST_EPILOGUE:
            mp->len = 0;
            return MULTIPART_OK;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* API                                                                      */
/* ------------------------------------------------------------------------ */

int multipart_boundary(const char *ct, char *out, size_t n)
{
    const char *s;
    char key[64];
    char val[MULTIPART_BOUNDARY_MAX + 2];

    if (ct == NULL)
        return 1;
    s = skip_ows(ct);
    if (strncasecmp(s, "multipart/form-data", 19) != 0)
        return 1;
    s = skip_ows(s + 19);
    if (*s != ';' && *s != '\0')
        return 1; /* "multipart/form-dataX" is another type */
    while (*s == ';') {
        s = skip_ows(s + 1);
        if (read_value(&s, key, sizeof(key)) != 0)
            return -1;
        s = skip_ows(s);
        if (*s != '=')
            return -1;
        s = skip_ows(s + 1);
        if (read_value(&s, val, sizeof(val)) != 0)
            return -1;
        s = skip_ows(s);
        if (strcasecmp(key, "boundary") == 0) {
            size_t len = strlen(val);

            if (len == 0 || len > MULTIPART_BOUNDARY_MAX || len + 1 > n ||
                strpbrk(val, "\r\n") != NULL)
                return -1;
            memcpy(out, val, len + 1);
            return 0;
        }
    }
    return -1;
}

struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb,
                                void *ctx)
{
    struct multipart *mp = xcalloc(1, sizeof(*mp));
    size_t blen = strlen(boundary);

    if (blen > MULTIPART_BOUNDARY_MAX)
        blen = MULTIPART_BOUNDARY_MAX;
    mp->cb = *cb;
    mp->ctx = ctx;
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, boundary, blen);
    mp->dlen = 4 + blen;
    mp->cap = MULTIPART_WINDOW + mp->dlen;
    mp->win = xmalloc(mp->cap);
    /* The opening delimiter has no CRLF before it: supply one. */
    memcpy(mp->win, "\r\n", 2);
    mp->len = 2;
    mp->st = ST_PREAMBLE;
    return mp;
}

void multipart_free(struct multipart *mp)
{
    if (mp == NULL)
        return;
    free(mp->win);
    free(mp);
}

int multipart_feed(struct multipart *mp, const char *data, size_t n)
{
    while (mp->status == MULTIPART_OK && n > 0) {
        size_t take = mp->cap - mp->len;

        if (take > n)
            take = n;
        memcpy(mp->win + mp->len, data, take);
        mp->len += take;
        data += take;
        n -= take;
        mp->status = run(mp);
    }
    return mp->status;
}

int multipart_finish(struct multipart *mp)
{
    if (mp->status == MULTIPART_OK && mp->st != ST_EPILOGUE)
        mp->status = MULTIPART_ETRUNCATED;
    return mp->status;
}

const char *multipart_strerror(int status)
{
    switch (status) {
    case MULTIPART_OK:
        return "ok";
    case MULTIPART_EMALFORMED:
        return "Malformed part header";
    case MULTIPART_ETRUNCATED:
        return "Unexpected end of form";
    case MULTIPART_ESTOPPED:
        return "stopped";
    default:
        return "Malformed part header";
    }
}
