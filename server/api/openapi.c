/*
 * The OpenAPI 3.1 description of the API, GET /v1/openapi.json.
 *
 * Half of it is made here from the tables the server runs on, so that it
 * cannot say other than they do: every path and method of the route table,
 * its operationId (the route's name), who may call it (security and
 * x-roles), its path parameters (typed as dispatch types them), its query
 * parameters (the route's list; their text is query.<route>.<name> of the
 * hand-written half where the route's differs, else query.<name>), the
 * Idempotency-Key it takes, the request
 * body of a route with a field table (spec_schema()), the problems dispatch
 * answers before a handler runs, the kinds' envelopes (kind_schema(), the
 * same schemas as schema/<kind>.schema.json and GET /v1/schemas/{kind}),
 * the review and its stage records, the enums of kinds, statuses, roles and
 * authorities, the problem types (PROBLEMS in http.h) and the example
 * envelopes of tests/api/examples/.
 *
 * The other half is written by hand, schema/openapi.in.json: summaries,
 * descriptions and tags, the responses, the bodies that handlers check
 * themselves, the shared schemas of what the server answers, and the text
 * of each parameter.  Merging refuses any disagreement: a route the
 * hand-written half does not describe, a description of a route that does
 * not exist, a generated part written by hand, a parameter or tag declared
 * and never used.  tools/gen_openapi.c writes the merged document to
 * schema/openapi.json and, as a test, checks that file against it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "embedded.h"
#include "jsontext.h"
#include "kinds.h"
#include "log.h"
#include "text.h"
#include "workflow.h"

#define REF_SCHEMA    "#/components/schemas/"
#define REF_RESPONSE  "#/components/responses/"
#define REF_PARAMETER "#/components/parameters/"

/* Reasons the halves disagree, one a line. */
struct why {
    char *out;
    size_t cap, n;
};

