/*
 * pathcomp: Tab completion of a local file path (the creative to upload).
 *
 * Like a shell: "~/" is the home folder, the part after the last '/' is a
 * prefix matched against the entries of the folder before it (hidden
 * entries only when the prefix starts with '.'), a single match completes
 * fully ('/' appended to a folder), several complete to their longest
 * common prefix and are listed. Reads the file system only; no curses.
 */
#ifndef CTVTUI_PATHCOMP_H
#define CTVTUI_PATHCOMP_H

#include <stddef.h>

#define PATHCOMP_MAX_MATCHES 64

struct pathcomp {
    char *matches[PATHCOMP_MAX_MATCHES]; /* entry names (owned), sorted */
    size_t n;                            /* matches listed (<= PATHCOMP_MAX_MATCHES) */
    size_t total;                        /* all matches, also those not listed */
};

/*
 * Complete input into out (outsz bytes; input unchanged when nothing
 * matches). home replaces a leading "~" (NULL: no expansion). Fills pc with
 * the matches (release it with pathcomp_release). Returns the number of
 * matches, or -1 when the folder cannot be read or out is too small.
 */
int pathcomp_complete(const char *input, const char *home, char *out, size_t outsz,
                      struct pathcomp *pc);
void pathcomp_release(struct pathcomp *pc);

#endif
