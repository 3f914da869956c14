/*
 * f2c_fp_parse: FHIRPath source -> AST (FHIRPath N1 Appendix A grammar; operator precedence
 * N1 §6 "Operator precedence").
 *
 * Why it is shaped so: the N1 grammar is an ANTLR left-recursive `expression` rule whose
 * alternatives' order is the precedence table.  A precedence-climbing parser reproduces it
 * directly: one loop for all binary operators with a table of levels, a prefix step for unary
 * +/-, and a postfix step for `.invocation` and `[index]`.  Every node records the character
 * column of its operator or name so compile-time and run-time errors can point at it.  Literal
 * values (numbers, strings, dates, quantities) are converted once here; date/time literals are
 * validated by value (month 13 is a syntax error).  Nesting is bounded so a hostile expression
 * cannot exhaust the stack.  Nodes live in the expression's arena: no per-node free.
 *
 * Precedence, highest first (N1 §6.x table): . [] > unary + - > * / div mod > + - & > is as > |
 * > < > <= >= > = ~ != !~ > in contains > and > xor or > implies; all binary operators are
 * left-associative.
 */
#include "f2c_fp_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP_MAX_DEPTH 200       /* nesting of parentheses, arguments, indexers, unary signs */
#define FP_MAX_TREE_DEPTH 1000 /* height of the tree (long operator or '.' chains) */

typedef struct fp_parser {
    fp_lexer lx;
    fp_token tok;
    f2c_arena *a;
    f2c_error *err;
    int depth;
} fp_parser;

static f2c_status next(fp_parser *p)
{
    return fp_lex_next(&p->lx, &p->tok);
}

static f2c_status syntax(fp_parser *p, long col, const char *expected)
{
    char d[100];
    return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, col, NULL, "expected %s, found %s", expected,
                         fp_tok_describe(&p->tok, d, sizeof d));
}

static fp_node *node_new(fp_parser *p, fp_nk kind, long col)
{
    fp_node *n = f2c_arena_alloc(p->a, sizeof *n);
    if (!n) return NULL;
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->col = col;
    n->depth = 1;
    return n;
}

/* Sets n->depth from its children; the evaluator and the compiler recurse over the tree, so its
 * height is bounded (a chain of 100,000 '+' would otherwise exhaust a thread's stack). */
static f2c_status tree_depth(fp_parser *p, fp_node *n)
{
    int d = 0;
    const fp_node *kids[3] = {n->focus, n->a, n->b};
    for (int i = 0; i < 3; i++)
        if (kids[i] && kids[i]->depth > d) d = kids[i]->depth;
    for (size_t i = 0; i < n->nargs; i++)
        if (n->args[i]->depth > d) d = n->args[i]->depth;
    n->depth = d + 1;
    if (n->depth > FP_MAX_TREE_DEPTH)
        return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, n->col, NULL,
                             "expression too deeply nested (a chain of more than %d operators "
                             "or steps)",
                             FP_MAX_TREE_DEPTH);
    return F2C_OK;
}

static int tok_is(const fp_token *t, const char *word)
{
    return t->kind == FP_T_IDENT && strlen(word) == t->len && !memcmp(t->text, word, t->len);
}

static const char *const calendar_units[] = {
    "year",   "month",       "week",    "day",          "hour",  "minute",
    "second", "millisecond", "years",   "months",       "weeks", "days",
    "hours",  "minutes",     "seconds", "milliseconds", NULL};

/* The N1 identifier rule (grammar, Appendix: `identifier: IDENTIFIER | DELIMITEDIDENTIFIER |
 * 'as' | 'contains' | 'in' | 'is'`).  Every other word the grammar spells as a literal is a
 * keyword, not an IDENTIFIER: the operators div mod and or xor implies, the Boolean literals true
 * false (booleanLiteral) and the calendar units of quantity literals (dateTimePrecision,
 * pluralDateTimePrecision: year ... milliseconds).  They name an element only delimited with
 * backticks (N1 §3 "Path selection"): text.`div`.  Returns what the keyword is, or NULL for a word
 * the rule accepts (and for a DELIMITEDIDENTIFIER, whatever its text). */
