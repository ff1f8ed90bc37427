/*
 * test_db_creatives: the upload transaction of adserverd/db/db_creatives
 * against a real PostgreSQL (DATABASE_URL, skipped when unset). An upload
 * is a creatives row and its creative_media row: both are written, or
 * (when either insert fails) neither, and the connection is handed back
 * outside any transaction. The fixture owns one user and one campaign and
 * deletes them (the creatives cascade) afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_creatives.h"
#include "util/uuid.h"
#include "tests/unit/pg_sql.h"

struct fixture {
    struct db_pool *pool;
    PGconn *pg;
    char user_id[64];
    char campaign_id[64];
};

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");
    static int serial;
    struct fixture *f;
    char email[128];
    const char *p[1];

    *state = NULL;
    if (url == NULL || url[0] == '\0')
        return 0;
    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    *state = f;
    f->pg = PQconnectdb(url);
    assert_int_equal(PQstatus(f->pg), CONNECTION_OK);
    f->pool = db_pool_new(url, 1);
    assert_non_null(f->pool);
    snprintf(email, sizeof(email), "db-creatives-%ld-%ld-%d@example.com", (long)getpid(),
             (long)time(NULL), ++serial);
    p[0] = email;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', 'dbc')"
                         " RETURNING id",
                         1, p, f->user_id, sizeof(f->user_id)),
                     0);
    p[0] = f->user_id;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaigns (name, status, budget_total, start_date, end_date,"
                         " created_by, pricing_model, cpm_rate) VALUES ('dbc', 'active', 100,"
                         " now(), now() + interval '1 day', $1, 'cpm', 10) RETURNING id",
                         1, p, f->campaign_id, sizeof(f->campaign_id)),
                     0);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *p[1];

    if (f == NULL)
        return 0;
    p[0] = f->campaign_id;
    if (f->campaign_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM campaigns WHERE id = $1", 1, p, NULL, 0);
    p[0] = f->user_id;
    if (f->user_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM users WHERE id = $1", 1, p, NULL, 0);
    db_pool_free(f->pool);
    PQfinish(f->pg);
    free(f);
    return 0;
}

/* The row counts the tests look at: fixed statements, the id a parameter. */
enum row_count { CREATIVES_BY_ID, MEDIA_BY_CREATIVE, MEDIA_BY_KEY };

static const char *const count_sql[] = {
    [CREATIVES_BY_ID] = "SELECT count(*) FROM creatives WHERE id = $1",
    [MEDIA_BY_CREATIVE] = "SELECT count(*) FROM creative_media WHERE creative_id = $1",
    [MEDIA_BY_KEY] = "SELECT count(*) FROM creative_media WHERE storage_key = $1",
};

static int count(struct fixture *f, enum row_count which, const char *id)
{
    char n[16] = "";
    const char *p[1] = {id};

    assert_int_equal(sql(f->pg, count_sql[which], 1, p, n, sizeof(n)), 0);
    return atoi(n);
}

static void upload_of(struct fixture *f, const char *id, struct db_creatives_upload *u)
{
    memset(u, 0, sizeof(*u));
    u->id = id;
    u->campaign_id = f->campaign_id;
    u->name = "spot";
    u->video_url = "http://127.0.0.1/media/spot.mp4";
    u->duration = "15";
    u->file_size = "1234";
    u->width = "1280";
    u->height = NULL; /* SQL NULL */
    u->format = "mp4";
    u->uploaded_by = f->user_id;
}

static void test_db_creatives_create_upload_writes_both_rows(void **state)
{
    struct fixture *f = *state;
    struct db_creatives_upload u;
    struct db_conn *c;
    json_t *row = NULL;
    char id[37], st[6] = "x";

    if (f == NULL)
        skip();
    assert_int_equal(uuid_v4(id), 0);
    upload_of(f, id, &u);
    c = db_acquire(f->pool, 5000);
    assert_non_null(c);
    assert_int_equal(db_creatives_create_upload(c, &u, "campaigns/x/creatives/a.mp4", "video/mp4",
                                                &row, st),
                     DB_CREATIVES_OK);
    assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
    db_release(f->pool, c);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "id")), id);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "processing");
    json_decref(row);
    assert_int_equal(count(f, CREATIVES_BY_ID, id), 1);
    assert_int_equal(count(f, MEDIA_BY_CREATIVE, id), 1);
}

static void test_db_creatives_create_upload_neither_row_on_failure(void **state)
{
    struct fixture *f = *state;
    struct db_creatives_upload u;
    struct db_conn *c;
    json_t *row = NULL;
    char id[37], st[6] = "", type[301];

    if (f == NULL)
        skip();
    assert_int_equal(uuid_v4(id), 0);
    upload_of(f, id, &u);
    /* the creative insert succeeds, the media insert does not (varchar(255)) */
    memset(type, 'v', sizeof(type) - 1);
    type[sizeof(type) - 1] = '\0';
    c = db_acquire(f->pool, 5000);
    assert_non_null(c);
    assert_int_equal(db_creatives_create_upload(c, &u, "campaigns/x/creatives/b.mp4", type, &row,
                                                st),
                     DB_CREATIVES_ERROR);
    assert_string_equal(st, "22001"); /* string_data_right_truncation */
    assert_null(row);                 /* untouched on failure */
    assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
    db_release(f->pool, c);
    assert_int_equal(count(f, CREATIVES_BY_ID, id), 0);
    assert_int_equal(count(f, MEDIA_BY_CREATIVE, id), 0);
}

static void test_db_creatives_create_upload_duplicate_id_refused(void **state)
{
    struct fixture *f = *state;
    struct db_creatives_upload u;
    struct db_conn *c;
    json_t *row = NULL;
    char id[37], st[6] = "";

    if (f == NULL)
        skip();
    assert_int_equal(uuid_v4(id), 0);
    upload_of(f, id, &u);
    c = db_acquire(f->pool, 5000);
    assert_non_null(c);
    assert_int_equal(db_creatives_create_upload(c, &u, "k1", "video/mp4", &row, st),
                     DB_CREATIVES_OK);
    json_decref(row);
    row = NULL;
    assert_int_equal(db_creatives_create_upload(c, &u, "k2", "video/mp4", &row, st),
                     DB_CREATIVES_ERROR);
    assert_string_equal(st, "23505"); /* unique_violation */
    assert_null(row);
    db_release(f->pool, c);
    assert_int_equal(count(f, CREATIVES_BY_ID, id), 1);
    assert_int_equal(count(f, MEDIA_BY_KEY, "k2"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_creatives_create_upload_writes_both_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_db_creatives_create_upload_neither_row_on_failure,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_creatives_create_upload_duplicate_id_refused,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
