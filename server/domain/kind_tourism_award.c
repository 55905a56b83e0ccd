/*
 * `tourism_award`: inbound tourism awards for travel agencies
 * (京文旅发〔2020〕190号, 北京市入境旅游奖励与扶持资金管理办法; RULES.md §4).
 *
 * The application declares the agency's standing (第二、四条), its
 * person-day totals for the award year and the year before (第五至八条,
 * annex), and optionally the groups behind them, its charter flights
 * (第九条) and a claim for the special award (第十条).
 */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "kind_tourism_award.h"
#include "kinds.h"
#include "money.h"
#include "ranking.h"
#include "uscc.h"

#define MAX_COUNT 1000000
/* Person-days of a large agency run into the millions (tourists × days), so
 * they get more room than plain counts. */
#define MAX_PERSON_DAYS 1000000000

static const char *const penalty_values[] = {TOURISM_PENALTIES(SPEC_ENUM_TEXT) NULL};
static const char *const group_type_values[] = {TOURISM_GROUP_TYPES(SPEC_ENUM_TEXT) NULL};

#define DATA(m)    SPEC_TO(struct tourism_award_data, m)
#define LIST(m)    SPEC_TO_ARRAY(struct tourism_award_data, m, n_##m)
#define GROUP(m)   SPEC_TO(struct tourism_group, m)
#define CHARTER(m) SPEC_TO(struct charter_flight, m)

static const struct field_spec group_fields[] = {
    {
        .name = "type",
        .type = SPEC_ENUM,
        .to = GROUP(type),
        .required = true,
        .enum_values = group_type_values,
        .title_zh = "团队类型",
        .title_en = "Group type",
        .help = "organised: 自组外联, a group the agency organised itself (counts for "
                "outbound and reception); commissioned: 接受其他旅行社委托接待 (counts for "
                "reception only).",
        .help_zh = "自组外联：本社自组外联的团队，计入外联和接待人天数；接受委托接待："
                   "接受其他旅行社委托接待的团队，仅计入接待人天数。",
    },
    {
        .name = "tourists",
        .type = SPEC_INT,
        .to = GROUP(tourists),
        .required = true,
        .min = 1,
        .max = MAX_COUNT,
        .title_zh = "游客人数",
        .title_en = "Tourists",
        .help = "Number of inbound tourists in the group.",
        .help_zh = "本团队入境游客人数。",
    },
    {
        .name = "start_on",
        .type = SPEC_DATE,
        .to = GROUP(start_on),
        .required = true,
        .title_zh = "入境（接待开始）日期",
        .title_en = "Entry (start of reception) date",
        .help = "The day the group entered, or the agency's reception began.",
        .help_zh = "游客入境日期，或本社开始接待的日期。",
    },
    {
        .name = "end_on",
        .type = SPEC_DATE,
        .to = GROUP(end_on),
        .required = true,
        .title_zh = "离境（接待离开）日期",
        .title_en = "Exit (end of reception) date",
        .help = "The day the group left; days per tourist = end − start + 1.",
        .help_zh = "游客离境日期或接待离开日期；每名游客天数＝（离境日期－入境日期）＋1。",
    },
    {0},
};

static const struct field_spec group_item = {
    .type = SPEC_OBJECT,
    .fields = group_fields,
    .title_zh = "旅游团队",
    .title_en = "Group",
};

