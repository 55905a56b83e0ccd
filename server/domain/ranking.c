/*
 * The tourism_award ranking of a year (京文旅发〔2020〕190号 第五至八条,
 * RULES.md §4).
 *
 * Each of the four items is ranked on its own, among the agencies that
 * qualify for it, by counting how many qualifying agencies have a strictly
 * better figure: rank = 1 + that count.  This is standard competition
 * ranking (1, 2, 2, 4) without a sort, so equal figures can never be split
 * by the order the caller happened to pass them in.  It is quadratic in the
 * number of agencies, which for the few hundred inbound agencies of a year
 * is nothing.
 */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "ranking.h"
#include "text.h"

enum item { OUTBOUND, OUTBOUND_GROWTH, RECEPTION, RECEPTION_GROWTH, N_ITEMS };

/* Ranks first..last earn amount_fen. */
struct tier {
    int first, last;
    int64_t amount_fen;
};

/* The amounts of 第五至八条; each list ends with a zero tier.  Ranks after
 * the last tier (前二十名以内, 前十名以内) earn nothing. */
static const struct tier outbound_tiers[] = {
    {1, 3, 50 * (int64_t)FEN_PER_WAN},
    {4, 10, 40 * (int64_t)FEN_PER_WAN},
    {11, 15, 30 * (int64_t)FEN_PER_WAN},
    {16, 20, 20 * (int64_t)FEN_PER_WAN},
    {0, 0, 0},
};
static const struct tier outbound_growth_tiers[] = {
    {1, 3, 30 * (int64_t)FEN_PER_WAN},
    {4, 10, 20 * (int64_t)FEN_PER_WAN},
    {0, 0, 0},
};
static const struct tier reception_tiers[] = {
    {1, 3, 15 * (int64_t)FEN_PER_WAN},
    {4, 10, 10 * (int64_t)FEN_PER_WAN},
    {0, 0, 0},
};
static const struct tier reception_growth_tiers[] = {
    {1, 3, 10 * (int64_t)FEN_PER_WAN},
    {4, 10, 5 * (int64_t)FEN_PER_WAN},
    {0, 0, 0},
};

static const struct item_rule {
    const char *name;     /* the award item (CONTRACT.md) */
    const char *title_zh; /* the gazette's name of the project */
    bool growth;          /* ranked by growth over last year rather than the figure */
    const struct tier *tiers;
} item_rules[N_ITEMS] = {
    [OUTBOUND] = {"outbound", "入境外联人天", false, outbound_tiers},
    [OUTBOUND_GROWTH] = {"outbound_growth", "入境外联人天增幅", true, outbound_growth_tiers},
    [RECEPTION] = {"reception", "入境接待人天", false, reception_tiers},
    [RECEPTION_GROWTH] = {"reception_growth", "入境接待人天增幅", true, reception_growth_tiers},
};

/* This year's and last year's figure behind an item. */
static void figures(const struct ranking_entry *e, enum item it, int64_t *now, int64_t *prev)
{
    bool outbound = it == OUTBOUND || it == OUTBOUND_GROWTH;

    *now = outbound ? e->outbound : e->reception;
    *prev = outbound ? e->outbound_prev : e->reception_prev;
}

static int *rank_of(struct ranking_entry *e, enum item it)
{
    switch (it) {
    case OUTBOUND:
        return &e->outbound_rank;
    case OUTBOUND_GROWTH:
        return &e->outbound_growth_rank;
    case RECEPTION:
        return &e->reception_rank;
    default:
        return &e->reception_growth_rank;
    }
}

static int64_t *fen_of(struct ranking_entry *e, enum item it)
{
    switch (it) {
    case OUTBOUND:
        return &e->outbound_fen;
    case OUTBOUND_GROWTH:
        return &e->outbound_growth_fen;
    case RECEPTION:
        return &e->reception_fen;
    default:
        return &e->reception_growth_fen;
    }
}

/* Whether an agency is ranked for an item at all.  A zero figure earns
 * nothing, so it takes no place.  Growth needs a base (last year > 0: from
 * 0 it is undefined, RULES.md §0), the 4000 person-days of 第六、八条, and
 * an actual increase: 增幅 rewards growth, not a smaller decline. */
static bool qualifies(const struct ranking_entry *e, enum item it)
{
    int64_t now, prev;

    figures(e, it, &now, &prev);
    if (!item_rules[it].growth)
        return now > 0;
    return prev > 0 && now >= RANKING_GROWTH_MIN_PERSON_DAYS && now > prev;
}

