/*
 * The incubator's eligibility (京科发〔2020〕13号 第六条, RULES.md §2): every
 * threshold at its value and one unit either side, the qualifying-incubatee
 * definition, the undefined cases, and the details a reviewer reads.
 *
 * Each case starts from an application that passes all twelve checks,
 * changes what the case is about, and looks at one check.  Unless a case
 * says otherwise, every other check must still pass, so a case cannot pass
 * by accident through a neighbouring rule.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "kinds.h"
#include "money.h"
#include "rules.h"
#include "spec.h"
#include "support.h"
#include "uscc.h"

#define ROUND              2020
#define BEIJING_APPLICANT  "91110108551385082Q"
#define ZHEJIANG_APPLICANT "91330100799655058B"
#define BASE_SUBMITTED     "2020-09-01"
#define E14                100000000000000LL

/* The twelve check ids of RULES.md §2, in its order. */
static const char *const check_ids[] = {
    "registered_in_beijing", "operating_one_year", "good_credit", "field", "services",
    "service_revenue",       "mentoring",          "investment",  "team",  "incubatee_count",
    "incubatee_growth",      "incubatee_ip",
};

#define N_CHECKS (sizeof check_ids / sizeof check_ids[0])

/* A run of alike incubatees.  The zero value is a qualifying incubatee
 * registered in Beijing that received no investment and has no IP. */
struct group {
    int count;
    bool outside;         /* registered outside Beijing */
    const char *division; /* or this registering division (6 digits) */
    int64_t employees;
    int64_t revenue_fen;
    bool not_hard_tech;
    bool prohibited; /* in the prohibited catalogue */
    bool invested;
    bool by_incubator; /* invested in by the incubator itself */
    bool ip_applied;
    bool ip_valid;
};

#define MAX_GROUPS 5

/* Qualifying, invested in by the incubator, with applied and valid IP: a
 * group of these alone passes every ratio. */
#define RICH(n)                                                                                    \
    {                                                                                              \
        .count = (n), .invested = true, .by_incubator = true, .ip_applied = true, .ip_valid = true \
    }

/* The same registered outside Beijing. */
#define RICH_OUTSIDE(n)                                                                            \
    {                                                                                              \
        .count = (n), .outside = true, .invested = true, .by_incubator = true, .ip_applied = true, \
        .ip_valid = true                                                                           \
    }

/* The base list: 20 qualifying Beijing incubatees, 10 invested (50 %), 2 of
 * those by the incubator (20 %), 10 with applied IP (50 %), 6 with valid IP
 * (30 %). */
static const struct group base_groups[MAX_GROUPS] = {
    {.count = 2, .invested = true, .by_incubator = true, .ip_applied = true, .ip_valid = true},
    {.count = 4, .invested = true, .ip_applied = true, .ip_valid = true},
    {.count = 4, .invested = true, .ip_applied = true},
    {.count = 10},
};

/* Writes a valid USCC: a Beijing division (110108), a Zhejiang one
 * (330100) or the given one, numbered by n so every incubatee is a
 * different company. */
static void make_uscc(char out[USCC_LEN + 1], bool outside, const char *division, int n)
{
    char text[32];

    ck_assert(n >= 0 && n < 10000000);
    if (!division)
        division = outside ? "330100" : "110108";
    snprintf(text, sizeof text, "91%.6sMA%07d", division, n);
    memcpy(out, text, USCC_LEN - 1);
    out[USCC_LEN - 1] = '\0';
    out[USCC_LEN - 1] = uscc_check_char(out);
    out[USCC_LEN] = '\0';
    ck_assert(uscc_valid(out));
}

static json_t *incubatee_list(const struct group *groups)
{
    json_t *list = json_array();
    int n = 0;

    for (const struct group *g = groups; g < groups + MAX_GROUPS && g->count > 0; g++)
        for (int i = 0; i < g->count; i++) {
            char uscc[USCC_LEN + 1], name[64];

            n++;
            make_uscc(uscc, g->outside, g->division, n);
            snprintf(name, sizeof name, "北京示例在孵企业%d有限公司", n);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b, s:b, s:b, s:b, s:b}", "name", name,
                                "uscc", uscc, "employees", (json_int_t)g->employees, "revenue_fen",
                                (json_int_t)g->revenue_fen, "hard_tech", !g->not_hard_tech,
                                "prohibited_catalogue", g->prohibited, "invested", g->invested,
                                "invested_by_incubator", g->by_incubator, "ip_applied",
                                g->ip_applied, "ip_valid", g->ip_valid));
        }
    return list;
}

/* An application that passes all twelve checks with some margin, except
 * the incubatee ratios of the base list, which sit on their thresholds. */
