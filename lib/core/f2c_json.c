/*
 * f2c_json: see f2c_json.h.
 *
 * Why the module is shaped this way:
 *
 *  - Every parse first runs our own strict RFC 8259 syntax check (check_syntax), and only then
 *    hands the text to cJSON to build the tree.  cJSON alone is not enough: it accepts texts that
 *    are not JSON ("01", "1.", trailing garbage after the value, raw control characters and
 *    "\uZZZZ" inside strings), and when it fails its end pointer is imprecise (for a text cut
 *    short it points at the last byte, not past it), so it cannot say what went wrong or where.
 *    It also writes a process-wide error pointer on every failure, which would be a data race in
 *    the multi-threaded transformer; because the check runs first, cJSON is never given a text it
 *    rejects for its syntax.  The check is a single pass with no allocation (the nesting stack
 *    is a local array bounded by cJSON's own CJSON_NESTING_LIMIT, which the check enforces so
 *    both agree on what is accepted).  A cJSON failure after a successful check can then only be
 *    an allocation failure, or, with a cJSON build older than the Debian fix for CVE-2023-26819,
 *    a number literal longer than 63 characters; the check remembers the longest literal so that
 *    case is reported as a JSON error rather than as out of memory.
 *
 *  - Strings must come out exactly as written: cJSON ends a string at its first NUL, so the check
 *    refuses an escaped U+0000 in any string, key or value, rather than let "x\u0000y" become "x".
 *    For NDJSON lines (f2c_json_check) it also applies FHIR R4's `string` rule, which allows no
 *    control character but TAB, CR and LF.  Both are tested where escapes are decoded anyway,
 *    in the one scan every line already gets: plain bytes pay nothing.  Only a rejected line
 *    pays for a second, partial walk that names the string's JSON pointer (pointer_at).
 *
 *  - Source spans are found lazily (see the header) by a second walk over the text in step with
 *    the tree.  The walk trusts the grammar the check already verified, so it only has to find
 *    where each value starts and ends.  It is iterative (an explicit stack of open containers,
 *    kept in the document and reused) so deep documents cannot exhaust a worker thread's stack.
 *    Spans live in one array per document, reused across parses, indexed in document order;
 *    each node's index is kept in its valueint field and each span remembers its node, so a node
 *    of another live document is recognised and refused (nodes of an earlier tree are freed and
 *    must not be passed at all).
 *
 *  - A document's nodes and strings come from its own arena (f2c_arena.h): releasing a tree is
 *    one pointer reset instead of a free per value, and parsing one bump per value instead of a
 *    malloc (malloc and free were about a quarter of a 2-thread transform, their locked paths
 *    costing more once threads run).  cJSON allocates only through process-wide hooks, so they
 *    are installed once (f2c_json_init, before any thread, and from f2c_doc_new through
 *    pthread_once) and then never change; they dispatch on a thread-local pointer that is set
 *    only while a document parses on that thread: the arena then, malloc/free otherwise.  Every
 *    other use of cJSON (configuration, HTTP answers, output documents) is unaffected.
 *
 *  - No other globals and no static mutable data: one document per thread is all the
 *    transformer needs.
 */
#include "fhir2cdm/f2c_json.h"

#include "fhir2cdm/f2c_arena.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

/* The longest number literal every cJSON 1.7.15 build accepts (older builds copy a literal into
 * a 64-byte buffer). */
#define F2C_JSON_OLD_CJSON_NUMBER_MAX 63

typedef struct f2c_span {
    const cJSON *node;
    size_t start, end; /* [start, end) byte offsets into the document text */
} f2c_span;

struct f2c_doc {
    f2c_arena arena; /* the tree's nodes and strings */
    cJSON *root;
    const char *text;
    size_t len;
    int spans_ready; /* spans describe the current tree */
    f2c_span *spans;
    size_t nspans, spans_cap;
    const cJSON **stack; /* open containers during the span walk */
    size_t stack_cap;
};

/* ---- the documents' allocator (see the top) ----------------------------------------------- */

