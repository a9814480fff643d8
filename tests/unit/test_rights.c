/*
** test_rights.c: unit tests of ext/rights.c: right names, the rights
** argument (JSON array or comma-separated list), wildcard expansion against
** the catalog and a role, and the text checks of owner and name.
**
** Messages are those of notes/errors-draft.md without the "pat_create: "
** that the caller puts in front.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "values.h"
#include "suites.h"

/* ------------------------------------------------------------- helpers */

/* The default catalog, in byte order. */
static const char *const CATALOG[] = {
    "CONFIG_CREATE",  "CONFIG_FETCH",   "CONFIG_UPDATE", "DATA_CREATE",
    "DATA_DELETE",    "DATA_FETCH",     "DATA_UPDATE",   "MEDIA_CREATE",
    "MEDIA_FETCH",    "MEDIA_UPDATE",   "PROJECT_CREATE", "PROJECT_FETCH",
    "PROJECT_UPDATE", "ROUTING_CREATE_UPDATE", "ROUTING_FETCH", "USER_CREATE",
    "USER_DELETE",    "USER_FETCH",     "USER_UPDATE"};
enum { NCAT = sizeof CATALOG / sizeof CATALOG[0] };

static const char *const VIEWER[] = {"DATA_FETCH", "MEDIA_FETCH", "PROJECT_FETCH",
                                     "ROUTING_FETCH", NULL};
static const char *const AUTHOR[] = {"DATA_FETCH",   "DATA_CREATE",  "DATA_UPDATE",
                                     "DATA_DELETE",  "PROJECT_FETCH", "MEDIA_FETCH",
                                     "MEDIA_CREATE", "ROUTING_FETCH", NULL};

static pat_catalog_entry cat[NCAT];

/* Fills `cat` for a role: grants == NULL grants everything (ROOT). */
static const pat_catalog_entry *catalog_for(const char *const *grants) {
  for (int i = 0; i < NCAT; i++) {
    cat[i].name = CATALOG[i];
    cat[i].grantable = grants == NULL;
    for (const char *const *g = grants; g && *g; g++)
      if (strcmp(*g, CATALOG[i]) == 0) cat[i].grantable = 1;
  }
  return cat;
}

static void list_of(pat_strlist *l, const char *const *items) {
  memset(l, 0, sizeof *l);
  for (const char *const *p = items; *p; p++)
    ck_assert_int_eq(pat_strlist_add(l, *p, strlen(*p)), 0);
}

/* Parses `in` (n bytes) and expects exactly the NULL-terminated `want`. */
static void parse_ok(const char *in, size_t n, const char *const *want) {
  pat_strlist l;
  memset(&l, 0, sizeof l);
  pat_err e = {0};
  int rc = pat_rights_parse(in, n, &l, &e);
  ck_assert_msg(rc == 0, "parse of '%.*s' failed: %s", (int)n, in, e.msg);
  int k = 0;
  while (want[k]) k++;
  ck_assert_msg(l.n == k, "parse of '%.*s': %d items, expected %d", (int)n, in, l.n, k);
  for (int i = 0; i < k; i++)
    ck_assert_msg(strcmp(l.v[i], want[i]) == 0, "parse of '%.*s': item %d is '%s', "
                  "expected '%s'", (int)n, in, i, l.v[i], want[i]);
  pat_strlist_free(&l);
}

/* Expects -1 and exactly the message `want`. */
static void parse_err(const char *in, size_t n, const char *want) {
  pat_strlist l;
  memset(&l, 0, sizeof l);
  pat_err e = {0};
  int rc = pat_rights_parse(in, n, &l, &e);
  ck_assert_msg(rc == -1, "parse of '%.*s' gave %d (%d items), expected -1",
                (int)n < 80 ? (int)n : 80, in, rc, l.n);
  ck_assert_msg(strcmp(e.msg, want) == 0, "parse of '%.*s': err '%s', expected '%s'",
                (int)n < 80 ? (int)n : 80, in, e.msg, want);
  pat_strlist_free(&l);
}

#define PARSE_OK(s, ...)                                     \
  do {                                                       \
    static const char *const want_[] = {__VA_ARGS__, NULL};  \
    parse_ok(s, sizeof(s) - 1, want_);                       \
  } while (0)
#define PARSE_ERR(s, want) parse_err(s, sizeof(s) - 1, want)

static const char *const MALFORMED = "rights is not a valid JSON array of strings";
static const char *const NO_RIGHT = "rights names no right";
static const char *const EMPTY_NAME = "rights has an empty name";

/* Expands `items` for `role` and expects the JSON text `want`. */
static void expand_ok(const char *const *items, const pat_catalog_entry *c, int nc,
                      const char *role, const char *want) {
  pat_strlist l;
  list_of(&l, items);
  char *out = NULL;
  pat_err e = {0};
  int rc = pat_rights_expand(&l, c, nc, role, &out, &e);
  ck_assert_msg(rc == 0, "expand for %s failed: %s", role, e.msg);
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, want);
  sqlite3_free(out);
  pat_strlist_free(&l);
}

