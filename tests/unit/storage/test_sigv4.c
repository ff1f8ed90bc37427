/*
 * Unit tests for sigv4: AWS's published S3 presigned-URL example, vectors
 * produced by an independent implementation (botocore's S3SigV4QueryAuth at a
 * fixed clock) for keys needing encoding, and input validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "storage/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define LOCAL_EP "http://127.0.0.1:4569"
#define BUCKET "ctv-ad-server-creatives"
#define T_2023 1700000000 /* 20231114T221320Z */

static struct sigv4_request local_req(const char *method, const char *key, const char *region,
                                      long expires)
{
    struct sigv4_request r = {
        .method = method,
        .endpoint = LOCAL_EP,
        .bucket = BUCKET,
        .path_style = 1,
        .key = key,
        .region = region,
        .access_key_id = "AKIDEXAMPLE",
        .secret_key = SECRET,
        .expires = expires,
        .now = T_2023,
    };
    return r;
}

static char *encode(const char *s, int keep_slash)
{
    struct buf b;

    buf_init(&b, 4096);
    assert_int_equal(sigv4_uri_encode(&b, s, keep_slash), 0);
    return buf_detach(&b, NULL);
}

/* AWS S3 docs, "Example: Presigned URL" for GET examplebucket/test.txt. */
static void test_sigv4_presign_aws_example(void **state)
{
    struct sigv4_request r = {
        .method = "GET",
        .endpoint = "https://examplebucket.s3.amazonaws.com",
        .key = "test.txt",
        .region = "us-east-1",
        .access_key_id = "AKIAIOSFODNN7EXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        .expires = 86400,
        .now = 1369353600, /* 20130524T000000Z */
    };
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_string_equal(url, "https://examplebucket.s3.amazonaws.com/test.txt"
                             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                             "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1"
                             "%2Fs3%2Faws4_request"
                             "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                             "&X-Amz-SignedHeaders=host"
                             "&X-Amz-Signature="
                             "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    free(url);
}

/* A trailing slash on the endpoint must not change the path or signature. */
static void test_sigv4_presign_aws_example_trailing_slash(void **state)
{
    struct sigv4_request r = {
        .method = "GET",
        .endpoint = "https://examplebucket.s3.amazonaws.com/",
        .key = "test.txt",
        .region = "us-east-1",
        .access_key_id = "AKIAIOSFODNN7EXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        .expires = 86400,
        .now = 1369353600,
    };
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_non_null(strstr(url, "amazonaws.com/test.txt?"));
    assert_non_null(strstr(url, "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265"
                                "957d157751f604d404"));
    free(url);
}

static void test_sigv4_presign_path_style_space(void **state)
{
    struct sigv4_request r = local_req("PUT", "campaigns/1/creatives/a b.mp4", "us-east-1", 3600);
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_string_equal(url, LOCAL_EP "/" BUCKET "/campaigns/1/creatives/a%20b.mp4"
                                      "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                      "&X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Fus-east-1"
                                      "%2Fs3%2Faws4_request"
                                      "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=3600"
                                      "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                                      "648244ea514bd6526c9f711ced38c92f"
                                      "8a9a1c22cedaeeff7d316862d0dae0ea");
    free(url);
}

static void test_sigv4_presign_unicode_key(void **state)
{
    struct sigv4_request r = local_req("PUT",
                                       "dir/\xc3\xbcn\xc3\xaf"
                                       "c\xc3\xb6"
                                       "d\xc3\xa9 \xe2\x9c\x93.mp4",
                                       "eu-west-1", 3600);
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_string_equal(url, LOCAL_EP "/" BUCKET "/dir/%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%E2%9C%93.mp4"
                                      "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                      "&X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Feu-west-1"
                                      "%2Fs3%2Faws4_request"
                                      "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=3600"
                                      "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                                      "18bc57b79308569fcfe6c6e9e22ea43e"
                                      "83c7782a1d7679a7ec3f8d0ca412a456");
    free(url);
}

/* '+' must be %2B (S3 would read a bare '+' as a space), '=' %3D, and so on. */
static void test_sigv4_presign_reserved_chars_key(void **state)
{
    struct sigv4_request r = local_req("GET", "a+b=c&d?e#f%g.mp4", "us-east-1", 60);
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_string_equal(url, LOCAL_EP "/" BUCKET "/a%2Bb%3Dc%26d%3Fe%23f%25g.mp4"
                                      "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                      "&X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Fus-east-1"
                                      "%2Fs3%2Faws4_request"
                                      "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=60"
                                      "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                                      "7722a2e9664e41501a5fcbc4317eb768"
                                      "755ebed60143f51750b25b2b972f0ef7");
    free(url);
}

/* Session token is signed; host is lower-cased and the default port dropped. */
static void test_sigv4_presign_session_token_default_port(void **state)
{
    struct sigv4_request r = {
        .method = "PUT",
        .endpoint = "https://S3.example.com:443",
        .bucket = "bkt",
        .path_style = 1,
        .key = "~tilde_-.mp4",
        .region = "us-west-2",
        .access_key_id = "AKIDEXAMPLE",
        .secret_key = SECRET,
        .session_token = "FwoGZXIvYXdzE+/tok=en",
        .expires = 604800,
        .now = T_2023,
    };
    char err[128] = "";
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    assert_string_equal(url, "https://S3.example.com:443/bkt/~tilde_-.mp4"
                             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                             "&X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Fus-west-2"
                             "%2Fs3%2Faws4_request"
                             "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=604800"
                             "&X-Amz-Security-Token=FwoGZXIvYXdzE%2B%2Ftok%3Den"
                             "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                             "0df4171d30514c29cfc499e83a3beb52"
                             "7ae764dff621e86b23bc2d566a6f4737");
    free(url);
}

static void test_sigv4_presign_rejects_expires(void **state)
{
    struct sigv4_request r = local_req("PUT", "k.mp4", "us-east-1", 0);
    char err[128] = "";
    char *url = (char *)"untouched";

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    assert_string_equal(url, "untouched");
    assert_non_null(strstr(err, "expires"));
    r.expires = SIGV4_EXPIRES_MAX + 1;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    r.expires = SIGV4_EXPIRES_MAX;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), 0);
    free(url);
}

