"""Who may do what, in which status: roles x actions x statuses, table-driven.

The expected status of every cell follows from CONTRACT.md (HTTP: who may
call what; 404 for what the caller may not see, never 403 for someone
else's application) and RULES.md §1 (what each status allows), as the
server implements them in its route table (server/http/routes.c), its
visibility rule (app_visible, server/api/applications.c) and its transition
table (server/domain/workflow.c):

  401  no token, on anything but the public endpoints;
  403  a role that may never do it (the route's roles; a review of the other
       stage; ranking by another authority);
  404  an application the caller may not see: another organisation's, one
       of another review unit or another authority's kind, or a draft
       (reviewers and auditors see only what was submitted);
  409  the caller may act on it, but not in this status;
  200  otherwise.

Every kind runs the whole table, on a server of its own with a pinned
clock.  A cell expected to change the application gets a fresh one; the
others share one application per status, which must be unchanged at the end
(a refused request changes nothing).
"""

import common
from common import ApiTest, Flow

CLOCK = "2020-11-02T10:00:00+08:00"


def review_body(*args, **kw):
    """common.review_body() with its records dated on the server's day."""
    return common.review_body(*args, day=common.beijing_day(CLOCK), **kw)

ROLES = ("owner", "other_applicant", "district", "other_district", "municipal",
         "other_municipal", "auditor", "admin", "anonymous")

OWNER = {"incubator": "applicant_a", "first_store": "applicant_a",
         "tourism_award": "applicant_b"}
OTHER_APPLICANT = {"applicant_a": "applicant_b", "applicant_b": "applicant_a"}
OTHER_AUTHORITY = {"incubator": "municipal_commerce", "first_store": "municipal_culture_tourism",
                   "tourism_award": "municipal_science_tech"}


def accounts_of(kind):
    """Role column -> account key (None: no token) for an application of
    `kind` made from the example (review unit 110108)."""
    owner = OWNER[kind]
    return {"owner": owner, "other_applicant": OTHER_APPLICANT[owner],
            "district": "district_110108", "other_district": "district_110105",
            "municipal": "municipal_" + common.AUTHORITY_OF_KIND[kind],
            "other_municipal": OTHER_AUTHORITY[kind], "auditor": "auditor", "admin": "admin",
            "anonymous": None}


