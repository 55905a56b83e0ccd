/*
 * Who acts: the roles of accounts, as one table, and the actor the engine
 * is told about with every change.
 *
 * The route table (who may call what), account creation (which role needs
 * which binding), the workflow (who takes which transition) and the
 * database's CHECK on accounts.role all use this one list; a unit test
 * holds the migration's CHECK to it.
 */
#ifndef SB_ROLES_H
#define SB_ROLES_H

#include <stdbool.h>
#include <stdint.h>

/* X(constant, bit, name, Chinese title, English title, binding, also):
 * binding is the one account member the role is bound to ("" for none);
 * also, one it may be bound to besides ("" for none): a district reviewer
 * may be the bureau of one authority (RULES.md §5), and then reviews only
 * that authority's kinds. */
#define ROLES(X)                                                                                   \
    X(ROLE_APPLICANT, 0, "applicant", "申报单位", "Applicant", "uscc", "")                         \
    X(ROLE_DISTRICT_REVIEWER, 1, "district_reviewer", "区级初审", "District reviewer", "unit",     \
      "authority")                                                                                 \
    X(ROLE_MUNICIPAL_REVIEWER, 2, "municipal_reviewer", "市级复审", "Municipal reviewer",          \
      "authority", "")                                                                             \
    X(ROLE_AUDITOR, 3, "auditor", "审计", "Auditor", "", "")                                       \
    X(ROLE_ADMIN, 4, "admin", "系统管理员", "Administrator", "", "")

enum role {
#define X(c, bit, name, zh, en, binding, also) c = 1u << bit,
    ROLES(X)
#undef X
};

/* Actors that are not accounts: anyone (no token needed; an objector) and
 * the server's own clock (the end of a notice).  Never stored as a role of
 * an account. */
#define ROLE_PUBLIC 0u
#define ROLE_SYSTEM (1u << 15)

#define ROLE_ANY_ACCOUNT                                                                           \
    (ROLE_APPLICANT | ROLE_DISTRICT_REVIEWER | ROLE_MUNICIPAL_REVIEWER | ROLE_AUDITOR | ROLE_ADMIN)

struct role_def {
    unsigned bit;
    const char *name; /* as in accounts.role and the API */
    const char *title_zh, *title_en;
    const char *binding; /* "uscc", "unit", "authority" or "" */
    const char *also;    /* a binding it may have besides, or "" */
};

/* Every role of an account, in bit order; n_roles of them. */
extern const struct role_def roles[];
extern const unsigned n_roles;

/* The role called `name` (an account's role), or NULL. */
const struct role_def *role_find(const char *name);
/* The role bit of `name`, 0 for an unknown name. */
unsigned role_bit(const char *name);
/* The name of a role bit ("public" and "system" for the two non-accounts),
 * or NULL for anything else. */
const char *role_name(unsigned bit);

/*
 * The actor of a change: who, in which capacity, as the history records
 * them.  Strings are borrowed from whoever made the actor (the request, the
 * command line) and must outlive the call they are passed to.
 */
struct actor {
    int64_t account;         /* 0: the public, or the server's clock */
    unsigned role;           /* a role bit, ROLE_PUBLIC or ROLE_SYSTEM */
    const char *name;        /* the account's name; NULL for the public and the clock */
    const char *uscc;        /* applicant: its organisation */
    const char *unit;        /* district reviewer: its review unit */
    const char *authority;   /* municipal reviewer: its authority; district reviewer: the
                              * authority whose district bureau it is, or NULL for every
                              * kind of its unit */
    const char *request_id;  /* NULL when not from a request */
    const char *client_addr; /* the public's address (objections); NULL when none */
};

/* The server's clock as an actor (the end of a notice, duties). */
extern const struct actor actor_system;

#endif