static void expand_err(const char *const *items, const pat_catalog_entry *c, int nc,
                       const char *role, const char *want_err) {
  pat_strlist l;
  list_of(&l, items);
  char *out = NULL;
  pat_err e = {0};
  int rc = pat_rights_expand(&l, c, nc, role, &out, &e);
  ck_assert_msg(rc == -1, "expand for %s gave %d (%s), expected -1", role, rc,
                out ? out : "NULL");
  ck_assert_str_eq(e.msg, want_err);
  if (out) sqlite3_free(out);
  pat_strlist_free(&l);
}

#define ITEMS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ----------------------------------------------------- pat_strlist_add */

START_TEST(strlist_add_copies_n_bytes_and_terminates_them) {
  pat_strlist l;
  memset(&l, 0, sizeof l);
  char src[] = "ABCDEF";
  ck_assert_int_eq(pat_strlist_add(&l, src, 3), 0);
  ck_assert_int_eq(pat_strlist_add(&l, "", 0), 0);
  src[0] = 'x';
  ck_assert_int_eq(l.n, 2);
  ck_assert_str_eq(l.v[0], "ABC");
  ck_assert_str_eq(l.v[1], "");
  pat_strlist_free(&l);
}
END_TEST

START_TEST(strlist_grows_to_1000_items_in_order) {
  pat_strlist l;
  memset(&l, 0, sizeof l);
  for (int i = 0; i < 1000; i++) {
    char b[16];
    int n = snprintf(b, sizeof b, "R%d", i);
    ck_assert_int_eq(pat_strlist_add(&l, b, (size_t)n), 0);
  }
  ck_assert_int_eq(l.n, 1000);
  ck_assert_str_eq(l.v[0], "R0");
  ck_assert_str_eq(l.v[999], "R999");
  pat_strlist_free(&l);
  ck_assert_int_eq(l.n, 0);
}
END_TEST

/* --------------------------------------------------- pat_right_name_ok */

START_TEST(right_name_ok_accepts_1_to_64_letters_digits_underscores) {
  char b[65];
  memset(b, 'A', 64);
  ck_assert_int_eq(pat_right_name_ok("DATA_FETCH", 10), 1);
  ck_assert_int_eq(pat_right_name_ok("a", 1), 1);
  ck_assert_int_eq(pat_right_name_ok("_9z", 3), 1);
  ck_assert_int_eq(pat_right_name_ok(b, 64), 1);
}
END_TEST

START_TEST(right_name_ok_rejects_empty_and_65_bytes) {
  char b[65];
  memset(b, 'A', 65);
  ck_assert_int_eq(pat_right_name_ok("", 0), 0);
  ck_assert_int_eq(pat_right_name_ok(b, 65), 0);
}
END_TEST

START_TEST(right_name_ok_rejects_wildcards_spaces_dashes_nul_and_non_ascii) {
  ck_assert_int_eq(pat_right_name_ok("DATA_*", 6), 0);
  ck_assert_int_eq(pat_right_name_ok("*", 1), 0);
  ck_assert_int_eq(pat_right_name_ok("DATA FETCH", 10), 0);
  ck_assert_int_eq(pat_right_name_ok("DATA-FETCH", 10), 0);
  ck_assert_int_eq(pat_right_name_ok("DATA_FETCH\0", 11), 0);
  ck_assert_int_eq(pat_right_name_ok("D\xC3\x89", 3), 0);
}
END_TEST

START_TEST(right_name_ok_reads_only_n_bytes) {
  ck_assert_int_eq(pat_right_name_ok("DATA_FETCH*", 10), 1);
}
END_TEST

/* ---------------------------------------------- pat_rights_parse: list */

START_TEST(parse_list_splits_on_commas_and_trims_white_space) {
  PARSE_OK("DATA_FETCH, DATA_CREATE", "DATA_FETCH", "DATA_CREATE");
  PARSE_OK(" \t DATA_FETCH \t,\tDATA_CREATE\r\n", "DATA_FETCH", "DATA_CREATE");
  PARSE_OK("DATA_FETCH", "DATA_FETCH");
  PARSE_OK("A,B,C", "A", "B", "C");
}
END_TEST

START_TEST(parse_list_keeps_wildcards_duplicates_and_order) {
  PARSE_OK("USER_*, *, DATA_FETCH, DATA_FETCH", "USER_*", "*", "DATA_FETCH",
           "DATA_FETCH");
}
END_TEST

START_TEST(parse_list_returns_unknown_text_as_given_for_expand_to_judge) {
  PARSE_OK("data fetch, X-Y", "data fetch", "X-Y");
}
END_TEST

