/*
** integer.c: the one reader of an integer argument or value, as every
** function and table of pat takes it: an INTEGER; a REAL that holds a whole
** number exactly (some drivers, better-sqlite3 among them, send every
** number as a REAL); or a TEXT that reads as an integer ('7'), as SQLite
** would compare it.
*/
#include "values.h"

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
    case SQLITE_TEXT:
      /* Text that reads as an integer ('7'), as SQLite would compare it. */
      if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
        *out = sqlite3_value_int64(v);
        return 1;
      }
      return 0;
    default:
      return 0;
  }
}
