/*
 * `incubator`: science-tech enterprise incubator certification
 * (京科发〔2020〕13号, 北京市科技企业孵化器认定管理办法; RULES.md §2).
 *
 * The field table is the application form: what 第六条 asks an incubator to
 * show, and the list of its incubatees (在孵企业) from which the counts and
 * ratios of 第六条(五) and (七) are computed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "kind_incubator.h"
#include "kinds.h"
#include "text.h"
#include "money.h"
#include "uscc.h"

#define MAX_COUNT 1000000
/* 10^14 fen = 10^12 yuan: far above any figure, and 2000 items of it still
 * sum well inside int64_t. */
#define MAX_FEN 100000000000000LL

static const char *const incubator_field_values[] = {INCUBATOR_FIELDS(SPEC_ENUM_TEXT) NULL};
static const char *const service_values[] = {INCUBATOR_SERVICES(SPEC_ENUM_TEXT) NULL};

#define INCUBATEE(m) SPEC_TO(struct incubatee, m)
#define DATA(m)      SPEC_TO(struct incubator_data, m)
#define LIST(m)      SPEC_TO_ARRAY(struct incubator_data, m, n_##m)

static const struct field_spec service_item = {
    .type = SPEC_ENUM,
    .enum_values = service_values,
    .title_zh = "专业服务",
    .title_en = "Professional service",
    .help = "platform: 专业平台服务 (R&D, design, inspection and testing platforms); "
            "supply_chain: 供应链服务 (sourcing, prototyping, trial production, logistics); "
            "resource_matching: 资源对接服务 (marketing, training, financing, IP, legal and "
            "similar services).",
    .help_zh = "专业平台服务：研发、设计、检验、测试等服务；"
               "供应链服务：原料采购、原型打样、批量试制、仓储物流等；"
               "资源对接服务：市场营销、创业培训、融资对接、知识产权、法律等。",
};

static const struct field_spec yearly_fen_item = {
    .type = SPEC_FEN,
    .min = 0,
    .max = MAX_FEN,
    .title_zh = "年度金额（分）",
    .title_en = "Amount for the year (fen)",
    .help = "An integer number of fen (1 yuan = 100 fen).",
    .help_zh = "该年度的金额。",
};

