/*
** policy.c: what decides a grant, held in memory per connection: the
** settings, the catalog of rights and which rights each role grants.
**
** A check asks "is this right in the catalog, and does the owner's role
** grant it?" and pat_create expands wildcards against the catalog. Both read
** these few rows on every call, so they are read once and kept, and read
** again when the database may have changed them:
**   - another connection committed: PRAGMA data_version moved (read through
**     SQLITE_FCNTL_DATA_VERSION, which costs no statement);
**   - this connection changed anything that is not pat's own token write:
**     sqlite3_total_changes() moved (pat's own writes of tokens and their
**     events say so with pat_policy_own_write, and keep the cache).
** The version is only meaningful inside a read transaction, so the check is
** made while one is open (the caller's, the check's lookup, or one opened
** here for the purpose).
**
** The owner's role itself is not cached: there may be many owners, and it is
** one indexed lookup joined to the token's own.
*/
#include "pat_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct pat_role {
  char *name;
  unsigned char *grants; /* one per catalog right, in catalog order */
} pat_role;

struct pat_policy {
  int audit;
  int64_t last_used_interval;
  int64_t default_lifetime;
  int64_t max_lifetime;
  int max_null;
  char prefix[PAT_PREFIX_MAX + 1];
  int prefix_ok;
  char *default_role; /* NULL when the setting is NULL */
  int ncat;
  char **cat;         /* the catalog, in byte order */
  int nroles;
  pat_role *roles;    /* sorted by name; ROOT is not among them */
  unsigned int data_version;
  sqlite3_int64 changes;
};

