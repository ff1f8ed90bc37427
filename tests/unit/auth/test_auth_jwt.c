/*
 * Unit tests for auth_jwt: round trips of our own tokens, tokens built by hand
 * here the way other software builds them (base64url(header) "."
 * base64url(payload) "." base64url(HMAC) with OpenSSL), and every way a token
 * must be refused: foreign algs with the same secret, alg "none", expiry, nbf,
 * tampering, claim types, garbage and oversize input. Also lifetime parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/auth_jwt.h"

#define SECRET "test-jwt-secret-shared-with-the-suite"
#define SECRET_LEN (sizeof(SECRET) - 1)
#define NOW ((int64_t)1700000000)
#define USER_ID "3f1c2a9e-8b7d-4c6e-9a5f-0123456789ab"
#define HS256_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* ---------------------------------------------------------------- helpers */

static char *b64url(const void *data, size_t n)
{
    char *out = malloc(4 * (n / 3 + 1) + 1);
    int len;

    assert_non_null(out);
    len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    assert_true(len >= 0);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    return out;
}

/* Decode one unpadded base64url segment of length n into a NUL-terminated string. */
static char *b64url_decode(const char *seg, size_t n)
{
    char *tmp = calloc(1, n + 4);
    char *out = calloc(1, n + 4);
    int len;
    size_t pad = (4 - n % 4) % 4;

    assert_non_null(tmp);
    assert_non_null(out);
    memcpy(tmp, seg, n);
    for (size_t i = 0; i < n; i++) {
        if (tmp[i] == '-')
            tmp[i] = '+';
        else if (tmp[i] == '_')
            tmp[i] = '/';
    }
    memset(tmp + n, '=', pad);
    len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)tmp, (int)(n + pad));
    assert_true(len >= 0);
    out[len - (int)pad] = '\0';
    free(tmp);
    return out;
}

/* header.payload.signature as another implementation would produce it. */
static char *sign_with(const EVP_MD *md, const char *secret, const char *header,
                       const char *payload)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    size_t signing_len = strlen(h) + 1 + strlen(p);
    char *signing = malloc(signing_len + 1);
    char *s;
    char *token;

    assert_non_null(signing);
    snprintf(signing, signing_len + 1, "%s.%s", h, p);
    assert_non_null(HMAC(md, secret, (int)strlen(secret), (unsigned char *)signing, signing_len,
                         mac, &mac_len));
    s = b64url(mac, mac_len);
    token = malloc(signing_len + 1 + strlen(s) + 1);
    assert_non_null(token);
    sprintf(token, "%s.%s", signing, s);
    free(h);
    free(p);
    free(s);
    free(signing);
    return token;
}

static char *sign_hs256(const char *header, const char *payload)
{
    return sign_with(EVP_sha256(), SECRET, header, payload);
}

/* header.payload.sig with a signature given verbatim (possibly empty). */
static char *unsigned_token(const char *header, const char *payload, const char *sig)
{
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
    char *token = malloc(n);

    assert_non_null(token);
    snprintf(token, n, "%s.%s.%s", h, p, sig);
    free(h);
    free(p);
    return token;
}

/* A payload as the reference test-suite writes it (jsonwebtoken, no jti). */
static char *suite_payload(const char *id, int64_t iat, int64_t exp)
{
    char *p = malloc(512);

    assert_non_null(p);
    snprintf(p, 512,
             "{\"id\":\"%s\",\"email\":\"test@example.com\",\"role\":\"advertiser\","
             "\"iat\":%lld,\"exp\":%lld}",
             id, (long long)iat, (long long)exp);
    return p;
}

static enum auth_jwt_result verify_at(const char *token, int64_t now)
{
    struct auth_jwt_claims c;

    return auth_jwt_verify(SECRET, SECRET_LEN, token, now, &c);
}

/* Verify a hand-built HS256 token carrying payload at NOW. */
static enum auth_jwt_result verify_payload(const char *payload)
{
    char *t = sign_hs256(HS256_HEADER, payload);
    enum auth_jwt_result r = verify_at(t, NOW);

    free(t);
    return r;
}

/*
 * Returns a copy of the minted token: handing back the variable whose address
 * went to auth_jwt_mint() makes gcc -O3 suspect the result may point at that
 * local (a -Wdangling-pointer false positive once this is inlined).
 */