static void test_sigv4_presign_rejects_bad_endpoint(void **state)
{
    static const char *const bad[] = {
        "ftp://127.0.0.1", "127.0.0.1:4569",   "http://",
        "http://h/path",   "http://user:pw@h", "http://h?x=1",
        "http://h#frag",   "http://h%2f",      "",
    };
    struct sigv4_request r = local_req("PUT", "k.mp4", "us-east-1", 60);
    char err[128];
    char *url = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r.endpoint = bad[i];
        err[0] = '\0';
        assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
        assert_null(url);
    }
}

static void test_sigv4_presign_rejects_bad_fields(void **state)
{
    struct sigv4_request r = local_req("PUT", "", "us-east-1", 60);
    char longkey[SIGV4_KEY_MAX + 2];
    char err[128];
    char *url = NULL;

    (void)state;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    memset(longkey, 'a', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    r.key = longkey;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    r.key = "k.mp4";
    r.bucket = NULL;
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    r.bucket = BUCKET;
    r.method = "put";
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    r.method = "PUT";
    r.region = "us east/1";
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    r.region = "us-east-1";
    r.secret_key = "";
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    assert_null(url);
}

/* No failure path may echo the secret or the session token. */
static void test_sigv4_presign_error_hides_secret(void **state)
{
    struct sigv4_request r = local_req("PUT", "k.mp4", "us-east-1", 0);
    char err[256] = "";
    char *url = NULL;

    (void)state;
    r.session_token = "SESSIONTOKEN";
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    assert_null(strstr(err, SECRET));
    assert_null(strstr(err, "SESSIONTOKEN"));
    r.expires = 60;
    r.endpoint = "http://h/p";
    assert_int_equal(sigv4_presign(&r, &url, err, sizeof(err)), -1);
    assert_null(strstr(err, SECRET));
    assert_null(url);
}

static void test_sigv4_uri_encode_rules(void **state)
{
    char *s;

    (void)state;
    s = encode("AZaz09-._~", 1);
    assert_string_equal(s, "AZaz09-._~");
    free(s);
    s = encode("a b+c=d/e", 1);
    assert_string_equal(s, "a%20b%2Bc%3Dd/e");
    free(s);
    s = encode("a b+c=d/e", 0);
    assert_string_equal(s, "a%20b%2Bc%3Dd%2Fe");
    free(s);
    s = encode("\xc3\xa9*!'()%", 1);
    assert_string_equal(s, "%C3%A9%2A%21%27%28%29%25");
    free(s);
}

static void test_sigv4_uri_encode_bounded(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 5);
    assert_int_equal(sigv4_uri_encode(&b, "abcde", 1), 0);
    assert_int_equal(sigv4_uri_encode(&b, " ", 1), -1);
    assert_int_equal(b.len, 5);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_presign_aws_example),
        cmocka_unit_test(test_sigv4_presign_aws_example_trailing_slash),
        cmocka_unit_test(test_sigv4_presign_path_style_space),
        cmocka_unit_test(test_sigv4_presign_unicode_key),
        cmocka_unit_test(test_sigv4_presign_reserved_chars_key),
        cmocka_unit_test(test_sigv4_presign_session_token_default_port),
        cmocka_unit_test(test_sigv4_presign_rejects_expires),
        cmocka_unit_test(test_sigv4_presign_rejects_bad_endpoint),
        cmocka_unit_test(test_sigv4_presign_rejects_bad_fields),
        cmocka_unit_test(test_sigv4_presign_error_hides_secret),
        cmocka_unit_test(test_sigv4_uri_encode_rules),
        cmocka_unit_test(test_sigv4_uri_encode_bounded),
    };

    return cmocka_run_group_tests_name("sigv4", tests, NULL, NULL);
}
