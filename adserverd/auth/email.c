/*
 * email: see email.h.
 *
 * This follows @sideway/address 4.1 (Joi 17's e-mail checker) step by step:
 * exactly one '@'; at most 254 UTF-16 units in all and 64 UTF-8 bytes before
 * the '@'; local part dot-separated non-empty atoms of RFC 5322 atext or any
 * non-ASCII character; domain converted label by label to its ASCII form
 * (Joi goes through the WHATWG URL parser for that, which applies UTS #46 and
 * punycode), at least two labels, each 1-63 ASCII characters of letters,
 * digits and inner hyphens, the last one starting with a letter and present
 * in the TLD set. Joi's order of checks only decides which error code it
 * reports, and callers only need yes or no, so the order here is free.
 *
 * The TLD set is a sorted array of pointers into one block of lower-case
 * ASCII names, searched with bsearch (about 1,500 names, 11 comparisons).
 * Validation allocates nothing: every buffer is bounded by the 254-unit
 * address limit.
 */
#include "auth/email.h"

#include "lib/buf.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRESS_UNITS 254 /* UTF-16 units, RFC 5321 erratum 1690 */
#define MAX_LOCAL_BYTES 64
#define MAX_LABEL 63
#define MAX_LINE 1024  /* longest rule line accepted in the list file */
#define MAX_TLDS 65536 /* far above the ~1,500 real ones */
#define MAX_NAMES_BYTES (1024 * 1024)
#define REFUSED UINT32_MAX       /* map_code_point(): Joi would reject the domain */
#define IGNORED (UINT32_MAX - 1) /* map_code_point(): UTS #46 drops it */

struct email_tlds {
    char *blob;         /* NUL-terminated names, back to back */
    const char **names; /* into blob, sorted by strcmp, no duplicates */
    size_t count;
};

/* ---- UTF-8 and the UTS #46 subset ---- */

static int is_cont(unsigned char c)
{
    return c >= 0x80 && c <= 0xBF;
}

/*
 * Decode one code point of s[*i..len) strictly (no overlongs, surrogates or
 * values past U+10FFFF), advancing *i. The ranges are RFC 3629's, the same as
 * Joi's atomRx.
 */
static int utf8_next(const char *str, size_t len, size_t *i, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str + *i;
    size_t left = len - *i;
    unsigned char c = s[0];
    size_t n;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        (*i)++;
        return 0;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        return -1;
    }
    if (left < n)
        return -1;
    for (size_t k = 1; k < n; k++) {
        if (!is_cont(s[k]))
            return -1;
        v = (v << 6) | (s[k] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return -1;
    *cp = v;
    *i += n;
    return 0;
}

/*
 * Upper-case letters of the scripts that IDN TLDs and most IDN domains use
 * (Latin, Greek, Cyrillic), folded the way UTS #46 maps them. parity 0 means
 * every code point of the range maps to cp + delta; 1 (2) means only the even
 * (odd) ones do, the others being the lower-case halves of the pairs.
 */
static const struct fold {
    uint32_t lo, hi;
    int32_t delta;
    int parity;
} folds[] = {
    {0x00C0, 0x00D6, 32, 0},    {0x00D8, 0x00DE, 32, 0},    {0x0100, 0x012F, 1, 1},
    {0x0134, 0x0137, 1, 1},     {0x0139, 0x0148, 1, 2},     {0x014A, 0x0177, 1, 1},
    {0x0178, 0x0178, -121, 0},  {0x0179, 0x017E, 1, 2},     {0x017F, 0x017F, -268, 0},
    {0x0386, 0x0386, 38, 0},    {0x0388, 0x038A, 37, 0},    {0x038C, 0x038C, 64, 0},
    {0x038E, 0x038F, 63, 0},    {0x0391, 0x03A1, 32, 0},    {0x03A3, 0x03AB, 32, 0},
    {0x0400, 0x040F, 80, 0},    {0x0410, 0x042F, 32, 0},    {0x0460, 0x0481, 1, 1},
    {0x048A, 0x04BF, 1, 1},     {0x04C0, 0x04C0, 15, 0},    {0x04C1, 0x04CE, 1, 2},
    {0x04D0, 0x052F, 1, 1},     {0x2126, 0x2126, -7517, 0}, {0x212A, 0x212A, -8383, 0},
    {0x212B, 0x212B, -8262, 0},
};

/*
 * The part of UTS #46 mapping that real addresses meet: the case folding
 * above, full-width ASCII and the ideographic full stops, the invisible
 * characters UTS #46 ignores (soft hyphen, zero-width space, variation
 * selectors, BOM), and refusal of the characters the URL parser turns into
 * spaces or rejects outright, which makes Joi fail.
 */
static uint32_t map_code_point(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0;
    if (cp == 0x3002 || cp == 0xFF61)
        return '.';
    if (cp >= 'A' && cp <= 'Z')
        return cp + 0x20;
    if (cp < 0x80)
        return cp;
    if (cp == 0xAD || cp == 0x34F || (cp >= 0x180B && cp <= 0x180F) || cp == 0x200B ||
        cp == 0x2060 || cp == 0x2064 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
        (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0xE0100 && cp <= 0xE01EF))
        return IGNORED;
    /* ZWNJ and ZWJ pass IDNA only after a virama; treated as never. */
    if (cp <= 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x200C ||
        cp == 0x200D || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
        cp == 0x3000)
        return REFUSED;
    for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
        const struct fold *f = &folds[i];
        if (cp < f->lo || cp > f->hi)
            continue;
        if (f->parity == 0 || (cp & 1) == (uint32_t)(f->parity == 2))
            return (uint32_t)((int32_t)cp + f->delta);
        break;
    }
    return cp;
}

