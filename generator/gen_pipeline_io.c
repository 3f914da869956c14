/*
 * gen_pipeline_io: the file side of `fhir2cdm generate-pipeline` — parsing templates, printing
 * JSON with 2-space indentation (cJSON_Print indents with tabs, and ARM templates are read by
 * people in the portal and in reviews), atomic writes, and the list of configuration files to
 * copy.  The JSON text itself is always produced from a cJSON tree: strings are escaped by
 * cJSON, never here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_fs.h"
#include "gen_pipeline_int.h"

cJSON *gp_parse_json(const char *text, size_t len, const char *name)
{
    const char *end = NULL;
    /* len + 1: cJSON wants the terminating NUL inside the length to check nothing follows. */
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!doc) {
        /* Line of the failure, so a broken template is found without a JSON tool. */
        long line = 1;
        const char *at = end ? end : text;
        for (const char *p = text; p < at && *p; p++)
            if (*p == '\n') line++;
        fprintf(stderr, GP_PROG ": %s: not valid JSON (line %ld)\n", name, line);
    }
    return doc;
}

static int indent(f2c_buf *out, int level)
{
    for (int i = 0; i < level; i++)
        if (f2c_buf_appends(out, "  ") != 0) return -1;
    return 0;
}

/* Scalars (strings with their escapes, numbers, booleans, null) as cJSON prints them. */
static int print_scalar(const cJSON *v, f2c_buf *out)
{
    char *text = cJSON_PrintUnformatted(v);
    if (!text) return -1;
    int rc = f2c_buf_appends(out, text);
    cJSON_free(text);
    return rc;
}

static int print_key(const char *key, f2c_buf *out)
{
    cJSON *node = cJSON_CreateString(key);
    if (!node) return -1;
    int rc = print_scalar(node, out);
    cJSON_Delete(node);
    return rc ? rc : f2c_buf_appends(out, ": ");
}

static int print_value(const cJSON *v, int level, f2c_buf *out)
{
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return print_scalar(v, out);
    int obj = cJSON_IsObject(v);
    if (!v->child) return f2c_buf_appends(out, obj ? "{}" : "[]");
    if (f2c_buf_appendc(out, obj ? '{' : '[') != 0) return -1;
    for (const cJSON *c = v->child; c; c = c->next) {
        if (f2c_buf_appendc(out, '\n') != 0 || indent(out, level + 1) != 0) return -1;
        if (obj && print_key(c->string, out) != 0) return -1;
        if (print_value(c, level + 1, out) != 0) return -1;
        if (c->next && f2c_buf_appendc(out, ',') != 0) return -1;
    }
    if (f2c_buf_appendc(out, '\n') != 0 || indent(out, level) != 0) return -1;
    return f2c_buf_appendc(out, obj ? '}' : ']');
}

int gp_json_print(const cJSON *v, f2c_buf *out)
{
    if (print_value(v, 0, out) != 0) return -1;
    return f2c_buf_appendc(out, '\n');
}

