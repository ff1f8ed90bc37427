/*
 * isodate: the ISO-8601 timestamps of the admin API, parsed and printed.
 *
 * The reference validates dates with Joi's date().iso() and V8's Date parser
 * and prints them with Date.prototype.toISOString(); clients send the shapes
 * listed in docs/admin-api.md and read back "2025-01-01T00:00:00.000Z". Both directions are done here with our own calendar arithmetic, so
 * neither TZ nor the locale can change a result. The server's zone is UTC by
 * contract, so a date-time without a zone is UTC.
 *
 * Pure functions: no allocation, no state, safe from any thread.
 */
#ifndef ISODATE_H
#define ISODATE_H

#include <stddef.h>
#include <stdint.h>

/* Size of isodate_format()'s output buffer: 24 characters and the NUL. */
#define ISODATE_SIZE 25

/*
 * Parse s[0..len) (no NUL needed; an embedded NUL simply fails) as one of
 *   YYYY | YYYY-MM | YYYY-MM-DD
 *   YYYY-MM-DD{T| }HH:MM[:SS[.F+]][Z|+HH:MM|-HH:MM|+HHMM|-HHMM]
 * with month 01-12, day 01-31, hour 00-23, minutes and seconds 00-59, zone
 * hours 00-23 and zone minutes 00-59. A day past the month's end rolls over
 * into the next month (2025-02-30 is 2025-03-02) [quirk, as V8]. Fractions
 * keep milliseconds only, read the way V8 reads them (see isodate.c).
 * Nothing else is accepted: no surrounding blanks, week or ordinal dates,
 * compact forms, expanded years, hour 24 or +HH zones.
 * On success writes milliseconds since 1970-01-01T00:00:00Z to *epoch_ms
 * and returns 0; returns -1 otherwise, *epoch_ms untouched.
 */
int isodate_parse(const char *s, size_t len, int64_t *epoch_ms);

/*
 * Write epoch_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, NUL-terminated) into the
 * caller's out, like JavaScript's toISOString(). Returns 0; -1 when the
 * instant lies outside years 0000-9999 (JavaScript would switch to a
 * six-digit signed year there), out untouched.
 */
int isodate_format(int64_t epoch_ms, char out[ISODATE_SIZE]);

#endif
