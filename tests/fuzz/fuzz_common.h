/*
** fuzz_common.h: what the libFuzzer targets of pat share (tests/fuzz/).
**
** The targets link pat's objects built with SQLITE_CORE against the system
** libsqlite3 and register pat on each connection through sqlite3_pat_init,
** as the unit tests do. Everything here is static: each target is one file.
**
** Input layout of the SQL targets: a first byte (or two) of flags, then
** fields separated by the two bytes "\n|" (so a field may hold any byte,
** NUL included, and a seed stays readable in an editor).
**
** A broken property calls fz_fail(), which prints why and aborts: libFuzzer
** then saves the input as a crash.
*/
#ifndef PAT_FUZZ_COMMON_H
#define PAT_FUZZ_COMMON_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pat.h"
#include "tables.h"

/* Every target uses some of these helpers. */
#define FZ_FN static __attribute__((unused))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn, format(printf, 1, 2))) FZ_FN void fz_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("\nfuzz property broken: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\n", stderr);
  va_end(ap);
  abort();
}

/* ------------------------------------------------------------- splitting */

#define FZ_MAX_FIELDS 8

typedef struct fz_fields {
  const uint8_t *p[FZ_MAX_FIELDS];
  size_t n[FZ_MAX_FIELDS];
  int count;
} fz_fields;

/* Splits data into at most `max` fields at "\n|"; the last field takes the
** rest (separators included). */
FZ_FN void fz_split(const uint8_t *data, size_t size, int max, fz_fields *f) {
  memset(f, 0, sizeof *f);
  if (max > FZ_MAX_FIELDS) max = FZ_MAX_FIELDS;
  size_t start = 0;
  f->count = 0;
  for (size_t i = 0; i + 1 < size && f->count < max - 1; i++) {
    if (data[i] == '\n' && data[i + 1] == '|') {
      f->p[f->count] = data + start;
      f->n[f->count] = i - start;
      f->count++;
      start = i + 2;
      i++;
    }
  }
  f->p[f->count] = data + start;
  f->n[f->count] = size - start;
  f->count++;
}

/* ---------------------------------------------------------------- values */

/* How a field is bound: the SQL type an application might pass. */
enum { FZ_TEXT, FZ_BLOB, FZ_INT, FZ_REAL, FZ_NULL, FZ_INT_RAW, FZ_TEXT_NUL, FZ_OMIT };
static const char *const fz_type_names[] = {"TEXT", "BLOB", "INTEGER", "REAL",
                                            "NULL", "INTEGER(raw)", "TEXT(NUL)",
                                            "omitted"};

/* A NUL-terminated copy (malloc'd) of a field, for strtoll and strtod. */
FZ_FN char *fz_cstr(const uint8_t *p, size_t n) {
  char *s = malloc(n + 1);
  if (s == NULL) abort();
  if (n > 0) memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

FZ_FN int64_t fz_int_of(const uint8_t *p, size_t n, int raw) {
  int64_t v = 0;
  if (raw) {
    uint64_t u = 0;
    for (size_t i = 0; i < n && i < 8; i++) u |= (uint64_t)p[i] << (8 * i);
    memcpy(&v, &u, sizeof v);
    return v;
  }
  char *s = fz_cstr(p, n);
  v = strtoll(s, NULL, 0);
  free(s);
  return v;
}

FZ_FN double fz_real_of(const uint8_t *p, size_t n) {
  char *s = fz_cstr(p, n);
  double d = strtod(s, NULL); /* "nan", "inf", "1e999" included */
  free(s);
  return d;
}

/* Binds field (p, n) as `type` to parameter i. FZ_OMIT binds nothing. */
FZ_FN void fz_bind(sqlite3_stmt *st, int i, int type, const uint8_t *p, size_t n) {
  int rc = SQLITE_OK;
  switch (type) {
    case FZ_TEXT:
      rc = sqlite3_bind_text(st, i, n ? (const char *)p : "", (int)n, SQLITE_TRANSIENT);
      break;
    case FZ_TEXT_NUL: { /* the text with a NUL byte in its middle */
      char *s = malloc(n + 2);
      if (s == NULL) abort();
      size_t half = n / 2;
      if (half) memcpy(s, p, half);
      s[half] = '\0';
      if (n - half) memcpy(s + half + 1, p + half, n - half);
      rc = sqlite3_bind_text(st, i, s, (int)n + 1, SQLITE_TRANSIENT);
      free(s);
      break;
    }
    case FZ_BLOB:
      rc = sqlite3_bind_blob(st, i, n ? (const void *)p : "", (int)n, SQLITE_TRANSIENT);
      break;
    case FZ_INT:
    case FZ_INT_RAW:
      rc = sqlite3_bind_int64(st, i, fz_int_of(p, n, type == FZ_INT_RAW));
      break;
    case FZ_REAL:
      rc = sqlite3_bind_double(st, i, fz_real_of(p, n));
      break;
    case FZ_NULL:
      rc = sqlite3_bind_null(st, i);
      break;
    default:
      break;
  }
  if (rc != SQLITE_OK) fz_fail("bind %d: %s", i, sqlite3_errstr(rc));
}

/* ------------------------------------------------------------- databases */

FZ_FN void fz_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
    fz_fail("setup statement failed: %s\n  %s", err ? err : "?", sql);
}

