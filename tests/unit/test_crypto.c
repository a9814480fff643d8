/*
** test_crypto.c: unit tests of ext/crypto.c, pat's use of libsodium.
**
** The digest is checked against a published BLAKE2b-256 vector and against
** libsodium's crypto_generichash called here directly; the compare and the
** wipe are checked byte by byte; the random source for its range and bias.
*/
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "format.h"
#include "suites.h"

static void setup_crypto(void) { ck_assert_int_eq(pat_crypto_init(), 0); }

static void hex(char *out, const unsigned char *p, size_t n) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  out[2 * n] = '\0';
}

START_TEST(crypto_init_returns_0_again_when_called_twice) {
  ck_assert_int_eq(pat_crypto_init(), 0);
  ck_assert_int_eq(pat_crypto_init(), 0);
}
END_TEST

/* ------------------------------------------------------------ pat_digest */

START_TEST(digest_of_empty_text_is_the_known_blake2b_256_vector) {
  unsigned char d[PAT_DIGEST_LEN];
  char h[2 * PAT_DIGEST_LEN + 1];
  ck_assert_int_eq(pat_digest(d, "", 0), 0);
  hex(h, d, sizeof d);
  ck_assert_str_eq(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}
END_TEST

START_TEST(digest_of_abc_is_the_known_blake2b_256_vector) {
  unsigned char d[PAT_DIGEST_LEN];
  char h[2 * PAT_DIGEST_LEN + 1];
  ck_assert_int_eq(pat_digest(d, "abc", 3), 0);
  hex(h, d, sizeof d);
  ck_assert_str_eq(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}
END_TEST

START_TEST(digest_equals_unkeyed_crypto_generichash_32_at_every_length_up_to_300) {
  char buf[300];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('A' + i % 26);
  for (size_t n = 0; n <= sizeof buf; n++) {
    unsigned char mine[PAT_DIGEST_LEN], ref[crypto_generichash_BYTES];
    ck_assert_int_eq(crypto_generichash(ref, sizeof ref, (const unsigned char *)buf, n,
                                        NULL, 0), 0);
    ck_assert_int_eq(pat_digest(mine, buf, n), 0);
    ck_assert_msg(memcmp(mine, ref, PAT_DIGEST_LEN) == 0, "length %zu", n);
  }
}
END_TEST

START_TEST(digest_of_a_made_token_covers_the_whole_text_prefix_included) {
  char t[PAT_TOKEN_MAX + 1];
  int n = pat_token_make(t, "pat_", 4);
  ck_assert_int_eq(n, 42);
  unsigned char whole[PAT_DIGEST_LEN], ref[PAT_DIGEST_LEN], tail[PAT_DIGEST_LEN];
  ck_assert_int_eq(pat_digest(whole, t, (size_t)n), 0);
  ck_assert_int_eq(crypto_generichash(ref, sizeof ref, (const unsigned char *)t,
                                      (unsigned long long)n, NULL, 0), 0);
  ck_assert(memcmp(whole, ref, sizeof ref) == 0);
  ck_assert_int_eq(pat_digest(tail, t + 4, (size_t)n - 4), 0);
  ck_assert(memcmp(whole, tail, sizeof tail) != 0);
}
END_TEST

START_TEST(digest_uses_n_so_bytes_after_an_embedded_nul_count) {
  unsigned char a[PAT_DIGEST_LEN], b[PAT_DIGEST_LEN];
  ck_assert_int_eq(pat_digest(a, "a\0b", 3), 0);
  ck_assert_int_eq(pat_digest(b, "a\0c", 3), 0);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  ck_assert_int_eq(pat_digest(b, "a", 1), 0);
  ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

/* ------------------------------------------------------ pat_digest_equal */

START_TEST(digest_equal_is_1_for_equal_digests_in_different_buffers) {
  unsigned char a[PAT_DIGEST_LEN], b[PAT_DIGEST_LEN];
  for (int i = 0; i < PAT_DIGEST_LEN; i++) a[i] = b[i] = (unsigned char)(i * 37 + 1);
  ck_assert_int_eq(pat_digest_equal(a, b), 1);
  ck_assert_int_eq(pat_digest_equal(a, a), 1);
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  ck_assert_int_eq(pat_digest_equal(a, b), 1);
}
END_TEST

START_TEST(digest_equal_is_0_when_first_or_last_byte_differs) {
  unsigned char a[PAT_DIGEST_LEN], b[PAT_DIGEST_LEN];
  memset(a, 0x5A, sizeof a);
  memcpy(b, a, sizeof b);
  b[0] ^= 0x01;
  ck_assert_int_eq(pat_digest_equal(a, b), 0);
  b[0] ^= 0x01;
  b[PAT_DIGEST_LEN - 1] ^= 0x80;
  ck_assert_int_eq(pat_digest_equal(a, b), 0);
}
END_TEST

START_TEST(digest_equal_is_0_for_every_single_bit_flip_in_32_bytes) {
  unsigned char a[PAT_DIGEST_LEN], b[PAT_DIGEST_LEN];
  for (int i = 0; i < PAT_DIGEST_LEN; i++) a[i] = (unsigned char)(255 - i);
  for (int pos = 0; pos < PAT_DIGEST_LEN; pos++)
    for (int bit = 0; bit < 8; bit++) {
      memcpy(b, a, sizeof b);
      b[pos] ^= (unsigned char)(1u << bit);
      ck_assert_msg(pat_digest_equal(a, b) == 0, "byte %d bit %d", pos, bit);
    }
}
END_TEST

/* ------------------------------------------------------ pat_random_below */

START_TEST(random_below_62_stays_below_62) {
  for (int i = 0; i < 100000; i++) ck_assert_uint_lt(pat_random_below(62), 62);
}
END_TEST

START_TEST(random_below_1_is_always_0_and_below_2_gives_both_values) {
  int seen[2] = {0, 0};
  for (int i = 0; i < 1000; i++) {
    ck_assert_uint_eq(pat_random_below(1), 0);
    uint32_t v = pat_random_below(2);
    ck_assert_uint_lt(v, 2);
    seen[v]++;
  }
  ck_assert_int_gt(seen[0], 0);
  ck_assert_int_gt(seen[1], 0);
}
END_TEST

/* 620000 draws: each value expected 10000 times (sd 99); bounds are 6 sd.
** A byte taken modulo 62 would give 0..7 about 12100 times: caught. */
START_TEST(random_below_62_has_no_modulo_bias) {
  enum { DRAWS = 620000 };
  static int count[62];
  memset(count, 0, sizeof count);
  for (int i = 0; i < DRAWS; i++) count[pat_random_below(62)]++;
  for (int v = 0; v < 62; v++)
    ck_assert_msg(count[v] >= 9400 && count[v] <= 10600, "value %d drawn %d times", v,
                  count[v]);
}
END_TEST

/* -------------------------------------------------------------- pat_wipe */

START_TEST(wipe_zeroes_exactly_n_bytes) {
  unsigned char buf[64];
  memset(buf, 0xAB, sizeof buf);
  pat_wipe(buf + 8, 42);
  for (size_t i = 0; i < sizeof buf; i++) {
    if (i >= 8 && i < 50)
      ck_assert_msg(buf[i] == 0, "byte %zu not wiped", i);
    else
      ck_assert_msg(buf[i] == 0xAB, "byte %zu outside the range changed", i);
  }
}
END_TEST

START_TEST(wipe_of_0_bytes_changes_nothing) {
  unsigned char buf[4] = {1, 2, 3, 4};
  pat_wipe(buf, 0);
  ck_assert(buf[0] == 1 && buf[1] == 2 && buf[2] == 3 && buf[3] == 4);
}
END_TEST

/* pat_wipe_free is SQLite's destructor for a returned token. A spy around
** SQLite's allocator sees the buffer as it is handed back: every byte pat
** owns (PAT_TOKEN_MAX + 1, what lifecycle.c allocates) must be zero by then. */
static sqlite3_mem_methods real_mem;
static void *watched;
static int watched_freed, watched_dirty;

static void spy_free(void *p) {
  if (p != NULL && p == watched) {
    const unsigned char *b = p;
    watched_freed = 1;
    for (int i = 0; i < PAT_TOKEN_MAX + 1; i++)
      if (b[i] != 0) watched_dirty++;
  }
  real_mem.xFree(p);
}

START_TEST(wipe_free_zeroes_the_token_buffer_before_sqlite_frees_it) {
  sqlite3_mem_methods spy;
  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
  spy = real_mem;
  spy.xFree = spy_free;
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &spy), SQLITE_OK);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);

  char *t = sqlite3_malloc(PAT_TOKEN_MAX + 1);
  ck_assert_ptr_nonnull(t);
  memset(t, 'Z', PAT_TOKEN_MAX + 1);
  ck_assert_int_eq(pat_token_make(t, "pat_", 4), 42);
  watched = t;
  watched_freed = watched_dirty = 0;
  pat_wipe_free(t);
  watched = NULL;

  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &real_mem), SQLITE_OK);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
  ck_assert_msg(watched_freed, "the buffer was not released through sqlite3_free");
  ck_assert_msg(watched_dirty == 0, "%d bytes still set when freed", watched_dirty);
}
END_TEST

