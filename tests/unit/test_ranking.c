/*
 * The tourism_award ranking of a year (RULES.md §4, 第五至八条): shared
 * ranks, tiers, the growth conditions, exact growth comparison and the
 * choice between the outbound and the reception items (不重复奖励).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "money.h"
#include "ranking.h"

#define WAN ((int64_t)FEN_PER_WAN)

static struct ranking_entry entry(int64_t id, int64_t outbound, int64_t outbound_prev,
                                  int64_t reception, int64_t reception_prev)
{
    struct ranking_entry e;

    memset(&e, 0, sizeof e);
    e.app_id = id;
    e.outbound = outbound;
    e.outbound_prev = outbound_prev;
    e.reception = reception;
    e.reception_prev = reception_prev;
    return e;
}

/* The awarded item called name, or NULL. */
static const struct award_item *item(const struct ranking_entry *e, const char *name)
{
    for (size_t i = 0; i < e->n_items; i++)
        if (strcmp(e->items[i].item, name) == 0)
            return &e->items[i];
    return NULL;
}

/* The tiers of 第五、七条, written out independently of ranking.c. */
static int64_t outbound_tier(int r)
{
    if (r <= 3)
        return 50 * WAN;
    if (r <= 10)
        return 40 * WAN;
    if (r <= 15)
        return 30 * WAN;
    return r <= 20 ? 20 * WAN : 0;
}

static int64_t reception_tier(int r)
{
    if (r <= 3)
        return 15 * WAN;
    return r <= 10 ? 10 * WAN : 0;
}

/* s contains part. */
static void assert_has(const char *s, const char *part)
{
    ck_assert_msg(strstr(s, part) != NULL, "'%s' lacks '%s'", s, part);
}

/* A Chinese detail is whole: given, and not cut short (it ends its sentence). */
static void assert_zh_whole(const char *zh)
{
    size_t len = strlen(zh), stop = strlen("。");

    ck_assert_msg(len > stop && strcmp(zh + len - stop, "。") == 0, "'%s' is not whole", zh);
    ck_assert_uint_lt(len, RULE_DETAIL_LEN - 1);
}

static void assert_items_add_up(const struct ranking_entry *e)
{
    int64_t sum = 0;

    for (size_t i = 0; i < e->n_items; i++) {
        char rank[32];

        ck_assert_int_gt(e->items[i].amount_fen, 0);
        ck_assert_int_gt(e->items[i].rank, 0);
        ck_assert(e->items[i].detail[0] != '\0');
        assert_zh_whole(e->items[i].detail_zh);
        snprintf(rank, sizeof rank, "排名第%d名", e->items[i].rank);
        assert_has(e->items[i].detail_zh, rank);
        sum += e->items[i].amount_fen;
    }
    ck_assert_int_eq(sum, e->total_fen);
}

START_TEST(test_empty)
{
    ranking_compute(NULL, 0);
}
END_TEST

START_TEST(test_ties_share_a_rank)
{
    struct ranking_entry e[] = {
        entry(1, 900, 0, 0, 0),
        entry(2, 800, 0, 0, 0),
        entry(3, 800, 0, 0, 0),
        entry(4, 700, 0, 0, 0),
    };

    ranking_compute(e, 4);
    ck_assert_int_eq(e[0].outbound_rank, 1);
    ck_assert_int_eq(e[1].outbound_rank, 2);
    ck_assert_int_eq(e[2].outbound_rank, 2);
    ck_assert_int_eq(e[3].outbound_rank, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(e[i].outbound_fen, i < 3 ? 50 * WAN : 40 * WAN);
        ck_assert_str_eq(e[i].group, "outbound");
        ck_assert_uint_eq(e[i].n_items, 1);
        ck_assert_int_eq(e[i].total_fen, e[i].outbound_fen);
        ck_assert_int_eq(e[i].items[0].rank, e[i].outbound_rank);
        /* Reception 0: not ranked, nothing earned. */
        ck_assert_int_eq(e[i].reception_rank, 0);
        ck_assert_int_eq(e[i].reception_fen, 0);
        assert_items_add_up(&e[i]);
    }
    ck_assert_ptr_nonnull(strstr(e[2].items[0].detail, "rank 2 of 4"));
}
END_TEST

