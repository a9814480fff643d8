/*
** vtab_owners.c: pat_owners, the role of each listed owner.
**
**   INSERT INTO pat_owners(owner, role) VALUES ('alice', 'AUTHOR');
**   UPDATE pat_owners SET role = 'VIEWER' WHERE owner = 'alice';  -- demoted at once
**   DELETE FROM pat_owners WHERE owner = 'alice';   -- back to default_role
**
** An owner not listed has the role of the setting default_role. Owners are
** text, so 42 and '42' are one owner. The role must exist when it is set; an
** owner whose role is deleted later may grant, and holds, nothing.
*/
#include "tables.h"

#include <stdio.h>

enum { COL_OWNER, COL_ROLE };

static const pat_column columns[] = {
    [COL_OWNER] = {"owner", "TEXT", PAT_COL_KEY},
    [COL_ROLE] = {"role", "TEXT", PAT_COL_WRITABLE},
};

int pat_role_exists(pat_conn *c, int which, sqlite3_value *role, pat_err *e) {
  if (sqlite3_value_type(role) != SQLITE_TEXT) return 0;
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_ROLE_EXISTS, PAT_ARGS(PAT_VALUE(role)), &st, e);
  if (r <= 0) return -1; /* the query always has its row */
  int out = sqlite3_column_int(st, 0);
  pat_store_done(st);
  return out;
}

/* The row an UPDATE changes, as it is: its owner and role. */
static int current_row(pat_conn *c, int which, sqlite3_value *rowid,
                       sqlite3_value **owner, sqlite3_value **role, pat_err *e) {
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_OWNER_ROW, PAT_ARGS(PAT_VALUE(rowid)), &st, e);
  if (r < 0) return -1;
  if (r == 0) {
    pat_fail(e, "no such owner");
    return -1;
  }
  *owner = sqlite3_value_dup(sqlite3_column_value(st, 0));
  *role = sqlite3_value_dup(sqlite3_column_value(st, 1));
  pat_store_done(st);
  if (*owner == NULL || *role == NULL) {
    /* A failed copy is no failure of the connection's: say what it was. */
    pat_fail(e, "%s", sqlite3_errstr(SQLITE_NOMEM));
    pat_note_failure(c, SQLITE_NOMEM);
    sqlite3_value_free(*owner);
    sqlite3_value_free(*role);
    *owner = *role = NULL;
    return -1;
  }
  return 0;
}

static int owners_write(pat_conn *c, int which, int kind, sqlite3_value *rowid,
                        sqlite3_value *owner_v, sqlite3_value *role_v, pat_err *e) {
  char owner[PAT_OWNER_MAX + 1], role[PAT_RIGHT_MAX + 1];
  if (pat_owner_arg(owner_v, owner, e) != 0) return -1;
  if (sqlite3_value_type(role_v) != SQLITE_TEXT) {
    pat_fail(e, "role must be a text");
    return -1;
  }
  int exists = pat_role_exists(c, which, role_v, e);
  if (exists < 0) return -1;
  if (!exists) {
    const char *r = (const char *)sqlite3_value_text(role_v);
    pat_right_show(role, sizeof role, r ? r : "", r ? (size_t)sqlite3_value_bytes(role_v) : 0);
    pat_fail(e, "unknown role '%s'", role);
    return -1;
  }
  /* Another row already listing this owner? Not read, the answer is the
  ** failure (it may have rolled back the application's transaction), never
  ** "not listed". */
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_OWNER_LISTED,
                          PAT_ARGS(PAT_TEXT(owner), PAT_VALUE(rowid)), &st, e);
  if (r < 0) return -1;
  if (r > 0) {
    pat_store_done(st);
    pat_fail(e, "owner '%s' is listed already; UPDATE its role", owner);
    return -1;
  }
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  if (kind == PAT_WRITE_INSERT)
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_OWNER_INSERT,
                          PAT_ARGS(PAT_TEXT(owner), PAT_VALUE(role_v)), e);
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_OWNER_UPDATE,
                        PAT_ARGS(PAT_TEXT(owner), PAT_VALUE(role_v), PAT_VALUE(rowid)), e);
}

static int owners_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                         sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  if (kind == PAT_WRITE_DELETE) {
    if (pat_store_ensure(c, NULL, e) != 0) return -1;
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_OWNER_DELETE, PAT_ARGS(PAT_VALUE(argv[0])),
                          e);
  }
  sqlite3_value **col = argv + 2;
  if (kind == PAT_WRITE_INSERT)
    return owners_write(c, which, kind, NULL, col[COL_OWNER], col[COL_ROLE], e);
  /* An UPDATE keeps what it does not set. */
  sqlite3_value *owner = NULL, *role = NULL;
  int rc = current_row(c, which, argv[0], &owner, &role, e);
  if (rc == 0)
    rc = owners_write(c, which, kind, argv[0],
                      pat_write_sets(argv, COL_OWNER) ? col[COL_OWNER] : owner,
                      pat_write_sets(argv, COL_ROLE) ? col[COL_ROLE] : role, e);
  sqlite3_value_free(owner);
  sqlite3_value_free(role);
  return rc;
}

const pat_table pat_table_owners = {
    .name = "pat_owners",
    PAT_COLUMNS(columns),
    .select = "SELECT rowid AS _rowid, owner, role FROM main.pat_store_owners",
    .order = "ORDER BY owner",
    .key_unique = 1,
    .update = owners_update,
};