static json_t *base_data(void)
{
    json_t *data = support_json(
        "{\"registered_on\": \"2016-05-18\", \"good_credit\": true,"
        " \"field\": \"artificial_intelligence\", \"services\": [\"platform\", "
        "\"resource_matching\"],"
        " \"total_revenue_fen\": 1000000000,"
        " \"service_revenue_fen\": [300000000, 360000000, 420000000],"
        " \"mentor_sessions\": 68, \"has_investment_fund\": true, \"team_qualified\": true,"
        " \"team_description\": \"运营团队共12人，负责人具有十年早期项目投资经验。\","
        " \"incubatee_revenue_fen\": [8000000000, 9600000000, 11040000000]}");

    json_object_set_new(data, "incubatees", incubatee_list(base_groups));
    return data;
}

struct rule_case {
    const char *name;
    const char *patch;                   /* members replacing the base data's, or NULL */
    struct group incubatees[MAX_GROUPS]; /* when the first is empty, the base list */
    const char *applicant_uscc;          /* NULL: a Beijing applicant */
    const char *submitted_on;            /* NULL: BASE_SUBMITTED */
    const char *check;                   /* the check this case is about */
    bool passed;
    const char *detail_has[5]; /* substrings its detail must contain */
    const char *zh_has[4];     /* substrings its Chinese detail must contain */
    bool others_vary;          /* other checks may fail too */
};

