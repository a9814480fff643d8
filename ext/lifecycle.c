/*
** lifecycle.c: the calls that hand out a token, and the checks every change
** of a token shares.
**
**   SELECT pat_create('alice', 'ci pipeline', 'DATA_FETCH, DATA_CREATE');
**   -- pat_4Qx...  (shown once: only its digest is stored)
**   SELECT pat_create(42, 'nightly export', '["DATA_*"]', '2026-12-01', '2027-01-01');
**   SELECT pat_rotate(7);                 -- a new value for token 7, same row
**   SELECT pat_rotate(7, '2027-06-01');   -- and a new window [now, 2027-06-01)
**   SELECT pat_rotate(7, NULL, 3600);     -- the old value works one more hour
**
** Every argument is checked against the store that answers reads (the
** defaults when no store exists yet) before anything is written, so a
** refused call leaves the database as it was, and a first call that is
** refused creates no store. UPDATE of pat_tokens (vtab_tokens.c) runs the
** same checks through pat_owner_arg, pat_window_check and pat_rights_for.
**
** Never: write or log the plaintext. It lives in one sqlite3_malloc'd buffer
** handed to SQLite as the result, wiped by its destructor.
*/
#include "functions.h"

#include <stdio.h>
#include <string.h>

int pat_owner_arg(sqlite3_value *v, char out[PAT_OWNER_MAX + 1], pat_err *e) {
  int t = sqlite3_value_type(v);
  int64_t whole;
  /* Stored and compared as text, so 42, 42.0 and '42' are one owner. */
  if (t == SQLITE_FLOAT && pat_integral(v, &whole)) {
    snprintf(out, PAT_OWNER_MAX + 1, "%lld", (long long)whole);
    return 0;
  }
  const unsigned char *s = t == SQLITE_TEXT || t == SQLITE_INTEGER ? sqlite3_value_text(v) : NULL;
  int n = s ? sqlite3_value_bytes(v) : 0;
  if (n == 0) {
    pat_fail(e, "owner must be a non-empty text or an integer");
    return -1;
  }
  if (pat_text_check("owner", s, n, PAT_OWNER_MAX, e) != 0) return -1;
  memcpy(out, s, (size_t)n);
  out[n] = '\0';
  return 0;
}

int pat_name_arg(sqlite3_value *v, pat_err *e) {
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    pat_fail(e, "name must be a non-empty text");
    return -1;
  }
  return pat_text_check("name", sqlite3_value_text(v), sqlite3_value_bytes(v),
                        PAT_NAME_MAX, e);
}

int64_t pat_default_valid_to(const pat_policy *p, int64_t from) {
  int64_t to = from + pat_policy_default_lifetime(p);
  return to > PAT_TIME_MAX ? PAT_TIME_MAX : to;
}

int pat_window_check(const pat_policy *p, int64_t from, int64_t to, pat_err *e) {
  int64_t max = 0;
  if (to <= from) {
    pat_fail(e, "valid_to must be later than valid_from");
    return -1;
  }
  if (pat_policy_max_lifetime(p, &max) && to - from > max) {
    pat_fail(e, "lifetime of %lld seconds exceeds max_lifetime (%lld)",
             (long long)(to - from), (long long)max);
    return -1;
  }
  return 0;
}

