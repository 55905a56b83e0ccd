"""GET /v1/openapi.json: the OpenAPI 3.1 document of the API, served by the
server as it makes it from its route table, is the document the repository
keeps (schema/openapi.json, linted and checked against the route table by
the unit suite), and it describes every route the server answers."""

import json
import os

import common
from common import ApiTest, req

SCHEMA = os.path.join(common.REPO, "schema")


class Served(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.resp = req("GET", "/v1/openapi.json")

    def test_it_is_public_and_json(self):
        doc = self.assertStatus(self.resp, 200)
        self.assertEqual(self.resp.headers["content-type"], "application/json")
        self.assertTrue(doc["openapi"].startswith("3.1."), doc["openapi"])
        self.assertEqual(doc["jsonSchemaDialect"],
                         "https://json-schema.org/draft/2020-12/schema")

    def test_it_is_the_document_the_repository_keeps(self):
        with open(os.path.join(SCHEMA, "openapi.json"), encoding="utf-8") as f:
            kept = json.load(f)
        self.assertEqual(self.resp.body, kept)

    def test_the_kinds_schemas_are_the_generated_ones(self):
        schemas = self.resp.body["components"]["schemas"]
        for kind in common.KINDS:
            with open(os.path.join(SCHEMA, "%s.schema.json" % kind), encoding="utf-8") as f:
                self.assertEqual(schemas["Envelope.%s" % kind], json.load(f), kind)
            served = req("GET", "/v1/schemas/%s" % kind)
            self.assertEqual(schemas["Envelope.%s" % kind], self.assertStatus(served, 200))

    def test_each_operation_says_who_may_call_it(self):
        doc = self.resp.body
        ops = [(path, m, op) for path, item in doc["paths"].items() for m, op in item.items()]
        self.assertEqual(len({op["operationId"] for _, _, op in ops}), len(ops))
        by_id = {op["operationId"]: (path, m, op) for path, m, op in ops}
        path, m, op = by_id["applications_create"]
        self.assertEqual((path, m), ("/v1/applications", "post"))
        self.assertEqual(op["x-roles"], ["applicant"])
        self.assertEqual(op["security"], [{"bearer": []}, {"session": [], "csrf": []}])
        self.assertIn({"$ref": "#/components/parameters/header.Idempotency-Key"},
                      op["parameters"])
        self.assertEqual(by_id["notices_list"][2]["security"], [])
        self.assertEqual(by_id["application_get"][2]["security"],
                         [{"bearer": []}, {"session": []}])
        idempotent = sorted(i for i, (_, _, o) in by_id.items()
                            if {"$ref": "#/components/parameters/header.Idempotency-Key"}
                            in o.get("parameters", []))
        self.assertEqual(idempotent, ["application_review", "application_submit",
                                      "application_withdraw", "applications_create",
                                      "objection_file"])

    def test_every_problem_type_is_listed(self):
        types = self.resp.body["components"]["schemas"]["ProblemType"]["oneOf"]
        listed = {t["const"] for t in types}
        for slug in ("invalid", "idempotency-key-reused", "idempotency-key-in-use",
                     "method-not-allowed", "stale-version"):
            self.assertIn("urn:shenbao:problem:" + slug, listed)
