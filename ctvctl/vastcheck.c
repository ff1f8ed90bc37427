/*
 * vastcheck: see vastcheck.h. Elements are matched by local name, so the
 * VAST 4 namespace (xmlns="http://www.iab.com/VAST") and VMAP's "vmap:"
 * prefix need no special cases. libxml2's error callbacks write into the
 * problems buffer instead of stderr.
 */
#include "vastcheck.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PROBLEMS_MAX 64

struct ctx {
    struct buf *problems;
    int n;
};

static void problem(struct ctx *c, const char *fmt, const char *a, const char *b)
{
    c->n++;
    if (c->n > PROBLEMS_MAX)
        return;
    (void)buf_printf(c->problems, fmt, a != NULL ? a : "", b != NULL ? b : "");
    (void)buf_putc(c->problems, '\n');
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    struct ctx *c = ctx;
    char where[32], msg[512];
    size_t len;

    if (e == NULL || e->message == NULL)
        return;
    snprintf(msg, sizeof(msg), "%s", e->message);
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == '\n')
        msg[--len] = '\0';
    snprintf(where, sizeof(where), "line %d: ", e->line);
    problem(c, "%s%s", where, msg);
}

static int is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* First child element named name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
    xmlNode *k;

    for (k = n != NULL ? n->children : NULL; k != NULL; k = k->next)
        if (is(k, name))
            return k;
    return NULL;
}

/* First descendant element named name, or NULL. */
static xmlNode *find(const xmlNode *n, const char *name)
{
    xmlNode *k, *hit;

    for (k = n != NULL ? n->children : NULL; k != NULL; k = k->next) {
        if (is(k, name))
            return k;
        hit = find(k, name);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

/* Trimmed text of n as a new JSON string ("" when none). */
static json_t *text_of(const xmlNode *n)
{
    xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
    const char *s = t != NULL ? (const char *)t : "";
    size_t len;
    json_t *out;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    out = json_stringn_nocheck(s, len);
    xmlFree(t);
    return out != NULL ? out : json_string("");
}

static json_t *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    json_t *out = v != NULL ? json_string((const char *)v) : json_null();

    xmlFree(v);
    return out != NULL ? out : json_null();
}

int vastcheck_duration(const char *s, double *seconds)
{
    int h, m, sec, ms = 0, n = 0;

    if (strlen(s) < 8 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) ||
        s[5] != ':' || !isdigit((unsigned char)s[6]) || !isdigit((unsigned char)s[7]))
        return 0;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    sec = (s[6] - '0') * 10 + (s[7] - '0');
    if (m > 59 || sec > 59)
        return 0;
    if (s[8] == '.') {
        for (n = 0; n < 3 && isdigit((unsigned char)s[9 + n]); n++)
            ms = ms * 10 + (s[9 + n] - '0');
        if (n != 3 || s[12] != '\0')
            return 0;
    } else if (s[8] != '\0') {
        return 0;
    }
    if (seconds != NULL)
        *seconds = h * 3600.0 + m * 60.0 + sec + ms / 1000.0;
    return 1;
}

static int http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* One Linear: duration and media files into ad. */
static void check_linear(struct ctx *c, const xmlNode *linear, const char *label, json_t *ad)
{
    const xmlNode *d = child(linear, "Duration"), *files = child(linear, "MediaFiles"), *f;
    json_t *media = json_object_get(ad, "media"), *dur;
    static const char *const need[] = {"delivery", "type", "width", "height"};
    size_t i;
    int nfiles = 0;

    dur = text_of(d);
    if (d == NULL)
        problem(c, "%s: Linear without Duration%s", label, NULL);
    else if (!vastcheck_duration(json_string_value(dur), NULL))
        problem(c, "%s: Duration '%s' is not HH:MM:SS[.mmm]", label, json_string_value(dur));
    if (d != NULL && json_is_null(json_object_get(ad, "duration")))
        json_object_set(ad, "duration", dur);
    json_decref(dur);
    for (f = files != NULL ? files->children : NULL; f != NULL; f = f->next) {
        json_t *url, *m;

        if (!is(f, "MediaFile"))
            continue;
        nfiles++;
        for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
            xmlChar *v = xmlGetProp(f, BAD_CAST need[i]);

            if (v == NULL)
                problem(c, "%s: MediaFile without the %s attribute", label, need[i]);
            xmlFree(v);
        }
        url = text_of(f);
        if (!http_url(json_string_value(url)))
            problem(c, "%s: MediaFile URL '%s' is not http(s)", label, json_string_value(url));
        m = json_pack("{s:o,s:o,s:o,s:o}", "type", attr(f, "type"), "width", attr(f, "width"),
                      "height", attr(f, "height"), "url", url);
        if (m != NULL)
            json_array_append_new(media, m);
    }
    if (nfiles == 0)
        problem(c, "%s: Linear without a MediaFile%s", label, NULL);
}