/* The owner's role as listed in pat_owners, into role ("" and *listed 0
** when not listed). */
static int owner_role(pat_conn *c, int which, const char *owner, char *role, size_t n,
                      int *listed, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_OWNER_ROLE, e);
  if (st == NULL) return -1;
  int rc = sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  role[0] = '\0';
  *listed = rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL;
  if (*listed) snprintf(role, n, "%s", (const char *)sqlite3_column_text(st, 0));
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    pat_fail(e, "can not read the owner's role: %s",
             sqlite3_errmsg(pat_store_db(c, which)));
    if (which == PAT_DB_MAIN) pat_store_failed(c, rc);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int pat_rights_for(pat_conn *c, int which, const pat_policy *p, const char *owner,
                   sqlite3_value *rights, char **json, int64_t *hash, pat_err *e) {
  char listed_role[PAT_OWNER_MAX + 1];
  pat_strlist items = {0};
  pat_catalog_entry *cat = NULL;
  int n = 0, listed = 0, out = -1;
  *json = NULL;
  if (sqlite3_value_type(rights) != SQLITE_TEXT) {
    pat_fail(e, "rights must be a text: a JSON array or a comma-separated list");
    return -1;
  }
  const char *text = (const char *)sqlite3_value_text(rights);
  size_t len = (size_t)sqlite3_value_bytes(rights);
  if (text == NULL) {
    pat_fail(e, "out of memory");
    return -1;
  }
  if (pat_policy_owners_listed(p) &&
      owner_role(c, which, owner, listed_role, sizeof listed_role, &listed, e) != 0)
    return -1;
  const char *role = pat_policy_role(p, listed ? listed_role : NULL);
  /* The same set for the same role as last time: the same answer. */
  if ((*json = pat_policy_memo_get(p, role, text, len, hash)) != NULL) return 0;
  if (pat_rights_parse(text, len, &items, e) != 0) return -1;
  if (pat_policy_catalog(p, role, &cat, &n) != 0)
    pat_fail(e, "out of memory");
  else
    out = pat_rights_expand(&items, cat, n, role ? role : "", json, e);
  if (out == 0) {
    *hash = pat_rights_hash(*json, strlen(*json));
    pat_policy_memo_put(p, role, text, len, *json, *hash);
  }
  sqlite3_free(cat);
  pat_strlist_free(&items);
  return out;
}

/* A new token into `token` (PAT_TOKEN_MAX + 1 bytes) and its digest. */
static int mint(pat_conn *c, const pat_policy *p, char *token, int *len,
                unsigned char digest[PAT_DIGEST_LEN], pat_err *e) {
  const char *prefix = pat_policy_prefix(p);
  *len = prefix ? pat_token_make(token, prefix, strlen(prefix)) : -1;
  if (*len < 0) {
    pat_fail(e, "the setting prefix is not usable: change it in pat_settings");
    return -1;
  }
  if (pat_conn_digest(c, digest, token, (size_t)*len) != 0) {
    pat_fail(e, "can not digest the token");
    return -1;
  }
  return 0;
}

/* What a write found. */
enum { WRITE_OK, WRITE_FAILED, WRITE_MOVED /* the policy or key moved: read again */ };

/* Runs a cached write on main with its parameters bound by `bind`, and the
** policy version the call was checked under (?11): the write changes
** nothing when the store's is another by then. */
static int store_write(pat_conn *c, const pat_policy *p, pat_stmt_id id,
                       int (*bind)(sqlite3_stmt *, const void *), const void *arg, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, id, e);
  if (st == NULL) return WRITE_FAILED;
  int rc = bind(st, arg);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 11, pat_policy_version(p));
  c->writing++;
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  c->writing--;
  int out = WRITE_OK;
  if (rc != SQLITE_DONE) pat_store_failed(c, rc);
  if (rc != SQLITE_DONE) {
    out = sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_NOTNULL ? WRITE_MOVED
                                                                       : WRITE_FAILED;
    pat_fail(e, "can not store the token: %s", sqlite3_errmsg(c->db));
  } else if (id == PAT_STMT_ROTATE_TOKEN && sqlite3_changes(c->db) == 0) {
    out = WRITE_MOVED; /* or the token went: the next attempt tells */
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return out;
}

typedef struct new_token {
  const unsigned char *digest;
  const char *owner;
  sqlite3_value *name;
  int64_t from, to, now, id;
  const char *rights;
  int64_t rights_hash;
  int create_event; /* the row holds its create event (audit not off) */
  int64_t grace_end; /* pat_rotate: the old value works until then (0: no grace) */
  const pat_options *options; /* pat_create: description and allow-list */
  int64_t cap;       /* pat_create: max_tokens_per_owner, 0: none */
} new_token;

