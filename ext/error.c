/*
** error.c: the one way a helper of pat says what went wrong (base.h).
*/
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pat_fail(pat_err *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}

int pat_fail_more(pat_err *e, const char *fmt, ...) {
  size_t n = strnlen(e->msg, sizeof e->msg);
  if (n + 1 >= sizeof e->msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
  va_end(ap);
  return -1;
}

const char *pat_db_reason(sqlite3 *db, int rc) {
  if (db != NULL && rc != SQLITE_OK && sqlite3_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}