static char *mint_default(void)
{
    char *t = NULL;
    char *copy;

    assert_int_equal(
        auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "user@example.com", "advertiser", NOW, 3600, &t),
        0);
    assert_non_null(t);
    copy = strdup(t);
    assert_non_null(copy);
    free(t);
    return copy;
}

/* ------------------------------------------------------------------- mint */

static void test_auth_jwt_mint_round_trip(void **state)
{
    struct auth_jwt_claims c;
    char *t = mint_default();

    (void)state;
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW, &c), AUTH_JWT_OK);
    assert_string_equal(c.id, USER_ID);
    assert_string_equal(c.email, "user@example.com");
    assert_string_equal(c.role, "advertiser");
    assert_int_equal(c.iat, NOW);
    assert_int_equal(c.exp, NOW + 3600);
    assert_int_equal(strlen(c.jti), 32);
    assert_int_equal(strspn(c.jti, "0123456789abcdef"), 32);
    free(t);
}

/* The contract's header byte for byte; libjwt sorts the claims by name. */
static void test_auth_jwt_mint_header_and_claim_order(void **state)
{
    char *t = mint_default();
    char *dot1 = strchr(t, '.');
    char *dot2;
    char *header;
    char *payload;

    (void)state;
    assert_non_null(dot1);
    dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    header = b64url_decode(t, (size_t)(dot1 - t));
    payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_string_equal(header, HS256_HEADER);
    assert_non_null(strstr(payload, "{\"email\":\"user@example.com\",\"exp\":1700003600,"
                                    "\"iat\":1700000000,\"id\":\"" USER_ID "\",\"jti\":\""));
    assert_non_null(strstr(payload, "\",\"role\":\"advertiser\"}"));
    assert_int_equal(strlen(dot2 + 1), 43); /* 32-byte HMAC, unpadded */
    free(header);
    free(payload);
    free(t);
}

static void test_auth_jwt_mint_unique_jti(void **state)
{
    struct auth_jwt_claims a;
    struct auth_jwt_claims b;
    char *t1 = mint_default();
    char *t2 = mint_default();

    (void)state;
    assert_string_not_equal(t1, t2);
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t1, NOW, &a), AUTH_JWT_OK);
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t2, NOW, &b), AUTH_JWT_OK);
    assert_int_equal(a.iat, b.iat);
    assert_string_not_equal(a.jti, b.jti);
    free(t1);
    free(t2);
}

static void test_auth_jwt_mint_rejects_bad_args(void **state)
{
    char sentinel = 0;
    char *t = &sentinel;
    char long_id[65];
    char long_email[257];
    char long_role[25];

    (void)state;
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    memset(long_email, 'e', 256);
    long_email[256] = '\0';
    memset(long_role, 'r', 24);
    long_role[24] = '\0';

    assert_int_equal(auth_jwt_mint(NULL, 5, USER_ID, "e", "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, 0, USER_ID, "e", "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, NULL, "e", "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, "", "e", "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, long_id, "e", "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, NULL, "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, long_email, "r", NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e", long_role, NOW, 60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e", "r", NOW, 0, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e", "r", NOW, -60, &t), -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e", "r", INT64_MAX - 10, 60, &t),
                     -1);
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e", "r", NOW, 60, NULL), -1);
    assert_ptr_equal(t, &sentinel);

    /* The longest accepted values still verify. */
    long_id[63] = '\0';
    long_email[255] = '\0';
    long_role[23] = '\0';
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, long_id, long_email, long_role, NOW, 60, &t),
                     0);
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_OK);
    free(t);
}

/* ---------------------------------------------------------------- verify */

/* libjwt 1.10.2 decodes this without complaint: the alg pin must catch it. */
static void test_auth_jwt_verify_hs512_same_secret_rejected(void **state)
{
    jwt_t *jwt = NULL;
    char *t;
    char *payload = suite_payload(USER_ID, NOW, NOW + 3600);

    (void)state;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(
        jwt_set_alg(jwt, JWT_ALG_HS512, (const unsigned char *)SECRET, (int)SECRET_LEN), 0);
    assert_int_equal(jwt_add_grants_json(jwt, payload), 0);
    t = jwt_encode_str(jwt);
    assert_non_null(t);
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_WRONG_ALG);
    free(t);
    jwt_free(jwt);

    t = sign_with(EVP_sha384(), SECRET, "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", payload);
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_WRONG_ALG);
    free(t);
    free(payload);
}

