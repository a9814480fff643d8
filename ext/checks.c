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
** token's last_used_at (and the client's address) and, under `audit = all`,
** a use or deny event. A check with `at` is an audit question and writes
** nothing.
**
** A token passes when the lookup found it, `at` lies in its window, the
** client lies in its allow-list (a token without one: any client, or none)
** and it is not idle (max_idle): refuse().
**
** Never: copy, log or keep the token; its digest lives in the connection's
** buffer for the call (bound from there, without a copy), is compared in
** constant time against the stored one, and is wiped after the lookup.
*/
#include "functions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_args {
  int64_t at;
  int explicit_at; /* an audit question: no bookkeeping */
  int has_client;  /* the caller's address is known */
  pat_addr client;
  const char *tok;
  size_t tok_len;
  int well_formed;
} check_args;

/* Reads the token, `at` and `client` arguments; -1 after setting an SQL
** error (a bad `at` or client, whatever the token). */
static int read_args(sqlite3_context *ctx, const char *fn, sqlite3_value *token,
                     sqlite3_value *at, sqlite3_value *client, check_args *a) {
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
  if (client != NULL) {
    int rc = pat_client_arg(client, &a->client, &e);
    if (rc < 0) {
      pat_error(ctx, fn, &e);
      return -1;
    }
    a->has_client = rc == 1;
  }
  int type = sqlite3_value_type(token);
  if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
    /* The bytes as they are, without the NUL-terminated copy that asking
    ** for the text may make; a token is ASCII, so UTF-8 text reads the same.
    ** A BLOB whose bytes are a token's text is that token (INTERFACE.md:
    ** clients hand header values over as bytes). Text held as UTF-16 (zero
    ** bytes between the characters) is asked for as UTF-8. */
    const char *s = (const char *)sqlite3_value_blob(token);
    int n = sqlite3_value_bytes(token);
    a->well_formed = s != NULL && pat_token_parse(s, (size_t)n, &a->tok, &a->tok_len) == 0;
    if (!a->well_formed && type == SQLITE_TEXT && s != NULL && n > 1 &&
        memchr(s, 0, (size_t)n) != NULL) {
      s = (const char *)sqlite3_value_text(token);
      n = sqlite3_value_bytes(token);
      a->well_formed = s != NULL && pat_token_parse(s, (size_t)n, &a->tok, &a->tok_len) == 0;
    }
  }
  /* The clock only for a token worth looking up. */
  if (!a->explicit_at && a->well_formed) a->at = pat_now_vfs(c->vfs);
  return 0;
}

/* The columns of a lookup row (PAT_STMT_VERIFY, PAT_STMT_HAS_RIGHT and
** their _V5 and _OLD, store.c): the token's id, window, the digest it was
** found by, the end of a rotation grace that runs, which value it was found
** by (PAT_LOOK_*), its allow-list (allowed_blocks, NULL: none), then its
** rights (their hash for verify, the text for has_right), then for
** has_right the owner's listed role; the last column is the store's policy
** version. A retired value's row (PAT_LOOK_RETIRED)
** brings its token's id, when it retired, its own row's id and why in the
** columns RETIRED_*. */
enum {
  LOOK_ID, LOOK_FROM, LOOK_TO, LOOK_DIGEST, LOOK_GRACE_END, LOOK_KIND, LOOK_BLOCKS,
  LOOK_RIGHTS, LOOK_ROLE
};
enum { RETIRED_TOKEN = LOOK_ID, RETIRED_AT = LOOK_FROM, RETIRED_ROW = LOOK_TO,
       RETIRED_WHY = LOOK_RIGHTS };

/* What the lookup found of a token, when it found one. */
typedef struct found_token {
  int found;
  int64_t id, from, to;
  int book;          /* bookkeeping owed: a check without `at` */
  int by_old_value;  /* found by its value in a rotation grace */
  int64_t grace_end; /* a rotation grace runs until then (0: none) */
  int client_ok;     /* no allow-list, or the client lies in it */
  /* A retired value, when the lookup found that (found is 0): its row in
  ** pat_store_retired (0: none), its token, when and why it retired. */
  int64_t retired_row, retired_token, retired_at;
  char why[16];
} found_token;