static const struct field_spec charter_fields[] = {
    {
        .name = "flight",
        .type = SPEC_STRING,
        .to = CHARTER(flight),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "包机航班",
        .title_en = "Flight",
        .help = "Flight number and carrier of the charter.",
        .help_zh = "包机的航班号及承运航空公司。",
    },
    {
        .name = "tourists",
        .type = SPEC_INT,
        .to = CHARTER(tourists),
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "境外旅游者人数",
        .title_en = "Foreign tourists",
        .help = "Foreign tourists on board; a charter earns an award with 60 or more.",
        .help_zh = "包机所载境外旅游者人数；不少于60名方可奖励。",
    },
    {
        .name = "scheduled_route",
        .type = SPEC_BOOL,
        .to = CHARTER(scheduled_route),
        .required = true,
        .title_zh = "固定航线",
        .title_en = "Scheduled route",
        .help = "True when the flight flew a scheduled route; only non-scheduled routes "
                "earn an award.",
        .help_zh = "该包机为固定航线航班的请勾选；仅乘非固定航线的包机可获奖励。",
    },
    {
        .name = "arrived_on",
        .type = SPEC_DATE,
        .to = CHARTER(arrived_on),
        .required = true,
        .title_zh = "抵京日期",
        .title_en = "Arrival in Beijing",
        .help = "The day the charter arrived in Beijing.",
        .help_zh = "包机入境抵京的日期。",
    },
    {
        .name = "nights_in_beijing",
        .type = SPEC_INT,
        .to = CHARTER(nights_in_beijing),
        .required = true,
        .min = 0,
        .max = 366,
        .title_zh = "在京过夜数",
        .title_en = "Nights in Beijing",
        .help = "Nights the tourists stayed in Beijing; 2 or more is needed.",
        .help_zh = "旅游者在京过夜数；须两晚（含）以上。",
    },
    {0},
};

static const struct field_spec charter_item = {
    .type = SPEC_OBJECT,
    .fields = charter_fields,
    .title_zh = "入境包机",
    .title_en = "Charter flight",
};

#define PERSON_DAYS(member, zh, en, text, text_zh)                                                 \
    {                                                                                              \
        .name = #member, .type = SPEC_INT, .to = DATA(member), .required = true, .min = 0,         \
        .max = MAX_PERSON_DAYS, .title_zh = zh, .title_en = en, .help = text, .help_zh = text_zh,  \
    }