START_TEST(parse_list_with_empty_item_says_has_an_empty_name) {
  PARSE_ERR("DATA_FETCH,,DATA_CREATE", EMPTY_NAME);
  PARSE_ERR("DATA_FETCH,", EMPTY_NAME);
  PARSE_ERR(",DATA_FETCH", EMPTY_NAME);
  PARSE_ERR("DATA_FETCH, \t ,DATA_CREATE", EMPTY_NAME);
}
END_TEST

START_TEST(parse_of_empty_or_blank_input_says_names_no_right) {
  PARSE_ERR("", NO_RIGHT);
  PARSE_ERR("   ", NO_RIGHT);
  PARSE_ERR(" \t\r\n", NO_RIGHT);
}
END_TEST

/* ---------------------------------------------- pat_rights_parse: JSON */

START_TEST(parse_json_array_gives_its_strings_in_order) {
  PARSE_OK("[\"DATA_FETCH\",\"DATA_CREATE\"]", "DATA_FETCH", "DATA_CREATE");
  PARSE_OK("[\"DATA_FETCH\"]", "DATA_FETCH");
  PARSE_OK("[\"DATA_*\",\"*\",\"DATA_*\"]", "DATA_*", "*", "DATA_*");
}
END_TEST

START_TEST(parse_json_allows_white_space_around_and_between_elements) {
  PARSE_OK(" \n\t[ \"A\" ,\r\n\"B\"\t] \n", "A", "B");
}
END_TEST

START_TEST(parse_json_keeps_spaces_and_commas_inside_strings) {
  PARSE_OK("[\" A \",\"B,C\"]", " A ", "B,C");
}
END_TEST

START_TEST(parse_json_decodes_simple_escapes) {
  PARSE_OK("[\"a\\\"b\", \"c\\\\d\", \"e\\/f\"]", "a\"b", "c\\d", "e/f");
  PARSE_OK("[\"\\b\\f\\n\\r\\t\"]", "\b\f\n\r\t");
}
END_TEST