static const struct rule_case cases[] = {
    /* 6(一) registered in Beijing */
    {"beijing applicant", .check = "registered_in_beijing", .passed = true,
     .detail_has = {BEIJING_APPLICANT, "110108", "in Beijing"}},
    {"zhejiang applicant", .applicant_uscc = ZHEJIANG_APPLICANT, .check = "registered_in_beijing",
     .passed = false, .detail_has = {ZHEJIANG_APPLICANT, "330100", "outside Beijing"},
     .zh_has = {ZHEJIANG_APPLICANT, "330100", "不在本市"}},
    /* The division's province part at and around 11 (GB/T 2260). */
    {"division 110000", .applicant_uscc = "91110000MA0000001L", .check = "registered_in_beijing",
     .passed = true, .detail_has = {"110000", "in Beijing"}},
    {"division 119999", .applicant_uscc = "91119999MA00000010", .check = "registered_in_beijing",
     .passed = true, .detail_has = {"119999", "in Beijing"}},
    {"division 100000", .applicant_uscc = "91100000MA0000001G", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"100000", "outside Beijing"}},
    {"division 101010", .applicant_uscc = "91101010MA0000001C", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"101010", "outside Beijing"}},
    {"division 120000", .applicant_uscc = "91120000MA0000001Q", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"120000", "outside Beijing"}},
    {"division 130100", .applicant_uscc = "91130100MA00000012", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"130100", "outside Beijing"}},
    {"division 150000", .applicant_uscc = "91150000MA00000015", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"150000", "outside Beijing"}},
    {"division 210100", .applicant_uscc = "91210100MA0000001G", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"210100", "outside Beijing"}},
    {"division 011000", .applicant_uscc = "91011000MA0000001A", .check = "registered_in_beijing",
     .passed = false, .detail_has = {"011000", "outside Beijing"}},

    /* 6(一) operating for a full year on the submission date */
    {"one year minus a day", .patch = "{\"registered_on\": \"2019-07-28\"}",
     .submitted_on = "2020-07-27", .check = "operating_one_year", .passed = false,
     .detail_has = {"2019-07-28", "2020-07-28", "2020-07-27"}},
    {"one year to the day", .patch = "{\"registered_on\": \"2019-07-28\"}",
     .submitted_on = "2020-07-28", .check = "operating_one_year", .passed = true,
     .detail_has = {"2019-07-28", "2020-07-28"}},
    {"one year and a day", .patch = "{\"registered_on\": \"2019-07-28\"}",
     .submitted_on = "2020-07-29", .check = "operating_one_year", .passed = true},
    {"leap day, day before", .patch = "{\"registered_on\": \"2020-02-29\"}",
     .submitted_on = "2021-02-27", .check = "operating_one_year", .passed = false,
     .detail_has = {"2020-02-29", "2021-02-28", "2021-02-27"}},
    {"leap day, full on 28 February", .patch = "{\"registered_on\": \"2020-02-29\"}",
     .submitted_on = "2021-02-28", .check = "operating_one_year", .passed = true,
     .detail_has = {"2021-02-28"}},
    {"registered after submission", .patch = "{\"registered_on\": \"2020-09-02\"}",
     .check = "operating_one_year", .passed = false},

    /* 6(一) credit and field */
    {"good credit", .check = "good_credit", .passed = true},
    {"no good credit", .patch = "{\"good_credit\": false}", .check = "good_credit", .passed = false,
     .detail_has = {"does not declare"}},
    {"field named", .patch = "{\"field\": \"integrated_circuits\"}", .check = "field",
     .passed = true, .detail_has = {"integrated circuits", "集成电路"},
     .zh_has = {"孵化服务领域：集成电路"}},

    /* 6(二) services */
    {"one service", .patch = "{\"services\": [\"supply_chain\"]}", .check = "services",
     .passed = true, .detail_has = {"1 of", "supply chain"}},
    {"no service", .patch = "{\"services\": []}", .check = "services", .passed = false,
     .detail_has = {"none", "at least one"}},

    /* 6(三) service revenue share: growth is negative, so only the share
     * can pass. */
    {"service share 30 %",
     .patch = "{\"total_revenue_fen\": 1000000,"
              " \"service_revenue_fen\": [400000, 350000, 300000]}",
     .check = "service_revenue", .passed = true,
     .detail_has = {"3,000.00 元", "10,000.00 元", "30.0 %", "need at least 30 %"}},
    {"service share 30 % minus a fen",
     .patch = "{\"total_revenue_fen\": 1000000,"
              " \"service_revenue_fen\": [400000, 350000, 299999]}",
     .check = "service_revenue", .passed = false,
     /* 29.9999 % rounds to 30.0 %, which it does not reach: the hundredth
      * below is shown instead */
     .detail_has = {"2,999.99 元", "29.99 %", "need at least 30 %", "need at least 5 %"},
     .zh_has = {"2019 年专业服务收入 2,999.99 元", "10,000.00 元", "29.99 %", "不低于 5 %"}},
    {"a share rounded half up, as a spreadsheet shows it",
     .patch = "{\"total_revenue_fen\": 1000000,"
              " \"service_revenue_fen\": [400000, 350000, 363500]}",
     .check = "service_revenue", .passed = true, .detail_has = {"36.4 %"}, .zh_has = {"36.4 %"}},
    {"a share rounded down below the half",
     .patch = "{\"total_revenue_fen\": 1000000,"
              " \"service_revenue_fen\": [400000, 350000, 363499]}",
     .check = "service_revenue", .passed = true, .detail_has = {"36.3 %"}},
    {"service share 30 % plus a fen",
     .patch = "{\"total_revenue_fen\": 1000000,"
              " \"service_revenue_fen\": [400000, 350000, 300001]}",
     .check = "service_revenue", .passed = true},
    {"total revenue 0",
     .patch = "{\"total_revenue_fen\": 0, \"service_revenue_fen\": [400000, 350000, 0]}",
     .check = "service_revenue", .passed = false,
     .detail_has = {"total revenue in 2019 is 0.00 元", "cannot be computed"}},

    /* 6(三) service revenue growth: the share is far below 30 %. */
    {"service growth 5 %", .patch = "{\"service_revenue_fen\": [10000, 10500, 11025]}",
     .check = "service_revenue", .passed = true,
     .detail_has = {"5.0 %", "need at least 5 %", "2018", "2019"}},
    {"service growth under 5 %", .patch = "{\"service_revenue_fen\": [10000, 10500, 11024]}",
     .check = "service_revenue", .passed = false,
     .detail_has = {"4.99 %", "need at least 5 %", "need at least 30 %"}},
    {"service growth 0 % and 10 %", .patch = "{\"service_revenue_fen\": [10000, 10000, 11000]}",
     .check = "service_revenue", .passed = true, .detail_has = {"5.0 %"}},
    {"service base year 0", .patch = "{\"service_revenue_fen\": [0, 10500, 11025]}",
     .check = "service_revenue", .passed = false,
     .detail_has = {"undefined", "2017 is 0.00 元", "base above zero"},
     .zh_has = {"无法计算", "2017 年为 0.00 元"}},
    {"service middle year 0", .patch = "{\"service_revenue_fen\": [10000, 0, 11025]}",
     .check = "service_revenue", .passed = false, .detail_has = {"undefined", "2018 is 0.00 元"}},
    {"service base year 0, share enough", .patch = "{\"service_revenue_fen\": [0, 0, 300000000]}",
     .check = "service_revenue", .passed = true, .detail_has = {"30.0 %", "undefined"}},

    /* 6(四) mentoring */
    {"mentoring 49", .patch = "{\"mentor_sessions\": 49}", .check = "mentoring", .passed = false,
     .detail_has = {"mentor services 49 person-times", "need at least 50"},
     .zh_has = {"创业导师服务 49 人次", "不少于 50 人次"}},
    {"mentoring 50", .patch = "{\"mentor_sessions\": 50}", .check = "mentoring", .passed = true,
     .detail_has = {"50 person-times"}},
    {"mentoring 51", .patch = "{\"mentor_sessions\": 51}", .check = "mentoring", .passed = true},

    /* 6(五) investment: 30 % of qualifying incubatees invested */
    {"invested 29 of 100", .check = "investment", .passed = false,
     .incubatees = {RICH(29), {.count = 71, .ip_applied = true}},
     .detail_has = {"29 of 100", "29.0 %", "need at least 30 %"}},
    {"invested 30 of 100", .check = "investment", .passed = true,
     .incubatees = {RICH(30), {.count = 70, .ip_applied = true}},
     .detail_has = {"30 of 100", "30.0 %"}},
    {"invested 31 of 100", .check = "investment", .passed = true,
     .incubatees = {RICH(31), {.count = 69, .ip_applied = true}}},
    {"invested 3 of 10", .check = "investment", .passed = true,
     .incubatees = {RICH(3), {.count = 7, .ip_applied = true}}, .others_vary = true},
    {"invested 2 of 10", .check = "investment", .passed = false,
     .incubatees = {RICH(2), {.count = 8, .ip_applied = true}}, .others_vary = true,
     .detail_has = {"2 of 10", "20.0 %"}},

    /* 6(五) of the invested, 10 % by the incubator itself */
    {"own investment 9 of 100", .check = "investment", .passed = false,
     .incubatees = {RICH(9), {.count = 91, .invested = true, .ip_applied = true}},
     .detail_has = {"9 of those 100", "9.0 %", "need at least 10 %"},
     .zh_has = {"获得投资的 100 家中孵化器投资的 9 家", "9.0 %", "不低于 10 %"}},
    {"own investment 10 of 100", .check = "investment", .passed = true,
     .incubatees = {RICH(10), {.count = 90, .invested = true, .ip_applied = true}},
     .detail_has = {"10 of those 100", "10.0 %"}},
    {"own investment 11 of 100", .check = "investment", .passed = true,
     .incubatees = {RICH(11), {.count = 89, .invested = true, .ip_applied = true}}},
    {"own investment none", .check = "investment", .passed = false,
     .incubatees = {{.count = 20, .invested = true, .ip_applied = true}},
     .detail_has = {"0 of those 20", "0.0 %"}},
    {"nobody invested", .check = "investment", .passed = false,
     .incubatees = {{.count = 20, .ip_applied = true}},
     .detail_has = {"0 of 20", "none received investment"}},
    {"no fund declared", .patch = "{\"has_investment_fund\": false}", .check = "investment",
     .passed = false, .detail_has = {"no angel/venture fund"}},
    /* Investments in companies that do not qualify do not count. */
    {"invested but not qualifying", .check = "investment", .passed = false,
     .incubatees = {{.count = 20, .ip_applied = true},
                    {.count = 10, .employees = 101, .invested = true, .by_incubator = true}},
     .detail_has = {"0 of 20"}},
    /* Companies outside Beijing count in every ratio: 9 of 30 is 30 %,
     * 8 of 29 would not be. */
    {"invested outside Beijing", .check = "investment", .passed = true,
     .incubatees = {{.count = 21, .ip_applied = true}, RICH(8), RICH_OUTSIDE(1)},
     .detail_has = {"9 of 30", "30.0 %"}},

    /* 6(六) team */
    {"team", .check = "team", .passed = true},
    {"no team", .patch = "{\"team_qualified\": false}", .check = "team", .passed = false,
     .detail_has = {"does not declare"}},

    /* 6(七) 20 qualifying incubatees registered in Beijing */
    {"19 in Beijing and 1 outside", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), RICH_OUTSIDE(1)},
     .detail_has = {"qualifying incubatees 20 of 20 listed", "registered in Beijing 19 of them",
                    "need at least 20", "not registered in Beijing: row 20"},
     .zh_has = {"未在本市注册的：第 20 家"}},
    /* The rows at fault are named, so the reviewer can find them (the
     * issue: "不符合条件 1 家", which one?). */
    {"the rows at fault are named", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(2),
                    {.count = 1, .employees = 120},
                    RICH_OUTSIDE(1),
                    RICH(15),
                    {.count = 1, .not_hard_tech = true}},
     .detail_has = {"not qualifying: rows 3, 20", "not registered in Beijing: row 4"},
     .zh_has = {"不符合条件的：第 3、20 家", "未在本市注册的：第 4 家"}},
    {"20 in Beijing and 1 outside", .check = "incubatee_count", .passed = true,
     .incubatees = {RICH(20), RICH_OUTSIDE(1)},
     .detail_has = {"21 of 21 listed", "registered in Beijing 20 of them"}},
    {"21 in Beijing", .check = "incubatee_count", .passed = true, .incubatees = {RICH(21)}},
    /* An incubatee counts as in Beijing by its division, 11… only. */
    {"19 in Beijing and 1 in 119999", .check = "incubatee_count", .passed = true,
     .incubatees = {RICH(19), {.count = 1, .division = "119999"}},
     .detail_has = {"registered in Beijing 20 of them"}},
    {"19 in Beijing and 1 in 100000", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .division = "100000"}},
     .detail_has = {"registered in Beijing 19 of them"}},
    {"19 in Beijing and 1 in 120000", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .division = "120000"}},
     .detail_has = {"registered in Beijing 19 of them"}},
    {"19 in Beijing and 1 in 150100", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .division = "150100"}},
     .detail_has = {"registered in Beijing 19 of them"}},
    {"19 in Beijing", .check = "incubatee_count", .passed = false, .incubatees = {RICH(19)},
     .detail_has = {"19 of 19 listed", "registered in Beijing 19 of them"}},
    {"no incubatees", .check = "incubatee_count", .passed = false, .patch = "{\"incubatees\": []}",
     .others_vary = true,
     .detail_has = {"qualifying incubatees 0 of 0 listed", "registered in Beijing 0 of them"}},

    /* The qualifying incubatee: 100 人以下, 2000 万元以下, hard-tech, not
     * in the prohibited catalogue. */
    {"100 employees", .check = "incubatee_count", .passed = true,
     .incubatees = {RICH(19), {.count = 1, .employees = 100}}, .detail_has = {"20 of 20 listed"}},
    {"101 employees", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .employees = 101}},
     .detail_has = {"19 of 20 listed", "1 excluded: 1 over 100 employees"}},
    {"revenue 20,000,000 yuan", .check = "incubatee_count", .passed = true,
     .incubatees = {RICH(19), {.count = 1, .revenue_fen = 2000000000}},
     .detail_has = {"20 of 20 listed"}},
    {"revenue 20,000,000 yuan and a fen", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .revenue_fen = 2000000001}},
     .detail_has = {"19 of 20 listed", "1 with revenue over 20,000,000.00 元"}},
    {"not hard-tech", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .not_hard_tech = true}},
     .detail_has = {"19 of 20 listed", "1 not hard-tech or in the prohibited catalogue"}},
    {"prohibited catalogue", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19), {.count = 1, .prohibited = true}},
     .detail_has = {"19 of 20 listed", "1 not hard-tech or in the prohibited catalogue"}},
    {"mixed exclusions", .check = "incubatee_count", .passed = false,
     .incubatees = {RICH(19),
                    {.count = 2, .employees = 101},
                    {.count = 1, .revenue_fen = 2000000001},
                    {.count = 1, .prohibited = true}},
     .detail_has = {"qualifying incubatees 19 of 23 listed (4 excluded: 2 over 100 employees, "
                    "1 with revenue over 20,000,000.00 元, 1 not hard-tech or in the prohibited "
                    "catalogue)",
                    "registered in Beijing 19 of them, need at least 20"},
     .zh_has = {"申报企业 23 家，其中符合条件的在孵企业 19 家（不符合条件 4 家：",
                "20,000,000.00 元 1 家", "在本市注册的在孵企业 19 家，要求不少于 20 家"}},

    /* 6(七) incubatees' revenue growth */
    {"incubatee growth 10 %", .patch = "{\"incubatee_revenue_fen\": [1000, 1100, 1210]}",
     .check = "incubatee_growth", .passed = true,
     .detail_has = {"10.0 %", "need at least 10 %", "2017 10.00 元", "2019 12.10 元"}},
    {"incubatee growth under 10 %", .patch = "{\"incubatee_revenue_fen\": [1000, 1100, 1209]}",
     .check = "incubatee_growth", .passed = false,
     .detail_has = {"9.95 %", "need at least 10 %", "12.09 元"},
     .zh_has = {"2017 年 10.00 元", "2019 年 12.09 元", "平均增速 9.95 %，要求不低于 10 %"}},
    {"incubatee growth over 10 %", .patch = "{\"incubatee_revenue_fen\": [1000, 1100, 1211]}",
     .check = "incubatee_growth", .passed = true},
    {"incubatee growth falling", .patch = "{\"incubatee_revenue_fen\": [1000, 900, 810]}",
     .check = "incubatee_growth", .passed = false, .detail_has = {"-10.0 %"}},
    {"incubatee base year 0", .patch = "{\"incubatee_revenue_fen\": [0, 1100, 1210]}",
     .check = "incubatee_growth", .passed = false, .detail_has = {"undefined", "2017 is 0.00 元"}},

    /* 6(七) IP: applied ≥ 50 % or valid ≥ 30 %, each enough alone */
    {"ip applied 50 of 100", .check = "incubatee_ip", .passed = true,
     .incubatees = {{.count = 50, .invested = true, .by_incubator = true, .ip_applied = true},
                    {.count = 50, .invested = true, .by_incubator = true}},
     .detail_has = {"applied for IP 50 of 100", "50.0 %", "holding valid IP 0 of 100"}},
    {"ip applied 49 of 100", .check = "incubatee_ip", .passed = false,
     .incubatees = {{.count = 49, .invested = true, .by_incubator = true, .ip_applied = true},
                    {.count = 51, .invested = true, .by_incubator = true}},
     .detail_has = {"49 of 100", "49.0 %", "need at least 50 %", "need at least 30 %"}},
    {"ip applied 51 of 100", .check = "incubatee_ip", .passed = true,
     .incubatees = {{.count = 51, .invested = true, .by_incubator = true, .ip_applied = true},
                    {.count = 49, .invested = true, .by_incubator = true}}},
    {"ip valid 30 of 100", .check = "incubatee_ip", .passed = true,
     .incubatees = {{.count = 30, .invested = true, .by_incubator = true, .ip_valid = true},
                    {.count = 70, .invested = true, .by_incubator = true}},
     .detail_has = {"applied for IP 0 of 100", "holding valid IP 30 of 100", "30.0 %"}},
    {"ip valid 29 of 100", .check = "incubatee_ip", .passed = false,
     .incubatees = {{.count = 29, .invested = true, .by_incubator = true, .ip_valid = true},
                    {.count = 71, .invested = true, .by_incubator = true}},
     .detail_has = {"holding valid IP 29 of 100", "29.0 %"}},
    {"ip valid 31 of 100", .check = "incubatee_ip", .passed = true,
     .incubatees = {{.count = 31, .invested = true, .by_incubator = true, .ip_valid = true},
                    {.count = 69, .invested = true, .by_incubator = true}}},
    {"ip both just under", .check = "incubatee_ip", .passed = false,
     .incubatees = {{.count = 29,
                     .invested = true,
                     .by_incubator = true,
                     .ip_applied = true,
                     .ip_valid = true},
                    {.count = 20, .invested = true, .by_incubator = true, .ip_applied = true},
                    {.count = 51, .invested = true, .by_incubator = true}},
     .detail_has = {"applied for IP 49 of 100", "holding valid IP 29 of 100"},
     .zh_has = {"已申请知识产权的 49 家", "有效知识产权的 29 家"}},
    {"no qualifying incubatees", .check = "incubatee_ip", .passed = false,
     .incubatees = {{.count = 25,
                     .employees = 150,
                     .invested = true,
                     .by_incubator = true,
                     .ip_applied = true,
                     .ip_valid = true}},
     .others_vary = true, .detail_has = {"no qualifying incubatees"}},
    {"no qualifying incubatees to invest", .check = "investment", .passed = false,
     .incubatees = {{.count = 25,
                     .employees = 150,
                     .invested = true,
                     .by_incubator = true,
                     .ip_applied = true,
                     .ip_valid = true}},
     .others_vary = true, .detail_has = {"no qualifying incubatees"}},
};