/* Reads the token's columns from a lookup row, after a constant-time
** compare of the digest. */
static void read_found(sqlite3_stmt *st, const unsigned char *digest,
                       const check_args *a, found_token *f) {
  const void *stored = sqlite3_column_blob(st, LOOK_DIGEST);
  int kind = sqlite3_column_int(st, LOOK_KIND);
  memset(f, 0, sizeof *f);
  if (stored == NULL || sqlite3_column_bytes(st, LOOK_DIGEST) != PAT_DIGEST_LEN ||
      !pat_digest_equal(stored, digest))
    return;
  f->book = !a->explicit_at;
  if (kind == PAT_LOOK_RETIRED) {
    const unsigned char *why = sqlite3_column_text(st, RETIRED_WHY);
    f->retired_row = sqlite3_column_int64(st, RETIRED_ROW);
    f->retired_token = sqlite3_column_int64(st, RETIRED_TOKEN);
    f->retired_at = sqlite3_column_int64(st, RETIRED_AT);
    snprintf(f->why, sizeof f->why, "%s", why != NULL ? (const char *)why : "");
    return;
  }
  f->found = 1;
  f->id = sqlite3_column_int64(st, LOOK_ID);
  f->from = sqlite3_column_int64(st, LOOK_FROM);
  f->to = sqlite3_column_int64(st, LOOK_TO);
  f->grace_end = sqlite3_column_int64(st, LOOK_GRACE_END);
  f->by_old_value = kind == PAT_LOOK_GRACE;
  /* Fail closed: a token with a list and a check without a client. */
  const unsigned char *blocks = sqlite3_column_blob(st, LOOK_BLOCKS);
  f->client_ok = sqlite3_column_type(st, LOOK_BLOCKS) == SQLITE_NULL ||
                 (a->has_client &&
                  pat_blocks_have(blocks, (size_t)sqlite3_column_bytes(st, LOOK_BLOCKS),
                                  &a->client));
}

/* A value this connection stopped and has not written yet (a grace it
** ended, a token it revoked) is refused as if written (bookkeeping.c).
** 1 when it was. */
static int stopped_here(pat_conn *c, found_token *f) {
  if (!f->found || !pat_book_stops(c, f->id, f->by_old_value)) return 0;
  f->found = 0;
  return 1;
}

/* After a lookup that found a value stopped here only: 1 when what stopped
** it could be written now, so that the check looks once more and finds the
** value retired (its attempt recorded, rotate_reuse applied), as any other
** connection now would. */
static int look_again(pat_conn *c, int stopped, int look) {
  return stopped && look == 0 && pat_book_write_state(c);
}

/* After a lookup whose statement was made for an older store (its _V5 or
** _OLD form) while another connection upgraded it: the look at the schema
** after it moved this connection to the new version, and the answer, which
** knew no allow-list, is not taken: 1 to look once more with this version's
** lookup (the function names it: verify_lookup, has_right_lookup, below). */
static pat_stmt_id verify_lookup(const pat_conn *c);
static pat_stmt_id has_right_lookup(const pat_conn *c);
static int stale_lookup(const pat_conn *c, pat_stmt_id id, int look) {
  return look == 0 && id != verify_lookup(c) && id != has_right_lookup(c);
}

static int in_window(const found_token *f, int64_t at) {
  return at >= f->from && at < f->to;
}

static const char *window_denial(const found_token *f, int64_t at) {
  return at < f->from ? "not yet valid" : "expired";
}

/* Whether token f is idle at `at` (INTERFACE.md, max_idle): at least
** max_idle after the latest of its valid_from, its last rotation and its
** uses, the store's and those this connection holds. The index's
** valid_from and what the connection holds settle most checks; else the
** row is read. 1 idle, 0 not, -1 with e. */
static int idle(pat_conn *c, const pat_policy *p, const found_token *f, int64_t at,
                pat_err *e) {
  int64_t max_idle, since = f->from;
  if (!pat_policy_max_idle(p, &max_idle) || c->store_version < PAT_SCHEMA_CLIENT) return 0;
  int64_t held = pat_book_last_use(c, f->id, f->from);
  if (held > since) since = held;
  /* Times and settings are bounded (PAT_SECONDS_MAX): no overflow. */
  if (at - since < max_idle) return 0;
  sqlite3_stmt *st;
  int r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_IDLE_SINCE, PAT_ARGS(PAT_INT(f->id)), &st, e);
  if (r < 0) return -1;
  if (r > 0) {
    if (sqlite3_column_type(st, 0) == SQLITE_INTEGER && sqlite3_column_int64(st, 0) > since)
      since = sqlite3_column_int64(st, 0);
    pat_store_done(st);
  }
  return at - since >= max_idle;
}

