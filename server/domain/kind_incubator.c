/*
 * `incubator`: science-tech enterprise incubator certification
 * (京科发〔2020〕13号, 北京市科技企业孵化器认定管理办法; RULES.md §2).
 *
 * The field table is the application form: what 第六条 asks an incubator to
 * show, and the list of its incubatees (在孵企业) from which the counts and
 * ratios of 第六条(五) and (七) are computed.
 */
#include <string.h>

#include "kinds.h"

#define MAX_COUNT 1000000
/* 10^14 fen = 10^12 yuan: far above any figure, and 2000 items of it still
 * sum well inside int64_t. */
#define MAX_FEN 100000000000000LL

static const char *const incubator_field_values[] = {
    "new_generation_it",
    "integrated_circuits",
    "medicine_health",
    "intelligent_equipment",
    "energy_environment",
    "new_energy_vehicles",
    "new_materials",
    "artificial_intelligence",
    "software_information",
    "science_tech_services",
    NULL,
};

static const char *const service_values[] = {"platform", "supply_chain", "resource_matching", NULL};

static const struct field_spec service_item = {
    .type = SPEC_ENUM,
    .enum_values = service_values,
    .title_zh = "专业服务",
    .title_en = "Professional service",
    .help = "platform: 专业平台服务 (R&D, design, inspection and testing platforms); "
            "supply_chain: 供应链服务 (sourcing, prototyping, trial production, logistics); "
            "resource_matching: 资源对接服务 (marketing, training, financing, IP, legal and "
            "similar services).",
};

static const struct field_spec yearly_fen_item = {
    .type = SPEC_FEN,
    .min = 0,
    .max = MAX_FEN,
    .title_zh = "年度金额（分）",
    .title_en = "Amount for the year (fen)",
    .help = "An integer number of fen (1 yuan = 100 fen).",
};

static const struct field_spec incubatee_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "企业名称",
        .title_en = "Company name",
        .help = "The incubatee's registered name, as on its business licence.",
    },
    {
        .name = "uscc",
        .type = SPEC_USCC,
        .required = true,
        .title_zh = "统一社会信用代码",
        .title_en = "Unified Social Credit Code",
        .help = "The incubatee's 18-character code; a code of a Beijing division (11…) "
                "counts towards the 20 incubatees registered in Beijing.",
    },
    {
        .name = "employees",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "从业人员总数",
        .title_en = "Employees",
        .help = "Total number of employees; a qualifying incubatee has 100 or fewer.",
    },
    {
        .name = "revenue_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "上年度营业收入（分）",
        .title_en = "Revenue last year (fen)",
        .help = "Operating revenue in the year before the round, in fen; a qualifying "
                "incubatee has 20,000,000 yuan (2,000,000,000 fen) or less.",
    },
    {
        .name = "hard_tech",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "“硬科技”创新企业",
        .title_en = "Hard-tech innovator",
        .help = "A hard-tech innovative company in one of Beijing's high-end industries.",
    },
    {
        .name = "prohibited_catalogue",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "主营业务属于禁止和限制目录",
        .title_en = "In the prohibited and restricted catalogue",
        .help = "True when its main business is in the catalogue of prohibited and "
                "restricted new industries of Beijing (2018 edition); such a company does "
                "not qualify.",
    },
    {
        .name = "invested",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "上年度获得投资",
        .title_en = "Received investment last year",
        .help = "The incubatee received investment in the year before the round.",
    },
    {
        .name = "invested_by_incubator",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "孵化器投资",
        .title_en = "Invested by this incubator",
        .help = "The investment came from the incubator itself or its fund; implies "
                "invested.",
    },
    {
        .name = "ip_applied",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "已申请知识产权",
        .title_en = "Has applied for IP",
        .help = "Has applied for patents, software copyright, IC layout designs, new drugs "
                "or plant varieties.",
    },
    {
        .name = "ip_valid",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "拥有有效知识产权",
        .title_en = "Holds valid IP",
        .help = "Holds intellectual property that is currently valid.",
    },
    {0},
};

static const struct field_spec incubatee_item = {
    .type = SPEC_OBJECT,
    .fields = incubatee_fields,
    .title_zh = "在孵企业",
    .title_en = "Incubatee",
};

