/*
 * gen_schema_html: `fhir2cdm show-schema --format html`, the schema as one self-contained page.
 *
 * Why: the people who write table configurations and the people who query the CDM folder are
 * often not the same; a single file they can open in any browser, offline, shows every table,
 * its columns in CSV order with their FHIR and CDM types and source elements, and how each unroll
 * table joins to its parent.  Self-contained on purpose: inline CSS, one small inline script (a
 * filter box; the page is complete without it), no fonts, images or requests, so it works from a
 * file:// URL, in an e-mail attachment or on an air-gapped machine.
 *
 * Every string that comes from the configuration goes through gs_html_escape (the one escaping
 * function); the fixed markup here contains no configuration text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir2cdm/f2c_tablecfg.h"

#include "gen_schema_int.h"

void gs_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* An element path, escaped, with a line-break opportunity after each dot so long paths wrap
 * between elements rather than inside a name. */
static void html_path(FILE *f, const char *s)
{
    char one[2] = {0, 0};
    for (; *s; s++) {
        one[0] = *s;
        gs_html_escape(f, one);
        if (*s == '.') fputs("<wbr>", f);
    }
}

/* Escaped, ASCII-lower-cased: the filter box's search text. */
static void html_lower(FILE *f, const char *s)
{
    char one[2] = {0, 0};
    for (; *s; s++) {
        one[0] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        gs_html_escape(f, one);
    }
}

static const char css[] =
    ":root{--ink:#1d2330;--muted:#5d6677;--line:#d9dee7;--bg:#f6f7fa;--card:#fff;"
    "--res:#1f6feb;--unr:#8250df;--key:#fff8e1}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--ink);background:var(--bg)}\n"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}\n"
    "header{padding:18px 28px;background:#24292f;color:#fff}\n"
    "header h1{margin:0;font-size:20px;font-weight:600}\n"
    "header h1 code{font-size:18px;color:#c9d1d9}\n"
    "header p{margin:4px 0 0;color:#c9d1d9}\n"
    ".layout{display:grid;grid-template-columns:300px minmax(0,1fr);gap:24px;padding:20px 28px;"
    "align-items:start}\n"
    ".layout.single{grid-template-columns:minmax(0,1fr)}\n"
    "nav{position:sticky;top:12px;background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:14px 16px;max-height:calc(100vh - 24px);overflow:auto}\n"
    "nav h2{font-size:15px;margin:0 0 8px}\n"
    "#filter{width:100%;padding:6px 8px;margin:0 0 10px;border:1px solid var(--line);"
    "border-radius:6px;font:inherit}\n"
    "ul.tree,ul.tree ul{list-style:none;margin:0;padding:0}\n"
    "ul.tree ul{margin-left:14px;padding-left:12px;border-left:2px solid var(--line)}\n"
    "ul.tree li{margin:6px 0}\n"
    "ul.tree a{font-weight:600;text-decoration:none;color:var(--ink)}\n"
    "nav li,nav code{overflow-wrap:anywhere}\n"
    "ul.tree a:hover{text-decoration:underline}\n"
    ".small{font-size:12px;color:var(--muted)}\n"
    ".join{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px;"
    "color:var(--muted)}\n"
    ".badge{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:10px;"
    "vertical-align:middle;color:#fff}\n"
    ".badge.resource{background:var(--res)}\n"
    ".badge.unroll{background:var(--unr)}\n"
    "section.tbl{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:16px 20px;margin:0 0 20px;overflow-x:auto}\n"
    "section.tbl h2{margin:0 0 8px;font-size:19px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0 0 12px}\n"
    "dl.meta dt{color:var(--muted)}\n"
    "dl.meta dd{margin:0}\n"
    "table.joinmap{border-collapse:collapse}\n"
    "table.joinmap td{padding:1px 6px 1px 0;font-family:ui-monospace,SFMono-Regular,Menlo,"
    "Consolas,monospace;font-size:13px}\n"
    "table.cols{border-collapse:collapse;width:100%}\n"
    "table.cols th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;"
    "border-bottom:2px solid var(--line);padding:5px 8px;white-space:nowrap}\n"
    "table.cols td{border-bottom:1px solid var(--line);padding:4px 8px;vertical-align:top}\n"
    "table.cols td:nth-child(-n+4){white-space:nowrap}\n"
    "table.cols td.n{color:var(--muted);text-align:right;width:2.5em}\n"
    "table.cols tr.reserved td{background:var(--key)}\n"
    "table.cols td.el,table.cols td.x{overflow-wrap:break-word}\n"
    "dl.meta dd{overflow-wrap:anywhere}\n"
    "table.cols tr.reserved td.el{color:var(--muted);font-style:italic}\n"
    ".tag{display:inline-block;margin-left:6px;font-size:11px;padding:0 6px;border-radius:4px;"
    "background:#eef1f6;color:var(--muted);white-space:nowrap}\n"
    ".t{display:inline-block;font-size:12px;padding:0 6px;border-radius:4px;background:#eef1f6}\n"
    ".t.int64{background:#ddf4ff}.t.decimal{background:#dafbe1}.t.boolean{background:#fbefff}\n"
    ".t.dateTime{background:#fff1e5}\n"
    ".empty{color:var(--muted)}\n"
    "@media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr)}nav{position:static;"
    "max-height:none}}\n"
    "@media print{nav{display:none}.layout{grid-template-columns:minmax(0,1fr)}"
    "header{background:none;"
    "color:#000}}\n";

