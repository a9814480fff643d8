/*
** fuzz_create.c: libFuzzer target for pat_create's arguments (owner, name,
** rights, valid_from, valid_to) as SQL values of every type.
**
** Each input runs on a fresh in-memory copy of one prepared store (owners
** with roles ADMIN, VIEWER and a role that no longer exists; a short
** max_lifetime) or, when flags say so, on a database with no store yet.
**
** Input: bytes 0-1 flags, then fields split at "\n|": owner, name, rights,
** valid_from, valid_to.
**   three bits per argument (fuzz_common.h FZ_*), owner first, from the 16
**   flag bits; FZ_OMIT on valid_to (or on valid_from, which then omits both)
**   calls the 4- or 3-argument form
**   the top bit: no store yet
**
** Properties:
**   - an error leaves the database exactly as it was (schema and every row
**     of every table) and its message starts "pat_create: ";
**   - a success returns a token that parses, adds one row and one event, and
**     verifies at its own valid_from and not at its valid_to; the store
**     invariants (fuzz_common.h) hold.
*/
#include "fuzz_common.h"

static fz_template with_store, empty;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  sqlite3 *d = fz_open();
  char tok[PAT_TOKEN_MAX + 1];
  fz_template_save(d, &empty);
  fz_mint(d, "seed", "seed", "DATA_FETCH", 0, 0, tok);
  fz_exec(d, "INSERT INTO pat_roles VALUES ('GONE', 'DATA_FETCH')");
  fz_exec(d, "INSERT INTO pat_owners VALUES ('admin', 'ADMIN'), ('42', 'VIEWER'), "
             "('ghost', 'GONE')");
  fz_exec(d, "DELETE FROM pat_roles WHERE role = 'GONE'");
  fz_exec(d, "INSERT INTO pat_rights VALUES ('X_ONE', 'X', ''), ('X_TWO', 'X', 'two')");
  fz_exec(d, "INSERT INTO pat_roles VALUES ('ADMIN', 'X_ONE')");
  fz_exec(d, "UPDATE pat_settings SET value = 86400 WHERE key = 'default_lifetime'");
  fz_exec(d, "UPDATE pat_settings SET value = 864000 WHERE key = 'max_lifetime'");
  fz_template_save(d, &with_store);
  fz_close(d);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  unsigned flags = (unsigned)data[0] | (unsigned)data[1] << 8;
  int type[5];
  for (int i = 0; i < 5; i++) type[i] = (int)(flags >> (3 * i)) & 7;
  int no_store = (flags >> 15) & 1;
  /* owner, name and rights are never omitted: FZ_OMIT stands for TEXT. */
  for (int i = 0; i < 3; i++)
    if (type[i] == FZ_OMIT) type[i] = FZ_TEXT;
  int nargs = type[3] == FZ_OMIT ? 3 : type[4] == FZ_OMIT ? 4 : 5;

  fz_fields f;
  fz_split(data + 2, size - 2, 5, &f);
  const fz_template *tp = no_store ? &empty : &with_store;
  sqlite3 *db = fz_template_open(tp);

  static const char *const sql[] = {NULL, NULL, NULL, "SELECT pat_create(?1, ?2, ?3)",
                                    "SELECT pat_create(?1, ?2, ?3, ?4)",
                                    "SELECT pat_create(?1, ?2, ?3, ?4, ?5)"};
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql[nargs], -1, &st, NULL) != SQLITE_OK)
    fz_fail("prepare failed: %s", sqlite3_errmsg(db));
  for (int i = 0; i < nargs; i++)
    fz_bind(st, i + 1, type[i], i < f.count ? f.p[i] : (const uint8_t *)"",
            i < f.count ? f.n[i] : 0);
  int rc = sqlite3_step(st);
  char tok[PAT_TOKEN_MAX + 1] = "";
  if (rc == SQLITE_ROW) {
    if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_bytes(st, 0) > PAT_TOKEN_MAX)
      fz_fail("pat_create returned something other than a token");
    memcpy(tok, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) + 1);
    if (sqlite3_step(st) != SQLITE_DONE) fz_fail("pat_create: more than one row");
  } else if (rc == SQLITE_ERROR) {
    const char *msg = sqlite3_errmsg(db);
    if (strncmp(msg, "pat_create: ", 12) != 0)
      fz_fail("pat_create failed without naming itself: %s", msg);
  } else {
    fz_fail("pat_create: step gave %d (%s)", rc, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);

  if (rc != SQLITE_ROW) {
    if (!fz_same_bytes(db, tp))
      fz_fail("a refused pat_create changed the database file (its content %s)",
              fz_db_hash(db) == tp->hash ? "is the same" : "too");
  } else {
    const char *t = NULL;
    size_t tl = 0;
    if (pat_token_parse(tok, strlen(tok), &t, &tl) != 0 || t != tok)
      fz_fail("pat_create made a token that does not parse");
    if (fz_int(db, "SELECT count(*) FROM pat_tokens") != tp->tokens + 1)
      fz_fail("pat_create succeeded without adding exactly one token");
    if (fz_int(db, "SELECT count(*) FROM pat_events") != tp->events + 1)
      fz_fail("pat_create succeeded without adding exactly one event");
    sqlite3_stmt *v = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT pat_verify(?1, unixepoch(valid_from)), "
                           "pat_verify(?1, unixepoch(valid_to)), id "
                           "FROM pat_tokens WHERE id = (SELECT max(id) FROM pat_tokens)",
                           -1, &v, NULL) != SQLITE_OK)
      fz_fail("prepare failed: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(v, 1, tok, -1, SQLITE_STATIC);
    if (sqlite3_step(v) != SQLITE_ROW) fz_fail("the new token: %s", sqlite3_errmsg(db));
    if (sqlite3_column_int64(v, 0) != sqlite3_column_int64(v, 2))
      fz_fail("a new token does not verify at its valid_from");
    if (sqlite3_column_type(v, 1) != SQLITE_NULL)
      fz_fail("a new token verifies at its valid_to");
    sqlite3_finalize(v);
    fz_check_invariants(db, "pat_create");
  }
  pat_wipe(tok, sizeof tok);
  fz_close(db);
  return 0;
}
