#include "api.h"
#include "kinds.h"

/* The JSON Schema of a kind's envelope, made from the same field
 * declarations that validate it. */
void api_schema_get(struct request *r)
{
    const struct kind *k = kind_find(r->params[0]);
    if (!k) {
        reply_problem(r, P_NOT_FOUND,
                      "no kind \"%s\"; kinds are incubator, first_store and "
                      "tourism_award",
                      r->params[0]);
        return;
    }
    reply_json(r, 200, kind_schema(k));
}
