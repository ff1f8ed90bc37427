/*
 * vastcheck: ctvctl's checker of VAST and VMAP documents (libxml2), for
 * `ctvctl vast fetch`. It never touches the network (NONET, no external
 * entities) and bounds what it keeps.
 *
 * Checks, each failure one line in problems:
 *   - well-formed XML (libxml2's first error, with its line);
 *   - root <VAST version="2.0|3.0|4.0|4.1|4.2"> or VMAP's <vmap:VMAP>;
 *   - each Ad has exactly one InLine or Wrapper; InLine has AdSystem,
 *     AdTitle, an Impression and a Creative; Wrapper a VASTAdTagURI;
 *   - each Linear has a Duration in HH:MM:SS[.mmm] and MediaFiles whose
 *     MediaFile has delivery, type, width, height and an http(s) URL;
 *   - VMAP: each AdBreak has timeOffset and breakType and an AdSource with
 *     inline VAST (checked as above) or an AdTagURI;
 *   - with a schema folder: validity against the IAB XSD of the version
 *     (player macros like [CACHEBUSTING] in CDATA masked first, as libxml2's
 *     anyURI check refuses brackets).
 * An empty <VAST> (no Ad) is valid: it is how servers say "no fill".
 */
#ifndef CTVCTL_VASTCHECK_H
#define CTVCTL_VASTCHECK_H

#include "lib/buf.h"

#include <jansson.h>
#include <stddef.h>

/*
 * Check doc[0..len). *summary (new reference) gets
 * {"kind":"VAST"|"VMAP","version":"4.2","ads":[{"id","sequence","type",
 * "title","duration","media":[{"type","width","height","url"}]}],
 * "breaks":[{"id","offset","type","ads":n}]}; problems gets one line per
 * failure. schema_dir may be NULL. Returns the number of problems (0 =
 * valid), or -1 when the document could not be parsed at all (problems
 * says why; *summary is still set).
 */
int vastcheck_run(const char *doc, size_t len, const char *schema_dir, json_t **summary,
                  struct buf *problems);

/* 1 when s is a VAST duration HH:MM:SS or HH:MM:SS.mmm; *seconds its value. */
int vastcheck_duration(const char *s, double *seconds);

#endif
