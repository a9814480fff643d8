/*
** store.h: layer 4, pat's store on the application's database: the
** connection's state (conn.c), the look at the schema before pat acts
** (guard.c), and the store's tables, statements and transactions (store.c).
*/
#ifndef PAT_STORE_H
#define PAT_STORE_H

#include "values.h"

/* Statements the store prepares once per connection. */
typedef enum pat_stmt_id {
  PAT_STMT_VERIFY,
  PAT_STMT_VERIFY_V5,
  PAT_STMT_VERIFY_OLD,
  PAT_STMT_RIGHTS,
  PAT_STMT_HAS_RIGHT,
  PAT_STMT_HAS_RIGHT_V5,
  PAT_STMT_HAS_RIGHT_OLD,
  /* Client context (checks.c, lifecycle.c, vtab_notices.c). */
  PAT_STMT_IDLE_SINCE,
  PAT_STMT_OWNER_TOKENS,
  PAT_STMT_OWNER_INDEX,
  PAT_STMT_NOTICE_ACK,
  PAT_STMT_JSON_TYPE,
  PAT_STMT_JSON_KEYED_ITEMS,
  PAT_STMT_SETTING,
  PAT_STMT_OWNER_ROLE,
  PAT_STMT_INSERT_TOKEN,
  PAT_STMT_INSERT_TOKEN_AT,
  PAT_STMT_ROTATE_TOKEN,
  PAT_STMT_TOKEN_BY_ID,
  /* The tables' writes (vtab_*.c) and what they check first. */
  PAT_STMT_TOKEN_UPDATE,
  PAT_STMT_TOKEN_DELETE,
  PAT_STMT_RIGHT_HELD,
  PAT_STMT_RIGHT_EXISTS,
  PAT_STMT_RIGHT_INSERT,
  PAT_STMT_RIGHT_UPDATE,
  PAT_STMT_RIGHT_DELETE,
  PAT_STMT_ROLE_EXISTS,
  PAT_STMT_ROLE_GRANT_KNOWN,
  PAT_STMT_ROLE_INSERT,
  PAT_STMT_ROLE_DELETE,
  PAT_STMT_OWNER_ROW,
  PAT_STMT_OWNER_LISTED,
  PAT_STMT_OWNER_INSERT,
  PAT_STMT_OWNER_UPDATE,
  PAT_STMT_OWNER_DELETE,
  PAT_STMT_SETTING_KEY,
  PAT_STMT_SETTING_UPDATE,
  /* pat_rekey (key.c), in its own write. */
  PAT_STMT_KEY_FINGERPRINT,
  PAT_STMT_KEY_SET_FINGERPRINT,
  PAT_STMT_KEY_NEW_VERSION,
  PAT_STMT_POLICY_VERSION,
  PAT_STMT_POLICY_SETTINGS,
  PAT_STMT_POLICY_RIGHTS,
  PAT_STMT_POLICY_ROLES,
  PAT_STMT_POLICY_META,
  /* Making, reading and upgrading the store itself (store.c). */
  PAT_STMT_STORE_EXISTS,
  PAT_STMT_STORE_VERSION,
  PAT_STMT_STORE_KEY_FINGERPRINT,
  PAT_STMT_SETTING_DEFAULT,
  PAT_STMT_SCHEMA_VERSION_ROW,
  PAT_STMT_UNHASHED_RIGHTS,
  PAT_STMT_SET_RIGHTS_HASH,
  /* The bookkeeping (bookkeeping.c): on main in memory, else on aux. */
  PAT_STMT_BOOK_USE,
  PAT_STMT_BOOK_TOUCH,
  PAT_STMT_BOOK_ADDRESS,
  PAT_STMT_BOOK_ADDRESS_TRIM,
  PAT_STMT_USES_COUNT,
  PAT_STMT_USES_ADD,
  PAT_STMT_USES_RECOUNT,
  PAT_STMT_PAGE_COUNT,
  PAT_STMT_FOLD_FROM,
  PAT_STMT_FOLD_END,
  PAT_STMT_FOLD_ROWS,
  PAT_STMT_FOLD_DELETE,
  PAT_STMT_FOLD_SET_FROM,
  PAT_STMT_DROP_OLD_INDEX,
  PAT_STMT_DROP_V5_INDEX,
  PAT_STMT_RETIRED_DELETE,
  PAT_STMT_TOKENS_COLUMN,
  PAT_STMT_JSON_ARRAY_LENGTH,
  PAT_STMT_JSON_ITEMS,
  PAT_STMT_REVOKE_FIND,
  PAT_STMT_REVOKE_MARK,
  PAT_STMT_GRACE_END_RETIRED,
  PAT_STMT_GRACE_END,
  PAT_STMT_BOOK_EVENT,
  PAT_STMT_BOOK_RETIRED_SEEN,
  PAT_STMT_BOOK_RETIRED_EVENT,
  PAT_STMT_QUERY_ONLY,
  PAT_STMT_PARSE_TIME,
  PAT_STMT_AUX_SYNCHRONOUS,
  PAT_STMT_AUX_NO_CHECKPOINT,
  PAT_STMT_JOURNAL_MODE,
  /* What opens and ends pat's own writes (pat_store_begin and _end): all
  ** prepared before anything is written, so an undo never needs memory. */
  PAT_STMT_BEGIN,
  PAT_STMT_COMMIT,
  PAT_STMT_ROLLBACK,
  PAT_STMT_SAVEPOINT,
  PAT_STMT_RELEASE,
  PAT_STMT_ROLLBACK_TO,
  PAT_STMT_COUNT
} pat_stmt_id;