/* One value of the first column of the first row of sql (an integer). */
FZ_FN int64_t fz_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s\n  %s", sqlite3_errmsg(db), sql);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE) fz_fail("step failed: %s\n  %s", sqlite3_errmsg(db), sql);
  sqlite3_finalize(st);
  return v;
}

/* pat_create(owner, name, rights, from, to) with from/to unix seconds (0:
** default); the token is copied into out. */
FZ_FN void fz_mint(sqlite3 *db, const char *owner, const char *name,
                    const char *rights, int64_t from, int64_t to,
                    char out[PAT_TOKEN_MAX + 1]) {
  sqlite3_stmt *st = NULL;
  const char *sql = "SELECT pat_create(?1, ?2, ?3, ?4, ?5)";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s", sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, rights, -1, SQLITE_STATIC);
  if (from) sqlite3_bind_int64(st, 4, from);
  if (to) sqlite3_bind_int64(st, 5, to);
  if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_TEXT ||
      sqlite3_column_bytes(st, 0) > PAT_TOKEN_MAX)
    fz_fail("setup pat_create failed: %s", sqlite3_errmsg(db));
  memcpy(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) + 1);
  sqlite3_finalize(st);
}

/* A new in-memory connection with pat registered. */
FZ_FN sqlite3 *fz_open(void) {
  sqlite3 *db = NULL;
  char *err = NULL;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    fz_fail("open failed");
  if (sqlite3_pat_init(db, &err, NULL) != SQLITE_OK) fz_fail("pat init: %s", err ? err : "?");
  return db;
}

/* sqlite3_close must succeed after pat was used (INTERFACE.md). */
FZ_FN void fz_close(sqlite3 *db) {
  int rc = sqlite3_close(db);
  if (rc != SQLITE_OK) fz_fail("sqlite3_close: %s", sqlite3_errstr(rc));
}

/* ---------------------------------------------------------- content hash */

FZ_FN void fz_fnv(uint64_t *h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    *h ^= b[i];
    *h *= 1099511628211ULL;
  }
}

FZ_FN void fz_hash_rows(sqlite3 *db, const char *sql, uint64_t *h) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s\n  %s", sqlite3_errmsg(db), sql);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      int type = sqlite3_column_type(st, i);
      fz_fnv(h, &type, sizeof type);
      const void *v = sqlite3_column_blob(st, i);
      int n = sqlite3_column_bytes(st, i);
      fz_fnv(h, &n, sizeof n);
      if (v != NULL) fz_fnv(h, v, (size_t)n);
    }
    fz_fnv(h, "\n", 1);
  }
  if (rc != SQLITE_DONE) fz_fail("hash step failed: %s\n  %s", sqlite3_errmsg(db), sql);
  sqlite3_finalize(st);
}

/* A hash of everything in main: the schema and every row of every real
** table (pat's store under whatever names it uses). */
FZ_FN uint64_t fz_db_hash(sqlite3 *db) {
  uint64_t h = 14695981039346656037ULL;
  fz_hash_rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name", &h);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT name FROM sqlite_schema WHERE type = 'table' "
                         "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
                         -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s", sqlite3_errmsg(db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    char *sql = sqlite3_mprintf("SELECT * FROM main.\"%w\"", sqlite3_column_text(st, 0));
    if (sql == NULL) abort();
    fz_hash_rows(db, sql, &h);
    sqlite3_free(sql);
  }
  sqlite3_finalize(st);
  return h;
}