/* The arena of the document parsing on this thread, or NULL. */
static _Thread_local f2c_arena *tl_parse_arena;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *hook_malloc(size_t n)
{
    f2c_arena *a = tl_parse_arena;
    return a ? f2c_arena_alloc(a, n) : malloc(n);
}

/* While a document parses, everything cJSON frees (a partial tree it gives up) is the arena's. */
static void hook_free(void *p)
{
    if (!tl_parse_arena) free(p);
}

static void install_hooks(void)
{
    cJSON_Hooks h = {.malloc_fn = hook_malloc, .free_fn = hook_free};
    cJSON_InitHooks(&h);
}

void f2c_json_init(void)
{
    pthread_once(&hooks_once, install_hooks);
}

/* A document's arena keeps this much between lines; a larger tree's memory is given back. */
#define DOC_ARENA_KEEP (4u << 20)

f2c_doc *f2c_doc_new(void)
{
    f2c_json_init();
    return calloc(1, sizeof(f2c_doc));
}

/* The tree is the arena's: dropping it is a reset (no cJSON_Delete walk). */
static void release_tree(f2c_doc *d)
{
    d->root = NULL;
    if (d->arena.total > DOC_ARENA_KEEP)
        f2c_arena_trim(&d->arena, DOC_ARENA_KEEP);
    else
        f2c_arena_reset(&d->arena);
    d->text = NULL;
    d->len = 0;
    d->spans_ready = 0;
    d->nspans = 0;
}

void f2c_doc_free(f2c_doc *d)
{
    if (!d) return;
    release_tree(d);
    f2c_arena_free(&d->arena);
    free(d->spans);
    free(d->stack);
    free(d);
}

