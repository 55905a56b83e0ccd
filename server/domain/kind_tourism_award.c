/*
 * `tourism_award`: inbound tourism awards for travel agencies
 * (京文旅发〔2020〕190号, 北京市入境旅游奖励与扶持资金管理办法; RULES.md §4).
 *
 * The application declares the agency's standing (第二、四条), its
 * person-day totals for the award year and the year before (第五至八条,
 * annex), and optionally the groups behind them, its charter flights
 * (第九条) and a claim for the special award (第十条).
 */
#include "date.h"
#include "kinds.h"

#define MAX_COUNT 1000000
/* Person-days of a large agency run into the millions (tourists × days), so
 * they get more room than plain counts. */
#define MAX_PERSON_DAYS 1000000000

static const char *const penalty_values[] = {"none", "warning", "fine", "heavier", NULL};
static const char *const group_type_values[] = {"organised", "commissioned", NULL};

static const struct field_spec group_fields[] = {
    {
        .name = "type",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = group_type_values,
        .title_zh = "团队类型",
        .title_en = "Group type",
        .help = "organised: 自组外联, a group the agency organised itself (counts for "
                "outbound and reception); commissioned: 接受其他旅行社委托接待 (counts for "
                "reception only).",
    },
    {
        .name = "tourists",
        .type = SPEC_INT,
        .required = true,
        .min = 1,
        .max = MAX_COUNT,
        .title_zh = "游客人数",
        .title_en = "Tourists",
        .help = "Number of inbound tourists in the group.",
    },
    {
        .name = "start_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "入境（接待开始）日期",
        .title_en = "Entry (start of reception) date",
        .help = "The day the group entered, or the agency's reception began.",
    },
    {
        .name = "end_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "离境（接待离开）日期",
        .title_en = "Exit (end of reception) date",
        .help = "The day the group left; days per tourist = end − start + 1.",
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
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "包机航班",
        .title_en = "Flight",
        .help = "Flight number and carrier of the charter.",
    },
    {
        .name = "tourists",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "境外旅游者人数",
        .title_en = "Foreign tourists",
        .help = "Foreign tourists on board; a charter earns an award with 60 or more.",
    },
    {
        .name = "scheduled_route",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "固定航线",
        .title_en = "Scheduled route",
        .help = "True when the flight flew a scheduled route; only non-scheduled routes "
                "earn an award.",
    },
    {
        .name = "arrived_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "抵京日期",
        .title_en = "Arrival in Beijing",
        .help = "The day the charter arrived in Beijing.",
    },
    {
        .name = "nights_in_beijing",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = 366,
        .title_zh = "在京过夜数",
        .title_en = "Nights in Beijing",
        .help = "Nights the tourists stayed in Beijing; 2 or more is needed.",
    },
    {0},
};

static const struct field_spec charter_item = {
    .type = SPEC_OBJECT,
    .fields = charter_fields,
    .title_zh = "入境包机",
    .title_en = "Charter flight",
};

#define PERSON_DAYS(member, zh, en, text)                                                          \
    {                                                                                              \
        .name = member, .type = SPEC_INT, .required = true, .min = 0, .max = MAX_PERSON_DAYS,      \
        .title_zh = zh, .title_en = en, .help = text,                                              \
    }

static const struct field_spec tourism_award_fields[] = {
    {
        .name = "inbound_business",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "经营入境旅游业务",
        .title_en = "Inbound tourism business",
        .help = "The agency is licensed for and runs an inbound tourism business.",
    },
    {
        .name = "penalty",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = penalty_values,
        .title_zh = "行政处罚",
        .title_en = "Administrative penalty",
        .help = "The heaviest penalty from the culture and tourism authorities since the "
                "start of the award year: none, warning, fine, or heavier (罚款以上, which "
                "excludes the agency).",
    },
    {
        .name = "major_accident",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "重大安全责任事故",
        .title_en = "Major safety accident",
        .help = "True when the agency was responsible for a major safety accident since the "
                "start of the award year.",
    },
    {
        .name = "major_incident",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "重大群体访事件或重大旅游投诉",
        .title_en = "Major group incident or complaint",
        .help = "True when there was a major group incident or a major tourist complaint "
                "since the start of the award year.",
    },
    PERSON_DAYS("outbound_person_days", "入境外联人天数", "Outbound-organised person-days",
                "Person-days of the inbound tourists the agency organised itself in the award "
                "year: days (exit − entry + 1) × tourists, summed."),
    PERSON_DAYS("outbound_person_days_prev", "上年度入境外联人天数",
                "Outbound-organised person-days, previous year",
                "The same figure for the year before the award year."),
    PERSON_DAYS("reception_person_days", "入境接待人天数", "Reception person-days",
                "Person-days of every inbound tourist the agency received in the award year, "
                "its own organised groups included."),
    PERSON_DAYS("reception_person_days_prev", "上年度入境接待人天数",
                "Reception person-days, previous year",
                "The same figure for the year before the award year."),
    {
        .name = "groups",
        .type = SPEC_ARRAY,
        .min = 0,
        .max = 20000,
        .items = &group_item,
        .title_zh = "旅游团队",
        .title_en = "Groups",
        .help = "Optional: the groups behind the totals.",
    },
    {
        .name = "charters",
        .type = SPEC_ARRAY,
        .min = 0,
        .max = 1000,
        .items = &charter_item,
        .title_zh = "入境包机",
        .title_en = "Charter flights",
        .help = "Optional: charter flights of the award year for the charter award.",
    },
    {
        .name = "special_award_claim",
        .type = SPEC_TEXT,
        .min = 1,
        .max = 2000,
        .title_zh = "入境旅游特别奖申请",
        .title_en = "Special award claim",
        .help = "Optional: the agency's important contribution to Beijing's inbound tourism "
                "in the award year, for the special award.",
    },
    {0},
};

/* The day of a date member, false when it is missing or malformed (the
 * field table has reported that already). */
static bool member_day(const json_t *obj, const char *name, sb_day *out)
{
    const char *text = json_string_value(json_object_get(obj, name));

    return text && date_parse(text, out);
}

/* A group cannot leave before it arrived: its day count would be zero or
 * negative and the person-days meaningless. */
static void tourism_award_check_consistency(const json_t *data, int round, struct spec_errors *errs)
{
    (void)round;
    const json_t *groups = json_object_get(data, "groups");
    char base[SPEC_POINTER_LEN], ptr[SPEC_POINTER_LEN];
    size_t n = json_array_size(groups);

    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(groups, i);
        sb_day start, end;

        if (!member_day(g, "start_on", &start) || !member_day(g, "end_on", &end))
            continue;
        if (end < start) {
            spec_pointer_index(base, sizeof base, "/data/groups", i);
            spec_pointer_join(ptr, sizeof ptr, base, "end_on");
            spec_errors_add(errs, ptr, "must not be before start_on");
        }
    }
}

const struct kind kind_tourism_award = {
    .name = "tourism_award",
    .authority = "culture_tourism",
    .title_zh = "北京市入境旅游奖励与扶持资金",
    .title_en = "Inbound tourism awards for travel agencies",
    .data_fields = tourism_award_fields,
    .enterprise_units = false,
    .check_consistency = tourism_award_check_consistency,
};