START_TEST(parse_json_decodes_u_escapes_to_utf8) {
  PARSE_OK("[\"\\u0041\\u0062C\"]", "AbC");
  PARSE_OK("[\"\\u00e9\", \"\\u00E9\"]", "\xC3\xA9", "\xC3\xA9");
  PARSE_OK("[\"\\u65e5\\u672C\"]", "\xE6\x97\xA5\xE6\x9C\xAC");
  PARSE_OK("[\"\\u07FF\\u0800\\uFFFF\"]", "\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
}
END_TEST

START_TEST(parse_json_decodes_surrogate_pair_to_one_4_byte_character) {
  PARSE_OK("[\"\\ud83d\\ude00\"]", "\xF0\x9F\x98\x80");
  PARSE_OK("[\"\\uDBFF\\uDFFF\"]", "\xF4\x8F\xBF\xBF");
}
END_TEST

START_TEST(parse_json_empty_array_says_names_no_right) {
  PARSE_ERR("[]", NO_RIGHT);
  PARSE_ERR("[ ]", NO_RIGHT);
  PARSE_ERR("  [\n\t]  ", NO_RIGHT);
}
END_TEST

START_TEST(parse_json_empty_string_says_has_an_empty_name) {
  PARSE_ERR("[\"\"]", EMPTY_NAME);
  PARSE_ERR("[\"A\",\"\"]", EMPTY_NAME);
}
END_TEST

START_TEST(parse_json_unterminated_array_or_string_is_not_valid_json) {
  PARSE_ERR("[", MALFORMED);
  PARSE_ERR("[\"A\"", MALFORMED);
  PARSE_ERR("[\"A\",", MALFORMED);
  PARSE_ERR("[\"A", MALFORMED);
  PARSE_ERR("[\"A\\\"]", MALFORMED);
  PARSE_ERR("[\"A\\", MALFORMED);
}
END_TEST

START_TEST(parse_json_trailing_garbage_after_the_array_is_not_valid_json) {
  PARSE_ERR("[\"A\"]x", MALFORMED);
  PARSE_ERR("[\"A\"] [\"B\"]", MALFORMED);
  PARSE_ERR("[\"A\"],", MALFORMED);
  PARSE_ERR("[\"A\"]]", MALFORMED);
}
END_TEST

START_TEST(parse_json_missing_or_extra_commas_are_not_valid_json) {
  PARSE_ERR("[\"A\" \"B\"]", MALFORMED);
  PARSE_ERR("[\"A\",]", MALFORMED);
  PARSE_ERR("[,\"A\"]", MALFORMED);
  PARSE_ERR("[\"A\",,\"B\"]", MALFORMED);
  PARSE_ERR("[,]", MALFORMED);
}
END_TEST

START_TEST(parse_json_non_string_elements_are_not_valid_json) {
  PARSE_ERR("[1]", MALFORMED);
  PARSE_ERR("[\"A\",2]", MALFORMED);
  PARSE_ERR("[null]", MALFORMED);
  PARSE_ERR("[true]", MALFORMED);
  PARSE_ERR("[false]", MALFORMED);
  PARSE_ERR("[A]", MALFORMED);
  PARSE_ERR("['A']", MALFORMED);
}
END_TEST

START_TEST(parse_json_nested_arrays_and_objects_are_not_valid_json) {
  PARSE_ERR("[[\"A\"]]", MALFORMED);
  PARSE_ERR("[\"A\",[]]", MALFORMED);
  PARSE_ERR("[{}]", MALFORMED);
  PARSE_ERR("[{\"A\":\"B\"}]", MALFORMED);
}
END_TEST

START_TEST(parse_json_deep_nesting_is_rejected_without_exhausting_the_stack) {
  enum { DEPTH = 200000 };
  static char deep[2 * DEPTH];
  memset(deep, '[', DEPTH);
  memset(deep + DEPTH, ']', DEPTH);
  parse_err(deep, sizeof deep, MALFORMED);
}
END_TEST

START_TEST(parse_json_bad_escapes_are_not_valid_json) {
  PARSE_ERR("[\"\\x41\"]", MALFORMED);
  PARSE_ERR("[\"\\u12\"]", MALFORMED);
  PARSE_ERR("[\"\\u12G4\"]", MALFORMED);
  PARSE_ERR("[\"\\U0041\"]", MALFORMED);
  PARSE_ERR("[\"\\'\"]", MALFORMED);
}
END_TEST

START_TEST(parse_json_lone_surrogate_escape_is_not_valid_json) {
  PARSE_ERR("[\"\\ud83d\"]", MALFORMED);
  PARSE_ERR("[\"\\ude00\"]", MALFORMED);
  PARSE_ERR("[\"\\ud83dA\"]", MALFORMED);
  PARSE_ERR("[\"\\ud83d\\u0041\"]", MALFORMED);
}
END_TEST

START_TEST(parse_json_raw_control_character_in_string_is_not_valid_json) {
  PARSE_ERR("[\"A\nB\"]", MALFORMED);
  PARSE_ERR("[\"A\tB\"]", MALFORMED);
}
END_TEST

/* A NUL inside an item must never let the item stand for the name before
** it: "DATA_FETCH\0X" is not DATA_FETCH, in a list or in JSON (raw or as
** \u0000). Either the parse or the expansion must refuse it. */
START_TEST(parse_then_expand_never_grants_the_name_before_an_embedded_nul) {
  static const char list[] = "DATA_FETCH\0X";
  static const char json[] = "[\"DATA_FETCH\\u0000X\"]";
  static const char rawjson[] = "[\"DATA_FETCH\0X\"]";
  const struct {
    const char *label, *s;
    size_t n;
  } in[] = {{"list", list, sizeof list - 1},
            {"JSON \\u0000", json, sizeof json - 1},
            {"JSON raw NUL", rawjson, sizeof rawjson - 1}};
  const pat_catalog_entry *c = catalog_for(NULL);
  char granted[256] = "";
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    pat_strlist l;
    memset(&l, 0, sizeof l);
    pat_err e = {0};
    if (pat_rights_parse(in[i].s, in[i].n, &l, &e) == 0) {
      char *out = NULL;
      if (pat_rights_expand(&l, c, NCAT, "ROOT", &out, &e) == 0) {
        size_t k = strlen(granted);
        snprintf(granted + k, sizeof granted - k, "[%s -> %s] ", in[i].label, out);
      }
      if (out) sqlite3_free(out);
    }
    pat_strlist_free(&l);
  }
  ck_assert_msg(granted[0] == '\0', "granted: %s", granted);
}
END_TEST

/* --------------------------------------------------- pat_rights_expand */

START_TEST(expand_sorts_in_byte_order) {
  expand_ok(ITEMS("DATA_FETCH", "DATA_CREATE"), catalog_for(NULL), NCAT, "ROOT",
            "[\"DATA_CREATE\",\"DATA_FETCH\"]");
  expand_ok(ITEMS("USER_FETCH", "CONFIG_FETCH", "MEDIA_FETCH"), catalog_for(NULL), NCAT,
            "ROOT", "[\"CONFIG_FETCH\",\"MEDIA_FETCH\",\"USER_FETCH\"]");
}
END_TEST

START_TEST(expand_sorts_by_bytes_not_case_or_locale) {
  /* '_' (0x5F) sorts after upper case and before lower case. */
  static const pat_catalog_entry c[] = {{"AB", 1}, {"A_B", 1}, {"Ab", 1}, {"a", 1}};
  expand_ok(ITEMS("a", "Ab", "A_B", "AB"), c, 4, "ROOT",
            "[\"AB\",\"A_B\",\"Ab\",\"a\"]");
}
END_TEST