/* Every Ad of a VAST element into ads. */
static void check_vast(struct ctx *c, const xmlNode *vast, const char *where, json_t *ads)
{
    static const char *const versions[] = {"2.0", "2.0.1", "3.0", "4.0", "4.1", "4.2", NULL};
    xmlChar *version = xmlGetProp(vast, BAD_CAST "version");
    const xmlNode *n;
    size_t i;
    int nth = 0;
    char label[96];

    for (i = 0; versions[i] != NULL && version != NULL; i++)
        if (strcmp((const char *)version, versions[i]) == 0)
            break;
    if (version == NULL)
        problem(c, "%s: VAST without a version attribute%s", where, NULL);
    else if (versions[i] == NULL)
        problem(c, "%s: unknown VAST version '%s'", where, (const char *)version);
    xmlFree(version);
    for (n = vast->children; n != NULL; n = n->next) {
        const xmlNode *inl, *wrap, *body, *cr;
        json_t *ad;
        int ncreatives = 0;

        if (!is(n, "Ad"))
            continue;
        nth++;
        snprintf(label, sizeof(label), "%s Ad %d", where, nth);
        inl = child(n, "InLine");
        wrap = child(n, "Wrapper");
        ad = json_pack("{s:o,s:o,s:s,s:o,s:n,s:[]}", "id", attr(n, "id"), "sequence",
                       attr(n, "sequence"), "type", inl != NULL ? "InLine" : "Wrapper", "title",
                       text_of(inl != NULL ? child(inl, "AdTitle") : NULL), "duration", "media");
        if (ad == NULL)
            continue;
        json_array_append_new(ads, ad);
        if ((inl != NULL) == (wrap != NULL)) {
            problem(c, "%s: needs exactly one of InLine or Wrapper%s", label, NULL);
            continue;
        }
        body = inl != NULL ? inl : wrap;
        if (child(body, "AdSystem") == NULL)
            problem(c, "%s: no AdSystem%s", label, NULL);
        if (inl != NULL && child(inl, "AdTitle") == NULL)
            problem(c, "%s: InLine without AdTitle%s", label, NULL);
        if (inl != NULL && child(inl, "Impression") == NULL)
            problem(c, "%s: InLine without an Impression%s", label, NULL);
        if (wrap != NULL) {
            json_t *uri = text_of(child(wrap, "VASTAdTagURI"));

            if (child(wrap, "VASTAdTagURI") == NULL)
                problem(c, "%s: Wrapper without VASTAdTagURI%s", label, NULL);
            else if (!http_url(json_string_value(uri)))
                problem(c, "%s: VASTAdTagURI '%s' is not http(s)", label, json_string_value(uri));
            json_object_set_new(ad, "url", uri);
        }
        for (cr = child(body, "Creatives") != NULL ? child(body, "Creatives")->children : NULL;
             cr != NULL; cr = cr->next) {
            const xmlNode *linear;

            if (!is(cr, "Creative"))
                continue;
            ncreatives++;
            linear = child(cr, "Linear");
            if (linear != NULL && inl != NULL)
                check_linear(c, linear, label, ad);
        }
        if (inl != NULL && ncreatives == 0)
            problem(c, "%s: InLine without a Creative%s", label, NULL);
    }
}

