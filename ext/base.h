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

#define PAT_RIGHT_MAX 64  /* bytes in one right name */
#define PAT_NAME_MAX 255  /* bytes in a token's name */
#define PAT_OWNER_MAX 255 /* bytes in an owner */

/* search.c: the index of `key` (n bytes) in an array of `count` structs of
** `size` bytes, each starting with a `const char *` name, sorted by it in
** byte order; or -1. */
int pat_search(const void *base, int count, size_t size, const char *key, size_t n);

#endif
