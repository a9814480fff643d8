/*
** values.h: layer 3, the arguments pat reads, with no connection of pat's:
** times (times.c), network addresses (address.c) and rights lists
** (rights.c).
*/
#ifndef PAT_VALUES_H
#define PAT_VALUES_H

#include "format.h"

/* ---------------------------------------------------------------- times.c */

/* The range SQLite's date functions can show: 0000-01-01 .. 9999-12-31. */
#define PAT_TIME_MIN (-62167219200LL)
#define PAT_TIME_MAX (253402300799LL)

/* A time argument read as the contract says. `parser` is a statement
** "SELECT unixepoch(?1)" that runs SQLite's own date parser on TEXT (the
** store's PAT_STMT_PARSE_TIME: pat_store_time_arg); `what` names the
** argument in messages. Returns 0 and sets *out, 1 when the value is NULL (the caller's
** default applies), -1 with a message (without the function's name) in err:
** "valid_from is not a time: 'x'", "... is out of range",
** "... must be a time: unix seconds or text". */
int pat_time_arg(sqlite3_stmt *parser, sqlite3_value *v, const char *what,
                 int64_t *out, pat_err *e);
/* Current unix time as SQLite sees it (the connection's VFS clock). */
int64_t pat_now(sqlite3 *db);
int64_t pat_now_vfs(sqlite3_vfs *vfs);
/* The same clock in milliseconds. */
int64_t pat_now_ms_vfs(sqlite3_vfs *vfs);

/* -------------------------------------------------------------- address.c */

/* An IP address as 16 bytes of IPv6, IPv4 held IPv4-mapped (::ffff:a.b.c.d);
** a block of them: the first `len` bits of `net` (0..128). */
typedef struct pat_addr {
  unsigned char b[16];
} pat_addr;
typedef struct pat_block {
  pat_addr net;
  int len;
} pat_block;
/* Room for any address or block as text, its NUL included. */
#define PAT_ADDR_TEXT 64

/* A client's address: IPv4 as inet_pton reads it, or IPv6 in any standard
** form with an optional %zone, which is ignored. A port, a block or
** anything else is an error naming `what`. 0, or -1 with e. */
int pat_addr_parse(const char *s, size_t n, const char *what, pat_addr *out, pat_err *e);
/* A block of an allow-list: an address, bare (/32 or /128) or with /prefix;
** host bits set are an error. 0, or -1 with e. */
int pat_block_parse(const char *s, size_t n, const char *what, pat_block *out, pat_err *e);
/* 1 when the block holds the address. */
int pat_block_has(const pat_block *b, const pat_addr *a);
/* Canonical text, as inet_ntop writes it: IPv4-mapped as IPv4, no zone, a
** block of one address bare. */
void pat_addr_show(const pat_addr *a, char out[PAT_ADDR_TEXT]);
void pat_block_show(const pat_block *b, char out[PAT_ADDR_TEXT]);
/* A block as the store keeps it in allowed_blocks: the 16 bytes of its
** network, then its prefix length (IPv4 as IPv4-mapped, + 96). */
#define PAT_BLOCK_BYTES 17
/* Most blocks in one allow-list (INTERFACE.md). */
#define PAT_BLOCKS_MAX 100
void pat_block_pack(const pat_block *b, unsigned char out[PAT_BLOCK_BYTES]);
/* 1 when one of the packed blocks (n bytes) holds the address; 0 for none,
** and for anything that is not whole blocks. */
int pat_blocks_have(const unsigned char *packed, size_t n, const pat_addr *a);

/* --------------------------------------------------------------- rights.c */


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
int pat_rights_parse(const char *in, size_t n, pat_strlist *out, pat_err *e);

/* One entry of a rights list, "RIGHT" or "RIGHT@resource", split at its
** first '@' (INTERFACE.md, Rights on resources); res is NULL without '@'.
** Points into the text it was split from. */
typedef struct pat_entry {
  const char *name, *res;
  size_t name_len, res_len;
} pat_entry;

void pat_entry_split(const char *s, size_t n, pat_entry *out);
/* Checks an entry's resource, if any: 1..PAT_RESOURCE_MAX bytes of
** [A-Za-z0-9_.:/-], and where wildcard_ok a '*' as its last byte. 0, or -1
** and err naming the right and the problem. */
int pat_resource_check(const pat_entry *en, int wildcard_ok, pat_err *e);

/* One right of the catalog and whether the owner's role may grant it. */
typedef struct pat_catalog_entry {
  const char *name;
  int grantable;
} pat_catalog_entry;

/* Expands wildcards and checks every item against the catalog and the
** role. `catalog` is sorted in byte order. `out` receives a JSON array of
** the entries, sorted in byte order, without duplicates and without an
** entry another one covers (an unscoped right covers its scoped entries, a
** resource wildcard the resources it begins) (sqlite3_malloc'd). 0, or -1
** and err. */
int pat_rights_expand(const pat_strlist *items, const pat_catalog_entry *catalog,
                      int ncatalog, const char *role, char **out, pat_err *e);
