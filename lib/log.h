/*
 * log: JSON-lines logging to stderr.
 *
 * One object per line: time, level, pid, req (when known), msg, then the
 * caller's fields. Messages are short, lowercase, no final period; details
 * go in fields. Never pass tokens, passwords or signed URLs.
 *
 * Fields are given as alternating key/value C strings ending with NULL;
 * values are JSON-escaped. log_*f variants take a printf message instead.
 * Thread-safe: each line is written with a single write(2).
 */
#ifndef LOG_H
#define LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Set the threshold; lines above it are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);
/* Parse "error", "warn", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *s, enum log_level *out);
int log_enabled(enum log_level level);

/* The request id of the current thread's request, or NULL (not copied). */
void log_set_request(const char *req_id);

/* msg, then key, value, key, value, ..., NULL. */
void log_msg(enum log_level level, const char *msg, ...) __attribute__((sentinel));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__, (const char *)NULL)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__, (const char *)NULL)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__, (const char *)NULL)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__, (const char *)NULL)

#endif
