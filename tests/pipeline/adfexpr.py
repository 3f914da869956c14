"""adfexpr: a small evaluator of Azure Data Factory pipeline expressions, for the pipeline tests.

Why: the generated pipelines carry their logic in expressions (which entities to load, what
_since to send); checking that they contain some text proves little, evaluating them over real
inputs proves what they compute.  Independent of the C code.  Covers what our pipelines use:
function calls, string/integer/boolean literals, property access (.name, ?.name, ['name']),
array elements ([0]),
item(), pipeline().parameters.X, activity('A').output..., variables('v'), and the functions
concat, string, length, equals, if, and, or, not, empty, uriComponent.  Anything else raises
ValueError, so a pipeline that starts using a new function fails the tests until this learns it.

  adf(value, env)  value: {"value": "@...", "type": "Expression"} or a plain value.
                   env: {"parameters": {...}, "activities": {name: {"output": ...}},
                         "variables": {...}, "item": ...}
"""
import json
import re
import urllib.parse

TOK = re.compile(r"\s*(?:('(?:[^']|'')*')|(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\?\.|[().,\[\]]))")


class Adf:
    def __init__(self, text, env):
        self.toks, pos = [], 0
        while pos < len(text):
            m = TOK.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError("cannot read %r at %d" % (text, pos))
            pos = m.end()
            s, n, ident, p = m.groups()
            self.toks.append(("str", s[1:-1].replace("''", "'")) if s else ("num", int(n))
                             if n else ("id", ident) if ident else ("p", p))
        self.i, self.env = 0, env

    def take(self, kind=None, val=None):
        t = self.toks[self.i] if self.i < len(self.toks) else ("eof", None)
        if (kind and t[0] != kind) or (val is not None and t[1] != val):
            raise ValueError("expected %s %s, got %r" % (kind, val, t))
        self.i += 1
        return t

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", None)

    def expr(self):
        t = self.take()
        if t[0] in ("str", "num"):
            v = t[1]
        elif t[0] == "id" and t[1] in ("true", "false") and self.peek() != ("p", "("):
            v = t[1] == "true"
        elif t[0] == "id":
            self.take("p", "(")
            args = []
            while self.peek() != ("p", ")"):
                args.append(self.expr())
                if self.peek() == ("p", ","):
                    self.take()
            self.take("p", ")")
            v = self.call(t[1], args)
        else:
            raise ValueError("unexpected %r" % (t,))
        while self.peek() in (("p", "."), ("p", "?."), ("p", "[")):
            op = self.take()[1]
            if op == "[":
                name = self.expr()
                self.take("p", "]")
                opt = False
                if isinstance(name, int):  # an array index (ADF: 0-based, out of range fails)
                    if not isinstance(v, list) or not 0 <= name < len(v):
                        raise ValueError("no element %d" % name)
                    v = v[name]
                    continue
            else:
                opt = op == "?."
                name = self.take("id")[1]
            if not isinstance(v, dict) or (name not in v and not opt):
                raise ValueError("no property %s" % name)
            v = v.get(name)
        return v

    def call(self, name, a):
        e = self.env
        if name == "item":
            return e["item"]
        if name == "pipeline":
            return {"parameters": e["parameters"]}
        if name == "activity":
            return e["activities"][a[0]]
        if name == "variables":
            return e["variables"][a[0]]
        if name == "concat":
            return "".join(str(x) for x in a)
        if name == "string":
            return a[0] if isinstance(a[0], str) else json.dumps(a[0], separators=(",", ":"))
        if name == "length":
            return len(a[0])
        if name == "equals":
            return a[0] == a[1]
        if name == "if":
            return a[1] if a[0] else a[2]
        if name == "and":
            return all(a)
        if name == "or":
            return any(a)
        if name == "not":
            return not a[0]
        if name == "empty":
            return a[0] is None or len(a[0]) == 0
        if name == "greater":
            return a[0] > a[1]
        if name == "range":
            if not isinstance(a[1], int) or a[1] < 1:
                raise ValueError("range() needs a positive count, got %r" % (a[1],))
            return list(range(a[0], a[0] + a[1]))
        if name == "uriComponent":
            return urllib.parse.quote(a[0], safe="")
        raise ValueError("function %s not supported by this evaluator" % name)


def adf(value, env):
    """A pipeline value: {"value": "@...", "type": "Expression"} or a plain value."""
    if isinstance(value, dict) and value.get("type") == "Expression":
        text = value["value"]
        if not text.startswith("@"):
            raise ValueError("expression without @: %r" % text)
        p = Adf(text[1:], env)
        v = p.expr()
        if p.peek()[0] != "eof":
            raise ValueError("trailing text in %r" % text)
        return v
    return value
