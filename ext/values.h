/*
** values.h: layer 3, the arguments pat reads, with no connection of pat's:
** times (times.c) and rights lists (rights.c).
*/
#ifndef PAT_VALUES_H
#define PAT_VALUES_H

#include "format.h"

/* ---------------------------------------------------------------- times.c */

/* The range SQLite's date functions can show: 0000-01-01 .. 9999-12-31. */
#define PAT_TIME_MIN (-62167219200LL)
#define PAT_TIME_MAX (253402300799LL)

/* A time argument read as the contract says. `scratch` is a connection used
** only to run SQLite's own date parser on TEXT; `what` names the argument in
** messages. Returns 0 and sets *out, 1 when the value is NULL (the caller's
** default applies), -1 with a message (without the function's name) in err:
** "valid_from is not a time: 'x'", "... is out of range",
** "... must be a time: unix seconds or text". */
int pat_time_arg(sqlite3 *scratch, sqlite3_value *v, const char *what,
                 int64_t *out, char *err, size_t errlen);
/* Current unix time as SQLite sees it (the connection's VFS clock). */
int64_t pat_now(sqlite3 *db);
int64_t pat_now_vfs(sqlite3_vfs *vfs);

/* --------------------------------------------------------------- rights.c */


typedef struct pat_strlist {
  char **v;
  int n, cap;
} pat_strlist;

void pat_strlist_free(pat_strlist *l);
int pat_strlist_add(pat_strlist *l, const char *s, size_t n);
/* 1 when `s` is a right name: 1..PAT_RIGHT_MAX of [A-Za-z0-9_]. */
int pat_right_name_ok(const char *s, size_t n);
/* A right name as an error message shows it: at most PAT_RIGHT_MAX bytes,
** anything but printable ASCII as '?'. */
void pat_right_show(char *dst, size_t cap, const char *s, size_t n);
/* Splits a rights argument (a JSON array of strings, or a comma-separated
** list) into items, which may still hold wildcards. 0, or -1 and err. */
int pat_rights_parse(const char *in, size_t n, pat_strlist *out, char *err,
                     size_t errlen);

/* One right of the catalog and whether the owner's role may grant it. */
typedef struct pat_catalog_entry {
  const char *name;
  int grantable;
} pat_catalog_entry;

/* Expands wildcards and checks every item against the catalog and the
** role. `catalog` is sorted in byte order. `out` receives a sorted JSON
** array without duplicates (sqlite3_malloc'd). 0, or -1 and err. */
int pat_rights_expand(const pat_strlist *items, const pat_catalog_entry *catalog,
                      int ncatalog, const char *role, char **out, char *err,
                      size_t errlen);
/* Text checks shared by pat_create and the tables' writes: 0 or -1 and err
** saying what is wrong with `what` ("name", "owner"). */
int pat_text_check(const char *what, const unsigned char *s, int n, int max,
                   char *err, size_t errlen);

#endif
