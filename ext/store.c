/*
** store.c: where pat keeps its data, and the statements that reach it.
**
** The store is the set of pat_store_* tables in the application's `main`
** database, made by sql/schema.sql (compiled in) on the first call that
** writes. Until then a private in-memory database built from the same file
** answers every read, so a new store and no store read alike, and loading
** pat writes nothing.
**
** The statements pat runs on main are listed here, once each, and prepared
** on first use into the connection's cache (conn.c keeps and releases it).
**
** Never: keep a token or a digest here beyond the call that uses it.
*/
#include "store.h"

#include <stdio.h>
#include <string.h>

static const char schema_sql[] =
#include "schema_sql.h"
    ;

const char *pat_schema_sql(void) { return schema_sql; }


/* The value x when the store's policy is still the one the call was
** checked under (its version, ?11), else NULL. The version also stands for
** the key: pat_rekey moves it whenever it moves the store's fingerprint, in
** the same transaction, and every connection checks its key against the
** fingerprint whenever it reads a new version. */
#define PAT_SQL_IF_POLICY_AND(cond, x)                                             \
  "CASE WHEN (SELECT value FROM main.pat_store_meta WHERE key = 'policy_version')" \
  " IS ?11 AND " cond " THEN " x " END"
#define PAT_SQL_IF_POLICY(x) PAT_SQL_IF_POLICY_AND("1", x)

/* A new token also needs room under its owner's cap (?15,
** max_tokens_per_owner; NULL: none) among the tokens not expired at ?7
** (now): counted in the INSERT itself, so two mints at once can not both
** take the last place. */
#define PAT_SQL_ROOM                                                               \
  "(?15 IS NULL OR (SELECT count(*) FROM main.pat_store_tokens"                    \
  " WHERE owner = ?2 AND valid_to > ?7) < ?15)"

/* A check's lookup (checks.c names the columns, LOOK_*): the token's id,
** window, the digest it was found by, the end of a rotation grace that runs,
** which value it was found by (PAT_LOOK_*), its rights (the hash, or for
** has_right the text and the owner's listed role), the store's policy
** version. One statement for every answer, its arms in order: a current
** value; else a value in its rotation grace at ?2; else a retired value
** (its token, when it retired, its row, its digest and why, in the columns
** of id, valid_from, valid_to, digest and rights); else a row that brings
** the policy version alone. LIMIT 1 ends it at the first arm that answers,
** so a hit runs the first arm only. (Two statements, a hit's and a miss's,
** cost a miss more than the arms a hit skips cost it: bench/README.md.) */
#define PAT_SQL_POLICY_VERSION \
  " (SELECT value FROM main.pat_store_meta WHERE key = 'policy_version')"
#define PAT_SQL_VERIFY(digest, grace_end, kind, blocks, where)                     \
  "SELECT id, valid_from, valid_to, " digest ", " grace_end ", " PAT_STR(kind) ", " \
  blocks ", rights_hash," PAT_SQL_POLICY_VERSION " FROM main.pat_store_tokens WHERE " where
#define PAT_SQL_HAS_RIGHT(digest, grace_end, kind, blocks, where)                  \
  "SELECT t.id, t.valid_from, t.valid_to, " digest ", " grace_end ", " PAT_STR(kind) ", " \
  blocks ", t.rights, (SELECT o.role FROM main.pat_store_owners AS o"              \
  " WHERE o.owner = t.owner)," PAT_SQL_POLICY_VERSION " FROM main.pat_store_tokens AS t" \
  " WHERE " where
#define PAT_SQL_MISS_ARMS(role)                                                    \
  " UNION ALL SELECT token_id, retired_at, id, digest, NULL, " PAT_STR(PAT_LOOK_RETIRED) \
  ", NULL, why," role PAT_SQL_POLICY_VERSION " FROM main.pat_store_retired"        \
  " WHERE digest = ?1 AND retired_at <= ?2"                                        \
  " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, " PAT_STR(PAT_LOOK_NONE) ", NULL, NULL," \
  role PAT_SQL_POLICY_VERSION " LIMIT 1"
/* The lookups of a store of version `v` and later: from version 6 the
** digest index holds the allow-list (allowed_blocks); a version 5 store,
** read as it is, has none. */
#define PAT_SQL_VERIFY_ARMS(blocks)                                                \
  PAT_SQL_VERIFY("digest", "prev_until", PAT_LOOK_CURRENT, blocks, "digest = ?1")   \
  " UNION ALL " PAT_SQL_VERIFY("prev_digest", "prev_until", PAT_LOOK_GRACE, blocks, \
                               "prev_digest = ?1 AND prev_until > ?2") PAT_SQL_MISS_ARMS("")
#define PAT_SQL_HAS_RIGHT_ARMS(blocks)                                             \
  PAT_SQL_HAS_RIGHT("t.digest", "t.prev_until", PAT_LOOK_CURRENT, blocks, "t.digest = ?1") \
  " UNION ALL " PAT_SQL_HAS_RIGHT("t.prev_digest", "t.prev_until", PAT_LOOK_GRACE, blocks, \
                                  "t.prev_digest = ?1 AND t.prev_until > ?2")       \
  PAT_SQL_MISS_ARMS(" NULL,")

