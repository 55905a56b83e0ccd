"""Problems in the language asked for (CONTRACT.md "Languages"):
Accept-Language zh (any zh-…) gets Chinese titles and details; anything
else gets English.  Every problem type a client can cause, in both
languages; a sample of 422 details; rows numbered from 1 in text while the
pointers stay 0-based."""

import re

import common

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
HAN = re.compile(r"[\u4e00-\u9fff]")
# Latin words a Chinese detail may hold: codes, standards, header names.
LATIN_OK = {"HTTP", "JSON", "UTF", "Content", "Length", "Transfer", "Encoding", "Type",
            "application", "json", "If", "Match", "ETag", "Host", "GB", "Authorization",
            "Bearer", "errors", "chunked", "CSRF", "X", "Token", "JWS", "EdDSA"}


def latin_words(text):
    """English words left in a Chinese text: not counting what it quotes
    (“…”: a path, a parameter as sent), paths, and codes in capitals (a
    method, a header's initials)."""
    text = re.sub(r"“[^”]*”|/\S*", "", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text)
            if w not in LATIN_OK and not w.isupper()]


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


class EveryProblemType(common.ApiTest):
    """Each problem type a request can cause, asked for in Chinese and in
    English: the Chinese title and a Chinese detail with no English words
    beyond codes; the English title and an English detail.  (500 and 503
    come from the server's own failures, which no request can cause; their
    titles are in the same table, PROBLEMS in http.h.)"""

    def both(self, status, slug, title_zh, title_en, send, detail_zh=None, detail_en=None):
        zh = send(ZH)
        body = self.assertProblem(zh, status)
        self.assertEqual(body["type"], "urn:shenbao:problem:" + slug, zh)
        self.assertEqual(body["title"], title_zh, zh)
        self.assertTrue(HAN.search(body["detail"]), zh)
        self.assertEqual(latin_words(body["detail"]), [], body["detail"])
        if detail_zh:
            self.assertIn(detail_zh, body["detail"])
        en = send(EN)
        body = self.assertProblem(en, status)
        self.assertEqual(body["type"], "urn:shenbao:problem:" + slug, en)
        self.assertEqual(body["title"], title_en, en)
        self.assertFalse(HAN.search(body["detail"]), en)
        if detail_en:
            self.assertIn(detail_en, body["detail"])
        return zh, en

    def test_malformed_json(self):
        self.both(400, "malformed-json", "JSON 格式有误", "Malformed JSON",
                  lambda h: common.req("POST", "/v1/applications", token="applicant_a",
                                       headers=dict(h, **{"Content-Type": "application/json"}),
                                       raw=b'{"kind": '),
                  "第 1 行", "line 1")

    def test_bad_request(self):
        self.both(400, "bad-request", "请求有误", "Bad request",
                  lambda h: common.req("GET", "/v1/applications/%zz", token="applicant_a",
                                       headers=h),
                  "后应为两位十六进制数字", "must begin an escape")

    def test_invalid_query(self):
        zh, _ = self.both(400, "invalid-query", "查询参数有误", "Invalid query parameter",
                          lambda h: common.req("GET", "/v1/applications?colour=red",
                                               token="applicant_a", headers=h),
                          "1 个查询参数有误", "1 query parameter is invalid")
        self.assertEqual(zh[2]["errors"][0]["parameter"], "colour")

    def test_unauthorized(self):
        self.both(401, "unauthorized", "未登录或令牌无效", "Missing or invalid token",
                  lambda h: common.req("GET", "/v1/applications", headers=h), "请先登录")

    def test_forbidden(self):
        self.both(403, "forbidden", "当前角色无此权限", "Not allowed for this role",
                  lambda h: common.req("POST", "/v1/applications", common.envelope(),
                                       token="auditor", headers=h),
                  "审计无权", "a auditor may not POST")

    def test_csrf_is_a_problem_of_its_own(self):
        # a browser session (sign-up) changing something without the
        # session's CSRF token
        import json as _json
        body = {"name": "北京语言测试有限公司", "uscc": common.uscc_new("110108"),
                "email": "lang-%s@example.cn" % common.uscc_new()[-6:].lower(),
                "password": "a long enough password"}
        r = common.req("POST", "/v1/signup", body)
        self.assertEqual(r[0], 201, r)
        cookies = [c.split(";")[0] for c in r[1]["set-cookie"].split(", ")
                   if c.startswith("sb_")]
        cookie = "; ".join(cookies)

        def send(h):
            return common.req("POST", "/v1/tokens", {"name": "脚本"},
                              headers=dict(h, Cookie=cookie))
        zh, en = self.both(403, "csrf-token", "缺少或错误的跨站请求校验码",
                           "Missing or wrong CSRF token", send, "跨站请求校验码", "X-CSRF-Token")
        self.assertNotEqual(zh[2]["title"], "当前角色无此权限")
        self.assertNotIn("role", en[2]["title"])
        _json.dumps(en[2])

    def test_not_found(self):
        self.both(404, "not-found", "未找到", "Not found",
                  lambda h: common.req("GET", "/v1/nothing-here", token="applicant_a", headers=h),
                  "没有这个资源", "no such resource")

    def test_method_not_allowed(self):
        self.both(405, "method-not-allowed", "不支持该请求方法", "Method not allowed",
                  lambda h: common.req("DELETE", "/v1/notices", headers=h),
                  "不支持 DELETE 请求", "DELETE is not allowed")

    def test_conflict_names_status_and_action_in_chinese(self):
        app = common.create()
        common.submit(app["id"])
        zh, _ = self.both(409, "conflict", "当前状态下不能办理", "Not allowed in the current state",
                          lambda h: common.req("POST", "/v1/applications/%d/submit" % app["id"],
                                               token="applicant_a", headers=h),
                          "处于“区级初审中”状态的申报不能办理“提交申报”",
                          "cannot submit an application that is district_review")
        # the machine-readable members stay as they are
        self.assertEqual(zh[2]["current_status"], "district_review")

    def test_already_exists(self):
        unit = {"id": "hq:语言测试集团", "name_zh": "语言测试集团", "name_en": "Language test group"}
        r = common.req("POST", "/v1/review-units", unit, token="admin")
        self.assertIn(r[0], (201, 409), r)
        self.both(409, "already-exists", "已存在", "Already exists",
                  lambda h: common.req("POST", "/v1/review-units", unit, token="admin",
                                       headers=h),
                  "已有这个编号的初审单位", "a review unit with this id exists")

    def test_stale_version(self):
        app = common.create()
        self.both(412, "stale-version", "内容已被修改，请刷新后重试", "The resource has changed",
                  lambda h: common.req("PUT", "/v1/applications/%d" % app["id"],
                                       common.envelope(), token="applicant_a",
                                       headers=dict(h, **{"If-Match": '"99"'})),
                  "现为第 1 版，不是第 99 版", "at version 1, not 99")

    def test_body_too_large(self):
        big = b'{"x": "' + b"a" * (common.ctx.body_limit + 10) + b'"}'
        self.both(413, "body-too-large", "请求内容过大", "Request body too large",
                  lambda h: common.req("POST", "/v1/applications", token="applicant_a",
                                       headers=dict(h, **{"Content-Type": "application/json"}),
                                       raw=big),
                  "最多 %d 字节" % common.ctx.body_limit)

    def test_unsupported_media_type(self):
        self.both(415, "unsupported-media-type", "请求内容类型不受支持",
                  "Request body must be JSON",
                  lambda h: common.req("POST", "/v1/applications", token="applicant_a",
                                       headers=dict(h, **{"Content-Type": "text/plain"}),
                                       raw=b"{}"),
                  "请求内容须为 JSON")

    def test_invalid(self):
        env = common.envelope()
        env["round"] = 1999
        self.both(422, "invalid", "填写内容有误", "Invalid fields",
                  lambda h: common.req("POST", "/v1/applications", env, token="applicant_a",
                                       headers=h),
                  "1 项填写有误", "1 field is invalid")

    def test_too_many_requests(self):
        # a server of its own: its sign-in limit per address is spent here
        srv = common.start_server()
        try:
            seen = None
            for _ in range(40):
                r = srv.req("POST", "/v1/session", {"token": "no-such-token"}, headers=ZH)
                if r[0] == 429:
                    seen = r
                    break
                self.assertEqual(r[0], 401, r)
            self.assertIsNotNone(seen, "no 429 after 40 sign-ins")
            body = self.assertProblem(seen, 429)
            self.assertEqual(body["title"], "请求过于频繁")
            self.assertRegex(body["detail"], r"^同一地址登录尝试过于频繁，请 \d+ 秒后再试$")
            r = srv.req("POST", "/v1/session", {"token": "no-such-token"}, headers=EN)
            body = self.assertProblem(r, 429)
            self.assertEqual(body["title"], "Too many requests")
            self.assertRegex(body["detail"], r"^too many sign-in attempts from this address; "
                                             r"try again in \d+ s$")
        finally:
            srv.stop()


