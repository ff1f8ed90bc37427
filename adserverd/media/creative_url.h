/*
 * creative_url: the contract's video_url of a stored creative, and the way
 * back from a video_url to the storage key.
 *
 * The admin API fixes video_url (docs/admin-api.md): outside production it
 * is literally http://localhost:4566/<bucket>/<key> whatever the real storage (clients
 * and the reference tests look for "localhost:4566"); in production it is
 * the storage's public URL (CLOUDFRONT_URL or the bucket), or for the local
 * backend the ad listener's /media URL. Players are given the real URL by
 * creative_url_player(), never video_url.
 *
 * The way back serves the media index (which files the ad listener may
 * serve) and the creative delete's storage clean-up: it accepts every form
 * this daemon writes, plus the /media form the demo seed stores.
 *
 * Pure over the read-only app configuration and storage; thread-safe.
 */
#ifndef CREATIVE_URL_H
#define CREATIVE_URL_H

#include <stddef.h>

struct app;

/* video_url for key into out[n] (NUL-terminated). 0, or -1 when it does not fit. */
int creative_url_video(struct app *app, const char *key, char *out, size_t n);

/*
 * The storage key a video_url of this daemon names, percent-decoded, into
 * out[n]. 0, or -1 when url has none of the known prefixes or the key is
 * invalid (storage_key_check) or does not fit.
 */
int creative_url_key(struct app *app, const char *url, char *out, size_t n);

/*
 * The URL a player fetches key from, NUL-terminated into out[n]: the
 * storage's public URL (S3, or MEDIA_BASE_URL / CLOUDFRONT_URL when set),
 * else, for local storage, ADSERVERD_PUBLIC_URL + "/media/" + key (key
 * URI-encoded, '/' kept). 0, or -1 when key is invalid, out is too small or
 * local storage has no ADSERVERD_PUBLIC_URL. The catalog loader calls this
 * for every creative of a snapshot; the admin API for upload answers.
 */
int creative_url_player(struct app *app, const char *key, char *out, size_t n);

/*
 * For local storage without public_url only: "/media/<key>" (URI-encoded,
 * '/' kept) into out[n], the path the ad listener serves key under; the ad
 * handlers join it to the request's public base (http/public_base.h), so
 * players fetch it from where they reached us. 0, or -1 otherwise.
 */
int creative_url_path(struct app *app, const char *key, char *out, size_t n);

#endif