void pat_policy_free(pat_policy *p) {
  if (p == NULL) return;
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

int pat_policy_right(const pat_policy *p, const char *name, size_t n) {
  int lo = 0, hi = p->ncat - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    const char *c = p->cat[mid];
    size_t cn = strlen(c);
    int r = memcmp(c, name, cn < n ? cn : n);
    if (r == 0) r = cn < n ? -1 : cn > n ? 1 : 0;
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

static const pat_role *find_role(const pat_policy *p, const char *role) {
  int lo = 0, hi = p->nroles - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int r = strcmp(p->roles[mid].name, role);
    if (r == 0) return &p->roles[mid];
    if (r < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
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

int pat_policy_audit(const pat_policy *p) { return p->audit; }
int64_t pat_policy_interval(const pat_policy *p) { return p->last_used_interval; }
int64_t pat_policy_default_lifetime(const pat_policy *p) { return p->default_lifetime; }
int pat_policy_max_lifetime(const pat_policy *p, int64_t *max) {
  *max = p->max_lifetime;
  return !p->max_null;
}
const char *pat_policy_prefix(const pat_policy *p) {
  return p->prefix_ok ? p->prefix : NULL;
}

static void read_setting(pat_policy *p, sqlite3_stmt *st) {
  const char *key = (const char *)sqlite3_column_text(st, 0);
  const char *text = (const char *)sqlite3_column_text(st, 1);
  int null = sqlite3_column_type(st, 1) == SQLITE_NULL;
  int64_t num = sqlite3_column_int64(st, 1);
  if (key == NULL) return;
  if (strcmp(key, "audit") == 0) {
    p->audit = text == NULL ? PAT_AUDIT_CHANGES
               : strcmp(text, "off") == 0 ? PAT_AUDIT_OFF
               : strcmp(text, "all") == 0 ? PAT_AUDIT_ALL
                                           : PAT_AUDIT_CHANGES;
  } else if (strcmp(key, "last_used_interval") == 0) {
    p->last_used_interval = null || num < 0 ? 60 : num;
  } else if (strcmp(key, "default_lifetime") == 0) {
    p->default_lifetime = null || num <= 0 ? 2592000 : num;
  } else if (strcmp(key, "max_lifetime") == 0) {
    p->max_null = null;
    p->max_lifetime = num;
  } else if (strcmp(key, "prefix") == 0) {
    size_t n = null ? 0 : (size_t)sqlite3_column_bytes(st, 1);
    p->prefix_ok = null || (text != NULL && pat_prefix_check(text, n) == 0);
    if (p->prefix_ok) snprintf(p->prefix, sizeof p->prefix, "%s", text ? text : "");
  } else if (strcmp(key, "default_role") == 0) {
    sqlite3_free(p->default_role);
    p->default_role = dup_text(st, 1);
  }
}

/* Reads everything from `db`; on main, also checks the connection's key
** against the store's fingerprint. */
static int load(pat_conn *c, sqlite3 *db, int check_key, pat_policy **out, char *err,
                size_t errlen) {
  static const char *const sql[] = {
      "SELECT key, value FROM main.pat_store_settings",
      "SELECT name FROM main.pat_store_rights ORDER BY name COLLATE BINARY",
      "SELECT role, right FROM main.pat_store_roles ORDER BY role COLLATE BINARY",
      "SELECT value FROM main.pat_store_meta WHERE key = 'key_fingerprint'",
  };
  pat_policy *p = sqlite3_malloc(sizeof *p);
  int rc = p ? SQLITE_OK : SQLITE_NOMEM, cap = 0;
  if (p != NULL) {
    memset(p, 0, sizeof *p);
    p->audit = PAT_AUDIT_CHANGES;
    p->last_used_interval = 60;
    p->default_lifetime = 2592000;
    p->max_null = 1;
    p->prefix_ok = 1;
  }
  for (int q = 0; rc == SQLITE_OK && q < 4; q++) {
    sqlite3_stmt *st = NULL;
    if (q == 3 && !check_key) break;
    rc = sqlite3_prepare_v2(db, sql[q], -1, &st, NULL);
    int found_fp = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      rc = SQLITE_OK;
      if (q == 0) {
        read_setting(p, st);
      } else if (q == 1) {
        if (p->ncat == cap) {
          cap = cap ? cap * 2 : 32;
          char **g = sqlite3_realloc64(p->cat, (sqlite3_uint64)cap * sizeof *g);
          if (g == NULL) { rc = SQLITE_NOMEM; break; }
          p->cat = g;
        }
        if ((p->cat[p->ncat] = dup_text(st, 0)) == NULL) { rc = SQLITE_NOMEM; break; }
        p->ncat++;
      } else if (q == 2) {
        const char *role = (const char *)sqlite3_column_text(st, 0);
        const char *right = (const char *)sqlite3_column_text(st, 1);
        if (role == NULL || right == NULL) continue;
        int k = pat_policy_right(p, right, strlen(right));
        if (k < 0) continue; /* a role row for a right no longer in the catalog */
        if (p->nroles == 0 || strcmp(p->roles[p->nroles - 1].name, role) != 0) {
          pat_role *g = sqlite3_realloc64(p->roles, (sqlite3_uint64)(p->nroles + 1) *
                                                        sizeof *g);
          if (g == NULL) { rc = SQLITE_NOMEM; break; }
          p->roles = g;
          pat_role *r = &p->roles[p->nroles];
          r->name = sqlite3_mprintf("%s", role);
          r->grants = sqlite3_malloc64((sqlite3_uint64)p->ncat + 1);
          p->nroles++;
          if (r->name == NULL || r->grants == NULL) { rc = SQLITE_NOMEM; break; }
          memset(r->grants, 0, (size_t)p->ncat + 1);
        }
        p->roles[p->nroles - 1].grants[k] = 1;
      } else {
        found_fp = 1;
        if (pat_key_matches(c, (const char *)sqlite3_column_text(st, 0), err, errlen) != 0)
          rc = SQLITE_AUTH;
      }
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    if (rc == SQLITE_OK && q == 3 && !found_fp &&
        pat_key_matches(c, NULL, err, errlen) != 0)
      rc = SQLITE_AUTH;
    if (rc != SQLITE_OK && rc != SQLITE_AUTH)
      snprintf(err, errlen, "can not read the store: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
  }
  if (rc != SQLITE_OK) {
    pat_policy_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

const pat_policy *pat_policy_get(pat_conn *c, int which, char *err, size_t errlen) {
  if (which == PAT_DB_DEFAULTS) {
    /* The defaults never change. */
    if (c->policy_defaults == NULL &&
        load(c, c->defaults, 0, &c->policy_defaults, err, errlen) != 0)
      return NULL;
    return c->policy_defaults;
  }
  /* The data version is the one of the read transaction in progress: open
  ** one for the question when the caller has none. */
  sqlite3_stmt *hold = NULL;
  if (sqlite3_txn_state(c->db, "main") == SQLITE_TXN_NONE) {
    hold = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_HOLD);
    if (hold == NULL || sqlite3_step(hold) != SQLITE_ROW) {
      snprintf(err, errlen, "%s", hold ? sqlite3_errmsg(c->db) : c->errmsg);
      if (hold) sqlite3_reset(hold);
      return NULL;
    }
  }
  unsigned int dv = 0;
  int have_dv =
      sqlite3_file_control(c->db, "main", SQLITE_FCNTL_DATA_VERSION, &dv) == SQLITE_OK;
  sqlite3_int64 changes = sqlite3_total_changes64(c->db);
  pat_policy *p = c->policy;
  if (p == NULL || !have_dv || dv != p->data_version || changes != p->changes) {
    pat_policy *fresh = NULL;
    if (load(c, c->db, 1, &fresh, err, errlen) != 0) {
      p = NULL;
    } else {
      pat_policy_free(c->policy);
      c->policy = p = fresh;
      p->data_version = dv;
      p->changes = changes;
    }
  }
  if (hold) sqlite3_reset(hold);
  return p;
}

void pat_policy_own_write(pat_conn *c, sqlite3_int64 changes_before) {
  /* Nothing but pat's own write happened since the policy was read: keep
  ** it, as those writes (tokens, events) do not change it. */
  if (c->policy != NULL && c->policy->changes == changes_before)
    c->policy->changes = sqlite3_total_changes64(c->db);
}

void pat_policy_forget(pat_conn *c) {
  pat_policy_free(c->policy);
  c->policy = NULL;
}
