"""POST /v1/accounts: who may create which account, and what it returns."""

import common
from common import ApiTest, req

BINDINGS = ("uscc", "unit", "authority")


def new_bodies():
    return {
        "applicant": {"role": "applicant", "name": "北京账户测试科技有限公司",
                      "uscc": common.uscc_new("110105")},
        "district_reviewer": {"role": "district_reviewer", "name": "东城区初审员",
                              "unit": "110101"},
        "district_reviewer_etdz": {"role": "district_reviewer", "name": "经开区初审员",
                                   "unit": "etdz"},
        "municipal_reviewer": {"role": "municipal_reviewer", "name": "市商务局复审员二",
                               "authority": "commerce"},
        "auditor": {"role": "auditor", "name": "审计员二"},
        "admin": {"role": "admin", "name": "管理员二"},
    }


class Create(ApiTest):
    def test_each_role(self):
        tokens = set(common.ctx.tokens.values())
        for label, body in new_bodies().items():
            with self.subTest(account=label):
                st, h, out = r = req("POST", "/v1/accounts", body, token="admin")
                self.assertEqual(st, 201, r)
                self.assertEqual(set(out), {"account", "token"}, out)
                acct = out["account"]
                self.assertIn("id", acct)
                self.assertEqual(acct["role"], body["role"])
                self.assertEqual(acct["name"], body["name"])
                self.assertRegex(acct["created_at"], common.RFC3339_UTC)
                for b in BINDINGS:
                    if b in body:
                        self.assertEqual(acct.get(b), body[b])
                tok = out["token"]
                self.assertIsInstance(tok, str)
                self.assertTrue(tok.startswith("sb_"), tok)
                self.assertNotIn(tok, tokens, "token repeats")
                tokens.add(tok)
                # The token works at once.
                r = req("GET", "/v1/review-units", token=tok)
                self.assertEqual(r[0], 200, r)
                if body["role"] != "admin":
                    r = req("GET", "/v1/applications", token=tok)
                    self.assertEqual(r[0], 200, r)
                else:
                    r = req("POST", "/v1/accounts",
                            {"role": "auditor", "name": "由新管理员创建"}, token=tok)
                    self.assertEqual(r[0], 201, r)

    def test_new_applicant_can_apply(self):
        uscc = common.uscc_new("110108")
        name = "北京新申请人科技有限公司"
        r = req("POST", "/v1/accounts", {"role": "applicant", "name": name, "uscc": uscc},
                token="admin")
        self.assertEqual(r[0], 201, r)
        tok = r[2]["token"]
        env = common.envelope("incubator", "applicant_a", review_unit="110108")
        env["applicant"] = {"name": name, "uscc": uscc}
        r = req("POST", "/v1/applications", env, token=tok)
        self.assertEqual(r[0], 201, r)
        app_id = r[2]["id"]
        self.assertEqual(r[2]["applicant"]["uscc"], uscc)
        self.assertProblem(req("GET", "/v1/applications/%d" % app_id, token="applicant_a"),
                           404)
        env["applicant"] = {"name": name, "uscc": common.USCC_A}
        self.assertProblem(req("POST", "/v1/applications", env, token=tok), 422,
                           ["/applicant/uscc"])

    def test_new_reviewer_scope(self):
        r = req("POST", "/v1/accounts",
                {"role": "district_reviewer", "name": "海淀区初审员二", "unit": "110108"},
                token="admin")
        self.assertEqual(r[0], 201, r)
        tok = r[2]["token"]
        app = common.create("applicant_a", "incubator", review_unit="110108")
        self.assertProblem(req("GET", "/v1/applications/%d" % app["id"], token=tok), 404)
        common.submit(app["id"])
        r = req("GET", "/v1/applications/%d" % app["id"], token=tok)
        self.assertEqual(r[0], 200, r)
        self.assertProblem(req("POST", "/v1/applications", common.envelope("incubator"),
                               token=tok), 403)


class Invalid(ApiTest):
    def test_bad_bodies(self):
        bad_uscc = common.uscc_flip_check(common.uscc_new("110105"))
        cases = [
            ({"role": "wizard", "name": "x"}, ["/role"]),
            ({"name": "没有角色"}, ["/role"]),
            ({"role": "applicant", "name": "缺少信用代码"}, ["/uscc"]),
            ({"role": "applicant", "name": "错误信用代码", "uscc": bad_uscc}, ["/uscc"]),
            ({"role": "applicant", "name": "错误信用代码", "uscc": "not-a-code"}, ["/uscc"]),
            ({"role": "district_reviewer", "name": "缺少单位"}, ["/unit"]),
            ({"role": "district_reviewer", "name": "未知单位", "unit": "110199"}, ["/unit"]),
            ({"role": "municipal_reviewer", "name": "缺少主管部门"}, ["/authority"]),
            ({"role": "municipal_reviewer", "name": "未知主管部门", "authority": "police"},
             ["/authority"]),
            ({"role": 7, "name": "x"}, ["/role"]),
            ({"role": "auditor", "name": "未知字段", "favourite_colour": "red"},
             ["/favourite_colour"]),
        ]
        for body, pointers in cases:
            with self.subTest(body=body):
                r = req("POST", "/v1/accounts", body, token="admin")
                self.assertProblem(r, 422, pointers)

    def test_non_admin_forbidden(self):
        body = {"role": "auditor", "name": "不该创建"}
        for who in common.ACCOUNTS:
            if who == "admin":
                continue
            with self.subTest(who=who):
                self.assertProblem(req("POST", "/v1/accounts", body, token=who), 403)

    def test_needs_token(self):
        r = req("POST", "/v1/accounts", {"role": "auditor", "name": "x"})
        self.assertProblem(r, 401)

    def test_syntax(self):
        r = req("POST", "/v1/accounts", token="admin", raw=b'{"role": ',
                headers={"Content-Type": "application/json"})
        self.assertProblem(r, 400)
        r = req("POST", "/v1/accounts", token="admin", raw=b'["auditor"]',
                headers={"Content-Type": "application/json"})
        self.assertProblem(r, 400)
        r = req("POST", "/v1/accounts", token="admin", raw=b'{"role":"auditor","name":"x"}',
                headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415)
