/*
 * The handlers, one file per resource.  Each has one shape: read what the
 * request carries, authorise against the object, run one store
 * transaction, reply.
 */
#ifndef SB_API_H
#define SB_API_H

#include "http.h"

/* health.c */
void api_healthz(struct request *r);

/* schemas.c */
void api_schema_get(struct request *r);

/* accounts.c */
void api_account_create(struct request *r);
void api_account_me(struct request *r);

/* units.c */
void api_units_list(struct request *r);
void api_unit_create(struct request *r);

/* applications.c */
void api_app_create(struct request *r);
void api_app_get(struct request *r);
void api_app_put(struct request *r);
void api_app_submit(struct request *r);
void api_app_withdraw(struct request *r);
void api_app_list(struct request *r);

/* Shared by accounts.c and the command line: checks an account request
 * ({role, name, uscc, unit, authority}) and fills a; every problem is
 * appended to errs with its pointer.  The unit must exist in the store. */
struct spec_errors;
void account_from_json(struct store *s, const json_t *body, struct account *a,
                       struct spec_errors *errs);

/* An account as JSON (no secrets). */
json_t *account_to_json(const struct account *a);

#endif