/* > 0 when a's figure for the item is better than b's, 0 when equal.
 * Growth is the exact fraction (now − prev) / prev, compared by
 * cross-multiplying: two agencies are tied only when their growth is the
 * same number, never because a rounded percentage looks the same. */
static int compare(const struct ranking_entry *a, const struct ranking_entry *b, enum item it)
{
    int64_t an, ap, bn, bp;

    figures(a, it, &an, &ap);
    figures(b, it, &bn, &bp);
    if (item_rules[it].growth)
        return ratio_cmp(an - ap, ap, bn - bp, bp);
    return (an > bn) - (an < bn);
}

/* The tier a rank falls in, or NULL beyond the last one.  A shared rank is
 * one rank: agencies tied at 3 all fall in the 1-3 tier, even when there are
 * three of them and the next agency is 6th. */
static const struct tier *tier_of(const struct tier *tiers, int rank)
{
    for (const struct tier *t = tiers; t->first > 0; t++)
        if (rank >= t->first && rank <= t->last)
            return t;
    return NULL;
}

/* An amount in 万元 as the gazette writes its tiers ("50万元"); any other
 * amount in yuan. */
static void wan_format(int64_t fen, char *out, size_t cap)
{
    if (fen % FEN_PER_WAN == 0)
        snprintf(out, cap, "%lld万元", (long long)(fen / FEN_PER_WAN));
    else
        money_format(fen, out, cap);
}

/* The item's detail for reviewers, in English and in Chinese: the figures
 * compared, the rank and the tier it earned, then the note. */
static void add_item(struct award *a, struct ranking_entry *e, enum item it, int n_ranked,
                     const char *note, const char *note_zh)
{
    const struct item_rule *r = &item_rules[it];
    int rank = *rank_of(e, it);
    int64_t fen = *fen_of(e, it);
    const struct tier *t = tier_of(r->tiers, rank);
    char now_s[32], prev_s[32], diff_s[32], money[48], wan[48];
    int64_t now, prev;

    assert(t != NULL);
    figures(e, it, &now, &prev);
    person_days_format(now, now_s, sizeof now_s);
    money_format(t->amount_fen, money, sizeof money);
    wan_format(t->amount_fen, wan, sizeof wan);
    if (r->growth) {
        person_days_format(prev, prev_s, sizeof prev_s);
        person_days_format(now - prev, diff_s, sizeof diff_s);
        award_add(a, r->name, fen, rank, 0,
                  "%s: %s person-days against %s last year (up %s), rank %d of %d "
                  "(ranks %d-%d: %s)%s",
                  r->title_zh, now_s, prev_s, diff_s, rank, n_ranked, t->first, t->last, money,
                  note);
        award_zh(a,
                 "%s项目：申报年度%s人天，上年度%s人天，增加%s人天；增幅在%d家旅行社中排名第%d名"
                 "（第%d至%d名奖励%s）%s。",
                 r->title_zh, now_s, prev_s, diff_s, n_ranked, rank, t->first, t->last, wan,
                 note_zh);
    } else {
        award_add(a, r->name, fen, rank, 0, "%s: %s person-days, rank %d of %d (ranks %d-%d: %s)%s",
                  r->title_zh, now_s, rank, n_ranked, t->first, t->last, money, note);
        award_zh(a, "%s项目：申报年度%s人天，在%d家旅行社中排名第%d名（第%d至%d名奖励%s）%s。",
                 r->title_zh, now_s, n_ranked, rank, t->first, t->last, wan, note_zh);
    }
}

/*
 * 不重复奖励 (第五至八条): the outbound items and the reception items are not
 * awarded together.  An agency that earned something in both groups keeps
 * the group worth more, the outbound group on a tie (it is the first the
 * gazette names, and the one that rewards bringing tourists in).  Ranks are
 * left as they are: the other agencies neither move up nor gain a tier.
 */