START_TEST(expand_drops_duplicates) {
  expand_ok(ITEMS("DATA_FETCH", "DATA_FETCH"), catalog_for(NULL), NCAT, "ROOT",
            "[\"DATA_FETCH\"]");
  expand_ok(ITEMS("DATA_*", "DATA_FETCH", "DATA_*"), catalog_for(NULL), NCAT, "ROOT",
            "[\"DATA_CREATE\",\"DATA_DELETE\",\"DATA_FETCH\",\"DATA_UPDATE\"]");
}
END_TEST

START_TEST(expand_star_gives_every_right_for_root) {
  expand_ok(ITEMS("*"), catalog_for(NULL), NCAT, "ROOT",
            "[\"CONFIG_CREATE\",\"CONFIG_FETCH\",\"CONFIG_UPDATE\",\"DATA_CREATE\","
            "\"DATA_DELETE\",\"DATA_FETCH\",\"DATA_UPDATE\",\"MEDIA_CREATE\","
            "\"MEDIA_FETCH\",\"MEDIA_UPDATE\",\"PROJECT_CREATE\",\"PROJECT_FETCH\","
            "\"PROJECT_UPDATE\",\"ROUTING_CREATE_UPDATE\",\"ROUTING_FETCH\","
            "\"USER_CREATE\",\"USER_DELETE\",\"USER_FETCH\",\"USER_UPDATE\"]");
}
END_TEST

START_TEST(expand_star_gives_only_the_rights_the_role_may_grant) {
  expand_ok(ITEMS("*"), catalog_for(VIEWER), NCAT, "VIEWER",
            "[\"DATA_FETCH\",\"MEDIA_FETCH\",\"PROJECT_FETCH\",\"ROUTING_FETCH\"]");
}
END_TEST

START_TEST(expand_category_wildcard_gives_grantable_rights_of_that_prefix) {
  expand_ok(ITEMS("DATA_*"), catalog_for(NULL), NCAT, "ROOT",
            "[\"DATA_CREATE\",\"DATA_DELETE\",\"DATA_FETCH\",\"DATA_UPDATE\"]");
  expand_ok(ITEMS("DATA_*"), catalog_for(VIEWER), NCAT, "VIEWER", "[\"DATA_FETCH\"]");
  expand_ok(ITEMS("MEDIA_*", "ROUTING_FETCH"), catalog_for(AUTHOR), NCAT, "AUTHOR",
            "[\"MEDIA_CREATE\",\"MEDIA_FETCH\",\"ROUTING_FETCH\"]");
}
END_TEST

START_TEST(expand_wildcard_matches_the_literal_prefix_underscore_included) {
  /* An '_' that worked like LIKE's one-character wildcard would take DATAX. */
  static const pat_catalog_entry c[] = {
      {"DATAXFOO", 1}, {"DATA_A", 1}, {"DAT_B", 1}, {"XDATA_C", 1}};
  expand_ok(ITEMS("DATA_*"), c, 4, "ROOT", "[\"DATA_A\"]");
}
END_TEST

START_TEST(expand_wildcard_is_case_sensitive) {
  expand_err(ITEMS("data_*"), catalog_for(NULL), NCAT, "ROOT",
             "'data_*' matches no right that role 'ROOT' may grant");
}
END_TEST

START_TEST(expand_wildcard_matching_no_right_is_an_error) {
  expand_err(ITEMS("FOO_*"), catalog_for(NULL), NCAT, "ROOT",
             "'FOO_*' matches no right that role 'ROOT' may grant");
}
END_TEST

START_TEST(expand_wildcard_matching_only_ungrantable_rights_is_an_error) {
  expand_err(ITEMS("USER_*"), catalog_for(VIEWER), NCAT, "VIEWER",
             "'USER_*' matches no right that role 'VIEWER' may grant");
  expand_err(ITEMS("DATA_FETCH", "CONFIG_*"), catalog_for(AUTHOR), NCAT, "AUTHOR",
             "'CONFIG_*' matches no right that role 'AUTHOR' may grant");
}
END_TEST

START_TEST(expand_star_for_a_role_that_grants_nothing_is_an_error) {
  expand_err(ITEMS("*"), catalog_for(ITEMS("NONE_OF_THEM")), NCAT, "GONE",
             "'*' matches no right that role 'GONE' may grant");
}
END_TEST

START_TEST(expand_unknown_right_is_named_in_the_error) {
  expand_err(ITEMS("DATA_FECTH"), catalog_for(NULL), NCAT, "ROOT",
             "unknown right 'DATA_FECTH'");
  expand_err(ITEMS("DATA_FETCH", "NOPE"), catalog_for(NULL), NCAT, "ROOT",
             "unknown right 'NOPE'");
}
END_TEST

START_TEST(expand_right_names_are_case_sensitive) {
  expand_err(ITEMS("data_fetch"), catalog_for(NULL), NCAT, "ROOT",
             "unknown right 'data_fetch'");
}
END_TEST

