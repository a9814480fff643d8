/*
** pat_internal.h: the one header the pieces of the pat extension share.
**
** Data flows one way: the SQL functions (checks.c, lifecycle.c) and the
** virtual tables (vtab*.c) call the store (store.c); the store calls SQLite.
** token.c, crypto.c, times.c and rights.c hold the pure logic and call
** nothing of ours, so the Check unit tests can drive them directly.
**
** Never: put a plaintext token or its digest in an error message, a log, an
** event or any column.
*/
#ifndef PAT_INTERNAL_H
#define PAT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3ext.h>
/* Every file but pat.c sees the API table through this declaration. */
SQLITE_EXTENSION_INIT3

#define PAT_ERRMAX 512 /* room for one error message */

/* ---------------------------------------------------------------- token.c */

/* Random part: 32 base62 characters (190 bits). Checksum: CRC32 of the
** prefix and the random part, as 6 base62 characters. */
#define PAT_TOKEN_RANDOM_LEN 32
#define PAT_TOKEN_CHECKSUM_LEN 6
#define PAT_TOKEN_TAIL_LEN (PAT_TOKEN_RANDOM_LEN + PAT_TOKEN_CHECKSUM_LEN)
#define PAT_PREFIX_MAX 32
#define PAT_TOKEN_MAX (PAT_PREFIX_MAX + PAT_TOKEN_TAIL_LEN)

uint32_t pat_crc32(const unsigned char *p, size_t n);
/* 1 when every byte is in [A-Za-z0-9_] (the empty string counts). */
int pat_token_alphabet_ok(const char *p, size_t n);
/* 0 when `prefix` may start new tokens: at most PAT_PREFIX_MAX bytes of
** [A-Za-z0-9_]. */
int pat_prefix_check(const char *prefix, size_t n);
/* Writes prefix + random + checksum into out (room for PAT_TOKEN_MAX + 1
** bytes, NUL-terminated) and returns its length, or -1 for a bad prefix. */
int pat_token_make(char *out, const char *prefix, size_t prefix_len);
/* Finds the token in a bare token or an Authorization header value
** ("Bearer <token>", white space around ignored). On success returns 0 and
** points *tok and *tok_len into `in`; -1 when it is not a well-formed token with
** a correct checksum. Reads nothing but `in`. */
int pat_token_parse(const char *in, size_t n, const char **tok, size_t *tok_len);
/* What stands for a masked secret in messages and event details. */
#define PAT_MASK "(a token)"
/* Masks, in place, every run of text that could be a token's random part
** (PAT_TOKEN_RANDOM_LEN or more base62 characters): errors and event
** details quote what the caller gave, which may hold a token. */
void pat_mask_secrets(char *s);
/* A value as a message quotes it: at most `limit` bytes (and cap - 1) of it,
** anything but printable ASCII as '?', and every run that could be a
** token's random part masked, as the run it is in the whole value, not as
** the limit cuts it. Returns how many bytes of `s` it covers (< n: cut). */
size_t pat_quote(char *dst, size_t cap, const char *s, size_t n, size_t limit);

/* --------------------------------------------------------------- crypto.c */

#define PAT_DIGEST_LEN 32

int pat_crypto_init(void);
const char *pat_crypto_version(void);
/* A uniform value in [0, upper). */
uint32_t pat_random_below(uint32_t upper);
void pat_random_buf(unsigned char *buf, size_t n);
/* BLAKE2b-256 of the whole token text; keyed when the application gave pat
** a key (pepper), so the file alone lets nobody test guesses or plant a
** token. */
int pat_digest(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n);
/* A token's rights (the stored JSON text) named by 63 bits of its BLAKE2b:
** kept in the digest index, so pat_has_right finds the set in a
** per-connection cache without reading the row. pat only ever names the
** sorted sets of catalog names it writes, among which a collision is out of
** reach. */
int64_t pat_rights_hash(const char *json, size_t n);
int pat_digest_keyed(unsigned char out[PAT_DIGEST_LEN], const char *tok, size_t n,
                     const unsigned char *key, size_t keylen);
