/*
 * gen_config_json: prints table configurations exactly as the original Node.js generator wrote
 * them, JSON.stringify(value, null, 4): 4-space indentation, "key": value, empty arrays and
 * objects as [] and {}, no newline at the end.  Byte-for-byte equality with the original's
 * outputs (../shared/compat/generator/YamlTestOutputs) is tested.
 *
 * The tree is built with cJSON (which keeps key order) and printed by the small walker below,
 * because cJSON_Print indents with tabs.  String escaping is cJSON's own
 * (cJSON_PrintUnformatted of a string node), never done here: it escapes exactly what
 * JSON.stringify escapes for the strings a configuration holds (quote, backslash, control
 * characters; UTF-8 passed through).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "gen_config_int.h"

static void indent(f2c_buf *out, int level)
{
    for (int i = 0; i < level * 4; i++)
        gc_putc(out, ' ');
}

/* A JSON string literal for s, escaped by cJSON. */
static void append_string(f2c_buf *out, const char *s)
{
    cJSON *node = cJSON_CreateString(s);
    char *text = node ? cJSON_PrintUnformatted(node) : NULL;
    if (!text) {
        cJSON_Delete(node);
        gc_oom();
    }
    gc_puts(out, text);
    cJSON_free(text);
    cJSON_Delete(node);
}

static void print_value(const cJSON *v, int level, f2c_buf *out)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int obj = cJSON_IsObject(v);
        if (!v->child) {
            gc_puts(out, obj ? "{}" : "[]");
            return;
        }
        gc_putc(out, obj ? '{' : '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            gc_putc(out, '\n');
            indent(out, level + 1);
            if (obj) {
                append_string(out, c->string);
                gc_puts(out, ": ");
            }
            print_value(c, level + 1, out);
            if (c->next) gc_putc(out, ',');
        }
        gc_putc(out, '\n');
        indent(out, level);
        gc_putc(out, obj ? '}' : ']');
    } else if (cJSON_IsString(v)) {
        append_string(out, v->valuestring);
    } else {
        /* Numbers, booleans, null: only met when rewriting an existing file (-v); cJSON prints
         * them as JSON.stringify would for the values configurations use. */
        char *text = cJSON_PrintUnformatted(v);
        if (!text) gc_oom();
        gc_puts(out, text);
        cJSON_free(text);
    }
}

void gc_json_print(const void *cjson, f2c_buf *out)
{
    f2c_buf_reset(out);
    print_value(cjson, 0, out);
}

static void add_str(cJSON *o, const char *key, const char *value)
{
    if (!cJSON_AddStringToObject(o, key, value)) gc_oom();
}

/* The property as the original wrote it; key order depends on where it came from. */
static cJSON *prop_json(const gc_prop *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) gc_oom();
    switch (p->kind) {
    case GC_P_DEFAULT: /* generatePropertyByPath / resolveResourceProperties */
        add_str(o, "path", p->path);
        add_str(o, "name", p->name);
        break;
    case GC_P_CUSTOM: /* addCustomizeProperties: path only when given */
        if (p->path) add_str(o, "path", p->path);
        add_str(o, "name", p->name);
        if (p->expr) add_str(o, "fhirExpression", p->expr);
        break;
    case GC_P_UNROLL: /* generatePropertyByUnrollPath */
        add_str(o, "name", p->name);
        add_str(o, "path", p->path ? p->path : "");
        break;
    }
    if (p->type)
        add_str(o, "type", p->type);
    else
        add_str(o, "propertiesGroupRef", p->group);
    return o;
}

void gc_table_json(const gc_table *t, f2c_buf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *props = cJSON_CreateArray();
    if (!o || !props) gc_oom();
    if (t->is_group) {
        add_str(o, "propertiesGroupName", t->name);
    } else {
        add_str(o, "name", t->name);
        add_str(o, "resourceType", t->resource_type);
        if (t->unroll_path) add_str(o, "unrollPath", t->unroll_path);
    }
    for (size_t i = 0; i < t->nprops; i++)
        cJSON_AddItemToArray(props, prop_json(&t->props[i]));
    cJSON_AddItemToObject(o, "properties", props);
    gc_json_print(o, out);
    /* Unlike the original (JSON.stringify output has none), files end with a line break, as
     * POSIX text files do; the only byte-level deviation from its output (docs/config-reference.md). */
    gc_putc(out, '\n');
    cJSON_Delete(o);
}
