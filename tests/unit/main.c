/*
** main.c: runs every unit suite (token, crypto, times, rights, store, secrets,
** copies) and exits non-zero when any check fails, so `make unit` and CI can
** rely on it.
**   make unit            build dist/unit_tests and run it
**   CK_FORK=no ./dist/unit_tests   run in one process (for a debugger)
*/
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
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