START_TEST(expand_text_of_any_syntax_not_in_catalog_is_an_unknown_right) {
  expand_err(ITEMS("DATA-FETCH"), catalog_for(NULL), NCAT, "ROOT",
             "unknown right 'DATA-FETCH'");
  expand_err(ITEMS("DATA FETCH"), catalog_for(NULL), NCAT, "ROOT",
             "unknown right 'DATA FETCH'");
}
END_TEST

START_TEST(expand_unknown_right_longer_than_64_bytes_is_shown_truncated_to_64) {
  char name[101], want[PAT_ERRMAX];
  for (int i = 0; i < 100; i++) name[i] = i % 2 ? '_' : 'Q';
  name[100] = '\0';
  snprintf(want, sizeof want, "unknown right '%.64s'", name);
  expand_err(ITEMS(name), catalog_for(NULL), NCAT, "ROOT", want);
}
END_TEST

/* 100 letters could be a token's random part: masked whole, not cut to 64
** letters of it. */
START_TEST(expand_unknown_right_that_could_hold_a_token_is_masked) {
  char name[101];
  memset(name, 'Q', 100);
  name[100] = '\0';
  expand_err(ITEMS(name), catalog_for(NULL), NCAT, "ROOT", "unknown right '(a token)'");
}
END_TEST

START_TEST(expand_right_the_role_may_not_grant_is_an_error_naming_both) {
  expand_err(ITEMS("DATA_CREATE"), catalog_for(VIEWER), NCAT, "VIEWER",
             "role 'VIEWER' may not grant 'DATA_CREATE'");
  expand_err(ITEMS("DATA_FETCH", "USER_DELETE"), catalog_for(AUTHOR), NCAT, "AUTHOR",
             "role 'AUTHOR' may not grant 'USER_DELETE'");
}
END_TEST

START_TEST(expand_with_an_empty_catalog_knows_no_right) {
  expand_err(ITEMS("DATA_FETCH"), cat, 0, "ROOT", "unknown right 'DATA_FETCH'");
}
END_TEST

/* ------------------------------------------------------ pat_text_check */

static void text_ok(const char *s, int n) {
  pat_err e = {0};
  int rc = pat_text_check("name", (const unsigned char *)s, n, 255, &e);
  ck_assert_msg(rc == 0, "text of %d bytes rejected: %s", n, e.msg);
}

static void text_err(const char *s, int n, const char *want) {
  pat_err e = {0};
  int rc = pat_text_check("name", (const unsigned char *)s, n, 255, &e);
  char shown[64] = "";
  for (int i = 0; i < n && i < 16; i++)
    snprintf(shown + 3 * i, sizeof shown - 3 * (size_t)i, "%02X ", (unsigned char)s[i]);
  ck_assert_msg(rc == -1, "text %s accepted", shown);
  ck_assert_msg(strcmp(e.msg, want) == 0, "text %s: err '%s', expected '%s'", shown, e.msg,
                want);
}

#define TEXT_OK(s) text_ok(s, (int)sizeof(s) - 1)
#define TEXT_ERR(s, want) text_err(s, (int)sizeof(s) - 1, want)
static const char *const CONTROL = "name contains a control character";
static const char *const NOT_UTF8 = "name is not valid UTF-8";

START_TEST(text_check_accepts_plain_ascii_and_exactly_255_bytes) {
  TEXT_OK("CI deploy key");
  TEXT_OK("x");
  char b[255];
  memset(b, 'n', sizeof b);
  text_ok(b, 255);
}
END_TEST

START_TEST(text_check_rejects_256_bytes_as_longer_than_255) {
  char b[256];
  memset(b, 'n', sizeof b);
  text_err(b, 256, "name is longer than 255 bytes");
}
END_TEST

START_TEST(text_check_counts_bytes_not_characters) {
  char b[258];
  for (int i = 0; i < 86; i++) memcpy(b + 3 * i, "\xE6\x97\xA5", 3);
  text_ok(b, 255);
  text_err(b, 258, "name is longer than 255 bytes");
}
END_TEST

START_TEST(text_check_uses_max_and_what_in_its_message) {
  pat_err e = {0};
  ck_assert_int_eq(pat_text_check("owner", (const unsigned char *)"0123456789", 10, 10,
                                  &e), 0);
  ck_assert_int_eq(pat_text_check("owner", (const unsigned char *)"0123456789A", 11, 10,
                                  &e), -1);
  ck_assert_str_eq(e.msg, "owner is longer than 10 bytes");
  ck_assert_int_eq(pat_text_check("owner", (const unsigned char *)"a\x01", 2, 255, &e), -1);
  ck_assert_str_eq(e.msg, "owner contains a control character");
}
END_TEST

START_TEST(text_check_rejects_empty_text_and_null_pointer) {
  pat_err e = {0};
  ck_assert_int_eq(pat_text_check("name", (const unsigned char *)"", 0, 255, &e), -1);
  ck_assert_msg(strncmp(e.msg, "name ", 5) == 0, "err '%s'", e.msg);
  e.msg[0] = '\0';
  ck_assert_int_eq(pat_text_check("name", NULL, 0, 255, &e), -1);
  ck_assert_msg(strncmp(e.msg, "name ", 5) == 0, "err '%s'", e.msg);
}
END_TEST