static void why_add(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void why_add(struct why *w, const char *fmt, ...)
{
    w->n++;
    if (!w->out || w->cap == 0)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    text_append(w->out, w->cap, "%s%s", w->out[0] ? "\n" : "", line);
}

static json_t *ref(const char *prefix, const char *name)
{
    char text[256];
    snprintf(text, sizeof text, "%s%s", prefix, name);
    return json_pack("{s:s}", "$ref", text);
}

static json_t *string_list(const char *const *list)
{
    json_t *a = json_array();
    for (; list && *list; list++)
        json_array_append_new(a, json_string(*list));
    return a;
}

/* Sets `name` of components/`section`, which the hand-written half must
 * not have. */
static void component_put(json_t *components, const char *section, const char *name, json_t *v,
                          struct why *w)
{
    json_t *sec = json_object_get(components, section);
    if (!sec) {
        sec = json_object();
        json_object_set_new(components, section, sec);
    }
    if (json_object_get(sec, name))
        why_add(w,
                "components/%s/%s is made from the server's tables: remove it from "
                "schema/openapi.in.json",
                section, name);
    json_object_set_new(sec, name, v);
}

/* ---- what the tables say ---------------------------------------------------- */

static void put_enums(json_t *components, struct why *w)
{
    json_t *kinds_enum = json_array();
    for (size_t i = 0; kinds[i]; i++)
        json_array_append_new(kinds_enum, json_string(kinds[i]->name));
    component_put(
        components, "schemas", "Kind",
        json_pack("{s:s, s:s, s:o}", "description",
                  "What is applied for: one of the kinds this server has (GET /v1/kinds).", "type",
                  "string", "enum", kinds_enum),
        w);
    component_put(components, "schemas", "Status",
                  json_pack("{s:s, s:s, s:o}", "description",
                            "Where an application stands (the transition table of RULES.md §1).",
                            "type", "string", "enum", string_list(workflow_statuses)),
                  w);
    json_t *roles_enum = json_array();
    for (unsigned i = 0; i < n_roles; i++)
        json_array_append_new(roles_enum, json_string(roles[i].name));
    component_put(components, "schemas", "Role",
                  json_pack("{s:s, s:s, s:o}", "description", "The role of an account.", "type",
                            "string", "enum", roles_enum),
                  w);
    component_put(components, "schemas", "Authority",
                  json_pack("{s:s, s:s, s:o}", "description",
                            "A municipal authority: the one that owns a kind and reviews it last.",
                            "type", "string", "enum", string_list(authorities)),
                  w);
}

/* What a lenient write takes of a member (CONTRACT.md, "Lenient drafts"):
 * the same, or null (not filled in yet). */
static json_t *or_null(json_t *s)
{
    json_t *type = json_object_get(s, "type");
    json_t *values = json_object_get(s, "enum");
    if (json_is_string(type) && !json_object_get(s, "const") &&
        (!values || json_array_size(values) > 0)) {
        json_object_set_new(s, "type", json_pack("[s, s]", json_string_value(type), "null"));
        if (values)
            json_array_append_new(values, json_null());
        return s;
    }
    return json_pack("{s:[o, {s:s}]}", "anyOf", s, "type", "null");
}

/* Turns a kind's schema of `data` into what a lenient write takes:
 * nothing required, any member and array item null, an array shorter than
 * it must be, the conditions between members (if/then) not yet held. */
static void make_lenient(json_t *s)
{
    if (json_is_array(s)) {
        size_t i;
        json_t *v;
        json_array_foreach(s, i, v) make_lenient(v);
        return;
    }
    if (!json_is_object(s))
        return;
    static const char *const dropped[] = {"required", "minItems",          "if", "then",
                                          "else",     "dependentRequired", NULL};
    for (size_t i = 0; dropped[i]; i++)
        json_object_del(s, dropped[i]);
    const char *key;
    json_t *v;
    void *tmp;
    json_t *props = json_object_get(s, "properties");
    json_object_foreach_safe(props, tmp, key, v)
    {
        make_lenient(v);
        json_object_set_new(props, key, or_null(json_incref(v)));
    }
    json_t *items = json_object_get(s, "items");
    if (json_is_object(items)) {
        make_lenient(items);
        json_object_set_new(s, "items", or_null(json_incref(items)));
    }
    static const char *const below[] = {"allOf", "anyOf", "oneOf", "$defs", NULL};
    for (size_t i = 0; below[i]; i++)
        make_lenient(json_object_get(s, below[i]));
    /* An allOf of conditions only is nothing now. */
    json_t *all = json_object_get(s, "allOf");
    if (all) {
        size_t i = json_array_size(all);
        while (i-- > 0)
            if (json_object_size(json_array_get(all, i)) == 0)
                json_array_remove(all, i);
        if (json_array_size(all) == 0)
            json_object_del(s, "allOf");
    }
}

/* Envelope.<kind>: each kind's schema as kind_schema() makes it, and
 * Envelope, any of them by `kind`. */
static void put_envelopes(json_t *components, struct why *w)
{
    json_t *one_of = json_array(), *mapping = json_object();
    for (size_t i = 0; kinds[i]; i++) {
        char name[96], target[160];
        snprintf(name, sizeof name, "Envelope.%s", kinds[i]->name);
        snprintf(target, sizeof target, REF_SCHEMA "%s", name);
        component_put(components, "schemas", name, kind_schema(kinds[i]), w);
        json_array_append_new(one_of, json_pack("{s:s}", "$ref", target));
        json_object_set_new(mapping, kinds[i]->name, json_string(target));
    }
    /* Draft.<kind>: the same with `data` as a lenient write takes it. */
    json_t *drafts = json_array(), *draft_mapping = json_object();
    for (size_t i = 0; kinds[i]; i++) {
        char name[96], target[160];
        snprintf(name, sizeof name, "Draft.%s", kinds[i]->name);
        snprintf(target, sizeof target, REF_SCHEMA "%s", name);
        json_t *s = kind_schema(kinds[i]);
        json_t *props = json_object_get(s, "properties");
        make_lenient(json_object_get(props, "data"));
        json_object_del(s, "$id");
        json_object_set_new(s, "description",
                            json_string("A draft written with Prefer: handling=lenient: the "
                                        "envelope, its data as far as it is filled in (members "
                                        "missing or null, arrays short, conditions between "
                                        "members not yet held); what is there has the right "
                                        "type and holds within its bounds."));
        component_put(components, "schemas", name, s, w);
        json_array_append_new(drafts, json_pack("{s:s}", "$ref", target));
        json_object_set_new(draft_mapping, kinds[i]->name, json_string(target));
    }
    component_put(components, "schemas", "Draft",
                  json_pack("{s:s, s:o, s:{s:s, s:o}}", "description",
                            "A draft as a lenient write (Prefer: handling=lenient) takes it; "
                            "submitting asks the whole Envelope.",
                            "oneOf", drafts, "discriminator", "propertyName", "kind", "mapping",
                            draft_mapping),
                  w);
    component_put(
        components, "schemas", "Envelope",
        json_pack("{s:s, s:o, s:{s:s, s:o}}", "description",
                  "An application as its applicant writes it: kind, round, review unit, "
                  "applicant and the kind's data. The server answers with the same members and "
                  "those it sets (read-only). Each kind's schema is also GET /v1/schemas/{kind}.",
                  "oneOf", one_of, "discriminator", "propertyName", "kind", "mapping", mapping),
        w);
}

/* Adds the members of `records` (a stage-record table) to props, where a
 * member of the same name of another kind has another schema as anyOf. */
static void add_records(json_t *props, const struct field_spec *records)
{
    if (!records)
        return;
    json_t *s = spec_schema(records, NULL, NULL);
    json_t *members = json_object_get(s, "properties");
    const char *name;
    json_t *v;
    json_object_foreach(members, name, v)
    {
        json_t *have = json_object_get(props, name);
        if (!have) {
            json_object_set(props, name, v);
            continue;
        }
        json_t *any = json_object_get(have, "anyOf");
        if (!any) {
            if (json_equal(have, v))
                continue;
            json_t *either = json_pack("{s:[O]}", "anyOf", have);
            json_object_set_new(props, name, either);
            any = json_object_get(either, "anyOf");
        }
        bool seen = false;
        size_t i;
        json_t *one;
        json_array_foreach(any, i, one) seen = seen || json_equal(one, v);
        if (!seen)
            json_array_append(any, v);
    }
    json_decref(s);
}

/* Review: the members every review may carry, and the stage records of
 * every kind; which records an approval must carry depends on the kind and
 * the stage (GET /v1/kinds/{kind}: district_records, municipal_records). */
static void put_review(json_t *components, struct why *w)
{
    json_t *s = spec_schema(engine_review_fields, NULL, NULL);
    json_object_del(s, "$schema");
    json_t *props = json_object_get(s, "properties");
    for (size_t i = 0; kinds[i]; i++) {
        add_records(props, kinds[i]->district_records);
        add_records(props, kinds[i]->municipal_records);
    }
    json_object_set_new(s, "description",
                        json_string("A decision of the district or the municipal stage. An "
                                    "approval carries the records its kind asks of that stage "
                                    "(district_records, municipal_records of GET "
                                    "/v1/kinds/{kind}), and nothing else carries any; a "
                                    "return or a rejection needs an opinion."));
    component_put(components, "schemas", "Review", s, w);
}

/* ProblemType, and per HTTP status the problems it may be: Problem<status>
 * as a schema (ProblemDetails with those types) and as a response. */
static void put_problems(json_t *components, struct why *w)
{
    static const struct {
        const char *slug, *title, *title_zh;
        unsigned status;
    } problems[] = {
#define X(name, status, slug, title, title_zh) {slug, title, title_zh, status},
        PROBLEMS(X)
#undef X
    };
    size_t n = sizeof problems / sizeof problems[0];
    json_t *types = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(types,
                              json_pack("{s:s+, s:s, s:s, s:i}", "const", PROBLEM_TYPE_PREFIX,
                                        problems[i].slug, "title", problems[i].title, "x-title-zh",
                                        problems[i].title_zh, "x-status", (int)problems[i].status));
    component_put(components, "schemas", "ProblemType",
                  json_pack("{s:s, s:s, s:o}", "description",
                            "The problem types this server answers with (RFC 9457 `type`); the "
                            "title is in Chinese (x-title-zh) when Accept-Language prefers zh.",
                            "type", "string", "oneOf", types),
                  w);
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        for (size_t j = 0; j < i; j++)
            first = first && problems[j].status != problems[i].status;
        if (!first)
            continue;
        unsigned status = problems[i].status;
        json_t *of_status = json_array();
        char said[1024] = "";
        for (size_t j = i; j < n; j++) {
            if (problems[j].status != status)
                continue;
            json_array_append_new(
                of_status, json_pack("{s:s+}", "const", PROBLEM_TYPE_PREFIX, problems[j].slug));
            text_append(said, sizeof said, "%s%s (%s)", said[0] ? "; " : "", problems[j].title,
                        problems[j].slug);
        }
        char name[32], description[1200];
        snprintf(name, sizeof name, "Problem%u", status);
        snprintf(description, sizeof description, "A problem: %s.", said);
        component_put(components, "schemas", name,
                      json_pack("{s:[{s:s}, {s:{s:{s:o}, s:{s:i}}}]}", "allOf", "$ref",
                                REF_SCHEMA "ProblemDetails", "properties", "type", "anyOf",
                                of_status, "status", "const", (int)status),
                      w);
        component_put(components, "responses", name,
                      json_pack("{s:s, s:{s:{s:o}}}", "description", description, "content",
                                "application/problem+json", "schema", ref(REF_SCHEMA, name)),
                      w);
    }
}

