/*
** test_times.c: unit tests of ext/times.c, time arguments and the clock.
**
** INTEGER is unix seconds, REAL is rounded down, TEXT is read exactly as
** SQLite's unixepoch() reads it (so the TEXT cases compare with unixepoch()
** run here on the same connection), NULL means "use the default", anything
** else and anything outside 0000-01-01 .. 9999-12-31 23:59:59 is an error.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "values.h"
#include "suites.h"

static sqlite3 *db;
/* What the store's PAT_STMT_PARSE_TIME is: SQLite's own date parser. */
static sqlite3_stmt *parser;

static void open_db(void) {
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT unixepoch(?1)", -1, &parser, NULL), SQLITE_OK);
}

static void close_db(void) {
  /* pat_time_arg leaves the parser reset, and every value below is a
  ** sqlite3_value_dup: a statement left running keeps it from closing. */
  ck_assert_int_eq(sqlite3_stmt_busy(parser), 0);
  sqlite3_finalize(parser);
  parser = NULL;
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
  db = NULL;
}

/* The one call of the function under test, so a change of its signature is
** made in one place. */
static int time_arg(sqlite3_value *v, int64_t *out, pat_err *e) {
  return pat_time_arg(parser, v, "valid_from", out, e);
}

/* A protected value of the given type, made by SQLite itself. */
enum vkind { V_INT, V_REAL, V_TEXT, V_BLOB, V_NULL };
static sqlite3_value *make_value(enum vkind k, sqlite3_int64 i, double d, const char *s,
                                 int n) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?1", -1, &st, NULL), SQLITE_OK);
  int rc = SQLITE_OK;
  switch (k) {
    case V_INT: rc = sqlite3_bind_int64(st, 1, i); break;
    case V_REAL: rc = sqlite3_bind_double(st, 1, d); break;
    case V_TEXT: rc = sqlite3_bind_text(st, 1, s, n, SQLITE_TRANSIENT); break;
    case V_BLOB: rc = sqlite3_bind_blob(st, 1, s, n, SQLITE_TRANSIENT); break;
    case V_NULL: rc = sqlite3_bind_null(st, 1); break;
  }
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(st, 0));
  ck_assert_ptr_nonnull(v);
  sqlite3_finalize(st);
  return v;
}

static sqlite3_value *vint(sqlite3_int64 i) { return make_value(V_INT, i, 0, NULL, 0); }
static sqlite3_value *vreal(double d) { return make_value(V_REAL, 0, d, NULL, 0); }
static sqlite3_value *vtext(const char *s) { return make_value(V_TEXT, 0, 0, s, -1); }

/* Expects 0 and *out == want. */
static void expect_time(sqlite3_value *v, int64_t want, const char *label) {
  int64_t got = INT64_MIN;
  pat_err e = {0};
  int rc = time_arg(v, &got, &e);
  ck_assert_msg(rc == 0, "%s: rc %d, err '%s'", label, rc, e.msg);
  ck_assert_msg(got == want, "%s: got %lld, expected %lld", label, (long long)got,
                (long long)want);
  sqlite3_value_free(v);
}

/* Expects -1 and an error holding `part` that starts with the argument's
** name, not a function's. */
static void expect_error(sqlite3_value *v, const char *part, const char *label) {
  int64_t got = 0;
  pat_err e = {0};
  int rc = time_arg(v, &got, &e);
  ck_assert_msg(rc == -1, "%s: rc %d (out %lld), expected -1", label, rc,
                (long long)got);
  ck_assert_msg(strstr(e.msg, part) != NULL, "%s: err '%s' lacks '%s'", label, e.msg, part);
  ck_assert_msg(strncmp(e.msg, "valid_from ", 11) == 0,
                "%s: err '%s' does not start with the argument name", label, e.msg);
  sqlite3_value_free(v);
}

/* unixepoch(s) on the test's connection; 0 when SQLite reads s as no time. */
static int sqlite_unixepoch(const char *s, int64_t *out) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT unixepoch(?1)", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  int ok = sqlite3_column_type(st, 0) == SQLITE_INTEGER;
  if (ok) *out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return ok;
}

/* --------------------------------------------------------------- INTEGER */

START_TEST(integer_is_taken_as_unix_seconds_unchanged) {
  expect_time(vint(0), 0, "0");
  expect_time(vint(1795737600), 1795737600, "2026-11-27");
  expect_time(vint(-1), -1, "-1");
}
END_TEST