/* Order never decides: the same figures in reverse give the same ranks. */
START_TEST(test_order_does_not_matter)
{
    struct ranking_entry e[] = {
        entry(4, 700, 0, 50, 0),
        entry(3, 800, 0, 60, 0),
        entry(2, 800, 0, 60, 0),
        entry(1, 900, 0, 70, 0),
    };

    ranking_compute(e, 4);
    ck_assert_int_eq(e[0].outbound_rank, 4);
    ck_assert_int_eq(e[1].outbound_rank, 2);
    ck_assert_int_eq(e[2].outbound_rank, 2);
    ck_assert_int_eq(e[3].outbound_rank, 1);
    ck_assert_int_eq(e[0].reception_rank, 4);
    ck_assert_int_eq(e[1].reception_rank, 2);
    ck_assert_int_eq(e[3].reception_rank, 1);
    ck_assert_int_eq(e[0].app_id, 4);
}
END_TEST

/* Three agencies tied at 3 all get the 1-3 tier; the next is 6th.  The
 * same at the other boundaries: ranks 10 and 20 shared. */
START_TEST(test_tie_across_tier_boundaries)
{
    /* figures: 1 2 3 3 3 6 7 8 9 10 10 12 … 19 20 20 20 23 */
    static const int64_t figures[] = {
        1000, 990, 980, 980, 980, 970, 960, 950, 940, 930, 930, 920,
        910,  900, 890, 880, 870, 860, 850, 840, 840, 840, 830,
    };
    static const int ranks[] = {1,  2,  3,  3,  3,  6,  7,  8,  9,  10, 10, 12,
                                13, 14, 15, 16, 17, 18, 19, 20, 20, 20, 23};
    enum { N = sizeof figures / sizeof figures[0] };
    struct ranking_entry e[N];

    for (size_t i = 0; i < N; i++)
        e[i] = entry((int64_t)i + 1, figures[i], 0, figures[i], 0);
    ranking_compute(e, N);
    for (size_t i = 0; i < N; i++) {
        int r = ranks[i];
        int64_t out = outbound_tier(r), rec = reception_tier(r);

        ck_assert_int_eq(e[i].outbound_rank, r);
        ck_assert_int_eq(e[i].reception_rank, r);
        ck_assert_int_eq(e[i].outbound_fen, out);
        ck_assert_int_eq(e[i].reception_fen, rec);
        assert_items_add_up(&e[i]);
    }
    /* The 5th agency shares rank 3 and the 1-3 tier. */
    ck_assert_int_eq(e[4].outbound_fen, 50 * WAN);
    ck_assert_int_eq(e[5].outbound_fen, 40 * WAN);
    /* Rank 10 shared by two: both in 4-10; the next is 12th, in 11-15. */
    ck_assert_int_eq(e[10].reception_fen, 10 * WAN);
    ck_assert_int_eq(e[11].reception_fen, 0);
    /* Rank 20 shared by three, all in 16-20; the 23rd earns nothing. */
    ck_assert_int_eq(e[21].outbound_fen, 20 * WAN);
    ck_assert_int_eq(e[22].outbound_fen, 0);
    ck_assert_ptr_null(e[22].group);
    ck_assert_uint_eq(e[22].n_items, 0);
    ck_assert_int_eq(e[22].total_fen, 0);
}
END_TEST

START_TEST(test_growth_needs_4000_this_year)
{
    struct ranking_entry e[] = {
        entry(1, 3999, 1000, 3999, 1000),
        entry(2, 4000, 1000, 4000, 1000),
    };

    ranking_compute(e, 2);
    ck_assert_int_eq(e[0].outbound_growth_rank, 0);
    ck_assert_int_eq(e[0].reception_growth_rank, 0);
    ck_assert_int_eq(e[0].outbound_growth_fen, 0);
    ck_assert_int_eq(e[1].outbound_growth_rank, 1);
    ck_assert_int_eq(e[1].reception_growth_rank, 1);
    ck_assert_int_eq(e[1].outbound_growth_fen, 30 * WAN);
    ck_assert_int_eq(e[1].reception_growth_fen, 10 * WAN);
    /* The plain items rank both. */
    ck_assert_int_eq(e[0].outbound_rank, 2);
    ck_assert_int_eq(e[1].outbound_rank, 1);
    /* 50万 + 30万 against 15万 + 10万: the outbound group. */
    ck_assert_str_eq(e[1].group, "outbound");
    ck_assert_int_eq(e[1].total_fen, 80 * WAN);
    ck_assert_ptr_nonnull(item(&e[1], "outbound_growth"));
    ck_assert_ptr_nonnull(strstr(item(&e[1], "outbound_growth")->detail, "up 3,000"));
    assert_items_add_up(&e[1]);
}
END_TEST

