/*
 * auth_jwt: see auth_jwt.h.
 *
 * Verification runs libjwt's jwt_decode() with the secret, which checks the
 * signature with whatever HMAC the header names, then applies our own policy:
 * HS256 only, exp, nbf, claim types and sizes. When jwt_decode() fails we
 * decode once more without a key (libjwt then checks no signature) only to
 * tell a malformed token from a wrongly signed one or a foreign alg; nothing
 * from that keyless decode is ever trusted or returned.
 *
 * Numeric claims are read as JSON text (jwt_get_grants_json) and parsed here:
 * jwt_get_grant_int() returns 0 without an error for a string claim and cannot
 * read a JSON real, while jsonwebtoken accepts any JSON number for exp/nbf.
 * The text comes from jansson, so it is a plain JSON number; strtod() assumes
 * the "C" LC_NUMERIC locale, which the daemon never changes.
 *
 * Load: one verify per authenticated request, a mint or two per login or
 * refresh; each is a handful of small allocations and one HMAC.
 */
#include "auth/auth_jwt.h"
#include "lib/hexcode.h"

#include <errno.h>
#include <jwt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#define JTI_BYTES 16
#define JTI_LEN (2 * JTI_BYTES)

#define CLAIM_SIZE(field) sizeof(((struct auth_jwt_claims *)NULL)->field)

/* ------------------------------------------------------------------ shape */

static int is_b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/*
 * Accept only three base64url segments with a non-empty header and payload
 * before libjwt sees the token: its base64 decoder skips bytes outside the
 * alphabet, and padding, spaces or a fourth segment have no place in a compact
 * JWS. The signature may be empty so that an alg "none" token reaches the alg
 * check and is reported as WRONG_ALG rather than MALFORMED.
 */
static int token_shape_ok(const char *token)
{
    size_t len = strnlen(token, AUTH_JWT_TOKEN_MAX + 1);
    size_t dots = 0;
    size_t seg = 0;
    int ok = 0;

    if (len == 0 || len > AUTH_JWT_TOKEN_MAX)
        goto cleanup;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];

        if (c == '.') {
            if (seg == 0 || ++dots > 2)
                goto cleanup;
            seg = 0;
        } else if (is_b64url(c)) {
            seg++;
        } else {
            goto cleanup;
        }
    }
    ok = dots == 2;
cleanup:
    return ok;
}

/* ----------------------------------------------------------------- claims */

/*
 * Presence test and JSON text of one claim. Returns 1 with *json_out (free())
 * when the claim exists, 0 when it does not, -1 when libjwt failed to dump it.
 * libjwt 1.10.2 sets errno to EINVAL before looking the claim up and to 0 once
 * found, so NULL with EINVAL is "absent" and any other NULL is an allocation
 * failure: an optional claim such as nbf must not look absent under OOM.
 */
static int claim_json(jwt_t *jwt, const char *name, char **json_out)
{
    char *json;
    int ret = -1;

    errno = 0;
    json = jwt_get_grants_json(jwt, name);
    if (json != NULL) {
        *json_out = json;
        ret = 1;
    } else if (errno == EINVAL) {
        ret = 0;
    }
    return ret;
}

/*
 * Parse a JSON number as jansson prints it. A fraction rounds up: jsonwebtoken
 * rejects when now >= exp or nbf > now on the raw value, and for a whole-second
 * now comparing against the rounded-up value gives the same answers.
 */
static int parse_json_number(const char *text, int64_t *out)
{
    char *end = NULL;
    int64_t v;
    int ret = -1;

    if (text[0] != '-' && (text[0] < '0' || text[0] > '9'))
        goto cleanup;
    if (strpbrk(text, ".eE") == NULL) {
        long long ll;

        errno = 0;
        ll = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0')
            goto cleanup;
        v = (int64_t)ll;
    } else {
        double d;

        errno = 0;
        d = strtod(text, &end);
        /* The bounds keep the conversion below defined (|d| < 2^63). */
        if (errno != 0 || *end != '\0' || !(d > -9.0e18 && d < 9.0e18))
            goto cleanup;
        v = (int64_t)d;
        if ((double)v < d)
            v++;
    }
    *out = v;
    ret = 0;
cleanup:
    return ret;
}

/* A numeric claim: OK with *present (and *value when present), BAD_CLAIMS, INTERNAL. */
static enum auth_jwt_result claim_number(jwt_t *jwt, const char *name, int *present, int64_t *value)
{
    char *json = NULL;
    int64_t v = 0;
    enum auth_jwt_result res = AUTH_JWT_INTERNAL;
    int got = claim_json(jwt, name, &json);

    if (got < 0)
        goto cleanup;
    if (got == 1 && parse_json_number(json, &v) != 0) {
        res = AUTH_JWT_BAD_CLAIMS;
        goto cleanup;
    }
    *present = got;
    *value = v;
    res = AUTH_JWT_OK;
cleanup:
    free(json);
    return res;
}

