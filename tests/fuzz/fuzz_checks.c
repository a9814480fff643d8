/*
** fuzz_checks.c: libFuzzer target for pat_verify and pat_has_right
** (ext/checks.c, through SQL as an application calls them).
**
** LLVMFuzzerInitialize makes one in-memory store with a few tokens: valid
** now, expired, not yet valid, one deleted, with different prefixes, owners
** and rights, audit 'all' so that checks write their bookkeeping too.
**
** Input: byte 0 flags, then fields split at "\n|": token, right, at.
**   flags & 7        type of the token argument (fuzz_common.h FZ_*); with
**                    FZ_OMIT, the token field is instead spliced: every "%T"
**                    in it is replaced by minted token number (flags >> 6),
**                    so Bearer forms, white space and near-misses of real
**                    tokens are reached
**   (flags >> 3) & 7 type of `at` (FZ_OMIT: no `at` argument)
** Calls: pat_verify(t), pat_verify(t, at), pat_has_right(t, right[, at]),
** pat_has_right(t, 'DATA_FETCH').
**
** Properties:
**   - pat_verify(t) and pat_has_right(t, <a catalog right>) never fail;
**     only a bad `at` or an unknown right name may be an error;
**   - a value that is neither TEXT nor a BLOB never verifies;
**   - a TEXT or a BLOB verifies only when, white space and a "Bearer " stripped, it is
**     byte for byte a minted, undeleted token, and then it is that token's
**     id; a minted token valid at the time asked always verifies;
**   - pat_has_right is 1 only when pat_verify (same token and at) is not
**     NULL and the token holds the right, or every entry of a list of
**     them, each on its resource if it names one (one token holds rights
**     on resources only).
*/
#include "fuzz_common.h"

#include <time.h>

typedef struct minted {
  char text[PAT_TOKEN_MAX + 1];
  int64_t id, from, to;
  int deleted;
  const char *rights; /* as given to pat_create; the catalog check below */
} minted;

#define NMINTED 9
#define EVE 4    /* tokens[EVE]: its owner's role no longer grants its right */
#define SCOPED 8 /* tokens[SCOPED]: rights on resources only */
static minted tokens[NMINTED];
static sqlite3 *db;
static fz_template tmpl;
static unsigned long runs;

static void setup_store(sqlite3 *d) {
  int64_t now = (int64_t)time(NULL);
  struct {
    const char *prefix, *owner, *rights;
    int64_t from, to;
    int del;
  } spec[NMINTED] = {
      {"pat_", "alice", "DATA_FETCH", now - 1000, now + 20000000, 0},
      {"pat_", "bob", "*", now - 1000, now + 20000000, 0},
      {"", "carol", "DATA_*", now - 1000, now + 20000000, 0},
      {"Bearer", "dave", "USER_FETCH,DATA_CREATE", now - 1000, now + 20000000, 0},
      {"x_0123456789abcdefghijklmnopqrs", "eve", "MEDIA_FETCH", now - 1000, now + 20000000, 0},
      {"pat_", "alice", "DATA_FETCH", now - 3000, now - 2000, 0},   /* expired */
      {"pat_", "alice", "DATA_FETCH", now + 20000000, now + 20001000, 0}, /* pending */
      {"pat_", "bob", "DATA_FETCH", now - 1000, now + 20000000, 1}, /* deleted */
      {"pat_", "frank", "DATA_FETCH@project:42,DATA_CREATE@repo:a/*", now - 1000,
       now + 20000000, 0},
  };
  fz_exec(d, "UPDATE pat_settings SET value = 'all' WHERE key = 'audit'");
  fz_exec(d, "INSERT INTO pat_owners VALUES ('eve', 'VIEWER')");
  for (int i = 0; i < NMINTED; i++) {
    char *sql = sqlite3_mprintf("UPDATE pat_settings SET value = %Q WHERE key = 'prefix'",
                                spec[i].prefix);
    fz_exec(d, sql);
    sqlite3_free(sql);
    fz_mint(d, spec[i].owner, "fuzz", spec[i].rights, spec[i].from, spec[i].to,
            tokens[i].text);
    tokens[i].from = spec[i].from;
    tokens[i].to = spec[i].to;
    tokens[i].rights = spec[i].rights;
    tokens[i].id = fz_int(d, "SELECT max(id) FROM pat_tokens");
    if (spec[i].del) {
      sql = sqlite3_mprintf("DELETE FROM pat_tokens WHERE id = %lld", (long long)tokens[i].id);
      fz_exec(d, sql);
      sqlite3_free(sql);
      tokens[i].deleted = 1;
    }
  }
  /* VIEWER no longer grants MEDIA_FETCH: eve's token holds it, but may not use it. */
  fz_exec(d, "DELETE FROM pat_roles WHERE role = 'VIEWER' AND \"right\" = 'MEDIA_FETCH'");
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  sqlite3 *d = fz_open();
  setup_store(d);
  fz_template_save(d, &tmpl);
  fz_close(d);
  db = fz_template_open(&tmpl);
  return 0;
}

