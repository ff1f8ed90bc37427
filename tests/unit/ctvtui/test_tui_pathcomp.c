/* Unit tests of ctvtui's path completion, on a real temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/pathcomp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void touch(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_pathcomp.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    touch("spot-15s.mp4");
    touch("spot-30s.mp4");
    touch("other.mov");
    touch(".hidden.mp4");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/media", dir);
    return mkdir(sub, 0700);
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"spot-15s.mp4", "spot-30s.mp4", "other.mov", ".hidden.mp4"};
    char p[512];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/media", dir);
    rmdir(p);
    return rmdir(dir);
}

static void test_pathcomp_unique_match_completes_fully(void **state)
{
    (void)state;
    char in[512], out[512], want[512];
    struct pathcomp pc;
    snprintf(in, sizeof in, "%s/oth", dir);
    assert_int_equal(pathcomp_complete(in, NULL, out, sizeof out, &pc), 1);
    snprintf(want, sizeof want, "%s/other.mov", dir);
    assert_string_equal(out, want);
    pathcomp_release(&pc);
    snprintf(in, sizeof in, "%s/me", dir);
    pathcomp_complete(in, NULL, out, sizeof out, &pc);
    snprintf(want, sizeof want, "%s/media/", dir); /* a folder gets its slash */
    assert_string_equal(out, want);
    pathcomp_release(&pc);
}

static void test_pathcomp_several_complete_common_prefix(void **state)
{
    (void)state;
    char in[512], out[512], want[512];
    struct pathcomp pc;
    snprintf(in, sizeof in, "%s/s", dir);
    assert_int_equal(pathcomp_complete(in, NULL, out, sizeof out, &pc), 2);
    snprintf(want, sizeof want, "%s/spot-", dir);
    assert_string_equal(out, want);
    assert_string_equal(pc.matches[0], "spot-15s.mp4");
    assert_string_equal(pc.matches[1], "spot-30s.mp4");
    pathcomp_release(&pc);
}

static void test_pathcomp_hidden_and_none_and_home(void **state)
{
    (void)state;
    char in[512], out[512];
    struct pathcomp pc;
    snprintf(in, sizeof in, "%s/", dir);
    assert_int_equal(pathcomp_complete(in, NULL, out, sizeof out, &pc), 4); /* no .hidden */
    pathcomp_release(&pc);
    snprintf(in, sizeof in, "%s/.h", dir);
    assert_int_equal(pathcomp_complete(in, NULL, out, sizeof out, &pc), 1);
    pathcomp_release(&pc);
    snprintf(in, sizeof in, "%s/zzz", dir);
    assert_int_equal(pathcomp_complete(in, NULL, out, sizeof out, &pc), 0);
    assert_string_equal(out, in);
    pathcomp_release(&pc);
    /* "~/" expands for reading but what was typed is kept */
    assert_int_equal(pathcomp_complete("~/oth", dir, out, sizeof out, &pc), 1);
    assert_string_equal(out, "~/other.mov");
    pathcomp_release(&pc);
    assert_int_equal(pathcomp_complete("/nonexistent-dir-xyz/a", NULL, out, sizeof out, &pc), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pathcomp_unique_match_completes_fully),
        cmocka_unit_test(test_pathcomp_several_complete_common_prefix),
        cmocka_unit_test(test_pathcomp_hidden_and_none_and_home),
    };
    return cmocka_run_group_tests_name("tui_pathcomp", tests, setup, teardown);
}
