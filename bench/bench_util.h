/*
** bench_util.h: what every bench program needs (bench.c, concurrency.c,
** create_parts.c): the floor table as the benches define it, and the small
** helpers that die on any SQLite failure, since a bench that goes on after
** one measures nothing. Each program is one file; define BENCH_PROG (its
** name in messages) before including this.
*/
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <sqlite3.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_PROG
#error "define BENCH_PROG before including bench_util.h"
#endif

/* The floor: the same row as pat keeps, in a plain table with a unique
** index on the digest, written and read by hand. */
static const char floor_schema[] =
    "CREATE TABLE IF NOT EXISTS floor_tokens("
    " id INTEGER PRIMARY KEY,"
    " digest BLOB NOT NULL UNIQUE,"
    " owner TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " valid_from INTEGER NOT NULL,"
    " valid_to INTEGER NOT NULL,"
    " rights TEXT NOT NULL,"
    " created_at INTEGER NOT NULL)";
static const char floor_insert_sql[] =
    "INSERT INTO floor_tokens(digest, owner, name, valid_from, valid_to, rights,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(BENCH_PROG ": ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

/* A line on stderr about how the run goes (the results go to stdout). */
static inline void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void progress(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void exec(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    die("%.60s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static inline sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    die("prepare %.60s: %s", sql, sqlite3_errmsg(db));
  return st;
}

static inline int64_t query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = prepare(db, sql);
  if (sqlite3_step(st) != SQLITE_ROW) die("%s: %s", sql, sqlite3_errmsg(db));
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static inline long env_long(const char *name, long def, long lo, long hi) {
  const char *s = getenv(name);
  if (s == NULL || *s == '\0') return def;
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (*end != '\0' || v < lo || v > hi) die("%s must be an integer in [%ld, %ld]", name, lo, hi);
  return v;
}

/* 1 when `key` is in the comma list `list` (NULL or empty: everything). */
static inline int listed(const char *list, const char *key) {
  if (list == NULL || *list == '\0') return 1;
  size_t n = strlen(key);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && memcmp(p, key, n) == 0) return 1;
    p += len + (e != NULL);
  }
  return 0;
}

static inline sqlite3 *open_db(const char *path) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    die("open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
  return db;
}

static inline void close_db(sqlite3 *db) {
  if (db != NULL && sqlite3_close(db) != SQLITE_OK) die("close: %s", sqlite3_errmsg(db));
}

/* The extension the benches load (BENCH_EXT); what an application does to
** use it. */
static const char *ext_path = "dist/pat";

static inline void load_pat_at(sqlite3 *db, const char *path) {
  char *msg = NULL;
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, NULL) != SQLITE_OK ||
      sqlite3_load_extension(db, path, NULL, &msg) != SQLITE_OK)
    die("load %s: %s", path, msg ? msg : sqlite3_errmsg(db));
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
}

static inline void load_pat(sqlite3 *db) { load_pat_at(db, ext_path); }


#endif
