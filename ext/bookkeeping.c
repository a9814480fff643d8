/*
** bookkeeping.c: what a check writes on the side: a token's use (shown as
** its last_used_at), and under `audit = all` the use and deny events.
**
** A connection records the first use of each token in each
** last_used_interval: it remembers the uses it recorded (PAT_BOOK_REMEMBER
** of them at most), so the check reads no last use from the store. Uses go
** to pat_store_uses, and each write that finds that table grown past the
** store's size folds a range of them into their rows (fold_uses, and
** sql/schema.sql for why).
**
** A use with a client's address also records the address (version 6 on:
** pat_store_addresses, shown as last_used_ips): the first use of each
** interval, and any use from another address than the one this connection
** recorded last for the token.
**
** A connection holds it in memory and writes it later, in one transaction
** (INTERFACE.md, Security properties): at its first check once
** bookkeeping_delay milliseconds have passed since it began to hold it, or
** once it holds PAT_BOOK_ITEMS items; before a read of pat_tokens or
** pat_events where that read can see it (WAL or memory, autocommit: the
** write goes through the reading statement's own transaction); and when the
** connection closes. A process killed loses what it held; a change and its
** event never go through here (they commit with the change).
**
** All of it is best-effort. A check must never fail, wait, or turn the
** caller's read into a write because of it, so:
**   - it is written only when the application's connection is in
**     autocommit and its own write statement does not run (INSERT INTO t
**     SELECT pat_verify(...)); a check inside the caller's transaction holds
**     it until then (max_idle counts every use), and this connection's
**     checks count the uses it holds (pat_book_last_use). Never for a check
**     with an explicit `at`; only where the connection may write (not
**     read-only, nor PRAGMA query_only: then what is held is dropped);
**   - on a database file it goes through a second, private connection with
**     no busy handler: when the write lock can not be had at once, the write
**     is put off by one more delay. The application's busy handler can not be
**     read back, so pat could not lift it for a write on the application's
**     own connection. That connection is opened for the write and closed
**     after it: kept open on a WAL file it would hold the file's shared lock
**     between calls, and the application could not leave WAL or lock the
**     file exclusively. It never checkpoints (wal_autocheckpoint 0);
**   - a second connection is only opened where it shares the application's
**     locks: main's VFS is the default "unix" one and the file was not opened
**     with nolock=1. Anywhere else (unix-none, unix-excl, whose WAL index
**     lives in one connection's memory, dqlite's replicating VFS, whose writes
**     must go through the application's connection) nothing is held or
**     written: two connections that do not see each other's locks corrupt a
**     file;
**   - in memory there is no one to wait for, and the application's
**     connection writes it.
** The settings it needs (audit, last_used_interval, bookkeeping_delay) come
** with the entry, from the policy the check read (policy.c).
*/
#include "policy.h"

#include <stdio.h>
#include <string.h>

/* What one connection holds at most before it writes (INTERFACE.md). */
#define PAT_BOOK_ITEMS 1000
#define PAT_BOOK_EVENTS_MAX 10000
/* Recorded uses a connection remembers, to record the next use of the same
** token only once its interval has passed. Past it, those older than their
** interval go, then all that are written: a use forgotten early is recorded
** once more, nothing else. */
#define PAT_BOOK_REMEMBER 65536
/* pat_store_uses is folded once it holds more uses than the store has
** pages, and at least this many; each write then folds about
** PAT_FOLD_PER_USE times the uses it added. */
#define PAT_USES_MIN 10000
#define PAT_FOLD_PER_USE 2

/* A use from an address, to write (version 6 on). */
typedef struct held_address {
  int64_t id, at, valid_from;
  char text[PAT_ADDR_TEXT];
} held_address;

typedef struct held_event {
  int64_t id, at, valid_from;
  int64_t retired_id; /* a retired value's deny: its row's seen goes up too */
  const char *event; /* "use" or "deny" (static) */
  char *detail;      /* sqlite3_malloc'd, or NULL */
} held_event;

/* Where this connection's bookkeeping goes, decided at its first use (and
** again after main's file is replaced). */
enum { BOOK_UNKNOWN, BOOK_MEMORY, BOOK_AUX, BOOK_NONE };

/* State a check changes (INTERFACE.md, Retired tokens): the early end of a
** rotation grace, and a revocation for the reuse of a rotated value. Not
** bookkeeping: written at once when it can be, else held and acted on by
** this connection (pat_book_stops) until written, never dropped for want of
** a lock. */
typedef struct held_state {
  int kind; /* PAT_STATE_* */
  int64_t id, grace_end, at;
} held_state;

