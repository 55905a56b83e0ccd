"""If-Match on every change to an application (CONTRACT.md: 412 stale
`If-Match`), tried as a client that sends anything but the ETag would.

The ETag of an application is its version as a strong entity-tag, "7".  The
contract pinned here (RFC 9110 §13.1.1 and §8.8.3.2):

- no If-Match: no precondition;
- `*`: the application exists, which it does (else 404): the change goes
  through;
- exactly the current ETag: the change goes through;
- anything else is 412 and changes nothing: an older or newer version, "0"
  and negative numbers (no version has them), a version with leading zeros
  (entity-tags compare character by character, so "03" is not "3"), an
  unquoted number, a weak tag (W/"3": If-Match compares strongly), an empty
  or overlong value, one that overflows 64 bits, and a list (one version, as
  the contract writes it; failing closed is the safe reading).
"""

import common
from common import ApiTest, create, envelope, get, req


class IfMatchValues(ApiTest):

    def draft_at_version(self, version):
        """A draft of applicant_a edited up to `version`; returns its path."""
        app = create("applicant_a", "incubator", review_unit="110101")
        path = "/v1/applications/%d" % app["id"]
        for n in range(1, version):
            body = envelope("incubator", "applicant_a", review_unit="110101")
            body["data"]["mentor_sessions"] = 60 + n
            r = req("PUT", path, body, token="applicant_a", headers={"If-Match": '"%d"' % n})
            self.assertEqual(r[0], 200, r)
        st, h, got = get(app["id"])
        self.assertEqual(got["version"], version)
        self.assertEqual(h["etag"], '"%d"' % version)
        return app["id"], path

    def assertRefused(self, app_id, path, value):
        """PUT and submit with If-Match `value` are 412, nothing changes."""
        before = get(app_id)[2]
        body = envelope("incubator", "applicant_a", review_unit="110102")
        r = req("PUT", path, body, token="applicant_a", headers={"If-Match": value})
        self.assertProblem(r, 412)
        r = req("POST", path + "/submit", token="applicant_a", headers={"If-Match": value})
        self.assertProblem(r, 412)
        r = req("POST", path + "/withdraw", token="applicant_a", headers={"If-Match": value})
        self.assertProblem(r, 412)
        after = get(app_id)[2]
        self.assertEqual(after["version"], before["version"], value)
        self.assertEqual(after["status"], "draft", value)
        self.assertEqual(after["review_unit"], before["review_unit"], value)

    def test_values_that_are_not_the_current_version(self):
        app_id, path = self.draft_at_version(3)
        values = [
            '"0"', '"-1"', '"-3"', '"+3"',          # no such version; signs are not digits
            '"2"', '"4"', '"1"',                    # older and newer
            '"03"', '"003"', '"00"',                # leading zeros: another entity-tag
            '3', '03', '-1',                        # unquoted
            'W/"3"', 'w/"3"',                       # weak
            '""', '"', '"3', '3"', "'3'",           # empty, unbalanced, other quotes
            '" 3"', '"3 "', '"3.0"', '"3e0"', '"0x3"',
            '"%s"' % ("9" * 19),                    # 19 digits: a version, not this one
            '"9223372036854775807"',                # the largest 64-bit number
            '"9223372036854775808"',                # one more: overflows
            '"18446744073709551619"',               # wraps around to 3 in 64 bits
            '"%s3"' % ("0" * 30),                   # overlong, 3 at the end
            '"%s"' % ("3" * 200),                   # overlong
            '"3", "4"', '"4", "3"', '"3","3"',      # lists: one version only
            '*, "3"', '"*"',
        ]
        for value in values:
            with self.subTest(if_match=value):
                self.assertRefused(app_id, path, value)

    def test_the_current_version_and_star(self):
        app_id, path = self.draft_at_version(3)
        body = envelope("incubator", "applicant_a", review_unit="110102")
        r = req("PUT", path, body, token="applicant_a", headers={"If-Match": '"3"'})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["version"], 4)
        # "*": the application exists, so the precondition holds.
        body["review_unit"] = "110105"
        r = req("PUT", path, body, token="applicant_a", headers={"If-Match": "*"})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["version"], 5)
        self.assertEqual(r[2]["review_unit"], "110105")
        r = req("POST", path + "/submit", token="applicant_a", headers={"If-Match": "*"})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "district_review")
        self.assertEqual(r[2]["version"], 6)
        # Without If-Match there is no precondition.
        r = req("POST", path + "/withdraw", token="applicant_a")
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "withdrawn")

    def test_star_on_a_missing_application_is_404(self):
        r = req("POST", "/v1/applications/999999999/submit", token="applicant_a",
                headers={"If-Match": "*"})
        self.assertProblem(r, 404)

    def test_version_one_and_zero(self):
        # A new draft is version 1: "1" is current, "0" (one before the
        # first) never is, and must not read as "no precondition".
        app = create("applicant_a", "incubator", review_unit="110101")
        path = "/v1/applications/%d" % app["id"]
        self.assertRefused(app["id"], path, '"0"')
        r = req("POST", path + "/submit", token="applicant_a", headers={"If-Match": '"1"'})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["version"], 2)

    def test_reviews_check_it_too(self):
        app = create("applicant_a", "incubator", review_unit="110108")
        common.submit(app["id"])
        path = "/v1/applications/%d" % app["id"]
        st, h, got = get(app["id"], "district_110108")
        body = {"stage": "district", "decision": "return", "opinion": "请补充材料。"}
        for value in ('"0"', '"-1"', '"0%d"' % got["version"], 'W/"%d"' % got["version"],
                      str(got["version"])):
            with self.subTest(if_match=value):
                r = req("POST", path + "/reviews", body, token="district_110108",
                        headers={"If-Match": value})
                self.assertProblem(r, 412)
        self.assertEqual(get(app["id"])[2]["version"], got["version"])
        r = req("POST", path + "/reviews", body, token="district_110108",
                headers={"If-Match": h["etag"]})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "returned")
