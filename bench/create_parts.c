/*
** create_parts.c: where pat_create's time over its floor goes (issue 19).
**
**   make bench-create-parts
**   CP_N=10000 CP_MODES=mem make bench-create-parts
**
** Not part of `make bench`. The "create, 1 txn" row of bench.c times
** BEGIN, 1000 x SELECT pat_create(...), COMMIT against the same 1000 rows
** INSERTed by hand into a plain table (its floor). This program builds the
** distance up in steps, each its own database of N rows, all timed in the
** same run, rep by rep, in an order that rotates so that none always goes
** first:
**
**   A   the floor, as bench.c: floor_tokens, a random 32-byte digest from
**       randombytes_buf, INSERT of the row;
**   Bn  the same row INSERTed into pat's own store (sql/schema.sql, run as
**       pat runs it), pat_store_tokens, but its digest index replaced by a
**       plain one on digest alone: what pat's wider row costs;
**   B0  the same with pat's covering digest index, the id left to SQLite:
**       what the wider index entry costs;
**   Bi  B0 with the id given (?10), as pat gives it in a run of mints;
**   B2  pat's INSERT as every later mint of a run does (ext/store.c,
**       PAT_STMT_INSERT_TOKEN_AT): Bi, the digest only under the policy
**       version read in the same statement;
**   C   B2 with the token made as pat makes it, with pat's own code
**       (ext/token.c, ext/crypto.c linked in): 64 random bytes, base62,
**       CRC32, BLAKE2b-256, the buffers wiped, the result buffer allocated
**       and freed as SQLite would;
**   F   C inside an application-defined SQL function, called as
**       SELECT f(owner, name, rights, from, to): the arguments read, the
**       rights argument compared with the last one (pat's memo), the id
**       taken as pat takes it (known while nothing else wrote), the token
**       returned: about the least a SQL function with pat_create's contract
**       can do;
**   D   SELECT pat_create(owner, name, 'DATA_FETCH, ...', from, to) on a
**       connection with dist/pat.so loaded, its store made by pat_create;
**   D2  (only with CP_EXT2) D with another build of the extension, to
**       measure a change beside the one it changes;
**   B1  (shown last, against B2) pat's INSERT as the first mint of a
**       transaction runs it (PAT_STMT_INSERT_TOKEN): the id from the max()
**       look over tokens, events and id_floor.
**
** Every database starts with N rows (random digests, or N tokens made by
** pat_create for D) and grows by CP_K rows per rep, as bench.c's do.
** Prints, per N and store, each part's median ns per row and the median over
** reps of its time divided by A's in the same rep, for the whole transaction
** (as bench.c times it) and for the rows alone (BEGIN to the last row): on
** a WAL file the COMMIT's flush takes milliseconds and varies by whole
** milliseconds from rep to rep, which swamps what the rows cost; "step" is
** what the part adds to the row above, rows alone.
**
** Environment: CP_N (comma list, 10000,100000), CP_MODES (mem,wal),
** CP_REPS (21, after one warm-up rep), CP_K (rows per transaction, 1000),
** CP_MICRO (calls per round of the token's pieces timed alone, 100000; 0:
** none), CP_ONLY (keys of the parts to run, e.g. "A,D"), CP_ROLLBACK=1
** (each rep rolled back instead of committed, so N stays put: for
** profiles), CP_EXT2 (another build of the extension, timed as part D2
** beside D, to measure a change), CP_PERF_CTL (a perf --control fifo:
** "enable" is written before the timed reps, "disable" after, so a profile
** holds only them), BENCH_DIR (bench/out), BENCH_EXT (dist/pat).
**
** Profiles (bench/README.md): callgrind --toggle-collect=run_rep counts
** what each part's reps execute; perf record -e cpu-clock:u -D -1
** --control=fifo:FIFO with CP_PERF_CTL=FIFO samples them alone.
*/
#include <sqlite3.h>
#include <sodium.h>

#include "format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "create_parts"
#include "bench_util.h"