static const struct field_spec tourism_award_fields[] = {
    {
        .name = "inbound_business",
        .type = SPEC_BOOL,
        .to = DATA(inbound_business),
        .required = true,
        .title_zh = "经营入境旅游业务",
        .title_en = "Inbound tourism business",
        .help = "The agency is licensed for and runs an inbound tourism business.",
        .help_zh = "本社具备入境旅游业务经营资质并实际开展入境旅游业务。",
    },
    {
        .name = "penalty",
        .type = SPEC_ENUM,
        .to = DATA(penalty),
        .required = true,
        .enum_values = penalty_values,
        .title_zh = "行政处罚",
        .title_en = "Administrative penalty",
        .help = "The heaviest penalty from the culture and tourism authorities since the "
                "start of the award year: none, warning, fine, or heavier (罚款以上, which "
                "excludes the agency).",
        .help_zh = "自申报年度以来受到文化和旅游行政管理部门的最重行政处罚：无、警告、罚款，"
                   "或罚款以上（不含罚款）；受罚款以上处罚的不得申报。",
    },
    {
        .name = "major_accident",
        .type = SPEC_BOOL,
        .to = DATA(major_accident),
        .required = true,
        .title_zh = "重大安全责任事故",
        .title_en = "Major safety accident",
        .help = "True when the agency was responsible for a major safety accident since the "
                "start of the award year.",
        .help_zh = "自申报年度以来本社发生重大安全责任事故的请勾选。",
    },
    {
        .name = "major_incident",
        .type = SPEC_BOOL,
        .to = DATA(major_incident),
        .required = true,
        .title_zh = "重大群体访事件或重大旅游投诉",
        .title_en = "Major group incident or complaint",
        .help = "True when there was a major group incident or a major tourist complaint "
                "since the start of the award year.",
        .help_zh = "自申报年度以来发生重大群体访事件或重大旅游投诉的请勾选。",
    },
    PERSON_DAYS(outbound_person_days, "入境外联人天数", "Outbound-organised person-days",
                "Person-days of the inbound tourists the agency organised itself in the award "
                "year: days (exit − entry + 1) × tourists, summed.",
                "申报年度本社自组外联的入境游客人天数：每名游客天数（离境日期－入境日期＋1）"
                "乘以游客人数，逐团累加。"),
    PERSON_DAYS(outbound_person_days_prev, "上年度入境外联人天数",
                "Outbound-organised person-days, previous year",
                "The same figure for the year before the award year.",
                "申报年度前一年的入境外联人天数，用于计算增幅。"),
    PERSON_DAYS(reception_person_days, "入境接待人天数", "Reception person-days",
                "Person-days of every inbound tourist the agency received in the award year, "
                "its own organised groups included.",
                "申报年度本社实际接待的全部入境游客人天数，"
                "含自组外联和接受其他旅行社委托接待的团队。"),
    PERSON_DAYS(reception_person_days_prev, "上年度入境接待人天数",
                "Reception person-days, previous year",
                "The same figure for the year before the award year.",
                "申报年度前一年的入境接待人天数，用于计算增幅。"),
    {
        .name = "groups",
        .type = SPEC_ARRAY,
        .to = LIST(groups),
        .min = 0,
        .max = 20000,
        .items = &group_item,
        .title_zh = "旅游团队",
        .title_en = "Groups",
        .help = "Optional: the groups behind the totals.",
        .help_zh = "选填：构成上述人天数的旅游团队明细。",
    },
    {
        .name = "charters",
        .type = SPEC_ARRAY,
        .to = LIST(charters),
        .min = 0,
        .max = 1000,
        .items = &charter_item,
        .title_zh = "入境包机",
        .title_en = "Charter flights",
        .help = "Optional: charter flights of the award year for the charter award.",
        .help_zh = "选填：申报年度内的入境包机，用于申请入境包机奖励。",
    },
    {
        .name = "special_award_claim",
        .type = SPEC_TEXT,
        .to = DATA(special_award_claim),
        .min = 1,
        .max = 2000,
        .title_zh = "入境旅游特别奖申请",
        .title_en = "Special award claim",
        .help = "Optional: the agency's important contribution to Beijing's inbound tourism "
                "in the award year, for the special award.",
        .help_zh = "选填：申报年度内本社为北京入境旅游市场健康发展作出的重要贡献，"
                   "用于申请入境旅游特别奖。",
    },
    {0},
};

/* Adds `add` to *sum, holding the sum at MAX_PERSON_DAYS + 1 once it passes
 * the most a declared figure may be: beyond that the exact figure no longer
 * matters (no declaration can equal it) and int64_t stays far from its end. */
static void add_saturating(int64_t *sum, int64_t add)
{
    if (add > MAX_PERSON_DAYS || *sum + add > MAX_PERSON_DAYS)
        *sum = MAX_PERSON_DAYS + 1;
    else
        *sum += add;
}

/* Compares a declared total (of member `member`) with the one the listed
 * groups add up to. */
static void check_total(const char *member, int64_t declared, int64_t computed,
                        struct spec_errors *errs)
{
    char ptr[SPEC_POINTER_LEN], computed_s[32], declared_s[32];

    if (declared == computed)
        return;
    spec_pointer_join(ptr, sizeof ptr, "/data", member);
    person_days_format(declared, declared_s, sizeof declared_s);
    if (computed > MAX_PERSON_DAYS) {
        person_days_format(MAX_PERSON_DAYS, computed_s, sizeof computed_s);
        spec_errors_add(errs, ptr,
                        "the listed groups add up to more than %s person-days; the declared "
                        "figure is %s",
                        computed_s, declared_s);
        return;
    }
    person_days_format(computed, computed_s, sizeof computed_s);
    spec_errors_add(errs, ptr,
                    "the listed groups add up to %s person-days; the declared figure is %s",
                    computed_s, declared_s);
}