const cJSON *f2c_doc_root(const f2c_doc *d)
{
    return d ? d->root : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Syntax check
 */

/* What the syntax check found wrong. */
typedef enum syntax_fault {
    FAULT_NONE = 0,
    FAULT_UNEXPECTED, /* the byte at offset (or the end of the text) cannot come there */
    FAULT_CONTROL,    /* a raw control character inside a string */
    FAULT_ESCAPE,     /* a backslash followed by something that is not an escape */
    FAULT_SURROGATE,  /* \uXXXX that is half of a UTF-16 surrogate pair without the other half */
    FAULT_NESTING,    /* more than CJSON_NESTING_LIMIT open arrays/objects */
    FAULT_STRING_CTRL /* an escaped control character a string may not hold (see check_string) */
} syntax_fault;

typedef struct syntax_result {
    syntax_fault fault;
    size_t offset; /* of the fault */
    int byte;      /* the byte at offset, or -1 at the end of the text */
    long code;     /* FAULT_STRING_CTRL: the escaped character (0x00..0x1F) */
    int fhir;      /* input: apply FHIR's string rule (see check_string), not only the NUL rule */
    size_t longest_number, longest_number_at;
    /* Peek for the transformer's routing: the first byte of the value, and the first top-level
     * "resourceType" member's string value (span without quotes; rt_seen once the key was met). */
    int root_byte;
    int rt_seen, rt_escaped;
    size_t rt_start, rt_len;
    size_t values, strings; /* JSON values; strings among them plus member keys */
} syntax_result;

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const unsigned char *s, size_t len, size_t i)
{
    while (i < len && is_ws(s[i]))
        i++;
    return i;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Records fault f at offset i; returns (size_t)-1, the scanners' failure value. */
static size_t fail_with(syntax_result *r, const unsigned char *s, size_t len, size_t i,
                        syntax_fault f)
{
    r->fault = f;
    r->offset = i;
    r->byte = i < len ? s[i] : -1;
    return (size_t)-1;
}

static size_t fail_at(syntax_result *r, const unsigned char *s, size_t len, size_t i)
{
    return fail_with(r, s, len, i, FAULT_UNEXPECTED);
}

/* Reads \uXXXX at s[i] (s[i] is the backslash).  Returns the code unit, or -1 after fail_*. */
static long read_u_escape(syntax_result *r, const unsigned char *s, size_t len, size_t i)
{
    long v = 0;
    if (i + 1 >= len) return (fail_at(r, s, len, i + 1), -1);
    if (s[i + 1] != 'u') return (fail_at(r, s, len, i + 1), -1);
    for (size_t k = i + 2; k < i + 6; k++) {
        int h = k < len ? hex_value(s[k]) : -1;
        if (h < 0) return (fail_at(r, s, len, k), -1);
        v = v * 16 + h;
    }
    return v;
}

/*
 * Whether an escaped control character c (0x00..0x1F) may be in a string.  U+0000 never: cJSON
 * strings are NUL-terminated, so "x\u0000y" would silently come out as "x" and distinct values
 * could collide.  With r->fhir, none but TAB, LF and CR either: FHIR R4's `string` is
 * `[ \r\n\t\S]+` (https://hl7.org/fhir/R4/datatypes.html#string), so a resource holding another
 * control character is not valid FHIR.  Raw control bytes are already invalid JSON.
 */
static int ctrl_allowed(const syntax_result *r, long c)
{
    return c != 0 && (!r->fhir || c == '\t' || c == '\n' || c == '\r');
}

/* Records an escaped control character at s[i] (the backslash) as FAULT_STRING_CTRL. */
static size_t fail_ctrl(syntax_result *r, const unsigned char *s, size_t len, size_t i, long c)
{
    r->code = c;
    return fail_with(r, s, len, i, FAULT_STRING_CTRL);
}

/* Plain string bytes -- neither '"' nor '\\' nor a control character (< 0x20) -- are skipped 16
 * at a time with SSE2 where available, then 8 at a time: each 64-bit word is tested for those
 * three byte classes at once (SWAR; bytes >= 0x80 are plain, UTF-8 is the reader's check).  The
 * masks are exact per byte (no borrow between bytes), so the first flagged byte is the first byte
 * the byte loop must look at, and every fault is still found by the byte loop at its exact offset.
 */
#define JSON_ONES 0x0101010101010101ull
#define JSON_LOW7 0x7F7F7F7F7F7F7F7Full

/* 0x80 in each byte of w that is zero, 0 elsewhere. */
static uint64_t zero_bytes(uint64_t w)
{
    return ~(((w & JSON_LOW7) + JSON_LOW7) | w | JSON_LOW7);
}

/* 0x80 in each byte of w that ends a run of plain string bytes. */
static uint64_t special_bytes(uint64_t w)
{
    return zero_bytes(w ^ (JSON_ONES * '"')) | zero_bytes(w ^ (JSON_ONES * '\\')) |
           zero_bytes(w & (JSON_ONES * 0xE0));
}

/* Index of the first byte of the 8 loaded from memory that m (nonzero) flags; 0 where the byte
 * order is not known to be little-endian (the byte loop then steps to it). */
static size_t first_flagged(uint64_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(m) / 8;
#else
    (void)m;
    return 0;
#endif
}

#if defined(__SSE2__) && defined(__GNUC__)
/* Moves *i past plain bytes 16 at a time (SSE2, which every x86-64 has: the same three tests as
 * byte compares).  Returns 1 when it stopped at a flagged byte, 0 when fewer than 16 are left. */
static int skip_plain16(const unsigned char *s, size_t len, size_t *i)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1F);
    for (; len - *i >= 16; *i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + *i));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)); /* v <= 0x1F */
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m) {
            *i += (size_t)__builtin_ctz(m);
            return 1;
        }
    }
    return 0;
}
#else
static int skip_plain16(const unsigned char *s, size_t len, size_t *i)
{
    (void)s, (void)len, (void)i;
    return 0;
}
#endif

/* The offset of the first byte at or after i that is not a plain string byte, or of one of the
 * last 7 bytes of the text. */
static size_t skip_plain(const unsigned char *s, size_t len, size_t i)
{
    if (skip_plain16(s, len, &i)) return i;
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        uint64_t m = special_bytes(w);
        if (m) return i + first_flagged(m);
        i += 8;
    }
    return i;
}

/* s[i] is '"'.  Returns the offset just past the closing quote, or (size_t)-1.  Escaped control
 * characters are checked here, in the scan every line already gets (see ctrl_allowed): the cost
 * is one comparison per escape, none per plain byte. */
