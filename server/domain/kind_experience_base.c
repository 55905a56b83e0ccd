/*
 * `experience_base`: Beijing culture-tourism experience base certification
 * (京文旅发〔2020〕407号, 北京市文化旅游体验基地认定及管理办法(试行); RULES.md
 * §7).
 *
 * The operating organisation applies for its base: the base's theme and
 * place, the organisation's founding date, and what it declares of its
 * record, facilities and permits (第九条).  The district bureau scores the
 * base on site and recommends it; a unit directly under the ministry or the
 * municipal bureau may go straight to the municipal stage (第十三条), which
 * inspects the base on site and puts it on the published list (第十二条).
 * Nothing is published for objections first; the certification does not
 * expire, but is re-checked every 3 years (第十四条) and the operator
 * reports each year by 12-15 (第十五条).
 */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "kind_experience_base.h"
#include "kinds.h"
#include "text.h"
#include "uscc.h"

static const char *const theme_values[] = {EXPERIENCE_BASE_THEMES(SPEC_ENUM_TEXT) NULL};
static const char *const opening_values[] = {EXPERIENCE_BASE_OPENINGS(SPEC_ENUM_TEXT) NULL};

#define THEME_NAME_ZH(id, text, en, zh) zh,
static const char *const theme_names_zh[] = {EXPERIENCE_BASE_THEMES(THEME_NAME_ZH) NULL};
#undef THEME_NAME_ZH

#define DATA(m)     SPEC_TO(struct experience_base_data, m)
#define SITE(m)     SPEC_TO(struct experience_base_site, m)
#define DECLARED(m) SPEC_TO(struct experience_base_declarations, m)

static const struct field_spec site_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .to = SITE(name),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "基地名称",
        .title_en = "Name of the base",
        .help = "The name under which the base would be listed.",
        .help_zh = "基地的名称，认定后以此名称列入基地名单。",
    },
    {
        .name = "address",
        .type = SPEC_STRING,
        .to = SITE(address),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "基地地址",
        .title_en = "Address",
        .help = "Street address of the base in Beijing.",
        .help_zh = "基地在北京市的详细地址。",
    },
    {
        .name = "district",
        .type = SPEC_ENUM,
        .to = SITE(district),
        .required = true,
        .enum_values = beijing_districts,
        .title_zh = "所在区",
        .title_en = "District",
        .help = "The Beijing district the base is in, as its GB/T 2260 code (110101 is "
                "Dongcheng); its culture and tourism bureau does the preliminary review.",
        .help_zh = "基地所在区的行政区划代码（GB/T 2260），如东城区为 110101；"
                   "由所在区文化和旅游局初审。",
    },
    {
        .name = "opening",
        .type = SPEC_ENUM,
        .to = SITE(opening),
        .required = true,
        .enum_values = opening_values,
        .title_zh = "开放方式",
        .title_en = "Open to the public",
        .help = "published_hours: open at published hours; booking: open to visitors who "
                "book (第九条(七)).",
        .help_zh = "公布开放时间，或接受预约（第九条（七））。",
    },
    {0},
};

#define DECLARATION(member, zh, en, text, text_zh)                                                 \
    {                                                                                              \
        .name = #member, .type = SPEC_BOOL, .to = DECLARED(member), .required = true,              \
        .title_zh = zh, .title_en = en, .help = text, .help_zh = text_zh,                          \
    }

