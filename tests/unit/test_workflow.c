#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "workflow.h"

START_TEST(submit_from_draft_and_returned)
{
    const struct transition *t = workflow_find("draft", "submit", STAGES_ALL);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->to, "district_review");
    ck_assert_uint_eq(t->who, ROLE_APPLICANT);
    t = workflow_find("returned", "submit", STAGES_ALL);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->to, "district_review");
}
END_TEST

/* RULES.md §1: an application goes to the first stage its kind uses, and a
 * municipal approval publishes the notice only where there is one; else it
 * approves and issues at once. */
static const struct {
    unsigned stages;
    const char *from, *action, *to;
    bool issues;
} staged[] = {
    {STAGE_MUNICIPAL | STAGE_NOTICE, "draft", "submit", "municipal_review", false},
    {STAGE_MUNICIPAL | STAGE_NOTICE, "returned", "submit", "municipal_review", false},
    {STAGE_MUNICIPAL, "draft", "submit", "municipal_review", false},
    {STAGE_DISTRICT | STAGE_MUNICIPAL, "draft", "submit", "district_review", false},
    {STAGE_DISTRICT | STAGE_MUNICIPAL, "returned", "submit", "district_review", false},
    {STAGES_ALL, "municipal_review", "municipal_approve", "public_notice", false},
    {STAGE_MUNICIPAL | STAGE_NOTICE, "municipal_review", "municipal_approve", "public_notice",
     false},
    {STAGE_DISTRICT | STAGE_MUNICIPAL, "municipal_review", "municipal_approve", "approved", true},
    {STAGE_MUNICIPAL, "municipal_review", "municipal_approve", "approved", true},
    {STAGES_ALL, "public_notice", "notice_ended", "approved", true},
};

START_TEST(stages_choose_the_row)
{
    const struct transition *t =
        workflow_find(staged[_i].from, staged[_i].action, staged[_i].stages);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->to, staged[_i].to);
    ck_assert_int_eq(t->issues, staged[_i].issues);
}
END_TEST

START_TEST(stage_names)
{
    ck_assert_str_eq(stage_name(STAGE_DISTRICT), "district");
    ck_assert_str_eq(stage_name(STAGE_MUNICIPAL), "municipal");
    ck_assert_str_eq(stage_name(STAGE_NOTICE), "notice");
    ck_assert_ptr_null(stage_name(STAGE_DISTRICT | STAGE_NOTICE));
    ck_assert_uint_eq(stage_from_name("notice"), STAGE_NOTICE);
    ck_assert_uint_eq(stage_from_name("Notice"), 0);
    /* Only approving what issues at once issues: a return never does. */
    ck_assert(!workflow_find("municipal_review", "municipal_return", STAGE_MUNICIPAL)->issues);
    /* A kind without a district stage has no district review to act in:
     * the row is there, but nothing ever reaches its status. */
    const char *acts[8];
    ck_assert_uint_eq(workflow_actions("draft", ROLE_APPLICANT, STAGE_MUNICIPAL, acts, 8), 2);
    ck_assert_str_eq(acts[0], "submit");
}
END_TEST

/* Statuses from which a submission is not a transition of the table. */
static const char *const not_submittable[] = {
    "district_review", "municipal_review", "public_notice", "approved",
    "rejected",        "withdrawn",        "revoked",
};

START_TEST(submit_refused_elsewhere)
{
    ck_assert_ptr_null(workflow_find(not_submittable[_i], "submit", STAGES_ALL));
}
END_TEST

/* RULES.md §1: withdrawal is possible until approval, never after. */
static const struct {
    const char *from;
    bool allowed;
} withdraw_cases[] = {
    {"draft", true},           {"returned", true},
    {"district_review", true}, {"municipal_review", true},
    {"public_notice", true},   {"approved", false},
    {"rejected", false},       {"withdrawn", false},
    {"revoked", false},
};

START_TEST(withdraw_until_approval)
{
    const struct transition *t = workflow_find(withdraw_cases[_i].from, "withdraw", STAGES_ALL);
    ck_assert_int_eq(t != NULL, withdraw_cases[_i].allowed);
    if (t)
        ck_assert_str_eq(t->to, "withdrawn");
}
END_TEST

START_TEST(actions_listed_per_status_and_role)
{
    const char *acts[8];
    size_t n = workflow_actions("draft", ROLE_APPLICANT, STAGES_ALL, acts, 8);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(acts[0], "submit");
    ck_assert_str_eq(acts[1], "withdraw");
    ck_assert_ptr_null(acts[2]);
    ck_assert_uint_eq(workflow_actions("approved", ROLE_APPLICANT, STAGES_ALL, acts, 8), 0);
    ck_assert_ptr_null(acts[0]);
    ck_assert_uint_eq(workflow_actions("draft", ROLE_AUDITOR, STAGES_ALL, acts, 8), 0);
    /* The output is cut to fit and stays NULL-terminated. */
    ck_assert_uint_eq(workflow_actions("draft", ~0u, STAGES_ALL, acts, 2), 1);
    ck_assert_ptr_null(acts[1]);
}
END_TEST

