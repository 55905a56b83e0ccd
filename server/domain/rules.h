/*
 * What the gazette's rules compute for an application: its eligibility
 * checks and its award.  Pure functions of the application's data and a few
 * facts from outside it (the submission date, the municipal stage's audited
 * figures, the year's ranking), so they are tested without a server.
 */
#ifndef SB_RULES_H
#define SB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "date.h"

struct award_item;

/* What a rule may look at.  `data` is the kind's typed struct (struct
 * kind_data's `typed`: struct incubator_data, …), decoded from data that
 * passed the kind's field table and consistency checks. */
struct rule_input {
    const void *data;
    int round; /* the application's year */
    const char *applicant_uscc;
    sb_day submitted_on; /* the submission date; for a draft, today */

    /* Facts fixed at the municipal stage; "unset" until then. */
    int64_t audited_fen; /* first_store: audited investment; -1 = unset */
    int funded_charters; /* tourism_award: charters funded; -1 = unset */
    bool special_award;  /* tourism_award: granted the special award */
    /* tourism_award: whether the year's ranking fixed this application, and
     * its items of that ranking (ranking_items_read() reads them as stored):
     * n_ranked_items items, none when it ranked nowhere. */
    bool ranked;
    const struct award_item *ranked_items;
    size_t n_ranked_items;
    /* The reviewer's decision on each item of a list (first_store: each
     * store introduced, included or not, RULES.md §5); none until made. */
    const struct item_decision *item_decisions;
    size_t n_item_decisions;
};

/* A reviewer's decision on one item of an application's list. */
struct item_decision {
    bool included;
    const char *reason; /* why (required to leave it out); NULL when none */
};

#define RULES_MAX_ITEM_DECISIONS 200

#define RULE_DETAIL_LEN  384
#define RULES_MAX_CHECKS 24

struct check {
    const char *id; /* stable id, e.g. "mentoring" (RULES.md tables) */
    bool passed;
    char detail[RULE_DETAIL_LEN];    /* the figures compared, in words a reviewer reads */
    char detail_zh[RULE_DETAIL_LEN]; /* the same in Chinese ("" until given) */
};

struct eligibility {
    struct check checks[RULES_MAX_CHECKS];
    size_t n;
    bool dropped; /* the last eligibility_add found no room */
};

/* Appends a check; detail is printf-formatted. */
void eligibility_add(struct eligibility *e, const char *id, bool passed, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Gives the check added last its Chinese detail; printf-formatted. */
void eligibility_zh(struct eligibility *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when every check passed (and there is at least one). */
bool eligibility_all_passed(const struct eligibility *e);

#define RULES_MAX_ITEMS 16

struct award_item {
    const char *item; /* "store_opening", "outbound", "charter", … (CONTRACT.md) */
    int64_t amount_fen;
    int rank;  /* ranked items: the rank; else 0 */
    int count; /* items paid per unit (stores, charters); else 0 */
    char detail[RULE_DETAIL_LEN];
    char detail_zh[RULE_DETAIL_LEN]; /* the same in Chinese ("" until given) */
};

struct award {
    const char *basis; /* "as_applied", "audited" or "ranked" */
    struct award_item items[RULES_MAX_ITEMS];
    size_t n;
    int64_t total_fen; /* the sum of the items */
    bool dropped;      /* the last award_add found no room */
};

/* Appends an item and adds it to the total; detail is printf-formatted. */
void award_add(struct award *a, const char *item, int64_t amount_fen, int rank, int count,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Gives the item added last its Chinese detail; printf-formatted. */
void award_zh(struct award *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON as CONTRACT.md gives it: {"eligible", "checks": [{id, passed, detail}]}
 * and {"basis", "total_fen", "items": [{item, amount_fen, rank?, count?, detail}]}. */
json_t *eligibility_to_json(const struct eligibility *e);
json_t *award_to_json(const struct award *a);

#endif