# (action, status of the application): expected status, in ROLES order:
#  owner, other applicant, district of the unit, other district, municipal of
#  the kind's authority, other authority, auditor, admin, no token
TABLE = [
    # reading
    ("get", "draft",                 (200, 404, 404, 404, 404, 404, 404, 403, 401)),
    ("get", "district_review",       (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("get", "returned",              (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("get", "public_notice",         (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("get", "approved",              (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("get", "withdrawn",             (200, 404, 404, 404, 404, 404, 404, 403, 401)),
    ("events", "draft",              (200, 404, 404, 404, 404, 404, 404, 403, 401)),
    ("events", "municipal_review",   (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("events", "rejected",           (200, 404, 200, 404, 200, 404, 200, 403, 401)),
    ("objections", "draft",          (403, 403, 404, 404, 404, 404, 404, 403, 401)),
    ("objections", "district_review", (403, 403, 200, 404, 200, 404, 200, 403, 401)),
    ("objections", "public_notice",  (403, 403, 200, 404, 200, 404, 200, 403, 401)),
    # the applicant's own actions
    ("put", "draft",                 (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("put", "returned",              (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("put", "district_review",       (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("put", "public_notice",         (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("put", "approved",              (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("put", "withdrawn",             (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "draft",              (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "returned",           (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "district_review",    (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "municipal_review",   (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "approved",           (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "rejected",           (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("submit", "withdrawn",          (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "draft",            (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "returned",         (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "district_review",  (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "municipal_review", (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "public_notice",    (200, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "approved",         (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "rejected",         (409, 404, 403, 403, 403, 403, 403, 403, 401)),
    ("withdraw", "withdrawn",        (409, 404, 403, 403, 403, 403, 403, 403, 401)),
]

# The reviews: the same for each decision of a stage.
for _decision in ("approve", "reject", "return"):
    _d, _m = "district_" + _decision, "municipal_" + _decision
    TABLE += [
        (_d, "draft",            (403, 403, 404, 404, 403, 403, 403, 403, 401)),
        (_d, "district_review",  (403, 403, 200, 404, 403, 403, 403, 403, 401)),
        (_d, "returned",         (403, 403, 409, 404, 403, 403, 403, 403, 401)),
        (_d, "municipal_review", (403, 403, 409, 404, 403, 403, 403, 403, 401)),
        (_d, "approved",         (403, 403, 409, 404, 403, 403, 403, 403, 401)),
        (_m, "draft",            (403, 403, 403, 403, 404, 404, 403, 403, 401)),
        (_m, "district_review",  (403, 403, 403, 403, 409, 404, 403, 403, 401)),
        (_m, "municipal_review", (403, 403, 403, 403, 200, 404, 403, 403, 401)),
        (_m, "public_notice",    (403, 403, 403, 403, 409, 404, 403, 403, 401)),
        (_m, "rejected",         (403, 403, 403, 403, 409, 404, 403, 403, 401)),
    ]

TABLE += [
    # resolving an objection (the application's open one, or, outside the
    # notice, any id: the status is checked first)
    ("resolve", "public_notice",     (403, 403, 403, 403, 200, 404, 403, 403, 401)),
    ("resolve", "municipal_review",  (403, 403, 403, 403, 409, 404, 403, 403, 401)),
    ("resolve", "approved",          (403, 403, 403, 403, 409, 404, 403, 403, 401)),
]

# The year's tourism_award ranking, from the view of a tourism_award
# application (its authority is culture_tourism, the other science_tech).
# 2031 is computed before the table runs, 2032 never.
RANKING_TABLE = [
    ("ranking_post", 2031,           (403, 403, 403, 403, 200, 403, 403, 403, 401)),
    ("ranking_get", 2031,            (403, 403, 403, 403, 200, 403, 200, 403, 401)),
    ("ranking_get", 2032,            (403, 403, 403, 403, 404, 403, 404, 403, 401)),
]

# What a successful change leaves.
AFTER = {"submit": "district_review", "withdraw": "withdrawn", "resolve": "public_notice",
         "district_approve": "municipal_review", "district_reject": "rejected",
         "district_return": "returned", "municipal_approve": "public_notice",
         "municipal_reject": "rejected", "municipal_return": "returned"}
READS = ("get", "events", "objections")
STATUSES = sorted({status for _, status, _ in TABLE})


class Matrix(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)
        try:
            cls.shared = {}
            # approved first: the tick approves whatever has ended its notice
            for kind in common.KINDS:
                cls.shared[kind] = {"approved": cls.flow.to(cls.flow.create(kind), "approved")}
            for kind in common.KINDS:
                for status in STATUSES:
                    if status != "approved":
                        cls.shared[kind][status] = cls.make(kind, status)
            cls.before = {kind: {status: cls.snapshot(app)
                                 for status, app in apps.items()}
                          for kind, apps in cls.shared.items()}
        except BaseException:
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    @classmethod
    def make(cls, kind, status):
        app = cls.flow.to(cls.flow.create(kind), status)
        app["objection"] = None
        if status == "public_notice":
            r = common.file_objection(cls.srv.port, app["id"])
            if r[0] != 201:
                raise AssertionError("objection: %r" % (r,))
            app["objection"] = r[2]["id"]
        return app

    @classmethod
    def snapshot(cls, app):
        owner = cls.flow.owner(app)
        now = cls.flow.get(app["id"], owner)
        r = cls.srv.req("GET", "/v1/applications/%d/objections" % app["id"], token="auditor")
        objections = ([(o["id"], o["status"]) for o in r[2]["items"]] if r[0] == 200 else None)
        return (now["status"], now["version"], len(cls.flow.events(app["id"], owner)),
                objections)

    # -- one cell -----------------------------------------------------------

    def perform(self, action, app, who, kind):
        path = "/v1/applications/%d" % app["id"]
        owner = OWNER[kind]
        if action == "get":
            return self.srv.req("GET", path, token=who)
        if action in ("events", "objections"):
            return self.srv.req("GET", path + "/" + action, token=who)
        if action == "put":
            applicant = who if who in OTHER_APPLICANT else owner
            env = self.srv.envelope(kind, applicant)
            if kind == "tourism_award":
                env = common.tourism_in_year(env, app["round"])
            return self.srv.req("PUT", path, env, token=who)
        if action in ("submit", "withdraw"):
            return self.srv.req("POST", path + "/" + action, token=who)
        if action == "resolve":
            oid = app.get("objection") or 1
            return self.srv.req("POST", path + "/objections/%d/resolution" % oid,
                                {"outcome": "dismissed", "opinion": "经核查，异议不成立。"},
                                token=who)
        stage, decision = action.split("_")
        return self.srv.req("POST", path + "/reviews",
                            review_body(stage, decision, kind), token=who)

    def check_cell(self, resp, expected, after=None):
        if expected == 200:
            body = self.assertStatus(resp, 200)
            if after is not None:
                self.assertEqual(body["status"], after, resp)
            return
        self.assertProblem(resp, expected)
        if expected == 401:
            self.assertIn("www-authenticate", resp.headers, resp)

    def run_table(self, kind):
        accounts = accounts_of(kind)
        for action, status, expected in TABLE:
            for role, want in zip(ROLES, expected):
                with self.subTest(kind=kind, action=action, status=status, role=role):
                    mutating = action not in READS
                    if want == 200 and mutating:
                        app = self.make(kind, status)
                        if action == "municipal_approve" and kind == "tourism_award":
                            self.flow.ensure_ranking(app["round"])
                    else:
                        app = self.shared[kind][status]
                    resp = self.perform(action, app, accounts[role], kind)
                    after = (status if action == "put" else AFTER.get(action))
                    self.check_cell(resp, want, after if mutating else None)
                    if want == 200 and not mutating:
                        self.assertEqual(resp[2].get("id", app["id"]), app["id"])
        # nothing refused changed anything
        for status, app in self.shared[kind].items():
            with self.subTest(kind=kind, unchanged=status):
                self.assertEqual(self.snapshot(app), self.before[kind][status])

    def test_incubator(self):
        self.run_table("incubator")

    def test_first_store(self):
        self.run_table("first_store")

    def test_tourism_award(self):
        self.run_table("tourism_award")

    def test_ranking(self):
        accounts = accounts_of("tourism_award")
        r = self.srv.req("POST", "/v1/rounds/tourism_award/2031/ranking",
                         token="municipal_culture_tourism")
        self.assertStatus(r, 200)
        for action, year, expected in RANKING_TABLE:
            for role, want in zip(ROLES, expected):
                with self.subTest(action=action, year=year, role=role):
                    method = "POST" if action == "ranking_post" else "GET"
                    resp = self.srv.req(method, "/v1/rounds/tourism_award/%d/ranking" % year,
                                        token=accounts[role])
                    self.check_cell(resp, want)
                    if want == 200:
                        self.assertEqual((resp[2]["kind"], resp[2]["year"]),
                                         ("tourism_award", year))
        r = self.srv.req("GET", "/v1/rounds/tourism_award/2031/ranking", token="auditor")
        self.assertEqual(self.assertStatus(r, 200)["entries"], [])

    def test_table_is_complete(self):
        actions = {a for a, _, _ in TABLE}
        self.assertEqual(actions, {"get", "events", "objections", "put", "submit", "withdraw",
                                   "resolve"} | {"%s_%s" % (s, d)
                                                 for s in ("district", "municipal")
                                                 for d in ("approve", "reject", "return")})
        for row in TABLE + RANKING_TABLE:
            self.assertEqual(len(row[2]), len(ROLES), row)
        self.assertEqual(len({(a, s) for a, s, _ in TABLE}), len(TABLE))
        # no token is 401 everywhere in the table: none of it is public
        self.assertEqual({row[2][-1] for row in TABLE + RANKING_TABLE}, {401})
