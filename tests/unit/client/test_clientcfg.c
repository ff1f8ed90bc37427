/*
 * Unit tests of clientcfg: precedence, timeouts, the config file syntax, and
 * the token file's mode rule (0600 written, 0644 refused) in a private folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/clientcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_clientcfg_dir_path_xdg_then_home(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(clientcfg_dir_path("/x/cfg", "/home/u", out, sizeof(out)), 0);
    assert_string_equal(out, "/x/cfg/ctvctl");
    assert_int_equal(clientcfg_dir_path(NULL, "/home/u", out, sizeof(out)), 0);
    assert_string_equal(out, "/home/u/.config/ctvctl");
    /* a relative XDG_CONFIG_HOME is invalid per the XDG spec: ignored */
    assert_int_equal(clientcfg_dir_path("rel", "/home/u", out, sizeof(out)), 0);
    assert_string_equal(out, "/home/u/.config/ctvctl");
    assert_int_equal(clientcfg_dir_path(NULL, NULL, out, sizeof(out)), -1);
    assert_int_equal(clientcfg_dir_path("/a/very/long/path", NULL, out, 8), -1);
}

static void test_clientcfg_pick_server_precedence(void **state)
{
    enum clientcfg_source src;
    (void)state;
    assert_string_equal(clientcfg_pick_server("http://f", "http://e", "http://c", "http://t", &src),
                        "http://f");
    assert_int_equal(src, CLIENTCFG_SRC_FLAG);
    assert_string_equal(clientcfg_pick_server(NULL, "http://e", "http://c", "http://t", &src),
                        "http://e");
    assert_int_equal(src, CLIENTCFG_SRC_ENV);
    assert_string_equal(clientcfg_pick_server("", "", "http://c", "http://t", &src), "http://c");
    assert_int_equal(src, CLIENTCFG_SRC_FILE);
    assert_string_equal(clientcfg_pick_server(NULL, NULL, NULL, "http://t", &src), "http://t");
    assert_int_equal(src, CLIENTCFG_SRC_TOKEN);
    assert_string_equal(clientcfg_pick_server(NULL, NULL, NULL, NULL, &src),
                        CLIENTCFG_DEFAULT_SERVER);
    assert_int_equal(src, CLIENTCFG_SRC_DEFAULT);
}