/*
 * When the application lists its groups, they must add up to the declared
 * totals of the award year (annex): a tourist's days are (end − start) + 1,
 * so a group that leaves the day it came counts one day; person-days are
 * days × tourists, summed.  Outbound (外联) counts the agency's own organised
 * groups; reception (接待) counts every group it received, organised and
 * commissioned alike.
 *
 * A group belongs to the year in which it ends, so every listed group must
 * end in the award year (奖励年度以自然年度划分, 第三条).  Last year's
 * figures are not checked: last year's groups are not listed.  An empty
 * list lists nothing and checks nothing, as when `groups` is left out.
 *
 * The totals are compared only when every group is sound: a group with
 * impossible dates, or of another year, would make the sums say nothing
 * useful, and its own error is what the applicant must fix first.
 */
static void tourism_award_check_consistency(const void *data, int round, struct spec_errors *errs)
{
    const struct tourism_award_data *d = data;
    char base[SPEC_POINTER_LEN], ptr[SPEC_POINTER_LEN];
    size_t n = d->n_groups, before = spec_errors_total(errs);
    int64_t outbound = 0, reception = 0;

    for (size_t i = 0; i < n; i++) {
        const struct tourism_group *g = &d->groups[i];
        int64_t tourists = g->tourists;
        sb_day start = g->start_on, end = g->end_on;
        int year, month, mday;

        spec_pointer_index(base, sizeof base, "/data/groups", i);
        spec_pointer_join(ptr, sizeof ptr, base, "end_on");
        if (end < start) {
            spec_errors_add(errs, ptr, "must not be before start_on");
            continue;
        }
        date_to_ymd(end, &year, &month, &mday);
        if (round != 0 && year != round) {
            spec_errors_add(errs, ptr,
                            "must fall in the award year %d: a group counts in the year it ends",
                            round);
            continue;
        }
        /* Dates span at most 1900-9999 and tourists at most MAX_COUNT, so
         * the product stays below 10^13. */
        int64_t person_days = ((int64_t)end - start + 1) * tourists;
        if (g->type == GROUP_ORGANISED)
            add_saturating(&outbound, person_days);
        add_saturating(&reception, person_days);
    }
    if (n == 0 || spec_errors_total(errs) != before)
        return;
    check_total("outbound_person_days", d->outbound_person_days, outbound, errs);
    check_total("reception_person_days", d->reception_person_days, reception, errs);
}

/* The division code of a USCC (characters 3-8) for a detail, or "?" when
 * the code cannot be read. */
static void uscc_division(const char *uscc, char out[7])
{
    if (uscc && strlen(uscc) == USCC_LEN) {
        memcpy(out, uscc + 2, 6);
        out[6] = '\0';
    } else {
        memcpy(out, "?", 2);
    }
}

/* 第二、四条: a Beijing travel agency with an inbound business, clean since
 * the start of the award year (自申报年度以来). */