static void test_auth_jwt_verify_expired_rejected(void **state)
{
    char *t = NULL;

    (void)state;
    assert_int_equal(auth_jwt_mint(SECRET, SECRET_LEN, USER_ID, "e@x.io", "admin", NOW, 60, &t), 0);
    assert_int_equal(verify_at(t, NOW + 59), AUTH_JWT_OK);
    assert_int_equal(verify_at(t, NOW + 60), AUTH_JWT_EXPIRED);
    assert_int_equal(verify_at(t, NOW + 86400 * 365), AUTH_JWT_EXPIRED);
    free(t);
}

static void test_auth_jwt_verify_missing_exp_rejected(void **state)
{
    (void)state;
    assert_int_equal(verify_payload("{\"id\":\"" USER_ID "\",\"email\":\"a@b.io\","
                                    "\"role\":\"admin\",\"iat\":1700000000}"),
                     AUTH_JWT_NO_EXP);
}

static void test_auth_jwt_verify_exp_not_number_rejected(void **state)
{
    (void)state;
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":\"1800000000\"}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":null}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":true}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":[1800000000]}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1e300}"), AUTH_JWT_BAD_CLAIMS);
}

/* jsonwebtoken accepts any JSON number: expired when now >= exp. */
static void test_auth_jwt_verify_exp_fraction(void **state)
{
    struct auth_jwt_claims c;
    char *t = sign_hs256(HS256_HEADER, "{\"id\":\"u\",\"exp\":1700000000.5}");

    (void)state;
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW, &c), AUTH_JWT_OK);
    assert_int_equal(c.exp, NOW + 1);
    assert_int_equal(verify_at(t, NOW + 1), AUTH_JWT_EXPIRED);
    free(t);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1699999999.5}"), AUTH_JWT_EXPIRED);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1.8e9}"), AUTH_JWT_OK);
}

static void test_auth_jwt_verify_nbf_future_rejected(void **state)
{
    (void)state;
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1800000000,\"nbf\":1700000010}"),
                     AUTH_JWT_NOT_YET_VALID);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1800000000,\"nbf\":1700000000}"),
                     AUTH_JWT_OK);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1800000000,\"nbf\":1600000000}"),
                     AUTH_JWT_OK);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"exp\":1800000000,\"nbf\":\"0\"}"),
                     AUTH_JWT_BAD_CLAIMS);
}

static void test_auth_jwt_verify_wrong_secret_rejected(void **state)
{
    struct auth_jwt_claims c;
    char *t = mint_default();

    (void)state;
    assert_int_equal(auth_jwt_verify("other-secret", 12, t, NOW, &c), AUTH_JWT_BAD_SIGNATURE);
    /* A prefix of the right secret is a different key. */
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN - 1, t, NOW, &c), AUTH_JWT_BAD_SIGNATURE);
    free(t);
}

static void test_auth_jwt_verify_alg_none_rejected(void **state)
{
    char *payload = suite_payload(USER_ID, NOW, NOW + 3600);
    char *good = sign_hs256(HS256_HEADER, payload);
    const char *good_sig = strrchr(good, '.') + 1;
    char *t;

    (void)state;
    t = unsigned_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "");
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_WRONG_ALG);
    free(t);
    t = unsigned_token("{\"alg\":\"none\"}", payload, good_sig);
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_WRONG_ALG);
    free(t);
    t = unsigned_token("{\"alg\":\"None\",\"typ\":\"JWT\"}", payload, "");
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_WRONG_ALG);
    free(t);
    /* An HS256 header with the signature stripped. */
    t = unsigned_token(HS256_HEADER, payload, "");
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_BAD_SIGNATURE);
    free(t);
    free(good);
    free(payload);
}

/* Raise our own role: re-encode the payload, keep header and signature. */
static void test_auth_jwt_verify_tampered_payload_rejected(void **state)
{
    char *payload = suite_payload(USER_ID, NOW, NOW + 3600);
    char *good = sign_hs256(HS256_HEADER, payload);
    const char *forged = "{\"id\":\"" USER_ID "\",\"email\":\"test@example.com\","
                         "\"role\":\"admin\",\"iat\":1700000000,\"exp\":1700003600}";
    char *h = b64url(HS256_HEADER, strlen(HS256_HEADER));
    char *p = b64url(forged, strlen(forged));
    char *t = malloc(strlen(h) + strlen(p) + strlen(good) + 3);
    char *dot;

    (void)state;
    assert_non_null(t);
    sprintf(t, "%s.%s%s", h, p, strrchr(good, '.'));
    assert_int_equal(verify_at(good, NOW), AUTH_JWT_OK);
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_BAD_SIGNATURE);
    free(t);

    /* One character of the original payload changed. */
    t = strdup(good);
    assert_non_null(t);
    dot = strchr(t, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    assert_int_not_equal(verify_at(t, NOW), AUTH_JWT_OK);
    free(t);

    free(h);
    free(p);
    free(good);
    free(payload);
}

