/*
** copies.c: issue 13, finding 6. pat_create and pat_rotate hand the new
** token to SQLite in a buffer that pat_wipe_free zeroes before it frees it.
** No other block that SQLite frees may still hold the token: such a block
** goes back to the allocator with the secret in it (a later allocation, a
** core dump or a heap read can find it).
**
** Each case mints a token, reads it as the application would (as text with
** sqlite3_column_text, or as bytes with sqlite3_column_blob and
** sqlite3_column_bytes), copies it out, finalizes and closes, while the
** allocator (alloc.c) keeps aside every freed block that could hold a
** token. Then no kept block may hold the token's 32-character random part.
** pat's own wiping destructor zeroes its buffer first, so that buffer never
** counts.
**
** Two control functions registered here return a token-shaped value the way
** pat does (an explicit length) and the way that lets SQLite know the buffer
** ends in a NUL (length -1), through the same kind of wiping destructor:
** the second must leave no copy; the first shows whether this SQLite copies
** (printed, not judged).
*/
#include "fault.h"

#include <stdio.h>
#include <string.h>

#define RANDOM_LEN 32
#define CHECKSUM_LEN 6

static void wipe_free(void *p) {
  if (p == NULL) return;
  volatile unsigned char *b = p;
  for (int i = 0; i < 64; i++) b[i] = 0;
  sqlite3_free(p);
}

/* A token-shaped value: "ctl_", 32 random base62 characters, 6 more. */
static void control(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  (void)argc;
  (void)argv;
  char *buf = sqlite3_malloc(64);
  unsigned char r[RANDOM_LEN + CHECKSUM_LEN];
  if (buf == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(buf, 0, 64);
  sqlite3_randomness(sizeof r, r);
  memcpy(buf, "ctl_", 4);
  for (size_t i = 0; i < sizeof r; i++) buf[4 + i] = b62[r[i] % 62];
  int explicit_len = *(const int *)sqlite3_user_data(ctx);
  sqlite3_result_text(ctx, buf, explicit_len ? (int)strlen(buf) : -1, wipe_free);
}

static const int with_len = 1, without_len = 0;

typedef struct copy_case {
  const char *name;
  const char *setup; /* run first, outside the watch */
  const char *sql;
  int as_text;
  int judged; /* 0: a control shown for information */
} copy_case;

static const copy_case cases[] = {
    {"pat_create, read with sqlite3_column_text", NULL,
     "SELECT pat_create('alice', 'copies', 'DATA_FETCH')", 1, 1},
    {"pat_create, read with sqlite3_column_blob", NULL,
     "SELECT pat_create('alice', 'copies', 'DATA_FETCH')", 0, 1},
    {"pat_rotate, read with sqlite3_column_text",
     "SELECT pat_create('alice', 'copies', 'DATA_FETCH')", "SELECT pat_rotate(1)", 1, 1},
    {"pat_rotate, read with sqlite3_column_blob",
     "SELECT pat_create('alice', 'copies', 'DATA_FETCH')", "SELECT pat_rotate(1)", 0, 1},
    {"control: sqlite3_result_text(..., -1, wipe), read as text", NULL,
     "SELECT ctl_without_len()", 1, 1},
    {"control: sqlite3_result_text(..., len, wipe), read as text", NULL,
     "SELECT ctl_with_len()", 1, 0},
};

static int run_case(const copy_case *k, const char *dir, int *copies) {
  char path[600], token[128];
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int sizes[8];
  snprintf(path, sizeof path, "%s/copies.db", dir);
  remove(path);
  if (sqlite3_open(path, &db) != SQLITE_OK ||
      sqlite3_create_function(db, "ctl_with_len", 0, SQLITE_UTF8, (void *)(size_t)&with_len,
                              control, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function(db, "ctl_without_len", 0, SQLITE_UTF8,
                              (void *)(size_t)&without_len, control, NULL,
                              NULL) != SQLITE_OK ||
      (k->setup && sqlite3_exec(db, k->setup, NULL, NULL, NULL) != SQLITE_OK) ||
      sqlite3_prepare_v2(db, k->sql, -1, &st, NULL) != SQLITE_OK) {
    printf("  %s: can not run: %s\n", k->name, sqlite3_errmsg(db));
    sqlite3_close(db);
    return -1;
  }
  fa_freed_holding("", 0, NULL, 0); /* forget what was kept before */
  fa_keep_freed(1);
  size_t n = 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const void *v = k->as_text ? (const void *)sqlite3_column_text(st, 0)
                               : sqlite3_column_blob(st, 0);
    n = v ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    if (n >= RANDOM_LEN + CHECKSUM_LEN && n < sizeof token) memcpy(token, v, n);
    else n = 0;
  }
  sqlite3_finalize(st);
  int closed = sqlite3_close(db);
  fa_keep_freed(0);
  if (n == 0 || closed != SQLITE_OK) {
    fa_freed_holding("", 0, NULL, 0);
    printf("  %s: no token came back (%d)\n", k->name, rc);
    return -1;
  }
  const char *random_part = token + n - CHECKSUM_LEN - RANDOM_LEN;
  *copies = fa_freed_holding(random_part, RANDOM_LEN, sizes, 8);
  memset(token, 0, sizeof token);
  remove(path);
  if (*copies > 0) {
    printf("  %s: %d freed block(s) still held the token's random part (size", k->name,
           *copies);
    for (int i = 0; i < *copies && i < 8; i++) printf(" %d", sizes[i]);
    printf(")\n");
  } else {
    printf("  %s: no copy left in freed memory\n", k->name);
  }
  return 0;
}

int run_copies(const char *dir) {
  int failed = 0, judged = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int copies = 0;
    int rc = run_case(&cases[i], dir, &copies);
    if (!cases[i].judged) {
      printf("  (information: this SQLite %s a NUL-terminated copy of a result given with "
             "an explicit length)\n",
             rc == 0 && copies > 0 ? "makes" : "does not make");
      continue;
    }
    judged++;
    if (rc != 0 || copies > 0) {
      failed++;
      printf("FAIL faults-copies: %s\n", cases[i].name);
    }
  }
  printf("faults-copies: %d cases, %d failed\n", judged, failed);
  return failed ? 1 : 0;
}