static int bind_insert(sqlite3_stmt *st, const void *p) {
  const new_token *t = p;
  int rc = sqlite3_bind_blob(st, 1, t->digest, PAT_DIGEST_LEN, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, t->owner, -1, SQLITE_STATIC);
  /* The argument's own text lives until the call returns: no copy. */
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 3, (const char *)sqlite3_value_text(t->name),
                           sqlite3_value_bytes(t->name), SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, t->from);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, t->to);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 6, t->rights, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 7, t->now);
  if (rc == SQLITE_OK)
    rc = t->create_event ? sqlite3_bind_int(st, 8, 1) : sqlite3_bind_null(st, 8);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 9, t->rights_hash);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 10, t->id); /* unused without _AT */
  const pat_options *o = t->options;
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 12, o->description, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 13, o->ips_json, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = o->blocks != NULL && o->nblocks > 0
             ? sqlite3_bind_blob(st, 14, o->blocks, o->nblocks * PAT_BLOCK_BYTES, SQLITE_STATIC)
             : sqlite3_bind_null(st, 14);
  if (rc == SQLITE_OK)
    rc = t->cap > 0 ? sqlite3_bind_int64(st, 15, t->cap) : sqlite3_bind_null(st, 15);
  return rc;
}

static int bind_rotate(sqlite3_stmt *st, const void *p) {
  const new_token *t = p;
  int rc = sqlite3_bind_blob(st, 1, t->digest, PAT_DIGEST_LEN, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, t->id);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, t->from);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, t->to);
  if (rc == SQLITE_OK)
    rc = t->grace_end > 0 ? sqlite3_bind_int64(st, 5, t->grace_end) : sqlite3_bind_null(st, 5);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 6, t->now);
  return rc;
}

/* Whether nothing but pat_create wrote since the last one on this
** connection (no other statement of its own, no other connection), so the
** id after the last one is still free and past every other: a run of mints
** in one transaction skips the look for the largest id. Only while the
** connection holds the write lock: then nobody else can have written since
** the data version was read under it. (Outside a transaction the data
** version is as of the connection's last read, and another process's commit
** since then would go unseen: make test-stress found that.) */
static int next_id_known(pat_conn *c) {
  unsigned int dv;
  return c->next_id > 0 && sqlite3_txn_state(c->db, "main") == SQLITE_TXN_WRITE &&
         sqlite3_total_changes64(c->db) == c->next_id_changes &&
         pat_data_version(c, &dv) == 0 && dv == c->next_id_dv;
}

/* dv: the data version before the write (the connection's own writes do
** not move it), or 0 to read it. */
static void next_id_remember(pat_conn *c, unsigned int dv) {
  c->next_id = sqlite3_last_insert_rowid(c->db) + 1;
  c->next_id_changes = sqlite3_total_changes64(c->db);
  if (dv == 0 && pat_data_version(c, &dv) != 0) {
    c->next_id = 0; /* unknown: look next time */
    return;
  }
  c->next_id_dv = dv;
}

/* Writes a new token (INSERT) or a new value (rotate) into the store of
** main. */
static int write_main(pat_conn *c, const pat_policy *p, new_token *t, pat_stmt_id id,
                      int (*bind)(sqlite3_stmt *, const void *), pat_err *e) {
  /* Mints in a row skip the look for the largest id. Should the id be
  ** taken after all (it can not, short of a bug), the insert fails whole (a
  ** single row, no trigger) and the look is made. */
  unsigned int dv = 0;
  int out;
  if (id == PAT_STMT_INSERT_TOKEN && next_id_known(c)) {
    dv = c->next_id_dv;
    t->id = c->next_id;
    out = store_write(c, p, PAT_STMT_INSERT_TOKEN_AT, bind, t, e);
    if (out == WRITE_FAILED &&
        (sqlite3_extended_errcode(c->db) & 0xff) == SQLITE_CONSTRAINT) {
      dv = 0;
      out = store_write(c, p, id, bind, t, e);
    }
  } else {
    out = store_write(c, p, id, bind, t, e);
  }
  c->next_id = 0;
  if (out == WRITE_OK && id == PAT_STMT_INSERT_TOKEN) next_id_remember(c, dv);
  return out;
}

