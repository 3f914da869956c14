/*
 * gen_config_out: publishes a generated configuration — all or nothing.
 *
 * Why a temporary folder and a swap: the original wrote file after file into the target, so an
 * error half-way (or a configuration the transformer then refuses) left a half-written folder.
 * Here everything is written to a fresh folder beside the target (same file system, so the
 * final rename is atomic), the files already in the target are copied in first (the original
 * added to an existing folder: generate-config-unrollpath relies on that), and the result is
 * loaded with the transformer's own loader, f2c_tablecfg_load — one code path decides what a
 * valid configuration is (duplicate column names, group cycles, names, types...).  Only when
 * it loads cleanly does the new folder replace the old one; otherwise it is removed and the
 * target is untouched.
 *
 * The loader's diagnostics name files in the temporary folder; they are reported with the
 * target's path instead, and, for a file generated in this run, at the YAML line:column of the
 * property the loader points at (its JSON pointer /properties/N).
 *
 * Only what a table configuration folder holds is copied (regular files at the top and in
 * PropertiesGroup/); a target that holds anything else, or is a symbolic link, is refused
 * rather than replaced, so no user data can be lost in the swap.  A symbolic link inside the
 * target (at a table file, at PropertiesGroup/ or in it) is refused by name, never followed,
 * and every file is written relative to the new folder's descriptor by f2c_fs_write_at
 * (O_NOFOLLOW, a new file renamed into place), so no write can leave the folder (issue 12).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir2cdm/f2c_error.h"
#include "fhir2cdm/f2c_fs.h"
#include "fhir2cdm/f2c_tablecfg.h"
#include "gen_config_int.h"

#define GROUP_DIR "PropertiesGroup"

/* Reads a whole file; NULL (errno set) on failure; out of memory ends the program. */
static char *read_all(const char *path, size_t *len)
{
    char *text = f2c_fs_read(path, 0, len);
    if (!text && errno == ENOMEM) gc_oom();
    return text;
}

static gc_loc at_file(const char *file)
{
    gc_loc l = {file, 0, 0};
    return l;
}

