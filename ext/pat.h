/*
** pat.h: the public header of pat, Personal Access Tokens for SQLite.
**
** Only needed by programs that link pat statically (dist/libpat.a, built
** with SQLITE_CORE) and register it on every connection they open:
**
**   #include <sqlite3.h>
**   #include "pat.h"
**   sqlite3_auto_extension((void (*)(void))sqlite3_pat_init);
**
** Programs that load dist/pat.so at run time need no header.
*/
#ifndef PAT_H
#define PAT_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

int sqlite3_pat_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif

#endif
