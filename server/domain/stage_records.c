/*
 * What each kind's municipal stage must record before it approves
 * (CONTRACT.md, "Stage records"): declared as field tables, so a review body
 * is validated, and its schema described, like everything else.
 */
#include "kinds.h"

/* An expert review, an on-site inspection, an expert panel: when, whether it
 * passed, what it found. */
static const struct field_spec finding_fields[] = {
    {.name = "date", .type = SPEC_DATE, .required = true, .title_zh = "日期", .title_en = "Date"},
    {.name = "passed",
     .type = SPEC_BOOL,
     .required = true,
     .title_zh = "是否通过",
     .title_en = "Passed"},
    {.name = "summary",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 4000,
     .title_zh = "意见摘要",
     .title_en = "Summary"},
    {.name = NULL},
};

/* An accounting firm's audit (会计师事务所审核). */
static const struct field_spec audit_fields[] = {
    {.name = "firm",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 200,
     .title_zh = "会计师事务所",
     .title_en = "Accounting firm"},
    {.name = "date", .type = SPEC_DATE, .required = true, .title_zh = "日期", .title_en = "Date"},
    {.name = "passed",
     .type = SPEC_BOOL,
     .required = true,
     .title_zh = "是否通过",
     .title_en = "Passed"},
    {.name = "summary",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 4000,
     .title_zh = "审核意见",
     .title_en = "Summary"},
    {.name = NULL},
};

/* 京科发〔2020〕13号 第八条: expert review and on-site inspection. */
const struct field_spec incubator_municipal_records[] = {
    {.name = "expert_review",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = finding_fields,
     .title_zh = "专家评审",
     .title_en = "Expert review"},
    {.name = "site_inspection",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = finding_fields,
     .title_zh = "实地核查",
     .title_en = "On-site inspection"},
    {.name = NULL},
};

/* 京商消促字〔2020〕48号: the amount is computed from the audited investment. */
const struct field_spec first_store_municipal_records[] = {
    {.name = "audited_amount_fen",
     .type = SPEC_FEN,
     .required = true,
     .min = 0,
     .max = 100000000000000,
     .title_zh = "审定投资额（分）",
     .title_en = "Audited investment (fen)",
     .help = "the audited rent and decoration (or licence fee, or event cost) the amount is "
             "computed from"},
    {.name = NULL},
};

/* 京文旅发〔2020〕190号 第九、十、十二条. */
const struct field_spec tourism_award_municipal_records[] = {
    {.name = "audit",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = audit_fields,
     .title_zh = "会计师事务所审核",
     .title_en = "Accounting firm audit"},
    {.name = "expert_panel",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = finding_fields,
     .title_zh = "专家评审组评审",
     .title_en = "Expert panel review"},
    {.name = "funded_charters",
     .type = SPEC_INT,
     .min = 0,
     .max = 1000,
     .title_zh = "予以奖励的包机架次",
     .title_en = "Charters funded",
     .help = "how many of the qualifying charters the budget funds (第九条)"},
    {.name = "special_award",
     .type = SPEC_BOOL,
     .title_zh = "特别奖励",
     .title_en = "Special award",
     .help = "at most 5 agencies a year (第十条)"},
    {.name = NULL},
};

/* Grounds of revocation.  京科发〔2020〕13号 第十一至十三条: a major change
 * that no longer meets the conditions, 2 missed annual reports, and the four
 * grounds of 第十三条, which also bar a new application for 2 years. */
const char *const incubator_revocation_grounds[] = {
    "other",
    "condition_change",
    "missed_annual_reports",
    "fraud",
    "unreported_change",
    "false_advertising_or_illegal_operation",
    "terminated",
    NULL,
};
const char *const incubator_banning_grounds[] = {
    "fraud", "unreported_change", "false_advertising_or_illegal_operation", "terminated", NULL,
};

/* 京商消促字〔2020〕48号 四: a store closed within its first year refunds. */
const char *const first_store_revocation_grounds[] = {
    "other",
    "closed_within_year",
    "fraud",
    NULL,
};

/* 京文旅发〔2020〕190号 第十三条. */
const char *const tourism_award_revocation_grounds[] = {
    "other", "zero_or_negative_fee_tours", "falsified_statistics", "serious_violation", NULL,
};
