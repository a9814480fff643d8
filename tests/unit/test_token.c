/*
** test_token.c: unit tests of ext/token.c, the token text.
**
** A token is prefix + 32 base62 characters + 6 base62 characters of
** CRC32(prefix + random part), most significant digit first. The tests keep
** their own CRC32 and base62 writer, so a token built here and a token made by
** pat must agree character for character: a change of the format on either
** side fails them.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "suites.h"

static const char B62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as zlib's crc32. */
static uint32_t ref_crc32(const void *data, size_t n) {
  const unsigned char *p = data;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

static void ref_checksum(const char *s, size_t n, char out[PAT_TOKEN_CHECKSUM_LEN]) {
  uint32_t c = ref_crc32(s, n);
  for (int i = PAT_TOKEN_CHECKSUM_LEN - 1; i >= 0; i--) {
    out[i] = B62[c % 62];
    c /= 62;
  }
}

/* prefix + random + the checksum computed here; returns the length. */
static size_t build_token(char *out, const char *prefix, const char *random) {
  size_t pl = strlen(prefix), rl = strlen(random);
  memcpy(out, prefix, pl);
  memcpy(out + pl, random, rl);
  ref_checksum(out, pl + rl, out + pl + rl);
  out[pl + rl + PAT_TOKEN_CHECKSUM_LEN] = '\0';
  return pl + rl + PAT_TOKEN_CHECKSUM_LEN;
}

static const char RANDOM32[] = "0123456789ABCDEFGHIJKLMNOPQRSTUv";

static int parses(const char *in, size_t n) {
  const char *tok = NULL;
  size_t len = 0;
  return pat_token_parse(in, n, &tok, &len) == 0;
}

static void setup_crypto(void) { ck_assert_int_eq(pat_crypto_init(), 0); }

/* Makes one "pat_" token, checking the length. */
static void make_pat(char out[PAT_TOKEN_MAX + 1]) {
  ck_assert_int_eq(pat_token_make(out, "pat_", 4), 4 + PAT_TOKEN_TAIL_LEN);
}

/* ------------------------------------------------------------- pat_crc32 */

START_TEST(crc32_of_123456789_is_the_ieee_check_value_cbf43926) {
  ck_assert_uint_eq(pat_crc32((const unsigned char *)"123456789", 9), 0xCBF43926u);
}
END_TEST

START_TEST(crc32_matches_zlib_known_values_for_empty_a_and_quick_brown_fox) {
  const char *fox = "The quick brown fox jumps over the lazy dog";
  ck_assert_uint_eq(pat_crc32((const unsigned char *)"", 0), 0u);
  ck_assert_uint_eq(pat_crc32((const unsigned char *)"a", 1), 0xE8B7BE43u);
  ck_assert_uint_eq(pat_crc32((const unsigned char *)fox, strlen(fox)), 0x414FA339u);
}
END_TEST

START_TEST(crc32_matches_bitwise_reference_on_every_byte_value_and_length) {
  unsigned char buf[300];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7 + 3);
  for (size_t n = 0; n <= sizeof buf; n++)
    ck_assert_uint_eq(pat_crc32(buf, n), ref_crc32(buf, n));
  for (int b = 0; b < 256; b++) {
    unsigned char one = (unsigned char)b;
    ck_assert_uint_eq(pat_crc32(&one, 1), ref_crc32(&one, 1));
  }
}
END_TEST

/* -------------------------------------------- alphabet and prefix checks */

START_TEST(alphabet_ok_accepts_letters_digits_underscore_and_empty) {
  const char *ok = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
  ck_assert_int_eq(pat_token_alphabet_ok(ok, strlen(ok)), 1);
  ck_assert_int_eq(pat_token_alphabet_ok("", 0), 1);
}
END_TEST

START_TEST(alphabet_ok_rejects_every_byte_outside_letters_digits_underscore) {
  for (int b = 0; b < 256; b++) {
    char s[3] = {'a', (char)b, 'z'};
    int want = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
               (b >= 'a' && b <= 'z') || b == '_';
    ck_assert_msg(pat_token_alphabet_ok(s, 3) == want, "byte 0x%02X", b);
  }
}
END_TEST

START_TEST(alphabet_ok_reads_only_n_bytes) {
  ck_assert_int_eq(pat_token_alphabet_ok("ab-", 2), 1);
}
END_TEST