struct pat_book {
  int mode;          /* BOOK_*; BOOK_NONE also once the second connection failed */
  /* Each token's latest recorded use, written or still to write
  ** (touch_pending): open addressing on the id (ids are positive; 0 marks a
  ** free slot). */
  int64_t *touch_id, *touch_at, *touch_from;
  uint64_t *touch_addr; /* a keyed hash of the address recorded last (0: none) */
  unsigned char addr_key[PAT_SHORT_HASH_KEY]; /* drawn with the book */
  unsigned char *touch_pending;
  int touch_cap, touch_n, pend_n;
  int64_t interval;  /* last_used_interval of the latest check */
  held_event *ev;
  int ev_n, ev_cap;
  held_address *addr;
  int addr_n, addr_cap;
  held_state *state;
  int state_n, state_cap;
  int64_t since_ms;  /* when it began to hold what it holds */
  int64_t delay_ms;  /* bookkeeping_delay of the latest check */
  int64_t failed_ms; /* when a write last could not be made (0: never) */
  int64_t dropped;   /* events dropped past PAT_BOOK_EVENTS_MAX */
  sqlite3_file *file; /* main's file when it began to hold: what is held is
                      ** about that file (a deserialize replaces it) */
  int writable;       /* the application's connection may write, as last asked */
  int row_uses;       /* the store, as the last check found it, predates
                      ** pat_store_uses: uses go to the rows (store.c) */
  int version;        /* the store's version, as the last check found it */
};

static void forget_events(pat_book *b) {
  for (int i = 0; i < b->ev_n; i++) sqlite3_free(b->ev[i].detail);
  b->ev_n = 0;
  b->addr_n = 0;
  b->since_ms = 0;
}

/* What a connection holds to write, besides state. */
static int held_items(const pat_book *b) { return b->pend_n + b->ev_n + b->addr_n; }

/* What is held, and the uses remembered: nothing of it will be written. */
static void forget_held(pat_book *b) {
  forget_events(b);
  if (b->touch_n > 0) {
    memset(b->touch_id, 0, (size_t)b->touch_cap * sizeof *b->touch_id);
    b->touch_n = 0;
    b->pend_n = 0;
  }
}

/* What is held was written: the uses stay remembered, no longer pending. */
static void held_written(pat_book *b) {
  forget_events(b);
  b->state_n = 0;
  if (b->pend_n > 0) {
    memset(b->touch_pending, 0, (size_t)b->touch_cap);
    b->pend_n = 0;
  }
}

static void book_free(pat_book *b) {
  forget_held(b);
  sqlite3_free(b->touch_id);
  sqlite3_free(b->touch_at);
  sqlite3_free(b->touch_from);
  sqlite3_free(b->touch_addr);
  sqlite3_free(b->touch_pending);
  sqlite3_free(b->ev);
  sqlite3_free(b->addr);
  sqlite3_free(b->state);
  sqlite3_free(b);
}

static pat_book *book_get(pat_conn *c) {
  if (c->book == NULL) {
    c->book = sqlite3_malloc(sizeof *c->book);
    if (c->book != NULL) {
      memset(c->book, 0, sizeof *c->book);
      pat_random_buf(c->book->addr_key, sizeof c->book->addr_key);
    }
  }
  return c->book;
}

/* ------------------------------------------------------------ holding */

/* The slot of id in the table (its own, or the free one it would take). */
static int touch_slot(const pat_book *b, int64_t id) {
  uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
  int mask = b->touch_cap - 1;
  int i = (int)(h >> 40) & mask;
  while (b->touch_id[i] != 0 && b->touch_id[i] != id) i = (i + 1) & mask;
  return i;
}

/* Moves the remembered uses into a table of `cap` slots, keeping those
** still pending and those written at or after `older` (INT64_MIN: all of
** them, INT64_MAX: none). 0, or -1 without memory (nothing changed). */
static int touch_rehash(pat_book *b, int cap, int64_t older) {
  int64_t *ids = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *ids);
  int64_t *ats = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *ats);
  int64_t *froms = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *froms);
  uint64_t *addrs = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *addrs);
  unsigned char *pend = sqlite3_malloc64((sqlite3_uint64)cap);
  if (ids == NULL || ats == NULL || froms == NULL || addrs == NULL || pend == NULL) {
    sqlite3_free(ids);
    sqlite3_free(ats);
    sqlite3_free(froms);
    sqlite3_free(addrs);
    sqlite3_free(pend);
    return -1;
  }
  memset(ids, 0, (size_t)cap * sizeof *ids);
  memset(pend, 0, (size_t)cap);
  pat_book old = *b;
  b->touch_id = ids;
  b->touch_at = ats;
  b->touch_from = froms;
  b->touch_addr = addrs;
  b->touch_pending = pend;
  b->touch_cap = cap;
  b->touch_n = 0;
  for (int i = 0; i < old.touch_cap; i++) {
    if (old.touch_id[i] == 0) continue;
    if (!old.touch_pending[i] && (older == INT64_MAX || old.touch_at[i] < older)) continue;
    int k = touch_slot(b, old.touch_id[i]);
    b->touch_id[k] = old.touch_id[i];
    b->touch_at[k] = old.touch_at[i];
    b->touch_from[k] = old.touch_from[i];
    b->touch_addr[k] = old.touch_addr[i];
    b->touch_pending[k] = old.touch_pending[i];
    b->touch_n++;
  }
  sqlite3_free(old.touch_id);
  sqlite3_free(old.touch_at);
  sqlite3_free(old.touch_from);
  sqlite3_free(old.touch_addr);
  sqlite3_free(old.touch_pending);
  return 0;
}