static const struct field_spec declaration_fields[] = {
    DECLARATION(no_major_accident, "申报前两年内无重特大生产安全事故",
                "No major safety accident in the last two years",
                "No major or especially major work-safety accident in the two years before "
                "applying (第九条(十)).",
                "申报前两年内未发生重特大生产安全事故（第九条（十））。"),
    DECLARATION(no_market_order_problem, "申报前两年内无重大市场秩序问题",
                "No major market-order problem in the last two years",
                "No major market-order problem in the two years before applying.",
                "申报前两年内无重大市场秩序问题。"),
    DECLARATION(no_environmental_event, "申报前两年内无重大生态环境破坏事件",
                "No major environmental damage in the last two years",
                "No major event of ecological or environmental damage in the two years before "
                "applying.",
                "申报前两年内无重大生态环境破坏事件。"),
    DECLARATION(no_major_violation, "申报前两年内无其他重大违法违规行为",
                "No other major violation in the last two years",
                "No other major violation of laws or regulations in the two years before "
                "applying.",
                "申报前两年内无其他重大违法违规行为。"),
    DECLARATION(fire_permit, "消防许可证", "Fire safety permit",
                "Holds the fire safety permit (第九条(九)).", "具备消防许可证（第九条（九））。"),
    DECLARATION(property_certificates, "基地内所有建筑的房产证",
                "Property certificates of every building",
                "Holds the property certificates of every building of the base.",
                "具备基地内所有建筑的房产证。"),
    DECLARATION(health_permit, "公共场所卫生许可证", "Public-health permit",
                "Holds the public-place health permit.", "具备公共场所卫生许可证。"),
    DECLARATION(food_permit, "食品卫生许可证", "Food hygiene permit",
                "Holds the food hygiene permit; needed only when the base serves food.",
                "具备食品卫生许可证；经营餐饮的须具备。"),
    DECLARATION(toilets, "厕所", "Toilets", "Has toilets (第九条(六)).",
                "配备厕所（第九条（六））。"),
    DECLARATION(parking, "停车场", "Parking", "Has a car park.", "配备停车场。"),
    DECLARATION(rest_areas, "休憩场所", "Rest areas", "Has places to rest.", "配备休憩场所。"),
    DECLARATION(safety_equipment, "安全设施设备及提示警示标识", "Safety equipment and signs",
                "Has the necessary safety equipment, notices and warning signs, regularly "
                "maintained.",
                "配备必要的安全设施设备、提示及警示标识，并定期维护保养。"),
    DECLARATION(professional_staff, "专业服务人员和管理队伍", "Professional staff",
                "Has professional service staff and a professional management team (第九条(三)"
                "(八)).",
                "配备专业服务人员和专业的管理队伍（第九条（三）（八））。"),
    {0},
};

static const struct field_spec other_theme_fields[] = {
    {
        .name = "theme_description",
        .type = SPEC_TEXT,
        .to = DATA(theme_description),
        .required = true,
        .min = 1,
        .max = 500,
        .title_zh = "主题说明",
        .title_en = "The theme",
        .help = "What culture the base spreads, for a theme the measure does not name; the "
                "reviewer judges it.",
        .help_zh = "基地传播的文化主题（办法未列举的主题），由审核部门认定。",
    },
    {0},
};

static const struct spec_variant theme_variants[] = {
    {"other", other_theme_fields},
    {NULL, NULL},
};

static const struct field_spec experience_base_fields[] = {
    {
        .name = "theme",
        .type = SPEC_ENUM,
        .to = DATA(theme),
        .required = true,
        .enum_values = theme_values,
        .variants = theme_variants,
        .title_zh = "体验主题",
        .title_en = "Theme",
        .help = "The culture the base spreads (第二条): ancient_capital 古都文化, red 红色文化, "
                "beijing_flavour 京味文化, innovation 创新文化, or other (described below).",
        .help_zh = "基地传播的文化主题（第二条）：古都文化、红色文化、京味文化、创新文化，"
                   "或其他主题（须说明）。",
    },
    {
        .name = "base",
        .type = SPEC_OBJECT,
        .to = DATA(base),
        .required = true,
        .fields = site_fields,
        .title_zh = "基地",
        .title_en = "The base",
        .help = "The place certified: in Beijing, open to the public or to groups (第二条).",
        .help_zh = "申报认定的基地：位于北京市行政区划范围内，对公众或团体开放（第二条）。",
    },
    {
        .name = "established_on",
        .type = SPEC_DATE,
        .to = DATA(established_on),
        .required = true,
        .title_zh = "运营单位成立日期",
        .title_en = "Operator established on",
        .help = "The founding date of the operating organisation on its licence or legal-person "
                "certificate; it must be two years or more before the submission (第九条(八)).",
        .help_zh = "基地运营管理单位营业执照或事业单位法人证书上的成立日期；"
                   "至申报之日须成立两年以上（第九条（八））。",
    },
    {
        .name = "direct",
        .type = SPEC_BOOL,
        .to = DATA(direct),
        .required = true,
        .title_zh = "文化和旅游部或市文化和旅游局直属单位",
        .title_en = "Directly under the ministry or the municipal bureau",
        .help = "True for a unit directly under the Ministry of Culture and Tourism or the "
                "municipal bureau, which submits straight to the municipal bureau (第十三条); the "
                "municipal reviewer confirms it.",
        .help_zh = "文化和旅游部、北京市文化和旅游局直属单位可直接向市文化和旅游局申报"
                   "（第十三条），由市文化和旅游局确认。",
    },
    {
        .name = "catering",
        .type = SPEC_BOOL,
        .to = DATA(catering),
        .required = true,
        .title_zh = "经营餐饮",
        .title_en = "Serves food",
        .help = "True when the base serves food; it then needs the food hygiene permit.",
        .help_zh = "基地经营餐饮的请勾选；经营餐饮的须具备食品卫生许可证。",
    },
    {
        .name = "declarations",
        .type = SPEC_OBJECT,
        .to = DATA(declarations),
        .required = true,
        .fields = declaration_fields,
        .title_zh = "申报单位承诺",
        .title_en = "Declarations",
        .help = "What the operator declares of its record, facilities and permits (第九条).",
        .help_zh = "申报单位对自身情况、配套设施和资质证件的承诺（第九条）。",
    },
    {0},
};