START_TEST(prefix_check_accepts_pat_empty_and_32_characters) {
  ck_assert_int_eq(pat_prefix_check("pat_", 4), 0);
  ck_assert_int_eq(pat_prefix_check("", 0), 0);
  ck_assert_int_eq(pat_prefix_check("ghp_", 4), 0);
  ck_assert_int_eq(pat_prefix_check("abcdefghijklmnopqrstuvwxyz_01234", 32), 0);
}
END_TEST

START_TEST(prefix_check_rejects_33_characters_and_characters_outside_alphabet) {
  ck_assert_int_ne(pat_prefix_check("abcdefghijklmnopqrstuvwxyz_012345", 33), 0);
  ck_assert_int_ne(pat_prefix_check("pa-t", 4), 0);
  ck_assert_int_ne(pat_prefix_check("pat ", 4), 0);
  ck_assert_int_ne(pat_prefix_check("pat\0", 4), 0);
  ck_assert_int_ne(pat_prefix_check("p\xC3\xA9t", 4), 0);
}
END_TEST

/* -------------------------------------------------------- pat_token_make */

START_TEST(make_with_pat_prefix_returns_42_and_nul_terminates) {
  char out[PAT_TOKEN_MAX + 1 + 16];
  memset(out, 0xAA, sizeof out);
  int n = pat_token_make(out, "pat_", 4);
  ck_assert_int_eq(n, 42);
  ck_assert_uint_eq(strlen(out), 42);
  ck_assert(memcmp(out, "pat_", 4) == 0);
  for (size_t i = 43; i < sizeof out; i++) ck_assert_uint_eq((unsigned char)out[i], 0xAA);
}
END_TEST

START_TEST(make_writes_32_base62_then_6_base62_crc32_of_prefix_and_random) {
  for (int t = 0; t < 200; t++) {
    char out[PAT_TOKEN_MAX + 1];
    make_pat(out);
    for (int i = 4; i < 42; i++)
      ck_assert_msg(strchr(B62, out[i]) != NULL && out[i] != '\0',
                    "char %d of a tail is not base62", i);
    char sum[PAT_TOKEN_CHECKSUM_LEN];
    ref_checksum(out, 4 + PAT_TOKEN_RANDOM_LEN, sum);
    ck_assert_msg(memcmp(out + 36, sum, 6) == 0,
                  "checksum %.6s, expected %.6s (base62 of CRC32, MSD first)",
                  out + 36, sum);
  }
}
END_TEST

START_TEST(make_accepts_empty_prefix_and_returns_38) {
  char out[PAT_TOKEN_MAX + 1];
  ck_assert_int_eq(pat_token_make(out, "", 0), 38);
  ck_assert_uint_eq(strlen(out), 38);
  char sum[PAT_TOKEN_CHECKSUM_LEN];
  ref_checksum(out, PAT_TOKEN_RANDOM_LEN, sum);
  ck_assert(memcmp(out + 32, sum, 6) == 0);
}
END_TEST

START_TEST(make_accepts_32_character_prefix_and_stays_within_token_max) {
  const char *p = "abcdefghijklmnopqrstuvwxyz_01234";
  char out[PAT_TOKEN_MAX + 1 + 16];
  memset(out, 0xAA, sizeof out);
  ck_assert_int_eq(pat_token_make(out, p, 32), PAT_TOKEN_MAX);
  ck_assert_uint_eq(strlen(out), PAT_TOKEN_MAX);
  ck_assert(memcmp(out, p, 32) == 0);
  for (size_t i = PAT_TOKEN_MAX + 1; i < sizeof out; i++)
    ck_assert_uint_eq((unsigned char)out[i], 0xAA);
}
END_TEST

START_TEST(make_rejects_33_character_prefix) {
  char out[PAT_TOKEN_MAX + 1 + 64];
  ck_assert_int_eq(pat_token_make(out, "abcdefghijklmnopqrstuvwxyz_012345", 33), -1);
}
END_TEST

START_TEST(make_rejects_prefix_with_character_outside_alphabet) {
  char out[PAT_TOKEN_MAX + 1];
  ck_assert_int_eq(pat_token_make(out, "pa-t", 4), -1);
  ck_assert_int_eq(pat_token_make(out, "pat ", 4), -1);
  ck_assert_int_eq(pat_token_make(out, "pat\0", 4), -1);
  ck_assert_int_eq(pat_token_make(out, "p\xC3\xA9", 3), -1);
}
END_TEST