/* Adds every $ref of v to refs (as keys). */
static void collect_refs(const json_t *v, json_t *refs)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *m;
        json_object_foreach((json_t *)v, key, m)
        {
            if (strcmp(key, "$ref") == 0 && json_is_string(m))
                json_object_set_new(refs, json_string_value(m), json_true());
            else
                collect_refs(m, refs);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) collect_refs(m, refs);
    }
}

/* Drops the Problem<status> responses, then schemas, that nothing refers
 * to (405 is no operation's: dispatch answers it for a path's other
 * methods; ProblemType lists every type all the same). */
static void drop_unused_problems(json_t *doc)
{
    static const char *const sections[] = {"responses", "schemas", NULL};
    json_t *components = json_object_get(doc, "components");
    for (size_t s = 0; sections[s]; s++) {
        json_t *refs = json_object();
        collect_refs(doc, refs);
        json_t *sec = json_object_get(components, sections[s]);
        const char *name;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(sec, tmp, name, v)
        {
            char target[128];
            snprintf(target, sizeof target, "#/components/%s/%s", sections[s], name);
            if (strncmp(name, "Problem", 7) == 0 && name[7] >= '1' && name[7] <= '5' &&
                !json_object_get(refs, target))
                json_object_del(sec, name);
        }
        json_decref(refs);
    }
}

