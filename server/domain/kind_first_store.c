/*
 * `first_store`: brand first-store funding (京商消促字〔2020〕48号,
 * 2020年度鼓励发展商业品牌首店项目申报指南的补充通知; RULES.md §3).
 *
 * One application is one project of one of three types (一): opening a
 * first store or flagship (store_opening), introducing such stores
 * (store_introduction), or a new-product launch event (launch_event).  Each
 * type has its own members, declared as variants of `project`; within
 * store_opening, an authorised agent is funded on its overseas licence fee
 * instead of rent and decoration (一(一)2, 二(二)2), a variant of
 * `applicant_type`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kind_first_store.h"
#include "kinds.h"
#include "text.h"
#include "money.h"
#include "uscc.h"

#define MAX_FEN 100000000000000LL

static const char *const project_values[] = {FIRST_STORE_PROJECTS(SPEC_ENUM_TEXT) NULL};
static const char *const applicant_type_values[] = {FIRST_STORE_APPLICANT_TYPES(SPEC_ENUM_TEXT)
                                                        NULL};
static const char *const category_values[] = {FIRST_STORE_CATEGORIES(SPEC_ENUM_TEXT) NULL};
static const char *const brand_type_values[] = {FIRST_STORE_BRAND_TYPES(SPEC_ENUM_TEXT) NULL};

#define DATA(m)       SPEC_TO(struct first_store_data, m)
#define STORE(m)      SPEC_TO(struct first_store_store, m)
#define INTRODUCED(m) SPEC_TO(struct introduced_store, m)
#define EVENT(m)      SPEC_TO(struct launch_event, m)
#define DECLARED(m)   SPEC_TO(struct first_store_declarations, m)

#define CATEGORY_HELP                                                                                    \
    "asia_first: 亚洲首店, the brand's first store in Asia; china_first: 中国(内地)首店, its " \
    "first in mainland China; beijing_first: 北京首店, its first in Beijing; flagship: 旗舰店, "  \
    "500 m² or more, larger than the brand's other Beijing stores, carrying all its "                   \
    "first-level categories."

#define CATEGORY_HELP_ZH                                                                                           \
    "亚洲首店、中国（内地）首店、北京首店即品牌在相应地域开设的首家实体门店；" \
    "旗舰店：500平方米以上（含），超过北京市本品牌其他实体店，涵盖一级目录下所有类别。"

static const struct field_spec store_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .to = STORE(name),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "门店名称",
        .title_en = "Store name",
        .help = "The store's name as on its business licence.",
        .help_zh = "填写营业执照上登记的门店名称。",
    },
    {
        .name = "address",
        .type = SPEC_STRING,
        .to = STORE(address),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "门店地址",
        .title_en = "Store address",
        .help = "Street address of the store in Beijing.",
        .help_zh = "门店在北京市的详细地址。",
    },
    {
        .name = "district",
        .type = SPEC_ENUM,
        .to = STORE(district),
        .required = true,
        .enum_values = beijing_districts,
        .title_zh = "所在区",
        .title_en = "District",
        .help = "The Beijing district the store is in, as its GB/T 2260 code (110105 is "
                "Chaoyang).",
        .help_zh = "门店所在区，填写行政区划代码（GB/T 2260），如朝阳区为 110105。",
    },
    {
        .name = "registered_on",
        .type = SPEC_DATE,
        .to = STORE(registered_on),
        .required = true,
        .title_zh = "营业执照注册登记日期",
        .title_en = "Registration date",
        .help = "Registration date on the store's business licence; 2019-01-01 or later "
                "for a new store.",
        .help_zh = "门店营业执照注册登记日期；新设门店须在2019年1月1日（含）以后注册登记。",
    },
    {
        .name = "opened_on",
        .type = SPEC_DATE,
        .to = STORE(opened_on),
        .required = true,
        .title_zh = "开业日期",
        .title_en = "Opening date",
        .help = "The day the store opened (or became a flagship); 12 consecutive months of "
                "operation are counted from it.",
        .help_zh = "门店开业日期（或成为旗舰店的日期），连续经营12个月自该日起算。",
    },
    {
        .name = "area_m2",
        .type = SPEC_INT,
        .to = STORE(area_m2),
        .required = true,
        .min = 0,
        .max = 1000000,
        .title_zh = "门店面积（平方米）",
        .title_en = "Floor area (m²)",
        .help = "Floor area in whole square metres; a flagship has 500 m² or more.",
        .help_zh = "门店面积，按整平方米填写；旗舰店面积须在500平方米以上（含）。",
    },
    {
        .name = "largest_in_beijing",
        .type = SPEC_BOOL,
        .to = STORE(largest_in_beijing),
        .required = true,
        .title_zh = "超过北京市本品牌其他实体店",
        .title_en = "Largest of the brand in Beijing",
        .help = "The store is larger than every other store of the brand in Beijing "
                "(needed for a flagship).",
        .help_zh = "门店面积超过北京市本品牌其他实体店（申报旗舰店须符合）。",
    },
    {
        .name = "all_categories",
        .type = SPEC_BOOL,
        .to = STORE(all_categories),
        .required = true,
        .title_zh = "涵盖该品牌一级目录下所有类别",
        .title_en = "Carries all first-level categories",
        .help = "The store carries every first-level product category of the brand "
                "(needed for a flagship).",
        .help_zh = "门店商品类别涵盖该品牌一级目录下所有类别（申报旗舰店须符合）。",
    },
    {0},
};

/* Brands are funded on rent plus fit-out, agents on their licence fee. */
static const struct field_spec brand_cost_fields[] = {
    {
        .name = "rent_12m_fen",
        .type = SPEC_FEN,
        .to = DATA(rent_12m_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "连续12个月房租（分）",
        .title_en = "Rent for 12 consecutive months (fen)",
        .help = "Rent actually paid for the store for 12 consecutive months, in fen "
                "(1 yuan = 100 fen).",
        .help_zh = "门店实际产生的连续12个月房租金额。",
    },
    {
        .name = "decoration_fen",
        .type = SPEC_FEN,
        .to = DATA(decoration_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "店面装修费用（分）",
        .title_en = "Store fit-out (fen)",
        .help = "Fit-out cost actually incurred, equipment and supporting hardware "
                "included, in fen.",
        .help_zh = "店面装修实际发生的费用金额，含设备购置及配套硬件设施建设。",
    },
    {0},
};

/* An agent's store has a lease and a fit-out too (CONTRACT.md lists both for
 * every store_opening): it may give them, for the record; its amount is on
 * the licence fee alone (三(一)3). */
static const struct field_spec agent_cost_fields[] = {
    {
        .name = "rent_12m_fen",
        .type = SPEC_FEN,
        .to = DATA(rent_12m_fen),
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "连续12个月房租（分）",
        .title_en = "Rent for 12 consecutive months (fen)",
        .help = "Optional for an agent: the store's rent for 12 consecutive months, in fen; "
                "not part of the amount, which is on the licence fee.",
        .help_zh = "授权代理商可填写门店连续12个月房租，供审核参考，不计入支持金额"
                   "（代理商按海外版权代理费计算）。",
    },
    {
        .name = "decoration_fen",
        .type = SPEC_FEN,
        .to = DATA(decoration_fen),
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "店面装修费用（分）",
        .title_en = "Store fit-out (fen)",
        .help = "Optional for an agent: the store's fit-out cost, in fen; not part of the "
                "amount.",
        .help_zh = "授权代理商可填写店面装修费用，供审核参考，不计入支持金额。",
    },
    {
        .name = "license_fee_fen",
        .type = SPEC_FEN,
        .to = DATA(license_fee_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "海外版权代理费（分）",
        .title_en = "Overseas licence fee (fen)",
        .help = "The overseas licence fee the authorised agent paid for the brand, in fen.",
        .help_zh = "国际品牌授权代理商为该品牌实际支付的海外版权代理费金额。",
    },
    {0},
};

static const struct spec_variant applicant_type_variants[] = {
    {"international_brand", brand_cost_fields},
    {"domestic_brand", brand_cost_fields},
    {"international_agent", agent_cost_fields},
    {NULL, NULL},
};

static const struct field_spec store_opening_fields[] = {
    {
        .name = "applicant_type",
        .type = SPEC_ENUM,
        .to = DATA(applicant_type),
        .required = true,
        .enum_values = applicant_type_values,
        .variants = applicant_type_variants,
        .title_zh = "申报主体",
        .title_en = "Applicant type",
        .help = "international_brand: 国际品牌企业 (not Hong Kong, Macao or Taiwan); "
                "domestic_brand: 本土自主品牌企业 (Hong Kong, Macao and Taiwan included); "
                "international_agent: 国际品牌授权代理商.",
        .help_zh = "国际品牌企业（不含港澳台）、本土自主品牌企业（含港澳台）或国际品牌授权代理商。"
                   "品牌企业按房租和装修申报，授权代理商按海外版权代理费申报。",
    },
    {
        .name = "category",
        .type = SPEC_ENUM,
        .to = DATA(category),
        .required = true,
        .enum_values = category_values,
        .title_zh = "申报类别",
        .title_en = "Category",
        .help = "Only one category may be chosen; a domestic brand cannot be funded for "
                "asia_first. " CATEGORY_HELP,
        .help_zh = "只能选择一个类别，本土自主品牌企业不可申报亚洲首店。" CATEGORY_HELP_ZH,
    },
    {
        .name = "brand",
        .type = SPEC_STRING,
        .to = DATA(brand),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "品牌名称",
        .title_en = "Brand",
        .help = "The brand of the store.",
        .help_zh = "门店所属品牌名称。",
    },
    {
        .name = "store",
        .type = SPEC_OBJECT,
        .to = DATA(store),
        .required = true,
        .fields = store_fields,
        .title_zh = "门店",
        .title_en = "Store",
        .help = "The first store or flagship the application is for.",
        .help_zh = "本次申报的示范首店或旗舰店。",
    },
    {0},
};

static const struct field_spec introduced_store_fields[] = {
    {
        .name = "brand",
        .type = SPEC_STRING,
        .to = INTRODUCED(brand),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "品牌名称",
        .title_en = "Brand",
        .help = "The brand of the store introduced.",
        .help_zh = "引进门店所属品牌名称。",
    },
    {
        .name = "brand_type",
        .type = SPEC_ENUM,
        .to = INTRODUCED(brand_type),
        .required = true,
        .enum_values = brand_type_values,
        .title_zh = "品牌类型",
        .title_en = "Brand type",
        .help = "international_brand: 国际品牌; domestic_brand: 本土品牌.  Decides the spend "
                "threshold the store must exceed.",
        .help_zh = "国际品牌或本土自主品牌，决定门店连续12个月房租和装修须超过的标准："
                   "国际品牌100万元，本土自主品牌50万元。",
    },
    {
        .name = "category",
        .type = SPEC_ENUM,
        .to = INTRODUCED(category),
        .required = true,
        .enum_values = category_values,
        .title_zh = "首店类别",
        .title_en = "Category",
        .help = CATEGORY_HELP,
        .help_zh = CATEGORY_HELP_ZH,
    },
    {
        .name = "registered_on",
        .type = SPEC_DATE,
        .to = INTRODUCED(registered_on),
        .required = true,
        .title_zh = "营业执照注册登记日期",
        .title_en = "Registration date",
        .help = "Registration date on the store's business licence; 12 months of operation "
                "are counted from it.",
        .help_zh = "门店营业执照注册登记日期，须在2019年1月1日（含）以后；"
                   "连续经营12个月自该日起算。",
    },
    {
        .name = "opened_on",
        .type = SPEC_DATE,
        .to = INTRODUCED(opened_on),
        .required = true,
        .title_zh = "开业日期",
        .title_en = "Opening date",
        .help = "The day the store opened.",
        .help_zh = "门店开业日期。",
    },
    {
        .name = "rent_12m_fen",
        .type = SPEC_FEN,
        .to = INTRODUCED(rent_12m_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "连续12个月房租（分）",
        .title_en = "Rent for 12 consecutive months (fen)",
        .help = "Rent actually paid by the store for 12 consecutive months, in fen.",
        .help_zh = "引进门店实际产生的连续12个月房租金额。",
    },
    {
        .name = "decoration_fen",
        .type = SPEC_FEN,
        .to = INTRODUCED(decoration_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "店面装修费用（分）",
        .title_en = "Store fit-out (fen)",
        .help = "The store's fit-out cost, equipment included, in fen.",
        .help_zh = "引进门店店面装修实际发生的费用金额，含设备购置及配套硬件设施建设。",
    },
    {
        .name = "agreement_years",
        .type = SPEC_INT,
        .to = INTRODUCED(agreement_years),
        .required = true,
        .min = 0,
        .max = 100,
        .title_zh = "入驻协议年限",
        .title_en = "Entry agreement (years)",
        .help = "Length of the entry agreement signed with the store, in whole years; 2 or "
                "more is needed.",
        .help_zh = "与门店签订的入驻协议年限，按整年填写，须2年以上。",
    },
    {
        .name = "in_pipeline",
        .type = SPEC_BOOL,
        .to = INTRODUCED(in_pipeline),
        .required = true,
        .title_zh = "纳入首店在谈项目库",
        .title_en = "In the pipeline of stores under negotiation",
        .help = "The store was in the municipal pipeline of first stores under negotiation "
                "before it opened (earns an extra award).",
        .help_zh = "门店落地经营前已纳入首店在谈项目库的，可获得额外奖励。",
    },
    {0},
};

static const struct field_spec introduced_store_item = {
    .type = SPEC_OBJECT,
    .fields = introduced_store_fields,
    .title_zh = "引进的门店",
    .title_en = "Store introduced",
};

static const struct field_spec store_introduction_fields[] = {
    {
        .name = "stores",
        .type = SPEC_ARRAY,
        .to = SPEC_TO_ARRAY(struct first_store_data, stores, n_stores),
        .required = true,
        .min = 1,
        .max = 200,
        .items = &introduced_store_item,
        .title_zh = "引进的首店、旗舰店",
        .title_en = "Stores introduced",
        .help = "Each first store or flagship the applicant brought to Beijing since "
                "2019-01-01.",
        .help_zh = "2019年1月1日（含）以后引进的每一家线下实体首店、旗舰店，逐家填写。",
    },
    {0},
};

static const struct field_spec event_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .to = EVENT(name),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "活动名称",
        .title_en = "Event name",
        .help = "Name of the new-product launch.",
        .help_zh = "新品发布活动名称。",
    },
    {
        .name = "held_on",
        .type = SPEC_DATE,
        .to = EVENT(held_on),
        .required = true,
        .title_zh = "举办日期",
        .title_en = "Date held",
        .help = "The day the launch was held in Beijing; 2020-01-01 or later.",
        .help_zh = "新品发布活动在京举办的日期，须在2020年1月1日（含）以后。",
    },
    {
        .name = "venue_rent_fen",
        .type = SPEC_FEN,
        .to = EVENT(venue_rent_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "场租（分）",
        .title_en = "Venue rent (fen)",
        .help = "Venue rent paid for the launch, in fen.",
        .help_zh = "新品发布活动实际支付的场租金额。",
    },
    {
        .name = "setup_fen",
        .type = SPEC_FEN,
        .to = EVENT(setup_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "搭建费用（分）",
        .title_en = "Set-up cost (fen)",
        .help = "Cost of building the launch set, in fen.",
        .help_zh = "新品发布活动实际发生的搭建费用金额。",
    },
    {0},
};

static const struct field_spec launch_event_fields[] = {
    {
        .name = "event",
        .type = SPEC_OBJECT,
        .to = DATA(event),
        .required = true,
        .fields = event_fields,
        .title_zh = "大型新品发布活动",
        .title_en = "Launch event",
        .help = "The large new-product launch with international or national reach.",
        .help_zh = "在京开展的具有国际国内影响力的大型新品发布活动。",
    },
    {0},
};

static const struct spec_variant project_variants[] = {
    {"store_opening", store_opening_fields},
    {"store_introduction", store_introduction_fields},
    {"launch_event", launch_event_fields},
    {NULL, NULL},
};

static const struct field_spec declaration_fields[] = {
    {
        .name = "actual_investor",
        .type = SPEC_BOOL,
        .to = DECLARED(actual_investor),
        .required = true,
        .title_zh = "项目申报单位为项目实际投资单位",
        .title_en = "The applicant is the actual investor",
        .help = "The applicant actually invested in the project.",
        .help_zh = "项目申报单位为该项目的实际投资单位。",
    },
    {
        .name = "not_blacklisted",
        .type = SPEC_BOOL,
        .to = DECLARED(not_blacklisted),
        .required = true,
        .title_zh = "未纳入全市联合惩戒“黑名单”",
        .title_en = "Not on the joint-punishment blacklist",
        .help = "The applicant is not on Beijing's joint-punishment blacklist.",
        .help_zh = "项目申报单位未纳入全市联合惩戒“黑名单”。",
    },
    {
        .name = "no_bad_credit_sanction",
        .type = SPEC_BOOL,
        .to = DECLARED(no_bad_credit_sanction),
        .required = true,
        .title_zh = "未受商务领域不良信用记录“不予支持”惩戒",
        .title_en = "No \"no support\" bad-credit sanction",
        .help = "The applicant is not on the commerce bad-credit list with a \"no support\" "
                "sanction.",
        .help_zh = "项目申报单位未因纳入北京市商务领域不良信用记录名单而受到“不予支持”信用惩戒。",
    },
    {
        .name = "not_prohibited_catalogue",
        .type = SPEC_BOOL,
        .to = DECLARED(not_prohibited_catalogue),
        .required = true,
        .title_zh = "不属于禁止和限制目录",
        .title_en = "Not in the prohibited and restricted catalogue",
        .help = "The project is not in the prohibited or restricted classes of Beijing's "
                "catalogue of new industries.",
        .help_zh = "项目不属于《北京市新增产业的禁止和限制目录》禁止类和限制类范围。",
    },
    {
        .name = "no_duplicate_funding",
        .type = SPEC_BOOL,
        .to = DECLARED(no_duplicate_funding),
        .required = true,
        .title_zh = "未获得中央及其他市级财政资金支持",
        .title_en = "No other central or municipal funding",
        .help = "The project has not received and will not receive central or other "
                "municipal funding for the same thing.",
        .help_zh = "项目未获得、也不会获得中央及其他市级部门财政资金支持；"
                   "已获得或将获得的不得重复申报。",
    },
    {0},
};

static const struct field_spec first_store_fields[] = {
    {
        .name = "project",
        .type = SPEC_ENUM,
        .to = DATA(project),
        .required = true,
        .enum_values = project_values,
        .variants = project_variants,
        .title_zh = "项目类型",
        .title_en = "Project type",
        .help = "store_opening: 开设示范首店、旗舰店; store_introduction: 引进首店、旗舰店; "
                "launch_event: 大型新品发布活动.  Each type has its own fields.",
        .help_zh = "开设示范首店、旗舰店，引进首店、旗舰店，或举办大型新品发布活动，只选一种；"
                   "不同类型填写的内容不同。",
    },
    {
        .name = "declarations",
        .type = SPEC_OBJECT,
        .to = DATA(declarations),
        .required = true,
        .fields = declaration_fields,
        .title_zh = "承诺事项",
        .title_en = "Declarations",
        .help = "What the applicant declares about itself and the project (二(一)).",
        .help_zh = "项目申报单位对自身及申报项目作出的承诺（支持条件二（一））。",
    },
    {0},
};

/*
 * The rules.  Counting words follow RULES.md §0: 超过 ("exceeds") leaves the
 * stated number out (>), 以上 and 含 take it in (>=).
 */

#define WAN(n)         (FEN_PER_WAN * (int64_t)(n))
#define MONEY_TEXT_LEN 40

/* The gazette's names of the categories and applicant types, by
 * enumerator. */
#define NAME_ZH(id, text, name_zh) name_zh,
static const char *const category_names_zh[] = {FIRST_STORE_CATEGORIES(NAME_ZH) NULL};
static const char *const applicant_type_names_zh[] = {FIRST_STORE_APPLICANT_TYPES(NAME_ZH) NULL};
#undef NAME_ZH

/*
 * What the gazette says per applicant type of a store opening: the spend the
 * store must exceed (二(二)2), the share of the (audited) spend that is funded
 * (三(一)2, 3) and the cap of each category (三(一)1).  A cap of 0 marks a
 * category the table has no row for: a domestic brand cannot be funded as an
 * Asia first store.  The overall ceilings of 三(一)2, 3 (500万 / 200万 / 500万)
 * are never below a category cap, so the category cap is the one that binds.
 * Introduced stores take their threshold from the brand rows (二(三)1).
 */
struct opening_terms {
    bool on_licence_fee; /* funded on the overseas licence fee, not rent + decoration */
    int64_t threshold_fen;
    int64_t percent;
    int64_t cap_fen[CAT_COUNT];
};

static const struct opening_terms opening_terms[] = {
    [APPLICANT_INTERNATIONAL_BRAND] = {false, WAN(100), 50, {WAN(500), WAN(200), WAN(50), WAN(50)}},
    [APPLICANT_DOMESTIC_BRAND] = {false, WAN(50), 20, {0, WAN(200), WAN(50), WAN(50)}},
    [APPLICANT_INTERNATIONAL_AGENT] = {true, WAN(100), 50, {WAN(500), WAN(200), WAN(50), WAN(50)}},
};

#define INTRODUCTION_AWARD_FEN WAN(10) /* per store introduced, 三(二)1 */
#define PIPELINE_BONUS_FEN     WAN(2)  /* per store from the pipeline, 三(二)2 */
#define LAUNCH_EVENT_PERCENT   50      /* 三(三) */
#define LAUNCH_EVENT_CAP_FEN   WAN(100)
#define AGREEMENT_MIN_YEARS    2  /* 2 年以上入驻协议 */
#define OPERATING_MONTHS       12 /* 连续经营 12 个月以上 */
#define FLAGSHIP_MIN_AREA_M2   500

/* The threshold of an introduced store is its brand's row's (二(三)1). */
static const struct opening_terms *brand_terms(enum first_store_brand_type b)
{
    return &opening_terms[b == BRAND_INTERNATIONAL ? APPLICANT_INTERNATIONAL_BRAND
                                                   : APPLICANT_DOMESTIC_BRAND];
}

/* "china_first, beijing_first or flagship": the categories a type may choose,
 * by the names given (category_values or category_names_zh), joined by
 * `comma` and, before the last, `last`. */
static void allowed_categories(const struct opening_terms *t, const char *const *names,
                               const char *comma, const char *last, char *out, size_t cap)
{
    int n = 0, total = 0;

    out[0] = '\0';
    for (int i = 0; i < CAT_COUNT; i++)
        total += t->cap_fen[i] > 0;
    for (int i = 0; i < CAT_COUNT; i++) {
        if (t->cap_fen[i] <= 0)
            continue;
        n++;
        text_append(out, cap, "%s%s", n == 1 ? "" : n == total ? last : comma, names[i]);
    }
}

/* Whole calendar months from `from` to `to` (0 when `to` is earlier): the
 * largest m with date_add_months(from, m) <= to, the same counting as the
 * 12-month checks use. */
static int full_months(sb_day from, sb_day to)
{
    int fy, fm, fd, ty, tm, td;

    if (to < from)
        return 0;
    date_to_ymd(from, &fy, &fm, &fd);
    date_to_ymd(to, &ty, &tm, &td);
    int m = (ty - fy) * 12 + (tm - fm);
    while (m > 0 && date_add_months(from, m) > to)
        m--;
    return m;
}

static sb_day new_since(void)
{
    return date_from_ymd(2019, 1, 1); /* 2019 年 1 月 1 日(含)以后新设, 引进 */
}

/* 二(一), every project type: the applicant is registered in Beijing, and
 * what it declares about itself and the project. */
static void applicant_checks(const struct rule_input *in, struct eligibility *out)
{
    const char *uscc = in->applicant_uscc;

    /* The division code (characters 3-8) is what the code itself can show of
     * "registered in Beijing"; independent legal personality is for the
     * district review to see on the licence. */
    if (!uscc || !uscc_valid(uscc)) {
        eligibility_add(out, "registered_in_beijing", false,
                        "the applicant's USCC %s is not a valid code, so its registering "
                        "division is unknown",
                        uscc ? uscc : "(none)");
        if (uscc)
            eligibility_zh(
                out, "项目申报单位统一社会信用代码 %s 无效，无法确认其是否在北京地区注册", uscc);
        else
            eligibility_zh(out, "未提供项目申报单位统一社会信用代码，无法确认其是否在北京地区注册");
    } else {
        bool beijing = uscc_in_beijing(uscc);
        eligibility_add(out, "registered_in_beijing", beijing,
                        "applicant USCC %s: registering division %.6s is %sin Beijing (11…)", uscc,
                        uscc + 2, beijing ? "" : "not ");
        eligibility_zh(out,
                       "项目申报单位统一社会信用代码 %s，登记管理机关行政区划码 %.6s，%s北京地区"
                       "注册（北京地区的区划码以 11 开头）",
                       uscc, uscc + 2, beijing ? "在" : "不在");
    }

    const struct first_store_data *d = in->data;
    const unsigned char *decl = (const unsigned char *)&d->declarations;
    char missing[RULE_DETAIL_LEN] = "", missing_zh[RULE_DETAIL_LEN] = "";
    int n_false = 0, n_all = 0;

    /* Every declaration, named as its field is, where the table decoded it. */
    for (const struct field_spec *f = declaration_fields; f->name; f++) {
        n_all++;
        if (*(const bool *)(decl + f->to.offset))
            continue;
        text_append(missing, sizeof missing, "%s%s", n_false ? ", " : "", f->name);
        text_append(missing_zh, sizeof missing_zh, "%s%s", n_false ? "；" : "", f->title_zh);
        n_false++;
    }
    if (n_false == 0) {
        eligibility_add(out, "declarations", true, "all %d declarations are made", n_all);
        eligibility_zh(out, "%d 项承诺事项均已作出", n_all);
    } else {
        eligibility_add(out, "declarations", false, "%d of %d declarations are false: %s", n_false,
                        n_all, missing);
        eligibility_zh(out, "%d 项承诺事项中有 %d 项未作出：%s", n_all, n_false, missing_zh);
    }
}

/* The spend the amount of a store opening is a share of, as applied. */
static int64_t opening_applied_base(const struct first_store_data *d, const struct opening_terms *t)
{
    if (t->on_licence_fee)
        return d->license_fee_fen;
    return d->rent_12m_fen + d->decoration_fen;
}

/* 二(二) for a store opening. */
static void opening_checks(const struct rule_input *in, struct eligibility *out)
{
    const struct first_store_data *data = in->data;
    const struct first_store_store *store = &data->store;
    const char *type = applicant_type_values[data->applicant_type];
    const char *category = category_values[data->category];
    const char *type_zh = applicant_type_names_zh[data->applicant_type];
    const struct opening_terms *t = &opening_terms[data->applicant_type];
    enum first_store_category cat = data->category;
    char allowed[RULE_DETAIL_LEN], allowed_zh[RULE_DETAIL_LEN];
    char a[MONEY_TEXT_LEN], b[MONEY_TEXT_LEN], c[MONEY_TEXT_LEN];
    char d1[DATE_TEXT_LEN], d2[DATE_TEXT_LEN], d3[DATE_TEXT_LEN];

    /* 三(一)1: one category, from the rows of the applicant's type. */
    const char *category_text_zh = category_names_zh[cat];
    allowed_categories(t, category_values, ", ", " or ", allowed, sizeof allowed);
    allowed_categories(t, category_names_zh, "、", "或", allowed_zh, sizeof allowed_zh);
    if (t->cap_fen[cat] > 0) {
        eligibility_add(out, "category_allowed", true, "%s may apply as %s (it may choose %s)",
                        type, category, allowed);
        eligibility_zh(out, "%s可申报%s（可选类别：%s，只能选择一个）", type_zh, category_text_zh,
                       allowed_zh);
    } else {
        eligibility_add(out, "category_allowed", false,
                        "%s may not apply as %s: the gazette funds it only as %s", type, category,
                        allowed);
        eligibility_zh(out, "%s不可申报%s，支持标准中仅可申报%s", type_zh, category_text_zh,
                       allowed_zh);
    }

    /* 二(二)1 应在北京注册登记: the field table already restricts the
     * district to Beijing's 16; the check states it for the reviewer. */
    const char *district = beijing_districts[store->district];
    eligibility_add(out, "store_in_beijing", true,
                    "the store is in district %s, a Beijing district", district);
    eligibility_zh(out, "门店所在区行政区划代码 %s，在北京市行政区域内", district);

    /* 二(二)1 with footnote 7: registered on or after 2019-01-01; a flagship
     * may instead have been registered earlier and become a flagship on or
     * after that day.  For a flagship, opened_on is the day it became one
     * (the field's own help says so), so that is the date footnote 7 looks
     * at; only registered_on counts for the other categories. */
    sb_day since = new_since(), registered = store->registered_on;
    sb_day opened = store->opened_on;
    date_format(registered, d1);
    date_format(opened, d2);
    date_format(since, d3);
    if (cat == CAT_FLAGSHIP) {
        eligibility_add(out, "new_since_2019", registered >= since || opened >= since,
                        "registered on %s, became a flagship on %s; one of them must be on or "
                        "after %s (footnote 7)",
                        d1, d2, d3);
        eligibility_zh(out,
                       "营业执照注册登记日期 %s，成为旗舰店日期 %s；须在 %s（含）以后新设，"
                       "或在该日（含）以后成为旗舰店",
                       d1, d2, d3);
    } else {
        eligibility_add(out, "new_since_2019", registered >= since,
                        "registered on %s, must be on or after %s", d1, d3);
        eligibility_zh(out, "营业执照注册登记日期 %s，须在 %s（含）以后新设", d1, d3);
    }

    /* 二(二)1 连续经营 12 个月以上: 以上 includes 12, so the store qualifies on
     * the day 12 months from opening are complete. */
    sb_day full = date_add_months(opened, OPERATING_MONTHS);
    int months = full_months(opened, in->submitted_on);
    date_format(full, d1);
    date_format(in->submitted_on, d3);
    eligibility_add(out, "operated_12_months", full <= in->submitted_on,
                    "opened on %s, %d full months by the submission on %s; %d are needed "
                    "(complete on %s)",
                    d2, months, d3, OPERATING_MONTHS, d1);
    eligibility_zh(out,
                   "开业日期 %s，截至申报日 %s 连续经营满 %d 个月；须连续经营 %d 个月以上"
                   "（%s 届满）",
                   d2, d3, months, OPERATING_MONTHS, d1);

    /* 二(二)2 应超过: strictly more than the threshold. */
    int64_t base = opening_applied_base(data, t);
    bool spent = base > t->threshold_fen;
    money_format(t->threshold_fen, c, sizeof c);
    if (t->on_licence_fee) {
        money_format(base, a, sizeof a);
        eligibility_add(out, "spend_threshold", spent, "overseas licence fee %s %s %s (%s)", a,
                        spent ? "exceeds" : "does not exceed", c, type);
        eligibility_zh(out, "%s海外版权代理费 %s，%s标准 %s", type_zh, a, spent ? "超过" : "未超过",
                       c);
    } else {
        char sum[MONEY_TEXT_LEN];
        money_format(data->rent_12m_fen, a, sizeof a);
        money_format(data->decoration_fen, b, sizeof b);
        money_format(base, sum, sizeof sum);
        eligibility_add(out, "spend_threshold", spent,
                        "12 months' rent %s + decoration %s = %s, %s %s (%s)", a, b, sum,
                        spent ? "exceeds" : "does not exceed", c, type);
        eligibility_zh(out, "%s连续12个月实际房租 %s、店面装修 %s，合计 %s，%s标准 %s", type_zh, a,
                       b, sum, spent ? "超过" : "未超过", c);
    }

    /* Footnote 6: 500 m² 以上(含), larger than the brand's other Beijing
     * stores, every first-level category. */
    if (cat == CAT_FLAGSHIP) {
        int64_t area = store->area_m2;
        bool largest = store->largest_in_beijing;
        bool all = store->all_categories;
        eligibility_add(out, "flagship_criteria", area >= FLAGSHIP_MIN_AREA_M2 && largest && all,
                        "area %lld m² (%d or more needed); %s than the brand's other Beijing "
                        "stores; %s the brand's first-level categories",
                        (long long)area, FLAGSHIP_MIN_AREA_M2, largest ? "larger" : "not larger",
                        all ? "carries all" : "does not carry all");
        eligibility_zh(out,
                       "门店面积 %lld 平方米，须 %d 平方米以上（含）；%s北京市本品牌其他实体店；"
                       "商品类别%s涵盖该品牌一级目录下所有类别",
                       (long long)area, FLAGSHIP_MIN_AREA_M2, largest ? "超过" : "未超过",
                       all ? "" : "未");
    }
}

/* The stores of an introduction that qualify (二(三), 三(二)), with the
 * reasons of those that do not. */
struct introduced {
    int total, qualifying, pipeline;
    char why[RULE_DETAIL_LEN];
    char why_zh[RULE_DETAIL_LEN]; /* the same in Chinese */
};

/* Appends to `why` (and in Chinese to `why_zh`) what keeps one introduced
 * store out, and returns whether it qualifies.  Every condition of 二(三) is
 * looked at: the introduction is since 2019-01-01 (一(二); the store's
 * registration is the date the data has for it), 12 months of operation
 * counted from registration (自注册登记起), an entry agreement of 2 years or
 * more, and the spend threshold of the brand's type.  The category is not
 * checked against the brand type: 三(二) rewards introducing any of the four
 * kinds of store, and footnote 3 defines an Asia first store for domestic
 * brands as well. */
static bool introduced_store_qualifies(const struct introduced_store *s, sb_day submitted,
                                       char *why, char *why_zh, size_t cap)
{
    char d[DATE_TEXT_LEN], a[MONEY_TEXT_LEN], b[MONEY_TEXT_LEN];
    const char *sep = "", *sep_zh = "";
    bool ok = true;
    sb_day registered = s->registered_on;

    if (registered < new_since()) {
        date_format(registered, d);
        text_append(why, cap, "%sregistered %s (before 2019-01-01)", sep, d);
        text_append(why_zh, cap, "%s注册登记日期 %s，早于 2019-01-01", sep_zh, d);
        sep = ", ";
        sep_zh = "；";
        ok = false;
    }
    if (date_add_months(registered, OPERATING_MONTHS) > submitted) {
        int months = full_months(registered, submitted);
        text_append(why, cap, "%soperated %d months, needs %d", sep, months, OPERATING_MONTHS);
        text_append(why_zh, cap, "%s自注册登记起连续经营 %d 个月，须 %d 个月以上", sep_zh, months,
                    OPERATING_MONTHS);
        sep = ", ";
        sep_zh = "；";
        ok = false;
    }
    int64_t years = s->agreement_years;
    if (years < AGREEMENT_MIN_YEARS) {
        text_append(why, cap, "%sagreement of %lld year%s, needs %d or more", sep, (long long)years,
                    years == 1 ? "" : "s", AGREEMENT_MIN_YEARS);
        text_append(why_zh, cap, "%s入驻协议 %lld 年，须 %d 年以上", sep_zh, (long long)years,
                    AGREEMENT_MIN_YEARS);
        sep = ", ";
        sep_zh = "；";
        ok = false;
    }
    const struct opening_terms *t = brand_terms(s->brand_type);
    int64_t spend = s->rent_12m_fen + s->decoration_fen;
    if (spend <= t->threshold_fen) {
        money_format(spend, a, sizeof a);
        money_format(t->threshold_fen, b, sizeof b);
        text_append(why, cap, "%srent + decoration %s, must exceed %s", sep, a, b);
        text_append(why_zh, cap, "%s12个月实际房租与装修投入合计 %s，须超过 %s", sep_zh, a, b);
        ok = false;
    }
    return ok;
}

/* Room the reasons leave in a detail for its head ("12 of 200 stores
 * qualify") and its tail ("; 150 more do not qualify"); the Chinese head and
 * tail take three bytes a character. */
#define INTRODUCED_FRAME_LEN    56
#define INTRODUCED_FRAME_ZH_LEN 112

/* Adds one store's entry to the reasons: whole entries only, in order, once
 * one did not fit; the first is cut rather than left out, so there is always
 * one reason to read.  `unlisted` counts the entries left out. */
static void add_reason(char *reasons, size_t cap, const char *entry, int *unlisted)
{
    if (reasons[0] == '\0' || (*unlisted == 0 && strlen(reasons) + strlen(entry) < cap))
        text_append(reasons, cap, "%s", entry);
    else
        (*unlisted)++;
}

static void count_introduced(const struct rule_input *in, struct introduced *r)
{
    const struct first_store_data *d = in->data;
    char reasons[RULE_DETAIL_LEN - INTRODUCED_FRAME_LEN] = "";
    char reasons_zh[RULE_DETAIL_LEN - INTRODUCED_FRAME_ZH_LEN] = "";
    int unlisted = 0, unlisted_zh = 0;

    r->total = (int)d->n_stores;
    r->qualifying = r->pipeline = 0;
    for (size_t i = 0; i < d->n_stores; i++) {
        const struct introduced_store *s = &d->stores[i];
        char why[RULE_DETAIL_LEN] = "", entry[RULE_DETAIL_LEN] = "";
        char why_zh[RULE_DETAIL_LEN] = "";

        bool qualifies = introduced_store_qualifies(s, in->submitted_on, why, why_zh, sizeof why);
        const struct item_decision *decided =
            i < in->n_item_decisions ? &in->item_decisions[i] : NULL;
        if (qualifies && decided && !decided->included) {
            /* RULES.md §5: the reviewer left it out (审定), saying why. */
            const char *reason = decided->reason ? decided->reason : "";
            text_append(why, sizeof why, "left out by the reviewer: %s", reason);
            text_append(why_zh, sizeof why_zh, "经审核不予计入：%s", reason);
            qualifies = false;
        }
        if (qualifies) {
            r->qualifying++;
            r->pipeline += s->in_pipeline;
            continue;
        }
        text_append(entry, sizeof entry, "; store %zu (%s): %s", i + 1, s->brand, why);
        add_reason(reasons, sizeof reasons, entry, &unlisted);
        entry[0] = '\0';
        text_append(entry, sizeof entry, "。第 %zu 家（%s）：%s", i + 1, s->brand, why_zh);
        add_reason(reasons_zh, sizeof reasons_zh, entry, &unlisted_zh);
    }
    r->why[0] = '\0';
    text_append(r->why, sizeof r->why, "%d of %d store%s qualif%s%s", r->qualifying, r->total,
                r->total == 1 ? "" : "s", r->qualifying == 1 ? "ies" : "y", reasons);
    if (unlisted > 0)
        text_append(r->why, sizeof r->why, "; %d more do%s not qualify", unlisted,
                    unlisted == 1 ? "es" : "");
    r->why_zh[0] = '\0';
    text_append(r->why_zh, sizeof r->why_zh, "引进首店、旗舰店 %d 家，其中 %d 家符合条件%s",
                r->total, r->qualifying, reasons_zh);
    if (unlisted_zh > 0)
        text_append(r->why_zh, sizeof r->why_zh, "。另有 %d 家不符合条件，未列出", unlisted_zh);
}

/* 一(三): held in Beijing on or after 2020-01-01, and already held. */
static void launch_event_checks(const struct rule_input *in, struct eligibility *out)
{
    const struct first_store_data *d = in->data;
    sb_day held = d->event.held_on, since = date_from_ymd(2020, 1, 1);
    char d1[DATE_TEXT_LEN], d2[DATE_TEXT_LEN];

    date_format(held, d1);
    date_format(in->submitted_on, d2);
    eligibility_add(out, "held_in_period", held >= since && held <= in->submitted_on,
                    "held on %s; must be between 2020-01-01 and the submission on %s", d1, d2);
    eligibility_zh(out, "新品发布活动举办日期 %s，须在 2020-01-01（含）至申报日 %s 之间在京举办",
                   d1, d2);
}

static void first_store_eligibility(const struct rule_input *in, struct eligibility *out)
{
    const struct first_store_data *d = in->data;
    struct introduced r;

    applicant_checks(in, out);
    switch (d->project) {
    case PROJECT_STORE_OPENING:
        opening_checks(in, out);
        break;
    case PROJECT_STORE_INTRODUCTION:
        count_introduced(in, &r);
        eligibility_add(out, "stores_qualifying", r.qualifying > 0, "%s", r.why);
        eligibility_zh(out, "%s", r.why_zh);
        break;
    case PROJECT_LAUNCH_EVENT:
        launch_event_checks(in, out);
        break;
    }
}

/* 三(一): the share of the audited (else applied) spend, at most the cap of
 * the category; nothing for a category the applicant's type cannot choose. */
static void opening_award(const struct rule_input *in, struct award *out)
{
    const struct first_store_data *data = in->data;
    const char *type = applicant_type_values[data->applicant_type];
    const char *category = category_values[data->category];
    const struct opening_terms *t = &opening_terms[data->applicant_type];
    enum first_store_category cat = data->category;
    bool audited = in->audited_fen >= 0;
    char base_text[MONEY_TEXT_LEN], share_text[MONEY_TEXT_LEN], cap_text[MONEY_TEXT_LEN];

    if (audited)
        out->basis = "audited";
    if (t->cap_fen[cat] <= 0) {
        award_add(out, "store_opening", 0, 0, 0,
                  "nothing: %s may not apply as %s (三(一)1 has no such row)", type, category);
        award_zh(out, "不予支持：%s不可申报%s（支持标准表中无此类别）",
                 applicant_type_names_zh[data->applicant_type], category_names_zh[cat]);
        return;
    }
    /* RULES.md §5: an audit lowers the base, never raises it above what was
     * applied for. */
    int64_t declared = opening_applied_base(data, t);
    bool audit_binds = audited && in->audited_fen < declared;
    int64_t base = audit_binds ? in->audited_fen : declared;
    int64_t share = money_percent(base, t->percent);
    int64_t cap = t->cap_fen[cat];
    const char *what = audit_binds         ? "the audited investment"
                       : t->on_licence_fee ? "the licence fee"
                                           : "rent + decoration";
    const char *what_zh = audit_binds         ? "审定实际投资额"
                          : t->on_licence_fee ? "海外版权代理费"
                                              : "房租与店面装修合计";

    money_format(base, base_text, sizeof base_text);
    money_format(share, share_text, sizeof share_text);
    money_format(cap, cap_text, sizeof cap_text);
    if (share > cap) {
        award_add(out, "store_opening", money_min(share, cap), 0, 0,
                  "%lld%% of %s %s = %s, capped at %s (%s)", (long long)t->percent, what, base_text,
                  share_text, cap_text, category);
        award_zh(out, "%s %s，按 %lld%% 计 %s，超过%s最高限额 %s，按最高限额支持", what_zh,
                 base_text, (long long)t->percent, share_text, category_names_zh[cat], cap_text);
    } else {
        award_add(out, "store_opening", share, 0, 0, "%lld%% of %s %s = %s (cap %s, %s)",
                  (long long)t->percent, what, base_text, share_text, cap_text, category);
        award_zh(out, "%s %s，按 %lld%% 计 %s（%s最高限额 %s）", what_zh, base_text,
                 (long long)t->percent, share_text, category_names_zh[cat], cap_text);
    }
    struct award_item *it = &out->items[out->n - 1];
    if (audited && !audit_binds) {
        char audited_text[MONEY_TEXT_LEN];
        money_format(in->audited_fen, audited_text, sizeof audited_text);
        text_append(it->detail, sizeof it->detail,
                    "; the audited %s is not below the %s applied for, which stays the base",
                    audited_text, base_text);
        text_append(it->detail_zh, sizeof it->detail_zh,
                    "；审定金额 %s 不低于申报金额 %s，按申报金额计算", audited_text, base_text);
    }
    if (t->on_licence_fee && data->rent_12m_fen + data->decoration_fen > 0) {
        char r[MONEY_TEXT_LEN], d[MONEY_TEXT_LEN];
        money_format(data->rent_12m_fen, r, sizeof r);
        money_format(data->decoration_fen, d, sizeof d);
        text_append(it->detail, sizeof it->detail,
                    "; the rent %s and decoration %s given are not part of an agent's amount "
                    "(三(一)3: the licence fee)",
                    r, d);
        text_append(it->detail_zh, sizeof it->detail_zh,
                    "；所填房租 %s、装修费用 %s 不计入授权代理商的支持金额（按海外版权代理费计算）",
                    r, d);
    }
}

/* 三(二): a fixed sum per qualifying store and a bonus per qualifying store
 * from the pipeline.  No percentage of a spend is involved: the municipal
 * stage decides store by store which count (RULES.md §5), and once it has,
 * the basis is its audit. */
static void introduction_award(const struct rule_input *in, struct award *out)
{
    struct introduced r;
    char each[MONEY_TEXT_LEN], sum[MONEY_TEXT_LEN];

    if (in->n_item_decisions > 0)
        out->basis = "audited";
    count_introduced(in, &r);
    money_format(INTRODUCTION_AWARD_FEN, each, sizeof each);
    money_format(INTRODUCTION_AWARD_FEN * r.qualifying, sum, sizeof sum);
    award_add(out, "store_introduction", INTRODUCTION_AWARD_FEN * r.qualifying, 0, r.qualifying,
              "%s × %d qualifying store%s", each, r.qualifying, r.qualifying == 1 ? "" : "s");
    award_zh(out, "每新增引进 1 个示范首店、旗舰店奖励 %s，符合条件 %d 个，合计 %s", each,
             r.qualifying, sum);
    if (r.pipeline > 0) {
        money_format(PIPELINE_BONUS_FEN, each, sizeof each);
        money_format(PIPELINE_BONUS_FEN * r.pipeline, sum, sizeof sum);
        award_add(out, "pipeline_bonus", PIPELINE_BONUS_FEN * r.pipeline, 0, r.pipeline,
                  "%s × %d qualifying store%s from the pipeline of stores under negotiation", each,
                  r.pipeline, r.pipeline == 1 ? "" : "s");
        award_zh(out, "纳入首店在谈项目库并落地经营的 %d 个，每个额外奖励 %s，合计 %s", r.pipeline,
                 each, sum);
    }
}

/* 三(三): half of venue rent plus set-up (or of the audited figure), at most
 * 100万. */
static void launch_event_award(const struct rule_input *in, struct award *out)
{
    const struct launch_event *event = &((const struct first_store_data *)in->data)->event;
    int64_t declared = event->venue_rent_fen + event->setup_fen;
    /* RULES.md §5: min(audited, declared). */
    bool audited = in->audited_fen >= 0 && in->audited_fen < declared;
    int64_t base = audited ? in->audited_fen : declared;
    int64_t share = money_percent(base, LAUNCH_EVENT_PERCENT);
    char base_text[MONEY_TEXT_LEN], share_text[MONEY_TEXT_LEN], cap_text[MONEY_TEXT_LEN];

    if (in->audited_fen >= 0)
        out->basis = "audited";
    money_format(base, base_text, sizeof base_text);
    money_format(share, share_text, sizeof share_text);
    money_format(LAUNCH_EVENT_CAP_FEN, cap_text, sizeof cap_text);
    award_add(out, "launch_event", money_min(share, LAUNCH_EVENT_CAP_FEN), 0, 0,
              "%d%% of %s %s = %s, %s %s", LAUNCH_EVENT_PERCENT,
              audited ? "the audited cost" : "venue rent + set-up", base_text, share_text,
              share > LAUNCH_EVENT_CAP_FEN ? "capped at" : "cap", cap_text);
    award_zh(out, "%s %s，按 %d%% 计 %s，%s %s%s",
             audited ? "审定的场租、搭建总费用" : "场租、搭建总费用", base_text,
             LAUNCH_EVENT_PERCENT, share_text,
             share > LAUNCH_EVENT_CAP_FEN ? "超过最高限额" : "最高限额", cap_text,
             share > LAUNCH_EVENT_CAP_FEN ? "，按最高限额支持" : "");
    if (in->audited_fen >= 0 && !audited) {
        struct award_item *it = &out->items[out->n - 1];
        char audited_text[MONEY_TEXT_LEN];
        money_format(in->audited_fen, audited_text, sizeof audited_text);
        text_append(it->detail, sizeof it->detail,
                    "; the audited %s is not below the %s applied for, which stays the base",
                    audited_text, base_text);
        text_append(it->detail_zh, sizeof it->detail_zh,
                    "；审定金额 %s 不低于申报金额 %s，按申报金额计算", audited_text, base_text);
    }
}

/* The amount is computed whether or not the checks pass, so a reviewer sees
 * what was applied for next to why it may not be granted; only a store left
 * out of an introduction or a category the type cannot choose yields
 * nothing. */
static void first_store_award(const struct rule_input *in, struct award *out)
{
    const struct first_store_data *d = in->data;

    out->basis = "as_applied";
    switch (d->project) {
    case PROJECT_STORE_OPENING:
        opening_award(in, out);
        break;
    case PROJECT_STORE_INTRODUCTION:
        introduction_award(in, out);
        break;
    case PROJECT_LAUNCH_EVENT:
        launch_event_award(in, out);
        break;
    }
}

/* No consistency rule across fields: a domestic brand choosing asia_first
 * is saved and shown as ineligible (category_allowed), not refused. */

/* 京商消促字〔2020〕48号 三(一)2-3, 三(三): a store's or an event's amount is
 * computed from the audited (审定) investment (RULES.md §5: never above what
 * was applied for). */
#define AUDITED_RECORD(req)                                                                                        \
    {                                                                                                              \
        .name = "audited_amount_fen", .type = SPEC_FEN, .required = req, .min = 0, .max = MAX_FEN,                 \
        .title_zh = "审定投资额（分）", .title_en = "Audited investment (fen)",                                    \
        .help = "the audited rent and decoration (or licence fee, or event cost) the amount is "                   \
                "computed from; an audit above the amount applied for does not raise it",                          \
        .help_zh = "经审计的房租和装修费（或代理费、活动费用），按此计算支持金额；" \
                   "审定金额高于申报金额的，按申报金额计算。"                                  \
    }

static const struct field_spec audited_records[] = {
    AUDITED_RECORD(true),
    {.name = NULL},
};

/* 三(二): the reviewer decides store by store whether it counts (RULES.md
 * §5), in the order of the application's `stores`. */
static const struct field_spec store_decision_fields[] = {
    {.name = "included",
     .type = SPEC_BOOL,
     .required = true,
     .title_zh = "予以计入",
     .title_en = "Included"},
    {.name = "reason",
     .type = SPEC_TEXT,
     .min = 1,
     .max = 1000,
     .title_zh = "理由",
     .title_en = "Reason",
     .help = "required to leave a store out",
     .help_zh = "不予计入的，须说明理由。"},
    {.name = NULL},
};

static const struct field_spec store_decision_item = {
    .type = SPEC_OBJECT,
    .fields = store_decision_fields,
    .title_zh = "逐家审核",
    .title_en = "Decision on a store",
};

#define STORE_DECISIONS_RECORD(req)                                                                                \
    {                                                                                                              \
        .name = "store_decisions", .type = SPEC_ARRAY, .required = req, .min = 1, .max = 200,                      \
        .items = &store_decision_item, .title_zh = "引进门店逐家审核",                                             \
        .title_en = "Decisions on the stores introduced",                                                          \
        .help = "one per store introduced, in the application's order: included, or left out "                     \
                "with the reason",                                                                                 \
        .help_zh = "按申报的引进门店顺序逐家填写：予以计入，或不予计入并说明理由。" \
    }

static const struct field_spec introduction_records[] = {
    STORE_DECISIONS_RECORD(true),
    {.name = NULL},
};

/* What the kinds endpoint shows: every record any project may ask for, none
 * of them required of every project (a review must carry its project's:
 * the audited amount of a store or an event, the decisions on the stores
 * introduced). */
static const struct field_spec first_store_municipal_records[] = {
    AUDITED_RECORD(false),
    STORE_DECISIONS_RECORD(false),
    {.name = NULL},
};

static const struct field_spec *first_store_records_for(const void *data)
{
    const struct first_store_data *d = data;
    return d->project == PROJECT_STORE_INTRODUCTION ? introduction_records : audited_records;
}

/* One decision per store, and a reason for each store left out. */
static void first_store_check_records(const void *data, const json_t *review,
                                      struct spec_errors *errs)
{
    const struct first_store_data *d = data;
    const json_t *decisions = json_object_get(review, "store_decisions");
    if (d->project != PROJECT_STORE_INTRODUCTION || !json_is_array(decisions))
        return;
    if (json_array_size(decisions) != d->n_stores) {
        spec_errors_add(errs, "/store_decisions",
                        "must have one decision for each of the %zu stores introduced, in their "
                        "order; it has %zu",
                        d->n_stores, json_array_size(decisions));
        return;
    }
    size_t i;
    const json_t *one;
    json_array_foreach(decisions, i, one)
    {
        if (json_is_false(json_object_get(one, "included")) && !json_object_get(one, "reason")) {
            char ptr[48];
            snprintf(ptr, sizeof ptr, "/store_decisions/%zu/reason", i);
            spec_errors_add(errs, ptr, "is required to leave store %zu (%s) out", i + 1,
                            d->stores[i].brand);
        }
    }
}

/* 京商消促字〔2020〕48号 四: a store closed within its first year refunds. */
static const char *const first_store_revocation_grounds[] = {
    "other",
    "closed_within_year",
    "fraud",
    NULL,
};

/* The amount is computed from the audited (审定) investment, or on the
 * stores the reviewer included. */
static void first_store_fix_figures(const json_t *review, json_t *facts)
{
    json_t *audited = json_object_get(review, "audited_amount_fen");
    json_t *decisions = json_object_get(review, "store_decisions");
    if (audited)
        json_object_set(facts, "audited_fen", audited);
    if (decisions)
        json_object_set(facts, "item_decisions", decisions);
}

/* RULES.md §5: the unit of "one application per round" is the project:
 * the same brand and store, the same introduced store (its brand and
 * registration date: the data has no other name for it), the same launch
 * event (its name and date). */
static bool first_store_same_project(const void *a, const void *b, char *what, size_t cap)
{
    const struct first_store_data *x = a, *y = b;
    char day[DATE_TEXT_LEN];
    if (x->project != y->project)
        return false;
    switch (x->project) {
    case PROJECT_STORE_OPENING:
        if (strcmp(x->brand, y->brand) != 0 || strcmp(x->store.name, y->store.name) != 0)
            return false;
        snprintf(what, cap, "brand %s, store %s", x->brand, x->store.name);
        return true;
    case PROJECT_STORE_INTRODUCTION:
        for (size_t i = 0; i < x->n_stores; i++)
            for (size_t j = 0; j < y->n_stores; j++)
                if (strcmp(x->stores[i].brand, y->stores[j].brand) == 0 &&
                    x->stores[i].registered_on == y->stores[j].registered_on) {
                    date_format(x->stores[i].registered_on, day);
                    snprintf(what, cap, "the introduced store of %s registered on %s",
                             x->stores[i].brand, day);
                    return true;
                }
        return false;
    case PROJECT_LAUNCH_EVENT:
        if (strcmp(x->event.name, y->event.name) != 0 || x->event.held_on != y->event.held_on)
            return false;
        date_format(x->event.held_on, day);
        snprintf(what, cap, "the launch event %s held on %s", x->event.name, day);
        return true;
    }
    return false;
}

/* What a funding decision names besides the holder: the brand and store,
 * the stores introduced, the event. */
static void first_store_decision_details(const void *data, json_t *doc)
{
    const struct first_store_data *d = data;
    char day[DATE_TEXT_LEN];
    json_object_set_new(doc, "project", json_string(project_values[d->project]));
    switch (d->project) {
    case PROJECT_STORE_OPENING:
        json_object_set_new(doc, "brand", json_string(d->brand));
        json_object_set_new(
            doc, "store",
            json_pack("{s:s, s:s}", "name", d->store.name, "address", d->store.address));
        json_object_set_new(doc, "category", json_string(category_values[d->category]));
        break;
    case PROJECT_STORE_INTRODUCTION: {
        json_t *brands = json_array();
        for (size_t i = 0; i < d->n_stores; i++)
            json_array_append_new(brands, json_string(d->stores[i].brand));
        json_object_set_new(doc, "brands", brands);
        break;
    }
    case PROJECT_LAUNCH_EVENT:
        date_format(d->event.held_on, day);
        json_object_set_new(doc, "event",
                            json_pack("{s:s, s:s}", "name", d->event.name, "held_on", day));
        break;
    }
}

/* 五: what an application brings (RULES.md §6).  Item 8's supporting
 * documents go with the project they support. */
static bool opens_store(const void *data)
{
    return ((const struct first_store_data *)data)->project == PROJECT_STORE_OPENING;
}

static bool through_agent(const void *data)
{
    const struct first_store_data *d = data;
    return d->project == PROJECT_STORE_OPENING &&
           d->applicant_type == APPLICANT_INTERNATIONAL_AGENT;
}

static bool introduces_stores(const void *data)
{
    return ((const struct first_store_data *)data)->project == PROJECT_STORE_INTRODUCTION;
}

static bool holds_event(const void *data)
{
    return ((const struct first_store_data *)data)->project == PROJECT_LAUNCH_EVENT;
}

static const struct material_type first_store_materials[] = {
    {"application_form", "项目申报书", "Project application form", MATERIAL_REQUIRED},
    {"expense_list", "项目已发生费用明细表", "Itemised expenses incurred", MATERIAL_REQUIRED},
    {"commitment", "项目申报单位承诺书", "Commitment of the applicant", MATERIAL_REQUIRED},
    {"funding_summary", "商业流通发展资金项目申报情况表",
     "Summary sheet of the commercial circulation fund application", MATERIAL_REQUIRED},
    {"legal_documents", "法人文件(营业执照副本、统一社会信用代码证书、法定代表人身份证)",
     "Legal documents (business licence, USCC certificate, legal representative's ID)",
     MATERIAL_REQUIRED},
    {"financial_statements", "近 3 年财务报表", "Financial statements of the last 3 years",
     MATERIAL_REQUIRED},
    {"store_evidence", "首店说明、场地租赁协议、营业中的首店照片",
     "First-store statement, lease, photos of the store open for business", MATERIAL_CONDITIONAL,
     opens_store, "data.project is store_opening", "项目类型为首店开设时"},
    {"agency_agreement", "代理协议", "Agency agreement", MATERIAL_CONDITIONAL, through_agent,
     "data.applicant_type is international_agent", "申报主体为国际品牌授权代理商时"},
    {"introduction_agreement", "引进协议", "Introduction agreement", MATERIAL_CONDITIONAL,
     introduces_stores, "data.project is store_introduction", "项目类型为首店引进时"},
    {"event_photos", "首发首秀活动照片", "Photos of the launch event", MATERIAL_CONDITIONAL,
     holds_event, "data.project is launch_event", "项目类型为首发首秀活动时"},
    {"other", "其他与项目相关的材料", "Other documents about the project", MATERIAL_OPTIONAL},
    {NULL},
};

/* 四: the project keeps operating for a year from the day the funds were
 * received (自获得补助资金之日起); demolition, closure or a revoked licence
 * within it obliges a refund. */
static const struct duty_rules first_store_duties = {
    .operating_months = 12,
    .closure_ground = "closed_within_year",
};

const struct kind kind_first_store = {
    .name = "first_store",
    .authority = "commerce",
    .title_zh = "鼓励发展商业品牌首店项目",
    .title_en = "Brand first-store funding",
    .source = "京商消促字〔2020〕48号",
    /* 五.3 项目申报单位承诺书 (附件3, whose text the gazette leaves out):
     * the undertakings of 四 and 八 in the notice's own words. */
    .declaration_zh =
        "本单位郑重承诺：\n"
        "一、确保申报材料真实、准确、完整，保证项目各项建设手续合规、按时间进度推进（八、1）；\n"
        "二、获得财政资金支持的项目自获得补助资金之日起持续经营时间不少于 1 年；1 "
        "年内有拆迁、停止营业、被吊销营业执照等情形的，退回相应补助资金（四）；\n"
        "三、积极配合相关监督检查、审计等工作（八、3）；\n"
        "四、如有伪造、提供虚假材料的，愿按《北京市商务领域不良信用记录名单管理办法（试行）》"
        "规定接受处理；如有截留、挪用、骗取财政资金等违法行为，依照《财政违法行为处罚处分条例》"
        "（国务院令第 427 号）等有关规定接受处理处罚（八、2、6）。",
    .declaration_en =
        "We solemnly declare:\n"
        "1. The materials submitted are true, accurate and complete, and every permit of the "
        "project is in order and on schedule (8.1);\n"
        "2. A project funded will keep operating for at least 1 year from the day the funds "
        "are received; should it be demolished, close, or lose its business licence within "
        "that year, we will return the funds (4);\n"
        "3. We will cooperate with supervision, inspection and audit (8.3);\n"
        "4. Should we forge or submit false materials, we accept the measures of the Beijing "
        "commerce bad-credit list rules; should we withhold, misuse or obtain funds by fraud, "
        "we accept the penalties of the Regulations on Penalties for Fiscal Violations "
        "(State Council Decree 427) (8.2, 8.6).",
    .declaration_version = "京商消促字〔2020〕48号-1",
    .data_fields = first_store_fields,
    .data_size = sizeof(struct first_store_data),
    .enterprise_units = true,
    .check_consistency = NULL,
    .eligibility = first_store_eligibility,
    .award = first_store_award,
    .issued_zh = "品牌首店项目资金支持决定",
    .issued_en = "Funding decision for a brand first-store project",
    .decides_zh = "支持",
    .decides_en = "fund",
    .amount_zh = "支持金额",
    .amount_en = "funding",
    .valid_years = 0,
    /* 六: the district (by affiliation) and the municipal stage; 48号 has
     * no notice. */
    .stages = STAGE_DISTRICT | STAGE_MUNICIPAL,
    .municipal_records = first_store_municipal_records,
    .municipal_records_for = first_store_records_for,
    .check_records = first_store_check_records,
    .fix_figures = first_store_fix_figures,
    .revocation_grounds = first_store_revocation_grounds,
    .materials = first_store_materials,
    .same_project = first_store_same_project,
    .decision_details = first_store_decision_details,
    .after = AFTER_DUTIES | AFTER_PAYMENT,
    .duties = &first_store_duties,
};
