/*
 * Unit tests for adserverd/email: the address rule of docs/admin-api.md
 * against Debian's public suffix list, and the list loader against small
 * lists written to temporary files. Expected verdicts were checked against
 * Joi 17.13 (@sideway/address 4.1.5) on Node 20.
 * Tests that need the installed list are skipped, not passed, without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/email.h"

/* ---- Fixtures ---- */

static int group_setup(void **state)
{
    char err[256];

    /* NULL when the package is absent; the tests that need it skip. */
    *state = email_tlds_load(EMAIL_TLDS_DEFAULT_PATH, err, sizeof(err));
    return 0;
}

static int group_teardown(void **state)
{
    email_tlds_free(*state);
    return 0;
}

static const struct email_tlds *tlds(void **state)
{
    if (*state == NULL)
        skip();
    return *state;
}

static int valid(void **state, const char *s)
{
    return email_valid(tlds(state), s, strlen(s));
}

/* Write text to a new temporary file; returns its malloc'd path. */
static char *write_temp(const char *text)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    FILE *f;
    int fd;

    assert_non_null(path);
    assert_true(snprintf(path, 4096, "%s/test_email_XXXXXX", dir ? dir : "/tmp") < 4096);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Load text as a list; returns the set or NULL with err filled. */
static struct email_tlds *load_text(const char *text, char *err, size_t errlen)
{
    char *path = write_temp(text);
    struct email_tlds *t = email_tlds_load(path, err, errlen);

    assert_int_equal(unlink(path), 0);
    free(path);
    return t;
}

#define ICANN(rules)                                                                               \
    "// header\n// ===BEGIN ICANN DOMAINS===\n" rules "// ===END ICANN DOMAINS===\n"               \
    "// ===BEGIN PRIVATE DOMAINS===\nprivate\nblogspot.com\n// ===END PRIVATE DOMAINS===\n"

/* ---- The contract's examples ---- */

static void test_email_valid_contract_examples(void **state)
{
    assert_int_equal(valid(state, "a@b.co"), 1);
    assert_int_equal(valid(state, "a@b.museum"), 1);
    assert_int_equal(valid(state, "user.name+tag@example.com"), 1);
    assert_int_equal(valid(state, "test@example.com"), 1);

    assert_int_equal(valid(state, "a@b"), 0);
    assert_int_equal(valid(state, "a@b.c"), 0);
    assert_int_equal(valid(state, "a@b.zz"), 0);
    assert_int_equal(valid(state, "a@localhost"), 0);
    assert_int_equal(valid(state, "a b@c.com"), 0);
    assert_int_equal(valid(state, " a@b.com"), 0);
    assert_int_equal(valid(state, "a@b.com "), 0);
    assert_int_equal(valid(state, " a@b.com "), 0);
    assert_int_equal(valid(state, "x'; DROP TABLE users; --@example.com"), 0);
}

static void test_email_valid_local_part(void **state)
{
    assert_int_equal(valid(state, "!#$%&'*+/=?^_`{|}~-@b.com"), 1);
    assert_int_equal(valid(state, "a.b.c@b.com"), 1);
    assert_int_equal(valid(state, "ü@b.com"), 1);
    assert_int_equal(valid(state, "😀@b.com"), 1);
    assert_int_equal(valid(state, "x'y@b.com"), 1);

    assert_int_equal(valid(state, ".a@b.com"), 0);
    assert_int_equal(valid(state, "a.@b.com"), 0);
    assert_int_equal(valid(state, "a..b@b.com"), 0);
    assert_int_equal(valid(state, "@b.com"), 0);
    assert_int_equal(valid(state, "\"a\"@b.com"), 0);
    assert_int_equal(valid(state, "a(b)@c.com"), 0);
    assert_int_equal(valid(state, "a,b@c.com"), 0);
    assert_int_equal(valid(state, "a;b@c.com"), 0);
    assert_int_equal(valid(state, "a:b@c.com"), 0);
    assert_int_equal(valid(state, "a<b@c.com"), 0);
    assert_int_equal(valid(state, "a[b]@c.com"), 0);
    assert_int_equal(valid(state, "a\\b@c.com"), 0);
    assert_int_equal(valid(state, "a\tb@c.com"), 0);
    assert_int_equal(valid(state, "a\302\240b@c.com"), 1); /* non-ASCII is atext */
}

static void test_email_valid_at_signs(void **state)
{
    assert_int_equal(valid(state, "a@@b.com"), 0);
    assert_int_equal(valid(state, "a@b@c.com"), 0);
    assert_int_equal(valid(state, "ab.com"), 0);
    assert_int_equal(valid(state, "a@"), 0);
    assert_int_equal(valid(state, ""), 0);
}