/* envelope.<kind>: the example envelopes of tests/api/examples/ the
 * binary carries, those the API tests send. */
static void put_examples(json_t *components, struct why *w)
{
    for (const struct embedded_file *f = embedded_openapi; f->name; f++) {
        char kind[64];
        size_t len = strlen(f->name);
        if (len < 6 || len - 5 >= sizeof kind || strcmp(f->name + len - 5, ".json") != 0)
            continue;
        snprintf(kind, sizeof kind, "%.*s", (int)(len - 5), f->name);
        const struct kind *k = kind_find(kind);
        if (!k)
            continue;
        json_error_t e;
        json_t *value = parse_json(f->data, f->len, JSON_REJECT_DUPLICATES, &e);
        if (!value) {
            why_add(w, "tests/api/examples/%s: %s", f->name, e.text);
            continue;
        }
        char name[96], summary[256];
        snprintf(name, sizeof name, "envelope.%s", kind);
        snprintf(summary, sizeof summary, "%s / %s (tests/api/examples/%s)", k->title_zh,
                 k->title_en, f->name);
        component_put(components, "examples", name,
                      json_pack("{s:s, s:o}", "summary", summary, "value", value), w);
    }
}

/* ---- one operation ----------------------------------------------------------- */

static const char *lower_method(const char *m)
{
    static const char *const names[][2] = {
        {"GET", "get"}, {"PUT", "put"}, {"POST", "post"}, {"DELETE", "delete"}, {"PATCH", "patch"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

/* Marks components/parameters/`name` used, after checking it exists. */
static json_t *param_ref(json_t *params, json_t *used, const char *name, const char *what,
                         struct why *w)
{
    if (!json_object_get(params, name))
        why_add(w, "%s: schema/openapi.in.json has no components/parameters/%s", what, name);
    json_object_set_new(used, name, json_true());
    return ref(REF_PARAMETER, name);
}

static json_t *roles_of(unsigned bits)
{
    json_t *a = json_array();
    if (bits == ROLE_PUBLIC)
        json_array_append_new(a, json_string(role_name(ROLE_PUBLIC)));
    for (unsigned i = 0; i < n_roles; i++)
        if (bits & roles[i].bit)
            json_array_append_new(a, json_string(roles[i].name));
    return a;
}

static json_t *security_of(const struct route *rt)
{
    if (rt->roles == ROLE_PUBLIC)
        return json_array();
    /* A browser session proves a change came from our pages with the CSRF
     * header; a read needs only the cookie. */
    if (strcmp(rt->method, "GET") == 0)
        return json_pack("[{s:[]}, {s:[]}]", "bearer", "session");
    return json_pack("[{s:[]}, {s:[], s:[]}]", "bearer", "session", "csrf");
}

/* Adds responses[status] = $ref Problem<status> unless it is there. */
static void add_problem(json_t *responses, unsigned status)
{
    char code[8], name[32];
    snprintf(code, sizeof code, "%u", status);
    snprintf(name, sizeof name, "Problem%u", status);
    if (!json_object_get(responses, code))
        json_object_set_new(responses, code, ref(REF_RESPONSE, name));
}

/* The request body: a route's field table, or the hand-written one. */
static json_t *request_body(const struct route *rt, const json_t *hand, const char *what,
                            struct why *w)
{
    json_t *json_media = json_object_get(json_object_get(hand, "content"), "application/json");
    if (!rt->body) {
        /* A handler may read an optional body itself (withdraw's opinion,
         * a ranking's confirm): the hand-written half says so with
         * "required": false. */
        if (json_media && !json_is_false(json_object_get(hand, "required")))
            why_add(w,
                    "%s takes no JSON body, but schema/openapi.in.json gives one (an optional "
                    "body its handler reads says \"required\": false)",
                    what);
        return hand ? json_deep_copy(hand) : NULL;
    }
    if (rt->body == BODY_FILE) {
        /* A file: its media types are the hand-written half's. */
        if (json_media || json_object_size(json_object_get(hand, "content")) == 0)
            why_add(w,
                    "%s takes a file: schema/openapi.in.json must give its requestBody the "
                    "media types it takes, and no application/json",
                    what);
        json_t *body = hand ? json_deep_copy(hand) : NULL;
        if (body)
            json_object_set_new(body, "required", json_true());
        return body;
    }
    if (rt->body == BODY_ANY) {
        if (!json_object_get(json_media, "schema"))
            why_add(w,
                    "%s takes a JSON body its handler checks: schema/openapi.in.json must "
                    "give its requestBody content/application/json/schema",
                    what);
        json_t *body = json_deep_copy(hand);
        if (body)
            json_object_set_new(body, "required", json_true());
        return body;
    }
    /* The table the dispatch checks it against. */
    if (json_object_get(json_media, "schema"))
        why_add(w,
                "%s: the body's schema comes from the route's field table; remove it from "
                "schema/openapi.in.json",
                what);
    json_t *schema = spec_schema(rt->body, NULL, NULL);
    json_object_del(schema, "$schema");
    json_t *body = hand ? json_deep_copy(hand) : json_object();
    json_object_set_new(body, "required", json_true());
    json_t *content = json_object_get(body, "content");
    if (!content) {
        content = json_object();
        json_object_set_new(body, "content", content);
    }
    json_t *media = json_object_get(content, "application/json");
    if (!media) {
        media = json_object();
        json_object_set_new(content, "application/json", media);
    }
    json_object_set_new(media, "schema", schema);
    return body;
}

static json_t *operation(const struct route *rt, const json_t *hand, json_t *components,
                         json_t *used_params, json_t *used_tags, struct why *w)
{
    char what[300];
    snprintf(what, sizeof what, "%s %s (%s)", rt->method, rt->pattern, rt->name);
    json_t *params = json_object_get(components, "parameters");
    json_t *op = json_object();

    static const char *const generated[] = {"operationId", "security", "x-roles", NULL};
    for (size_t i = 0; generated[i]; i++)
        if (json_object_get(hand, generated[i]))
            why_add(w,
                    "%s: %s is made from the route table; remove it from "
                    "schema/openapi.in.json",
                    what, generated[i]);
    json_t *tags = json_object_get(hand, "tags");
    if (json_array_size(tags) == 0 || !json_is_string(json_object_get(hand, "summary")))
        why_add(w, "%s: schema/openapi.in.json must give it tags and a summary", what);
    size_t i;
    json_t *tag;
    json_array_foreach(tags, i, tag)
        json_object_set_new(used_tags, json_string_value(tag), json_true());
    json_object_set(op, "tags", tags ? tags : json_array());
    json_object_set(op, "summary", json_object_get(hand, "summary"));
    if (json_object_get(hand, "description"))
        json_object_set(op, "description", json_object_get(hand, "description"));
    json_object_set_new(op, "operationId", json_string(rt->name));
    json_object_set_new(op, "x-roles", roles_of(rt->roles));
    json_object_set_new(op, "security", security_of(rt));

    /* Parameters: the path's, the route's query, the header its row takes,
     * and the headers the hand-written half names (If-Match). */
    json_t *list = json_array();
    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        char name[64];
        snprintf(name, sizeof name, "path.%.*s", (int)strcspn(p + 1, "}"), p + 1);
        json_array_append_new(list, param_ref(params, used_params, name, what, w));
    }
    /* A query parameter of one route only (query.<route>.<name>) comes
     * before the one its name has everywhere (query.<name>): `status` of
     * the duties is not an application's. */
    for (const char *const *q = rt->query; rt->query != ROUTE_QUERY_IGNORED && q && *q; q++) {
        char name[160];
        snprintf(name, sizeof name, "query.%s.%s", rt->name, *q);
        if (!json_object_get(params, name))
            snprintf(name, sizeof name, "query.%s", *q);
        json_array_append_new(list, param_ref(params, used_params, name, what, w));
    }
    if (rt->flags & ROUTE_IDEMPOTENT)
        json_array_append_new(list,
                              param_ref(params, used_params, "header.Idempotency-Key", what, w));
    json_t *p;
    json_array_foreach(json_object_get(hand, "parameters"), i, p)
    {
        const char *target = json_string_value(json_object_get(p, "$ref"));
        size_t len = strlen(REF_PARAMETER "header.");
        if (!target || strncmp(target, REF_PARAMETER "header.", len) != 0) {
            why_add(w,
                    "%s: schema/openapi.in.json may name only header parameters "
                    "(components/parameters/header.*); the path's and the query's come from "
                    "the route table",
                    what);
            continue;
        }
        json_array_append_new(
            list, param_ref(params, used_params, target + strlen(REF_PARAMETER), what, w));
    }
    if (json_array_size(list) > 0)
        json_object_set_new(op, "parameters", list);
    else
        json_decref(list);

    json_t *body = request_body(rt, json_object_get(hand, "requestBody"), what, w);
    if (body)
        json_object_set_new(op, "requestBody", body);

    /* Responses: the handler's, written by hand, and the problems dispatch
     * answers before the handler runs. */
    json_t *responses = json_deep_copy(json_object_get(hand, "responses"));
    if (json_object_size(responses) == 0) {
        why_add(w, "%s: schema/openapi.in.json must give its responses", what);
        json_decref(responses);
        responses = json_object();
    }
    add_problem(responses, 400);
    if (rt->roles != ROLE_PUBLIC) {
        add_problem(responses, 401);
        add_problem(responses, 403);
    }
    if (strchr(rt->pattern, '{'))
        add_problem(responses, 404);
    if (rt->body) {
        add_problem(responses, 413);
        add_problem(responses, 415);
        add_problem(responses, 422);
    }
    if (rt->flags & ROUTE_IDEMPOTENT) {
        add_problem(responses, 409);
        add_problem(responses, 422);
        /* A kept answer comes again with Idempotent-Replayed. */
        const char *code;
        json_t *r;
        json_object_foreach(responses, code, r)
        {
            if (json_object_get(r, "$ref"))
                continue;
            json_t *headers = json_object_get(r, "headers");
            if (!headers) {
                headers = json_object();
                json_object_set_new(r, "headers", headers);
            }
            json_object_set_new(headers, "Idempotent-Replayed",
                                ref("#/components/headers/", "Idempotent-Replayed"));
        }
    }
    json_object_set_new(op, "responses", responses);

    /* Anything else the hand-written half says (x-…, deprecated). */
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)hand, key, v)
    {
        if (!json_object_get(op, key) && strcmp(key, "parameters") != 0)
            json_object_set(op, key, v);
    }
    return op;
}

