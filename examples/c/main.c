/*
** examples/c/main.c: pat linked statically into a program that carries its
** own SQLite: register it once with sqlite3_auto_extension, and every
** connection the program opens has pat's functions and tables.
**
**   make static
**   cc -Iext examples/c/main.c dist/libpat.a -lsqlite3 -lsodium -lm -o mint
**   ./mint app.db alice DATA_FETCH
**
** Mints a token for an owner, then checks it the way a request handler does:
** pat_verify on the Authorization header, pat_has_right for the endpoint.
** Prints the token once; exits non-zero if anything fails.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pat.h"

/* One value of a one-row query with text parameters, copied into out. */
static int query(sqlite3 *db, const char *sql, const char **params, int n, char *out,
                 size_t outlen) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  for (int i = 0; rc == SQLITE_OK && i < n; i++)
    rc = sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(st, 0);
    snprintf(out, outlen, "%s", v ? (const char *)v : "NULL");
    rc = SQLITE_OK;
  } else {
    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? 0 : -1;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : ":memory:";
  const char *owner = argc > 2 ? argv[2] : "alice";
  const char *right = argc > 3 ? argv[3] : "DATA_FETCH";
  char token[128], header[160], id[32], held[8], other[8], version[32];
  sqlite3 *db = NULL;

  if (sqlite3_auto_extension((void (*)(void))sqlite3_pat_init) != SQLITE_OK ||
      sqlite3_open(path, &db) != SQLITE_OK) {
    fprintf(stderr, "can not open %s\n", path);
    return 1;
  }
  const char *create[] = {owner, "example token", right};
  int ok = query(db, "SELECT pat_version()", NULL, 0, version, sizeof version) == 0 &&
           query(db, "SELECT pat_create(?, ?, ?)", create, 3, token, sizeof token) == 0;
  if (ok) {
    snprintf(header, sizeof header, "Bearer %s", token);
    const char *check[] = {header, right};
    const char *check_other[] = {header, "USER_DELETE"};
    ok = query(db, "SELECT pat_verify(?)", check, 1, id, sizeof id) == 0 &&
         query(db, "SELECT pat_has_right(?, ?)", check, 2, held, sizeof held) == 0 &&
         query(db, "SELECT pat_has_right(?, ?)", check_other, 2, other, sizeof other) == 0;
  }
  if (ok) {
    printf("pat %s, linked statically\n", version);
    printf("token (shown once): %s\n", token);
    printf("pat_verify(header) = %s\n", id);
    printf("pat_has_right(header, '%s') = %s\n", right, held);
    printf("pat_has_right(header, 'USER_DELETE') = %s\n", other);
    ok = strcmp(id, "NULL") != 0 && strcmp(held, "1") == 0;
  }
  /* Wipe our copies of the plaintext before they go. */
  memset(token, 0, sizeof token);
  memset(header, 0, sizeof header);
  if (sqlite3_close(db) != SQLITE_OK) {
    fprintf(stderr, "close: %s\n", sqlite3_errmsg(db));
    ok = 0;
  }
  return ok ? 0 : 1;
}