/* The one source of pat's DDL, as the extension compiles it in. */
static const char pat_schema[] =
#include "schema_sql.h"
    ;

static const char rights_arg[] = "DATA_FETCH, DATA_CREATE, PROJECT_FETCH";
static const char rights_json[] = "[\"DATA_CREATE\",\"DATA_FETCH\",\"PROJECT_FETCH\"]";

/* bench.c's floor, as it is there. */

/* pat's statements, copied from ext/store.c (keep them in step). */
#define IF_POLICY(x)                                                               \
  "CASE WHEN (SELECT value FROM main.pat_store_meta WHERE key = 'policy_version')" \
  " IS ?11 THEN " x " END"
static const char b0_sql[] =
    "INSERT INTO main.pat_store_tokens(digest, owner, name, valid_from,"
    " valid_to, rights, created_at, create_event, rights_hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char b1_sql[] =
    "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from,"
    " valid_to, rights, created_at, create_event, rights_hash) VALUES (max("
    " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0),"
    " coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
    " coalesce((SELECT value FROM main.pat_store_meta WHERE key = 'id_floor'),"
    " 0)) + 1, " IF_POLICY("?1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char b2_sql[] =
    "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from,"
    " valid_to, rights, created_at, create_event, rights_hash)"
    " VALUES (?10, " IF_POLICY("?1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* B0 with the id given, as pat gives it: no policy version read. */
static const char bi_sql[] =
    "INSERT INTO main.pat_store_tokens(id, digest, owner, name, valid_from,"
    " valid_to, rights, created_at, create_event, rights_hash)"
    " VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* In the order of the table printed; each step adds one thing to the row
** above, but B1, an alternative to B2 shown last. */
enum { P_A, P_BN, P_B0, P_BI, P_B2, P_C, P_F, P_D, P_D2, P_B1, NPARTS };
static const char *const part_key[NPARTS] = {"A",  "Bn", "B0", "Bi", "B2",
                                             "C",  "F",  "D",  "D2", "B1"};
static const char *const part_what[NPARTS] = {
    "floor: INSERT into floor_tokens, random digest (as bench.c)",
    "the same INSERT into pat_store_tokens, its index on digest alone (not pat's)",
    "the same with pat's covering index (digest, valid_from, valid_to, last_used_at,"
    " rights_hash), id left to SQLite",
    "B0 with the id given (?10), as pat gives it in a run",
    "pat's INSERT in a run (INSERT_TOKEN_AT): Bi + the policy version read",
    "B2 + the token made by pat's code (64 random bytes, base62, CRC32, BLAKE2b-256, wipes)",
    "C inside a minimal SQL function: SELECT f(owner, name, rights, from, to)",
    "SELECT pat_create(owner, name, rights, from, to)",
    "D with the extension built at CP_EXT2 (another build to compare)",
    "pat's first INSERT of a transaction (INSERT_TOKEN): id by max() look; step vs B2",
};

#define MAX_REPS 201
#define MAX_LEVELS 8

/* ------------------------------------------------------------ utilities */

static char dir[512] = "bench/out";

static void remove_db(const char *path) {
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  char p[700];
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    if (unlink(p) != 0 && errno != ENOENT) die("unlink %s: %s", p, strerror(errno));
  }
}

static const char *ext2_path;

/* ------------------------------------------------------------ the parts */

static int64_t bench_now, rights_hash;
static long seq;

static void row_text(char *owner, size_t on, char *name, size_t nn) {
  long i = seq++;
  snprintf(owner, on, "user%ld", i % 1000);
  snprintf(name, nn, "created %ld", i);
}

/* One part's connection and statement. */
typedef struct part {
  int kind;
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t policy; /* the store's policy_version (B1, B2, C, F) */
  int64_t next_id; /* B2, C: the id pat would know */
  /* F: what the function keeps per connection, as pat keeps it. */
  sqlite3_stmt *ins, *ins_max;
  int64_t f_next, f_changes;
  unsigned int f_dv;
  char memo_arg[128];
} part;

/* The row's other columns, bound as pat binds them (ext/lifecycle.c,
** bind_insert): ?2 .. ?9. */
static int bind_rest(sqlite3_stmt *st, const char *owner, const char *name, int64_t from,
                     int64_t to, int64_t now) {
  int rc = sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, from);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, to);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 6, rights_json, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 7, now);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 8, 1);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 9, rights_hash);
  return rc;
}