/* Room for one more use: the table grows to PAT_BOOK_REMEMBER; past that
** the written uses older than `older` go, then all written ones, and only
** if that leaves it full (what is pending can not go) does it grow. */
static int touch_room(pat_book *b, int64_t older) {
  if ((b->touch_n + 1) * 2 <= b->touch_cap) return 0; /* at most half full */
  if (b->touch_cap < 2 * PAT_BOOK_REMEMBER)
    return touch_rehash(b, b->touch_cap ? b->touch_cap * 2 : 64, INT64_MIN);
  if (touch_rehash(b, b->touch_cap, older) != 0) return -1;
  if ((b->touch_n + 1) * 4 <= b->touch_cap) return 0; /* room to spare */
  if (touch_rehash(b, b->touch_cap, INT64_MAX) != 0) return -1;
  if ((b->touch_n + 1) * 2 <= b->touch_cap) return 0;
  return touch_rehash(b, b->touch_cap * 2, INT64_MIN);
}

/* An address's hash, never 0 (0: none). Keyed per connection: a client
** picks its own IPv6 address, and an unkeyed hash would let it pick one
** that passes for the address recorded last, so that its use goes
** unrecorded in last_used_ips. */
static uint64_t address_hash(const pat_book *b, const pat_addr *a) {
  uint64_t h = pat_short_hash(a->b, sizeof a->b, b->addr_key);
  return h ? h : 1;
}

/* Whether this connection recorded a use of the entry's token, as the
** check found it, within the interval before the entry's, and from the
** entry's address when it has one (a use from another address is recorded,
** whatever the interval: INTERFACE.md, last_used_ips). */
static int remembered(const pat_book *b, const pat_book_entry *entry) {
  if (b->touch_cap == 0) return 0;
  int k = touch_slot(b, entry->id);
  /* Compared without a difference: a time may be anything. */
  return b->touch_id[k] == entry->id && b->touch_from[k] == entry->valid_from &&
         b->touch_at[k] > entry->now - entry->interval &&
         (entry->client == NULL || b->touch_addr[k] == address_hash(b, entry->client));
}

/* Room for one more held address: past PAT_BOOK_EVENTS_MAX the oldest
** goes. 0, or -1 without memory. */
static int hold_address(pat_book *b, const pat_book_entry *entry) {
  if (b->addr_n == b->addr_cap && b->addr_cap < PAT_BOOK_EVENTS_MAX) {
    int cap = b->addr_cap ? b->addr_cap * 2 : 16;
    held_address *v = sqlite3_realloc64(b->addr, (sqlite3_uint64)cap * sizeof *v);
    if (v == NULL) return -1;
    b->addr = v;
    b->addr_cap = cap;
  }
  if (b->addr_n == PAT_BOOK_EVENTS_MAX) {
    memmove(&b->addr[0], &b->addr[1], (size_t)(b->addr_n - 1) * sizeof *b->addr);
    b->addr_n--;
    b->dropped++;
  }
  held_address *a = &b->addr[b->addr_n++];
  a->id = entry->id;
  a->at = entry->now;
  a->valid_from = entry->valid_from;
  pat_addr_show(entry->client, a->text);
  return 0;
}

/* Records the entry's use, unless this connection recorded one of the same
** token within the interval (the first use of each interval is what is
** written; a token given a new valid_from is a new one). 0, or -1 without
** memory. */
static int hold_touch(pat_book *b, const pat_book_entry *entry) {
  if (remembered(b, entry)) return 0;
  int k = b->touch_cap > 0 ? touch_slot(b, entry->id) : -1;
  if (k < 0 || b->touch_id[k] != entry->id) {
    if (touch_room(b, entry->now - entry->interval) != 0) return -1;
    k = touch_slot(b, entry->id);
    b->touch_id[k] = entry->id;
    b->touch_addr[k] = 0;
    b->touch_n++;
  }
  if (entry->client != NULL) {
    if (hold_address(b, entry) != 0) return -1;
    b->touch_addr[k] = address_hash(b, entry->client);
  }
  b->touch_at[k] = entry->now;
  b->touch_from[k] = entry->valid_from;
  if (!b->touch_pending[k]) {
    b->touch_pending[k] = 1;
    b->pend_n++;
  }
  return 0;
}