static void test_email_valid_domain_labels(void **state)
{
    assert_int_equal(valid(state, "a@1.com"), 1);
    assert_int_equal(valid(state, "a@b-c.com"), 1);
    assert_int_equal(valid(state, "a@b--c.com"), 1);
    assert_int_equal(valid(state, "a@x.y.z.example.com"), 1);
    assert_int_equal(valid(state, "a@xn--zz.com"), 1); /* Joi falls back to the raw label */

    assert_int_equal(valid(state, "a@-b.com"), 0);
    assert_int_equal(valid(state, "a@b-.com"), 0);
    assert_int_equal(valid(state, "a@b..com"), 0);
    assert_int_equal(valid(state, "a@.b.com"), 0);
    assert_int_equal(valid(state, "a@b.com."), 0);
    assert_int_equal(valid(state, "a@b_c.com"), 0);
    assert_int_equal(valid(state, "a@b%c.com"), 0);
    assert_int_equal(valid(state, "a@b:c.com"), 0);
    assert_int_equal(valid(state, "a@b/c.com"), 0);
    assert_int_equal(valid(state, "a@[1.2.3.4]"), 0);
    assert_int_equal(valid(state, "a@1.2.3.4"), 0);
}

static void test_email_valid_tld_rules(void **state)
{
    assert_int_equal(valid(state, "A@B.COM"), 1);
    assert_int_equal(valid(state, "a@b.Com"), 1);
    assert_int_equal(valid(state, "a@b.travel"), 1);
    /* Only wildcard rules in the list, still IANA TLDs. */
    assert_int_equal(valid(state, "a@b.ck"), 1);
    assert_int_equal(valid(state, "a@b.bd"), 1);

    assert_int_equal(valid(state, "a@b.c0m"), 0);
    assert_int_equal(valid(state, "a@b.co1"), 0);
    assert_int_equal(valid(state, "a@b.1co"), 0);
    assert_int_equal(valid(state, "a@b.-com"), 0);
    assert_int_equal(valid(state, "a@b.com-"), 0);
    assert_int_equal(valid(state, "a@b.123"), 0);
    assert_int_equal(valid(state, "a@b.local"), 0);
    /* PRIVATE section entries are not TLDs. */
    assert_int_equal(valid(state, "a@b.blogspot"), 0);
}

static void test_email_valid_idn(void **state)
{
    assert_int_equal(valid(state, "a@bücher.de"), 1);
    assert_int_equal(valid(state, "a@Bücher.de"), 1);
    assert_int_equal(valid(state, "a@b.рф"), 1);
    assert_int_equal(valid(state, "a@b.РФ"), 1);
    assert_int_equal(valid(state, "a@b.xn--p1ai"), 1);
    assert_int_equal(valid(state, "a@b.XN--P1AI"), 1);
    assert_int_equal(valid(state, "a@b.中国"), 1);
    assert_int_equal(valid(state, "a@b.みんな"), 1);
    assert_int_equal(valid(state, "a@b.ελ"), 1);
    assert_int_equal(valid(state, "a@b.ΕΛ"), 1);
    assert_int_equal(valid(state, "a@пример.қаз"), 1);
    assert_int_equal(valid(state, "a@пример.ҚАЗ"), 1);
    /* IDNA allows a leading hyphen once the label is punycode. */
    assert_int_equal(valid(state, "a@-ü.com"), 1);
    /* UTS #46 mappings: ideographic full stop, full-width letters, ignored soft hyphen. */
    assert_int_equal(valid(state, "a@b\343\200\202com"), 1);
    assert_int_equal(valid(state, "a@ｂ.ｃｏｍ"), 1);
    assert_int_equal(valid(state, "a@b.com\xc2\xad"), 1);

    assert_int_equal(valid(state, "a@_ü.com"), 0);
    assert_int_equal(valid(state, "a@b\302\240c.com"), 0);     /* NBSP */
    assert_int_equal(valid(state, "a@b\343\200\200c.com"), 0); /* ideographic space */
    assert_int_equal(valid(state, "a@b.\314\201com"), 0);      /* leading combining mark */
    assert_int_equal(valid(state, "a@b.😀"), 0);
}