/* Every statement names main explicitly, so a TEMP or attached table of the
** same name can not stand in for the store. */
static const char *const stmt_sql[PAT_STMT_COUNT] = {
    /* Answered from the digest index alone (it holds these columns, and
    ** id is the rowid): one B-tree descent. Also pat_has_right's while no
    ** owner is listed. Not INDEXED BY: a store upgraded from version 4 may
    ** hold the older digest index too until it is dropped (store.c), and
    ** either answers. */
    /* The last column, the store's policy version, is read only for a row
    ** found, in the same read: the policy the answer needs (policy.c).
    ** A store older than version 5, read as it is, knows no grace and no
    ** retired values (_OLD): its miss reads the policy version alone. */
    [PAT_STMT_VERIFY] = PAT_SQL_VERIFY_ARMS("allowed_blocks"),
    [PAT_STMT_VERIFY_V5] = PAT_SQL_VERIFY_ARMS("NULL"),
    [PAT_STMT_VERIFY_OLD] =
        PAT_SQL_VERIFY("digest", "NULL", PAT_LOOK_CURRENT, "NULL", "digest = ?1"),
    /* A token's rights, when their hash is not in the cache. */
    [PAT_STMT_RIGHTS] = "SELECT rights, rights_hash FROM main.pat_store_tokens WHERE id = ?1",
    /* The token and its owner's listed role (NULL: default_role); whether
    ** the role grants the right is the cached policy's question. */
    [PAT_STMT_HAS_RIGHT] = PAT_SQL_HAS_RIGHT_ARMS("t.allowed_blocks"),
    [PAT_STMT_HAS_RIGHT_V5] = PAT_SQL_HAS_RIGHT_ARMS("NULL"),
    [PAT_STMT_HAS_RIGHT_OLD] =
        PAT_SQL_HAS_RIGHT("t.digest", "NULL", PAT_LOOK_CURRENT, "NULL", "t.digest = ?1"),
    /* When a token's idleness counts from (store.h). Read only when the
    ** index's valid_from and what the connection holds do not settle it. */
    [PAT_STMT_IDLE_SINCE] = "SELECT " PAT_SQL_IDLE_SINCE("t")
                            " FROM main.pat_store_tokens AS t WHERE t.id = ?1",
    /* The tokens owner ?1 holds that are not expired at ?2
    ** (max_tokens_per_owner), through the owner index. */
    [PAT_STMT_OWNER_TOKENS] = "SELECT count(*) FROM main.pat_store_tokens"
                              " WHERE owner = ?1 AND valid_to > ?2",
    /* The owner index, made when max_tokens_per_owner is first set
    ** (vtab_settings.c) and kept: dropping it inside the UPDATE's own
    ** statement is refused, and a cap set again would need it again. The
    ** only DDL outside sql/schema.sql, because a store without a cap is
    ** better off without it (bench/README.md: a mint's second index insert). */
    [PAT_STMT_OWNER_INDEX] = "CREATE INDEX IF NOT EXISTS main.pat_store_tokens_owner"
                             " ON pat_store_tokens(owner, valid_to)",
    /* A notice acknowledged (vtab_notices.c), by its row as the table shows
    ** it now; the store's trigger writes its event (sql/schema.sql). */
    [PAT_STMT_NOTICE_ACK] = "INSERT OR IGNORE INTO main.pat_store_notices(token_id, kind, due_at)"
                            " SELECT token_id, kind, unixepoch(due_at) FROM ("
                            PAT_SQL_NOTICES_OF(" AND t.id = ?1 >> 2") ") WHERE _rowid = ?1",
    /* A JSON value's type, NULL for anything but RFC 8259 JSON (options.c):
    ** SQLite from 3.42 reads JSON5 too (comments, trailing commas, single
    ** quotes), and json_valid() with one argument is strict on every
    ** version, so one SQLite does not take options another refuses. An
    ** object's members follow. */
    [PAT_STMT_JSON_TYPE] = "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END",
    [PAT_STMT_JSON_KEYED_ITEMS] = "SELECT key, type, value FROM json_each(?1)",
    /* Naming temp's schema makes this statement re-prepare when TEMP objects
    ** change, so pat_store_validate notices a TEMP object that shadows. */
    [PAT_STMT_SETTING] =
        "SELECT value FROM main.pat_store_settings WHERE key = ?1"
        " AND NOT EXISTS (SELECT 1 FROM temp.sqlite_schema WHERE 0)",
    [PAT_STMT_OWNER_ROLE] = "SELECT role FROM main.pat_store_owners WHERE owner = ?1",
    /* One row and its index entry, no trigger: the create event is the row
    ** (?8 = 1) until the token first changes (sql/schema.sql). Ids only
    ** grow: past every token, every event and every deleted token. The
    ** policy the call was checked against (?11, its version) is the store's,
    ** read in the write's own transaction: else the digest is NULL, the
    ** insert fails on NOT NULL, and the call reads the policy again
    ** (lifecycle.c). */
    [PAT_STMT_INSERT_TOKEN] =
        "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from,"
        " valid_to, rights, created_at, create_event, rights_hash, description,"
        " allowed_ips, allowed_blocks) VALUES (max("
        " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0),"
        " coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
        " coalesce((SELECT value FROM main.pat_store_meta WHERE key = 'id_floor'),"
        " 0)) + 1, " PAT_SQL_IF_POLICY_AND(PAT_SQL_ROOM, "?1")
        ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?12, ?13, ?14)",
    /* The same with the id known (lifecycle.c, next_id). */
    [PAT_STMT_INSERT_TOKEN_AT] =
        "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from,"
        " valid_to, rights, created_at, create_event, rights_hash, description,"
        " allowed_ips, allowed_blocks) VALUES (?10, " PAT_SQL_IF_POLICY_AND(PAT_SQL_ROOM, "?1")
        ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?12, ?13, ?14)",
    /* No row changed: the token is gone, or the policy (or key) moved. */
    /* With a grace (?5: its end), the value replaced stays the token's
    ** until then as prev_digest; a grace running is over (sql/schema.sql
    ** retires its value). Idleness counts from the rotation (?6, now). */
    [PAT_STMT_ROTATE_TOKEN] =
        "UPDATE main.pat_store_tokens SET digest = ?1, valid_from = ?3, valid_to = ?4,"
        " prev_digest = CASE WHEN ?5 IS NULL THEN NULL ELSE digest END, prev_until = ?5,"
        " rotated_at = ?6"
        " WHERE id = ?2 AND " PAT_SQL_IF_POLICY("1") " IS 1",
    /* policy.c: the version the store's triggers set to a new random value
    ** on every change of what it caches, and the key's fingerprint: read on
    ** every call that needs the policy, in the call's read transaction. */
    [PAT_STMT_POLICY_VERSION] =
        "SELECT (SELECT value FROM main.pat_store_meta WHERE key = 'policy_version'),"
        " (SELECT value FROM main.pat_store_meta WHERE key = 'key_fingerprint')",
    [PAT_STMT_POLICY_SETTINGS] = "SELECT key, value FROM main.pat_store_settings",
    [PAT_STMT_POLICY_RIGHTS] =
        "SELECT name FROM main.pat_store_rights ORDER BY name COLLATE BINARY",
    [PAT_STMT_POLICY_ROLES] =
        "SELECT role, right FROM main.pat_store_roles ORDER BY role COLLATE BINARY",
    [PAT_STMT_POLICY_META] = "SELECT EXISTS (SELECT 1 FROM main.pat_store_owners)",
    [PAT_STMT_BEGIN] = "BEGIN IMMEDIATE",
    [PAT_STMT_COMMIT] = "COMMIT",
    [PAT_STMT_ROLLBACK] = "ROLLBACK",
    [PAT_STMT_SAVEPOINT] = "SAVEPOINT pat_write",
    [PAT_STMT_RELEASE] = "RELEASE pat_write",
    [PAT_STMT_ROLLBACK_TO] = "ROLLBACK TO pat_write",
    [PAT_STMT_TOKEN_BY_ID] =
        "SELECT owner, valid_from, valid_to FROM main.pat_store_tokens WHERE id = ?1",
    /* One statement, so the trigger sees every change at once and writes
    ** one update event; ?2, ?4, ?6, ?8, ?11 and ?13 say which columns
    ** change. */
    [PAT_STMT_TOKEN_UPDATE] = "UPDATE main.pat_store_tokens SET"
                              " name = CASE WHEN ?2 THEN ?3 ELSE name END,"
                              " valid_from = CASE WHEN ?4 THEN ?5 ELSE valid_from END,"
                              " valid_to = CASE WHEN ?6 THEN ?7 ELSE valid_to END,"
                              " rights = CASE WHEN ?8 THEN ?9 ELSE rights END,"
                              " rights_hash = CASE WHEN ?8 THEN ?10 ELSE rights_hash END,"
                              " description = CASE WHEN ?11 THEN ?12 ELSE description END,"
                              " allowed_ips = CASE WHEN ?13 THEN ?14 ELSE allowed_ips END,"
                              " allowed_blocks = CASE WHEN ?13 THEN ?15 ELSE allowed_blocks END"
                              " WHERE id = ?1",
    [PAT_STMT_TOKEN_DELETE] = "DELETE FROM main.pat_store_tokens WHERE id = ?1",
    /* A right's name and how many tokens hold it, on any resource or none
    ** ("NAME" or "NAME@resource" in their lists). */
    [PAT_STMT_RIGHT_HELD] = "SELECT r.name, (SELECT count(*) FROM main.pat_store_tokens AS t"
                            "  WHERE instr(t.rights, '\"' || r.name || '\"') > 0"
                            "     OR instr(t.rights, '\"' || r.name || '@') > 0)"
                            " FROM main.pat_store_rights AS r WHERE r.rowid = ?1",
    [PAT_STMT_RIGHT_EXISTS] = "SELECT 1 FROM main.pat_store_rights WHERE name = ?1",
    [PAT_STMT_RIGHT_INSERT] = "INSERT INTO main.pat_store_rights(name, category, description)"
                              " VALUES (?1, ?2, coalesce(?3, ''))",
    [PAT_STMT_RIGHT_UPDATE] = "UPDATE main.pat_store_rights SET"
                              " category = CASE WHEN ?2 THEN ?3 ELSE category END,"
                              " description = CASE WHEN ?4 THEN coalesce(?5, '')"
                              "               ELSE description END WHERE rowid = ?1",
    /* One statement: the store's trigger takes the right out of every role
    ** in it, so the two can not come apart. */
    [PAT_STMT_RIGHT_DELETE] = "DELETE FROM main.pat_store_rights WHERE rowid = ?1",
    [PAT_STMT_ROLE_EXISTS] = "SELECT ?1 = 'ROOT' OR EXISTS (SELECT 1 FROM"
                             " main.pat_store_roles WHERE role = ?1)",
    /* Whether right ?2 is in the catalog, and role ?1 grants it already. */
    [PAT_STMT_ROLE_GRANT_KNOWN] = "SELECT EXISTS (SELECT 1 FROM main.pat_store_rights"
                                  "               WHERE name = ?2),"
                                  " EXISTS (SELECT 1 FROM main.pat_store_roles"
                                  "         WHERE role = ?1 AND right = ?2)",
    [PAT_STMT_ROLE_INSERT] = "INSERT INTO main.pat_store_roles(role, right) VALUES (?1, ?2)",
    [PAT_STMT_ROLE_DELETE] = "DELETE FROM main.pat_store_roles WHERE rowid = ?1",
    [PAT_STMT_OWNER_ROW] = "SELECT owner, role FROM main.pat_store_owners WHERE rowid = ?1",
    /* Another row listing owner ?1 than row ?2. */
    [PAT_STMT_OWNER_LISTED] = "SELECT 1 FROM main.pat_store_owners WHERE owner = ?1"
                              " AND rowid IS NOT ?2",
    [PAT_STMT_OWNER_INSERT] = "INSERT INTO main.pat_store_owners(owner, role) VALUES (?1, ?2)",
    [PAT_STMT_OWNER_UPDATE] = "UPDATE main.pat_store_owners SET owner = ?1, role = ?2"
                              " WHERE rowid = ?3",
    [PAT_STMT_OWNER_DELETE] = "DELETE FROM main.pat_store_owners WHERE rowid = ?1",
    [PAT_STMT_SETTING_KEY] = "SELECT key FROM main.pat_store_settings WHERE rowid = ?1",
    /* By key: the row was found in the store that answers reads, which may
    ** be the private defaults, whose rowids are not main's. */
    [PAT_STMT_SETTING_UPDATE] = "UPDATE main.pat_store_settings SET value = ?2 WHERE key = ?1",
    [PAT_STMT_KEY_FINGERPRINT] =
        "SELECT value FROM main.pat_store_meta WHERE key = 'key_fingerprint'",
    [PAT_STMT_KEY_SET_FINGERPRINT] = "INSERT OR REPLACE INTO main.pat_store_meta(key, value)"
                                     " VALUES ('key_fingerprint', nullif(?1, ''))",
    [PAT_STMT_KEY_NEW_VERSION] =
        "UPDATE main.pat_store_meta SET value = random() WHERE key = 'policy_version'",
    /* A check's bookkeeping: a use of token ?1 at ?2, and a use or deny
    ** event. Ids are shared with tokens (sql/schema.sql). */
    /* Held ones are written later (bookkeeping.c): to token ?1 only while it
    ** is the token the check found (its valid_from ?3 or ?5: a restored
    ** copy may have given the id to another), and the event of a token
    ** deleted meanwhile with the name and owner of its last event. */
    /* The use goes to the uses table (version 5 on), or, on an older store
    ** read as it is, to the row itself, once per last_used_interval (?4). */
    [PAT_STMT_BOOK_USE] = "INSERT OR REPLACE INTO main.pat_store_uses(token_id, at, valid_from)"
                          " VALUES (?1, ?2, ?3)",
    /* A use from address ?2 (version 6 on): its row's latest use, then
    ** the token's latest PAT_ADDRESSES_KEPT rows kept (sql/schema.sql). */
    [PAT_STMT_BOOK_ADDRESS] =
        "INSERT OR REPLACE INTO main.pat_store_addresses(token_id, address, at)"
        " SELECT ?1, ?2, max(?3, coalesce((SELECT at FROM main.pat_store_addresses"
        " WHERE token_id = ?1 AND address = ?2), ?3))"
        " WHERE EXISTS (SELECT 1 FROM main.pat_store_tokens WHERE id = ?1 AND valid_from = ?4)",
    [PAT_STMT_BOOK_ADDRESS_TRIM] =
        "DELETE FROM main.pat_store_addresses WHERE token_id = ?1 AND rowid NOT IN"
        " (SELECT rowid FROM main.pat_store_addresses WHERE token_id = ?1"
        " ORDER BY at DESC, rowid DESC LIMIT " PAT_STR(PAT_ADDRESSES_KEPT) ")",
    [PAT_STMT_BOOK_TOUCH] =
        "UPDATE main.pat_store_tokens SET last_used_at = ?2"
        " WHERE id = ?1 AND valid_from = ?3"
        " AND (last_used_at IS NULL OR ?2 - last_used_at >= ?4)",
    /* Folding uses into their rows (sql/schema.sql, pat_store_uses): how
    ** many there are (kept in pat_store_meta: moved by ?1 with each write,
    ** counted anew once a round of folds is done) against the store's
    ** pages; where the next range starts; where it ends, ?2 uses on from
    ** ?1; then the range's uses, latest of each token, into the rows whose
    ** valid_from they name, and out of the table. */
    [PAT_STMT_USES_COUNT] = "SELECT value FROM main.pat_store_meta WHERE key = 'uses_count'",
    [PAT_STMT_USES_ADD] =
        "UPDATE main.pat_store_meta SET value = value + ?1 WHERE key = 'uses_count'",
    [PAT_STMT_USES_RECOUNT] = "UPDATE main.pat_store_meta SET value ="
                              " (SELECT count(*) FROM main.pat_store_uses)"
                              " WHERE key = 'uses_count'",
    [PAT_STMT_PAGE_COUNT] = "PRAGMA main.page_count",
    [PAT_STMT_FOLD_FROM] = "SELECT value FROM main.pat_store_meta WHERE key = 'fold_from'",
    [PAT_STMT_FOLD_END] = "SELECT token_id FROM main.pat_store_uses WHERE token_id >= ?1"
                          " ORDER BY token_id LIMIT 1 OFFSET ?2",
    [PAT_STMT_FOLD_ROWS] =
        "UPDATE main.pat_store_tokens AS t SET last_used_at = u.at"
        " FROM (SELECT token_id, valid_from, max(at) AS at FROM main.pat_store_uses"
        " WHERE token_id >= ?1 AND token_id < ?2 GROUP BY token_id, valid_from) AS u"
        " WHERE t.id = u.token_id AND t.valid_from = u.valid_from"
        " AND (t.last_used_at IS NULL OR t.last_used_at < u.at)",
    [PAT_STMT_FOLD_DELETE] =
        "DELETE FROM main.pat_store_uses WHERE token_id >= ?1 AND token_id < ?2",
    [PAT_STMT_FOLD_SET_FROM] =
        "INSERT OR REPLACE INTO main.pat_store_meta(key, value) VALUES ('fold_from', ?1)",
    [PAT_STMT_RETIRED_DELETE] = "DELETE FROM main.pat_store_retired WHERE id = ?1",
    /* Whether the token table exists, and has column ?1 (run_schema). */
    [PAT_STMT_TOKENS_COLUMN] =
        "SELECT (SELECT count(*) FROM main.sqlite_schema WHERE type = 'table'"
        " AND name = 'pat_store_tokens'),"
        " (SELECT count(*) FROM pragma_table_info('pat_store_tokens', 'main') WHERE name = ?1)",
    /* pat_revoke (revoke.c): a JSON array's length (NULL: not an array), its
    ** items; the token a value is, as its current value or one in grace
    ** at ?2; the reason its DELETE's trigger writes (sql/schema.sql). */
    /* Malformed JSON is an error here (json_valid would answer 0 for
    ** want of memory too). */
    [PAT_STMT_JSON_ARRAY_LENGTH] =
        "SELECT CASE WHEN json_type(?1) = 'array' THEN json_array_length(?1) END",
    [PAT_STMT_JSON_ITEMS] = "SELECT type, value FROM json_each(?1)",
    [PAT_STMT_REVOKE_FIND] =
        "SELECT id FROM main.pat_store_tokens WHERE digest = ?1"
        " UNION ALL SELECT id FROM main.pat_store_tokens"
        " WHERE prev_digest = ?1 AND prev_until > ?2 LIMIT 1",
    /* The early end of token ?1's grace ?2 at ?3 (bookkeeping.c): the old
    ** value is retired from then, and the row forgets it. */
    [PAT_STMT_GRACE_END_RETIRED] =
        "UPDATE main.pat_store_retired SET retired_at = ?3 WHERE digest ="
        " (SELECT prev_digest FROM main.pat_store_tokens WHERE id = ?1 AND prev_until = ?2)"
        " AND retired_at > ?3",
    [PAT_STMT_GRACE_END] = "UPDATE main.pat_store_tokens SET prev_digest = NULL,"
                           " prev_until = NULL WHERE id = ?1 AND prev_until = ?2",
    [PAT_STMT_REVOKE_MARK] =
        "UPDATE main.pat_store_tokens SET revoke_reason = ?2 WHERE id = ?1",
    /* What an upgrade from version 4 or 5 could not drop (old_indexes). */
    [PAT_STMT_DROP_OLD_INDEX] = "DROP INDEX IF EXISTS main.pat_store_tokens_digest",
    [PAT_STMT_DROP_V5_INDEX] = "DROP INDEX IF EXISTS main.pat_store_tokens_by_digest",
    [PAT_STMT_BOOK_EVENT] =
        "INSERT INTO main.pat_store_events(id, at, event, token_id, token_name,"
        " owner, detail) SELECT max("
        " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0),"
        " coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
        " coalesce((SELECT value FROM main.pat_store_meta WHERE key = 'id_floor'),"
        " 0)) + 1, ?2, ?3, ?1, w.name, w.owner, ?4"
        " FROM (SELECT name, owner FROM main.pat_store_tokens WHERE id = ?1 AND valid_from = ?5"
        " UNION ALL SELECT * FROM (SELECT token_name, owner FROM main.pat_store_events"
        " WHERE token_id = ?1 AND NOT EXISTS (SELECT 1 FROM main.pat_store_tokens"
        " WHERE id = ?1) ORDER BY id DESC LIMIT 1) LIMIT 1) AS w",
    /* A retired value presented (checks.c, found by the lookups above):
    ** held, its attempt: seen and last_seen_at, and a deny event under its
    ** token's id, name and owner as the row keeps them. */
    [PAT_STMT_BOOK_RETIRED_SEEN] =
        "UPDATE main.pat_store_retired SET seen = seen + 1,"
        " last_seen_at = max(coalesce(last_seen_at, ?2), ?2) WHERE id = ?1",
    [PAT_STMT_BOOK_RETIRED_EVENT] =
        "INSERT INTO main.pat_store_events(id, at, event, token_id, token_name,"
        " owner, detail) SELECT max("
        " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0),"
        " coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
        " coalesce((SELECT value FROM main.pat_store_meta WHERE key = 'id_floor'),"
        " 0)) + 1, ?2, 'deny', token_id, name, owner, ?3"
        " FROM main.pat_store_retired WHERE id = ?1",
    [PAT_STMT_QUERY_ONLY] = "PRAGMA main.query_only",
    /* SQLite's own date parser, for time arguments given as text (times.c). */
    [PAT_STMT_PARSE_TIME] = "SELECT unixepoch(?1)",
    /* What the second connection writes is best-effort: in WAL mode, no
    ** fsync per commit (the database stays consistent; a power cut may lose
    ** the last few). */
    [PAT_STMT_AUX_SYNCHRONOUS] = "PRAGMA main.synchronous = NORMAL",
    /* A check never runs a WAL checkpoint: the second connection's commits
    ** leave it to the application. */
    [PAT_STMT_AUX_NO_CHECKPOINT] = "PRAGMA wal_autocheckpoint = 0",
    [PAT_STMT_JOURNAL_MODE] = "PRAGMA main.journal_mode",
    /* The store itself: whether main holds one (a half-made one has no
    ** version yet), its version and the key it was made with. */
    [PAT_STMT_STORE_EXISTS] = "SELECT (SELECT count(*) FROM main.sqlite_schema"
                              " WHERE type = 'table' AND name = 'pat_store_meta')",
    [PAT_STMT_STORE_VERSION] =
        "SELECT (SELECT value FROM main.pat_store_meta WHERE key = 'schema_version'),"
        " (SELECT value FROM main.pat_store_meta WHERE key = 'key_fingerprint')",
    [PAT_STMT_STORE_KEY_FINGERPRINT] = "INSERT OR IGNORE INTO main.pat_store_meta(key, value)"
                                       " VALUES ('key_fingerprint', nullif(?1, ''))",
    /* A setting's row with its default, where it has none yet (settings.c
    ** binds ?1 and ?2). */
    [PAT_STMT_SETTING_DEFAULT] = "INSERT OR IGNORE INTO main.pat_store_settings(key, value)"
                                 " VALUES (?1, ?2)",
    /* Written last: a store without it is half-made (read_version). */
    [PAT_STMT_SCHEMA_VERSION_ROW] = "INSERT OR IGNORE INTO main.pat_store_meta(key, value)"
                                    " VALUES ('schema_version', ?1)",
    /* The upgrade from version 1 names each token's rights by their hash,
    ** which SQL can not compute. */
    [PAT_STMT_UNHASHED_RIGHTS] =
        "SELECT id, rights FROM main.pat_store_tokens WHERE rights_hash IS NULL",
    [PAT_STMT_SET_RIGHTS_HASH] = "UPDATE main.pat_store_tokens SET rights_hash = ?2 WHERE id = ?1",
};

