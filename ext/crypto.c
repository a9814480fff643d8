/*
** crypto.c: everything pat asks of libsodium, and nothing of its own making.
**
** Tokens carry 190 random bits, so a fast unkeyed BLAKE2b-256 is enough to
** store them: nobody can search that space, with or without a slow password
** hash, and a check must cost microseconds, not the 60 ms of Argon2id.
**
** Never: log, return or keep a token or a digest beyond the call.
*/
#include "format.h"

#include <sodium.h>
#include <string.h>

int pat_crypto_init(void) {
  /* 0: initialised now, 1: already was; -1: no usable randomness. */
  return sodium_init() < 0 ? -1 : 0;
}

const char *pat_crypto_version(void) { return sodium_version_string(); }

uint32_t pat_random_below(uint32_t upper) { return randombytes_uniform(upper); }

void pat_random_buf(unsigned char *buf, size_t n) { randombytes_buf(buf, n); }

uint64_t pat_short_hash(const unsigned char *in, size_t n,
                        const unsigned char key[PAT_SHORT_HASH_KEY]) {
  unsigned char out[crypto_shorthash_BYTES];
  uint64_t h = 0;
  crypto_shorthash(out, in, n, key);
  for (size_t i = 0; i < sizeof out; i++) h = h << 8 | out[i];
  return h;
}

int pat_digest_keyed(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n,
                     const unsigned char *key, size_t keylen) {
  return crypto_generichash(out, PAT_DIGEST_LEN, (const unsigned char *)tok, n, key,
                            key != NULL ? keylen : 0) == 0
             ? 0
             : -1;
}

int64_t pat_rights_hash(const char *json, size_t n) {
  unsigned char h[16];
  uint64_t v = 0;
  /* Never fails with these lengths; 0 then only costs a slower check. */
  if (crypto_generichash(h, sizeof h, (const unsigned char *)json, n, NULL, 0) != 0) return 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | h[i];
  return (int64_t)(v >> 1);
}

int pat_digest(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n) {
  return pat_digest_keyed(out, tok, n, NULL, 0);
}

/* Names a key without revealing it: a keyed hash of a fixed text. */
int pat_key_fingerprint(char out[PAT_FINGERPRINT_HEX + 1], const unsigned char *key,
                        size_t keylen) {
  static const char label[] = "pat key fingerprint v1";
  unsigned char fp[PAT_FINGERPRINT_HEX / 2];
  if (crypto_generichash(fp, sizeof fp, (const unsigned char *)label, sizeof label - 1,
                         key, keylen) != 0)
    return -1;
  sodium_bin2hex(out, PAT_FINGERPRINT_HEX + 1, fp, sizeof fp);
  return 0;
}

int pat_hex_key(unsigned char *key, size_t cap, size_t *keylen, const char *hex) {
  size_t len = 0;
  if (sodium_hex2bin(key, cap, hex, strlen(hex), NULL, &len, NULL) != 0 ||
      len < PAT_KEY_MIN || len > PAT_KEY_MAX || len * 2 != strlen(hex)) {
    sodium_memzero(key, cap);
    return -1;
  }
  *keylen = len;
  return 0;
}

int pat_digest_equal(const unsigned char *a, const unsigned char *b) {
  return crypto_verify_32(a, b) == 0;
}

void pat_wipe(void *p, size_t n) {
  if (p != NULL) sodium_memzero(p, n);
}

/* Result buffers are NUL-terminated token text from pat_token_make. */
void pat_wipe_free(void *p) {
  if (p == NULL) return;
  pat_wipe(p, PAT_TOKEN_MAX + 1);
  sqlite3_free(p);
}
