#include "api.h"

/* Up when the process answers and its database does. */
void api_healthz(struct request *r)
{
    if (store_ping(r->srv->store))
        reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
    else
        reply_problem(r, P_UNAVAILABLE, "the database does not answer");
}