static const struct field_spec incubatee_fields[] = {
    {
        .name = "name",
        .type = SPEC_STRING,
        .to = INCUBATEE(name),
        .required = true,
        .min = 1,
        .max = 200,
        .title_zh = "企业名称",
        .title_en = "Company name",
        .help = "The incubatee's registered name, as on its business licence.",
        .help_zh = "在孵企业名称，与营业执照一致。",
    },
    {
        .name = "uscc",
        .type = SPEC_USCC,
        .to = INCUBATEE(uscc),
        .required = true,
        .title_zh = "统一社会信用代码",
        .title_en = "Unified Social Credit Code",
        .help = "The incubatee's 18-character code; a code of a Beijing division (11…) "
                "counts towards the 20 incubatees registered in Beijing.",
        .help_zh = "在孵企业的18位统一社会信用代码；行政区划码（第3至8位）以11开头的，"
                   "计为在本市注册的在孵企业（要求不少于20家）。",
    },
    {
        .name = "employees",
        .type = SPEC_INT,
        .to = INCUBATEE(employees),
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "从业人员总数",
        .title_en = "Employees",
        .help = "Total number of employees; a qualifying incubatee has 100 or fewer.",
        .help_zh = "从业人员总数；在孵企业应在100人以下（含100人）。",
    },
    {
        .name = "revenue_fen",
        .type = SPEC_FEN,
        .to = INCUBATEE(revenue_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "上年度营业收入（分）",
        .title_en = "Revenue last year (fen)",
        .help = "Operating revenue in the year before the round, in fen; a qualifying "
                "incubatee has 20,000,000 yuan (2,000,000,000 fen) or less.",
        .help_zh = "上年度营业收入；在孵企业应在2000万元以下（含2000万元）。",
    },
    {
        .name = "hard_tech",
        .type = SPEC_BOOL,
        .to = INCUBATEE(hard_tech),
        .required = true,
        .title_zh = "“硬科技”创新企业",
        .title_en = "Hard-tech innovator",
        .help = "A hard-tech innovative company in one of Beijing's high-end industries.",
        .help_zh = "符合本市高精尖产业发展方向的“硬科技”创新企业。",
    },
    {
        .name = "prohibited_catalogue",
        .type = SPEC_BOOL,
        .to = INCUBATEE(prohibited_catalogue),
        .required = true,
        .title_zh = "主营业务属于禁止和限制目录",
        .title_en = "In the prohibited and restricted catalogue",
        .help = "True when its main business is in the catalogue of prohibited and "
                "restricted new industries of Beijing (2018 edition); such a company does "
                "not qualify.",
        .help_zh = "主营业务属于《北京市新增产业的禁止和限制目录（2018年版）》范围的请勾选；"
                   "此类企业不计为在孵企业。",
    },
    {
        .name = "invested",
        .type = SPEC_BOOL,
        .to = INCUBATEE(invested),
        .required = true,
        .title_zh = "上年度获得投资",
        .title_en = "Received investment last year",
        .help = "The incubatee received investment in the year before the round.",
        .help_zh = "该企业上年度获得投资。",
    },
    {
        .name = "invested_by_incubator",
        .type = SPEC_BOOL,
        .to = INCUBATEE(invested_by_incubator),
        .required = true,
        .title_zh = "孵化器投资",
        .title_en = "Invested by this incubator",
        .help = "The investment came from the incubator itself or its fund; implies "
                "invested.",
        .help_zh = "投资来自孵化器或其设立的基金；勾选此项的，须同时勾选“上年度获得投资”。",
    },
    {
        .name = "ip_applied",
        .type = SPEC_BOOL,
        .to = INCUBATEE(ip_applied),
        .required = true,
        .title_zh = "已申请知识产权",
        .title_en = "Has applied for IP",
        .help = "Has applied for patents, software copyright, IC layout designs, new drugs "
                "or plant varieties.",
        .help_zh = "已申请专利、软件著作权、集成电路布图设计专有权、国家新药、"
                   "植物新品种等知识产权。",
    },
    {
        .name = "ip_valid",
        .type = SPEC_BOOL,
        .to = INCUBATEE(ip_valid),
        .required = true,
        .title_zh = "拥有有效知识产权",
        .title_en = "Holds valid IP",
        .help = "Holds intellectual property that is currently valid.",
        .help_zh = "拥有处于有效状态的知识产权。",
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
        .to = DATA(registered_on),
        .required = true,
        .title_zh = "注册登记日期",
        .title_en = "Registration date",
        .help = "Date the incubator's operating entity was registered, as on its business "
                "licence; it must have operated for a full year (满1年) when it applies.",
        .help_zh = "运营主体营业执照上的注册登记日期；申请时须实际注册并运营满1年。",
    },
    {
        .name = "good_credit",
        .type = SPEC_BOOL,
        .to = DATA(good_credit),
        .required = true,
        .title_zh = "具有良好的诚信记录",
        .title_en = "Good credit record",
        .help = "The applicant declares a good credit record, with no listing for "
                "dishonesty.",
        .help_zh = "申请机构声明具有良好的诚信记录，未被列入失信名单。",
    },
    {
        .name = "field",
        .type = SPEC_ENUM,
        .to = DATA(field),
        .required = true,
        .enum_values = incubator_field_values,
        .title_zh = "孵化服务领域",
        .title_en = "Incubation field",
        .help = "The high-end industry the incubator serves: new-generation IT, integrated "
                "circuits, medicine and health, intelligent equipment, energy saving and "
                "environmental protection, new-energy intelligent vehicles, new materials, "
                "artificial intelligence, software and information services, or science and "
                "technology services.",
        .help_zh = "孵化器聚焦的高精尖产业领域：新一代信息技术、集成电路、医药健康、"
                   "智能装备、节能环保、新能源智能汽车、新材料、人工智能、"
                   "软件和信息服务或科技服务业。",
    },
    {
        .name = "services",
        .type = SPEC_ARRAY,
        .to = LIST(services),
        .required = true,
        .min = 0,
        .max = 3,
        .items = &service_item,
        .unique_items = true,
        .title_zh = "专业服务",
        .title_en = "Professional services",
        .help = "The professional services offered to incubatees; at least one is needed "
                "for certification.",
        .help_zh = "为在孵企业提供的专业服务，申请认定须至少提供一项。",
    },
    {
        .name = "total_revenue_fen",
        .type = SPEC_FEN,
        .to = DATA(total_revenue_fen),
        .required = true,
        .min = 0,
        .max = MAX_FEN,
        .title_zh = "上年度总收入（分）",
        .title_en = "Total revenue last year (fen)",
        .help = "The incubator's total revenue in the year before the round, in fen.",
        .help_zh = "孵化器上年度取得的总收入。",
    },
    {
        .name = "service_revenue_fen",
        .type = SPEC_ARRAY,
        .to = LIST(service_revenue_fen),
        .required = true,
        .min = 3,
        .max = 3,
        .items = &yearly_fen_item,
        .title_zh = "专业服务收入（分）",
        .title_en = "Professional-service revenue (fen)",
        .help = "Revenue from professional services for the three years before the round, "
                "oldest first (y-3, y-2, y-1), as the special audit report states.",
        .help_zh = "申报年度前三个年度的专业服务收入，按年度由远及近依次填写，"
                   "须与专项审计报告一致。",
    },
    {
        .name = "mentor_sessions",
        .type = SPEC_INT,
        .to = DATA(mentor_sessions),
        .required = true,
        .min = 0,
        .max = MAX_COUNT,
        .title_zh = "导师服务人次",
        .title_en = "Mentor services (person-times)",
        .help = "Mentor services given to incubatees in the year before the round, in "
                "person-times (人次).",
        .help_zh = "上年度创业导师为在孵企业提供培训和指导的人次。",
    },
    {
        .name = "has_investment_fund",
        .type = SPEC_BOOL,
        .to = DATA(has_investment_fund),
        .required = true,
        .title_zh = "设立天使或创业投资基金或以自有资金投资",
        .title_en = "Angel or venture fund, or own-fund investment",
        .help = "The incubator has an angel or venture capital fund, or invests its own "
                "funds in early-stage projects.",
        .help_zh = "孵化器设立天使或创业投资基金，或利用自有资金开展早期项目投资。",
    },
    {
        .name = "team_qualified",
        .type = SPEC_BOOL,
        .to = DATA(team_qualified),
        .required = true,
        .title_zh = "专业化、职业化的运营团队",
        .title_en = "Professional operating team",
        .help = "The applicant declares a professional operating team whose head has "
                "industry experience and experience in investment, production, sales or "
                "supply-chain management.",
        .help_zh = "申请机构声明拥有专业化、职业化的运营团队，"
                   "团队负责人具有相关产业领域从业背景及投融资、生产、销售或供应链管理等工作经验。",
    },
    {
        .name = "team_description",
        .type = SPEC_TEXT,
        .to = DATA(team_description),
        .required = true,
        .min = 1,
        .max = 2000,
        .title_zh = "运营团队情况",
        .title_en = "Operating team",
        .help = "Who runs the incubator: the team and its head's background.",
        .help_zh = "孵化器运营团队情况，以及团队负责人的从业背景和工作经验。",
    },
    {
        .name = "incubatee_revenue_fen",
        .type = SPEC_ARRAY,
        .to = LIST(incubatee_revenue_fen),
        .required = true,
        .min = 3,
        .max = 3,
        .items = &yearly_fen_item,
        .title_zh = "在孵企业营业收入（分）",
        .title_en = "Incubatees' total revenue (fen)",
        .help = "The incubatees' total operating revenue for the three years before the "
                "round, oldest first (y-3, y-2, y-1), as the audit report declares it.",
        .help_zh = "在孵企业申报年度前三个年度的营业收入合计，按年度由远及近依次填写，"
                   "须与审计报告所载一致。",
    },
    {
        .name = "incubatees",
        .type = SPEC_ARRAY,
        .to = LIST(incubatees),
        .required = true,
        .min = 0,
        .max = 2000,
        .items = &incubatee_item,
        .title_zh = "在孵企业",
        .title_en = "Incubatees",
        .help = "Every company the incubator hosted in the year before the round.",
        .help_zh = "上年度在孵化器内孵化的全部企业。",
    },
    {0},
};

/* A listed incubatee's code and its place in the list, to sort. */
struct listed_code {
    const char *uscc;
    size_t index;
};

static int by_code_then_index(const void *x, const void *y)
{
    const struct listed_code *a = x, *b = y;
    int c = strcmp(a->uscc, b->uscc);

    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* For each incubatee, the index of the first earlier one with the same code,
 * or SPEC_NO_REPEAT: found by sorting the codes, not by comparing every
 * pair. */
static void repeated_codes(const struct incubator_data *d, size_t *repeats)
{
    size_t n = d->n_incubatees;
    struct listed_code *codes = malloc((n ? n : 1) * sizeof *codes);

    if (!codes)
        abort(); /* out of memory: no answer can be given */
    for (size_t i = 0; i < n; i++) {
        codes[i] = (struct listed_code){d->incubatees[i].uscc, i};
        repeats[i] = SPEC_NO_REPEAT;
    }
    qsort(codes, n, sizeof *codes, by_code_then_index);
    /* Within a run of equal codes the first is the earliest. */
    for (size_t i = 1, first = 0; i < n; i++) {
        if (strcmp(codes[first].uscc, codes[i].uscc) != 0)
            first = i;
        else
            repeats[codes[i].index] = codes[first].index;
    }
    free(codes);
}

/* Cross-field rules the table cannot say.  The list of incubatees feeds
 * counts and ratios, so a company listed twice, or invested in by the
 * incubator without having received investment, would distort them. */
static void incubator_check_consistency(const void *data, int round, struct spec_errors *errs)
{
    (void)round;
    const struct incubator_data *d = data;
    char ptr[SPEC_POINTER_LEN], base[SPEC_POINTER_LEN];
    size_t *repeats = malloc((d->n_incubatees ? d->n_incubatees : 1) * sizeof *repeats);

    if (!repeats)
        abort(); /* out of memory: no answer can be given */
    repeated_codes(d, repeats);
    for (size_t i = 0; i < d->n_incubatees; i++) {
        const struct incubatee *item = &d->incubatees[i];

        spec_pointer_index(base, sizeof base, "/data/incubatees", i);
        if (item->invested_by_incubator && !item->invested) {
            spec_pointer_join(ptr, sizeof ptr, base, "invested_by_incubator");
            spec_errors_add(errs, ptr,
                            "cannot be true while invested is false: an investment by the "
                            "incubator is an investment received");
        }
        if (repeats[i] != SPEC_NO_REPEAT) {
            spec_pointer_join(ptr, sizeof ptr, base, "uscc");
            /* Rows are counted from 1 in text, as the form shows them. */
            spec_errors_add(errs, ptr,
                            "is the same organisation as incubatee %zu (counted from 1); list "
                            "each incubatee once",
                            repeats[i] + 1);
        }
    }
    free(repeats);
}

/*
 * Eligibility (第六条).  The thresholds, with the counting words of RULES.md
 * §0: 不低于 and 不少于 include the number, and so does 以下 in the
 * definition of a qualifying incubatee (100 人以下, 2000 万元以下).
 */
#define SERVICE_SHARE_PERCENT     30  /* 6(三) 占总收入比例不低于30% */
#define SERVICE_GROWTH_PERCENT    5   /* 6(三) 近两年平均增速不低于5% */
#define MENTOR_SESSIONS_MIN       50  /* 6(四) 不少于 50 人次 */
#define INVESTED_PERCENT          30  /* 6(五) 获得投资的企业占比不低于 30% */
#define OWN_INVESTMENT_PERCENT    10  /* 6(五) 孵化器投资的企业占比不低于 10% */
#define BEIJING_INCUBATEES_MIN    20  /* 6(七) 本市注册的在孵企业不少于 20 家 */
#define INCUBATEE_GROWTH_PERCENT  10  /* 6(七) 营业收入平均增速不低于10% */
#define IP_APPLIED_PERCENT        50  /* 6(七) 已申请知识产权的占比不低于50% */
#define IP_VALID_PERCENT          30  /* 6(七) 拥有有效知识产权的占比不低于30% */
#define INCUBATEE_MAX_EMPLOYEES   100 /* 从业人员总数在 100 人以下 */
#define INCUBATEE_MAX_REVENUE_FEN (2000LL * FEN_PER_WAN) /* 2000 万元以下 */

#define MONEY_TEXT_LEN   48
#define PERCENT_TEXT_LEN 32
#define TEXT_LEN         RULE_DETAIL_LEN

typedef __int128 wide; /* display arithmetic on products of two amounts */

static wide floor_div_wide(wide a, wide b)
{
    wide q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q -= 1;
    return q;
}

/*
 * A percentage for people, num/den of a percent in tenths (den > 0): rounded
 * half away from zero to one decimal ("36.4 %"), as a spreadsheet shows it.
 * Every decision is taken by the exact comparisons of money.h; where the
 * rounded figure would read as reaching `threshold` % that the exact value
 * misses (9.96 % shown as 10.0 %), it is cut to the hundredth below instead
 * ("9.96 %"), so the figure never contradicts the verdict beside it.
 */
static void tenths_text(char *out, size_t cap, wide num, wide den, int threshold)
{
    bool negative = num < 0;
    wide m = negative ? -num : num;
    wide rounded = (2 * m + den) / (2 * den);
    if (!negative && rounded >= (wide)threshold * 10 && num < (wide)threshold * 10 * den) {
        wide hundredths = floor_div_wide(num * 10, den);
        snprintf(out, cap, "%llu.%02llu %%", (unsigned long long)(hundredths / 100),
                 (unsigned long long)(hundredths % 100));
        return;
    }
    snprintf(out, cap, "%s%llu.%llu %%", negative && rounded ? "-" : "",
             (unsigned long long)(rounded / 10), (unsigned long long)(rounded % 10));
}

/* part/whole as a percentage for display (whole > 0), beside a threshold
 * of `threshold` %. */
static void percent_text(char *out, size_t cap, int64_t part, int64_t whole, int threshold)
{
    tenths_text(out, cap, (wide)part * 1000, whole, threshold);
}

/* The average of the two yearly growth rates of v0, v1, v2 as a percentage
 * for display (v0, v1 > 0); the formula of growth_avg_at_least_percent().
 * With amounts bounded by the field table the result fits int64_t. */
static void growth_text(char *out, size_t cap, int64_t v0, int64_t v1, int64_t v2, int threshold)
{
    wide num = ((wide)(v1 - v0) * v1 + (wide)(v2 - v1) * v0) * 1000;
    wide den = (wide)2 * v0 * v1;
    tenths_text(out, cap, num, den, threshold);
}

/* Why an average growth is undefined: the first of the two base years
 * (y-3, y-2) whose figure is not above zero. */
static void growth_undefined_text(char *out, size_t cap, const char *what, int round, int64_t v0,
                                  int64_t v1)
{
    char money[MONEY_TEXT_LEN];
    int year = v0 <= 0 ? round - 3 : round - 2;

    money_format(v0 <= 0 ? v0 : v1, money, sizeof money);
    snprintf(out, cap,
             "average growth undefined: %s in %d is %s, and a growth rate needs a base above zero",
             what, year, money);
}

/* The same in Chinese; `what` names the figure ("专业服务收入"), or is ""
 * when the detail has named it already. */
static void growth_undefined_zh(char *out, size_t cap, const char *what, int round, int64_t v0,
                                int64_t v1)
{
    char money[MONEY_TEXT_LEN];
    int year = v0 <= 0 ? round - 3 : round - 2;

    money_format(v0 <= 0 ? v0 : v1, money, sizeof money);
    snprintf(out, cap, "近两年%s平均增速无法计算：%d 年为 %s，增速的计算基数须大于零", what, year,
             money);
}

/* Copies the three yearly figures (y-3, y-2, y-1) of an array member; the
 * field table holds it to exactly three. */
static void yearly(const int64_t *figures, size_t n, int64_t v[3])
{
    for (size_t i = 0; i < 3; i++)
        v[i] = i < n ? figures[i] : 0;
}

/* The listed incubatees, sorted into those that count (在孵企业: hard-tech,
 * not in the prohibited catalogue, 100 employees or fewer, last year's
 * revenue 20,000,000 yuan or less) and those that do not, with what the
 * ratios of 6(五) and 6(七) need.  Reasons for exclusion are counted each on
 * its own, so one incubatee may show under two of them. */
#define TALLY_ROWS 40 /* rows at fault kept to name in a detail */

struct incubatee_tally {
    int64_t listed, qualifying, beijing;
    int64_t excluded, over_employees, over_revenue, not_hard_tech;
    int64_t invested, invested_by_incubator, ip_applied, ip_valid; /* among qualifying */
    /* The rows at fault (0-based), for a reviewer to find them: those that
     * do not qualify, and qualifying ones not registered in Beijing. */
    size_t excluded_rows[TALLY_ROWS], n_excluded_rows;
    size_t elsewhere_rows[TALLY_ROWS], n_elsewhere_rows;
};

static void tally_incubatees(const struct incubator_data *d, struct incubatee_tally *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < d->n_incubatees; i++) {
        const struct incubatee *it = &d->incubatees[i];
        bool tech = it->hard_tech && !it->prohibited_catalogue;
        bool small = it->employees <= INCUBATEE_MAX_EMPLOYEES;
        bool modest = it->revenue_fen <= INCUBATEE_MAX_REVENUE_FEN;
        const char *uscc = it->uscc;

        t->listed++;
        if (!(tech && small && modest)) {
            if (t->n_excluded_rows < TALLY_ROWS)
                t->excluded_rows[t->n_excluded_rows++] = i;
            t->excluded++;
            t->not_hard_tech += !tech;
            t->over_employees += !small;
            t->over_revenue += !modest;
            continue;
        }
        t->qualifying++;
        if (uscc_valid(uscc) && uscc_in_beijing(uscc))
            t->beijing++;
        else if (t->n_elsewhere_rows < TALLY_ROWS)
            t->elsewhere_rows[t->n_elsewhere_rows++] = i;
        if (it->invested) {
            t->invested++;
            /* The consistency rules make this imply `invested`; counting it
             * only among the invested keeps the share a share regardless. */
            if (it->invested_by_incubator)
                t->invested_by_incubator++;
        }
        t->ip_applied += it->ip_applied;
        t->ip_valid += it->ip_valid;
    }
}

static void check_registered_in_beijing(const struct rule_input *in, struct eligibility *out)
{
    const char *uscc = in->applicant_uscc;

    if (!uscc || !uscc_valid(uscc)) {
        eligibility_add(out, "registered_in_beijing", false,
                        "the applicant has no valid Unified Social Credit Code, so where it is "
                        "registered is unknown");
        eligibility_zh(out, "申请单位无有效的统一社会信用代码，无法确定注册地");
        return;
    }
    bool ok = uscc_in_beijing(uscc);
    eligibility_add(out, "registered_in_beijing", ok,
                    "applicant USCC %s: registering division %.6s is %s (a Beijing division "
                    "starts with 11)",
                    uscc, uscc + 2, ok ? "in Beijing" : "outside Beijing");
    eligibility_zh(out,
                   "申请单位统一社会信用代码 %s，登记管理机关行政区划码 %.6s，%s（本市区划码以 "
                   "11 开头）",
                   uscc, uscc + 2, ok ? "在本市注册" : "不在本市注册");
}

/* 满1年 on the submission date: the same calendar day a year later (the
 * last day of the month when there is no such day) must have come. */
static void check_operating_one_year(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    sb_day registered = d->registered_on;
    sb_day full = date_add_months(registered, 12);
    char reg[DATE_TEXT_LEN], yr[DATE_TEXT_LEN], sub[DATE_TEXT_LEN];
    bool ok = full <= in->submitted_on;

    date_format(registered, reg);
    date_format(full, yr);
    date_format(in->submitted_on, sub);
    eligibility_add(out, "operating_one_year", ok,
                    "registered on %s, a full year of operation on %s, %s the submission date %s",
                    reg, yr, ok ? "on or before" : "after", sub);
    eligibility_zh(out, "注册日期 %s，至 %s 运营满 1 年；申请提交日期 %s，%s", reg, yr, sub,
                   ok ? "已运营满 1 年" : "运营未满 1 年");
}

static void check_good_credit(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    bool ok = d->good_credit;
    eligibility_add(out, "good_credit", ok,
                    ok ? "declares a good credit record, with no listing for dishonesty"
                       : "does not declare a good credit record (no listing for dishonesty)");
    eligibility_zh(out, "%s",
                   ok ? "已声明具有良好的诚信记录，未被列入失信名单"
                      : "未声明具有良好的诚信记录（未被列入失信名单）");
}

/* The names of the enums, by enumerator. */
#define NAMES(id, text, name, name_zh) {name, name_zh},
static const struct {
    const char *name, *name_zh;
} field_names[] = {INCUBATOR_FIELDS(NAMES)}, service_names[] = {INCUBATOR_SERVICES(NAMES)};
#undef NAMES

/* The field table's enum already holds the value to the gazette's list;
 * the check still names the field so the reviewer sees it. */
static void check_field(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;

    eligibility_add(out, "field", true,
                    "service field: %s, one of Beijing's key high-end industries",
                    field_names[d->field].name);
    eligibility_zh(out, "孵化服务领域：%s，属于本市重点发展的高精尖产业领域",
                   field_names[d->field].name_zh);
}

static void check_services(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    char list[TEXT_LEN] = "", list_zh[TEXT_LEN] = "";
    int n = 0;

    /* In the order of the gazette's list, whatever the applicant's. */
    for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++) {
        bool offered = false;
        for (size_t j = 0; j < d->n_services; j++)
            if (d->services[j] == (enum incubator_service)i)
                offered = true;
        if (offered) {
            text_append(list, sizeof list, "%s%s", n ? ", " : "", service_names[i].name);
            text_append(list_zh, sizeof list_zh, "%s%s", n ? "、" : "", service_names[i].name_zh);
            n++;
        }
    }
    if (n > 0) {
        eligibility_add(out, "services", true, "offers %d of the professional services: %s", n,
                        list);
        eligibility_zh(out, "可为在孵企业提供 %d 项专业服务：%s", n, list_zh);
    } else {
        eligibility_add(out, "services", false,
                        "offers none of the professional services (professional platform, "
                        "supply chain, resource matching), need at least one");
        eligibility_zh(out, "未提供专业平台服务、供应链服务、资源对接服务中的任何一项，要求至少"
                            "提供一项");
    }
}

