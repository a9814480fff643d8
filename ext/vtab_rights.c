/*
** vtab_rights.c: pat_rights, the catalog of rights a token can hold.
**
**   SELECT name, description FROM pat_rights WHERE category = 'Data Operations';
**   -- DATA_CREATE|Create data
*/
#include "pat_internal.h"

const pat_table pat_table_rights = {
    .name = "pat_rights",
    .columns = "name TEXT, category TEXT, description TEXT",
    .select = "SELECT rowid AS _rowid, name, category, description"
              " FROM main.pat_store_rights",
    .order = "ORDER BY name",
    .key_column = 0,
    .key_name = "name",
    .key_unique = 1,
};
