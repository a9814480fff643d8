/*
** result.c: how a pat function answers an error: "fn: message", with
** anything that could be a token masked, and SQLite's code for a failure
** that rolled back the caller's transaction. Every function's error passes
** here (the one place base.h's pat_err becomes a function's answer).
*/
#include "functions.h"

#include <stdarg.h>
#include <stdio.h>

void pat_error(sqlite3_context *ctx, const char *fn, const pat_err *e) {
  char msg[PAT_ERRMAX];
  snprintf(msg, sizeof msg, "%s", e->msg);
  /* A value quoted back may hold a token. */
  pat_mask_secrets(msg);
  char *full = sqlite3_mprintf("%s: %s", fn, msg);
  if (full == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_error(ctx, full, -1);
  sqlite3_free(full);
  /* A full disk, an I/O error or no memory under the call reaches the
  ** application as that code: SQLite may have rolled back its transaction
  ** for it, and the application must know which. */
  pat_conn *c = sqlite3_user_data(ctx);
  if (c != NULL && c->fail_code != SQLITE_OK) sqlite3_result_error_code(ctx, c->fail_code);
}

void pat_errorf(sqlite3_context *ctx, const char *fn, const char *fmt, ...) {
  pat_err e;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e.msg, sizeof e.msg, fmt, ap);
  va_end(ap);
  pat_error(ctx, fn, &e);
}
