/*
** policy.c: what decides a grant, held in memory per connection: the
** settings, the catalog of rights and which rights each role grants.
**
** A check asks "is this right in the catalog, and does the owner's role
** grant it?" and pat_create expands wildcards against the catalog. Both need
** these few rows on every call, so they are read once and kept, under the
** store's policy_version: the store's triggers set it to a new random value
** on every change of them (sql/schema.sql). Every call reads that one row
** again, in its own read transaction, and reads the rest only when it is not
** the cached value. A random value, unlike a counter, never comes back: not
** after a rollback of a change this connection made (ROLLBACK, ROLLBACK TO,
** a failed statement), nor after a restored backup, a deserialized image or
** a store made anew. So what a call sees is exactly the policy of its read
** snapshot, this connection's uncommitted changes included, and nothing
** else: no data version or change counter stands in for the read.
**
** Where the version is read:
**   - a check's lookup brings it with the row it finds (pat_policy_at);
**   - pat_create and pat_rotate take the cache unread (pat_policy_cached),
**     bind its version to their write, which changes nothing when the
**     store's is another by then (store.c, PAT_SQL_IF_POLICY), and read it
**     before a refusal stands;
**   - every other call reads it here (pat_policy_get).
** A new version is read with the store's key fingerprint, which must be the
** connection's; pat_rekey moves the version with the fingerprint.
**
** The owner's role itself is not cached: there may be many owners, and it is
** one indexed lookup joined to the token's own (skipped while no owner is
** listed at all).
*/
#include "policy.h"

#include <stdio.h>
#include <string.h>

typedef struct pat_role {
  char *name;
  unsigned char *grants; /* one per catalog right, in catalog order */
} pat_role;

struct pat_policy {
  /* Each setting of kind SECONDS or CHOICE, by id (settings.c). */
  int64_t num[PAT_SET_COUNT];
  int is_null[PAT_SET_COUNT];
  char prefix[PAT_PREFIX_MAX + 1];
  int prefix_ok;
  char *default_role; /* NULL when the setting is NULL */
  int ncat;
  char **cat;         /* the catalog, in byte order */
  int nroles;
  pat_role *roles;    /* sorted by name; ROOT is not among them */
  int owners_listed;
  sqlite3_int64 version; /* policy_version when read */
  /* The last rights argument granted, as pat_rights_for turned it into the
  ** stored JSON, for one role: applications mint with a few recurring sets.
  ** It depends only on what this object holds, so it goes with it. */
  struct rights_memo *memo; /* always there: a cache, written through const */
};

#define PAT_SETS_CACHED 16

struct rights_memo {
  char *role, *text, *json;
  size_t len;
  int64_t hash;
  /* Rights sets by their hash (pat_rights_hash), for pat_has_right. */
  struct {
    int64_t hash;
    char *json;
    int n;
  } sets[PAT_SETS_CACHED];
  int next;
};

static void memo_clear(struct rights_memo *m) {
  sqlite3_free(m->role);
  sqlite3_free(m->text);
  sqlite3_free(m->json);
  m->role = m->text = m->json = NULL;
  m->len = 0;
}

static void sets_clear(struct rights_memo *m) {
  for (int i = 0; i < PAT_SETS_CACHED; i++) sqlite3_free(m->sets[i].json);
  memset(m->sets, 0, sizeof m->sets);
}

const char *pat_policy_set_get(const pat_policy *p, int64_t hash, int *n) {
  const struct rights_memo *m = p->memo;
  for (int i = 0; i < PAT_SETS_CACHED; i++) {
    if (m->sets[i].json != NULL && m->sets[i].hash == hash) {
      *n = m->sets[i].n;
      return m->sets[i].json;
    }
  }
  return NULL;
}

void pat_policy_set_put(const pat_policy *p, int64_t hash, const char *json, int n) {
  struct rights_memo *m = p->memo;
  char *copy = sqlite3_malloc(n + 1);
  if (copy == NULL) return;
  memcpy(copy, json, (size_t)n);
  copy[n] = '\0';
  int i = m->next;
  m->next = (m->next + 1) % PAT_SETS_CACHED;
  sqlite3_free(m->sets[i].json);
  m->sets[i].hash = hash;
  m->sets[i].json = copy;
  m->sets[i].n = n;
}