int gc_write_file(const char *dir, const char *name, const char *data, size_t len,
                  const char *shown, gc_diags *d)
{
    /* dir is a folder this run created; O_NOFOLLOW: it must still be that folder, not a link. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = fd < 0 ? -1 : f2c_fs_write_at(fd, name, data, len);
    int e = errno;
    if (fd >= 0) close(fd);
    if (rc == 0) return 0;
    if (e == ENOMEM) gc_oom();
    if (e == ELOOP || e == ENOTDIR || e == EEXIST) {
        gc_diag(d, at_file(shown),
                "a symbolic link or a node that is not a %s is in the way; refusing to "
                "follow or replace it",
                e == ENOTDIR ? "folder" : "regular file");
        return 2;
    }
    gc_diag(d, at_file(shown), "cannot write: %s", strerror(e));
    return 1;
}

/* The refusal of an entry of the existing target that the swap would drop (rc -2). */
static void refuse_entry(const char *path, const struct stat *st, const char *refusal, gc_diags *d)
{
    if (S_ISLNK(st->st_mode))
        gc_diag(d, at_file(path),
                "is a symbolic link; refusing to follow it (the output folder must hold the "
                "files themselves)");
    else if (refusal)
        gc_diag(d, at_file(path), "%s", refusal);
    else
        gc_diag(d, at_file(path),
                "not a table configuration file (only files and %s/ belong in the "
                "output folder); refusing to replace the folder",
                GROUP_DIR);
}

/* Copies the regular files of src into dst/sub (dst exists; sub "" or GROUP_DIR); sub-folder
 * PropertiesGroup is copied when `top`.  Entries are examined without following links: a link
 * (also one named PropertiesGroup) is refused, never followed.  Returns 0, -1 on an I/O error,
 * or -2 when src holds anything else (reported: the folder is not ours to replace; `refusal`
 * is the message, NULL for the table configuration's). */
static int copy_dir(const char *src, const char *dst, const char *sub, int top, const char *refusal,
                    gc_diags *d)
{
    DIR *dp = opendir(src);
    if (!dp) {
        gc_diag(d, at_file(src), "cannot read folder: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *s = gc_xprintf("%s/%s", src, e->d_name);
        char *name = *sub ? gc_xprintf("%s/%s", sub, e->d_name) : gc_xstrdup(e->d_name);
        struct stat st;
        if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            gc_diag(d, at_file(s), "cannot stat: %s", strerror(errno));
            rc = -1;
        } else if (S_ISREG(st.st_mode)) {
            size_t len;
            char *data = read_all(s, &len);
            if (!data) {
                gc_diag(d, at_file(s), "cannot read: %s", strerror(errno));
                rc = -1;
            } else {
                int w = gc_write_file(dst, name, data, len, s, d);
                rc = w == 0 ? 0 : w == 2 ? -2 : -1;
            }
            free(data);
        } else if (top && S_ISDIR(st.st_mode) && !strcmp(e->d_name, GROUP_DIR)) {
            rc = copy_dir(s, dst, GROUP_DIR, 0, refusal, d);
        } else {
            refuse_entry(s, &st, refusal, d);
            rc = -2;
        }
        free(s);
        free(name);
    }
    closedir(dp);
    return rc;
}

/* Copy of s with every occurrence of `from` replaced by `to`. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    f2c_buf b = {0};
    size_t fl = strlen(from);
    const char *p;
    while (fl && (p = strstr(s, from)) != NULL) {
        if (f2c_buf_append(&b, s, (size_t)(p - s))) gc_oom();
        gc_puts(&b, to);
        s = p + fl;
    }
    gc_puts(&b, s);
    return b.data;
}

/*
 * Reports the loader's diagnostic e about folder `tmp`, as about `target`.  Files inside the
 * folder are named relative to it in the message ("Patient.json#/properties/2"); a file
 * generated in this run is reported at the YAML location of the property the pointer names.
 */
static void report_loader_diag(const gc_config *c, const unsigned char *written, const f2c_error *e,
                               const char *tmp, const char *target, gc_diags *d)
{
    size_t tl = strlen(tmp);
    const char *rel =
        strncmp(e->file, tmp, tl) == 0 && e->file[tl] == '/' ? e->file + tl + 1 : NULL;
    char *prefix = gc_xprintf("%s/", tmp);
    char *msg = replace_all(e->message, prefix, "");
    free(prefix);
    const gc_table *t = NULL;
    if (rel) {
        for (size_t i = 0; i < c->count; i++)
            if (written[i] && strcmp(c->tables[i].file, rel) == 0) t = &c->tables[i];
    }
    if (t) {
        gc_loc loc = t->loc;
        unsigned long idx;
        if (sscanf(e->pointer, "/properties/%lu", &idx) == 1 && idx < t->nprops)
            loc = t->props[idx].loc;
        gc_diag(d, loc, "%s%s%s: %s", rel, *e->pointer ? "#" : "", e->pointer, msg);
    } else {
        char *shown = rel ? gc_xprintf("%s/%s", target, rel) : replace_all(e->file, tmp, target);
        gc_loc loc = {shown, e->line, e->column};
        gc_diag(d, loc, "%s%s%s", e->pointer, *e->pointer ? ": " : "", msg);
        free(shown);
    }
    free(msg);
}

/* Dot path "R.p" of an unroll table document with exactly one step after R, or NULL. */
static const char *two_step_unroll(const cJSON *doc)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(doc, "unrollPath");
    if (!cJSON_IsString(u)) return NULL;
    const char *dot = strchr(u->valuestring, '.');
    if (!dot || strchr(dot + 1, '.') || !dot[1]) return NULL;
    return u->valuestring;
}