static void tourism_award_eligibility(const struct rule_input *in, struct eligibility *out)
{
    const struct tourism_award_data *d = in->data;
    const char *penalty = penalty_values[d->penalty];
    bool beijing =
        in->applicant_uscc && uscc_valid(in->applicant_uscc) && uscc_in_beijing(in->applicant_uscc);
    char division[7];

    uscc_division(in->applicant_uscc, division);
    if (beijing) {
        eligibility_add(out, "registered_in_beijing", true,
                        "Registered in Beijing (division code %s).", division);
        eligibility_zh(out, "在北京市行政区域内注册（行政区划码%s）。", division);
    } else {
        eligibility_add(out, "registered_in_beijing", false,
                        "Registered outside Beijing (division code %s); the award is for travel "
                        "agencies registered in Beijing, whose codes start with 11.",
                        division);
        eligibility_zh(out,
                       "注册地不在北京市（行政区划码%s）；申报主体须为在北京市行政区域内注册的"
                       "旅行社，行政区划码以11开头。",
                       division);
    }

    if (d->inbound_business) {
        eligibility_add(out, "inbound_business", true, "Runs an inbound tourism business.");
        eligibility_zh(out, "经营入境旅游业务。");
    } else {
        eligibility_add(out, "inbound_business", false,
                        "Declares no inbound tourism business; the award is for agencies that "
                        "run one.");
        eligibility_zh(out, "未申报经营入境旅游业务；申报主体须为经营入境旅游业务的旅行社。");
    }

    /* 罚款以上(不含): a fine itself is still allowed, only heavier penalties
     * (suspension, licence revocation, …) exclude. */
    if (d->penalty == PENALTY_NONE) {
        eligibility_add(out, "no_heavier_penalty", true,
                        "No administrative penalty since the start of %d.", in->round);
        eligibility_zh(out, "自申报年度（%d年）以来未受到文化和旅游行政管理部门行政处罚。",
                       in->round);
    } else if (d->penalty == PENALTY_WARNING || d->penalty == PENALTY_FINE) {
        eligibility_add(out, "no_heavier_penalty", true,
                        "A %s since the start of %d; only a penalty heavier than a fine excludes "
                        "an agency.",
                        penalty, in->round);
        eligibility_zh(out,
                       "自申报年度（%d年）以来受到%s处罚，未受到罚款以上（不含）行政处罚，符合"
                       "申报条件。",
                       in->round, d->penalty == PENALTY_WARNING ? "警告" : "罚款");
    } else {
        eligibility_add(out, "no_heavier_penalty", false,
                        "An administrative penalty heavier than a fine since the start of %d "
                        "excludes the agency.",
                        in->round);
        eligibility_zh(out, "自申报年度（%d年）以来受到罚款以上（不含）行政处罚，不符合申报条件。",
                       in->round);
    }

    if (d->major_accident) {
        eligibility_add(out, "no_major_accident", false,
                        "Responsible for a major safety accident since the start of %d.",
                        in->round);
        eligibility_zh(out, "自申报年度（%d年）以来发生重大安全责任事故，不符合申报条件。",
                       in->round);
    } else {
        eligibility_add(out, "no_major_accident", true,
                        "No major safety accident since the start of %d.", in->round);
        eligibility_zh(out, "自申报年度（%d年）以来无重大安全责任事故。", in->round);
    }

    if (d->major_incident) {
        eligibility_add(out, "no_major_incident", false,
                        "A major group incident or major tourist complaint since the start of "
                        "%d.",
                        in->round);
        eligibility_zh(out,
                       "自申报年度（%d年）以来发生重大群体访事件或重大旅游投诉，不符合申报条件。",
                       in->round);
    } else {
        eligibility_add(out, "no_major_incident", true,
                        "No major group incident or major tourist complaint since the start of "
                        "%d.",
                        in->round);
        eligibility_zh(out, "自申报年度（%d年）以来无重大群体访事件和重大旅游投诉。", in->round);
    }
}

/* The award items a ranking may give, as static strings: the award must not
 * point into the caller's ranked items, which it may outlive. */
static const char *const ranked_item_names[] = {"outbound", "outbound_growth", "reception",
                                                "reception_growth", NULL};

static const char *ranked_item_name(const char *name)
{
    for (size_t i = 0; name && ranked_item_names[i]; i++)
        if (strcmp(name, ranked_item_names[i]) == 0)
            return ranked_item_names[i];
    return NULL;
}

/* A charter earns the award (第九条) when it arrived in the award year
 * (申报年度内) with 60 or more tourists (不少于60名) on a non-scheduled
 * route (非固定航线) and they stayed 2 nights or more in Beijing
 * (两晚(含)以上). */
static bool charter_qualifies(const struct charter_flight *c, int round)
{
    int year, month, mday;

    date_to_ymd(c->arrived_on, &year, &month, &mday);
    return c->tourists >= 60 && !c->scheduled_route && c->nights_in_beijing >= 2 &&
           (round == 0 || year == round);
}