/* Why a token the lookup found is refused at `at`, into detail: outside
** its window (which wins), a client outside its allow-list, idle. 0 when it
** passes, 1 refused, -1 with e. */
static int refuse(pat_conn *c, const pat_policy *p, const found_token *f, const check_args *a,
                  char *detail, size_t cap, pat_err *e) {
  if (!in_window(f, a->at)) {
    snprintf(detail, cap, "%s", window_denial(f, a->at));
    return 1;
  }
  if (!f->client_ok) {
    /* The canonical text only here and in the bookkeeping: inet_ntop
    ** costs a hit more than the match itself. */
    char shown[PAT_ADDR_TEXT] = "unknown";
    if (a->has_client) pat_addr_show(&a->client, shown);
    snprintf(detail, cap, "client not allowed: %s", shown);
    return 1;
  }
  int r = idle(c, p, f, a->at, e);
  if (r > 0) snprintf(detail, cap, "idle");
  return r;
}

/* Writes what the check owes on the side, once its lookup is reset. */
static void bookkeeping(pat_conn *c, const pat_policy *p, const found_token *f,
                        const check_args *a, int passed, const char *detail) {
  int64_t at = a->at;
  if (!f->found || !f->book) return;
  /* The first use of the new value ends a rotation grace (state, not
  ** bookkeeping: bookkeeping.c writes it at once where it can). */
  if (passed && !f->by_old_value && f->grace_end > at)
    pat_book_state(c, PAT_STATE_GRACE_END, f->id, f->grace_end, at);
  /* With max_idle on, a use is recorded at least every max_idle / 2 (and
  ** last_used_interval at most): a token in steady use then always has a
  ** use written, or held here, well within max_idle, whatever
  ** last_used_interval (which may equal max_idle). */
  int64_t interval = pat_policy_interval(p), max_idle;
  if (pat_policy_max_idle(p, &max_idle) && max_idle / 2 < interval) interval = max_idle / 2;
  pat_book_entry e = {.id = f->id, .now = at, .interval = interval,
                      .valid_from = f->from, .delay_ms = pat_policy_book_delay(p),
                      .detail = detail,
                      .client = passed && a->has_client ? &a->client : NULL};
  /* Whether this use is the first of its interval is the connection's
  ** question (bookkeeping.c): the check reads no last use. */
  e.touch = passed;
  if (pat_policy_audit(p) == PAT_AUDIT_ALL) e.event = passed ? "use" : "deny";
  if (e.touch || e.event != NULL) pat_book_write(c, &e);
}

/* A value that is no token's may be a retired one (INTERFACE.md, Retired
** tokens): the miss lookup found its row. A check that owes bookkeeping (no
** `at`) holds the attempt under audit other than off: the row's seen and
** last_seen_at and a deny event `retired: <why>` (then ` from <address>`
** when the check gave a client); a rotated value under
** rotate_reuse 'revoke' revokes its token. A row older than retired_keep is
** forgotten already. The answer stays as for an unknown token. */
static void retired_attempt(pat_conn *c, const pat_policy *p, const found_token *f,
                            const check_args *a) {
  int64_t at = a->at;
  if (f->retired_row == 0 || !f->book || f->retired_at < at - pat_policy_retired_keep(p))
    return;
  char detail[32 + PAT_ADDR_TEXT], shown[PAT_ADDR_TEXT];
  pat_book_entry entry = {.id = f->retired_token, .retired_id = f->retired_row, .now = at,
                          .delay_ms = pat_policy_book_delay(p),
                          .interval = pat_policy_interval(p), .event = "deny",
                          .detail = detail};
  if (a->has_client) pat_addr_show(&a->client, shown);
  snprintf(detail, sizeof detail, "retired: %s%s%s", f->why, a->has_client ? " from " : "",
           a->has_client ? shown : "");
  if (pat_policy_audit(p) != PAT_AUDIT_OFF) pat_book_write(c, &entry);
  /* A rotated value used after its grace: the old value was stolen, so the
  ** token goes. */
  if (pat_policy_reuse_revokes(p) && strcmp(f->why, "rotated") == 0)
    pat_book_state(c, PAT_STATE_REVOKE, f->retired_token, 0, at);
}