static void test_email_valid_lengths(void **state)
{
    char s[600];
    char units[600];

    /* Local part: 64 bytes at most, counted in UTF-8. */
    memset(s, 'a', 64);
    strcpy(s + 64, "@b.com");
    assert_int_equal(valid(state, s), 1);
    memset(s, 'a', 65);
    strcpy(s + 65, "@b.com");
    assert_int_equal(valid(state, s), 0);
    s[0] = '\0';
    for (int i = 0; i < 32; i++)
        strcat(s, "ü"); /* 64 bytes */
    strcat(s, "@b.com");
    assert_int_equal(valid(state, s), 1);
    memmove(s + 1, s, strlen(s) + 1);
    s[0] = 'a';
    assert_int_equal(valid(state, s), 0);

    /* Labels: 63 characters at most. */
    strcpy(s, "a@");
    memset(s + 2, 'b', 63);
    strcpy(s + 65, ".com");
    assert_int_equal(valid(state, s), 1);
    strcpy(s, "a@");
    memset(s + 2, 'b', 64);
    strcpy(s + 66, ".com");
    assert_int_equal(valid(state, s), 0);

    /* Whole address: 254 at most. 2 + 4 * 61 + 8 = 254. */
    strcpy(s, "a@");
    for (int i = 0; i < 4; i++) {
        size_t end = strlen(s);
        memset(s + end, 'b', 60);
        strcpy(s + end + 60, ".");
    }
    strcat(s, "abcd.com");
    assert_int_equal(strlen(s), 254);
    assert_int_equal(valid(state, s), 1);
    memmove(s + 1, s, strlen(s) + 1);
    s[0] = 'a';
    assert_int_equal(valid(state, s), 0);

    /* The 254 are UTF-16 units: an emoji counts 2, "ü" 1. at is "@" and a
     * 252-character domain, so local part + at may have 1 unit. */
    const char *at = s + 2;
    strcpy(units, "😀@");
    strcat(units, at + 2); /* 2 + 1 + 251 = 254 units */
    assert_int_equal(valid(state, units), 1);
    strcpy(units, "😀");
    strcat(units, at); /* 255 */
    assert_int_equal(valid(state, units), 0);
    strcpy(units, "ü");
    strcat(units, at); /* 254 units in 255 bytes */
    assert_int_equal(valid(state, units), 1);
    strcpy(units, "üü");
    strcat(units, at); /* 255 */
    assert_int_equal(valid(state, units), 0);
}

/* Label limits apply to the punycode form (Joi measures after the URL parser). */
static void test_email_valid_idn_label_length(void **state)
{
    char s[400];

    strcpy(s, "a@");
    for (int i = 0; i < 57; i++)
        strcat(s, "ä"); /* "xn--" and 59 more: 63 */
    strcat(s, ".com");
    assert_int_equal(valid(state, s), 1);
    strcpy(s, "a@");
    for (int i = 0; i < 58; i++)
        strcat(s, "ä"); /* 64 */
    strcat(s, ".com");
    assert_int_equal(valid(state, s), 0);
}

static void test_email_valid_bad_bytes(void **state)
{
    const char nul[] = "a\0b@c.com";
    const char nul_domain[] = "a@b\0.com";

    assert_int_equal(email_valid(tlds(state), nul, sizeof(nul) - 1), 0);
    assert_int_equal(email_valid(tlds(state), nul_domain, sizeof(nul_domain) - 1), 0);
    assert_int_equal(valid(state, "a\xff@b.com"), 0);         /* not UTF-8 */
    assert_int_equal(valid(state, "a\xc3@b.com"), 0);         /* truncated */
    assert_int_equal(valid(state, "a\xc0\xaf@b.com"), 0);     /* overlong */
    assert_int_equal(valid(state, "a\xed\xa0\x80@b.com"), 0); /* surrogate */
    assert_int_equal(valid(state, "a\xf4\x90\x80\x80@b.com"), 0);
    assert_int_equal(valid(state, "a@b\xc3.com"), 0);
    assert_int_equal(valid(state, "a@b.com\xc3"), 0);
}

static void test_email_valid_uses_len_not_nul(void **state)
{
    const char *s = "a@b.comX";

    assert_int_equal(email_valid(tlds(state), s, 7), 1);
    assert_int_equal(email_valid(tlds(state), s, 8), 0);
    assert_int_equal(email_valid(tlds(state), s, 0), 0);
}

/* ---- The TLD set ---- */