static size_t check_string(syntax_result *r, const unsigned char *s, size_t len, size_t i)
{
    i++;
    for (;;) {
        if (i < len) i = skip_plain(s, len, i);
        if (i >= len) return fail_at(r, s, len, i);
        unsigned char c = s[i];
        if (c == '"') return i + 1;
        if (c < 0x20) return fail_with(r, s, len, i, FAULT_CONTROL);
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= len) return fail_at(r, s, len, i + 1);
        c = s[i + 1];
        if (c != '\0' && strchr("\"\\/bfnrt", c)) {
            /* \b and \f are the control characters U+0008 and U+000C. */
            if ((c == 'b' || c == 'f') && !ctrl_allowed(r, c == 'b' ? 0x08 : 0x0C))
                return fail_ctrl(r, s, len, i, c == 'b' ? 0x08 : 0x0C);
            i += 2;
            continue;
        }
        if (c != 'u') return fail_with(r, s, len, i + 1, FAULT_ESCAPE);
        long u = read_u_escape(r, s, len, i);
        if (u < 0) return (size_t)-1;
        if (u < 0x20 && !ctrl_allowed(r, u)) return fail_ctrl(r, s, len, i, u);
        /* cJSON refuses unpaired UTF-16 surrogates (they have no UTF-8 form); so do we. */
        if (u >= 0xDC00 && u <= 0xDFFF) return fail_with(r, s, len, i, FAULT_SURROGATE);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 6 >= len || s[i + 6] != '\\' || i + 7 >= len || s[i + 7] != 'u')
                return fail_with(r, s, len, i, FAULT_SURROGATE);
            long lo = read_u_escape(r, s, len, i + 6);
            if (lo < 0) return (size_t)-1;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail_with(r, s, len, i, FAULT_SURROGATE);
            i += 12;
        } else {
            i += 6;
        }
    }
}

/* s[i] is '-' or a digit.  Returns the offset just past the number, or (size_t)-1. */
static size_t check_number(syntax_result *r, const unsigned char *s, size_t len, size_t i)
{
    size_t start = i;
    if (s[i] == '-') i++;
    if (i >= len || !is_digit(s[i])) return fail_at(r, s, len, i);
    if (s[i] == '0') {
        i++; /* a following digit is then "unexpected" where the caller expects , ] } */
    } else {
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || !is_digit(s[i])) return fail_at(r, s, len, i);
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= len || !is_digit(s[i])) return fail_at(r, s, len, i);
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i - start > r->longest_number) {
        r->longest_number = i - start;
        r->longest_number_at = start;
    }
    return i;
}

/* s[i] starts "true", "false" or "null" (word).  Returns the offset past it, or (size_t)-1. */
static size_t check_literal(syntax_result *r, const unsigned char *s, size_t len, size_t i,
                            const char *word)
{
    for (; *word; word++, i++)
        if (i >= len || s[i] != (unsigned char)*word) return fail_at(r, s, len, i);
    return i;
}

/*
 * Strict RFC 8259 check of s[0..len) (a leading UTF-8 byte order mark is allowed, as RFC 8259
 * §8.1 permits and cJSON does).  UTF-8 validity is not checked here (F2C_EUTF8 is the reader's).
 */