static const struct field_spec incubator_fields[] = {
    {
        .name = "registered_on",
        .type = SPEC_DATE,
        .required = true,
        .title_zh = "注册登记日期",
        .title_en = "Registration date",
        .help = "Date the incubator's operating entity was registered, as on its business "
                "licence; it must have operated for a full year (满1年) when it applies.",
    },
    {
        .name = "good_credit",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "具有良好的诚信记录",
        .title_en = "Good credit record",
        .help = "The applicant declares a good credit record, with no listing for "
                "dishonesty.",
    },
    {
        .name = "field",
        .type = SPEC_ENUM,
        .required = true,
        .enum_values = incubator_field_values,
        .title_zh = "孵化服务领域",
        .title_en = "Incubation field",
        .help = "The high-end industry the incubator serves: new-generation IT, integrated "
                "circuits, medicine and health, intelligent equipment, energy saving and "
                "environmental protection, new-energy intelligent vehicles, new materials, "
                "artificial intelligence, software and information services, or science and "
                "technology services.",
    },
    {
        .name = "services",
        .type = SPEC_ARRAY,
        .required = true,
        .min = 0,
        .max = 3,
        .items = &service_item,
        .unique_items = true,
        .title_zh = "专业服务",
        .title_en = "Professional services",
        .help = "The professional services offered to incubatees; at least one is needed "
                "for certification.",
    },
    {
        .name = "total_revenue_fen",
        .type = SPEC_FEN,
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "上年度总收入（分）",
        .title_en = "Total revenue last year (fen)",
        .help = "The incubator's total revenue in the year before the round, in fen.",
    },
    {
        .name = "service_revenue_fen",
        .type = SPEC_ARRAY,
        .required = true,
        .min = 3,
        .max = 3,
        .items = &yearly_fen_item,
        .title_zh = "专业服务收入（分）",
        .title_en = "Professional-service revenue (fen)",
        .help = "Revenue from professional services for the three years before the round, "
                "oldest first (y-3, y-2, y-1), as the special audit report states.",
    },
    {
        .name = "mentor_sessions",
        .type = SPEC_INT,
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "导师服务人次",
        .title_en = "Mentor services (person-times)",
        .help = "Mentor services given to incubatees in the year before the round, in "
                "person-times (人次).",
    },
    {
        .name = "has_investment_fund",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "设立天使或创业投资基金或以自有资金投资",
        .title_en = "Angel or venture fund, or own-fund investment",
        .help = "The incubator has an angel or venture capital fund, or invests its own "
                "funds in early-stage projects.",
    },
    {
        .name = "team_qualified",
        .type = SPEC_BOOL,
        .required = true,
        .title_zh = "专业化、职业化的运营团队",
        .title_en = "Professional operating team",
        .help = "The applicant declares a professional operating team whose head has "
                "industry experience and experience in investment, production, sales or "
                "supply-chain management.",
    },
    {
        .name = "team_description",
        .type = SPEC_TEXT,
        .required = true,
        .min = 1,
        .max = 2000,
        .title_zh = "运营团队情况",
        .title_en = "Operating team",
        .help = "Who runs the incubator: the team and its head's background.",
    },
    {
        .name = "incubatee_revenue_fen",
        .type = SPEC_ARRAY,
        .required = true,
        .min = 3,
        .max = 3,
        .items = &yearly_fen_item,
        .title_zh = "在孵企业营业收入（分）",
        .title_en = "Incubatees' total revenue (fen)",
        .help = "The incubatees' total operating revenue for the three years before the "
                "round, oldest first (y-3, y-2, y-1), as the audit report declares it.",
    },
    {
        .name = "incubatees",
        .type = SPEC_ARRAY,
        .required = true,
        .min = 0,
        .max = 2000,
        .items = &incubatee_item,
        .title_zh = "在孵企业",
        .title_en = "Incubatees",
        .help = "Every company the incubator hosted in the year before the round.",
    },
    {0},
};

/* Cross-field rules the table cannot say.  The list of incubatees feeds
 * counts and ratios, so a company listed twice, or invested in by the
 * incubator without having received investment, would distort them. */
static void incubator_check_consistency(const json_t *data, int round, struct spec_errors *errs)
{
    (void)round;
    const json_t *list = json_object_get(data, "incubatees");
    char ptr[SPEC_POINTER_LEN], base[SPEC_POINTER_LEN];
    size_t n = json_array_size(list);

    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(list, i);
        const char *uscc = json_string_value(json_object_get(item, "uscc"));

        spec_pointer_index(base, sizeof base, "/data/incubatees", i);
        if (json_is_true(json_object_get(item, "invested_by_incubator")) &&
            !json_is_true(json_object_get(item, "invested"))) {
            spec_pointer_join(ptr, sizeof ptr, base, "invested_by_incubator");
            spec_errors_add(errs, ptr,
                            "cannot be true while invested is false: an investment by the "
                            "incubator is an investment received");
        }
        for (size_t j = 0; j < i && uscc; j++) {
            const char *other = json_string_value(json_object_get(json_array_get(list, j), "uscc"));
            if (other && strcmp(other, uscc) == 0) {
                spec_pointer_join(ptr, sizeof ptr, base, "uscc");
                spec_errors_add(errs, ptr,
                                "is the same organisation as incubatee %zu; list each "
                                "incubatee once",
                                j);
                break;
            }
        }
    }
}

const struct kind kind_incubator = {
    .name = "incubator",
    .authority = "science_tech",
    .title_zh = "北京市科技企业孵化器认定",
    .title_en = "Beijing science-tech enterprise incubator certification",
    .data_fields = incubator_fields,
    .enterprise_units = false,
    .check_consistency = incubator_check_consistency,
};
