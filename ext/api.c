/*
** api.c: the pointer table through which a loadable extension calls SQLite
** (SQLITE_EXTENSION_INIT1). pat.c fills it when SQLite loads pat; a static
** build (SQLITE_CORE) calls SQLite directly and this file defines nothing.
*/
#include "base.h"

SQLITE_EXTENSION_INIT1
