/*
** checks.c: pat_verify and pat_has_right, the hot path.
**
**   SELECT pat_verify('Bearer pat_...');                  -- 7, or NULL
**   SELECT pat_has_right('Bearer pat_...', 'DATA_FETCH');  -- 1 or 0
**
** A check costs one digest and one prepared lookup. Anything that is not a
** well-formed token with a correct checksum is answered without touching the
** database. The token argument never raises an error; only a bad `at` or
** right name does.
**
** A check without `at` also does the bookkeeping (bookkeeping.c): the
** token's last_used_at and, under `audit = all`, a use or deny event. A
** check with `at` is an audit question and writes nothing.
**
** Never: copy, log or keep the token; the digest lives on the stack for the
** call and is compared in constant time against the stored one.
*/
#include "pat_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct check_args {
  int64_t at;
  int explicit_at; /* an audit question: no bookkeeping */
  const char *tok;
  size_t tok_len;
  int well_formed;
} check_args;

/* Reads the token and `at` arguments; -1 after setting an SQL error. */
static int read_args(sqlite3_context *ctx, const char *fn, sqlite3_value *token,
                     sqlite3_value *at, check_args *a) {
  pat_conn *c = sqlite3_user_data(ctx);
  char err[PAT_ERRMAX];
  memset(a, 0, sizeof *a);
  if (at != NULL) {
    int rc = pat_time_arg(c->db, at, "at", &a->at, err, sizeof err);
    if (rc < 0) {
      pat_error(ctx, fn, "%s", err);
      return -1;
    }
    a->explicit_at = rc == 0;
  }
  if (!a->explicit_at) a->at = pat_now(c->db);
  if (sqlite3_value_type(token) == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(token);
    int n = sqlite3_value_bytes(token);
    a->well_formed = s != NULL && pat_token_parse(s, (size_t)n, &a->tok, &a->tok_len) == 0;
  }
  return 0;
}

/* What the lookup found of a token, when it found one. */
typedef struct found_token {
  int found;
  int64_t id, from, to;
  int never_used;
  int64_t last_used;
  int book; /* bookkeeping owed: a check without `at` */
} found_token;

/* Reads the token's columns from a lookup row (id at column `col`, then
** valid_from, valid_to, digest, last_used_at), after a constant-time compare
** of the digest. */
static void read_found(sqlite3_stmt *st, int col, const unsigned char *digest,
                       const check_args *a, found_token *f) {
  const void *stored = sqlite3_column_blob(st, col + 3);
  memset(f, 0, sizeof *f);
  if (stored == NULL || sqlite3_column_bytes(st, col + 3) != PAT_DIGEST_LEN ||
      !pat_digest_equal(stored, digest))
    return;
  f->found = 1;
  f->id = sqlite3_column_int64(st, col);
  f->from = sqlite3_column_int64(st, col + 1);
  f->to = sqlite3_column_int64(st, col + 2);
  f->never_used = sqlite3_column_type(st, col + 4) == SQLITE_NULL;
  f->last_used = sqlite3_column_int64(st, col + 4);
  f->book = !a->explicit_at;
}

static int in_window(const found_token *f, int64_t at) {
  return at >= f->from && at < f->to;
}

/* Writes what the check owes on the side, once its lookup is reset. */
static void bookkeeping(pat_conn *c, const found_token *f, int64_t at, int passed,
                        const char *detail) {
  if (!f->found || !f->book) return;
  pat_book_entry e = {.id = f->id, .now = at, .detail = detail};
  e.touch = passed && (f->never_used || at - f->last_used >= c->last_used_interval);
  if (c->audit == PAT_AUDIT_ALL) e.event = passed ? "use" : "deny";
  if (e.touch || e.event != NULL) pat_book_write(c, &e);
}

static const char *window_denial(const found_token *f, int64_t at) {
  return at < f->from ? "not yet valid" : "expired";
}

void pat_fn_verify(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  char err[PAT_ERRMAX];
  unsigned char digest[PAT_DIGEST_LEN];
  check_args a;
  found_token f;
  if (read_args(ctx, "pat_verify", argv[0], argc > 1 ? argv[1] : NULL, &a) != 0) return;
  if (!a.well_formed) return; /* NULL, without a look at the database */
  int which = pat_store_open(c, err, sizeof err);
  if (which < 0) {
    pat_error(ctx, "pat_verify", "%s", err);
    return;
  }
  if (which != PAT_DB_MAIN) return; /* no store, no tokens */
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_VERIFY);
  if (st == NULL && pat_store_gone(c)) return;
  if (st == NULL || pat_conn_digest(c, digest, a.tok, a.tok_len) != 0) {
    pat_error(ctx, "pat_verify", "%s", st ? "can not digest the token" : c->errmsg);
    return;
  }
  int rc = sqlite3_bind_blob(st, 1, digest, PAT_DIGEST_LEN, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  int fresh = 0;
  memset(&f, 0, sizeof f);
  if (rc == SQLITE_ROW) read_found(st, 0, digest, &a, &f);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) fresh = pat_store_fresh(c, err, sizeof err);
  else snprintf(err, sizeof err, "%s", sqlite3_errmsg(c->db));
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  pat_wipe(digest, sizeof digest);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    if (!pat_store_gone(c)) pat_error(ctx, "pat_verify", "%s", err);
    return;
  }
  if (fresh != 0) {
    pat_error(ctx, "pat_verify", "%s", err);
    return;
  }
  if (pat_store_recheck(c, PAT_STMT_VERIFY, err, sizeof err) != 0) {
    pat_error(ctx, "pat_verify", "%s", err);
    return;
  }
  int passed = f.found && in_window(&f, a.at);
  if (passed) sqlite3_result_int64(ctx, f.id);
  bookkeeping(c, &f, a.at, passed, passed ? NULL : window_denial(&f, a.at));
}

