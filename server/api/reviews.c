/*
 * POST /v1/applications/{id}/reviews: the district preliminary review and
 * the municipal re-review (RULES.md §1).  A review is the workflow action
 * its stage and decision name ("district_approve", "municipal_return", …);
 * the engine checks the stage records the kind asks of it.
 */
#include <string.h>

#include "api.h"

static const char *const stages[] = {"district", "municipal", NULL};
static const char *const decisions[] = {"approve", "reject", "return", NULL};

void api_review_create(struct call *c)
{
    /* First the shape of the request alone, so that a bad stage or decision
     * is a 422 before anything is read. */
    static const struct field_spec shape[] = {
        {.name = "stage", .type = SPEC_ENUM, .required = true, .enum_values = stages},
        {.name = "decision", .type = SPEC_ENUM, .required = true, .enum_values = decisions},
        {.name = NULL},
    };
    json_t *head = json_object();
    if (json_object_get(c->body, "stage"))
        json_object_set(head, "stage", json_object_get(c->body, "stage"));
    if (json_object_get(c->body, "decision"))
        json_object_set(head, "decision", json_object_get(c->body, "decision"));
    struct spec_errors errs;
    spec_errors_init(&errs);
    spec_validate(shape, head, "", &errs);
    json_decref(head);
    if (errs.count > 0) {
        reply_invalid(c->r, &errs);
        spec_errors_release(&errs);
        return;
    }
    spec_errors_release(&errs);

    struct review_input in = {
        .stage = json_string_value(json_object_get(c->body, "stage")),
        .decision = json_string_value(json_object_get(c->body, "decision")),
        .body = c->body,
    };
    int64_t if_match = call_if_match(c);
    if (if_match < 0)
        return; /* 412 already sent */
    struct outcome o;
    outcome_init(&o);
    engine_review(c->engine, &c->actor, c->id, &in, if_match, c->now, &o);
    if (api_outcome(c, &o))
        reply_app(c, 200, o.app);
    outcome_release(&o);
}
