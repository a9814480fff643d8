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
** Never: copy, log or keep the token; its digest lives in the connection's
** buffer for the call (bound from there, without a copy), is compared in
** constant time against the stored one, and is wiped after the lookup.
*/
#include "functions.h"

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
  pat_err e = {0};
  memset(a, 0, sizeof *a);
  if (at != NULL) {
    int rc = pat_store_time_arg(c, at, "at", &a->at, &e);
    if (rc < 0) {
      pat_error(ctx, fn, &e);
      return -1;
    }
    a->explicit_at = rc == 0;
  }
  if (sqlite3_value_type(token) == SQLITE_TEXT) {
    /* The bytes as they are, without the NUL-terminated copy that asking
    ** for the text may make; a token is ASCII, so UTF-8 text reads the same.
    ** Text held as UTF-16 (zero bytes between the characters) is asked for
    ** as UTF-8. */
    const char *s = (const char *)sqlite3_value_blob(token);
    int n = sqlite3_value_bytes(token);
    a->well_formed = s != NULL && pat_token_parse(s, (size_t)n, &a->tok, &a->tok_len) == 0;
    if (!a->well_formed && s != NULL && n > 1 && memchr(s, 0, (size_t)n) != NULL) {
      s = (const char *)sqlite3_value_text(token);
      n = sqlite3_value_bytes(token);
      a->well_formed = s != NULL && pat_token_parse(s, (size_t)n, &a->tok, &a->tok_len) == 0;
    }
  }
  /* The clock only for a token worth looking up. */
  if (!a->explicit_at && a->well_formed) a->at = pat_now_vfs(c->vfs);
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

/* Reads the token's columns from a lookup row (id, valid_from, valid_to,
** digest, last_used_at), after a constant-time compare of the digest. */
static void read_found(sqlite3_stmt *st, const unsigned char *digest,
                       const check_args *a, found_token *f) {
  const void *stored = sqlite3_column_blob(st, 3);
  memset(f, 0, sizeof *f);
  if (stored == NULL || sqlite3_column_bytes(st, 3) != PAT_DIGEST_LEN ||
      !pat_digest_equal(stored, digest))
    return;
  f->found = 1;
  f->id = sqlite3_column_int64(st, 0);
  f->from = sqlite3_column_int64(st, 1);
  f->to = sqlite3_column_int64(st, 2);
  f->never_used = sqlite3_column_type(st, 4) == SQLITE_NULL;
  f->last_used = sqlite3_column_int64(st, 4);
  f->book = !a->explicit_at;
}

static int in_window(const found_token *f, int64_t at) {
  return at >= f->from && at < f->to;
}

/* Writes what the check owes on the side, once its lookup is reset. */
static void bookkeeping(pat_conn *c, const pat_policy *p, const found_token *f,
                        int64_t at, int passed, const char *detail) {
  if (!f->found || !f->book) return;
  pat_book_entry e = {.id = f->id, .now = at, .interval = pat_policy_interval(p),
                      .valid_from = f->from, .delay_ms = pat_policy_book_delay(p),
                      .detail = detail};
  /* Compared without a difference: a stored time may be anything. */
  e.touch = passed && (f->never_used || f->last_used <= at - e.interval);
  if (pat_policy_audit(p) == PAT_AUDIT_ALL) e.event = passed ? "use" : "deny";
  if (e.touch || e.event != NULL) pat_book_write(c, &e);
}

static const char *window_denial(const found_token *f, int64_t at) {
  return at < f->from ? "not yet valid" : "expired";
}

/* Runs the check's lookup by digest and takes the policy of the same read
** transaction: the row found brings the store's policy version (its last
** column); without a row it is read on its own (a connection whose key is
** not the store's finds no row, and is told). Returns the statement stepped
** (ROW or DONE; reset it), or NULL after setting *err, or NULL with *gone
** when the store vanished. */
static sqlite3_stmt *lookup(pat_conn *c, pat_stmt_id id, const check_args *a, int *has_row,
                            const pat_policy **policy, int *gone, pat_err *e) {
  *gone = 0;
  *policy = NULL;
  for (int attempt = 0;; attempt++) {
    sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, id, e);
    int rc = SQLITE_ERROR;
    if (st == NULL) {
      /* e says why */
    } else if (pat_conn_digest(c, c->digest, a->tok, a->tok_len) != 0) {
      /* In the connection's own buffer, which outlives the statement's use
      ** of it, so SQLite binds it without a copy; wiped once reset. */
      pat_wipe(c->digest, PAT_DIGEST_LEN);
      pat_fail(e, "can not digest the token");
      return NULL;
    } else {
      rc = sqlite3_bind_blob(st, 1, c->digest, PAT_DIGEST_LEN, SQLITE_STATIC);
      if (rc == SQLITE_OK) rc = sqlite3_step(st);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        pat_store_failed(c, rc);
        pat_fail(e, "%s", sqlite3_errmsg(c->db));
        sqlite3_reset(st);
        pat_wipe(c->digest, PAT_DIGEST_LEN);
      }
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
      *has_row = rc == SQLITE_ROW;
      *policy = *has_row ? pat_policy_at(c, sqlite3_column_int64(st, sqlite3_column_count(st) - 1),
                                         e)
                         : pat_policy_get(c, PAT_DB_MAIN, e);
      if (*policy == NULL) {
        sqlite3_reset(st);
        pat_wipe(c->digest, PAT_DIGEST_LEN);
        return NULL;
      }
      return st;
    }
    /* The store vanished (a rollback took back the transaction that made
    ** it), or changed under the cached statement (a rollback took back an
    ** upgrade, which opening it again redoes): look once more. Any other
    ** failure is the answer (an I/O error may have rolled back the
    ** application's transaction: nothing goes on after it). */
    if (st != NULL && !c->store_missing) return NULL;
    c->store_missing = 0;
    pat_err again;
    c->store_version = 0;
    int which = pat_store_open(c, &again);
    *gone = which == PAT_DB_DEFAULTS;
    if (which != PAT_DB_MAIN || attempt > 0) return NULL;
  }
}

