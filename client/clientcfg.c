/*
 * clientcfg: see clientcfg.h.
 *
 * The token file is opened first and checked with fstat() on that same
 * descriptor, so what is checked is what is read (no race between a stat of
 * the name and the open). Writes go to "<token>.tmp.<pid>" created with
 * O_EXCL and mode 0600, fsync'd, then renamed over the old file, so a crash
 * leaves the old tokens or the new ones, never half a file.
 */
#include "client/clientcfg.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (64 * 1024)
#define TOKEN_FILE_MAX (64 * 1024)

void clientcfg_init(struct clientcfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_ms = CLIENTCFG_DEFAULT_TIMEOUT_MS;
}

static void clear_tokens(struct clientcfg *cfg)
{
    if (cfg->access_token != NULL)
        memset(cfg->access_token, 0, strlen(cfg->access_token));
    if (cfg->refresh_token != NULL)
        memset(cfg->refresh_token, 0, strlen(cfg->refresh_token));
    free(cfg->access_token);
    free(cfg->refresh_token);
    free(cfg->token_server);
    free(cfg->email);
    cfg->access_token = cfg->refresh_token = cfg->token_server = cfg->email = NULL;
    cfg->token_from_env = 0;
}

void clientcfg_release(struct clientcfg *cfg)
{
    clear_tokens(cfg);
    free(cfg->dir);
    free(cfg->config_path);
    free(cfg->token_path);
    free(cfg->server);
    clientcfg_init(cfg);
}

int clientcfg_dir_path(const char *xdg, const char *home, char *out, size_t n)
{
    int w;

    if (xdg != NULL && xdg[0] == '/')
        w = snprintf(out, n, "%s/ctvctl", xdg);
    else if (home != NULL && home[0] != '\0')
        w = snprintf(out, n, "%s/.config/ctvctl", home);
    else
        return -1;
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

const char *clientcfg_pick_server(const char *flag, const char *env, const char *file,
                                  const char *token, enum clientcfg_source *src)
{
    if (set(flag)) {
        *src = CLIENTCFG_SRC_FLAG;
        return flag;
    }
    if (set(env)) {
        *src = CLIENTCFG_SRC_ENV;
        return env;
    }
    if (set(file)) {
        *src = CLIENTCFG_SRC_FILE;
        return file;
    }
    if (set(token)) {
        *src = CLIENTCFG_SRC_TOKEN;
        return token;
    }
    *src = CLIENTCFG_SRC_DEFAULT;
    return CLIENTCFG_DEFAULT_SERVER;
}

const char *clientcfg_source_name(enum clientcfg_source src)
{
    switch (src) {
    case CLIENTCFG_SRC_FLAG:
        return "command line";
    case CLIENTCFG_SRC_ENV:
        return "environment";
    case CLIENTCFG_SRC_FILE:
        return "config file";
    case CLIENTCFG_SRC_TOKEN:
        return "token file";
    default:
        return "default";
    }
}

int clientcfg_parse_timeout(const char *s, long *ms)
{
    long whole = 0, frac = 0, scale = 100;
    const char *p = s;

    if (s == NULL || !isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 86400)
            return -1;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            frac += (*p - '0') * scale; /* milliseconds: digits past the third are dropped */
            scale /= 10;
        }
    }
    if (*p != '\0')
        return -1;
    if (whole * 1000 + frac <= 0 || whole * 1000 + frac > 86400L * 1000)
        return -1;
    *ms = whole * 1000 + frac;
    return 0;
}

int clientcfg_mode_ok(mode_t mode)
{
    return S_ISREG(mode) && (mode & (S_IRWXG | S_IRWXO)) == 0;
}

