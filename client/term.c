/*
 * term: see term.h. Small and stateless but for the password prompt, which
 * must put the terminal's echo back whatever happens between.
 */
#include "client/term.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

int term_isatty(int fd)
{
    return isatty(fd) == 1;
}

int term_width(int fd, int fallback)
{
    struct winsize ws;
    const char *cols;
    char *end;
    long n;

    if (isatty(fd) == 1 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    cols = getenv("COLUMNS");
    if (cols != NULL && cols[0] != '\0') {
        errno = 0;
        n = strtol(cols, &end, 10);
        if (errno == 0 && *end == '\0' && n > 0 && n < 100000)
            return (int)n;
    }
    return fallback;
}

int term_color_decide(enum term_color flag, int is_tty, const char *no_color)
{
    if (flag == TERM_COLOR_ALWAYS)
        return 1;
    if (flag == TERM_COLOR_NEVER)
        return 0;
    if (no_color != NULL && no_color[0] != '\0')
        return 0;
    return is_tty != 0;
}

int term_use_color(int fd, enum term_color flag)
{
    return term_color_decide(flag, term_isatty(fd), getenv("NO_COLOR"));
}

int term_read_password(const char *prompt, char *buf, size_t n)
{
    struct termios old, quiet;
    int fd, rc = -1, restored = 1;
    size_t len = 0;
    char ch;
    ssize_t r;

    if (n == 0)
        return -1;
    fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (tcgetattr(fd, &old) != 0)
        goto cleanup;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    /*
     * Echo off before the prompt appears: whoever answers the prompt at once
     * (a person typing ahead, expect, a test) must never see the password
     * echoed, and TCSAFLUSH must not discard an answer typed after the prompt.
     */
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
        goto cleanup;
    restored = 0;
    if (write(fd, prompt, strlen(prompt)) < 0)
        goto cleanup;
    for (;;) {
        r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || ch == '\n' || ch == '\r')
            break;
        if (len + 1 >= n)
            goto cleanup; /* too long: refuse rather than cut a password */
        buf[len++] = ch;
    }
    buf[len] = '\0';
    rc = r < 0 ? -1 : 0;
cleanup:
    if (!restored) {
        (void)tcsetattr(fd, TCSAFLUSH, &old);
        (void)!write(fd, "\n", 1);
    }
    if (rc != 0)
        memset(buf, 0, n);
    close(fd);
    return rc;
}

/* Decode one UTF-8 sequence at s (at most len bytes): code point and its length, -1 if bad. */
static long utf8_next(const unsigned char *s, size_t len, size_t *used)
{
    long cp;
    size_t need, i;

    if (s[0] < 0x80) {
        *used = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        need = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        need = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        need = 4;
        cp = s[0] & 0x07;
    } else {
        *used = 1;
        return -1;
    }
    if (need > len) {
        *used = 1;
        return -1;
    }
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *used = 1;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *used = need;
    return cp;
}

static int cp_width(long cp)
{
    int w;

    if (cp < 0)
        return 1;
    if (cp < 0x20 || cp == 0x7F)
        return 0;
    if (cp < 0x7F)
        return 1;
    w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

int term_text_width(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, used;
    int w = 0;

    while (i < len && p[i] != '\0') {
        w += cp_width(utf8_next(p + i, len - i, &used));
        i += used;
    }
    return w;
}

size_t term_text_fit(const char *s, int cols, int *used_cols)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len = strlen(s), used;
    int w = 0, cw;

    while (i < len) {
        cw = cp_width(utf8_next(p + i, len - i, &used));
        if (w + cw > cols)
            break;
        w += cw;
        i += used;
    }
    if (used_cols != NULL)
        *used_cols = w;
    return i;
}