static void check_vmap(struct ctx *c, const xmlNode *root, json_t *summary)
{
    json_t *breaks = json_object_get(summary, "breaks"), *ads = json_object_get(summary, "ads");
    const xmlNode *n;
    char label[64];
    int nth = 0;

    for (n = root->children; n != NULL; n = n->next) {
        const xmlNode *src, *data, *vast;
        json_t *br;
        size_t before = json_array_size(ads);

        if (!is(n, "AdBreak"))
            continue;
        nth++;
        snprintf(label, sizeof(label), "AdBreak %d", nth);
        if (xmlHasProp(n, BAD_CAST "timeOffset") == NULL)
            problem(c, "%s: no timeOffset%s", label, NULL);
        if (xmlHasProp(n, BAD_CAST "breakType") == NULL)
            problem(c, "%s: no breakType%s", label, NULL);
        src = child(n, "AdSource");
        data = src != NULL ? child(src, "VASTAdData") : NULL;
        vast = data != NULL ? find(data, "VAST") : NULL;
        if (src == NULL)
            problem(c, "%s: no AdSource%s", label, NULL);
        else if (vast != NULL)
            check_vast(c, vast, label, ads);
        else if (child(src, "AdTagURI") == NULL)
            problem(c, "%s: AdSource has neither VASTAdData with VAST nor AdTagURI%s", label, NULL);
        br = json_pack("{s:o,s:o,s:o,s:I}", "id", attr(n, "breakId"), "offset",
                       attr(n, "timeOffset"), "type", attr(n, "breakType"), "ads",
                       (json_int_t)(json_array_size(ads) - before));
        if (br != NULL)
            json_array_append_new(breaks, br);
    }
}

/* Mask "[NAME]" macros in CDATA as %5B...%5D so xs:anyURI accepts them. */
static void mask_macros(xmlNode *node)
{
    for (; node != NULL; node = node->next) {
        if (node->type == XML_CDATA_SECTION_NODE && node->content != NULL) {
            const char *s = (const char *)node->content;
            size_t n = strlen(s), i, o = 0;
            char *m = xmalloc(st_add(st_mult(n, 3), 1));

            for (i = 0; i < n; i++) {
                size_t k = 1;

                if (s[i] == '[' && s[i + 1] >= 'A' && s[i + 1] <= 'Z') {
                    while ((s[i + k] >= 'A' && s[i + k] <= 'Z') ||
                           (s[i + k] >= '0' && s[i + k] <= '9') || s[i + k] == '_')
                        k++;
                    if (s[i + k] == ']') {
                        memcpy(m + o, "%5B", 3);
                        memcpy(m + o + 3, s + i + 1, k - 1);
                        memcpy(m + o + 3 + k - 1, "%5D", 3);
                        o += k + 5;
                        i += k;
                        continue;
                    }
                }
                m[o++] = s[i];
            }
            m[o] = '\0';
            xmlNodeSetContent(node, BAD_CAST m);
            free(m);
        }
        mask_macros(node->children);
    }
}