/* Trim spaces at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

int clientcfg_parse_config(const char *text, char **server, long *timeout_ms, char *err,
                           size_t errlen)
{
    const char *line = text, *end, *eq, *ks, *ke, *vs, *ve;
    char *value = NULL, *new_server = NULL;
    long new_timeout = -1;
    int lineno = 0, rc = -1;

    while (*line != '\0') {
        lineno++;
        end = strchr(line, '\n');
        if (end == NULL)
            end = line + strlen(line);
        ks = line;
        ke = end;
        eq = memchr(line, '#', (size_t)(end - line));
        if (eq != NULL)
            ke = eq;
        trim(&ks, &ke);
        if (ks == ke)
            goto next;
        eq = memchr(ks, '=', (size_t)(ke - ks));
        if (eq == NULL) {
            snprintf(err, errlen, "config line %d: expected key = value", lineno);
            goto cleanup;
        }
        vs = eq + 1;
        ve = ke;
        ke = eq;
        trim(&ks, &ke);
        trim(&vs, &ve);
        free(value);
        value = xstrndup(vs, (size_t)(ve - vs));
        if ((size_t)(ke - ks) == 6 && strncmp(ks, "server", 6) == 0) {
            free(new_server);
            new_server = xstrdup(value);
        } else if ((size_t)(ke - ks) == 7 && strncmp(ks, "timeout", 7) == 0) {
            if (clientcfg_parse_timeout(value, &new_timeout) != 0) {
                snprintf(err, errlen, "config line %d: timeout must be seconds > 0", lineno);
                goto cleanup;
            }
        } else {
            snprintf(err, errlen, "config line %d: unknown key %.*s", lineno,
                     (int)(ke - ks > 40 ? 40 : ke - ks), ks);
            goto cleanup;
        }
    next:
        line = *end == '\n' ? end + 1 : end;
    }
    if (new_server != NULL) {
        free(*server);
        *server = new_server;
        new_server = NULL;
    }
    if (new_timeout > 0)
        *timeout_ms = new_timeout;
    rc = 0;
cleanup:
    free(value);
    free(new_server);
    return rc;
}

/* Read a whole small file into a malloc'd string; 0, 1 when absent, -1 on error. */
static int read_small(const char *path, size_t max, char **out, struct stat *st, char *err,
                      size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    ssize_t r;
    int fd, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot stat %s: %s", path, strerror(saved));
        goto fail;
    }
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        goto fail;
    }
    data = xmalloc(max + 1);
    for (;;) {
        r = read(fd, data + len, max - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            saved = errno;
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(saved));
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == max) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            goto fail;
        }
    }
    data[len] = '\0';
    close(fd);
    *out = data;
    return 0;
fail:
    free(data);
    close(fd);
    return -1;
}

/* The "server" of the token file, or NULL (any problem: the token check reports it later). */
static char *token_file_server(const char *path)
{
    struct stat st;
    char err[256], *text = NULL, *server = NULL;
    json_t *doc;

    if (read_small(path, TOKEN_FILE_MAX, &text, &st, err, sizeof(err)) != 0)
        return NULL;
    doc = json_loads(text, 0, NULL);
    if (json_is_string(json_object_get(doc, "server")))
        server = xstrdup(json_string_value(json_object_get(doc, "server")));
    json_decref(doc);
    free(text);
    return server;
}

