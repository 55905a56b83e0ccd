#!/usr/bin/env python3
"""The contract test: exchanges of the API suite checked against the
OpenAPI document.

    python3 tests/openapi/contract.py schema/openapi.json EXCHANGES.jsonl

tests/api/run.py --contract records every request the API tests send and the
answer they read (one JSON line each: method, target, the request's body and
headers that matter, status, response headers and body) and calls check()
after the suite.  Each exchange must match the document:

- its path and method are an operation of the document (or the answer is
  the 404 or 405 problem for a path or method there is none of, or a 400
  for a request refused before routing);
- its status is one the operation lists, its Content-Type one the response
  lists, its body valid against that schema, the headers the response
  requires are there and valid;
- when the server took the request (2xx), the request was one the document
  allows: its path and query parameters, the headers it names, and its JSON
  body valid against the request body's schema; and an operation that needs
  an account was called with a token or a session.

Every example of the document is checked against its schema too.  The JSON
Schema validator below knows the keywords of draft 2020-12 the document uses
and refuses any other, so a keyword it would silently ignore cannot make a
check pass.  Python standard library only.
"""

import json
import math
import re
import sys
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, unquote, urlsplit

# --------------------------------------------------------------------------
# JSON Schema (draft 2020-12), the part the document uses

ANNOTATIONS = {
    "$schema", "$id", "$comment", "title", "description", "examples", "example", "default",
    "readOnly", "writeOnly", "deprecated", "discriminator", "contentMediaType", "externalDocs",
    "xml", "$anchor", "$defs",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SchemaError(Exception):
    """The schema uses something this validator does not know."""


def json_type_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    raise SchemaError("not a JSON value: %r" % (v,))


def is_type(v, t):
    have = json_type_of(v)
    if t == "number":
        return have in ("integer", "number")
    if t == "integer":
        return have == "integer" or (have == "number" and math.isfinite(v) and v == int(v))
    return have == t


def json_equal(a, b):
    """Equality as JSON has it: 1 == 1.0, but true is not 1."""
    ta, tb = json_type_of(a), json_type_of(b)
    if {ta, tb} <= {"integer", "number"}:
        return a == b
    if ta != tb:
        return False
    if ta == "array":
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if ta == "object":
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return a == b


def pointer_escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise SchemaError("only references inside the document are known: %s" % ref)
    node = root
    for token in ref[2:].split("/"):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise SchemaError("unresolvable reference %s" % ref)
    return node


class Validator:
    """validate(value, schema) -> list of "pointer: problem" strings."""

    KEYWORDS = {
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "items",
        "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minLength",
        "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "dependentRequired",
    }
    FORMATS = {"date", "date-time", "int64", "int32", "uri", "uri-reference", "email",
               "password", "byte"}

    def __init__(self, root):
        self.root = root
        self._patterns = {}

    def validate(self, value, schema, at=""):
        errors = []
        self._check(value, schema, at, errors)
        return errors

    def _regex(self, pattern):
        if pattern not in self._patterns:
            # ECMA-262 patterns of the document; \uXXXX reads the same in Python.
            self._patterns[pattern] = re.compile(pattern)
        return self._patterns[pattern]

    def _check(self, v, s, at, errors):
        if s is True:
            return
        if s is False:
            errors.append("%s: no value is allowed here" % (at or "/"))
            return
        if not isinstance(s, dict):
            raise SchemaError("a schema must be an object or a boolean, at %s" % at)
        unknown = [k for k in s if k not in self.KEYWORDS and k not in ANNOTATIONS
                   and not k.startswith("x-")]
        if unknown:
            raise SchemaError("keywords this validator does not know: %s" % ", ".join(unknown))
        where = at or "/"
        if "$ref" in s:
            self._check(v, resolve(self.root, s["$ref"]), at, errors)
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(is_type(v, t) for t in types):
                errors.append("%s: %s is not of type %s" % (where, json_type_of(v),
                                                            " or ".join(types)))
                return
        if "enum" in s and not any(json_equal(v, e) for e in s["enum"]):
            errors.append("%s: %s is not one of %s" % (where, json.dumps(v, ensure_ascii=False)[:80],
                                                       json.dumps(s["enum"], ensure_ascii=False)[:200]))
        if "const" in s and not json_equal(v, s["const"]):
            errors.append("%s: %s is not %s" % (where, json.dumps(v, ensure_ascii=False)[:80],
                                                json.dumps(s["const"], ensure_ascii=False)))
        t = json_type_of(v)
        if t == "object":
            self._object(v, s, at, errors)
        elif t == "array":
            self._array(v, s, at, errors)
        elif t == "string":
            self._string(v, s, where, errors)
        elif t in ("integer", "number"):
            self._number(v, s, where, errors)
        for sub in s.get("allOf", []):
            self._check(v, sub, at, errors)
        if "anyOf" in s:
            if not any(not self.validate(v, sub, at) for sub in s["anyOf"]):
                errors.append("%s: matches none of anyOf: %s" % (where, self._why(v, s["anyOf"], at)))
        if "oneOf" in s:
            ok = [i for i, sub in enumerate(s["oneOf"]) if not self.validate(v, sub, at)]
            if len(ok) != 1:
                errors.append("%s: matches %d of oneOf (exactly one is needed)%s"
                              % (where, len(ok), "" if ok else ": " + self._why(v, s["oneOf"], at)))
        if "not" in s and not self.validate(v, s["not"], at):
            errors.append("%s: matches what `not` refuses" % where)
        if "if" in s:
            branch = "then" if not self.validate(v, s["if"], at) else "else"
            if branch in s:
                self._check(v, s[branch], at, errors)

    def _why(self, v, subs, at):
        """The shortest list of reasons among the alternatives."""
        best = None
        for sub in subs:
            errs = self.validate(v, sub, at)
            if best is None or len(errs) < len(best):
                best = errs
        return "; ".join((best or [])[:3])

    def _object(self, v, s, at, errors):
        for name in s.get("required", []):
            if name not in v:
                errors.append("%s: %s is required" % (at or "/", name))
        props = s.get("properties", {})
        patterns = s.get("patternProperties", {})
        for name, value in v.items():
            below = "%s/%s" % (at, pointer_escape(name))
            matched = False
            if name in props:
                matched = True
                self._check(value, props[name], below, errors)
            for pattern, sub in patterns.items():
                if self._regex(pattern).search(name):
                    matched = True
                    self._check(value, sub, below, errors)
            if not matched and "additionalProperties" in s:
                if s["additionalProperties"] is False:
                    errors.append("%s: %s is not a member this object has" % (at or "/", name))
                else:
                    self._check(value, s["additionalProperties"], below, errors)
            if "propertyNames" in s:
                self._check(name, s["propertyNames"], below, errors)
        if "minProperties" in s and len(v) < s["minProperties"]:
            errors.append("%s: fewer than %d members" % (at or "/", s["minProperties"]))
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            errors.append("%s: more than %d members" % (at or "/", s["maxProperties"]))
        for name, needed in s.get("dependentRequired", {}).items():
            if name in v:
                for other in needed:
                    if other not in v:
                        errors.append("%s: %s needs %s" % (at or "/", name, other))

    def _array(self, v, s, at, errors):
        prefix = s.get("prefixItems", [])
        for i, item in enumerate(v):
            below = "%s/%d" % (at, i)
            if i < len(prefix):
                self._check(item, prefix[i], below, errors)
            elif "items" in s:
                self._check(item, s["items"], below, errors)
        if "minItems" in s and len(v) < s["minItems"]:
            errors.append("%s: fewer than %d items" % (at or "/", s["minItems"]))
        if "maxItems" in s and len(v) > s["maxItems"]:
            errors.append("%s: more than %d items" % (at or "/", s["maxItems"]))
        if s.get("uniqueItems"):
            for i in range(len(v)):
                for j in range(i):
                    if json_equal(v[i], v[j]):
                        errors.append("%s: items %d and %d are the same" % (at or "/", j, i))
        if "contains" in s and not any(not self.validate(x, s["contains"], at) for x in v):
            errors.append("%s: no item matches `contains`" % (at or "/"))

    def _string(self, v, s, where, errors):
        n = len(v)  # code points, as JSON Schema counts
        if "minLength" in s and n < s["minLength"]:
            errors.append("%s: shorter than %d characters" % (where, s["minLength"]))
        if "maxLength" in s and n > s["maxLength"]:
            errors.append("%s: longer than %d characters" % (where, s["maxLength"]))
        if "pattern" in s and not self._regex(s["pattern"]).search(v):
            errors.append("%s: %r does not match %s" % (where, v[:80], s["pattern"]))
        fmt = s.get("format")
        if fmt is not None and fmt not in self.FORMATS:
            raise SchemaError("format %s is not known to this validator" % fmt)
        if fmt == "date-time" and not RFC3339.match(v):
            errors.append("%s: %r is not an RFC 3339 date-time" % (where, v))
        if fmt == "date" and not DATE.match(v):
            errors.append("%s: %r is not a date" % (where, v))

    def _number(self, v, s, where, errors):
        if "minimum" in s and v < s["minimum"]:
            errors.append("%s: %s is less than %s" % (where, v, s["minimum"]))
        if "maximum" in s and v > s["maximum"]:
            errors.append("%s: %s is more than %s" % (where, v, s["maximum"]))
        if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
            errors.append("%s: %s is not more than %s" % (where, v, s["exclusiveMinimum"]))
        if "exclusiveMaximum" in s and v >= s["exclusiveMaximum"]:
            errors.append("%s: %s is not less than %s" % (where, v, s["exclusiveMaximum"]))
        if "multipleOf" in s and v % s["multipleOf"] != 0:
            errors.append("%s: %s is not a multiple of %s" % (where, v, s["multipleOf"]))
        fmt = s.get("format")
        if fmt == "int64" and not -2 ** 63 <= v < 2 ** 63:
            errors.append("%s: %s is outside int64" % (where, v))
        if fmt == "int32" and not -2 ** 31 <= v < 2 ** 31:
            errors.append("%s: %s is outside int32" % (where, v))


# --------------------------------------------------------------------------
# The document's operations

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class Operation:
    def __init__(self, doc, path, method, op, path_item):
        self.path, self.method, self.op = path, method.upper(), op
        self.id = op.get("operationId", "%s %s" % (self.method, path))
        self.params = []
        for p in path_item.get("parameters", []) + op.get("parameters", []):
            self.params.append(resolve(doc, p["$ref"]) if "$ref" in p else p)
        names = []
        pattern = ""
        for seg in path.split("/")[1:]:
            m = re.fullmatch(r"\{([^}]+)\}", seg)
            if m:
                names.append(m.group(1))
                pattern += "/([^/]+)"
            else:
                pattern += "/" + re.escape(seg)
        self.regex = re.compile("^%s$" % (pattern or "/"))
        self.path_names = names
        self.templated = len(names)

    def match(self, path):
        m = self.regex.match(path)
        return dict(zip(self.path_names, m.groups())) if m else None


class Document:
    def __init__(self, doc):
        self.doc = doc
        self.v = Validator(doc)
        self.ops = []
        for path, item in doc.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    self.ops.append(Operation(doc, path, method, item[method], item))
        # A concrete path matches before a templated one (OpenAPI 3.1, Paths).
        self.ops.sort(key=lambda o: o.templated)

    def find(self, method, path):
        """(operation, path parameters), or (None, whether the path is any
        operation's)."""
        path_known = False
        for op in self.ops:
            params = op.match(path)
            if params is None:
                continue
            if op.method == method:
                return op, params
            path_known = True
        return None, path_known

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = resolve(self.doc, node["$ref"])
        return node


def media_type(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def param_value(text, schema, doc):
    """A parameter's text as the JSON value its schema expects."""
    schema = doc.deref(schema)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types and re.fullmatch(r"-?\d+", text):
        return int(text)
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


class Report:
    def __init__(self):
        self.mismatches = defaultdict(list)   # what -> [details]
        self.seen = Counter()                 # operationId -> exchanges
        self.statuses = defaultdict(set)      # operationId -> statuses seen
        self.exchanges = 0
        self.examples = 0
        self.operations = []

    def fail(self, what, detail):
        self.mismatches[what].append(detail)

    def failed(self):
        return bool(self.mismatches)

    def lines(self):
        out = []
        n = sum(len(v) for v in self.mismatches.values())
        out.append("contract: %d exchanges and %d examples checked against the OpenAPI document: "
                   "%d mismatch%s" % (self.exchanges, self.examples, n, "" if n == 1 else "es"))
        for what, details in sorted(self.mismatches.items()):
            out.append("CONTRACT FAILURE: %s (%d×)" % (what, len(details)))
            for d in details[:3]:
                out.append("    " + d)
        unseen = [o for o in self.operations if not self.seen[o]]
        no_2xx = [o for o in self.operations
                  if self.seen[o] and not any(200 <= s < 300 for s in self.statuses[o])]
        out.append("contract: %d of %d operations exercised%s" % (
            len(self.operations) - len(unseen), len(self.operations),
            "; never: " + ", ".join(unseen) if unseen else ""))
        if no_2xx:
            out.append("contract: operations never answered with a 2xx: " + ", ".join(no_2xx))
        return out


def check_body(d, report, what, where, body, media, exchange_text):
    schema = media.get("schema")
    if schema is None or "json" not in body:
        return
    errors = d.v.validate(body["json"], schema)
    if errors:
        report.fail(what, "%s: %s — %s" % (where, "; ".join(errors[:4]), exchange_text))


def check_exchange(d, report, ex):
    method = ex["method"]
    url = urlsplit(ex["target"])
    path = url.path
    status = ex["response"]["status"]
    rbody = ex["response"]["body"]
    rheaders = ex["response"]["headers"]
    text = "%s %s -> %d" % (method, ex["target"][:120], status)
    op, found = d.find(method, path)
    problem = d.doc["components"]["schemas"].get("ProblemDetails")

    if op is None:
        # No operation: the problem dispatch answers (405 for a method the
        # path has not, 404 for a path nothing has), or a request refused
        # before routing (400, 413 and the like).
        expected = 405 if found else 404
        if status != expected and status not in (400, 413, 415, 431):
            report.fail("%s %s is no operation of the document" % (method, path[:60]),
                        "answered %d (%s)" % (status, text))
            return
        if "json" in rbody and problem is not None:
            errors = d.v.validate(rbody["json"], {"$ref": "#/components/schemas/ProblemDetails"})
            if errors:
                report.fail("problem of no operation", "%s — %s" % ("; ".join(errors[:3]), text))
        return

    report.seen[op.id] += 1
    report.statuses[op.id].add(status)
    responses = op.op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("%dXX" % (status // 100)) \
        or responses.get("default")
    if resp is None:
        report.fail("%s: status %d is not documented" % (op.id, status), text)
        return
    resp = d.deref(resp)

    # The answer.
    content = resp.get("content")
    ctype = media_type(rheaders.get("content-type"))
    if content:
        if ctype not in content:
            report.fail("%s %d: Content-Type %s is not documented" % (op.id, status, ctype or "(none)"),
                        text)
        else:
            check_body(d, report, "%s %d: the response body does not match" % (op.id, status),
                       "response", rbody, content[ctype], text)
    elif not rbody.get("none") and rbody.get("bytes", 0) > 0:
        report.fail("%s %d: a body the document does not describe" % (op.id, status), text)
    for name, h in resp.get("headers", {}).items():
        h = d.deref(h)
        value = rheaders.get(name.lower())
        if value is None:
            if h.get("required"):
                report.fail("%s %d: header %s is required" % (op.id, status, name), text)
            continue
        if "schema" in h:
            errors = d.v.validate(param_value(value, h["schema"], d), h["schema"])
            if errors:
                report.fail("%s %d: header %s does not match" % (op.id, status, name),
                            "%s — %s" % ("; ".join(errors[:2]), text))

    if not 200 <= status < 300:
        return

    # The request the server took.
    req = ex["request"]
    if op.op.get("security") not in (None, []) and not (req["authorization"] or req["cookie"]):
        report.fail("%s: answered %d without a token or a session" % (op.id, status), text)
    path_params = op.match(path)
    query = parse_qsl(url.query, keep_blank_values=True)
    sent_headers = req["headers"]
    for p in op.params:
        name, where = p["name"], p["in"]
        if where == "path":
            value = unquote(path_params[name])
        elif where == "query":
            values = [v for k, v in query if k == name]
            value = values[0] if values else None
        elif where == "header":
            value = sent_headers.get(name.lower())
        else:
            continue
        if value is None:
            if p.get("required"):
                report.fail("%s: parameter %s (%s) is required" % (op.id, name, where), text)
            continue
        errors = d.v.validate(param_value(value, p["schema"], d), p["schema"])
        if errors:
            report.fail("%s: parameter %s (%s) does not match" % (op.id, name, where),
                        "%s — %s" % ("; ".join(errors[:2]), text))
    declared = {p["name"] for p in op.params if p["in"] == "query"}
    for k, _ in query:
        if k not in declared and op.id not in ("web_index", "web_file"):
            report.fail("%s: query parameter %s is not documented" % (op.id, k), text)
    body = req["body"]
    rb = d.deref(op.op.get("requestBody")) if op.op.get("requestBody") else None
    if rb is None:
        if "json" in body:
            report.fail("%s: took a JSON body the document does not describe" % op.id, text)
        return
    # An empty body sent without a media type is no body (Content-Length: 0).
    empty = body.get("bytes") == 0 and not sent_headers.get("content-type")
    if body.get("none") or empty:
        if rb.get("required"):
            report.fail("%s: took no body, but the document requires one" % op.id, text)
        return
    ctype = media_type(sent_headers.get("content-type"))
    media = rb.get("content", {}).get(ctype)
    if media is None:
        report.fail("%s: took a body of type %s, which is not documented" % (op.id, ctype), text)
        return
    check_body(d, report, "%s: the request body the server took does not match" % op.id,
               "request", body, media, text)


def check_examples(d, report):
    """Every example of a media type or a parameter, against its schema."""
    def media_examples(where, media):
        schema = media.get("schema")
        if schema is None:
            return
        found = []
        if "example" in media:
            found.append(("example", media["example"]))
        for name, ex in media.get("examples", {}).items():
            ex = d.deref(ex)
            if "value" in ex:
                found.append((name, ex["value"]))
        for name, value in found:
            report.examples += 1
            errors = d.v.validate(value, schema)
            if errors:
                report.fail("example %s of %s does not match its schema" % (name, where),
                            "; ".join(errors[:4]))

    for op in d.ops:
        rb = op.op.get("requestBody")
        if rb:
            for ctype, media in d.deref(rb).get("content", {}).items():
                media_examples("%s request %s" % (op.id, ctype), media)
        for status, resp in op.op.get("responses", {}).items():
            for ctype, media in d.deref(resp).get("content", {}).items():
                media_examples("%s %s %s" % (op.id, status, ctype), media)


def check(document_path, exchanges_path):
    with open(document_path, encoding="utf-8") as f:
        d = Document(json.load(f))
    report = Report()
    report.operations = [op.id for op in d.ops]
    try:
        check_examples(d, report)
        with open(exchanges_path, encoding="utf-8") as f:
            for line in f:
                report.exchanges += 1
                check_exchange(d, report, json.loads(line))
    except SchemaError as e:
        report.fail("the document uses what the checker does not know", str(e))
    return report


def main():
    if len(sys.argv) != 3:
        print("usage: contract.py OPENAPI.json EXCHANGES.jsonl", file=sys.stderr)
        return 2
    report = check(sys.argv[1], sys.argv[2])
    for line in report.lines():
        print(line)
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
