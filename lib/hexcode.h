/*
 * hexcode: hex digits and URL percent-escapes, written once for every
 * program (the daemon, ctvctl, ctvtui).
 *
 * Hex output is lower case (digests, ids, tokens, bytea literals); percent
 * escapes are upper case, as RFC 3986 section 2.1 recommends and as S3's
 * SigV4 canonical form requires. What stays unescaped is RFC 3986's
 * unreserved set A-Za-z0-9-._~ (ASCII only, independent of the locale),
 * plus '/' when the caller asks for it.
 *
 * Decoding never grows text, so every decoder may write over its input.
 * Nothing here allocates except through a struct buf the caller owns, and
 * every function is pure: safe from any thread, called per request on the
 * ad and beacon paths (a few hundred bytes each).
 */
#ifndef HEXCODE_H
#define HEXCODE_H

#include <stddef.h>

#include "lib/buf.h"

/* The value 0..15 of hex digit c (either case); -1 when c is not one. */
int hex_digit(int c);

/* n bytes as 2n lower-case hex digits and a NUL: out holds 2n + 1 bytes. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Append n bytes to b as 2n lower-case hex digits; -1 when b is full (b unchanged). */
int hex_encode_buf(struct buf *b, const unsigned char *in, size_t n);

/*
 * Exactly 2n hex digits (either case) in[0..2n) into out[0..n); -1 when
 * any of them is not a hex digit, and then out is left untouched.
 */
int hex_decode(const char *in, unsigned char *out, size_t n);

/* pct_encode flags */
#define PCT_KEEP_SLASH 0x1u /* '/' stays as it is (S3 object keys, paths) */

/*
 * s percent-encoded into out[n] (NUL-terminated when n > 0); returns the
 * length the whole encoding needs, like snprintf: a result >= n means out
 * holds a truncated prefix that never splits an escape.
 */
size_t pct_encode(char *out, size_t n, const char *s, unsigned flags);

/* Append s percent-encoded to b; -1 when b is full (b unchanged). */
int pct_encode_buf(struct buf *b, const char *s, unsigned flags);

/* pct_decode flags */
#define PCT_PLUS_SPACE 0x1u /* '+' is a space (application/x-www-form-urlencoded) */
#define PCT_LENIENT 0x2u    /* a '%' not followed by two hex digits stays literal */
#define PCT_NO_NUL 0x4u     /* a NUL byte, literal or escaped, is an error */

/*
 * Decode s[0..len) into out[n] and a NUL; the decoded length goes to
 * *outlen (may be NULL). -1 on a bad escape (unless PCT_LENIENT), on a NUL
 * with PCT_NO_NUL, or when the result and its NUL do not fit in n. out may
 * be s itself: decoding in place is safe. On failure out holds a partial
 * result the caller must not use.
 */
int pct_decode(const char *s, size_t len, char *out, size_t n, size_t *outlen, unsigned flags);

#endif