/* The lookup of this store, read as it is: one of version 5 knows no
** allow-lists (_V5), an older one no rotation grace and no retired values
** either (_OLD, store.c). */
static pat_stmt_id verify_lookup(const pat_conn *c) {
  return c->store_version >= PAT_SCHEMA_CLIENT ? PAT_STMT_VERIFY
         : c->store_version >= PAT_SCHEMA_USES ? PAT_STMT_VERIFY_V5
                                               : PAT_STMT_VERIFY_OLD;
}
static pat_stmt_id has_right_lookup(const pat_conn *c) {
  return c->store_version >= PAT_SCHEMA_CLIENT ? PAT_STMT_HAS_RIGHT
         : c->store_version >= PAT_SCHEMA_USES ? PAT_STMT_HAS_RIGHT_V5
                                               : PAT_STMT_HAS_RIGHT_OLD;
}
/* Whether the lookup brings the rights' text and the owner's role. */
static int has_right_columns(pat_stmt_id id) {
  return id == PAT_STMT_HAS_RIGHT || id == PAT_STMT_HAS_RIGHT_V5 ||
         id == PAT_STMT_HAS_RIGHT_OLD;
}

/* Runs the check's lookup by digest and takes the policy of the same read
** transaction: the row found brings the store's policy version (its last
** column; on a store of version 5 or later the lookup always finds a row,
** its last arm's); without a row it is read on its own (a connection whose
** key is not the store's finds no row, and is told). Returns the statement
** stepped (ROW or DONE; reset it), with *id the one it ran, or NULL after
** setting *err, or NULL with *gone when the store vanished. */
static sqlite3_stmt *lookup(pat_conn *c, pat_stmt_id *id, const check_args *a, int *has_row,
                            const pat_policy **policy, int *gone, pat_err *e) {
  *gone = 0;
  *policy = NULL;
  for (int attempt = 0;; attempt++) {
    sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, *id, e);
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
      /* The time a value in its rotation grace, or retired, is asked at. */
      if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) > 1)
        rc = sqlite3_bind_int64(st, 2, a->at);
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
    *id = has_right_columns(*id) ? has_right_lookup(c) : verify_lookup(c);
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
  if (read_args(ctx, "pat_verify", argv[0], argc > 1 ? argv[1] : NULL,
                argc > 2 ? argv[2] : NULL, &a) != 0)
    return;
  if (!a.well_formed) return; /* NULL, without a look at the database */
  int which = pat_store_open(c, &e);
  if (which < 0) {
    pat_error(ctx, "pat_verify", &e);
    return;
  }
  if (which != PAT_DB_MAIN) return; /* no store, no tokens */
  for (int look = 0;; look++) {
    pat_stmt_id id = verify_lookup(c);
    sqlite3_stmt *st = lookup(c, &id, &a, &has_row, &p, &gone, &e);
    if (st == NULL) {
      if (!gone) pat_error(ctx, "pat_verify", &e);
      return;
    }
    memset(&f, 0, sizeof f);
    if (has_row) read_found(st, c->digest, &a, &f);
    int stopped = stopped_here(c, &f);
    if (lookup_done(c, id, st, &e) != 0) {
      pat_error(ctx, "pat_verify", &e);
      return;
    }
    if (!look_again(c, stopped, look) && !stale_lookup(c, id, look)) break;
  }
  char denial[PAT_ADDR_TEXT + 32] = "";
  int r = f.found ? refuse(c, p, &f, &a, denial, sizeof denial, &e) : 1;
  if (r < 0) {
    pat_error(ctx, "pat_verify", &e);
    return;
  }
  int passed = r == 0;
  if (passed) sqlite3_result_int64(ctx, f.id);
  bookkeeping(c, p, &f, &a, passed, passed ? NULL : denial);
  retired_attempt(c, p, &f, &a);
}

static void unknown_right(sqlite3_context *ctx, const char *right, size_t rn) {
  char shown[PAT_RIGHT_MAX + 1];
  pat_right_show(shown, sizeof shown, right, rn);
  pat_errorf(ctx, "pat_has_right", "unknown right '%s'", shown);
}

