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
#include <string.h>

#include "kinds.h"

#define MAX_FEN 100000000000000LL

static const char *const project_values[] = {"store_opening", "store_introduction", "launch_event",
                                             NULL};
static const char *const applicant_type_values[] = {"international_brand", "domestic_brand",
                                                    "international_agent", NULL};
static const char *const category_values[] = {"asia_first", "china_first", "beijing_first",
                                              "flagship", NULL};
static const char *const brand_type_values[] = {"international_brand", "domestic_brand", NULL};
/* GB/T 2260 codes of Beijing's 16 districts (config/review-units.json). */
static const char *const district_values[] = {
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
    "110113", "110114", "110115", "110116", "110117", "110118", "110119", NULL,
};

#define CATEGORY_HELP                                                                                    \
    "asia_first: 亚洲首店, the brand's first store in Asia; china_first: 中国(内地)首店, its " \
    "first in mainland China; beijing_first: 北京首店, its first in Beijing; flagship: 旗舰店, "  \
    "500 m² or more, larger than the brand's other Beijing stores, carrying all its "                   \
    "first-level categories."

static const struct field_spec store_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "门店名称",
        .title_en = "Store name",
        .help = "The store's name as on its business licence.",
    },
    {
        .name = "address",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "门店地址",
        .title_en = "Store address",
        .help = "Street address of the store in Beijing.",
    },
    {
        .name = "district",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = district_values,
        .title_zh = "所在区",
        .title_en = "District",
        .help = "The Beijing district the store is in, as its GB/T 2260 code (110105 is "
                "Chaoyang).",
    },
    {
        .name = "registered_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "营业执照注册登记日期",
        .title_en = "Registration date",
        .help = "Registration date on the store's business licence; 2019-01-01 or later "
                "for a new store.",
    },
    {
        .name = "opened_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "开业日期",
        .title_en = "Opening date",
        .help = "The day the store opened (or became a flagship); 12 consecutive months of "
                "operation are counted from it.",
    },
    {
        .name = "area_m2",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = 1000000,
        .title_zh = "门店面积（平方米）",
        .title_en = "Floor area (m²)",
        .help = "Floor area in whole square metres; a flagship has 500 m² or more.",
    },
    {
        .name = "largest_in_beijing",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "超过北京市本品牌其他实体店",
        .title_en = "Largest of the brand in Beijing",
        .help = "The store is larger than every other store of the brand in Beijing "
                "(needed for a flagship).",
    },
    {
        .name = "all_categories",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "涵盖该品牌一级目录下所有类别",
        .title_en = "Carries all first-level categories",
        .help = "The store carries every first-level product category of the brand "
                "(needed for a flagship).",
    },
    {0},
};

/* Brands are funded on rent plus fit-out, agents on their licence fee. */
static const struct field_spec brand_cost_fields[] = {
    {
        .name = "rent_12m_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "连续12个月房租（分）",
        .title_en = "Rent for 12 consecutive months (fen)",
        .help = "Rent actually paid for the store for 12 consecutive months, in fen "
                "(1 yuan = 100 fen).",
    },
    {
        .name = "decoration_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "店面装修费用（分）",
        .title_en = "Store fit-out (fen)",
        .help = "Fit-out cost actually incurred, equipment and supporting hardware "
                "included, in fen.",
    },
    {0},
};

static const struct field_spec agent_cost_fields[] = {
    {
        .name = "license_fee_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "海外版权代理费（分）",
        .title_en = "Overseas licence fee (fen)",
        .help = "The overseas licence fee the authorised agent paid for the brand, in fen.",
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
        .required = true,
        .enum_values = applicant_type_values,
        .variants = applicant_type_variants,
        .title_zh = "申报主体",
        .title_en = "Applicant type",
        .help = "international_brand: 国际品牌企业 (not Hong Kong, Macao or Taiwan); "
                "domestic_brand: 本土自主品牌企业 (Hong Kong, Macao and Taiwan included); "
                "international_agent: 国际品牌授权代理商.",
    },
    {
        .name = "category",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = category_values,
        .title_zh = "申报类别",
        .title_en = "Category",
        .help = "Only one category may be chosen; a domestic brand cannot choose "
                "asia_first. " CATEGORY_HELP,
    },
    {
        .name = "brand",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "品牌名称",
        .title_en = "Brand",
        .help = "The brand of the store.",
    },
    {
        .name = "store",
        .type = SPEC_OBJECT,
        .required = true,
        .fields = store_fields,
        .title_zh = "门店",
        .title_en = "Store",
        .help = "The first store or flagship the application is for.",
    },
    {0},
};