#define PAT_KEY_MIN 32
#define PAT_KEY_MAX 64
#define PAT_FINGERPRINT_HEX 16
int pat_key_fingerprint(char out[PAT_FINGERPRINT_HEX + 1], const unsigned char *key,
                        size_t keylen);
/* A key from hex text (PAT_KEY_MIN..PAT_KEY_MAX bytes); 0, or -1. */
int pat_hex_key(unsigned char *key, size_t cap, size_t *keylen, const char *hex);
/* 1 when equal, compared in constant time. */
int pat_digest_equal(const unsigned char *a, const unsigned char *b);
void pat_wipe(void *p, size_t n);
/* sqlite3 destructor for a result buffer that held a plaintext token. */
void pat_wipe_free(void *p);

/* ---------------------------------------------------------------- times.c */

/* The range SQLite's date functions can show: 0000-01-01 .. 9999-12-31. */
#define PAT_TIME_MIN (-62167219200LL)
#define PAT_TIME_MAX (253402300799LL)

/* A time argument read as the contract says. `scratch` is a connection used
** only to run SQLite's own date parser on TEXT; `what` names the argument in
** messages. Returns 0 and sets *out, 1 when the value is NULL (the caller's
** default applies), -1 with a message (without the function's name) in err:
** "valid_from is not a time: 'x'", "... is out of range",
** "... must be a time: unix seconds or text". */
int pat_time_arg(sqlite3 *scratch, sqlite3_value *v, const char *what,
                 int64_t *out, char *err, size_t errlen);
/* Current unix time as SQLite sees it (the connection's VFS clock). */
int64_t pat_now(sqlite3 *db);
int64_t pat_now_vfs(sqlite3_vfs *vfs);

/* --------------------------------------------------------------- rights.c */

#define PAT_RIGHT_MAX 64 /* bytes in one right name */
#define PAT_NAME_MAX 255 /* bytes in a token's name */
#define PAT_OWNER_MAX 255 /* bytes in an owner */

typedef struct pat_strlist {
  char **v;
  int n, cap;
} pat_strlist;

void pat_strlist_free(pat_strlist *l);
int pat_strlist_add(pat_strlist *l, const char *s, size_t n);
/* 1 when `s` is a right name: 1..PAT_RIGHT_MAX of [A-Za-z0-9_]. */
int pat_right_name_ok(const char *s, size_t n);
/* A right name as an error message shows it: at most PAT_RIGHT_MAX bytes,
** anything but printable ASCII as '?'. */
void pat_right_show(char *dst, size_t cap, const char *s, size_t n);
/* Splits a rights argument (a JSON array of strings, or a comma-separated
** list) into items, which may still hold wildcards. 0, or -1 and err. */
int pat_rights_parse(const char *in, size_t n, pat_strlist *out, char *err,
                     size_t errlen);

/* One right of the catalog and whether the owner's role may grant it. */
typedef struct pat_catalog_entry {
  const char *name;
  int grantable;
} pat_catalog_entry;

/* Expands wildcards and checks every item against the catalog and the
** role. `catalog` is sorted in byte order. `out` receives a sorted JSON
** array without duplicates (sqlite3_malloc'd). 0, or -1 and err. */
int pat_rights_expand(const pat_strlist *items, const pat_catalog_entry *catalog,
                      int ncatalog, const char *role, char **out, char *err,
                      size_t errlen);
/* Text checks shared by pat_create and the tables' writes: 0 or -1 and err
** saying what is wrong with `what` ("name", "owner"). */
int pat_text_check(const char *what, const unsigned char *s, int n, int max,
                   char *err, size_t errlen);

/* ---------------------------------------------------------------- store.c */

