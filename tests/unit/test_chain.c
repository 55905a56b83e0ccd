/*
 * The hash chain of the event log (server/crypto/chain.c): the canonical
 * encoding of an event and its BLAKE2b-256 hash.  The expected values were
 * computed independently (Python's hashlib.blake2b over a JSON writer of its
 * own, as tests/api/test_audit.py does), so a change to the encoding, which
 * would make every stored chain fail `audit verify`, shows here first.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain.h"

/* An event with every member set, text that needs escaping and nested
 * details whose keys are out of order. */
static void full_event(struct event *e)
{
    memset(e, 0, sizeof *e);
    e->id = 7;
    e->application_id = 3;
    snprintf(e->at, sizeof e->at, "%s", "2020-09-29T02:00:00Z");
    snprintf(e->action, sizeof e->action, "%s", "municipal_approve");
    snprintf(e->from_status, sizeof e->from_status, "%s", "municipal_review");
    snprintf(e->to_status, sizeof e->to_status, "%s", "public_notice");
    e->actor_account = 5;
    snprintf(e->actor_role, sizeof e->actor_role, "%s", "municipal_reviewer");
    e->opinion = (char *)"同意。\"ok\"\\\n";
    snprintf(e->request_id, sizeof e->request_id, "%s", "0123456789abcdef");
    e->details_json = (char *)"{\"stage\":\"municipal\",\"decision\":\"approve\",\"b\":[1,-2],"
                              "\"a\":{\"z\":true,\"y\":null},\"n\":\"北京\"}";
    for (int i = 0; i < EVENT_HASH_LEN; i++)
        e->prev_hash[i] = (unsigned char)(i + 1);
}

/* The first event of a log: no previous hash, no account, no opinion. */
static void first_event(struct event *e)
{
    full_event(e);
    e->id = 1;
    snprintf(e->action, sizeof e->action, "%s", "create");
    e->from_status[0] = '\0';
    snprintf(e->to_status, sizeof e->to_status, "%s", "draft");
    e->actor_account = 0;
    snprintf(e->actor_role, sizeof e->actor_role, "%s", "applicant");
    e->opinion = NULL;
    e->request_id[0] = '\0';
    e->details_json = (char *)"{}";
    memset(e->prev_hash, 0, sizeof e->prev_hash);
}

static const char full_canonical[] =
    "[7,3,\"2020-09-29T02:00:00Z\",\"municipal_approve\",\"municipal_review\","
    "\"public_notice\",5,\"municipal_reviewer\",\"\\u540C\\u610F\\u3002\\\"ok\\\"\\\\\\n\","
    "\"0123456789abcdef\",{\"a\":{\"y\":null,\"z\":true},\"b\":[1,-2],\"decision\":\"approve\","
    "\"n\":\"\\u5317\\u4EAC\",\"stage\":\"municipal\"},"
    "\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\"]";
static const char full_hash[] = "96e8ec9e3ba32891fa6e3af8adcf600c492847f100b77f675e5b70151a17c332";

static const char first_canonical[] =
    "[1,3,\"2020-09-29T02:00:00Z\",\"create\",\"\",\"draft\",null,\"applicant\",null,\"\",{},"
    "\"0000000000000000000000000000000000000000000000000000000000000000\"]";
static const char first_hash[] = "12d459d8d589b33a8044e97f9dfe27db6a0715495c6621b8427654c370acfd1f";

static void hash_hex(const struct event *e, char out[EVENT_HASH_LEN * 2 + 1])
{
    unsigned char h[EVENT_HASH_LEN];
    chain_hash(h, e, NULL);
    sodium_bin2hex(out, EVENT_HASH_LEN * 2 + 1, h, EVENT_HASH_LEN);
}

START_TEST(known_events)
{
    struct event e;
    char hex[EVENT_HASH_LEN * 2 + 1];

    full_event(&e);
    char *text = chain_canonical(&e, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, full_canonical);
    free(text);
    hash_hex(&e, hex);
    ck_assert_str_eq(hex, full_hash);

    first_event(&e);
    text = chain_canonical(&e, NULL);
    ck_assert_str_eq(text, first_canonical);
    free(text);
    hash_hex(&e, hex);
    ck_assert_str_eq(hex, first_hash);
}
END_TEST

/* Format 2 (docs/RECORD.md): the members of format 1, with the format and
 * the actor as it was (name, unit, authority; null when none) after the
 * details, before the previous hash. */
static const char format2_actor[] =
    ",2,\"\\u5E02\\u79D1\\u59D4\\u590D\\u5BA1\\u5458\",null,\"science_tech\"";
static const char format2_hash[] =
    "f5bd1c9c0fc6d4f0bed72b6295ebf94521cbebdc9b7c98f36441a53bbace4171";