static void choose_group(struct ranking_entry *e, const int n_ranked[N_ITEMS])
{
    int64_t out_fen = e->outbound_fen + e->outbound_growth_fen;
    int64_t rec_fen = e->reception_fen + e->reception_growth_fen;
    enum item first, second;
    int64_t dropped_fen;
    const char *dropped, *dropped_zh;
    struct award a;
    char note[128] = "", note_zh[192] = "", money[48], wan[48];

    e->group = NULL;
    e->n_items = 0;
    e->total_fen = 0;
    if (out_fen > 0 && out_fen >= rec_fen) {
        e->group = "outbound";
        first = OUTBOUND;
        second = OUTBOUND_GROWTH;
        dropped_fen = rec_fen;
        dropped = "reception";
        dropped_zh = "入境接待人天项目、入境接待人天增幅项目";
    } else if (rec_fen > 0) {
        e->group = "reception";
        first = RECEPTION;
        second = RECEPTION_GROWTH;
        dropped_fen = out_fen;
        dropped = "outbound";
        dropped_zh = "入境外联人天项目、入境外联人天增幅项目";
    } else {
        return;
    }
    if (dropped_fen > 0) {
        money_format(dropped_fen, money, sizeof money);
        snprintf(note, sizeof note, "; the %s items (%s) are not awarded with it (不重复奖励)",
                 dropped, money);
        wan_format(dropped_fen, wan, sizeof wan);
        snprintf(note_zh, sizeof note_zh, "；与%s（%s）不重复奖励", dropped_zh, wan);
    }

    memset(&a, 0, sizeof a);
    if (*fen_of(e, first) > 0) {
        add_item(&a, e, first, n_ranked[first], note, note_zh);
        /* said once, on the group's first item */
        note[0] = '\0';
        note_zh[0] = '\0';
    }
    if (*fen_of(e, second) > 0)
        add_item(&a, e, second, n_ranked[second], note, note_zh);
    memcpy(e->items, a.items, a.n * sizeof a.items[0]);
    e->n_items = a.n;
    e->total_fen = a.total_fen;
}

void ranking_compute(struct ranking_entry *e, size_t n)
{
    int n_ranked[N_ITEMS];

    assert(n <= INT_MAX);
    for (size_t i = 0; i < n; i++)
        assert(e[i].outbound >= 0 && e[i].outbound_prev >= 0 && e[i].reception >= 0 &&
               e[i].reception_prev >= 0);

    for (int it = 0; it < N_ITEMS; it++) {
        n_ranked[it] = 0;
        for (size_t i = 0; i < n; i++)
            n_ranked[it] += qualifies(&e[i], (enum item)it);

        for (size_t i = 0; i < n; i++) {
            const struct tier *t;
            int rank = 0;

            if (qualifies(&e[i], (enum item)it)) {
                rank = 1;
                for (size_t j = 0; j < n; j++)
                    if (j != i && qualifies(&e[j], (enum item)it) &&
                        compare(&e[j], &e[i], (enum item)it) > 0)
                        rank++;
            }
            t = rank > 0 ? tier_of(item_rules[it].tiers, rank) : NULL;
            *rank_of(&e[i], (enum item)it) = rank;
            *fen_of(&e[i], (enum item)it) = t ? t->amount_fen : 0;
        }
    }

    for (size_t i = 0; i < n; i++)
        choose_group(&e[i], n_ranked);
}

json_t *ranking_items_json(const struct ranking_entry *e)
{
    json_t *items = json_array();

    for (size_t i = 0; i < e->n_items; i++) {
        const struct award_item *it = &e->items[i];
        json_array_append_new(items,
                              json_pack("{s:s, s:I, s:i, s:s, s:s}", "item", it->item, "amount_fen",
                                        (json_int_t)it->amount_fen, "rank", it->rank, "detail",
                                        it->detail, "detail_zh", it->detail_zh));
    }
    return items;
}

/* Copies text into a detail buffer, cut at a character boundary. */
static void copy_detail(char *out, size_t cap, const char *text)
{
    if (snprintf(out, cap, "%s", text ? text : "") >= (int)cap)
        text_trim_utf8(out);
}

size_t ranking_items_read(const json_t *items, struct award_item *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < json_array_size(items) && n < cap; i++) {
        const json_t *it = json_array_get(items, i);
        struct award_item *o = &out[n];

        if (!json_is_object(it))
            continue;
        memset(o, 0, sizeof *o);
        o->item = json_string_value(json_object_get(it, "item"));
        o->amount_fen = json_integer_value(json_object_get(it, "amount_fen"));
        o->rank = (int)json_integer_value(json_object_get(it, "rank"));
        o->count = (int)json_integer_value(json_object_get(it, "count"));
        copy_detail(o->detail, sizeof o->detail, json_string_value(json_object_get(it, "detail")));
        copy_detail(o->detail_zh, sizeof o->detail_zh,
                    json_string_value(json_object_get(it, "detail_zh")));
        n++;
    }
    return n;
}

void person_days_format(int64_t n, char *out, size_t cap)
{
    /* The magnitude as unsigned, so that even INT64_MIN prints. */
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    char digits[24], grouped[32];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
    size_t g = 0;

    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(out, cap, "%s%s", n < 0 ? "-" : "", grouped);
}
