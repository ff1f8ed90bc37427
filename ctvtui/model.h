/*
 * model: reading the API's JSON the way the contract writes it, for views.
 *
 * The contract mixes types on purpose (docs/admin-api.md): money and
 * counts are strings of digits ("1000.00", "12"), analytics are numbers,
 * ctr is "12.50" or the number 0. These helpers accept either so a view
 * never cares, and format money and dates for display. Pure; unit-tested.
 */
#ifndef CTVTUI_MODEL_H
#define CTVTUI_MODEL_H

#include <jansson.h>
#include <stddef.h>

/* A number member given as a JSON number or a numeric string; def otherwise. */
double model_num(const json_t *obj, const char *key, double def);
/* A string member, or def when absent, null or not a string. */
const char *model_str(const json_t *obj, const char *key, const char *def);

/* "$1,234.56" (negative: "-$1.00"). */
void model_money(char *out, size_t outsz, double v);
/* "2026-12-07" from an ISO timestamp (the first 10 bytes), "-" when absent. */
void model_date(char *out, size_t outsz, const char *iso);
/* Seconds since the epoch of an ISO-8601 UTC timestamp "YYYY-MM-DDTHH:MM:SS[.mmm]Z"; -1 if malformed. */
double model_epoch(const char *iso);

/*
 * Where spending should be by now for an even pace: budget times the
 * elapsed fraction of the flight [start, end] at time now (all epoch
 * seconds), clamped to [0, budget].
 */
double model_ideal_spend(double budget, double start, double end, double now);

/*
 * The series endpoint's pacing_target_micros is where the even pace wants
 * today's spend to be at the end of each minute (cumulative, back to 0 at
 * local midnight). Turn n such values into each minute's own target in
 * place: the step from the previous point (the value itself after a
 * reset); the first point takes the second one's step.
 */
void model_target_steps(double *t, size_t n);

#endif