#define N_CASES (sizeof cases / sizeof cases[0])

struct built {
    json_t *data;
    struct kind_data parsed; /* data as the rules read it */
    struct rule_input in;
    struct eligibility e;
};

static void build(const struct rule_case *c, struct built *b)
{
    sb_day submitted = 0;

    memset(b, 0, sizeof *b);
    b->data = base_data();
    if (c->incubatees[0].count > 0)
        json_object_set_new(b->data, "incubatees", incubatee_list(c->incubatees));
    if (c->patch) {
        json_t *patch = support_json(c->patch);
        json_object_update(b->data, patch);
        json_decref(patch);
    }
    ck_assert(date_parse(c->submitted_on ? c->submitted_on : BASE_SUBMITTED, &submitted));
    support_kind_data(&kind_incubator, b->data, ROUND, &b->parsed);
    b->in = (struct rule_input){
        .data = b->parsed.typed,
        .round = ROUND,
        .applicant_uscc = c->applicant_uscc ? c->applicant_uscc : BEIJING_APPLICANT,
        .submitted_on = submitted,
        .audited_fen = -1,
        .funded_charters = -1,
    };
}

static void release(struct built *b)
{
    kind_data_release(&b->parsed);
    json_decref(b->data);
}

/* The data a case builds must be what the server would accept, so that the
 * rules are tested on inputs they can meet; build() has parsed it alone,
 * this validates it inside a whole envelope. */
