/*
** guard.c: what pat makes sure of before it acts on a connection.
**
**   - It is not re-entered through its own writes. A trigger or constraint
**     fired by a pat write (an application's TEMP trigger on pat_store_tokens,
**     say) that calls pat would run pat's cached statements while they run,
**     or change the key in the middle of a mint: such a call is refused, and
**     the outer call fails with the database as it was.
**   - No object stored in a database file can call pat. SQLite refuses a
**     DIRECTONLY function in views, triggers and DEFAULTs, but on 3.40 not in
**     a CHECK constraint, and on every version not in a CHECK, generated
**     column or index expression parsed before pat registered its functions.
**     So pat refuses to work while any table or index of main or of an
**     attached database (TEMP ones are the application's own) holds the name
**     of a pat function in its SQL, in any case or quoting.
**   - No ordinary table or view takes one of the public names, which would
**     silently stand in for pat's table.
**
** The schema is read again whenever it may have changed: a statement that
** reads every database's schema cookie is re-prepared by SQLite when any of
** them changes or is parsed anew (and every statement is, after a DETACH or a
** change of TEMP); the number of databases tells an ATTACH; main's file
** object tells a deserialize or a restore that reopened it. The hot path
** (checks) relies on its own lookup's re-prepare for main and only steps
** that statement while other databases are attached.
**
** Never: let a refused connection do anything but pat_version() and
** pat_debug().
*/
#include "store.h"

#include <stdio.h>
#include <string.h>

/* SQLite's identifier characters: a name is a whole word between others. */
static int id_char(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '$' || ch >= 0x80;
}

/* The pat function whose name `sql` holds as a whole word, in any case, or
** NULL. Quotes, brackets, comments and white space are not identifier
** characters, so "PAT_CREATE", [pat_create] and a comment before the
** parenthesis all count. */
static const char *calls_pat(const pat_upper *upper, const char *sql) {
  if (sql == NULL) return NULL;
  for (size_t i = 0; sql[i] != '\0'; i++) {
    if ((sql[i] != 'p' && sql[i] != 'P') || (i > 0 && id_char((unsigned char)sql[i - 1])))
      continue;
    for (int k = 0; upper->function_name(k) != NULL; k++) {
      const char *name = upper->function_name(k);
      size_t n = strlen(name);
      if (sqlite3_strnicmp(sql + i, name, (int)n) == 0 &&
          !id_char((unsigned char)sql[i + n]))
        return name;
    }
  }
  return NULL;
}

/* 1 when an ordinary table or view may not take `name`: one of pat's
** tables (the anchor included). */
static int is_public_name(const pat_upper *upper, const char *name) {
  if (name == NULL) return 0;
  if (sqlite3_stricmp(name, PAT_ANCHOR_NAME) == 0) return 1;
  for (int i = 0; upper->table_name(i) != NULL; i++)
    if (sqlite3_stricmp(name, upper->table_name(i)) == 0) return 1;
  return 0;
}

/* The databases of the connection: their number, and the name of number i
** into `name` when asked. sqlite3_db_name (3.39) needs no statement. */
static int db_count(pat_conn *c) {
  if (sqlite3_libversion_number() >= 3039000) {
    int n = 0;
    while (sqlite3_db_name(c->db, n) != NULL) n++;
    return n;
  }
  sqlite3_stmt *st = NULL;
  int n = 0;
  if (sqlite3_prepare_v2(c->db, "PRAGMA database_list", -1, &st, NULL) == SQLITE_OK)
    while (sqlite3_step(st) == SQLITE_ROW) n++;
  sqlite3_finalize(st);
  return n;
}

static int db_name(pat_conn *c, int i, char *out, size_t n) {
  if (sqlite3_libversion_number() >= 3039000) {
    const char *s = sqlite3_db_name(c->db, i);
    if (s == NULL) return -1;
    snprintf(out, n, "%s", s);
    return 0;
  }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, "SELECT name FROM pragma_database_list WHERE seq = ?1",
                              -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 1, i);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : -1;
}