/* Hides the tables (and tree entries) that match neither by table nor by column name. */
static const char script[] =
    "(function () {\n"
    "  var box = document.getElementById('filter');\n"
    "  if (!box) return;\n"
    "  box.addEventListener('input', function () {\n"
    "    var q = box.value.trim().toLowerCase();\n"
    "    var items = document.querySelectorAll('[data-search]');\n"
    "    for (var i = 0; i < items.length; i++) {\n"
    "      var hit = !q || items[i].getAttribute('data-search').indexOf(q) >= 0;\n"
    "      items[i].style.opacity = hit ? '' : '0.3';\n"
    "      if (items[i].tagName === 'SECTION') items[i].hidden = !hit;\n"
    "    }\n"
    "  });\n"
    "})();\n";

static void table_link(FILE *f, const gs_schema *s, size_t i)
{
    const char *name = s->tables[i].t->name;
    if (gs_shown(s, i)) {
        fputs("<a href=\"#t-", f);
        gs_html_escape(f, name);
        fputs("\">", f);
        gs_html_escape(f, name);
        fputs("</a>", f);
    } else {
        fputs("<code>", f);
        gs_html_escape(f, name);
        fputs("</code>", f);
    }
}

static void search_attr(FILE *f, const gs_table *t)
{
    fputs(" data-search=\"", f);
    html_lower(f, t->t->name);
    for (size_t i = 0; i < t->ncols; i++) {
        fputc(' ', f);
        html_lower(f, t->cols[i].name);
    }
    fputc('"', f);
}

static void tree_item(FILE *f, const gs_schema *s, size_t i)
{
    const gs_table *t = &s->tables[i];
    fputs("<li", f);
    search_attr(f, t);
    fputs(">", f);
    table_link(f, s, i);
    fprintf(f, " <span class=\"badge %s\">%s</span>", gs_kind(t), gs_kind(t));
    fputs("<div class=\"small\">", f);
    if (t->unroll) {
        fputs("<code>", f);
        html_path(f, t->t->unroll_path);
        fputs("</code>", f);
    } else {
        gs_html_escape(f, t->t->resource_type);
    }
    fprintf(f, " · %zu columns</div>", t->ncols);
    /* The parent is the enclosing entry; the full condition is in the table's section. */
    if (t->unroll && t->parent >= 0) {
        fputs("<div class=\"join\">⋈ parent on ResourceId", f);
        if (t->join == GS_JOIN_PARENTPATH) fputs(", ParentPath = FhirPath", f);
        if (t->join == GS_JOIN_PREFIX) fputs(", FhirPath under its FhirPath", f);
        fputs("</div>", f);
    } else if (t->unroll) {
        fputs("<div class=\"join\">no resource table: join on ResourceId</div>", f);
    }
    if (t->nchildren) {
        fputs("<ul>", f);
        for (size_t k = 0; k < t->nchildren; k++)
            tree_item(f, s, t->children[k]);
        fputs("</ul>", f);
    }
    fputs("</li>\n", f);
}