/* Resets a lookup, and notices a schema change (which may have planted a
** shadowing object). 0, or -1 with err. */
static int lookup_done(pat_conn *c, pat_stmt_id id, sqlite3_stmt *st, pat_err *e) {
  sqlite3_reset(st);
  pat_wipe(c->digest, PAT_DIGEST_LEN);
  return pat_store_recheck(c, id, e);
}

void pat_fn_verify(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  const pat_policy *p;
  check_args a;
  found_token f;
  int has_row = 0, gone = 0;
  if (pat_guard(c, 1, &e) != 0) {
    pat_error(ctx, "pat_verify", &e);
    return;
  }
  if (read_args(ctx, "pat_verify", argv[0], argc > 1 ? argv[1] : NULL, &a) != 0) return;
  if (!a.well_formed) return; /* NULL, without a look at the database */
  int which = pat_store_open(c, &e);
  if (which < 0) {
    pat_error(ctx, "pat_verify", &e);
    return;
  }
  if (which != PAT_DB_MAIN) return; /* no store, no tokens */
  sqlite3_stmt *st = lookup(c, PAT_STMT_VERIFY, &a, &has_row, &p, &gone, &e);
  if (st == NULL) {
    if (!gone) pat_error(ctx, "pat_verify", &e);
    return;
  }
  memset(&f, 0, sizeof f);
  if (has_row) read_found(st, c->digest, &a, &f);
  if (lookup_done(c, PAT_STMT_VERIFY, st, &e) != 0) {
    pat_error(ctx, "pat_verify", &e);
    return;
  }
  int passed = f.found && in_window(&f, a.at);
  if (passed) sqlite3_result_int64(ctx, f.id);
  bookkeeping(c, p, &f, a.at, passed, passed ? NULL : window_denial(&f, a.at));
}

static void unknown_right(sqlite3_context *ctx, const char *right, int rn) {
  char shown[PAT_RIGHT_MAX + 1];
  pat_right_show(shown, sizeof shown, right, (size_t)rn);
  pat_errorf(ctx, "pat_has_right", "unknown right '%s'", shown);
}

/* The answer when there is no token to look up (malformed, or no store):
** 0 for a right of the catalog, else an error. */
static void answer_without_token(sqlite3_context *ctx, pat_conn *c, int which,
                                 const char *right, int rn) {
  pat_err e = {0};
  const pat_policy *p = pat_policy_get(c, which, &e);
  if (p == NULL && which == PAT_DB_MAIN && pat_store_gone(c))
    p = pat_policy_get(c, PAT_DB_DEFAULTS, &e);
  if (p == NULL) pat_error(ctx, "pat_has_right", &e);
  else if (pat_policy_right(p, right, (size_t)rn) >= 0) sqlite3_result_int(ctx, 0);
  else unknown_right(ctx, right, rn);
}

/* Whether the token's stored rights (a sorted JSON array of names) hold
** `right`: its name in quotes appears in the text. */
static int holds(const unsigned char *rights, int n, const char *right, int rn) {
  if (rights == NULL) return 0;
  for (int i = 0; i + rn + 2 <= n; i++) {
    if (rights[i] == '"' && rights[i + rn + 1] == '"' &&
        memcmp(rights + i + 1, right, (size_t)rn) == 0)
      return 1;
  }
  return 0;
}

