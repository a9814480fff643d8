/*
** base.h: layer 1, what every file of pat stands on: SQLite's API (through
** the extension's pointer table, api.c) and the sizes of the texts pat
** takes. The layers, bottom to top, are drawn in docs/ARCHITECTURE.md; each
** has one header, which includes the one below it, and declares only what
** its own files offer.
**
** Never: put a plaintext token or its digest in an error message, a log, an
** event or any column.
*/
#ifndef PAT_BASE_H
#define PAT_BASE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3ext.h>
/* Every file but api.c sees the API table through this declaration. */
SQLITE_EXTENSION_INIT3

#define PAT_ERRMAX 512 /* room for one error message */

/* A number macro as a string literal. */
#define PAT_STR_(x) #x
#define PAT_STR(x) PAT_STR_(x)

/* The one error channel. A helper that can fail takes a `pat_err *`,
** fills it (pat_fail) and answers -1, or NULL when it answers a pointer;
** success is 0, or a value >= 0 that its comment names (1 found / 0 not,
** a count, which store). The message says what is wrong without the name
** of the SQL function or table: each kind of caller adds that and turns
** the error into SQLite's form in one place, which also masks anything
** that could be a token: a function's answer (result.c, pat_error), a
** table's zErrMsg (vtab.c, vtab_fail), the load's *pzErrMsg (pat.c). The
** code SQLite acts on after a failed write (SQLITE_FULL, ...) is the
** connection's state, not the message's (store.h, fail_code). */
typedef struct pat_err {
  char msg[PAT_ERRMAX];
} pat_err;
/* Formats the message into e; -1. */
int pat_fail(pat_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* SQLite's words for a failure with code rc on db: the connection's
** message when it is about rc, else the code's own (a failed bind or
** allocation leaves the connection's message as it was: "not an error"). */
const char *pat_db_reason(sqlite3 *db, int rc);
/* Appends to the message already in e (a second failure while undoing
** the first); -1. */
int pat_fail_more(pat_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define PAT_RIGHT_MAX 64  /* bytes in one right name */
#define PAT_RESOURCE_MAX 128 /* bytes in the resource of a right (RIGHT@resource) */
#define PAT_NAME_MAX 255  /* bytes in a token's name */
#define PAT_OWNER_MAX 255 /* bytes in an owner */

/* search.c: the index of `key` (n bytes) in an array of `count` structs of
** `size` bytes, each starting with a `const char *` name, sorted by it in
** byte order; or -1. */
int pat_search(const void *base, int count, size_t size, const char *key, size_t n);

#endif