int clientcfg_load(struct clientcfg *cfg, const struct clientcfg_overrides *o, char *err,
                   size_t errlen)
{
    char dir[PATH_MAX], *file_server = NULL, *token_server = NULL, *text = NULL;
    const char *server, *env_timeout;
    long file_timeout = -1;
    struct stat st;
    size_t len;
    int rc = CLIENTCFG_ERR, r;

    if (clientcfg_dir_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), dir, sizeof(dir)) != 0) {
        snprintf(err, errlen, "neither XDG_CONFIG_HOME nor HOME is set");
        goto cleanup;
    }
    free(cfg->dir);
    free(cfg->config_path);
    free(cfg->token_path);
    cfg->dir = xstrdup(dir);
    len = strlen(dir) + sizeof("/config");
    cfg->config_path = xmalloc(len);
    snprintf(cfg->config_path, len, "%s/config", dir);
    cfg->token_path = xmalloc(len);
    snprintf(cfg->token_path, len, "%s/token", dir);

    r = read_small(cfg->config_path, CONFIG_MAX, &text, &st, err, errlen);
    if (r < 0)
        goto cleanup;
    if (r == 0 && clientcfg_parse_config(text, &file_server, &file_timeout, err, errlen) != 0)
        goto cleanup;

    if (!set(o != NULL ? o->server : NULL) && !set(getenv("CTVCTL_SERVER")) && !set(file_server))
        token_server = token_file_server(cfg->token_path);
    server = clientcfg_pick_server(o != NULL ? o->server : NULL, getenv("CTVCTL_SERVER"),
                                   file_server, token_server, &cfg->server_source);
    free(cfg->server);
    cfg->server = xstrdup(server);
    len = strlen(cfg->server);
    while (len > 0 && cfg->server[len - 1] == '/')
        cfg->server[--len] = '\0';
    if (strncmp(cfg->server, "http://", 7) != 0 && strncmp(cfg->server, "https://", 8) != 0) {
        snprintf(err, errlen, "server URL must start with http:// or https:// (from %s)",
                 clientcfg_source_name(cfg->server_source));
        goto cleanup;
    }

    env_timeout = getenv("CTVCTL_TIMEOUT");
    cfg->timeout_ms = CLIENTCFG_DEFAULT_TIMEOUT_MS;
    cfg->timeout_source = CLIENTCFG_SRC_DEFAULT;
    if (o != NULL && o->timeout != NULL) {
        if (clientcfg_parse_timeout(o->timeout, &cfg->timeout_ms) != 0) {
            snprintf(err, errlen, "--timeout must be seconds > 0, got '%.40s'", o->timeout);
            goto cleanup;
        }
        cfg->timeout_source = CLIENTCFG_SRC_FLAG;
    } else if (set(env_timeout)) {
        if (clientcfg_parse_timeout(env_timeout, &cfg->timeout_ms) != 0) {
            snprintf(err, errlen, "CTVCTL_TIMEOUT must be seconds > 0, got '%.40s'", env_timeout);
            goto cleanup;
        }
        cfg->timeout_source = CLIENTCFG_SRC_ENV;
    } else if (file_timeout > 0) {
        cfg->timeout_ms = file_timeout;
        cfg->timeout_source = CLIENTCFG_SRC_FILE;
    }
    rc = CLIENTCFG_OK;
cleanup:
    free(text);
    free(file_server);
    free(token_server);
    return rc;
}

int clientcfg_load_tokens(struct clientcfg *cfg, char *err, size_t errlen)
{
    const char *env = getenv("CTVCTL_TOKEN");
    char *text = NULL;
    json_t *doc = NULL;
    struct stat st;
    const char *a, *r;
    int rc = CLIENTCFG_ERR, got;

    clear_tokens(cfg);
    if (set(env)) {
        cfg->access_token = xstrdup(env);
        cfg->token_from_env = 1;
        return CLIENTCFG_OK;
    }
    if (cfg->token_path == NULL) {
        snprintf(err, errlen, "configuration not loaded");
        return CLIENTCFG_ERR;
    }
    got = read_small(cfg->token_path, TOKEN_FILE_MAX, &text, &st, err, errlen);
    if (got == 1) {
        snprintf(err, errlen, "not logged in (no %s); run 'ctvctl login' or set CTVCTL_TOKEN",
                 cfg->token_path);
        return CLIENTCFG_ENOTOKEN;
    }
    if (got < 0)
        goto cleanup;
    if (!clientcfg_mode_ok(st.st_mode)) {
        snprintf(err, errlen,
                 "token file %s has mode %04o: group or others may access it; "
                 "refusing it (chmod 600 it, or log in again)",
                 cfg->token_path, (unsigned)(st.st_mode & 07777));
        rc = CLIENTCFG_EMODE;
        goto cleanup;
    }
    doc = json_loads(text, 0, NULL);
    a = json_string_value(json_object_get(doc, "accessToken"));
    r = json_string_value(json_object_get(doc, "refreshToken"));
    if (a == NULL || a[0] == '\0') {
        snprintf(err, errlen, "token file %s is malformed; run 'ctvctl login'", cfg->token_path);
        goto cleanup;
    }
    cfg->access_token = xstrdup(a);
    cfg->refresh_token = r != NULL && r[0] != '\0' ? xstrdup(r) : NULL;
    if (json_is_string(json_object_get(doc, "server")))
        cfg->token_server = xstrdup(json_string_value(json_object_get(doc, "server")));
    if (json_is_string(json_object_get(doc, "email")))
        cfg->email = xstrdup(json_string_value(json_object_get(doc, "email")));
    rc = CLIENTCFG_OK;
cleanup:
    if (text != NULL)
        memset(text, 0, strlen(text));
    free(text);
    json_decref(doc);
    return rc;
}

