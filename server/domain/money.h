/*
 * Money and exact comparisons (RULES.md §0).
 *
 * Money is an int64_t number of fen.  Percentages round down to the fen.
 * Ratios and growth rates are compared by cross-multiplying in 128-bit
 * integers, never by dividing, so no threshold is ever missed by a rounding.
 */
#ifndef SB_MONEY_H
#define SB_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEN_PER_YUAN 100
#define FEN_PER_WAN  1000000 /* 1 万元 */

/* percent% of amount_fen, rounded down to the fen (amount >= 0, 0 <= percent). */
int64_t money_percent(int64_t amount_fen, int64_t percent);

/* The smaller of a and b. */
int64_t money_min(int64_t a, int64_t b);

/* Compares a/b with c/d (b, d > 0): -1, 0 or 1. */
int ratio_cmp(int64_t a, int64_t b, int64_t c, int64_t d);

/* True when part/whole >= percent/100 (whole > 0). */
bool ratio_at_least_percent(int64_t part, int64_t whole, int64_t percent);

/*
 * The average of two yearly growth rates (RULES.md §0, 近两年平均增速) for
 * figures v0, v1, v2 of three consecutive years:
 *     ((v1 - v0) / v0 + (v2 - v1) / v1) / 2
 * compared with percent/100.  Returns 1 when the average is at least the
 * percentage, 0 when below, -1 when undefined (v0 or v1 is 0 or negative).
 */
int growth_avg_at_least_percent(int64_t v0, int64_t v1, int64_t v2, int64_t percent);

/* Writes the amount as yuan for people: "1,234,567.89 元" (or "-…"). */
void money_format(int64_t fen, char *out, size_t cap);

#endif