/* Which value a check's lookup found (its kind column, store.c): the
** token's current value, its old value in a rotation grace, a retired value,
** or none. */
#define PAT_LOOK_CURRENT 0
#define PAT_LOOK_GRACE 1
#define PAT_LOOK_RETIRED 2
#define PAT_LOOK_NONE 3

/* Where a statement runs: the application's database, the private
** in-memory copy of a new store that answers reads before the store exists,
** or pat's own second connection to main's file, open only while the
** bookkeeping writes through it (pat_conn_aux_open). */
enum { PAT_DB_MAIN = 0, PAT_DB_DEFAULTS = 1, PAT_DB_AUX = 2, PAT_DB_COUNT };

typedef struct pat_book pat_book;     /* bookkeeping.c, layer 5 */
typedef struct pat_policy pat_policy; /* policy.c, layer 5 */
typedef struct pat_conn pat_conn;

/* What the layers above the store are told (pat_upper.event). */
enum {
  PAT_UPPER_RELEASE,  /* the statements on main go (the connection closes) */
  PAT_UPPER_FORGET,   /* the key changed: what was read under it is not known */
  PAT_UPPER_DISCARD,  /* main's file is being replaced: drop what was held
                      ** for the old one (before RELEASE) */
  PAT_UPPER_REOPENED, /* main's file was replaced (sqlite3_deserialize): its
                      ** tables are made again too; 0, or -1 */
  PAT_UPPER_FREE      /* the connection's state goes */
};

/* The layers above, as the store reaches them without naming them: given
** once, by the entry point (pat.c). */
typedef struct pat_upper {
  int (*event)(pat_conn *c, int event);
  /* The names that no object stored in a database file may call (pat's
  ** functions but pat_version and pat_debug), and those no object may take
  ** (pat's tables): the i-th, or NULL past the last. */
  const char *(*function_name)(int i);
  const char *(*table_name)(int i);
} pat_upper;