/* A script of several statements (the schema, an upgrade's steps), run
** once: 0, or -1 with e. */
static int run_script(sqlite3 *db, const char *sql, pat_err *e) {
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) pat_fail(e, "%s", msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return rc == SQLITE_OK ? 0 : -1;
}

/* sql/schema.sql on `which`, then each setting's row with its default where
** it has none yet (a setting added by a later pat comes with its upgrade),
** then, last, the schema_version row of a new store. 0, or -1 with e. */
/* The columns versions 5 and 6 added to pat_store_tokens, for a token table made
** before (schema.sql's CREATE TABLE IF NOT EXISTS leaves an older one as it
** is): an upgrade's, or an older pat's half-made store's. */
static const struct {
  const char *name, *sql;
} added_columns[] = {
    {"prev_digest", "ALTER TABLE main.pat_store_tokens ADD COLUMN prev_digest BLOB"},
    {"prev_until", "ALTER TABLE main.pat_store_tokens ADD COLUMN prev_until INTEGER"},
    {"revoke_reason", "ALTER TABLE main.pat_store_tokens ADD COLUMN revoke_reason TEXT"},
    {"description", "ALTER TABLE main.pat_store_tokens ADD COLUMN description TEXT"},
    {"allowed_ips", "ALTER TABLE main.pat_store_tokens ADD COLUMN allowed_ips TEXT"},
    {"allowed_blocks", "ALTER TABLE main.pat_store_tokens ADD COLUMN allowed_blocks BLOB"},
    {"rotated_at", "ALTER TABLE main.pat_store_tokens ADD COLUMN rotated_at INTEGER"},
};