/* ---- the rules ----------------------------------------------------------- */

#define ESTABLISHED_MONTHS 24 /* 成立时间两年以上 */

bool experience_base_established_two_years(sb_day established_on, sb_day submitted_on)
{
    return date_add_months(established_on, ESTABLISHED_MONTHS) <= submitted_on;
}

/* 第九条(八): registered in Beijing.  A unit directly under the ministry may
 * carry a national division code: its domicile is the reviewer's to confirm,
 * with its direct status (the municipal stage's `direct_status`), never a
 * refusal by the code. */
static void check_registered(const struct rule_input *in, struct eligibility *out)
{
    const struct experience_base_data *d = in->data;
    const char *uscc = in->applicant_uscc;
    char division[7] = "?";

    if (uscc && uscc_valid(uscc)) {
        memcpy(division, uscc + 2, 6);
        division[6] = '\0';
    }
    if (uscc && uscc_valid(uscc) && uscc_in_beijing(uscc)) {
        eligibility_add(out, "registered_in_beijing", true,
                        "registered in Beijing (division code %s)", division);
        eligibility_zh(out, "在北京市行政区域内注册（行政区划码 %s）", division);
    } else if (d->direct) {
        eligibility_add(out, "registered_in_beijing", true,
                        "division code %s is not Beijing's, which a unit directly under the "
                        "ministry may carry; the municipal reviewer confirms its domicile with its "
                        "direct status",
                        division);
        eligibility_zh(out,
                       "行政区划码 %s 非北京市，直属单位可能使用该代码；其住所及直属身份由市文化"
                       "和旅游局复审时确认",
                       division);
    } else {
        eligibility_add(out, "registered_in_beijing", false,
                        "division code %s is not Beijing's (11…); the operator must be a legal "
                        "person registered in Beijing",
                        division);
        eligibility_zh(out,
                       "行政区划码 %s 非北京市（应以 11 开头）；申报单位须为在北京市注册的法人",
                       division);
    }
}

static void check_established(const struct rule_input *in, struct eligibility *out)
{
    const struct experience_base_data *d = in->data;
    char est[DATE_TEXT_LEN], full[DATE_TEXT_LEN], sub[DATE_TEXT_LEN];
    bool ok = experience_base_established_two_years(d->established_on, in->submitted_on);

    date_format(d->established_on, est);
    date_format(date_add_months(d->established_on, ESTABLISHED_MONTHS), full);
    date_format(in->submitted_on, sub);
    eligibility_add(out, "established_two_years", ok,
                    "established on %s: two years are complete on %s; submitted on %s", est, full,
                    sub);
    eligibility_zh(out, "成立日期 %s，至 %s 成立满两年；申报日期 %s%s", est, full, sub,
                   ok ? "" : "，成立时间不足两年");
}

/* Every declaration of a group that is false, named as its field is. */
static int false_declarations(const struct experience_base_data *d, const char *const *members,
                              bool skip_food, char *names, char *names_zh, size_t cap)
{
    const unsigned char *decl = (const unsigned char *)&d->declarations;
    int n = 0;
    names[0] = names_zh[0] = '\0';
    for (const struct field_spec *f = declaration_fields; f->name; f++) {
        bool member = false;
        for (const char *const *m = members; *m; m++)
            member |= strcmp(*m, f->name) == 0;
        if (!member || (skip_food && strcmp(f->name, "food_permit") == 0) ||
            *(const bool *)(decl + f->to.offset))
            continue;
        text_append(names, cap, "%s%s", n ? ", " : "", f->name);
        text_append(names_zh, cap, "%s%s", n ? "；" : "", f->title_zh);
        n++;
    }
    return n;
}