/*
 * A string claim copied into dst. Absent: "" when optional, BAD_CLAIMS when
 * required. Present but not a string, empty when required, or not fitting dst:
 * BAD_CLAIMS (truncating an id or jti would silently name something else).
 * jansson refuses \u0000 in strings, so the C string is the whole value.
 */
static enum auth_jwt_result claim_string(jwt_t *jwt, const char *name, int required, char *dst,
                                         size_t dst_size)
{
    char *json = NULL;
    const char *val;
    size_t len;
    enum auth_jwt_result res = AUTH_JWT_INTERNAL;
    int got = claim_json(jwt, name, &json);

    if (got < 0)
        goto cleanup;
    res = AUTH_JWT_BAD_CLAIMS;
    if (got == 0) {
        if (required)
            goto cleanup;
        dst[0] = '\0';
        res = AUTH_JWT_OK;
        goto cleanup;
    }
    val = jwt_get_grant(jwt, name);
    if (val == NULL)
        goto cleanup;
    len = strnlen(val, dst_size);
    if (len == dst_size || (required && len == 0))
        goto cleanup;
    memcpy(dst, val, len + 1);
    res = AUTH_JWT_OK;
cleanup:
    free(json);
    return res;
}

/* Apply the time checks and copy the claims of a token whose signature is good. */
static enum auth_jwt_result read_claims(jwt_t *jwt, int64_t now, struct auth_jwt_claims *claims)
{
    int present = 0;
    int64_t v = 0;
    enum auth_jwt_result res;

    res = claim_number(jwt, "exp", &present, &v);
    if (res != AUTH_JWT_OK)
        goto cleanup;
    if (!present) {
        res = AUTH_JWT_NO_EXP;
        goto cleanup;
    }
    if (v <= now) {
        res = AUTH_JWT_EXPIRED;
        goto cleanup;
    }
    claims->exp = v;

    res = claim_number(jwt, "nbf", &present, &v);
    if (res != AUTH_JWT_OK)
        goto cleanup;
    if (present && v > now) {
        res = AUTH_JWT_NOT_YET_VALID;
        goto cleanup;
    }

    res = claim_number(jwt, "iat", &present, &v);
    if (res != AUTH_JWT_OK)
        goto cleanup;
    claims->iat = present ? v : 0;

    res = claim_string(jwt, "id", 1, claims->id, sizeof(claims->id));
    if (res != AUTH_JWT_OK)
        goto cleanup;
    res = claim_string(jwt, "email", 0, claims->email, sizeof(claims->email));
    if (res != AUTH_JWT_OK)
        goto cleanup;
    res = claim_string(jwt, "role", 0, claims->role, sizeof(claims->role));
    if (res != AUTH_JWT_OK)
        goto cleanup;
    res = claim_string(jwt, "jti", 0, claims->jti, sizeof(claims->jti));
cleanup:
    return res;
}

/*
 * jwt_decode() with the key failed: decode again without one, which libjwt
 * does without any signature check, only to read the header. A token libjwt
 * cannot parse at all (bad base64 or JSON, unknown alg, typ other than "JWT")
 * is MALFORMED; one naming HS256 has a bad signature; any other alg, "none"
 * included (libjwt refuses "none" when given a key), is WRONG_ALG.
 */
static enum auth_jwt_result classify_failure(const char *token)
{
    jwt_t *jwt = NULL;
    const char *alg;
    enum auth_jwt_result res = AUTH_JWT_MALFORMED;
    int rc = jwt_decode(&jwt, token, NULL, 0);

    if (rc == ENOMEM) {
        res = AUTH_JWT_INTERNAL;
        goto cleanup;
    }
    if (rc != 0 || jwt == NULL)
        goto cleanup;
    alg = jwt_get_header(jwt, "alg");
    res = (alg != NULL && strcmp(alg, "HS256") == 0) ? AUTH_JWT_BAD_SIGNATURE : AUTH_JWT_WRONG_ALG;
cleanup:
    jwt_free(jwt);
    return res;
}

/* ------------------------------------------------------------------ public */

enum auth_jwt_result auth_jwt_verify(const char *secret, size_t secret_len, const char *token,
                                     int64_t now, struct auth_jwt_claims *out)
{
    jwt_t *jwt = NULL;
    struct auth_jwt_claims claims;
    enum auth_jwt_result res = AUTH_JWT_INTERNAL;
    int rc;

    /* An empty key would make libjwt verify HMACs keyed with nothing. */
    if (secret == NULL || secret_len == 0 || secret_len > INT_MAX || token == NULL || out == NULL)
        goto cleanup;
    if (!token_shape_ok(token)) {
        res = AUTH_JWT_MALFORMED;
        goto cleanup;
    }
    rc = jwt_decode(&jwt, token, (const unsigned char *)secret, (int)secret_len);
    if (rc != 0 || jwt == NULL) {
        res = rc == ENOMEM ? AUTH_JWT_INTERNAL : classify_failure(token);
        goto cleanup;
    }
    /* libjwt verified whichever HMAC the header named; only HS256 is ours. */
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        res = AUTH_JWT_WRONG_ALG;
        goto cleanup;
    }
    memset(&claims, 0, sizeof(claims));
    res = read_claims(jwt, now, &claims);
    if (res == AUTH_JWT_OK)
        *out = claims;