/* Makes room for one more event past the cap: the oldest use goes, else the
** oldest deny. */
static void drop_one_event(pat_book *b) {
  int k = 0;
  for (int i = 0; i < b->ev_n; i++)
    if (strcmp(b->ev[i].event, "use") == 0) {
      k = i;
      break;
    }
  sqlite3_free(b->ev[k].detail);
  memmove(&b->ev[k], &b->ev[k + 1], (size_t)(b->ev_n - k - 1) * sizeof *b->ev);
  b->ev_n--;
  b->dropped++;
}

/* Room for one more event, and a copy of its detail in *copy: 0, or -1
** with nothing changed. */
static int event_room(pat_book *b, const char *detail, char **copy) {
  *copy = NULL;
  if (b->ev_n == b->ev_cap && b->ev_n < PAT_BOOK_EVENTS_MAX) {
    int cap = b->ev_cap ? b->ev_cap * 2 : 16;
    held_event *ev = sqlite3_realloc64(b->ev, (sqlite3_uint64)cap * sizeof *ev);
    if (ev == NULL) return -1;
    b->ev = ev;
    b->ev_cap = cap;
  }
  if (detail != NULL && (*copy = sqlite3_mprintf("%s", detail)) == NULL) return -1;
  return 0;
}

static void hold_event(pat_book *b, const pat_book_entry *entry, char *detail) {
  if (b->ev_n >= PAT_BOOK_EVENTS_MAX) drop_one_event(b);
  b->ev[b->ev_n++] = (held_event){.id = entry->id, .at = entry->now,
                                  .valid_from = entry->valid_from, .event = entry->event,
                                  .detail = detail, .retired_id = entry->retired_id};
}

/* ------------------------------------------------------------ writing */

/* One integer from a statement of one row: 1 with *out, 0 without a row,
** -1 failed. */
static int query_int(pat_conn *c, int which, pat_stmt_id id, const pat_arg *args, int n,
                     int64_t *out) {
  pat_err e;
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, id, args, n, &st, &e);
  if (r > 0) {
    *out = sqlite3_column_int64(st, 0);
    pat_store_done(st);
  }
  return r;
}

/* Once pat_store_uses holds more uses than the store has pages (and at
** least PAT_USES_MIN; uses_count says how many, at most over), folds the uses of the next range of token ids, about
** `n` of them, into their rows, in the caller's transaction on `which`
** (sql/schema.sql says why by ranges). 0, or -1. */
static int fold_uses(pat_conn *c, int which, int64_t n) {
  pat_err e;
  int64_t count = 0, pages = 0, from = 0, to = INT64_MAX;
  if (query_int(c, which, PAT_STMT_USES_COUNT, NULL, 0, &count) < 0 ||
      query_int(c, which, PAT_STMT_PAGE_COUNT, NULL, 0, &pages) < 0)
    return -1;
  if (count <= (pages > PAT_USES_MIN ? pages : PAT_USES_MIN)) return 0;
  int r = query_int(c, which, PAT_STMT_FOLD_FROM, NULL, 0, &from);
  if (r < 0) return -1;
  if (r == 0 || from < 0) from = 0;
  r = query_int(c, which, PAT_STMT_FOLD_END, PAT_ARGS(PAT_INT(from), PAT_INT(n)), &to);
  if (r < 0) return -1;
  /* No use that far on: the range runs to the end, and the next starts
  ** over; a range holds one token at least, however many its uses. */
  if (r == 0) to = INT64_MAX;
  else if (to <= from) to = from + 1;
  if (pat_store_exec(c, which, PAT_STMT_FOLD_ROWS, PAT_ARGS(PAT_INT(from), PAT_INT(to)), &e) !=
          0 ||
      pat_store_exec(c, which, PAT_STMT_FOLD_DELETE, PAT_ARGS(PAT_INT(from), PAT_INT(to)), &e) !=
          0)
    return -1;
  int64_t folded = sqlite3_changes64(pat_store_db(c, which));
  return pat_store_exec(c, which, PAT_STMT_FOLD_SET_FROM,
                        PAT_ARGS(PAT_INT(to == INT64_MAX ? 0 : to)), &e) == 0 &&
                 (to == INT64_MAX
                      ? pat_store_exec(c, which, PAT_STMT_USES_RECOUNT, NULL, 0, &e)
                      : pat_store_exec(c, which, PAT_STMT_USES_ADD, PAT_ARGS(PAT_INT(-folded)),
                                       &e)) == 0
             ? 0
             : -1;
}