static void check_group(const struct rule_input *in, struct eligibility *out, const char *id,
                        const char *const *members, bool skip_food, const char *what,
                        const char *what_zh)
{
    char names[RULE_DETAIL_LEN], names_zh[RULE_DETAIL_LEN];
    int n = false_declarations(in->data, members, skip_food, names, names_zh, sizeof names);
    if (n == 0) {
        eligibility_add(out, id, true, "%s: all declared", what);
        eligibility_zh(out, "%s：均已承诺", what_zh);
    } else {
        eligibility_add(out, id, false, "%s: not declared: %s", what, names);
        eligibility_zh(out, "%s：未承诺 %s", what_zh, names_zh);
    }
}

/* 第二条, 第九条(一): one of the themes the measure names, or another that the
 * reviewer judges (the list ends in 等): such an approval records the
 * reviewer's judgement as its override reason. */
static void check_theme(const struct rule_input *in, struct eligibility *out)
{
    const struct experience_base_data *d = in->data;
    if (d->theme != THEME_OTHER) {
        eligibility_add(out, "theme", true, "theme %s, named by 第二条", theme_values[d->theme]);
        eligibility_zh(out, "体验主题：%s（第二条列举）", theme_names_zh[d->theme]);
        return;
    }
    eligibility_add(out, "theme", false,
                    "another theme (\"%s\"): the reviewer judges whether it spreads a culture as "
                    "第二条 means; an approval states that judgement as its override reason",
                    d->theme_description ? d->theme_description : "");
    eligibility_zh(out, "其他主题（“%s”）：是否符合第二条由审核部门认定，复审通过时须说明认定理由",
                   d->theme_description ? d->theme_description : "");
}

static const char *const record_members[] = {"no_major_accident", "no_market_order_problem",
                                             "no_environmental_event", "no_major_violation", NULL};
static const char *const facility_members[] = {"toilets", "parking", "rest_areas",
                                               "safety_equipment", NULL};
static const char *const staff_members[] = {"professional_staff", NULL};
static const char *const permit_members[] = {"fire_permit", "property_certificates",
                                             "health_permit", "food_permit", NULL};

/* The checks of RULES.md §7, in its order, every one every time. */
static void experience_base_eligibility(const struct rule_input *in, struct eligibility *out)
{
    const struct experience_base_data *d = in->data;

    check_registered(in, out);
    check_established(in, out);
    check_group(in, out, "clean_record", record_members, false,
                "no major accident, market-order problem, environmental event or other major "
                "violation in the two years before applying (第九条(十))",
                "申报前两年内无重特大生产安全事故、重大市场秩序问题、重大生态环境破坏事件及其他"
                "重大违法违规行为（第九条（十））");
    check_theme(in, out);
    check_group(in, out, "facilities", facility_members, false,
                "toilets, parking, rest areas and safety equipment (第九条(六))",
                "厕所、停车场、休憩场所及安全设施设备（第九条（六））");
    check_group(in, out, "professional_staff", staff_members, false,
                "professional service staff and management team (第九条(三)(八))",
                "专业服务人员和管理队伍（第九条（三）（八））");
    check_group(in, out, "permits", permit_members, !d->catering,
                d->catering ? "fire, property, public-health and food permits (第九条(九))"
                            : "fire, property and public-health permits; no food is served, so "
                              "no food permit is needed (第九条(九))",
                d->catering
                    ? "消防许可证、房产证、公共场所卫生许可证、食品卫生许可证（第九条（九））"
                    : "消防许可证、房产证、公共场所卫生许可证；不经营餐饮，无需食品卫生"
                      "许可证（第九条（九））");
}

/* A certification, not funding: no amount. */
static void experience_base_award(const struct rule_input *in, struct award *out)
{
    (void)in;
    *out = (struct award){.basis = "as_applied"};
}

/* ---- stage records --------------------------------------------------------- */

/* 第十二条(二): the district bureau scores the base on site (实地勘验) by the
 * scoring standard. */
static const struct field_spec site_scoring_fields[] = {
    {.name = "date", .type = SPEC_DATE, .required = true, .title_zh = "日期", .title_en = "Date"},
    {.name = "score",
     .type = SPEC_INT,
     .required = true,
     .min = 0,
     .max = 100,
     .title_zh = "评分",
     .title_en = "Score",
     .help = "0 to 100, by the scoring standard (第十二条(二)).",
     .help_zh = "按评分标准实地勘验评分，0 至 100 分（第十二条（二））。"},
    {.name = "summary",
     .type = SPEC_TEXT,
     .required = true,
     .min = 1,
     .max = 4000,
     .title_zh = "勘验意见",
     .title_en = "Summary"},
    {.name = NULL},
};