static const struct field_spec introduced_store_fields[] = {
    {
        .name = "brand",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "品牌名称",
        .title_en = "Brand",
        .help = "The brand of the store introduced.",
    },
    {
        .name = "brand_type",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = brand_type_values,
        .title_zh = "品牌类型",
        .title_en = "Brand type",
        .help = "international_brand: 国际品牌; domestic_brand: 本土品牌.  Decides the spend "
                "threshold the store must exceed.",
    },
    {
        .name = "category",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = category_values,
        .title_zh = "首店类别",
        .title_en = "Category",
        .help = CATEGORY_HELP,
    },
    {
        .name = "registered_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "营业执照注册登记日期",
        .title_en = "Registration date",
        .help = "Registration date on the store's business licence; 12 months of operation "
                "are counted from it.",
    },
    {
        .name = "opened_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "开业日期",
        .title_en = "Opening date",
        .help = "The day the store opened.",
    },
    {
        .name = "rent_12m_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "连续12个月房租（分）",
        .title_en = "Rent for 12 consecutive months (fen)",
        .help = "Rent actually paid by the store for 12 consecutive months, in fen.",
    },
    {
        .name = "decoration_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "店面装修费用（分）",
        .title_en = "Store fit-out (fen)",
        .help = "The store's fit-out cost, equipment included, in fen.",
    },
    {
        .name = "agreement_years",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = 100,
        .title_zh = "入驻协议年限",
        .title_en = "Entry agreement (years)",
        .help = "Length of the entry agreement signed with the store, in whole years; 2 or "
                "more is needed.",
    },
    {
        .name = "in_pipeline",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "纳入首店在谈项目库",
        .title_en = "In the pipeline of stores under negotiation",
        .help = "The store was in the municipal pipeline of first stores under negotiation "
                "before it opened (earns an extra award).",
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
        .required = true,
        .min = 1,
        .max = 200,
        .items = &introduced_store_item,
        .title_zh = "引进的首店、旗舰店",
        .title_en = "Stores introduced",
        .help = "Each first store or flagship the applicant brought to Beijing since "
                "2019-01-01.",
    },
    {0},
};

static const struct field_spec event_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "活动名称",
        .title_en = "Event name",
        .help = "Name of the new-product launch.",
    },
    {
        .name = "held_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "举办日期",
        .title_en = "Date held",
        .help = "The day the launch was held in Beijing; 2020-01-01 or later.",
    },
    {
        .name = "venue_rent_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "场租（分）",
        .title_en = "Venue rent (fen)",
        .help = "Venue rent paid for the launch, in fen.",
    },
    {
        .name = "setup_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "搭建费用（分）",
        .title_en = "Set-up cost (fen)",
        .help = "Cost of building the launch set, in fen.",
    },
    {0},
};

static const struct field_spec launch_event_fields[] = {
    {
        .name = "event",
        .type = SPEC_OBJECT,
        .required = true,
        .fields = event_fields,
        .title_zh = "大型新品发布活动",
        .title_en = "Launch event",
        .help = "The large new-product launch with international or national reach.",
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
        .required = true,
        .title_zh = "项目申报单位为项目实际投资单位",
        .title_en = "The applicant is the actual investor",
        .help = "The applicant actually invested in the project.",
    },
    {
        .name = "not_blacklisted",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "未纳入全市联合惩戒“黑名单”",
        .title_en = "Not on the joint-punishment blacklist",
        .help = "The applicant is not on Beijing's joint-punishment blacklist.",
    },
    {
        .name = "no_bad_credit_sanction",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "未受商务领域不良信用记录“不予支持”惩戒",
        .title_en = "No \"no support\" bad-credit sanction",
        .help = "The applicant is not on the commerce bad-credit list with a \"no support\" "
                "sanction.",
    },
    {
        .name = "not_prohibited_catalogue",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "不属于禁止和限制目录",
        .title_en = "Not in the prohibited and restricted catalogue",
        .help = "The project is not in the prohibited or restricted classes of Beijing's "
                "catalogue of new industries.",
    },
    {
        .name = "no_duplicate_funding",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "未获得中央及其他市级财政资金支持",
        .title_en = "No other central or municipal funding",
        .help = "The project has not received and will not receive central or other "
                "municipal funding for the same thing.",
    },
    {0},
};

static const struct field_spec first_store_fields[] = {
    {
        .name = "project",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = project_values,
        .variants = project_variants,
        .title_zh = "项目类型",
        .title_en = "Project type",
        .help = "store_opening: 开设示范首店、旗舰店; store_introduction: 引进首店、旗舰店; "
                "launch_event: 大型新品发布活动.  Each type has its own fields.",
    },
    {
        .name = "declarations",
        .type = SPEC_OBJECT,
        .required = true,
        .fields = declaration_fields,
        .title_zh = "承诺事项",
        .title_en = "Declarations",
        .help = "What the applicant declares about itself and the project (二(一)).",
    },
    {0},
};

/* A domestic brand may not choose asia_first (三(一)1 lists no such row):
 * the field table cannot say that one enum restricts another. */
static void first_store_check_consistency(const json_t *data, int round, struct spec_errors *errs)
{
    (void)round;
    const char *project = json_string_value(json_object_get(data, "project"));
    const char *type = json_string_value(json_object_get(data, "applicant_type"));
    const char *category = json_string_value(json_object_get(data, "category"));

    if (project && strcmp(project, "store_opening") == 0 && type &&
        strcmp(type, "domestic_brand") == 0 && category && strcmp(category, "asia_first") == 0)
        spec_errors_add(errs, "/data/category",
                        "cannot be asia_first for a domestic brand; choose china_first, "
                        "beijing_first or flagship");
}

const struct kind kind_first_store = {
    .name = "first_store",
    .authority = "commerce",
    .title_zh = "鼓励发展商业品牌首店项目",
    .title_en = "Brand first-store funding",
    .data_fields = first_store_fields,
    .enterprise_units = true,
    .check_consistency = first_store_check_consistency,
};