START_TEST(format_two)
{
    struct event e;
    char hex[EVENT_HASH_LEN * 2 + 1], want[sizeof full_canonical + sizeof format2_actor];
    full_event(&e);
    e.format = 2;
    e.actor_name = (char *)"市科委复审员";
    snprintf(e.actor_authority, sizeof e.actor_authority, "%s", "science_tech");
    /* full_canonical with the actor before its last member (68 bytes:
     * ,"<64 hex digits>"]) */
    size_t head = strlen(full_canonical) - 68;
    snprintf(want, sizeof want, "%.*s%s%s", (int)head, full_canonical, format2_actor,
             full_canonical + head);
    char *text = chain_canonical(&e, NULL);
    ck_assert_str_eq(text, want);
    free(text);
    hash_hex(&e, hex);
    ck_assert_str_eq(hex, format2_hash);
    /* the actor is inside what is hashed: each part of it counts */
    e.actor_name = (char *)"市科委复审员 ";
    hash_hex(&e, hex);
    ck_assert_str_ne(hex, format2_hash);
    e.actor_name = (char *)"市科委复审员";
    snprintf(e.actor_unit, sizeof e.actor_unit, "%s", "110108");
    hash_hex(&e, hex);
    ck_assert_str_ne(hex, format2_hash);
    e.actor_unit[0] = '\0';
    e.actor_authority[0] = '\0';
    hash_hex(&e, hex);
    ck_assert_str_ne(hex, format2_hash);
    /* format 1, and an event that says none, encode as they always did,
     * whatever actor fields they carry */
    for (int f = 0; f <= 1; f++) {
        e.format = f;
        text = chain_canonical(&e, NULL);
        ck_assert_str_eq(text, full_canonical);
        free(text);
        hash_hex(&e, hex);
        ck_assert_str_eq(hex, full_hash);
    }
}
END_TEST

/* The engine hashes a new event from the details document it wrote the
 * text from: the same encoding as reading the text back. */
START_TEST(parsed_details_hash_as_their_text)
{
    struct event e;
    full_event(&e);
    json_t *doc = json_loads(e.details_json, 0, NULL);
    char *from_text = chain_canonical(&e, NULL), *from_doc = chain_canonical(&e, doc);
    ck_assert_str_eq(from_text, from_doc);
    unsigned char a[EVENT_HASH_LEN], b[EVENT_HASH_LEN];
    chain_hash(a, &e, NULL);
    chain_hash(b, &e, doc);
    ck_assert_mem_eq(a, b, EVENT_HASH_LEN);
    /* and no details at all are {} */
    e.details_json = NULL;
    json_t *empty = json_object();
    free(from_text);
    free(from_doc);
    from_text = chain_canonical(&e, NULL);
    from_doc = chain_canonical(&e, empty);
    ck_assert_str_eq(from_text, from_doc);
    free(from_text);
    free(from_doc);
    json_decref(empty);
    json_decref(doc);
}
END_TEST

/* The canonical text is ASCII only, whatever the event holds. */
START_TEST(canonical_is_ascii)
{
    struct event e;
    full_event(&e);
    e.opinion = (char *)"😀 emoji and \x7f and \t tab";
    char *text = chain_canonical(&e, NULL);
    for (const char *p = text; *p; p++)
        ck_assert_msg((unsigned char)*p < 0x80, "non-ASCII byte in %s", text);
    ck_assert_ptr_nonnull(strstr(text, "\\uD83D\\uDE00"));
    ck_assert_ptr_nonnull(strstr(text, "\\t tab"));
    free(text);
}
END_TEST

/* Each member of the event, changed alone, changes the hash: nothing can be
 * altered without the chain showing it. */
enum member {
    M_ID,
    M_APPLICATION,
    M_AT,
    M_ACTION,
    M_FROM,
    M_TO,
    M_ACTOR,
    M_ROLE,
    M_OPINION,
    M_OPINION_NULL,
    M_OPINION_EMPTY,
    M_REQUEST,
    M_DETAILS,
    M_DETAILS_VALUE,
    M_DETAILS_NOT_JSON,
    M_PREV_FIRST,
    M_PREV_LAST,
    N_MEMBERS
};