static int add_columns(pat_conn *c, int which, pat_err *e) {
  for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++) {
    sqlite3_stmt *st;
    int r = pat_store_query(c, which, PAT_STMT_TOKENS_COLUMN,
                            PAT_ARGS(PAT_TEXT(added_columns[i].name)), &st, e);
    if (r < 0) return -1;
    /* No table yet (schema.sql makes it whole), or the column is there. */
    int missing = r > 0 && sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 0;
    if (r > 0) pat_store_done(st);
    if (missing && run_script(pat_store_db(c, which), added_columns[i].sql, e) != 0) return -1;
  }
  return 0;
}

static int run_schema(pat_conn *c, int which, pat_err *e) {
  sqlite3 *db = pat_store_db(c, which);
  if (add_columns(c, which, e) != 0 || run_script(db, schema_sql, e) != 0) return -1;
  sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_SETTING_DEFAULT, e);
  if (st == NULL) return -1;
  int rc = SQLITE_OK;
  for (int id = 0; rc == SQLITE_OK && id < PAT_SET_COUNT; id++) {
    rc = pat_setting_bind_default(st, 1, 2, id);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE) rc = SQLITE_OK;
    pat_store_done(st);
  }
  if (rc != SQLITE_OK) return pat_fail(e, "%s", sqlite3_errmsg(db));
  return pat_store_exec(c, which, PAT_STMT_SCHEMA_VERSION_ROW,
                        PAT_ARGS(PAT_INT(PAT_SCHEMA_VERSION)), e);
}