int gp_mkdirs(const char *path)
{
    if (f2c_fs_mkdirs(path, 0777) == 0) return 0;
    struct stat st;
    if (errno == ENOMEM)
        fprintf(stderr, GP_PROG ": out of memory\n");
    else if (errno == ENOTDIR && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
        fprintf(stderr, GP_PROG ": %s is not a folder\n", path);
    else
        fprintf(stderr, GP_PROG ": cannot create %s: %s\n", path, strerror(errno));
    return -1;
}

static int ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

static int add_file(gp_inputs *in, const char *src, const char *dst)
{
    gp_file *grown = realloc(in->files, (in->nfiles + 1) * sizeof *grown);
    if (!grown) return -1;
    in->files = grown;
    gp_file *f = &in->files[in->nfiles];
    f->src = strdup(src);
    f->dst = strdup(dst);
    if (!f->src || !f->dst) {
        free(f->src);
        free(f->dst);
        return -1;
    }
    in->nfiles++;
    return 0;
}

/* Adds every regular *.json file of dir, named prefix + name.  Missing dir: 0 if optional. */
static int add_folder(gp_inputs *in, const char *dir, const char *prefix, int optional)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (optional && errno == ENOENT) return 0;
        fprintf(stderr, GP_PROG ": cannot read folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    f2c_buf src = {0}, dst = {0};
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!ends_with_json(e->d_name)) continue;
        f2c_buf_reset(&src);
        f2c_buf_reset(&dst);
        if (f2c_buf_printf(&src, "%s/%s", dir, e->d_name) != 0 ||
            f2c_buf_printf(&dst, "%s%s", prefix, e->d_name) != 0) {
            fprintf(stderr, GP_PROG ": out of memory\n");
            rc = -1;
            break;
        }
        struct stat st;
        if (stat(src.data, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (add_file(in, src.data, dst.data) != 0) {
            fprintf(stderr, GP_PROG ": out of memory\n");
            rc = -1;
        }
    }
    closedir(d);
    f2c_buf_free(&src);
    f2c_buf_free(&dst);
    return rc;
}

static int by_dst(const void *a, const void *b)
{
    return strcmp(((const gp_file *)a)->dst, ((const gp_file *)b)->dst);
}

/* Sorted so the copy (and anything listing it) never depends on readdir order; two sources
 * with one destination name would overwrite each other in the container, so they are refused. */
static int sort_and_check(gp_inputs *in)
{
    if (in->nfiles) qsort(in->files, in->nfiles, sizeof *in->files, by_dst);
    for (size_t i = 1; i < in->nfiles; i++) {
        if (strcmp(in->files[i - 1].dst, in->files[i].dst) == 0) {
            fprintf(stderr, GP_PROG ": %s and %s would both be uploaded as config/%s\n",
                    in->files[i - 1].src, in->files[i].src, in->files[i].dst);
            return -1;
        }
    }
    return 0;
}

int gp_collect_config_files(const char *dir, gp_inputs *in)
{
    f2c_buf groups = {0};
    if (f2c_buf_printf(&groups, "%s/PropertiesGroup", dir) != 0) {
        fprintf(stderr, GP_PROG ": out of memory\n");
        return -1;
    }
    int rc = add_folder(in, dir, "", 0);
    if (rc == 0) rc = add_folder(in, groups.data, "PropertiesGroup/", 1);
    f2c_buf_free(&groups);
    return rc == 0 ? sort_and_check(in) : -1;
}

int gp_collect_view_files(const char *const *paths, size_t n, gp_inputs *in)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, GP_PROG ": cannot read %s: %s\n", paths[i], strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (add_folder(in, paths[i], "", 0) != 0) return -1;
            continue;
        }
        const char *base = strrchr(paths[i], '/');
        base = base ? base + 1 : paths[i];
        if (add_file(in, paths[i], base) != 0) {
            fprintf(stderr, GP_PROG ": out of memory\n");
            return -1;
        }
    }
    return sort_and_check(in);
}

void gp_inputs_free(gp_inputs *in)
{
    for (size_t i = 0; i < in->ntypes; i++)
        free(in->types[i]);
    free(in->types);
    for (size_t i = 0; i < in->nfiles; i++) {
        free(in->files[i].src);
        free(in->files[i].dst);
    }
    free(in->files);
    memset(in, 0, sizeof *in);
}

/* -o must not exist yet or be an empty folder. */
int gp_check_output(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT) return 0;
        fprintf(stderr, GP_PROG ": -o %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, GP_PROG ": -o %s exists and is not a folder\n", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, GP_PROG ": -o %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int empty = 1, link = 0;
    while (!link && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        empty = 0;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            fprintf(stderr,
                    GP_PROG ": -o %s: %s/%s is a symbolic link; refusing to write through it "
                            "(give a new or empty folder)\n",
                    dir, dir, e->d_name);
            link = 1;
        }
    }
    closedir(d);
    if (!empty && !link)
        fprintf(stderr, GP_PROG ": -o %s is not empty; give a new or empty folder\n", dir);
    return empty ? 0 : -1;
}

int gp_open_output(const char *dir)
{
    if (gp_mkdirs(dir) != 0) return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fprintf(stderr, GP_PROG ": cannot open %s: %s\n", dir, strerror(errno));
    return fd;
}

int gp_write_in(int dirfd, const char *dir, const char *name, const char *data, size_t len)
{
    if (f2c_fs_write_at(dirfd, name, data, len) == 0) return 0;
    if (errno == ENOMEM)
        fprintf(stderr, GP_PROG ": out of memory\n");
    else if (errno == ELOOP || errno == ENOTDIR || errno == EEXIST)
        fprintf(stderr,
                GP_PROG ": cannot write %s/%s: a symbolic link or a node that is not a "
                        "%s is in the way; refusing to follow or replace it\n",
                dir, name, errno == ENOTDIR ? "folder" : "regular file");
    else
        fprintf(stderr, GP_PROG ": cannot write %s/%s: %s\n", dir, name, strerror(errno));
    return -1;
}
