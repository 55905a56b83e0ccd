/*
 * `tourism_award`'s data as the rules read it (kind_tourism_award.c
 * declares the JSON members it is decoded from).
 */
#ifndef SB_KIND_TOURISM_AWARD_H
#define SB_KIND_TOURISM_AWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "spec.h"

/* The heaviest administrative penalty since the start of the award year
 * (第四条): C name, JSON value. */
#define TOURISM_PENALTIES(X)                                                                       \
    X(PENALTY_NONE, "none")                                                                        \
    X(PENALTY_WARNING, "warning")                                                                  \
    X(PENALTY_FINE, "fine")                                                                        \
    X(PENALTY_HEAVIER, "heavier")

enum tourism_penalty { TOURISM_PENALTIES(SPEC_ENUM_ID) };

/* A group the agency organised itself (自组外联) or received for another
 * agency (接受委托接待). */
#define TOURISM_GROUP_TYPES(X)                                                                     \
    X(GROUP_ORGANISED, "organised")                                                                \
    X(GROUP_COMMISSIONED, "commissioned")

enum tourism_group_type { TOURISM_GROUP_TYPES(SPEC_ENUM_ID) };

struct tourism_group {
    enum tourism_group_type type;
    int64_t tourists;
    sb_day start_on;
    sb_day end_on;
};

struct charter_flight {
    const char *flight;
    int64_t tourists;
    bool scheduled_route;
    sb_day arrived_on;
    int64_t nights_in_beijing;
};

struct tourism_award_data {
    bool inbound_business;
    enum tourism_penalty penalty;
    bool major_accident;
    bool major_incident;
    int64_t outbound_person_days;
    int64_t outbound_person_days_prev;
    int64_t reception_person_days;
    int64_t reception_person_days_prev;
    const struct tourism_group *groups; /* optional: none listed when absent */
    size_t n_groups;
    const struct charter_flight *charters; /* optional: none listed when absent */
    size_t n_charters;
    const char *special_award_claim; /* optional: NULL when absent */
};

#endif