/* 6(三): either alternative suffices; the detail gives both. */
static void check_service_revenue(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    int64_t s[3], total = d->total_revenue_fen;
    char share[TEXT_LEN], growth[TEXT_LEN], m1[MONEY_TEXT_LEN], m2[MONEY_TEXT_LEN];
    char share_zh[TEXT_LEN], growth_zh[TEXT_LEN];
    char pct[PERCENT_TEXT_LEN];
    bool share_ok = false, growth_ok = false;

    yearly(d->service_revenue_fen, d->n_service_revenue_fen, s);
    money_format(s[2], m1, sizeof m1);
    money_format(total, m2, sizeof m2);
    if (total <= 0) {
        snprintf(share, sizeof share,
                 "total revenue in %d is %s, so the service share cannot be computed",
                 in->round - 1, m2);
        snprintf(share_zh, sizeof share_zh, "%d 年总收入为 %s，无法计算专业服务收入占比",
                 in->round - 1, m2);
    } else {
        share_ok = ratio_at_least_percent(s[2], total, SERVICE_SHARE_PERCENT);
        percent_text(pct, sizeof pct, s[2], total, SERVICE_SHARE_PERCENT);
        snprintf(share, sizeof share,
                 "service revenue in %d %s is %s of total revenue %s (need at least %d %%)",
                 in->round - 1, m1, pct, m2, SERVICE_SHARE_PERCENT);
        snprintf(share_zh, sizeof share_zh,
                 "%d 年专业服务收入 %s，占总收入 %s的 %s（要求不低于 %d %%）", in->round - 1, m1,
                 m2, pct, SERVICE_SHARE_PERCENT);
    }

    int g = growth_avg_at_least_percent(s[0], s[1], s[2], SERVICE_GROWTH_PERCENT);
    if (g < 0) {
        growth_undefined_text(growth, sizeof growth, "service revenue", in->round, s[0], s[1]);
        growth_undefined_zh(growth_zh, sizeof growth_zh, "专业服务收入", in->round, s[0], s[1]);
    } else {
        growth_ok = g == 1;
        growth_text(pct, sizeof pct, s[0], s[1], s[2], SERVICE_GROWTH_PERCENT);
        snprintf(growth, sizeof growth,
                 "its average growth over %d and %d is %s (need at least %d %%)", in->round - 2,
                 in->round - 1, pct, SERVICE_GROWTH_PERCENT);
        snprintf(growth_zh, sizeof growth_zh,
                 "近两年（%d、%d 年）专业服务收入平均增速 %s（要求不低于 %d %%）", in->round - 2,
                 in->round - 1, pct, SERVICE_GROWTH_PERCENT);
    }
    eligibility_add(out, "service_revenue", share_ok || growth_ok, "%s; or %s", share, growth);
    eligibility_zh(out, "%s；或%s", share_zh, growth_zh);
}

