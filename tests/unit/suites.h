/*
** suites.h: the Check suites of the unit tests, one per piece of ext/.
** main.c runs them all; each test_*.c builds one.
*/
#ifndef PAT_UNIT_SUITES_H
#define PAT_UNIT_SUITES_H

#include <check.h>
#include <sqlite3.h>

/* Runs sql on db; the test fails with SQLite's message when it fails. */
static inline void exec_ok(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "");
  sqlite3_free(err);
}

Suite *token_suite(void);
Suite *crypto_suite(void);
Suite *times_suite(void);
Suite *rights_suite(void);
Suite *store_suite(void);
Suite *secrets_suite(void);
Suite *copies_suite(void);
Suite *settings_suite(void);
Suite *bookkeeping_suite(void);
Suite *address_suite(void);

#endif