static void check_syntax(const unsigned char *s, size_t len, int fhir, syntax_result *r)
{
    unsigned char closer[CJSON_NESTING_LIMIT]; /* '}' or ']' per open container */
    size_t depth = 0;
    size_t i = 0;
    int rt_pending = 0, rt_value; /* the value being read is the top-level resourceType's */

    memset(r, 0, sizeof *r);
    r->fhir = fhir;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
    i = skip_ws(s, len, i);
    r->root_byte = i < len ? s[i] : -1;

value:
    i = skip_ws(s, len, i);
    if (i >= len) goto unexpected;
    r->values++;
    r->strings += s[i] == '"';
    rt_value = rt_pending;
    rt_pending = 0;
    switch (s[i]) {
    case '{':
    case '[':
        if (depth >= CJSON_NESTING_LIMIT) {
            fail_with(r, s, len, i, FAULT_NESTING);
            return;
        }
        closer[depth++] = s[i] == '{' ? '}' : ']';
        i = skip_ws(s, len, i + 1);
        if (i < len && s[i] == closer[depth - 1]) {
            depth--;
            i++;
            goto after_value;
        }
        if (closer[depth - 1] == '}') goto member;
        goto value;
    case '"': {
        size_t start = i;
        i = check_string(r, s, len, i);
        if (rt_value && i != (size_t)-1) {
            r->rt_start = start + 1;
            r->rt_len = i - 1 - r->rt_start;
            r->rt_escaped = memchr(s + r->rt_start, '\\', r->rt_len) != NULL;
        }
        break;
    }
    case 't':
        i = check_literal(r, s, len, i, "true");
        break;
    case 'f':
        i = check_literal(r, s, len, i, "false");
        break;
    case 'n':
        i = check_literal(r, s, len, i, "null");
        break;
    default:
        if (s[i] == '-' || is_digit(s[i])) {
            i = check_number(r, s, len, i);
            break;
        }
        goto unexpected;
    }
    if (i == (size_t)-1) return;

after_value:
    i = skip_ws(s, len, i);
    if (depth == 0) {
        if (i < len) goto unexpected;
        return;
    }
    if (i >= len) goto unexpected;
    if (s[i] == closer[depth - 1]) {
        depth--;
        i++;
        goto after_value;
    }
    if (s[i] != ',') goto unexpected;
    i++;
    if (closer[depth - 1] == ']') goto value;

member:
    i = skip_ws(s, len, i);
    if (i >= len || s[i] != '"') goto unexpected;
    r->strings++;
    {
        size_t key = i;
        i = check_string(r, s, len, i);
        if (i == (size_t)-1) return;
        /* cJSON looks members up first match first: only the first resourceType counts. */
        if (depth == 1 && !r->rt_seen && i - key == 14 &&
            memcmp(s + key, "\"resourceType\"", 14) == 0)
            r->rt_seen = rt_pending = 1;
    }
    i = skip_ws(s, len, i);
    if (i >= len || s[i] != ':') goto unexpected;
    i++;
    goto value;

unexpected:
    fail_at(r, s, len, i);
}

/* ---------------------------------------------------------------------------------------------
 * JSON pointer of a fault (error path only)
 */

static size_t skip_string(const unsigned char *s, size_t len, size_t i);

/* Appends the pointer token of a key whose JSON text (without quotes) is s[a..b) to p (size n,
 * filled to *k).  RFC 6901 escapes "~" as "~0" and "/" as "~1"; the JSON escapes \" \\ \/ are
 * decoded, every other escape (\n, \u0000, ...) is kept as written so that the message stays one
 * printable line.  Returns -1 when p is full. */
static int put_token(char *p, size_t n, size_t *k, const unsigned char *s, size_t a, size_t b)
{
    if (*k + 1 >= n) return -1;
    p[(*k)++] = '/';
    for (size_t i = a; i < b; i++) {
        const char *add = NULL;
        char one[2] = {(char)s[i], 0};
        if (s[i] == '\\' && i + 1 < b && strchr("\"\\/", s[i + 1])) {
            i++;
            one[0] = (char)s[i];
        }
        add = one[0] == '~' ? "~0" : one[0] == '/' ? "~1" : one;
        size_t m = strlen(add);
        if (*k + m >= n) return -1;
        memcpy(p + *k, add, m);
        *k += m;
    }
    p[*k] = '\0';
    return 0;
}

/*
 * The RFC 6901 pointer of the member or element whose string (value or key) contains offset
 * `off` of s[0..len), into p (size n; "" when it cannot be found or memory is short; ends with
 * "..." when cut).  The text before `off` passed check_syntax, so a plain walk of its tokens is
 * enough.  Runs only for a rejected line, never on the hot path.
 */
