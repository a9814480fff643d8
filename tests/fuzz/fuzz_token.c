/*
** fuzz_token.c: libFuzzer target for the token text (ext/token.c).
**
** Each input is used three ways:
**   1. pat_token_parse on the whole input, compared with a separate model of
**      the contract (INTERFACE.md, "Tokens" and pat_verify's header form):
**      both must agree on accept/reject and on where the token is.
**   2. pat_crc32 against a bitwise CRC-32 (IEEE, reflected).
**   3. A round trip: a prefix taken from the input (first byte: its length,
**      up to 40, so over-long prefixes come too); pat_token_make must refuse
**      exactly the prefixes the contract refuses, and a token it makes must
**      parse back whole, and stop parsing when any one character of its
**      random part or checksum is changed (input-chosen position and value).
**
** No SQLite here: the token code calls nothing of ours but the random source.
*/
#include "fuzz_common.h"

static const char model_base62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static uint32_t model_crc32(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static int model_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int model_b62(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
static int model_tokchar(unsigned char c) { return c == '_' || model_b62(c); }

/* The contract, written out plainly: 0 and the token's place, or -1. */
static int model_parse(const unsigned char *in, size_t n, size_t *off, size_t *len) {
  size_t a = 0, b = n;
  while (a < b && model_space(in[a])) a++;
  while (b > a && model_space(in[b - 1])) b--;
  if (b - a > 6 && (in[a + 6] == ' ' || in[a + 6] == '\t')) {
    static const char bearer[] = "bearer";
    int is = 1;
    for (int i = 0; i < 6; i++) {
      unsigned char c = in[a + (size_t)i];
      if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
      if (c != (unsigned char)bearer[i]) is = 0;
    }
    if (is) {
      a += 6;
      while (a < b && (in[a] == ' ' || in[a] == '\t')) a++;
    }
  }
  size_t m = b - a;
  if (m < PAT_TOKEN_TAIL_LEN || m > PAT_PREFIX_MAX + PAT_TOKEN_TAIL_LEN) return -1;
  for (size_t i = 0; i < m; i++) {
    unsigned char c = in[a + i];
    int tail = i >= m - PAT_TOKEN_TAIL_LEN;
    if (tail ? !model_b62(c) : !model_tokchar(c)) return -1;
  }
  uint32_t crc = model_crc32(in + a, m - PAT_TOKEN_CHECKSUM_LEN);
  char want[PAT_TOKEN_CHECKSUM_LEN];
  for (int i = PAT_TOKEN_CHECKSUM_LEN - 1; i >= 0; i--) {
    want[i] = model_base62[crc % 62];
    crc /= 62;
  }
  if (memcmp(want, in + a + m - PAT_TOKEN_CHECKSUM_LEN, PAT_TOKEN_CHECKSUM_LEN) != 0) return -1;
  *off = a;
  *len = m;
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (pat_crypto_init() != 0) fz_fail("pat_crypto_init failed");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* 1. parse: a private copy, so that a read past its end is caught. */
  char *in = malloc(size ? size : 1);
  if (in == NULL) abort();
  if (size) memcpy(in, data, size);
  const char *tok = (const char *)data; /* poisoned unless parse sets it */
  size_t tok_len = 12345;
  int got = pat_token_parse(in, size, &tok, &tok_len);
  size_t off = 0, len = 0;
  int want = model_parse(data, size, &off, &len);
  if (got != want)
    fz_fail("pat_token_parse says %d, the contract %d (input of %zu bytes)", got, want, size);
  if (got == 0 && (tok != in + off || tok_len != len))
    fz_fail("pat_token_parse found the token at %td+%zu, the contract at %zu+%zu",
            tok - in, tok_len, off, len);
  if (got != 0 && (tok != NULL || tok_len != 0))
    fz_fail("pat_token_parse left *tok/*tok_len set after a refusal");
  free(in);

  /* 2. checksum */
  if (pat_crc32(data, size) != model_crc32(data, size)) fz_fail("pat_crc32 differs from CRC-32");

  /* 3. round trip on a prefix from the input */
  if (size == 0) return 0;
  size_t plen = data[0] % 41;
  if (plen > size - 1) plen = size - 1;
  const char *prefix = (const char *)data + 1;
  int prefix_ok = plen <= PAT_PREFIX_MAX;
  for (size_t i = 0; i < plen; i++)
    if (!model_tokchar((unsigned char)prefix[i])) prefix_ok = 0;
  if ((pat_prefix_check(prefix, plen) == 0) != prefix_ok)
    fz_fail("pat_prefix_check says %d for a prefix the contract %s",
            pat_prefix_check(prefix, plen), prefix_ok ? "accepts" : "refuses");
  char out[PAT_TOKEN_MAX + 1];
  memset(out, 0x55, sizeof out);
  int n = pat_token_make(out, prefix, plen);
  if (!prefix_ok) {
    if (n != -1) fz_fail("pat_token_make accepted a bad prefix");
    return 0;
  }
  if (n != (int)(plen + PAT_TOKEN_TAIL_LEN) || out[n] != '\0')
    fz_fail("pat_token_make returned %d for a prefix of %zu bytes", n, plen);
  if (memcmp(out, prefix, plen) != 0) fz_fail("the made token does not start with its prefix");
  if (pat_token_parse(out, (size_t)n, &tok, &tok_len) != 0 || tok != out ||
      tok_len != (size_t)n)
    fz_fail("a made token does not parse back: %s", out);
  if (model_parse((const unsigned char *)out, (size_t)n, &off, &len) != 0)
    fz_fail("a made token breaks the contract: %s", out);

  /* One changed character of the random part or checksum: CRC-32 catches
  ** every error within 32 bits, so this never parses. */
  size_t rest = size - 1 - plen;
  const uint8_t *r = data + 1 + plen;
  size_t pos = plen + (rest > 0 ? r[0] : 0) % PAT_TOKEN_TAIL_LEN;
  char old = out[pos];
  char repl = model_base62[(rest > 1 ? r[1] : 1) % 62];
  if (repl == old) repl = model_base62[(strchr(model_base62, old) - model_base62 + 1) % 62];
  out[pos] = repl;
  if (pat_token_parse(out, (size_t)n, &tok, &tok_len) == 0)
    fz_fail("a token with character %zu changed still parses: %s", pos, out);
  return 0;
}