START_TEST(text_check_rejects_every_c0_control_byte_and_del) {
  for (int b = 0; b < 0x20; b++) {
    char s[3] = {'a', (char)b, 'z'};
    text_err(s, 3, CONTROL);
  }
  TEXT_ERR("a\x7F", CONTROL);
  TEXT_ERR("\x00", CONTROL);
  TEXT_ERR("name\x00", CONTROL);
}
END_TEST

START_TEST(text_check_rejects_c1_controls_u0080_to_u009f) {
  TEXT_ERR("a\xC2\x80z", CONTROL);
  TEXT_ERR("a\xC2\x85z", CONTROL);
  TEXT_ERR("a\xC2\x9F", CONTROL);
}
END_TEST

START_TEST(text_check_accepts_u00a0_just_after_the_c1_controls) {
  TEXT_OK("a\xC2\xA0z");
}
END_TEST

START_TEST(text_check_accepts_multi_byte_utf8) {
  TEXT_OK("caf\xC3\xA9");                 /* é */
  TEXT_OK("\xE6\x97\xA5\xE6\x9C\xAC");    /* 日本 */
  TEXT_OK("key \xF0\x9F\x94\x91");        /* emoji, 4 bytes */
  TEXT_OK("\xDF\xBF\xE0\xA0\x80");        /* U+07FF U+0800 */
  TEXT_OK("\xED\x9F\xBF\xEE\x80\x80");    /* U+D7FF U+E000, around the surrogates */
  TEXT_OK("\xEF\xBF\xBF\xF4\x8F\xBF\xBF"); /* U+FFFF U+10FFFF */
}
END_TEST

START_TEST(text_check_rejects_overlong_encodings) {
  TEXT_ERR("\xC0\x80", NOT_UTF8);
  TEXT_ERR("\xC1\xBF", NOT_UTF8);
  TEXT_ERR("\xE0\x80\x80", NOT_UTF8);
  TEXT_ERR("\xE0\x9F\xBF", NOT_UTF8);
  TEXT_ERR("\xF0\x80\x80\x80", NOT_UTF8);
  TEXT_ERR("\xF0\x8F\xBF\xBF", NOT_UTF8);
}
END_TEST

START_TEST(text_check_rejects_utf16_surrogates) {
  TEXT_ERR("\xED\xA0\x80", NOT_UTF8);
  TEXT_ERR("\xED\xBF\xBF", NOT_UTF8);
  TEXT_ERR("\xED\xA0\xBD\xED\xB8\x80", NOT_UTF8);
}
END_TEST

START_TEST(text_check_rejects_code_points_above_u10ffff) {
  TEXT_ERR("\xF4\x90\x80\x80", NOT_UTF8);
  TEXT_ERR("\xF5\x80\x80\x80", NOT_UTF8);
  TEXT_ERR("\xF8\x88\x80\x80\x80", NOT_UTF8);
}
END_TEST

START_TEST(text_check_rejects_truncated_sequences_and_stray_bytes) {
  TEXT_ERR("abc\xC3", NOT_UTF8);
  TEXT_ERR("\xE6\x97", NOT_UTF8);
  TEXT_ERR("\xF0\x9F\x98", NOT_UTF8);
  TEXT_ERR("\xC3z", NOT_UTF8);
  TEXT_ERR("a\x80", NOT_UTF8);
  TEXT_ERR("\xBF", NOT_UTF8);
  TEXT_ERR("a\xFF", NOT_UTF8);
  TEXT_ERR("a\xFE", NOT_UTF8);
}
END_TEST

START_TEST(text_check_reads_only_n_bytes) {
  text_err("\xC3\xA9", 1, NOT_UTF8);
  text_ok("ab\x01", 2);
}
END_TEST