/* IDNA forbids a label that starts with a combining mark; these are the blocks. */
static int is_combining(uint32_t cp)
{
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* ---- Punycode (RFC 3492 section 6.3) ---- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint32_t punycode_adapt(uint32_t delta, uint32_t points, int first)
{
    uint32_t k = 0;

    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / points;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static int punycode_put(char *out, size_t cap, size_t *o, uint32_t digit)
{
    if (*o >= cap)
        return -1;
    out[(*o)++] = (char)(digit < 26 ? 'a' + digit : '0' + digit - 26);
    return 0;
}

/*
 * Encode cp[0..n) into out[0..cap) without the "xn--" prefix; -1 when it does
 * not fit (the caller's cap is the label limit, so that means "too long").
 */
static int punycode_encode(const uint32_t *cp, size_t n, char *out, size_t cap, size_t *outlen)
{
    uint32_t next = 0x80, delta = 0, bias = 72, h, b = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (cp[i] < 0x80) {
            if (o >= cap)
                return -1;
            out[o++] = (char)cp[i];
            b++;
        }
    }
    if (b > 0) {
        if (o >= cap)
            return -1;
        out[o++] = '-';
    }
    for (h = b; h < n;) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] >= next && cp[i] < m)
                m = cp[i];
        }
        if (m - next > (UINT32_MAX - delta) / (h + 1))
            return -1;
        delta += (m - next) * (h + 1);
        next = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < next && ++delta == 0)
                return -1;
            if (cp[i] != next)
                continue;
            uint32_t q = delta;
            for (uint32_t k = PC_BASE;; k += PC_BASE) {
                uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
                if (q < t)
                    break;
                if (punycode_put(out, cap, &o, t + (q - t) % (PC_BASE - t)) != 0)
                    return -1;
                q = (q - t) / (PC_BASE - t);
            }
            if (punycode_put(out, cap, &o, q) != 0)
                return -1;
            bias = punycode_adapt(delta, h + 1, h == b);
            delta = 0;
            h++;
        }
        delta++;
        next++;
    }
    *outlen = o;
    return 0;
}

/*
 * The ASCII form of one mapped label into out[0..MAX_LABEL]: itself when all
 * ASCII, else "xn--" and its punycode. -1 when that is longer than 63.
 */
static int label_to_ascii(const uint32_t *cp, size_t n, char out[MAX_LABEL + 1], size_t *outlen)
{
    size_t len = 0;
    int ascii = 1;

    for (size_t i = 0; i < n; i++) {
        if (cp[i] >= 0x80)
            ascii = 0;
    }
    if (n > 0 && is_combining(cp[0]))
        return -1;
    if (ascii) {
        if (n > MAX_LABEL)
            return -1;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)cp[i];
        len = n;
    } else {
        memcpy(out, "xn--", 4);
        if (punycode_encode(cp, n, out + 4, MAX_LABEL - 4, &len) != 0)
            return -1;
        len += 4;
    }
    out[len] = '\0';
    *outlen = len;
    return 0;
}