static void check_mentoring(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    int64_t n = d->mentor_sessions;
    eligibility_add(out, "mentoring", n >= MENTOR_SESSIONS_MIN,
                    "mentor services %lld person-times, need at least %d", (long long)n,
                    MENTOR_SESSIONS_MIN);
    eligibility_zh(out, "创业导师服务 %lld 人次，要求不少于 %d 人次", (long long)n,
                   MENTOR_SESSIONS_MIN);
}

/* 6(五): a fund or own-fund investment, and both shares.  The incubator's
 * own share is of the invested incubatees, so with none invested it cannot
 * be met. */
static void check_investment(const struct rule_input *in, const struct incubatee_tally *t,
                             struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    bool fund = d->has_investment_fund;
    char text[TEXT_LEN] = "", zh[TEXT_LEN] = "", pct[PERCENT_TEXT_LEN];
    bool ok = fund;

    text_append(text, sizeof text, "%s",
                fund ? "angel/venture fund or own-fund investment declared"
                     : "no angel/venture fund or own-fund investment declared");
    text_append(zh, sizeof zh, "%s",
                fund ? "已声明设立天使或创业投资基金，或利用自有资金开展早期项目投资"
                     : "未声明设立天使或创业投资基金，也未声明利用自有资金开展早期项目投资");
    if (t->qualifying == 0) {
        ok = false;
        text_append(text, sizeof text,
                    "; there are no qualifying incubatees, so the investment shares cannot be met");
        text_append(zh, sizeof zh, "；无符合条件的在孵企业，投资占比要求无法满足");
    } else {
        bool invested_ok = ratio_at_least_percent(t->invested, t->qualifying, INVESTED_PERCENT);
        percent_text(pct, sizeof pct, t->invested, t->qualifying, INVESTED_PERCENT);
        text_append(text, sizeof text,
                    "; received investment %lld of %lld qualifying incubatees (%s, need at least "
                    "%d %%)",
                    (long long)t->invested, (long long)t->qualifying, pct, INVESTED_PERCENT);
        text_append(zh, sizeof zh,
                    "；在孵企业 %lld 家中获得投资的 %lld 家，占 %s（要求不低于 %d %%）",
                    (long long)t->qualifying, (long long)t->invested, pct, INVESTED_PERCENT);
        ok = ok && invested_ok;
        if (t->invested == 0) {
            ok = false;
            text_append(text, sizeof text,
                        "; none received investment, so the incubator's own share cannot be met");
            text_append(zh, sizeof zh, "；无在孵企业获得投资，孵化器投资企业占比要求无法满足");
        } else {
            bool own_ok = ratio_at_least_percent(t->invested_by_incubator, t->invested,
                                                 OWN_INVESTMENT_PERCENT);
            percent_text(pct, sizeof pct, t->invested_by_incubator, t->invested,
                         OWN_INVESTMENT_PERCENT);
            text_append(
                text, sizeof text,
                "; invested in by the incubator %lld of those %lld (%s, need at least %d %%)",
                (long long)t->invested_by_incubator, (long long)t->invested, pct,
                OWN_INVESTMENT_PERCENT);
            text_append(zh, sizeof zh,
                        "；获得投资的 %lld 家中孵化器投资的 %lld 家，占 %s（要求不低于 %d %%）",
                        (long long)t->invested, (long long)t->invested_by_incubator, pct,
                        OWN_INVESTMENT_PERCENT);
            ok = ok && own_ok;
        }
    }
    eligibility_add(out, "investment", ok, "%s", text);
    eligibility_zh(out, "%s", zh);
}