/* Makes the store and writes into it, atomically (see pat_store_begin).
** The call was checked against the defaults: when the store turns out to
** exist by now (another connection made it), nothing is written and the
** call starts again against it. */
static int write_new_store(pat_conn *c, new_token *t, pat_stmt_id id,
                           int (*bind)(sqlite3_stmt *, const void *), pat_err *e) {
  int began = pat_store_begin(c), made = 0, out = WRITE_FAILED;
  if (began != PAT_BEGAN_FAILED && pat_store_ensure(c, &made, e) == 0) {
    pat_err why;
    if (made && began != PAT_BEGAN_NONE && pat_store_undo_again(c, &why) != 0) {
      pat_fail(e, "can not create the store: %.400s", why.msg);
    } else if (!made) {
      out = WRITE_MOVED;
    } else {
      /* What the store was made with is the defaults' policy, under the
      ** store's own version. */
      const pat_policy *mine = pat_policy_get(c, PAT_DB_MAIN, e);
      out = mine == NULL ? WRITE_FAILED : store_write(c, mine, id, bind, t, e);
    }
  }
  if (pat_store_end(c, began, out == WRITE_OK, e) != 0 && out == WRITE_OK)
    out = WRITE_FAILED;
  return out;
}

/* Mints, writes with `bind` (creating the store when needed), and returns
** the token as the result, or sets the error; or, when the policy or the
** key moved since the call read them, sets nothing and says so. */
static int mint_and_write(sqlite3_context *ctx, const char *fn, pat_conn *c, int which,
                          const pat_policy *p, new_token *t, pat_stmt_id id,
                          int (*bind)(sqlite3_stmt *, const void *)) {
  pat_err e = {0};
  unsigned char digest[PAT_DIGEST_LEN];
  char *token = sqlite3_malloc(PAT_TOKEN_MAX + 1);
  int len = 0, out = WRITE_FAILED;
  if (token == NULL) {
    sqlite3_result_error_nomem(ctx);
    return WRITE_FAILED;
  }
  int ok = mint(c, p, token, &len, digest, &e) == 0;
  /* Under a replicating VFS (dqlite), a write that commits by itself in the
  ** middle of a reading statement is lost, and can stop the node. */
  if (ok && !pat_vfs_is_os(c) && !pat_vfs_is_memory(c) && pat_nested_autocommit_write(c)) {
    pat_fail(&e, "the database's VFS '%s' is not the operating system's: "
             "mint inside a transaction (BEGIN ... COMMIT) or with INSERT ... SELECT",
             pat_vfs_name(c));
    ok = 0;
  }
  t->digest = digest;
  /* A store this pat reads as it is (an older version) gets its upgrade
  ** with the first write, this one: the INSERT and the rotation's UPDATE
  ** name this version's columns. The upgrade moves the policy version, so
  ** the write that follows finds it moved and the call reads it again. */
  if (ok && which == PAT_DB_MAIN && c->store_version < PAT_SCHEMA_VERSION &&
      pat_store_ensure(c, NULL, &e) != 0)
    ok = 0;
  if (ok && which == PAT_DB_MAIN) {
    /* One statement is atomic by itself: a new token's row is its create
    ** event, and a rotation's triggers write its events. */
    out = write_main(c, p, t, id, bind, &e);
    if (out == WRITE_OK) {
      /* A schema change since the last look may have planted a shadowing
      ** object: refuse, as every other call will. */
      if (pat_store_recheck(c, id, &e) != 0) out = WRITE_FAILED;
    } else if (out == WRITE_FAILED && id == PAT_STMT_INSERT_TOKEN && pat_store_gone(c)) {
      /* The application rolled back the transaction that made the store:
      ** make it again. */
      out = WRITE_MOVED;
    }
  } else if (ok) {
    out = write_new_store(c, t, id, bind, &e);
  }
  pat_wipe(digest, sizeof digest);
  if (out != WRITE_OK) {
    pat_wipe_free(token);
    if (out == WRITE_FAILED) pat_error(ctx, fn, &e);
    return out;
  }
  /* SQLite owns the buffer now and wipes it through pat_wipe_free. The
  ** length is left to SQLite (-1), so it knows the text ends in a NUL and
  ** never makes a terminated copy of its own when the caller reads it. */
  sqlite3_result_text(ctx, token, -1, pat_wipe_free);
  return WRITE_OK;
}

