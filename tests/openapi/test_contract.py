#!/usr/bin/env python3
"""The contract checker checked: its JSON Schema validator and its
matching of exchanges, on small documents of their own, so that a check
that could never fail would show here.  Python standard library only."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contract  # noqa: E402
from contract import SchemaError, Validator  # noqa: E402


def errors(value, schema, root=None):
    return Validator(root if root is not None else {}).validate(value, schema)


class TheValidator(unittest.TestCase):

    def test_types(self):
        self.assertEqual(errors(1, {"type": "integer"}), [])
        self.assertEqual(errors(1.0, {"type": "integer"}), [])
        self.assertTrue(errors(1.5, {"type": "integer"}))
        self.assertTrue(errors(True, {"type": "integer"}))
        self.assertTrue(errors(None, {"type": "string"}))
        self.assertEqual(errors(None, {"type": ["string", "null"]}), [])
        self.assertTrue(errors([], {"type": "object"}))

    def test_objects(self):
        s = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"],
             "additionalProperties": False}
        self.assertEqual(errors({"a": "x"}, s), [])
        self.assertIn("/: a is required", errors({}, s))
        self.assertIn("/: b is not a member this object has", errors({"a": "x", "b": 1}, s))
        self.assertIn("/a: integer is not of type string", errors({"a": 1}, s))

    def test_strings_count_characters(self):
        s = {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[^x]*$"}
        self.assertEqual(errors("申报", s), [])
        self.assertTrue(errors("申", s))
        self.assertTrue(errors("申报申报", s))
        self.assertTrue(errors("axb", s))
        self.assertTrue(errors("2020-13", {"type": "string", "format": "date"}))
        self.assertEqual(errors("2020-09-29T02:00:00Z", {"format": "date-time"}), [])

    def test_numbers_and_arrays(self):
        self.assertTrue(errors(-1, {"minimum": 0}))
        self.assertTrue(errors(5, {"maximum": 4}))
        self.assertTrue(errors(4, {"exclusiveMaximum": 4}))
        s = {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2,
             "uniqueItems": True}
        self.assertEqual(errors([1, 2], s), [])
        self.assertTrue(errors([], s))
        self.assertTrue(errors([1, 2, 3], s))
        self.assertTrue(errors([1, 1], s))
        self.assertTrue(errors(["a"], s))

    def test_enum_const_and_json_equality(self):
        self.assertEqual(errors(1, {"enum": [1.0]}), [])
        self.assertTrue(errors(True, {"enum": [1]}))
        self.assertTrue(errors("b", {"const": "a"}))

    def test_combinations(self):
        one = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
        self.assertTrue(errors(1, one))        # both match: not exactly one
        self.assertEqual(errors(-1, one), [])
        self.assertTrue(errors("x", {"anyOf": [{"type": "integer"}, {"type": "null"}]}))
        self.assertTrue(errors(1, {"allOf": [{"type": "integer"}, {"maximum": 0}]}))
        self.assertTrue(errors(1, {"not": {"type": "integer"}}))
        cond = {"if": {"properties": {"k": {"const": "a"}}}, "then": {"required": ["x"]},
                "else": {"required": ["y"]}}
        self.assertTrue(errors({"k": "a"}, cond))
        self.assertEqual(errors({"k": "a", "x": 1}, cond), [])
        self.assertTrue(errors({"k": "b", "x": 1}, cond))

    def test_references(self):
        root = {"components": {"schemas": {"N": {"type": "integer"}}}}
        self.assertTrue(errors("x", {"$ref": "#/components/schemas/N"}, root))
        with self.assertRaises(SchemaError):
            errors(1, {"$ref": "#/components/schemas/Missing"}, root)
        with self.assertRaises(SchemaError):
            errors(1, {"$ref": "other.json#/x"}, root)

    def test_an_unknown_keyword_is_refused(self):
        with self.assertRaises(SchemaError):
            errors(1, {"unevaluatedProperties": False})
        with self.assertRaises(SchemaError):
            errors("x", {"format": "hostname"})
        self.assertEqual(errors(1, {"x-anything": 1, "description": "d", "readOnly": True}), [])


DOC = {
    "openapi": "3.1.0",
    "paths": {
        "/things": {"post": {
            "operationId": "things_create",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"],
                "additionalProperties": False}}}},
            "responses": {
                "201": {"description": "made", "headers": {"Location": {
                    "required": True, "schema": {"type": "string", "pattern": "^/things/"}}},
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Thing"},
                            "examples": {"one": {"value": {"id": 1}}}}}},
                "422": {"description": "bad", "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}}}},
        "/things/{id}": {"get": {
            "operationId": "thing_get",
            "security": [],
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}},
                           {"name": "full", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": {"description": "it", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}},
                          "204": {"description": "nothing"}}}},
    },
    "components": {"schemas": {
        "Thing": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        "ProblemDetails": {"type": "object", "required": ["type", "status"]}}},
}


def exchange(method, target, status, body=None, rbody=None, ctype="application/json",
             headers=None, auth=True):
    def rec(v):
        return {"none": True} if v is None else {"json": v}
    h = {"content-type": ctype} if rbody is not None else {}
    h.update(headers or {})
    return {"method": method, "target": target,
            "request": {"headers": {"content-type": "application/json"} if body is not None
                        else {}, "authorization": auth, "cookie": False, "body": rec(body)},
            "response": {"status": status, "headers": h, "body": rec(rbody)}}


class Exchanges(unittest.TestCase):

    def run_check(self, *exchanges, doc=DOC):
        with tempfile.TemporaryDirectory() as tmp:
            d, x = os.path.join(tmp, "doc.json"), os.path.join(tmp, "x.jsonl")
            with open(d, "w") as f:
                json.dump(doc, f)
            with open(x, "w") as f:
                for e in exchanges:
                    f.write(json.dumps(e) + "\n")
            return contract.check(d, x)

    def assertMismatch(self, report, words):
        found = [w for w in report.mismatches if words in w]
        self.assertTrue(found, "no mismatch with %r in %r" % (words, list(report.mismatches)))

    def test_what_matches_passes(self):
        r = self.run_check(
            exchange("POST", "/things", 201, {"n": 1}, {"id": 1},
                     headers={"location": "/things/1"}),
            exchange("POST", "/things", 422, {"n": "x"}, {"type": "t", "status": 422},
                     ctype="application/problem+json"),
            exchange("GET", "/things/1?full=true", 200, None, {"id": 1}, auth=False),
            exchange("GET", "/things/1", 204),
            exchange("DELETE", "/things", 405, None, {"type": "t", "status": 405},
                     ctype="application/problem+json"),
            exchange("GET", "/nothing", 404, None, {"type": "t", "status": 404},
                     ctype="application/problem+json"))
        self.assertFalse(r.failed(), r.lines())
        self.assertEqual(r.exchanges, 6)
        self.assertEqual(r.examples, 1)

    def test_an_undocumented_status(self):
        self.assertMismatch(self.run_check(exchange("GET", "/things/1", 500, None, {})),
                            "status 500 is not documented")

    def test_a_response_body_that_does_not_match(self):
        self.assertMismatch(self.run_check(exchange("GET", "/things/1", 200, None, {"id": "1"})),
                            "the response body does not match")

    def test_an_undocumented_media_type(self):
        r = self.run_check(exchange("GET", "/things/1", 200, None, {"id": 1}, ctype="text/plain"))
        self.assertMismatch(r, "Content-Type text/plain is not documented")

    def test_a_required_header_missing_or_wrong(self):
        self.assertMismatch(self.run_check(exchange("POST", "/things", 201, {"n": 1}, {"id": 1})),
                            "header Location is required")
        self.assertMismatch(self.run_check(exchange("POST", "/things", 201, {"n": 1}, {"id": 1},
                                                    headers={"location": "/x"})),
                            "header Location does not match")

    def test_a_request_the_server_took_must_be_one_the_document_allows(self):
        self.assertMismatch(self.run_check(exchange("POST", "/things", 201, {"n": 1, "m": 2},
                                                    {"id": 1}, headers={"location": "/things/1"})),
                            "the request body the server took does not match")
        self.assertMismatch(self.run_check(exchange("GET", "/things/0", 200, None, {"id": 1})),
                            "parameter id (path) does not match")
        self.assertMismatch(self.run_check(exchange("GET", "/things/1?x=1", 200, None, {"id": 1})),
                            "query parameter x is not documented")
        self.assertMismatch(self.run_check(exchange("POST", "/things", 201, {"n": 1}, {"id": 1},
                                                    headers={"location": "/things/1"},
                                                    auth=False)),
                            "without a token or a session")

    def test_a_path_or_method_of_no_operation(self):
        self.assertMismatch(self.run_check(exchange("GET", "/nothing", 200, None, {})),
                            "is no operation of the document")
        self.assertMismatch(self.run_check(exchange("PUT", "/things/1", 200, None, {})),
                            "is no operation of the document")

    def test_an_example_that_does_not_match(self):
        doc = json.loads(json.dumps(DOC))
        media = doc["paths"]["/things"]["post"]["responses"]["201"]["content"]["application/json"]
        media["examples"]["one"]["value"] = {"id": "one"}
        self.assertMismatch(self.run_check(doc=doc), "example one of things_create")


if __name__ == "__main__":
    unittest.main(verbosity=1)
