/*
** run.c: the fault suites' runner.
**
** The starting databases are built once (build_bases) and kept as bytes; a
** run writes them back to a file before it opens it, which is far cheaper
** than making a store again. Each group of runs (one operation, one journal
** mode, in autocommit or inside the application's transaction) runs in a
** child process, so a crash is reported with the fault point that caused it
** and the other groups still run; two groups run at once on two cores.
**
** One run (iterate):
**   1. write the starting bytes to the file; open connection A (no faults);
**      run the operation's warm-up; in a transaction, BEGIN and write a row
**      of the application's own;
**   2. arm the fault; run the operation; in a transaction, then write
**      another row and COMMIT (a failed operation first disarms, so that
**      what follows proves the transaction still usable); close A, still
**      armed (pat's bookkeeping may be written at close);
**   3. disarm; open a fresh connection B: PRAGMA integrity_check, a dump of
**      the schema and of every pat_store_* table and the application's,
**      and pat_verify(token, T0) of every token of the start (and of the one
**      the operation returned), which writes nothing;
**   4. count the blocks still allocated: none may be left.
** Three runs without faults give what a run must end as: the operation done
** (ok), not done (none), and in a transaction, not done and rolled back
** (plain). The fault points are N = 1, 2, ... until a run ends without
** meeting the Nth fault: every allocation (or call) of the operation fails
** once.
*/
#include "fault.h"
#include "pat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ fstr */

void fs_addn(fstr *s, const char *p, size_t n) {
  if (s->n + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->n + n + 1) cap *= 2;
    char *q = realloc(s->p, cap);
    if (q == NULL) abort();
    s->p = q;
    s->cap = cap;
  }
  memcpy(s->p + s->n, p, n);
  s->n += n;
  s->p[s->n] = '\0';
}

void fs_add(fstr *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  char *buf = malloc((size_t)k + 1);
  if (buf == NULL) abort();
  va_start(ap, fmt);
  vsnprintf(buf, (size_t)k + 1, fmt, ap);
  va_end(ap);
  fs_addn(s, buf, (size_t)k);
  free(buf);
}

void fs_free(fstr *s) {
  free(s->p);
  s->p = NULL;
  s->n = s->cap = 0;
}

static const char *fs_str(const fstr *s) { return s->p ? s->p : ""; }

/* One line to stdout in one write, so that lines of two groups running at
** once do not mix. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  if ((size_t)k > sizeof buf - 2) k = (int)sizeof buf - 2;
  buf[k++] = '\n';
  ssize_t w = write(STDOUT_FILENO, buf, (size_t)k);
  (void)w;
}

/* snprintf that cuts on purpose (messages, names): returns dst. */
static const char *put(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *put(char *dst, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst, n, fmt, ap);
  va_end(ap);
  return dst;
}

/* ------------------------------------------------------- starting state */

enum { J_DELETE, J_WAL, J_COUNT };
static const char *const journal_names[J_COUNT] = {"delete", "wal"};

static char workdir[512];
static unsigned char *base_bytes[J_COUNT][BASE_COUNT];
static size_t base_len[J_COUNT][BASE_COUNT];
/* t1..t5 of the store, and tu of another store. */
#define NTOK 5
static char tok[NTOK + 1][64];
static long long tok_id[NTOK];
/* The digests of the start, shown by number in dumps. */
static unsigned char known[16][32];
static int nknown;
/* The store's policy_version of the start: random() on every change. */
static long long known_pv;
/* The token a run's operation returned, bound as :new. */
static char new_tok[160];