START_TEST(test_growth_needs_a_base_and_an_increase)
{
    struct ranking_entry e[] = {
        entry(1, 10000, 0, 10000, 0),         /* last year 0: undefined */
        entry(2, 10000, 10000, 10000, 10000), /* no change */
        entry(3, 10000, 12000, 10000, 12000), /* a decline */
        entry(4, 10000, 9999, 10000, 9999),   /* the smallest increase */
    };

    ranking_compute(e, 4);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(e[i].outbound_growth_rank, 0);
        ck_assert_int_eq(e[i].reception_growth_rank, 0);
        ck_assert_int_eq(e[i].outbound_growth_fen, 0);
        ck_assert_int_eq(e[i].reception_growth_fen, 0);
        ck_assert_int_eq(e[i].outbound_rank, 1);
    }
    ck_assert_int_eq(e[3].outbound_growth_rank, 1);
    ck_assert_int_eq(e[3].reception_growth_rank, 1);
}
END_TEST

/* Growth is compared as an exact fraction.  1/999,999,998 and 1/999,999,999
 * differ by about 10^-18: no rounded percentage, nor a double, tells them
 * apart.  5,000/4,000 and 10,000/8,000 are the same number: a tie. */
START_TEST(test_growth_compared_exactly)
{
    struct ranking_entry e[] = {
        entry(1, 1000000000, 999999999, 1000000000, 999999999),
        entry(2, 999999999, 999999998, 999999999, 999999998),
        entry(3, 5000, 4000, 5000, 4000),
        entry(4, 10000, 8000, 10000, 8000),
    };

    ranking_compute(e, 4);
    ck_assert_int_eq(e[2].outbound_growth_rank, 1);
    ck_assert_int_eq(e[3].outbound_growth_rank, 1);
    ck_assert_int_eq(e[1].outbound_growth_rank, 3);
    ck_assert_int_eq(e[0].outbound_growth_rank, 4);
    ck_assert_int_eq(e[1].reception_growth_rank, 3);
    ck_assert_int_eq(e[0].reception_growth_rank, 4);
    ck_assert_int_eq(e[2].outbound_growth_fen, 30 * WAN);
    ck_assert_int_eq(e[1].outbound_growth_fen, 30 * WAN);
    ck_assert_int_eq(e[0].outbound_growth_fen, 20 * WAN);
}
END_TEST

/*
 * 不重复奖励.  Entries 0-14 hold outbound ranks 1-15.  T is 16th in outbound
 * (20万) and earns 15万 + 5万 in reception: a tie, so the outbound group.
 * R is 17th in outbound (20万) and earns 15万 + 10万 in reception: the
 * reception group.  The agencies after them keep their ranks: nobody moves
 * up into what T left.
 */