/* Per-connection state: user data of every function and module. */
struct pat_conn {
  sqlite3 *db;        /* the application's connection */
  const pat_upper *upper;
  sqlite3 *defaults;  /* private :memory: store with the defaults */
  sqlite3 *aux;        /* the second connection, while open */
  sqlite3_stmt *stmt[PAT_DB_COUNT][PAT_STMT_COUNT];
  int reprepares[PAT_STMT_COUNT]; /* to notice schema changes on main */
  int store_version;  /* of main; 0 while unknown or absent */
  int anchored;       /* pat_anchor is connected on db (conn.c) */
  int anchoring;      /* the one statement that may use pat_anchor is prepared */
  int refs;           /* registrations holding this struct */
  pat_book *book;     /* what checks write on the side, lazily made */
  unsigned char key[PAT_KEY_MAX]; /* the pepper, when keylen > 0; wiped */
  size_t keylen;
  char key_fp[PAT_FINGERPRINT_HEX + 1]; /* its fingerprint, "" without */
  sqlite3_vfs *vfs;   /* main's, for the clock */
  unsigned char digest[PAT_DIGEST_LEN]; /* a check's, bound from here; wiped */
  pat_policy *policy;          /* settings, catalog, roles of main */
  pat_policy *policy_defaults; /* and of the defaults */
  /* The id the next pat_create takes, while nothing else wrote since the
  ** last one (total changes and data version as then); 0 when unknown. */
  sqlite3_int64 next_id, next_id_changes;
  unsigned int next_id_dv;
  /* guard.c */
  int writing;              /* depth of pat's own writes in progress */
  int schema_state;         /* PAT_SCHEMA_*: the last look at the schema */
  int ndb;                  /* databases of the connection then */
  sqlite3_file *file;       /* main's file then (a deserialize changes it) */
  sqlite3_stmt *sentinel;   /* re-prepared by SQLite when a schema changes */
  int sentinel_reprepares;
  char refusal[PAT_ERRMAX]; /* why, while schema_state is PAT_SCHEMA_REFUSED */
  /* Why pat's last write on main failed, when SQLite gave up on the whole
  ** transaction for it (SQLITE_FULL, _IOERR, _NOMEM); else SQLITE_OK. */
  int fail_code;
  /* The last failed read or write of the store said its tables are gone
  ** (an application's ROLLBACK took back the transaction that made it),
  ** not that the read failed (I/O, memory): only then is it made anew. */
  int store_missing;
};

enum { PAT_SCHEMA_UNKNOWN, PAT_SCHEMA_CLEAN, PAT_SCHEMA_REFUSED };

#define PAT_SCHEMA_VERSION 6
/* The first version that records uses in pat_store_uses (bookkeeping.c,
** pat_tokens). */
#define PAT_SCHEMA_USES 5
/* The first version with the client context (INTERFACE.md): allow-lists,
** descriptions, the addresses of uses, notices. */
#define PAT_SCHEMA_CLIENT 6
/* The addresses of uses kept per token, latest first (last_used_ips). */
#define PAT_ADDRESSES_KEPT 5

/* SQL over the token row `t` (an alias of main.pat_store_tokens), shared by
** the check (store.c) and the tables that show it (vtab_tokens.c,
** vtab_notices.c). Its last use: the latest of what was folded into the row
** and the uses recorded since for the token as it is (sql/schema.sql,
** pat_store_uses); a time stored as anything but a number stays as it is. */
#define PAT_SQL_LAST_USED(t)                                                      \
  "coalesce((SELECT max(u.at) FROM main.pat_store_uses AS u WHERE u.token_id = " t \
  ".id AND u.valid_from = " t ".valid_from AND (" t ".last_used_at IS NULL OR u.at > " t \
  ".last_used_at)), " t ".last_used_at)"
/* When its idleness counts from (INTERFACE.md, max_idle): the latest of its
** valid_from, its last rotation and its last use. */
#define PAT_SQL_IDLE_SINCE(t)                                                     \
  "max(" t ".valid_from, coalesce(" t ".rotated_at, " t ".valid_from), coalesce(" \
  PAT_SQL_LAST_USED(t) ", " t ".valid_from))"
/* The setting notice_before, a positive integer (else NULL: no notices). */
#define PAT_SQL_NOTICE_BEFORE                                                     \
  "(SELECT value FROM main.pat_store_settings WHERE key = 'notice_before'"        \
  " AND typeof(value) = 'integer' AND value >= 1)"

