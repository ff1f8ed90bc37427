/*
 * Tests for storage_s3 and sigv4 against a real S3-compatible server.
 *
 * Reads S3_ENDPOINT (e.g. http://127.0.0.1:4569), S3_BUCKET_NAME (default
 * ctv-ad-server-creatives), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_REGION (default us-east-1); every test that needs the server is skipped
 * when S3_ENDPOINT is unset. The bucket must exist. Path-style addressing.
 * Objects are written under test/<pid>-<time>/ and deleted again.
 *
 * s3rver 3.x accepts any well-formed SigV4 signature without checking it, so
 * against s3rver the tamper test can prove only what it does check (known
 * access key, expiry); it reports, without failing, when a flipped signature
 * is accepted. The signature itself is proven by test_sigv4.c's vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "storage/storage.h"

#define BIG_SIZE (5u * 1024u * 1024u)
#define CHUNK 65536

struct fixture {
    struct storage *st;
    char prefix[64]; /* test/<pid>-<time> */
    const char *endpoint;
    const char *bucket;
    const char *access_key;
    const char *secret;
    const char *region;
};

/* Body source for plain (unsigned) libcurl PUTs. */
struct membody {
    const char *p;
    size_t left;
};

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);

    return (v != NULL && v[0] != '\0') ? v : dflt;
}

static int setup(void **state)
{
    struct fixture *f;
    struct storage_config cfg = {.backend = STORAGE_BACKEND_S3, .path_style = 1};
    char err[256] = "";

    *state = NULL;
    if (getenv("S3_ENDPOINT") == NULL || getenv("S3_ENDPOINT")[0] == '\0')
        return 0; /* tests skip */
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->endpoint = getenv("S3_ENDPOINT");
    f->bucket = env_or("S3_BUCKET_NAME", "ctv-ad-server-creatives");
    f->access_key = env_or("AWS_ACCESS_KEY_ID", "S3RVER");
    f->secret = env_or("AWS_SECRET_ACCESS_KEY", "S3RVER");
    f->region = env_or("AWS_REGION", "us-east-1");
    snprintf(f->prefix, sizeof(f->prefix), "test/%ld-%ld", (long)getpid(), (long)time(NULL));
    cfg.s3_endpoint = f->endpoint;
    cfg.bucket = f->bucket;
    cfg.region = f->region;
    cfg.access_key_id = f->access_key;
    cfg.secret_access_key = f->secret;
    cfg.connect_timeout_ms = 2000;
    cfg.timeout_s = 60;
    f->st = storage_new(&cfg, err, sizeof(err));
    if (f->st == NULL) {
        fprintf(stderr, "storage_new: %s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f != NULL) {
        storage_free(f->st);
        free(f);
    }
    return 0;
}

static struct fixture *need_server(void **state)
{
    if (*state == NULL)
        skip();
    return *state;
}

/* An unlinked temporary file for downloads. */
static int tmpfd(void)
{
    char path[] = "/tmp/test_storage_s3.XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(unlink(path), 0);
    return fd;
}

static void sha256_fd(int fd, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char *chunk = malloc(CHUNK);
    unsigned int len = 0;
    ssize_t r;

    assert_non_null(ctx);
    assert_non_null(chunk);
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    while ((r = read(fd, chunk, CHUNK)) > 0)
        assert_int_equal(EVP_DigestUpdate(ctx, chunk, (size_t)r), 1);
    assert_int_equal(r, 0);
    assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
    assert_int_equal(len, 32);
    EVP_MD_CTX_free(ctx);
    free(chunk);
}

/* Read the object back through the signed GET into a malloc'ed string. */
static char *fetch_string(struct fixture *f, const char *key)
{
    char err[256] = "";
    uint64_t size = 0;
    char *data;
    int fd = tmpfd();

    if (storage_fetch_to_fd(f->st, key, fd, 1u << 20, &size, err, sizeof(err)) != 0)
        fail_msg("fetch %s: %s", key, err);
    data = calloc(1, (size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(pread(fd, data, (size_t)size, 0), (ssize_t)size);
    assert_int_equal(close(fd), 0);
    return data;
}

static void put_string(struct fixture *f, const char *key, const char *s)
{
    char err[256] = "";
    struct storage_writer *w = storage_writer_open(f->st, key, "text/plain", err, sizeof(err));
    uint64_t size = 0;

    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, s, strlen(s)), 0);
    if (storage_writer_commit(w, &size, err, sizeof(err)) != 0)
        fail_msg("commit %s: %s", key, err);
    assert_int_equal(size, strlen(s));
}

static size_t mem_read(char *p, size_t size, size_t nmemb, void *ud)
{
    struct membody *b = ud;
    size_t n = size * nmemb < b->left ? size * nmemb : b->left;

    memcpy(p, b->p, n);
    b->p += n;
    b->left -= n;
    return n;
}

/* Response bodies of plain PUTs are not needed. */
static size_t sink(char *p, size_t size, size_t nmemb, void *ud)
{
    (void)p;
    (void)ud;
    return size * nmemb;
}

/* PUT body to url with plain libcurl: no credentials, no signing. Returns the status. */
static long plain_put(const char *url, const char *body)
{
    struct membody b = {body, strlen(body)};
    curl_off_t len = (curl_off_t)strlen(body);
    long status = 0;
    CURL *h = curl_easy_init();

    assert_non_null(h);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_READFUNCTION, mem_read), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_READDATA, &b), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, len), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L), CURLE_OK);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
    curl_easy_cleanup(h);
    return status;
}