static void test_auth_jwt_verify_tampered_signature_rejected(void **state)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *t = mint_default();
    size_t n = strlen(t);
    size_t idx;
    char *cut;

    (void)state;
    /* Flip the lowest bit of the last character: for a 32-byte MAC it is a
     * padding bit that a lax decoder would ignore. */
    idx = (size_t)(strchr(alphabet, t[n - 1]) - alphabet);
    t[n - 1] = alphabet[idx ^ 1];
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_BAD_SIGNATURE);
    cut = strdup(t);
    assert_non_null(cut);
    cut[n - 4] = '\0';
    assert_int_equal(verify_at(cut, NOW), AUTH_JWT_BAD_SIGNATURE);
    free(cut);
    free(t);
}

static void test_auth_jwt_verify_garbage_rejected(void **state)
{
    static const char *const bad[] = {
        "",
        "abc",
        "a.b",
        ".b.c",
        "a..c",
        "a.b.c.d",
        "...",
        "eyJhbGciOiJIUzI1NiJ9.e30.sig with space",
        "eyJhbGciOiJIUzI1NiJ9==.e30.c2ln",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
        "aGVsbG8.aGVsbG8.aGVsbG8", /* "hello": not JSON */
        "eyJhbGciOiJIUzI1NiJ9.aGVsbG8.c2ln",
        "W10.e30.c2ln", /* header [] */
        "\xff\xfe.\x01.\x02",
    };
    char *big = malloc(AUTH_JWT_TOKEN_MAX + 100);
    struct auth_jwt_claims c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(verify_at(bad[i], NOW), AUTH_JWT_MALFORMED);

    assert_non_null(big);
    memset(big, 'A', AUTH_JWT_TOKEN_MAX + 99);
    big[10] = '.';
    big[20] = '.';
    big[AUTH_JWT_TOKEN_MAX + 99] = '\0';
    assert_int_equal(verify_at(big, NOW), AUTH_JWT_MALFORMED);
    free(big);

    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, NULL, NOW, &c), AUTH_JWT_INTERNAL);
}

/* A correctly signed token is accepted up to the bound and refused past it. */
static void test_auth_jwt_verify_length_bound(void **state)
{
    char payload[AUTH_JWT_TOKEN_MAX];
    size_t fixed = strlen("{\"id\":\"u\",\"exp\":1800000000,\"pad\":\"\"}");
    int found_max = 0;
    int found_over = 0;

    (void)state;
    for (size_t pad = 5900; pad < 6200 && !(found_max && found_over); pad++) {
        char *t;
        size_t len;

        snprintf(payload, sizeof(payload), "{\"id\":\"u\",\"exp\":1800000000,\"pad\":\"%*s\"}",
                 (int)pad, "");
        assert_int_equal(strlen(payload), fixed + pad);
        t = sign_hs256(HS256_HEADER, payload);
        len = strlen(t);
        if (len == AUTH_JWT_TOKEN_MAX) {
            assert_int_equal(verify_at(t, NOW), AUTH_JWT_OK);
            found_max = 1;
        } else if (len == AUTH_JWT_TOKEN_MAX + 1) {
            assert_int_equal(verify_at(t, NOW), AUTH_JWT_MALFORMED);
            found_over = 1;
        }
        free(t);
    }
    assert_true(found_max);
    assert_true(found_over);
}

