/*
 * log: see log.h. The line is built in a stack buffer and written with one
 * write(2) so concurrent threads never interleave within a line. Lines
 * longer than the buffer are cut (and still valid JSON).
 */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static atomic_int log_threshold = LOG_INFO;
static _Thread_local const char *log_req;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    atomic_store(&log_threshold, (int)level);
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = LOG_WARN;
        return 0;
    }
    return -1;
}

int log_enabled(enum log_level level)
{
    return (int)level <= atomic_load(&log_threshold);
}

void log_set_request(const char *req_id)
{
    log_req = req_id;
}

struct line {
    char data[LOG_LINE_MAX];
    size_t len;
};

static void line_raw(struct line *l, const char *s, size_t n)
{
    size_t room = sizeof(l->data) - 8 - l->len; /* keep room for the closing */

    if (n > room)
        n = room;
    memcpy(l->data + l->len, s, n);
    l->len += n;
}

static void line_str(struct line *l, const char *s)
{
    char esc[8];

    line_raw(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            line_raw(l, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            line_raw(l, esc, 6);
        } else {
            line_raw(l, (const char *)p, 1);
        }
    }
    line_raw(l, "\"", 1);
}

void log_msg(enum log_level level, const char *msg, ...)
{
    struct line l;
    struct timespec ts;
    struct tm tm;
    char head[96];
    int saved = errno;
    va_list ap;
    const char *k;

    if (!log_enabled(level))
        return;
    l.len = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(head, sizeof(head), "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
    line_raw(&l, head, strlen(head));
    line_str(&l, level_names[level]);
    snprintf(head, sizeof(head), ",\"pid\":%ld", (long)getpid());
    line_raw(&l, head, strlen(head));
    if (log_req != NULL) {
        line_raw(&l, ",\"req\":", 7);
        line_str(&l, log_req);
    }
    line_raw(&l, ",\"msg\":", 7);
    line_str(&l, msg);
    va_start(ap, msg);
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        line_raw(&l, ",", 1);
        line_str(&l, k);
        line_raw(&l, ":", 1);
        line_str(&l, v != NULL ? v : "");
    }
    va_end(ap);
    memcpy(l.data + l.len, "}\n", 2);
    l.len += 2;
    /* A lost log line is not worth failing a request over. */
    if (write(STDERR_FILENO, l.data, l.len) < 0)
        errno = saved;
    errno = saved;
}