/* One row of the join table: child.col = parent.col (or "starts with"). */
static void join_row(FILE *f, const gs_table *c, const gs_table *p, const char *ccol,
                     const char *op, const char *pcol)
{
    fputs("<tr><td>", f);
    gs_html_escape(f, c->t->name);
    fprintf(f, ".<b>%s</b></td><td>%s</td><td>", ccol, op);
    gs_html_escape(f, p->t->name);
    fprintf(f, ".<b>%s</b>%s</td></tr>", pcol, strcmp(op, "=") ? " + '.'" : "");
}

/* A short note on a reserved column: what it is for in joins. */
static void reserved_tag(FILE *f, const gs_schema *s, const gs_table *t, const char *name)
{
    const gs_table *p = t->parent >= 0 ? &s->tables[t->parent] : NULL;
    const char *note = NULL;
    if (strcmp(name, F2C_COL_ROWID) == 0) note = "row key";
    if (strcmp(name, F2C_COL_RESOURCEID) == 0 && !t->unroll) note = "key";
    if (strcmp(name, F2C_COL_RESOURCEID) == 0 && p) {
        fputs("<span class=\"tag\">joins ", f);
        gs_html_escape(f, p->t->name);
        fputs(".ResourceId</span>", f);
        return;
    }
    if (strcmp(name, F2C_COL_PARENTPATH) == 0 && p && t->join == GS_JOIN_PARENTPATH) {
        fputs("<span class=\"tag\">joins ", f);
        gs_html_escape(f, p->t->name);
        fputs(".FhirPath</span>", f);
        return;
    }
    if (strcmp(name, F2C_COL_FHIRPATH) == 0 && p && t->join == GS_JOIN_PREFIX) {
        fputs("<span class=\"tag\">starts with ", f);
        gs_html_escape(f, p->t->name);
        fputs(".FhirPath</span>", f);
        return;
    }
    if (strcmp(name, F2C_COL_FHIRPATH) == 0 && t->nchildren) note = "= children's ParentPath";
    if (note) fprintf(f, "<span class=\"tag\">%s</span>", note);
}

