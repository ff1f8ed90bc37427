/*
 * uuid: random (version 4) UUIDs and the contract's UUID syntax check.
 */
#ifndef UUID_H
#define UUID_H

#include <stddef.h>

/* Write a lower-case v4 UUID and its NUL into out[37]. 0, or -1 if no entropy. */
int uuid_v4(char out[37]);
/*
 * 1 when s is 8-4-4-4-12 hex (either case) with version 1-5 and variant
 * 8, 9, a or b, or the nil UUID (docs/admin-api.md); else 0.
 */
int uuid_valid(const char *s);
/* 1 when s is any 8-4-4-4-12 hex string PostgreSQL's uuid type accepts. */
int uuid_syntax(const char *s);
/*
 * 8-4-4-4-12 hex text (either case, exactly 36 characters) to its 16 bytes;
 * -1 on any other shape, and then out is partly written and meaningless.
 */
int uuid_parse(const char *s, unsigned char out[16]);
/* 16 bytes as lower-case 8-4-4-4-12 text and a NUL into out[37]. */
void uuid_format(const unsigned char in[16], char out[37]);

#endif
