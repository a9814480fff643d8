/*
** crypto.c: everything pat asks of libsodium, and nothing of its own making.
**
** Tokens carry 190 random bits, so a fast unkeyed BLAKE2b-256 is enough to
** store them: nobody can search that space, with or without a slow password
** hash, and a check must cost microseconds, not the 60 ms of Argon2id.
**
** Never: log, return or keep a token or a digest beyond the call.
*/
#include "pat_internal.h"

#include <sodium.h>

int pat_crypto_init(void) {
  /* 0: initialised now, 1: already was; -1: no usable randomness. */
  return sodium_init() < 0 ? -1 : 0;
}

uint32_t pat_random_below(uint32_t upper) { return randombytes_uniform(upper); }

int pat_digest(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n) {
  return crypto_generichash(out, PAT_DIGEST_LEN, (const unsigned char *)tok, n,
                            NULL, 0) == 0
             ? 0
             : -1;
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