/* Writes what is held on `which` (main or the second connection), inside
** the transaction the caller opened: each use to pat_store_uses, or on an
** older store read as it is to its row's last_used_at. 0, or -1. */
static int write_held(pat_conn *c, pat_book *b, int which) {
  pat_err e;
  int log = !b->row_uses;
  /* On its own connection no other statement reads: what an upgrade from
  ** version 4 left of the older digest index goes (store.c). */
  int ok = !log || which != PAT_DB_AUX ||
           pat_store_exec(c, which, PAT_STMT_DROP_OLD_INDEX, NULL, 0, &e) == 0;
  /* ... and what an upgrade from version 5 left of its digest index. */
  if (ok && b->version >= PAT_SCHEMA_CLIENT && which == PAT_DB_AUX)
    ok = pat_store_exec(c, which, PAT_STMT_DROP_V5_INDEX, NULL, 0, &e) == 0;
  int64_t uses = 0;
  for (int i = 0; ok && i < b->state_n; i++) {
    const held_state *st = &b->state[i];
    if (st->kind == PAT_STATE_GRACE_END)
      ok = pat_store_exec(c, which, PAT_STMT_GRACE_END_RETIRED,
                          PAT_ARGS(PAT_INT(st->id), PAT_INT(st->grace_end), PAT_INT(st->at)),
                          &e) == 0 &&
           pat_store_exec(c, which, PAT_STMT_GRACE_END,
                          PAT_ARGS(PAT_INT(st->id), PAT_INT(st->grace_end)), &e) == 0;
    else
      ok = pat_store_exec(c, which, PAT_STMT_REVOKE_MARK,
                          PAT_ARGS(PAT_INT(st->id), PAT_TEXT(PAT_REUSE_REASON)), &e) == 0 &&
           pat_store_exec(c, which, PAT_STMT_TOKEN_DELETE, PAT_ARGS(PAT_INT(st->id)), &e) == 0;
  }
  for (int i = 0; ok && i < b->touch_cap; i++) {
    if (b->touch_id[i] == 0 || !b->touch_pending[i]) continue;
    int64_t id = b->touch_id[i], at = b->touch_at[i], from = b->touch_from[i];
    ok = (log ? pat_store_exec(c, which, PAT_STMT_BOOK_USE,
                               PAT_ARGS(PAT_INT(id), PAT_INT(at), PAT_INT(from)), &e)
              : pat_store_exec(c, which, PAT_STMT_BOOK_TOUCH,
                               PAT_ARGS(PAT_INT(id), PAT_INT(at), PAT_INT(from),
                                        PAT_INT(b->interval)),
                               &e)) == 0;
    uses++;
  }
  for (int i = 0; ok && b->version >= PAT_SCHEMA_CLIENT && i < b->addr_n; i++) {
    const held_address *a = &b->addr[i];
    ok = pat_store_exec(c, which, PAT_STMT_BOOK_ADDRESS,
                        PAT_ARGS(PAT_INT(a->id), PAT_TEXT(a->text), PAT_INT(a->at),
                                 PAT_INT(a->valid_from)),
                        &e) == 0 &&
         pat_store_exec(c, which, PAT_STMT_BOOK_ADDRESS_TRIM, PAT_ARGS(PAT_INT(a->id)), &e) == 0;
  }
  for (int i = 0; ok && i < b->ev_n; i++) {
    const held_event *ev = &b->ev[i];
    if (ev->retired_id != 0)
      ok = pat_store_exec(c, which, PAT_STMT_BOOK_RETIRED_SEEN,
                          PAT_ARGS(PAT_INT(ev->retired_id), PAT_INT(ev->at)), &e) == 0 &&
           pat_store_exec(c, which, PAT_STMT_BOOK_RETIRED_EVENT,
                          PAT_ARGS(PAT_INT(ev->retired_id), PAT_INT(ev->at),
                                   PAT_TEXT(ev->detail)),
                          &e) == 0;
    else
      ok = pat_store_exec(c, which, PAT_STMT_BOOK_EVENT,
                          PAT_ARGS(PAT_INT(ev->id), PAT_INT(ev->at), PAT_TEXT(ev->event),
                                   PAT_TEXT(ev->detail), PAT_INT(ev->valid_from)),
                          &e) == 0;
  }
  if (ok && log && uses > 0)
    ok = pat_store_exec(c, which, PAT_STMT_USES_ADD, PAT_ARGS(PAT_INT(uses)), &e) == 0 &&
         fold_uses(c, which, uses * PAT_FOLD_PER_USE) == 0;
  return ok ? 0 : -1;
}