START_TEST(integer_at_the_range_ends_0000_01_01_and_9999_12_31_is_accepted) {
  expect_time(vint(PAT_TIME_MIN), PAT_TIME_MIN, "PAT_TIME_MIN");
  expect_time(vint(PAT_TIME_MAX), PAT_TIME_MAX, "PAT_TIME_MAX");
}
END_TEST

START_TEST(integer_one_second_outside_the_range_is_out_of_range) {
  expect_error(vint(PAT_TIME_MIN - 1), "valid_from is out of range", "PAT_TIME_MIN - 1");
  expect_error(vint(PAT_TIME_MAX + 1), "valid_from is out of range", "PAT_TIME_MAX + 1");
  expect_error(vint(INT64_MAX), "valid_from is out of range", "INT64_MAX");
  expect_error(vint(INT64_MIN), "valid_from is out of range", "INT64_MIN");
}
END_TEST

/* ------------------------------------------------------------------ REAL */

START_TEST(real_is_rounded_down_to_whole_seconds) {
  expect_time(vreal(1.9), 1, "1.9");
  expect_time(vreal(1795737600.5), 1795737600, "1795737600.5");
  expect_time(vreal(-0.5), -1, "-0.5");
  expect_time(vreal(-1.5), -2, "-1.5");
  expect_time(vreal(42.0), 42, "42.0");
}
END_TEST

START_TEST(real_just_below_the_end_of_range_rounds_down_into_it) {
  expect_time(vreal((double)PAT_TIME_MAX + 0.5), PAT_TIME_MAX, "MAX + 0.5");
  expect_time(vreal((double)PAT_TIME_MIN), PAT_TIME_MIN, "MIN");
}
END_TEST

START_TEST(real_outside_the_range_or_infinite_is_out_of_range) {
  expect_error(vreal(1e300), "valid_from is out of range", "1e300");
  expect_error(vreal(-1e300), "valid_from is out of range", "-1e300");
  expect_error(vreal((double)PAT_TIME_MAX + 1.0), "valid_from is out of range", "MAX + 1.0");
  expect_error(vreal((double)PAT_TIME_MIN - 0.5), "valid_from is out of range", "MIN - 0.5");
  expect_error(vreal(1e19), "valid_from is out of range", "1e19");
  expect_error(vreal(-1e19), "valid_from is out of range", "-1e19");
  expect_error(vreal(HUGE_VAL), "valid_from is out of range", "+inf");
  expect_error(vreal(-HUGE_VAL), "valid_from is out of range", "-inf");
}
END_TEST

/* ------------------------------------------------------------------ TEXT */

START_TEST(text_date_2026_11_27_is_1795737600) {
  expect_time(vtext("2026-11-27"), 1795737600, "2026-11-27");
}
END_TEST

START_TEST(text_with_time_space_or_T_and_Z_is_read_as_utc) {
  expect_time(vtext("2026-11-27 12:00:00"), 1795737600 + 43200, "space");
  expect_time(vtext("2026-11-27T12:00:00Z"), 1795737600 + 43200, "T...Z");
  expect_time(vtext("2026-11-27T12:00:00+02:00"), 1795737600 + 36000, "+02:00");
}
END_TEST

START_TEST(text_number_is_a_julian_day_not_unix_seconds) {
  expect_time(vtext("2440587.5"), 0, "Julian day of 1970-01-01");
  int64_t got = 0;
  pat_err e = {0};
  sqlite3_value *v = vtext("1795737600");
  ck_assert_int_eq(time_arg(v, &got, &e), -1);
  sqlite3_value_free(v);
}
END_TEST

START_TEST(text_julian_day_0_is_before_year_0_so_out_of_range) {
  expect_error(vtext("0"), "valid_from is out of range", "Julian day 0 (4714 BC)");
}
END_TEST

START_TEST(text_is_read_exactly_as_sqlite_unixepoch_reads_it) {
  static const char *const cases[] = {
      "2026-11-27",        "2026-11-27 12:00",         "2026-11-27 12:00:00.999",
      "2026-11-27T23:59:59", "1969-12-31 23:59:59.5", "2026-02-30",
      "12:00",             "0000-01-01",               "9999-12-31 23:59:59",
      " 2026-11-27",       "2026-11-27 ",              "2026-11-27 +1 day",
      "10000-01-01",       "2026-13-01",               "2026-11-27T12:00:00-05:30",
      "2460641.5",         "1970-01-01 00:00:00"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t want = 0, got = INT64_MIN;
    int sqlite_ok = sqlite_unixepoch(cases[i], &want);
    pat_err e = {0};
    sqlite3_value *v = vtext(cases[i]);
    int rc = time_arg(v, &got, &e);
    sqlite3_value_free(v);
    if (sqlite_ok) {
      ck_assert_msg(rc == 0 && got == want, "'%s': rc %d got %lld, unixepoch %lld (%s)",
                    cases[i], rc, (long long)got, (long long)want, e.msg);
    } else {
      ck_assert_msg(rc == -1, "'%s': unixepoch is NULL but rc %d got %lld", cases[i],
                    rc, (long long)got);
      ck_assert_msg(strstr(e.msg, "not a time") != NULL, "'%s': err '%s'", cases[i], e.msg);
    }
  }
}
END_TEST

