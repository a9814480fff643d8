/*
** vtab_owners.c: pat_owners, the role of each listed owner.
**
**   SELECT role FROM pat_owners WHERE owner = 'alice';
**   -- AUTHOR
**
** An owner not listed has the role of the setting default_role.
*/
#include "pat_internal.h"

const pat_table pat_table_owners = {
    .name = "pat_owners",
    .columns = "owner TEXT, role TEXT",
    .select = "SELECT rowid AS _rowid, owner, role FROM main.pat_store_owners",
    .order = "ORDER BY owner",
    .key_column = 0,
    .key_name = "owner",
    .key_unique = 1,
};