static int bind_all(sqlite3_stmt *st) {
  int n = sqlite3_bind_parameter_count(st);
  for (int i = 1; i <= n; i++) {
    const char *name = sqlite3_bind_parameter_name(st, i);
    int rc = SQLITE_RANGE;
    if (name == NULL) return SQLITE_RANGE;
    if (strlen(name) == 3 && name[1] == 't' && name[2] >= '1' && name[2] < '1' + NTOK)
      rc = sqlite3_bind_text(st, i, tok[name[2] - '1'], -1, SQLITE_STATIC);
    else if (strcmp(name, ":tu") == 0)
      rc = sqlite3_bind_text(st, i, tok[NTOK], -1, SQLITE_STATIC);
    else if (strlen(name) == 4 && strncmp(name, ":id", 3) == 0 && name[3] >= '1' &&
             name[3] < '1' + NTOK)
      rc = sqlite3_bind_int64(st, i, tok_id[name[3] - '1']);
    else if (strcmp(name, ":T0") == 0)
      rc = sqlite3_bind_int64(st, i, FAULT_T0);
    else if (strcmp(name, ":new") == 0)
      rc = sqlite3_bind_text(st, i, new_tok, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

/* What a statement list ended with: its error, and the first column of its
** first row. */
typedef struct capture {
  int rc, xrc;
  char err[400];
  char value[160];
} capture;

/* Runs every statement of `sql` with the named parameters bound; reading the
** result allocates nothing (column_blob of a TEXT value is its bytes). */
static int run_sql(sqlite3 *db, const char *sql, capture *cap) {
  capture scratch;
  if (cap == NULL) cap = &scratch;
  memset(cap, 0, sizeof *cap);
  const char *tail = sql;
  int rc = SQLITE_OK, got = 0;
  while (rc == SQLITE_OK && tail != NULL && *tail != '\0') {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
    if (rc != SQLITE_OK) {
      put(cap->err, sizeof cap->err, "%s", sqlite3_errmsg(db));
      cap->xrc = sqlite3_extended_errcode(db);
      break;
    }
    if (st == NULL) continue;
    rc = bind_all(st);
    while (rc == SQLITE_OK) {
      int s = sqlite3_step(st);
      if (s == SQLITE_DONE) break;
      if (s != SQLITE_ROW) {
        rc = s;
        put(cap->err, sizeof cap->err, "%s", sqlite3_errmsg(db));
        cap->xrc = sqlite3_extended_errcode(db);
        break;
      }
      if (got++ == 0) {
        int t = sqlite3_column_type(st, 0);
        if (t == SQLITE_NULL) {
          put(cap->value, sizeof cap->value, "NULL");
        } else if (t == SQLITE_INTEGER) {
          put(cap->value, sizeof cap->value, "%lld",
                   (long long)sqlite3_column_int64(st, 0));
        } else {
          const void *b = sqlite3_column_blob(st, 0);
          int n = sqlite3_column_bytes(st, 0);
          if (n > (int)sizeof cap->value - 1) n = (int)sizeof cap->value - 1;
          if (b != NULL) memcpy(cap->value, b, (size_t)n);
          cap->value[b ? n : 0] = '\0';
        }
      }
    }
    sqlite3_finalize(st);
  }
  cap->rc = rc;
  return rc;
}

static int write_file(const char *path, const unsigned char *p, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, p + off, n - off);
    if (w <= 0) {
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  return close(fd);
}

static int read_file(const char *path, unsigned char **p, size_t *n) {
  struct stat sb;
  int fd = open(path, O_RDONLY);
  if (fd < 0 || fstat(fd, &sb) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *n = (size_t)sb.st_size;
  *p = malloc(*n ? *n : 1);
  if (*p == NULL || read(fd, *p, *n) != (ssize_t)*n) {
    close(fd);
    return -1;
  }
  return close(fd);
}

static void remove_db(const char *path) {
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
  char p[700];
  for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
    put(p, sizeof p, "%s%s", path, sfx[i]);
    unlink(p);
  }
}

/* One value of a one-row query, or "" and -1. */
static int query1(sqlite3 *db, const char *sql, char *out, size_t n) {
  capture c;
  int rc = run_sql(db, sql, &c);
  put(out, n, "%s", rc == SQLITE_OK ? c.value : c.err);
  return rc == SQLITE_OK ? 0 : -1;
}

static int fail_build(sqlite3 *db, const char *what) {
  fprintf(stderr, "fault: can not build the starting database (%s): %s\n", what,
          db ? sqlite3_errmsg(db) : "no connection");
  sqlite3_close(db);
  return -1;
}

/* The store of ops.c, made through pat at the fixed clock, in rollback
** journal mode; the WAL copies are the same file switched to WAL. */
static int build_bases(void) {
  char path[700], v[160];
  sqlite3 *db = NULL;
  /* A token of another store: well formed, unknown here. */
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      query1(db, "SELECT pat_create('x', 'x', 'DATA_FETCH')", tok[NTOK], sizeof tok[NTOK]) != 0)
    return fail_build(db, "a foreign token");
  sqlite3_close(db);
  db = NULL;

  for (int base = 0; base < BASE_COUNT; base++) {
    put(path, sizeof path, "%s/base%d.db", workdir, base);
    remove_db(path);
    if (sqlite3_open(path, &db) != SQLITE_OK) return fail_build(db, "open");
    if (run_sql(db, "CREATE TABLE app(x)", NULL) != SQLITE_OK) return fail_build(db, "app");
    if (base == BASE_STORE) {
      static const char *const mint[NTOK] = {
          "SELECT pat_create('alice', 'one', 'DATA_FETCH, DATA_CREATE, USER_FETCH')",
          "SELECT pat_create('bob', 'two', 'DATA_*')",
          "SELECT pat_create(42, 'three', '*')",
          "SELECT pat_create('alice', 'old', 'DATA_FETCH', :T0 - 5184000, :T0 - 2592000)",
          "SELECT pat_create('dave', 'gone', 'DATA_FETCH')"};
      if (run_sql(db, "UPDATE pat_settings SET value = 'all' WHERE key = 'audit'", NULL) !=
          SQLITE_OK)
        return fail_build(db, "audit");
      /* Each check writes its bookkeeping at once: the faults reach that
      ** write inside the operation, not at some later one. */
      if (run_sql(db, "UPDATE pat_settings SET value = 0 WHERE key = 'bookkeeping_delay'",
                  NULL) != SQLITE_OK)
        return fail_build(db, "bookkeeping_delay");
      for (int i = 0; i < NTOK; i++) {
        if (query1(db, mint[i], tok[i], sizeof tok[i]) != 0 || strlen(tok[i]) < 40)
          return fail_build(db, mint[i]);
        if (query1(db, "SELECT max(id) FROM pat_tokens", v, sizeof v) != 0)
          return fail_build(db, "id");
        tok_id[i] = atoll(v);
        /* alice becomes an AUTHOR after t1 got USER_FETCH: a right held
        ** and no longer granted. */
        if (i == 0 &&
            run_sql(db, "INSERT INTO pat_owners(owner, role) VALUES ('alice', 'AUTHOR')",
                    NULL) != SQLITE_OK)
          return fail_build(db, "owner");
      }
      if (run_sql(db,
                  "UPDATE pat_tokens SET name = 'three (renamed)' WHERE id = :id3;"
                  "SELECT pat_verify(:t3);"
                  "DELETE FROM pat_tokens WHERE id = :id5;"
                  "INSERT INTO pat_roles(role, right) VALUES ('AUDITOR', 'DATA_FETCH')",
                  NULL) != SQLITE_OK)
        return fail_build(db, "changes");
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2(db, "SELECT digest FROM pat_store_tokens ORDER BY id", -1, &st,
                             NULL) != SQLITE_OK)
        return fail_build(db, "digests");
      while (sqlite3_step(st) == SQLITE_ROW && nknown < 16)
        if (sqlite3_column_bytes(st, 0) == 32)
          memcpy(known[nknown++], sqlite3_column_blob(st, 0), 32);
      sqlite3_finalize(st);
      if (query1(db, "SELECT value FROM pat_store_meta WHERE key = 'policy_version'", v,
                 sizeof v) != 0)
        return fail_build(db, "policy_version");
      known_pv = atoll(v);
      if (query1(db, "SELECT unixepoch(last_used_at) FROM pat_tokens WHERE id = :id3", v,
                 sizeof v) != 0 || atoll(v) != FAULT_T0)
        return fail_build(db, "the bookkeeping of the start (t3 not marked used)");
    }
    if (sqlite3_close(db) != SQLITE_OK) return fail_build(db, "close");
    db = NULL;
    for (int j = 0; j < J_COUNT; j++) {
      if (j == J_WAL) {
        if (sqlite3_open(path, &db) != SQLITE_OK ||
            query1(db, "PRAGMA journal_mode = WAL", v, sizeof v) != 0 || strcmp(v, "wal") != 0)
          return fail_build(db, "WAL");
        if (sqlite3_close(db) != SQLITE_OK) return fail_build(db, "close");
        db = NULL;
      }
      if (read_file(path, &base_bytes[j][base], &base_len[j][base]) != 0)
        return fail_build(NULL, "read");
    }
    remove_db(path);
  }
  return 0;
}

/* ------------------------------------------------------------------ runs */

typedef struct scen {
  const run_opts *o;
  const fault_op *op;
  int journal, txn;
  char path[600];
} scen;

/* One fault configuration: what fails, and how. */
typedef struct fcfg {
  char name[64];
  int persistent;
  int kind, rc; /* io */
} fcfg;

static int suite;

static void arm(const fcfg *c, long n) {
  if (suite == SUITE_MALLOC) fa_arm(n, c->persistent);
  else fv_arm(c->kind, n, c->rc, c->persistent);
}

static void disarm(void) {
  fa_disarm();
  fv_disarm();
}

static long fault_count(void) { return suite == SUITE_MALLOC ? fa_count() : fv_count(); }
static long fault_fired(void) { return suite == SUITE_MALLOC ? fa_fired() : fv_fired(); }

typedef struct outcome {
  char harness[400];   /* the run itself could not be made */
  capture op;
  int left_txn_open;   /* autocommit: pat left a transaction open */
  int txn_closed;      /* in a transaction: it was gone after the operation */
  int undo_left;       /* pat said it could not undo; the application rolled back */
  capture tail;        /* in a transaction: the row after and COMMIT */
  int committed;
  int close_rc, close_rc2;
  char close_err[200];
  long count, fired;
  char integrity[200];
  fstr dump;
  char verify[400];    /* pat_verify(t1..t4, T0) */
  char newv[64];       /* pat_verify of the token the operation returned */
  char probe[200];     /* the faulting connection's answers afterwards */
  long leak;
  unsigned char *bytes; /* the file after A closed, when nothing else was left */
  size_t nbytes;
} outcome;

static void outcome_free(outcome *o) {
  fs_free(&o->dump);
  free(o->bytes);
  o->bytes = NULL;
}

/* The reference runs, without a fault: the operation (ok), none (none),
** none and the transaction rolled back (plain), and, inside a transaction,
** the operation then the transaction rolled back (book): a check holds its
** bookkeeping inside the caller's transaction and writes it after, at the
** close here, so a check whose transaction failed leaves the store as it
** was plus that bookkeeping. */
typedef struct refs {
  outcome ok, none, plain, book;
} refs;

static void show_value(fstr *d, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
      fs_add(d, "NULL");
      break;
    case SQLITE_INTEGER:
      fs_add(d, "%lld", (long long)sqlite3_column_int64(st, i));
      break;
    case SQLITE_FLOAT:
      fs_add(d, "%.17g", sqlite3_column_double(st, i));
      break;
    case SQLITE_TEXT:
      fs_add(d, "'%s'", (const char *)sqlite3_column_text(st, i));
      break;
    default: {
      const unsigned char *b = sqlite3_column_blob(st, i);
      int n = sqlite3_column_bytes(st, i);
      if (n == 32) {
        /* Digests: those of the start by number, any other as new. */
        for (int k = 0; k < nknown; k++)
          if (memcmp(known[k], b, 32) == 0) {
            fs_add(d, "D%d", k + 1);
            return;
          }
        fs_add(d, "D?");
        return;
      }
      fs_add(d, "X'");
      for (int k = 0; k < n; k++) fs_add(d, "%02x", b[k]);
      fs_add(d, "'");
    }
  }
}