START_TEST(test_not_awarded_together)
{
    enum { T = 15, R = 16, G1 = 17, G2 = 18, G3 = 19, N = 20 };
    struct ranking_entry e[N];

    for (int i = 0; i < 15; i++)
        e[i] = entry(i + 1, 100000 - i * 1000, 0, 0, 0);
    e[T] = entry(T + 1, 50000, 60000, 90000, 80000); /* reception 2nd, growth 12.5%: 4th */
    e[R] = entry(R + 1, 49000, 60000, 95000, 50000); /* reception 1st, growth 90%: 3rd */
    e[G1] = entry(G1 + 1, 0, 0, 10000, 5000);        /* growth 100%: 1st */
    e[G2] = entry(G2 + 1, 0, 0, 10000, 5000);
    e[G3] = entry(G3 + 1, 0, 0, 10000, 10000); /* no growth */
    ranking_compute(e, N);

    ck_assert_int_eq(e[T].outbound_rank, 16);
    ck_assert_int_eq(e[T].reception_rank, 2);
    ck_assert_int_eq(e[T].reception_growth_rank, 4);
    ck_assert_int_eq(e[T].outbound_fen, 20 * WAN);
    ck_assert_int_eq(e[T].reception_fen, 15 * WAN);
    ck_assert_int_eq(e[T].reception_growth_fen, 5 * WAN);
    ck_assert_str_eq(e[T].group, "outbound");
    ck_assert_uint_eq(e[T].n_items, 1);
    ck_assert_str_eq(e[T].items[0].item, "outbound");
    ck_assert_int_eq(e[T].items[0].rank, 16);
    ck_assert_int_eq(e[T].total_fen, 20 * WAN);
    ck_assert_ptr_nonnull(strstr(e[T].items[0].detail, "不重复奖励"));
    /* The reception items it would have had: 15万 + 5万. */
    assert_has(e[T].items[0].detail_zh,
               "入境外联人天项目：申报年度50,000人天，在17家旅行社中排名第16名"
               "（第16至20名奖励20万元）；与入境接待人天项目、入境接待人天增幅项目（20万元）"
               "不重复奖励。");

    ck_assert_int_eq(e[R].outbound_rank, 17);
    ck_assert_int_eq(e[R].outbound_fen, 20 * WAN);
    ck_assert_int_eq(e[R].reception_rank, 1);
    ck_assert_int_eq(e[R].reception_growth_rank, 3);
    ck_assert_str_eq(e[R].group, "reception");
    ck_assert_uint_eq(e[R].n_items, 2);
    ck_assert_int_eq(item(&e[R], "reception")->amount_fen, 15 * WAN);
    ck_assert_int_eq(item(&e[R], "reception_growth")->amount_fen, 10 * WAN);
    ck_assert_ptr_null(item(&e[R], "outbound"));
    ck_assert_int_eq(e[R].total_fen, 25 * WAN);
    /* The note is said once, on the group's first item. */
    assert_has(item(&e[R], "reception")->detail_zh,
               "；与入境外联人天项目、入境外联人天增幅项目（20万元）不重复奖励。");
    ck_assert_ptr_null(strstr(item(&e[R], "reception_growth")->detail_zh, "不重复奖励"));
    assert_has(item(&e[R], "reception_growth")->detail_zh,
               "入境接待人天增幅项目：申报年度95,000人天，上年度50,000人天，增加45,000人天；"
               "增幅在4家旅行社中排名第3名（第1至3名奖励10万元）。");

    /* The others' ranks stay where the figures put them. */
    for (int g = G1; g <= G3; g++) {
        ck_assert_int_eq(e[g].reception_rank, 3);
        ck_assert_int_eq(e[g].outbound_rank, 0);
        ck_assert_str_eq(e[g].group, "reception");
    }
    ck_assert_int_eq(e[G1].reception_growth_rank, 1);
    ck_assert_int_eq(e[G2].reception_growth_rank, 1);
    ck_assert_int_eq(e[G3].reception_growth_rank, 0);
    ck_assert_int_eq(e[G1].total_fen, 25 * WAN);
    ck_assert_int_eq(e[G3].total_fen, 15 * WAN);
    ck_assert_int_eq(e[0].outbound_rank, 1);
    ck_assert_int_eq(e[14].outbound_rank, 15);
    ck_assert_int_eq(e[14].total_fen, 30 * WAN);
    for (int i = 0; i < N; i++)
        assert_items_add_up(&e[i]);
}
END_TEST

START_TEST(test_fewer_than_twenty)
{
    struct ranking_entry e[5];

    for (int i = 0; i < 5; i++)
        e[i] = entry(i + 1, 5000 - i, 0, 0, 0);
    ranking_compute(e, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(e[i].outbound_rank, i + 1);
        ck_assert_int_eq(e[i].total_fen, i < 3 ? 50 * WAN : 40 * WAN);
    }
}
END_TEST

