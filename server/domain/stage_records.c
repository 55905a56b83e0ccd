/*
 * The shapes of what review stages record (CONTRACT.md, "Stage records"),
 * shared by the kinds' own tables of what their stages must carry:
 * declared as field tables, so a review body is validated, and its schema
 * described, like everything else.
 */
#include "kinds.h"

/* An expert review, an on-site inspection, an expert panel: when, whether it
 * passed, what it found. */
const struct field_spec stage_finding_fields[] = {
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
const struct field_spec stage_audit_fields[] = {
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
