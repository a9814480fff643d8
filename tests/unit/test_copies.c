/*
** test_copies.c: no copy of a new token is left in freed memory (issue 13,
** finding 6; tests/fault/copies.c and FINDINGS.md F9 hold the same check
** in make test-faults, which the mutation run does not reach).
**
** pat_create and pat_rotate hand the new token to SQLite in a buffer that
** pat_wipe_free zeroes before it frees it. No other block that SQLite frees
** may still hold the token: it would go back to the allocator with the
** secret in it. A result given with an explicit length is one way to get
** there: SQLite can not know the buffer ends in a NUL, so
** sqlite3_column_text makes a NUL-terminated copy, which it frees unwiped.
**
** Each test puts an allocator wrapper under SQLite (SQLITE_CONFIG_MALLOC,
** the system allocator underneath, so ASan and valgrind still see every
** block) that, while watching, copies aside every block freed or moved by
** realloc that holds a run of 32 base62 characters. It mints a token, reads
** it as the application would, copies it out, finalizes and closes; then no
** kept block may hold the token's 32-character random part. pat's own
** buffer is zeroed before it is freed, so it never counts.
**
** Two control functions return a token-shaped value through a wiping
** destructor as pat does: with length -1 (no copy may be left) and with an
** explicit length (a copy must be seen: else this SQLite makes none, and
** the tests could not catch the bug they stand for).
**
** The allocator is swapped between sqlite3_shutdown and sqlite3_initialize,
** and put back after each test (the tests also run without fork).
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pat.h"
#include "suites.h"

#define RANDOM_LEN 32
#define CHECKSUM_LEN 6

/* ------------------------------------------------- the watching allocator */

typedef struct kept {
  struct kept *next;
  size_t n;
  unsigned char data[];
} kept;

static sqlite3_mem_methods orig;
static int have_orig, watching;
static kept *kept_list;

static int base62(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Copies the block aside when it holds RANDOM_LEN base62 characters in a
** row (plain malloc: not through SQLite). */
static void keep_block(void *p) {
  int n = orig.xSize(p);
  const unsigned char *b = p;
  int run = 0;
  for (int i = 0; i < n; i++) {
    run = base62(b[i]) ? run + 1 : 0;
    if (run >= RANDOM_LEN) {
      kept *k = malloc(sizeof *k + (size_t)n);
      if (k == NULL) abort();
      k->n = (size_t)n;
      memcpy(k->data, b, (size_t)n);
      k->next = kept_list;
      kept_list = k;
      return;
    }
  }
}

/* Blocks are handed out zeroed, and a block that realloc grows has its new
** bytes zeroed: a kept block is then read whole without reading bytes
** nobody wrote (valgrind would see the search depend on them). */
static void *w_malloc(int n) {
  void *p = orig.xMalloc(n);
  if (p != NULL) memset(p, 0, (size_t)orig.xSize(p));
  return p;
}

static void w_free(void *p) {
  if (p != NULL && watching) keep_block(p);
  orig.xFree(p);
}

static void *w_realloc(void *p, int n) {
  /* The old block may be given back with its bytes as they are. */
  if (p != NULL && watching) keep_block(p);
  int had = p != NULL ? orig.xSize(p) : 0;
  unsigned char *q = orig.xRealloc(p, n);
  if (q != NULL && orig.xSize(q) > had) memset(q + had, 0, (size_t)(orig.xSize(q) - had));
  return q;
}

static int w_size(void *p) { return orig.xSize(p); }
static int w_roundup(int n) { return orig.xRoundup(n); }
static int w_init(void *x) { return orig.xInit(x); }
static void w_shutdown(void *x) { orig.xShutdown(x); }

/* How many kept blocks hold `needle`; forgets them all. */
static int kept_holding(const char *needle, size_t n) {
  int found = 0;
  while (kept_list != NULL) {
    kept *k = kept_list;
    kept_list = k->next;
    for (size_t i = 0; n > 0 && i + n <= k->n; i++) {
      if (memcmp(k->data + i, needle, n) == 0) {
        found++;
        break;
      }
    }
    free(k);
  }
  return found;
}

static void install(void) {
  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  if (!have_orig) {
    ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig), SQLITE_OK);
    have_orig = 1;
  }
  sqlite3_mem_methods m = {w_malloc, w_free,    w_realloc,  w_size,
                           w_roundup, w_init, w_shutdown, orig.pAppData};
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
}

static void uninstall(void) {
  watching = 0;
  kept_holding("", 0);
  sqlite3_shutdown();
  if (have_orig) sqlite3_config(SQLITE_CONFIG_MALLOC, &orig);
  sqlite3_initialize();
}

/* ------------------------------------------------------------ the cases */

static void wipe_free(void *p) {
  if (p == NULL) return;
  volatile unsigned char *b = p;
  for (int i = 0; i < 64; i++) b[i] = 0;
  sqlite3_free(p);
}