/*
 * -v (the original's --validate): a resource table should not also hold a property that an
 * unroll table of the same resource covers.  For every pair (resource table of R, unroll table
 * R.p) of which at least one was generated in this run, the resource table's properties with
 * path p are dropped and the file rewritten.  (The original did this for the generated
 * resource tables against existing unroll tables, and for existing resource tables against a
 * generated unroll table.)
 */
static int apply_validate(const gc_config *c, const unsigned char *written, const char *tmp,
                          gc_diags *d)
{
    DIR *dp = opendir(tmp);
    if (!dp) {
        gc_diag(d, at_file(tmp), "cannot read folder: %s", strerror(errno));
        return -1;
    }
    char **files = NULL;
    cJSON **docs = NULL;
    int *gen = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        char *p = gc_xprintf("%s/%s", tmp, e->d_name);
        size_t tl;
        char *text = read_all(p, &tl);
        cJSON *doc = text ? cJSON_ParseWithLength(text, tl) : NULL;
        free(text);
        if (!cJSON_IsObject(doc)) {
            /* Not a table file we can read: the loader reports it. */
            cJSON_Delete(doc);
            free(p);
            continue;
        }
        files = gc_xrealloc(files, (n + 1) * sizeof *files);
        docs = gc_xrealloc(docs, (n + 1) * sizeof *docs);
        gen = gc_xrealloc(gen, (n + 1) * sizeof *gen);
        files[n] = p;
        docs[n] = doc;
        gen[n] = 0;
        for (size_t i = 0; i < c->count; i++)
            if (written[i] && !c->tables[i].is_group && strcmp(c->tables[i].file, e->d_name) == 0)
                gen[n] = 1;
        n++;
    }
    closedir(dp);
    int rc = 0;
    for (size_t r = 0; r < n && rc == 0; r++) {
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(docs[r], "resourceType");
        const cJSON *ru = cJSON_GetObjectItemCaseSensitive(docs[r], "unrollPath");
        cJSON *props = cJSON_GetObjectItemCaseSensitive(docs[r], "properties");
        if (!cJSON_IsString(rt) ||
            (ru && !cJSON_IsNull(ru) && !(cJSON_IsString(ru) && !*ru->valuestring)) ||
            !cJSON_IsArray(props))
            continue;
        int changed = 0;
        for (size_t u = 0; u < n; u++) {
            const char *up = two_step_unroll(docs[u]);
            if (!up || !(gen[r] || gen[u])) continue;
            size_t rl = strlen(rt->valuestring);
            if (strncmp(up, rt->valuestring, rl) != 0 || up[rl] != '.') continue;
            const char *step = up + rl + 1;
            cJSON *p = props->child;
            while (p) {
                cJSON *next = p->next;
                const cJSON *path = cJSON_GetObjectItemCaseSensitive(p, "path");
                if (cJSON_IsString(path) && strcmp(path->valuestring, step) == 0) {
                    cJSON_Delete(cJSON_DetachItemViaPointer(props, p));
                    changed = 1;
                }
                p = next;
            }
        }
        if (changed) {
            f2c_buf out = {0};
            gc_json_print(docs[r], &out);
            gc_putc(&out, '\n'); /* as every file the generator writes (gc_table_json) */
            const char *base = strrchr(files[r], '/') + 1;
            if (gc_write_file(tmp, base, out.data, out.len, files[r], d) != 0) rc = -1;
            f2c_buf_free(&out);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
        cJSON_Delete(docs[i]);
    }
    free(files);
    free(docs);
    free(gen);
    return rc;
}

/* Splits `path` (trailing slashes ignored) into parent folder and last component. */
static void split_path(const char *path, char **parent, char **base)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t i = len;
    while (i > 0 && path[i - 1] != '/')
        i--;
    *base = gc_xstrndup(path + i, len - i);
    if (i == 0)
        *parent = gc_xstrdup(".");
    else if (i == 1)
        *parent = gc_xstrdup("/");
    else
        *parent = gc_xstrndup(path, i - 1);
}