static void check_team(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    bool ok = d->team_qualified;
    eligibility_add(out, "team", ok,
                    ok ? "declares a professional operating team whose head has industry and "
                         "investment, production, sales or supply-chain experience"
                       : "does not declare a professional operating team whose head has "
                         "industry and investment, production, sales or supply-chain "
                         "experience");
    eligibility_zh(out, "%s",
                   ok ? "已声明拥有专业化、职业化的运营团队，团队负责人具有相关产业领域从业背景"
                        "及投融资、生产、销售或供应链管理等工作经验"
                      : "未声明拥有专业化、职业化的运营团队（团队负责人具有相关产业领域从业背景"
                        "及投融资、生产、销售或供应链管理等工作经验）");
}

/* Appends "; not qualifying: rows 3, 7 and 2 more" (in Chinese "；不符合条件
 * 的：第 3、7 家等 4 家") naming the rows (0-based in `rows`, shown from 1),
 * as many as fit with `reserve` bytes left in both texts (TEXT_LEN each);
 * none when not even one fits. */
static void name_rows(char *text, char *zh, const size_t *rows, size_t n, int64_t total,
                      const char *what, const char *what_zh, size_t reserve)
{
    for (size_t k = n < 8 ? n : 8; k > 0; k--) {
        char add[TEXT_LEN] = "", add_zh[TEXT_LEN] = "";
        text_append(add, sizeof add, "; %s: row%s ", what, total == 1 ? "" : "s");
        text_append(add_zh, sizeof add_zh, "；%s：第 ", what_zh);
        for (size_t i = 0; i < k; i++) {
            text_append(add, sizeof add, "%s%zu", i ? ", " : "", rows[i] + 1);
            text_append(add_zh, sizeof add_zh, "%s%zu", i ? "、" : "", rows[i] + 1);
        }
        text_append(add_zh, sizeof add_zh, " 家");
        if ((int64_t)k < total) {
            text_append(add, sizeof add, " and %lld more", (long long)(total - (int64_t)k));
            text_append(add_zh, sizeof add_zh, "等 %lld 家", (long long)total);
        }
        if (strlen(text) + strlen(add) + reserve + 2 < TEXT_LEN &&
            strlen(zh) + strlen(add_zh) + reserve + 5 < TEXT_LEN) {
            text_append(text, TEXT_LEN, "%s", add);
            text_append(zh, TEXT_LEN, "%s", add_zh);
            return;
        }
    }
}