/* Every table pat made and the application's, row by row, and the schema. */
static int dump(sqlite3 *db, fstr *d) {
  char names[32][64];
  int n = 0;
  sqlite3_stmt *st = NULL;
  char v[64];
  if (query1(db, "PRAGMA journal_mode", v, sizeof v) != 0) return -1;
  fs_add(d, "journal_mode %s\n", v);
  if (sqlite3_prepare_v2(db,
                         "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    fs_add(d, "schema %s %s %s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
           sqlite3_column_text(st, 2),
           sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "NULL");
    const char *name = (const char *)sqlite3_column_text(st, 1);
    if (strcmp((const char *)sqlite3_column_text(st, 0), "table") == 0 && n < 32 &&
        strlen(name) < sizeof names[0] && strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789") ==
                                              strlen(name))
      put(names[n++], sizeof names[0], "%s", name);
  }
  if (sqlite3_finalize(st) != SQLITE_OK) return -1;
  for (int t = 0; t < n; t++) {
    char sql[200];
    put(sql, sizeof sql, "SELECT rowid, * FROM main.%s ORDER BY rowid", names[t]);
    st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
      put(sql, sizeof sql, "SELECT * FROM main.%s ORDER BY 1", names[t]);
      if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      fs_add(d, "%s", names[t]);
      /* A version drawn at random: whether it moved is what counts. */
      const char *key = (const char *)sqlite3_column_text(st, 0);
      int pv = strcmp(names[t], "pat_store_meta") == 0 && key &&
               strcmp(key, "policy_version") == 0 && sqlite3_column_count(st) == 2;
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        fs_add(d, "|");
        if (pv && i == 1)
          fs_add(d, "%s", sqlite3_column_int64(st, 1) == known_pv ? "(as at the start)"
                                                                  : "(changed)");
        else
          show_value(d, st, i);
      }
      fs_add(d, "\n");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return -1;
  }
  return 0;
}

