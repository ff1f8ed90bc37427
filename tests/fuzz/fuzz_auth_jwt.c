/*
 * Fuzz target for auth_jwt_verify (and auth_jwt_parse_lifetime).
 *
 * Bearer tokens are the first untrusted input every protected request hands
 * us. Random tokens almost never carry a valid signature, so on their own they
 * would never reach the claim checks; the first input byte therefore picks
 * what the rest is:
 *   0 (and anything not below): a token string, verified as is;
 *   1: a JWT payload, signed here with the secret (HS256), so that the exp,
 *      nbf, iat and string-claim code sees arbitrary JSON;
 *   2: a lifetime string for auth_jwt_parse_lifetime().
 * Beyond the sanitizers it checks the contract of each function: a result in
 * range, claims NUL-terminated and exp after now on OK, a self-signed token
 * never reported as a bad signature or foreign alg, lifetimes in range.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined ... -ljwt -lcrypto
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/auth_jwt.h"

#define SECRET "fuzz-secret"
#define SECRET_LEN (sizeof(SECRET) - 1)
#define NOW ((int64_t)1700000000)
/* base64url of {"alg":"HS256","typ":"JWT"} */
#define HS256_HEADER_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static char *cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    check(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Unpadded base64url of n bytes at data appended at out; returns its length. */
static size_t b64url_put(char *out, const void *data, size_t n)
{
    int len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);

    check(len >= 0);
    while (len > 0 && out[len - 1] == '=')
        len--;
    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    out[len] = '\0';
    return (size_t)len;
}

static void check_claims(const struct auth_jwt_claims *c)
{
    check(memchr(c->id, '\0', sizeof(c->id)) != NULL && c->id[0] != '\0');
    check(memchr(c->email, '\0', sizeof(c->email)) != NULL);
    check(memchr(c->role, '\0', sizeof(c->role)) != NULL);
    check(memchr(c->jti, '\0', sizeof(c->jti)) != NULL);
    check(c->exp > NOW);
}

static enum auth_jwt_result verify(const char *token)
{
    struct auth_jwt_claims c;
    enum auth_jwt_result r = auth_jwt_verify(SECRET, SECRET_LEN, token, NOW, &c);

    check(r >= AUTH_JWT_OK && r <= AUTH_JWT_INTERNAL);
    check(r != AUTH_JWT_INTERNAL); /* arguments are valid; no OOM under the fuzzer */
    if (r == AUTH_JWT_OK)
        check_claims(&c);
    return r;
}

static void fuzz_token(const uint8_t *data, size_t size)
{
    char *token = cstr(data, size);

    verify(token);
    free(token);
}

static void fuzz_payload(const uint8_t *data, size_t size)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t hlen = strlen(HS256_HEADER_B64);
    char *token;
    size_t n;
    enum auth_jwt_result r;

    if (size > AUTH_JWT_TOKEN_MAX)
        return;
    token = malloc(hlen + 1 + 4 * (size / 3 + 1) + 1 + 4 * (EVP_MAX_MD_SIZE / 3 + 1) + 1);
    check(token != NULL);
    memcpy(token, HS256_HEADER_B64 ".", hlen + 1);
    n = hlen + 1;
    n += b64url_put(token + n, data, size);
    check(HMAC(EVP_sha256(), SECRET, (int)SECRET_LEN, (unsigned char *)token, n, mac, &mac_len) !=
          NULL);
    token[n++] = '.';
    n += b64url_put(token + n, mac, mac_len);
    r = verify(token);
    /* Correctly signed HS256: only the payload (or the length) can be wrong. */
    check(r != AUTH_JWT_BAD_SIGNATURE && r != AUTH_JWT_WRONG_ALG);
    if (n > AUTH_JWT_TOKEN_MAX)
        check(r == AUTH_JWT_MALFORMED);
    free(token);
}

static void fuzz_lifetime(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size);
    int64_t seconds = -1;

    if (auth_jwt_parse_lifetime(s, &seconds) == 0)
        check(seconds >= 1 && seconds <= AUTH_JWT_LIFETIME_MAX);
    else
        check(seconds == -1);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0]) {
    case 1:
        fuzz_payload(data + 1, size - 1);
        break;
    case 2:
        fuzz_lifetime(data + 1, size - 1);
        break;
    default:
        fuzz_token(data + 1, size - 1);
        break;
    }
    return 0;
}
