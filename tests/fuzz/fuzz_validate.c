/*
 * Fuzz target: validate's schemas and query parser. The input is run through
 * every schema twice, once parsed as JSON (any value, objects of any shape)
 * and once as a raw query string shaped by validate_query_parse(); each
 * verdict must be OK with values, or INVALID with a field and a message.
 */
#include "admin/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_all(const json_t *in)
{
    static const struct validate_schema *const schemas[] = {
        &validate_campaign_create_schema,   &validate_campaign_update_schema,
        &validate_campaign_status_schema,   &validate_campaign_list_schema,
        &validate_creative_metadata_schema, &validate_creative_update_schema,
        &validate_creative_list_schema,
    };
    size_t i;

    for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
        json_t *values = NULL;
        struct validate_failure f = {NULL, NULL};
        int rc = validate_object(schemas[i], in, &values, &f);

        if (rc == VALIDATE_OK) {
            if (!json_is_object(values))
                abort();
        } else if (rc != VALIDATE_INVALID || f.field == NULL || f.message == NULL ||
                   f.message[0] == '\0' || values != NULL) {
            abort();
        }
        validate_failure_release(&f);
        json_decref(values);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &err);
    struct validate_failure f = {NULL, NULL};

    if (in != NULL) {
        check_all(in);
        json_decref(in);
    }
    in = json_object();
    if (in == NULL)
        return 0;
    validate_query_parse(in, (const char *)data, size);
    check_all(in);
    if (validate_creative_metadata(in, &f) == VALIDATE_INVALID)
        validate_failure_release(&f);
    json_decref(in);
    return 0;
}