static int open_defaults(pat_conn *c, pat_err *e) {
  if (c->defaults != NULL) return 0;
  int rc = sqlite3_open_v2(":memory:", &c->defaults,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  pat_err why;
  if (rc == SQLITE_OK && run_schema(c, PAT_DB_DEFAULTS, &why) == 0) return 0;
  if (rc != SQLITE_OK) pat_fail(&why, "%s", sqlite3_errstr(rc));
  pat_fail(e, "can not build the default store: %s", why.msg);
  for (int i = 0; i < PAT_STMT_COUNT; i++) {
    sqlite3_finalize(c->stmt[PAT_DB_DEFAULTS][i]);
    c->stmt[PAT_DB_DEFAULTS][i] = NULL;
  }
  sqlite3_close(c->defaults);
  c->defaults = NULL;
  return -1;
}

int pat_store_peek_setting(pat_conn *c, const char *key, char *buf, size_t n) {
  pat_err e = {0};
  sqlite3_stmt *st = NULL;
  /* The list's statement, prepared for this one read and not kept: no
  ** look at the schema first, and nothing cached from where pat_debug ran. */
  int rc = sqlite3_prepare_v2(c->db, stmt_sql[PAT_STMT_SETTING], -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  int out = rc == SQLITE_ROW ? (sqlite3_column_type(st, 0) == SQLITE_NULL ? 1 : 0) : -1;
  if (out == 0) snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  /* No store (yet): what a new one would hold. */
  if (out < 0 && open_defaults(c, &e) == 0)
    out = pat_setting(c, PAT_DB_DEFAULTS, key, buf, n, &e);
  return out;
}

sqlite3 *pat_store_db(pat_conn *c, int which) {
  return which == PAT_DB_MAIN ? c->db : which == PAT_DB_DEFAULTS ? c->defaults : c->aux;
}

/* The version of the store in main, 0 when there is none. */
static int read_version(pat_conn *c, int *version, pat_err *e) {
  sqlite3_stmt *st;
  pat_err why;
  *version = 0;
  int r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_STORE_EXISTS, NULL, 0, &st, &why);
  int have_meta = r > 0 && sqlite3_column_int(st, 0) > 0;
  if (r > 0) pat_store_done(st);
  if (r > 0 && have_meta)
    r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_STORE_VERSION, NULL, 0, &st, &why);
  if (r < 0) return pat_fail(e, "can not read the store: %s", why.msg);
  if (!have_meta) return 0;
  *version = sqlite3_column_int(st, 0);
  /* A store half-made has no version yet, and no key to match. */
  int out = *version > 0 ? pat_key_matches(c, (const char *)sqlite3_column_text(st, 1), e) : 0;
  pat_store_done(st);
  return out;
}

/* Schema version 1 kept tokens in a WITHOUT ROWID table keyed by digest,
** with a trigger writing each create event. Version 2 keeps them in a rowid
** table with a digest index. The rows move as they are; their create events
** are already in pat_store_events (create_event NULL). */
/* SQLite drops no table while another statement of the connection reads,
** and the first call may well run inside one (SELECT ... FROM pat_tokens):
** so the old table is renamed and emptied, and dropped when that is
** possible (else it stays, empty, as pat_store_tokens_v1). */
static const char upgrade_v1_before[] =
    /* schema.sql makes the new triggers. */
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_created;"
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_updated;"
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_rotated;"
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_deleted;"
    "ALTER TABLE main.pat_store_tokens RENAME TO pat_store_tokens_v1;";
