/*
 * The roles table: look-ups, the actors that are not accounts, and that the
 * database accepts exactly the roles of the table (its CHECK on
 * accounts.role is the one other place the names are written).
 */
#include "roles.h"
#include "store.h"
#include "support.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

START_TEST(test_lookups)
{
    ck_assert_uint_eq(n_roles, 5);
    for (unsigned i = 0; i < n_roles; i++) {
        ck_assert_uint_eq(roles[i].bit, 1u << i);
        ck_assert_ptr_eq(role_find(roles[i].name), &roles[i]);
        ck_assert_uint_eq(role_bit(roles[i].name), roles[i].bit);
        ck_assert_str_eq(role_name(roles[i].bit), roles[i].name);
        ck_assert(roles[i].title_zh[0] && roles[i].title_en[0]);
    }
    ck_assert_ptr_null(role_find("public"));
    ck_assert_ptr_null(role_find("system"));
    ck_assert_ptr_null(role_find("Applicant"));
    ck_assert_ptr_null(role_find(NULL));
    ck_assert_uint_eq(role_bit("root"), 0);
    ck_assert_str_eq(role_name(ROLE_PUBLIC), "public");
    ck_assert_str_eq(role_name(ROLE_SYSTEM), "system");
    ck_assert_ptr_null(role_name(ROLE_APPLICANT | ROLE_ADMIN));
    ck_assert_uint_eq(ROLE_ANY_ACCOUNT & ROLE_SYSTEM, 0);
    ck_assert_uint_eq(actor_system.role, ROLE_SYSTEM);
    ck_assert_int_eq(actor_system.account, 0);
}
END_TEST

/* Each binding the table names is the one member an account of that role
 * carries: the store refuses the others. */
START_TEST(test_bindings)
{
    ck_assert_str_eq(role_find("applicant")->binding, "uscc");
    ck_assert_str_eq(role_find("district_reviewer")->binding, "unit");
    ck_assert_str_eq(role_find("municipal_reviewer")->binding, "authority");
    ck_assert_str_eq(role_find("auditor")->binding, "");
    ck_assert_str_eq(role_find("admin")->binding, "");
}
END_TEST

struct add {
    struct account a;
};

static enum store_rc tx_add(struct store_tx *tx, void *ctx)
{
    struct add *x = ctx;
    return store_account_add(tx, &x->a);
}

static enum store_rc tx_unit(struct store_tx *tx, void *ctx)
{
    (void)ctx;
    struct unit u = {.id = "110108", .name_zh = "海淀区", .name_en = "Haidian", .kind = "district"};
    return store_unit_put(tx, &u);
}

static void quiet(const char *msg)
{
    (void)msg;
}

static enum store_rc add_role(struct store *s, const char *role, const char *binding)
{
    struct add x = {0};
    snprintf(x.a.role, sizeof x.a.role, "%s", role);
    snprintf(x.a.name, sizeof x.a.name, "%s", role);
    snprintf(x.a.created_at, sizeof x.a.created_at, "2020-09-29T02:00:00Z");
    if (strcmp(binding, "uscc") == 0)
        snprintf(x.a.uscc, sizeof x.a.uscc, "91110108551385082Q");
    else if (strcmp(binding, "unit") == 0)
        snprintf(x.a.unit, sizeof x.a.unit, "110108");
    else if (strcmp(binding, "authority") == 0)
        snprintf(x.a.authority, sizeof x.a.authority, "science_tech");
    return store_write(s, tx_add, &x);
}

START_TEST(test_schema_accepts_exactly_these)
{
    char *path = support_tmp_db(), err[256];
    struct store *s = store_open(path, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_int_eq(store_migrate(s, NULL, err, sizeof err), 0);
    ck_assert_int_eq(store_write(s, tx_unit, NULL), STORE_OK);
    for (unsigned i = 0; i < n_roles; i++)
        ck_assert_msg(add_role(s, roles[i].name, roles[i].binding) == STORE_OK, "%s",
                      roles[i].name);
    store_set_log(quiet);
    ck_assert_int_ne(add_role(s, "superuser", ""), STORE_OK);
    ck_assert_int_ne(add_role(s, "public", ""), STORE_OK);
    ck_assert_int_ne(add_role(s, "system", ""), STORE_OK);
    store_set_log(NULL);
    store_free(s);
    support_tmp_db_free(path);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("roles");
    TCase *tc = tcase_create("roles");
    tcase_add_test(tc, test_lookups);
    tcase_add_test(tc, test_bindings);
    tcase_add_test(tc, test_schema_accepts_exactly_these);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
