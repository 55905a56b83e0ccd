"""A reviewer's own things at the desk: opinion templates kept per account,
and the stage records of one's last approval to start the next form from
(CONTRACT.md "Opinion templates and the last decision")."""

import common
from common import ApiTest, Flow

CLOCK = "2020-09-29T10:00:00+08:00"


class Templates(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_each_account_its_own(self):
        s = self.srv
        body = {"title": "材料不全", "text": "请补充近两年专项审计报告后重新提交。"}
        r = s.req("POST", "/v1/opinion-templates", body, token="district_110108")
        made = self.assertStatus(r, 201)
        self.assertEqual((made["title"], made["text"]), (body["title"], body["text"]))
        self.assertEqual(r.headers["location"], "/v1/opinion-templates/%d" % made["id"])
        mine = self.assertStatus(s.req("GET", "/v1/opinion-templates", token="district_110108"),
                                 200)["items"]
        self.assertEqual([t["id"] for t in mine], [made["id"]])
        # another reviewer neither sees nor deletes it
        other = self.assertStatus(s.req("GET", "/v1/opinion-templates",
                                        token="district_110105"), 200)["items"]
        self.assertEqual(other, [])
        self.assertProblem(s.req("DELETE", "/v1/opinion-templates/%d" % made["id"],
                                 token="district_110105"), 404)
        self.assertProblem(s.req("DELETE", "/v1/opinion-templates/0",
                                 token="district_110108"), 404)
        # reviewers only
        for who, status in (("applicant_a", 403), ("auditor", 403), ("admin", 403),
                            (None, 401)):
            with self.subTest(who=who):
                self.assertProblem(s.req("GET", "/v1/opinion-templates", token=who), status)
        for bad, pointers in (({"title": "", "text": "x"}, ["/title"]),
                              ({"title": "x"}, ["/text"]),
                              ({"title": "x", "text": "y" * 4001}, ["/text"]),
                              ({"title": "x", "text": "y", "z": 1}, ["/z"])):
            with self.subTest(body=bad):
                self.assertProblem(s.req("POST", "/v1/opinion-templates", bad,
                                         token="district_110108"), 422, pointers)
        r = s.req("DELETE", "/v1/opinion-templates/%d" % made["id"], token="district_110108")
        self.assertEqual(r[0], 204, r)
        self.assertEqual(self.assertStatus(s.req("GET", "/v1/opinion-templates",
                                                 token="district_110108"), 200)["items"], [])

    def test_at_most_a_hundred(self):
        s = self.srv
        for i in range(100):
            self.assertStatus(s.req("POST", "/v1/opinion-templates",
                                    {"title": "第%d条" % i, "text": "意见"},
                                    token="municipal_commerce"), 201)
        r = s.req("POST", "/v1/opinion-templates", {"title": "多一条", "text": "意见"},
                  token="municipal_commerce")
        self.assertProblem(r, 409)
        items = self.assertStatus(s.req("GET", "/v1/opinion-templates",
                                        token="municipal_commerce"), 200)["items"]
        self.assertEqual(len(items), 100)

    def test_last_review_records(self):
        s = self.srv
        flow = Flow(s)
        path = "/v1/account/last-review?kind=incubator"
        none = {"application_id": None, "at": None, "stage": None, "records": {}}
        self.assertEqual(self.assertStatus(s.req("GET", path, token="municipal_science_tech"), 200),
                         none)
        first = flow.to(flow.create("incubator"), "public_notice")
        second = flow.to(flow.create("incubator"), "municipal_review")
        got = self.assertStatus(s.req("GET", path, token="municipal_science_tech"), 200)
        self.assertEqual((got["application_id"], got["stage"]), (first["id"], "municipal"))
        self.assertEqual(set(got["records"]), {"expert_review", "site_inspection"})
        self.assertEqual(got["records"]["expert_review"]["date"], "2020-09-29")
        # the district's last approval has no records (only its opinion)
        got = self.assertStatus(s.req("GET", path, token="district_110108"), 200)
        self.assertEqual((got["application_id"], got["stage"], got["records"]),
                         (second["id"], "district", {}))
        # another reviewer's approvals are not its own
        self.assertEqual(self.assertStatus(s.req("GET", path, token="district_110105"), 200),
                         none)
        for query, status in (("", 400), ("?kind=lottery", 400), ("?kind=incubator&x=1", 400)):
            with self.subTest(query=query):
                self.assertProblem(s.req("GET", "/v1/account/last-review" + query,
                                         token="district_110108"), status)
        self.assertProblem(s.req("GET", path, token="auditor"), 403)
