/*
** test_secrets.c: what pat does with secrets, on the real paths (pat_create,
** pat_rotate, pat_verify, pat_has_right through SQL on a real connection,
** and pat_token_make): it wipes every copy of a secret it makes, compares
** digests in constant time, and draws each random character uniformly.
**
** This binary links pat's objects statically, so the libsodium functions
** they call resolve to the definitions below before the shared library's:
** each records what it was given and then does the real work
** (crypto_generichash by crypto_generichash_blake2b, which is what
** libsodium's own crypto_generichash is; sodium_memzero by zeroing through a
** volatile pointer; crypto_verify_32 by a constant-time OR of differences;
** randombytes_buf by libsodium's own, found with dlsym, unless a test
** scripts the bytes).
** The tests then hold pat to:
**   - every 32-byte digest computed from a token's text is wiped, while it
**     still holds that digest, before the call that computed it returns,
**     whether the call succeeds or fails;
**   - a token's random pool is wiped while it still holds the bytes the
**     token's random part was drawn from;
**   - a check compares the stored digest with the token's through
**     crypto_verify_32;
**   - each character of a token's random part is the next random byte below
**     248 (4 x 62), modulo 62: every character equally likely.
*/
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pat.h"
#include "tables.h"
#include "suites.h"

/* ------------------------------------------------------- the recorders */

#define MAX_RECORDS 4096
#define KEPT 64 /* bytes of a wiped buffer kept as they were */

typedef struct wipe_rec {
  long seq;
  const unsigned char *p;
  size_t n;
  unsigned char before[KEPT];
} wipe_rec;

typedef struct hash_rec {
  long seq;
  const unsigned char *out;
  unsigned char digest[PAT_DIGEST_LEN];
  unsigned char in[PAT_TOKEN_MAX + 1];
  size_t inlen;
} hash_rec;

typedef struct verify_rec {
  unsigned char a[32], b[32];
} verify_rec;

static long seq;
static wipe_rec wipes[MAX_RECORDS];
static int nwipes, wipes_lost;
static hash_rec hashes[MAX_RECORDS];
static int nhashes, hashes_lost;
static verify_rec verifies[MAX_RECORDS];
static int nverifies;

static void records_clear(void) {
  nwipes = nhashes = nverifies = 0;
  wipes_lost = hashes_lost = 0;
}

void sodium_memzero(void *const pnt, const size_t len) {
  if (nwipes < MAX_RECORDS) {
    wipe_rec *w = &wipes[nwipes++];
    w->seq = ++seq;
    w->p = pnt;
    w->n = len;
    if (len > 0) memcpy(w->before, pnt, len < KEPT ? len : KEPT);
  } else {
    wipes_lost++;
  }
  volatile unsigned char *v = pnt;
  for (size_t i = 0; i < len; i++) v[i] = 0;
}

int crypto_generichash(unsigned char *out, size_t outlen, const unsigned char *in,
                       unsigned long long inlen, const unsigned char *key, size_t keylen) {
  int rc = crypto_generichash_blake2b(out, outlen, in, inlen, key, keylen);
  /* Only what could be a token's digest: 32 bytes of a token-sized text. */
  if (rc == 0 && outlen == PAT_DIGEST_LEN && inlen <= PAT_TOKEN_MAX) {
    if (nhashes < MAX_RECORDS) {
      hash_rec *h = &hashes[nhashes++];
      h->seq = ++seq;
      h->out = out;
      memcpy(h->digest, out, PAT_DIGEST_LEN);
      if (inlen > 0) memcpy(h->in, in, (size_t)inlen);
      h->inlen = (size_t)inlen;
    } else {
      hashes_lost++;
    }
  }
  return rc;
}

int crypto_verify_32(const unsigned char *x, const unsigned char *y) {
  volatile unsigned char d = 0;
  for (int i = 0; i < 32; i++) d |= (unsigned char)(x[i] ^ y[i]);
  if (nverifies < MAX_RECORDS) {
    memcpy(verifies[nverifies].a, x, 32);
    memcpy(verifies[nverifies].b, y, 32);
    nverifies++;
  }
  return d == 0 ? 0 : -1;
}