static char *dupnull(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

int clientcfg_save_tokens(struct clientcfg *cfg, const char *server, const char *email,
                          const char *access_token, const char *refresh_token, char *err,
                          size_t errlen)
{
    char tmp[PATH_MAX] = "", *text = NULL;
    json_t *doc = NULL;
    size_t len, off = 0;
    ssize_t w;
    int fd = -1, rc = CLIENTCFG_ERR, saved;

    if (cfg->token_path == NULL || cfg->dir == NULL) {
        snprintf(err, errlen, "configuration not loaded");
        return CLIENTCFG_ERR;
    }
    /* Only the last component is made here: XDG_CONFIG_HOME itself must exist or be makeable. */
    if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
        char parent[PATH_MAX];
        char *slash;

        snprintf(parent, sizeof(parent), "%s", cfg->dir);
        slash = strrchr(parent, '/');
        if (slash != NULL && slash != parent) {
            *slash = '\0';
            if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
                saved = errno;
                snprintf(err, errlen, "cannot create %s: %s", parent, strerror(saved));
                return CLIENTCFG_ERR;
            }
        }
        if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
            saved = errno;
            snprintf(err, errlen, "cannot create %s: %s", cfg->dir, strerror(saved));
            return CLIENTCFG_ERR;
        }
    }
    doc = json_object();
    if (doc == NULL || json_object_set_new(doc, "server", json_string(server ? server : "")) != 0 ||
        (email != NULL && json_object_set_new(doc, "email", json_string(email)) != 0) ||
        json_object_set_new(doc, "accessToken", json_string(access_token)) != 0 ||
        (refresh_token != NULL &&
         json_object_set_new(doc, "refreshToken", json_string(refresh_token)) != 0)) {
        snprintf(err, errlen, "cannot encode the token file");
        goto cleanup;
    }
    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL) {
        snprintf(err, errlen, "cannot encode the token file");
        goto cleanup;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", cfg->token_path, (long)getpid()) >=
        (int)sizeof(tmp)) {
        snprintf(err, errlen, "token path too long");
        goto cleanup;
    }
    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        saved = errno;
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(saved));
        goto cleanup;
    }
    /* The umask cannot widen 0600, but a stricter one could make it unreadable to us. */
    if (fchmod(fd, 0600) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot chmod %s: %s", tmp, strerror(saved));
        goto cleanup;
    }
    len = strlen(text);
    while (off < len) {
        w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            saved = errno;
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
            goto cleanup;
        }
        off += (size_t)w;
    }
    if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        saved = errno;
        snprintf(err, errlen, "cannot close %s: %s", tmp, strerror(saved));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, cfg->token_path) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(saved));
        goto cleanup;
    }
    tmp[0] = '\0';
    {
        /* Copy first: the arguments may be cfg's own fields. */
        char *a = dupnull(access_token), *r = dupnull(refresh_token), *s = dupnull(server),
             *e = dupnull(email);

        clear_tokens(cfg);
        cfg->access_token = a;
        cfg->refresh_token = r;
        cfg->token_server = s;
        cfg->email = e;
    }
    rc = CLIENTCFG_OK;
cleanup:
    if (fd >= 0)
        close(fd);
    if (rc != CLIENTCFG_OK && tmp[0] != '\0')
        (void)unlink(tmp);
    if (text != NULL)
        memset(text, 0, strlen(text));
    free(text);
    json_decref(doc);
    return rc;
}

int clientcfg_delete_tokens(struct clientcfg *cfg, char *err, size_t errlen)
{
    int saved;

    clear_tokens(cfg);
    if (cfg->token_path == NULL)
        return CLIENTCFG_OK;
    if (unlink(cfg->token_path) != 0 && errno != ENOENT) {
        saved = errno;
        snprintf(err, errlen, "cannot delete %s: %s", cfg->token_path, strerror(saved));
        return CLIENTCFG_ERR;
    }
    return CLIENTCFG_OK;
}
