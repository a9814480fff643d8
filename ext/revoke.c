/*
** revoke.c: pat_revoke, the cut-off of leaked tokens by their values.
**
**   SELECT pat_revoke('pat_...');                           -- 1
**   SELECT pat_revoke('["pat_...", "Bearer pat_..."]', 'found in a public gist');
**
** A leak report holds values, not ids, and anything else besides: each
** entry that is a token of this store (whatever its window, or a value in
** its rotation grace) is deleted as DELETE FROM pat_tokens deletes it, with
** a `revoke` event whose detail is the reason instead of a `delete` event
** (sql/schema.sql: the row's revoke_reason, set just before). Its values
** are then retired, as a delete retires them. Anything that is no token of
** this store counts 0 and is no error; only a bad reason, a bad array or
** more than PAT_REVOKE_MAX entries is, and then nothing is revoked: every
** revocation of one call is one write.
*/
#include "functions.h"

#include <string.h>

/* Entries of one call, at most (INTERFACE.md). */
#define PAT_REVOKE_MAX 1000
#define PAT_REASON_MAX 255

typedef struct revoke_list {
  unsigned char (*digest)[PAT_DIGEST_LEN];
  int n;
} revoke_list;

/* Adds the digest of `s` when it is a well-formed token (bare or a
** Bearer header); anything else counts for nothing. 0, or -1 with e. */
static int add_value(pat_conn *c, revoke_list *l, const char *s, size_t n, pat_err *e) {
  const char *tok;
  size_t len;
  if (s == NULL || pat_token_parse(s, n, &tok, &len) != 0) return 0;
  if (pat_conn_digest(c, l->digest[l->n], tok, len) != 0)
    return pat_fail(e, "can not compute a digest");
  l->n++;
  return 0;
}

/* The entries of `tokens`: one value, or a JSON array of at most
** PAT_REVOKE_MAX strings or NULLs. 0, or -1 with e. */
static int read_tokens(pat_conn *c, sqlite3_value *v, revoke_list *l, pat_err *e) {
  const char *s = (const char *)sqlite3_value_text(v);
  size_t n = (size_t)sqlite3_value_bytes(v), i = 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    /* A BLOB whose bytes are a token's text is that token. */
    if (sqlite3_value_type(v) == SQLITE_BLOB)
      return add_value(c, l, sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), e);
    return 0;
  }
  while (i < n && strchr(" \t\r\n", s[i]) != NULL) i++;
  if (i == n || s[i] != '[') return add_value(c, l, s, n, e);
  sqlite3_stmt *st;
  int64_t count = -1;
  int r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_JSON_ARRAY_LENGTH,
                          PAT_ARGS(PAT_VALUE(v)), &st, e);
  /* SQLite's refusal of malformed JSON (a plain SQLITE_ERROR), told from a
  ** failure to run the statement at all (busy, I/O, memory). */
  if (r < 0 && sqlite3_errcode(c->db) == SQLITE_ERROR) r = 0;
  if (r < 0) return -1;
  if (r > 0) {
    if (sqlite3_column_type(st, 0) == SQLITE_INTEGER) count = sqlite3_column_int64(st, 0);
    pat_store_done(st);
  }
  if (count < 0) return pat_fail(e, "tokens is not a valid JSON array");
  if (count > PAT_REVOKE_MAX)
    return pat_fail(e, "tokens holds %lld entries: at most %d in one call", (long long)count,
                    PAT_REVOKE_MAX);
  r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_JSON_ITEMS, PAT_ARGS(PAT_VALUE(v)), &st, e);
  while (r > 0) {
    const char *type = (const char *)sqlite3_column_text(st, 0);
    int rc;
    if (type != NULL && strcmp(type, "text") == 0) {
      if (add_value(c, l, (const char *)sqlite3_column_text(st, 1),
                    (size_t)sqlite3_column_bytes(st, 1), e) != 0)
        r = -1;
    } else if (type == NULL || strcmp(type, "null") != 0) {
      r = pat_fail(e, "tokens must hold strings or NULLs, not %s", type ? type : "(nothing)");
    }
    if (r > 0)
      r = (rc = sqlite3_step(st)) == SQLITE_ROW ? 1
          : rc == SQLITE_DONE                   ? 0
                                                : pat_fail(e, "%s", sqlite3_errmsg(c->db));
  }
  if (st != NULL) pat_store_done(st);
  return r;
}