START_TEST(wipe_free_of_null_does_nothing) {
  pat_wipe_free(NULL);
}
END_TEST

Suite *crypto_suite(void) {
  Suite *s = suite_create("crypto");
  TCase *tc = tcase_create("init");
  tcase_add_test(tc, crypto_init_returns_0_again_when_called_twice);
  suite_add_tcase(s, tc);

  tc = tcase_create("digest");
  tcase_add_checked_fixture(tc, setup_crypto, NULL);
  tcase_add_test(tc, digest_of_empty_text_is_the_known_blake2b_256_vector);
  tcase_add_test(tc, digest_of_abc_is_the_known_blake2b_256_vector);
  tcase_add_test(tc, digest_equals_unkeyed_crypto_generichash_32_at_every_length_up_to_300);
  tcase_add_test(tc, digest_of_a_made_token_covers_the_whole_text_prefix_included);
  tcase_add_test(tc, digest_uses_n_so_bytes_after_an_embedded_nul_count);
  tcase_add_test(tc, digest_equal_is_1_for_equal_digests_in_different_buffers);
  tcase_add_test(tc, digest_equal_is_0_when_first_or_last_byte_differs);
  tcase_add_test(tc, digest_equal_is_0_for_every_single_bit_flip_in_32_bytes);
  suite_add_tcase(s, tc);

  tc = tcase_create("random");
  tcase_add_checked_fixture(tc, setup_crypto, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, random_below_62_stays_below_62);
  tcase_add_test(tc, random_below_1_is_always_0_and_below_2_gives_both_values);
  tcase_add_test(tc, random_below_62_has_no_modulo_bias);
  suite_add_tcase(s, tc);

  tc = tcase_create("wipe");
  tcase_add_test(tc, wipe_zeroes_exactly_n_bytes);
  tcase_add_test(tc, wipe_of_0_bytes_changes_nothing);
  tcase_add_checked_fixture(tc, setup_crypto, NULL);
  tcase_add_test(tc, wipe_free_zeroes_the_token_buffer_before_sqlite_frees_it);
  tcase_add_test(tc, wipe_free_of_null_does_nothing);
  suite_add_tcase(s, tc);
  return s;
}
