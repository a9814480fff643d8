/*
** token.c: the text of a token.
**
**   <prefix><32 random base62 characters><6 base62 characters of CRC32>
**   pat_3fK9...Qz01AbC
**
** The prefix (setting `prefix`, default "pat_") tells a reader, a secret
** scanner or a log filter what the string is. The random part carries 190
** bits from libsodium. The checksum, a CRC32 of everything before it, lets a
** check throw out a mistyped or made-up string without touching the
** database. Its length and the random part's are fixed, so the prefix is
** whatever stands before them, and a token keeps working after the prefix
** setting changes.
**
** No SQLite in here, and never a copy of a token: parse points into the
** caller's buffer, make writes into the caller's.
*/
#include "pat_internal.h"

#include <string.h>

static const char base62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* IEEE 802.3 polynomial (as zlib and PNG use), reflected, table-driven. A
** typo detector, not a security measure: the digest is the secret's guard. */
static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_table_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  crc_table_ready = 1;
}

uint32_t pat_crc32(const unsigned char *p, size_t n) {
  /* Racing threads would write the same values; the flag goes last. */
  if (!crc_table_ready) crc_table_init();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static int is_token_char(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_base62(unsigned char ch) { return ch != '_' && is_token_char(ch); }

int pat_token_alphabet_ok(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_token_char((unsigned char)p[i])) return 0;
  return 1;
}

int pat_prefix_check(const char *prefix, size_t n) {
  if (n > PAT_PREFIX_MAX || !pat_token_alphabet_ok(prefix, n)) return -1;
  return 0;
}

static void checksum_encode(char out[PAT_TOKEN_CHECKSUM_LEN], uint32_t crc) {
  /* 62^6 > 2^32, so six digits hold any CRC32. */
  for (int i = PAT_TOKEN_CHECKSUM_LEN - 1; i >= 0; i--) {
    out[i] = base62[crc % 62];
    crc /= 62;
  }
}

int pat_token_make(char *out, const char *prefix, size_t prefix_len) {
  if (pat_prefix_check(prefix, prefix_len) != 0) return -1;
  memcpy(out, prefix, prefix_len);
  char *r = out + prefix_len;
  for (int i = 0; i < PAT_TOKEN_RANDOM_LEN; i++) r[i] = base62[pat_random_below(62)];
  size_t body = prefix_len + PAT_TOKEN_RANDOM_LEN;
  checksum_encode(out + body, pat_crc32((const unsigned char *)out, body));
  out[body + PAT_TOKEN_CHECKSUM_LEN] = '\0';
  return (int)(body + PAT_TOKEN_CHECKSUM_LEN);
}

static int is_space(unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int is_bearer(const char *p, size_t n) {
  static const char b[] = "bearer";
  if (n < 6) return 0;
  for (int i = 0; i < 6; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
    if (ch != (unsigned char)b[i]) return 0;
  }
  return 1;
}

int pat_token_parse(const char *in, size_t n, const char **tok, size_t *tok_len) {
  *tok = NULL;
  *tok_len = 0;
  if (in == NULL) return -1;
  while (n > 0 && is_space((unsigned char)in[0])) in++, n--;
  while (n > 0 && is_space((unsigned char)in[n - 1])) n--;
  /* "Bearer" then at least one space or tab: a token never holds either, so
  ** a bare token can not be mistaken for a header. */
  if (is_bearer(in, n) && n > 6 && (in[6] == ' ' || in[6] == '\t')) {
    in += 6, n -= 6;
    while (n > 0 && (in[0] == ' ' || in[0] == '\t')) in++, n--;
  }
  if (n < PAT_TOKEN_TAIL_LEN || n > PAT_TOKEN_MAX) return -1;
  if (!pat_token_alphabet_ok(in, n)) return -1;
  size_t body = n - PAT_TOKEN_CHECKSUM_LEN;
  for (size_t i = body - PAT_TOKEN_RANDOM_LEN; i < n; i++)
    if (!is_base62((unsigned char)in[i])) return -1;
  char want[PAT_TOKEN_CHECKSUM_LEN];
  checksum_encode(want, pat_crc32((const unsigned char *)in, body));
  if (memcmp(want, in + body, PAT_TOKEN_CHECKSUM_LEN) != 0) return -1;
  *tok = in;
  *tok_len = n;
  return 0;
}
