/*
** fuzz_update.c: libFuzzer target for the writes of pat's tables: UPDATE of
** pat_tokens (name, valid_from, valid_to, rights), pat_rights, pat_owners,
** pat_roles and pat_settings, the INSERTs and DELETEs they allow, and writes
** that must be refused (other columns, pat_events, INSERT into pat_tokens).
**
** Each input runs on a fresh in-memory copy of one prepared store with known
** tokens (or, when flags say so, on a database with no store yet).
**
** Input: byte 0: statement (low 7 bits, modulo the table below), "pat loaded
** a second time first" (the low 7 bits divided by the table's length, odd),
** and "no store" (top bit); byte 1: types of ?1 (bits 0-2), ?2 (bits 3-5) and ?3
** (bits 6-7: TEXT, INTEGER, REAL, NULL); then fields ?1, ?2, ?3 split at "\n|".
**
** Properties:
**   - a refused write leaves the database exactly as it was (schema and every
**     row of every table); the writes below marked `refused` are refused as
**     soon as they reach a row, and never change anything;
**   - no write ends in SQLITE_CORRUPT, SQLITE_INTERNAL, SQLITE_MISUSE or
**     SQLITE_NOMEM;
**   - after an accepted write the store invariants hold (fuzz_common.h), and
**     every known token whose row is still there verifies at its valid_from as
**     its own id, and one whose row is gone does not verify.
*/
#include "fuzz_common.h"

#include <time.h>

static const struct {
  const char *sql;
  int refused;
} writes[] = {
    {"UPDATE pat_tokens SET name = ?1 WHERE id = ?2", 0},
    {"UPDATE pat_tokens SET valid_from = ?1 WHERE id = ?2", 0},
    {"UPDATE pat_tokens SET valid_to = ?1 WHERE id = ?2", 0},
    {"UPDATE pat_tokens SET rights = ?1 WHERE id = ?2", 0},
    {"UPDATE pat_tokens SET valid_from = ?1, valid_to = ?3 WHERE id = ?2", 0},
    {"UPDATE pat_tokens SET name = ?1, rights = ?2", 0},
    {"UPDATE pat_tokens SET valid_to = ?1", 0},
    {"DELETE FROM pat_tokens WHERE id = ?1", 0},
    {"UPDATE pat_rights SET category = ?1 WHERE name = ?2", 0},
    {"UPDATE pat_rights SET description = ?1 WHERE name = ?2", 0},
    {"INSERT INTO pat_rights VALUES (?1, ?2, ?3)", 0},
    {"DELETE FROM pat_rights WHERE name = ?1", 0},
    {"INSERT INTO pat_roles VALUES (?1, ?2)", 0},
    {"DELETE FROM pat_roles WHERE role = ?1 AND \"right\" = ?2", 0},
    {"INSERT INTO pat_owners VALUES (?1, ?2)", 0},
    {"UPDATE pat_owners SET role = ?1 WHERE owner = ?2", 0},
    {"UPDATE pat_owners SET owner = ?1 WHERE owner = ?2", 0},
    {"DELETE FROM pat_owners WHERE owner = ?1", 0},
    {"UPDATE pat_settings SET value = ?1 WHERE key = ?2", 0},
    {"UPDATE pat_tokens SET owner = ?1 WHERE id = ?2", 1},
    {"UPDATE pat_tokens SET created_at = ?1", 1},
    {"INSERT INTO pat_tokens(owner, name, rights) VALUES (?1, ?2, ?3)", 1},
    {"UPDATE pat_events SET detail = ?1", 1},
    {"DELETE FROM pat_events", 1},
    {"UPDATE pat_settings SET key = ?1 WHERE key = ?2", 1},
    {"INSERT INTO pat_settings VALUES (?1, ?2)", 1},
    {"UPDATE pat_rights SET name = ?1 WHERE name = ?2", 1},
};
#define NWRITES ((int)(sizeof writes / sizeof writes[0]))

#define NKNOWN 4
static char known[NKNOWN][PAT_TOKEN_MAX + 1];
static int64_t known_id[NKNOWN];
static fz_template with_store, empty;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  int64_t now = (int64_t)time(NULL);
  sqlite3 *d = fz_open();
  fz_template_save(d, &empty);
  fz_exec(d, "INSERT INTO pat_rights VALUES ('X_ONE', 'X', ''), ('X_TWO', 'X', 'two')");
  fz_exec(d, "INSERT INTO pat_owners VALUES ('admin', 'ADMIN'), ('42', 'VIEWER')");
  fz_mint(d, "alice", "one", "DATA_FETCH", 0, 0, known[0]);
  fz_mint(d, "admin", "two", "DATA_*", now - 100, now + 1000, known[1]);
  fz_mint(d, "42", "three", "PROJECT_FETCH, DATA_FETCH", now - 5000, now - 4000, known[2]);
  fz_mint(d, "bob", "four", "X_ONE", now + 100000, now + 200000, known[3]);
  for (int i = 0; i < NKNOWN; i++) {
    char *sql = sqlite3_mprintf("SELECT id FROM pat_tokens WHERE name = %Q",
                                (const char *[]){"one", "two", "three", "four"}[i]);
    known_id[i] = fz_int(d, sql);
    sqlite3_free(sql);
  }
  fz_template_save(d, &with_store);
  fz_close(d);
  return 0;
}