Suite *rights_suite(void) {
  Suite *s = suite_create("rights");
  TCase *tc = tcase_create("names");
  tcase_add_test(tc, strlist_add_copies_n_bytes_and_terminates_them);
  tcase_add_test(tc, strlist_grows_to_1000_items_in_order);
  tcase_add_test(tc, right_name_ok_accepts_1_to_64_letters_digits_underscores);
  tcase_add_test(tc, right_name_ok_rejects_empty_and_65_bytes);
  tcase_add_test(tc, right_name_ok_rejects_wildcards_spaces_dashes_nul_and_non_ascii);
  tcase_add_test(tc, right_name_ok_reads_only_n_bytes);
  suite_add_tcase(s, tc);

  tc = tcase_create("parse_list");
  tcase_add_test(tc, parse_list_splits_on_commas_and_trims_white_space);
  tcase_add_test(tc, parse_list_keeps_wildcards_duplicates_and_order);
  tcase_add_test(tc, parse_list_returns_unknown_text_as_given_for_expand_to_judge);
  tcase_add_test(tc, parse_list_with_empty_item_says_has_an_empty_name);
  tcase_add_test(tc, parse_of_empty_or_blank_input_says_names_no_right);
  suite_add_tcase(s, tc);

  tc = tcase_create("parse_json");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, parse_json_array_gives_its_strings_in_order);
  tcase_add_test(tc, parse_json_allows_white_space_around_and_between_elements);
  tcase_add_test(tc, parse_json_keeps_spaces_and_commas_inside_strings);
  tcase_add_test(tc, parse_json_decodes_simple_escapes);
  tcase_add_test(tc, parse_json_decodes_u_escapes_to_utf8);
  tcase_add_test(tc, parse_json_decodes_surrogate_pair_to_one_4_byte_character);
  tcase_add_test(tc, parse_json_empty_array_says_names_no_right);
  tcase_add_test(tc, parse_json_empty_string_says_has_an_empty_name);
  tcase_add_test(tc, parse_json_unterminated_array_or_string_is_not_valid_json);
  tcase_add_test(tc, parse_json_trailing_garbage_after_the_array_is_not_valid_json);
  tcase_add_test(tc, parse_json_missing_or_extra_commas_are_not_valid_json);
  tcase_add_test(tc, parse_json_non_string_elements_are_not_valid_json);
  tcase_add_test(tc, parse_json_nested_arrays_and_objects_are_not_valid_json);
  tcase_add_test(tc, parse_json_deep_nesting_is_rejected_without_exhausting_the_stack);
  tcase_add_test(tc, parse_json_bad_escapes_are_not_valid_json);
  tcase_add_test(tc, parse_json_lone_surrogate_escape_is_not_valid_json);
  tcase_add_test(tc, parse_json_raw_control_character_in_string_is_not_valid_json);
  tcase_add_test(tc, parse_then_expand_never_grants_the_name_before_an_embedded_nul);
  suite_add_tcase(s, tc);

  tc = tcase_create("expand");
  tcase_add_test(tc, expand_sorts_in_byte_order);
  tcase_add_test(tc, expand_sorts_by_bytes_not_case_or_locale);
  tcase_add_test(tc, expand_drops_duplicates);
  tcase_add_test(tc, expand_star_gives_every_right_for_root);
  tcase_add_test(tc, expand_star_gives_only_the_rights_the_role_may_grant);
  tcase_add_test(tc, expand_category_wildcard_gives_grantable_rights_of_that_prefix);
  tcase_add_test(tc, expand_wildcard_matches_the_literal_prefix_underscore_included);
  tcase_add_test(tc, expand_wildcard_is_case_sensitive);
  tcase_add_test(tc, expand_wildcard_matching_no_right_is_an_error);
  tcase_add_test(tc, expand_wildcard_matching_only_ungrantable_rights_is_an_error);
  tcase_add_test(tc, expand_star_for_a_role_that_grants_nothing_is_an_error);
  tcase_add_test(tc, expand_unknown_right_is_named_in_the_error);
  tcase_add_test(tc, expand_right_names_are_case_sensitive);
  tcase_add_test(tc, expand_text_of_any_syntax_not_in_catalog_is_an_unknown_right);
  tcase_add_test(tc, expand_unknown_right_longer_than_64_bytes_is_shown_truncated_to_64);
  tcase_add_test(tc, expand_unknown_right_that_could_hold_a_token_is_masked);
  tcase_add_test(tc, expand_right_the_role_may_not_grant_is_an_error_naming_both);
  tcase_add_test(tc, expand_with_an_empty_catalog_knows_no_right);
  suite_add_tcase(s, tc);

  tc = tcase_create("text_check");
  tcase_add_test(tc, text_check_accepts_plain_ascii_and_exactly_255_bytes);
  tcase_add_test(tc, text_check_rejects_256_bytes_as_longer_than_255);
  tcase_add_test(tc, text_check_counts_bytes_not_characters);
  tcase_add_test(tc, text_check_uses_max_and_what_in_its_message);
  tcase_add_test(tc, text_check_rejects_empty_text_and_null_pointer);
  tcase_add_test(tc, text_check_rejects_every_c0_control_byte_and_del);
  tcase_add_test(tc, text_check_rejects_c1_controls_u0080_to_u009f);
  tcase_add_test(tc, text_check_accepts_u00a0_just_after_the_c1_controls);
  tcase_add_test(tc, text_check_accepts_multi_byte_utf8);
  tcase_add_test(tc, text_check_rejects_overlong_encodings);
  tcase_add_test(tc, text_check_rejects_utf16_surrogates);
  tcase_add_test(tc, text_check_rejects_code_points_above_u10ffff);
  tcase_add_test(tc, text_check_rejects_truncated_sequences_and_stray_bytes);
  tcase_add_test(tc, text_check_reads_only_n_bytes);
  suite_add_tcase(s, tc);
  return s;
}
