/*
 * password: bcrypt hashing and verification of user passwords (libxcrypt).
 *
 * users.password_hash holds bcrypt hashes: we write "$2b$" at cost 12 and
 * must accept "$2a$", "$2b$" and "$2y$" at any cost, because tests and other
 * tools insert users with hashes of their own (docs/admin-api.md).
 *
 * bcrypt uses only the first 72 bytes of a password; longer ones are cut to 72
 * bytes here before hashing and verifying, as bcrypt itself (and the Node
 * reference) would, so a 128-character password from register and a login
 * password of any length behave as there. Passwords are byte strings with an
 * explicit length; one that contains a NUL byte (JSON "\u0000") is refused:
 * crypt() would stop at the NUL, so "a\0b" and "a" would share a hash.
 * password_hash() fails on it and password_verify() reports a mismatch, so a
 * handler should reject such a password before it hashes one.
 *
 * A verify at cost 12 takes about a quarter of a second of CPU: call these
 * from worker threads, never from an event loop. Each call allocates its own
 * 32 KiB struct crypt_data on the heap (too big for a worker's stack) and wipes
 * it, with the copy of the password, before freeing it. No globals, no
 * logging; thread-safe.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_SIZE 128   /* room for a hash and its NUL; bcrypt uses 61 */
#define PASSWORD_COST_DEFAULT 12 /* what the reference stores */
#define PASSWORD_COST_MIN 4      /* bcrypt's range; tests use 4 to stay fast */
#define PASSWORD_COST_MAX 31
#define PASSWORD_MAX_BYTES 72 /* bcrypt ignores bytes past this */

/*
 * A valid hash of a throw-away password, made once at start-up, so that a
 * login for an unknown e-mail costs as much CPU as a wrong password.
 * The caller owns it (embed it in the server context); it holds no secret
 * and nothing to free.
 */
struct password_dummy {
    char hash[PASSWORD_HASH_SIZE];
};

/*
 * Hash password[0..len) (need not be NUL-terminated; bytes past 72 ignored)
 * with bcrypt "$2b$" at cost (PASSWORD_COST_MIN..MAX) and a fresh random salt
 * that libxcrypt reads from the kernel. On success returns 0 and writes the
 * NUL-terminated hash (60 characters) to out; returns -1, out untouched, on a
 * NULL argument, a NUL byte in the password, a cost out of range or a
 * libxcrypt failure.
 */
int password_hash(const char *password, size_t len, unsigned cost, char out[PASSWORD_HASH_SIZE]);

/*
 * Check password[0..len) against stored_hash (NUL-terminated, read only).
 * Returns 1 on a match, 0 on a mismatch (also when the password contains a NUL
 * byte: no stored hash can be of such a password), -1 when an argument is NULL,
 * stored_hash is not a "$2a$", "$2b$" or "$2y$" bcrypt hash with cost 04..31,
 * or libxcrypt fails. Hashes are compared in constant time.
 */
int password_verify(const char *password, size_t len, const char *stored_hash);

/*
 * Fill *dummy with a hash at cost, which should be the cost new hashes use
 * (PASSWORD_COST_DEFAULT in production). Returns 0, or -1 (dummy untouched)
 * as password_hash() does. Call once at start-up and fail start-up on -1: an
 * unset dummy would make unknown e-mails answer fast.
 */
int password_dummy_init(struct password_dummy *dummy, unsigned cost);

/*
 * Spend the time of a failed password_verify() against dummy's hash, for a
 * login whose e-mail matched no user; the result is thrown away. Takes the
 * same password as the real check would, so that every early exit (such as a
 * NUL byte) is taken on both paths alike.
 */
void password_verify_dummy(const struct password_dummy *dummy, const char *password, size_t len);

#endif
