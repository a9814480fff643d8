/*
** fault.h: fault injection for pat, the way SQLite tests itself (issue 13).
**
**   dist/fault/pat_fault malloc     every allocation of each operation fails
**                                   in turn (then every one after it)
**   dist/fault/pat_fault io         every write, sync, lock, ... of each
**                                   operation fails in turn
**   dist/fault/pat_fault copies     no block SQLite frees holds a minted token
**
** pat is linked statically (the objects of dist/core, SQLITE_CORE) against the system
** libsqlite3 and registered with sqlite3_auto_extension. Three pieces sit
** under SQLite:
**   alloc.c  an allocator installed with SQLITE_CONFIG_MALLOC that counts
**            allocations and fails the Nth (transient) or the Nth and all
**            after it (persistent); it also counts live blocks (leaks) and,
**            for the copies test, keeps what freed blocks held;
**   vfs.c    a VFS shim over "unix", registered under the name "unix" as the
**            default (pat's bookkeeping connection opens "unix" by name and
**            gets it too), that fails the Nth xWrite, xSync, xLock, ...; its
**            clock is fixed, so every time pat or SQLite writes is the same
**            on every run and a database can be compared byte for byte;
**   run.c    builds the starting databases once, runs each operation with
**            N = 1, 2, ... until it completes without meeting the Nth fault,
**            and proves each run: no crash (each scenario in a child
**            process), success or a clear error, the database as it was or
**            as after a success (a dump of every pat_store_* table and the
**            schema, read by a fresh connection after the faulting one
**            closed, plus PRAGMA integrity_check), every committed token
**            still verifying, no leaked allocation, and the application's
**            transaction still usable or cleanly rolled back.
** ops.c holds the operations; copies.c the test of issue 13 finding 6.
**
** Never: skip. A suite that can not run fails.
*/
#ifndef PAT_FAULT_H
#define PAT_FAULT_H

#include <sqlite3.h>
#include <stddef.h>

/* ---------------------------------------------------------------- alloc.c */

int fa_install(void); /* before sqlite3_initialize; 0 or -1 */
/* Fails allocation number `n` (1-based, counted from now); with
** `persistent`, every one after it too. n <= 0: count only. */
void fa_arm(long n, int persistent);
void fa_disarm(void);
long fa_count(void);  /* allocations counted since fa_arm */
long fa_fired(void);  /* allocations refused since fa_arm */
long fa_live(void);   /* blocks allocated and not yet freed */
/* While on, every block freed or moved by realloc that holds a run of at
** least 32 base62 characters is copied aside first. */
void fa_keep_freed(int on);
/* How many blocks kept aside held `needle` (n bytes), and their sizes in
** sizes[0..max). Clears the kept blocks. */
int fa_freed_holding(const char *needle, size_t n, int *sizes, int max);

/* ------------------------------------------------------------------ vfs.c */

enum {
  FV_WRITE, FV_SYNC, FV_LOCK, FV_TRUNCATE, FV_SHMLOCK, FV_SHMMAP, FV_READ, FV_OPEN,
  FV_DELETE, FV_KINDS
};
extern const char *const fv_kind_names[FV_KINDS];

/* Registers the shim as "unix" (the default) over the original unix VFS,
** and as `alt` (when not NULL), a second name that is not the operating
** system's. 0 or -1. */
int fv_install(const char *alt);
/* Fails call number `n` of `kind` with `rc`; persistent: every one after.
** n <= 0: count only. */
void fv_arm(int kind, long n, int rc, int persistent);
void fv_disarm(void);
long fv_count(void); /* calls of the armed kind since fv_arm */
long fv_fired(void);

/* ----------------------------------------------------------------- util */

typedef struct fstr {
  char *p;
  size_t n, cap;
} fstr;
void fs_add(fstr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fs_addn(fstr *s, const char *p, size_t n);
void fs_free(fstr *s);

/* ------------------------------------------------------------------ ops.c */

enum { BASE_EMPTY, BASE_STORE, BASE_COUNT };
enum {
  RES_VALUE,  /* the first column of the first row, compared as text */
  RES_TOKEN,  /* a new token: it must verify to the reference's id */
  RES_NONE    /* a write through a table: nothing to compare */
};

typedef struct fault_op {
  const char *name;
  int base;          /* the starting database */
  const char *warm;  /* SQL run before the faults, leaving the store as it was */
  const char *sql;   /* the operation; :t1.. :t4, :tu, :id1.. :id4, :T0 bound */
  int result;
  int book_only;     /* success may leave the store as it was (bookkeeping) */
  /* 0: every journal mode, in autocommit and in a transaction. Else only
  ** these, transient, every point near both ends and a stride in between
  ** (an operation of thousands of allocations costs their square; its
  ** middle is one sqlite3_exec of the store's DDL), unless --full. */
  int only;
} fault_op;

enum { ONLY_DELETE_AUTO = 1, ONLY_DELETE_TXN = 2, ONLY_WAL_AUTO = 4, ONLY_WAL_TXN = 8 };

extern const fault_op fault_ops[];
extern const int fault_nops;

/* ------------------------------------------------------------------ run.c */

enum { SUITE_MALLOC, SUITE_IO };

typedef struct run_opts {
  int suite;
  const char *label;   /* faults-malloc, ... */
  const char *filter;  /* only scenarios whose name holds this, or NULL */
  const char *vfs;     /* "unix" or the alternative name */
  int jobs;            /* scenarios run at once */
  int verbose;         /* a line per fault point */
  int persistent;      /* 0 transient, 1 persistent, 2 both */
  int txn;             /* 0 autocommit, 1 inside BEGIN ... COMMIT, 2 both */
  int journals;        /* bit 0 rollback journal (DELETE), bit 1 WAL */
  long max_points;     /* per scenario, a guard against a run without end */
  int full;            /* the limited operations too in every group and mode */
  long point;          /* > 0: only this fault point (to replay one) */
  int light;           /* leave out the limited operations */
  long stride;         /* > 1: only every stride-th point (N = 1, 1 + stride, ...) */
} run_opts;

int run_suite(const run_opts *o);
int run_copies(const char *dir);

#define FAULT_T0 1767225600LL /* 2026-01-01 00:00:00 UTC: the fixed clock */

#endif