START_TEST(test_twenty_five_distinct)
{
    enum { N = 25 };
    struct ranking_entry e[N];

    /* Given in reverse, smallest first. */
    for (int i = 0; i < N; i++)
        e[i] = entry(i + 1, 1000 + i * 10, 0, 0, 0);
    ranking_compute(e, N);
    for (int i = 0; i < N; i++) {
        int r = N - i;
        int64_t fen = outbound_tier(r);

        ck_assert_int_eq(e[i].outbound_rank, r);
        ck_assert_int_eq(e[i].outbound_fen, fen);
        ck_assert_int_eq(e[i].total_fen, fen);
        ck_assert_uint_eq(e[i].n_items, fen > 0 ? 1 : 0);
        if (fen > 0)
            ck_assert_str_eq(e[i].group, "outbound");
        else
            ck_assert_ptr_null(e[i].group);
    }
}
END_TEST

START_TEST(test_zero_not_ranked)
{
    struct ranking_entry e[] = {
        entry(1, 0, 0, 300, 0),
        entry(2, 5, 0, 0, 0),
        entry(3, 0, 0, 0, 0),
    };

    ranking_compute(e, 3);
    ck_assert_int_eq(e[0].outbound_rank, 0);
    ck_assert_int_eq(e[0].reception_rank, 1);
    ck_assert_str_eq(e[0].group, "reception");
    ck_assert_int_eq(e[0].total_fen, 15 * WAN);
    ck_assert_int_eq(e[1].outbound_rank, 1);
    ck_assert_int_eq(e[1].reception_rank, 0);
    ck_assert_ptr_nonnull(strstr(e[1].items[0].detail, "rank 1 of 1"));
    ck_assert_int_eq(e[2].outbound_rank, 0);
    ck_assert_int_eq(e[2].reception_rank, 0);
    ck_assert_ptr_null(e[2].group);
    ck_assert_int_eq(e[2].total_fen, 0);
}
END_TEST

START_TEST(test_items_json)
{
    struct ranking_entry e[] = {entry(7, 8000, 4000, 0, 0)};
    json_t *items;

    ranking_compute(e, 1);
    items = ranking_items_json(&e[0]);
    ck_assert_uint_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "item")),
                     "outbound");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "amount_fen")),
                     50 * WAN);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 1), "rank")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "item")),
                     "outbound_growth");
    for (size_t i = 0; i < 2; i++) {
        const json_t *it = json_array_get(items, i);

        ck_assert_str_eq(json_string_value(json_object_get(it, "detail")), e[0].items[i].detail);
        ck_assert_str_eq(json_string_value(json_object_get(it, "detail_zh")),
                         e[0].items[i].detail_zh);
        assert_zh_whole(json_string_value(json_object_get(it, "detail_zh")));
    }
    json_decref(items);
}
END_TEST

/* What the ranking stored reads back as it was; what is not an item is
 * skipped, what an item lacks reads as zero or empty, and no more than
 * asked for is read. */
START_TEST(test_items_read)
{
    struct ranking_entry e[] = {entry(7, 8000, 4000, 0, 0)};
    struct award_item got[4];
    json_t *items;

    ranking_compute(e, 1);
    items = ranking_items_json(&e[0]);
    ck_assert_uint_eq(ranking_items_read(items, got, 4), 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_str_eq(got[i].item, e[0].items[i].item);
        ck_assert_int_eq(got[i].amount_fen, e[0].items[i].amount_fen);
        ck_assert_int_eq(got[i].rank, e[0].items[i].rank);
        ck_assert_str_eq(got[i].detail, e[0].items[i].detail);
        ck_assert_str_eq(got[i].detail_zh, e[0].items[i].detail_zh);
    }
    ck_assert_uint_eq(ranking_items_read(items, got, 1), 1);
    ck_assert_str_eq(got[0].item, "outbound");
    json_decref(items);

    items = json_loads("[7, {\"item\": \"reception\"}, null, {}]", 0, NULL);
    ck_assert_uint_eq(ranking_items_read(items, got, 4), 2);
    ck_assert_str_eq(got[0].item, "reception");
    ck_assert_int_eq(got[0].amount_fen, 0);
    ck_assert_int_eq(got[0].rank, 0);
    ck_assert_str_eq(got[0].detail, "");
    ck_assert_ptr_null(got[1].item);
    json_decref(items);
    ck_assert_uint_eq(ranking_items_read(NULL, got, 4), 0);
}
END_TEST

/* Each item's Chinese detail gives the same figures as its English one: the
 * person-days compared, the rank among how many, the tier and its amount. */