START_TEST(make_uses_prefix_len_not_the_nul) {
  char out[PAT_TOKEN_MAX + 1];
  ck_assert_int_eq(pat_token_make(out, "pat_XYZ-", 4), 42);
  ck_assert(memcmp(out, "pat_", 4) == 0);
  ck_assert(parses(out, 42));
}
END_TEST

START_TEST(make_then_parse_round_trips_for_many_prefixes) {
  static const char *const prefixes[] = {"pat_", "", "ghp_", "my_app_", "X",
                                         "abcdefghijklmnopqrstuvwxyz_01234"};
  for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
    for (int t = 0; t < 100; t++) {
      char out[PAT_TOKEN_MAX + 1];
      int n = pat_token_make(out, prefixes[p], strlen(prefixes[p]));
      ck_assert_int_eq(n, (int)(strlen(prefixes[p]) + PAT_TOKEN_TAIL_LEN));
      const char *tok = NULL;
      size_t len = 0;
      ck_assert_msg(pat_token_parse(out, (size_t)n, &tok, &len) == 0,
                    "made token with prefix '%s' did not parse", prefixes[p]);
      ck_assert_ptr_eq(tok, out);
      ck_assert_uint_eq(len, (size_t)n);
    }
  }
}
END_TEST

START_TEST(make_1000_tokens_gives_1000_different_random_parts) {
  enum { N = 1000 };
  char(*r)[PAT_TOKEN_RANDOM_LEN] = malloc(N * sizeof *r);
  ck_assert_ptr_nonnull(r);
  for (int i = 0; i < N; i++) {
    char out[PAT_TOKEN_MAX + 1];
    make_pat(out);
    memcpy(r[i], out + 4, PAT_TOKEN_RANDOM_LEN);
  }
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      ck_assert_msg(memcmp(r[i], r[j], PAT_TOKEN_RANDOM_LEN) != 0,
                    "tokens %d and %d share their random part", i, j);
  free(r);
}
END_TEST

/* 32000 random characters: each of the 62 is expected 516 times (sd 22.5).
** The bounds are 6 sd wide: a generator that never or rarely emits some
** character, or emits one twice as often, fails. */
START_TEST(make_1000_tokens_uses_every_base62_character_about_equally) {
  int count[256] = {0};
  for (int i = 0; i < 1000; i++) {
    char out[PAT_TOKEN_MAX + 1];
    make_pat(out);
    for (int k = 4; k < 4 + PAT_TOKEN_RANDOM_LEN; k++) count[(unsigned char)out[k]]++;
  }
  for (int c = 0; c < 62; c++) {
    int k = count[(unsigned char)B62[c]];
    ck_assert_msg(k >= 381 && k <= 651, "'%c' appears %d times in 32000", B62[c], k);
  }
}
END_TEST

/* ------------------------------------------------------- pat_token_parse */

START_TEST(parse_accepts_tokens_built_with_reference_checksum_for_any_prefix) {
  static const char *const prefixes[] = {"pat_", "", "ghp_", "my_app_", "Bearer_",
                                         "abcdefghijklmnopqrstuvwxyz_01234"};
  for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
    char t[PAT_TOKEN_MAX + 1];
    size_t n = build_token(t, prefixes[p], RANDOM32);
    const char *tok = NULL;
    size_t len = 0;
    ck_assert_msg(pat_token_parse(t, n, &tok, &len) == 0, "prefix '%s'", prefixes[p]);
    ck_assert_ptr_eq(tok, t);
    ck_assert_uint_eq(len, n);
  }
}
END_TEST

START_TEST(parse_rejects_every_single_character_substitution_in_random_part) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  static const char repl[] = "0aZ_9zA";
  for (int pos = 4; pos < 4 + PAT_TOKEN_RANDOM_LEN; pos++) {
    for (const char *r = repl; *r; r++) {
      if (t[pos] == *r) continue;
      char c[PAT_TOKEN_MAX + 1];
      memcpy(c, t, 43);
      c[pos] = *r;
      ck_assert_msg(!parses(c, 42), "substituting '%c' at %d was accepted", *r, pos);
    }
  }
}
END_TEST

START_TEST(parse_rejects_every_single_character_substitution_in_checksum) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  for (int pos = 36; pos < 42; pos++) {
    for (int ci = 0; ci < 62; ci++) {
      if (t[pos] == B62[ci]) continue;
      char c[PAT_TOKEN_MAX + 1];
      memcpy(c, t, 43);
      c[pos] = B62[ci];
      ck_assert_msg(!parses(c, 42), "checksum char '%c' at %d accepted", B62[ci], pos);
    }
  }
}
END_TEST