/* What a pat_has_right call asks: one entry or a list of them ("RIGHT" or
** "RIGHT@resource", INTERFACE.md, Rights on resources), each with its
** right's place in the catalog once the policy is known. One entry, the
** common case, points into the argument and allocates nothing. */
typedef struct asked_entry {
  pat_entry en;
  const char *text; /* the whole entry, len bytes */
  size_t len;
  int k;
} asked_entry;

typedef struct asked {
  asked_entry one, *v; /* v: &one, or sqlite3_malloc'd */
  int n;
  pat_strlist items;
} asked;

static void asked_free(asked *q) {
  if (q->v != &q->one) sqlite3_free(q->v);
  pat_strlist_free(&q->items);
}

static int entry_order(const void *a, const void *b) {
  const asked_entry *x = a, *y = b;
  int r = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
  return r != 0 ? r : x->len < y->len ? -1 : x->len > y->len;
}

/* Reads the right argument into q, the entries in byte order; checks each
** one's shape. 0, or -1 after setting an SQL error (whatever the token: a
** check asks about named rights on single resources). */
static int read_rights(sqlite3_context *ctx, sqlite3_value *arg, asked *q) {
  pat_err e = {0};
  memset(q, 0, sizeof *q);
  q->v = &q->one;
  if (sqlite3_value_type(arg) != SQLITE_TEXT) {
    pat_errorf(ctx, "pat_has_right", "right must be a text");
    return -1;
  }
  const char *text = (const char *)sqlite3_value_text(arg);
  size_t n = (size_t)sqlite3_value_bytes(arg);
  if (text == NULL) {
    unknown_right(ctx, "", 0);
    return -1;
  }
  if (memchr(text, ',', n) == NULL && memchr(text, '[', n) == NULL) {
    q->one.text = text;
    q->one.len = n;
    q->n = 1;
  } else {
    if (pat_rights_parse(text, n, &q->items, &e) != 0) {
      pat_error(ctx, "pat_has_right", &e);
      return -1;
    }
    q->v = sqlite3_malloc64((sqlite3_uint64)q->items.n * sizeof *q->v);
    if (q->v == NULL) {
      q->v = &q->one;
      asked_free(q);
      sqlite3_result_error_nomem(ctx);
      return -1;
    }
    for (int i = 0; i < q->items.n; i++)
      q->v[i] = (asked_entry){.text = q->items.v[i], .len = strlen(q->items.v[i])};
    q->n = q->items.n;
  }
  for (int i = 0; i < q->n; i++) {
    asked_entry *a = &q->v[i];
    pat_entry_split(a->text, a->len, &a->en);
    if (!pat_right_name_ok(a->en.name, a->en.name_len)) {
      /* Not even the shape of a right name (a wildcard included): unknown,
      ** whatever the token. */
      unknown_right(ctx, a->en.name, a->en.name_len);
      asked_free(q);
      return -1;
    }
    if (pat_resource_check(&a->en, 0, &e) != 0) {
      pat_error(ctx, "pat_has_right", &e);
      asked_free(q);
      return -1;
    }
  }
  if (q->n > 1) qsort(q->v, (size_t)q->n, sizeof q->v[0], entry_order);
  return 0;
}

/* Each entry's right in the policy's catalog. 0, or -1 for the first
** unknown one, after setting its SQL error when ctx is given. */
static int place_rights(sqlite3_context *ctx, const pat_policy *p, asked *q) {
  for (int i = 0; i < q->n; i++) {
    asked_entry *a = &q->v[i];
    a->k = pat_policy_right(p, a->en.name, a->en.name_len);
    if (a->k < 0) {
      if (ctx != NULL) unknown_right(ctx, a->en.name, a->en.name_len);
      return -1;
    }
  }
  return 0;
}

/* The answer when there is no token to look up (malformed, or no store):
** 0 for rights of the catalog, else an error. */
static void answer_without_token(sqlite3_context *ctx, pat_conn *c, int which, asked *q) {
  pat_err e = {0};
  const pat_policy *p = pat_policy_get(c, which, &e);
  if (p == NULL && which == PAT_DB_MAIN && pat_store_gone(c))
    p = pat_policy_get(c, PAT_DB_DEFAULTS, &e);
  if (p == NULL) pat_error(ctx, "pat_has_right", &e);
  else if (place_rights(ctx, p, q) == 0) sqlite3_result_int(ctx, 0);
}

