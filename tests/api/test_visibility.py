"""Who sees and may change which application, table-driven over the roles.

Someone else's application is 404, never 403; a role that may not use an
endpoint at all gets 403.
"""

import common
from common import ApiTest, req, create, submit, withdraw, envelope

# The applications setUpClass makes: name -> (applicant, kind, review unit, what happens)
APPS = {
    "a_draft_108": ("applicant_a", "incubator", "110108", "draft"),
    "a_sub_108": ("applicant_a", "incubator", "110108", "submit"),
    "a_sub_wd_108": ("applicant_a", "incubator", "110108", "submit+withdraw"),
    "a_draft_wd_105": ("applicant_a", "incubator", "110105", "withdraw"),
    "a_fs_105": ("applicant_a", "first_store", "110105", "submit"),
    "a_fs_draft_105": ("applicant_a", "first_store", "110105", "draft"),
    "b_tour_105": ("applicant_b", "tourism_award", "110105", "submit"),
    "b_tour_draft_108": ("applicant_b", "tourism_award", "110108", "draft"),
    "b_inc_108": ("applicant_b", "incubator", "110108", "submit"),
}

ALL = set(APPS)
A = {n for n in APPS if APPS[n][0] == "applicant_a"}
B = ALL - A
SUBMITTED = {n for n in APPS if "submit" in APPS[n][3]}

# What each account may GET (200); everything else of APPS is 404 to it.
VISIBLE = {
    "applicant_a": A,
    "applicant_b": B,
    "district_110108": {n for n in SUBMITTED if APPS[n][2] == "110108"},
    "district_110105": {n for n in SUBMITTED if APPS[n][2] == "110105"},
    "municipal_science_tech": {n for n in SUBMITTED if APPS[n][1] == "incubator"},
    "municipal_commerce": {n for n in SUBMITTED if APPS[n][1] == "first_store"},
    "municipal_culture_tourism": {n for n in SUBMITTED if APPS[n][1] == "tourism_award"},
    "auditor": SUBMITTED,
}

STAFF = ("district_110108", "district_110105", "municipal_science_tech", "municipal_commerce",
         "municipal_culture_tourism", "auditor", "admin")


