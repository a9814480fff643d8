/*
** key.c: the optional server-side key (pepper).
**
**   SELECT pat_key(x'8f1c...');     -- 32 to 64 bytes, bound from the app: this
**                                   -- connection digests tokens with the key
**   PAT_KEY=8f1c... ./app           -- or hex in the environment, read at load
**   SELECT pat_rekey(:new_key);     -- the store moves to a new key (see README)
**
** With a key, a token's digest is keyed BLAKE2b, so someone who can read the
** database file can not test guesses offline, and someone who can write it
** can not plant a token of their own. The key is never stored: the store
** records a fingerprint of the key it was made with, and a missing or wrong
** key is a clear error instead of every token silently failing. A store made
** without a key keeps working without one.
**
** Never: write, log or return the key; it lives in the connection's state
** and is wiped when the connection closes or the key changes.
*/
#include "functions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key argument: a BLOB of PAT_KEY_MIN..PAT_KEY_MAX bytes, or NULL. */
static int key_arg(sqlite3_context *ctx, const char *fn, sqlite3_value *v,
                   const unsigned char **key, size_t *len) {
  *key = NULL;
  *len = 0;
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
  int n = sqlite3_value_bytes(v);
  if (sqlite3_value_type(v) != SQLITE_BLOB || n < PAT_KEY_MIN || n > PAT_KEY_MAX) {
    pat_errorf(ctx, fn, "the key must be a BLOB of %d to %d bytes, or NULL for none",
              PAT_KEY_MIN, PAT_KEY_MAX);
    return -1;
  }
  *key = sqlite3_value_blob(v);
  *len = (size_t)n;
  return 0;
}

static void result_fingerprint(sqlite3_context *ctx, pat_conn *c) {
  if (c->keylen == 0) sqlite3_result_null(ctx);
  else sqlite3_result_text(ctx, c->key_fp, -1, SQLITE_TRANSIENT);
}

void pat_fn_key(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  const unsigned char *key;
  size_t len;
  (void)argc;
  if (key_arg(ctx, "pat_key", argv[0], &key, &len) != 0) return;
  if (pat_guard(c, 0, &e) != 0) {
    pat_error(ctx, "pat_key", &e);
    return;
  }
  if (pat_conn_set_key(c, key, len) != 0) {
    pat_errorf(ctx, "pat_key", "can not take the key");
    return;
  }
  result_fingerprint(ctx, c);
}

/* Moves the store to the key whose fingerprint is `fp` ('' for none), after
** proving the connection holds the store's current key: the store's
** fingerprint is read in the write's own transaction, never from a cache.
** Every connection's cached policy is read again (policy_version). */
static int rekey_store(pat_conn *c, const char *fp, pat_err *e) {
  int began = pat_store_begin(c);
  int ok = began != PAT_BEGAN_FAILED;
  c->writing++;
  sqlite3_stmt *st;
  int r = ok ? pat_store_query(c, PAT_DB_MAIN, PAT_STMT_KEY_FINGERPRINT, NULL, 0, &st, e)
             : -1;
  if (r >= 0) {
    ok = pat_key_matches(c, r > 0 ? (const char *)sqlite3_column_text(st, 0) : NULL, e) == 0;
    if (r > 0) pat_store_done(st);
  } else {
    ok = 0;
  }
  ok = ok &&
       pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_KEY_SET_FINGERPRINT, PAT_ARGS(PAT_TEXT(fp)), e) == 0 &&
       pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_KEY_NEW_VERSION, NULL, 0, e) == 0;
  c->writing--;
  pat_err end = {0};
  if (pat_store_end(c, began, ok, &end) != 0) {
    if (ok) pat_fail(e, "%s", end.msg);
    return -1;
  }
  return 0;
}

void pat_fn_rekey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  char fp[PAT_FINGERPRINT_HEX + 1] = "";
  const unsigned char *key;
  size_t len;
  (void)argc;
  if (key_arg(ctx, "pat_rekey", argv[0], &key, &len) != 0) return;
  int which = pat_guard(c, 0, &e) == 0 ? pat_store_validate(c, &e)
                                                     : -1;
  if (which < 0) {
    pat_error(ctx, "pat_rekey", &e);
    return;
  }
  if (len > 0 && pat_key_fingerprint(fp, key, len) != 0) {
    pat_errorf(ctx, "pat_rekey", "can not take the key");
    return;
  }
  if (which == PAT_DB_MAIN && rekey_store(c, fp, &e) != 0) {
    pat_error(ctx, "pat_rekey", &e);
    return;
  }
  if (pat_conn_set_key(c, key, len) != 0) {
    pat_errorf(ctx, "pat_rekey", "can not take the key");
    return;
  }
  result_fingerprint(ctx, c);
}