cleanup:
    jwt_free(jwt);
    return res;
}

/* 32 lower-case hex digits from the kernel CSPRNG. */
static int make_jti(char out[JTI_LEN + 1])
{
    unsigned char raw[JTI_BYTES];
    size_t got = 0;
    int ret = -1;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto cleanup;
        }
        got += (size_t)n;
    }
    hex_encode(raw, sizeof(raw), out);
    ret = 0;
cleanup:
    return ret;
}

int auth_jwt_mint(const char *secret, size_t secret_len, const char *user_id, const char *email,
                  const char *role, int64_t now, int64_t lifetime_s, char **out_token)
{
    jwt_t *jwt = NULL;
    char jti[JTI_LEN + 1];
    char *token;
    int64_t exp;
    int ret = -1;

    if (secret == NULL || secret_len == 0 || secret_len > INT_MAX || user_id == NULL ||
        email == NULL || role == NULL || out_token == NULL)
        goto cleanup;
    /* Never mint what auth_jwt_verify() would refuse as BAD_CLAIMS. */
    if (user_id[0] == '\0' || strnlen(user_id, CLAIM_SIZE(id)) == CLAIM_SIZE(id) ||
        strnlen(email, CLAIM_SIZE(email)) == CLAIM_SIZE(email) ||
        strnlen(role, CLAIM_SIZE(role)) == CLAIM_SIZE(role))
        goto cleanup;
    if (lifetime_s <= 0 || now > INT64_MAX - lifetime_s)
        goto cleanup;
    exp = now + lifetime_s;
#if LONG_MAX < INT64_MAX
    /* jwt_add_grant_int() takes a long. */
    if (now < LONG_MIN || exp > LONG_MAX)
        goto cleanup;
#endif
    if (make_jti(jti) != 0)
        goto cleanup;
    if (jwt_new(&jwt) != 0)
        goto cleanup;
    if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)secret_len) != 0)
        goto cleanup;
    /* Added in the contract's order; libjwt prints them sorted by name anyway. */
    if (jwt_add_grant(jwt, "id", user_id) != 0 || jwt_add_grant(jwt, "email", email) != 0 ||
        jwt_add_grant(jwt, "role", role) != 0 || jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)exp) != 0 || jwt_add_grant(jwt, "jti", jti) != 0)
        goto cleanup;
    token = jwt_encode_str(jwt);
    if (token == NULL)
        goto cleanup;
    *out_token = token;
    ret = 0;
cleanup:
    jwt_free(jwt);
    return ret;
}

const char *auth_jwt_result_str(enum auth_jwt_result result)
{
    const char *s = "unknown";

    switch (result) {
    case AUTH_JWT_OK:
        s = "ok";
        break;
    case AUTH_JWT_MALFORMED:
        s = "malformed";
        break;
    case AUTH_JWT_BAD_SIGNATURE:
        s = "bad_signature";
        break;
    case AUTH_JWT_WRONG_ALG:
        s = "wrong_alg";
        break;
    case AUTH_JWT_EXPIRED:
        s = "expired";
        break;
    case AUTH_JWT_NO_EXP:
        s = "no_exp";
        break;
    case AUTH_JWT_NOT_YET_VALID:
        s = "not_yet_valid";
        break;
    case AUTH_JWT_BAD_CLAIMS:
        s = "bad_claims";
        break;
    case AUTH_JWT_INTERNAL:
        s = "internal";
        break;
    }
    return s;
}

int auth_jwt_parse_lifetime(const char *s, int64_t *seconds)
{
    int64_t value = 0;
    int64_t unit = 1;
    size_t i;
    int ret = -1;

    if (s == NULL || seconds == NULL)
        goto cleanup;
    for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
        /* Stop once past the maximum so that long digit runs cannot overflow. */
        if (value > AUTH_JWT_LIFETIME_MAX)
            goto cleanup;
        value = value * 10 + (s[i] - '0');
    }
    if (i == 0)
        goto cleanup;
    switch (s[i]) {
    case '\0':
        break;
    case 's':
    case 'S':
        i++;
        break;
    case 'm':
    case 'M':
        unit = 60;
        i++;
        break;
    case 'h':
    case 'H':
        unit = 3600;
        i++;
        break;
    case 'd':
    case 'D':
        unit = 86400;
        i++;
        break;
    default:
        goto cleanup;
    }
    if (s[i] != '\0' || value == 0 || value > AUTH_JWT_LIFETIME_MAX / unit)
        goto cleanup;
    *seconds = value * unit;
    ret = 0;
cleanup:
    return ret;
}