/*
 * The ranked items come from the year's ranking once the authority has
 * computed it (第十二条); until then the application has none.  Charters earn
 * 2万 each; once the authority has said how many it funds (择优认定 within
 * its budget), no more than that.  The special award (第十条) is the
 * authority's grant, not the applicant's claim.
 */
static void tourism_award_award(const struct rule_input *in, struct award *out)
{
    const struct tourism_award_data *d = in->data;
    int64_t charter_fen = 2 * (int64_t)FEN_PER_WAN, special_fen = 10 * (int64_t)FEN_PER_WAN;
    int qualifying = 0, funded;
    char each[48];

    out->basis = in->ranked ? "ranked" : "as_applied";

    for (size_t i = 0; in->ranked && i < in->n_ranked_items; i++) {
        const struct award_item *it = &in->ranked_items[i];
        const char *name = ranked_item_name(it->item);
        size_t before = out->n;

        if (!name || it->amount_fen <= 0)
            continue;
        award_add(out, name, it->amount_fen, it->rank, 0, "%s", it->detail);
        /* Only onto the item just added: a full award adds nothing. */
        if (it->detail_zh[0] && out->n > before)
            award_zh(out, "%s", it->detail_zh);
    }

    for (size_t i = 0; i < d->n_charters; i++)
        qualifying += charter_qualifies(&d->charters[i], in->round);
    funded = qualifying;
    if (in->funded_charters >= 0 && in->funded_charters < qualifying)
        funded = in->funded_charters;
    money_format(charter_fen, each, sizeof each);
    if (funded > 0 && funded < qualifying) {
        award_add(out, "charter", funded * charter_fen, 0, funded,
                  "%d of %d qualifying charter flights funded by the authority, %s each", funded,
                  qualifying, each);
        award_zh(out,
                 "符合条件的入境包机%d架次，经市文化和旅游局择优认定奖励%d架次，每架次%lld万元。",
                 qualifying, funded, (long long)(charter_fen / FEN_PER_WAN));
    } else if (funded > 0) {
        award_add(out, "charter", funded * charter_fen, 0, funded,
                  "%d charter flight%s of 60 or more tourists on a non-scheduled route, 2 or more "
                  "nights in Beijing, %s each",
                  funded, funded == 1 ? "" : "s", each);
        award_zh(out,
                 "入境包机%d架次，每架次均组织不少于60名境外旅游者乘非固定航线包机入境抵京，且"
                 "在京过夜两晚（含）以上，每架次奖励%lld万元。",
                 funded, (long long)(charter_fen / FEN_PER_WAN));
    }

    if (in->special_award) {
        award_add(out, "special_award", special_fen, 0, 0,
                  "入境旅游特别奖, granted by the authority");
        award_zh(out, "入境旅游特别奖，经市文化和旅游局认定，奖励%lld万元。",
                 (long long)(special_fen / FEN_PER_WAN));
    }
}

bool tourism_special_award_available(int granted)
{
    return granted < TOURISM_SPECIAL_AWARDS_PER_YEAR;
}

/* 京文旅发〔2020〕190号 第九、十、十二条. */
static const struct field_spec tourism_award_municipal_records[] = {
    {.name = "audit",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_audit_fields,
     .title_zh = "会计师事务所审核",
     .title_en = "Accounting firm audit"},
    {.name = "expert_panel",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_finding_fields,
     .title_zh = "专家评审组评审",
     .title_en = "Expert panel review"},
    {.name = "funded_charters",
     .type = SPEC_INT,
     .min = 0,
     .max = 1000,
     .title_zh = "予以奖励的包机架次",
     .title_en = "Charters funded",
     .help = "how many of the qualifying charters the budget funds (第九条)",
     .help_zh = "在预算内予以奖励的符合条件包机架次（第九条）。"},
    {.name = "special_award",
     .type = SPEC_BOOL,
     .title_zh = "特别奖励",
     .title_en = "Special award",
     .help = "at most 5 agencies a year (第十条)",
     .help_zh = "每年最多 5 家（第十条）。"},
    {.name = NULL},
};