/* One database's objects: a shadowing one or one that calls pat is a
** refusal, with err naming it. 0, 1 refused, -1 can not read. */
static int scan_db(pat_conn *c, const char *schema, int is_temp, pat_err *e) {
  char *sql = sqlite3_mprintf("SELECT type, name, sql FROM \"%w\".sqlite_schema", schema);
  sqlite3_stmt *st = NULL;
  int rc = sql ? sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  int found = 0;
  while (rc == SQLITE_OK && !found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    const char *type = (const char *)sqlite3_column_text(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    const char *text = (const char *)sqlite3_column_text(st, 2);
    /* A value SQLite could not give (no memory) is not a clean one. */
    if ((type == NULL && sqlite3_column_type(st, 0) != SQLITE_NULL) ||
        (name == NULL && sqlite3_column_type(st, 1) != SQLITE_NULL) ||
        (text == NULL && sqlite3_column_type(st, 2) != SQLITE_NULL)) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (type == NULL || name == NULL) continue;
    /* SQLite builds a table from the row's SQL whatever its type says
    ** ('TABLE', 'Table', ...): so the type is not trusted. Any object named
    ** like a public table shadows, and the SQL of every object but a view
    ** or a trigger (which SQLite itself refuses to let call pat, and would
    ** not parse under another type) is read. */
    if (is_public_name(c->upper, name)) {
      pat_fail(e, "%s '%s' in schema '%s' shadows pat's own; rename or drop it",
               type, name, schema);
      found = 1;
      break;
    }
    if (is_temp || sqlite3_stricmp(type, "view") == 0 || sqlite3_stricmp(type, "trigger") == 0)
      continue;
    const char *fn = calls_pat(c->upper, text);
    if (fn != NULL) {
      pat_fail(e, "%s '%s' in schema '%s' names the function %s: pat refuses "
               "to work while a table or index stored in a database file can call it; "
               "drop or change it", type, name, schema, fn);
      found = 1;
    }
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc != SQLITE_OK) {
    /* SQLite's message is the connection's only when SQLite failed. */
    pat_fail(e, "can not read the schema of '%s': %s", schema,
             rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(c->db));
    pat_note_failure(c, rc);
  }
  sqlite3_finalize(st);
  return rc != SQLITE_OK ? -1 : found;
}

/* A statement that reads the schema cookie of every database but TEMP (a
** TEMP change expires every statement anyway): SQLite re-prepares it when
** any of them changes or is parsed again. */
static int make_sentinel(pat_conn *c, int ndb, pat_err *e) {
  char name[256];
  sqlite3_str *s = sqlite3_str_new(c->db);
  for (int i = 0; i < ndb; i++) {
    if (i == 1) continue;
    if (db_name(c, i, name, sizeof name) != 0) continue;
    if (sqlite3_str_length(s) > 0) sqlite3_str_appendall(s, " UNION ALL ");
    sqlite3_str_appendf(s, "SELECT 1 FROM \"%w\".sqlite_schema WHERE 0", name);
  }
  char *sql = sqlite3_str_finish(s);
  sqlite3_finalize(c->sentinel);
  c->sentinel = NULL;
  pat_err why = {0};
  int r = sql ? pat_conn_prepare_main(c, sql, &c->sentinel, &why) : -1;
  if (sql == NULL) pat_fail(&why, "%s", sqlite3_errstr(SQLITE_NOMEM));
  if (r != 0) pat_note_failure(c, sql == NULL ? SQLITE_NOMEM : sqlite3_errcode(c->db));
  sqlite3_free(sql);
  if (r != 0) return pat_fail(e, "can not watch the schema: %s", why.msg);
  c->sentinel_reprepares = sqlite3_stmt_status(c->sentinel, SQLITE_STMTSTATUS_REPREPARE, 0);
  return 0;
}

int pat_guard_scan(pat_conn *c, pat_err *e) {
  char name[256];
  int ndb = db_count(c);
  c->schema_state = PAT_SCHEMA_UNKNOWN;
  for (int i = 0; i < ndb; i++) {
    if (db_name(c, i, name, sizeof name) != 0) continue;
    int r = scan_db(c, name, i == 1, e);
    if (r < 0) return -1;
    if (r > 0) {
      /* Refused until SQLite itself sees the schema change (the watch is
      ** re-prepared, a database comes or goes): pat reads the schema's text
      ** as it is in the file, but SQLite runs the schema it parsed, and a
      ** text changed without the schema cookie is not what SQLite runs. */
      pat_err why = {0};
      snprintf(c->refusal, sizeof c->refusal, "%s", e->msg);
      c->schema_state = PAT_SCHEMA_REFUSED;
      c->ndb = ndb;
      c->file = pat_conn_main_file(c);
      if (make_sentinel(c, ndb, &why) != 0) c->schema_state = PAT_SCHEMA_UNKNOWN;
      return -1;
    }
  }
  if (make_sentinel(c, ndb, e) != 0) return -1;
  c->ndb = ndb;
  c->file = pat_conn_main_file(c);
  c->schema_state = PAT_SCHEMA_CLEAN;
  return 0;
}

/* Whether the schema may have changed since it was read: 1, 0, or -1 with
** err when the look itself failed. */
static int schema_moved(pat_conn *c, int hot, pat_err *e) {
  if (c->schema_state == PAT_SCHEMA_UNKNOWN || c->sentinel == NULL) return 1;
  if (pat_conn_main_file(c) != c->file || db_count(c) != c->ndb) return 1;
  /* On the hot path the check's own lookup notices a change of main; a
  ** refused connection makes no lookup, so it looks here. */
  if (hot && c->ndb <= 2 && c->schema_state == PAT_SCHEMA_CLEAN) return 0;
  int rc = sqlite3_step(c->sentinel);
  sqlite3_reset(c->sentinel);
  if (rc != SQLITE_DONE) {
    /* An I/O error or lack of memory may have rolled back the caller's
    ** transaction: that is the call's answer, not a reason to look again
    ** and go on in autocommit. */
    pat_fail(e, "can not read the schema: %s", sqlite3_errmsg(c->db));
    pat_note_failure(c, rc);
    c->schema_state = PAT_SCHEMA_UNKNOWN;
    return -1;
  }
  return sqlite3_stmt_status(c->sentinel, SQLITE_STMTSTATUS_REPREPARE, 0) !=
         c->sentinel_reprepares;
}

int pat_guard(pat_conn *c, int hot, pat_err *e) {
  c->fail_code = SQLITE_OK;
  c->store_missing = 0;
  if (c->writing > 0) {
    pat_fail(e, "called from a trigger or constraint that pat's own write "
             "fired; pat does not run there, and the write is refused");
    return -1;
  }
  return pat_guard_schema(c, hot, e);
}

int pat_guard_schema(pat_conn *c, int hot, pat_err *e) {
  int moved = schema_moved(c, hot, e);
  if (moved < 0) return -1;
  if (moved == 0 && c->schema_state == PAT_SCHEMA_REFUSED) {
    pat_fail(e, "%s", c->refusal);
    return -1;
  }
  if (moved == 0) return 0;
  if (c->file != NULL && pat_conn_main_file(c) != c->file) {
    /* SQLite 3.40 keeps each eponymous table (pat_tokens, ...) pointing at
    ** main's schema as it was before sqlite3_deserialize replaced it, and
    ** the next query of one reads past the connection's databases. Making
    ** the modules again (the entry point does, told by pat_conn_reopened)
    ** drops those tables; they are made anew, on the new schema, at their
    ** next use. No statement runs on the old main now: a deserialize needs
    ** the database idle. */
    if (pat_conn_reopened(c) != 0) {
      pat_fail(e, "can not register pat's tables again: %s", sqlite3_errmsg(c->db));
      return -1;
    }
  }
  /* Anything read from the old schema goes with it. */
  c->store_version = 0;
  return pat_guard_scan(c, e);
}