/* Whether the token `id` holds `right`, from its row: its rights' hash was
** not cached (or the row has none). The set is remembered under the hash
** when the hash is the row's own. 0, or -1 with err. */
static int held_from_row(pat_conn *c, const pat_policy *p, int64_t id, int hashed,
                         int64_t hash, const char *right, int rn, int *held, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_RIGHTS, e);
  *held = 0;
  if (st == NULL) return -1;
  int rc = sqlite3_bind_int64(st, 1, id);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *json = sqlite3_column_text(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    *held = holds(json, n, right, rn);
    if (json != NULL && hashed && sqlite3_column_type(st, 1) == SQLITE_INTEGER &&
        sqlite3_column_int64(st, 1) == hash &&
        pat_rights_hash((const char *)json, (size_t)n) == hash)
      pat_policy_set_put(p, hash, (const char *)json, n);
  } else if (rc != SQLITE_DONE) {
    pat_fail(e, "%s", sqlite3_errmsg(c->db));
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

void pat_fn_has_right(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  char detail[PAT_RIGHT_MAX * 2 + 64];
  const pat_policy *p;
  check_args a;
  found_token f;
  int has_row = 0, gone = 0;
  if (pat_guard(c, 1, &e) != 0) {
    pat_error(ctx, "pat_has_right", &e);
    return;
  }
  if (read_args(ctx, "pat_has_right", argv[0], argc > 2 ? argv[2] : NULL, &a) != 0)
    return;
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    pat_errorf(ctx, "pat_has_right", "right must be a text");
    return;
  }
  const char *right = (const char *)sqlite3_value_text(argv[1]);
  int rn = sqlite3_value_bytes(argv[1]);
  if (right == NULL || !pat_right_name_ok(right, (size_t)rn)) {
    /* Not even the shape of a right name: unknown, whatever the token. */
    unknown_right(ctx, right ? right : "", right ? rn : 0);
    return;
  }
  int which = pat_store_open(c, &e);
  if (which < 0) {
    pat_error(ctx, "pat_has_right", &e);
    return;
  }
  if (!a.well_formed || which != PAT_DB_MAIN) {
    answer_without_token(ctx, c, which, right, rn);
    return;
  }
  /* While no owner is listed, every token's owner has default_role and the
  ** plain lookup by digest is enough (if that changed meanwhile, look again
  ** with the owner's role). */
  pat_stmt_id id = c->policy != NULL && !pat_policy_owners_listed(c->policy)
                       ? PAT_STMT_VERIFY
                       : PAT_STMT_HAS_RIGHT;
  sqlite3_stmt *st = lookup(c, id, &a, &has_row, &p, &gone, &e);
  if (st != NULL && id == PAT_STMT_VERIFY && pat_policy_owners_listed(p)) {
    sqlite3_reset(st);
    id = PAT_STMT_HAS_RIGHT;
    st = lookup(c, id, &a, &has_row, &p, &gone, &e);
  }
  if (st == NULL) {
    if (gone) answer_without_token(ctx, c, PAT_DB_DEFAULTS, right, rn);
    else pat_error(ctx, "pat_has_right", &e);
    return;
  }
  int audit_all = pat_policy_audit(p) == PAT_AUDIT_ALL;
  int k = pat_policy_right(p, right, (size_t)rn);
  int held = 0, granted = 0, from_row = 0, hashed = 0;
  int64_t hash = 0;
  const char *role = NULL;
  char role_buf[PAT_OWNER_MAX + 1];
  memset(&f, 0, sizeof f);
  detail[0] = '\0';
  if (has_row) {
    read_found(st, c->digest, &a, &f);
    if (id == PAT_STMT_HAS_RIGHT) {
      held = holds(sqlite3_column_text(st, 5), sqlite3_column_bytes(st, 5), right, rn);
      role = pat_policy_role(p, (const char *)sqlite3_column_text(st, 6));
    } else if (f.found) {
      /* The index names the rights by hash: usually a set seen before. */
      int n = 0;
      hashed = sqlite3_column_type(st, 5) == SQLITE_INTEGER;
      hash = sqlite3_column_int64(st, 5);
      const char *set = hashed ? pat_policy_set_get(p, hash, &n) : NULL;
      if (set != NULL) held = holds((const unsigned char *)set, n, right, rn);
      else from_row = 1;
      role = pat_policy_role(p, NULL);
    }
    granted = pat_policy_grants(p, role, k);
    /* Only a deny event names the role, and a listed role is the
    ** statement's text: keep it past the reset then, and only then. */
    if (audit_all && role != NULL && id == PAT_STMT_HAS_RIGHT) {
      snprintf(role_buf, sizeof role_buf, "%s", role);
      role = role_buf;
    }
  }
  if (lookup_done(c, id, st, &e) != 0 ||
      (from_row && held_from_row(c, p, f.id, hashed, hash, right, rn, &held, &e) != 0)) {
    pat_error(ctx, "pat_has_right", &e);
    return;
  }
  if (k < 0) {
    unknown_right(ctx, right, rn);
    return;
  }
  if (audit_all && f.found && held && !granted) {
    char shown[PAT_RIGHT_MAX + 1];
    pat_right_show(shown, sizeof shown, role ? role : "", role ? strlen(role) : 0);
    snprintf(detail, sizeof detail, "right not granted by role '%s': %.*s", shown, rn, right);
  }
  int valid = f.found && in_window(&f, a.at);
  int passed = valid && held && granted;
  sqlite3_result_int(ctx, passed);
  /* The event's detail, only when there is an event to write. */
  if (!audit_all) detail[0] = '\0';
  else if (passed) snprintf(detail, sizeof detail, "%.*s", rn, right);
  else if (!valid) snprintf(detail, sizeof detail, "%s", window_denial(&f, a.at));
  else if (!held) snprintf(detail, sizeof detail, "right not held: %.*s", rn, right);
  bookkeeping(c, p, &f, a.at, passed, detail);
}