/* The id of the token whose value (or value in grace) the digest is: 1 with
** *id, 0 none, -1 with e. */
static int find(pat_conn *c, const unsigned char *digest, int64_t now, int64_t *id,
                pat_err *e) {
  sqlite3_stmt *st;
  int r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_REVOKE_FIND,
                          PAT_ARGS(PAT_BLOB(digest, PAT_DIGEST_LEN), PAT_INT(now)), &st, e);
  if (r > 0) {
    *id = sqlite3_column_int64(st, 0);
    pat_store_done(st);
  }
  return r;
}

/* Revokes each token the list names, once. Inside pat's write. How many,
** or -1 with e. */
static int revoke_all(pat_conn *c, const revoke_list *l, const char *reason, pat_err *e) {
  int64_t now = pat_now_vfs(c->vfs), done = 0;
  for (int i = 0; i < l->n; i++) {
    int64_t id = 0;
    int r = find(c, l->digest[i], now, &id, e);
    if (r < 0) return -1;
    if (r == 0) continue; /* unknown, or revoked by an earlier entry */
    if (pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_REVOKE_MARK,
                       PAT_ARGS(PAT_INT(id), PAT_TEXT(reason)), e) != 0 ||
        pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_TOKEN_DELETE, PAT_ARGS(PAT_INT(id)), e) != 0)
      return -1;
    done++;
  }
  return (int)done;
}

void pat_fn_revoke(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  revoke_list l = {NULL, 0};
  const char *reason = "revoked";
  int count = -1;
  if (pat_guard(c, 0, &e) != 0) goto out;
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
      pat_fail(&e, "reason must be a non-empty text");
      goto out;
    }
    if (pat_text_check("reason", sqlite3_value_text(argv[1]), sqlite3_value_bytes(argv[1]),
                       PAT_REASON_MAX, &e) != 0)
      goto out;
    reason = (const char *)sqlite3_value_text(argv[1]);
  }
  l.digest = sqlite3_malloc64((sqlite3_uint64)PAT_REVOKE_MAX * sizeof *l.digest);
  if (l.digest == NULL) {
    pat_fail(&e, "out of memory");
    goto out;
  }
  if (read_tokens(c, argv[0], &l, &e) != 0) goto out;
  int which = pat_store_open(c, &e);
  if (which < 0) goto out;
  /* No store, or no token in the list: nothing to revoke, nothing written. */
  if (which != PAT_DB_MAIN || l.n == 0) {
    count = 0;
    goto out;
  }
  /* Under a replicating VFS (dqlite), a write that commits by itself in the
  ** middle of a reading statement is lost (lifecycle.c says the same). */
  if (!pat_vfs_is_os(c) && !pat_vfs_is_memory(c) && pat_nested_autocommit_write(c)) {
    pat_fail(&e, "the database's VFS '%s' is not the operating system's: "
             "revoke inside a transaction (BEGIN ... COMMIT) or with INSERT ... SELECT",
             pat_vfs_name(c));
    goto out;
  }
  int began = pat_store_begin(c);
  int ok = began != PAT_BEGAN_FAILED && pat_store_ensure(c, NULL, &e) == 0;
  if (ok) {
    c->writing++;
    count = revoke_all(c, &l, reason, &e);
    c->writing--;
    ok = count >= 0;
  }
  if (pat_store_end(c, began, ok, &e) != 0) count = -1;
out:
  if (l.digest != NULL) {
    pat_wipe(l.digest, (size_t)PAT_REVOKE_MAX * sizeof *l.digest);
    sqlite3_free(l.digest);
  }
  if (count < 0) pat_error(ctx, "pat_revoke", &e);
  else sqlite3_result_int(ctx, count);
}