/* A token-shaped value ("ctl_", 32 base62 characters, 6 more) in a 64-byte
** buffer, with length -1 or, when the user data says so, its length. */
static void control(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  unsigned char r[RANDOM_LEN + CHECKSUM_LEN];
  (void)argc;
  (void)argv;
  char *buf = sqlite3_malloc(64);
  if (buf == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memset(buf, 0, 64);
  sqlite3_randomness(sizeof r, r);
  memcpy(buf, "ctl_", 4);
  for (size_t i = 0; i < sizeof r; i++) buf[4 + i] = b62[r[i] % 62];
  int explicit_len = sqlite3_user_data(ctx) != NULL;
  sqlite3_result_text(ctx, buf, explicit_len ? (int)strlen(buf) : -1, wipe_free);
}

/* Runs `setup` (unwatched), then `sql`, reading its one value as text or as
** a blob and copying it out, then finalizes and closes, all watched.
** Returns how many freed blocks held the value's random part. */
static int copies_left(const char *setup, const char *sql, int as_text) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *err = NULL;
  char token[128];
  static int with_len = 1;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  /* Every block through the allocator (Debian's SQLite has no lookaside). */
  ck_assert_int_eq(sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0), SQLITE_OK);
  ck_assert_int_eq(sqlite3_pat_init(db, &err, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_create_function(db, "ctl_with_len", 0, SQLITE_UTF8, &with_len,
                                           control, NULL, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_create_function(db, "ctl_without_len", 0, SQLITE_UTF8, NULL,
                                           control, NULL, NULL),
                   SQLITE_OK);
  if (setup != NULL) ck_assert_int_eq(sqlite3_exec(db, setup, NULL, NULL, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);

  kept_holding("", 0); /* forget what was kept before */
  watching = 1;
  size_t n = 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const void *v = as_text ? (const void *)sqlite3_column_text(st, 0)
                            : sqlite3_column_blob(st, 0);
    n = v != NULL ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    if (n >= RANDOM_LEN + CHECKSUM_LEN && n < sizeof token) memcpy(token, v, n);
    else n = 0;
  }
  sqlite3_finalize(st);
  int closed = sqlite3_close(db);
  watching = 0;

  ck_assert_msg(rc == SQLITE_ROW && n > 0, "%s: no value came back (%d)", sql, rc);
  ck_assert_int_eq(closed, SQLITE_OK);
  int copies = kept_holding(token + n - CHECKSUM_LEN - RANDOM_LEN, RANDOM_LEN);
  memset(token, 0, sizeof token);
  return copies;
}

#define CREATE "SELECT pat_create('a', 'n', 'DATA_FETCH')"

START_TEST(test_pat_create_read_as_text_leaves_no_copy) {
  ck_assert_int_eq(copies_left(NULL, CREATE, 1), 0);
}
END_TEST

START_TEST(test_pat_create_read_as_blob_leaves_no_copy) {
  ck_assert_int_eq(copies_left(NULL, CREATE, 0), 0);
}
END_TEST

START_TEST(test_pat_rotate_read_as_text_leaves_no_copy) {
  ck_assert_int_eq(copies_left(CREATE, "SELECT pat_rotate(1)", 1), 0);
}
END_TEST

START_TEST(test_pat_rotate_read_as_blob_leaves_no_copy) {
  ck_assert_int_eq(copies_left(CREATE, "SELECT pat_rotate(1)", 0), 0);
}
END_TEST

START_TEST(test_control_result_without_length_leaves_no_copy) {
  ck_assert_int_eq(copies_left(NULL, "SELECT ctl_without_len()", 1), 0);
}
END_TEST

START_TEST(test_control_result_with_length_is_seen_copied) {
  ck_assert_msg(copies_left(NULL, "SELECT ctl_with_len()", 1) > 0,
                "no copy seen of a result given with an explicit length: this SQLite "
                "makes none, or the watch misses it (lookaside?); the other tests prove "
                "nothing");
}
END_TEST

Suite *copies_suite(void) {
  Suite *s = suite_create("copies");
  TCase *tc = tcase_create("copies");
  tcase_add_checked_fixture(tc, install, uninstall);
  tcase_add_test(tc, test_pat_create_read_as_text_leaves_no_copy);
  tcase_add_test(tc, test_pat_create_read_as_blob_leaves_no_copy);
  tcase_add_test(tc, test_pat_rotate_read_as_text_leaves_no_copy);
  tcase_add_test(tc, test_pat_rotate_read_as_blob_leaves_no_copy);
  tcase_add_test(tc, test_control_result_without_length_leaves_no_copy);
  tcase_add_test(tc, test_control_result_with_length_is_seen_copied);
  suite_add_tcase(s, tc);
  return s;
}