/* Scripted random bytes: while `script` is set, randombytes_buf hands out
** its bytes in order (and fails the test when they run out). */
static const unsigned char *script;
static size_t script_len, script_used;

void randombytes_buf(void *const buf, const size_t size) {
  if (script != NULL) {
    ck_assert_msg(script_used + size <= script_len, "the script of random bytes ran out");
    memcpy(buf, script + script_used, size);
    script_used += size;
    return;
  }
  static void (*real)(void *const, const size_t);
  if (real == NULL) *(void **)&real = dlsym(RTLD_NEXT, "randombytes_buf");
  ck_assert_msg(real != NULL, "libsodium's randombytes_buf not found");
  real(buf, size);
}

/* ------------------------------------------------------------- helpers */

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static char dbpath[64];

static void make_path(void) {
  snprintf(dbpath, sizeof dbpath, "/tmp/pat_wipes_%d.db", (int)getpid());
  unlink(dbpath);
}

static sqlite3 *open_with_pat(const char *path) {
  sqlite3 *db = NULL;
  char *err = NULL;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_pat_init(db, &err, NULL), SQLITE_OK);
  return db;
}

/* Runs a one-value query with one bound text (or none); returns its step
** code and the value as text in buf. */
static int query(sqlite3 *db, const char *sql, const char *arg, char *buf, size_t n) {
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (arg != NULL)
    ck_assert_int_eq(sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT), SQLITE_OK);
  int rc = sqlite3_step(st);
  buf[0] = '\0';
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
    snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  else if (rc != SQLITE_ROW)
    snprintf(buf, n, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc;
}

static void mint(sqlite3 *db, char *tok, size_t n) {
  ck_assert_int_eq(query(db, "SELECT pat_create('alice', 'ci', 'DATA_FETCH')", NULL, tok, n),
                   SQLITE_ROW);
  ck_assert_int_eq((int)strlen(tok), 42);
}

/* How many digests of `tok` were computed since the records were cleared;
** fails the test unless every one of them was wiped afterwards, while the
** buffer still held it. */
static int assert_digests_of_wiped(const char *tok) {
  size_t tn = strlen(tok);
  int computed = 0;
  ck_assert_int_eq(wipes_lost, 0);
  ck_assert_int_eq(hashes_lost, 0);
  for (int i = 0; i < nhashes; i++) {
    const hash_rec *h = &hashes[i];
    if (h->inlen != tn || memcmp(h->in, tok, tn) != 0) continue;
    computed++;
    int wiped = 0;
    for (int k = 0; k < nwipes && !wiped; k++) {
      const wipe_rec *w = &wipes[k];
      if (w->seq < h->seq || h->out < w->p || h->out + PAT_DIGEST_LEN > w->p + w->n)
        continue;
      size_t off = (size_t)(h->out - w->p);
      wiped = off + PAT_DIGEST_LEN <= KEPT &&
              memcmp(w->before + off, h->digest, PAT_DIGEST_LEN) == 0;
    }
    ck_assert_msg(wiped, "digest number %d of the token (at %p) was never wiped", computed,
                  (const void *)h->out);
  }
  return computed;
}

/* -------------------------------------------------------------- tests */