/* ---- the whole --------------------------------------------------------------- */

static const char *const method_order[] = {"get", "put", "post", "delete", "patch", NULL};

static json_t *build(const json_t *hand_in, struct why *w)
{
    json_t *hand = json_deep_copy(hand_in);
    json_t *components = json_object_get(hand, "components");
    if (!components) {
        components = json_object();
        json_object_set_new(hand, "components", components);
    }
    json_t *hand_paths = json_object_get(hand, "paths");
    json_t *used_params = json_object(), *used_tags = json_object(), *paths = json_object();

    put_enums(components, w);
    put_envelopes(components, w);
    put_review(components, w);
    put_problems(components, w);
    put_examples(components, w);

    /* The path parameters' schemas are dispatch's types. */
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(components, "parameters"), name, v)
    {
        if (strncmp(name, "path.", 5) != 0)
            continue;
        if (json_object_get(v, "schema"))
            why_add(w,
                    "components/parameters/%s: a path parameter's schema is dispatch's; "
                    "remove it from schema/openapi.in.json",
                    name);
        json_object_set_new(v, "schema", api_path_param_schema(name + 5));
    }

    size_t n;
    const struct route *routes = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        const struct route *rt = &routes[i];
        const char *m = lower_method(rt->method);
        json_t *hand_op = m ? json_object_get(json_object_get(hand_paths, rt->pattern), m) : NULL;
        if (!hand_op) {
            why_add(w,
                    "%s %s (%s) is a route, but schema/openapi.in.json does not describe it "
                    "(paths[\"%s\"].%s)",
                    rt->method, rt->pattern, rt->name, rt->pattern, m ? m : "?");
            continue;
        }
        json_t *item = json_object_get(paths, rt->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        json_object_set_new(item, m, operation(rt, hand_op, components, used_params, used_tags, w));
    }
    /* Methods in their usual order, and what no route has. */
    json_t *ordered = json_object();
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        json_t *sorted = json_object();
        for (size_t i = 0; method_order[i]; i++)
            if (json_object_get(item, method_order[i]))
                json_object_set(sorted, method_order[i], json_object_get(item, method_order[i]));
        json_object_set_new(ordered, path, sorted);
    }
    json_decref(paths);
    json_object_foreach(hand_paths, path, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            if (!json_object_get(json_object_get(ordered, path), m))
                why_add(w, "schema/openapi.in.json describes %s %s, which is no route", m, path);
        }
    }
    json_object_foreach(json_object_get(components, "parameters"), name, v)
    {
        if (!json_object_get(used_params, name))
            why_add(w, "components/parameters/%s is no parameter of any route", name);
    }
    size_t i;
    json_t *tag;
    json_array_foreach(json_object_get(hand, "tags"), i, tag)
    {
        const char *t = json_string_value(json_object_get(tag, "name"));
        if (!t || !json_object_get(used_tags, t))
            why_add(w, "tag %s is given to no operation", t ? t : "(without a name)");
        else
            json_object_del(used_tags, t);
    }
    json_object_foreach(used_tags, name, v) why_add(w, "tag %s is not declared in tags", name);

    /* In the usual order: what it is, the paths, then the parts. */
    json_t *doc = json_object();
    static const char *const head[] = {"openapi", "info", "jsonSchemaDialect",
                                       "servers", "tags", NULL};
    for (size_t k = 0; head[k]; k++)
        if (json_object_get(hand, head[k]))
            json_object_set(doc, head[k], json_object_get(hand, head[k]));
    json_t *info = json_object_get(doc, "info");
    if (info)
        json_object_set_new(info, "version", json_string(SHENBAO_VERSION));
    json_object_set_new(doc, "paths", ordered);
    json_object_foreach(hand, name, v)
    {
        if (!json_object_get(doc, name) && strcmp(name, "paths") != 0)
            json_object_set(doc, name, v);
    }
    drop_unused_problems(doc);
    json_decref(used_params);
    json_decref(used_tags);
    json_decref(hand);
    return doc;
}