static void assert_valid_envelope(const struct built *b, const char *name)
{
    struct spec_errors errs;
    json_t *env =
        json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:O}", "kind", "incubator", "round", ROUND,
                  "review_unit", "110108", "applicant", "name", "北京示例孵化器有限公司", "uscc",
                  b->in.applicant_uscc, "data", b->data);

    spec_errors_init(&errs);
    ck_assert_ptr_eq(application_validate(env, &errs), &kind_incubator);
    ck_assert_msg(errs.count == 0, "%s: data refused at %s: %s", name,
                  errs.count ? errs.items[0].pointer : "", errs.count ? errs.items[0].detail : "");
    spec_errors_release(&errs);
    json_decref(env);
}

static void assert_ids_in_order(const struct eligibility *e)
{
    ck_assert_uint_eq(e->n, N_CHECKS);
    for (size_t i = 0; i < N_CHECKS; i++)
        ck_assert_str_eq(e->checks[i].id, check_ids[i]);
}

static const struct check *find_check(const struct eligibility *e, const char *id)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->checks[i].id, id) == 0)
            return &e->checks[i];
    ck_abort_msg("no check %s", id);
    return NULL;
}

START_TEST(test_case)
{
    const struct rule_case *c = &cases[_i];
    struct built b;

    build(c, &b);
    assert_valid_envelope(&b, c->name);
    kind_incubator.eligibility(&b.in, &b.e);
    assert_ids_in_order(&b.e);

    const struct check *k = find_check(&b.e, c->check);
    ck_assert_msg(k->passed == c->passed, "%s: %s should %s: %s", c->name, c->check,
                  c->passed ? "pass" : "fail", k->detail);
    for (size_t i = 0; i < sizeof c->detail_has / sizeof c->detail_has[0] && c->detail_has[i]; i++)
        ck_assert_msg(strstr(k->detail, c->detail_has[i]), "%s: %s detail lacks \"%s\": %s",
                      c->name, c->check, c->detail_has[i], k->detail);
    ck_assert_msg(k->detail_zh[0] != '\0', "%s: %s has no Chinese detail", c->name, c->check);
    for (size_t i = 0; i < sizeof c->zh_has / sizeof c->zh_has[0] && c->zh_has[i]; i++)
        ck_assert_msg(strstr(k->detail_zh, c->zh_has[i]), "%s: %s Chinese detail lacks \"%s\": %s",
                      c->name, c->check, c->zh_has[i], k->detail_zh);
    if (!c->others_vary)
        for (size_t i = 0; i < b.e.n; i++)
            if (strcmp(b.e.checks[i].id, c->check) != 0)
                ck_assert_msg(b.e.checks[i].passed, "%s: %s should pass: %s", c->name,
                              b.e.checks[i].id, b.e.checks[i].detail);
    ck_assert_int_eq(eligibility_all_passed(&b.e), c->passed && !c->others_vary);
    release(&b);
}
END_TEST