static const char *keyword_kind(const fp_token *t)
{
    static const char *const ops[] = {"and", "or", "xor", "implies", "div", "mod", NULL};
    if (t->kind != FP_T_IDENT) return NULL;
    for (int i = 0; ops[i]; i++)
        if (tok_is(t, ops[i])) return "an operator keyword";
    if (tok_is(t, "true") || tok_is(t, "false")) return "a Boolean literal";
    for (int i = 0; calendar_units[i]; i++)
        if (tok_is(t, calendar_units[i])) return "a calendar unit keyword";
    return NULL;
}

/* A syntax error at a keyword used where the grammar needs an identifier. */
static f2c_status not_identifier(fp_parser *p, const char *kind)
{
    const fp_token *t = &p->tok;
    return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, t->col, NULL,
                         "'%.*s' is %s; write `%.*s` in backticks to use it as a name", (int)t->len,
                         t->text, kind, (int)t->len, t->text);
}

/* The current token must be an identifier (N1 grammar `identifier`); `what` for other tokens. */
static f2c_status expect_identifier(fp_parser *p, const char *what)
{
    const char *kind = keyword_kind(&p->tok);
    if (kind) return not_identifier(p, kind);
    if (p->tok.kind != FP_T_IDENT && p->tok.kind != FP_T_DIDENT) return syntax(p, p->tok.col, what);
    return F2C_OK;
}

static int is_calendar_unit(const fp_token *t)
{
    for (int i = 0; calendar_units[i]; i++)
        if (tok_is(t, calendar_units[i])) return 1;
    return 0;
}

static f2c_status parse_expr(fp_parser *p, int minprec, fp_node **out);

/* The number literal in the current token as an Integer or Decimal value. */
static f2c_status number_value(fp_parser *p, fp_val *v)
{
    const fp_token *t = &p->tok;
    if (memchr(t->text, '.', t->len)) {
        /* leading zeros dropped ("007.50" -> "7.50") so the text is a JSON number */
        const char *s = t->text;
        size_t n = t->len;
        while (n > 1 && s[0] == '0' && s[1] != '.')
            s++, n--;
        fp_val_dec_text(v, strtod(t->text, NULL), s, n);
        return F2C_OK;
    }
    errno = 0;
    char *end;
    long long i = strtoll(t->text, &end, 10);
    if (errno == ERANGE)
        return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, t->col, NULL,
                             "integer literal %s is out of range (64-bit)", t->text);
    fp_val_int(v, (int64_t)i);
    char buf[24];
    int k = snprintf(buf, sizeof buf, "%lld", i);
    v->it.text = f2c_arena_strndup(p->a, buf, (size_t)k); /* "007" -> "7" */
    v->it.len = (size_t)k;
    return v->it.text ? F2C_OK : F2C_ENOMEM;
}

static f2c_status date_literal(fp_parser *p, fp_node *n)
{
    const fp_token *t = &p->tok;
    int kind = t->kind == FP_T_DATE   ? F2C_FP_DATE
               : t->kind == FP_T_TIME ? F2C_FP_TIME
                                      : F2C_FP_DATETIME;
    fp_dt d;
    if (fp_dt_parse(t->text, t->len, kind, &d) != 0)
        return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, t->col, NULL,
                             "invalid %s literal @%s%s: a field is out of range",
                             kind == F2C_FP_DATE   ? "date"
                             : kind == F2C_FP_TIME ? "time"
                                                   : "dateTime",
                             kind == F2C_FP_TIME ? "T" : "", t->text);
    fp_val_dt_text(&n->lit, kind, t->text, t->len);
    return F2C_OK;
}