/* Whether the token's stored rights (a sorted JSON array of entries, NUL-
** terminated) hold the entry asked: its right unscoped ("NAME"), or, for an
** entry with a resource, "NAME@resource" or "NAME@stem*" for a stem that
** begins it. Whole entries only: the quotes around one are part of what is
** searched for. The first two are one search each, as the floor's; a token
** without any wildcard entry is not looked at again. */
static int holds(const unsigned char *rights, const pat_entry *en) {
  char needle[PAT_RIGHT_MAX + PAT_RESOURCE_MAX + 4];
  size_t rn = en->name_len;
  if (rights == NULL || rn > PAT_RIGHT_MAX || en->res_len > PAT_RESOURCE_MAX) return 0;
  const char *text = (const char *)rights;
  needle[0] = '"';
  memcpy(needle + 1, en->name, rn);
  needle[rn + 1] = '"';
  needle[rn + 2] = '\0';
  if (strstr(text, needle) != NULL) return 1;
  if (en->res == NULL) return 0;
  needle[rn + 1] = '@';
  memcpy(needle + rn + 2, en->res, en->res_len);
  needle[rn + 2 + en->res_len] = '"';
  needle[rn + 3 + en->res_len] = '\0';
  if (strstr(text, needle) != NULL) return 1;
  if (strchr(text, '*') == NULL) return 0;
  needle[rn + 2] = '\0';
  for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
    const char *sr = p + rn + 2, *q = strchr(sr, '"');
    size_t sl = q != NULL ? (size_t)(q - sr) : strlen(sr);
    if (sl > 0 && sr[sl - 1] == '*' && sl - 1 <= en->res_len &&
        memcmp(sr, en->res, sl - 1) == 0)
      return 1;
  }
  return 0;
}

/* The first entry asked (byte order) that the rights do not hold, or -1. */
static int first_not_held(const unsigned char *rights, const asked *q) {
  for (int i = 0; i < q->n; i++)
    if (!holds(rights, &q->v[i].en)) return i;
  return -1;
}