static const char upgrade_v1_after[] =
    "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from, valid_to,"
    " rights, created_at, last_used_at, create_event, rights_hash)"
    " SELECT id, digest, owner, name, valid_from, valid_to, rights, created_at,"
    " last_used_at, NULL, NULL FROM main.pat_store_tokens_v1 ORDER BY id;"
    "DELETE FROM main.pat_store_tokens_v1;";

/* Versions 1 and 2 counted policy_version up by one, so a rollback or a
** restored backup could bring back a value that named another policy;
** version 3 (sql/schema.sql) sets a new random value on every change. The
** triggers keep their names: drop them, and schema.sql makes them anew. */
static const char upgrade_v2_before[] =
    "DROP TRIGGER IF EXISTS main.pat_store_settings_i;"
    "DROP TRIGGER IF EXISTS main.pat_store_settings_u;"
    "DROP TRIGGER IF EXISTS main.pat_store_settings_d;"
    "DROP TRIGGER IF EXISTS main.pat_store_rights_i;"
    "DROP TRIGGER IF EXISTS main.pat_store_rights_u;"
    "DROP TRIGGER IF EXISTS main.pat_store_rights_d;"
    "DROP TRIGGER IF EXISTS main.pat_store_roles_i;"
    "DROP TRIGGER IF EXISTS main.pat_store_roles_u;"
    "DROP TRIGGER IF EXISTS main.pat_store_roles_d;"
    "DROP TRIGGER IF EXISTS main.pat_store_owners_i;"
    "DROP TRIGGER IF EXISTS main.pat_store_owners_u;"
    "DROP TRIGGER IF EXISTS main.pat_store_owners_d;";
/* Version 4 adds the setting bookkeeping_delay: schema.sql and its default
** row (run_schema) are all it takes. */
/* Version 5 records uses in pat_store_uses, and its digest index
** (pat_store_tokens_by_digest, made by schema.sql) leaves last_used_at out.
** The older index goes here where SQLite lets it: it drops no index while
** another statement of the connection reads (an UPDATE of a pat table is
** one), and then the next bookkeeping write drops it, on its own
** connection (PAT_STMT_DROP_OLD_INDEX). */
/* Version 6 puts the allow-list in the digest index, under a new name
** (pat_store_tokens_lookup); version 5's goes the same way. */
static const char *const old_indexes[] = {
    "DROP INDEX IF EXISTS main.pat_store_tokens_digest",
    "DROP INDEX IF EXISTS main.pat_store_tokens_by_digest",
};
/* Version 5 also remembers retired values (pat_store_retired) and rotation
** graces: three columns of the token table (run_schema adds them), and a
** delete trigger that retires the values and tells a revocation from a
** delete, which keeps its name. */
/* Version 6 adds the client context: four columns (run_schema adds them),
** the tables of addresses and notices (schema.sql), and token triggers
** that know the new columns and tables, which keep their names. */
static const char upgrade_v2_to_v5_tokens[] =
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_deleted;"
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_create_kept;"
    "DROP TRIGGER IF EXISTS main.pat_store_tokens_updated;";

static const char upgrade_done[] =
    "UPDATE main.pat_store_meta SET value = random() WHERE key = 'policy_version';"
    "UPDATE main.pat_store_meta SET value = " PAT_STR(PAT_SCHEMA_VERSION)
    " WHERE key = 'schema_version';";

/* Names each token's rights by their hash (pat_rights_hash), which SQL can
** not compute. */
static int fill_rights_hash(pat_conn *c, pat_err *e) {
  sqlite3_stmt *rd;
  int r = pat_store_query(c, PAT_DB_MAIN, PAT_STMT_UNHASHED_RIGHTS, NULL, 0, &rd, e);
  while (r > 0) {
    const char *json = (const char *)sqlite3_column_text(rd, 1);
    int64_t hash = pat_rights_hash(json ? json : "", (size_t)sqlite3_column_bytes(rd, 1));
    if (pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_SET_RIGHTS_HASH,
                       PAT_ARGS(PAT_INT(sqlite3_column_int64(rd, 0)), PAT_INT(hash)), e) != 0)
      r = -1;
    else if ((r = sqlite3_step(rd)) == SQLITE_ROW)
      r = 1;
    else if (r == SQLITE_DONE)
      r = 0;
    else
      r = pat_fail(e, "%s", sqlite3_errmsg(c->db));
  }
  if (rd != NULL) pat_store_done(rd);
  return r;
}

/* The older digest indexes go where they can (old_indexes): SQLite's
** refusal while another statement reads (SQLITE_LOCKED) undoes that one
** statement alone. 0, or -1 with e for any other failure. */
static int run_index_drop(pat_conn *c, pat_err *e) {
  for (size_t i = 0; i < sizeof old_indexes / sizeof old_indexes[0]; i++) {
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, old_indexes[i], NULL, NULL, &msg);
    if (rc != SQLITE_OK && rc != SQLITE_LOCKED)
      pat_fail(e, "%s", msg ? msg : sqlite3_errmsg(c->db));
    sqlite3_free(msg);
    if (rc != SQLITE_OK && rc != SQLITE_LOCKED) return -1;
  }
  return 0;
}

/* Brings an older store up to this version in one write of its own, the
** first time this pat opens it. */
static int upgrade(pat_conn *c, int version, pat_err *e) {
  int began = pat_store_begin(c), now = 0;
  pat_err why = {0};
  /* Another connection may have upgraded it while this one waited for the
  ** write lock: look again, under it. */
  c->writing++;
  int ok = began != PAT_BEGAN_FAILED && read_version(c, &now, e) == 0;
  if (began == PAT_BEGAN_FAILED) pat_fail(&why, "%s", sqlite3_errmsg(c->db));
  if (ok && now >= 1 && now < PAT_SCHEMA_VERSION) {
    ok = (now != 1 || run_script(c->db, upgrade_v1_before, &why) == 0) &&
         (now > 2 || run_script(c->db, upgrade_v2_before, &why) == 0) &&
         run_index_drop(c, &why) == 0 &&
         (now < 2 || run_script(c->db, upgrade_v2_to_v5_tokens, &why) == 0) &&
         run_schema(c, PAT_DB_MAIN, &why) == 0 &&
         (now != 1 || (run_script(c->db, upgrade_v1_after, &why) == 0 &&
                       fill_rights_hash(c, &why) == 0)) &&
         run_script(c->db, upgrade_done, &why) == 0;
    /* Refused (SQLITE_LOCKED) while another statement reads; the failed
    ** statement undoes itself without disturbing that one. */
    if (ok && now == 1)
      sqlite3_exec(c->db, "DROP TABLE main.pat_store_tokens_v1", NULL, NULL, NULL);
  } else if (ok && now != PAT_SCHEMA_VERSION) {
    ok = 0;
  }
  c->writing--;
  /* read_version's own error, when it failed; else what failed here. */
  if (!ok && why.msg[0] == '\0') snprintf(why.msg, sizeof why.msg, "%s", e->msg);
  pat_err end = {0};
  if (pat_store_end(c, began, ok, &end) != 0 || !ok) {
    pat_fail(e, "can not upgrade the store from schema version %d to %d: %s",
             version, PAT_SCHEMA_VERSION, ok ? end.msg : why.msg);
    c->store_version = 0;
    return -1;
  }
  c->store_version = PAT_SCHEMA_VERSION;
  return PAT_DB_MAIN;
}

