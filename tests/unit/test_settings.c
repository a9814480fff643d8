/*
** test_settings.c: the one table of settings (ext/settings.c) is whole and
** consistent: every id has its row, the keys are sorted (they are searched),
** every default passes its own setting's check, and the checks say what a
** setting takes in the words pat_settings errors use.
*/
#include <string.h>

#include "suites.h"
#include "values.h"

/* A value to check, from a connection that is only a value factory. */
static sqlite3 *db;

static sqlite3_value *value_of(const char *sql) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(st, 0));
  sqlite3_finalize(st);
  ck_assert_ptr_nonnull(v);
  return v;
}

static void setup(void) { ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK); }
static void teardown(void) { sqlite3_close(db); }

START_TEST(every_id_has_its_row_and_the_keys_are_sorted) {
  for (int id = 0; id < PAT_SET_COUNT; id++) {
    const pat_setting_def *d = pat_setting_def_of(id);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(d->key);
    ck_assert_ptr_nonnull(d->rule);
    ck_assert_int_eq(pat_setting_find(d->key), id);
    if (id > 0) ck_assert_int_lt(strcmp(pat_setting_def_of(id - 1)->key, d->key), 0);
  }
  ck_assert_int_eq(pat_setting_find("no_such_setting"), PAT_SET_NONE);
  ck_assert_int_eq(pat_setting_find(NULL), PAT_SET_NONE);
  ck_assert_ptr_null(pat_setting_def_of(PAT_SET_COUNT));
}
END_TEST

START_TEST(every_default_passes_its_own_check) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?2", -1, &st, NULL), SQLITE_OK);
  for (int id = 0; id < PAT_SET_COUNT; id++) {
    ck_assert_int_eq(pat_setting_bind_default(st, 1, 2, id), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    pat_setting_value val;
    pat_err e = {0};
    ck_assert_msg(pat_setting_check(id, sqlite3_column_value(st, 0), &val, &e) == 0 &&
                      pat_setting_bound(id, &val, &e) == 0,
                  "%s: %s", pat_setting_def_of(id)->key, e.msg);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
}
END_TEST

START_TEST(a_bad_value_is_refused_in_the_settings_own_words) {
  pat_setting_value val;
  pat_err e = {0};
  sqlite3_value *v = value_of("SELECT 'ALL'");
  ck_assert_int_eq(pat_setting_check(PAT_SET_AUDIT, v, &val, &e), -1);
  ck_assert_str_eq(e.msg, "audit must be 'off', 'changes' or 'all'");
  sqlite3_value_free(v);
  v = value_of("SELECT 0");
  ck_assert_int_eq(pat_setting_check(PAT_SET_DEFAULT_LIFETIME, v, &val, &e), -1);
  ck_assert_str_eq(e.msg, "default_lifetime must be a positive integer of seconds");
  /* 0 is a last_used_interval (every use is written). */
  ck_assert_int_eq(pat_setting_check(PAT_SET_LAST_USED_INTERVAL, v, &val, &e), 0);
  sqlite3_value_free(v);
  v = value_of("SELECT NULL");
  ck_assert_int_eq(pat_setting_check(PAT_SET_MAX_LIFETIME, v, &val, &e), 0);
  ck_assert_int_eq(val.is_null, 1);
  ck_assert_int_eq(pat_setting_check(PAT_SET_PREFIX, v, &val, &e), -1);
  ck_assert_str_eq(e.msg, "prefix must be at most 32 characters of A-Z, a-z, 0-9 and _");
  sqlite3_value_free(v);
  v = value_of("SELECT 315569520000"); /* one past the span of years 0000 to 9999 */
  ck_assert_int_eq(pat_setting_check(PAT_SET_MAX_LIFETIME, v, &val, &e), 0);
  ck_assert_int_eq(pat_setting_bound(PAT_SET_MAX_LIFETIME, &val, &e), -1);
  ck_assert_str_eq(e.msg, "max_lifetime may not exceed 315569519999 seconds (the years 0000 to 9999)");
  sqlite3_value_free(v);
}
END_TEST

START_TEST(a_stored_value_past_the_checks_is_read_bounded) {
  ck_assert_int_eq(pat_setting_seconds(PAT_SET_DEFAULT_LIFETIME, 1, 0), 2592000);
  ck_assert_int_eq(pat_setting_seconds(PAT_SET_DEFAULT_LIFETIME, 0, -5), 2592000);
  ck_assert_int_eq(pat_setting_seconds(PAT_SET_LAST_USED_INTERVAL, 0, INT64_MAX),
                   PAT_SECONDS_MAX);
  ck_assert_int_eq(pat_setting_seconds(PAT_SET_LAST_USED_INTERVAL, 0, 0), 0);
  ck_assert_int_eq(pat_setting_choice(PAT_SET_AUDIT, "all"), 2);
  ck_assert_int_eq(pat_setting_choice(PAT_SET_AUDIT, "ALL"), 1); /* the default, changes */
  ck_assert_int_eq(pat_setting_choice(PAT_SET_AUDIT, NULL), 1);
}
END_TEST

Suite *settings_suite(void) {
  Suite *s = suite_create("settings");
  TCase *tc = tcase_create("table");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, every_id_has_its_row_and_the_keys_are_sorted);
  tcase_add_test(tc, every_default_passes_its_own_check);
  tcase_add_test(tc, a_bad_value_is_refused_in_the_settings_own_words);
  tcase_add_test(tc, a_stored_value_past_the_checks_is_read_bounded);
  suite_add_tcase(s, tc);
  return s;
}