/* Store invariants that no accepted write may break. */
FZ_FN void fz_check_invariants(sqlite3 *db, const char *after) {
  if (fz_int(db, "SELECT count(*) FROM sqlite_schema") == 0) return; /* no store yet */
  if (fz_int(db, "SELECT count(*) FROM pat_tokens WHERE NOT (valid_from < valid_to)") != 0)
    fz_fail("after %s: a token with valid_to <= valid_from", after);
  if (fz_int(db, "SELECT count(*) FROM pat_tokens WHERE json_valid(rights) = 0 "
                 "OR json_type(rights) <> 'array' OR json_array_length(rights) = 0") != 0)
    fz_fail("after %s: a token whose rights are not a non-empty JSON array", after);
  /* An entry is "RIGHT" or "RIGHT@resource" (INTERFACE.md, Rights on
  ** resources): its right in the catalog, its resource 1..128 bytes of
  ** [A-Za-z0-9_.:/-] with at most a final '*'. */
  if (fz_int(db, "SELECT count(*) FROM pat_tokens t, json_each(t.rights) j "
                 "WHERE substr(j.value, 1, instr(j.value || '@', '@') - 1)"
                 " NOT IN (SELECT name FROM pat_rights)") != 0)
    fz_fail("after %s: a token holds a right that is not in the catalog", after);
  if (fz_int(db, "SELECT count(*) FROM (SELECT substr(j.value, instr(j.value, '@') + 1) AS r"
                 " FROM pat_tokens t, json_each(t.rights) j WHERE instr(j.value, '@') > 0)"
                 " WHERE length(r) NOT BETWEEN 1 AND 128 OR r GLOB '*[^A-Za-z0-9_.:/*-]*'"
                 " OR substr(r, 1, length(r) - 1) GLOB '*[*]*'") != 0)
    fz_fail("after %s: a token holds an entry whose resource is not allowed", after);
  /* Sorted in byte order, each once, none covered by another. */
  if (fz_int(db, "SELECT count(*) FROM pat_tokens t, json_each(t.rights) a,"
                 " json_each(t.rights) b WHERE b.key = a.key + 1 AND NOT (a.value < b.value)") != 0)
    fz_fail("after %s: a token's entries are not sorted and unique", after);
  if (fz_int(db, "SELECT count(*) FROM pat_tokens t, json_each(t.rights) a,"
                 " json_each(t.rights) b WHERE a.key <> b.key AND"
                 " (substr(a.value, 1, length(b.value) + 1) = b.value || '@' OR"
                 "  (substr(b.value, -1) = '*' AND"
                 "   substr(a.value, 1, length(b.value) - 1) = substr(b.value, 1, length(b.value) - 1)))")
      != 0)
    fz_fail("after %s: a token keeps an entry that another covers", after);
  if (fz_int(db, "SELECT count(*) FROM pat_tokens WHERE length(name) = 0 "
                 "OR length(CAST(name AS BLOB)) > 255 OR length(owner) = 0") != 0)
    fz_fail("after %s: a token with an empty or over-long name or owner", after);
  /* No control character (C0, DEL, C1) in a name or an owner. */
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT name, owner FROM pat_tokens", -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s", sqlite3_errmsg(db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int col = 0; col < 2; col++) {
      const unsigned char *s = sqlite3_column_text(st, col);
      int n = sqlite3_column_bytes(st, col);
      for (int i = 0; s != NULL && i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f ||
            (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f))
          fz_fail("after %s: a token's %s holds a control character", after,
                  col ? "owner" : "name");
    }
  }
  sqlite3_finalize(st);
}

/* ------------------------------------------------------------ templates */

/* A snapshot of a prepared store: each input starts from a fresh copy, so
** that it runs the same way every time and a crash replays from its file. */
typedef struct fz_template {
  unsigned char *bytes;
  sqlite3_int64 n;
  uint64_t hash;          /* fz_db_hash of its content */
  int64_t tokens, events; /* rows in pat_tokens and pat_events */
} fz_template;

FZ_FN void fz_template_save(sqlite3 *db, fz_template *t) {
  t->n = -1;
  t->bytes = sqlite3_serialize(db, "main", &t->n, 0);
  /* A database without a page (no store yet) serializes to nothing. */
  if (t->bytes == NULL && t->n != 0) fz_fail("serialize failed");
  t->hash = fz_db_hash(db);
  t->tokens = fz_int(db, "SELECT count(*) FROM pat_tokens");
  t->events = fz_int(db, "SELECT count(*) FROM pat_events");
}

FZ_FN sqlite3 *fz_template_open(const fz_template *t) {
  sqlite3 *db = NULL;
  char *err = NULL;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    fz_fail("open failed");
  /* Even an empty template is deserialized: main is then always a memdb,
  ** whose bytes fz_same_bytes can read in place. */
  unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)t->n + 1);
  if (copy == NULL) abort();
  if (t->n > 0) memcpy(copy, t->bytes, (size_t)t->n);
  if (sqlite3_deserialize(db, "main", copy, t->n, t->n + 1,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) !=
      SQLITE_OK)
    fz_fail("deserialize failed: %s", sqlite3_errmsg(db));
  if (sqlite3_pat_init(db, &err, NULL) != SQLITE_OK) fz_fail("pat init: %s", err ? err : "?");
  return db;
}

/* 1 when main (opened by fz_template_open) is byte for byte the template,
** as the file of a refused write must be. */
FZ_FN int fz_same_bytes(sqlite3 *db, const fz_template *t) {
  sqlite3_int64 n = -1;
  unsigned char *p = sqlite3_serialize(db, "main", &n, SQLITE_SERIALIZE_NOCOPY);
  if (p == NULL && n != 0) fz_fail("serialize (no copy) failed");
  return n == t->n && (n == 0 || memcmp(p, t->bytes, (size_t)n) == 0);
}

#endif