char *pat_policy_memo_get(const pat_policy *p, const char *role, const char *text,
                          size_t n, int64_t *hash) {
  const struct rights_memo *m = p->memo;
  if (m->json == NULL || n != m->len || memcmp(text, m->text, n) != 0 ||
      strcmp(role ? role : "", m->role) != 0)
    return NULL;
  size_t jn = strlen(m->json);
  char *copy = sqlite3_malloc64(jn + 1);
  if (copy != NULL) {
    memcpy(copy, m->json, jn + 1);
    *hash = m->hash;
  }
  return copy;
}

void pat_policy_memo_put(const pat_policy *p, const char *role, const char *text,
                         size_t n, const char *json, int64_t hash) {
  struct rights_memo *m = p->memo;
  memo_clear(m);
  m->role = sqlite3_mprintf("%s", role ? role : "");
  m->text = sqlite3_malloc64(n + 1);
  m->json = sqlite3_mprintf("%s", json);
  if (m->role == NULL || m->text == NULL || m->json == NULL) {
    memo_clear(m);
    return;
  }
  memcpy(m->text, text, n);
  m->text[n] = '\0';
  m->len = n;
  m->hash = hash;
}

void pat_policy_free(pat_policy *p) {
  if (p == NULL) return;
  if (p->memo != NULL) {
    memo_clear(p->memo);
    sets_clear(p->memo);
  }
  sqlite3_free(p->memo);
  for (int i = 0; i < p->ncat; i++) sqlite3_free(p->cat[i]);
  for (int i = 0; i < p->nroles; i++) {
    sqlite3_free(p->roles[i].name);
    sqlite3_free(p->roles[i].grants);
  }
  sqlite3_free(p->cat);
  sqlite3_free(p->roles);
  sqlite3_free(p->default_role);
  sqlite3_free(p);
}

static char *dup_text(sqlite3_stmt *st, int col) {
  const char *s = (const char *)sqlite3_column_text(st, col);
  return s ? sqlite3_mprintf("%s", s) : NULL;
}

/* A column's text into *s (NULL for SQL NULL): -1 when SQLite could not
** give it (out of memory), which must not read as a NULL setting. */
static int column_text(sqlite3_stmt *st, int col, const char **s) {
  *s = (const char *)sqlite3_column_text(st, col);
  return *s == NULL && sqlite3_column_type(st, col) != SQLITE_NULL ? -1 : 0;
}

int pat_policy_right(const pat_policy *p, const char *name, size_t n) {
  return pat_search(p->cat, p->ncat, sizeof p->cat[0], name, n);
}

static const pat_role *find_role(const pat_policy *p, const char *role) {
  int i = pat_search(p->roles, p->nroles, sizeof p->roles[0], role, strlen(role));
  return i < 0 ? NULL : &p->roles[i];
}

const char *pat_policy_role(const pat_policy *p, const char *owner_role) {
  return owner_role != NULL ? owner_role : p->default_role;
}

int pat_policy_grants(const pat_policy *p, const char *role, int right) {
  if (role == NULL || right < 0) return 0;
  if (strcmp(role, "ROOT") == 0) return 1;
  const pat_role *r = find_role(p, role);
  return r != NULL && r->grants[right];
}

int pat_policy_catalog(const pat_policy *p, const char *role, pat_catalog_entry **out,
                       int *n) {
  *out = sqlite3_malloc64((sqlite3_uint64)(p->ncat ? p->ncat : 1) * sizeof **out);
  if (*out == NULL) return -1;
  for (int i = 0; i < p->ncat; i++) {
    (*out)[i].name = p->cat[i];
    (*out)[i].grantable = pat_policy_grants(p, role, i);
  }
  *n = p->ncat;
  return 0;
}

int pat_policy_audit(const pat_policy *p) { return (int)p->num[PAT_SET_AUDIT]; }
int pat_policy_owners_listed(const pat_policy *p) { return p->owners_listed; }
int64_t pat_policy_interval(const pat_policy *p) { return p->num[PAT_SET_LAST_USED_INTERVAL]; }