json_t *api_openapi(char *err, size_t errlen)
{
    struct why w = {.out = err, .cap = errlen};
    if (err && errlen)
        err[0] = '\0';
    const struct embedded_file *f = embedded_find(embedded_openapi, "openapi.in.json");
    if (!f) {
        why_add(&w, "schema/openapi.in.json is not compiled in");
        return NULL;
    }
    json_error_t e;
    json_t *hand = parse_json(f->data, f->len, JSON_REJECT_DUPLICATES, &e);
    if (!hand) {
        why_add(&w, "schema/openapi.in.json, line %d: %s", e.line, e.text);
        return NULL;
    }
    json_t *doc = build(hand, &w);
    json_decref(hand);
    if (w.n > 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- GET /v1/openapi.json -------------------------------------------------------- */

static pthread_once_t made = PTHREAD_ONCE_INIT;
static char *document; /* the text served, made once; lives as long as the process */
static size_t document_len;

static void make_document(void)
{
    char err[2048];
    json_t *doc = api_openapi(err, sizeof err);
    if (!doc) {
        log_msg(LOG_ERROR, "the OpenAPI document cannot be made: %s", err);
        return;
    }
    document = dump_json(doc, JSON_INDENT(1));
    json_decref(doc);
    if (document)
        document_len = strlen(document);
}

void api_openapi_get(struct call *c)
{
    pthread_once(&made, make_document);
    if (!document) {
        reply_problem(c->r, P_INTERNAL, "the API description could not be made");
        return;
    }
    reply_header(c->r, "Cache-Control", "no-cache");
    reply_static(c->r, "application/json", document, document_len);
}