static void change(struct event *e, enum member m)
{
    switch (m) {
    case M_ID:
        e->id++;
        break;
    case M_APPLICATION:
        e->application_id = 4;
        break;
    case M_AT:
        e->at[18] = '1';
        break;
    case M_ACTION:
        snprintf(e->action, sizeof e->action, "%s", "municipal_reject");
        break;
    case M_FROM:
        snprintf(e->from_status, sizeof e->from_status, "%s", "district_review");
        break;
    case M_TO:
        snprintf(e->to_status, sizeof e->to_status, "%s", "approved");
        break;
    case M_ACTOR:
        e->actor_account = 6;
        break;
    case M_ROLE:
        snprintf(e->actor_role, sizeof e->actor_role, "%s", "admin");
        break;
    case M_OPINION:
        e->opinion = (char *)"同意。\"ok\"\\\r";
        break;
    case M_OPINION_NULL:
        e->opinion = NULL;
        break;
    case M_OPINION_EMPTY:
        e->opinion = (char *)"";
        break;
    case M_REQUEST:
        e->request_id[15] = 'e';
        break;
    case M_DETAILS:
        e->details_json = (char *)"{\"stage\":\"municipal\"}";
        break;
    case M_DETAILS_VALUE:
        e->details_json = (char *)"{\"stage\":\"municipal\",\"decision\":\"approve\",\"b\":[1,2],"
                                  "\"a\":{\"z\":true,\"y\":null},\"n\":\"北京\"}";
        break;
    case M_DETAILS_NOT_JSON:
        e->details_json = (char *)"{\"stage\":";
        break;
    case M_PREV_FIRST:
        e->prev_hash[0] ^= 1;
        break;
    case M_PREV_LAST:
        e->prev_hash[EVENT_HASH_LEN - 1] ^= 0x80;
        break;
    case N_MEMBERS:
        break;
    }
}

START_TEST(every_member_counts)
{
    struct event e;
    unsigned char base[EVENT_HASH_LEN], h[EVENT_HASH_LEN];

    full_event(&e);
    chain_hash(base, &e, NULL);
    change(&e, (enum member)_i);
    chain_hash(h, &e, NULL);
    ck_assert_msg(memcmp(base, h, EVENT_HASH_LEN) != 0, "member %d does not change the hash", _i);
    char *text = chain_canonical(&e, NULL);
    ck_assert_ptr_nonnull(text);
    if (_i == M_PREV_FIRST || _i == M_PREV_LAST)
        ck_assert_ptr_null(strstr(text, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1"
                                        "d1e1f20"));
    else
        ck_assert_str_ne(text, full_canonical);
    free(text);
}
END_TEST

/* The canonical form does not depend on how the details were written: the
 * order of keys and the white space are not part of it. */
START_TEST(details_order_does_not_count)
{
    struct event e;
    full_event(&e);
    e.details_json =
        (char *)"{ \"n\" : \"\\u5317京\", \"stage\":\"municipal\", \"a\": {\"y\": null, "
                "\"z\": true}, \"decision\":\"approve\", \"b\": [1, -2] }";
    char *text = chain_canonical(&e, NULL);
    ck_assert_str_eq(text, full_canonical);
    free(text);
}
END_TEST

/* Missing details hash as "{}", the same as an empty object. */
START_TEST(details_absent)
{
    struct event e;
    unsigned char a[EVENT_HASH_LEN], b[EVENT_HASH_LEN];
    first_event(&e);
    chain_hash(a, &e, NULL);
    e.details_json = NULL;
    chain_hash(b, &e, NULL);
    ck_assert_mem_eq(a, b, EVENT_HASH_LEN);
}
END_TEST

/* The hash is the hash of prev_hash followed by the canonical text. */
START_TEST(hash_is_over_prev_and_canonical)
{
    struct event e;
    unsigned char got[EVENT_HASH_LEN], want[EVENT_HASH_LEN];
    full_event(&e);
    chain_hash(got, &e, NULL);
    char *text = chain_canonical(&e, NULL);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, EVENT_HASH_LEN);
    crypto_generichash_update(&st, e.prev_hash, EVENT_HASH_LEN);
    crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, want, EVENT_HASH_LEN);
    free(text);
    ck_assert_mem_eq(got, want, EVENT_HASH_LEN);
}
END_TEST

/* A chain of three: each event's prev_hash is the hash before it, and a
 * change to the middle one changes its hash, which the third one's link no
 * longer matches. */
START_TEST(links)
{
    struct event ev[3];
    unsigned char h[3][EVENT_HASH_LEN];
    first_event(&ev[0]);
    chain_hash(h[0], &ev[0], NULL);
    for (int i = 1; i < 3; i++) {
        full_event(&ev[i]);
        ev[i].id = i + 1;
        memcpy(ev[i].prev_hash, h[i - 1], EVENT_HASH_LEN);
        chain_hash(h[i], &ev[i], NULL);
    }
    ck_assert_mem_ne(h[1], h[2], EVENT_HASH_LEN);
    ev[1].opinion = (char *)"改";
    unsigned char again[EVENT_HASH_LEN];
    chain_hash(again, &ev[1], NULL);
    ck_assert_mem_ne(again, ev[2].prev_hash, EVENT_HASH_LEN);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("chain");
    tcase_add_test(tc, known_events);
    tcase_add_test(tc, format_two);
    tcase_add_test(tc, canonical_is_ascii);
    tcase_add_test(tc, parsed_details_hash_as_their_text);
    tcase_add_loop_test(tc, every_member_counts, 0, N_MEMBERS);
    tcase_add_test(tc, details_order_does_not_count);
    tcase_add_test(tc, details_absent);
    tcase_add_test(tc, hash_is_over_prev_and_canonical);
    tcase_add_test(tc, links);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