int64_t pat_policy_book_delay(const pat_policy *p) { return p->num[PAT_SET_BOOKKEEPING_DELAY]; }
int64_t pat_policy_rotate_grace(const pat_policy *p) { return p->num[PAT_SET_ROTATE_GRACE]; }
int64_t pat_policy_retired_keep(const pat_policy *p) { return p->num[PAT_SET_RETIRED_KEEP]; }
int pat_policy_reuse_revokes(const pat_policy *p) {
  return p->num[PAT_SET_ROTATE_REUSE] == 1; /* the choices' order: settings.c */
}
int64_t pat_policy_default_lifetime(const pat_policy *p) {
  return p->num[PAT_SET_DEFAULT_LIFETIME];
}
int pat_policy_max_lifetime(const pat_policy *p, int64_t *max) {
  *max = p->num[PAT_SET_MAX_LIFETIME];
  return !p->is_null[PAT_SET_MAX_LIFETIME];
}
int pat_policy_max_idle(const pat_policy *p, int64_t *max) {
  *max = p->num[PAT_SET_MAX_IDLE];
  /* A value written past pat's checks below 1 would make every token idle:
  ** taken as off, as NULL. */
  return !p->is_null[PAT_SET_MAX_IDLE] && *max >= 1;
}
int pat_policy_max_tokens(const pat_policy *p, int64_t *max) {
  *max = p->num[PAT_SET_MAX_TOKENS_PER_OWNER];
  return !p->is_null[PAT_SET_MAX_TOKENS_PER_OWNER] && *max >= 1;
}
const char *pat_policy_prefix(const pat_policy *p) {
  return p->prefix_ok ? p->prefix : NULL;
}

/* One settings row into the policy, as its row in settings.c says. -1 when
** a value could not be read: a policy read in part would stay cached, and
** deny or allow by accident. */
static int read_setting(pat_policy *p, sqlite3_stmt *st) {
  const char *key, *text;
  if (column_text(st, 0, &key) != 0 || column_text(st, 1, &text) != 0) return -1;
  int null = sqlite3_column_type(st, 1) == SQLITE_NULL;
  int64_t num = sqlite3_column_int64(st, 1);
  pat_setting_id id = pat_setting_find(key);
  if (id == PAT_SET_NONE) return 0;
  switch (pat_setting_def_of(id)->kind) {
  case PAT_SETTING_SECONDS:
    p->num[id] = pat_setting_seconds(id, null, num);
    p->is_null[id] = null;
    break;
  case PAT_SETTING_CHOICE:
    p->num[id] = pat_setting_choice(id, text);
    break;
  case PAT_SETTING_PREFIX: {
    size_t n = null ? 0 : (size_t)sqlite3_column_bytes(st, 1);
    p->prefix_ok = null || (text != NULL && pat_prefix_check(text, n) == 0);
    if (p->prefix_ok) snprintf(p->prefix, sizeof p->prefix, "%s", text ? text : "");
    break;
  }
  case PAT_SETTING_ROLE:
    sqlite3_free(p->default_role);
    p->default_role = dup_text(st, 1);
    if (p->default_role == NULL && !null) return -1;
    break;
  }
  return 0;
}