/* identifier | identifier '(' paramList? ')' with the current token an identifier. */
static f2c_status parse_invocation(fp_parser *p, fp_node *focus, fp_node **out)
{
    f2c_status st;
    const char *name = p->tok.text;
    size_t len = p->tok.len;
    long col = p->tok.col;
    if ((st = next(p))) return st;
    if (p->tok.kind == FP_T_LPAREN) {
        long lcol = p->tok.col;
        fp_node *n = node_new(p, FP_N_CALL, col);
        if (!n) return F2C_ENOMEM;
        n->focus = focus;
        n->name = name;
        if ((st = next(p))) return st;
        fp_node *argv[64];
        size_t argc = 0;
        if (p->tok.kind != FP_T_RPAREN) {
            for (;;) {
                if (argc == 64)
                    return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, p->tok.col, NULL,
                                         "too many arguments to %s() (at most 64)", name);
                if ((st = parse_expr(p, 0, &argv[argc]))) return st;
                argc++;
                if (p->tok.kind == FP_T_COMMA) {
                    if ((st = next(p))) return st;
                    continue;
                }
                if (p->tok.kind == FP_T_RPAREN) break;
                char what[120];
                snprintf(what, sizeof what,
                         "',' or ')' to close the arguments of %s( at column %ld", name, lcol);
                return syntax(p, p->tok.col, what);
            }
        }
        if ((st = next(p))) return st;
        if (argc) {
            n->args = f2c_arena_alloc(p->a, argc * sizeof *n->args);
            if (!n->args) return F2C_ENOMEM;
            memcpy(n->args, argv, argc * sizeof *argv);
        }
        n->nargs = argc;
        *out = n;
        return tree_depth(p, n);
    }
    (void)len;
    fp_node *n = node_new(p, FP_N_MEMBER, col);
    if (!n) return F2C_ENOMEM;
    n->focus = focus;
    n->name = name;
    size_t nl = strlen(name);
    char *u = f2c_arena_alloc(p->a, nl + 2);
    if (!u) return F2C_ENOMEM;
    u[0] = '_';
    memcpy(u + 1, name, nl + 1);
    n->uname = u;
    *out = n;
    return tree_depth(p, n);
}

static f2c_status parse_special(fp_parser *p, fp_node **out)
{
    fp_nk k = !strcmp(p->tok.text, "this")    ? FP_N_THIS
              : !strcmp(p->tok.text, "index") ? FP_N_INDEX
                                              : FP_N_TOTAL;
    fp_node *n = node_new(p, k, p->tok.col);
    if (!n) return F2C_ENOMEM;
    *out = n;
    return next(p);
}

