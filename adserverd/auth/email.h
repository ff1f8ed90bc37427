/*
 * email: the e-mail address rule of the admin API (register and login).
 *
 * The reference uses Joi's string().email(), which checks a dot-atom local
 * part, a domain of at least two labels in IDNA (punycode) form and a last
 * label on IANA's list of top-level domains (docs/admin-api.md). IANA's
 * list is not shipped by Debian; the publicsuffix package is, and its ICANN
 * section is organised by top-level domain, so the set of rightmost labels of
 * its ICANN rules is that list (IDN TLDs are converted to their xn-- form).
 * The set is loaded once at start-up and is read-only afterwards, so one
 * struct email_tlds may be shared by every thread.
 */
#ifndef EMAIL_H
#define EMAIL_H

#include <stddef.h>

/* Where Debian's publicsuffix package installs the list. */
#define EMAIL_TLDS_DEFAULT_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

struct email_tlds;

/*
 * Read the public suffix list at path and keep the top-level domains of its
 * ICANN section. Returns a set owned by the caller (email_tlds_free), or NULL
 * with a one-line reason in err (NUL-terminated, truncated to errlen; err may
 * be NULL when errlen is 0): unreadable file, a section marker missing, an
 * over-long line, a rule that is not a domain name, no TLD at all.
 */
struct email_tlds *email_tlds_load(const char *path, char *err, size_t errlen);

/* Release t; NULL is accepted. */
void email_tlds_free(struct email_tlds *t);

/* Number of distinct top-level domains in t. */
size_t email_tlds_count(const struct email_tlds *t);

/*
 * 1 when label[0..len) is in t, 0 otherwise. ASCII compares without regard
 * to case; a UTF-8 label is looked up by its punycode form, so "рф" and
 * "xn--p1ai" are the same TLD.
 */
int email_tld_known(const struct email_tlds *t, const char *label, size_t len);

/*
 * 1 when s[0..len) (UTF-8, no NUL needed) is an address Joi's email() with
 * its default options accepts, 0 otherwise, including for invalid UTF-8 and
 * embedded NULs. Nothing is kept or modified.
 * Known differences with Joi, all about non-ASCII input: Joi normalises to
 * NFC and maps the domain through UTS #46 before measuring and checking it;
 * here only ASCII, Latin-1, Greek and Cyrillic letters are case-folded,
 * full-width ASCII and ideographic full stops are mapped, and Unicode spaces
 * and C1 controls are refused. Other code points that UTS #46 maps, ignores
 * or disallows are taken as they are.
 */
int email_valid(const struct email_tlds *t, const char *s, size_t len);

#endif