/* 京文旅发〔2020〕190号 第十三条. */
static const char *const tourism_award_revocation_grounds[] = {
    "other", "zero_or_negative_fee_tours", "falsified_statistics", "serious_violation", NULL,
};

/* 第十三条: each of its grounds also takes away the right to apply (取消
 * 申报资格): the agency's pending applications are rejected with it. */
static const char *const tourism_award_rejecting_grounds[] = {
    "zero_or_negative_fee_tours",
    "falsified_statistics",
    "serious_violation",
    NULL,
};

/* 第九、十条: the charters the budget funds and the special award. */
static void tourism_award_fix_figures(const json_t *review, json_t *facts)
{
    json_t *charters = json_object_get(review, "funded_charters");
    json_t *special = json_object_get(review, "special_award");
    if (charters)
        json_object_set(facts, "funded_charters", charters);
    if (special)
        json_object_set(facts, "special_award", special);
}

/* 第十二条: the year's ranking fixes the ranked amounts, so it comes before
 * any approval; 第十条: at most 5 special awards a year. */
static int tourism_award_before_approval(const struct approval_query *q, const json_t *review,
                                         char *why, size_t cap)
{
    int computed = q->ranking_computed(q->ctx);
    if (computed < 0)
        return -1;
    if (computed == 0) {
        kind_why(q, why, cap,
                 "the %d ranking has not been computed; compute it first "
                 "(POST /v1/rounds/tourism_award/%d/ranking)",
                 q->round, q->round);
        return 1;
    }
    /* RULES.md §5: the ranking is final; one that did not take this
     * application into account cannot award it 0 in silence. */
    int in = q->in_ranking(q->ctx);
    if (in < 0)
        return -1;
    if (in == 0) {
        kind_why(q, why, cap,
                 "the ranking of %d is fixed and this application is not in it: it came to "
                 "the municipal stage after the ranking was computed",
                 q->round);
        return 1;
    }
    if (json_is_true(json_object_get(review, "special_award"))) {
        int granted = q->count_granted(q->ctx, "special_award");
        if (granted < 0)
            return -1;
        if (!tourism_special_award_available(granted)) {
            kind_why(q, why, cap, "%d special awards were already granted in %d; at most %d a year",
                     granted, q->round, TOURISM_SPECIAL_AWARDS_PER_YEAR);
            return 1;
        }
    }
    return 0;
}

/* RULES.md §5: once the year's ranking is fixed, no application of that
 * year joins it. */
static int tourism_award_before_submit(const struct approval_query *q, char *why, size_t cap)
{
    int computed = q->ranking_computed(q->ctx);
    if (computed <= 0)
        return computed;
    int in = q->in_ranking(q->ctx);
    if (in != 0)
        return in < 0 ? -1 : 0;
    kind_why(q, why, cap,
             "the ranking of %d is fixed: an application of that year not in it can no longer "
             "be submitted",
             q->round);
    return 1;
}

static void tourism_award_figures(const void *data, struct ranking_entry *e)
{
    const struct tourism_award_data *d = data;
    e->outbound = d->outbound_person_days;
    e->outbound_prev = d->outbound_person_days_prev;
    e->reception = d->reception_person_days;
    e->reception_prev = d->reception_person_days_prev;
}

static const struct kind_ranking tourism_award_ranking = {.figures = tourism_award_figures};

/* 第十一条: what an application brings (RULES.md §6). */
static bool lists_charters(const void *data)
{
    return ((const struct tourism_award_data *)data)->n_charters > 0;
}

static bool claims_special_award(const void *data)
{
    return ((const struct tourism_award_data *)data)->special_award_claim != NULL;
}