START_TEST(create_wipes_the_digest_of_the_token_it_made) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128];
  exec_ok(db, "SELECT pat_create('bob', 'first', 'DATA_FETCH')"); /* makes the store */
  records_clear();
  mint(db, tok, sizeof tok);
  ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(first_create_that_makes_the_store_wipes_the_digest) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128];
  records_clear();
  mint(db, tok, sizeof tok);
  ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(rotate_wipes_the_digest_of_the_new_value) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128], fresh[128];
  mint(db, tok, sizeof tok);
  records_clear();
  ck_assert_int_eq(query(db, "SELECT pat_rotate(1)", NULL, fresh, sizeof fresh), SQLITE_ROW);
  ck_assert_int_eq((int)strlen(fresh), 42);
  ck_assert_int_ge(assert_digests_of_wiped(fresh), 1);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(verify_wipes_the_digest_after_its_lookup) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128], out[256];
  mint(db, tok, sizeof tok);
  for (int round = 0; round < 2; round++) { /* first and cached statement */
    records_clear();
    ck_assert_int_eq(query(db, "SELECT pat_verify(?1)", tok, out, sizeof out), SQLITE_ROW);
    ck_assert_str_eq(out, "1");
    ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  }
  /* An audit question (explicit at) too. */
  records_clear();
  ck_assert_int_eq(query(db, "SELECT pat_verify(?1, unixepoch('now'))", tok, out, sizeof out),
                   SQLITE_ROW);
  ck_assert_str_eq(out, "1");
  ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(has_right_wipes_the_digest_after_its_lookup_with_and_without_owners) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128], out[256];
  mint(db, tok, sizeof tok);
  for (int round = 0; round < 2; round++) {
    /* Round 1 reads the owner's role with the lookup. */
    if (round == 1) exec_ok(db, "INSERT INTO pat_owners(owner, role) VALUES ('alice', 'ADMIN')");
    records_clear();
    ck_assert_int_eq(query(db, "SELECT pat_has_right(?1, 'DATA_FETCH')", tok, out, sizeof out),
                     SQLITE_ROW);
    ck_assert_str_eq(out, "1");
    ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  }
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(check_that_fails_on_a_locked_database_still_wipes_the_digest) {
  make_path();
  sqlite3 *a = open_with_pat(dbpath), *b = NULL;
  char tok[128], out[256];
  mint(a, tok, sizeof tok);
  /* Rollback-journal mode: an EXCLUSIVE lock keeps every reader out, and a
  ** has no busy timeout, so its lookup fails at once. */
  ck_assert_int_eq(sqlite3_open(dbpath, &b), SQLITE_OK);
  for (int fn = 0; fn < 2; fn++) {
    const char *sql = fn ? "SELECT pat_has_right(?1, 'DATA_FETCH')" : "SELECT pat_verify(?1)";
    /* A check that works first, so that the next one goes straight to its
    ** lookup. */
    ck_assert_int_eq(query(a, sql, tok, out, sizeof out), SQLITE_ROW);
    ck_assert_str_eq(out, "1");
    exec_ok(b, "BEGIN EXCLUSIVE");
    records_clear();
    ck_assert_int_eq(query(a, sql, tok, out, sizeof out), SQLITE_ERROR);
    ck_assert_msg(strstr(out, "locked") != NULL, "unexpected error: %s", out);
    ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
    exec_ok(b, "COMMIT");
  }
  ck_assert_int_eq(sqlite3_close(b), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(a), SQLITE_OK);
  unlink(dbpath);
}
END_TEST

START_TEST(check_that_fails_on_a_key_changed_by_another_connection_still_wipes_the_digest) {
  make_path();
  sqlite3 *a = open_with_pat(dbpath), *b = open_with_pat(dbpath);
  char tok[128], out[256];
  mint(a, tok, sizeof tok);
  ck_assert_int_eq(query(a, "SELECT pat_verify(?1)", tok, out, sizeof out), SQLITE_ROW);
  ck_assert_str_eq(out, "1");
  /* b, which holds the store's key (none), moves the store to a key a does
  ** not have: a's next check reads the store's new fingerprint after its
  ** lookup, and fails. */
  ck_assert_int_eq(query(b, "SELECT pat_rekey(randomblob(32))", NULL, out, sizeof out),
                   SQLITE_ROW);
  records_clear();
  ck_assert_int_eq(query(a, "SELECT pat_verify(?1)", tok, out, sizeof out), SQLITE_ERROR);
  ck_assert_msg(strstr(out, "key") != NULL, "unexpected error: %s", out);
  ck_assert_int_ge(assert_digests_of_wiped(tok), 1);
  ck_assert_int_eq(sqlite3_close(b), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(a), SQLITE_OK);
  unlink(dbpath);
}
END_TEST