/* The base application passes every check, each once, in the table's
 * order, and the result reads as CONTRACT.md gives it. */
START_TEST(test_fully_eligible)
{
    static const struct rule_case plain = {"base"};
    struct built b;

    build(&plain, &b);
    assert_valid_envelope(&b, "base");
    kind_incubator.eligibility(&b.in, &b.e);
    assert_ids_in_order(&b.e);
    for (size_t i = 0; i < b.e.n; i++) {
        ck_assert_msg(b.e.checks[i].passed, "%s: %s", b.e.checks[i].id, b.e.checks[i].detail);
        ck_assert_msg(b.e.checks[i].detail[0] != '\0', "%s has no detail", b.e.checks[i].id);
    }
    ck_assert(eligibility_all_passed(&b.e));

    json_t *j = eligibility_to_json(&b.e);
    ck_assert(json_is_true(json_object_get(j, "eligible")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "checks")), N_CHECKS);
    json_decref(j);
    release(&b);
}
END_TEST

/* An application that fails every check it can (the field table already
 * holds the field to the gazette's list). */
static const struct rule_case bad = {
    "bad",
    .patch = "{\"registered_on\": \"2020-08-01\", \"good_credit\": false, \"services\": [],"
             " \"total_revenue_fen\": 0, \"service_revenue_fen\": [0, 0, 0],"
             " \"mentor_sessions\": 0, \"has_investment_fund\": false,"
             " \"team_qualified\": false, \"incubatee_revenue_fen\": [0, 0, 0],"
             " \"incubatees\": []}",
    .applicant_uscc = ZHEJIANG_APPLICANT,
};