static void pointer_at(const unsigned char *s, size_t len, size_t off, char *p, size_t n)
{
    typedef struct frame {
        int obj;
        size_t index, key_a, key_b; /* element index, or the key's text (inside the quotes) */
    } frame;
    frame *st = malloc(CJSON_NESTING_LIMIT * sizeof *st);
    size_t depth = 0, i = 0, k = 0;
    p[0] = '\0';
    if (!st) return;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
value:
    i = skip_ws(s, len, i);
    if (i >= len || i > off) goto done;
    if (s[i] == '{' || s[i] == '[') {
        if (depth >= CJSON_NESTING_LIMIT) goto done;
        st[depth++] = (frame){s[i] == '{', 0, 0, 0};
        i = skip_ws(s, len, i + 1);
        if (i < len && (s[i] == '}' || s[i] == ']')) {
            depth--;
            i++;
            goto after_value;
        }
        if (st[depth - 1].obj) goto member;
        goto value;
    }
    if (s[i] == '"') {
        size_t end = skip_string(s, len, i);
        if (off < end) goto found;
        i = end;
    } else {
        while (i < len && !is_ws(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}')
            i++;
    }
after_value:
    i = skip_ws(s, len, i);
    if (depth == 0 || i >= len) goto done;
    if (s[i] == ',') {
        i++;
        st[depth - 1].index++;
        if (st[depth - 1].obj) goto member;
        goto value;
    }
    depth--;
    i++;
    goto after_value;
member:
    i = skip_ws(s, len, i);
    if (i >= len || s[i] != '"' || i > off) goto done;
    {
        size_t end = skip_string(s, len, i);
        st[depth - 1].key_a = i + 1;
        st[depth - 1].key_b = end - 1;
        if (off < end) goto found; /* in the key: the pointer names its member */
        i = skip_ws(s, len, end);
        if (i >= len || s[i] != ':') goto done;
        i++;
    }
    goto value;
found:
    for (size_t d = 0; d < depth; d++) {
        int full;
        if (st[d].obj) {
            full = put_token(p, n, &k, s, st[d].key_a, st[d].key_b);
        } else {
            char num[32];
            snprintf(num, sizeof num, "/%zu", st[d].index);
            full = k + strlen(num) >= n ? -1 : 0;
            if (!full) {
                memcpy(p + k, num, strlen(num) + 1);
                k += strlen(num);
            }
        }
        if (full) {
            if (n > 4) memcpy(p + (k < n - 4 ? k : n - 4), "...", 4);
            break;
        }
    }
done:
    free(st);
}

/* Fills err with the message for a syntax fault: what was found, at which 1-based offset.
 * s[0..len) is the checked text. */
static void report_fault(const syntax_result *r, const unsigned char *s, size_t len, f2c_error *err)
{
    long col = (long)r->offset + 1;
    int b = r->byte;
    int printable = b >= 0x20 && b <= 0x7E;
    switch (r->fault) {
    case FAULT_STRING_CTRL: {
        char ptr[sizeof err->pointer];
        pointer_at(s, len, r->offset, ptr, sizeof ptr);
        /* The top-level value's pointer is "", which would print as nothing: left out (the
         * column still says where). */
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, ptr[0] ? ptr : NULL,
                      "string contains the control character U+%04lX (escaped as %.*s); %s",
                      r->code, s[r->offset + 1] == 'u' ? 6 : 2, (const char *)s + r->offset,
                      r->fhir ? "FHIR strings allow no control character but TAB, CR and LF "
                                "(FHIR R4 datatypes, string)"
                              : "a string holding U+0000 cannot be kept exactly");
        return;
    }
    case FAULT_CONTROL:
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL,
                      "unexpected control character 0x%02X in string", (unsigned)b);
        return;
    case FAULT_ESCAPE:
        if (printable)
            f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL,
                          "invalid escape character '%c' in string", b);
        else
            f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL,
                          "invalid escape byte 0x%02X in string", (unsigned)b);
        return;
    case FAULT_SURROGATE:
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL, "unpaired UTF-16 surrogate escape");
        return;
    case FAULT_NESTING:
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL, "nesting deeper than %d levels",
                      CJSON_NESTING_LIMIT);
        return;
    default:
        break;
    }
    if (b < 0)
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL, "unexpected end of text");
    else if (printable)
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL, "unexpected character '%c'", b);
    else
        f2c_error_set(err, F2C_EJSON, NULL, 0, col, NULL, "unexpected byte 0x%02X", (unsigned)b);
}