__attribute__((noinline)) static long loop_a(part *p, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    unsigned char d[32];
    row_text(owner, sizeof owner, name, sizeof name);
    randombytes_buf(d, sizeof d);
    sqlite3_bind_blob(p->st, 1, d, sizeof d, SQLITE_STATIC);
    sqlite3_bind_text(p->st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(p->st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(p->st, 4, bench_now - 3600);
    sqlite3_bind_int64(p->st, 5, bench_now + 30 * 86400);
    sqlite3_bind_text(p->st, 6, rights_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(p->st, 7, (int64_t)time(NULL));
    wrong += sqlite3_step(p->st) != SQLITE_DONE;
    sqlite3_reset(p->st);
  }
  return wrong;
}

/* Bn, B0, Bi, B2, B1: a random digest, as the floor's. */
__attribute__((noinline)) static long loop_b(part *p, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    unsigned char d[32];
    row_text(owner, sizeof owner, name, sizeof name);
    randombytes_buf(d, sizeof d);
    int rc = sqlite3_bind_blob(p->st, 1, d, sizeof d, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
      rc = bind_rest(p->st, owner, name, bench_now - 3600, bench_now + 30 * 86400,
                     (int64_t)time(NULL));
    if (rc == SQLITE_OK && (p->kind == P_B1 || p->kind == P_B2))
      rc = sqlite3_bind_int64(p->st, 11, p->policy);
    if (rc == SQLITE_OK && (p->kind == P_BI || p->kind == P_B2))
      rc = sqlite3_bind_int64(p->st, 10, p->next_id);
    wrong += rc != SQLITE_OK || sqlite3_step(p->st) != SQLITE_DONE;
    sqlite3_reset(p->st);
    sqlite3_clear_bindings(p->st);
    p->next_id = sqlite3_last_insert_rowid(p->db) + 1;
  }
  return wrong;
}

/* The token as ext/lifecycle.c (mint, mint_and_write) makes it: into a
** sqlite3_malloc'd buffer that SQLite would own as the result. */
static char *make_token(unsigned char digest[PAT_DIGEST_LEN]) {
  char *token = sqlite3_malloc(PAT_TOKEN_MAX + 1);
  if (token == NULL) die("out of memory");
  int len = pat_token_make(token, "pat_", 4);
  if (len < 0 || pat_digest(digest, token, (size_t)len) != 0) die("can not make a token");
  return token;
}

__attribute__((noinline)) static long loop_c(part *p, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    unsigned char d[PAT_DIGEST_LEN];
    row_text(owner, sizeof owner, name, sizeof name);
    char *token = make_token(d);
    int rc = sqlite3_bind_blob(p->st, 1, d, sizeof d, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
      rc = bind_rest(p->st, owner, name, bench_now - 3600, bench_now + 30 * 86400,
                     (int64_t)time(NULL));
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(p->st, 11, p->policy);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(p->st, 10, p->next_id);
    wrong += rc != SQLITE_OK || sqlite3_step(p->st) != SQLITE_DONE;
    sqlite3_reset(p->st);
    sqlite3_clear_bindings(p->st);
    pat_wipe(d, sizeof d);
    p->next_id = sqlite3_last_insert_rowid(p->db) + 1;
    pat_wipe_free(token);
  }
  return wrong;
}

/* F's function: the least pat_create could be as a SQL function. */
static void f_create(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  part *p = sqlite3_user_data(ctx);
  (void)argc;
  const char *owner = (const char *)sqlite3_value_text(argv[0]);
  const char *name = (const char *)sqlite3_value_text(argv[1]);
  const char *rights = (const char *)sqlite3_value_text(argv[2]);
  int64_t from = sqlite3_value_int64(argv[3]), to = sqlite3_value_int64(argv[4]);
  if (owner == NULL || name == NULL || rights == NULL || to <= from ||
      strcmp(rights, p->memo_arg) != 0) {
    sqlite3_result_error(ctx, "f: bad arguments", -1);
    return;
  }
  unsigned char d[PAT_DIGEST_LEN];
  char *token = make_token(d);
  /* The id as pat knows it: only while this connection holds the write lock
  ** and nothing else wrote since its last mint. */
  unsigned int dv = 0;
  int known = p->f_next > 0 && sqlite3_txn_state(p->db, "main") == SQLITE_TXN_WRITE &&
              sqlite3_total_changes64(p->db) == p->f_changes &&
              sqlite3_file_control(p->db, "main", SQLITE_FCNTL_DATA_VERSION, &dv) ==
                  SQLITE_OK &&
              dv == p->f_dv;
  sqlite3_stmt *st = known ? p->ins : p->ins_max;
  int rc = sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = bind_rest(st, owner, name, from, to, (int64_t)time(NULL));
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 11, p->policy);
  if (rc == SQLITE_OK && known) rc = sqlite3_bind_int64(st, 10, p->f_next);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  pat_wipe(d, sizeof d);
  if (rc != SQLITE_DONE) {
    pat_wipe_free(token);
    sqlite3_result_error(ctx, "f: insert failed", -1);
    return;
  }
  p->f_next = sqlite3_last_insert_rowid(p->db) + 1;
  p->f_changes = sqlite3_total_changes64(p->db);
  if (!known &&
      sqlite3_file_control(p->db, "main", SQLITE_FCNTL_DATA_VERSION, &p->f_dv) != SQLITE_OK)
    p->f_next = 0;
  sqlite3_result_text(ctx, token, -1, pat_wipe_free);
}

/* F and D: the bench's own statement, as bench.c's loop_pat_create. */
__attribute__((noinline)) static long loop_call(part *p, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    row_text(owner, sizeof owner, name, sizeof name);
    sqlite3_bind_text(p->st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(p->st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(p->st, 3, rights_arg, -1, SQLITE_STATIC);
    sqlite3_bind_int64(p->st, 4, bench_now - 3600);
    sqlite3_bind_int64(p->st, 5, bench_now + 30 * 86400);
    wrong += sqlite3_step(p->st) != SQLITE_ROW;
    sqlite3_reset(p->st);
  }
  return wrong;
}

static int rollback;

/* One rep of a part: BEGIN, k rows, COMMIT (or ROLLBACK). *whole gets the
** ns per row of all of it, *rows the same without the COMMIT. */
__attribute__((noinline)) static void run_rep(part *p, int k, long *wrong, double *whole,
                                             double *rows) {
  int64_t t0 = now_ns();
  exec(p->db, "BEGIN");
  switch (p->kind) {
    case P_A: *wrong += loop_a(p, k); break;
    case P_BN:
    case P_B0:
    case P_BI:
    case P_B1:
    case P_B2: *wrong += loop_b(p, k); break;
    case P_C: *wrong += loop_c(p, k); break;
    default: *wrong += loop_call(p, k); break;
  }
  int64_t t1 = now_ns();
  exec(p->db, rollback ? "ROLLBACK" : "COMMIT");
  int64_t t2 = now_ns();
  *whole = (double)(t2 - t0) / k;
  *rows = (double)(t1 - t0) / k;
  if (rollback && (p->kind == P_BI || p->kind == P_B2 || p->kind == P_C))
    p->next_id = query_int(p->db, "SELECT max(id) + 1 FROM main.pat_store_tokens");
}

/* ------------------------------------------------------------ set-up */

static void db_path(char *out, size_t n, int kind) {
  snprintf(out, n, "%s/parts_%s.db", dir, part_key[kind]);
}

/* N rows into a part's database, then a fresh connection with the defaults
** (for memory, on a copy), as bench.c measures. */
static void setup(part *p, int kind, int wal, int64_t n) {
  char path[700];
  memset(p, 0, sizeof *p);
  p->kind = kind;
  db_path(path, sizeof path, kind);
  if (wal) remove_db(path);
  sqlite3 *db = open_db(wal ? path : ":memory:");
  if (wal) exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "PRAGMA cache_size = -524288");
  int is_pat = kind == P_D || kind == P_D2;
  const char *ext = kind == P_D2 ? ext2_path : ext_path;
  if (is_pat) load_pat_at(db, ext);
  exec(db, kind == P_A ? floor_schema : is_pat ? "SELECT 1" : pat_schema);
  if (kind == P_BN)
    exec(db, "DROP INDEX pat_store_tokens_digest;"
             " CREATE INDEX parts_digest_only ON pat_store_tokens(digest)");
  sqlite3_stmt *st = prepare(db, kind == P_A ? floor_insert_sql
                                 : is_pat    ? "SELECT pat_create(?1, ?2, ?3, ?4, ?5)"
                                             : b0_sql);
  exec(db, "BEGIN");
  for (int64_t i = 0; i < n; i++) {
    char owner[32], name[32];
    unsigned char d[32];
    snprintf(owner, sizeof owner, "user%lld", (long long)(i % 1000));
    snprintf(name, sizeof name, "token %lld", (long long)i);
    randombytes_buf(d, sizeof d);
    int rc;
    if (is_pat) {
      sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, rights_arg, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, bench_now - 3600);
      sqlite3_bind_int64(st, 5, bench_now + 30 * 86400);
      rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_DONE : SQLITE_ERROR;
    } else {
      sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_TRANSIENT);
      if (kind == P_A) {
        sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, bench_now - 3600);
        sqlite3_bind_int64(st, 5, bench_now + 30 * 86400);
        sqlite3_bind_text(st, 6, rights_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, bench_now);
      } else {
        bind_rest(st, owner, name, bench_now - 3600, bench_now + 30 * 86400, bench_now);
      }
      rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) die("populate %s: %s", part_key[kind], sqlite3_errmsg(db));
    sqlite3_reset(st);
  }
  exec(db, "COMMIT");
  sqlite3_finalize(st);
  if (wal) {
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (sqlite3_close(db) != SQLITE_OK) die("close: %s", sqlite3_errmsg(db));
    db = open_db(path);
    if (is_pat) load_pat_at(db, ext);
  } else {
    /* A copy, as bench.c's memory stores are (backup API), on a fresh
    ** connection with the defaults. */
    sqlite3 *copy = open_db(":memory:");
    sqlite3_backup *b = sqlite3_backup_init(copy, "main", db, "main");
    if (b == NULL) die("backup: %s", sqlite3_errmsg(copy));
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) die("backup: %s", sqlite3_errstr(rc));
    if (sqlite3_close(db) != SQLITE_OK) die("close: %s", sqlite3_errmsg(db));
    db = copy;
    if (is_pat) load_pat_at(db, ext);
  }
  p->db = db;
  if (kind != P_A && !is_pat) {
    p->policy = query_int(db, "SELECT value FROM pat_store_meta WHERE key = 'policy_version'");
    p->next_id = query_int(db, "SELECT max(id) + 1 FROM pat_store_tokens");
  }
  switch (kind) {
    case P_A: p->st = prepare(db, floor_insert_sql); break;
    case P_BN:
    case P_B0: p->st = prepare(db, b0_sql); break;
    case P_BI: p->st = prepare(db, bi_sql); break;
    case P_B1: p->st = prepare(db, b1_sql); break;
    case P_B2:
    case P_C: p->st = prepare(db, b2_sql); break;
    case P_F:
      p->ins = prepare(db, b2_sql);
      p->ins_max = prepare(db, b1_sql);
      snprintf(p->memo_arg, sizeof p->memo_arg, "%s", rights_arg);
      if (sqlite3_create_function(db, "f", 5, SQLITE_UTF8, p, f_create, NULL, NULL) !=
          SQLITE_OK)
        die("create_function: %s", sqlite3_errmsg(db));
      p->st = prepare(db, "SELECT f(?1, ?2, ?3, ?4, ?5)");
      break;
    case P_D:
    case P_D2: p->st = prepare(db, "SELECT pat_create(?1, ?2, ?3, ?4, ?5)"); break;
  }
}