/* The token text with white space and one "Bearer " form taken off, as the
** contract says pat_verify reads it. */
static void strip(const unsigned char *in, size_t n, size_t *off, size_t *len) {
  size_t a = 0, b = n;
  while (a < b && (in[a] == ' ' || in[a] == '\t' || in[a] == '\r' || in[a] == '\n')) a++;
  while (b > a && (in[b - 1] == ' ' || in[b - 1] == '\t' || in[b - 1] == '\r' || in[b - 1] == '\n'))
    b--;
  if (b - a > 6 && sqlite3_strnicmp((const char *)in + a, "bearer", 6) == 0 &&
      (in[a + 6] == ' ' || in[a + 6] == '\t')) {
    a += 6;
    while (a < b && (in[a] == ' ' || in[a] == '\t')) a++;
  }
  *off = a;
  *len = b - a;
}

/* Which minted token (index) the text is, or -1. */
static int minted_index(const unsigned char *p, size_t n) {
  size_t off, len;
  strip(p, n, &off, &len);
  for (int i = 0; i < NMINTED; i++)
    if (len == strlen(tokens[i].text) && memcmp(p + off, tokens[i].text, len) == 0) return i;
  return -1;
}

typedef struct result {
  int rc;            /* SQLITE_ROW, or the error */
  int type;
  int64_t v;
  char err[160];
} result;

