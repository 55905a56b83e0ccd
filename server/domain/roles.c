#include "roles.h"

#include <string.h>

const struct role_def roles[] = {
#define X(c, bit, n, zh, en, b, also) {c, n, zh, en, b, also},
    ROLES(X)
#undef X
};

const unsigned n_roles = sizeof roles / sizeof roles[0];

const struct actor actor_system = {.role = ROLE_SYSTEM};

const struct role_def *role_find(const char *name)
{
    if (!name)
        return NULL;
    for (unsigned i = 0; i < n_roles; i++)
        if (strcmp(roles[i].name, name) == 0)
            return &roles[i];
    return NULL;
}

unsigned role_bit(const char *name)
{
    const struct role_def *r = role_find(name);
    return r ? r->bit : 0;
}

const char *role_name(unsigned bit)
{
    if (bit == ROLE_PUBLIC)
        return "public";
    if (bit == ROLE_SYSTEM)
        return "system";
    for (unsigned i = 0; i < n_roles; i++)
        if (roles[i].bit == bit)
            return roles[i].name;
    return NULL;
}
