/*
 * The ranked awards of a tourism_award year (京文旅发〔2020〕190号 第五至八条;
 * RULES.md §4): four rankings among the year's eligible travel agencies, the
 * amount each rank earns, and the choice between the outbound and the
 * reception items, which are not awarded together (不重复奖励).
 *
 * Pure: the caller picks the applications that take part (the eligible ones
 * of the year in municipal_review), fills in their figures, and stores what
 * comes out.  Nothing here knows about applications beyond their id.
 */
#ifndef SB_RANKING_H
#define SB_RANKING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rules.h"

/* A growth item (增幅, 第六、八条) needs this year's figure at or above this
 * many person-days (4000 人天(含)以上). */
#define RANKING_GROWTH_MIN_PERSON_DAYS 4000

/* What one agency brings to the ranking and what it gets from it. */
struct ranking_entry {
    /* Input: the application and its person-days (annex), all >= 0. */
    int64_t app_id;
    int64_t outbound, outbound_prev, reception, reception_prev;

    /* Output.  Ranks are standard competition ranks (1, 2, 2, 4) among the
     * agencies ranked for that item; 0 = not ranked (a zero figure, or for a
     * growth item: last year 0, this year below 4000, or no increase). */
    int outbound_rank, outbound_growth_rank, reception_rank, reception_growth_rank;
    /* The amount each rank earns by its tier, before 不重复奖励; 0 beyond the
     * last tier. */
    int64_t outbound_fen, outbound_growth_fen, reception_fen, reception_growth_fen;
    /* The group awarded after 不重复奖励: "outbound" (outbound and
     * outbound_growth), "reception" (reception and reception_growth), or NULL
     * when no rank earned anything.  A static string. */
    const char *group;
    /* What is awarded: the group's items with a non-zero amount, each with
     * its rank and a detail for reviewers; `count` is 0. */
    struct award_item items[4];
    size_t n_items;
    int64_t total_fen; /* the sum of items */
};

/*
 * Ranks the n entries (n may be 0) and fills in their output members; the
 * input members are read only.  Every entry given takes part: the caller
 * filters out the ineligible.  The entries stay in their order; the result
 * does not depend on it (ties share a rank, they are never broken by
 * position), so the caller may sort for display afterwards.
 */
void ranking_compute(struct ranking_entry *e, size_t n);

/*
 * The entry's awarded items as a JSON array of {item, amount_fen, rank,
 * detail, detail_zh}: what an application's `ranked_items` holds once the ranking is
 * fixed (struct rule_input).  Caller owns the reference.
 */
json_t *ranking_items_json(const struct ranking_entry *e);

/*
 * Reads back what ranking_items_json() wrote (an application's stored
 * `ranked_items`) into out, at most cap items; returns how many.  What is
 * not an object is skipped, a missing member reads as zero or empty: the
 * award leaves out what it does not know.  out[i].item points into items,
 * which the caller keeps alive as long as out.
 */
size_t ranking_items_read(const json_t *items, struct award_item *out, size_t cap);

/* Writes a person-day (or any non-negative count) figure for people, with
 * thousands separators: "12,345". */
void person_days_format(int64_t n, char *out, size_t cap);

#endif
