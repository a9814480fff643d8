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
                                      pat_err *e) {
  int ins = kind == PAT_WRITE_INSERT;
  if (ins || pat_write_sets(argv, COL_CATEGORY)) {
    sqlite3_value *v = col[COL_CATEGORY];
    if (sqlite3_value_type(v) != SQLITE_TEXT) {
      pat_fail(e, "category must be a non-empty text");
      return -1;
    }
    if (pat_text_check("category", sqlite3_value_text(v), sqlite3_value_bytes(v), 255, e) != 0)
      return -1;
  }
  if (ins || pat_write_sets(argv, COL_DESCRIPTION)) {
    sqlite3_value *v = col[COL_DESCRIPTION];
    int t = sqlite3_value_type(v);
    if (t != SQLITE_NULL && t != SQLITE_TEXT) {
      pat_fail(e, "description must be a text");
      return -1;
    }
    if (t == SQLITE_TEXT && sqlite3_value_bytes(v) > 0 &&
        pat_text_check("description", sqlite3_value_text(v), sqlite3_value_bytes(v), 1000,
                       e) != 0)
      return -1;
  }
  return 0;
}

static int rights_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                         sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  sqlite3_value **col = argv + 2;
  if (kind == PAT_WRITE_DELETE) {
    /* Which right, and how many tokens hold it, asked of the store that
    ** answers reads; with no store yet, none does. */
    sqlite3_stmt *st;
    int r = pat_store_query(c, which, PAT_STMT_RIGHT_HELD, PAT_ARGS(PAT_VALUE(argv[0])), &st,
                            e);
    if (r < 0) return -1;
    int held = r > 0 ? sqlite3_column_int(st, 1) : 0;
    if (held > 0)
      pat_fail(e, "right '%s' is held by %d token%s; take it from them first",
               (const char *)sqlite3_column_text(st, 0), held, held == 1 ? "" : "s");
    if (r > 0) pat_store_done(st);
    if (held > 0) return -1;
    if (pat_store_ensure(c, NULL, e) != 0) return -1;
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_RIGHT_DELETE, PAT_ARGS(PAT_VALUE(argv[0])),
                          e);
  }
  if (kind == PAT_WRITE_UPDATE &&
      pat_write_only(&pat_table_rights, argv, e) != 0)
    return -1;
  if (kind == PAT_WRITE_INSERT) {
    sqlite3_value *v = col[COL_NAME];
    /* The type first: asking for the text turns a BLOB into TEXT. */
    const char *name =
        sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
    if (name == NULL || !pat_right_name_ok(name, (size_t)sqlite3_value_bytes(v))) {
      pat_fail(e, "name must be 1 to %d characters of A-Z, a-z, 0-9 and _",
               PAT_RIGHT_MAX);
      return -1;
    }
  }
  if (check_category_description(col, kind, argv, e) != 0) return -1;
  if (kind == PAT_WRITE_INSERT) {
    sqlite3_stmt *st;
    int r = pat_store_query(c, which, PAT_STMT_RIGHT_EXISTS, PAT_ARGS(PAT_VALUE(col[COL_NAME])),
                            &st, e);
    if (r < 0) return -1;
    if (r > 0) {
      pat_store_done(st);
      pat_fail(e, "right '%s' exists already",
               (const char *)sqlite3_value_text(col[COL_NAME]));
      return -1;
    }
    if (pat_store_ensure(c, NULL, e) != 0) return -1;
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_RIGHT_INSERT,
                          PAT_ARGS(PAT_VALUE(col[COL_NAME]), PAT_VALUE(col[COL_CATEGORY]),
                                   PAT_VALUE(col[COL_DESCRIPTION])),
                          e);
  }
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_RIGHT_UPDATE,
                        PAT_ARGS(PAT_VALUE(argv[0]), PAT_INT(pat_write_sets(argv, COL_CATEGORY)),
                                 PAT_VALUE(col[COL_CATEGORY]),
                                 PAT_INT(pat_write_sets(argv, COL_DESCRIPTION)),
                                 PAT_VALUE(col[COL_DESCRIPTION])),
                        e);
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
