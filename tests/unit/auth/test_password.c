/*
 * Unit tests for password: our own bcrypt round trips (cost 4, one at the
 * production cost 12), hashes made by other tools ("$2a$" vectors from
 * OpenBSD's and Openwall's bcrypt tests and jBCrypt, "$2y$" from PHP's
 * password_verify documentation, "$2b$" from pyca/bcrypt), the 72-byte cut,
 * the NUL policy, malformed stored hashes, and that a dummy verify for an
 * unknown e-mail costs as long as a real one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth/password.h"

#define FAST_COST 4

static int verify_str(const char *password, const char *hash)
{
    return password_verify(password, strlen(password), hash);
}

/*
 * CPU time of this thread: what bcrypt costs is CPU work, and wall-clock time
 * on a shared CI machine mostly measures the neighbours.
 */
static double cpu_now_s(void)
{
    struct timespec ts;

    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_password_hash_verify_round_trip(void **state)
{
    char hash[PASSWORD_HASH_SIZE];
    const char *pw = "correct horse battery staple";

    (void)state;
    assert_int_equal(password_hash(pw, strlen(pw), FAST_COST, hash), 0);
    assert_int_equal(strlen(hash), 60);
    assert_memory_equal(hash, "$2b$04$", 7);
    assert_int_equal(verify_str(pw, hash), 1);
    /* The length is explicit: no NUL needed after the password. */
    assert_int_equal(password_verify("correct horse battery staple!!", strlen(pw), hash), 1);
    /* Empty and 8-bit passwords are bytes like any other. */
    assert_int_equal(password_hash("", 0, FAST_COST, hash), 0);
    assert_int_equal(verify_str("", hash), 1);
    assert_int_equal(password_hash("p\xc3\xa4ss\xe2\x82\xac", 8, FAST_COST, hash), 0);
    assert_int_equal(verify_str("p\xc3\xa4ss\xe2\x82\xac", hash), 1);
    assert_int_equal(verify_str("pass", hash), 0);
}

static void test_password_verify_wrong_password(void **state)
{
    char hash[PASSWORD_HASH_SIZE];

    (void)state;
    assert_int_equal(password_hash("Password123!", 12, FAST_COST, hash), 0);
    assert_int_equal(verify_str("Password123", hash), 0);
    assert_int_equal(verify_str("password123!", hash), 0);
    assert_int_equal(verify_str("", hash), 0);
    assert_int_equal(verify_str("Password123!x", hash), 0);
}

static void test_password_hash_unique_salt(void **state)
{
    char a[PASSWORD_HASH_SIZE];
    char b[PASSWORD_HASH_SIZE];

    (void)state;
    assert_int_equal(password_hash("same", 4, FAST_COST, a), 0);
    assert_int_equal(password_hash("same", 4, FAST_COST, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(verify_str("same", a), 1);
    assert_int_equal(verify_str("same", b), 1);
}

/* The production cost: the contract stores "$2b$12$". */
static void test_password_hash_cost12_prefix(void **state)
{
    char hash[PASSWORD_HASH_SIZE];

    (void)state;
    assert_int_equal(password_hash("Password123!", 12, PASSWORD_COST_DEFAULT, hash), 0);
    assert_memory_equal(hash, "$2b$12$", 7);
    assert_int_equal(strlen(hash), 60);
}

static void test_password_hash_rejects_bad_cost(void **state)
{
    char hash[PASSWORD_HASH_SIZE] = "untouched";

    (void)state;
    assert_int_equal(password_hash("pw", 2, 3, hash), -1);
    assert_int_equal(password_hash("pw", 2, 32, hash), -1);
    assert_int_equal(password_hash("pw", 2, 0, hash), -1);
    assert_int_equal(password_hash(NULL, 0, FAST_COST, hash), -1);
    assert_string_equal(hash, "untouched");
    assert_int_equal(password_hash("pw", 2, FAST_COST, NULL), -1);
}

/* Openwall crypt_blowfish (wrapper.c) and jBCrypt vectors, "$2a$". */
static void test_password_verify_2a_vectors(void **state)
{
    static const char *const v[][2] = {
        {"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
        {"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"},
        {"U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"},
        {"", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"},
        {"\xa3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"},
        {"", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."},
        {"abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"},
        {"abcdefghijklmnopqrstuvwxyz",
         "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC"},
        {"~!@#$%^&*()      ~!@#$%^&*()PNBFRD",
         "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_int_equal(verify_str(v[i][0], v[i][1]), 1);
        assert_int_equal(verify_str("not it", v[i][1]), 0);
    }
}

/* PHP's password_verify() documentation example, and the "$2y$" \xa3 vector. */
static void test_password_verify_2y_vectors(void **state)
{
    (void)state;
    assert_int_equal(
        verify_str("rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
        1);
    assert_int_equal(
        verify_str("rasmuslerdorF", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
        0);
    assert_int_equal(
        verify_str("\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"), 1);
}

/* pyca/bcrypt test vector. */
static void test_password_verify_2b_vector(void **state)
{
    (void)state;
    assert_int_equal(
        verify_str("Kk4DQuMMfZL9o", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"),
        1);
    assert_int_equal(
        verify_str("Kk4DQuMMfZL9", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"),
        0);
}

/* bcrypt reads 72 bytes; longer passwords (any length at login) are cut, not refused. */
static void test_password_verify_truncates_at_72(void **state)
{
    char pw[200];
    char hash[PASSWORD_HASH_SIZE];
    size_t big_len = 1024 * 1024;
    char *big = malloc(big_len);

    (void)state;
    /* Openwall's vector: "chars after 72 are ignored" is past byte 72. */
    assert_int_equal(verify_str("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789chars after 72 are ignored",
                                "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"),
                     1);
    memset(pw, 'a', sizeof(pw));
    assert_int_equal(password_hash(pw, 128, FAST_COST, hash), 0);
    assert_int_equal(password_verify(pw, 72, hash), 1);
    assert_int_equal(password_verify(pw, 200, hash), 1);
    assert_int_equal(password_verify(pw, 71, hash), 0);
    assert_non_null(big);
    memset(big, 'a', big_len);
    assert_int_equal(password_verify(big, big_len, hash), 1);
    free(big);
}

/* "a\0b" would hash as "a": refused when hashing, never a match when verifying. */
static void test_password_nul_byte_refused(void **state)
{
    char hash[PASSWORD_HASH_SIZE];
    char untouched[PASSWORD_HASH_SIZE] = "untouched";

    (void)state;
    assert_int_equal(password_hash("ab\0cd", 5, FAST_COST, untouched), -1);
    assert_string_equal(untouched, "untouched");
    assert_int_equal(password_hash("ab", 2, FAST_COST, hash), 0);
    assert_int_equal(password_verify("ab\0cd", 5, hash), 0);
    assert_int_equal(password_verify("ab\0", 3, hash), 0);
    assert_int_equal(password_verify("ab", 2, hash), 1);
}

static void test_password_verify_malformed_hash(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "*0",
        "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", /* buggy-8-bit variant */
        "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.",
        "$2b$03$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", /* cost 3 */
        "$2b$32$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", /* cost 32 */
        "$2b$1a$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE",   /* short */
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEmm", /* long */
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE!",
        "$2b$04 cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2B$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(verify_str("Kk4DQuMMfZL9o", bad[i]), -1);
    assert_int_equal(password_verify("x", 1, NULL), -1);
    assert_int_equal(
        password_verify(NULL, 0, "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"),
        -1);
}

static void test_password_dummy_init_bad_cost(void **state)
{
    struct password_dummy d;

    (void)state;
    memset(&d, 0, sizeof(d));
    assert_int_equal(password_dummy_init(&d, 3), -1);
    assert_int_equal(d.hash[0], '\0');
    assert_int_equal(password_dummy_init(NULL, FAST_COST), -1);
    assert_int_equal(password_dummy_init(&d, FAST_COST), 0);
    assert_memory_equal(d.hash, "$2b$04$", 7);
}

/*
 * An unknown e-mail (dummy) must cost what a wrong password costs: at cost 10
 * the two must be within 30%. Minimum of five runs each, interleaved, so that
 * one disturbed run does not decide the outcome.
 */
static void test_password_verify_dummy_timing(void **state)
{
    struct password_dummy dummy;
    char real[PASSWORD_HASH_SIZE];
    const char *guess = "wrong password";
    double best_real = 1e9;
    double best_dummy = 1e9;
    double ratio;

    (void)state;
    assert_int_equal(password_dummy_init(&dummy, 10), 0);
    assert_int_equal(password_hash("the real password", 17, 10, real), 0);
    for (int i = 0; i < 5; i++) {
        double t0 = cpu_now_s();
        double t1;
        double t2;

        assert_int_equal(password_verify(guess, strlen(guess), real), 0);
        t1 = cpu_now_s();
        password_verify_dummy(&dummy, guess, strlen(guess));
        t2 = cpu_now_s();
        if (t1 - t0 < best_real)
            best_real = t1 - t0;
        if (t2 - t1 < best_dummy)
            best_dummy = t2 - t1;
    }
    /* Cost 10 is 1024 rounds of key expansion: well above a millisecond. */
    assert_true(best_real > 0.001);
    assert_true(best_dummy > 0.001);
    ratio = best_real > best_dummy ? best_real / best_dummy : best_dummy / best_real;
    print_message("cpu: real %.1f ms, dummy %.1f ms, ratio %.3f\n", best_real * 1e3,
                  best_dummy * 1e3, ratio);
    assert_true(ratio < 1.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verify_round_trip),
        cmocka_unit_test(test_password_verify_wrong_password),
        cmocka_unit_test(test_password_hash_unique_salt),
        cmocka_unit_test(test_password_hash_cost12_prefix),
        cmocka_unit_test(test_password_hash_rejects_bad_cost),
        cmocka_unit_test(test_password_verify_2a_vectors),
        cmocka_unit_test(test_password_verify_2y_vectors),
        cmocka_unit_test(test_password_verify_2b_vector),
        cmocka_unit_test(test_password_verify_truncates_at_72),
        cmocka_unit_test(test_password_nul_byte_refused),
        cmocka_unit_test(test_password_verify_malformed_hash),
        cmocka_unit_test(test_password_dummy_init_bad_cost),
        cmocka_unit_test(test_password_verify_dummy_timing),
    };

    return cmocka_run_group_tests_name("password", tests, NULL, NULL);
}
