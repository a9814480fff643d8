/*
** vtab_roles.c: pat_roles, which rights each role may grant.
**
**   SELECT right FROM pat_roles WHERE role = 'VIEWER';
**   -- DATA_FETCH
**   INSERT INTO pat_roles(role, right) VALUES ('AUDITOR', 'DATA_FETCH');
**   DELETE FROM pat_roles WHERE role = 'AUTHOR' AND right = 'DATA_DELETE';
**
** ROOT's rows are computed, one per catalog right, so ROOT always grants
** every right, including rights added later; they can not be changed. Their
** rowids are negative, the stored roles' positive. A role exists while it is
** ROOT or has a row here. Taking a right from a role takes it from its
** owners' tokens at once: pat_has_right asks the owner's current role.
*/
#include "tables.h"

#include <stdio.h>
#include <string.h>

enum { COL_ROLE, COL_RIGHT };

static const pat_column columns[] = {
    [COL_ROLE] = {"role", "TEXT", PAT_COL_KEY},
    [COL_RIGHT] = {"right", "TEXT", 0},
};

static int roles_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                        sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  static const char root_msg[] = "ROOT grants every right already; its rows can not be changed";
  int kind = pat_write_kind(argc, argv);
  if (kind == PAT_WRITE_UPDATE) {
    pat_fail(e, "UPDATE is not supported: DELETE the row and INSERT the new one");
    return -1;
  }
  if (kind == PAT_WRITE_DELETE) {
    if (sqlite3_value_int64(argv[0]) < 0) {
      pat_fail(e, "%s", root_msg);
      return -1;
    }
    if (pat_store_ensure(c, NULL, e) != 0) return -1;
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_ROLE_DELETE, PAT_ARGS(PAT_VALUE(argv[0])),
                          e);
  }
  sqlite3_value **col = argv + 2;
  /* The types first: asking for the text turns a BLOB into TEXT. */
  int right_is_text = sqlite3_value_type(col[COL_RIGHT]) == SQLITE_TEXT;
  const char *role = sqlite3_value_type(col[COL_ROLE]) == SQLITE_TEXT
                         ? (const char *)sqlite3_value_text(col[COL_ROLE])
                         : NULL;
  const char *right = right_is_text ? (const char *)sqlite3_value_text(col[COL_RIGHT]) : NULL;
  if (role == NULL || !pat_right_name_ok(role, (size_t)sqlite3_value_bytes(col[COL_ROLE]))) {
    pat_fail(e, "role must be 1 to %d characters of A-Z, a-z, 0-9 and _",
             PAT_RIGHT_MAX);
    return -1;
  }
  if (!right_is_text) {
    pat_fail(e, "right must be a text");
    return -1;
  }
  if (strcmp(role, "ROOT") == 0) {
    pat_fail(e, "%s", root_msg);
    return -1;
  }
  char shown[PAT_RIGHT_MAX + 1];
  int rn = right ? sqlite3_value_bytes(col[COL_RIGHT]) : 0;
  pat_right_show(shown, sizeof shown, right ? right : "", (size_t)rn);
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_ROLE_GRANT_KNOWN,
                          PAT_ARGS(PAT_VALUE(col[COL_ROLE]), PAT_VALUE(col[COL_RIGHT])), &st,
                          e);
  if (r <= 0) return -1; /* the query always has its row */
  int known = sqlite3_column_int(st, 0), dup = sqlite3_column_int(st, 1);
  pat_store_done(st);
  if (!known) {
    pat_fail(e, "unknown right '%s'", shown);
    return -1;
  }
  if (dup) {
    pat_fail(e, "role '%s' grants '%s' already", role, shown);
    return -1;
  }
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_ROLE_INSERT,
                        PAT_ARGS(PAT_VALUE(col[COL_ROLE]), PAT_VALUE(col[COL_RIGHT])), e);
}

const pat_table pat_table_roles = {
    .name = "pat_roles",
    PAT_COLUMNS(columns),
    .select = "SELECT -rowid AS _rowid, 'ROOT' AS role, name AS right"
              " FROM main.pat_store_rights"
              " UNION ALL"
              " SELECT rowid, role, right FROM main.pat_store_roles",
    .order = "ORDER BY role, right",
    .key_unique = 0,
    .update = roles_update,
};
