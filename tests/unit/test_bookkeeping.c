/*
** test_bookkeeping.c: what a connection records of its checks, on a clock
** the test sets. pat reads the time from main's VFS (times.c), so a VFS
** whose xCurrentTimeInt64 answers the test's clock moves pat's "now" and
** SQLite's alike; an in-memory database keeps the bookkeeping on the
** application's connection, written when pat_tokens is read.
**
** What it pins down, exactly and without sleeping: a connection records the
** first use of each token in each last_used_interval (a use exactly one
** interval after the recorded one is recorded, one a second sooner is not),
** whatever the store says, and forgets nothing of it across its writes; a
** token given a new valid_from keeps its uses and is recorded anew;
** pat_store_uses is folded into the rows once it outgrows the store, and
** pat_tokens shows the same last use before and after the fold.
*/
#include <stdio.h>
#include <string.h>

#include "pat.h"
#include "suites.h"

static sqlite3_vfs clock_vfs;
static sqlite3_int64 clock_s; /* unix seconds */

static int clock_now(sqlite3_vfs *vfs, sqlite3_int64 *ms) {
  (void)vfs;
  *ms = (clock_s + 210866760000LL) * 1000;
  return SQLITE_OK;
}

static sqlite3 *open_clocked(void) {
  if (clock_vfs.zName == NULL) {
    clock_vfs = *sqlite3_vfs_find(NULL);
    clock_vfs.zName = "clock";
    clock_vfs.xCurrentTimeInt64 = clock_now;
    ck_assert_int_eq(sqlite3_vfs_register(&clock_vfs, 0), SQLITE_OK);
  }
  sqlite3 *db = NULL;
  char *err = NULL;
  ck_assert_int_eq(sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   "clock"),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_pat_init(db, &err, NULL), SQLITE_OK);
  return db;
}

static sqlite3_int64 one_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                sqlite3_errmsg(db));
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  sqlite3_int64 v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* A token made at the clock's time; its text in tok. */
static void make_token(sqlite3 *db, char *tok, size_t n) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT pat_create('alice', 'ci', 'DATA_FETCH')",
                                      -1, &st, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  snprintf(tok, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

/* A check without `at` at the clock's time, which must pass. */
static void use(sqlite3 *db, const char *tok) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT pat_verify(?1)", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, tok, -1, SQLITE_STATIC);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_type(st, 0), SQLITE_INTEGER);
  sqlite3_finalize(st);
}

/* Items the connection holds, from pat_debug()'s "bookkeeping held N". */
static int held(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT pat_debug()", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  const char *text = (const char *)sqlite3_column_text(st, 0);
  const char *at = text ? strstr(text, "bookkeeping held ") : NULL;
  ck_assert_ptr_nonnull(at);
  int n = -1;
  ck_assert_int_eq(sscanf(at, "bookkeeping held %d", &n), 1);
  sqlite3_finalize(st);
  return n;
}

/* pat_tokens' last_used_at of the only token, as unix seconds (a read of
** pat_tokens also writes what the connection holds: in memory, at once). */
static sqlite3_int64 shown(sqlite3 *db) {
  return one_int(db, "SELECT coalesce(unixepoch(last_used_at), -1) FROM pat_tokens");
}

static const sqlite3_int64 T0 = 1800000000;

static sqlite3 *setup(char *tok, size_t n) {
  clock_s = T0;
  sqlite3 *db = open_clocked();
  exec_ok(db, "SELECT pat_create('setup', 'x', 'DATA_FETCH')");
  exec_ok(db, "DELETE FROM pat_tokens;"
              " UPDATE pat_settings SET value = 100 WHERE key = 'last_used_interval';"
              " UPDATE pat_settings SET value = 60000 WHERE key = 'bookkeeping_delay';");
  make_token(db, tok, n);
  return db;
}

START_TEST(the_first_use_of_each_interval_is_recorded_and_no_other) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  clock_s = T0 + 99;
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  ck_assert_int_eq(shown(db), T0);
  ck_assert_int_eq(held(db), 0);
  /* Written, and remembered: a second before the interval passes, nothing. */
  use(db, tok);
  ck_assert_int_eq(held(db), 0);
  /* The interval exactly. */
  clock_s = T0 + 100;
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  ck_assert_int_eq(shown(db), T0 + 100);
  /* One second past it. */
  clock_s = T0 + 201;
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  ck_assert_int_eq(shown(db), T0 + 201);
  ck_assert_int_eq(one_int(db, "SELECT count(*) FROM pat_store_uses"), 3);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