/* Steps a cached statement of `which`; each row goes to `row`. */
static int each_row(pat_conn *c, int which, pat_stmt_id id, pat_policy *p,
                    int (*row)(pat_policy *, sqlite3_stmt *), pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, which, id, e);
  if (st == NULL) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if (row(p, st) != 0) {
      rc = SQLITE_NOMEM;
      break;
    }
  if (rc != SQLITE_DONE) {
    pat_fail(e, "can not read the store: %s",
             rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(pat_store_db(c, which)));
    if (which == PAT_DB_MAIN) pat_store_failed(c, rc);
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int row_setting(pat_policy *p, sqlite3_stmt *st) { return read_setting(p, st); }

static int row_right(pat_policy *p, sqlite3_stmt *st) {
  if ((p->ncat & (p->ncat - 1)) == 0) { /* grow at 0, 1, 2, 4, ... */
    char **g = sqlite3_realloc64(p->cat, (sqlite3_uint64)(p->ncat ? 2 * p->ncat : 1) *
                                             sizeof *g);
    if (g == NULL) return -1;
    p->cat = g;
  }
  if ((p->cat[p->ncat] = dup_text(st, 0)) == NULL) return -1;
  p->ncat++;
  return 0;
}

static int row_role(pat_policy *p, sqlite3_stmt *st) {
  const char *role, *right;
  if (column_text(st, 0, &role) != 0 || column_text(st, 1, &right) != 0) return -1;
  if (role == NULL || right == NULL) return 0;
  int k = pat_policy_right(p, right, strlen(right));
  if (k < 0) return 0; /* a role row for a right no longer in the catalog */
  if (p->nroles == 0 || strcmp(p->roles[p->nroles - 1].name, role) != 0) {
    pat_role *g = sqlite3_realloc64(p->roles, (sqlite3_uint64)(p->nroles + 1) * sizeof *g);
    if (g == NULL) return -1;
    p->roles = g;
    pat_role *r = &p->roles[p->nroles++];
    r->name = sqlite3_mprintf("%s", role);
    r->grants = sqlite3_malloc64((sqlite3_uint64)p->ncat + 1);
    if (r->name == NULL || r->grants == NULL) return -1;
    memset(r->grants, 0, (size_t)p->ncat + 1);
  }
  p->roles[p->nroles - 1].grants[k] = 1;
  return 0;
}

/* Reads everything from the store `which`, in the read transaction the
** caller holds. */
static int load(pat_conn *c, int which, sqlite3_int64 version, pat_policy **out, pat_err *e) {
  pat_policy *p = sqlite3_malloc(sizeof *p);
  if (p == NULL) {
    pat_fail(e, "out of memory");
    return -1;
  }
  memset(p, 0, sizeof *p);
  if ((p->memo = sqlite3_malloc(sizeof *p->memo)) == NULL) {
    sqlite3_free(p);
    pat_fail(e, "out of memory");
    return -1;
  }
  memset(p->memo, 0, sizeof *p->memo);
  /* A setting without its row: its default, or NULL where NULL is a value
  ** (max_lifetime: no limit). */
  for (int id = 0; id < PAT_SET_COUNT; id++) {
    const pat_setting_def *d = pat_setting_def_of(id);
    if (d->kind == PAT_SETTING_CHOICE) p->num[id] = pat_setting_choice(id, NULL);
    p->is_null[id] = d->nullable;
    if (d->kind == PAT_SETTING_SECONDS) p->num[id] = pat_setting_seconds(id, d->nullable, 0);
  }
  p->prefix_ok = 1;
  int ok = each_row(c, which, PAT_STMT_POLICY_SETTINGS, p, row_setting, e) == 0 &&
           each_row(c, which, PAT_STMT_POLICY_RIGHTS, p, row_right, e) == 0 &&
           each_row(c, which, PAT_STMT_POLICY_ROLES, p, row_role, e) == 0;
  if (ok) {
    pat_err why;
    sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_POLICY_META, &why);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW) {
      p->version = version;
      p->owners_listed = sqlite3_column_int(st, 0);
    } else {
      pat_fail(e, "can not read the store: %s",
               st ? sqlite3_errmsg(pat_store_db(c, which)) : why.msg);
      ok = 0;
    }
    if (st) sqlite3_reset(st);
  }
  if (!ok) {
    pat_policy_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

sqlite3_int64 pat_policy_version(const pat_policy *p) { return p->version; }

const pat_policy *pat_policy_at(pat_conn *c, sqlite3_int64 version, pat_err *e) {
  /* Read under this very version (and the key checked then: a new key of
  ** the connection forgets the cache, a rekey moves the version). */
  if (c->policy != NULL && c->policy->version == version) return c->policy;
  return pat_policy_get(c, PAT_DB_MAIN, e);
}

const pat_policy *pat_policy_cached(pat_conn *c, int which, pat_err *e) {
  if (which == PAT_DB_MAIN && c->policy != NULL) return c->policy;
  return pat_policy_get(c, which, e);
}

const pat_policy *pat_policy_get(pat_conn *c, int which, pat_err *e) {
  if (which == PAT_DB_DEFAULTS) {
    /* The defaults never change. */
    if (c->policy_defaults == NULL &&
        load(c, PAT_DB_DEFAULTS, 0, &c->policy_defaults, e) != 0)
      return NULL;
    return c->policy_defaults;
  }
  /* The statement stays open while the rest is read, so all of it comes
  ** from one read transaction (the caller's, or its own). */
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_POLICY_VERSION, e);
  if (st == NULL) return NULL;
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    pat_store_failed(c, rc);
    pat_fail(e, "can not read the store: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
    return NULL;
  }
  sqlite3_int64 version = sqlite3_column_int64(st, 0);
  pat_policy *p = NULL;
  if (pat_key_matches(c, (const char *)sqlite3_column_text(st, 1), e) == 0) {
    p = c->policy;
    if (p == NULL || p->version != version) {
      pat_policy *fresh = NULL;
      pat_policy_forget(c);
      if (load(c, PAT_DB_MAIN, version, &fresh, e) == 0) c->policy = fresh;
      p = c->policy;
    }
  }
  sqlite3_reset(st);
  /* A schema change since the last look may have planted an object that
  ** calls pat or shadows a public name. */
  if (p != NULL && pat_store_recheck(c, PAT_STMT_POLICY_VERSION, e) != 0)
    return NULL;
  return p;
}

void pat_policy_forget(pat_conn *c) {
  pat_policy_free(c->policy);
  c->policy = NULL;
}