static f2c_status parse_term(fp_parser *p, fp_node **out)
{
    f2c_status st;
    fp_token *t = &p->tok;
    fp_node *n;
    switch (t->kind) {
    case FP_T_IDENT:
        if (tok_is(t, "true") || tok_is(t, "false")) {
            if (!(n = node_new(p, FP_N_LIT, t->col))) return F2C_ENOMEM;
            fp_val_bool(&n->lit, tok_is(t, "true"));
            *out = n;
            return next(p);
        }
        if (keyword_kind(t)) return not_identifier(p, keyword_kind(t));
        return parse_invocation(p, NULL, out);
    case FP_T_DIDENT:
        return parse_invocation(p, NULL, out);
    case FP_T_SPECIAL:
        return parse_special(p, out);
    case FP_T_STRING:
        if (!(n = node_new(p, FP_N_LIT, t->col))) return F2C_ENOMEM;
        fp_val_str(&n->lit, t->text, t->len);
        *out = n;
        return next(p);
    case FP_T_NUMBER: {
        if (!(n = node_new(p, FP_N_LIT, t->col))) return F2C_ENOMEM;
        if ((st = number_value(p, &n->lit))) return st;
        *out = n;
        if ((st = next(p))) return st;
        /* quantity: NUMBER unit?  (unit: calendar keyword or UCUM string) */
        if (t->kind == FP_T_STRING || is_calendar_unit(t)) {
            fp_val *v = &n->lit;
            double d = v->it.kind == F2C_FP_INTEGER ? (double)v->it.i : v->it.d;
            v->it.kind = F2C_FP_QUANTITY;
            v->it.type = "Quantity";
            v->it.d = d;
            v->it.i = 0;
            v->it.unit = t->text;
            return next(p);
        }
        return F2C_OK;
    }
    case FP_T_DATE:
    case FP_T_DATETIME:
    case FP_T_TIME:
        if (!(n = node_new(p, FP_N_LIT, t->col))) return F2C_ENOMEM;
        if ((st = date_literal(p, n))) return st;
        *out = n;
        return next(p);
    case FP_T_PERCENT: {
        long col = t->col;
        if ((st = next(p))) return st;
        /* Deviation: any word after '%' (N1 externalConstant needs an identifier, so %day would
         * need %`day`), because SQL on FHIR constants may be named day, year... */
        if (t->kind != FP_T_IDENT && t->kind != FP_T_DIDENT && t->kind != FP_T_STRING)
            return syntax(p, t->col, "a variable name after '%'");
        if (!(n = node_new(p, FP_N_VAR, col))) return F2C_ENOMEM;
        n->name = t->text;
        *out = n;
        return next(p);
    }
    case FP_T_LPAREN: {
        long col = t->col;
        if ((st = next(p))) return st;
        if ((st = parse_expr(p, 0, out))) return st;
        if (t->kind != FP_T_RPAREN) {
            char what[80];
            snprintf(what, sizeof what, "')' to close '(' at column %ld", col);
            return syntax(p, t->col, what);
        }
        return next(p);
    }
    case FP_T_LBRACE: {
        long col = t->col;
        if ((st = next(p))) return st;
        if (t->kind != FP_T_RBRACE)
            return syntax(p, t->col, "'}' after '{' (the empty collection {})");
        if (!(n = node_new(p, FP_N_EMPTY, col))) return F2C_ENOMEM;
        *out = n;
        return next(p);
    }
    default:
        return syntax(p, t->col, "an expression");
    }
}

static f2c_status parse_postfix(fp_parser *p, fp_node **out)
{
    f2c_status st;
    fp_node *n;
    if ((st = parse_term(p, &n))) return st;
    for (;;) {
        if (p->tok.kind == FP_T_DOT) {
            if ((st = next(p))) return st;
            /* After '.', an identifier (N1 grammar `invocation`): text.div is refused, text.`div`
             * is the narrative. */
            const char *kw = keyword_kind(&p->tok);
            if (kw) return not_identifier(p, kw);
            if (p->tok.kind == FP_T_IDENT || p->tok.kind == FP_T_DIDENT) {
                if ((st = parse_invocation(p, n, &n))) return st;
            } else if (p->tok.kind == FP_T_SPECIAL) {
                fp_node *s;
                if ((st = parse_special(p, &s))) return st;
                s->focus = n; /* focus.$this: evaluated for its side (none); value is $this */
                n = s;
                if ((st = tree_depth(p, n))) return st;
            } else {
                return syntax(p, p->tok.col, "a name or function after '.'");
            }
        } else if (p->tok.kind == FP_T_LBRACKET) {
            long col = p->tok.col;
            fp_node *ix = node_new(p, FP_N_INDEXER, col);
            if (!ix) return F2C_ENOMEM;
            if ((st = next(p))) return st;
            p->depth++;
            if (p->depth > FP_MAX_DEPTH)
                return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, col, NULL,
                                     "expression nested too deeply (more than %d levels)",
                                     FP_MAX_DEPTH);
            if ((st = parse_expr(p, 0, &ix->b))) return st;
            p->depth--;
            if (p->tok.kind != FP_T_RBRACKET) {
                char what[80];
                snprintf(what, sizeof what, "']' to close '[' at column %ld", col);
                return syntax(p, p->tok.col, what);
            }
            if ((st = next(p))) return st;
            ix->a = n;
            n = ix;
            if ((st = tree_depth(p, n))) return st;
        } else {
            break;
        }
    }
    *out = n;
    return F2C_OK;
}

