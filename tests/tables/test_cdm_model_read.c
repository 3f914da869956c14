/*
 * test_cdm_model_read: unit test of the one model.json reader, f2c_cdm_model_read (f2c_cdm.h),
 * and of f2c_cdm_record_parse over it.
 *
 * Why: synapse-sql and the Blob publisher read model.json through it, so what the writer
 * (f2c_cdm_model_json) puts in must come back out unchanged, and a document that is not a
 * model.json must be refused with where it went wrong.
 * Usage: test_cdm_model_read CONFIG_DIR (samples/config)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_buf.h"
#include "fhir2cdm/f2c_cdm.h"
#include "fhir2cdm/f2c_schema.h"
#include "fhir2cdm/f2c_type.h"

#include "f2c_check.h"

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Two partitions per table, given out of order (the writer sorts them per entity). */
static char **partitions_of(const f2c_tableset *ts, size_t *n)
{
    char **v = calloc(2 * ts->count, sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < ts->count; i++)
        for (int k = 0; k < 2; k++) {
            f2c_buf b = {0};
            if (f2c_buf_printf(&b, "data/%s/partition-data-%s-op1.csv", ts->tables[i].entity,
                               k ? "a" : "b") != 0)
                abort();
            v[2 * i + (size_t)k] = b.data;
        }
    *n = 2 * ts->count;
    return v;
}

static void check_entity(const f2c_table *t, const f2c_cdm_entity *e)
{
    CHECK(same(e->name, t->entity), "entity %s", t->entity);
    CHECK(e->nattributes == f2c_table_width(t), "%s: %zu attributes", t->entity, e->nattributes);
    for (size_t k = 0; k < e->nattributes && k < f2c_table_width(t); k++) {
        CHECK(same(e->attributes[k].name, f2c_table_column_name(t, k)), "%s: attribute %zu",
              t->entity, k);
        CHECK(same(e->attributes[k].data_type, f2c_type_cdm_datatype(f2c_table_column_type(t, k))),
              "%s: dataType %zu", t->entity, k);
    }
    CHECK(e->npartitions == 2, "%s: %zu partitions", t->entity, e->npartitions);
    for (size_t k = 0; k < e->npartitions && k < 2; k++) {
        char want[512];
        snprintf(want, sizeof want, "data/%s/partition-data-%s-op1.csv", t->entity, k ? "b" : "a");
        CHECK(same(e->partitions[k].location, want), "%s: partition %zu", t->entity, k);
    }
}

/* Written by f2c_cdm_model_json, read back: the same entities, attributes and partitions. */
static void test_round_trip(const char *config)
{
    f2c_schema_input in = {.config_dir = config, .max_depth = 3};
    f2c_tableset ts;
    f2c_diags d = {0};
    if (f2c_schema_load(&in, &ts, NULL, &d) != F2C_OK) abort();
    size_t n;
    char **parts = partitions_of(&ts, &n);
    f2c_buf text = {0};
    f2c_error e;
    f2c_error_clear(&e);
    CHECK(f2c_cdm_model_json("m", &ts, "2024-01-01T00:00:00Z", (const char *const *)parts, n, &text,
                             &e) == F2C_OK,
          "model.json written");
    f2c_cdm_model m;
    CHECK(f2c_cdm_model_read(text.data, text.len, &m, &e) == F2C_OK, "read: %s", e.message);
    CHECK(m.committed == 1 && m.nentities == ts.count, "%zu entities, committed", m.nentities);
    for (size_t i = 0; i < m.nentities && i < ts.count; i++)
        check_entity(&ts.tables[i], &m.entities[i]);
    /* the commit record is the same reading */
    f2c_cdm_record r;
    CHECK(f2c_cdm_record_parse(text.data, text.len, &r, &e) == F2C_OK && r.committed &&
              r.count == n,
          "record: %zu locations", r.count);
    for (size_t i = 0, k = 0; i < m.nentities; i++)
        for (size_t j = 0; j < m.entities[i].npartitions && k < r.count; j++, k++)
            CHECK(same(r.locations[k], m.entities[i].partitions[j].location), "location %zu", k);
    f2c_cdm_record_free(&r);
    f2c_cdm_model_free(&m);
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    f2c_buf_free(&text);
    f2c_schema_free(&ts, NULL);
    f2c_diags_free(&d);
}

/* text must be refused with F2C_EJSON at (line, column), or with pointer when line is 0. */
static void refused(const char *text, long line, long column, const char *pointer)
{
    f2c_cdm_model m;
    f2c_error e;
    f2c_error_clear(&e);
    f2c_status st = f2c_cdm_model_read(text, strlen(text), &m, &e);
    CHECK(st == F2C_EJSON, "refused: %s", text);
    CHECK(m.nentities == 0 && !m.entities, "nothing kept: %s", text);
    CHECK(e.line == line && e.column == column && strcmp(e.pointer, pointer) == 0 &&
              strcmp(e.file, "model.json") == 0,
          "%s: at %ld:%ld %s (%s)", text, e.line, e.column, e.pointer, e.message);
    f2c_cdm_model_free(&m);
}

static void test_malformed(void)
{
    refused("not json", 1, 1, "");
    refused("{\n  \"entities\": [\n    {,}\n  ]\n}", 3, 7, ""); /* where cJSON stopped */
    refused("{\"entities\": [", 1, 14, "");
    refused("", 1, 1, "");
    refused("{}", 0, 0, "/entities");
    refused("[]", 0, 0, "/entities");
    refused("{\"entities\": {}}", 0, 0, "/entities");
}

/* Members absent or of the wrong type come out NULL or empty: each caller decides. */
static void test_lenient(void)
{
    const char *text = "{\"entities\": [7, {\"name\": 1, \"attributes\": [{\"name\": \"A\"}, 3],"
                       " \"partitions\": {\"location\": \"x\"}},"
                       " {\"name\": \"E\", \"partitions\": [{\"location\": 5}, {\"location\": "
                       "\"data/E/p.csv\"}]}]}";
    f2c_cdm_model m;
    f2c_error e;
    CHECK(f2c_cdm_model_read(text, strlen(text), &m, &e) == F2C_OK, "lenient: %s", e.message);
    CHECK(m.nentities == 3 && !m.committed, "three entities, not committed");
    if (m.nentities == 3) {
        CHECK(!m.entities[0].name && !m.entities[0].nattributes, "a number is an empty entity");
        CHECK(!m.entities[1].name && m.entities[1].nattributes == 2, "two attributes");
        CHECK(same(m.entities[1].attributes[0].name, "A") &&
                  !m.entities[1].attributes[0].data_type && !m.entities[1].attributes[1].name,
              "attribute members");
        CHECK(m.entities[1].npartitions == 0, "partitions not an array: none");
        CHECK(same(m.entities[2].name, "E") && m.entities[2].npartitions == 2 &&
                  !m.entities[2].partitions[0].location &&
                  same(m.entities[2].partitions[1].location, "data/E/p.csv"),
              "partition locations");
    }
    f2c_cdm_model_free(&m);
    f2c_cdm_record r;
    CHECK(f2c_cdm_record_parse(text, strlen(text), &r, &e) == F2C_OK && r.count == 1 &&
              same(r.locations[0], "data/E/p.csv"),
          "the record keeps string locations only");
    f2c_cdm_record_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_cdm_model_read CONFIG_DIR\n");
        return 2;
    }
    test_round_trip(argv[1]);
    test_malformed();
    test_lenient();
    return f2c_check_report("cdm_model_read");
}
