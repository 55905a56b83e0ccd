/*
 * `incubator`'s data as the rules read it (kind_incubator.c declares the
 * JSON members it is decoded from).
 */
#ifndef SB_KIND_INCUBATOR_H
#define SB_KIND_INCUBATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "spec.h"

/* The high-end industries an incubator may serve (第六条(二)): C name, JSON
 * value, English and Chinese names. */
#define INCUBATOR_FIELDS(X)                                                                        \
    X(FIELD_NEW_GENERATION_IT, "new_generation_it",                                                \
      "new-generation information technology (新一代信息技术)", "新一代信息技术")                  \
    X(FIELD_INTEGRATED_CIRCUITS, "integrated_circuits", "integrated circuits (集成电路)",          \
      "集成电路")                                                                                  \
    X(FIELD_MEDICINE_HEALTH, "medicine_health", "medicine and health (医药健康)", "医药健康")      \
    X(FIELD_INTELLIGENT_EQUIPMENT, "intelligent_equipment", "intelligent equipment (智能装备)",    \
      "智能装备")                                                                                  \
    X(FIELD_ENERGY_ENVIRONMENT, "energy_environment",                                              \
      "energy saving and environmental protection (节能环保)", "节能环保")                         \
    X(FIELD_NEW_ENERGY_VEHICLES, "new_energy_vehicles",                                            \
      "new-energy intelligent vehicles (新能源智能汽车)", "新能源智能汽车")                        \
    X(FIELD_NEW_MATERIALS, "new_materials", "new materials (新材料)", "新材料")                    \
    X(FIELD_ARTIFICIAL_INTELLIGENCE, "artificial_intelligence",                                    \
      "artificial intelligence (人工智能)", "人工智能")                                            \
    X(FIELD_SOFTWARE_INFORMATION, "software_information",                                          \
      "software and information services (软件和信息服务)", "软件和信息服务")                      \
    X(FIELD_SCIENCE_TECH_SERVICES, "science_tech_services",                                        \
      "science and technology services (科技服务业)", "科技服务业")

enum incubator_field { INCUBATOR_FIELDS(SPEC_ENUM_ID) };

/* The professional services (第六条(二)): C name, JSON value, names. */
#define INCUBATOR_SERVICES(X)                                                                      \
    X(SERVICE_PLATFORM, "platform", "professional platform", "专业平台服务")                       \
    X(SERVICE_SUPPLY_CHAIN, "supply_chain", "supply chain", "供应链服务")                          \
    X(SERVICE_RESOURCE_MATCHING, "resource_matching", "resource matching", "资源对接服务")

enum incubator_service { INCUBATOR_SERVICES(SPEC_ENUM_ID) };

/* One company the incubator hosted (在孵企业). */
struct incubatee {
    const char *name;
    const char *uscc;
    int64_t employees;
    int64_t revenue_fen;
    bool hard_tech;
    bool prohibited_catalogue;
    bool invested;
    bool invested_by_incubator;
    bool ip_applied;
    bool ip_valid;
};

struct incubator_data {
    sb_day registered_on;
    bool good_credit;
    enum incubator_field field;
    const enum incubator_service *services; /* each at most once */
    size_t n_services;
    int64_t total_revenue_fen;
    const int64_t *service_revenue_fen; /* y-3, y-2, y-1 */
    size_t n_service_revenue_fen;       /* 3 */
    int64_t mentor_sessions;
    bool has_investment_fund;
    bool team_qualified;
    const char *team_description;
    const int64_t *incubatee_revenue_fen; /* y-3, y-2, y-1 */
    size_t n_incubatee_revenue_fen;       /* 3 */
    const struct incubatee *incubatees;
    size_t n_incubatees;
};

#endif
