/*
 * `experience_base`'s data as the rules read it (kind_experience_base.c
 * declares the JSON members it is decoded from).
 */
#ifndef SB_KIND_EXPERIENCE_BASE_H
#define SB_KIND_EXPERIENCE_BASE_H

#include <stdbool.h>

#include "date.h"
#include "spec.h"

/* The culture a base spreads (第二条: 古都文化、红色文化、京味文化、创新文化等):
 * C name, JSON value, English and Chinese names.  The list ends in 等, so
 * `other` is a theme too, which the reviewer judges. */
#define EXPERIENCE_BASE_THEMES(X)                                                                  \
    X(THEME_ANCIENT_CAPITAL, "ancient_capital", "ancient-capital culture", "古都文化")             \
    X(THEME_RED, "red", "red culture", "红色文化")                                                 \
    X(THEME_BEIJING_FLAVOUR, "beijing_flavour", "Beijing-flavour culture", "京味文化")             \
    X(THEME_INNOVATION, "innovation", "innovation culture", "创新文化")                            \
    X(THEME_OTHER, "other", "another theme", "其他主题")

enum experience_base_theme { EXPERIENCE_BASE_THEMES(SPEC_ENUM_ID) };

/* How it is open to the public (第九条(七)). */
#define EXPERIENCE_BASE_OPENINGS(X)                                                                \
    X(OPENING_PUBLISHED_HOURS, "published_hours")                                                  \
    X(OPENING_BOOKING, "booking")

enum experience_base_opening { EXPERIENCE_BASE_OPENINGS(SPEC_ENUM_ID) };

/* The base itself (第二条: a place in Beijing). */
struct experience_base_site {
    const char *name;
    const char *address;
    int district; /* index into beijing_districts (kinds.h) */
    enum experience_base_opening opening;
};

/* What the operator declares (第九条(三)(六)(九)(十)). */
struct experience_base_declarations {
    bool no_major_accident;
    bool no_market_order_problem;
    bool no_environmental_event;
    bool no_major_violation;
    bool fire_permit;
    bool property_certificates;
    bool health_permit;
    bool food_permit;
    bool toilets;
    bool parking;
    bool rest_areas;
    bool safety_equipment;
    bool professional_staff;
};

struct experience_base_data {
    enum experience_base_theme theme;
    const char *theme_description; /* theme `other` only */
    struct experience_base_site base;
    sb_day established_on; /* the operating organisation's founding date */
    bool direct;           /* directly under the ministry or the municipal bureau (第十三条) */
    bool catering;
    struct experience_base_declarations declarations;
};

/* 第九条(八): the operator was established two years or more (两年以上)
 * before the submission date: on the same date two years later it has; a
 * 02-29 founding has on 02-28 (RULES.md §0). */
bool experience_base_established_two_years(sb_day established_on, sb_day submitted_on);

#endif