/* Whether the application said this connection does not write (PRAGMA
** query_only); when in doubt, it did. */
static int query_only(pat_conn *c) {
  pat_err e;
  sqlite3_stmt *st;
  int on = 1;
  if (pat_store_query(c, PAT_DB_MAIN, PAT_STMT_QUERY_ONLY, NULL, 0, &st, &e) > 0) {
    on = sqlite3_column_int(st, 0);
    pat_store_done(st);
  }
  return on;
}

static int book_mode(pat_conn *c, pat_book *b) {
  if (b->mode == BOOK_UNKNOWN) {
    const char *file = sqlite3_db_filename(c->db, "main");
    /* A second connection only where it takes the same locks as the
    ** application's (top of file). */
    /* A memdb named "/..." is shared with other connections: its commits
    ** wait for their readers, as a file's do, with no second connection
    ** that could go instead. Newer SQLite (3.54 here) shows no memdb's
    ** name, so one that might be shared is taken as shared: no bookkeeping
    ** rather than a write that could wait. */
    int shared_memdb = strcmp(pat_vfs_name(c), "memdb") == 0 &&
                       (file == NULL || file[0] == '\0' || file[0] == '/');
    b->mode = shared_memdb                                 ? BOOK_NONE
              : pat_vfs_is_memory(c)                      ? BOOK_MEMORY
              : strcmp(pat_vfs_name(c), "unix") == 0 &&
                      !sqlite3_uri_boolean(file, "nolock", 0) &&
                      !sqlite3_uri_boolean(file, "immutable", 0)
                  ? BOOK_AUX
                  : BOOK_NONE;
  }
  return b->mode;
}

/* Whether the application's connection may write at all (remembered for
** the close, when no statement of main's may run). */
static int may_write(pat_conn *c, pat_book *b) {
  b->writable = sqlite3_db_readonly(c->db, "main") == 0 && !query_only(c);
  return b->writable;
}

/* Through the second connection, in one transaction taken at once or not at
** all. 0 written, -1 not now. */
static int write_aux(pat_conn *c, pat_book *b) {
  pat_err e;
  if (pat_conn_aux_open(c, &e) != 0) {
    b->mode = BOOK_NONE;
    return -1;
  }
  int ok = pat_store_exec(c, PAT_DB_AUX, PAT_STMT_AUX_SYNCHRONOUS, NULL, 0, &e) == 0 &&
           pat_store_exec(c, PAT_DB_AUX, PAT_STMT_AUX_NO_CHECKPOINT, NULL, 0, &e) == 0 &&
           pat_store_exec(c, PAT_DB_AUX, PAT_STMT_BEGIN, NULL, 0, &e) == 0;
  if (ok) {
    ok = write_held(c, b, PAT_DB_AUX) == 0 &&
         pat_store_exec(c, PAT_DB_AUX, PAT_STMT_COMMIT, NULL, 0, &e) == 0;
    if (!ok) pat_store_exec(c, PAT_DB_AUX, PAT_STMT_ROLLBACK, NULL, 0, &e);
  }
  pat_conn_aux_close(c);
  return ok ? 0 : -1;
}

/* Through the application's connection, in a transaction of pat's own
** (pat_store_begin: inside the statement that reads, in autocommit). */
static int write_main(pat_conn *c, pat_book *b) {
  pat_err e;
  /* Never inside the application's own write statement (INSERT INTO
  ** temp.t SELECT pat_verify(...)): its failure would take ours with it. */
  if (pat_nested_write_runs(c)) return -1;
  int began = pat_store_begin(c);
  if (began == PAT_BEGAN_FAILED) {
    pat_store_end(c, began, 0, &e);
    return -1;
  }
  /* Its TEMP triggers fire: not into pat. */
  c->writing++;
  int ok = write_held(c, b, PAT_DB_MAIN) == 0;
  c->writing--;
  return pat_store_end(c, began, ok, &e) == 0 ? 0 : -1;
}

enum { FLUSH_CHECK, FLUSH_READ, FLUSH_CLOSE };

/* 1 when main runs in WAL mode. */
static int wal(pat_conn *c) {
  pat_err e;
  sqlite3_stmt *st;
  int on = 0;
  if (pat_store_query(c, PAT_DB_MAIN, PAT_STMT_JOURNAL_MODE, NULL, 0, &st, &e) > 0) {
    const unsigned char *m = sqlite3_column_text(st, 0);
    on = m != NULL && sqlite3_stricmp((const char *)m, "wal") == 0;
    pat_store_done(st);
  }
  return on;
}