/* Whether the token `id` holds the entries, from its row: its rights' hash
** was not cached (or the row has none). The set is remembered under the
** hash when the hash is the row's own. 0, or -1 with err. */
static int held_from_row(pat_conn *c, const pat_policy *p, int64_t id, int hashed,
                         int64_t hash, const asked *q, int *missing, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_RIGHTS, e);
  *missing = 0;
  if (st == NULL) return -1;
  int rc = sqlite3_bind_int64(st, 1, id);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *json = sqlite3_column_text(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    *missing = first_not_held(json, q);
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

/* The first entry asked (byte order) whose right the role does not grant,
** or -1. */
static int first_not_granted(const pat_policy *p, const char *role, const asked *q) {
  for (int i = 0; i < q->n; i++)
    if (!pat_policy_grants(p, role, q->v[i].k)) return i;
  return -1;
}

/* The detail of a has_right event (sqlite3_malloc'd, or NULL): the entries
** checked, or why the check failed. */
static char *has_right_detail(const asked *q, const char *denial, int valid, int missing,
                              int refused, const char *role) {
  char shown[PAT_RIGHT_MAX + 1];
  if (!valid) return sqlite3_mprintf("%s", denial);
  if (missing >= 0)
    return sqlite3_mprintf("right not held: %.*s", (int)q->v[missing].len, q->v[missing].text);
  if (refused >= 0) {
    pat_right_show(shown, sizeof shown, role ? role : "", role ? strlen(role) : 0);
    return sqlite3_mprintf("right not granted by role '%s': %.*s", shown,
                           (int)q->v[refused].len, q->v[refused].text);
  }
  sqlite3_str *s = sqlite3_str_new(NULL);
  for (int i = 0; i < q->n; i++)
    sqlite3_str_appendf(s, "%s%.*s", i ? ", " : "", (int)q->v[i].len, q->v[i].text);
  return sqlite3_str_finish(s);
}

void pat_fn_has_right(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  const pat_policy *p;
  check_args a;
  found_token f;
  asked q;
  int has_row = 0, gone = 0;
  if (pat_guard(c, 1, &e) != 0) {
    pat_error(ctx, "pat_has_right", &e);
    return;
  }
  if (read_args(ctx, "pat_has_right", argv[0], argc > 2 ? argv[2] : NULL,
                argc > 3 ? argv[3] : NULL, &a) != 0)
    return;
  if (read_rights(ctx, argv[1], &q) != 0) return;
  int which = pat_store_open(c, &e);
  if (which < 0) {
    pat_error(ctx, "pat_has_right", &e);
    goto out;
  }
  if (!a.well_formed || which != PAT_DB_MAIN) {
    answer_without_token(ctx, c, which, &q);
    goto out;
  }
  int audit_all, known, missing, refused, from_row, hashed;
  int64_t hash;
  const char *role;
  char role_buf[PAT_OWNER_MAX + 1];
  for (int look = 0;; look++) {
    /* While no owner is listed, every token's owner has default_role and the
    ** plain lookup by digest is enough (if that changed meanwhile, look again
    ** with the owner's role). */
    pat_stmt_id id = c->policy != NULL && !pat_policy_owners_listed(c->policy)
                         ? verify_lookup(c)
                         : has_right_lookup(c);
    sqlite3_stmt *st = lookup(c, &id, &a, &has_row, &p, &gone, &e);
    if (st != NULL && !has_right_columns(id) && pat_policy_owners_listed(p)) {
      sqlite3_reset(st);
      id = has_right_lookup(c);
      st = lookup(c, &id, &a, &has_row, &p, &gone, &e);
    }
    if (st == NULL) {
      if (gone) answer_without_token(ctx, c, PAT_DB_DEFAULTS, &q);
      else pat_error(ctx, "pat_has_right", &e);
      goto out;
    }
    audit_all = pat_policy_audit(p) == PAT_AUDIT_ALL;
    known = place_rights(NULL, p, &q) == 0;
    missing = -1, refused = -1, from_row = 0, hashed = 0;
    hash = 0;
    role = NULL;
    memset(&f, 0, sizeof f);
    if (has_row) read_found(st, c->digest, &a, &f);
    int stopped = stopped_here(c, &f);
    if (f.found) {
      if (has_right_columns(id)) {
        missing = first_not_held(sqlite3_column_text(st, LOOK_RIGHTS), &q);
        role = pat_policy_role(p, (const char *)sqlite3_column_text(st, LOOK_ROLE));
      } else {
        /* The index names the rights by hash: usually a set seen before. */
        int n = 0;
        hashed = sqlite3_column_type(st, LOOK_RIGHTS) == SQLITE_INTEGER;
        hash = sqlite3_column_int64(st, LOOK_RIGHTS);
        const char *set = hashed ? pat_policy_set_get(p, hash, &n) : NULL;
        if (set != NULL) missing = first_not_held((const unsigned char *)set, &q);
        else from_row = 1;
        role = pat_policy_role(p, NULL);
      }
      if (known) refused = first_not_granted(p, role, &q);
      /* Only a deny event names the role, and a listed role is the
      ** statement's text: keep it past the reset then, and only then. */
      if (audit_all && role != NULL && has_right_columns(id)) {
        snprintf(role_buf, sizeof role_buf, "%s", role);
        role = role_buf;
      }
    }
    if (lookup_done(c, id, st, &e) != 0 ||
        (from_row && held_from_row(c, p, f.id, hashed, hash, &q, &missing, &e) != 0)) {
      pat_error(ctx, "pat_has_right", &e);
      goto out;
    }
    if (!look_again(c, stopped, look) && !stale_lookup(c, id, look)) break;
  }
  if (!known) {
    place_rights(ctx, p, &q);
    goto out;
  }
  char denial[PAT_ADDR_TEXT + 32] = "";
  int r = f.found ? refuse(c, p, &f, &a, denial, sizeof denial, &e) : 1;
  if (r < 0) {
    pat_error(ctx, "pat_has_right", &e);
    goto out;
  }
  int valid = r == 0;
  int passed = valid && missing < 0 && refused < 0;
  sqlite3_result_int(ctx, passed);
  /* The event's detail, only when there is an event to write. */
  char *detail = audit_all && f.found
                     ? has_right_detail(&q, denial, valid, missing, refused, role)
                     : NULL;
  /* Without memory for its detail the use is not recorded at all, as a
  ** write that fails: never an event that says less than it should. */
  if (detail != NULL || !audit_all) bookkeeping(c, p, &f, &a, passed, detail);
  sqlite3_free(detail);
  retired_attempt(c, p, &f, &a);
out:
  asked_free(&q);
}
