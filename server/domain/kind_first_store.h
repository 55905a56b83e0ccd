/*
 * `first_store`'s data as the rules read it (kind_first_store.c declares
 * the JSON members it is decoded from).  One struct holds every project
 * type's members; `project` says which of them are meaningful, and within a
 * store opening `applicant_type` says which costs are.
 */
#ifndef SB_KIND_FIRST_STORE_H
#define SB_KIND_FIRST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "spec.h"

/* The project types (一): C name, JSON value. */
#define FIRST_STORE_PROJECTS(X)                                                                    \
    X(PROJECT_STORE_OPENING, "store_opening")                                                      \
    X(PROJECT_STORE_INTRODUCTION, "store_introduction")                                            \
    X(PROJECT_LAUNCH_EVENT, "launch_event")

enum first_store_project { FIRST_STORE_PROJECTS(SPEC_ENUM_ID) };

/* Who opens a store (三(一)1's rows): C name, JSON value, the gazette's
 * name. */
#define FIRST_STORE_APPLICANT_TYPES(X)                                                             \
    X(APPLICANT_INTERNATIONAL_BRAND, "international_brand", "国际品牌企业")                        \
    X(APPLICANT_DOMESTIC_BRAND, "domestic_brand", "本土自主品牌企业")                              \
    X(APPLICANT_INTERNATIONAL_AGENT, "international_agent", "国际品牌授权代理商")

enum first_store_applicant_type { FIRST_STORE_APPLICANT_TYPES(SPEC_ENUM_ID) };

/* The categories of store (三(一)1's columns): C name, JSON value, the
 * gazette's name. */
#define FIRST_STORE_CATEGORIES(X)                                                                  \
    X(CAT_ASIA_FIRST, "asia_first", "亚洲首店")                                                    \
    X(CAT_CHINA_FIRST, "china_first", "中国(内地)首店")                                            \
    X(CAT_BEIJING_FIRST, "beijing_first", "北京首店")                                              \
    X(CAT_FLAGSHIP, "flagship", "旗舰店")

enum first_store_category { FIRST_STORE_CATEGORIES(SPEC_ENUM_ID) CAT_COUNT };

/* The brand of an introduced store (二(三)1). */
#define FIRST_STORE_BRAND_TYPES(X)                                                                 \
    X(BRAND_INTERNATIONAL, "international_brand")                                                  \
    X(BRAND_DOMESTIC, "domestic_brand")

enum first_store_brand_type { FIRST_STORE_BRAND_TYPES(SPEC_ENUM_ID) };

/* The store a store opening is for. */
struct first_store_store {
    const char *name;
    const char *address;
    int district; /* index into the table's list of Beijing's districts */
    sb_day registered_on;
    sb_day opened_on; /* for a flagship: the day it became one */
    int64_t area_m2;
    bool largest_in_beijing;
    bool all_categories;
};

/* One store of a store introduction. */
struct introduced_store {
    const char *brand;
    enum first_store_brand_type brand_type;
    enum first_store_category category;
    sb_day registered_on;
    sb_day opened_on;
    int64_t rent_12m_fen;
    int64_t decoration_fen;
    int64_t agreement_years;
    bool in_pipeline;
};

struct launch_event {
    const char *name;
    sb_day held_on;
    int64_t venue_rent_fen;
    int64_t setup_fen;
};

/* What every applicant declares (二(一)). */
struct first_store_declarations {
    bool actual_investor;
    bool not_blacklisted;
    bool no_bad_credit_sanction;
    bool not_prohibited_catalogue;
    bool no_duplicate_funding;
};

struct first_store_data {
    enum first_store_project project;

    /* PROJECT_STORE_OPENING */
    enum first_store_applicant_type applicant_type;
    enum first_store_category category;
    const char *brand;
    struct first_store_store store;
    int64_t rent_12m_fen;    /* brands */
    int64_t decoration_fen;  /* brands */
    int64_t license_fee_fen; /* APPLICANT_INTERNATIONAL_AGENT */

    /* PROJECT_STORE_INTRODUCTION */
    const struct introduced_store *stores;
    size_t n_stores;

    /* PROJECT_LAUNCH_EVENT */
    struct launch_event event;

    /* every project */
    struct first_store_declarations declarations;
};

#endif