/*
 * Creates the new folder beside the target, named .<base>.fhir2cdm-new-<pid>-<n>.  Not
 * mkdtemp: its folder is mode 0700, and the published folder should get the usual permissions
 * (0777 less the umask), as the original's mkdirSync gave.  The parent folder is created
 * first, mkdir -p (the user asked for -o a/b/c; a data engineer expects the missing a/b to be
 * created, as `fhir2cdm-transform --output` does).  Returns the path or NULL.
 */
static char *make_new_dir(const char *parent, const char *base, gc_diags *d)
{
    (void)f2c_fs_mkdirs(parent, 0777); /* errors surface when the folder itself is created */
    for (int n = 0; n < 1000; n++) {
        char *p = gc_xprintf("%s/.%s.fhir2cdm-new-%ld-%d", parent, base, (long)getpid(), n);
        if (mkdir(p, 0777) == 0) return p;
        int e = errno;
        if (e != EEXIST) {
            gc_diag(d, at_file(p), "cannot create temporary folder: %s", strerror(e));
            free(p);
            return NULL;
        }
        free(p);
    }
    gc_diag(d, at_file(parent), "cannot create a temporary folder (too many left over)");
    return NULL;
}

int gc_target_check(const char *target, gc_target *t, gc_diags *d)
{
    memset(t, 0, sizeof *t);
    t->path = target;
    struct stat st;
    t->exists = lstat(target, &st) == 0;
    if (!t->exists && errno != ENOENT) {
        gc_diag(d, at_file(target), "cannot use output folder: %s", strerror(errno));
        return 1;
    }
    if (t->exists && S_ISLNK(st.st_mode)) {
        /* The swap would replace the link by a folder: ask for the real folder instead. */
        gc_diag(d, at_file(target),
                "output folder is a symbolic link; give the folder it "
                "points to");
        return 2;
    }
    if (t->exists && !S_ISDIR(st.st_mode)) {
        gc_diag(d, at_file(target), "output exists and is not a folder");
        return 2;
    }
    if (t->exists) t->mode = (unsigned)(st.st_mode & 07777);
    split_path(target, &t->parent, &t->base);
    if (!strcmp(t->base, ".") || !strcmp(t->base, "..") || !strcmp(t->base, "/")) {
        /* The new folder is made beside the target and swapped in by name. */
        gc_diag(d, at_file(target),
                "give the output folder by its name (e.g. ../config), not "
                "as '.', '..' or '/'");
        gc_target_free(t);
        return 2;
    }
    return 0;
}

void gc_target_free(gc_target *t)
{
    free(t->parent);
    free(t->base);
    t->parent = t->base = NULL;
}

char *gc_make_new_dir(const gc_target *t, gc_diags *d)
{
    return make_new_dir(t->parent, t->base, d);
}

int gc_copy_existing(const char *src, const char *dst, const char *refusal, gc_diags *d)
{
    return copy_dir(src, dst, "", refusal == NULL, refusal, d);
}

int gc_write_tables(const gc_config *c, const char *tmp, const char *target, unsigned char *written,
                    size_t *tables, size_t *groups, size_t *kept, gc_diags *d)
{
    int rc = 0;
    f2c_buf json = {0};
    for (size_t i = 0; i < c->count && rc == 0; i++) {
        const gc_table *t = &c->tables[i];
        char *p = gc_xprintf("%s/%s", tmp, t->file);
        struct stat st;
        if (t->keep_existing && lstat(p, &st) == 0) {
            ++*kept;
            free(p);
            continue;
        }
        gc_table_json(t, &json);
        char *shown = gc_xprintf("%s/%s", target, t->file);
        rc = gc_write_file(tmp, t->file, json.data, json.len, shown, d);
        free(shown);
        written[i] = 1;
        if (t->is_group)
            ++*groups;
        else
            ++*tables;
        free(p);
    }
    /* The folder always holds PropertiesGroup/ (the transformer's layout), even when empty. */
    if (rc == 0) {
        int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int g = fd < 0 ? -1 : f2c_fs_dir_at(fd, GROUP_DIR, 1, 0777);
        if (g < 0) {
            char *shown = gc_xprintf("%s/%s", target, GROUP_DIR);
            gc_diag(d, at_file(shown), "cannot create folder: %s", strerror(errno));
            free(shown);
            rc = 1;
        } else {
            close(g);
        }
        if (fd >= 0) close(fd);
    }
    f2c_buf_free(&json);
    return rc;
}