START_TEST(text_now_in_any_case_is_the_current_time) {
  static const char *const nows[] = {"now", "NOW", "Now"};
  for (size_t i = 0; i < 3; i++) {
    int64_t got = 0;
    pat_err e = {0};
    sqlite3_value *v = vtext(nows[i]);
    time_t before = time(NULL);
    ck_assert_int_eq(time_arg(v, &got, &e), 0);
    time_t after = time(NULL);
    sqlite3_value_free(v);
    ck_assert_msg(got >= (int64_t)before - 2 && got <= (int64_t)after + 2,
                  "'%s' gave %lld, clock %lld", nows[i], (long long)got,
                  (long long)before);
  }
}
END_TEST

START_TEST(text_garbage_is_not_a_time_and_the_error_quotes_it) {
  expect_error(vtext("garbage"), "valid_from is not a time: 'garbage'", "garbage");
  expect_error(vtext(""), "not a time", "empty text");
  expect_error(vtext("2026-11-27x"), "not a time", "trailing x");
}
END_TEST

START_TEST(text_error_for_a_long_value_fits_the_buffer_and_stays_terminated) {
  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  pat_err e;
  memset(&e, 0x5A, sizeof e);
  int64_t got = 0;
  sqlite3_value *v = vtext(big);
  ck_assert_int_eq(time_arg(v, &got, &e), -1);
  sqlite3_value_free(v);
  ck_assert_uint_lt(strnlen(e.msg, sizeof e.msg), sizeof e.msg);
  ck_assert_ptr_nonnull(strstr(e.msg, "not a time"));
}
END_TEST

/* 1 when s is well-formed UTF-8 (shortest forms, no surrogates). */
static int utf8_valid(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > n) return 0;
    for (size_t k = 1; k < len; k++)
      if ((s[i + k] & 0xC0) != 0x80) return 0;
    if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0)))
      return 0;
    if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90)))
      return 0;
    i += len;
  }
  return 1;
}

/* The message becomes an SQL error, which SQLite and its drivers read as
** UTF-8 (Python's sqlite3 decodes it strictly): shortening a quoted value
** must not cut a character in two. */
START_TEST(error_quoting_a_long_value_never_cuts_a_utf8_character) {
  static const char *const starts[] = {"", "a", "ab", "abc"};
  static const char *const chars[] = {"\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x94\x91"};
  for (size_t k = 0; k < 4; k++) {
    for (size_t c = 0; c < 3; c++) {
      const char *ch = chars[c];
      char text[400];
      size_t n = strlen(starts[k]);
      memcpy(text, starts[k], n);
      while (n + strlen(ch) < 300) {
        memcpy(text + n, ch, strlen(ch));
        n += strlen(ch);
      }
      text[n] = '\0';
      int64_t got = 0;
      pat_err e = {0};
      sqlite3_value *v = vtext(text);
      ck_assert_int_eq(time_arg(v, &got, &e), -1);
      sqlite3_value_free(v);
      ck_assert_msg(utf8_valid((const unsigned char *)e.msg, strlen(e.msg)),
                    "'%s' + %zu-byte characters: err is not UTF-8: %s", starts[k],
                    strlen(ch), e.msg);
    }
  }
}
END_TEST

/* ------------------------------------------------------------ NULL, BLOB */

START_TEST(null_returns_1_so_the_caller_default_applies) {
  int64_t got = 12345;
  pat_err e = {0};
  sqlite3_value *v = make_value(V_NULL, 0, 0, NULL, 0);
  ck_assert_int_eq(time_arg(v, &got, &e), 1);
  sqlite3_value_free(v);
}
END_TEST

START_TEST(blob_is_an_error_that_asks_for_unix_seconds_or_text) {
  expect_error(make_value(V_BLOB, 0, 0, "2026-11-27", 10),
               "valid_from must be a time: unix seconds or text", "blob");
  expect_error(make_value(V_BLOB, 0, 0, "", 0), "must be a time", "empty blob");
}
END_TEST

