/*
** bookkeeping.c: what a check writes on the side: a token's last_used_at,
** and under `audit = all` the use and deny events.
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
**   - it is held only when the application's connection is in autocommit
**     and its own write statement does not run (INSERT INTO t SELECT
**     pat_verify(...)), and never for a check with an explicit `at`; it is
**     written only where the connection may write (not read-only, nor
**     PRAGMA query_only: then what is held is dropped);
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

#include <string.h>

/* What one connection holds at most before it writes (INTERFACE.md). */
#define PAT_BOOK_ITEMS 1000
#define PAT_BOOK_EVENTS_MAX 10000

typedef struct held_event {
  int64_t id, at, valid_from;
  const char *event; /* "use" or "deny" (static) */
  char *detail;      /* sqlite3_malloc'd, or NULL */
} held_event;

/* Where this connection's bookkeeping goes, decided at its first use (and
** again after main's file is replaced). */
enum { BOOK_UNKNOWN, BOOK_MEMORY, BOOK_AUX, BOOK_NONE };

struct pat_book {
  int mode;          /* BOOK_*; BOOK_NONE also once the second connection failed */
  /* Each token's use to write as its last_used_at: open addressing on the
  ** id (ids are positive; 0 marks a free slot). */
  int64_t *touch_id, *touch_at, *touch_from;
  int touch_cap, touch_n;
  int64_t interval;  /* last_used_interval of the latest check */
  held_event *ev;
  int ev_n, ev_cap;
  int64_t since_ms;  /* when it began to hold what it holds */
  int64_t delay_ms;  /* bookkeeping_delay of the latest check */
  int64_t failed_ms; /* when a write last could not be made (0: never) */
  int64_t dropped;   /* events dropped past PAT_BOOK_EVENTS_MAX */
  sqlite3_file *file; /* main's file when it began to hold: what is held is
                      ** about that file (a deserialize replaces it) */
  int writable;       /* the application's connection may write, as last asked */
};

static void forget_held(pat_book *b) {
  for (int i = 0; i < b->ev_n; i++) sqlite3_free(b->ev[i].detail);
  b->ev_n = 0;
  if (b->touch_n > 0) {
    memset(b->touch_id, 0, (size_t)b->touch_cap * sizeof *b->touch_id);
    b->touch_n = 0;
  }
  b->since_ms = 0;
}

static void book_free(pat_book *b) {
  forget_held(b);
  sqlite3_free(b->touch_id);
  sqlite3_free(b->touch_at);
  sqlite3_free(b->touch_from);
  sqlite3_free(b->ev);
  sqlite3_free(b);
}

static pat_book *book_get(pat_conn *c) {
  if (c->book == NULL) {
    c->book = sqlite3_malloc(sizeof *c->book);
    if (c->book != NULL) memset(c->book, 0, sizeof *c->book);
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

static int touch_grow(pat_book *b) {
  int cap = b->touch_cap ? b->touch_cap * 2 : 64;
  int64_t *ids = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *ids);
  int64_t *ats = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *ats);
  int64_t *froms = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *froms);
  if (ids == NULL || ats == NULL || froms == NULL) {
    sqlite3_free(ids);
    sqlite3_free(ats);
    sqlite3_free(froms);
    return -1;
  }
  memset(ids, 0, (size_t)cap * sizeof *ids);
  pat_book old = *b;
  b->touch_id = ids;
  b->touch_at = ats;
  b->touch_from = froms;
  b->touch_cap = cap;
  for (int i = 0; i < old.touch_cap; i++) {
    if (old.touch_id[i] == 0) continue;
    int k = touch_slot(b, old.touch_id[i]);
    b->touch_id[k] = old.touch_id[i];
    b->touch_at[k] = old.touch_at[i];
    b->touch_from[k] = old.touch_from[i];
  }
  sqlite3_free(old.touch_id);
  sqlite3_free(old.touch_at);
  sqlite3_free(old.touch_from);
  return 0;
}

/* Holds a use of token id at `at`, unless one held is within the interval
** (as the row's own last_used_at would be: the first use of each interval
** is what is written). 0, or -1 without memory. */
static int hold_touch(pat_book *b, int64_t id, int64_t at, int64_t interval,
                      int64_t valid_from) {
  if (b->touch_cap > 0) {
    int k = touch_slot(b, id);
    if (b->touch_id[k] == id) {
      if (b->touch_at[k] <= at - interval) b->touch_at[k] = at;
      b->touch_from[k] = valid_from;
      return 0;
    }
  }
  /* At most half full. */
  if ((b->touch_n + 1) * 2 > b->touch_cap && touch_grow(b) != 0) return -1;
  int k = touch_slot(b, id);
  b->touch_id[k] = id;
  b->touch_at[k] = at;
  b->touch_from[k] = valid_from;
  b->touch_n++;
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
                                  .detail = detail};
}

