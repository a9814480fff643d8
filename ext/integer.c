/*
** integer.c: the one reader of an integer argument or value, as every
** function and table of pat takes it: an INTEGER; a REAL that holds a whole
** number exactly (some drivers, better-sqlite3 among them, send every
** number as a REAL); or a TEXT that reads as an integer ('7'), as SQLite
** would compare it.
*/
#include "values.h"

#include <string.h>

int pat_integral(sqlite3_value *v, int64_t *out) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      *out = sqlite3_value_int64(v);
      return 1;
    case SQLITE_FLOAT: {
      /* Some drivers (better-sqlite3) send every number as a REAL. */
      double d = sqlite3_value_double(v);
      if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d) {
        *out = (int64_t)d;
        return 1;
      }
      return 0;
    }
    case SQLITE_TEXT: {
      /* Text that reads as an integer ('7'), as SQLite would compare it;
      ** all of it: SQLite 3.40 reads '7' then a NUL as text, newer ones as
      ** 7 (its bytes, not its C string, are the value). */
      const void *text = sqlite3_value_blob(v);
      if (text != NULL && memchr(text, 0, (size_t)sqlite3_value_bytes(v)) != NULL) return 0;
      if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
        *out = sqlite3_value_int64(v);
        return 1;
      }
      return 0;
    }
    default:
      return 0;
  }
}
