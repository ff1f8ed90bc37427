/*
 * password: see password.h.
 *
 * libxcrypt does the bcrypt work; this file adds what the contract needs
 * around it: the 72-byte cut and NUL policy applied the same way on every
 * path, a strict check of stored hashes (only the three bcrypt prefixes, so a
 * DES or MD5 string in the table cannot turn into a weak check), a
 * constant-time comparison, and wiping of the password copy.
 *
 * crypt_rn() is used rather than crypt_r() because it reports failure with
 * NULL instead of a "*0" failure token that a careless comparison could match.
 * The phrase and setting are staged in the crypt_data's own input and setting
 * fields, as crypt(3) recommends, so that one explicit_bzero() clears every
 * copy of the password.
 */
#include "auth/password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#ifndef CRYPT_GENSALT_IMPLEMENTS_AUTO_ENTROPY
#error "libxcrypt must fetch salt bytes itself (crypt_gensalt_rn with rbytes == NULL)"
#endif

/* "$2b$12$" + 22 salt + 31 hash characters. */
#define BCRYPT_HASH_LEN 60

_Static_assert(sizeof(((struct crypt_data *)NULL)->input) > PASSWORD_MAX_BYTES,
               "crypt_data.input holds a cut password and its NUL");
_Static_assert(sizeof(((struct crypt_data *)NULL)->setting) > BCRYPT_HASH_LEN,
               "crypt_data.setting holds a stored hash and its NUL");
_Static_assert(sizeof(((struct crypt_data *)NULL)->setting) >= CRYPT_GENSALT_OUTPUT_SIZE,
               "crypt_gensalt_rn needs CRYPT_GENSALT_OUTPUT_SIZE bytes");
_Static_assert(PASSWORD_HASH_SIZE > BCRYPT_HASH_LEN, "out holds a bcrypt hash and its NUL");

/* Never matched against any user: the dummy hash only has to cost the same. */
static const char dummy_password[] = "adserverd-dummy-password";

static int is_bcrypt64(unsigned char c)
{
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

/* "$2a$", "$2b$" or "$2y$", a two-digit cost in range, "$", 53 base64 characters. */
static int bcrypt_hash_ok(const char *h)
{
    unsigned cost;
    int ok = 0;

    if (strnlen(h, BCRYPT_HASH_LEN + 1) != BCRYPT_HASH_LEN)
        goto cleanup;
    if (h[0] != '$' || h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$')
        goto cleanup;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
        goto cleanup;
    cost = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
    if (cost < PASSWORD_COST_MIN || cost > PASSWORD_COST_MAX)
        goto cleanup;
    for (size_t i = 7; i < BCRYPT_HASH_LEN; i++) {
        if (!is_bcrypt64((unsigned char)h[i]))
            goto cleanup;
    }
    ok = 1;
cleanup:
    return ok;
}

/* Compare n bytes without an early exit; volatile keeps the compiler from adding one. */
static int equal_ct(const char *a, const char *b, size_t n)
{
    volatile unsigned char diff = 0;

    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* Stage the at most 72 bytes bcrypt reads, NUL-terminated, in data->input. */
static void load_phrase(struct crypt_data *data, const char *password, size_t len)
{
    size_t n = len < PASSWORD_MAX_BYTES ? len : PASSWORD_MAX_BYTES;

    memcpy(data->input, password, n);
    data->input[n] = '\0';
}

/* crypt_rn() wants the object zeroed before first use; calloc does that. */
static struct crypt_data *crypt_data_new(void)
{
    return xcalloc(1, sizeof(struct crypt_data));
}

/* Wipe the password copy, the setting and the result, then free. Takes NULL. */
static void crypt_data_free(struct crypt_data *data)
{
    if (data != NULL) {
        explicit_bzero(data, sizeof(*data));
        free(data);
    }
}

int password_hash(const char *password, size_t len, unsigned cost, char out[PASSWORD_HASH_SIZE])
{
    struct crypt_data *data = NULL;
    const char *hash;
    int ret = -1;

    if (password == NULL || out == NULL || cost < PASSWORD_COST_MIN || cost > PASSWORD_COST_MAX)
        goto cleanup;
    if (memchr(password, '\0', len) != NULL)
        goto cleanup;
    data = crypt_data_new();
    /* rbytes NULL: libxcrypt reads the 16 salt bytes from getrandom/getentropy. */
    if (crypt_gensalt_rn("$2b$", cost, NULL, 0, data->setting, (int)sizeof(data->setting)) == NULL)
        goto cleanup;
    load_phrase(data, password, len);
    hash = crypt_rn(data->input, data->setting, data, (int)sizeof(*data));
    if (hash == NULL || !bcrypt_hash_ok(hash))
        goto cleanup;
    memcpy(out, hash, BCRYPT_HASH_LEN + 1);
    ret = 0;
cleanup:
    crypt_data_free(data);
    return ret;
}

int password_verify(const char *password, size_t len, const char *stored_hash)
{
    struct crypt_data *data = NULL;
    const char *hash;
    int ret = -1;

    if (password == NULL || stored_hash == NULL || !bcrypt_hash_ok(stored_hash))
        goto cleanup;
    if (memchr(password, '\0', len) != NULL) {
        ret = 0;
        goto cleanup;
    }
    data = crypt_data_new();
    memcpy(data->setting, stored_hash, BCRYPT_HASH_LEN + 1);
    load_phrase(data, password, len);
    hash = crypt_rn(data->input, data->setting, data, (int)sizeof(*data));
    if (hash == NULL)
        goto cleanup;
    ret = strnlen(hash, BCRYPT_HASH_LEN + 1) == BCRYPT_HASH_LEN &&
          equal_ct(hash, stored_hash, BCRYPT_HASH_LEN);
cleanup:
    crypt_data_free(data);
    return ret;
}

int password_dummy_init(struct password_dummy *dummy, unsigned cost)
{
    int ret = -1;

    if (dummy == NULL)
        goto cleanup;
    ret = password_hash(dummy_password, sizeof(dummy_password) - 1, cost, dummy->hash);
cleanup:
    return ret;
}

void password_verify_dummy(const struct password_dummy *dummy, const char *password, size_t len)
{
    if (dummy != NULL)
        (void)password_verify(password, len, dummy->hash);
}