START_TEST(parse_rejects_a_changed_prefix_because_checksum_covers_it) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  static const char *const others[] = {"pot_", "PAT_", "pat0", "ghp_"};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    char c[PAT_TOKEN_MAX + 1];
    memcpy(c, t, 43);
    memcpy(c, others[i], 4);
    ck_assert_msg(!parses(c, 42), "prefix %s accepted", others[i]);
  }
  /* Dropping or adding a prefix character also changes what the CRC covers. */
  ck_assert(!parses(t + 1, 41));
  char longer[PAT_TOKEN_MAX + 2];
  longer[0] = 'x';
  memcpy(longer + 1, t, 43);
  ck_assert(!parses(longer, 43));
}
END_TEST

START_TEST(parse_rejects_fewer_than_38_tail_characters) {
  char t[PAT_TOKEN_MAX + 1];
  build_token(t, "", RANDOM32);
  ck_assert(parses(t, 38));
  ck_assert(!parses(t + 1, 37));
  ck_assert(!parses(t, 37));
  ck_assert(!parses("", 0));
  ck_assert(!parses("pat_", 4));
  ck_assert(!parses("a", 1));
}
END_TEST

START_TEST(parse_rejects_a_33_character_prefix_even_with_correct_checksum) {
  char t[PAT_TOKEN_MAX + 8];
  size_t n = build_token(t, "abcdefghijklmnopqrstuvwxyz_012345", RANDOM32);
  ck_assert_uint_eq(n, PAT_TOKEN_MAX + 1);
  ck_assert(!parses(t, n));
}
END_TEST

START_TEST(parse_rejects_character_outside_alphabet_in_prefix_even_with_correct_checksum) {
  static const char *const bad[] = {"pa-t", "pat.", "p t_", "p\xC3\xA9_", "pat\x01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char t[PAT_TOKEN_MAX + 1];
    size_t n = build_token(t, bad[i], RANDOM32);
    ck_assert_msg(!parses(t, n), "prefix #%zu accepted", i);
  }
}
END_TEST

START_TEST(parse_rejects_character_outside_alphabet_in_tail) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  static const char bad[] = "-.+/=!~ \t";
  for (const char *b = bad; *b; b++) {
    char c[PAT_TOKEN_MAX + 1];
    memcpy(c, t, 43);
    c[20] = *b;
    ck_assert_msg(!parses(c, 42), "0x%02X in random part accepted", (unsigned char)*b);
    memcpy(c, t, 43);
    c[40] = *b;
    ck_assert_msg(!parses(c, 42), "0x%02X in checksum accepted", (unsigned char)*b);
  }
}
END_TEST

START_TEST(parse_rejects_embedded_nul_counted_in_n) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  char c[64];
  memcpy(c, t, 43); /* the token and its NUL */
  ck_assert(!parses(c, 43));
  c[42] = '\0';
  c[10] = '\0';
  ck_assert(!parses(c, 42));
  char b[64] = "Bearer ";
  memcpy(b + 7, t, 43);
  ck_assert(!parses(b, 7 + 43));
  char lead[64] = {'\0'};
  memcpy(lead + 1, t, 43);
  ck_assert(!parses(lead, 43));
}
END_TEST

START_TEST(parse_reads_only_n_bytes) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  char c[64];
  memcpy(c, t, 42);
  memcpy(c + 42, "-garbage", 9);
  const char *tok = NULL;
  size_t len = 0;
  ck_assert_int_eq(pat_token_parse(c, 42, &tok, &len), 0);
  ck_assert_ptr_eq(tok, c);
  ck_assert_uint_eq(len, 42);
}
END_TEST

START_TEST(parse_ignores_leading_and_trailing_space_tab_cr_lf_around_bare_token) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  char in[128];
  int n = snprintf(in, sizeof in, " \t\r\n %s \r\n\t ", t);
  const char *tok = NULL;
  size_t len = 0;
  ck_assert_int_eq(pat_token_parse(in, (size_t)n, &tok, &len), 0);
  ck_assert_ptr_eq(tok, in + 5);
  ck_assert_uint_eq(len, 42);
}
END_TEST

