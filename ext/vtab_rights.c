/*
** vtab_rights.c: pat_rights, the catalog of rights a token can hold.
**
**   SELECT name, description FROM pat_rights WHERE category = 'Data Operations';
**   -- DATA_CREATE|Create data
**   INSERT INTO pat_rights(name, category, description)
**     VALUES ('REPORT_FETCH', 'Reports', 'Read reports');
**   UPDATE pat_rights SET description = 'Read every report' WHERE name = 'REPORT_FETCH';
**   DELETE FROM pat_rights WHERE name = 'REPORT_FETCH';   -- only while no token holds it
**
** ROOT grants a new right at once; other roles only once someone INSERTs it
** into pat_roles. Deleting a right takes it out of every role as well.
*/
#include "tables.h"

#include <stdio.h>

enum { COL_NAME, COL_CATEGORY, COL_DESCRIPTION };

static const pat_column columns[] = {
    [COL_NAME] = {"name", "TEXT", PAT_COL_KEY},
    [COL_CATEGORY] = {"category", "TEXT", PAT_COL_WRITABLE},
    [COL_DESCRIPTION] = {"description", "TEXT", PAT_COL_WRITABLE},
};

static int check_category_description(sqlite3_value **col, int kind, sqlite3_value **argv,
                                      char *err, size_t errlen) {
  int ins = kind == PAT_WRITE_INSERT;
  if (ins || pat_write_sets(argv, COL_CATEGORY)) {
    sqlite3_value *v = col[COL_CATEGORY];
    if (sqlite3_value_type(v) != SQLITE_TEXT) {
      snprintf(err, errlen, "category must be a non-empty text");
      return -1;
    }
    if (pat_text_check("category", sqlite3_value_text(v), sqlite3_value_bytes(v), 255, err,
                       errlen) != 0)
      return -1;
  }
  if (ins || pat_write_sets(argv, COL_DESCRIPTION)) {
    sqlite3_value *v = col[COL_DESCRIPTION];
    int t = sqlite3_value_type(v);
    if (t != SQLITE_NULL && t != SQLITE_TEXT) {
      snprintf(err, errlen, "description must be a text");
      return -1;
    }
    if (t == SQLITE_TEXT && sqlite3_value_bytes(v) > 0 &&
        pat_text_check("description", sqlite3_value_text(v), sqlite3_value_bytes(v), 1000,
                       err, errlen) != 0)
      return -1;
  }
  return 0;
}

static int rights_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                         sqlite3_int64 *rowid, char *err, size_t errlen) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  sqlite3_value **col = argv + 2;
  if (kind == PAT_WRITE_DELETE) {
    /* Which right, and how many tokens hold it, asked of the store that
    ** answers reads; with no store yet, none does. */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        pat_store_db(c, which),
        "SELECT r.name, (SELECT count(*) FROM main.pat_store_tokens AS t"
        "  WHERE instr(t.rights, '\"' || r.name || '\"') > 0)"
        " FROM main.pat_store_rights AS r WHERE r.rowid = ?1",
        -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, argv[0]);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    int held = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
    if (held > 0)
      snprintf(err, errlen, "right '%s' is held by %d token%s; take it from them first",
               (const char *)sqlite3_column_text(st, 0), held, held == 1 ? "" : "s");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      snprintf(err, errlen, "%s", sqlite3_errmsg(pat_store_db(c, which)));
    sqlite3_finalize(st);
    if (held > 0 || (rc != SQLITE_ROW && rc != SQLITE_DONE)) return -1;
    if (pat_store_ensure(c, NULL, err, errlen) != 0) return -1;
    /* One statement: the store's trigger takes the right out of every role
    ** in it, so the two can not come apart. */
    return pat_exec_bound(c, "DELETE FROM main.pat_store_rights WHERE rowid = ?1", 1, argv,
                          err, errlen);
  }
  if (kind == PAT_WRITE_UPDATE &&
      pat_write_only(&pat_table_rights, argv, err, errlen) != 0)
    return -1;
  if (kind == PAT_WRITE_INSERT) {
    sqlite3_value *v = col[COL_NAME];
    /* The type first: asking for the text turns a BLOB into TEXT. */
    const char *name =
        sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
    if (name == NULL || !pat_right_name_ok(name, (size_t)sqlite3_value_bytes(v))) {
      snprintf(err, errlen, "name must be 1 to %d characters of A-Z, a-z, 0-9 and _",
               PAT_RIGHT_MAX);
      return -1;
    }
  }
  if (check_category_description(col, kind, argv, err, errlen) != 0) return -1;
  if (kind == PAT_WRITE_INSERT) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(pat_store_db(c, which),
                                "SELECT 1 FROM main.pat_store_rights WHERE name = ?1", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, col[COL_NAME]);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
      snprintf(err, errlen, "right '%s' exists already",
               (const char *)sqlite3_value_text(col[COL_NAME]));
      return -1;
    }
    if (pat_store_ensure(c, NULL, err, errlen) != 0) return -1;
    return pat_exec_bound(c,
                          "INSERT INTO main.pat_store_rights(name, category, description)"
                          " VALUES (?1, ?2, coalesce(?3, ''))",
                          3, col, err, errlen);
  }
  if (pat_store_ensure(c, NULL, err, errlen) != 0) return -1;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db,
                              "UPDATE main.pat_store_rights SET"
                              " category = CASE WHEN ?2 THEN ?3 ELSE category END,"
                              " description = CASE WHEN ?4 THEN coalesce(?5, '')"
                              "               ELSE description END WHERE rowid = ?1",
                              -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, argv[0]);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 2, pat_write_sets(argv, COL_CATEGORY));
  if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 3, col[COL_CATEGORY]);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 4, pat_write_sets(argv, COL_DESCRIPTION));
  if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 5, col[COL_DESCRIPTION]);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) {
    pat_note_failure(c, rc);
    snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

const pat_table pat_table_rights = {
    .name = "pat_rights",
    PAT_COLUMNS(columns),
    .select = "SELECT rowid AS _rowid, name, category, description"
              " FROM main.pat_store_rights",
    .order = "ORDER BY name",
    .key_unique = 1,
    .update = rights_update,
};
