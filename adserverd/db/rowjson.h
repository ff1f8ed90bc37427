/*
 * rowjson: the contract's JSON value encoding (docs/admin-api.md) for the
 * admin API's row objects and hand-built numbers.
 *
 * The reference returns PostgreSQL rows through node-postgres, so a column's
 * SQL type decides its JSON type: integer columns are numbers; bigint,
 * numeric, COUNT and SUM results are strings holding PostgreSQL's own text
 * ("1000.00", "0"); timestamps are ISO strings (rendered by the query).
 * Queries here select each column under its contract name and the tables
 * below say which of the three shapes it takes, in the contract's key order.
 * Hand-built values (analytics, metrics) are JavaScript numbers and
 * toFixed(2) strings, reproduced by rowjson_number() and rowjson_fixed2().
 *
 * Used by the db_<table> modules (rows) and the api_* handlers (numbers);
 * pure functions, thread-safe.
 */
#ifndef ROWJSON_H
#define ROWJSON_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

enum rowjson_kind {
    ROWJSON_TEXT, /* string as PostgreSQL printed it (uuid, varchar, numeric, bigint, iso) */
    ROWJSON_INT,  /* integer column: a JSON number */
};

struct rowjson_col {
    const char *name; /* column name in the result = key in the object */
    enum rowjson_kind kind;
};

/*
 * Row row of res as an object with the keys of cols in order; SQL NULL is
 * null. A new reference, or NULL when jansson fails (invalid UTF-8 cannot
 * occur: the database encoding is UTF-8).
 */
json_t *rowjson_object(const PGresult *res, int row, const struct rowjson_col *cols, size_t n);

/* Every row of res, as rowjson_object() builds them, in an array (new reference or NULL). */
json_t *rowjson_array(const PGresult *res, const struct rowjson_col *cols, size_t n);

/*
 * v as JavaScript would put it in JSON: an integral value within 2^53 as a
 * JSON integer (JS prints 5, not 5.0), anything else as a real; -0 is 0.
 * A new reference, or NULL when jansson fails.
 */
json_t *rowjson_number(double v);

/*
 * Number.prototype.toFixed(2) for finite |v| < 1e21 into out (NUL-terminated):
 * the exact binary value rounded to two decimals, ties away from zero
 * ((0.125).toFixed(2) is "0.13", 1.005 is "1.00" because the double is
 * below 1.005). Returns 0, or -1 when v is outside that range.
 */
int rowjson_fixed2(double v, char out[32]);

/* parseFloat(v.toFixed(2)): the "rounded to 2 decimals" numbers of analytics. */
double rowjson_round2(double v);

/* The value of a text column read as parseInt / parseFloat would; 0 for NULL. */
double rowjson_parse(const char *text);

#endif