static void check_incubatee_count(const struct incubatee_tally *t, struct eligibility *out)
{
    char text[TEXT_LEN] = "", zh[TEXT_LEN] = "", money[MONEY_TEXT_LEN];
    const char *sep = "", *sep_zh = "";

    text_append(text, sizeof text, "qualifying incubatees %lld of %lld listed",
                (long long)t->qualifying, (long long)t->listed);
    text_append(zh, sizeof zh, "申报企业 %lld 家，其中符合条件的在孵企业 %lld 家",
                (long long)t->listed, (long long)t->qualifying);
    if (t->excluded > 0) {
        text_append(text, sizeof text, " (%lld excluded: ", (long long)t->excluded);
        text_append(zh, sizeof zh, "（不符合条件 %lld 家：", (long long)t->excluded);
        if (t->over_employees > 0) {
            text_append(text, sizeof text, "%lld over %d employees", (long long)t->over_employees,
                        INCUBATEE_MAX_EMPLOYEES);
            text_append(zh, sizeof zh, "从业人员超过 %d 人 %lld 家", INCUBATEE_MAX_EMPLOYEES,
                        (long long)t->over_employees);
            sep = ", ";
            sep_zh = "、";
        }
        if (t->over_revenue > 0) {
            money_format(INCUBATEE_MAX_REVENUE_FEN, money, sizeof money);
            text_append(text, sizeof text, "%s%lld with revenue over %s", sep,
                        (long long)t->over_revenue, money);
            text_append(zh, sizeof zh, "%s上年度营业收入超过 %s %lld 家", sep_zh, money,
                        (long long)t->over_revenue);
            sep = ", ";
            sep_zh = "、";
        }
        if (t->not_hard_tech > 0) {
            text_append(text, sizeof text, "%s%lld not hard-tech or in the prohibited catalogue",
                        sep, (long long)t->not_hard_tech);
            text_append(zh, sizeof zh, "%s非“硬科技”企业或属于禁限目录 %lld 家", sep_zh,
                        (long long)t->not_hard_tech);
        }
        text_append(text, sizeof text, ")");
        text_append(zh, sizeof zh, "）");
    }
    /* Which ones: the reviewer looks the rows up in the list below (the
     * gazette's counts are of rows of the application). */
    name_rows(text, zh, t->excluded_rows, t->n_excluded_rows, t->excluded, "not qualifying",
              "不符合条件的", 96);
    text_append(text, sizeof text, "; registered in Beijing %lld of them, need at least %d",
                (long long)t->beijing, BEIJING_INCUBATEES_MIN);
    text_append(zh, sizeof zh, "；在本市注册的在孵企业 %lld 家，要求不少于 %d 家",
                (long long)t->beijing, BEIJING_INCUBATEES_MIN);
    name_rows(text, zh, t->elsewhere_rows, t->n_elsewhere_rows, t->qualifying - t->beijing,
              "not registered in Beijing", "未在本市注册的", 0);
    eligibility_add(out, "incubatee_count", t->beijing >= BEIJING_INCUBATEES_MIN, "%s", text);
    eligibility_zh(out, "%s", zh);
}