/* -1 with e when `owner` holds `cap` tokens or more that are not expired
** at `now` (max_tokens_per_owner); the INSERT counts again as it writes. */
static int owner_full(pat_conn *c, int which, const char *owner, int64_t cap, int64_t now,
                      pat_err *e) {
  sqlite3_stmt *st;
  int64_t held = 0;
  if (which != PAT_DB_MAIN) return 0; /* no store yet: no tokens */
  int r = pat_store_query(c, which, PAT_STMT_OWNER_TOKENS,
                          PAT_ARGS(PAT_TEXT(owner), PAT_INT(now)), &st, e);
  if (r < 0) return -1;
  if (r > 0) {
    held = sqlite3_column_int64(st, 0);
    pat_store_done(st);
  }
  if (held < cap) return 0;
  char shown[PAT_OWNER_MAX + 1];
  pat_right_show(shown, sizeof shown, owner, strlen(owner));
  return pat_fail(e, "owner '%s' holds %lld tokens that are not expired, as many as "
                  "max_tokens_per_owner (%lld) allows", shown, (long long)held,
                  (long long)cap);
}

/* How many times a call starts again when the policy moved under it. */
#define PAT_ATTEMPTS 4

void pat_fn_create(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  char owner[PAT_OWNER_MAX + 1];
  int64_t from_arg = 0, to_arg = 0;
  int have_from = 0, have_to = 0, rc;
  pat_options options = {0};

  if (pat_guard(c, 0, &e) != 0) goto fail;
  if (pat_owner_arg(argv[0], owner, &e) != 0) goto fail;
  if (pat_name_arg(argv[1], &e) != 0) goto fail;
  if (sqlite3_value_type(argv[2]) != SQLITE_TEXT) {
    pat_fail(&e, "rights must be a text: a JSON array or a comma-separated list");
    goto fail;
  }
  if (argc > 3) {
    if ((rc = pat_store_time_arg(c, argv[3], "valid_from", &from_arg, &e)) < 0)
      goto fail;
    have_from = rc == 0;
  }
  if (argc > 4) {
    if ((rc = pat_store_time_arg(c, argv[4], "valid_to", &to_arg, &e)) < 0)
      goto fail;
    have_to = rc == 0;
  }
  if (argc > 5) {
    int which = pat_store_open(c, &e);
    if (which < 0 || pat_options_read(c, which, argv[5], &options, &e) != 0) goto fail;
  }
  /* The first attempt takes the cached policy unread: the write is
  ** conditional on its version, and a refusal reads it before it stands. */
  int fresh = 0;
  for (int attempt = 0; attempt < PAT_ATTEMPTS; attempt++) {
    char *rights = NULL;
    int64_t rights_hash = 0;
    /* The fast answer: a store seen before is trusted until a write on it
    ** fails (mint_and_write looks again then). */
    int which = pat_store_open(c, &e);
    if (which < 0) goto fail;
    const pat_policy *p = fresh ? pat_policy_get(c, which, &e)
                                : pat_policy_cached(c, which, &e);
    if (p == NULL) {
      /* The application rolled back the transaction that made the store:
      ** start again from the defaults, and make it anew. */
      if (which != PAT_DB_MAIN || !pat_store_gone(c)) goto fail;
      which = PAT_DB_DEFAULTS;
      if ((p = pat_policy_get(c, which, &e)) == NULL) goto fail;
    }
    int64_t now = pat_now_vfs(c->vfs);
    int64_t from = have_from ? from_arg : now;
    int64_t to = have_to ? to_arg : pat_default_valid_to(p, from);
    int64_t cap = 0;
    if (!pat_policy_max_tokens(p, &cap)) cap = 0;
    if (pat_window_check(p, from, to, &e) != 0 ||
        pat_rights_for(c, which, p, owner, argv[2], &rights, &rights_hash, &e) != 0 ||
        (cap > 0 && owner_full(c, which, owner, cap, now, &e) != 0)) {
      /* A refusal is read again against a fresh policy; a failed read is
      ** the answer (an I/O error may have rolled back the caller's
      ** transaction: nothing is written after it). The cap refuses after
      ** the rights were expanded. */
      sqlite3_free(rights);
      if (fresh || c->fail_code != SQLITE_OK) goto fail;
      fresh = 1;
      continue;
    }
    new_token t = {.owner = owner, .name = argv[1], .from = from, .to = to,
                   .now = now, .rights = rights, .rights_hash = rights_hash,
                   .create_event = pat_policy_audit(p) != PAT_AUDIT_OFF,
                   .options = &options, .cap = cap};
    int out = mint_and_write(ctx, "pat_create", c, which, p, &t, PAT_STMT_INSERT_TOKEN,
                             bind_insert);
    sqlite3_free(rights);
    if (out != WRITE_MOVED) {
      pat_options_free(&options);
      return;
    }
    fresh = 1;
  }
  pat_fail(&e, "the store's policy kept changing; try again");
fail:
  pat_options_free(&options);
  pat_error(ctx, "pat_create", &e);
}

