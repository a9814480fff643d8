/*
** ops.c: the operations each fault suite runs, one row each.
**
** The starting store (run.c, build_store) holds, made at FAULT_T0 with
** audit = all:
**   :t1  id :id1  alice (listed as AUTHOR)  DATA_CREATE, DATA_FETCH, never used,
**                                           and USER_FETCH, no longer granted
**   :t2  id :id2  bob (not listed: ROOT)    DATA_*, never used
**   :t3  id :id3  42 (not listed)           *, renamed once, used once
**   :t4  id :id4  alice                     DATA_FETCH, expired 30 days ago
**   :t5  id :id5  dave                      deleted: a retired value
** plus a role AUDITOR granting DATA_FETCH and an application table `app`.
** :tu is a well-formed token of another store, :T0 the fixed clock.
** The empty database holds only the application's table.
**
** `warm` runs before the faults and leaves the database as it was; it
** makes the operation find pat's statements, policy and schema cached, as
** on a connection that has served requests already. A check with `at`
** writes nothing; a create inside a savepoint rolled back neither.
**
** book_only: the operation is a check whose only write is bookkeeping,
** best-effort by design: success may leave the store as it was.
*/
#include "fault.h"

#define WARM_CREATE                                                              \
  "SAVEPOINT warm; SELECT pat_create('warm', 'warm', 'DATA_FETCH');"            \
  " ROLLBACK TO warm; RELEASE warm;"

