/*
** alloc.c: the allocator under SQLite (SQLITE_CONFIG_MALLOC), as SQLite's
** own test harness has it (src/test_malloc.c): every allocation is counted
** while armed, and the Nth fails (transient), or the Nth and every one after
** it (persistent, as when memory stays short). Debian's SQLite is built with
** SQLITE_OMIT_LOOKASIDE, so every allocation reaches it.
**
** It also counts live blocks, so a run can prove it leaked nothing, and for
** the copies test (copies.c) it copies aside each freed block that could hold
** a token's random part, before the block goes back to the system: a token
** found there was left in freed memory unwiped.
**
** libsodium's own allocations do not come here.
*/
#include "fault.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static sqlite3_mem_methods orig;

static struct {
  int armed, persistent;
  long target, count, fired;
  long live;
  int keep;
} fa;

typedef struct kept {
  struct kept *next;
  size_t n;
  unsigned char data[];
} kept;
static kept *kept_list;

static int should_fail(void) {
  if (!fa.armed) return 0;
  fa.count++;
  if (fa.target > 0 &&
      (fa.count == fa.target || (fa.persistent && fa.count > fa.target))) {
    fa.fired++;
    return 1;
  }
  return 0;
}

static int base62(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Copies the block aside when it holds 32 base62 characters in a row. */
static void keep_block(const void *p) {
  int n = orig.xSize((void *)(uintptr_t)p);
  const unsigned char *b = p;
  int run = 0;
  for (int i = 0; i < n; i++) {
    run = base62(b[i]) ? run + 1 : 0;
    if (run >= 32) {
      kept *k = malloc(sizeof *k + (size_t)n);
      if (k == NULL) abort();
      k->n = (size_t)n;
      memcpy(k->data, b, (size_t)n);
      k->next = kept_list;
      kept_list = k;
      return;
    }
  }
}

static void *fa_malloc(int n) {
  if (should_fail()) return NULL;
  void *p = orig.xMalloc(n);
  if (p != NULL) fa.live++;
  return p;
}

static void fa_free(void *p) {
  if (p == NULL) return;
  if (fa.keep) keep_block(p);
  fa.live--;
  orig.xFree(p);
}

static void *fa_realloc(void *p, int n) {
  if (should_fail()) return NULL;
  /* The old block may be freed with its bytes as they are. */
  if (fa.keep && p != NULL) keep_block(p);
  return orig.xRealloc(p, n);
}

static int fa_size(void *p) { return orig.xSize(p); }
static int fa_roundup(int n) { return orig.xRoundup(n); }
static int fa_init(void *x) { return orig.xInit(x); }
static void fa_shutdown(void *x) { orig.xShutdown(x); }

int fa_install(void) {
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig) != SQLITE_OK) return -1;
  static const sqlite3_mem_methods mine = {fa_malloc,   fa_free, fa_realloc, fa_size,
                                           fa_roundup,  fa_init, fa_shutdown, NULL};
  sqlite3_mem_methods m = mine;
  m.pAppData = orig.pAppData;
  return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

void fa_arm(long n, int persistent) {
  fa.target = n;
  fa.persistent = persistent;
  fa.count = 0;
  fa.fired = 0;
  fa.armed = 1;
}

void fa_disarm(void) { fa.armed = 0; }
long fa_count(void) { return fa.count; }
long fa_fired(void) { return fa.fired; }
long fa_live(void) { return fa.live; }
void fa_keep_freed(int on) { fa.keep = on; }

int fa_freed_holding(const char *needle, size_t n, int *sizes, int max) {
  int found = 0;
  while (kept_list != NULL) {
    kept *k = kept_list;
    kept_list = k->next;
    for (size_t i = 0; n > 0 && i + n <= k->n; i++) {
      if (memcmp(k->data + i, needle, n) == 0) {
        if (found < max) sizes[found] = (int)k->n;
        found++;
        break;
      }
    }
    free(k);
  }
  return found;
}