int gc_load_tables(const gc_config *c, const unsigned char *written, const char *tmp,
                   const char *target, int max_depth, f2c_tableset *ts, gc_diags *d)
{
    f2c_diags ld = {0};
    f2c_status s = f2c_tablecfg_load(tmp, max_depth, ts, &ld);
    if (s == F2C_ENOMEM) gc_oom();
    int rc = 0;
    if (s != F2C_OK) {
        for (size_t i = 0; i < ld.count; i++)
            report_loader_diag(c, written, &ld.items[i], tmp, target, d);
        if (ld.count == 0) gc_diag(d, at_file(target), "%s", f2c_status_name(s));
        rc = 2;
    }
    f2c_diags_free(&ld);
    return rc;
}

int gc_swap_into_place(const gc_target *t, const char *tmp, gc_diags *d)
{
    const char *target = t->path;
    if (!t->exists) {
        if (rename(tmp, target) != 0) {
            gc_diag(d, at_file(target), "cannot move the new folder into place: %s",
                    strerror(errno));
            return 1;
        }
        return 0;
    }
    /* rename() replaces an empty folder: park the old one in a fresh empty folder. */
    char *old = gc_xprintf("%s/.%s.fhir2cdm-old-XXXXXX", t->parent, t->base);
    if (!mkdtemp(old)) {
        gc_diag(d, at_file(old), "cannot create temporary folder: %s", strerror(errno));
        free(old);
        return 1;
    }
    if (rename(target, old) != 0) {
        gc_diag(d, at_file(target), "cannot move the old folder aside: %s", strerror(errno));
        rmdir(old);
        free(old);
        return 1;
    }
    if (rename(tmp, target) != 0) {
        gc_diag(d, at_file(target), "cannot move the new folder into place: %s", strerror(errno));
        if (rename(old, target) != 0)
            gc_diag(d, at_file(old), "the previous folder is left here: %s", strerror(errno));
        free(old);
        return 1;
    }
    (void)f2c_fs_remove_tree(old);
    free(old);
    return 0;
}

int gc_publish(const gc_config *c, gc_publish_opts *o, gc_diags *d)
{
    const char *target = o->out_dir;
    gc_target tg;
    int rc = gc_target_check(target, &tg, d);
    if (rc != 0) return rc;
    unsigned char *written = gc_xmalloc(c->count ? c->count : 1);
    memset(written, 0, c->count ? c->count : 1);
    char *tmp = gc_make_new_dir(&tg, d);
    if (!tmp) {
        rc = 1;
        goto out;
    }
    /* The new folder takes the old one's permissions (else mkdir's: 0777 less umask). */
    if (tg.exists) chmod(tmp, tg.mode);
    int cr = tg.exists ? gc_copy_existing(target, tmp, NULL, d) : 0;
    if (cr != 0) rc = cr == -2 ? 2 : 1;
    if (rc == 0)
        rc = gc_write_tables(c, tmp, target, written, &o->written_tables, &o->written_groups,
                             &o->kept_groups, d);
    if (rc == 0 && o->validate && apply_validate(c, written, tmp, d) != 0) rc = 1;
    if (rc == 0) {
        f2c_tableset ts;
        rc = gc_load_tables(c, written, tmp, target, o->max_depth, &ts, d);
        f2c_tableset_free(&ts);
    }
    if (rc == 0) rc = gc_swap_into_place(&tg, tmp, d);
    if (rc != 0) (void)f2c_fs_remove_tree(tmp);
out:
    free(written);
    free(tmp);
    gc_target_free(&tg);
    return rc;
}