/* The notices (INTERFACE.md, pat_notices), as of now (s.now), each a row
** _rowid (token id * 4 + the kind's number), token_id, owner, name, kind,
** due_at, from the token rows `t` that `from` gives: one not acknowledged
** in pat_store_notices, whose due time falls within notice_before (s.nb) of
** now: still to come for `expiring`, past for `expired`, either for `idle`
** (the moment max_idle is reached, before the window ends). */
/* `only` narrows each arm: "" for every token, or a condition on t.id (the
** acknowledgement's, which looks at its one token by rowid: a DELETE of
** many rows is not a scan of every token per row). */
#define PAT_SQL_NOTICE_ARM(kind, number, due, from, cond, only)                   \
  "SELECT t.id * 4 + " #number " AS _rowid, t.id AS token_id, t.owner, t.name,"   \
  " '" kind "' AS kind, datetime(" due ", 'unixepoch') AS due_at FROM " from " AS t," \
  " (SELECT unixepoch('now') AS now, " PAT_SQL_NOTICE_BEFORE " AS nb) AS s"       \
  " WHERE " cond only " AND NOT EXISTS (SELECT 1 FROM main.pat_store_notices AS n" \
  " WHERE n.token_id = t.id AND n.kind = '" kind "' AND n.due_at = " due ")"
#define PAT_SQL_NOTICES_OF(only)                                                  \
  PAT_SQL_NOTICE_ARM("expiring", 1, "t.valid_to", "main.pat_store_tokens",        \
                     "t.valid_to > s.now AND t.valid_to <= s.now + s.nb", only)   \
  " UNION ALL "                                                                   \
  PAT_SQL_NOTICE_ARM("expired", 2, "t.valid_to", "main.pat_store_tokens",         \
                     "t.valid_to <= s.now AND t.valid_to > s.now - s.nb", only)   \
  " UNION ALL "                                                                   \
  PAT_SQL_NOTICE_ARM("idle", 3, "t.idle_at",                                      \
                     "(SELECT t.*, " PAT_SQL_IDLE_SINCE("t") " + " PAT_SQL_MAX_IDLE \
                     " AS idle_at FROM main.pat_store_tokens AS t)",              \
                     "t.idle_at < t.valid_to AND t.valid_to > s.now AND t.idle_at >= s.now - s.nb"       \
                     " AND t.idle_at <= s.now + s.nb", only)
#define PAT_SQL_NOTICES PAT_SQL_NOTICES_OF("")
/* The setting max_idle when it is on (a positive integer), else NULL. */
#define PAT_SQL_MAX_IDLE                                                          \
  "(SELECT value FROM main.pat_store_settings WHERE key = 'max_idle'"             \
  " AND typeof(value) = 'integer' AND value >= 1)"
/* The oldest version this pat reads as it is: a store from it is upgraded
** by the first write of a pat table, never by a check or a read (which may
** not wait for the write lock, nor write at all: read-only, query_only). */
#define PAT_SCHEMA_READS_FROM 3


/* ---- conn.c */

pat_conn *pat_conn_new(sqlite3 *db, const pat_upper *upper);
/* Drops a reference (the destructor SQLite calls for each registration). */
void pat_conn_unref(void *p);
/* Frees every statement cached on main (they would keep it from closing). */
void pat_conn_release(pat_conn *c);
/* main's file changed under the connection (sqlite3_deserialize, a
** restore that reopened it): forget everything read from the old one, and
** have the layers above do the same. 0, or -1 when they could not. */
int pat_conn_reopened(pat_conn *c);
/* main's file object: another one after sqlite3_deserialize replaced it. */
sqlite3_file *pat_conn_main_file(pat_conn *c);
/* Opens the second connection to main's file (through main's VFS, no busy
** handler: a write that can not have the lock at once is not made). 0, or
** -1 with e. */
int pat_conn_aux_open(pat_conn *c, pat_err *e);
/* Closes it with its statements (kept open on a WAL file, it would hold the
** file's shared lock between calls). */
void pat_conn_aux_close(pat_conn *c);
/* Sets (or with keylen 0 clears) the connection's key. 0, or -1. */
int pat_conn_set_key(pat_conn *c, const unsigned char *key, size_t keylen);
/* The hidden table the cached statements hang on (see conn.c). */
#define PAT_ANCHOR_NAME "pat_anchor"
int pat_anchor_register(sqlite3 *db, pat_conn *c);
/* Connects it, unless it is: 0, or -1. */
int pat_conn_anchor(pat_conn *c);
/* Prepares a statement on main that pat keeps (anchored: see conn.c).
** 0, or -1 with e. */
int pat_conn_prepare_main(pat_conn *c, const char *sql, sqlite3_stmt **st, pat_err *e);

