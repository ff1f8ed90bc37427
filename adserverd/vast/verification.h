/*
 * verification: OMID verification scripts of an ad as VAST elements.
 *
 * VAST 4.1 and 4.2 carry them in <AdVerifications> inside the InLine; 3.0
 * and 4.0 players learned them from <Extensions><Extension
 * type="AdVerifications"> with the same children, as the IAB's guidance for
 * those versions describes. vast.c decides where in the InLine they go and
 * checks their text; this module only makes the elements, so it depends on
 * libxml2 alone and vast.h can include it without a cycle.
 *
 * Thread-safe (no state). Load: a few nodes per verification per render.
 */
#ifndef VAST_VERIFICATION_H
#define VAST_VERIFICATION_H

#include <stddef.h>

/* One verification script; strings borrowed for the render call. */
struct vast_verification {
    const char *vendor;           /* required, e.g. "company.com-omid" */
    const char *javascript_url;   /* required */
    int browser_optional;         /* 0 or 1 */
    const char *parameters;       /* NULL or "" = none */
    const char *not_executed_url; /* verificationNotExecuted tracker; NULL or "" = none */
};

/*
 * Append the verifications vs[0..n) to the <InLine> element inl, children
 * in inl's namespace: an <AdVerifications> element, wrapped in
 * <Extensions><Extension type="AdVerifications"> when as_extension (3.0,
 * 4.0). The caller calls this where the version's schema puts that element.
 * 0 (nothing written when n == 0); -1 with a message in err (libxml2 out of
 * memory, or a required string missing).
 */
struct _xmlNode;
int verification_build(struct _xmlNode *inl, int as_extension,
                       const struct vast_verification *vs, size_t n, char *err, size_t errlen);

#endif
