"""An applicant account belongs to an organisation registered in Beijing
(RULES.md §0: a USCC whose division, characters 3-8, starts with 11):
the division codes at and around 11 are refused or taken as they should be,
through POST /v1/accounts (and so `shenbao account add`, which shares the
check)."""

import common
from common import ApiTest, req


def code(division, n):
    return common.uscc_make("91%sMA%07d" % (division, n))


class ApplicantDivision(ApiTest):
    OUTSIDE = ("100000", "101010", "120000", "120101", "130100", "140100", "150000", "150100",
               "210100", "010000", "011000", "310115")
    INSIDE = ("110000", "110101", "119999")

    def test_outside_beijing_is_refused(self):
        for n, division in enumerate(self.OUTSIDE):
            with self.subTest(division=division):
                body = {"role": "applicant", "name": "外埠测试有限公司",
                        "uscc": code(division, 4100 + n)}
                r = req("POST", "/v1/accounts", body, token="admin")
                problem = self.assertProblem(r, 422, ["/uscc"])
                self.assertIn("11", [e for e in problem["errors"]
                                     if e["pointer"] == "/uscc"][0]["detail"])

    def test_inside_beijing_is_taken(self):
        for n, division in enumerate(self.INSIDE):
            with self.subTest(division=division):
                uscc = code(division, 4200 + n)
                body = {"role": "applicant", "name": "北京区划测试有限公司", "uscc": uscc}
                r = req("POST", "/v1/accounts", body, token="admin")
                self.assertEqual(r[0], 201, r)
                self.assertEqual(r[2]["account"]["uscc"], uscc)
