/*
** format.h: layer 2, the token and its cryptography: libsodium (crypto.c)
** and the token's text (token.c). No SQLite connection here.
*/
#ifndef PAT_FORMAT_H
#define PAT_FORMAT_H

#include "base.h"

/* --------------------------------------------------------------- crypto.c */

#define PAT_DIGEST_LEN 32

int pat_crypto_init(void);
const char *pat_crypto_version(void);
/* A uniform value in [0, upper). */
uint32_t pat_random_below(uint32_t upper);
void pat_random_buf(unsigned char *buf, size_t n);
/* SipHash-2-4 of `in` under a 16-byte key (libsodium's crypto_shorthash):
** a hash whose collisions nobody without the key can aim at. */
#define PAT_SHORT_HASH_KEY 16
uint64_t pat_short_hash(const unsigned char *in, size_t n,
                        const unsigned char key[PAT_SHORT_HASH_KEY]);
/* BLAKE2b-256 of the whole token text; keyed when the application gave pat
** a key (pepper), so the file alone lets nobody test guesses or plant a
** token. */
int pat_digest(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n);
/* A token's rights (the stored JSON text) named by 63 bits of its BLAKE2b:
** kept in the digest index, so pat_has_right finds the set in a
** per-connection cache without reading the row. pat only ever names the
** sorted sets of catalog names it writes, among which a collision is out of
** reach. */
int64_t pat_rights_hash(const char *json, size_t n);
int pat_digest_keyed(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n,
                     const unsigned char *key, size_t keylen);
#define PAT_KEY_MIN 32
#define PAT_KEY_MAX 64
#define PAT_FINGERPRINT_HEX 16
int pat_key_fingerprint(char out[PAT_FINGERPRINT_HEX + 1], const unsigned char *key,
                        size_t keylen);
/* A key from hex text (PAT_KEY_MIN..PAT_KEY_MAX bytes); 0, or -1. */
int pat_hex_key(unsigned char *key, size_t cap, size_t *keylen, const char *hex);
/* 1 when equal, compared in constant time. */
int pat_digest_equal(const unsigned char *a, const unsigned char *b);
void pat_wipe(void *p, size_t n);
/* sqlite3 destructor for a result buffer that held a plaintext token. */
void pat_wipe_free(void *p);

/* ---------------------------------------------------------------- token.c */

/* Random part: 32 base62 characters (190 bits). Checksum: CRC32 of the
** prefix and the random part, as 6 base62 characters. */
#define PAT_TOKEN_RANDOM_LEN 32
#define PAT_TOKEN_CHECKSUM_LEN 6
#define PAT_TOKEN_TAIL_LEN (PAT_TOKEN_RANDOM_LEN + PAT_TOKEN_CHECKSUM_LEN)
#define PAT_PREFIX_MAX 32
#define PAT_TOKEN_MAX (PAT_PREFIX_MAX + PAT_TOKEN_TAIL_LEN)

uint32_t pat_crc32(const unsigned char *p, size_t n);
/* 1 when every byte is in [A-Za-z0-9_] (the empty string counts). */
int pat_token_alphabet_ok(const char *p, size_t n);
/* 0 when `prefix` may start new tokens: at most PAT_PREFIX_MAX bytes of
** [A-Za-z0-9_]. */
int pat_prefix_check(const char *prefix, size_t n);
/* Writes prefix + random + checksum into out (room for PAT_TOKEN_MAX + 1
** bytes, NUL-terminated) and returns its length, or -1 for a bad prefix. */
int pat_token_make(char *out, const char *prefix, size_t prefix_len);
/* Finds the token in a bare token or an Authorization header value
** ("Bearer <token>", white space around ignored). On success returns 0 and
** points *tok and *tok_len into `in`; -1 when it is not a well-formed token with
** a correct checksum. Reads nothing but `in`. */
int pat_token_parse(const char *in, size_t n, const char **tok, size_t *tok_len);
/* What stands for a masked secret in messages and event details. */
#define PAT_MASK "(a token)"
/* Masks, in place, every run of text that could be a token's random part
** (PAT_TOKEN_RANDOM_LEN or more base62 characters): errors and event
** details quote what the caller gave, which may hold a token. */
void pat_mask_secrets(char *s);
/* A value as a message quotes it: at most `limit` bytes (and cap - 1) of it,
** anything but printable ASCII as '?', and every run that could be a
** token's random part masked, as the run it is in the whole value, not as
** the limit cuts it. Returns how many bytes of `s` it covers (< n: cut). */
size_t pat_quote(char *dst, size_t cap, const char *s, size_t n, size_t limit);
/* Fails with "<prefix> '<s>'": at most `limit` (up to PAT_QUOTE_MAX)
** bytes of s as pat_quote shows them, "..." past that, and a token given in
** the wrong place as PAT_MASK alone. -1. */
#define PAT_QUOTE_MAX 60
int pat_fail_quoted(pat_err *e, const char *prefix, const char *s, size_t n, size_t limit);

#endif