START_TEST(error_names_the_argument_given_as_what) {
  int64_t got = 0;
  pat_err e = {0};
  sqlite3_value *v = vint(PAT_TIME_MAX + 1);
  ck_assert_int_eq(pat_time_arg(parser, v, "at", &got, &e), -1);
  ck_assert_str_eq(e.msg, "at is out of range");
  sqlite3_value_free(v);
  v = vtext("x");
  ck_assert_int_eq(pat_time_arg(parser, v, "valid_to", &got, &e), -1);
  ck_assert_str_eq(e.msg, "valid_to is not a time: 'x'");
  sqlite3_value_free(v);
}
END_TEST

START_TEST(time_arg_leaves_no_statement_running_on_the_scratch_connection) {
  int64_t got = 0;
  pat_err e = {0};
  sqlite3_value *v = vtext("2026-11-27");
  ck_assert_int_eq(time_arg(v, &got, &e), 0);
  sqlite3_value_free(v);
  v = vtext("garbage");
  ck_assert_int_eq(time_arg(v, &got, &e), -1);
  sqlite3_value_free(v);
  for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
    ck_assert_msg(!sqlite3_stmt_busy(st), "statement left running: %s", sqlite3_sql(st));
}
END_TEST

/* ---------------------------------------------------------------- pat_now */

START_TEST(now_is_within_2_seconds_of_the_system_clock) {
  time_t before = time(NULL);
  int64_t now = pat_now(db);
  time_t after = time(NULL);
  ck_assert_int_ge(now, (int64_t)before - 2);
  ck_assert_int_le(now, (int64_t)after + 2);
}
END_TEST

START_TEST(now_agrees_with_sqlite_unixepoch_now) {
  int64_t sq = 0;
  ck_assert(sqlite_unixepoch("now", &sq));
  int64_t now = pat_now(db);
  ck_assert_int_ge(now, sq);
  ck_assert_int_le(now, sq + 2);
}
END_TEST

Suite *times_suite(void) {
  Suite *s = suite_create("times");
  TCase *tc = tcase_create("integer_real");
  tcase_add_checked_fixture(tc, open_db, close_db);
  tcase_add_test(tc, integer_is_taken_as_unix_seconds_unchanged);
  tcase_add_test(tc, integer_at_the_range_ends_0000_01_01_and_9999_12_31_is_accepted);
  tcase_add_test(tc, integer_one_second_outside_the_range_is_out_of_range);
  tcase_add_test(tc, real_is_rounded_down_to_whole_seconds);
  tcase_add_test(tc, real_just_below_the_end_of_range_rounds_down_into_it);
  tcase_add_test(tc, real_outside_the_range_or_infinite_is_out_of_range);
  suite_add_tcase(s, tc);

  tc = tcase_create("text");
  tcase_add_checked_fixture(tc, open_db, close_db);
  tcase_add_test(tc, text_date_2026_11_27_is_1795737600);
  tcase_add_test(tc, text_with_time_space_or_T_and_Z_is_read_as_utc);
  tcase_add_test(tc, text_number_is_a_julian_day_not_unix_seconds);
  tcase_add_test(tc, text_julian_day_0_is_before_year_0_so_out_of_range);
  tcase_add_test(tc, text_is_read_exactly_as_sqlite_unixepoch_reads_it);
  tcase_add_test(tc, text_now_in_any_case_is_the_current_time);
  tcase_add_test(tc, text_garbage_is_not_a_time_and_the_error_quotes_it);
  tcase_add_test(tc, text_error_for_a_long_value_fits_the_buffer_and_stays_terminated);
  tcase_add_test(tc, error_quoting_a_long_value_never_cuts_a_utf8_character);
  suite_add_tcase(s, tc);

  tc = tcase_create("null_blob");
  tcase_add_checked_fixture(tc, open_db, close_db);
  tcase_add_test(tc, null_returns_1_so_the_caller_default_applies);
  tcase_add_test(tc, blob_is_an_error_that_asks_for_unix_seconds_or_text);
  tcase_add_test(tc, error_names_the_argument_given_as_what);
  tcase_add_test(tc, time_arg_leaves_no_statement_running_on_the_scratch_connection);
  suite_add_tcase(s, tc);

  tc = tcase_create("now");
  tcase_add_checked_fixture(tc, open_db, close_db);
  tcase_add_test(tc, now_is_within_2_seconds_of_the_system_clock);
  tcase_add_test(tc, now_agrees_with_sqlite_unixepoch_now);
  suite_add_tcase(s, tc);
  return s;
}
