/*
** tables.h: layer 7, pat's public tables: the one virtual table module
** (vtab.c) and one file per table (vtab_*.c).
*/
#ifndef PAT_TABLES_H
#define PAT_TABLES_H

#include "functions.h"

/* What a public column is, besides its name and declared type. */
enum {
  PAT_COL_KEY = 1,      /* `=` on it looks the row up directly (one per table) */
  PAT_COL_INDEXED = 2,  /* `=` on it finds rows through an index (at most one) */
  PAT_COL_WRITABLE = 4, /* an UPDATE may set it */
  PAT_COL_MASKED = 8    /* shown with pat_mask_secrets: it quotes what was given */
};

typedef struct pat_column {
  const char *name;
  const char *type; /* declared type, "" for none */
  unsigned flags;   /* PAT_COL_* */
} pat_column;

/* .columns and .ncolumns of a pat_table from one static array. */
#define PAT_COLUMNS(a) .columns = (a), .ncolumns = (int)(sizeof(a) / sizeof((a)[0]))

/* One public table: its columns and the query over the store that gives
** its rows. vtab.c implements the module once for all of them; the
** declared schema, the columns' names in messages, which may change and
** which are looked up all come from `columns`. */
typedef struct pat_table {
  const char *name;
  const pat_column *columns;
  int ncolumns;
  const char *select;  /* first column the rowid, then the public columns */
  /* On a store older than PAT_SCHEMA_USES, read as it is (it has no
  ** pat_store_uses): the select instead. NULL: `select`. */
  const char *select_before_uses;
  /* On a store of version 5 read as it is (no client context): the select
  ** instead. NULL: `select`. */
  const char *select_v5;
  const char *order;   /* "ORDER BY ..." or "" */
  int key_unique;      /* the key finds at most one row */
  int rowid_shown;     /* the rowid is the key column (id): its own checks */
  int seek;            /* scan by seeking each rowid (= the key) in turn */
  int bookkept;        /* shows what checks write on the side: a read writes
                       ** what the connection holds first (pat_book_before_read) */
  /* For a select SQLite can not seek in by rowid (a UNION ALL): the row
  ** after rowid ?1, up to ?2, and the largest rowid. NULL: derived. */
  const char *seek_select;
  const char *end_select;
  /* xUpdate's arguments as SQLite gives them (argv[0] the old rowid or
  ** NULL, argv[1] the new rowid, then the columns; a column the UPDATE does
  ** not set answers sqlite3_value_nochange()). `which` is the store that
  ** answers reads; the handler checks everything there first, then calls
  ** pat_store_ensure and writes, so a refused write creates no store.
  ** 0, or -1 with err (without the table's name). NULL: read-only, and
  ** err_readonly says so. */
  int (*update)(pat_conn *c, int which, int argc, sqlite3_value **argv,
                sqlite3_int64 *rowid, pat_err *e);
  const char *err_readonly;
} pat_table;

/* Helpers for the tables' writes (vtab.c). */
enum { PAT_WRITE_DELETE, PAT_WRITE_INSERT, PAT_WRITE_UPDATE };
int pat_write_kind(int argc, sqlite3_value **argv);
/* 1 when an UPDATE sets column i (a public column number). */
int pat_write_sets(sqlite3_value **argv, int i);
/* -1 with "column 'x' can not be changed (only ...)" when the UPDATE sets a
** column that is not PAT_COL_WRITABLE. */
int pat_write_only(const pat_table *t, sqlite3_value **argv, pat_err *e);
/* 1 when `role` is ROOT or has a row in pat_roles, 0, -1 with e. */
int pat_role_exists(pat_conn *c, int which, sqlite3_value *role, pat_err *e);

extern const pat_table pat_table_tokens, pat_table_rights, pat_table_roles,
    pat_table_owners, pat_table_events, pat_table_settings, pat_table_retired,
    pat_table_notices;
/* Registers table t's module on db (eponymous: the table exists at once). */
int pat_vtab_register(sqlite3 *db, pat_conn *c, const pat_table *t);

#endif
