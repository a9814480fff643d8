/*
** times.c: time arguments and the clock.
**
** An INTEGER or REAL is unix seconds; a TEXT is read by SQLite's own date
** parser (unixepoch(?)), so pat accepts exactly what the date functions do,
** quirks included ('2026-02-30' is 2026-03-02; a number in TEXT is a Julian
** day). Times are whole seconds: REAL is rounded down.
*/
#include "values.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

static int range_ok(int64_t t) { return t >= PAT_TIME_MIN && t <= PAT_TIME_MAX; }

/* Shows at most 40 bytes of a bad value, printable ASCII only, so a pasted
** secret or a 1 MiB string does not end up whole in an error message, and
** the message stays valid UTF-8 whatever the value held. */
static void quote_value(pat_err *e, const char *what,
                        const unsigned char *s, int n) {
  char shown[41];
  const char *tok;
  size_t tok_len;
  /* A token passed in the wrong place must not end up in a log. */
  if (pat_token_parse((const char *)s, (size_t)n, &tok, &tok_len) == 0) {
    pat_fail(e, "%s is not a time: (a token)", what);
    return;
  }
  size_t k = pat_quote(shown, sizeof shown, (const char *)s, (size_t)n, 40);
  pat_fail(e, "%s is not a time: '%s%s'", what, shown, k < (size_t)n ? "..." : "");
}

static int parse_text(sqlite3_stmt *st, sqlite3_value *v, int64_t *out) {
  int rc = st != NULL ? sqlite3_bind_value(st, 1, v) : SQLITE_MISUSE;
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  int ok = -1;
  if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
    *out = sqlite3_column_int64(st, 0);
    ok = 0;
  }
  if (st != NULL) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  return ok;
}

int pat_time_arg(sqlite3_stmt *parser, sqlite3_value *v, const char *what,
                 int64_t *out, pat_err *e) {
  e->msg[0] = '\0';
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return 1;
    case SQLITE_INTEGER:
      *out = sqlite3_value_int64(v);
      break;
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      if (!isfinite(d) || d < (double)PAT_TIME_MIN || d > (double)PAT_TIME_MAX + 1) {
        pat_fail(e, "%s is out of range", what);
        return -1;
      }
      *out = (int64_t)floor(d);
      break;
    }
    case SQLITE_TEXT: {
      const unsigned char *s = sqlite3_value_text(v);
      int n = sqlite3_value_bytes(v);
      if (s == NULL || parse_text(parser, v, out) != 0) {
        quote_value(e, what, s ? s : (const unsigned char *)"", s ? n : 0);
        return -1;
      }
      break;
    }
    default:
      pat_fail(e, "%s must be a time: unix seconds or text", what);
      return -1;
  }
  if (!range_ok(*out)) {
    pat_fail(e, "%s is out of range", what);
    return -1;
  }
  return 0;
}

int64_t pat_now_ms_vfs(sqlite3_vfs *vfs) {
  if (vfs == NULL) vfs = sqlite3_vfs_find(NULL);
  sqlite3_int64 ms = 0;
  if (vfs != NULL && vfs->iVersion >= 2 && vfs->xCurrentTimeInt64 != NULL &&
      vfs->xCurrentTimeInt64(vfs, &ms) == SQLITE_OK)
    return (int64_t)(ms - 210866760000000LL);
  return (int64_t)time(NULL) * 1000;
}

int64_t pat_now_vfs(sqlite3_vfs *vfs) {
  /* The VFS clock is the one behind SQLite's 'now', so pat and the date
  ** functions agree, and a test VFS that moves the clock moves pat's too. */
  if (vfs == NULL) vfs = sqlite3_vfs_find(NULL);
  if (vfs != NULL && vfs->iVersion >= 2 && vfs->xCurrentTimeInt64 != NULL) {
    sqlite3_int64 ms = 0;
    if (vfs->xCurrentTimeInt64(vfs, &ms) == SQLITE_OK)
      return (int64_t)(ms / 1000 - 210866760000LL);
  }
  return (int64_t)time(NULL);
}

int64_t pat_now(sqlite3 *db) {
  sqlite3_vfs *vfs = NULL;
  if (db != NULL &&
      sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK)
    vfs = NULL;
  return pat_now_vfs(vfs);
}