/* Whether the right is in the catalog of the store that answers reads;
** -1 with the reason in c->errmsg. */
static int right_known(pat_conn *c, int which, const char *right, int n) {
  sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_RIGHT_KNOWN);
  if (st == NULL) return -1;
  int rc = sqlite3_bind_text(st, 1, right, n, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  int known = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  if (known < 0)
    snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(pat_store_db(c, which)));
  sqlite3_reset(st);
  return known;
}

static void unknown_right(sqlite3_context *ctx, const char *right, int rn) {
  char shown[PAT_RIGHT_MAX + 1];
  pat_right_show(shown, sizeof shown, right, (size_t)rn);
  pat_error(ctx, "pat_has_right", "unknown right '%s'", shown);
}

/* The answer when there is no token to look up (malformed, or no store):
** 0 for a right of the catalog, else an error. */
static void answer_without_token(sqlite3_context *ctx, pat_conn *c, int which,
                                 const char *right, int rn) {
  int known = right_known(c, which, right, rn);
  if (known < 0 && which == PAT_DB_MAIN && pat_store_gone(c))
    known = right_known(c, PAT_DB_DEFAULTS, right, rn);
  if (known < 0) pat_error(ctx, "pat_has_right", "%s", c->errmsg);
  else if (known) sqlite3_result_int(ctx, 0);
  else unknown_right(ctx, right, rn);
}

void pat_fn_has_right(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  char err[PAT_ERRMAX], detail[PAT_RIGHT_MAX * 2 + 64];
  unsigned char digest[PAT_DIGEST_LEN];
  check_args a;
  found_token f;
  if (read_args(ctx, "pat_has_right", argv[0], argc > 2 ? argv[2] : NULL, &a) != 0)
    return;
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    pat_error(ctx, "pat_has_right", "right must be a text");
    return;
  }
  const char *right = (const char *)sqlite3_value_text(argv[1]);
  int rn = sqlite3_value_bytes(argv[1]);
  if (right == NULL || !pat_right_name_ok(right, (size_t)rn)) {
    /* Not even the shape of a right name: unknown, whatever the token. */
    unknown_right(ctx, right ? right : "", right ? rn : 0);
    return;
  }
  int which = pat_store_open(c, err, sizeof err);
  if (which < 0) {
    pat_error(ctx, "pat_has_right", "%s", err);
    return;
  }
  if (!a.well_formed || which != PAT_DB_MAIN) {
    answer_without_token(ctx, c, which, right, rn);
    return;
  }
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_HAS_RIGHT);
  if (st == NULL && pat_store_gone(c)) {
    answer_without_token(ctx, c, PAT_DB_DEFAULTS, right, rn);
    return;
  }
  if (st == NULL || pat_conn_digest(c, digest, a.tok, a.tok_len) != 0) {
    pat_error(ctx, "pat_has_right", "%s", st ? "can not digest the token" : c->errmsg);
    return;
  }
  int rc = sqlite3_bind_blob(st, 1, digest, PAT_DIGEST_LEN, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, right, rn, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  int known = 0, held = 0, granted = 0, fresh = 0;
  memset(&f, 0, sizeof f);
  detail[0] = '\0';
  if (rc == SQLITE_ROW) {
    known = sqlite3_column_int(st, 0);
    read_found(st, 1, digest, &a, &f);
    fresh = pat_store_fresh(c, err, sizeof err);
    held = sqlite3_column_int(st, 6);
    granted = sqlite3_column_int(st, 7);
    if (f.found && held && !granted) {
      char role[PAT_RIGHT_MAX + 1];
      const char *r = (const char *)sqlite3_column_text(st, 8);
      pat_right_show(role, sizeof role, r ? r : "", r ? strlen(r) : 0);
      snprintf(detail, sizeof detail, "right not granted by role '%s': %.*s", role, rn, right);
    }
  } else {
    snprintf(err, sizeof err, "%s", sqlite3_errmsg(c->db));
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  pat_wipe(digest, sizeof digest);
  if (rc != SQLITE_ROW) {
    if (pat_store_gone(c)) answer_without_token(ctx, c, PAT_DB_DEFAULTS, right, rn);
    else pat_error(ctx, "pat_has_right", "%s", err);
    return;
  }
  if (fresh != 0) {
    pat_error(ctx, "pat_has_right", "%s", err);
    return;
  }
  if (pat_store_recheck(c, PAT_STMT_HAS_RIGHT, err, sizeof err) != 0) {
    pat_error(ctx, "pat_has_right", "%s", err);
    return;
  }
  if (!known) {
    unknown_right(ctx, right, rn);
    return;
  }
  int valid = f.found && in_window(&f, a.at);
  int passed = valid && held && granted;
  sqlite3_result_int(ctx, passed);
  if (passed) snprintf(detail, sizeof detail, "%.*s", rn, right);
  else if (!valid) snprintf(detail, sizeof detail, "%s", window_denial(&f, a.at));
  else if (!held) snprintf(detail, sizeof detail, "right not held: %.*s", rn, right);
  bookkeeping(c, &f, a.at, passed, detail);
}
