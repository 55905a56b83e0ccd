/*
 * The application kinds as a table.  Everything that differs between
 * `incubator`, `first_store`, `tourism_award` and `experience_base` is
 * reached through one row of this table; adding a kind means one new file (with a header for the
 * struct its data decodes into) and one row.
 */
#ifndef SB_KINDS_H
#define SB_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "materials.h"
#include "duties.h"
#include "ranking.h"
#include "rules.h"
#include "spec.h"
#include "workflow.h"

/*
 * What a kind's hooks may ask about the other applications of its kind and
 * round while a municipal approval is decided (the engine answers from the
 * database, inside the approving transaction).
 */
struct approval_query {
    void *ctx;
    int round;
    /* 1 when the year's ranking of the kind has been computed, 0 when not,
     * -1 when the database failed. */
    int (*ranking_computed)(void *ctx);
    /* How many other applications of the kind and round, approved or under
     * notice, have the fact `fact` true (what their municipal approval
     * fixed); -1 when the database failed. */
    int (*count_granted)(void *ctx, const char *fact);
    /* 1 when the year's ranking (computed) took this application into
     * account (ranked it or left it out as not eligible), 0 when not, -1
     * when the database failed. */
    int (*in_ranking)(void *ctx);
    /* Where a hook that refuses puts its reason in Chinese besides `why`
     * (messages.h; NULL: nowhere), zh_cap bytes. */
    char *why_zh;
    size_t zh_cap;
};

/* Writes a hook's reason (printf-formatted) into why (cap bytes) and, when
 * the message catalog has its Chinese, into q->why_zh. */