/* Text checks shared by pat_create and the tables' writes: 0 or -1 and err
** saying what is wrong with `what` ("name", "owner"). */
int pat_text_check(const char *what, const unsigned char *s, int n, int max,
                   pat_err *e);

/* --------------------------------------------------------------- integer.c */

/* 1 and the value when v is an INTEGER, a REAL holding a whole number, or
** text that reads as an integer; else 0. */
int pat_integral(sqlite3_value *v, int64_t *out);

/* -------------------------------------------------------------- settings.c */

/* Seconds between the earliest and the latest time pat takes: every
** duration setting is bounded by it, so that no sum of a time and a
** duration overflows. */
#define PAT_SECONDS_MAX (PAT_TIME_MAX - PAT_TIME_MIN)

/* The longest rotation grace, in seconds: pat_rotate's grace and the
** setting rotate_grace (INTERFACE.md). */
#define PAT_GRACE_MAX 2592000

/* The settings, in the order of their rows (settings.c: keys sorted). */
typedef enum pat_setting_id {
  PAT_SET_NONE = -1,
  PAT_SET_AUDIT,
  PAT_SET_BOOKKEEPING_DELAY,
  PAT_SET_DEFAULT_LIFETIME,
  PAT_SET_DEFAULT_ROLE,
  PAT_SET_LAST_USED_INTERVAL,
  PAT_SET_MAX_IDLE,
  PAT_SET_MAX_LIFETIME,
  PAT_SET_MAX_TOKENS_PER_OWNER,
  PAT_SET_NOTICE_BEFORE,
  PAT_SET_PREFIX,
  PAT_SET_RETIRED_KEEP,
  PAT_SET_ROTATE_GRACE,
  PAT_SET_ROTATE_REUSE,
  PAT_SET_COUNT
} pat_setting_id;

/* What a setting's value is. */
enum {
  PAT_SETTING_PREFIX,  /* the prefix of new tokens (pat_prefix_check) */
  PAT_SETTING_SECONDS, /* a duration: an integer of seconds (or as `rule`
                       ** says), min and up, at most max when max > 0 */
  PAT_SETTING_ROLE,    /* a role's name, which must exist */
  PAT_SETTING_CHOICE   /* one of the words `choices` */
};

/* One setting's row. */
typedef struct pat_setting_def {
  const char *key;
  int kind;
  const char *text;   /* the default, for all kinds but SECONDS */
  int64_t num;        /* the default, for SECONDS */
  int64_t min;        /* SECONDS: the smallest value */
  int64_t max;        /* SECONDS: the largest, when > 0 (else PAT_SECONDS_MAX) */
  int nullable;       /* NULL is a value (max_lifetime: no limit) */
  int null_default;   /* NULL is the default (max_idle: off) */
  int count;          /* SECONDS: a number of things, not of seconds */
  const char *const *choices; /* CHOICE: the words, NULL-terminated */
  /* SECONDS: the key of the setting this one may not exceed, or fall
  ** below, when that one is not NULL (checked at each UPDATE); or NULL. */
  const char *at_most, *at_least;
  int shown;          /* pat_debug() shows it */
  /* ... and adds " (shown_warn)" when its value is shown_warn_if. */
  const char *shown_warn_if, *shown_warn;
  const char *rule;   /* "<key> must be <rule>" */
} pat_setting_def;

/* A value as pat_setting_check read it. */
typedef struct pat_setting_value {
  int is_null;
  int is_num; /* store num, not the value as given */
  int64_t num;
} pat_setting_value;

const pat_setting_def *pat_setting_def_of(pat_setting_id id);
/* The id of a key, or PAT_SET_NONE. */
pat_setting_id pat_setting_find(const char *key);
/* Binds a setting's key and default to two parameters of st. */
int pat_setting_bind_default(sqlite3_stmt *st, int key_col, int value_col, pat_setting_id id);
/* Whether v is a value of setting id's kind (not yet bounded by other
** settings nor the span, which the caller checks after those:
** pat_setting_bound). 0, or -1 with err. */
int pat_setting_check(pat_setting_id id, sqlite3_value *v, pat_setting_value *out, pat_err *e);
/* A duration no longer than PAT_SECONDS_MAX. 0, or -1 with err. */
int pat_setting_bound(pat_setting_id id, const pat_setting_value *val, pat_err *e);
/* A stored duration as pat uses it: bounded, and the default in place of
** a value that is not one (written past pat's checks). */
int64_t pat_setting_seconds(pat_setting_id id, int is_null, int64_t num);
/* The index in `choices` of a stored CHOICE, the default's when it is none. */
int pat_setting_choice(pat_setting_id id, const char *text);

#endif