f2c_status f2c_json_check(const char *text, size_t len, f2c_json_peek *peek, f2c_error *err)
{
    syntax_result r;
    check_syntax((const unsigned char *)text, len, 1, &r);
    if (peek) memset(peek, 0, sizeof *peek);
    if (r.fault != FAULT_NONE) {
        report_fault(&r, (const unsigned char *)text, len, err);
        if (peek) peek->bad_string = r.fault == FAULT_STRING_CTRL;
        return F2C_EJSON;
    }
    if (peek) {
        peek->values = r.values;
        peek->strings = r.strings;
        peek->is_object = r.root_byte == '{';
        int plain = r.rt_len > 0 && !r.rt_escaped;
        peek->resource_type = plain ? text + r.rt_start : NULL;
        peek->resource_type_len = plain ? r.rt_len : 0;
    }
    return F2C_OK;
}

size_t f2c_json_tree_bytes(const f2c_json_peek *peek, size_t len)
{
    /* Calibrated with bench/memory.sh (a line of many short strings: about 160 bytes of peak per
     * value; a line of one huge string: about 2 times the line): per value a cJSON node with its
     * malloc header and its share of the cells rendered from it, a malloc chunk per string and
     * key, and the text twice (the parsed strings, and a cell made from them). */
    return peek->values * 128 + peek->strings * 48 + 2 * len;
}

f2c_status f2c_doc_parse_checked(f2c_doc *d, const char *text, size_t len, f2c_error *err)
{
    release_tree(d);
    const char *end = NULL;
    tl_parse_arena = &d->arena;
    d->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    tl_parse_arena = NULL;
    if (!d->root) {
        /* Rare: find out whether this cJSON build refused a long number literal. */
        syntax_result r;
        check_syntax((const unsigned char *)text, len, 0, &r);
        if (r.longest_number > F2C_JSON_OLD_CJSON_NUMBER_MAX)
            return f2c_error_set(err, F2C_EJSON, NULL, 0, (long)r.longest_number_at + 1, NULL,
                                 "number literal longer than %d characters (limit of this "
                                 "cJSON build)",
                                 F2C_JSON_OLD_CJSON_NUMBER_MAX);
        return f2c_error_set(err, F2C_ENOMEM, NULL, 0, 0, NULL, "out of memory parsing JSON");
    }
    d->text = text;
    d->len = len;
    return F2C_OK;
}

f2c_status f2c_doc_parse(f2c_doc *d, const char *text, size_t len, f2c_error *err)
{
    release_tree(d);
    syntax_result r;
    check_syntax((const unsigned char *)text, len, 0, &r);
    if (r.fault != FAULT_NONE) {
        report_fault(&r, (const unsigned char *)text, len, err);
        return F2C_EJSON;
    }
    return f2c_doc_parse_checked(d, text, len, err);
}

/* ---------------------------------------------------------------------------------------------
 * Source spans
 */

/* Appends a span for node starting at `start`; stores its index in node->valueint. */
static int push_span(f2c_doc *d, const cJSON *node, size_t start)
{
    if (d->nspans >= (size_t)INT_MAX) return -1;
    if (d->nspans == d->spans_cap) {
        size_t cap = d->spans_cap ? d->spans_cap * 2 : 64;
        if (cap > (size_t)-1 / sizeof *d->spans) return -1;
        f2c_span *p = realloc(d->spans, cap * sizeof *p);
        if (!p) return -1;
        d->spans = p;
        d->spans_cap = cap;
    }
    d->spans[d->nspans] = (f2c_span){node, start, start};
    /* The tree is the document's own (d->root, created non-const by cJSON); the const in the
     * public interface only promises callers that we do not change the JSON value. */
    ((cJSON *)node)->valueint = (int)d->nspans;
    d->nspans++;
    return 0;
}

