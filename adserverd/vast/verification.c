/*
 * verification: see verification.h.
 *
 * Element order inside <Verification> is the one vast_4.1.xsd and
 * vast_4.2.xsd require: JavaScriptResource, TrackingEvents,
 * VerificationParameters. Every URL and the parameters are CDATA sections,
 * as in the rest of the document (the serialiser splits a "]]>" inside).
 */
#include "vast/verification.h"
#include "vast/xmlerr.h"

#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static int build_fail(char *err, size_t errlen, const char *what)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "verification: %s", what);
    return -1;
}

/* <name> under parent in parent's namespace, holding a CDATA section of s. */
static xmlNodePtr child_cdata(xmlNodePtr parent, const char *name, const char *s)
{
    size_t len = strlen(s);
    xmlNodePtr n, c;

    if (len > INT_MAX)
        return NULL;
    n = xmlNewChild(parent, parent->ns, BAD_CAST name, NULL);
    if (n == NULL)
        return NULL;
    c = xmlNewCDataBlock(parent->doc, BAD_CAST s, (int)len);
    if (c == NULL)
        return NULL;
    if (xmlAddChild(n, c) == NULL) {
        xmlFreeNode(c);
        return NULL;
    }
    return n;
}

/* One <Verification> under list. */
static int one(xmlNodePtr list, const struct vast_verification *v, char *err, size_t errlen)
{
    xmlNodePtr n, js, te, tr;

    if (xmlerr_empty(v->vendor) || xmlerr_empty(v->javascript_url))
        return build_fail(err, errlen, "vendor and javascript url are required");
    n = xmlNewChild(list, list->ns, BAD_CAST "Verification", NULL);
    if (n == NULL || xmlNewProp(n, BAD_CAST "vendor", BAD_CAST v->vendor) == NULL)
        return build_fail(err, errlen, "out of memory in libxml2");
    js = child_cdata(n, "JavaScriptResource", v->javascript_url);
    if (js == NULL || xmlNewProp(js, BAD_CAST "apiFramework", BAD_CAST "omid") == NULL ||
        xmlNewProp(js, BAD_CAST "browserOptional",
                   BAD_CAST(v->browser_optional ? "true" : "false")) == NULL)
        return build_fail(err, errlen, "out of memory in libxml2");
    if (!xmlerr_empty(v->not_executed_url)) {
        te = xmlNewChild(n, n->ns, BAD_CAST "TrackingEvents", NULL);
        tr = te != NULL ? child_cdata(te, "Tracking", v->not_executed_url) : NULL;
        if (tr == NULL ||
            xmlNewProp(tr, BAD_CAST "event", BAD_CAST "verificationNotExecuted") == NULL)
            return build_fail(err, errlen, "out of memory in libxml2");
    }
    if (!xmlerr_empty(v->parameters) && child_cdata(n, "VerificationParameters", v->parameters) == NULL)
        return build_fail(err, errlen, "out of memory in libxml2");
    return 0;
}

int verification_build(struct _xmlNode *inl, int as_extension,
                       const struct vast_verification *vs, size_t n, char *err, size_t errlen)
{
    xmlNodePtr parent = inl, list;
    size_t i;

    if (n == 0)
        return 0;
    if (as_extension) {
        xmlNodePtr exts = xmlNewChild(inl, inl->ns, BAD_CAST "Extensions", NULL);

        parent = exts != NULL ? xmlNewChild(exts, inl->ns, BAD_CAST "Extension", NULL) : NULL;
        if (parent == NULL || xmlNewProp(parent, BAD_CAST "type", BAD_CAST "AdVerifications") == NULL)
            return build_fail(err, errlen, "out of memory in libxml2");
    }
    list = xmlNewChild(parent, inl->ns, BAD_CAST "AdVerifications", NULL);
    if (list == NULL)
        return build_fail(err, errlen, "out of memory in libxml2");
    for (i = 0; i < n; i++)
        if (one(list, &vs[i], err, errlen) != 0)
            return -1;
    return 0;
}