/* What the reference test-suite signs itself: HS256 {id,email,role,iat,exp}, no jti. */
static void test_auth_jwt_verify_external_token_accepted(void **state)
{
    struct auth_jwt_claims c;
    char *payload = suite_payload(USER_ID, NOW - 100, NOW - 100 + 3600);
    char *t = sign_hs256(HS256_HEADER, payload);

    (void)state;
    memset(&c, 0x55, sizeof(c));
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW, &c), AUTH_JWT_OK);
    assert_string_equal(c.id, USER_ID);
    assert_string_equal(c.email, "test@example.com");
    assert_string_equal(c.role, "advertiser");
    assert_int_equal(c.iat, NOW - 100);
    assert_int_equal(c.exp, NOW + 3500);
    assert_string_equal(c.jti, "");
    free(t);

    /* No typ header, and an id that is no UUID: the user lookup rejects that later. */
    t = sign_hs256("{\"alg\":\"HS256\"}", "{\"id\":\"test-user-id\",\"exp\":1800000000}");
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW, &c), AUTH_JWT_OK);
    assert_string_equal(c.id, "test-user-id");
    assert_string_equal(c.email, "");
    assert_string_equal(c.role, "");
    assert_int_equal(c.iat, 0);
    free(t);
    free(payload);
}

static void test_auth_jwt_verify_bad_claims_rejected(void **state)
{
    (void)state;
    assert_int_equal(verify_payload("{\"exp\":1800000000}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"\",\"exp\":1800000000}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":42,\"exp\":1800000000}"), AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"0123456789012345678901234567890123456789012345678"
                                    "90123456789abcd\",\"exp\":1800000000}"),
                     AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"email\":7,\"exp\":1800000000}"),
                     AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"role\":null,\"exp\":1800000000}"),
                     AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"jti\":5,\"exp\":1800000000}"),
                     AUTH_JWT_BAD_CLAIMS);
    assert_int_equal(verify_payload("{\"id\":\"u\",\"iat\":\"now\",\"exp\":1800000000}"),
                     AUTH_JWT_BAD_CLAIMS);
    /* jansson refuses \u0000, so an id cannot hide a truncation. */
    assert_int_equal(verify_payload("{\"id\":\"a\\u0000b\",\"exp\":1800000000}"),
                     AUTH_JWT_MALFORMED);
    assert_int_not_equal(verify_payload("[1800000000]"), AUTH_JWT_OK);
}

/* libjwt refuses a typ other than "JWT"; the reference would not, no client sends one. */
static void test_auth_jwt_verify_other_typ_rejected(void **state)
{
    char *t =
        sign_hs256("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", "{\"id\":\"u\",\"exp\":1800000000}");

    (void)state;
    assert_int_equal(verify_at(t, NOW), AUTH_JWT_MALFORMED);
    free(t);
}

static void test_auth_jwt_verify_out_untouched_on_failure(void **state)
{
    struct auth_jwt_claims c;
    struct auth_jwt_claims before;
    char *t = mint_default();

    (void)state;
    memset(&c, 0xab, sizeof(c));
    before = c;
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW + 3600, &c), AUTH_JWT_EXPIRED);
    assert_memory_equal(&c, &before, sizeof(c));
    assert_int_equal(auth_jwt_verify("x", 1, t, NOW, &c), AUTH_JWT_BAD_SIGNATURE);
    assert_memory_equal(&c, &before, sizeof(c));
    free(t);
}

static void test_auth_jwt_verify_bad_args_internal(void **state)
{
    struct auth_jwt_claims c;
    char *t = mint_default();

    (void)state;
    assert_int_equal(auth_jwt_verify(NULL, 4, t, NOW, &c), AUTH_JWT_INTERNAL);
    assert_int_equal(auth_jwt_verify(SECRET, 0, t, NOW, &c), AUTH_JWT_INTERNAL);
    assert_int_equal(auth_jwt_verify(SECRET, SECRET_LEN, t, NOW, NULL), AUTH_JWT_INTERNAL);
    free(t);
}

/* --------------------------------------------------------------- lifetime */

static void test_auth_jwt_parse_lifetime_units(void **state)
{
    int64_t s = 0;

    (void)state;
    assert_int_equal(auth_jwt_parse_lifetime("24h", &s), 0);
    assert_int_equal(s, 86400);
    assert_int_equal(auth_jwt_parse_lifetime("7d", &s), 0);
    assert_int_equal(s, 604800);
    assert_int_equal(auth_jwt_parse_lifetime("1h", &s), 0);
    assert_int_equal(s, 3600);
    assert_int_equal(auth_jwt_parse_lifetime("3600s", &s), 0);
    assert_int_equal(s, 3600);
    assert_int_equal(auth_jwt_parse_lifetime("15m", &s), 0);
    assert_int_equal(s, 900);
    assert_int_equal(auth_jwt_parse_lifetime("2H", &s), 0);
    assert_int_equal(s, 7200);
    assert_int_equal(auth_jwt_parse_lifetime("0010s", &s), 0);
    assert_int_equal(s, 10);
    assert_int_equal(auth_jwt_parse_lifetime("3650d", &s), 0);
    assert_int_equal(s, AUTH_JWT_LIFETIME_MAX);
}