static void validate_schema(struct ctx *c, xmlDoc *doc, const char *dir, const char *kind,
                            const char *version)
{
    const char *file = NULL;
    char path[4096], alt[4096];
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaValidCtxtPtr vc;
    xmlSchemaPtr schema;
    xmlDoc *copy;

    if (strcmp(kind, "VMAP") == 0) {
        /* the local copy imports VAST 4.2 from the same folder, so inline ads are checked too */
        snprintf(alt, sizeof(alt), "%s/vmap_1.0.1-vast4.2-local.xsd", dir);
        file = access(alt, R_OK) == 0 ? "vmap_1.0.1-vast4.2-local.xsd" : "vmap.xsd";
    } else if (version == NULL) {
        return;
    } else if (strcmp(version, "4.2") == 0) {
        file = "vast_4.2.xsd";
    } else if (strcmp(version, "4.1") == 0) {
        file = "vast_4.1.xsd";
    } else if (strcmp(version, "4.0") == 0) {
        file = "vast4.xsd";
    } else if (strcmp(version, "3.0") == 0) {
        file = "vast3_draft.xsd";
    } else if (strncmp(version, "2.0", 3) == 0) {
        file = "vast_2.0.1.xsd";
    }
    if (file == NULL) {
        problem(c, "no schema for %s %s", kind, version);
        return;
    }
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
        problem(c, "schema path too long%s%s", NULL, NULL);
        return;
    }
    pc = xmlSchemaNewParserCtxt(path);
    if (pc == NULL) {
        problem(c, "cannot read the schema %s%s", path, NULL);
        return;
    }
    xmlSchemaSetParserStructuredErrors(pc, on_xml_error, c);
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (schema == NULL) {
        problem(c, "the schema %s does not compile%s", path, NULL);
        return;
    }
    copy = xmlCopyDoc(doc, 1);
    vc = copy != NULL ? xmlSchemaNewValidCtxt(schema) : NULL;
    if (vc != NULL) {
        mask_macros(xmlDocGetRootElement(copy));
        xmlSchemaSetValidStructuredErrors(vc, on_xml_error, c);
        if (xmlSchemaValidateDoc(vc, copy) != 0 && c->n == 0)
            problem(c, "not valid against %s%s", file, NULL);
        xmlSchemaFreeValidCtxt(vc);
    } else {
        problem(c, "cannot validate%s%s", NULL, NULL);
    }
    xmlFreeDoc(copy);
    xmlSchemaFree(schema);
}

int vastcheck_run(const char *text, size_t len, const char *schema_dir, json_t **summary,
                  struct buf *problems)
{
    struct ctx c = {problems, 0};
    xmlParserCtxtPtr pctx;
    xmlDoc *doc = NULL;
    xmlNode *root;
    xmlChar *version = NULL;
    json_t *sum;
    const char *kind;
    int rc = -1;

    sum = json_pack("{s:n,s:n,s:[],s:[]}", "kind", "version", "ads", "breaks");
    *summary = sum;
    if (len > (size_t)INT32_MAX) {
        problem(&c, "document too large%s%s", NULL, NULL);
        return -1;
    }
    pctx = xmlNewParserCtxt();
    if (pctx == NULL) {
        problem(&c, "out of memory%s%s", NULL, NULL);
        return -1;
    }
    /* errors to the problems list, not stderr; no network, no entity expansion */
    xmlSetStructuredErrorFunc(&c, on_xml_error);
    doc = xmlCtxtReadMemory(pctx, text, (int)len, "document", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING);
    xmlFreeParserCtxt(pctx);
    if (doc == NULL) {
        if (c.n == 0)
            problem(&c, "not well-formed XML%s%s", NULL, NULL);
        goto cleanup;
    }
    root = xmlDocGetRootElement(doc);
    if (is(root, "VAST")) {
        kind = "VAST";
        version = xmlGetProp(root, BAD_CAST "version");
        json_object_set_new(sum, "kind", json_string(kind));
        json_object_set_new(sum, "version",
                            version != NULL ? json_string((const char *)version) : json_null());
        check_vast(&c, root, "VAST", json_object_get(sum, "ads"));
    } else if (is(root, "VMAP")) {
        kind = "VMAP";
        version = xmlGetProp(root, BAD_CAST "version");
        json_object_set_new(sum, "kind", json_string(kind));
        json_object_set_new(sum, "version",
                            version != NULL ? json_string((const char *)version) : json_null());
        check_vmap(&c, root, sum);
    } else {
        problem(&c, "root element is <%s>, not VAST or VMAP",
                root != NULL ? (const char *)root->name : "(none)", NULL);
        rc = c.n;
        goto cleanup;
    }
    if (schema_dir != NULL)
        validate_schema(&c, doc, schema_dir, kind, (const char *)version);
    rc = c.n;
cleanup:
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFree(version);
    xmlFreeDoc(doc);
    return rc;
}