/* Step 3: what the database holds, seen by a fresh connection. */
static void inspect(const scen *s, outcome *o) {
  sqlite3 *b = NULL;
  char v[160];
  if (sqlite3_open_v2(s->path, &b, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    put(o->harness, sizeof o->harness, "can not open the database afterwards: %s",
             sqlite3_errmsg(b));
    sqlite3_close(b);
    return;
  }
  query1(b, "PRAGMA integrity_check", o->integrity, sizeof o->integrity);
  if (dump(b, &o->dump) != 0)
    put(o->harness, sizeof o->harness, "can not dump the database: %s", sqlite3_errmsg(b));
  o->verify[0] = '\0';
  if (s->op->base == BASE_STORE) {
    for (int i = 0; i < NTOK; i++) {
      char sql[64];
      put(sql, sizeof sql, "SELECT pat_verify(:t%d, :T0)", i + 1);
      query1(b, sql, v, sizeof v);
      size_t k = strlen(o->verify);
      put(o->verify + k, sizeof o->verify - k, "t%d=%s ", i + 1, v);
    }
  }
  if (s->op->result == RES_TOKEN && o->op.rc == SQLITE_OK) {
    put(new_tok, sizeof new_tok, "%s", o->op.value);
    query1(b, "SELECT pat_verify(:new, :T0)", o->newv, sizeof o->newv);
  }
  if (sqlite3_close(b) != SQLITE_OK && o->harness[0] == '\0')
    put(o->harness, sizeof o->harness, "can not close the inspecting connection");
}

/* Asked of the faulting connection once its fault has fired (transient):
** nothing it caches may keep a fault's mark (a policy read half under a
** failed allocation, say). Checks with `at` write nothing. */
static const char probe_sql[] =
    "SELECT quote(pat_verify(:t1, :T0)) || ' ' || pat_has_right(:t1, 'DATA_FETCH', :T0)"
    " || ' ' || pat_has_right(:t1, 'USER_FETCH', :T0) || ' ' ||"
    " pat_has_right(:t2, 'DATA_UPDATE', :T0) || ' ' || pat_has_right(:t3, 'USER_DELETE', :T0)"
    " || ' ' || (SELECT group_concat(key || '=' || quote(value), ' ') FROM pat_settings)";

enum { RUN_OP, RUN_NONE, RUN_PLAIN, RUN_OP_ROLLBACK };

/* 1 when the file stands alone: no journal, WAL or shared memory left. */
static int alone(const char *path) {
  static const char *const sfx[] = {"-wal", "-shm", "-journal"};
  char p[700];
  for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
    put(p, sizeof p, "%s%s", path, sfx[i]);
    if (access(p, F_OK) == 0) return 0;
  }
  return 1;
}

/* A file byte for byte as a reference run left it holds what that run's
** inspection found: the inspection is taken over (a run that wrote a new
** token never matches: its digest is new). */
static int take_over(outcome *o, const refs *r) {
  const outcome *cand[4] = {&r->ok, &r->none, &r->plain, &r->book};
  for (int i = 0; i < 4; i++) {
    const outcome *c = cand[i];
    if (c->bytes == NULL || c->nbytes != o->nbytes || memcmp(c->bytes, o->bytes, o->nbytes) != 0)
      continue;
    fs_addn(&o->dump, fs_str(&c->dump), c->dump.n);
    put(o->integrity, sizeof o->integrity, "%s", c->integrity);
    put(o->verify, sizeof o->verify, "%s", c->verify);
    return 1;
  }
  return 0;
}

static void iterate(const scen *s, const fcfg *c, long n, int what, const refs *r,
                    outcome *o) {
  memset(o, 0, sizeof *o);
  remove_db(s->path);
  if (write_file(s->path, base_bytes[s->journal][s->op->base],
                 base_len[s->journal][s->op->base]) != 0) {
    put(o->harness, sizeof o->harness, "can not write %s: %s", s->path, strerror(errno));
    return;
  }
  long live0 = fa_live();
  sqlite3 *a = NULL;
  capture w;
  if (sqlite3_open_v2(s->path, &a, SQLITE_OPEN_READWRITE, s->o->vfs) != SQLITE_OK) {
    put(o->harness, sizeof o->harness, "can not open: %s", sqlite3_errmsg(a));
    sqlite3_close(a);
    return;
  }
  /* SQLite's own parse of the schema is not pat's to prove. */
  if (run_sql(a, "SELECT count(*) FROM sqlite_schema", &w) != SQLITE_OK)
    put(o->harness, sizeof o->harness, "can not read the schema: %s", w.err);
  else if (s->op->warm && run_sql(a, s->op->warm, &w) != SQLITE_OK)
    put(o->harness, sizeof o->harness, "the warm-up failed: %s", w.err);
  else if (s->txn && run_sql(a, "BEGIN; INSERT INTO app VALUES ('in-txn')", &w) != SQLITE_OK)
    put(o->harness, sizeof o->harness, "BEGIN failed: %s", w.err);
  if (o->harness[0]) {
    sqlite3_close(a);
    return;
  }
  arm(c, n);
  if ((what == RUN_OP || what == RUN_OP_ROLLBACK) && run_sql(a, s->op->sql, &o->op) != SQLITE_OK)
    disarm();
  /* pat's one failure that leaves work to the application: out of memory
  ** right after it made the store's indexes (which expire the undo it had
  ** prepared) and inside the caller's statement (which keeps SQLite from
  ** preparing another), pat can not end its write. SQLite then reports
  ** only "out of memory" (it can not copy pat's message either). The README
  ** says what to do: after SQLITE_NOMEM from a pat call, roll back. Done
  ** here only where pat's write is really left open, so that every other
  ** point still proves the application's transaction goes on; the checks
  ** below prove the rollback leaves the database as it was. */
  if (what == RUN_OP && (o->op.rc & 0xff) == SQLITE_NOMEM) {
    if (!s->txn && !sqlite3_get_autocommit(a)) {
      o->undo_left = 1;
      run_sql(a, "ROLLBACK", NULL);
    } else if (s->txn && !sqlite3_get_autocommit(a) &&
               run_sql(a, "ROLLBACK TO pat_write", NULL) == SQLITE_OK) {
      o->undo_left = 1;
      run_sql(a, "ROLLBACK", NULL);
    }
  }
  if (!s->txn) {
    o->left_txn_open = !sqlite3_get_autocommit(a);
  } else if (sqlite3_get_autocommit(a)) {
    o->txn_closed = 1;
  } else if (what == RUN_PLAIN || what == RUN_OP_ROLLBACK) {
    run_sql(a, "ROLLBACK", NULL);
  } else if (run_sql(a, "INSERT INTO app VALUES ('after'); COMMIT", &o->tail) != SQLITE_OK) {
    disarm();
    if (!sqlite3_get_autocommit(a)) run_sql(a, "ROLLBACK", NULL);
  } else {
    o->committed = 1;
  }
  /* A reference run asks too, to know the answers. */
  o->count = fault_count();
  if (s->op->base == BASE_STORE && (r == NULL || (fault_fired() > 0 && !c->persistent))) {
    capture pc;
    if (run_sql(a, probe_sql, &pc) == SQLITE_OK) put(o->probe, sizeof o->probe, "%s", pc.value);
    else put(o->probe, sizeof o->probe, "error: %s", pc.err);
  }
  o->close_rc = sqlite3_close(a);
  if (o->close_rc != SQLITE_OK) {
    put(o->close_err, sizeof o->close_err, "%s", sqlite3_errmsg(a));
    disarm();
    o->close_rc2 = sqlite3_close(a);
  }
  o->fired = fault_fired();
  disarm();
  if (alone(s->path) && read_file(s->path, &o->bytes, &o->nbytes) != 0) {
    free(o->bytes);
    o->bytes = NULL;
  }
  int fresh_token = s->op->result == RES_TOKEN && o->op.rc == SQLITE_OK;
  if (r == NULL || fresh_token || o->bytes == NULL || !take_over(o, r)) inspect(s, o);
  if (r != NULL) {
    free(o->bytes);
    o->bytes = NULL;
  }
  o->leak = fa_live() - live0;
}