/* Bare digits are seconds here (jsonwebtoken's ms would read milliseconds). */
static void test_auth_jwt_parse_lifetime_bare_seconds(void **state)
{
    int64_t s = 0;

    (void)state;
    assert_int_equal(auth_jwt_parse_lifetime("3600", &s), 0);
    assert_int_equal(s, 3600);
    assert_int_equal(auth_jwt_parse_lifetime("1", &s), 0);
    assert_int_equal(s, 1);
}

static void test_auth_jwt_parse_lifetime_rejects_junk(void **state)
{
    static const char *const bad[] = {
        "",     "h",   "0",   "0h",    "-1h",       "+1h",
        "1.5h", " 1h", "1h ", "1 h",   "1hour",     "1w",
        "1ms",  "1y",  "1hh", "3651d", "315360001", "99999999999999999999999999",
        "0x10",
    };
    int64_t s = 12345;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(auth_jwt_parse_lifetime(bad[i], &s), -1);
    assert_int_equal(auth_jwt_parse_lifetime(NULL, &s), -1);
    assert_int_equal(auth_jwt_parse_lifetime("1h", NULL), -1);
    assert_int_equal(s, 12345);
}

static void test_auth_jwt_result_str_names(void **state)
{
    (void)state;
    assert_string_equal(auth_jwt_result_str(AUTH_JWT_OK), "ok");
    assert_string_equal(auth_jwt_result_str(AUTH_JWT_EXPIRED), "expired");
    assert_string_equal(auth_jwt_result_str(AUTH_JWT_WRONG_ALG), "wrong_alg");
    assert_string_equal(auth_jwt_result_str((enum auth_jwt_result)99), "unknown");
    for (int a = AUTH_JWT_OK; a <= AUTH_JWT_INTERNAL; a++) {
        for (int b = a + 1; b <= AUTH_JWT_INTERNAL; b++)
            assert_string_not_equal(auth_jwt_result_str((enum auth_jwt_result)a),
                                    auth_jwt_result_str((enum auth_jwt_result)b));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_jwt_mint_round_trip),
        cmocka_unit_test(test_auth_jwt_mint_header_and_claim_order),
        cmocka_unit_test(test_auth_jwt_mint_unique_jti),
        cmocka_unit_test(test_auth_jwt_mint_rejects_bad_args),
        cmocka_unit_test(test_auth_jwt_verify_hs512_same_secret_rejected),
        cmocka_unit_test(test_auth_jwt_verify_expired_rejected),
        cmocka_unit_test(test_auth_jwt_verify_missing_exp_rejected),
        cmocka_unit_test(test_auth_jwt_verify_exp_not_number_rejected),
        cmocka_unit_test(test_auth_jwt_verify_exp_fraction),
        cmocka_unit_test(test_auth_jwt_verify_nbf_future_rejected),
        cmocka_unit_test(test_auth_jwt_verify_wrong_secret_rejected),
        cmocka_unit_test(test_auth_jwt_verify_alg_none_rejected),
        cmocka_unit_test(test_auth_jwt_verify_tampered_payload_rejected),
        cmocka_unit_test(test_auth_jwt_verify_tampered_signature_rejected),
        cmocka_unit_test(test_auth_jwt_verify_garbage_rejected),
        cmocka_unit_test(test_auth_jwt_verify_length_bound),
        cmocka_unit_test(test_auth_jwt_verify_external_token_accepted),
        cmocka_unit_test(test_auth_jwt_verify_bad_claims_rejected),
        cmocka_unit_test(test_auth_jwt_verify_other_typ_rejected),
        cmocka_unit_test(test_auth_jwt_verify_out_untouched_on_failure),
        cmocka_unit_test(test_auth_jwt_verify_bad_args_internal),
        cmocka_unit_test(test_auth_jwt_parse_lifetime_units),
        cmocka_unit_test(test_auth_jwt_parse_lifetime_bare_seconds),
        cmocka_unit_test(test_auth_jwt_parse_lifetime_rejects_junk),
        cmocka_unit_test(test_auth_jwt_result_str_names),
    };

    return cmocka_run_group_tests_name("auth_jwt", tests, NULL, NULL);
}
