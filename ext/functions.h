/*
** functions.h: layer 6, pat's SQL functions: the checks (checks.c), the
** making and rotating of tokens (lifecycle.c), the server-side key (key.c),
** and how each answers an error (result.c).
*/
#ifndef PAT_FUNCTIONS_H
#define PAT_FUNCTIONS_H

#include "policy.h"

void pat_fn_verify(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_has_right(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_create(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_rotate(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* revoke.c */
void pat_fn_revoke(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* The checks pat_create and the changes of pat_tokens share (lifecycle.c);
** each returns 0, or -1 with a message without the function's name. */
int pat_owner_arg(sqlite3_value *v, char out[PAT_OWNER_MAX + 1], pat_err *e);
int pat_name_arg(sqlite3_value *v, pat_err *e);
/* valid_from plus the setting default_lifetime. */
int64_t pat_default_valid_to(const pat_policy *p, int64_t from);
/* valid_to after valid_from, and the lifetime within max_lifetime. */
int pat_window_check(const pat_policy *p, int64_t from, int64_t to, pat_err *e);
/* Parses a rights argument and expands it against the catalog and the
** owner's current role into a sorted JSON array (sqlite3_free it), and its
** pat_rights_hash. */
int pat_rights_for(pat_conn *c, int which, const pat_policy *p, const char *owner,
                   sqlite3_value *rights, char **json, int64_t *hash, pat_err *e);

/* options.c: a token's client context, as pat_create's options object or
** an UPDATE of pat_tokens gives it. */
#define PAT_DESCRIPTION_MAX 1000
typedef struct pat_options {
  int has_description, has_ips; /* given (NULL included) */
  char *description;            /* NULL: none */
  char *ips_json;               /* canonical JSON array, NULL: no list */
  unsigned char *blocks;        /* nblocks packed blocks (address.c) */
  int nblocks;
} pat_options;
void pat_options_free(pat_options *o);
/* The options object (NULL: none) read on store `which`. 0, or -1 with e. */
int pat_options_read(pat_conn *c, int which, sqlite3_value *v, pat_options *o, pat_err *e);
int pat_description_read(sqlite3_value *v, pat_options *o, pat_err *e);
/* An allow-list: a JSON array of 1 to PAT_BLOCKS_MAX blocks, or NULL. */
int pat_allowed_ips_read(pat_conn *c, int which, sqlite3_value *v, pat_options *o,
                         pat_err *e);
/* A check's client argument: 1 with the address, 0 for NULL (unknown), -1
** with e for anything else that is not an address. */
int pat_client_arg(sqlite3_value *v, pat_addr *out, pat_err *e);

void pat_fn_key(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_rekey(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* The function's answer is the error "fn: <e's message>" (masked). */
void pat_error(sqlite3_context *ctx, const char *fn, const pat_err *e);
/* The same, for a message made here. */
void pat_errorf(sqlite3_context *ctx, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
