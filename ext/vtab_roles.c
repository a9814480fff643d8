/*
** vtab_roles.c: pat_roles, which rights each role may grant.
**
**   SELECT right FROM pat_roles WHERE role = 'VIEWER';
**   -- DATA_FETCH
**
** ROOT's rows are computed, one per catalog right, so ROOT always grants
** every right, including rights added later. Their rowids are negative, the
** stored roles' positive.
*/
#include "pat_internal.h"

const pat_table pat_table_roles = {
    .name = "pat_roles",
    .columns = "role TEXT, right TEXT",
    .select = "SELECT -rowid AS _rowid, 'ROOT' AS role, name AS right"
              " FROM main.pat_store_rights"
              " UNION ALL"
              " SELECT rowid, role, right FROM main.pat_store_roles",
    .order = "ORDER BY role, right",
    .key_column = 0,
    .key_name = "role",
    .key_unique = 0,
};