/* Under audit `all` each check holds its event; its use only when it is
** the first of its interval. */
START_TEST(under_audit_all_a_check_within_the_interval_holds_its_event_alone) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  exec_ok(db, "UPDATE pat_settings SET value = 'all' WHERE key = 'audit'");
  use(db, tok);
  ck_assert_int_eq(held(db), 2);
  ck_assert_int_eq(shown(db), T0);
  clock_s = T0 + 99;
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  clock_s = T0 + 100;
  use(db, tok);
  ck_assert_int_eq(held(db), 3);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

/* The connection's memory decides, not the row: an older last use written
** into the row directly does not make a use within the interval count. */
START_TEST(the_connection_remembers_what_it_recorded_whatever_the_row_says) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  use(db, tok);
  ck_assert_int_eq(shown(db), T0);
  exec_ok(db, "UPDATE pat_store_tokens SET last_used_at = 5");
  clock_s = T0 + 50;
  use(db, tok);
  ck_assert_int_eq(held(db), 0);
  ck_assert_int_eq(shown(db), T0);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

/* A new valid_from (an UPDATE, a rotation) keeps the uses recorded under
** the old one (the store folds them into the row), and the connection
** records the next use anew. */
START_TEST(a_token_given_a_new_valid_from_keeps_its_uses_and_is_recorded_anew) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  use(db, tok);
  ck_assert_int_eq(shown(db), T0);
  /* An older last use folded into the row before: the later one wins. */
  exec_ok(db, "UPDATE pat_store_tokens SET last_used_at = 1799999950");
  clock_s = T0 + 10;
  exec_ok(db, "UPDATE pat_tokens SET valid_from = datetime(1799999000, 'unixepoch')");
  ck_assert_int_eq(shown(db), T0);
  ck_assert_int_eq(one_int(db, "SELECT last_used_at FROM pat_store_tokens"), T0);
  ck_assert_int_eq(one_int(db, "SELECT count(*) FROM pat_store_uses"), 0);
  use(db, tok);
  ck_assert_int_eq(held(db), 1);
  ck_assert_int_eq(shown(db), T0 + 10);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(a_rotation_keeps_the_uses_of_the_old_value) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  use(db, tok);
  ck_assert_int_eq(shown(db), T0);
  clock_s = T0 + 30;
  exec_ok(db, "SELECT pat_rotate(id) FROM pat_tokens");
  ck_assert_int_eq(shown(db), T0);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

/* With an interval of 0 every second's use is recorded, and with a delay of
** 0 written at once: each time past 10,000 of them
** (PAT_USES_MIN, above this small store's pages) the writes fold them into
** the row, and pat_tokens shows the latest use throughout. */
START_TEST(uses_past_the_bound_are_folded_into_the_row_and_show_the_same) {
  char tok[128];
  sqlite3 *db = setup(tok, sizeof tok);
  exec_ok(db, "UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval';"
              " UPDATE pat_settings SET value = 0 WHERE key = 'bookkeeping_delay'");
  int folds = 0;
  sqlite3_int64 row_before = -1;
  for (int i = 0; i < 25000; i++) {
    clock_s = T0 + 1 + i;
    use(db, tok);
    if (i % 997 == 0) {
      ck_assert_int_eq(shown(db), clock_s);
      sqlite3_int64 row = one_int(db, "SELECT coalesce(last_used_at, -1) FROM pat_store_tokens");
      folds += row != row_before;
      row_before = row;
    }
  }
  ck_assert_int_eq(shown(db), T0 + 25000);
  /* The first fold sets a row's last_used_at, a later one moves it on. */
  ck_assert_msg(folds >= 2, "%d folds in 25,000 uses", folds);
  ck_assert_int_le(one_int(db, "SELECT count(*) FROM pat_store_uses"), 12000);
  ck_assert_int_ge(one_int(db, "SELECT last_used_at FROM pat_store_tokens"), T0 + 20000);
  /* The count the folds go by is the table's (nothing was replaced). */
  ck_assert_int_eq(one_int(db, "SELECT value FROM pat_store_meta WHERE key = 'uses_count'"),
                   one_int(db, "SELECT count(*) FROM pat_store_uses"));
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

Suite *bookkeeping_suite(void) {
  Suite *s = suite_create("bookkeeping");
  TCase *tc = tcase_create("clock");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, the_first_use_of_each_interval_is_recorded_and_no_other);
  tcase_add_test(tc, the_connection_remembers_what_it_recorded_whatever_the_row_says);
  tcase_add_test(tc, under_audit_all_a_check_within_the_interval_holds_its_event_alone);
  tcase_add_test(tc, a_token_given_a_new_valid_from_keeps_its_uses_and_is_recorded_anew);
  tcase_add_test(tc, a_rotation_keeps_the_uses_of_the_old_value);
  tcase_add_test(tc, uses_past_the_bound_are_folded_into_the_row_and_show_the_same);
  suite_add_tcase(s, tc);
  return s;
}