static const struct field_spec experience_base_district_records[] = {
    {.name = "site_scoring",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = site_scoring_fields,
     .title_zh = "实地勘验评分",
     .title_en = "On-site scoring"},
    {.name = NULL},
};

/* 第十二条(四): the municipal re-review with its own site inspection; 第十三条:
 * a direct unit's status, confirmed. */
static const struct field_spec experience_base_municipal_records[] = {
    {.name = "site_inspection",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_finding_fields,
     .title_zh = "实地勘验",
     .title_en = "On-site inspection"},
    {.name = "direct_status",
     .type = SPEC_OBJECT,
     .fields = stage_finding_fields,
     .when_data = "direct",
     .title_zh = "直属单位身份确认",
     .title_en = "Direct status confirmed",
     .help = "For an application submitted directly (第十三条): that the operator is directly "
             "under the ministry or the municipal bureau, and its domicile.",
     .help_zh = "直接向市文化和旅游局提交的申报（第十三条）：确认申报单位为文化和旅游部或市文化和"
                "旅游局直属单位，并核实其住所。"},
    {.name = NULL},
};

/* 第十三条: a unit directly under the ministry or the municipal bureau may
 * submit straight to the authority. */
static bool experience_base_skips_district(const void *data)
{
    return ((const struct experience_base_data *)data)->direct;
}

/* What the certification and the published list name. */
static json_t *experience_base_subject(const void *data)
{
    const struct experience_base_data *d = data;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", d->base.name, "address",
                          d->base.address, "district", beijing_districts[d->base.district], "theme",
                          theme_values[d->theme], "theme_zh", theme_names_zh[d->theme]);
    if (o && d->theme == THEME_OTHER && d->theme_description)
        json_object_set_new(o, "theme_description", json_string(d->theme_description));
    return o;
}

/* 第十六条: revoked, announced, and no new application for two years, for a
 * major accident, a market-order problem, environmental damage, another
 * major violation, or a failed re-check not rectified in time.  (A
 * certification given up, 第十七条, ends by the surrender workflow, without
 * a bar.) */
static const char *const experience_base_revocation_grounds[] = {
    "other",
    "major_accident",
    "market_order_problem",
    "environmental_event",
    "major_violation",
    "failed_recheck",
    NULL,
};

static const char *const experience_base_banning_grounds[] = {
    "major_accident",  "market_order_problem", "environmental_event",
    "major_violation", "failed_recheck",       NULL,
};

/* 第十四、十五条: an annual operating report to the district bureau by 12-15
 * of each year (12月15日前, taken as by the end of that day), a re-check
 * every 3 years. */
static const struct duty_rules experience_base_duties = {
    .annual_month = 12,
    .annual_day = 15,
    .annual_next_year = false,
    .recheck_years = 3,
    .failed_recheck_ground = "failed_recheck",
};

const struct kind kind_experience_base = {
    .name = "experience_base",
    .authority = "culture_tourism",
    .title_zh = "北京市文化旅游体验基地认定",
    .title_en = "Beijing culture-tourism experience base certification",
    .source = "京文旅发〔2020〕407号",
    .data_fields = experience_base_fields,
    .data_size = sizeof(struct experience_base_data),
    .enterprise_units = false,
    .eligibility = experience_base_eligibility,
    .award = experience_base_award,
    .ban_months = 24,
    .issued_zh = "北京市文化旅游体验基地",
    .issued_en = "Beijing culture-tourism experience base",
    /* 第十二条(五): 认定; what it issues carries no amount. */
    .decides_zh = "认定",
    .decides_en = "certify",
    .valid_years = 0,
    .certification = true,
    /* 第十二条: the district bureau, then the municipal re-review; the list
     * is published without a notice for objections. */
    .stages = STAGE_DISTRICT | STAGE_MUNICIPAL,
    .skips_district = experience_base_skips_district,
    .district_records = experience_base_district_records,
    .municipal_records = experience_base_municipal_records,
    .subject = experience_base_subject,
    .public_list = true,
    .revocation_grounds = experience_base_revocation_grounds,
    .banning_grounds = experience_base_banning_grounds,
    .after = AFTER_DUTIES | AFTER_SURRENDER,
    .duties = &experience_base_duties,
};
