/*
 * f2c_fp_lex: the FHIRPath tokenizer (FHIRPath N1 Appendix A grammar, lexer rules).
 *
 * Why it is shaped so: the parser asks for one token at a time (no token array), and every
 * token carries both its byte offset and its 1-based character offset, counted as the lexer
 * advances, because error messages promise a character column for UTF-8 source.  String and
 * delimited-identifier escapes are decoded here, once, into the expression's arena, so the
 * parser and evaluator only see decoded text.  Keywords (and, or, div, is, true...) are plain
 * identifiers at this level: the grammar lets `contains`, `in`, `is`, `as` be identifiers too,
 * so only the parser can tell.  Date/time literals are recognised by shape here (the grammar's
 * DATEFORMAT/TIMEFORMAT fragments) and validated by value in the parser.
 */
#include "f2c_fp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Advances one byte, counting characters (UTF-8 continuation bytes do not start one). */
static void adv(fp_lexer *lx)
{
    lx->pos++;
    if (((unsigned char)lx->src[lx->pos] & 0xC0) != 0x80) lx->col++;
}

static void advn(fp_lexer *lx, size_t n)
{
    while (n--)
        adv(lx);
}

static f2c_status lex_error(fp_lexer *lx, long col, const char *fmt, const char *arg)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, arg);
    return f2c_error_set(lx->err, F2C_ECONFIG, NULL, 0, col, NULL, "%s", msg);
}