/* Statements the store prepares once per connection. */
typedef enum pat_stmt_id {
  PAT_STMT_VERIFY,
  PAT_STMT_RIGHTS,
  PAT_STMT_HAS_RIGHT,
  PAT_STMT_SETTING,
  PAT_STMT_OWNER_ROLE,
  PAT_STMT_INSERT_TOKEN,
  PAT_STMT_INSERT_TOKEN_AT,
  PAT_STMT_ROTATE_TOKEN,
  PAT_STMT_TOKEN_BY_ID,
  PAT_STMT_POLICY_VERSION,
  PAT_STMT_POLICY_SETTINGS,
  PAT_STMT_POLICY_RIGHTS,
  PAT_STMT_POLICY_ROLES,
  PAT_STMT_POLICY_META,
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

/* Where a statement runs: the application's database, or the private
** in-memory copy of a new store that answers reads before the store exists. */
enum { PAT_DB_MAIN = 0, PAT_DB_DEFAULTS = 1 };

typedef struct pat_book pat_book;     /* bookkeeping.c */
typedef struct pat_policy pat_policy; /* policy.c */

/* Per-connection state: user data of every function and module. */
typedef struct pat_conn {
  sqlite3 *db;        /* the application's connection */
  sqlite3 *defaults;  /* private :memory: store with the defaults */
  sqlite3_stmt *stmt[2][PAT_STMT_COUNT];
  int reprepares[PAT_STMT_COUNT]; /* to notice schema changes on main */
  int store_version;  /* of main; 0 while unknown or absent */
  int anchored;       /* pat_anchor is connected on db (anchor.c) */
  int anchoring;      /* the one statement that may use pat_anchor is prepared */
  int refs;           /* registrations holding this struct */
  char errmsg[PAT_ERRMAX]; /* why pat_store_stmt last answered NULL */
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
} pat_conn;

enum { PAT_SCHEMA_UNKNOWN, PAT_SCHEMA_CLEAN, PAT_SCHEMA_REFUSED };

#define PAT_SCHEMA_VERSION 3

/* Seconds between the earliest and the latest time pat takes: every
** duration setting is bounded by it, so that no sum of a time and a
** duration overflows. */
#define PAT_SECONDS_MAX (PAT_TIME_MAX - PAT_TIME_MIN)

pat_conn *pat_conn_new(sqlite3 *db);
void pat_conn_unref(void *p);
/* Which store answers reads: PAT_DB_MAIN when the application's database
** holds one, else PAT_DB_DEFAULTS. -1 with err when pat refuses to work
** (a public name shadowed, a store from a newer pat). */
int pat_store_open(pat_conn *c, char *err, size_t errlen);
/* pat_store_open for calls off the hot path: first makes sure a store seen
** before is still there and not shadowed since. */
int pat_store_validate(pat_conn *c, char *err, size_t errlen);
/* After a failed statement on main (pat_store_failed): 1 when the store is
** simply gone (an application's ROLLBACK took back the transaction that
** made it), so the caller answers as for no store; 0 when the failure is
** real (an I/O error, no memory: SQLite may have rolled back the
** application's transaction, and nothing may be written after it). */
int pat_store_gone(pat_conn *c);
/* Makes sure main holds a current store (creating or upgrading it); *made
** (when not NULL) says whether this call made it. */
int pat_store_ensure(pat_conn *c, int *made, char *err, size_t errlen);
/* Prepares a statement on main that pat keeps (anchored: see store.c).
** SQLite's code, with the reason in c->errmsg. */
int pat_store_prepare_main(pat_conn *c, const char *sql, sqlite3_stmt **st);
/* main's file changed under the connection (sqlite3_deserialize, a
** restore that reopened it): forget everything read from the old one. */
void pat_store_reopened(pat_conn *c);
sqlite3 *pat_store_db(pat_conn *c, int which);
/* A setting read as it stands in main's store, without making, upgrading or
** checking anything (pat_debug runs from anywhere); the defaults' when main
** holds no store. As pat_setting. */
int pat_store_peek_setting(pat_conn *c, const char *key, char *buf, size_t n);
/* The cached statement, prepared on first use; reset it after use. NULL
** with the reason in c->errmsg (a shadowing object, SQLite's message). */
sqlite3_stmt *pat_store_stmt(pat_conn *c, int which, pat_stmt_id id);
/* After stepping a cached statement on main: notices a schema change (which
** may have planted a shadowing object) and re-checks. 0 or -1 and err. */
int pat_store_recheck(pat_conn *c, pat_stmt_id id, char *err, size_t errlen);
/* Whether the connection's key is the one the store was made with, given
** the store's fingerprint (NULL: made without a key). 0, or -1 and err. */
int pat_key_matches(pat_conn *c, const char *store_fp, char *err, size_t errlen);
/* The digest of a token under the connection's key. */
int pat_conn_digest(pat_conn *c, unsigned char out[PAT_DIGEST_LEN], const char *tok,
                    size_t n);
/* Reads PAT_KEY (hex) from the environment at load time. 0, or -1. */
int pat_key_from_env(pat_conn *c);
void pat_fn_key(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_rekey(sqlite3_context *ctx, int argc, sqlite3_value **argv);
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
/* Frees every statement cached on main (they would keep it from closing). */
void pat_store_release(pat_conn *c);
/* A setting's value as text into buf; 0, 1 when NULL, -1 on error. */
int pat_setting(pat_conn *c, int which, const char *key, char *buf, size_t n);
int pat_setting_int(pat_conn *c, int which, const char *key, int64_t *out,
                    int *is_null);
/* Opens what makes a multi-statement write (making the store) atomic: a
** write transaction taken at once in autocommit, a savepoint inside the
** application's transaction, or nothing when the calling statement itself
** writes (its own transaction covers ours). */
enum { PAT_BEGAN_NONE, PAT_BEGAN_TXN, PAT_BEGAN_SAVEPOINT, PAT_BEGAN_FAILED };
int pat_store_begin(pat_conn *c);
int pat_store_end(pat_conn *c, int began, int ok, char *err, size_t errlen);
/* After DDL inside pat's own write: prepares its undo anew (see store.c). */
int pat_store_undo_again(pat_conn *c);
const char *pat_schema_sql(void);

/* A token's row as a change needs it. */
typedef struct pat_token_row {
  char owner[PAT_OWNER_MAX + 1];
  int64_t valid_from, valid_to;
} pat_token_row;
/* 1 and the row, 0 when no token has that id, -1 with c->errmsg. */
int pat_token_get(pat_conn *c, int64_t id, pat_token_row *row);

/* --------------------------------------------------------------- guard.c */

/* Before any pat function or table acts: refuses re-entrance through pat's
** own writes, and a schema that can call pat or shadows a public name
** (looked at again when it may have changed; `hot`: the caller's own lookup
** notices a change of main). 0, or -1 with err. */
int pat_guard(pat_conn *c, int hot, char *err, size_t errlen);
/* pat_guard's look at the schema alone. */
int pat_guard_schema(pat_conn *c, int hot, char *err, size_t errlen);
/* Reads every database's schema now. 0, or -1 with err. */
int pat_guard_scan(pat_conn *c, char *err, size_t errlen);
/* The names of pat's functions that must not be called from a stored
** object (pat.c): the i-th, or NULL past the last. */
const char *pat_function_name(int i);

/* -------------------------------------------------------------- policy.c */

/* The settings, the catalog and the roles' grants of a store, cached, and
** read again when the store's policy version is not the cached one (read
** on every call, with the key's fingerprint, which must be the
** connection's). NULL with err. */
const pat_policy *pat_policy_get(pat_conn *c, int which, char *err, size_t errlen);
/* 1 when some owner is listed in pat_owners (else every owner has the
** role default_role, and a check need not look). */
int pat_policy_owners_listed(const pat_policy *p);
/* The index of a right in the catalog, or -1. */
int pat_policy_right(const pat_policy *p, const char *name, size_t n);
/* The role that decides: the owner's listed role, else default_role. */
const char *pat_policy_role(const pat_policy *p, const char *owner_role);
/* 1 when `role` grants catalog right number `right`. */
int pat_policy_grants(const pat_policy *p, const char *role, int right);
/* The catalog with what `role` grants, for pat_rights_expand (free *out). */
int pat_policy_catalog(const pat_policy *p, const char *role, pat_catalog_entry **out,
                       int *n);
int pat_policy_audit(const pat_policy *p);
/* The JSON pat_rights_for made last from this rights text for this role (a
** sqlite3_malloc'd copy) and its hash, or NULL; and the one to remember. */
char *pat_policy_memo_get(const pat_policy *p, const char *role, const char *text,
                          size_t n, int64_t *hash);
void pat_policy_memo_put(const pat_policy *p, const char *role, const char *text,
                         size_t n, const char *json, int64_t hash);
/* A stored rights set (JSON) by its pat_rights_hash, or NULL; and one to
** remember (a few, the most recent). */
const char *pat_policy_set_get(const pat_policy *p, int64_t hash, int *n);
void pat_policy_set_put(const pat_policy *p, int64_t hash, const char *json, int n);
int64_t pat_policy_interval(const pat_policy *p);
int64_t pat_policy_default_lifetime(const pat_policy *p);
/* 1 and *max when max_lifetime is set, 0 for no limit. */
int pat_policy_max_lifetime(const pat_policy *p, int64_t *max);
/* The prefix for new tokens, or NULL when the setting is not usable. */
const char *pat_policy_prefix(const pat_policy *p);
/* The version the cached policy of main was read under, as pat's
** conditional writes bind it. */
sqlite3_int64 pat_policy_version(const pat_policy *p);
/* The policy of main under `version`, which the caller read in its current
** read transaction (a check's lookup brings it): the cache when it is that
** version, else read now. NULL with err. */
const pat_policy *pat_policy_at(pat_conn *c, sqlite3_int64 version, char *err,
                                size_t errlen);
/* The cached policy as it is, unread, for a call whose write is
** conditional on its version (store.c, PAT_SQL_IF_POLICY) and that reads it
** again before it refuses anything; pat_policy_get when none is cached. */
const pat_policy *pat_policy_cached(pat_conn *c, int which, char *err, size_t errlen);
/* The key changed: read everything again. */
void pat_policy_forget(pat_conn *c);
void pat_policy_free(pat_policy *p);

/* --------------------------------------------------------- bookkeeping.c */

enum { PAT_AUDIT_OFF, PAT_AUDIT_CHANGES, PAT_AUDIT_ALL };

/* What one check writes on the side: last_used_at and/or an event. */
typedef struct pat_book_entry {
  int64_t id, now, interval;
  int touch;          /* write last_used_at = now (if the interval passed) */
  const char *event;  /* "use", "deny" or NULL */
  const char *detail;
} pat_book_entry;

/* Best-effort: skipped, never waiting, when it can not be written now. */
void pat_book_write(pat_conn *c, const pat_book_entry *e);
void pat_book_release(pat_conn *c);

/* ------------------------------------------------------ functions, tables */

void pat_fn_verify(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_has_right(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_create(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pat_fn_rotate(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* The checks pat_create and the changes of pat_tokens share (lifecycle.c);
** each returns 0, or -1 with a message without the function's name. */
/* 1 and the value when v is an INTEGER, a REAL holding a whole number, or
** text that reads as an integer; else 0. */
int pat_integral(sqlite3_value *v, int64_t *out);
int pat_owner_arg(sqlite3_value *v, char out[PAT_OWNER_MAX + 1], char *err,
                  size_t errlen);
int pat_name_arg(sqlite3_value *v, char *err, size_t errlen);
/* valid_from plus the setting default_lifetime. */
int64_t pat_default_valid_to(const pat_policy *p, int64_t from);
/* valid_to after valid_from, and the lifetime within max_lifetime. */
int pat_window_check(const pat_policy *p, int64_t from, int64_t to, char *err,
                     size_t errlen);
/* Parses a rights argument and expands it against the catalog and the
** owner's current role into a sorted JSON array (sqlite3_free it), and its
** pat_rights_hash. */
int pat_rights_for(pat_conn *c, int which, const pat_policy *p, const char *owner,
                   sqlite3_value *rights, char **json, int64_t *hash, char *err,
                   size_t errlen);

/* One public table: its columns and the query over the store that gives
** its rows. vtab.c implements the module once for all of them. */
typedef struct pat_table {
  const char *name;
  const char *columns; /* "id, owner, ..." for CREATE TABLE x(...) */
  const char *select;  /* first column the rowid, then the public columns */
  const char *order;   /* "ORDER BY ..." or "" */
  int key_column;      /* a public column that `=` looks up directly, or -1 */
  const char *key_name;
  int key_unique;      /* the key finds at most one row */
  int rowid_shown;     /* the rowid is the key column (id): its own checks */
  unsigned masked;     /* columns (a bit each) shown with pat_mask_secrets */
  int alt_key_column;  /* another column `=` finds through an index */
  const char *alt_key_name; /* NULL when there is none */
  int seek;            /* scan by seeking each rowid (= the key) in turn */
  /* For a select SQLite can not seek in by rowid (a UNION ALL): the row
  ** after rowid ?1, up to ?2, and the largest rowid. NULL: derived. */
  const char *seek_select;
  const char *end_select;
  /* xUpdate's arguments as SQLite gives them (argv[0] the old rowid or
  ** NULL, argv[1] the new rowid, then the columns; a column the UPDATE does
  ** not set answers sqlite3_value_nochange()). `which` is the store that
  ** answers reads; the handler checks everything there first, then calls
  ** pat_store_ensure and writes, so a refused write creates no store.
  ** 0, or -1 with err (without the table's name). NULL: read-only, and
  ** err_readonly says so. */
  int (*update)(pat_conn *c, int which, int argc, sqlite3_value **argv,
                sqlite3_int64 *rowid, char *err, size_t errlen);
  const char *err_readonly;
} pat_table;

/* Helpers for the tables' writes (vtab.c). */
enum { PAT_WRITE_DELETE, PAT_WRITE_INSERT, PAT_WRITE_UPDATE };
int pat_write_kind(int argc, sqlite3_value **argv);
/* 1 when an UPDATE sets column i (a public column number). */
int pat_write_sets(sqlite3_value **argv, int i);
/* -1 with "column 'x' can not be changed (only ...)" when the UPDATE sets a
** column that is not in `allowed` (a bit per column). */
int pat_write_only(const pat_table *t, sqlite3_value **argv, unsigned allowed,
                   const char *allowed_text, char *err, size_t errlen);
/* 1 when `role` is ROOT or has a row in pat_roles, 0, -1 with c->errmsg. */
int pat_role_exists(pat_conn *c, int which, sqlite3_value *role);
/* After a statement of pat's on main failed with rc: notes whether the
** store is gone (store_missing) and a code SQLite acts on (fail_code). */
void pat_store_failed(pat_conn *c, int rc);
/* Notes the code of a failed write of pat's on main (see fail_code). */
void pat_note_failure(pat_conn *c, int rc);
/* Runs one statement with the values bound in order: 0, or -1 with err. */
int pat_exec_bound(pat_conn *c, const char *sql, int n, sqlite3_value **vals,
                   char *err, size_t errlen);

extern const pat_table pat_table_tokens, pat_table_rights, pat_table_roles,
    pat_table_owners, pat_table_events, pat_table_settings;
int pat_vtab_register_all(sqlite3 *db, pat_conn *c);

/* anchor.c: the hidden eponymous table whose xDisconnect, at
** sqlite3_close(), finalizes the statements cached on main. pat_anchor()
** connects it; 0, or -1 when it can not. */
#define PAT_ANCHOR_NAME "pat_anchor"
int pat_anchor_register(sqlite3 *db, pat_conn *c);
int pat_anchor(pat_conn *c);

/* Formats "fn: message" into the context's error. */
void pat_error(sqlite3_context *ctx, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