/* 6(七): the incubatees' total revenue as declared for the three years. */
static void check_incubatee_growth(const struct rule_input *in, struct eligibility *out)
{
    const struct incubator_data *d = in->data;
    int64_t r[3];
    char m[3][MONEY_TEXT_LEN], result[TEXT_LEN], result_zh[TEXT_LEN], pct[PERCENT_TEXT_LEN];

    yearly(d->incubatee_revenue_fen, d->n_incubatee_revenue_fen, r);
    for (int i = 0; i < 3; i++)
        money_format(r[i], m[i], sizeof m[i]);

    int g = growth_avg_at_least_percent(r[0], r[1], r[2], INCUBATEE_GROWTH_PERCENT);
    if (g < 0) {
        growth_undefined_text(result, sizeof result, "their revenue", in->round, r[0], r[1]);
        growth_undefined_zh(result_zh, sizeof result_zh, "", in->round, r[0], r[1]);
    } else {
        growth_text(pct, sizeof pct, r[0], r[1], r[2], INCUBATEE_GROWTH_PERCENT);
        snprintf(result, sizeof result, "average growth %s, need at least %d %%", pct,
                 INCUBATEE_GROWTH_PERCENT);
        snprintf(result_zh, sizeof result_zh, "近两年平均增速 %s，要求不低于 %d %%", pct,
                 INCUBATEE_GROWTH_PERCENT);
    }
    eligibility_add(out, "incubatee_growth", g == 1,
                    "incubatees' total revenue %d %s, %d %s, %d %s: %s", in->round - 3, m[0],
                    in->round - 2, m[1], in->round - 1, m[2], result);
    eligibility_zh(out, "在孵企业营业收入 %d 年 %s、%d 年 %s、%d 年 %s；%s", in->round - 3, m[0],
                   in->round - 2, m[1], in->round - 1, m[2], result_zh);
}

/* 6(七): applied-for IP or valid IP, each share counted on its own. */
static void check_incubatee_ip(const struct incubatee_tally *t, struct eligibility *out)
{
    char applied[PERCENT_TEXT_LEN], valid[PERCENT_TEXT_LEN];

    if (t->qualifying == 0) {
        eligibility_add(out, "incubatee_ip", false,
                        "there are no qualifying incubatees, so neither IP share can be met "
                        "(need at least %d %% having applied for IP or %d %% holding valid IP)",
                        IP_APPLIED_PERCENT, IP_VALID_PERCENT);
        eligibility_zh(out,
                       "无符合条件的在孵企业，知识产权占比要求均无法满足（已申请知识产权的占比"
                       "须不低于 %d %%，或拥有有效知识产权的占比不低于 %d %%）",
                       IP_APPLIED_PERCENT, IP_VALID_PERCENT);
        return;
    }
    bool ok = ratio_at_least_percent(t->ip_applied, t->qualifying, IP_APPLIED_PERCENT) ||
              ratio_at_least_percent(t->ip_valid, t->qualifying, IP_VALID_PERCENT);
    percent_text(applied, sizeof applied, t->ip_applied, t->qualifying, IP_APPLIED_PERCENT);
    percent_text(valid, sizeof valid, t->ip_valid, t->qualifying, IP_VALID_PERCENT);
    eligibility_add(out, "incubatee_ip", ok,
                    "applied for IP %lld of %lld qualifying incubatees (%s, need at least %d %%); "
                    "or holding valid IP %lld of %lld (%s, need at least %d %%)",
                    (long long)t->ip_applied, (long long)t->qualifying, applied, IP_APPLIED_PERCENT,
                    (long long)t->ip_valid, (long long)t->qualifying, valid, IP_VALID_PERCENT);
    eligibility_zh(out,
                   "在孵企业 %lld 家中已申请知识产权的 %lld 家，占 %s（要求不低于 %d %%）；或拥有"
                   "有效知识产权的 %lld 家，占 %s（要求不低于 %d %%）",
                   (long long)t->qualifying, (long long)t->ip_applied, applied, IP_APPLIED_PERCENT,
                   (long long)t->ip_valid, valid, IP_VALID_PERCENT);
}

/* The twelve checks of RULES.md §2, in its order, every one every time. */
static void incubator_eligibility(const struct rule_input *in, struct eligibility *out)
{
    struct incubatee_tally t;

    tally_incubatees(in->data, &t);
    check_registered_in_beijing(in, out);
    check_operating_one_year(in, out);
    check_good_credit(in, out);
    check_field(in, out);
    check_services(in, out);
    check_service_revenue(in, out);
    check_mentoring(in, out);
    check_investment(in, &t, out);
    check_team(in, out);
    check_incubatee_count(&t, out);
    check_incubatee_growth(in, out);
    check_incubatee_ip(&t, out);
}