/* ---- The TLD set ---- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* label is NUL-terminated lower-case ASCII. */
static int tld_lookup(const struct email_tlds *t, const char *label)
{
    return bsearch(&label, t->names, t->count, sizeof(*t->names), compare_names) != NULL;
}

/* Decode, map and convert s[0..len) to the lower-case ASCII key of a label. */
static int label_key(const char *s, size_t len, char out[MAX_LABEL + 1])
{
    uint32_t cps[MAX_ADDRESS_UNITS];
    size_t n = 0, i = 0, outlen;

    while (i < len) {
        uint32_t cp;
        if (n == MAX_ADDRESS_UNITS || utf8_next(s, len, &i, &cp) != 0)
            return -1;
        cp = map_code_point(cp);
        if (cp == REFUSED || cp == '.')
            return -1;
        if (cp != IGNORED)
            cps[n++] = cp;
    }
    if (n == 0 || label_to_ascii(cps, n, out, &outlen) != 0)
        return -1;
    for (size_t k = 0; k < outlen; k++) {
        char c = out[k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return -1;
    }
    return 0;
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    /* Truncation is acceptable: the message ends up in one log line. */
    if (vsnprintf(err, errlen, fmt, ap) < 0)
        err[0] = '\0';
    va_end(ap);
}

/*
 * The rule on one line of the list: the text up to the first blank, with an
 * exception's '!' dropped; returns its rightmost label in *label, or a zero
 * length for comments and blank lines.
 */
static void rule_tld(const char *line, const char **label, size_t *len)
{
    size_t end = strcspn(line, " \t\r\n");
    size_t start;

    *len = 0;
    if (end == 0 || (end >= 2 && line[0] == '/' && line[1] == '/'))
        return;
    start = end;
    while (start > 0 && line[start - 1] != '.')
        start--;
    if (start == 0 && line[0] == '!')
        start = 1;
    *label = line + start;
    *len = end - start;
}

struct email_tlds *email_tlds_load(const char *path, char *err, size_t errlen)
{
    struct email_tlds *t = NULL;
    struct buf names;
    size_t *offsets = NULL, noffsets = 0, capoffsets = 0, lineno = 0;
    char line[MAX_LINE];
    int in_icann = 0, seen_end = 0;
    FILE *f;

    buf_init(&names, MAX_NAMES_BYTES);
    f = fopen(path, "r");
    if (f == NULL) {
        set_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto cleanup;
    }
    while (!seen_end && fgets(line, sizeof(line), f) != NULL) {
        const char *label;
        char key[MAX_LABEL + 1];
        size_t len;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            set_error(err, errlen, "%s:%zu: line too long", path, lineno);
            goto cleanup;
        }
        if (strstr(line, "===BEGIN ICANN DOMAINS===") != NULL) {
            in_icann = 1;
            continue;
        }
        if (strstr(line, "===END ICANN DOMAINS===") != NULL) {
            seen_end = in_icann;
            continue;
        }
        if (!in_icann)
            continue;
        rule_tld(line, &label, &len);
        if (len == 0)
            continue;
        if (label_key(label, len, key) != 0) {
            set_error(err, errlen, "%s:%zu: rule is not a domain name", path, lineno);
            goto cleanup;
        }
        if (noffsets == MAX_TLDS) {
            set_error(err, errlen, "%s:%zu: too many rules", path, lineno);
            goto cleanup;
        }
        if (noffsets == capoffsets) {
            capoffsets = capoffsets ? capoffsets * 2 : 1024;
            offsets = xrealloc(offsets, st_mult(capoffsets, sizeof(*offsets)));
        }
        offsets[noffsets++] = names.len;
        if (buf_append(&names, key, strlen(key) + 1) != 0) {
            set_error(err, errlen, "%s:%zu: too many rules", path, lineno);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        set_error(err, errlen, "%s: read error: %s", path, strerror(errno));
        goto cleanup;
    }
    if (fclose(f) != 0) {
        f = NULL;
        set_error(err, errlen, "%s: close: %s", path, strerror(errno));
        goto cleanup;
    }
    f = NULL;
    if (!seen_end || noffsets == 0) {
        set_error(err, errlen, "%s: %s", path,
                  in_icann ? "ICANN section not terminated or empty" : "no ICANN section");
        goto cleanup;
    }

    t = xcalloc(1, sizeof(*t));
    t->blob = buf_detach(&names, NULL);
    t->names = xmalloc(st_mult(noffsets, sizeof(*t->names)));
    for (size_t i = 0; i < noffsets; i++)
        t->names[i] = t->blob + offsets[i];
    qsort(t->names, noffsets, sizeof(*t->names), compare_names);
    for (size_t i = 0; i < noffsets; i++) {
        if (t->count == 0 || strcmp(t->names[t->count - 1], t->names[i]) != 0)
            t->names[t->count++] = t->names[i];
    }
cleanup:
    /* f is still open only after a failure already reported in err. */
    if (f != NULL)
        (void)fclose(f);
    free(offsets);
    buf_release(&names);
    return t;
}

void email_tlds_free(struct email_tlds *t)
{
    if (t == NULL)
        return;
    free(t->names);
    free(t->blob);
    free(t);
}

size_t email_tlds_count(const struct email_tlds *t)
{
    return t->count;
}

int email_tld_known(const struct email_tlds *t, const char *label, size_t len)
{
    char key[MAX_LABEL + 1];

    if (label_key(label, len, key) != 0)
        return 0;
    return tld_lookup(t, key);
}

/* ---- Addresses ---- */

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext, ASCII part (Joi's atextRx: \w and the specials). */
static int is_atext(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Joi's domainSegmentRx, or tldSegmentRx when last. */
static int label_syntax_ok(const char *s, size_t n, int last)
{
    if (n == 0 || n > MAX_LABEL || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return 0;
    if (last && !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '-')
            return 0;
    }
    return 1;
}

/* The local part: dot-separated, non-empty atoms; non-ASCII bytes are whole
 * code points already checked by the caller. */
static int local_valid(const char *s, size_t n)
{
    size_t atom = 0;

    if (n == 0 || n > MAX_LOCAL_BYTES)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (atom == 0)
                return 0;
            atom = 0;
            continue;
        }
        if (c < 0x80 && !is_atext((char)c))
            return 0;
        atom++;
    }
    return atom > 0;
}

static int domain_valid(const struct email_tlds *t, const char *s, size_t len)
{
    uint32_t cps[MAX_ADDRESS_UNITS];
    size_t n = 0, i = 0, start = 0, labels = 0;

    while (i < len) {
        uint32_t cp;
        if (n == MAX_ADDRESS_UNITS || utf8_next(s, len, &i, &cp) != 0)
            return 0;
        cp = map_code_point(cp);
        if (cp == REFUSED)
            return 0;
        if (cp != IGNORED)
            cps[n++] = cp;
    }
    for (size_t k = 0; k <= n; k++) {
        char ascii[MAX_LABEL + 1];
        size_t alen;
        int last = k == n;

        if (!last && cps[k] != '.')
            continue;
        labels++;
        if (label_to_ascii(cps + start, k - start, ascii, &alen) != 0 ||
            !label_syntax_ok(ascii, alen, last))
            return 0;
        /* Lower case already: map_code_point() folded ASCII letters. */
        if (last && !tld_lookup(t, ascii))
            return 0;
        start = k + 1;
    }
    return labels >= 2;
}

int email_valid(const struct email_tlds *t, const char *s, size_t len)
{
    size_t i = 0, at = 0, ats = 0, units = 0;

    while (i < len) {
        uint32_t cp;
        size_t here = i;
        if (utf8_next(s, len, &i, &cp) != 0)
            return 0;
        units += cp >= 0x10000 ? 2 : 1;
        if (cp == '@') {
            at = here;
            ats++;
        }
    }
    if (ats != 1 || units > MAX_ADDRESS_UNITS)
        return 0;
    return local_valid(s, at) && domain_valid(t, s + at + 1, len - at - 1);
}