class Visibility(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.ids = {}
        for name, (who, kind, unit, plan) in APPS.items():
            app = create(who, kind, review_unit=unit)
            if "submit" in plan:
                submit(app["id"], who)
            if "withdraw" in plan:
                withdraw(app["id"], who)
            cls.ids[name] = app["id"]
        cls.name_of = {v: k for k, v in cls.ids.items()}

    def test_table_is_sensible(self):
        self.assertEqual(VISIBLE["auditor"], {"a_sub_108", "a_sub_wd_108", "a_fs_105",
                                              "b_tour_105", "b_inc_108"})
        self.assertEqual(VISIBLE["district_110108"], {"a_sub_108", "a_sub_wd_108", "b_inc_108"})

    def test_get_one(self):
        for who, visible in VISIBLE.items():
            for name in sorted(ALL):
                with self.subTest(who=who, app=name):
                    r = req("GET", "/v1/applications/%d" % self.ids[name], token=who)
                    if name in visible:
                        self.assertEqual(r[0], 200, r)
                        self.assertEqual(r[2]["id"], self.ids[name])
                    else:
                        self.assertProblem(r, 404)

    def test_list(self):
        for who, visible in VISIBLE.items():
            with self.subTest(who=who):
                items = common.list_all(who, "")
                ids = [a["id"] for a in items]
                self.assertEqual(len(ids), len(set(ids)))
                self.assertEqual(ids, sorted(ids, reverse=True))
                listed = {self.name_of[i] for i in ids if i in self.name_of}
                self.assertEqual(listed, visible)
                acct = common.ctx.accounts[who]
                for a in items:
                    if acct["role"] == "applicant":
                        self.assertEqual(a["applicant"]["uscc"], acct["uscc"])
                    else:
                        self.assertNotEqual(a["status"], "draft")
                        self.assertIsNotNone(a["submitted_at"])
                    if acct["role"] == "district_reviewer":
                        self.assertEqual(a["review_unit"], acct["unit"])
                    if acct["role"] == "municipal_reviewer":
                        self.assertEqual(common.AUTHORITY_OF_KIND[a["kind"]], acct["authority"])

    def test_list_with_filter_keeps_visibility(self):
        for who, visible in VISIBLE.items():
            for unit in ("110108", "110105"):
                with self.subTest(who=who, unit=unit):
                    ids = common.list_ids(who, "review_unit=" + unit)
                    listed = {self.name_of[i] for i in ids if i in self.name_of}
                    self.assertEqual(listed, {n for n in visible if APPS[n][2] == unit})

    def test_admin_cannot_read_applications(self):
        self.assertProblem(req("GET", "/v1/applications", token="admin"), 403)
        for name in ("a_draft_108", "a_sub_108"):
            with self.subTest(app=name):
                r = req("GET", "/v1/applications/%d" % self.ids[name], token="admin")
                self.assertProblem(r, 403)

    def test_other_organisation_cannot_change(self):
        # B acts on A's applications, A on B's: 404 for all, nothing changes.
        for who, name in (("applicant_b", "a_draft_108"), ("applicant_b", "a_sub_108"),
                          ("applicant_a", "b_tour_draft_108")):
            app_id = self.ids[name]
            kind = APPS[name][1]
            with self.subTest(who=who, app=name):
                body = envelope(kind, who)
                self.assertProblem(req("PUT", "/v1/applications/%d" % app_id, body,
                                       token=who), 404)
                self.assertProblem(req("POST", "/v1/applications/%d/submit" % app_id,
                                       token=who), 404)
                self.assertProblem(req("POST", "/v1/applications/%d/withdraw" % app_id,
                                       token=who), 404)
                owner = APPS[name][0]
                _, _, got = req("GET", "/v1/applications/%d" % app_id, token=owner)
                self.assertEqual(got["version"], 1 if APPS[name][3] == "draft" else 2)

    def test_staff_cannot_change(self):
        # Each staff account on an application it can see (admin: any): 403.
        for who in STAFF:
            names = sorted(VISIBLE.get(who, {"a_sub_108"}))
            name = names[0]
            app_id = self.ids[name]
            with self.subTest(who=who, app=name):
                body = envelope(APPS[name][1], APPS[name][0])
                self.assertProblem(req("PUT", "/v1/applications/%d" % app_id, body,
                                       token=who), 403)
                self.assertProblem(req("POST", "/v1/applications/%d/submit" % app_id,
                                       token=who), 403)
                self.assertProblem(req("POST", "/v1/applications/%d/withdraw" % app_id,
                                       token=who), 403)

    def test_staff_cannot_create(self):
        env = envelope("incubator", "applicant_a")
        for who in STAFF:
            with self.subTest(who=who):
                self.assertProblem(req("POST", "/v1/applications", env, token=who), 403)

    def test_same_organisation_shares(self):
        r = req("POST", "/v1/accounts",
                {"role": "applicant", "name": common.ctx.accounts["applicant_a"]["name"],
                 "uscc": common.USCC_A}, token="admin")
        self.assertEqual(r[0], 201, r)
        tok = r[2]["token"]
        for name in sorted(ALL):
            with self.subTest(app=name):
                r = req("GET", "/v1/applications/%d" % self.ids[name], token=tok)
                self.assertEqual(r[0], 200 if name in A else 404, r)
        ids = set(common.list_ids(tok, ""))
        self.assertEqual({self.name_of[i] for i in ids if i in self.name_of}, A)
        # and it may act on them
        r = req("POST", "/v1/applications/%d/withdraw" % self.ids["a_fs_draft_105"], token=tok)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "withdrawn")