/* An incubator is certified, not paid: its certificate carries a validity
 * (第十条), so the award has no items and no amount. */
static void incubator_award(const struct rule_input *in, struct award *out)
{
    (void)in;
    *out = (struct award){.basis = "as_applied"};
}

/* 京科发〔2020〕13号 第八条: expert review and on-site inspection. */
static const struct field_spec incubator_municipal_records[] = {
    {.name = "expert_review",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_finding_fields,
     .title_zh = "专家评审",
     .title_en = "Expert review"},
    {.name = "site_inspection",
     .type = SPEC_OBJECT,
     .required = true,
     .fields = stage_finding_fields,
     .title_zh = "实地核查",
     .title_en = "On-site inspection"},
    {.name = NULL},
};

/* Grounds of revocation.  京科发〔2020〕13号: cancellations without a bar —
 * a reported major change the authority's review finds no longer meets the
 * conditions (第十一条, from the date of the change) and 2 annual reports not
 * filed even after a reminder (第十二条) — and the four grounds of 第十三条,
 * which bar a new application for 2 years: fraud or conduct affecting a
 * fair review (1), a major change not reported in time (2), false
 * advertising, illegal operation or other liability established by law
 * (3), the operator terminated by law or asking to be cancelled (4, two
 * grounds here so that the record says which). */
static const char *const incubator_revocation_grounds[] = {
    "other",      "condition_change",  "missed_annual_reports",
    "fraud",      "unreported_change", "false_advertising_or_illegal_operation",
    "terminated", "operator_request",  NULL,
};

static const char *const incubator_banning_grounds[] = {
    "fraud",      "unreported_change", "false_advertising_or_illegal_operation",
    "terminated", "operator_request",  NULL,
};

/* 第十一、十二条: an annual report of each year of validity (按规定每年: the
 * date is the authority's, by default 03-31 of the following year), 2 missed
 * even after a reminder prompt a cancellation; a major change reported
 * within 3 months, one reported later prompts a revocation with the bar
 * (第十三条 2). */
static const struct duty_rules incubator_duties = {
    .annual_month = 3,
    .annual_day = 31,
    .annual_next_year = true,
    .missed_reports_prompt = 2,
    .missed_reports_ground = "missed_annual_reports",
    .change_months = 3,
    .late_change_ground = "unreported_change",
    .failed_change_ground = "condition_change",
};

/* 第七条: what an application brings (RULES.md §6); item 3 of the measure
 * is one document, item 4 two (the audit report and the accounts). */
static const struct material_type incubator_materials[] = {
    {"application_form", "北京市科技企业孵化器认定申请书", "Application form", MATERIAL_REQUIRED},
    {"business_licence", "工商营业执照等注册登记证件", "Business licence or other registration",
     MATERIAL_REQUIRED},
    {"service_description", "专业服务及在孵企业发展情况说明",
     "Services and the development of the incubatees", MATERIAL_REQUIRED},
    {"audit_report", "近两个会计年度专业服务收入专项审计报告",
     "Special audit report of the service revenue of the last two financial years",
     MATERIAL_REQUIRED},
    {"financial_statements", "财务会计报告", "Financial statements", MATERIAL_REQUIRED},
    {NULL},
};

const struct kind kind_incubator = {
    .name = "incubator",
    .authority = "science_tech",
    .title_zh = "北京市科技企业孵化器认定",
    .title_en = "Beijing science-tech enterprise incubator certification",
    .source = "京科发〔2020〕13号",
    /* The measure asks for no form of letter; what the applicant takes on
     * is in its own articles (第十一、十二、十三条). */
    .declaration_zh =
        "本单位郑重承诺：\n"
        "一、所提交的申报材料真实、准确、完整，申报中不存在弄虚作假行为，也不存在影响公正评审的行为；\n"
        "二、认定后发生与认定条件有关的重大变化（如分立、合并、重组以及经营业务发生变化等），在 3 "
        "个月内向市科委报告；孵化器名称发生变化的，在 3 个月内申请变更名称（第十一条）；\n"
        "三、每年按规定向市科委报送年度发展情况（第十二条）；\n"
        "四、知悉存在第十三条所列情形的，将取消认定资格，且 2 年内不得重新申报。",
    .declaration_en =
        "We solemnly declare:\n"
        "1. The materials submitted are true, accurate and complete; nothing in this application "
        "is falsified, and nothing in it would impair a fair review;\n"
        "2. Once certified, we will report to the Commission within 3 months any major change "
        "that bears on the conditions (a split, merger, reorganisation, a change of business), "
        "and apply within 3 months for a change of the incubator's name (art. 11);\n"
        "3. We will report the incubator's development every year as required (art. 12);\n"
        "4. We know that in any case of art. 13 the certification is revoked and no new "
        "application may be made for 2 years.",
    .declaration_version = "京科发〔2020〕13号-1",
    .data_fields = incubator_fields,
    .data_size = sizeof(struct incubator_data),
    .enterprise_units = false,
    .check_consistency = incubator_check_consistency,
    .eligibility = incubator_eligibility,
    .award = incubator_award,
    /* 第十三条: revoked for fraud, an unreported change, false advertising
     * or illegal operation, or termination: no new application for 2 years. */
    .ban_months = 24,
    .issued_zh = "北京市科技企业孵化器认定证书",
    .issued_en = "Beijing science-tech enterprise incubator certificate",
    .decides_zh = "认定",
    .decides_en = "certify",
    .valid_years = 3,
    /* 第五、八条: applications go to 市科委 (no district stage); expert
     * review, site inspection, then the 5-working-day notice. */
    .stages = STAGE_MUNICIPAL | STAGE_NOTICE,
    .municipal_records = incubator_municipal_records,
    .revocation_grounds = incubator_revocation_grounds,
    .banning_grounds = incubator_banning_grounds,
    .materials = incubator_materials,
    .certification = true,
    .after = AFTER_DUTIES,
    .duties = &incubator_duties,
};