/* Writes what the connection holds, where it can; keeps it for later when
** the write lock can not be had now, drops it where it may never be
** written. Whether the connection may write was asked by the check that
** held the last item (and at close no statement of main's may run: the
** connection is being taken apart); a read asks again. */
static void flush(pat_conn *c, pat_book *b, int when, int64_t now_ms) {
  if (held_items(b) == 0 && b->state_n == 0) return;
  int mode = book_mode(c, b), r = -1;
  if (pat_conn_main_file(c) != b->file) {
    /* About a file that is gone. */
    forget_held(b);
    b->state_n = 0;
    return;
  }
  if (mode == BOOK_NONE || (mode == BOOK_MEMORY && when == FLUSH_CLOSE) ||
      (when == FLUSH_READ ? !may_write(c, b) : !b->writable)) {
    /* Never to be written (in memory at close: the database goes too). The
    ** state stays: this connection acts on it for itself. */
    forget_held(b);
    return;
  }
  if (mode == BOOK_MEMORY || when == FLUSH_READ)
    r = write_main(c, b);
  else
    r = write_aux(c, b);
  if (r == 0) {
    held_written(b);
    b->failed_ms = 0;
  } else {
    b->failed_ms = now_ms; /* one more delay before the next try */
  }
}

/* ------------------------------------------------------------ the entry */

/* Due: the delay passed since it began to hold, or the items pile up; after
** a write that could not be made, not before one more delay (the lock is
** taken at most that often). */
static int due(const pat_book *b, int64_t now_ms) {
  int ripe = now_ms - b->since_ms >= b->delay_ms || held_items(b) >= PAT_BOOK_ITEMS;
  return ripe && (b->failed_ms == 0 || now_ms - b->failed_ms >= b->delay_ms);
}


static void book_write(pat_conn *c, const pat_book_entry *entry) {
  pat_book *b = book_get(c);
  /* Most checks: a use of a token this connection recorded within the
  ** interval, and no event. Nothing to hold, nothing to ask. */
  if (b != NULL && entry->event == NULL && b->state_n == 0 &&
      (!entry->touch || remembered(b, entry)) && b->file == pat_conn_main_file(c))
    return;
  if (b == NULL || book_mode(c, b) == BOOK_NONE) return;
  int64_t now_ms = pat_now_ms_vfs(c->vfs);
  /* Held only where it may be written (read-only, query_only: asked at
  ** every use, since the application may set it at any time). */
  if (!may_write(c, b)) return;
  /* What it holds and remembers is about main's file as it was: a
  ** deserialize replaces the file, and what it knew goes. */
  sqlite3_file *file = pat_conn_main_file(c);
  if (b->file != file) {
    forget_held(b);
    b->state_n = 0;
    b->file = file;
  }
  /* Known here: the check found its token in the store (a failure since
  ** may have cleared the connection's idea of it). */
  if (c->store_version >= PAT_SCHEMA_READS_FROM) {
    b->row_uses = c->store_version < PAT_SCHEMA_USES;
    b->version = c->store_version;
  }
  int held = held_items(b) > 0;
  /* A check's last_used_at and its event are held together or not at all
  ** (never a row that says less than it should): without memory for both,
  ** the use is not recorded, as a write that fails. */
  char *detail = NULL;
  if (entry->event != NULL && event_room(b, entry->detail, &detail) != 0) return;
  if (entry->touch && hold_touch(b, entry) != 0) {
    sqlite3_free(detail);
    return;
  }
  if (entry->event != NULL) hold_event(b, entry, detail);
  b->interval = entry->interval;
  b->delay_ms = entry->delay_ms;
  if (!held) b->since_ms = now_ms;
  /* Written only outside the caller's transaction and its write statement
  ** (top of file); held until then. */
  if (due(b, now_ms) && sqlite3_get_autocommit(c->db) &&
      sqlite3_txn_state(c->db, "main") != SQLITE_TXN_WRITE)
    flush(c, b, FLUSH_CHECK, now_ms);
}

/* The entry points run as pat's own work (c->writing): a close the
** application tries from a callback meanwhile (its authorizer, while pat
** prepares) leaves the connection's state in place until pat is done. */
void pat_book_write(pat_conn *c, const pat_book_entry *entry) {
  c->writing++;
  book_write(c, entry);
  c->writing--;
}