static void check_known_tokens(sqlite3 *db, const char *after) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT pat_verify(?1, unixepoch(valid_from)) "
                         "FROM pat_tokens WHERE id = ?2), "
                         "EXISTS (SELECT 1 FROM pat_tokens WHERE id = ?2), "
                         "pat_verify(?1, unixepoch('now'))",
                         -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s", sqlite3_errmsg(db));
  for (int i = 0; i < NKNOWN; i++) {
    sqlite3_bind_text(st, 1, known[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, known_id[i]);
    if (sqlite3_step(st) != SQLITE_ROW) fz_fail("%s: %s", after, sqlite3_errmsg(db));
    int exists = sqlite3_column_int(st, 1);
    if (exists && sqlite3_column_int64(st, 0) != known_id[i])
      fz_fail("after %s: token %d no longer verifies at its valid_from", after, i);
    if (!exists && sqlite3_column_type(st, 2) != SQLITE_NULL)
      fz_fail("after %s: deleted token %d still verifies", after, i);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  int w = (data[0] & 0x7f) % NWRITES;
  int reload = ((data[0] & 0x7f) / NWRITES) & 1;
  int no_store = data[0] >> 7;
  static const int third[4] = {FZ_TEXT, FZ_INT, FZ_REAL, FZ_NULL};
  int type[3] = {data[1] & 7, (data[1] >> 3) & 7, third[data[1] >> 6]};
  for (int i = 0; i < 2; i++)
    if (type[i] == FZ_OMIT) type[i] = FZ_TEXT;
  fz_fields f;
  fz_split(data + 2, size - 2, 3, &f);

  const fz_template *tp = no_store ? &empty : &with_store;
  sqlite3 *db = fz_template_open(tp);
  if (reload) {
    /* The application loads pat a second time (say, sqlite3_auto_extension
    ** and then load_extension) after a table was used: the first load's
    ** functions and tables are replaced while one of its tables is live. */
    char *err = NULL;
    if (fz_int(db, "SELECT count(*) FROM pat_settings") <= 0) fz_fail("no settings");
    if (sqlite3_pat_init(db, &err, NULL) != SQLITE_OK) fz_fail("second init: %s", err);
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, writes[w].sql, -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s\n  %s", sqlite3_errmsg(db), writes[w].sql);
  int np = sqlite3_bind_parameter_count(st);
  for (int i = 0; i < np; i++)
    fz_bind(st, i + 1, type[i], i < f.count ? f.p[i] : (const uint8_t *)"",
            i < f.count ? f.n[i] : 0);
  int rc = sqlite3_step(st);
  int xrc = sqlite3_extended_errcode(db);
  int changes = sqlite3_changes(db);
  char msg[256];
  snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(st);

  int prim = rc & 0xff;
  if (prim == SQLITE_CORRUPT || prim == SQLITE_INTERNAL || prim == SQLITE_MISUSE ||
      prim == SQLITE_NOMEM)
    fz_fail("%s ended in %s (%d): %s", writes[w].sql, sqlite3_errstr(xrc), xrc, msg);
  if (rc == SQLITE_ROW) fz_fail("%s returned a row", writes[w].sql);
  if (writes[w].refused) {
    /* Refused whenever it reaches a row (with none, there is nothing to refuse). */
    if (rc == SQLITE_DONE && changes > 0) fz_fail("%s was accepted", writes[w].sql);
    /* A write that reaches no row still makes SQLite write page 1 of an empty
    ** file (SQLite's doing, not pat's): there only the content must stay. */
    if (rc == SQLITE_DONE && tp->n == 0) {
      if (fz_db_hash(db) != tp->hash) fz_fail("%s changed the database", writes[w].sql);
    } else if (!fz_same_bytes(db, tp))
      fz_fail("%s changed the database file (its content %s)", writes[w].sql,
              fz_db_hash(db) == tp->hash ? "is the same" : "too");
  } else if (rc == SQLITE_DONE) {
    fz_check_invariants(db, writes[w].sql);
    if (!no_store) check_known_tokens(db, writes[w].sql);
  } else {
    if (msg[0] == '\0') fz_fail("%s refused without a message", writes[w].sql);
    if (!fz_same_bytes(db, tp))
      fz_fail("a refused write changed the database file (its content %s): %s (%s)",
              fz_db_hash(db) == tp->hash ? "is the same" : "too", writes[w].sql, msg);
  }
  fz_close(db);
  return 0;
}