START_TEST(statuses_known)
{
    ck_assert(workflow_status_valid("draft"));
    ck_assert(workflow_status_valid("public_notice"));
    ck_assert(!workflow_status_valid("Draft"));
    ck_assert(!workflow_status_valid(""));
    ck_assert(!workflow_status_valid("pending"));
}
END_TEST

/* Returns and rejections need an opinion; approvals do not. */
static const char *const opinion_actions[][2] = {
    {"district_review", "district_return"},
    {"district_review", "district_reject"},
    {"municipal_review", "municipal_return"},
    {"municipal_review", "municipal_reject"},
    {"public_notice", "objection_upheld"},
    {"public_notice", "objection_dismissed"},
    {"approved", "revoke"},
};

START_TEST(guard_opinion)
{
    const struct transition *t =
        workflow_find(opinion_actions[_i][0], opinion_actions[_i][1], STAGES_ALL);
    ck_assert_ptr_nonnull(t);
    struct guard_facts f = {0};
    struct guard_result g;
    ck_assert_int_eq(workflow_check(t, &f, &g), GUARD_INVALID);
    ck_assert_str_eq(g.pointer, "/opinion");
    f.opinion = true;
    ck_assert_int_eq(workflow_check(t, &f, &g), GUARD_PASS);
}
END_TEST

START_TEST(guard_approvals)
{
    struct guard_facts f = {0};
    struct guard_result g;
    /* RULES.md §5 (P): the district stage too approves a failing
     * application only with a reason. */
    const struct transition *d = workflow_find("district_review", "district_approve", STAGES_ALL);
    f.failed_checks = "mentoring";
    ck_assert_int_eq(workflow_check(d, &f, &g), GUARD_INVALID);
    ck_assert_str_eq(g.pointer, "/override_reason");
    f.override_reason = true;
    ck_assert_int_eq(workflow_check(d, &f, &g), GUARD_PASS);
    f = (struct guard_facts){.eligible = true};
    ck_assert_int_eq(workflow_check(d, &f, &g), GUARD_PASS);
    f = (struct guard_facts){0};
    const struct transition *t = workflow_find("municipal_review", "municipal_approve", STAGES_ALL);
    f.failed_checks = "mentoring, team";
    ck_assert_int_eq(workflow_check(t, &f, &g), GUARD_INVALID);
    ck_assert_str_eq(g.pointer, "/override_reason");
    ck_assert_ptr_nonnull(strstr(g.detail, "mentoring, team"));
    f.override_reason = true;
    ck_assert_int_eq(workflow_check(t, &f, &g), GUARD_PASS);
    f = (struct guard_facts){.eligible = true};
    ck_assert_int_eq(workflow_check(t, &f, &g), GUARD_PASS);
}
END_TEST

START_TEST(guard_notice_and_ban)
{
    struct guard_facts f = {0};
    struct guard_result g;
    const struct transition *end = workflow_find("public_notice", "notice_ended", STAGES_ALL);
    ck_assert_int_eq(workflow_check(end, &f, &g), GUARD_CONFLICT);
    f.notice_over = true;
    f.open_objections = 1;
    ck_assert_int_eq(workflow_check(end, &f, &g), GUARD_CONFLICT);
    ck_assert_str_eq(g.detail, "held by an open objection");
    /* Every open objection holds it, however many there are. */
    for (int n = 2; n <= 30; n += n < 5 ? 1 : 25) {
        f.open_objections = n;
        ck_assert_int_eq(workflow_check(end, &f, &g), GUARD_CONFLICT);
        char want[64];
        snprintf(want, sizeof want, "held by %d open objections", n);
        ck_assert_str_eq(g.detail, want);
    }
    f.open_objections = 0;
    ck_assert_int_eq(workflow_check(end, &f, &g), GUARD_PASS);

    const struct transition *submit = workflow_find("draft", "submit", STAGES_ALL);
    f = (struct guard_facts){.barred_until = ""};
    ck_assert_int_eq(workflow_check(submit, &f, &g), GUARD_PASS);
    f.barred_until = "2022-10-13";
    ck_assert_int_eq(workflow_check(submit, &f, &g), GUARD_CONFLICT);
    ck_assert_ptr_nonnull(strstr(g.detail, "2022-10-13"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workflow");
    TCase *tc = tcase_create("transitions");
    tcase_add_test(tc, submit_from_draft_and_returned);
    tcase_add_loop_test(tc, stages_choose_the_row, 0, sizeof staged / sizeof staged[0]);
    tcase_add_test(tc, stage_names);
    tcase_add_loop_test(tc, submit_refused_elsewhere, 0,
                        sizeof not_submittable / sizeof not_submittable[0]);
    tcase_add_loop_test(tc, withdraw_until_approval, 0,
                        sizeof withdraw_cases / sizeof withdraw_cases[0]);
    tcase_add_test(tc, actions_listed_per_status_and_role);
    tcase_add_test(tc, statuses_known);
    tcase_add_loop_test(tc, guard_opinion, 0, sizeof opinion_actions / sizeof opinion_actions[0]);
    tcase_add_test(tc, guard_approvals);
    tcase_add_test(tc, guard_notice_and_ban);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
