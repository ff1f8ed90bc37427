/*
 * clientcfg: where ctvctl and ctvtui find the server and the user's tokens.
 *
 * Server URL, first that is set wins:
 *   --server flag > CTVCTL_SERVER > "server" in $XDG_CONFIG_HOME/ctvctl/config
 *   > the server the stored token was issued by > http://127.0.0.1:3000
 * Timeout (seconds, decimals allowed):
 *   --timeout flag > CTVCTL_TIMEOUT > "timeout" in the config file > 30
 * $XDG_CONFIG_HOME defaults to $HOME/.config.
 *
 * The config file has "key = value" lines; '#' starts a comment; keys are
 * server and timeout. Unknown keys are an error (a typo must not be silent).
 *
 * Tokens: CTVCTL_TOKEN (an access token; never refreshed, never written)
 * beats the token file $XDG_CONFIG_HOME/ctvctl/token, a JSON object
 * {"server","email","accessToken","refreshToken"} written with mode 0600
 * (atomically: temporary file, fsync, rename). Like libpq with .pgpass, a
 * token file that group or others may read or write is refused, and so is
 * one that is not a regular file.
 *
 * Not thread-safe by itself: load in main(), then hand copies to threads.
 */
#ifndef CLIENTCFG_H
#define CLIENTCFG_H

#include <stddef.h>
#include <sys/types.h>

#define CLIENTCFG_DEFAULT_SERVER "http://127.0.0.1:3000"
#define CLIENTCFG_DEFAULT_TIMEOUT_MS 30000L

/* Where a value came from (for messages such as "server from CTVCTL_SERVER"). */
enum clientcfg_source {
    CLIENTCFG_SRC_DEFAULT = 0,
    CLIENTCFG_SRC_FLAG,
    CLIENTCFG_SRC_ENV,
    CLIENTCFG_SRC_FILE,
    CLIENTCFG_SRC_TOKEN,
};

/* Results of the functions below. */
enum clientcfg_rc {
    CLIENTCFG_OK = 0,
    CLIENTCFG_ERR = -1,      /* err says why (unreadable, malformed, bad value) */
    CLIENTCFG_EMODE = -2,    /* token file open to group/others: refused */
    CLIENTCFG_ENOTOKEN = -3, /* no token file and no CTVCTL_TOKEN */
};

/* Every string is owned by the struct (NULL when unset); clientcfg_release() frees them. */
struct clientcfg {
    char *dir;         /* $XDG_CONFIG_HOME/ctvctl */
    char *config_path; /* <dir>/config */
    char *token_path;  /* <dir>/token */
    char *server;      /* resolved server URL, trailing '/' removed */
    enum clientcfg_source server_source;
    long timeout_ms;
    enum clientcfg_source timeout_source;
    /* Filled by clientcfg_load_tokens(). */
    char *access_token;
    char *refresh_token;
    char *token_server; /* the server the stored tokens belong to */
    char *email;
    int token_from_env; /* CTVCTL_TOKEN was used */
};

/* What the command line says (NULL when not given). */
struct clientcfg_overrides {
    const char *server;
    const char *timeout; /* seconds as text, "2.5" allowed */
};

void clientcfg_init(struct clientcfg *cfg);
void clientcfg_release(struct clientcfg *cfg);

/*
 * Resolve dir, paths, server and timeout from o, the environment and the
 * config file (a missing file is fine). The token file is read only for its
 * server, and only when nothing else names one; its mode is not checked here.
 * CLIENTCFG_OK or CLIENTCFG_ERR with err filled.
 */
int clientcfg_load(struct clientcfg *cfg, const struct clientcfg_overrides *o, char *err,
                   size_t errlen);

/*
 * Fill the token fields: CTVCTL_TOKEN, else the token file. CLIENTCFG_OK,
 * CLIENTCFG_ENOTOKEN, CLIENTCFG_EMODE (err names the file and its mode) or
 * CLIENTCFG_ERR.
 */
int clientcfg_load_tokens(struct clientcfg *cfg, char *err, size_t errlen);

/*
 * Write the token file (creating dir with mode 0700 when missing) and update
 * the token fields of cfg. email may be NULL. CLIENTCFG_OK or CLIENTCFG_ERR.
 */
int clientcfg_save_tokens(struct clientcfg *cfg, const char *server, const char *email,
                          const char *access_token, const char *refresh_token, char *err,
                          size_t errlen);

/* Delete the token file (absent is fine) and clear the token fields. */
int clientcfg_delete_tokens(struct clientcfg *cfg, char *err, size_t errlen);

/* ---- Pure helpers (unit-tested) ----------------------------------------- */

/* <xdg or home/.config>/ctvctl into out; -1 when neither is set or out is short. */
int clientcfg_dir_path(const char *xdg_config_home, const char *home, char *out, size_t n);

/*
 * The server by precedence (flag, env, file, token; empty strings count as
 * unset), or the default; *src says which. Returns a borrowed pointer.
 */
const char *clientcfg_pick_server(const char *flag, const char *env, const char *file,
                                  const char *token, enum clientcfg_source *src);

/* "30", "2.5", "0.2": seconds into milliseconds (> 0, <= 1 day). 0 or -1. */
int clientcfg_parse_timeout(const char *s, long *ms);

/* 1 when a token file of this st_mode may be used (regular, no group/other bits). */
int clientcfg_mode_ok(mode_t mode);

/*
 * Parse config text: sets *server (malloc'd, caller frees; unchanged when
 * absent) and *timeout_ms (unchanged when absent). 0, or -1 with err naming
 * the line.
 */
int clientcfg_parse_config(const char *text, char **server, long *timeout_ms, char *err,
                           size_t errlen);

/* Name of a source ("--server", "CTVCTL_SERVER", "config file", ...). */
const char *clientcfg_source_name(enum clientcfg_source src);

#endif