int pat_store_open(pat_conn *c, pat_err *e) {
  if (c->store_version >= PAT_SCHEMA_READS_FROM) return PAT_DB_MAIN;
  int version = 0;
  if (read_version(c, &version, e) != 0) return -1;
  if (version > PAT_SCHEMA_VERSION) {
    pat_fail(e, "the store has schema version %d, newer than this pat "
             "(%s, version %d): upgrade pat", version, PAT_VERSION, PAT_SCHEMA_VERSION);
    return -1;
  }
  if (version >= PAT_SCHEMA_READS_FROM) {
    c->store_version = version;
    return PAT_DB_MAIN;
  }
  if (version > 0) return upgrade(c, version, e);
  /* No store yet, or one half-made: reads see the defaults until a write
  ** (re)runs the schema. */
  if (open_defaults(c, e) != 0) return -1;
  return PAT_DB_DEFAULTS;
}

int pat_store_gone(pat_conn *c) {
  pat_err e = {0};
  if (!c->store_missing) return 0;
  c->store_missing = 0;
  c->store_version = 0;
  return pat_store_open(c, &e) == PAT_DB_DEFAULTS;
}

int pat_store_validate(pat_conn *c, pat_err *e) {
  if (c->store_version >= PAT_SCHEMA_READS_FROM) {
    char buf[16];
    /* One cheap cached read notices a vanished store or a schema change. */
    pat_err why;
    int r = pat_setting(c, PAT_DB_MAIN, "audit", buf, sizeof buf, &why);
    if (r < 0 && !c->store_missing) return pat_fail(e, "can not read the store: %s", why.msg);
    if (r < 0 || pat_store_recheck(c, PAT_STMT_SETTING, e) != 0)
      c->store_version = 0;
  }
  return pat_store_open(c, e);
}

int pat_store_ensure(pat_conn *c, int *made, pat_err *e) {
  int which = pat_store_open(c, e);
  if (made != NULL) *made = 0;
  if (which < 0) return -1;
  /* A store this pat reads as it is gets its upgrade with the first write. */
  if (which == PAT_DB_MAIN)
    return c->store_version >= PAT_SCHEMA_VERSION || upgrade(c, c->store_version, e) >= 0 ? 0
                                                                                      : -1;
  pat_err why;
  c->writing++;
  /* The store remembers which key made it (by fingerprint), in the same
  ** transaction as the rest of it. */
  int ok = run_schema(c, PAT_DB_MAIN, &why) == 0 &&
           pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_STORE_KEY_FINGERPRINT,
                          PAT_ARGS(PAT_TEXT(c->key_fp)), &why) == 0;
  c->writing--;
  if (!ok) {
    pat_note_failure(c, sqlite3_errcode(c->db));
    return pat_fail(e, "can not create the store: %s", why.msg);
  }
  c->store_version = PAT_SCHEMA_VERSION;
  if (made != NULL) *made = 1;
  return 0;
}

sqlite3_stmt *pat_store_stmt(pat_conn *c, int which, pat_stmt_id id, pat_err *e) {
  sqlite3_stmt **slot = &c->stmt[which][id];
  if (*slot != NULL) {
    /* Kept past a disconnect of the anchor that could not release them (a
    ** close attempted while a statement ran, conn.c): anchored again. */
    if (which == PAT_DB_MAIN && c->anchored == 0 && pat_conn_anchor(c) != 0) {
      pat_fail(e, "can not connect " PAT_ANCHOR_NAME ": %s", sqlite3_errmsg(c->db));
      return NULL;
    }
    return *slot;
  }
  if (which == PAT_DB_MAIN) {
    /* A re-prepare from here on (a schema change) prompts another look at
    ** the schema (pat_store_recheck); a change before it, which the new
    ** statement will never notice, is looked for now. */
    if (pat_guard_schema(c, 0, e) != 0) return NULL;
    if (pat_conn_prepare_main(c, stmt_sql[id], slot, e) != 0) return NULL;
    c->reprepares[id] = sqlite3_stmt_status(*slot, SQLITE_STMTSTATUS_REPREPARE, 0);
    return *slot;
  }
  sqlite3 *db = pat_store_db(c, which);
  if (db == NULL) {
    pat_fail(e, "no store to read");
    return NULL;
  }
  if (sqlite3_prepare_v3(db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, slot,
                         NULL) != SQLITE_OK) {
    pat_fail(e, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(*slot);
    *slot = NULL;
    return NULL;
  }
  return *slot;
}

static int bind_args(sqlite3_stmt *st, const pat_arg *args, int n) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < n; i++) {
    const pat_arg *a = &args[i];
    rc = a->kind == 'i'   ? sqlite3_bind_int64(st, i + 1, a->num)
         : a->kind == 't' ? sqlite3_bind_text(st, i + 1, a->text, -1, SQLITE_STATIC)
         : a->kind == 'b' ? sqlite3_bind_blob(st, i + 1, a->text, (int)a->num, SQLITE_STATIC)
         : a->v != NULL   ? sqlite3_bind_value(st, i + 1, a->v)
                          : sqlite3_bind_null(st, i + 1);
  }
  return rc;
}

void pat_store_done(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

int pat_store_query(pat_conn *c, int which, pat_stmt_id id, const pat_arg *args, int n,
                    sqlite3_stmt **row, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, which, id, e);
  *row = NULL;
  if (st == NULL) return -1;
  int rc = bind_args(st, args, n);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *row = st;
    return 1;
  }
  if (rc != SQLITE_DONE) {
    pat_fail(e, "%s", pat_db_reason(pat_store_db(c, which), rc));
    /* The second connection's failures touch no transaction of the
    ** application's. */
    if (which != PAT_DB_AUX) pat_note_failure(c, rc);
  }
  pat_store_done(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

int pat_store_exec(pat_conn *c, int which, pat_stmt_id id, const pat_arg *args, int n,
                   pat_err *e) {
  sqlite3_stmt *row;
  int r = pat_store_query(c, which, id, args, n, &row, e);
  if (r > 0) pat_store_done(row);
  return r < 0 ? -1 : 0;
}

int pat_store_recheck(pat_conn *c, pat_stmt_id id, pat_err *e) {
  sqlite3_stmt *st = c->stmt[PAT_DB_MAIN][id];
  if (st == NULL) return 0;
  int now = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 0);
  if (now == c->reprepares[id]) return 0;
  /* The schema changed since the last look: look again, at everything. */
  c->reprepares[id] = now;
  c->store_version = 0;
  if (pat_guard_scan(c, e) != 0) return -1;
  return pat_store_open(c, e) == PAT_DB_MAIN ? 0 : -1;
}

int pat_store_time_arg(pat_conn *c, sqlite3_value *v, const char *what, int64_t *out,
                       pat_err *e) {
  sqlite3_stmt *parser = NULL;
  if (sqlite3_value_type(v) == SQLITE_TEXT &&
      (parser = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_PARSE_TIME, e)) == NULL)
    return -1;
  return pat_time_arg(parser, v, what, out, e);
}