/* Describes the source character at pos for messages ("'#'", "end of expression"). */
static const char *describe_char(const char *s, char *buf, size_t n)
{
    if (!*s) return "end of expression";
    size_t len = 1;
    unsigned char c = (unsigned char)*s;
    if (c >= 0xC0) {
        while (len < 4 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len++;
    }
    if (c < 0x20 || c == 0x7F)
        snprintf(buf, n, "control character 0x%02X", c);
    else
        snprintf(buf, n, "'%.*s'", (int)len, s);
    return buf;
}

/* Appends the UTF-8 encoding of cp to out (>= 4 bytes free); returns bytes written. */
static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The end of the expression inside a quoted token: reached at a character or just after a '\\'. */
static f2c_status unterminated(fp_lexer *lx, long col, const char *what, char quote)
{
    char m[120];
    snprintf(m, sizeof m, "unterminated %s: expected a closing %c, found end of expression", what,
             quote);
    return lex_error(lx, col, "%s", m);
}

/* A quoted string or delimited identifier with escapes (N1 grammar ESC: \' \" \` \\ \/ \f \n \r
 * \t \uXXXX).  A \uXXXX high surrogate followed by \uXXXX low surrogate forms one character. */
static f2c_status lex_quoted(fp_lexer *lx, fp_token *t, char quote)
{
    /* the one-character escapes: the character after '\\' in esc, the one it stands for in val */
    static const char esc[] = "'\"`\\/fnrt", val[] = "'\"`\\/\f\n\r\t";
    const char *what = quote == '\'' ? "string" : "delimited identifier";
    long start_col = lx->col;
    adv(lx); /* opening quote */
    size_t start = lx->pos;
    /* The decoded text is never longer than the source. */
    size_t end = start;
    while (lx->src[end] && lx->src[end] != quote)
        end += lx->src[end] == '\\' && lx->src[end + 1] ? 2 : 1;
    char *out = f2c_arena_alloc(lx->a, end - start + 1);
    if (!out) return F2C_ENOMEM;
    size_t w = 0;
    for (;;) {
        char c = lx->src[lx->pos];
        if (!c) return unterminated(lx, start_col, what, quote);
        if (c == quote) {
            adv(lx);
            break;
        }
        if (c != '\\') {
            out[w++] = c;
            adv(lx);
            continue;
        }
        long esc_col = lx->col;
        adv(lx);
        c = lx->src[lx->pos];
        const char *e = c ? strchr(esc, c) : NULL;
        if (e) {
            out[w++] = val[e - esc];
            adv(lx);
            continue;
        }
        if (!c) return unterminated(lx, start_col, what, quote);
        if (c != 'u') {
            char m[200];
            snprintf(m, sizeof m,
                     "invalid escape '\\%.*s' in %s: expected one of \\' \\\" \\` \\\\ "
                     "\\/ \\f \\n \\r \\t \\uXXXX",
                     (int)(((unsigned char)c >= 0xC0) ? 2 : 1), lx->src + lx->pos, what);
            return lex_error(lx, esc_col, "%s", m);
        }
        const char *h = lx->src + lx->pos + 1;
        if (!(is_hex(h[0]) && is_hex(h[1]) && is_hex(h[2]) && is_hex(h[3])))
            return lex_error(lx, esc_col,
                             "invalid escape in %s: expected \\u followed by 4 hex digits", what);
        char hx[5] = {h[0], h[1], h[2], h[3], 0};
        unsigned long cp = strtoul(hx, NULL, 16);
        advn(lx, 5);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            const char *l = lx->src + lx->pos;
            if (l[0] == '\\' && l[1] == 'u' && is_hex(l[2]) && is_hex(l[3]) && is_hex(l[4]) &&
                is_hex(l[5])) {
                char lo[5] = {l[2], l[3], l[4], l[5], 0};
                unsigned long lcp = strtoul(lo, NULL, 16);
                if (lcp >= 0xDC00 && lcp <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lcp - 0xDC00);
                    advn(lx, 6);
                }
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return lex_error(lx, esc_col, "invalid escape in %s: lone UTF-16 surrogate", what);
        w += utf8_put(cp, out + w);
    }
    out[w] = '\0';
    t->kind = quote == '\'' ? FP_T_STRING : FP_T_DIDENT;
    t->text = out;
    t->len = w;
    return F2C_OK;
}

static size_t digits(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

/* Length of a TIMEFORMAT at s (hh[:mm[:ss[.f+]]]), 0 if none. */
static size_t time_len(const char *s)
{
    if (!(is_digit(s[0]) && is_digit(s[1]))) return 0;
    size_t n = 2;
    if (s[n] == ':' && is_digit(s[n + 1]) && is_digit(s[n + 2])) {
        n += 3;
        if (s[n] == ':' && is_digit(s[n + 1]) && is_digit(s[n + 2])) {
            n += 3;
            if (s[n] == '.' && is_digit(s[n + 1])) n += 1 + digits(s + n + 1);
        }
    }
    return n;
}

/* Length of a TIMEZONEOFFSETFORMAT at s (Z or +hh:mm), 0 if none. */
static size_t tz_len(const char *s)
{
    if (s[0] == 'Z') return 1;
    if ((s[0] == '+' || s[0] == '-') && is_digit(s[1]) && is_digit(s[2]) && s[3] == ':' &&
        is_digit(s[4]) && is_digit(s[5]))
        return 6;
    return 0;
}

/* '@' literals: DATE, DATETIME, TIME (N1 grammar). */
static f2c_status lex_at(fp_lexer *lx, fp_token *t)
{
    const char *s = lx->src + lx->pos + 1;
    long col = lx->col;
    size_t n;
    if (s[0] == 'T') {
        n = time_len(s + 1);
        if (!n) {
            char d[40];
            return lex_error(
                lx, col, "invalid time literal: expected hh[:mm[:ss[.fff]]] after '@T', found %s",
                describe_char(s + 1, d, sizeof d));
        }
        t->kind = FP_T_TIME;
        t->text = f2c_arena_strndup(lx->a, s + 1, n);
        t->len = n;
        advn(lx, n + 2);
        return t->text ? F2C_OK : F2C_ENOMEM;
    }
    if (!(digits(s) >= 4)) {
        char m[120];
        size_t k = 0;
        while (k < 20 && (is_alpha(s[k]) || is_digit(s[k]) || s[k] == '-' || s[k] == ':'))
            k++;
        snprintf(
            m, sizeof m,
            "invalid date/time literal '@%.*s': expected @YYYY[-MM[-DD]][T...] or @Thh[:mm...]",
            (int)k, s);
        return lex_error(lx, col, "%s", m);
    }
    n = 4;
    if (s[n] == '-' && is_digit(s[n + 1]) && is_digit(s[n + 2])) {
        n += 3;
        if (s[n] == '-' && is_digit(s[n + 1]) && is_digit(s[n + 2])) n += 3;
    }
    if (is_digit(s[n])) {
        char d[40];
        return lex_error(lx, col,
                         "invalid date literal: expected '-', 'T' or the end of the date, found %s",
                         describe_char(s + n, d, sizeof d));
    }
    size_t textlen = n;
    if (s[n] == 'T') {
        size_t tl = time_len(s + n + 1);
        t->kind = FP_T_DATETIME;
        if (tl) {
            textlen = n + 1 + tl;
            textlen += tz_len(s + textlen);
            n = textlen;
        } else {
            n += 1; /* "@2012T": a DateTime with only a date part; the 'T' is not kept */
        }
    } else {
        t->kind = FP_T_DATE;
    }
    t->text = f2c_arena_strndup(lx->a, s, textlen);
    t->len = textlen;
    advn(lx, n + 1);
    return t->text ? F2C_OK : F2C_ENOMEM;
}

/* Skips whitespace and comments (N1 grammar WS, COMMENT, LINE_COMMENT).  F2C_OK, or
 * F2C_ECONFIG for an unterminated block comment. */
static f2c_status skip_space(fp_lexer *lx)
{
    const char *src = lx->src;
    for (;;) {
        char c = src[lx->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            adv(lx);
        } else if (c == '/' && src[lx->pos + 1] == '*') {
            long col = lx->col;
            advn(lx, 2);
            while (src[lx->pos] && !(src[lx->pos] == '*' && src[lx->pos + 1] == '/'))
                adv(lx);
            if (!src[lx->pos])
                return lex_error(lx, col, "%s",
                                 "unterminated comment: expected '*/', found end of expression");
            advn(lx, 2);
        } else if (c == '/' && src[lx->pos + 1] == '/') {
            while (src[lx->pos] && src[lx->pos] != '\n' && src[lx->pos] != '\r')
                adv(lx);
        } else {
            return F2C_OK;
        }
    }
}

/* A token of kind whose text is the next n source bytes (copied into the arena). */
static f2c_status lex_copy(fp_lexer *lx, fp_token *t, fp_tok kind, size_t n)
{
    t->kind = kind;
    t->text = f2c_arena_strndup(lx->a, lx->src + lx->pos, n);
    t->len = n;
    advn(lx, n);
    return t->text ? F2C_OK : F2C_ENOMEM;
}

/* An identifier (also a keyword) or a number at the current position. */
static f2c_status lex_word(fp_lexer *lx, fp_token *t)
{
    const char *s = lx->src + lx->pos;
    size_t n = 1;
    if (is_alpha(*s)) {
        while (is_alpha(s[n]) || is_digit(s[n]))
            n++;
        return lex_copy(lx, t, FP_T_IDENT, n);
    }
    n = digits(s);
    /* '.' belongs to the number only when a digit follows (1.abs() is 1 then .abs()). */
    if (s[n] == '.' && is_digit(s[n + 1])) n += 1 + digits(s + n + 1);
    return lex_copy(lx, t, FP_T_NUMBER, n);
}

/* $this, $index or $total (the text without '$'). */
static f2c_status lex_special(fp_lexer *lx, fp_token *t)
{
    const char *name = lx->src + lx->pos + 1;
    size_t n = 0;
    while (is_alpha(name[n]) || is_digit(name[n]))
        n++;
    if ((n == 4 && !strncmp(name, "this", 4)) || (n == 5 && !strncmp(name, "index", 5)) ||
        (n == 5 && !strncmp(name, "total", 5))) {
        adv(lx);
        return lex_copy(lx, t, FP_T_SPECIAL, n);
    }
    char m[200];
    snprintf(m, sizeof m, "unknown special variable '$%.*s': expected $this, $index or $total",
             (int)(n > 40 ? 40 : n), name);
    return lex_error(lx, lx->col, "%s", m);
}

/* Punctuation and operators: t->kind and t->len set (the text is the source bytes), or
 * F2C_ECONFIG for a character that starts no token. */
static f2c_status lex_punct(fp_lexer *lx, fp_token *t)
{
    static const char single[] = "%.,()[]{}+-*/&|=~";
    static const fp_tok kinds[] = {
        FP_T_PERCENT,  FP_T_DOT,    FP_T_COMMA,  FP_T_LPAREN, FP_T_RPAREN, FP_T_LBRACKET,
        FP_T_RBRACKET, FP_T_LBRACE, FP_T_RBRACE, FP_T_PLUS,   FP_T_MINUS,  FP_T_STAR,
        FP_T_SLASH,    FP_T_AMP,    FP_T_PIPE,   FP_T_EQ,     FP_T_EQUIV};
    const char *s = lx->src + lx->pos;
    const char *hit = strchr(single, *s);
    if (hit) {
        t->kind = kinds[hit - single];
    } else if (*s == '<' || *s == '>') {
        int eq = s[1] == '=';
        t->kind = *s == '<' ? (eq ? FP_T_LE : FP_T_LT) : (eq ? FP_T_GE : FP_T_GT);
        t->len = eq ? 2 : 1;
    } else if (*s == '!' && (s[1] == '=' || s[1] == '~')) {
        t->kind = s[1] == '=' ? FP_T_NE : FP_T_NEQUIV;
        t->len = 2;
    } else if (*s == '!') {
        return lex_error(lx, lx->col, "%s", "unexpected character '!': expected '!=' or '!~'");
    } else {
        char d[40];
        char m[80];
        snprintf(m, sizeof m, "unexpected character %s", describe_char(s, d, sizeof d));
        return lex_error(lx, lx->col, "%s", m);
    }
    advn(lx, t->len);
    return F2C_OK;
}

f2c_status fp_lex_next(fp_lexer *lx, fp_token *t)
{
    f2c_status st = skip_space(lx);
    if (st != F2C_OK) return st;
    t->pos = lx->pos;
    t->col = lx->col;
    t->text = lx->src + lx->pos;
    t->len = 1;
    char c = lx->src[lx->pos];
    if (!c) {
        t->kind = FP_T_EOF;
        t->len = 0;
        return F2C_OK;
    }
    if (is_alpha(c) || is_digit(c)) return lex_word(lx, t);
    if (c == '\'' || c == '`') return lex_quoted(lx, t, c);
    if (c == '@') return lex_at(lx, t);
    if (c == '$') return lex_special(lx, t);
    return lex_punct(lx, t);
}

const char *fp_tok_describe(const fp_token *t, char *buf, size_t n)
{
    /* the text between pre and post; the text of literals and names cut at 60 bytes */
    const char *pre = "'", *post = "'";
    int w = (int)(t->len > 60 ? 60 : t->len);
    switch (t->kind) {
    case FP_T_EOF:
        return "end of expression";
    case FP_T_IDENT:
        break;
    case FP_T_DIDENT:
        pre = post = "`";
        break;
    case FP_T_STRING:
        pre = "string '";
        break;
    case FP_T_NUMBER:
        pre = "number ", post = "";
        break;
    case FP_T_DATE:
    case FP_T_DATETIME:
        pre = "date/time @", post = "";
        break;
    case FP_T_TIME:
        pre = "time @T", post = "";
        break;
    case FP_T_SPECIAL:
        pre = "'$", w = (int)t->len;
        break;
    default:
        w = (int)t->len;
        break;
    }
    snprintf(buf, n, "%s%.*s%s", pre, w, t->text, post);
    return buf;
}
