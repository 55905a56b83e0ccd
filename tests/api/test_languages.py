"""Problems in the language asked for (CONTRACT.md "Languages"):
Accept-Language zh (any zh-…) gets Chinese titles and details where the
message catalog has them; anything else gets English."""

import common


class Languages(common.ApiTest):
    def test_not_found(self):
        for lang, title in (("zh-CN", "未找到"), ("zh", "未找到"),
                            ("zh-Hans;q=0.9, en;q=0.8", "未找到"),
                            ("en-US, zh;q=0.5", "Not found"), ("fr", "Not found"), (None, "Not found")):
            headers = {"Accept-Language": lang} if lang else {}
            r = common.req("GET", "/v1/applications/999999", token="applicant_a", headers=headers)
            body = self.assertProblem(r, 404)
            self.assertEqual(body["title"], title, lang)
            if title == "未找到":
                self.assertIn("999999", body["detail"])
                self.assertIn("没有编号为", body["detail"])
            else:
                self.assertIn("no application", body["detail"])

    def test_invalid_fields(self):
        env = common.envelope("incubator")
        env["applicant"]["name"] = ""
        r = common.req("POST", "/v1/applications", env, token="applicant_a",
                       headers={"Accept-Language": "zh-CN"})
        body = self.assertProblem(r, 422, ["/applicant/name"])
        self.assertEqual(body["title"], "填写内容有误")
        self.assertEqual(body["detail"], "1 项填写有误，详见 errors")
        name = [e for e in body["errors"] if e["pointer"] == "/applicant/name"][0]
        self.assertEqual(name["detail"], "不能为空")
        # the pointer stays as it is (RFC 6901): only the words change
        r = common.req("POST", "/v1/applications", env, token="applicant_a")
        body = self.assertProblem(r, 422, ["/applicant/name"])
        self.assertEqual(body["detail"], "1 field is invalid; see errors")
