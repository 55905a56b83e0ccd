#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "text.h"

void eligibility_add(struct eligibility *e, const char *id, bool passed, const char *fmt, ...)
{
    e->dropped = e->n >= RULES_MAX_CHECKS;
    if (e->dropped)
        return;
    struct check *c = &e->checks[e->n++];
    c->id = id;
    c->passed = passed;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof c->detail)
        text_trim_utf8(c->detail);
}

void eligibility_zh(struct eligibility *e, const char *fmt, ...)
{
    if (e->n == 0 || e->dropped)
        return;
    struct check *c = &e->checks[e->n - 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->detail_zh, sizeof c->detail_zh, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof c->detail_zh)
        text_trim_utf8(c->detail_zh);
}

void award_zh(struct award *a, const char *fmt, ...)
{
    if (a->n == 0 || a->dropped)
        return;
    struct award_item *it = &a->items[a->n - 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(it->detail_zh, sizeof it->detail_zh, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof it->detail_zh)
        text_trim_utf8(it->detail_zh);
}

bool eligibility_all_passed(const struct eligibility *e)
{
    for (size_t i = 0; i < e->n; i++)
        if (!e->checks[i].passed)
            return false;
    return e->n > 0;
}

void award_add(struct award *a, const char *item, int64_t amount_fen, int rank, int count,
               const char *fmt, ...)
{
    a->dropped = a->n >= RULES_MAX_ITEMS;
    if (a->dropped)
        return;
    struct award_item *it = &a->items[a->n++];
    it->item = item;
    it->amount_fen = amount_fen;
    it->rank = rank;
    it->count = count;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(it->detail, sizeof it->detail, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof it->detail)
        text_trim_utf8(it->detail);
    a->total_fen += amount_fen;
}

json_t *eligibility_to_json(const struct eligibility *e)
{
    /* Built member by member, not by json_pack(): every answer
     * about an application carries this, a few dozen checks long. */
    json_t *checks = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const struct check *ch = &e->checks[i];
        json_t *c = json_object();
        json_object_set_new(c, "id", json_string(ch->id));
        json_object_set_new(c, "passed", json_boolean(ch->passed));
        json_object_set_new(c, "detail", json_string(ch->detail));
        if (ch->detail_zh[0])
            json_object_set_new(c, "detail_zh", json_string(ch->detail_zh));
        json_array_append_new(checks, c);
    }
    return json_pack("{s:b, s:o}", "eligible", eligibility_all_passed(e), "checks", checks);
}

json_t *award_to_json(const struct award *a)
{
    json_t *items = json_array();
    for (size_t i = 0; i < a->n; i++) {
        const struct award_item *it = &a->items[i];
        json_t *o =
            json_pack("{s:s, s:I}", "item", it->item, "amount_fen", (json_int_t)it->amount_fen);
        if (it->rank > 0)
            json_object_set_new(o, "rank", json_integer(it->rank));
        if (it->count > 0)
            json_object_set_new(o, "count", json_integer(it->count));
        if (it->detail[0])
            json_object_set_new(o, "detail", json_string(it->detail));
        if (it->detail_zh[0])
            json_object_set_new(o, "detail_zh", json_string(it->detail_zh));
        json_array_append_new(items, o);
    }
    return json_pack("{s:s, s:I, s:o}", "basis", a->basis ? a->basis : "as_applied", "total_fen",
                     (json_int_t)a->total_fen, "items", items);
}