/* Runs sql with token, [right], [at] bound as ?1, ?2, ?3. */
static void run(const char *sql, int ttype, const uint8_t *tp, size_t tn, const uint8_t *rp,
                size_t rn, int rtype, int atype, const uint8_t *ap, size_t an, result *out) {
  sqlite3_stmt *st = NULL;
  memset(out, 0, sizeof *out);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s\n  %s", sqlite3_errmsg(db), sql);
  fz_bind(st, 1, ttype, tp, tn);
  if (sqlite3_bind_parameter_count(st) >= 2) fz_bind(st, 2, rtype, rp, rn);
  if (sqlite3_bind_parameter_count(st) >= 3) fz_bind(st, 3, atype, ap, an);
  out->rc = sqlite3_step(st);
  if (out->rc == SQLITE_ROW) {
    out->type = sqlite3_column_type(st, 0);
    out->v = sqlite3_column_int64(st, 0);
    if (sqlite3_step(st) != SQLITE_DONE) fz_fail("more than one row: %s", sql);
  } else {
    snprintf(out->err, sizeof out->err, "%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
}

/* pat_verify's answer as an id, 0 for NULL; fails on anything else. */
static int64_t verified_id(const result *r, const char *what) {
  if (r->rc != SQLITE_ROW) fz_fail("%s failed: %s", what, r->err);
  if (r->type == SQLITE_NULL) return 0;
  if (r->type != SQLITE_INTEGER || r->v <= 0) fz_fail("%s answered a non-id", what);
  return r->v;
}

static int holds(const minted *m, const char *right) {
  /* The rights the setup gave each token, expanded by hand. */
  if (m == &tokens[SCOPED]) return 0; /* nothing unscoped */
  if (strcmp(m->rights, "*") == 0) return 1;
  if (strcmp(m->rights, "DATA_*") == 0) return strncmp(right, "DATA_", 5) == 0;
  if (strcmp(m->rights, "USER_FETCH,DATA_CREATE") == 0)
    return strcmp(right, "USER_FETCH") == 0 || strcmp(right, "DATA_CREATE") == 0;
  return strcmp(m->rights, right) == 0;
}

/* Whether m holds one entry, "NAME" or "NAME@resource", as the contract
** says: an unscoped right on any resource; the scoped token's entries on
** their resource or stem only. */
static int holds_entry(const minted *m, const char *e, size_t n) {
  const char *at = memchr(e, '@', n);
  size_t nl = at ? (size_t)(at - e) : n;
  char name[80];
  if (nl >= sizeof name || memchr(e, 0, n) != NULL) return 0;
  memcpy(name, e, nl);
  name[nl] = '\0';
  if (m != &tokens[SCOPED]) return holds(m, name);
  if (at == NULL) return 0;
  const char *res = at + 1;
  size_t rl = n - nl - 1;
  if (strcmp(name, "DATA_FETCH") == 0) return rl == 10 && memcmp(res, "project:42", 10) == 0;
  if (strcmp(name, "DATA_CREATE") == 0) return rl >= 7 && memcmp(res, "repo:a/", 7) == 0;
  return 0;
}

static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Whether m holds every entry of a right argument: one entry as it is, a
** comma list (entries trimmed), or a JSON array of strings; -1 where this
** oracle can not tell (a JSON escape). */
static int holds_all(const minted *m, const uint8_t *r, size_t n) {
  size_t a = 0;
  while (a < n && is_ws(r[a])) a++;
  if (memchr(r, ',', n) == NULL && memchr(r, '[', n) == NULL)
    return holds_entry(m, (const char *)r, n);
  if (a < n && r[a] == '[') {
    if (memchr(r, '\\', n) != NULL) return -1;
    int any = 0;
    for (size_t i = a + 1; i < n; i++) {
      if (r[i] != '"') continue;
      size_t j = i + 1;
      while (j < n && r[j] != '"') j++;
      if (j >= n) return 0;
      if (!holds_entry(m, (const char *)r + i + 1, j - i - 1)) return 0;
      any = 1;
      i = j;
    }
    return any;
  }
  for (size_t i = 0; i <= n;) {
    size_t j = i;
    while (j < n && r[j] != ',') j++;
    size_t b = i, e = j;
    while (b < e && is_ws(r[b])) b++;
    while (e > b && is_ws(r[e - 1])) e--;
    if (!holds_entry(m, (const char *)r + b, e - b)) return 0;
    i = j + 1;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  /* A fresh copy of the store now and then, so that events do not pile up. */
  if (++runs % 4096 == 0) {
    fz_close(db);
    db = fz_template_open(&tmpl);
  }
  int flags = data[0];
  int ttype = flags & 7, atype = (flags >> 3) & 7;
  fz_fields f;
  fz_split(data + 1, size - 1, 3, &f);
  const uint8_t *tp = f.p[0];
  size_t tn = f.n[0];
  uint8_t *spliced = NULL;
  if (ttype == FZ_OMIT) { /* splice a minted token in place of each "%T" */
    const char *tok = tokens[(flags >> 6) & 3].text;
    if ((flags >> 6) == 3) tok = tokens[3 + (tn % 6)].text;
    size_t tl = strlen(tok);
    spliced = malloc(tn * (tl + 1) + 1);
    if (spliced == NULL) abort();
    size_t o = 0;
    for (size_t i = 0; i < tn; i++) {
      if (tp[i] == '%' && i + 1 < tn && tp[i + 1] == 'T') {
        memcpy(spliced + o, tok, tl);
        o += tl;
        i++;
      } else {
        spliced[o++] = tp[i];
      }
    }
    tp = spliced;
    tn = o;
    ttype = FZ_TEXT;
  }
  const uint8_t *rp = f.count > 1 ? f.p[1] : (const uint8_t *)"DATA_FETCH";
  size_t rn = f.count > 1 ? f.n[1] : 10;
  const uint8_t *ap = f.count > 2 ? f.p[2] : NULL;
  size_t an = f.count > 2 ? f.n[2] : 0;
  int has_at = atype != FZ_OMIT;
  /* The text pat sees, for the property: FZ_TEXT_NUL inserts a NUL. A
  ** BLOB whose bytes are a token's text is that token (INTERFACE.md). */
  int is_text = ttype == FZ_TEXT || ttype == FZ_TEXT_NUL || ttype == FZ_BLOB;
  int idx = -1;
  if (ttype == FZ_TEXT || ttype == FZ_BLOB) idx = minted_index(tp, tn);

  result r1, r2, r3, r4;
  run("SELECT pat_verify(?1)", ttype, tp, tn, NULL, 0, 0, 0, NULL, 0, &r1);
  int64_t id_now = verified_id(&r1, "pat_verify(token)");
  int64_t now = (int64_t)time(NULL);

  if (id_now != 0) {
    if (!is_text) fz_fail("a %s verified", fz_type_names[ttype]);
    if (idx < 0) fz_fail("a text that is no minted token verified as id %lld", (long long)id_now);
  }
  if (idx >= 0) {
    const minted *m = &tokens[idx];
    /* 2 s of slack around the edges: "now" moves while we look. */
    int valid = !m->deleted && m->from + 2 <= now && now + 2 < m->to;
    int invalid = m->deleted || now + 2 < m->from || m->to + 2 <= now;
    if (id_now != 0 && id_now != m->id)
      fz_fail("minted token %d verified as id %lld, not %lld", idx, (long long)id_now,
              (long long)m->id);
    if (valid && id_now == 0) fz_fail("minted token %d, valid now, did not verify", idx);
    if (invalid && id_now != 0) fz_fail("minted token %d, not valid now, verified", idx);
  }

  if (has_at) {
    run("SELECT pat_verify(?1, ?3)", ttype, tp, tn, NULL, 0, 0, atype, ap, an, &r2);
    if (r2.rc == SQLITE_ROW) {
      int64_t id_at = verified_id(&r2, "pat_verify(token, at)");
      if (id_at != 0 && (idx < 0 || id_at != tokens[idx].id))
        fz_fail("pat_verify(token, at) verified a text that is not that minted token");
    } else if (strncmp(r2.err, "pat_verify: ", 12) != 0 || strstr(r2.err, "at") == NULL) {
      fz_fail("pat_verify(token, at) failed with an unexpected message: %s", r2.err);
    }
  }

  /* A right from the input: an error is allowed only for an unknown right or
  ** a bad at. */
  const char *sql3 = has_at ? "SELECT pat_has_right(?1, ?2, ?3)" : "SELECT pat_has_right(?1, ?2)";
  run(sql3, ttype, tp, tn, rp, rn, FZ_TEXT, atype, ap, an, &r3);
  if (r3.rc == SQLITE_ROW) {
    if (r3.type != SQLITE_INTEGER || (r3.v != 0 && r3.v != 1))
      fz_fail("pat_has_right answered something other than 0 or 1");
    if (r3.v == 1) {
      if (idx < 0) fz_fail("pat_has_right is 1 for a text that is no minted token");
      if (holds_all(&tokens[idx], rp, rn) == 0)
        fz_fail("pat_has_right is 1 for a right not held");
      if (idx == EVE) fz_fail("pat_has_right is 1 for a right the owner's role no longer grants");
      if (!has_at && id_now == 0) fz_fail("pat_has_right is 1 where pat_verify is NULL");
    } else if (!has_at && idx >= 0 && idx != EVE && id_now != 0 && rn < 80 &&
               memchr(rp, ',', rn) == NULL && memchr(rp, '[', rn) == NULL &&
               holds_entry(&tokens[idx], (const char *)rp, rn)) {
      fz_fail("pat_has_right is 0 for a valid token that holds '%.*s'", (int)rn, rp);
    }
  } else if (strncmp(r3.err, "pat_has_right: ", 15) != 0) {
    fz_fail("pat_has_right failed without naming itself: %s", r3.err);
  }

  /* A catalog right and no at: never an error. */
  run("SELECT pat_has_right(?1, 'DATA_FETCH')", ttype, tp, tn, NULL, 0, 0, 0, NULL, 0, &r4);
  if (r4.rc != SQLITE_ROW) fz_fail("pat_has_right(token, 'DATA_FETCH') failed: %s", r4.err);
  if (r4.v == 1 && (idx < 0 || !holds(&tokens[idx], "DATA_FETCH")))
    fz_fail("pat_has_right(token, 'DATA_FETCH') is 1 for a token without it");
  free(spliced);
  return 0;
}