/* A number literal's text without any nonzero digit ("0", "0.00", "-0.0"). */
static int zero_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '1' && s[i] <= '9') return 0;
    return 1;
}

/* Negates a number or quantity literal, value and text.  Zero stays unsigned: FHIRPath's
 * Integer and Decimal are numbers, not binary floats, with no -0 (a computed zero is written
 * without a sign too), so the text of -0.0 is "0.0", its precision kept, and of -0 "0". */
static f2c_status negate_literal(fp_parser *p, f2c_fp_item *it)
{
    if (zero_text(it->text, it->len)) {
        it->d = 0.0;
        if (it->len && it->text[0] == '-') it->text++, it->len--;
        return F2C_OK;
    }
    if (it->kind == F2C_FP_INTEGER)
        it->i = -it->i;
    else
        it->d = -it->d;
    char *t = f2c_arena_alloc(p->a, it->len + 2);
    if (!t) return F2C_ENOMEM;
    if (it->len && it->text[0] == '-') {
        memcpy(t, it->text + 1, it->len - 1);
        t[it->len - 1] = '\0';
        it->len--;
    } else {
        t[0] = '-';
        memcpy(t + 1, it->text, it->len);
        t[it->len + 1] = '\0';
        it->len++;
    }
    it->text = t;
    return F2C_OK;
}

static f2c_status parse_unary(fp_parser *p, fp_node **out)
{
    f2c_status st;
    if (p->tok.kind != FP_T_PLUS && p->tok.kind != FP_T_MINUS) return parse_postfix(p, out);
    int neg = p->tok.kind == FP_T_MINUS;
    long col = p->tok.col;
    if (++p->depth > FP_MAX_DEPTH)
        return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, col, NULL,
                             "expression nested too deeply (more than %d levels)", FP_MAX_DEPTH);
    if ((st = next(p))) return st;
    fp_node *a;
    if ((st = parse_unary(p, &a))) return st;
    p->depth--;
    /* Fold a sign into a number or quantity literal (so -5 'mg' is one literal). */
    if (a->kind == FP_N_LIT &&
        (a->lit.it.kind == F2C_FP_INTEGER || a->lit.it.kind == F2C_FP_DECIMAL ||
         a->lit.it.kind == F2C_FP_QUANTITY)) {
        if (neg && (st = negate_literal(p, &a->lit.it))) return st;
        a->col = col;
        *out = a;
        return F2C_OK;
    }
    fp_node *n = node_new(p, neg ? FP_N_NEG : FP_N_POS, col);
    if (!n) return F2C_ENOMEM;
    n->a = a;
    *out = n;
    return tree_depth(p, n);
}

/* Binary operator of the current token: precedence level (higher binds tighter), 0 if none. */
static int binop(const fp_token *t, fp_binop *op)
{
    switch (t->kind) {
    case FP_T_STAR:
        *op = FP_OP_MUL;
        return 10;
    case FP_T_SLASH:
        *op = FP_OP_DIV;
        return 10;
    case FP_T_PLUS:
        *op = FP_OP_ADD;
        return 9;
    case FP_T_MINUS:
        *op = FP_OP_SUB;
        return 9;
    case FP_T_AMP:
        *op = FP_OP_CONCAT;
        return 9;
    case FP_T_PIPE:
        *op = FP_OP_UNION;
        return 7;
    case FP_T_LT:
        *op = FP_OP_LT;
        return 6;
    case FP_T_GT:
        *op = FP_OP_GT;
        return 6;
    case FP_T_LE:
        *op = FP_OP_LE;
        return 6;
    case FP_T_GE:
        *op = FP_OP_GE;
        return 6;
    case FP_T_EQ:
        *op = FP_OP_EQ;
        return 5;
    case FP_T_NE:
        *op = FP_OP_NE;
        return 5;
    case FP_T_EQUIV:
        *op = FP_OP_EQUIV;
        return 5;
    case FP_T_NEQUIV:
        *op = FP_OP_NEQUIV;
        return 5;
    case FP_T_IDENT:
        if (tok_is(t, "div")) return *op = FP_OP_IDIV, 10;
        if (tok_is(t, "mod")) return *op = FP_OP_MOD, 10;
        if (tok_is(t, "is") || tok_is(t, "as")) return *op = FP_OP_MUL, 8; /* op unused */
        if (tok_is(t, "in")) return *op = FP_OP_IN, 4;
        if (tok_is(t, "contains")) return *op = FP_OP_CONTAINS, 4;
        if (tok_is(t, "and")) return *op = FP_OP_AND, 3;
        if (tok_is(t, "or")) return *op = FP_OP_OR, 2;
        if (tok_is(t, "xor")) return *op = FP_OP_XOR, 2;
        if (tok_is(t, "implies")) return *op = FP_OP_IMPLIES, 1;
        return 0;
    default:
        return 0;
    }
}