/* ------------------------------------------------------------ writing */

/* Writes what is held on `which` (main or the second connection), inside
** the transaction the caller opened. 0, or -1. */
static int write_held(pat_conn *c, pat_book *b, int which) {
  pat_err e;
  int ok = 1;
  for (int i = 0; ok && i < b->touch_cap; i++)
    if (b->touch_id[i] != 0)
      ok = pat_store_exec(c, which, PAT_STMT_BOOK_TOUCH,
                          PAT_ARGS(PAT_INT(b->touch_id[i]), PAT_INT(b->touch_at[i]),
                                   PAT_INT(b->interval), PAT_INT(b->touch_from[i])),
                          &e) == 0;
  for (int i = 0; ok && i < b->ev_n; i++)
    ok = pat_store_exec(c, which, PAT_STMT_BOOK_EVENT,
                        PAT_ARGS(PAT_INT(b->ev[i].id), PAT_INT(b->ev[i].at),
                                 PAT_TEXT(b->ev[i].event), PAT_TEXT(b->ev[i].detail),
                                 PAT_INT(b->ev[i].valid_from)),
                        &e) == 0;
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
    ** that could go instead. */
    int shared_memdb = strcmp(pat_vfs_name(c), "memdb") == 0 && file != NULL && file[0] == '/';
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
  if (b->touch_n == 0 && b->ev_n == 0) return;
  int mode = book_mode(c, b), r = -1;
  if (mode == BOOK_NONE || (mode == BOOK_MEMORY && when == FLUSH_CLOSE) ||
      pat_conn_main_file(c) != b->file ||
      (when == FLUSH_READ ? !may_write(c, b) : !b->writable)) {
    /* Never to be written (in memory at close: the database goes too). */
    forget_held(b);
    return;
  }
  if (mode == BOOK_MEMORY || when == FLUSH_READ)
    r = write_main(c, b);
  else
    r = write_aux(c, b);
  if (r == 0) {
    forget_held(b);
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
  int ripe = now_ms - b->since_ms >= b->delay_ms || b->touch_n + b->ev_n >= PAT_BOOK_ITEMS;
  return ripe && (b->failed_ms == 0 || now_ms - b->failed_ms >= b->delay_ms);
}


static void book_write(pat_conn *c, const pat_book_entry *entry) {
  pat_book *b = book_get(c);
  if (b == NULL || !sqlite3_get_autocommit(c->db) ||
      sqlite3_txn_state(c->db, "main") == SQLITE_TXN_WRITE)
    return;
  if (book_mode(c, b) == BOOK_NONE) return;
  int64_t now_ms = pat_now_ms_vfs(c->vfs);
  int held = b->touch_n > 0 || b->ev_n > 0;
  /* Held only where it may be written (read-only, query_only: asked at
  ** every use, since the application may set it at any time). */
  if (!may_write(c, b)) return;
  /* A check's last_used_at and its event are held together or not at all
  ** (never a row that says less than it should): without memory for both,
  ** the use is not recorded, as a write that fails. */
  char *detail = NULL;
  if (entry->event != NULL && event_room(b, entry->detail, &detail) != 0) return;
  if (entry->touch &&
      hold_touch(b, entry->id, entry->now, entry->interval, entry->valid_from) != 0) {
    sqlite3_free(detail);
    return;
  }
  if (entry->event != NULL) hold_event(b, entry, detail);
  b->interval = entry->interval;
  b->delay_ms = entry->delay_ms;
  if (!held) {
    b->since_ms = now_ms;
    b->file = pat_conn_main_file(c);
  }
  if (due(b, now_ms)) flush(c, b, FLUSH_CHECK, now_ms);
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
  if (b == NULL || (b->touch_n == 0 && b->ev_n == 0)) return;
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

int64_t pat_book_dropped(pat_conn *c) { return c->book ? c->book->dropped : 0; }
int pat_book_held(pat_conn *c) { return c->book ? c->book->touch_n + c->book->ev_n : 0; }

void pat_book_discard(pat_conn *c) {
  if (c->book == NULL) return;
  forget_held(c->book);
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
