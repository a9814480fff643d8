/*
** suites.h: the Check suites of the unit tests, one per piece of ext/.
** main.c runs them all; each test_*.c builds one.
*/
#ifndef PAT_UNIT_SUITES_H
#define PAT_UNIT_SUITES_H

#include <check.h>

Suite *token_suite(void);
Suite *crypto_suite(void);
Suite *times_suite(void);
Suite *rights_suite(void);
Suite *store_suite(void);
Suite *secrets_suite(void);
Suite *copies_suite(void);
Suite *settings_suite(void);
Suite *bookkeeping_suite(void);

#endif
