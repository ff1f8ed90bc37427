/*
 * auth_jwt: mint and verify the admin API's access and refresh tokens.
 *
 * Tokens are compact JWS strings signed HS256 with the shared JWT_SECRET
 * (docs/admin-api.md). Clients read them only as opaque strings, but other
 * software holding the same secret mints tokens we must accept (claims id,
 * email, role, iat, exp; no jti), so verification follows the JWS format and
 * not our own minting.
 *
 * The module wraps libjwt 1.10.2 and adds the checks that version leaves out:
 * it decodes HS384/HS512 tokens signed with the same key and ignores exp and
 * nbf, so we pin HS256, require a numeric exp after now and honour nbf
 * ourselves. Use libjwt0 1.10.2-1+deb12u1 or later: earlier builds compare
 * signatures with strcmp (CVE-2024-25189, a timing side channel).
 *
 * Minted tokens: header {"alg":"HS256","typ":"JWT"}; claims id, email, role,
 * iat, exp and a random 128-bit jti (32 lower-case hex digits), so two tokens
 * minted in the same second differ. libjwt serialises claims with sorted
 * keys, so the payload reads email, exp, iat, id, jti, role: the contract's
 * order (id, email, role, iat, exp) is not kept, which it allows.
 *
 * No globals, no logging; safe to call from several threads at once. Secrets
 * and tokens are never logged or kept.
 */
#ifndef AUTH_JWT_H
#define AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

/* Longer tokens are rejected as MALFORMED before any decoding. */
#define AUTH_JWT_TOKEN_MAX 8192

/* Longest lifetime auth_jwt_parse_lifetime() accepts: ten years. */
#define AUTH_JWT_LIFETIME_MAX ((int64_t)3650 * 86400)

/*
 * The claims of a verified token, copied out of it (NUL-terminated; nothing
 * points into the token or into libjwt).
 */
struct auth_jwt_claims {
    char id[64];     /* user id, any non-empty string (not checked to be a UUID) */
    char email[256]; /* "" when absent */
    char role[24];   /* "" when absent */
    int64_t iat;     /* 0 when absent */
    int64_t exp;     /* always present; a fractional exp is rounded up */
    char jti[64];    /* "" when absent (tokens minted by other software) */
};

enum auth_jwt_result {
    AUTH_JWT_OK = 0,
    AUTH_JWT_MALFORMED,     /* not a compact JWS, bad base64/JSON, too long */
    AUTH_JWT_BAD_SIGNATURE, /* HS256 header, signature does not match the secret */
    AUTH_JWT_WRONG_ALG,     /* any alg but HS256, "none" included */
    AUTH_JWT_EXPIRED,       /* exp <= now */
    AUTH_JWT_NO_EXP,        /* no exp claim */
    AUTH_JWT_NOT_YET_VALID, /* nbf > now */
    AUTH_JWT_BAD_CLAIMS,    /* id missing/empty, a claim of the wrong type or too long */
    AUTH_JWT_INTERNAL,      /* bad arguments or out of memory: a server fault, not a 401 */
};

/*
 * Mint an HS256 token for a user, valid from now for lifetime_s seconds
 * (exp = now + lifetime_s). secret is read, not kept; secret_len must be
 * 1..INT_MAX. user_id must be non-empty and shorter than claims.id, email and
 * role shorter than their claims fields, so that every minted token verifies.
 * lifetime_s must be > 0.
 * On success returns 0 and *out_token is a NUL-terminated string the caller
 * frees with free(). On failure returns -1 and leaves *out_token untouched.
 */
int auth_jwt_mint(const char *secret, size_t secret_len, const char *user_id, const char *email,
                  const char *role, int64_t now, int64_t lifetime_s, char **out_token);

/*
 * Verify token (NUL-terminated, read only) against secret at time now
 * (seconds since the epoch). Checks, in order: length and shape, signature,
 * alg == HS256, exp present, numeric and > now, nbf (when present) numeric and
 * <= now, iat (when present) numeric, then the string claims.
 * On AUTH_JWT_OK the claims are copied into *out; on any other result *out is
 * left untouched. Every result but OK and INTERNAL means "invalid token".
 */
enum auth_jwt_result auth_jwt_verify(const char *secret, size_t secret_len, const char *token,
                                     int64_t now, struct auth_jwt_claims *out);

/* A constant lowercase name for a result, for logs ("expired"); never NULL. */
const char *auth_jwt_result_str(enum auth_jwt_result result);

/*
 * Parse a token lifetime as JWT_EXPIRES_IN / REFRESH_TOKEN_EXPIRES_IN give it:
 * digits followed by one unit, s, m, h or d (either case: "3600s", "1h",
 * "24h", "7d"), or digits alone, read as seconds. Result 1..AUTH_JWT_LIFETIME_MAX.
 *
 * Differs from the reference on purpose: jsonwebtoken passes string lifetimes
 * to the `ms` package, which reads bare digits as milliseconds ("3600" is a
 * 3.6 s token there), and also accepts decimals, spaces, long unit names,
 * "ms", "w", "y" and negative values. No working deployment can rely on a
 * bare-digit lifetime, so digits alone mean seconds here, as a numeric
 * expiresIn does in jsonwebtoken; every other `ms` form is rejected so that a
 * misconfiguration fails at start-up instead of minting odd lifetimes.
 * Returns 0 and writes *seconds, or -1 (nothing written) on anything else:
 * empty, sign, whitespace, fraction, other unit, zero, or above the maximum.
 */
int auth_jwt_parse_lifetime(const char *s, int64_t *seconds);

#endif
