/*
 * body: request body parsing of docs/admin-api.md, separate from the
 * transport so it can be fuzzed on its own.
 *
 * application/json: strict (top level must be an object or array), empty
 * body = {}; application/x-www-form-urlencoded: qs-style nested keys
 * (a[b]=1, a[]=1), values strings; anything else: {}. Charsets other than
 * utf-8 and content encodings other than identity are 415.
 */
#ifndef BODY_H
#define BODY_H

#include <jansson.h>
#include <stddef.h>

/* Bounds that keep hostile bodies cheap (qs's own defaults). */
#define BODY_MAX_FORM_PARAMS 1000
#define BODY_MAX_FORM_DEPTH 5

/*
 * Parse data per content_type / content_encoding (either may be NULL).
 * On success *out is a new reference and 0 is returned. On failure returns
 * the HTTP status (400 or 415) and writes a message to msg.
 */
int body_parse(const char *content_type, const char *content_encoding, const char *data,
               size_t len, json_t **out, char *msg, size_t msglen);

/* Percent-decode a form component in place ('+' is a space); returns the new length. */
size_t body_form_decode(char *s, size_t len);

#endif