static void teardown(part *p, int wal) {
  sqlite3_finalize(p->st);
  sqlite3_finalize(p->ins);
  sqlite3_finalize(p->ins_max);
  if (sqlite3_close(p->db) != SQLITE_OK) die("close: %s", sqlite3_errmsg(p->db));
  if (wal) {
    char path[700];
    db_path(path, sizeof path, p->kind);
    remove_db(path);
  }
}

/* ------------------------------------------------------------ the run */

static double median(double *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void perf_ctl(const char *cmd) {
  const char *path = getenv("CP_PERF_CTL");
  if (path == NULL || *path == '\0') return;
  FILE *f = fopen(path, "w");
  if (f == NULL) die("CP_PERF_CTL %s: %s", path, strerror(errno));
  fprintf(f, "%s\n", cmd);
  fclose(f);
}

static long total_wrong;
static double first_floor; /* A's median in the first table printed */
static char first_where[64];

/* The median over reps of part i's time over A's in the same rep. */
static double ratio_median(double t[][MAX_REPS], int i, int reps) {
  double r[MAX_REPS];
  for (int j = 0; j < reps; j++) r[j] = t[i][j] / t[P_A][j];
  return median(r, reps);
}

static double plain_median(double t[][MAX_REPS], int i, int reps) {
  double v[MAX_REPS];
  memcpy(v, t[i], sizeof v[0] * (size_t)reps);
  return median(v, reps);
}

static void run(int64_t n, int wal, const char *only, int reps, int k) {
  static part parts[NPARTS];
  static double whole[NPARTS][MAX_REPS], rows[NPARTS][MAX_REPS], commit[NPARTS][MAX_REPS];
  int on[NPARTS], order[NPARTS], non = 0;
  for (int i = 0; i < NPARTS; i++) {
    on[i] = listed(only, part_key[i]) && (i != P_D2 || ext2_path != NULL);
    if (on[i]) {
      setup(&parts[i], i, wal, n);
      order[non++] = i;
    }
  }
  long wrong = 0;
  for (int rep = -1; rep < reps; rep++) {
    if (rep == 0) perf_ctl("enable");
    for (int j = 0; j < non; j++) {
      int i = order[(j + rep + 1) % non];
      double w, r;
      run_rep(&parts[i], k, &wrong, &w, &r);
      if (rep < 0) continue;
      whole[i][rep] = w;
      rows[i][rep] = r;
      commit[i][rep] = (w - r) * k / 1000; /* us per transaction */
    }
  }
  perf_ctl("disable");
  total_wrong += wrong;
  printf("\n### N = %lld, %s%s\n\n", (long long)n, wal ? "WAL file" : "memory",
         rollback ? " (each rep rolled back)" : "");
  printf("| part | what | ns/row, whole txn | / floor | ns/row, rows only | / floor |"
         " step | %s, us/txn |\n", rollback ? "ROLLBACK" : "COMMIT");
  printf("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  double prev = 0, b2 = 0;
  for (int i = 0; i < NPARTS; i++) {
    if (!on[i]) continue;
    double wm = plain_median(whole, i, reps), rm = plain_median(rows, i, reps);
    double wr = on[P_A] ? ratio_median(whole, i, reps) : 0;
    double rr = on[P_A] ? ratio_median(rows, i, reps) : 0;
    if (i == P_A && first_floor == 0) {
      first_floor = wm;
      snprintf(first_where, sizeof first_where, "A, N = %lld, %s", (long long)n,
               wal ? "WAL" : "memory");
    }
    char step[32] = "";
    if (i == P_B2) b2 = rr;
    if (on[P_A] && i != P_A)
      snprintf(step, sizeof step, "%+.2f", rr - (i == P_B1 && on[P_B2] ? b2 : prev));
    printf("| %s | %s | %.0f | %.2f | %.0f | %.2f | %s | %.0f |\n", part_key[i], part_what[i],
           wm, wr, rm, rr, step, plain_median(commit, i, reps));
    prev = rr;
  }
  if (wrong) printf("\nWRONG: %ld rows failed\n", wrong);
  fflush(stdout);
  for (int i = 0; i < NPARTS; i++)
    if (on[i]) teardown(&parts[i], wal);
}

/* ------------------------------------------------------ the token alone */

/* What C adds to B2, one piece at a time, outside SQLite: CP_MICRO calls
** of each per round, the pieces alternating round by round. */
enum {
  M_RAND32, M_RAND40, M_RAND64, M_SEEDED, M_MAKE, M_CRC, M_DIGEST, M_WHOLE, M_GUARD, M_TIME, M_VFSTIME,
  NMICRO
};
static const char *const micro_what[NMICRO] = {
    "randombytes_buf(32 bytes): the floor's random digest",
    "randombytes_buf(40 bytes): enough for a token but about 1 in 300,000",
    "randombytes_buf(64 bytes): pat's pool for one token",
    "64 bytes as randombytes_buf(32 bytes) expanded by randombytes_buf_deterministic",
    "pat_token_make: the 64 bytes, base62, CRC32, wipe of the pool",
    "pat_crc32 of the 36 characters before the checksum",
    "pat_digest: BLAKE2b-256 of the 42-character token",
    "all C adds per row: sqlite3_malloc, pat_token_make, pat_digest, wipes, free",
    "pat_guard's look at the schema: step + reset of SELECT 1 FROM main.sqlite_schema"
    " WHERE 0, in a write transaction",
    "time(NULL): the floor's clock",
    "the VFS's xCurrentTimeInt64: pat's clock (pat_now_vfs)",
};
static sqlite3 *guard_db;
static sqlite3_stmt *guard_st;

__attribute__((noinline)) static unsigned micro_round(int m, int calls) {
  unsigned char d[PAT_DIGEST_LEN], pool[64];
  char tok[PAT_TOKEN_MAX + 1];
  unsigned sink = 0;
  int len = pat_token_make(tok, "pat_", 4);
  for (int c = 0; c < calls; c++) {
    switch (m) {
      case M_RAND32: randombytes_buf(d, sizeof d); sink += d[0]; break;
      case M_RAND64: randombytes_buf(pool, sizeof pool); sink += pool[0]; break;
      case M_MAKE: sink += (unsigned)pat_token_make(tok, "pat_", 4) + (unsigned char)tok[9]; break;
      case M_CRC: tok[5] = (char)('a' + c % 26); sink += pat_crc32((const unsigned char *)tok, 36); break;
      case M_DIGEST:
        tok[5] = (char)('a' + c % 26);
        sink += (unsigned)pat_digest(d, tok, (size_t)len) + d[0];
        break;
      case M_RAND40: randombytes_buf(pool, 40); sink += pool[0]; break;
      case M_SEEDED: {
        unsigned char seed[randombytes_SEEDBYTES];
        randombytes_buf(seed, sizeof seed);
        randombytes_buf_deterministic(pool, sizeof pool, seed);
        sodium_memzero(seed, sizeof seed);
        sink += pool[0];
        break;
      }
      case M_GUARD:
        sink += (unsigned)sqlite3_step(guard_st);
        sqlite3_reset(guard_st);
        break;
      case M_TIME: sink += (unsigned)time(NULL); break;
      case M_VFSTIME: {
        sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
        sqlite3_int64 ms = 0;
        vfs->xCurrentTimeInt64(vfs, &ms);
        sink += (unsigned)ms;
        break;
      }
      case M_WHOLE: {
        char *t = make_token(d);
        sink += d[0] + (unsigned char)t[9];
        pat_wipe(d, sizeof d);
        pat_wipe_free(t);
      }
    }
  }
  return sink;
}

static void micro(int calls, int reps, double floor_ns, const char *floor_where) {
  static double t[NMICRO][MAX_REPS];
  unsigned sink = 0;
  guard_db = open_db(":memory:");
  exec(guard_db, "CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)");
  guard_st = prepare(guard_db, "SELECT 1 FROM \"main\".sqlite_schema WHERE 0");
  for (int rep = -1; rep < reps; rep++)
    for (int j = 0; j < NMICRO; j++) {
      int m = (j + rep + 1) % NMICRO;
      int64_t t0 = now_ns();
      sink += micro_round(m, calls);
      if (rep >= 0) t[m][rep] = (double)(now_ns() - t0) / calls;
    }
  printf("\n### The token alone (%d calls x %d rounds, alternating)\n\n", calls, reps);
  printf("| piece | median ns/call | / floor row (%s, median %.0f ns) |\n", floor_where,
         floor_ns);
  printf("| --- | ---: | ---: |\n");
  for (int m = 0; m < NMICRO; m++) {
    double med = median(t[m], reps);
    printf("| %s | %.0f | %.3f |\n", micro_what[m], med, floor_ns > 0 ? med / floor_ns : 0);
  }
  if (sink == 42) printf("\n");
  sqlite3_finalize(guard_st);
  exec(guard_db, "ROLLBACK");
  if (sqlite3_close(guard_db) != SQLITE_OK) die("close: %s", sqlite3_errmsg(guard_db));
}

int main(void) {
  const char *s = getenv("BENCH_DIR");
  if (s && *s) snprintf(dir, sizeof dir, "%s", s);
  s = getenv("BENCH_EXT");
  if (s && *s) ext_path = s;
  s = getenv("CP_EXT2");
  if (s && *s) ext2_path = s;
  const char *only = getenv("CP_ONLY");
  const char *modes = getenv("CP_MODES");
  if (modes == NULL || *modes == '\0') modes = "mem,wal";
  int reps = (int)env_long("CP_REPS", 21, 1, MAX_REPS);
  int k = (int)env_long("CP_K", 1000, 1, 1000000);
  rollback = env_long("CP_ROLLBACK", 0, 0, 1) == 1;
  int64_t levels[MAX_LEVELS];
  int nlevels = 0;
  const char *list = getenv("CP_N");
  if (list == NULL || *list == '\0') list = "10000,100000";
  for (const char *p = list; *p;) {
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || nlevels == MAX_LEVELS) die("CP_N: a comma list of sizes");
    levels[nlevels++] = v;
    p = *end == ',' ? end + 1 : end;
    if (*end != ',' && *end != '\0') die("CP_N: unexpected '%c'", *end);
  }
  if (sodium_init() < 0) die("sodium_init failed");
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) die("mkdir %s: %s", dir, strerror(errno));
  bench_now = (int64_t)time(NULL);
  rights_hash = pat_rights_hash(rights_json, strlen(rights_json));
  printf("# create_parts: SQLite %s, libsodium %s, %s; median of %d reps x %d rows per"
         " transaction (BEGIN ... COMMIT timed), after a warm-up rep\n",
         sqlite3_libversion(), sodium_version_string(), ext_path, reps, k);
  for (int l = 0; l < nlevels; l++)
    for (int w = 0; w < 2; w++)
      if (listed(modes, w ? "wal" : "mem")) run(levels[l], w, only, reps, k);
  int mcalls = (int)env_long("CP_MICRO", 100000, 0, 100000000);
  if (mcalls > 0) micro(mcalls, reps, first_floor, first_where);
  return total_wrong ? 1 : 0;
}