START_TEST(parse_accepts_bearer_scheme_in_any_case_and_points_into_input) {
  static const char *const schemes[] = {"Bearer ", "bearer ", "BEARER ", "bEaReR ",
                                        "Bearer\t", "Bearer \t  \t"};
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
    char in[128];
    int n = snprintf(in, sizeof in, "%s%s", schemes[i], t);
    const char *tok = NULL;
    size_t len = 0;
    ck_assert_msg(pat_token_parse(in, (size_t)n, &tok, &len) == 0, "scheme #%zu", i);
    ck_assert_ptr_eq(tok, in + strlen(schemes[i]));
    ck_assert_uint_eq(len, 42);
  }
}
END_TEST

START_TEST(parse_ignores_white_space_around_bearer_header) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  char in[128];
  int n = snprintf(in, sizeof in, "\r\n \tBearer  %s\t \r\n", t);
  const char *tok = NULL;
  size_t len = 0;
  ck_assert_int_eq(pat_token_parse(in, (size_t)n, &tok, &len), 0);
  ck_assert_ptr_eq(tok, in + 12);
  ck_assert_uint_eq(len, 42);
}
END_TEST

START_TEST(parse_rejects_bearer_without_token) {
  ck_assert(!parses("Bearer", 6));
  ck_assert(!parses("Bearer ", 7));
  ck_assert(!parses("Bearer \t ", 9));
  ck_assert(!parses("  Bearer  \r\n", 12));
  ck_assert(!parses(" \t\r\n", 4));
}
END_TEST

START_TEST(parse_rejects_cr_or_lf_between_scheme_and_token) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  static const char *const seps[] = {"\n", "\r", "\r\n", " \n", "\n "};
  for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
    char in[128];
    int n = snprintf(in, sizeof in, "Bearer%s%s", seps[i], t);
    ck_assert_msg(!parses(in, (size_t)n), "separator #%zu accepted", i);
  }
}
END_TEST

START_TEST(parse_rejects_scheme_glued_to_token_other_schemes_and_extra_words) {
  char t[PAT_TOKEN_MAX + 1];
  make_pat(t);
  static const struct {
    const char *before, *after;
  } forms[] = {{"Bearer", ""},   {"Basic ", ""},   {"Token ", ""},
               {"Bearer Bearer ", ""}, {"Bearer ", " x"}, {"x ", ""},
               {"Bearer: ", ""}, {"Bearer=", ""},  {"", " x"},
               {"Bearer ", "\x01"}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char in[256];
    int n = snprintf(in, sizeof in, "%s%s%s", forms[i].before, t, forms[i].after);
    ck_assert_msg(!parses(in, (size_t)n), "form '%s<token>%s' accepted",
                  forms[i].before, forms[i].after);
  }
  char two[256];
  int n = snprintf(two, sizeof two, "%s %s", t, t);
  ck_assert(!parses(two, (size_t)n));
}
END_TEST

/* -------------------------------------------------------------- masking */

static void mask_is(const char *in, const char *want) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", in);
  pat_mask_secrets(buf);
  ck_assert_str_eq(buf, want);
}

START_TEST(mask_replaces_runs_of_32_or_more_base62_and_keeps_shorter_ones) {
  mask_is("", "");
  mask_is("unknown right 'DATA_FETCH'", "unknown right 'DATA_FETCH'");
  /* 31 letters stay; 32 are masked; underscores end a run */
  mask_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  mask_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "(a token)");
  mask_is("x aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_b", "x (a token)_b");
  mask_is("token=pat_0123456789abcdefghijABCDEFGHIJ0123456789AB, next",
          "token=pat_(a token), next");
  mask_is("a0123456789abcdefghijABCDEFGHIJ01' b0123456789abcdefghijABCDEFGHIJ01",
          "(a token)' (a token)");
}
END_TEST

START_TEST(quote_masks_a_run_as_it_is_in_the_whole_value_before_cutting) {
  char buf[128];
  const char *v = "from pat_0123456789abcdefghijABCDEFGHIJ0123456789AB";
  /* Cut at 40 the run would keep 31 characters of the token: masked. */
  size_t k = pat_quote(buf, sizeof buf, v, strlen(v), 40);
  ck_assert_str_eq(buf, "from pat_(a token)");
  ck_assert_uint_eq(k, strlen(v));
  /* A long value without such a run is cut at the limit, bytes outside
  ** printable ASCII shown as '?'. */
  k = pat_quote(buf, sizeof buf, "ab\x01_cd_ef_gh", 14, 5);
  ck_assert_str_eq(buf, "ab?_c");
  ck_assert_uint_eq(k, 5);
  /* Never past the buffer. */
  k = pat_quote(buf, 4, "abcdefgh", 8, 40);
  ck_assert_str_eq(buf, "abc");
}
END_TEST