static void book_before_read(pat_conn *c, int shows_it) {
  pat_book *b = c->book;
  if (b == NULL || (held_items(b) == 0 && b->state_n == 0)) return;
  int64_t now_ms = pat_now_ms_vfs(c->vfs);
  if (!shows_it && !due(b, now_ms)) return;
  /* After a write that could not be made, one more delay first (a read
  ** that shows it included: the lock is taken at most that often). */
  if (b->failed_ms != 0 && now_ms - b->failed_ms < b->delay_ms) return;
  /* Only where the read can see it and pat waits for nobody: in autocommit,
  ** inside the reading statement's own read transaction (the write lock
  ** is then taken at once or not at all), on WAL or in memory; never
  ** beside the application's own write. */
  if (!sqlite3_get_autocommit(c->db) || pat_nested_write_runs(c)) return;
  int mode = book_mode(c, b);
  if (mode == BOOK_AUX) {
    if (sqlite3_txn_state(c->db, "main") != SQLITE_TXN_READ || !wal(c)) return;
  } else if (mode != BOOK_MEMORY) {
    return;
  }
  flush(c, b, FLUSH_READ, now_ms);
}

void pat_book_before_read(pat_conn *c, int shows_it) {
  c->writing++;
  book_before_read(c, shows_it);
  c->writing--;
}

static void book_state(pat_conn *c, int kind, int64_t id, int64_t grace_end, int64_t at) {
  pat_book *b = book_get(c);
  if (b == NULL) return;
  sqlite3_file *file = pat_conn_main_file(c);
  if (b->file != file) {
    forget_held(b);
    b->state_n = 0;
    b->file = file;
  }
  int k = 0;
  while (k < b->state_n && !(b->state[k].kind == kind && b->state[k].id == id)) k++;
  if (k == b->state_n) {
    if (b->state_n == b->state_cap) {
      int cap = b->state_cap ? b->state_cap * 2 : 8;
      held_state *v = sqlite3_realloc64(b->state, (sqlite3_uint64)cap * sizeof *v);
      if (v == NULL) return;
      b->state = v;
      b->state_cap = cap;
    }
    b->state[b->state_n++] = (held_state){.kind = kind, .id = id, .grace_end = grace_end,
                                          .at = at};
  }
  /* At once, where the bookkeeping could be written now; whatever else is
  ** held goes with it. */
  if (!sqlite3_get_autocommit(c->db) || sqlite3_txn_state(c->db, "main") == SQLITE_TXN_WRITE ||
      book_mode(c, b) == BOOK_NONE || !may_write(c, b))
    return;
  flush(c, b, FLUSH_CHECK, pat_now_ms_vfs(c->vfs));
}

void pat_book_state(pat_conn *c, int kind, int64_t id, int64_t grace_end, int64_t at) {
  c->writing++;
  book_state(c, kind, id, grace_end, at);
  c->writing--;
}

int pat_book_write_state(pat_conn *c) {
  pat_book *b = c->book;
  if (b == NULL || b->state_n == 0 || !sqlite3_get_autocommit(c->db) ||
      sqlite3_txn_state(c->db, "main") == SQLITE_TXN_WRITE || book_mode(c, b) == BOOK_NONE ||
      !may_write(c, b))
    return 0;
  c->writing++;
  flush(c, b, FLUSH_CHECK, pat_now_ms_vfs(c->vfs));
  c->writing--;
  return b->state_n == 0;
}

int pat_book_stops(pat_conn *c, int64_t id, int by_old_value) {
  const pat_book *b = c->book;
  for (int k = 0; b != NULL && k < b->state_n; k++)
    if (b->state[k].id == id &&
        (b->state[k].kind == PAT_STATE_REVOKE || (by_old_value && b->state[k].kind ==
                                                                     PAT_STATE_GRACE_END)))
      return 1;
  return 0;
}

int64_t pat_book_last_use(pat_conn *c, int64_t id, int64_t valid_from) {
  const pat_book *b = c->book;
  if (b == NULL || b->touch_cap == 0 || b->file != pat_conn_main_file(c)) return INT64_MIN;
  int k = touch_slot(b, id);
  return b->touch_id[k] == id && b->touch_from[k] == valid_from ? b->touch_at[k] : INT64_MIN;
}

int64_t pat_book_dropped(pat_conn *c) { return c->book ? c->book->dropped : 0; }
int pat_book_held(pat_conn *c) { return c->book ? held_items(c->book) : 0; }

void pat_book_discard(pat_conn *c) {
  if (c->book == NULL) return;
  forget_held(c->book);
  c->book->state_n = 0;
  c->book->mode = BOOK_UNKNOWN;
  c->book->failed_ms = 0;
}

void pat_book_release(pat_conn *c) {
  pat_book *b = c->book;
  if (b == NULL) return;
  flush(c, b, FLUSH_CLOSE, 0);
  pat_conn_aux_close(c);
  book_free(b);
  c->book = NULL;
}