/* ------------------------------------------------------------- judging */

static int clear_error(int rc, const char *msg) {
  if (suite == SUITE_MALLOC) return (rc & 0xff) == SQLITE_NOMEM || strstr(msg, "out of memory");
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return 1;
    default:
      break;
  }
  return strstr(msg, "disk I/O error") || strstr(msg, "database is locked") ||
         strstr(msg, "database or disk is full") || strstr(msg, "unable to open database") ||
         strstr(msg, "locking protocol");
}

static int looks_like_token(const char *v) {
  size_t n = strlen(v);
  return n >= 42 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* The first line where two dumps differ, for the report. */
static void first_difference(const char *got, const char *want, char *out, size_t n) {
  const char *g = got, *w = want;
  while (*g && *w) {
    size_t gl = strcspn(g, "\n"), wl = strcspn(w, "\n");
    if (gl != wl || memcmp(g, w, gl) != 0) {
      put(out, n, "got \"%.*s\", want \"%.*s\"", (int)(gl > 300 ? 300 : gl), g,
               (int)(wl > 300 ? 300 : wl), w);
      return;
    }
    g += gl + (g[gl] == '\n');
    w += wl + (w[wl] == '\n');
  }
  if (*g) put(out, n, "got an extra \"%.*s\"", (int)strcspn(g, "\n"), g);
  else if (*w) put(out, n, "missing \"%.*s\"", (int)strcspn(w, "\n"), w);
  else put(out, n, "the same rows");
}

static int same_state(const outcome *a, const outcome *b) {
  return strcmp(fs_str(&a->dump), fs_str(&b->dump)) == 0 && strcmp(a->verify, b->verify) == 0;
}

/* NULL when the run proves what it must, else why not. */
static const char *judge(const scen *s, const refs *r, const outcome *o, char *why, size_t n) {
  const fault_op *op = s->op;
  if (o->harness[0]) return put(why, n, "%s", o->harness);
  if (o->close_rc != SQLITE_OK)
    return put(why, n, "sqlite3_close: %s (%s)", o->close_err,
                    o->close_rc2 == SQLITE_OK ? "closed once the faults stopped" : "never closed");
  if (o->leak != 0) return put(why, n, "%ld allocation(s) never freed", o->leak);
  if (strcmp(o->integrity, "ok") != 0)
    return put(why, n, "integrity_check: %s", o->integrity);
  if (o->left_txn_open)
    return put(why, n, "the connection was left inside a transaction (op: %s)",
                    o->op.rc ? o->op.err : "ok");
  int op_ok = o->op.rc == SQLITE_OK, ref_ok = r->ok.op.rc == SQLITE_OK;
  const outcome *want = NULL, *alt = NULL;
  const char *state = "";
  if (op_ok) {
    if (!ref_ok)
      return put(why, n, "succeeded (%s) where it fails without a fault (%s)", o->op.value,
                      r->ok.op.err);
    if (op->result == RES_VALUE && strcmp(o->op.value, r->ok.op.value) != 0)
      return put(why, n, "answered %s instead of %s, without an error", o->op.value,
                      r->ok.op.value);
    if (op->result == RES_TOKEN && !looks_like_token(o->op.value))
      return put(why, n, "returned '%s', not a token", o->op.value);
    if (s->txn && o->txn_closed)
      return put(why, n, "succeeded (%s), but the application's transaction was gone after it "
                 "(rolled back under the call, its earlier writes lost)",
                 o->op.value[0] ? o->op.value : "ok");
    if (s->txn && !o->committed) {
      if (!clear_error(o->tail.xrc ? o->tail.xrc : o->tail.rc, o->tail.err))
        return put(why, n, "COMMIT failed with an unclear error: %s", o->tail.err);
      want = &r->plain;
      state = "as it was (the transaction failed)";
      if (op->book_only) alt = &r->book;
    } else {
      want = &r->ok;
      state = "as after the operation";
      if (op->book_only) alt = &r->none;
      if (op->result == RES_TOKEN && strcmp(o->newv, r->ok.newv) != 0)
        return put(why, n, "the token it returned verifies as %s, not as %s", o->newv,
                        r->ok.newv);
    }
  } else {
    /* An operation refused anyway may fail in any way; a message SQLite
    ** could not copy under a fault then reads "SQL logic error". */
    if (ref_ok && !clear_error(o->op.xrc ? o->op.xrc : o->op.rc, o->op.err))
      return put(why, n, "failed with an unclear error: %s (rc %d)", o->op.err, o->op.xrc);
    if (!s->txn) {
      want = &r->none;
      state = "as it was";
    } else if (o->txn_closed) {
      want = &r->plain;
      state = "as it was before BEGIN (the transaction was rolled back)";
    } else if (!o->committed) {
      return put(why, n, "after the failure (%s) the application's transaction could not "
                      "go on: %s", o->op.err, o->tail.err);
    } else {
      want = &r->none;
      state = "as it was, with the application's rows";
    }
  }
  const outcome *match = same_state(o, want) ? want : alt != NULL && same_state(o, alt) ? alt : NULL;
  if (match != NULL) {
    if (o->probe[0] && strcmp(o->probe, match->probe) != 0)
      return put(why, n, "%s (%s), but afterwards the same connection answers \"%s\" where "
                 "it answers \"%s\" without the fault", op_ok ? "succeeded" : "failed",
                 op_ok ? "ok" : o->op.err, o->probe, match->probe);
    return NULL;
  }
  char diff[800];
  if (strcmp(fs_str(&o->dump), fs_str(&want->dump)) != 0)
    first_difference(fs_str(&o->dump), fs_str(&want->dump), diff, sizeof diff);
  else
    put(diff, sizeof diff, "tokens verify as %s, want %s", o->verify, want->verify);
  put(why, n, "%s (%s), but the database is not %s: %s", op_ok ? "succeeded" : "failed",
           op_ok ? "ok" : o->op.err, state, diff);
  return why;
}

/* -------------------------------------------------------------- groups */

/* A group's exit status when it found failures; any other but 0 is a crash,
** a sanitizer's report (ASan exits with 1) or a harness error. */
#define GROUP_FAILED 3

typedef struct slot {
  long n;          /* the fault point running */
  long points, failures;
  char phase[96];
} slot;

/* What the operations answered, for the histogram. */
#define TALLY_KEYS 12
typedef struct tally {
  char key[TALLY_KEYS][140];
  long count[TALLY_KEYS];
  long other;
} tally;

static void tally_add(tally *t, const outcome *o) {
  char key[140];
  if (o->op.rc != SQLITE_OK) put(key, sizeof key, "'%.100s'", o->op.err);
  else if (o->tail.rc != SQLITE_OK) put(key, sizeof key, "ok, then COMMIT '%.80s'", o->tail.err);
  else put(key, sizeof key, "ok");
  for (int i = 0; i < TALLY_KEYS; i++) {
    if (t->count[i] == 0) {
      put(t->key[i], sizeof t->key[i], "%s", key);
      t->count[i] = 1;
      return;
    }
    if (strcmp(t->key[i], key) == 0) {
      t->count[i]++;
      return;
    }
  }
  t->other++;
}

static void tally_show(fstr *line, const tally *t) {
  int shown[TALLY_KEYS] = {0};
  for (int k = 0; k < TALLY_KEYS; k++) {
    int best = -1;
    for (int i = 0; i < TALLY_KEYS; i++)
      if (t->count[i] && !shown[i] && (best < 0 || t->count[i] > t->count[best])) best = i;
    if (best < 0) break;
    shown[best] = 1;
    fs_add(line, " %s x%ld;", t->key[best], t->count[best]);
  }
  if (t->other) fs_add(line, " other answers x%ld", t->other);
}

/* Each distinct reason a configuration failed, with where. */
#define REASONS 16
typedef struct reasons {
  char why[REASONS][600];
  long first[REASONS], last[REASONS], count[REASONS];
  int n;
  long other;
} reasons;

static void reason_add(reasons *r, const char *why, long n) {
  for (int i = 0; i < r->n; i++) {
    if (strcmp(r->why[i], why) == 0) {
      r->last[i] = n;
      r->count[i]++;
      return;
    }
  }
  if (r->n == REASONS) {
    r->other++;
    return;
  }
  put(r->why[r->n], sizeof r->why[0], "%s", why);
  r->first[r->n] = r->last[r->n] = n;
  r->count[r->n++] = 1;
}

static const char *group_name(const scen *s, char *buf, size_t n) {
  put(buf, n, "%s %s %s", s->op->name, journal_names[s->journal],
           s->txn ? "txn" : "autocommit");
  return buf;
}

static int fcfgs(fcfg *out, int persistent_modes, int transient_only) {
  static const struct {
    int kind, rc;
    const char *rcname;
  } io[] = {
      {FV_WRITE, SQLITE_IOERR_WRITE, "IOERR_WRITE"},
      {FV_WRITE, SQLITE_FULL, "FULL"},
      {FV_SYNC, SQLITE_IOERR_FSYNC, "IOERR_FSYNC"},
      {FV_LOCK, SQLITE_BUSY, "BUSY"},
      {FV_LOCK, SQLITE_IOERR_LOCK, "IOERR_LOCK"},
      {FV_TRUNCATE, SQLITE_IOERR_TRUNCATE, "IOERR_TRUNCATE"},
      {FV_SHMLOCK, SQLITE_BUSY, "BUSY"},
      {FV_SHMLOCK, SQLITE_IOERR_SHMLOCK, "IOERR_SHMLOCK"},
      {FV_SHMMAP, SQLITE_IOERR_SHMMAP, "IOERR_SHMMAP"},
      {FV_READ, SQLITE_IOERR_READ, "IOERR_READ"},
      {FV_OPEN, SQLITE_CANTOPEN, "CANTOPEN"},
      {FV_DELETE, SQLITE_IOERR_DELETE, "IOERR_DELETE"},
  };
  int k = 0;
  for (int p = 0; p < 2; p++) {
    if (persistent_modes != 2 && persistent_modes != p) continue;
    if (p && transient_only) continue;
    const char *mode = p ? "persistent" : "transient";
    if (suite == SUITE_MALLOC) {
      put(out[k].name, sizeof out[k].name, "malloc %s", mode);
      out[k++].persistent = p;
      continue;
    }
    for (size_t i = 0; i < sizeof io / sizeof io[0]; i++) {
      put(out[k].name, sizeof out[k].name, "%s/%s %s", fv_kind_names[io[i].kind],
               io[i].rcname, mode);
      out[k].persistent = p;
      out[k].kind = io[i].kind;
      out[k].rc = io[i].rc;
      k++;
    }
  }
  return k;
}

/* A run without faults must pass every proof that does not need one. */
static int check_ref(const scen *s, const char *what, const outcome *o, int expect_commit) {
  char g[160];
  const char *bad = o->harness[0]                ? o->harness
                    : o->close_rc != SQLITE_OK   ? "sqlite3_close failed"
                    : o->leak                    ? "an allocation was never freed"
                    : strcmp(o->integrity, "ok") ? "integrity_check failed"
                    : o->left_txn_open           ? "a transaction was left open"
                    : expect_commit && !o->committed
                        ? (o->tail.rc ? o->tail.err : "the transaction was gone before COMMIT")
                        : NULL;
  if (bad == NULL) return 0;
  say("FAIL %s: the run without faults (%s) fails: %s", group_name(s, g, sizeof g), what, bad);
  return -1;
}

static void run_group(const run_opts *o, const fault_op *op, int journal, int txn, int index,
                      slot *sl) {
  scen s = {.o = o, .op = op, .journal = journal, .txn = txn};
  char g[160], why[2000];
  refs r;
  fcfg cfg[32];
  /* Persistent allocation faults find what transient ones do not (a
  ** ROLLBACK that can not run), but mostly the same: by default they run
  ** in one group of four, and not for an operation of thousands of
  ** allocations. I/O faults are cheap: every group. */
  int transient_only =
      !o->full && suite == SUITE_MALLOC && (op->only || journal != J_DELETE || !txn);
  int ncfg = fcfgs(cfg, o->persistent, transient_only);
  if (ncfg == 0) return;
  put(s.path, sizeof s.path, "%s/g%d.db", workdir, index);
  group_name(&s, g, sizeof g);
  put(sl->phase, sizeof sl->phase, "reference runs");
  fcfg none = cfg[0];
  iterate(&s, &none, 0, RUN_OP, NULL, &r.ok);
  iterate(&s, &none, 0, RUN_NONE, NULL, &r.none);
  iterate(&s, &none, 0, s.txn ? RUN_PLAIN : RUN_NONE, NULL, &r.plain);
  iterate(&s, &none, 0, s.txn ? RUN_OP_ROLLBACK : RUN_NONE, NULL, &r.book);
  if (check_ref(&s, "the operation", &r.ok, s.txn) ||
      check_ref(&s, "no operation", &r.none, s.txn) ||
      check_ref(&s, "no operation, rolled back", &r.plain, 0) ||
      check_ref(&s, "the operation, rolled back", &r.book, 0)) {
    sl->failures++;
    remove_db(s.path);
    _exit(GROUP_FAILED);
  }
  if (o->verbose)
    say("%s: without faults: %s%s, %ld faultable calls", g, r.ok.op.rc ? "error " : "",
        r.ok.op.rc ? r.ok.op.err : r.ok.op.value, r.ok.count);
  tally all;
  fstr kinds = {0};
  long group_points = 0, group_failures = 0;
  memset(&all, 0, sizeof all);
  struct timespec g0, g1;
  clock_gettime(CLOCK_MONOTONIC, &g0);
  for (int k = 0; k < ncfg; k++) {
    tally t;
    static reasons rs;
    long points = 0, failures = 0;
    memset(&t, 0, sizeof t);
    memset(&rs, 0, sizeof rs);
    put(sl->phase, sizeof sl->phase, "%s", cfg[k].name);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* An operation of thousands of allocations: every point within EDGE of
    ** both ends, a stride in between (pat sees the same failed call). */
    const long edge = 300;
    long clean = r.ok.count, stride = 1;
    if (suite == SUITE_MALLOC && op->only && !o->full && o->point <= 0 && clean > 2 * edge + 900)
      stride = (clean - 2 * edge) / 900;
    long step = o->stride > 1 ? o->stride : 1;
    for (long n = o->point > 0 ? o->point : 1;;
         n += (n >= edge && n < clean - edge && stride > step) ? stride : step) {
      outcome out;
      sl->n = n;
      iterate(&s, &cfg[k], n, RUN_OP, &r, &out);
      int fired = out.fired > 0;
      if (fired) {
        tally_add(&t, &out);
        tally_add(&all, &out);
      }
      const char *bad = judge(&s, &r, &out, why, sizeof why);
      if (o->verbose)
        say("  %s %s N=%ld: %s%s%s", g, cfg[k].name, n,
            out.op.rc ? out.op.err : out.op.value[0] ? out.op.value : "ok",
            bad ? " -- FAIL: " : "", bad ? bad : "");
      if (bad != NULL) {
        failures++;
        reason_add(&rs, bad, n);
        if (!fired) say("FAIL %s: %s N=%ld (no fault met): %s", g, cfg[k].name, n, bad);
      }
      outcome_free(&out);
      if (fired) {
        points++;
        sl->points++;
      }
      if (!fired || o->point > 0) break;
      if (n >= o->max_points) {
        failures++;
        say("FAIL %s: %s: still meeting faults after %ld points", g, cfg[k].name, n);
        break;
      }
    }
    for (int i = 0; i < rs.n; i++) {
      if (rs.count[i] == 1)
        say("FAIL %s: %s N=%ld: %s", g, cfg[k].name, rs.first[i], rs.why[i]);
      else
        say("FAIL %s: %s N=%ld..%ld (%ld points): %s", g, cfg[k].name, rs.first[i], rs.last[i],
            rs.count[i], rs.why[i]);
    }
    if (rs.other) say("FAIL %s: %s: %ld more points failed otherwise", g, cfg[k].name, rs.other);
    sl->failures += failures;
    group_points += points;
    group_failures += failures;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (points > 0) fs_add(&kinds, " %s %ld%s", cfg[k].name, points, failures ? "(FAILED)" : "");
    if (stride > 1) {
      char sampled[96];
      put(sampled, sizeof sampled, " (of %ld: every one within %ld of the ends, one in %ld "
          "between)", clean, edge, stride);
      fs_add(&kinds, "%s", sampled);
    }
    if (suite == SUITE_MALLOC || o->verbose) {
      fstr line = {0};
      fs_add(&line, "%s %s: %ld points, %ld failed, %.1f s;", g, cfg[k].name, points, failures,
             (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
      if (stride > 1)
        fs_add(&line, " sampled: every point within %ld of the ends of %ld, one in %ld between;",
               edge, clean, stride);
      tally_show(&line, &t);
      say("%s", fs_str(&line));
      fs_free(&line);
    }
  }
  if (suite == SUITE_IO) {
    clock_gettime(CLOCK_MONOTONIC, &g1);
    fstr line = {0};
    fs_add(&line, "%s: %ld points, %ld failed, %.1f s;%s; answers:", g, group_points,
           group_failures,
           (double)(g1.tv_sec - g0.tv_sec) + (double)(g1.tv_nsec - g0.tv_nsec) / 1e9,
           fs_str(&kinds));
    tally_show(&line, &all);
    say("%s", fs_str(&line));
    fs_free(&line);
  }
  fs_free(&kinds);
  outcome_free(&r.ok);
  outcome_free(&r.none);
  outcome_free(&r.plain);
  outcome_free(&r.book);
  remove_db(s.path);
}

int run_suite(const run_opts *o) {
  suite = o->suite;
  const char *dir = getenv("FAULT_DIR");
  if (dir == NULL) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  if (dir == NULL) dir = "/tmp";
  put(workdir, sizeof workdir, "%s/pat-fault.XXXXXX", dir);
  if (mkdtemp(workdir) == NULL) {
    fprintf(stderr, "%s: can not make a directory in %s: %s\n", o->label, dir, strerror(errno));
    return 2;
  }
  if (build_bases() != 0) {
    rmdir(workdir);
    return 2;
  }
  typedef struct group {
    const fault_op *op;
    int journal, txn;
  } group;
  group *groups = calloc((size_t)fault_nops * J_COUNT * 2, sizeof *groups);
  int ngroups = 0;
  for (int i = 0; i < fault_nops; i++) {
    if (o->filter && !strstr(fault_ops[i].name, o->filter)) continue;
    for (int j = 0; j < J_COUNT; j++) {
      if (!(o->journals & (1 << j))) continue;
      for (int t = 0; t < 2; t++) {
        if (o->txn != 2 && o->txn != t) continue;
        /* I/O faults are few: every group for every operation. */
        int limited = fault_ops[i].only && suite == SUITE_MALLOC;
        if (limited && (o->light || (!o->full && !(fault_ops[i].only & (1 << (j * 2 + t))))))
          continue;
        groups[ngroups++] = (group){&fault_ops[i], j, t};
      }
    }
  }
  if (ngroups == 0) {
    fprintf(stderr, "%s: no operation matches '%s'\n", o->label, o->filter ? o->filter : "");
    free(groups);
    rmdir(workdir);
    return 2;
  }
  slot *slots = mmap(NULL, sizeof(slot) * (size_t)ngroups, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t *pids = calloc((size_t)ngroups, sizeof *pids);
  if (slots == MAP_FAILED || pids == NULL) return 2;
  memset(slots, 0, sizeof(slot) * (size_t)ngroups);
  long points = 0, failures = 0;
  int next = 0, running = 0, jobs = o->jobs > 0 ? o->jobs : 1;
  const char *tmo = getenv("FAULT_GROUP_TIMEOUT");
  unsigned timeout = tmo ? (unsigned)atoi(tmo) : 600;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (next < ngroups || running > 0) {
    while (running < jobs && next < ngroups) {
      fflush(stdout);
      pid_t pid = fork();
      if (pid < 0) {
        perror("fork");
        return 2;
      }
      if (pid == 0) {
        alarm(timeout);
        run_group(o, groups[next].op, groups[next].journal, groups[next].txn, next,
                  &slots[next]);
        _exit(slots[next].failures ? GROUP_FAILED : 0);
      }
      pids[next++] = pid;
      running++;
    }
    int status;
    pid_t pid = wait(&status);
    if (pid < 0) break;
    running--;
    int i = 0;
    while (i < ngroups && pids[i] != pid) i++;
    if (i == ngroups) continue;
    points += slots[i].points;
    failures += slots[i].failures;
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != GROUP_FAILED)) {
      char g[160];
      scen s = {.op = groups[i].op, .journal = groups[i].journal, .txn = groups[i].txn};
      failures++;
      if (WIFSIGNALED(status))
        say("FAIL %s: %s N=%ld: CRASHED (signal %d%s)", group_name(&s, g, sizeof g),
            slots[i].phase, slots[i].n, WTERMSIG(status),
            WTERMSIG(status) == SIGALRM ? ": the group took too long" : "");
      else
        say("FAIL %s: %s N=%ld: the process exited with status %d (a sanitizer report?)",
            group_name(&s, g, sizeof g), slots[i].phase, slots[i].n, WEXITSTATUS(status));
      char path[700];
      put(path, sizeof path, "%s/g%d.db", workdir, i);
      remove_db(path);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  say("%s: %ld points tried, %ld failed (%d groups, %.0f s)", o->label, points, failures, ngroups,
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  munmap(slots, sizeof(slot) * (size_t)ngroups);
  free(pids);
  free(groups);
  for (int j = 0; j < J_COUNT; j++)
    for (int b = 0; b < BASE_COUNT; b++) free(base_bytes[j][b]);
  rmdir(workdir);
  return failures ? 1 : 0;
}