START_TEST(test_detail_zh)
{
    struct ranking_entry e[] = {entry(7, 8000, 4000, 0, 0), entry(8, 6000, 0, 0, 0)};
    const struct award_item *out, *growth;

    ranking_compute(e, 2);
    out = item(&e[0], "outbound");
    growth = item(&e[0], "outbound_growth");
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(growth);
    ck_assert_str_eq(out->detail_zh, "入境外联人天项目：申报年度8,000人天，在2家旅行社中排名第1名"
                                     "（第1至3名奖励50万元）。");
    ck_assert_str_eq(growth->detail_zh,
                     "入境外联人天增幅项目：申报年度8,000人天，上年度4,000人天，增加4,000人天；"
                     "增幅在1家旅行社中排名第1名（第1至3名奖励30万元）。");
    assert_has(e[1].items[0].detail_zh, "6,000人天");
    assert_has(e[1].items[0].detail_zh, "在2家旅行社中排名第2名");
    assert_items_add_up(&e[0]);
    assert_items_add_up(&e[1]);
}
END_TEST

/* The longest Chinese detail the figures allow (a growth item of ten-digit
 * person-days carrying the note) fits whole. */
START_TEST(test_detail_zh_longest)
{
    enum { N = 22, X = 21 };
    struct ranking_entry e[N];
    const struct award_item *growth;

    /* 21 agencies ahead of X in outbound; X is 22nd there (nothing) but 1st
     * in outbound growth (30万), against reception 15万 + 10万. */
    for (int i = 0; i < X; i++)
        e[i] = entry(i + 1, 1000000000 - i, 0, 0, 0);
    e[X] = entry(X + 1, 999999000, 1, 1000000000, 999999999);
    ranking_compute(e, N);
    ck_assert_str_eq(e[X].group, "outbound");
    ck_assert_uint_eq(e[X].n_items, 1);
    growth = item(&e[X], "outbound_growth");
    ck_assert_ptr_nonnull(growth);
    ck_assert_str_eq(growth->detail_zh,
                     "入境外联人天增幅项目：申报年度999,999,000人天，上年度1人天，"
                     "增加999,998,999人天；增幅在1家旅行社中排名第1名（第1至3名奖励30万元）；"
                     "与入境接待人天项目、入境接待人天增幅项目（25万元）不重复奖励。");
    assert_items_add_up(&e[X]);
}
END_TEST

START_TEST(test_person_days_format)
{
    char buf[32];

    person_days_format(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0");
    person_days_format(999, buf, sizeof buf);
    ck_assert_str_eq(buf, "999");
    person_days_format(5000, buf, sizeof buf);
    ck_assert_str_eq(buf, "5,000");
    person_days_format(1000000000, buf, sizeof buf);
    ck_assert_str_eq(buf, "1,000,000,000");
    person_days_format(-1234, buf, sizeof buf);
    ck_assert_str_eq(buf, "-1,234");
}
END_TEST

static Suite *ranking_suite(void)
{
    Suite *s = suite_create("ranking");
    TCase *tr = tcase_create("ranks");
    TCase *tg = tcase_create("growth");
    TCase *ta = tcase_create("awards");

    tcase_add_test(tr, test_empty);
    tcase_add_test(tr, test_ties_share_a_rank);
    tcase_add_test(tr, test_order_does_not_matter);
    tcase_add_test(tr, test_tie_across_tier_boundaries);
    tcase_add_test(tr, test_fewer_than_twenty);
    tcase_add_test(tr, test_twenty_five_distinct);
    tcase_add_test(tr, test_zero_not_ranked);
    suite_add_tcase(s, tr);
    tcase_add_test(tg, test_growth_needs_4000_this_year);
    tcase_add_test(tg, test_growth_needs_a_base_and_an_increase);
    tcase_add_test(tg, test_growth_compared_exactly);
    suite_add_tcase(s, tg);
    tcase_add_test(ta, test_not_awarded_together);
    tcase_add_test(ta, test_items_json);
    tcase_add_test(ta, test_items_read);
    tcase_add_test(ta, test_detail_zh);
    tcase_add_test(ta, test_detail_zh_longest);
    tcase_add_test(ta, test_person_days_format);
    suite_add_tcase(s, ta);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ranking_suite());
    int failures;

    srunner_run_all(sr, CK_NORMAL);
    failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
