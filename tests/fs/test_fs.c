/*
 * test_fs: the shared file helpers (f2c_fs) in a fresh temporary folder: whole-file reads
 * (empty, normal, missing, over the limit), atomic writes read back (and a write into a
 * missing folder failing without leaving a temporary file), the output-file rule for what is
 * not a plain regular file (a link to a file: its target replaced; a dangling link refused;
 * /dev/full: ENOSPC and still a device; a FIFO written into, its reader gets the bytes), a
 * file replaced under a concurrent reader (never seen partial), f2c_fs_write_at refusing a link
 * at a file or folder, mkdir -p of nested and existing
 * folders, and rm -r of a tree holding a symbolic link to a folder outside it (which must
 * survive), and of a missing path; the gathered range copy against a copy made by hand.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fhir2cdm/f2c_fs.h"

#include "f2c_check.h"

static char root[256];

static const char *at(const char *rel)
{
    static char buf[8][512];
    static int n;
    char *p = buf[n++ % 8];
    snprintf(p, 512, "%s/%s", root, rel);
    return p;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Number of entries of folder path (without . and ..). */
static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void test_read(void)
{
    size_t len = 99;
    put(at("empty"), "");
    char *t = f2c_fs_read(at("empty"), 0, &len);
    CHECK(t && t[0] == '\0' && len == 0, "empty file: \"\" with length 0");
    free(t);

    put(at("normal"), "hello\nworld\n");
    t = f2c_fs_read(at("normal"), 0, &len);
    CHECK(t && len == 12 && strcmp(t, "hello\nworld\n") == 0, "normal file read back");
    free(t);
    t = f2c_fs_read(at("normal"), 12, NULL);
    CHECK(t && strcmp(t, "hello\nworld\n") == 0, "file of exactly max bytes accepted");
    free(t);

    errno = 0;
    t = f2c_fs_read(at("normal"), 11, &len);
    CHECK(!t && errno == EFBIG, "file over max: NULL, EFBIG (errno %d)", errno);
    free(t);

    errno = 0;
    t = f2c_fs_read(at("missing"), 0, &len);
    CHECK(!t && errno == ENOENT, "missing file: NULL, ENOENT (errno %d)", errno);
    free(t);

    /* A file larger than the 64 KiB read chunk. */
    size_t big = 200000;
    char *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 26);
    CHECK(f2c_fs_write_atomic(at("big"), data, big) == 0, "write big: %s", strerror(errno));
    t = f2c_fs_read(at("big"), 0, &len);
    CHECK(t && len == big && memcmp(t, data, big) == 0 && t[big] == '\0', "big file read back");
    free(t);
    errno = 0;
    t = f2c_fs_read(at("big"), 100000, &len);
    CHECK(!t && errno == EFBIG, "big file over max: EFBIG (errno %d)", errno);
    free(t);
    free(data);
}

static void test_write(void)
{
    size_t len = 0;
    CHECK(f2c_fs_write_atomic(at("w.json"), "{\"a\":1}", 7) == 0, "write: %s", strerror(errno));
    char *t = f2c_fs_read(at("w.json"), 0, &len);
    CHECK(t && len == 7 && strcmp(t, "{\"a\":1}") == 0, "written file read back");
    free(t);
    /* Replacing an existing file. */
    CHECK(f2c_fs_write_atomic(at("w.json"), "x", 1) == 0, "rewrite: %s", strerror(errno));
    t = f2c_fs_read(at("w.json"), 0, &len);
    CHECK(t && len == 1 && strcmp(t, "x") == 0, "rewritten file read back");
    free(t);
    /* Empty content. */
    CHECK(f2c_fs_write_atomic(at("w.json"), NULL, 0) == 0, "empty write: %s", strerror(errno));
    t = f2c_fs_read(at("w.json"), 0, &len);
    CHECK(t && len == 0, "empty written file read back");
    free(t);

    /* Into a missing folder: fails, and no temporary file anywhere. */
    int before = count_entries(root);
    errno = 0;
    CHECK(f2c_fs_write_atomic(at("nope/w.json"), "x", 1) == -1 && errno == ENOENT,
          "write into a missing folder: -1, ENOENT (errno %d)", errno);
    CHECK(!exists(at("nope")), "missing folder not created");
    CHECK(count_entries(root) == before, "no temporary file left (%d entries, was %d)",
          count_entries(root), before);

    /* Over a folder: refused (EISDIR); no temporary file. */
    CHECK(mkdir(at("adir"), 0777) == 0, "mkdir adir");
    before = count_entries(root);
    errno = 0;
    CHECK(f2c_fs_write_atomic(at("adir"), "x", 1) == -1 && errno == EISDIR,
          "write over a folder: -1, EISDIR (errno %d)", errno);
    CHECK(count_entries(root) == before, "no temporary file left after a refused write");
    CHECK(is_dir(at("adir")) && count_entries(at("adir")) == 0, "folder untouched");
}

