/*
 * A kind that lives only in the test tree: a toy "street lamp repair
 * grant".  It shows what adding a kind takes — this one file with its data
 * struct, field table, rules and one row (struct kind), registered with
 * kind_register() — and nothing else of the server changes.
 */
#include "toy_kind.h"

#include <stdio.h>

#include "kinds.h"

struct toy_data {
    const char *street;
    int64_t lamps;         /* lamps to repair */
    int64_t cost_fen;      /* what the repair costs */
    bool council_approved; /* the neighbourhood council agreed */
};

static const struct field_spec toy_fields[] = {
    {.name = "street",
     .type = SPEC_STRING,
     .required = true,
     .min = 1,
     .max = 100,
     .title_zh = "街道",
     .title_en = "Street",
     .to = SPEC_TO(struct toy_data, street)},
    {.name = "lamps",
     .type = SPEC_INT,
     .required = true,
     .min = 1,
     .max = 1000,
     .title_zh = "路灯数",
     .title_en = "Lamps",
     .to = SPEC_TO(struct toy_data, lamps)},
    {.name = "cost_fen",
     .type = SPEC_FEN,
     .required = true,
     .min = 0,
     .max = 100000000,
     .title_zh = "维修费用（分）",
     .title_en = "Cost (fen)",
     .to = SPEC_TO(struct toy_data, cost_fen)},
    {.name = "council_approved",
     .type = SPEC_BOOL,
     .required = true,
     .title_zh = "居委会同意",
     .title_en = "Council approved",
     .to = SPEC_TO(struct toy_data, council_approved)},
    {.name = NULL},
};

/* At least three lamps, and the council's agreement. */
static void toy_eligibility(const struct rule_input *in, struct eligibility *out)
{
    const struct toy_data *d = in->data;
    eligibility_add(out, "enough_lamps", d->lamps >= 3, "%lld lamps; at least 3",
                    (long long)d->lamps);
    eligibility_add(out, "council", d->council_approved, "the council %s",
                    d->council_approved ? "agreed" : "did not agree");
}

/* Half the cost, at most 100 yuan a lamp; on the audited cost once the
 * municipal stage fixed it. */
static void toy_award(const struct rule_input *in, struct award *out)
{
    const struct toy_data *d = in->data;
    int64_t cost =
        in->audited_fen >= 0 && in->audited_fen < d->cost_fen ? in->audited_fen : d->cost_fen;
    int64_t cap = d->lamps * 100000, half = cost / 2;
    out->basis = in->audited_fen >= 0 ? "audited" : "as_applied";
    award_add(out, "repair", half < cap ? half : cap, 0, (int)d->lamps, "half of %lld fen",
              (long long)cost);
}

static void toy_fix_figures(const json_t *review, json_t *facts)
{
    json_t *audited = json_object_get(review, "audited_cost_fen");
    if (audited)
        json_object_set(facts, "audited_fen", audited);
}

static const struct field_spec toy_municipal_records[] = {
    {.name = "inspection",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_finding_fields,
     .title_zh = "现场查看",
     .title_en = "Inspection"},
    {.name = "audited_cost_fen",
     .type = SPEC_FEN,
     .required = true,
     .min = 0,
     .max = 100000000,
     .title_zh = "审定费用（分）",
     .title_en = "Audited cost (fen)"},
    {.name = NULL},
};

static const char *const toy_revocation_grounds[] = {"other", "lamps_not_repaired", NULL};

const struct kind kind_toy = {
    .name = "toy_lamps",
    .authority = "science_tech",
    .title_zh = "路灯维修补助（测试）",
    .title_en = "Street lamp repair grant (test)",
    .data_fields = toy_fields,
    .data_size = sizeof(struct toy_data),
    .eligibility = toy_eligibility,
    .award = toy_award,
    .issued_zh = "路灯维修补助决定",
    .issued_en = "Street lamp repair grant decision",
    .stages = STAGE_MUNICIPAL,
    .municipal_records = toy_municipal_records,
    .fix_figures = toy_fix_figures,
    .revocation_grounds = toy_revocation_grounds,
};