static void test_email_tlds_load_debian_list(void **state)
{
    const struct email_tlds *t = tlds(state);

    /* 1,490 in publicsuffix 20230209; IANA lists about 1,450. */
    assert_true(email_tlds_count(t) > 1000);
    assert_int_equal(email_tld_known(t, "com", 3), 1);
    assert_int_equal(email_tld_known(t, "COM", 3), 1);
    assert_int_equal(email_tld_known(t, "museum", 6), 1);
    assert_int_equal(email_tld_known(t, "рф", strlen("рф")), 1);
    assert_int_equal(email_tld_known(t, "xn--p1ai", 8), 1);
    assert_int_equal(email_tld_known(t, "中国", strlen("中国")), 1);
    assert_int_equal(email_tld_known(t, "xn--fiqs8s", 10), 1);
    assert_int_equal(email_tld_known(t, "みんな", strlen("みんな")), 1);
    assert_int_equal(email_tld_known(t, "xn--q9jyb4c", 11), 1);
    assert_int_equal(email_tld_known(t, "zz", 2), 0);
    assert_int_equal(email_tld_known(t, "co.uk", 5), 0);
    assert_int_equal(email_tld_known(t, "", 0), 0);
}

static void test_email_tlds_load_rightmost_labels(void **state)
{
    char err[256] = "";
    struct email_tlds *t;

    (void)state;
    t = load_text(ICANN("// comment\n\ncom\nco.uk\n*.ck\n!www.ck\n"
                        "ORG trailing words\nрф\r\ncom\n"),
                  err, sizeof(err));
    assert_non_null(t);
    /* com, uk, ck, org, xn--p1ai: duplicates merged, private section ignored. */
    assert_int_equal(email_tlds_count(t), 5);
    assert_int_equal(email_tld_known(t, "uk", 2), 1);
    assert_int_equal(email_tld_known(t, "ck", 2), 1);
    assert_int_equal(email_tld_known(t, "org", 3), 1);
    assert_int_equal(email_tld_known(t, "xn--p1ai", 8), 1);
    assert_int_equal(email_tld_known(t, "private", 7), 0);
    assert_int_equal(email_tld_known(t, "header", 6), 0);
    assert_int_equal(email_valid(t, "a@b.ck", 6), 1);
    assert_int_equal(email_valid(t, "a@b.net", 7), 0);
    email_tlds_free(t);
}

static void test_email_tlds_load_errors(void **state)
{
    char err[256];
    char longline[2000];

    (void)state;
    err[0] = '\0';
    assert_null(email_tlds_load("/nonexistent/public_suffix_list.dat", err, sizeof(err)));
    assert_non_null(strstr(err, "cannot open"));

    err[0] = '\0';
    assert_null(load_text("com\nnet\n", err, sizeof(err)));
    assert_non_null(strstr(err, "no ICANN section"));

    err[0] = '\0';
    assert_null(load_text("// ===BEGIN ICANN DOMAINS===\ncom\n", err, sizeof(err)));
    assert_non_null(strstr(err, "not terminated"));

    err[0] = '\0';
    assert_null(load_text(ICANN(""), err, sizeof(err)));
    assert_non_null(strstr(err, "empty"));

    err[0] = '\0';
    assert_null(load_text(ICANN("com\nfoo.*\n"), err, sizeof(err)));
    assert_non_null(strstr(err, ":4: rule is not a domain name"));

    err[0] = '\0';
    assert_null(load_text(ICANN("b\xff\n"), err, sizeof(err)));
    assert_non_null(strstr(err, "rule is not a domain name"));

    memset(longline, 'a', sizeof(longline) - 2);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    err[0] = '\0';
    assert_null(load_text(longline, err, sizeof(err)));
    assert_non_null(strstr(err, "line too long"));

    /* No error buffer is fine, and a tiny one is truncated, not overrun. */
    assert_null(email_tlds_load("/nonexistent", NULL, 0));
    err[0] = 'x';
    err[1] = 'x';
    assert_null(email_tlds_load("/nonexistent", err, 1));
    assert_int_equal(err[0], '\0');
    assert_int_equal(err[1], 'x');
}

static void test_email_tlds_free_null(void **state)
{
    (void)state;
    email_tlds_free(NULL);
    assert_true(1); /* reached without crashing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email_valid_contract_examples),
        cmocka_unit_test(test_email_valid_local_part),
        cmocka_unit_test(test_email_valid_at_signs),
        cmocka_unit_test(test_email_valid_domain_labels),
        cmocka_unit_test(test_email_valid_tld_rules),
        cmocka_unit_test(test_email_valid_idn),
        cmocka_unit_test(test_email_valid_lengths),
        cmocka_unit_test(test_email_valid_idn_label_length),
        cmocka_unit_test(test_email_valid_bad_bytes),
        cmocka_unit_test(test_email_valid_uses_len_not_nul),
        cmocka_unit_test(test_email_tlds_load_debian_list),
        cmocka_unit_test(test_email_tlds_load_rightmost_labels),
        cmocka_unit_test(test_email_tlds_load_errors),
        cmocka_unit_test(test_email_tlds_free_null),
    };
    return cmocka_run_group_tests_name("email", tests, group_setup, group_teardown);
}