/* Whether the connection's key is the one the store was made with, given
** the store's fingerprint (NULL: made without a key). 0, or -1 and err. */
int pat_key_matches(pat_conn *c, const char *store_fp, pat_err *e);
/* The digest of a token under the connection's key. */
int pat_conn_digest(pat_conn *c, unsigned char out[PAT_DIGEST_LEN], const char *tok,
                    size_t n);
/* Reads PAT_KEY (hex) from the environment at load time. 0, or -1. */
int pat_key_from_env(pat_conn *c);
/* 1 when main's VFS is the operating system's (unix, unix-excl, ...). */
int pat_vfs_is_os(pat_conn *c);
/* 1 when main lives in this connection's memory (":memory:", a temporary
** database, or sqlite3_deserialize's memdb): nobody else reads or writes it. */
int pat_vfs_is_memory(pat_conn *c);
/* main's data version (PRAGMA data_version, without a statement): moves
** when another connection commits, as seen by this one's latest read. 0, or
** -1 when it can not be read. */
int pat_data_version(pat_conn *c, unsigned int *dv);
const char *pat_vfs_name(pat_conn *c);
/* 1 when a write now would commit by itself inside the caller's read-only
** statement in autocommit (SELECT pat_create(...)). */
int pat_nested_autocommit_write(pat_conn *c);
/* 1 while a statement of the connection that writes is running (the
** caller's INSERT ... SELECT pat_create(...), or a write to a pat table). */
int pat_nested_write_runs(pat_conn *c);
/* After a statement of pat's on main failed with rc: notes whether the
** store is gone (store_missing) and a code SQLite acts on (fail_code). */
void pat_store_failed(pat_conn *c, int rc);
/* Notes the code of a failed write of pat's on main (see fail_code). */
void pat_note_failure(pat_conn *c, int rc);

/* ---- store.c */

/* Which store answers reads: PAT_DB_MAIN when the application's database
** holds one, else PAT_DB_DEFAULTS. -1 with err when pat refuses to work
** (a public name shadowed, a store from a newer pat). */
int pat_store_open(pat_conn *c, pat_err *e);
/* pat_store_open for calls off the hot path: first makes sure a store seen
** before is still there and not shadowed since. */
int pat_store_validate(pat_conn *c, pat_err *e);
/* After a failed statement on main (pat_store_failed): 1 when the store is
** simply gone (an application's ROLLBACK took back the transaction that
** made it), so the caller answers as for no store; 0 when the failure is
** real (an I/O error, no memory: SQLite may have rolled back the
** application's transaction, and nothing may be written after it). */
int pat_store_gone(pat_conn *c);
/* Makes sure main holds a current store (creating or upgrading it); *made
** (when not NULL) says whether this call made it. */
int pat_store_ensure(pat_conn *c, int *made, pat_err *e);
sqlite3 *pat_store_db(pat_conn *c, int which);
/* A setting read as it stands in main's store, without making, upgrading or
** checking anything (pat_debug runs from anywhere); the defaults' when main
** holds no store. As pat_setting. */
int pat_store_peek_setting(pat_conn *c, const char *key, char *buf, size_t n);
/* The cached statement, prepared on first use; reset it after use. NULL
** with e (a shadowing object, SQLite's message). */
sqlite3_stmt *pat_store_stmt(pat_conn *c, int which, pat_stmt_id id, pat_err *e);
/* A value for a statement's next parameter (pat_store_query, _exec). */
typedef struct pat_arg {
  char kind; /* 'v' a value (NULL binds NULL), 't' a text, 'i' an integer,
             ** 'b' a blob of num bytes at text */
  sqlite3_value *v;
  const char *text;
  int64_t num;
} pat_arg;
#define PAT_VALUE(x) ((pat_arg){.kind = 'v', .v = (x)})
#define PAT_TEXT(x) ((pat_arg){.kind = 't', .text = (x)})
#define PAT_INT(x) ((pat_arg){.kind = 'i', .num = (x)})
#define PAT_BLOB(p, n) ((pat_arg){.kind = 'b', .text = (const char *)(p), .num = (n)})
/* The arguments of pat_store_query and _exec from a list of PAT_VALUE,
** PAT_TEXT, PAT_INT and PAT_BLOB: bound to ?1, ?2, ... in order. */
#define PAT_ARGS(...) \
  (const pat_arg[]){__VA_ARGS__}, (int)(sizeof((const pat_arg[]){__VA_ARGS__}) / sizeof(pat_arg))