class Details(common.ApiTest):
    """A sample of 422 details in both languages, and rows in text counted
    from 1 (the pointers stay 0-based, RFC 6901)."""

    def post(self, env, lang):
        r = common.req("POST", "/v1/applications", env, token="applicant_a",
                       headers={"Accept-Language": lang})
        body = self.assertProblem(r, 422)
        return {e["pointer"]: e["detail"] for e in body["errors"]}

    def test_sample(self):
        env = common.envelope("incubator")
        d = env["data"]
        d["mentor_sessions"] = 1.5
        d["good_credit"] = "yes"
        d["services"] = ["astrology"]
        d["registered_on"] = "2019-02-30"
        d["total_revenue_fen"] = -1
        del d["team_description"]
        d["colour"] = "red"
        env["applicant"]["uscc"] = common.uscc_flip_check(common.USCC_A)
        zh, en = self.post(env, "zh-CN"), self.post(env, "en")
        self.assertEqual(set(zh), set(en))
        expect = {
            "/data/mentor_sessions": ("应为整数，不带小数点或指数",
                                      "must be a whole number, written without a decimal point"),
            "/data/good_credit": ("请选择是或否", "must be true or false"),
            "/data/services/0": ("应为以下之一：platform, supply_chain",
                                 "must be one of: platform, supply_chain"),
            "/data/registered_on": ("不是有效的日期", "is not a real calendar date"),
            "/data/total_revenue_fen": ("金额不能小于 0 分",
                                        "must be an integer number of fen (1 yuan = 100 fen), "
                                        "at least 0"),
            "/data/team_description": ("必填", "is required"),
            "/data/colour": ("不是可填写的项目", "is an unknown field"),
            "/applicant/uscc": ("校验码不符：按前 17 位，第 18 位应为 Q",
                                "has a wrong check character"),
        }
        for ptr, (z, e) in expect.items():
            self.assertIn(ptr, zh)
            self.assertTrue(zh[ptr].startswith(z), (ptr, zh[ptr]))
            self.assertTrue(en[ptr].startswith(e), (ptr, en[ptr]))
            self.assertFalse(HAN.search(en[ptr]), en[ptr])

    def test_a_variant_named_in_chinese(self):
        env = common.envelope("first_store")
        del env["data"]["brand"]
        zh, en = self.post(env, "zh-CN"), self.post(env, "en")
        self.assertEqual(zh["/data/brand"], "项目类型为“开设示范首店、旗舰店”时必填")
        self.assertEqual(en["/data/brand"], "is required when project is store_opening")
        env = common.envelope("first_store")
        env["data"]["event"] = {"name": "发布会", "held_on": "2020-05-01", "venue_rent_fen": 1,
                                "setup_fen": 1}
        zh = self.post(env, "zh")
        self.assertEqual(zh["/data/event"], "项目类型为“开设示范首店、旗舰店”时不填此项")

    def test_rows_counted_from_one_in_text(self):
        env = common.envelope("incubator")
        rows = env["data"]["incubatees"]
        self.assertGreater(len(rows), 21)
        rows[21]["uscc"] = rows[20]["uscc"]
        zh, en = self.post(env, "zh-CN"), self.post(env, "en")
        # the pointer is the 22nd row (index 21); the text names the 21st
        self.assertEqual(zh["/data/incubatees/21/uscc"],
                         "与第 21 家在孵企业是同一家企业；每家在孵企业只列一次")
        self.assertEqual(en["/data/incubatees/21/uscc"],
                         "is the same organisation as incubatee 21 (counted from 1); list each "
                         "incubatee once")
        env = common.envelope("incubator")
        env["data"]["services"] = ["platform", "supply_chain", "platform"]
        zh = self.post(env, "zh-CN")
        self.assertEqual(zh["/data/services/2"], "与第 1 项重复；每项只能列出一次")

    def test_guards_in_chinese(self):
        app = common.create()
        common.submit(app["id"])
        r = common.req("POST", "/v1/applications/%d/reviews" % app["id"],
                       {"stage": "district", "decision": "return"}, token="district_110108",
                       headers=ZH)
        body = self.assertProblem(r, 422, ["/opinion"])
        self.assertEqual(body["errors"][0]["detail"],
                         "必填：请写明存在的问题或缺少的材料，供申报单位补正并存档")

    def test_a_role_named_in_chinese(self):
        app = common.create()
        common.submit(app["id"])
        r = common.req("POST", "/v1/applications/%d/reviews" % app["id"],
                       {"stage": "municipal", "decision": "approve"}, token="district_110108",
                       headers=ZH)
        body = self.assertProblem(r, 403)
        self.assertEqual(body["detail"], "“市级复审”由市级复审人员办理")

    def test_certificate_check_in_chinese(self):
        r = common.req("POST", "/v1/certificates/verify", {"jws": "not.a.jws"}, headers=ZH)
        self.assertEqual(r[0], 200, r)
        self.assertFalse(r[2]["valid"])
        self.assertTrue(r[2]["detail"].startswith("不是有效的签名"), r)
        r = common.req("POST", "/v1/certificates/verify", {"jws": "not.a.jws"}, headers=EN)
        self.assertTrue(r[2]["detail"].startswith("not a compact JWS"), r)