static const struct material_type tourism_award_materials[] = {
    {"written_application", "书面申请(加盖单位公章)", "Written application (with the seal)",
     MATERIAL_REQUIRED},
    {"annual_financials", "旅行社年度财务报表", "Annual financial statements", MATERIAL_REQUIRED},
    {"statistics_report", "年度综合指标统计报表及电子行程单凭证",
     "Annual statistics report and the electronic itinerary records", MATERIAL_REQUIRED},
    {"charter_evidence", "入境包机材料(行程单凭证、游客名单、航班、酒店入住、财务结算单、包机协议)",
     "Charter evidence (itineraries, passenger lists, flights, hotels, settlements, charter "
     "agreement)",
     MATERIAL_CONDITIONAL, lists_charters, "data.charters lists a charter", "申报入境包机奖时"},
    {"special_award_evidence", "特别奖书面申请和证明材料",
     "Written request and evidence for the special award", MATERIAL_CONDITIONAL,
     claims_special_award, "data.special_award_claim is given", "申请入境旅游特别奖时"},
    {"other", "其他材料", "Other documents", MATERIAL_OPTIONAL},
    {NULL},
};

const struct kind kind_tourism_award = {
    .name = "tourism_award",
    .authority = "culture_tourism",
    .title_zh = "北京市入境旅游奖励与扶持资金",
    .title_en = "Inbound tourism awards for travel agencies",
    .source = "京文旅发〔2020〕190号",
    /* 第十一条 asks for a 书面申请 with the seal; 第十三条 says what the
     * applicant answers for. */
    .declaration_zh =
        "本单位郑重承诺：\n"
        "一、所报入境旅游统计数据及相关财务数据真实、准确，不存在弄虚作假，虚报、瞒报的情形；\n"
        "二、不以“零团费”“负团费”或“不正当低价”运作入境旅游业务，不扰乱旅游市场正常秩序；\n"
        "三、配合北京市文化和旅游局委托的会计师事务所审核和专家评审组评审；\n"
        "四、知悉存在第十三条所列情形的，将取消入境旅游奖励与扶持资金申报资格，已拨付的资金交回北京市"
        "文化和旅游局；涉嫌犯罪的，移送司法机关依法处理。",
    .declaration_en =
        "We solemnly declare:\n"
        "1. The inbound tourism figures and financial data reported are true and accurate; "
        "nothing is falsified, inflated or withheld;\n"
        "2. We do not run inbound tours at zero or negative fees or at improper low prices, "
        "and do not disturb the order of the tourism market;\n"
        "3. We will cooperate with the audit by the accounting firm the Bureau appoints and "
        "with its panel of experts;\n"
        "4. We know that in any case of art. 13 we lose the right to apply, the funds paid are "
        "returned to the Bureau, and a suspected crime is referred to the judicial authorities.",
    .declaration_version = "京文旅发〔2020〕190号-1",
    /* 第三条: awards are for a calendar year, applied for the year after. */
    .round_is_award_year = true,
    .data_fields = tourism_award_fields,
    .data_size = sizeof(struct tourism_award_data),
    .enterprise_units = false,
    .check_consistency = tourism_award_check_consistency,
    .eligibility = tourism_award_eligibility,
    .award = tourism_award_award,
    .issued_zh = "入境旅游奖励决定",
    .issued_en = "Inbound tourism award decision",
    .decides_zh = "奖励",
    .decides_en = "award",
    .amount_zh = "奖励金额",
    .amount_en = "award",
    .valid_years = 0,
    /* 第十一、十二条: applications go to 市文旅局 (no district stage); the
     * audit, the expert panel and the ranking; 190号 has no notice. */
    .stages = STAGE_MUNICIPAL,
    .municipal_records = tourism_award_municipal_records,
    .fix_figures = tourism_award_fix_figures,
    .before_approval = tourism_award_before_approval,
    .before_submit = tourism_award_before_submit,
    .ranking = &tourism_award_ranking,
    .revocation_grounds = tourism_award_revocation_grounds,
    .materials = tourism_award_materials,
    .rejecting_grounds = tourism_award_rejecting_grounds,
};
