/*
** main.c: runs every unit suite (token, crypto, times, rights, store, secrets,
** copies, settings, bookkeeping) and exits non-zero when any check fails, so `make unit`
** and CI can rely on it.
**   make unit            build dist/unit_tests and run it
**   CK_FORK=no ./dist/unit_tests   run in one process (for a debugger)
**   CK_RUN_SUITE=store ./dist/unit_tests   one suite (CK_RUN_CASE: one case)
** Exit status: 0 when at least one check ran and none failed; 1 when a check
** failed; 5 when no check ran (a CK_RUN_SUITE or CK_RUN_CASE that names
** nothing), which would otherwise pass silently: Check itself exits as if
** every check of an empty run passed.
*/
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void) {
  SRunner *sr = srunner_create(token_suite());
  srunner_add_suite(sr, crypto_suite());
  srunner_add_suite(sr, times_suite());
  srunner_add_suite(sr, rights_suite());
  srunner_add_suite(sr, store_suite());
  srunner_add_suite(sr, secrets_suite());
  srunner_add_suite(sr, copies_suite());
  srunner_add_suite(sr, settings_suite());
  srunner_add_suite(sr, bookkeeping_suite());
  srunner_add_suite(sr, address_suite());
  srunner_run_all(sr, CK_NORMAL);
  int ran = srunner_ntests_run(sr);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  if (ran == 0) {
    const char *suite = getenv("CK_RUN_SUITE"), *tcase = getenv("CK_RUN_CASE");
    fprintf(stderr, "unit_tests: no check ran (CK_RUN_SUITE=%s, CK_RUN_CASE=%s)\n",
            suite ? suite : "(unset)", tcase ? tcase : "(unset)");
    return 5;
  }
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