/* GET url with plain libcurl into a malloc'ed string (first 4 KiB). */
static long plain_get(const char *url, char **body_out)
{
    char *body = calloc(1, 4097);
    FILE *mem;
    long status = 0;
    CURL *h = curl_easy_init();

    assert_non_null(h);
    assert_non_null(body);
    mem = fmemopen(body, 4096, "w");
    assert_non_null(mem);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, mem), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L), CURLE_OK);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
    assert_int_equal(fclose(mem), 0);
    curl_easy_cleanup(h);
    *body_out = body;
    return status;
}

static void test_storage_s3_writer_commit_5mb_roundtrip(void **state)
{
    struct fixture *f = need_server(state);
    unsigned char *chunk = malloc(CHUNK);
    unsigned char want[32];
    unsigned char got[32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct storage_writer *w;
    char key[128];
    char err[256] = "";
    uint64_t size = 0;
    uint32_t x = 2463534242u;
    unsigned int len = 0;
    size_t done;
    size_t i;
    int fd;

    assert_non_null(chunk);
    assert_non_null(ctx);
    snprintf(key, sizeof(key), "%s/big file+1.bin", f->prefix);
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    w = storage_writer_open(f->st, key, "application/octet-stream", err, sizeof(err));
    assert_non_null(w);
    /* 5 MiB of xorshift noise in 64 KiB pieces: never held in memory at once. */
    for (done = 0; done < BIG_SIZE; done += CHUNK) {
        for (i = 0; i < CHUNK; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            chunk[i] = (unsigned char)x;
        }
        assert_int_equal(EVP_DigestUpdate(ctx, chunk, CHUNK), 1);
        assert_int_equal(storage_writer_write(w, chunk, CHUNK), 0);
    }
    assert_int_equal(EVP_DigestFinal_ex(ctx, want, &len), 1);
    if (storage_writer_commit(w, &size, err, sizeof(err)) != 0)
        fail_msg("commit: %s", err);
    assert_int_equal(size, BIG_SIZE);

    fd = tmpfd();
    if (storage_fetch_to_fd(f->st, key, fd, BIG_SIZE, &size, err, sizeof(err)) != 0)
        fail_msg("fetch: %s", err);
    assert_int_equal(size, BIG_SIZE);
    sha256_fd(fd, got);
    assert_memory_equal(got, want, sizeof(want));

    assert_int_equal(storage_delete(f->st, key, err, sizeof(err)), 0);
    assert_int_equal(storage_fetch_to_fd(f->st, key, fd, BIG_SIZE, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    /* Deleting again succeeds, as S3 does. */
    assert_int_equal(storage_delete(f->st, key, err, sizeof(err)), 0);
    assert_int_equal(close(fd), 0);
    EVP_MD_CTX_free(ctx);
    free(chunk);
}

/* The point of sigv4: a URL signed here lets an unauthenticated client PUT. */
static void test_storage_s3_presign_put_accepted(void **state)
{
    struct fixture *f = need_server(state);
    const char *body = "uploaded through a presigned url";
    char key[160];
    char err[256] = "";
    char *url = NULL;
    char *got;

    snprintf(key, sizeof(key), "%s/presigned \xc3\xbc b+c=d.mp4", f->prefix);
    assert_int_equal(storage_presign(f->st, "PUT", key, 300, time(NULL), &url, err, sizeof(err)),
                     0);
    assert_int_equal(plain_put(url, body), 200);
    free(url);
    got = fetch_string(f, key);
    assert_string_equal(got, body);
    free(got);

    /* And a presigned GET reads it back without credentials. */
    assert_int_equal(storage_presign(f->st, "GET", key, 300, time(NULL), &url, err, sizeof(err)),
                     0);
    assert_int_equal(plain_get(url, &got), 200);
    assert_string_equal(got, body);
    free(got);
    free(url);
    assert_int_equal(storage_delete(f->st, key, err, sizeof(err)), 0);
}

/* Replace the first occurrence of from in s (same length) with to. */
static void patch(char *s, const char *from, const char *to)
{
    char *at = strstr(s, from);

    assert_non_null(at);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(at, to, strlen(to));
}

static void test_storage_s3_presign_tampered_rejected(void **state)
{
    struct fixture *f = need_server(state);
    char key[160];
    char err[256] = "";
    char cred[128];
    char bad_cred[128];
    char *url = NULL;
    char *sig;
    uint64_t size = 0;
    long status;
    int fd;

    snprintf(key, sizeof(key), "%s/tampered.mp4", f->prefix);
    /* An access key the server does not know. */
    assert_int_equal(storage_presign(f->st, "PUT", key, 300, time(NULL), &url, err, sizeof(err)),
                     0);
    snprintf(cred, sizeof(cred), "X-Amz-Credential=%s", f->access_key);
    snprintf(bad_cred, sizeof(bad_cred), "X-Amz-Credential=%s", f->access_key);
    bad_cred[strlen(bad_cred) - 1] ^= 0x01; /* same length, different key id */
    patch(url, cred, bad_cred);
    assert_int_equal(plain_put(url, "x"), 403);
    free(url);

    /* Signed two hours ago for one minute: expired. */
    assert_int_equal(
        storage_presign(f->st, "PUT", key, 60, time(NULL) - 7200, &url, err, sizeof(err)), 0);
    assert_int_equal(plain_put(url, "x"), 403);
    free(url);

    /* Nothing was stored by the rejected requests. */
    fd = tmpfd();
    assert_int_equal(storage_fetch_to_fd(f->st, key, fd, 1024, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(close(fd), 0);

    /* A flipped signature byte: a verifying server answers 403. */
    assert_int_equal(storage_presign(f->st, "PUT", key, 300, time(NULL), &url, err, sizeof(err)),
                     0);
    sig = strstr(url, "X-Amz-Signature=");
    assert_non_null(sig);
    sig += strlen("X-Amz-Signature=");
    sig[0] = sig[0] == '0' ? '1' : '0';
    status = plain_put(url, "x");
    free(url);
    if (status != 403) {
        assert_int_equal(status, 200);
        print_message("note: server accepted a tampered SigV4 signature (s3rver does not "
                      "verify V4 signatures); signature correctness rests on test_sigv4\n");
        assert_int_equal(storage_delete(f->st, key, err, sizeof(err)), 0);
    }
}

static void test_storage_s3_fetch_to_fd_enforces_limit(void **state)
{
    struct fixture *f = need_server(state);
    char key[160];
    char err[256] = "";
    uint64_t size = 0;
    int fd;

    snprintf(key, sizeof(key), "%s/limit.bin", f->prefix);
    put_string(f, key, "0123456789");
    fd = tmpfd();
    assert_int_equal(storage_fetch_to_fd(f->st, key, fd, 9, &size, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "limit"));
    assert_int_equal(storage_fetch_to_fd(f->st, key, fd, 10, &size, err, sizeof(err)), 0);
    assert_int_equal(size, 10);
    assert_int_equal(close(fd), 0);
    assert_int_equal(storage_delete(f->st, key, err, sizeof(err)), 0);
}

static void test_storage_s3_writer_commit_missing_bucket_fails(void **state)
{
    struct fixture *f = need_server(state);
    struct storage_config cfg = {
        .backend = STORAGE_BACKEND_S3,
        .s3_endpoint = f->endpoint,
        .bucket = "no-such-bucket-adserverd",
        .region = f->region,
        .access_key_id = f->access_key,
        .secret_access_key = f->secret,
        .path_style = 1,
    };
    char err[256] = "";
    struct storage *st = storage_new(&cfg, err, sizeof(err));
    struct storage_writer *w;
    uint64_t size = 7;

    assert_non_null(st);
    w = storage_writer_open(st, "k.mp4", "video/mp4", err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, "abc", 3), 0);
    assert_int_equal(storage_writer_commit(w, &size, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HTTP 404 NoSuchBucket"));
    assert_int_equal(size, 7);
    storage_free(st);
}

/* No server on the port: the commit fails quickly with libcurl's reason. */
static void test_storage_s3_writer_commit_connection_refused(void **state)
{
    struct storage_config cfg = {
        .backend = STORAGE_BACKEND_S3,
        .s3_endpoint = "http://127.0.0.1:1",
        .bucket = "ctv-ad-server-creatives",
        .region = "us-east-1",
        .access_key_id = "AK",
        .secret_access_key = "SECRETVALUE",
        .path_style = 1,
        .connect_timeout_ms = 2000,
    };
    char err[256] = "";
    struct storage *st = storage_new(&cfg, err, sizeof(err));
    struct storage_writer *w;

    (void)state;
    assert_non_null(st);
    w = storage_writer_open(st, "k.mp4", NULL, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, "abc", 3), 0);
    assert_int_equal(storage_writer_commit(w, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "s3 PUT failed"));
    assert_null(strstr(err, "SECRETVALUE"));
    assert_int_equal(storage_delete(st, "k.mp4", err, sizeof(err)), -1);
    storage_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_s3_writer_commit_5mb_roundtrip),
        cmocka_unit_test(test_storage_s3_presign_put_accepted),
        cmocka_unit_test(test_storage_s3_presign_tampered_rejected),
        cmocka_unit_test(test_storage_s3_fetch_to_fd_enforces_limit),
        cmocka_unit_test(test_storage_s3_writer_commit_missing_bucket_fails),
        cmocka_unit_test(test_storage_s3_writer_commit_connection_refused),
    };
    int rc;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    rc = cmocka_run_group_tests_name("storage_s3", tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
