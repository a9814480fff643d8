/*
** vtab_settings.c: pat_settings, pat's settings for this database.
**
**   SELECT value FROM pat_settings WHERE key = 'default_lifetime';
**   -- 2592000
*/
#include "pat_internal.h"

const pat_table pat_table_settings = {
    .name = "pat_settings",
    .columns = "key TEXT, value",
    .select = "SELECT rowid AS _rowid, key, value FROM main.pat_store_settings",
    .order = "ORDER BY key",
    .key_column = 0,
    .key_name = "key",
    .key_unique = 1,
};