START_TEST(token_make_wipes_the_random_pool_its_random_part_came_from) {
  for (int round = 0; round < 20; round++) {
    char t[PAT_TOKEN_MAX + 1];
    records_clear();
    ck_assert_int_eq(pat_token_make(t, "pat_", 4), 42);
    /* The pool as it was when wiped must give the random part: each byte
    ** below 248, in order, is one character (token.c). */
    int found = 0;
    for (int k = 0; k < nwipes && !found; k++) {
      const wipe_rec *w = &wipes[k];
      if (w->n > KEPT) continue;
      char drawn[PAT_TOKEN_RANDOM_LEN];
      int got = 0;
      for (size_t i = 0; i < w->n && got < PAT_TOKEN_RANDOM_LEN; i++)
        if (w->before[i] < 248) drawn[got++] = base62[w->before[i] % 62];
      found = got == PAT_TOKEN_RANDOM_LEN && memcmp(drawn, t + 4, PAT_TOKEN_RANDOM_LEN) == 0;
    }
    ck_assert_msg(found, "no wipe of the pool that token %d was drawn from", round);
  }
}
END_TEST

START_TEST(check_compares_the_stored_digest_through_crypto_verify_32) {
  sqlite3 *db = open_with_pat(":memory:");
  char tok[128], out[256];
  unsigned char want[PAT_DIGEST_LEN];
  mint(db, tok, sizeof tok);
  ck_assert_int_eq(crypto_generichash_blake2b(want, sizeof want, (const unsigned char *)tok,
                                              strlen(tok), NULL, 0),
                   0);
  const char *const sql[] = {"SELECT pat_verify(?1)", "SELECT pat_has_right(?1, 'DATA_FETCH')"};
  for (int i = 0; i < 2; i++) {
    records_clear();
    ck_assert_int_eq(query(db, sql[i], tok, out, sizeof out), SQLITE_ROW);
    ck_assert_str_eq(out, "1");
    int compared = 0;
    for (int k = 0; k < nverifies; k++)
      if (memcmp(verifies[k].a, want, 32) == 0 && memcmp(verifies[k].b, want, 32) == 0)
        compared = 1;
    ck_assert_msg(compared, "%s: the digests were not compared by crypto_verify_32", sql[i]);
  }
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(digest_equal_is_crypto_verify_32) {
  unsigned char x[32], y[32];
  memset(x, 7, sizeof x);
  memcpy(y, x, sizeof y);
  records_clear();
  ck_assert_int_eq(pat_digest_equal(x, y), 1);
  y[31] ^= 1;
  ck_assert_int_eq(pat_digest_equal(x, y), 0);
  ck_assert_int_eq(nverifies, 2);
}
END_TEST

START_TEST(token_make_takes_each_character_from_the_next_byte_below_248_modulo_62) {
  /* Bytes 248..255 are skipped (they would favour 0..7); the others give
  ** byte % 62, in order. */
  unsigned char bytes[64];
  char want[PAT_TOKEN_RANDOM_LEN + 1];
  int k = 0;
  for (int b = 248; b < 256; b++) bytes[k++] = (unsigned char)b;
  for (int i = 0; k < 64; i++, k++) bytes[k] = (unsigned char)(i * 61 % 248);
  int got = 0;
  for (int i = 8; i < 64 && got < PAT_TOKEN_RANDOM_LEN; i++) want[got++] = base62[bytes[i] % 62];
  want[got] = '\0';
  ck_assert_int_eq(got, PAT_TOKEN_RANDOM_LEN);
  script = bytes, script_len = sizeof bytes, script_used = 0;
  char t[PAT_TOKEN_MAX + 1];
  int n = pat_token_make(t, "pat_", 4);
  script = NULL;
  ck_assert_int_eq(n, 42);
  ck_assert_int_eq(strncmp(t + 4, want, PAT_TOKEN_RANDOM_LEN), 0);
  const char *tok;
  size_t len;
  ck_assert_int_eq(pat_token_parse(t, (size_t)n, &tok, &len), 0);
}
END_TEST

START_TEST(token_make_draws_again_when_a_pool_runs_out_of_usable_bytes) {
  /* A first pool of 64 bytes of which only 10 are usable, then a second. */
  unsigned char bytes[128];
  char want[PAT_TOKEN_RANDOM_LEN];
  int got = 0;
  for (int i = 0; i < 128; i++) {
    bytes[i] = (unsigned char)(i < 64 && i % 6 != 0 ? 248 + i % 8 : (i * 37 + 5) % 248);
    if (bytes[i] < 248 && got < PAT_TOKEN_RANDOM_LEN) want[got++] = base62[bytes[i] % 62];
  }
  ck_assert_int_eq(got, PAT_TOKEN_RANDOM_LEN);
  script = bytes, script_len = sizeof bytes, script_used = 0;
  char t[PAT_TOKEN_MAX + 1];
  int n = pat_token_make(t, "pat_", 4);
  script = NULL;
  ck_assert_int_eq(n, 42);
  ck_assert_int_eq(strncmp(t + 4, want, PAT_TOKEN_RANDOM_LEN), 0);
}
END_TEST

START_TEST(every_base62_character_is_drawn_from_exactly_4_of_the_256_byte_values) {
  /* Each usable byte value alone (248 and up only ever draw again): 4 of
  ** them give each character. */
  int count[256] = {0}, usable = 0;
  for (int b = 0; b < 248; b++) {
    unsigned char bytes[64];
    memset(bytes, b, sizeof bytes);
    script = bytes, script_len = sizeof bytes, script_used = 0;
    char t[PAT_TOKEN_MAX + 1];
    ck_assert_int_eq(pat_token_make(t, "pat_", 4), 42);
    script = NULL;
    for (int i = 4; i < 4 + PAT_TOKEN_RANDOM_LEN; i++) ck_assert_int_eq(t[i], t[4]);
    count[(unsigned char)t[4]]++;
    usable++;
  }
  ck_assert_int_eq(usable, 248);
  for (int c = 0; c < 62; c++) ck_assert_int_eq(count[(unsigned char)base62[c]], 4);
}
END_TEST

static void setup(void) {
  ck_assert_int_eq(pat_crypto_init(), 0);
  records_clear();
  script = NULL;
}

Suite *secrets_suite(void) {
  Suite *s = suite_create("secrets");
  TCase *tc = tcase_create("wipes");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, create_wipes_the_digest_of_the_token_it_made);
  tcase_add_test(tc, first_create_that_makes_the_store_wipes_the_digest);
  tcase_add_test(tc, rotate_wipes_the_digest_of_the_new_value);
  tcase_add_test(tc, verify_wipes_the_digest_after_its_lookup);
  tcase_add_test(tc, has_right_wipes_the_digest_after_its_lookup_with_and_without_owners);
  tcase_add_test(tc, check_that_fails_on_a_locked_database_still_wipes_the_digest);
  tcase_add_test(tc, check_that_fails_on_a_key_changed_by_another_connection_still_wipes_the_digest);
  tcase_add_test(tc, token_make_wipes_the_random_pool_its_random_part_came_from);
  suite_add_tcase(s, tc);
  tc = tcase_create("compare");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, check_compares_the_stored_digest_through_crypto_verify_32);
  tcase_add_test(tc, digest_equal_is_crypto_verify_32);
  suite_add_tcase(s, tc);
  tc = tcase_create("random");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, token_make_takes_each_character_from_the_next_byte_below_248_modulo_62);
  tcase_add_test(tc, token_make_draws_again_when_a_pool_runs_out_of_usable_bytes);
  tcase_add_test(tc, every_base62_character_is_drawn_from_exactly_4_of_the_256_byte_values);
  suite_add_tcase(s, tc);
  return s;
}