Suite *token_suite(void) {
  Suite *s = suite_create("token");
  TCase *tc = tcase_create("crc32");
  tcase_add_test(tc, crc32_of_123456789_is_the_ieee_check_value_cbf43926);
  tcase_add_test(tc, crc32_matches_zlib_known_values_for_empty_a_and_quick_brown_fox);
  tcase_add_test(tc, crc32_matches_bitwise_reference_on_every_byte_value_and_length);
  suite_add_tcase(s, tc);

  tc = tcase_create("alphabet");
  tcase_add_test(tc, alphabet_ok_accepts_letters_digits_underscore_and_empty);
  tcase_add_test(tc, alphabet_ok_rejects_every_byte_outside_letters_digits_underscore);
  tcase_add_test(tc, alphabet_ok_reads_only_n_bytes);
  tcase_add_test(tc, prefix_check_accepts_pat_empty_and_32_characters);
  tcase_add_test(tc, prefix_check_rejects_33_characters_and_characters_outside_alphabet);
  suite_add_tcase(s, tc);

  tc = tcase_create("make");
  tcase_add_checked_fixture(tc, setup_crypto, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, make_with_pat_prefix_returns_42_and_nul_terminates);
  tcase_add_test(tc, make_writes_32_base62_then_6_base62_crc32_of_prefix_and_random);
  tcase_add_test(tc, make_accepts_empty_prefix_and_returns_38);
  tcase_add_test(tc, make_accepts_32_character_prefix_and_stays_within_token_max);
  tcase_add_test(tc, make_rejects_33_character_prefix);
  tcase_add_test(tc, make_rejects_prefix_with_character_outside_alphabet);
  tcase_add_test(tc, make_uses_prefix_len_not_the_nul);
  tcase_add_test(tc, make_then_parse_round_trips_for_many_prefixes);
  tcase_add_test(tc, make_1000_tokens_gives_1000_different_random_parts);
  tcase_add_test(tc, make_1000_tokens_uses_every_base62_character_about_equally);
  suite_add_tcase(s, tc);

  tc = tcase_create("parse");
  tcase_add_checked_fixture(tc, setup_crypto, NULL);
  tcase_add_test(tc, parse_accepts_tokens_built_with_reference_checksum_for_any_prefix);
  tcase_add_test(tc, parse_rejects_every_single_character_substitution_in_random_part);
  tcase_add_test(tc, parse_rejects_every_single_character_substitution_in_checksum);
  tcase_add_test(tc, parse_rejects_a_changed_prefix_because_checksum_covers_it);
  tcase_add_test(tc, parse_rejects_fewer_than_38_tail_characters);
  tcase_add_test(tc, parse_rejects_a_33_character_prefix_even_with_correct_checksum);
  tcase_add_test(tc, parse_rejects_character_outside_alphabet_in_prefix_even_with_correct_checksum);
  tcase_add_test(tc, parse_rejects_character_outside_alphabet_in_tail);
  tcase_add_test(tc, parse_rejects_embedded_nul_counted_in_n);
  tcase_add_test(tc, parse_reads_only_n_bytes);
  tcase_add_test(tc, parse_ignores_leading_and_trailing_space_tab_cr_lf_around_bare_token);
  tcase_add_test(tc, parse_accepts_bearer_scheme_in_any_case_and_points_into_input);
  tcase_add_test(tc, parse_ignores_white_space_around_bearer_header);
  tcase_add_test(tc, parse_rejects_bearer_without_token);
  tcase_add_test(tc, parse_rejects_cr_or_lf_between_scheme_and_token);
  tcase_add_test(tc, parse_rejects_scheme_glued_to_token_other_schemes_and_extra_words);
  suite_add_tcase(s, tc);

  tc = tcase_create("mask");
  tcase_add_test(tc, mask_replaces_runs_of_32_or_more_base62_and_keeps_shorter_ones);
  tcase_add_test(tc, quote_masks_a_run_as_it_is_in_the_whole_value_before_cutting);
  suite_add_tcase(s, tc);
  return s;
}