void pat_fn_rotate(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  pat_err e = {0};
  new_token t = {0};
  int have_to = 0, which;
  int64_t to = 0, grace = -1;
  if (pat_guard(c, 0, &e) != 0) goto fail;
  if (!pat_integral(argv[0], &t.id)) {
    pat_fail(&e, "id must be an integer");
    goto fail;
  }
  if (argc > 1) {
    int rc = pat_store_time_arg(c, argv[1], "valid_to", &to, &e);
    if (rc < 0) goto fail;
    have_to = rc == 0;
  }
  /* The grace: seconds the old value keeps working (NULL: rotate_grace). */
  if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL &&
      (!pat_integral(argv[2], &grace) || grace < 0 || grace > PAT_GRACE_MAX)) {
    pat_fail(&e, "grace must be an integer of seconds from 0 to %d", PAT_GRACE_MAX);
    goto fail;
  }
  for (int attempt = 0; attempt < PAT_ATTEMPTS; attempt++) {
    if ((which = pat_store_validate(c, &e)) < 0) goto fail;
    const pat_policy *p = pat_policy_get(c, which, &e);
    if (p == NULL) goto fail;
    pat_token_row row;
    int found = which == PAT_DB_MAIN ? pat_token_get(c, t.id, &row, &e) : 0;
    if (found < 0) goto fail;
    if (found == 0) {
      pat_fail(&e, "no token with id %lld", (long long)t.id);
      goto fail;
    }
    t.from = row.valid_from;
    t.to = have_to ? to : row.valid_to;
    int64_t g = grace >= 0 ? grace : pat_policy_rotate_grace(p);
    t.now = pat_now(c->db);
    t.grace_end = g > 0 ? t.now + g : 0;
    if (have_to) {
      int64_t now = pat_now(c->db);
      if (t.from < now) t.from = now;
      if (pat_window_check(p, t.from, t.to, &e) != 0) goto fail;
    }
    if (mint_and_write(ctx, "pat_rotate", c, which, p, &t, PAT_STMT_ROTATE_TOKEN,
                       bind_rotate) != WRITE_MOVED)
      return;
  }
  pat_fail(&e, "the store's policy kept changing; try again");
fail:
  pat_error(ctx, "pat_rotate", &e);
}