/* Steps cached statement `id` on `which` once, with args bound: 1 with *row
** on its first row (read it, then pat_store_done(*row)), 0 when it has
** none, -1 with err (a failure on main noted: pat_note_failure). */
int pat_store_query(pat_conn *c, int which, pat_stmt_id id, const pat_arg *args, int n,
                    sqlite3_stmt **row, pat_err *e);
/* Runs cached statement `id` on `which` to its end. 0, or -1 with err. */
int pat_store_exec(pat_conn *c, int which, pat_stmt_id id, const pat_arg *args, int n,
                   pat_err *e);
/* Resets a statement pat_store_query left on a row. */
void pat_store_done(sqlite3_stmt *st);
/* After stepping a cached statement on main: notices a schema change (which
** may have planted a shadowing object) and re-checks. 0 or -1 and err. */
int pat_store_recheck(pat_conn *c, pat_stmt_id id, pat_err *e);
/* pat_time_arg with the connection's cached date parser. */
int pat_store_time_arg(pat_conn *c, sqlite3_value *v, const char *what, int64_t *out,
                       pat_err *e);
/* A setting's value as text into buf; 0, 1 when NULL, -1 on error. */
int pat_setting(pat_conn *c, int which, const char *key, char *buf, size_t n, pat_err *e);
int pat_setting_int(pat_conn *c, int which, const char *key, int64_t *out,
                    int *is_null, pat_err *e);
/* Opens what makes a multi-statement write (making the store) atomic: a
** write transaction taken at once in autocommit, a savepoint inside the
** application's transaction, or nothing when the calling statement itself
** writes (its own transaction covers ours). */
enum { PAT_BEGAN_NONE, PAT_BEGAN_TXN, PAT_BEGAN_SAVEPOINT, PAT_BEGAN_FAILED };
int pat_store_begin(pat_conn *c);
int pat_store_end(pat_conn *c, int began, int ok, pat_err *e);
/* After DDL inside pat's own write: prepares its undo anew (see store.c). */
int pat_store_undo_again(pat_conn *c, pat_err *e);
const char *pat_schema_sql(void);

/* A token's row as a change needs it. */
typedef struct pat_token_row {
  char owner[PAT_OWNER_MAX + 1];
  int64_t valid_from, valid_to;
} pat_token_row;
/* 1 and the row, 0 when no token has that id, -1 with e. */
int pat_token_get(pat_conn *c, int64_t id, pat_token_row *row, pat_err *e);

/* ---- guard.c */

/* Before any pat function or table acts: refuses re-entrance through pat's
** own writes, and a schema that can call pat or shadows a public name
** (looked at again when it may have changed; `hot`: the caller's own lookup
** notices a change of main). 0, or -1 with err. */
int pat_guard(pat_conn *c, int hot, pat_err *e);
/* pat_guard's look at the schema alone. */
int pat_guard_schema(pat_conn *c, int hot, pat_err *e);
/* Reads every database's schema now. 0, or -1 with err. */
int pat_guard_scan(pat_conn *c, pat_err *e);

#endif