void kind_why(const struct approval_query *q, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A ranked kind: what an application brings to the year's ranking. */
struct kind_ranking {
    /* Fills e's input figures from the application's typed data. */
    void (*figures)(const void *data, struct ranking_entry *e);
};

struct kind {
    const char *name;      /* "incubator", as in the envelope's `kind` */
    const char *authority; /* owning municipal authority: "science_tech", … */
    const char *title_zh;  /* what the gazette calls it */
    const char *title_en;
    const char *source; /* the measure's document number, as decisions cite it */
    /* The 承诺书 an applicant accepts when submitting (the measure's own
     * obligations, in its words where it gives them), in both languages, and
     * its version: a submission records which text it accepted, so a new
     * text takes a new version.  NULL: the general text of kind_declaration(). */
    const char *declaration_zh;
    const char *declaration_en;
    const char *declaration_version;
    /* The round is the year the award is for, applied for in the next year
     * (a form defaults to last year). */
    bool round_is_award_year;
    /* The kind's `data` object, declared once: validation, decoding, schema
     * and forms all come from this table. */
    const struct field_spec *data_fields;
    /* The size of the struct data_fields decode into (struct incubator_data,
     * …, in the kind's header): what the rules below read. */
    size_t data_size;
    /* May the district stage be done by an enterprise review unit
     * (`soe:…`, `hq:…`)?  Only first_store (RULES.md §3, 六). */
    bool enterprise_units;
    /* Consistency rules across fields that a field table cannot say (e.g.
     * declared totals that must equal computed ones), on the decoded data.
     * Appends to errs with pointers under "/data".  Runs only when the data
     * passed the field table; `round` is the envelope's (0 when it is itself
     * invalid).  May be NULL. */
    void (*check_consistency)(const void *data, int round, struct spec_errors *errs);
    /* The eligibility checks of RULES.md for this kind, in the order of its
     * table, every one of them every time. */
    void (*eligibility)(const struct rule_input *in, struct eligibility *out);
    /* What would be (or, once the municipal stage fixed its figures, was)
     * granted.  Sets out->basis.  An incubator has no amount. */
    void (*award)(const struct rule_input *in, struct award *out);
    /* Months for which revoking what this kind issued bars the organisation
     * from applying again (incubator: 2 years, 第十三条); 0 = no bar. */
    int ban_months;
    /* What an approval issues, as the gazette names it, and for how long it
     * is valid (0: no end). */
    const char *issued_zh;
    const char *issued_en;
    int valid_years;
    /* What a municipal approval does, as the bureau's decisions word it
     * (予以认定, 不予认定: "认定"; "certify"), and what the amount is called
     * (支持金额, 奖励金额; "funding"), NULL for a kind with no amount. */
    const char *decides_zh;
    const char *decides_en;
    const char *amount_zh;
    const char *amount_en;
    /* Why what it issued may be revoked (the first is the default), and which
     * of those grounds bar the organisation for ban_months. */
    const char *const *revocation_grounds;
    const char *const *banning_grounds;
    /* The review stages the kind's measure prescribes (STAGE_* bits, RULES.md
     * §1); a deployment may change them (configuration `stages`). */
    unsigned stages;
    /* Whether an application goes straight to the municipal stage whatever
     * the kind's stages say (a unit directly under the authority); NULL:
     * never. */
    bool (*skips_district)(const void *data);
    /* What a district approval must carry (NULL: nothing besides the
     * opinion). */
    const struct field_spec *district_records;
    /* What a municipal approval must carry (CONTRACT.md "Stage records").
     * A record may belong to some applications only (field_spec's
     * when_data: a direct unit's status, RULES.md §7). */
    const struct field_spec *municipal_records;
    /* The figures a municipal approval fixes for the rules (struct
     * rule_input: audited_fen, funded_charters, special_award), copied from
     * the review into the application's facts.  NULL: none. */
    void (*fix_figures)(const json_t *review, json_t *facts);
    /* What must hold of the year before a municipal approval (the ranking
     * computed, a yearly cap): 0 when it may go on, 1 when not (why says in
     * words), -1 when q failed.  NULL: nothing. */
    int (*before_approval)(const struct approval_query *q, const json_t *review, char *why,
                           size_t cap);
    /* What must hold of the year before a submission (a year whose ranking
     * is final takes no newcomer): as before_approval.  NULL: nothing. */
    int (*before_submit)(const struct approval_query *q, char *why, size_t cap);
    /* Ranked kinds only (the tourism awards): else NULL. */
    const struct kind_ranking *ranking;
    /* The materials (申报材料) the kind asks for, RULES.md §6, terminated
     * by a row with type NULL; NULL: none. */
    const struct material_type *materials;

    /* RULES.md §5, one application per organisation, kind and round: NULL
     * when that is the organisation itself; else whether two applications'
     * data are the same project (first_store: the same store, introduced
     * store or launch event), and in `what` (cap bytes) which it is. */
    bool (*same_project)(const void *a, const void *b, char *what, size_t cap);
    /* What a municipal approval of an application with this data must carry
     * when it depends on the data (first_store: an audited amount for a
     * store or an event, a decision on each store introduced); NULL: always
     * municipal_records. */
    const struct field_spec *(*municipal_records_for)(const void *data);
    /* Checks of a municipal approval's records against the data that a
     * field table cannot say (one decision per store introduced); appends
     * to errs.  NULL: none. */
    void (*check_records)(const void *data, const json_t *review, struct spec_errors *errs);
    /* Adds to what an approval issues what identifies the project (brand
     * and store, the event).  NULL: nothing. */
    void (*decision_details)(const void *data, json_t *doc);

    /* What an approval issues is a certification, with no amount: valid
     * until a date when valid_years > 0, else without end.  Otherwise it
     * is a decision granting an amount. */
    bool certification;
    /* What is certified, from the data, as what it issues names it and the
     * public list shows it (a base: its name, theme, district); a new
     * reference.  NULL: nothing besides the holder. */
    json_t *(*subject)(const void *data);
    /* The holders are published on a list (GET /v1/kinds/{kind}/list; 407号
     * 第十二条(五): 统一向社会发布). */
    bool public_list;
    /* What the kind does after approval, as AFTER_* bits (workflow.h): the
     * rows of the transition table that hold for it. */
    unsigned after;
    /* The duties after approval (RULES.md §8); NULL: none. */
    const struct duty_rules *duties;
    /* Revocation grounds that also reject the organisation's pending
     * applications of the kind (190号 第十三条: 取消申报资格). */
    const char *const *rejecting_grounds;
};

/* The records a municipal approval of an application of kind k with
 * (typed) data must carry. */
const struct field_spec *kind_municipal_records(const struct kind *k, const void *data);

/* The shapes stage records share (stage_records.c): a finding {date,
 * passed, summary} and an accounting firm's audit {firm, date, passed,
 * summary}. */
extern const struct field_spec stage_finding_fields[];
extern const struct field_spec stage_audit_fields[];

/* The first day an organisation may apply again after a revocation on
 * `revoked_on` that bars it (k->ban_months > 0): for an incubator the same
 * date 2 years later (第十三条), the last day of the month when there is no
 * such date; it is barred on every day before. */
sb_day kind_ban_until(const struct kind *k, sb_day revoked_on);

/* The last day on which what kind k issued on `issued_on` is valid
 * (k->valid_years > 0; an incubator certificate: 3 years from 认定之日,
 * 第十条, taken as the issue date): the day before the same date that many
 * years later, as RULES.md §0 counts "a full year".  From the next day on
 * it has expired. */
sb_day kind_valid_until(const struct kind *k, sb_day issued_on);

/* 京文旅发〔2020〕190号 第十条: the special award goes to at most 5 agencies
 * a year.  True when one more may be granted in a year in which `granted`
 * were granted already: the 6th is refused. */
#define TOURISM_SPECIAL_AWARDS_PER_YEAR 5
bool tourism_special_award_available(int granted);

extern const struct kind kind_incubator;
extern const struct kind kind_first_store;
extern const struct kind kind_tourism_award;
extern const struct kind kind_experience_base;

/* All kinds, NULL-terminated, in a stable order: the built-in rows, then
 * any registered. */
extern const struct kind *const *const kinds;

/* Adds a kind that lives outside this folder (a deployment's own, a test's)
 * to the table.  Before any thread uses the kinds.  0, or -1 when its name
 * is taken or the table is full. */
int kind_register(const struct kind *k);

/* The Chinese of a name the domain's tables give it: a role's title, a
 * kind's, an authority's; NULL for any other (messages.h, msg_set_terms()). */
const char *domain_term_zh(const char *term);

/* The 承诺书 of kind k: its own text and version, or the general one. */
struct declaration {
    const char *zh, *en, *version;
};
struct declaration kind_declaration(const struct kind *k);

/* The kind called `name`, or NULL. */
const struct kind *kind_find(const char *name);

/* Whether kind k is owned by municipal authority `authority` (an authority
 * may own several: 市文化和旅游局 the tourism awards and the experience
 * bases). */
bool kind_of_authority(const struct kind *k, const char *authority);

/* GB/T 2260 codes of Beijing's 16 districts (config/review-units.json),
 * NULL-terminated: where a store or a base may be. */
extern const char *const beijing_districts[];

/* The authorities, NULL-terminated. */
extern const char *const authorities[];

/* An authority's name as it signs ("北京市科学技术委员会"), or NULL. */
const char *authority_name_zh(const char *authority);
const char *authority_name_en(const char *authority);

/* A kind's data, parsed once: the JSON as received (what is stored, written
 * once) and the typed struct the rules read.  Data parsed leniently may be
 * incomplete: then `typed` holds what is there (absent members zero or
 * NULL), which no rule may read, and `gaps` says what a strict parse
 * finds: the required members missing, the lists too short, the
 * consistency rules not met. */
struct kind_data {
    const struct kind *kind;
    json_t *json;            /* owned reference: the `data` object */
    void *typed;             /* kind->data_size bytes decoded from json; owned */
    struct spec_arena arena; /* what typed points into (typed included) */
    bool complete;           /* a strict parse finds nothing to say */
    struct spec_errors gaps; /* what it finds otherwise, pointers under "/data" */
};

/*
 * Validates a whole envelope (as application_validate does, consistency
 * checks included) and, when it is valid, decodes its data into out (which
 * then holds a reference to the data object).  Returns the kind (NULL when
 * `kind` is missing or unknown); every problem goes to errs.  On errors out
 * is left released.  The strings of out->typed point into the data object.
 */
const struct kind *application_parse(const json_t *envelope, struct kind_data *out,
                                     struct spec_errors *errs);

/* The same, in `mode`: SPEC_STRICT is application_parse(); SPEC_LENIENT
 * (a draft being filled in) holds only the envelope's own members and what
 * the data has to their types and bounds (spec.h), and on success says in
 * out->complete and out->gaps what is still missing or not yet consistent. */
const struct kind *application_parse_mode(const json_t *envelope, enum spec_mode mode,
                                          struct kind_data *out, struct spec_errors *errs);

/* Decodes stored data (already valid when it was stored) of kind k; 0, or -1
 * when it no longer passes (a newer rule, a damaged row): errs says why, with
 * pointers under "/data".  On -1 out is left released. */
int kind_data_parse(const struct kind *k, json_t *data, int round, struct kind_data *out,
                    struct spec_errors *errs);
/* The same in `mode`: leniently, data stored as a draft being filled in
 * decodes with out->complete false and its gaps. */
int kind_data_parse_mode(const struct kind *k, json_t *data, int round, enum spec_mode mode,
                         struct kind_data *out, struct spec_errors *errs);

/* Frees what d holds and leaves it released (all zero); a released d may be
 * released again. */
void kind_data_release(struct kind_data *d);

/*
 * Validates a whole application envelope (kind, round, review_unit,
 * applicant {name, uscc}, data) and, when `kind` names a known kind, its
 * `data` against that kind's fields and consistency rules.  Appends every
 * problem to errs and returns the kind (or NULL when `kind` is missing or
 * unknown).  Whether the review unit exists is for the caller, which knows
 * the units.  application_parse() without keeping what it decoded.
 */
const struct kind *application_validate(const json_t *envelope, struct spec_errors *errs);

/* The JSON Schema of a kind's whole envelope, `data` included.  Caller owns
 * the reference. */
json_t *kind_schema(const struct kind *k);

#endif