const fault_op fault_ops[] = {
    /* The first call on a database without a store builds pat's private
    ** in-memory store of the defaults, which answers reads. */
    {"read_first", BASE_EMPTY, NULL, "SELECT count(*) FROM pat_tokens", RES_VALUE, 0,
     ONLY_DELETE_AUTO},
    /* Minting: the first call makes the store in the same transaction
    ** (the defaults are built by the warm-up). */
    {"create_first", BASE_EMPTY, "SELECT count(*) FROM pat_settings",
     "SELECT pat_create('alice', 'first', 'DATA_FETCH, DATA_CREATE')", RES_TOKEN, 0,
     ONLY_WAL_AUTO | ONLY_DELETE_TXN},
    {"create", BASE_STORE, NULL, "SELECT pat_create('carol', 'new', 'DATA_FETCH, MEDIA_FETCH')",
     RES_TOKEN, 0, 0},
    {"create_warm", BASE_STORE, WARM_CREATE,
     "SELECT pat_create('carol', 'new', 'DATA_FETCH, MEDIA_FETCH')", RES_TOKEN, 0, 0},
    /* The owner's listed role limits the wildcard. */
    {"create_resource", BASE_STORE, NULL,
     "SELECT pat_create('carol', 'new', 'DATA_FETCH@project:42, DATA_*@repo:a/*, MEDIA_FETCH')",
     RES_TOKEN, 0, 0},
    {"create_role", BASE_STORE, NULL, "SELECT pat_create('alice', 'new', 'DATA_*')", RES_TOKEN,
     0, 0},
    /* Refused without faults: no fault may turn it into a grant. */
    {"create_denied", BASE_STORE, NULL, "SELECT pat_create('alice', 'bad', 'USER_DELETE')",
     RES_VALUE, 0, 0},

    /* Checks: without `at` they write last_used_at and a use/deny event. */
    {"verify", BASE_STORE, NULL, "SELECT pat_verify(:t1)", RES_VALUE, 1, 0},
    {"verify_warm", BASE_STORE, "SELECT pat_verify(:t1, :T0)",
     "SELECT pat_verify('Bearer ' || :t1)", RES_VALUE, 1, 0},
    {"verify_at", BASE_STORE, NULL, "SELECT pat_verify(:t1, :T0)", RES_VALUE, 0, 0},
    {"verify_expired", BASE_STORE, NULL, "SELECT pat_verify(:t4)", RES_VALUE, 1, 0},
    {"verify_unknown", BASE_STORE, NULL, "SELECT pat_verify(:tu)", RES_VALUE, 0, 0},
    /* A retired value: its attempt is bookkeeping (issue 16). */
    {"verify_retired", BASE_STORE, NULL, "SELECT pat_verify(:t5)", RES_VALUE, 1, 0},
    {"has_right_retired", BASE_STORE, NULL, "SELECT pat_has_right(:t5, 'DATA_FETCH')",
     RES_VALUE, 1, 0},
    {"has_right", BASE_STORE, NULL, "SELECT pat_has_right(:t1, 'DATA_FETCH')", RES_VALUE, 1, 0},
    {"has_right_warm", BASE_STORE, "SELECT pat_has_right(:t1, 'DATA_FETCH', :T0)",
     "SELECT pat_has_right(:t1, 'DATA_FETCH')", RES_VALUE, 1, 0},
    {"has_right_not_held", BASE_STORE, NULL, "SELECT pat_has_right(:t1, 'DATA_DELETE')",
     RES_VALUE, 1, 0},
    {"has_right_not_granted", BASE_STORE, NULL, "SELECT pat_has_right(:t1, 'USER_FETCH')",
     RES_VALUE, 1, 0},
    {"has_right_wildcard", BASE_STORE, NULL, "SELECT pat_has_right(:t3, 'USER_DELETE')",
     RES_VALUE, 1, 0},
    {"has_right_unlisted", BASE_STORE, NULL, "SELECT pat_has_right(:t2, 'DATA_UPDATE')",
     RES_VALUE, 1, 0},
    {"has_right_at", BASE_STORE, NULL, "SELECT pat_has_right(:t2, 'DATA_UPDATE', :T0)",
     RES_VALUE, 0, 0},
    /* Rights on resources (issue 15): an entry, and a list of them. */
    {"has_right_resource", BASE_STORE, NULL,
     "SELECT pat_has_right(:t2, 'DATA_UPDATE@project:42')", RES_VALUE, 1, 0},
    {"has_right_list", BASE_STORE, NULL,
     "SELECT pat_has_right(:t2, '[\"DATA_UPDATE@project:42\", \"DATA_FETCH\"]')", RES_VALUE,
     1, 0},

    /* Changes through pat_tokens. */
    {"update_rights", BASE_STORE, NULL, "UPDATE pat_tokens SET rights = 'DATA_FETCH' WHERE id = :id2",
     RES_NONE, 0, 0},
    {"update_rights_resource", BASE_STORE, NULL,
     "UPDATE pat_tokens SET rights = 'DATA_FETCH@p:1, DATA_FETCH@p:*, DATA_*@q' WHERE id = :id2",
     RES_NONE, 0, 0},
    {"update_rights_denied", BASE_STORE, NULL,
     "UPDATE pat_tokens SET rights = 'USER_DELETE' WHERE id = :id1", RES_NONE, 0, 0},
    {"update_name", BASE_STORE, NULL, "UPDATE pat_tokens SET name = 'renamed' WHERE id = :id1",
     RES_NONE, 0, 0},
    {"update_window", BASE_STORE, NULL,
     "UPDATE pat_tokens SET valid_to = :T0 + 86400 WHERE id = :id2", RES_NONE, 0, 0},
    {"delete", BASE_STORE, NULL, "DELETE FROM pat_tokens WHERE id = :id2", RES_NONE, 0, 0},
    {"rotate", BASE_STORE, NULL, "SELECT pat_rotate(:id2)", RES_TOKEN, 0, 0},
    {"rotate_window", BASE_STORE, NULL, "SELECT pat_rotate(:id1, :T0 + 86400)", RES_TOKEN, 0, 0},
    {"rotate_grace", BASE_STORE, NULL, "SELECT pat_rotate(:id2, NULL, 3600)", RES_TOKEN, 0, 0},
    /* Revocation by value (issue 16): one, and an array with junk. */
    {"revoke", BASE_STORE, NULL, "SELECT pat_revoke(:t2)", RES_VALUE, 0, 0},
    {"revoke_array", BASE_STORE, NULL,
     "SELECT pat_revoke(json_array(:t1, 'junk', :t2, :t5), 'leaked')", RES_VALUE, 0, 0},
    {"retired_delete", BASE_STORE, NULL, "DELETE FROM pat_retired", RES_NONE, 0, 0},

    /* Policy. */
    {"owners_insert", BASE_STORE, NULL,
     "INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')", RES_NONE, 0, 0},
    {"owners_insert_first", BASE_EMPTY, "SELECT count(*) FROM pat_settings",
     "INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')", RES_NONE, 0,
     ONLY_DELETE_AUTO | ONLY_WAL_TXN},
    {"owners_update", BASE_STORE, NULL, "UPDATE pat_owners SET role = 'ADMIN' WHERE owner = 'alice'",
     RES_NONE, 0, 0},
    {"roles_insert", BASE_STORE, NULL,
     "INSERT INTO pat_roles(role, right) VALUES ('AUTHOR', 'USER_FETCH')", RES_NONE, 0, 0},
    {"roles_delete", BASE_STORE, NULL,
     "DELETE FROM pat_roles WHERE role = 'AUTHOR' AND right = 'DATA_FETCH'", RES_NONE, 0, 0},
    {"settings_update", BASE_STORE, NULL,
     "UPDATE pat_settings SET value = 120 WHERE key = 'last_used_interval'", RES_NONE, 0, 0},
    {"settings_update_first", BASE_EMPTY, "SELECT count(*) FROM pat_settings",
     "UPDATE pat_settings SET value = 'off' WHERE key = 'audit'", RES_NONE, 0, ONLY_WAL_AUTO},
};

const int fault_nops = (int)(sizeof fault_ops / sizeof fault_ops[0]);