/* An application failing everything still gets all twelve checks. */
START_TEST(test_failing_everything)
{
    struct built b;

    build(&bad, &b);
    assert_valid_envelope(&b, "bad");
    kind_incubator.eligibility(&b.in, &b.e);
    assert_ids_in_order(&b.e);
    for (size_t i = 0; i < b.e.n; i++) {
        bool field = strcmp(b.e.checks[i].id, "field") == 0;
        ck_assert_msg(b.e.checks[i].passed == field, "%s: %s", b.e.checks[i].id,
                      b.e.checks[i].detail);
    }
    ck_assert(!eligibility_all_passed(&b.e));
    release(&b);
}
END_TEST

/* Every check, passed or failed, gives reviewers and applicants reading
 * Chinese their own detail, with the figures of the English one. */
START_TEST(test_chinese_details)
{
    static const struct rule_case plain = {"base"};
    const struct rule_case *both[] = {&plain, &bad};

    for (size_t n = 0; n < sizeof both / sizeof both[0]; n++) {
        struct built b;

        build(both[n], &b);
        kind_incubator.eligibility(&b.in, &b.e);
        assert_ids_in_order(&b.e);
        for (size_t i = 0; i < b.e.n; i++)
            ck_assert_msg(b.e.checks[i].detail_zh[0] != '\0', "%s: %s has no Chinese detail",
                          both[n]->name, b.e.checks[i].id);

        json_t *j = eligibility_to_json(&b.e);
        json_t *checks = json_object_get(j, "checks");
        for (size_t i = 0; i < json_array_size(checks); i++)
            ck_assert_str_eq(
                json_string_value(json_object_get(json_array_get(checks, i), "detail_zh")),
                b.e.checks[i].detail_zh);
        json_decref(j);
        release(&b);
    }

    /* The base figures: 68 mentor services, 20 of 20 in Beijing; and the
     * failing ones: 0 mentor services, total revenue 0. */
    struct built b;
    build(&plain, &b);
    kind_incubator.eligibility(&b.in, &b.e);
    ck_assert_ptr_nonnull(strstr(find_check(&b.e, "mentoring")->detail_zh, "68 人次"));
    ck_assert_ptr_nonnull(
        strstr(find_check(&b.e, "incubatee_count")->detail_zh, "在本市注册的在孵企业 20 家"));
    ck_assert_ptr_nonnull(strstr(find_check(&b.e, "service_revenue")->detail_zh,
                                 "4,200,000.00 元，占总收入 10,000,000.00 元的 42.0 %"));
    release(&b);

    build(&bad, &b);
    kind_incubator.eligibility(&b.in, &b.e);
    ck_assert_ptr_nonnull(strstr(find_check(&b.e, "mentoring")->detail_zh, "0 人次"));
    ck_assert_ptr_nonnull(
        strstr(find_check(&b.e, "service_revenue")->detail_zh, "2019 年总收入为 0.00 元"));
    ck_assert_ptr_nonnull(strstr(find_check(&b.e, "operating_one_year")->detail_zh, "未满 1 年"));
    release(&b);
}
END_TEST