static int push_open(f2c_doc *d, size_t depth, const cJSON *node)
{
    if (depth == d->stack_cap) {
        size_t cap = d->stack_cap ? d->stack_cap * 2 : 32;
        const cJSON **p = realloc(d->stack, cap * sizeof *p);
        if (!p) return -1;
        d->stack = p;
        d->stack_cap = cap;
    }
    d->stack[depth] = node;
    return 0;
}

/* s[i] is '"' (already validated).  Returns the offset past the closing quote, or len. */
static size_t skip_string(const unsigned char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return len;
}

/* Skips `"key" :` at s[i] (after whitespace).  Returns the offset after the colon, or
 * (size_t)-1 if the text does not look like that (the text changed under us). */
static size_t skip_key(const unsigned char *s, size_t len, size_t i)
{
    i = skip_ws(s, len, i);
    if (i >= len || s[i] != '"') return (size_t)-1;
    i = skip_ws(s, len, skip_string(s, len, i));
    if (i >= len || s[i] != ':') return (size_t)-1;
    return i + 1;
}

/*
 * Walks the text in step with the tree, recording every node's span in document (pre-)order.
 * The text was validated by check_syntax and the tree was built from it, so both list the same
 * values in the same order (cJSON keeps array elements and object members, duplicates included,
 * in document order); the checks below only guard against a caller who changed the text.
 */
static int compute_spans(f2c_doc *d)
{
    const unsigned char *s = (const unsigned char *)d->text;
    size_t len = d->len, i = 0, depth = 0;
    const cJSON *cur = d->root;

    d->nspans = 0;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
    for (;;) {
        /* At the start of cur's value. */
        i = skip_ws(s, len, i);
        if (i >= len || push_span(d, cur, i) != 0) return -1;
        size_t idx = d->nspans - 1;
        unsigned char c = s[i];
        if (c == '{' || c == '[') {
            if (!(cJSON_IsObject(cur) || cJSON_IsArray(cur)) || (c == '{') != cJSON_IsObject(cur))
                return -1;
            i++;
            if (cur->child) {
                if (push_open(d, depth, cur) != 0) return -1;
                depth++;
                cur = cur->child;
                if (c == '{' && (i = skip_key(s, len, i)) == (size_t)-1) return -1;
                continue;
            }
            i = skip_ws(s, len, i);
            if (i >= len || s[i] != (c == '{' ? '}' : ']')) return -1;
            i++;
        } else if (c == '"') {
            i = skip_string(s, len, i);
        } else {
            /* number or literal: runs to the next delimiter */
            while (i < len && !is_ws(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}')
                i++;
        }
        d->spans[idx].end = i;

        /* cur's value is complete: go to its next sibling, closing finished containers. */
        for (;;) {
            if (depth == 0) return 0;
            const cJSON *parent = d->stack[depth - 1];
            i = skip_ws(s, len, i);
            if (i >= len) return -1;
            if (cur->next) {
                if (s[i] != ',') return -1;
                i++;
                cur = cur->next;
                if (cJSON_IsObject(parent) && (i = skip_key(s, len, i)) == (size_t)-1) return -1;
                break;
            }
            if (s[i] != (cJSON_IsObject(parent) ? '}' : ']')) return -1;
            i++;
            d->spans[parent->valueint].end = i;
            cur = parent;
            depth--;
        }
    }
}

int f2c_doc_source(f2c_doc *d, const cJSON *node, const char **p, size_t *n)
{
    if (!d || !d->root || !node) return -1;
    if (!d->spans_ready) {
        if (compute_spans(d) != 0) {
            d->nspans = 0;
            return -1;
        }
        d->spans_ready = 1;
    }
    int idx = node->valueint;
    if (idx < 0 || (size_t)idx >= d->nspans || d->spans[idx].node != node) return -1;
    *p = d->text + d->spans[idx].start;
    *n = d->spans[idx].end - d->spans[idx].start;
    return 0;
}

const char *f2c_json_kind(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
        return "boolean";
    case cJSON_NULL:
        return "null";
    case cJSON_Number:
        return "number";
    case cJSON_String:
        return "string";
    case cJSON_Array:
        return "array";
    case cJSON_Object:
        return "object";
    default:
        return "raw";
    }
}
