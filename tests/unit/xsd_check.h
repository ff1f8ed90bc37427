/*
 * xsd_check: schema validation helpers shared by test_vast.c and test_vmap.c
 * (static functions, included by each; both use every one of them).
 *
 * The IAB schemas are read in place from $SHARED_DIR/vast (default
 * ../shared/vast from the repository root, where tests run) and never copied.
 * When they are absent the validating tests call skip(): reported skipped,
 * never passed. Each schema is compiled once per test binary (group setup).
 * The network is off for the whole run: every import the schemas make
 * (vmap_1.0.1-vast4.2-local.xsd imports vast_4.2.xsd) is a local file.
 *
 * Brackets: libxml2's xs:anyURI check rejects '[' and ']', which the player
 * macros we keep literal on purpose contain ([ERRORCODE]). Validation can
 * mask them inside CDATA sections, the only place our documents carry URLs,
 * as %5B/%5D on a parsed copy; the bytes under test are never changed.
 * MASK_MACROS masks "[NAME]" tokens only (NAME = [A-Z][A-Z0-9_]*, the IAB's
 * macro form); MASK_ALL also masks
 * stray brackets, which only the hostile-URL tests need: a raw ']' (as in
 * "]]>") is not a URI character at all, and vast keeps URLs byte for byte.
 * Setting VAST_SAMPLES_DIR writes each validated document there under its
 * name, for checking by hand with tests/lib/vast-parse.mjs / vmap-parse.mjs.
 */
#ifndef XSD_CHECK_H
#define XSD_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>

/* The schema folder into dir[len], or NULL when it is absent. */
static const char *xsd_dir(char *dir, size_t len)
{
    const char *shared = getenv("SHARED_DIR");
    char probe[4096];
    int n;

    n = snprintf(dir, len, "%s/vast", shared != NULL && *shared != '\0' ? shared : "../shared");
    if (n < 0 || (size_t)n >= len)
        return NULL;
    n = snprintf(probe, sizeof(probe), "%s/vast_4.2.xsd", dir);
    if (n < 0 || (size_t)n >= sizeof(probe) || access(probe, R_OK) != 0)
        return NULL;
    return dir;
}

/* Never fetch anything: schemas and documents resolve to local files only. */
static void xsd_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
}

/* Compile dir/file; NULL when dir is NULL. A schema that fails to compile fails the run. */
static xmlSchemaPtr xsd_load(const char *dir, const char *file)
{
    char path[4096];
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaPtr schema;

    if (dir == NULL)
        return NULL;
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
        return NULL;
    pc = xmlSchemaNewParserCtxt(path);
    if (pc == NULL) {
        fprintf(stderr, "xsd_check: cannot read %s\n", path);
        abort();
    }
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (schema == NULL) {
        fprintf(stderr, "xsd_check: %s does not compile\n", path);
        abort();
    }
    return schema;
}

enum xsd_mask { MASK_NONE, MASK_MACROS, MASK_ALL };

/* Length of the "[NAME]" macro token at s, or 0. */
static size_t xsd_macro_len(const char *s)
{
    size_t n = 1;

    if (s[0] != '[' || !(s[1] >= 'A' && s[1] <= 'Z'))
        return 0;
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
        n++;
    return s[n] == ']' ? n + 1 : 0;
}

/* Replace brackets (per mask) with %5B / %5D in every CDATA section under node. */
static void xsd_mask_brackets(xmlNodePtr node, enum xsd_mask mask)
{
    for (; node != NULL; node = node->next) {
        if (node->type == XML_CDATA_SECTION_NODE && node->content != NULL) {
            const char *s = (const char *)node->content;
            size_t n = strlen(s), i, o = 0;
            char *m = malloc(n * 3 + 1);

            if (m == NULL)
                abort();
            for (i = 0; i < n; i++) {
                size_t mlen = xsd_macro_len(s + i);

                if (mlen > 0) {
                    memcpy(m + o, "%5B", 3);
                    memcpy(m + o + 3, s + i + 1, mlen - 2);
                    memcpy(m + o + 3 + mlen - 2, "%5D", 3);
                    o += mlen + 4;
                    i += mlen - 1;
                } else if (mask == MASK_ALL && (s[i] == '[' || s[i] == ']')) {
                    memcpy(m + o, s[i] == '[' ? "%5B" : "%5D", 3);
                    o += 3;
                } else {
                    m[o++] = s[i];
                }
            }
            m[o] = '\0';
            xmlNodeSetContent(node, BAD_CAST m);
            free(m);
        }
        xsd_mask_brackets(node->children, mask);
    }
}

/* Write the document to $VAST_SAMPLES_DIR/name when that is set. */
static void xsd_write_sample(const char *name, const char *xml, size_t len)
{
    const char *dir = getenv("VAST_SAMPLES_DIR");
    char path[4096];
    FILE *f;

    if (dir == NULL || *dir == '\0')
        return;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        abort();
    f = fopen(path, "w");
    if (f == NULL || fwrite(xml, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "xsd_check: cannot write %s\n", path);
        abort();
    }
}

/*
 * Parse xml (well-formedness is required even when schema is NULL), then
 * validate it against schema, brackets in CDATA masked as mask says.
 * Returns 0 valid, -1 not well-formed or not valid (libxml2 prints why),
 * 1 when schema is NULL (the caller skips).
 */
static int xsd_validate(xmlSchemaPtr schema, const char *name, const char *xml, size_t len,
                        enum xsd_mask mask)
{
    xmlDocPtr doc;
    xmlSchemaValidCtxtPtr vc;
    int rc;

    xsd_write_sample(name, xml, len);
    doc = xmlReadMemory(xml, (int)len, name, NULL, XML_PARSE_NONET);
    if (doc == NULL)
        return -1;
    if (schema == NULL) {
        xmlFreeDoc(doc);
        return 1;
    }
    if (mask != MASK_NONE)
        xsd_mask_brackets(xmlDocGetRootElement(doc), mask);
    vc = xmlSchemaNewValidCtxt(schema);
    if (vc == NULL)
        abort();
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlFreeDoc(doc);
    return rc == 0 ? 0 : -1;
}

/* Elements named name (local name) under node, in document order; n-th (0-based) or NULL. */
static xmlNodePtr xsd_find(xmlNodePtr node, const char *name, int *nth)
{
    for (; node != NULL; node = node->next) {
        xmlNodePtr hit;

        if (node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0) {
            if (*nth == 0)
                return node;
            (*nth)--;
        }
        hit = xsd_find(node->children, name, nth);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

static int xsd_count(xmlDocPtr doc, const char *name)
{
    int count = 0;

    for (;;) {
        int nth = count;

        if (xsd_find(xmlDocGetRootElement(doc), name, &nth) == NULL)
            return count;
        count++;
    }
}

#endif