/* The largest figures the field table lets through still fit a detail
 * without being cut. */
START_TEST(test_long_details_fit)
{
    static const struct rule_case big[] = {
        {"big growth",
         .patch = "{\"total_revenue_fen\": 1, \"service_revenue_fen\": [1, 100000000000000,"
                  " 100000000000000], \"incubatee_revenue_fen\": [1, 100000000000000,"
                  " 100000000000000], \"mentor_sessions\": 1000000}",
         .applicant_uscc = ZHEJIANG_APPLICANT,
         .incubatees =
             {{.count = 1000, .employees = 1000000, .revenue_fen = E14, .not_hard_tech = true},
              RICH_OUTSIDE(400),
              {.count = 600, .outside = true}}},
        {"big undefined",
         .patch = "{\"total_revenue_fen\": 100000000000000,"
                  " \"service_revenue_fen\": [100000000000000, 0, 100000000000000],"
                  " \"incubatee_revenue_fen\": [100000000000000, 0, 100000000000000],"
                  " \"has_investment_fund\": false}",
         .incubatees =
             {{.count = 1998, .employees = 1000000, .revenue_fen = E14, .not_hard_tech = true},
              {.count = 2, .outside = true}}},
    };

    for (size_t n = 0; n < sizeof big / sizeof big[0]; n++) {
        struct built b;

        build(&big[n], &b);
        assert_valid_envelope(&b, big[n].name);
        kind_incubator.eligibility(&b.in, &b.e);
        assert_ids_in_order(&b.e);
        for (size_t i = 0; i < b.e.n; i++) {
            ck_assert_msg(strlen(b.e.checks[i].detail) < RULE_DETAIL_LEN - 1,
                          "%s: %s detail may be cut: %s", big[n].name, b.e.checks[i].id,
                          b.e.checks[i].detail);
            /* A cut Chinese detail may also have lost a partial character. */
            ck_assert_msg(strlen(b.e.checks[i].detail_zh) + 4 < RULE_DETAIL_LEN,
                          "%s: %s Chinese detail may be cut: %s", big[n].name, b.e.checks[i].id,
                          b.e.checks[i].detail_zh);
        }
        release(&b);
    }
}
END_TEST

/* An applicant without a valid code (not possible through the API, which
 * validates the envelope) fails the Beijing check instead of crashing. */
START_TEST(test_applicant_without_code)
{
    static const struct rule_case plain = {"base"};
    const char *codes[] = {NULL, "", "9111"};

    for (size_t n = 0; n < sizeof codes / sizeof codes[0]; n++) {
        struct built b;

        build(&plain, &b);
        b.in.applicant_uscc = codes[n];
        kind_incubator.eligibility(&b.in, &b.e);
        assert_ids_in_order(&b.e);
        ck_assert(!find_check(&b.e, "registered_in_beijing")->passed);
        release(&b);
    }
}
END_TEST

/* A field outside the gazette's list never reaches the rules: the field
 * table refuses it. */
START_TEST(test_field_outside_list)
{
    json_t *data = base_data();
    struct kind_data parsed;
    struct spec_errors errs;

    json_object_set_new(data, "field", json_string("tourism"));
    spec_errors_init(&errs);
    ck_assert_int_eq(kind_data_parse(&kind_incubator, data, ROUND, &parsed, &errs), -1);
    ck_assert_uint_eq(errs.count, 1);
    ck_assert_str_eq(errs.items[0].pointer, "/data/field");
    ck_assert_ptr_nonnull(strstr(errs.items[0].detail, "must be one of"));
    ck_assert_ptr_null(parsed.typed);
    spec_errors_release(&errs);
    json_decref(data);
}
END_TEST

START_TEST(test_award)
{
    static const struct rule_case plain = {"base"};
    struct built b;
    struct award a;

    build(&plain, &b);
    memset(&a, 0xff, sizeof a);
    kind_incubator.award(&b.in, &a);
    ck_assert_str_eq(a.basis, "as_applied");
    ck_assert_uint_eq(a.n, 0);
    ck_assert_int_eq(a.total_fen, 0);

    json_t *j = award_to_json(&a);
    support_assert_json_eq(j, "{\"basis\": \"as_applied\", \"total_fen\": 0, \"items\": []}");
    json_decref(j);
    release(&b);
}
END_TEST

static Suite *rules_incubator_suite(void)
{
    Suite *s = suite_create("rules_incubator");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_case, 0, N_CASES);
    tcase_add_test(tc, test_fully_eligible);
    tcase_add_test(tc, test_failing_everything);
    tcase_add_test(tc, test_chinese_details);
    tcase_add_test(tc, test_long_details_fit);
    tcase_add_test(tc, test_applicant_without_code);
    tcase_add_test(tc, test_field_outside_list);
    tcase_add_test(tc, test_award);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rules_incubator_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
