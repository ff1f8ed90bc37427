/*
 * validate: the Joi-compatible checks of the admin API's campaign and
 * creative bodies and list queries (docs/admin-api.md), table
 * driven.
 *
 * The reference validates these inputs with Joi 17 object schemas in
 * "abort early" mode and answers format C with the first failure, so the
 * exact message of the first failing rule is part of the contract. A schema
 * here is a table of fields in the reference's key order; each field has a
 * type (string, number, integer, ISO date, one-of) and rules that run in
 * Joi's order: conversion, presence, allowed values, type, then rules in the
 * order the reference declared them. Unknown keys are reported after every
 * known field passed, then whole-object rules (at least N keys, the pricing
 * rule). Messages are the reference's custom ones where it set them and
 * Joi's defaults ("\"<field>\" must be a number") otherwise.
 *
 * Valid input comes back as a new object of converted values: strings as
 * given, numbers as JSON numbers (money rounded to 2 decimals, integers as
 * JSON integers), dates as JSON integers of epoch milliseconds, nulls kept,
 * defaults filled in (pricing_model "cpm", page 1, limit 20). Handlers use
 * those values, never the raw body.
 *
 * Pure functions over jansson values: no I/O, no globals but the constant
 * schemas, safe from any thread. Memory comes from xalloc (aborts on OOM).
 */
#ifndef VALIDATE_H
#define VALIDATE_H

#include <jansson.h>
#include <stddef.h>

/* Result of a validation: the input passed, or the first failure is in *out. */
enum validate_result {
    VALIDATE_OK = 0,
    VALIDATE_INVALID = 1,
};

/*
 * The first failure, for reply_validation(req, field, message): field is the
 * key ("" for whole-body rules such as "\"value\" must have at least 1 key"),
 * message the exact text. Both are owned by the struct (a failure may quote
 * an arbitrary client key); free them with validate_failure_release().
 */
struct validate_failure {
    char *field;
    char *message;
};

/* Free what a VALIDATE_INVALID result wrote; safe on a zeroed struct, twice. */
void validate_failure_release(struct validate_failure *f);

/* ---- Tables ------------------------------------------------------------ */

enum validate_type {
    VALIDATE_STRING,  /* Joi string(): lengths in UTF-16 units, "" rejected */
    VALIDATE_NUMBER,  /* Joi number(): numbers and numeric strings */
    VALIDATE_INTEGER, /* Joi number().integer() */
    VALIDATE_DATE,    /* Joi date().iso(): docs/admin-api.md */
    VALIDATE_ONEOF,   /* Joi string().valid(...): any other value is "any.only" */
};

enum validate_flags {
    VALIDATE_REQUIRED = 1 << 0,    /* absent -> msg_required or "\"<f>\" is required" */
    VALIDATE_ALLOW_NULL = 1 << 1,  /* null passes and stays null */
    VALIDATE_ALLOW_EMPTY = 1 << 2, /* "" passes (strings) */
    VALIDATE_POSITIVE = 1 << 3,    /* number.positive */
    VALIDATE_MIN = 1 << 4,         /* number.min / string.min with min */
    VALIDATE_MAX = 1 << 5,         /* number.max / string.max with max */
    VALIDATE_ROUND2 = 1 << 6,      /* precision(2): rounded before the rules */
    VALIDATE_DEFAULT = 1 << 7,     /* absent -> def_string or def_number */
};

/*
 * One field. Rules run in Joi's fixed order for the reference's schemas:
 * integer, positive, min, max for numbers; min, max for strings; greater for
 * dates. A NULL message means Joi's default text.
 */
struct validate_field {
    const char *name;
    enum validate_type type;
    unsigned flags;
    double min, max;          /* value (numbers) or UTF-16 length (strings) */
    const char *const *oneof; /* VALIDATE_ONEOF: NULL-terminated allowed values */
    const char *greater;      /* VALIDATE_DATE: must be later than this earlier field */
    const char *def_string;   /* VALIDATE_DEFAULT for strings and one-ofs */
    double def_number;        /* VALIDATE_DEFAULT for numbers */
    const char *msg_required; /* any.required */
    const char *msg_positive; /* number.positive */
    const char *msg_min;      /* number.min / string.min */
    const char *msg_max;      /* number.max / string.max */
    const char *msg_only;     /* any.only (one-of) */
    const char *msg_format;   /* date.format */
    const char *msg_greater;  /* date.greater */
};

/* Whole-object rule run after the fields and the unknown-key check. */
enum validate_object_rule {
    VALIDATE_RULE_NONE = 0,
    VALIDATE_RULE_PRICING, /* campaign create: the rate of the pricing model is required */
};

struct validate_schema {
    const struct validate_field *fields;
    size_t nfields;
    size_t min_keys; /* object.min: "\"value\" must have at least N key(s)"; 0 = none */
    enum validate_object_rule rule;
};

/* The reference's schemas (docs/admin-api.md); the numbers name the
 * reference service's own section for each, kept to trace them. */
extern const struct validate_schema validate_campaign_create_schema;   /* 3.3.3 */
extern const struct validate_schema validate_campaign_update_schema;   /* 3.3.4 */
extern const struct validate_schema validate_campaign_status_schema;   /* 3.3.5 */
extern const struct validate_schema validate_campaign_list_schema;     /* 3.3.1 query */
extern const struct validate_schema validate_creative_metadata_schema; /* 3.4.1 step 7 */
extern const struct validate_schema validate_creative_update_schema;   /* 3.4.4 */
extern const struct validate_schema validate_creative_list_schema;     /* 3.4.2 query */

/* ---- Entry points ------------------------------------------------------ */

/*
 * Validate input (any JSON value; a non-object is "\"value\" must be of type
 * object" with field "") against schema. On VALIDATE_OK, *values (when not
 * NULL) receives a new object of converted values, owned by the caller
 * (json_decref); on VALIDATE_INVALID, *out receives the first failure and
 * *values is untouched. input is never modified.
 */
int validate_object(const struct validate_schema *schema, const json_t *input, json_t **values,
                    struct validate_failure *out);

/*
 * Creative upload metadata (3.4.1 step 7): validate_object() with
 * validate_creative_metadata_schema, for a caller that only needs the
 * verdict. meta is the parsed "metadata" part, or an object of the separate
 * text parts (strings convert like JSON numbers: "30" is a valid duration).
 */
int validate_creative_metadata(const json_t *meta, struct validate_failure *out);

/*
 * Parse the raw query string query[0..len) (the text after '?', as sent)
 * into obj the way Express's qs parser shapes req.query, so the list
 * schemas see what Joi saw: parts split at '&' and at the first '=';
 * '+' is a space; percent escapes are decoded like decodeURIComponent, and
 * a part that does not decode to valid UTF-8 is kept as sent; raw bytes
 * >= 0x80 are Latin-1 characters (Node reads the request line as Latin-1);
 * a repeated key becomes an array; "a[b]=1" / "a[]=1" an object under "a";
 * a key without '=' the string ""; an empty key and "__proto__" are skipped
 * (JavaScript does not store them); at most 1000 parts, empty ones
 * included, are read. Only the shape matters to the schemas (any non-string
 * fails the type check), so bracket contents are not nested further.
 */
void validate_query_parse(json_t *obj, const char *query, size_t len);

#endif
