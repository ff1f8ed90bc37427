/*
 * pathcomp: file path completion (see pathcomp.h).
 */
#include "pathcomp.h"

#include "lib/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void pathcomp_release(struct pathcomp *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->matches[i]);
    pc->n = pc->total = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pathcomp_complete(const char *input, const char *home, char *out, size_t outsz,
                      struct pathcomp *pc)
{
    char expanded[4096], dir[4096], common[1024];
    memset(pc, 0, sizeof *pc);
    int rc = -1;
    DIR *d = NULL;
    if (strcmp(input, "~") == 0 && home) {
        rc = snprintf(out, outsz, "~/") >= (int)outsz ? -1 : 1;
        return rc;
    }
    if (input[0] == '~' && (input[1] == '/' || input[1] == '\0') && home) {
        if (snprintf(expanded, sizeof expanded, "%s%s", home, input + 1) >= (int)sizeof expanded)
            return -1;
    } else if (snprintf(expanded, sizeof expanded, "%s", input) >= (int)sizeof expanded) {
        return -1;
    }
    const char *slash = strrchr(expanded, '/');
    const char *prefix = slash ? slash + 1 : expanded;
    size_t dirlen = slash ? (size_t)(slash - expanded) + 1 : 0;
    if (dirlen == 0)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)dirlen, expanded);
    size_t plen = strlen(prefix);
    d = opendir(dir);
    if (d == NULL)
        goto cleanup;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_name[0] == '.' && prefix[0] != '.')
            continue;
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        pc->total++;
        if (pc->n < PATHCOMP_MAX_MATCHES)
            pc->matches[pc->n++] = xstrdup(e->d_name);
    }
    qsort(pc->matches, pc->n, sizeof pc->matches[0], cmp_str);
    rc = (int)pc->total;
    if (pc->n == 0) {
        if (snprintf(out, outsz, "%s", input) >= (int)outsz)
            rc = -1;
        goto cleanup;
    }
    /* longest common prefix of the listed matches (all of them when total <= max) */
    snprintf(common, sizeof common, "%s", pc->matches[0]);
    for (size_t i = 1; i < pc->n; i++) {
        size_t k = 0;
        while (common[k] && common[k] == pc->matches[i][k])
            k++;
        common[k] = '\0';
    }
    if (pc->total > pc->n && strlen(common) > plen)
        common[plen] = '\0'; /* unseen matches may diverge earlier */
    const char *suffix = "";
    if (pc->total == 1) {
        char full[8192];
        struct stat st;
        snprintf(full, sizeof full, "%.*s%s", (int)dirlen, expanded, common);
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            suffix = "/";
    }
    /* keep what the user typed before the prefix (also an unexpanded "~") */
    size_t keep = strlen(input) - plen;
    if (snprintf(out, outsz, "%.*s%s%s", (int)keep, input, common, suffix) >= (int)outsz)
        rc = -1;
cleanup:
    if (d)
        closedir(d);
    if (rc < 0)
        pathcomp_release(pc);
    return rc;
}