static int table_section(FILE *f, const gs_schema *s, size_t i)
{
    const gs_table *t = &s->tables[i];
    const f2c_table *ft = t->t;
    fputs("<section class=\"tbl\" id=\"t-", f);
    gs_html_escape(f, ft->name);
    fputc('"', f);
    search_attr(f, t);
    fputs(">\n<h2>", f);
    gs_html_escape(f, ft->name);
    fprintf(f, " <span class=\"badge %s\">%s table</span></h2>\n<dl class=\"meta\">", gs_kind(t),
            gs_kind(t));
    fputs("<dt>Rows</dt><dd>", f);
    if (t->unroll) {
        fputs("one per element at <code>", f);
        html_path(f, ft->unroll_path);
        fputs("</code>", f);
    } else {
        fputs("one per <b>", f);
        gs_html_escape(f, ft->resource_type);
        fputs("</b> resource", f);
    }
    fputs("</dd>\n<dt>Resource type</dt><dd>", f);
    gs_html_escape(f, ft->resource_type);
    fputs("</dd>\n<dt>CDM entity</dt><dd><code>", f);
    gs_html_escape(f, ft->entity);
    fputs("</code></dd>\n<dt>File</dt><dd><code>", f);
    gs_html_escape(f, t->file);
    fputs("</code></dd>\n", f);
    if (t->unroll) {
        fputs("<dt>Parent</dt><dd>", f);
        if (t->parent >= 0) {
            const gs_table *p = &s->tables[t->parent];
            table_link(f, s, (size_t)t->parent);
            fputs(" <span class=\"small\">— ", f);
            gs_html_escape(f, gs_join_words(t->join));
            fputs("</span></dd>\n<dt>Join</dt><dd><table class=\"joinmap\">", f);
            join_row(f, t, p, F2C_COL_RESOURCEID, "=", F2C_COL_RESOURCEID);
            if (t->join == GS_JOIN_PARENTPATH)
                join_row(f, t, p, F2C_COL_PARENTPATH, "=", F2C_COL_FHIRPATH);
            if (t->join == GS_JOIN_PREFIX)
                join_row(f, t, p, F2C_COL_FHIRPATH, "starts with", F2C_COL_FHIRPATH);
            fputs("</table></dd>\n", f);
        } else {
            fputs("<span class=\"empty\">none — no ", f);
            gs_html_escape(f, ft->resource_type);
            fputs(" table in this folder; join on ResourceId</span></dd>\n", f);
        }
    }
    if (t->nchildren) {
        fputs("<dt>Children</dt><dd>", f);
        for (size_t k = 0; k < t->nchildren; k++) {
            if (k) fputs(", ", f);
            table_link(f, s, t->children[k]);
        }
        fputs("</dd>\n", f);
    }
    fprintf(f, "<dt>Columns</dt><dd>%zu (%zu reserved)</dd>\n</dl>\n", t->ncols,
            f2c_table_reserved_count(ft));

    fputs("<table class=\"cols\"><thead><tr><th>#</th><th>Column</th><th>FHIR type</th>"
          "<th>CDM dataType</th><th>Element path</th>",
          f);
    if (t->has_expression) fputs("<th>fhirExpression</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t k = 0; k < t->ncols; k++) {
        const gs_col *c = &t->cols[k];
        const char *cdm = f2c_type_cdm_datatype(c->type);
        fprintf(f, "<tr%s><td class=\"n\">%zu</td><td><code>", c->col ? "" : " class=\"reserved\"",
                k + 1);
        gs_html_escape(f, c->name);
        fputs("</code>", f);
        if (!c->col) reserved_tag(f, s, t, c->name);
        fputs("</td><td>", f);
        gs_html_escape(f, f2c_type_name(c->type));
        fputs("</td><td><span class=\"t ", f);
        gs_html_escape(f, cdm);
        fputs("\">", f);
        gs_html_escape(f, cdm);
        fputs("</span></td><td class=\"el\">", f);
        if (c->col) {
            fputs("<code title=\"", f);
            fputs("declared in ", f);
            gs_html_escape(f, c->origin);
            fputs("\">", f);
            html_path(f, c->element);
            fputs("</code>", f);
        } else {
            gs_html_escape(f, c->element);
        }
        fputs("</td>", f);
        if (t->has_expression) {
            fputs("<td class=\"x\">", f);
            if (c->col && c->col->fhir_expression) {
                fputs("<code>", f);
                gs_html_escape(f, c->col->fhir_expression);
                fputs("</code>", f);
            }
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n</section>\n", f);
    return 0;
}

int gs_write_html(FILE *f, const gs_schema *s)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>",
          f);
    if (s->only >= 0) {
        gs_html_escape(f, s->tables[s->only].t->name);
        fputs(" — ", f);
    }
    fputs("Schema of ", f);
    gs_html_escape(f, s->dir);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>Schema of <code>",
            css);
    gs_html_escape(f, s->dir);
    fprintf(f,
            "</code></h1>\n<p>%zu table%s · property groups expanded to depth %d · columns "
            "in the order fhir2cdm-transform writes them; reserved columns highlighted</p>\n"
            "</header>\n",
            s->count, s->count == 1 ? "" : "s", s->max_depth);
    if (s->only < 0) {
        fputs("<div class=\"layout\">\n<nav>\n<h2>Tables and joins</h2>\n"
              "<input id=\"filter\" type=\"search\" placeholder=\"Filter by table or column name\""
              " aria-label=\"Filter by table or column name\">\n<ul class=\"tree\">\n",
              f);
        for (size_t i = 0; i < s->count; i++)
            if (s->tables[i].parent < 0) tree_item(f, s, i);
        fputs("</ul>\n</nav>\n<main>\n", f);
    } else {
        fputs("<div class=\"layout single\">\n<main>\n", f);
    }
    for (size_t n = 0; n < s->count; n++)
        if (gs_shown(s, s->order[n]) && table_section(f, s, s->order[n]) != 0) return -1;
    fputs("</main>\n</div>\n", f);
    if (s->only < 0) fprintf(f, "<script>\n%s</script>\n", script);
    fputs("</body>\n</html>\n", f);
    return 0;
}