/* typeSpecifier: qualifiedIdentifier (N1 grammar), at most namespace.name. */
static f2c_status parse_typespec(fp_parser *p, fp_typespec *ts)
{
    f2c_status st;
    if ((st = expect_identifier(p, "a type name"))) return st;
    const char *first = p->tok.text;
    if ((st = next(p))) return st;
    if (p->tok.kind == FP_T_DOT) {
        if ((st = next(p))) return st;
        if ((st = expect_identifier(p, "a type name after the namespace"))) return st;
        ts->ns = first;
        ts->name = p->tok.text;
        return next(p);
    }
    ts->ns = NULL;
    ts->name = first;
    return F2C_OK;
}

static f2c_status parse_expr(fp_parser *p, int minprec, fp_node **out)
{
    f2c_status st;
    fp_node *lhs;
    if (++p->depth > FP_MAX_DEPTH)
        return f2c_error_set(p->err, F2C_ECONFIG, NULL, 0, p->tok.col, NULL,
                             "expression nested too deeply (more than %d levels)", FP_MAX_DEPTH);
    if ((st = parse_unary(p, &lhs))) return st;
    for (;;) {
        fp_binop op;
        int prec = binop(&p->tok, &op);
        if (!prec || prec < minprec) break;
        long col = p->tok.col;
        if (prec == 8) {
            int is = tok_is(&p->tok, "is");
            fp_node *n = node_new(p, is ? FP_N_IS : FP_N_AS, col);
            if (!n) return F2C_ENOMEM;
            if ((st = next(p))) return st;
            if ((st = parse_typespec(p, &n->type))) return st;
            n->a = lhs;
            lhs = n;
            if ((st = tree_depth(p, n))) return st;
            continue;
        }
        if ((st = next(p))) return st;
        fp_node *rhs;
        if ((st = parse_expr(p, prec + 1, &rhs))) return st;
        fp_node *n = node_new(p, FP_N_BIN, col);
        if (!n) return F2C_ENOMEM;
        n->op = op;
        n->a = lhs;
        n->b = rhs;
        lhs = n;
        if ((st = tree_depth(p, n))) return st;
    }
    p->depth--;
    *out = lhs;
    return F2C_OK;
}

f2c_status fp_parse(const char *src, f2c_arena *a, fp_node **root, f2c_error *err)
{
    fp_parser p;
    memset(&p, 0, sizeof p);
    p.lx.src = src;
    p.lx.col = 1;
    p.lx.a = a;
    p.lx.err = err;
    p.a = a;
    p.err = err;
    f2c_status st = next(&p);
    if (st) return st;
    if (p.tok.kind == FP_T_EOF) return syntax(&p, p.tok.col, "an expression");
    if ((st = parse_expr(&p, 0, root))) return st;
    if (p.tok.kind != FP_T_EOF)
        return syntax(&p, p.tok.col, "an operator or the end of the expression");
    return F2C_OK;
}