/* A copy of a setting's value (NULL for a missing key): 0, or -1 with e. */
static int setting_value(pat_conn *c, int which, const char *key, sqlite3_value **out,
                         pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_SETTING, e);
  *out = NULL;
  if (st == NULL) return -1;
  int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && (*out = sqlite3_value_dup(sqlite3_column_value(st, 0))) == NULL)
    rc = SQLITE_NOMEM;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    pat_fail(e, "%s",
             rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(pat_store_db(c, which)));
    if (which == PAT_DB_MAIN) pat_store_failed(c, rc);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int pat_setting(pat_conn *c, int which, const char *key, char *buf, size_t n, pat_err *e) {
  sqlite3_value *v;
  if (setting_value(c, which, key, &v, e) != 0) return -1;
  const unsigned char *text = v ? sqlite3_value_text(v) : NULL;
  if (text != NULL) snprintf(buf, n, "%s", (const char *)text);
  sqlite3_value_free(v);
  return text != NULL ? 0 : 1;
}

int pat_setting_int(pat_conn *c, int which, const char *key, int64_t *out,
                    int *is_null, pat_err *e) {
  sqlite3_value *v;
  if (setting_value(c, which, key, &v, e) != 0) return -1;
  *is_null = v == NULL || sqlite3_value_type(v) == SQLITE_NULL;
  *out = v ? sqlite3_value_int64(v) : 0;
  sqlite3_value_free(v);
  return 0;
}

/* Steps one of the statements that open and end pat's writes. 0, or -1
** (the callers report the connection's own message). */
static int txn_step(pat_conn *c, pat_stmt_id id) {
  pat_err e;
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, id, &e);
  if (st == NULL) return -1;
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) pat_note_failure(c, rc);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The undo of a write is prepared before the write begins. After a failed
** allocation SQLite refuses every prepare while the caller's statement runs
** (db->mallocFailed stays set), so an undo prepared only then could not
** run, and pat's transaction would stay open under the application. */
static int txn_ready(pat_conn *c, int savepoint) {
  pat_err e;
  static const pat_stmt_id need[2][3] = {
      {PAT_STMT_BEGIN, PAT_STMT_COMMIT, PAT_STMT_ROLLBACK},
      {PAT_STMT_SAVEPOINT, PAT_STMT_RELEASE, PAT_STMT_ROLLBACK_TO}};
  for (int i = 0; i < 3; i++)
    if (pat_store_stmt(c, PAT_DB_MAIN, need[savepoint][i], &e) == NULL) return -1;
  /* The last resort of either. */
  return pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_ROLLBACK, &e) != NULL ? 0 : -1;
}

int pat_store_undo_again(pat_conn *c, pat_err *e) {
  /* Making the store's indexes expires every statement of the connection,
  ** and an expired statement is prepared again when stepped: which needs
  ** memory. So after the DDL the undo is prepared anew, while it can be. */
  static const pat_stmt_id undo[] = {PAT_STMT_COMMIT, PAT_STMT_ROLLBACK, PAT_STMT_RELEASE,
                                     PAT_STMT_ROLLBACK_TO};
  for (size_t i = 0; i < sizeof undo / sizeof undo[0]; i++) {
    sqlite3_finalize(c->stmt[PAT_DB_MAIN][undo[i]]);
    c->stmt[PAT_DB_MAIN][undo[i]] = NULL;
    if (pat_store_stmt(c, PAT_DB_MAIN, undo[i], e) == NULL) return -1;
  }
  return 0;
}

int pat_store_begin(pat_conn *c) {
  if (sqlite3_get_autocommit(c->db)) {
    /* No transaction of the application's. When no writing statement runs
    ** either, take the write lock first, through the busy handler: reading
    ** the schema before writing would make the write an upgrade, which
    ** SQLite refuses at once under contention. */
    if (!pat_nested_autocommit_write(c)) return PAT_BEGAN_NONE;
    if (txn_ready(c, 0) != 0) return PAT_BEGAN_FAILED;
    return txn_step(c, PAT_STMT_BEGIN) == 0 ? PAT_BEGAN_TXN : PAT_BEGAN_FAILED;
  }
  /* Inside the application's transaction: a savepoint undoes just ours.
  ** SQLite refuses one while the caller's statement writes; that
  ** statement's own transaction covers ours then. */
  if (pat_nested_write_runs(c)) return PAT_BEGAN_NONE;
  if (txn_ready(c, 1) != 0) return PAT_BEGAN_FAILED;
  return txn_step(c, PAT_STMT_SAVEPOINT) == 0 ? PAT_BEGAN_SAVEPOINT : PAT_BEGAN_FAILED;
}

int pat_store_end(pat_conn *c, int began, int ok, pat_err *e) {
  if (began == PAT_BEGAN_FAILED) {
    pat_fail(e, "can not write: %s", sqlite3_errmsg(c->db));
    c->store_version = 0;
    return -1;
  }
  if (ok && began == PAT_BEGAN_NONE) return 0;
  /* A store made inside the failed write is rolled back with it (here, or
  ** by the caller's statement): look again next time. */
  c->store_version = 0;
  if (began == PAT_BEGAN_NONE) return -1;
  if (ok) {
    if (txn_step(c, began == PAT_BEGAN_TXN ? PAT_STMT_COMMIT : PAT_STMT_RELEASE) == 0) {
      c->store_version = PAT_SCHEMA_VERSION;
      return 0;
    }
    pat_fail(e, "can not commit: %s", sqlite3_errmsg(c->db));
  }
  /* Failed, or the commit did not go through (busy): undo, and leave no
  ** transaction behind that the application did not open. */
  int undone = began == PAT_BEGAN_TXN
                   ? txn_step(c, PAT_STMT_ROLLBACK) == 0
                   : txn_step(c, PAT_STMT_ROLLBACK_TO) == 0 &&
                         txn_step(c, PAT_STMT_RELEASE) == 0;
  if (!undone && began == PAT_BEGAN_SAVEPOINT) undone = txn_step(c, PAT_STMT_ROLLBACK) == 0;
  if (!undone || (began == PAT_BEGAN_TXN && !sqlite3_get_autocommit(c->db)))
    pat_fail_more(e, "%scould not undo its write: %s", e->msg[0] ? "; " : "",
                  sqlite3_errmsg(c->db));
  return -1;
}

static int64_t clamp_time(int64_t t) {
  return t < PAT_TIME_MIN ? PAT_TIME_MIN : t > PAT_TIME_MAX ? PAT_TIME_MAX : t;
}

int pat_token_get(pat_conn *c, int64_t id, pat_token_row *row, pat_err *e) {
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_TOKEN_BY_ID, e);
  if (st == NULL) return -1;
  int rc = sqlite3_bind_int64(st, 1, id), found = -1;
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(row->owner, sizeof row->owner, "%s", (const char *)sqlite3_column_text(st, 0));
    /* Within the range pat writes, whatever the file holds: a change's
    ** arithmetic on them must not overflow. */
    row->valid_from = clamp_time(sqlite3_column_int64(st, 1));
    row->valid_to = clamp_time(sqlite3_column_int64(st, 2));
    found = 1;
  } else if (rc == SQLITE_DONE) {
    found = 0;
  } else {
    pat_fail(e, "%s", sqlite3_errmsg(c->db));
    pat_store_failed(c, rc);
  }
  sqlite3_reset(st);
  return found;
}