/* Whole content of path (test helper; "" when unreadable). */
static char *slurp(const char *path)
{
    char *t = f2c_fs_read(path, 0, NULL);
    return t ? t : strdup("");
}

/* The output-file rule of f2c_fs_write_atomic for what is not a plain regular file. */
static void test_write_special(void)
{
    CHECK(mkdir(at("sp"), 0777) == 0, "mkdir sp");

    /* A link to a regular file: the file it points to gets the content, the link stays. */
    put(at("sp/real.txt"), "old");
    CHECK(symlink("real.txt", at("sp/link.txt")) == 0, "symlink: %s", strerror(errno));
    CHECK(f2c_fs_write_atomic(at("sp/link.txt"), "new", 3) == 0, "write through a link: %s",
          strerror(errno));
    struct stat st;
    CHECK(lstat(at("sp/link.txt"), &st) == 0 && S_ISLNK(st.st_mode), "the link is still a link");
    char *t = slurp(at("sp/real.txt"));
    CHECK(strcmp(t, "new") == 0, "the link's target holds the new content (%s)", t);
    free(t);
    CHECK(count_entries(at("sp")) == 2, "no temporary file left (%d entries)",
          count_entries(at("sp")));

    /* A link to nothing: refused, nothing created through it. */
    CHECK(symlink("nowhere.txt", at("sp/dangling")) == 0, "symlink: %s", strerror(errno));
    errno = 0;
    CHECK(f2c_fs_write_atomic(at("sp/dangling"), "x", 1) == -1 && errno == ENOENT,
          "dangling link: -1, ENOENT (errno %d)", errno);
    CHECK(!exists(at("sp/nowhere.txt")), "nothing created through a dangling link");
    CHECK(count_entries(at("sp")) == 3, "no temporary file left (%d entries)",
          count_entries(at("sp")));

    /* /dev/full: ENOSPC, and it stays a character device. */
    if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
        errno = 0;
        CHECK(f2c_fs_write_atomic("/dev/full", "x", 1) == -1 && errno == ENOSPC,
              "/dev/full: -1, ENOSPC (errno %d)", errno);
        CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode),
              "/dev/full is still a character device");
    } else {
        printf("no /dev/full here: its case skipped\n");
    }

    /* A FIFO with a reader: the reader gets the bytes, the FIFO stays. */
    CHECK(mkfifo(at("sp/fifo"), 0666) == 0, "mkfifo: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        char *got = f2c_fs_read(at("sp/fifo"), 0, NULL);
        _exit(got && strcmp(got, "through the fifo") == 0 ? 0 : 1);
    }
    CHECK(f2c_fs_write_atomic(at("sp/fifo"), "through the fifo", 16) == 0, "write a FIFO: %s",
          strerror(errno));
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the FIFO's reader got the bytes");
    CHECK(lstat(at("sp/fifo"), &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
    CHECK(count_entries(at("sp")) == 4, "no temporary file left (%d entries)",
          count_entries(at("sp")));
}

/* A regular file replaced while another process reads it: every read sees one whole version
 * (old or new), never a part; a writer that truncated and rewrote in place would fail this. */
static void test_write_atomic_readers(void)
{
    enum { SIZE = 1 << 20, ROUNDS = 60 };
    char *a = malloc(SIZE), *b = malloc(SIZE);
    memset(a, 'a', SIZE);
    memset(b, 'b', SIZE);
    CHECK(f2c_fs_write_atomic(at("atomic"), a, SIZE) == 0, "first write: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < ROUNDS; i++)
            if (f2c_fs_write_atomic(at("atomic"), i % 2 ? a : b, SIZE) != 0) _exit(1);
        _exit(0);
    }
    int torn = 0, reads = 0, status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        size_t len = 0;
        char *t = f2c_fs_read(at("atomic"), 0, &len);
        reads++;
        if (!t || len != SIZE || (memcmp(t, a, SIZE) != 0 && memcmp(t, b, SIZE) != 0)) torn++;
        free(t);
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer succeeded");
    CHECK(torn == 0, "%d of %d reads saw a partial file", torn, reads);
    free(a);
    free(b);
}

/* f2c_fs_write_at: sub-folders created; a link at the file or at a folder is refused. */
static void test_write_at(void)
{
    CHECK(f2c_fs_mkdirs(at("wa/out"), 0777) == 0 && f2c_fs_mkdirs(at("wa/elsewhere"), 0777) == 0,
          "mkdir wa");
    int dfd = open(at("wa/out"), O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open wa/out");
    CHECK(f2c_fs_write_at(dfd, "config/PropertiesGroup/X.json", "{}", 2) == 0,
          "write_at with new sub-folders: %s", strerror(errno));
    char *t = slurp(at("wa/out/config/PropertiesGroup/X.json"));
    CHECK(strcmp(t, "{}") == 0, "written below new sub-folders");
    free(t);

    put(at("wa/victim"), "victim");
    CHECK(symlink(at("wa/victim"), at("wa/out/file.json")) == 0, "symlink");
    errno = 0;
    CHECK(f2c_fs_write_at(dfd, "file.json", "x", 1) == -1 && errno == ELOOP,
          "a link at the file: -1, ELOOP (errno %d)", errno);
    CHECK(symlink(at("wa/elsewhere"), at("wa/out/sub")) == 0, "symlink");
    errno = 0;
    CHECK(f2c_fs_write_at(dfd, "sub/file.json", "x", 1) == -1 &&
              (errno == ELOOP || errno == ENOTDIR),
          "a link at a folder: -1, ELOOP or ENOTDIR (errno %d)", errno);
    t = slurp(at("wa/victim"));
    CHECK(strcmp(t, "victim") == 0, "the linked file is unchanged");
    free(t);
    CHECK(count_entries(at("wa/elsewhere")) == 0, "nothing written into the linked folder");
    CHECK(count_entries(at("wa/out")) == 3, "no temporary file left (%d entries)",
          count_entries(at("wa/out")));
    close(dfd);
}

static void test_mkdirs(void)
{
    CHECK(f2c_fs_mkdirs(at("m/a/b/c"), 0777) == 0, "mkdirs nested: %s", strerror(errno));
    CHECK(is_dir(at("m/a/b/c")), "nested folders exist");
    CHECK(f2c_fs_mkdirs(at("m/a/b/c"), 0777) == 0, "mkdirs existing: %s", strerror(errno));
    CHECK(f2c_fs_mkdirs(at("m/a"), 0777) == 0, "mkdirs existing parent");
    CHECK(f2c_fs_mkdirs(at("m//x/"), 0777) == 0 && is_dir(at("m/x")),
          "double and trailing slashes");
    put(at("m/file"), "f");
    errno = 0;
    CHECK(f2c_fs_mkdirs(at("m/file"), 0777) == -1 && errno == ENOTDIR,
          "a file in the way: ENOTDIR (errno %d)", errno);
    errno = 0;
    CHECK(f2c_fs_mkdirs(at("m/file/sub"), 0777) == -1 && errno == ENOTDIR,
          "below a file: ENOTDIR (errno %d)", errno);
}

static void test_remove_tree(void)
{
    /* outside/keep must survive removing tree/, which links to it. */
    CHECK(f2c_fs_mkdirs(at("outside"), 0777) == 0, "mkdir outside");
    put(at("outside/keep"), "keep");
    CHECK(f2c_fs_mkdirs(at("tree/a/b"), 0777) == 0, "mkdir tree");
    put(at("tree/f"), "1");
    put(at("tree/a/g"), "2");
    put(at("tree/a/b/h"), "3");
    CHECK(symlink(at("outside"), at("tree/a/link")) == 0, "symlink: %s", strerror(errno));
    CHECK(symlink(at("outside/keep"), at("tree/filelink")) == 0, "symlink: %s", strerror(errno));
    CHECK(f2c_fs_remove_tree(at("tree")) == 0, "remove_tree: %s", strerror(errno));
    CHECK(!exists(at("tree")), "tree removed");
    CHECK(is_dir(at("outside")) && exists(at("outside/keep")), "linked folder outside survives");

    CHECK(f2c_fs_remove_tree(at("tree")) == 0, "missing path is fine");
    put(at("single"), "s");
    CHECK(f2c_fs_remove_tree(at("single")) == 0 && !exists(at("single")), "a single file");
}

/* f2c_fs_copy_ranges against the same ranges copied by hand: many short ranges (more than one
 * writev batch per window), ranges across a window's end, one longer than a window, and a
 * source shorter than its last range (EIO). */
static void test_copy_ranges(void)
{
    size_t size = 3 * F2C_FS_GATHER_BYTES + 12345;
    unsigned char *src = malloc(size), *want = malloc(size);
    for (size_t i = 0; i < size; i++)
        src[i] = (unsigned char)(i * 131 % 251);
    int fd = open(at("gather.src"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0 && f2c_fs_write_all(fd, src, size) == 0 && close(fd) == 0, "write source");
    f2c_fs_range r[700];
    size_t n = 0, nwant = 0;
    unsigned long long off = 7, seed = 21;
    while (n < 699 && off < F2C_FS_GATHER_BYTES + 1000) { /* short ranges, gaps between */
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        unsigned long long len = 1 + (seed >> 33) % 900, gap = (seed >> 13) % 700;
        r[n++] = (f2c_fs_range){off, len};
        off += len + gap;
    }
    r[n++] = (f2c_fs_range){off, size - off - 5}; /* longer than a window, to near the end */
    for (size_t i = 0; i < n; i++) {
        memcpy(want + nwant, src + r[i].off, r[i].len);
        nwant += r[i].len;
    }
    int in = open(at("gather.src"), O_RDONLY), out = open(at("gather.dst"), O_CREAT | O_RDWR, 0644);
    unsigned long long pending = 0;
    CHECK(f2c_fs_write_all(out, "head", 4) == 0, "header");
    CHECK(f2c_fs_copy_ranges(in, r, n, out, &pending) == 0, "copy_ranges: %s", strerror(errno));
    size_t got_len = 0;
    char *got = f2c_fs_read(at("gather.dst"), 1u << 30, &got_len);
    CHECK(got && got_len == nwant + 4 && memcmp(got, "head", 4) == 0 &&
              memcmp(got + 4, want, nwant) == 0,
          "copy_ranges: %zu ranges, %zu bytes as copied by hand (got %zu)", n, nwant, got_len);
    free(got);
    f2c_fs_range past[2] = {{10, 20}, {size - 10, 20}};
    errno = 0;
    CHECK(f2c_fs_copy_ranges(in, past, 2, out, &pending) == -1 && errno == EIO,
          "a range past the end: EIO (errno %d)", errno);
    CHECK(f2c_fs_copy_ranges(in, NULL, 0, out, &pending) == 0, "no range");
    close(in);
    close(out);
    free(src);
    free(want);
}

int main(void)
{
    snprintf(root, sizeof root, "%s/f2c-fs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    test_read();
    test_write();
    test_write_special();
    test_write_atomic_readers();
    test_write_at();
    test_mkdirs();
    test_remove_tree();
    test_copy_ranges();
    CHECK(f2c_fs_remove_tree(root) == 0 && !exists(root), "cleanup");
    return f2c_check_report("fs");
}