static void test_clientcfg_parse_timeout_values(void **state)
{
    long ms = 0;
    (void)state;
    assert_int_equal(clientcfg_parse_timeout("30", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(clientcfg_parse_timeout("2.5", &ms), 0);
    assert_int_equal(ms, 2500);
    assert_int_equal(clientcfg_parse_timeout("0.25", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(clientcfg_parse_timeout("0.0001", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("0", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("-1", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("1x", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("1.", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("", &ms), -1);
    assert_int_equal(clientcfg_parse_timeout("99999999999", &ms), -1);
    assert_int_equal(ms, 250);
}

static void test_clientcfg_mode_ok_like_pgpass(void **state)
{
    (void)state;
    assert_true(clientcfg_mode_ok(S_IFREG | 0600));
    assert_true(clientcfg_mode_ok(S_IFREG | 0400));
    assert_false(clientcfg_mode_ok(S_IFREG | 0644));
    assert_false(clientcfg_mode_ok(S_IFREG | 0640));
    assert_false(clientcfg_mode_ok(S_IFREG | 0602));
    assert_false(clientcfg_mode_ok(S_IFDIR | 0700));
}

static void test_clientcfg_parse_config_keys(void **state)
{
    char *server = NULL, err[128];
    long ms = 1;
    (void)state;
    assert_int_equal(clientcfg_parse_config("# c\n\n server = http://h:9 # note\ntimeout=4\n",
                                            &server, &ms, err, sizeof(err)),
                     0);
    assert_string_equal(server, "http://h:9");
    assert_int_equal(ms, 4000);
    assert_int_equal(clientcfg_parse_config("colour = yes\n", &server, &ms, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 1: unknown key colour"));
    assert_int_equal(clientcfg_parse_config("server\n", &server, &ms, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "expected key = value"));
    assert_int_equal(clientcfg_parse_config("\ntimeout = soon\n", &server, &ms, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "line 2"));
    /* failures leave the earlier values alone */
    assert_string_equal(server, "http://h:9");
    assert_int_equal(ms, 4000);
    free(server);
}

/* A private XDG_CONFIG_HOME for the file tests. */
static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/test_clientcfg.XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL)
        return -1;
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("CTVCTL_SERVER");
    unsetenv("CTVCTL_TOKEN");
    unsetenv("CTVCTL_TIMEOUT");
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    if (system(cmd) != 0)
        return -1;
    free(*state);
    return 0;
}

static void test_clientcfg_tokens_written_0600_and_644_refused(void **state)
{
    struct clientcfg cfg;
    char err[512];
    struct stat st;
    (void)state;
    clientcfg_init(&cfg);
    assert_int_equal(clientcfg_load(&cfg, NULL, err, sizeof(err)), CLIENTCFG_OK);
    assert_int_equal(clientcfg_load_tokens(&cfg, err, sizeof(err)), CLIENTCFG_ENOTOKEN);
    umask(0);
    assert_int_equal(
        clientcfg_save_tokens(&cfg, "http://h:1", "a@b.co", "acc", "ref", err, sizeof(err)),
        CLIENTCFG_OK);
    umask(022);
    assert_int_equal(stat(cfg.token_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(clientcfg_load_tokens(&cfg, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.access_token, "acc");
    assert_string_equal(cfg.refresh_token, "ref");
    assert_string_equal(cfg.email, "a@b.co");
    /* the stored server is used when nothing else names one */
    assert_int_equal(clientcfg_load(&cfg, NULL, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.server, "http://h:1");
    assert_int_equal(cfg.server_source, CLIENTCFG_SRC_TOKEN);

    assert_int_equal(chmod(cfg.token_path, 0644), 0);
    assert_int_equal(clientcfg_load_tokens(&cfg, err, sizeof(err)), CLIENTCFG_EMODE);
    assert_non_null(strstr(err, "0644"));
    assert_null(cfg.access_token);

    setenv("CTVCTL_TOKEN", "from-env", 1);
    assert_int_equal(clientcfg_load_tokens(&cfg, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.access_token, "from-env");
    assert_true(cfg.token_from_env);
    unsetenv("CTVCTL_TOKEN");

    assert_int_equal(clientcfg_delete_tokens(&cfg, err, sizeof(err)), CLIENTCFG_OK);
    assert_int_equal(stat(cfg.token_path, &st), -1);
    clientcfg_release(&cfg);
}

static void test_clientcfg_load_precedence_from_env_and_file(void **state)
{
    struct clientcfg cfg;
    struct clientcfg_overrides o = {0};
    char err[256], path[512];
    FILE *f;
    (void)state;
    clientcfg_init(&cfg);
    snprintf(path, sizeof(path), "%s/ctvctl", (char *)*state);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/ctvctl/config", (char *)*state);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("server = http://file:1/\ntimeout = 7\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(clientcfg_load(&cfg, &o, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.server, "http://file:1");
    assert_int_equal(cfg.timeout_ms, 7000);
    setenv("CTVCTL_SERVER", "http://env:2", 1);
    setenv("CTVCTL_TIMEOUT", "1.5", 1);
    assert_int_equal(clientcfg_load(&cfg, &o, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.server, "http://env:2");
    assert_int_equal(cfg.timeout_ms, 1500);
    o.server = "http://flag:3";
    o.timeout = "9";
    assert_int_equal(clientcfg_load(&cfg, &o, err, sizeof(err)), CLIENTCFG_OK);
    assert_string_equal(cfg.server, "http://flag:3");
    assert_int_equal(cfg.timeout_ms, 9000);
    o.server = "ftp://nope";
    assert_int_equal(clientcfg_load(&cfg, &o, err, sizeof(err)), CLIENTCFG_ERR);
    o.server = NULL;
    o.timeout = "never";
    assert_int_equal(clientcfg_load(&cfg, &o, err, sizeof(err)), CLIENTCFG_ERR);
    assert_non_null(strstr(err, "--timeout"));
    unsetenv("CTVCTL_SERVER");
    unsetenv("CTVCTL_TIMEOUT");
    clientcfg_release(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clientcfg_dir_path_xdg_then_home),
        cmocka_unit_test(test_clientcfg_pick_server_precedence),
        cmocka_unit_test(test_clientcfg_parse_timeout_values),
        cmocka_unit_test(test_clientcfg_mode_ok_like_pgpass),
        cmocka_unit_test(test_clientcfg_parse_config_keys),
        cmocka_unit_test_setup_teardown(test_clientcfg_tokens_written_0600_and_644_refused,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_clientcfg_load_precedence_from_env_and_file, setup_dir,
                                        teardown_dir),
    };
    return cmocka_run_group_tests_name("clientcfg", tests, NULL, NULL);
}
